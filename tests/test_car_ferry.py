"""Vehicles on car ferries (issue 12 item 3) on the toy two-island case of tests/data/dialysis.

The toy's places (unit U1 and pier PA on island 甲岛 TA, pier PB on 乙岛 TB, 2 km of sea between)
with a timetable written here (route R_AB, vehicle boarding buffer 30 min, foot 15 min):

* PA→PB: A_0500 05:00→05:20 cars; A_1210 12:10→12:30 passengers only; A_1220 12:20→12:40 cars;
* PB→PA: B_0550 05:50→06:10 passengers only; B_0630 06:30→06:50 cars; B_1400 14:00→14:20 cars.

P3 (wheelchair + escort, home on TB, session 07:30-11:30 at U1) has no wheelchair vehicle on TB
(VB1 has none); VA1 on TA has a wheelchair place and may board the car ferry. Only a through
ride can serve P3:

* outbound: drop-off window [06:45, 07:15]; the car sailing letting P3 leave latest is B_0630
  (lands 06:50, + land PA→U1 by 07:15); pickup ``t0 = floor(06:30 - 30 min - land(home, PB) -
  6 min)``, drop-off ``t1 = max(ceil(06:50 + land(PA, U1)), 06:45)``; VA1 crosses empty on
  A_0500 (lands 05:20, home before ``t0``);
* return: pickup window [11:30, 12:00]; A_1210 carries no cars; A_1220 needs the vehicle at PA
  by 11:50: ``t0 = floor(12:20 - 30 min - land(U1, PA) - 6 min)`` (>= 11:30), ``t1 =
  ceil(12:40 + land(PB, home))``; VA1 goes home on B_1400.

The land times are read from the plan's own matrix (the land proxy of the toy); everything else
is the timetable above.
"""

from __future__ import annotations

import dataclasses
import math
import shutil
from pathlib import Path

import pytest

from optimizer.io.gtfs import read_gtfs
from optimizer.network.build import APPROXIMATE_ROADS_NOTE, Network
from optimizer.network.ferries import add_ferries, timetable_for_date
from optimizer.network.islands import load_islands
from optimizer.network.land_proxy import build_land_proxy
from optimizer.problems.darp import DarpResult, Route
from optimizer.results import REASONS
from optimizer.services.dialysis import DialysisParams, load_dialysis_inputs, plan_dialysis_day
from optimizer.solvers.checker import check_darp
from optimizer.solvers.params import SolverParams
from tests.test_dialysis_service import WED, hm

D = Path(__file__).parent / "data" / "dialysis"
FAST = {"deterministic": True, "solution_limit": 200, "lns_iterations": 300}
SOLVER = SolverParams(time_limit_s=2, workers=1)
BUF_S = 1800.0
SVC_S = 360.0  # wheelchair boarding, 6 min

SAILINGS = [  # trip, from, dep, to, arr, cars_allowed
    ("A_0500", "PA", "05:00", "PB", "05:20", 1),
    ("A_1210", "PA", "12:10", "PB", "12:30", 2),
    ("A_1220", "PA", "12:20", "PB", "12:40", 1),
    ("B_0550", "PB", "05:50", "PA", "06:10", 2),
    ("B_0630", "PB", "06:30", "PA", "06:50", 1),
    ("B_1400", "PB", "14:00", "PA", "14:20", 1),
]

VEHICLES = {
    "VA1": "VA1,司机1,101-0000-0001,VTA,TA,122.072739032,29.926478981,4,1,04:00,18:00,all,yes",
    "VA2": "VA2,司机2,101-0000-0002,VTA,TA,122.072739032,29.926478981,4,1,04:00,18:00,all,yes",
    "VA1e": "VA1,司机1,101-0000-0001,VTA,TA,122.072739032,29.926478981,4,1,04:00,13:00,all,yes",
    "VA3": "VA3,司机4,101-0000-0004,VTA,TA,122.083139728,29.922039659,4,0,05:30,18:00,TA,no",
    "VB1": "VB1,司机3,101-0000-0003,VTB,TB,122.150435005,29.927002554,4,0,05:30,18:00,TB,no",
}
P6 = ("P6,测试6,100-0000-0006,VTB,TB,122.155576717,29.931547693,wheelchair,yes,MWF,07:30,240,"
      "U1")


