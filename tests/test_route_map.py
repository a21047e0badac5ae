"""Route map of the dialysis day plan (optimizer.outputs.route_map) on the toy two-island case.

The plan (tests/test_dialysis_service.py, tests/data/dialysis/README.md): VA2 on island TA carries
P1 home ↔ unit U1 and P2 pier PA ↔ unit; VB1 on island TB carries P2 home ↔ pier PB. P2 crosses on
sailing B_0630 (PB → PA, departs 06:30) and A_1210 (PA → PB, departs 12:10).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import math
import os
import re
import struct
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString

from optimizer.errors import InputError
from optimizer.io.gtfs import read_gtfs
from optimizer.network.build import APPROXIMATE_ROADS_NOTE, Network
from optimizer.network.ferries import add_ferries, timetable_for_date
from optimizer.network.islands import load_islands
from optimizer.network.land_proxy import build_land_proxy
from optimizer.network.paths import route_geometry
from optimizer.outputs.maps import base_map
from optimizer.outputs.route_map import PRIVACY_RADIUS_M, plot_routes, save_route_map
from optimizer.services.dialysis import load_dialysis_inputs, plan_dialysis_day
from optimizer.solvers.params import SolverParams

D = Path(__file__).parent / "data" / "dialysis"
WED = dt.date(2025, 6, 4)


@pytest.fixture(scope="module")
def islands():
    return load_islands(D / "islands.geojson")


@pytest.fixture(scope="module")
def G(islands):
    g = build_land_proxy(islands, spacing_m=500, bridges=(), select=False,
                         correct_lattice_detour=False, circuity=1.2, name="toy")
    return add_ferries(g, read_gtfs(D / "gtfs"), islands=islands)


@pytest.fixture(scope="module")
def plan(G, islands):
    inputs = load_dialysis_inputs(D / "patients.csv", D / "units.csv", D / "vehicles.csv",
                                  islands=islands)
    feed = read_gtfs(D / "gtfs")
    net = Network(G=G, islands=islands, feed=feed, timetable=timetable_for_date(feed, WED),
                  date=WED, notes=(APPROXIMATE_ROADS_NOTE,))
    return plan_dialysis_day(inputs, WED, network=net,
                             solver=SolverParams(time_limit_s=5, workers=1),
                             solve_options={"deterministic": True, "solution_limit": 200,
                                            "lns_iterations": 1000})


@pytest.fixture(scope="module")
def stops(plan):
    return plan.to_frames()["stops"]


VILLAGES = pd.DataFrame({"lon": [122.0980, 122.1450], "lat": [29.9220, 29.9300]},
                        index=pd.Index(["VTA", "VTB"], name="village_code"))
"""Village points of the toy villages (away from every home; the default file has none of them)."""


@pytest.fixture(scope="module")
def maps(plan, G, islands):
    pub = plot_routes(plan, G, islands=islands, tiles="offline", synthetic=True,
                      villages=VILLAGES)
    internal = plot_routes(plan, G, islands=islands, tiles="offline", published=False)
    return {"pub": pub, "int": internal,
            "pub_html": pub.get_root().render(), "int_html": internal.get_root().render()}


def _groups(m) -> dict[str, folium.FeatureGroup]:
    return {c.layer_name: c for c in m._children.values() if isinstance(c, folium.FeatureGroup)}


def _geojson_lines(fg) -> list[tuple[list, dict]]:
    """(coordinates, style of the first feature) of every LineString in a group's GeoJson."""
    out = []
    for c in fg._children.values():
        if isinstance(c, folium.GeoJson):
            for f in c.data["features"]:
                if f["geometry"]["type"] == "LineString":
                    out.append((f["geometry"]["coordinates"], c.style_function(f), f["properties"]))
    return out


def _markers(fg) -> list[folium.Marker]:
    return [c for c in fg._children.values() if isinstance(c, folium.Marker)]


def _popup_html(marker) -> str:
    popup = next(c for c in marker._children.values() if isinstance(c, folium.Popup))
    return popup.html.render()


