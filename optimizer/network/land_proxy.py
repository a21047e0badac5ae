"""Approximate road network (近似路网) built from coastlines, for islands without road geometry.

No road geometry for Putuo was found (``data/geo/putuo/roads/road_facts.csv``), so land travel is
modelled on a *land proxy*: a regular lattice of nodes inside each island, joined only where the
straight segment stays on land, plus a shore ring per island and the two sourced bridges.

Method (all geometry in the UTM zone of the islands, metres: EPSG:32651 for Putuo)
-------------------------------------------
1. **Lattice.** A square grid with spacing ``spacing_m``, aligned on multiples of ``spacing_m``
   (deterministic), keeps the points strictly inside each island polygon. Each point is joined to
   its 8 neighbours (axis and diagonal) when the straight segment is covered by the polygon
   (buffered by :data:`LAND_TOLERANCE_M`): **no lattice edge crosses water**.
2. **Shore ring.** The island outline is sampled every ``spacing_m`` metres along its length (at
   least 3 samples; bridge landings are inserted as extra samples). Consecutive samples are joined
   by an edge following the shoreline (attribute ``geometry``, a LineString in the graph's CRS,
   when the chord would leave the island). The ring keeps each island's network connected where a
   peninsula is narrower than the lattice and gives every islet at least three nodes.
   Lattice points within ``spacing_m`` of a ring sample are joined to it when the segment is on
   land. An island whose lattice stays disconnected from its ring is reported in
   ``G.graph["proxy_warnings"]``.
3. **Bridges.** Each bridge joins the closest shore points of its two islands (an **estimate**: the
   sources give no landing points), mode ``"bridge"``, nodes of kind ``"bridge_end"``.
4. **Times.** Road edge length ``length_m`` = straight length × ``circuity`` /
   :data:`~optimizer.network.speeds.LATTICE_MEAN_DETOUR` (so that long lattice paths carry, on
   average, the intended circuity); shore edges use ``max(shoreline length, that)``. Bridge length
   is the straight span. ``travel_time_s_<mode> = length_m / speed`` with speeds from
   :class:`~optimizer.network.speeds.ProxySpeeds`.

Zhoushan Island (舟山岛, ISL001) extends into 定海区. The **whole island is kept**: Putuo residents
drive across the district line (舟山医院 in 定海 is a regional hospital,
``facilities/hospitals.csv`` H02), and clipping would cut real roads.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import nearest_points, substring

from optimizer.errors import InputError
from optimizer.network.contract import TRAVEL_MODES, WGS84, local_crs, weight_name
from optimizer.network.islands import select_islands
from optimizer.network.speeds import (
    BRIDGE_CIRCUITY,
    DEFAULT_CIRCUITY,
    LATTICE_MEAN_DETOUR,
    ProxySpeeds,
)

DEFAULT_SPACING_M = 300.0
"""Lattice spacing (metres) of the Putuo proxy: about 11,000 nodes over the 794 km² of the 82
islands kept (8,800 lattice + 2,400 shore nodes), the size needed for 10,000 × 100 matrices.
A design choice, not a measured road density."""

LAND_TOLERANCE_M = 1.0
"""Polygon buffer (metres) when testing that an edge lies on land (floating-point slack for shore
samples lying exactly on the outline)."""

ROAD_FACTS = "putuo/roads/road_facts.csv"
"""Dataset name of the sourced fixed links (bridges)."""


@dataclass(frozen=True)
class Bridge:
    """A fixed link between two islands.

    Parameters
    ----------
    name
        Label, e.g. ``"鲁家峙大桥 Lujiazhi bridge"``.
    island_a, island_b
        The two ``island_id`` values (distinct).
    source
        Where the bridge's existence is sourced.
    end_a_lonlat, end_b_lonlat
        Landing points (lon, lat degrees, EPSG:4326) if known; ``None`` → the closest shore points
        of the two islands (an estimate, flagged ``estimated=True`` on the edge).

    Raises
    ------
    optimizer.errors.InputError
        If the two islands are equal or empty.
    """

    name: str
    island_a: str
    island_b: str
    source: str = ""
    end_a_lonlat: tuple[float, float] | None = None
    end_b_lonlat: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if not self.island_a or not self.island_b or self.island_a == self.island_b:
            raise InputError(f"bridge {self.name!r} joins {self.island_a!r} and {self.island_b!r};"
                             " expected two different island ids", field="island_a")


@dataclass(frozen=True)
class BridgeTable:
    """Bridges read from a fixed-link table, and the rows that could not be placed.

    Parameters
    ----------
    bridges
        The bridges joining two modelled islands.
    skipped
        ``(item, reason)`` for each fixed link not modelled (e.g. to the mainland).
    """

    bridges: tuple[Bridge, ...]
    skipped: tuple[tuple[str, str], ...] = field(default=())


def _norm_name(s: str) -> str:
    s = re.sub(r"[(（].*?[)）]", "", s).strip()
    return s[:-1] if s.endswith("岛") else s


def load_bridges(islands: gpd.GeoDataFrame, *, path: str | Path | None = None) -> BridgeTable:
    """Read the sourced fixed links and match their ends to island names.

    ``connects`` holds ``"舟山岛(沈家门) - 鲁家峙"``; parentheses are dropped and names compared
    with and without the trailing 岛 against ``islands.name_zh``.

    Parameters
    ----------
    islands
        Island polygons with ``name_zh``.
    path
        The CSV (columns ``item, kind, connects, source``); default the embedded
        ``data/geo/putuo/roads/road_facts.csv``.

    Returns
    -------
    BridgeTable
        For Putuo: 鲁家峙大桥 (ISL001–ISL014) and 朱家尖大桥 (ISL001–ISL003); 舟山跨海大桥 is
        listed in ``skipped`` (its far end, Ningbo, is not an island of the model).

    Raises
    ------
    optimizer.errors.InputError
        If a ``fixed_link`` row's ``connects`` is not two names separated by ``" - "`` (names the
        file, row and field).
    """
    if path is None:
        from optimizer.datasets import get_path

        path = get_path(ROAD_FACTS)
    by_name = {_norm_name(str(n)): str(i) for n, i in zip(islands["name_zh"], islands["island_id"])
               if str(n)}
    bridges: list[Bridge] = []
    skipped: list[tuple[str, str]] = []
    with open(path, encoding="utf-8") as fh:
        for row_no, row in enumerate(csv.DictReader(fh), start=1):
            if row.get("kind") != "fixed_link":
                continue
            parts = [p.strip() for p in str(row.get("connects", "")).split(" - ")]
            if len(parts) != 2:
                raise InputError(f"connects {row.get('connects')!r}; expected 'A - B'",
                                 file=str(path), row=row_no, field="connects")
            ends = [by_name.get(_norm_name(p)) for p in parts]
            if None in ends:
                missing = [p for p, e in zip(parts, ends) if e is None]
                skipped.append((row["item"], f"no modelled island named {missing}"))
                continue
            bridges.append(Bridge(name=row["item"], island_a=ends[0], island_b=ends[1],
                                  source=row.get("source", "")))
    return BridgeTable(bridges=tuple(bridges), skipped=tuple(skipped))


class _Builder:
    """Accumulates nodes and undirected edges, then emits the MultiDiGraph."""

    def __init__(self) -> None:
        self.xy: list[tuple[float, float]] = []
        self.island: list[str] = []
        self.kind: list[str] = []
        self.role: list[str] = []
        self.edges: list[tuple[int, int, str, float, LineString | None, dict]] = []

    def add_nodes(self, xy: np.ndarray, island_id: str, kind: str, role: str) -> np.ndarray:
        start = len(self.xy)
        self.xy.extend(map(tuple, np.asarray(xy, dtype=float).reshape(-1, 2)))
        k = len(self.xy) - start
        self.island.extend([island_id] * k)
        self.kind.extend([kind] * k)
        self.role.extend([role] * k)
        return np.arange(start, start + k)

    def add_edge(self, u: int, v: int, mode: str, length_m: float,
                 geometry: LineString | None = None, **extra: object) -> None:
        self.edges.append((int(u), int(v), mode, float(length_m), geometry, extra))


def _covered(poly_buf, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Boolean mask: segment a[i]→b[i] covered by the (prepared) buffered polygon."""
    if len(a) == 0:
        return np.zeros(0, dtype=bool)
    coords = np.stack([a, b], axis=1)
    lines = shapely.linestrings(coords)
    return shapely.covers(poly_buf, lines)


