"""Re-planning a dialysis day during operations (issue 12 item 2).

:func:`replan_day` takes the day as planned (:mod:`optimizer.services.dialysis.replan_day`
reads it back from the run), the events of the day (:mod:`~.replan_events`) and a clock time
``at``, and returns a new plan that keeps the past and changes as little as possible.

The past is frozen
------------------
Every stop whose service started at or before ``at`` stays as planned. A vehicle's position at
``at`` is where the plan has it: at its last stop while serving it, otherwise committed to the
stop it is driving (or waiting) at next: the re-plan starts it there, at the time it arrives.
Passengers on board at ``at`` stay on their vehicle and are dropped off by it (forced
deliveries). A vehicle out of service from ``T`` keeps its plan up to ``max(T, at)``, then only
drops off the passengers on board (in the planned order) and returns to its base.

The rest is re-solved
---------------------
The remaining legs (trips not yet begun are split into legs again with the events applied: a
later session end moves the return window, a delayed or cancelled sailing changes the crossing)
form one DARP whose vehicles start at their ``at`` positions
(:func:`optimizer.solvers.ortools_routing.solve_darp`). The objective is lexicographic:

1. serve most trips;
2. change fewest assignments (trip → vehicle): a first solve keeps every trip on its planned
   vehicle (searching only the vehicles that lost a trip); if it drops a planned trip, a second
   lets only the dropped trips take other vehicles, and a third (all free) runs only if a
   planned trip is still dropped; a later plan is taken only when it serves more trips;
3. change fewest times: each route is re-timed (:func:`retime_route`) to keep every stop at its
   planned time where the new order allows it;
4. driving cost (the solver's objective).

A trip already under way whose sailing is delayed may reach the unit as much later as the
sailing lands later; the change list shows the late arrival. Trips the plan left unserved stay
unserved with their reason (their patients were told; a new run plans them again); urgent
requests are added. The merged
plan (frozen past and new future) is checked on the day's full DARP by the independent checker
(:func:`optimizer.solvers.checker.check_darp`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from optimizer.errors import OptimizerError
from optimizer.problems.darp import DarpProblem, DarpResult, Request, Route, Stop, Unserved, \
    UnservedReason, Vehicle
from optimizer.problems.darp import SolveStatus as DarpStatus
from optimizer.results import SearchRecord
from optimizer.services.dialysis.planning import DARP_TO_CODE, leg_head
from optimizer.services.dialysis.replan_day import Day, build_day, build_route, route_times
from optimizer.services.dialysis.replan_events import AppliedEvents
from optimizer.services.dialysis.trips import Crossing, Leg, Trip
from optimizer.solvers.params import SolverParams
from optimizer.units import hhmm

if TYPE_CHECKING:  # pragma: no cover
    from optimizer.network.build import Network

__all__ = ["NO_SHOW_SUFFIX", "REPLAN_GLS_SOLUTIONS", "REPLAN_LNS_ROUNDS", "Frozen", "Replanned",
           "VehicleAt", "check_events_against_plan", "freeze", "replan_day", "retime_route",
           "start_plan"]

REPLAN_LNS_ROUNDS = 60
"""Ruin-and-recreate rounds of a re-plan solve per second of ``time_limit_s`` (a work limit, so
the result does not depend on the machine; the search starts from the plan, so a short search
suffices: the baseline day re-plans in under 5 s CPU with the default 1 s, BENCHMARKS.md)."""

REPLAN_GLS_SOLUTIONS = 1
"""Guided-local-search solutions after it (work limit)."""

NO_SHOW_SUFFIX = "~no-show"
"""Request id suffix of a no-show visit: the vehicle went to the pickup, nobody boarded."""


@dataclass(frozen=True)
class VehicleAt:
    """One vehicle at the re-plan time.

    Attributes
    ----------
    vehicle_id, k
        Id and position in the fleet (its base is node ``k``).
    prefix
        Stops done (service started by the freeze time), start first; empty when the vehicle
        has not left its base.
    tail
        For a vehicle out of service: the drop-offs of its passengers on board, as planned.
    node, time_s
        Where and when it is free for the re-plan (seconds after midnight).
    onboard
        Leg ids of passengers on board to drop off in the re-plan.
    out
        Out of service (takes no new passenger).
    """

    vehicle_id: str
    k: int
    prefix: tuple[Stop, ...]
    tail: tuple[Stop, ...]
    node: int
    time_s: float
    onboard: tuple[str, ...] = ()
    out: bool = False


@dataclass(frozen=True)
class Frozen:
    """The plan's state at the re-plan time: vehicles, and the legs done, on board or open."""

    vehicles: tuple[VehicleAt, ...]
    done: frozenset[str]
    onboard: Mapping[str, str]  # leg id -> vehicle id
    picked_at: Mapping[str, Stop]  # leg id -> its (frozen) pickup stop
    original_vehicle: Mapping[str, str]  # leg id -> vehicle id in the plan


