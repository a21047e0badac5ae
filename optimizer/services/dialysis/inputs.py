"""Reading and validating the dialysis inputs: patients, units, vehicles (all problems at once).

:func:`load_dialysis_inputs` reads the three tables, adds the scenario's extra vehicles and places
every home on an island (:func:`~optimizer.network.islands.island_of`: homes in the sea are
errors, homes moved onto the shore are reported as typed notes). The tables are read against
their declared columns (:mod:`optimizer.services.dialysis.columns`: an unknown or misspelt
column is an error with a "did you mean", values beyond the declared bounds are errors naming
the bound's source, an unknown island in ``serves_islands`` is an error). Every bad value of
every file is collected and raised once as :class:`~optimizer.errors.InputErrors`, each naming
the file, the spreadsheet line (header = line 1), the record id and the field.
:func:`read_units` and :func:`default_unit` serve the network report (journeys and isochrones
around the default unit).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd

from optimizer.errors import InputError, InputErrors
from optimizer.io.coords import WGS84_NAME
from optimizer.io.points import coordinate_notes, read_points
from optimizer.io.provenance import is_flagged, synthetic_note, synthetic_rows
from optimizer.network.islands import island_of, load_islands
from optimizer.services.dialysis.columns import PATIENTS, UNITS, VEHICLES
from optimizer.results import Note, NoteKind
from optimizer.services.dialysis.params import ExtraVehicle, parse_yes_no
from optimizer.services.dialysis.records import (
    MOBILITIES,
    MOBILITY_ALIASES,
    DialysisInputs,
    Patient,
    Unit,
    VehicleSpec,
    parse_mobility,
    shift_end_s,
)
from optimizer.units import hhmm, parse_clock

__all__ = ["DAY_NAMES", "PATTERNS", "default_unit", "load_dialysis_inputs", "read_units"]

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Weekday abbreviations (``datetime.date.weekday()`` order)."""

PATTERNS = {"MWF": frozenset({0, 2, 4}), "TTS": frozenset({1, 3, 5})}
"""Weekly session patterns: three sessions a week is the usual haemodialysis schedule
(Mon/Wed/Fri or Tue/Thu/Sat), as in ``data/geo/putuo/synthetic/dialysis_patients.csv``."""

EXTRA_VEHICLES_FILE = "extra_vehicles"
"""The "file" named in errors about the scenario's extra vehicles (rows are 1-based positions)."""

T = TypeVar("T")


# ----------------------------------------------------------------------------- cell parsers
def _parse_days(text: str, *, file: str, line: int | None, field_: str) -> frozenset[int]:
    s = str(text).strip()
    if s.upper() in PATTERNS:
        return PATTERNS[s.upper()]
    names = {d.lower(): k for k, d in enumerate(DAY_NAMES)}
    out: set[int] = set()
    for part in s.replace(",", ";").split(";"):
        part = part.strip().lower()
        if "-" in part:
            a, _, b = part.partition("-")
            if a.strip() in names and b.strip() in names:
                i, j = names[a.strip()], names[b.strip()]
                out.update(range(i, j + 1) if i <= j else [*range(i, 7), *range(j + 1)])
                continue
        elif part in names:
            out.add(names[part])
            continue
        raise InputError(f"{text!r} is not a day pattern; expected MWF, TTS, 'Mon;Wed;Fri' or "
                         "'Mon-Sat'", file=file, line=line, field=field_)
    if not out:
        raise InputError(f"{text!r}: no days", file=file, line=line, field=field_)
    return frozenset(out)


def _yes(text: Any, *, file: str, line: int | None, field_: str) -> bool:
    try:
        return parse_yes_no(text)
    except ValueError:
        raise InputError(f"{text!r} is not yes/no", file=file, line=line,
                         field=field_) from None


def _int(text: Any, *, file: str, line: int | None, field_: str, minimum: int = 0) -> int:
    try:
        v = float(str(text).strip())
    except ValueError:
        raise InputError(f"{text!r} is not a number", file=file, line=line,
                         field=field_) from None
    if not math.isfinite(v) or v != int(v) or v < minimum:
        raise InputError(f"{text!r}; expected a whole number >= {minimum}", file=file,
                         line=line, field=field_)
    return int(v)


