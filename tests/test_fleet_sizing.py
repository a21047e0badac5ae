"""Fleet sizing (issue 12 item 4) against brute force, and the operators' KPIs (item 5) on a
hand-checkable two-vehicle plan.

The small day (travel times: 60 s per unit of distance on a line; base at 0, homes at 10 and
20, unit at 50): every ride must reach the unit between 60:00 and 70:00 (minutes after
midnight, i.e. 01:00-01:10), so a vehicle cannot come back for a second home. The base car B has
1 seat; ``r1`` (home 10) and ``r2`` (home 20) walk, ``r3`` (home 20, the neighbour of r2) uses a
wheelchair. Candidate types: car (1 seat) and van (1 seat + 1 wheelchair place), two of each.
Brute force over adding 0..2 of each type (exact: every assignment of rides to vehicles and
every stop order, capacities and :func:`route_schedule`) gives the minimum 1 (one van takes r2
and r3 together, B takes r1); a car-first greedy would add 2.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimizer.cli import main
from optimizer.io.gtfs import read_gtfs
from optimizer.network.build import APPROXIMATE_ROADS_NOTE, Network
from optimizer.network.ferries import add_ferries, timetable_for_date
from optimizer.network.islands import load_islands
from optimizer.network.land_proxy import build_land_proxy
from optimizer.outputs.sheets import write_public_summary
from optimizer.problems.darp import (
    DarpProblem,
    DarpResult,
    Request,
    Route,
    SolveStatus,
    Stop,
    Vehicle,
)
from optimizer.services.base import DataContext, PlanContext, WriteContext
from optimizer.services.dialysis import (
    SERVICE,
    DialysisParams,
    load_dialysis_inputs,
    plan_dialysis_day,
)
from optimizer.services.dialysis.fleet import candidate_vehicles, plan_fleet_sizing
from optimizer.services.dialysis.operations import operator_kpis
from optimizer.services.dialysis.result import PlanUnserved
from optimizer.solvers.checker import check_darp, route_schedule
from optimizer.solvers.fleet_sizing import size_fleet, subproblem
from optimizer.solvers.ortools_routing import SolveParams, solve_darp
from optimizer.solvers.params import SolverParams
from tests.test_dialysis_service import WED, D, toy_network

BAD = Path(__file__).parent / "data" / "bad" / "fleet"
POS = [0, 10, 20, 50]  # base, home 1, home 2, unit
T = np.abs(np.subtract.outer(POS, POS)).astype(float) * 60.0
WIN = (3600.0, 4200.0)
PRM = SolveParams(deterministic=True, time_limit_s=1.0, workers=1, searches=1)


def _day(wheel_r3: bool = True) -> DarpProblem:
    reqs = (Request("r1", 1, 3, delivery_window_s=WIN),
            Request("r2", 2, 3, delivery_window_s=WIN),
            Request("r3", 2, 3, delivery_window_s=WIN, seats=0 if wheel_r3 else 1,
                    wheelchair_places=1 if wheel_r3 else 0))
    fleet = (Vehicle("B", 0, 0, (0, 86400), seats=1),
             Vehicle("car1", 0, 0, (0, 86400), seats=1),
             Vehicle("car2", 0, 0, (0, 86400), seats=1),
             Vehicle("van1", 0, 0, (0, 86400), seats=1, wheelchair_places=1),
             Vehicle("van2", 0, 0, (0, 86400), seats=1, wheelchair_places=1))
    return DarpProblem(T, reqs, fleet)


def _route_ok(p: DarpProblem, k: int, reqs: tuple[int, ...]) -> bool:
    """Some stop order of ``reqs`` on vehicle ``k`` keeps capacities and times (exact)."""
    if not reqs:
        return True
    if not all(p.is_eligible(i, k) for i in reqs):
        return False
    v = p.vehicles[k]
    events = [(i, True) for i in reqs] + [(i, False) for i in reqs]
    for order in itertools.permutations(events):
        seen, seats, wc, ok = set(), 0, 0, True
        for i, up in order:
            if not up and i not in seen:
                ok = False
                break
            seen.add(i)
            sgn = 1 if up else -1
            seats += sgn * p.requests[i].seats
            wc += sgn * p.requests[i].wheelchair_places
            if seats > v.seats or wc > v.wheelchair_places:
                ok = False
                break
        if ok and route_schedule(p, k, list(order)) is not None:
            return True
    return False


def _all_servable(p: DarpProblem) -> bool:
    n, nv = len(p.requests), len(p.vehicles)
    for assign in itertools.product(range(nv), repeat=n):
        if all(_route_ok(p, k, tuple(i for i in range(n) if assign[i] == k))
               for k in range(nv)):
            return True
    return False


def _brute_minimum(p: DarpProblem) -> int:
    best = math.inf
    for cars, vans in itertools.product(range(3), range(3)):
        keep = ["B", *[f"car{j}" for j in range(1, cars + 1)],
                *[f"van{j}" for j in range(1, vans + 1)]]
        if _all_servable(subproblem(p, keep)):
            best = min(best, cars + vans)
    return int(best)


@pytest.mark.parametrize("wheel_r3", [True, False])
def test_fleet_sizing_matches_brute_force(wheel_r3: bool) -> None:
    p = _day(wheel_r3)
    trips = {r.request_id: r.request_id for r in p.requests}
    fs = size_fleet(p, 1, trips, params=PRM, step_params=PRM)
    assert _brute_minimum(p) == (1 if wheel_r3 else 2)
    assert fs.vehicles_to_add == _brute_minimum(p)
    assert fs.steps[-1].trips_served == 3 and fs.servable == {"r1", "r2", "r3"}
    if wheel_r3:
        assert [p.vehicles[p.vehicle_index(v)].wheelchair_places for v in fs.added] == [1]
    served = [s.trips_served for s in fs.steps]
    assert served[0] == 1 and served == sorted(served)  # non-decreasing curve
    assert [s.trips_gained for s in fs.steps[1:]] == list(np.diff(served))
    for s in fs.steps:  # every plan of the curve passes the independent checker
        assert s.result is not None
        assert check_darp(fs.problem_at(s.step), s.result) == []


def test_trips_of_two_legs_count_whole_and_unservable_trips_are_listed() -> None:
    """A trip of two legs (r1 and r2 together) counts once, only with both legs; a ride whose
    window no vehicle can reach is not servable, with its reason."""
    p = _day(True)
    late = Request("r4", 3, 1, pickup_window_s=(0.0, 10.0), delivery_window_s=(0.0, 60.0))
    p = DarpProblem(T, (*p.requests, late), p.vehicles)
    trips = {"r1": "A", "r2": "A", "r3": "C", "r4": "D"}
    fs = size_fleet(p, 1, trips, params=PRM, step_params=None, base_served=0)
    assert set(fs.not_servable) == {"D"}
    assert fs.not_servable["D"][0].value == "TIME_WINDOW"
    assert fs.servable == {"A", "C"}
    assert fs.steps[0].trips_served == 0 and fs.steps[-1].trips_served == 2
    served = [s.trips_served for s in fs.steps]
    assert served == sorted(served)
    for s in fs.steps[1:]:
        if s.result is not None:
            assert check_darp(fs.problem_at(s.step), s.result) == []


def test_fixed_cost_keeps_candidates_unused_when_the_base_suffices() -> None:
    """With one ride the base car serves it: no candidate is used (fixed cost), none added."""
    p = _day(False)
    p = DarpProblem(T, p.requests[:1], p.vehicles)
    fs = size_fleet(p, 1, {"r1": "r1"}, params=PRM, step_params=PRM)
    assert fs.vehicles_to_add == 0 and len(fs.steps) == 1
    assert {rt.vehicle_id for rt in fs.pool.routes} == {"B"}
    free = solve_darp(p, PRM, vehicle_fixed_cost={"B": 1e6})  # the only vehicle: still used
    assert free.served == ("r1",)


# ----------------------------------------------------------------------------- operators' KPIs
def _hand_plan() -> tuple[DarpProblem, DarpResult, pd.DataFrame]:
    """Vehicle A: base 0 → home 10 (r1, pick 06:00 + 60 s) → unit 50; B: base 0 → home 20
    (r2, r3) → unit 50, waiting 10 min at the unit before dropping off. Travel: 60 s per
    unit of distance."""
    reqs = (Request("r1", 1, 3, pickup_service_s=60), Request("r2", 2, 3),
            Request("r3", 2, 3))
    veh = (Vehicle("A", 0, 0, seats=2), Vehicle("B", 0, 0, seats=2))
    p = DarpProblem(T, reqs, veh)
    a = Route("A", (Stop("start", 0, None, 20400, 20400, 20400),
                    Stop("pickup", 1, "r1", 21000, 21000, 21060, 1, 0),
                    Stop("delivery", 3, "r1", 23460, 23460, 23460, 0, 0),
                    Stop("end", 0, None, 26460, 26460, 26460)),
              cost=6000, travel_time_s=6000, duration_s=6060)
    b = Route("B", (Stop("start", 0, None, 21600, 21600, 21600),
                    Stop("pickup", 2, "r2", 22800, 22800, 22800, 1, 0),
                    Stop("pickup", 2, "r3", 22800, 22800, 22800, 2, 0),
                    Stop("delivery", 3, "r2", 24600, 25200, 25200, 1, 0),
                    Stop("delivery", 3, "r3", 25200, 25200, 25200, 0, 0),
                    Stop("end", 0, None, 28200, 28200, 28200)),
              cost=6000, travel_time_s=6000, duration_s=6600)
    res = DarpResult(SolveStatus.FEASIBLE, (a, b), (), 12000.0)
    summary = pd.DataFrame({"trip_id": ["t1", "t2", "t3"], "direction": ["out", "out", "ret"],
                            "wait_at_unit_min": [5.0, -1.0, np.nan]})
    return p, res, summary


def test_operator_kpis_on_a_hand_checked_plan() -> None:
    p, res, summary = _hand_plan()
    assert check_darp(p, res) == []
    k = operator_kpis(p, res, summary)
    # vehicle-hours: A 6060 s + B 6600 s = 12660 s = 3.516667 h; 3 trips
    assert k["vehicle_hours"] == pytest.approx(12660 / 3600)
    assert k["trips_per_vehicle_hour"] == pytest.approx(3 / (12660 / 3600))
    assert k["on_time_pct"] == pytest.approx(50.0)  # one of two outbound trips late
    # rides: r1 23460-21060 = 2400 s, r2 25200-22800 = 2400 s, r3 2400 s; direct 2400, 1800, 1800
    assert k["mean_leg_ride_time_min"] == pytest.approx(40.0)
    assert k["p90_leg_ride_time_min"] == pytest.approx(40.0)
    assert k["mean_excess_ride_time_min"] == pytest.approx((0 + 600 + 600) / 3 / 60)
    # empty arcs: A base→home 600 s, unit→base 3000 s; B base→home 1200 s, unit→base 3000 s
    assert k["deadhead_pct"] == pytest.approx(100 * (600 + 3000 + 1200 + 3000) / 12000)


def test_operator_kpis_without_a_plan() -> None:
    k = operator_kpis(None, None, pd.DataFrame(columns=["trip_id", "direction",
                                                        "wait_at_unit_min"]))
    assert k == {"vehicle_hours": 0.0, "trips_per_vehicle_hour": 0.0,
                 "mean_leg_ride_time_min": 0.0, "p90_leg_ride_time_min": 0.0,
                 "mean_excess_ride_time_min": 0.0, "deadhead_pct": 0.0}


# ----------------------------------------------------------------------------- parameters
@pytest.mark.parametrize("name", ["step-factor-negative.yaml", "time-factor-zero.yaml"])
def test_bad_fleet_sizing_budgets_are_refused(name: str, capsys: pytest.CaptureFixture[str]
                                              ) -> None:
    assert main(["validate", str(BAD / name)]) == 2
    err = capsys.readouterr()
    assert "fleet_sizing_" in err.out + err.err


def test_fleet_sizing_switch_validates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(BAD / "fleet-sizing-on.yaml")]) == 0


# ----------------------------------------------------------------------------- the dialysis day
def test_dialysis_fleet_sizing_on_the_two_island_day(tmp_path: Path) -> None:
    """tests/data/dialysis (README there): P3 on island TB uses a wheelchair, and TB's only car
    (VB1) has no wheelchair place, so P3's two trips are unserved; P5 lives on TC, which no
    pier reaches. The answer: one wheelchair car based on TB serves both of P3's trips; P5's
    trips are not servable by any vehicle (UNREACHABLE_ISLAND). Every plan of the curve passes
    the checker; the published summary shows the table and the sentence."""
    islands = load_islands(D / "islands.geojson")
    feed = read_gtfs(D / "gtfs")
    G = add_ferries(build_land_proxy(islands, spacing_m=500, bridges=(), select=False,
                                     correct_lattice_detour=False, circuity=1.2, name="toy"),
                    feed, islands=islands)
    inputs = load_dialysis_inputs(D / "patients.csv", D / "units.csv", D / "vehicles.csv",
                                  islands=islands)
    net = toy_network(G, islands, feed)
    solver = SolverParams(time_limit_s=1, workers=1, searches=1)
    prm = DialysisParams(fleet_sizing=True, fleet_sizing_step_factor=0.5)
    plan = plan_dialysis_day(inputs, WED, network=net, params=prm, solver=solver)
    codes = {u.trip_id: u.code for u in plan.unserved}
    assert codes == {"P3-out": "NO_WHEELCHAIR_PLACE", "P3-ret": "NO_WHEELCHAIR_PLACE",
                     "P5-out": "UNREACHABLE_ISLAND", "P5-ret": "UNREACHABLE_ISLAND"}
    rep = plan_fleet_sizing(plan, inputs, network=net, params=prm, solver=solver)
    k = rep.kpis
    assert (k["vehicles_to_add"], k["wheelchair_vehicles_to_add"]) == (1, 1)
    assert k["trips_servable"] == len(plan.trips) - 2
    assert k["trips_not_servable_by_any_vehicle"] == 2
    assert k["not_servable_by_reason"] == {"UNREACHABLE_ISLAND": 2}
    assert k["trips_served_with_added"] == len(plan.served_trip_ids) + 2
    assert list(rep.table["home_island_id"]) == ["", "TB"]
    assert list(rep.table["wheelchair_places"].iloc[1:]) == [1]
    assert list(rep.table["trips_gained"]) == [0, 2]
    for s in rep.sizing.steps[1:]:
        assert check_darp(rep.sizing.problem_at(s.step), s.result) == []
    assert [r.name for r in rep.sizing.searches] == ["fleet sizing pool", "fleet sizing step 1"]
    assert "1 more vehicle, of which 1 with wheelchair places" in rep.sentence_en
    plan = dataclasses.replace(plan, fleet_sizing=rep)
    write_public_summary(plan, tmp_path, inputs=inputs)
    html = (tmp_path / "public_summary.html").read_text(encoding="utf-8")
    assert rep.sentence_zh in html and "Fleet sizing" in html


def test_service_plans_and_writes_the_fleet_sizing(tmp_path: Path) -> None:
    """Through the service contract (dialysis.fleet_sizing on): the KPIs, the sentence, the
    manifest's search records, and ``dialysis/fleet_sizing.csv`` among the files written (and
    on disk), with islands and counts only."""
    islands = load_islands(D / "islands.geojson")
    feed = read_gtfs(D / "gtfs")
    G = add_ferries(build_land_proxy(islands, spacing_m=500, bridges=(), select=False,
                                     correct_lattice_detour=False, circuity=1.2, name="toy"),
                    feed, islands=islands)
    net = Network(G=G, islands=islands, feed=feed, timetable=timetable_for_date(feed, WED),
                  date=WED, notes=(APPROXIMATE_ROADS_NOTE,))
    prm = DialysisParams(patients=D / "patients.csv", units=D / "units.csv",
                         vehicles=D / "vehicles.csv", fleet_sizing=True,
                         fleet_sizing_step_factor=0)
    inputs = SERVICE.load(prm, DataContext(dataset=D, islands=islands, date=WED))
    plan = SERVICE.plan(inputs, prm, PlanContext(
        network=net, solver=SolverParams(time_limit_s=1, workers=1, searches=1), date=WED))
    assert plan.kpis["fleet_sizing"]["vehicles_to_add"] == 1
    assert plan.kpis["fleet_sizing_answer"] == plan.fleet_sizing.sentence
    assert [s.name for s in plan.searches] == ["dialysis DARP", "dialysis fleet sizing pool"]
    files = SERVICE.write(plan, tmp_path, WriteContext(network=net, tiles="offline"))
    assert "dialysis/fleet_sizing.csv" in {f.path for f in files}
    assert not next(f for f in files if f.path == "dialysis/fleet_sizing.csv").personal
    table = pd.read_csv(tmp_path / "dialysis" / "fleet_sizing.csv", encoding="utf-8-sig")
    assert list(table.columns) == ["step", "vehicle_type", "seats", "wheelchair_places",
                                   "shift", "home_island_id", "home_island", "trips_served",
                                   "trips_gained"]
    assert list(table["trips_served"]) == [4, 6] and list(table["seats"].iloc[1:]) == [3]
    on_disk = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert on_disk == {f.path for f in files}


def test_candidates_follow_the_unserved_trips_islands_needs_and_shifts() -> None:
    """Candidates of the two-island day: P3's wheelchair trips (TB, unit on TA) give one
    wheelchair car on TB and one on TA; P5's unreachable trips give none; a trip no shift
    covers (SHIFT_END, P1 on TA, walking) gives a car on TA whose shift ends 2 h after the
    fleet's latest end (18:00 + 2 h = 20:00), based at TA's first vehicle (VA1)."""
    islands = load_islands(D / "islands.geojson")
    feed = read_gtfs(D / "gtfs")
    G = add_ferries(build_land_proxy(islands, spacing_m=500, bridges=(), select=False,
                                     correct_lattice_detour=False, circuity=1.2, name="toy"),
                    feed, islands=islands)
    inputs = load_dialysis_inputs(D / "patients.csv", D / "units.csv", D / "vehicles.csv",
                                  islands=islands)
    net = toy_network(G, islands, feed)
    plan = plan_dialysis_day(inputs, WED, network=net, params=DialysisParams(),
                             solver=SolverParams(time_limit_s=1, workers=1, searches=1))
    late = PlanUnserved("P1-ret", "P1", "ret", "SHIFT_END", island_id="TA")
    plan = dataclasses.replace(plan, unserved=(*plan.unserved, late))
    got = {s.vehicle_id: s for s, _ in candidate_vehicles(plan, inputs, net)}
    assert set(got) == {"+wc-TA-1", "+wc-TB-1", "+late-car-TA-1"}
    va1 = next(v for v in inputs.vehicles if v.vehicle_id == "VA1")
    assert (got["+late-car-TA-1"].lon, got["+late-car-TA-1"].lat) == (va1.lon, va1.lat)
    assert got["+late-car-TA-1"].shift_end_s == 20 * 3600
    assert got["+wc-TB-1"].shift_end_s == 18 * 3600
    assert (got["+wc-TB-1"].seats, got["+wc-TB-1"].wheelchair_places) == (3, 1)
