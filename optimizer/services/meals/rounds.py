"""Lunch delivery rounds: subscribers per demand point and one VRPTW per delivering canteen.

Subscribers (the uptake share of the covered residents, per demand point, in whole meals) must
get their meal within the freshness limit of it leaving the kitchen. Each delivering canteen's
round is a VRPTW (:mod:`optimizer.solvers.ortools_vrptw`, fewest couriers first, then distance)
with e-bike couriers carrying one box of meals each. A kitchen cooks at most its daily capacity:
its nearest subscribers first. Every subscriber point is either in a round or listed unserved
with a reason of the catalogue (:data:`ROUND_REASONS`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from optimizer.apportion import largest_remainder
from optimizer.network.contract import WGS84
from optimizer.results import SearchRecord, SolveStatus, reason
from optimizer.services.meals.inputs import MealsInputs
from optimizer.services.meals.matrix import MealsMatrix
from optimizer.services.meals.params import MealsParams
from optimizer.solvers.params import SolverParams

__all__ = [
    "ROUND_REASONS",
    "ROUND_SECONDS_PER_STOP",
    "RoundsResult",
    "delivery_rounds",
    "subscribers",
    "vrptw_keywords",
]

ROUND_REASONS = ("CANTEEN_DOES_NOT_DELIVER", "BEYOND_FRESHNESS_LIMIT", "OVER_BOX_CAPACITY",
                 "UNREACHABLE", "SHIFT_END", "OVER_CANTEEN_CAPACITY", "DROPPED_BY_SEARCH")
"""Catalogue codes (:data:`optimizer.results.REASONS`) of a subscriber point not delivered."""

_VRPTW_REASONS = {"TIME_WINDOW": "BEYOND_FRESHNESS_LIMIT", "OVER_CAPACITY": "OVER_BOX_CAPACITY",
                  "UNREACHABLE": "UNREACHABLE", "SHIFT_END": "SHIFT_END",
                  "DROPPED_BY_SEARCH": "DROPPED_BY_SEARCH"}
"""VRPTW unserved reason -> catalogue code in the meal service's words."""

ROUND_SECONDS_PER_STOP = 0.001
"""Search budget per delivery stop, seconds: a canteen's VRPTW gets
``min(rounds_time_limit_s, ROUND_SECONDS_PER_STOP x stops)`` (at least 0.05 s). On the Putuo
baseline (2,658 stops, 10 delivering canteens) 1 ms per stop serves every stop with fewer
couriers than the previous 2 s per canteen of OR-Tools search (one run, 2-core machine)."""

_BY_CANTEEN_COLS = ["site_id", "name_zh", "delivers", "meals", "stops", "couriers",
                    "meals_delivered", "points_unserved", "status", "distance_km",
                    "latest_delivery_min", "checker_violations"]
_ROUTE_COLS = ["site_id", "courier", "stops", "meals", "depart", "return", "duration_min",
               "distance_km", "latest_delivery_min", "sequence"]
_STOP_COLS = ["site_id", "courier", "seq", "point_id", "village_name_zh", "meals", "arrive",
              "minutes_from_kitchen"]
_UNSERVED_COLS = ["site_id", "point_id", "village_name_zh", "meals", "reason", "detail"]


@dataclass(frozen=True)
class RoundsResult:
    """Lunch delivery rounds of every delivering open canteen.

    Attributes
    ----------
    by_canteen
        One row per open canteen with subscribers: ``site_id``, ``name_zh``, ``delivers``,
        ``meals``, ``stops``, ``couriers``, ``meals_delivered``, ``points_unserved``, ``status``
        (the VRPTW status, ``PARTIAL`` when some of the canteen's points are not delivered for
        any reason, or ``NO_DELIVERY`` / ``NO_CAPACITY`` when nothing was solved),
        ``distance_km``, ``latest_delivery_min`` (after leaving the kitchen),
        ``checker_violations``.
    routes
        One row per courier round: ``site_id``, ``courier``, ``stops``, ``meals``, ``depart``,
        ``return`` (HH:MM), ``duration_min``, ``distance_km``, ``latest_delivery_min``,
        ``sequence`` (point ids in visiting order).
    stops
        One row per stop: ``site_id``, ``courier``, ``seq``, ``point_id``, ``village_name_zh``,
        ``meals``, ``arrive`` (HH:MM), ``minutes_from_kitchen``.
    unserved
        Subscriber points not delivered: ``site_id``, ``point_id``, ``village_name_zh``,
        ``meals``, ``reason`` (a code of :data:`ROUND_REASONS`), ``reason_zh``, ``reason_en``
        (from the catalogue), ``detail``.
    searches
        What bounded each canteen's search (empty until the VRPTW solver reports it).
    """

    by_canteen: pd.DataFrame
    routes: pd.DataFrame
    stops: pd.DataFrame
    unserved: pd.DataFrame
    searches: tuple[SearchRecord, ...] = ()


