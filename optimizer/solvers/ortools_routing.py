"""Dial-a-ride solver on OR-Tools routing (the only module that imports the routing library).

Model (sets, parameters and constraints as in :mod:`optimizer.problems.darp`)
---------------------------------------------------------------------------
* One routing *stop* per request pickup and per request delivery (several requests may share a
  network node, e.g. a dialysis unit), plus one start and one end stop per vehicle.
* Arc cost = ``problem.cost`` x ``cost_scale`` rounded; pickup-and-delivery pairs on the same
  vehicle, pickup first (``AddPickupAndDelivery`` + same-vehicle + precedence on cumuls).
* Time dimension: transit = service at the origin + travel time, rounded *up* to integer units
  (``time_scale`` units per second), so a plan feasible in integers is feasible in exact
  arithmetic; slack = waiting; windows on the start of service (earliest rounded up, latest
  down); vehicle shift on the route start/end cumuls; route duration via
  ``SetSpanUpperBoundForVehicle``.
* Ride time ``start(d) - start(p) <= L + service(p)``: given to the dimension as a
  pickup-to-delivery limit (``SetPickupToDeliveryLimitFunctionForPair``, so the local-search
  and first-solution filters know it) *and* as a constraint on the cumul variables (so the final
  schedule honours it whatever the filters do). Both strategies need the limit: with the cumul
  constraint alone OR-Tools 9.15 builds no plan at all, even on Cordeau a2-16 (every filtered
  construction is rejected when committed and the fallback tree search does not finish).
* Seats and wheelchair places: two capacity dimensions; vehicle eligibility (list and
  capacities) via ``SetAllowedVehiclesForIndex``.
* Every request is droppable with a large penalty (a disjunction on the pickup; the delivery is
  active exactly when the pickup is), so the search always has a start and unserved requests are
  reported instead of "no solution".

Preprocessing
-------------
* Each request is first checked alone (:func:`explain_request`): unreachable legs, capacities,
  eligibility, direct time vs maximum ride time, windows, shift and route duration. A request
  that cannot be served even alone is left out of the model and reported with that reason.
* Time windows are tightened with what the partner stop and the vehicles' bases imply
  (Cordeau 2006, section 4.1; the problem is unchanged):
  ``e_p >= e_d - L - s_p``, ``l_p <= l_d - s_p - t(p, d)``, ``e_d >= e_p + s_p + t(p, d)``,
  ``l_d <= l_p + s_p + L``, ``e_p >= min_k(a_k + t(o_k, p))``,
  ``l_d <= max_k(b_k - s_d - t(d, f_k))``.

Search (``strategy="portfolio"``, the default)
----------------------------------------------
1. Construction portfolio: several first-solution heuristics (parallel, local and sequential
   cheapest insertion, path cheapest arc), each followed by greedy descent to a local optimum;
   the best (fewest unserved, then cost) is kept. Plain OR-Tools uses one heuristic, which
   fails on tight windows (see the project's solver notes).
2. Our adaptive ruin-and-recreate large neighbourhood search (:mod:`optimizer.solvers.darp_lns`:
   random, Shaw, worst, route and time removal; noisy greedy, regret-2 and regret-3 insertion
   with an exact time test; intra-route relocation and 2-opt* tail exchange on promising
   plans; simulated-annealing acceptance) on the same integer model, for ``lns_share`` of the time
   left. Its best plan is loaded back into OR-Tools (``RoutesToAssignment`` and a restoring
   search), so the model's own constraints re-validate it.
3. Guided local search (penalty factor ``gls_lambda``) from that plan for the rest of the time.

``strategy="plain"`` is the textbook model kept for comparison (benchmarks): PATH_CHEAPEST_ARC +
guided local search, windows tightened and requests droppable (needed for a first solution at
all).

Determinism
-----------
OR-Tools stops on wall time, which depends on machine load, so two runs with a time limit may
return different plans. With ``deterministic=True`` every phase is bounded by solution counts
instead of time (``solution_limit`` for the guided local search, ``lns_iterations`` rounds of
our search, local optima for the construction phase) and ``time_limit_s`` is not used: the same
problem, seed and limits give the same plan.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from optimizer.errors import InputError, SolverError
from optimizer.problems.darp import (
    DarpProblem,
    DarpResult,
    Route,
    SolveStatus,
    Stop,
    Unserved,
    UnservedReason,
)
from optimizer.solvers._compat import (
    HAS_PICKUP_DELIVERY_LIMITS,
    FirstSolutionStrategy,
    routing_wrapper,
    search_parameters,
    set_allowed_vehicles,
)
from optimizer.solvers.checker import route_schedule
from optimizer.solvers.darp_lns import LnsInstance, lns_improve_parallel
from optimizer.units import TIME_UNIT_S, check_scale

__all__ = ["SolveParams", "explain_request", "solve_darp", "tighten_windows"]

_STRATEGIES = ("portfolio", "plain")
_FIRST = ("PARALLEL_CHEAPEST_INSERTION", "LOCAL_CHEAPEST_INSERTION",
          "SEQUENTIAL_CHEAPEST_INSERTION", "PATH_CHEAPEST_ARC")


@dataclass(frozen=True)
class SolveParams:
    """Solver parameters (all keyword options of :func:`solve_darp`).

    Parameters
    ----------
    time_limit_s
        Wall-time budget in seconds for the whole solve (model building included).
    seed
        Seed of the solver's random generator (used by ruin-and-recreate perturbations).
    strategy
        ``"portfolio"`` (default, see module docs) or ``"plain"`` (textbook OR-Tools).
    deterministic
        Bound the search by solution counts instead of wall time (reproducible plans).
    solution_limit
        Deterministic mode: number of solutions the improvement phase may visit (default 3000).
    first_solution_strategies
        Names of OR-Tools first-solution strategies tried in the construction portfolio.
    construction_share
        Share of the time budget for the construction portfolio (time-limited mode).
    time_scale
        Integer OR-Tools units per second (default ``1 / TIME_UNIT_S``: 1 s resolution).
    cost_scale
        Integer units per problem cost unit; ``None`` chooses a power of ten that gives the
        median arc about 1000 units (3 significant digits per arc).
    drop_penalty
        Penalty (integer units) for an unserved request; ``None`` = ``10 * (4 * max arc + 1)``,
        larger than any insertion detour, so the search serves whatever it can.
    tighten_windows
        Apply the window tightening of the module docs (default ``True``).
    gls_lambda
        Guided local search penalty factor (OR-Tools default 0.1; 0.3 tuned on Cordeau a8-96).
    lns_share
        Share of the time left after construction given to our ruin-and-recreate search
        (:mod:`optimizer.solvers.darp_lns`); the rest goes to OR-Tools' guided local search.
        ``0`` switches our search off. Default 0.9: on Cordeau a8-96 guided local search alone
        ended 7.3 % above the optimum at 30 s and improved little on our search's plans.
    lns_iterations
        Deterministic mode: ruin-and-recreate rounds of our search (default 1000).
    workers
        Independent ruin-and-recreate searches run at once on separate cores, best kept
        (:func:`optimizer.solvers.darp_lns.lns_improve_parallel`); default 1.
    log_search
        Let OR-Tools print its search log.
    """

    time_limit_s: float = 30.0
    seed: int = 0
    strategy: str = "portfolio"
    deterministic: bool = False
    solution_limit: int = 3000
    first_solution_strategies: tuple[str, ...] = _FIRST
    construction_share: float = 0.1
    time_scale: float = 1.0 / TIME_UNIT_S
    cost_scale: float | None = None
    drop_penalty: int | None = None
    tighten_windows: bool = True
    gls_lambda: float = 0.3
    lns_share: float = 0.9
    lns_iterations: int = 1000
    workers: int = 1
    log_search: bool = False

    def __post_init__(self) -> None:
        if not (self.time_limit_s > 0 and math.isfinite(self.time_limit_s)):
            raise InputError(f"time_limit_s={self.time_limit_s}; expected a positive number of "
                             "seconds", field="time_limit_s")
        if self.strategy not in _STRATEGIES:
            raise InputError(f"strategy={self.strategy!r}; expected one of {_STRATEGIES}",
                             field="strategy")
        if self.solution_limit < 1:
            raise InputError("solution_limit must be >= 1", field="solution_limit")
        object.__setattr__(self, "first_solution_strategies",
                           tuple(self.first_solution_strategies))
        for name in self.first_solution_strategies:
            if name not in FirstSolutionStrategy.keys():
                raise InputError(f"unknown first solution strategy {name!r}; expected one of "
                                 f"{list(FirstSolutionStrategy.keys())}",
                                 field="first_solution_strategies")
        if not self.first_solution_strategies:
            raise InputError("first_solution_strategies is empty",
                             field="first_solution_strategies")
        if not 0 < self.construction_share < 1:
            raise InputError("construction_share must be in (0, 1)", field="construction_share")
        if not self.time_scale > 0:
            raise InputError("time_scale must be > 0 (integer units per second)",
                             field="time_scale")
        if self.cost_scale is not None and not self.cost_scale > 0:
            raise InputError("cost_scale must be > 0", field="cost_scale")
        if not 0 <= self.lns_share < 1:
            raise InputError("lns_share must be in [0, 1)", field="lns_share")
        if self.lns_iterations < 0:
            raise InputError("lns_iterations must be >= 0", field="lns_iterations")
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) \
                or self.workers < 1:
            raise InputError(f"workers={self.workers!r}; expected a whole number >= 1",
                             field="workers")


# --------------------------------------------------------------------------- preprocessing
def explain_request(problem: DarpProblem, request: int) -> tuple[UnservedReason, str] | None:
    """Check one request alone (direct trip on an empty vehicle) and name what blocks it.

    Parameters
    ----------
    problem
        The instance.
    request
        Request position in ``problem.requests``.

    Returns
    -------
    tuple of (UnservedReason, str) or None
        ``None`` if some vehicle can serve it alone; otherwise the first binding reason in the
        order: unreachable, no eligible vehicle, wheelchair places, seats, ride time, time
        window, shift/route duration; and a sentence with the figures (minutes).
    """
    r = problem.requests[request]
    tt = problem.travel_time_s
    direct = tt[r.pickup_node, r.delivery_node]
    if not math.isfinite(direct):
        return (UnservedReason.UNREACHABLE,
                f"no path from node {r.pickup_node} to node {r.delivery_node}")
    vehicles = list(range(len(problem.vehicles)))
    if r.eligible_vehicles is not None:
        vehicles = [k for k in vehicles
                    if problem.vehicles[k].vehicle_id in r.eligible_vehicles]
        if not vehicles:
            return UnservedReason.NO_ELIGIBLE_VEHICLE, "no vehicle is on its eligibility list"
    fit_w = [k for k in vehicles if problem.vehicles[k].wheelchair_places >= r.wheelchair_places]
    if not fit_w:
        return (UnservedReason.NO_WHEELCHAIR_PLACE,
                f"needs {r.wheelchair_places} wheelchair place(s); no eligible vehicle has them")
    fit = [k for k in fit_w if problem.vehicles[k].seats >= r.seats]
    if not fit:
        return (UnservedReason.NOT_ENOUGH_SEATS,
                f"needs {r.seats} seat(s); no eligible vehicle with the wheelchair places has "
                "them")
    reach = [k for k in fit
             if math.isfinite(tt[problem.vehicles[k].start_node, r.pickup_node])
             and math.isfinite(tt[r.delivery_node, problem.vehicles[k].end_node])]
    if not reach:
        return (UnservedReason.UNREACHABLE,
                "no suitable vehicle can reach the pickup from its base or return from the "
                "drop-off")
    lim = problem.max_ride_s[request]
    if direct > lim + 1e-9:
        return (UnservedReason.RIDE_TIME,
                f"direct trip {direct / 60:.1f} min exceeds the maximum ride time "
                f"{lim / 60:.1f} min")
    (ep, lp), (ed, ld) = r.pickup_window_s, r.delivery_window_s
    if ep + r.pickup_service_s + direct > ld + 1e-9:
        return (UnservedReason.TIME_WINDOW,
                f"earliest pickup {ep / 60:.1f} min + boarding + direct trip {direct / 60:.1f} "
                f"min is after the latest drop-off {ld / 60:.1f} min")
    if ed - lp - r.pickup_service_s > lim + 1e-9:
        return (UnservedReason.TIME_WINDOW,
                "the pickup and drop-off windows are further apart than the maximum ride time")
    for k in reach:
        if route_schedule(problem, k, [(request, True), (request, False)]) is not None:
            return None
    return (UnservedReason.SHIFT_END,
            "no suitable vehicle's shift or maximum route duration covers the trip from its "
            "base and back")


def tighten_windows(problem: DarpProblem, requests: list[int] | None = None,
                    ) -> dict[int, tuple[tuple[float, float], tuple[float, float]]]:
    """Tightened ``(pickup window, delivery window)`` in seconds per request position.

    Rules in the module docs (Cordeau 2006); iterated twice (a fixed point for these rules).
    Bases and shifts are taken over the vehicles eligible for the request. An infinite latest
    time stays infinite unless a rule bounds it.

    Parameters
    ----------
    problem
        The instance.
    requests
        Request positions to tighten (default all).

    Returns
    -------
    dict
        ``{request position: ((e_p, l_p), (e_d, l_d))}``; a window may become empty
        (``e > l``) when the request cannot be served.
    """
    tt = problem.travel_time_s
    out = {}
    idx = range(len(problem.requests)) if requests is None else requests
    for i in idx:
        r = problem.requests[i]
        (ep, lp), (ed, ld) = r.pickup_window_s, r.delivery_window_s
        sp, sd, L = r.pickup_service_s, r.delivery_service_s, problem.max_ride_s[i]
        t = tt[r.pickup_node, r.delivery_node]
        vs = [k for k in range(len(problem.vehicles)) if problem.is_eligible(i, k)]
        if vs:
            ep = max(ep, min(problem.vehicles[k].shift_s[0]
                             + tt[problem.vehicles[k].start_node, r.pickup_node] for k in vs))
            ld = min(ld, max(problem.vehicles[k].shift_s[1] - sd
                             - tt[r.delivery_node, problem.vehicles[k].end_node] for k in vs))
        for _ in range(2):
            ep = max(ep, ed - L - sp)
            lp = min(lp, ld - sp - t)
            ed = max(ed, ep + sp + t)
            ld = min(ld, lp + sp + L)
        out[i] = ((ep, lp), (ed, ld))
    return out


# --------------------------------------------------------------------------- the model
@dataclass
class _Model:
    manager: object
    routing: object
    time_dim: object
    active: list[int]  # request positions in the model (stop 2j = pickup, 2j+1 = delivery)
    n_stops: int
    scale: float
    cost_scale: float
    keep: list = field(default_factory=list)  # python callables kept alive
    lns: LnsInstance | None = None  # the same integer model for our own search


def _auto_cost_scale(cost: np.ndarray) -> float:
    c = cost[np.isfinite(cost) & (cost > 0)]
    if c.size == 0:
        return 1.0
    return float(10 ** max(0, math.ceil(math.log10(1000.0 / float(np.median(c))))))


def _build(problem: DarpProblem, prm: SolveParams, active: list[int],
           windows: dict[int, tuple[tuple[float, float], tuple[float, float]]]) -> _Model:
    reqs, vehs = problem.requests, problem.vehicles
    nr, nv = len(active), len(vehs)
    n_stops = 2 * nr + 2 * nv
    node = np.empty(n_stops, dtype=np.int64)
    service = np.zeros(n_stops)
    for j, i in enumerate(active):
        node[2 * j], node[2 * j + 1] = reqs[i].pickup_node, reqs[i].delivery_node
        service[2 * j], service[2 * j + 1] = reqs[i].pickup_service_s, reqs[i].delivery_service_s
    for k, v in enumerate(vehs):
        node[2 * nr + 2 * k], node[2 * nr + 2 * k + 1] = v.start_node, v.end_node
    sc = prm.time_scale
    csc = prm.cost_scale or _auto_cost_scale(np.asarray(problem.cost))
    tt = problem.travel_time_s[np.ix_(node, node)]
    cc = np.asarray(problem.cost)[np.ix_(node, node)]
    fin = np.isfinite(tt)
    finite_vals = [x for v in vehs for x in (v.shift_s[1],) if math.isfinite(x)]
    for i in active:
        for w in windows[i]:
            finite_vals += [x for x in w if math.isfinite(x)]
    max_tt = float(tt[fin].max()) if fin.any() else 0.0
    horizon_s = (max(finite_vals, default=0.0) + float(service.sum())
                 + (n_stops + 1) * max_tt + 1.0)
    horizon = int(math.ceil(horizon_s * sc))
    big_t = 4 * horizon + 1
    t_int = np.where(fin, np.ceil(np.where(fin, tt, 0) * sc - 1e-9), big_t).astype(np.int64)
    s_int = np.ceil(service * sc - 1e-9).astype(np.int64)
    transit = t_int + s_int[:, None]
    np.fill_diagonal(transit, 0)
    c_fin = np.rint(np.where(fin, cc, 0) * csc).astype(np.int64)
    max_c = int(c_fin.max()) if c_fin.size else 0
    c_int = np.where(fin, c_fin, 10 * (max_c + 1) * max(1, n_stops)).astype(np.int64)
    check_scale(transit, what="time transit")
    check_scale(c_int, what="arc cost")

    starts = [2 * nr + 2 * k for k in range(nv)]
    ends = [2 * nr + 2 * k + 1 for k in range(nv)]
    manager = routing_wrapper.RoutingIndexManager(n_stops, nv, starts, ends)
    routing = routing_wrapper.RoutingModel(manager)
    solver = routing.solver()
    solver.ReSeed(int(prm.seed))
    cost_cb = routing.RegisterTransitMatrix(c_int.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)
    time_cb = routing.RegisterTransitMatrix(transit.tolist())
    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    tdim = routing.GetDimensionOrDie("time")

    def lo_int(x: float) -> int:
        return min(horizon, int(math.ceil(x * sc - 1e-9)))

    def hi_int(x: float) -> int:
        return horizon if not math.isfinite(x) else min(horizon, int(math.floor(x * sc + 1e-9)))

    lo_arr = np.zeros(n_stops, dtype=np.int64)
    hi_arr = np.zeros(n_stops, dtype=np.int64)
    span_arr = np.full(nv, -1, dtype=np.int64)
    for k, v in enumerate(vehs):
        a, b = lo_int(v.shift_s[0]), hi_int(v.shift_s[1])
        tdim.CumulVar(routing.Start(k)).SetRange(a, b)
        tdim.CumulVar(routing.End(k)).SetRange(a, b)
        lo_arr[starts[k]] = lo_arr[ends[k]] = a
        hi_arr[starts[k]] = hi_arr[ends[k]] = b
        if math.isfinite(v.max_route_duration_s):
            span_arr[k] = hi_int(v.max_route_duration_s)
            tdim.SetSpanUpperBoundForVehicle(int(span_arr[k]), k)
        routing.AddVariableMinimizedByFinalizer(tdim.CumulVar(routing.End(k)))
        routing.AddVariableMaximizedByFinalizer(tdim.CumulVar(routing.Start(k)))

    seats = np.zeros(n_stops, dtype=np.int64)
    wheel = np.zeros(n_stops, dtype=np.int64)
    for j, i in enumerate(active):
        seats[2 * j], seats[2 * j + 1] = reqs[i].seats, -reqs[i].seats
        wheel[2 * j], wheel[2 * j + 1] = reqs[i].wheelchair_places, -reqs[i].wheelchair_places
    seat_cb = routing.RegisterUnaryTransitVector(seats.tolist())
    routing.AddDimensionWithVehicleCapacity(seat_cb, 0, [v.seats for v in vehs], True, "seats")
    if wheel.any():
        wcb = routing.RegisterUnaryTransitVector(wheel.tolist())
        routing.AddDimensionWithVehicleCapacity(wcb, 0, [v.wheelchair_places for v in vehs],
                                                True, "wheelchairs")

    penalty = prm.drop_penalty or 10 * (4 * max_c + 1)
    keep: list = []
    ride_arr = np.full(nr, -1, dtype=np.int64)
    allowed_arr = np.zeros((nr, nv), dtype=bool)
    for j, i in enumerate(active):
        p, d = manager.NodeToIndex(2 * j), manager.NodeToIndex(2 * j + 1)
        (ep, lp), (ed, ld) = windows[i]
        lo_arr[2 * j], hi_arr[2 * j] = lo_int(ep), hi_int(lp)
        lo_arr[2 * j + 1], hi_arr[2 * j + 1] = lo_int(ed), hi_int(ld)
        tdim.CumulVar(p).SetRange(int(lo_arr[2 * j]), int(hi_arr[2 * j]))
        tdim.CumulVar(d).SetRange(int(lo_arr[2 * j + 1]), int(hi_arr[2 * j + 1]))
        routing.AddPickupAndDelivery(p, d)
        solver.Add(routing.VehicleVar(p) == routing.VehicleVar(d))
        solver.Add(routing.ActiveVar(p) == routing.ActiveVar(d))
        solver.Add(tdim.CumulVar(p) <= tdim.CumulVar(d))
        routing.AddDisjunction([p], int(penalty))
        routing.AddDisjunction([d], 0)  # a node outside any disjunction is mandatory
        allowed = [k for k in range(nv) if problem.is_eligible(i, k)]
        allowed_arr[j, allowed] = True
        if len(allowed) < nv:
            set_allowed_vehicles(routing, p, allowed, nv)
            set_allowed_vehicles(routing, d, allowed, nv)
        lim = problem.max_ride_s[i]
        if math.isfinite(lim):
            lim_int = hi_int(lim) + int(s_int[2 * j])
            ride_arr[j] = lim_int
            solver.Add(tdim.CumulVar(d) - tdim.CumulVar(p) <= lim_int)
            if HAS_PICKUP_DELIVERY_LIMITS:
                def cb(_a: int, _b: int, _v: int = lim_int) -> int:
                    return _v
                keep.append(cb)
                tdim.SetPickupToDeliveryLimitFunctionForPair(cb, j)
    lns = LnsInstance(
        transit=transit, cost=c_int, lo=lo_arr, hi=hi_arr, ride_limit=ride_arr,
        span_limit=span_arr, seats=seats[0:2 * nr:2].copy(), wheelchairs=wheel[0:2 * nr:2].copy(),
        seat_cap=np.array([v.seats for v in vehs], dtype=np.int64),
        wheel_cap=np.array([v.wheelchair_places for v in vehs], dtype=np.int64),
        allowed=allowed_arr, penalty=int(penalty))
    return _Model(manager, routing, tdim, list(active), n_stops, sc, csc, keep, lns)


def _search_params(prm: SolveParams, *, first: str, meta: str, time_s: float | None,
                   solutions: int | None):
    return search_parameters(first, meta, time_s=time_s, solutions=solutions,
                             log=prm.log_search)


def _n_dropped(m: _Model, sol) -> int:
    r = m.routing
    return sum(1 for j in range(len(m.active))
               if sol.Value(r.NextVar(m.manager.NodeToIndex(2 * j))) == m.manager.NodeToIndex(2 * j))


def _key(m: _Model, sol) -> tuple[int, int]:
    return (_n_dropped(m, sol), sol.ObjectiveValue())


# --------------------------------------------------------------------------- search
def _run_plain(m: _Model, prm: SolveParams, budget_s: float):
    meta = "GUIDED_LOCAL_SEARCH"
    if prm.deterministic:
        sp = _search_params(prm, first="PATH_CHEAPEST_ARC", meta=meta, time_s=None,
                            solutions=prm.solution_limit)
    else:
        sp = _search_params(prm, first="PATH_CHEAPEST_ARC", meta=meta, time_s=budget_s,
                            solutions=None)
    return m.routing.SolveWithParameters(sp)


def _run_portfolio(m: _Model, prm: SolveParams, t0: float):
    routing = m.routing

    def left() -> float:
        return prm.time_limit_s - (time.perf_counter() - t0)

    best = None
    best_key = None
    n_first = len(prm.first_solution_strategies)
    for first in prm.first_solution_strategies:
        if prm.deterministic:
            sp = _search_params(prm, first=first, meta="GREEDY_DESCENT", time_s=None,
                                solutions=None)
        else:
            share = prm.time_limit_s * prm.construction_share / n_first
            if left() <= 0.05:
                break
            sp = _search_params(prm, first=first, meta="GREEDY_DESCENT",
                                time_s=min(share, left()), solutions=None)
        sol = routing.SolveWithParameters(sp)
        if sol is None:
            continue
        key = _key(m, sol)
        if best_key is None or key < best_key:
            best, best_key = _copy(routing, sol), key
    if best is None:
        return None
    # improvement 1: our ruin-and-recreate LNS (optimizer.solvers.darp_lns) on the same model
    if prm.lns_share > 0 and m.lns is not None and (prm.lns_iterations > 0
                                                      or not prm.deterministic):
        limits = ({"max_iterations": prm.lns_iterations} if prm.deterministic
                  else {"time_limit_s": max(0.0, left() * prm.lns_share)})
        try:
            res = lns_improve_parallel(m.lns, _routes_of(m, best), seed=prm.seed,
                                       workers=prm.workers, **limits)
        except InputError:  # pragma: no cover - a start plan our exact test rejects
            res = None  # keep the OR-Tools plan; the model itself validated it
        sol = None if res is None else _from_routes(m, res.routes)
        if sol is not None and _key(m, sol) <= best_key:
            best, best_key = sol, _key(m, sol)
    # improvement 2: guided local search (OR-Tools) from the best plan
    if prm.deterministic:
        gls = _search_params(prm, first=prm.first_solution_strategies[0],
                             meta="GUIDED_LOCAL_SEARCH", time_s=None,
                             solutions=prm.solution_limit)
    else:
        if left() <= 0.05:
            return best
        gls = _search_params(prm, first=prm.first_solution_strategies[0],
                             meta="GUIDED_LOCAL_SEARCH", time_s=max(0.05, left() - 0.02),
                             solutions=None)
    gls.guided_local_search_lambda_coefficient = prm.gls_lambda
    sol = routing.SolveFromAssignmentWithParameters(best, gls)
    if sol is not None and _key(m, sol) <= best_key:
        best, best_key = _copy(routing, sol), _key(m, sol)
    return best


def _routes_of(m: _Model, sol) -> list[list[int]]:
    """Request stops (model stop numbers) of each vehicle's route in ``sol``."""
    routing, manager = m.routing, m.manager
    out = []
    for k in range(routing.vehicles()):
        idx = sol.Value(routing.NextVar(routing.Start(k)))
        seq = []
        while not routing.IsEnd(idx):
            seq.append(manager.IndexToNode(idx))
            idx = sol.Value(routing.NextVar(idx))
        out.append(seq)
    return out


