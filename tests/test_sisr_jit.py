"""The compiled SISR engine (optimizer.solvers._sisr_jit) against the Python engine and brute
force: insertion costs and feasibility, optima, reproducibility."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.solvers import vrptw_lns as L
from tests.test_vrptw_lns import brute_force, random_problem

J = pytest.importorskip("optimizer.solvers._sisr_jit")


def _arrays(m: L.VrptwLnsModel):
    X = L._Ctx(m)
    return X, J.model_arrays(m, L._neighbours(m, X), L._depot_dist(X), X.vtype)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(2, 10), k=st.integers(1, 3),
       dur=st.sampled_from([math.inf, 300]))
def test_compiled_insertion_costs_equal_exact_check(seed, n, k, dur):
    """Every (vehicle, position): compiled cost finite iff the exact route check passes, and
    then equal to the plan-cost difference; its minimum equals the Python engine's choice."""
    p = random_problem(seed, n=n, k=k, max_dur=dur)
    m = L.build_model(p, list(p.customers))
    X, M = _arrays(m)
    plan = [list(r) for r in L.construct(m, seed=seed, orders=(0,)).routes]
    for c in range(m.n_depots, len(m.nodes)):
        routes = [[x for x in r if x != c] for r in plan]
        if any(L.plan_cost(m, [r]) is None for r in routes if r):
            continue  # removing c broke a route (no triangle inequality)
        got = J.insertion_costs(M, routes, c)
        assert got is not None
        base = L.plan_cost(m, routes)[1]
        seen_types: set[int] = set()
        for v, seq in enumerate(routes):
            offered = bool(seq) or X.vtype[v] not in seen_types
            if not seq:
                seen_types.add(X.vtype[v])
            for pos in range(len(seq) + 1):
                new = [*seq[:pos], c, *seq[pos:]]
                if offered and L.route_feasible(m, v, new):
                    cand = [new if j == v else r for j, r in enumerate(routes)]
                    assert got[v, pos] == L.plan_cost(m, cand)[1] - base
                else:
                    assert got[v, pos] == J._BIGC
        sol = L._new_solution(X, routes)
        best = sol.best_insertion(c, None, 0.0)
        if best is None:
            assert (got >= J._BIGC).all()
        else:
            v, pos = best
            assert got.min() == got[v, pos]


@pytest.mark.parametrize("engine", ["jit", "python"])
@pytest.mark.parametrize("seed", [31, 32, 33, 34])
def test_engines_find_brute_force_optimum(engine, seed):
    p = random_problem(seed, n=6, k=3, max_dur=math.inf if seed % 2 else 250)
    best = brute_force(p)
    m = L.build_model(p, list(p.customers))
    res = L.sisr_search(m, None, seed=seed, max_iterations=400, engine=engine)
    if best is None:
        assert res.unassigned
        return
    assert res.unassigned == ()
    assert L.plan_cost(m, res.routes) == (0, best[1]) and res.cost == best[1]


def test_compiled_vehicles_then_distance_optimum():
    p = random_problem(41, n=6, k=3)
    best = brute_force(p, vehicles_first=True)
    m = L.build_model(p, list(p.customers), objective="vehicles_then_distance")
    res = L.sisr_search(m, None, seed=0, max_iterations=400, engine="jit")
    assert best is not None and res.unassigned == ()
    assert sum(1 for r in res.routes if r) == best[0]
    assert L.plan_cost(m, res.routes)[1] == best[1] + sum(
        int(m.v_open[k]) for k, r in enumerate(res.routes) if r)


def test_compiled_search_is_reproducible_and_never_worse():
    p = random_problem(7, n=12, k=4, cap=12)
    m = L.build_model(p, list(p.customers))
    start = L.construct(m, seed=0)
    a = L.sisr_search(m, start.routes, seed=3, max_iterations=500, engine="jit")
    b = L.sisr_search(m, start.routes, seed=3, max_iterations=500, engine="jit")
    assert a == b and a.iterations == 500
    assert (len(a.unassigned), a.cost) <= (len(start.unassigned), start.cost)
    assert L.plan_cost(m, a.routes) == (len(a.unassigned),
                                         a.cost - m.penalty * len(a.unassigned))


def test_solomon_c101_reaches_its_optimum():
    """Solomon C101 (100 customers; DIMACS optimum 827.3, 10 routes, proven)."""
    from benchmarks.readers import read_solomon, solomon_scale

    p = read_solomon(__import__("pathlib").Path(__file__).parent / "data" / "solomon"
                     / "C101.vrp", distances="dimacs")
    sc = solomon_scale("dimacs")
    m = L.build_model(p, list(p.customers), distance_scale=sc, time_scale=sc)
    res = L.sisr_search(m, None, seed=0, max_iterations=3000, engine="jit")
    assert res.unassigned == () and res.cost == 8273


