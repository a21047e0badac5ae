"""The published meal-coverage map: demand points by coverage, canteen isochrones, canteens and sites.

Layers (bilingual names, legend built by :mod:`optimizer.outputs.maps`):

* the land area within the threshold of any open canteen (one multi-source isochrone: for every
  node the smallest land time over all open canteens, :func:`canteen_isochrone`);
* demand points coloured by status: covered, beyond the threshold, no canteen on the island,
  unreachable (aggregated synthetic points or village points; never homes);
* existing canteens, canteens opened by the scenario, candidate sites and recommended sites,
  each with its own icon.

No personal data is drawn; the map says "approximate roads" and "synthetic data" when they apply.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np

from optimizer.network.contract import WGS84
from optimizer.outputs.maps import add_points, add_polygons, base_map, save_map

__all__ = ["STATUS_COLOURS", "canteen_isochrone", "coverage_map"]

STATUS_COLOURS = {
    "COVERED": "#2ca02c",
    "BEYOND_THRESHOLD": "#ff7f0e",
    "NO_CANTEEN_ON_ISLAND": "#d62728",
    "UNREACHABLE": "#7f7f7f",
}
"""Circle colour of a demand point by coverage status."""

_STATUS_NAMES = {
    "COVERED": ("已覆盖", "Covered"),
    "BEYOND_THRESHOLD": ("超出时限", "Beyond the threshold"),
    "NO_CANTEEN_ON_ISLAND": ("本岛无食堂", "No canteen on the island"),
    "UNREACHABLE": ("无陆路可达", "No land path"),
}


def canteen_isochrone(G: nx.MultiDiGraph, sites: gpd.GeoDataFrame, threshold_s: float, *,
                      travel_mode: str = "ebike",
                      islands: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Land area within ``threshold_s`` of any of the given sites (multi-source isochrone).

    Each site is snapped to its island; a search from its node (land edges only, ferries excluded)
    adds the site's access leg; every node keeps the smallest time over all sites, and
    :func:`optimizer.network.isochrones.isochrone_polygons` draws the land-clipped polygon.

    Parameters
    ----------
    G
        Network (EPSG:32651).
    sites
        Site points (any CRS), e.g. the open canteens.
    threshold_s
        Threshold in seconds (> 0).
    travel_mode
        ``"car"``, ``"ebike"`` or ``"walk"``.
    islands
        Island polygons; default the embedded Putuo islands.

    Returns
    -------
    geopandas.GeoDataFrame
        One row (EPSG:4326): ``threshold_s``, ``threshold_min``, ``n_nodes``, ``area_km2``,
        ``geometry`` (empty when no site has a node).

    Raises
    ------
    optimizer.errors.InputError
        If ``threshold_s`` is not positive.
    """
    from optimizer.network.isochrones import isochrone_polygons
    from optimizer.network.matrix import router
    from optimizer.network.snap import snap_points
    from optimizer.network.speeds import DEFAULT_CIRCUITY, ProxySpeeds

    if islands is None:
        from optimizer.network.islands import load_islands

        islands = load_islands()
    snap = snap_points(G, sites, islands=islands)
    circuity = float(G.graph.get("circuity", DEFAULT_CIRCUITY))
    kph = float(G.graph.get("speeds_kph", {}).get(travel_mode,
                                                  ProxySpeeds().road_kph(travel_mode)))
    best: dict[Any, float] = {}
    r = router(G, travel_mode)
    for node, d_m in zip(snap["node"], snap["snap_distance_m"]):
        if node is None or (isinstance(node, float) and np.isnan(node)):
            continue
        acc = float(d_m) * circuity / (kph / 3.6)
        if acc > threshold_s:
            continue
        for n, t in r.one_to_all(node, max_value=threshold_s - acc).items():
            t = t + acc
            if t < best.get(n, np.inf):
                best[n] = t
    return isochrone_polygons(G, best, [threshold_s], islands=islands, access_speed_kph=kph,
                              circuity=circuity)


