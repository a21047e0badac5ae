"""Solomon VRPTW benchmark: our solver, a plain textbook OR-Tools model and PyVRP in one run.

Usage::

    python -m benchmarks.run_vrptw --instances C101 C201 R101 R201 RC101 RC201 \\
        --time-limit 10 30 --repeats 3
    python -m benchmarks.run_vrptw --quick          # C101 and R101, 2 s, one run (smoke test)

Convention: DIMACS distances (Euclidean truncated to one decimal, travel time = distance) and
the distance-only objective, so the reference is ``BKS_dimacs.csv`` (proven optima; fleet size
free, 25 vehicles available as in the files). Every plan of every solver - PyVRP's too - is
re-evaluated by our independent checker (:func:`optimizer.problems.vrptw.check_vrptw` /
:func:`~optimizer.problems.vrptw.evaluate_route`) on the same truncated matrix; a run counts
as feasible only when checker-clean with every customer served. The table gives medians over
the feasible runs (cost, vehicles, gap to BKS in %) and feasible runs / runs per solver.
Runs under a time limit depend on machine load: re-run on a quiet machine before publishing.

Solvers: ``ours`` = :func:`optimizer.solvers.ortools_vrptw.solve_vrptw` (portfolio: our SISR
ruin-and-recreate search, then an OR-Tools guided-local-search polish from its best plan, two
such rounds);
``plain`` = the same model with PATH_CHEAPEST_ARC + guided local search and mandatory
customers (the textbook OR-Tools VRPTW); ``pyvrp`` = PyVRP's hybrid genetic search
(``pyvrp.read(path, round_func="dimacs")``, ``MaxRuntime``), optional (``pip install pyvrp``).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

from benchmarks.readers import read_bks, read_solomon, solomon_scale
from optimizer.problems.vrptw import VrptwProblem, check_vrptw, evaluate_route
from optimizer.solvers.ortools_vrptw import solve_vrptw

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "solomon"
ALL_INSTANCES = ("C101", "C201", "R101", "R201", "RC101", "RC201")
QUICK_INSTANCES = ("C101", "R101")
SOLVERS = ("ours", "plain", "pyvrp")


@dataclass(frozen=True)
class Run:
    """One solve: ``cost`` (recomputed distance), ``vehicles`` used, ``feasible`` (checker-clean
    and every customer served), ``note`` (why not, if not)."""

    cost: float
    vehicles: int
    feasible: bool
    note: str = ""


def have_pyvrp() -> bool:
    """Whether the optional ``pyvrp`` package is importable."""
    try:
        import pyvrp  # noqa: F401
    except ImportError:
        return False
    return True


def run_ortools(problem: VrptwProblem, *, strategy: str, time_limit_s: float, seed: int,
                workers: int = 1) -> Run:
    """Solve with our OR-Tools model (``strategy`` ``"portfolio"`` or ``"plain"``) and check."""
    scale = solomon_scale("dimacs")
    res = solve_vrptw(problem, time_limit_s=time_limit_s, seed=seed, strategy=strategy,
                      distance_scale=scale, time_scale=scale, workers=workers)
    errors = check_vrptw(problem, res)
    note = "; ".join(errors[:2]) if errors else (
        f"{len(res.unserved)} unserved" if res.unserved else "")
    return Run(res.distance_m, res.vehicles_used, not errors and not res.unserved, note)


def run_pyvrp(problem: VrptwProblem, path: Path, *, time_limit_s: float, seed: int) -> Run:
    """Solve with PyVRP (DIMACS rounding) and re-check its routes with our evaluator."""
    from pyvrp import Model, read
    from pyvrp.stop import MaxRuntime

    data = read(path, round_func="dimacs")
    res = Model.from_data(data).solve(stop=MaxRuntime(time_limit_s), seed=seed, display=False)
    n_dep = data.num_depots
    routes = []
    for route in res.best.routes():
        if hasattr(route, "visits"):  # PyVRP <= 0.13: location indices
            routes.append([int(x) for x in route.visits()])
        else:  # PyVRP 0.14: scheduled activities; idx = client ordinal
            routes.append([n_dep + int(a.idx) for a in route if _is_client(a)])
    return check_routes(problem, routes, solver_feasible=bool(res.is_feasible()))


def _is_client(activity) -> bool:
    flag = activity.is_client
    return bool(flag() if callable(flag) else flag)


def check_routes(problem: VrptwProblem, routes: list[list[int]], *,
                 solver_feasible: bool = True) -> Run:
    """Evaluate customer sequences (one per vehicle, in fleet order) with our evaluator.

    Feasible when every sequence is feasible on its vehicle, every customer is visited exactly
    once, no more routes than vehicles, and the solver itself reports feasibility.
    """
    notes = []
    if len(routes) > len(problem.vehicles):
        notes.append(f"{len(routes)} routes for {len(problem.vehicles)} vehicles")
    total = 0.0
    seen: list[int] = []
    for k, seq in enumerate(routes):
        ev = evaluate_route(problem, min(k, len(problem.vehicles) - 1), seq)
        total += ev.distance_m
        seen += seq
        notes += list(ev.violations[:1])
    if sorted(seen) != sorted(problem.customers):
        notes.append("customers missing or visited twice")
    if not solver_feasible:
        notes.append("solver reports infeasible")
    used = sum(1 for r in routes if r)
    return Run(total, used, not notes, "; ".join(notes[:2]))


def solve_once(solver: str, problem: VrptwProblem, path: Path, *, time_limit_s: float,
               seed: int, workers: int = 1) -> Run:
    """One run of ``solver`` (``"ours"``, ``"plain"`` or ``"pyvrp"``); ``workers``: our
    parallel searches (repeat ``seed`` uses seeds ``seed * workers`` onwards)."""
    if solver == "ours":
        return run_ortools(problem, strategy="portfolio", time_limit_s=time_limit_s,
                           seed=seed * workers, workers=workers)
    if solver == "plain":
        return run_ortools(problem, strategy="plain", time_limit_s=time_limit_s, seed=seed)
    if solver == "pyvrp":
        return run_pyvrp(problem, path, time_limit_s=time_limit_s, seed=seed)
    raise ValueError(f"unknown solver {solver!r}; expected one of {SOLVERS}")


@dataclass(frozen=True)
class Row:
    """One table row: instance, time limit (s), BKS, and per solver the list of runs."""

    instance: str
    time_limit_s: float
    bks_cost: float
    bks_vehicles: int
    runs: dict[str, list[Run]]

    def median(self, solver: str) -> tuple[float, float, float]:
        """(median cost, median vehicles, median gap %) over feasible runs; NaNs if none."""
        ok = [r for r in self.runs.get(solver, []) if r.feasible]
        if not ok:
            return (math.nan, math.nan, math.nan)
        cost = statistics.median(r.cost for r in ok)
        gap = 100.0 * (cost / self.bks_cost - 1.0)
        # below display precision: 0.00, never "-0.00" (double-precision BKS vs our sums)
        return (cost, statistics.median(r.vehicles for r in ok), 0.0 if abs(gap) < 5e-3 else gap)


def run(instances: list[str], time_limits: list[float], *, repeats: int = 1,
        data_dir: Path = DEFAULT_DIR, solvers: tuple[str, ...] = SOLVERS,
        progress: bool = False, workers: int = 1) -> list[Row]:
    """Run the benchmark and return the rows (see :func:`format_table`).

    Raises
    ------
    FileNotFoundError
        If an instance or ``BKS_dimacs.csv`` is missing in ``data_dir``.
    """
    bks = read_bks(data_dir / "BKS_dimacs.csv")
    rows = []
    for name in instances:
        path = data_dir / f"{name}.vrp"
        if not path.exists() or name not in bks:
            raise FileNotFoundError(f"{path} or its BKS_dimacs.csv entry is missing")
        problem = read_solomon(path, distances="dimacs")
        for tl in time_limits:
            runs = {s: [solve_once(s, problem, path, time_limit_s=tl, seed=seed, workers=workers)
                        for seed in range(repeats)] for s in solvers}
            row = Row(name, tl, bks[name].cost, bks[name].vehicles, runs)
            rows.append(row)
            if progress:
                print(format_table([row], header=not rows[:-1]), file=sys.stderr, flush=True)
    return rows


def format_table(rows: list[Row], *, header: bool = True) -> str:
    """Markdown table: instance, limit, BKS cost/vehicles, per solver median cost, vehicles
    and gap %, then feasible runs per solver; a last line with the mean gap per solver."""
    solvers = [s for s in SOLVERS if any(s in r.runs for r in rows)]
    out = []
    if header:
        cols = ["instance", "limit s", "BKS (dimacs)"]
        for s in solvers:
            cols += [f"{s} cost", f"{s} veh", f"{s} gap %"]
        cols.append("feasible " + "/".join(solvers))
        out.append("| " + " | ".join(cols) + " |")
        out.append("|" + "---|" * len(cols))

    def num(x: float, fmt: str) -> str:
        return "no solution" if math.isnan(x) else format(x, fmt)

    for r in rows:
        cells = [r.instance, f"{r.time_limit_s:g}", f"{r.bks_cost:.1f} / {r.bks_vehicles}"]
        for s in solvers:
            c, v, g = r.median(s)
            cells += [num(c, ".1f"), num(v, "g"), num(g, ".2f")]
        cells.append(" · ".join(f"{sum(x.feasible for x in r.runs.get(s, []))}/"
                                f"{len(r.runs.get(s, []))}" for s in solvers))
        out.append("| " + " | ".join(cells) + " |")
    if header and rows:
        means = []
        for s in solvers:
            gaps = [r.median(s)[2] for r in rows]
            solved = [g for g in gaps if not math.isnan(g)]
            means.append(f"{s}: {statistics.mean(solved):.2f} % mean gap on "
                         f"{len(solved)}/{len(gaps)} rows solved" if solved else f"{s}: none")
        out.append("")
        out.append("Mean gap to BKS_dimacs: " + "; ".join(means))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the Markdown table; exit code 0, or 2 on bad input."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run_vrptw", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instances", nargs="+", default=list(ALL_INSTANCES))
    ap.add_argument("--time-limit", nargs="+", type=float, default=[10.0, 30.0],
                    help="time limits in seconds (one row per instance and limit)")
    ap.add_argument("--repeats", type=int, default=1, help="runs per solver (seeds 0, 1, ...)")
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--solvers", nargs="+", default=list(SOLVERS), choices=SOLVERS)
    ap.add_argument("--quick", action="store_true",
                    help="smoke test: C101 and R101, 2 s, one run")
    ap.add_argument("--workers", type=int, default=2,
                    help="our solver's parallel SISR searches (default 2: both cores of the "
                         "reference machine; PyVRP and the plain model use one)")
    args = ap.parse_args(argv)
    instances, limits, repeats = args.instances, args.time_limit, args.repeats
    if args.quick:
        instances, limits, repeats = list(QUICK_INSTANCES), [2.0], 1
    solvers = tuple(args.solvers)
    if "pyvrp" in solvers and not have_pyvrp():
        print("note: pyvrp is not installed (pip install pyvrp); skipping it", file=sys.stderr)
        solvers = tuple(s for s in solvers if s != "pyvrp")
    try:
        rows = run(instances, limits, repeats=repeats, data_dir=args.data_dir, solvers=solvers,
                   workers=1 if args.quick else args.workers)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
