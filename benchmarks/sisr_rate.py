"""SISR iterations per second: the compiled and the Python engine, and the lunch rounds.

Usage::

    python -m benchmarks.sisr_rate                      # Solomon, both engines, 3 s each
    python -m benchmarks.sisr_rate --seconds 9 --engines jit
    python -m benchmarks.sisr_rate --scenario scenarios/putuo-elderly-x10.yaml --out /tmp/x10

Solomon mode: :func:`optimizer.solvers.vrptw_lns.sisr_search` alone (time limit, seed 0, from
our construction) on each instance, DIMACS distances; prints iterations, iterations per second
and the gap to ``BKS_dimacs.csv``. Scenario mode: runs the scenario with the CLI (meals only:
the dialysis and visits services are switched off) with every ``sisr_search`` call timed, and
prints per lunch round the stops, vehicles, iterations, seconds and rate, then each round's
search record (work limit, wall time against its cap) and the meals KPIs. Rates depend on the
machine's load: compare engines in the same run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.readers import read_bks, read_solomon, solomon_scale
from optimizer.solvers import vrptw_lns as L

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "solomon"
INSTANCES = ("C101", "C201", "R101", "R201", "RC101", "RC201")


def solomon_rates(seconds: float, engines: list[str], instances: list[str]) -> list[str]:
    """Markdown rows: instance, engine, iterations, iterations/s, gap %."""
    bks = read_bks(DATA / "BKS_dimacs.csv")
    sc = solomon_scale("dimacs")
    rows = ["| instance | engine | iterations | iterations/s | gap % |", "|---|---|---|---|---|"]
    for e in engines:
        L.warm_up(e)
    per: dict[str, list[float]] = {e: [] for e in engines}
    for name in instances:
        p = read_solomon(DATA / f"{name}.vrp", distances="dimacs")
        m = L.build_model(p, list(p.customers), distance_scale=sc, time_scale=sc)
        start = L.construct(m, seed=0).routes
        for e in engines:
            t = time.perf_counter()
            r = L.sisr_search(m, start, seed=0, time_limit_s=seconds, engine=e)
            rate = r.iterations / (time.perf_counter() - t)
            per[e].append(rate)
            gap = 100.0 * (r.cost / sc / bks[name].cost - 1.0)
            rows.append(f"| {name} | {e} | {r.iterations} | {rate:,.0f} | {gap:.2f} |")
    rows.append("")
    rows.append("Mean iterations/s: " + "; ".join(
        f"{e} {statistics.mean(v):,.0f}" for e, v in per.items()))
    return rows


def scenario_rates(scenario: Path, out: Path) -> list[str]:
    """Run ``scenario`` (meals only) with ``sisr_search`` timed; report lines."""
    from optimizer.cli import main as cli

    orig = L.sisr_search
    rec: list[tuple[int, int, int, float]] = []

    def timed(model, *a, **k):
        L.warm_up()
        t = time.perf_counter()
        r = orig(model, *a, **k)
        rec.append((len(model.nodes) - model.n_depots, model.n_vehicles, r.iterations,
                    time.perf_counter() - t))
        return r

    with tempfile.TemporaryDirectory() as tmp:
        sc = Path(tmp) / "meals-only.yaml"
        sc.write_text(f"base: {scenario.resolve()}\nname: {scenario.stem}-meals-only\n"
                      "dialysis:\n  enabled: false\nvisits:\n  enabled: false\n",
                      encoding="utf-8")
        L.sisr_search = timed
        try:
            t = time.perf_counter()
            code = cli(["run", str(sc), "--out", str(out)])
            wall = time.perf_counter() - t
        finally:
            L.sisr_search = orig
    lines = [f"exit code {code}, wall {wall:.1f} s"]
    for n, k, it, s in rec:
        lines.append(f"round: {n} stops, {k} vehicles, {it} iterations, {s:.3f} s, "
                     f"{it / max(s, 1e-9):,.0f}/s")
    if rec:
        it, s = sum(r[2] for r in rec), sum(r[3] for r in rec)
        lines.append(f"all rounds: {it} iterations in {s:.2f} s = {it / max(s, 1e-9):,.0f}/s")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    lines += [f"{r['name']}: {r['work_done']} ({r['stopped_by']}), {r['runtime_s']} s of "
              f"cap {r['wall_clock_cap_s']} s" for r in _records(manifest)
              if "meals rounds" in str(r.get("name"))]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    lines.append(json.dumps(summary["kpis"]["meals"], ensure_ascii=False))
    return lines


def _records(obj) -> list[dict]:
    if isinstance(obj, dict):
        found = [obj] if "work_done" in obj else []
        return found + [r for v in obj.values() for r in _records(v)]
    if isinstance(obj, list):
        return [r for v in obj for r in _records(v)]
    return []


def main(argv: list[str] | None = None) -> int:
    """Print the rate table (Solomon) or the lunch-round report (``--scenario``)."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.sisr_rate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--engines", nargs="+", default=list(L.ENGINES), choices=L.ENGINES)
    ap.add_argument("--instances", nargs="+", default=list(INSTANCES))
    ap.add_argument("--scenario", type=Path)
    ap.add_argument("--out", type=Path, help="with --scenario: the run folder")
    args = ap.parse_args(argv)
    if args.scenario is not None:
        if args.out is None:
            ap.error("--scenario needs --out")
        print("\n".join(scenario_rates(args.scenario, args.out)))
    else:
        print("\n".join(solomon_rates(args.seconds, args.engines, args.instances)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
