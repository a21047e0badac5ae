"""Meal-delivery service: coverage, siting and rounds on a hand-made two-island instance
(tests/data/meals/README.md gives the expected answers), the service contract, bad input, and the
real Putuo data (slow)."""

from __future__ import annotations

import dataclasses
import itertools
import math
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pydantic
import pytest

from optimizer.errors import InputError, InputErrors
from optimizer.network.build import APPROXIMATE_ROADS_NOTE
from optimizer.network.islands import load_islands
from optimizer.outputs.meals import write_meals, write_meals_tables
from optimizer.results import REASONS, NoteKind, SolveStatus, reason
from optimizer.services.base import (
    DataContext,
    OutputFile,
    PersonalData,
    PlanContext,
    ServiceResult,
    WriteContext,
)
from optimizer.services.meals import (
    SERVICE,
    MealsInputs,
    MealsParams,
    MealsResult,
    load_meals_inputs,
    plan_meals,
    summarise,
)
from optimizer.solvers.params import SolverParams

D = Path(__file__).parent / "data" / "meals"
sys.path.insert(0, str(D))
from tiny_instance import EDGE_S
from tiny_instance import tiny_graph as make_tiny_graph

FAST = {"max_alternatives": 5}
SOLVER = SolverParams(time_limit_s=10, stop="work")  # rounds bounded by SISR iterations
TINY = MealsParams(elderly=D / "elderly.csv", canteens=D / "canteens.csv",
                   candidates=D / "candidates.csv")
"""The tiny instance's files."""


@pytest.fixture(scope="module")
def islands():
    return load_islands(D / "islands.geojson")


@pytest.fixture(scope="module")
def tiny_graph():
    """See tests/data/meals/README.md: 1,000 m edges, 280 s by e-bike."""
    return make_tiny_graph()


@pytest.fixture(scope="module")
def inputs(islands):
    return load_meals_inputs(TINY, islands=islands)


def _plan(inputs, G, islands, **kw):
    prm = MealsParams(**{**FAST, "uptake_share": 0.1, **kw})
    return plan_meals(inputs, G, params=prm, solver=SOLVER, islands=islands)


@pytest.fixture(scope="module")
def base(inputs, tiny_graph, islands):
    return _plan(inputs, tiny_graph, islands, new_sites=1)


# --------------------------------------------------------------------------------- coverage
def test_tiny_coverage_is_hand_checked(base):
    p = base.points.set_index("point_id")
    assert p["status"].to_dict() == {
        "V1": "COVERED", "V2": "COVERED", "V3": "BEYOND_THRESHOLD", "V4": "COVERED",
        "V5": "UNREACHABLE", "V6": "NO_CANTEEN_ON_ISLAND"}
    assert p.loc["V1", "nearest_canteen_id"] == "K1"
    assert p.loc["V4", "nearest_canteen_id"] == "K2"
    assert p.loc["V1", "travel_time_min"] == pytest.approx(EDGE_S / 60, abs=0.01)
    assert p.loc["V2", "travel_time_min"] == pytest.approx(3 * EDGE_S / 60, abs=0.01)
    assert p.loc["V3", "travel_time_min"] == pytest.approx(4 * EDGE_S / 60, abs=0.01)
    assert math.isnan(p.loc["V5", "travel_time_min"]) and math.isnan(p.loc["V6", "travel_time_min"])
    assert p.loc["V6", "reason_zh"] == reason("NO_CANTEEN_ON_ISLAND").zh
    assert p.loc["V3", "reason_en"] == REASONS["BEYOND_THRESHOLD"].en
    assert p.loc["V1", "reason_en"] == "Within the threshold"
    assert "takes 19 min" in p.loc["V3", "detail"]  # 18.7 min, whole minutes rounded up
    k = base.kpis
    assert (k["elderly_total"], k["elderly_covered"]) == (300, 180)
    assert (k["elderly_beyond_threshold"], k["elderly_unreachable"],
            k["elderly_no_canteen_on_island"]) == (40, 20, 60)


@pytest.mark.parametrize("by", ["village_code", ["town_code", "town_name"],
                                ["island_id", "island_name_zh"]])
def test_summaries_count_everyone_once(base, by):
    s = summarise(base.points, by)
    body, total = s.iloc[:-1], s.iloc[-1]
    assert (body["elderly_covered"] + body["elderly_not_covered"] == body["elderly_total"]).all()
    assert (body[["beyond_threshold", "no_canteen_on_island", "unreachable"]].sum(axis=1)
            == body["elderly_not_covered"]).all()
    assert total["elderly_total"] == 300 and total["elderly_covered"] == 180
    assert total["covered_pct"] == pytest.approx(60.0)


