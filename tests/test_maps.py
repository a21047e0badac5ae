"""Tests of optimizer.outputs.tiles (GCJ-02, tile choices) and optimizer.outputs.maps (no browser)."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from optimizer.errors import InputError, InputErrors, PrivacyError
from optimizer.outputs import maps, tiles
from optimizer.outputs.maps import (
    NOTE_APPROXIMATE_ROADS,
    NOTE_SYNTHETIC,
    add_lines,
    add_points,
    add_polygons,
    assert_publishable,
    base_map,
    map_notes,
    personal_columns,
    save_map,
)
from optimizer.outputs.tiles import (
    gcj02_to_wgs84,
    resolve_tiles,
    to_display_crs,
    wgs84_to_gcj02,
)

DATA = Path(__file__).parent / "data" / "maps"
REPO = Path(__file__).resolve().parents[1]

# Published test pairs of eviltransform (github.com/googollee/eviltransform, python/test.py):
# (wgs_lat, wgs_lng, gcj_lat, gcj_lng)
EVILTRANSFORM_PAIRS = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


@pytest.fixture(scope="module")
def layers() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Two island polygons, three canteen points, one ferry line (tests/data/maps, EPSG:4326)."""
    return (
        gpd.read_file(DATA / "islands_two.geojson"),
        gpd.read_file(DATA / "canteens_three.geojson"),
        gpd.read_file(DATA / "ferry_one.geojson"),
    )


def _marker_latlngs(doc: str) -> list[tuple[float, float]]:
    return [(float(a), float(b)) for a, b in re.findall(r"L\.marker\(\s*\[([-\d.e]+),\s*([-\d.e]+)\]", doc)]


def _full_map(layers, *, tiles_name: str = "offline") -> folium.Map:
    isl, pts, ln = layers
    m = base_map(title_zh="普陀区食堂覆盖", title_en="Putuo canteen coverage", tiles=tiles_name,
                 synthetic=True, approximate_roads=True)
    add_polygons(m, isl, name=("岛屿", "Islands"), color="#2ca02c", tooltip_cols=["name_zh", "area_km2"])
    add_points(m, pts, name=("食堂", "Canteens"), color="red", icon="utensils",
               tooltip_cols=["site_id", "name_zh"], popup_cols=["meals_per_day"])
    add_lines(m, ln, name=("渡轮航线", "Ferry link"), color="#1f77b4", dash=True, tooltip_cols=["route_id"])
    return m


# ------------------------------------------------------------------------------------- GCJ-02
@pytest.mark.parametrize("wlat,wlng,glat,glng", EVILTRANSFORM_PAIRS)
def test_wgs84_to_gcj02_matches_published_pairs(wlat, wlng, glat, glng):
    lon, lat = wgs84_to_gcj02(wlng, wlat)
    assert abs(float(lon) - glng) < 1e-8
    assert abs(float(lat) - glat) < 1e-8


@pytest.mark.parametrize("wlat,wlng,glat,glng", EVILTRANSFORM_PAIRS)
def test_gcj02_to_wgs84_inverts_published_pairs(wlat, wlng, glat, glng):
    lon, lat = gcj02_to_wgs84(glng, glat)
    assert abs(float(lon) - wlng) < 1e-8
    assert abs(float(lat) - wlat) < 1e-8


def test_gcj02_shift_at_shenjiamen_is_about_480_m():
    # WGS84 (122.30, 29.95) -> GCJ-02 (122.304153, 29.947609): 0.00415° east, 0.00239° south,
    # i.e. 0.00415 * 111_320 * cos(29.95°) ≈ 401 m and 0.00239 * 110_574 ≈ 264 m -> ≈ 480 m.
    lon, lat = wgs84_to_gcj02(122.30, 29.95)
    assert float(lon) == pytest.approx(122.304153, abs=1e-6)
    assert float(lat) == pytest.approx(29.947609, abs=1e-6)
    dx_m = (float(lon) - 122.30) * 111_320 * np.cos(np.radians(29.95))
    dy_m = (float(lat) - 29.95) * 110_574
    assert 450 < np.hypot(dx_m, dy_m) < 510