def _island_network(b: _Builder, poly: Polygon, island_id: str, *, spacing_m: float,
                    edge_factor: float, forced: Sequence[tuple[float, float]],
                    warnings: list[str]) -> dict[tuple[float, float], int]:
    """Add one island's lattice and shore ring; return node ids of the forced shore points."""
    poly_buf = poly.buffer(LAND_TOLERANCE_M)
    shapely.prepare(poly_buf)
    shapely.prepare(poly)
    # 1. lattice
    minx, miny, maxx, maxy = poly.bounds
    xs = np.arange(math.ceil(minx / spacing_m), math.floor(maxx / spacing_m) + 1) * spacing_m
    ys = np.arange(math.ceil(miny / spacing_m), math.floor(maxy / spacing_m) + 1) * spacing_m
    lat_ids = np.empty(0, dtype=int)
    lat_xy = np.empty((0, 2))
    if len(xs) and len(ys):
        gx, gy = np.meshgrid(xs, ys, indexing="ij")
        inside = shapely.contains_xy(poly, gx, gy)
        ii, jj = np.nonzero(inside)
        lat_xy = np.column_stack([gx[ii, jj], gy[ii, jj]])
        lat_ids = b.add_nodes(lat_xy, island_id, "road", "lattice")
        index = np.full(inside.shape, -1, dtype=int)
        index[ii, jj] = np.arange(len(ii))
        nx_, ny_ = inside.shape
        for di, dj in ((1, 0), (0, 1), (1, 1), (1, -1)):
            i2, j2 = ii + di, jj + dj
            ok = (i2 < nx_) & (j2 >= 0) & (j2 < ny_)
            u = index[ii[ok], jj[ok]]
            v = index[i2[ok], j2[ok]]
            has = v >= 0
            u, v = u[has], v[has]
            mask = _covered(poly_buf, lat_xy[u], lat_xy[v])
            seg = spacing_m * math.hypot(di, dj)
            for x, y in zip(lat_ids[u[mask]], lat_ids[v[mask]]):
                b.add_edge(x, y, "road", seg * edge_factor)
    # 2. shore ring
    ring = LineString(poly.exterior.coords)
    perim = ring.length
    n_s = max(3, math.ceil(perim / spacing_m))
    pos = list(np.linspace(0.0, perim, n_s, endpoint=False))
    forced_pos = {pt: float(ring.project(Point(pt))) for pt in forced}
    pos = sorted(set(pos) | set(forced_pos.values()))
    # merge samples closer than 1 m (keep forced ones)
    fset = set(forced_pos.values())
    merged: list[float] = []
    for p in pos:
        if merged and p - merged[-1] < 1.0:
            if p in fset:
                merged[-1] = p
            continue
        merged.append(p)
    if len(merged) > 1 and perim - merged[-1] + merged[0] < 1.0 and merged[-1] not in fset:
        merged.pop()
    ring_xy = np.array([ring.interpolate(p).coords[0] for p in merged])
    forced_set = {forced_pos[pt] for pt in forced}
    kinds = ["bridge_end" if p in forced_set else "road" for p in merged]
    ring_ids = np.array([b.add_nodes(xy[None, :], island_id, k, "shore")[0]
                         for xy, k in zip(ring_xy, kinds)], dtype=int)
    m = len(merged)
    for k in range(m if m > 2 else m - 1):
        p0, p1 = merged[k], merged[(k + 1) % m]
        if (k + 1) % m == 0:
            arc = substring(ring, p0, perim)
            arc_geom = LineString(list(arc.coords) + list(substring(ring, 0.0, p1).coords)[1:])
        else:
            arc_geom = substring(ring, p0, p1)
        chord = LineString([ring_xy[k], ring_xy[(k + 1) % m]])
        length = max(arc_geom.length, chord.length * edge_factor)
        geom = None if poly_buf.covers(chord) else arc_geom
        b.add_edge(ring_ids[k], ring_ids[(k + 1) % m], "road", length, geom)
    # 3. lattice ↔ shore
    if len(lat_ids):
        tree = cKDTree(ring_xy)
        pairs = tree.query_ball_point(lat_xy, r=spacing_m * 1.0001)
        uu, vv = [], []
        for li, near in enumerate(pairs):
            for rj in near:
                uu.append(li)
                vv.append(rj)
        if uu:
            uu_a, vv_a = np.asarray(uu), np.asarray(vv)
            mask = _covered(poly_buf, lat_xy[uu_a], ring_xy[vv_a])
            d = np.hypot(*(lat_xy[uu_a] - ring_xy[vv_a]).T)
            for li, rj, dd in zip(uu_a[mask], vv_a[mask], d[mask]):
                b.add_edge(lat_ids[li], ring_ids[rj], "road", dd * edge_factor)
    else:
        # no lattice point: add the representative point when a segment joins it to the shore
        rp = np.asarray(poly.representative_point().coords[0])
        d = np.hypot(*(ring_xy - rp).T)
        ok = _covered(poly_buf, np.repeat(rp[None, :], m, axis=0), ring_xy)
        if ok.any():
            rid = b.add_nodes(rp[None, :], island_id, "road", "representative")[0]
            for rj in np.flatnonzero(ok):
                b.add_edge(rid, ring_ids[rj], "road", d[rj] * edge_factor)
    return {pt: int(ring_ids[merged.index(forced_pos[pt])]) for pt in forced}


