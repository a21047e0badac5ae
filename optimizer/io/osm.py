"""Read an OpenStreetMap road network (PBF or XML) into plain way records.

:func:`read_osm_ways` reads an ``.osm.pbf`` file (with pyrosm) or an OSM XML file (``.osm``,
``.xml``, optionally ``.gz``/``.bz2``; with the standard library) into :class:`OsmData`: node
coordinates (WGS 84 lon/lat degrees) and the kept ways as :class:`OsmWay` records (node ids and
tags). Both formats go through the same way filter, so the same data gives the same records.
:func:`optimizer.network.osm.read_osm` builds the graph of the network contract from them (this
module knows nothing of graphs: ``io`` never imports ``network``).

What is kept
------------
* **Road ways**: ``highway=*`` selected by ``network_type`` with pyrosm's predefined filters
  (OSMnx's, with OSM access rules), applied identically to PBF and XML, with the tags of
  :data:`ROAD_TAG_KEYS`.
* **Ferry ways**: ways tagged ``route=ferry`` (and, in XML, member ways of ``route=ferry``
  relations) with the tags of :data:`FERRY_TAG_KEYS`; they are never roads, whatever other tags
  they carry (XML relation members get ``route=ferry`` added).
* A way whose node references have no coordinates in the file (a clipped extract) is split
  there into pieces of at least two nodes; ``bbox`` keeps the pieces with every node inside.
* JOSM deletions (``action=delete``) and deleted history versions (``visible=false``) are
  skipped.
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

from optimizer.errors import InputError

__all__ = ["FERRY_TAG_KEYS", "NETWORK_TYPES", "ROAD_TAG_KEYS", "OsmData", "OsmWay",
           "read_osm_ways"]

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

_PBF_SUFFIXES = (".pbf",)
_XML_SUFFIXES = (".osm", ".xml", ".osm.gz", ".osm.bz2", ".xml.gz", ".xml.bz2")


@dataclass(frozen=True)
class OsmWay:
    """One piece of an OSM way: consecutive node ids (all with coordinates) and its tags.

    Attributes
    ----------
    way_id
        OSM way id.
    nodes
        OSM node ids in way order (at least two, all in :attr:`OsmData.coords`).
    tags
        The way's tags restricted to :data:`ROAD_TAG_KEYS` or :data:`FERRY_TAG_KEYS`.
    """

    way_id: int
    nodes: tuple[int, ...]
    tags: Mapping[str, str]


@dataclass
class OsmData:
    """What the readers hand to the graph builder (:mod:`optimizer.network.osm`).

    Attributes
    ----------
    coords
        OSM node id -> ``(lon, lat)`` in EPSG:4326 degrees, for every node of a kept way.
    roads, ferries
        Kept road and ferry way pieces, in file order.
    reader
        Which reader produced them (``"pyrosm <version>"`` or ``"xml (xml.etree)"``).
    missing_node_refs
        Way node references without coordinates in the file (the ways were split there).
    """

    coords: dict[int, tuple[float, float]] = field(default_factory=dict)  # id -> (lon, lat)
    roads: list[OsmWay] = field(default_factory=list)
    ferries: list[OsmWay] = field(default_factory=list)
    reader: str = ""
    missing_node_refs: int = 0


def read_osm_ways(
    path: str | Path,
    *,
    bbox: Sequence[float] | None = None,
    network_type: str = "all",
) -> OsmData:
    """Read the road and ferry ways of an OpenStreetMap file (PBF or XML).

    Parameters
    ----------
    path
        ``.osm.pbf`` file (pyrosm) or OSM XML file (``.osm``/``.xml``, optionally ``.gz`` or
        ``.bz2``).
    bbox
        Optional ``(min_lon, min_lat, max_lon, max_lat)`` in EPSG:4326 degrees; only segments
        with both nodes inside are kept.
    network_type
        One of :data:`NETWORK_TYPES`; default ``"all"`` (car, e-bike and walking ways together).

    Returns
    -------
    OsmData
        Node coordinates (EPSG:4326) and the kept road and ferry way pieces.

    Raises
    ------
    optimizer.errors.InputError
        If the file is missing, has an unknown suffix, cannot be parsed (names the file and, for
        XML, the line), holds no road of ``network_type`` (inside ``bbox``), or if ``bbox`` or
        ``network_type`` is invalid (``field`` names the option).

    Warns
    -----
    UserWarning
        When way node references have no coordinates in the file (a clipped extract).
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
    return raw


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


def _rows_to_ways(edges: Any, keys: Iterable[str]) -> list[OsmWay]:
    """pyrosm segments (one row per consecutive node pair, way order) -> way pieces."""
    keys = [k for k in keys if k in edges.columns]
    ways: list[OsmWay] = []
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
            ways.append(OsmWay(cur_id, tuple(cur_nodes), cur_tags))
        cur_id, cur_nodes = wid, [u, v]
        cur_tags = {k: str(c[i]) for k, c in zip(keys, tag_cols) if not _is_missing(c[i])}
    if cur_id is not None:
        ways.append(OsmWay(cur_id, tuple(cur_nodes), cur_tags))
    return ways


def _read_pbf(p: Path, *, network_type: str,
              bbox: tuple[float, float, float, float] | None) -> OsmData:
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
    raw = OsmData(reader=f"pyrosm {pyrosm.__version__}")
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


def _read_xml(p: Path, *, network_type: str) -> OsmData:
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
    raw = OsmData(reader="xml (xml.etree)")
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
            (raw.ferries if is_ferry else raw.roads).append(OsmWay(wid, tuple(pc), kept))
    return raw


# ---------------------------------------------------------------------------------------------
# clipping


def _clip(raw: OsmData, box: tuple[float, float, float, float]) -> OsmData:
    w, s, e, n = box

    def inside(node: int) -> bool:
        lon, lat = raw.coords[node]
        return w <= lon <= e and s <= lat <= n

    out = OsmData(reader=raw.reader, missing_node_refs=raw.missing_node_refs)
    for src, dst in ((raw.roads, out.roads), (raw.ferries, out.ferries)):
        for way in src:
            piece: list[int] = []
            for node in way.nodes:
                if inside(node):
                    piece.append(node)
                    continue
                if len(piece) >= 2:
                    dst.append(OsmWay(way.way_id, tuple(piece), way.tags))
                piece = []
            if len(piece) >= 2:
                dst.append(OsmWay(way.way_id, tuple(piece), way.tags))
    used = {n for way in out.roads + out.ferries for n in way.nodes}
    out.coords = {k: v for k, v in raw.coords.items() if k in used}
    return out
