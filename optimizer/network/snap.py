"""Snap points to the nearest graph node **on the same island** (never across water).

Each point is first given an island (:func:`optimizer.network.islands.island_of`, which moves
points lying in the sea to the nearest island within a tolerance and reports the others), then
matched to the nearest node of that island with a per-island :class:`scipy.spatial.cKDTree` in
the graph's projected CRS (``G.graph["crs"]``, the UTM zone of the study area). Points whose island
has no node are reported, not moved to another island.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from optimizer.errors import InputError, InputErrors, UnreachableError
from optimizer.network.contract import graph_crs
from optimizer.network.islands import DEFAULT_MAX_SNAP_M, _as_points_gdf, island_of, load_islands

SNAP_NODE_KINDS = ("road", "bridge_end")
"""Node kinds points may snap to by default (piers are reached through their access edges)."""

SNAP_STATUSES = ("on_land", "snapped", "in_sea", "no_node_on_island")
"""Values of the ``status`` column of :func:`snap_points`; the first two mean a node was found."""



class PointLabel(NamedTuple):
    """Where a point to snap came from: an input file, its spreadsheet line (header = line 1;
    ``None`` if unknown) and the record as a person names it (``"unit U01"``)."""

    file: str
    line: int | None
    record: str


_TREES: "weakref.WeakKeyDictionary[nx.MultiDiGraph, dict]" = weakref.WeakKeyDictionary()


def _island_trees(G: nx.MultiDiGraph,
                  kinds: tuple[str, ...]) -> dict[str, tuple[cKDTree, np.ndarray]]:
    # trees depend on nodes only; counting edges of a MultiDiGraph is O(E) and was the hot spot
    sig = (G.number_of_nodes(), kinds)
    cache = _TREES.setdefault(G, {})
    if cache.get("sig") == sig:
        return cache["trees"]
    groups: dict[str, tuple[list, list]] = {}
    for n, d in G.nodes(data=True):
        if d.get("kind", "road") in kinds and d.get("island_id", ""):
            ids, xy = groups.setdefault(d["island_id"], ([], []))
            ids.append(n)
            xy.append((d["x"], d["y"]))
    trees = {isl: (cKDTree(np.asarray(xy)), np.asarray(ids, dtype=object))
             for isl, (ids, xy) in groups.items()}
    cache.update(sig=sig, trees=trees)
    return trees


def snap_points(
    G: nx.MultiDiGraph,
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    islands: gpd.GeoDataFrame | None = None,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    node_kinds: Iterable[str] = SNAP_NODE_KINDS,
    strict: bool = False,
    labels: Sequence[PointLabel | str] | None = None,
) -> pd.DataFrame:
    """Snap each point to the nearest node of ``G`` on the point's island.

    Parameters
    ----------
    G
        Network following :mod:`optimizer.network.contract` (``crs`` its projected CRS; nodes
        with ``x, y, island_id, kind``).
    points
        n points with a CRS (converted to the graph's CRS).
    islands
        Island polygons used to place points; default the embedded Putuo islands.
    max_snap_m
        Sea tolerance (metres) passed to :func:`~optimizer.network.islands.island_of`.
    node_kinds
        Node kinds eligible as snap targets (default :data:`SNAP_NODE_KINDS`).
    strict
        If true raise for the points that got no node (see Raises); otherwise report them in
        ``status``.
    labels
        One per point, how messages name it: a :class:`PointLabel` for a point read from an
        input file (then the error is an input error naming file, line and record), or a text.
        Default: the index label when it is text, else the point's lon/lat.

    Returns
    -------
    pandas.DataFrame
        Index = ``points.index``; columns ``node`` (node id, ``None`` if none), ``island_id``,
        ``snap_distance_m`` (straight metres from the point to the node; ``inf`` if none),
        ``distance_to_land_m`` and ``status`` (one of :data:`SNAP_STATUSES`).

    Raises
    ------
    optimizer.errors.InputError
        If points lack a CRS or are not points.
    optimizer.errors.InputErrors
        If ``strict`` and some point labelled with a :class:`PointLabel` has no node: one
        problem per point (file, line, record, field ``lon``) with the distance to the nearest
        island and to the nearest road node, and the fix.
    optimizer.errors.UnreachableError
        If ``strict`` and some other point has no node (``ids`` lists their index labels; the
        message names each by label with the same distances).
    """
    pts = _as_points_gdf(points)
    if islands is None:
        islands = load_islands()
    where = island_of(pts, islands, max_snap_m=max_snap_m)
    xy = np.column_stack(_xy(pts.to_crs(graph_crs(G))))
    trees = _island_trees(G, tuple(node_kinds))
    n = len(pts)
    node = np.full(n, None, dtype=object)
    dist = np.full(n, np.inf)
    status = where["status"].to_numpy().astype(object)
    isl_arr = where["island_id"].to_numpy()
    for isl in pd.unique(isl_arr):
        rows = np.flatnonzero(isl_arr == isl)
        if not isl:
            continue
        if isl not in trees:
            status[rows] = "no_node_on_island"
            continue
        tree, ids = trees[isl]
        d, k = tree.query(xy[rows])
        node[rows] = ids[k]
        dist[rows] = d
    out = pd.DataFrame({"node": node, "island_id": isl_arr, "snap_distance_m": dist,
                        "distance_to_land_m": where["distance_to_land_m"].to_numpy(),
                        "status": status}, index=pts.index)
    if strict and out["node"].isna().any():
        _raise_unsnapped(out, pts, xy, trees, labels, max_snap_m)
    return out


def _raise_unsnapped(out: pd.DataFrame, pts: gpd.GeoDataFrame, xy: np.ndarray,
                     trees: dict[str, tuple[cKDTree, np.ndarray]],
                     labels: Sequence[PointLabel | str] | None, max_snap_m: float) -> None:
    """Raise for the points of ``out`` without a node, each named by its label with the
    distances to land and to the nearest road node (any island) and the fix."""
    lonlat = pts.to_crs("EPSG:4326")
    problems, texts = [], []
    for k in np.flatnonzero(out["node"].isna().to_numpy()):
        r = out.iloc[k]
        road = min((float(t.query(xy[k])[0]) for t, _ in trees.values()), default=math.inf)
        where = (f"in the sea, {r['distance_to_land_m']:.0f} m from the nearest island (more "
                 f"than the {max_snap_m:g} m a point is moved to land)"
                 if r["status"] == "in_sea" else f"on island {r['island_id']}, which has no road "
                 "in the network")
        why = (f"cannot be reached: {where}; the nearest road is {road:.0f} m away. Fix: check "
               "the coordinates (swapped? Amap/Baidu coordinates are GCJ-02/BD-09: say so with "
               "the section's coord_system or a coord_system column)")
        label = None if labels is None else labels[k]
        if isinstance(label, PointLabel):
            problems.append(InputError(f"{label.record} {why}", file=label.file,
                                       line=label.line, field="lon"))
            continue
        if label is None:
            idx, g = out.index[k], lonlat.geometry.iloc[k]
            label = idx if isinstance(idx, str) else f"point ({g.x:.6f} E, {g.y:.6f} N)"
        texts.append(f"{label} {why}")
    if problems:
        raise InputErrors(problems)
    raise UnreachableError(f"{len(texts)} point(s) could not be snapped to a road on their "
                           "island:\n  - " + "\n  - ".join(texts[:20]),
                           ids=[str(i) for i in out.index[out["node"].isna()]])


def _xy(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    return gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()


def nearest_node_same_island(G: nx.MultiDiGraph, x_m: float, y_m: float, island_id: str, *,
                             node_kinds: Iterable[str] = SNAP_NODE_KINDS) -> tuple[object, float]:
    """Nearest node (id, distance in metres) to a projected point on a given island.

    Parameters
    ----------
    G
        Network (projected, ``G.graph["crs"]``).
    x_m, y_m
        Point coordinates in the graph's CRS (metres).
    island_id
        The island whose nodes are searched.
    node_kinds
        Eligible node kinds.

    Returns
    -------
    tuple
        ``(node_id, distance_m)``.

    Raises
    ------
    optimizer.errors.UnreachableError
        If the island has no eligible node.
    """
    trees = _island_trees(G, tuple(node_kinds))
    if island_id not in trees:
        raise UnreachableError(f"island {island_id!r} has no network node of kinds "
                               f"{tuple(node_kinds)}", ids=[island_id])
    tree, ids = trees[island_id]
    d, k = tree.query([x_m, y_m])
    return ids[int(k)], float(d)
