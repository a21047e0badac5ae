"""OR-Tools version shims and shared helpers of the routing solvers (``ortools_routing``,
``ortools_vrptw``).

The Python routing wrapper lives in ``ortools.constraint_solver.pywrapcp`` up to at least 9.15
(checked: 9.15.6755); some releases also expose ``ortools.routing``. Search parameter enums live
in ``routing_enums_pb2`` in both layouts. Keep every version check here (house style practice
10, after ``geopandas/_compat.py``).
"""

from __future__ import annotations

import ortools

ORTOOLS_VERSION = tuple(int(x) for x in ortools.__version__.split(".")[:2])

try:  # classic layout (9.x)
    from ortools.constraint_solver import pywrapcp as routing_wrapper
    from ortools.constraint_solver import routing_enums_pb2 as routing_enums
except ImportError:  # pragma: no cover - newer layout
    from ortools.routing import enums_pb2 as routing_enums  # type: ignore[no-redef]
    from ortools.routing import pywraprouting as routing_wrapper  # type: ignore[no-redef]

FirstSolutionStrategy = routing_enums.FirstSolutionStrategy.Value  # enum wrapper: .keys(), .Value(name)
LocalSearchMetaheuristic = routing_enums.LocalSearchMetaheuristic.Value

HAS_PICKUP_DELIVERY_LIMITS = hasattr(routing_wrapper.RoutingDimension,
                                     "SetPickupToDeliveryLimitFunctionForPair")
"""Whether ride-time limits can be given to the dimension filters (known to the local search)."""

__all__ = ["FirstSolutionStrategy", "HAS_PICKUP_DELIVERY_LIMITS", "LocalSearchMetaheuristic",
           "ORTOOLS_VERSION", "routing_wrapper", "search_parameters"]


def search_parameters(first: str, meta: str, *, time_s: float | None, solutions: int | None,
                      log: bool = False, gls_lambda: float | None = None):
    """Routing search parameters: OR-Tools defaults plus the given strategies and limits.

    Parameters
    ----------
    first, meta
        First-solution strategy and local-search metaheuristic names (e.g.
        ``"PATH_CHEAPEST_ARC"``, ``"GUIDED_LOCAL_SEARCH"``).
    time_s
        Wall-time limit in seconds (``None`` = none; at least 1 ms).
    solutions
        Solution limit (``None`` = none).
    log
        Let OR-Tools print its search log.
    gls_lambda
        Guided local search penalty factor (``None`` = OR-Tools default 0.1).

    Raises
    ------
    ValueError
        If a strategy name is unknown to OR-Tools.
    """
    sp = routing_wrapper.DefaultRoutingSearchParameters()
    sp.first_solution_strategy = FirstSolutionStrategy.Value(first)
    sp.local_search_metaheuristic = LocalSearchMetaheuristic.Value(meta)
    if time_s is not None:
        sp.time_limit.FromMilliseconds(max(1, int(time_s * 1000)))
    if solutions is not None:
        sp.solution_limit = int(solutions)
    if gls_lambda is not None:
        sp.guided_local_search_lambda_coefficient = gls_lambda
    sp.log_search = log
    return sp


def set_allowed_vehicles(routing, index: int, allowed: list[int], n_vehicles: int) -> None:
    """Restrict the vehicles that may visit routing ``index`` (the node may still be dropped).

    ``RoutingModel.SetAllowedVehiclesForIndex`` rejects every Python sequence in the 9.15 SWIG
    wrapper (``absl::Span<int const>`` typemap missing); the fallback removes the other vehicles
    from the node's vehicle variable, which the routing filters also honour.
    """
    try:
        routing.SetAllowedVehiclesForIndex(list(allowed), index)
    except TypeError:
        banned = [k for k in range(n_vehicles) if k not in set(allowed)]
        if banned:
            routing.VehicleVar(index).RemoveValues(banned)