@dataclass(frozen=True)
class Replanned:
    """The re-plan.

    Attributes
    ----------
    problem, result
        The day's full DARP (frozen legs with their planned windows, remaining legs with the
        events applied) and the merged plan (frozen past and re-planned future).
    violations
        Checker findings (empty for a valid plan).
    legs
        Leg id → leg of every request of ``problem`` (no-show visits excluded).
    crossings
        Trip id → crossing in the new plan.
    trips
        Every trip of the day after the events (urgent trips included).
    unserved
        Trip id → (reason code, detail) for every trip not served in the new plan.
    frozen
        The state at ``at``.
    searches
        The solver's search records.
    phase
        ``"kept"`` (trips kept on their vehicles), ``"moved"`` (dropped trips moved to other
        vehicles served more) or ``"free"`` (the free solve served more).
    """

    problem: DarpProblem
    result: DarpResult
    violations: tuple
    legs: Mapping[str, Leg]
    crossings: Mapping[str, Crossing]
    trips: tuple[Trip, ...]
    unserved: Mapping[str, tuple[str, str]]
    frozen: Frozen
    searches: tuple[SearchRecord, ...] = ()
    phase: str = "kept"
    day: Day | None = field(default=None, compare=False, repr=False)


# ----------------------------------------------------------------------------- freezing
def freeze(original: DarpResult, day: Day, at_s: float,
           vehicles_out: Mapping[str, float] | None = None) -> Frozen:
    """The state of the plan at ``at_s`` (see the module docs).

    Parameters
    ----------
    original
        The plan (routes in the day's leg ids, times in seconds).
    day
        The day it was planned on (matrix, fleet).
    at_s
        The re-plan time, seconds after midnight.
    vehicles_out
        Vehicle id → time it leaves service (seconds).

    Returns
    -------
    Frozen
    """
    out = dict(vehicles_out or {})
    fleet = {v.vehicle_id: k for k, v in enumerate(day.inputs.vehicles)}
    routes = {r.vehicle_id: r for r in original.routes}
    states, done, onboard, picked, orig_vehicle = [], set(), {}, {}, {}
    for r in original.routes:
        for s in r.stops:
            if s.kind == "pickup":
                orig_vehicle[s.request_id] = r.vehicle_id
    for vid, k in fleet.items():
        st = _vehicle_at(day, vid, k, routes.get(vid), max(at_s, out.get(vid, -math.inf)),
                         vid in out)
        states.append(st)
        for s in (*st.prefix, *st.tail):
            if s.kind == "pickup":
                picked[s.request_id] = s
            elif s.kind == "delivery":
                done.add(s.request_id)
        for rid in st.onboard:
            onboard[rid] = vid
    return Frozen(tuple(states), frozenset(done), onboard, picked, orig_vehicle)


def _vehicle_at(day: Day, vid: str, k: int, route: Route | None, t_f: float, is_out: bool
                ) -> VehicleAt:
    veh = day.inputs.vehicles[k]
    free_at = max(float(veh.shift_start_s), t_f)
    if route is None:
        return VehicleAt(vid, k, (), (), k, free_at, out=is_out)
    stops = route.stops
    n = 1
    while n < len(stops) - 1 and stops[n].start_s <= t_f:
        n += 1
    left = n > 1 or stops[0].departure_s < t_f
    prefix = tuple(stops[:n]) if left else ()
    inside = {s.request_id for s in prefix if s.kind == "pickup"} - {
        s.request_id for s in prefix if s.kind == "delivery"}
    on = tuple(s.request_id for s in prefix if s.kind == "pickup" and s.request_id in inside)
    if not prefix:
        return VehicleAt(vid, k, (), (), k, max(free_at, stops[0].departure_s if is_out
                                                 else free_at), out=is_out)
    if is_out:
        tail = tuple(s for s in stops[n:-1] if s.kind == "delivery" and s.request_id in inside)
        return VehicleAt(vid, k, prefix, tail, k, t_f, (), True)
    last = prefix[-1]
    if last.departure_s >= t_f:
        return VehicleAt(vid, k, prefix, (), last.node, last.departure_s, on)
    nxt = stops[n]
    arrive = last.departure_s + float(day.m.travel_time_s[last.node, nxt.node])
    return VehicleAt(vid, k, prefix, (), nxt.node, max(t_f, arrive), on)


# ----------------------------------------------------------------------------- the remaining legs
@dataclass
class _Remaining:
    """The legs the re-plan serves, as DARP requests, and what the merge needs."""

    requests: dict[str, Request] = field(default_factory=dict)  # open legs (full problem)
    legs: dict[str, Leg] = field(default_factory=dict)
    crossings: dict[str, Crossing] = field(default_factory=dict)
    unserved: dict[str, tuple[str, str]] = field(default_factory=dict)
    onboard_window: dict[str, tuple[float, float]] = field(default_factory=dict)
    fresh_trips: set[str] = field(default_factory=set)


def _trip_of_leg(leg_id: str) -> str:
    return leg_id.split(":")[0].removesuffix(NO_SHOW_SUFFIX)