def test_gcj02_vectorised_keeps_shape_and_matches_scalar():
    lon = np.array([[122.30, 122.32], [113.912316, 24.94]])
    lat = np.array([[29.95, 29.97], [22.543847, 60.17]])
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert glon.shape == (2, 2) and glat.shape == (2, 2)
    for i in range(2):
        for j in range(2):
            slon, slat = wgs84_to_gcj02(float(lon[i, j]), float(lat[i, j]))
            assert glon[i, j] == float(slon) and glat[i, j] == float(slat)
    # Helsinki is outside China: unchanged
    assert glon[1, 1] == 24.94 and glat[1, 1] == 60.17


def test_gcj02_shape_mismatch_is_input_error():
    with pytest.raises(InputError):
        wgs84_to_gcj02(np.zeros(3), np.zeros(2))


@settings(max_examples=200, deadline=None)
@given(lon=st.floats(73.0, 135.0), lat=st.floats(18.0, 53.0))
def test_gcj02_round_trip_within_1e_6_deg(lon, lat):
    glon, glat = wgs84_to_gcj02(lon, lat)
    # the shift is real (between ~100 m and 1 km everywhere in this box) ...
    assert 1e-4 < max(abs(float(glon) - lon), abs(float(glat) - lat)) < 1e-2
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    # ... and the inverse undoes it
    assert abs(float(wlon) - lon) < 1e-6 and abs(float(wlat) - lat) < 1e-6


@settings(max_examples=100, deadline=None)
@given(lon=st.floats(-180.0, 180.0), lat=st.floats(-90.0, 90.0))
def test_no_shift_outside_china_box(lon, lat):
    if tiles.in_china_bbox(lon, lat):
        return
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert float(glon) == lon and float(glat) == lat
    wlon, wlat = gcj02_to_wgs84(lon, lat)
    assert float(wlon) == lon and float(wlat) == lat


# ------------------------------------------------------------------------------------- tiles
def test_to_display_crs_shifts_only_for_amap():
    for name in ("osm", "offline", "tianditu"):
        lon, lat = to_display_crs(122.30, 29.95, name)
        assert (float(lon), float(lat)) == (122.30, 29.95)
    lon, lat = to_display_crs(122.30, 29.95, "amap")
    assert (float(lon), float(lat)) == tuple(float(v) for v in wgs84_to_gcj02(122.30, 29.95))


def test_resolve_tiles_tianditu_without_token_falls_back_with_warning(monkeypatch):
    monkeypatch.delenv("TIANDITU_TOKEN", raising=False)
    with pytest.warns(UserWarning, match="TIANDITU_TOKEN"):
        ts = resolve_tiles("tianditu")
    assert ts.name == "osm" and ts.requested == "tianditu" and not ts.needs_gcj02


def test_resolve_tiles_tianditu_token_from_env(monkeypatch):
    monkeypatch.setenv("TIANDITU_TOKEN", "abc123")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ts = resolve_tiles("tianditu")
    assert ts.name == "tianditu" and ts.datum == "WGS84"
    assert [s.overlay for s in ts.layers] == [False, True]  # vector base + annotation overlay
    assert all("tk=abc123" in s.url and "TILEMATRIXSET=w" in s.url for s in ts.layers)
    assert resolve_tiles("tianditu", token="zzz").layers[0].url.endswith("tk=zzz")


def test_resolve_tiles_amap_offline_and_unknown():
    amap = resolve_tiles("AMap")
    assert amap.needs_gcj02 and "autonavi" in amap.layers[0].url
    assert resolve_tiles("offline").layers == ()
    with pytest.raises(InputError, match="unknown tiles"):
        resolve_tiles("google")


