"""Route geometry along the land network between consecutive stops (for maps and sheets).

A vehicle route is a sequence of stops (lon/lat, EPSG:4326). :func:`route_geometry` turns it into
one :class:`RouteLeg` per pair of consecutive stops:

* each stop is snapped to its nearest node **on its own island**
  (:func:`optimizer.network.snap.snap_points`, never across water);
* two stops in the same land component (roads, bridges, access edges; never ferries) are joined by
  the fastest path for the travel mode (``travel_time_s_<mode>``), found with
  :func:`scipy.sparse.csgraph.dijkstra` (``return_predecessors=True``) on the cached CSR of
  :func:`optimizer.network.matrix.router`; the polyline runs through the node coordinates and
  follows an edge's ``geometry`` (a LineString in ``G.graph["crs"]``) where the edge has one;
* two stops in different land components (islands with no bridge between them) are joined by a
  straight segment flagged ``kind == "ferry"``: the crossing itself is timetabled
  (:mod:`optimizer.network.ferries`), the map only shows that the water is crossed;
* anything else (a stop that cannot be snapped, no path for this travel mode within one
  component) is a straight segment flagged ``"unsnapped"`` or ``"no_land_path"``: never dropped.

Among parallel edges the fastest finite one is followed, as in the travel-time matrices.
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import geopandas as gpd
import networkx as nx
import numpy as np
from pyproj import Transformer
from scipy.sparse.csgraph import connected_components, dijkstra
from shapely.geometry import LineString

from optimizer.errors import InputError
from optimizer.network.contract import LAND_MODES, TRAVEL_MODES, WGS84, graph_crs

__all__ = ["LEG_KINDS", "RouteLeg", "route_geometry", "route_legs_frame"]

LEG_KINDS = ("land", "same_place", "ferry", "no_land_path", "unsnapped")
"""Values of :attr:`RouteLeg.kind`; only ``"land"`` (and ``"same_place"``) follow the network."""

_COMPONENTS: weakref.WeakKeyDictionary[nx.MultiDiGraph, tuple] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class RouteLeg:
    """The drawn path between two consecutive stops.

    Attributes
    ----------
    from_stop, to_stop
        0-based positions of the two stops in the input sequence (``to_stop == from_stop + 1``).
    kind
        One of :data:`LEG_KINDS`: ``"land"`` (along the network), ``"same_place"`` (both stops
        snap to the same node; geometry is the two access legs, possibly of zero length),
        ``"ferry"`` (different land components: straight segment across the water),
        ``"no_land_path"`` (same component but no path for the travel mode: straight segment),
        ``"unsnapped"`` (a stop has no node on its island: straight segment).
    geometry
        LineString in EPSG:4326 (lon, lat degrees), at least two vertices; starts at the first
        stop (or its node, without access legs) and ends at the second.
    from_node, to_node
        Snapped graph nodes (``None`` when unsnapped).
    travel_time_s
        Network time between the two nodes for the travel mode (seconds), access legs excluded;
        ``inf`` unless ``kind`` is ``"land"`` or ``"same_place"`` (0).
    length_m
        Length of ``geometry`` in metres, measured in the graph's projected CRS.
    """

    from_stop: int
    to_stop: int
    kind: str
    geometry: LineString
    from_node: Hashable | None
    to_node: Hashable | None
    travel_time_s: float
    length_m: float

    def __post_init__(self) -> None:
        if self.kind not in LEG_KINDS:
            raise InputError(f"leg kind {self.kind!r} unknown; expected one of {LEG_KINDS}",
                             field="kind")

    @property
    def is_ferry(self) -> bool:
        """True for a water crossing (drawn straight, dashed on maps)."""
        return self.kind == "ferry"

    @property
    def on_network(self) -> bool:
        """True when the geometry follows the network (``"land"`` or ``"same_place"``)."""
        return self.kind in ("land", "same_place")


def _land_components(G: nx.MultiDiGraph) -> dict[Hashable, int]:
    """Node → weakly connected land component (edges of any land mode, whatever the weights)."""
    from optimizer.network.matrix import graph_signature, router

    sig = graph_signature(G)
    hit = _COMPONENTS.get(G)
    if hit is not None and hit[0] == sig:
        return hit[1]
    r = router(G, "length_m")
    _, labels = connected_components(r.csr, directed=True, connection="weak")
    comp = {n: int(labels[i]) for i, n in enumerate(r.nodes)}
    _COMPONENTS[G] = (sig, comp)
    return comp


def _edge_xy(G: nx.MultiDiGraph, u: Hashable, v: Hashable, attr: str) -> np.ndarray:
    """Projected vertices (k, 2) of the fastest land edge u→v, oriented from u to v."""
    best = None
    for d in G[u][v].values():
        if d.get("mode") not in LAND_MODES:
            continue
        w = d.get(attr)
        if w is None or not np.isfinite(w):
            continue
        if best is None or w < best.get(attr):
            best = d
    a = np.array([[G.nodes[u]["x"], G.nodes[u]["y"]]], dtype=float)
    b = np.array([[G.nodes[v]["x"], G.nodes[v]["y"]]], dtype=float)
    geom = best.get("geometry") if best is not None else None
    if geom is None or geom.is_empty:
        return np.vstack([a, b])
    xy = np.asarray(geom.coords, dtype=float)[:, :2]
    if np.hypot(*(xy[0] - a[0])) > np.hypot(*(xy[-1] - a[0])):
        xy = xy[::-1]
    # pin the ends on the nodes (geometry ends may differ from node coordinates by rounding)
    xy[0], xy[-1] = a[0], b[0]
    return xy


def _dedupe(xy: np.ndarray) -> np.ndarray:
    if len(xy) < 2:
        return xy
    keep = np.ones(len(xy), dtype=bool)
    keep[1:] = np.any(np.abs(np.diff(xy, axis=0)) > 1e-6, axis=1)
    out = xy[keep]
    return out if len(out) >= 2 else np.vstack([xy[0], xy[0]])


def route_geometry(
    G: nx.MultiDiGraph,
    stops_lonlat: Sequence[tuple[float, float]] | np.ndarray,
    *,
    travel_mode: str = "car",
    islands: gpd.GeoDataFrame | None = None,
    access: bool = True,
    max_snap_m: float | None = None,
) -> list[RouteLeg]:
    """Draw a route along the land network: one :class:`RouteLeg` per consecutive stop pair.

    Parameters
    ----------
    G
        Network following :mod:`optimizer.network.contract` (``crs`` projected, nodes with
        ``x, y, lon, lat, island_id``).
    stops_lonlat
        n stops as ``(lon, lat)`` degrees, EPSG:4326, in visiting order; shape (n, 2).
    travel_mode
        ``"car"``, ``"ebike"`` or ``"walk"``: the path minimises ``travel_time_s_<mode>`` (seconds).
    islands
        Island polygons used to snap stops (see :func:`optimizer.network.snap.snap_points`);
        default the embedded Putuo islands.
    access
        True (default): each land leg starts and ends with the straight access segment between the
        stop and its node, so the line touches the stop. False: the line runs node to node only
        (published maps use this so that no line points at a private stop).
    max_snap_m
        Sea tolerance for snapping (metres); default
        :data:`optimizer.network.islands.DEFAULT_MAX_SNAP_M`.

    Returns
    -------
    list of RouteLeg
        ``n − 1`` legs (empty for fewer than two stops), geometry in EPSG:4326.

    Raises
    ------
    ValueError
        If ``travel_mode`` is unknown.
    optimizer.errors.InputError
        If ``stops_lonlat`` is not an (n, 2) array of finite degrees.

    Examples
    --------
    >>> legs = route_geometry(G, [(122.30, 29.94), (122.31, 29.95)])  # doctest: +SKIP
    >>> [leg.kind for leg in legs]  # doctest: +SKIP
    ['land']
    """
    from optimizer.network.islands import DEFAULT_MAX_SNAP_M, points_from_lonlat
    from optimizer.network.matrix import router
    from optimizer.network.snap import snap_points

    if travel_mode not in TRAVEL_MODES:
        raise ValueError(f"travel_mode {travel_mode!r} unknown; expected one of {TRAVEL_MODES}")
    pts = np.asarray(stops_lonlat, dtype=float)
    if pts.ndim != 2 or (len(pts) and pts.shape[1] != 2):
        raise InputError(f"stops_lonlat must have shape (n, 2) (lon, lat); got {pts.shape}",
                         field="stops_lonlat")
    bad = np.flatnonzero(~np.all(np.isfinite(pts), axis=1)) if len(pts) else []
    if len(bad):
        raise InputError(f"stop {int(bad[0]) + 1} has no finite lon/lat ({pts[bad[0]].tolist()})",
                         row=int(bad[0]) + 1, field="lon")
    if len(pts) < 2:
        return []
    crs = graph_crs(G)
    to_m = Transformer.from_crs(WGS84, crs, always_xy=True)
    to_deg = Transformer.from_crs(crs, WGS84, always_xy=True)
    sx, sy = to_m.transform(pts[:, 0], pts[:, 1])
    stop_xy = np.column_stack([sx, sy])

    tol = DEFAULT_MAX_SNAP_M if max_snap_m is None else max_snap_m
    snap = snap_points(G, points_from_lonlat(pts[:, 0], pts[:, 1]), islands=islands,
                       max_snap_m=tol)
    nodes = list(snap["node"])
    r = router(G, travel_mode)
    comp = _land_components(G)
    sources = sorted({r.index[nodes[i]] for i in range(len(pts) - 1) if nodes[i] is not None})
    dist = pred = None
    src_row: dict[int, int] = {}
    if sources:
        dist, pred = dijkstra(r.csr, directed=True, indices=sources, return_predecessors=True)
        src_row = {s: k for k, s in enumerate(sources)}

    legs: list[RouteLeg] = []
    for i in range(len(pts) - 1):
        a, b = nodes[i], nodes[i + 1]
        straight = np.vstack([stop_xy[i], stop_xy[i + 1]])
        t = np.inf
        if a is None or b is None:
            kind, xy = "unsnapped", straight
        elif comp.get(a) != comp.get(b):
            kind, xy = "ferry", straight
        else:
            ra, rb = r.index[a], r.index[b]
            row = src_row[ra]
            t = float(dist[row, rb])
            if not np.isfinite(t):
                kind, xy = "no_land_path", straight
            else:
                path = [rb]
                while path[-1] != ra:
                    path.append(int(pred[row, path[-1]]))
                path.reverse()
                ids = [r.nodes[k] for k in path]
                if len(ids) == 1:
                    kind = "same_place"
                    xy = np.array([[G.nodes[a]["x"], G.nodes[a]["y"]]] * 2, dtype=float)
                else:
                    kind = "land"
                    parts = [_edge_xy(G, u, v, r.attr) for u, v in pairwise(ids)]
                    xy = np.vstack([parts[0]] + [p[1:] for p in parts[1:]])
                if access:
                    xy = np.vstack([stop_xy[i], xy, stop_xy[i + 1]])
        xy = _dedupe(xy)
        length_m = float(np.hypot(*np.diff(xy, axis=0).T).sum())
        lon, lat = to_deg.transform(xy[:, 0], xy[:, 1])
        legs.append(RouteLeg(i, i + 1, kind, LineString(np.column_stack([lon, lat])), a, b,
                             t if kind in ("land", "same_place") else np.inf, length_m))
    return legs


def route_legs_frame(legs: Sequence[RouteLeg]) -> gpd.GeoDataFrame:
    """Legs as a GeoDataFrame (EPSG:4326): ``from_stop, to_stop, kind, travel_time_s,
    length_m, geometry``, one row per leg."""
    return gpd.GeoDataFrame(
        {"from_stop": [leg.from_stop for leg in legs], "to_stop": [leg.to_stop for leg in legs],
         "kind": [leg.kind for leg in legs],
         "travel_time_s": [leg.travel_time_s for leg in legs],
         "length_m": [leg.length_m for leg in legs]},
        geometry=[leg.geometry for leg in legs],
        crs=WGS84)
