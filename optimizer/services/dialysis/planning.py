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
``NO_VEHICLE_ON_ISLAND`` naming the car-ferry-capable vehicles.

Vehicles on car ferries: after the split day is solved, every crossing trip it left unserved gets
a through request (a car-ferry vehicle crossing with the patient,
:mod:`optimizer.services.dialysis.car_ferry`) and the day is solved again from the first plan
(:func:`_car_ferry_pass`); the second plan is kept only when it serves more trips and both
checkers accept it, so a trip the split serves stays split.
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
from optimizer.services.dialysis.car_ferry import (
    THROUGH_SUFFIX,
    CarFerryCheck,
    ThroughRide,
    car_sailings,
    deck_excess,
    pinned_matrix,
    through_request,
    through_ride,
)
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


THROUGH_CODES = frozenset({"NO_WHEELCHAIR_PLACE", "NOT_ENOUGH_SEATS", "NO_VEHICLE_ON_ISLAND",
                           "CAPACITY", "NO_SAILING", "TIME_WINDOW", "SHIFT_END", "RIDE_TIME",
                           "UNREACHABLE_ISLAND"})
"""Reasons of an unserved crossing trip a vehicle crossing with the patient may overcome."""

CAR_FERRY_SOLVE_SHARE = 0.5
"""Search budget of each solve with through rides, as a share of the day's
(``solver.time_limit_s``, or its work limit): it starts from the day's plan and only has to fit
the through rides in (project choice, keeps the main job's time)."""


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
    ferry = _car_ferry_pass(d, trips, inputs, m, network, prm, unserved, solved,
                            solver or SolverParams(), solve_options, _base_fleet(fleet, prm))
    if ferry is not None:
        solved, m, crossing_of = ferry.solved, ferry.places, {**crossing_of, **ferry.crossings}
    stops = stops_table(solved.result, fleet, m, solved.legs, patients, crossing_of,
                        car_crossings=ferry.notes if ferry is not None else None)
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
                        searches=solved.searches, inputs=inputs, island_names=m.island_names,
                        car_ferry=ferry.check if ferry is not None else None)


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


# ----------------------------------------------------------------------------- car ferries
@dataclass(frozen=True)
class _FerryPass:
    solved: _Solved
    places: PlaceMatrix
    crossings: dict[str, Crossing]
    notes: dict[tuple[str, int], tuple[str, str]]
    check: CarFerryCheck | None


def _car_ferry_pass(d: dt.date, trips: Sequence[Trip], inputs: DialysisInputs, m: PlaceMatrix,
                    network: Network, prm: DialysisParams, unserved: _Unserved, first: _Solved,
                    solver: SolverParams, options: Mapping[str, Any] | None,
                    base_vehicles: frozenset[str] | None) -> _FerryPass | None:
    """Through rides on car ferries for the crossing trips the split left unserved
    (:mod:`optimizer.services.dialysis.car_ferry`): each checked alone, then the day re-solved
    from ``first`` with those that fit alone (search budget :data:`CAR_FERRY_SOLVE_SHARE` of the
    day's), through rides over a sailing's deck space taken out (``CAR_FERRY_DECK_FULL``) and the
    day solved again. ``None`` when there is nothing to try; ``first`` with the search record of
    the second solve added when its plan serves no more trips or a checker rejects it (the
    unserved trips then say why the car ferry did not help)."""
    fleet = inputs.vehicles
    if prm.car_ferry_deck_places == 0 or not any(v.may_board_car_ferry for v in fleet):
        return None
    buf = float(network.boarding_buffer_s["vehicle"])
    sailings = car_sailings(network.timetable, m)
    rides = _through_rides(trips, inputs, m, sailings, prm, buf, unserved, network.feed)
    if not rides:
        return None
    m2, land, pinned = pinned_matrix(m, rides, sailings, buffer_s=buf)
    n = len(m.places)
    patients = {p.patient_id: p for p in inputs.patients}
    legs = [dataclasses.replace(r.leg, pickup=n + 2 * k, delivery=n + 2 * k + 1)
            for k, r in enumerate(rides)]
    reqs = [through_request(r, n + 2 * k, n + 2 * k + 1, patients[r.leg.trip.patient_id], fleet,
                            m) for k, r in enumerate(rides)]
    alone = _through_alone(d, reqs, legs, m2, fleet, unserved)
    if not alone:
        return None
    before = dict(unserved.by_trip)
    base = [(r, leg) for r, leg in zip(first.problem.requests if first.problem else (),
                                       first.legs) if leg.trip.trip_id not in before]
    initial = {rt.vehicle_id: [(s.request_id, s.kind) for s in rt.stops if s.request_id]
               for rt in (first.result.routes if first.result is not None else ())}
    if not _fits_somewhere(m2, [r for r, _ in base], [reqs[k] for k in alone], initial, fleet):
        for k in alone:
            _tried(unserved, legs[k].trip, "no car-ferry vehicle has the time free in the day's "
                   "plan")
        return None
    opts = {**dict(options or {}), "initial_routes": initial}
    budget = dataclasses.replace(solver, time_limit_s=solver.time_limit_s * CAR_FERRY_SOLVE_SHARE)
    full: dict[str, str] = {}
    for _ in range(len(alone) + 1):
        keep = [k for k in alone if legs[k].leg_id not in full]
        unserved.by_trip = dict(before)
        out = _solve_through(d, [r for r, _ in base] + [reqs[k] for k in keep],
                             [leg for _, leg in base] + [legs[k] for k in keep], m2, land,
                             sailings, buf, prm, fleet, unserved, budget, opts, base_vehicles)
        excess = deck_excess(out[2], pinned, deck_places=prm.car_ferry_deck_places)
        if not excess:
            break
        full.update(excess)
    for k in alone:
        if legs[k].leg_id in full:
            unserved.mark(legs[k].trip, "CAR_FERRY_DECK_FULL", f"{leg_words(legs[k])}, through "
                          f"ride on the car ferry: {full[legs[k].leg_id]}")
    solved, violations, crossings = out
    if violations or len(unserved.by_trip) >= len(before):
        tried = unserved.by_trip  # keep what the second solve says of the trips it could not serve
        unserved.by_trip = {t: (tried[t] if t in tried and tried[t].code == u.code else u)
                            for t, u in before.items()}
        return _FerryPass(dataclasses.replace(first, searches=first.searches + solved.searches),
                          m, {}, {}, None)
    served = {leg_id.removesuffix(THROUGH_SUFFIX) for leg_id in solved.result.served
              if leg_id.endswith(THROUGH_SUFFIX)}
    return _FerryPass(dataclasses.replace(solved, searches=first.searches + solved.searches),
                      m2, {r.leg.trip.trip_id: r.crossing for r in rides
                           if r.leg.trip.trip_id in served},
                      _crossing_notes(crossings, m2, buf),
                      CarFerryCheck(land, tuple(sailings), m2.pier_node, buf,
                                    prm.car_ferry_deck_places))


