# ruff: noqa: PLR1730, PLR0912, PLR0913, PLR0915, N803, N806  (compiled kernels: explicit ifs)
"""Compiled (numba) kernels of the SISR ruin-and-recreate search of :mod:`.vrptw_lns`.

The same method as the Python engine (Christiaens & Vanden Berghe 2020, "Slack Induction by
String Removals", Transportation Science 54(2), 417-433; insertion test of Savelsbergh 1992,
ORSA J. Computing 4(2)), written as loops over numpy arrays and compiled with ``numba.njit``
(``cache=True``: the machine code is kept under ``__pycache__`` and loaded, not recompiled,
by later processes). Differences from the Python engine, none of which changes the method:

* a whole ruin-and-recreate iteration, including the annealing acceptance, runs in compiled
  code; Python only checks the wall clock between chunks of iterations;
* random numbers come from our own xorshift64* generator (Vigna 2016, "An experimental
  exploration of Marsaglia's xorshift generators, scrambled", ACM TOMS 42(4)) whose state is
  an array, so a search is reproducible for a seed whatever else runs in the process; the
  plans therefore differ from the Python engine's for the same seed;
* after a removal or an insertion the route's earliest and latest start times are recomputed
  in full (O(route length), cheaper than the O(plan) insertion scan that precedes it);
* empty vehicles are not re-packed to the lowest indices: the first empty vehicle of each type
  (in index order) is the one offered;
* only the routes an iteration touched are copied back when it is accepted or rejected.

This module imports numba; :mod:`.vrptw_lns` imports it lazily, so the CLI pays numba's import
and cache loading only when a VRPTW is solved.
"""

from __future__ import annotations

import math
import time

import numpy as np
from numba import njit

__all__ = ["insertion_costs", "model_arrays", "new_state", "search", "seed_state", "state_routes",
           "warm_up"]

_UNREACH = 2**42
_BIGC = 2**62
_HUGE4 = 2**42
_MASK = (1 << 64) - 1


def seed_state(seed: int) -> np.ndarray:
    """xorshift64* state for ``seed`` (splitmix64 of the seed, never zero)."""
    z = (int(seed) * 0x9E3779B97F4A7C15 + 0x9E3779B97F4A7C15) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    z ^= z >> 31
    return np.array([z or 0x2545F4914F6CDD1D], dtype=np.uint64)


