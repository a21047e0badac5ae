"""Planning the dialysis rides of one day: trips → legs → one DARP → a checked day plan.

:func:`plan_dialysis_day` reads as its steps: the fleet and the day's sessions and trips; the
places and their car matrix; the legs and ferry crossings of every trip
(:mod:`optimizer.services.dialysis.trips`); one DARP request per leg; a pre-check of every leg
alone; the solve; unlinking the trips the search left half-served; the stops table; the trip
summary; the KPIs.

The two legs of a crossing trip are linked: before solving, every leg is checked alone
(:func:`~optimizer.solvers.ortools_routing.explain_request`) and a trip with any infeasible leg
is taken out whole; after solving, a trip with a leg dropped by the search is reported unserved
and its other leg is removed from its route (:func:`unlink_dropped_legs`; with shortest-path
travel times the remaining stops keep their service times, so the route stays feasible, which
:func:`~optimizer.solvers.checker.check_darp` verifies). No re-solve is made, so the freed vehicle
time is not re-used. The ride-time limit (``min(max_ride_time, max_ride_factor x direct)``)
applies **per vehicle leg**; the whole trip's duration (crossing and pier waits included) is
reported per trip.

Vehicles serve only the islands of their base and those listed in ``serves_islands`` (``all`` =
every island); a leg may use a vehicle only when both its end points are on served islands and
reachable by land from the base. A trip whose home side has no vehicle is reported
``NO_VEHICLE_ON_ISLAND`` naming the car-ferry-capable vehicles a dispatcher could send on a
dedicated run (vehicles on car ferries are not modelled as through rides).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from optimizer.errors import InputError
from optimizer.network.placenames import route_names
from optimizer.problems.darp import (
    DarpProblem,
    DarpResult,
    Request,
    Route,
    Stop,
    Unserved,
    UnservedReason,
    Vehicle,
)
from optimizer.problems.darp import SolveStatus as DarpStatus
from optimizer.results import Note, NoteKind, SearchRecord, SolveStatus
from optimizer.services.dialysis.operations import operator_kpis
from optimizer.services.dialysis.params import DialysisParams
from optimizer.services.dialysis.places import PlaceMatrix, build_places, day_piers
from optimizer.services.dialysis.records import DialysisInputs, Patient, VehicleSpec
from optimizer.services.dialysis.result import DialysisPlan, PlanUnserved
from optimizer.services.dialysis.tables import day_kpis, stops_table, trip_summary
from optimizer.services.dialysis.trips import (
    Crossing,
    Leg,
    LegRules,
    Trip,
    TripLegs,
    as_date,
    sessions_for_date,
    trip_legs,
)
from optimizer.solvers.params import SolverParams
from optimizer.units import hhmm, minutes_text

if TYPE_CHECKING:  # pragma: no cover
    from optimizer.network.build import Network

__all__ = ["DARP_TO_CODE", "plan_dialysis_day", "solve_legs", "unlink_dropped_legs"]

DARP_TO_CODE = {
    UnservedReason.UNREACHABLE: "UNREACHABLE_ISLAND",
    UnservedReason.NO_WHEELCHAIR_PLACE: "NO_WHEELCHAIR_PLACE",
    UnservedReason.NOT_ENOUGH_SEATS: "NOT_ENOUGH_SEATS",
    UnservedReason.NO_ELIGIBLE_VEHICLE: "NO_VEHICLE_ON_ISLAND",
    UnservedReason.RIDE_TIME: "RIDE_TIME",
    UnservedReason.TIME_WINDOW: "TIME_WINDOW",
    UnservedReason.SHIFT_END: "SHIFT_END",
    UnservedReason.DROPPED_BY_SEARCH: "CAPACITY",
}
"""Reason of an unserved DARP request → reason code of :data:`optimizer.results.REASONS`."""

Mark = Callable[..., None]
"""``mark(trip, code, detail="")``: report a trip unserved."""


class _Unserved:
    """The unserved trips of the day, by trip id (the last mark of a trip wins)."""

    def __init__(self, patients: Mapping[str, Patient]) -> None:
        self._patients = patients
        self.by_trip: dict[str, PlanUnserved] = {}

    def mark(self, trip: Trip, code: str, detail: str = "") -> None:
        self.by_trip[trip.trip_id] = PlanUnserved(
            trip.trip_id, trip.patient_id, trip.direction, code, detail,
            island_id=self._patients[trip.patient_id].island_id)

    def __contains__(self, trip_id: object) -> bool:
        return trip_id in self.by_trip

    def ordered(self, trips: Sequence[Trip]) -> tuple[PlanUnserved, ...]:
        return tuple(self.by_trip[t.trip_id] for t in trips if t.trip_id in self.by_trip)


@dataclass(frozen=True)
class _Solved:
    problem: DarpProblem | None = None
    result: DarpResult | None = None
    legs: tuple[Leg, ...] = ()
    violations: tuple = ()
    searches: tuple[SearchRecord, ...] = ()


# ----------------------------------------------------------------------------- the plan
def plan_dialysis_day(
    inputs: DialysisInputs,
    date: dt.date | str,
    *,
    network: Network,
    params: DialysisParams | None = None,
    solver: SolverParams | None = None,
    solve_options: Mapping[str, Any] | None = None,
    adjust_requests: Callable[[Sequence[Leg], list[Request]], Sequence[Request]] | None = None,
) -> DialysisPlan:
    """Plan the dialysis rides of one day (see the module docs and
    :mod:`optimizer.services.dialysis.trips` for the ferry model).

    Parameters
    ----------
    inputs
        From :func:`~optimizer.services.dialysis.load_dialysis_inputs` (extra vehicles and
        active units already applied).
    date
        Service date; must equal the day of ``network.timetable``.
    network
        The built network (:class:`optimizer.network.build.Network`): land graph ``G``
        (projected, ``G.graph["crs"]``; piers are its ``kind="pier"`` nodes or, if it has none,
        the stops of ``feed``), the day's ``timetable``, ``islands`` (snapping), ``notes``
        (approximate roads,
        estimated sailings) and ``boarding_buffer_s["foot"]`` (seconds at the pier before a
        departure).
    params
        Service rules (default :class:`DialysisParams`); its ``active_units`` and
        ``extra_vehicles`` must be those the inputs were loaded with.
    solver
        Search limits (default :class:`~optimizer.solvers.params.SolverParams`).
    solve_options
        Extra :class:`~optimizer.solvers.ortools_routing.SolveParams` fields (e.g.
        ``deterministic=True``), for tests and benchmarks.
    adjust_requests
        ``adjust_requests(legs, requests) -> requests``: changes the DARP request of each leg
        (same order, same ids) before the pre-check and the solve, e.g. the week planner
        (:mod:`optimizer.services.dialysis_week`) narrows pickup windows and restricts eligible
        vehicles; ``None`` = the requests as built.

    Returns
    -------
    DialysisPlan

    Raises
    ------
    optimizer.errors.InputError
        If ``date`` differs from the timetable's day, or ``params`` names active units or extra
        vehicles the inputs were not loaded with.
    """
    prm = params or DialysisParams()
    d = _check_day(date, network, inputs, prm)
    fleet = inputs.vehicles
    patients = {p.patient_id: p for p in inputs.patients}
    sessions, trips = sessions_for_date(inputs.patients, d, params=prm)
    m = build_places(fleet, inputs.units, day_piers(network.G, network.timetable, network.feed),
                     [patients[s.patient_id] for s in sessions], network.G, network.islands)
    rules = LegRules.of(prm, boarding_buffer_s=network.boarding_buffer_s["foot"])
    unserved = _Unserved(patients)
    legs, crossing_of = _legs_and_crossings(trips, inputs, m, network.timetable, rules,
                                            unserved.mark, route_names(network.feed))
    crossing_of = _with_route_names(crossing_of, network.feed)
    requests = [_request(leg, fleet, m, patients[leg.trip.patient_id], prm, rules)
                for leg in legs]
    if adjust_requests is not None:
        requests = list(adjust_requests(legs, requests))
    solved = _solve_day(d, legs, requests, fleet, m, unserved, solver or SolverParams(),
                        solve_options, base_vehicles=_base_fleet(fleet, prm))
    stops = stops_table(solved.result, fleet, m, solved.legs, patients, crossing_of)
    summary = trip_summary(stops, trips, unserved, crossing_of)
    served = set(summary["trip_id"])
    crossings = tuple(c for tid, c in crossing_of.items() if tid in served)
    ordered = unserved.ordered(trips)
    kpis = day_kpis(inputs, d, sessions, trips, summary, ordered, solved.result, len(crossings),
                    len(solved.violations), stops=stops,
                    ride_time_limit_min=prm.max_ride_time_min)
    kpis.update(operator_kpis(solved.problem, solved.result, summary))
    return DialysisPlan(date=d, stops=stops, crossings=crossings, unserved=ordered, kpis=kpis,
                        trips=trips, problem=solved.problem, result=solved.result,
                        violations=solved.violations,
                        notes=_plan_notes(inputs, network.notes, crossings),
                        trip_summary=summary,
                        status=_status(solved.result, any(u.code != "NO_TRANSPORT_NEEDED"
                                                          for u in ordered)),
                        searches=solved.searches, inputs=inputs, island_names=m.island_names)


def _check_day(date: dt.date | str, network: Network, inputs: DialysisInputs,
               prm: DialysisParams) -> dt.date:
    """The service date, checked against the timetable and the parameters the inputs were
    loaded with."""
    d = as_date(date)
    if network.timetable is not None and network.timetable.day != d:
        raise InputError(f"timetable is for {network.timetable.day}, the plan for {d}",
                         field="date")
    if prm.active_units is not None and set(prm.active_units) != inputs.active_unit_ids:
        raise InputError(f"active_units {sorted(prm.active_units)} differ from the units open in "
                         f"the inputs {sorted(inputs.active_unit_ids)}; load the inputs with the "
                         "same parameters", field="active_units")
    have = {v.vehicle_id for v in inputs.vehicles}
    missing = [v.vehicle_id for v in prm.extra_vehicles if v.vehicle_id not in have]
    if missing:
        raise InputError(f"extra vehicles {missing} are not in the inputs; load the inputs with "
                         "the same parameters", field="extra_vehicles")
    return d


def _legs_and_crossings(trips: Sequence[Trip], inputs: DialysisInputs, m: PlaceMatrix,
                        timetable: Any, rules: LegRules, mark: Mark,
                        routes: Mapping[str, str] | None = None
                        ) -> tuple[list[Leg], dict[str, Crossing]]:
    """Every trip's legs (and crossing), or the trip marked unserved with its reason (sailings
    named by ``routes``, route id -> name)."""
    patients = {p.patient_id: p for p in inputs.patients}
    units = {u.unit_id: u for u in inputs.units}
    legs: list[Leg] = []
    crossing_of: dict[str, Crossing] = {}
    made_of = {t.trip_id: trip_legs(t, patients[t.patient_id],
                                    units[patients[t.patient_id].unit_id], m, timetable, rules,
                                    routes)
               for t in trips}
    no_way_there = {t.patient_id for t in trips  # no sailing brings them to the session in time
                    if t.direction == "out" and made_of[t.trip_id].code == "NO_SAILING"}
    for trip in trips:
        p, made = patients[trip.patient_id], made_of[trip.trip_id]
        if not made.code and trip.direction == "ret" and trip.patient_id in no_way_there:
            made = TripLegs(code="NO_SAILING", detail=(
                f"return after the session ending {hhmm(trip.session.end_s)}: no sailing brings "
                f"{p.patient_id} to the session in time, so no ride home is planned (if the "
                "patient gets there another way, add the ride by hand)"))
        if made.code:
            mark(trip, made.code, made.detail)
            continue
        legs.extend(made.legs)
        if made.crossing is not None:
            crossing_of[trip.trip_id] = made.crossing
    return legs, crossing_of


def _with_route_names(crossing_of: dict[str, Crossing], feed: Any) -> dict[str, Crossing]:
    """The crossings with the feed's route names for the route sheets
    (:func:`optimizer.network.placenames.route_names`: ``route_short_name``, else
    ``route_long_name``); unchanged without a feed."""
    names = route_names(feed)
    if not names:
        return crossing_of
    return {tid: dataclasses.replace(c, route_name=names.get(c.sailing.route_id, ""))
            for tid, c in crossing_of.items()}


def _eligible(leg: Leg, fleet: Sequence[VehicleSpec], m: PlaceMatrix) -> frozenset[str]:
    """Vehicles serving both islands of the leg and reaching its pickup by land from the base
    (base ``k`` is node ``k``)."""
    isl = {m.island[leg.pickup], m.island[leg.delivery]}
    return frozenset(v.vehicle_id for k, v in enumerate(fleet)
                     if all(v.serves(i) for i in isl) and m.finite(k, leg.pickup))


def _request(leg: Leg, fleet: Sequence[VehicleSpec], m: PlaceMatrix, p: Patient,
             prm: DialysisParams, rules: LegRules) -> Request:
    """The DARP request of one leg: seats (escort + walking patient), wheelchair place, service
    times, ride-time limits, eligible vehicles."""
    svc = rules.service_s(p)
    return Request(leg.leg_id, leg.pickup, leg.delivery, leg.pickup_window_s,
                   leg.delivery_window_s, seats=int(p.escort) + (0 if p.wheelchair else 1),
                   wheelchair_places=int(p.wheelchair), pickup_service_s=svc,
                   delivery_service_s=svc, max_ride_time_s=prm.max_ride_time_min * 60.0,
                   max_ride_factor=prm.max_ride_factor,
                   eligible_vehicles=_eligible(leg, fleet, m))


def _vehicles(fleet: Sequence[VehicleSpec]) -> tuple[Vehicle, ...]:
    return tuple(Vehicle(v.vehicle_id, k, k, (float(v.shift_start_s), float(v.shift_end_s)),
                         seats=v.seats, wheelchair_places=v.wheelchair_places)
                 for k, v in enumerate(fleet))


# ----------------------------------------------------------------------------- solving
def _solve_day(d: dt.date, legs: list[Leg], requests: list[Request],
               fleet: Sequence[VehicleSpec], m: PlaceMatrix, unserved: _Unserved,
               solver: SolverParams, options: Mapping[str, Any] | None, *,
               base_vehicles: frozenset[str] | None = None) -> _Solved:
    """Pre-check every leg alone, solve the rest, unlink half-served trips, check the plan."""
    if not requests:
        return _Solved()
    if not fleet:
        for leg in legs:
            if leg.trip.trip_id not in unserved:
                unserved.mark(leg.trip, "NO_VEHICLE_ON_ISLAND", "the fleet is empty")
        return _Solved()
    tt = np.where(np.isfinite(m.travel_time_s), m.travel_time_s, np.inf)
    vehicles = _vehicles(fleet)
    full = DarpProblem(tt, tuple(requests), vehicles, node_labels=m.labels, name=f"dialysis {d}")
    _precheck(full, legs, fleet, m, unserved)
    keep = [k for k, leg in enumerate(legs) if leg.trip.trip_id not in unserved]
    problem = DarpProblem(tt, tuple(requests[k] for k in keep), vehicles, node_labels=m.labels,
                          name=f"dialysis {d}")
    kept = tuple(legs[k] for k in keep)
    if not problem.requests:
        return _Solved(problem=problem, legs=kept)
    raw = solve_legs(problem, solver, options, base_vehicles=base_vehicles)
    result = unlink_dropped_legs(problem, raw, list(kept), unserved.mark,
                                 lambda leg: leg_head(leg, m))
    violations = _check(problem, result)
    return _Solved(problem, result, kept, violations, _searches(raw))


def solve_legs(problem: DarpProblem, solver: SolverParams,
               options: Mapping[str, Any] | None = None, *,
               base_vehicles: frozenset[str] | None = None) -> DarpResult:
    """Solve the day's DARP with the scenario's search limits.

    :func:`optimizer.solvers.ortools_routing.darp_params` turns the scenario's
    :class:`~optimizer.solvers.params.SolverParams` into the solver's parameters (work mode:
    deterministic work limits with a wall-clock safety cap); ``options`` (other ``SolveParams``
    fields) win. A day with more than ``solver.decompose_above_requests`` legs is solved in
    parts (:func:`optimizer.solvers.darp_decompose.solve_decomposed`; ``base_vehicles``, the
    fleet without the scenario's extra vehicles, then makes sure the extra vehicles never serve
    fewer trips); smaller days exactly as before.
    """
    from optimizer.solvers.darp_decompose import solve_decomposed
    from optimizer.solvers.ortools_routing import darp_params

    return solve_decomposed(problem, darp_params(solver, **dict(options or {})),
                            above_requests=solver.decompose_above_requests,
                            part_requests=solver.decompose_part_requests,
                            base_vehicles=base_vehicles)


def _base_fleet(fleet: Sequence[VehicleSpec], prm: DialysisParams) -> frozenset[str] | None:
    """The fleet without the scenario's extra vehicles (``None`` when there are none)."""
    extra = {v.vehicle_id for v in prm.extra_vehicles}
    return frozenset(v.vehicle_id for v in fleet if v.vehicle_id not in extra) if extra else None