def _tried(unserved: _Unserved, trip: Trip, why: str) -> None:
    """Add to an unserved trip's detail that a through ride on the car ferry was tried."""
    u = unserved.by_trip[trip.trip_id]
    unserved.by_trip[trip.trip_id] = dataclasses.replace(u, detail=(
        f"{u.detail}; a vehicle crossing with the patient on the car ferry was tried and does "
        f"not fit ({why})"))


def _fits_somewhere(m2: PlaceMatrix, base: Sequence[Request], through: Sequence[Request],
                    routes: Mapping[str, Sequence[tuple[str, str]]],
                    fleet: Sequence[VehicleSpec]) -> bool:
    """Whether some through request fits, as one direct ride, between two trips of an eligible
    vehicle's route in the first plan (or on an unused vehicle) without moving anything: the
    exact time test of :func:`optimizer.solvers.checker.route_schedule`. The second solve is
    made only then (a gate that keeps the main job's time when the car-ferry vehicles are busy
    all day; a plan that frees a vehicle by moving other trips is not looked for)."""
    from optimizer.solvers.checker import route_schedule

    problem = DarpProblem(m2.travel_time_s, (*base, *through), _vehicles(fleet),
                          node_labels=m2.labels, name="through rides in the first plan")
    pos = {r.request_id: k for k, r in enumerate(problem.requests)}
    for k, r in enumerate(through, start=len(base)):
        for vk, v in enumerate(fleet):
            if v.vehicle_id not in (r.eligible_vehicles or ()):
                continue
            events = [(pos[rid], kind == "pickup") for rid, kind in routes.get(v.vehicle_id, ())]
            load = 0
            for i in range(len(events) + 1):
                if load == 0 and route_schedule(problem, vk, [
                        *events[:i], (k, True), (k, False), *events[i:]]) is not None:
                    return True
                if i < len(events):
                    load += 1 if events[i][1] else -1
    return False


def _through_alone(d: dt.date, reqs: Sequence[Request], legs: Sequence[Leg], m2: PlaceMatrix,
                   fleet: Sequence[VehicleSpec], unserved: _Unserved) -> list[int]:
    """Positions of the through requests a car-ferry vehicle can serve alone (from its base and
    back within its shift); the others' trips say why not."""
    from optimizer.solvers.ortools_routing import explain_request

    problem = DarpProblem(m2.travel_time_s, tuple(reqs), _vehicles(fleet),
                          node_labels=m2.labels, name=f"dialysis {d} through rides")
    ok = []
    for k, leg in enumerate(legs):
        why = explain_request(problem, k)
        if why is None:
            ok.append(k)
            continue
        u = unserved.by_trip[leg.trip.trip_id]
        r = reqs[k]
        unserved.by_trip[leg.trip.trip_id] = dataclasses.replace(u, detail=(
            f"{u.detail}; a vehicle crossing with the patient on the car ferry (pickup "
            f"{hhmm(r.pickup_window_s[0])}, arrival {hhmm(r.delivery_window_s[0])}) cannot do it "
            f"from its base and back within its shift ({why[1]})"))
    return ok


