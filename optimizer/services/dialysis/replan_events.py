"""The events of a day of operations that a re-plan takes in (:class:`Event`), applied to the
day's trips and timetable (:func:`apply_events`).

Kinds (each an :class:`Event` with the fields it uses):

``cancel``
    ``patient``, ``trip`` (``out``, ``ret`` or ``both``): the patient cancels the ride(s).
``no_show``
    ``patient``, ``trip`` (``out`` or ``ret``; default ``out``): the patient is not at the
    pickup; an outbound no-show also cancels the ride home.
``session_late``
    ``patient`` or ``unit`` with ``session_end`` (HH:MM, every session of the unit ending
    then), ``minutes``: the session ends that much later; the ride home moves with it.
``sailing_delayed``
    ``pier`` (GTFS stop id or pier name), ``departure`` (HH:MM), optional ``route``,
    ``minutes``: the sailing leaves and lands that much later.
``sailing_cancelled``
    ``pier``, ``departure``, optional ``route``: the sailing does not run.
``vehicle_out``
    ``vehicle``, ``from_time`` (HH:MM): the vehicle takes no new passenger from then; it
    finishes the rides of the passengers on board.
``urgent_request``
    ``patient``, ``direction`` (``out`` home → unit, ``ret`` unit → home), ``earliest`` and
    ``latest`` (HH:MM): for ``out`` the window of the arrival at the unit, for ``ret`` the window
    of the pickup at the unit.

Every problem with an event raises :class:`~optimizer.errors.InputError` naming the events
file, the event's line, its position and the field (``events[2].patient``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from optimizer.errors import InputError
from optimizer.network.ferries import FerryTimetable, Sailing
from optimizer.services.dialysis.params import DialysisParams
from optimizer.services.dialysis.records import Patient
from optimizer.services.dialysis.trips import Session, Trip
from optimizer.units import hhmm

__all__ = ["EVENT_KINDS", "AppliedEvents", "Event", "apply_events", "find_sailing"]

EVENT_KINDS = ("cancel", "no_show", "session_late", "sailing_delayed", "sailing_cancelled",
               "vehicle_out", "urgent_request")
"""The event kinds a re-plan takes in (see the module docs)."""


@dataclass(frozen=True)
class Event:
    """One event (see the module docs for the fields each kind uses).

    Attributes
    ----------
    kind
        One of :data:`EVENT_KINDS`.
    index
        Position in the events file (0-based, as in ``events[0]``).
    line
        Line of the event in the file (``None`` when built in code).
    file
        The events file (for messages).
    minutes
        Delay or lateness, minutes.
    session_end_s, departure_s, from_s, earliest_s, latest_s
        Clock times, seconds after midnight (``None`` when not given).
    """

    kind: str
    index: int = 0
    line: int | None = None
    file: str = ""
    patient: str = ""
    trip: str = ""
    unit: str = ""
    session_end_s: float | None = None
    minutes: float = 0.0
    pier: str = ""
    departure_s: float | None = None
    route: str = ""
    vehicle: str = ""
    from_s: float | None = None
    direction: str = "out"
    earliest_s: float | None = None
    latest_s: float | None = None

    def error(self, message: str, field: str) -> InputError:
        """An :class:`InputError` naming the file, the event's line, its position and
        ``field``."""
        return InputError(f"event {self.index + 1} ({self.kind}): {message}",
                          file=self.file or None, row=self.line,
                          field=f"events[{self.index}].{field}")


@dataclass(frozen=True)
class AppliedEvents:
    """The day after the events (before freezing at ``--at``).

    Attributes
    ----------
    trips
        The day's trips, session-late return windows moved, urgent trips appended.
    cancelled
        Trip id → (reason code ``CANCELLED`` / ``NO_SHOW``, detail).
    timetable
        The sailings with delays applied and cancelled ones removed.
    changed_sailings
        (GTFS trip, from stop, to stop) of a changed sailing → the new sailing, or ``None``
        if cancelled.
    vehicles_out
        Vehicle id → the time it leaves service (seconds after midnight).
    late
        Trip id → minutes its session ends later.
    urgent_patients
        Patients of urgent requests (their homes must be places).
    """

    trips: tuple[Trip, ...]
    cancelled: Mapping[str, tuple[str, str]]
    timetable: FerryTimetable | None
    changed_sailings: Mapping[tuple[str, str, str], Sailing | None] = field(default_factory=dict)
    vehicles_out: Mapping[str, float] = field(default_factory=dict)
    late: Mapping[str, float] = field(default_factory=dict)
    urgent_patients: tuple[Patient, ...] = ()
    events: tuple[Event, ...] = ()
    source: Mapping[str, Event] = field(default_factory=dict)
    """Trip id → the event that cancelled it or moved its session (for messages)."""


def find_sailing(ev: Event, timetable: FerryTimetable | None,
                 pier_names: Mapping[str, str]) -> Sailing:
    """The sailing an event names: from ``ev.pier`` (stop id or name) at ``ev.departure_s``
    (to the minute), on ``ev.route`` when given.

    Raises
    ------
    optimizer.errors.InputError
        If no sailing of the day matches (the message lists that pier's departures).
    """
    sailings = timetable.sailings if timetable is not None else ()
    ids = {ev.pier} | {sid for sid, name in pier_names.items() if name == ev.pier}
    at_pier = [s for s in sailings if s.from_stop_id in ids
               and (not ev.route or s.route_id == ev.route)]
    if not at_pier:
        raise ev.error(f"no sailing leaves pier {ev.pier!r}" + (
            f" on route {ev.route!r}" if ev.route else "") + " today; give the GTFS stop id "
            "or the pier's name", "pier")
    hit = [s for s in at_pier if ev.departure_s is not None
           and abs(s.departure_s - ev.departure_s) < 60]
    if not hit:
        deps = ", ".join(sorted({hhmm(s.departure_s) for s in at_pier}))
        raise ev.error(f"no sailing leaves {ev.pier} at {hhmm(ev.departure_s or 0)}; its "
                       f"departures today: {deps}", "departure")
    return hit[0]


def _trips_of(ev: Event, trips: Sequence[Trip], patients: Mapping[str, Patient],
              directions: Sequence[str]) -> list[Trip]:
    if ev.patient not in patients:
        raise ev.error(f"unknown patient {ev.patient!r}", "patient")
    out = [t for t in trips if t.patient_id == ev.patient and t.direction in directions]
    if not out:
        raise ev.error(f"patient {ev.patient} has no {'/'.join(directions)} trip today",
                       "patient")
    return out


def _session_late(ev: Event, trips: Sequence[Trip], patients: Mapping[str, Patient],
                  late: dict[str, float]) -> list[str]:
    if ev.minutes <= 0:
        raise ev.error(f"minutes={ev.minutes:g}; expected a delay > 0", "minutes")
    if ev.patient:
        hit = _trips_of(ev, trips, patients, ("ret",))
    elif ev.unit:
        hit = [t for t in trips if t.direction == "ret" and t.session.unit_id == ev.unit
               and ev.session_end_s is not None and abs(t.session.end_s - ev.session_end_s) < 60]
        if not hit:
            raise ev.error(f"no session of unit {ev.unit!r} ends at "
                           f"{hhmm(ev.session_end_s or 0)} with a ride home today", "unit")
    else:
        raise ev.error("give the patient, or the unit and session_end", "patient")
    for t in hit:
        late[t.trip_id] = late.get(t.trip_id, 0.0) + ev.minutes
    return [t.trip_id for t in hit]


def _late_trip(t: Trip, minutes: float) -> Trip:
    """The return trip of a session ending ``minutes`` later: pickup window moved."""
    d = minutes * 60.0
    s = dataclasses.replace(t.session, end_s=int(t.session.end_s + d))
    lo, hi = t.pickup_window_s
    return dataclasses.replace(t, session=s, pickup_window_s=(lo + d, hi + d))


def _urgent_trip(ev: Event, p: Patient, k: int, prm: DialysisParams, date) -> Trip:
    if ev.direction not in ("out", "ret"):
        raise ev.error(f"direction={ev.direction!r}; expected out or ret", "direction")
    if ev.earliest_s is None or ev.latest_s is None or ev.latest_s < ev.earliest_s:
        raise ev.error("give earliest and latest (HH:MM), earliest first", "earliest")
    lo, hi = float(ev.earliest_s), float(ev.latest_s)
    tid = f"{p.patient_id}-urgent{k}"
    if ev.direction == "out":
        start = int(hi + prm.arrive_early_min[0] * 60.0)
        s = Session(p.patient_id, p.unit_id, date, start, start + p.duration_s)
        return Trip(tid, p.patient_id, "out", s, (0.0, math.inf), (lo, hi))
    s = Session(p.patient_id, p.unit_id, date, int(lo) - p.duration_s, int(lo))
    return Trip(tid, p.patient_id, "ret", s, (lo, hi), (0.0, math.inf))


def apply_events(events: Sequence[Event], trips: Sequence[Trip], patients: Sequence[Patient],
                 vehicles: Sequence[str], timetable: FerryTimetable | None,
                 pier_names: Mapping[str, str], params: DialysisParams, date) -> AppliedEvents:
    """Apply the events to the day's trips and sailings (no freezing yet).

    Parameters
    ----------
    events
        The events, in file order.
    trips
        The day's trips.
    patients
        Every patient of the inputs.
    vehicles
        The fleet's vehicle ids.
    timetable
        The day's sailings.
    pier_names
        GTFS stop id → pier name.
    params
        Service rules (urgent requests' sessions).
    date
        The service date.

    Returns
    -------
    AppliedEvents

    Raises
    ------
    optimizer.errors.InputError
        On an unknown patient, unit, vehicle or sailing, or a value out of range (the event's
        line and field named).
    """
    pats = {p.patient_id: p for p in patients}
    cancelled: dict[str, tuple[str, str]] = {}
    late: dict[str, float] = {}
    source: dict[str, Event] = {}
    out: dict[str, float] = {}
    boats: dict[str, tuple[int, int | None]] = {}  # GTFS trip -> (from departure, delay)
    urgent: list[Trip] = []
    for ev in events:
        if ev.kind == "cancel":
            dirs = ("out", "ret") if ev.trip in ("", "both") else (ev.trip,)
            for t in _trips_of(ev, trips, pats, dirs):
                cancelled[t.trip_id] = ("CANCELLED", f"cancelled (event {ev.index + 1})")
                source[t.trip_id] = ev
        elif ev.kind == "no_show":
            d = ev.trip or "out"
            for t in _trips_of(ev, trips, pats, ("out", "ret") if d == "out" else ("ret",)):
                cancelled[t.trip_id] = ("NO_SHOW", f"no-show at the {d} pickup "
                                        f"(event {ev.index + 1})")
                source[t.trip_id] = ev
        elif ev.kind == "session_late":
            for tid in _session_late(ev, trips, pats, late):
                source.setdefault(tid, ev)
        elif ev.kind in ("sailing_delayed", "sailing_cancelled"):
            s = find_sailing(ev, timetable, pier_names)
            if ev.kind == "sailing_delayed" and ev.minutes <= 0:
                raise ev.error(f"minutes={ev.minutes:g}; expected a delay > 0", "minutes")
            prev = boats.get(s.trip_id, (s.departure_s, 0))
            if prev[1] is None:
                continue  # already cancelled
            delay = None if ev.kind == "sailing_cancelled" else \
                prev[1] + int(round(ev.minutes * 60))
            boats[s.trip_id] = (min(prev[0], s.departure_s), delay)
        elif ev.kind == "vehicle_out":
            if ev.vehicle not in vehicles:
                raise ev.error(f"unknown vehicle {ev.vehicle!r}; the fleet: "
                               f"{', '.join(vehicles)}", "vehicle")
            out[ev.vehicle] = float(ev.from_s or 0.0)
        elif ev.kind == "urgent_request":
            if ev.patient not in pats:
                raise ev.error(f"unknown patient {ev.patient!r}", "patient")
            urgent.append(_urgent_trip(ev, pats[ev.patient], len(urgent) + 1, params, date))
        else:  # pragma: no cover - the reader refuses unknown kinds
            raise ev.error(f"unknown event kind {ev.kind!r}", "type")
    new_trips = tuple(_late_trip(t, late[t.trip_id]) if t.trip_id in late else t
                      for t in trips) + tuple(urgent)
    urgent_p = tuple(dict.fromkeys(pats[t.patient_id] for t in urgent))
    new_tt, changed = _timetable(timetable, boats)
    return AppliedEvents(new_trips, cancelled, new_tt, changed, out, late, urgent_p,
                         tuple(events), source)


def _timetable(tt: FerryTimetable | None, boats: Mapping[str, tuple[int, int | None]]
               ) -> tuple[FerryTimetable | None, dict[tuple[str, str, str], Sailing | None]]:
    """The sailings with the boats' delays applied from the named departure on (the same
    boat's later calls are late too) and cancelled ones removed; the changed sailings by
    (GTFS trip, from stop, to stop)."""
    if tt is None or not boats:
        return tt, {}
    changed: dict[tuple[str, str, str], Sailing | None] = {}
    keep = []
    for s in tt.sailings:
        b = boats.get(s.trip_id)
        if b is None or s.departure_s < b[0]:
            keep.append(s)
            continue
        new = None if b[1] is None else dataclasses.replace(
            s, departure_s=s.departure_s + b[1], arrival_s=s.arrival_s + b[1])
        changed[(s.trip_id, s.from_stop_id, s.to_stop_id)] = new
        if new is not None:
            keep.append(new)
    return FerryTimetable(tt.day, tuple(keep), tt.suspended_routes, tt.suspended_sailings), \
        changed
