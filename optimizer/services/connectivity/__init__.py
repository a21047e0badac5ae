"""Island links report (岛屿连通): which islands are joined, reachable, and how far the unit is."""

from optimizer.services.connectivity.params import ConnectivityParams as ConnectivityParams
from optimizer.services.connectivity.planning import ConnectivityResult as ConnectivityResult
from optimizer.services.connectivity.planning import Destination as Destination
from optimizer.services.connectivity.planning import plan_connectivity as plan_connectivity
from optimizer.services.connectivity.service import SERVICE as SERVICE

__all__ = ["SERVICE", "ConnectivityParams", "ConnectivityResult", "Destination",
           "plan_connectivity"]
