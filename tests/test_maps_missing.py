"""Maps never break on missing data (issue 11, item 9).

A point without coordinates (a blank or NaN longitude or latitude, a ``None`` geometry) is left
off the map and counted in a note on it ("2 个…未在图上显示：无坐标 · 2 … not shown: no
coordinates"); no ``NaN`` reaches the GeoJSON or the HTML. Input:
tests/data/bad/sheets/points_missing_coordinates.csv (rows B and D lack a coordinate). The route
map is checked on the toy dialysis day with two stops' coordinates removed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import json
import os
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from optimizer.io.gtfs import read_gtfs
from optimizer.network.build import APPROXIMATE_ROADS_NOTE, Network
from optimizer.network.ferries import add_ferries, timetable_for_date
from optimizer.network.islands import load_islands
from optimizer.network.land_proxy import build_land_proxy
from optimizer.outputs.browser import find_chromium
from optimizer.outputs.maps import (
    add_lines,
    add_points,
    base_map,
    has_coordinates,
    map_notes,
    save_map,
)
from optimizer.outputs.route_map import save_route_map
from optimizer.services.dialysis import load_dialysis_inputs, plan_dialysis_day
from optimizer.solvers.params import SolverParams

BAD = Path(__file__).parent / "data" / "bad" / "sheets"
D = Path(__file__).parent / "data" / "dialysis"
WED = dt.date(2025, 6, 4)
NOTE = "2 个患者未在图上显示：无坐标 · 2 patients not shown: no coordinates"
_NO_BROWSER = find_chromium() is None or importlib.util.find_spec("playwright") is None
needs_browser = pytest.mark.skipif(
    _NO_BROWSER and not os.environ.get("CI"),
    reason="Debian chromium or the playwright package is missing (required when CI is set)")
NAN_TOKEN = re.compile(r"(?<![A-Za-z_$])NaN(?![A-Za-z_])")


def _points() -> gpd.GeoDataFrame:
    df = pd.read_csv(BAD / "points_missing_coordinates.csv", dtype={"point_id": str})
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=4326)


def _feature_collections(doc: str) -> list[dict]:
    """Every GeoJSON FeatureCollection embedded in a folium page, parsed strictly (a NaN,
    Infinity or -Infinity constant is an error)."""
    out = []
    dec = json.JSONDecoder(parse_constant=lambda c: pytest.fail(f"{c} in the GeoJSON"))
    for m in re.finditer(r'\{"features":|\{"type": ?"FeatureCollection"', doc):
        obj, _ = dec.raw_decode(doc[m.start():])
        out.append(obj)
    return out


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_has_coordinates():
    g = _points().geometry.values
    assert has_coordinates(g).tolist() == [True, False, True, False, True]
    assert has_coordinates([None, Point(), LineString([(0, 0), (1, np.nan)]),
                            LineString([(0, 0), (1, 1)])]).tolist() == [False, False, False, True]


@pytest.mark.parametrize("kind", ["icons", "circles", "cluster"])
def test_points_without_coordinates_are_left_off_and_noted(kind, tmp_path):
    pts = _points()
    m = base_map(title_zh="患者", title_en="Patients", tiles="offline")
    opts = {"icons": {}, "circles": {"icon": None}, "cluster": {"cluster": True}}[kind]
    add_points(m, pts, name=("患者", "patients"), tooltip_cols=["point_id", "name_zh", "lon"],
               **opts)
    assert map_notes(m) == [NOTE]
    doc = save_map(m, tmp_path / "m.html").read_text(encoding="utf-8")
    assert not NAN_TOKEN.search(doc)
    assert NOTE in doc
    if kind == "circles":  # one GeoJSON layer: the three placed points, strict JSON
        (fc,) = _feature_collections(doc)
        assert [f["properties"]["point_id"] for f in fc["features"]] == ["A", "C", "E"]
        assert [f["geometry"]["coordinates"] for f in fc["features"]] == [
            [122.30, 29.95], [122.32, 29.97], [122.34, 29.99]]
    else:
        assert doc.count("L.marker(") == 3


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_lines_without_coordinates_are_left_off(tmp_path):
    g = gpd.GeoDataFrame({"leg": ["a", "b", "c"]},
                         geometry=[LineString([(122.3, 29.9), (122.31, 29.91)]), None,
                                   LineString([(122.3, 29.9), (122.31, np.nan)])], crs=4326)
    m = base_map(title_zh="路线", title_en="Routes", tiles="offline")
    add_lines(m, g, name=("路线", "routes"), tooltip_cols=["leg"])
    assert map_notes(m) == ["2 个路线未在图上显示：无坐标 · 2 routes not shown: no coordinates"]
    doc = save_map(m, tmp_path / "l.html").read_text(encoding="utf-8")
    assert not NAN_TOKEN.search(doc)
    (fc,) = _feature_collections(doc)
    assert [f["properties"]["leg"] for f in fc["features"]] == ["a"]


# ------------------------------------------------------------------------------ route map
@pytest.fixture(scope="module")
def toy():
    islands = load_islands(D / "islands.geojson")
    feed = read_gtfs(D / "gtfs")
    G = add_ferries(build_land_proxy(islands, spacing_m=500, bridges=(), select=False,
                                     correct_lattice_detour=False, circuity=1.2, name="toy"),
                    feed, islands=islands)
    net = Network(G=G, islands=islands, feed=feed, timetable=timetable_for_date(feed, WED),
                  date=WED, notes=(APPROXIMATE_ROADS_NOTE,))
    inputs = load_dialysis_inputs(D / "patients.csv", D / "units.csv", D / "vehicles.csv",
                                  islands=islands)
    plan = plan_dialysis_day(inputs, WED, network=net,
                             solver=SolverParams(time_limit_s=5, workers=1),
                             solve_options={"deterministic": True, "solution_limit": 200,
                                            "lns_iterations": 1000})
    return plan, G, islands


def _without_two_stop_points(plan):
    """The plan with the coordinates of two pickups (rows 1 and 2 of the stops) removed."""
    st = plan.stops.copy()
    rows = st.index[st["action"] == "pickup"][:2]
    st.loc[rows[0], "lon"] = np.nan
    st.loc[rows[1], ["lon", "lat"]] = None
    return dataclasses.replace(plan, stops=st)


@pytest.mark.parametrize("published", [True, False])
def test_route_map_leaves_stops_without_coordinates_off(toy, tmp_path, published):
    plan, G, islands = toy
    bad = _without_two_stop_points(plan)
    # the exact position is what a route is drawn along (published maps show homes at a
    # village or island point, but the legs still need the stop): both stops are left off
    # offline=False: the page links Leaflet instead of inlining it (its source says "NaN")
    path = save_route_map(bad, G, tmp_path / "routes.html", islands=islands, published=published,
                          synthetic=True, offline=False)
    doc = path.read_text(encoding="utf-8")
    assert not NAN_TOKEN.search(doc)
    assert "个停靠点未在图上显示：无坐标" in doc and "stop(s) not shown: no coordinates" in doc
    n = int(re.search(r"(\d+) 个停靠点未在图上显示", doc).group(1))
    assert n == 2
    for fc in _feature_collections(doc):
        for f in fc["features"]:
            assert np.isfinite(np.array(f["geometry"]["coordinates"], dtype=float)).all()


@needs_browser
def test_map_with_missing_points_loads_without_js_errors(tmp_path):
    from optimizer.outputs.browser import check_page

    m = base_map(title_zh="患者", title_en="Patients", tiles="offline")
    add_points(m, _points(), name=("患者", "patients"), icon=None, tooltip_cols=["point_id"])
    path = save_map(m, tmp_path / "m.html", offline=True)
    rep = check_page(path)
    assert rep.ok, rep.summary()
    assert rep.js_errors == ()
