"""SISR plan quality at a fixed number of iterations (load-independent, reproducible).

Usage::

    python -m benchmarks.sisr_quality                            # 120,000 iterations, seeds 0-2
    python -m benchmarks.sisr_quality --iterations 600000 --restarts 2 --instances R201 RC101

:func:`optimizer.solvers.vrptw_lns.sisr_search` alone (compiled engine, default parameters)
from our construction on each Solomon instance, DIMACS distances, ``--iterations`` split into
``--restarts`` consecutive searches (each from the previous best, seed ``seed + 100 x r``);
prints per instance and seed the cost, the vehicles and the gap to ``BKS_dimacs.csv``, then
the mean gap. The iteration count, not the clock, ends every search, so the numbers do not
depend on the machine's load (the time limit of 10 minutes per search is only a safety cap).
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from benchmarks.readers import read_bks, read_solomon, solomon_scale
from optimizer.solvers import vrptw_lns as L

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "solomon"
INSTANCES = ("C101", "C201", "R101", "R201", "RC101", "RC201")


def quality(iterations: int, seeds: list[int], instances: list[str],
            restarts: int = 1) -> list[str]:
    """Lines ``name cost/vehicles(gap %) ...`` per instance, then ``mean gap X %``."""
    bks = read_bks(DATA / "BKS_dimacs.csv")
    sc = solomon_scale("dimacs")
    L.warm_up()
    gaps: list[float] = []
    lines = []
    for name in instances:
        p = read_solomon(DATA / f"{name}.vrp", distances="dimacs")
        m = L.build_model(p, list(p.customers), distance_scale=sc, time_scale=sc)
        start = L.construct(m, seed=0).routes
        row = []
        for s in seeds:
            routes = start
            for r in range(restarts):
                res = L.sisr_search(m, routes, seed=s + 100 * r, time_limit_s=600.0,
                                    max_iterations=max(1, iterations // restarts))
                routes = res.routes
            gap = 100.0 * (res.cost / sc / bks[name].cost - 1.0)
            gaps.append(gap)
            row.append(f"{res.cost / sc:.1f}/{sum(1 for x in res.routes if x)}({gap:.2f}%)")
        lines.append(f"{name} " + " ".join(row))
    lines.append(f"mean gap {statistics.mean(gaps):.3f} %")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=120_000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--instances", nargs="+", default=list(INSTANCES))
    ap.add_argument("--restarts", type=int, default=1)
    a = ap.parse_args(argv)
    for line in quality(a.iterations, a.seeds, a.instances, a.restarts):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
