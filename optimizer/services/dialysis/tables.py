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

__all__ = ["ALL_DAY", "BOTH_DIRECTIONS", "CROSSING_COUNT_COLUMNS", "ISLAND_HOMES", "MIN_CELL",
           "STOP_COLUMNS", "STOP_COUNT_COLUMNS", "SUPPRESSED_PLACE", "TRIP_COLUMNS",
           "UNSERVED_COUNT_COLUMNS", "crossing_counts", "day_kpis", "max_leg_ride_time_min",
           "merge_small_cells", "stop_counts", "stops_table", "time_band", "trip_summary",
           "unserved_counts"]

STOP_COLUMNS = ["vehicle_id", "driver", "driver_phone", "seq", "action", "clock", "arrival_s",
                "start_s", "departure_s", "trip_id", "leg_id", "patient_id", "patient_name",
                "phone", "address", "place_type", "place_name", "island_id", "island_name",
                "village_code", "lon", "lat",
                "mobility", "escort", "note", "sailing_trip_id", "seats_on_board",
                "wheelchairs_on_board"]
"""Columns of :attr:`DialysisPlan.stops` (see :meth:`DialysisPlan.to_frames`); ``address`` is the
patient's address at home stops (personal; ``""`` when the patients file has none),
``island_name`` the island's Chinese name (``""`` if unknown)."""

TRIP_COLUMNS = ["trip_id", "patient_id", "direction", "home_island_id", "first_pickup",
                "last_dropoff", "trip_duration_min", "wait_at_unit_min", "ferry_trip_id"]
"""Columns of :attr:`DialysisPlan.trip_summary` (``home_island_id``: the island of the home
stop, island level only)."""

STOP_COUNT_COLUMNS = ["island_id", "island_name", "place_type", "place", "action", "time_band",
                      "stops"]
"""Columns of :func:`stop_counts` (the published ``dialysis/stops.csv``)."""

MIN_CELL = 3
"""Smallest count :func:`stop_counts` publishes in a cell: a village and a two-hour band with one
or two rides could name the patient to a neighbour (the usual small-cell rule of published
statistics, e.g. fewer than 3 suppressed); smaller cells are merged into one row."""

BAND_S = 2 * 3600
"""Width of the time bands of :func:`stop_counts`, seconds (two hours)."""

ISLAND_HOMES = "本岛其他各村合计 other villages of the island"
"""``place`` of the home cells of :func:`stop_counts` merged per island (villages whose cell is
under :data:`MIN_CELL`)."""

SUPPRESSED_PLACE = "其他（每格少于3次，已合并）other (cells under 3, merged)"
"""``place`` of the one row holding every suppressed cell of :func:`stop_counts`."""


ALL_DAY = "全天 all day"
"""``time_band`` of the cells :func:`merge_small_cells` merged over the day."""

BOTH_DIRECTIONS = "both"
"""``direction`` of the unserved cells merged over both directions (out and ret)."""

UNSERVED_COUNT_COLUMNS = ["island_id", "island_name", "code", "direction", "time_band", "rides"]
"""Columns of :func:`unserved_counts` (the published ``dialysis/public_unserved.csv`` adds the
reason's label)."""

CROSSING_COUNT_COLUMNS = ["route_id", "route_name", "from_pier", "to_pier", "time_band", "rides"]
"""Columns of :func:`crossing_counts` (the published ``dialysis/public_crossings.csv``)."""