def _gtfs(out: Path, *, cars: bool = True, drop=()) -> Path:
    g = out / "gtfs"
    shutil.copytree(D / "gtfs", g)
    trips = ["route_id,service_id,trip_id,direction_id,cars_allowed,is_estimate"]
    times = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"]
    for tid, a, dep, b, arr, c in SAILINGS:
        if tid in drop:
            continue
        trips.append(f"R_AB,DAILY,{tid},{0 if a == 'PA' else 1},{c if cars else 2},0")
        times += [f"{tid},{dep}:00,{dep}:00,{a},1", f"{tid},{arr}:00,{arr}:00,{b},2"]
    (g / "trips.txt").write_text("\n".join(trips) + "\n", encoding="utf-8")
    (g / "stop_times.txt").write_text("\n".join(times) + "\n", encoding="utf-8")
    return g


def _case(tmp: Path, *, vehicles=("VA1", "VA3", "VB1"), extra_patients=(), cars=True,
          deck=2, islands=None, p3_start="07:30", drop=()):
    tmp.mkdir(parents=True, exist_ok=True)
    lines = (D / "patients.csv").read_text(encoding="utf-8").replace(
        "MWF,07:30,240,U1\nP4", f"MWF,{p3_start},240,U1\nP4").splitlines()
    keep = [lines[0]] + [x for x in lines[1:] if x.split(",")[0] in ("P2", "P3")]
    (tmp / "patients.csv").write_text("\n".join([*keep, *extra_patients]) + "\n",
                                      encoding="utf-8")
    head = (D / "vehicles.csv").read_text(encoding="utf-8").splitlines()[0]
    (tmp / "vehicles.csv").write_text("\n".join([head, *(VEHICLES[v] for v in vehicles)]) + "\n",
                                      encoding="utf-8")
    feed = read_gtfs(_gtfs(tmp, cars=cars, drop=drop))
    g = build_land_proxy(islands, spacing_m=500, bridges=(), select=False,
                         correct_lattice_detour=False, circuity=1.2, name="toy")
    G = add_ferries(g, feed, islands=islands)
    net = Network(G=G, islands=islands, feed=feed, timetable=timetable_for_date(feed, WED),
                  date=WED, notes=(APPROXIMATE_ROADS_NOTE,))
    inputs = load_dialysis_inputs(tmp / "patients.csv", D / "units.csv", tmp / "vehicles.csv",
                                  islands=islands)
    return plan_dialysis_day(inputs, WED, network=net,
                             params=DialysisParams(car_ferry_deck_places=deck),
                             solver=SOLVER, solve_options=FAST)


@pytest.fixture(scope="module")
def islands():
    return load_islands(D / "islands.geojson")


@pytest.fixture(scope="module")
def plan(tmp_path_factory, islands):
    return _case(tmp_path_factory.mktemp("cf"), islands=islands)


def _land(plan, a: str, b: str) -> float:
    labels = plan.problem.node_labels
    return float(plan.car_ferry.land_s[labels.index(a), labels.index(b)])


def _stop(plan, leg_id: str, action: str):
    s = plan.stops
    row = s[(s["leg_id"] == leg_id) & (s["action"] == action)]
    assert len(row) == 1, (leg_id, action)
    return row.iloc[0]


