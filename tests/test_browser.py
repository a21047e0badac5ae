"""Real-browser checks of saved maps (headless Debian Chromium via optimizer.outputs.browser).

Skipped only when Chromium (or the playwright package) is absent AND the CI environment variable is
unset; in CI (scripts/test.sh installs chromium) a missing browser fails these tests.
"""

from __future__ import annotations

import importlib.util
import os
import struct
from pathlib import Path

import geopandas as gpd
import pytest

from optimizer.errors import InputError
from optimizer.outputs.browser import PageReport, check_page, check_pages, find_chromium
from optimizer.outputs.maps import add_lines, add_points, add_polygons, base_map, save_map
from optimizer.outputs.tiles import wgs84_to_gcj02

DATA = Path(__file__).parent / "data" / "maps"

_MISSING = find_chromium() is None or importlib.util.find_spec("playwright") is None
pytestmark = pytest.mark.skipif(
    _MISSING and not os.environ.get("CI"),
    reason="Debian chromium or the playwright package is missing (required when CI is set)",
)

LAYER_NAMES = ("岛屿 Islands", "食堂 Canteens", "渡轮航线 Ferry link")


def _layers():
    return (
        gpd.read_file(DATA / "islands_two.geojson"),
        gpd.read_file(DATA / "canteens_three.geojson"),
        gpd.read_file(DATA / "ferry_one.geojson"),
    )


def _map(tiles: str):
    isl, pts, ln = _layers()
    m = base_map(title_zh="普陀区食堂覆盖", title_en="Putuo canteen coverage", tiles=tiles,
                 synthetic=True, approximate_roads=True)
    add_polygons(m, isl, name=("岛屿", "Islands"), color="#2ca02c", tooltip_cols=["name_zh", "area_km2"])
    add_points(m, pts, name=("食堂", "Canteens"), color="red", icon="utensils",
               tooltip_cols=["site_id", "name_zh"], popup_cols=["meals_per_day"])
    add_lines(m, ln, name=("渡轮航线", "Ferry link"), color="#1f77b4", dash=True, tooltip_cols=["route_id"])
    return m


def _cluster_map():
    _, pts, _ = _layers()
    m = base_map(title_zh="聚合", title_en="Clustered", tiles="offline", center=(29.97, 122.33), zoom=9)
    add_points(m, pts, name=("食堂", "Canteens"), color="green", icon="utensils", cluster=True)
    return m


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", head[16:24])


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, PageReport]:
    """Six pages checked in one Chromium session (network blocked), keyed by name.

    offline: the tiny two-island map saved offline (with a screenshot); amap / osm: the same map on
    AMap / OSM tiles with assets inlined; cdn: the map saved with CDN links; broken: a hand-written page
    with a console error, an uncaught exception and a missing image; cluster: clustered markers offline.
    """
    out = tmp_path_factory.mktemp("browser")
    broken = out / "broken.html"
    broken.write_text(
        "<html><head><title>坏页 broken</title></head><body>"
        '<img src="missing.png"><script>console.error("boom-console");'
        'throw new Error("boom-uncaught")</script></body></html>',
        encoding="utf-8",
    )
    pages = {
        "offline": save_map(_map("offline"), out / "offline.html", offline=True),
        "amap": save_map(_map("amap"), out / "amap.html", offline=True),
        "osm": save_map(_map("osm"), out / "osm.html", offline=True),
        "cdn": save_map(_map("offline"), out / "cdn.html", offline=False),
        "broken": broken,
        "cluster": save_map(_cluster_map(), out / "cluster.html", offline=True),
    }
    shots = [out / "offline.png" if k == "offline" else None for k in pages]
    got = check_pages(list(pages.values()), screenshots=shots, timeout_s=60)
    return dict(zip(pages, got))


def test_offline_map_loads_without_errors_or_network(reports):
    r = reports["offline"]
    assert r.js_errors == (), r.summary()
    assert r.blocked_requests == () and r.failed_requests == () and r.resource_errors == (), r.summary()
    assert r.ok


def test_offline_map_draws_expected_layers(reports):
    r = reports["offline"]
    assert r.n_paths == 3, r.summary()  # 2 island polygons + 1 ferry line
    assert r.n_marker_icons == 3, r.summary()  # 3 canteens
    assert r.layer_names == LAYER_NAMES
    assert r.n_tiles_loaded == 0


def test_offline_screenshot_written(reports):
    shot = reports["offline"].screenshot
    assert shot is not None and shot.is_file()
    assert _png_size(shot) == (1280, 800)
    assert shot.stat().st_size > 10_000  # a drawn map, not a blank page