def _named(e: InputError, who: str, file: str | None = None, line: int | None = None,
           row: int | None = None) -> InputError:
    """``e`` with the record named first (``"patient P3: ..."``) and file/line filled in
    (``line`` for table rows, ``row`` for list positions such as ``extra_vehicles``)."""
    msg = e.message if not who or e.message.startswith(who) else f"{who}: {e.message}"
    line = e.line or line
    return InputError(msg, file=e.file or file, row=e.row if line else (e.row or row),
                      line=line, field=e.field)


def _collect(errors: list[InputError], fn: Callable[..., T], *args: Any, who: str = "",
             at_line: int | None = None, **kw: Any) -> T | None:
    """``fn(*args, **kw)``, or None with its InputError(s) appended (record ``who`` named,
    spreadsheet line ``at_line`` filled in)."""
    try:
        return fn(*args, **kw)
    except InputErrors as e:
        errors.extend(_named(x, who, line=at_line) for x in e.errors)
    except InputError as e:
        errors.append(_named(e, who, line=at_line))
    return None


# ----------------------------------------------------------------------------- tables
def _read_tables(paths: tuple[Path, Path, Path], study_area: Any, errors: list[InputError],
                 crs: Mapping[str, str] | None = None
                 ) -> tuple[pd.DataFrame | None, pd.DataFrame | None, pd.DataFrame | None]:
    kw = {} if study_area == "default" else {"study_area": study_area}
    crs = crs or {}
    pts = _collect(errors, read_points, paths[0], spec=PATIENTS, problems=errors,
                   crs=crs.get("patients", WGS84_NAME), **kw)
    uts = _read_unit_table(paths[1], study_area, errors, crs=crs.get("units", WGS84_NAME))
    vhs = _collect(errors, read_points, paths[2], spec=VEHICLES, problems=errors,
                   crs=crs.get("vehicles", WGS84_NAME), **kw)
    return pts, uts, vhs


def _read_unit_table(path: Path, study_area: Any, errors: list[InputError], *,
                     crs: str = WGS84_NAME) -> pd.DataFrame | None:
    kw = {} if study_area == "default" else {"study_area": study_area}
    return _collect(errors, read_points, path, spec=UNITS, problems=errors, crs=crs, **kw)


def _unit_from_row(rec: Mapping[str, Any], *, file: str, row: int, line: int,
                   act: set[str] | None, errors: list[InputError]) -> Unit | None:
    uid = str(rec["unit_id"])
    n0 = len(errors)
    at = {"file": file, "who": f"unit {uid}"}
    who = at["who"]
    o = _collect(errors, parse_clock, rec["open_time"], field="open_time", at_line=line, **at)
    c = _collect(errors, parse_clock, rec["close_time"], field="close_time", at_line=line, **at)
    days = _collect(errors, _parse_days, rec["days"], line=line, field_="days", **at)
    default_on = _collect(errors, _yes, rec.get("active_default", "true") or "true", line=line,
                          field_="active_default", **at)
    chairs = _collect(errors, _int, rec.get("chairs", "0") or "0", line=line, field_="chairs",
                      **at)
    if len(errors) > n0:
        return None
    try:
        return Unit(uid, str(rec.get("name_zh", "") or uid), str(rec.get("name_en", "") or uid),
                    str(rec.get("island_id", "") or ""), float(rec["lon"]), float(rec["lat"]),
                    o, c, days, chairs, bool(default_on) if act is None else uid in act, row=row,
                    synthetic=is_flagged(rec.get("synthetic", "")), line=line)
    except InputError as e:
        errors.append(_named(e, who, file, line))
        return None