# ------------------------------------------------------------------------------------- maps
def test_base_map_title_notes_legend_and_layer_control(layers):
    m = _full_map(layers)
    doc = m.get_root().render()
    assert "普陀区食堂覆盖" in doc and "Putuo canteen coverage" in doc
    assert NOTE_APPROXIMATE_ROADS in doc and NOTE_SYNTHETIC in doc
    legend = doc[doc.index("图例 Legend"):]
    for label in ("岛屿 Islands", "食堂 Canteens", "渡轮航线 Ferry link"):
        assert label in legend
    assert "opt-sw-dash" in legend  # dashed ferry line swatch
    assert "L.control.scale" in doc
    # the layer control is emitted after every feature group it lists (JS order matters)
    ctrl = doc.index("var layer_control_")
    groups = [mt.start() for mt in re.finditer(r"var feature_group_\w+ = L\.featureGroup", doc)]
    assert len(groups) == 3 and max(groups) < ctrl
    for label in ("岛屿 Islands", "食堂 Canteens", "渡轮航线 Ferry link"):
        assert json.dumps(label) in doc[ctrl:]  # folium writes names as JSON (\u escapes)
    assert "tile.openstreetmap.org" not in doc  # offline tiles: no tile layer


def test_typed_notes_are_read_by_kind():
    from optimizer.outputs.maps import map_notes
    from optimizer.results import Note, NoteKind

    approx = Note(NoteKind.APPROXIMATE_ROADS, "近似路网", "any wording")
    files = Note(NoteKind.SYNTHETIC_DATA, "合成数据（a.csv）", "Synthetic data: a.csv")
    est = Note(NoteKind.ESTIMATED_SAILINGS, "部分航班时刻为估计", "Some sailings are estimates")
    # the approximate-roads note turns the flag on and is shown once, in the maps' wording;
    # a synthetic-data note is shown as written (it names the files), not the generic line
    m = base_map(title_zh="图", title_en="Map", tiles="offline", notes=[approx, est, files, "x"],
                 approximate_roads=True, synthetic=True)
    assert map_notes(m) == ["部分航班时刻为估计 Some sailings are estimates",
                            "合成数据（a.csv） Synthetic data: a.csv", "x", NOTE_APPROXIMATE_ROADS]
    m2 = base_map(title_zh="图", title_en="Map", tiles="offline", notes=[approx])
    assert map_notes(m2) == [NOTE_APPROXIMATE_ROADS]
    m3 = base_map(title_zh="图", title_en="Map", tiles="offline", notes=[est], synthetic=True)
    assert map_notes(m3) == ["部分航班时刻为估计 Some sailings are estimates", NOTE_SYNTHETIC]


def test_notes_hidden_unless_flagged_and_titles_escaped():
    m = base_map(title_zh="<b>覆盖</b>", title_en="Coverage & access", tiles="offline")
    doc = m.get_root().render()
    assert NOTE_SYNTHETIC not in doc and NOTE_APPROXIMATE_ROADS not in doc
    assert "&lt;b&gt;覆盖&lt;/b&gt;" in doc and "Coverage &amp; access" in doc
    with pytest.raises(InputError):
        base_map(title_zh="", title_en="x")


def test_base_map_fits_view_to_layers(layers):
    isl, _pts, _ln = layers
    m = base_map(title_zh="岛", title_en="Islands", tiles="offline")
    add_polygons(m, isl, name=("岛屿", "Islands"))
    doc = m.get_root().render()
    mt = re.search(r"\.fitBounds\((\[\[.*?\]\])", doc)
    assert mt is not None
    (s, w), (n, e) = json.loads(mt.group(1))
    assert (s, w, n, e) == (29.90, 122.20, 30.02, 122.41)
    assert '"maxZoom": 19' in doc  # set on the map itself: MarkerCluster needs it without tiles


def test_amap_tiles_shift_markers_by_gcj02_and_osm_does_not(layers):
    _, pts, _ = layers
    wgs = [(p.y, p.x) for p in pts.geometry]
    for name, expect_shift in (("amap", True), ("osm", False)):
        m = base_map(title_zh="食堂", title_en="Canteens", tiles=name, center=(29.95, 122.30))
        add_points(m, pts, name=("食堂", "Canteens"), color="red")
        drawn = _marker_latlngs(m.get_root().render())
        assert len(drawn) == 3
        for (lat, lng), (wlat, wlng) in zip(drawn, wgs):
            if expect_shift:
                glng, glat = wgs84_to_gcj02(wlng, wlat)
                assert lat == pytest.approx(float(glat), abs=1e-9)
                assert lng == pytest.approx(float(glng), abs=1e-9)
                assert abs(lng - wlng) > 0.004 and abs(lat - wlat) > 0.002  # hundreds of metres
            else:
                assert (lat, lng) == (wlat, wlng)