def test_seed_state_is_never_zero_and_differs_by_seed():
    states = {int(J.seed_state(s)[0]) for s in range(100)}
    assert 0 not in states and len(states) == 100
    assert np.array_equal(J.seed_state(5), J.seed_state(5))


def test_unknown_engine_is_an_input_error():
    from optimizer.errors import InputError

    p = random_problem(1, n=3, k=1)
    m = L.build_model(p, list(p.customers))
    with pytest.raises(InputError, match="engine"):
        L.sisr_search(m, None, max_iterations=5, engine="fortran")


def test_warm_up_is_zero_once_warm():
    L.warm_up("jit")
    assert L.warm_up("jit") == 0.0 and L.warm_up("python") == 0.0


@pytest.mark.parametrize("engine", ["jit", "python"])
def test_vehicle_with_an_empty_shift_is_never_used(engine):
    import dataclasses

    # vehicle 0 must end at node 5 within 1 s of leaving node 0: even its empty route is
    # infeasible, so no insertion may ever be offered on it
    from optimizer.problems.vrptw import VrptwProblem

    d = np.abs(np.arange(6.0)[:, None] - np.arange(6.0)[None, :]) * 10
    q = p_svc = np.array([0, 1, 1, 1, 1, 0])
    p = VrptwProblem.homogeneous(travel_time_s=d, distance_m=d, demand=q,
                                 time_window_s=[(0, 1000)] * 6, service_s=p_svc,
                                 n_vehicles=2, capacity=10)
    dead = dataclasses.replace(p.vehicles[0], end_depot=5, shift_s=(0.0, 1.0))
    p = dataclasses.replace(p, vehicles=(dead, *p.vehicles[1:]))
    m = L.build_model(p, [1, 2, 3, 4])
    res = L.sisr_search(m, None, seed=0, max_iterations=100, engine=engine)
    assert res.routes[0] == ()
    assert L.plan_cost(m, res.routes) is not None


def test_rate_benchmark_reports_both_engines():
    from benchmarks.sisr_rate import solomon_rates

    rows = solomon_rates(0.3, ["jit", "python"], ["C101"])
    body = [r for r in rows if r.startswith("| C101")]
    assert [r.split("|")[2].strip() for r in body] == ["jit", "python"]
    assert all(int(r.split("|")[3]) > 0 for r in body)
    assert rows[-1].startswith("Mean iterations/s: jit")


def test_recreate_order_keys_follow_the_windows():
    """Orders 4-6 (narrowest window, earliest start, latest end first) on hand-set windows;
    orders 1-3 unchanged (largest demand, farthest, closest)."""
    from optimizer.problems.vrptw import VrptwProblem

    d = np.abs(np.arange(4.0)[:, None] - np.arange(4.0)[None, :]) * 10
    tw = [(0, 1000), (100, 400), (50, 150), (300, 900)]  # widths 300, 100, 600
    p = VrptwProblem.homogeneous(travel_time_s=d, distance_m=d, demand=np.array([0, 3, 1, 2]),
                                 time_window_s=tw, service_s=np.zeros(4), n_vehicles=2,
                                 capacity=10)
    m = L.build_model(p, [1, 2, 3])
    _, M = _arrays(m)
    cust = [1, 2, 3]  # internal = problem nodes here (one depot first)

    def order(o):
        return sorted(cust, key=lambda c: J._order_key(M, c, o))

    assert order(1) == [1, 3, 2]  # demand 3, 2, 1
    assert order(2) == [3, 2, 1]  # depot distance 30, 20, 10
    assert order(3) == [1, 2, 3]
    assert order(4) == [2, 1, 3]  # width 100, 300, 600
    assert order(5) == [2, 1, 3]  # start 50, 100, 300
    assert order(6) == [3, 1, 2]  # end 900, 400, 150


def test_recreate_orders_are_drawn_with_their_weights():
    """14,000 draws: counts near 4/4/2/1/1/1/1 x 1,000 (binomial sd <= 55; bound 5 sd)."""
    st = J.seed_state(3)
    counts = np.bincount([J._draw_order(st) for _ in range(14_000)], minlength=8)
    assert counts[7] == 0
    expect = np.array(L.ORDER_WEIGHTS) * 1000
    assert np.all(np.abs(counts[:7] - expect) < 280), counts


def test_quality_benchmark_is_reproducible():
    """Same iterations and seed, same lines (work limit only); the C101 line names the seed's
    plan and the last line is the mean of the gaps."""
    from benchmarks.sisr_quality import quality

    a = quality(300, [0], ["C101"])
    assert a == quality(300, [0], ["C101"])
    assert a[0].startswith("C101 ") and a[0].endswith("%)")
    gap = float(a[0].split("(")[1].rstrip("%)"))
    assert a[1].startswith("mean gap ") and a[1].endswith(" %")
    assert abs(float(a[1].split()[2]) - gap) <= 0.005