def _units(uts: pd.DataFrame, file: str, active_units: Iterable[str] | None,
           errors: list[InputError]) -> list[Unit]:
    """Units of the table (``active`` from ``active_units`` when given); unknown active ids are
    errors of field ``active_units``."""
    act = None if active_units is None else {str(u) for u in active_units}
    lines = uts.attrs.get("lines") or list(range(2, len(uts) + 2))
    units = [u for k, rec in enumerate(uts.to_dict("records"), start=1)
             if (u := _unit_from_row(rec, file=file, row=k, line=lines[k - 1], act=act,
                                     errors=errors)) is not None]
    if act is not None:
        known = {str(u) for u in uts["unit_id"]}
        for k, u in enumerate(sorted(act - known), start=1):
            errors.append(InputError(f"active unit {u!r} is not in {file} (known: "
                                     f"{sorted(known)})", field="active_units", row=k))
    return units


def _session_fits_unit(p: Patient, u: Unit, schedule: str, *, file: str, line: int
                       ) -> InputError | None:
    s, end = p.session_start_s, p.session_start_s + p.duration_s
    if s < u.open_s or end > u.close_s:
        return InputError(f"patient {p.patient_id}: session {hhmm(s)}-{hhmm(end)} is outside the "
                          f"opening hours {hhmm(u.open_s)}-{hhmm(u.close_s)} of unit {u.unit_id}",
                          file=file, line=line,
                          field="session_start" if s < u.open_s else "duration_min")
    closed = sorted(p.days - u.days)
    if closed:
        return InputError(f"patient {p.patient_id}: schedule {schedule!r} has sessions on "
                          f"{[DAY_NAMES[d] for d in closed]} when unit {u.unit_id} is closed",
                          file=file, line=line, field="schedule")
    return None


def _text(v: Any) -> str:
    """A free-text cell as stripped text; an empty or missing cell (None, NaN) is ``""``."""
    return "" if v is None or (isinstance(v, float) and v != v) else str(v).strip()


def _patient_from_row(rec: Mapping[str, Any], *, file: str, row: int, line: int,
                      units: Mapping[str, Unit], known_units: set[str], ufile: str,
                      errors: list[InputError]) -> Patient | None:
    pid = str(rec["patient_id"])
    who, n0 = f"patient {pid}", len(errors)
    at = {"file": file, "line": line, "who": who}
    s = _collect(errors, parse_clock, rec["session_start"], field="session_start", file=file,
                 who=who, at_line=line)
    dur = _collect(errors, _int, rec["duration_min"], field_="duration_min", minimum=1, **at)
    days = _collect(errors, _parse_days, rec["schedule"], field_="schedule", **at)
    esc = _collect(errors, _yes, rec.get("escort", "no") or "no", field_="escort", **at)
    enrolled = _collect(errors, _yes, rec.get("ride_service", "yes") or "yes",
                        field_="ride_service", **at)
    mob = parse_mobility(rec["mobility"])
    if mob is None:
        errors.append(InputError(f"{who}: {rec['mobility']!r} is not a mobility; expected one "
                                 f"of {MOBILITIES} (or {' / '.join(MOBILITY_ALIASES)})",
                                 file=file, line=line, field="mobility"))
    uid = str(rec["unit_id"]).strip()
    if uid not in known_units:
        errors.append(InputError(f"{who}: unknown unit {uid!r}; {ufile} has "
                                 f"{sorted(known_units)}", file=file, line=line,
                                 field="unit_id"))
    if len(errors) > n0:
        return None
    p = Patient(pid, str(rec.get("name", "")), str(rec.get("phone", "")),
                str(rec.get("village_code", "")), str(rec.get("island_id", "") or ""),
                float(rec["lon"]), float(rec["lat"]), mob, bool(esc),
                str(rec["schedule"]).strip(), days, s, dur * 60, uid, row=row,
                ride_service=bool(enrolled), address=_text(rec.get("address")))
    u = units.get(uid)
    bad = _session_fits_unit(p, u, str(rec["schedule"]), file=file, line=line) if u else None
    if bad is not None:
        errors.append(bad)
        return None
    return p