def _searches(raw: DarpResult) -> tuple[SearchRecord, ...]:
    """The solver's search record, named for the manifest."""
    return (dataclasses.replace(raw.search, name="dialysis DARP"),)


def _check(problem: DarpProblem, result: DarpResult) -> tuple:
    from optimizer.solvers.checker import check_darp

    violations = tuple(check_darp(problem, result))
    if violations:
        warnings.warn(f"dialysis plan has {len(violations)} checker violation(s): "
                      f"{violations[:3]}", RuntimeWarning, stacklevel=3)
    return violations


def _precheck(full: DarpProblem, legs: Sequence[Leg], fleet: Sequence[VehicleSpec],
              m: PlaceMatrix, unserved: _Unserved) -> None:
    """Check each leg alone; a trip with an infeasible leg is marked unserved (taken out
    whole)."""
    from optimizer.solvers.ortools_routing import explain_request

    for k, leg in enumerate(legs):
        if leg.trip.trip_id in unserved:
            continue
        why = explain_request(full, k)
        if why is not None:
            code = DARP_TO_CODE[why[0]]
            unserved.mark(leg.trip, code, _precheck_detail(full, k, leg, why, code, fleet, m))


def _precheck_detail(full: DarpProblem, k: int, leg: Leg, why: tuple[UnservedReason, str],
                     code: str, fleet: Sequence[VehicleSpec], m: PlaceMatrix) -> str:
    """Why leg ``k`` cannot be served alone: the binding times as HH:MM, place names and the
    direction (never node indices)."""
    a, b = m.places[leg.pickup].label, m.places[leg.delivery].label
    head = leg_head(leg, m)
    if code == "NO_VEHICLE_ON_ISLAND":
        isl = m.island[leg.pickup]
        ferry_ok = [v.vehicle_id for v in fleet if v.may_board_car_ferry and v.serves(isl)]
        return (f"{head}: no vehicle is based on / serves {m.island_label(isl)}"
                + (f"; car-ferry vehicles {', '.join(ferry_ok)} could make a dedicated run"
                   if ferry_ok else ""))
    r = full.requests[k]
    direct = float(full.travel_time_s[r.pickup_node, r.delivery_node])
    if why[0] is UnservedReason.UNREACHABLE:
        text = (f"no land path from {a} to {b}" if not np.isfinite(direct) else
                f"no suitable vehicle can reach {a} from its base or return to it from {b}")
        return f"{head}: {text}"
    (ep, lp), (ed, ld) = r.pickup_window_s, r.delivery_window_s
    if why[0] is UnservedReason.RIDE_TIME:
        return (f"{head}: the direct ride takes {minutes_text(direct)}, over the maximum ride "
                f"time {minutes_text(float(full.max_ride_s[k]))}")
    if why[0] is UnservedReason.TIME_WINDOW and ep + r.pickup_service_s + direct > ld + 1e-9:
        return (f"{head}: earliest possible arrival {hhmm(ep + r.pickup_service_s + direct)} at "
                f"{b} is after the latest allowed arrival {hhmm(ld)} (pickup at {a}"
                f"{_from(ep)}, boarding {minutes_text(r.pickup_service_s)}, direct ride "
                f"{minutes_text(direct)})")
    if why[0] is UnservedReason.TIME_WINDOW:
        return (f"{head}: pickup at {a} by {hhmm(lp)} but arrival at {b} not before {hhmm(ed)}: "
                f"longer than the maximum ride time {minutes_text(float(full.max_ride_s[k]))}")
    if why[0] is UnservedReason.SHIFT_END:
        shifts = ", ".join(f"{v.vehicle_id} {hhmm(v.shift_start_s)}–{hhmm(v.shift_end_s)}"
                           for v in fleet if r.eligible_vehicles is None
                           or v.vehicle_id in r.eligible_vehicles)
        by = f", arrival at {b} by {hhmm(ld)}" if np.isfinite(ld) else ""
        return (f"{head}: no eligible vehicle's shift covers the ride from its base and back "
                f"(pickup at {a}{_from(ep)}{by}, direct ride {minutes_text(direct)}); "
                f"shifts: {shifts}")
    return f"{head}: {why[1]}"