# ------------------------------------------------------------------------------- structure
def test_plan_is_the_expected_toy_plan(stops, plan):
    assert sorted(stops["vehicle_id"].unique()) == ["VA2", "VB1"]
    assert {c.sailing.trip_id for c in plan.crossings} == {"B_0630", "A_1210"}


@pytest.mark.parametrize("key", ["pub", "int"])
def test_one_layer_per_vehicle_plus_ferries(maps, key):
    names = list(_groups(maps[key]))
    vehicles = [n for n in names if n.startswith("车辆 ")]
    assert vehicles == ["车辆 VA2 Vehicle VA2", "车辆 VB1 Vehicle VB1"]
    assert "轮渡换乘 Ferry crossings" in names and "岛屿 Islands" in names


def test_vehicle_colours_are_distinct(maps):
    g = _groups(maps["int"])
    colours = {name: _geojson_lines(g[name])[0][1]["color"] for name in g if name.startswith("车辆")}
    assert len(set(colours.values())) == 2


def test_dispatcher_routes_follow_the_network(maps, G, stops):
    """Every vertex of a dispatcher route is a network node or one of the vehicle's stops, and
    legs between places 2 km apart bend (more than two vertices)."""
    node_pts = {(round(d["lon"], 7), round(d["lat"], 7)) for _, d in G.nodes(data=True)}
    g = _groups(maps["int"])
    for vid in ("VA2", "VB1"):
        own = stops[stops["vehicle_id"] == vid]
        stop_pts = {(round(x, 7), round(y, 7)) for x, y in zip(own["lon"], own["lat"])}
        lines = _geojson_lines(g[f"车辆 {vid} Vehicle {vid}"])
        assert lines
        for coords, style, _ in lines:
            assert "dashArray" not in style
            for x, y in coords:
                assert (round(x, 7), round(y, 7)) in node_pts | stop_pts
        assert max(len(c) for c, _, _ in lines) > 4


def test_ferry_legs_dashed_with_pier_departure_and_estimate_flag(maps):
    fg = _groups(maps["pub"])["轮渡换乘 Ferry crossings"]
    lines = _geojson_lines(fg)
    assert len(lines) == 2                                       # two sailings used
    assert all(style.get("dashArray") for _, style, _ in lines)
    props = {p["sailing"]: p for _, _, p in lines}
    assert props["甲乙航线 06:30"]["piers"] == "乙岛码头 → 甲岛码头"
    assert props["甲乙航线 06:30"]["departure"] == "06:30 开 dep."
    assert props["甲乙航线 06:30"]["at_pier_by"] == "06:15"
    assert props["甲乙航线 12:10"]["arrival"] == "12:30 到 arr."
    assert props["甲乙航线 12:10"]["timetable"] == "时刻表 timetabled"
    assert props["甲乙航线 06:30"]["riders"] == 1
    labels = [m.icon.options["html"] for m in _markers(fg)]
    assert any("渡 06:30" in h for h in labels) and any("渡 12:10" in h for h in labels)
    # the ferry line starts at the boarding pier node and ends at the landing pier node
    coords = {p["sailing"]: c for c, _, p in lines}
    np.testing.assert_allclose(coords["甲乙航线 06:30"][0], [122.130751833, 29.926874245])
    np.testing.assert_allclose(coords["甲乙航线 06:30"][-1], [122.107960953, 29.926722006])


def test_estimated_sailing_is_flagged(plan, G, islands):
    est = dataclasses.replace(
        plan, crossings=tuple(dataclasses.replace(c, sailing=dataclasses.replace(
            c.sailing, is_estimate=True)) for c in plan.crossings))
    m = plot_routes(est, G, islands=islands, tiles="offline")
    fg = _groups(m)["轮渡换乘 Ferry crossings"]
    assert {p["timetable"] for _, _, p in _geojson_lines(fg)} == {"估计 estimated"}
    assert all(p["departure"].endswith("估计 estimated") for _, _, p in _geojson_lines(fg))


