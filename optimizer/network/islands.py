"""Island polygons: loading, point → island lookup with sea snapping, connectivity diagnostics.

The Putuo islands are the GSHHG 2.3.7 full-resolution shoreline polygons shipped in
``data/geo/putuo/islands/putuo_islands_gshhg.geojson`` (127 polygons, 14 named; provenance in
``data/geo/putuo/SOURCES.md``). Every function accepts any island GeoDataFrame with the same
columns (``island_id`` unique, polygon geometry, optional ``name_zh``/``name_en``/``area_km2``/
``share_in_putuo_boundary``/``fixed_link_group``), so toy islands work the same way.

Coordinates: inputs and outputs in WGS 84 (EPSG:4326); distances are computed in the working CRS,
the UTM zone of the islands (:func:`~optimizer.network.contract.local_crs`; EPSG:32651, UTM 51N,
for Putuo).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from optimizer.errors import InputError, InputErrors
from optimizer.network.contract import LAND_MODES, WGS84, local_crs

PUTUO_ISLANDS = "putuo/islands/putuo_islands_gshhg.geojson"
"""Dataset name (for :func:`optimizer.datasets.get_path`) of the Putuo island polygons."""

DEFAULT_MAX_SNAP_M = 500.0
"""Largest distance (metres) a point in the sea is moved to the nearest island.