@njit(cache=True)
def _rand(st):
    """Uniform float in [0, 1) (53 bits) from xorshift64*."""
    x = st[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    st[0] = x
    y = x * np.uint64(2685821657736338717)
    return float(y >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def _below(st, n):
    """Uniform integer in ``0 .. n-1`` (``n >= 1``)."""
    r = int(_rand(st) * n)
    return r if r < n else n - 1


# ------------------------------------------------------------------ routes
@njit(cache=True)
def _recompute(M, R, nR, E, L, load, rcost, k):
    """Earliest / latest starts, load and cost of route ``k`` from ``R[k, :nR[k]]``;
    ``False`` if the route is infeasible (then the arrays of ``k`` are partly written)."""
    T, C, lo, hi, q, vs, ve, vlo, vhi, cap, vopen, vdur = M[:12]
    n = nR[k]
    s = vs[k]
    e = ve[k]
    t = vlo[k]
    E[k, 0] = t
    prev = s
    ld = 0
    cst = 0
    for j in range(n):
        c = R[k, j]
        t += T[prev, c]
        if t < lo[c]:
            t = lo[c]
        if t > hi[c]:
            return False
        E[k, j + 1] = t
        cst += C[prev, c]
        ld += q[c]
        prev = c
    if t + T[prev, e] > vhi[k] or ld > cap[k]:
        if n == 0:  # an unusable vehicle (empty shift): no position is ever offered
            E[k, 0] = _UNREACH
            L[k, 0] = -_UNREACH
            load[k] = 0
            rcost[k] = 0
        return False
    if n > 0 and vdur[k] >= 0 and not _dur_ok(M, R, n, k, -1, -1):
        return False
    cst += C[prev, e]
    lx = vhi[k]
    L[k, n] = lx
    nxt = e
    for j in range(n - 1, -1, -1):
        c = R[k, j]
        lx = lx - T[c, nxt]
        if lx > hi[c]:
            lx = hi[c]
        L[k, j] = lx
        nxt = c
    load[k] = ld
    rcost[k] = cst + vopen[k] if n > 0 else 0
    return True


@njit(cache=True)
def _dur_ok(M, R, n, k, p, c):
    """Full check (windows, shift, capacity, maximum duration) of route ``k`` with customer
    ``c`` inserted at position ``p`` (``p < 0``: the route as it is); Savelsbergh's forward
    slack for the minimum duration, as :func:`.vrptw_lns.route_feasible`."""
    T, C, lo, hi, q, vs, ve, vlo, vhi, cap, vopen, vdur = M[:12]
    t = vlo[k]
    a = t
    prev = vs[k]
    waited = 0
    slack = _HUGE4
    ld = 0
    m = n + 1 if p >= 0 else n
    j = 0
    for i in range(m):
        if p >= 0 and i == p:
            x = c
        else:
            x = R[k, j]
            j += 1
        arr = t + T[prev, x]
        t = arr if arr > lo[x] else lo[x]
        waited += t - arr
        if t > hi[x]:
            return False
        v = waited + hi[x] - t
        if v < slack:
            slack = v
        ld += q[x]
        prev = x
    end = t + T[prev, ve[k]]
    if end > vhi[k] or ld > cap[k]:
        return False
    v = waited + vhi[k] - end
    if v < slack:
        slack = v
    d = vdur[k]
    w = slack if slack < waited else waited
    if w < 0:
        w = 0
    return d < 0 or end - (a + w) <= d


@njit(cache=True)
def _best_insertion(M, R, nR, E, L, load, c, st, blink, seen_type):
    """Cheapest feasible ``(k, p, delta)`` for customer ``c`` (``k = -1``: none). Only the
    first empty vehicle of each type is tried; a position that would improve the best is
    skipped with probability ``blink`` (SISR blinks)."""
    T, C, lo, hi, q, vs, ve, vlo, vhi, cap, vopen, vdur = M[:12]
    vtype = M[12]
    K = nR.shape[0]
    seen_type[:] = False
    best = _BIGC
    bk = -1
    bp = -1
    loc = lo[c]
    hic = hi[c]
    qc = q[c]
    for k in range(K):
        n = nR[k]
        if n == 0:
            ty = vtype[k]
            if seen_type[ty]:
                continue
            seen_type[ty] = True
        if load[k] + qc > cap[k]:
            continue
        P = vs[k]
        for p in range(n + 1):
            N = R[k, p] if p < n else ve[k]
            a = E[k, p] + T[P, c]
            if a < loc:
                a = loc
            if a <= hic and a + T[c, N] <= L[k, p]:
                d = C[P, c] + C[c, N] - C[P, N]
                if n == 0:
                    d += vopen[k]
                if d < best and not (blink > 0.0 and _rand(st) < blink):
                    if vdur[k] < 0 or _dur_ok(M, R, n, k, p, c):
                        best = d
                        bk = k
                        bp = p
            P = N
    return bk, bp, best


@njit(cache=True)
def _insert(M, S, k, p, c):
    R, nR, E, L, load, rcost, ro = S
    n = nR[k]
    for j in range(n, p, -1):
        R[k, j] = R[k, j - 1]
    R[k, p] = c
    nR[k] = n + 1
    ro[c] = k
    _recompute(M, R, nR, E, L, load, rcost, k)


@njit(cache=True)
def _remove(M, S, k, mark):
    """Remove the customers of route ``k`` with ``mark`` set (marks cleared); if the shorter
    route is infeasible (no triangle inequality) the whole route goes."""
    R, nR, E, L, load, rcost, ro = S
    n = nR[k]
    j = 0
    for i in range(n):
        x = R[k, i]
        if mark[x]:
            mark[x] = False
            ro[x] = -1
        else:
            R[k, j] = x
            j += 1
    nR[k] = j
    if not _recompute(M, R, nR, E, L, load, rcost, k):
        for i in range(j):
            ro[R[k, i]] = -1
        nR[k] = 0
        _recompute(M, R, nR, E, L, load, rcost, k)


# ------------------------------------------------------------------ ruin and recreate
@njit(cache=True)
def _ruin(M, S, st, c_bar, l_max, split_depth, p_route, mark, ruined, dirty):
    R, nR, E, L, load, rcost, ro = S
    adj, n_adj, cust = M[13], M[14], M[16]
    K = nR.shape[0]
    n_routes = 0
    n_served = 0
    for k in range(K):
        if nR[k] > 0:
            n_routes += 1
            n_served += nR[k]
    if n_routes == 0:
        return
    ls_max = n_served / n_routes
    if l_max < ls_max:
        ls_max = float(l_max)
    ks_max = 4.0 * c_bar / (1.0 + ls_max) - 1.0
    ks = int(_rand(st) * ks_max) + 1
    if p_route > 0 and n_routes > 1 and _rand(st) < p_route:
        tot = 0.0
        for k in range(K):
            if nR[k] > 0:
                tot += 1.0 / nR[k]
        r = _rand(st) * tot
        pick = -1
        for k in range(K):
            if nR[k] > 0:
                pick = k
                r -= 1.0 / nR[k]
                if r < 0:
                    break
        for i in range(nR[pick]):
            mark[R[pick, i]] = True
        _remove(M, S, pick, mark)
        dirty[pick] = True
    n_pool = 0
    for c in cust:
        if ro[c] >= 0:
            n_pool += 1
    if n_pool == 0:
        return
    r = _below(st, n_pool)
    seed = -1
    for c in cust:
        if ro[c] >= 0:
            if r == 0:
                seed = c
                break
            r -= 1
    ruined[:] = False
    nr = 0
    for a in range(n_adj[seed]):
        if nr >= ks:
            break
        c = adj[seed, a]
        k = ro[c]
        if k < 0 or ruined[k]:
            continue
        n_t = nR[k]
        lt_max = ls_max if ls_max < n_t else float(n_t)
        ell = int(_rand(st) * lt_max) + 1
        i = 0
        while R[k, i] != c:
            i += 1
        if ell >= n_t or _rand(st) < 0.5:
            start = i - _below(st, ell) if ell > 1 else i
            if start > n_t - ell:
                start = n_t - ell
            if start < 0:
                start = 0
            for j in range(start, min(n_t, start + ell)):
                mark[R[k, j]] = True
        else:
            m = 1
            while ell + m < n_t and _rand(st) > split_depth:
                m += 1
            span = ell + m
            start = i - _below(st, span)
            if start > n_t - span:
                start = n_t - span
            if start < 0:
                start = 0
            keep_at = _below(st, ell + 1)
            for j in range(span):
                if j < keep_at or j >= keep_at + m:
                    mark[R[k, start + j]] = True
        _remove(M, S, k, mark)
        ruined[k] = True
        dirty[k] = True
        nr += 1


@njit(cache=True)
def _draw_order(st):
    """A recreate order drawn with the weights of :data:`.vrptw_lns.ORDER_WEIGHTS`
    (4/4/2/1/1/1/1 of 14)."""
    u = _rand(st) * 14.0
    if u < 4.0:
        return 0
    if u < 8.0:
        return 1
    if u < 10.0:
        return 2
    return 3 + int(u - 10.0)


@njit(cache=True)
def _order_key(M, c, order):
    """Sort key of customer ``c`` in recreate ``order`` (ascending; see :func:`_recreate`)."""
    if order == 1:
        return -M[4][c]
    if order == 2:
        return -M[15][c]
    if order == 3:
        return M[15][c]
    if order == 4:
        return M[3][c] - M[2][c]
    if order == 5:
        return M[2][c]
    return -M[3][c]


@njit(cache=True)
def _recreate(M, S, st, blink, order, seen_type, dirty):
    """Greedy insertion with blinks of every unassigned customer; ``order`` 0 random,
    1 largest demand, 2 farthest from the depot, 3 closest, 4 narrowest time window, 5 earliest
    window start, 6 latest window end (-1: drawn by :func:`_draw_order`); ties in random
    order."""
    R, nR, E, L, load, rcost, ro = S
    cust = M[16]
    cnt = 0
    for c in cust:
        if ro[c] < 0:
            cnt += 1
    if cnt == 0:
        return
    todo = np.empty(cnt, dtype=np.int64)
    j = 0
    for c in cust:
        if ro[c] < 0:
            todo[j] = c
            j += 1
    for i in range(cnt - 1, 0, -1):  # Fisher-Yates: random ties for the sorted orders
        r = _below(st, i + 1)
        x = todo[i]
        todo[i] = todo[r]
        todo[r] = x
    if order < 0:
        order = _draw_order(st)
    if order > 0:
        key = np.empty(cnt, dtype=np.int64)
        for i in range(cnt):
            key[i] = _order_key(M, todo[i], order)
        todo = todo[np.argsort(key, kind="mergesort")]
    for i in range(cnt):
        c = todo[i]
        k, p, d = _best_insertion(M, R, nR, E, L, load, c, st, blink, seen_type)
        if k >= 0:
            _insert(M, S, k, p, c)
            dirty[k] = True


@njit(cache=True)
def _cost(M, S):
    R, nR, E, L, load, rcost, ro = S
    penalty, cust = M[17], M[16]
    tot = 0
    for k in range(nR.shape[0]):
        tot += rcost[k]
    for c in cust:
        if ro[c] < 0:
            tot += penalty
    return tot


@njit(cache=True)
def _copy_routes(src, dst, dirty):
    """Copy the routes flagged in ``dirty`` (all when ``dirty`` is empty) from ``src`` to
    ``dst``; ``route_of`` follows the copied routes."""
    R0, n0, E0, L0, ld0, rc0, ro0 = src
    R1, n1, E1, L1, ld1, rc1, ro1 = dst
    K = n0.shape[0]
    for k in range(K):
        if dirty.shape[0] and not dirty[k]:
            continue
        for i in range(n1[k]):
            if ro1[R1[k, i]] == k:
                ro1[R1[k, i]] = -1
    for k in range(K):
        if dirty.shape[0] and not dirty[k]:
            continue
        n = n0[k]
        n1[k] = n
        R1[k, :n] = R0[k, :n]
        E1[k, :n + 1] = E0[k, :n + 1]
        L1[k, :n + 1] = L0[k, :n + 1]
        ld1[k] = ld0[k]
        rc1[k] = rc0[k]
        for i in range(n):
            ro1[R0[k, i]] = k


@njit(cache=True)
def _init(M, S, st, fill):
    """Schedules of the start routes (``False`` if one is infeasible); ``fill``: then insert
    the unassigned customers farthest first (no blinks)."""
    R, nR, E, L, load, rcost, ro = S
    K = nR.shape[0]
    for k in range(K):
        if not _recompute(M, R, nR, E, L, load, rcost, k) and nR[k] > 0:
            return False
        for i in range(nR[k]):
            ro[R[k, i]] = k
    if fill:
        seen_type = np.zeros(M[18], dtype=np.bool_)
        dirty = np.zeros(K, dtype=np.bool_)
        _recreate(M, S, st, 0.0, 2, seen_type, dirty)
    return True


@njit(cache=True)
def _run(M, cur, cand, best, st, it0, n_it, denom, frac0, frac1, temp0, log_ratio,
         c_bar, l_max, split_depth, p_route, blink, costs):
    """``n_it`` iterations from iteration ``it0``. Temperature fraction: ``(it0 + i) / denom``
    when ``denom > 0`` (work limit), else interpolated from ``frac0`` to ``frac1`` over the
    chunk (time limit). ``costs`` = [current, best, improvements] is updated in place."""
    K = cur[1].shape[0]
    m = cur[6].shape[0]
    mark = np.zeros(m, dtype=np.bool_)
    ruined = np.zeros(K, dtype=np.bool_)
    dirty = np.zeros(K, dtype=np.bool_)
    seen_type = np.zeros(M[18], dtype=np.bool_)
    alld = np.zeros(0, dtype=np.bool_)
    cur_cost = costs[0]
    best_cost = costs[1]
    for i in range(n_it):
        if denom > 0:
            frac = (it0 + i) / denom
        else:
            frac = frac0 + (frac1 - frac0) * i / n_it
        if frac > 1.0:
            frac = 1.0
        temp = temp0 * math.exp(log_ratio * frac)
        dirty[:] = False
        _ruin(M, cand, st, c_bar, l_max, split_depth, p_route, mark, ruined, dirty)
        _recreate(M, cand, st, blink, -1, seen_type, dirty)
        c_new = _cost(M, cand)
        if c_new < best_cost:
            _copy_routes(cand, best, alld)
            best_cost = c_new
            costs[2] += 1
        if c_new < cur_cost - temp * math.log(1.0 - _rand(st)):
            _copy_routes(cand, cur, dirty)
            cur_cost = c_new
        else:
            _copy_routes(cur, cand, dirty)
    costs[0] = cur_cost
    costs[1] = best_cost


@njit(cache=True)
def _insertion_all(M, S, c, seen_type):
    """Insertion cost of ``c`` at every position: ``(K, W + 1)`` array, ``_BIGC`` where
    infeasible or not offered (spare empty vehicle, position past the route's end)."""
    R, nR, E, L, load, rcost, ro = S
    T, C, lo, hi, q, vs, ve, vlo, vhi, cap, vopen, vdur = M[:12]
    vtype = M[12]
    K = nR.shape[0]
    out = np.full((K, R.shape[1] + 1), _BIGC, dtype=np.int64)
    seen_type[:] = False
    for k in range(K):
        n = nR[k]
        if n == 0:
            if seen_type[vtype[k]]:
                continue
            seen_type[vtype[k]] = True
        if load[k] + q[c] > cap[k]:
            continue
        P = vs[k]
        for p in range(n + 1):
            N = R[k, p] if p < n else ve[k]
            a = E[k, p] + T[P, c]
            if a < lo[c]:
                a = lo[c]
            if a <= hi[c] and a + T[c, N] <= L[k, p] and (vdur[k] < 0 or _dur_ok(
                    M, R, n, k, p, c)):
                out[k, p] = C[P, c] + C[c, N] - C[P, N] + (vopen[k] if n == 0 else 0)
            P = N
    return out


# ------------------------------------------------------------------ Python side
def model_arrays(model, adj: list[list[int]], depot_dist: list[int], vtype: list[int]):
    """The model as the tuple the kernels take (all int64 arrays; see the indices used)."""
    i64 = np.int64
    m = len(model.nodes)
    nn = max((len(a) for a in adj), default=0)
    A = np.zeros((m, max(nn, 1)), dtype=i64)
    n_adj = np.zeros(m, dtype=i64)
    for c, row in enumerate(adj):
        A[c, :len(row)] = row
        n_adj[c] = len(row)
    cust = np.arange(model.n_depots, m, dtype=i64)
    return (np.ascontiguousarray(model.transit, dtype=i64),
            np.ascontiguousarray(model.cost, dtype=i64),
            model.lo.astype(i64), model.hi.astype(i64), model.demand.astype(i64),
            model.v_start.astype(i64), model.v_end.astype(i64), model.v_lo.astype(i64),
            model.v_hi.astype(i64), model.v_cap.astype(i64), model.v_open.astype(i64),
            model.v_maxdur.astype(i64), np.asarray(vtype, dtype=i64), A, n_adj,
            np.asarray(depot_dist, dtype=i64), cust, i64(model.penalty),
            i64(max(vtype, default=0) + 1))


def new_state(M, routes) -> tuple:
    """A solution state ``(R, nR, E, L, load, rcost, route_of)`` holding ``routes``."""
    K = M[5].shape[0]
    m = M[0].shape[0]
    W = max(1, len(M[16])) + 1
    R = np.zeros((K, W), dtype=np.int64)
    nR = np.zeros(K, dtype=np.int64)
    for k, r in enumerate(routes):
        R[k, :len(r)] = r
        nR[k] = len(r)
    return (R, nR, np.zeros((K, W + 1), dtype=np.int64), np.zeros((K, W + 1), dtype=np.int64),
            np.zeros(K, dtype=np.int64), np.zeros(K, dtype=np.int64),
            np.full(m, -1, dtype=np.int64))


def state_routes(S) -> list[list[int]]:
    """Routes of a state as lists of internal customers."""
    R, nR = S[0], S[1]
    return [R[k, :nR[k]].tolist() for k in range(len(nR))]


def insertion_costs(M, routes, c: int) -> np.ndarray | None:
    """Insertion cost of customer ``c`` at every (vehicle, position) of the plan ``routes``
    (``2**62`` = infeasible or not offered); ``None`` if a route is infeasible. For tests."""
    S = new_state(M, routes)
    if not _init(M, S, seed_state(0), False):
        return None
    return _insertion_all(M, S, int(c), np.zeros(int(M[18]), dtype=np.bool_))


_WARM = [False]


def warm_up() -> float:
    """Compile (first use on a machine) or load from the cache (first use in a process) every
    kernel on a two-customer instance; returns the seconds it took (0 once warm). Searches
    call it before they start their clock, so compiling never eats a search's budget."""
    if _WARM[0]:
        return 0.0
    t = time.perf_counter()
    i64 = np.int64
    T = np.array([[0, 5, 5], [5, 0, 5], [5, 5, 0]], dtype=i64)
    one = np.ones(3, dtype=i64)
    v = np.zeros(1, dtype=i64)
    M = (T, T.copy(), 0 * one, 100 * one, one, v, v, v, v + 100, v + 9, v, v - 1, v,
         np.array([[0], [1], [2]], dtype=i64), np.array([0, 1, 1], dtype=i64), 0 * one,
         np.array([1, 2], dtype=i64), i64(1000), i64(1))
    insertion_costs(M, [[1]], 2)
    search(M, [[1, 2]], seed=0, time_limit_s=None, max_iterations=2, t_start=1.0, t_end=0.1,
           c_bar=10.0, l_max=10, split_depth=0.01, blink=0.01, p_route=0.5,
           t0=time.perf_counter(), _warm=False)
    M2 = M[:11] + (v + 50,) + M[12:]  # maximum duration: the _dur_ok paths
    search(M2, [[1, 2]], seed=0, time_limit_s=None, max_iterations=2, t_start=1.0, t_end=0.1,
           c_bar=10.0, l_max=10, split_depth=0.01, blink=0.01, p_route=0.5,
           t0=time.perf_counter(), _warm=False)
    _WARM[0] = True
    return time.perf_counter() - t


def search(M, routes, *, seed: int, time_limit_s: float | None, max_iterations: int | None,
           t_start: float, t_end: float, c_bar: float, l_max: int, split_depth: float,
           blink: float, p_route: float, t0: float, _warm: bool = True):
    """SISR from ``routes`` (feasible; unassigned customers are inserted first); returns
    ``(best routes, best cost, iterations, improvements)``. Work limit: the temperature
    follows the iteration count (same seed, same plan); the time limit is a safety cap checked
    between chunks of iterations; the clock ``t0`` is moved by the time :func:`warm_up`
    takes."""
    if _warm:
        t0 += warm_up()
    st = seed_state(seed)
    cur = new_state(M, routes)
    if not _init(M, cur, st, True):
        raise ValueError("start route infeasible")
    cand = tuple(a.copy() for a in cur)
    best = tuple(a.copy() for a in cur)
    cost0 = int(_cost(M, cur))
    costs = np.array([cost0, cost0, 0], dtype=np.int64)
    vopen = M[10]
    nR = cur[1]
    arcs = int(sum(n + 1 for n in nR.tolist() if n))
    mean_arc = (int(cur[5].sum()) - int(sum(vopen[k] for k in range(len(nR)) if nR[k]))) / max(
        1, arcs)
    temp0 = max(1e-9, t_start * mean_arc)
    temp1 = max(1e-12, min(temp0, t_end * mean_arc))
    log_ratio = math.log(temp1 / temp0)
    if len(M[16]) == 0:
        return state_routes(best), int(costs[1]), 0, 0
    it = 0
    chunk = 16
    while True:
        n = chunk if max_iterations is None else min(chunk, max_iterations - it)
        if n <= 0:
            break
        now = time.perf_counter() - t0
        if time_limit_s is not None and now >= time_limit_s:
            break
        if max_iterations is not None:
            _run(M, cur, cand, best, st, it, n, float(max_iterations), 0.0, 0.0, temp0,
                 log_ratio, c_bar, l_max, split_depth, p_route, blink, costs)
        else:
            f0 = now / time_limit_s
            f1 = f0 + n * (now / it if it else 0.0) / time_limit_s
            _run(M, cur, cand, best, st, it, n, 0.0, f0, f1, temp0, log_ratio, c_bar,
                 l_max, split_depth, p_route, blink, costs)
        it += n
        # chunks of about 20 ms between clock checks
        el = time.perf_counter() - t0
        if el > 0 and it > 0:
            rate = it / max(1e-6, el)
            chunk = int(min(max(16, rate * 0.02), 100_000))
    return state_routes(best), int(costs[1]), it, int(costs[2])

