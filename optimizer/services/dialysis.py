"""Dialysis ride service (义载接送): patients, sessions, units, vehicles and ferries → a day plan.

Pipeline
--------
1. :func:`load_dialysis_inputs` reads and validates the three tables (patients, units, vehicles),
   raising one :class:`~optimizer.errors.InputErrors` that names file, row and field of every bad
   value. Homes are placed on an island with :func:`~optimizer.network.islands.island_of`; homes in
   the sea are errors, homes moved onto the shore (``snapped``) are reported in
   :attr:`DialysisInputs.home_report`.
2. :func:`sessions_for_date` turns the weekly patterns (``MWF`` = Mon/Wed/Fri, ``TTS`` =
   Tue/Thu/Sat, or a ``;``-separated day list) into the sessions of one date; each session gives
   an **outbound** trip (home → unit; arrival at the unit within
   ``[start − arrive_early_max, start − arrive_early_min]``, never late) and a **return** trip
   (unit → home; pickup within ``[end, end + return_pickup_within]``).
3. :func:`plan_dialysis_day` builds one DARP over every land place involved (homes, units, piers,
   vehicle bases), solves it with :func:`optimizer.solvers.ortools_routing.solve_darp`, checks it
   with :func:`optimizer.solvers.checker.check_darp` and returns a :class:`DialysisPlan`.

Ferry crossings (the core modelling decision)
---------------------------------------------
Land travel times come from the land graph (roads, bridges, access; never ferries), so two places
are "on the same side" exactly when their land travel time is finite (islands joined by a bridge
count as one side). A trip whose home and unit are on different sides crosses as a **foot
passenger** on one real sailing of the day's :class:`~optimizer.network.ferries.FerryTimetable`,
and is split into two land legs served by vehicles of each side:

* outbound: leg 1 home → boarding pier (drop-off no later than ``departure − boarding buffer``,
  and at most ``arrive_early_max − arrive_early_min`` earlier, the same slack as at the unit);
  leg 2 landing pier → unit (pickup at or after the sailing's arrival, drop-off in the unit
  window). The sailing chosen is, over every pier pair joining the two sides, the one that lets
  the patient leave home **latest** while leg 2 can still reach the unit in time alone
  (``arrival + boarding service + direct time <= start − arrive_early_min``).
* return: leg 1 unit → boarding pier (pickup in the return window, drop-off by
  ``departure − buffer``); leg 2 landing pier → home (pickup within ``return_pickup_within`` of
  the sailing's arrival). The sailing chosen is the one bringing the patient home **first** among
  those the patient can still board after a direct ride from the unit.

The two legs of a trip are linked: before solving, every leg is checked alone
(:func:`~optimizer.solvers.ortools_routing.explain_request`) and a trip with any infeasible leg
is taken out whole; after solving, a trip with a leg dropped by the search is reported unserved
and its other leg is removed from its route (post-processing; with shortest-path travel times
the remaining stops keep their service times, so the route stays feasible, which
:func:`check_darp` verifies). No re-solve is made, so the freed vehicle time is not re-used.

The ride-time limit (``min(max_ride_time, max_ride_factor × direct)``) applies **per vehicle
leg**; the whole trip's duration (crossing and pier waits included) is reported per trip.

Known gap: vehicles riding car ferries (``may_board_car_ferry``) are not modelled as through
rides (a vehicle crossing needs time-dependent arcs the static DARP matrix cannot hold); a trip
whose home side has no vehicle is reported ``NO_VEHICLE_ON_ISLAND`` naming the car-ferry-capable
vehicles a dispatcher could send on a dedicated run.

Vehicles serve only the islands of their base and those listed in ``serves_islands`` (``all`` =
every island); a leg may use a vehicle only when both its end points are on served islands and
reachable by land from the base.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from optimizer.errors import InputError, InputErrors
from optimizer.io.points import read_points
from optimizer.network.ferries import FOOT_BOARDING_BUFFER_S, FerryTimetable, Sailing
from optimizer.network.islands import island_of, load_islands
from optimizer.problems.darp import (
    DarpProblem,
    DarpResult,
    Request,
    Route,
    SolveStatus,
    Stop,
    Unserved,
    UnservedReason,
    Vehicle,
)
from optimizer.units import hhmm, parse_clock

__all__ = [
    "DialysisInputs",
    "DialysisParams",
    "DialysisPlan",
    "Patient",
    "PlanUnserved",
    "REASONS",
    "Session",
    "Trip",
    "Unit",
    "VehicleSpec",
    "load_dialysis_inputs",
    "plan_dialysis_day",
    "sessions_for_date",
]

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Weekday abbreviations (``datetime.date.weekday()`` order)."""

PATTERNS = {"MWF": frozenset({0, 2, 4}), "TTS": frozenset({1, 3, 5})}
"""Weekly session patterns: three sessions a week is the usual haemodialysis schedule
(Mon/Wed/Fri or Tue/Thu/Sat), as in ``data/geo/putuo/synthetic/dialysis_patients.csv``."""

MOBILITIES = ("walking", "wheelchair")
"""Values of the ``mobility`` column."""

REASONS: dict[str, tuple[str, str]] = {
    "NO_SAILING": ("当天没有能按时衔接透析时间的航班", "no sailing reaches the unit in time"),
    "NO_WHEELCHAIR_PLACE": ("没有带轮椅位的车辆能服务这一段行程",
                            "no vehicle with a wheelchair place can serve a leg of the trip"),
    "SHIFT_END": ("车辆班次时间覆盖不了这次行程（出车太晚或收车太早）",
                  "no vehicle shift covers the ride (starts too late or ends too early)"),
    "UNREACHABLE_ISLAND": ("住址所在岛与透析中心之间没有陆路或渡轮连接",
                           "no road or ferry link joins the home island to the unit"),
    "NO_VEHICLE_ON_ISLAND": ("没有车辆服务这一侧（岛）", "no vehicle serves this side (island)"),
    "NOT_ENOUGH_SEATS": ("车辆座位不足（含陪护）", "no vehicle has enough seats (escort included)"),
    "RIDE_TIME": ("直达行程已超过最长乘车时间", "the direct ride exceeds the maximum ride time"),
    "TIME_WINDOW": ("时间窗无法满足", "the time windows cannot be met"),
    "CAPACITY": ("单独可以接送，但车辆和时间不够与其他行程同时安排",
                 "feasible alone, but not together with the other rides (vehicles/time)"),
    "UNIT_INACTIVE": ("所属透析中心在本情景中未启用", "the patient's unit is not active in this "
                      "scenario"),
}
"""Reason codes of unserved trips → (Chinese, English) sentence."""

_DARP_TO_CODE = {
    UnservedReason.UNREACHABLE: "UNREACHABLE_ISLAND",
    UnservedReason.NO_WHEELCHAIR_PLACE: "NO_WHEELCHAIR_PLACE",
    UnservedReason.NOT_ENOUGH_SEATS: "NOT_ENOUGH_SEATS",
    UnservedReason.NO_ELIGIBLE_VEHICLE: "NO_VEHICLE_ON_ISLAND",
    UnservedReason.RIDE_TIME: "RIDE_TIME",
    UnservedReason.TIME_WINDOW: "TIME_WINDOW",
    UnservedReason.SHIFT_END: "SHIFT_END",
    UnservedReason.DROPPED_BY_SEARCH: "CAPACITY",
}


