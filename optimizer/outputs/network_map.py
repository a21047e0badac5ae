"""The published network map of a run: islands by reachability, isochrones, piers, ferry routes.

Built from the generic layers of :mod:`optimizer.outputs.maps`; no personal data is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString

from optimizer.network.build import Network
from optimizer.network.contract import WGS84
from optimizer.outputs.maps import add_lines, add_points, add_polygons, base_map, save_map
from optimizer.results import Note, NoteKind

STATUS_COLOURS = {
    "land_linked": "#2ca02c",
    "ferry_only": "#1f77b4",
    "isolated": "#d62728",
    "no_nodes": "#aaaaaa",
}
"""Island fill colour by link status (see :func:`optimizer.network.islands.island_connectivity`)."""

STATUS_LABELS = {
    "land_linked": "陆路/桥梁相连 Joined by road or bridge",
    "ferry_only": "仅轮渡可达 Ferry only",
    "isolated": "无桥无航线 No bridge, no timetabled ferry",
    "no_nodes": "未建模 Not modelled",
}

ISO_COLOURS = ["#00441b", "#238b45", "#74c476", "#c7e9c0", "#f7fcf5"]


def ferry_lines(net: Network) -> gpd.GeoDataFrame:
    """One line per ferry route between two piers on modelled islands (EPSG:4326), with the day's
    sailing count and whether the route is suspended."""
    G = net.G
    counts: dict[tuple[str, str, str], int] = {}
    for s in net.timetable.sailings:
        key = (s.route_id, s.from_stop_id, s.to_stop_id)
        counts[key] = counts.get(key, 0) + 1
    rows = []
    for u, v, d in G.edges(data=True):
        if d.get("mode") != "ferry":
            continue
        a, b = G.nodes[u], G.nodes[v]
        if not a.get("island_id") or not b.get("island_id"):
            continue  # a pier outside the modelled islands (e.g. 嵊山): listed in the map notes
        key = (d["route_id"], a.get("stop_id", ""), b.get("stop_id", ""))
        rows.append({"route_id": d["route_id"],
                     "from_pier": a.get("name", a.get("stop_id", "")),
                     "to_pier": b.get("name", b.get("stop_id", "")),
                     "sailings_today": counts.get(key, 0),
                     "suspended": d["route_id"] in net.timetable.suspended_routes,
                     "geometry": LineString([(a["lon"], a["lat"]), (b["lon"], b["lat"])])})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


def network_map(net: Network, report: pd.DataFrame, isochrones: gpd.GeoDataFrame,
                unit: tuple[str, str, tuple[float, float]], path: str | Path, *,
                tiles: str = "osm", title_zh: str, title_en: str, synthetic: bool = False,
                notes: Sequence[str | Note] = ()) -> Path:
    """Write the network map of a run.

    Parameters
    ----------
    net
        The built network; its notes are shown (read by kind: approximate roads, estimated
        sailings).
    report
        :func:`optimizer.network.diagnostics.island_report` of the run (one row per island).
    isochrones
        Isochrone polygons (EPSG:4326, ``threshold_min``).
    unit
        ``(unit_id, name, (lon, lat))`` of the dialysis unit the isochrones start from.
    path
        HTML file to write (self-contained scripts; tiles from the network unless ``offline``).
    tiles
        ``osm``, ``tianditu``, ``amap`` (GCJ-02 shift applied) or ``offline``.
    title_zh, title_en
        Map title.
    synthetic
        Label the map "合成数据 Synthetic data": true when a layer drawn comes from generated
        rows (the dialysis unit's table flags its rows, :mod:`optimizer.io.provenance`).
    notes
        More notes of the run (e.g. the ``SYNTHETIC_DATA`` note naming the generated files).

    Returns
    -------
    pathlib.Path
    """
    lines: list[str | Note] = [*net.notes, *(n for n in notes if n not in net.notes)]
    off_map = sorted({d.get("name", d.get("stop_id", "")) for _, d in net.G.nodes(data=True)
                      if d.get("kind") == "pier" and not d.get("island_id")})
    if off_map:
        lines.append(Note(NoteKind.DATA_WARNING, "不在地图内的码头",
                          "Piers outside the modelled islands: " + ", ".join(off_map)))
    m = base_map(title_zh=title_zh, title_en=title_en, tiles=tiles, notes=lines,
                 approximate_roads=net.approximate_roads, synthetic=synthetic)
    isl = net.islands.merge(report[["island_id", "status", "earliest_arrival", "reachability"]],
                            on="island_id", how="left")
    isl = isl[isl["status"] != "no_nodes"].copy()
    isl["colour"] = isl["status"].map(STATUS_COLOURS).fillna("#aaaaaa")
    add_polygons(m, isl, name=("岛屿连通", "Island links"), color_col="colour",
                 tooltip_cols=["name_zh", "name_en", "island_id", "reachability"],
                 labels={"name_zh": "岛屿", "name_en": "Island", "island_id": "ID",
                         "reachability": "可达性 Reachability (from 沈家门 08:00)"},
                 legend={STATUS_LABELS[k]: c for k, c in STATUS_COLOURS.items() if k != "no_nodes"},
                 fill_opacity=0.45)
    iso = isochrones[~isochrones.geometry.is_empty].sort_values("threshold_min",
                                                                ascending=False).copy()
    for colour, r in zip(ISO_COLOURS[::-1][-len(iso):], iso.itertuples()):
        one = gpd.GeoDataFrame([{"threshold_min": int(r.threshold_min),
                                 "area_km2": round(float(r.area_km2), 1)}],
                               geometry=[r.geometry], crs=WGS84)
        add_polygons(m, one, name=(f"{int(r.threshold_min)} 分钟等时圈",
                                   f"{int(r.threshold_min)}-min isochrone"),
                     color=colour, fill_opacity=0.25, tooltip_cols=["threshold_min", "area_km2"],
                     labels={"threshold_min": "分钟 min", "area_km2": "面积 km²"}, show=False)
    lines = ferry_lines(net)
    if len(lines):
        add_lines(m, lines, name=("轮渡航线", "Ferry routes"), color="#ff7f0e",
                  dash=True, tooltip_cols=["route_id", "from_pier", "to_pier", "sailings_today"],
                  labels={"route_id": "航线 Route", "from_pier": "起 From", "to_pier": "至 To",
                          "sailings_today": "当日班次 Sailings today"})
    piers = gpd.GeoDataFrame(
        [{"stop_id": d["stop_id"], "pier": d.get("name", d["stop_id"]),
          "geometry": gpd.points_from_xy([d["lon"]], [d["lat"]])[0]}
         for _, d in net.G.nodes(data=True) if d.get("kind") == "pier" and d.get("island_id")],
        geometry="geometry", crs=WGS84)
    add_points(m, piers, name=("码头", "Piers"), color="orange", icon="anchor",
               tooltip_cols=["pier", "stop_id"], labels={"pier": "码头 Pier", "stop_id": "ID"})
    uid, uname, (lon, lat) = unit
    add_points(m, gpd.GeoDataFrame([{"unit": f"{uid} {uname}"}],
                                   geometry=gpd.points_from_xy([lon], [lat]), crs=WGS84),
               name=("透析点", "Dialysis unit"), color="red", icon="plus",
               tooltip_cols=["unit"], labels={"unit": "透析点 Dialysis unit"})
    return save_map(m, path, offline=True)