def _remaining(day0: Day, ev: AppliedEvents, fz: Frozen, network: Network) -> tuple[_Remaining,
                                                                                   Day]:
    """Open legs: trips not begun split again with the events; begun trips' legs kept, their
    crossing moved with a changed sailing."""
    rem = _Remaining()
    legs0 = {leg.leg_id: leg for leg in day0.legs}
    begun = {_trip_of_leg(rid) for rid in fz.picked_at}
    planned = {_trip_of_leg(rid) for rid in fz.original_vehicle}
    urgent = {t.trip_id for t in ev.trips} - {t.trip_id for t in day0.trips}
    fresh = [t for t in ev.trips if t.trip_id not in begun and t.trip_id not in ev.cancelled
             and (t.trip_id in planned or t.trip_id in urgent)]
    day1 = build_day(day0.inputs, network, day0.params, day0.date, timetable=ev.timetable,
                     trips=fresh, m=day0.m)
    rem.fresh_trips = {t.trip_id for t in fresh}
    rem.unserved.update(day1.unmade)
    for leg in day1.legs:
        rem.requests[leg.leg_id] = day1.requests[leg.leg_id]
        rem.legs[leg.leg_id] = leg
    rem.crossings.update(day1.crossing_of)
    for tid in sorted(begun):
        trip_legs = [leg for lid, leg in legs0.items() if _trip_of_leg(lid) == tid]
        cr = day0.crossing_of.get(tid)
        new_cr = _moved_crossing(cr, ev, day1) if cr is not None else None
        if cr is not None:
            rem.crossings[tid] = new_cr if new_cr is not None else cr
        for leg in trip_legs:
            rem.legs[leg.leg_id] = leg
            if leg.leg_id in fz.done:
                continue
            req = day0.requests[leg.leg_id]
            if leg.leg_id in fz.picked_at:  # on board: relaxed drop-off at a pier
                rem.onboard_window[leg.leg_id] = _onboard_window(leg, req, cr, new_cr, day0)
                continue
            if tid in ev.cancelled:
                continue
            if cr is not None and new_cr is None and cr.sailing.trip_id in {
                    k[0] for k, v in ev.changed_sailings.items() if v is None}:
                rem.unserved[tid] = ("NO_SAILING", f"{leg_head(leg, day0.m)}: the sailing was "
                                     "cancelled and no later sailing runs today on that crossing")
                continue
            rem.requests[leg.leg_id] = _moved_leg_request(leg, req, cr, new_cr, day0)
    return rem, day1


def _moved_crossing(cr: Crossing, ev: AppliedEvents, day1: Day) -> Crossing | None:
    """The crossing after the events: the same sailing delayed, the next sailing between the
    same piers if it was cancelled (``None`` when none runs later), unchanged otherwise."""
    s = cr.sailing
    key = (s.trip_id, s.from_stop_id, s.to_stop_id)
    if key not in ev.changed_sailings:
        return cr
    new = ev.changed_sailings[key]
    if new is None:
        later = [x for x in (day1.timetable.sailings_between(s.from_stop_id, s.to_stop_id)
                             if day1.timetable is not None else ())
                 if x.departure_s >= s.departure_s]
        if not later:
            return None
        new = min(later, key=lambda x: (x.departure_s, x.trip_id))
    return dataclasses.replace(cr, sailing=new,
                               boarding_deadline_s=new.departure_s - day1.rules.boarding_buffer_s)


def _onboard_window(leg: Leg, req: Request, cr: Crossing | None, new_cr: Crossing | None,
                    day: Day) -> tuple[float, float]:
    """Drop-off window of a passenger on board: at a boarding pier any time before the (new)
    boarding deadline; at the unit after a crossing, as much later as the sailing lands later;
    otherwise as planned."""
    lo, hi = req.delivery_window_s
    part = leg.leg_id.rpartition(":")[2]
    if cr is not None and part == "1":
        dead = (new_cr or cr).boarding_deadline_s
        return (0.0, max(dead, lo))
    if cr is not None and part == "2" and leg.trip.direction == "out":
        return (lo, hi + _delay(cr, new_cr))
    return (lo, hi)


def _delay(cr: Crossing, new_cr: Crossing | None) -> float:
    """How much later the (new) sailing lands than the planned one, seconds (>= 0)."""
    if new_cr is None:
        return 0.0
    return max(0.0, float(new_cr.sailing.arrival_s - cr.sailing.arrival_s))


def _moved_leg_request(leg: Leg, req: Request, cr: Crossing | None, new_cr: Crossing | None,
                       day: Day) -> Request:
    """An open leg of a begun trip: leg 2 after a changed sailing picks up at its new
    arrival; an outbound leg 2 may reach the unit as much later as the sailing lands later
    (the patient is already on the way)."""
    if cr is None or leg.leg_id.rpartition(":")[2] != "2" or new_cr is None:
        return req
    arr = float(new_cr.sailing.arrival_s)
    if leg.trip.direction == "out":
        lo, hi = req.delivery_window_s
        return dataclasses.replace(req, pickup_window_s=(arr, math.inf),
                                   delivery_window_s=(lo, hi + _delay(cr, new_cr)))
    return dataclasses.replace(req, pickup_window_s=(arr, arr + day.rules.return_within_s))


