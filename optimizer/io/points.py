"""Validated reader for point tables (CSV in UTF-8 or GBK/GB18030, XLSX, GeoJSON, GeoPackage).

Planners hand us lists of homes, canteens, sites or vehicles as spreadsheets. :func:`read_points`
checks every row and reports *all* problems at once, each naming the file, the 1-based data row
(header excluded) and the field:

* missing columns (all listed in one message),
* empty or duplicate ids (both rows named),
* non-numeric or empty coordinates,
* latitude and longitude swapped (outside the study area as given, inside it read the other way),
* a CRS that does not match the numbers (degrees declared but metres given, or the reverse),
* GCJ-02/BD-09 points (per file or per row, column ``coord_system``) outside China,
* coordinates outside the study area (default: the Putuo bounding box :data:`PUTUO_BBOX`),
* non-numeric or negative values in declared count columns.

The result is a :class:`geopandas.GeoDataFrame` in EPSG:4326 with numeric ``lon``/``lat`` columns.

Coordinate systems: the ``crs`` argument names the file's (WGS-84, GCJ-02, BD-09 or any EPSG
CRS); a ``coord_system`` column, where a cell is filled, gives that row's system (WGS-84,
GCJ-02 or BD-09; ``gcj02``, ``wgs84``, ``bd09`` … accepted) instead. A GeoJSON/GeoPackage
layer's own CRS is used when it is not WGS-84 (a projected layer); GeoJSON is WGS-84 by
definition, so ``crs`` says whether its degrees are in fact GCJ-02 or BD-09. Everything is
converted to WGS-84 (GCJ-02/BD-09 by :mod:`optimizer.io.coords`, whose points outside China
are refused: the offset is undefined there), and the converted rows are recorded
(``attrs["coord_conversions"]``, :func:`coordinate_notes`).

Examples
--------
>>> from optimizer.datasets import get_path
>>> gdf = read_points(get_path("putuo/facilities/hospitals.csv"), id_col="facility_id",
...                   lon_col="lon_wgs84", lat_col="lat_wgs84")
>>> gdf.crs.to_string(), len(gdf)
('EPSG:4326', 16)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Union

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS, Transformer
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from optimizer.errors import FeatureNumber, InputError, InputErrors, place_text
from optimizer.io.tables import ENCODINGS as ENCODINGS  # re-exported (moved to io.tables)
from optimizer.io.tables import Table, TableSpec, read_table, record_read
from optimizer.io.coords import (BD09_NAME, COORD_SYSTEMS, GCJ02_NAME, WGS84_NAME,
                                 coord_system_name, from_system, in_china, utm_crs)
from optimizer.results import Note, NoteKind

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

COORD_SYSTEM_COL = "coord_system"
"""Optional per-row column naming the row's coordinate system (WGS-84, GCJ-02 or BD-09; spelling
variants accepted); an empty cell means the file's."""



