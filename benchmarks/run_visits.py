"""Benchmark: visit planning for the 3,002 synthetic needy households of Putuo (a month).

Run from the repository root::

    .venv/bin/python -m benchmarks.run_visits [--date 2026-12-02] [--ferry-day-extra-min 0]

Builds the baseline network for the date, reads the households and offices, then times
:func:`optimizer.services.visits.planning.plan_visits` alone (wall clock, ``time.perf_counter``)
and prints its KPIs, the travel split by road-linked days and ferry days, and the gap to the
lower bound. The planner is deterministic (no search limits): the plan is the same on every
run; only the time depends on the machine. Figures belong in BENCHMARKS.md with this command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from optimizer.datasets import get_path
from optimizer.network import build_network
from optimizer.network.islands import load_islands
from optimizer.network.params import FerryParams, NetworkParams
from optimizer.services.base import DataContext
from optimizer.services.visits import SERVICE, VisitsParams
from optimizer.services.visits.planning import plan_visits


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures; returns 0."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--date", default="2026-12-02")
    ap.add_argument("--ferry-day-extra-min", type=float, default=0.0)
    args = ap.parse_args(argv)
    day = dt.date.fromisoformat(args.date)
    net = build_network(NetworkParams(), FerryParams(), date=day)
    params = VisitsParams(ferry_day_extra_min=args.ferry_day_extra_min)
    inputs = SERVICE.load(params, DataContext(dataset=get_path("putuo"), islands=load_islands(),
                                              date=day))
    t0 = time.perf_counter()
    plan = plan_visits(inputs, net, params, date=day)
    seconds = time.perf_counter() - t0
    k = plan.kpis
    d = plan.days
    ferry = d[d["island_group"] != ""]
    print(f"households {k['households_due']} due of {len(inputs.households)}, visits "
          f"{k['visits_planned']}/{k['visits_required']} planned, {k['worker_days']} "
          f"worker-days, {k['households_unvisited']} households unvisited "
          f"({plan.unvisited['reason'].value_counts().to_dict()})")
    print(f"travel {k['travel_hours']} h (ferry days {len(ferry)}: "
          f"{ferry['travel_min'].sum() / 60:.1f} h), lower bound "
          f"{k['travel_lower_bound_min'] / 60:.1f} h, gap {k['travel_gap_pct']} % of the travel; "
          f"travel share {k['travel_share']} %, {k['visits_per_worker_day']} visits/worker-day, "
          f"{k['ferry_crossings']} ferry crossings; exact offices {list(plan.exact_offices)}")
    print(f"plan_visits: {seconds:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
