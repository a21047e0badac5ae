"""Our VRPTW ruin-and-recreate search (optimizer.solvers.vrptw_lns): slack test, optima, invariants."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.errors import InputError
from optimizer.problems.vrptw import (
    SolveStatus,
    VrptwProblem,
    VrptwUnservedReason,
    check_vrptw,
    freshness_window,
)
from optimizer.solvers import vrptw_lns as L
from optimizer.solvers.ortools_vrptw import solve_vrptw


def random_problem(seed: int, n: int = 6, k: int = 3, *, cap: int = 8,
                   max_dur: float = math.inf) -> VrptwProblem:
    """Integer coordinates, windows and service times (no rounding anywhere)."""
    rng = np.random.default_rng(seed)
    xy = rng.integers(0, 50, size=(n + 1, 2))
    d = np.ceil(np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1)))
    e = rng.integers(0, 120, size=n + 1)
    w = rng.integers(20, 150, size=n + 1)
    tw = np.stack([e, e + w], axis=1).astype(float)
    tw[0] = (0, 400)
    dem = rng.integers(1, 5, size=n + 1)
    dem[0] = 0
    svc = np.full(n + 1, 3.0)
    svc[0] = 0
    return VrptwProblem.homogeneous(travel_time_s=d, distance_m=d, demand=dem, time_window_s=tw,
                                    service_s=svc, n_vehicles=k, capacity=cap,
                                    max_route_duration_s=max_dur)


def brute_force(p: VrptwProblem, *, vehicles_first: bool = False):
    """Best (vehicles, distance) over all orders and splits, each route checked with the
    integer model's exact route test (integer data: identical to exact arithmetic)."""
    m = L.build_model(p, list(p.customers))
    custs = list(range(m.n_depots, len(m.nodes)))
    best = None
    for perm in itertools.permutations(custs):
        for n_cuts in range(min(len(p.vehicles), len(custs))):
            for cuts in itertools.combinations(range(1, len(custs)), n_cuts):
                b = (0, *cuts, len(custs))
                routes = [list(perm[x:y]) for x, y in itertools.pairwise(b)]
                routes += [[]] * (len(p.vehicles) - len(routes))
                pc = L.plan_cost(m, routes)
                if pc is None:
                    continue
                key = (n_cuts + 1 if vehicles_first else 0, pc[1])
                if best is None or key < best:
                    best = key
    return best


# --------------------------------------------------------------------------- exact optima
@pytest.mark.parametrize("seed", [11, 12, 13, 14, 15])
def test_sisr_finds_brute_force_distance_optimum(seed):
    p = random_problem(seed)
    best = brute_force(p)
    m = L.build_model(p, list(p.customers))
    res = L.sisr_search(m, None, seed=0, max_iterations=300)
    if best is None:
        assert res.unassigned
        return
    assert res.unassigned == ()
    assert res.cost == best[1]
    assert L.plan_cost(m, res.routes) == (0, best[1])


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_solve_vrptw_vehicles_then_distance_matches_brute_force(seed):
    p = random_problem(seed)
    best = brute_force(p, vehicles_first=True)
    res = solve_vrptw(p, objective="vehicles_then_distance", deterministic=True,
                      solution_limit=300, time_limit_s=5.0)
    assert check_vrptw(p, res) == []
    assert best is not None and not res.unserved
    assert (res.vehicles_used, res.distance_m) == (best[0], pytest.approx(best[1]))


def test_objective_decides_between_one_long_and_two_short_routes():
    # d(0,1) = d(0,2) = 10, d(1,2) = 30 (no triangle inequality): two routes cost 40, one 50
    d = np.array([[0, 10, 10], [10, 0, 30], [10, 30, 0]], dtype=float)
    p = VrptwProblem.homogeneous(travel_time_s=d, distance_m=d, demand=[0, 1, 1],
                                 time_window_s=[(0, 1000)] * 3, service_s=[0, 0, 0],
                                 n_vehicles=2, capacity=5)
    kw = {"deterministic": True, "solution_limit": 100, "time_limit_s": 5.0}
    by_dist = solve_vrptw(p, **kw)
    by_veh = solve_vrptw(p, objective="vehicles_then_distance", **kw)
    assert (by_dist.vehicles_used, by_dist.distance_m) == (2, 40.0)
    assert (by_veh.vehicles_used, by_veh.distance_m) == (1, 50.0)
    assert check_vrptw(p, by_dist) == [] and check_vrptw(p, by_veh) == []