def subscribers(points: pd.DataFrame, *, params: MealsParams) -> np.ndarray:
    """Meals per day at each demand point: covered residents x uptake share, in whole meals.

    Rounded canteen by canteen (the points whose nearest open canteen it is) by the
    largest-remainder method (:func:`optimizer.apportion.largest_remainder`), so each canteen's
    subscribers sum to ``round(its covered residents x uptake_share)``: the meals of
    :func:`~optimizer.services.meals.coverage.canteen_utilisation`, rounded. (Rounding over the
    whole district instead gave every small point on the smaller islands 0 meals: with about 25
    residents per point and a 3.4 % uptake each share is under one meal, and the largest
    remainders all fell on the main island.)

    Parameters
    ----------
    points
        :func:`~optimizer.services.meals.coverage.coverage` output (``covered``, ``elderly``,
        ``nearest_canteen_id``).
    params
        ``uptake_share``.

    Returns
    -------
    numpy.ndarray of int64, shape ``(n_points,)`` (0 for points not covered).
    """
    q = np.where(points["covered"], points["elderly"].to_numpy(float), 0.0) * params.uptake_share
    out = np.zeros(len(points), dtype=np.int64)
    canteen = points["nearest_canteen_id"].astype(str).to_numpy()
    for cid in sorted(set(canteen[q > 0])):
        idx = np.flatnonzero((canteen == cid) & (q > 0))
        total = round(float(q[idx].sum()))
        if total > 0:
            out[idx] = largest_remainder(q[idx], total)
    return out


def vrptw_keywords(solver: SolverParams, *, budget_s: float) -> dict[str, Any]:
    """The VRPTW solver's limit keywords for one canteen's round.

    ``budget_s`` (the canteen's share of ``rounds_time_limit_s``) becomes, in work mode, a fixed
    number of SISR iterations with a wall-clock safety cap, and in time mode the wall-clock
    limit (:func:`optimizer.solvers.ortools_vrptw.vrptw_options`); one search per canteen (a
    worker process would cost more to start than the budget).
    """
    from optimizer.solvers.ortools_vrptw import vrptw_options

    return vrptw_options(solver, budget_s=float(budget_s), searches=1)


@dataclass
class _Tables:
    """Rows collected canteen by canteen."""

    by_canteen: list[dict[str, Any]] = field(default_factory=list)
    routes: list[dict[str, Any]] = field(default_factory=list)
    stops: list[dict[str, Any]] = field(default_factory=list)
    unserved: list[dict[str, Any]] = field(default_factory=list)
    searches: list[SearchRecord] = field(default_factory=list)


@dataclass(frozen=True, eq=False)
class _Rounds:
    """What every canteen's round needs (plain arrays: pandas ``.iat`` in loops was a hot spot)."""

    params: MealsParams
    solver: SolverParams
    G: nx.MultiDiGraph
    islands: gpd.GeoDataFrame | None
    mm: MealsMatrix
    sites: pd.DataFrame
    meals: np.ndarray
    pid: np.ndarray
    vname: np.ndarray
    geoms: np.ndarray

    @property
    def ready_s(self) -> float:
        return float(self.params.delivery_time)

    @property
    def fresh_s(self) -> float:
        return self.params.freshness_min * 60.0

    def unserved(self, sid: str, i: int, meals: int, code: str, detail: str) -> dict[str, Any]:
        return {"site_id": sid, "point_id": self.pid[i], "village_name_zh": self.vname[i],
                "meals": int(meals), "reason": code, "detail": detail}