def _serves(text: Any, island_ids: set[str] | None, *, file: str, line: int | None,
            row: int | None = None) -> frozenset[str] | None:
    """``serves_islands``: ``None`` for all, else the island ids (``;``-separated text or a
    list); an id not in ``island_ids`` (the islands table) is an error naming the known ids."""
    if text is None or isinstance(text, str):
        txt = str(text or "all").strip()
        if txt.lower() in ("all", "*", ""):
            return None
        items = [t.strip() for t in txt.replace(",", ";").split(";") if t.strip()]
    else:
        items = [str(t).strip() for t in text]
    unknown = [t for t in items if island_ids is not None and t not in island_ids]
    if unknown:
        raise InputError(f"unknown island id(s) {unknown}; the islands table has e.g. "
                         f"{sorted(island_ids or ())[:8]} (or write 'all')", file=file,
                         line=line, row=row, field="serves_islands")
    return frozenset(items)


def _vehicle_from_row(rec: Mapping[str, Any], *, file: str, row: int, line: int,
                      island_ids: set[str] | None, errors: list[InputError]
                      ) -> VehicleSpec | None:
    vid = str(rec["vehicle_id"])
    who, n0 = f"vehicle {vid}", len(errors)
    at = {"file": file, "line": line, "who": who}
    seats = _collect(errors, _int, rec.get("seats", ""), field_="seats", **at)
    wc = _collect(errors, _int, rec.get("wheelchair_places", "0") or "0",
                  field_="wheelchair_places", **at)
    a = _collect(errors, parse_clock, rec.get("shift_start", ""), field="shift_start", file=file,
                 who=who, at_line=line)
    b = _collect(errors, parse_clock, rec.get("shift_end", ""), field="shift_end", file=file,
                 who=who, at_line=line)
    b = shift_end_s(a, b) if a is not None and b is not None else b  # 22:30-01:30: next day
    car = _collect(errors, _yes, rec.get("may_board_car_ferry", "no") or "no",
                   field_="may_board_car_ferry", **at)
    serves = _collect(errors, _serves, rec.get("serves_islands", "all"), island_ids, **at)
    try:
        lon, lat = float(rec["lon"]), float(rec["lat"])
    except (KeyError, TypeError, ValueError):
        errors.append(InputError(f"{who}: coordinates {rec.get('lon')!r}, {rec.get('lat')!r} are "
                                 "not numbers", file=file, line=line, field="lon"))
        return None
    if len(errors) > n0:
        return None
    try:
        return VehicleSpec(vehicle_id=vid, driver=str(rec.get("driver", "")),
                           phone=str(rec.get("phone", "")),
                           island_id=str(rec.get("island_id", "") or ""), lon=lon, lat=lat,
                           seats=seats, wheelchair_places=wc, shift_start_s=a, shift_end_s=b,
                           serves_islands=serves, may_board_car_ferry=bool(car),
                           base_village_code=str(rec.get("base_village_code", "")), row=row)
    except InputError as e:
        errors.append(_named(e, who, file, line))
        return None


def _as_extra(ev: ExtraVehicle | Mapping[str, Any], row: int, errors: list[InputError]
              ) -> ExtraVehicle | None:
    if isinstance(ev, ExtraVehicle):
        return ev
    try:
        return ExtraVehicle(**dict(ev))
    except (TypeError, ValueError) as exc:
        errors.append(InputError(f"extra vehicle {row}: {exc}", file=EXTRA_VEHICLES_FILE,
                                 row=row, field="extra_vehicles"))
        return None


def _vehicle_from_extra(ev: ExtraVehicle, row: int, island_ids: set[str] | None,
                        errors: list[InputError]) -> VehicleSpec | None:
    if ev.serves_islands is not None:
        try:
            _serves(list(ev.serves_islands), island_ids, file=EXTRA_VEHICLES_FILE, line=None,
                    row=row)
        except InputError as e:
            errors.append(_named(e, f"vehicle {ev.vehicle_id}"))
            return None
    try:
        return VehicleSpec(vehicle_id=ev.vehicle_id, driver=ev.driver, phone=ev.phone,
                           island_id=ev.island_id, lon=float(ev.lon), lat=float(ev.lat),
                           seats=ev.seats, wheelchair_places=ev.wheelchair_places,
                           shift_start_s=ev.shift_start,
                           shift_end_s=shift_end_s(ev.shift_start, ev.shift_end),
                           serves_islands=None if ev.serves_islands is None
                           else frozenset(ev.serves_islands),
                           may_board_car_ferry=ev.may_board_car_ferry,
                           base_village_code=ev.base_village_code, row=row)
    except InputError as e:
        errors.append(_named(e, f"vehicle {ev.vehicle_id}", EXTRA_VEHICLES_FILE, row=row))
        return None


