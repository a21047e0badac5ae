"""Coverage and siting problem data: a demand x site travel-time matrix plus site attributes.

Pure data, no solver: :class:`CostMatrix` (travel times in seconds, ``inf`` = unreachable) and
:class:`SitingProblem` (demand weights, existing canteens that stay open, candidate sites with
capacity and opening cost, islands, the service radius and per-island minimums). Both are frozen
dataclasses validated on construction; derive variants with :func:`dataclasses.replace`.

The models that use this data (maximal covering, set covering, p-median) live in
:mod:`optimizer.solvers.ortools_siting`.

Terms
-----
covered
    Demand point ``i`` is covered by site ``j`` when ``cost[i, j] <= service_radius_s``
    (15-minute meal-delivery coverage, 15分钟助餐配送圈, is ``service_radius_s = 900``).
uncoverable
    No site at all (existing or candidate) covers the point; it is reported with a reason
    (:data:`UNCOVERABLE_REASONS`) and excluded from the coverage models, never dropped silently.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from optimizer.errors import InputError, InputErrors
from optimizer.io.matrix import SENTINEL_MIN, read_matrix

__all__ = [
    "ASSIGNMENT_MODES",
    "UNCOVERABLE_REASONS",
    "CostMatrix",
    "SitingProblem",
    "UncoverableDemand",
]

ASSIGNMENT_MODES = ("split", "single")
"""``"split"``: a demand point's meals may come from several canteens; ``"single"``: one canteen
serves all of a demand point (single-source assignment)."""

UNCOVERABLE_REASONS = ("no_site_on_island", "unreachable", "beyond_radius", "over_capacity")
"""Why no site can cover a demand point, checked in this order:

* ``no_site_on_island``: no site (existing or candidate) lies on the demand point's island and
  none elsewhere reaches it within the radius;
* ``unreachable``: sites share its island, but none is reachable on the network (all ``inf``);
* ``beyond_radius``: the nearest reachable site is farther than ``service_radius_s``;
* ``over_capacity`` (capacitated single-source siting only, set by the solver): the point needs
  more than the largest capacity of the sites within the radius, so no open site can take it
  whole (``nearest_site_id`` is then that largest site, ``capacity`` its capacity).