def test_town_and_island_figures(base):
    f = base.to_frames()
    town = f["by_town"].set_index("town_code")
    assert town.loc["T1", ["elderly_total", "elderly_covered"]].tolist() == [190, 150]
    assert town.loc["T3", "covered_pct"] == 0.0
    isl = f["by_island"].set_index("island_id")
    assert isl.loc["A", ["elderly_total", "elderly_covered", "unreachable"]].tolist() == [240, 180, 20]
    assert isl.loc["B", "no_canteen_on_island"] == 60


def test_canteen_utilisation_compares_meals_with_capacity(base):
    c = base.canteens.set_index("site_id")
    # K1: V1 + V2 = 150 residents x 0.1 = 15 meals vs 10 -> 150 %
    assert c.loc["K1", "elderly_assigned"] == 150 and c.loc["K1", "meals_per_day"] == 15
    assert c.loc["K1", "utilisation_pct"] == 150.0 and c.loc["K1", "over_capacity"]
    assert c.loc["K2", "meals_per_day"] == 3 and not c.loc["K2", "over_capacity"]
    assert c.loc["K1", "elderly_within_threshold"] == 150  # V3 is 18.7 min from both


def test_demand_scale_multiplies_every_count(inputs, tiny_graph, islands):
    r = _plan(inputs, tiny_graph, islands, demand_scale=1.1, siting_model="none", rounds=False)
    assert r.kpis["elderly_total"] == pytest.approx(330.0)
    assert r.kpis["elderly_covered"] == pytest.approx(198.0)
    assert r.kpis["covered_pct"] == pytest.approx(60.0)


def test_open_candidates_adds_canteens(inputs, tiny_graph, islands):
    r = _plan(inputs, tiny_graph, islands, open_candidates=("S1", "S2"), siting_model="none",
              rounds=False)
    st = r.points.set_index("point_id")["status"]
    assert st["V3"] == "COVERED" and st["V6"] == "COVERED" and st["V5"] == "UNREACHABLE"
    assert r.kpis["elderly_covered"] == 280
    assert set(r.canteens["site_id"]) == {"K1", "K2", "S1", "S2"}
    assert r.points.set_index("point_id").loc["V3", "nearest_canteen_id"] == "S1"


def test_unknown_open_candidate_is_refused(inputs, tiny_graph, islands):
    with pytest.raises(InputError) as e:
        _plan(inputs, tiny_graph, islands, open_candidates=("S9",), rounds=False)
    assert e.value.field == "open_candidates" and "S9" in str(e.value)


# ----------------------------------------------------------------------------------- siting
def _brute_force(points: pd.DataFrame, cost: np.ndarray, site_ids, cand, p, R):
    w = points["elderly"].to_numpy()
    open_ex = np.isin(site_ids, ["K1", "K2"])
    best, sets = -1.0, []
    for k in range(p + 1):
        for S in itertools.combinations(cand, k):
            cols = open_ex | np.isin(site_ids, S)
            val = float(w[(cost[:, cols] <= R).any(axis=1)].sum())
            if val > best + 1e-9:
                best, sets = val, [set(S)]
            elif abs(val - best) <= 1e-9:
                sets.append(set(S))
    return best, sets


@pytest.mark.parametrize("p", [0, 1, 2, 3])
def test_mclp_recommendation_equals_brute_force(inputs, tiny_graph, islands, p):
    r = _plan(inputs, tiny_graph, islands, new_sites=p, rounds=False)
    best, sets = _brute_force(r.points, r.matrix.cost.values, np.array(r.matrix.cost.site_ids),
                              ["S1", "S2", "S3"], p, 900.0)
    rec = r.siting
    assert rec.status == "OPTIMAL" and rec.gap == 0
    assert rec.objective == pytest.approx(best) == pytest.approx(rec.covered_after)
    assert set(rec.new_sites) in sets or any(set(rec.new_sites) >= s for s in sets)
    assert {1: {"S2"}, 2: {"S1", "S2"}}.get(p, set(rec.new_sites)) == set(rec.new_sites)


def test_recommendation_table(base):
    t = base.siting.table
    row = t[t["option"] == 0].iloc[0]
    assert (row["site_id"], row["island_id"], row["new_elderly_covered"]) == ("S2", "B", 60.0)
    assert row["opening_cost_cny"] == 50000 and row["status"] == "OPTIMAL"
    cand = pd.read_csv(D / "candidates.csv").set_index("site_id")  # public places: positions
    assert (row["lon"], row["lat"]) == (cand.loc["S2", "lon"], cand.loc["S2", "lat"])
    assert base.siting.covered_before == 180 and base.siting.covered_after == 240


