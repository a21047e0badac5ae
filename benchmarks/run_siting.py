"""Siting benchmark: our CP-SAT models against spopt (PuLP + CBC) on the same cost matrix.

Generates seeded random instances with a realistic cost structure, or reads a cost matrix file,
solves MCLP, LSCP and p-median with :mod:`optimizer.solvers.ortools_siting` and with
``spopt.locate`` in the same run, and prints a Markdown table.

Instance generator (synthetic, labelled as such): demand points in Gaussian clusters ("villages",
sd 600 m) over a square of ``--side-m`` metres (default 30 km, about the size of Zhoushan's main
island); candidate sites half near clusters, half uniform; travel time = straight-line distance x
circuity 1.3 / 20 km/h (an e-bike delivery speed), rounded to whole seconds; weights (elderly
residents) uniform integers 1-30. The 1.3 detour factor is the usual road-circuity figure
(Ballou et al. 2002, "Selected country circuity factors for road travel distance estimation",
Transportation Research A 36(9)).

Cost matrix file (``--npz``): ``values`` (n_demand, n_sites) seconds, ``inf`` = unreachable;
optional ``weights`` (n_demand,), ``existing`` (n_sites,) bool, ``demand_ids``, ``site_ids``.

Examples
--------
::

    .venv/bin/python benchmarks/run_siting.py --sizes 1000x100,10000x500 --p 10
    .venv/bin/python benchmarks/run_siting.py --npz putuo_matrix.npz --p 5 --radius-s 900

Figures depend on the machine and its load; the command line is printed with the table so that
``BENCHMARKS.md`` can reproduce them.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optimizer.problems.coverage import CostMatrix, SitingProblem  # noqa: E402
from optimizer.solvers.ortools_siting import (  # noqa: E402
    solve_lscp,
    solve_mclp,
    solve_pmedian,
)

CIRCUITY = 1.3
"""Road distance / straight-line distance (Ballou et al. 2002)."""
SPEED_KPH = 20.0
"""E-bike delivery speed, km/h (assumption for the synthetic instance)."""


def make_instance(n_demand: int, n_sites: int, *, seed: int, side_m: float = 30_000.0
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Seeded synthetic instance: travel times (n_demand, n_sites) in whole seconds, weights."""
    rng = np.random.default_rng(seed)
    n_clusters = max(1, n_demand // 40)
    centres = rng.uniform(0, side_m, (n_clusters, 2))
    lab = rng.integers(0, n_clusters, n_demand)
    dem = np.clip(centres[lab] + rng.normal(0, 600.0, (n_demand, 2)), 0, side_m)
    n_near = n_sites // 2
    near = np.clip(centres[rng.integers(0, n_clusters, n_near)] + rng.normal(0, 800.0, (n_near, 2)),
                   0, side_m)
    sites = np.vstack([near, rng.uniform(0, side_m, (n_sites - n_near, 2))])
    dist = np.sqrt(((dem[:, None, :] - sites[None, :, :]) ** 2).sum(axis=2))
    times = np.rint(dist * CIRCUITY / (SPEED_KPH / 3.6))
    weights = rng.integers(1, 31, n_demand).astype(float)
    return times, weights


def _spopt_run(model: str, times: np.ndarray, weights: np.ndarray, existing: np.ndarray, *,
               p: int, radius_s: float, time_limit_s: float) -> tuple[float, float, str]:
    """Solve with spopt on the same data; returns (seconds, objective, status)."""
    import pulp
    from spopt.locate import LSCP, MCLP, PMedian

    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s)
    n_ex = int(existing.sum())
    pre = existing.astype(int) if n_ex else None
    t0 = time.perf_counter()
    if model == "mclp":
        cm = np.where(np.isfinite(times), times, 1e12)
        m = MCLP.from_cost_matrix(cm, weights, radius_s, p_facilities=p + n_ex,
                                  predefined_facilities_arr=pre)
        m.solve(solver)
        obj = float(pulp.value(m.problem.objective))
    elif model == "lscp":
        coverable = (times <= radius_s).any(axis=1)
        cm = np.where(np.isfinite(times), times, 1e12)[coverable]
        m = LSCP.from_cost_matrix(cm, radius_s, predefined_facilities_arr=pre)
        m.solve(solver)
        obj = float(pulp.value(m.problem.objective)) - n_ex
    else:
        reach = np.isfinite(times).any(axis=1)
        cm = np.where(np.isfinite(times), times, 1e9)[reach]
        m = PMedian.from_cost_matrix(cm, weights[reach], p_facilities=p + n_ex,
                                     predefined_facilities_arr=pre)
        m.solve(solver)
        obj = float(pulp.value(m.problem.objective))
    return time.perf_counter() - t0, obj, pulp.LpStatus[m.problem.status]


def _warm_up() -> None:
    """Solve a 3 x 2 instance once so that lazy imports (OR-Tools, SciPy) are not timed; spopt's
    and PuLP's imports are likewise done before its clock starts."""
    cm = CostMatrix([[0.0, 500.0], [500.0, 0.0], [100.0, 2000.0]], ["a", "b", "c"], ["s", "t"])
    prob = SitingProblem(cm, [1, 2, 3], service_radius_s=900.0, p=1)
    for f in (solve_mclp, solve_lscp, solve_pmedian):
        f(prob, time_limit_s=10.0)


