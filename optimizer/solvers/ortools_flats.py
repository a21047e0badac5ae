"""CP-SAT for the flats choice (:class:`optimizer.problems.flats.FlatsProblem`), proved optimal.

Model (sets, parameters, variables, objective and constraints in
:mod:`optimizer.problems.flats`): ``max sum value_i x_i`` s.t. ``sum x_i <= places``,
``sum wheelchair_i x_i <= wheelchair_places``, ``x_i`` binary. CP-SAT solves it with zero gap
limits, so ``OPTIMAL`` means the objective equals the proved bound.

Tie-break (documented order): among the optimal choices, the one that includes the earliest
candidate of ``ids`` it can, then the next earliest, and so on (the lexicographic maximum of
``(x_1, x_2, ...)`` in the order of ``ids``). After the optimum ``opt`` is proved, the objective
is held at ``>= opt`` and the candidates are visited in order: one the current solution already
takes is fixed to 1; for one it does not, a feasibility solve with ``x_i = 1`` decides (fixed to
1 if feasible, else 0). Every solve is exact, so the choice does not depend on the search.

Limits: work mode (``deterministic``) shares ``time_limit_s x``
:data:`~optimizer.solvers.ortools_siting.CPSAT_DETERMINISTIC_S_PER_S` of CP-SAT deterministic
time between the solves, with the wall clock as a safety cap; time mode stops at
``time_limit_s``. One worker.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from optimizer.problems.flats import FlatsProblem
from optimizer.results import SearchRecord, SolveStatus, StopCause
from optimizer.solvers.ortools_siting import _Cp
from optimizer.solvers.params import SolverParams

__all__ = ["FlatsResult", "flats_options", "solve_flats"]


@dataclass(frozen=True)
class FlatsResult:
    """The flats choice.

    Attributes
    ----------
    status
        ``OPTIMAL`` (proved; ``objective == bound``), ``FEASIBLE`` (a limit stopped the proof),
        ``NO_SOLUTION``.
    chosen
        Chosen ids, in the order of the problem's ``ids``.
    objective
        Summed value of ``chosen`` (the problem's unit).
    bound
        CP-SAT's proved upper bound on the objective.
    tie_break
        How the choice among equal optima was made (``"earliest ids first"`` or why not).
    search
        What ended the search (for the run manifest).
    """

    status: SolveStatus
    chosen: tuple[str, ...]
    objective: int
    bound: int
    tie_break: str
    search: SearchRecord

    @property
    def gap(self) -> float:
        """``(bound - objective) / bound`` (0 when the bound is 0)."""
        return (self.bound - self.objective) / self.bound if self.bound else 0.0


def flats_options(solver: SolverParams) -> dict[str, Any]:
    """Keyword options of :func:`solve_flats` for a scenario's ``solver:`` section.

    >>> flats_options(SolverParams(time_limit_s=10))["deterministic"]
    True
    """
    return {"time_limit_s": float(solver.time_limit_s), "seed": int(solver.seed),
            "deterministic": solver.deterministic,
            "wall_clock_cap_s": solver.cap_s if solver.deterministic else None}


def _model(problem: FlatsProblem) -> tuple[cp_model.CpModel, list[Any], Any]:
    m = cp_model.CpModel()
    x = [m.new_bool_var(f"x_{k}") for k in range(len(problem.ids))]
    m.add(sum(x) <= problem.places)
    if problem.wheelchair_places is not None:
        m.add(sum(v for v, w in zip(x, problem.wheelchair) if w) <= problem.wheelchair_places)
    obj = sum(int(v) * xi for v, xi in zip(problem.value, x))
    m.maximize(obj)
    return m, x, obj


def _earliest_first(m: cp_model.CpModel, cp: _Cp, x: list[Any], current: list[bool]
                    ) -> list[bool] | None:
    """The tie-break of the module docs on ``m`` (objective already held at the optimum);
    ``None`` if a feasibility solve did not finish."""
    m.clear_objective()
    cur = list(current)
    for k, xk in enumerate(x):
        if not cur[k]:
            m.clear_hints()
            for xi, v in zip(x, cur):
                m.add_hint(xi, v)
            trial = m.clone()
            trial.add(trial.get_bool_var_from_proto_index(xk.index) == 1)
            s, st = cp.solve(trial)
            if st == SolveStatus.OPTIMAL:  # a feasibility solve that found a solution
                cur = [bool(s.boolean_value(xi)) for xi in x]
            elif st != SolveStatus.INFEASIBLE:
                return None
        m.add(xk == int(cur[k]))
    return cur


def solve_flats(problem: FlatsProblem, *, time_limit_s: float = 10.0, seed: int = 0,
                deterministic: bool = True, wall_clock_cap_s: float | None = None
                ) -> FlatsResult:
    """Choose who gets the flats: maximum total value, proved, ties to the earliest ids.

    Parameters
    ----------
    problem
        The candidates, values and places.
    time_limit_s
        Search budget, seconds (work mode: converted to CP-SAT deterministic time).
    seed
        CP-SAT random seed.
    deterministic
        Work mode (reproducible) when true; else a wall-clock limit of ``time_limit_s``.
    wall_clock_cap_s
        Safety cap in work mode, seconds (default a multiple of ``time_limit_s``).

    Returns
    -------
    FlatsResult

    Raises
    ------
    optimizer.errors.InputError
        On non-positive limits.

    Examples
    --------
    >>> p = FlatsProblem(("a", "b", "c"), (5, 7, 5), (False, False, False), places=2)
    >>> solve_flats(p, time_limit_s=1).chosen
    ('a', 'b')
    """
    t0 = time.perf_counter()
    cp = _Cp(time_limit_s=time_limit_s, seed=seed, num_workers=1, deterministic=deterministic,
             cap_s=wall_clock_cap_s)
    m, x, obj = _model(problem)
    s, st = cp.solve(m)
    if st not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        return FlatsResult(st, (), 0, 0, "no solution", cp.record("flats", st, t0))
    best = [bool(s.boolean_value(xi)) for xi in x]
    opt, bound = int(round(s.objective_value)), int(round(s.best_objective_bound))
    tie = "not applied (optimum not proved)"
    if st == SolveStatus.OPTIMAL:
        m.add(obj >= opt)
        got = _earliest_first(m, cp, x, best)
        tie = "earliest ids first" if got is not None else "not completed within the limits"
        best = got if got is not None else best
    chosen = tuple(i for i, b in zip(problem.ids, best) if b)
    search = cp.record("flats", st, t0) if problem.ids else SearchRecord(
        "flats", StopCause.NOT_RUN, runtime_s=time.perf_counter() - t0)
    return FlatsResult(st, chosen, problem.total(chosen), bound, tie, search)
