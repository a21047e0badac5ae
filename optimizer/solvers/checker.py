"""Independent feasibility checker for dial-a-ride plans (no OR-Tools).

Every rule of :mod:`optimizer.problems.darp` is re-checked from the travel-time matrix:

* structure: known vehicles used once, routes start/end at the vehicle's nodes, every request
  served exactly once (pickup then delivery on the same vehicle) or listed unserved exactly once;
* loads: seats and wheelchair places on board never exceed the vehicle's capacities;
* times given in the plan: arrival = departure of the previous stop + travel time (waiting is
  allowed: ``start >= arrival``), ``departure = start + service``, windows, ride times, route
  duration, shift;
* the route *order* itself: windows, ride times and route duration form a system of difference
  constraints on the service start times (a simple temporal network, Dechter, Meiri & Pearl
  1991); the order is feasible exactly when the constraint graph has no negative cycle. This is
  exact, unlike the forward-time-slack heuristics (Savelsbergh 1992; Cordeau & Laporte 2003
  eight-step evaluation) that can reject feasible orders when ride times bind
  (Tang et al. 2010). :func:`route_schedule` also returns the earliest and latest feasible
  start times.

Tolerance ``tol_s`` (seconds) absorbs floating-point noise only; the solver rounds travel times
up, so its plans are feasible in exact arithmetic.

Vehicles on car ferries (:func:`check_car_ferries`) are re-timed stop by stop from the land
matrix and the timetable, never from the DARP matrix: between two places on the same side the
land time; across the sea the vehicle must catch a car sailing after leaving the previous stop
(vehicle boarding buffer included) that lands it in time for the next stop's start; our vehicles
per sailing are counted against the deck space.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.network.ferries import Sailing
from optimizer.problems.darp import DarpProblem, DarpResult
from optimizer.units import hhmm

__all__ = ["CarCrossing", "RouteSchedule", "Violation", "car_sailing_for", "check_car_ferries",
           "check_darp", "route_schedule"]


@dataclass(frozen=True)
class Violation:
    """One broken rule.

    ``code`` is one of: ``UNKNOWN_VEHICLE``, ``DUPLICATE_VEHICLE``, ``ROUTE_ENDPOINTS``,
    ``UNKNOWN_REQUEST``, ``NODE_MISMATCH``, ``DUPLICATE_VISIT``, ``PRECEDENCE``,
    ``SPLIT_REQUEST``, ``INCOMPLETE_REQUEST``, ``NOT_ACCOUNTED``, ``SERVED_AND_UNSERVED``,
    ``DUPLICATE_UNSERVED``, ``ELIGIBILITY``, ``SEATS``, ``WHEELCHAIR``, ``UNREACHABLE``,
    ``TRAVEL_TIME``, ``SERVICE_TIME``, ``TIME_WINDOW``, ``RIDE_TIME``, ``ROUTE_DURATION``,
    ``SHIFT``, ``ORDER_INFEASIBLE``, ``COST``; from :func:`check_car_ferries` also
    ``LAND_TIME`` (too little time between two stops by land), ``CAR_FERRY`` (no car sailing
    makes an arc across the sea in time) and ``DECK_SPACE`` (more of our vehicles on a sailing
    than the deck places).
    """

    code: str
    message: str
    vehicle_id: str | None = None
    request_id: str | None = None


@dataclass(frozen=True)
class RouteSchedule:
    """Feasible service start times of one route order (seconds after midnight).

    ``earliest_s`` / ``latest_s`` have shape ``(n_stops + 2,)``: start depot, the stops in order,
    end depot. Any feasible schedule lies between them; ``earliest_s`` itself is feasible.
    """

    earliest_s: np.ndarray
    latest_s: np.ndarray


def route_schedule(problem: DarpProblem, vehicle: int,
                   events: Sequence[tuple[int, bool]], *, tol_s: float = 1e-6,
                   ) -> RouteSchedule | None:
    """Decide whether an order of stops is time-feasible for a vehicle (exact).

    Parameters
    ----------
    problem
        The instance.
    vehicle
        Vehicle position in ``problem.vehicles``.
    events
        The stops in order as ``(request position, is_pickup)``; every request in it must
        appear with both its pickup and its delivery, pickup first (not checked here).
    tol_s
        Slack in seconds allowed on a cycle before it counts as negative.

    Returns
    -------
    RouteSchedule or None
        ``None`` when no schedule satisfies windows, travel times, ride times, route duration
        and shift (or a leg is unreachable). Capacities are not part of this test.

    Notes
    -----
    Variables ``t_0`` (leave start depot), ``t_1..t_n`` (service starts), ``t_{n+1}`` (arrive at
    end depot) and a zero node ``z``. Constraint ``t_v - t_u <= w`` is an arc ``u -> v`` of
    weight ``w``; the system is feasible iff there is no negative cycle (Floyd-Warshall,
    ``O(n^3)``, fine for routes of a few dozen stops).
    """
    v = problem.vehicles[vehicle]
    reqs = problem.requests
    tt = problem.travel_time_s
    n = len(events)
    m = n + 3  # start, stops, end, zero
    z = m - 1
    nodes = [v.start_node] + [reqs[r].pickup_node if p else reqs[r].delivery_node
                              for r, p in events] + [v.end_node]
    service = [0.0] + [reqs[r].pickup_service_s if p else reqs[r].delivery_service_s
                       for r, p in events] + [0.0]
    lo = [v.shift_s[0]] + [(reqs[r].pickup_window_s if p else reqs[r].delivery_window_s)[0]
                           for r, p in events] + [v.shift_s[0]]
    hi = [v.shift_s[1]] + [(reqs[r].pickup_window_s if p else reqs[r].delivery_window_s)[1]
                           for r, p in events] + [v.shift_s[1]]
    d = np.full((m, m), math.inf)
    np.fill_diagonal(d, 0.0)
    for k in range(n + 1):
        leg = tt[nodes[k], nodes[k + 1]]
        if not math.isfinite(leg):
            return None
        # t_{k+1} - t_k >= service_k + leg  ->  t_k - t_{k+1} <= -(service_k + leg)
        d[k + 1, k] = min(d[k + 1, k], -(service[k] + leg))
    for k in range(n + 2):
        d[z, k] = min(d[z, k], hi[k])  # t_k <= hi
        d[k, z] = min(d[k, z], -lo[k])  # t_k >= lo
    pos: dict[int, int] = {}
    for k, (r, p) in enumerate(events, start=1):
        if p:
            pos[r] = k
        elif r in pos:
            lim = problem.max_ride_s[r]
            if math.isfinite(lim):
                kp = pos[r]
                d[kp, k] = min(d[kp, k], lim + reqs[r].pickup_service_s)
    if math.isfinite(v.max_route_duration_s):
        d[0, n + 1] = min(d[0, n + 1], v.max_route_duration_s)
    for k in range(m):
        d = np.minimum(d, d[:, k, None] + d[None, k, :])
        if d[k, k] < -tol_s:
            return None
    if np.any(np.diag(d) < -tol_s):
        return None
    earliest = -d[:n + 2, z]
    latest = d[z, :n + 2]
    return RouteSchedule(earliest_s=earliest, latest_s=latest)


def _check_stops(problem: DarpProblem, route, vk: int, rindex: dict[str, int],
                 served_on: dict[str, str], out: list[Violation]
                 ) -> tuple[list[tuple[int, bool]], bool]:
    """Requests, nodes, precedence, eligibility and loads along one route; returns the route's
    ``(request position, is pickup)`` events and whether its structure allows a schedule check.
    Marks the requests it serves in ``served_on``."""
    reqs = problem.requests
    vid = route.vehicle_id
    veh = problem.vehicles[vk]
    events: list[tuple[int, bool]] = []
    picked: dict[str, int] = {}  # request id -> position in route
    done: set[str] = set()
    seats = wheel = 0
    ok_struct = True
    for pos_k, s in enumerate(route.stops[1:-1], start=1):
        if s.kind not in ("pickup", "delivery") or s.request_id not in rindex:
            out.append(Violation("UNKNOWN_REQUEST", f"stop {pos_k} of {vid!r}: kind "
                                 f"{s.kind!r}, request {s.request_id!r}", vid, s.request_id))
            ok_struct = False
            continue
        rid = s.request_id
        rk = rindex[rid]
        r = reqs[rk]
        is_p = s.kind == "pickup"
        want = r.pickup_node if is_p else r.delivery_node
        if s.node != want:
            out.append(Violation("NODE_MISMATCH", f"{s.kind} of {rid!r} at "
                                 f"{problem.node_name(s.node)}, expected "
                                 f"{problem.node_name(want)}", vid, rid))
        if is_p:
            if rid in picked or rid in done or rid in served_on:
                out.append(Violation("DUPLICATE_VISIT", f"pickup of {rid!r} visited twice",
                                     vid, rid))
                ok_struct = False
                continue
            picked[rid] = pos_k
            seats += r.seats
            wheel += r.wheelchair_places
            if r.eligible_vehicles is not None and vid not in r.eligible_vehicles:
                out.append(Violation("ELIGIBILITY", f"{rid!r} may not ride vehicle {vid!r}",
                                     vid, rid))
        else:
            if rid in done:
                out.append(Violation("DUPLICATE_VISIT", f"delivery of {rid!r} visited twice",
                                     vid, rid))
                ok_struct = False
                continue
            if rid not in picked:
                code = "SPLIT_REQUEST" if rid in served_on else "PRECEDENCE"
                out.append(Violation(code, f"delivery of {rid!r} before (or without) its "
                                     f"pickup on {vid!r}", vid, rid))
                ok_struct = False
                continue
            done.add(rid)
            seats -= r.seats
            wheel -= r.wheelchair_places
        events.append((rk, is_p))
        if seats > veh.seats:
            out.append(Violation("SEATS", f"{seats} seats taken after stop {pos_k} of {vid!r}"
                                 f" (capacity {veh.seats})", vid, rid))
        if wheel > veh.wheelchair_places:
            out.append(Violation("WHEELCHAIR", f"{wheel} wheelchairs on board after stop "
                                 f"{pos_k} of {vid!r} (places {veh.wheelchair_places})",
                                 vid, rid))
    for rid in picked:
        if rid not in done:
            out.append(Violation("INCOMPLETE_REQUEST", f"{rid!r} picked up by {vid!r} but "
                                 "never dropped off", vid, rid))
            ok_struct = False
        served_on.setdefault(rid, vid)
    return events, ok_struct


def _check_legs(problem: DarpProblem, route, tol_s: float, out: list[Violation]) -> float:
    """Reachability and travel times between consecutive stops; returns the route's cost
    recomputed from ``problem.cost``."""
    tt = problem.travel_time_s
    vid = route.vehicle_id
    rcost = 0.0
    for a, b in zip(route.stops[:-1], route.stops[1:]):
        leg = tt[a.node, b.node]
        rcost += float(problem.cost[a.node, b.node])
        if not math.isfinite(leg):
            out.append(Violation("UNREACHABLE", f"{vid!r}: no path from "
                                 f"{problem.node_name(a.node)} to "
                                 f"{problem.node_name(b.node)}", vid, b.request_id))
            continue
        if b.arrival_s + tol_s < a.departure_s + leg:
            out.append(Violation("TRAVEL_TIME", f"{vid!r}: arrives at "
                                 f"{problem.node_name(b.node)} at {b.arrival_s:.3f} s, but "
                                 f"leaves {problem.node_name(a.node)} at "
                                 f"{a.departure_s:.3f} s and the trip takes {leg:.3f} s",
                                 vid, b.request_id))
    return rcost


def _check_times(problem: DarpProblem, route, vk: int, rindex: dict[str, int], tol_s: float,
                 out: list[Violation]) -> None:
    """The stated times: service, windows, shift, route duration and ride times."""
    reqs = problem.requests
    vid = route.vehicle_id
    veh = problem.vehicles[vk]
    stops = route.stops
    for s in stops:
        svc = 0.0
        if s.kind in ("pickup", "delivery") and s.request_id in rindex:
            r = reqs[rindex[s.request_id]]
            svc = r.pickup_service_s if s.kind == "pickup" else r.delivery_service_s
            lo, hi = r.pickup_window_s if s.kind == "pickup" else r.delivery_window_s
            if s.start_s + tol_s < lo or s.start_s - tol_s > hi:
                out.append(Violation("TIME_WINDOW", f"{s.kind} of {s.request_id!r} starts at "
                                     f"{s.start_s:.3f} s outside [{lo}, {hi}]", vid,
                                     s.request_id))
        if s.start_s + tol_s < s.arrival_s or abs(s.departure_s - s.start_s - svc) > tol_s:
            out.append(Violation("SERVICE_TIME", f"{s.kind} at {problem.node_name(s.node)}: "
                                 "arrival "
                                 f"{s.arrival_s:.3f}, start {s.start_s:.3f}, departure "
                                 f"{s.departure_s:.3f}, service {svc} s", vid, s.request_id))
    first, last = stops[0], stops[-1]
    if first.departure_s + tol_s < veh.shift_s[0] or last.arrival_s - tol_s > veh.shift_s[1]:
        out.append(Violation("SHIFT", f"{vid!r} runs {first.departure_s:.3f}-"
                             f"{last.arrival_s:.3f} s outside its shift {veh.shift_s}", vid))
    if last.arrival_s - first.departure_s - tol_s > veh.max_route_duration_s:
        out.append(Violation("ROUTE_DURATION", f"{vid!r} route lasts "
                             f"{last.arrival_s - first.departure_s:.3f} s > "
                             f"{veh.max_route_duration_s} s", vid))
    start_at = {}
    for s in stops[1:-1]:
        if s.kind == "pickup":
            start_at[s.request_id] = s
        elif s.request_id in start_at and s.request_id in rindex:
            rk = rindex[s.request_id]
            p = start_at[s.request_id]
            ride = s.start_s - p.departure_s
            if ride - tol_s > problem.max_ride_s[rk]:
                out.append(Violation("RIDE_TIME", f"{s.request_id!r} rides {ride:.3f} s > "
                                     f"{problem.max_ride_s[rk]:.3f} s", vid, s.request_id))


def _check_accounting(problem: DarpProblem, result: DarpResult, rindex: dict[str, int],
                      served_on: dict[str, str], out: list[Violation]) -> None:
    """Every request served exactly once or listed unserved exactly once."""
    unserved_ids = [u.request_id for u in result.unserved]
    for rid in set(unserved_ids):
        if unserved_ids.count(rid) > 1:
            out.append(Violation("DUPLICATE_UNSERVED", f"{rid!r} listed unserved "
                                 f"{unserved_ids.count(rid)} times", request_id=rid))
        if rid in served_on:
            out.append(Violation("SERVED_AND_UNSERVED", f"{rid!r} is served and listed unserved",
                                 request_id=rid))
        if rid not in rindex:
            out.append(Violation("UNKNOWN_REQUEST", f"unserved list names unknown {rid!r}",
                                 request_id=rid))
    for r in problem.requests:
        if r.request_id not in served_on and r.request_id not in unserved_ids:
            out.append(Violation("NOT_ACCOUNTED", f"{r.request_id!r} is neither served nor "
                                 "listed unserved", request_id=r.request_id))


def check_darp(problem: DarpProblem, result: DarpResult, *, tol_s: float = 1e-6,
               cost_rel_tol: float = 1e-6) -> list[Violation]:
    """Check a plan against every rule of the problem, recomputing from the matrices.

    Parameters
    ----------
    problem
        The instance the plan claims to solve.
    result
        The plan (routes with stop times in seconds, unserved list, objective).
    tol_s
        Absolute tolerance on time comparisons, seconds.
    cost_rel_tol
        Relative tolerance when comparing the stated route costs and objective with the costs
        recomputed from ``problem.cost``.

    Returns
    -------
    list of Violation
        Empty when the plan is feasible and consistent.
    """
    out: list[Violation] = []
    rindex = {r.request_id: k for k, r in enumerate(problem.requests)}
    vindex = {v.vehicle_id: k for k, v in enumerate(problem.vehicles)}
    served_on: dict[str, str] = {}
    used: set[str] = set()
    total_cost = 0.0
    for route in result.routes:
        vid = route.vehicle_id
        if vid not in vindex:
            out.append(Violation("UNKNOWN_VEHICLE", f"route uses unknown vehicle {vid!r}", vid))
            continue
        if vid in used:
            out.append(Violation("DUPLICATE_VEHICLE", f"vehicle {vid!r} has two routes", vid))
        used.add(vid)
        vk = vindex[vid]
        veh = problem.vehicles[vk]
        stops = route.stops
        if (len(stops) < 2 or stops[0].kind != "start" or stops[-1].kind != "end"
                or stops[0].node != veh.start_node or stops[-1].node != veh.end_node):
            out.append(Violation("ROUTE_ENDPOINTS", f"route of {vid!r} must run from its start "
                                 f"{problem.node_name(veh.start_node)} to its end "
                                 f"{problem.node_name(veh.end_node)}", vid))
            continue
        events, ok_struct = _check_stops(problem, route, vk, rindex, served_on, out)
        rcost = _check_legs(problem, route, tol_s, out)
        _check_times(problem, route, vk, rindex, tol_s, out)
        # ---- the order itself
        if ok_struct and route_schedule(problem, vk, events, tol_s=tol_s) is None:
            out.append(Violation("ORDER_INFEASIBLE", f"no schedule of {vid!r}'s stop order meets "
                                 "windows, ride times, duration and shift", vid))
        if abs(rcost - route.cost) > cost_rel_tol * max(1.0, abs(rcost)):
            out.append(Violation("COST", f"{vid!r}: stated cost {route.cost} != recomputed "
                                 f"{rcost}", vid))
        total_cost += rcost
    _check_accounting(problem, result, rindex, served_on, out)
    if abs(total_cost - result.objective) > cost_rel_tol * max(1.0, abs(total_cost)):
        out.append(Violation("COST", f"stated objective {result.objective} != recomputed "
                             f"{total_cost}"))
    return out


@dataclass(frozen=True)
class CarCrossing:
    """A vehicle on a car sailing between two consecutive stops of its route (stop positions
    ``after_stop`` and ``after_stop + 1``; ``from_node`` / ``to_node`` their matrix nodes;
    ``on_board`` the requests on board while crossing)."""

    vehicle_id: str
    sailing: Sailing
    after_stop: int
    from_node: int
    to_node: int
    on_board: tuple[str, ...]


def car_sailing_for(land_s: np.ndarray, sailings: Sequence[Sailing], pier_node,
                    i: int, depart_s: float, j: int, by_s: float, *, buffer_s: float,
                    tol_s: float = 1e-6) -> Sailing | None:
    """The car sailing a vehicle takes from node ``i`` (leaving at ``depart_s``) to node ``j``
    (there by ``by_s``): the latest-departing one it can catch (at the boarding pier
    ``buffer_s`` before the departure, after ``land_s[i, pier]``) that lands it in time
    (``arrival + land_s[pier, j] <= by_s``); ``None`` when none does.

    Parameters
    ----------
    land_s
        ``(n, n)`` land travel times, seconds (``inf`` across the sea).
    sailings
        Car sailings of the day.
    pier_node
        GTFS stop id -> node of ``land_s``.
    i, j, depart_s, by_s
        Nodes and clock times, seconds after midnight.
    buffer_s
        Vehicle boarding buffer, seconds.
    tol_s
        Tolerance, seconds.
    """
    best = None
    for s in sailings:
        a, b = pier_node.get(s.from_stop_id), pier_node.get(s.to_stop_id)
        if a is None or b is None:
            continue
        if (depart_s + land_s[i, a] + buffer_s <= s.departure_s + tol_s
                and s.arrival_s + land_s[b, j] <= by_s + tol_s):
            if best is None or (s.departure_s, s.trip_id) > (best.departure_s, best.trip_id):
                best = s
    return best


def check_car_ferries(problem: DarpProblem, result: DarpResult, *, land_s: np.ndarray,
                      sailings: Sequence[Sailing], pier_node, boarding_buffer_s: float,
                      deck_places: int, tol_s: float = 1e-6
                      ) -> tuple[list[Violation], list[CarCrossing]]:
    """Re-time every route from the land matrix and the timetable (not from the DARP matrix).

    Parameters
    ----------
    problem, result
        The instance (its nodes index ``land_s``) and the plan.
    land_s
        ``(n_nodes, n_nodes)`` travel times by land, seconds; ``inf`` where the sea separates
        two places.
    sailings
        The day's sailings that carry cars (``Sailing.cars_allowed``).
    pier_node
        GTFS stop id -> node.
    boarding_buffer_s
        A vehicle is at the pier this long before a departure, seconds.
    deck_places
        Our vehicles allowed on one sailing (counted per GTFS trip id).
    tol_s
        Tolerance, seconds.

    Returns
    -------
    violations, crossings
        ``LAND_TIME``: a stop starts before the previous stop's departure plus the land time;
        ``CAR_FERRY``: no car sailing gets the vehicle across in time; ``DECK_SPACE``: a
        sailing carries more of our vehicles than ``deck_places``. ``crossings``: every vehicle
        crossing with the sailing it takes (:func:`car_sailing_for`).
    """
    out: list[Violation] = []
    crossings: list[CarCrossing] = []
    name = problem.node_name
    for rt in result.routes:
        aboard: list[str] = []
        for k, (a, b) in enumerate(zip(rt.stops[:-1], rt.stops[1:])):
            if a.kind == "pickup":
                aboard.append(a.request_id)
            elif a.kind == "delivery" and a.request_id in aboard:
                aboard.remove(a.request_id)
            leg = land_s[a.node, b.node]
            if math.isfinite(leg):
                if b.start_s + tol_s < a.departure_s + leg:
                    out.append(Violation("LAND_TIME", f"{rt.vehicle_id!r} leaves {name(a.node)} "
                                         f"at {hhmm(a.departure_s)} and cannot start at "
                                         f"{name(b.node)} at {hhmm(b.start_s)} ({leg:.0f} s by "
                                         "land)", rt.vehicle_id, b.request_id))
                continue
            s = car_sailing_for(land_s, sailings, pier_node, a.node, a.departure_s, b.node,
                                b.start_s, buffer_s=boarding_buffer_s, tol_s=tol_s)
            if s is None:
                out.append(Violation("CAR_FERRY", f"{rt.vehicle_id!r}: no car sailing takes it "
                                     f"from {name(a.node)} (leaving {hhmm(a.departure_s)}) to "
                                     f"{name(b.node)} by {hhmm(b.start_s)}", rt.vehicle_id,
                                     b.request_id))
                continue
            crossings.append(CarCrossing(rt.vehicle_id, s, k, a.node, b.node, tuple(aboard)))
    per: dict[str, set[str]] = {}
    for c in crossings:
        per.setdefault(c.sailing.trip_id, set()).add(c.vehicle_id)
    for trip_id, vs in sorted(per.items()):
        if len(vs) > deck_places:
            out.append(Violation("DECK_SPACE", f"sailing {trip_id} carries {len(vs)} of our "
                                 f"vehicles ({', '.join(sorted(vs))}); deck places "
                                 f"{deck_places}"))
    return out, crossings
