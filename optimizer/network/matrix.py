"""Many-to-many land travel-time and distance matrices (scipy.sparse.csgraph Dijkstra).

Land matrices use every edge whose ``mode`` is in :data:`~optimizer.network.contract.LAND_MODES`
(road, bridge, access): never ferries, which are only used through the timetable. Parallel edges
keep their minimum weight; edges whose weight is ``inf`` for the travel mode are left out.

The compressed sparse row (CSR) matrix of a (graph, weight) pair is built once and cached
(:class:`LandRouter`, :func:`router`). The cache is keyed on the graph object and checked against
:func:`graph_signature` (node count and adjacent-pair count); after editing edge weights in place,
or adding a parallel edge, call :func:`clear_cache`.

Algorithm: Dijkstra from the unique origins when there are no more origins than destinations;
otherwise from the unique destinations on the reversed graph (exact for directed graphs), in
chunks of :data:`CHUNK_SOURCES` sources to bound memory at ``chunk × n_nodes`` floats.
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from optimizer.errors import InputError, InputErrors
from optimizer.network.contract import LAND_MODES, TRAVEL_MODES, weight_name
from optimizer.network.speeds import DEFAULT_CIRCUITY, ProxySpeeds

CHUNK_SOURCES = 256
"""Dijkstra sources per batch (memory ≈ 256 × n_nodes × 8 bytes, ~23 MB for 11,000 nodes)."""

_CACHE: "weakref.WeakKeyDictionary[nx.MultiDiGraph, dict]" = weakref.WeakKeyDictionary()


class LandRouter:
    """Shortest land paths on one graph for one edge weight, with the CSR built once.

    Parameters
    ----------
    G
        Network following :mod:`optimizer.network.contract`.
    weight
        A travel mode (``"car"``, ``"ebike"``, ``"walk"`` → ``travel_time_s_<mode>``, seconds) or
        ``"length_m"`` (metres).

    Attributes
    ----------
    nodes : list
        Node ids in CSR order.
    index : dict
        Node id → CSR row.
    csr : scipy.sparse.csr_matrix
        (n_nodes, n_nodes) land weights; explicit zeros are edges of zero weight.

    Raises
    ------
    ValueError
        If ``weight`` is neither a travel mode nor ``"length_m"``.

    Examples
    --------
    >>> G = nx.MultiDiGraph(crs="EPSG:32651")
    >>> G.add_edge("a", "b", mode="road", length_m=100.0, travel_time_s_car=9.0)
    0
    >>> LandRouter(G, "car").matrix(["a"], ["a", "b"]).tolist()
    [[0.0, 9.0]]
    """

    def __init__(self, G: nx.MultiDiGraph, weight: str = "car") -> None:
        attr = weight if weight == "length_m" else weight_name(weight)
        self.weight = weight
        self.attr = attr
        self.nodes: list[Hashable] = list(G.nodes)
        self.index = {n: i for i, n in enumerate(self.nodes)}
        n = len(self.nodes)
        rows, cols, vals = [], [], []
        idx = self.index
        for u, v, d in G.edges(data=True):
            if d.get("mode") not in LAND_MODES:
                continue
            w = d.get(attr)
            if w is None or not np.isfinite(w):
                continue
            rows.append(idx[u])
            cols.append(idx[v])
            vals.append(float(w))
        r = np.asarray(rows, dtype=np.int64)
        c = np.asarray(cols, dtype=np.int64)
        w = np.asarray(vals, dtype=float)
        if (w < 0).any():
            raise InputError(f"negative {attr} on {(w < 0).sum()} edge(s); weights must be >= 0",
                             field=attr)
        # keep the minimum over parallel edges; build CSR by hand so explicit zeros stay edges
        order = np.lexsort((w, c, r))
        r, c, w = r[order], c[order], w[order]
        first = np.ones(len(r), dtype=bool)
        first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
        r, c, w = r[first], c[first], w[first]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.add.at(indptr, r + 1, 1)
        self.csr = csr_matrix((w, c, np.cumsum(indptr)), shape=(n, n))
        self._csr_t: csr_matrix | None = None

    @property
    def csr_reversed(self) -> csr_matrix:
        """The transposed CSR (edges reversed), built on first use."""
        if self._csr_t is None:
            self._csr_t = self._transpose()
        return self._csr_t

    def _transpose(self) -> csr_matrix:
        coo = self.csr.tocoo()
        n = self.csr.shape[0]
        order = np.lexsort((coo.row, coo.col))
        rr, cc, ww = coo.col[order], coo.row[order], coo.data[order]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.add.at(indptr, rr + 1, 1)
        return csr_matrix((ww, cc, np.cumsum(indptr)), shape=(n, n))

    def rows(self, nodes: Sequence[Hashable], *, what: str = "nodes") -> np.ndarray:
        """CSR rows of node ids.

        Raises
        ------
        optimizer.errors.InputErrors
            Listing every unknown node (field = ``what``, row = position + 1).
        """
        out = np.empty(len(nodes), dtype=np.int64)
        errors = []
        for i, n in enumerate(nodes):
            k = self.index.get(n)
            if k is None:
                errors.append(InputError(f"node {n!r} is not in the graph", row=i + 1, field=what))
                out[i] = -1
            else:
                out[i] = k
        if errors:
            raise InputErrors(errors)
        return out

    def matrix(self, origins: Sequence[Hashable], destinations: Sequence[Hashable], *,
               max_value: float | None = None) -> np.ndarray:
        """Shortest-path values from each origin to each destination.

        Parameters
        ----------
        origins, destinations
            Node ids (repeats allowed).
        max_value
            Stop searching beyond this value (seconds or metres); farther pairs are ``inf``.

        Returns
        -------
        numpy.ndarray
            (n_origins, n_destinations) float64, rows follow ``origins``; ``inf`` if unreachable.

        Raises
        ------
        optimizer.errors.InputErrors
            If a node id is unknown.
        """
        o = self.rows(list(origins), what="origins")
        d = self.rows(list(destinations), what="destinations")
        uo, inv_o = np.unique(o, return_inverse=True)
        ud, inv_d = np.unique(d, return_inverse=True)
        if len(uo) == 0 or len(ud) == 0:
            return np.zeros((len(o), len(d)))
        limit = np.inf if max_value is None else float(max_value)
        if len(uo) <= len(ud):
            sub = self._many(self.csr, uo, ud, limit)          # (|uo|, |ud|)
        else:
            sub = self._many(self.csr_reversed, ud, uo, limit).T
        return np.ascontiguousarray(sub[inv_o][:, inv_d])

    @staticmethod
    def _many(csr: csr_matrix, sources: np.ndarray, targets: np.ndarray,
              limit: float) -> np.ndarray:
        out = np.empty((len(sources), len(targets)))
        for s in range(0, len(sources), CHUNK_SOURCES):
            chunk = sources[s:s + CHUNK_SOURCES]
            dist = dijkstra(csr, directed=True, indices=chunk, limit=limit)
            out[s:s + len(chunk)] = dist[:, targets]
        return out

    def one_to_all(self, origin: Hashable, *, max_value: float | None = None,
                   reverse: bool = False) -> dict[Hashable, float]:
        """Values from one origin (or, with ``reverse``, to one destination) to every reached node.

        Parameters
        ----------
        origin
            Node id.
        max_value
            Stop beyond this value (seconds or metres).
        reverse
            If true, return values *to* ``origin`` from every node.

        Returns
        -------
        dict
            Node id → value for every node with a finite value (the origin has 0).

        Raises
        ------
        optimizer.errors.InputErrors
            If the node is unknown.
        """
        k = self.rows([origin], what="origin")
        limit = np.inf if max_value is None else float(max_value)
        csr = self.csr_reversed if reverse else self.csr
        dist = dijkstra(csr, directed=True, indices=k, limit=limit)[0]
        reached = np.flatnonzero(np.isfinite(dist))
        return {self.nodes[i]: float(dist[i]) for i in reached}


def graph_signature(G: nx.MultiDiGraph) -> tuple[int, int]:
    """A cheap fingerprint of ``G``'s structure for caches: ``(nodes, adjacent node pairs)``.

    O(nodes), unlike ``G.number_of_edges()``, which walks every edge of a multigraph (about
    0.1 s on the Putuo land proxy, and caches are consulted hundreds of times per run). Adding
    or removing a node or a new u→v pair changes it; a parallel edge or a weight edit does not
    (call :func:`clear_cache` then).

    Returns
    -------
    tuple of int
        ``(number of nodes, number of (u, v) pairs with at least one edge)``.
    """
    # G._adj: networkx's own adjacency dict (G.adj wraps every row in a view: 20x slower)
    return len(G), sum(map(len, G._adj.values()))


def router(G: nx.MultiDiGraph, weight: str = "car") -> LandRouter:
    """Return the cached :class:`LandRouter` of ``(G, weight)``, building it when needed.

    Raises
    ------
    ValueError
        If ``weight`` is neither a travel mode nor ``"length_m"``.
    """
    sig = graph_signature(G)
    per_graph = _CACHE.setdefault(G, {})
    hit = per_graph.get(weight)
    if hit is not None and hit[0] == sig:
        return hit[1]
    r = LandRouter(G, weight)
    per_graph[weight] = (sig, r)
    return r


def clear_cache(G: nx.MultiDiGraph | None = None) -> None:
    """Forget cached routers of ``G`` (all graphs if ``None``), e.g. after editing weights."""
    if G is None:
        _CACHE.clear()
    else:
        _CACHE.pop(G, None)


def travel_time_matrix(G: nx.MultiDiGraph, origins: Sequence[Hashable],
                       destinations: Sequence[Hashable], *, travel_mode: str = "car",
                       max_time_s: float | None = None) -> np.ndarray:
    """Land travel times (seconds) between graph nodes, ferries excluded.

    Parameters
    ----------
    G
        Network following :mod:`optimizer.network.contract`.
    origins, destinations
        Node ids.
    travel_mode
        ``"car"``, ``"ebike"`` or ``"walk"`` (edge attribute ``travel_time_s_<mode>``).
    max_time_s
        Optional search cut-off (seconds): pairs beyond it are ``inf`` (faster for coverage).

    Returns
    -------
    numpy.ndarray
        (n_origins, n_destinations) float64 seconds; ``inf`` when not reachable by land.

    Raises
    ------
    ValueError
        If ``travel_mode`` is unknown.
    optimizer.errors.InputErrors
        If a node id is not in ``G``.

    Examples
    --------
    >>> G = nx.MultiDiGraph(crs="EPSG:32651")
    >>> for u, v in [(1, 2), (2, 1), (2, 3), (3, 2)]:
    ...     _ = G.add_edge(u, v, mode="road", length_m=500.0, travel_time_s_car=45.0,
    ...                    travel_time_s_ebike=90.0, travel_time_s_walk=400.0)
    >>> travel_time_matrix(G, [1, 3], [1, 3]).tolist()
    [[0.0, 90.0], [90.0, 0.0]]
    """
    if travel_mode not in TRAVEL_MODES:
        raise ValueError(f"travel_mode {travel_mode!r} unknown; expected one of {TRAVEL_MODES}")
    return router(G, travel_mode).matrix(origins, destinations, max_value=max_time_s)


def distance_matrix(G: nx.MultiDiGraph, origins: Sequence[Hashable],
                    destinations: Sequence[Hashable], *,
                    max_distance_m: float | None = None) -> np.ndarray:
    """Shortest land distances (metres, edge ``length_m``) between graph nodes, ferries excluded.

    The path minimises distance, so it may differ from the fastest path.

    Returns
    -------
    numpy.ndarray
        (n_origins, n_destinations) float64 metres; ``inf`` when not reachable by land.

    Raises
    ------
    optimizer.errors.InputErrors
        If a node id is not in ``G``.
    """
    return router(G, "length_m").matrix(origins, destinations, max_value=max_distance_m)


@dataclass(frozen=True)
class PointMatrix:
    """Point-to-point land matrix with the snapping report of both point sets.

    Parameters
    ----------
    travel_time_s
        (n_origins, n_destinations) seconds, read-only; ``inf`` where a point has no node.
    origin_snap, destination_snap
        :func:`optimizer.network.snap.snap_points` frames (node, snap distance, status).
    access_speed_mps
        Speed of the access legs (m/s).
    access_circuity
        Factor on the straight snap distance of access legs.
    """

    travel_time_s: np.ndarray
    origin_snap: pd.DataFrame
    destination_snap: pd.DataFrame
    access_speed_mps: float
    access_circuity: float

    def __post_init__(self) -> None:
        shape = (len(self.origin_snap), len(self.destination_snap))
        if self.travel_time_s.shape != shape:
            raise InputError(f"matrix shape {self.travel_time_s.shape} != {shape}",
                             field="travel_time_s")
        self.travel_time_s.setflags(write=False)

    @property
    def unsnapped(self) -> pd.DataFrame:
        """Rows of both snapping reports that got no node (``side`` = origin/destination)."""
        a = self.origin_snap[self.origin_snap["node"].isna()].assign(side="origin")
        b = self.destination_snap[self.destination_snap["node"].isna()].assign(side="destination")
        return pd.concat([a, b])


def point_matrix(G: nx.MultiDiGraph, origin_points: gpd.GeoDataFrame,
                 destination_points: gpd.GeoDataFrame, *, travel_mode: str = "car",
                 islands: gpd.GeoDataFrame | None = None,
                 max_snap_m: float | None = None,
                 max_time_s: float | None = None) -> PointMatrix:
    """Land travel times (seconds) between points: snap to nodes, add access legs, route.

    ``time[i, j] = access_i + network(node_i, node_j) + access_j`` with
    ``access = snap_distance_m × circuity / speed`` using the graph's circuity
    (``G.graph["circuity"]``, default :data:`~optimizer.network.speeds.DEFAULT_CIRCUITY`) and the
    travel mode's road speed (``G.graph["speeds_kph"]``, default
    :class:`~optimizer.network.speeds.ProxySpeeds`): the access leg is driven/ridden/walked like a
    short road. Points snapping to the same node get the sum of their access legs.

    Parameters
    ----------
    G
        Network (projected, ``G.graph["crs"]``).
    origin_points, destination_points
        Points with a CRS (n_origins and n_destinations rows).
    travel_mode
        ``"car"``, ``"ebike"`` or ``"walk"``.
    islands
        Island polygons for snapping; default the embedded Putuo islands.
    max_snap_m
        Sea tolerance for snapping (metres); default
        :data:`~optimizer.network.islands.DEFAULT_MAX_SNAP_M`.
    max_time_s
        Optional cut-off (seconds, access legs included): pairs beyond it are ``inf``; the
        network search stops there too (much faster when only nearby pairs matter, e.g. the
        stops of one delivery round).

    Returns
    -------
    PointMatrix
        ``travel_time_s`` (n_origins, n_destinations) seconds, rows follow ``origin_points``;
        ``inf`` for points without a node (listed in ``.unsnapped``) or not reachable by land.

    Raises
    ------
    ValueError
        If ``travel_mode`` is unknown.
    optimizer.errors.InputError
        If points lack a CRS.
    """
    from optimizer.network.islands import DEFAULT_MAX_SNAP_M
    from optimizer.network.snap import snap_points

    if travel_mode not in TRAVEL_MODES:
        raise ValueError(f"travel_mode {travel_mode!r} unknown; expected one of {TRAVEL_MODES}")
    tol = DEFAULT_MAX_SNAP_M if max_snap_m is None else max_snap_m
    so = snap_points(G, origin_points, islands=islands, max_snap_m=tol)
    sd = (so if destination_points is origin_points
          else snap_points(G, destination_points, islands=islands, max_snap_m=tol))
    circuity = float(G.graph.get("circuity", DEFAULT_CIRCUITY))
    kph = G.graph.get("speeds_kph", {}).get(travel_mode, ProxySpeeds().road_kph(travel_mode))
    mps = float(kph) / 3.6
    ok_o = so["node"].notna().to_numpy()
    ok_d = sd["node"].notna().to_numpy()
    out = np.full((len(so), len(sd)), np.inf)
    if ok_o.any() and ok_d.any():
        core = travel_time_matrix(G, so["node"][ok_o].tolist(), sd["node"][ok_d].tolist(),
                                  travel_mode=travel_mode, max_time_s=max_time_s)
        acc_o = so["snap_distance_m"].to_numpy()[ok_o] * circuity / mps
        acc_d = sd["snap_distance_m"].to_numpy()[ok_d] * circuity / mps
        block = core + acc_o[:, None] + acc_d[None, :]
        # two points on the same node: go directly (straight distance × circuity / speed), which
        # keeps a zero diagonal for identical points and never exceeds the sum of access legs
        same = so["node"][ok_o].to_numpy()[:, None] == sd["node"][ok_d].to_numpy()[None, :]
        if same.any():
            po = np.column_stack(_xy_m(origin_points, G.graph["crs"]))[ok_o]
            pd_ = np.column_stack(_xy_m(destination_points, G.graph["crs"]))[ok_d]
            i, j = np.nonzero(same)
            direct = np.hypot(*(po[i] - pd_[j]).T) * circuity / mps
            block[i, j] = np.minimum(block[i, j], direct)
        if max_time_s is not None:
            block[block > max_time_s] = np.inf
        out[np.ix_(ok_o, ok_d)] = block
    return PointMatrix(travel_time_s=out, origin_snap=so, destination_snap=sd,
                       access_speed_mps=mps, access_circuity=circuity)


def _xy_m(points: gpd.GeoDataFrame | gpd.GeoSeries, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Projected coordinates (the graph's ``crs``, metres) of point geometries."""
    g = points.to_crs(crs)
    geom = g.geometry if isinstance(g, gpd.GeoDataFrame) else g
    return geom.x.to_numpy(), geom.y.to_numpy()
