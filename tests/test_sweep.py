"""Sweeps (``optimizer sweep``): variants, a real Dask LocalCluster, a real scheduler and two
workers started as separate processes over loopback, the cache, failures, the table and plots.

The sweeps here are connectivity-only (a few seconds a variant: the network, the island links
report); each KPI in the table is compared with a direct :func:`run_scenario` of the same
variant. No timing is asserted; waits are generous (a loaded 2-core CI machine).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from optimizer.cli import main
from optimizer.scenario.run import run_scenario
from optimizer.scenario.schema import load_scenario
from optimizer.scenario.sweep import build_variants, load_sweep, run_sweep
from optimizer.scenario.sweep.execute import flat_kpis

REPO = Path(__file__).resolve().parents[1]
BAD = REPO / "tests" / "data" / "bad" / "sweep"
BASE = REPO / "scenarios" / "putuo-baseline.yaml"

SWEEP = f"""
name: depart
base: {BASE}
overrides:
  dialysis: {{enabled: false}}
  meals: {{enabled: false}}
  connectivity: {{isochrone_minutes: [30, 60]}}
grid:
  connectivity.reachability_depart: ["05:00", "08:00"]
"""
"""Two variants: the island-links report from 沈家门 at 05:00 and at 08:00."""

FAILING = SWEEP.replace('["05:00", "08:00"]', '["05:00", "08:00", "12:00"]') + """
  connectivity.destination_unit: [null, NOPE]
