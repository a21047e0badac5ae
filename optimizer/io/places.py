"""Readers for the embedded Putuo places: islands, district boundary, towns, villages, hospitals, ports.

Each reader returns a :class:`geopandas.GeoDataFrame` in EPSG:4326 with standard column names
(``lon``/``lat`` in degrees, never the source names ``lon_wgs84``/``stop_lon``), validated through
:func:`optimizer.io.points.read_points` (point tables) or the checks here (polygons). Defaults read
``data/geo/putuo/``; pass ``path=`` to read another file with the same columns.

Examples
--------
>>> islands = read_islands()
>>> islands.set_index("island_id").loc["ISL002", "name_zh"]
'六横岛'
>>> len(read_villages()), len(read_towns())
(133, 9)
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from optimizer.datasets import get_path
from optimizer.errors import InputError, InputErrors
from optimizer.io.points import PUTUO_BBOX, read_points

ISLAND_COLUMNS = ("island_id", "name_zh", "name_en", "area_km2", "share_in_putuo_boundary",
                  "fixed_link_group", "rep_lon", "rep_lat", "geometry")
"""Columns of :func:`read_islands` (``area_km2`` in km², ``rep_lon/rep_lat`` a point inside)."""


def _p(path: str | Path | None, default: str) -> Path:
    return Path(path) if path is not None else get_path(default)


def read_islands(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Read the island polygons (GSHHG 2.3.7 full-resolution shoreline).

    Parameters
    ----------
    path
        GeoJSON file; default ``putuo/islands/putuo_islands_gshhg.geojson``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`ISLAND_COLUMNS`; one (multi)polygon per island, EPSG:4326. ``name_zh`` and
        ``name_en`` are ``""`` for unnamed islets; ``fixed_link_group`` is ``""`` unless the island
        is joined to others by a sourced bridge.

    Raises
    ------
    optimizer.errors.InputErrors
        On missing columns, empty/duplicate ``island_id``, non-polygon or invalid geometries, or a
        CRS other than EPSG:4326 (each names file, row and field).
    """
    p = _p(path, "putuo/islands/putuo_islands_gshhg.geojson")
    try:
        g = gpd.read_file(p)
    except Exception as exc:
        raise InputError(f"cannot read GeoJSON ({exc})", file=str(p)) from exc
    errs: list[InputError] = []
    missing = [c for c in ISLAND_COLUMNS if c not in g.columns]
    if missing:
        raise InputError(f"missing column(s) {missing}", file=str(p), field=missing[0])
    if g.crs is None or g.crs.to_epsg() != 4326:
        errs.append(InputError(f"CRS is {g.crs}; expected EPSG:4326 lon/lat", file=str(p)))
    seen: dict[str, int] = {}
    for i, (iid, geom) in enumerate(zip(g["island_id"], g.geometry), start=1):
        if not isinstance(iid, str) or not iid:
            errs.append(InputError("empty island_id", file=str(p), row=i, field="island_id"))
        elif iid in seen:
            errs.append(InputError(f"duplicate island_id {iid!r} (also in row {seen[iid]})",
                                   file=str(p), row=i, field="island_id"))
        else:
            seen[iid] = i
        if geom is None or geom.geom_type not in ("Polygon", "MultiPolygon"):
            errs.append(InputError(f"geometry is {getattr(geom, 'geom_type', None)}; expected a "
                                   f"polygon", file=str(p), row=i, field="geometry"))
        elif not geom.is_valid:
            errs.append(InputError("invalid polygon (self-intersection?); repair with "
                                   "shapely.make_valid", file=str(p), row=i, field="geometry"))
    if errs:
        raise InputErrors(errs)
    for c in ("name_zh", "name_en", "fixed_link_group", "share_in_putuo_boundary"):
        g[c] = g[c].fillna("").astype(str)
    g["area_km2"] = g["area_km2"].astype(float)
    return g[list(ISLAND_COLUMNS)].reset_index(drop=True)