def time_band(clock_s: float, band_s: int = BAND_S) -> str:
    """The band of a clock time, ``"HH:MM–HH:MM"`` (bands of ``band_s`` seconds from midnight).

    >>> time_band(45000)
    '12:00–14:00'
    """
    b = int(float(clock_s) // band_s)
    return f"{hhmm(b * band_s)}–{hhmm((b + 1) * band_s)}"


def merge_small_cells(rows: pd.DataFrame, keys: Sequence[str], coarser: Sequence[Mapping[str, str]],
                      *, other: tuple[str, str], count: str = "rides",
                      min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Count ``rows`` per ``keys`` and publish no cell under ``min_cell``.

    A cell under ``min_cell`` is coarsened by the first mapping of ``coarser`` (its columns set to
    those values, e.g. the time band to :data:`ALL_DAY`) and merged with the other small cells
    that become alike; what is still small goes on through the next mapping; what is small after
    the last is one row whose column ``other[0]`` is ``other[1]`` (the others blank). Totals are
    preserved: the counts sum to ``len(rows)``.

    Parameters
    ----------
    rows
        One row per item (a ride), with the ``keys`` columns (text).
    keys
        The columns of a cell.
    coarser
        Column -> value mappings, applied in turn to the small cells.
    other
        ``(column, text)`` of the last row holding every cell still under ``min_cell``.
    count
        Name of the count column.
    min_cell
        Smallest count shown (default :data:`MIN_CELL`).

    Returns
    -------
    pandas.DataFrame
        ``keys`` + ``count``: the cells of ``min_cell`` or more, sorted by ``keys``, then the
        coarsened cells in the order of ``coarser``, then the "other" row (if any).
    """
    keys = list(keys)
    cells = rows.groupby(keys, sort=True).size().reset_index(name=count)
    shown = [cells[cells[count] >= min_cell]]
    rest = cells[cells[count] < min_cell]
    for step in coarser:
        if rest.empty:
            break
        rest = rest.assign(**dict(step)).groupby(keys, sort=True)[count].sum().reset_index()
        shown.append(rest[rest[count] >= min_cell])
        rest = rest[rest[count] < min_cell]
    out = pd.concat(shown, ignore_index=True)
    hidden = int(rest[count].sum())
    if hidden:
        row = dict.fromkeys(keys, "")
        row.update({other[0]: other[1], count: hidden})
        out = pd.concat([out, pd.DataFrame([row])], ignore_index=True)
    return out[[*keys, count]].reset_index(drop=True)


def unserved_counts(unserved: Sequence[Any], trips: Sequence[Trip],
                    island_names: Mapping[str, str], *, min_cell: int = MIN_CELL,
                    band_s: int = BAND_S) -> pd.DataFrame:
    """The unserved rides counted per home island, reason, direction and time band of the
    session (the outbound trip's session start, the return trip's session end), cells under
    ``min_cell`` merged (:func:`merge_small_cells`: first over the day, then over both
    directions, then into one "other" row): the published form of the unserved list (an island,
    a reason and an exact session time could name one patient).

    Parameters
    ----------
    unserved
        :attr:`DialysisPlan.unserved` (``trip_id``, ``direction``, ``code``, ``island_id``).
    trips
        The day's trips (their sessions give the times).
    island_names
        Island id -> name.
    min_cell, band_s
        As in :func:`stop_counts`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`UNSERVED_COUNT_COLUMNS`; ``rides`` sums to ``len(unserved)``.
    """
    by_id = {t.trip_id: t for t in trips}
    rows = []
    for u in unserved:
        t = by_id[u.trip_id]
        clock = t.session.start_s if t.direction == "out" else t.session.end_s
        rows.append({"island_id": u.island_id, "island_name": island_names.get(u.island_id, ""),
                     "code": u.code, "direction": u.direction,
                     "time_band": time_band(clock, band_s)})
    df = pd.DataFrame(rows, columns=UNSERVED_COUNT_COLUMNS[:-1])
    if df.empty:
        return pd.DataFrame(columns=UNSERVED_COUNT_COLUMNS)
    return merge_small_cells(df, UNSERVED_COUNT_COLUMNS[:-1],
                             [{"time_band": ALL_DAY}, {"direction": BOTH_DIRECTIONS}],
                             other=("island_name", SUPPRESSED_PLACE), min_cell=min_cell)


def crossing_counts(crossings: Sequence[Crossing], *, min_cell: int = MIN_CELL,
                    band_s: int = BAND_S) -> pd.DataFrame:
    """Rides crossing by ferry, counted per route, direction (piers) and two-hour band of the
    departure, cells under ``min_cell`` merged (first over the day, then into one "other" row):
    the published form of the crossings (one ride on a named sailing is one patient's trip).

    Parameters
    ----------
    crossings
        :attr:`DialysisPlan.crossings`.
    min_cell, band_s
        As in :func:`stop_counts`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CROSSING_COUNT_COLUMNS` (``route_name`` the route's name, else its id);
        ``rides`` sums to ``len(crossings)``.
    """
    rows = [{"route_id": c.sailing.route_id, "route_name": c.route_name or c.sailing.route_id,
             "from_pier": c.from_pier_name, "to_pier": c.to_pier_name,
             "time_band": time_band(c.sailing.departure_s, band_s)} for c in crossings]
    df = pd.DataFrame(rows, columns=CROSSING_COUNT_COLUMNS[:-1])
    if df.empty:
        return pd.DataFrame(columns=CROSSING_COUNT_COLUMNS)
    return merge_small_cells(df, CROSSING_COUNT_COLUMNS[:-1], [{"time_band": ALL_DAY}],
                             other=("route_name", SUPPRESSED_PLACE), min_cell=min_cell)


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
    if cr is not None and pl.place_type == "pier" and not cr.vehicle_boards:
        s = cr.sailing
        route = f"{cr.from_pier_name} → {cr.to_pier_name}" + (
            f" ({cr.route_name})" if cr.route_name else "")
        if action == "dropoff":
            note.append(f"乘 {route} {hhmm(s.departure_s)} 开船, "
                        f"{hhmm(cr.boarding_deadline_s)} 前到码头 / boards "
                        f"{route} departing {hhmm(s.departure_s)}")
        else:
            note.append(f"接 {route} {hhmm(s.arrival_s)} 到港 / meets "
                        f"{route} arriving {hhmm(s.arrival_s)}")
    if pl.place_type == "unit" and leg.trip.direction == "out":
        note.append(f"透析 {hhmm(leg.trip.session.start_s)} 开始 / session "
                    f"starts {hhmm(leg.trip.session.start_s)}")
    return "; ".join(note)


def stops_table(result: DarpResult | None, fleet: Sequence[VehicleSpec], m: PlaceMatrix,
                legs: Sequence[Leg], patients: Mapping[str, Patient],
                crossings: Mapping[str, Crossing], *,
                car_crossings: Mapping[tuple[str, int], tuple[str, str]] | None = None
                ) -> pd.DataFrame:
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
    car_crossings
        ``(vehicle id, stop position) -> (note, sailing trip id)``: the car ferry the vehicle
        rides to reach that stop (:mod:`optimizer.services.dialysis.car_ferry`), added to the
        stop's note and ``sailing_trip_id``.
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
            car = (car_crossings or {}).get((rt.vehicle_id, seq))
            note = _stop_note(p, leg, pl, action, cr)
            if car is not None:
                note = "; ".join(x for x in (car[0], note) if x)
            rows.append({
                "vehicle_id": rt.vehicle_id, "driver": veh.driver, "driver_phone": veh.phone,
                "seq": seq, "action": action, "clock": hhmm(st.start_s),
                "arrival_s": st.arrival_s, "start_s": st.start_s, "departure_s": st.departure_s,
                "trip_id": leg.trip.trip_id if leg else None, "leg_id": st.request_id,
                "patient_id": p.patient_id if p else None,
                "patient_name": p.name if p else None, "phone": p.phone if p else None,
                "address": p.address if p is not None and pl.place_type == "home" else "",
                "place_type": pl.place_type, "place_name": pl.name,
                "island_id": m.island[st.node],
                "island_name": m.island_names.get(m.island[st.node], ""),
                "village_code": pl.village_code,
                "lon": pl.lon, "lat": pl.lat, "mobility": p.mobility if p else None,
                "escort": p.escort if p else None, "note": note,
                "sailing_trip_id": car[1] if car is not None else (
                    cr.sailing.trip_id if on_pier else None),
                "seats_on_board": st.seats_on_board,
                "wheelchairs_on_board": st.wheelchairs_on_board})
    return pd.DataFrame(rows, columns=STOP_COLUMNS)


def stop_counts(stops: pd.DataFrame, *, min_cell: int = MIN_CELL,
                band_s: int = BAND_S) -> pd.DataFrame:
    """Pickups and drop-offs counted per place and time band, small cells merged: the published
    form of the stops (no ride, no mobility, no exact time).

    Parameters
    ----------
    stops
        :attr:`DialysisPlan.stops` or its de-identified copy (``public_frames()["stops"]``):
        ``action``, ``start_s`` (seconds after midnight), ``place_type``, ``place_name``,
        ``village_code``, ``island_id`` and optionally ``island_name``.
    min_cell
        Cells counting fewer stops are not shown (default :data:`MIN_CELL`): a village's small
        cell is merged with the island's other small village cells of the same band and action
        (``place`` :data:`ISLAND_HOMES`); what is still under ``min_cell`` is one last row with
        ``place`` :data:`SUPPRESSED_PLACE` and the other fields blank.
    band_s
        Width of the time bands in seconds (default :data:`BAND_S`); bands start at midnight.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`STOP_COUNT_COLUMNS`: ``place`` is the village code for homes and the name
        of a unit or pier; ``time_band`` ``"HH:MM–HH:MM"`` of the start of service; ``stops`` the
        count (>= ``min_cell``); sorted by island, place type, place, band, action.
    """
    st = stops[stops["action"].isin(["pickup", "dropoff"])]
    home = st["place_type"] == "home"
    band = (st["start_s"].astype(float) // band_s).astype(int)
    df = pd.DataFrame({
        "island_id": st["island_id"].fillna("").astype(str),
        "island_name": (st["island_name"] if "island_name" in st else pd.Series(
            "", index=st.index)).fillna("").astype(str),
        "place_type": st["place_type"].astype(str),
        "place": st["village_code"].where(home, st["place_name"]).fillna("").astype(str),
        "action": st["action"].astype(str), "band": band})
    keys = ["island_id", "island_name", "place_type", "place", "band", "action"]
    cells = df.groupby(keys, sort=True).size().reset_index(name="stops")
    small = cells["stops"] < min_cell
    # small home cells first merge into one cell per island (every village of it), band, action
    merged = cells[small & (cells["place_type"] == "home")].assign(place=ISLAND_HOMES)
    merged = merged.groupby(keys, sort=True)["stops"].sum().reset_index()
    rest = cells[small & (cells["place_type"] != "home")]
    parts = [cells[~small], merged[merged["stops"] >= min_cell]]
    shown = pd.concat(parts, ignore_index=True).sort_values(keys, kind="stable")
    shown["time_band"] = [f"{hhmm(b * band_s)}–{hhmm((b + 1) * band_s)}" for b in shown["band"]]
    shown = shown[STOP_COUNT_COLUMNS]
    hidden = int(rest["stops"].sum() + merged.loc[merged["stops"] < min_cell, "stops"].sum())
    if hidden:
        rest = dict.fromkeys(STOP_COUNT_COLUMNS, "")
        rest.update(place=SUPPRESSED_PLACE, stops=hidden)
        shown = pd.concat([shown, pd.DataFrame([rest])], ignore_index=True)
    return shown.reset_index(drop=True)[STOP_COUNT_COLUMNS]


def trip_summary(stops: pd.DataFrame, trips: Sequence[Trip], unserved: Mapping[str, Any],
                 crossings: Mapping[str, Crossing]) -> pd.DataFrame:
    """One row per served trip: first pickup, last drop-off (HH:MM), whole trip duration and
    wait at the unit (minutes; crossing included), sailing (columns :data:`TRIP_COLUMNS`)."""
    times: dict[str, dict[str, float]] = {}
    home_island = {str(t): str(i) for t, i in zip(
        stops.loc[stops["place_type"] == "home", "trip_id"],
        stops.loc[stops["place_type"] == "home", "island_id"])}
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
                     "direction": trip.direction,
                     "home_island_id": home_island.get(trip.trip_id, ""),
                     "first_pickup": hhmm(t["first_pickup"]),
                     "last_dropoff": hhmm(t["last_dropoff"]),
                     "trip_duration_min": (t["last_dropoff"] - t["first_pickup"]) / 60.0,
                     "wait_at_unit_min": (trip.session.start_s - t["last_dropoff"]) / 60.0
                     if out else np.nan,
                     "ferry_trip_id": cr.sailing.trip_id if cr else None})
    return pd.DataFrame(rows, columns=TRIP_COLUMNS)


def max_leg_ride_time_min(stops: pd.DataFrame) -> float:
    """The longest time a patient spends in a vehicle on one leg, in minutes: per ``leg_id``,
    the start of the drop-off minus the departure from the pickup (the DARP ride time, the
    quantity ``max_ride_time_min`` limits); ``0.0`` without legs. A trip across the sea has two
    legs, so its door-to-door time (``max_trip_duration_min``) can exceed the limit."""
    legs = stops[stops["leg_id"].notna()]
    if legs.empty:
        return 0.0
    up = legs[legs["action"] == "pickup"].groupby("leg_id")["departure_s"].min()
    down = legs[legs["action"] == "dropoff"].groupby("leg_id")["start_s"].max()
    ride = (down - up).dropna()
    return float(ride.max()) / 60.0 if len(ride) else 0.0


def day_kpis(inputs: DialysisInputs, date: dt.date, sessions: Sequence[Session],
             trips: Sequence[Trip], summary: pd.DataFrame, unserved: Sequence[Any],
             result: DarpResult | None, n_crossings: int, n_violations: int, *,
             stops: pd.DataFrame | None = None, ride_time_limit_min: float | None = None
             ) -> dict[str, Any]:
    """Key figures of the day (counts and minutes as floats), unserved trips by reason code and,
    when the checker found any, the number of checker violations. Trips listed
    ``NO_TRANSPORT_NEEDED`` are in ``unserved_by_reason`` and ``trips_no_transport_needed``, not
    in ``trips_unserved``. With ``stops``, also the longest ride of one vehicle leg
    (``max_leg_ride_time_min``) and, with ``ride_time_limit_min``, the limit it is held to
    (``max_ride_time_limit_min``, the scenario's ``dialysis.max_ride_time_min``);
    ``max_trip_duration_min`` is door to door (ferry and waits included)."""
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
        **({"max_leg_ride_time_min": max_leg_ride_time_min(stops)} if stops is not None
           else {}),
        **({"max_ride_time_limit_min": float(ride_time_limit_min)}
           if ride_time_limit_min is not None else {}),
        "mean_wait_at_unit_min": float(wait.mean()) if len(wait) else 0.0,
        "ferry_crossings": float(n_crossings),
        "unserved_by_reason": dict(sorted(by_reason.items())),
    }
    if no_ride:
        kpis["trips_no_transport_needed"] = float(no_ride)
    if n_violations:
        kpis["checker_violations"] = n_violations
    return kpis