def test_only_a_car_ferry_serves_the_wheelchair_user(plan):
    assert {"P3-out", "P3-ret"} <= set(plan.served_trip_ids)
    out_p, out_d = _stop(plan, "P3-out:car", "pickup"), _stop(plan, "P3-out:car", "dropoff")
    ret_p, ret_d = _stop(plan, "P3-ret:car", "pickup"), _stop(plan, "P3-ret:car", "dropoff")
    assert {out_p.vehicle_id, ret_p.vehicle_id} == {"VA1"}
    # hand computation (land times of the toy's matrix, sailings of the timetable)
    t0 = math.floor(hm(6, 30) - BUF_S - _land(plan, "home:P3", "pier:PB") - SVC_S)
    t1 = max(math.ceil(hm(6, 50) + _land(plan, "pier:PA", "unit:U1")), hm(6, 45))
    assert (out_p.start_s, out_d.start_s) == (t0, t1)
    assert t1 <= hm(7, 15)
    r0 = math.floor(hm(12, 20) - BUF_S - _land(plan, "unit:U1", "pier:PA") - SVC_S)
    r1 = math.ceil(hm(12, 40) + _land(plan, "pier:PB", "home:P3"))
    assert hm(11, 30) <= r0 <= hm(12, 0)
    assert (ret_p.start_s, ret_d.start_s) == (r0, r1)
    # the sheet names the car sailing the vehicle boards with the patient
    assert out_d.sailing_trip_id == "B_0630" and "with the patient" in out_d.note
    assert ret_d.sailing_trip_id == "A_1220" and "06:30" in out_d.note
    cr = {c.trip_id: c for c in plan.crossings}
    assert cr["P3-out"].sailing.trip_id == "B_0630" and cr["P3-out"].vehicle_boards
    assert cr["P3-out"].boarding_deadline_s == hm(6, 0)
    # both checkers accept it; the crossings the car-ferry checker finds
    assert plan.violations == () and check_darp(plan.problem, plan.result) == []
    bad, crossings = plan.car_ferry.check(plan.problem, plan.result)
    assert bad == []
    assert sorted((c.sailing.trip_id, bool(c.on_board)) for c in crossings) == [
        ("A_0500", False), ("A_1220", True), ("B_0630", True), ("B_1400", False)]


def test_split_trip_stays_split(plan):
    legs = set(plan.stops.loc[plan.stops["trip_id"] == "P2-out", "leg_id"])
    assert legs == {"P2-out:1", "P2-out:2"}
    assert {c.trip_id: c.vehicle_boards for c in plan.crossings}["P2-out"] is False


def test_checker_catches_a_mistimed_crossing(plan):
    rt = next(r for r in plan.result.routes if r.vehicle_id == "VA1")
    stops = list(rt.stops)
    k = next(i for i, s in enumerate(stops) if s.request_id == "P3-out:car"
             and s.kind == "delivery")
    early = stops[k].start_s - 900  # 15 min earlier than the car ferry allows
    stops[k] = dataclasses.replace(stops[k], arrival_s=early, start_s=early,
                                   departure_s=early + SVC_S)
    bad_plan = DarpResult(plan.result.status, tuple(
        Route(r.vehicle_id, tuple(stops), r.cost, r.travel_time_s, r.duration_s)
        if r.vehicle_id == "VA1" else r for r in plan.result.routes), plan.result.unserved,
        plan.result.objective)
    bad, _ = plan.car_ferry.check(plan.problem, bad_plan)
    assert [v.code for v in bad] == ["CAR_FERRY"]
    assert "P3-out:car" == bad[0].request_id


def test_passenger_boats_only_leave_the_wheelchair_user_unserved(tmp_path, islands):
    plan = _case(tmp_path, cars=False, islands=islands)
    u = {x.trip_id: x for x in plan.unserved}
    assert u["P3-out"].code == u["P3-ret"].code == "NO_WHEELCHAIR_PLACE"
    assert "no sailing that carries cars" in u["P3-out"].detail
    assert plan.car_ferry is None
    assert not plan.stops["leg_id"].fillna("").str.endswith(":car").any()


def test_deck_space_one_serves_one_of_two(tmp_path, islands):
    plan = _case(tmp_path, vehicles=("VA1", "VA2", "VA3", "VB1"), extra_patients=(P6,),
                 deck=1, islands=islands)
    served = set(plan.served_trip_ids)
    u = {x.trip_id: x for x in plan.unserved}
    for way in ("out", "ret"):
        pair = {f"P3-{way}", f"P6-{way}"}
        assert len(pair & served) == 1
        (left,) = pair - served
        assert u[left].code == "CAR_FERRY_DECK_FULL"
    bad, crossings = plan.car_ferry.check(plan.problem, plan.result)
    assert bad == []
    per = {}
    for c in crossings:
        per.setdefault(c.sailing.trip_id, set()).add(c.vehicle_id)
    assert max(len(v) for v in per.values()) == 1
    assert REASONS["CAR_FERRY_DECK_FULL"].en


