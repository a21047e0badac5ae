"""Chinese map coordinate systems (GCJ-02, BD-09) and the projected CRS for a place.

Chinese map apps and their exports give coordinates in one of three systems:

``WGS-84``  GPS, OpenStreetMap, this tool's inputs and outputs (EPSG:4326).
``GCJ-02``  the "China offset" (国测局坐标, "Mars coordinates") of Amap/高德, Tencent and
            Google Maps in China: WGS-84 moved by a smooth, non-linear offset of about 300–700 m.
``BD-09``   Baidu Maps (百度): GCJ-02 with a further rotation and shift (about 1 km more).

The GCJ-02 forward transform is the published formula (Krasovsky ellipsoid a = 6378245 m,
e² = 0.00669342162296594323, and the two trigonometric offset series), as in the public-domain
implementations ``eviltransform`` (github.com/googollee/eviltransform) and ``prcoords``
(github.com/Artoria2e5/PRCoords); BD-09 is the forward formula of the same sources
(x_pi = π·3000/180, the 0.00002/0.000003 terms, shift 0.0065/0.006). No closed-form inverse
exists: :func:`gcj02_to_wgs84` and :func:`bd09_to_gcj02` invert by fixed-point iteration on the
forward transform until the residual is below 1e-9 degrees (~0.1 mm), far inside 0.5 m.
:func:`from_system` (what the readers use) then rounds to :data:`CONVERTED_DECIMALS` (6)
decimals, so that data converted back is the same float as the WGS-84 original.

The transforms are defined only inside China (Chinese maps show WGS-84 elsewhere):
:func:`in_china` is the customary rough box of those sources (72.004–137.8347 E,
0.8293–55.8271 N); callers refuse GCJ-02/BD-09 points outside it rather than pass them through.

:func:`utm_crs` picks the UTM zone (EPSG:326xx north, 327xx south) for metres near a place.

All functions are vectorised: ``lon``/``lat`` are degrees, scalars or numpy arrays of one shape.

Examples
--------
>>> lon, lat = wgs84_to_gcj02(121.5272106, 31.1774276)   # Shanghai, eviltransform's test point
>>> round(float(lon), 9), round(float(lat), 9)
(121.531541859, 31.175303984)
>>> utm_crs(122.3, 29.95), utm_crs(-70.6, -33.4)
('EPSG:32651', 'EPSG:32719')
"""

from __future__ import annotations

import math
import re
from typing import Annotated

import numpy as np
from pydantic import BeforeValidator

__all__ = ["COORD_SYSTEMS", "CONVERTED_DECIMALS", "CoordSystem", "WGS84_NAME", "GCJ02_NAME", "BD09_NAME", "bd09_to_gcj02",
           "bd09_to_wgs84", "coord_system_name", "from_system", "gcj02_to_bd09",
           "gcj02_to_wgs84", "in_china", "to_system", "utm_crs", "wgs84_to_bd09",
           "wgs84_to_gcj02"]

WGS84_NAME, GCJ02_NAME, BD09_NAME = "WGS-84", "GCJ-02", "BD-09"
COORD_SYSTEMS = (WGS84_NAME, GCJ02_NAME, BD09_NAME)
"""The coordinate systems a point file may use (canonical spelling)."""

_A = 6378245.0
"""Semi-major axis of the Krasovsky 1940 ellipsoid (m), as in the published GCJ-02 formula."""
_EE = 0.00669342162296594323
"""First eccentricity squared of the Krasovsky 1940 ellipsoid, as in the published formula."""
_X_PI = math.pi * 3000.0 / 180.0
"""BD-09's rotation frequency constant (published formula)."""

CHINA_BOX = (72.004, 0.8293, 137.8347, 55.8271)
"""(min_lon, min_lat, max_lon, max_lat): the rough box inside which GCJ-02 applies, as used by
eviltransform and prcoords (``outOfChina``)."""

CONVERTED_DECIMALS = 6
"""Decimals of degrees kept after converting GCJ-02/BD-09 to WGS-84 (1e-6° ≈ 0.11 m north-south,
≈ 0.1 m east-west at Putuo's 30° N): far below the ~0.5 m accuracy of the published formula, and
it removes the ~1e-7° iteration noise of the inverse, so that a WGS-84 point written with at most
6 decimals, converted to GCJ-02 (kept with 8 or more decimals) and back, is the same float as
the original. Without it a plan from GCJ-02 input could differ from the same data in WGS-84
(ties between equally near stops are broken by coordinates)."""

_ITER_TOL_DEG = 1e-9
_ITER_MAX = 30


def _arr(v):
    return np.asarray(v, dtype=float)


def in_china(lon, lat) -> np.ndarray:
    """Whether points lie inside :data:`CHINA_BOX` (degrees; boolean array, NaN → False)."""
    lon, lat = _arr(lon), _arr(lat)
    x0, y0, x1, y1 = CHINA_BOX
    return (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)