def test_route_elimination_empties_a_vehicle():
    # start from one route per customer on a line: vehicles_then_distance must merge them
    xs = np.array([0.0, 10.0, 20.0, 30.0])
    d = np.abs(xs[:, None] - xs[None, :])
    p = VrptwProblem.homogeneous(travel_time_s=d, distance_m=d, demand=[0, 1, 1, 1],
                                 time_window_s=[(0, 1000)] * 4, service_s=[0, 5, 5, 5],
                                 n_vehicles=3, capacity=10)
    m = L.build_model(p, list(p.customers), objective="vehicles_then_distance")
    res = L.sisr_search(m, [[1], [2], [3]], seed=1, max_iterations=200)
    assert sum(1 for r in res.routes if r) == 1
    # one route of length 60 (four orders tie: 1-2-3, 3-2-1, 1-3-2, 2-3-1)
    k, seq = next((k, r) for k, r in enumerate(res.routes) if r)
    assert L.plan_cost(m, res.routes) == (0, 60 + int(m.v_open[k]))


# --------------------------------------------------------------------------- slack test
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(2, 10), dur=st.sampled_from([math.inf, 300]))
def test_o1_insertion_test_agrees_with_full_route_check(seed, n, dur):
    """For every customer, vehicle and position: the slack test + capacity == exact check."""
    p = random_problem(seed, n=n, k=2, max_dur=dur)
    m = L.build_model(p, list(p.customers))
    res = L.construct(m, seed=seed)
    X = L._Ctx(m)
    sol = L._new_solution(X, res.routes)
    rnd = random.Random(seed)
    for c in list(range(m.n_depots, len(m.nodes))):
        k0 = sol.route_of[c]
        if k0 >= 0:
            sol.remove(k0, {c})
        best = sol.best_insertion(c, rnd, 0.0)
        exact = []
        for k, seq in enumerate(sol.routes):
            if not seq and sol.S[2, k, 0] >= L._UNREACH:
                continue  # a spare empty vehicle, same as the offered one
            for pos in range(len(seq) + 1):
                new = [*seq[:pos], c, *seq[pos:]]
                if L.route_feasible(m, k, new):
                    delta = L.plan_cost(m, [new if j == k else r
                                            for j, r in enumerate(sol.routes)])[1] - (
                        L.plan_cost(m, sol.routes)[1])
                    exact.append(delta)
        if best is None:
            assert exact == []
        else:
            k, pos = best
            seq = sol.routes[k]
            new = [*seq[:pos], c, *seq[pos:]]
            assert L.route_feasible(m, k, new)
            got = L.plan_cost(m, [new if j == k else r for j, r in enumerate(sol.routes)])[1]
            assert got - L.plan_cost(m, sol.routes)[1] == min(exact)
            sol.insert(c, k, pos)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(2, 14))
def test_incremental_insert_equals_full_recompute(seed, n):
    """Insertion rows updated incrementally (forward / backward from the new customer) are
    exactly those of a full recomputation of the route."""
    p = random_problem(seed, n=n, k=3, cap=30)
    m = L.build_model(p, list(p.customers))
    X = L._Ctx(m)
    sol = L._new_solution(X, None)
    rnd = random.Random(seed)
    order = list(sol.unassigned)
    rnd.shuffle(order)
    for c in order:
        best = sol.best_insertion(c, rnd, 0.0)
        if best is None:
            continue
        sol.insert(c, *best)
        ref = sol.copy()
        for k, seq in enumerate(sol.routes):
            assert ref.set_route(k, list(seq))
        ref.disable_spare_empties()
        for k, seq in enumerate(sol.routes):
            w = len(seq) + 1
            assert np.array_equal(sol.S[:, k, :w], ref.S[:, k, :w])
            assert (sol.El[k], sol.Ll[k], sol.Dl[k]) == (ref.El[k], ref.Ll[k], ref.Dl[k])
        assert (sol.rcost, sol.load, sol.capleft.tolist()) == (
            ref.rcost, ref.load, ref.capleft.tolist())
        assert sol.route_of == ref.route_of
        assert L.plan_cost(m, sol.routes) == (len(sol.unassigned), sol.cost
                                              - m.penalty * len(sol.unassigned))


