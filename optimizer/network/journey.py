"""Time-dependent earliest-arrival journeys over roads, bridges and timetabled ferries.

The search is Dijkstra on arrival time (Dreyfus 1969, "An appraisal of some shortest-path
algorithms", *Operations Research* 17(3); exact for FIFO networks). Land edges add their
``travel_time_s_<mode>``; a ferry edge ``u → v`` of route ``r`` is taken by the sailing that reaches
``v`` first among those leaving ``u`` at or after ``arrival at u + boarding buffer``. Waiting at the
pier is allowed, so every edge is FIFO and the search returns the true earliest arrival.

Two ways to cross (``ferry_access``):

``"vehicle"``
    The vehicle itself boards: only sailings with ``cars_allowed`` (car ferries), vehicle boarding
    buffer (default :data:`~optimizer.network.ferries.VEHICLE_BOARDING_BUFFER_S`, 30 min).
``"foot"``
    The traveller leaves the vehicle at the pier, crosses as a foot passenger on any sailing (foot
    buffer, default :data:`~optimizer.network.ferries.FOOT_BOARDING_BUFFER_S`, 15 min) and continues
    on the other side in the same travel mode (a second vehicle waiting there, e.g. a volunteer
    driver on the island). With ``travel_mode="walk"`` this is simply walking on board.

A timetable covers one query day (see :func:`optimizer.network.ferries.timetable_for_date`);
a journey needing a sailing of the next day is reported unreachable ("no sailing after …").

Examples
--------
See ``tests/test_journey.py`` for a hand-computed two-island case.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import networkx as nx

from optimizer.errors import InputError
from optimizer.network.contract import TRAVEL_MODES, weight_name
from optimizer.network.ferries import (
    FOOT_BOARDING_BUFFER_S,
    VEHICLE_BOARDING_BUFFER_S,
    FerryTimetable,
    Sailing,
)
from optimizer.results import REASONS, Reason
from optimizer.units import hhmm, minutes_text

if TYPE_CHECKING:
    from optimizer.network.placenames import PlaceNames

FERRY_ACCESS = ("foot", "vehicle")
"""How a traveller crosses: on foot (any sailing) or with the vehicle (car ferries only)."""

LEG_KINDS = ("land", "wait", "boarding", "ferry")
"""Kinds of :class:`Leg`."""

REASON_CODES: Mapping[str, Reason] = {
    code: REASONS[code]
    for code in ("NO_LINK", "NO_SERVICE_TODAY", "ROUTE_SUSPENDED", "NO_CAR_FERRY",
                 "NO_SAILING_AFTER")
}
"""Why a journey is unreachable: ``Journey.reason_code`` → its entry of the reason catalogue
:data:`optimizer.results.REASONS` (code, Chinese, English, explanation)."""


@dataclass(frozen=True)
class Leg:
    """One itemised part of a journey.

    Parameters
    ----------
    kind
        ``"land"`` (road/bridge/access edges in one travel mode), ``"wait"`` (idle at the pier
        before the boarding buffer starts), ``"boarding"`` (the boarding buffer) or ``"ferry"``.
    from_node, to_node
        Graph nodes (equal for wait and boarding).
    depart_s, arrive_s
        Seconds after midnight of the query day.
    travel_mode
        Land travel mode for land legs, ``"ferry"`` for sailings, ``""`` otherwise.
    length_m
        Metres (land: network length; ferry: straight-line pier distance; 0 otherwise).
    sailing
        The sailing taken (ferry legs; also set on the wait and boarding legs before it).

    Raises
    ------
    optimizer.errors.InputError
        If ``kind`` is unknown or ``arrive_s < depart_s``.
    """

    kind: str
    from_node: Hashable
    to_node: Hashable
    depart_s: float
    arrive_s: float
    travel_mode: str = ""
    length_m: float = 0.0
    sailing: Sailing | None = None

    def __post_init__(self) -> None:
        if self.kind not in LEG_KINDS:
            raise InputError(f"leg kind {self.kind!r} not one of {LEG_KINDS}", field="kind")
        if self.arrive_s < self.depart_s - 1e-9:
            raise InputError(f"leg arrives ({self.arrive_s}) before it departs ({self.depart_s})",
                             field="arrive_s")

    @property
    def duration_s(self) -> float:
        """Seconds."""
        return self.arrive_s - self.depart_s

    def describe(self, names: Mapping[Hashable, str] | None = None) -> str:
        """One line for a person (clock times HH:MM, durations in whole minutes or
        ``"1 h 05 min"``).

        With ``names`` (:func:`place_names`: graph node, GTFS stop id and route id → name)
        places and routes are named: ``"07:00-08:50 ferry 墩头-六横蛟头: 六横大岙(蛟头)码头 →
        沈家门墩头客运码头, 1 h 50 min"``, ``"06:30-06:37 car 六横岛 岑夏村村委会附近 →
        六横大岙(蛟头)码头, 7 min, 4.3 km"``; a place not in it is shown by its id. Without
        ``names``, by graph node and GTFS ids (``"07:15-07:35 ferry R_FAST trip FAST_0715 PA →
        PB, 20 min"``), for tests and debugging only.
        """
        nm = (lambda k: str(names.get(k, k))) if names else str
        span = f"{hhmm(self.depart_s)}-{hhmm(self.arrive_s)}"
        mins = minutes_text(self.duration_s)
        if self.kind == "ferry" and self.sailing is not None:
            s = self.sailing
            est = " (estimated time)" if s.is_estimate else ""
            if not names:
                return (f"{span} ferry {s.route_id} trip {s.trip_id} {s.from_stop_id} → "
                        f"{s.to_stop_id}, {mins}{est}")
            return (f"{span} ferry {nm(s.route_id)}: {nm(s.from_stop_id)} → "
                    f"{nm(s.to_stop_id)}, {mins}{est}")
        if self.kind == "land":
            return (f"{span} {self.travel_mode} {nm(self.from_node)} → {nm(self.to_node)}, "
                    f"{mins}, {self.length_m / 1000:.1f} km")
        if self.kind == "boarding":
            return f"{span} boarding buffer at {nm(self.from_node)}, {mins}"
        return f"{span} wait at {nm(self.from_node)}, {mins}"


@dataclass(frozen=True)
class Journey:
    """Result of an earliest-arrival search from one node to another.

    Parameters
    ----------
    origin, destination
        Graph nodes.
    depart_s
        Departure from the origin, seconds after midnight of the query day.
    arrival_s
        Earliest arrival at the destination (seconds after midnight; ``inf`` if unreachable).
    legs
        Itemised legs in order (empty if unreachable or origin == destination).
    travel_mode, ferry_access, boarding_buffer_s
        Search settings (``boarding_buffer_s`` in seconds).
    reason_code, reason
        ``""`` when reachable; otherwise a code of the reason catalogue (a key of
        :data:`REASON_CODES`, e.g. ``"NO_SAILING_AFTER"``) and a sentence with the details
        (islands, piers, ``HH:MM`` times of the last sailings, suspended routes).
    notes
        Extra remarks (e.g. snapping distances from :func:`journey_from_points`).
    """

    origin: Hashable
    destination: Hashable
    depart_s: float
    arrival_s: float
    legs: tuple[Leg, ...] = ()
    travel_mode: str = "car"
    ferry_access: str = "foot"
    boarding_buffer_s: float = 0.0
    reason_code: str = ""
    reason: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def reachable(self) -> bool:
        """True if the destination is reached this day."""
        return math.isfinite(self.arrival_s)

    @property
    def duration_s(self) -> float:
        """Door-to-door seconds (``inf`` if unreachable)."""
        return self.arrival_s - self.depart_s

    @property
    def wait_s(self) -> float:
        """Seconds idle at piers (wait legs; boarding buffers not included)."""
        return sum(leg.duration_s for leg in self.legs if leg.kind == "wait")

    @property
    def sailings(self) -> tuple[Sailing, ...]:
        """Sailings taken, in order."""
        return tuple(leg.sailing for leg in self.legs if leg.kind == "ferry" and leg.sailing)

    def summary(self, names: Mapping[Hashable, str] | None = None) -> str:
        """Multi-line plain-text itinerary (times ``HH:MM``; ``names`` as in
        :meth:`Leg.describe`)."""
        nm = (lambda k: str(names.get(k, k))) if names else str
        head = (f"{nm(self.origin)} → {nm(self.destination)}, leave {hhmm(self.depart_s)}, "
                f"{self.travel_mode}, ferry access {self.ferry_access}")
        if not self.reachable:
            return f"{head}\n  UNREACHABLE ({self.reason_code}): {self.reason}"
        lines = [f"{head}, arrive {hhmm(self.arrival_s)} ({minutes_text(self.duration_s)})"]
        lines += [f"  {leg.describe(names)}" for leg in self.legs]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def place_names(G: nx.MultiDiGraph, journey: Journey, *, origin: str = "start",
                destination: str = "destination",
                namer: PlaceNames | None = None) -> dict[Hashable, str]:
    """Names a person reads for the places of ``journey``: ``origin`` / ``destination`` for its
    ends, the pier's name (contract attribute ``name``) for pier nodes and their GTFS stop ids,
    and for any other node its island and nearest named place (``namer``,
    :class:`optimizer.network.placenames.PlaceNames`: ``"六横岛 岑夏村村委会附近"``; without
    it ``"road point on <island_id>"``), never a bare node id; with ``namer`` also the ferry
    routes' names by route id.

    Returns
    -------
    dict
        Graph node, GTFS stop id or route id → name.
    """
    out: dict[Hashable, str] = {}
    for leg in journey.legs:
        for n in (leg.from_node, leg.to_node):
            d = G.nodes[n] if n in G else {}
            if d.get("kind") == "pier":
                out[n] = str(d.get("name") or d.get("stop_id") or n)
                if d.get("stop_id"):
                    out[str(d["stop_id"])] = out[n]
            elif namer is not None:
                out[n] = namer.node(n)
            else:
                out[n] = f"road point on {d.get('island_id') or 'an unknown island'}"
        if namer is not None and leg.sailing is not None:
            out[leg.sailing.route_id] = namer.route(leg.sailing.route_id)
    out[journey.origin], out[journey.destination] = origin, destination
    return out


BoardingBuffer = float | Mapping[str, float] | None
"""Seconds at the pier before departure: one number, a mapping by ferry access
(``{"foot": s, "vehicle": s}``, e.g. :attr:`optimizer.network.build.Network.boarding_buffer_s`)
or ``None`` for the defaults."""


def _check(G: nx.MultiDiGraph, nodes: Sequence[tuple[str, Hashable]], depart_s: float,
           travel_mode: str, ferry_access: str, boarding_buffer_s: BoardingBuffer) -> float:
    for name, n in nodes:
        if n not in G:
            raise InputError(f"node {n!r} is not in the graph", field=name)
    if travel_mode not in TRAVEL_MODES:
        raise InputError(f"travel_mode {travel_mode!r} not one of {TRAVEL_MODES}",
                         field="travel_mode")
    if ferry_access not in FERRY_ACCESS:
        raise InputError(f"ferry_access {ferry_access!r} not one of {FERRY_ACCESS}",
                         field="ferry_access")
    if ferry_access == "vehicle" and travel_mode == "walk":
        raise InputError("ferry_access='vehicle' with travel_mode='walk': a walker has no vehicle "
                         "to take on board; use ferry_access='foot'", field="ferry_access")
    if not (isinstance(depart_s, (int, float)) and math.isfinite(depart_s) and depart_s >= 0):
        raise InputError(f"depart_s={depart_s!r}; expected seconds after midnight >= 0",
                         field="depart_s")
    if boarding_buffer_s is None:
        return float(VEHICLE_BOARDING_BUFFER_S if ferry_access == "vehicle"
                     else FOOT_BOARDING_BUFFER_S)
    if isinstance(boarding_buffer_s, Mapping):
        if ferry_access not in boarding_buffer_s:
            raise InputError(f"boarding_buffer_s has no value for ferry_access {ferry_access!r} "
                             f"(keys {sorted(boarding_buffer_s)})", field="boarding_buffer_s")
        boarding_buffer_s = boarding_buffer_s[ferry_access]
    if not (math.isfinite(boarding_buffer_s) and boarding_buffer_s >= 0):
        raise InputError(f"boarding_buffer_s={boarding_buffer_s!r}; expected seconds >= 0",
                         field="boarding_buffer_s")
    return float(boarding_buffer_s)


def _search(G: nx.MultiDiGraph, tt: FerryTimetable, origin: Hashable, depart_s: float, *,
            weight: str, cars_only: bool, buffer_s: float, target: Hashable | None = None,
            max_arrival_s: float = math.inf):
    best: dict[Hashable, float] = {origin: float(depart_s)}
    pred: dict[Hashable, tuple[Hashable, Hashable, Sailing | None]] = {}
    heap: list[tuple[float, int, Hashable]] = [(float(depart_s), 0, origin)]
    done: set[Hashable] = set()
    count = 1
    nodes = G.nodes
    while heap:
        t, _, u = heapq.heappop(heap)
        if u in done:
            continue
        done.add(u)
        if u == target:
            break
        for v, edges in G.succ[u].items():
            for k, d in edges.items():
                s = None
                if d.get("mode") == "ferry":
                    su, sv = nodes[u].get("stop_id"), nodes[v].get("stop_id")
                    s = tt.earliest_arrival(su, sv, t + buffer_s, route_id=d.get("route_id"),
                                            cars_only=cars_only)
                    if s is None:
                        continue
                    ta = float(s.arrival_s)
                else:
                    w = d.get(weight)
                    if w is None or not w < math.inf:
                        continue
                    ta = t + float(w)
                if ta > max_arrival_s:
                    continue
                if ta < best.get(v, math.inf):
                    best[v] = ta
                    pred[v] = (u, k, s)
                    heapq.heappush(heap, (ta, count, v))
                    count += 1
    return best, pred, done


def _static_reach(G: nx.MultiDiGraph, origin: Hashable, weight: str, ferry_ok) -> set[Hashable]:
    seen = {origin}
    stack = [origin]
    while stack:
        u = stack.pop()
        for v, edges in G.succ[u].items():
            if v in seen:
                continue
            for d in edges.values():
                if d.get("mode") == "ferry":
                    ok = ferry_ok(u, v, d)
                else:
                    w = d.get(weight)
                    ok = w is not None and w < math.inf
                if ok:
                    seen.add(v)
                    stack.append(v)
                    break
    return seen


def _explain(G, tt: FerryTimetable, origin, destination, weight: str, cars_only: bool,
             buffer_s: float, best: dict, namer: PlaceNames | None = None) -> tuple[str, str]:
    nodes = G.nodes
    island = (lambda i: i or "?") if namer is None else namer.island
    route = (lambda r: r) if namer is None else namer.route

    def stops(u, v):
        return nodes[u].get("stop_id"), nodes[v].get("stop_id")

    def ok(susp: bool, cars: bool):
        def f(u, v, d):
            a, b = stops(u, v)
            return tt.has_service(a, b, route_id=d.get("route_id"), cars_only=cars,
                                  include_suspended=susp)
        return f

    isl_o = island(nodes[origin].get("island_id", "") or "")
    isl_d = island(nodes[destination].get("island_id", "") or "")
    if destination not in _static_reach(G, origin, weight, lambda u, v, d: True):
        return "NO_LINK", (f"从 {isl_o} 到 {isl_d} 既无陆路也无渡轮航线 · no "
                           f"{weight.removeprefix('travel_time_s_')} route on land and no ferry "
                           f"link from island {isl_o} to island {isl_d} in the network")
    if destination not in _static_reach(G, origin, weight, ok(True, False)):
        return "NO_SERVICE_TODAY", (f"the ferry links towards island {isl_d} have no sailing on "
                                    f"{tt.day.isoformat()} (service calendar)")
    full = _static_reach(G, origin, weight, ok(False, cars_only))
    if destination not in full:
        with_susp = destination in _static_reach(G, origin, weight, ok(True, cars_only))
        no_cars = destination not in _static_reach(G, origin, weight, ok(False, False))
        if with_susp or no_cars:
            routes = sorted(route(r) for r in tt.suspended_routes)
            extra = "" if with_susp else "; the remaining sailings do not carry vehicles"
            return "ROUTE_SUSPENDED", (f"route(s) {routes} suspended on {tt.day.isoformat()}; no "
                                       f"other route reaches island {isl_d}{extra}")
        return "NO_CAR_FERRY", (f"only passenger sailings (cars_allowed != 1) link to island "
                                f"{isl_d}; cross on foot (ferry_access='foot') or pick another "
                                "route")
    # Reachable in principle: the sailings leave too early for this departure time.
    details = []
    for u, t_u in sorted(best.items(), key=lambda kv: kv[1]):
        for v, edges in G.succ[u].items():
            if v in best:
                continue
            for d in edges.values():
                if d.get("mode") != "ferry":
                    continue
                a, b = stops(u, v)
                ss = tt.sailings_between(a, b, route_id=d.get("route_id"), cars_only=cars_only)
                if not ss:
                    continue
                last = max(s.departure_s for s in ss)
                pa = namer.pier(a) if namer else nodes[u].get("name") or a
                pb = namer.pier(b) if namer else nodes[v].get("name") or b
                details.append(f"at pier {pa} from {hhmm(t_u)}, ready to board at "
                               f"{hhmm(t_u + buffer_s)} (buffer {minutes_text(buffer_s)}), but "
                               f"the last {'car-carrying ' if cars_only else ''}sailing to {pb} "
                               f"on route {route(d.get('route_id'))} leaves {hhmm(last)}")
    detail = "; ".join(details[:3]) if details else "no usable sailing later this day"
    return "NO_SAILING_AFTER", f"no sailing after the traveller reaches the pier today: {detail}"


def _legs(G: nx.MultiDiGraph, best, pred, origin, destination, travel_mode: str,
          buffer_s: float) -> tuple[Leg, ...]:
    steps = []
    n = destination
    while n != origin:
        u, k, s = pred[n]
        steps.append((u, n, k, s))
        n = u
    steps.reverse()
    legs: list[Leg] = []
    run: list[tuple] = []

    def flush():
        if run:
            length = sum(float(G.edges[u, v, k].get("length_m", 0.0)) for u, v, k, _ in run)
            legs.append(Leg("land", run[0][0], run[-1][1], best[run[0][0]], best[run[-1][1]],
                            travel_mode, length))
            run.clear()

    for u, v, k, s in steps:
        if s is None:
            run.append((u, v, k, s))
            continue
        flush()
        t_u = best[u]
        board_from = s.departure_s - buffer_s
        if board_from > t_u + 1e-9:
            legs.append(Leg("wait", u, u, t_u, board_from, "", 0.0, s))
        legs.append(Leg("boarding", u, u, max(board_from, t_u), s.departure_s, "", 0.0, s))
        legs.append(Leg("ferry", u, v, s.departure_s, s.arrival_s, "ferry",
                        float(G.edges[u, v, k].get("length_m", 0.0)), s))
    flush()
    return tuple(legs)


def earliest_arrival(
    G: nx.MultiDiGraph,
    timetable: FerryTimetable,
    origin_node: Hashable,
    destination_node: Hashable,
    depart_s: float,
    *,
    travel_mode: str = "car",
    ferry_access: str = "foot",
    boarding_buffer_s: BoardingBuffer = None,
    namer: PlaceNames | None = None,
) -> Journey:
    """Earliest arrival at a node leaving another node at a given time, with itemised legs.

    Parameters
    ----------
    G
        Multimodal network (:mod:`optimizer.network.contract`) with piers and ferry edges
        (:func:`optimizer.network.ferries.add_ferries`).
    timetable
        Sailings of the query day (:func:`optimizer.network.ferries.timetable_for_date`).
    origin_node, destination_node
        Graph nodes.
    depart_s
        Departure time, seconds after midnight of the query day (>= 0; may exceed 86 400 to use
        the query day's sailings past midnight).
    travel_mode
        Land travel mode, one of :data:`optimizer.network.contract.TRAVEL_MODES`; edges are timed
        by ``travel_time_s_<mode>`` (``inf`` = not usable).
    ferry_access
        ``"foot"`` (default: any sailing, foot buffer; the same travel mode continues on the far
        side with another vehicle) or ``"vehicle"`` (car ferries only, vehicle buffer).
    boarding_buffer_s
        Seconds to be at the pier before departure: a number, or a mapping by ferry access
        (``{"foot": s, "vehicle": s}``; pass a built network's ``Network.boarding_buffer_s`` to
        apply the scenario's ``ferries.boarding_buffer_*_min``). Default 900 s on foot, 1 800 s
        with a vehicle (:data:`~optimizer.network.ferries.FOOT_BOARDING_BUFFER_S`,
        :data:`~optimizer.network.ferries.VEHICLE_BOARDING_BUFFER_S`; assumptions).
    namer
        Place names for the reason (:class:`optimizer.network.placenames.PlaceNames`: islands,
        piers and routes by name); default ids (piers by their graph name).

    Returns
    -------
    Journey
        ``arrival_s`` and legs (land, wait, boarding, ferry …), or ``arrival_s = inf`` with
        ``reason_code`` (see :data:`REASON_CODES`) and ``reason``.

    Raises
    ------
    optimizer.errors.InputError
        If a node is not in the graph, or a setting is invalid (unknown travel mode or ferry
        access, walking with a vehicle, negative time or buffer, a buffer mapping without the
        ferry access).
    """
    buf = _check(G, [("origin_node", origin_node), ("destination_node", destination_node)],
                 depart_s, travel_mode, ferry_access, boarding_buffer_s)
    weight = weight_name(travel_mode)
    cars_only = ferry_access == "vehicle"
    best, pred, done = _search(G, timetable, origin_node, depart_s, weight=weight,
                               cars_only=cars_only, buffer_s=buf, target=destination_node)
    common = dict(origin=origin_node, destination=destination_node, depart_s=float(depart_s),
                  travel_mode=travel_mode, ferry_access=ferry_access, boarding_buffer_s=buf)
    if destination_node not in done:
        code, reason = _explain(G, timetable, origin_node, destination_node, weight, cars_only,
                                buf, best, namer)
        return Journey(arrival_s=math.inf, reason_code=code, reason=reason, **common)
    legs = _legs(G, best, pred, origin_node, destination_node, travel_mode, buf)
    return Journey(arrival_s=best[destination_node], legs=legs, **common)


def earliest_arrival_all(
    G: nx.MultiDiGraph,
    timetable: FerryTimetable,
    origin_node: Hashable,
    depart_s: float,
    *,
    travel_mode: str = "car",
    ferry_access: str = "foot",
    boarding_buffer_s: BoardingBuffer = None,
    max_duration_s: float | None = None,
) -> dict[Hashable, float]:
    """Earliest arrival at every node reachable from one origin (for isochrones across ferries).

    Parameters
    ----------
    G, timetable, origin_node, depart_s, travel_mode, ferry_access, boarding_buffer_s
        As in :func:`earliest_arrival`.
    max_duration_s
        Stop at nodes reached later than ``depart_s + max_duration_s`` seconds (default: no
        limit).

    Returns
    -------
    dict
        Node → earliest arrival (seconds after midnight of the query day). Unreachable nodes are
        absent (including those beyond ``max_duration_s``).

    Raises
    ------
    optimizer.errors.InputError
        As in :func:`earliest_arrival`, or if ``max_duration_s`` is negative.
    """
    buf = _check(G, [("origin_node", origin_node)], depart_s, travel_mode, ferry_access,
                 boarding_buffer_s)
    limit = math.inf
    if max_duration_s is not None:
        if not max_duration_s >= 0:
            raise InputError(f"max_duration_s={max_duration_s!r}; expected seconds >= 0",
                             field="max_duration_s")
        limit = depart_s + max_duration_s
    best, _, _ = _search(G, timetable, origin_node, depart_s, weight=weight_name(travel_mode),
                         cars_only=ferry_access == "vehicle", buffer_s=buf, max_arrival_s=limit)
    return best


def journey_from_points(
    G: nx.MultiDiGraph,
    timetable: FerryTimetable,
    origin_lonlat: tuple[float, float],
    destination_lonlat: tuple[float, float],
    depart_s: float,
    *,
    islands=None,
    travel_mode: str = "car",
    ferry_access: str = "foot",
    boarding_buffer_s: BoardingBuffer = None,
    namer: PlaceNames | None = None,
) -> Journey:
    """Earliest-arrival journey between two WGS84 points.

    Each point is snapped to the nearest road node **on its own island**
    (:func:`optimizer.network.snap.snap_points`; never across water). The snapping distances
    are reported in ``Journey.notes``; the time to cover them is not added.

    Parameters
    ----------
    G, timetable, depart_s, travel_mode, ferry_access, boarding_buffer_s
        As in :func:`earliest_arrival`.
    origin_lonlat, destination_lonlat
        ``(lon, lat)`` in degrees (EPSG:4326).
    islands
        Island polygons (GeoDataFrame); default the embedded Putuo islands.
    namer
        Place names (:class:`optimizer.network.placenames.PlaceNames`) for the reason and the
        snapping notes; default node and island ids.

    Returns
    -------
    Journey

    Raises
    ------
    optimizer.errors.UnreachableError
        If a point is in the sea beyond the island tolerance or its island has no road node
        (``ids`` = ``["origin"]`` / ``["destination"]``).
    optimizer.errors.InputError
        If a coordinate or setting is invalid.
    """
    from optimizer.network.islands import points_from_lonlat
    from optimizer.network.snap import snap_points

    (olon, olat), (dlon, dlat) = origin_lonlat, destination_lonlat
    pts = points_from_lonlat([olon, dlon], [olat, dlat])
    pts.index = ["origin", "destination"]
    snapped = snap_points(G, pts, islands=islands, strict=True)
    o, d = snapped.loc["origin"], snapped.loc["destination"]
    j = earliest_arrival(G, timetable, o["node"], d["node"], depart_s,
                         travel_mode=travel_mode, ferry_access=ferry_access,
                         boarding_buffer_s=boarding_buffer_s, namer=namer)
    if namer is None:
        notes = (f"origin snapped {o['snap_distance_m']:.0f} m to node {o['node']!r} "
                 f"(island {o['island_id']})",
                 f"destination snapped {d['snap_distance_m']:.0f} m to node {d['node']!r} "
                 f"(island {d['island_id']})")
    else:
        notes = tuple(f"{zh}距最近道路 {p['snap_distance_m']:.0f} m（{namer.node(p['node'])}）· "
                      f"{en} is {p['snap_distance_m']:.0f} m from the nearest road "
                      f"({namer.node(p['node'])})"
                      for zh, en, p in (("起点", "origin", o), ("终点", "destination", d)))
    return Journey(**{**j.__dict__, "notes": j.notes + notes})