# ----------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class DialysisParams:
    """Service rules a planner sets (names as in
    :class:`optimizer.scenario.schema.DialysisSection`).

    Parameters
    ----------
    arrive_early_min
        ``(earliest, latest)`` minutes before the session start the patient arrives at the unit:
        the drop-off window is ``[start − latest, start − earliest]``. Default (15, 45).
    return_pickup_within_min
        Minutes after the session end within which the return pickup happens (default 30).
    max_ride_time_min
        Maximum ride time of one vehicle leg, minutes (default 120).
    max_ride_factor
        Maximum ride time of one leg relative to its direct time (default 2.5).
    service_walking_min, service_wheelchair_min
        Boarding / alighting time per stop, minutes (defaults 2 and 6).
    active_units
        Unit ids open in the scenario; ``None`` = units whose ``active_default`` is true.
    extra_vehicles
        Extra vehicle rows (dicts with the ``vehicles.csv`` columns) added to the fleet.
    foot_boarding_buffer_min
        Minutes a foot passenger must be at the pier before departure (default
        :data:`optimizer.network.ferries.FOOT_BOARDING_BUFFER_S` / 60 = 15, an assumption
        documented there).
    time_limit_s, seed
        Solver wall-time budget (seconds) and seed (scenario ``solver`` section).
    workers
        Parallel ruin-and-recreate searches (separate processes; scenario ``solver`` section;
        :func:`optimizer.solvers.darp_lns.lns_improve_parallel`). Default 1.

    Raises
    ------
    optimizer.errors.InputError
        On a negative or unordered value (``field`` names it).
    """

    arrive_early_min: tuple[float, float] = (15.0, 45.0)
    return_pickup_within_min: float = 30.0
    max_ride_time_min: float = 120.0
    max_ride_factor: float = 2.5
    service_walking_min: float = 2.0
    service_wheelchair_min: float = 6.0
    active_units: tuple[str, ...] | None = None
    extra_vehicles: tuple[Mapping[str, Any], ...] = ()
    foot_boarding_buffer_min: float = FOOT_BOARDING_BUFFER_S / 60.0
    time_limit_s: float = 20.0
    seed: int = 0
    workers: int = 1

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        try:
            lo, hi = (float(v) for v in self.arrive_early_min)
        except (TypeError, ValueError) as exc:
            raise InputError(f"arrive_early_min={self.arrive_early_min!r}; expected "
                             "(earliest, latest) minutes", field="arrive_early_min") from exc
        if not 0 <= lo <= hi:
            raise InputError(f"arrive_early_min=({lo}, {hi}); expected 0 <= earliest <= latest",
                             field="arrive_early_min")
        set_(self, "arrive_early_min", (lo, hi))
        for name in ("return_pickup_within_min", "service_walking_min",
                     "service_wheelchair_min", "foot_boarding_buffer_min"):
            v = float(getattr(self, name))
            if not (v >= 0 and math.isfinite(v)):
                raise InputError(f"{name}={v}; expected finite minutes >= 0", field=name)
            set_(self, name, v)
        if not float(self.max_ride_time_min) > 0:
            raise InputError("max_ride_time_min must be > 0", field="max_ride_time_min")
        if not float(self.max_ride_factor) >= 1.0:
            raise InputError("max_ride_factor must be >= 1", field="max_ride_factor")
        if not (self.time_limit_s > 0 and math.isfinite(self.time_limit_s)):
            raise InputError("time_limit_s must be a positive number of seconds",
                             field="time_limit_s")
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) \
                or self.workers < 1:
            raise InputError(f"workers={self.workers!r}; expected a whole number >= 1",
                             field="workers")
        if self.active_units is not None:
            set_(self, "active_units", tuple(str(u) for u in self.active_units))
        set_(self, "extra_vehicles", tuple(dict(v) for v in self.extra_vehicles))

    @classmethod
    def from_section(cls, section: Any, *, solver: Any = None, **overrides: Any) -> DialysisParams:
        """Build from a :class:`~optimizer.scenario.schema.DialysisSection` (and optionally the
        scenario's ``SolverSection`` for ``time_limit_s`` and ``seed``)."""
        kw: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if hasattr(section, f.name):
                v = getattr(section, f.name)
                kw[f.name] = tuple(v) if isinstance(v, list) else v
        if solver is not None:
            kw["time_limit_s"] = solver.time_limit_s
            kw["seed"] = solver.seed
            kw["workers"] = int(getattr(solver, "workers", 1))
        kw.update(overrides)
        return cls(**kw)


# ----------------------------------------------------------------------------- input records
@dataclass(frozen=True)
class Patient:
    """One patient (personal data: names, phones and exact homes stay in dispatcher sheets).

    ``lon``/``lat`` in EPSG:4326 degrees; ``session_start_s`` seconds after midnight;
    ``duration_s`` seconds; ``days`` weekday numbers (Mon = 0); ``row`` the 1-based data row.
    """

    patient_id: str
    name: str
    phone: str
    village_code: str
    island_id: str
    lon: float
    lat: float
    mobility: str
    escort: bool
    schedule: str
    days: frozenset[int]
    session_start_s: int
    duration_s: int
    unit_id: str
    row: int = 0
    ride_service: bool = True

    def __post_init__(self) -> None:
        if self.mobility not in MOBILITIES:
            raise InputError(f"patient {self.patient_id!r}: mobility {self.mobility!r}; expected "
                             f"one of {MOBILITIES}", row=self.row or None, field="mobility")
        if self.duration_s <= 0:
            raise InputError(f"patient {self.patient_id!r}: duration must be > 0",
                             row=self.row or None, field="duration_min")

    @property
    def wheelchair(self) -> bool:
        """True for wheelchair users (they need a wheelchair place, not a seat)."""
        return self.mobility == "wheelchair"


@dataclass(frozen=True)
class Unit:
    """A dialysis unit: opening hours ``open_s``–``close_s`` (seconds after midnight), opening
    ``days`` (Mon = 0), position in EPSG:4326 degrees."""

    unit_id: str
    name_zh: str
    name_en: str
    island_id: str
    lon: float
    lat: float
    open_s: int
    close_s: int
    days: frozenset[int]
    chairs: int = 0
    active: bool = True
    row: int = 0

    def __post_init__(self) -> None:
        if not self.open_s < self.close_s:
            raise InputError(f"unit {self.unit_id!r}: open {hhmm(self.open_s)} is not before close "
                             f"{hhmm(self.close_s)}", row=self.row or None, field="close_time")


@dataclass(frozen=True)
class VehicleSpec:
    """A vehicle and its driver shift (seconds after midnight); ``serves_islands`` ``None`` means
    every island; base position in EPSG:4326 degrees."""

    vehicle_id: str
    driver: str
    phone: str
    island_id: str
    lon: float
    lat: float
    seats: int
    wheelchair_places: int
    shift_start_s: int
    shift_end_s: int
    serves_islands: frozenset[str] | None = None
    may_board_car_ferry: bool = False
    base_village_code: str = ""
    row: int = 0

    def __post_init__(self) -> None:
        if self.seats < 0 or self.wheelchair_places < 0 or self.seats + self.wheelchair_places < 1:
            raise InputError(f"vehicle {self.vehicle_id!r}: seats {self.seats}, wheelchair places "
                             f"{self.wheelchair_places}; need >= 0 and at least one place",
                             row=self.row or None, field="seats")
        if not self.shift_start_s < self.shift_end_s:
            raise InputError(f"vehicle {self.vehicle_id!r}: shift start {hhmm(self.shift_start_s)} "
                             f"is not before its end {hhmm(self.shift_end_s)}",
                             row=self.row or None, field="shift_end")

    def serves(self, island_id: str) -> bool:
        """Whether the vehicle may drive on ``island_id`` (its base island or a listed one)."""
        return (self.serves_islands is None or island_id == self.island_id
                or island_id in self.serves_islands)


