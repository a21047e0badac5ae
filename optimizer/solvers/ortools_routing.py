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

Stopping: work limits or the wall clock
---------------------------------------
With ``deterministic=False`` (time mode, the benchmarks' setting) every phase runs against the
wall clock: the construction gets ``construction_share`` of ``time_limit_s``, our search
``lns_share`` of what is left, guided local search the rest. Two runs may return different
plans (machine load).

With ``deterministic=True`` (work mode, what :func:`darp_params` gives for a scenario's
``solver.stop: work``) every phase stops on a work limit instead, derived from ``time_limit_s``
and the number of requests ``R`` at rates measured on the reference machine
(:data:`DARP_CONSTRUCTION_SOLUTIONS_PER_S`, :data:`DARP_LNS_WORK_PER_S`,
:data:`DARP_GLS_SOLUTIONS_PER_S`; see :func:`work_limits`) with the same shares as time mode:
OR-Tools solutions per first-solution strategy, estimated work per ruin-and-recreate search
(counted in the search's elementary steps, :data:`optimizer.solvers.darp_lns.WORK_NS`; the
annealing follows the work), and guided-local-search solutions. The wall clock only cuts a
search as a safety cap (``wall_clock_cap_s``, default 3 x ``time_limit_s``); the result then
says so (``DarpResult.search.stopped_by == StopCause.WALL_CLOCK``). Otherwise the same problem,
seed and parameters give the same plan on any machine and with any number of ``workers``
(``searches`` fixes the portfolio; ties go to the lower seed). Explicit
``construction_solutions``, ``lns_iterations`` and ``solution_limit`` override the derived
limits.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
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
from optimizer.results import SearchRecord, StopCause
from optimizer.solvers._compat import (
    HAS_PICKUP_DELIVERY_LIMITS,
    FirstSolutionStrategy,
    routing_enums,
    routing_wrapper,
    search_parameters,
    set_allowed_vehicles,
)
from optimizer.solvers.checker import route_schedule
from optimizer.solvers.darp_lns import LnsInstance, lns_improve_parallel
from optimizer.solvers.params import DEFAULT_CAP_FACTOR, SolverParams
from optimizer.units import TIME_UNIT_S, check_scale

__all__ = ["DARP_CONSTRUCTION_SOLUTIONS_PER_S", "DARP_GLS_SOLUTIONS_PER_S", "DARP_LNS_WORK_PER_S",
           "SolveParams", "WorkLimits", "darp_params", "explain_request", "solve_darp",
           "tighten_windows", "work_limits"]

_STRATEGIES = ("portfolio", "plain")
_FIRST = ("PARALLEL_CHEAPEST_INSERTION", "LOCAL_CHEAPEST_INSERTION",
          "SEQUENTIAL_CHEAPEST_INSERTION", "PATH_CHEAPEST_ARC")

# ------------------------------------------------------------------ work rates (work mode)
DARP_CONSTRUCTION_SOLUTIONS_PER_S = 36.0
"""OR-Tools solutions per second of one construction (first solution, then greedy descent).

Measured on the reference 2-core machine (OR-Tools 9.15, nothing else running), the slowest
case: on the Putuo 1 x day (152 legs in the model, 10 vehicles) the four strategies' 4 x 15
solutions took 1.7-1.8 s (34 per second; Cordeau a8-96: 0.7-0.8 s, a5-40: 0.3 s), so 36 per
second gives the 1 x day's construction about its 1 s share (``construction_share`` 0.1 of
10 s). Command: the per-phase probe ``/tmp/probe/phases.py /tmp/scale/k1/scenario.yaml --stop
work`` of this change (times each phase of ``solve_darp``). Earlier (session 3, 106 legs):
60 per second. Not scaled by size: the construction is a small share of the budget."""

DARP_LNS_WORK_PER_S = 0.95
"""Estimated work (seconds of :data:`optimizer.solvers.darp_lns.WORK_NS`) given to each
ruin-and-recreate search per second of its budget.

Below 1 because the searches of a portfolio run side by side on the two cores and start a
worker process, and each then runs slower than alone: on the Putuo 1 x day (152 legs, 2
searches on 2 processes, nothing else running) two searches of 6.48 s of estimated work each
took 6.5-7.7 s of wall time side by side, where one search alone takes about 0.8 of its
estimate (``/tmp/probe/rate3.py``: 0.65-0.91 over the 16 fitted instances). Calibrated so the
whole 1 x solve (construction, both searches, guided local search) ends near ``time_limit_s``
on the quiet reference machine; the work is the same on every machine, only its wall time
differs. Command: ``python -m benchmarks.run_darp_scale /tmp/scale/k1/scenario.yaml --stop
work`` (BENCHMARKS.md, the day at 1 x, 3 x and 10 x)."""

DARP_GLS_SOLUTIONS_PER_S = 5.0
"""Guided-local-search solutions per second at 100 requests (scaled by ``(100 / R) **``
:data:`DARP_SIZE_EXPONENT`). Measured after 4 s of our search: Putuo 30 solutions in 4.2 s,
a8-96 30 in 6.8 s, a5-40 30 in 0.9 s; none of the three improved on our search's plan, so the
guided local search keeps only its time-mode share (``1 - lns_share``). Command:
``PYTHONPATH=. python /tmp/probe/solvers_glsrate.py 4 30 a5-40 a8-96 putuo``."""

DARP_SIZE_EXPONENT = 1.5
"""Size scaling of :data:`DARP_GLS_SOLUTIONS_PER_S`: the work of a solution grows like
``R ** 1.5`` between 16 and 106 requests (session 3 measurements of our search's rounds, which
scan similar neighbourhoods; our search itself now counts its own work,
:data:`optimizer.solvers.darp_lns.WORK_NS`)."""


def _size_factor(n_requests: int) -> float:
    return (100.0 / max(int(n_requests), 16)) ** DARP_SIZE_EXPONENT


def _units(x: float) -> int:
    """``x`` rounded half up (the rounding of :meth:`SolverParams.work`)."""
    return int(math.floor(x + 0.5 + 1e-9))  # 1e-9: 0.9 x 0.1 x 50 is 4.4999... in floats


@dataclass(frozen=True)
class SolveParams:
    """Solver parameters (all keyword options of :func:`solve_darp`).

    Parameters
    ----------
    time_limit_s
        Time mode: wall-time budget in seconds for the whole solve (model building included).
        Work mode (``deterministic``): the budget the work limits are derived from
        (:func:`work_limits`), about the wall time on the reference machine.
    seed
        Seed of the solver's random generator; search ``i`` of the portfolio uses
        ``seed + i``.
    strategy
        ``"portfolio"`` (default, see module docs) or ``"plain"`` (textbook OR-Tools).
    deterministic
        Work mode: stop every phase on a work limit, the wall clock only as a safety cap
        (reproducible plans; see the module docs).
    wall_clock_cap_s
        Work mode: the wall-clock safety cap of the whole solve, seconds (``None`` =
        :data:`optimizer.solvers.params.DEFAULT_CAP_FACTOR` x ``time_limit_s``).
    solution_limit
        Work mode: guided-local-search solutions (``None`` = derived from ``time_limit_s``).
    construction_solutions
        Work mode: OR-Tools solutions per first-solution strategy of the construction
        portfolio (``None`` = derived).
    lns_iterations
        Work mode: ruin-and-recreate rounds of each search (``None`` = derived; ``0`` switches
        our search off).
    first_solution_strategies
        Names of OR-Tools first-solution strategies tried in the construction portfolio.
    construction_share
        Share of the budget for the construction portfolio.
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
        Share of the budget left after construction given to our ruin-and-recreate search
        (:mod:`optimizer.solvers.darp_lns`); the rest goes to OR-Tools' guided local search.
        ``0`` switches our search off. Default 0.9: on Cordeau a8-96 guided local search alone
        ended 7.3 % above the optimum at 30 s and improved little on our search's plans.
    workers
        Processes that run the searches of the portfolio at once (this one included); changes
        the wall time, never a work-limited plan. Default 1.
    searches
        Independent ruin-and-recreate searches, best kept
        (:func:`optimizer.solvers.darp_lns.lns_improve_parallel`); ``None`` = ``workers`` (one
        search per process, all at once).
    log_search
        Let OR-Tools print its search log.
    initial_routes
        A start plan: vehicle id → its stops in order as ``(request id, "pickup" or
        "delivery")`` (a re-plan passes the plan it changes). When the model accepts it, the
        search starts from it instead of the construction portfolio (requests not in it are
        inserted by the search); stops of requests left out by the pre-check are skipped;
        ``None`` (default) = construct.
    vehicle_fixed_cost
        Cost of *using* a vehicle, in problem cost units, by vehicle id (``None`` or a missing id
        = 0). Charged on the arc from the vehicle's start to its first request stop, so an
        unused vehicle (start straight to end) costs nothing: how OR-Tools implements
        ``SetFixedCostOfVehicle`` (google/or-tools#2067), written into the arc costs so that our
        ruin-and-recreate search sees it too. The default drop penalty is then raised by twice
        the largest fixed cost: a fixed cost above one request's penalty would leave every
        request of a new vehicle unserved (google/or-tools#951). Not part of
        :attr:`DarpResult.objective` (arc costs only).

    Raises
    ------
    optimizer.errors.InputError
        On a value out of range or an unknown first-solution strategy.
    """

    time_limit_s: float = 30.0
    seed: int = 0
    strategy: str = "portfolio"
    deterministic: bool = False
    wall_clock_cap_s: float | None = None
    solution_limit: int | None = None
    construction_solutions: int | None = None
    lns_iterations: int | None = None
    first_solution_strategies: tuple[str, ...] = _FIRST
    construction_share: float = 0.1
    time_scale: float = 1.0 / TIME_UNIT_S
    cost_scale: float | None = None
    drop_penalty: int | None = None
    tighten_windows: bool = True
    gls_lambda: float = 0.3
    lns_share: float = 0.9
    workers: int = 1
    searches: int | None = None
    log_search: bool = False
    vehicle_fixed_cost: Mapping[str, float] | None = None
    initial_routes: Mapping[str, Sequence[tuple[str, str]]] | None = None

    def __post_init__(self) -> None:
        if not (self.time_limit_s > 0 and math.isfinite(self.time_limit_s)):
            raise InputError(f"time_limit_s={self.time_limit_s}; expected a positive number of "
                             "seconds", field="time_limit_s")
        if self.strategy not in _STRATEGIES:
            raise InputError(f"strategy={self.strategy!r}; expected one of {_STRATEGIES}",
                             field="strategy")
        if self.wall_clock_cap_s is not None and not (self.wall_clock_cap_s > 0
                                                      and math.isfinite(self.wall_clock_cap_s)):
            raise InputError(f"wall_clock_cap_s={self.wall_clock_cap_s}; expected seconds > 0",
                             field="wall_clock_cap_s")
        for name, low in (("solution_limit", 1), ("construction_solutions", 1),
                          ("lns_iterations", 0)):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < low):
                raise InputError(f"{name}={v!r}; expected a whole number >= {low}", field=name)
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
        if self.vehicle_fixed_cost is not None:
            fixed = {str(k): float(v) for k, v in dict(self.vehicle_fixed_cost).items()}
            if any(not (math.isfinite(v) and v >= 0) for v in fixed.values()):
                raise InputError("vehicle_fixed_cost: expected finite costs >= 0 by vehicle id",
                                 field="vehicle_fixed_cost")
            object.__setattr__(self, "vehicle_fixed_cost", fixed)
        for name in ("workers", "searches"):
            v = getattr(self, name)
            if (v is not None or name == "workers") and (
                    isinstance(v, bool) or not isinstance(v, int) or v < 1):
                raise InputError(f"{name}={v!r}; expected a whole number >= 1", field=name)

    @property
    def n_searches(self) -> int:
        """Searches of the portfolio (``searches``, or ``workers`` when not given)."""
        return self.workers if self.searches is None else self.searches

    @property
    def cap_s(self) -> float:
        """Wall-clock limit of the solve, seconds: ``time_limit_s`` in time mode, the safety
        cap in work mode."""
        if not self.deterministic:
            return float(self.time_limit_s)
        if self.wall_clock_cap_s is not None:
            return float(self.wall_clock_cap_s)
        return float(self.time_limit_s) * DEFAULT_CAP_FACTOR


