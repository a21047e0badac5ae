"""DARP at scale (issue 14 item 3): the scaled dataset generator and the decomposed solve.

The decomposed solve is tested on small generated dialysis-like days (two islands, a unit on
each, outbound rides before two sessions and rides home after them): every plan passes the
independent checker, every request is served or listed once, and a fleet with extra vehicles
never serves fewer requests than the base fleet alone.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from optimizer.datasets import PUTUO_DIR
from optimizer.problems.darp import DarpProblem, Request, Vehicle
from optimizer.solvers.checker import check_darp
from optimizer.solvers.darp_decompose import (
    island_groups,
    solve_decomposed,
    split_by_place,
    time_bands,
)
from optimizer.solvers.ortools_routing import SolveParams, solve_darp

SYN = PUTUO_DIR / "synthetic"
FILES = ("dialysis_patients.csv", "dialysis_units.csv", "vehicles.csv", "scenario.yaml")


# ----------------------------------------------------------------------------- the dataset
def test_scale_one_is_the_embedded_data(tmp_path):
    """K = 1 writes the embedded patients, units and vehicles, and the main job's elderly
    points, canteens, candidate sites, needy households and offices, byte for byte (199
    patients, 10 vehicles), and a scenario that loads with this folder's files."""
    from optimizer.scenario.schema import load_scenario
    from optimizer.synthetic.scale import SCALED_FILES, generate_scaled

    paths = generate_scaled(1, tmp_path)
    assert sorted(paths) == sorted(SCALED_FILES)
    for name in SCALED_FILES:
        if name != "scenario.yaml":
            assert paths[name].read_bytes() == (SYN / name).read_bytes(), name
    assert len(pd.read_csv(paths["dialysis_patients.csv"])) == 199
    assert len(pd.read_csv(paths["vehicles.csv"])) == 10
    sc = load_scenario(paths["scenario.yaml"])
    assert sc.dialysis.patients == paths["dialysis_patients.csv"].resolve()
    assert sc.dialysis.vehicles == paths["vehicles.csv"].resolve()
    assert sc.solver.time_limit_s == 10  # the baseline's, through base:
    assert sc.meals.elderly == paths["elderly_points.csv"].resolve()
    assert sc.visits.households == paths["needy_households.csv"].resolve()