def delivery_rounds(inputs: MealsInputs, mm: MealsMatrix, points: pd.DataFrame,
                    G: nx.MultiDiGraph, *, params: MealsParams, solver: SolverParams | None = None,
                    islands: gpd.GeoDataFrame | None = None) -> RoundsResult:
    """Plan each delivering canteen's lunch round as a VRPTW (fewest couriers, then distance).

    Model per canteen: depot = the canteen, leaving at ``delivery_time``; customers = its
    covered points with meals (points with more meals than a box are split into several stops
    at the same place); window on each stop ``[ready, ready + freshness]``
    (:func:`optimizer.problems.vrptw.freshness_window`); service ``service_min`` per stop;
    couriers with ``box_meals`` meals each, one round each. Land travel times (ferries excluded)
    in the delivery mode; distance = time x the mode's road speed (exact on the land proxy, where
    the e-bike speed is the same on every edge; an approximation on OSM roads).

    Parameters
    ----------
    inputs, mm, points
        Demand, matrix and :func:`~optimizer.services.meals.coverage` output (assignment to the
        nearest canteen).
    G
        The network.
    params
        ``uptake_share``, ``freshness_min``, ``box_meals``, ``service_min``,
        ``delivery_time``, ``rounds_respect_capacity``, ``rounds_time_limit_s`` (cap per
        canteen; the budget is :data:`ROUND_SECONDS_PER_STOP` per stop below it).
    solver
        Seed and stopping mode (:func:`vrptw_keywords`); default ``SolverParams()``.
    islands
        Island polygons for snapping.

    Returns
    -------
    RoundsResult
        Every subscriber point is either in a route or in ``unserved`` with a reason.

    Raises
    ------
    optimizer.errors.SolverError
        If OR-Tools returns an inconsistent plan.
    """
    meals = subscribers(points, params=params)
    ctx = _Rounds(params=params, solver=solver or SolverParams(), G=G, islands=islands, mm=mm,
                  sites=mm.sites.set_index("site_id"), meals=meals,
                  pid=points["point_id"].to_numpy(), vname=points["village_name_zh"].to_numpy(),
                  geoms=inputs.demand.geometry.to_numpy())
    has = (meals > 0) & points["covered"].to_numpy(bool)
    acc = _Tables()
    for sid in sorted(set(points.loc[has, "nearest_canteen_id"])):
        idx = np.flatnonzero(has & (points["nearest_canteen_id"] == sid).to_numpy())
        acc.by_canteen.append(_canteen_round(ctx, sid, idx, acc))
    return _result(acc)


def _canteen_round(ctx: _Rounds, sid: str, idx: np.ndarray, acc: _Tables) -> dict[str, Any]:
    """One canteen: dine-in only, kitchen capacity, stops, VRPTW, rows; returns its summary."""
    s = ctx.sites.loc[sid]
    total = int(ctx.meals[idx].sum())
    row: dict[str, Any] = {"site_id": sid, "name_zh": s["name_zh"],
                           "delivers": bool(s["delivers"]), "meals": total,
                           "stops": int(idx.size), "couriers": 0, "meals_delivered": 0,
                           "points_unserved": 0, "status": "", "distance_km": 0.0,
                           "latest_delivery_min": np.nan, "checker_violations": 0}
    if not bool(s["delivers"]):
        acc.unserved += [ctx.unserved(sid, i, ctx.meals[i], "CANTEEN_DOES_NOT_DELIVER",
                                      f"{s['name_zh']} ({sid}) does not deliver (dine-in only)")
                         for i in idx]
        row.update(points_unserved=int(idx.size), status="NO_DELIVERY")
        return row
    room, short = _kitchen_capacity(ctx, sid, idx, float(s["capacity_meals_per_day"]), acc)
    node_pt, node_meals = _split_stops(idx, room, ctx.params.box_meals)
    if not node_pt:  # a kitchen with no capacity left for deliveries
        row.update(points_unserved=len(short), status="NO_CAPACITY")
        return row
    from optimizer.problems.vrptw import check_vrptw
    from optimizer.solvers.ortools_vrptw import solve_vrptw

    prob = _round_problem(ctx, sid, s["geometry"], node_pt, node_meals)
    budget = min(ctx.params.rounds_time_limit_s,
                 max(0.05, ROUND_SECONDS_PER_STOP * len(node_pt)))
    res = solve_vrptw(prob, objective="vehicles_then_distance", polish_share=0.0,
                      **vrptw_keywords(ctx.solver, budget_s=budget))
    acc.searches.append(dataclasses.replace(res.search, name=f"meals rounds {sid}"))
    latest = _collect_routes(ctx, sid, res, node_pt, node_meals, acc)
    for u in res.unserved:
        i = node_pt[u.node - 1]
        acc.unserved.append(ctx.unserved(sid, i, node_meals[u.node - 1],
                                         _VRPTW_REASONS[u.reason.value],
                                         _round_detail(ctx, s, prob, u, i)))
    unserved = len({node_pt[u.node - 1] for u in res.unserved} | short)
    status = res.status  # the VRPTW's; beyond-capacity points never reach it
    if unserved and status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        status = SolveStatus.PARTIAL
    row.update(couriers=int(res.vehicles_used),
               meals_delivered=int(sum(r.load for r in res.routes)), points_unserved=unserved,
               status=status.value, distance_km=round(res.distance_m / 1000.0, 2),
               latest_delivery_min=round(latest, 1),
               checker_violations=len(check_vrptw(prob, res)))
    return row