def darp_params(solver: SolverParams, **overrides) -> SolveParams:
    """The :class:`SolveParams` of a scenario's ``solver:`` section.

    Work mode (``solver.stop == "work"``) gives ``deterministic=True`` with the safety cap
    ``solver.cap_s``; time mode gives today's wall-clock search. Both run ``solver.searches``
    searches (seeds ``solver.seed + i``) on ``solver.processes`` processes. The service calls
    ``solve_darp(problem, darp_params(ctx.solver))``.

    Parameters
    ----------
    solver
        The scenario's :class:`~optimizer.solvers.params.SolverParams`.
    **overrides
        Other :class:`SolveParams` fields (e.g. ``time_scale``).

    Returns
    -------
    SolveParams

    Raises
    ------
    optimizer.errors.InputError
        On an unknown or bad override.

    Examples
    --------
    >>> from optimizer.solvers.params import SolverParams
    >>> p = darp_params(SolverParams(time_limit_s=10, searches=2, workers=1))
    >>> (p.deterministic, p.wall_clock_cap_s, p.searches, p.workers)
    (True, 60.0, 2, 1)
    """
    base = dict(time_limit_s=float(solver.time_limit_s), seed=int(solver.seed),
                deterministic=solver.deterministic,
                wall_clock_cap_s=solver.cap_s if solver.deterministic else None,
                searches=int(solver.searches), workers=int(solver.processes))
    try:
        return SolveParams(**{**base, **overrides})
    except TypeError as exc:
        raise InputError(f"unknown solver option: {exc}; expected SolveParams fields",
                         field="options") from exc


