"""Cordeau (2006) DARP benchmark: our solver against a plain textbook OR-Tools model.

Usage::

    python -m benchmarks.run_darp --instances a2-16 a5-40 a8-96 --time-limit 10 30 --repeats 3
    python -m benchmarks.run_darp --instances a2-16 a5-40 a8-96 --time-limit 10 --deterministic

For each instance and time limit both solvers run ``--repeats`` times (seeds 0, 1, ...), every
plan is re-checked by :func:`optimizer.solvers.checker.check_darp`, and a Markdown table is
printed (the table that goes into ``BENCHMARKS.md``, preceded by the command line and the
OR-Tools version): instance, time limit, BKS, our median cost and gap, plain median cost and gap,
feasibility (runs checker-clean with every request served, ours / plain) and the most routes used
/ fleet size. Runs under a time limit depend on machine load: quote medians, and re-run on a
quiet machine before publishing.

"Ours" is :func:`optimizer.solvers.ortools_routing.solve_darp` with its defaults (construction
portfolio, our ruin-and-recreate search, OR-Tools guided local search) and ``--workers`` (default
2) independent ruin-and-recreate searches on separate cores, the best kept; the plain model is
single-threaded by construction (OR-Tools routing search uses one core). "Plain" is the textbook
OR-Tools model (``strategy="plain"``): PATH_CHEAPEST_ARC + guided local search, windows
tightened, requests droppable, ride time as cumul constraints *and* as the dimension's
pickup-to-delivery limit. Without that limit OR-Tools 9.15 finds no plan at all, not even for
a2-16: the first-solution filters do not see a ride time given only as a constraint, every
construction is rejected when committed, and the fallback tree search with the same-vehicle
constraint does not finish within the limit.
"""

from __future__ import annotations

import argparse
import math
import shlex
import statistics
import sys
from pathlib import Path

from benchmarks.readers import cordeau_time_scale, read_bks, read_cordeau
from optimizer.solvers.checker import check_darp
from optimizer.solvers.ortools_routing import solve_darp

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "darp"


def run_one(problem, *, strategy: str, time_limit_s: float, seed: int, deterministic: bool,
            solution_limit: int | None, workers: int = 1) -> tuple[float, bool, int]:
    """Solve once; return (cost, feasible and complete, routes used)."""
    res = solve_darp(problem, strategy=strategy, time_limit_s=time_limit_s, seed=seed,
                     deterministic=deterministic, solution_limit=solution_limit,
                     time_scale=cordeau_time_scale(), cost_scale=1000, workers=workers)
    ok = not check_darp(problem, res) and not res.unserved
    return res.objective, ok, len(res.routes)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the Markdown table; exit code 0, or 2 on bad input."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run_darp", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instances", nargs="+", default=["a2-16", "a5-40", "a8-96"])
    ap.add_argument("--time-limit", nargs="+", type=float, default=[10.0, 30.0],
                    help="time limits in seconds (one table row per instance and limit)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--deterministic", action="store_true",
                    help="work mode: every phase stops on work limits derived from the time "
                         "limit (reproducible), the wall clock only as a safety cap")
    ap.add_argument("--solution-limit", type=int, default=None,
                    help="work mode: guided-local-search solutions (default: derived from the "
                         "time limit)")
    ap.add_argument("--skip-plain", action="store_true", help="run only our solver")
    ap.add_argument("--workers", type=int, default=2,
                    help="our solver's parallel searches (default 2: both cores of the "
                         "reference machine); repeat r uses seeds r*workers .. r*workers+workers-1")
    args = ap.parse_args(argv)
    bks_path = args.data_dir / "BKS.csv"
    if not bks_path.exists():
        print(f"error: {bks_path} not found (expects BKS.csv next to the instances)",
              file=sys.stderr)
        return 2
    bks = read_bks(bks_path)
    import ortools

    cmd = "python -m benchmarks.run_darp " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    mode = ("work limits" + (f", {args.solution_limit} GLS solutions"
                             if args.solution_limit else "") if args.deterministic
            else "wall-time limit")
    print(f"Command: `{cmd.strip()}` (OR-Tools {ortools.__version__}, {mode}, "
          f"median of {args.repeats} run(s); ours: {args.workers} parallel search(es))")
    print()
    print("| instance | limit s | BKS | ours (median) | gap % | plain (median) | plain gap % "
          "| feasible ours/plain | routes / K |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.instances:
        path = args.data_dir / f"{name}.txt"
        if not path.exists() or name not in bks:
            print(f"error: {path} or its BKS entry is missing", file=sys.stderr)
            return 2
        problem = read_cordeau(path)
        ref = bks[name]
        for tl in args.time_limit:
            rows = {}
            for strategy in ("portfolio",) + (() if args.skip_plain else ("plain",)):
                w = args.workers if strategy == "portfolio" else 1
                runs = [run_one(problem, strategy=strategy, time_limit_s=tl, seed=s * w,
                                deterministic=args.deterministic,
                                solution_limit=args.solution_limit, workers=w)
                        for s in range(args.repeats)]
                ok = [r for r in runs if r[1]]
                med = statistics.median(r[0] for r in ok) if ok else float("nan")
                rows[strategy] = (med, len(ok), max((r[2] for r in runs), default=0))
            ours = rows["portfolio"]
            plain = rows.get("plain", (float("nan"), 0, 0))

            def gap(c: float, best: float = ref.cost) -> str:
                return "n/a" if math.isnan(c) else f"{round(100 * (c / best - 1), 2) + 0.0:.2f}"

            def cost(c: float) -> str:
                return "no complete plan" if math.isnan(c) else f"{c:.2f}"

            print(f"| {name} | {tl:g} | {ref.cost:.2f} | {cost(ours[0])} | {gap(ours[0])} | "
                  f"{cost(plain[0])} | {gap(plain[0])} | {ours[1]}/{args.repeats} · "
                  f"{plain[1]}/{args.repeats if not args.skip_plain else 0} | "
                  f"{ours[2]} / {ref.vehicles} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