def _round_detail(ctx: _Rounds, site: Any, prob: Any, u: Any, i: int) -> str:
    """Why a stop is not in the round, for a person: the village and canteen by name, the
    binding clock times as HH:MM, durations in whole minutes (never raw seconds)."""
    from optimizer.units import hhmm, minutes_text

    village, kitchen = f"{ctx.vname[i]} (point {ctx.pid[i]})", f"{site['name_zh']}"
    ready, latest = ctx.ready_s, ctx.ready_s + ctx.fresh_s
    way = f"from {kitchen} to {village}"
    code = u.reason.value
    if code == "TIME_WINDOW":
        first = ready + float(prob.travel_time_s[0, u.node])
        return (f"{way}: earliest possible arrival {hhmm(first)} is after the latest allowed "
                f"arrival {hhmm(latest)} (meals leave at {hhmm(ready)}, freshness limit "
                f"{minutes_text(ctx.fresh_s)})")
    if code == "OVER_CAPACITY":
        return (f"{way}: {int(prob.demand[u.node])} meals at one stop, more than a courier's "
                f"box of {ctx.params.box_meals}")
    if code == "UNREACHABLE":
        return f"{way}: no land path there and back (couriers do not take ferries)"
    if code == "SHIFT_END":
        return (f"{way}: a courier leaving at {hhmm(ready)} cannot deliver by {hhmm(latest)} "
                "and return")
    return (f"{way}: deliverable alone by {hhmm(latest)}, but not together with the other "
            "stops with the couriers available")


def _kitchen_capacity(ctx: _Rounds, sid: str, idx: np.ndarray, cap: float,
                      acc: _Tables) -> tuple[dict[int, int], set[int]]:
    """Meals the kitchen can cook for each point: all of them, or (``rounds_respect_capacity``
    and more meals than capacity) its nearest subscribers first (policy: the 15-minute circle is
    about proximity), the meals beyond it listed ``OVER_CANTEEN_CAPACITY``, never dropped.

    Returns
    -------
    (room, short)
        Meals to deliver per point index; the points cut short.
    """
    meals = ctx.meals
    total = int(meals[idx].sum())
    room = {int(i): int(meals[i]) for i in idx}
    short: set[int] = set()
    if not (ctx.params.rounds_respect_capacity and total > cap):
        return room, short
    col = ctx.mm.cost.site_ids.index(sid)
    t_from = ctx.mm.cost.values[idx, col]
    left = int(math.floor(cap))
    dist_of = {int(i): float(t) for i, t in zip(idx, t_from)}
    for i in idx[np.argsort(t_from, kind="stable")]:
        give = min(int(meals[i]), left)
        left -= give
        if give < meals[i]:
            short.add(int(i))
            acc.unserved.append(ctx.unserved(
                sid, i, int(meals[i]) - give, "OVER_CANTEEN_CAPACITY",
                f"{ctx.sites.loc[sid, 'name_zh']} ({sid}) cooks {cap:g} meals a day for "
                f"{total} subscribers' meals, nearer ones first; {ctx.vname[i]} (point "
                f"{ctx.pid[i]}) is {math.ceil(dist_of[int(i)] / 60 - 1e-9)} min away"))
        room[int(i)] = give
    return room, short


def _split_stops(idx: np.ndarray, room: dict[int, int],
                 box_meals: int) -> tuple[list[int], list[int]]:
    """Stops of the round: one per (point, chunk of at most ``box_meals`` meals)."""
    node_pt: list[int] = []
    node_meals: list[int] = []
    for i in idx:
        m = room[int(i)]
        while m > 0:
            c = min(m, box_meals)
            node_pt.append(int(i))
            node_meals.append(c)
            m -= c
    return node_pt, node_meals


