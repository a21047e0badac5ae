"""Siting: where new canteens should go, solved exactly on the coverage matrix.

Existing canteens (and the scenario's ``open_candidates``) stay open; the other candidates may
open. The scenario's model (maximal covering with ``p = new_sites`` by default, set covering,
p-median) is solved with CP-SAT (:mod:`optimizer.solvers.ortools_siting`); the recommendation
lists each site with the residents it newly covers, its cost, the proof (status, objective,
bound, gap) and equal-value alternatives, and names the demand no site can cover with a reason of
the catalogue (``NO_SITE_ON_ISLAND``, ``UNREACHABLE``, ``BEYOND_RADIUS``).
"""

from __future__ import annotations

import dataclasses

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from optimizer.problems.coverage import SitingProblem
from optimizer.results import SearchRecord, SolveStatus, reason
from optimizer.services.meals.inputs import MealsInputs
from optimizer.services.meals.matrix import MealsMatrix
from optimizer.services.meals.params import MealsParams
from optimizer.solvers.params import SolverParams

__all__ = [
    "UNCOVERABLE_CODES",
    "SitingRecommendation",
    "recommend_sites",
    "siting_keywords",
    "siting_problem",
]

UNCOVERABLE_CODES = {"no_site_on_island": "NO_SITE_ON_ISLAND", "unreachable": "UNREACHABLE",
                     "beyond_radius": "BEYOND_RADIUS", "over_capacity": "DEMAND_OVER_CAPACITY"}
"""Reason of :meth:`optimizer.problems.coverage.SitingProblem.uncoverable_demand` -> catalogue
code written in the published table."""

_TABLE_COLS = ["option", "site_id", "name_zh", "kind", "island_id", "capacity_meals_per_day",
               "opening_cost_cny", "new_elderly_covered", "set_new_elderly_covered"]
_PROOF_COLS = ["model", "status", "objective", "best_bound", "gap"]
_UNCOVERABLE_COLS = ["point_id", "village_name_zh", "island_id", "elderly", "reason",
                     "reason_zh", "reason_en", "nearest_site_id", "nearest_time_min", "detail"]


@dataclass(frozen=True)
class SitingRecommendation:
    """A siting recommendation with its proof.

    Attributes
    ----------
    model
        ``"mclp"``, ``"lscp"`` or ``"pmedian"`` (``-capacitated`` when capacities applied).
    status
        The solver's :class:`~optimizer.results.SolveStatus` as text: ``OPTIMAL`` (proved),
        ``FEASIBLE``, ``INFEASIBLE``, ``NO_SOLUTION`` or ``INVALID``.
    objective, best_bound, gap
        As :class:`optimizer.solvers.ortools_siting.SitingResult` (MCLP: residents covered;
        LSCP: new sites; p-median: resident-seconds).
    new_sites
        Recommended new site ids.
    table
        One row per recommended site (option 0) and per site of each alternative (option >= 1):
        ``option``, ``site_id``, ``name_zh``, ``kind``, ``island_id``, ``capacity_meals_per_day``,
        ``opening_cost_cny``, ``new_elderly_covered`` (residents it covers that no open canteen
        covers), ``set_new_elderly_covered`` (the whole option's gain), ``model``, ``status``,
        ``objective``, ``best_bound``, ``gap``, ``lon``, ``lat`` (EPSG:4326; candidate sites are
        public places, so maps and comparisons need not read the input files).
    uncoverable
        Demand no site (open or candidate) covers: ``point_id``, ``village_name_zh``,
        ``island_id``, ``elderly``, ``reason`` (a code of :data:`UNCOVERABLE_CODES`),
        ``reason_zh``, ``reason_en``, ``nearest_site_id``, ``nearest_time_min``, ``detail``.
    covered_before, covered_after
        Residents within the threshold before and after opening the new sites.
    alternatives_complete
        True when the solver proved there are no further equal-value sets.
    message
        Solver note.
    searches
        What bounded the search (the siting solver's record, named ``meals siting <model>``).
    """

    model: str
    status: str
    objective: float | None
    best_bound: float | None
    gap: float | None
    new_sites: tuple[str, ...]
    table: pd.DataFrame
    uncoverable: pd.DataFrame
    covered_before: float
    covered_after: float
    alternatives_complete: bool = False
    message: str = ""
    searches: tuple[SearchRecord, ...] = ()

    @property
    def solve_status(self) -> SolveStatus:
        """:attr:`status` as a :class:`~optimizer.results.SolveStatus`."""
        return SolveStatus(self.status)