class SourceLines(list):
    """Spreadsheet line numbers of a table's rows, kept in ``DataFrame.attrs["lines"]``.

    A list (compares equal to one) that :func:`copy.deepcopy` returns as is. pandas deep-copies
    ``attrs`` on every column access and row selection (``NDFrame.__finalize__``), so a plain
    list of ``n`` lines made every ``df[col]`` cost O(n): reading the 10 x dataset's 38,309
    demand points took minutes in loops that access a column per row. The lines are never
    modified after reading; treat them as read-only.
    """

    __slots__ = ()

    def __deepcopy__(self, memo: dict) -> SourceLines:
        return self


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
        A ``.csv``/``.txt`` file (UTF-8, UTF-8 with BOM, GBK or GB18030, detected in that order),
        an ``.xlsx``/``.xlsm`` workbook, or a ``.geojson``/``.json``/``.gpkg``/``.shp`` file of
        Point features (read with geopandas/pyogrio; the feature properties become the columns
        and the point's x/y the ``lon_col``/``lat_col`` columns; any other geometry is refused
        naming the feature).
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
        CRS of the coordinate columns: ``"WGS-84"``/``"EPSG:4326"`` (default), ``"GCJ-02"``
        (Amap/高德, Tencent), ``"BD-09"`` (Baidu), spelling variants such as ``gcj02`` accepted
        (:func:`optimizer.io.coords.coord_system_name`), or any EPSG/PROJ CRS, e.g. a UTM zone
        ``"EPSG:32651"`` (metres). See the module docs for the per-row ``coord_system``
        column and a geo file's own CRS.
    study_area
        Where the points must lie, in EPSG:4326: a bounding box ``(min_lon, min_lat, max_lon,
        max_lat)`` (default :data:`PUTUO_BBOX`), a shapely geometry (points must be covered), or
        ``None`` to skip the check. Also used to recognise swapped columns anywhere in the world:
        a row outside it that lies inside it read the other way round "looks swapped".
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
        ``source_crs``, ``lines`` (the spreadsheet line of each row, header = line 1) and
        ``coord_conversions`` (a list of ``{"file", "system", "lines"}``, the lines converted
        from GCJ-02/BD-09; see :func:`coordinate_notes`).

    Raises
    ------
    optimizer.errors.InputError
        If the file cannot be read, is empty, columns are missing (one error listing all
        missing columns) or the CRS is unknown.
    optimizer.errors.InputErrors
        If any row or header cell is bad; every problem is listed with file, spreadsheet line
        (``line``; ``row`` is the 1-based data row), record id and field: non-numbers,
        coordinates that look swapped (rows named, fix: swap the column names), degrees where the
        CRS says metres or the reverse, GCJ-02/BD-09 outside China, an unknown ``coord_system``
        value, a point outside the study area, a non-point feature.

    The module docstring has an example.
    """
    path = Path(path)
    fname = str(path)
    id_col = id_col or (spec.id_col if spec is not None else "id")
    table, header_errors, file_crs = _read_checked(
        path, spec, [id_col, lon_col, lat_col, *required, *count_cols], encoding=encoding,
        sheet=sheet, lon_col=lon_col, lat_col=lat_col, id_col=id_col)
    df, used_encoding, lines = table.df, table.encoding, table.lines
    src = _source_crs(crs, fname, file_crs=file_crs)

    errors: list[InputError] = []
    df[id_col] = _check_ids(df[id_col], id_col=id_col, fname=fname, errors=errors, lines=lines)
    xs, ys, kept_empty, systems, lon, lat = _coordinates(
        df, src, lon_col=lon_col, lat_col=lat_col, coords_optional=coords_optional,
        study_area=study_area, fname=fname, errors=errors, lines=lines)
    bounds = [] if spec is None else spec.check_bounds(df, lines, fname)  # on the text cells
    for col in count_cols:
        df[col] = _parse_counts(df[col], field=col, fname=fname, errors=errors)
    _raise_or_defer(_at_lines(errors, lines, df[id_col].tolist(), id_col), header_errors,
                    bounds, problems)

    df[lon_col], df[lat_col] = (lon, lat) if src.crs.is_geographic else (xs, ys)
    df["lon"] = lon
    df["lat"] = lat
    geoms = [None if kept_empty[i] else Point(lon[i], lat[i]) for i in range(len(df))]
    gdf = gpd.GeoDataFrame(df, geometry=geoms, crs="EPSG:4326")
    conversions = _conversions(systems, kept_empty, fname, lines)
    gdf.attrs.update(source_file=fname, encoding=used_encoding, source_crs=src.label,
                     lines=SourceLines(lines), coord_conversions=conversions)
    record_read(fname, used_encoding, _system_text(src, conversions))
    return gdf


def _system_text(src: _Source, conversions: list[dict]) -> str:
    """The file's coordinate system as ``optimizer validate`` lists it: ``""`` for WGS-84 read
    as such, else the file's (``GCJ-02``, ``EPSG:32651``) and the per-row systems converted."""
    file_sys = "" if src.label == "EPSG:4326" else src.label
    rows = [c["system"] for c in conversions if c["system"] != file_sys]
    return ", ".join(x for x in [file_sys, *(f"{r} rows" for r in rows)] if x)


# --------------------------------------------------------------------------- validation steps


