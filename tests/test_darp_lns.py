"""Our DARP ruin-and-recreate search (optimizer.solvers.darp_lns): the insertion screen against
brute force, each ruin operator, the 2-opt* tail exchange on a hand case, optima of tiny
instances, and plan invariants on random instances (hypothesis)."""

from __future__ import annotations

import itertools
import math
import random
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.problems.darp import DarpProblem, Request, Vehicle
from optimizer.solvers import darp_lns as L
from optimizer.solvers.checker import check_darp
from optimizer.solvers.ortools_routing import SolveParams, _build, solve_darp, tighten_windows
from tests.test_darp_solver import brute_force, grid_matrix, tiny_problem


def _model(p):
    active = list(range(len(p.requests)))
    return _build(p, SolveParams(), active, tighten_windows(p, active))


def _servable(p):
    from optimizer.solvers.ortools_routing import explain_request

    return all(explain_request(p, i) is None for i in range(len(p.requests))) and all(
        ep <= lp and ed <= ld for (ep, lp), (ed, ld) in tighten_windows(p).values())


def _plan_ok(inst, routes):
    """Every route time-feasible, within capacity, each request once with pickup first."""
    D = L._Data(inst)
    seen = []
    for k, r in enumerate(routes):
        assert L._times(D, k, list(r)) is not None
        assert L._loads_ok(D, k, r)
        for s in r:
            if s % 2 == 0:
                assert r.index(s) < r.index(s + 1)
                assert D.allowed[s // 2][k]
        seen += r
    assert len(seen) == len(set(seen))
    return sorted(seen)


def _cost(inst, routes):
    c = np.asarray(inst.cost)
    R = inst.n_requests
    return sum(int(c[x, y]) for k, r in enumerate(routes)
               for x, y in itertools.pairwise([2 * R + 2 * k, *r, 2 * R + 2 * k + 1]))


def mixed_problem(seed, n_req=5, n_veh=2):
    """Random instance with seats, wheelchair places and eligibility (integer times)."""
    rng = np.random.default_rng(seed)
    pts = rng.integers(0, 600, size=(1 + 2 * n_req, 2))
    t = grid_matrix(pts)
    vehs = tuple(Vehicle(f"v{k}", 0, 0, shift_s=(0, 9000), seats=2, wheelchair_places=k % 2)
                 for k in range(n_veh))
    reqs = []
    for i in range(n_req):
        e = float(rng.integers(0, 3000))
        wheel = int(rng.random() < 0.3)
        elig = frozenset({"v0"}) if rng.random() < 0.2 else None
        reqs.append(Request(f"r{i}", 1 + 2 * i, 2 + 2 * i, pickup_window_s=(e, e + 900),
                            seats=1 - wheel, wheelchair_places=wheel, pickup_service_s=60,
                            delivery_service_s=60, max_ride_time_s=float(rng.choice([600, 1500])),
                            eligible_vehicles=elig))
    return DarpProblem(travel_time_s=t, requests=tuple(reqs), vehicles=vehs)


# ------------------------------------------------------------------ insertion screen is exact
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_req=st.integers(2, 5))
def test_best_insertion_equals_brute_force(seed, n_req):
    """The bisection screen only discards impossible positions: with exact tests on every
    survivor, the cheapest insertion equals the cheapest over all positions by enumeration."""
    p = tiny_problem(seed, n_req=n_req, n_veh=1, ride=900.0, width=1800.0)
    m = _model(p)
    D = L._Data(m.lns)
    rng = np.random.default_rng(seed)
    order = [int(x) for x in rng.permutation(n_req - 1)]
    seq = []  # a feasible route of the other requests, inserted one by one in random order
    for j in order:
        ins = L._best_insertion(D, 0, seq, L._times(D, 0, seq), L._latest(D, 0, seq),
                                *L._loads(D, seq), j, max_checks=10**6)
        if ins is not None:
            seq = L._insert(seq, j, ins[1], ins[2])
    j = n_req - 1
    got = L._best_insertion(D, 0, seq, L._times(D, 0, seq), L._latest(D, 0, seq),
                            *L._loads(D, seq), j, max_checks=10**6)
    base = L._route_cost(D, 0, seq)
    best = None
    for a in range(len(seq) + 1):
        for b in range(a, len(seq) + 1):
            new = L._insert(seq, j, a, b)
            if L._loads_ok(D, 0, new) and L._times(D, 0, new) is not None:
                d = L._route_cost(D, 0, new) - base
                best = d if best is None else min(best, d)
    assert (got is None) == (best is None)
    if got is not None:
        assert got[0] == best
        assert L._times(D, 0, L._insert(seq, j, got[1], got[2])) is not None


