"""The published meal-coverage map: demand points by coverage, delivery area, canteens and sites.

Layers (bilingual names, legend built by :mod:`optimizer.outputs.maps`):

* the land area within the threshold of any open canteen (computed by the service:
  :attr:`~optimizer.services.meals.MealsResult.delivery_area`);
* demand points coloured by status: covered, beyond the threshold, no canteen on the island,
  unreachable (aggregated synthetic points or village points; never homes); above
  :data:`CLUSTER_ABOVE_POINTS` points, clustered in the browser (the same points and tooltips);
* existing canteens, canteens opened by the scenario, candidate sites and recommended sites,
  each with its own icon.

The map only draws what the result holds (it computes nothing and reads no input file). No
personal data is drawn; the labels (approximate roads, synthetic data, assumptions) come from the
typed notes it is given.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from optimizer.network.contract import WGS84
from optimizer.outputs.maps import add_points, add_polygons, base_map, save_map
from optimizer.results import Note, NoteKind

__all__ = ["CLUSTER_ABOVE_POINTS", "STATUS_COLOURS", "coverage_map"]

CLUSTER_ABOVE_POINTS = 10_000
"""Demand points above which the map clusters them (:mod:`optimizer.outputs.cluster_layer`)
instead of drawing every circle (project choice: the baseline's 3,835 circles draw in well under
a second; the 10 x dataset's 38,309 always-drawn SVG circles make the page crawl)."""

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


def coverage_map(result: Any, path: str | Path, *, tiles: str = "osm",
                 notes: Iterable[Note] = (),
                 title_zh: str = "幸福食堂15分钟助餐配送圈",
                 title_en: str = "15-minute meal-delivery coverage of community canteens",
                 offline: bool = True) -> Path:
    """Write the coverage map of a :class:`~optimizer.services.meals.MealsResult`.

    Parameters
    ----------
    result
        From :func:`optimizer.services.meals.plan_meals`.
    path
        HTML file to write.
    tiles
        ``"osm"``, ``"tianditu"``, ``"amap"`` (GCJ-02 shift applied) or ``"offline"``.
    notes
        Labels shown under the title (e.g. the run's and the result's notes); an
        ``APPROXIMATE_ROADS`` note shows the standard approximate-roads line.
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
    notes = list(dict.fromkeys(notes))
    approximate = any(n.kind is NoteKind.APPROXIMATE_ROADS for n in notes)
    m = base_map(title_zh=title_zh, title_en=title_en, tiles=tiles,
                 notes=[str(n) for n in notes if n.kind is not NoteKind.APPROXIMATE_ROADS],
                 approximate_roads=approximate)
    prm = result.params
    iso = result.delivery_area
    iso = iso[~iso.geometry.is_empty]
    if len(iso):
        iso = iso.assign(threshold_min=iso["threshold_min"].round(1),
                         area_km2=iso["area_km2"].round(1))
        add_polygons(m, iso, name=(f"{prm.threshold_min:g}分钟配送圈",
                                   f"{prm.threshold_min:g}-min delivery area"),
                     color="#2ca02c", fill_opacity=0.18,
                     tooltip_cols=["threshold_min", "area_km2"],
                     labels={"threshold_min": "分钟 min", "area_km2": "面积 km²"})
    _demand_layers(m, result.points, radius_px=4.0 if result.inputs.demand_level == "points"
                   else 7.0, cluster=len(result.points) > CLUSTER_ABOVE_POINTS)
    _site_layers(m, result.matrix.sites,
                 set(result.siting.new_sites) if result.siting is not None else set())
    return save_map(m, path, offline=offline)


def _demand_layers(m: Any, p: Any, *, radius_px: float, cluster: bool = False) -> None:
    """One layer of circles per coverage status (clustered with ``cluster``)."""
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
        # whole minutes, rounded up (a point just beyond the threshold never shows "15")
        mins = sub["travel_time_min"].map(lambda v: "" if pd.isna(v) else f"{math.ceil(v - 1e-9)}")
        gdf = gpd.GeoDataFrame(sub[cols].assign(elderly=sub["elderly"].round(1),
                                                travel_time_min=mins),
                               geometry=gpd.points_from_xy(sub["lon"], sub["lat"]), crs=WGS84)
        add_points(m, gdf, name=_STATUS_NAMES[status], color=colour, icon=None,
                   radius_px=radius_px, tooltip_cols=cols, labels=labels, cluster=cluster)


def _site_layers(m: Any, sites: Any, rec: set[str]) -> None:
    """Existing canteens, canteens opened by the scenario, candidates, recommended sites."""
    scols = ["site_id", "name_zh", "capacity_meals_per_day"]
    slabels = {"site_id": "编号 ID", "name_zh": "名称 Name",
               "capacity_meals_per_day": "日供餐能力 Meals/day"}

    def layer(df: Any, name: tuple[str, str], colour: str, icon: str, show: bool = True) -> None:
        if len(df):
            g = gpd.GeoDataFrame(df[scols], geometry=gpd.points_from_xy(df["lon"], df["lat"]),
                                 crs=WGS84)
            add_points(m, g, name=name, color=colour, icon=icon, tooltip_cols=scols,
                       labels=slabels, show=show)

    layer(sites[sites["role"] == "existing"], ("现有幸福食堂", "Existing canteens"), "red",
          "utensils")
    layer(sites[sites["role"] == "opened_candidate"], ("情景新开食堂", "Canteens opened (scenario)"),
          "darkred", "plus")
    layer(sites[(sites["role"] == "candidate") & ~sites["site_id"].isin(rec)],
          ("候选点", "Candidate sites"), "lightgray", "circle", show=False)
    if rec:
        layer(sites[sites["site_id"].isin(rec)], ("推荐新址", "Recommended new sites"), "purple",
              "star")