def _coordinates(df: pd.DataFrame, src: _Source, *, lon_col: str, lat_col: str,
                 coords_optional: bool, study_area: StudyArea, fname: str,
                 errors: list[InputError], lines: Sequence[int]
                 ) -> tuple[np.ndarray, ...]:
    """``(xs, ys, kept_empty, systems, lon, lat)``: the numbers as given, the kept-empty mask,
    each row's coordinate system and the EPSG:4326 degrees; every problem appended to
    ``errors`` (non-numbers, swapped, degrees vs metres, outside China or the study area)."""
    xs, ys, kept_empty = _parse_coordinates(df, lon_col=lon_col, lat_col=lat_col,
                                            geographic=src.crs.is_geographic,
                                            coords_optional=coords_optional, fname=fname,
                                            errors=errors)
    systems = _row_systems(df, src, fname=fname, errors=errors)
    _check_positions(xs, ys, src=src, systems=systems, study_area=study_area, lon_col=lon_col,
                     lat_col=lat_col, fname=fname, errors=errors, lines=lines)
    lon, lat = _to_wgs84(xs, ys, src.crs, systems)
    if study_area is not None:
        _check_study_area(lon, lat, study_area, field=lon_col, fname=fname, errors=errors)
    return xs, ys, kept_empty, systems, lon, lat


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
                  encoding: str | None, sheet: str | int, lon_col: str, lat_col: str,
                  id_col: str) -> tuple[Table, list[InputError], CRS | None]:
    """The table as read, its header problems (unknown columns) and the layer's CRS (geo files;
    else None); raises every header problem at once if a wanted or required column is missing.
    GeoJSON/GeoPackage records are numbered by feature (1-based :class:`FeatureNumber`s,
    printed ``feature N``: such a file may be a single line of text)."""
    file_crs = None
    if path.suffix.lower() in GEO_SUFFIXES:
        if not path.exists():
            raise InputError("file not found", file=str(path))
        df, file_crs = _read_geo(path, id_col=id_col, lon_col=lon_col, lat_col=lat_col,
                                 layer=sheet)
        table = Table(df, [FeatureNumber(k) for k in range(1, len(df) + 1)],
                      path.suffix.lower().lstrip("."))
    else:
        table = read_table(path, encoding=encoding, sheet=sheet,
                           time_cols=[c.name for c in spec.columns if c.kind == "time"]
                           if spec is not None else ())
    header_errors = [] if spec is None else spec.check_header(list(table.df.columns), str(path))
    _check_columns(table.df, wanted, str(path), header_errors)
    return table, header_errors, file_crs


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
            where = (place_text(lines[first_row[v] - 1]) if lines is not None
                     else f"row {first_row[v]}")
            errors.append(InputError(
                f"duplicate id {v!r} (also on {where}); ids must be unique",
                file=fname, row=i, field=id_col))
        else:
            first_row[v] = i
    return ids


@dataclass(frozen=True)
class _Source:
    """Where the coordinate columns' numbers come from."""

    crs: CRS
    """The pyproj CRS (EPSG:4326 for the degree systems WGS-84, GCJ-02 and BD-09)."""
    system: str | None
    """:data:`~optimizer.io.coords.COORD_SYSTEMS` name, or None for any other CRS."""
    label: str
    """How messages and ``attrs["source_crs"]`` name it."""
    from_file: bool
    """True when the CRS is the GeoJSON/GeoPackage layer's own."""


def _source_crs(crs: str, fname: str, *, file_crs: CRS | None = None) -> _Source:
    """The CRS of the coordinate columns: a layer's own projected CRS, else ``crs``."""
    if file_crs is not None and not _is_wgs84(file_crs):
        return _Source(file_crs, None, file_crs.to_string(), True)
    system = coord_system_name(crs)
    if system is not None:  # a layer's WGS-84 label is the file's own (metres in it: its fault)
        return _Source(CRS.from_epsg(4326), system, "EPSG:4326" if system == WGS84_NAME
                       else system, file_crs is not None and system == WGS84_NAME)
    try:
        parsed = CRS.from_user_input(crs)
    except Exception as exc:  # pyproj raises CRSError
        raise InputError(f"unknown CRS {crs!r} ({exc}); use one of {', '.join(COORD_SYSTEMS)} "
                         f"(lon/lat degrees) or an EPSG code, e.g. 'EPSG:32651' (UTM 51N metres)",
                         file=fname, field="crs") from exc
    if _is_wgs84(parsed):
        return _Source(CRS.from_epsg(4326), WGS84_NAME, "EPSG:4326", False)
    return _Source(parsed, None, parsed.to_string(), False)