Assumption: GSHHG predates recent land reclamation and some coastline is "several hundred metres
off today's" (SOURCES.md caveats); piers and harbour-front addresses often fall a few hundred metres
off the GSHHG shore. Points farther than this are reported as ``in_sea``, never moved silently.
"""

ISLAND_STATUSES = ("on_land", "snapped", "in_sea")
"""Values of the ``status`` column returned by :func:`island_of`."""


def load_islands(path: str | Path | None = None, *, crs: str = WGS84) -> gpd.GeoDataFrame:
    """Load island polygons as a GeoDataFrame (EPSG:4326 by default), validated.

    Parameters
    ----------
    path
        A GeoJSON/GeoPackage file of island polygons; default the embedded Putuo file
        (:data:`PUTUO_ISLANDS`).
    crs
        Output CRS: ``"EPSG:4326"`` (default) or a projected one, e.g. ``"EPSG:32651"``.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per island, index 0..n-1, columns as in the file (``island_id`` at least), in
        ``crs``. ``name_zh``/``name_en`` are filled with ``""`` when missing; ``area_km2`` is
        computed (in the islands' UTM zone) when absent.

    Raises
    ------
    optimizer.errors.InputErrors
        If ``island_id`` is missing or duplicated, or a geometry is empty, invalid or not a polygon
        (every problem listed with its row).
    FileNotFoundError
        If the file does not exist.

    Examples
    --------
    >>> isl = load_islands()
    >>> isl.loc[isl.island_id == "ISL001", "name_zh"].item()
    '舟山岛'
    """
    gdf = _load_islands_cached(str(path) if path is not None else None).copy()
    return gdf if crs == WGS84 else gdf.to_crs(crs)


@lru_cache(maxsize=8)
def _load_islands_cached(path: str | None) -> gpd.GeoDataFrame:
    if path is None:
        from optimizer.datasets import get_path

        path = str(get_path(PUTUO_ISLANDS))
    gdf = gpd.read_file(path)
    return validate_islands(gdf, file=path)


def validate_islands(gdf: gpd.GeoDataFrame, *, file: str | None = None) -> gpd.GeoDataFrame:
    """Check an island GeoDataFrame and return it normalised (EPSG:4326, index 0..n-1).

    Parameters
    ----------
    gdf
        Island polygons with an ``island_id`` column and a CRS.
    file
        Source file name for error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy in EPSG:4326 with ``name_zh``, ``name_en`` (``""`` if missing) and ``area_km2``.

    Raises
    ------
    optimizer.errors.InputErrors
        Listing every missing/duplicate id and every empty, invalid or non-polygon geometry
        (row = 1-based feature number).
    """
    errors: list[InputError] = []
    if gdf.crs is None:
        errors.append(InputError("island layer has no CRS; expected EPSG:4326", file=file))
    if "island_id" not in gdf.columns:
        errors.append(InputError("column missing; expected unique ids like 'ISL001'", file=file,
                                 field="island_id"))
    if errors:
        raise InputErrors(errors)
    out = gdf.to_crs(WGS84).reset_index(drop=True).copy()
    ids = out["island_id"].astype(str)
    dup = ids.duplicated(keep=False)
    for i in np.flatnonzero(dup.to_numpy()):
        errors.append(InputError(f"island_id {ids[i]!r} is duplicated; ids must be unique",
                                 file=file, row=int(i) + 1, field="island_id"))
    for i, geom in enumerate(out.geometry):
        if geom is None or geom.is_empty:
            errors.append(InputError("empty geometry", file=file, row=i + 1, field="geometry"))
        elif geom.geom_type not in ("Polygon", "MultiPolygon"):
            errors.append(InputError(f"geometry is a {geom.geom_type}; expected Polygon",
                                     file=file, row=i + 1, field="geometry"))
        elif not geom.is_valid:
            errors.append(InputError("invalid polygon (self-intersection?); repair it with "
                                     "shapely.make_valid", file=file, row=i + 1, field="geometry"))
    if errors:
        raise InputErrors(errors)
    out["island_id"] = ids
    for col in ("name_zh", "name_en"):
        out[col] = out[col].fillna("").astype(str) if col in out.columns else ""
    if "area_km2" not in out.columns:
        out["area_km2"] = out.to_crs(local_crs(out)).area.to_numpy() / 1e6
    return out


def select_islands(
    islands: gpd.GeoDataFrame,
    *,
    min_area_km2: float = 0.05,
    shares: Iterable[str] = ("full", "partial"),
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Choose the islands to model and list the others with the reason (nothing dropped silently).

    Every named island is kept. Others are kept when their ``share_in_putuo_boundary`` is in
    ``shares`` (if that column exists) and their ``area_km2 >= min_area_km2``.

    Parameters
    ----------
    islands
        Island polygons (see :func:`load_islands`).
    min_area_km2
        Smallest unnamed island kept (km²). Default 0.05 km² (5 ha, assumption: smaller rocks are
        not settled); the 82 GSHHG polygons lying fully or partly in Putuo are all at least that
        large, so the default keeps every one of them.
    shares
        Allowed values of ``share_in_putuo_boundary``; ``outside_or_edge`` polygons (45 islets of
        neighbouring districts touching the buffered boundary, 3.7 km² in total) are left out.

    Returns
    -------
    kept : geopandas.GeoDataFrame
        The islands to model (EPSG:4326).
    left_out : pandas.DataFrame
        ``island_id``, ``name_zh``, ``area_km2``, ``reason`` for every island not kept.

    Raises
    ------
    optimizer.errors.InputError
        If ``min_area_km2`` is negative.
    """
    if not min_area_km2 >= 0:
        raise InputError(f"min_area_km2={min_area_km2!r}; expected a number >= 0",
                         field="min_area_km2")
    named = islands["name_zh"].fillna("").astype(str) != ""
    big = islands["area_km2"].to_numpy() >= min_area_km2
    shares = tuple(shares)
    if "share_in_putuo_boundary" in islands.columns:
        inside = islands["share_in_putuo_boundary"].isin(shares).to_numpy()
    else:
        inside = np.ones(len(islands), dtype=bool)
    keep = named.to_numpy() | (big & inside)
    reasons = np.where(~inside, "outside the district (share_in_putuo_boundary not in "
                       + ", ".join(shares) + ")", f"area below {min_area_km2} km²")
    left = islands.loc[~keep, ["island_id", "name_zh", "area_km2"]].copy()
    left["reason"] = reasons[~keep]
    return islands.loc[keep].reset_index(drop=True), left.reset_index(drop=True)


def _as_points_gdf(points: gpd.GeoDataFrame | gpd.GeoSeries) -> gpd.GeoDataFrame:
    if isinstance(points, gpd.GeoSeries):
        points = gpd.GeoDataFrame(geometry=points)
    if not isinstance(points, gpd.GeoDataFrame):
        raise InputError(f"points must be a GeoDataFrame/GeoSeries, got {type(points).__name__}; "
                         "use points_from_lonlat(lon, lat)")
    if points.crs is None:
        raise InputError("points have no CRS; set it (e.g. gdf.set_crs('EPSG:4326'))",
                         field="geometry")
    bad = [i for i, g in enumerate(points.geometry) if g is None or g.is_empty
           or g.geom_type != "Point"]
    if bad:
        raise InputErrors([InputError("missing or non-point geometry", row=i + 1, field="geometry")
                           for i in bad])
    return points


def points_from_lonlat(lon: Iterable[float], lat: Iterable[float]) -> gpd.GeoDataFrame:
    """Build a point GeoDataFrame (EPSG:4326) from longitude/latitude arrays (degrees).

    Raises
    ------
    optimizer.errors.InputErrors
        If the arrays differ in length or a value is not finite / out of range (row = position + 1).
    """
    lon_a = np.asarray(list(lon), dtype=float)
    lat_a = np.asarray(list(lat), dtype=float)
    if lon_a.shape != lat_a.shape:
        raise InputError(f"lon has {lon_a.size} values but lat has {lat_a.size}", field="lon")
    errors = [InputError(f"lon/lat ({x}, {y}) not finite or out of range", row=i + 1, field="lon")
              for i, (x, y) in enumerate(zip(lon_a, lat_a))
              if not (np.isfinite(x) and np.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90)]
    if errors:
        raise InputErrors(errors)
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon_a, lat_a), crs=WGS84)