@dataclass(frozen=True)
class WorkLimits:
    """Work limits of one solve in work mode (:func:`work_limits`).

    Attributes
    ----------
    construction_solutions
        OR-Tools solutions per first-solution strategy.
    lns_iterations
        Ruin-and-recreate rounds per search when given explicitly (0 = our search off), else
        ``None``.
    searches
        Independent searches of the portfolio.
    gls_solutions
        Guided-local-search solutions (the first one is the start plan).
    lns_work_s
        Estimated work per search, seconds (:data:`optimizer.solvers.darp_lns.WORK_NS`), when
        the rounds are not given; ``None`` otherwise.
    """

    construction_solutions: int
    lns_iterations: int | None
    searches: int
    gls_solutions: int
    lns_work_s: float | None = None

    @property
    def lns_on(self) -> bool:
        """Whether our ruin-and-recreate search runs."""
        return bool(self.lns_iterations) or bool(self.lns_work_s)

    def describe(self, n_strategies: int) -> str:
        """The limits in words, e.g. ``"4 x 9 construction solutions, 2 x 7.70 s of LNS work,
        5 GLS solutions"``."""
        parts = [f"{n_strategies} x {self.construction_solutions} construction solutions"]
        if self.lns_iterations:
            parts.append(f"{self.searches} x {self.lns_iterations} LNS rounds")
        elif self.lns_work_s:
            parts.append(f"{self.searches} x {self.lns_work_s:.2f} s of LNS work")
        parts.append(f"{self.gls_solutions} GLS solutions")
        return ", ".join(parts)


