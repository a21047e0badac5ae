"""The meal service's result: coverage, canteen load, siting and rounds, with the run vocabulary.

:class:`MealsResult` satisfies :class:`optimizer.services.base.ServiceResult`: ``status``,
``kpis``, ``notes``, ``searches`` and ``reason_codes()``; :meth:`MealsResult.to_frames` gives
the publishable tables that :mod:`optimizer.outputs.meals` writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from optimizer.results import Note, SearchRecord, SolveStatus
from optimizer.services.meals.coverage import COVERAGE_REASONS, summarise
from optimizer.services.meals.inputs import MealsInputs
from optimizer.services.meals.matrix import MealsMatrix
from optimizer.services.meals.params import MealsParams
from optimizer.services.meals.rounds import RoundsResult
from optimizer.services.meals.siting import SitingRecommendation

__all__ = ["FRAMES", "MealsResult"]

FRAMES = ("coverage_points", "by_village", "by_town", "by_island", "canteens", "siting",
          "siting_uncoverable", "rounds", "round_routes", "round_stops", "round_unserved")
"""Names of the publishable tables, in the order :meth:`MealsResult.to_frames` gives them."""


@dataclass(frozen=True, eq=False)
class MealsResult:
    """Everything the meal-delivery service produced for one scenario.

    Attributes
    ----------
    params
        The parameters used.
    inputs
        The validated inputs.
    matrix
        The site -> point travel-time matrix.
    points
        :func:`~optimizer.services.meals.coverage` output (one row per demand point).
    canteens
        :func:`~optimizer.services.meals.canteen_utilisation` output.
    siting
        The recommendation, or ``None`` (``siting_model="none"``).
    rounds
        The delivery rounds, or ``None`` (``rounds=False``).
    delivery_area
        Land within the threshold of any open canteen (EPSG:4326; one row, see
        :func:`~optimizer.services.meals.delivery_area`), for the coverage map.
    notes
        Labels the outputs carry (approximate roads, synthetic data, assumptions).
    searches
        What bounded each search (siting, each canteen's round) as far as the solvers report it.
    """

    params: MealsParams
    inputs: MealsInputs
    matrix: MealsMatrix
    points: pd.DataFrame
    canteens: pd.DataFrame
    siting: SitingRecommendation | None
    rounds: RoundsResult | None
    delivery_area: gpd.GeoDataFrame
    notes: tuple[Note, ...] = ()
    searches: tuple[SearchRecord, ...] = ()

    @property
    def status(self) -> SolveStatus:
        """The siting status (``OPTIMAL`` without siting), worsened by the rounds: ``PARTIAL``
        when some subscribers' meals are not delivered (listed with reasons) or a canteen's
        search found no plan, ``NO_SOLUTION`` if no canteen's did, ``INVALID`` if the solver
        rejected a model."""
        siting = self.siting.solve_status if self.siting is not None else SolveStatus.OPTIMAL
        return SolveStatus.worst([siting, _rounds_status(self.rounds)])

    @property
    def kpis(self) -> dict[str, Any]:
        """Headline figures (JSON-serialisable)."""
        p = self.points
        tot = float(p["elderly"].sum())
        cov = float(p.loc[p["covered"], "elderly"].sum())
        out: dict[str, Any] = {
            "demand_level": self.inputs.demand_level, "demand_points": len(p),
            "elderly_total": round(tot, 1), "elderly_covered": round(cov, 1),
            "covered_pct": round(100.0 * cov / tot, 2) if tot else 0.0,
            "threshold_min": self.params.threshold_min,
            "delivery_mode": self.params.delivery_mode,
            "open_canteens": int(self.matrix.sites["open"].sum()),
            "canteens_over_capacity": int(self.canteens["over_capacity"].sum()),
            "meals_per_day_within_threshold": round(float(self.canteens["meals_per_day"].sum()), 1),
            "capacity_meals_per_day": round(float(
                self.canteens["capacity_meals_per_day"].sum()), 1),
        }
        for s in COVERAGE_REASONS:
            out[f"elderly_{s.lower()}"] = round(float(p.loc[p["status"] == s, "elderly"].sum()), 1)
        if self.params.coverage_mode == "straight_line":  # covered = within radius_m, not time
            out.update(coverage_mode="straight_line", coverage_radius_m=self.params.radius_m)
        if self.siting is not None:
            out.update(siting_model=self.siting.model, siting_status=self.siting.status,
                       siting_gap=self.siting.gap, new_sites=list(self.siting.new_sites),
                       covered_pct_after_siting=round(100.0 * self.siting.covered_after / tot, 2)
                       if tot else 0.0)
        if self.rounds is not None:
            b = self.rounds.by_canteen
            out.update(couriers=int(b["couriers"].sum()), meals_to_deliver=int(b["meals"].sum()),
                       meals_delivered=int(b["meals_delivered"].sum()),
                       round_points_unserved=len(self.rounds.unserved),
                       meals_undelivered_by_reason={
                           str(k): int(v) for k, v in
                           self.rounds.unserved.groupby("reason")["meals"].sum().items()})
        return out

    def reason_codes(self) -> set[str]:
        """Codes the tables show (:data:`optimizer.results.REASONS` or
        :class:`~optimizer.results.SolveStatus` values): coverage statuses, round reasons and
        per-canteen round statuses, siting's uncoverable reasons."""
        codes = set(self.points["status"])
        if self.rounds is not None:
            codes |= set(self.rounds.unserved["reason"]) | set(self.rounds.by_canteen["status"])
        if self.siting is not None:
            codes |= set(self.siting.uncoverable["reason"])
        return {str(c) for c in codes}

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The publishable tables (aggregates and synthetic points; no personal data).

        Returns
        -------
        dict
            :data:`FRAMES` -> table (siting/rounds frames empty when not run).
        """
        p = self.points
        out = {
            "coverage_points": p,
            "by_village": summarise(p, ["village_code", "village_name_zh", "town_name",
                                        "island_id"]),
            "by_town": summarise(p, ["town_code", "town_name"]),
            "by_island": summarise(p, ["island_id", "island_name_zh"]),
            "canteens": self.canteens,
        }
        out["siting"] = self.siting.table if self.siting else pd.DataFrame()
        out["siting_uncoverable"] = self.siting.uncoverable if self.siting else pd.DataFrame()
        r = self.rounds
        out["rounds"] = r.by_canteen if r else pd.DataFrame()
        out["round_routes"] = r.routes if r else pd.DataFrame()
        out["round_stops"] = r.stops if r else pd.DataFrame()
        out["round_unserved"] = r.unserved if r else pd.DataFrame()
        return out


def _rounds_status(rounds: RoundsResult | None) -> SolveStatus:
    """``OPTIMAL`` when every subscriber's meal is in a round; ``PARTIAL`` when some are not
    (each listed in ``round_unserved`` with its reason) or some canteen's search found no plan;
    ``NO_SOLUTION`` when no canteen's search found one; ``INVALID`` if a model was rejected."""
    if rounds is None:
        return SolveStatus.OPTIMAL
    st = rounds.by_canteen["status"]
    solved = st[st.isin([s.value for s in SolveStatus])]
    if (solved == SolveStatus.INVALID.value).any():
        return SolveStatus.INVALID
    failed = solved == SolveStatus.NO_SOLUTION.value
    if len(solved) and failed.all():
        return SolveStatus.NO_SOLUTION
    return SolveStatus.PARTIAL if failed.any() or len(rounds.unserved) else SolveStatus.OPTIMAL