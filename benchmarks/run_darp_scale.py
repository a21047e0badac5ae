"""The dialysis day plan on scaled datasets (issue 14 item 3): served trips, wall time, limit.

Usage::

    python -m optimizer.synthetic --scale 10 --out /tmp/scale10
    /usr/bin/time -v python -m benchmarks.run_darp_scale /tmp/scale10/scenario.yaml

Loads the scenario's dialysis inputs, builds the day's network once, then times
:func:`optimizer.services.dialysis.plan_dialysis_day` (the dialysis step without writing files)
and prints one Markdown row: patients, vehicles, trips, trips served (share), legs in the model,
the solver's search record (what stopped it), wall time of the step, the search limit
``solver.time_limit_s``, and the checker's violations. Run it under ``/usr/bin/time -v`` for the
peak memory ("Maximum resident set size").
"""

from __future__ import annotations

import argparse
import sys
import time


def main(argv: list[str] | None = None) -> int:
    """Plan the day of each scenario and print a Markdown row each; exit code 0."""
    from optimizer.network import build_network
    from optimizer.scenario.run import data_context
    from optimizer.scenario.schema import load_scenario
    from optimizer.services.base import PlanContext
    from optimizer.services.dialysis import SERVICE

    ap = argparse.ArgumentParser(prog="python -m benchmarks.run_darp_scale", description=__doc__)
    ap.add_argument("scenarios", nargs="+")
    ap.add_argument("--time-limit", type=float, default=None, help="override solver.time_limit_s")
    ap.add_argument("--stop", choices=("work", "time"), default=None,
                    help="override solver.stop (work: reproducible work limits; time: wall clock)")
    ap.add_argument("--decompose-above", type=int, default=None,
                    help="override solver.decompose_above_requests (e.g. 100000: whole solve)")
    a = ap.parse_args(argv)
    print("| scenario | stop | patients | vehicles | trips | served | share | legs | step wall s "
          "| search wall s | limit s | search | violations |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for path in a.scenarios:
        solver = {k: v for k, v in (("time_limit_s", a.time_limit), ("stop", a.stop),
                                    ("decompose_above_requests", a.decompose_above)) if v}
        # the day plan alone: fleet sizing (on in the baseline since issue 12) is timed elsewhere
        over = {"dialysis": {"fleet_sizing": False}, **({"solver": solver} if solver else {})}
        sc = load_scenario(path, overrides=over)
        ctx = data_context(sc)
        inputs = SERVICE.load(sc.dialysis, ctx)
        net = build_network(sc.network, sc.ferries, date=sc.date, dataset=ctx.dataset,
                            name=sc.name)
        t0 = time.perf_counter()
        plan = SERVICE.plan(inputs, sc.dialysis, PlanContext(network=net, solver=sc.solver,
                                                             date=sc.date))
        wall = time.perf_counter() - t0
        k = plan.kpis
        trips, served = int(k["trips"]), int(k["trips_served"])
        legs = len(plan.problem.requests) if plan.problem is not None else 0
        search = "; ".join(f"{s.stopped_by.value}: {s.work_limit}" for s in plan.searches)
        search_s = sum(s.runtime_s for s in plan.searches)
        print(f"| {sc.name} | {sc.solver.stop} | {len(inputs.patients)} | "
              f"{len(inputs.vehicles)} | {trips} | {served} | {served / max(trips, 1):.1%} | "
              f"{legs} | {wall:.1f} | {search_s:.1f} | {sc.solver.time_limit_s:g} | {search} | "
              f"{len(plan.violations)} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