# --------------------------------------------------------------------------- invariants
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(1, 14), k=st.integers(1, 4),
       objective=st.sampled_from(["distance", "vehicles_then_distance"]),
       dur=st.sampled_from([math.inf, 250]))
def test_every_plan_passes_checker_and_lists_everyone(seed, n, k, objective, dur):
    p = random_problem(seed, n=n, k=k, max_dur=dur)
    res = solve_vrptw(p, objective=objective, deterministic=True, solution_limit=60,
                      time_limit_s=2.0, seed=seed)
    assert check_vrptw(p, res) == []
    served = [c for r in res.routes for c in r.customers]
    unserved = [u.node for u in res.unserved]
    assert sorted(served + unserved) == sorted(p.customers)
    assert all(u.reason in VrptwUnservedReason and u.detail for u in res.unserved)
    assert res.status == (SolveStatus.FEASIBLE if not unserved else SolveStatus.PARTIAL)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(3, 25))
def test_search_never_worse_than_start_and_reproducible(seed, n):
    p = random_problem(seed, n=n, k=4)
    m = L.build_model(p, list(p.customers))
    start = L.construct(m, seed=seed)
    a = L.sisr_search(m, start.routes, seed=seed, max_iterations=40)
    b = L.sisr_search(m, start.routes, seed=seed, max_iterations=40)
    assert a == b
    assert (len(a.unassigned), a.cost) <= (len(start.unassigned), start.cost)
    pc = L.plan_cost(m, a.routes)
    assert pc is not None and pc[0] == len(a.unassigned)
    assert a.cost == pc[1] + m.penalty * len(a.unassigned)


def test_rejects_infeasible_start_and_missing_limits():
    p = random_problem(3)
    m = L.build_model(p, list(p.customers))
    with pytest.raises(InputError):
        L.sisr_search(m, None)
    with pytest.raises(InputError):
        L.sisr_search(m, [[1, 1], [], []], max_iterations=1)


# --------------------------------------------------------------------------- meal rounds
def uniform_window_problem(n: int, seed: int = 0) -> VrptwProblem:
    """Lunch round: depot in the middle of a 4 km square, e-bike 4 m/s, window
    [ready, ready + 30 min], 2 min per stop, boxes of 20 meals, 1-3 meals per stop."""
    rng = np.random.default_rng(seed)
    xy = np.vstack([[2000.0, 2000.0], rng.uniform(0, 4000, size=(n, 2))])
    dist = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1)) * 1.3
    tt = dist / 4.0
    ready = 11 * 3600.0
    tw = np.array([(ready, math.inf)] + [freshness_window(ready, 1800.0)] * n)
    dem = np.concatenate([[0], rng.integers(1, 4, size=n)])
    svc = np.concatenate([[0.0], np.full(n, 120.0)])
    k = n  # generous fleet: one courier per stop
    return VrptwProblem.homogeneous(travel_time_s=tt, distance_m=dist, demand=dem,
                                    time_window_s=tw, service_s=svc, n_vehicles=k, capacity=20)


def test_500_stop_uniform_window_round_is_fully_served():
    p = uniform_window_problem(500)
    res = solve_vrptw(p, objective="vehicles_then_distance", time_limit_s=1.0)
    assert check_vrptw(p, res) == []
    assert res.unserved == () and res.status == SolveStatus.FEASIBLE
    # lower bound: at most 15 stops fit in 30 min at 2 min each, and 20 meals per box
    assert res.vehicles_used >= max(math.ceil(500 / 15), math.ceil(p.demand.sum() / 20))
    assert all(s.start_s <= 11 * 3600 + 1800 + 1e-6 for r in res.routes for s in r.stops
               if s.kind == "customer")


@pytest.mark.parametrize("seed", [11, 13])
def test_two_parallel_searches_reach_the_brute_force_optimum(seed):
    p = random_problem(seed)
    best = brute_force(p)
    res = solve_vrptw(p, time_limit_s=2.0, seed=0, workers=2)
    assert check_vrptw(p, res) == [] and res.params["workers"] == 2
    if best is None:
        assert res.unserved
        return
    assert not res.unserved
    assert res.distance_m == pytest.approx(best[1])  # integer data, distance_scale 1
    with pytest.raises(InputError, match="workers"):
        solve_vrptw(p, workers=0)