def _from(earliest_s: float) -> str:
    """``" from 07:10"``; empty when the window opens at midnight (no earliest time was set)."""
    return f" from {hhmm(earliest_s)}" if earliest_s > 0 else ""


def leg_words(leg: Leg, *, brackets: bool = True) -> str:
    """The leg as a person names it: ``"outbound leg"`` / ``"return leg"`` for a trip on one side,
    ``"outbound leg, part 1 (before the ferry)"`` / ``"… part 2 (after the ferry)"`` for the two
    legs of a trip across a sailing (``brackets=False``: ``"… part 2 after the ferry"``); never
    the internal leg id."""
    way = "outbound" if leg.trip.direction == "out" else "return"
    _, sep, part = leg.leg_id.rpartition(":")
    if not sep or leg.leg_id == leg.trip.trip_id or part not in ("1", "2"):
        return f"{way} leg"
    when = f"{'before' if part == '1' else 'after'} the ferry"
    return f"{way} leg, part {part} " + (f"({when})" if brackets else when)


def leg_head(leg: Leg, m: PlaceMatrix) -> str:
    """``"outbound leg, part 1 before the ferry (home → 沈家门码头, arrive 06:45–07:15)"``: the
    leg (:func:`leg_words`), its places and the time it must keep (HH:MM)."""
    a, b = m.places[leg.pickup].label, m.places[leg.delivery].label
    (ep, lp), (ed, ld) = leg.pickup_window_s, leg.delivery_window_s
    when = []
    if lp < 1e9:
        when.append(f"pickup {hhmm(ep)}–{hhmm(lp)}")
    if ld < 1e9:
        when.append(f"arrive {hhmm(ed)}–{hhmm(ld)}")
    return f"{leg_words(leg, brackets=False)} ({a} → {b}{', ' if when else ''}{', '.join(when)})"