"""

_RADIUS_TOL_S = 1e-9
"""Tolerance (seconds) of the ``cost <= service_radius_s`` comparison (float round-off only)."""


def _ids(values: Sequence[Any], *, name: str, src: str | None, errors: list[InputError]) -> tuple[str, ...]:
    out = tuple(str(v) for v in values)
    seen: dict[str, int] = {}
    for k, v in enumerate(out):
        if v == "" or v.lower() == "nan":
            errors.append(InputError(f"empty id at position {k + 1}; every id must be a non-empty "
                                     "string", file=src, row=k + 1, field=name))
        if v in seen:
            errors.append(InputError(f"duplicate id {v!r} (rows {seen[v] + 1} and {k + 1}); ids "
                                     "must be unique", file=src, row=k + 1, field=name))
        else:
            seen[v] = k
    return out


def _float_array(values: Any, *, name: str, n: int, ids: Sequence[str], src: str | None,
                 errors: list[InputError], allow_inf: bool, default: float | None = None,
                 minimum: float | None = 0.0) -> np.ndarray:
    """Convert to a read-only float vector of length ``n``; append problems to ``errors``."""
    if values is None:
        arr = np.full(n, float(default if default is not None else 0.0))
        arr.setflags(write=False)
        return arr
    raw = np.asarray(values, dtype=object).reshape(-1) if np.ndim(values) else None
    if raw is None:
        errors.append(InputError(f"expected a sequence of {n} numbers, got a scalar {values!r}",
                                 file=src, field=name))
        return np.zeros(n)
    if raw.shape[0] != n:
        errors.append(InputError(f"length {raw.shape[0]} does not match the {n} ids it describes",
                                 file=src, field=name))
        return np.zeros(n)
    arr = np.zeros(n)
    for k, v in enumerate(raw):
        who = f" (id {ids[k]!r})" if k < len(ids) else ""
        if isinstance(v, (bool, np.bool_)) or isinstance(v, (str, bytes)) or v is None:
            errors.append(InputError(f"{v!r}{who} is not a number", file=src, row=k + 1,
                                     field=name))
            continue
        try:
            x = float(v)
        except (TypeError, ValueError):
            errors.append(InputError(f"{v!r}{who} is not a number", file=src, row=k + 1,
                                     field=name))
            continue
        if math.isnan(x):
            errors.append(InputError(f"NaN{who}; give a number", file=src, row=k + 1, field=name))
        elif math.isinf(x) and not (allow_inf and x > 0):
            errors.append(InputError(f"{x}{who} is not finite", file=src, row=k + 1, field=name))
        elif minimum is not None and x < minimum:
            errors.append(InputError(f"{x}{who} is below {minimum}; must be >= {minimum}",
                                     file=src, row=k + 1, field=name))
        arr[k] = x
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class CostMatrix:
    """Travel times from demand points (rows) to sites (columns), in seconds.

    Parameters
    ----------
    values
        Array-like of shape ``(n_demand, n_sites)``, seconds; ``inf`` means unreachable. Copied
        to a read-only ``float64`` array. Rows follow ``demand_ids``, columns ``site_ids``.
    demand_ids, site_ids
        Unique non-empty ids (converted to ``str``) of the rows and columns.
    unit
        Must be ``"s"`` (seconds); stated so that a matrix in minutes or metres is refused.
    source
        File the matrix came from, used in error messages.

    Raises
    ------
    optimizer.errors.InputErrors
        If the shape does not match the ids, ids repeat, a value is NaN or negative, or the unit is
        not ``"s"``; every problem is listed.

    Examples
    --------
    >>> m = CostMatrix([[0.0, 600.0], [float("inf"), 300.0]], demand_ids=["d1", "d2"],
    ...                site_ids=["s1", "s2"])
    >>> m.shape
    (2, 2)
    """

    values: np.ndarray
    demand_ids: tuple[str, ...]
    site_ids: tuple[str, ...]
    unit: str = "s"
    source: str | None = None

    def __post_init__(self) -> None:
        errors: list[InputError] = []
        src = self.source
        if self.unit != "s":
            errors.append(InputError(f"unit {self.unit!r}; the cost matrix must be in seconds "
                                     "('s'); convert it first", file=src, field="unit"))
        d_ids = _ids(self.demand_ids, name="demand_ids", src=src, errors=errors)
        s_ids = _ids(self.site_ids, name="site_ids", src=src, errors=errors)
        try:
            vals = np.array(self.values, dtype=float)
        except (TypeError, ValueError) as exc:
            raise InputError(f"values are not numeric ({exc})", file=src, field="values") from None
        if vals.ndim != 2:
            errors.append(InputError(f"values must be 2-D (n_demand, n_sites), got {vals.ndim}-D",
                                     file=src, field="values"))
        elif vals.shape != (len(d_ids), len(s_ids)):
            errors.append(InputError(
                f"values have shape {vals.shape} but there are {len(d_ids)} demand_ids and "
                f"{len(s_ids)} site_ids; rows must follow demand_ids and columns site_ids",
                file=src, field="values"))
        else:
            nan_r, nan_c = np.nonzero(np.isnan(vals))
            for r, c in list(zip(nan_r, nan_c))[:10]:
                errors.append(InputError(f"NaN travel time from demand {d_ids[r]!r} to site "
                                         f"{s_ids[c]!r}; use inf for unreachable",
                                         file=src, row=int(r) + 1, field="values"))
            neg_r, neg_c = np.nonzero(vals < 0)
            for r, c in list(zip(neg_r, neg_c))[:10]:
                errors.append(InputError(f"negative travel time {vals[r, c]} s from demand "
                                         f"{d_ids[r]!r} to site {s_ids[c]!r}",
                                         file=src, row=int(r) + 1, field="values"))
            big_r, big_c = np.nonzero(np.isfinite(vals) & (vals >= SENTINEL_MIN))
            for r, c in list(zip(big_r, big_c))[:10]:
                errors.append(InputError(f"travel time {vals[r, c]:g} s from demand {d_ids[r]!r} "
                                         f"to site {s_ids[c]!r} is an integer overflow sentinel "
                                         "meaning no path, not a time; use inf (read_matrix "
                                         "does)", file=src, row=int(r) + 1, field="values"))
            if len(nan_r) > 10 or len(neg_r) > 10:
                errors.append(InputError(f"{len(nan_r)} NaN and {len(neg_r)} negative values in "
                                         "total (first 10 of each listed)", file=src,
                                         field="values"))
        if errors:
            raise InputErrors(errors)
        vals.setflags(write=False)
        object.__setattr__(self, "values", vals)
        object.__setattr__(self, "demand_ids", d_ids)
        object.__setattr__(self, "site_ids", s_ids)

    @classmethod
    def from_file(cls, path: str | Path, *, unit: str | None = None) -> CostMatrix:
        """A user's matrix file (CSV or JSON, minutes or seconds): rows = demand points, columns
        = sites, read by :func:`optimizer.io.matrix.read_matrix` (no-path marks such as empty
        cells, -1 or int64 max become ``inf``).

        Parameters
        ----------
        path
            The file; ``unit`` ``"s"`` or ``"min"`` unless the file says it.

        Raises
        ------
        optimizer.errors.InputErrors
            As :func:`~optimizer.io.matrix.read_matrix`.
        """
        m = read_matrix(path, unit=unit)
        return cls(m.seconds, demand_ids=m.row_labels, site_ids=m.col_labels, source=m.source)

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_demand, n_sites)``."""
        return (len(self.demand_ids), len(self.site_ids))


