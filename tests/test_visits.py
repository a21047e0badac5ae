"""The visits service, first increment: synthetic households and offices, the hand-off
(呼叫转移) between offices, its published tables and flow map, and the refusal of bad files."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.apportion import largest_remainder
from optimizer.cli import main
from optimizer.datasets import get_path
from optimizer.network.islands import load_islands
from optimizer.outputs.privacy import scan_published
from optimizer.services.base import DataContext, WriteContext
from optimizer.services.visits import SERVICE, VisitsParams, plan_handoff
from optimizer.synthetic import SYNTHETIC_DIR
from optimizer.synthetic.needy import (CATEGORY_SHARES, DIALECT_ONLY_SHARE, MOBILITY_SHARES,
                                       MOVED_SHARE, N_HOUSEHOLDS, VISITS_PER_YEAR)
from optimizer.synthetic.population import Land

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "bad" / "visits"
BASELINE = ROOT / "scenarios" / "putuo-baseline.yaml"
WED = dt.date(2026, 12, 2)
NAN_TOKEN = re.compile(r"(?<![A-Za-z_$])NaN(?![A-Za-z_])")


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(SYNTHETIC_DIR / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def households() -> pd.DataFrame:
    return _read("needy_households.csv")


# ----------------------------------------------------------------------------- generator
def test_generator_hits_its_stated_shares_exactly(households):
    h = households
    assert len(h) == N_HOUSEHOLDS == 3002 and h["household_id"].is_unique
    assert (h["synthetic"] == "true").all()

    def exact(shares: dict[str, float]) -> dict[str, int]:
        return dict(zip(shares, largest_remainder(np.array(list(shares.values())), 3002).tolist()))

    assert h["category"].value_counts().to_dict() == exact(CATEGORY_SHARES) == {
        "低保": 1861, "低边": 601, "特困": 300, "支出型": 240}  # 600.4 gets the unit
    assert h["mobility"].value_counts().to_dict() == exact(MOBILITY_SHARES)
    assert int((h["language"] == "舟山话").sum()) == exact(
        {"a": 1 - DIALECT_ONLY_SHARE, "b": DIALECT_ONLY_SHARE})["b"] == 600
    assert (h["visits_per_year"].astype(int) == h["category"].map(VISITS_PER_YEAR)).all()
    from optimizer.services.visits.params import DEFAULT_VISITS_PER_YEAR

    assert DEFAULT_VISITS_PER_YEAR == VISITS_PER_YEAR  # the reader's default = the data's rule
    v = _read("elderly.csv").set_index("village_code")
    moved = h["registration_town_code"] != h["village_code"].map(v["town_code"])
    assert int(moved.sum()) == round(3002 * MOVED_SHARE) == 450
    # registration towns in proportion to residents 60+ (largest remainder)
    w = v.groupby("town_code")["elderly_60plus"].apply(lambda s: s.astype(int).sum()).sort_index()
    expected = dict(zip(w.index, largest_remainder(w.to_numpy(dtype=float), 3002).tolist()))
    assert h["registration_town_code"].value_counts().sort_index().to_dict() == expected


def test_homes_lie_on_their_village_island_and_never_on_a_published_point(households):
    land = Land.default()
    isl = _read("elderly.csv").set_index("village_code")["island_id"]
    for r in households.itertuples():
        assert land.island_contains(isl[r.village_code], float(r.lon), float(r.lat)), r
    key = lambda df: set(zip((df["lon"].astype(float) * 1e5).round(),  # noqa: E731
                             (df["lat"].astype(float) * 1e5).round()))
    homes = key(households)
    for name in ("elderly.csv", "elderly_points.csv", "canteens.csv", "candidate_sites.csv",
                 "offices.csv"):
        assert not homes & key(_read(name)), name


def test_offices_one_per_town_on_land():
    o = _read("offices.csv")
    towns = pd.read_csv(get_path("putuo") / "places" / "towns.csv", dtype=str)
    assert sorted(o["town_code"]) == sorted(towns["town_code"]) and len(o) == 9
    land = Land.default()
    assert all(land.island_contains(r.island_id, float(r.lon), float(r.lat))
               for r in o.itertuples())
    # staff: max(2, ceil(resident households / 150)); 沈家门 has 1,206 residents -> 9
    assert o.set_index("office_id").loc["OF001", "workers"] == "9"


# ----------------------------------------------------------------------------- hand-off
VILLAGES = """village_code,name_zh,town_code,island_id
V1,甲村,T_A,ISL001
V2,乙村,T_A,ISL014
V3,丙村,T_B,ISL002
V4,丁村,T_C,ISL001
"""
OFFICES = """office_id,name_zh,town_code,lon,lat,workers,hours_per_day
OA,甲街道,T_A,122.29503,29.9454,3,6
OB,乙镇,T_B,122.117802,29.747592,2,6
OC,丙街道,T_C,122.278176,30.016825,2,6
"""
# H1 stays in A (on 鲁家峙); H2, H3: A -> B (六横, by ferry); H4, H5: B -> A (one on 鲁家峙);
# H6: C -> A on the same island (舟山岛), no ferry
HOUSEHOLDS = """household_id,name,phone,registration_town_code,village_code,lon,lat,category
H1,甲某一,102-0000-0001,T_A,V2,122.30,29.93,低保
H2,乙某二,102-0000-0002,T_A,V3,122.12,29.75,特困
H3,丙某三,102-0000-0003,T_A,V3,122.13,29.75,低边
H4,丁某四,102-0000-0004,T_B,V1,122.29,29.95,支出型
H5,戊某五,102-0000-0005,T_B,V2,122.30,29.93,低保
H6,己某六,102-0000-0006,T_C,V1,122.29,29.95,低保
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny")
    for name, text in (("v.csv", VILLAGES), ("o.csv", OFFICES), ("h.csv", HOUSEHOLDS)):
        (d / name).write_text(text, encoding="utf-8")
    params = VisitsParams(households=d / "h.csv", offices=d / "o.csv", villages=d / "v.csv")
    return SERVICE.load(params, DataContext(dataset=d, islands=load_islands(), date=WED))


