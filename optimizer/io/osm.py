"""Read a real OpenStreetMap road network (PBF or XML) into the graph contract.

:func:`read_osm` turns an ``.osm.pbf`` file (read with pyrosm) or an OSM XML file (``.osm``,
``.xml``, optionally ``.gz``/``.bz2``; read with the standard library) into the
:class:`networkx.MultiDiGraph` of :mod:`optimizer.network.contract`. Both paths go through the
same builder, so the same data gives the same graph.

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
  reachable without a ferry. Callers with island polygons (:mod:`optimizer.network`) overwrite
  ``island_id`` with the polygon ids.
* Node ``kind`` is ``"road"``, or ``"pier"`` for a ferry end node on no road (``stop_id`` ``""``:
  not matched to a GTFS stop yet). ``ferry_terminal`` is ``True`` on every ferry end node.

Lengths are geodesic on the WGS 84 ellipsoid (:class:`pyproj.Geod`), in metres.
"""

from __future__ import annotations

import bz2
import gzip
import math
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import networkx as nx
import numpy as np
from pyproj import CRS, Geod, Transformer
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

from optimizer.errors import InputError
from optimizer.network import osm_speeds
from optimizer.network.contract import TRAVEL_MODES, WGS84, WORKING_CRS, weight_name

NETWORK_TYPES = ("all", "all_public", "driving", "driving+service", "walking", "cycling")
"""Accepted ``network_type`` values: pyrosm's predefined way filters (OSMnx's, with OSM access
rules), applied identically to PBF and XML input."""

ROAD_TAG_KEYS = (
    "highway", "name", "ref", "oneway", "oneway:bicycle", "oneway:foot", "junction", "maxspeed",
    "bridge", "tunnel", "access", "motorcar", "motor_vehicle", "vehicle", "bicycle",
    "electric_bicycle", "foot", "cycleway", "route", "service", "area",
)
"""Way tags read for road edges."""

FERRY_TAG_KEYS = ("route", "name", "duration", "oneway", "motor_vehicle", "motorcar", "operator",
                  "highway")
"""Way tags read for ferry edges."""

_GEOD = Geod(ellps="WGS84")
_PBF_SUFFIXES = (".pbf",)
_XML_SUFFIXES = (".osm", ".xml", ".osm.gz", ".osm.bz2", ".xml.gz", ".xml.bz2")


@dataclass(frozen=True)
class _Way:
    """One piece of an OSM way: consecutive node ids (all with coordinates) and its tags."""

    way_id: int
    nodes: tuple[int, ...]
    tags: Mapping[str, str]


@dataclass
class _Raw:
    """What a reader hands to the builder."""

    coords: dict[int, tuple[float, float]] = field(default_factory=dict)  # id -> (lon, lat)
    roads: list[_Way] = field(default_factory=list)
    ferries: list[_Way] = field(default_factory=list)
    reader: str = ""
    missing_node_refs: int = 0


