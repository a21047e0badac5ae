"""Ferries as a timetable: sailings per date, and piers + ferry edges in the multimodal graph.

A :class:`Sailing` is one GTFS trip between two of its stops, with departure and arrival in seconds
after midnight of the **query day**. :func:`timetable_for_date` collects the sailings of a day from
the services active that day and, for trips running past midnight, from the services of the day
before (GTFS time 25:10:00 of service day D is 01:10 = 4 200 s on D + 1). Suspended routes are kept
aside so that journeys can say why a crossing is impossible.

:func:`add_ferries` puts the ferry network into a graph that follows
:mod:`optimizer.network.contract`: one ``kind="pier"`` node per GTFS stop, ``mode="access"`` edges
(both directions) to the nearest road node on the same island, and one ``mode="ferry"`` edge per
(from stop, to stop, route). Ferry edges carry no averaged time; the earliest-arrival search
(:mod:`optimizer.network.journey`) reads departures from the :class:`FerryTimetable`.

Boarding buffers (how long before departure a traveller must be at the pier) are parameters with
documented defaults :data:`FOOT_BOARDING_BUFFER_S` and :data:`VEHICLE_BOARDING_BUFFER_S`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
from pyproj import Transformer

from optimizer.errors import InputError, InputErrors, UnreachableError
from optimizer.io.gtfs import Feed, active_services, as_date
from optimizer.network.contract import TRAVEL_MODES, WGS84, weight_name
from optimizer.network.speeds import DEFAULT_CIRCUITY, ProxySpeeds

DAY_S = 86_400
"""Seconds per day."""

FOOT_BOARDING_BUFFER_S = 15 * 60
"""Default time (s) a foot passenger must be at the pier before departure: 15 min.

Assumption: Chinese passenger ferries commonly stop ticket checks (停止检票) about 5-10 min before
departure and ask passengers to arrive earlier; 15 min includes buying a ticket and walking to the
berth. Not sourced for Putuo; set per scenario.
"""

VEHICLE_BOARDING_BUFFER_S = 30 * 60
"""Default time (s) a vehicle must be at the pier before departure of a car ferry: 30 min.

Assumption: vehicles queue, are weighed/checked and loaded before foot passengers on 车客渡 car
ferries; 30 min is a common advice for roll-on/roll-off ferries. Not sourced for Putuo.
"""

DEFAULT_MAX_ACCESS_M = 2_000.0
"""Largest straight-line distance (m) from a pier to the road node it is joined to.