def test_handoff_of_six_households_by_hand(tiny):
    roads = {"ISL001": 0, "ISL014": 0, "ISL003": 0, "ISL002": 1}  # 六横 only by ferry
    r = plan_handoff(tiny, roads)
    assert r.handoff.values.tolist() == [
        ["OA", "甲街道", "OB", "乙镇", 2, 2, "yes"],
        ["OB", "乙镇", "OA", "甲街道", 2, 2, "yes"],
        ["OC", "丙街道", "OA", "甲街道", 1, 0, "no"],
    ]
    assert r.by_office[["office_id", "registered", "living", "handed_out", "handed_in",
                        "visited_by_own_office"]].values.tolist() == [
        ["OA", 3, 4, 2, 3, 1], ["OB", 2, 2, 2, 2, 0], ["OC", 1, 0, 1, 0, 0]]
    assert r.kpis == {"households": 6, "handoffs": 5, "handoffs_crossing_islands": 4,
                      "handoffs_by_ferry": 4, "offices": 3}
    # an island missing from the road groups is reached by ferry
    assert plan_handoff(tiny, {}).handoff["ferry_needed"].tolist() == ["yes"] * 3
    # visits_per_year empty: the category's default
    assert [h.visits_per_year for h in tiny.households] == [4, 12, 2, 6, 4, 4]


# ----------------------------------------------------------------------------- published files
@pytest.fixture(scope="module")
def written(tmp_path_factory):
    ctx = DataContext(dataset=get_path("putuo"), islands=load_islands(), date=WED)
    inputs = SERVICE.load(VisitsParams(), ctx)
    result = plan_handoff(inputs, {"ISL001": 0, "ISL003": 0, "ISL014": 0})
    out = tmp_path_factory.mktemp("run")
    wctx = WriteContext(network=None, tiles="offline", title_zh="测试", title_en="Test")
    files = SERVICE.write(result, out, wctx)
    return inputs, result, out, files


def test_published_files_carry_no_names_phones_addresses_or_homes(written):
    inputs, result, out, files = written
    paths = [f.path for f in files]
    assert paths == ["visits/handoff.csv", "visits/handoff_by_office.csv", "maps/handoff.html"]
    assert not any(f.personal for f in files)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) \
        == sorted(paths)
    pd_ = SERVICE.personal_data(inputs)
    values = {v for h in inputs.households for v in (h.name, h.phone, h.address)}
    assert len(pd_.points) == 3002 and set(pd_.texts) == values  # fake names repeat
    assert scan_published(out, paths, texts=pd_.texts, points=pd_.points,
                          owners=pd_.owners) == []
    # the scan would see one leaked value
    leak = out / "visits" / "handoff.csv"
    text = leak.read_text(encoding="utf-8-sig")
    h0 = inputs.households[0]
    leak.write_text(text + f"{h0.name},{h0.lon},{h0.lat}\n", encoding="utf-8")
    found = scan_published(out, paths, texts=pd_.texts, points=pd_.points, owners=pd_.owners)
    leak.write_text(text, encoding="utf-8-sig")
    assert any(f"household {h0.household_id} name appears" in p for p in found)
    assert any("1 exact home/base point(s)" in p for p in found)