def read_osm(
    path: str | Path,
    *,
    crs: str = WORKING_CRS,
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
        Projected CRS of node ``x``/``y`` (metres), default ``"EPSG:32651"`` (UTM 51N, Zhoushan).
        ``"auto"`` picks the WGS 84 UTM zone of the data's centroid (:mod:`pyproj.database`).
    bbox
        Optional ``(min_lon, min_lat, max_lon, max_lat)`` in EPSG:4326 degrees; only segments
        with both nodes inside are kept.
    network_type
        One of :data:`NETWORK_TYPES`; default ``"all"`` (car, e-bike and walking ways together;
        per-mode permissions are in the edge times).
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
    >>> from optimizer.io.osm import read_osm
    >>> G = read_osm("tests/data/osm/test.osm.pbf", crs="auto")  # doctest: +SKIP
    >>> G.graph["crs"]  # doctest: +SKIP
    'EPSG:32635'
    """
    p = Path(path)
    file = str(path)
    if network_type not in NETWORK_TYPES:
        raise InputError(f"network_type {network_type!r} unknown; expected one of {NETWORK_TYPES}",
                         field="network_type")
    box = _check_bbox(bbox)
    if not p.is_file():
        raise InputError("OSM file not found; give the path of an .osm.pbf or .osm XML file",
                         file=file)
    lower = p.name.lower()
    if lower.endswith(_PBF_SUFFIXES):
        raw = _read_pbf(p, network_type=network_type, bbox=box)
    elif lower.endswith(_XML_SUFFIXES):
        raw = _read_xml(p, network_type=network_type)
    else:
        raise InputError(
            f"unknown OSM file type {p.suffix!r}; expected .osm.pbf, .osm or .xml (optionally "
            ".gz/.bz2)", file=file)
    if box is not None:
        raw = _clip(raw, box)
    if not raw.roads:
        where = f" inside bbox {list(box)}" if box is not None else ""
        raise InputError(
            f"no road ways of network_type {network_type!r}{where}: the network is empty; check "
            "the file covers the area and the network_type", file=file)
    if raw.missing_node_refs:
        warnings.warn(
            f"{file}: {raw.missing_node_refs} way node reference(s) have no coordinates in the "
            "file (clipped extract); ways were split there", UserWarning, stacklevel=2)
    out_crs = _resolve_crs(crs, raw, file=file)
    G = _build(raw, crs=out_crs)
    G.graph.update(
        name=name if name is not None else p.name,
        source_file=p.name,
        network_type=network_type,
        osm_reader=raw.reader,
    )
    return G


# ---------------------------------------------------------------------------------------------
# options


def _check_bbox(bbox: Sequence[float] | None) -> tuple[float, float, float, float] | None:
    if bbox is None:
        return None
    try:
        vals = tuple(float(v) for v in bbox)
    except (TypeError, ValueError):
        vals = ()
    if len(vals) != 4 or not all(math.isfinite(v) for v in vals):
        raise InputError(f"bbox {bbox!r} is not 4 finite numbers (min_lon, min_lat, max_lon, "
                         "max_lat) in EPSG:4326 degrees", field="bbox")
    w, s, e, n = vals
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise InputError(f"bbox {bbox!r} must satisfy -180 <= min_lon < max_lon <= 180 and "
                         "-90 <= min_lat < max_lat <= 90 (EPSG:4326 degrees)", field="bbox")
    return (w, s, e, n)


def _resolve_crs(crs: str, raw: _Raw, *, file: str) -> CRS:
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


# ---------------------------------------------------------------------------------------------
# the shared way filter (pyrosm's predefined filters, applied in Python for XML)


def _keep_road(tags: Mapping[str, str], network_filter: Mapping[str, Any]) -> bool:
    """pyrosm's ``exclude`` semantics: a way with ``highway`` is kept unless a filter matches."""
    if "highway" not in tags or tags.get("route") == "ferry":
        return False
    for key, values in network_filter.items():
        if hasattr(values, "closes"):
            if values.closes(tags):
                return False
        elif key in tags and tags[key] in values:
            return False
    return True


def _network_filter(network_type: str) -> Mapping[str, Any]:
    from pyrosm.config.osm_filters import get_osm_filter

    return get_osm_filter(network_type)  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------------------------
# PBF (pyrosm)


def _is_missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _rows_to_ways(edges: Any, keys: Iterable[str]) -> list[_Way]:
    """pyrosm segments (one row per consecutive node pair, way order) -> way pieces."""
    keys = [k for k in keys if k in edges.columns]
    ways: list[_Way] = []
    cur_id: int | None = None
    cur_nodes: list[int] = []
    cur_tags: dict[str, str] = {}
    cols = [edges["id"].to_numpy(), edges["u"].to_numpy(), edges["v"].to_numpy()]
    tag_cols = [edges[k].to_numpy(dtype=object) for k in keys]
    for i in range(len(edges)):
        wid, u, v = int(cols[0][i]), int(cols[1][i]), int(cols[2][i])
        if wid == cur_id and cur_nodes and cur_nodes[-1] == u:
            cur_nodes.append(v)
            continue
        if cur_id is not None:
            ways.append(_Way(cur_id, tuple(cur_nodes), cur_tags))
        cur_id, cur_nodes = wid, [u, v]
        cur_tags = {k: str(c[i]) for k, c in zip(keys, tag_cols) if not _is_missing(c[i])}
    if cur_id is not None:
        ways.append(_Way(cur_id, tuple(cur_nodes), cur_tags))
    return ways


def _read_pbf(p: Path, *, network_type: str,
              bbox: tuple[float, float, float, float] | None) -> _Raw:
    import pyrosm

    file = str(p)
    try:
        osm = pyrosm.OSM(file, bounding_box=list(bbox) if bbox is not None else None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pyrosm warns on empty results; we raise instead
            roads = osm.get_network(network_type=network_type, nodes=True,
                                    extra_attributes=list(ROAD_TAG_KEYS))
            ferries = osm.get_network(custom_filter='["route"="ferry"]', nodes=True,
                                      extra_attributes=list(FERRY_TAG_KEYS))
    except Exception as exc:  # pyrosm raises PBFException, ValueError, OSError, ...
        raise InputError(f"cannot read the OSM PBF file: {type(exc).__name__}: {exc}",
                         file=file) from exc
    raw = _Raw(reader=f"pyrosm {pyrosm.__version__}")
    for result in (roads, ferries):
        if result is None or result[0] is None or result[1] is None:
            continue
        nodes = result[0]
        raw.coords.update(zip(nodes["id"].astype("int64").tolist(),
                              zip(nodes["lon"].astype(float).tolist(),
                                  nodes["lat"].astype(float).tolist())))
    if roads is not None and roads[1] is not None and len(roads[1]):
        road_edges = roads[1]
        if "route" in road_edges.columns:  # a ferry way tagged highway too: never a road
            road_edges = road_edges[road_edges["route"].astype(object) != "ferry"]
        raw.roads = _rows_to_ways(road_edges, ROAD_TAG_KEYS)
    if ferries is not None and ferries[1] is not None and len(ferries[1]):
        raw.ferries = _rows_to_ways(ferries[1], FERRY_TAG_KEYS)
    return raw


# ---------------------------------------------------------------------------------------------
# XML (standard library)


def _open_xml(p: Path) -> IO[bytes]:
    lower = p.name.lower()
    if lower.endswith(".gz"):
        return gzip.open(p, "rb")
    if lower.endswith(".bz2"):
        return bz2.open(p, "rb")
    return open(p, "rb")


def _iter_elements(p: Path) -> Iterator[ET.Element]:
    """Yield complete ``node``/``way``/``relation`` elements; raise InputError on bad XML."""
    file = str(p)
    try:
        with _open_xml(p) as fh:
            root_seen = False
            for event, elem in ET.iterparse(fh, events=("start", "end")):
                if event == "start":
                    if not root_seen:
                        root_seen = True
                        if elem.tag != "osm":
                            raise InputError(f"root element is <{elem.tag}>, not <osm>: not an "
                                             "OSM XML file", file=file)
                    continue
                if elem.tag in ("node", "way", "relation"):
                    yield elem
                    elem.clear()
    except ET.ParseError as exc:
        raise InputError(f"not well-formed OSM XML: {exc}", file=file,
                         row=exc.position[0]) from exc
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the OSM XML file: {type(exc).__name__}: {exc}",
                         file=file) from exc


def _read_xml(p: Path, *, network_type: str) -> _Raw:
    file = str(p)
    network_filter = _network_filter(network_type)
    all_coords: dict[int, tuple[float, float]] = {}
    ways: list[tuple[int, list[int], dict[str, str]]] = []
    ferry_relation_ways: set[int] = set()
    for elem in _iter_elements(p):
        if elem.get("action") == "delete" or elem.get("visible") == "false":
            continue  # JOSM deletions and deleted history versions are not part of the data
        tags = {t.get("k", ""): t.get("v", "") for t in elem.iter("tag")}
        try:
            eid = int(elem.get("id", ""))
        except ValueError as exc:
            raise InputError(f"<{elem.tag}> without a numeric id ({elem.get('id')!r})",
                             file=file, field="id") from exc
        if elem.tag == "node":
            try:
                lon, lat = float(elem.get("lon", "")), float(elem.get("lat", ""))
            except ValueError as exc:
                raise InputError(f"node {eid}: lon/lat missing or not numbers "
                                 f"({elem.get('lon')!r}, {elem.get('lat')!r})", file=file,
                                 field="lon/lat") from exc
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise InputError(f"node {eid}: lon/lat ({lon}, {lat}) out of range",
                                 file=file, field="lon/lat")
            all_coords[eid] = (lon, lat)
        elif elem.tag == "way":
            refs = [int(nd.get("ref", "0")) for nd in elem.iter("nd")]
            ways.append((eid, refs, tags))
        elif tags.get("type") == "route" and tags.get("route") == "ferry":
            ferry_relation_ways.update(int(m.get("ref", "0")) for m in elem.iter("member")
                                       if m.get("type") == "way")
    raw = _Raw(reader="xml (xml.etree)")
    for wid, refs, tags in ways:
        is_ferry = tags.get("route") == "ferry" or wid in ferry_relation_ways
        if is_ferry:
            keys = FERRY_TAG_KEYS
        elif _keep_road(tags, network_filter):
            keys = ROAD_TAG_KEYS
        else:
            continue
        kept = {k: v for k, v in tags.items() if k in keys}
        if is_ferry:
            kept["route"] = "ferry"
        piece: list[int] = []
        pieces: list[list[int]] = []
        for ref in refs:
            if ref in all_coords:
                piece.append(ref)
            else:
                raw.missing_node_refs += 1
                pieces.append(piece)
                piece = []
        pieces.append(piece)
        for pc in pieces:
            if len(pc) < 2:
                continue
            raw.coords.update((n, all_coords[n]) for n in pc)
            (raw.ferries if is_ferry else raw.roads).append(_Way(wid, tuple(pc), kept))
    return raw


# ---------------------------------------------------------------------------------------------
# the builder


def _clip(raw: _Raw, box: tuple[float, float, float, float]) -> _Raw:
    w, s, e, n = box

    def inside(node: int) -> bool:
        lon, lat = raw.coords[node]
        return w <= lon <= e and s <= lat <= n

    out = _Raw(reader=raw.reader, missing_node_refs=raw.missing_node_refs)
    for src, dst in ((raw.roads, out.roads), (raw.ferries, out.ferries)):
        for way in src:
            piece: list[int] = []
            for node in way.nodes:
                if inside(node):
                    piece.append(node)
                    continue
                if len(piece) >= 2:
                    dst.append(_Way(way.way_id, tuple(piece), way.tags))
                piece = []
            if len(piece) >= 2:
                dst.append(_Way(way.way_id, tuple(piece), way.tags))
    used = {n for way in out.roads + out.ferries for n in way.nodes}
    out.coords = {k: v for k, v in raw.coords.items() if k in used}
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


def _build(raw: _Raw, *, crs: CRS) -> nx.MultiDiGraph:
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


def _ferry_cuts(way: _Way, road_nodes: set[int]) -> list[int]:
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
