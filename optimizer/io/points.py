"""Validated reader for point tables (CSV in UTF-8 or GBK/GB18030, or XLSX).

Planners hand us lists of homes, canteens, sites or vehicles as spreadsheets. :func:`read_points`
checks every row and reports *all* problems at once, each naming the file, the 1-based data row
(header excluded) and the field:

* missing columns (all listed in one message),
* empty or duplicate ids (both rows named),
* non-numeric or empty coordinates,
* latitude and longitude swapped (a latitude-sized number in the longitude column and vice versa),
* a declared CRS that does not match the numbers (degrees declared but metres given, or the reverse),
* coordinates outside the study area (default: the Putuo bounding box :data:`PUTUO_BBOX`),
* non-numeric or negative values in declared count columns.

The result is a :class:`geopandas.GeoDataFrame` in EPSG:4326 with numeric ``lon``/``lat`` columns.

Examples
--------
>>> from optimizer.datasets import get_path
>>> gdf = read_points(get_path("putuo/facilities/hospitals.csv"), id_col="facility_id",
...                   lon_col="lon_wgs84", lat_col="lat_wgs84")
>>> gdf.crs.to_string(), len(gdf)
('EPSG:4326', 9)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Union

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS, Transformer
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from optimizer.errors import InputError, InputErrors
from optimizer.io.tables import ENCODINGS as ENCODINGS  # re-exported (moved to io.tables)
from optimizer.io.tables import Table, TableSpec, read_table

BBox = tuple[float, float, float, float]
StudyArea = Union[BBox, BaseGeometry, None]

PUTUO_BBOX: BBox = (121.9, 29.5, 122.9, 30.8)
"""Default study area (min_lon, min_lat, max_lon, max_lat), EPSG:4326 degrees.