def check_events_against_plan(ev: AppliedEvents, fz: Frozen, day0: Day) -> set[str]:
    """Refuse events the past makes impossible; return the leg ids of no-show visits.

    Raises
    ------
    optimizer.errors.InputError
        A cancelled trip whose patient is on board at ``at``, a ride home of a late session
        already under way (the event's line and field named).
    """
    begun_legs: dict[str, list[str]] = {}
    for rid in fz.picked_at:
        begun_legs.setdefault(_trip_of_leg(rid), []).append(rid)
    visits: set[str] = set()
    for tid, (code, _detail) in ev.cancelled.items():
        legs = begun_legs.get(tid, [])
        onboard = [rid for rid in legs if rid not in fz.done]
        if code == "NO_SHOW":
            visits.update(onboard)
        elif onboard:
            e = ev.source[tid]
            s = fz.picked_at[onboard[0]]
            raise e.error(f"trip {tid} is under way at the re-plan time: picked up at "
                          f"{hhmm(s.start_s)} by {fz.onboard.get(onboard[0], '?')}; a patient on "
                          "board cannot be cancelled (use a later --at, or no_show for a "
                          "pickup where nobody boarded)", "patient")
    for tid in ev.late:
        if tid in begun_legs:
            e = ev.source[tid]
            s = fz.picked_at[sorted(begun_legs[tid])[0]]
            raise e.error(f"the ride home {tid} already began at {hhmm(s.start_s)}: its "
                          "session cannot end later", "patient")
    return visits


# ----------------------------------------------------------------------------- solving
def _sub_problem(day0: Day, fz: Frozen, rem: _Remaining, visits: set[str],
                 keep: bool) -> tuple[DarpProblem, dict[str, float]]:
    """The DARP of what is left: vehicles at their ``at`` positions, passengers on board as
    pickups at that position (window the instant, eligible only their vehicle), open legs
    (``keep``: each on its planned vehicle when that vehicle still runs). Returns the problem
    and the extra ride time (seconds) an on-board passenger's committed position needs."""
    fleet = day0.inputs.vehicles
    tt = day0.m.travel_time_s
    running = {v.vehicle_id for v in fz.vehicles if not v.out}
    vehicles, reqs, extra = [], [], {}
    for v in fz.vehicles:
        if v.out:
            continue
        spec = fleet[v.k]
        t0 = float(math.ceil(v.time_s - 1e-9))  # whole seconds: the solver's resolution
        vehicles.append(Vehicle(v.vehicle_id, v.node, v.k,
                                (t0, max(t0, float(spec.shift_end_s))),
                                seats=spec.seats, wheelchair_places=spec.wheelchair_places))
        for rid in v.onboard:
            if rid in visits:
                continue
            req = day0.requests[rid]
            p = fz.picked_at[rid]
            lim = _limit(req, tt)
            left = lim - (t0 - p.departure_s)
            need = float(tt[v.node, req.delivery_node])
            extra[rid] = max(0.0, need - left)
            reqs.append(dataclasses.replace(
                req, pickup_node=v.node, pickup_window_s=(t0, t0),
                delivery_window_s=rem.onboard_window[rid], pickup_service_s=0.0,
                max_ride_time_s=max(left, need), max_ride_factor=None,
                eligible_vehicles=frozenset({v.vehicle_id})))
    for rid, req in rem.requests.items():
        if req.eligible_vehicles is not None:
            req = dataclasses.replace(req, eligible_vehicles=req.eligible_vehicles & running)
        was = fz.original_vehicle.get(rid)
        if keep and was in running and (req.eligible_vehicles is None
                                        or was in req.eligible_vehicles):
            req = dataclasses.replace(req, eligible_vehicles=frozenset({was}))
        reqs.append(req)
    return day0.problem(reqs, vehicles, name=f"dialysis re-plan {day0.date}"), extra


def _limit(req: Request, tt: np.ndarray) -> float:
    lim = req.max_ride_time_s
    if req.max_ride_factor is not None:
        lim = min(lim, req.max_ride_factor * float(tt[req.pickup_node, req.delivery_node]))
    return lim


def _solve(problem: DarpProblem, solver: SolverParams, time_limit_s: float,
           start: Mapping[str, list[tuple[str, str]]] | None = None) -> DarpResult:
    from optimizer.solvers.ortools_routing import darp_params, solve_darp

    if not problem.requests:
        return DarpResult(status=DarpStatus.OPTIMAL, routes=(), unserved=(), objective=0.0)
    prm = darp_params(solver, time_limit_s=time_limit_s, searches=1, workers=1,
                      initial_routes=start,
                      lns_iterations=max(1, int(round(REPLAN_LNS_ROUNDS * time_limit_s))),
                      solution_limit=REPLAN_GLS_SOLUTIONS)
    return solve_darp(problem, prm)


def _solve_kept(problem: DarpProblem, start: Mapping[str, list[tuple[str, str]]],
                solver: SolverParams, time_limit_s: float) -> DarpResult:
    """The kept solve: the requests missing from the start plan are inserted by a search over
    only the vehicles that may take them (each planned trip may take only its own vehicle);
    every other vehicle keeps its start plan untouched (nothing to search when none is
    missing)."""
    placed = {rid for seq in start.values() for rid, _ in seq}
    missing = [r for r in problem.requests if r.request_id not in placed]
    if not missing:
        return _start_result(problem, start)  # the plan still holds: nothing to search
    every = {v.vehicle_id for v in problem.vehicles}
    touched: set[str] = set()
    for r in missing:
        touched |= every if r.eligible_vehicles is None else set(r.eligible_vehicles)
    keep_v = [v for v in problem.vehicles if v.vehicle_id not in touched]
    on_kept = {rid for v in keep_v for rid, _ in start.get(v.vehicle_id, [])}
    reqs = [r if r.eligible_vehicles is None else
            dataclasses.replace(r, eligible_vehicles=r.eligible_vehicles & frozenset(touched))
            for r in problem.requests if r.request_id not in on_kept]
    part = DarpProblem(problem.travel_time_s, tuple(reqs),
                       tuple(v for v in problem.vehicles if v.vehicle_id in touched),
                       node_labels=problem.node_labels, name=problem.name)
    solved = _solve(part, solver, time_limit_s, {v: start.get(v, []) for v in sorted(touched)})
    kept = _start_result(problem, {v.vehicle_id: start.get(v.vehicle_id, []) for v in keep_v})
    return dataclasses.replace(solved, routes=(*solved.routes, *kept.routes),
                               objective=solved.objective + kept.objective)