def _vehicles(vhs: pd.DataFrame, file: str, extra: Iterable[ExtraVehicle | Mapping[str, Any]],
              island_ids: set[str] | None, errors: list[InputError]) -> list[VehicleSpec]:
    """The vehicles of the file, then the extra vehicles (ids must not repeat; ``serves_islands``
    ids must be in ``island_ids``)."""
    lines = vhs.attrs.get("lines") or list(range(2, len(vhs) + 2))
    vehicles = [v for k, rec in enumerate(vhs.to_dict("records"), start=1)
                if (v := _vehicle_from_row(rec, file=file, row=k, line=lines[k - 1],
                                           island_ids=island_ids, errors=errors)) is not None]
    seen = {str(x) for x in vhs["vehicle_id"]}
    for k, given in enumerate(extra, start=1):
        ev = _as_extra(given, k, errors)
        if ev is None:
            continue
        if ev.vehicle_id in seen:
            errors.append(InputError(f"vehicle_id {ev.vehicle_id!r} is already used",
                                     file=EXTRA_VEHICLES_FILE, row=k, field="vehicle_id"))
            continue
        seen.add(ev.vehicle_id)
        v = _vehicle_from_extra(ev, k, island_ids, errors)
        if v is not None:
            vehicles.append(v)
    return vehicles


def _units_in_sea(units: list[Unit], islands: gpd.GeoDataFrame, file: str,
                  errors: list[InputError]) -> None:
    """Refuse every unit lying in the sea beyond the snapping tolerance of
    :func:`~optimizer.network.islands.island_of` (a run could not reach it by road)."""
    from optimizer.network.islands import DEFAULT_MAX_SNAP_M

    if not units:
        return
    pp = gpd.GeoDataFrame(geometry=gpd.points_from_xy([u.lon for u in units],
                                                       [u.lat for u in units]), crs="EPSG:4326")
    where = island_of(pp, islands)
    for u, st, d in zip(units, where["status"], where["distance_to_land_m"]):
        if st == "in_sea":
            errors.append(InputError(
                f"unit {u.unit_id}: ({u.lon:.6f}, {u.lat:.6f}) is in the sea, {d:.0f} m from "
                f"the nearest island (more than the {DEFAULT_MAX_SNAP_M:.0f} m a point is moved "
                "to land), so no road reaches it. Fix: check lon/lat (swapped? Amap/Baidu "
                "coordinates are GCJ-02/BD-09: say so with dialysis.coord_system or a "
                "coord_system column)", file=file, line=u.line or None, field="lon"))