Covers Putuo District (普陀区) including 东极 and 嵊山-side islets with a margin, plus 定海 old town
(舟山医院); derived from the district boundary in ``data/geo/putuo/boundaries`` (121.95–122.95 E,
29.55–30.35 N clip of the island outlines), rounded outwards.
"""

CHINA_LON_RANGE = (73.0, 136.0)
"""Longitudes of mainland China and its islands (degrees E), used to detect swapped columns."""

CHINA_LAT_RANGE = (3.0, 54.0)
"""Latitudes of China incl. the South China Sea islands (degrees N), used to detect swapped columns."""

def read_points(
    path: str | Path,
    *,
    id_col: str | None = None,
    lon_col: str = "lon",
    lat_col: str = "lat",
    required: Sequence[str] = (),
    count_cols: Sequence[str] = (),
    crs: str = "EPSG:4326",
    study_area: StudyArea = PUTUO_BBOX,
    encoding: str | None = None,
    sheet: str | int = 0,
    coords_optional: bool = False,
    spec: TableSpec | None = None,
    problems: list[InputError] | None = None,
) -> gpd.GeoDataFrame:
    """Read and validate a table of points; raise once listing every problem.

    Parameters
    ----------
    path
        A ``.csv``/``.txt`` file (UTF-8, UTF-8 with BOM, GBK or GB18030, detected in that order) or
        an ``.xlsx``/``.xlsm`` workbook.
    id_col
        Column holding a unique, non-empty identifier per row (kept as text: ``"007"`` stays
        ``"007"``); default ``spec.id_col``.
    lon_col, lat_col
        Coordinate columns. For a geographic ``crs`` these are longitude/latitude in degrees; for a
        projected ``crs`` they are easting/northing in metres (x, y).
    required
        Further columns that must be present (values are not checked).
    count_cols
        Columns holding counts (people, meals, seats): must be numeric, integral and ``>= 0``;
        converted to ``int64``.
    crs
        CRS of the coordinate columns, e.g. ``"EPSG:4326"`` (default) or ``"EPSG:32651"``
        (UTM 51N metres). Coordinates are reprojected to EPSG:4326.
    study_area
        Where the points must lie, in EPSG:4326: a bounding box ``(min_lon, min_lat, max_lon,
        max_lat)`` (default :data:`PUTUO_BBOX`), a shapely geometry (points must be covered), or
        ``None`` to skip the check.
    encoding
        Force a text encoding for CSV files instead of auto-detection.
    sheet
        Sheet name or 0-based index for workbooks.
    coords_optional
        If ``True``, rows with *both* coordinates empty are kept with an empty geometry and NaN
        ``lon``/``lat`` (e.g. villages without a sourced point); half-empty rows are still errors.
    spec
        The declared table (:class:`optimizer.io.tables.TableSpec`): every header must be one of
        its columns (an unknown or misspelt one is an error with a "did you mean"), its required
        columns must be present, and numbers must lie within its columns' bounds. ``None``: only
        the columns named here are checked, others are kept unchecked (reference data).
    problems
        If given, the problems that do not stop the table being read (unknown columns, values
        outside the spec's bounds) are appended here instead of raised, so that the caller's
        own row checks run too and everything is raised at once.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per input row, in file order; all original columns (as text, except the coordinate
        and count columns, which become numeric), plus ``lon`` and ``lat`` (EPSG:4326 degrees, float)
        and a point ``geometry`` in EPSG:4326. ``gdf.attrs`` holds ``source_file``, ``encoding``,
        ``source_crs`` and ``lines`` (the spreadsheet line of each row, header = line 1).

    Raises
    ------
    optimizer.errors.InputError
        If the file cannot be read, is empty, or columns are missing (one error listing all
        missing columns).
    optimizer.errors.InputErrors
        If any row or header cell is bad; every problem is listed with file, spreadsheet line
        (``line``; ``row`` is the 1-based data row), record id and field.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "sites.csv")
    >>> _ = open(p, "w", encoding="utf-8").write("id,lon,lat\\nA,122.30,29.95\\n")
    >>> read_points(p, id_col="id")[["id", "lon", "lat"]].values.tolist()
    [['A', 122.3, 29.95]]
    """
    path = Path(path)
    fname = str(path)
    id_col = id_col or (spec.id_col if spec is not None else "id")
    table, header_errors = _read_checked(path, spec, [id_col, lon_col, lat_col, *required,
                                                      *count_cols], encoding=encoding, sheet=sheet)
    df, used_encoding, lines = table.df, table.encoding, table.lines
    src_crs = _source_crs(crs, fname)
    geographic = src_crs.is_geographic

    errors: list[InputError] = []
    df[id_col] = _check_ids(df[id_col], id_col=id_col, fname=fname, errors=errors, lines=lines)
    xs, ys, kept_empty = _parse_coordinates(df, lon_col=lon_col, lat_col=lat_col, crs=crs,
                                            geographic=geographic,
                                            coords_optional=coords_optional, fname=fname,
                                            errors=errors)
    lon, lat = _to_wgs84(xs, ys, src_crs)
    if study_area is not None:
        _check_study_area(lon, lat, study_area, field=lon_col, fname=fname, errors=errors)
    bounds = [] if spec is None else spec.check_bounds(df, lines, fname)  # on the text cells
    for col in count_cols:
        df[col] = _parse_counts(df[col], field=col, fname=fname, errors=errors)
    _raise_or_defer(_at_lines(errors, lines, df[id_col].tolist(), id_col), header_errors,
                    bounds, problems)

    df[lon_col], df[lat_col] = (xs, ys) if not geographic else (lon, lat)
    df["lon"] = lon
    df["lat"] = lat
    geoms = [None if kept_empty[i] else Point(lon[i], lat[i]) for i in range(len(df))]
    gdf = gpd.GeoDataFrame(df, geometry=geoms, crs="EPSG:4326")
    gdf.attrs["source_file"] = fname
    gdf.attrs["encoding"] = used_encoding
    gdf.attrs["source_crs"] = src_crs.to_string()
    gdf.attrs["lines"] = list(lines)
    return gdf


# --------------------------------------------------------------------------- validation steps


def _raise_or_defer(errors: list[InputError], header_errors: list[InputError],
                    bounds: list[InputError], problems: list[InputError] | None) -> None:
    """Raise the row errors; header and bounds problems go to ``problems`` when given (the
    caller raises them with its own), else they are raised with the rows' (header first)."""
    if problems is not None:
        problems += [*header_errors, *bounds]
    elif header_errors or bounds:
        errors = [*header_errors, *errors, *bounds]
    if errors:
        raise InputErrors(errors)


def _read_checked(path: Path, spec: TableSpec | None, wanted: Sequence[str], *,
                  encoding: str | None, sheet: str | int) -> tuple[Table, list[InputError]]:
    """The table as read and its header problems (unknown columns); raises every header problem
    at once if a wanted or required column is missing."""
    table = read_table(path, encoding=encoding, sheet=sheet,
                       time_cols=[c.name for c in spec.columns if c.kind == "time"]
                       if spec is not None else ())
    header_errors = [] if spec is None else spec.check_header(list(table.df.columns), str(path))
    _check_columns(table.df, wanted, str(path), header_errors)
    return table, header_errors


def _check_columns(df: pd.DataFrame, wanted: Sequence[str], fname: str,
                   header_errors: list[InputError]) -> None:
    """Raise every header problem at once when a wanted column is missing (the rows cannot be
    read without it); unknown columns alone are raised later with the rows' problems."""
    missing = [c for c in dict.fromkeys(wanted) if c not in df.columns]
    if not missing:
        return
    if any(e.message.startswith("missing") for e in header_errors):
        raise InputErrors(header_errors)
    raise InputErrors([*header_errors, InputError(
        f"missing column(s) {missing}; the file has {list(df.columns)}. Rename the columns or "
        f"pass id_col=/lon_col=/lat_col= to match", file=fname, line=1, field=missing[0])])


