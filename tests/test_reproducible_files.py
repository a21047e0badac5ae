"""Identical files for identical runs: maps (folium's random element ids) and workbooks (openpyxl's
timestamps), checked across processes with different hash seeds."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from optimizer.outputs.xlsx import XLSX_TIMESTAMP, save_workbook

REPO = Path(__file__).resolve().parents[1]

MAP_SCRIPT = textwrap.dedent("""
    import sys
    import geopandas as gpd
    from shapely.geometry import LineString, Point, Polygon
    from optimizer.outputs.maps import add_lines, add_points, add_polygons, base_map, save_map

    m = base_map(title_zh="测试", title_en="Test", tiles=sys.argv[2], synthetic=True)
    pts = gpd.GeoDataFrame({"site_id": ["S1", "S2", "S3"], "kind": ["a", "b", "a"]},
                           geometry=[Point(122.30, 29.95), Point(122.32, 29.97),
                                     Point(122.39, 29.99)], crs="EPSG:4326")
    add_points(m, pts, name=("食堂", "Canteens"), tooltip_cols=["site_id"], popup_cols=["kind"],
               cluster=True)
    poly = gpd.GeoDataFrame({"island": ["I1"]}, geometry=[Polygon(
        [(122.2, 29.9), (122.3, 29.9), (122.3, 30.0)])], crs="EPSG:4326")
    add_polygons(m, poly, name=("岛屿", "Islands"), tooltip_cols=["island"],
                 legend={"岛 Island": "#2ca02c"})
    line = gpd.GeoDataFrame({"route_id": ["R1"]}, geometry=[LineString(
        [(122.30, 29.95), (122.39, 29.99)])], crs="EPSG:4326")
    add_lines(m, line, name=("航线", "Ferry"), dash=True, tooltip_cols=["route_id"])
    save_map(m, sys.argv[1], offline=sys.argv[2] == "offline")
""")


def _render(path: Path, tiles: str, seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-c", MAP_SCRIPT, str(path), tiles], check=True, env=env,
                   cwd=REPO)
    return path.read_bytes()


@pytest.mark.parametrize("tiles", ["offline", "osm"])
def test_same_map_same_bytes_across_processes(tmp_path: Path, tiles: str) -> None:
    a = _render(tmp_path / "a.html", tiles, "1")
    b = _render(tmp_path / "b.html", tiles, "2")
    assert a == b
    doc = a.decode("utf-8")
    # the names are sequential, in order of first appearance, and still JavaScript identifiers
    assert "var map_00000000000000000000000000000001 = L.map(" in doc
    names = re.findall(r"var (\w+_[0-9a-f]{32}) =", doc)
    assert len(names) == len(set(names)) > 5
    assert all(int(n.rsplit("_", 1)[1], 16) < 1000 for n in names)


def _workbook() -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总 Summary"
    ws["A1"] = "车辆 Vehicle"
    ws["B1"] = 3
    wb.create_sheet("V01")["A1"] = "06:30"
    return wb


def test_workbook_has_fixed_times_and_reads_back(tmp_path: Path) -> None:
    path = save_workbook(_workbook(), tmp_path / "sub" / "a.xlsx")
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert core.count("1980-01-01T00:00:00Z") == 2  # created and modified
    wb = load_workbook(path)
    assert wb.sheetnames == ["汇总 Summary", "V01"]
    assert wb["汇总 Summary"]["A1"].value == "车辆 Vehicle" and wb["V01"]["A1"].value == "06:30"
    assert wb.properties.created == XLSX_TIMESTAMP == wb.properties.modified


def test_same_workbook_same_bytes_across_processes(tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import sys, time
        from openpyxl import Workbook
        from optimizer.outputs.xlsx import save_workbook
        wb = Workbook()
        wb.active["A1"] = "车辆 Vehicle"
        wb.create_sheet("V01")["A1"] = "06:30"
        if sys.argv[2] == "late":
            time.sleep(1.1)  # a later second: openpyxl's own save would differ now
        save_workbook(wb, sys.argv[1])
    """)
    out = []
    for name, seed, when in (("a.xlsx", "1", "now"), ("b.xlsx", "2", "late")):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}
        subprocess.run([sys.executable, "-c", script, str(tmp_path / name), when], check=True,
                       env=env, cwd=REPO)
        out.append((tmp_path / name).read_bytes())
    assert out[0] == out[1]


def test_timestamp_before_the_zip_epoch_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="1980"):
        save_workbook(_workbook(), tmp_path / "a.xlsx", timestamp=dt.datetime(1979, 12, 31))