def test_amap_polygon_coordinates_are_shifted(layers):
    isl, _, _ = layers
    m = base_map(title_zh="岛", title_en="Islands", tiles="amap")
    add_polygons(m, isl, name=("岛屿", "Islands"))
    doc = m.get_root().render()
    glng, glat = wgs84_to_gcj02(122.20, 29.90)
    assert f"[{float(glng)!r}, {float(glat)!r}]" in doc
    assert "[122.2, 29.9]" not in doc


# ------------------------------------------------------------------------------------- privacy
def test_personal_columns_on_real_input_headers():
    # headers of data/geo/putuo/synthetic/dialysis_patients.csv and vehicles.csv
    patients = ["patient_id", "name", "phone", "village_code", "island_id", "lon", "lat", "mobility", "escort", "schedule"]
    assert personal_columns(patients) == ["patient_id", "name", "phone", "escort"]
    vehicles = ["vehicle_id", "driver", "phone", "base_village_code", "island_id", "seats"]
    assert personal_columns(vehicles) == ["driver", "phone"]
    canteens = ["canteen_id", "name_zh", "kind", "village_code", "town_name", "island_id", "capacity_meals_per_day"]
    assert personal_columns(canteens) == []
    assert personal_columns(["患者姓名", "联系电话", "村名"]) == ["患者姓名", "联系电话"]
    assert personal_columns(["address"], allow=["address"]) == []


@pytest.mark.parametrize("col", ["name", "phone", "patient_name", "Phone Number", "姓名"])
def test_published_map_refuses_personal_columns(layers, col):
    _, pts, _ = layers
    gdf = pts.assign(**{col: ["x", "y", "z"]})
    m = base_map(title_zh="食堂", title_en="Canteens", tiles="offline")
    with pytest.raises(PrivacyError, match="personal data") as ei:
        add_points(m, gdf, name=("食堂", "Canteens"), tooltip_cols=[col])
    assert ei.value.field == col
    with pytest.raises(PrivacyError):
        assert_publishable(gdf)
    # a dispatcher (unpublished) map may show it
    m2 = base_map(title_zh="调度", title_en="Dispatch", tiles="offline", published=False)
    add_points(m2, gdf, name=("病人", "Patients"), tooltip_cols=[col], personal=True)


def test_published_map_refuses_personal_point_layer(layers):
    _, pts, _ = layers
    m = base_map(title_zh="食堂", title_en="Canteens", tiles="offline")
    with pytest.raises(PrivacyError, match="personal=True"):
        add_points(m, pts[["geometry"]], name=("病人住址", "Patient homes"), personal=True)
    with pytest.raises(InputError):  # PrivacyError is an InputError
        assert_publishable(pts, personal=True)


def test_unshown_columns_never_reach_the_html(layers):
    _, pts, _ = layers
    gdf = pts.assign(phone=["13800000001", "13800000002", "13800000003"])
    m = base_map(title_zh="食堂", title_en="Canteens", tiles="offline")
    add_points(m, gdf, name=("食堂", "Canteens"), tooltip_cols=["site_id"])
    add_polygons(m, gdf.set_geometry(gdf.to_crs(32651).buffer(100.0).to_crs(4326)), name=("范围", "Areas"), tooltip_cols=["site_id"])
    doc = m.get_root().render()
    assert "1380000000" not in doc and "沈家门食堂" not in doc
    assert "C1" in doc


