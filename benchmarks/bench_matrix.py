"""Benchmark: 10,000 × 100 car travel-time matrix on the Putuo land proxy vs networkx.

Run from the repository root::

    .venv/bin/python benchmarks/bench_matrix.py [--origins 10000] [--destinations 100] [--seed 0]

Our code (:func:`optimizer.network.matrix.travel_time_matrix`, scipy csgraph Dijkstra on a cached
CSR) and networkx ``single_source_dijkstra_path_length`` (one search per destination on the
reversed graph, i.e. the same 100 single-source searches) run in the same process on the same
node sets; the script checks that both give the same matrix and prints both times and the ratio.
Times are wall-clock (``time.perf_counter``); the CSR build is reported separately (it is paid
once per graph and travel mode). Figures belong in BENCHMARKS.md with this command.
"""

from __future__ import annotations

import argparse
import math
import time

import networkx as nx
import numpy as np

from optimizer.network.land_proxy import putuo_land_proxy
from optimizer.network.matrix import clear_cache, router, travel_time_matrix


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return 0 when both methods agree, 1 otherwise."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--origins", type=int, default=10_000)
    ap.add_argument("--destinations", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    G = putuo_land_proxy()
    t_build_graph = time.perf_counter() - t0
    nodes = list(G.nodes)
    rng = np.random.default_rng(args.seed)
    origins = [nodes[i] for i in rng.choice(len(nodes), args.origins,
                                            replace=args.origins > len(nodes))]
    dests = [nodes[i] for i in rng.choice(len(nodes), args.destinations, replace=False)]
    print(f"graph: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges "
          f"(built in {t_build_graph:.2f} s)")

    clear_cache(G)
    t0 = time.perf_counter()
    router(G, "car")
    t_csr = time.perf_counter() - t0
    t0 = time.perf_counter()
    M = travel_time_matrix(G, origins, dests, travel_mode="car")
    t_ours = time.perf_counter() - t0

    # networkx: one Dijkstra per destination on the reversed graph = times from every origin
    R = G.reverse(copy=False)
    t0 = time.perf_counter()
    ref = np.empty((len(origins), len(dests)))
    for j, d in enumerate(dests):
        dist = nx.single_source_dijkstra_path_length(R, d, weight="travel_time_s_car")
        ref[:, j] = [dist.get(o, math.inf) for o in origins]
    t_nx = time.perf_counter() - t0

    same = np.allclose(M, ref, rtol=1e-9, equal_nan=False) and np.array_equal(
        np.isfinite(M), np.isfinite(ref))
    print(f"matrix {len(origins)} x {len(dests)} (car), "
          f"reachable pairs {np.isfinite(M).mean():.1%}")
    print(f"ours (scipy csgraph, CSR cached): {t_ours:.3f} s  (+ CSR build {t_csr:.3f} s, once)")
    print(f"networkx single_source_dijkstra_path_length x {len(dests)}: {t_nx:.3f} s")
    print(f"speed-up: {t_nx / t_ours:.1f}x (incl. CSR build: {t_nx / (t_ours + t_csr):.1f}x)")
    print(f"results identical: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