def build_land_proxy(
    islands: gpd.GeoDataFrame,
    *,
    spacing_m: float = DEFAULT_SPACING_M,
    circuity: float = DEFAULT_CIRCUITY,
    speeds: ProxySpeeds | None = None,
    bridges: Iterable[Bridge] | None = None,
    min_area_km2: float = 0.05,
    select: bool = True,
    correct_lattice_detour: bool = True,
    name: str = "land proxy",
) -> nx.MultiDiGraph:
    """Build the approximate land road network of a set of islands (see the module docstring).

    Parameters
    ----------
    islands
        Island polygons (EPSG:4326 or any CRS), ``island_id`` unique; see
        :func:`optimizer.network.islands.load_islands`.
    spacing_m
        Lattice spacing and shore sampling step (metres). Default :data:`DEFAULT_SPACING_M`.
    circuity
        Road length / straight-line length (≥ 1). Default
        :data:`~optimizer.network.speeds.DEFAULT_CIRCUITY` (sources there).
    speeds
        Speeds per travel mode (km/h); default :class:`~optimizer.network.speeds.ProxySpeeds()`.
    bridges
        Fixed links; ``None`` → :func:`load_bridges` on the embedded Putuo table (the two sourced
        bridges). Pass ``()`` for none.
    min_area_km2
        Passed to :func:`optimizer.network.islands.select_islands` when ``select`` is true.
    select
        If true (default) keep only the islands chosen by ``select_islands`` (named islands always;
        others inside the district with area ≥ ``min_area_km2``); the rest are listed in
        ``G.graph["islands_left_out"]``. If false, model every row of ``islands``.
    correct_lattice_detour
        Divide the circuity by :data:`~optimizer.network.speeds.LATTICE_MEAN_DETOUR` on edges
        (default true). Set false for hand-checkable toy graphs.
    name
        ``G.graph["name"]``.

    Returns
    -------
    networkx.MultiDiGraph
        Following :mod:`optimizer.network.contract`: ``crs`` the islands' UTM zone
        (:func:`~optimizer.network.contract.local_crs`), ``road_source``
        ``"land_proxy"``, ``approximate_roads`` True; nodes 0..n-1 with ``x, y`` (metres),
        ``lon, lat`` (EPSG:4326), ``island_id``, ``kind`` (``road``/``bridge_end``) and
        ``proxy_role`` (``lattice``/``shore``/``representative``); each undirected link as two
        directed edges with ``mode`` (``road``/``bridge``), ``length_m`` and
        ``travel_time_s_{car,ebike,walk}`` (seconds); shore edges may carry ``geometry``
        (LineString, in ``crs``). Graph attributes also record ``spacing_m``, ``circuity``,
        ``speeds_kph``, ``bridges`` (with estimated spans), ``islands_modelled``,
        ``islands_left_out`` and ``proxy_warnings``.

    Raises
    ------
    optimizer.errors.InputError
        If ``spacing_m`` ≤ 0, ``circuity`` < 1, or a bridge names an island not modelled.

    Examples
    --------
    >>> from optimizer.network.islands import load_islands
    >>> G = build_land_proxy(load_islands())  # doctest: +SKIP
    >>> G.graph["approximate_roads"]  # doctest: +SKIP
    True
    """
    _check_proxy_options(spacing_m, circuity)
    speeds = speeds or ProxySpeeds()
    kept, left_out, bridges, skipped = _islands_and_bridges(islands, select=select,
                                                            min_area_km2=min_area_km2,
                                                            bridges=bridges)
    crs = local_crs(kept)
    kept_m = kept.to_crs(crs)
    polys = {i: g for i, g in zip(kept_m["island_id"], kept_m.geometry)}
    landings, forced = _bridge_landings(bridges, polys, crs)
    edge_factor = circuity / LATTICE_MEAN_DETOUR if correct_lattice_detour else circuity
    b = _Builder()
    warnings: list[str] = []
    forced_ids = _build_islands(b, polys, forced, spacing_m=spacing_m, edge_factor=edge_factor,
                                warnings=warnings)
    bridge_info = _add_bridges(b, landings, forced_ids)
    G = _emit_graph(b, speeds, crs)
    G.graph.update({
        "name": name,
        "spacing_m": float(spacing_m),
        "circuity": float(circuity),
        "edge_length_factor": float(edge_factor),
        "speeds_kph": {m: speeds.road_kph(m) for m in TRAVEL_MODES},
        "bridge_speeds_kph": {m: speeds.bridge_kph(m) for m in TRAVEL_MODES},
        "bridges": bridge_info,
        "bridges_skipped": skipped,
        "islands_modelled": list(polys),
        "islands_left_out": left_out[["island_id", "reason"]].to_dict("records"),
        "proxy_warnings": warnings,
        "coastline_source": "GSHHG 2.3.7 full resolution (see data/geo/putuo/SOURCES.md)",
    })
    _check_island_connectivity(G, warnings)
    return G


