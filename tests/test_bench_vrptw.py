"""Solomon / Li & Lim readers, best-known solutions re-evaluated, quick benchmark runs."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from benchmarks import run_pdptw, run_vrptw
from benchmarks.readers import (
    read_bks,
    read_lilim,
    read_lilim_solution,
    read_solomon,
    read_solomon_solution,
)
from optimizer.errors import InputError
from optimizer.problems.vrptw import evaluate_route
from optimizer.solvers.checker import route_schedule

DATA = Path(__file__).parent / "data"
SOLOMON = DATA / "solomon"
LILIM = DATA / "lilim"


def test_read_solomon_fields():
    p = read_solomon(SOLOMON / "R101.vrp")
    assert p.n_nodes == 101 and len(p.customers) == 100
    assert len(p.vehicles) == 25 and p.vehicles[0].capacity == 200
    assert p.vehicles[0].shift_s == (0.0, 230.0)  # depot window = horizon
    # VRPLIB node 2 = customer 1 at (41, 49), demand 10, window [161, 171], service 10
    assert p.demand[1] == 10 and tuple(p.time_window_s[1]) == (161.0, 171.0)
    assert p.service_s[1] == 10.0 and p.service_s[0] == 0.0
    # depot (35, 35) -> (41, 49): sqrt(232) = 15.2315 -> truncated 15.2
    assert p.distance_m[0, 1] == 15.2
    assert read_solomon(SOLOMON / "R101.vrp", distances="exact").distance_m[0, 1] == (
        pytest.approx(232 ** 0.5))


@pytest.mark.parametrize("name", run_vrptw.ALL_INSTANCES)
def test_solomon_optimal_solutions_reevaluate_to_bks(name):
    p = read_solomon(SOLOMON / f"{name}.vrp")
    routes, stated = read_solomon_solution(SOLOMON / f"{name}.sol")
    bks = read_bks(SOLOMON / "BKS_dimacs.csv")[name]
    total = 0.0
    for k, seq in enumerate(routes):
        ev = evaluate_route(p, k, seq)
        assert ev.feasible, ev.violations
        total += ev.distance_m
    assert sorted(c for r in routes for c in r) == list(p.customers)
    assert total == pytest.approx(stated, abs=1e-6) == bks.cost
    assert len(routes) == bks.vehicles


def test_read_solomon_reports_file_and_row(tmp_path):
    bad = tmp_path / "bad.vrp"
    # line 11 of R101.vrp is "3 35 17" (VRPLIB node 3 coordinates)
    bad.write_text((SOLOMON / "R101.vrp").read_text().replace("\n3 35 17\n", "\n3 35 x\n", 1))
    with pytest.raises(InputError) as exc:
        read_solomon(bad)
    assert exc.value.file == str(bad) and exc.value.row == 11


@pytest.mark.parametrize("name", run_pdptw.ALL_INSTANCES)
def test_lilim_bks_solutions_reevaluate(name):
    p = read_lilim(LILIM / f"{name}.txt")
    bks = read_bks(LILIM / "BKS.csv")[name]
    (sol,) = (LILIM / "bks_solutions").glob(f"{name}.*.txt")
    routes = read_lilim_solution(sol)
    assert len(routes) == bks.vehicles
    req_of = {}
    for i, r in enumerate(p.requests):
        req_of[r.pickup_node] = (i, True)
        req_of[r.delivery_node] = (i, False)
    total = 0.0
    for k, seq in enumerate(routes):
        events = [req_of[x] for x in seq]
        assert route_schedule(p, k, events) is not None
        load = 0
        for i, is_pick in events:
            load += p.requests[i].seats if is_pick else -p.requests[i].seats
            assert 0 <= load <= p.vehicles[k].seats
        path = [0, *seq, 0]
        total += sum(p.cost[a, b] for a, b in itertools.pairwise(path))
    assert sorted(x for r in routes for x in r) == list(range(1, 2 * len(p.requests) + 1))
    assert total == pytest.approx(bks.cost, abs=1e-3)


def test_vrptw_quick_benchmark_feasible_and_sane():
    solvers = ("ours", "plain") + (("pyvrp",) if run_vrptw.have_pyvrp() else ())
    rows = run_vrptw.run(list(run_vrptw.QUICK_INSTANCES), [2.0], solvers=solvers)
    assert [r.instance for r in rows] == list(run_vrptw.QUICK_INSTANCES)
    for row in rows:
        (ours,) = row.runs["ours"]
        assert ours.feasible, ours.note
        _cost, _, gap = row.median("ours")
        assert gap < 10.0
        for runs in row.runs.values():
            for r in runs:  # BKS_dimacs are proven optima: nothing feasible goes below
                if r.feasible:
                    assert r.cost >= row.bks_cost - 1e-6
        if "pyvrp" in row.runs:
            assert row.runs["pyvrp"][0].feasible
    table = run_vrptw.format_table(rows)
    assert table.splitlines()[0].startswith("| instance | limit s | BKS (dimacs) | ours cost")
    assert "| C101 | 2 | 827.3 / 10 |" in table
    assert "Mean gap to BKS_dimacs" in table


def test_vrptw_cli_quick_ours_only(capsys):
    assert run_vrptw.main(["--quick", "--solvers", "ours"]) == 0
    out = capsys.readouterr().out
    assert "| R101 | 2 | 1637.7 / 20 |" in out
    assert run_vrptw.main(["--instances", "X999", "--time-limit", "1"]) == 2


def test_pdptw_quick_benchmark():
    rows = run_pdptw.run(["lc101"], [2.0], solvers=("ours",))
    (ours,) = rows[0].runs["ours"]
    assert ours.feasible, ours.note
    assert rows[0].median("ours")[2] < 10.0
    assert "| lc101 | 2 | 828.94 / 10 |" in run_pdptw.format_table(rows)


BAD_LILIM = DATA / "bad" / "lilim"
SHARED_LILIM = next((d / "shared" / "benchmarks" / "lilim" for d in Path(__file__).resolve().parents
                     if (d / "shared" / "benchmarks" / "lilim").is_dir()), None)
"""The shared benchmark folder: ``../shared`` beside the clone (CI), or beside a worktree's
parent folders; ``None`` when absent (then the test fails under CI and skips elsewhere)."""


def test_lilim_speed_zero_reads_as_speed_one():
    """Ten published files (lc104, lr107, ...) have speed 0 in the header; their best-known
    solutions use speed 1, so 0 is read as 1: the same instance as with speed 1."""
    zero, one = read_lilim(BAD_LILIM / "lc101-speed0.txt"), read_lilim(LILIM / "lc101.txt")
    assert (zero.travel_time_s == one.travel_time_s).all()
    assert zero.requests == one.requests and zero.vehicles == one.vehicles
    # depot (40, 50) -> node 1 (45, 68): sqrt(25 + 324) at speed 1
    assert zero.travel_time_s[0, 1] == pytest.approx(349 ** 0.5)


def test_lilim_other_speeds_are_refused():
    with pytest.raises(InputError) as exc:
        read_lilim(BAD_LILIM / "lc101-speed2.txt")
    assert exc.value.row == 1 and exc.value.field == "speed" and "speed 2.0" in str(exc.value)


def test_every_shared_lilim_file_reads():
    """Every Li & Lim file of the shared benchmark folder reads (the public subset has lc101 and
    lr201; the full set of 56, where present, includes the speed-0 files)."""
    if SHARED_LILIM is None:
        assert not os.environ.get("CI"), "CI runs with ../shared beside the clone"
        pytest.skip("no shared/benchmarks/lilim folder above the repository")
    files = sorted(p for p in SHARED_LILIM.glob("*.txt"))
    assert files
    for f in files:
        p = read_lilim(f)
        header = f.read_text().split()
        assert len(p.vehicles) == int(header[0]) and p.vehicles[0].seats == int(header[1])
        assert 2 * len(p.requests) + 1 == p.n_nodes
