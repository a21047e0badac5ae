"""Writer of ``optimizer access``: the travel-time tables, the summary by island and band, the
map of bands and facilities, and the manifest.

Files (all published: demand points are synthetic aggregates of about 25 residents, never
homes; facilities are public places):

* ``access_villages.csv``, ``access_points.csv``: one row per village / demand point (UTF-8
  with BOM for Excel; times ``HH:MM``, durations whole minutes);
* ``access_summary.csv`` and ``summary.json``: residents aged 60+ by island and time band;
* ``access_map.html``: bands by colour, facilities as markers (offline-friendly: every script
  inlined; no ``NaN`` in its GeoJSON, unreachable points have an empty time);
* ``manifest.json``: inputs and their SHA-256, settings, software versions, run time.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from optimizer.outputs.manifest import TOOL, input_hashes, package_versions
from optimizer.services.base import OutputFile

__all__ = ["BAND_COLOURS", "access_map", "write_access"]

BAND_COLOURS = {"0-15": "#1a9850", "15-30": "#91cf60", "30-60": "#d9ef8b", "60-90": "#fee08b",
                "90-120": "#fc8d59", "over 120": "#d73027", "unreachable": "#6a3d9a"}
"""Colour per band (ColorBrewer RdYlGn, reversed; purple for unreachable)."""

BAND_ZH = {"0-15": "15分钟内", "15-30": "15-30分钟", "30-60": "30-60分钟", "60-90": "60-90分钟",
           "90-120": "90-120分钟", "over 120": "超过120分钟", "unreachable": "当天无法到达"}
"""Chinese band names (the map's layers and legend)."""


MODE_ZH = {"car": "汽车", "ebike": "电动自行车", "walk": "步行"}
"""Travel modes as a Chinese reader reads them (map title)."""


def _points_layer(m: Any, t: pd.DataFrame, *, id_col: str, radius_px: float,
                  show: bool, level: tuple[str, str]) -> None:
    from optimizer.outputs.maps import add_points

    cols = [id_col, "village_name_zh", "island_name_zh", "elderly_60plus", "facility_name",
            "arrive", "travel_time_min", "ferry_legs", "reason_zh", "reason_en"]
    labels = {id_col: "编号 ID", "village_name_zh": "村/社区 Village", "island_name_zh": "岛 Island",
              "elderly_60plus": "60岁以上 Aged 60+", "facility_name": "最近设施 Nearest facility",
              "arrive": "到达 Arrive", "travel_time_min": "用时（分钟）Minutes",
              "ferry_legs": "渡轮 Ferries", "reason_zh": "原因", "reason_en": "Reason"}
    for band, colour in BAND_COLOURS.items():
        sub = t[t["band"] == band]
        if sub.empty:
            continue
        g = gpd.GeoDataFrame(
            sub[cols].assign(travel_time_min=sub["travel_time_min"].map(
                lambda v: "" if pd.isna(v) else str(int(v)))).fillna(""),
            geometry=gpd.points_from_xy(sub["lon"], sub["lat"]), crs="EPSG:4326")
        add_points(m, g, name=(f"{level[0]} {BAND_ZH[band]}", f"{level[1]} {band} min"
                               if band != "unreachable" else f"{level[1]} unreachable"),
                   color=colour, icon=None, radius_px=radius_px, tooltip_cols=cols,
                   labels=labels, show=show)


def access_map(report: Any, path: Path, *, tiles: str = "osm", offline: bool = True) -> Path:
    """Write the map: one layer per band for the demand points and for the villages (villages
    hidden at first), and the facilities.

    Raises
    ------
    optimizer.errors.PrivacyError
        If a layer would carry personal columns (none does by construction).
    """
    from optimizer.outputs.maps import add_points, base_map, save_map
    from optimizer.results import NoteKind

    p = report.params
    approx = any(n.kind is NoteKind.APPROXIMATE_ROADS for n in report.notes)
    m = base_map(title_zh=f"到最近设施的用时（{MODE_ZH.get(p['mode'], p['mode'])}，{p['depart']} "
                          f"出发，{p['date']}）",
                 title_en=f"Travel time to the nearest facility ({p['mode']}, leaving "
                          f"{p['depart']}, {p['date']})", tiles=tiles,
                 notes=[str(n) for n in report.notes if n.kind is not NoteKind.APPROXIMATE_ROADS],
                 approximate_roads=approx)
    if report.points is not None:
        _points_layer(m, report.points, id_col="point_id", radius_px=3.5, show=True,
                      level=("需求点", "Points"))
    if report.villages is not None:
        _points_layer(m, report.villages, id_col="village_code", radius_px=7.0,
                      show=report.points is None, level=("村", "Villages"))
    f = report.facilities
    fcols = ["facility_id", "name_zh", "name_en", "island"]
    g = gpd.GeoDataFrame(f[fcols].fillna("").astype(str),
                         geometry=gpd.points_from_xy(f["lon"], f["lat"]), crs="EPSG:4326")
    add_points(m, g, name=("设施", "Facilities"), color="red", icon="hospital",
               tooltip_cols=fcols, labels={"facility_id": "编号 ID", "name_zh": "名称",
                                           "name_en": "Name", "island": "岛 Island"})
    return save_map(m, path, offline=offline)


def _csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, encoding="utf-8-sig")