# ----------------------------------------------------------------------------- homes
def _place_homes(patients: list[Patient], islands: gpd.GeoDataFrame, file: str,
                 lines: list[int], errors: list[InputError]
                 ) -> tuple[list[Patient], pd.DataFrame, list[Note]]:
    """Patients with ``island_id`` from the polygons, the home report and the warnings
    (``lines[p.row - 1]`` is the spreadsheet line of patient ``p``)."""
    if not patients:
        return patients, pd.DataFrame(), []
    pp = gpd.GeoDataFrame(geometry=gpd.points_from_xy([p.lon for p in patients],
                                                       [p.lat for p in patients]),
                          crs="EPSG:4326")
    where = island_of(pp, islands)
    report = pd.DataFrame({"patient_id": [p.patient_id for p in patients],
                           "island_id": where["island_id"].to_numpy(),
                           "declared_island_id": [p.island_id for p in patients],
                           "status": where["status"].to_numpy(),
                           "distance_to_land_m": where["distance_to_land_m"].to_numpy()})
    fixed, notes = [], []
    for p, r in zip(patients, report.itertuples(index=False)):
        if r.status == "in_sea":
            errors.append(InputError(
                f"patient {p.patient_id}: home is in the sea, {r.distance_to_land_m:.0f} m from "
                "the nearest island; check lon/lat (swapped? GCJ-02 instead of WGS 84?)",
                file=file, line=lines[p.row - 1], field="lon"))
            continue
        # published notes (summary, index) name the file's line, never the patient
        where = f"{Path(file).name} line {lines[p.row - 1]}"
        if r.status == "snapped":
            notes.append(Note(NoteKind.DATA_WARNING,
                              f"{where}：住址离岸 {r.distance_to_land_m:.0f} 米，已移至 "
                              f"{r.island_id} 岛上",
                              f"{where}: the home is {r.distance_to_land_m:.0f} m off the "
                              f"shore; placed on island {r.island_id}"))
        if p.island_id and p.island_id != r.island_id:
            notes.append(Note(NoteKind.DATA_WARNING,
                              f"{where}：所填岛屿 {p.island_id} 与住址坐标所在岛 "
                              f"{r.island_id} 不符，按坐标",
                              f"{where}: island {p.island_id} given, the home point lies on "
                              f"{r.island_id}; the point is used"))
        fixed.append(dataclasses.replace(p, island_id=str(r.island_id)))
    return fixed, report, notes


def _synthetic_notes(tables: Mapping[str, pd.DataFrame]) -> list[Note]:
    """SYNTHETIC_DATA for the files whose rows carry the ``synthetic`` flag (never the path)."""
    note = synthetic_note(f for f, df in tables.items() if bool(synthetic_rows(df).any()))
    return [] if note is None else [note]


USUAL_SESSION_MIN = (120, 360)
"""Session lengths (minutes) outside which a legal ``duration_min`` is flagged as odd: most
haemodialysis sessions last 3-5 h (KDOQI haemodialysis adequacy guideline, at least 3 h three
times a week); 2 h and 6 h bound short incremental and long nocturnal-style sessions."""


def _odd_value_notes(patients: list[Patient]) -> list[Note]:
    """DATA_WARNING for legal but unusual values (sessions outside :data:`USUAL_SESSION_MIN`)."""
    lo, hi = USUAL_SESSION_MIN
    odd = [p for p in patients if not lo * 60 <= p.duration_s <= hi * 60]
    if not odd:
        return []
    listed = ", ".join(f"{p.patient_id} ({p.duration_s // 60} min)" for p in odd[:10])
    more = f" … (+{len(odd) - 10})" if len(odd) > 10 else ""
    return [Note(NoteKind.DATA_WARNING,
                 f"透析时长异常（通常 {lo // 60}-{hi // 60} 小时），请核对：{listed}{more}",
                 f"unusual session length (usually {lo // 60}-{hi // 60} h); check "
                 f"duration_min of {listed}{more}")]


def _fleet_notes(patients: list[Patient], vehicles: list[VehicleSpec]) -> list[Note]:
    """A DATA_WARNING when wheelchair patients meet a fleet without any wheelchair place."""
    if any(p.wheelchair for p in patients) and not any(v.wheelchair_places for v in vehicles):
        return [Note(NoteKind.DATA_WARNING, "有轮椅患者，但没有车辆带轮椅位：其接送将无法安排",
                     "wheelchair patients but no vehicle with a wheelchair place: their rides "
                     "will be unserved (NO_WHEELCHAIR_PLACE)")]
    return []