@dataclass(frozen=True)
class UncoverableDemand:
    """A demand point that no site (existing or candidate) covers within the service radius.

    Attributes
    ----------
    demand_id
        The demand point.
    weight
        Its demand weight (elderly residents).
    island_id
        Its island.
    reason
        One of :data:`UNCOVERABLE_REASONS`.
    nearest_site_id
        The nearest reachable site, or ``None`` when every site is unreachable.
    nearest_time_s
        Travel time to that site in seconds (``inf`` when unreachable).
    capacity
        ``over_capacity`` only: the capacity of ``nearest_site_id`` (the largest within the
        radius), in weight units; ``nan`` otherwise.
    """

    demand_id: str
    weight: float
    island_id: str
    reason: str
    nearest_site_id: str | None
    nearest_time_s: float
    capacity: float = math.nan

    def describe(self) -> str:
        """One line in plain words (whole minutes), e.g. for a table of uncovered points."""
        from optimizer.units import minutes_text

        if self.reason == "no_site_on_island":
            extra = (f"; nearest site {self.nearest_site_id} takes "
                     f"{minutes_text(self.nearest_time_s)}"
                     if self.nearest_site_id is not None else "; no site reachable")
            return f"{self.demand_id}: no canteen or candidate on island {self.island_id}{extra}"
        if self.reason == "unreachable":
            return f"{self.demand_id}: no site reachable on the network"
        if self.reason == "over_capacity":
            return (f"{self.demand_id}: needs {self.weight:g}; the largest site within reach, "
                    f"{self.nearest_site_id}, holds {self.capacity:g}")
        return (f"{self.demand_id}: nearest site {self.nearest_site_id} takes "
                f"{minutes_text(self.nearest_time_s)}, beyond the service radius")