def _manifest(report: Any, out_dir: Path, files: list[str], runtime_s: float) -> None:
    content = {
        "tool": TOOL, "command": "access",
        "created_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "runtime_s": round(runtime_s, 2), "params": report.params,
        "inputs": input_hashes([p for p in report.inputs if p.exists()]),
        "coordinate_conversions": report.facilities.attrs.get("coord_conversions", []),
        "kpis": report.kpis(), "files": files, "packages": package_versions(),
        "notes": [str(n) for n in report.notes],
    }
    (out_dir / "manifest.json").write_text(
        json.dumps(content, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def write_access(report: Any, out_dir: str | Path, *, tiles: str = "osm",
                 runtime_s: float = 0.0) -> list[OutputFile]:
    """Write every file of an access report into ``out_dir``.

    Parameters
    ----------
    report
        An :class:`optimizer.scenario.access.AccessReport`.
    out_dir
        Folder (the staging folder of :func:`optimizer.scenario.outdir.staged_folder`).
    tiles
        Map tiles (``"osm"``, ``"tianditu"``, ``"amap"``, ``"offline"``).
    runtime_s
        Seconds the computation took (manifest only).

    Returns
    -------
    list of OutputFile
        Every file written, ``manifest.json`` last.
    """
    out = Path(out_dir)
    files: list[OutputFile] = []
    for level, t in (("villages", report.villages), ("points", report.points)):
        if t is not None:
            _csv(t, out / f"access_{level}.csv")
            by = "村" if level == "villages" else "需求点"
            files.append(OutputFile(f"access_{level}.csv", f"到最近设施用时（按{by}） "
                                    f"Travel time to the nearest facility by {level[:-1]}"))
    _csv(report.summary, out / "access_summary.csv")
    files.append(OutputFile("access_summary.csv", "按岛屿和用时段的60岁以上老人数 Residents "
                            "aged 60+ by island and time band"))
    summary = {"params": report.params, "kpis": report.kpis(),
               "by_island": json.loads(report.summary.to_json(orient="records",
                                                              force_ascii=False))}
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2),
                                      encoding="utf-8")
    files.append(OutputFile("summary.json", "汇总 Summary (KPIs, bands by island)"))
    access_map(report, out / "access_map.html", tiles=tiles)
    files.append(OutputFile("access_map.html", "用时分段地图 Map of travel-time bands"))
    names = [f.path for f in files] + ["manifest.json"]
    _manifest(report, out, names, runtime_s)
    files.append(OutputFile("manifest.json", "清单 Manifest: inputs, settings, versions"))
    return files