# ------------------------------------------------------------------ ruin operators
@pytest.mark.parametrize("rule", range(len(L.REMOVALS)))
def test_each_ruin_then_recreate_keeps_every_request(rule):
    p = tiny_problem(11, n_req=8, n_veh=3, ride=1500, width=2400)
    m = _model(p)
    res = L.lns_improve(m.lns, [[], [], []], seed=1, max_iterations=5)
    D = L._Data(m.lns)
    sol = L._Solution(D, [list(r) for r in res.routes])
    rng = random.Random(rule)
    tr = np.asarray(m.lns.transit)
    dist = np.minimum(tr, tr.T).tolist()
    L._ruin(sol, rng, 3, rule, dist)
    removed = len(sol.unserved) - len(res.unserved)
    assert 1 <= removed <= 3 and len(set(sol.unserved)) == len(sol.unserved)
    assert sorted(sol.unserved + sorted(sol.where)) == list(range(8))
    for regret in (1, 2, 3):
        s2 = sol.copy()
        L._recreate(s2, rng, regret=regret, noise=5.0 if regret == 1 else 0.0)
        assert sorted(s2.unserved + sorted(s2.where)) == list(range(8))
        stops = _plan_ok(m.lns, s2.routes)
        assert stops == sorted(s for j in s2.where for s in (2 * j, 2 * j + 1))
        assert s2.cost == _cost(m.lns, s2.routes) + m.lns.penalty * len(s2.unserved)