Most Putuo pier positions are estimates with errors "up to ~2 km" (``SOURCES.md``, ports.csv); a
pier farther than this from every road node of its island is reported unlinked, never joined across
the water.
"""



@dataclass(frozen=True)
class Sailing:
    """One scheduled crossing: a GTFS trip from one of its stops to a later one.

    Parameters
    ----------
    trip_id, route_id
        GTFS ids.
    from_stop_id, to_stop_id
        GTFS stop ids of the boarding and alighting piers.
    departure_s, arrival_s
        Seconds after midnight of the query day (may exceed 86 400 for trips of the query day
        running past midnight). ``arrival_s > departure_s >= 0``.
    cars_allowed
        True if vehicles may board (GTFS ``cars_allowed == 1``); ``2`` and "no information" are
        False (a vehicle is never routed onto a sailing not known to carry it).
    is_estimate
        True if the sailing's time is an estimate (``trips.txt`` ``is_estimate == 1``).
    vessel_type
        ``trips.txt`` ``vessel_type`` (``"fast_boat"``, ``"conventional"`` …) or ``""``.
    service_day
        The GTFS service day of the trip (the query day, or the day before for a trip past
        midnight).

    Raises
    ------
    optimizer.errors.InputError
        If the times are not ``0 <= departure_s < arrival_s`` or the stops are equal.
    """

    trip_id: str
    route_id: str
    from_stop_id: str
    to_stop_id: str
    departure_s: int
    arrival_s: int
    cars_allowed: bool = False
    is_estimate: bool = False
    vessel_type: str = ""
    service_day: dt.date | None = None

    def __post_init__(self) -> None:
        if not (0 <= self.departure_s < self.arrival_s):
            raise InputError(f"sailing {self.trip_id!r}: departure {self.departure_s} s / arrival "
                             f"{self.arrival_s} s; need 0 <= departure < arrival",
                             file="stop_times.txt", field="arrival_time")
        if self.from_stop_id == self.to_stop_id:
            raise InputError(f"sailing {self.trip_id!r} starts and ends at {self.from_stop_id!r}",
                             file="stop_times.txt", field="stop_id")

    @property
    def duration_s(self) -> int:
        """Crossing time in seconds."""
        return self.arrival_s - self.departure_s


@dataclass(frozen=True)
class FerryTimetable:
    """The sailings of one query day, indexed by (from stop, to stop).

    Parameters
    ----------
    day
        The query day.
    sailings
        Sailings that run (not suspended), any order; stored sorted by departure.
    suspended_routes
        Route ids suspended for the day.
    suspended_sailings
        Sailings of suspended routes (kept to explain unreachable journeys).

    Raises
    ------
    optimizer.errors.InputError
        If a sailing of a suspended route is among ``sailings``.
    """

    day: dt.date
    sailings: tuple[Sailing, ...]
    suspended_routes: frozenset[str] = frozenset()
    suspended_sailings: tuple[Sailing, ...] = ()
    _index: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sailings", tuple(sorted(
            self.sailings, key=lambda s: (s.departure_s, s.arrival_s, s.trip_id))))
        bad = [s.trip_id for s in self.sailings if s.route_id in self.suspended_routes]
        if bad:
            raise InputError(f"sailings {bad[:5]} belong to suspended routes",
                             field="suspended_routes")

    def _table(self, from_stop: str, to_stop: str, route_id: str | None,
               cars_only: bool) -> tuple[list[int], list[Sailing], list[int]]:
        key = (from_stop, to_stop, route_id, cars_only)
        hit = self._index.get(key)
        if hit is None:
            ss = [s for s in self.sailings if s.from_stop_id == from_stop
                  and s.to_stop_id == to_stop and (route_id is None or s.route_id == route_id)
                  and (s.cars_allowed or not cars_only)]
            deps = [s.departure_s for s in ss]
            # best[i]: index of the earliest-arriving sailing among ss[i:]
            best = [0] * len(ss)
            for i in range(len(ss) - 1, -1, -1):
                if i == len(ss) - 1 or ss[i].arrival_s <= ss[best[i + 1]].arrival_s:
                    best[i] = i
                else:
                    best[i] = best[i + 1]
            hit = (deps, ss, best)
            self._index[key] = hit
        return hit

    def sailings_between(self, from_stop: str, to_stop: str, *, route_id: str | None = None,
                         cars_only: bool = False) -> list[Sailing]:
        """Sailings from one stop to another, sorted by departure.

        Parameters
        ----------
        from_stop, to_stop
            GTFS stop ids.
        route_id
            Only this route (default: all routes).
        cars_only
            Only sailings that carry vehicles.

        Returns
        -------
        list of Sailing
        """
        return list(self._table(from_stop, to_stop, route_id, cars_only)[1])

    def next_departure(self, from_stop: str, to_stop: str, t_s: float, *,
                       route_id: str | None = None, cars_only: bool = False) -> Sailing | None:
        """First sailing leaving ``from_stop`` for ``to_stop`` at or after ``t_s``.

        Parameters
        ----------
        from_stop, to_stop
            GTFS stop ids.
        t_s
            Seconds after midnight of the query day.
        route_id, cars_only
            Filters, as in :meth:`sailings_between`.

        Returns
        -------
        Sailing or None
            ``None`` when no sailing leaves at or after ``t_s`` this day.
        """
        deps, ss, _ = self._table(from_stop, to_stop, route_id, cars_only)
        i = bisect.bisect_left(deps, math.ceil(t_s))
        return ss[i] if i < len(ss) else None

    def earliest_arrival(self, from_stop: str, to_stop: str, ready_s: float, *,
                         route_id: str | None = None, cars_only: bool = False) -> Sailing | None:
        """Sailing reaching ``to_stop`` first among those leaving at or after ``ready_s``.

        Usually the next departure; differs when a later, faster boat overtakes a slower one.
        Ties go to the earlier departure.

        Parameters
        ----------
        from_stop, to_stop
            GTFS stop ids.
        ready_s
            Earliest departure the traveller can take (seconds after midnight of the query day,
            boarding buffer included).
        route_id, cars_only
            Filters, as in :meth:`sailings_between`.

        Returns
        -------
        Sailing or None
        """
        deps, ss, best = self._table(from_stop, to_stop, route_id, cars_only)
        i = bisect.bisect_left(deps, math.ceil(ready_s))
        return ss[best[i]] if i < len(ss) else None

    def has_service(self, from_stop: str, to_stop: str, *, route_id: str | None = None,
                    cars_only: bool = False, include_suspended: bool = False) -> bool:
        """True if any sailing (at any time of the day) links the two stops.

        Parameters
        ----------
        from_stop, to_stop, route_id, cars_only
            As in :meth:`sailings_between`.
        include_suspended
            Also count sailings of suspended routes.
        """
        if self._table(from_stop, to_stop, route_id, cars_only)[1]:
            return True
        return include_suspended and any(
            s.from_stop_id == from_stop and s.to_stop_id == to_stop
            and (route_id is None or s.route_id == route_id) and (s.cars_allowed or not cars_only)
            for s in self.suspended_sailings)

    def pairs(self) -> set[tuple[str, str]]:
        """(from stop, to stop) pairs with at least one running sailing this day."""
        return {(s.from_stop_id, s.to_stop_id) for s in self.sailings}

    def routes_running(self) -> set[str]:
        """Route ids with at least one running sailing this day."""
        return {s.route_id for s in self.sailings}


def trip_sailings(feed: Feed, *, shift_s: int = 0, trip_ids: Iterable[str] | None = None,
                  service_day: dt.date | None = None) -> list[Sailing]:
    """Every sailing (ordered stop pair) of the given trips.

    A trip calling at stops s0, s1, …, sn gives a sailing for every pair i < j (a traveller may
    stay on board past intermediate stops).

    Parameters
    ----------
    feed
        A validated feed.
    shift_s
        Seconds added to every time (``-86400`` for trips of the previous service day).
    trip_ids
        Trips to use (default: all).
    service_day
        Recorded on each sailing.

    Returns
    -------
    list of Sailing
        Sailings with negative departure after shifting are left out (they left before the query
        day began).
    """
    trips = feed.trips.set_index("trip_id")
    st = feed.stop_times
    if trip_ids is not None:
        st = st[st["trip_id"].isin(set(trip_ids))]
    out: list[Sailing] = []
    for tid, grp in st.groupby("trip_id", sort=False):
        t = trips.loc[tid]
        stops = grp["stop_id"].tolist()
        arr = (grp["arrival_s"].to_numpy() + shift_s).tolist()
        dep = (grp["departure_s"].to_numpy() + shift_s).tolist()
        for i in range(len(stops)):
            if dep[i] < 0:
                continue
            for j in range(i + 1, len(stops)):
                out.append(Sailing(
                    trip_id=str(tid), route_id=str(t["route_id"]), from_stop_id=stops[i],
                    to_stop_id=stops[j], departure_s=int(dep[i]), arrival_s=int(arr[j]),
                    cars_allowed=str(t.get("cars_allowed", "")) == "1",
                    is_estimate=str(t.get("is_estimate", "0")) == "1",
                    vessel_type=str(t.get("vessel_type", "")), service_day=service_day))
    return out


def timetable_for_date(feed: Feed, day: dt.date | str, *,
                       suspended_routes: Iterable[str] = ()) -> FerryTimetable:
    """Build the timetable of one query day.

    Sailings come from the trips of services active on ``day`` (times as in the feed, so a trip
    at 24:30:00 appears at 88 200 s) and from the trips of services active on the previous day
    whose departure is at or after 24:00:00, shifted by −86 400 s (25:10:00 becomes 01:10 =
    4 200 s). Sailings of the previous day that left before midnight are not included.

    Parameters
    ----------
    feed
        A feed from :func:`optimizer.io.gtfs.read_gtfs`.
    day
        Query day (:class:`datetime.date` or ``YYYY-MM-DD`` / ``YYYYMMDD``).
    suspended_routes
        Route ids not running that day (weather, breakdown, scenario); their sailings are kept in
        :attr:`FerryTimetable.suspended_sailings`.

    Returns
    -------
    FerryTimetable

    Raises
    ------
    optimizer.errors.InputError
        If ``day`` is not a date or a suspended route id is not in ``routes.txt``
        (field ``suspended_routes``).

    Examples
    --------
    >>> from optimizer.datasets import get_path
    >>> from optimizer.io.gtfs import read_gtfs
    >>> tt = timetable_for_date(read_gtfs(get_path("putuo/ferries/gtfs")), "2025-06-02")
    >>> tt.next_departure("P_DUNTOU", "P_TAOHUA", 8 * 3600).trip_id
    'R_DT_TH_F_0800'
    """
    d = as_date(day)
    suspended = frozenset(str(r) for r in suspended_routes)
    known = set(feed.routes["route_id"])
    unknown = sorted(suspended - known)
    if unknown:
        errs = [InputError(f"route {r!r} is not in routes.txt (known: {sorted(known)})",
                           file="routes.txt", field="suspended_routes") for r in unknown]
        raise errs[0] if len(errs) == 1 else InputErrors(errs)
    trips = feed.trips
    today = trips.loc[trips["service_id"].isin(active_services(feed, d)), "trip_id"]
    prev_day = d - dt.timedelta(days=1)
    yesterday = trips.loc[trips["service_id"].isin(active_services(feed, prev_day)), "trip_id"]
    sailings = trip_sailings(feed, trip_ids=today, service_day=d)
    sailings += trip_sailings(feed, trip_ids=yesterday, shift_s=-DAY_S, service_day=prev_day)
    run = tuple(s for s in sailings if s.route_id not in suspended)
    off = tuple(s for s in sailings if s.route_id in suspended)
    return FerryTimetable(day=d, sailings=run, suspended_routes=suspended, suspended_sailings=off)


def pier_node_id(stop_id: str) -> str:
    """Graph node id of the pier of a GTFS stop (``"pier:<stop_id>"``)."""
    return f"pier:{stop_id}"


def add_ferries(
    G: nx.MultiDiGraph,
    feed: Feed,
    *,
    islands=None,
    stop_islands: Mapping[str, str] | None = None,
    max_access_m: float = DEFAULT_MAX_ACCESS_M,
    speeds: ProxySpeeds | None = None,
    circuity: float = DEFAULT_CIRCUITY,
) -> nx.MultiDiGraph:
    """Add piers, access edges and ferry edges of a GTFS feed to a graph (in place).

    * One node ``pier:<stop_id>`` per stop in ``stops.txt``: ``kind="pier"``, ``stop_id``,
      ``name``, ``lon``/``lat`` (EPSG:4326), ``x``/``y`` (metres in ``G.graph["crs"]``),
      ``island_id``.
    * Two ``mode="access"`` edges (pier→road, road→pier) to the nearest non-pier node with the
      same ``island_id`` within ``max_access_m`` (straight line). ``length_m`` = straight-line
      distance × ``circuity``; ``travel_time_s_<m>`` = ``length_m`` / speed of mode ``m``.
    * One ``mode="ferry"`` edge per (from stop, to stop, route) with a sailing in the feed (key
      = ``route_id``), ``length_m`` = straight-line pier-to-pier distance, ``route_id`` and no
      travel time (the timetable gives it).

    A pier with no road node on its island within ``max_access_m`` is still added, without access
    edges, and listed in ``G.graph["unlinked_piers"]`` (stop_id → reason); never joined across
    water.

    Parameters
    ----------
    G
        A network following :mod:`optimizer.network.contract` (projected,
        ``G.graph["crs"]``). Modified
        in place and returned.
    feed
        A validated feed.
    islands
        Island polygons (GeoDataFrame, see :func:`optimizer.network.islands.load_islands`) used to
        find each pier's island (:func:`~optimizer.network.islands.island_of` with its default sea
        tolerance). Default ``None``: the embedded Putuo islands, unless ``stop_islands`` covers
        every stop.
    stop_islands
        Explicit stop_id → island_id, overriding the polygons.
    max_access_m
        Metres; default :data:`DEFAULT_MAX_ACCESS_M`.
    speeds
        Speeds on access edges; default :class:`optimizer.network.speeds.ProxySpeeds` defaults.
    circuity
        Access-edge length / straight-line length; default
        :data:`optimizer.network.speeds.DEFAULT_CIRCUITY` (1.3).

    Returns
    -------
    networkx.MultiDiGraph
        ``G`` itself.

    Raises
    ------
    optimizer.errors.InputError
        If ``G.graph["crs"]`` is not a projected CRS, ``max_access_m`` is not > 0, or
        ``stop_islands``
        names an unknown stop.
    """
    crs = _projected_crs(G)
    if not (max_access_m > 0):
        raise InputError(f"max_access_m={max_access_m!r}; expected metres > 0",
                         field="max_access_m")
    speeds = speeds or ProxySpeeds()
    stops = feed.stops
    if stop_islands:
        bad = sorted(set(stop_islands) - set(stops["stop_id"]))
        if bad:
            raise InputError(f"stop_islands names stops not in stops.txt: {bad}",
                             field="stop_islands")
    lon = stops["stop_lon"].to_numpy(dtype=float)
    lat = stops["stop_lat"].to_numpy(dtype=float)
    xs, ys = Transformer.from_crs(WGS84, crs, always_xy=True).transform(lon, lat)
    stop_island, node_island = _stop_islands(stops, lon, lat, islands=islands,
                                             stop_islands=stop_islands)
    # Snap targets are found before any pier is added (piers never link to piers).
    targets = _access_targets(G, stops, xs, ys, stop_island)
    unlinked: dict[str, str] = dict(G.graph.get("unlinked_piers", {}))
    for k, sid in enumerate(stops["stop_id"]):
        node = pier_node_id(sid)
        G.add_node(node, x=float(xs[k]), y=float(ys[k]), lon=float(lon[k]), lat=float(lat[k]),
                   island_id=node_island[sid], kind="pier", stop_id=sid,
                   name=str(stops["stop_name"].iloc[k]))
        why = _add_access(G, node, targets[sid], max_access_m=max_access_m, circuity=circuity,
                          speeds=speeds, island=stop_island[sid])
        if why:
            unlinked[sid] = why
        else:
            unlinked.pop(sid, None)
    _add_ferry_edges(G, feed)
    G.graph["unlinked_piers"] = unlinked
    G.graph["gtfs"] = str(feed.path)
    return G


def _projected_crs(G: nx.MultiDiGraph) -> str:
    """The graph's CRS, which must be projected (metres)."""
    from pyproj import CRS

    crs = G.graph.get("crs")
    try:
        ok = bool(crs) and CRS.from_user_input(crs).is_projected
    except Exception:  # noqa: BLE001 - pyproj CRSError: reported below
        ok = False
    if not ok:
        raise InputError(f"graph CRS is {crs!r}; add_ferries needs a projected CRS in metres "
                         "(the UTM zone of the study area; project the graph first)", field="crs")
    return str(crs)