def siting_problem(inputs: MealsInputs, mm: MealsMatrix, *, params: MealsParams) -> SitingProblem:
    """The :class:`~optimizer.problems.coverage.SitingProblem` of the scenario.

    Open sites (existing canteens and ``open_candidates``) are kept open; the other candidates
    may open. Weights = residents x ``demand_scale``. Capacities (meals/day) are converted to
    residents served (capacity / uptake share) and applied only when ``siting_capacitated``.

    Raises
    ------
    optimizer.errors.InputErrors
        If the data is inconsistent (see :class:`SitingProblem`).
    """
    s = mm.sites
    cap = s["capacity_meals_per_day"].to_numpy(float) / params.uptake_share \
        if params.siting_capacitated else None
    return SitingProblem(
        mm.cost, demand_weight=inputs.demand["elderly_60plus"].to_numpy(float)
        * params.demand_scale,
        existing=s["open"].to_numpy(bool), capacity=cap,
        opening_cost=s["opening_cost_cny"].to_numpy(float),
        site_island_id=tuple(s["island_id"]), demand_island_id=tuple(inputs.demand["island_id"]),
        service_radius_s=params.threshold_s, assignment=params.siting_assignment,
        p=int(params.new_sites), source=inputs.files.get("candidates"))


def siting_keywords(solver: SolverParams, *, max_alternatives: int) -> dict[str, Any]:
    """The siting solvers' keywords for the run's solver settings
    (:func:`optimizer.solvers.ortools_siting.siting_options`: work mode = CP-SAT deterministic
    time with a wall-clock safety cap and the canonical tie-break among equal optima)."""
    from optimizer.solvers.ortools_siting import siting_options

    return {**siting_options(solver), "max_alternatives": int(max_alternatives)}


def recommend_sites(inputs: MealsInputs, mm: MealsMatrix, *, params: MealsParams,
                    solver: SolverParams | None = None) -> SitingRecommendation | None:
    """Recommend new canteen sites with the scenario's model, solved exactly (CP-SAT).

    Parameters
    ----------
    inputs, mm
        Demand and matrix.
    params
        ``siting_model`` (``"none"`` returns ``None``), ``new_sites`` (= p for MCLP/p-median),
        ``threshold_min``, ``demand_scale``, ``siting_capacitated``, ``max_alternatives``.
    solver
        Search limits (:func:`siting_keywords`); default ``SolverParams()``.

    Returns
    -------
    SitingRecommendation or None

    Raises
    ------
    optimizer.errors.InputError
        On inconsistent siting data.
    """
    if params.siting_model == "none":
        return None
    from optimizer.solvers.ortools_siting import solve_lscp, solve_mclp, solve_pmedian

    prob = siting_problem(inputs, mm, params=params)
    kw = siting_keywords(solver or SolverParams(), max_alternatives=params.max_alternatives)
    if params.siting_model == "mclp":
        res = solve_mclp(prob, p=int(params.new_sites), **kw)
    elif params.siting_model == "lscp":
        res = solve_lscp(prob, **kw)
    else:
        res = solve_pmedian(prob, p=int(params.new_sites), **kw)
    w = np.asarray(prob.demand_weight)
    base = prob.covers[:, np.asarray(prob.existing)].any(axis=1)
    gain = _gain_of(prob, base)
    before = float(w[base].sum())
    search = dataclasses.replace(res.search, name=f"meals siting {res.model}")
    return SitingRecommendation(
        model=res.model, status=res.status.value, objective=res.objective,
        best_bound=res.best_bound, gap=res.gap, new_sites=tuple(res.new_sites),
        table=_option_table(res, mm, gain),
        uncoverable=_uncoverable_table(res, inputs, mm, params),
        covered_before=before,
        covered_after=before + gain(list(res.new_sites)) if res.is_feasible() else before,
        alternatives_complete=res.alternatives_complete, message=res.message,
        searches=(search,))