def test_route_removal_takes_one_route():
    p = tiny_problem(11, n_req=8, n_veh=3, ride=1500, width=2400)
    m = _model(p)
    res = L.lns_improve(m.lns, [[], [], []], seed=1, max_iterations=5)
    sol = L._Solution(L._Data(m.lns), [list(r) for r in res.routes])
    L._ruin(sol, random.Random(0), 50, 3, [])
    emptied = [k for k, r in enumerate(sol.routes) if not r and res.routes[k]]
    assert len(emptied) == 1
    assert sorted(sol.unserved) == sorted(s // 2 for s in res.routes[emptied[0]] if s % 2 == 0)


# ------------------------------------------------------------------ 2-opt* tail exchange
def test_two_opt_star_hand_case():
    """Line x = -600, -500, 0 (base), 500, 600. a: -500->-600 early, b: 500->600 late,
    c: 500->600 early, d: -500->-600 late (early / late pickup windows 500-600 / 3000-3100 s,
    so no vehicle serves both early requests). Start: v0 = a, b (cost 500 + 100 + 1100 + 100 +
    600 = 2400), v1 = c, d (2400). Exchanging the tails after the first request gives
    v0 = a, d (1400) and v1 = c, b (1400): 2800, the optimum (brute force)."""
    t = grid_matrix([(0, 0), (-500, 0), (-600, 0), (500, 0), (600, 0)])
    early, late = (500.0, 600.0), (3000.0, 3100.0)
    reqs = (Request("a", 1, 2, pickup_window_s=early), Request("b", 3, 4, pickup_window_s=late),
            Request("c", 3, 4, pickup_window_s=early), Request("d", 1, 2, pickup_window_s=late))
    vehs = tuple(Vehicle(f"v{k}", 0, 0, shift_s=(0, 10000), seats=1) for k in range(2))
    p = DarpProblem(travel_time_s=t, requests=reqs, vehicles=vehs)
    m = _model(p)
    D = L._Data(m.lns)
    sol = L._Solution(D, [[0, 1, 2, 3], [4, 5, 6, 7]])
    assert sol.cost == 4800 * m.cost_scale
    assert L._two_opt_star(sol)
    assert sol.routes == [[0, 1, 6, 7], [4, 5, 2, 3]]
    assert sol.cost == 2800 * m.cost_scale == brute_force(p) * m.cost_scale
    assert sol.where == {0: 0, 3: 0, 2: 1, 1: 1}
    assert not L._two_opt_star(sol)  # a local optimum: nothing left to exchange


def test_two_opt_star_respects_eligibility():
    """Same case, but d may only ride v1: the exchange is not allowed."""
    t = grid_matrix([(0, 0), (-500, 0), (-600, 0), (500, 0), (600, 0)])
    early, late = (500.0, 600.0), (3000.0, 3100.0)
    reqs = (Request("a", 1, 2, pickup_window_s=early), Request("b", 3, 4, pickup_window_s=late),
            Request("c", 3, 4, pickup_window_s=early),
            Request("d", 1, 2, pickup_window_s=late, eligible_vehicles=frozenset({"v1"})))
    vehs = tuple(Vehicle(f"v{k}", 0, 0, shift_s=(0, 10000), seats=1) for k in range(2))
    m = _model(DarpProblem(travel_time_s=t, requests=reqs, vehicles=vehs))
    sol = L._Solution(L._Data(m.lns), [[0, 1, 2, 3], [4, 5, 6, 7]])
    assert not L._two_opt_star(sol)
    assert sol.routes == [[0, 1, 2, 3], [4, 5, 6, 7]]


# ------------------------------------------------------------------ whole search
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_lns_alone_reaches_brute_force_optimum(seed):
    p = tiny_problem(seed, n_req=3, n_veh=2)
    m = _model(p)
    res = L.lns_improve(m.lns, [[], []], seed=seed, max_iterations=80)
    assert not res.unserved
    assert res.cost == round(brute_force(p) * m.cost_scale)
    assert res.cost == _cost(m.lns, res.routes)


def test_lns_options_are_checked_and_deterministic():
    p = tiny_problem(5, n_req=4, n_veh=2)
    m = _model(p)
    a = L.lns_improve(m.lns, [[], []], seed=3, max_iterations=40, restart_after=5)
    b = L.lns_improve(m.lns, [[], []], seed=3, max_iterations=40, restart_after=5)
    assert a == b
    assert len(a.removal_weights) == len(L.REMOVALS)
    assert len(a.insertion_weights) == len(L.INSERTIONS)
    with pytest.raises(L.InputError):
        L.lns_improve(m.lns, [[], []], max_iterations=1, min_remove=0.5, max_remove=0.2)
    with pytest.raises(L.InputError):
        L.lns_improve(m.lns, [[1, 0], []], max_iterations=1)  # delivery before its pickup
    with pytest.raises(L.InputError):
        L.lns_improve(m.lns, [[0], []], max_iterations=1)  # pickup without delivery


def test_work_counter_counts_the_elementary_steps():
    """The work unit by hand: an exact schedule test of a route of 2 stops scans 4 nodes
    (start, pickup, delivery, end); an insertion screen into the empty route scans the one
    pickup position and the one delivery position after it."""
    p = tiny_problem(5, n_req=4, n_veh=2)
    D = L._Data(_model(p).lns)
    assert D.work == 0
    assert L._times(D, 0, [0, 1]) is not None
    assert D.work == 4 * L.WORK_NS["schedule_stop"]
    D.work = 0
    L._latest(D, 1, [2, 3])
    assert D.work == 4 * L.WORK_NS["schedule_stop"]
    D.work = 0
    times, late = L._times(D, 0, []), L._latest(D, 0, [])
    D.work = 0
    L._best_insertion(D, 0, [], times, late, [0], [0], 0, max_checks=0)
    assert D.work == L.WORK_NS["insertion_scan"] + 1 * L.WORK_NS["position"]


def test_work_limited_search_is_reproducible_and_stops_on_its_work():
    p = tiny_problem(5, n_req=4, n_veh=2)
    m = _model(p)
    a = L.lns_improve(m.lns, [[], []], seed=3, max_work_s=0.02)
    b = L.lns_improve(m.lns, [[], []], seed=3, max_work_s=0.02, time_limit_s=600)
    assert a == b and a.work_limited
    assert a.search_work_s[0] >= 0.02 and a.iterations > 1
    more = L.lns_improve(m.lns, [[], []], seed=3, max_work_s=0.04)
    assert more.search_work_s[0] >= 0.04 and more.iterations > a.iterations
    assert more.cost == _cost(m.lns, more.routes) + m.lns.penalty * len(more.unserved)
    cut = L.lns_improve(m.lns, [[], []], seed=3, max_work_s=1e6, time_limit_s=0.05)
    assert not cut.work_limited  # the wall clock stopped it, and it says so
    for bad in ({"max_work_s": 0.0}, {"max_work_s": float("nan")},
                {"max_work_s": 1.0, "max_iterations": 5}):
        with pytest.raises(L.InputError):
            L.lns_improve(m.lns, [[], []], **bad)
    with pytest.raises(L.InputError, match="max_work_s"):
        L.lns_improve(m.lns, [[], []])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_req=st.integers(2, 7), n_veh=st.integers(1, 3),
       adaptive=st.booleans())
