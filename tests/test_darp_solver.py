"""DARP solver: brute-force optima on tiny instances, reasons for unserved requests,
determinism, and checker-clean output on random instances."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from optimizer.errors import InputError
from optimizer.problems.darp import DarpProblem, Request, SolveStatus, UnservedReason, Vehicle
from optimizer.solvers.checker import check_darp, route_schedule
from optimizer.solvers.ortools_routing import SolveParams, solve_darp, tighten_windows

FAST = dict(deterministic=True, solution_limit=300, lns_iterations=1000, time_limit_s=20)


def grid_matrix(points):
    xy = np.asarray(points, dtype=float)
    return np.rint(np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1)))


def orders(reqs):
    """All stop orders of the given request positions with each pickup before its delivery."""
    events = [(r, True) for r in reqs] + [(r, False) for r in reqs]
    for perm in itertools.permutations(events):
        seen = set()
        ok = True
        for r, is_p in perm:
            if is_p:
                seen.add(r)
            elif r not in seen:
                ok = False
                break
        if ok:
            yield list(perm)


def route_cost(p, k, order):
    v = p.vehicles[k]
    nodes = [v.start_node] + [p.requests[r].pickup_node if is_p else p.requests[r].delivery_node
                              for r, is_p in order] + [v.end_node]
    return sum(p.cost[a, b] for a, b in zip(nodes, nodes[1:]))


def capacity_ok(p, k, order):
    v = p.vehicles[k]
    s = w = 0
    for r, is_p in order:
        sign = 1 if is_p else -1
        s += sign * p.requests[r].seats
        w += sign * p.requests[r].wheelchair_places
        if s > v.seats or w > v.wheelchair_places:
            return False
    return all(p.is_eligible(r, k) for r, is_p in order if is_p)


def brute_force(p):
    """Least total cost serving every request (inf if impossible), by enumeration."""
    n, m = len(p.requests), len(p.vehicles)
    best = math.inf
    for assign in itertools.product(range(m), repeat=n):
        total = 0.0
        for k in range(m):
            mine = [r for r in range(n) if assign[r] == k]
            if not mine:
                continue
            c = min((route_cost(p, k, o) for o in orders(mine)
                     if capacity_ok(p, k, o) and route_schedule(p, k, o) is not None),
                    default=math.inf)
            total += c
            if total >= best:
                break
        best = min(best, total)
    return best


def tiny_problem(seed, n_req=3, n_veh=2, ride=900.0, width=1200.0):
    rng = np.random.default_rng(seed)
    pts = rng.integers(0, 600, size=(1 + 2 * n_req, 2))
    t = grid_matrix(pts)
    reqs = []
    for i in range(n_req):
        e = float(rng.integers(0, 2400))
        reqs.append(Request(f"r{i}", 1 + 2 * i, 2 + 2 * i, pickup_window_s=(e, e + width),
                            delivery_window_s=(0, math.inf), pickup_service_s=60,
                            delivery_service_s=60, max_ride_time_s=ride))
    vehs = tuple(Vehicle(f"v{k}", 0, 0, shift_s=(0, 7200), seats=2) for k in range(n_veh))
    return DarpProblem(travel_time_s=t, requests=tuple(reqs), vehicles=vehs)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reaches_brute_force_optimum(seed):
    p = tiny_problem(seed)
    opt = brute_force(p)
    assert math.isfinite(opt)
    res = solve_darp(p, **FAST)
    assert check_darp(p, res) == []
    assert res.status == SolveStatus.FEASIBLE
    assert res.objective == pytest.approx(opt, abs=1e-6)


def test_ride_time_binding_changes_the_optimum():
    """Line 0-1-2-3-4 (100 s apart). Two trips 1->4 and 2->3: the cheapest tour 0,1,2,3,4,0 rides
    the first passenger 330 s (300 s driving + 30 s boarding of "b"); a 320 s limit forbids it, the
    optimum becomes 1000 s (e.g. 0,2,1,3,4,0)."""
    t = grid_matrix([(0, 0), (100, 0), (200, 0), (300, 0), (400, 0)])
    reqs = (Request("a", 1, 4, pickup_service_s=30, max_ride_time_s=320),
            Request("b", 2, 3, pickup_service_s=30))
    free = DarpProblem(travel_time_s=t, requests=reqs,
                       vehicles=(Vehicle("v", 0, 0, shift_s=(0, 5000), seats=2),))
    res = solve_darp(free, **FAST)
    bound = dataclasses_replace_ride(free, math.inf)
    assert brute_force(bound) == 800.0  # 0-1-2-3-4-0 without the limit
    opt = brute_force(free)
    assert opt == 1000.0
    assert res.objective == pytest.approx(opt)
    assert check_darp(free, res) == []
    ride = {s.request_id: s for s in res.routes[0].stops if s.kind == "pickup"}
    drop = {s.request_id: s for s in res.routes[0].stops if s.kind == "delivery"}
    assert drop["a"].start_s - ride["a"].departure_s <= 320 + 1e-6


def dataclasses_replace_ride(p, limit):
    import dataclasses
    r0 = dataclasses.replace(p.requests[0], max_ride_time_s=limit)
    return dataclasses.replace(p, requests=(r0,) + p.requests[1:])


def test_wheelchair_needs_wheelchair_place():
    t = grid_matrix([(0, 0), (100, 0), (200, 0)])
    req = (Request("w", 1, 2, seats=0, wheelchair_places=1), Request("s", 1, 2, seats=2))
    car = Vehicle("car", 0, 0, seats=4, wheelchair_places=0)
    p = DarpProblem(travel_time_s=t, requests=req, vehicles=(car,))
    res = solve_darp(p, **FAST)
    assert check_darp(p, res) == []
    assert [(u.request_id, u.reason) for u in res.unserved] == \
        [("w", UnservedReason.NO_WHEELCHAIR_PLACE)]
    van = Vehicle("van", 0, 0, seats=1, wheelchair_places=1)
    p2 = DarpProblem(travel_time_s=t, requests=req, vehicles=(car, van))
    res2 = solve_darp(p2, **FAST)
    assert check_darp(p2, res2) == [] and not res2.unserved
    on = {rt.vehicle_id: rt.request_ids for rt in res2.routes}
    assert on["van"] == ("w",) and on["car"] == ("s",)  # van has 1 seat, "s" needs 2


def test_unserved_reasons():
    inf = math.inf
    t = grid_matrix([(0, 0), (100, 0), (2000, 0), (300, 0)])
    t[0, 3] = t[3, 0] = t[1, 3] = t[3, 1] = t[2, 3] = t[3, 2] = inf  # node 3 is cut off
    vehs = (Vehicle("v", 0, 0, shift_s=(0, 3000), seats=2, max_route_duration_s=3000),)
    reqs = (
        Request("ok", 1, 1, pickup_window_s=(0, 100)),
        Request("unreachable", 1, 3),
        Request("ride", 1, 2, max_ride_time_s=600),  # direct 1900 s
        Request("window", 1, 2, pickup_window_s=(0, 10), delivery_window_s=(0, 1000)),
        Request("seats", 1, 2, seats=3),
        Request("chair", 1, 2, wheelchair_places=1),
        Request("elig", 1, 2, eligible_vehicles=frozenset()),
        Request("shift", 1, 2, pickup_window_s=(900, 1000)),  # back at base by 3000 s? no
    )
    p = DarpProblem(travel_time_s=t, requests=reqs, vehicles=vehs)
    res = solve_darp(p, **FAST)
    got = {u.request_id: u.reason for u in res.unserved}
    assert got == {
        "unreachable": UnservedReason.UNREACHABLE,
        "ride": UnservedReason.RIDE_TIME,
        "window": UnservedReason.TIME_WINDOW,
        "seats": UnservedReason.NOT_ENOUGH_SEATS,
        "chair": UnservedReason.NO_WHEELCHAIR_PLACE,
        "elig": UnservedReason.NO_ELIGIBLE_VEHICLE,
        "shift": UnservedReason.SHIFT_END,
    }
    assert res.served == ("ok",)
    assert res.status == SolveStatus.PARTIAL
    assert check_darp(p, res) == []


def test_conflict_is_dropped_by_search():
    """One vehicle, two rides in opposite directions with the same fixed pickup time."""
    t = grid_matrix([(0, 0), (-500, 0), (500, 0)])
    reqs = (Request("east", 1, 2, pickup_window_s=(600, 600)),
            Request("west", 2, 1, pickup_window_s=(600, 600)))
    p = DarpProblem(travel_time_s=t, requests=reqs,
                    vehicles=(Vehicle("v", 0, 0, shift_s=(0, 5000), seats=4),))
    res = solve_darp(p, **FAST)
    assert len(res.served) == 1 and len(res.unserved) == 1
    assert res.unserved[0].reason == UnservedReason.DROPPED_BY_SEARCH
    assert check_darp(p, res) == []


def test_window_tightening_rules():
    t = grid_matrix([(0, 0), (100, 0), (400, 0)])
    p = DarpProblem(travel_time_s=t, vehicles=(Vehicle("v", 0, 0, shift_s=(0, 10000)),),
                    requests=(Request("out", 1, 2, pickup_service_s=60,
                                      delivery_window_s=(3000, 3900), max_ride_time_s=1200),))
    (ep, lp), (ed, ld) = tighten_windows(p)[0]
    assert ep == 3000 - 1200 - 60  # e_d - L - s_p
    assert lp == 3900 - 60 - 300  # l_d - s_p - t(p, d)
    assert (ed, ld) == (3000, 3900)


def test_same_seed_same_plan_in_deterministic_mode():
    p = tiny_problem(7, n_req=6, n_veh=2, ride=1500, width=2400)
    a = solve_darp(p, seed=3, **FAST)
    b = solve_darp(p, seed=3, **FAST)
    assert [(r.vehicle_id, r.stops) for r in a.routes] == [(r.vehicle_id, r.stops) for r in b.routes]
    assert a.objective == b.objective
    assert check_darp(p, a) == []


def test_bad_options():
    p = tiny_problem(1)
    with pytest.raises(InputError):
        solve_darp(p, colour="red")
    with pytest.raises(InputError):
        SolveParams(strategy="magic")
    with pytest.raises(InputError):
        SolveParams(first_solution_strategies=("NOPE",))


def test_no_requests():
    p = DarpProblem(travel_time_s=np.zeros((1, 1)), requests=(),
                    vehicles=(Vehicle("v", 0, 0),))
    res = solve_darp(p, **FAST)
    assert res.status == SolveStatus.OPTIMAL and res.routes == () and res.objective == 0


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_req=st.integers(1, 5), n_veh=st.integers(1, 2),
       ride=st.sampled_from([400.0, 900.0, math.inf]), width=st.sampled_from([300.0, 1800.0]))
def test_output_always_passes_checker(seed, n_req, n_veh, ride, width):
    p = tiny_problem(seed, n_req=n_req, n_veh=n_veh, ride=ride, width=width)
    res = solve_darp(p, deterministic=True, solution_limit=100, lns_iterations=1000,
                     time_limit_s=20)
    assert check_darp(p, res) == []
    ids = sorted(list(res.served) + [u.request_id for u in res.unserved])
    assert ids == sorted(r.request_id for r in p.requests)
    if n_req <= 3 and not res.unserved:
        assert res.objective == pytest.approx(brute_force(p), abs=1e-6)


# ----------------------------------------------------------------- our ruin-and-recreate search
def _model(p):
    """The integer model of ``p`` (every request must be servable alone)."""
    from optimizer.solvers.ortools_routing import _build

    active = list(range(len(p.requests)))
    return _build(p, SolveParams(), active, tighten_windows(p, active))


def _servable(p):
    from optimizer.solvers.ortools_routing import explain_request

    if any(explain_request(p, i) is not None for i in range(len(p.requests))):
        return False
    return all(ep <= lp and ed <= ld for (ep, lp), (ed, ld) in tighten_windows(p).values())


def _random_order(rng, reqs):
    """A random stop order of the given request positions, each pickup before its delivery."""
    pending, out = list(reqs), []
    open_ = []
    while pending or open_:
        if open_ and (not pending or rng.random() < 0.5):
            r = open_.pop(int(rng.integers(len(open_))))
            out.append((r, False))
        else:
            r = pending.pop(int(rng.integers(len(pending))))
            out.append((r, True))
            open_.append(r)
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_req=st.integers(1, 5),
       ride=st.sampled_from([200.0, 400.0, 900.0, math.inf]),
       width=st.sampled_from([300.0, 1800.0]))
def test_lns_time_test_is_exact(seed, n_req, ride, width):
    """Integer travel times, windows and limits at 1 unit per second: the integer model is the
    problem itself (plus valid tightened windows), so our fast test must agree with the
    checker's Floyd-Warshall test on every order, and its least times must equal the
    checker's earliest times."""
    from optimizer.solvers.darp_lns import route_times

    p = tiny_problem(seed, n_req=n_req, n_veh=1, ride=ride, width=width)
    assume(_servable(p))
    m = _model(p)
    rng = np.random.default_rng(seed)
    for _ in range(6):
        order = _random_order(rng, list(range(n_req)))
        ours = route_times(m.lns, 0, [2 * r + (0 if is_p else 1) for r, is_p in order])
        ref = route_schedule(p, 0, order)
        assert (ours is None) == (ref is None)
        if ref is not None:
            assert np.allclose(ours[1:-1], ref.earliest_s[1:-1])