def test_scaled_dataset_is_reproducible_and_scaled(tmp_path):
    """The same K gives the same bytes (two folders); K = 3 has 3 x 199 patients over the
    same villages and 30 vehicles: the embedded 10 first, then two copies of each type on the
    same islands; ``--vehicles`` takes the first N."""
    from optimizer.synthetic.__main__ import main

    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert main(["--scale", "3", "--out", str(a)]) == 0
    assert main(["--scale", "3", "--out", str(b)]) == 0
    for name in FILES[:3]:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    pat = pd.read_csv(a / "dialysis_patients.csv", dtype={"village_code": str})
    base = pd.read_csv(SYN / "dialysis_patients.csv", dtype={"village_code": str})
    assert len(pat) == 597 and pat["patient_id"].is_unique
    eld = pd.read_csv(SYN / "elderly.csv", dtype={"village_code": str})
    assert set(pat["village_code"]) <= set(eld["village_code"])  # drawn over the same villages
    assert set(pat["island_id"]) >= set(base["island_id"])
    w = eld.groupby("island_id")["elderly_60plus"].sum() / eld["elderly_60plus"].sum()
    got = pat["island_id"].value_counts(normalize=True)
    assert abs(got["ISL001"] - w["ISL001"]) < 0.05  # in proportion to the elderly (binomial sd 2 %)
    veh = pd.read_csv(a / "vehicles.csv", dtype=str, keep_default_na=False)
    emb = pd.read_csv(SYN / "vehicles.csv", dtype=str, keep_default_na=False)
    assert len(veh) == 30 and veh["vehicle_id"].is_unique
    pd.testing.assert_frame_equal(veh.iloc[:10].reset_index(drop=True), emb)
    assert list(veh["vehicle_id"][10:12]) == ["V01-2", "V02-2"]
    cols = ["island_id", "seats", "wheelchair_places", "shift_start", "shift_end",
            "serves_islands", "may_board_car_ferry"]
    for j in (1, 2):
        block = veh.iloc[10 * j:10 * (j + 1)][cols].reset_index(drop=True)
        pd.testing.assert_frame_equal(block, emb[cols])
    _check_scaled_demand(a, 3)
    assert main(["--scale", "3", "--vehicles", "12", "--out", str(c)]) == 0
    veh12 = pd.read_csv(c / "vehicles.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(veh12, veh.iloc[:12].reset_index(drop=True))
    assert main(["--scale", "0", "--out", str(c)]) == 2


def _check_scaled_demand(folder, k):
    """The main job's demand at K x: K x the residents over about K x the points (every
    village's total exact), the same sites with K x their capacity, K x 3,002 households over
    the same villages, the same offices with more workers."""
    eld = pd.read_csv(SYN / "elderly.csv", dtype={"village_code": str})
    got = pd.read_csv(folder / "elderly.csv", dtype={"village_code": str})
    assert (got["elderly_60plus"] == k * eld["elderly_60plus"]).all()
    pts = pd.read_csv(folder / "elderly_points.csv", dtype={"village_code": str})
    per_village = pts.groupby("village_code")["elderly_60plus"].sum()
    assert per_village.to_dict() == dict(zip(got["village_code"], got["elderly_60plus"]))
    base_pts = pd.read_csv(SYN / "elderly_points.csv")
    assert abs(len(pts) - k * len(base_pts)) < 0.01 * k * len(base_pts)
    assert pts["point_id"].is_unique
    for name in ("canteens.csv", "candidate_sites.csv"):
        a, b = pd.read_csv(folder / name), pd.read_csv(SYN / name)
        assert (a["capacity_meals_per_day"] == k * b["capacity_meals_per_day"]).all(), name
        assert (a.drop(columns="capacity_meals_per_day")
                .equals(b.drop(columns="capacity_meals_per_day"))), name
    hh = pd.read_csv(folder / "needy_households.csv", dtype={"village_code": str})
    assert len(hh) == k * 3002 and hh["household_id"].is_unique
    assert set(hh["village_code"]) <= set(eld["village_code"])
    homes = set(zip(hh["lon"].round(5), hh["lat"].round(5)))
    assert not homes & set(zip(pts["lon"].round(5), pts["lat"].round(5)))  # never a published point
    off, off1 = pd.read_csv(folder / "offices.csv"), pd.read_csv(SYN / "offices.csv")
    assert list(off["office_id"]) == list(off1["office_id"])
    assert off["workers"].sum() > 2 * off1["workers"].sum()


# ----------------------------------------------------------------------------- small days
UNIT_A, UNIT_B = 0, 1
"""Node 0 is the unit on island A, node 1 on island B; homes follow."""


def dialysis_day(seed: int, *, homes: int = 24, vehicles: int = 4,
                 extra: int = 0) -> DarpProblem:
    """A small dialysis-like day on two islands (no road between them).

    Homes 2.. are drawn on island A (x in 0-20 km) or B (x in 40-55 km); travel time =
    Euclidean km x 90 s (a metric: the triangle inequality holds, as for shortest paths).
    Each home has one patient, with a session at 07:30 or 12:00 (240 min): an outbound ride
    arriving 15-45 min before the start, a ride home picked up within 30 min of the end; the
    ride may take at most 2.5 x the direct time (and 120 min). ``vehicles`` vehicles (4 seats,
    1 wheelchair place) based at homes, alternately on A and B; ``extra`` more vehicles after
    them.
    """
    rng = np.random.default_rng(seed)
    xy = [(5.0, 5.0), (45.0, 5.0)]
    island = [0, 1]
    for h in range(homes):
        isl = h % 3 == 2  # a third on island B
        x = rng.uniform(40, 55) if isl else rng.uniform(0, 20)
        xy.append((x, rng.uniform(0, 12)))
        island.append(int(isl))
    xy_a = np.array(xy)
    d = np.hypot(*(xy_a[:, None, :] - xy_a[None, :, :]).transpose(2, 0, 1)) * 90.0
    same = np.equal.outer(island, island)
    tt = np.where(same, d, np.inf)
    np.fill_diagonal(tt, 0.0)
    reqs = []
    for h in range(homes):
        node = 2 + h
        unit = UNIT_B if island[node] else UNIT_A
        start = 7.5 * 3600 if rng.random() < 0.5 else 12 * 3600
        wc = int(rng.random() < 0.2)
        seats = 0 if wc else 1
        svc = 360.0 if wc else 120.0
        reqs.append(Request(f"P{h:02d}:out", node, unit, delivery_window_s=(start - 2700,
                                                                            start - 900),
                            seats=seats, wheelchair_places=wc, pickup_service_s=svc,
                            delivery_service_s=svc, max_ride_time_s=7200.0,
                            max_ride_factor=2.5))
        end = start + 4 * 3600
        reqs.append(Request(f"P{h:02d}:ret", unit, node, pickup_window_s=(end, end + 1800),
                            seats=seats, wheelchair_places=wc, pickup_service_s=svc,
                            delivery_service_s=svc, max_ride_time_s=7200.0,
                            max_ride_factor=2.5))
    vehs = []
    for k in range(vehicles + extra):
        node = 2 + (k % 3) if k % 2 == 0 else 2 + 2 + 3 * (k % 4)  # alternately A and B homes
        node = min(node, 1 + homes)
        vehs.append(Vehicle(f"V{k:02d}", node, node, (6.0 * 3600, 18.5 * 3600), seats=4,
                            wheelchair_places=1))
    return DarpProblem(tt, tuple(reqs), tuple(vehs), name=f"day {seed}")


FAST = SolveParams(time_limit_s=1.0, deterministic=True, workers=1, searches=1,
                   construction_solutions=4, lns_iterations=40, solution_limit=2,
                   wall_clock_cap_s=60.0)
"""Small work limits: a few hundred milliseconds per part."""

SPLIT = dict(above_requests=10, part_requests=12)
"""Decompose the small days (48 requests) into parts of about 12."""


def _served(res) -> int:
    return len(res.served)


def test_island_groups_and_bands_hand_checked():
    """Two islands without a road: two groups, each with its own vehicles; bands follow the
    session times (arrivals before 07:30, rides home after 11:30, ...)."""
    p = dialysis_day(3, homes=12, vehicles=4)
    groups = island_groups(p)
    assert len(groups) == 2
    on_b = {i for i, r in enumerate(p.requests) if UNIT_B in (r.pickup_node, r.delivery_node)}
    assert {frozenset(g[0]) for g in groups} == {frozenset(on_b),
                                                 frozenset(set(range(24)) - on_b)}
    for reqs, vks in groups:
        isl_b = reqs[0] in on_b
        assert all(math.isfinite(p.travel_time_s[p.vehicles[k].start_node,
                                                 UNIT_B if isl_b else UNIT_A]) for k in vks)
    a_reqs = next(g[0] for g in groups if g[0][0] not in on_b)
    bands = time_bands(p, a_reqs, part_requests=1)
    # four session groups: out 07:30, out 12:00 / ret 11:30 (merged when close), ret 16:00
    keys = [[round(p.requests[i].delivery_window_s[1] if math.isfinite(
        p.requests[i].delivery_window_s[1]) else p.requests[i].pickup_window_s[0]) for i in b]
        for b in bands]
    assert sorted(i for b in bands for i in b) == sorted(a_reqs)
    assert all(max(k) < min(k2) for k, k2 in zip(keys, keys[1:]))
    assert len(bands) >= 3
    assert time_bands(p, a_reqs, part_requests=100) == [sorted(
        a_reqs, key=lambda i: (bands_key(p, i), i))]


def bands_key(p, i):
    from optimizer.solvers.darp_decompose import _key

    return _key(p, i)


def test_split_by_place_shares_out_every_vehicle():
    """Side-by-side parts: equal request counts, every vehicle in exactly one part, at least
    one each."""
    p = dialysis_day(5, homes=30, vehicles=6)
    reqs = [i for i, r in enumerate(p.requests) if UNIT_A in (r.pickup_node, r.delivery_node)]
    nodes = [v.start_node for v in p.vehicles]
    parts = split_by_place(p, reqs, nodes, 3)
    assert len(parts) == 3
    assert sorted(i for r, _ in parts for i in r) == sorted(reqs)
    assert sorted(k for _, ks in parts for k in ks) == list(range(6))
    assert all(ks for _, ks in parts)
    assert max(len(r) for r, _ in parts) - min(len(r) for r, _ in parts) <= 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_decomposed_plan_passes_the_checker(seed):
    """Solved in parts (more than one), the plan passes the independent checker, and every
    request is served once or listed unserved once, with a reason."""
    p = dialysis_day(seed)
    res = solve_decomposed(p, FAST, **SPLIT)
    assert res.params["decomposed"] is True and res.params["parts"] >= 3
    assert check_darp(p, res) == []
    served, unserved = list(res.served), [u.request_id for u in res.unserved]
    assert sorted(served + unserved) == sorted(r.request_id for r in p.requests)
    assert len(set(served)) == len(served)
    assert _served(res) >= len(p.requests) // 2  # 4 vehicles serve most of 24 patients
    again = solve_decomposed(p, FAST, **SPLIT)  # work limits: the same plan
    assert again.routes == res.routes


def test_small_day_is_solved_whole():
    """At or below the threshold the solve is ``solve_darp`` itself (the baseline plan cannot
    change)."""
    p = dialysis_day(4, homes=6)
    a = solve_decomposed(p, FAST, above_requests=len(p.requests))
    b = solve_darp(p, FAST)
    assert a.routes == b.routes and a.unserved == b.unserved
    assert "decomposed" not in a.params


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_more_vehicles_never_serve_fewer(seed):
    """With the base fleet named, the fleet with extra vehicles serves at least as many
    requests as the base fleet alone on its share of the budget (the same call, the same plan
    in work mode), and the plan passes the checker."""
    from optimizer.solvers.darp_decompose import _restricted, _scaled

    p = dialysis_day(seed, homes=24, vehicles=2, extra=3)
    base = frozenset(v.vehicle_id for v in p.vehicles[:2])
    alone = solve_decomposed(_restricted(p, base), _scaled(FAST, 0.5), **SPLIT)
    more = solve_decomposed(p, FAST, base_vehicles=base, **SPLIT)
    assert check_darp(p, more) == []
    assert _served(more) >= _served(alone)
    assert _served(more) > 0


def test_parts_on_two_processes_give_the_same_plan():
    """Side-by-side parts solved on two processes: the same work-limited plan as on one."""
    import dataclasses

    p = dialysis_day(6, homes=30, vehicles=6)
    one = solve_decomposed(p, FAST, above_requests=10, part_requests=8)
    two = solve_decomposed(p, dataclasses.replace(FAST, workers=2), above_requests=10,
                           part_requests=8)
    assert two.routes == one.routes and two.unserved == one.unserved
    assert check_darp(p, two) == []