# ----------------------------------------------------------------------------- loaders
def load_dialysis_inputs(
    patients_path: str | Path,
    units_path: str | Path,
    vehicles_path: str | Path,
    *,
    islands: gpd.GeoDataFrame | None = None,
    extra_vehicles: Iterable[ExtraVehicle | Mapping[str, Any]] = (),
    active_units: Iterable[str] | None = None,
    study_area: Any = "default",
    coord_systems: Mapping[str, str] | None = None,
) -> DialysisInputs:
    """Read and validate patients, units and vehicles; raise once listing every problem.

    Parameters
    ----------
    patients_path
        CSV/XLSX with ``patient_id, name, phone, village_code, island_id, lon, lat, mobility,
        escort, schedule, session_start, duration_min, unit_id`` and optionally
        ``ride_service`` (yes/no, default yes) and ``synthetic`` (lon/lat EPSG:4326 degrees;
        ``mobility`` walking/wheelchair; ``escort`` yes/no; ``schedule`` MWF/TTS or day list;
        ``session_start`` HH:MM; ``duration_min`` minutes).
    units_path
        CSV with ``unit_id, name_zh, name_en, island_id, lon, lat, open_time, close_time, days``
        and optionally ``chairs``, ``active_default``, ``synthetic``.
    vehicles_path
        CSV with ``vehicle_id, driver, phone, island_id, lon, lat, seats, wheelchair_places,
        shift_start, shift_end, serves_islands, may_board_car_ferry`` and optionally
        ``base_village_code``, ``synthetic``.
    islands
        Island polygons, EPSG:4326 (default: the embedded Putuo islands).
    extra_vehicles
        Vehicles added to the fleet (:class:`~optimizer.services.dialysis.ExtraVehicle`, or
        mappings with its fields); errors name file ``"extra_vehicles"`` and the 1-based
        position.
    active_units
        Unit ids open in the scenario (default: ``active_default`` of the file, true if absent).
    study_area
        Passed to :func:`optimizer.io.points.read_points` (``"default"`` = its Putuo box).
    coord_systems
        Coordinate system of each file (``{"patients": "GCJ-02", …}``; missing roles and
        ``None`` = WGS-84), passed to :func:`~optimizer.io.points.read_points` as ``crs``;
        rows converted are listed in a COORDINATES note
        (:func:`~optimizer.io.points.coordinate_notes`).

    Returns
    -------
    DialysisInputs
        With typed notes: SYNTHETIC_DATA when rows of a file carry the ``synthetic`` flag
        (:func:`optimizer.io.provenance.synthetic_note`; never guessed from the path),
        DATA_WARNING for snapped homes, island mismatches, a fleet without wheelchair places and
        unusual session lengths (:data:`USUAL_SESSION_MIN`).

    Raises
    ------
    optimizer.errors.InputError
        A missing file or missing columns.
    optimizer.errors.InputErrors
        Every bad row (file, line, record id and field): unknown or misspelt columns, values
        beyond the declared bounds (0 seats, …), an unknown island in ``serves_islands`` (also of
        an extra vehicle), duplicate ids, a time that is not a
        time, a session outside the unit's opening hours or on a day the unit is closed, a home
        in the sea (beyond the snapping tolerance of
        :func:`~optimizer.network.islands.island_of`), an unknown unit id, an unknown
        ``active_units`` id, bad capacities or shifts, a repeated or invalid extra vehicle.
    """
    islands = load_islands() if islands is None else islands
    paths = (Path(patients_path), Path(units_path), Path(vehicles_path))
    pfile, ufile, vfile = (str(p) for p in paths)
    errors: list[InputError] = []
    pts, uts, vhs = _read_tables(paths, study_area, errors, coord_systems)
    if pts is None or uts is None or vhs is None:
        raise InputErrors(errors)
    units = _units(uts, ufile, active_units, errors)
    _units_in_sea(units, islands, ufile, errors)
    umap = {u.unit_id: u for u in units}
    known = {str(u) for u in uts["unit_id"]}
    plines = pts.attrs.get("lines") or list(range(2, len(pts) + 2))
    patients = [p for k, rec in enumerate(pts.to_dict("records"), start=1)
                if (p := _patient_from_row(rec, file=pfile, row=k, line=plines[k - 1], units=umap,
                                           known_units=known, ufile=ufile,
                                           errors=errors)) is not None]
    island_ids = set(islands["island_id"].astype(str)) if "island_id" in islands else None
    vehicles = _vehicles(vhs, vfile, extra_vehicles, island_ids, errors)
    patients, report, warnings = _place_homes(patients, islands, pfile, plines, errors)
    if errors:
        raise InputErrors(errors)
    notes = (*_synthetic_notes({pfile: pts, ufile: uts, vfile: vhs}), *warnings,
             *_fleet_notes(patients, vehicles), *_odd_value_notes(patients),
             *coordinate_notes(pts, uts, vhs))
    return DialysisInputs(tuple(patients), tuple(units), tuple(vehicles), report, notes,
                          (pfile, ufile, vfile),
                          synthetic_patients=bool(synthetic_rows(pts).any()))


