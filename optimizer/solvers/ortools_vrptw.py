"""VRPTW solver on OR-Tools routing (problem and checker in :mod:`optimizer.problems.vrptw`).

Model
-----
* Routing nodes = the depots plus the customers that can be served alone
  (:func:`~optimizer.problems.vrptw.explain_customer`; the others are reported unserved with
  that reason and never enter the model). One start and one end per vehicle.
* Arc cost = distance x ``distance_scale`` rounded (Solomon with truncated distances:
  ``distance_scale = 10`` keeps every arc exact).
* Time dimension: transit ``ceil((service(i) + t(i, j)) x time_scale)`` (rounded *up*, so an
  integer-feasible plan is feasible in exact arithmetic), slack = waiting, windows on the start
  of service (earliest rounded up, latest down), vehicle shift (cut by the depot windows) on the
  route start/end, maximum route duration as a span bound; the finalizer pushes departures late
  and returns early (shortest durations). No span cost (global span coefficient 0).
* Load dimension: demand as a unary transit, per-vehicle capacity.
* Every customer sits in its own disjunction with a penalty larger than any cost of serving it
  (``10 x (largest vehicle cost + 2 x longest arc + 1)``), so a first solution always exists
  and the search serves every customer it can; dropped ones are listed as
  ``DROPPED_BY_SEARCH``.
* ``objective="vehicles_then_distance"``: each vehicle costs ``(n_customers + n_vehicles + 1) x
  longest arc`` extra - more than any distance saving - so fewer routes always win.

Search (``strategy="portfolio"``, default)
-------------------------------------------
1. Our construction (:func:`optimizer.solvers.vrptw_lns.construct`: sequential and parallel
   cheapest insertion with the O(1) slack test, best of both) - well under a second for 500
   customers.
2. Our SISR ruin-and-recreate search (Christiaens & Vanden Berghe 2020,
   :func:`optimizer.solvers.vrptw_lns.sisr_search`) on the same integer model, for
   ``1 - polish_share`` of the round's budget.
3. OR-Tools guided local search from SISR's best plan (read in with
   ``RoutesToAssignment``) for the rest of the round (``polish_share``, default 0.2), kept
   only if better.
Steps 2-3 are repeated ``rounds`` times (default 2), each round from the best plan so far with
an equal share of the remaining budget: SISR -> GLS -> SISR from GLS's best -> GLS. Without a
polish (``polish_share=0``, as in the meal rounds) there is one SISR run.
With ``deterministic=True``: ``solution_limit`` SISR iterations, no polish.

``strategy="ortools"`` (the previous default): construction portfolio - each first-solution
strategy (local / parallel cheapest insertion, savings, path cheapest arc by default) followed by
greedy descent, each within a share of the budget, the best (fewest dropped, then cost) kept;
one strategy is not enough: PATH_CHEAPEST_ARC finds no solution on Solomon R101/RC101 (project
solver notes) - then guided local search for the rest of the budget (or OR-Tools' iterated local
search, ``improvement="ils"``, or both).

``strategy="plain"`` is the textbook model kept as the benchmark anchor: PATH_CHEAPEST_ARC +
guided local search, customers *not* droppable (if the search finds nothing, every customer
is reported ``DROPPED_BY_SEARCH`` and the status is ``NO_SOLUTION``).

Determinism
-----------
With ``deterministic=True`` the phases are bounded by solution counts (greedy descent to a
local optimum, then ``solution_limit`` guided-local-search solutions); the time limit is only a
safety cap (guided local search does not stop by itself when it finds no new solution, e.g. on
a one-customer instance). The same problem, seed and options give the same plan whenever the
solution limits bind before the cap.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from optimizer.errors import InputError, SolverError
from optimizer.problems.vrptw import (
    OBJECTIVES,
    SolveStatus,
    VrptwProblem,
    VrptwResult,
    VrptwRoute,
    VrptwStop,
    VrptwUnserved,
    VrptwUnservedReason,
    evaluate_route,
    explain_customer,
)
from optimizer.solvers._compat import (
    FirstSolutionStrategy,
    routing_wrapper,
    search_parameters,
)
from optimizer.units import check_scale

__all__ = ["DEFAULT_FIRST_SOLUTIONS", "DEFAULT_POLISH_SHARE", "DEFAULT_ROUNDS", "solve_vrptw"]

DEFAULT_FIRST_SOLUTIONS = ("LOCAL_CHEAPEST_INSERTION", "PARALLEL_CHEAPEST_INSERTION",
                           "SAVINGS", "PATH_CHEAPEST_ARC")
"""First-solution strategies of the construction portfolio (order = tie-break order)."""

_STRATEGIES = ("portfolio", "ortools", "plain")

DEFAULT_POLISH_SHARE = 0.2
"""Share of each round's budget for the OR-Tools guided-local-search polish after our SISR
search (time-limited mode). Measured on Solomon C101-RC201 at 10 s (one run each, loaded 2-core
machine, noise about +-1 % per instance): mean gap 0.82 % with one round at 0.3, 0.68 % with two
rounds at 0.2, 1.01 % with one round at 0.5 (all after the SISR temperature change; before it,
0.5 was needed for C201, where SISR then stopped at 4 routes, +6.4 %)."""

DEFAULT_ROUNDS = 2
"""SISR-then-polish rounds of the time-limited portfolio (each from the best plan so far; see
:data:`DEFAULT_POLISH_SHARE` for the measurement)."""


@dataclass
class _Model:
    manager: object
    routing: object
    time_dim: object
    nodes: list[int]  # routing node -> problem node
    time_scale: float
    keep: list = field(default_factory=list)


def _build(problem: VrptwProblem, active: list[int], *, objective: str, distance_scale: float,
           time_scale: float, droppable: bool) -> _Model:
    vehs = problem.vehicles
    nv = len(vehs)
    depots = sorted({v.depot for v in vehs} | {v.end_depot for v in vehs})
    nodes = depots + list(active)
    pos = {nd: k for k, nd in enumerate(nodes)}
    idx = np.asarray(nodes)
    tt = problem.travel_time_s[np.ix_(idx, idx)]
    dd = problem.distance_m[np.ix_(idx, idx)]
    fin = np.isfinite(tt)
    svc = problem.service_s[idx]
    tw = problem.time_window_s[idx]
    finite_t = [x for x in tw.ravel() if math.isfinite(x)]
    finite_t += [x for k in range(nv) for x in problem.shift(k) if math.isfinite(x)]
    max_tt = float(tt[fin].max()) if fin.any() else 0.0
    horizon_s = max(finite_t, default=0.0) + float(svc.sum()) + (len(nodes) + 1) * max_tt + 1
    horizon = math.ceil(horizon_s * time_scale)
    big_t = 4 * horizon + 1
    t_int = np.where(fin, np.ceil(np.where(fin, tt, 0) * time_scale - 1e-6), big_t)
    s_int = np.ceil(svc * time_scale - 1e-6)
    transit = (t_int + s_int[:, None]).astype(np.int64)
    np.fill_diagonal(transit, 0)
    d_fin = np.rint(np.where(fin, dd, 0) * distance_scale).astype(np.int64)
    max_d = int(d_fin.max()) if d_fin.size else 0
    d_int = np.where(fin, d_fin, 10 * (max_d + 1) * max(1, len(nodes))).astype(np.int64)
    check_scale(transit, what="time transit")
    check_scale(d_int, what="arc distance")

    starts = [pos[v.depot] for v in vehs]
    ends = [pos[v.end_depot] for v in vehs]
    manager = routing_wrapper.RoutingIndexManager(len(nodes), nv, starts, ends)
    routing = routing_wrapper.RoutingModel(manager)
    cost_cb = routing.RegisterTransitMatrix(d_int.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)
    time_cb = routing.RegisterTransitMatrix(transit.tolist())
    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    tdim = routing.GetDimensionOrDie("time")
    tdim.SetGlobalSpanCostCoefficient(0)

    def lo_int(x: float) -> int:
        return min(horizon, math.ceil(x * time_scale - 1e-6))

    def hi_int(x: float) -> int:
        return horizon if not math.isfinite(x) else min(horizon,
                                                        math.floor(x * time_scale + 1e-6))

    n_cust = len(active)
    vehicle_big = (n_cust + nv + 1) * (max_d + 1) if objective == "vehicles_then_distance" else 0
    max_fixed = 0
    for k, v in enumerate(vehs):
        a, b = problem.shift(k)
        tdim.CumulVar(routing.Start(k)).SetRange(lo_int(a), hi_int(b))
        tdim.CumulVar(routing.End(k)).SetRange(lo_int(a), hi_int(b))
        if math.isfinite(v.max_route_duration_s):
            tdim.SetSpanUpperBoundForVehicle(hi_int(v.max_route_duration_s), k)
        routing.AddVariableMinimizedByFinalizer(tdim.CumulVar(routing.End(k)))
        routing.AddVariableMaximizedByFinalizer(tdim.CumulVar(routing.Start(k)))
        fixed = round(v.fixed_cost_m * distance_scale) + vehicle_big
        max_fixed = max(max_fixed, fixed)
        if fixed:
            routing.SetFixedCostOfVehicle(fixed, k)
    demand = [int(problem.demand[nd]) for nd in nodes]
    dem_cb = routing.RegisterUnaryTransitVector(demand)
    routing.AddDimensionWithVehicleCapacity(dem_cb, 0, [v.capacity for v in vehs], True, "load")
    penalty = 10 * (max_fixed + 2 * max_d + 1)
    for nd in active:
        index = manager.NodeToIndex(pos[nd])
        tdim.CumulVar(index).SetRange(lo_int(problem.time_window_s[nd, 0]),
                                      hi_int(problem.time_window_s[nd, 1]))
        if droppable:
            routing.AddDisjunction([index], int(penalty))
    return _Model(manager, routing, tdim, nodes, time_scale)


def _set_ils(sp, *, sisr_size: int = 10, auto_temp: bool = True) -> None:
    """Iterated local search: SISR ruin (Christiaens & Vanden Berghe 2020), recreate by local
    cheapest insertion, simulated-annealing acceptance (OR-Tools >= 9.10)."""
    sp.use_iterated_local_search = True
    ils = sp.iterated_local_search_parameters
    rr = ils.ruin_recreate_parameters
    del rr.ruin_strategies[:]
    rs = rr.ruin_strategies.add()
    rs.sisr.max_removed_sequence_size = sisr_size
    rs.sisr.avg_num_removed_visits = sisr_size
    rs.sisr.bypass_factor = 0.01
    if auto_temp:
        sa = ils.reference_solution_acceptance_strategy.simulated_annealing
        sa.automatic_temperatures = True


def _params(first: str, meta: str, *, time_s: float | None, solutions: int | None,
            log: bool, gls_lambda: float | None = None):
    return search_parameters(first, meta, time_s=time_s, solutions=solutions, log=log,
                             gls_lambda=gls_lambda)


def _key(m: _Model, sol) -> tuple[int, int]:
    r, man = m.routing, m.manager
    dropped = sum(1 for k in range(r.Size()) if not r.IsStart(k)
                  and sol.Value(r.NextVar(k)) == k)
    del man
    return (dropped, sol.ObjectiveValue())


def _solve_portfolio(m: _Model, *, firsts: tuple[str, ...], time_limit_s: float, t0: float,
                     deterministic: bool, solution_limit: int, construction_share: float,
                     gls_lambda: float, log: bool, improvement: str = "gls"):
    routing = m.routing

    def left() -> float:
        return time_limit_s - (time.perf_counter() - t0)

    best = best_key = None
    for first in firsts:
        if deterministic:
            sp = _params(first, "GREEDY_DESCENT", time_s=max(0.05, left()), solutions=None,
                         log=log)
        else:
            if left() <= 0.05:
                break
            share = time_limit_s * construction_share / len(firsts)
            sp = _params(first, "GREEDY_DESCENT", time_s=min(share, left()), solutions=None,
                         log=log)
        sol = routing.SolveWithParameters(sp)
        if sol is None:
            continue
        key = _key(m, sol)
        if best_key is None or key < best_key:
            best, best_key = routing.solver().Assignment(sol), key
    if best is None:
        return None
    def better(sol) -> bool:
        return sol is not None and _key(m, sol) <= best_key

    if deterministic:
        if improvement in ("gls", "gls+ils") and left() > 0.05:
            # guided local search never stops by itself when it finds no new solution (tiny
            # instances): the time limit stays a safety cap
            sp = _params(firsts[0], "GUIDED_LOCAL_SEARCH", time_s=left(),
                         solutions=solution_limit, log=log, gls_lambda=gls_lambda)
            sol = routing.SolveFromAssignmentWithParameters(best, sp)
            if better(sol):
                best, best_key = routing.solver().Assignment(sol), _key(m, sol)
        if improvement in ("ils", "gls+ils") and left() > 0.05:
            sp = _params(firsts[0], "GREEDY_DESCENT", time_s=left(), solutions=solution_limit,
                         log=log)
            _set_ils(sp)
            sol = routing.SolveFromAssignmentWithParameters(best, sp)
            if better(sol):
                best = routing.solver().Assignment(sol)
        return best
    if improvement in ("gls", "gls+ils") and left() > 0.05:
        share = 1.0 if improvement == "gls" else 0.5
        sp = _params(firsts[0], "GUIDED_LOCAL_SEARCH", time_s=left() * share, solutions=None,
                     log=log, gls_lambda=gls_lambda)
        sol = routing.SolveFromAssignmentWithParameters(best, sp)
        if better(sol):
            best, best_key = routing.solver().Assignment(sol), _key(m, sol)
    while improvement in ("ils", "gls+ils") and left() > 0.1:
        # the iterated local search may stop on its own: restart it from the best plan
        sp = _params(firsts[0], "GREEDY_DESCENT", time_s=left(), solutions=None, log=log)
        _set_ils(sp)
        sol = routing.SolveFromAssignmentWithParameters(best, sp)
        if sol is None:
            break
        if better(sol):
            best, best_key = routing.solver().Assignment(sol), _key(m, sol)
    return best


def _solve_lns(problem: VrptwProblem, active: list[int], *, objective: str, distance_scale: float,
               time_scale: float, time_limit_s: float, t0: float, seed: int,
               deterministic: bool, solution_limit: int, polish_share: float,
               gls_lambda: float, log: bool, rounds: int = 1,
               workers: int = 1) -> tuple[list[list[int]], dict]:
    """Our construction + SISR (:mod:`optimizer.solvers.vrptw_lns`), then an optional OR-Tools
    guided-local-search polish, ``rounds`` times (each round starts from the best plan so far);
    returns problem-node sequences per vehicle and statistics."""
    from optimizer.solvers import vrptw_lns
    from optimizer.solvers._parallel import best_of

    lm = vrptw_lns.build_model(problem, active, objective=objective,
                               distance_scale=distance_scale, time_scale=time_scale)
    start = vrptw_lns.construct(lm, seed=seed)
    stats: dict = {"construction_cost": start.cost, "construction_unassigned":
                   len(start.unassigned), "construction_s": time.perf_counter() - t0,
                   "rounds": []}

    def left() -> float:
        return time_limit_s - (time.perf_counter() - t0)

    polish = polish_share > 0 and not deterministic
    if not polish:
        rounds = 1  # without a polish, rounds would only restart the annealing schedule
    if deterministic:
        res = vrptw_lns.sisr_search(lm, start.routes, seed=seed, max_iterations=solution_limit,
                                    time_limit_s=max(0.05, left()))
        stats["rounds"].append({"lns_iterations": res.iterations, "lns_cost": res.cost})
        nodes = lm.nodes.tolist()
        return [[nodes[c] for c in r] for r in res.routes], stats
    routes = [list(r) for r in start.routes]
    best_key = vrptw_lns.plan_cost(lm, routes)
    m = None
    for rnd in range(rounds):
        # round budget: an equal share of what is left
        round_s = left() / (rounds - rnd)
        budget = round_s * (1.0 - polish_share if polish else 1.0)
        rec: dict = {}
        if budget > 0.01:
            # ``workers`` independent searches on separate cores, best kept
            # (optimizer.solvers._parallel); seeds never repeat across rounds
            res, _ = best_of(vrptw_lns.sisr_search,
                             [dict(model=lm, routes=routes, seed=seed + rnd * workers + i,
                                   time_limit_s=budget) for i in range(workers)],
                             key=lambda r: (len(r.unassigned), r.cost))
            rec.update(lns_iterations=res.iterations, lns_improvements=res.improvements,
                       lns_cost=res.cost)
            cand = [list(r) for r in res.routes]
            key = vrptw_lns.plan_cost(lm, cand)
            if key is not None and (best_key is None or key < best_key):
                routes, best_key = cand, key
        polish_s = round_s - budget
        if polish and polish_s > 0.2 and left() > 0.2:
            if m is None:
                m = _build(problem, active, objective=objective, distance_scale=distance_scale,
                           time_scale=time_scale, droppable=True)
                m.routing.solver().ReSeed(int(seed))
                m.routing.CloseModelWithParameters(
                    _params("PATH_CHEAPEST_ARC", "GUIDED_LOCAL_SEARCH", time_s=left(),
                            solutions=None, log=log, gls_lambda=gls_lambda))
            cand = _polish(m, routes, time_s=min(polish_s, left()), log=log,
                           gls_lambda=gls_lambda, n_vehicles=len(problem.vehicles))
            if cand is not None:
                key = vrptw_lns.plan_cost(lm, cand)
                rec["polish_cost"] = None if key is None else key[1]
                if key is not None and (best_key is None or key < best_key):
                    routes, best_key = cand, key
        stats["rounds"].append(rec)
    stats["lns_s"] = time.perf_counter() - t0
    nodes = lm.nodes.tolist()
    return [[nodes[c] for c in r] for r in routes], stats


def _polish(m: _Model, routes: list[list[int]], *, time_s: float, log: bool, gls_lambda: float,
            n_vehicles: int) -> list[list[int]] | None:
    """OR-Tools guided local search from ``routes`` (internal model nodes = routing nodes, as
    both models put the depots first and then ``active`` in order) for ``time_s`` seconds;
    the plan it ends with, or ``None``."""
    man, routing = m.manager, m.routing
    sp = _params("PATH_CHEAPEST_ARC", "GUIDED_LOCAL_SEARCH", time_s=time_s, solutions=None,
                 log=log, gls_lambda=gls_lambda)
    if time_s <= 0.1:
        return None
    # next variables only; the search below restores them under its own limits
    # (ReadAssignmentFromRoutes restores under the *last* search's limits, which failed on
    # Cordeau a5-40 after a short construction: see ortools_routing._from_routes)
    init = routing.solver().Assignment()
    if not routing.RoutesToAssignment([[man.NodeToIndex(c) for c in r] for r in routes],
                                      True, True, init):
        return None
    sol = routing.SolveFromAssignmentWithParameters(init, sp)
    if sol is None:
        return None
    cand = []
    for k in range(n_vehicles):
        idx = sol.Value(routing.NextVar(routing.Start(k)))
        seq = []
        while not routing.IsEnd(idx):
            seq.append(man.IndexToNode(idx))
            idx = sol.Value(routing.NextVar(idx))
        cand.append(seq)
    return cand


def _routes_from_sequences(problem: VrptwProblem, seqs: list[list[int]]
                           ) -> tuple[list[VrptwRoute], set[int]]:
    """Schedule customer sequences (problem nodes, one per vehicle): leave the depot as late as
    possible without delaying the return (:func:`~optimizer.problems.vrptw.evaluate_route`),
    then start each service as early as possible."""
    tt, dist, svc = problem.travel_time_s, problem.distance_m, problem.service_s
    routes: list[VrptwRoute] = []
    served: set[int] = set()
    for k, seq in enumerate(seqs):
        if not seq:
            continue
        veh = problem.vehicles[k]
        ev = evaluate_route(problem, k, seq)
        if not ev.feasible:  # pragma: no cover - defensive
            raise SolverError(f"internal error: route of {veh.vehicle_id!r} infeasible: "
                              f"{ev.violations[0]}")
        t = ev.departure_s
        stops = [VrptwStop("start", veh.depot, problem.node_names[veh.depot], t, t, t)]
        load = 0
        length = 0.0
        prev = veh.depot
        for c in seq:
            if c in served:  # pragma: no cover - defensive
                raise SolverError(f"internal error: customer {c} visited twice")
            served.add(c)
            arrival = t + float(tt[prev, c])
            start = max(arrival, float(problem.time_window_s[c, 0]))
            t = start + float(svc[c])
            load += int(problem.demand[c])
            length += float(dist[prev, c])
            stops.append(VrptwStop("customer", c, problem.node_names[c], arrival, start, t, load))
            prev = c
        arrival = t + float(tt[prev, veh.end_depot])
        length += float(dist[prev, veh.end_depot])
        stops.append(VrptwStop("end", veh.end_depot, problem.node_names[veh.end_depot], arrival,
                               arrival, arrival, load))
        routes.append(VrptwRoute(veh.vehicle_id, tuple(stops), length,
                                 arrival - stops[0].departure_s, load))
    return routes, served


def solve_vrptw(problem: VrptwProblem, *, time_limit_s: float = 30.0, seed: int = 0,
                objective: str = "distance", strategy: str = "portfolio",
                deterministic: bool = False, solution_limit: int = 2000,
                first_solution_strategies: tuple[str, ...] = DEFAULT_FIRST_SOLUTIONS,
                construction_share: float = 0.2, gls_lambda: float = 0.1,
                distance_scale: float = 1.0, time_scale: float = 1.0,
                log_search: bool = False, improvement: str = "gls",
                polish_share: float = DEFAULT_POLISH_SHARE,
                rounds: int = DEFAULT_ROUNDS, workers: int = 1) -> VrptwResult:
    """Plan VRPTW routes (see the module docs for the model and the search).

    Parameters
    ----------
    problem
        The instance (seconds, metres).
    time_limit_s
        Wall-time budget in seconds for the whole solve; with ``deterministic`` only a safety
        cap (guided local search never stops by itself on tiny instances where it finds no
        new solution): reproducible as long as the solution limits bind first.
    seed
        Seed of the solver's random generator (recorded; the default OR-Tools operators used
        here are deterministic for a given seed and limit).
    objective
        ``"distance"`` (distance + fixed vehicle costs) or ``"vehicles_then_distance"``.
    strategy
        ``"portfolio"`` (default: our construction + SISR + OR-Tools polish), ``"ortools"``
        (OR-Tools construction portfolio + guided local search) or ``"plain"`` (textbook
        model; benchmark anchor).
    deterministic
        Bound the search by solution counts instead of wall time (reproducible plans).
    solution_limit
        Deterministic mode: SISR iterations (``"portfolio"``) or solutions the guided local
        search may visit (``"ortools"``, ``"plain"``).
    polish_share
        ``"portfolio"``, time-limited: share of the budget left to the OR-Tools guided local
        search after SISR in each round (0 = none; :data:`DEFAULT_POLISH_SHARE`).
    rounds
        ``"portfolio"``, time-limited: SISR-then-polish rounds, each from the best plan so far
        with an equal share of the remaining budget (:data:`DEFAULT_ROUNDS`).
    workers
        ``"portfolio"``, time-limited: independent SISR searches run at once on separate cores
        in each round, the best kept (:func:`optimizer.solvers._parallel.best_of`); default 1.
    first_solution_strategies
        OR-Tools first-solution strategy names for the construction portfolio (``"ortools"``).
    construction_share
        Share of the budget given to the construction portfolio (``"ortools"``, time-limited).
    gls_lambda
        Guided local search penalty factor (OR-Tools default 0.1).
    improvement
        Improvement phase: ``"gls"`` (guided local search, default: best of the three on
        Solomon R201/RC201 at 10 s in one noisy measurement), ``"ils"`` (OR-Tools iterated
        local search: SISR ruin and recreate, simulated annealing, restarted from the best
        until time is up) or ``"gls+ils"`` (half and half).
    distance_scale
        Integer units per metre (default 1: metre resolution; Solomon truncated: 10).
    time_scale
        Integer units per second (default 1: second resolution; Solomon truncated: 10).
    log_search
        Let OR-Tools print its search log.

    Returns
    -------
    VrptwResult
        Routes with arrival / service start / departure times (seconds), unserved customers
        with reasons, status, distance, objective, vehicles used, runtime, options.

    Raises
    ------
    optimizer.errors.InputError
        On a bad option value.
    optimizer.errors.SolverError
        If OR-Tools returns an inconsistent assignment.
    """
    t0 = time.perf_counter()
    if not (time_limit_s > 0 and math.isfinite(time_limit_s)):
        raise InputError(f"time_limit_s={time_limit_s}; expected a positive number of seconds",
                         field="time_limit_s")
    if objective not in OBJECTIVES:
        raise InputError(f"objective={objective!r}; expected one of {OBJECTIVES}",
                         field="objective")
    if strategy not in _STRATEGIES:
        raise InputError(f"strategy={strategy!r}; expected one of {_STRATEGIES}",
                         field="strategy")
    firsts = tuple(first_solution_strategies)
    if not firsts or any(f not in FirstSolutionStrategy.keys() for f in firsts):  # noqa: SIM118 (protobuf enum wrapper)
        raise InputError(f"first_solution_strategies={firsts}; expected names from "
                         f"{list(FirstSolutionStrategy.keys())}",
                         field="first_solution_strategies")
    if solution_limit < 1:
        raise InputError("solution_limit must be >= 1", field="solution_limit")
    if not 0 < construction_share < 1:
        raise InputError("construction_share must be in (0, 1)", field="construction_share")
    if improvement not in ("gls", "ils", "gls+ils"):
        raise InputError(f"improvement={improvement!r}; expected 'gls', 'ils' or 'gls+ils'",
                         field="improvement")
    if not (distance_scale > 0 and time_scale > 0):
        raise InputError("distance_scale and time_scale must be > 0", field="distance_scale")
    if not 0 <= polish_share < 1:
        raise InputError("polish_share must be in [0, 1)", field="polish_share")
    if not (isinstance(rounds, int) and rounds >= 1):
        raise InputError(f"rounds={rounds!r}; expected an integer >= 1", field="rounds")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"workers={workers!r}; expected an integer >= 1", field="workers")
    params = {"time_limit_s": time_limit_s, "seed": seed, "objective": objective, "strategy": strategy,
                  "deterministic": deterministic, "solution_limit": solution_limit,
                  "first_solution_strategies": list(firsts), "construction_share": construction_share,
                  "gls_lambda": gls_lambda, "improvement": improvement,
                  "distance_scale": distance_scale, "time_scale": time_scale,
                  "polish_share": polish_share, "rounds": rounds, "workers": workers}

    unserved: dict[int, tuple[VrptwUnservedReason, str]] = {}
    active = []
    for c in problem.customers:
        why = explain_customer(problem, c)
        if why is None:
            active.append(c)
        else:
            unserved[c] = why
    routes: list[VrptwRoute] = []
    status = SolveStatus.OPTIMAL
    if active and strategy == "portfolio":
        seqs, stats = _solve_lns(problem, active, objective=objective,
                                 distance_scale=distance_scale, time_scale=time_scale,
                                 time_limit_s=time_limit_s, t0=t0, seed=seed,
                                 deterministic=deterministic, solution_limit=solution_limit,
                                 polish_share=polish_share, gls_lambda=gls_lambda,
                                 rounds=rounds, workers=workers,
                                 log=log_search)
        params["search"] = stats
        routes, served = _routes_from_sequences(problem, seqs)
        for c in active:
            if c not in served:
                unserved[c] = (VrptwUnservedReason.DROPPED_BY_SEARCH,
                               ("can be served alone, but not together with the others "
                                "within the limits (capacity or time conflicts)"))
        status = SolveStatus.PARTIAL if unserved else SolveStatus.FEASIBLE
    elif active:
        m = _build(problem, active, objective=objective, distance_scale=distance_scale,
                   time_scale=time_scale, droppable=strategy != "plain")
        m.routing.solver().ReSeed(int(seed))
        if strategy == "plain":
            sp = _params("PATH_CHEAPEST_ARC", "GUIDED_LOCAL_SEARCH",
                         time_s=max(0.05, time_limit_s - (time.perf_counter() - t0)),
                         solutions=solution_limit if deterministic else None, log=log_search)
            sol = m.routing.SolveWithParameters(sp)
        else:
            sol = _solve_portfolio(m, firsts=firsts, time_limit_s=time_limit_s, t0=t0,
                                   deterministic=deterministic, solution_limit=solution_limit,
                                   construction_share=construction_share,
                                   gls_lambda=gls_lambda, log=log_search,
                                   improvement=improvement)
        if sol is None:
            for c in active:
                unserved[c] = (VrptwUnservedReason.DROPPED_BY_SEARCH,
                               "the search found no plan within the limits")
            status = SolveStatus.NO_SOLUTION
        else:
            routes, served = _extract(problem, m, sol)
            for c in active:
                if c not in served:
                    unserved[c] = (VrptwUnservedReason.DROPPED_BY_SEARCH,
                                   ("can be served alone, but not together with the others "
                                   "within the limits (capacity or time conflicts)"))
            status = SolveStatus.PARTIAL if unserved else SolveStatus.FEASIBLE
    elif unserved:
        status = SolveStatus.PARTIAL
    dist = float(sum(r.distance_m for r in routes))
    fixed = sum(problem.vehicles[k].fixed_cost_m
                for k, v in enumerate(problem.vehicles)
                if any(r.vehicle_id == v.vehicle_id for r in routes))
    return VrptwResult(
        status=status, routes=tuple(routes),
        unserved=tuple(VrptwUnserved(c, problem.node_names[c], why, detail)
                       for c, (why, detail) in sorted(unserved.items())),
        distance_m=dist, objective=dist + fixed, vehicles_used=len(routes),
        runtime_s=time.perf_counter() - t0, params=params)


def _extract(problem: VrptwProblem, m: _Model, sol) -> tuple[list[VrptwRoute], set[int]]:
    routing, manager, tdim = m.routing, m.manager, m.time_dim
    tt, dist, svc = problem.travel_time_s, problem.distance_m, problem.service_s
    routes = []
    served: set[int] = set()
    for k, veh in enumerate(problem.vehicles):
        index = routing.Start(k)
        if routing.IsEnd(sol.Value(routing.NextVar(index))):
            continue
        seq = []
        while True:
            seq.append((m.nodes[manager.IndexToNode(index)], sol.Value(tdim.CumulVar(index)),
                        routing.IsStart(index), routing.IsEnd(index)))
            if routing.IsEnd(index):
                break
            index = sol.Value(routing.NextVar(index))
        stops: list[VrptwStop] = []
        load = 0
        length = 0.0
        for nd, cumul, is_start, is_end in seq:
            start = cumul / m.time_scale
            if is_start:
                stops.append(VrptwStop("start", nd, problem.node_names[nd], start, start, start))
                continue
            prev = stops[-1]
            arrival = prev.departure_s + float(tt[prev.node, nd])
            length += float(dist[prev.node, nd])
            start = max(start, arrival)
            if is_end:
                stops.append(VrptwStop("end", nd, problem.node_names[nd], arrival, arrival,
                                       arrival, load))
                break
            if nd in served:  # pragma: no cover - defensive
                raise SolverError(f"internal error: customer {nd} visited twice")
            served.add(nd)
            load += int(problem.demand[nd])
            stops.append(VrptwStop("customer", nd, problem.node_names[nd], arrival, start,
                                   start + float(svc[nd]), load))
        routes.append(VrptwRoute(veh.vehicle_id, tuple(stops), length,
                                 stops[-1].arrival_s - stops[0].departure_s, load))
    return routes, served