def test_lscp_and_pmedian_run(inputs, tiny_graph, islands):
    r = _plan(inputs, tiny_graph, islands, siting_model="lscp", rounds=False)
    assert r.siting.status == "OPTIMAL" and set(r.siting.new_sites) == {"S1", "S2", "S3"}
    assert r.siting.uncoverable.empty
    # p-median assigns every reachable point: V5 needs S3, V6 needs S2, so p = 1 is infeasible
    r = _plan(inputs, tiny_graph, islands, siting_model="pmedian", new_sites=1, rounds=False)
    assert r.siting.status == "INFEASIBLE" and r.siting.table.empty
    r = _plan(inputs, tiny_graph, islands, siting_model="pmedian", new_sites=2, rounds=False)
    assert r.siting.status == "OPTIMAL" and r.siting.gap == 0
    assert set(r.siting.new_sites) == {"S2", "S3"}


def test_uncoverable_demand_is_named(tmp_path, tiny_graph, islands):
    # without S3 nothing reaches V5 (isolated node); without S2 nothing is on island B
    cand = pd.read_csv(D / "candidates.csv")
    f = tmp_path / "cand.csv"
    cand[cand["site_id"] == "S1"].to_csv(f, index=False)
    inp = load_meals_inputs(dataclasses.replace(TINY, candidates=f), islands=islands)
    r = _plan(inp, tiny_graph, islands, rounds=False)
    u = r.siting.uncoverable.set_index("point_id")
    assert u["reason"].to_dict() == {"V5": "UNREACHABLE", "V6": "NO_SITE_ON_ISLAND"}
    assert u.loc["V6", "reason_zh"] == reason("NO_SITE_ON_ISLAND").zh
    assert r.siting.new_sites == ("S1",)


def test_single_source_over_capacity_village_is_named_and_the_rest_sited(inputs, tiny_graph,
                                                                          islands):
    """Capacitated single-source siting at 0.25 meals per resident: V1 (100 residents) needs 25
    meals; within 15 min of it K1 makes 10 and S1 20 (V1 at a1: K1 280 s, S1 840 s), so no
    kitchen can take it whole. It is listed and everything else is still sited."""
    r = _plan(inputs, tiny_graph, islands, rounds=False, uptake_share=0.25,
              siting_capacitated=True, siting_assignment="single")
    u = r.siting.uncoverable.set_index("point_id")
    assert u.loc["V1", "reason"] == "DEMAND_OVER_CAPACITY"
    assert u.loc["V1", "detail"] == ("V1村 (point V1) needs 25 meals a day; the largest kitchen "
                                     "within reach, S1候选 (S1), makes 20")
    assert u.loc["V1", "reason_en"] == REASONS["DEMAND_OVER_CAPACITY"].en
    assert r.siting.status == "OPTIMAL" and r.siting.new_sites


# ----------------------------------------------------------------------------------- rounds
def test_rounds_respect_the_kitchen_capacity_nearest_first(base):
    r = base.rounds
    b = r.by_canteen.set_index("site_id")
    # subscribers' meals: V1 10, V2 5 (K1, capacity 10), V4 3 (K2, capacity 5). K1 cooks 10:
    # V1 is nearer (280 s vs 560 s) and takes all 10, V2's 5 are listed, not dropped
    assert b.loc["K1", "meals"] == 15 and b.loc["K2", "meals"] == 3
    assert b.loc["K1", "meals_delivered"] == 10 and b.loc["K2", "meals_delivered"] == 3
    assert b.loc["K1", "couriers"] == 1 and b.loc["K2", "couriers"] == 1
    u = r.unserved.set_index("point_id")
    assert list(u.index) == ["V2"] and u.loc["V2", "reason"] == "OVER_CANTEEN_CAPACITY"
    assert u.loc["V2", "meals"] == 5 and u.loc["V2", "reason_zh"] == "超出食堂日供餐能力"
    assert b["meals_delivered"].sum() + u["meals"].sum() == b["meals"].sum()  # nothing lost
    assert b.loc["K1", "points_unserved"] == 1
    s = r.stops.set_index("point_id")
    assert list(s.index) == ["V1", "V4"]
    assert s.loc["V1", "minutes_from_kitchen"] == pytest.approx(280 / 60, abs=0.05)


