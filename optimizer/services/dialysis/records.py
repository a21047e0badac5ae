"""Validated input records of the dialysis ride service: patients, units, vehicles.

Built by :func:`optimizer.services.dialysis.inputs.load_dialysis_inputs`; each record checks its
own consistency on construction (:class:`~optimizer.errors.InputError` naming row and field).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from optimizer.errors import InputError
from optimizer.results import Note
from optimizer.units import hhmm

__all__ = ["MOBILITIES", "MOBILITY_ALIASES", "NIGHT_SHIFT_MAX_S", "DialysisInputs", "Patient", "Unit", "VehicleSpec",
           "shift_end_s"]

MOBILITIES = ("walking", "wheelchair")
"""Values of the ``mobility`` column."""

MOBILITY_ALIASES = {"轮椅": "wheelchair", "步行": "walking", "可步行": "walking",
                    "自行": "walking"}
"""Chinese words accepted in the ``mobility`` column (as 是/否 are for yes/no), listed in the
template and the data guide: 轮椅 (wheelchair) → ``wheelchair``; 步行 (on foot), 可步行 (can
walk), 自行 (on one's own) → ``walking``."""


def parse_mobility(value: object) -> str | None:
    """The :data:`MOBILITIES` value of a cell (case-blind English, or a
    :data:`MOBILITY_ALIASES` word); ``None`` if it is neither.

    >>> parse_mobility(" Wheelchair "), parse_mobility("轮椅"), parse_mobility("可步行"), parse_mobility("bike")
    ('wheelchair', 'wheelchair', 'walking', None)
    """
    text = str(value).strip()
    low = text.lower()
    return low if low in MOBILITIES else MOBILITY_ALIASES.get(text)

NIGHT_SHIFT_MAX_S = 12 * 3600
"""Longest shift read as a night shift (seconds): a shift written as clock times whose end is
before its start (``22:30``-``01:30``) ends the next day when it then lasts at most 12 h (a
night shift; longer ones such as ``04:30``-``04:00`` are typing mistakes and refused). Project
rule, not a legal limit."""


def shift_end_s(start_s: int, end_s: int) -> int:
    """The shift's end in seconds after midnight of the start day: ``end_s`` + 24 h when the end
    is before the start (a night shift ending the next day, if that makes it at most
    :data:`NIGHT_SHIFT_MAX_S` long), else ``end_s`` unchanged.

    Examples
    --------
    >>> shift_end_s(22 * 3600 + 1800, 3600 + 1800) / 3600
    25.5
    >>> shift_end_s(4 * 3600 + 1800, 4 * 3600) / 3600
    4.0
    """
    if end_s < start_s and end_s + 24 * 3600 - start_s <= NIGHT_SHIFT_MAX_S:
        return end_s + 24 * 3600
    return end_s


@dataclass(frozen=True)
class Patient:
    """One patient (personal data: names, phones and exact homes stay in dispatcher sheets).

    ``lon``/``lat`` in EPSG:4326 degrees; ``session_start_s`` seconds after midnight;
    ``duration_s`` seconds; ``days`` weekday numbers (Mon = 0); ``row`` the 1-based data row;
    ``ride_service`` false for patients who travel on their own; ``address`` the street address
    from the file's optional ``address`` column (``""`` when not given), printed on the
    dispatcher sheets only.
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
    address: str = ""

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
    """A dialysis unit: opening hours ``open_s``–``close_s`` (seconds after midnight, within one
    day: a close before the open is refused, not read as the next day, since sessions and rides
    are planned on one service day), opening
    ``days`` (Mon = 0), position in EPSG:4326 degrees; ``active`` whether it is open in the
    scenario; ``synthetic`` the row's own provenance flag (a generated placeholder)."""

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
    synthetic: bool = False
    line: int = 0
    """Spreadsheet line of the unit in its file (header = line 1; 0 = not from a file)."""

    def __post_init__(self) -> None:
        if not self.open_s < self.close_s:  # no overnight opening (dialysis runs by day)
            raise InputError(f"unit {self.unit_id!r}: open {hhmm(self.open_s)} is not before close "
                             f"{hhmm(self.close_s)}; opening hours must lie within one day "
                             "(close at 24:00 at the latest)", row=self.row or None,
                             field="close_time")


@dataclass(frozen=True)
class VehicleSpec:
    """A vehicle and its driver shift (seconds after midnight of the start day; a night shift's
    end is 24 h or more, see :func:`shift_end_s`); ``serves_islands`` ``None`` means
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
                             f"is not before its end {hhmm(self.shift_end_s)}; an end before the "
                             "start is read as the next day only for a night shift of at most "
                             f"{NIGHT_SHIFT_MAX_S // 3600} h (e.g. 22:30-01:30); check both times",
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
        Records in file order (the scenario's extra vehicles after those of the file; units with
        ``active`` set from the scenario's ``active_units``).
    home_report
        One row per patient: ``patient_id``, ``island_id`` (from the polygons),
        ``declared_island_id`` (the file's column, may be empty), ``status`` (``on_land`` /
        ``snapped``) and ``distance_to_land_m``.
    notes
        Typed labels: :attr:`~optimizer.results.NoteKind.SYNTHETIC_DATA` when a file's rows
        carry the ``synthetic`` flag, :attr:`~optimizer.results.NoteKind.DATA_WARNING` for
        snapped homes, island mismatches and wheelchair patients without any wheelchair place.
    files
        Source files (patients, units, vehicles).
    synthetic_patients
        True when the patients file flags its rows ``synthetic`` (route sheets then say "not
        real patients"); from the file's own column, never from its path.
    village_points
        Index ``village_code``; ``lon``, ``lat`` (EPSG:4326): where the published route map shows
        homes and vehicle bases (:func:`optimizer.services.dialysis.inputs.read_village_points`).
    """

    patients: tuple[Patient, ...]
    units: tuple[Unit, ...]
    vehicles: tuple[VehicleSpec, ...]
    home_report: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False)
    notes: tuple[Note, ...] = ()
    files: tuple[str, ...] = ()
    synthetic_patients: bool = False
    village_points: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["lon", "lat"]).rename_axis("village_code"), compare=False)

    def unit(self, unit_id: str) -> Unit:
        """The unit with this id (``KeyError`` if unknown)."""
        for u in self.units:
            if u.unit_id == unit_id:
                return u
        raise KeyError(unit_id)

    @property
    def active_unit_ids(self) -> frozenset[str]:
        """Ids of the units open in the scenario."""
        return frozenset(u.unit_id for u in self.units if u.active)

    def describe(self) -> str:
        """One line for ``optimizer validate``: what was read."""
        enrolled = sum(p.ride_service for p in self.patients)
        return (f"{len(self.patients)} patients ({enrolled} enrolled in the ride service), "
                f"{len(self.units)} units ({len(self.active_unit_ids)} active), "
                f"{len(self.vehicles)} vehicles")
