"""Ordering one worker-day's visits, and the exact plan of a small office (pure functions).

All costs are seconds on a square matrix ``D`` whose row/column 0 is the office and ``1..n`` the
visits (``inf`` = no land path). :func:`best_path` orders a day exactly (Held–Karp dynamic
programme) up to :data:`EXACT_STOPS` stops and by nearest neighbour + 2-opt beyond;
:func:`exact_partition` splits a small office's visits into at most ``max_routes`` worker-days
minimising the total travel (every subset's optimal tour by Held–Karp, then a dynamic programme
over subsets), which the tests check against brute force.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["EXACT_OFFICE_VISITS", "EXACT_STOPS", "best_path", "exact_partition", "path_cost"]

EXACT_STOPS = 9
"""Stops up to which a day is ordered exactly (Held–Karp: 2^9 × 9² ≈ 41 000 steps); a 6-hour
day of 45-minute visits has at most 8."""

EXACT_OFFICE_VISITS = 8
"""Offices with at most this many visits in the horizon (all on land, each due once) are planned
exactly by :func:`exact_partition` (3^8 = 6 561 subset pairs)."""


def path_cost(order: Sequence[int], start: Sequence[float], inner: np.ndarray,
              end: Sequence[float]) -> float:
    """``start[o0] + Σ inner[o_i, o_{i+1}] + end[o_last]`` (0 for an empty order)."""
    if not order:
        return 0.0
    c = start[order[0]] + end[order[-1]]
    for a, b in zip(order, order[1:]):
        c += inner[a, b]
    return float(c)


def _held_karp(start: Sequence[float], inner: np.ndarray, end: Sequence[float]
               ) -> tuple[list[int], float]:
    n = len(start)
    full = (1 << n) - 1
    dp: dict[tuple[int, int], tuple[float, int]] = {}
    for j in range(n):
        dp[(1 << j, j)] = (float(start[j]), -1)
    for mask in range(1, full + 1):
        for j in range(n):
            cur = dp.get((mask, j))
            if cur is None:
                continue
            for k in range(n):
                if mask >> k & 1:
                    continue
                key, c = (mask | 1 << k, k), cur[0] + float(inner[j, k])
                old = dp.get(key)
                if old is None or c < old[0] - 1e-9:
                    dp[key] = (c, j)
    best, last = math.inf, -1
    for j in range(n):
        c = dp[(full, j)][0] + float(end[j])
        if c < best - 1e-9:
            best, last = c, j
    if last < 0:
        return list(range(n)), math.inf
    order, mask = [], full
    while last >= 0:
        order.append(last)
        prev = dp[(mask, last)][1]
        mask &= ~(1 << last)
        last = prev
    return order[::-1], best


def _two_opt(order: list[int], start, inner, end) -> list[int]:
    best = path_cost(order, start, inner, end)
    improved = True
    while improved:
        improved = False
        for i in range(len(order) - 1):
            for k in range(i + 1, len(order)):
                cand = order[:i] + order[i:k + 1][::-1] + order[k + 1:]
                c = path_cost(cand, start, inner, end)
                if c < best - 1e-6:
                    order, best, improved = cand, c, True
    return order


def best_path(start: Sequence[float], inner: np.ndarray, end: Sequence[float]
              ) -> tuple[list[int], float]:
    """The order of stops ``0..n-1`` minimising :func:`path_cost` (exact up to
    :data:`EXACT_STOPS` stops, else nearest neighbour from the cheapest start and 2-opt).

    Parameters
    ----------
    start, end
        Seconds from the office to each stop / from each stop back.
    inner
        (n, n) seconds between stops.

    Returns
    -------
    (order, seconds)
        Ties are broken towards the lower stop index (deterministic).
    """
    n = len(start)
    if n == 0:
        return [], 0.0
    if n <= EXACT_STOPS:
        return _held_karp(start, inner, end)
    left = set(range(n))
    cur = min(left, key=lambda j: (start[j], j))
    order = [cur]
    left.discard(cur)
    while left:
        cur = min(left, key=lambda j: (inner[cur, j], j))
        order.append(cur)
        left.discard(cur)
    order = _two_opt(order, start, inner, end)
    return order, path_cost(order, start, inner, end)


def _subset_tours(D: np.ndarray) -> list[float]:
    """Optimal tour office → subset → office for every non-empty subset of ``1..n``."""
    n = D.shape[0] - 1
    size = 1 << n
    dp = np.full((size, n), math.inf)
    for j in range(n):
        dp[1 << j, j] = D[0, j + 1]
    for mask in range(1, size):
        for j in range(n):
            c = dp[mask, j]
            if not math.isfinite(c):
                continue
            for k in range(n):
                if not mask >> k & 1:
                    nk = mask | 1 << k
                    v = c + D[j + 1, k + 1]
                    if v < dp[nk, k]:
                        dp[nk, k] = v
    back = D[1:, 0]
    return [0.0] + [float(np.min(dp[m] + back)) for m in range(1, size)]


def exact_partition(D: np.ndarray, *, visit_s: float, day_s: float, max_routes: int
                    ) -> tuple[list[list[int]], float] | None:
    """Split the visits ``1..n`` of ``D`` into at most ``max_routes`` office round trips, each
    within ``day_s`` seconds (travel + ``visit_s`` per visit), minimising the total travel.

    Returns
    -------
    (routes, seconds) or None
        Routes as lists of visit indices (1-based, in driving order), sorted by their first
        visit; ``None`` when no such split exists. Among equal totals, fewer routes first.
    """
    n = D.shape[0] - 1
    if n == 0:
        return [], 0.0
    tours = _subset_tours(D)
    size = 1 << n
    ok = [m > 0 and tours[m] + bin(m).count("1") * visit_s <= day_s + 1e-6 for m in range(size)]
    # best[k][mask]: least travel covering mask with k routes
    inf = (math.inf, None)
    best = [[inf] * size for _ in range(max_routes + 1)]
    best[0][0] = (0.0, None)
    for k in range(1, max_routes + 1):
        for mask in range(1, size):
            low = mask & -mask
            sub, cur = mask, inf
            while sub:
                if sub & low and ok[sub]:
                    prev = best[k - 1][mask ^ sub][0]
                    c = prev + tours[sub]
                    if c < cur[0] - 1e-9:
                        cur = (c, sub)
                sub = (sub - 1) & mask
            best[k][mask] = cur
    full = size - 1
    ks = [k for k in range(max_routes + 1) if math.isfinite(best[k][full][0])]
    if not ks:
        return None
    k = min(ks, key=lambda x: (round(best[x][full][0], 6), x))
    total, routes, mask = best[k][full][0], [], full
    while mask:
        sub = best[k][mask][1]
        stops = [i + 1 for i in range(n) if sub >> i & 1]
        order, _ = best_path(D[0, stops], D[np.ix_(stops, stops)], D[stops, 0])
        routes.append([stops[i] for i in order])
        mask ^= sub
        k -= 1
    return sorted(routes), float(total)
