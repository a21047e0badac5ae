"""OR-Tools version shims for the routing solver (imported only by ``ortools_routing``).

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
           "ORTOOLS_VERSION", "routing_wrapper"]


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