@dataclass(frozen=True, eq=False)
class SitingProblem:
    """Canteen siting data: who needs meals, where canteens are or could be, and the rules.

    Parameters
    ----------
    cost
        Travel times (seconds), rows = demand points, columns = sites (existing and candidates).
    demand_weight
        Shape ``(n_demand,)``, >= 0: elderly residents at each point (one meal per resident per
        day when capacities apply).
    existing
        Shape ``(n_sites,)`` bool: existing canteens, always kept open; the others are candidates.
        Default: none existing.
    capacity
        Shape ``(n_sites,)``, meals per day, > 0, ``inf`` allowed (uncapacitated). Default all
        ``inf``. Capacities apply only in the models' capacitated variants (any finite value).
    opening_cost
        Shape ``(n_sites,)``, >= 0, in the planner's currency (yuan); used when set covering
        minimises cost instead of the number of sites, or under a budget. Default zeros.
    site_island_id, demand_island_id
        Island id of every site / demand point (``str``). Default: everything on one island
        ``"main"``.
    service_radius_s
        Coverage threshold in seconds, > 0 (15 min = 900 s).
    p
        Number of new sites to open (maximal covering, p-median); the solvers may override it.
    min_new_per_island
        Mapping island id -> least number of new sites to open on that island.
    min_open_per_island
        Mapping island id -> least number of open sites (existing + new) on that island.
    assignment
        ``"split"`` or ``"single"`` (single-source) assignment in capacitated models.
    source
        File or scenario the data came from, for error messages.

    Raises
    ------
    optimizer.errors.InputErrors
        Listing every bad field: negative/NaN/non-numeric weights or capacities, lengths that do
        not match the matrix, ``service_radius_s <= 0``, negative ``p``, unknown islands or
        minimums that the island's candidates cannot meet, unknown ``assignment``.

    Examples
    --------
    >>> cm = CostMatrix([[300.0, 1200.0], [1000.0, 200.0]], demand_ids=["a", "b"],
    ...                 site_ids=["s1", "s2"])
    >>> prob = SitingProblem(cm, demand_weight=[10, 5], service_radius_s=900)
    >>> [u.demand_id for u in prob.uncoverable_demand()]
    []
    """

    cost: CostMatrix
    demand_weight: np.ndarray
    existing: np.ndarray | None = None
    capacity: np.ndarray | None = None
    opening_cost: np.ndarray | None = None
    site_island_id: tuple[str, ...] | None = None
    demand_island_id: tuple[str, ...] | None = None
    service_radius_s: float = 900.0
    p: int | None = None
    min_new_per_island: Mapping[str, int] | None = None
    min_open_per_island: Mapping[str, int] | None = None
    assignment: str = "split"
    source: str | None = None

    def __post_init__(self) -> None:
        errors: list[InputError] = []
        src = self.source
        if not isinstance(self.cost, CostMatrix):
            raise InputError(f"cost must be a CostMatrix, got {type(self.cost).__name__}",
                             file=src, field="cost")
        n_d, n_s = self.cost.shape
        d_ids, s_ids = self.cost.demand_ids, self.cost.site_ids
        w = _float_array(self.demand_weight, name="demand_weight", n=n_d, ids=d_ids, src=src,
                         errors=errors, allow_inf=False)
        cap = _float_array(self.capacity, name="capacity", n=n_s, ids=s_ids, src=src,
                           errors=errors, allow_inf=True, default=math.inf, minimum=0.0)
        if self.capacity is not None:
            for k in np.nonzero(cap == 0)[0][:10]:
                errors.append(InputError(f"capacity 0 at site {s_ids[k]!r}; a site that serves no "
                                         "meals cannot be a canteen (remove it)", file=src,
                                         row=int(k) + 1, field="capacity"))
        oc = _float_array(self.opening_cost, name="opening_cost", n=n_s, ids=s_ids, src=src,
                          errors=errors, allow_inf=False, default=0.0)
        if self.existing is None:
            ex = np.zeros(n_s, dtype=bool)
        else:
            raw = np.asarray(self.existing, dtype=object).reshape(-1)
            ex = np.zeros(n_s, dtype=bool)
            if raw.shape[0] != n_s:
                errors.append(InputError(f"length {raw.shape[0]} does not match the {n_s} sites",
                                         file=src, field="existing"))
            else:
                for k, v in enumerate(raw):
                    if isinstance(v, (bool, np.bool_)) or (isinstance(v, (int, np.integer))
                                                           and v in (0, 1)):
                        ex[k] = bool(v)
                    else:
                        errors.append(InputError(f"{v!r} at site {s_ids[k]!r} is not a boolean",
                                                 file=src, row=k + 1, field="existing"))
        ex.setflags(write=False)
        s_isl = self._islands(self.site_island_id, n_s, "site_island_id", src, errors)
        d_isl = self._islands(self.demand_island_id, n_d, "demand_island_id", src, errors)
        r = self.service_radius_s
        if isinstance(r, bool) or not isinstance(r, (int, float, np.integer, np.floating)):
            errors.append(InputError(f"{r!r} is not a number of seconds", file=src,
                                     field="service_radius_s"))
        elif not (math.isfinite(r) and r > 0):
            errors.append(InputError(f"{r} s; the service radius must be a positive finite number "
                                     "of seconds (15 min = 900)", file=src,
                                     field="service_radius_s"))
        if self.p is not None and (isinstance(self.p, bool) or not isinstance(self.p, (int, np.integer))
                                   or self.p < 0):
            errors.append(InputError(f"p={self.p!r}; expected a whole number >= 0 of new sites",
                                     file=src, field="p"))
        if self.assignment not in ASSIGNMENT_MODES:
            errors.append(InputError(f"assignment {self.assignment!r}; expected one of "
                                     f"{ASSIGNMENT_MODES}", file=src, field="assignment"))
        mins: dict[str, dict[str, int]] = {}
        for name in ("min_new_per_island", "min_open_per_island"):
            mp = getattr(self, name)
            mins[name] = {}
            if mp is None:
                continue
            if not isinstance(mp, Mapping):
                errors.append(InputError(f"expected a mapping island id -> count, got "
                                         f"{type(mp).__name__}", file=src, field=name))
                continue
            for isl, m in mp.items():
                isl = str(isl)
                if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 0:
                    errors.append(InputError(f"island {isl!r}: {m!r} is not a whole number >= 0",
                                             file=src, field=name))
                    continue
                on = np.array([s == isl for s in s_isl], dtype=bool) if len(s_isl) == n_s else \
                    np.zeros(n_s, dtype=bool)
                n_cand = int(np.sum(on & ~ex))
                n_ex = int(np.sum(on & ex))
                need_new = int(m) if name == "min_new_per_island" else max(0, int(m) - n_ex)
                if not on.any() and m > 0:
                    errors.append(InputError(f"island {isl!r} has no site in site_island_id; "
                                             f"cannot open {m} there", file=src, field=name))
                elif need_new > n_cand:
                    errors.append(InputError(f"island {isl!r} needs {need_new} new site(s) but has "
                                             f"only {n_cand} candidate(s)", file=src, field=name))
                mins[name][isl] = int(m)
        if errors:
            raise InputErrors(errors)
        object.__setattr__(self, "demand_weight", w)
        object.__setattr__(self, "capacity", cap)
        object.__setattr__(self, "opening_cost", oc)
        object.__setattr__(self, "existing", ex)
        object.__setattr__(self, "site_island_id", s_isl)
        object.__setattr__(self, "demand_island_id", d_isl)
        object.__setattr__(self, "service_radius_s", float(r))
        object.__setattr__(self, "p", None if self.p is None else int(self.p))
        object.__setattr__(self, "min_new_per_island", mins["min_new_per_island"])
        object.__setattr__(self, "min_open_per_island", mins["min_open_per_island"])

    @staticmethod
    def _islands(values: Sequence[Any] | None, n: int, name: str, src: str | None,
                 errors: list[InputError]) -> tuple[str, ...]:
        if values is None:
            return ("main",) * n
        out = tuple(str(v) for v in values)
        if len(out) != n:
            errors.append(InputError(f"length {len(out)} does not match the {n} ids it describes",
                                     file=src, field=name))
        return out

    # ------------------------------------------------------------------ derived data
    @property
    def n_demand(self) -> int:
        """Number of demand points (rows)."""
        return self.cost.shape[0]

    @property
    def n_sites(self) -> int:
        """Number of sites, existing and candidate (columns)."""
        return self.cost.shape[1]

    @property
    def candidates(self) -> np.ndarray:
        """Bool ``(n_sites,)``: sites that may be opened (not existing)."""
        return ~self.existing

    @property
    def is_capacitated(self) -> bool:
        """True when some site has a finite capacity (meals per day)."""
        return bool(np.isfinite(self.capacity).any())

    @cached_property
    def covers(self) -> np.ndarray:
        """Read-only bool ``(n_demand, n_sites)``: ``cost <= service_radius_s``."""
        a = self.cost.values <= self.service_radius_s + _RADIUS_TOL_S
        a.setflags(write=False)
        return a

    def coverage_sets(self) -> tuple[np.ndarray, ...]:
        """Sites covering each demand point.

        Returns
        -------
        tuple of numpy.ndarray
            ``n_demand`` int arrays of site column indices ``j`` with
            ``cost[i, j] <= service_radius_s``, in increasing travel time.
        """
        out = []
        vals = self.cost.values
        for i in range(self.n_demand):
            js = np.nonzero(self.covers[i])[0]
            out.append(js[np.argsort(vals[i, js], kind="stable")])
        return tuple(out)

    @cached_property
    def coverable(self) -> np.ndarray:
        """Read-only bool ``(n_demand,)``: some site (existing or candidate) covers the point."""
        c = self.covers.any(axis=1)
        c.setflags(write=False)
        return c

    def uncoverable_demand(self) -> tuple[UncoverableDemand, ...]:
        """Demand points that no site, existing or candidate, reaches within the radius.

        Returns
        -------
        tuple of UncoverableDemand
            In row order, each with a reason from :data:`UNCOVERABLE_REASONS`, the nearest
            reachable site and its travel time (seconds).
        """
        out = []
        vals = self.cost.values
        site_islands = set(self.site_island_id)
        for i in np.nonzero(~self.coverable)[0]:
            row = vals[i]
            finite = np.isfinite(row)
            if finite.any():
                j = int(np.argmin(np.where(finite, row, np.inf)))
                nid, nt = self.cost.site_ids[j], float(row[j])
            else:
                nid, nt = None, math.inf
            isl = self.demand_island_id[i]
            if isl not in site_islands:
                reason = "no_site_on_island"
            elif nid is None:
                reason = "unreachable"
            else:
                reason = "beyond_radius"
            out.append(UncoverableDemand(self.cost.demand_ids[i], float(self.demand_weight[i]),
                                         isl, reason, nid, nt))
        return tuple(out)
