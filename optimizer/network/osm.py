"""Build the graph contract from OpenStreetMap ways (PBF or XML).

:func:`read_osm` reads an ``.osm.pbf`` or OSM XML file with
:func:`optimizer.io.osm.read_osm_ways` (plain way records) and turns the ways into the
:class:`networkx.MultiDiGraph` of :mod:`optimizer.network.contract` with :func:`osm_graph`. Both
file formats go through the same builder, so the same data gives the same graph.

What the graph holds
--------------------
* One node per OSM node used by a kept way; node id = OSM node id (``int``). Ways are not
  simplified: every OSM node stays, so points snap to the real geometry.
* Road ways (``highway=*`` selected by ``network_type``, with pyrosm's filters for both
  formats) give one edge per consecutive node pair and direction: ``mode`` ``"road"``, or
  ``"bridge"`` when the way has a ``bridge`` tag other than ``no``. Per-mode speeds and
  directions come from :mod:`optimizer.network.osm_speeds`.
* **Direction per travel mode.** Each segment gets a forward edge (way order) and a reverse
  edge. A mode that may not travel that direction (one-way street for cars, motorway for
  pedestrians) has ``travel_time_s_<mode> = inf`` on that edge. A reverse edge on which every
  mode is ``inf`` (e.g. the wrong way up a motorway) is not added; forward edges are always
  added, so no way of the file is lost. Edge attribute ``reversed`` tells which is which.
  Road edges also carry ``osm_way_id``, ``highway``, ``name``, ``oneway`` (for cars),
  ``speed_kph_<mode>`` (``0.0`` where the mode may not use the way at all) and ``maxspeed_kph``
  when the way's ``maxspeed`` tag parses.
* **Ferries.** Ways tagged ``route=ferry`` (and, in XML, member ways of ``route=ferry``
  relations) are never roads, whatever other tags they carry. Each becomes ferry edges
  between its end nodes (split at intermediate nodes that are also road nodes, i.e. landings),
  both directions unless ``oneway=yes``: ``mode="ferry"``, ``route_id="osm_way_<id>"``,
  ``length_m`` = geodesic port-to-port distance (the contract), ``sailing_length_m`` = length
  along the way, ``duration_s`` when a ``duration`` tag parses. Ferry edges carry no
  ``travel_time_s_*``: they are used only through a timetable.
* **All connected components are kept**: nothing is truncated to the largest one. Each node's
  ``component_id`` (``"C0001"`` = largest weakly connected component of the land edges
  ``road``/``bridge``, then by size, ties by smallest node id) is also its ``island_id``: land
  reachable without a ferry. Callers with island polygons (:mod:`optimizer.network.build`)
  overwrite ``island_id`` with the polygon ids.
* Node ``kind`` is ``"road"``, or ``"pier"`` for a ferry end node on no road (``stop_id`` ``""``:
  not matched to a GTFS stop yet). ``ferry_terminal`` is ``True`` on every ferry end node.

Lengths are geodesic on the WGS 84 ellipsoid (:class:`pyproj.Geod`), in metres.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from pyproj import CRS, Geod, Transformer
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

from optimizer.errors import InputError
from optimizer.io.osm import NETWORK_TYPES, OsmData, OsmWay, read_osm_ways
from optimizer.network import osm_speeds
from optimizer.network.contract import TRAVEL_MODES, WGS84, weight_name

__all__ = ["NETWORK_TYPES", "osm_graph", "read_osm"]

_GEOD = Geod(ellps="WGS84")


def read_osm(
    path: str | Path,
    *,
    crs: str = "auto",
    bbox: Sequence[float] | None = None,
    network_type: str = "all",
    name: str | None = None,
) -> nx.MultiDiGraph:
    """Read an OpenStreetMap road network (PBF or XML) into the graph contract.

    Parameters
    ----------
    path
        ``.osm.pbf`` file (pyrosm) or OSM XML file (``.osm``/``.xml``, optionally ``.gz`` or
        ``.bz2``).
    crs
        Projected CRS of node ``x``/``y`` (metres), e.g. ``"EPSG:32651"`` (UTM 51N, Zhoushan);
        default ``"auto"``: the WGS 84 UTM zone of the data's centroid (:mod:`pyproj.database`),
        so data anywhere gets its own zone.
    bbox
        Optional ``(min_lon, min_lat, max_lon, max_lat)`` in EPSG:4326 degrees; only segments
        with both nodes inside are kept.
    network_type
        One of :data:`~optimizer.io.osm.NETWORK_TYPES`; default ``"all"`` (car, e-bike and
        walking ways together; per-mode permissions are in the edge times).
    name
        ``G.graph["name"]``; default the file name.

    Returns
    -------
    networkx.MultiDiGraph
        The network, valid under :func:`optimizer.network.contract.validate_network`, with
        ``G.graph`` ``crs``, ``road_source="osm"``, ``approximate_roads=False``, ``name``,
        ``source_file``, ``network_type``, ``osm_reader``. See the module docstring for nodes
        and edges.

    Raises
    ------
    optimizer.errors.InputError
        If the file is missing, has an unknown suffix, cannot be parsed (names the file and, for
        XML, the line), holds no road of ``network_type`` (inside ``bbox``), or if ``crs``,
        ``bbox`` or ``network_type`` is invalid (``field`` names the option).

    Examples
    --------
    >>> from optimizer.network.osm import read_osm
    >>> G = read_osm("tests/data/osm/test.osm.pbf", crs="auto")  # doctest: +SKIP
    >>> G.graph["crs"]  # doctest: +SKIP
    'EPSG:32635'
    """
    p = Path(path)
    raw = read_osm_ways(p, bbox=bbox, network_type=network_type)
    G = osm_graph(raw, crs=crs, file=str(path))
    G.graph.update(
        name=name if name is not None else p.name,
        source_file=p.name,
        network_type=network_type,
        osm_reader=raw.reader,
    )
    return G


def osm_graph(data: OsmData, *, crs: str = "auto", file: str = "") -> nx.MultiDiGraph:
    """Build the graph contract from OSM way records (see the module docstring).

    Parameters
    ----------
    data
        Ways and node coordinates from :func:`optimizer.io.osm.read_osm_ways`.
    crs
        Projected CRS of node ``x``/``y`` (metres) or ``"auto"`` (the WGS 84 UTM zone of the
        data's centroid).
    file
        The source file, named in errors.

    Returns
    -------
    networkx.MultiDiGraph
        With ``G.graph`` ``crs``, ``road_source="osm"``, ``approximate_roads=False`` and
        ``n_components``.

    Raises
    ------
    optimizer.errors.InputError
        If ``crs`` is not a projected CRS pyproj knows (``field="crs"``).
    """
    return _build(data, crs=_resolve_crs(crs, data, file=file))


def _resolve_crs(crs: str, raw: OsmData, *, file: str) -> CRS:
    if isinstance(crs, str) and crs.strip().lower() == "auto":
        lon, lat = np.mean(np.array(list(raw.coords.values())), axis=0)
        infos = query_utm_crs_info(
            datum_name="WGS 84",
            area_of_interest=AreaOfInterest(float(lon), float(lat), float(lon), float(lat)))
        if not infos:  # pragma: no cover - every lon/lat has a UTM zone
            raise InputError(f"no UTM zone found for centroid ({lon}, {lat})", file=file,
                             field="crs")
        return CRS.from_epsg(int(infos[0].code))
    try:
        out = CRS.from_user_input(crs)
    except Exception as exc:  # pyproj.exceptions.CRSError
        raise InputError(f"crs {crs!r} is not a CRS pyproj knows ({exc}); use e.g. "
                         "'EPSG:32651' or 'auto'", field="crs") from exc
    if not out.is_projected:
        raise InputError(f"crs {crs!r} is not projected; the graph needs metres, e.g. "
                         "'EPSG:32651' (UTM 51N) or 'auto'", field="crs")
    return out



def _geodesic_m(coords: Mapping[int, tuple[float, float]], a: Sequence[int],
                b: Sequence[int]) -> np.ndarray:
    """Geodesic lengths (metres, WGS 84) between node ids ``a[i]`` and ``b[i]``; shape (len(a),)."""
    if not len(a):
        return np.zeros(0)
    pa = np.array([coords[n] for n in a], dtype=float)
    pb = np.array([coords[n] for n in b], dtype=float)
    _, _, dist = _GEOD.inv(pa[:, 0], pa[:, 1], pb[:, 0], pb[:, 1])
    return np.asarray(dist, dtype=float)


def _build(raw: OsmData, *, crs: CRS) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    crs_name = crs.to_string()
    G.graph.update(crs=crs_name, road_source="osm", approximate_roads=False)

    # nodes: every node of a road way, and the end/landing nodes of ferry ways (the sailing line's
    # inner points are water, not places)
    road_nodes = {n for way in raw.roads for n in way.nodes}
    ferry_cuts = [_ferry_cuts(way, road_nodes) for way in raw.ferries]
    used = set(road_nodes)
    for way, cuts in zip(raw.ferries, ferry_cuts):
        used.update(way.nodes[i] for i in cuts)
    ids = [n for n in raw.coords if n in used]
    lonlat = np.array([raw.coords[n] for n in ids], dtype=float).reshape(-1, 2)
    to_xy = Transformer.from_crs(WGS84, crs, always_xy=True)
    xs, ys = to_xy.transform(lonlat[:, 0], lonlat[:, 1])
    for n, lon, lat, x, y in zip(ids, lonlat[:, 0].tolist(), lonlat[:, 1].tolist(),
                                 np.asarray(xs).tolist(), np.asarray(ys).tolist()):
        G.add_node(n, x=float(x), y=float(y), lon=lon, lat=lat, island_id="", kind="road",
                   component_id="", ferry_terminal=False)

    # road edges: vectorised lengths over all segments
    seg_a: list[int] = []
    seg_b: list[int] = []
    seg_way: list[int] = []
    for i, way in enumerate(raw.roads):
        for a, b in zip(way.nodes[:-1], way.nodes[1:]):
            if a != b:
                seg_a.append(a)
                seg_b.append(b)
                seg_way.append(i)
    lengths = _geodesic_m(raw.coords, seg_a, seg_b)
    cache: dict[int, tuple[dict[str, float | None], dict[str, tuple[bool, bool]]]] = {}
    for a, b, wi, length in zip(seg_a, seg_b, seg_way, lengths.tolist()):
        way = raw.roads[wi]
        if wi not in cache:
            cache[wi] = (osm_speeds.speeds_kph(way.tags), osm_speeds.directions(way.tags))
        speeds, dirs = cache[wi]
        maxspeed = osm_speeds.parse_maxspeed_kph(way.tags.get("maxspeed"))
        bridge = way.tags.get("bridge", "no") not in ("no", "")
        for s, t, forward in ((a, b, True), (b, a, False)):
            times = {}
            for m in TRAVEL_MODES:
                kph = speeds[m]
                ok = dirs[m][0] if forward else dirs[m][1]
                times[weight_name(m)] = (length / (kph / 3.6)) if (kph and ok) else math.inf
            if not forward and all(math.isinf(v) for v in times.values()):
                continue
            extra = {"maxspeed_kph": maxspeed} if maxspeed is not None else {}
            G.add_edge(s, t, mode="bridge" if bridge else "road", length_m=length,
                       osm_way_id=way.way_id, highway=way.tags.get("highway", ""),
                       name=way.tags.get("name", ""), reversed=not forward,
                       oneway=not (dirs["car"][0] and dirs["car"][1]),
                       **{f"speed_kph_{m}": (speeds[m] or 0.0) for m in TRAVEL_MODES},
                       **extra, **times)

    # ferry edges: end to end, split at landings on the road network
    for way, cuts in zip(raw.ferries, ferry_cuts):
        duration = osm_speeds.parse_duration_s(way.tags.get("duration"))
        if way.tags.get("duration") is not None and duration is None:
            warnings.warn(f"ferry way {way.way_id}: duration {way.tags['duration']!r} not "
                          "understood (expected MM, HH:MM, HH:MM:SS or PT..H..M); ignored",
                          UserWarning, stacklevel=3)
        one_way = osm_speeds.parse_oneway(way.tags.get("oneway"))
        fwd, bwd = one_way if one_way is not None else (True, True)
        for i0, i1 in zip(cuts[:-1], cuts[1:]):
            part = way.nodes[i0:i1 + 1]
            a, b = part[0], part[-1]
            sailing = float(_geodesic_m(raw.coords, part[:-1], part[1:]).sum())
            direct = float(_geodesic_m(raw.coords, [a], [b])[0])
            attrs: dict[str, Any] = dict(
                mode="ferry", route_id=f"osm_way_{way.way_id}", osm_way_id=way.way_id,
                length_m=direct, sailing_length_m=sailing, name=way.tags.get("name", ""),
                carries_cars=way.tags.get("motor_vehicle", way.tags.get("motorcar")) == "yes")
            if duration is not None and len(cuts) == 2:
                attrs["duration_s"] = duration
            if fwd:
                G.add_edge(a, b, reversed=False, **attrs)
            if bwd and a != b:
                G.add_edge(b, a, reversed=True, **attrs)
            for n in (a, b):
                G.nodes[n]["ferry_terminal"] = True
                if n not in road_nodes:
                    G.nodes[n]["kind"] = "pier"
                    G.nodes[n]["stop_id"] = ""

    _label_components(G)
    return G


def _ferry_cuts(way: OsmWay, road_nodes: set[int]) -> list[int]:
    """Indices into ``way.nodes`` where a ferry way is cut: its ends and road-node landings."""
    inner = [i for i, n in enumerate(way.nodes[1:-1], start=1) if n in road_nodes]
    return [0, *inner, len(way.nodes) - 1]


def _label_components(G: nx.MultiDiGraph) -> None:
    """Set ``component_id`` and ``island_id`` ("C0001" = largest land component)."""
    land = nx.Graph()
    land.add_nodes_from(G.nodes)
    land.add_edges_from((u, v) for u, v, m in G.edges(data="mode") if m != "ferry")
    comps = sorted(nx.connected_components(land), key=lambda c: (-len(c), min(c)))
    width = max(4, len(str(len(comps))))
    for i, comp in enumerate(comps, start=1):
        cid = f"C{i:0{width}d}"
        for n in comp:
            G.nodes[n]["component_id"] = cid
            G.nodes[n]["island_id"] = cid
    G.graph["n_components"] = len(comps)