def start_plan(problem: DarpProblem, fz: Frozen, original: DarpResult,
               moved: set[str]) -> dict[str, list[tuple[str, str]]]:
    """The plan's remaining stops as a start for the search: per vehicle, its passengers on
    board, then its planned stops after the frozen ones that are still requests; trips whose
    stops no longer fit (timing checked in whole seconds, rounded against us like the solver)
    are taken out, those in ``moved`` (windows changed by an event) first, then from the end.
    """
    reqs = {r.request_id: k for k, r in enumerate(problem.requests)}
    routes = {r.vehicle_id: r for r in original.routes}
    out: dict[str, list[tuple[str, str]]] = {}
    for k, veh in enumerate(problem.vehicles):
        v = next(x for x in fz.vehicles if x.vehicle_id == veh.vehicle_id)
        seq = [(rid, "pickup") for rid in v.onboard if rid in reqs]
        rt = routes.get(veh.vehicle_id)
        if rt is not None:
            n = len(v.prefix) if v.prefix else 1
            seq += [(s.request_id, s.kind) for s in rt.stops[n:-1]
                    if s.request_id in reqs and (s.kind == "delivery" or s.request_id
                                                 not in fz.picked_at)]
        out[veh.vehicle_id] = _fit(problem, k, seq, reqs, moved, set(fz.onboard))
    return out


def _start_result(problem: DarpProblem, start: Mapping[str, list[tuple[str, str]]]
                  ) -> DarpResult:
    """The start plan as a result (every request on it), timed as early as possible."""
    reqs = {r.request_id: r for r in problem.requests}
    tt = problem.travel_time_s
    routes = []
    for k, veh in enumerate(problem.vehicles):
        seq = start.get(veh.vehicle_id, [])
        if not seq:
            continue
        kinds = ["start", *(kind for _, kind in seq), "end"]
        rids = [None, *(rid for rid, _ in seq), None]
        nodes = [veh.start_node, *(reqs[r].pickup_node if kd == "pickup" else
                                   reqs[r].delivery_node for r, kd in seq), veh.end_node]
        svc = [0.0, *(reqs[r].pickup_service_s if kd == "pickup" else
                      reqs[r].delivery_service_s for r, kd in seq), 0.0]
        lo = [veh.shift_s[0], *((reqs[r].pickup_window_s if kd == "pickup" else
                                 reqs[r].delivery_window_s)[0] for r, kd in seq), veh.shift_s[0]]
        hi = [veh.shift_s[1], *((reqs[r].pickup_window_s if kd == "pickup" else
                                 reqs[r].delivery_window_s)[1] for r, kd in seq), veh.shift_s[1]]
        times = route_times(tt, nodes, svc, lo, hi)
        routes.append(build_route(tt, veh.vehicle_id, kinds, nodes, svc, rids,
                                  times if times is not None else lo, reqs))
    return DarpResult(status=DarpStatus.FEASIBLE, routes=tuple(routes), unserved=(),
                      objective=float(sum(r.cost for r in routes)))


def _fit(problem: DarpProblem, k: int, seq: list[tuple[str, str]], reqs: Mapping[str, int],
         moved: set[str], keep: set[str]) -> list[tuple[str, str]]:
    """``seq`` with whole trips taken out until its order has a schedule."""
    while seq and not _order_ok(problem, k, seq, reqs):
        trips = [_trip_of_leg(rid) for rid, _ in seq if rid not in keep]
        if not trips:
            break
        first = next((t for t in trips if t in moved), trips[-1])
        seq = [(rid, kind) for rid, kind in seq if _trip_of_leg(rid) != first or rid in keep]
    return seq


def _order_ok(problem: DarpProblem, k: int, seq: Sequence[tuple[str, str]],
              reqs: Mapping[str, int]) -> bool:
    veh = problem.vehicles[k]
    tt = np.ceil(np.where(np.isfinite(problem.travel_time_s), problem.travel_time_s, np.inf))
    nodes, svc, lo, hi, rides, at = [veh.start_node], [0.0], [math.ceil(veh.shift_s[0])], \
        [math.floor(veh.shift_s[1]) if math.isfinite(veh.shift_s[1]) else math.inf], [], {}
    for i, (rid, kind) in enumerate(seq, start=1):
        r = problem.requests[reqs[rid]]
        pick = kind == "pickup"
        nodes.append(r.pickup_node if pick else r.delivery_node)
        svc.append(math.ceil(r.pickup_service_s if pick else r.delivery_service_s))
        w = r.pickup_window_s if pick else r.delivery_window_s
        lo.append(math.ceil(w[0]))
        hi.append(math.floor(w[1]) if math.isfinite(w[1]) else math.inf)
        if pick:
            at[rid] = i
        elif rid in at:
            rides.append((at[rid], i, math.floor(problem.max_ride_s[reqs[rid]])
                          + math.ceil(r.pickup_service_s)))
        else:
            return False
    nodes.append(veh.end_node)
    svc.append(0.0)
    lo.append(lo[0])
    hi.append(hi[0])
    return route_times(tt, nodes, svc, lo, hi, rides) is not None