_Landing = tuple[Bridge, tuple[float, float], tuple[float, float], bool]
"""A bridge, its two landings (projected metres, on the island outlines) and whether they were
estimated (nearest outline points) rather than sourced."""


def _check_proxy_options(spacing_m: float, circuity: float) -> None:
    if not (isinstance(spacing_m, (int, float)) and spacing_m > 0 and math.isfinite(spacing_m)):
        raise InputError(f"spacing_m={spacing_m!r}; expected metres > 0", field="spacing_m")
    if not (isinstance(circuity, (int, float)) and circuity >= 1 and math.isfinite(circuity)):
        raise InputError(f"circuity={circuity!r}; expected a finite factor >= 1", field="circuity")


def _islands_and_bridges(islands: gpd.GeoDataFrame, *, select: bool, min_area_km2: float,
                         bridges: Iterable[Bridge] | None
                         ) -> tuple[gpd.GeoDataFrame, pd.DataFrame, tuple[Bridge, ...], list]:
    """The islands modelled, those left out (with reasons), the bridges and the skipped ones."""
    from optimizer.network.islands import validate_islands

    islands = validate_islands(islands)
    if select:
        kept, left_out = select_islands(islands, min_area_km2=min_area_km2)
    else:
        kept, left_out = islands, islands.iloc[0:0][["island_id"]].assign(reason="")
    if bridges is None:
        table = load_bridges(kept)
        return kept, left_out, tuple(table.bridges), list(table.skipped)
    return kept, left_out, tuple(bridges), []