def run(instances: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]], *, models: list[str],
        p: int, radius_s: float, seed: int, time_limit_s: float, spopt: bool,
        spopt_pmedian_max_pairs: int, spopt_time_limit_s: float | None = None) -> list[str]:
    """Solve every model on every instance; return the Markdown table lines.

    ``spopt_time_limit_s`` caps CBC (default: ``time_limit_s``); a capped run is reported with
    PuLP's status (``Not Solved`` when CBC stopped without a proved optimum).
    """
    _warm_up()
    sp_limit = time_limit_s if spopt_time_limit_s is None else spopt_time_limit_s
    lines = ["| model | size | ours s | ours status / gap | spopt s | spopt objective | "
             "ours objective | equal? | spopt/ours |",
             "|---|---|---|---|---|---|---|---|---|"]
    for label, times, weights, existing in instances:
        nd, ns = times.shape
        cm = CostMatrix(times, [f"d{i}" for i in range(nd)], [f"s{j}" for j in range(ns)])
        prob = SitingProblem(cm, weights, existing=existing, service_radius_s=radius_s, p=p)
        for model in models:
            f = {"mclp": solve_mclp, "lscp": solve_lscp, "pmedian": solve_pmedian}[model]
            t0 = time.perf_counter()
            res = f(prob, time_limit_s=time_limit_s, seed=seed)
            ours_s = time.perf_counter() - t0
            ours_obj = res.objective if res.objective is not None else math.nan
            if not spopt:
                sp = "skipped"
                sp_s = sp_obj = math.nan
            elif model == "pmedian" and nd * ns > spopt_pmedian_max_pairs:
                sp = f"skipped ({nd * ns} assignment variables > {spopt_pmedian_max_pairs})"
                sp_s = sp_obj = math.nan
            else:
                sp_s, sp_obj, sp = _spopt_run(model, times, weights, existing, p=p,
                                              radius_s=radius_s, time_limit_s=sp_limit)
                if sp != "Optimal":
                    sp = f"{sp}, CBC capped at {sp_limit:g} s"

            equal = ("yes" if math.isclose(sp_obj, ours_obj, rel_tol=1e-6, abs_tol=1e-6)
                     else "NO") if not math.isnan(sp_obj) else "-"
            ratio = (f"{'' if sp == 'Optimal' else '> '}{sp_s / ours_s:.1f}x"
                     if not math.isnan(sp_s) else "-")
            gap = f"{res.gap:.2g}" if res.gap is not None else "-"
            sp_txt = f"{sp_obj:g} ({sp})" if not math.isnan(sp_obj) else sp
            sp_t = f"{sp_s:.2f}" if not math.isnan(sp_s) else "-"
            lines.append(f"| {model} | {label} | {ours_s:.2f} | {res.status.value} / {gap} | "
                         f"{sp_t} | {sp_txt} | {ours_obj:g} | {equal} | {ratio} |")
            print(lines[-1], flush=True)
    return lines


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000x100,10000x500",
                    help="comma-separated n_demand x n_sites (default 1000x100,10000x500)")
    ap.add_argument("--npz", type=Path, help="cost matrix file instead of synthetic instances")
    ap.add_argument("--models", default="mclp,lscp,pmedian")
    ap.add_argument("--p", type=int, default=10, help="new sites for MCLP and p-median")
    ap.add_argument("--radius-s", type=float, default=900.0, help="service radius, seconds")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit-s", type=float, default=600.0)
    ap.add_argument("--no-spopt", action="store_true")
    ap.add_argument("--spopt-time-limit", type=float, default=None,
                    help="CBC time limit for spopt, seconds (default: --time-limit-s)")
    ap.add_argument("--spopt-pmedian-max-pairs", type=int, default=2_000_000,
                    help="skip spopt p-median above this many demand x site pairs "
                         "(it builds one PuLP variable per pair)")
    a = ap.parse_args(argv)
    instances = []
    if a.npz:
        z = np.load(a.npz, allow_pickle=False)
        times = np.asarray(z["values"], dtype=float)
        weights = np.asarray(z["weights"], float) if "weights" in z else np.ones(times.shape[0])
        existing = np.asarray(z["existing"], bool) if "existing" in z else \
            np.zeros(times.shape[1], bool)
        instances.append((f"{a.npz.name} {times.shape[0]}x{times.shape[1]}", times, weights,
                          existing))
    else:
        for k, size in enumerate(a.sizes.split(",")):
            nd, ns = (int(x) for x in size.lower().split("x"))
            times, weights = make_instance(nd, ns, seed=a.seed + k)
            instances.append((f"{nd}x{ns}", times, weights, np.zeros(ns, bool)))
    print("command: .venv/bin/python benchmarks/run_siting.py " + " ".join(sys.argv[1:] if argv
                                                                           is None else argv))
    print(f"p={a.p}, radius {a.radius_s:g} s, seed {a.seed} (instance k of --sizes uses seed "
          "+ k); ours = CP-SAT (1 worker, full LP), p-median first Lagrangian bound + "
          "branch-and-bound; spopt = PuLP + CBC; times include model building\n")
    run(instances, models=a.models.split(","), p=a.p, radius_s=a.radius_s, seed=a.seed,
        time_limit_s=a.time_limit_s, spopt=not a.no_spopt,
        spopt_pmedian_max_pairs=a.spopt_pmedian_max_pairs, spopt_time_limit_s=a.spopt_time_limit)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