def work_limits(prm: SolveParams, n_requests: int) -> WorkLimits:
    """Work limits worth ``prm.time_limit_s`` on the reference machine for ``n_requests``.

    ``construction_solutions = round(T x construction_share / n_strategies x``
    :data:`DARP_CONSTRUCTION_SOLUTIONS_PER_S` ``)``, ``lns_work_s = T x (1 -
    construction_share) x lns_share x`` :data:`DARP_LNS_WORK_PER_S` (estimated seconds of
    work per search, rounded to milliseconds; the search counts its own steps, so no size
    factor), ``gls_solutions = round(T x (1 - construction_share) x (1 - lns_share) x``
    :data:`DARP_GLS_SOLUTIONS_PER_S` ``x f(R))`` with ``f(R) = (100 / max(R, 16)) ** 1.5``; each
    rounded half up and at least 1 (at least 2 for guided local search, whose first solution is
    its start). Explicit
    ``construction_solutions``, ``lns_iterations``, ``solution_limit`` in ``prm`` win.

    Parameters
    ----------
    prm
        Solver parameters (``time_limit_s`` = T, shares, explicit limits).
    n_requests
        Requests in the model ``R``.

    Returns
    -------
    WorkLimits

    Examples
    --------
    >>> w = work_limits(SolveParams(time_limit_s=10, deterministic=True), 100)
    >>> (w.construction_solutions, w.lns_work_s, w.gls_solutions)
    (9, 7.695, 5)
    """
    t = float(prm.time_limit_s)
    f = _size_factor(n_requests)
    improve = t * (1.0 - prm.construction_share)
    con = max(1, _units(t * prm.construction_share / len(prm.first_solution_strategies)
                        * DARP_CONSTRUCTION_SOLUTIONS_PER_S))
    lns_s = max(0.001, round(improve * prm.lns_share * DARP_LNS_WORK_PER_S, 3))
    gls = max(2, _units(improve * (1.0 - prm.lns_share) * DARP_GLS_SOLUTIONS_PER_S * f))
    explicit = prm.lns_iterations is not None or prm.lns_share <= 0
    return WorkLimits(
        construction_solutions=(prm.construction_solutions if prm.construction_solutions
                                is not None else con),
        lns_iterations=((prm.lns_iterations if prm.lns_share > 0 else 0) if explicit
                        else None),
        searches=prm.n_searches,
        gls_solutions=prm.solution_limit if prm.solution_limit is not None else gls,
        lns_work_s=None if explicit else lns_s)


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
                f"no path from {problem.node_name(r.pickup_node)} to "
                f"{problem.node_name(r.delivery_node)}")
    vehicles = list(range(len(problem.vehicles)))
    if r.eligible_vehicles is not None:
        vehicles = [k for k in vehicles
                    if problem.vehicles[k].vehicle_id in r.eligible_vehicles]
        if not vehicles:
            return UnservedReason.NO_ELIGIBLE_VEHICLE, "no vehicle is on its eligibility list"
    fit_w = [k for k in vehicles if problem.vehicles[k].wheelchair_places >= r.wheelchair_places]
    if not fit_w:
        named = ", ".join(f"{problem.vehicles[k].vehicle_id} "
                          f"({problem.vehicles[k].wheelchair_places})" for k in vehicles[:8])
        more = f" and {len(vehicles) - 8} more" if len(vehicles) > 8 else ""
        return (UnservedReason.NO_WHEELCHAIR_PLACE,
                f"needs {r.wheelchair_places} wheelchair place(s); the vehicles that can serve "
                f"this leg (wheelchair places): {named}{more}")
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