def coverage_map(result: Any, net: Any, path: str | Path, *, tiles: str = "osm",
                 title_zh: str = "幸福食堂15分钟助餐配送圈",
                 title_en: str = "15-minute meal-delivery coverage of community canteens",
                 offline: bool = True) -> Path:
    """Write the coverage map of a :class:`~optimizer.services.meals.MealsResult`.

    Parameters
    ----------
    result
        From :func:`optimizer.services.meals.plan_meals`.
    net
        The network: a :class:`~optimizer.network.build.Network` (``G``, ``islands``, ``notes``)
        or a bare graph (then the embedded Putuo islands are used for clipping).
    path
        HTML file to write.
    tiles
        ``"osm"``, ``"tianditu"``, ``"amap"`` (GCJ-02 shift applied) or ``"offline"``.
    title_zh, title_en
        Map title (Chinese first).
    offline
        Inline every script and stylesheet (opens without network; tiles still need it unless
        ``tiles="offline"``).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    optimizer.errors.PrivacyError
        If a layer would carry personal columns (guard; none does by construction).
    """
    G = net.G if hasattr(net, "G") else net
    islands = getattr(net, "islands", None)
    notes = [n for n in getattr(net, "notes", ()) if not str(n).startswith("近似路网")]
    notes += [n for n in result.notes if n not in notes and not str(n).startswith("近似路网")]
    prm = result.params
    m = base_map(title_zh=title_zh, title_en=title_en, tiles=tiles, notes=notes,
                 approximate_roads=bool(G.graph.get("approximate_roads", False)), synthetic=True)
    sites = result.matrix.sites
    opened = sites[sites["open"]]
    iso = canteen_isochrone(G, opened, prm.threshold_s, travel_mode=prm.delivery_mode,
                            islands=islands)
    iso = iso[~iso.geometry.is_empty]
    if len(iso):
        iso = iso.assign(threshold_min=iso["threshold_min"].round(1),
                         area_km2=iso["area_km2"].round(1))
        add_polygons(m, iso, name=(f"{prm.threshold_min:g}分钟配送圈",
                                   f"{prm.threshold_min:g}-min delivery area"),
                     color="#2ca02c", fill_opacity=0.18,
                     tooltip_cols=["threshold_min", "area_km2"],
                     labels={"threshold_min": "分钟 min", "area_km2": "面积 km²"})
    p = result.points
    cols = ["point_id", "village_name_zh", "island_name_zh", "elderly", "travel_time_min",
            "nearest_canteen_id", "reason_zh", "reason_en"]
    labels = {"point_id": "点 Point", "village_name_zh": "村/社区 Village",
              "island_name_zh": "岛 Island", "elderly": "60岁以上 Aged 60+",
              "travel_time_min": "最近食堂用时 min", "nearest_canteen_id": "最近食堂 Canteen",
              "reason_zh": "状态", "reason_en": "Status"}
    for status, colour in STATUS_COLOURS.items():
        sub = p[p["status"] == status]
        if sub.empty:
            continue
        gdf = gpd.GeoDataFrame(sub[cols].assign(elderly=sub["elderly"].round(1)),
                               geometry=gpd.points_from_xy(sub["lon"], sub["lat"]), crs=WGS84)
        add_points(m, gdf, name=_STATUS_NAMES[status], color=colour, icon=None,
                   radius_px=4.0 if result.inputs.demand_level == "points" else 7.0,
                   tooltip_cols=cols, labels=labels)
    scols = ["site_id", "name_zh", "capacity_meals_per_day"]
    slabels = {"site_id": "编号 ID", "name_zh": "名称 Name",
               "capacity_meals_per_day": "日供餐能力 Meals/day"}

    def layer(df: Any, name: tuple[str, str], colour: str, icon: str, show: bool = True) -> None:
        if len(df):
            g = gpd.GeoDataFrame(df[scols], geometry=gpd.points_from_xy(df["lon"], df["lat"]),
                                 crs=WGS84)
            add_points(m, g, name=name, color=colour, icon=icon, tooltip_cols=scols,
                       labels=slabels, show=show)

    rec = set(result.siting.new_sites) if result.siting is not None else set()
    layer(sites[sites["role"] == "existing"], ("现有幸福食堂", "Existing canteens"), "red",
          "utensils")
    layer(sites[sites["role"] == "opened_candidate"], ("情景新开食堂", "Canteens opened (scenario)"),
          "darkred", "plus")
    layer(sites[(sites["role"] == "candidate") & ~sites["site_id"].isin(rec)],
          ("候选点", "Candidate sites"), "lightgray", "circle", show=False)
    if rec:
        layer(sites[sites["site_id"].isin(rec)], ("推荐新址", "Recommended new sites"), "purple",
              "star")
    return save_map(m, path, offline=offline)
