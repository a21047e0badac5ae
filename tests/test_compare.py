"""Comparison of two runs (optimizer.scenario.compare, optimizer.outputs.compare_map) on two tiny
hand-written run folders, so every number below can be checked by hand.

Run A ("tiny-a") and run B ("tiny-b"), 60+ residents covered within 15 minutes:

=======  ======  =========  =========  ======================
village  island  A cov/tot  B cov/tot  change
=======  ======  =========  =========  ======================
V1       ISL001  50 / 100   100 / 100  gained, +50.0 pp
V2       ISL001  200 / 200  150 / 200  lost, −25.0 pp
V3       ISL002  0 / 80     0 / 80     unchanged
V4       ISL002  —          30 / 40    only in B
=======  ======  =========  =========  ======================

Canteens: C1 open in both, C2 open in A only (removed), C3 open in B only (added), S9 recommended
in both runs and open in neither. Dialysis trips by home island: A — ISL001 2 served, ISL002 1
served + 1 unserved (island from the ride's served leg); B — ISL001 1 served + 1 unserved (island
column), ISL002 2 served, one unserved trip of a ride with no other leg (island unknown).
Each run also carries a dispatcher sheet with a patient name, a phone and an exact home, which the
comparison must never copy.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from optimizer.errors import InputError
from optimizer.outputs.compare_map import UNKNOWN_ISLAND, coverage_diff_map, diff_runs
from optimizer.scenario.compare import compare_runs

NAME, PHONE = "王秀英", "13812345678"
HOME = (29.9512345, 122.3056789)  # (lat, lon) of the patient's home: dispatcher sheet only


def _csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8-sig")


def _run(root: Path, name: str, *, villages, points, canteens, siting, stops, trips, unserved,
         served: int, n_unserved: int) -> Path:
    d = root / name
    (d / "maps").mkdir(parents=True)
    (d / "summary.json").write_text(json.dumps({
        "scenario": name, "title_zh": f"方案{name[-1].upper()}", "title_en": f"Run {name}",
        "notes": [{"kind": "synthetic_data", "zh": "合成数据", "en": "Synthetic data: generated"}],
        "kpis": {"meals": {"covered_pct": 60.0 if name.endswith("a") else 66.7},
                 "dialysis": {"trips_served": served, "trips_unserved": n_unserved}}},
        ensure_ascii=False), encoding="utf-8")
    (d / "manifest.json").write_text(json.dumps({"params": {"outputs": {"tiles": "offline"}}}),
                                     encoding="utf-8")
    _csv(d / "meals/by_village.csv", [
        *({"village_code": v, "village_name_zh": f"{v}村", "town_name": "沈家门街道",
           "island_id": isl, "elderly_total": tot, "elderly_covered": cov}
          for v, isl, cov, tot in villages),
        {"village_code": "合计 Total", "village_name_zh": "", "town_name": "", "island_id": "",
         "elderly_total": sum(t for *_, t in villages),
         "elderly_covered": sum(c for _, _, c, _ in villages)}])
    _csv(d / "meals/coverage_points.csv", [
        {"point_id": f"{v}-{k}", "village_code": v, "lon": lon, "lat": lat, "elderly": w}
        for k, (v, lon, lat, w) in enumerate(points)])
    _csv(d / "meals/canteens.csv", [
        {"site_id": s, "name_zh": f"{s}食堂", "role": "existing", "island_id": "ISL001",
         "capacity_meals_per_day": 100, "meals_per_day": meals, "lon": lon, "lat": lat}
        for s, meals, lon, lat in canteens])
    _csv(d / "meals/siting.csv", [{"option": 0, "site_id": s, "name_zh": "", "island_id": "ISL002"}
                                  for s in siting])
    _csv(d / "dialysis/stops.csv", [
        {"vehicle_id": "V01", "seq": k, "action": "pickup", "trip_id": t, "place_type": "home",
         "place_name": "home", "island_id": isl, "village_code": "V1", "lon": "", "lat": ""}
        for k, (t, isl) in enumerate(stops)])
    _csv(d / "dialysis/trips.csv", [{"trip_id": t, "ride": t.split("-")[0]} for t in trips])
    _csv(d / "dialysis/unserved.csv", unserved)
    _csv(d / "network/islands.csv", [{"island_id": "ISL001", "name_zh": "舟山岛"},
                                     {"island_id": "ISL002", "name_zh": "六横岛"}])
    # what a dispatcher sheet holds; the comparison must never read or copy it
    _csv(d / "dispatch/route_stops.csv", [{"patient_name": NAME, "phone": PHONE,
                                           "place_type": "home", "lat": HOME[0], "lon": HOME[1]}])
    return d


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The two tiny run folders of the module docstring."""
    root = tmp_path_factory.mktemp("runs")
    pts = [("V1", 122.30, 29.95, 30), ("V1", 122.32, 29.95, 10), ("V2", 122.35, 29.98, 200),
           ("V3", 122.13, 29.73, 80)]
    a = _run(root, "tiny-a",
             villages=[("V1", "ISL001", 50, 100), ("V2", "ISL001", 200, 200),
                       ("V3", "ISL002", 0, 80)],
             points=pts,
             canteens=[("C1", 40.5, 122.31, 29.96), ("C2", 20, 122.33, 29.97)],
             siting=["S9"],
             stops=[("R001-out", "ISL001"), ("R001-ret", "ISL001"), ("R002-out", "ISL002")],
             trips=["R001-out", "R001-ret", "R002-out"],
             unserved=[{"trip_id": "R002-ret", "ride": "R002", "direction": "ret",
                        "code": "NO_SAILING"}],
             served=3, n_unserved=1)
    b = _run(root, "tiny-b",
             villages=[("V1", "ISL001", 100, 100), ("V2", "ISL001", 150, 200),
                       ("V3", "ISL002", 0, 80), ("V4", "ISL002", 30, 40)],
             points=[*pts, ("V4", 122.15, 29.70, 40)],
             canteens=[("C1", 50, 122.31, 29.96), ("C3", 30, 122.29, 29.94)],
             siting=["S9"],
             stops=[("R001-out", "ISL001"), ("R002-out", "ISL002"), ("R002-ret", "ISL002")],
             trips=["R001-out", "R002-out", "R002-ret"],
             unserved=[{"trip_id": "R001-ret", "ride": "R001", "direction": "ret",
                        "code": "SHIFT_END", "island_id": "ISL001"},
                       {"trip_id": "R003-out", "ride": "R003", "direction": "out",
                        "code": "CAPACITY", "island_id": ""}],
             served=3, n_unserved=2)
    # S9 is a candidate site: its position is in the inputs, not in either run's canteens.csv
    cand = a.parent / "inputs" / "candidates.csv"
    _csv(cand, [{"site_id": "S9", "name_zh": "候选", "lon": 122.14, "lat": 29.72}])
    for d in (a, b):
        m = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        m["params"]["meals"] = {"candidates": str(cand), "canteens": str(cand)}
        (d / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    return a, b


@pytest.fixture(scope="module")
def compared(runs: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cmp")
    compare_runs(*runs, out)
    return out


def test_villages_change_class_share_and_position(runs):
    v = diff_runs(*runs).villages.set_index("village_code")
    assert list(v.index) == ["V2", "V1", "V4", "V3"]  # lost, gained, only B, unchanged
    assert "合计 Total" not in v.index  # the total row is not a village
    assert v.loc["V1", "change"] == "gained" and v.loc["V1", "change_pp"] == 50.0
    assert (v.loc["V1", "covered_pct_a"], v.loc["V1", "covered_pct_b"]) == (50.0, 100.0)
    assert v.loc["V2", "change"] == "lost" and v.loc["V2", "change_pp"] == -25.0
    assert v.loc["V2", "covered_change"] == -50.0
    assert v.loc["V3", "change"] == "unchanged" and v.loc["V3", "change_pp"] == 0.0
    assert v.loc["V4", "change"] == "only_b" and v.loc["V4", "covered_pct_b"] == 75.0
    assert pd.isna(v.loc["V4", "elderly_a"])
    # V1 sits at the resident-weighted mean of its points: (30·122.30 + 10·122.32) / 40
    assert v.loc["V1", "lon"] == pytest.approx(122.305) and v.loc["V1", "lat"] == 29.95


def test_canteens_added_removed_recommended(runs):
    c = diff_runs(*runs).canteens.set_index("site_id")
    assert c["status"].to_dict() == {"C1": "both", "C2": "removed", "C3": "added",
                                     "S9": "recommended"}
    assert c.loc["S9", "recommended"] == "A+B" and c.loc["C1", "recommended"] == ""
    assert (c.loc["C1", "meals_per_day_a"], c.loc["C1", "meals_per_day_b"]) == (40.5, 50.0)
    assert bool(c.loc["C2", "open_a"]) and not bool(c.loc["C2", "open_b"])
    # S9's position comes from the candidate file named in the manifest
    assert (c.loc["S9", "lon"], c.loc["S9", "lat"]) == (122.14, 29.72)


def test_dialysis_counts_by_home_island(runs):
    diff = diff_runs(*runs)
    d = diff.dialysis.set_index("island_id")
    assert d.loc["ISL001", ["served_a", "unserved_a", "served_b", "unserved_b"]].tolist() \
        == [2, 0, 1, 1]
    # A's unserved R002-ret takes the island of the same ride's served leg R002-out
    assert d.loc["ISL002", ["served_a", "unserved_a", "served_b", "unserved_b"]].tolist() \
        == [1, 1, 2, 0]
    assert d.loc["ISL001", "change"] == "fewer_served" and d.loc["ISL002", "change"] == "more_served"
    assert d.loc["ISL002", "island_name_zh"] == "六横岛"
    # nothing dropped: R003-out has no island anywhere, so it is counted as unknown and noted
    assert d.loc[UNKNOWN_ISLAND, ["trips_a", "unserved_b"]].tolist() == [0, 1]
    assert d[["served_b", "unserved_b"]].to_numpy().sum() == 3 + 2
    assert any("home island unknown for 1 trip" in n for n in diff.notes)


def test_difference_map_layers_are_bilingual_with_counts(runs):
    doc = coverage_diff_map(diff_runs(*runs), tiles="offline").get_root().render()
    for name in ["覆盖率提高的村（1） Villages with higher coverage (1)",
                 "覆盖率下降的村（1） Villages with lower coverage (1)",
                 "覆盖率不变的村（1） Villages with unchanged coverage (1)",
                 "仅见于方案B的村（1） Villages in run B only (1)",
                 "方案B新开食堂（1） Canteens added in B (1)",
                 "方案B未开食堂（1） Canteens removed in B (1)",
                 "推荐新址（1） Recommended new sites (1)",
                 "透析接送（按岛） Dialysis rides by island"]:
        assert json.dumps(name) in doc, name  # listed in the layer control
    assert "方案对比：tiny-a → tiny-b" in doc and "Scenario comparison: tiny-a → tiny-b" in doc
    # popups: village circle markers carry their text in the layer's GeoJSON properties
    # (JSON-escaped), icon markers as pre-rendered HTML
    assert any(t in doc for t in ("50% → 100% (+50 个百分点 pp)",
                                  json.dumps("50% → 100% (+50 个百分点 pp)")[1:-1]))  # V1
    assert any(t in doc for t in ("1 → 2 (+1)", json.dumps("1 → 2 (+1)")[1:-1]))  # ISL002
    assert "图例 Legend" in doc and "合成数据" in doc


def test_compare_writes_tables_map_and_page(compared):
    for f in ["comparison.csv", "comparison.json", "comparison.md", "index.html",
              "maps/coverage_diff.html", "villages_diff.csv", "canteens_diff.csv",
              "dialysis_by_island_diff.csv"]:
        assert (compared / f).is_file(), f
    html = (compared / "index.html").read_text(encoding="utf-8")
    assert '<iframe class="diff" src="maps/coverage_diff.html"' in html
    assert html.index("差异地图 Difference map") < html.index("指标对比 KPIs side by side")
    assert "V2村 (V2)" in html and "覆盖率下降的村 Villages with lower coverage" in html
    assert "方案B新开食堂 Canteens added in B" in html
    kpi = pd.read_csv(compared / "comparison.csv", dtype=str, keep_default_na=False,
                      encoding="utf-8-sig").set_index("kpi")
    assert kpi.loc["covered_pct", "difference"] == "+6.7 (+11.2%)"
    v = pd.read_csv(compared / "villages_diff.csv", encoding="utf-8-sig")
    assert sorted(v["village_code"]) == ["V1", "V2", "V3", "V4"]


def test_compare_output_carries_no_personal_data(compared, runs):
    files = [p for p in compared.rglob("*") if p.is_file()]
    assert len(files) == 8
    for f in files:
        text = f.read_text(encoding="utf-8-sig")
        assert NAME not in text and PHONE not in text, f
        assert f"{HOME[0]}" not in text and f"{HOME[1]}" not in text, f
        assert "R001" not in text and "R002" not in text, f  # not even ride pseudonyms
    # the check can fail: the runs' own dispatcher sheet does hold them
    sheet = (runs[0] / "dispatch/route_stops.csv").read_text(encoding="utf-8-sig")
    assert NAME in sheet and f"{HOME[0]}" in sheet


def test_bad_cell_and_missing_summary_are_input_errors(runs, tmp_path):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(runs[1], bad)
    path = bad / "meals/by_village.csv"
    df = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    df.loc[1, "elderly_covered"] = "many"
    df.to_csv(path, index=False, encoding="utf-8-sig")
    with pytest.raises(InputError) as err:
        diff_runs(runs[0], bad)
    assert (err.value.row, err.value.field) == (2, "elderly_covered")
    assert err.value.file.endswith("by_village.csv") and "'many'" in str(err.value)
    with pytest.raises(InputError, match="summary.json"):
        diff_runs(runs[0], tmp_path / "nowhere")


_MISSING = importlib.util.find_spec("playwright") is None
if not _MISSING:
    from optimizer.outputs.browser import find_chromium

    _MISSING = find_chromium() is None


@pytest.mark.skipif(_MISSING and not os.environ.get("CI"),
                    reason="Debian chromium or the playwright package is missing (required in CI)")
def test_comparison_page_and_difference_map_in_a_real_browser(compared):
    from optimizer.outputs.browser import check_pages

    page, diff_map = check_pages([compared / "index.html", compared / "maps/coverage_diff.html"],
                                 timeout_s=60)
    assert page.ok, page.summary()  # offline tiles and inlined assets: no request leaves
    assert page.title == "方案对比 Scenario comparison: tiny-a → tiny-b"
    assert diff_map.ok, diff_map.summary()
    names = " | ".join(diff_map.layer_names)
    for layer in ["Villages with higher coverage (1)", "Villages with lower coverage (1)",
                  "Canteens added in B (1)", "Canteens removed in B (1)",
                  "Recommended new sites (1)", "Dialysis rides by island"]:
        assert layer in names
    # 4 village circles (SVG paths); markers: C1, C2, C3, S9 and the 2 islands
    assert diff_map.n_paths == 4, diff_map.summary()
    assert diff_map.n_marker_icons == 6, diff_map.summary()


def test_recommended_site_position_from_the_run_not_the_inputs(runs, tmp_path):
    """siting.csv carries lon/lat since the meal service's package: no input file is read."""
    import shutil

    copies = []
    for d in runs:
        c = tmp_path / d.name
        shutil.copytree(d, c)
        _csv(c / "meals/siting.csv", [{"option": 0, "site_id": "S9", "name_zh": "",
                                       "island_id": "ISL002", "lon": 122.15, "lat": 29.71}])
        m = json.loads((c / "manifest.json").read_text(encoding="utf-8"))
        m["params"]["meals"] = {"candidates": str(tmp_path / "gone.csv"),
                                "canteens": str(tmp_path / "gone.csv")}
        (c / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
        copies.append(c)
    c = diff_runs(*copies).canteens.set_index("site_id")
    assert (c.loc["S9", "lon"], c.loc["S9", "lat"]) == (122.15, 29.71)