def _integer_data(problem: DarpProblem, prm: SolveParams, active: list[int],
                  windows: dict[int, tuple[tuple[float, float], tuple[float, float]]]
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int, float]:
    """Integer model data (module docs): ``(transit, arc cost, service, horizon, largest
    finite arc cost, cost scale)``, stops numbered as in :mod:`optimizer.solvers.darp_lns`;
    vehicle fixed costs are on the arcs from each start stop to the request stops (the largest
    finite arc cost is taken before they are added)."""
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
    for k, v in enumerate(vehs):
        fixed = (prm.vehicle_fixed_cost or {}).get(v.vehicle_id, 0.0)
        if fixed:
            c_int[2 * nr + 2 * k, : 2 * nr] += int(round(fixed * csc))
    check_scale(transit, what="time transit")
    check_scale(c_int, what="arc cost")
    return transit, c_int, s_int, horizon, max_c, csc


def _build(problem: DarpProblem, prm: SolveParams, active: list[int],
           windows: dict[int, tuple[tuple[float, float], tuple[float, float]]]) -> _Model:
    reqs, vehs = problem.requests, problem.vehicles
    nr, nv = len(active), len(vehs)
    n_stops = 2 * nr + 2 * nv
    transit, c_int, s_int, horizon, max_c, csc = _integer_data(problem, prm, active, windows)
    sc = prm.time_scale

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

    fixed = max((prm.vehicle_fixed_cost or {}).values(), default=0.0)
    penalty = prm.drop_penalty or 10 * (4 * max_c + 1) + 2 * int(round(fixed * csc))
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
class _Run:
    """Clock, limits and what happened in one solve (for :class:`SearchRecord`).

    ``left()`` is the wall time left: of ``time_limit_s`` in time mode, of the safety cap in
    work mode. ``solutions`` counts OR-Tools solutions of the current phase (a solution
    callback on the model)."""

    def __init__(self, prm: SolveParams, t0: float, limits: WorkLimits | None) -> None:
        self.prm, self.t0, self.limits = prm, t0, limits
        self.work = prm.deterministic
        self.capped = False  # a work-limited phase was cut by the wall clock
        self.done = {"construction": 0, "lns": 0, "lns_work_s": 0.0, "gls": 0}
        self.solutions = 0

    def left(self) -> float:
        return self.prm.cap_s - (time.perf_counter() - self.t0)

    def count(self) -> None:
        self.solutions += 1

    def solve(self, m: _Model, sp, phase: str, limit: int, start=None):
        """Run one OR-Tools phase; record its solutions and whether the cap cut it."""
        self.solutions = 0
        sol = (m.routing.SolveWithParameters(sp) if start is None
               else m.routing.SolveFromAssignmentWithParameters(start, sp))
        self.done[phase] += self.solutions
        if self.work and self.solutions < limit and m.routing.status() in _CUT:
            self.capped = True
        return sol


