"""The tables of a solved dialysis day: stops of every route, per-trip summary, key figures."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from optimizer.problems.darp import DarpResult
from optimizer.services.dialysis.places import Place, PlaceMatrix
from optimizer.services.dialysis.records import DialysisInputs, Patient, VehicleSpec
from optimizer.services.dialysis.trips import Crossing, Leg, Session, Trip
from optimizer.units import hhmm

__all__ = ["STOP_COLUMNS", "TRIP_COLUMNS", "day_kpis", "stops_table", "trip_summary"]

STOP_COLUMNS = ["vehicle_id", "driver", "driver_phone", "seq", "action", "clock", "arrival_s",
                "start_s", "departure_s", "trip_id", "leg_id", "patient_id", "patient_name",
                "phone", "place_type", "place_name", "island_id", "village_code", "lon", "lat",
                "mobility", "escort", "note", "sailing_trip_id", "seats_on_board",
                "wheelchairs_on_board"]
"""Columns of :attr:`DialysisPlan.stops` (see :meth:`DialysisPlan.to_frames`)."""

TRIP_COLUMNS = ["trip_id", "patient_id", "direction", "first_pickup", "last_dropoff",
                "trip_duration_min", "wait_at_unit_min", "ferry_trip_id"]
"""Columns of :attr:`DialysisPlan.trip_summary`."""


def _stop_note(p: Patient | None, leg: Leg | None, pl: Place, action: str,
               cr: Crossing | None) -> str:
    """Wheelchair, escort, sailing to board or meet, session start (bilingual)."""
    if p is None or leg is None:
        return ""
    note = []
    if p.wheelchair:
        note.append("轮椅 wheelchair")
    if p.escort:
        note.append("陪护 escort")
    if cr is not None and pl.place_type == "pier":
        s = cr.sailing
        if action == "dropoff":
            note.append(f"乘 {s.trip_id} {hhmm(s.departure_s)} 开船, "
                        f"{hhmm(cr.boarding_deadline_s)} 前到码头 / boards "
                        f"{s.trip_id} departing {hhmm(s.departure_s)}")
        else:
            note.append(f"接 {s.trip_id} {hhmm(s.arrival_s)} 到港 / meets "
                        f"{s.trip_id} arriving {hhmm(s.arrival_s)}")
    if pl.place_type == "unit" and leg.trip.direction == "out":
        note.append(f"透析 {hhmm(leg.trip.session.start_s)} 开始 / session "
                    f"starts {hhmm(leg.trip.session.start_s)}")
    return "; ".join(note)


def stops_table(result: DarpResult | None, fleet: Sequence[VehicleSpec], m: PlaceMatrix,
                legs: Sequence[Leg], patients: Mapping[str, Patient],
                crossings: Mapping[str, Crossing]) -> pd.DataFrame:
    """One row per stop of every route, in route order (columns :data:`STOP_COLUMNS`).

    Parameters
    ----------
    result
        The final DARP plan (``None``: an empty table).
    fleet
        Vehicles in problem order.
    m
        Places and matrix (stop nodes index ``m.places``).
    legs
        The legs solved (request id = leg id).
    patients
        Patient id → patient.
    crossings
        Trip id → crossing.
    """
    by_id = {leg.leg_id: leg for leg in legs}
    vehicles = {v.vehicle_id: v for v in fleet}
    rows = []
    for rt in (result.routes if result is not None else ()):
        veh = vehicles[rt.vehicle_id]
        for seq, st in enumerate(rt.stops):
            pl = m.places[st.node]
            leg = by_id.get(st.request_id) if st.request_id else None
            p = patients[leg.trip.patient_id] if leg else None
            action = {"pickup": "pickup", "delivery": "dropoff"}.get(st.kind, st.kind)
            cr = crossings.get(leg.trip.trip_id) if leg else None
            on_pier = cr is not None and pl.place_type == "pier"
            rows.append({
                "vehicle_id": rt.vehicle_id, "driver": veh.driver, "driver_phone": veh.phone,
                "seq": seq, "action": action, "clock": hhmm(st.start_s),
                "arrival_s": st.arrival_s, "start_s": st.start_s, "departure_s": st.departure_s,
                "trip_id": leg.trip.trip_id if leg else None, "leg_id": st.request_id,
                "patient_id": p.patient_id if p else None,
                "patient_name": p.name if p else None, "phone": p.phone if p else None,
                "place_type": pl.place_type, "place_name": pl.name,
                "island_id": m.island[st.node], "village_code": pl.village_code,
                "lon": pl.lon, "lat": pl.lat, "mobility": p.mobility if p else None,
                "escort": p.escort if p else None, "note": _stop_note(p, leg, pl, action, cr),
                "sailing_trip_id": cr.sailing.trip_id if on_pier else None,
                "seats_on_board": st.seats_on_board,
                "wheelchairs_on_board": st.wheelchairs_on_board})
    return pd.DataFrame(rows, columns=STOP_COLUMNS)


def trip_summary(stops: pd.DataFrame, trips: Sequence[Trip], unserved: Mapping[str, Any],
                 crossings: Mapping[str, Crossing]) -> pd.DataFrame:
    """One row per served trip: first pickup, last drop-off (HH:MM), whole trip duration and
    wait at the unit (minutes; crossing included), sailing (columns :data:`TRIP_COLUMNS`)."""
    times: dict[str, dict[str, float]] = {}
    for r in stops[stops["leg_id"].notna()].itertuples(index=False):
        t = times.setdefault(r.trip_id, {})
        if r.action == "pickup":
            t["first_pickup"] = min(t.get("first_pickup", math.inf), r.departure_s)
        else:
            t["last_dropoff"] = max(t.get("last_dropoff", -math.inf), r.start_s)
    rows = []
    for trip in trips:
        if trip.trip_id in unserved or trip.trip_id not in times:
            continue
        t = times[trip.trip_id]
        cr = crossings.get(trip.trip_id)
        out = trip.direction == "out"
        rows.append({"trip_id": trip.trip_id, "patient_id": trip.patient_id,
                     "direction": trip.direction, "first_pickup": hhmm(t["first_pickup"]),
                     "last_dropoff": hhmm(t["last_dropoff"]),
                     "trip_duration_min": (t["last_dropoff"] - t["first_pickup"]) / 60.0,
                     "wait_at_unit_min": (trip.session.start_s - t["last_dropoff"]) / 60.0
                     if out else np.nan,
                     "ferry_trip_id": cr.sailing.trip_id if cr else None})
    return pd.DataFrame(rows, columns=TRIP_COLUMNS)


def day_kpis(inputs: DialysisInputs, date: dt.date, sessions: Sequence[Session],
             trips: Sequence[Trip], summary: pd.DataFrame, unserved: Sequence[Any],
             result: DarpResult | None, n_crossings: int, n_violations: int) -> dict[str, Any]:
    """Key figures of the day (counts and minutes as floats), unserved trips by reason code and,
    when the checker found any, the number of checker violations. Trips listed
    ``NO_TRANSPORT_NEEDED`` are in ``unserved_by_reason`` and ``trips_no_transport_needed``, not
    in ``trips_unserved``."""
    dur = summary["trip_duration_min"]
    wait = summary["wait_at_unit_min"].dropna()
    routes = result.routes if result is not None else ()
    by_reason: dict[str, int] = {}
    for u in unserved:
        by_reason[u.code] = by_reason.get(u.code, 0) + 1
    no_ride = by_reason.get("NO_TRANSPORT_NEEDED", 0)  # listed, but not a ride left unserved
    kpis: dict[str, Any] = {
        "patients_not_enrolled_today": float(sum(
            1 for p in inputs.patients if date.weekday() in p.days and not p.ride_service)),
        "sessions": float(len(sessions)),
        "trips": float(len(trips)),
        "trips_served": float(len(summary)),
        "trips_unserved": float(len(unserved) - no_ride),
        "vehicles_used": float(len(routes)),
        "total_driving_time_min": sum(r.travel_time_s for r in routes) / 60.0 if routes
        else 0.0,
        "mean_trip_duration_min": float(dur.mean()) if len(summary) else 0.0,
        "max_trip_duration_min": float(dur.max()) if len(summary) else 0.0,
        "mean_wait_at_unit_min": float(wait.mean()) if len(wait) else 0.0,
        "ferry_crossings": float(n_crossings),
        "unserved_by_reason": dict(sorted(by_reason.items())),
    }
    if no_ride:
        kpis["trips_no_transport_needed"] = float(no_ride)
    if n_violations:
        kpis["checker_violations"] = n_violations
    return kpis