def read_district_boundary(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Read the Putuo district boundary (Amap, converted GCJ-02 → WGS84).

    Parameters
    ----------
    path
        GeoJSON file; default ``putuo/boundaries/putuo_district.geojson``.

    Returns
    -------
    geopandas.GeoDataFrame
        One row (a multipolygon of 80 parts), EPSG:4326, columns ``adcode``, ``name``,
        ``geometry``.

    Raises
    ------
    optimizer.errors.InputError
        If the file cannot be read, has no rows, or is not in EPSG:4326.
    """
    p = _p(path, "putuo/boundaries/putuo_district.geojson")
    try:
        g = gpd.read_file(p)
    except Exception as exc:
        raise InputError(f"cannot read GeoJSON ({exc})", file=str(p)) from exc
    if len(g) == 0:
        raise InputError("no boundary feature", file=str(p))
    if g.crs is None or g.crs.to_epsg() != 4326:
        raise InputError(f"CRS is {g.crs}; expected EPSG:4326", file=str(p))
    cols = [c for c in ("adcode", "name") if c in g.columns]
    return g[[*cols, "geometry"]].reset_index(drop=True)


def read_towns(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Read the 9 town-level units (街道/镇) with their approximate reference points.

    Parameters
    ----------
    path
        CSV file; default ``putuo/places/towns.csv`` (NBS 2023 codes).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``town_code`` (text), ``name_zh``, ``type`` (街道/镇), ``lon``, ``lat``
        (EPSG:4326 degrees; an approximate reference point, **not** the office — see
        ``ref_point_note``), ``ref_point_note``, ``geometry``.

    Raises
    ------
    optimizer.errors.InputError
        As :func:`optimizer.io.points.read_points`.
    """
    p = _p(path, "putuo/places/towns.csv")
    g = read_points(p, id_col="town_code", lon_col="ref_lon_wgs84", lat_col="ref_lat_wgs84",
                    required=("name_zh", "type"), study_area=PUTUO_BBOX)
    g["ref_point_note"] = g.get("ref_point_note", "")
    return g[["town_code", "name_zh", "type", "lon", "lat", "ref_point_note", "geometry"]]


def read_villages(path: str | Path | None = None, *,
                  towns: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Read the 133 village-level units (居委会/村委会; NBS 2023), coordinates where sourced.

    Parameters
    ----------
    path
        CSV file; default ``putuo/places/villages_nbs2023.csv``.
    towns
        Town table (``town_code`` column) to cross-check ``town_code``; default
        :func:`read_towns`.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``village_code``, ``name_zh``, ``town_code``, ``town_name``, ``kind``
        (``"居委会(urban community)"``, ``"村委会(village)"`` or ``"other"``), ``lon``, ``lat``
        (EPSG:4326; NaN where no point is sourced), ``coord_note``, ``geometry`` (empty where no
        point is sourced).

    Raises
    ------
    optimizer.errors.InputErrors
        As :func:`optimizer.io.points.read_points`, plus a ``town_code`` not among the towns.
    """
    p = _p(path, "putuo/places/villages_nbs2023.csv")
    g = read_points(p, id_col="village_code", lon_col="lon_wgs84", lat_col="lat_wgs84",
                    required=("name_zh", "town_code", "town_name", "kind"),
                    study_area=PUTUO_BBOX, coords_optional=True)
    t = read_towns() if towns is None else towns
    known = set(t["town_code"].astype(str))
    errs = [InputError(f"town_code {c!r} is not one of the towns {sorted(known)}", file=str(p),
                       row=i, field="town_code")
            for i, c in enumerate(g["town_code"].astype(str), start=1) if c not in known]
    if errs:
        raise InputErrors(errs)
    if "coord_note" not in g.columns:
        g["coord_note"] = ""
    return g[["village_code", "name_zh", "town_code", "town_name", "kind", "lon", "lat",
              "coord_note", "geometry"]]


def read_hospitals(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Read the hospitals and health stations (every coordinate sourced; ``SOURCES.md``).

    Parameters
    ----------
    path
        CSV file; default ``putuo/facilities/hospitals.csv``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``facility_id``, ``name_zh``, ``town``, ``address``, ``lon``, ``lat`` (EPSG:4326),
        ``coord_quality`` (``"sourced …"``, or ``"PLACEHOLDER: …"`` in a user's file where the
        point is not the hospital),
        ``dialysis_unit`` (``"unverified…"``), ``note``, ``geometry``.

    Raises
    ------
    optimizer.errors.InputError
        As :func:`optimizer.io.points.read_points`.
    """
    p = _p(path, "putuo/facilities/hospitals.csv")
    g = read_points(p, id_col="facility_id", lon_col="lon_wgs84", lat_col="lat_wgs84",
                    required=("name_zh", "coord_quality"))
    for c in ("town", "address", "dialysis_unit", "note"):
        if c not in g.columns:
            g[c] = ""
    return g[["facility_id", "name_zh", "town", "address", "lon", "lat", "coord_quality",
              "dialysis_unit", "note", "geometry"]]


def read_ports(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Read the ferry ports (14; positions sourced on 六横, 桃花 and 虾峙, others estimated).

    Parameters
    ----------
    path
        CSV file; default ``putuo/ferries/ports.csv``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``stop_id`` (GTFS), ``stop_name``, ``stop_name_en``, ``island`` (Chinese island
        name), ``lon``, ``lat`` (EPSG:4326), ``coord_quality``, ``geometry``.

    Raises
    ------
    optimizer.errors.InputError
        As :func:`optimizer.io.points.read_points`.
    """
    p = _p(path, "putuo/ferries/ports.csv")
    g = read_points(p, id_col="stop_id", lon_col="stop_lon", lat_col="stop_lat",
                    required=("stop_name", "island", "coord_quality"))
    if "stop_name_en" not in g.columns:
        g["stop_name_en"] = ""
    return g[["stop_id", "stop_name", "stop_name_en", "island", "lon", "lat", "coord_quality",
              "geometry"]]
