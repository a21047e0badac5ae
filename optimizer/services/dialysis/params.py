"""Parameters of the dialysis ride service (scenario section ``dialysis:``), defined once.

:class:`DialysisParams` is both the Python API's parameter object and the scenario schema's
``dialysis:`` section, so an empty section equals ``DialysisParams()``. Solver limits (time limit,
seed, workers) are not here: they come from the scenario's ``solver:`` section
(:class:`optimizer.solvers.params.SolverParams`); the foot-passenger boarding buffer comes from the
``ferries:`` section (``Network.boarding_buffer_s["foot"]``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator

from optimizer.io.coords import WGS84_NAME, CoordSystem
from optimizer.params import ClockS, Minutes, params

__all__ = ["DialysisParams", "ExtraVehicle", "parse_yes_no"]

_YES = frozenset({"yes", "y", "true", "1", "是"})
_NO = frozenset({"no", "n", "false", "0", "否", ""})


def parse_yes_no(value: Any) -> bool:
    """``yes/y/true/1/是`` → True, ``no/n/false/0/否`` or empty → False (case-blind).

    Raises
    ------
    ValueError
        For any other value.
    """
    if isinstance(value, bool):
        return value
    s = str(value).strip().lower()
    if s in _YES:
        return True
    if s in _NO:
        return False
    raise ValueError(f"{value!r} is not yes/no")


def _serves(value: Any) -> Any:
    """``"all"``/``"*"``/empty/None → None (every island); ``"A;B"`` → ``("A", "B")``."""
    if value is None:
        return None
    if isinstance(value, str):
        if value.strip().lower() in ("all", "*", ""):
            return None
        return tuple(s.strip() for s in value.split(";") if s.strip())
    return tuple(str(s).strip() for s in value)


YesNo = Annotated[bool, BeforeValidator(parse_yes_no)]
"""A yes/no flag written as in the CSV files (``yes``, ``no``, ``是``, ``true`` …)."""


def _text(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(_text)]
"""Text that YAML may have read as a number (phones, village codes, ids)."""


@params
class ExtraVehicle:
    """A vehicle added by the scenario to the fleet of ``vehicles.csv`` (same columns).

    Parameters
    ----------
    vehicle_id
        Unique id (must not repeat a ``vehicles.csv`` id).
    lon, lat
        Base position, EPSG:4326 degrees.
    seats
        Seats for walking patients and escorts (>= 0).
    shift_start, shift_end
        Driver shift, ``"HH:MM"`` (held as seconds after midnight).
    driver, phone
        Driver name and phone (personal data: dispatcher sheets only).
    island_id
        Base island as declared (informative; the base point decides).
    wheelchair_places
        Wheelchair places (>= 0); seats + wheelchair places must be >= 1.
    serves_islands
        ``"all"`` (default: every island) or the island ids the vehicle may drive on besides its
        base island, ``"ISL001;ISL003"`` or a list.
    may_board_car_ferry
        Whether the vehicle may ride car ferries (``yes``/``no``): it may then serve a crossing
        trip as one through ride on a car sailing
        (:mod:`optimizer.services.dialysis.car_ferry`).
    base_village_code
        Village of the base (published maps show the base at the village point).
    """

    vehicle_id: Annotated[Text, Field(min_length=1)]
    lon: Annotated[float, Field(allow_inf_nan=False)]
    lat: Annotated[float, Field(allow_inf_nan=False)]
    seats: Annotated[int, Field(ge=0)]
    shift_start: ClockS
    shift_end: ClockS
    driver: Text = ""
    phone: Text = ""
    island_id: Text = ""
    wheelchair_places: int = Field(default=0, ge=0)
    serves_islands: Annotated[tuple[str, ...] | None, BeforeValidator(_serves)] = None
    may_board_car_ferry: YesNo = False
    base_village_code: Text = ""


@params
class DialysisParams:
    """Service rules of the dialysis rides (义载接送) that a planner sets.

    Parameters
    ----------
    enabled
        Plan the dialysis rides in a scenario run.
    patients, units, vehicles
        Data files (CSV/XLSX); ``None`` = the dataset's ``synthetic/dialysis_patients.csv``,
        ``synthetic/dialysis_units.csv``, ``synthetic/vehicles.csv``.
    active_units
        Unit ids open in the scenario; ``None`` = the units whose ``active_default`` is true.
    extra_vehicles
        Vehicles added to the fleet (:class:`ExtraVehicle`; a misspelt key is refused).
    villages
        Village points (``village_code``, ``lon``, ``lat``, EPSG:4326) where the published route
        map shows homes and vehicle bases instead of their exact points; ``None`` = the dataset's
        ``synthetic/elderly.csv``.
    coord_system
        Coordinate system of the files this section names (``patients``, ``units``,
        ``vehicles``, ``villages``) and of ``extra_vehicles``: ``"WGS-84"`` (default),
        ``"GCJ-02"`` (Amap/高德) or ``"BD-09"`` (Baidu); converted to WGS-84 on read
        (:mod:`optimizer.io.coords`). A ``coord_system`` column in a file overrides it row by
        row; the dataset's own files are WGS-84.
    arrive_early_min
        ``(earliest, latest)`` minutes before the session start the patient arrives at the unit:
        the drop-off window is ``[start - latest, start - earliest]``; never late. Default
        (15, 45), a project choice (the scenario section's default since the first release).
    return_pickup_within_min
        Minutes after the session end within which the return pickup happens (default 30).
    max_ride_time_min
        Maximum ride time of one vehicle leg, minutes (default 120).
    max_ride_factor
        Maximum ride time of one leg relative to its direct time (default 2.5; >= 1).
    service_walking_min, service_wheelchair_min
        Boarding / alighting time per stop, minutes (defaults 2 and 6, project
        assumptions).
    fleet_sizing
        Also answer "how many vehicles, of which type and where, would serve every servable
        trip?" (:mod:`optimizer.services.dialysis.fleet`; ``dialysis/fleet_sizing.csv`` and
        ``fleet_sizing`` in the summary). Default off: it costs a second solve.
    fleet_sizing_time_factor
        Search budget of the fleet-sizing pool solve as a multiple of ``solver.time_limit_s``
        (default 1: as long as the day plan; work-limited like it when ``solver.stop: work``).
    fleet_sizing_step_factor
        Search budget of each re-solve along the curve (one per vehicle added), as a multiple
        of ``solver.time_limit_s`` (default 0.1; 0 = the curve from the pool plan alone).
    car_ferry_deck_places
        Our vehicles one car-ferry sailing takes (deck space kept for the ride service),
        counting vehicles crossing empty; 0 = no through rides on car ferries
        (:mod:`optimizer.services.dialysis.car_ferry`). Default 2: an assumption (no operator
        figure; the car ferries of the Zhoushan routes carry a few dozen cars, most booked by
        the public), to be confirmed with the ferry company.
    """

    enabled: bool = True
    patients: Path | None = None
    units: Path | None = None
    vehicles: Path | None = None
    active_units: tuple[str, ...] | None = None
    extra_vehicles: tuple[ExtraVehicle, ...] = ()
    villages: Path | None = None
    coord_system: CoordSystem = WGS84_NAME
    arrive_early_min: tuple[Minutes, Minutes] = (15.0, 45.0)
    return_pickup_within_min: Minutes = 30.0
    max_ride_time_min: float = Field(default=120.0, gt=0, allow_inf_nan=False)
    max_ride_factor: float = Field(default=2.5, ge=1.0, allow_inf_nan=False)
    service_walking_min: Minutes = 2.0
    service_wheelchair_min: Minutes = 6.0
    fleet_sizing: bool = False
    fleet_sizing_time_factor: float = Field(default=1.0, gt=0, le=20, allow_inf_nan=False)
    fleet_sizing_step_factor: float = Field(default=0.1, ge=0, le=5, allow_inf_nan=False)
    car_ferry_deck_places: int = Field(default=2, ge=0, le=50)

    def file_coord_system(self, role: str) -> str:
        """Coordinate system of the file ``role`` (``"patients"``, ``"units"``,
        ``"vehicles"``, ``"villages"``): ``coord_system`` when this section names the file,
        WGS-84 for the dataset's default."""
        return self.coord_system if getattr(self, role) is not None else WGS84_NAME

    @field_validator("arrive_early_min")
    @classmethod
    def _ordered(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not v[0] <= v[1]:
            raise ValueError("expected [earliest, latest] minutes with earliest <= latest, got "
                             f"{list(v)}")
        return v