def _stop_islands(stops, lon: np.ndarray, lat: np.ndarray, *, islands,
                  stop_islands: Mapping[str, str] | None
                  ) -> tuple[dict[str, str], dict[str, str]]:
    """Per stop_id: the island its pier is joined on (``stop_islands`` first, then the polygons;
    ``""`` = in the sea), and the node's ``island_id`` (the same, or the polygon's when
    ``stop_islands`` gives an empty one)."""
    from optimizer.network.islands import island_of, load_islands, points_from_lonlat

    polygon_island: dict[str, str] = {}
    if not (stop_islands and set(stops["stop_id"]) <= set(stop_islands)):
        res = island_of(points_from_lonlat(lon, lat),
                        islands if islands is not None else load_islands())
        polygon_island = dict(zip(stops["stop_id"], res["island_id"]))
    joined = {sid: str(stop_islands[sid]) if stop_islands and sid in stop_islands else
              str(polygon_island.get(sid, "")) for sid in stops["stop_id"]}
    node = {sid: isl or polygon_island.get(sid, "") for sid, isl in joined.items()}
    return joined, node


def _access_targets(G: nx.MultiDiGraph, stops, xs: np.ndarray, ys: np.ndarray,
                    stop_island: Mapping[str, str]) -> dict[str, tuple[object, float] | str]:
    """Per stop: the nearest road node on its island and the distance (m), or why there is none."""
    from optimizer.network.snap import nearest_node_same_island

    targets: dict[str, tuple[object, float] | str] = {}
    for k, sid in enumerate(stops["stop_id"]):
        isl = stop_island[sid]
        if not isl:
            targets[sid] = "pier is not on any island (in the sea beyond the snap tolerance)"
            continue
        try:
            targets[sid] = nearest_node_same_island(G, float(xs[k]), float(ys[k]), isl)
        except UnreachableError:
            targets[sid] = f"no road node on island {isl!r}"
    return targets


