"""The hand-off (呼叫转移): every household's registration office → residence office.

A household registered in one town and living in another is visited by the office of the town
where it lives; the registration office hands the case over. :func:`plan_handoff` counts, for
every pair of offices, the households handed over, those whose home is on another island than
the registration office, and whether the two offices are joined by road (else a ferry lies
between them). It reads no personal value: the result holds counts and office names only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from optimizer.results import Note, SearchRecord, SolveStatus
from optimizer.services.visits.inputs import VisitsInputs

__all__ = ["HANDOFF_COLUMNS", "BY_OFFICE_COLUMNS", "HandoffResult", "plan_handoff"]

HANDOFF_COLUMNS = ("from_office_id", "from_office", "to_office_id", "to_office", "households",
                   "crossing_islands", "ferry_needed")
"""Columns of ``visits/handoff.csv`` (one row per pair of offices that hand cases over)."""

BY_OFFICE_COLUMNS = ("office_id", "office", "town_name", "island_id", "registered", "living",
                     "handed_out", "handed_in", "visited_by_own_office")
"""Columns of ``visits/handoff_by_office.csv`` (one row per office)."""


@dataclass(frozen=True)
class HandoffResult:
    """The hand-off tables and KPIs (satisfies :class:`optimizer.services.base.ServiceResult`).

    Attributes
    ----------
    inputs
        The validated inputs.
    handoff
        :data:`HANDOFF_COLUMNS`, sorted by households (descending) then office ids;
        ``ferry_needed`` is ``"yes"``/``"no"``.
    by_office
        :data:`BY_OFFICE_COLUMNS`, in the offices file's order.
    """

    inputs: VisitsInputs
    handoff: pd.DataFrame
    by_office: pd.DataFrame
    notes: tuple[Note, ...] = ()
    searches: tuple[SearchRecord, ...] = field(default=())
    status: SolveStatus = SolveStatus.OPTIMAL

    @property
    def kpis(self) -> dict[str, int]:
        """``households``, ``handoffs`` (households whose residence office differs from the
        registration office), ``handoffs_crossing_islands`` (of those, homes on another island
        than the registration office), ``handoffs_by_ferry`` (of those, offices not joined by
        road), ``offices``."""
        h = self.handoff
        return {"households": len(self.inputs.households),
                "handoffs": int(h["households"].sum()),
                "handoffs_crossing_islands": int(h["crossing_islands"].sum()),
                "handoffs_by_ferry": int(h.loc[h["ferry_needed"] == "yes", "households"].sum()),
                "offices": len(self.inputs.offices)}

    def reason_codes(self) -> set[str]:
        """None: every household is handed to an office (nothing is left out)."""
        return set()


def plan_handoff(inputs: VisitsInputs, land_component: Mapping[str, int]) -> HandoffResult:
    """Count the hand-offs between offices.

    Parameters
    ----------
    inputs
        Validated households and offices (every household's registration and residence town
        has an office: checked on load).
    land_component
        ``island_id`` → number of its road-linked group (roads and bridges of the network,
        :func:`optimizer.network.islands.land_components`); two offices in different groups,
        or on an island missing here, need a ferry.

    Returns
    -------
    HandoffResult
    """
    office = inputs.office_of_town
    pairs: Counter[tuple[str, str]] = Counter()
    crossing: Counter[tuple[str, str]] = Counter()
    for h in inputs.households:
        key = (h.registration_town_code, h.residence_town_code)
        pairs[key] += 1
        crossing[key] += h.residence_island_id != office[key[0]].island_id
    rows = []
    for (a, b), n in pairs.items():
        if a == b:
            continue
        oa, ob = office[a], office[b]
        ca, cb = land_component.get(oa.island_id), land_component.get(ob.island_id)
        rows.append((oa.office_id, oa.name_zh, ob.office_id, ob.name_zh, n, crossing[(a, b)],
                     "no" if ca is not None and ca == cb else "yes"))
    handoff = pd.DataFrame(rows, columns=list(HANDOFF_COLUMNS))
    handoff = handoff.sort_values(["households", "from_office_id", "to_office_id"],
                                  ascending=[False, True, True]).reset_index(drop=True)
    return HandoffResult(inputs, handoff, _by_office(inputs, pairs), notes=inputs.notes)


def _by_office(inputs: VisitsInputs, pairs: Counter[tuple[str, str]]) -> pd.DataFrame:
    rows = []
    for o in inputs.offices:
        t = o.town_code
        reg = sum(n for (a, _), n in pairs.items() if a == t)
        liv = sum(n for (_, b), n in pairs.items() if b == t)
        own = pairs.get((t, t), 0)
        rows.append((o.office_id, o.name_zh, o.town_name, o.island_id, reg, liv, reg - own,
                     liv - own, own))
    return pd.DataFrame(rows, columns=list(BY_OFFICE_COLUMNS))
