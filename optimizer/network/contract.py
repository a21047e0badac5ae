"""The graph contract every network builder produces and every consumer relies on.

A network is a :class:`networkx.MultiDiGraph` (the OSMnx convention) with:

Graph attributes (``G.graph``)
    ``crs``              the projected working CRS: the WGS 84 UTM zone of the study area
                         (:func:`local_crs`; ``"EPSG:32651"``, UTM zone 51N, for Putuo), never a
                         fixed code. Everything measured in metres against the graph uses
                         :func:`graph_crs`.
    ``road_source``      ``"land_proxy"`` (approximate roads built from coastlines) or ``"osm"``.
    ``approximate_roads`` ``True`` when roads are the land proxy: every output must say
                         "approximate roads" (近似路网).
    ``name``             a human label.

Node attributes
    ``x``, ``y``         projected coordinates in metres, in ``G.graph["crs"]``.
    ``lon``, ``lat``     WGS84 (EPSG:4326) degrees.
    ``island_id``        id of the island polygon the node lies on (``"ISL001"`` …) or ``""`` if unknown.
    ``kind``             ``"road"``, ``"pier"`` (a GTFS stop; ``stop_id`` attribute too) or ``"bridge_end"``.

Edge attributes
    ``mode``             one of :data:`MODES`: ``"road"``, ``"bridge"``, ``"access"`` (pier to road,
                         point to road) or ``"ferry"``.
    ``length_m``         metres (for ferries: straight-line port-to-port length).
    ``travel_time_s_<m>`` seconds for each land travel mode ``<m>`` in :data:`TRAVEL_MODES`
                         (``travel_time_s_car``, ``travel_time_s_ebike``, ``travel_time_s_walk``);
                         ``inf`` when that travel mode may not use the edge (e.g. walk on a motorway).
                         Absent on ferry edges.
    Ferry edges (``mode == "ferry"``) carry no averaged time: they carry ``route_id`` and are
    traversed only through the timetable (:mod:`optimizer.network.ferries`), where each GTFS
    trip is a departure and an arrival.

Land travel-time matrices use every edge except ferries. Journeys across the water go through the
time-dependent earliest-arrival search, which adds boarding buffers and waits.
"""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx

from optimizer.errors import NetworkValidationError
from optimizer.io.coords import utm_crs

WGS84 = "EPSG:4326"
"""Geographic CRS of every input and published coordinate (lon/lat degrees)."""

MODES = ("road", "bridge", "access", "ferry")
"""Edge modes of the multimodal graph."""

LAND_MODES = ("road", "bridge", "access")
"""Edge modes usable by land travel (everything but ferries)."""

TRAVEL_MODES = ("car", "ebike", "walk")
"""Land travel modes; edge attribute ``travel_time_s_<mode>`` holds the time in seconds."""


def graph_crs(G: nx.MultiDiGraph) -> str:
    """The projected CRS of the graph's node ``x``/``y`` (``G.graph["crs"]``, metres).

    Raises
    ------
    optimizer.errors.NetworkValidationError
        If the graph has no ``crs``.
    """
    crs = G.graph.get("crs")
    if not crs:
        raise NetworkValidationError("G.graph['crs'] is missing; set it to the projected CRS of "
                                     "node x/y (e.g. local_crs(islands))")
    return str(crs)


def local_crs(data: gpd.GeoDataFrame | gpd.GeoSeries) -> str:
    """The UTM CRS (metres) of where geometries lie: the zone of the centre of their
    EPSG:4326 bounds (:func:`optimizer.io.coords.utm_crs`), e.g. ``"EPSG:32651"`` for Putuo.

    Parameters
    ----------
    data
        Geometries with a CRS (any).

    Raises
    ------
    ValueError
        If there is no geometry to locate.
    """
    g = data if data.crs is None or data.crs.to_epsg() == 4326 else data.to_crs(WGS84)
    x0, y0, x1, y1 = g.total_bounds
    return utm_crs((x0 + x1) / 2.0, (y0 + y1) / 2.0)


def weight_name(travel_mode: str) -> str:
    """Return the edge attribute holding travel times (seconds) for a land travel mode.

    Raises
    ------
    ValueError
        If ``travel_mode`` is not one of :data:`TRAVEL_MODES`.

    Examples
    --------
    >>> weight_name("ebike")
    'travel_time_s_ebike'
    """
    if travel_mode not in TRAVEL_MODES:
        raise ValueError(f"travel mode {travel_mode!r} unknown; expected one of {TRAVEL_MODES}")
    return f"travel_time_s_{travel_mode}"


def validate_network(G: nx.MultiDiGraph, *, strict: bool = True) -> list[str]:
    """Check a graph against the contract; collect every problem, then raise once.

    Parameters
    ----------
    G
        The network.
    strict
        If true (default) raise on any problem; otherwise return the list of problems.

    Returns
    -------
    list of str
        The problems found (empty when the graph is valid).

    Raises
    ------
    optimizer.errors.NetworkValidationError
        When ``strict`` and any problem is found; the message lists them all.
    """
    problems: list[str] = []
    crs = G.graph.get("crs")
    if not crs:
        problems.append("G.graph['crs'] is missing; set it to the projected CRS (the UTM zone "
                        "of the study area, e.g. EPSG:32651 for Putuo)")
    elif str(crs).upper() in ("EPSG:4326", "WGS84"):
        problems.append(f"G.graph['crs'] is {crs}, a geographic CRS; project the graph to "
                        "the UTM zone of the study area (local_crs)")
    if "approximate_roads" not in G.graph:
        problems.append("G.graph['approximate_roads'] is missing (True for the land proxy)")
    for n, d in G.nodes(data=True):
        for key in ("x", "y", "lon", "lat"):
            v = d.get(key)
            if not isinstance(v, (int, float)) or not math.isfinite(v):
                problems.append(f"node {n!r}: '{key}' missing or not a finite number ({v!r})")
        if len(problems) > 50:
            break
    for u, v, k, d in G.edges(keys=True, data=True):
        mode = d.get("mode")
        if mode not in MODES:
            problems.append(f"edge {u!r}->{v!r} ({k}): mode {mode!r} not one of {MODES}")
            continue
        length = d.get("length_m")
        if not isinstance(length, (int, float)) or not length >= 0:
            problems.append(f"edge {u!r}->{v!r} ({k}): length_m {length!r} not a number >= 0")
        if mode == "ferry":
            if "route_id" not in d:
                problems.append(f"ferry edge {u!r}->{v!r} ({k}): no route_id (timetable link)")
            continue
        for m in TRAVEL_MODES:
            t = d.get(weight_name(m))
            if not isinstance(t, (int, float)) or math.isnan(t) or t < 0:
                problems.append(
                    f"edge {u!r}->{v!r} ({k}): {weight_name(m)} {t!r} not a number >= 0 (inf allowed)"
                )
        if len(problems) > 50:
            break
    if problems and strict:
        raise NetworkValidationError(
            f"{len(problems)} problem(s) in network {G.graph.get('name', '')!r}:\n  - "
            + "\n  - ".join(problems[:50])
        )
    return problems