def test_rounds_hand_checked_without_capacity(inputs, tiny_graph, islands):
    r = _plan(inputs, tiny_graph, islands, new_sites=1, rounds_respect_capacity=False).rounds
    b = r.by_canteen.set_index("site_id")
    # meals: V1 10, V2 5 (K1), V4 3 (K2); one courier each; every meal delivered
    assert b.loc["K1", "meals"] == 15 and b.loc["K2", "meals"] == 3
    assert b.loc["K1", "couriers"] == 1 and b.loc["K2", "couriers"] == 1
    assert b["meals_delivered"].sum() == 18 and r.unserved.empty
    assert (b["checker_violations"] == 0).all()
    assert b.loc["K2", "latest_delivery_min"] == pytest.approx(2 * EDGE_S / 60, abs=0.05)
    s = r.stops.set_index("point_id")
    # K1 serves V1 (280 s) then V2 (+2 min service +560 s), or V2 first then V1
    assert sorted(s.loc[["V1", "V2"], "minutes_from_kitchen"].round(1)) in (
        [4.7, 16.0], [14.0, 25.3])


def test_freshness_limit_splits_rounds_and_lists_the_unreachable(inputs, tiny_graph, islands):
    kw = dict(siting_model="none", rounds_respect_capacity=False)
    r = _plan(inputs, tiny_graph, islands, freshness_min=15, **kw)
    assert r.rounds.by_canteen.set_index("site_id").loc["K1", "couriers"] == 2
    r = _plan(inputs, tiny_graph, islands, freshness_min=10, **kw)
    u = r.rounds.unserved.set_index("point_id")
    assert list(u.index) == ["V2"] and u.loc["V2", "reason"] == "BEYOND_FRESHNESS_LIMIT"


