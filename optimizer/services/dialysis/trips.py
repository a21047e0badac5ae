"""Sessions, trips and their vehicle legs, with the ferry crossing (the core modelling decision).

Sessions and trips
------------------
:func:`sessions_for_date` turns the weekly patterns (``MWF`` = Mon/Wed/Fri, ``TTS`` =
Tue/Thu/Sat, or a ``;``-separated day list) into the sessions of one date; each session gives an
**outbound** trip (home → unit; arrival at the unit within
``[start - arrive_early_max, start - arrive_early_min]``, never late) and a **return** trip
(unit → home; pickup within ``[end, end + return_pickup_within]``).

Ferry crossings
---------------
Land travel times come from the land graph (roads, bridges, access; never ferries), so two places
are "on the same side" exactly when their land travel time is finite. A trip whose home and unit
are on different sides crosses as a **foot passenger** on one real sailing of the day's
:class:`~optimizer.network.ferries.FerryTimetable`, and is split into two land legs served by
vehicles of each side (:func:`trip_legs`):

* outbound: leg 1 home → boarding pier (drop-off no later than ``departure - boarding buffer``,
  and at most ``arrive_early_max - arrive_early_min`` earlier, the same slack as at the unit);
  leg 2 landing pier → unit (pickup at or after the sailing's arrival, drop-off in the unit
  window). The sailing chosen is, over every pier pair joining the two sides, the one that lets
  the patient leave home **latest** while leg 2 can still reach the unit in time alone
  (``arrival + boarding service + direct time <= start - arrive_early_min``).
* return: leg 1 unit → boarding pier (pickup in the return window, drop-off by
  ``departure - buffer``); leg 2 landing pier → home (pickup within ``return_pickup_within`` of
  the sailing's arrival). The sailing chosen is the one bringing the patient home **first** among
  those the patient can still board after a direct ride from the unit.

A crossing trip the split leaves unserved may still be served by a vehicle riding a car ferry
with the patient (``may_board_car_ferry``): :mod:`optimizer.services.dialysis.car_ferry`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from optimizer.errors import InputError
from optimizer.network.ferries import FerryTimetable, Sailing
from optimizer.services.dialysis.params import DialysisParams
from optimizer.services.dialysis.places import PlaceMatrix
from optimizer.services.dialysis.records import Patient, Unit
from optimizer.units import hhmm

__all__ = ["SAME_PLACE_M", "Crossing", "Leg", "LegRules", "Session", "Trip", "TripLegs",
           "as_date", "ground_distance_m", "sailing_text", "sessions_for_date", "trip_legs"]


@dataclass(frozen=True)
class Session:
    """One dialysis session on ``date``: ``start_s``/``end_s`` seconds after midnight."""

    patient_id: str
    unit_id: str
    date: dt.date
    start_s: int
    end_s: int


@dataclass(frozen=True)
class Trip:
    """One patient trip of the day (before splitting at a ferry).

    ``direction`` is ``"out"`` (home → unit) or ``"ret"`` (unit → home); ``trip_id`` is
    ``"<patient_id>-out"`` / ``"<patient_id>-ret"``. Windows in seconds after midnight:
    ``pickup_window_s`` on the start of boarding at the origin, ``delivery_window_s`` on the start
    of alighting at the destination.
    """

    trip_id: str
    patient_id: str
    direction: str
    session: Session
    pickup_window_s: tuple[float, float]
    delivery_window_s: tuple[float, float]


@dataclass(frozen=True)
class Crossing:
    """The sailing a trip takes: piers (GTFS stop ids and names), departure / arrival seconds,
    the time the patient must be at the boarding pier (seconds after midnight) and the route's
    name for people (``routes.txt`` ``route_short_name``, else ``route_long_name``; ``""`` when
    the feed has neither: readers then name the two piers). ``vehicle_boards``: the vehicle crosses
