"""Independent DARP checker: a hand-checked valid plan, and one hand-made violation per rule."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from optimizer.problems.darp import (
    DarpProblem,
    DarpResult,
    Request,
    Route,
    SolveStatus,
    Stop,
    Unserved,
    UnservedReason,
    Vehicle,
)
from optimizer.solvers.checker import check_darp, route_schedule

# nodes on a line: depot 0 at x=0, A=1 at 100, B=2 at 200, C=3 at 300 (travel time = |dx| s)
X = np.array([0.0, 100.0, 200.0, 300.0])
T = np.abs(X[:, None] - X[None, :])


def make_problem(**veh):
    kw = dict(shift_s=(0, 2000), seats=1, wheelchair_places=1, max_route_duration_s=1500)
    kw.update(veh)
    return DarpProblem(
        travel_time_s=T,
        requests=(
            Request("r1", 1, 3, pickup_service_s=10, delivery_service_s=10,
                    pickup_window_s=(0, 1000), delivery_window_s=(0, 1000),
                    max_ride_time_s=400),
            Request("r2", 2, 3, seats=0, wheelchair_places=1, pickup_service_s=10,
                    delivery_service_s=10),
        ),
        vehicles=(Vehicle("v1", 0, 0, **kw), Vehicle("v2", 0, 0, **kw)),
    )


def make_route(problem, vid, events, starts):
    """Build a route from (request_id, kind) events and service start times (s)."""
    v = problem.vehicles[problem.vehicle_index(vid)]
    stops = [Stop("start", v.start_node, None, starts[0], starts[0], starts[0])]
    prev_node, prev_dep, cost = v.start_node, starts[0], 0.0
    for (rid, kind), s in zip(events, starts[1:-1]):
        r = problem.requests[problem.request_index(rid)]
        node = r.pickup_node if kind == "pickup" else r.delivery_node
        svc = r.pickup_service_s if kind == "pickup" else r.delivery_service_s
        arr = prev_dep + T[prev_node, node]
        stops.append(Stop(kind, node, rid, arr, s, s + svc))
        cost += T[prev_node, node]
        prev_node, prev_dep = node, s + svc
    arr = prev_dep + T[prev_node, v.end_node]
    cost += T[prev_node, v.end_node]
    stops.append(Stop("end", v.end_node, None, arr, arr, arr))
    return Route(vid, tuple(stops), cost, cost, arr - starts[0])


EVENTS = [("r1", "pickup"), ("r2", "pickup"), ("r1", "delivery"), ("r2", "delivery")]
STARTS = [0, 100, 210, 320, 330, 0]


def plan(problem, events=EVENTS, starts=STARTS, unserved=(), objective=None, vid="v1"):
    rt = make_route(problem, vid, events, starts)
    return DarpResult(SolveStatus.FEASIBLE, (rt,), tuple(unserved),
                      rt.cost if objective is None else objective)


def codes(problem, result):
    return {v.code for v in check_darp(problem, result)}


def test_valid_plan_passes_and_values_are_hand_checked():
    p = make_problem()
    res = plan(p)
    assert res.routes[0].cost == 600.0  # 100 + 100 + 100 + 0 + 300
    assert res.routes[0].stops[-1].arrival_s == 640.0
    assert check_darp(p, res) == []


def test_time_window():
    p = make_problem()
    r1 = dataclasses.replace(p.requests[0], delivery_window_s=(0, 300))
    p2 = dataclasses.replace(p, requests=(r1, p.requests[1]))
    assert {"TIME_WINDOW", "ORDER_INFEASIBLE"} <= codes(p2, plan(p2))


def test_ride_time():
    p = make_problem()
    r1 = dataclasses.replace(p.requests[0], max_ride_time_s=150)  # rides 320 - 110 = 210 s
    p2 = dataclasses.replace(p, requests=(r1, p.requests[1]))
    assert {"RIDE_TIME", "ORDER_INFEASIBLE"} <= codes(p2, plan(p2))


def test_seats_and_wheelchair_are_separate():
    assert codes(make_problem(seats=0), plan(make_problem(seats=0))) == {"SEATS"}
    p = make_problem(wheelchair_places=0)
    assert codes(p, plan(p)) == {"WHEELCHAIR"}


def test_precedence():
    p = make_problem()
    ev = [("r1", "delivery"), ("r1", "pickup"), ("r2", "pickup"), ("r2", "delivery")]
    assert "PRECEDENCE" in codes(p, plan(p, ev, [0, 300, 510, 620, 630, 0]))


def test_split_request_and_not_accounted():
    p = make_problem()
    a = make_route(p, "v1", [("r1", "pickup"), ("r2", "pickup"), ("r2", "delivery")],
                   [0, 100, 210, 320, 0])
    b = make_route(p, "v2", [("r1", "delivery")], [0, 300, 0])
    res = DarpResult(SolveStatus.FEASIBLE, (a, b), (), a.cost + b.cost)
    got = codes(p, res)
    assert "SPLIT_REQUEST" in got and "INCOMPLETE_REQUEST" in got
    c = make_route(p, "v1", [("r1", "pickup"), ("r1", "delivery")], [0, 100, 320, 0])
    assert codes(p, DarpResult(SolveStatus.FEASIBLE, (c,), (), c.cost)) == {"NOT_ACCOUNTED"}
    ok = DarpResult(SolveStatus.PARTIAL, (c,),
                    (Unserved("r2", UnservedReason.DROPPED_BY_SEARCH),), c.cost)
    assert check_darp(p, ok) == []


def test_unserved_list_rules():
    p = make_problem()
    u = Unserved("r2", UnservedReason.DROPPED_BY_SEARCH)
    got = codes(p, plan(p, unserved=(u, u)))
    assert got == {"DUPLICATE_UNSERVED", "SERVED_AND_UNSERVED"}


def test_eligibility():
    p = make_problem()
    r1 = dataclasses.replace(p.requests[0], eligible_vehicles=frozenset({"v2"}))
    p2 = dataclasses.replace(p, requests=(r1, p.requests[1]))
    assert codes(p2, plan(p2)) == {"ELIGIBILITY"}
    assert check_darp(p2, plan(p2, vid="v2")) == []


def test_route_duration_and_shift():
    p = make_problem(max_route_duration_s=600)  # the route lasts 640 s
    assert codes(p, plan(p)) == {"ROUTE_DURATION", "ORDER_INFEASIBLE"}
    p = make_problem(shift_s=(0, 600))
    assert codes(p, plan(p)) == {"SHIFT", "ORDER_INFEASIBLE"}


def test_travel_time_inconsistent_but_order_feasible():
    p = make_problem()
    got = codes(p, plan(p, starts=[0, 100, 150, 320, 330, 0]))  # B reached at 210, not 150
    assert "TRAVEL_TIME" in got or "SERVICE_TIME" in got
    assert "ORDER_INFEASIBLE" not in got


def test_cost_and_unknown_vehicle():
    p = make_problem()
    assert codes(p, plan(p, objective=599.0)) == {"COST"}
    rt = make_route(p, "v1", EVENTS, STARTS)
    bad = dataclasses.replace(rt, vehicle_id="ghost")
    assert "UNKNOWN_VEHICLE" in codes(p, DarpResult(SolveStatus.FEASIBLE, (bad,), (), 600.0))


def test_schedule_delays_pickup_when_ride_time_binds():
    """A forward earliest-start pass picks up at 100 s and waits on board until the drop-off
    window opens at 600 s (ride 490 s > 250 s); the exact test delays the pickup to 340 s."""
    p = DarpProblem(
        travel_time_s=T,
        requests=(Request("r", 1, 3, pickup_service_s=10, delivery_window_s=(600, 700),
                          max_ride_time_s=250),),
        vehicles=(Vehicle("v", 0, 0, shift_s=(0, 2000), seats=1),),
    )
    s = route_schedule(p, 0, [(0, True), (0, False)])
    assert s is not None
    assert s.earliest_s[1] == pytest.approx(340.0)  # 600 - 250 - 10
    assert s.earliest_s[2] == pytest.approx(600.0)
    early = make_route(p, "v", [("r", "pickup"), ("r", "delivery")], [0, 100, 600, 0])
    got = codes(p, DarpResult(SolveStatus.FEASIBLE, (early,), (), early.cost))
    assert got == {"RIDE_TIME"}
    good = make_route(p, "v", [("r", "pickup"), ("r", "delivery")], [240, 340, 600, 0])
    assert check_darp(p, DarpResult(SolveStatus.FEASIBLE, (good,), (), good.cost)) == []
    # with a 150 s limit the direct trip (200 s) is impossible
    p2 = dataclasses.replace(p, requests=(dataclasses.replace(p.requests[0],
                                                              max_ride_time_s=150),))
    assert route_schedule(p2, 0, [(0, True), (0, False)]) is None
