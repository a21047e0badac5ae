"""``optimizer access`` on the embedded Putuo data: files, sanity values, a brute-force check on
the real network, user facility files (GCJ-02 read correctly; bad files refused with exit 2)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from optimizer.cli import main
from optimizer.io.facilities import FACILITIES, read_facilities
from tests.test_maps_missing import _feature_collections

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "putuo-baseline.yaml"
BAD = ROOT / "tests" / "data" / "bad" / "access"
FILES = {"access_villages.csv", "access_points.csv", "access_summary.csv", "summary.json",
         "access_map.html", "manifest.json"}


@pytest.fixture(scope="module")
def hospitals_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("access") / "out"
    code = main(["access", str(SCENARIO), "hospitals", "--mode", "car", "--depart", "08:00",
                 "--out", str(out)])
    return code, out


def test_hospitals_run_writes_every_file(hospitals_run):
    code, out = hospitals_run
    assert code == 0
    assert {p.name for p in out.iterdir()} == FILES
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) == FILES and manifest["params"]["depart"] == "08:00"
    html = (out / "access_map.html").read_text(encoding="utf-8")
    assert "cdn.jsdelivr" not in html  # offline: scripts inlined (Leaflet's own code says NaN)
    collections = _feature_collections(html)  # strict: NaN/Infinity fail the test
    n = sum(len(c["features"]) for c in collections)
    assert n == 3835 + 133  # every demand point and village, unreachable ones included
    assert "H16" in html and "普陀医院登步岛分院" in html  # facilities are markers
    assert "H07" in html  # the one on an island without roads is named in a note


def test_hospitals_sanity_values(hospitals_run):
    """Every 沈家门 village is within 30 min of a hospital by car; 悬山岛 (no ferry in the feed)
    is unreachable with NO_LINK; 普陀山 crosses to 朱家尖 by ferry; counts add up."""
    _, out = hospitals_run
    v = pd.read_csv(out / "access_villages.csv", dtype={"village_code": str})
    sjm = v[v["town_name"] == "沈家门街道"]
    assert len(sjm) > 10 and (sjm["travel_time_min"] <= 30).all()
    xs = v[v["island_name_zh"] == "悬山岛"]
    assert len(xs) and (xs["reason_code"] == "NO_LINK").all()
    assert xs["reason_zh"].iloc[0] == "没有陆路或渡轮连接" and "悬山岛" in xs["reason"].iloc[0]
    assert xs["arrive"].isna().all() and (xs["band"] == "unreachable").all()
    pts = v[v["island_name_zh"] == "普陀山岛"]
    assert pts["ferry_legs"].str.contains("普陀山").all()
    assert (pts["travel_time_min"] > 30).all()  # a ferry and its 15-min boarding buffer
    p = pd.read_csv(out / "access_points.csv", dtype={"point_id": str})
    assert len(p) == 3835
    s = pd.read_csv(out / "access_summary.csv")
    total = s[s["island_name_zh"] == "合计 total"].iloc[0]
    bands = [c for c in s.columns if c not in ("island_name_zh", "origins", "residents_60plus")]
    assert total[bands].sum() == total["residents_60plus"] == p["elderly_60plus"].sum()
    assert total["unreachable"] == p.loc[p["band"] == "unreachable", "elderly_60plus"].sum()


def test_real_network_matches_one_search_per_origin():
    """A sample of demand points on several islands: the profile scan equals the minimum over
    hospitals of one full time-dependent search per origin."""
    from optimizer.network.journey import earliest_arrival_all
    from optimizer.scenario.access import _facility_nodes, access_tables
    from optimizer.scenario.queries import scenario_network
    from optimizer.services.meals import load_meals_inputs

    net = scenario_network(SCENARIO)
    fac, _ = _facility_nodes(net, read_facilities("hospitals"))
    demand = load_meals_inputs(islands=net.islands).demand
    sample = demand.groupby("island_name_zh", group_keys=False).head(2).reset_index(drop=True)
    t = access_tables(net, sample, fac, depart_s=8 * 3600, mode="car", ferry_access="foot",
                      level="points")
    from optimizer.network.snap import snap_points

    nodes = snap_points(net.G, sample, islands=net.islands)["node"]
    for i, node in enumerate(nodes):
        if node is None:
            assert t["reason_code"].iloc[i] == "UNREACHABLE_ISLAND"
            continue
        best = earliest_arrival_all(net.G, net.timetable, node, 8 * 3600,
                                    boarding_buffer_s=net.boarding_buffer_s["foot"])
        arr = min((best.get(f, math.inf) for f in fac["node"]), default=math.inf)
        got = t["travel_time_min"].iloc[i]
        if math.isinf(arr):
            assert pd.isna(got) and t["reason_code"].iloc[i]
        else:
            assert got == math.ceil((arr - 8 * 3600) / 60 - 1e-9)


def test_user_file_in_gcj02_is_converted(tmp_path):
    """The GCJ-02 point of 普陀医院 comes back within a metre of its WGS-84 point (hospitals.csv
    H01) and the command runs on it."""
    g = read_facilities(BAD / "facilities_gcj02.csv")
    h01 = read_facilities("hospitals").set_index("facility_id").loc["H01"]
    f02 = g.set_index("facility_id").loc["F02"]
    assert abs(f02["lon"] - h01["lon"]) < 1e-5 and abs(f02["lat"] - h01["lat"]) < 1e-5
    assert g.attrs["coord_conversions"][0]["system"] == "GCJ-02"
    out = tmp_path / "out"
    assert main(["access", str(SCENARIO), str(BAD / "facilities_gcj02.csv"), "--out",
                 str(out), "--mode", "ebike", "--depart", "09:30"]) == 0
    v = pd.read_csv(out / "access_villages.csv", dtype={"village_code": str})
    assert set(v["facility_id"].dropna()) <= {"F01", "F02"}
    assert (v["depart"] == "09:30").all()


@pytest.mark.parametrize("name, needles", [
    ("facilities_misspelt.csv", ["line 1", "'lng'", "did you mean 'lon'"]),
    ("facilities_duplicate_swapped.csv", ["line 3", "F01", "line 4", "swap"]),
    ("facilities_in_sea.csv", ["line 3", "F02", "in the sea"]),
])
def test_bad_facility_file_exit_2(tmp_path, capsys, name, needles):
    out = tmp_path / "out"
    assert main(["access", str(SCENARIO), str(BAD / name), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    for n in needles:
        assert n in err, err
    assert not out.exists()


def test_bad_options_exit_2(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["access", str(SCENARIO), "hospitals", "--out", str(out), "--mode",
                 "boat"]) == 2
    assert main(["access", str(SCENARIO), "hospitals", "--out", str(out), "--depart",
                 "8h"]) == 2
    assert not out.exists()


def test_facilities_spec_declares_the_columns():
    assert FACILITIES.required == ("facility_id", "name_zh", "lon", "lat")
    assert {"name_en", "coord_system"} <= set(FACILITIES.names)


def test_bands_include_their_upper_end():
    from optimizer.scenario.access import BAND_NAMES, band_of

    assert [band_of(m) for m in (0, 15, 16, 30, 60, 61, 120, 121)] == \
        ["0-15", "0-15", "15-30", "15-30", "30-60", "60-90", "90-120", "over 120"]
    assert band_of(math.nan) == "unreachable" and BAND_NAMES[-1] == "unreachable"


def test_too_late_for_the_last_sailing_names_it(tmp_path):
    """Walking from 佛渡岛 at 16:00: the last sailing to 沈家门 leaves 14:55 (NO_SAILING_AFTER,
    times HH:MM); 悬山岛 still has no link at all."""
    out = tmp_path / "out"
    assert main(["access", str(SCENARIO), "hospitals", "--mode", "walk", "--depart", "16:00",
                 "--out", str(out)]) == 0
    v = pd.read_csv(out / "access_villages.csv", dtype={"village_code": str})
    fd = v[v["island_name_zh"] == "佛渡岛"].iloc[0]
    assert fd["reason_code"] == "NO_SAILING_AFTER" and fd["reason_zh"] == "赶不上当天任何航班"
    assert "14:55" in fd["reason"] and "16:" in fd["reason"]
    assert (v.loc[v["island_name_zh"] == "悬山岛", "reason_code"] == "NO_LINK").all()


def test_geojson_and_xlsx_facility_files_are_read(tmp_path):
    """The same two facilities as GeoJSON (WGS-84 by definition; GCJ-02 rows marked) and as
    XLSX read to the same WGS-84 points as the CSV."""
    csv_g = read_facilities(BAD / "facilities_gcj02.csv")
    feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
              "properties": {"facility_id": r.facility_id, "name_zh": r.name_zh,
                             "coord_system": "GCJ-02"}}
             for r in pd.read_csv(BAD / "facilities_gcj02.csv").itertuples()]
    gj = tmp_path / "f.geojson"
    gj.write_text(json.dumps({"type": "FeatureCollection", "features": feats}),
                  encoding="utf-8")
    xlsx = tmp_path / "f.xlsx"
    pd.read_csv(BAD / "facilities_gcj02.csv", dtype=str).to_excel(xlsx, index=False)
    for path in (gj, xlsx):
        g = read_facilities(path)
        assert list(g["facility_id"]) == ["F01", "F02"]
        assert (g["lon"] - csv_g["lon"]).abs().max() < 1e-9
        assert (g["lat"] - csv_g["lat"]).abs().max() < 1e-9