def test_amap_markers_sit_at_gcj02_positions_in_the_browser(reports):
    _, pts, _ = _layers()
    r = reports["amap"]
    assert r.js_errors == (), r.summary()
    # assets are inline; only the AMap tiles wanted the network, and were blocked
    assert r.blocked_requests and all("autonavi.com" in u for u in r.blocked_requests)
    assert r.n_paths == 3 and r.n_marker_icons == 3
    glon, glat = wgs84_to_gcj02(pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy())
    got = sorted(r.marker_latlngs)
    want = sorted(zip(glat.tolist(), glon.tolist()))
    assert len(got) == 3
    for (a, b), (c, d) in zip(got, want):
        assert a == pytest.approx(c, abs=1e-9) and b == pytest.approx(d, abs=1e-9)


def test_osm_markers_stay_at_wgs84_positions(reports):
    _, pts, _ = _layers()
    r = reports["osm"]
    assert r.js_errors == ()
    assert r.blocked_requests and all("tile.openstreetmap.org" in u for u in r.blocked_requests)
    assert sorted(r.marker_latlngs) == sorted(zip(pts.geometry.y.tolist(), pts.geometry.x.tolist()))


def test_cdn_map_without_network_is_caught(reports):
    # the harness must see a broken page: CDN scripts blocked -> Leaflet never loads
    r = reports["cdn"]
    assert not r.ok
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in r.blocked_requests
    assert any("L is not defined" in e for e in r.js_errors), r.summary()
    assert r.n_paths == 0 and r.n_marker_icons == 0


def test_check_page_reports_uncaught_exceptions_and_missing_files(reports):
    r = reports["broken"]
    assert r.title == "坏页 broken"
    assert "boom-console" in r.js_errors[0]
    assert any("boom-uncaught" in e for e in r.js_errors)
    assert len(r.failed_requests) == 1 and "missing.png" in r.failed_requests[0]
    assert r.blocked_requests == ()


def test_check_page_single_and_bad_input(tmp_path):
    page = tmp_path / "plain.html"
    page.write_text("<html><head><title>t</title></head><body>ok</body></html>", encoding="utf-8")
    r = check_page(page, timeout_s=30, settle_ms=0)
    assert r.ok and r.title == "t" and r.n_paths == 0 and r.layer_names == ()
    with pytest.raises(InputError, match="no such HTML file"):
        check_page(tmp_path / "nope.html")


def test_clustered_markers_work_offline(reports):
    # regression: with no tile layer Leaflet.markercluster threw "Map has no maxZoom specified"
    r = reports["cluster"]
    assert r.ok, r.summary()
    # at zoom 9 the three canteens (≤ 9 km apart) merge into one cluster icon, which Leaflet places
    # at their mean: lat (29.95 + 29.97 + 29.99) / 3, lon (122.30 + 122.32 + 122.39) / 3
    assert r.n_marker_icons == 1
    ((lat, lon),) = r.marker_latlngs
    assert lat == pytest.approx(29.97, abs=1e-9) and lon == pytest.approx(122.336667, abs=1e-6)


def test_keep_screenshots_names_and_copies(tmp_path):
    from optimizer.outputs.browser import keep_screenshots

    page = tmp_path / "maps" / "network.html"
    page.parent.mkdir()
    page.write_text("<html><body style='background:#c00'>x</body></html>", encoding="utf-8")
    keep = tmp_path / "artifacts" / "screenshots"
    with keep_screenshots(keep, prefix="test_x[a/b]"):
        check_pages([page, page], screenshots=[tmp_path / "own.png", None], settle_ms=0)
    # requested screenshots are copied under their own stem; others named after the page;
    # unsafe characters become "_"
    assert sorted(p.name for p in keep.iterdir()) == ["test_x_a_b-network.png", "test_x_a_b-own.png"]
    assert (keep / "test_x_a_b-own.png").read_bytes() == (tmp_path / "own.png").read_bytes()
    assert _png_size(keep / "test_x_a_b-network.png") == (1280, 800)
    check_page(page, settle_ms=0)  # outside the block: nothing more is kept
    assert len(list(keep.iterdir())) == 2
    with pytest.raises(InputError):
        with keep_screenshots(keep, prefix=" "):
            pass


def test_artifacts_dir_follows_the_environment(monkeypatch, tmp_path):
    from conftest import REPO, screenshot_dir

    monkeypatch.delenv("OPTIMIZER_ARTIFACTS_DIR", raising=False)
    monkeypatch.delenv("CI", raising=False)
    assert screenshot_dir() is None
    monkeypatch.setenv("CI", "1")
    assert screenshot_dir() == REPO / "artifacts" / "screenshots"
    monkeypatch.setenv("OPTIMIZER_ARTIFACTS_DIR", "build/art")
    assert screenshot_dir() == REPO / "build" / "art" / "screenshots"
    monkeypatch.setenv("OPTIMIZER_ARTIFACTS_DIR", str(tmp_path))
    assert screenshot_dir() == tmp_path / "screenshots"
