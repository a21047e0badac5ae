"""Tests of the validated point reader and the embedded place readers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from optimizer.errors import InputError, InputErrors
from optimizer.io.places import (read_district_boundary, read_hospitals, read_islands, read_ports,
                                 read_towns, read_villages)
from optimizer.io.points import PUTUO_BBOX, read_points

DATA = Path(__file__).parent / "data" / "points"


def _csv(tmp_path: Path, text: str, name: str = "pts.csv", encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def _errors(exc: InputError) -> list[InputError]:
    return exc.errors if isinstance(exc, InputErrors) else [exc]


def test_good_file_reads_with_numbers_and_crs(tmp_path):
    p = _csv(tmp_path, "id,lon,lat,n\n007,122.30,29.95,3\nB,122.1,29.7,0\n")
    g = read_points(p, id_col="id", count_cols=("n",))
    assert g.crs.to_string() == "EPSG:4326"
    assert g["id"].tolist() == ["007", "B"]  # ids stay text
    assert g["lon"].tolist() == [122.30, 122.1]
    assert g["n"].tolist() == [3, 0]
    assert (g.geometry.x.tolist(), g.geometry.y.tolist()) == ([122.3, 122.1], [29.95, 29.7])


def test_missing_columns_are_all_listed(tmp_path):
    p = _csv(tmp_path, "name,x\nA,1\n")
    with pytest.raises(InputError) as ei:
        read_points(p, id_col="id", required=("capacity",))
    msg = str(ei.value)
    for c in ("'id'", "'lon'", "'lat'", "'capacity'"):
        assert c in msg
    assert ei.value.file == str(p) and ei.value.field == "id"


def test_duplicate_ids_name_both_rows(tmp_path):
    p = _csv(tmp_path, "id,lon,lat\nA,122.3,29.9\nB,122.3,29.9\nA,122.2,29.8\n")
    with pytest.raises(InputErrors) as ei:
        read_points(p, id_col="id")
    (e,) = ei.value.errors
    assert (e.row, e.line, e.field) == (3, 4, "id")
    assert "line 2" in e.message and "'A'" in e.message


def test_swapped_lat_lon_is_detected(tmp_path):
    p = _csv(tmp_path, "id,lon,lat\nA,122.3,29.9\nB,29.95,122.29\n")
    with pytest.raises(InputErrors) as ei:
        read_points(p, id_col="id")
    (e,) = ei.value.errors
    assert e.row == 2 and e.field == "lon" and "looks swapped" in e.message


def test_outside_study_area(tmp_path):
    # 121.47 E, 31.23 N is Shanghai: valid degrees, wrong place
    p = _csv(tmp_path, "id,lon,lat\nA,122.3,29.9\nB,121.47,31.23\nC,122.95,29.9\n")
    with pytest.raises(InputErrors) as ei:
        read_points(p, id_col="id")
    assert [(e.row, e.field) for e in ei.value.errors] == [(2, "lon"), (3, "lon")]
    assert "outside the study area" in ei.value.errors[0].message
    # parameterised: a polygon that contains all three, or no check at all
    assert len(read_points(p, id_col="id", study_area=box(121, 29, 123, 32))) == 3
    assert len(read_points(p, id_col="id", study_area=None)) == 3


def test_crs_mismatch_metres_declared_as_degrees(tmp_path):
    # UTM 51N metres of Shenjiamen, declared as EPSG:4326
    p = _csv(tmp_path, "id,lon,lat\nA,431000,3313000\n")
    with pytest.raises(InputErrors) as ei:
        read_points(p, id_col="id")
    (e,) = ei.value.errors
    assert e.row == 1 and "EPSG:32651" in e.message and "metres" in e.message


def test_crs_mismatch_degrees_declared_as_metres(tmp_path):
    p = _csv(tmp_path, "id,x,y\nA,122.3,29.9\n")
    with pytest.raises(InputErrors) as ei:
        read_points(p, id_col="id", lon_col="x", lat_col="y", crs="EPSG:32651")
    assert "look like degrees" in ei.value.errors[0].message


def test_projected_input_is_reprojected(tmp_path):
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 32651, always_xy=True).transform(122.3, 29.95)
    p = _csv(tmp_path, f"id,x,y\nA,{x:.3f},{y:.3f}\n")
    g = read_points(p, id_col="id", lon_col="x", lat_col="y", crs="EPSG:32651")
    assert g["lon"].iloc[0] == pytest.approx(122.3, abs=1e-6)
    assert g["lat"].iloc[0] == pytest.approx(29.95, abs=1e-6)
    assert g["x"].iloc[0] == pytest.approx(x, abs=1e-3)


def test_non_numeric_and_negative_counts_collected_once(tmp_path):
    p = _csv(tmp_path, "id,lon,lat,seats\nA,122.3,abc,2\nB,,29.9,-1\nC,122.3,29.9,1.5\n")
    with pytest.raises(InputErrors) as ei:
        read_points(p, id_col="id", count_cols=("seats",))
    got = [(e.row, e.field) for e in ei.value.errors]
    assert got == [(1, "lat"), (2, "lon"), (2, "seats"), (3, "seats")]
    assert "4 input problem(s)" in str(ei.value)


def test_gbk_file_is_read(tmp_path):
    g = read_points(DATA / "canteens_gbk.csv", id_col="编号", lon_col="经度", lat_col="纬度",
                    count_cols=("餐位",))
    assert g["名称"].tolist() == ["沈家门幸福食堂", "六横幸福食堂"]
    assert g.attrs["encoding"] == "gb18030"
    assert g["餐位"].tolist() == [120, 80]


def test_utf8_bom_and_xlsx(tmp_path):
    p = _csv(tmp_path, "\ufeffid,lon,lat\n站点1,122.3,29.9\n")
    assert read_points(p, id_col="id")["id"].tolist() == ["站点1"]
    x = tmp_path / "pts.xlsx"
    pd.DataFrame({"id": ["A", "B"], "lon": [122.3, 29.9], "lat": [29.9, 122.3]}).to_excel(x, index=False)
    with pytest.raises(InputErrors) as ei:
        read_points(x, id_col="id")
    assert ei.value.errors[0].row == 2 and "looks swapped" in ei.value.errors[0].message


def test_coords_optional_keeps_rows(tmp_path):
    p = _csv(tmp_path, "id,lon,lat\nA,,\nB,122.3,29.9\nC,122.3,\n")
    with pytest.raises(InputErrors) as ei:
        read_points(p, id_col="id", coords_optional=True)
    assert [(e.row, e.field) for e in ei.value.errors] == [(3, "lat")]
    p2 = _csv(tmp_path, "id,lon,lat\nA,,\nB,122.3,29.9\n", name="ok.csv")
    g = read_points(p2, id_col="id", coords_optional=True)
    assert len(g) == 2 and g.geometry.iloc[0] is None and g["lon"].isna().tolist() == [True, False]


@settings(max_examples=40, deadline=None)
@given(lon=st.floats(PUTUO_BBOX[0], PUTUO_BBOX[2]), lat=st.floats(PUTUO_BBOX[1], PUTUO_BBOX[3]))
def test_any_point_in_the_bbox_round_trips_and_its_swap_is_caught(tmp_path_factory, lon, lat):
    d = tmp_path_factory.mktemp("h")
    ok = _csv(d, f"id,lon,lat\nA,{lon!r},{lat!r}\n")
    g = read_points(ok, id_col="id")
    assert (g["lon"].iloc[0], g["lat"].iloc[0]) == (lon, lat)
    bad = _csv(d, f"id,lon,lat\nA,{lat!r},{lon!r}\n", name="bad.csv")
    with pytest.raises(InputErrors, match="swapped"):
        read_points(bad, id_col="id")


# ---------------------------------------------------------------- embedded places


def test_embedded_places_read_with_standard_columns():
    isl = read_islands()
    assert len(isl) == 127 and isl["island_id"].is_unique
    assert isl.set_index("island_id").loc["ISL007", "name_zh"] == "登步岛"
    assert read_district_boundary().crs.to_epsg() == 4326
    towns = read_towns()
    assert len(towns) == 9 and towns["town_code"].str.len().eq(9).all()
    v = read_villages()
    assert len(v) == 133 and v["lon"].notna().sum() == 23
    h = read_hospitals()
    assert h.set_index("facility_id").loc["H01", "coord_quality"].startswith("sourced")
    ports = read_ports()
    assert {"stop_id", "lon", "lat", "island"} <= set(ports.columns) and len(ports) == 14


def test_villages_with_unknown_town_code_rejected(tmp_path):
    p = _csv(tmp_path, "village_code,name_zh,town_code,town_name,kind,lon_wgs84,lat_wgs84\n"
                       "1,甲村,999999999,某镇,other,,\n")
    with pytest.raises(InputErrors) as ei:
        read_villages(p)
    assert ei.value.errors[0].field == "town_code" and ei.value.errors[0].row == 1
