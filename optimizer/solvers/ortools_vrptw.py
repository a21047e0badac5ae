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

``strategy="ortools"`` (the previous default): construction portfolio - each first-solution
strategy (local / parallel cheapest insertion, savings, path cheapest arc by default) followed by
greedy descent, each within a share of the budget, the best (fewest dropped, then cost) kept;
one strategy is not enough: PATH_CHEAPEST_ARC finds no solution on Solomon R101/RC101 (project
solver notes) - then guided local search for the rest of the budget (or OR-Tools' iterated local
search, ``improvement="ils"``, or both).

``strategy="plain"`` is the textbook model kept as the benchmark anchor: PATH_CHEAPEST_ARC +
guided local search, customers *not* droppable (if the search finds nothing, every customer
is reported ``DROPPED_BY_SEARCH`` and the status is ``NO_SOLUTION``).

Stopping: work limits or the wall clock
---------------------------------------
Time mode (``deterministic=False``, the benchmarks' setting) is described above: every phase
runs against ``time_limit_s`` of wall time. Work mode (``deterministic=True``, what
:func:`vrptw_options` gives for a scenario's ``solver.stop: work``) stops every phase on a
work limit and keeps the wall clock only as a safety cap (``wall_clock_cap_s``, default
3 x ``time_limit_s``): ``"portfolio"`` runs ``searches`` SISR searches of ``solution_limit``
iterations each (default ``time_limit_s`` x :data:`SISR_ITERATIONS_PER_S`; seeds
``seed + i``, the best kept, ties to the lower seed, so the plan does not depend on
``workers``), with an OR-Tools polish of ``polish_solutions`` solutions only when that is given;
``"ortools"`` and ``"plain"`` bound guided local search by ``solution_limit`` solutions (default
derived at :data:`VRPTW_GLS_SOLUTIONS_PER_S`). The result's ``search`` record says whether a
work limit or the wall clock stopped it; the same problem, seed and options give the same plan
whenever the work limits bind first.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optimizer.errors import InputError, SolverError
from optimizer.problems.vrptw import (
    OBJECTIVES,
    VrptwProblem,
    VrptwResult,
    VrptwRoute,
    VrptwStop,
    VrptwUnserved,
    VrptwUnservedReason,
    evaluate_route,
    explain_customer,
)
from optimizer.results import SearchRecord, SolveStatus, StopCause
from optimizer.solvers._compat import (
    FirstSolutionStrategy,
    routing_enums,
    routing_wrapper,
    search_parameters,
)
from optimizer.solvers.params import DEFAULT_CAP_FACTOR, SolverParams
from optimizer.units import check_scale

__all__ = ["DEFAULT_FIRST_SOLUTIONS", "DEFAULT_POLISH_SHARE", "DEFAULT_ROUNDS", "SISR_ITERATIONS_PER_S",
           "SISR_SIZE_EXPONENT", "SISR_SIZE_REF", "VRPTW_GLS_SOLUTIONS_PER_S", "sisr_rate",
           "solve_vrptw", "vrptw_options"]

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


# ------------------------------------------------------------------ options and work limits
SISR_ITERATIONS_PER_S = 12000.0
"""SISR ruin-and-recreate iterations per second of one search (one process), compiled engine
(:mod:`optimizer.solvers._sisr_jit`).

Measured on the reference 2-core machine loaded by other jobs (load average 3-7): Putuo lunch
rounds (vehicles then distance, 48-200 stops, the baseline's budgets of 1 ms per stop)
10,900-22,000/s, 13,500/s over the ten canteens, whole ``sisr_search`` calls (model arrays and
neighbour lists included); Solomon C101 ... RC201 (distance, 100 customers, 3 s each)
25,400-43,500/s. The Python engine ran 1,700-3,000/s in the same run (the basis of the former
4,000/s was 3,300-6,800/s on a quieter machine).
Commands: BENCHMARKS.md, "SISR iterations per second"."""

SISR_SIZE_REF = 800
"""Customers up to which :data:`SISR_ITERATIONS_PER_S` holds; above, the rate falls like
``(SISR_SIZE_REF / n) ** SISR_SIZE_EXPONENT``."""

SISR_SIZE_EXPONENT = 2.3
"""Fall of the compiled SISR rate above :data:`SISR_SIZE_REF` customers: each iteration
re-inserts its removed customers over more routes and positions. Measured on the quiet reference
machine (2026-12-04 20:40 UTC) on the lunch rounds of the 10 x main job (483-1,800 stops,
104-365 couriers; one search each): 483 and 578 stops 19,300-20,200/s, 1,000 stops 7,300/s,
1,200 stops 3,600-5,400/s, 1,500 stops 2,200-2,700/s, 1,800 stops 1,900/s; the law gives
12,000, 7,200, 4,700, 2,800 and 1,900/s. At 12,000/s for every size the rounds of 1,500-1,800
stops ran 4-6 x their budget and two of them were cut by their wall-clock caps. Command:
``python -m benchmarks.sisr_rate --scenario scenarios/putuo-10x.yaml --out /tmp/x10m``."""


def sisr_rate(n_customers: int) -> float:
    """Work-mode SISR iterations per second of budget for ``n_customers`` customers:
    :data:`SISR_ITERATIONS_PER_S` up to :data:`SISR_SIZE_REF`, then falling like ``n **
    -``:data:`SISR_SIZE_EXPONENT`.

    Examples
    --------
    >>> sisr_rate(100), sisr_rate(800), round(sisr_rate(1600))
    (12000.0, 12000.0, 2437)
    """
    if n_customers <= SISR_SIZE_REF:
        return SISR_ITERATIONS_PER_S
    return SISR_ITERATIONS_PER_S * (SISR_SIZE_REF / n_customers) ** SISR_SIZE_EXPONENT


VRPTW_GLS_SOLUTIONS_PER_S = 40.0
"""OR-Tools guided-local-search solutions per second of the polish after SISR (100 customers).
Measured (2 s after 2 s of SISR, loaded machine): C101 24/s, R101 23/s, R201 62/s, RC201
79/s. Command: ``PYTHONPATH=. python /tmp/probe/solvers_vrptw_gls.py 2 C101 R101 R201 RC201``."""


def _units(x: float) -> int:
    """``x`` rounded half up (as :meth:`optimizer.solvers.params.SolverParams.work`)."""
    return int(math.floor(x + 0.5 + 1e-9))  # 1e-9: 0.9 x 0.1 x 50 is 4.4999... in floats


@dataclass(frozen=True)
class _Opts:
    """The validated options of one :func:`solve_vrptw` call."""

    time_limit_s: float
    seed: int
    objective: str
    strategy: str
    deterministic: bool
    wall_clock_cap_s: float | None
    solution_limit: int | None
    polish_solutions: int | None
    firsts: tuple[str, ...]
    construction_share: float
    gls_lambda: float
    distance_scale: float
    time_scale: float
    log: bool
    improvement: str
    polish_share: float
    rounds: int
    workers: int
    searches: int | None
    n_customers: int = 0

    @property
    def cap_s(self) -> float:
        """Wall-clock limit: ``time_limit_s`` in time mode, the safety cap in work mode."""
        if not self.deterministic:
            return self.time_limit_s
        if self.wall_clock_cap_s is not None:
            return self.wall_clock_cap_s
        return self.time_limit_s * DEFAULT_CAP_FACTOR

    @property
    def n_searches(self) -> int:
        return self.workers if self.searches is None else self.searches

    @property
    def polish(self) -> bool:
        """Whether rounds end with an OR-Tools polish: time mode with ``polish_share > 0``;
        work mode only with an explicit ``polish_solutions`` (guided local search does not stop
        by itself on small instances where it finds no new solution, so a derived solution
        limit could leave the search to the wall clock)."""
        if self.deterministic:
            return self.polish_solutions is not None and self.polish_share > 0
        return self.polish_share > 0

    @property
    def n_rounds(self) -> int:
        # without a polish, rounds would only restart the annealing schedule
        return self.rounds if self.polish else 1

    def sisr_iterations(self) -> int:
        """Work mode: SISR iterations per search and round (``solution_limit``, or the SISR
        share of a round of ``time_limit_s`` at :func:`sisr_rate` of the customers)."""
        if self.solution_limit is not None:
            return self.solution_limit
        share = (1.0 - self.polish_share if self.polish else 1.0) / self.n_rounds
        return max(1, _units(self.time_limit_s * share * sisr_rate(self.n_customers)))

    def polish_limit(self) -> int:
        """Work mode: guided-local-search solutions of each polish (the first is its start)."""
        return int(self.polish_solutions or 0)

    def gls_limit(self) -> int:
        """Work mode, ``"ortools"`` and ``"plain"``: guided-local-search solutions."""
        if self.solution_limit is not None:
            return self.solution_limit
        return max(2, _units(self.time_limit_s * (1.0 - self.construction_share)
                             * VRPTW_GLS_SOLUTIONS_PER_S))

    def to_dict(self) -> dict:
        return {"time_limit_s": self.time_limit_s, "seed": self.seed,
                "objective": self.objective, "strategy": self.strategy,
                "deterministic": self.deterministic, "wall_clock_cap_s": self.cap_s,
                "solution_limit": self.solution_limit,
                "first_solution_strategies": list(self.firsts),
                "construction_share": self.construction_share, "gls_lambda": self.gls_lambda,
                "improvement": self.improvement, "distance_scale": self.distance_scale,
                "time_scale": self.time_scale, "polish_share": self.polish_share,
                "rounds": self.rounds, "workers": self.workers, "searches": self.n_searches}


def _whole(value: Any, name: str, low: int, *, none_ok: bool = False) -> None:
    if value is None and none_ok:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InputError(f"{name}={value!r}; expected a whole number >= {low}", field=name)


def _check(o: _Opts) -> None:
    """Raise :class:`InputError` on a bad option of :func:`solve_vrptw`."""
    for name, v in (("time_limit_s", o.time_limit_s), ("wall_clock_cap_s", o.wall_clock_cap_s)):
        if (v is not None or name == "time_limit_s") and not (v > 0 and math.isfinite(v)):
            raise InputError(f"{name}={v}; expected a positive number of seconds", field=name)
    if o.objective not in OBJECTIVES:
        raise InputError(f"objective={o.objective!r}; expected one of {OBJECTIVES}",
                         field="objective")
    if o.strategy not in _STRATEGIES:
        raise InputError(f"strategy={o.strategy!r}; expected one of {_STRATEGIES}",
                         field="strategy")
    if not o.firsts or any(f not in FirstSolutionStrategy.keys() for f in o.firsts):  # noqa: SIM118 (protobuf enum wrapper)
        raise InputError(f"first_solution_strategies={o.firsts}; expected names from "
                         f"{list(FirstSolutionStrategy.keys())}",
                         field="first_solution_strategies")
    _whole(o.solution_limit, "solution_limit", 1, none_ok=True)
    _whole(o.polish_solutions, "polish_solutions", 1, none_ok=True)
    if not 0 < o.construction_share < 1:
        raise InputError("construction_share must be in (0, 1)", field="construction_share")
    if o.improvement not in ("gls", "ils", "gls+ils"):
        raise InputError(f"improvement={o.improvement!r}; expected 'gls', 'ils' or 'gls+ils'",
                         field="improvement")
    if not (o.distance_scale > 0 and o.time_scale > 0):
        raise InputError("distance_scale and time_scale must be > 0", field="distance_scale")
    if not 0 <= o.polish_share < 1:
        raise InputError("polish_share must be in [0, 1)", field="polish_share")
    _whole(o.rounds, "rounds", 1)
    _whole(o.workers, "workers", 1)
    _whole(o.searches, "searches", 1, none_ok=True)


def vrptw_options(solver: SolverParams, *, budget_s: float | None = None,
                  searches: int | None = None) -> dict[str, Any]:
    """Keyword options of :func:`solve_vrptw` for a scenario's ``solver:`` section.

    The meal service's lunch rounds call, for each canteen::

        solve_vrptw(prob, objective="vehicles_then_distance", polish_share=0.0,
                    **vrptw_options(ctx.solver, budget_s=budget, searches=1))

    with ``budget = min(rounds limit, ROUND_SECONDS_PER_STOP x stops)`` as today. Work mode
    (``solver.stop == "work"``): ``deterministic=True``, the SISR iterations derived from
    ``budget_s`` at :data:`SISR_ITERATIONS_PER_S` (4 per stop at 1 ms per stop), and the safety
    cap ``budget_s x solver.cap_s / solver.time_limit_s``. Time mode: ``budget_s`` of wall
    time. One search per canteen (``searches=1``) is the recommended setting for budgets under
    a second: a worker process costs about 0.3 s to start.

    Parameters
    ----------
    solver
        The scenario's :class:`~optimizer.solvers.params.SolverParams`.
    budget_s
        Budget of this solve, seconds (``None`` = ``solver.time_limit_s``).
    searches
        Independent SISR searches (``None`` = ``solver.searches``); they run on
        ``min(solver.workers, searches)`` processes.

    Returns
    -------
    dict
        ``time_limit_s``, ``seed``, ``deterministic``, ``wall_clock_cap_s``, ``searches``,
        ``workers``.

    Raises
    ------
    optimizer.errors.InputError
        If ``budget_s`` is not a positive number of seconds or ``searches < 1``.

    Examples
    --------
    >>> from optimizer.solvers.params import SolverParams
    >>> o = vrptw_options(SolverParams(time_limit_s=10), budget_s=0.2, searches=1)
    >>> (o["deterministic"], o["time_limit_s"], o["wall_clock_cap_s"], o["workers"])
    (True, 0.2, 1.2, 1)
    """
    budget = float(solver.time_limit_s if budget_s is None else budget_s)
    if not (budget > 0 and math.isfinite(budget)):
        raise InputError(f"budget_s={budget_s!r}; expected a positive number of seconds",
                         field="budget_s")
    n = int(solver.searches if searches is None else searches)
    _whole(n, "searches", 1)
    cap = budget * solver.cap_s / float(solver.time_limit_s)
    return {"time_limit_s": budget, "seed": int(solver.seed),
            "deterministic": solver.deterministic,
            "wall_clock_cap_s": round(cap, 6) if solver.deterministic else None,
            "searches": n, "workers": max(1, min(int(solver.workers), n))}


class _Clock:
    """Wall time left of a solve and whether a work-limited phase was cut by it."""

    def __init__(self, o: _Opts, t0: float) -> None:
        self.o, self.t0 = o, t0
        self.capped = False

    def left(self) -> float:
        return self.o.cap_s - (time.perf_counter() - self.t0)


# --------------------------------------------------------------------------- searches
def _construct_ortools(m: _Model, o: _Opts, clock: _Clock):
    """OR-Tools construction portfolio (``"ortools"``): each strategy then greedy descent."""
    routing = m.routing
    best = best_key = None
    for first in o.firsts:
        if o.deterministic:
            sp = _params(first, "GREEDY_DESCENT", time_s=max(0.05, clock.left()),
                         solutions=None, log=o.log)
        else:
            if clock.left() <= 0.05:
                break
            share = o.time_limit_s * o.construction_share / len(o.firsts)
            sp = _params(first, "GREEDY_DESCENT", time_s=min(share, clock.left()),
                         solutions=None, log=o.log)
        sol = routing.SolveWithParameters(sp)
        if sol is None:
            continue
        key = _key(m, sol)
        if best_key is None or key < best_key:
            best, best_key = routing.solver().Assignment(sol), key
    return best, best_key


def _improve_ortools(m: _Model, o: _Opts, clock: _Clock, best, best_key):
    """Guided local search and/or OR-Tools' iterated local search from ``best``."""
    routing = m.routing

    def better(sol) -> bool:
        return sol is not None and _key(m, sol) <= best_key

    gls, ils = o.improvement in ("gls", "gls+ils"), o.improvement in ("ils", "gls+ils")
    if o.deterministic:
        # guided local search never stops by itself when it finds no new solution (tiny
        # instances): the wall clock stays a safety cap
        for use, meta in ((gls, "GUIDED_LOCAL_SEARCH"), (ils, "GREEDY_DESCENT")):
            if use and clock.left() > 0.05:
                sp = _params(o.firsts[0], meta, time_s=clock.left(), solutions=o.gls_limit(),
                             log=o.log, gls_lambda=o.gls_lambda if meta != "GREEDY_DESCENT"
                             else None)
                if meta == "GREEDY_DESCENT":
                    _set_ils(sp)
                sol = routing.SolveFromAssignmentWithParameters(best, sp)
                if better(sol):
                    best, best_key = routing.solver().Assignment(sol), _key(m, sol)
        return best
    if gls and clock.left() > 0.05:
        share = 1.0 if o.improvement == "gls" else 0.5
        sp = _params(o.firsts[0], "GUIDED_LOCAL_SEARCH", time_s=clock.left() * share,
                     solutions=None, log=o.log, gls_lambda=o.gls_lambda)
        sol = routing.SolveFromAssignmentWithParameters(best, sp)
        if better(sol):
            best, best_key = routing.solver().Assignment(sol), _key(m, sol)
    while ils and clock.left() > 0.1:
        # the iterated local search may stop on its own: restart it from the best plan
        sp = _params(o.firsts[0], "GREEDY_DESCENT", time_s=clock.left(), solutions=None,
                     log=o.log)
        _set_ils(sp)
        sol = routing.SolveFromAssignmentWithParameters(best, sp)
        if sol is None:
            break
        if better(sol):
            best, best_key = routing.solver().Assignment(sol), _key(m, sol)
    return best


def _solve_ortools(problem: VrptwProblem, active: list[int], o: _Opts, clock: _Clock):
    """``"ortools"`` and ``"plain"`` strategies: the OR-Tools model and its search; the
    model and the assignment (or ``None``)."""
    m = _build(problem, active, objective=o.objective, distance_scale=o.distance_scale,
               time_scale=o.time_scale, droppable=o.strategy != "plain")
    m.routing.solver().ReSeed(int(o.seed))
    if o.strategy == "plain":
        sp = _params("PATH_CHEAPEST_ARC", "GUIDED_LOCAL_SEARCH",
                     time_s=max(0.05, clock.left()),
                     solutions=o.gls_limit() if o.deterministic else None, log=o.log)
        return m, m.routing.SolveWithParameters(sp)
    best, best_key = _construct_ortools(m, o, clock)
    if best is None:
        return m, None
    return m, _improve_ortools(m, o, clock, best, best_key)


def _sisr_round(lm, routes: list[list[int]], o: _Opts, clock: _Clock, rnd: int,
                budget_s: float):
    """One portfolio of SISR searches from ``routes`` (seeds never repeat across rounds):
    work mode ``o.sisr_iterations()`` each, time mode ``budget_s`` of wall time; the best
    result, or ``None`` when there is no time for it."""
    from optimizer.solvers import vrptw_lns
    from optimizer.solvers._parallel import best_of

    n = o.n_searches
    if o.deterministic:
        its = o.sisr_iterations()
        if clock.left() <= 0.01:
            clock.capped = True
            return None
        calls = [dict(model=lm, routes=routes, seed=o.seed + rnd * n + i,
                      max_iterations=its, time_limit_s=max(0.01, clock.left()))
                 for i in range(n)]
        res, results = best_of(vrptw_lns.sisr_search, calls,
                               key=lambda r: (len(r.unassigned), r.cost),
                               processes=min(o.workers, n), split_time=False)
        if min(r.iterations for r in results) < its:
            clock.capped = True
        return res, sum(r.iterations for r in results)
    if budget_s <= 0.01:
        return None
    calls = [dict(model=lm, routes=routes, seed=o.seed + rnd * n + i, time_limit_s=budget_s)
             for i in range(n)]
    res, results = best_of(vrptw_lns.sisr_search, calls,
                           key=lambda r: (len(r.unassigned), r.cost),
                           processes=min(o.workers, n))
    return res, sum(r.iterations for r in results)


def _polish_round(problem: VrptwProblem, active: list[int], o: _Opts, clock: _Clock,
                  m: _Model | None, routes: list[list[int]], polish_s: float):
    """OR-Tools guided-local-search polish from ``routes`` (the model is built once);
    ``(model, plan or None, solutions)``."""
    if o.deterministic and clock.left() <= 0.2:
        clock.capped = True
        return m, None, 0
    if not o.deterministic and not (polish_s > 0.2 and clock.left() > 0.2):
        return m, None, 0
    if m is None:
        m = _build(problem, active, objective=o.objective, distance_scale=o.distance_scale,
                   time_scale=o.time_scale, droppable=True)
        m.routing.solver().ReSeed(int(o.seed))
        m.routing.CloseModelWithParameters(
            _params("PATH_CHEAPEST_ARC", "GUIDED_LOCAL_SEARCH", time_s=clock.left(),
                    solutions=None, log=o.log, gls_lambda=o.gls_lambda))
        if o.deterministic:
            m.keep.append(_Counter())
            m.routing.AddAtSolutionCallback(m.keep[-1])
    limit = o.polish_limit() if o.deterministic else None
    if o.deterministic:
        m.keep[-1].n = 0
    cand = _polish(m, routes, time_s=clock.left() if o.deterministic
                   else min(polish_s, clock.left()), log=o.log, gls_lambda=o.gls_lambda,
                   n_vehicles=len(problem.vehicles), solutions=limit)
    done = m.keep[-1].n if o.deterministic else 0
    if o.deterministic and done < limit and m.routing.status() in _CUT:
        clock.capped = True
    return m, cand, done


class _Counter:
    """Solution callback counting OR-Tools solutions (``n``)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> None:
        self.n += 1


_CUT = (routing_enums.RoutingSearchStatus.ROUTING_PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED,
        routing_enums.RoutingSearchStatus.ROUTING_FAIL_TIMEOUT)
"""Routing statuses of a search stopped by a limit."""


def _solve_lns(problem: VrptwProblem, active: list[int], o: _Opts, clock: _Clock
               ) -> tuple[list[list[int]], dict]:
    """Our construction + SISR (:mod:`optimizer.solvers.vrptw_lns`), then an optional OR-Tools
    guided-local-search polish, ``rounds`` times (each round starts from the best plan so far);
    returns problem-node sequences per vehicle and statistics (``rounds``: per round the SISR
    iterations and costs; ``sisr_iterations`` / ``polish_solutions``: totals)."""
    from optimizer.solvers import vrptw_lns

    lm = vrptw_lns.build_model(problem, active, objective=o.objective,
                               distance_scale=o.distance_scale, time_scale=o.time_scale)
    start = vrptw_lns.construct(lm, seed=o.seed)
    stats: dict = {"construction_cost": start.cost, "construction_unassigned":
                   len(start.unassigned), "construction_s": time.perf_counter() - clock.t0,
                   "rounds": [], "sisr_iterations": 0, "polish_solutions": 0}
    routes = [list(r) for r in start.routes]
    best_key = vrptw_lns.plan_cost(lm, routes)
    m = None
    rounds = o.n_rounds
    for rnd in range(rounds):
        # round budget (time mode): an equal share of what is left
        round_s = clock.left() / (rounds - rnd)
        budget = round_s * (1.0 - o.polish_share if o.polish else 1.0)
        rec: dict = {}
        got = _sisr_round(lm, routes, o, clock, rnd, budget)
        if got is not None:
            res, its = got
            stats["sisr_iterations"] += its
            rec.update(lns_iterations=res.iterations, lns_improvements=res.improvements,
                       lns_cost=res.cost)
            cand = [list(r) for r in res.routes]
            key = vrptw_lns.plan_cost(lm, cand)
            if key is not None and (best_key is None or key < best_key):
                routes, best_key = cand, key
        if o.polish:
            m, cand, done = _polish_round(problem, active, o, clock, m, routes, round_s - budget)
            stats["polish_solutions"] += done
            if cand is not None:
                key = vrptw_lns.plan_cost(lm, cand)
                rec["polish_cost"] = None if key is None else key[1]
                if key is not None and (best_key is None or key < best_key):
                    routes, best_key = cand, key
        stats["rounds"].append(rec)
    stats["lns_s"] = time.perf_counter() - clock.t0
    nodes = lm.nodes.tolist()
    return [[nodes[c] for c in r] for r in routes], stats


def _polish(m: _Model, routes: list[list[int]], *, time_s: float, log: bool, gls_lambda: float,
            n_vehicles: int, solutions: int | None = None) -> list[list[int]] | None:
    """OR-Tools guided local search from ``routes`` (internal model nodes = routing nodes, as
    both models put the depots first and then ``active`` in order) for ``time_s`` seconds (and
    at most ``solutions`` solutions); the plan it ends with, or ``None``."""
    man, routing = m.manager, m.routing
    sp = _params("PATH_CHEAPEST_ARC", "GUIDED_LOCAL_SEARCH", time_s=time_s, solutions=solutions,
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


def _vrptw_record(o: _Opts, clock: _Clock | None, stats: dict | None,
                  runtime_s: float) -> SearchRecord:
    """What bounded the search (see :class:`optimizer.results.SearchRecord`)."""
    if clock is None:
        return SearchRecord("vrptw", StopCause.NOT_RUN, runtime_s=runtime_s)
    if not o.deterministic:
        return SearchRecord("vrptw", StopCause.WALL_CLOCK, wall_clock_cap_s=o.cap_s,
                            runtime_s=runtime_s)
    if o.strategy == "portfolio":
        rounds = o.n_rounds
        per = f"{rounds} x " if rounds > 1 else ""
        limit = f"{per}{o.n_searches} x {o.sisr_iterations()} SISR iterations"
        done = f"{stats['sisr_iterations']} SISR iterations"
        if o.polish:
            limit += f", {rounds} x {o.polish_limit()} GLS solutions"
            done += f", {stats['polish_solutions']} GLS solutions"
    else:
        limit, done = f"{o.gls_limit()} GLS solutions", ""
    return SearchRecord("vrptw", StopCause.WALL_CLOCK if clock.capped else StopCause.WORK_LIMIT,
                        limit, done, wall_clock_cap_s=o.cap_s, runtime_s=runtime_s)


_DROPPED = ("can be served alone, but not together with the others within the limits "
            "(capacity or time conflicts)")


def _plan(problem: VrptwProblem, active: list[int], o: _Opts, clock: _Clock,
          unserved: dict[int, tuple[VrptwUnservedReason, str]], params: dict
          ) -> tuple[list[VrptwRoute], SolveStatus, dict | None]:
    """Search, then routes, status and statistics; adds the customers left out to
    ``unserved``."""
    if o.strategy == "portfolio":
        seqs, stats = _solve_lns(problem, active, o, clock)
        params["search"] = stats
        routes, served = _routes_from_sequences(problem, seqs)
    else:
        stats = None
        m, sol = _solve_ortools(problem, active, o, clock)
        if o.deterministic and clock.left() <= 0.05:
            clock.capped = True
        if sol is None:
            for c in active:
                unserved[c] = (VrptwUnservedReason.DROPPED_BY_SEARCH,
                               "the search found no plan within the limits")
            return [], SolveStatus.NO_SOLUTION, stats
        routes, served = _extract(problem, m, sol)
    for c in active:
        if c not in served:
            unserved[c] = (VrptwUnservedReason.DROPPED_BY_SEARCH, _DROPPED)
    return routes, SolveStatus.PARTIAL if unserved else SolveStatus.FEASIBLE, stats


def solve_vrptw(problem: VrptwProblem, *, time_limit_s: float = 30.0, seed: int = 0,
                objective: str = "distance", strategy: str = "portfolio",
                deterministic: bool = False, wall_clock_cap_s: float | None = None,
                solution_limit: int | None = None, polish_solutions: int | None = None,
                first_solution_strategies: tuple[str, ...] = DEFAULT_FIRST_SOLUTIONS,
                construction_share: float = 0.2, gls_lambda: float = 0.1,
                distance_scale: float = 1.0, time_scale: float = 1.0,
                log_search: bool = False, improvement: str = "gls",
                polish_share: float = DEFAULT_POLISH_SHARE,
                rounds: int = DEFAULT_ROUNDS, workers: int = 1,
                searches: int | None = None) -> VrptwResult:
    """Plan VRPTW routes (see the module docs for the model and the search); for a scenario,
    pass :func:`vrptw_options` (work or time mode from the ``solver:`` section).

    Parameters
    ----------
    problem
        The instance (seconds, metres).
    time_limit_s
        Time mode: wall-time budget in seconds for the whole solve. Work mode
        (``deterministic``): the budget the work limits are derived from.
    seed
        Seed of the random generators; search ``i`` of round ``r`` uses
        ``seed + r x searches + i``.
    objective
        ``"distance"`` (distance + fixed vehicle costs) or ``"vehicles_then_distance"``.
    strategy
        ``"portfolio"`` (default: our construction + SISR + OR-Tools polish), ``"ortools"``
        (OR-Tools construction portfolio + guided local search) or ``"plain"`` (textbook
        model; benchmark anchor).
    deterministic
        Work mode: stop on work limits, the wall clock only as a safety cap (reproducible).
    wall_clock_cap_s
        Work mode: the safety cap, seconds (``None`` =
        :data:`optimizer.solvers.params.DEFAULT_CAP_FACTOR` x ``time_limit_s``).
    solution_limit
        Work mode: SISR iterations per search and round (``"portfolio"``; ``None`` =
        ``time_limit_s`` x :data:`SISR_ITERATIONS_PER_S` x the SISR share of the round) or
        guided-local-search solutions (``"ortools"``, ``"plain"``; ``None`` = derived at
        :data:`VRPTW_GLS_SOLUTIONS_PER_S`).
    polish_solutions
        Work mode, ``"portfolio"``: guided-local-search solutions of each polish; ``None``
        (default) = no polish in work mode (one SISR round on the whole budget, as before).
    polish_share
        ``"portfolio"``: share of each round given to the OR-Tools guided local search after
        SISR (0 = none, one round; :data:`DEFAULT_POLISH_SHARE`); time mode, or work mode
        with ``polish_solutions``.
    rounds
        ``"portfolio"`` with a polish: SISR-then-polish rounds, each from the best plan so far
        with an equal share of the remaining budget (:data:`DEFAULT_ROUNDS`).
    workers
        Processes that run the SISR searches of a round at once (this one included); changes
        the wall time, never a work-limited plan. Default 1.
    searches
        Independent SISR searches per round, the best kept
        (:func:`optimizer.solvers._parallel.best_of`); ``None`` = ``workers``.
    first_solution_strategies
        OR-Tools first-solution strategy names for the construction portfolio (``"ortools"``).
    construction_share
        Share of the budget given to the construction portfolio (``"ortools"``, time mode).
    gls_lambda
        Guided local search penalty factor (OR-Tools default 0.1).
    improvement
        ``"ortools"``: ``"gls"`` (guided local search, default: best of the three on Solomon
        R201/RC201 at 10 s in one noisy measurement), ``"ils"`` (OR-Tools iterated local
        search, restarted from the best until time is up) or ``"gls+ils"`` (half and half).
    distance_scale, time_scale
        Integer units per metre and per second (default 1; Solomon truncated: 10 and 10).
    log_search
        Let OR-Tools print its search log.

    Returns
    -------
    VrptwResult
        Routes with arrival / service start / departure times (seconds), unserved customers
        with reasons, status, distance, objective, vehicles used, runtime, options, and the
        search record (what stopped the search).

    Raises
    ------
    optimizer.errors.InputError
        On a bad option value.
    optimizer.errors.SolverError
        If OR-Tools returns an inconsistent assignment.
    """
    t0 = t_wall = time.perf_counter()
    o = _Opts(float(time_limit_s), seed, objective, strategy, bool(deterministic),
              None if wall_clock_cap_s is None else float(wall_clock_cap_s), solution_limit,
              polish_solutions, tuple(first_solution_strategies), construction_share,
              gls_lambda, distance_scale, time_scale, log_search, improvement, polish_share,
              rounds, workers, searches, len(problem.customers))
    _check(o)
    params = o.to_dict()
    unserved = {c: why for c in problem.customers
                if (why := explain_customer(problem, c)) is not None}
    active = [c for c in problem.customers if c not in unserved]
    routes: list[VrptwRoute] = []
    status = SolveStatus.PARTIAL if unserved else SolveStatus.OPTIMAL
    clock = stats = None
    if active:
        if o.strategy == "portfolio":  # compiled SISR kernels: loading is not search time
            from optimizer.solvers import vrptw_lns

            t0 += vrptw_lns.warm_up()
        clock = _Clock(o, t0)
        routes, status, stats = _plan(problem, active, o, clock, unserved, params)
    dist = float(sum(r.distance_m for r in routes))
    used = {r.vehicle_id for r in routes}
    fixed = sum(v.fixed_cost_m for v in problem.vehicles if v.vehicle_id in used)
    runtime = time.perf_counter() - t_wall
    return VrptwResult(
        status=status, routes=tuple(routes),
        unserved=tuple(VrptwUnserved(c, problem.node_names[c], why, detail)
                       for c, (why, detail) in sorted(unserved.items())),
        distance_m=dist, objective=dist + fixed, vehicles_used=len(routes),
        runtime_s=runtime, params=params, search=_vrptw_record(o, clock, stats, runtime))


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