def test_lns_time_test_hand_case():
    """Line 0-1-2-3-4, 100 s apart, 30 s boarding; "a" 1->4 with at most 320 s ride."""
    from optimizer.solvers.darp_lns import route_times

    t = grid_matrix([(0, 0), (100, 0), (200, 0), (300, 0), (400, 0)])
    reqs = (Request("a", 1, 4, pickup_service_s=30, max_ride_time_s=320),
            Request("b", 2, 3, pickup_service_s=30))
    p = DarpProblem(travel_time_s=t, requests=reqs,
                    vehicles=(Vehicle("v", 0, 0, shift_s=(0, 5000), seats=2),))
    lns = _model(p).lns
    assert route_times(lns, 0, [0, 2, 3, 1]) is None  # a rides 100+30+100+100 = 330 s
    # b first: 0 -> 2 (200 s) -> 1 -> 3 -> 4: a boards at 330 s, rides 30+200 ... = 300 s
    assert route_times(lns, 0, [2, 0, 3, 1]) == [0, 200, 330, 560, 660, 1060]


def test_lns_improves_and_keeps_every_request():
    from optimizer.solvers.darp_lns import lns_improve, route_times

    p = tiny_problem(11, n_req=8, n_veh=3, ride=1500, width=2400)
    m = _model(p)
    one_each = [[], [], []]
    for j in range(8):  # a feasible, poor start: round robin, each request alone in turn
        one_each[j % 3] += [2 * j, 2 * j + 1]
    start = [r if route_times(m.lns, k, r) is not None else [] for k, r in enumerate(one_each)]
    a = lns_improve(m.lns, start, seed=5, max_iterations=150)
    b = lns_improve(m.lns, start, seed=5, max_iterations=150)
    assert a == b  # deterministic for a seed and an iteration limit
    assert not a.unserved  # requests left out of the start are inserted
    stops = sorted(s for r in a.routes for s in r)
    assert stops == list(range(16))
    c = np.asarray(m.lns.cost)
    total = 0
    for k, r in enumerate(a.routes):
        assert route_times(m.lns, k, r) is not None
        on_board = np.cumsum([1 if s % 2 == 0 else -1 for s in r])
        assert on_board.max(initial=0) <= 2  # seats per vehicle, one seat per request
        for j in range(8):
            if 2 * j in r:
                assert r.index(2 * j) < r.index(2 * j + 1)
        path = [16 + 2 * k, *r, 16 + 2 * k + 1]
        total += sum(int(c[x, y]) for x, y in itertools.pairwise(path))
    assert a.cost == total
    start_cost = sum(int(c[x, y]) for k, r in enumerate(start)
                     for x, y in zip([16 + 2 * k, *r], [*r, 16 + 2 * k + 1]))
    missing = 8 - sum(len(r) for r in start) // 2
    assert a.cost <= start_cost + missing * m.lns.penalty