def read_units(path: str | Path, *, active_units: Iterable[str] | None = None,
               study_area: Any = "default", crs: str = WGS84_NAME,
               islands: gpd.GeoDataFrame | None = None) -> tuple[Unit, ...]:
    """Read and validate a dialysis units file alone (for the network report).

    Parameters
    ----------
    path
        Units CSV (columns as for :func:`load_dialysis_inputs`).
    active_units
        Unit ids open in the scenario (default: the file's ``active_default``).
    study_area
        As for :func:`load_dialysis_inputs`.
    crs
        Coordinate system of the file (as :func:`~optimizer.io.points.read_points`; the
        scenario's ``dialysis.coord_system`` when the file is the dialysis section's).
    islands
        Island polygons, EPSG:4326: when given, a unit in the sea (beyond the snapping
        tolerance) is refused as in :func:`load_dialysis_inputs`; ``None`` skips that check.

    Returns
    -------
    tuple of Unit
        In file order, ``active`` set, positions in WGS-84.

    Raises
    ------
    optimizer.errors.InputError, optimizer.errors.InputErrors
        As :func:`load_dialysis_inputs` for the units file (file, line, unit id, field).
    """
    errors: list[InputError] = []
    uts = _read_unit_table(Path(path), study_area, errors, crs=crs)
    units = [] if uts is None else _units(uts, str(path), active_units, errors)
    if islands is not None:
        _units_in_sea(units, islands, str(path), errors)
    if errors:
        raise InputErrors(errors)
    return tuple(units)


def default_unit(units: Iterable[Unit]) -> Unit:
    """The first active unit (the network report's journeys and isochrones lead there).

    Raises
    ------
    optimizer.errors.InputError
        If no unit is active (field ``active_units``).
    """
    units = tuple(units)
    for u in units:
        if u.active:
            return u
    raise InputError(f"no active dialysis unit among {[u.unit_id for u in units]}; set "
                     "active_default or the scenario's dialysis.active_units",
                     field="active_units")


def read_village_points(path: str | Path, *, crs: str = WGS84_NAME) -> pd.DataFrame:
    """Village points (one per ``village_code``) where published maps show private stops.

    Parameters
    ----------
    path
        CSV with ``village_code``, ``lon``, ``lat`` (EPSG:4326 degrees), e.g. the dataset's
        ``synthetic/elderly.csv`` (synthetic village points drawn around the town reference
        points; provenance in ``data/geo/putuo/SOURCES.md``). Rows without coordinates are left
        out (their stops fall back to the island point).
    crs
        Coordinate system of the file (as :func:`~optimizer.io.points.read_points`).

    Returns
    -------
    pandas.DataFrame
        Index ``village_code`` (str); columns ``lon``, ``lat`` and, when the file has one,
        ``name_zh`` (the village's name, for the dispatcher sheets).

    Raises
    ------
    optimizer.errors.InputErrors
        As :func:`optimizer.io.points.read_points` (file, row and field of every bad value).
    """
    g = read_points(path, id_col="village_code", coords_optional=True, crs=crs)
    df = pd.DataFrame({"village_code": g["village_code"].astype(str),
                       "lon": g["lon"].astype(float), "lat": g["lat"].astype(float)})
    if "name_zh" in g.columns:
        df["name_zh"] = [_text(v) for v in g["name_zh"]]
    df = df[np.isfinite(df["lon"]) & np.isfinite(df["lat"])]
    return df.set_index("village_code")