_RESTORE_LIMIT_S = 60.0
"""Time limit (seconds) of restoring a given plan in the OR-Tools model (a safety cap: it is one
propagation, well under a second on Cordeau a8-96)."""


def _from_routes(m: _Model, routes) -> object | None:
    """A full OR-Tools assignment (cumuls included) for the given routes, or ``None`` if the
    model rejects them.

    ``ReadAssignmentFromRoutes`` restores under the limits of the model's *last* search: after
    a construction with a 0.05-0.25 s limit, restoring a valid 40-request plan failed (Cordeau
    a5-40, OR-Tools 9.15) and the ruin-and-recreate result was lost. So the next variables are
    set with ``RoutesToAssignment`` and restored by a search with its own limits (first solution
    = the given plan)."""
    routing, manager = m.routing, m.manager
    idx = [[manager.NodeToIndex(int(s)) for s in r] for r in routes]
    a = routing.solver().Assignment()
    if not routing.RoutesToAssignment(idx, True, True, a):
        return None
    sp = search_parameters("AUTOMATIC", "GREEDY_DESCENT", time_s=_RESTORE_LIMIT_S, solutions=1)
    sol = routing.SolveFromAssignmentWithParameters(a, sp)
    return None if sol is None else _copy(routing, sol)


def _copy(routing, sol):
    return routing.solver().Assignment(sol)