def test_baseline_handoff_kpis_and_tables(written):
    _, result, out, _ = written
    assert result.kpis == {"households": 3002, "handoffs": 450, "handoffs_crossing_islands": 211,
                           "handoffs_by_ferry": 159, "offices": 9}
    h = pd.read_csv(out / "visits" / "handoff.csv", encoding="utf-8-sig")
    by = pd.read_csv(out / "visits" / "handoff_by_office.csv", encoding="utf-8-sig")
    assert int(h["households"].sum()) == 450 == int(by["handed_out"].sum()) \
        == int(by["handed_in"].sum())
    assert int(by["registered"].sum()) == int(by["living"].sum()) == 3002
    assert (by["registered"] - by["handed_out"] == by["visited_by_own_office"]).all()


def test_flow_map_loads_without_nan(written):
    _, result, out, _ = written
    doc = (out / "maps" / "handoff.html").read_text(encoding="utf-8")
    start = doc.index("L.map(")  # the map's own script, after the inlined libraries
    assert start > 0 and not NAN_TOKEN.search(doc[start:])
    dec = json.JSONDecoder(parse_constant=lambda c: pytest.fail(f"{c} in the GeoJSON"))
    arrows = 0
    for m in re.finditer(r'\{"features":|\{"type": ?"FeatureCollection"', doc):
        obj, _ = dec.raw_decode(doc[m.start():])
        arrows += sum(f["geometry"]["type"] == "MultiLineString" for f in obj["features"])
    assert arrows == len(result.handoff) == 42
    assert "沈家门街道民政办(合成)" in doc and "Synthetic" in doc


# ----------------------------------------------------------------------------- bad files
@pytest.mark.parametrize("key,expected", [
    ("households", ["households_bad.csv, line 1, field 'mobilty': unknown column 'mobilty'; "
                    "did you mean 'mobility'?",
                    "households_bad.csv, line 3, field 'village_code': household NH0002: "
                    "unknown village code '330903009999'",
                    "households_bad.csv, line 4, field 'category': household NH0003: unknown "
                    "category '五保'"]),
    ("offices", ["offices_bad.csv, line 2, field 'workers': 'OF001': workers 0 is outside 1..200",
                 "offices_bad.csv, line 3, field 'working_days': office OF003: 'Mon to Fri' is "
                 "not a list of working days",
                 "offices_bad.csv, line 11, field 'town_code': office OF999: town code "
                 "'330903999' has no village"]),
])
def test_bad_files_are_refused_naming_file_line_id_field(tmp_path, capsys, key, expected):
    sc = tmp_path / "s.yaml"
    sc.write_text(f"base: {BASELINE}\nname: bad\nvisits:\n  {key}: {BAD / f'{key}_bad.csv'}\n",
                  encoding="utf-8")
    assert main(["validate", str(sc)]) == 2
    err = capsys.readouterr().err
    assert f"{len(expected)} input problem(s)" in err
    for e in expected:
        assert e in err


def test_flow_arrow_runs_from_a_to_b_with_a_head_at_b():
    from optimizer.outputs.visits import flow_arrow

    a, b = (122.0, 30.0), (122.1, 30.0)
    curve, w1, w2 = flow_arrow(a, b).geoms
    assert curve.coords[0] == pytest.approx(a) and curve.coords[-1] == pytest.approx(b)
    # bows to the right of the direction of travel (east -> south of the chord)
    assert min(y for _, y in curve.coords) < 30.0 and max(y for _, y in curve.coords) == 30.0
    for w in (w1, w2):
        assert w.coords[0] == pytest.approx(b) and w.coords[1][0] < b[0]  # head points back


@given(st.lists(st.text(alphabet="王某英10-号", min_size=2, max_size=5), max_size=30),
       st.text(alphabet="王某英10-号, ", max_size=60))
@settings(max_examples=300, deadline=None)
def test_privacy_scan_prefix_tree_finds_exactly_what_substring_search_finds(needles, text):
    """The scan's one-pass search (needed for 8,000 household values) equals brute force."""
    from optimizer.outputs.privacy import _texts_found, _trie_pattern

    needles = list(dict.fromkeys(needles))
    assert _texts_found(text, needles, _trie_pattern(needles)) == [t for t in needles if t in text]