def _bridge_landings(bridges: Sequence[Bridge], polys: dict[str, Polygon], crs: str
                     ) -> tuple[list[_Landing], dict[str, list[tuple[float, float]]]]:
    """Each bridge's landings on the island outlines, and the landings per island (forced shore
    nodes)."""
    to_m = Transformer.from_crs(WGS84, crs, always_xy=True)
    landings: list[_Landing] = []
    forced: dict[str, list[tuple[float, float]]] = {i: [] for i in polys}
    for br in bridges:
        for isl in (br.island_a, br.island_b):
            if isl not in polys:
                raise InputError(f"bridge {br.name!r} joins island {isl!r}, which is not modelled",
                                 field="bridges")
        pa, pb = polys[br.island_a], polys[br.island_b]
        estimated = br.end_a_lonlat is None or br.end_b_lonlat is None
        if estimated:
            qa, qb = nearest_points(pa.exterior, pb.exterior)
            ea, eb = qa.coords[0], qb.coords[0]
        else:
            ea = to_m.transform(*br.end_a_lonlat)
            eb = to_m.transform(*br.end_b_lonlat)
        # landings sit on the outline so they join the shore ring
        ea = pa.exterior.interpolate(pa.exterior.project(Point(ea))).coords[0]
        eb = pb.exterior.interpolate(pb.exterior.project(Point(eb))).coords[0]
        forced[br.island_a].append(tuple(ea))
        forced[br.island_b].append(tuple(eb))
        landings.append((br, tuple(ea), tuple(eb), estimated))
    return landings, forced