def test_outputs_written(base, tmp_path):
    files = write_meals_tables(base, tmp_path)
    names = {f.name for f in files}
    assert {"coverage_points.csv", "by_village.csv", "by_town.csv", "by_island.csv",
            "canteens.csv", "siting.csv", "rounds.csv", "coverage_points.geojson"} <= names
    assert (tmp_path / "by_island.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    g = gpd.read_file(tmp_path / "coverage_points.geojson")
    assert g.crs.to_epsg() == 4326 and len(g) == 6
    assert set(g["status"]) == {"COVERED", "BEYOND_THRESHOLD", "UNREACHABLE",
                                "NO_CANTEEN_ON_ISLAND"}


# -------------------------------------------------------------------------------- bad input
def _write(tmp_path, name, text):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


def _files(tmp_path, *, e=None, c=None, s=None, **kw):
    """TINY with the given file texts written as e.csv, c.csv, s.csv."""
    return dataclasses.replace(
        TINY, **kw,
        **({"elderly": _write(tmp_path, "e.csv", e)} if e is not None else {}),
        **({"canteens": _write(tmp_path, "c.csv", c)} if c is not None else {}),
        **({"candidates": _write(tmp_path, "s.csv", s)} if s is not None else {}))


def test_bad_inputs_name_file_row_field(tmp_path, islands):
    e = (D / "elderly.csv").read_text(encoding="utf-8").replace(",50\n", ",-5\n")
    c = (D / "canteens.csv").read_text(encoding="utf-8").replace(",5,yes", ",abc,yes")
    s = (D / "candidates.csv").read_text(encoding="utf-8").replace("S3,", "S1,")
    with pytest.raises(InputError) as err:
        load_meals_inputs(_files(tmp_path, e=e, c=c, s=s), islands=islands)
    got = {(Path(x.file).name, x.line, x.field) for x in err.value.errors}  # header = line 1
    assert ("e.csv", 3, "elderly_60plus") in got
    assert ("c.csv", 3, "capacity_meals_per_day") in got
    assert ("s.csv", 4, "site_id") in got


def test_candidate_in_the_sea_is_refused(tmp_path, islands):
    s = (D / "candidates.csv").read_text(encoding="utf-8").replace("29.6947303", "29.6700000")
    with pytest.raises(InputError) as err:
        load_meals_inputs(_files(tmp_path, s=s), islands=islands)
    e = err.value.errors[0]
    assert (Path(e.file).name, e.line, e.field) == ("s.csv", 3, "lon") and "sea" in e.message


def test_zero_capacity_and_wrong_island_are_refused(tmp_path, islands):
    c = (D / "canteens.csv").read_text(encoding="utf-8").replace(",10,yes", ",0,yes")
    c = c.replace("K2,K2食堂,A", "K2,K2食堂,B")
    with pytest.raises(InputError) as err:
        load_meals_inputs(_files(tmp_path, c=c), islands=islands)
    got = {(x.line, x.field) for x in err.value.errors}
    assert got == {(2, "capacity_meals_per_day"), (3, "island_id")}


@pytest.mark.parametrize("kw,field", [({"threshold_min": 0}, "threshold_min"),
                                      ({"threshold_min": math.inf}, "threshold_min"),
                                      ({"demand_scale": -1}, "demand_scale"),
                                      ({"uptake_share": 1.5}, "uptake_share"),
                                      ({"uptake_share": 0}, "uptake_share"),
                                      ({"siting_model": "best"}, "siting_model"),
                                      ({"new_sites": -1}, "new_sites"),
                                      ({"delivery_mode": "boat"}, "delivery_mode"),
                                      ({"demand_level": "homes"}, "demand_level"),
                                      ({"freshness_min": 0}, "freshness_min"),
                                      ({"box_meals": 0}, "box_meals"),
                                      ({"service_min": -1}, "service_min"),
                                      ({"max_alternatives": -1}, "max_alternatives"),
                                      ({"rounds_time_limit_s": 0}, "rounds_time_limit_s"),
                                      ({"delivery_time": "25:99"}, "delivery_time"),
                                      ({"open_candidates": "S001"}, "open_candidates"),
                                      ({"time_limit_s": 5}, "time_limit_s")])
def test_bad_parameters(kw, field):
    with pytest.raises(pydantic.ValidationError) as err:
        MealsParams(**kw)
    assert [e["loc"][0] for e in err.value.errors()] == [field]


def test_params_from_yaml_values():
    p = MealsParams(demand_scale=1.1, open_candidates=["S001"], delivery_time="11:30")
    assert (p.demand_scale, p.open_candidates, p.delivery_time) == (1.1, ("S001",), 41400)
    assert p.threshold_s == 900.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.demand_scale = 2.0  # type: ignore[misc]


def test_defaults_are_the_baseline_values():
    """One definition, one default each: the values the Putuo baseline runs with."""
    from optimizer.scenario.schema import load_scenario

    p = MealsParams()
    assert dataclasses.asdict(p) == {
        "enabled": True, "elderly": None, "canteens": None, "candidates": None,
        "delivery_mode": "ebike", "delivery_time": 11 * 3600, "threshold_min": 15.0,
        "demand_scale": 1.0, "open_candidates": (), "siting_model": "mclp", "new_sites": 2,
        "demand_level": "points", "uptake_share": 0.034, "freshness_min": 30.0, "box_meals": 20,
        "service_min": 2.0, "siting_capacitated": False, "siting_assignment": "split",
        "max_alternatives": 5, "rounds": True,
        "rounds_respect_capacity": True, "rounds_time_limit_s": 2.0,
        "coord_system": "WGS-84", "coverage_mode": "network", "radius_m": None}
    baseline = load_scenario(Path(__file__).parents[1] / "scenarios" / "putuo-baseline.yaml")
    shared = [f.name for f in dataclasses.fields(p) if hasattr(baseline.meals, f.name)]
    assert len(shared) >= 19  # the scenario section carries (at least) the same keys

    def plain(v):
        return tuple(v) if isinstance(v, list) else v

    assert {k: plain(getattr(baseline.meals, k)) for k in shared} == \
        {k: getattr(p, k) for k in shared}


# ------------------------------------------------------------------------ service contract
class _Net:
    """A minimal Network stand-in: graph, islands and the land-proxy note."""

    def __init__(self, G, islands):
        self.G, self.islands, self.notes = G, islands, (APPROXIMATE_ROADS_NOTE,)


def test_service_contract(tiny_graph, islands, tmp_path):
    assert (SERVICE.name, SERVICE.Params, SERVICE.title) == ("meals", MealsParams, "助餐配送 meals")
    import datetime as dt

    params = dataclasses.replace(TINY, uptake_share=0.1, new_sites=1, **FAST)
    inputs = SERVICE.load(params, DataContext(dataset=tmp_path, islands=islands,
                                              date=dt.date(2026, 12, 2)))
    assert isinstance(inputs, MealsInputs) and len(inputs.demand) == 6
    assert SERVICE.personal_data(inputs) == PersonalData()
    net = _Net(tiny_graph, islands)
    res = SERVICE.plan(inputs, params, PlanContext(network=net, solver=SOLVER,
                                                   date=dt.date(2026, 12, 2)))
    assert isinstance(res, MealsResult) and isinstance(res, ServiceResult)
    # siting proved optimal, but some subscribers' meals exceed a canteen's capacity (listed)
    assert res.siting.solve_status is SolveStatus.OPTIMAL
    assert set(res.rounds.unserved["reason"]) == {"OVER_CANTEEN_CAPACITY"}
    assert res.status is SolveStatus.PARTIAL
    assert res.kpis["elderly_covered"] == 180 and res.kpis["new_sites"] == ["S2"]
    assert res.notes[0] == APPROXIMATE_ROADS_NOTE and all(n.kind for n in res.notes)
    assert tuple(res.searches) == () or all(s.name for s in res.searches)
    assert res.reason_codes() == {"COVERED", "BEYOND_THRESHOLD", "UNREACHABLE",
                                  "NO_CANTEEN_ON_ISLAND", "OVER_CANTEEN_CAPACITY", "FEASIBLE",
                                  "PARTIAL"}
    files = SERVICE.write(res, tmp_path / "run", WriteContext(network=net, tiles="offline"))
    assert all(isinstance(f, OutputFile) and not f.personal for f in files)


def test_write_returns_exactly_the_files_written(base, tiny_graph, islands, tmp_path):
    net = _Net(tiny_graph, islands)
    files = write_meals(base, tmp_path, WriteContext(network=net, tiles="offline",
                                                     notes=net.notes))
    on_disk = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    listed = [f.path for f in files]
    assert len(listed) == len(set(listed)) and set(listed) == on_disk
    assert on_disk == {"maps/coverage.html", "meals/coverage_points.geojson",
                       *(f"meals/{n}.csv" for n in ("coverage_points", "by_village", "by_town",
                                                    "by_island", "canteens", "siting",
                                                    "siting_uncoverable", "rounds",
                                                    "round_routes", "round_stops",
                                                    "round_unserved"))}
    for f in files:  # bilingual: Chinese first, then English
        assert any("\u4e00" <= ch <= "\u9fff" for ch in f.description), f
        assert any("a" <= ch.lower() <= "z" for ch in f.description), f
    html = (tmp_path / "maps/coverage.html").read_text(encoding="utf-8")
    assert "合成数据" in html and "近似路网" in html  # from the typed notes (result's and run's)


@pytest.mark.parametrize("kw", [{}, {"freshness_min": 10, "rounds_respect_capacity": False},
                                {"siting_model": "lscp"}, {"box_meals": 3},
                                {"open_candidates": ("S1", "S2")}])
def test_every_reason_code_is_a_catalogue_code(inputs, tiny_graph, islands, kw):
    r = _plan(inputs, tiny_graph, islands, **kw)
    f = r.to_frames()
    shown = set(f["coverage_points"]["status"]) | set(f["round_unserved"]["reason"]) \
        | set(f["rounds"].get("status", [])) | set(f["siting_uncoverable"].get("reason", []))
    statuses = {s.value for s in SolveStatus}
    assert shown == r.reason_codes() and shown <= set(REASONS) | statuses
    assert "COVERED" in shown  # table statuses are explained in index.html like the reasons
    for name in ("coverage_points", "round_unserved", "siting_uncoverable"):
        t = f[name]
        code_col = "status" if name == "coverage_points" else "reason"
        for code, zh, en in zip(t.get(code_col, []), t.get("reason_zh", []),
                                t.get("reason_en", [])):
            if code != "COVERED":
                assert (zh, en) == (REASONS[code].zh, REASONS[code].en)
    assert set(r.kpis.get("meals_undelivered_by_reason", {})) <= set(REASONS)


def test_freshness_reason_and_box_split(inputs, tiny_graph, islands):
    r = _plan(inputs, tiny_graph, islands, freshness_min=10, rounds_respect_capacity=False,
              siting_model="none")
    assert r.reason_codes() >= {"BEYOND_FRESHNESS_LIMIT"}
    r = _plan(inputs, tiny_graph, islands, box_meals=3, rounds_respect_capacity=False,
              siting_model="none")
    s = r.rounds.stops
    # V1's 10 meals travel as stops of at most 3 meals: 3 + 3 + 3 + 1
    assert sorted(s.loc[s["point_id"] == "V1", "meals"]) == [1, 3, 3, 3]
    assert r.rounds.unserved.empty and r.kpis["meals_delivered"] == 18


def test_status_follows_siting(inputs, tiny_graph, islands):
    r = _plan(inputs, tiny_graph, islands, siting_model="pmedian", new_sites=1, rounds=False)
    assert r.status is SolveStatus.INFEASIBLE and not r.status.produced_plan
    r = _plan(inputs, tiny_graph, islands, siting_model="none", rounds=False)
    assert r.siting is None and r.status is SolveStatus.OPTIMAL


def test_status_reflects_a_round_search_that_found_nothing(base):
    def with_round_status(*statuses, all_delivered=True):
        b = pd.DataFrame({"site_id": [f"K{k}" for k in range(len(statuses))],
                          "status": list(statuses)})
        un = base.rounds.unserved.iloc[0:0] if all_delivered else base.rounds.unserved
        return dataclasses.replace(base, rounds=dataclasses.replace(base.rounds, by_canteen=b,
                                                                    unserved=un))

    assert len(base.rounds.unserved) > 0  # the tiny day leaves some meals undelivered
    assert with_round_status("FEASIBLE", "NO_DELIVERY").status is SolveStatus.OPTIMAL
    assert with_round_status("FEASIBLE", "NO_DELIVERY", all_delivered=False).status \
        is SolveStatus.PARTIAL
    assert with_round_status("FEASIBLE", "NO_SOLUTION").status is SolveStatus.PARTIAL
    assert with_round_status("NO_SOLUTION", "NO_DELIVERY").status is SolveStatus.NO_SOLUTION
    assert with_round_status("INVALID", "FEASIBLE").status is SolveStatus.INVALID


def test_notes_come_from_the_files_flags(tmp_path, islands, tiny_graph, base):
    kinds = [n.kind for n in base.inputs.notes]
    assert kinds == [NoteKind.SYNTHETIC_DATA]  # village demand: no demand-point note
    syn = base.inputs.notes[0]
    assert "elderly.csv" in syn.en and "canteens.csv" in syn.en and "candidates.csv" in syn.en
    assert {n.kind for n in base.notes} == {NoteKind.SYNTHETIC_DATA, NoteKind.ASSUMPTION}

    def unflagged(name):
        t = pd.read_csv(D / name, dtype=str).drop(columns=["synthetic"])
        return t.to_csv(index=False)

    own = load_meals_inputs(_files(tmp_path, e=unflagged("elderly.csv"),
                                   c=unflagged("canteens.csv"), s=unflagged("candidates.csv")),
                            islands=islands)
    assert own.notes == ()  # a user's own files are not labelled synthetic
    r = plan_meals(own, tiny_graph, params=MealsParams(siting_model="none", rounds=False),
                   islands=islands)
    assert [n.kind for n in r.notes] == [NoteKind.ASSUMPTION, NoteKind.ASSUMPTION]
    half = load_meals_inputs(_files(tmp_path, c=unflagged("canteens.csv")), islands=islands)
    assert "canteens.csv" not in half.notes[0].en and "elderly.csv" in half.notes[0].en


def test_putuo_points_carry_the_demand_point_note():
    inp = load_meals_inputs()
    assert inp.demand_level == "points"
    assert [n.kind for n in inp.notes] == [NoteKind.SYNTHETIC_DATA, NoteKind.ASSUMPTION]
    assert inp.notes[1].en.startswith("Demand points are synthetic points")


def test_load_collects_every_problem_at_once(tmp_path, islands):
    c = (D / "canteens.csv").read_text(encoding="utf-8").replace(",10,yes", ",-50,yes") \
        .replace(",5,yes", ",5,maybe")
    s = (D / "candidates.csv").read_text(encoding="utf-8").replace("S3,", "S1,")
    e = (D / "elderly.csv").read_text(encoding="utf-8").replace("29.6496745", "29.6700000")
    with pytest.raises(InputErrors) as err:
        load_meals_inputs(_files(tmp_path, e=e, c=c, s=s, open_candidates=("S2", "S9")),
                          islands=islands)
    got = {(Path(x.file).name, x.line, x.field) for x in err.value.errors}
    assert got == {("c.csv", 2, "capacity_meals_per_day"),  # -50
                   ("c.csv", 3, "delivers"),  # "maybe"
                   ("s.csv", 4, "site_id"),  # duplicate S1
                   ("e.csv", 3, "lon"),  # V2 in the sea
                   ("s.csv", None, "open_candidates")}  # S9 unknown (S2 is known)
    msgs = {(Path(x.file).name, x.field): x.message for x in err.value.errors}
    assert "-50" in msgs[("c.csv", "capacity_meals_per_day")]
    assert msgs[("c.csv", "capacity_meals_per_day")].startswith("'K1'")
    assert "'K2'" in msgs[("c.csv", "delivers")] and "'V2'" in msgs[("e.csv", "lon")]
    assert "'S9'" in msgs[("s.csv", "open_candidates")] and "S2" not in \
        msgs[("s.csv", "open_candidates")].split(";")[0]


def test_missing_columns_and_open_candidates_are_reported_together(tmp_path, islands):
    e = (D / "elderly.csv").read_text(encoding="utf-8").replace("elderly_60plus", "people")
    with pytest.raises(InputErrors) as err:
        load_meals_inputs(_files(tmp_path, e=e, open_candidates=("S7",)), islands=islands,
                          scenario_file="what-if.yaml")
    got = {(Path(x.file).name, x.field) for x in err.value.errors}
    assert got == {("e.csv", "elderly_60plus"), ("e.csv", "people"),  # unknown column too
                   ("what-if.yaml", "meals.open_candidates")}


def test_validate_refuses_a_negative_capacity(tmp_path, capsys):
    """Done-when of issue 10: validate exits 2 naming the file, row and field."""
    from optimizer.cli import main
    from optimizer.datasets import get_path

    canteens = get_path("putuo/synthetic/canteens.csv").read_text(encoding="utf-8")
    lines = canteens.splitlines()
    head = lines[0].split(",")
    row = lines[3].split(",")
    row[head.index("capacity_meals_per_day")] = "-50"
    lines[3] = ",".join(row)
    (tmp_path / "canteens.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    baseline = Path(__file__).parents[1] / "scenarios" / "putuo-baseline.yaml"
    sc = tmp_path / "bad.yaml"
    sc.write_text(f"base: {baseline}\nname: bad\nmeals:\n  canteens: canteens.csv\n",
                  encoding="utf-8")
    assert main(["validate", str(sc)]) == 2
    err = capsys.readouterr().err
    assert "canteens.csv" in err and "line 4" in err and "capacity_meals_per_day" in err
    assert "'C03'" in err and "-50" in err  # the record id and the value


def test_only_service_py_imports_outputs():
    """Layering: planning modules never import optimizer.outputs; service.py binds the writer."""
    import ast

    import optimizer.services.meals as pkg

    importers = set()
    for f in sorted(Path(pkg.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n == "optimizer.outputs" or n.startswith("optimizer.outputs.") for n in names):
                importers.add(f.name)
            assert not any(n.startswith("optimizer.synthetic") for n in names), f.name
    assert importers == {"service.py"}


# --------------------------------------------------------------------------------- Putuo data
def test_elderly_points_file_preserves_every_village_total():
    from optimizer.datasets import get_path

    pts = pd.read_csv(get_path("putuo/synthetic/elderly_points.csv"), dtype={"village_code": str})
    vil = pd.read_csv(get_path("putuo/synthetic/elderly.csv"), dtype={"village_code": str})
    assert pts["elderly_60plus"].sum() == 95_865
    got = pts.groupby("village_code")["elderly_60plus"].sum()
    assert got.to_dict() == vil.set_index("village_code")["elderly_60plus"].to_dict()
    assert (pts.groupby("village_code")["island_id"].nunique() == 1).all()


def test_dispersal_is_deterministic_and_on_the_right_island():
    from optimizer.synthetic.households import disperse_elderly
    from optimizer.synthetic.population import Land

    land = Land.default()
    vil = pd.read_csv(D.parent.parent.parent / "data/geo/putuo/synthetic/elderly.csv",
                      dtype={"village_code": str, "town_code": str}).iloc[[0, 60, 132]]
    a = disperse_elderly(vil, land=land)
    b = disperse_elderly(vil, land=land)
    pd.testing.assert_frame_equal(a, b)
    assert a.groupby("village_code")["elderly_60plus"].sum().to_dict() == \
        vil.set_index("village_code")["elderly_60plus"].to_dict()
    assert all(land.island_contains(i, lo, la) for i, lo, la in
               zip(a["island_id"], a["lon"], a["lat"]))


@pytest.mark.slow
@pytest.mark.parametrize("scale", [1.0, 1.1])
def test_putuo_coverage_and_siting(scale):
    from optimizer.network.land_proxy import putuo_land_proxy

    G = putuo_land_proxy()
    inp = load_meals_inputs(MealsParams(demand_level="villages"))
    r = plan_meals(inp, G, params=MealsParams(demand_scale=scale, rounds=False,
                                              max_alternatives=2),
                   solver=SolverParams(time_limit_s=20))
    k = r.kpis
    assert k["elderly_total"] == pytest.approx(95_865 * scale)
    assert 0 <= k["covered_pct"] <= 100
    isl = r.to_frames()["by_island"]
    assert isl.iloc[-1]["elderly_total"] == pytest.approx(95_865 * scale)
    st = r.points.set_index("point_id")["status"]
    assert st["330903105204"] == "NO_CANTEEN_ON_ISLAND"  # 东极 庙子湖: no canteen, ferry only
    assert r.siting.status == "OPTIMAL" and r.siting.gap == 0
    assert len(r.siting.new_sites) == 2
    assert r.siting.covered_after >= r.siting.covered_before


def test_subscribers_are_rounded_canteen_by_canteen():
    """Three points of 25 residents at canteen A (0.85 meals each) and two of 10 at B (0.34
    each), uptake 3.4 %: A gets round(2.55) = 3 meals, B round(0.68) = 1. Rounding over the
    district (round(3.23) = 3) would give B's island nothing."""
    from optimizer.services.meals.rounds import subscribers

    pts = pd.DataFrame({"covered": [True] * 5 + [False], "elderly": [25, 25, 25, 10, 10, 50],
                        "nearest_canteen_id": ["A", "A", "A", "B", "B", "A"]})
    got = subscribers(pts, params=MealsParams(uptake_share=0.034))
    assert got.tolist() == [1, 1, 1, 1, 0, 0]