# --------------------------------------------------------------------------- public API
def solve_darp(problem: DarpProblem, params: SolveParams | None = None, **options) -> DarpResult:
    """Plan the rides of a dial-a-ride problem.

    Parameters
    ----------
    problem
        The instance (times in seconds).
    params
        Solver parameters; keyword ``options`` (the :class:`SolveParams` fields, e.g.
        ``time_limit_s=30, seed=0, deterministic=True``) override single fields.

    Returns
    -------
    DarpResult
        Routes (stops with arrival / service start / departure times in seconds, in the user's
        request and vehicle ids), unserved requests each with a reason, status, objective (total
        routing cost in the problem's cost unit), runtime and the parameters used.

    Raises
    ------
    optimizer.errors.InputError
        On an unknown option or a bad parameter value.
    optimizer.errors.SolverError
        If OR-Tools rejects the model.
    """
    t0 = time.perf_counter()
    base = params or SolveParams()
    try:
        prm = SolveParams(**{**asdict(base), **options})
    except TypeError as exc:
        raise InputError(f"unknown solver option: {exc}; expected SolveParams fields",
                         field="options") from exc
    unserved: dict[int, tuple[UnservedReason, str]] = {}
    candidates = []
    for i in range(len(problem.requests)):
        why = explain_request(problem, i)
        if why is None:
            candidates.append(i)
        else:
            unserved[i] = why
    windows = (tighten_windows(problem, candidates) if prm.tighten_windows else
               {i: (problem.requests[i].pickup_window_s, problem.requests[i].delivery_window_s)
                for i in candidates})
    active = []
    for i in candidates:
        (ep, lp), (ed, ld) = windows[i]
        if ep > lp + 1e-9 or ed > ld + 1e-9:
            unserved[i] = (UnservedReason.TIME_WINDOW,
                           "the windows, ride time and vehicle shifts leave no feasible time")
        else:
            active.append(i)
    sol = None
    model = None
    if active:
        model = _build(problem, prm, active, windows)
        if prm.strategy == "plain":
            sol = _run_plain(model, prm, max(0.1, prm.time_limit_s - (time.perf_counter() - t0)))
        else:
            sol = _run_portfolio(model, prm, t0)
    routes: list[Route] = []
    status = SolveStatus.NO_SOLUTION if active else SolveStatus.OPTIMAL
    if sol is not None:
        routes, dropped = _extract(problem, model, sol)
        for i in dropped:
            unserved[i] = (UnservedReason.DROPPED_BY_SEARCH,
                           "can be served alone, but not together with the other rides within "
                           "the solve limits (capacity or time conflicts)")
        status = SolveStatus.PARTIAL if unserved else SolveStatus.FEASIBLE
    elif active:
        for i in active:
            unserved[i] = (UnservedReason.DROPPED_BY_SEARCH, "the search found no plan")
        status = SolveStatus.NO_SOLUTION
    objective = sum(rt.cost for rt in routes)
    pdict = asdict(prm)
    pdict["first_solution_strategies"] = list(prm.first_solution_strategies)
    return DarpResult(
        status=status,
        routes=tuple(routes),
        unserved=tuple(Unserved(problem.requests[i].request_id, why, detail)
                       for i, (why, detail) in sorted(unserved.items())),
        objective=float(objective),
        runtime_s=time.perf_counter() - t0,
        params=pdict,
    )