def island_of(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    islands: gpd.GeoDataFrame,
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
) -> pd.DataFrame:
    """Find the island of each point; points in the sea go to the nearest island within a tolerance.

    Parameters
    ----------
    points
        Points with a CRS (any; measured in the UTM zone of the islands, :func:`local_crs`).
        n rows.
    islands
        Island polygons (see :func:`load_islands`).
    max_snap_m
        Points off every island by at most this many metres are assigned to the nearest island
        (``status == "snapped"``); farther points get ``island_id == ""`` and
        ``status == "in_sea"``.
        Default :data:`DEFAULT_MAX_SNAP_M`.

    Returns
    -------
    pandas.DataFrame
        Index = ``points.index``; columns ``island_id`` (str, ``""`` in the sea),
        ``distance_to_land_m`` (metres to the nearest island, 0 on land) and ``status`` (one of
        :data:`ISLAND_STATUSES`).

    Raises
    ------
    optimizer.errors.InputError
        If points lack a CRS or hold non-point geometries, or ``max_snap_m`` is negative.

    Examples
    --------
    >>> isl = load_islands()
    >>> pts = points_from_lonlat([122.30, 122.0], [29.94, 29.95])  # Shenjiamen; far west in sea
    >>> island_of(pts, isl)["status"].tolist()
    ['on_land', 'in_sea']
    """
    if not max_snap_m >= 0:
        raise InputError(f"max_snap_m={max_snap_m!r}; expected metres >= 0", field="max_snap_m")
    crs = local_crs(islands)
    pts = _as_points_gdf(points).to_crs(crs)
    isl = islands.to_crs(crs)
    geoms = pts.geometry.values
    n = len(pts)
    out_id = np.full(n, "", dtype=object)
    dist = np.full(n, np.inf)
    if n:
        # nearest island (distance 0 when inside); ties on land resolved to the first polygon
        idx = isl.sindex.nearest(geoms, return_all=False, return_distance=True)
        (pi, ii), d = idx
        out_id[pi] = isl["island_id"].to_numpy()[ii]
        dist[pi] = d
    status = np.where(dist == 0.0, "on_land", np.where(dist <= max_snap_m, "snapped", "in_sea"))
    out_id = np.where(status == "in_sea", "", out_id)
    return pd.DataFrame({"island_id": out_id.astype(str), "distance_to_land_m": dist,
                         "status": status}, index=points.index)


def land_components(G: nx.MultiDiGraph) -> dict[str, int]:
    """Group islands joined by land (road, bridge or access edges) into numbered components.

    Parameters
    ----------
    G
        A network following :mod:`optimizer.network.contract`.

    Returns
    -------
    dict
        ``island_id`` → component number (0 = the component with most nodes). An island whose nodes
        fall into several land components gets the largest one.
    """
    land = nx.Graph()
    land.add_nodes_from(G.nodes)
    land.add_edges_from((u, v) for u, v, m in G.edges(data="mode") if m in LAND_MODES)
    comps = sorted(nx.connected_components(land), key=len, reverse=True)
    best: dict[str, tuple[int, int]] = {}
    for c_no, comp in enumerate(comps):
        counts: dict[str, int] = {}
        for n in comp:
            isl = G.nodes[n].get("island_id", "")
            if isl:
                counts[isl] = counts.get(isl, 0) + 1
        for isl, k in counts.items():
            if isl not in best or k > best[isl][1]:
                best[isl] = (c_no, k)
    return {isl: c for isl, (c, _) in best.items()}