on this car sailing with the patient (a through ride, :mod:`optimizer.services.dialysis.car_ferry`;
``boarding_deadline_s`` is then the vehicle's), else the patient crosses on foot."""

    trip_id: str
    patient_id: str
    direction: str
    sailing: Sailing
    from_pier_name: str
    to_pier_name: str
    boarding_deadline_s: float
    route_name: str = ""
    vehicle_boards: bool = False


@dataclass(frozen=True)
class Leg:
    """One vehicle leg of a trip (a DARP request): ``leg_id`` is the trip id, or
    ``"<trip_id>:1"`` / ``":2"`` on each side of a crossing; nodes of the
    :class:`~optimizer.services.dialysis.places.PlaceMatrix`; windows in seconds after midnight."""

    leg_id: str
    trip: Trip
    pickup: int
    delivery: int
    pickup_window_s: tuple[float, float]
    delivery_window_s: tuple[float, float]


SAME_PLACE_M = 30.0
"""A home within this many metres (great-circle) of its unit is the same place: the trip is not a
ride (``NO_TRANSPORT_NEEDED``, no seat held, never sent to the solver). Project rule: the size of
one building or compound, the precision of a geocoded address."""


def ground_distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two EPSG:4326 points (haversine, mean Earth radius
    6 371 008.8 m, IUGG).

    Examples
    --------
    >>> round(ground_distance_m(122.0, 30.0, 122.0, 30.001))
    111
    """
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def as_date(day: dt.date | str) -> dt.date:
    """``day`` as a date (``YYYY-MM-DD`` text accepted).

    Raises
    ------
    optimizer.errors.InputError
        If ``day`` is not a date (field ``date``).
    """
    if isinstance(day, dt.datetime):
        return day.date()
    if isinstance(day, dt.date):
        return day
    try:
        return dt.date.fromisoformat(str(day))
    except ValueError:
        raise InputError(f"{day!r} is not a date; expected YYYY-MM-DD", field="date") from None


def sessions_for_date(patients: Sequence[Patient], date: dt.date | str, *,
                      params: DialysisParams | None = None) -> tuple[tuple[Session, ...],
                                                                     tuple[Trip, ...]]:
    """The sessions of ``date`` from the weekly patterns, and their outbound and return trips.

    Parameters
    ----------
    patients
        Validated patients (those with ``ride_service`` false travel on their own: no trips).
    date
        Service date (``datetime.date`` or ``YYYY-MM-DD``).
    params
        Service rules (default :class:`DialysisParams`).

    Returns
    -------
    sessions, trips
        Sessions in patient order; two trips per session (outbound then return). Outbound:
        pickup open, drop-off window ``[start - arrive_early_max, start - arrive_early_min]``
        (seconds). Return: pickup window ``[end, end + return_pickup_within]``, drop-off open.

    Raises
    ------
    optimizer.errors.InputError
        If ``date`` is not a date.
    """
    prm = params or DialysisParams()
    d = as_date(date)
    lo, hi = prm.arrive_early_min
    ret = prm.return_pickup_within_min * 60.0
    sessions, trips = [], []
    for p in patients:
        if d.weekday() not in p.days or not p.ride_service:
            continue  # not enrolled: travels on their own (counted in the plan's KPIs)
        s = Session(p.patient_id, p.unit_id, d, p.session_start_s,
                    p.session_start_s + p.duration_s)
        sessions.append(s)
        trips.append(Trip(f"{p.patient_id}-out", p.patient_id, "out", s, (0.0, math.inf),
                          (max(0.0, s.start_s - hi * 60.0), s.start_s - lo * 60.0)))
        trips.append(Trip(f"{p.patient_id}-ret", p.patient_id, "ret", s,
                          (float(s.end_s), s.end_s + ret), (0.0, math.inf)))
    return tuple(sessions), tuple(trips)


# ----------------------------------------------------------------------------- legs
@dataclass(frozen=True)
class LegRules:
    """The timing rules of legs and crossings, seconds.

    Attributes
    ----------
    boarding_buffer_s
        A foot passenger is at the pier this long before departure
        (``Network.boarding_buffer_s["foot"]``).
    early_span_s
        ``arrive_early_max - arrive_early_min``: slack of the drop-off at a boarding pier.
    return_within_s
        Pickup at the landing pier within this long after the arrival (return trips).
    service_walking_s, service_wheelchair_s
        Boarding / alighting time per stop.
    """

    boarding_buffer_s: float
    early_span_s: float
    return_within_s: float
    service_walking_s: float
    service_wheelchair_s: float

    @classmethod
    def of(cls, params: DialysisParams, *, boarding_buffer_s: float) -> LegRules:
        """The rules of ``params`` with the network's foot boarding buffer (seconds)."""
        lo, hi = params.arrive_early_min
        return cls(float(boarding_buffer_s), (hi - lo) * 60.0,
                   params.return_pickup_within_min * 60.0, 60.0 * params.service_walking_min,
                   60.0 * params.service_wheelchair_min)

    def service_s(self, p: Patient) -> float:
        """Boarding (or alighting) time of ``p`` at a stop, seconds."""
        return self.service_wheelchair_s if p.wheelchair else self.service_walking_s


@dataclass(frozen=True)
class TripLegs:
    """The legs of one trip and its crossing, or the reason ``code`` (a key of
    :data:`optimizer.results.REASONS`) and a ``detail`` why the trip cannot be made."""

    legs: tuple[Leg, ...] = ()
    crossing: Crossing | None = None
    code: str = ""
    detail: str = ""


def sailing_text(s: Sailing, m: PlaceMatrix, route_names: Mapping[str, str] | None = None
                 ) -> str:
    """A sailing as a person reads it: ``"墩头-六横蛟头 六横大岙(蛟头)码头 06:30 → 沈家门墩头客运码头
    08:20"`` (the route's name when known, the piers' names, departure and arrival HH:MM; never
    the GTFS trip id)."""
    route = (route_names or {}).get(s.route_id, "")
    return (f"{route + ' ' if route else ''}{m.pier_name(s.from_stop_id)} "
            f"{hhmm(s.departure_s)} → {m.pier_name(s.to_stop_id)} {hhmm(s.arrival_s)}")


def trip_legs(trip: Trip, p: Patient, u: Unit, m: PlaceMatrix, timetable: FerryTimetable | None,
              rules: LegRules, route_names: Mapping[str, str] | None = None) -> TripLegs:
    """Split a trip into vehicle legs (one on the same side, two across a sailing).

    Parameters
    ----------
    trip, p, u
        The trip, its patient and the patient's unit (``u.active`` false: ``UNIT_INACTIVE``).
    m
        The day's places and car matrix (``m.home_node`` has the patient).
    timetable
        Sailings of the day (``None``: no ferries).
    rules
        Timing rules.
    route_names
        GTFS route id -> name (:func:`optimizer.network.placenames.route_names`), for the
        sailings the details name.

    Returns
    -------
    TripLegs
        Legs (and the crossing), or a reason code with a detail in HH:MM and place names.
    """
    if not u.active:
        return TripLegs(code="UNIT_INACTIVE",
                        detail=f"unit {u.unit_id} {u.name_zh} is closed in this scenario")
    apart = ground_distance_m(p.lon, p.lat, u.lon, u.lat)
    if apart <= SAME_PLACE_M:
        ends = ("home", u.name_zh) if trip.direction == "out" else (u.name_zh, "home")
        return TripLegs(code="NO_TRANSPORT_NEEDED", detail=(
            f"pickup ({ends[0]}) and drop-off ({ends[1]}) are the same place ({apart:.0f} m "
            f"apart, within {SAME_PLACE_M:.0f} m): no ride, no seat held"))
    h, un = m.home_node[p.patient_id], m.unit_node[u.unit_id]
    if not m.snapped[h]:
        return TripLegs(code="UNREACHABLE_ISLAND", detail=f"home of {p.patient_id} has no road "
                        f"node on {m.island_label(m.island[h] or p.island_id)}")
    if not m.snapped[un]:
        return TripLegs(code="UNREACHABLE_ISLAND",
                        detail=f"unit {u.unit_id} {u.name_zh} has no road node")
    if m.finite(h, un):
        a, b = (h, un) if trip.direction == "out" else (un, h)
        return TripLegs(legs=(Leg(trip.trip_id, trip, a, b, trip.pickup_window_s,
                                  trip.delivery_window_s),))
    return _crossing_legs(trip, p, h, un, m, timetable, rules, route_names or {})


def _sailings(timetable: FerryTimetable | None, a_side: Sequence[str], b_side: Sequence[str]
              ) -> tuple[list[Sailing], bool]:
    """Sailings from any pier of ``a_side`` to any of ``b_side``; whether a suspended or
    not-running route joins them."""
    cands: list[Sailing] = []
    susp = False
    if timetable is not None:
        for a in a_side:
            for b in b_side:
                cands.extend(timetable.sailings_between(a, b))
                susp = susp or timetable.has_service(a, b, include_suspended=True)
    return cands, susp


def _crossing_legs(trip: Trip, p: Patient, h: int, un: int, m: PlaceMatrix,
                   timetable: FerryTimetable | None, rules: LegRules,
                   route_names: Mapping[str, str]) -> TripLegs:
    """Choose the sailing of a cross-island trip and build its two legs."""
    home_piers = [s for s, n in m.pier_node.items() if m.snapped[n] and m.finite(h, n)]
    unit_piers = [s for s, n in m.pier_node.items() if m.snapped[n] and m.finite(n, un)]
    outbound = trip.direction == "out"
    cands, susp = _sailings(timetable, *((home_piers, unit_piers) if outbound
                                         else (unit_piers, home_piers)))
    isl, day = m.island_label(m.island[h] or p.island_id), trip.session.date
    if not cands:
        if susp:
            return TripLegs(code="NO_SAILING", detail=f"the ferry route(s) between {isl} and the "
                            f"unit's side are suspended or not running on {day}")
        if not home_piers:
            return TripLegs(code="UNREACHABLE_ISLAND",
                            detail=f"{isl} has no pier reachable by road")
        return TripLegs(code="NO_SAILING" if timetable is not None else "UNREACHABLE_ISLAND",
                        detail=f"no sailing links {isl} with the unit's side on {day}")
    pick = _outbound_legs if outbound else _return_legs
    return pick(trip, rules.service_s(p), h, un, m, cands, rules, route_names)


def _crossing(trip: Trip, s: Sailing, m: PlaceMatrix, rules: LegRules) -> Crossing:
    return Crossing(trip.trip_id, trip.patient_id, trip.direction, s,
                    m.pier_name(s.from_stop_id), m.pier_name(s.to_stop_id),
                    s.departure_s - rules.boarding_buffer_s)


def _outbound_legs(trip: Trip, s_p: float, h: int, un: int, m: PlaceMatrix,
                   cands: Sequence[Sailing], rules: LegRules,
                   route_names: Mapping[str, str]) -> TripLegs:
    """Outbound: the sailing letting the patient leave home latest while leg 2 reaches the unit
    by the latest drop-off alone."""
    tt, pier = m.travel_time_s, m.pier_node
    l_d = trip.delivery_window_s[1]
    best = None
    for s in cands:
        a, b = pier[s.from_stop_id], pier[s.to_stop_id]
        if s.arrival_s + s_p + tt[b, un] > l_d + 1e-9:
            continue
        leave = s.departure_s - rules.boarding_buffer_s - s_p - tt[h, a]
        if best is None or leave > best[0]:
            best = (leave, s)
    if best is None:
        first = min(cands, key=lambda s: s.arrival_s + s_p + tt[pier[s.to_stop_id], un])
        unit = m.places[un]
        reach = first.arrival_s + s_p + tt[pier[first.to_stop_id], un]
        return TripLegs(code="NO_SAILING", detail=(
            f"outbound (home → {unit.name}): earliest possible arrival {hhmm(reach)} at "
            f"{unit.name} is after the latest allowed arrival {hhmm(l_d)} (session "
            f"{hhmm(trip.session.start_s)}); the first sailing that gets there, "
            f"{sailing_text(first, m, route_names)}, lands too late"))
    s = best[1]
    a, b = pier[s.from_stop_id], pier[s.to_stop_id]
    dead = s.departure_s - rules.boarding_buffer_s
    return TripLegs(legs=(
        Leg(f"{trip.trip_id}:1", trip, h, a, (0.0, math.inf),
            (max(0.0, dead - rules.early_span_s), dead)),
        Leg(f"{trip.trip_id}:2", trip, b, un, (float(s.arrival_s), math.inf),
            trip.delivery_window_s)), crossing=_crossing(trip, s, m, rules))


def _return_legs(trip: Trip, s_p: float, h: int, un: int, m: PlaceMatrix,
                 cands: Sequence[Sailing], rules: LegRules,
                 route_names: Mapping[str, str]) -> TripLegs:
    """Return: the sailing bringing the patient home first among those the patient can board
    after a direct ride from the unit."""
    tt, pier = m.travel_time_s, m.pier_node
    e_p = trip.pickup_window_s[0]
    best = None
    for s in cands:
        a, b = pier[s.from_stop_id], pier[s.to_stop_id]
        if e_p + s_p + tt[un, a] > s.departure_s - rules.boarding_buffer_s + 1e-9:
            continue
        home_at = s.arrival_s + s_p + tt[b, h]
        if best is None or home_at < best[0]:
            best = (home_at, s)
    if best is None:
        last = max(cands, key=lambda s: s.departure_s)
        unit = m.places[un]
        at_pier = e_p + s_p + tt[un, pier[last.from_stop_id]]
        return TripLegs(code="NO_SAILING", detail=(
            f"return ({unit.name} → home): the session ends {hhmm(trip.session.end_s)}; earliest "
            f"possible arrival at {m.pier_name(last.from_stop_id)} {hhmm(at_pier)} is after the "
            f"last boarding time {hhmm(last.departure_s - rules.boarding_buffer_s)} of the last "
            f"sailing home, {sailing_text(last, m, route_names)}"))
    s = best[1]
    a, b = pier[s.from_stop_id], pier[s.to_stop_id]
    dead = s.departure_s - rules.boarding_buffer_s
    return TripLegs(legs=(
        Leg(f"{trip.trip_id}:1", trip, un, a, trip.pickup_window_s, (e_p, dead)),
        Leg(f"{trip.trip_id}:2", trip, b, h, (float(s.arrival_s), s.arrival_s
                                              + rules.return_within_s), (0.0, math.inf))),
        crossing=_crossing(trip, s, m, rules))