def _is_wgs84(crs: CRS) -> bool:
    return bool(crs.equals(CRS.from_epsg(4326), ignore_axis_order=True))


def _row_systems(df: pd.DataFrame, src: _Source, *, fname: str,
                 errors: list[InputError]) -> np.ndarray:
    """Per row: the coordinate system name (the ``coord_system`` cell, else the file's), or
    ``None`` for a CRS that pyproj converts (e.g. a UTM zone)."""
    out = np.array([src.system] * len(df), dtype=object)
    if COORD_SYSTEM_COL not in df.columns:
        return out
    for i, raw in enumerate(df[COORD_SYSTEM_COL], start=1):
        s = str(raw).strip()
        if s in ("", "nan", "None"):
            continue
        name = coord_system_name(s)
        if name is None:
            errors.append(InputError(
                f"unknown coordinate system {s!r}; expected one of {', '.join(COORD_SYSTEMS)} "
                f"(spellings such as gcj02, wgs84, bd09 are accepted) or an empty cell for the "
                f"file's ({src.label})", file=fname, row=i, field=COORD_SYSTEM_COL))
        elif not src.crs.is_geographic:
            errors.append(InputError(
                f"coord_system {s!r} is for lon/lat degrees, but the file's coordinates are in "
                f"{src.label} (metres); leave the cell empty or give the row in degrees",
                file=fname, row=i, field=COORD_SYSTEM_COL))
        else:
            out[i - 1] = name
    return out


def _conversions(systems: np.ndarray, kept_empty: np.ndarray, fname: str,
                 lines: Sequence[int]) -> list[dict]:
    """``{"file", "system", "lines"}`` per system converted to WGS-84 (spreadsheet lines,
    header = line 1)."""
    out = []
    for name in (GCJ02_NAME, BD09_NAME):
        at = [lines[i] for i, s in enumerate(systems) if s == name and not kept_empty[i]]
        if at:
            out.append({"file": fname, "system": name, "lines": at})
    return out


def coordinate_notes(*tables: pd.DataFrame | None) -> list[Note]:
    """One typed :class:`~optimizer.results.Note` (kind ``COORDINATES``) per file and system
    that :func:`read_points` converted to WGS-84, e.g. "patients.csv: lines 2–41 converted from
    GCJ-02 to WGS-84"; the run's ``manifest.json`` lists them under ``coordinate_conversions``.
    """
    notes = []
    for t in tables:
        for c in ([] if t is None else t.attrs.get("coord_conversions", [])):
            rows, name = _row_ranges(c["lines"]), Path(c["file"]).name
            notes.append(Note(NoteKind.COORDINATES,
                              f"{name}：第 {rows} {_zh_unit(c['lines'])}由 {c['system']} "
                              "换算为 WGS-84",
                              f"{name}: {_rows_text(c['lines'])} converted from {c['system']} "
                              f"to WGS-84"))
    return notes


def _zh_unit(lines: Sequence[int]) -> str:
    return "个要素" if lines and isinstance(lines[0], FeatureNumber) else "行"


def _row_ranges(rows: Sequence[int]) -> str:
    """``[1, 2, 3, 7]`` → ``"1–3, 7"``."""
    parts, start = [], None
    for k, r in enumerate(rows):
        if start is None:
            start = r
        if k + 1 == len(rows) or rows[k + 1] != r + 1:
            parts.append(str(r) if r == start else f"{start}–{r}")
            start = None
    return ", ".join(parts)


