"""Difference map of two scenario runs (方案对比地图), read from their run folders.

:func:`diff_runs` reads the *published* tables of two run folders written by
:func:`optimizer.scenario.run.run_scenario` (it never re-solves and never opens ``dispatch/``)
and lines them up:

* **Villages** (``meals/by_village.csv``): elderly residents covered within the threshold in A
  and B, the covered share of each, and the change B − A in percentage points, classed
  ``gained`` / ``lost`` / ``unchanged`` (exact comparison of the counts), or ``only_a`` /
  ``only_b`` for a village listed in one run only. Each village is drawn at the
  elderly-weighted mean of its published demand points (``meals/coverage_points.csv``, synthetic
  points around the village, never homes).
* **Canteens** (``meals/canteens.csv``: the canteens open in the run; ``meals/siting.csv``: the
  recommended new sites, first option): ``both``, ``added`` (open in B only), ``removed`` (open
  in A only) or ``recommended`` (recommended in A and/or B, open in neither). Positions come from
  ``lon``/``lat`` in ``canteens.csv`` and ``siting.csv`` when the run wrote them, else (runs
  written before) from the canteen and candidate input files named in the run's
  ``manifest.json`` (public facilities).
* **Dialysis rides by island**: trips, served and unserved per home island in A and B, counted
  from ``dialysis/trips.csv`` (``home_island_id`` of each served trip; runs written before it
  existed: the home stops of the per-ride ``dialysis/stops.csv``) and ``dialysis/unserved.csv`` (an unserved trip's island is its
  ``island_id`` column when present, else the island of the same ride's other, served leg, else
  "未知 unknown"). Only counts per island are published: no names, ride numbers or points.

Nothing is dropped silently: a village, site or trip without a position or island stays in the
tables and is named in a map note.

:func:`coverage_diff_map` draws it all on one bilingual map (layer per class, legend, layer
control); :func:`save_coverage_diff_map` writes it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from optimizer.errors import InputError
from optimizer.outputs.maps import (
    add_points,
    assert_publishable,
    base_map,
    save_map,
)

__all__ = [
    "CANTEEN_STATUS_LABELS",
    "CHANGE_COLOURS",
    "CHANGE_LABELS",
    "UNKNOWN_ISLAND",
    "RunDiff",
    "coverage_diff_map",
    "diff_runs",
    "save_coverage_diff_map",
]

CHANGE_COLOURS = {"gained": "#1a9850", "lost": "#d73027", "unchanged": "#9e9e9e",
                  "only_a": "#762a83", "only_b": "#2166ac"}
"""Colour per change class (ColorBrewer RdYlGn ends for gained/lost, grey for unchanged, PRGn and
RdBu ends for villages listed in one run only)."""

CHANGE_LABELS = {"gained": ("覆盖率提高的村", "Villages with higher coverage"),
                 "lost": ("覆盖率下降的村", "Villages with lower coverage"),
                 "unchanged": ("覆盖率不变的村", "Villages with unchanged coverage"),
                 "only_a": ("仅见于方案A的村", "Villages in run A only"),
                 "only_b": ("仅见于方案B的村", "Villages in run B only")}
"""Bilingual layer name per village change class."""

CANTEEN_STATUS_LABELS = {"both": ("两方案均开的食堂", "Canteens open in both"),
                         "added": ("方案B新开食堂", "Canteens added in B"),
                         "removed": ("方案B未开食堂", "Canteens removed in B"),
                         "recommended": ("推荐新址", "Recommended new sites")}
"""Bilingual layer name per canteen status."""

_CANTEEN_STYLE = {"both": ("blue", "utensils"), "added": ("green", "plus"),
                  "removed": ("red", "xmark"), "recommended": ("orange", "star")}

UNKNOWN_ISLAND = "未知 unknown"
"""``island_id`` of unserved trips whose home island the run folder does not say."""

_RIDE_COLOURS = {"more_served": "green", "fewer_served": "red", "unchanged": "gray"}
_RIDE_LABELS = {"more_served": "已安排增加 More served", "fewer_served": "已安排减少 Fewer served",
                "unchanged": "不变 Unchanged"}


@dataclass(frozen=True)
class RunDiff:
    """Two runs lined up for the difference map (all frames are publishable).

    Attributes
    ----------
    name_a, name_b
        Scenario names (``summary.json`` ``scenario``).
    villages
        One row per village of either run: ``village_code, village_name_zh, town_name,
        island_id, elderly_a, elderly_b, covered_a, covered_b, covered_pct_a, covered_pct_b``
        (percent, 1 decimal), ``change_pp`` (B − A, percentage points, 1 decimal),
        ``covered_change`` (residents, B − A), ``change`` (class, see :data:`CHANGE_LABELS`),
        ``lon, lat`` (degrees, EPSG:4326; NaN when unknown).
    canteens
        One row per site open or recommended in either run: ``site_id, name_zh, island_id,
        status`` (see :data:`CANTEEN_STATUS_LABELS`), ``open_a, open_b`` (bool),
        ``recommended`` (``"", "A", "B", "A+B"``), ``capacity_meals_per_day, meals_per_day_a,
        meals_per_day_b, lon, lat``.
    dialysis
        One row per home island with dialysis trips in either run: ``island_id,
        island_name_zh, trips_a, served_a, unserved_a, trips_b, served_b, unserved_b,
        served_change, unserved_change, change`` (``more_served``/``fewer_served``/
        ``unchanged``), ``lon, lat``.
    notes
        Bilingual notes on gaps (missing tables, positions, islands), in order.
    tiles
        Base tiles of run A (``manifest.json``), used by default on the map.
    approximate_roads, synthetic
        Whether either run says its roads are approximate / its data synthetic.
    """

    name_a: str
    name_b: str
    villages: pd.DataFrame
    canteens: pd.DataFrame
    dialysis: pd.DataFrame
    notes: tuple[str, ...] = ()
    tiles: str = "osm"
    approximate_roads: bool = False
    synthetic: bool = False


@dataclass
class _Run:
    path: Path
    summary: dict[str, Any]
    manifest: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.summary.get("scenario", self.path.name))

    def csv(self, rel: str) -> pd.DataFrame | None:
        p = self.path / rel
        if not p.is_file():
            return None
        try:
            return pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the run table: {exc}", file=str(p)) from exc


def _load_run(path: str | Path) -> _Run:
    p = Path(path)
    summary = p / "summary.json"
    if not summary.is_file():
        raise InputError(f"no summary.json in {p}; run the scenario first "
                         "(optimizer run SCENARIO --out DIR)", file=str(summary))
    try:
        s = json.loads(summary.read_text(encoding="utf-8"))
        m = json.loads((p / "manifest.json").read_text(encoding="utf-8")) \
            if (p / "manifest.json").is_file() else {}
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc}", file=str(summary)) from exc
    return _Run(p, s, m)


def _num(df: pd.DataFrame, col: str, *, file: str) -> pd.Series:
    """A numeric column; an unparsable cell is an InputError naming file, row and field."""
    raw = df[col].astype(str).str.strip()
    out = pd.to_numeric(raw.replace("", np.nan), errors="coerce")
    bad = out.isna() & (raw != "")
    if bad.any():
        k = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{raw.iloc[k]!r} is not a number", file=file, row=k + 1, field=col)
    return out


def _need(df: pd.DataFrame, cols: Sequence[str], *, file: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InputError(f"columns {missing} missing (have {list(df.columns)}); was the run "
                         "folder written by this version of `optimizer run`?", file=file,
                         field=missing[0])


# ----------------------------------------------------------------------------- villages
def _village_points(run: _Run) -> pd.DataFrame:
    """Elderly-weighted mean lon/lat of each village's published demand points."""
    rel = "meals/coverage_points.csv"
    df = run.csv(rel)
    if df is None or not len(df):
        return pd.DataFrame(columns=["lon", "lat"]).rename_axis("village_code")
    f = str(run.path / rel)
    _need(df, ["village_code", "lon", "lat"], file=f)
    w = _num(df, "elderly", file=f).fillna(0.0) if "elderly" in df.columns else 1.0
    pts = pd.DataFrame({"village_code": df["village_code"], "lon": _num(df, "lon", file=f),
                        "lat": _num(df, "lat", file=f)})
    pts["w"] = np.asarray(w, dtype=float) if not np.isscalar(w) else float(w)
    pts = pts.dropna(subset=["lon", "lat"])
    pts.loc[pts["w"] <= 0, "w"] = 1e-9  # villages with no residents: plain mean

    def mean(g: pd.DataFrame) -> pd.Series:
        return pd.Series({"lon": np.average(g["lon"], weights=g["w"]),
                          "lat": np.average(g["lat"], weights=g["w"])})

    out = pts.groupby("village_code", sort=False)[["lon", "lat", "w"]].apply(mean)
    return out.round(5)