def _at_lines(errors: list[InputError], lines: Sequence[int], ids: Sequence[Any],
              id_col: str) -> list[InputError]:
    """Row errors with the spreadsheet line (``lines[row - 1]``) and the record id named."""
    out = []
    for e in errors:
        if e.row is None or e.line is not None or not 1 <= e.row <= len(lines):
            out.append(e)
            continue
        rid = str(ids[e.row - 1]).strip()
        named = e.field != id_col and rid not in ("", "nan") and not e.message.startswith(
            repr(rid))
        out.append(InputError(f"{rid!r}: {e.message}" if named else e.message, file=e.file,
                              row=e.row, line=lines[e.row - 1], field=e.field))
    return out


def _source_crs(crs: str, fname: str) -> CRS:
    """The CRS of the coordinate columns."""
    try:
        return CRS.from_user_input(crs)
    except Exception as exc:  # pyproj raises CRSError
        raise InputError(f"unknown CRS {crs!r} ({exc}); use e.g. 'EPSG:4326' or 'EPSG:32651'",
                         file=fname) from exc


def _check_ids(values: pd.Series, *, id_col: str, fname: str,
               errors: list[InputError], lines: Sequence[int] | None = None) -> pd.Series:
    """Stripped ids; empty and duplicate ids are reported (both lines of a duplicate named)."""
    ids = values.astype(str).str.strip()
    first_row: dict[str, int] = {}
    for i, v in enumerate(ids, start=1):
        if v == "" or v.lower() == "nan":
            errors.append(InputError("empty id; every row needs an id", file=fname, row=i,
                                     field=id_col))
            continue
        if v in first_row:
            where = (f"line {lines[first_row[v] - 1]}" if lines is not None
                     else f"row {first_row[v]}")
            errors.append(InputError(
                f"duplicate id {v!r} (also on {where}); ids must be unique",
                file=fname, row=i, field=id_col))
        else:
            first_row[v] = i
    return ids


