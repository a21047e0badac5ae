"""Coverage map of the tiny meal instance (tests/data/meals), checked in headless Chromium.

Browser tests follow tests/test_browser.py: skipped only when Chromium or playwright is absent AND
the CI environment variable is unset.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from optimizer.network.build import APPROXIMATE_ROADS_NOTE
from optimizer.network.islands import load_islands
from optimizer.outputs.browser import check_page, find_chromium
from optimizer.outputs.coverage_map import coverage_map
from optimizer.services.meals import MealsParams, delivery_area, load_meals_inputs, plan_meals

D = Path(__file__).parent / "data" / "meals"
sys.path.insert(0, str(D))
from tiny_instance import tiny_graph

_MISSING = find_chromium() is None or importlib.util.find_spec("playwright") is None
browser = pytest.mark.skipif(
    _MISSING and not os.environ.get("CI"),
    reason="Debian chromium or the playwright package is missing (required when CI is set)")


@pytest.fixture(scope="module")
def setup():
    isl = load_islands(D / "islands.geojson")
    G = tiny_graph()
    files = {"elderly": D / "elderly.csv", "canteens": D / "canteens.csv",
             "candidates": D / "candidates.csv"}
    inp = load_meals_inputs(MealsParams(**files), islands=isl)
    res = plan_meals(inp, G, params=MealsParams(new_sites=1, rounds=False, uptake_share=0.1),
                     islands=isl, notes=(APPROXIMATE_ROADS_NOTE,))
    return G, isl, res


def test_multi_source_isochrone_reaches_the_right_nodes(setup):
    G, islands, res = setup
    sites = res.matrix.sites[res.matrix.sites["open"]]
    iso = delivery_area(G, sites, 900.0, travel_mode="ebike", islands=islands)
    assert len(iso) == 1
    # K1 reaches a0..a3 (<= 840 s), K2 reaches a5..a8: 8 nodes, a4 (1,120 s) not reached
    assert int(iso["n_nodes"].iloc[0]) == 8
    from shapely.geometry import Point

    geom = iso.geometry.iloc[0]
    pts = res.points.set_index("point_id")
    assert geom.contains(Point(pts.loc["V1", "lon"], pts.loc["V1", "lat"]))
    assert not geom.contains(Point(pts.loc["V3", "lon"], pts.loc["V3", "lat"]))
    assert not geom.contains(Point(pts.loc["V6", "lon"], pts.loc["V6", "lat"]))
    # the plan carries the same area for the map (the map computes nothing)
    assert int(res.delivery_area["n_nodes"].iloc[0]) == 8
    assert res.delivery_area.geometry.iloc[0].equals(geom)


@browser
def test_coverage_map_in_chromium(setup, tmp_path):
    _, _, res = setup
    path = coverage_map(res, tmp_path / "coverage.html", tiles="offline", notes=res.notes,
                        title_zh="食堂覆盖测试", title_en="Canteen coverage test")
    html = path.read_text(encoding="utf-8")
    assert "合成数据" in html and "近似路网" in html
    r = check_page(path, screenshot=tmp_path / "coverage.png", timeout_s=60)
    assert r.ok, r.summary()
    names = set(r.layer_names)
    assert {"15分钟配送圈 15-min delivery area", "已覆盖 Covered",
            "超出时限 Beyond the threshold", "本岛无食堂 No canteen on the island",
            "无陆路可达 No land path", "现有幸福食堂 Existing canteens",
            "推荐新址 Recommended new sites"} <= names, r.summary()
    # 1 isochrone polygon + 6 demand circles; 2 canteens + 1 recommended site as icons
    # (the candidate layer is hidden by default)
    assert r.n_paths == 7, r.summary()
    assert r.n_marker_icons == 3, r.summary()


def test_map_reads_no_input_file(setup, tmp_path, monkeypatch):
    """Outputs draw the result: with the input files gone the map is still written."""
    _, _, res = setup
    import geopandas as gpd
    import pandas as pd

    def refuse(*a, **k):
        raise AssertionError("the map must not read files")

    monkeypatch.setattr(pd, "read_csv", refuse)
    monkeypatch.setattr(gpd, "read_file", refuse)
    path = coverage_map(res, tmp_path / "coverage.html", tiles="offline", notes=())
    html = path.read_text(encoding="utf-8")
    assert "近似路网" not in html  # no note given, no label
    assert "15-min delivery area" in html