def _dropped_planned(result: DarpResult, fz: Frozen) -> bool:
    """Whether the search left a leg of the plan unserved."""
    return any(u.reason is UnservedReason.DROPPED_BY_SEARCH and u.request_id in
               fz.original_vehicle for u in result.unserved)


def _second_chance(kept: DarpResult, free: DarpProblem, solver: SolverParams,
                   time_limit_s: float, rem: _Remaining, fz: Frozen,
                   searches: list[SearchRecord]) -> tuple[DarpResult, str]:
    """After the kept solve dropped a planned trip: first let only the dropped legs take other
    vehicles (every served leg stays on its vehicle); if a planned trip is still dropped, a
    free solve (any leg, any eligible vehicle) from the best plan so far. A plan is taken only
    when it serves more trips (then fewest reassignments: the first that does)."""
    def start(res: DarpResult) -> dict[str, list[tuple[str, str]]]:
        return {r.vehicle_id: [(s.request_id, s.kind) for s in r.stops[1:-1]]
                for r in res.routes}

    on = {s.request_id: r.vehicle_id for r in kept.routes for s in r.stops if s.request_id}
    held = dataclasses.replace(free, requests=tuple(
        dataclasses.replace(r, eligible_vehicles=frozenset({on[r.request_id]}))
        if r.request_id in on else r for r in free.requests))
    best, phase = kept, "kept"
    for name, problem in (("moved", held), ("free", free)):
        res = _solve(problem, solver, time_limit_s, start(best))
        searches.append(dataclasses.replace(res.search, name=f"dialysis re-plan ({name})"))
        if _trips_served(res, rem) > _trips_served(best, rem):
            best, phase = res, name
        if not _dropped_planned(best, fz):
            break
    return best, phase


def _trips_served(result: DarpResult, rem: _Remaining) -> int:
    """Trips whose every open leg is on a route."""
    served = set(result.served)
    by_trip: dict[str, list[str]] = {}
    for rid in rem.requests:
        by_trip.setdefault(_trip_of_leg(rid), []).append(rid)
    return sum(all(r in served for r in rids) for rids in by_trip.values())


def _unlink(sub: DarpResult, rem: _Remaining, m: Any
            ) -> tuple[DarpResult, dict[str, tuple[str, str]]]:
    """Trips not begun with a dropped leg: unserved whole, their other legs taken off the
    routes (stop times kept: valid by the triangle inequality). Begun trips keep what is
    served."""
    dropped = {u.request_id: u for u in sub.unserved}
    why: dict[str, tuple[str, str]] = {}
    for rid, u in sorted(dropped.items()):
        tid = _trip_of_leg(rid)
        leg = rem.legs.get(rid)
        head = leg_head(leg, m) if leg is not None else rid
        why.setdefault(tid, (DARP_TO_CODE.get(u.reason, "CAPACITY"), f"{head}: {u.detail}"))
    remove = {rid for rid in rem.requests if _trip_of_leg(rid) in why
              and _trip_of_leg(rid) in rem.fresh_trips and rid not in dropped}
    if not remove:
        return sub, why
    routes = []
    for rt in sub.routes:
        keep = [s for s in rt.stops if s.request_id not in remove]
        if len(keep) > 2:
            routes.append(Route(rt.vehicle_id, tuple(keep), rt.cost, rt.travel_time_s,
                                rt.duration_s))
    uns = list(sub.unserved) + [Unserved(rid, UnservedReason.DROPPED_BY_SEARCH,
                                         "the linked leg on the other side of the crossing is "
                                         "unserved") for rid in sorted(remove)]
    return dataclasses.replace(sub, routes=tuple(routes), unserved=tuple(uns)), why



# ----------------------------------------------------------------------------- merging
def _full_requests(day0: Day, fz: Frozen, rem: _Remaining, visits: set[str],
                   extra: Mapping[str, float]) -> dict[str, Request]:
    """The day's full DARP requests: frozen legs as planned, passengers on board with their
    relaxed drop-off, no-show visits, open legs with the events applied."""
    tt = day0.m.travel_time_s
    out: dict[str, Request] = {}
    for rid, p in sorted(fz.picked_at.items()):
        req = day0.requests[rid]
        if rid in visits:
            vid = rid + NO_SHOW_SUFFIX
            out[vid] = Request(vid, p.node, p.node, req.pickup_window_s, (0.0, math.inf),
                               seats=req.seats, wheelchair_places=req.wheelchair_places,
                               pickup_service_s=req.pickup_service_s)
        elif rid in fz.done:
            out[rid] = req
        else:
            out[rid] = dataclasses.replace(
                req, delivery_window_s=rem.onboard_window.get(rid, req.delivery_window_s),
                max_ride_time_s=_limit(req, tt) + extra.get(rid, 0.0), max_ride_factor=None)
    out.update(rem.requests)
    return out


