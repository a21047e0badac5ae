"""Parameters of the connectivity report (scenario section ``connectivity:``), defined once."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from optimizer.io.coords import WGS84_NAME, CoordSystem
from optimizer.params import ClockS, clock_s, params

__all__ = ["ConnectivityParams"]


@params
class ConnectivityParams:
    """What the island-links report computes.

    Parameters
    ----------
    enabled
        Write the report (``network/`` tables, ``maps/network.html``).
    reachability_depart
        Clock time of the earliest-arrival check from 沈家门 to every island (default 08:00, a
        working morning).
    journeys_depart
        Clock time the journeys from each island to the dialysis unit leave (default 06:30, a
        typical first pickup of the dialysis rides).
    isochrone_minutes
        Isochrone thresholds in minutes around the dialysis unit (car and ferry, leaving at
        ``reachability_depart``).
    units
        Dialysis units file; ``None`` = the scenario's ``dialysis.units`` (the scenario schema
        links the two), else the dataset's ``synthetic/dialysis_units.csv``. The report's
        destination is ``destination_unit`` or the first active unit.
    coord_system
        Coordinate system of ``units`` (WGS-84, GCJ-02 or BD-09, as ``dialysis.coord_system``);
        when ``units`` follows ``dialysis.units`` the schema links this to
        ``dialysis.coord_system`` too, so both steps place the unit at the same point. A
        ``coord_system`` column in the file overrides it row by row.
    destination_unit
        Unit id the journeys and isochrones go to / start from (``None`` = first active unit).
    """

    enabled: bool = True
    reachability_depart: ClockS = clock_s("08:00")
    journeys_depart: ClockS = clock_s("06:30")
    isochrone_minutes: tuple[int, ...] = Field(default=(30, 60, 90, 120), min_length=1)
    units: Path | None = None
    coord_system: CoordSystem = WGS84_NAME
    destination_unit: str | None = None