keep_runs: false
"""
"""Six variants: three with an unknown dialysis unit (``null`` = the default, the first active
unit: the same scenario as the cached ones) (they fail when the run loads its data,
after the schema accepted them), three that run (two of them already in the cache); the new
one keeps only its KPIs (``keep_runs: false``)."""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object]:
    """The two-variant sweep on an embedded LocalCluster of two processes."""
    folder = tmp_path_factory.mktemp("sweep")
    spec = _write(folder, "depart.yaml", SWEEP)
    res = run_sweep(spec, folder / "out", workers=2, bar=False)
    return spec, folder / "out", res


def _kpi_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if c.startswith("kpi.")]


def test_variants_are_scenario_overrides(local) -> None:
    spec, _out, _res = local
    variants = build_variants(load_sweep(spec))
    assert [v.scenario.connectivity.reachability_depart for v in variants] == [5 * 3600,
                                                                              8 * 3600]
    assert all(v.scenario.solver.workers == 1 and not v.scenario.meals.enabled
               for v in variants)
    assert [v.label for v in variants] == ["connectivity.reachability_depart=05:00",
                                           "connectivity.reachability_depart=08:00"]


def test_local_cluster_table_equals_direct_runs(local, tmp_path: Path) -> None:
    spec, out, res = local
    table = pd.read_parquet(out / "sweep.parquet")
    assert list(table["variant"]) == [1, 2]
    assert list(table["status"]) == ["ok", "ok"]
    assert list(table["reproducible"]) == [True, True]  # no search in these runs to cut
    assert list(table["connectivity.reachability_depart"]) == ["05:00", "08:00"]
    assert res.stats.ran == 2 and res.stats.cached == 0 and res.stats.failed == 0
    csv = pd.read_csv(out / "sweep.csv", encoding="utf-8-sig")
    assert list(csv.columns) == list(table.columns)
    for v, row in zip(build_variants(load_sweep(spec)), table.to_dict("records")):
        direct = flat_kpis(run_scenario(v.scenario, tmp_path / f"v{v.index}").kpis)
        assert direct, "a run has KPIs"
        for name, value in direct.items():
            got = row[f"kpi.{name}"]
            want = "; ".join(map(str, value)) if isinstance(value, list) else value
            assert got == want or (want is None and pd.isna(got)), name
        run = out / "variants" / row["key"] / "run"
        assert (run / "manifest.json").is_file() and (run / "index.html").is_file()
        assert json.loads((out / "variants" / row["key"] / "result.json").read_text(
            encoding="utf-8"))["status"] == "ok"


def test_rerun_recomputes_nothing(local) -> None:
    spec, out, _res = local
    manifest = next((out / "variants").glob("*/run/manifest.json"))
    before = manifest.stat().st_mtime_ns
    again = run_sweep(spec, out, workers=2, bar=False)
    assert (again.stats.cached, again.stats.ran) == (2, 0)
    assert manifest.stat().st_mtime_ns == before
    pd.testing.assert_frame_equal(again.table, pd.read_parquet(out / "sweep.parquet"))


def test_failing_variant_recorded_others_finish(local, capsys) -> None:
    spec, out, _res = local
    failing = _write(spec.parent, "failing.yaml", FAILING)
    code = main(["sweep", str(failing), "--out", str(out), "--workers", "2"])
    captured = capsys.readouterr()
    assert code == 1
    assert "6 variants: 2 finished before (cached), 4 to run" in captured.err
    table = pd.read_csv(out / "sweep.csv", encoding="utf-8-sig")
    assert list(table["status"]) == ["ok", "failed"] * 3
    assert table["connectivity.destination_unit"].fillna("").tolist() == ["", "NOPE"] * 3
    bad = table[table["status"] == "failed"]
    assert all("NOPE" in e for e in bad["error"])
    for key in bad["key"]:
        err = json.loads((out / "variants" / key / "error.json").read_text(encoding="utf-8"))
        assert "NOPE" in err["error"] and "Traceback" in err["traceback"]
        assert not (out / "variants" / key / "result.json").exists()
    ok = table[table["status"] == "ok"]
    assert ok["kpi.connectivity.islands_named"].tolist() == [14, 14, 14]
    runs = [(out / "variants" / k / "run").is_dir() for k in ok["key"]]
    assert runs == [True, True, False]  # 05:00, 08:00 cached with their runs; 12:00 KPIs only
    assert all((out / "variants" / k / "result.json").is_file() for k in ok["key"])
    assert (out / "sweep.html").is_file()


def test_plots_pick_what_varied(tmp_path: Path) -> None:
    from optimizer.scenario.sweep.results import plot_specs, write_plots

    df = pd.DataFrame({"variant": [1, 2, 3], "status": ["ok", "ok", "failed"],
                       "dialysis.extra_vehicles.car": [0, 1, 2],
                       "kpi.dialysis.trips_served": [90, 105, None],
                       "kpi.dialysis.trips_unserved": [80, 65, None],
                       "date": ["2026-12-01", "2026-12-02", "2026-12-03"],
                       "kpi.connectivity.islands_unreachable": ["悬山岛; 湖泥岛", "", None]})
    specs = plot_specs(df, ["dialysis.extra_vehicles.car", "date"])
    assert [(s.name, s.kind) for s in specs] == [("fleet", "line"), ("calendar", "calendar")]
    assert specs[0].ys == ("kpi.dialysis.trips_served", "kpi.dialysis.trips_unserved")
    files = write_plots(df, ["dialysis.extra_vehicles.car", "date"], tmp_path)
    assert sorted(f.name for f in files) == ["calendar.png", "fleet.png", "sweep.html"]
    html = (tmp_path / "sweep.html").read_text(encoding="utf-8")
    assert html.count("Plotly.newPlot") == 2
    assert "湖泥岛" in html or json.dumps("湖泥岛")[1:-1] in html  # plotly may escape it
    from optimizer.scenario.sweep.results import _calendar

    cal = _calendar(df)
    assert cal.to_dict() == {"2026-12-01": {"悬山岛": 1, "湖泥岛": 1},
                             "2026-12-02": {"悬山岛": 0, "湖泥岛": 0}}


def test_bad_variants_refused_all_at_once(capsys, tmp_path: Path) -> None:
    code = main(["sweep", str(BAD / "bad-variants.yaml"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert "variant 1 (meals.new_sites=-1)" in err and "variant 3 (meals.new_sites=-3)" in err
    assert "variant 2" not in err and "bad-variants.yaml" in err
    assert not (tmp_path / "o").exists()


def test_bad_spec_refused_all_at_once(capsys, tmp_path: Path) -> None:
    code = main(["sweep", str(BAD / "bad-spec.yaml"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert "3 input problem(s)" in err
    assert "unknown key 'vary'" in err
    assert "field 'grid.meals.new_sites'" in err
    assert "vehicle type 'minibus' is not under vehicle_types" in err


def test_ranges_and_seeded_sample(tmp_path: Path) -> None:
    import datetime as dt

    from optimizer.scenario.sweep.spec import _points, expand_values

    f = tmp_path / "s.yaml"
    assert expand_values({"from": 0, "to": 4, "step": 2}, file=f, key="k") == [0, 2, 4]
    assert expand_values({"from": 1.0, "to": 1.2, "step": 0.1}, file=f, key="k") == [1.0, 1.1,
                                                                                     1.2]
    assert expand_values({"from": dt.date(2026, 12, 30), "to": dt.date(2027, 1, 2)}, file=f,
                         key="k")[-1] == dt.date(2027, 1, 2)
    spec = _write(tmp_path, "s.yaml", f"""
base: {BASE}
grid: {{solver.seed: [0, 1]}}
sample: {{n: 3, seed: 7, keys: {{meals.demand_scale: {{uniform: [1.0, 1.2]}},
                                  meals.new_sites: [0, 1, 2, 3]}}}}