def _parse_coordinates(df: pd.DataFrame, *, lon_col: str, lat_col: str, geographic: bool,
                       coords_optional: bool, fname: str,
                       errors: list[InputError]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numbers of the coordinate columns (NaN where not a number or empty) and the kept-empty
    mask; non-numbers reported."""
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
        if x is not None and y is not None:
            xs[i - 1], ys[i - 1] = x, y
    return xs, ys, kept_empty


def _check_positions(xs: np.ndarray, ys: np.ndarray, *, src: _Source, systems: np.ndarray,
                     study_area: StudyArea, lon_col: str, lat_col: str, fname: str,
                     errors: list[InputError], lines: Sequence[int]) -> None:
    """Swapped columns, degrees-vs-metres and GCJ-02/BD-09 outside China: each bad row is
    reported and its numbers set to NaN (in place) so that later checks skip it."""
    swapped = _looks_swapped(xs, ys, src.crs, study_area)
    errors += _swapped_errors(xs, ys, swapped, lon_col=lon_col, lat_col=lat_col, fname=fname,
                              lines=lines)
    xs[swapped] = ys[swapped] = np.nan
    for i in np.flatnonzero(~np.isnan(xs)):
        problem = _check_crs_numbers(float(xs[i]), float(ys[i]), src=src, lon_col=lon_col,
                                     lat_col=lat_col, study_area=study_area)
        if problem is not None:
            errors.append(InputError(problem[1], file=fname, row=int(i) + 1, field=problem[0]))
            xs[i] = ys[i] = np.nan
    chinese = np.isin(systems, [GCJ02_NAME, BD09_NAME]) & ~np.isnan(xs)
    outside = chinese & ~in_china(xs, ys)
    rows = [int(i) + 1 for i in np.flatnonzero(outside)]
    for r in rows:
        system, where = systems[r - 1], f"({_num(xs[r - 1])}, {_num(ys[r - 1])})"
        errors.append(InputError(
            f"{where} is given in {system}, but lies outside China, where {system} is "
            f"undefined (maps there show WGS-84); refused rather than guessed: "
            f"{_rows_text([lines[k - 1] for k in rows])}. Fix: give the point as WGS-84 (coord_system WGS-84) or correct it",
            file=fname, row=r, field=COORD_SYSTEM_COL))
    xs[outside] = ys[outside] = np.nan


def _swapped_errors(xs: np.ndarray, ys: np.ndarray, swapped: np.ndarray, *, lon_col: str,
                    lat_col: str, fname: str, lines: Sequence[int]) -> list[InputError]:
    """One "looks swapped" error per row, naming all of them; the fix is to swap the column
    names when every row with coordinates looks swapped, else the two values in those rows."""
    rows = [int(i) + 1 for i in np.flatnonzero(swapped)]
    at = _rows_text([lines[r - 1] for r in rows])
    whole = len(rows) == int((~np.isnan(xs)).sum())
    fix = (f"swap the two column names '{lon_col}' and '{lat_col}' in the header" if whole
           else f"swap the '{lon_col}' and '{lat_col}' values in {at}")
    return [InputError(
        f"({_num(xs[r - 1])}, {_num(ys[r - 1])}) looks swapped: read as '{lon_col}', "
        f"'{lat_col}' it lies outside the study area, the other way round inside it "
        f"(looking swapped: {at} of {len(xs)} rows). Fix: {fix}",
        file=fname, row=r, field=lon_col) for r in rows]


def _rows_text(lines: Sequence[int]) -> str:
    """Spreadsheet lines (header = line 1): ``"line 3"``, ``"lines 2–4, 8"`` (at most 20 runs of
    consecutive lines, then ``…``)."""
    if len(lines) == 1:
        return place_text(lines[0])
    parts = _row_ranges(lines).split(", ")
    word = "features" if lines and isinstance(lines[0], FeatureNumber) else "lines"
    return f"{word} " + ", ".join(parts[:20]) + (", …" if len(parts) > 20 else "")


def _looks_swapped(xs: np.ndarray, ys: np.ndarray, crs: CRS, study_area: StudyArea
                   ) -> np.ndarray:
    """Rows whose numbers look swapped: outside the study area as given but inside it read the
    other way round (any CRS, anywhere); without a study area, a "latitude" beyond ±90 with a
    "longitude" within ±90, or the order that puts a point in China (its ranges)."""
    ok = ~np.isnan(xs)
    if study_area is not None:
        lon, lat = _transform(xs, ys, crs)
        slon, slat = _transform(ys, xs, crs)
        given = np.array([bool(o) and _in_study_area(a, b, study_area)
                          for o, a, b in zip(ok, lon, lat)], dtype=bool)
        other = np.array([bool(o) and _in_study_area(a, b, study_area)
                          for o, a, b in zip(ok, slon, slat)], dtype=bool)
        return ok & ~given & other
    if not crs.is_geographic:
        return np.zeros(len(xs), dtype=bool)
    beyond = (np.abs(xs) <= 90) & (np.abs(ys) > 90) & (np.abs(ys) <= 180)
    china = (_within(xs, CHINA_LAT_RANGE) & _within(ys, CHINA_LON_RANGE)
             & ~(_within(xs, CHINA_LON_RANGE) & _within(ys, CHINA_LAT_RANGE)))
    return ok & (beyond | china)


def _within(v: np.ndarray, rng: tuple[float, float]) -> np.ndarray:
    return (v >= rng[0]) & (v <= rng[1])


def _transform(xs: np.ndarray, ys: np.ndarray, crs: CRS) -> tuple[np.ndarray, np.ndarray]:
    """pyproj to EPSG:4326 lon/lat (NaN/inf where undefined); identity for EPSG:4326."""
    if _is_wgs84(crs):
        return xs.copy(), ys.copy()
    with np.errstate(all="ignore"):
        tr = Transformer.from_crs(crs, CRS.from_epsg(4326), always_xy=True)
        lon, lat = tr.transform(xs, ys, errcheck=False)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def _to_wgs84(xs: np.ndarray, ys: np.ndarray, src_crs: CRS,
              systems: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes (EPSG:4326 degrees) of the parsed coordinates (NaN kept):
    pyproj for a CRS other than EPSG:4326, :mod:`optimizer.io.coords` for rows in GCJ-02 or
    BD-09."""
    lon, lat = _transform(xs, ys, src_crs)
    if systems is not None:
        for name in (GCJ02_NAME, BD09_NAME):
            rows = (systems == name) & ~np.isnan(lon)
            if rows.any():
                lon[rows], lat[rows] = from_system(lon[rows], lat[rows], name)
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
                f"{_describe_area(study_area)}; check the coordinates (a typo or another "
                f"projection? points from Amap/Baidu are GCJ-02/BD-09, only ~0.5–1 km off: say "
                f"so with coord_system) or widen study_area",
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


GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb")
"""File types read with geopandas/pyogrio as layers of Point features."""


def _read_geo(path: Path, *, id_col: str, lon_col: str, lat_col: str,
              layer: str | int) -> tuple[pd.DataFrame, CRS | None]:
    """Point features as a text table: properties as columns, x/y in ``lon_col``/``lat_col``
    (empty for an empty geometry); any other geometry refused naming the feature."""
    fname = str(path)
    kw = {"layer": layer} if isinstance(layer, str) or layer != 0 else {}
    try:
        g = gpd.read_file(path, **kw)
    except Exception as exc:
        raise InputError(f"cannot read {path.suffix} file ({exc})", file=fname) from exc
    if len(g) == 0:
        raise InputError("no features in the file; expected one Point feature per record",
                         file=fname)
    props = pd.DataFrame(g.drop(columns=g.geometry.name))
    df = props.astype(object).where(props.notna(), "").astype(str)
    ids = df[id_col].tolist() if id_col in df.columns else [""] * len(df)
    xs, ys, errors = [], [], []
    for i, geom in enumerate(g.geometry, start=1):
        if geom is not None and geom.geom_type == "MultiPoint" and len(geom.geoms) == 1:
            geom = geom.geoms[0]
        if geom is None or geom.is_empty:
            xs.append("")
            ys.append("")
        elif geom.geom_type != "Point":
            who = f"feature {ids[i - 1]!r}" if ids[i - 1] else f"feature {i}"
            errors.append(InputError(
                f"{who} is a {geom.geom_type}; only Point features are read (one point per "
                f"record: give its location, e.g. the entrance or the centroid, as a Point)",
                file=fname, feature=i, field="geometry"))
            xs.append("")
            ys.append("")
        else:
            xs.append(repr(float(geom.x)))
            ys.append(repr(float(geom.y)))
    if g.crs is None or g.crs.is_geographic:  # properties in degrees compare with the points
        errors += _property_conflicts(df, xs, ys, ids, fname=fname, lon_col=lon_col,
                                      lat_col=lat_col)
    if errors:
        raise InputErrors(errors)
    df[lon_col], df[lat_col] = xs, ys
    return df.reset_index(drop=True), g.crs


def _property_conflicts(df: pd.DataFrame, xs: list[str], ys: list[str], ids: list[str], *,
                        fname: str, lon_col: str, lat_col: str) -> list[InputError]:
    """Features whose ``lon``/``lat`` properties disagree with their geometry (by more than
    1e-6 in the file's units): which one is right cannot be told, so neither is taken."""
    if lon_col not in df.columns and lat_col not in df.columns:
        return []
    out = []
    for i, (x, y) in enumerate(zip(xs, ys), start=1):
        for col, geo in ((lon_col, x), (lat_col, y)):
            given = _to_float(str(df[col].iloc[i - 1])) if col in df.columns else None
            if given is None or geo == "" or abs(given - float(geo)) <= 1e-6:
                continue
            who = f"feature {ids[i - 1]!r}" if ids[i - 1] else f"feature {i}"
            out.append(InputError(
                f"{who}: property {col}={given} disagrees with the point geometry "
                f"({float(geo)}); drop the {col} property or correct it", file=fname,
                feature=i, field=col))
    return out


def _to_float(s: str) -> float | None:
    """Parse a number; ``None`` if empty, non-numeric or not finite."""
    if s == "" or s.lower() == "nan":
        return None
    try:
        v = float(s.replace("\u2212", "-"))
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _check_crs_numbers(x: float, y: float, *, src: _Source, lon_col: str, lat_col: str,
                       study_area: StudyArea = None) -> tuple[str, str] | None:
    """Return ``(field, message)`` if the numbers do not fit the CRS (degrees where it says
    metres, or the reverse), else ``None``."""
    where = (f"the file's own CRS {src.label}" if src.from_file else
             f"the declared CRS {src.label}")
    if src.crs.is_geographic:
        if max(abs(x), abs(y)) <= 1000 and (abs(x) > 180 or abs(y) > 90):
            return (lon_col if abs(x) > 180 else lat_col,
                    f"({_num(x)}, {_num(y)}) is outside the degree ranges (longitude "
                    f"-180..180, latitude -90..90); check for typos or swapped columns")
        if abs(x) > 180 or abs(y) > 90:
            fix = ("set the layer's CRS to the projected CRS its coordinates are in when "
                   "exporting it" if src.from_file else "convert the coordinates to lon/lat "
                   "degrees, or save the points as GeoJSON/GeoPackage carrying their CRS")
            return (lon_col if abs(x) > 180 else lat_col,
                    f"values ({_num(x)}, {_num(y)}) are metres, not degrees, but {where} is in "
                    f"degrees; they look like projected metres (e.g. {_utm_hint(study_area)}). "
                    f"Fix: {fix}")
        return None
    if abs(x) <= 180 and abs(y) <= 90:
        fix = ("set the layer's CRS to EPSG:4326 when exporting it" if src.from_file else
               "pass crs='EPSG:4326' (or WGS-84/GCJ-02/BD-09) for lon/lat degrees")
        return (lon_col,
                f"values ({_num(x)}, {_num(y)}) look like degrees but {where} is projected "
                f"(metres). "
                f"Fix: {fix}")
    return None


def _num(v: float) -> str:
    """A coordinate as typed: up to 8 decimals for degrees, 0.1 for metres (no exponent)."""
    v = float(v)
    text = f"{v:.1f}" if abs(v) >= 1000 else f"{v:.8f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def _utm_hint(study_area: StudyArea) -> str:
    """The UTM CRS of the study area's centre, as a hint (``EPSG:326zz`` if unknown)."""
    if study_area is None:
        return "a UTM zone, EPSG:326zz north or 327zz south"
    x0, y0, x1, y1 = (study_area.bounds if isinstance(study_area, BaseGeometry) else study_area)
    crs = utm_crs((x0 + x1) / 2, (y0 + y1) / 2)
    return f"{crs}, the UTM zone of the study area"


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