@dataclass(frozen=True)
class DialysisInputs:
    """Validated inputs of the dialysis service.

    Attributes
    ----------
    patients, units, vehicles
        Records in file order.
    home_report
        One row per patient: ``patient_id``, ``island_id`` (from the polygons),
        ``declared_island_id`` (the file's column, may be empty), ``status`` (``on_land`` /
        ``snapped``) and ``distance_to_land_m``.
    notes
        Sentences for the run log (snapped homes, island mismatches, wheelchair patients with no
        wheelchair place in the whole fleet).
    files
        Source file names (patients, units, vehicles).
    """

    patients: tuple[Patient, ...]
    units: tuple[Unit, ...]
    vehicles: tuple[VehicleSpec, ...]
    home_report: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False)
    notes: tuple[str, ...] = ()
    files: tuple[str, ...] = ()

    def unit(self, unit_id: str) -> Unit:
        """The unit with this id (``KeyError`` if unknown)."""
        for u in self.units:
            if u.unit_id == unit_id:
                return u
        raise KeyError(unit_id)


def _parse_days(text: str, *, file: str, row: int, field_: str) -> frozenset[int]:
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
                out.update(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
                continue
        elif part in names:
            out.add(names[part])
            continue
        raise InputError(f"{text!r} is not a day pattern; expected MWF, TTS, 'Mon;Wed;Fri' or "
                         "'Mon-Sat'", file=file, row=row, field=field_)
    if not out:
        raise InputError(f"{text!r}: no days", file=file, row=row, field=field_)
    return frozenset(out)


def _yes(text: Any, *, file: str, row: int, field_: str) -> bool:
    s = str(text).strip().lower()
    if s in ("yes", "y", "true", "1", "是"):
        return True
    if s in ("no", "n", "false", "0", "否", ""):
        return False
    raise InputError(f"{text!r} is not yes/no", file=file, row=row, field=field_)


def _int(text: Any, *, file: str, row: int, field_: str, minimum: int = 0) -> int:
    try:
        v = float(str(text).strip())
    except ValueError:
        raise InputError(f"{text!r} is not a number", file=file, row=row, field=field_) from None
    if not math.isfinite(v) or v != int(v) or v < minimum:
        raise InputError(f"{text!r}; expected a whole number >= {minimum}", file=file, row=row,
                         field=field_)
    return int(v)


def _collect(errors: list[InputError], fn, *args, **kw):
    try:
        return fn(*args, **kw)
    except InputErrors as e:
        errors.extend(e.errors)
    except InputError as e:
        errors.append(e)
    return None


def _vehicle_from_row(rec: Mapping[str, Any], *, file: str, row: int,
                      errors: list[InputError]) -> VehicleSpec | None:
    n0 = len(errors)
    seats = _collect(errors, _int, rec.get("seats", ""), file=file, row=row, field_="seats")
    wc = _collect(errors, _int, rec.get("wheelchair_places", "0"), file=file, row=row,
                  field_="wheelchair_places")
    a = _collect(errors, parse_clock, rec.get("shift_start", ""), file=file, row=row,
                 field="shift_start")
    b = _collect(errors, parse_clock, rec.get("shift_end", ""), file=file, row=row,
                 field="shift_end")
    car = _collect(errors, _yes, rec.get("may_board_car_ferry", "no"), file=file, row=row,
                   field_="may_board_car_ferry")
    serves_txt = str(rec.get("serves_islands", "all") or "all").strip()
    serves = None if serves_txt.lower() in ("all", "*", "") else frozenset(
        s.strip() for s in serves_txt.split(";") if s.strip())
    try:
        lon, lat = float(rec["lon"]), float(rec["lat"])
    except (KeyError, TypeError, ValueError):
        errors.append(InputError(f"coordinates {rec.get('lon')!r}, {rec.get('lat')!r} are not "
                                 "numbers", file=file, row=row, field="lon"))
        return None
    if len(errors) > n0:
        return None
    try:
        return VehicleSpec(vehicle_id=str(rec["vehicle_id"]), driver=str(rec.get("driver", "")),
                           phone=str(rec.get("phone", "")),
                           island_id=str(rec.get("island_id", "") or ""), lon=lon, lat=lat,
                           seats=seats, wheelchair_places=wc, shift_start_s=a, shift_end_s=b,
                           serves_islands=serves, may_board_car_ferry=bool(car),
                           base_village_code=str(rec.get("base_village_code", "")), row=row)
    except InputError as e:
        errors.append(InputError(e.message, file=file, row=row, field=e.field))
        return None


def load_dialysis_inputs(
    patients_path: str | Path,
    units_path: str | Path,
    vehicles_path: str | Path,
    *,
    islands: gpd.GeoDataFrame | None = None,
    extra_vehicles: Iterable[Mapping[str, Any]] = (),
    active_units: Iterable[str] | None = None,
    study_area: Any = "default",
) -> DialysisInputs:
    """Read and validate patients, units and vehicles; raise once listing every problem.

    Parameters
    ----------
    patients_path
        CSV/XLSX with ``patient_id, name, phone, village_code, island_id, lon, lat, mobility,
        escort, schedule, session_start, duration_min, unit_id`` (lon/lat EPSG:4326 degrees;
        ``mobility`` walking/wheelchair; ``escort`` yes/no; ``schedule`` MWF/TTS or day list;
        ``session_start`` HH:MM; ``duration_min`` minutes).
    units_path
        CSV with ``unit_id, name_zh, name_en, island_id, lon, lat, open_time, close_time, days``
        and optionally ``chairs``, ``active_default``.
    vehicles_path
        CSV with ``vehicle_id, driver, phone, island_id, lon, lat, seats, wheelchair_places,
        shift_start, shift_end, serves_islands, may_board_car_ferry``.
    islands
        Island polygons (default: the embedded Putuo islands).
    extra_vehicles
        Further vehicle rows (dicts with the ``vehicles.csv`` columns), e.g. from a scenario;
        reported as file ``"extra_vehicles"`` with their 1-based position.
    active_units
        Unit ids open in the scenario (default: ``active_default`` of the file, true if absent).
    study_area
        Passed to :func:`optimizer.io.points.read_points` (``"default"`` = its Putuo box).

    Returns
    -------
    DialysisInputs

    Raises
    ------
    optimizer.errors.InputError
        A missing file or missing columns.
    optimizer.errors.InputErrors
        Every bad row: duplicate ids, a time that is not a time, a session outside the unit's
        opening hours or on a day the unit is closed, a home in the sea (beyond the snapping
        tolerance of :func:`~optimizer.network.islands.island_of`), an unknown unit id, an
        unknown ``active_units`` id, bad capacities or shifts.
    """
    islands = load_islands() if islands is None else islands
    kw = {} if study_area == "default" else {"study_area": study_area}
    pfile, ufile, vfile = (str(p) for p in (patients_path, units_path, vehicles_path))
    errors: list[InputError] = []
    pts = _collect(errors, read_points, patients_path, id_col="patient_id",
                   required=("mobility", "schedule", "session_start", "duration_min", "unit_id"),
                   **kw)
    uts = _collect(errors, read_points, units_path, id_col="unit_id",
                   required=("open_time", "close_time", "days"), **kw)
    vhs = _collect(errors, read_points, vehicles_path, id_col="vehicle_id",
                   required=("seats", "shift_start", "shift_end"), **kw)
    if pts is None or uts is None or vhs is None:
        raise InputErrors(errors)

    units: list[Unit] = []
    act = None if active_units is None else {str(u) for u in active_units}
    for k, rec in enumerate(uts.to_dict("records"), start=1):
        n0 = len(errors)
        o = _collect(errors, parse_clock, rec["open_time"], file=ufile, row=k, field="open_time")
        c = _collect(errors, parse_clock, rec["close_time"], file=ufile, row=k,
                     field="close_time")
        days = _collect(errors, _parse_days, rec["days"], file=ufile, row=k, field_="days")
        default_on = _collect(errors, _yes, rec.get("active_default", "true") or "true",
                              file=ufile, row=k, field_="active_default")
        chairs = _collect(errors, _int, rec.get("chairs", "0") or "0", file=ufile, row=k,
                          field_="chairs")
        if len(errors) > n0:
            continue
        uid = str(rec["unit_id"])
        try:
            units.append(Unit(uid, str(rec.get("name_zh", "") or uid),
                              str(rec.get("name_en", "") or uid),
                              str(rec.get("island_id", "") or ""), float(rec["lon"]),
                              float(rec["lat"]), o, c, days, chairs,
                              bool(default_on) if act is None else uid in act, row=k))
        except InputError as e:
            errors.append(InputError(e.message, file=ufile, row=k, field=e.field))
    if act is not None:
        known = {str(u) for u in uts["unit_id"]}
        for k, u in enumerate(sorted(act - known), start=1):
            errors.append(InputError(f"active unit {u!r} is not in {ufile} (known: "
                                     f"{sorted(known)})", field="active_units", row=k))
    umap = {u.unit_id: u for u in units}
    known_units = {str(u) for u in uts["unit_id"]}

    patients: list[Patient] = []
    for k, rec in enumerate(pts.to_dict("records"), start=1):
        n0 = len(errors)
        s = _collect(errors, parse_clock, rec["session_start"], file=pfile, row=k,
                     field="session_start")
        dur = _collect(errors, _int, rec["duration_min"], file=pfile, row=k,
                       field_="duration_min", minimum=1)
        days = _collect(errors, _parse_days, rec["schedule"], file=pfile, row=k,
                        field_="schedule")
        esc = _collect(errors, _yes, rec.get("escort", "no"), file=pfile, row=k, field_="escort")
        enrolled = _collect(errors, _yes, rec.get("ride_service", "yes") or "yes", file=pfile,
                            row=k, field_="ride_service")
        mob = str(rec["mobility"]).strip().lower()
        if mob not in MOBILITIES:
            errors.append(InputError(f"{rec['mobility']!r} is not a mobility; expected one of "
                                     f"{MOBILITIES}", file=pfile, row=k, field="mobility"))
        uid = str(rec["unit_id"]).strip()
        if uid not in known_units:
            errors.append(InputError(f"unknown unit {uid!r}; {ufile} has {sorted(known_units)}",
                                     file=pfile, row=k, field="unit_id"))
        if len(errors) > n0:
            continue
        u = umap.get(uid)
        if u is not None:
            if s < u.open_s or s + dur * 60 > u.close_s:
                errors.append(InputError(
                    f"session {hhmm(s)}-{hhmm(s + dur * 60)} is outside the opening hours "
                    f"{hhmm(u.open_s)}-{hhmm(u.close_s)} of unit {uid}", file=pfile, row=k,
                    field="session_start" if s < u.open_s else "duration_min"))
                continue
            closed = sorted(days - u.days)
            if closed:
                errors.append(InputError(
                    f"schedule {rec['schedule']!r} has sessions on {[DAY_NAMES[d] for d in closed]}"
                    f" when unit {uid} is closed", file=pfile, row=k, field="schedule"))
                continue
        patients.append(Patient(str(rec["patient_id"]), str(rec.get("name", "")),
                                str(rec.get("phone", "")), str(rec.get("village_code", "")),
                                str(rec.get("island_id", "") or ""), float(rec["lon"]),
                                float(rec["lat"]), mob, bool(esc),
                                str(rec["schedule"]).strip(), days, s, dur * 60, uid, row=k,
                                ride_service=bool(enrolled)))

    vehicles: list[VehicleSpec] = []
    for k, rec in enumerate(vhs.to_dict("records"), start=1):
        v = _vehicle_from_row(rec, file=vfile, row=k, errors=errors)
        if v is not None:
            vehicles.append(v)
    seen = {v.vehicle_id for v in vehicles} | {str(x) for x in vhs["vehicle_id"]}
    for k, rec in enumerate(extra_vehicles, start=1):
        rec = dict(rec)
        vid = str(rec.get("vehicle_id", "")).strip()
        if not vid or vid in seen:
            errors.append(InputError(f"vehicle_id {vid!r} is empty or already used",
                                     file="extra_vehicles", row=k, field="vehicle_id"))
            continue
        seen.add(vid)
        v = _vehicle_from_row(rec, file="extra_vehicles", row=k, errors=errors)
        if v is not None:
            vehicles.append(v)

    # homes on land (island_of); vehicle bases and units too
    notes: list[str] = []
    report = pd.DataFrame()
    if patients:
        pp = gpd.GeoDataFrame(geometry=gpd.points_from_xy([p.lon for p in patients],
                                                           [p.lat for p in patients]),
                              crs="EPSG:4326")
        where = island_of(pp, islands)
        report = pd.DataFrame({"patient_id": [p.patient_id for p in patients],
                               "island_id": where["island_id"].to_numpy(),
                               "declared_island_id": [p.island_id for p in patients],
                               "status": where["status"].to_numpy(),
                               "distance_to_land_m": where["distance_to_land_m"].to_numpy()})
        fixed = []
        for p, (_, r) in zip(patients, report.iterrows()):
            if r["status"] == "in_sea":
                errors.append(InputError(
                    f"home of {p.patient_id} is in the sea, {r['distance_to_land_m']:.0f} m from "
                    "the nearest island; check lon/lat (swapped? GCJ-02 instead of WGS 84?)",
                    file=pfile, row=p.row, field="lon"))
                continue
            if r["status"] == "snapped":
                notes.append(f"home of {p.patient_id} is {r['distance_to_land_m']:.0f} m off the "
                             f"shore; placed on island {r['island_id']}")
            if p.island_id and p.island_id != r["island_id"]:
                notes.append(f"{p.patient_id}: {pfile} says island {p.island_id}, the home point "
                             f"lies on {r['island_id']}; the point is used")
            fixed.append(dataclasses.replace(p, island_id=str(r["island_id"])))
        patients = fixed
    if errors:
        raise InputErrors(errors)
    if any(p.wheelchair for p in patients) and not any(v.wheelchair_places for v in vehicles):
        notes.append("wheelchair patients but no vehicle with a wheelchair place: their rides "
                     "will be unserved (NO_WHEELCHAIR_PLACE)")
    return DialysisInputs(tuple(patients), tuple(units), tuple(vehicles), report, tuple(notes),
                          (str(patients_path), str(units_path), str(vehicles_path)))


# ----------------------------------------------------------------------------- sessions
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


def _as_date(day: dt.date | str) -> dt.date:
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
        Validated patients.
    date
        Service date (``datetime.date`` or ``YYYY-MM-DD``).
    params
        Service rules (default :class:`DialysisParams`).

    Returns
    -------
    sessions, trips
        Sessions in patient order; two trips per session (outbound then return). Outbound:
        pickup open, drop-off window ``[start − arrive_early_max, start − arrive_early_min]``
        (seconds). Return: pickup window ``[end, end + return_pickup_within]``, drop-off open.

    Raises
    ------
    optimizer.errors.InputError
        If ``date`` is not a date.
    """
    prm = params or DialysisParams()
    d = _as_date(date)
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


# ----------------------------------------------------------------------------- the plan
@dataclass(frozen=True)
class PlanUnserved:
    """A trip not in the plan: reason ``code`` (a key of :data:`REASONS`), sentences in Chinese
    and English, a detail line with the figures, and the patient's home island (``island_id``;
    island level only, so it may be published)."""

    trip_id: str
    patient_id: str
    direction: str
    code: str
    text_zh: str
    text_en: str
    detail: str = ""
    island_id: str = ""


@dataclass(frozen=True)
class Crossing:
    """The sailing a trip takes: piers (GTFS stop ids and names), departure / arrival seconds."""

    trip_id: str
    patient_id: str
    direction: str
    sailing: Sailing
    from_pier_name: str
    to_pier_name: str
    boarding_deadline_s: float


@dataclass(frozen=True)
class DialysisPlan:
    """The day plan of the dialysis ride service.

    Attributes
    ----------
    date
        Service date.
    stops
        One row per stop (see :meth:`to_frames`); personal data included (dispatcher sheets).
    crossings
        Every ferry crossing of a served trip.
    unserved
        Every trip not served, with reason (each trip exactly once here or in :attr:`stops`).
    kpis
        Key figures (minutes and counts; see :meth:`to_frames`).
    trips
        Every trip of the day.
    problem, result
        The DARP instance (legs as requests) and its final, post-processed plan.
    violations
        :func:`optimizer.solvers.checker.check_darp` findings (empty for a valid plan).
    notes
        Labels and warnings to print with the plan.
    """

    date: dt.date
    stops: pd.DataFrame
    crossings: tuple[Crossing, ...]
    unserved: tuple[PlanUnserved, ...]
    kpis: Mapping[str, float]
    trips: tuple[Trip, ...]
    problem: DarpProblem | None
    result: DarpResult | None
    violations: tuple = ()
    notes: tuple[str, ...] = ()
    trip_summary: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def served_trip_ids(self) -> tuple[str, ...]:
        """Trips whose every leg is on a route."""
        if self.trip_summary.empty:
            return ()
        return tuple(self.trip_summary["trip_id"])

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """Tables for the sheet writers.

        Returns
        -------
        dict of pandas.DataFrame
            ``stops``: vehicle_id, seq, action (start/pickup/dropoff/end), clock (HH:MM of the
            start of service), arrival_s/start_s/departure_s (s after midnight), trip_id, leg_id,
            patient_id, patient_name, phone, place_type (base/home/unit/pier), place_name,
            island_id, village_code, lon, lat (EPSG:4326), mobility, escort, note (wheelchair,
            escort, sailing), sailing_trip_id, seats_on_board, wheelchairs_on_board.
            ``crossings``: trip_id, patient_id, direction, gtfs trip, route, piers, departure,
            arrival. ``trips``: one row per served trip with its whole duration (min).
            ``unserved``: trip_id, patient_id, direction, island_id (home island), code,
            reason_zh, reason_en, detail.
            ``kpis``: name, value.
        """
        cross = pd.DataFrame([{
            "trip_id": c.trip_id, "patient_id": c.patient_id, "direction": c.direction,
            "gtfs_trip_id": c.sailing.trip_id, "route_id": c.sailing.route_id,
            "from_stop_id": c.sailing.from_stop_id, "from_pier": c.from_pier_name,
            "to_stop_id": c.sailing.to_stop_id, "to_pier": c.to_pier_name,
            "at_pier_by": hhmm(c.boarding_deadline_s),
            "departure": hhmm(c.sailing.departure_s), "arrival": hhmm(c.sailing.arrival_s),
            "departure_s": c.sailing.departure_s, "arrival_s": c.sailing.arrival_s,
            "is_estimate": c.sailing.is_estimate} for c in self.crossings],
            columns=["trip_id", "patient_id", "direction", "gtfs_trip_id", "route_id",
                     "from_stop_id", "from_pier", "to_stop_id", "to_pier", "at_pier_by",
                     "departure", "arrival", "departure_s", "arrival_s", "is_estimate"])
        uns = pd.DataFrame([{"trip_id": u.trip_id, "patient_id": u.patient_id,
                             "direction": u.direction, "island_id": u.island_id, "code": u.code,
                             "reason_zh": u.text_zh, "reason_en": u.text_en, "detail": u.detail}
                            for u in self.unserved],
                           columns=["trip_id", "patient_id", "direction", "island_id", "code",
                                    "reason_zh", "reason_en", "detail"])
        kp = pd.DataFrame({"kpi": list(self.kpis), "value": list(self.kpis.values())})
        return {"stops": self.stops.copy(), "crossings": cross, "trips": self.trip_summary.copy(),
                "unserved": uns, "kpis": kp}

    def public_frames(self) -> dict[str, pd.DataFrame]:
        """The same tables de-identified for publication: no names, phones, patient ids, driver
        names, or coordinates of homes and vehicle bases (island and village code only); rides
        are numbered ``R001`` … in a per-plan pseudonym."""
        fr = self.to_frames()
        ids = sorted({t.patient_id for t in self.trips})
        alias = {pid: f"R{k:03d}" for k, pid in enumerate(ids, start=1)}

        def pseudo(s: pd.Series) -> pd.Series:
            return s.map(lambda v: alias.get(v, v) if isinstance(v, str) else v)

        def pseudo_trip(s: pd.Series) -> pd.Series:
            def one(v):
                if not isinstance(v, str):
                    return v
                pid, sep, rest = v.rpartition("-")
                return f"{alias.get(pid, pid)}{sep}{rest}" if sep else alias.get(v, v)
            return s.map(one)

        st = fr["stops"].drop(columns=["patient_name", "phone", "patient_id", "driver",
                                       "driver_phone"], errors="ignore")
        private = st["place_type"].isin(["home", "base"])
        st.loc[private, ["lon", "lat"]] = np.nan
        st.loc[private, "place_name"] = st.loc[private, "place_type"]
        st["trip_id"] = pseudo_trip(st["trip_id"])
        st["leg_id"] = st["leg_id"].map(_leg_alias(pseudo_trip))
        out = {"stops": st}
        for name in ("crossings", "trips", "unserved"):
            df = fr[name].copy()
            df["trip_id"] = pseudo_trip(df["trip_id"])
            df["patient_id"] = pseudo(df["patient_id"])
            df = df.rename(columns={"patient_id": "ride"})
            if name == "unserved":
                df["detail"] = df["detail"].map(lambda t: _scrub(t, alias))
            out[name] = df
        out["kpis"] = fr["kpis"]
        return out


def _leg_alias(pseudo_trip):
    def one(v):
        if not isinstance(v, str):
            return v
        trip, sep, part = v.partition(":")
        return f"{pseudo_trip(pd.Series([trip])).iloc[0]}{sep}{part}"
    return one


def _scrub(text: str, alias: Mapping[str, str]) -> str:
    for pid in sorted(alias, key=len, reverse=True):
        text = text.replace(pid, alias[pid])
    return text


# ----------------------------------------------------------------------------- places
@dataclass
class _Place:
    place_type: str  # base / unit / pier / home
    place_id: str
    name: str
    lon: float
    lat: float
    village_code: str = ""


def _piers_from_graph(G: nx.MultiDiGraph) -> list[_Place]:
    out = []
    for n, d in G.nodes(data=True):
        if d.get("kind") == "pier" and d.get("stop_id"):
            out.append(_Place("pier", str(d["stop_id"]), str(d.get("name", d["stop_id"])),
                              float(d["lon"]), float(d["lat"])))
    return out


def _piers_from_feed(feed) -> list[_Place]:
    return [_Place("pier", str(r.stop_id), str(r.stop_name), float(r.stop_lon), float(r.stop_lat))
            for r in feed.stops.itertuples()]


# ----------------------------------------------------------------------------- planning
@dataclass
class _Leg:
    leg_id: str
    trip: Trip
    pickup: int
    delivery: int
    pickup_window_s: tuple[float, float]
    delivery_window_s: tuple[float, float]


def plan_dialysis_day(
    inputs: DialysisInputs,
    date: dt.date | str,
    *,
    G: nx.MultiDiGraph,
    timetable: FerryTimetable | None,
    islands: gpd.GeoDataFrame | None = None,
    params: DialysisParams | None = None,
    feed=None,
    solve_options: Mapping[str, Any] | None = None,
) -> DialysisPlan:
    """Plan the dialysis rides of one day (see the module docs for the ferry model).

    Parameters
    ----------
    inputs
        From :func:`load_dialysis_inputs`.
    date
        Service date; must equal ``timetable.day`` when a timetable is given.
    G
        Land graph following :mod:`optimizer.network.contract` (EPSG:32651). Piers are its
        ``kind="pier"`` nodes (:func:`optimizer.network.ferries.add_ferries`) or, if it has none,
        the stops of ``feed``.
    timetable
        Sailings of the date (:func:`optimizer.network.ferries.timetable_for_date`); ``None`` =
        no ferries.
    islands
        Island polygons used for snapping (default: the embedded Putuo islands).
    params
        Service rules and solver limits (default :class:`DialysisParams`).
    feed
        GTFS feed, used only for pier positions when ``G`` has no pier nodes.
    solve_options
        Extra :class:`~optimizer.solvers.ortools_routing.SolveParams` fields (e.g.
        ``deterministic=True``).

    Returns
    -------
    DialysisPlan

    Raises
    ------
    optimizer.errors.InputError
        If ``date`` differs from the timetable's day, or a parameter is bad.
    """
    from optimizer.network.matrix import point_matrix
    from optimizer.solvers.checker import check_darp
    from optimizer.solvers.ortools_routing import explain_request, solve_darp

    prm = params or DialysisParams()
    d = _as_date(date)
    if timetable is not None and timetable.day != d:
        raise InputError(f"timetable is for {timetable.day}, the plan for {d}", field="date")
    islands = load_islands() if islands is None else islands
    active = ({u.unit_id for u in inputs.units if u.active} if prm.active_units is None
              else set(prm.active_units))
    unknown = sorted(active - {u.unit_id for u in inputs.units})
    if unknown:
        raise InputError(f"active_units names unknown unit(s) {unknown}", field="active_units")
    fleet = list(inputs.vehicles)
    if prm.extra_vehicles:
        errs: list[InputError] = []
        seen = {v.vehicle_id for v in fleet}
        for k, rec in enumerate(prm.extra_vehicles, start=1):
            v = _vehicle_from_row(rec, file="extra_vehicles", row=k, errors=errs)
            if v is not None and v.vehicle_id in seen:
                errs.append(InputError(f"vehicle_id {v.vehicle_id!r} already used",
                                       file="extra_vehicles", row=k, field="vehicle_id"))
            elif v is not None:
                fleet.append(v)
                seen.add(v.vehicle_id)
        if errs:
            raise InputErrors(errs)
    sessions, trips = sessions_for_date(inputs.patients, d, params=prm)
    pmap = {p.patient_id: p for p in inputs.patients}
    umap = {u.unit_id: u for u in inputs.units}

    # ---- places and the land matrix (car)
    places: list[_Place] = []
    for v in fleet:
        places.append(_Place("base", v.vehicle_id, f"{v.vehicle_id} base", v.lon, v.lat,
                             v.base_village_code))
    unit_node = {}
    for u in inputs.units:
        unit_node[u.unit_id] = len(places)
        places.append(_Place("unit", u.unit_id, u.name_zh, u.lon, u.lat))
    piers = _piers_from_graph(G) if timetable is not None else []
    if timetable is not None and not piers and feed is not None:
        piers = _piers_from_feed(feed)
    pier_node = {}
    for pl in piers:
        pier_node[pl.place_id] = len(places)
        places.append(pl)
    home_node = {}
    for s in sessions:
        p = pmap[s.patient_id]
        home_node[p.patient_id] = len(places)
        places.append(_Place("home", p.patient_id, p.name, p.lon, p.lat, p.village_code))
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([pl.lon for pl in places],
                                                        [pl.lat for pl in places]),
                           crs="EPSG:4326")
    pm = point_matrix(G, pts, pts, travel_mode="car", islands=islands)
    tt = np.array(pm.travel_time_s, dtype=float)
    np.fill_diagonal(tt, 0.0)
    place_island = [str(x) if isinstance(x, str) else "" for x in pm.origin_snap["island_id"]]
    snapped = pm.origin_snap["node"].notna().to_numpy()
    pier_names = {pl.place_id: pl.name for pl in piers}

    def finite(i: int, j: int) -> bool:
        return bool(np.isfinite(tt[i, j]))

    buffer_s = prm.foot_boarding_buffer_min * 60.0
    early_span = (prm.arrive_early_min[1] - prm.arrive_early_min[0]) * 60.0
    ret_within = prm.return_pickup_within_min * 60.0

    def svc(p: Patient) -> float:
        return 60.0 * (prm.service_wheelchair_min if p.wheelchair else prm.service_walking_min)

    unserved: dict[str, PlanUnserved] = {}

    def mark(trip: Trip, code: str, detail: str = "") -> None:
        zh, en = REASONS[code]
        unserved[trip.trip_id] = PlanUnserved(trip.trip_id, trip.patient_id, trip.direction,
                                              code, zh, en, detail,
                                              island_id=pmap[trip.patient_id].island_id)

    legs: list[_Leg] = []
    crossing_of: dict[str, Crossing] = {}
    for trip in trips:
        p = pmap[trip.patient_id]
        u = umap[p.unit_id]
        if u.unit_id not in active:
            mark(trip, "UNIT_INACTIVE", f"unit {u.unit_id} is closed in this scenario")
            continue
        h, un = home_node[p.patient_id], unit_node[u.unit_id]
        if not snapped[h]:
            mark(trip, "UNREACHABLE_ISLAND", f"home of {p.patient_id} has no road node on "
                 f"island {place_island[h] or p.island_id}")
            continue
        if not snapped[un]:
            mark(trip, "UNREACHABLE_ISLAND", f"unit {u.unit_id} has no road node")
            continue
        if finite(h, un):
            if trip.direction == "out":
                legs.append(_Leg(trip.trip_id, trip, h, un, trip.pickup_window_s,
                                 trip.delivery_window_s))
            else:
                legs.append(_Leg(trip.trip_id, trip, un, h, trip.pickup_window_s,
                                 trip.delivery_window_s))
            continue
        # ---- cross-island: choose a sailing
        home_piers = [s for s, n in pier_node.items() if snapped[n] and finite(h, n)]
        unit_piers = [s for s, n in pier_node.items() if snapped[n] and finite(n, un)]
        outbound = trip.direction == "out"
        a_side, b_side = (home_piers, unit_piers) if outbound else (unit_piers, home_piers)
        cands: list[Sailing] = []
        susp = False
        if timetable is not None:
            for a in a_side:
                for b in b_side:
                    cands.extend(timetable.sailings_between(a, b))
                    susp = susp or timetable.has_service(a, b, include_suspended=True)
        if not cands:
            if susp:
                mark(trip, "NO_SAILING", f"the ferry route(s) between island "
                     f"{place_island[h]} and the unit's side are suspended or not running on "
                     f"{d}")
            elif not home_piers:
                mark(trip, "UNREACHABLE_ISLAND", f"island {place_island[h] or p.island_id} has "
                     "no pier reachable by road")
            else:
                mark(trip, "NO_SAILING" if timetable is not None else "UNREACHABLE_ISLAND",
                     f"no sailing links island {place_island[h]} with the unit's side on {d}")
            continue
        s_p = svc(p)
        best = None
        if outbound:
            e_d, l_d = trip.delivery_window_s
            for s in cands:
                a, b = pier_node[s.from_stop_id], pier_node[s.to_stop_id]
                if s.arrival_s + s_p + tt[b, un] > l_d + 1e-9:
                    continue
                leave = s.departure_s - buffer_s - s_p - tt[h, a]
                if best is None or leave > best[0]:
                    best = (leave, s)
            if best is None:
                first = min(cands, key=lambda s: s.arrival_s)
                mark(trip, "NO_SAILING", f"the first sailing to the unit's side, {first.trip_id} "
                     f"{hhmm(first.departure_s)}→{hhmm(first.arrival_s)}, lands too late to reach "
                     f"unit {u.unit_id} by {hhmm(l_d)} (session {hhmm(trip.session.start_s)})")
                continue
            s = best[1]
            a, b = pier_node[s.from_stop_id], pier_node[s.to_stop_id]
            dead = s.departure_s - buffer_s
            legs.append(_Leg(f"{trip.trip_id}:1", trip, h, a, (0.0, math.inf),
                             (max(0.0, dead - early_span), dead)))
            legs.append(_Leg(f"{trip.trip_id}:2", trip, b, un, (float(s.arrival_s), math.inf),
                             trip.delivery_window_s))
        else:
            e_p, l_p = trip.pickup_window_s
            for s in cands:
                a, b = pier_node[s.from_stop_id], pier_node[s.to_stop_id]
                if e_p + s_p + tt[un, a] > s.departure_s - buffer_s + 1e-9:
                    continue
                home_at = s.arrival_s + s_p + tt[b, h]
                if best is None or home_at < best[0]:
                    best = (home_at, s)
            if best is None:
                last = max(cands, key=lambda s: s.departure_s)
                mark(trip, "NO_SAILING", f"no sailing home after the session (ends "
                     f"{hhmm(trip.session.end_s)}); last sailing {last.trip_id} leaves "
                     f"{hhmm(last.departure_s)}")
                continue
            s = best[1]
            a, b = pier_node[s.from_stop_id], pier_node[s.to_stop_id]
            dead = s.departure_s - buffer_s
            legs.append(_Leg(f"{trip.trip_id}:1", trip, un, a, trip.pickup_window_s,
                             (e_p, dead)))
            legs.append(_Leg(f"{trip.trip_id}:2", trip, b, h,
                             (float(s.arrival_s), s.arrival_s + ret_within), (0.0, math.inf)))
        crossing_of[trip.trip_id] = Crossing(trip.trip_id, trip.patient_id, trip.direction, s,
                                             pier_names.get(s.from_stop_id, s.from_stop_id),
                                             pier_names.get(s.to_stop_id, s.to_stop_id),
                                             s.departure_s - buffer_s)

    # ---- DARP requests (one per leg) and vehicles
    def eligible(leg: _Leg) -> frozenset[str]:
        isl = {place_island[leg.pickup], place_island[leg.delivery]}
        out = set()
        for k, v in enumerate(fleet):
            if all(v.serves(i) for i in isl) and finite(k, leg.pickup):
                out.add(v.vehicle_id)
        return frozenset(out)

    def request(leg: _Leg) -> Request:
        p = pmap[leg.trip.patient_id]
        return Request(leg.leg_id, leg.pickup, leg.delivery, leg.pickup_window_s,
                       leg.delivery_window_s, seats=int(p.escort) + (0 if p.wheelchair else 1),
                       wheelchair_places=int(p.wheelchair), pickup_service_s=svc(p),
                       delivery_service_s=svc(p), max_ride_time_s=prm.max_ride_time_min * 60.0,
                       max_ride_factor=prm.max_ride_factor, eligible_vehicles=eligible(leg))

    vehicles = [Vehicle(v.vehicle_id, k, k, (float(v.shift_start_s), float(v.shift_end_s)),
                        seats=v.seats, wheelchair_places=v.wheelchair_places)
                for k, v in enumerate(fleet)]
    labels = tuple(f"{pl.place_type}:{pl.place_id}" for pl in places)
    reqs = [request(leg) for leg in legs]
    tt_darp = np.where(np.isfinite(tt), tt, np.inf)
    problem = None
    result = None
    violations: tuple = ()
    if reqs and vehicles:
        full = DarpProblem(tt_darp, tuple(reqs), tuple(vehicles), node_labels=labels,
                           name=f"dialysis {d}")
        # pre-check each leg alone; a trip with an infeasible leg is left out whole
        for k, leg in enumerate(legs):
            if leg.trip.trip_id in unserved:
                continue
            why = explain_request(full, k)
            if why is not None:
                code = _DARP_TO_CODE[why[0]]
                if code == "NO_VEHICLE_ON_ISLAND":
                    isl = place_island[leg.pickup]
                    ferry_ok = [v.vehicle_id for v in fleet if v.may_board_car_ferry
                                and v.serves(isl)]
                    detail = (f"leg {leg.leg_id}: no vehicle is based on / serves island {isl}"
                              + (f"; car-ferry vehicles {ferry_ok} could make a dedicated run"
                                 if ferry_ok else ""))
                else:
                    detail = f"leg {leg.leg_id}: {why[1]}"
                mark(leg.trip, code, detail)
        keep = [k for k, leg in enumerate(legs) if leg.trip.trip_id not in unserved]
        problem = DarpProblem(tt_darp, tuple(reqs[k] for k in keep), tuple(vehicles),
                              node_labels=labels, name=f"dialysis {d}")
        legs = [legs[k] for k in keep]
        if problem.requests:
            raw = solve_darp(problem, **{"time_limit_s": prm.time_limit_s, "seed": prm.seed,
                                         "workers": prm.workers, **dict(solve_options or {})})
            result = _unlink(problem, raw, legs, mark)
            violations = tuple(check_darp(problem, result))
            if violations:
                warnings.warn(f"dialysis plan has {len(violations)} checker violation(s): "
                              f"{violations[:3]}", RuntimeWarning, stacklevel=2)
    elif reqs:
        for leg in legs:
            if leg.trip.trip_id not in unserved:
                mark(leg.trip, "NO_VEHICLE_ON_ISLAND", "the fleet is empty")
        legs = []

    # ---- outputs
    leg_by_id = {leg.leg_id: leg for leg in legs}
    rows = []
    if result is not None:
        for rt in result.routes:
            veh = fleet[problem.vehicle_index(rt.vehicle_id)]
            for seq, st in enumerate(rt.stops):
                pl = places[st.node]
                leg = leg_by_id.get(st.request_id) if st.request_id else None
                p = pmap[leg.trip.patient_id] if leg else None
                action = {"pickup": "pickup", "delivery": "dropoff"}.get(st.kind, st.kind)
                cr = crossing_of.get(leg.trip.trip_id) if leg else None
                note = []
                if p is not None:
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
                rows.append({
                    "vehicle_id": rt.vehicle_id, "driver": veh.driver,
                    "driver_phone": veh.phone, "seq": seq, "action": action,
                    "clock": hhmm(st.start_s), "arrival_s": st.arrival_s,
                    "start_s": st.start_s, "departure_s": st.departure_s,
                    "trip_id": leg.trip.trip_id if leg else None,
                    "leg_id": st.request_id, "patient_id": p.patient_id if p else None,
                    "patient_name": p.name if p else None, "phone": p.phone if p else None,
                    "place_type": pl.place_type, "place_name": pl.name,
                    "island_id": place_island[st.node], "village_code": pl.village_code,
                    "lon": pl.lon, "lat": pl.lat, "mobility": p.mobility if p else None,
                    "escort": p.escort if p else None, "note": "; ".join(note),
                    "sailing_trip_id": cr.sailing.trip_id if (cr and pl.place_type == "pier")
                    else None,
                    "seats_on_board": st.seats_on_board,
                    "wheelchairs_on_board": st.wheelchairs_on_board})
    cols = ["vehicle_id", "driver", "driver_phone", "seq", "action", "clock", "arrival_s",
            "start_s", "departure_s", "trip_id", "leg_id", "patient_id", "patient_name", "phone",
            "place_type", "place_name", "island_id", "village_code", "lon", "lat", "mobility",
            "escort", "note", "sailing_trip_id", "seats_on_board", "wheelchairs_on_board"]
    stops = pd.DataFrame(rows, columns=cols)

    # per-trip summary (whole trip, crossing included)
    times: dict[str, dict[str, float]] = {}
    for _, r in stops[stops["leg_id"].notna()].iterrows():
        t = times.setdefault(r["trip_id"], {})
        if r["action"] == "pickup":
            t["first_pickup"] = min(t.get("first_pickup", math.inf), r["departure_s"])
        else:
            t["last_dropoff"] = max(t.get("last_dropoff", -math.inf), r["start_s"])
    trip_rows = []
    for trip in trips:
        if trip.trip_id in unserved or trip.trip_id not in times:
            continue
        t = times[trip.trip_id]
        cr = crossing_of.get(trip.trip_id)
        ride = t["last_dropoff"] - t["first_pickup"]
        wait = (trip.session.start_s - t["last_dropoff"]) if trip.direction == "out" else np.nan
        trip_rows.append({"trip_id": trip.trip_id, "patient_id": trip.patient_id,
                          "direction": trip.direction, "first_pickup": hhmm(t["first_pickup"]),
                          "last_dropoff": hhmm(t["last_dropoff"]),
                          "trip_duration_min": ride / 60.0,
                          "wait_at_unit_min": wait / 60.0 if trip.direction == "out" else np.nan,
                          "ferry_trip_id": cr.sailing.trip_id if cr else None})
    summary = pd.DataFrame(trip_rows, columns=["trip_id", "patient_id", "direction",
                                               "first_pickup", "last_dropoff",
                                               "trip_duration_min", "wait_at_unit_min",
                                               "ferry_trip_id"])
    served_ids = set(summary["trip_id"])
    crossings = tuple(c for tid, c in crossing_of.items() if tid in served_ids)
    n_unserved = len(unserved)
    self_travel = sum(1 for p in inputs.patients
                      if d.weekday() in p.days and not p.ride_service)
    kpis = {
        "patients_not_enrolled_today": float(self_travel),
        "sessions": float(len(sessions)),
        "trips": float(len(trips)),
        "trips_served": float(len(served_ids)),
        "trips_unserved": float(n_unserved),
        "vehicles_used": float(len(result.routes)) if result else 0.0,
        "total_driving_time_min": (sum(r.travel_time_s for r in result.routes) / 60.0
                                   if result else 0.0),
        "mean_trip_duration_min": float(summary["trip_duration_min"].mean())
        if len(summary) else 0.0,
        "max_trip_duration_min": float(summary["trip_duration_min"].max())
        if len(summary) else 0.0,
        "mean_wait_at_unit_min": float(summary["wait_at_unit_min"].dropna().mean())
        if summary["wait_at_unit_min"].notna().any() else 0.0,
        "ferry_crossings": float(len(crossings)),
    }
    notes = list(inputs.notes)
    if G.graph.get("approximate_roads"):
        notes.append("近似路网 Approximate roads")
    if any(c.sailing.is_estimate for c in crossings):
        notes.append("部分航班时刻为估计 Some sailings used are estimates")
    ordered_uns = tuple(unserved[t.trip_id] for t in trips if t.trip_id in unserved)
    return DialysisPlan(date=d, stops=stops, crossings=crossings, unserved=ordered_uns,
                        kpis=kpis, trips=trips, problem=problem, result=result,
                        violations=violations, notes=tuple(notes), trip_summary=summary)


def _unlink(problem: DarpProblem, raw: DarpResult, legs: list[_Leg], mark) -> DarpResult:
    """Report trips with a dropped leg unserved and remove their other legs from the routes.

    Removed stops keep the service times of the remaining ones (valid with shortest-path travel
    times: the triangle inequality makes every arrival no later); arrival times, loads, costs and
    durations are recomputed.
    """
    by_id = {leg.leg_id: leg for leg in legs}
    dropped = {u.request_id: u for u in raw.unserved}
    bad_trips: dict[str, Unserved] = {}
    for rid, u in dropped.items():
        bad_trips.setdefault(by_id[rid].trip.trip_id, u)
    for tid, u in bad_trips.items():
        leg = by_id[u.request_id]
        mark(leg.trip, _DARP_TO_CODE.get(u.reason, "CAPACITY"), f"leg {u.request_id}: {u.detail}")
    remove = {leg.leg_id for leg in legs if leg.trip.trip_id in bad_trips
              and leg.leg_id not in dropped}
    if not remove:
        return raw
    tt, cost = problem.travel_time_s, problem.cost
    rmap = {r.request_id: r for r in problem.requests}
    routes = []
    for rt in raw.routes:
        keep = [s for s in rt.stops if s.request_id not in remove]
        if len(keep) == 2:
            continue
        stops, seats, wc = [], 0, 0
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
        routes.append(Route(rt.vehicle_id, tuple(stops), tot_c, tot_t,
                            stops[-1].arrival_s - stops[0].departure_s))
    uns = list(raw.unserved) + [Unserved(rid, UnservedReason.DROPPED_BY_SEARCH,
                                         "the linked leg on the other side of the crossing is "
                                         "unserved") for rid in sorted(remove)]
    return DarpResult(status=SolveStatus.PARTIAL, routes=tuple(routes), unserved=tuple(uns),
                      objective=float(sum(r.cost for r in routes)), runtime_s=raw.runtime_s,
                      params=raw.params)