def test_lns_rejects_bad_start():
    from optimizer.solvers.darp_lns import lns_improve

    p = tiny_problem(2)
    m = _model(p)
    with pytest.raises(InputError):
        lns_improve(m.lns, [[0, 1, 0, 1], []], max_iterations=1)  # a request twice
    with pytest.raises(InputError):
        lns_improve(m.lns, [[], []])  # no limit


def test_lns_share_zero_and_default_agree_on_tiny_optimum():
    p = tiny_problem(3)
    opt = brute_force(p)
    for share in (0.0, 0.8):
        res = solve_darp(p, lns_share=share, **FAST)
        assert check_darp(p, res) == []
        assert res.objective == pytest.approx(opt, abs=1e-6)
    with pytest.raises(InputError):
        SolveParams(lns_share=1.0)


def test_lns_respects_eligibility_between_identical_vehicles():
    """Two identical vehicles; "r" may only ride "v1". Empty routes of interchangeable vehicles
    are evaluated once, so eligibility must be part of what makes them interchangeable."""
    from optimizer.solvers.darp_lns import lns_improve

    t = grid_matrix([(0, 0), (100, 0), (200, 0)])
    reqs = (Request("r", 1, 2, eligible_vehicles=frozenset({"v1"})), Request("s", 2, 1))
    vehs = (Vehicle("v0", 0, 0, shift_s=(0, 5000)), Vehicle("v1", 0, 0, shift_s=(0, 5000)))
    p = DarpProblem(travel_time_s=t, requests=reqs, vehicles=vehs)
    res = lns_improve(_model(p).lns, [[], []], seed=0, max_iterations=5)
    assert not res.unserved
    assert set(res.routes[1]) >= {0, 1}  # "r" (stops 0, 1) on v1


