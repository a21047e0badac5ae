"""Reading and validating the meal-service inputs: demand points, canteens, candidate sites.

:func:`load_meals_inputs` reads the three files named by :class:`MealsParams` (or the dataset's
defaults) and checks everything :func:`~optimizer.services.meals.plan_meals` relies on, listing
every problem at once (:class:`~optimizer.errors.InputErrors`, each naming the file, the
spreadsheet line, the record id and the field): unknown or misspelt columns (with a "did you
mean"; the columns are declared in :mod:`optimizer.services.meals.columns`), missing columns,
empty or duplicate ids, negative, fractional or non-numeric counts and capacities, capacities of
zero or beyond the declared bounds, ``delivers`` values that
are not yes/no, points outside the study area or in the sea, stated islands that disagree with the
coordinates, ids repeated across canteens and candidates, and ``open_candidates`` ids that are
not candidate sites. ``optimizer validate`` calls it, so a bad file fails in seconds instead of
part-way through a run.

The inputs carry their labels (:class:`~optimizer.results.Note`): synthetic data when rows of a
file carry the ``synthetic`` flag (:mod:`optimizer.io.provenance`; never guessed from the path),
and the assumption that demand points are synthetic points around villages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from optimizer.errors import InputError, InputErrors
from optimizer.io.coords import WGS84_NAME
from optimizer.io.points import GEO_SUFFIXES, PUTUO_BBOX, coordinate_notes, read_points
from optimizer.io.tables import TableSpec, read_table
from optimizer.io.provenance import synthetic_note, synthetic_rows
from optimizer.network.contract import WGS84
from optimizer.results import Note, NoteKind
from optimizer.services.meals.columns import CANDIDATES, CANTEENS, ELDERLY_POINTS, ELDERLY_VILLAGES
from optimizer.services.meals.params import MealsParams

__all__ = ["DEMAND_POINTS_NOTE", "MealsInputs", "load_meals_inputs", "parse_yes_no"]

DEMAND_POINTS_NOTE = Note(NoteKind.ASSUMPTION, "需求点为村内合成分布点",
                          "Demand points are synthetic points around each village (not homes)")
"""Carried when the demand file holds synthetic points (``point_id`` rows flagged synthetic)."""

_YES = frozenset({"yes", "y", "true", "1", "是"})
_NO = frozenset({"no", "n", "false", "0", "否"})


@dataclass(frozen=True)
class MealsInputs:
    """Validated demand points, existing canteens and candidate sites (EPSG:4326).

    Attributes
    ----------
    demand
        One row per demand point: ``point_id``, ``village_code``, ``village_name_zh``,
        ``town_code``, ``town_name``, ``island_id``, ``island_name_zh``, ``elderly_60plus``
        (persons, unscaled integers), ``lon``, ``lat``, point ``geometry``.
    canteens
        Existing canteens: ``site_id``, ``name_zh``, ``kind``, ``island_id``,
        ``capacity_meals_per_day``, ``opening_cost_cny`` (0), ``delivers`` (bool), ``lon``,
        ``lat``, ``geometry``.
    candidates
        Candidate sites: same columns (``opening_cost_cny`` from the file).
    demand_level
        ``"points"`` or ``"villages"`` (what the demand file holds).
    files
        Role (``elderly``, ``canteens``, ``candidates``) -> file read.
    notes
        Labels the outputs carry (synthetic data, demand-point assumption).
    """

    demand: gpd.GeoDataFrame
    canteens: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    demand_level: str
    files: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()

    def describe(self) -> str:
        """One line for ``optimizer validate``: what was read."""
        return (f"{len(self.demand)} demand {self.demand_level}, {len(self.canteens)} canteens, "
                f"{len(self.candidates)} candidate sites")


def parse_yes_no(value: Any) -> bool | None:
    """``True`` for yes/y/true/1/是, ``False`` for no/n/false/0/否 (any case), else ``None``."""
    s = str(value).strip().lower()
    return True if s in _YES else False if s in _NO else None


def load_meals_inputs(params: MealsParams | None = None, *, dataset: str | Path | None = None,
                      islands: gpd.GeoDataFrame | None = None,
                      scenario_file: str | None = None) -> MealsInputs:
    """Read and validate the three meal-service files; raise once listing every problem.

    Parameters
    ----------
    params
        Uses ``elderly``, ``canteens``, ``candidates`` (``None`` = the dataset defaults,
        :data:`~optimizer.services.meals.params.DEFAULT_FILES`), ``demand_level`` (which
        default demand file) and ``open_candidates`` (checked against the candidate file).
        Default ``MealsParams()``.

        * Demand: points (``point_id``, ``village_code`` …, like ``elderly_points.csv``) or
          villages (``village_code`` as id, like ``elderly.csv``); ``lon``, ``lat``
          (EPSG:4326) and ``elderly_60plus`` (persons, whole numbers >= 0). The file's own
          level is detected from its columns.
        * Canteens: ``canteen_id``, ``name_zh``, ``lon``, ``lat``, ``capacity_meals_per_day``
          (whole number > 0), optional ``delivers`` (yes/no; default yes).
        * Candidates: ``site_id``, ``name_zh``, ``lon``, ``lat``, ``capacity_meals_per_day``,
          ``opening_cost_cny``.
    dataset
        Dataset folder the defaults are relative to; default the embedded ``data/geo/putuo``.
    islands
        Island polygons (EPSG:4326); default the embedded Putuo islands.
    scenario_file
        The scenario file ``open_candidates`` came from (named in that error).

    Returns
    -------
    MealsInputs

    Raises
    ------
    optimizer.errors.InputErrors
        Every problem of every file at once (see the module docs); each error names the file,
        the spreadsheet line (header = line 1) and the field, and the record id in its message.
        An unknown ``open_candidates`` id names the scenario file and the key
        ``meals.open_candidates`` (without a scenario file: the candidate file and the field
        ``open_candidates``).

    Examples
    --------
    >>> inputs = load_meals_inputs()
    >>> inputs.demand_level, len(inputs.canteens)
    ('points', 12)
    """
    params = params or MealsParams()
    if dataset is None:
        from optimizer.datasets import get_path

        dataset = get_path("putuo")
    if islands is None:
        from optimizer.network.islands import load_islands

        islands = load_islands()
    files = params.data_files(Path(dataset))
    errors: list[InputError] = []
    level = _file_level(files["elderly"])
    tables = _read_tables(files, level, errors, params.coord_systems())
    for role in ("canteens", "candidates"):
        errors += _check_sites(tables[role])
    island_ids = {role: _island_check(t, islands, errors) for role, t in tables.items()}
    errors += _check_unique_sites(tables["canteens"], tables["candidates"])
    errors += _check_open_candidates(params.open_candidates, tables["candidates"],
                                     scenario_file)
    if errors:
        raise InputErrors(errors)
    return _assemble(tables, island_ids, level, islands)


# ------------------------------------------------------------------------------------ reading
@dataclass(frozen=True, eq=False)
class _Table:
    """One input file: validated by :func:`optimizer.io.points.read_points` (``valid``), or,
    when that failed, its text as read (``raw``) so the remaining checks still run."""

    role: str
    path: Path
    id_col: str
    valid: gpd.GeoDataFrame | None
    raw: pd.DataFrame | None
    raw_lines: tuple[int, ...] = ()

    @property
    def lines(self) -> list[int]:
        """Spreadsheet line of each row of :attr:`rows` (header = line 1)."""
        if self.valid is not None:
            return list(self.valid.attrs.get("lines") or range(2, len(self.valid) + 2))
        return list(self.raw_lines)

    @property
    def rows(self) -> pd.DataFrame | None:
        """The validated table, else the raw text table, else ``None`` (unreadable)."""
        return self.valid if self.valid is not None else self.raw

    def has(self, *cols: str) -> bool:
        """True when the table was read and has every column."""
        return self.rows is not None and all(c in self.rows.columns for c in cols)


def _file_level(path: Path) -> str:
    """``"points"`` when the demand file has a ``point_id`` column, else ``"villages"`` (also
    when it cannot be read: the reader then says why)."""
    if path.suffix.lower() in GEO_SUFFIXES and path.exists():
        try:
            import pyogrio

            return "points" if "point_id" in pyogrio.read_info(path)["fields"] else "villages"
        except Exception:  # noqa: BLE001 - read_points reports an unreadable file
            return "villages"
    try:
        head = read_table(path).df.columns
    except InputError:
        return "villages"
    return "points" if "point_id" in head else "villages"


def _demand_id(level: str) -> str:
    return "point_id" if level == "points" else "village_code"


def _read_tables(files: Mapping[str, Path], level: str, errors: list[InputError],
                 crs: Mapping[str, str] | None = None) -> dict[str, _Table]:
    """Each file through :func:`optimizer.io.points.read_points`; a file that fails keeps its
    raw text for the other checks (its problems appended to ``errors``)."""
    specs: dict[str, TableSpec] = {
        "elderly": ELDERLY_POINTS if level == "points" else ELDERLY_VILLAGES,
        "canteens": CANTEENS, "candidates": CANDIDATES}
    counts = {"elderly": ("elderly_60plus",), "canteens": ("capacity_meals_per_day",),
              "candidates": ("capacity_meals_per_day", "opening_cost_cny")}
    out: dict[str, _Table] = {}
    for role, spec in specs.items():
        valid, raw, lines, found = None, None, (), []
        try:
            valid = read_points(files[role], spec=spec, count_cols=counts[role],
                                required=spec.required, problems=errors,
                                crs=(crs or {}).get(role, WGS84_NAME))
        except InputErrors as exc:
            found = exc.errors
        except InputError as exc:
            found = [exc]
        if valid is None:
            raw, lines = _raw_table(files[role])
        errors += found
        out[role] = _Table(role, files[role], spec.id_col, valid, raw, lines)
    return out


def _raw_table(path: Path) -> tuple[pd.DataFrame | None, tuple[int, ...]]:
    """A table as text with the line of each row, or ``(None, ())`` if it cannot be read at
    all (:func:`read_points` has reported why)."""
    try:
        if path.suffix.lower() in GEO_SUFFIXES:
            g = gpd.read_file(path)
            df = pd.DataFrame(g.drop(columns=g.geometry.name)).fillna("").astype(str)
            return df.apply(lambda c: c.str.strip()), tuple(range(2, len(df) + 2))
        t = read_table(path)
    except Exception:  # noqa: BLE001 - read_points has reported why
        return None, ()
    return t.df, tuple(t.lines)


def _number(value: Any) -> float | None:
    try:
        v = float(str(value).strip().replace("\u2212", "-"))
    except ValueError:
        return None
    return v if np.isfinite(v) else None


# --------------------------------------------------------------------------------- validation
def _check_sites(t: _Table) -> list[InputError]:
    """``delivers`` values that are not yes/no (capacities: :func:`read_points` refuses
    negative, fractional and non-numeric ones, the spec's bounds zero and absurd ones)."""
    errors: list[InputError] = []
    if not t.has(t.id_col):
        return errors
    rows, fname, lines = t.rows, str(t.path), t.lines
    assert rows is not None
    if t.has("delivers"):
        for k, (sid, v) in enumerate(zip(rows[t.id_col], rows["delivers"])):
            if v.strip() and parse_yes_no(v) is None:
                errors.append(InputError(
                    f"{sid!r}: delivers {v!r}; expected yes or no (是/否, true/false, 1/0)",
                    file=fname, line=lines[k], row=k + 1, field="delivers"))
    return errors


def _located(t: _Table) -> tuple[gpd.GeoDataFrame, list[int]]:
    """Points to place on islands with their spreadsheet lines: every row of a validated table,
    the rows with numeric degrees inside the study area of a raw one."""
    if t.valid is not None:
        return t.valid, t.lines
    raw = t.raw
    if raw is None or not t.has(t.id_col, "lon", "lat"):
        return gpd.GeoDataFrame(geometry=[], crs=WGS84), []
    lon = raw["lon"].map(_number)
    lat = raw["lat"].map(_number)
    x0, y0, x1, y1 = PUTUO_BBOX  # rows outside it: read_points has reported them
    ok = [k for k in range(len(raw)) if lon.iloc[k] is not None and lat.iloc[k] is not None
          and x0 <= lon.iloc[k] <= x1 and y0 <= lat.iloc[k] <= y1]
    sub = raw.iloc[ok].assign(lon=lon.iloc[ok].astype(float), lat=lat.iloc[ok].astype(float))
    gdf = gpd.GeoDataFrame(sub, geometry=gpd.points_from_xy(sub["lon"], sub["lat"]), crs=WGS84)
    return gdf.reset_index(drop=True), [t.lines[k] for k in ok]


def _island_check(t: _Table, islands: gpd.GeoDataFrame, errors: list[InputError]) -> list[str]:
    """Island of each point from the polygons; points in the sea and stated-island mismatches are
    errors (naming the spreadsheet line)."""
    from optimizer.network.islands import island_of

    gdf, rows = _located(t)
    if len(gdf) == 0:
        return []
    fname, id_col = str(t.path), t.id_col
    where = island_of(gdf, islands)
    out = []
    stated = gdf["island_id"].astype(str).tolist() if "island_id" in gdf.columns else None
    for k, (isl, st, d) in enumerate(zip(where["island_id"], where["status"],
                                         where["distance_to_land_m"])):
        who = gdf[id_col].iloc[k]
        if st == "in_sea":
            errors.append(InputError(
                f"{who!r} at ({gdf['lon'].iloc[k]:.6f} E, {gdf['lat'].iloc[k]:.6f} N) lies in the "
                f"sea, {d:.0f} m from the nearest island; check the coordinates (GCJ-02 given as "
                "WGS84? swapped?)", file=fname, line=rows[k], field="lon"))
        elif stated is not None and stated[k] not in ("", "nan") and stated[k] != isl:
            errors.append(InputError(
                f"{who!r}: island_id {stated[k]!r} but the point lies on island {isl!r}; fix the "
                "island or the coordinates", file=fname, line=rows[k], field="island_id"))
        out.append(str(isl))
    return out


def _check_unique_sites(canteens: _Table, candidates: _Table) -> list[InputError]:
    """Candidate ids that are also canteen ids."""
    if not (canteens.has("canteen_id") and candidates.has("site_id")):
        return []
    assert canteens.rows is not None and candidates.rows is not None
    both = set(canteens.rows["canteen_id"]) & set(candidates.rows["site_id"])
    lines = candidates.lines
    return [InputError(f"site id {sid!r} is also an existing canteen id; ids must be unique "
                       "across canteens and candidates", file=str(candidates.path),
                       line=lines[k], row=k + 1, field="site_id")
            for k, sid in enumerate(candidates.rows["site_id"]) if sid in both]


def _check_open_candidates(wanted: Sequence[str], candidates: _Table,
                           scenario_file: str | None) -> list[InputError]:
    """One error per ``open_candidates`` id that is not in the candidate file (skipped when the
    file has no readable ``site_id`` column: its own errors say why)."""
    if not wanted or not candidates.has("site_id"):
        return []
    assert candidates.rows is not None
    known = set(candidates.rows["site_id"])
    path = candidates.path
    return [InputError(f"candidate site {sid!r} (item {k + 1} of open_candidates) is not in the "
                       f"candidate file {path}; known ids e.g. {sorted(known)[:5]}",
                       file=scenario_file or str(path),
                       field="meals.open_candidates" if scenario_file else "open_candidates")
            for k, sid in enumerate(wanted) if sid not in known]


# ----------------------------------------------------------------------------------- assembly
def _assemble(tables: Mapping[str, _Table], island_ids: Mapping[str, list[str]], level: str,
              islands: gpd.GeoDataFrame) -> MealsInputs:
    """The validated tables in the planner's columns, with the inputs' notes."""
    dem, can, cand = (tables[r].valid for r in ("elderly", "canteens", "candidates"))
    assert dem is not None and can is not None and cand is not None
    isl_names = dict(zip(islands["island_id"].astype(str), islands["name_zh"].astype(str)))
    dem_isl = island_ids["elderly"]
    d = gpd.GeoDataFrame({
        "point_id": dem[_demand_id(level)].astype(str),
        "village_code": dem["village_code"].astype(str),
        "village_name_zh": _col(dem, "name_zh"),
        "town_code": _col(dem, "town_code"),
        "town_name": _col(dem, "town_name"),
        "island_id": dem_isl,
        "island_name_zh": [isl_names.get(i, "") for i in dem_isl],
        "elderly_60plus": dem["elderly_60plus"].astype(np.int64),
        "lon": dem["lon"].astype(float), "lat": dem["lat"].astype(float),
    }, geometry=dem.geometry.values, crs=WGS84)
    if "island_name_zh" in dem.columns:  # keep the file's name (e.g. 白沙岛(推测))
        d["island_name_zh"] = dem["island_name_zh"].astype(str).to_numpy()
    c = _sites(can, "canteen_id", island_ids["canteens"], kind="canteen", cost=None)
    s = _sites(cand, "site_id", island_ids["candidates"], kind="candidate",
               cost=cand["opening_cost_cny"])
    return MealsInputs(demand=d, canteens=c, candidates=s, demand_level=level,
                       files={r: str(t.path) for r, t in tables.items()},
                       notes=_input_notes(tables, level))


def _col(gdf: pd.DataFrame, name: str, default: Any = "") -> pd.Series:
    return gdf[name].astype(str) if name in gdf.columns else pd.Series(default, index=gdf.index)


def _sites(gdf: gpd.GeoDataFrame, id_col: str, island_ids: list[str], *, kind: str,
           cost: pd.Series | None) -> gpd.GeoDataFrame:
    """Canteens or candidates in the common site columns."""
    return gpd.GeoDataFrame({
        "site_id": gdf[id_col].astype(str), "name_zh": gdf["name_zh"].astype(str),
        "kind": _col(gdf, "kind", kind), "island_id": island_ids,
        "capacity_meals_per_day": gdf["capacity_meals_per_day"].astype(float),
        "opening_cost_cny": 0.0 if cost is None else cost.astype(float),
        "delivers": [parse_yes_no(v) is not False for v in _col(gdf, "delivers", "yes")],
        "lon": gdf["lon"].astype(float), "lat": gdf["lat"].astype(float),
    }, geometry=gdf.geometry.values, crs=WGS84)


def _input_notes(tables: Mapping[str, _Table], level: str) -> tuple[Note, ...]:
    """Synthetic-data note from the files' own ``synthetic`` flags; the demand-point note when
    the demand file holds flagged synthetic points."""
    flagged = {role: t.valid is not None and bool(synthetic_rows(t.valid).any())
               for role, t in tables.items()}
    notes: list[Note] = []
    syn = synthetic_note(tables[r].path for r in ("elderly", "canteens", "candidates")
                         if flagged[r])
    if syn is not None:
        notes.append(syn)
    notes += coordinate_notes(*(t.valid for t in tables.values()))
    if level == "points" and flagged["elderly"]:
        notes.append(DEMAND_POINTS_NOTE)
    return tuple(notes)
