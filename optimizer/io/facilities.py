"""The facilities table of ``optimizer access``: any set of places people travel to (hospitals,
a charity supermarket, service centres), one point each.

Declared as a :class:`~optimizer.io.tables.TableSpec` (:data:`FACILITIES`), so ``optimizer
template`` writes its blank template, the data guide lists its columns and
:func:`read_facilities` reads it with the strict point reader
(:func:`optimizer.io.points.read_points`: unknown columns with a suggestion, duplicate ids,
swapped or out-of-area coordinates, GCJ-02/BD-09 converted to WGS-84, every problem at once).
The keyword :data:`EMBEDDED` names embedded tables instead of a file (``hospitals``: the 16
hospitals and health stations of ``data/geo/putuo/facilities/hospitals.csv``, sources in
``SOURCES.md``).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from optimizer.io.coords import WGS84_NAME
from optimizer.io.tables import Column, TableSpec, info_columns, point_columns

__all__ = ["EMBEDDED", "FACILITIES", "read_facilities"]

FACILITIES = TableSpec(
    "facilities", "facility_id", (
        Column("facility_id", "id", True, zh="设施编号（唯一）", en="facility id (unique)",
               example="F01"),
        Column("name_zh", "text", True, zh="设施名称", en="facility name",
               example="沈家门慈善超市"),
        Column("name_en", "text", zh="英文名称", en="name in English",
               example="Shenjiamen charity supermarket"),
        Column("kind", "text", zh="类型", en="kind", example="charity_supermarket"),
        Column("town", "text", zh="乡镇（街道）", en="town", example="沈家门街道"),
        *point_columns(lon_example="122.301", lat_example="29.951"),
        *info_columns("source", "note"),
    ),
    "设施（可达性分析）", "facilities (access analysis)", "optimizer access FACILITIES",
    example_rows=(
        {"facility_id": "F01", "name_zh": "示例慈善超市", "name_en": "Example charity supermarket",
         "kind": "charity_supermarket", "town": "沈家门街道", "lon": "122.301", "lat": "29.951",
         "coord_system": "WGS-84", "synthetic": "yes"},
    ),
)
"""Facilities for ``optimizer access`` (id, name, lon/lat; optional coordinate system)."""

EMBEDDED = {"hospitals": "facilities/hospitals.csv"}
"""Keywords accepted instead of a facilities file → the embedded table (relative to the
dataset folder ``data/geo/putuo``)."""


def read_facilities(source: str | Path, *, crs: str = WGS84_NAME) -> gpd.GeoDataFrame:
    """Read a facilities table, or an embedded one by keyword.

    Parameters
    ----------
    source
        A CSV/XLSX/GeoJSON/GeoPackage file with the columns of :data:`FACILITIES`, or a key of
        :data:`EMBEDDED` (``"hospitals"``).
    crs
        Coordinate system of the file's ``lon``/``lat`` where a row has no ``coord_system``
        (``WGS-84`` default, ``GCJ-02``, ``BD-09`` …; :func:`optimizer.io.points.read_points`).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326; ``facility_id``, ``name_zh``, ``name_en`` (``""`` if absent), ``lon``,
        ``lat`` (WGS-84 degrees), ``geometry``; ``attrs`` as :func:`read_points` (source file,
        lines, coordinate conversions).

    Raises
    ------
    optimizer.errors.InputError, optimizer.errors.InputErrors
        As :func:`optimizer.io.points.read_points` (file, line, id, field of every problem).
    """
    from optimizer.io.points import read_points

    key = str(source).strip().lower()
    if key in EMBEDDED and not Path(source).exists():
        from optimizer.datasets import get_path
        from optimizer.io.places import read_hospitals

        g = read_hospitals(get_path("putuo") / EMBEDDED[key])
        g = g.assign(name_en="")
    else:
        g = read_points(source, spec=FACILITIES, crs=crs)
        if "name_en" not in g.columns:
            g["name_en"] = ""
    g["name_en"] = g["name_en"].fillna("").astype(str)
    return g