def _status(result: DarpResult | None, some_unserved: bool) -> SolveStatus:
    """The solver's status (``OPTIMAL`` when nothing was solved), ``PARTIAL`` at best when some
    trip is unserved."""
    solved = SolveStatus.OPTIMAL if result is None else SolveStatus(result.status.value)
    return SolveStatus.worst([solved, SolveStatus.PARTIAL if some_unserved
                              else SolveStatus.OPTIMAL])


def _plan_notes(inputs: DialysisInputs, network_notes: Sequence[Note],
                crossings: Sequence[Crossing]) -> tuple[Note, ...]:
    """The inputs' notes, the network's approximate-roads notes and, when a crossing uses an
    estimated sailing, its estimated-sailings notes (selected by kind)."""
    kinds = {NoteKind.APPROXIMATE_ROADS}
    if any(c.sailing.is_estimate for c in crossings):
        kinds.add(NoteKind.ESTIMATED_SAILINGS)
    return (*inputs.notes, *(n for n in network_notes if n.kind in kinds))


# ----------------------------------------------------------------------------- unlinking
def unlink_dropped_legs(problem: DarpProblem, raw: DarpResult, legs: list[Leg], mark: Mark,
                        describe: Callable[[Leg], str] | None = None) -> DarpResult:
    """Report trips with a dropped leg unserved and remove their other legs from the routes.

    Parameters
    ----------
    problem
        The DARP solved (one request per leg, ids = leg ids).
    raw
        The solver's result.
    legs
        The legs of ``problem``'s requests.
    mark
        ``mark(trip, code, detail)`` reports a trip unserved.
    describe
        ``describe(leg)``: the leg in words for the detail (places, direction, HH:MM windows;
        :func:`leg_head`); default :func:`leg_words`.

    Returns
    -------
    DarpResult
        ``raw`` if no partner leg was removed; else the routes without the removed stops
        (``PARTIAL``). Removed stops keep the service times of the remaining ones (valid with
        shortest-path travel times: the triangle inequality makes every arrival no later);
        arrival times, loads, costs and durations are recomputed.
    """
    by_id = {leg.leg_id: leg for leg in legs}
    dropped = {u.request_id: u for u in raw.unserved}
    bad_trips: dict[str, Unserved] = {}
    for rid, u in dropped.items():
        bad_trips.setdefault(by_id[rid].trip.trip_id, u)
    for u in bad_trips.values():
        leg = by_id[u.request_id]
        head = describe(leg) if describe is not None else leg_words(leg)
        mark(leg.trip, DARP_TO_CODE.get(u.reason, "CAPACITY"), f"{head}: {u.detail}")
    remove = {leg.leg_id for leg in legs if leg.trip.trip_id in bad_trips
              and leg.leg_id not in dropped}
    if not remove:
        return raw
    routes = [r for rt in raw.routes if (r := _without(problem, rt, remove)) is not None]
    uns = list(raw.unserved) + [Unserved(rid, UnservedReason.DROPPED_BY_SEARCH,
                                         "the linked leg on the other side of the crossing is "
                                         "unserved") for rid in sorted(remove)]
    return DarpResult(status=DarpStatus.PARTIAL, routes=tuple(routes), unserved=tuple(uns),
                      objective=float(sum(r.cost for r in routes)), runtime_s=raw.runtime_s,
                      params=raw.params, search=raw.search)


