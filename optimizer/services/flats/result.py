"""The flats choice and what it frees (:class:`FlatsPlan`), with its tables.

Published tables hold islands and counts only (:meth:`FlatsPlan.by_island`,
:meth:`FlatsPlan.freed`); the list of patients offered a flat, with names and phones, is for
the dispatcher (:meth:`FlatsPlan.offer_list`, :meth:`FlatsPlan.candidates`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from optimizer.problems.flats import FlatsProblem
from optimizer.results import Note, SearchRecord, SolveStatus, reason
from optimizer.services.dialysis.records import DialysisInputs
from optimizer.services.dialysis.result import DialysisPlan
from optimizer.services.flats.burden import DECISIONS
from optimizer.solvers.ortools_flats import FlatsResult

__all__ = ["BY_ISLAND_COLUMNS", "FREED_ROWS", "OFFER_COLUMNS", "FlatsPlan"]

BY_ISLAND_COLUMNS = ["island_id", "island", "candidates", "offered", "weekly_ride_h_saved",
                     "weekly_vehicle_h_saved"]
"""Columns of the published table by island (hours a week)."""

FREED_ROWS = (("vehicles_used", "使用车辆 Vehicles used"),
              ("trips_served", "已安排行程 Trips served"),
              ("trips_unserved", "未安排行程 Trips unserved"),
              ("trips_no_transport_needed", "无需接送的行程 Trips needing no transport"),
              ("total_driving_time_min", "总行驶时间（分钟） Driving time (min)"),
              ("vehicle_hours", "车辆出车时数 Vehicle-hours"))
"""Day-plan KPIs compared before and after (key, bilingual label)."""

OFFER_COLUMNS = ["patient_id", "name", "phone", "island_id", "island", "schedule", "mobility",
                 "escort", "weekly_ride_h_saved", "weekly_vehicle_h_saved",
                 "weekly_burden_saved"]
"""Columns of the dispatcher's list of patients offered a flat."""


@dataclass(frozen=True)
class FlatsPlan:
    """The flats choice (satisfies :class:`optimizer.services.base.ServiceResult`).

    Attributes
    ----------
    status
        The choice's status (``OPTIMAL``: proved).
    kpis
        Headline figures (:func:`optimizer.services.flats.planning.flats_kpis`).
    notes
        Labels (synthetic data, approximate roads, the burden rule).
    searches
        The choice's CP-SAT search and the two day plans' searches.
    burdens
        One row per patient (:data:`optimizer.services.flats.burden.BURDEN_COLUMNS`), with the
        final ``decision``.
    choice, problem
        The solver's result and the knapsack.
    before, after
        The day plans without and with the offered patients in the flats.
    inputs
        The dialysis inputs (names and phones for the dispatcher's list).
    unit_name
        The unit the flats are near.
    """

    status: SolveStatus
    kpis: Mapping[str, Any]
    notes: tuple[Note, ...]
    searches: tuple[SearchRecord, ...]
    burdens: pd.DataFrame
    choice: FlatsResult
    problem: FlatsProblem
    before: DialysisPlan
    after: DialysisPlan
    inputs: DialysisInputs
    unit_name: str = ""

    def reason_codes(self) -> set[str]:
        """Reason codes of the unserved trips counted in :meth:`freed`."""
        return {u.code for plan in (self.before, self.after) for u in plan.unserved}

    def by_island(self) -> pd.DataFrame:
        """Published: per island with candidates, how many were offered a flat and the weekly
        hours saved (columns :data:`BY_ISLAND_COLUMNS`, island id order)."""
        c = self.burdens[self.burdens["decision"].isin(["offered", "not_chosen"])]
        if c.empty:
            return pd.DataFrame(columns=BY_ISLAND_COLUMNS)
        off = c["decision"] == "offered"
        g = c.assign(offered=off.astype(int), candidates=1,
                     weekly_ride_h_saved=c["weekly_ride_h_saved"].where(off, 0.0),
                     weekly_vehicle_h_saved=c["weekly_vehicle_h_saved"].where(off, 0.0))
        out = g.groupby(["island_id", "island"], as_index=False)[
            ["candidates", "offered", "weekly_ride_h_saved", "weekly_vehicle_h_saved"]].sum()
        return out.sort_values("island_id", kind="stable").round(2)[BY_ISLAND_COLUMNS]

    def freed(self) -> pd.DataFrame:
        """Published: the day plan before and after (rows :data:`FREED_ROWS`, then unserved
        trips by reason code)."""
        rows = []
        for key, label in FREED_ROWS:
            b, a = (float(p.kpis.get(key, 0.0)) for p in (self.before, self.after))
            rows.append({"kpi": key, "label": label, "before": round(b, 1),
                         "after": round(a, 1), "change": round(a - b, 1)})
        by_b = self.before.kpis.get("unserved_by_reason", {})
        by_a = self.after.kpis.get("unserved_by_reason", {})
        for code in sorted(set(by_b) | set(by_a)):
            b, a = float(by_b.get(code, 0)), float(by_a.get(code, 0))
            why = reason(code)
            rows.append({"kpi": f"trips_{code}", "label": f"{why.zh} {why.en} ({code})",
                         "before": b, "after": a, "change": a - b})
        return pd.DataFrame(rows, columns=["kpi", "label", "before", "after", "change"])

    def candidates(self) -> pd.DataFrame:
        """Dispatcher only: every patient of the unit with the decision in words (patient
        ids), the weekly hours now and saved."""
        cols = ["patient_id", "island_id", "island", "schedule", "wheelchair",
                "sessions_per_week", "unmade_trips_per_session", "weekly_ride_h",
                "weekly_vehicle_h", "weekly_ride_h_saved", "weekly_vehicle_h_saved",
                "weekly_burden_saved", "decision"]
        out = self.burdens[cols].copy()
        out["decision_zh"] = out["decision"].map(lambda d: DECISIONS[d][0])
        out["decision_en"] = out["decision"].map(lambda d: DECISIONS[d][1])
        return out.round(2)

    def offer_list(self) -> pd.DataFrame:
        """Dispatcher only: the patients offered a flat with name, phone and island, highest
        weekly saving first (ties by patient id); columns :data:`OFFER_COLUMNS`."""
        who = {p.patient_id: p for p in self.inputs.patients}
        off = self.burdens[self.burdens["decision"] == "offered"]
        rows = []
        for r in off.itertuples(index=False):
            p = who[r.patient_id]
            rows.append({"patient_id": p.patient_id, "name": p.name, "phone": p.phone,
                         "island_id": r.island_id, "island": r.island, "schedule": p.schedule,
                         "mobility": p.mobility, "escort": "yes" if p.escort else "no",
                         "weekly_ride_h_saved": round(r.weekly_ride_h_saved, 2),
                         "weekly_vehicle_h_saved": round(r.weekly_vehicle_h_saved, 2),
                         "weekly_burden_saved": round(r.weekly_burden_saved, 2)})
        out = pd.DataFrame(rows, columns=OFFER_COLUMNS)
        return out.sort_values(["weekly_burden_saved", "patient_id"], ascending=[False, True],
                               kind="stable").reset_index(drop=True)