def _build_islands(b: _Builder, polys: dict[str, Polygon],
                   forced: dict[str, list[tuple[float, float]]], *, spacing_m: float,
                   edge_factor: float, warnings: list[str]
                   ) -> dict[str, dict[tuple[float, float], int]]:
    """Every island's lattice and shore network; returns the node id of each forced landing."""
    forced_ids: dict[str, dict[tuple[float, float], int]] = {}
    for isl, poly in polys.items():
        parts = [poly] if poly.geom_type == "Polygon" else list(poly.geoms)
        forced_ids[isl] = {}
        for part in parts:
            f_here = [p for p in forced[isl] if part.exterior.distance(Point(p)) < 1e-6]
            forced_ids[isl].update(_island_network(b, part, isl, spacing_m=spacing_m,
                                                   edge_factor=edge_factor, forced=f_here,
                                                   warnings=warnings))
    return forced_ids


def _add_bridges(b: _Builder, landings: Sequence[_Landing],
                 forced_ids: dict[str, dict[tuple[float, float], int]]) -> list[dict]:
    """Bridge edges between the landing nodes; the ``G.graph["bridges"]`` records."""
    bridge_info = []
    for br, ea, eb, estimated in landings:
        u, v = forced_ids[br.island_a][ea], forced_ids[br.island_b][eb]
        span = math.dist(ea, eb) * BRIDGE_CIRCUITY
        b.add_edge(u, v, "bridge", span, name=br.name, estimated=estimated, source=br.source)
        bridge_info.append({"name": br.name, "island_a": br.island_a, "island_b": br.island_b,
                            "length_m": round(span, 1), "estimated_landings": estimated})
    return bridge_info


