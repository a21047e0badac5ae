"""Cordeau (2006) reader and a quick benchmark solve of a2-16 (BKS 294.25)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.readers import cordeau_time_scale, read_bks, read_cordeau
from benchmarks.run_darp import main as run_darp_main
from optimizer.errors import InputError
from optimizer.solvers.checker import check_darp
from optimizer.solvers.ortools_routing import solve_darp

DATA = Path(__file__).parent / "data" / "darp"


def test_reader_a2_16():
    p = read_cordeau(DATA / "a2-16.txt")
    assert p.name == "a2-16" and p.n_nodes == 34
    assert len(p.requests) == 16 and len(p.vehicles) == 2
    v = p.vehicles[0]
    assert (v.seats, v.max_route_duration_s, v.shift_s) == (3, 480 * 60, (0.0, 480 * 60))
    r = p.requests[0]  # node 1: -1.198 -5.164 3 1 0 1440; drop-off is node 17
    assert (r.pickup_node, r.delivery_node, r.seats) == (1, 17, 1)
    assert r.pickup_service_s == 180 and r.max_ride_time_s == 1800
    d = np.hypot(-1.198, -5.164)
    assert p.cost[0, 1] == pytest.approx(d)
    assert p.travel_time_s[0, 1] == pytest.approx(60 * d)
    assert np.allclose(p.cost, p.cost.T)
    assert read_bks(DATA / "BKS.csv")["a2-16"].cost == 294.25


def test_reader_errors(tmp_path):
    f = tmp_path / "bad.txt"
    f.write_text("2 1 480 3 30\n0 0 0 0 0 0 480\n1 1 x 3 1 0 1440\n")
    with pytest.raises(InputError) as e:
        read_cordeau(f)
    assert e.value.file == str(f)
    f.write_text("2 1 480 3 30\n0 0 0 0 0 0 480\n1 1 1 3 -1 0 1440\n2 2 2 3 1 0 100\n"
                 "3 0 0 0 0 0 480\n")
    with pytest.raises(InputError) as e:  # a negative load at a pickup
        read_cordeau(f)
    assert (e.value.row, e.value.field) == (2, "seats")


def test_a2_16_quick_solve_is_feasible_and_close():
    p = read_cordeau(DATA / "a2-16.txt")
    bks = read_bks(DATA / "BKS.csv")["a2-16"].cost
    res = solve_darp(p, time_limit_s=5, seed=0, time_scale=cordeau_time_scale(), cost_scale=1000)
    assert check_darp(p, res) == []
    assert not res.unserved
    assert len(res.routes) <= 2
    assert res.objective >= bks - 0.005  # the optimum (rounded to 2 decimals) cannot be beaten
    assert res.objective <= bks * 1.05


def test_runner_cli_prints_table(capsys):
    rc = run_darp_main(["--instances", "a2-16", "--time-limit", "1", "--repeats", "1",
                        "--skip-plain", "--data-dir", str(DATA)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "| a2-16 | 1 | 294.25 |" in out
    assert run_darp_main(["--data-dir", str(DATA / "missing")]) == 2


def test_plain_anchor_solves_a2_16():
    """The textbook anchor must build a complete plan (it found none before the ride-time limit
    was given to the dimension filters); deterministic, so the figure is reproducible."""
    p = read_cordeau(DATA / "a2-16.txt")
    bks = read_bks(DATA / "BKS.csv")["a2-16"].cost
    res = solve_darp(p, strategy="plain", deterministic=True, solution_limit=50,
                     time_scale=cordeau_time_scale(), cost_scale=1000)
    assert check_darp(p, res) == []
    assert not res.unserved
    assert bks - 0.005 <= res.objective <= bks * 1.05


def test_ours_deterministic_a2_16_reaches_bks():
    p = read_cordeau(DATA / "a2-16.txt")
    bks = read_bks(DATA / "BKS.csv")["a2-16"].cost
    res = solve_darp(p, deterministic=True, solution_limit=20, lns_iterations=200, seed=1,
                     time_scale=cordeau_time_scale(), cost_scale=1000)
    assert check_darp(p, res) == [] and not res.unserved
    assert res.objective == pytest.approx(bks, abs=0.005)


def test_runner_prints_command_line(capsys):
    rc = run_darp_main(["--instances", "a2-16", "--time-limit", "1", "--repeats", "1",
                        "--deterministic", "--solution-limit", "20", "--data-dir", str(DATA)])
    out = capsys.readouterr().out
    assert rc == 0
    assert out.startswith("Command: `python -m benchmarks.run_darp --instances a2-16")
    row = next(ln for ln in out.splitlines() if ln.startswith("| a2-16 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[7] == "1/1 · 1/1"  # ours and the plain anchor both complete and clean
