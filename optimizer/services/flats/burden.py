"""Weekly travel burden of each dialysis patient, and what a flat near the unit saves.

Rule (stated, per session; a session is one outbound and one return trip as the day planner
builds them, :func:`optimizer.services.dialysis.trips.trip_legs`). The sessions are the real ones
of the **week of the scenario's date** (Monday to Saturday, the week the dialysis-week plan
covers), each on **its own day's timetable** (sailings differ by weekday and date); dated
exceptions (holidays, hospital stays) are not applied: a flat is a standing offer.

``ride`` (patient hours)
    Door to door: from the start of boarding at the origin to the end of alighting at the
    destination when each vehicle leg is driven directly (boarding and alighting times of
    ``dialysis.service_*_min``). Same side: ``svc + direct + svc``. Outbound across a ferry:
    boarding at home so that the patient is at the pier by the sailing's boarding deadline
    (departure minus the foot boarding buffer), then the sailing, then the ride from the landing
    pier, alighting at the unit no earlier than the drop-off window opens. Return across a
    ferry: from the session end to the end of alighting at home after the first sailing home the
    planner picks. Pier waits and the crossing count; the wait at the unit before the session
    does not.
``vehicle`` (vehicle-hours attributable to the patient)
    The vehicle time of the patient's direct legs: per leg ``svc + direct + svc``. Empty
    driving between patients is shared and not attributed (the re-planned day shows it).
A trip the planner cannot make (``NO_SAILING``, ``UNREACHABLE_ISLAND``; and, as the planner
rules, the return of a session whose outbound trip cannot be made) counts
``flats.unmade_trip_h`` patient hours and no vehicle time.

In a flat (at the unit's point) each trip is a walk of ``flats.flat_walk_min`` and no vehicle.
Weekly figures = the sum over the week's sessions; per-session figures = weekly / sessions.
Saved = before - after; the burden saved = ``ride_weight x ride hours saved + vehicle_weight x
vehicle-hours saved``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from optimizer.services.dialysis.params import DialysisParams
from optimizer.services.dialysis.places import PlaceMatrix, build_places, day_piers
from optimizer.services.dialysis.records import DialysisInputs, Patient, Unit
from optimizer.services.dialysis.trips import LegRules, Trip, TripLegs, sessions_for_date, trip_legs
from optimizer.services.dialysis_week.service import monday_of
from optimizer.services.dialysis_week.week import day_network, week_days
from optimizer.services.flats.params import FlatsParams

if TYPE_CHECKING:  # pragma: no cover
    from optimizer.network.build import Network

__all__ = ["BURDEN_COLUMNS", "DECISIONS", "flats_unit", "patient_burdens", "trip_time_s",
           "week_of"]

DECISIONS = {
    "offered": ("提供公寓", "offered a flat"),
    "not_chosen": ("未入选（节省较少）", "not chosen (saves less than those offered)"),
    "not_island": ("与透析中心陆路相连", "joined to the unit by road (not an island patient)"),
    "not_enrolled": ("未登记接送（自行前往）", "not enrolled in the ride service"),
    "other_unit": ("在其他透析中心治疗", "treated at another unit"),
    "no_saving": ("住公寓不减少负担", "a flat saves nothing"),
    "trips_not_made": ("当日计划无法安排其行程（如无航班衔接），不计负担",
                       "the planner can make none of its trips (no sailing in time): not "
                       "counted unless flats.unmade_trip_h > 0"),
}
"""Decision of each patient -> (Chinese, English) (the dispatcher's candidate list)."""

BURDEN_COLUMNS = ["patient_id", "island_id", "island", "unit_id", "schedule", "wheelchair",
                  "sessions_per_week", "island_patient", "unmade_trips_per_session",
                  "ride_h_per_session", "vehicle_h_per_session", "weekly_ride_h",
                  "weekly_vehicle_h", "weekly_ride_h_saved", "weekly_vehicle_h_saved",
                  "weekly_burden_saved", "value", "eligible", "decision"]
"""Columns of :func:`patient_burdens` (hours; ``value`` the integer objective coefficient:
weighted seconds a week)."""

_UNMADE = frozenset({"NO_SAILING", "UNREACHABLE_ISLAND"})


def flats_unit(inputs: DialysisInputs, fprm: FlatsParams) -> Unit | None:
    """The unit the flats are near: ``fprm.unit_id``, else the first active unit (``None`` if
    no unit is active)."""
    if fprm.unit_id is not None:
        return inputs.unit(fprm.unit_id)
    return next((u for u in inputs.units if u.active), None)


def trip_time_s(made: TripLegs, trip: Trip, m: PlaceMatrix, svc_s: float
                ) -> tuple[float, float]:
    """``(ride_s, vehicle_s)`` of one trip made of ``made.legs`` (module docs: the rule).

    Parameters
    ----------
    made
        The trip's legs and crossing (no reason code).
    trip
        The trip (windows in seconds after midnight).
    m
        Places and car matrix (seconds).
    svc_s
        Boarding (= alighting) time of the patient, seconds.
    """
    tt = m.travel_time_s
    drive = [float(tt[leg.pickup, leg.delivery]) for leg in made.legs]
    vehicle = sum(2 * svc_s + d for d in drive)
    c = made.crossing
    if c is None:
        return 2 * svc_s + drive[0], vehicle
    s = c.sailing
    if trip.direction == "out":
        start = c.boarding_deadline_s - drive[0] - svc_s
        alight = max(s.arrival_s + svc_s + drive[1], trip.delivery_window_s[0])
    else:
        start = trip.pickup_window_s[0]
        alight = s.arrival_s + svc_s + drive[1]
    return float(alight + svc_s - start), float(vehicle)


def _decision(p: Patient, unit: Unit | None, island: bool, fprm: FlatsParams) -> str:
    if unit is None or p.unit_id != unit.unit_id:
        return "other_unit"
    if not p.ride_service:
        return "not_enrolled"
    if fprm.eligible == "island" and not island:
        return "not_island"
    return ""


def _session_times(trips: Sequence[Trip], p: Patient, unit: Unit, m: PlaceMatrix,
                   network: Network, rules: LegRules, fprm: FlatsParams
                   ) -> tuple[float, float, int]:
    """Ride seconds, vehicle seconds and unmade trips of one session of ``p`` (``network``
    carries the session day's timetable)."""
    ride = vehicle = 0.0
    unmade = 0
    for t in trips:  # outbound first: with no way there, no ride home is planned either
        made = trip_legs(t, p, unit, m, network.timetable, rules)
        if made.code in _UNMADE or (t.direction == "ret" and unmade):
            ride += fprm.unmade_trip_h * 3600.0
            unmade += 1
        elif not made.code:
            r, v = trip_time_s(made, t, m, rules.service_s(p))
            ride, vehicle = ride + r, vehicle + v
    return ride, vehicle, unmade


@dataclasses.dataclass
class _Week:
    """Sums over the week's sessions of one patient (seconds; trips)."""

    sessions: int = 0
    ride_s: float = 0.0
    vehicle_s: float = 0.0
    unmade: int = 0
    island: bool = False


def week_of(date: dt.date) -> tuple[dt.date, ...]:
    """Monday to Saturday of ``date``'s ISO week (the dialysis week: no sessions on Sunday)."""
    return week_days(monday_of(date), 6)


def _week_sums(mine: Sequence[Patient], unit: Unit, date: dt.date, network: Network,
               dparams: DialysisParams, fparams: FlatsParams) -> dict[str, _Week]:
    """Every patient's sessions of the week of ``date``, each on its day's timetable."""
    sums = {p.patient_id: _Week() for p in mine}
    by_id = {p.patient_id: p for p in mine}
    for day in week_of(date):
        net = day_network(network, day)
        _, trips = sessions_for_date(mine, day, params=dparams)
        if not trips:
            continue
        m = build_places((), (unit,), day_piers(net.G, net.timetable, net.feed), mine, net.G,
                         net.islands)
        rules = LegRules.of(dparams, boarding_buffer_s=net.boarding_buffer_s["foot"])
        by_patient: dict[str, list[Trip]] = {}
        for t in trips:
            by_patient.setdefault(t.patient_id, []).append(t)
        for pid, ts in by_patient.items():
            p, w = by_id[pid], sums[pid]
            h, un = m.home_node[pid], m.unit_node[unit.unit_id]
            w.island = w.island or not (m.snapped[h] and m.snapped[un] and m.finite(h, un))
            r, v, u = _session_times(ts, p, unit, m, net, rules, fparams)
            w.sessions, w.ride_s, w.vehicle_s, w.unmade = (
                w.sessions + 1, w.ride_s + r, w.vehicle_s + v, w.unmade + u)
    return sums


def patient_burdens(inputs: DialysisInputs, date: dt.date, *, network: Network,
                    dparams: DialysisParams, fparams: FlatsParams) -> pd.DataFrame:
    """One row per patient (file order): weekly ride and vehicle hours now and saved in a flat,
    the weighted saving, eligibility and the decision so far (module docs: the rule).

    Parameters
    ----------
    inputs
        Dialysis inputs as loaded with the scenario's ``dialysis:`` section.
    date
        Scenario date: its week (Monday to Saturday) is summed, each day on its own timetable
        (from ``network.feed``).
    network
        Built network (land graph, timetable, feed, islands, foot boarding buffer).
    dparams, fparams
        The scenario's ``dialysis:`` and ``flats:`` sections.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`BURDEN_COLUMNS` (``sessions_per_week`` = the week's sessions; per-session
        columns = weekly / sessions; ``unmade_trips_per_session`` = unmade trips of the week /
        sessions); ``decision`` is empty for eligible patients with a saving (the choice
        decides), else a key of :data:`DECISIONS`.
    """
    unit = flats_unit(inputs, fparams)
    mine = [p for p in inputs.patients
            if unit is not None and p.unit_id == unit.unit_id and p.ride_service]
    sums = _week_sums(mine, unit, date, network, dparams, fparams) if unit is not None else {}
    walk_s = 2 * fparams.flat_walk_min * 60.0
    rows = [_burden_row(p, sums.get(p.patient_id), unit, walk_s, fparams, network)
            for p in inputs.patients]
    return pd.DataFrame(rows, columns=BURDEN_COLUMNS)


def _island_name(network: Network, island_id: str) -> str:
    """The island's name as :meth:`PlaceMatrix.island_label` words it."""
    isl = network.islands
    names = {str(i): str(n) for i, n in zip(isl["island_id"], isl.get(
        "name_zh", [""] * len(isl))) if isinstance(n, str) and n}
    if not island_id:
        return "an island with no road"
    return names.get(island_id) or f"island {island_id}"


def _burden_row(p: Patient, w: _Week | None, unit: Unit | None, walk_s: float,
                fparams: FlatsParams, network: Network) -> dict:
    """One row of :func:`patient_burdens` from the patient's week sums (``None``: no trip of
    the ride service to the flats' unit this week)."""
    w = w or _Week()
    n = w.sessions
    saved_ride = (w.ride_s - n * walk_s) / 3600.0 if n else 0.0
    saved_vehicle = w.vehicle_s / 3600.0
    burden = fparams.ride_weight * saved_ride + fparams.vehicle_weight * saved_vehicle
    value = max(0, int(round(burden * 3600.0)))
    decision = _decision(p, unit, w.island, fparams) or (
        "" if value > 0 else "trips_not_made" if w.unmade else "no_saving")
    per = 1.0 / n if n else 0.0
    return {"patient_id": p.patient_id, "island_id": p.island_id,
            "island": _island_name(network, p.island_id), "unit_id": p.unit_id,
            "schedule": p.schedule, "wheelchair": p.wheelchair, "sessions_per_week": n,
            "island_patient": w.island, "unmade_trips_per_session": w.unmade * per,
            "ride_h_per_session": w.ride_s * per / 3600.0,
            "vehicle_h_per_session": w.vehicle_s * per / 3600.0,
            "weekly_ride_h": w.ride_s / 3600.0, "weekly_vehicle_h": w.vehicle_s / 3600.0,
            "weekly_ride_h_saved": saved_ride, "weekly_vehicle_h_saved": saved_vehicle,
            "weekly_burden_saved": burden, "value": value, "eligible": not decision,
            "decision": decision}