def test_popups_per_stop(maps, stops):
    g = _groups(maps["int"])
    html = "".join(_popup_html(m) for m in _markers(g["车辆 VB1 Vehicle VB1"]))
    # every VB1 stop: time and action in some popup; patient name and phone on dispatcher map
    for clock in stops.loc[stops["vehicle_id"] == "VB1", "clock"]:
        assert clock in html
    assert "上车 Pick-up" in html and "下车 Drop-off" in html and "码头 Pier · 乙岛码头" in html
    assert "测试2" in html and "100-0000-0002" in html
    pub = "".join(_popup_html(m) for m in _markers(_groups(maps["pub"])["车辆 VB1 Vehicle VB1"]))
    assert "R002-out" in pub and "住家 Home" in pub and "06:07" in pub
    assert "测试" not in pub and "100-0000" not in pub


# ------------------------------------------------------------------------------- privacy
def _coord_strings(v: float) -> set[str]:
    s = f"{v:.9f}"
    return {s[: s.index(".") + 6], f"{v:.5f}"}            # truncated and rounded, 5 decimals


def test_published_html_has_no_names_phones_ids_or_home_coordinates(maps, stops):
    html = maps["pub_html"]
    for text in ["测试1", "测试2", "100-0000-000", "司机", "101-0000", "P1-out", "P2-ret",
                 '"P2"', "patient_name"]:
        assert text not in html, text
    private = stops[stops["place_type"].isin(["home", "base"])]
    assert len(private) >= 6
    for x, y in zip(private["lon"], private["lat"]):
        for s in _coord_strings(x) | _coord_strings(y):
            assert s not in html, (s, x, y)
    # while the dispatcher map does carry them (the test can fail)
    x, y = private.iloc[1][["lon", "lat"]]
    assert _coord_strings(x) & set(re.findall(r"\d+\.\d{5}", maps["int_html"]))
    assert "测试1" in maps["int_html"] and "内部资料" in maps["int_html"]
    assert "内部资料" not in maps["pub_html"]


def test_published_homes_shown_at_village_or_island_point(plan, G, islands, stops):
    villages = pd.DataFrame({"lon": [122.0900], "lat": [29.9300]},
                            index=pd.Index(["VTB"], name="village_code"))
    m = plot_routes(plan, G, islands=islands, tiles="offline", villages=villages)
    g = _groups(m)
    vb1 = [mk.location for mk in _markers(g["车辆 VB1 Vehicle VB1"])]
    assert [29.93, 122.09] in vb1                         # TB homes and base at the village point
    ta = islands.loc[islands["island_id"] == "TA"].geometry.iloc[0].representative_point()
    va2 = [mk.location for mk in _markers(g["车辆 VA2 Vehicle VA2"])]
    assert any(math.isclose(la, ta.y) and math.isclose(lo, ta.x) for la, lo in va2)  # VTA unknown
    exact = {(round(y, 6), round(x, 6)) for x, y in
             zip(stops.loc[stops["place_type"].isin(["home", "base"]), "lon"],
                 stops.loc[stops["place_type"].isin(["home", "base"]), "lat"])}
    shown = {(round(la, 6), round(lo, 6)) for la, lo in va2 + vb1}
    assert not exact & shown


def test_published_lines_stop_short_of_homes_and_bases(maps, G, islands, stops):
    """Drawn length per vehicle = Σ over legs of (node-to-node length − 300 m per private end),
    legs shorter than that left out (±15 m: published coordinates are rounded). Hand value:
    VB1 base (8000,1000) → P2 home (9000,1000) is
    1000 m between their nodes, both private: 400 m drawn."""
    g = _groups(maps["pub"])
    for vid in ("VA2", "VB1"):
        own = stops[stops["vehicle_id"] == vid].sort_values("seq")
        legs = route_geometry(G, list(zip(own["lon"], own["lat"])), islands=islands, access=False)
        private = own["place_type"].isin(["home", "base"]).to_numpy()
        expected = []
        for leg in legs:
            cut = PRIVACY_RADIUS_M * (int(private[leg.from_stop]) + int(private[leg.to_stop]))
            if leg.length_m - cut > 1.0:
                expected.append(leg.length_m - cut)
        drawn = [gpd.GeoSeries([LineString(c)], crs=4326).to_crs(32651).length.iloc[0]
                 for c, _, _ in _geojson_lines(g[f"车辆 {vid} Vehicle {vid}"])]
        # coordinates are rounded to 1e-4 degrees (~10 m) on published maps
        assert sorted(drawn) == pytest.approx(sorted(expected), abs=15.0)
        if vid == "VB1":
            assert drawn[0] == pytest.approx(400.0, abs=15.0)