def test_deck_space_two_serves_both(tmp_path, islands):
    plan = _case(tmp_path, vehicles=("VA1", "VA2", "VA3", "VB1"), extra_patients=(P6,),
                 deck=2, islands=islands)
    assert {"P3-out", "P6-out", "P3-ret", "P6-ret"} <= set(plan.served_trip_ids)
    assert plan.violations == ()
    assert plan.car_ferry.check(plan.problem, plan.result)[0] == []


def test_a_van_that_cannot_get_back_in_its_shift_is_named_in_the_reason(tmp_path, islands):
    # VA1's shift ends 13:00: the return ride lands P3 at home 12:45 but the van gets back to
    # its base only on B_1400 (14:20), so only the outbound trip goes by car ferry
    plan = _case(tmp_path, vehicles=("VA1e", "VA3", "VB1"), islands=islands)
    assert "P3-out" in plan.served_trip_ids
    u = {x.trip_id: x for x in plan.unserved}
    assert u["P3-ret"].code == "NO_WHEELCHAIR_PLACE"
    assert "cannot do it from its base and back within its shift" in u["P3-ret"].detail
    assert plan.car_ferry.check(plan.problem, plan.result)[0] == []
    names = [s.name for s in plan.searches]
    assert names == ["dialysis DARP", "dialysis DARP with car ferries"]


def test_no_ride_home_by_car_ferry_when_no_way_to_the_session(tmp_path, islands):
    # session 07:00 without B_0550: the first sailing to TA (B_0630) lands 06:50, after the
    # latest drop-off 06:45, so the outbound trip has no sailing and, as for the split, no ride
    # home is planned: no through ride is tried for the return (A_1220 would carry it)
    plan = _case(tmp_path, islands=islands, p3_start="07:00", drop=("B_0550",))
    u = {x.trip_id: x for x in plan.unserved}
    assert u["P3-out"].code == u["P3-ret"].code == "NO_SAILING"
    assert "car ferry" not in u["P3-ret"].detail
    assert plan.car_ferry is None


def test_cross_arcs_are_exact(plan):
    # into a pinned node j at t_j: leaving x at t_j - arc catches a car sailing in time, one
    # second later does not; out of a pinned node i: arriving at y earlier than departure + arc
    # is impossible and departure + arc is reached (re-timed by the checker's own rule)
    from optimizer.solvers.checker import car_sailing_for

    cf, pr = plan.car_ferry, plan.problem
    land, tt = cf.land_s, pr.travel_time_s
    kw = {"buffer_s": cf.boarding_buffer_s}
    pinned = {}
    for r in pr.requests:
        if r.request_id.endswith(":car"):
            pinned[r.pickup_node] = (r.pickup_window_s[0], r.pickup_service_s)
            pinned[r.delivery_node] = (r.delivery_window_s[0], r.delivery_service_s)
    assert len(pinned) == 4
    checked = 0
    for j, (t_j, _) in pinned.items():
        for x in range(pr.n_nodes):
            if x in pinned or math.isfinite(land[x, j]) or not math.isfinite(tt[x, j]):
                continue
            leave = t_j - tt[x, j]
            assert car_sailing_for(land, cf.sailings, cf.pier_node, x, leave, j, t_j, **kw)
            assert car_sailing_for(land, cf.sailings, cf.pier_node, x, leave + 1, j, t_j,
                                   **kw) is None
            checked += 1
    for i, (t_i, svc) in pinned.items():
        dep = t_i + svc
        for y in range(pr.n_nodes):
            if math.isfinite(land[i, y]) or not math.isfinite(tt[i, y]):
                continue
            at = dep + tt[i, y]
            assert car_sailing_for(land, cf.sailings, cf.pier_node, i, dep, y, at + 1e-6, **kw)
            assert car_sailing_for(land, cf.sailings, cf.pier_node, i, dep, y, at - 1,
                                   **kw) is None
            checked += 1
    assert checked > 20