def _add_access(G: nx.MultiDiGraph, node: str, target: tuple[object, float] | str, *,
                max_access_m: float, circuity: float, speeds: ProxySpeeds, island: str) -> str:
    """Join a pier to its road node both ways; returns ``""``, or why the pier stays unlinked."""
    if isinstance(target, str):
        return target
    rn, dist = target
    if dist > max_access_m:
        return (f"nearest road node on island {island!r} is "
                f"{dist:.0f} m away (> max_access_m={max_access_m:.0f})")
    length = dist * circuity
    attrs = {"mode": "access", "length_m": length}
    for m in TRAVEL_MODES:
        attrs[weight_name(m)] = length / speeds.mps(m)
    G.add_edge(node, rn, key="access", **attrs)
    G.add_edge(rn, node, key="access", **attrs)
    return ""


def _add_ferry_edges(G: nx.MultiDiGraph, feed: Feed) -> None:
    """One ferry edge per (from stop, to stop, route) with a sailing in the feed."""
    seen: set[tuple[str, str, str]] = set()
    for s in trip_sailings(feed):
        key = (s.from_stop_id, s.to_stop_id, s.route_id)
        if key in seen:
            continue
        seen.add(key)
        u, v = pier_node_id(s.from_stop_id), pier_node_id(s.to_stop_id)
        du, dv = G.nodes[u], G.nodes[v]
        G.add_edge(u, v, key=s.route_id, mode="ferry", route_id=s.route_id,
                   length_m=math.hypot(du["x"] - dv["x"], du["y"] - dv["y"]))