_CUT = (routing_enums.RoutingSearchStatus.ROUTING_PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED,
        routing_enums.RoutingSearchStatus.ROUTING_FAIL_TIMEOUT)
"""Routing statuses of a search stopped by a limit (with fewer solutions than its solution
limit: by the wall clock)."""


def _run_plain(m: _Model, run: _Run):
    prm = run.prm
    if run.work:
        limit = run.limits.gls_solutions
        sp = _search_params(prm, first="PATH_CHEAPEST_ARC", meta="GUIDED_LOCAL_SEARCH",
                            time_s=max(0.05, run.left()), solutions=limit)
        return run.solve(m, sp, "gls", limit)
    budget_s = max(0.1, prm.time_limit_s - (time.perf_counter() - run.t0))
    sp = _search_params(prm, first="PATH_CHEAPEST_ARC", meta="GUIDED_LOCAL_SEARCH",
                        time_s=budget_s, solutions=None)
    return m.routing.SolveWithParameters(sp)


def _construct(m: _Model, run: _Run):
    """Construction portfolio: each first-solution strategy then greedy descent; the best
    (fewest dropped, then cost) is returned with its key, or ``(None, None)``."""
    prm = run.prm
    best = best_key = None
    n_first = len(prm.first_solution_strategies)
    for first in prm.first_solution_strategies:
        if run.left() <= 0.05:
            run.capped = run.work
            break
        if run.work:
            limit = run.limits.construction_solutions
            sp = _search_params(prm, first=first, meta="GREEDY_DESCENT", time_s=run.left(),
                                solutions=limit)
            sol = run.solve(m, sp, "construction", limit)
        else:
            share = prm.time_limit_s * prm.construction_share / n_first
            sp = _search_params(prm, first=first, meta="GREEDY_DESCENT",
                                time_s=min(share, run.left()), solutions=None)
            sol = m.routing.SolveWithParameters(sp)
        if sol is None:
            continue
        key = _key(m, sol)
        if best_key is None or key < best_key:
            best, best_key = _copy(m.routing, sol), key
    return best, best_key


def _improve_lns(m: _Model, run: _Run, best, best_key):
    """Our ruin-and-recreate portfolio from ``best``; the better of the two plans."""
    prm = run.prm
    if prm.lns_share <= 0 or m.lns is None or (run.work and not run.limits.lns_on):
        return best, best_key
    if run.work:
        limits = {"max_iterations": run.limits.lns_iterations,
                  "max_work_s": run.limits.lns_work_s, "time_limit_s": max(0.05, run.left())}
    else:
        limits = {"time_limit_s": max(0.0, run.left() * prm.lns_share)}
    try:
        res = lns_improve_parallel(m.lns, _routes_of(m, best), seed=prm.seed,
                                   workers=prm.workers, searches=prm.n_searches, **limits)
    except InputError:  # pragma: no cover - a start plan our exact test rejects
        return best, best_key  # keep the OR-Tools plan; the model itself validated it
    run.done["lns"] += res.iterations
    run.done["lns_work_s"] += sum(res.search_work_s)
    if run.work and not res.work_limited:
        run.capped = True
    sol = _from_routes(m, res.routes, time_s=run.left() if run.work else None)
    if sol is not None and _key(m, sol) <= best_key:
        return sol, _key(m, sol)
    return best, best_key