def _extract(problem: DarpProblem, m: _Model, sol) -> tuple[list[Route], list[int]]:
    routing, manager, tdim = m.routing, m.manager, m.time_dim
    reqs, tt, cost = problem.requests, problem.travel_time_s, problem.cost
    nr = len(m.active)
    routes = []
    served = set()
    for k, veh in enumerate(problem.vehicles):
        idx = routing.Start(k)
        if routing.IsEnd(sol.Value(routing.NextVar(idx))):
            continue
        seq = []
        while True:
            seq.append((manager.IndexToNode(idx), sol.Value(tdim.CumulVar(idx))))
            if routing.IsEnd(idx):
                break
            idx = sol.Value(routing.NextVar(idx))
        stops: list[Stop] = []
        seats = wheel = 0
        prev_dep = None
        prev_node = None
        total_c = total_t = 0.0
        for stop, cumul in seq:
            start = cumul / m.scale
            if stop >= 2 * nr:
                kind = "start" if (stop - 2 * nr) % 2 == 0 else "end"
                nd = veh.start_node if kind == "start" else veh.end_node
                rid, svc = None, 0.0
            else:
                i = m.active[stop // 2]
                r = reqs[i]
                kind = "pickup" if stop % 2 == 0 else "delivery"
                nd = r.pickup_node if kind == "pickup" else r.delivery_node
                rid = r.request_id
                svc = r.pickup_service_s if kind == "pickup" else r.delivery_service_s
                sgn = 1 if kind == "pickup" else -1
                seats += sgn * r.seats
                wheel += sgn * r.wheelchair_places
                served.add(i)
            if prev_dep is None:
                arrival = start
            else:
                leg = float(tt[prev_node, nd])
                total_t += leg
                total_c += float(cost[prev_node, nd])
                arrival = prev_dep + leg
                start = max(start, arrival)
            dep = start + svc
            stops.append(Stop(kind, int(nd), rid, arrival, start, dep, seats, wheel))
            prev_dep, prev_node = dep, nd
        routes.append(Route(veh.vehicle_id, tuple(stops), total_c, total_t,
                            stops[-1].arrival_s - stops[0].departure_s))
    dropped = [i for i in m.active if i not in served]
    if len(served) + len(dropped) != nr:  # pragma: no cover - defensive
        raise SolverError("internal error: served and dropped requests do not add up")
    return routes, dropped
