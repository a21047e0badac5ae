"""Vehicle routing with time windows (VRPTW): data, results and an independent checker.

Used for the Solomon benchmarks and for meal-delivery rounds from canteens (a canteen is a
depot, a household a customer, the demand a number of meals, the time window the delivery
window; the freshness limit is expressed as the latest delivery time, see
:func:`freshness_window`).

Sets
    ``V`` nodes ``0 .. n-1`` (rows of the matrices); depots = the start and end nodes of the
    vehicles; customers = every other node. ``K`` vehicles, each with its depot(s) and shift.
Parameters
    ``t[i, j]`` travel time in seconds (``travel_time_s``, shape ``(n, n)``, ``inf`` =
    unreachable); ``d[i, j]`` distance in metres (``distance_m``, shape ``(n, n)``) - the routing
    cost; demand ``q_i`` (integer units, e.g. meals); time window ``[e_i, l_i]`` on the *start of
    service* (seconds after midnight; ``l_i`` may be ``inf``); service time ``s_i``; vehicle
    capacity ``Q_k``, shift ``[a_k, b_k]`` (intersected with the windows of its depots), optional
    maximum route duration ``T_k`` and fixed cost ``f_k`` (metres-equivalent, added once per
    vehicle used).
Constraints (re-checked by :func:`check_vrptw`)
    each customer visited at most once, by one vehicle; the route starts at the vehicle's
    depot and ends at its end depot; ``sum q_i <= Q_k`` on every route;
    ``start_j >= start_i + s_i + t[i, j]`` for consecutive stops (waiting allowed);
    ``e_i <= start_i <= l_i``; route inside the shift and ``end - start <= T_k``.
Objective
    ``"distance"``: total distance plus fixed costs of the vehicles used;
    ``"vehicles_then_distance"``: fewest vehicles first, then distance (the SINTEF/Solomon
    hierarchical convention). In both, serving every customer comes first: a customer that cannot
    be served is listed in :attr:`VrptwResult.unserved` with a reason, never dropped silently.

Benchmark instances (Solomon) are read with one instance unit = one metre = one second
(``benchmarks.readers.read_solomon``).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optimizer.errors import InputError, InputErrors
from optimizer.io.matrix import SENTINEL_MIN
from optimizer.results import SearchRecord, SolveStatus, StopCause

INF = math.inf

__all__ = [
    "OBJECTIVES",
    "RouteCheck",
    "SolveStatus",
    "VrptwProblem",
    "VrptwResult",
    "VrptwRoute",
    "VrptwStop",
    "VrptwUnserved",
    "VrptwUnservedReason",
    "VrptwVehicle",
    "check_vrptw",
    "evaluate_route",
    "explain_customer",
    "freshness_window",
]

OBJECTIVES = ("distance", "vehicles_then_distance")
"""Objectives understood by the solver (see module docs)."""


def freshness_window(ready_s: float, freshness_s: float,
                     window_s: tuple[float, float] = (0.0, INF)) -> tuple[float, float]:
    """Delivery window of a meal: the household's window cut at ``ready_s + freshness_s``.

    Parameters
    ----------
    ready_s
        Time the meals are ready at the kitchen, seconds after midnight.
    freshness_s
        Longest time from the kitchen to the door, seconds (a service standard set by the
        planner; no default because it is a policy choice).
    window_s
        The household's own window ``(earliest_s, latest_s)``.

    Returns
    -------
    tuple of float
        ``(max(earliest, ready_s), min(latest, ready_s + freshness_s))``. This is exact when the
        round leaves the kitchen at ``ready_s`` (vehicle shift start = ready time, the usual
        case) and conservative if it leaves later.

    Raises
    ------
    optimizer.errors.InputError
        If a value is negative or not finite, or the window becomes empty.
    """
    if not (math.isfinite(ready_s) and ready_s >= 0):
        raise InputError(f"ready_s={ready_s!r}; expected a finite time >= 0 s", field="ready_s")
    if not (math.isfinite(freshness_s) and freshness_s >= 0):
        raise InputError(f"freshness_s={freshness_s!r}; expected a finite duration >= 0 s",
                         field="freshness_s")
    lo, hi = max(float(window_s[0]), ready_s), min(float(window_s[1]), ready_s + freshness_s)
    if lo > hi:
        raise InputError(f"window {window_s} and ready time {ready_s} + freshness {freshness_s} "
                         "s do not overlap; the meal cannot arrive fresh in the window",
                         field="window_s")
    return (lo, hi)


@dataclass(frozen=True)
class VrptwVehicle:
    """One vehicle (a round).

    Parameters
    ----------
    vehicle_id
        Unique id (e.g. ``"canteen3-ebike1"``).
    depot
        Start node (row index into the matrices).
    capacity
        Capacity in demand units (integer >= 0, e.g. meals; Solomon: 200).
    end_depot
        End node; ``None`` = back to ``depot``.
    shift_s
        ``(earliest departure, latest return)`` in seconds after midnight; ``latest`` may be
        ``inf``. Intersected with the depots' time windows by the solver and the checker.
    fixed_cost_m
        Cost of using the vehicle, in metres-equivalent (added once if the route is not
        empty); 0 by default.
    max_route_duration_s
        Longest time from leaving the depot to returning, seconds (``inf`` = no limit).

    Raises
    ------
    optimizer.errors.InputError
        On an empty id, a negative or non-integer capacity, a bad shift or negative costs.
    """

    vehicle_id: str
    depot: int
    capacity: int
    end_depot: int | None = None
    shift_s: tuple[float, float] = (0.0, INF)
    fixed_cost_m: float = 0.0
    max_route_duration_s: float = INF

    def __post_init__(self) -> None:
        who = f"vehicle {self.vehicle_id!r}"
        if not str(self.vehicle_id):
            raise InputError("vehicle_id is empty", field="vehicle_id")
        for name in ("depot", "capacity"):
            v = getattr(self, name)
            if isinstance(v, bool) or int(v) != v or int(v) < 0:
                raise InputError(f"{who}: {name}={v!r}; expected an integer >= 0", field=name)
            object.__setattr__(self, name, int(v))
        end = self.depot if self.end_depot is None else self.end_depot
        if isinstance(end, bool) or int(end) != end or int(end) < 0:
            raise InputError(f"{who}: end_depot={end!r}; expected a node index >= 0",
                             field="end_depot")
        object.__setattr__(self, "end_depot", int(end))
        try:
            lo, hi = (float(x) for x in self.shift_s)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{who}: shift_s={self.shift_s!r} is not (start_s, end_s)",
                             field="shift_s") from exc
        if not (math.isfinite(lo) and lo >= 0) or math.isnan(hi) or hi < lo:
            raise InputError(f"{who}: shift_s=({lo}, {hi}); expected 0 <= start <= end "
                             "(end may be inf)", field="shift_s")
        object.__setattr__(self, "shift_s", (lo, hi))
        f = float(self.fixed_cost_m)
        if not (math.isfinite(f) and f >= 0):
            raise InputError(f"{who}: fixed_cost_m={self.fixed_cost_m!r}; expected a finite "
                             "number >= 0", field="fixed_cost_m")
        object.__setattr__(self, "fixed_cost_m", f)
        d = float(self.max_route_duration_s)
        if math.isnan(d) or d < 0:
            raise InputError(f"{who}: max_route_duration_s={d}; expected >= 0 s (inf = none)",
                             field="max_route_duration_s")
        object.__setattr__(self, "max_route_duration_s", d)


def _matrix(value: Any, name: str, n: int | None, errors: list[InputError],
            *, allow_inf: bool, labels: Sequence[str] | None = None) -> np.ndarray:
    """The matrix as a read-only float array; its problems (named by the node labels when
    given) appended to ``errors``."""
    arr = np.array(value, dtype=float)
    arr.setflags(write=False)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or (n is not None and arr.shape[0] != n):
        errors.append(InputError(f"shape {arr.shape}; expected a square (n, n) matrix"
                                 + (f" with n = {n}" if n is not None else ""), field=name))
        return arr
    labels = labels if labels is not None and len(labels) == arr.shape[0] else None

    def who(i: int) -> str:
        return repr(str(labels[i])) if labels is not None else f"node {i}"

    sentinel = np.isfinite(arr) & (arr >= SENTINEL_MIN)
    bad = np.isnan(arr) | (arr < 0) | (np.isinf(arr) if not allow_inf else False) | sentinel
    if bad.any():
        i, j = (int(x) for x in np.argwhere(bad)[0])
        hint = (" (an integer overflow sentinel meaning no path? use inf)" if sentinel[i, j]
                else "")
        errors.append(InputError(f"{int(bad.sum())} bad value(s), first from {who(i)} to "
                                 f"{who(j)} = {arr[i, j]:g}{hint}; expected numbers >= 0"
                                 + (" (inf = unreachable)" if allow_inf else " and finite")
                                 + f" below {SENTINEL_MIN:g}", field=name))
    return arr


@dataclass(frozen=True)
class VrptwProblem:
    """A VRPTW instance (see the module docs for the model).

    Parameters
    ----------
    travel_time_s
        Travel times in seconds, shape ``(n, n)``; ``inf`` = unreachable.
    distance_m
        Distances in metres, shape ``(n, n)`` (the routing cost); must be finite where the
        travel time is.
    demand
        Demand per node in integer units (e.g. meals), shape ``(n,)``; 0 at depots.
    time_window_s
        ``(earliest, latest)`` start of service per node, shape ``(n, 2)``, seconds after
        midnight; ``latest`` may be ``inf``. At a depot it bounds departure and return.
    service_s
        Service time per node in seconds, shape ``(n,)`` (at depots: ignored, must be 0).
    vehicles
        The fleet; at least one vehicle. Depots are the nodes vehicles start or end at.
    node_names
        One label per node (default ``"0" .. "n-1"``), unique.
    name, source
        Instance name and where it was read from (for reports).

    Attributes
    ----------
    customers : tuple of int
        Node indices that are not depots, ascending.

    Raises
    ------
    optimizer.errors.InputErrors
        Every problem found (shapes, negative or NaN values, integer demands, empty windows,
        depots out of range or with demand, duplicate ids or names), raised together.
    """

    travel_time_s: np.ndarray
    distance_m: np.ndarray
    demand: np.ndarray
    time_window_s: np.ndarray
    service_s: np.ndarray
    vehicles: tuple[VrptwVehicle, ...]
    node_names: tuple[str, ...] | None = None
    name: str = "vrptw"
    source: str | None = None
    customers: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        errors: list[InputError] = []
        given = None if self.node_names is None else tuple(str(x) for x in self.node_names)
        tt = _matrix(self.travel_time_s, "travel_time_s", None, errors, allow_inf=True,
                     labels=given)
        n = tt.shape[0] if tt.ndim == 2 else 0
        dist = _matrix(self.distance_m, "distance_m", n, errors, allow_inf=True, labels=given)
        if not errors and np.any(np.isfinite(tt) & ~np.isfinite(dist)):
            errors.append(InputError("distance is inf where the travel time is finite",
                                     field="distance_m"))
        demand = np.array(self.demand, dtype=float)
        if demand.shape != (n,):
            errors.append(InputError(f"shape {demand.shape}; expected ({n},)", field="demand"))
        elif np.any(~np.isfinite(demand) | (demand < 0) | (demand != np.round(demand))):
            k = int(np.argwhere(~np.isfinite(demand) | (demand < 0)
                                | (demand != np.round(demand)))[0, 0])
            errors.append(InputError(f"demand[{k}] = {demand[k]}; expected an integer >= 0",
                                     row=k, field="demand"))
        demand_i = np.nan_to_num(demand).astype(np.int64)
        demand_i.setflags(write=False)
        tw = np.array(self.time_window_s, dtype=float)
        if tw.shape != (n, 2):
            errors.append(InputError(f"shape {tw.shape}; expected ({n}, 2)", field="time_window_s"))
        else:
            for k in range(n):
                lo, hi = tw[k]
                if not (math.isfinite(lo) and lo >= 0) or math.isnan(hi) or hi < lo:
                    errors.append(InputError(f"node {k}: window ({lo}, {hi}); expected "
                                             "0 <= earliest <= latest (latest may be inf)",
                                             row=k, field="time_window_s"))
        tw.setflags(write=False)
        svc = np.array(self.service_s, dtype=float)
        if svc.shape != (n,):
            errors.append(InputError(f"shape {svc.shape}; expected ({n},)", field="service_s"))
        elif np.any(~np.isfinite(svc) | (svc < 0)):
            k = int(np.argwhere(~np.isfinite(svc) | (svc < 0))[0, 0])
            errors.append(InputError(f"service_s[{k}] = {svc[k]}; expected finite >= 0",
                                     row=k, field="service_s"))
        svc.setflags(write=False)
        vehicles = tuple(self.vehicles)
        if not vehicles:
            errors.append(InputError("no vehicles; give at least one", field="vehicles"))
        ids = [v.vehicle_id for v in vehicles]
        if len(set(ids)) != len(ids):
            dup = sorted({x for x in ids if ids.count(x) > 1})
            errors.append(InputError(f"duplicate vehicle ids {dup}", field="vehicle_id"))
        depots = set()
        for k, v in enumerate(vehicles):
            if not isinstance(v, VrptwVehicle):
                errors.append(InputError(f"vehicles[{k}] is {type(v).__name__}; expected "
                                         "VrptwVehicle", row=k, field="vehicles"))
                continue
            for nd in (v.depot, v.end_depot):
                if nd >= n:
                    errors.append(InputError(f"vehicle {v.vehicle_id!r}: depot node {nd} out of "
                                             f"range 0..{n - 1}", row=k, field="depot"))
                else:
                    depots.add(nd)
        for d in sorted(depots):
            if demand.shape == (n,) and demand_i[d] != 0:
                errors.append(InputError(f"depot node {d} has demand {demand_i[d]}; depots carry "
                                         "no demand (add the customer as its own node)", row=d,
                                         field="demand"))
            if svc.shape == (n,) and svc[d] != 0:
                errors.append(InputError(f"depot node {d} has service time {svc[d]} s; expected "
                                         "0 (put loading time in the vehicle shift)", row=d,
                                         field="service_s"))
        names = self.node_names
        if names is None:
            names = tuple(str(k) for k in range(n))
        names = tuple(str(x) for x in names)
        if len(names) != n:
            errors.append(InputError(f"{len(names)} names for {n} nodes", field="node_names"))
        elif len(set(names)) != n:
            dup = sorted({x for x in names if names.count(x) > 1})[:5]
            errors.append(InputError(f"duplicate node names {dup}", field="node_names"))
        if errors:
            raise InputErrors(errors)
        object.__setattr__(self, "travel_time_s", tt)
        object.__setattr__(self, "distance_m", dist)
        object.__setattr__(self, "demand", demand_i)
        object.__setattr__(self, "time_window_s", tw)
        object.__setattr__(self, "service_s", svc)
        object.__setattr__(self, "vehicles", vehicles)
        object.__setattr__(self, "node_names", names)
        object.__setattr__(self, "customers",
                           tuple(k for k in range(n) if k not in depots))

    @property
    def n_nodes(self) -> int:
        """Number of nodes ``n`` (depots and customers)."""
        return int(self.travel_time_s.shape[0])

    def shift(self, vehicle: int) -> tuple[float, float]:
        """Effective shift of vehicle ``vehicle`` (position): its shift cut by its depots' windows.

        Returns ``(earliest departure_s, latest return_s)``; may be empty (``lo > hi``).
        """
        v = self.vehicles[vehicle]
        lo = max(v.shift_s[0], self.time_window_s[v.depot, 0], self.time_window_s[v.end_depot, 0])
        hi = min(v.shift_s[1], self.time_window_s[v.depot, 1], self.time_window_s[v.end_depot, 1])
        return (float(lo), float(hi))

    @classmethod
    def homogeneous(cls, *, travel_time_s: Any, distance_m: Any, demand: Any, time_window_s: Any,
                    service_s: Any, n_vehicles: int, capacity: int, depot: int = 0,
                    fixed_cost_m: float = 0.0, max_route_duration_s: float = INF,
                    node_names: Sequence[str] | None = None, name: str = "vrptw",
                    source: str | None = None) -> VrptwProblem:
        """Build a problem with ``n_vehicles`` identical vehicles at one depot.

        Vehicle ids are ``"1" .. "n_vehicles"``; the shift is the depot's time window. Other
        parameters as in :class:`VrptwProblem` and :class:`VrptwVehicle`.

        Raises
        ------
        optimizer.errors.InputError
            If ``n_vehicles < 1`` or any field is invalid.
        """
        if isinstance(n_vehicles, bool) or int(n_vehicles) != n_vehicles or n_vehicles < 1:
            raise InputError(f"n_vehicles={n_vehicles!r}; expected an integer >= 1",
                             field="n_vehicles")
        vehicles = tuple(VrptwVehicle(str(k + 1), depot, capacity, fixed_cost_m=fixed_cost_m,
                                      max_route_duration_s=max_route_duration_s)
                         for k in range(int(n_vehicles)))
        return cls(travel_time_s=travel_time_s, distance_m=distance_m, demand=demand,
                   time_window_s=time_window_s, service_s=service_s, vehicles=vehicles,
                   node_names=None if node_names is None else tuple(node_names), name=name,
                   source=source)


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class VrptwStop:
    """One stop of a route: ``kind`` is ``"start"``, ``"customer"`` or ``"end"``.

    Times in seconds after midnight: ``arrival_s`` (reaching the node), ``start_s`` (start of
    service, after waiting), ``departure_s`` (``start_s + service``). ``load`` = demand units
    delivered so far on the route (after this stop).
    """

    kind: str
    node: int
    name: str
    arrival_s: float
    start_s: float
    departure_s: float
    load: int = 0


@dataclass(frozen=True)
class VrptwRoute:
    """One vehicle's route: stops from start depot to end depot.

    ``distance_m`` total distance, ``duration_s`` = return time - departure time, ``load`` total
    demand served.
    """

    vehicle_id: str
    stops: tuple[VrptwStop, ...]
    distance_m: float
    duration_s: float
    load: int

    @property
    def customers(self) -> tuple[int, ...]:
        """Customer nodes in visiting order."""
        return tuple(s.node for s in self.stops if s.kind == "customer")


class VrptwUnservedReason(str, enum.Enum):
    """Why a customer is not in the plan (the first four are checked for the customer alone)."""

    UNREACHABLE = "UNREACHABLE"  # no finite travel time from/to any vehicle's depots
    OVER_CAPACITY = "OVER_CAPACITY"  # demand exceeds every vehicle's capacity
    TIME_WINDOW = "TIME_WINDOW"  # no vehicle can arrive before the window closes
    SHIFT_END = "SHIFT_END"  # no vehicle can serve it and be back in its shift/route duration
    DROPPED_BY_SEARCH = "DROPPED_BY_SEARCH"  # feasible alone; not fitted with the others


@dataclass(frozen=True)
class VrptwUnserved:
    """A customer left out, with the reason and a sentence with the figures."""

    node: int
    name: str
    reason: VrptwUnservedReason
    detail: str


@dataclass(frozen=True)
class VrptwResult:
    """Outcome of :func:`optimizer.solvers.ortools_vrptw.solve_vrptw`.

    Attributes
    ----------
    status
        :class:`optimizer.results.SolveStatus` (``FEASIBLE`` = every customer served).
    routes
        Non-empty routes only.
    unserved
        Every customer not in a route, with a reason.
    distance_m
        Total distance of the routes (metres).
    objective
        ``distance_m`` plus the fixed costs of the vehicles used (metres-equivalent).
    vehicles_used
        Number of non-empty routes.
    runtime_s
        Wall time of the solve, seconds.
    params
        The options used (for reports and reproduction).
    search
        What bounded the search (work limit, wall clock, proof), for the run manifest.
    """

    status: SolveStatus
    routes: tuple[VrptwRoute, ...]
    unserved: tuple[VrptwUnserved, ...]
    distance_m: float
    objective: float
    vehicles_used: int
    runtime_s: float
    params: dict = field(default_factory=dict)
    search: SearchRecord = field(default_factory=lambda: SearchRecord("vrptw", StopCause.NOT_RUN))


# --------------------------------------------------------------------------- evaluation
@dataclass(frozen=True)
class RouteCheck:
    """Evaluation of one customer sequence on one vehicle (earliest-start schedule).

    ``violations`` empty = feasible. ``start_s`` per customer (earliest service starts),
    ``departure_s`` from the depot (latest departure that does not delay the return),
    ``return_s`` at the end depot, ``distance_m``, ``load``, ``min_duration_s``.
    """

    violations: tuple[str, ...]
    start_s: tuple[float, ...]
    departure_s: float
    return_s: float
    distance_m: float
    load: int
    min_duration_s: float

    @property
    def feasible(self) -> bool:
        """No violation."""
        return not self.violations


def evaluate_route(problem: VrptwProblem, vehicle: int, customers: Sequence[int], *,
                   tol_s: float = 1e-6) -> RouteCheck:
    """Schedule a customer sequence on a vehicle as early as possible and list violations.

    Forward pass: leave the depot at the shift start, ``start = max(arrival, earliest)``.
    Minimum duration: the departure is delayed by the forward time slack (Savelsbergh 1992),
    capped by the total waiting time, so waiting before the first window is not counted.

    Parameters
    ----------
    problem
        The instance.
    vehicle
        Vehicle position in ``problem.vehicles``.
    customers
        Customer nodes in visiting order (depots excluded).
    tol_s
        Tolerance in seconds for floating-point noise only.

    Returns
    -------
    RouteCheck
    """
    v = problem.vehicles[vehicle]
    tt, dist, tw, svc = (problem.travel_time_s, problem.distance_m, problem.time_window_s,
                         problem.service_s)
    names = problem.node_names
    a, b = problem.shift(vehicle)
    viol: list[str] = []
    if a > b + tol_s:
        viol.append(f"vehicle {v.vehicle_id!r}: empty shift [{a:.1f}, {b:.1f}] s")
    starts: list[float] = []
    waited = 0.0  # cumulative waiting up to the current stop
    slack = INF  # forward time slack of the departure (Savelsbergh 1992)
    length = 0.0
    t_dep = a
    prev = v.depot
    for c in [*(int(x) for x in customers), None]:
        nxt = v.end_depot if c is None else c
        leg = float(tt[prev, nxt])
        if not math.isfinite(leg):
            viol.append(f"no path from {names[prev]!r} to {names[nxt]!r}")
            leg = 0.0
        d = float(dist[prev, nxt])
        length += d if math.isfinite(d) else 0.0
        arrive = t_dep + leg
        if c is None:
            slack = min(slack, waited + b - arrive)
            if arrive > b + tol_s:
                viol.append(f"returns at {arrive:.1f} s, after the shift end {b:.1f} s")
            t_dep = arrive
            break
        e, l_ = float(tw[c, 0]), float(tw[c, 1])
        start = max(arrive, e)
        waited += start - arrive
        slack = min(slack, waited + l_ - start)
        if start > l_ + tol_s:
            viol.append(f"customer {names[c]}: service starts at {start:.1f} s, after the "
                        f"window closes at {l_:.1f} s")
        starts.append(start)
        t_dep = start + float(svc[c])
        prev = c
    t = t_dep
    load = int(sum(int(problem.demand[c]) for c in customers))
    if load > v.capacity:
        viol.append(f"load {load} exceeds capacity {v.capacity}")
    delay = max(0.0, min(slack, waited))
    min_dur = t - (a + delay)
    if min_dur > v.max_route_duration_s + tol_s:
        viol.append(f"duration {min_dur:.1f} s exceeds the maximum {v.max_route_duration_s:.1f} s")
    return RouteCheck(tuple(viol), tuple(starts), a + delay, t, length, load, min_dur)


def explain_customer(problem: VrptwProblem, node: int, *, tol_s: float = 1e-6,
                     ) -> tuple[VrptwUnservedReason, str] | None:
    """Check one customer alone (depot, customer, depot) on every vehicle and name the blocker.

    Parameters
    ----------
    problem
        The instance.
    node
        A customer node.

    Returns
    -------
    tuple of (VrptwUnservedReason, str) or None
        ``None`` if some vehicle can serve the customer alone; otherwise the first binding reason
        in the order unreachable, capacity, time window, shift/route duration, with a sentence
        quoting the figures (minutes).
    """
    tt = problem.travel_time_s
    # interchangeable vehicles (same depots, capacity, shift, duration) are checked once
    ks = _vehicle_classes(problem)
    name = problem.node_names[node]
    reach = [k for k in ks if math.isfinite(tt[problem.vehicles[k].depot, node])
             and math.isfinite(tt[node, problem.vehicles[k].end_depot])]
    if not reach:
        return (VrptwUnservedReason.UNREACHABLE,
                f"customer {name}: no vehicle's depot has a path there and back")
    q = int(problem.demand[node])
    fit = [k for k in reach if problem.vehicles[k].capacity >= q]
    if not fit:
        cap = max(problem.vehicles[k].capacity for k in reach)
        return (VrptwUnservedReason.OVER_CAPACITY,
                f"customer {name}: demand {q} exceeds the largest capacity {cap}")
    _e, l_ = problem.time_window_s[node]
    arrive = [problem.shift(k)[0] + tt[problem.vehicles[k].depot, node] for k in fit]
    if min(arrive) > l_ + tol_s:
        return (VrptwUnservedReason.TIME_WINDOW,
                (f"customer {name}: earliest arrival {min(arrive) / 60:.1f} min is after the "
                f"window closes at {l_ / 60:.1f} min"))
    for k in fit:
        if evaluate_route(problem, k, [node], tol_s=tol_s).feasible:
            return None
    return (VrptwUnservedReason.SHIFT_END,
            (f"customer {name}: no vehicle can serve it and return within its shift or maximum "
            "route duration"))


def _vehicle_classes(problem: VrptwProblem) -> list[int]:
    """One vehicle position per class of interchangeable vehicles (cached on the instance)."""
    cached = problem.__dict__.get("_vehicle_classes")
    if cached is None:
        seen: dict[tuple, int] = {}
        for k, v in enumerate(problem.vehicles):
            key = (v.depot, v.end_depot, v.capacity, problem.shift(k), v.max_route_duration_s)
            seen.setdefault(key, k)
        cached = sorted(seen.values())
        object.__setattr__(problem, "_vehicle_classes", cached)
    return cached


def check_vrptw(problem: VrptwProblem, result: VrptwResult, *, tol_s: float = 1e-6,
                tol_m: float = 1e-6) -> list[str]:
    """Independent feasibility check of a VRPTW plan (no OR-Tools; recomputed from the matrices).

    Checks: known vehicles used at most once; routes start and end at the vehicle's depots;
    every customer served exactly once or listed unserved exactly once (never both, never
    missing); loads within capacity; reported times consistent (``arrival`` = previous
    departure + travel time, ``start >= arrival``, ``departure = start + service``), windows,
    shift and route duration; the visiting *order* itself feasible (earliest schedule,
    :func:`evaluate_route`); route and total distances and ``vehicles_used`` match.

    Parameters
    ----------
    problem
        The instance.
    result
        The plan.
    tol_s, tol_m
        Tolerances for floating-point noise (seconds, metres).

    Returns
    -------
    list of str
        One sentence per violation; empty when the plan is feasible and consistent.
    """
    out: list[str] = []
    ids = {v.vehicle_id: k for k, v in enumerate(problem.vehicles)}
    used: set[str] = set()
    seen: dict[int, int] = {}
    total = 0.0
    fixed = 0.0
    for r in result.routes:
        if r.vehicle_id not in ids:
            out.append(f"route of unknown vehicle {r.vehicle_id!r}")
            continue
        if r.vehicle_id in used:
            out.append(f"vehicle {r.vehicle_id!r} has two routes")
        used.add(r.vehicle_id)
        k = ids[r.vehicle_id]
        custs = _check_route(problem, r, k, out, seen, tol_s=tol_s)
        if custs is None:
            continue
        ev = evaluate_route(problem, k, custs, tol_s=tol_s)
        out += [f"vehicle {r.vehicle_id!r}: order infeasible: {x}" for x in ev.violations]
        if abs(ev.distance_m - r.distance_m) > tol_m * max(1.0, ev.distance_m):
            out.append(f"vehicle {r.vehicle_id!r}: distance {r.distance_m:.3f} m; recomputed "
                       f"{ev.distance_m:.3f} m")
        total += ev.distance_m
        if custs:
            fixed += problem.vehicles[k].fixed_cost_m
    _check_visits(problem, result, seen, out)
    if abs(total - result.distance_m) > tol_m * max(1.0, total):
        out.append(f"total distance {result.distance_m:.3f} m; routes sum to {total:.3f} m")
    if abs(total + fixed - result.objective) > tol_m * max(1.0, total + fixed):
        out.append(f"objective {result.objective:.3f}; distance + fixed costs = "
                   f"{total + fixed:.3f}")
    n_used = sum(1 for r in result.routes if any(s.kind == "customer" for s in r.stops))
    if n_used != result.vehicles_used:
        out.append(f"vehicles_used = {result.vehicles_used}; {n_used} routes serve customers")
    return out


def _check_route(problem: VrptwProblem, r: VrptwRoute, k: int, out: list[str],
                 seen: dict[int, int], *, tol_s: float) -> list[int] | None:
    """Check one route's depots, stops, times, shift, duration and load (violations appended to
    ``out``; customer visits counted in ``seen``). Returns its customers in order, or ``None``
    when the route is not framed by ``start`` and ``end`` (nothing more can be checked)."""
    v = problem.vehicles[k]
    if len(r.stops) < 2 or r.stops[0].kind != "start" or r.stops[-1].kind != "end":
        out.append(f"vehicle {r.vehicle_id!r}: route must begin with 'start' and finish "
                   "with 'end'")
        return None
    if r.stops[0].node != v.depot or r.stops[-1].node != v.end_depot:
        out.append(f"vehicle {r.vehicle_id!r}: route runs {r.stops[0].node} -> "
                   f"{r.stops[-1].node}; expected depot {v.depot} -> {v.end_depot}")
    custs = []
    for s in r.stops[1:-1]:
        if s.kind != "customer" or s.node not in problem.customers:
            out.append(f"vehicle {r.vehicle_id!r}: stop at node {s.node} ({s.kind}) is not "
                       "a customer visit")
            continue
        custs.append(s.node)
        seen[s.node] = seen.get(s.node, 0) + 1
    load = _check_stop_times(problem, r, out, tol_s=tol_s)
    a, b = problem.shift(k)
    if r.stops[0].departure_s < a - tol_s or r.stops[-1].arrival_s > b + tol_s:
        out.append(f"vehicle {r.vehicle_id!r}: route {r.stops[0].departure_s:.1f}-"
                   f"{r.stops[-1].arrival_s:.1f} s is outside the shift [{a:.1f}, {b:.1f}] s")
    dur = r.stops[-1].arrival_s - r.stops[0].departure_s
    if dur > v.max_route_duration_s + tol_s:
        out.append(f"vehicle {r.vehicle_id!r}: duration {dur:.1f} s exceeds "
                   f"{v.max_route_duration_s:.1f} s")
    if abs(dur - r.duration_s) > tol_s:
        out.append(f"vehicle {r.vehicle_id!r}: duration_s {r.duration_s:.3f}; stops give "
                   f"{dur:.3f}")
    if load > v.capacity:
        out.append(f"vehicle {r.vehicle_id!r}: load {load} exceeds capacity {v.capacity}")
    if r.load != load:
        out.append(f"vehicle {r.vehicle_id!r}: route load {r.load}; customers sum to {load}")
    return custs


def _check_stop_times(problem: VrptwProblem, r: VrptwRoute, out: list[str], *,
                      tol_s: float) -> int:
    """Check arrivals, service starts, windows, departures and running loads along a route;
    returns the route's load (demand of its customer stops)."""
    tt, svc, tw = problem.travel_time_s, problem.service_s, problem.time_window_s
    load = 0
    for p, s in zip(r.stops[:-1], r.stops[1:], strict=True):
        arrive = p.departure_s + tt[p.node, s.node]
        if abs(s.arrival_s - arrive) > tol_s:
            out.append(f"vehicle {r.vehicle_id!r}: arrival at {s.name} {s.arrival_s:.3f} s; "
                       f"previous departure + travel = {arrive:.3f} s")
        if s.start_s < s.arrival_s - tol_s:
            out.append(f"vehicle {r.vehicle_id!r}: service at {s.name} starts before "
                       "arrival")
        if s.kind != "customer":
            continue
        load += int(problem.demand[s.node])
        e, l_ = tw[s.node]
        if s.start_s < e - tol_s or s.start_s > l_ + tol_s:
            out.append(f"vehicle {r.vehicle_id!r}: service at {s.name} starts at "
                       f"{s.start_s:.1f} s, outside its window [{e:.1f}, {l_:.1f}] s")
        if abs(s.departure_s - s.start_s - svc[s.node]) > tol_s:
            out.append(f"vehicle {r.vehicle_id!r}: departure from {s.name} is not "
                       "start + service time")
        if s.load != load:
            out.append(f"vehicle {r.vehicle_id!r}: load after {s.name} is {s.load}; "
                       f"expected {load}")
    return load


def _check_visits(problem: VrptwProblem, result: VrptwResult, seen: dict[int, int],
                  out: list[str]) -> None:
    """Every customer served exactly once or listed unserved exactly once."""
    for c, cnt in seen.items():
        if cnt > 1:
            out.append(f"customer {problem.node_names[c]} visited {cnt} times")
    unserved = [u.node for u in result.unserved]
    for c in set(unserved):
        if unserved.count(c) > 1:
            out.append(f"customer {problem.node_names[c]} listed unserved twice")
        if c in seen:
            out.append(f"customer {problem.node_names[c]} is both served and listed unserved")
        if c not in problem.customers:
            out.append(f"unserved node {c} is not a customer")
    missing = set(problem.customers) - set(seen) - set(unserved)
    if missing:
        names = [problem.node_names[c] for c in sorted(missing)][:10]
        out.append(f"{len(missing)} customer(s) neither served nor listed unserved: {names}")