def _villages(ra: _Run, rb: _Run) -> pd.DataFrame:
    cols = ["village_code", "village_name_zh", "town_name", "island_id", "elderly_a",
            "elderly_b", "covered_a", "covered_b", "covered_pct_a", "covered_pct_b", "change_pp",
            "covered_change", "change", "lon", "lat"]
    frames = {}
    for tag, run in (("a", ra), ("b", rb)):
        rel = "meals/by_village.csv"
        df = run.csv(rel)
        if df is None:
            run.notes.append(f"方案 {run.name} 无按村覆盖表 · run {run.name} has no {rel} "
                             "(meals not run?)")
            continue
        f = str(run.path / rel)
        _need(df, ["village_code", "elderly_total", "elderly_covered"], file=f)
        df = df[~df["village_code"].astype(str).str.startswith("合计")]  # the total row
        frames[tag] = pd.DataFrame({
            "village_code": df["village_code"].astype(str),
            "village_name_zh": df.get("village_name_zh", ""),
            "town_name": df.get("town_name", ""),
            "island_id": df.get("island_id", ""),
            f"elderly_{tag}": _num(df, "elderly_total", file=f),
            f"covered_{tag}": _num(df, "elderly_covered", file=f)}).drop_duplicates("village_code")
    if not frames:
        return pd.DataFrame(columns=cols)
    key = ["village_code", "village_name_zh", "town_name", "island_id"]
    if len(frames) == 2:
        v = frames["a"].merge(frames["b"], on="village_code", how="outer",
                              suffixes=("", "_fromb"), indicator=True)
        for c in key[1:]:
            v[c] = v[c].where(v[c].notna() & (v[c] != ""), v.get(f"{c}_fromb"))
        v = v.drop(columns=[f"{c}_fromb" for c in key[1:]])
    else:
        (tag, only), = frames.items()
        v = only.assign(_merge="left_only" if tag == "a" else "right_only")
        other = "b" if tag == "a" else "a"
        v[f"elderly_{other}"] = np.nan
        v[f"covered_{other}"] = np.nan
    ea, eb = v["elderly_a"].to_numpy(float), v["elderly_b"].to_numpy(float)
    ca, cb = v["covered_a"].to_numpy(float), v["covered_b"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        pa, pb = 100.0 * ca / ea, 100.0 * cb / eb
        # exact class from the counts: cb/eb vs ca/ea, i.e. cb*ea vs ca*eb
        cross = cb * ea - ca * eb
    scale = np.maximum(1.0, np.abs(cb * ea) + np.abs(ca * eb))
    change = np.where(cross > 1e-9 * scale, "gained",
                      np.where(cross < -1e-9 * scale, "lost", "unchanged"))
    change = np.where(v["_merge"] == "left_only", "only_a",
                      np.where(v["_merge"] == "right_only", "only_b", change))
    v["covered_pct_a"] = np.round(pa, 1)
    v["covered_pct_b"] = np.round(pb, 1)
    v["change_pp"] = np.round(pb - pa, 1)
    v["covered_change"] = np.round(cb - ca, 1)
    v["change"] = change
    pts = _village_points(ra)
    pts_b = _village_points(rb)
    pts = pd.concat([pts, pts_b[~pts_b.index.isin(pts.index)]])
    v["lon"] = v["village_code"].map(pts["lon"]).astype(float)
    v["lat"] = v["village_code"].map(pts["lat"]).astype(float)
    order = {"lost": 0, "gained": 1, "only_a": 2, "only_b": 3, "unchanged": 4}
    v = v.assign(_o=v["change"].map(order), _d=-np.abs(v["change_pp"].fillna(0)))
    v = v.sort_values(["_o", "_d", "village_code"], kind="stable")
    return v[cols].reset_index(drop=True)


# ----------------------------------------------------------------------------- canteens
def _input_sites(run: _Run) -> pd.DataFrame:
    """site id -> lon/lat from the canteen and candidate inputs named in the run's manifest."""
    from optimizer.datasets import get_path

    params = run.manifest.get("params", {}) if isinstance(run.manifest, dict) else {}
    meals = params.get("meals") or {}
    dataset = params.get("dataset")
    rows = []
    for key, default in (("canteens", "synthetic/canteens.csv"),
                         ("candidates", "synthetic/candidate_sites.csv")):
        given = meals.get(key)
        path = Path(given) if given else (Path(dataset) / default if dataset else None)
        if path is None or not path.is_file():
            try:
                path = get_path(f"putuo/{default}") if not given else None
            except Exception:  # noqa: BLE001 - a missing embedded file is reported below
                path = None
        if path is None or not path.is_file():
            run.notes.append(f"找不到食堂位置文件 · site positions file not found: {given or default}")
            continue
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        idc = next((c for c in ("site_id", "canteen_id") if c in df.columns), None)
        if idc is None or not {"lon", "lat"} <= set(df.columns):
            continue
        rows.append(pd.DataFrame({"site_id": df[idc], "lon": _num(df, "lon", file=str(path)),
                                  "lat": _num(df, "lat", file=str(path))}))
    if not rows:
        return pd.DataFrame(columns=["lon", "lat"]).rename_axis("site_id")
    return pd.concat(rows).drop_duplicates("site_id").set_index("site_id")


def _sites(run: _Run) -> tuple[pd.DataFrame, set[str]]:
    """Open canteens (site_id, name_zh, island_id, capacity, meals_per_day, lon, lat) and the
    recommended new sites of one run."""
    cols = ["site_id", "name_zh", "island_id", "capacity_meals_per_day", "meals_per_day", "lon",
            "lat"]
    df = run.csv("meals/canteens.csv")
    if df is None:
        open_ = pd.DataFrame(columns=cols)
    else:
        f = str(run.path / "meals/canteens.csv")
        _need(df, ["site_id"], file=f)
        open_ = pd.DataFrame({
            "site_id": df["site_id"].astype(str), "name_zh": df.get("name_zh", ""),
            "island_id": df.get("island_id", ""),
            "capacity_meals_per_day": (_num(df, "capacity_meals_per_day", file=f)
                                       if "capacity_meals_per_day" in df else np.nan),
            "meals_per_day": (_num(df, "meals_per_day", file=f) if "meals_per_day" in df
                              else np.nan),
            "lon": _num(df, "lon", file=f) if "lon" in df else np.nan,
            "lat": _num(df, "lat", file=f) if "lat" in df else np.nan})
    rec: set[str] = set()
    sit = run.csv("meals/siting.csv")
    if sit is not None and len(sit) and "site_id" in sit.columns:
        first = sit if "option" not in sit.columns else sit[sit["option"] == sit["option"].min()]
        rec = {s for s in first["site_id"].astype(str) if s}
    return open_, rec


def _siting_positions(run: _Run) -> pd.DataFrame:
    """site id -> lon/lat of the sites in ``meals/siting.csv`` (written since the table carries
    them; empty for older runs)."""
    sit = run.csv("meals/siting.csv")
    if sit is None or not {"site_id", "lon", "lat"} <= set(sit.columns):
        return pd.DataFrame(columns=["lon", "lat"]).rename_axis("site_id")
    f = str(run.path / "meals/siting.csv")
    return pd.DataFrame({"lon": _num(sit, "lon", file=f), "lat": _num(sit, "lat", file=f)}) \
        .set_index(sit["site_id"].astype(str)).dropna()


def _canteens(ra: _Run, rb: _Run) -> pd.DataFrame:
    cols = ["site_id", "name_zh", "island_id", "status", "open_a", "open_b", "recommended",
            "capacity_meals_per_day", "meals_per_day_a", "meals_per_day_b", "lon", "lat"]
    (oa, reca), (ob, recb) = _sites(ra), _sites(rb)
    ids = list(dict.fromkeys([*oa["site_id"], *ob["site_id"], *sorted(reca | recb)]))
    if not ids:
        return pd.DataFrame(columns=cols)
    ia, ib = oa.set_index("site_id"), ob.set_index("site_id")
    pos = pd.concat([ia[["lon", "lat"]].dropna(), ib[["lon", "lat"]].dropna(),
                     _siting_positions(ra), _siting_positions(rb)])
    pos = pos[~pos.index.duplicated()]
    if len(pos.index.intersection(ids)) < len(ids):  # runs written before siting.csv had them
        inputs = pd.concat([_input_sites(ra), _input_sites(rb)])
        inputs = inputs[~inputs.index.duplicated()]
        pos = pd.concat([pos, inputs[~inputs.index.isin(pos.index)]])
    rows = []
    for sid in ids:
        a, b = sid in ia.index, sid in ib.index
        src = ia.loc[sid] if a else (ib.loc[sid] if b else None)
        rec = "+".join(t for t, s in (("A", reca), ("B", recb)) if sid in s)
        status = "both" if a and b else "removed" if a else "added" if b else "recommended"
        rows.append({
            "site_id": sid,
            "name_zh": "" if src is None else src["name_zh"],
            "island_id": "" if src is None else src["island_id"],
            "status": status, "open_a": a, "open_b": b, "recommended": rec,
            "capacity_meals_per_day": np.nan if src is None else src["capacity_meals_per_day"],
            "meals_per_day_a": ia.loc[sid, "meals_per_day"] if a else np.nan,
            "meals_per_day_b": ib.loc[sid, "meals_per_day"] if b else np.nan,
            "lon": pos.loc[sid, "lon"] if sid in pos.index else np.nan,
            "lat": pos.loc[sid, "lat"] if sid in pos.index else np.nan})
    return pd.DataFrame(rows, columns=cols)


# ----------------------------------------------------------------------------- dialysis
def _island_names(run: _Run) -> dict[str, str]:
    df = run.csv("network/islands.csv")
    if df is None or "island_id" not in df.columns:
        return {}
    name = "name_zh" if "name_zh" in df.columns else "island_id"
    return dict(zip(df["island_id"], df[name]))


def _rides_by_island(run: _Run) -> pd.DataFrame | None:
    """trips / served / unserved per home island of one run (index island_id)."""
    stops, trips, uns = (run.csv(f"dialysis/{n}.csv") for n in ("stops", "trips", "unserved"))
    if trips is None and uns is None:
        run.notes.append(f"方案 {run.name} 无透析接送结果 · run {run.name} has no dialysis tables")
        return None
    trips = trips if trips is not None else pd.DataFrame(columns=["trip_id", "ride"])
    uns = uns if uns is not None else pd.DataFrame(columns=["trip_id", "ride"])
    home_of: dict[str, str] = {}
    ride_island: dict[str, str] = {}
    if "home_island_id" in trips.columns:  # runs since stops.csv holds counts only
        home_of = {str(t): str(i) for t, i in zip(trips["trip_id"], trips["home_island_id"])
                   if isinstance(i, str) and i}
        for t, isl in home_of.items():
            ride_island.setdefault(t.rsplit("-", 1)[0], isl)
    elif stops is not None and {"trip_id", "place_type", "island_id"} <= set(stops.columns):
        homes = stops[(stops["place_type"] == "home") & (stops["trip_id"] != "")]
        home_of = dict(zip(homes["trip_id"], homes["island_id"]))
        for t, isl in home_of.items():
            ride_island.setdefault(t.rsplit("-", 1)[0], isl)
    served = [home_of.get(t, UNKNOWN_ISLAND) for t in trips["trip_id"]]
    unserved = []
    for _, r in uns.iterrows():
        isl = str(r.get("island_id", "") or "")
        if not isl:
            ride = str(r.get("ride", "") or str(r["trip_id"]).rsplit("-", 1)[0])
            isl = ride_island.get(ride, UNKNOWN_ISLAND)
        unserved.append(isl)
    out = pd.DataFrame({"served": pd.Series(served, dtype=str).value_counts(),
                        "unserved": pd.Series(unserved, dtype=str).value_counts()}).fillna(0)
    out = out.astype(int)
    out["trips"] = out["served"] + out["unserved"]
    k = run.summary.get("kpis", {}).get("dialysis", {})
    for col, key in (("served", "trips_served"), ("unserved", "trips_unserved")):
        if key in k and int(out[col].sum()) != int(k[key]):
            run.notes.append(f"方案 {run.name}：按岛统计与汇总不符 · run {run.name}: {col} trips by "
                             f"island sum to {int(out[col].sum())}, summary says {k[key]}")
    n_unknown = int(out.loc[UNKNOWN_ISLAND, "trips"]) if UNKNOWN_ISLAND in out.index else 0
    if n_unknown:
        run.notes.append(f"方案 {run.name}：{n_unknown} 个行程的住址岛屿未知（未列入地图）· run "
                         f"{run.name}: home island unknown for {n_unknown} trip(s) (in the table, "
                         "not on the map)")
    return out


def _dialysis(ra: _Run, rb: _Run, villages: pd.DataFrame) -> pd.DataFrame:
    cols = ["island_id", "island_name_zh", "trips_a", "served_a", "unserved_a", "trips_b",
            "served_b", "unserved_b", "served_change", "unserved_change", "change", "lon", "lat"]
    a, b = _rides_by_island(ra), _rides_by_island(rb)
    if a is None and b is None:
        return pd.DataFrame(columns=cols)
    empty = pd.DataFrame(columns=["served", "unserved", "trips"], dtype=int)
    a = empty if a is None else a
    b = empty if b is None else b
    ids = sorted(set(a.index) | set(b.index), key=lambda s: (s == UNKNOWN_ISLAND, s))
    a = a.reindex(ids, fill_value=0)
    b = b.reindex(ids, fill_value=0)
    names = {**_island_names(rb), **_island_names(ra)}
    d = pd.DataFrame({"island_id": ids, "island_name_zh": [names.get(i, i) for i in ids],
                      "trips_a": a["trips"].to_numpy(), "served_a": a["served"].to_numpy(),
                      "unserved_a": a["unserved"].to_numpy(), "trips_b": b["trips"].to_numpy(),
                      "served_b": b["served"].to_numpy(), "unserved_b": b["unserved"].to_numpy()})
    d["served_change"] = d["served_b"] - d["served_a"]
    d["unserved_change"] = d["unserved_b"] - d["unserved_a"]
    d["change"] = np.where(d["served_change"] > 0, "more_served",
                           np.where(d["served_change"] < 0, "fewer_served", "unchanged"))
    d["change"] = np.where((d["served_change"] == 0) & (d["unserved_change"] != 0),
                           np.where(d["unserved_change"] < 0, "more_served", "fewer_served"),
                           d["change"])
    pos = _island_positions(villages, ra)
    d["lon"] = d["island_id"].map(lambda i: pos.get(i, (np.nan, np.nan))[0]).astype(float)
    d["lat"] = d["island_id"].map(lambda i: pos.get(i, (np.nan, np.nan))[1]).astype(float)
    return d[cols]


def _island_positions(villages: pd.DataFrame, run: _Run) -> dict[str, tuple[float, float]]:
    """island_id -> (lon, lat): the mean of the island's village points (where its residents
    live: for 舟山岛 the Putuo end, not the middle of the island), else the representative point
    of the island polygon (the run's dataset, else the embedded islands)."""
    out: dict[str, tuple[float, float]] = {}
    if len(villages):
        v = villages.dropna(subset=["lon", "lat"])
        for iid, g in v.groupby("island_id"):
            out[str(iid)] = (round(float(g["lon"].mean()), 5), round(float(g["lat"].mean()), 5))
    try:
        from optimizer.network.islands import load_islands

        dataset = (run.manifest.get("params") or {}).get("dataset")
        path = Path(dataset) / "islands" / "putuo_islands_gshhg.geojson" if dataset else None
        isl = load_islands(path) if path is not None and path.is_file() else load_islands()
        isl = isl.to_crs(4326)
        for iid, geom in zip(isl["island_id"].astype(str), isl.geometry):
            if iid not in out and geom is not None and not geom.is_empty:
                rp = geom.representative_point()
                out[iid] = (round(rp.x, 5), round(rp.y, 5))
    except Exception as exc:  # noqa: BLE001 - positions then come from village points only
        run.notes.append(f"岛屿轮廓不可用 · island outlines unavailable ({exc}); islands without "
                         "villages are not placed on the map")
    return out


# ----------------------------------------------------------------------------- diff
def diff_runs(run_a: str | Path, run_b: str | Path) -> RunDiff:
    """Line up the published tables of two run folders (villages, canteens, dialysis by island).

    Parameters
    ----------
    run_a, run_b
        Run folders written by ``optimizer run`` (each with ``summary.json``). Only published
        tables are read (``meals/``, ``dialysis/``, ``network/``), plus ``manifest.json`` for the
        input files' canteen positions; nothing is re-solved.

    Returns
    -------
    RunDiff
        Frames described in :class:`RunDiff`; positions in degrees, EPSG:4326.

    Raises
    ------
    optimizer.errors.InputError
        If a folder has no ``summary.json``, a JSON file is invalid, a table lacks a required
        column, or a numeric cell is not a number (file, row and field named).
    optimizer.errors.PrivacyError
        If a frame would carry a column that looks personal (defensive: the inputs are the
        de-identified tables).
    """
    ra, rb = _load_run(run_a), _load_run(run_b)
    villages = _villages(ra, rb)
    canteens = _canteens(ra, rb)
    dialysis = _dialysis(ra, rb, villages)
    notes: list[str] = []
    for run in (ra, rb):
        notes += [n for n in run.notes if n not in notes]
    n_v = int(villages[["lon", "lat"]].isna().any(axis=1).sum()) if len(villages) else 0
    if n_v:
        codes = villages.loc[villages[["lon", "lat"]].isna().any(axis=1), "village_code"]
        notes.append(f"{n_v} 个村无位置（仅列入表格）· {n_v} village(s) without a position (in the "
                     f"table, not on the map): {', '.join(codes.head(8))}"
                     + (" …" if n_v > 8 else ""))
    miss = canteens.loc[canteens[["lon", "lat"]].isna().any(axis=1), "site_id"] \
        if len(canteens) else pd.Series([], dtype=str)
    if len(miss):
        notes.append(f"{len(miss)} 个食堂无位置（仅列入表格）· {len(miss)} site(s) without a "
                     f"position (in the table, not on the map): {', '.join(miss)}")
    for name, df in (("villages", villages), ("canteens", canteens), ("dialysis", dialysis)):
        assert_publishable(df, layer=f"comparison {name}")
    kinds = {n.get("kind") for r in (ra, rb) for n in r.summary.get("notes", [])
             if isinstance(n, dict)}
    approx = "approximate_roads" in kinds or any(
        bool(r.summary.get("kpis", {}).get("network", {}).get("approximate_roads"))
        for r in (ra, rb))
    synthetic = "synthetic_data" in kinds
    tiles = str(((ra.manifest.get("params") or {}).get("outputs") or {}).get("tiles") or "osm")
    return RunDiff(ra.name, rb.name, villages, canteens, dialysis, tuple(notes), tiles,
                   approx, synthetic)


# ----------------------------------------------------------------------------- map
def _fmt(v: Any, digits: int = 1) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    if isinstance(v, (bool, np.bool_)):
        return "是 yes" if v else "否 no"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    f = float(v)
    return str(int(f)) if f.is_integer() else f"{f:.{digits}f}"


def _signed(v: Any) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    f = float(v)
    return "0" if f == 0 else (f"{f:+.0f}" if f.is_integer() else f"{f:+.1f}")


def _gdf(df: pd.DataFrame) -> gpd.GeoDataFrame:
    ok = df[["lon", "lat"]].notna().all(axis=1)
    d = df[ok]
    return gpd.GeoDataFrame(d.drop(columns=["lon", "lat"]),
                            geometry=gpd.points_from_xy(d["lon"].astype(float),
                                                        d["lat"].astype(float)), crs=4326)


def coverage_diff_map(
    diff: RunDiff,
    *,
    tiles: str | None = None,
    title_zh: str | None = None,
    title_en: str | None = None,
) -> folium.Map:
    """Draw the difference of two runs: villages by change in coverage, canteens of both runs
    (added / removed / recommended), dialysis rides by island.

    Parameters
    ----------
    diff
        From :func:`diff_runs`.
    tiles
        Base tiles (``"osm"``, ``"tianditu"``, ``"amap"``, ``"offline"``); default run A's.
    title_zh, title_en
        Titles; default "方案对比：A → B" / "Scenario comparison: A → B".

    Returns
    -------
    folium.Map
        A published map (privacy guard on) with layers named from :data:`CHANGE_LABELS` and the
        count, e.g. "覆盖率提高的村（2） Villages with higher coverage (2)" (gained, lost and
        unchanged always; one-run-only villages when any), one layer per canteen status of
        :data:`CANTEEN_STATUS_LABELS` present (with the count), and
        "透析接送（按岛） Dialysis rides by island".

    Raises
    ------
    optimizer.errors.InputError
        If ``tiles`` is unknown.
    optimizer.errors.PrivacyError
        If a layer would carry a personal column.
    """
    a, b = diff.name_a, diff.name_b
    notes = [f"A = {a}；B = {b}；变化 = B − A · change = B − A",
             *diff.notes]
    m = base_map(title_zh=title_zh or f"方案对比：{a} → {b}",
                 title_en=title_en or f"Scenario comparison: {a} → {b}",
                 tiles=tiles or diff.tiles, notes=notes,
                 approximate_roads=diff.approximate_roads, synthetic=diff.synthetic)
    v = diff.villages.copy()
    if len(v):
        v["share"] = [f"{_fmt(x)}% → {_fmt(y)}% ({_signed(d)} 个百分点 pp)"
                      for x, y, d in zip(v["covered_pct_a"], v["covered_pct_b"], v["change_pp"])]
        v["covered"] = [f"{_fmt(x, 0)} → {_fmt(y, 0)} ({_signed(d)})"
                        for x, y, d in zip(v["covered_a"], v["covered_b"], v["covered_change"])]
        v["elderly"] = [f"{_fmt(x, 0)} → {_fmt(y, 0)}" for x, y in zip(v["elderly_a"],
                                                                        v["elderly_b"])]
        labels = {"village_name_zh": "村/社区 Village", "village_code": "代码 Code",
                  "town_name": "街道/镇 Town", "island_id": "岛屿 Island",
                  "share": "覆盖率 A → B Covered share", "covered": "覆盖人数 A → B Covered",
                  "elderly": "60岁以上 A → B Aged 60+"}
        pops = ["village_name_zh", "village_code", "town_name", "island_id", "share", "covered",
                "elderly"]
        for cls in ("lost", "gained", "only_a", "only_b", "unchanged"):
            g = _gdf(v[v["change"] == cls])
            if not len(g) and cls not in ("lost", "gained", "unchanged"):
                continue
            zh, en = CHANGE_LABELS[cls]
            add_points(m, g, name=(f"{zh}（{len(g)}）", f"{en} ({len(g)})"),
                       color=CHANGE_COLOURS[cls], icon=None,
                       radius_px=5.0 if cls == "unchanged" else 7.0,
                       tooltip_cols=["village_name_zh", "share"], popup_cols=pops, labels=labels)
    c = diff.canteens.copy()
    if len(c):
        c["status_text"] = c["status"].map(lambda s: " ".join(CANTEEN_STATUS_LABELS[s]))
        c["meals"] = [f"{_fmt(x)} → {_fmt(y)}" for x, y in zip(c["meals_per_day_a"],
                                                                c["meals_per_day_b"])]
        c["open"] = [f"A {'开 open' if x else '未开 closed'} · B {'开 open' if y else '未开 closed'}"
                     for x, y in zip(c["open_a"], c["open_b"])]
        labels = {"site_id": "编号 Site", "name_zh": "名称 Name", "island_id": "岛屿 Island",
                  "status_text": "变化 Change", "open": "开放 Open", "recommended":
                  "推荐于 Recommended in", "capacity_meals_per_day": "容量 Capacity (meals/day)",
                  "meals": "15分钟内需求 A → B Demand within threshold (meals/day)"}
        pops = ["site_id", "name_zh", "island_id", "status_text", "open", "recommended",
                "capacity_meals_per_day", "meals"]
        for status in ("both", "added", "removed", "recommended"):
            g = _gdf(c[c["status"] == status])
            if not len(g):
                continue
            colour, icon = _CANTEEN_STYLE[status]
            zh, en = CANTEEN_STATUS_LABELS[status]
            add_points(m, g, name=(f"{zh}（{len(g)}）", f"{en} ({len(g)})"), color=colour,
                       icon=icon,
                       tooltip_cols=["name_zh", "status_text"], popup_cols=pops, labels=labels,
                       show=status != "both" or len(g) <= 60)
    d = diff.dialysis[diff.dialysis["island_id"] != UNKNOWN_ISLAND].copy()
    if len(d):
        d["served"] = [f"{x} → {y} ({_signed(z)})" for x, y, z in
                       zip(d["served_a"], d["served_b"], d["served_change"])]
        d["unserved"] = [f"{x} → {y} ({_signed(z)})" for x, y, z in
                         zip(d["unserved_a"], d["unserved_b"], d["unserved_change"])]
        d["trips"] = [f"{x} → {y}" for x, y in zip(d["trips_a"], d["trips_b"])]
        d["colour"] = d["change"].map(_RIDE_COLOURS)
        labels = {"island_name_zh": "岛屿 Island", "trips": "接送行程 A → B Trips",
                  "served": "已安排 A → B Served", "unserved": "未安排 A → B Unserved"}
        add_points(m, _gdf(d), name=("透析接送（按岛）", "Dialysis rides by island"),
                   color="gray", color_col="colour", icon="truck-medical",
                   tooltip_cols=["island_name_zh", "served", "unserved"],
                   popup_cols=["island_name_zh", "trips", "served", "unserved"], labels=labels,
                   legend={lab: _RIDE_COLOURS[k] for k, lab in _RIDE_LABELS.items()})
    return m


def save_coverage_diff_map(diff: RunDiff, path: str | Path, *, offline: bool = True,
                           **kwargs: Any) -> Path:
    """Write :func:`coverage_diff_map` as one HTML file.

    Parameters
    ----------
    diff
        From :func:`diff_runs`.
    path
        Output HTML file (parent folders created), e.g. ``OUT/maps/coverage_diff.html``.
    offline
        True (default): scripts and styles inlined (see :func:`optimizer.outputs.maps.save_map`).
    **kwargs
        Keyword options of :func:`coverage_diff_map`.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    optimizer.errors.InputError
        As :func:`coverage_diff_map` and :func:`optimizer.outputs.maps.save_map`.
    """
    return save_map(coverage_diff_map(diff, **kwargs), path, offline=offline)