NORMAL_SERVICE_WINDOW_DAYS = 7
"""A route "normally runs" if it has a sailing on at least one day within this many days before or
after the query day (inside the feed's dates): one week either side covers weekly patterns."""


def routes_not_running(feed: Feed, timetable: FerryTimetable, *,
                       window_days: int = NORMAL_SERVICE_WINDOW_DAYS) -> dict[str, str]:
    """Routes that normally run but have no sailing on the timetable's day, with a reason code.

    Parameters
    ----------
    feed
        The feed the timetable was built from.
    timetable
        The day's timetable (:func:`timetable_for_date`).
    window_days
        Days either side searched for the route's normal service (default
        :data:`NORMAL_SERVICE_WINDOW_DAYS`).

    Returns
    -------
    dict of str to str
        ``route_id`` → ``"ROUTE_SUSPENDED"`` (suspended in the scenario) or
        ``"NO_SERVICE_TODAY"`` (the feed's calendar gives it no sailing that day, e.g. a
        ``calendar_dates.txt`` removal, while it runs on another day of the window); codes of
        :data:`optimizer.results.REASONS`. Ordered by ``routes.txt``. Routes running today, and
        routes with no sailing on any day of the window, are not listed.

    Examples
    --------
    >>> from optimizer.datasets import get_path
    >>> from optimizer.io.gtfs import read_gtfs
    >>> feed = read_gtfs(get_path("putuo/ferries/gtfs"))
    >>> routes_not_running(feed, timetable_for_date(feed, "2026-12-02",
    ...                                             suspended_routes=["R_DT_DB"]))
    {'R_DT_DB': 'ROUTE_SUSPENDED'}
    """
    running = timetable.routes_running()
    trips = feed.trips
    elsewhere: set[str] = set()
    for k in range(1, window_days + 1):
        for day in (timetable.day - dt.timedelta(days=k), timetable.day + dt.timedelta(days=k)):
            on = active_services(feed, day)
            elsewhere |= set(trips.loc[trips["service_id"].isin(on), "route_id"])
    today_feed = set(trips.loc[trips["service_id"].isin(active_services(feed, timetable.day)),
                               "route_id"])
    out: dict[str, str] = {}
    for rid in feed.routes["route_id"]:
        if rid in running:
            continue
        if rid in timetable.suspended_routes and (rid in today_feed or rid in elsewhere):
            out[rid] = "ROUTE_SUSPENDED"
        elif rid in elsewhere:
            out[rid] = "NO_SERVICE_TODAY"
    return out