def _improve_gls(m: _Model, run: _Run, best, best_key):
    """OR-Tools guided local search from ``best``; the better of the two plans."""
    prm = run.prm
    first = prm.first_solution_strategies[0]
    if run.left() <= 0.05:
        run.capped = run.work
        return best
    if run.work:
        limit = run.limits.gls_solutions
        gls = _search_params(prm, first=first, meta="GUIDED_LOCAL_SEARCH", time_s=run.left(),
                             solutions=limit)
    else:
        gls = _search_params(prm, first=first, meta="GUIDED_LOCAL_SEARCH",
                             time_s=max(0.05, run.left() - 0.02), solutions=None)
    gls.guided_local_search_lambda_coefficient = prm.gls_lambda
    if run.work:
        sol = run.solve(m, gls, "gls", limit, start=best)
    else:
        sol = m.routing.SolveFromAssignmentWithParameters(best, gls)
    if sol is not None and _key(m, sol) <= best_key:
        best = _copy(m.routing, sol)
    return best


def _initial(m: _Model, problem: DarpProblem, prm: SolveParams):
    """The assignment of ``prm.initial_routes`` (model stop numbers), or ``None`` when not
    given or the model rejects it."""
    if not prm.initial_routes:
        return None
    pos = {problem.requests[i].request_id: j for j, i in enumerate(m.active)}
    routes = []
    for v in problem.vehicles:
        stops = prm.initial_routes.get(v.vehicle_id, ())
        routes.append([2 * pos[rid] + (kind != "pickup") for rid, kind in stops if rid in pos])
    m.routing.CloseModelWithParameters(search_parameters(  # RoutesToAssignment needs it closed
        "AUTOMATIC", "GREEDY_DESCENT", time_s=1.0, solutions=1))
    return _from_routes(m, routes)


def _run_portfolio(m: _Model, run: _Run, problem: DarpProblem | None = None):
    start = _initial(m, problem, run.prm) if problem is not None else None
    if start is not None:
        best, best_key = start, _key(m, start)
    else:
        best, best_key = _construct(m, run)
    if best is None:
        return None
    best, best_key = _improve_lns(m, run, best, best_key)
    return _improve_gls(m, run, best, best_key)


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


def _from_routes(m: _Model, routes, *, time_s: float | None = None) -> object | None:
    """A full OR-Tools assignment (cumuls included) for the given routes, or ``None`` if the
    model rejects them.

    ``ReadAssignmentFromRoutes`` restores under the limits of the model's *last* search: after
    a construction with a 0.05-0.25 s limit, restoring a valid 40-request plan failed (Cordeau
    a5-40, OR-Tools 9.15) and the ruin-and-recreate result was lost. So the next variables are
    set with ``RoutesToAssignment`` and restored by a search with its own limits (first solution
    = the given plan; one solution, at most :data:`_RESTORE_LIMIT_S` or ``time_s``)."""
    routing, manager = m.routing, m.manager
    idx = [[manager.NodeToIndex(int(s)) for s in r] for r in routes]
    a = routing.solver().Assignment()
    if not routing.RoutesToAssignment(idx, True, True, a):
        return None
    limit = _RESTORE_LIMIT_S if time_s is None else max(1.0, min(_RESTORE_LIMIT_S, time_s))
    sp = search_parameters("AUTOMATIC", "GREEDY_DESCENT", time_s=limit, solutions=1)
    sol = routing.SolveFromAssignmentWithParameters(a, sp)
    return None if sol is None else _copy(routing, sol)


def _copy(routing, sol):
    return routing.solver().Assignment(sol)


# --------------------------------------------------------------------------- public API
def _precheck(problem: DarpProblem, prm: SolveParams
              ) -> tuple[dict[int, tuple[UnservedReason, str]], list[int], dict]:
    """Requests that cannot be served alone (with reasons), the others (``active``) and their
    (tightened) windows."""
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
        if ep > lp + 1e-9 or ed > ld + 1e-9 or _empty_in_units(ep, lp, prm.time_scale) \
                or _empty_in_units(ed, ld, prm.time_scale):
            unserved[i] = (UnservedReason.TIME_WINDOW,
                           "the windows, ride time and vehicle shifts leave no feasible time")
        else:
            active.append(i)
    return unserved, active, windows


