"""The flats choice: which candidates get the few places, to save the most (a 0/1 knapsack).

Sets: candidates ``i`` (patients, in the tie-break order). Parameters: ``value_i`` >= 0, the
integer weekly saving if ``i`` gets a place (any unit, e.g. weighted seconds); ``wheelchair_i``;
``places`` (flats x people per flat); ``wheelchair_places`` (places a wheelchair user can take,
``None`` = every place). Variables: ``x_i`` in {0, 1}. Objective: maximise ``sum value_i x_i``.
Constraints: ``sum x_i <= places``; ``sum wheelchair_i x_i <= wheelchair_places``.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.errors import InputError

__all__ = ["FlatsProblem"]


@dataclass(frozen=True)
class FlatsProblem:
    """Candidates for the flats, validated on construction (see the module docs).

    Attributes
    ----------
    ids
        Candidate ids, unique; their order is the tie-break order (earlier first).
    value
        Integer saving of each candidate (same order; >= 0).
    wheelchair
        Whether each candidate uses a wheelchair (same order).
    places
        Places to give (>= 0).
    wheelchair_places
        Places open to wheelchair users (>= 0), ``None`` = all of them.

    Raises
    ------
    optimizer.errors.InputError
        Lengths differ, ids repeat, a value is negative or not whole, places are negative.
    """

    ids: tuple[str, ...]
    value: tuple[int, ...]
    wheelchair: tuple[bool, ...]
    places: int
    wheelchair_places: int | None = None

    def __post_init__(self) -> None:
        n = len(self.ids)
        if len(self.value) != n or len(self.wheelchair) != n:
            raise InputError(f"flats problem: {n} ids, {len(self.value)} values, "
                             f"{len(self.wheelchair)} wheelchair flags; expected equal lengths",
                             field="value")
        if len(set(self.ids)) != n:
            raise InputError("flats problem: candidate ids repeat", field="ids")
        bad = [i for i, v in zip(self.ids, self.value) if int(v) != v or v < 0]
        if bad:
            raise InputError(f"flats problem: values of {bad[:3]} are not whole numbers >= 0",
                             field="value")
        if self.places < 0:
            raise InputError(f"flats problem: places={self.places}; expected >= 0",
                             field="places")
        if self.wheelchair_places is not None and self.wheelchair_places < 0:
            raise InputError(f"flats problem: wheelchair_places={self.wheelchair_places}; "
                             "expected >= 0 or None", field="wheelchair_places")

    def feasible(self, chosen: tuple[str, ...] | list[str]) -> bool:
        """Whether choosing ``chosen`` (ids) respects the places and wheelchair places."""
        wc = dict(zip(self.ids, self.wheelchair))
        if len(chosen) > self.places or len(set(chosen)) != len(chosen):
            return False
        return self.wheelchair_places is None or sum(wc[i] for i in chosen) <= \
            self.wheelchair_places

    def total(self, chosen: tuple[str, ...] | list[str]) -> int:
        """Summed value of ``chosen`` (ids)."""
        v = dict(zip(self.ids, self.value))
        return int(sum(v[i] for i in chosen))