# ------------------------------------------------------------------------------------- input checks
def test_wrong_crs_and_bad_geometry_are_input_errors(layers):
    isl, pts, _ = layers
    m = base_map(title_zh="岛", title_en="Islands", tiles="offline")
    with pytest.raises(InputError, match="EPSG:4326"):
        add_polygons(m, isl.to_crs(32651), name=("岛屿", "Islands"))
    with pytest.raises(InputError, match="no CRS"):
        add_polygons(m, isl.set_crs(None, allow_override=True), name=("岛屿", "Islands"))
    with pytest.raises(InputError, match="geometry type Point") as ei:
        add_polygons(m, pts, name=("岛屿", "Islands"))
    assert isinstance(ei.value, InputErrors) and [e.row for e in ei.value.errors] == [1, 2, 3]
    # a missing geometry is no error: left off the map and named in a note
    # (tests/test_maps_missing.py)
    bad = gpd.GeoDataFrame({"a": [1, 2]}, geometry=[Point(122.3, 29.9), None], crs=4326)
    add_points(m, bad, name=("点", "points"))
    assert map_notes(m)[-1] == "1 个点未在图上显示：无坐标 · 1 points not shown: no coordinates"
    with pytest.raises(InputError, match="not in the frame"):
        add_points(m, pts, name=("点", "Points"), tooltip_cols=["nope"])
    with pytest.raises(InputError, match="icon colour"):
        add_points(m, pts, name=("点", "Points"), color="#ff0000")
    add_points(m, pts, name=("点", "Points"), color="#ff0000", icon=None)  # circle markers: any CSS


# ------------------------------------------------------------------------------------- saving
def test_save_offline_inlines_every_asset(layers, tmp_path):
    m = _full_map(layers)
    online = save_map(m, tmp_path / "online.html").read_text(encoding="utf-8")
    assert '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"></script>' in online
    doc = save_map(m, tmp_path / "sub" / "offline.html", offline=True).read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", doc)
    assert not re.search(r"<link[^>]+href=", doc)
    assert "leaflet-1.9.3/leaflet.js (vendored" in doc
    assert "url(../" not in doc and "url(images/" not in doc  # CSS images/fonts inlined
    assert "data:font/woff2;base64," in doc and "data:image/png;base64," in doc
    assert "普陀区食堂覆盖" in doc


def test_save_offline_refuses_unvendored_assets_and_glyphicons(tmp_path):
    from folium.plugins import MeasureControl

    m = base_map(title_zh="测量", title_en="Measure", tiles="offline")
    MeasureControl().add_to(m)
    with pytest.raises(InputError, match="not vendored"):
        save_map(m, tmp_path / "x.html", offline=True)
    m = base_map(title_zh="图标", title_en="Icons", tiles="offline")
    folium.Marker([29.95, 122.30], icon=folium.Icon()).add_to(m)  # default glyphicon prefix
    with pytest.raises(InputError, match="glyphicon"):
        save_map(m, tmp_path / "y.html", offline=True)