def island_connectivity(
    G: nx.MultiDiGraph,
    islands: gpd.GeoDataFrame,
    *,
    ferry_links: Iterable[tuple[str, str]] = (),
    reference_island: str | None = "ISL001",
) -> pd.DataFrame:
    """Diagnose how each island is joined: by land, by ferry only, or not at all.

    Parameters
    ----------
    G
        The network (land proxy or multimodal). Ferry edges (``mode == "ferry"``) between nodes on
        two islands count as ferry links.
    islands
        Every island to report (all rows are reported, also those without nodes: never dropped).
    ferry_links
        Extra ferry links as ``(island_id_a, island_id_b)`` pairs (undirected), e.g. from a ferry
        link table when the graph holds no ferry edges yet.
    reference_island
        Island from which reachability is judged (default ``"ISL001"``, 舟山岛 with the district
        seat); ``None`` to skip the ``reachable_from_reference`` column (all ``NA``).

    Returns
    -------
    pandas.DataFrame
        One row per island in ``islands`` order: ``island_id``, ``name_zh``, ``area_km2``,
        ``n_nodes``, ``land_component`` (−1 without nodes), ``land_linked_islands`` (other islands
        in the same land component, ';'-joined), ``ferry_linked_islands`` (';'-joined),
        ``status`` (``"no_nodes"``, ``"land_linked"``, ``"ferry_only"``, ``"isolated"``) and
        ``reachable_from_reference`` (by land and/or ferry).

    Raises
    ------
    optimizer.errors.InputError
        If a ferry link names an island id not in ``islands`` (field ``ferry_links``, row = pair
        position + 1).
    """
    ids = islands["island_id"].astype(str).tolist()
    known = set(ids)
    n_nodes = dict.fromkeys(ids, 0)
    for _, isl in G.nodes(data="island_id"):
        if isl in n_nodes:
            n_nodes[isl] += 1
    comp = land_components(G)
    members: dict[int, list[str]] = {}
    for isl, c in comp.items():
        members.setdefault(c, []).append(isl)
    ferry = nx.Graph()
    ferry.add_nodes_from(ids)
    errors = []
    for i, (a, b) in enumerate(ferry_links):
        if a not in known or b not in known:
            errors.append(InputError(f"ferry link ({a!r}, {b!r}) names an unknown island",
                                     row=i + 1, field="ferry_links"))
        elif a != b:
            ferry.add_edge(a, b)
    if errors:
        raise InputErrors(errors)
    for u, v, m in G.edges(data="mode"):
        if m == "ferry":
            a, b = G.nodes[u].get("island_id", ""), G.nodes[v].get("island_id", "")
            if a in known and b in known and a != b:
                ferry.add_edge(a, b)
    # reachability over islands: land components collapse, ferry links join
    reach = nx.Graph()
    reach.add_nodes_from(ids)
    reach.add_edges_from(ferry.edges)
    for group in members.values():
        reach.add_edges_from((group[0], o) for o in group[1:] if o in known and group[0] in known)
    reachable = (nx.node_connected_component(reach, reference_island)
                 if reference_island in known and n_nodes.get(reference_island, 0) else set())
    rows = []
    for i, isl in enumerate(ids):
        c = comp.get(isl, -1)
        land_linked = sorted(o for o in members.get(c, []) if o != isl) if c >= 0 else []
        ferry_linked = sorted(ferry.neighbors(isl))
        if n_nodes[isl] == 0:
            status = "no_nodes"
        elif land_linked:
            status = "land_linked"
        elif ferry_linked:
            status = "ferry_only"
        else:
            status = "isolated"
        rows.append({
            "island_id": isl,
            "name_zh": str(islands["name_zh"].iloc[i]) if "name_zh" in islands else "",
            "area_km2": float(islands["area_km2"].iloc[i]) if "area_km2" in islands else np.nan,
            "n_nodes": n_nodes[isl],
            "land_component": c,
            "land_linked_islands": ";".join(land_linked),
            "ferry_linked_islands": ";".join(ferry_linked),
            "status": status,
            "reachable_from_reference": (pd.NA if reference_island is None
                                         else bool(isl in reachable and n_nodes[isl] > 0)),
        })
    return pd.DataFrame(rows)