def _round_problem(ctx: _Rounds, sid: str, depot: Any, node_pt: list[int],
                   node_meals: list[int]) -> Any:
    """The canteen's :class:`~optimizer.problems.vrptw.VrptwProblem` (node 0 = the canteen)."""
    from optimizer.network.matrix import point_matrix
    from optimizer.problems.vrptw import VrptwProblem, VrptwVehicle, freshness_window

    p, ready, fresh_s = ctx.params, ctx.ready_s, ctx.fresh_s
    svc_s = p.service_min * 60.0
    uniq = sorted(set(node_pt))
    where = {i: k + 1 for k, i in enumerate(uniq)}
    geo = gpd.GeoDataFrame(geometry=[depot] + list(ctx.geoms[uniq]), crs=WGS84)
    # a round never uses a leg longer than twice the freshness limit (every stop is
    # reached within it and the way back is at most as long on a symmetric network)
    pm = point_matrix(ctx.G, geo, geo, travel_mode=p.delivery_mode, islands=ctx.islands,
                      max_time_s=2.0 * fresh_s)
    sel = np.array([0] + [where[i] for i in node_pt])
    tt = pm.travel_time_s[np.ix_(sel, sel)].copy()
    tt[sel[:, None] == sel[None, :]] = 0.0
    dist = np.where(np.isfinite(tt), tt * pm.access_speed_mps, np.inf)
    n = len(sel)
    per_courier = max(1, int(fresh_s // max(svc_s, 1.0)))
    # fleet offered to the solver: 3x a lower bound on couriers (box capacity, or handovers
    # within the freshness limit) + 5, at most one per stop; the objective uses the fewest
    # (Putuo C08 with 2x + 3: all 29 couriers used and 9 stops dropped)
    n_veh = min(n - 1, 3 * max(math.ceil(sum(node_meals) / p.box_meals),
                               math.ceil((n - 1) / per_courier)) + 5)
    vehicles = tuple(VrptwVehicle(f"{sid}-{k + 1}", 0, p.box_meals, shift_s=(ready, math.inf))
                     for k in range(n_veh))
    return VrptwProblem(
        travel_time_s=tt, distance_m=dist, demand=np.array([0] + node_meals),
        time_window_s=np.array([(ready, math.inf)]
                               + [freshness_window(ready, fresh_s)] * (n - 1)),
        service_s=np.array([0.0] + [svc_s] * (n - 1)), vehicles=vehicles,
        node_names=("canteen",) + tuple(f"{ctx.pid[i]}#{k}" for k, i in enumerate(node_pt)),
        name=f"lunch {sid}")


def _collect_routes(ctx: _Rounds, sid: str, res: Any, node_pt: list[int],
                    node_meals: list[int], acc: _Tables) -> float:
    """Route and stop rows of a solved round; returns its latest delivery, minutes."""
    from optimizer.units import hhmm

    ready = ctx.ready_s
    latest = 0.0
    for r_i, r in enumerate(res.routes):
        seq = []
        for stp in r.stops:
            if stp.kind != "customer":
                continue
            i = node_pt[stp.node - 1]
            mins = (stp.start_s - ready) / 60.0
            latest = max(latest, mins)
            seq.append(ctx.pid[i])
            acc.stops.append({"site_id": sid, "courier": r_i + 1, "seq": len(seq),
                              "point_id": ctx.pid[i], "village_name_zh": ctx.vname[i],
                              "meals": int(node_meals[stp.node - 1]),
                              "arrive": hhmm(stp.start_s),
                              "minutes_from_kitchen": round(mins, 1)})
        dep, ret = r.stops[0].departure_s, r.stops[-1].arrival_s
        acc.routes.append({"site_id": sid, "courier": r_i + 1, "stops": len(seq),
                           "meals": int(r.load), "depart": hhmm(dep), "return": hhmm(ret),
                           "duration_min": round((ret - dep) / 60.0, 1),
                           "distance_km": round(r.distance_m / 1000.0, 2),
                           "latest_delivery_min": round(max(
                               ((x.start_s - ready) / 60.0 for x in r.stops
                                if x.kind == "customer"), default=0.0), 1),
                           "sequence": " ".join(seq)})
    return latest


def _result(acc: _Tables) -> RoundsResult:
    """The collected rows as tables; reason texts from the catalogue."""
    un = pd.DataFrame(acc.unserved, columns=_UNSERVED_COLS)
    un.insert(5, "reason_zh", [reason(r).zh for r in un["reason"]])
    un.insert(6, "reason_en", [reason(r).en for r in un["reason"]])
    return RoundsResult(by_canteen=pd.DataFrame(acc.by_canteen, columns=_BY_CANTEEN_COLS),
                        routes=pd.DataFrame(acc.routes, columns=_ROUTE_COLS),
                        stops=pd.DataFrame(acc.stops, columns=_STOP_COLS),
                        unserved=un, searches=tuple(acc.searches))