""")
    points = _points(load_sweep(spec))
    assert len(points) == 6 and points == _points(load_sweep(spec))
    assert [p["solver.seed"] for p in points] == [0, 0, 0, 1, 1, 1]
    assert all(1.0 <= p["meals.demand_scale"] <= 1.2 for p in points)
    assert points[:3] == [{**p, "solver.seed": 0} for p in points[3:]]


# ----------------------------------------------------------------------------- real cluster
def _wait_for(pred, what: str, procs: list[subprocess.Popen], timeout_s: float = 180.0) -> None:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if pred():
            return
        dead = [p.args for p in procs if p.poll() is not None]
        if dead:
            raise RuntimeError(f"{what}: a process ended early: {dead}")
        time.sleep(0.5)
    raise TimeoutError(f"{what}: not within {timeout_s} s")


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory):
    """A ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1 (same Python, our
    package on PYTHONPATH, started from another folder); yields the scheduler's address."""
    from dask.distributed import Client

    folder = tmp_path_factory.mktemp("dask")
    sched_file = folder / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
    procs: list[subprocess.Popen] = []

    def start(name: str, *args: str) -> None:
        log = open(folder / f"{name}.log", "wb")
        procs.append(subprocess.Popen([sys.executable, "-m", "dask", *args], cwd=folder,
                                      env=env, stdout=log, stderr=subprocess.STDOUT))
    try:
        start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", "0",
              "--no-dashboard", "--scheduler-file", str(sched_file))
        _wait_for(lambda: sched_file.is_file() and sched_file.stat().st_size > 0,
                  "scheduler file", procs)
        time.sleep(0.5)  # the file is written whole by then; read it once more to be sure
        address = json.loads(sched_file.read_text())["address"]
        for i in (1, 2):
            start(f"worker{i}", "worker", address, "--nthreads", "1", "--nworkers", "1",
                  "--no-dashboard", "--memory-limit", "0", "--local-directory", str(folder))
        with Client(address, timeout="120s") as client:
            client.wait_for_workers(2, timeout=180)
            import optimizer

            where = client.run(lambda: __import__("optimizer").__file__)
            assert set(where.values()) == {optimizer.__file__}
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=30)


def test_scheduler_and_two_workers_same_results(local, scheduler, capsys) -> None:
    spec, out, _res = local
    remote = spec.parent / "remote"
    code = main(["sweep", str(spec), "--out", str(remote), "--scheduler", scheduler])
    err = capsys.readouterr().err
    assert code == 0, err
    assert f"dask: scheduler {scheduler}" in err
    a = pd.read_parquet(out / "sweep.parquet").iloc[:0]  # columns of the local sweep
    here = pd.read_parquet(remote / "sweep.parquet")
    there = run_sweep(spec, out, bar=False).table  # the local two variants (cached)
    cols = ["variant", "key", "status", "connectivity.reachability_depart", *_kpi_columns(a)]
    pd.testing.assert_frame_equal(here[cols], there[cols])
    assert len(here) == 2 and list(here["status"]) == ["ok", "ok"]


def test_example_sweeps_are_valid() -> None:
    import datetime as dt

    sweeps = REPO / "scenarios" / "sweeps"
    fleet = build_variants(load_sweep(sweeps / "fleet.yaml"))
    assert [v.params["dialysis.extra_vehicles.wheelchair_car"] for v in fleet] == [0, 1, 2, 3, 4]
    third = fleet[2].scenario
    assert [x.vehicle_id for x in third.dialysis.extra_vehicles] == ["wheelchair_car-1",
                                                                    "wheelchair_car-2"]
    assert {(x.seats, x.wheelchair_places, x.shift_start) for x in
            third.dialysis.extra_vehicles} == {(3, 1, 6 * 3600 + 1800)}
    assert (third.solver.time_limit_s, third.solver.workers, third.meals.enabled) == (2, 1, False)
    assert third.solver.wall_clock_cap_s == 120  # work limits decide, even on a busy machine
    canteens = build_variants(load_sweep(sweeps / "canteens.yaml"))
    assert [v.scenario.meals.new_sites for v in canteens] == [0, 1, 2, 3, 4]
    dates = build_variants(load_sweep(sweeps / "dates.yaml"))
    assert [v.scenario.date for v in dates] == [dt.date(2026, 12, d) for d in range(1, 15)]
    assert load_sweep(sweeps / "dates.yaml").keep_runs is False


def test_sweep_page_renders_offline_in_a_browser(tmp_path: Path) -> None:
    import importlib.util

    from optimizer.outputs.browser import check_page, find_chromium
    from optimizer.scenario.sweep.results import write_plots

    if (find_chromium() is None or importlib.util.find_spec("playwright") is None) and \
            not os.environ.get("CI"):
        pytest.skip("Debian chromium or the playwright package is missing (required when CI "
                    "is set)")
    df = pd.DataFrame({"variant": [1, 2], "status": ["ok", "ok"], "meals.new_sites": [0, 2],
                       "kpi.meals.covered_pct": [88.5, 88.5],
                       "kpi.meals.covered_pct_after_siting": [88.5, 92.6]})
    write_plots(df, ["meals.new_sites"], tmp_path)
    report = check_page(tmp_path / "sweep.html", measure=(".js-plotly-plot",), timeout_s=120)
    assert list(report.js_errors) == [] and list(report.blocked_requests) == []  # plotly embedded
    box = report.boxes[".js-plotly-plot"]
    assert box is not None and box[2] > 300 and box[3] > 300  # drawn, 420 px high


def test_unreachable_scheduler_is_bad_input(tmp_path: Path, monkeypatch, capsys) -> None:
    import importlib

    monkeypatch.setattr(importlib.import_module("optimizer.scenario.sweep.execute"),
                        "CONNECT_TIMEOUT_S", 3)
    spec = _write(tmp_path, "depart.yaml", SWEEP)
    code = main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--scheduler",
                 "tcp://127.0.0.1:1"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:1" in err
    assert not list((tmp_path / "o").glob("variants/*"))