def test_privacy_mode_must_match_the_map(plan, G, islands):
    m = base_map(title_zh="图", title_en="Map", tiles="offline", published=True)
    with pytest.raises(InputError, match="published"):
        plot_routes(plan, G, islands=islands, m=m, published=False)
    with pytest.raises(InputError, match="privacy_radius_m"):
        plot_routes(plan, G, islands=islands, privacy_radius_m=0)
    same = plot_routes(plan, G, islands=islands, m=m, tiles="offline")
    assert same is m and "车辆 VA2 Vehicle VA2" in _groups(m)


# ------------------------------------------------------------------------------- browser
_MISSING = (importlib.util.find_spec("playwright") is None)
if not _MISSING:
    from optimizer.outputs.browser import find_chromium

    _MISSING = find_chromium() is None


@pytest.mark.skipif(_MISSING and not os.environ.get("CI"),
                    reason="Debian chromium or the playwright package is missing (required in CI)")
def test_saved_maps_open_in_headless_chromium(plan, G, islands, tmp_path):
    from optimizer.outputs.browser import check_pages

    pub = save_route_map(plan, G, tmp_path / "pub.html", islands=islands, tiles="offline",
                         villages=VILLAGES)
    internal = save_route_map(plan, G, tmp_path / "int.html", islands=islands, tiles="offline",
                              published=False)
    shots = [tmp_path / "pub.png", tmp_path / "int.png"]
    reports = check_pages([pub, internal], screenshots=shots)
    for rep, shot in zip(reports, shots):
        assert rep.ok, (rep.js_errors, rep.failed_requests, rep.blocked_requests)
        vehicles = [n for n in rep.layer_names if n.startswith("车辆")]
        assert vehicles == ["车辆 VA2 Vehicle VA2", "车辆 VB1 Vehicle VB1"]
        assert "轮渡换乘 Ferry crossings" in rep.layer_names
        assert rep.n_marker_icons >= 6 and rep.n_paths >= 5
        head = shot.read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", head[16:24]) == (1280, 800)
    # published markers are fewer: private stops merge at the village/island point
    assert reports[0].n_marker_icons < reports[1].n_marker_icons


@pytest.mark.skipif(_MISSING and not os.environ.get("CI"),
                    reason="Debian chromium or the playwright package is missing (required in CI)")
@pytest.mark.parametrize("viewport", [(420, 800), (800, 600)])
def test_notes_never_cover_the_layer_control(plan, G, islands, tmp_path, viewport):
    # Regression: at 420 px the title box (max-width calc(100% - 260px)) ran under the expanded
    # layer control. Now: narrow maps start with the control collapsed and the notes folded; at
    # 800 px the control is expanded and the layout script narrows or moves the title box.
    from optimizer.outputs.browser import check_page
    from optimizer.outputs.maps import add_note

    m = plot_routes(plan, G, islands=islands, tiles="offline", villages=VILLAGES)
    add_note(m, "很长的说明 A long note " * 12)
    page = tmp_path / "routes.html"
    from optimizer.outputs.maps import save_map

    save_map(m, page, offline=True)
    box, ctrl = ".opt-title-box", ".leaflet-control-layers"
    rep = check_page(page, viewport=viewport, measure=(box, ctrl, ".opt-notes", ".opt-legend"))
    assert rep.ok, rep.summary()
    assert rep.boxes[box] is not None and rep.boxes[ctrl] is not None
    assert not rep.overlap(box, ctrl), rep.boxes
    bx, by, bw, bh = rep.boxes[box]
    assert bx >= 0 and bx + bw <= viewport[0]  # inside the page
    # the layers are still all listed (collapsed or not)
    assert "轮渡换乘 Ferry crossings" in rep.layer_names
    if viewport[0] < 768:
        assert rep.boxes[ctrl][2] <= 50  # collapsed to its icon (44 px + border)
        assert bh < 120  # notes folded: title lines and the "说明 Notes" summary only