def _gain_of(prob: SitingProblem, base: np.ndarray) -> Any:
    """``gain(ids)``: residents newly covered by opening the sites ``ids``."""
    w = np.asarray(prob.demand_weight)
    col = {sid: k for k, sid in enumerate(prob.cost.site_ids)}

    def gain(ids: Sequence[str]) -> float:
        if not ids:
            return 0.0
        m = prob.covers[:, [col[i] for i in ids]].any(axis=1) & ~base
        return float(w[m].sum())

    return gain


def _option_table(res: Any, mm: MealsMatrix, gain: Any) -> pd.DataFrame:
    """The recommended set (option 0) and the alternatives, one row per site, with the proof."""
    s = mm.sites.set_index("site_id")
    rows = []
    options = [tuple(res.new_sites)] + [tuple(a) for a in res.alternatives]
    for k, ids in enumerate(options if res.is_feasible() else []):
        g = gain(ids)
        for sid in ids:
            r = s.loc[sid]
            rows.append({"option": k, "site_id": sid, "name_zh": r["name_zh"], "kind": r["kind"],
                         "island_id": r["island_id"],
                         "capacity_meals_per_day": float(r["capacity_meals_per_day"]),
                         "opening_cost_cny": float(r["opening_cost_cny"]),
                         "new_elderly_covered": round(gain([sid]), 3),
                         "set_new_elderly_covered": round(g, 3),
                         "lon": float(r["lon"]), "lat": float(r["lat"])})
    table = pd.DataFrame(rows, columns=[*_TABLE_COLS, "lon", "lat"])
    table = table.assign(model=res.model, status=res.status.value, objective=res.objective,
                         best_bound=res.best_bound, gap=res.gap)
    return table[[*_TABLE_COLS, *_PROOF_COLS, "lon", "lat"]]


def _uncoverable_table(res: Any, inputs: MealsInputs, mm: MealsMatrix, params: MealsParams
                       ) -> pd.DataFrame:
    """Demand no site can cover, with the catalogue code, its text and a detail naming the
    village, the site and the binding figure (whole minutes, meals a day)."""
    d = inputs.demand.set_index("point_id")
    rows = []
    for u in res.uncoverable:
        code = UNCOVERABLE_CODES[u.reason]
        r = reason(code)
        village = d.loc[u.demand_id, "village_name_zh"]
        rows.append({
            "point_id": u.demand_id, "village_name_zh": village,
            "island_id": u.island_id, "elderly": u.weight, "reason": code,
            "reason_zh": r.zh, "reason_en": r.en, "nearest_site_id": u.nearest_site_id or "",
            "nearest_time_min": round(u.nearest_time_s / 60, 2)
            if math.isfinite(u.nearest_time_s) else np.nan,
            "detail": _uncoverable_detail(u, village, mm, params)})
    return pd.DataFrame(rows, columns=_UNCOVERABLE_COLS)


def _uncoverable_detail(u: Any, village: str, mm: MealsMatrix, params: MealsParams) -> str:
    """``"村 V (point P) needs 130 meals a day; the largest kitchen within reach, 食堂 (S01),
    makes 120"`` and the like (site names, whole minutes)."""
    names = dict(zip(mm.sites["site_id"], mm.sites["name_zh"]))
    site = f"{names.get(u.nearest_site_id, '')} ({u.nearest_site_id})".strip()
    who = f"{village} (point {u.demand_id})"
    if u.reason == "over_capacity":
        return (f"{who} needs {u.weight * params.uptake_share:.0f} meals a day; the largest "
                f"kitchen within reach, {site}, makes "
                f"{u.capacity * params.uptake_share:.0f}")
    if u.reason == "beyond_radius":
        return (f"{who}: the nearest site, {site}, takes {math.ceil(u.nearest_time_s / 60 - 1e-9)}"
                f" min, over the {params.threshold_min:g}-min threshold")
    if u.reason == "no_site_on_island":
        extra = (f"; the nearest, {site}, takes {math.ceil(u.nearest_time_s / 60 - 1e-9)} min"
                 if u.nearest_site_id else "")
        return f"{who}: no canteen or candidate on its island {u.island_id}{extra}"
    return f"{who}: no canteen or candidate reachable on the network"
