"""Parameters of the network (scenario sections ``network:`` and ``ferries:``), defined once.

Defaults and their sources: speeds in :mod:`optimizer.network.speeds`, proxy spacing in
:mod:`optimizer.network.land_proxy`, boarding buffers in :mod:`optimizer.network.ferries`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from optimizer.network.ferries import FOOT_BOARDING_BUFFER_S, VEHICLE_BOARDING_BUFFER_S
from optimizer.params import params

__all__ = ["FerryParams", "FixedLink", "NetworkParams", "SpeedsKph"]


@params
class SpeedsKph:
    """Travel speeds per land mode, km/h; ``None`` = the default of
    :class:`optimizer.network.speeds.ProxySpeeds` (sources there)."""

    car: float | None = Field(default=None, gt=0, le=130)
    ebike: float | None = Field(default=None, gt=0, le=25)
    walk: float | None = Field(default=None, gt=0, le=7)


@params
class FixedLink:
    """A fixed road link added by the scenario (e.g. a bridge opening): WGS-84 (lon, lat) ends.

    Each end is placed on its own island; the link is timed like the sourced bridges
    (:class:`optimizer.network.speeds.ProxySpeeds` ``bridge_car_kph``).
    """

    name: str
    from_lonlat: tuple[float, float]
    to_lonlat: tuple[float, float]


@params
class NetworkParams:
    """Roads: the approximate land proxy (default) or a real OSM extract.

    Parameters
    ----------
    road_source
        ``"land_proxy"`` (built from the coastlines, labelled approximate) or ``"osm"``.
    osm_path
        OSM extract (PBF or XML) when ``road_source`` is ``"osm"``.
    spacing_m
        Land-proxy grid spacing in metres (``None`` = ``DEFAULT_SPACING_M`` of
        :mod:`optimizer.network.land_proxy`).
    circuity
        Network length / straight-line length of the proxy (``None`` = ``DEFAULT_CIRCUITY`` of
        :mod:`optimizer.network.speeds`).
    speeds_kph
        Speeds per mode, km/h.
    fixed_links
        What-if road links (bridges) added to the proxy.
    """

    road_source: Literal["land_proxy", "osm"] = "land_proxy"
    osm_path: Path | None = None
    spacing_m: float | None = Field(default=None, gt=20, le=5000)
    circuity: float | None = Field(default=None, ge=1.0, le=3.0)
    speeds_kph: SpeedsKph = SpeedsKph()
    fixed_links: tuple[FixedLink, ...] = ()


@params
class FerryParams:
    """The GTFS ferry feed and the rules for using it.

    Parameters
    ----------
    gtfs
        GTFS folder or zip (``None`` = the dataset's ``ferries/gtfs``).
    suspended_routes
        GTFS ``route_id`` values suspended in the scenario (e.g. a typhoon).
    boarding_buffer_foot_min
        Minutes a foot passenger must be at the pier before departure (default 15, an assumption
        documented at :data:`optimizer.network.ferries.FOOT_BOARDING_BUFFER_S`).
    boarding_buffer_vehicle_min
        Minutes a vehicle must be at the pier before a car ferry departs (default 30,
        :data:`optimizer.network.ferries.VEHICLE_BOARDING_BUFFER_S`).
    """

    gtfs: Path | None = None
    suspended_routes: tuple[str, ...] = ()
    boarding_buffer_foot_min: float = Field(default=FOOT_BOARDING_BUFFER_S / 60, ge=0, le=180)
    boarding_buffer_vehicle_min: float = Field(default=VEHICLE_BOARDING_BUFFER_S / 60, ge=0,
                                               le=240)

    @property
    def boarding_buffer_s(self) -> dict[str, float]:
        """``{"foot": s, "vehicle": s}`` in seconds."""
        return {"foot": self.boarding_buffer_foot_min * 60.0,
                "vehicle": self.boarding_buffer_vehicle_min * 60.0}
