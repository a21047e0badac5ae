"""The meal service's files: publishable tables, coverage points and the coverage map.

:func:`write_meals` writes, under the run folder,

* ``meals/<table>.csv`` for every table of :meth:`~optimizer.services.meals.MealsResult.to_frames`
  (UTF-8 with BOM so Excel opens the Chinese text),
* ``meals/coverage_points.geojson`` (EPSG:4326, one point per demand point with its status),
* ``maps/coverage.html`` (:func:`optimizer.outputs.coverage_map.coverage_map`),

and returns every file written with a bilingual description. Every table passes the privacy guard
(:func:`optimizer.outputs.maps.assert_publishable`) before it is written; none holds personal
data by construction (village and synthetic points, public canteens).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd

from optimizer.network.contract import WGS84
from optimizer.outputs.csvfiles import round_coordinates, write_csv
from optimizer.results import merge_notes
from optimizer.services.base import OutputFile, WriteContext

if TYPE_CHECKING:  # pragma: no cover
    from optimizer.services.meals import MealsResult

__all__ = ["TABLE_DESCRIPTIONS", "write_meals", "write_meals_tables"]

TABLE_DESCRIPTIONS = {
    "coverage_points": "需求点覆盖状态表 Demand points: nearest canteen, minutes, coverage status "
                       "and reason",
    "by_village": "按村/社区覆盖率 Coverage by village/community",
    "by_town": "按街道/镇覆盖率 Coverage by town",
    "by_island": "按岛屿覆盖率 Coverage by island",
    "canteens": "食堂负荷 Canteen load vs capacity",
    "siting": "新食堂选址建议 Siting recommendation (with proof: status, gap)",
    "siting_uncoverable": "任何候选点都无法覆盖的需求及原因 Demand no site can cover, with "
                          "reasons",
    "rounds": "午餐配送路线 Lunch delivery rounds by canteen",
    "round_routes": "午餐配送骑手路线 Lunch rounds: one row per courier",
    "round_stops": "午餐配送站点 Lunch rounds: one row per stop (arrival, minutes from kitchen)",
    "round_unserved": "未能配送的订餐点及原因 Subscriber points not delivered, with reasons",
}
"""Bilingual description of each table (keys = :data:`optimizer.services.meals.FRAMES`)."""

GEOJSON_DESCRIPTION = "需求点覆盖状态 Demand points with coverage status (EPSG:4326)"
MAP_DESCRIPTION = ("地图：15分钟助餐覆盖、食堂与推荐新址 Map: 15-minute meal coverage, canteens, "
                   "candidate and recommended sites")


def write_meals(result: MealsResult, out_dir: str | Path, ctx: WriteContext) -> list[OutputFile]:
    """Write the meal tables, the coverage points and the coverage map into the run folder.

    Parameters
    ----------
    result
        From :func:`optimizer.services.meals.plan_meals`.
    out_dir
        The run folder; files go to ``meals/`` and ``maps/`` below it (created).
    ctx
        Map tiles and the run-wide notes (merged with the result's).

    Returns
    -------
    list of OutputFile
        Every file written (paths relative to ``out_dir``): the map, the tables, the GeoJSON.

    Raises
    ------
    optimizer.errors.PrivacyError
        If a table would carry a column that looks personal (guard; none does by construction).
    """
    from optimizer.outputs.coverage_map import coverage_map

    out = Path(out_dir)
    coverage_map(result, out / "maps" / "coverage.html", tiles=ctx.tiles,
                 notes=merge_notes(ctx.notes, result.notes))
    files = [OutputFile("maps/coverage.html", MAP_DESCRIPTION)]
    for path in write_meals_tables(result, out / "meals"):
        desc = TABLE_DESCRIPTIONS[path.stem] if path.suffix == ".csv" else GEOJSON_DESCRIPTION
        files.append(OutputFile(f"meals/{path.name}", desc))
    return files


def write_meals_tables(result: MealsResult, out_dir: str | Path) -> list[Path]:
    """Write the meal tables (CSV, UTF-8 with BOM, coordinates to 6 decimals:
    :func:`optimizer.outputs.csvfiles.write_csv`) and the coverage points (GeoJSON).

    Parameters
    ----------
    result
        From :func:`optimizer.services.meals.plan_meals`.
    out_dir
        Folder (created). Files: ``<table>.csv`` for every
        :meth:`~optimizer.services.meals.MealsResult.to_frames` table and
        ``coverage_points.geojson`` (EPSG:4326, one point per demand point with its status).

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    optimizer.errors.PrivacyError
        If a table would carry a column that looks personal.
    """
    from optimizer.outputs.maps import assert_publishable

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in result.to_frames().items():
        assert_publishable(df, layer=name)
        written.append(write_csv(df, out / f"{name}.csv"))
    p = round_coordinates(result.points)  # 6 decimals (about 0.1 m), as in the CSV
    gdf = gpd.GeoDataFrame(p.drop(columns=["detail"]),
                           geometry=gpd.points_from_xy(p["lon"], p["lat"]), crs=WGS84)
    assert_publishable(gdf, layer="coverage_points.geojson")
    path = out / "coverage_points.geojson"
    path.write_text(gdf.to_json(ensure_ascii=False, drop_id=True), encoding="utf-8")
    written.append(path)
    return written