def _without(problem: DarpProblem, rt: Route, remove: set[str]) -> Route | None:
    """``rt`` without the stops of the ``remove`` requests, times and loads recomputed (None
    when only start and end are left)."""
    keep = [s for s in rt.stops if s.request_id not in remove]
    if len(keep) == 2:
        return None
    tt, cost = problem.travel_time_s, problem.cost
    rmap = {r.request_id: r for r in problem.requests}
    stops: list[Stop] = []
    seats = wc = 0
    tot_t = tot_c = 0.0
    prev = None
    for s in keep:
        if prev is None:
            arrival = s.arrival_s
        else:
            leg_t = float(tt[prev.node, s.node])
            tot_t += leg_t
            tot_c += float(cost[prev.node, s.node])
            arrival = prev.departure_s + leg_t
        if s.request_id is not None:
            r = rmap[s.request_id]
            sgn = 1 if s.kind == "pickup" else -1
            seats += sgn * r.seats
            wc += sgn * r.wheelchair_places
        start = max(s.start_s, arrival)
        new = Stop(s.kind, s.node, s.request_id, arrival, start,
                   start + (s.departure_s - s.start_s), seats, wc)
        stops.append(new)
        prev = new
    return Route(rt.vehicle_id, tuple(stops), tot_c, tot_t,
                 stops[-1].arrival_s - stops[0].departure_s)