def test_vendored_assets_present_and_documented():
    sources = (maps.STATIC_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for url, rel in maps._VENDORED.items():
        assert (maps.STATIC_DIR / rel).is_file(), rel
        assert rel.split("/")[0] in sources, rel
    for lic in ("leaflet-1.9.3/LICENSE", "jquery-3.7.1/LICENSE.txt", "bootstrap-5.2.2/LICENSE",
                "fontawesome-free-6.2.0/LICENSE.txt", "leaflet.awesome-markers-2.0.2/LICENSE",
                "leaflet.markercluster-1.1.0/MIT-LICENCE.txt"):
        assert (maps.STATIC_DIR / lic).is_file(), lic
    # the vendored versions are the ones folium asks for
    m = folium.Map()
    for _, url in list(m.default_js) + list(m.default_css):
        assert url in maps._VENDORED or url in maps._DROPPED, url


# ------------------------------------------------------------------------ public helpers
def test_add_note_feature_group_and_include_in_view(layers):
    from optimizer.outputs.maps import add_note, feature_group, include_in_view, map_notes

    _isl, pts, ln = layers
    m = base_map(title_zh="路线", title_en="Routes", tiles="offline")
    add_lines(m, ln, name=("渡轮航线", "Ferry link"))
    add_note(m, "直线绘制 <b>Drawn</b> straight")
    assert map_notes(m) == ["直线绘制 &lt;b&gt;Drawn&lt;/b&gt; straight"]
    with pytest.raises(InputError):
        add_note(m, "  ")
    with pytest.raises(InputError, match="title box"):
        add_note(folium.Map(), "x")
    # the line layer is found again by its bilingual name; an unknown name makes a new layer
    fg = feature_group(m, ("渡轮航线", "Ferry link"))
    assert fg.layer_name == "渡轮航线 Ferry link"
    assert feature_group(m, "渡轮航线 Ferry link") is fg
    new = feature_group(m, ("标签", "Labels"))
    assert new is not fg and new.layer_name == "标签 Labels"
    folium.Marker([30.10, 122.50]).add_to(fg)
    include_in_view(m, [122.50, float("nan")], [30.10, 29.0])
    doc = m.get_root().render()
    assert "直线绘制 &lt;b&gt;Drawn&lt;/b&gt; straight" in doc
    (s, w), (n, e) = json.loads(re.search(r"\.fitBounds\((\[\[.*?\]\])", doc).group(1))
    assert (n, e) == (30.10, 122.50)  # the marker widened the view; the NaN pair was ignored
    with pytest.raises(InputError, match="differ in length"):
        include_in_view(m, [1.0, 2.0], [1.0])


def test_points_colour_column_and_legend_rows(layers):
    _isl, pts, _ln = layers
    pts = pts.assign(colour=["green", "red", "green"])
    m = base_map(title_zh="食堂", title_en="Canteens", tiles="offline")
    add_points(m, pts, name=("食堂", "Canteens"), color_col="colour", icon="utensils",
               legend={"新增 Added": "green", "关闭 Removed": "red"})
    doc = m.get_root().render()
    assert doc.count('"markerColor": "green"') == 2 and doc.count('"markerColor": "red"') == 1
    legend = doc[doc.index("图例 Legend"):]
    assert "食堂 Canteens: 新增 Added" in legend and "#72b026" in legend  # sprite green
    with pytest.raises(InputError, match="unknown"):
        add_points(m, pts.assign(colour="#123456"), name="x y", color_col="colour",
                   icon="utensils")
    # an empty layer is allowed (listed, nothing drawn, view unchanged)
    add_points(m, pts.iloc[:0], name=("空", "Empty"), icon=None)
    assert json.dumps("空 Empty") in m.get_root().render()


def test_layer_control_collapses_on_narrow_screens_and_notes_fold():
    m = base_map(title_zh="图", title_en="Map", tiles="offline", synthetic=True)
    doc = m.get_root().render()
    assert '"collapsed": window.innerWidth < 768' in doc
    assert '<details class="opt-notes opt-fold" open><summary>说明 Notes (1)</summary>' in doc
    # the layout script runs after the layer control exists
    assert doc.index("L.control.layers(") < doc.index("details.opt-fold")


def test_circle_points_are_one_geojson_layer_with_fields_and_empty_layers_still_listed():
    m = base_map(title_zh="点", title_en="Points", tiles="osm")
    pts = gpd.GeoDataFrame({"village": ["甲村", "乙村"], "share_pct": [50.0, 100.0]},
                           geometry=[Point(122.30, 29.95), Point(122.31, 29.96)], crs=4326)
    add_points(m, pts, name=("村", "Villages"), color="#2ca02c", icon=None,
               tooltip_cols=["village", "share_pct"])
    add_points(m, pts.iloc[:0], name=("空", "Empty"), color="#d62728", icon=None,
               tooltip_cols=["village"])
    doc = m.get_root().render()
    gj = [c for c in m._children.values() if isinstance(c, folium.FeatureGroup)]
    names = [g.layer_name for g in gj]
    assert "空 Empty" in names and "村 Villages" in names  # the empty layer is still listed
    layer = next(g for g in gj if g.layer_name == "村 Villages")
    (geo,) = [c for c in layer._children.values() if isinstance(c, folium.GeoJson)]
    feats = geo.data["features"]
    assert [f["properties"]["village"] for f in feats] == ["甲村", "乙村"]
    assert [list(f["geometry"]["coordinates"]) for f in feats] == [[122.30, 29.95], [122.31, 29.96]]
    assert "new L.CircleMarker(latlng, opts)" in doc  # drawn as circle markers ...
    styler = doc[doc.index(f"function {geo.get_name()}_styler"):]
    styler = styler[:styler.index("}\n        }")]
    assert '"fill": true' in styler and '"fillColor": "#2ca02c"' in styler  # ... and filled