def _empty_in_units(earliest_s: float, latest_s: float, scale: float) -> bool:
    """Whether a window is empty in integer time units (earliest rounded up, latest down, as
    the model does): a window narrower than one unit between two unit marks, e.g. 100.3-100.6 s
    at 1 s resolution, is not empty in seconds but is in the model, where OR-Tools fails on it
    while building (``CP Solver fail``)."""
    if not math.isfinite(latest_s):
        return False
    return math.ceil(earliest_s * scale - 1e-9) > math.floor(latest_s * scale + 1e-9)


def _search_record(run: _Run | None, runtime_s: float) -> SearchRecord:
    """What bounded the solve, in words (see :class:`optimizer.results.SearchRecord`)."""
    if run is None:
        return SearchRecord("darp", StopCause.NOT_RUN, runtime_s=runtime_s)
    prm = run.prm
    n_first = len(prm.first_solution_strategies)
    d = run.done
    if not run.work:
        return SearchRecord("darp", StopCause.WALL_CLOCK, "", "",
                            wall_clock_cap_s=prm.cap_s, runtime_s=runtime_s)
    lim = run.limits
    if prm.strategy == "plain":
        limit, done = f"{lim.gls_solutions} GLS solutions", f"{d['gls']} GLS solutions"
    else:
        limit = lim.describe(n_first)
        done = (f"{d['construction']} construction solutions, {d['lns']} LNS rounds "
                f"({d['lns_work_s']:.2f} s of work), {d['gls']} GLS solutions")
    return SearchRecord("darp", StopCause.WALL_CLOCK if run.capped else StopCause.WORK_LIMIT,
                        limit, done, wall_clock_cap_s=prm.cap_s, runtime_s=runtime_s)


def _params_dict(prm: SolveParams, limits: WorkLimits | None) -> dict:
    out = asdict(prm)
    out["first_solution_strategies"] = list(prm.first_solution_strategies)
    out["searches"] = prm.n_searches
    if prm.initial_routes is not None:  # the run log records that a start plan was given
        out["initial_routes"] = f"{sum(len(r) for r in prm.initial_routes.values())} stops"
    if limits is not None:
        out.update(construction_solutions=limits.construction_solutions,
                   lns_iterations=limits.lns_iterations, lns_work_s=limits.lns_work_s,
                   solution_limit=limits.gls_solutions,
                   wall_clock_cap_s=prm.cap_s)
    return out


def solve_darp(problem: DarpProblem, params: SolveParams | None = None, **options) -> DarpResult:
    """Plan the rides of a dial-a-ride problem.

    Parameters
    ----------
    problem
        The instance (times in seconds).
    params
        Solver parameters (for a scenario: :func:`darp_params`); keyword ``options`` (the
        :class:`SolveParams` fields, e.g. ``time_limit_s=30, seed=0, deterministic=True``)
        override single fields.

    Returns
    -------
    DarpResult
        Routes (stops with arrival / service start / departure times in seconds, in the user's
        request and vehicle ids), unserved requests each with a reason, status, objective (total
        routing cost in the problem's cost unit), runtime, the parameters used (with the derived
        work limits in work mode) and the search record (what stopped the search).

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
    unserved, active, windows = _precheck(problem, prm)
    sol = model = run = limits = None
    if active:
        limits = work_limits(prm, len(active)) if prm.deterministic else None
        run = _Run(prm, t0, limits)
        model = _build(problem, prm, active, windows)
        if prm.deterministic:
            model.routing.AddAtSolutionCallback(run.count)
        sol = (_run_plain(model, run) if prm.strategy == "plain"
               else _run_portfolio(model, run, problem))
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
    runtime = time.perf_counter() - t0
    return DarpResult(
        status=status, routes=tuple(routes),
        unserved=tuple(Unserved(problem.requests[i].request_id, why, detail)
                       for i, (why, detail) in sorted(unserved.items())),
        objective=float(sum(rt.cost for rt in routes)), runtime_s=runtime,
        params=_params_dict(prm, limits), search=_search_record(run, runtime))


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