def test_lns_plans_are_feasible_and_complete(seed, n_req, n_veh, adaptive):
    """Seats, wheelchair places, eligibility and ride limits: every plan of the search is
    feasible, serves each request at most once, and reports the others unserved; its cost is
    the arc cost plus penalties; the full solver's result passes the independent checker."""
    p = mixed_problem(seed, n_req=n_req, n_veh=n_veh)
    res_full = solve_darp(p, deterministic=True, solution_limit=50, lns_iterations=30)
    assert check_darp(p, res_full) == []
    ids = sorted(list(res_full.served) + [u.request_id for u in res_full.unserved])
    assert ids == sorted(r.request_id for r in p.requests)
    if not _servable(p):
        return
    m = _model(p)
    res = L.lns_improve(m.lns, [[] for _ in range(n_veh)], seed=seed, max_iterations=30,
                        adaptive=adaptive)
    stops = _plan_ok(m.lns, [list(r) for r in res.routes])
    served = sorted({s // 2 for s in stops})
    assert sorted(served + list(res.unserved)) == list(range(n_req))
    assert res.cost == _cost(m.lns, res.routes) + m.lns.penalty * len(res.unserved)
    assert math.isfinite(res.cost)


# ------------------------------------------------------------------ in-route polish
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_req=st.integers(2, 5))
def test_cheapest_cost_bounds_every_feasible_insertion(seed, n_req):
    """The window-screened cost of :func:`_cheapest_cost` never exceeds the cost of any
    time-feasible insertion (brute force over all position pairs)."""
    p = mixed_problem(seed, n_req=n_req, n_veh=1)
    m = _model(p)
    D = L._Data(m.lns)
    seq = []
    for j in range(n_req - 1):  # a feasible start route: greedy exact insertion
        t, late = L._times(D, 0, seq), L._latest(D, 0, seq)
        lq, lw = L._loads(D, seq)
        ins = L._best_insertion(D, 0, seq, t, late, lq, lw, j)
        if ins is not None:
            seq = L._insert(seq, j, ins[1], ins[2])
    j = n_req - 1
    base = L._route_cost(D, 0, seq)
    feasible = [L._route_cost(D, 0, new) - base
                for a in range(len(seq) + 1) for b in range(a, len(seq) + 1)
                if L._times(D, 0, new := L._insert(seq, j, a, b)) is not None]
    bound = L._cheapest_cost(D, 0, seq, 2 * j)
    if feasible:
        assert bound <= min(feasible)
    all_costs = [L._route_cost(D, 0, L._insert(seq, j, a, b)) - base
                 for a in range(len(seq) + 1) for b in range(a, len(seq) + 1)]
    assert bound >= min(all_costs)  # never below the cost-only optimum


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_req=st.integers(2, 5))
def test_relocate_reaches_a_reinsertion_local_optimum(seed, n_req):
    """After :func:`_relocate_stops` the route is feasible, not dearer than before, and no
    request can be re-inserted anywhere in it more cheaply (brute force)."""
    p = mixed_problem(seed, n_req=n_req, n_veh=1)
    m = _model(p)
    D = L._Data(m.lns)
    rng = random.Random(seed)
    seq = []
    for j in rng.sample(range(n_req), n_req):  # a feasible route: cheapest insertion
        t, late = L._times(D, 0, seq), L._latest(D, 0, seq)
        lq, lw = L._loads(D, seq)
        ins = L._best_insertion(D, 0, seq, t, late, lq, lw, j)
        if ins is not None:
            seq = L._insert(seq, j, ins[1], ins[2])
    # exhaustive exact tests, so the local-optimum property below is a guarantee (the default
    # tries only the cheapest few screened positions)
    with mock.patch.object(L, "RELOCATE_MAX_CHECKS", 10**6):
        better = L._relocate_stops(D, 0, list(seq))
    out = seq if better is None else better
    assert L._times(D, 0, out) is not None and L._loads_ok(D, 0, out)
    assert sorted(out) == sorted(seq)
    cost = L._route_cost(D, 0, out)
    assert cost <= L._route_cost(D, 0, seq)
    assert (better is None) == (cost == L._route_cost(D, 0, seq))
    for P in [s for s in out if s % 2 == 0]:
        rest = [s for s in out if s // 2 != P // 2]
        for a in range(len(rest) + 1):
            for b in range(a, len(rest) + 1):
                new = L._insert(rest, P // 2, a, b)
                if L._times(D, 0, new) is not None and L._loads_ok(D, 0, new):
                    assert L._route_cost(D, 0, new) >= cost


def test_parallel_portfolio_keeps_the_best_of_its_seeds():
    p = mixed_problem(11, n_req=7, n_veh=2)
    m = _model(p)
    start = [[], []]
    one = [L.lns_improve(m.lns, start, seed=s, max_iterations=15, polish=False) for s in (4, 5)]
    both = L.lns_improve_parallel(m.lns, start, workers=2, seed=4, max_iterations=15,
                                  polish=False)
    want = min(one, key=lambda r: (len(r.unserved), r.cost))
    assert (len(both.unserved), both.cost) == (len(want.unserved), want.cost)
    assert both.iterations == one[0].iterations + one[1].iterations == 30
    _plan_ok(m.lns, [list(r) for r in both.routes])
    assert both.cost == _cost(m.lns, both.routes) + m.lns.penalty * len(both.unserved)
    with pytest.raises(L.InputError, match="workers"):
        L.lns_improve_parallel(m.lns, start, workers=0, max_iterations=1)


def test_solve_darp_with_two_workers_is_checker_clean():
    p = mixed_problem(3, n_req=6, n_veh=2)
    res = solve_darp(p, time_limit_s=3, seed=0, workers=2)
    assert check_darp(p, res) == []
    ids = sorted(list(res.served) + [u.request_id for u in res.unserved])
    assert ids == sorted(r.request_id for r in p.requests)  # each request once
    assert res.params["workers"] == 2  # recorded with the result (manifest)
    with pytest.raises(L.InputError, match="workers"):
        SolveParams(workers=0)