def _parse_coordinates(df: pd.DataFrame, *, lon_col: str, lat_col: str, crs: str,
                       geographic: bool, coords_optional: bool, fname: str,
                       errors: list[InputError]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coordinates in the source CRS (NaN where bad or empty) and the kept-empty mask."""
    xs = np.full(len(df), np.nan)
    ys = np.full(len(df), np.nan)
    kept_empty = np.zeros(len(df), dtype=bool)
    unit = "degrees" if geographic else "metres"
    for i, (rx, ry) in enumerate(zip(df[lon_col], df[lat_col]), start=1):
        sx, sy = str(rx).strip(), str(ry).strip()
        if coords_optional and sx in ("", "nan") and sy in ("", "nan"):
            kept_empty[i - 1] = True
            continue
        x = _to_float(sx)
        y = _to_float(sy)
        if x is None:
            errors.append(InputError(f"{sx!r} is not a number; expected a coordinate ({unit})",
                                     file=fname, row=i, field=lon_col))
        if y is None:
            errors.append(InputError(f"{sy!r} is not a number; expected a coordinate ({unit})",
                                     file=fname, row=i, field=lat_col))
        if x is None or y is None:
            continue
        problem = _check_crs_numbers(x, y, geographic=geographic, crs=crs, lon_col=lon_col,
                                     lat_col=lat_col)
        if problem is not None:
            field, msg = problem
            errors.append(InputError(msg, file=fname, row=i, field=field))
            continue
        xs[i - 1], ys[i - 1] = x, y
    return xs, ys, kept_empty


def _to_wgs84(xs: np.ndarray, ys: np.ndarray, src_crs: CRS) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes (EPSG:4326 degrees) of the parsed coordinates (NaN kept)."""
    lon = xs.copy()
    lat = ys.copy()
    if not src_crs.is_geographic or src_crs != CRS.from_epsg(4326):
        ok = ~np.isnan(xs)
        if ok.any():
            tr = Transformer.from_crs(src_crs, CRS.from_epsg(4326), always_xy=True)
            lon[ok], lat[ok] = tr.transform(xs[ok], ys[ok])
    return lon, lat


def _check_study_area(lon: np.ndarray, lat: np.ndarray, study_area: BBox | BaseGeometry, *,
                      field: str, fname: str, errors: list[InputError]) -> None:
    """Report every point outside the study area (EPSG:4326)."""
    for i in range(len(lon)):
        if np.isnan(lon[i]):
            continue
        if not _in_study_area(lon[i], lat[i], study_area):
            errors.append(InputError(
                f"point ({lon[i]:.6f} E, {lat[i]:.6f} N) lies outside the study area "
                f"{_describe_area(study_area)}; check the coordinates (wrong CRS? GCJ-02 "
                f"offset is only ~500 m, so far-off points are typos) or widen study_area",
                file=fname, row=i + 1, field=field))


def _parse_counts(values: pd.Series, *, field: str, fname: str,
                  errors: list[InputError]) -> np.ndarray:
    """Whole, non-negative counts as ``int64`` (0 where bad; every bad value reported)."""
    vals = np.zeros(len(values), dtype=np.int64)
    for i, raw in enumerate(values, start=1):
        s = str(raw).strip()
        v = _to_float(s)
        if v is None:
            errors.append(InputError(f"{s!r} is not a number; expected a count >= 0",
                                     file=fname, row=i, field=field))
        elif v < 0:
            errors.append(InputError(f"negative count {s}; counts must be >= 0",
                                     file=fname, row=i, field=field))
        elif v != math.floor(v):
            errors.append(InputError(f"{s} is not a whole number; counts must be integers",
                                     file=fname, row=i, field=field))
        else:
            vals[i - 1] = int(v)
    return vals


# --------------------------------------------------------------------------- helpers


def _to_float(s: str) -> float | None:
    """Parse a number; ``None`` if empty, non-numeric or not finite."""
    if s == "" or s.lower() == "nan":
        return None
    try:
        v = float(s.replace("\u2212", "-"))
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _check_crs_numbers(x: float, y: float, *, geographic: bool, crs: str, lon_col: str,
                       lat_col: str) -> tuple[str, str] | None:
    """Return ``(field, message)`` if the numbers do not fit the declared CRS, else ``None``."""
    if geographic:
        lo_x = CHINA_LON_RANGE[0] <= x <= CHINA_LON_RANGE[1]
        la_y = CHINA_LAT_RANGE[0] <= y <= CHINA_LAT_RANGE[1]
        swapped_x = CHINA_LAT_RANGE[0] <= x <= CHINA_LAT_RANGE[1]
        swapped_y = CHINA_LON_RANGE[0] <= y <= CHINA_LON_RANGE[1]
        if not (lo_x and la_y) and swapped_x and swapped_y:
            return (lon_col,
                    f"longitude {x:g} looks like a latitude and latitude {y:g} like a longitude "
                    f"(swapped?); swap the columns '{lon_col}' and '{lat_col}'")
        if max(abs(x), abs(y)) <= 1000 and (abs(x) > 180 or abs(y) > 90):
            return (lon_col if abs(x) > 180 else lat_col,
                    f"({x:g}, {y:g}) is outside the degree ranges (longitude -180..180, latitude "
                    f"-90..90); check for typos or swapped columns")
        if abs(x) > 180 or abs(y) > 90:
            return (lon_col if abs(x) > 180 else lat_col,
                    f"values ({x:g}, {y:g}) are not degrees but the declared CRS is {crs}; they "
                    f"look like projected metres (e.g. EPSG:32651 UTM 51N). Pass crs='EPSG:32651' "
                    f"(or the right projected CRS)")
        return None
    # projected: metres expected
    if abs(x) <= 180 and abs(y) <= 90:
        return (lon_col,
                f"values ({x:g}, {y:g}) look like degrees but the declared CRS {crs} is projected "
                f"(metres); pass crs='EPSG:4326' for lon/lat degrees")
    return None


def _in_study_area(lon: float, lat: float, area: BBox | BaseGeometry) -> bool:
    if isinstance(area, BaseGeometry):
        return bool(area.covers(Point(lon, lat)))
    x0, y0, x1, y1 = area
    return x0 <= lon <= x1 and y0 <= lat <= y1


def _describe_area(area: BBox | BaseGeometry) -> str:
    if isinstance(area, BaseGeometry):
        x0, y0, x1, y1 = area.bounds
        return f"(a polygon within {x0:.3f}–{x1:.3f} E, {y0:.3f}–{y1:.3f} N)"
    x0, y0, x1, y1 = area
    return f"{x0:g}–{x1:g} E, {y0:g}–{y1:g} N"


def check_ids_unique(values: Iterable[Any], *, file: str | None, field: str) -> list[InputError]:
    """Return one :class:`InputError` per repeated value (1-based rows), naming both rows.

    Parameters
    ----------
    values
        The id column, in row order.
    file, field
        Where the values came from.

    Returns
    -------
    list of InputError
        Empty if all values are unique.
    """
    seen: dict[str, int] = {}
    out: list[InputError] = []
    for i, v in enumerate(values, start=1):
        k = str(v)
        if k in seen:
            out.append(InputError(f"duplicate id {k!r} (also in row {seen[k]})", file=file,
                                  row=i, field=field))
        else:
            seen[k] = i
    return out
