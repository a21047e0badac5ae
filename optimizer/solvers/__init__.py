"""Solver strategy: OR-Tools models and our own searches on the same integer models.

``solve_darp`` (dial-a-ride), ``solve_vrptw`` (delivery rounds), ``solve_mclp`` /
``solve_lscp`` / ``solve_pmedian`` (siting, CP-SAT with proofs), ``solve_flats`` (the flats
knapsack, CP-SAT), ``check_darp`` (an independent checker); :class:`SolverParams` is the scenario's ``solver:`` section.
"""

from optimizer.results import SolveStatus as SolveStatus
from optimizer.solvers.checker import check_darp as check_darp
from optimizer.solvers.ortools_flats import solve_flats as solve_flats
from optimizer.solvers.ortools_routing import solve_darp as solve_darp
from optimizer.solvers.ortools_siting import solve_lscp as solve_lscp
from optimizer.solvers.ortools_siting import solve_mclp as solve_mclp
from optimizer.solvers.ortools_siting import solve_pmedian as solve_pmedian
from optimizer.solvers.ortools_vrptw import solve_vrptw as solve_vrptw
from optimizer.solvers.params import SolverParams as SolverParams

__all__ = ["SolveStatus", "SolverParams", "check_darp", "solve_darp", "solve_flats", "solve_lscp",
           "solve_mclp", "solve_pmedian", "solve_vrptw"]