@pytest.mark.parametrize("construction_s", [0.05, 0.25, 1.0])
def test_a_plan_is_read_back_after_a_short_construction(construction_s):
    """Regression: OR-Tools' ReadAssignmentFromRoutes restored under the last search's limit
    and rejected valid plans after a 0.05-0.25 s construction (Cordeau a5-40), which threw away
    the ruin-and-recreate result. The plan must come back with the same cost."""
    from pathlib import Path

    from benchmarks.readers import cordeau_time_scale, read_cordeau
    from optimizer.solvers import ortools_routing as OR

    p = read_cordeau(Path(__file__).parent / "data" / "darp" / "a5-40.txt")
    prm = SolveParams(time_limit_s=3, time_scale=cordeau_time_scale(), cost_scale=1000)
    active = list(range(len(p.requests)))
    m = OR._build(p, prm, active, tighten_windows(p, active))
    sp = OR._search_params(prm, first="PARALLEL_CHEAPEST_INSERTION", meta="GREEDY_DESCENT",
                           time_s=construction_s, solutions=None)
    sol = m.routing.SolveWithParameters(sp)
    assert sol is not None
    back = OR._from_routes(m, OR._routes_of(m, sol))
    assert back is not None and back.ObjectiveValue() == sol.ObjectiveValue()
    assert OR._routes_of(m, back) == OR._routes_of(m, sol)
