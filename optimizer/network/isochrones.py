"""Isochrone polygons from node arrival times, clipped to land.

:func:`isochrone_polygons` takes any mapping node → arrival time (seconds), so the static land
search (:func:`land_isochrones`) and the time-dependent ferry search feed the same code.

Construction, per threshold ``t`` (in the graph's projected CRS): each reached node with time
``τ ≤ t`` contributes a disc of radius ``min(buffer_m, (t − τ) × speed / circuity)`` (the
remaining time spent off the network, when ``access_speed_kph`` is given; else ``buffer_m``),
and every edge whose two ends are reached contributes its segment buffered by ``buffer_m / 2``
(fills the lattice gaps). The union is intersected with the island polygons (no isochrone over
the sea) and returned in EPSG:4326.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from optimizer.errors import InputError
from optimizer.network.contract import WGS84, graph_crs

DEFAULT_BUFFER_M = 200.0
"""Disc radius (metres) around reached nodes; about 2/3 of the Putuo proxy spacing (300 m), so
discs of neighbouring lattice nodes overlap. A drawing choice, not a walking assumption."""


def isochrone_polygons(
    G: nx.MultiDiGraph,
    node_times_s: Mapping[Hashable, float],
    thresholds_s: Iterable[float],
    *,
    buffer_m: float = DEFAULT_BUFFER_M,
    islands: gpd.GeoDataFrame | None = None,
    access_speed_kph: float | None = None,
    circuity: float | None = None,
) -> gpd.GeoDataFrame:
    """One land-clipped (Multi)Polygon per time threshold from node arrival times.

    Parameters
    ----------
    G
        Network (projected node ``x, y``, ``G.graph["crs"]``).
    node_times_s
        Node id → arrival time in seconds (relative to the start; nodes absent or ``inf`` are not
        reached). Unknown node ids raise.
    thresholds_s
        Time thresholds in seconds (any order; output sorted ascending, duplicates kept once).
    buffer_m
        Disc radius around reached nodes (metres), default :data:`DEFAULT_BUFFER_M`.
    islands
        Land polygons to clip to; default the embedded Putuo islands.
    access_speed_kph
        If given, a node reached at ``τ`` gets radius ``min(buffer_m, (t − τ) × speed / circuity)``
        (km/h converted to m/s) so that barely reached nodes draw small discs.
    circuity
        Factor for the off-network leg; default ``G.graph["circuity"]`` or 1.3.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, columns ``threshold_s``, ``threshold_min``, ``n_nodes`` (nodes reached),
        ``area_km2`` (of the clipped polygon, computed in the graph's projected CRS) and
        ``geometry``
        ((Multi)Polygon; empty when nothing is reached).

    Raises
    ------
    optimizer.errors.InputError
        If a threshold or ``buffer_m`` is negative / not finite, or a node id is not in ``G``.
    """
    ths = sorted({float(t) for t in thresholds_s})
    for t in ths:
        if not np.isfinite(t) or t < 0:
            raise InputError(f"threshold {t!r} s; expected seconds >= 0", field="thresholds_s")
    if not (np.isfinite(buffer_m) and buffer_m > 0):
        raise InputError(f"buffer_m={buffer_m!r}; expected metres > 0", field="buffer_m")
    unknown = [n for n in node_times_s if n not in G]
    if unknown:
        raise InputError(f"{len(unknown)} node id(s) not in the graph, e.g. {unknown[:5]}",
                         field="node_times_s")
    if islands is None:
        from optimizer.network.islands import load_islands

        islands = load_islands()
    crs = graph_crs(G)
    land = shapely.union_all(islands.to_crs(crs).geometry.values)
    shapely.prepare(land)
    nodes = [n for n, t in node_times_s.items() if np.isfinite(t)]
    times = np.array([float(node_times_s[n]) for n in nodes])
    xy = np.array([(G.nodes[n]["x"], G.nodes[n]["y"]) for n in nodes]).reshape(-1, 2)
    pos = {n: i for i, n in enumerate(nodes)}
    pairs = {(min(pos[u], pos[v]), max(pos[u], pos[v])) for u, v in G.edges()
             if u in pos and v in pos and u != v}  # each street once, not once per direction
    eu_a = np.asarray([a for a, _ in sorted(pairs)], dtype=int)
    ev_a = np.asarray([b for _, b in sorted(pairs)], dtype=int)
    circ = float(circuity if circuity is not None else G.graph.get("circuity", 1.3))
    rows = []
    # Thresholds ascend, so each shape is the previous one plus what is newly reached; with the
    # access-speed option radii depend on the threshold and every shape is built afresh.
    incremental = access_speed_kph is None
    shape = Polygon()
    prev_nodes = np.zeros(len(times), dtype=bool)
    prev_edges = np.zeros(len(eu_a), dtype=bool)
    for t in ths:
        reached = times <= t
        k = int(reached.sum())
        if k == 0:
            rows.append({"threshold_s": t, "n_nodes": 0, "geometry": Polygon()})
            continue
        new_nodes = reached & ~prev_nodes if incremental else reached
        radius = np.full(int(new_nodes.sum()), buffer_m)
        if access_speed_kph is not None:
            radius = np.minimum(radius, (t - times[new_nodes]) * access_speed_kph / 3.6 / circ)
        radius = np.maximum(radius, 1.0)
        discs = shapely.buffer(shapely.points(xy[new_nodes]), radius, quad_segs=4)
        e_ok = reached[eu_a] & reached[ev_a] if len(eu_a) else np.zeros(0, dtype=bool)
        e_new = e_ok & ~prev_edges if incremental else e_ok
        parts = [discs, np.array([shape])] if incremental else [discs]
        if e_new.any():
            segs = shapely.linestrings(np.stack([xy[eu_a[e_new]], xy[ev_a[e_new]]], axis=1))
            parts.append(shapely.buffer(segs, buffer_m / 2.0, quad_segs=2))
        shape = shapely.union_all(np.concatenate(parts))
        prev_nodes, prev_edges = reached, e_ok
        clipped = shapely.intersection(shape, land)
        clipped = _polygonal(clipped)
        rows.append({"threshold_s": t, "n_nodes": k, "geometry": clipped})
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    gdf["area_km2"] = gdf.geometry.area / 1e6
    gdf["threshold_min"] = gdf["threshold_s"] / 60.0
    gdf = gdf[["threshold_s", "threshold_min", "n_nodes", "area_km2", "geometry"]]
    return gdf.to_crs(WGS84)


def _polygonal(geom):
    """Keep only the polygonal part of a geometry (intersections may add lines/points)."""
    if geom.is_empty or geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon",
                                                                          "MultiPolygon")]
    flat = []
    for p in polys:
        flat.extend(p.geoms if p.geom_type == "MultiPolygon" else [p])
    return MultiPolygon(flat) if flat else Polygon()


def land_isochrones(
    G: nx.MultiDiGraph,
    origin_point: gpd.GeoDataFrame | gpd.GeoSeries,
    thresholds_min: Iterable[float],
    *,
    travel_mode: str = "car",
    islands: gpd.GeoDataFrame | None = None,
    buffer_m: float = DEFAULT_BUFFER_M,
) -> gpd.GeoDataFrame:
    """Static land isochrones (ferries excluded) from one point.

    The point is snapped to its island (:func:`optimizer.network.snap.snap_points`); its access leg
    (snap distance × circuity / mode speed) is added to every node time, then
    :func:`isochrone_polygons` draws the polygons with the remaining-time disc radius at the mode's
    speed.

    Parameters
    ----------
    G
        Network (projected, ``G.graph["crs"]``).
    origin_point
        One point with a CRS.
    thresholds_min
        Thresholds in minutes (e.g. ``[5, 10, 15]``).
    travel_mode
        ``"car"``, ``"ebike"`` or ``"walk"``.
    islands
        Island polygons for snapping and clipping; default Putuo.
    buffer_m
        Disc radius (metres).

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`isochrone_polygons` (EPSG:4326), one row per threshold.

    Raises
    ------
    optimizer.errors.InputError
        If ``origin_point`` is not exactly one point.
    optimizer.errors.UnreachableError
        If the point cannot be snapped to a node on its island.
    """
    from optimizer.network.matrix import router
    from optimizer.network.snap import snap_points
    from optimizer.network.speeds import DEFAULT_CIRCUITY, ProxySpeeds

    if len(origin_point) != 1:
        raise InputError(f"origin_point has {len(origin_point)} rows; expected one point",
                         field="origin_point")
    if islands is None:
        from optimizer.network.islands import load_islands

        islands = load_islands()
    snap = snap_points(G, origin_point, islands=islands, strict=True)
    node = snap["node"].iloc[0]
    circuity = float(G.graph.get("circuity", DEFAULT_CIRCUITY))
    kph = float(G.graph.get("speeds_kph", {}).get(travel_mode,
                                                  ProxySpeeds().road_kph(travel_mode)))
    access_s = float(snap["snap_distance_m"].iloc[0]) * circuity / (kph / 3.6)
    ths_s = [60.0 * float(m) for m in thresholds_min]
    limit = max(ths_s) if ths_s else 0.0
    times = router(G, travel_mode).one_to_all(node, max_value=max(limit - access_s, 0.0))
    times = {n: t + access_s for n, t in times.items()}
    return isochrone_polygons(G, times, ths_s, buffer_m=buffer_m, islands=islands,
                              access_speed_kph=kph, circuity=circuity)