def _emit_graph(b: _Builder, speeds: ProxySpeeds, crs: str) -> nx.MultiDiGraph:
    """The contract graph of the built nodes and links (each link as two directed edges)."""
    xy = np.asarray(b.xy)
    to_ll = Transformer.from_crs(crs, WGS84, always_xy=True)
    lon, lat = to_ll.transform(xy[:, 0], xy[:, 1])
    G = nx.MultiDiGraph()
    G.graph.update({"crs": crs, "road_source": "land_proxy", "approximate_roads": True})
    for n in range(len(xy)):
        G.add_node(n, x=float(xy[n, 0]), y=float(xy[n, 1]), lon=float(lon[n]), lat=float(lat[n]),
                   island_id=b.island[n], kind=b.kind[n], proxy_role=b.role[n])
    road_mps = {m: speeds.road_kph(m) / 3.6 for m in TRAVEL_MODES}
    bridge_mps = {m: speeds.bridge_kph(m) / 3.6 for m in TRAVEL_MODES}
    for u, v, mode, length, geom, extra in b.edges:
        mps = bridge_mps if mode == "bridge" else road_mps
        attrs = {"mode": mode, "length_m": length}
        attrs.update({weight_name(m): length / mps[m] for m in TRAVEL_MODES})
        attrs.update(extra)
        G.add_edge(u, v, **attrs, **({"geometry": geom} if geom is not None else {}))
        rev_geom = None if geom is None else LineString(list(geom.coords)[::-1])
        G.add_edge(v, u, **attrs, **({"geometry": rev_geom} if rev_geom is not None else {}))
    return G


def _check_island_connectivity(G: nx.MultiDiGraph, warnings: list[str]) -> None:
    """Record islands whose road network (without bridges) falls into several pieces."""
    road = nx.Graph()
    road.add_nodes_from(G.nodes)
    road.add_edges_from((u, v) for u, v, m in G.edges(data="mode") if m == "road")
    per_island: dict[str, int] = {}
    for comp in nx.connected_components(road):
        isl = G.nodes[next(iter(comp))]["island_id"]
        per_island[isl] = per_island.get(isl, 0) + 1
    for isl, k in sorted(per_island.items()):
        if k > 1:
            warnings.append(f"island {isl}: proxy roads form {k} disconnected pieces")


_PUTUO_CACHE: dict[tuple, nx.MultiDiGraph] = {}


def putuo_land_proxy(*, spacing_m: float = DEFAULT_SPACING_M,
                     circuity: float = DEFAULT_CIRCUITY) -> nx.MultiDiGraph:
    """The default Putuo land proxy (embedded islands and bridges), built once per process.

    The same graph object is returned on every call with the same arguments: **do not modify
    it**; use ``G.copy()`` first.

    Parameters
    ----------
    spacing_m
        Lattice spacing (metres), default :data:`DEFAULT_SPACING_M`.
    circuity
        Circuity factor, default :data:`~optimizer.network.speeds.DEFAULT_CIRCUITY`.

    Returns
    -------
    networkx.MultiDiGraph
        See :func:`build_land_proxy`; about 11,300 nodes with the defaults.

    Raises
    ------
    optimizer.errors.InputError
        As :func:`build_land_proxy`.
    """
    key = (float(spacing_m), float(circuity))
    if key not in _PUTUO_CACHE:
        from optimizer.network.islands import load_islands

        _PUTUO_CACHE[key] = build_land_proxy(load_islands(), spacing_m=spacing_m,
                                             circuity=circuity, name="Putuo land proxy")
    return _PUTUO_CACHE[key]