def _offset(lon, lat):
    """The GCJ-02 offset (dlon, dlat) in degrees at WGS-84 (lon, lat) (published formula)."""
    x, y = lon - 105.0, lat - 35.0
    s6x, s2x = np.sin(6.0 * x * np.pi), np.sin(2.0 * x * np.pi)
    common = (20.0 * s6x + 20.0 * s2x) * 2.0 / 3.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + common
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + common
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sq = np.sqrt(magic)
    dlat = dlat * 180.0 / ((_A * (1.0 - _EE)) / (magic * sq) * np.pi)
    dlon = dlon * 180.0 / (_A / sq * np.cos(rad) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 → GCJ-02 (degrees), the published forward formula; applied everywhere given
    (check :func:`in_china` first: outside China the offset has no meaning)."""
    lon, lat = _arr(lon), _arr(lat)
    dlon, dlat = _offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → BD-09 (degrees), the published forward formula."""
    x, y = _arr(lon), _arr(lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _invert(forward, lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``forward(x, y) == (lon, lat)`` by fixed-point iteration (Jacobian ≈ identity)."""
    tlon, tlat = _arr(lon), _arr(lat)
    x, y = tlon.copy(), tlat.copy()
    for _ in range(_ITER_MAX):
        fx, fy = forward(x, y)
        ex, ey = fx - tlon, fy - tlat
        x, y = x - ex, y - ey
        err = np.nanmax(np.abs(np.concatenate([np.ravel(ex), np.ravel(ey)])), initial=0.0)
        if err < _ITER_TOL_DEG:
            break
    return x, y


def gcj02_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → WGS-84 (degrees): exact inverse of :func:`wgs84_to_gcj02` by iteration
    (residual < 1e-9°, about 0.1 mm)."""
    return _invert(wgs84_to_gcj02, lon, lat)


def bd09_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → GCJ-02 (degrees): exact inverse of :func:`gcj02_to_bd09` by iteration."""
    return _invert(gcj02_to_bd09, lon, lat)


def wgs84_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 → BD-09 (degrees)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → WGS-84 (degrees)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_ALIASES = {"wgs84": WGS84_NAME, "epsg4326": WGS84_NAME, "4326": WGS84_NAME,
            "gcj02": GCJ02_NAME, "gcj": GCJ02_NAME, "amap": GCJ02_NAME, "mars": GCJ02_NAME,
            "bd09": BD09_NAME, "bd09ll": BD09_NAME, "baidu": BD09_NAME}


def coord_system_name(value: object) -> str | None:
    """The canonical name (:data:`COORD_SYSTEMS`) of a spelling such as ``gcj02``, ``GCJ-02``,
    ``wgs84``, ``WGS 84``, ``BD09``, ``EPSG:4326``; ``None`` if not recognised.

    >>> coord_system_name("gcj02"), coord_system_name(" WGS 84 "), coord_system_name("utm")
    ('GCJ-02', 'WGS-84', None)
    """
    key = re.sub(r"[\s\-_:.]", "", str(value)).lower()
    return _ALIASES.get(key)


def from_system(lon, lat, system: str) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates in ``system`` (a :data:`COORD_SYSTEMS` name) → WGS-84 degrees; converted
    values are rounded to :data:`CONVERTED_DECIMALS` decimals (why: see there), WGS-84 input is
    returned unchanged."""
    if system == GCJ02_NAME:
        return _rounded(*gcj02_to_wgs84(lon, lat))
    if system == BD09_NAME:
        return _rounded(*bd09_to_wgs84(lon, lat))
    if system == WGS84_NAME:
        return _arr(lon).copy(), _arr(lat).copy()
    raise ValueError(f"unknown coordinate system {system!r}; expected one of {COORD_SYSTEMS}")


def _rounded(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    return np.round(lon, CONVERTED_DECIMALS), np.round(lat, CONVERTED_DECIMALS)


def to_system(lon, lat, system: str) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 degrees → coordinates in ``system`` (a :data:`COORD_SYSTEMS` name)."""
    if system == GCJ02_NAME:
        return wgs84_to_gcj02(lon, lat)
    if system == BD09_NAME:
        return wgs84_to_bd09(lon, lat)
    if system == WGS84_NAME:
        return _arr(lon).copy(), _arr(lat).copy()
    raise ValueError(f"unknown coordinate system {system!r}; expected one of {COORD_SYSTEMS}")


def utm_crs(lon, lat) -> str:
    """The UTM CRS (``"EPSG:326zz"`` north, ``"EPSG:327zz"`` south) of a place, for metres.

    Parameters
    ----------
    lon, lat
        Degrees (WGS-84); scalars or arrays (the zone of the mean of the finite values, i.e.
        of the study area's centre; the points of one study area share a zone in practice).

    Returns
    -------
    str
        E.g. ``"EPSG:32651"`` (WGS 84 / UTM zone 51N) for Putuo (122.3 E, 29.95 N). Zones are
        the standard 6° bands (zone = ⌊(lon + 180) / 6⌋ + 1); the Norway/Svalbard exceptions
        are not applied (metres are still accurate to ~0.1 % there).

    Raises
    ------
    ValueError
        If there is no finite coordinate, or it is outside −180..180 / −90..90.
    """
    lon_a, lat_a = _arr(lon).ravel(), _arr(lat).ravel()
    ok = np.isfinite(lon_a) & np.isfinite(lat_a)
    if not ok.any():
        raise ValueError("no finite coordinate to choose a UTM zone from")
    x, y = float(lon_a[ok].mean()), float(lat_a[ok].mean())
    if not (-180.0 <= x <= 180.0 and -90.0 <= y <= 90.0):
        raise ValueError(f"({x:g}, {y:g}) are not lon/lat degrees; cannot choose a UTM zone")
    zone = min(int((x + 180.0) // 6.0) + 1, 60)
    return f"EPSG:{32600 + zone if y >= 0 else 32700 + zone}"


def _validated_name(value: object) -> str:
    name = coord_system_name(value)
    if name is None:
        raise ValueError(f"unknown coordinate system {value!r}; expected one of "
                         f"{', '.join(COORD_SYSTEMS)} (spellings such as gcj02, wgs84, bd09 are "
                         f"accepted)")
    return name


CoordSystem = Annotated[str, BeforeValidator(_validated_name)]
"""A parameter field holding a :data:`COORD_SYSTEMS` name (spelling variants normalised; an
unknown value refused with the list)."""
