"""Parallel portfolio: the same search with different seeds on separate cores, best kept.

Independent multi-start search (Crainic 2019, "Parallel metaheuristics and cooperative search",
in *Handbook of Metaheuristics*, 3rd ed.): our ruin-and-recreate searches are pure Python and
single-threaded, and on the same budget their results spread more between seeds than between
tuning choices (Cordeau a8-96 at 30 s: 0.6-2.1 % over three seeds), so on a 2-core machine the
best of two searches is both better and steadier than one.

``searches`` independent searches run on ``processes`` processes (this one and
``processes - 1`` workers). Which search wins depends only on the searches' results (the best
key, ties to the lower search index), never on how many processes ran them, so a work-limited
portfolio gives the same plan with one worker or several.

Workers are ``spawn``-ed processes: they inherit no state of the caller (OR-Tools solvers,
open files), import only the search module, and start in about 0.3 s; the wall-clock deadline
is shared, so that start-up comes out of the worker's own budget.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

from optimizer.errors import InputError

__all__ = ["best_of"]


def _timed(fn: Callable[..., Any], kwargs: dict, deadline: float | None,
           slot_end: float | None) -> Any:
    """Run ``fn(**kwargs)`` with ``time_limit_s`` set to what is left of its slot (time budget
    split between waves) or of the shared deadline (a safety cap), whichever comes first."""
    ends = [t for t in (deadline, slot_end) if t is not None]
    if ends:
        kwargs = {**kwargs, "time_limit_s": max(0.05, min(ends) - time.time())}
    return fn(**kwargs)


def best_of(fn: Callable[..., Any], calls: Sequence[dict], *,
            key: Callable[[Any], Any], processes: int | None = None,
            split_time: bool = True) -> tuple[Any, list[Any]]:
    """Run ``fn(**calls[i])`` for every ``i`` on ``processes`` processes; return the best result.

    Parameters
    ----------
    fn
        A module-level function (picklable by reference) with a ``time_limit_s`` keyword
        (seconds of wall time, or ``None``).
    calls
        Keyword arguments of each search (e.g. the same start with seeds ``s, s + 1, …``).
        ``calls[0]["time_limit_s"]`` (if not ``None``) is the wall time of the whole portfolio.
    key
        Sort key of a result; the smallest wins, ties to the lower index.
    processes
        Processes to use, this one included (``None`` = one per call, at most ``len(calls)``).
        Call ``i`` runs in wave ``i // processes``; this process runs calls ``0, processes,
        2 processes, …``, the workers the others.
    split_time
        ``True`` (time-limited searches): the time limit is a budget shared equally between the
        waves (one wave = today's "all at once", each call up to the common deadline).
        ``False`` (work-limited searches, ``time_limit_s`` a safety cap): every call may run up
        to the common deadline.

    Returns
    -------
    tuple
        ``(best result, all results in the order of calls)``.

    Raises
    ------
    optimizer.errors.InputError
        If ``calls`` is empty or ``processes < 1``.
    Exception
        Whatever a search raises (re-raised from the worker).
    """
    if not calls:
        raise InputError("no search to run", field="calls")
    n = len(calls)
    procs = n if processes is None else int(processes)
    if procs < 1:
        raise InputError(f"processes={processes!r}; expected a whole number >= 1",
                         field="processes")
    procs = min(procs, n)
    limit = calls[0].get("time_limit_s")
    t0 = time.time()
    deadline = None if limit is None else t0 + float(limit)
    waves = math.ceil(n / procs)

    def slot_end(i: int) -> float | None:
        if deadline is None or not split_time or waves == 1:
            return None
        return t0 + (i // procs + 1) * float(limit) / waves

    if procs == 1 and waves == 1:
        results = [fn(**calls[0])]
    elif procs == 1:
        results = [_timed(fn, dict(c), deadline, slot_end(i)) for i, c in enumerate(calls)]
    else:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        mine = list(range(0, n, procs))
        others = [i for i in range(n) if i % procs]
        results = [None] * n
        with ProcessPoolExecutor(max_workers=procs - 1,
                                 mp_context=mp.get_context("spawn")) as ex:
            futures = {i: ex.submit(_timed, fn, dict(calls[i]), deadline, slot_end(i))
                       for i in others}
            for i in mine:
                results[i] = (fn(**calls[i]) if i == 0 and waves == 1
                              else _timed(fn, dict(calls[i]), deadline, slot_end(i)))
            for i, f in futures.items():
                results[i] = f.result()
    best = min(range(n), key=lambda i: (key(results[i]), i))
    return results[best], results