def _merge_route(day0: Day, v: VehicleAt, sub: Route | None, reqs: Mapping[str, Request],
                 visits: set[str], targets: Mapping[tuple[str | None, str], float]
                 ) -> Route | None:
    """One vehicle's day: its frozen stops, then its re-planned ones, re-timed."""
    seq: list[tuple[str, int, str | None, float]] = []
    for s in v.prefix:
        if s.request_id in visits:
            vid = s.request_id + NO_SHOW_SUFFIX
            seq += [("pickup", s.node, vid, s.start_s), ("delivery", s.node, vid, s.departure_s)]
        else:
            seq.append((s.kind, s.node, s.request_id, s.start_s))
    seq += [(s.kind, s.node, s.request_id, s.start_s) for s in v.tail]
    n_frozen = len(seq)
    middle = [] if sub is None else [s for s in sub.stops[1:-1]
                                     if not (s.kind == "pickup" and s.request_id in v.onboard)]
    if not seq:
        if sub is None:
            return None
        seq.append(("start", v.k, None, sub.stops[0].start_s))
    seq += [(s.kind, s.node, s.request_id, s.start_s) for s in middle]
    seq.append(("end", v.k, None, 0.0))
    times = _retimed(day0, v, seq, n_frozen, reqs, targets)
    kinds, nodes, rids = [x[0] for x in seq], [x[1] for x in seq], [x[2] for x in seq]
    svc = [_service(k, r, reqs) for k, r in zip(kinds, rids)]
    return build_route(day0.m.travel_time_s, v.vehicle_id, kinds, nodes, svc, rids, times, reqs)


def _service(kind: str, rid: str | None, reqs: Mapping[str, Request]) -> float:
    if rid is None:
        return 0.0
    r = reqs[rid]
    return r.pickup_service_s if kind == "pickup" else r.delivery_service_s


def _retimed(day0: Day, v: VehicleAt, seq: Sequence[tuple[str, int, str | None, float]],
             n_frozen: int, reqs: Mapping[str, Request],
             targets: Mapping[tuple[str | None, str], float]) -> list[float]:
    """Times of a merged route: frozen stops exactly as planned, the others at their planned
    time where the order allows (:func:`retime_route`), else as early as possible."""
    spec = day0.inputs.vehicles[v.k]
    tt = day0.m.travel_time_s
    lo, hi, target, rides, picked = [], [], [], [], {}
    for i, (kind, node, rid, t) in enumerate(seq):
        if i < n_frozen:
            w = (t, t)
        elif rid is None:
            w = (max(float(spec.shift_start_s), v.time_s) if kind == "start"
                 else float(spec.shift_start_s), float(spec.shift_end_s))
        else:
            r = reqs[rid]
            w = r.pickup_window_s if kind == "pickup" else r.delivery_window_s
        if i == n_frozen and n_frozen > 0:  # first re-planned stop: from the committed position
            w = (max(w[0], v.time_s + float(tt[v.node, node])), w[1])
        lo.append(w[0])
        hi.append(max(w[1], w[0]) if i >= n_frozen else w[1])
        target.append(targets.get((rid, kind)) if i >= n_frozen and rid is not None else None)
        if rid is not None and kind == "pickup":
            picked[rid] = i
        elif rid is not None and rid in picked:
            r = reqs[rid]
            rides.append((picked[rid], i, _limit(r, tt) + r.pickup_service_s))
    svc = [_service(k, r, reqs) for k, _n, r, _t in seq]
    nodes = [n for _k, n, _r, _t in seq]
    times = retime_route(tt, nodes, svc, lo, hi, rides, target)
    if times is None:
        return [t for *_x, t in seq]  # the solver's times (frozen stops kept)
    return [float(x) for x in times]


def retime_route(tt: np.ndarray, nodes: Sequence[int], service_s: Sequence[float],
                 lo: Sequence[float], hi: Sequence[float],
                 rides: Sequence[tuple[int, int, float]],
                 target: Sequence[float | None]) -> np.ndarray | None:
    """Times of a fixed stop order keeping as many stops as possible at their target time.

    All targets are tried at once; if that schedule does not exist, targets are added one by
    one in route order and kept when a schedule still exists (greedy). Stops without a target
    (or whose target is dropped) start as early as possible.

    Parameters
    ----------
    tt, nodes, service_s, lo, hi, rides
        As :func:`~optimizer.services.dialysis.replan_day.route_times` (seconds).
    target
        Planned start time per position (seconds), ``None`` for none.

    Returns
    -------
    numpy.ndarray or None
        Start times (seconds after midnight), ``None`` when even the plain order has no
        schedule.
    """
    def pinned(keep: set[int]) -> np.ndarray | None:
        lo2 = [max(a, target[i]) if i in keep else a for i, a in enumerate(lo)]
        hi2 = [min(b, target[i]) if i in keep else b for i, b in enumerate(hi)]
        return route_times(tt, nodes, service_s, lo2, hi2, rides)

    want = {i for i, t in enumerate(target) if t is not None and lo[i] - 1e-6 <= t <= hi[i] + 1e-6}
    best = pinned(want)
    if best is not None:
        return best
    keep: set[int] = set()
    best = pinned(keep)
    if best is None:
        return None
    for i in sorted(want):
        trial = pinned(keep | {i})
        if trial is not None:
            keep.add(i)
            best = trial
    return best


