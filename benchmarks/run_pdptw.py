"""Li & Lim PDPTW benchmark: our DARP core against the plain textbook OR-Tools PDPTW model.

Usage::

    python -m benchmarks.run_pdptw --instances lc101 lr201 --time-limit 10 30 --repeats 3
    python -m benchmarks.run_pdptw --quick          # lc101, 2 s, one run (smoke test)

A Li & Lim instance is a dial-a-ride problem without ride-time limit
(:func:`benchmarks.readers.read_lilim`): each pickup-delivery pair is a request whose load is
the pickup's demand, K vehicles of capacity Q. Both solvers are
:func:`optimizer.solvers.ortools_routing.solve_darp` - ``ours`` with the portfolio search,
``plain`` with PATH_CHEAPEST_ARC + guided local search (the textbook OR-Tools PDPTW; the
anchor: PyVRP has no pickup-and-delivery constraints). Every plan is re-checked by
:func:`optimizer.solvers.checker.check_darp`; a run counts as feasible only when checker-clean
with every request served.

Reference: SINTEF ``BKS.csv`` - hierarchical (fewest vehicles first, then distance),
double-precision distances. Our solvers minimise distance only, so they may use more vehicles
and then legitimately come out *below* the BKS distance; the table therefore shows the
vehicles next to the distance gap. Runs under a time limit depend on machine load.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from benchmarks.readers import lilim_time_scale, read_bks, read_lilim
from benchmarks.run_vrptw import Row, Run  # the same table rows and runs as the VRPTW runner
from optimizer.problems.darp import DarpProblem
from optimizer.solvers.checker import check_darp
from optimizer.solvers.ortools_routing import solve_darp

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "lilim"
ALL_INSTANCES = ("lc101", "lr201")
QUICK_INSTANCES = ("lc101",)
SOLVERS = ("ours", "plain")


def solve_once(solver: str, problem: DarpProblem, *, time_limit_s: float, seed: int) -> Run:
    """One run of ``solver`` (``"ours"`` = portfolio, ``"plain"`` = textbook) with checking."""
    strategy = {"ours": "portfolio", "plain": "plain"}[solver]
    res = solve_darp(problem, strategy=strategy, time_limit_s=time_limit_s, seed=seed,
                     time_scale=lilim_time_scale(), cost_scale=1000)
    errors = check_darp(problem, res)
    note = "; ".join(errors[:2]) if errors else (
        f"{len(res.unserved)} unserved" if res.unserved else "")
    used = sum(1 for r in res.routes if len(r.stops) > 2)
    return Run(res.objective, used, not errors and not res.unserved, note)


def run(instances: list[str], time_limits: list[float], *, repeats: int = 1,
        data_dir: Path = DEFAULT_DIR, solvers: tuple[str, ...] = SOLVERS) -> list[Row]:
    """Run the benchmark and return the rows.

    Raises
    ------
    FileNotFoundError
        If an instance or ``BKS.csv`` is missing in ``data_dir``.
    """
    bks = read_bks(data_dir / "BKS.csv")
    rows = []
    for name in instances:
        path = data_dir / f"{name}.txt"
        if not path.exists() or name not in bks:
            raise FileNotFoundError(f"{path} or its BKS.csv entry is missing")
        problem = read_lilim(path)
        for tl in time_limits:
            runs = {s: [solve_once(s, problem, time_limit_s=tl, seed=seed)
                        for seed in range(repeats)] for s in solvers}
            rows.append(Row(name, tl, bks[name].cost, bks[name].vehicles, runs))
    return rows


def format_table(rows: list[Row]) -> str:
    """Markdown table: instance, limit, BKS distance / vehicles, per solver median distance,
    vehicles and distance gap %, feasible runs per solver."""
    solvers = [s for s in SOLVERS if any(s in r.runs for r in rows)]
    cols = ["instance", "limit s", "BKS (SINTEF, veh first)"]
    for s in solvers:
        cols += [f"{s} cost", f"{s} veh", f"{s} gap %"]
    cols.append("feasible " + "/".join(solvers))
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]

    def num(x: float, fmt: str) -> str:
        return "no complete plan" if math.isnan(x) else format(x, fmt)

    for r in rows:
        cells = [r.instance, f"{r.time_limit_s:g}", f"{r.bks_cost:.2f} / {r.bks_vehicles}"]
        for s in solvers:
            c, v, g = r.median(s)
            cells += [num(c, ".2f"), num(v, "g"), num(g, ".2f")]
        cells.append(" · ".join(f"{sum(x.feasible for x in r.runs.get(s, []))}/"
                                f"{len(r.runs.get(s, []))}" for s in solvers))
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the Markdown table; exit code 0, or 2 on bad input."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run_pdptw", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instances", nargs="+", default=list(ALL_INSTANCES))
    ap.add_argument("--time-limit", nargs="+", type=float, default=[10.0, 30.0])
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--solvers", nargs="+", default=list(SOLVERS), choices=SOLVERS)
    ap.add_argument("--quick", action="store_true", help="smoke test: lc101, 2 s, one run")
    args = ap.parse_args(argv)
    instances, limits, repeats = args.instances, args.time_limit, args.repeats
    if args.quick:
        instances, limits, repeats = list(QUICK_INSTANCES), [2.0], 1
    try:
        rows = run(instances, limits, repeats=repeats, data_dir=args.data_dir,
                   solvers=tuple(args.solvers))
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
