"""Build the multimodal network of a scenario: roads (land proxy or OSM), bridges, piers, ferries.

This is the one entry point the services use: :func:`build_network` takes the network and ferry
parameters (:mod:`optimizer.network.params`) and a date, and returns a :class:`Network` holding the
graph (:mod:`optimizer.network.contract`), the island polygons, the GTFS feed, the ferry timetable
of the date (suspended routes removed) and the boarding buffers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import networkx as nx

from optimizer.errors import InputError
from optimizer.io.gtfs import Feed, FeedValidity, check_service_date, read_gtfs
from optimizer.network.contract import validate_network
from optimizer.network.ferries import (
    FOOT_BOARDING_BUFFER_S,
    VEHICLE_BOARDING_BUFFER_S,
    FerryTimetable,
    add_ferries,
    timetable_for_date,
)
from optimizer.network.islands import island_of, load_islands, points_from_lonlat
from optimizer.network.land_proxy import (
    DEFAULT_SPACING_M,
    Bridge,
    build_land_proxy,
    load_bridges,
    putuo_land_proxy,
)
from optimizer.network.params import FerryParams, FixedLink, NetworkParams
from optimizer.network.speeds import DEFAULT_CIRCUITY, ProxySpeeds
from optimizer.results import Note, NoteKind

APPROXIMATE_ROADS_NOTE = Note(NoteKind.APPROXIMATE_ROADS, "近似路网",
                              "Approximate roads (land-only proxy from GSHHG coastlines)")
"""The label every output that depends on the land proxy carries."""

ESTIMATED_SAILINGS_NOTE = Note(NoteKind.ESTIMATED_SAILINGS, "部分航班时刻为估计",
                               "Some sailings are estimates (return sailings, crossing times)")
"""The label of a timetable with sailings flagged as estimates in the GTFS feed."""


def nominal_calendar_note(validity: FeedValidity, date: dt.date) -> Note:
    """The label of a date whose sailings come from a nominal calendar (``feed_info.txt``
    ``calendar_basis = nominal``: the operator never published these dates, so the sailings of
    ``date`` assume the source timetable still runs)."""
    src = validity.source_dates or "not stated"
    return Note(NoteKind.NOMINAL_CALENDAR,
                f"渡轮日历为名义日期：{date.isoformat()} 不在运营方公布的时刻表有效期内"
                f"（来源时刻表：{src}），当天航班按原时刻表假定照常运行",
                f"Nominal ferry calendar: {date.isoformat()} is not a date the operator published "
                f"this timetable for (source timetable: {src}); its sailings assume the timetable "
                "still runs")


@dataclass(frozen=True)
class Network:
    """A built network for one service date.

    Attributes
    ----------
    G
        The multimodal graph (projected to the study area's UTM zone, EPSG:32651 for Putuo),
        roads + bridges + piers + ferry edges.
    islands
        Island polygons, EPSG:4326 (``island_id``, ``name_zh``, ``name_en``, ``geometry``).
    feed
        The validated GTFS feed.
    timetable
        Sailings of ``date`` (suspended routes held apart in ``timetable.suspended_sailings``).
    date
        The service date.
    notes
        Labels every output must carry (approximate roads, estimated sailings).
    boarding_buffer_s
        Minutes-before-departure rule as seconds by ferry access: ``"foot"`` (a passenger) and
        ``"vehicle"`` (a car on a car ferry); scenario ``ferries.boarding_buffer_*_min``,
        defaults :data:`~optimizer.network.ferries.FOOT_BOARDING_BUFFER_S` and
        :data:`~optimizer.network.ferries.VEHICLE_BOARDING_BUFFER_S`.
    """

    G: nx.MultiDiGraph
    islands: gpd.GeoDataFrame
    feed: Feed
    timetable: FerryTimetable
    date: dt.date
    notes: tuple[Note, ...] = field(default=())
    boarding_buffer_s: Mapping[str, float] = field(default_factory=lambda: {
        "foot": float(FOOT_BOARDING_BUFFER_S), "vehicle": float(VEHICLE_BOARDING_BUFFER_S)})

    @property
    def approximate_roads(self) -> bool:
        """True when the roads are the land proxy."""
        return bool(self.G.graph.get("approximate_roads", False))


def scenario_bridges(islands: gpd.GeoDataFrame, links: Iterable[FixedLink]) -> list[Bridge]:
    """Turn a scenario's ``network.fixed_links`` into :class:`Bridge` objects.

    Parameters
    ----------
    islands
        Island polygons (EPSG:4326).
    links
        :class:`~optimizer.network.params.FixedLink` objects (or anything with ``name``,
        ``from_lonlat``, ``to_lonlat`` in lon, lat degrees).

    Returns
    -------
    list of Bridge

    Raises
    ------
    optimizer.errors.InputError
        If an end is in the sea beyond the snapping tolerance, or both ends are on one island
        (field ``network.fixed_links[i]``).
    """
    out = []
    for i, link in enumerate(links):
        pts = points_from_lonlat([link.from_lonlat[0], link.to_lonlat[0]],
                                 [link.from_lonlat[1], link.to_lonlat[1]])
        res = island_of(pts, islands)
        ids = [str(x) for x in res["island_id"]]
        if not all(ids):
            raise InputError(f"fixed link {link.name!r}: an end is in the sea, not on an island "
                             f"(statuses {list(res['status'])})", field=f"network.fixed_links[{i}]")
        if ids[0] == ids[1]:
            raise InputError(f"fixed link {link.name!r}: both ends are on island {ids[0]}; "
                             "a fixed link joins two islands", field=f"network.fixed_links[{i}]")
        out.append(Bridge(name=link.name, island_a=ids[0], island_b=ids[1],
                          source="scenario what-if (not a sourced bridge)",
                          end_a_lonlat=tuple(link.from_lonlat), end_b_lonlat=tuple(link.to_lonlat)))
    return out


def build_network(network: NetworkParams, ferries: FerryParams, *, date: dt.date,
                  dataset: Path | None = None, name: str = "") -> Network:
    """Build the network of one service date: roads, bridges, piers, ferries and the timetable.

    Roads: ``network.road_source == "land_proxy"`` builds the approximate land proxy from the
    dataset's island polygons and sourced bridges, plus ``network.fixed_links``; ``"osm"`` reads
    ``network.osm_path`` (PBF or XML). Ferries: the dataset's GTFS feed (or ``ferries.gtfs``) is
    added as piers and ferry edges; the timetable is that of ``date`` without
    ``ferries.suspended_routes``; the boarding buffers are ``ferries.boarding_buffer_*_min``.

    Parameters
    ----------
    network
        Roads (scenario section ``network:``).
    ferries
        Ferry feed and rules (scenario section ``ferries:``).
    date
        The service date.
    dataset
        Dataset folder holding ``islands/putuo_islands_gshhg.geojson`` and ``ferries/gtfs``
        (``None`` = the embedded Putuo dataset).
    name
        A label for the graph (``G.graph["name"]`` of a rebuilt land proxy).

    Returns
    -------
    Network

    Raises
    ------
    optimizer.errors.InputError
        On bad data files (named), a date outside the ferry feed's dates
        (:func:`optimizer.io.gtfs.check_service_date`), an unknown suspended route, a misplaced
        fixed link, or an ``osm`` road source without ``osm_path``.
    optimizer.errors.NetworkValidationError
        If the built graph breaks the contract.

    Examples
    --------
    >>> import datetime as dt
    >>> net = build_network(NetworkParams(), FerryParams(),
    ...                     date=dt.date(2026, 12, 2))  # doctest: +SKIP
    >>> net.boarding_buffer_s  # doctest: +SKIP
    {'foot': 900.0, 'vehicle': 1800.0}
    """
    dataset = Path(dataset) if dataset else None
    islands_path = dataset / "islands" / "putuo_islands_gshhg.geojson" if dataset else None
    islands = load_islands(islands_path)
    kph = network.speeds_kph
    speeds = ProxySpeeds(**{k: v for k, v in (("car_kph", kph.car), ("ebike_kph", kph.ebike),
                                                ("walk_kph", kph.walk)) if v is not None})
    circuity = network.circuity or DEFAULT_CIRCUITY
    G, notes = _roads(network, islands, speeds=speeds, circuity=circuity, name=name,
                      default_islands=dataset is None or islands_path == _default_islands_path())
    feed = _read_feed(ferries, dataset)
    validity = check_service_date(feed, date)
    add_ferries(G, feed, islands=islands, speeds=speeds, circuity=circuity)
    timetable = timetable_for_date(feed, date, suspended_routes=ferries.suspended_routes)
    if any(s.is_estimate for s in timetable.sailings):
        notes.append(ESTIMATED_SAILINGS_NOTE)
    if validity.nominal:
        notes.append(nominal_calendar_note(validity, date))
    validate_network(G)
    return Network(G=G, islands=islands, feed=feed, timetable=timetable, date=date,
                   notes=tuple(notes), boarding_buffer_s=ferries.boarding_buffer_s)


def _roads(network: NetworkParams, islands: gpd.GeoDataFrame, *, speeds: ProxySpeeds,
           circuity: float, name: str, default_islands: bool) -> tuple[nx.MultiDiGraph, list[Note]]:
    """The road graph (OSM, or the land proxy with its bridges) and its notes."""
    if network.road_source == "osm":
        if network.osm_path is None:
            raise InputError("road_source is 'osm' but no osm_path is given",
                             field="network.osm_path")
        from optimizer.network.osm import read_osm

        G = read_osm(network.osm_path)
        _assign_islands(G, islands)
        return G, []
    spacing = network.spacing_m or DEFAULT_SPACING_M
    if default_islands and not network.fixed_links and speeds == ProxySpeeds():
        G = putuo_land_proxy(spacing_m=spacing, circuity=circuity).copy()
    else:
        bridges = [*load_bridges(islands).bridges,
                   *scenario_bridges(islands, network.fixed_links)]
        G = build_land_proxy(islands, spacing_m=spacing, circuity=circuity, speeds=speeds,
                             bridges=bridges, name=f"{name} land proxy")
    return G, [APPROXIMATE_ROADS_NOTE]


def _read_feed(ferries: FerryParams, dataset: Path | None) -> Feed:
    """The GTFS feed: ``ferries.gtfs``, else the dataset's ``ferries/gtfs``, else the embedded one."""
    from optimizer.datasets import get_path

    gtfs_path = ferries.gtfs or (dataset / "ferries" / "gtfs" if dataset else None)
    return read_gtfs(gtfs_path or get_path("putuo/ferries/gtfs"))


def _default_islands_path() -> Path:
    from optimizer.datasets import get_path

    return get_path("putuo/islands/putuo_islands_gshhg.geojson").resolve()


def _assign_islands(G: nx.MultiDiGraph, islands: gpd.GeoDataFrame) -> None:
    """Set ``island_id`` of every node of an OSM graph from the island polygons (in place)."""
    nodes = list(G.nodes)
    if not nodes:
        return
    pts = points_from_lonlat([G.nodes[n]["lon"] for n in nodes], [G.nodes[n]["lat"] for n in nodes])
    res = island_of(pts, islands)
    for n, isl in zip(nodes, res["island_id"]):
        if isl:
            G.nodes[n]["island_id"] = str(isl)