def _through_rides(trips: Sequence[Trip], inputs: DialysisInputs, m: PlaceMatrix,
                   sailings: Sequence[Any], prm: DialysisParams, buf: float,
                   unserved: _Unserved, feed: Any) -> list[ThroughRide]:
    """The through ride of every unserved crossing trip (reason in :data:`THROUGH_CODES`) that
    a car sailing and a car-ferry vehicle allow; the others get a sentence why not."""
    patients = {p.patient_id: p for p in inputs.patients}
    rules = LegRules.of(prm, boarding_buffer_s=buf)
    names = route_names(feed)
    rides: list[ThroughRide] = []
    made: set[str] = set()
    for trip in trips:
        u = unserved.by_trip.get(trip.trip_id)
        p = patients[trip.patient_id]
        h, un = m.home_node.get(p.patient_id), m.unit_node.get(p.unit_id)
        if (u is None or u.code not in THROUGH_CODES or h is None or un is None
                or not (m.snapped[h] and m.snapped[un]) or m.finite(h, un)):
            continue
        isl = {m.island[h], m.island[un]}
        if not any(v.may_board_car_ferry and all(v.serves(i) for i in isl)
                   for v in inputs.vehicles):
            continue
        out = unserved.by_trip.get(f"{trip.patient_id}-out")
        if (trip.direction == "ret" and out is not None and out.code == "NO_SAILING"
                and f"{trip.patient_id}-out{THROUGH_SUFFIX}" not in made):
            continue  # no way to the session: no ride home either (as for the split)
        ride = through_ride(trip, p, h, un, m, sailings, buffer_s=buf,
                            service_s=rules.service_s(p), route_names=names)
        if ride is None:
            unserved.by_trip[trip.trip_id] = dataclasses.replace(u, detail=(
                f"{u.detail}; no sailing that carries cars lets a vehicle cross with the "
                "patient in time either"))
            continue
        rides.append(ride)
        made.add(ride.leg.leg_id)
    return rides


def _solve_through(d: dt.date, requests: list[Request], legs: list[Leg], m2: PlaceMatrix,
                   land: np.ndarray, sailings: Sequence[Any], buf: float, prm: DialysisParams,
                   fleet: Sequence[VehicleSpec], unserved: _Unserved, solver: SolverParams,
                   options: Mapping[str, Any], base_vehicles: frozenset[str] | None
                   ) -> tuple[_Solved, tuple, list]:
    """One solve of the day with through requests; a through ride the search drops keeps the
    trip's first reason (its detail says the car ferry was tried). Returns the solved day, the
    violations of both checkers (deck space apart) and the vehicles' car-ferry crossings."""
    from optimizer.solvers.checker import check_car_ferries

    problem = DarpProblem(m2.travel_time_s, tuple(requests), _vehicles(fleet),
                          node_labels=m2.labels, name=f"dialysis {d} with car ferries")
    first_reason = dict(unserved.by_trip)

    def mark(trip: Trip, code: str, detail: str = "") -> None:
        if trip.trip_id in first_reason:
            unserved.by_trip[trip.trip_id] = first_reason[trip.trip_id]
            _tried(unserved, trip, detail)
        else:
            unserved.mark(trip, code, detail)

    raw = solve_legs(problem, solver, options, base_vehicles=base_vehicles)
    result = unlink_dropped_legs(problem, raw, legs, mark, lambda leg: leg_head(leg, m2))
    for rid in result.served:
        if rid.endswith(THROUGH_SUFFIX):
            unserved.by_trip.pop(rid.removesuffix(THROUGH_SUFFIX), None)
    bad, crossings = check_car_ferries(problem, result, land_s=land, sailings=sailings,
                                       pier_node=m2.pier_node, boarding_buffer_s=buf,
                                       deck_places=prm.car_ferry_deck_places)
    from optimizer.solvers.checker import check_darp

    violations = tuple(check_darp(problem, result)) + tuple(
        v for v in bad if v.code != "DECK_SPACE")
    searches = (dataclasses.replace(raw.search, name="dialysis DARP with car ferries"),)
    return _Solved(problem, result, tuple(legs), violations, searches), violations, crossings


def _crossing_notes(crossings: Sequence[Any], m: PlaceMatrix, buf: float
                    ) -> dict[tuple[str, int], tuple[str, str]]:
    """(vehicle id, stop position) -> the car ferry the vehicle takes to reach that stop
    (a bilingual note with HH:MM and pier names, the sailing's GTFS trip id)."""
    out = {}
    for c in crossings:
        s = c.sailing
        route = f"{m.pier_name(s.from_stop_id)} → {m.pier_name(s.to_stop_id)}"
        who = ("车辆载患者" if c.on_board else "空车", "with the patient" if c.on_board
               else "empty")
        out[(c.vehicle_id, c.after_stop + 1)] = (
            f"{who[0]}乘汽车轮渡 {route} {hhmm(s.departure_s)} 开船 ({hhmm(s.arrival_s)} 到), "
            f"{hhmm(s.departure_s - buf)} 前到码头 / vehicle boards the car ferry {route} "
            f"{hhmm(s.departure_s)} → {hhmm(s.arrival_s)} {who[1]} (at the pier by "
            f"{hhmm(s.departure_s - buf)})", s.trip_id)
    return out
