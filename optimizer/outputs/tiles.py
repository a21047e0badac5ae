"""Base tiles that work in China, and the WGS84 ↔ GCJ-02 shift some of them need.

Four choices (``TILE_NAMES``):

``"osm"``
    OpenStreetMap standard tiles, Web Mercator over WGS84 (EPSG:3857/4326): our data draws as is.
``"tianditu"``
    天地图 (the national platform of the Ministry of Natural Resources): vector map ``vec_w`` plus
    its Chinese annotation layer ``cva_w``, Web Mercator over CGCS2000, which agrees with WGS84 to
    well under a metre — no shift. Needs a key (``tk``): parameter ``token`` or environment variable
    ``TIANDITU_TOKEN``; without one :func:`resolve_tiles` warns and falls back to ``"osm"``.
``"amap"``
    高德 (AutoNavi) road tiles, drawn in GCJ-02 (the obfuscated datum required for maps published in
    mainland China). WGS84 data must be shifted with :func:`wgs84_to_gcj02` before drawing, or it
    lands 300–600 m off (about 0.0045° east and 0.002° south around Zhoushan).
``"offline"``
    No tile layer at all (and, with ``save_map(..., offline=True)``, no network at all).

The GCJ-02 transform is the published formula (the leaked "China map shift" code, as implemented and
tested by the MIT-licensed eviltransform project, github.com/googollee/eviltransform, and by prcoords,
github.com/Artoria2e5/PRCoords), re-implemented here vectorised over numpy arrays. It uses the
Krasovsky 1940 ellipsoid (semi-major axis 6 378 245 m, eccentricity² 0.006 693 421 622 965 943 23)
and applies only inside the rough China bounding box those projects use (lon 72.004–137.8347°E,
lat 0.8293–55.8271°N); outside it no shift is applied. Inside that box but outside mainland China
(e.g. parts of Mongolia, Korea, Japan's Ryukyu islands) the shift is applied too — the same
limitation as every implementation of this formula; Putuo (122.3°E, 30.0°N) is far inside.

Examples
--------
>>> lon, lat = wgs84_to_gcj02(121.5272106, 31.1774276)   # eviltransform's Shanghai test point
>>> round(float(lon), 6), round(float(lat), 6)
(121.531542, 31.175304)
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

import numpy as np

from optimizer.errors import InputError

__all__ = [
    "TILE_NAMES",
    "TileLayerSpec",
    "TileSource",
    "gcj02_to_wgs84",
    "in_china_bbox",
    "needs_gcj02",
    "resolve_tiles",
    "to_display_crs",
    "wgs84_to_gcj02",
]

TILE_NAMES = ("osm", "tianditu", "amap", "offline")
"""Valid base-tile names."""

TIANDITU_TOKEN_ENV = "TIANDITU_TOKEN"
"""Environment variable read for the 天地图 key when no ``token`` is passed."""

# Krasovsky 1940 ellipsoid as used by the GCJ-02 formula (source: module docstring).
_GCJ_A_M = 6378245.0
_GCJ_EE = 0.00669342162296594323
# Rough China bounding box of eviltransform/prcoords (degrees).
_CHINA_LON_MIN, _CHINA_LON_MAX = 72.004, 137.8347
_CHINA_LAT_MIN, _CHINA_LAT_MAX = 0.8293, 55.8271


# --------------------------------------------------------------------------------------------
# GCJ-02
# --------------------------------------------------------------------------------------------
def in_china_bbox(lon: float | np.ndarray, lat: float | np.ndarray) -> np.ndarray:
    """Whether points fall in the rough China bounding box where GCJ-02 applies.

    Parameters
    ----------
    lon, lat
        Longitude and latitude in degrees (EPSG:4326 or GCJ-02), scalars or arrays of one shape.

    Returns
    -------
    numpy.ndarray of bool
        Shape of the broadcast inputs (0-d for scalars).
    """
    lon_a = np.asarray(lon, dtype=float)
    lat_a = np.asarray(lat, dtype=float)
    return (
        (lon_a >= _CHINA_LON_MIN)
        & (lon_a <= _CHINA_LON_MAX)
        & (lat_a >= _CHINA_LAT_MIN)
        & (lat_a <= _CHINA_LAT_MAX)
    )


def _gcj_delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 offset (dlon, dlat) in degrees at WGS84 (lon, lat) degrees; no bounding-box test."""
    x = lon - 105.0
    y = lat - 35.0
    abs_x_sqrt = np.sqrt(np.abs(x))
    xp = x * np.pi
    yp = y * np.pi
    common = (20.0 * np.sin(6.0 * xp) + 20.0 * np.sin(2.0 * xp)) * 2.0 / 3.0
    dlat = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * abs_x_sqrt
        + common
        + (20.0 * np.sin(yp) + 40.0 * np.sin(yp / 3.0)) * 2.0 / 3.0
        + (160.0 * np.sin(yp / 12.0) + 320.0 * np.sin(yp / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * abs_x_sqrt
        + common
        + (20.0 * np.sin(xp) + 40.0 * np.sin(xp / 3.0)) * 2.0 / 3.0
        + (150.0 * np.sin(xp / 12.0) + 300.0 * np.sin(xp / 30.0)) * 2.0 / 3.0
    )
    rad_lat = np.radians(lat)
    magic = 1.0 - _GCJ_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A_M * (1.0 - _GCJ_EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_GCJ_A_M / sqrt_magic * np.cos(rad_lat) * np.pi)
    return dlon, dlat


def _as_float_arrays(lon: float | np.ndarray, lat: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon_a = np.asarray(lon, dtype=float)
    lat_a = np.asarray(lat, dtype=float)
    try:
        lon_a, lat_a = np.broadcast_arrays(lon_a, lat_a)
    except ValueError as exc:
        raise InputError(
            f"lon and lat must have one shape; got {lon_a.shape} and {lat_a.shape}", field="lon/lat"
        ) from exc
    return lon_a, lat_a


def wgs84_to_gcj02(
    lon: float | np.ndarray, lat: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Shift WGS84 (EPSG:4326) coordinates to GCJ-02 ("Mars coordinates" of AMap, Tencent, …).

    Parameters
    ----------
    lon, lat
        WGS84 longitude and latitude in degrees; scalars or arrays of one shape. NaN stays NaN.

    Returns
    -------
    (lon, lat) : tuple of numpy.ndarray
        GCJ-02 longitude and latitude in degrees, same shape as the inputs (0-d for scalars).
        Points outside the China bounding box (see :func:`in_china_bbox`) are returned unchanged.

    Raises
    ------
    InputError
        If ``lon`` and ``lat`` cannot be broadcast to one shape.

    Notes
    -----
    Formula and constants: see the module docstring. The shift is 300–600 m in eastern China.
    """
    lon_a, lat_a = _as_float_arrays(lon, lat)
    dlon, dlat = _gcj_delta(lon_a, lat_a)
    inside = in_china_bbox(lon_a, lat_a)
    return np.where(inside, lon_a + dlon, lon_a), np.where(inside, lat_a + dlat, lat_a)


def gcj02_to_wgs84(
    lon: float | np.ndarray,
    lat: float | np.ndarray,
    *,
    tol_deg: float = 1e-10,
    max_iter: int = 30,
) -> tuple[np.ndarray, np.ndarray]:
    """Invert :func:`wgs84_to_gcj02` numerically (fixed-point iteration, vectorised).

    The forward shift has no closed-form inverse. Starting from ``w = g``, the iteration
    ``w ← w − (wgs84_to_gcj02(w) − g)`` contracts because the offset varies slowly (its gradient is
    of order 1e-4), so it reaches ``tol_deg`` in 3–4 steps.

    Parameters
    ----------
    lon, lat
        GCJ-02 longitude and latitude in degrees; scalars or arrays of one shape.
    tol_deg
        Stop when every point's forward image is within this many degrees of the input.
    max_iter
        Upper bound on iterations.

    Returns
    -------
    (lon, lat) : tuple of numpy.ndarray
        WGS84 (EPSG:4326) longitude and latitude in degrees, same shape as the inputs. Points outside
        the China bounding box are returned unchanged.

    Raises
    ------
    InputError
        If the shapes differ or ``tol_deg``/``max_iter`` are not positive.
    """
    if not tol_deg > 0 or max_iter < 1:
        raise InputError(
            f"tol_deg must be > 0 and max_iter >= 1; got {tol_deg!r}, {max_iter!r}", field="tol_deg"
        )
    g_lon, g_lat = _as_float_arrays(lon, lat)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(max_iter):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = f_lon - g_lon, f_lat - g_lat
        w_lon = w_lon - e_lon
        w_lat = w_lat - e_lat
        err = np.nanmax(np.abs(np.concatenate([e_lon.ravel(), e_lat.ravel()])), initial=0.0)
        if err < tol_deg:
            break
    inside = in_china_bbox(g_lon, g_lat)
    return np.where(inside, w_lon, g_lon), np.where(inside, w_lat, g_lat)


# --------------------------------------------------------------------------------------------
# Tile sources
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TileLayerSpec:
    """One raster tile layer (an XYZ URL template for ``folium.TileLayer``).

    Parameters
    ----------
    url
        URL template with ``{x}``, ``{y}``, ``{z}`` and optionally ``{s}``.
    attribution
        Attribution HTML required by the provider's terms.
    name
        Bilingual name shown in the layer control.
    subdomains
        Values substituted for ``{s}``.
    max_zoom
        Highest zoom level served.
    overlay
        True for an annotation layer drawn over a base layer.
    """

    url: str
    attribution: str
    name: str
    subdomains: str = "abc"
    max_zoom: int = 18
    overlay: bool = False

    def __post_init__(self) -> None:
        for key in ("{x}", "{y}", "{z}"):
            if key not in self.url:
                raise InputError(f"tile URL lacks {key}: {self.url!r}", field="url")
        if not self.attribution:
            raise InputError("tile layers need an attribution", field="attribution")


@dataclass(frozen=True)
class TileSource:
    """A resolved base-tile choice: which layers to draw and which datum they use.

    Parameters
    ----------
    name
        Effective name, one of ``TILE_NAMES`` (after any fallback).
    requested
        The name asked for (differs from ``name`` after a fallback).
    layers
        Tile layers to add, base first; empty for ``"offline"``.
    datum
        ``"WGS84"`` or ``"GCJ-02"``: the datum the tiles are drawn in.
    """

    name: str
    requested: str
    layers: tuple[TileLayerSpec, ...]
    datum: str

    def __post_init__(self) -> None:
        if self.name not in TILE_NAMES:
            raise InputError(f"unknown tiles {self.name!r}; expected one of {TILE_NAMES}", field="tiles")
        if self.datum not in ("WGS84", "GCJ-02"):
            raise InputError(f"unknown datum {self.datum!r}", field="datum")

    @property
    def needs_gcj02(self) -> bool:
        """True when WGS84 data must be shifted to GCJ-02 before drawing on these tiles."""
        return self.datum == "GCJ-02"


_OSM = TileLayerSpec(
    url="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    attribution='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> 贡献者 contributors',
    name="OpenStreetMap 开放街图",
    subdomains="abc",
    max_zoom=19,
)


def _tianditu_layers(token: str) -> tuple[TileLayerSpec, ...]:
    # WMTS GetTile in the Web-Mercator matrix set "w" (天地图 API documentation, lbs.tianditu.gov.cn).
    def url(layer: str) -> str:
        return (
            f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
            f"&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
            f"&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={token}"
        )

    att = '&copy; <a href="https://www.tianditu.gov.cn/">天地图 Tianditu</a>'
    return (
        TileLayerSpec(url=url("vec"), attribution=att, name="天地图 矢量 Tianditu vector",
                      subdomains="01234567", max_zoom=18),
        TileLayerSpec(url=url("cva"), attribution=att, name="天地图 注记 Tianditu labels",
                      subdomains="01234567", max_zoom=18, overlay=True),
    )


_AMAP = TileLayerSpec(
    url="https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
    attribution='&copy; <a href="https://www.amap.com/">高德地图 AutoNavi</a> (GCJ-02)',
    name="高德地图 AMap",
    subdomains="1234",
    max_zoom=18,
)


def resolve_tiles(tiles: str, *, token: str | None = None) -> TileSource:
    """Resolve a base-tile name to its layers and datum (with the 天地图 token fallback).

    Parameters
    ----------
    tiles
        One of ``TILE_NAMES``: ``"osm"``, ``"tianditu"``, ``"amap"``, ``"offline"`` (case-insensitive).
    token
        天地图 key; if None, the environment variable ``TIANDITU_TOKEN`` is read. Ignored for other tiles.

    Returns
    -------
    TileSource
        ``name`` is ``"osm"`` when ``"tianditu"`` was asked without a token.

    Raises
    ------
    InputError
        If ``tiles`` is not a known name.

    Warns
    -----
    UserWarning
        When 天地图 is asked for without a token and OpenStreetMap is used instead.
    """
    key = str(tiles).strip().lower()
    if key not in TILE_NAMES:
        raise InputError(f"unknown tiles {tiles!r}; expected one of {TILE_NAMES}", field="tiles")
    if key == "osm":
        return TileSource("osm", key, (_OSM,), "WGS84")
    if key == "amap":
        return TileSource("amap", key, (_AMAP,), "GCJ-02")
    if key == "offline":
        return TileSource("offline", key, (), "WGS84")
    tk = token if token else os.environ.get(TIANDITU_TOKEN_ENV, "").strip()
    if not tk:
        warnings.warn(
            f"tiles='tianditu' needs a 天地图 key: pass token=... or set {TIANDITU_TOKEN_ENV}; "
            "using OpenStreetMap tiles (WGS84, no shift) instead",
            UserWarning,
            stacklevel=2,
        )
        return TileSource("osm", key, (_OSM,), "WGS84")
    return TileSource("tianditu", key, _tianditu_layers(tk), "WGS84")


def needs_gcj02(tiles: str | TileSource) -> bool:
    """Whether WGS84 data must be shifted to GCJ-02 to line up with these tiles.

    Parameters
    ----------
    tiles
        A name from ``TILE_NAMES`` or a :class:`TileSource`.

    Returns
    -------
    bool
        True only for ``"amap"``.

    Raises
    ------
    InputError
        If the name is unknown.
    """
    if isinstance(tiles, TileSource):
        return tiles.needs_gcj02
    key = str(tiles).strip().lower()
    if key not in TILE_NAMES:
        raise InputError(f"unknown tiles {tiles!r}; expected one of {TILE_NAMES}", field="tiles")
    return key == "amap"


def to_display_crs(
    lon: float | np.ndarray, lat: float | np.ndarray, tiles: str | TileSource
) -> tuple[np.ndarray, np.ndarray]:
    """Convert WGS84 (EPSG:4326) coordinates to the datum the chosen tiles are drawn in.

    Parameters
    ----------
    lon, lat
        WGS84 longitude and latitude in degrees; scalars or arrays of one shape.
    tiles
        A name from ``TILE_NAMES`` or a :class:`TileSource`.

    Returns
    -------
    (lon, lat) : tuple of numpy.ndarray
        GCJ-02 degrees for ``"amap"`` (inside the China box), otherwise the input unchanged (as float
        arrays).

    Raises
    ------
    InputError
        If the tiles name is unknown or the shapes differ.
    """
    if needs_gcj02(tiles):
        return wgs84_to_gcj02(lon, lat)
    return _as_float_arrays(lon, lat)