# ----------------------------------------------------------------------------- the re-plan
def replan_day(day0: Day, original: DarpResult, applied: AppliedEvents, at_s: float, *,
               network: Network, solver: SolverParams | None = None,
               time_limit_s: float = 1.0,
               original_unserved: Mapping[str, tuple[str, str]] | None = None) -> Replanned:
    """Re-plan the rest of the day after the events (see the module docs).

    Parameters
    ----------
    day0
        The day as planned (:func:`~optimizer.services.dialysis.replan_day.build_day`; with
        the homes of urgent requests' patients among its places).
    original
        The plan (:func:`~optimizer.services.dialysis.replan_day.read_plan`).
    applied
        The events applied to the day
        (:func:`~optimizer.services.dialysis.replan_events.apply_events`).
    at_s
        The re-plan time, seconds after midnight: everything started by then is frozen.
    network
        The built network (legs of the trips not begun are made again on it).
    solver
        The scenario's search settings (seed, work or time mode).
    time_limit_s
        Budget of each of the (at most two) solves, seconds (work mode: the work it stands for).
    original_unserved
        Trip id → (code, detail) of the plan's unserved trips: kept when still unserved.

    Returns
    -------
    Replanned

    Raises
    ------
    optimizer.errors.InputError
        An event the past makes impossible (a patient on board cancelled, a ride home under way
        made late).
    optimizer.errors.OptimizerError
        If the search leaves a passenger on board without a drop-off (a defect).
    """
    from optimizer.solvers.checker import check_darp

    solver = solver or SolverParams()
    fz = freeze(original, day0, at_s, applied.vehicles_out)
    visits = check_events_against_plan(applied, fz, day0)
    rem, _day1 = _remaining(day0, applied, fz, network)
    prob_a, extra = _sub_problem(day0, fz, rem, visits, keep=True)
    moved = set(applied.late) | {tid for tid, c in rem.crossings.items()
                                 if day0.crossing_of.get(tid) not in (None, c)}
    sub = _solve_kept(prob_a, start_plan(prob_a, fz, original, moved), solver, time_limit_s)
    searches, phase = [dataclasses.replace(sub.search, name="dialysis re-plan (kept)")], "kept"
    if _dropped_planned(sub, fz):
        prob_b, _ = _sub_problem(day0, fz, rem, visits, keep=False)
        sub, phase = _second_chance(sub, prob_b, solver, time_limit_s, rem, fz, searches)
    stranded = [u.request_id for u in sub.unserved if u.request_id in fz.onboard
                and u.request_id not in visits]
    if stranded:
        raise OptimizerError(f"defect: the re-plan leaves passengers on board without a "
                             f"drop-off: {stranded}")
    sub, why = _unlink(sub, rem, day0.m)
    reqs = _full_requests(day0, fz, rem, visits, extra)
    targets = {(s.request_id, s.kind): s.start_s for r in original.routes for s in r.stops}
    subs = {r.vehicle_id: r for r in sub.routes}
    routes = [rt for v in fz.vehicles if (rt := _merge_route(day0, v, subs.get(v.vehicle_id),
                                                             reqs, visits, targets)) is not None]
    result = _merged_result(routes, reqs, sub, searches)
    problem = day0.problem(list(reqs.values()), name=f"dialysis re-plan {day0.date}")
    violations = tuple(check_darp(problem, result))
    legs = {**{leg.leg_id: leg for leg in day0.legs if leg.leg_id in reqs}, **rem.legs}
    unserved = _trip_unserved(applied, fz, rem, why, result, original_unserved or {})
    return Replanned(problem, result, violations, legs, rem.crossings, applied.trips, unserved,
                     fz, tuple(searches), phase, day0)


def _merged_result(routes: Sequence[Route], reqs: Mapping[str, Request], sub: DarpResult,
                   searches: Sequence[SearchRecord]) -> DarpResult:
    served = {s.request_id for r in routes for s in r.stops if s.request_id}
    why = {u.request_id: u for u in sub.unserved}
    uns = tuple(why.get(rid, Unserved(rid, UnservedReason.DROPPED_BY_SEARCH, "not re-planned"))
                for rid in reqs if rid not in served)
    status = DarpStatus.PARTIAL if uns else DarpStatus.FEASIBLE
    return DarpResult(status=status, routes=tuple(routes), unserved=uns,
                      objective=float(sum(r.cost for r in routes)), runtime_s=sub.runtime_s,
                      params=sub.params, search=searches[0])


def _trip_unserved(applied: AppliedEvents, fz: Frozen, rem: _Remaining,
                   why: Mapping[str, tuple[str, str]], result: DarpResult,
                   original: Mapping[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Trip id → (code, detail) for every trip not (wholly) served in the new plan."""
    served_legs = set(result.served)
    out: dict[str, tuple[str, str]] = {}
    for t in applied.trips:
        tid = t.trip_id
        legs = [rid for rid in (*rem.requests, *fz.picked_at) if _trip_of_leg(rid) == tid]
        if tid in applied.cancelled:
            if not legs or any(rid not in fz.done for rid in legs):
                out[tid] = applied.cancelled[tid]
            continue
        if legs and all(rid in served_legs for rid in legs) and tid not in rem.unserved:
            continue
        code = rem.unserved.get(tid) or why.get(tid)
        if tid in original and (code is None or code[0] in ("CAPACITY", "TIME_WINDOW",
                                                               "SHIFT_END")):
            code = original[tid]
        out[tid] = code or ("CAPACITY", "not served in the re-plan")
    return out
