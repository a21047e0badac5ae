"""Export the Putuo meal-siting cost matrix for ``benchmarks/run_siting.py --npz``.

Builds the baseline scenario's network and the e-bike site → demand-point matrix exactly as the
main job does (:func:`optimizer.services.meals.meals_matrix`) and writes ``values`` (n_points,
n_sites) seconds, ``weights`` (elderly residents per point) and ``existing`` (the 12 canteens)::

    .venv/bin/python -m benchmarks.export_putuo_siting out/putuo_siting.npz
    .venv/bin/python benchmarks/run_siting.py --npz out/putuo_siting.npz --p 2 --radius-s 900
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np

from optimizer.network.build import build_network
from optimizer.scenario.schema import load_scenario
from optimizer.services.meals import MealsParams, load_meals_inputs, meals_matrix


def main(argv: list[str] | None = None) -> int:
    """Write the npz file; return 0."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--scenario", type=Path,
                    default=Path(__file__).resolve().parents[1] / "scenarios/putuo-baseline.yaml")
    a = ap.parse_args(argv)
    sc = load_scenario(a.scenario)
    net = build_network(sc.network, sc.ferries, date=sc.date, dataset=sc.dataset, name=sc.name)
    params = MealsParams(**{f.name: getattr(sc.meals, f.name)
                            for f in dataclasses.fields(MealsParams) if hasattr(sc.meals, f.name)})
    inputs = load_meals_inputs(params, dataset=sc.dataset, islands=net.islands)
    mm = meals_matrix(inputs, net.G, params=params, islands=net.islands)
    weights = inputs.demand["elderly_60plus"].to_numpy(dtype=float) * params.demand_scale
    a.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(a.out, values=mm.cost.values, weights=weights,
             existing=mm.sites["existing"].to_numpy(dtype=bool))
    print(f"wrote {a.out}: {mm.cost.values.shape[0]} points x {mm.cost.values.shape[1]} sites")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
