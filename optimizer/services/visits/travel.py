"""Travel of an office's workers: land times between the office and the homes, and crossings.

Land: one :func:`optimizer.network.matrix.point_matrix` per office (the office first, then the
homes with a visit due), in the scenario's travel mode; homes on an island not joined by road
or bridge to the office's island are ``inf`` there. Crossings (:class:`FerryAccess`): a worker
crosses as a foot passenger on any sailing of the day (the network's timetabled journeys,
:mod:`optimizer.network.journey`; boarding buffer of the scenario): out = the earliest arrival at
each home leaving the office at the start of the day (waits at the pier included), back = the
earliest return to the office leaving a home at a given time. Times are seconds.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

from optimizer.io.gtfs import active_services
from optimizer.network.build import Network
from optimizer.network.ferries import FerryTimetable, pier_node_id, timetable_for_date
from optimizer.network.islands import points_from_lonlat
from optimizer.network.journey import earliest_arrival, earliest_arrival_all
from optimizer.network.matrix import point_matrix

__all__ = ["BACK_ROUND_S", "FerryAccess", "OfficeTravel", "Timetables", "office_travel"]

BACK_ROUND_S = 300
"""Return journeys are looked up for departures rounded up to 5 minutes (a worker leaving a
home at 14:02 is timed as leaving at 14:05: conservative, and fewer searches)."""


class Timetables:
    """The sailings of each day of the horizon, built once per date and shared by the offices
    (days with the same sailings share one key, so their crossings are searched once)."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self._by_date: dict[dt.date, tuple[FerryTimetable, tuple]] = {}
        self._by_key: dict[tuple, FerryTimetable] = {}

    def get(self, day: dt.date) -> tuple[FerryTimetable, tuple]:
        """``(timetable, key)`` of ``day``; equal keys = the same sailings (the services
        running that day and the day before, :func:`optimizer.io.gtfs.active_services`)."""
        if day not in self._by_date:
            feed = self.net.feed
            key = (tuple(sorted(active_services(feed, day))),
                   tuple(sorted(active_services(feed, day - dt.timedelta(days=1)))))
            if key not in self._by_key:
                self._by_key[key] = (
                    self.net.timetable if day == self.net.date else
                    timetable_for_date(feed, day,
                                       suspended_routes=self.net.timetable.suspended_routes))
            self._by_date[day] = (self._by_key[key], key)
        return self._by_date[day]


@dataclass(eq=False)
class FerryAccess:
    """Crossings between an office and the homes of one island group reached by ferry.

    Attributes
    ----------
    net, office_node, nodes
        The network, the office's node and the group's home nodes (position = stop index of the
        group).
    start_s, day_s
        Start of the working day (seconds after midnight) and its length (seconds).
    travel_mode, timetables
        Land mode and the horizon's timetables.
    islands
        The islands of the group (road-linked to each other): sailings leaving their piers
        are the ways back.
    """

    net: Network
    office_node: Hashable
    nodes: Sequence[Hashable]
    start_s: float
    day_s: float
    travel_mode: str
    timetables: Timetables
    islands: frozenset[str] = frozenset()
    _out: dict = field(default_factory=dict)
    _back: dict = field(default_factory=dict)
    _last: dict = field(default_factory=dict)
    _sail: dict = field(default_factory=dict)

    def out_s(self, day: dt.date) -> np.ndarray:
        """Seconds from the start of ``day``'s work at the office to each home (``inf`` = not
        reached within the working day)."""
        tt, key = self.timetables.get(day)
        if key not in self._out:
            best = earliest_arrival_all(self.net.G, tt, self.office_node, self.start_s,
                                        travel_mode=self.travel_mode, ferry_access="foot",
                                        boarding_buffer_s=self.net.boarding_buffer_s,
                                        max_duration_s=self.day_s)
            self._out[key] = np.array([best.get(n, math.inf) - self.start_s for n in self.nodes])
        return self._out[key]

    def back_s(self, day: dt.date, stop: int, leave_s: float) -> float:
        """Seconds from leaving home ``stop`` at ``leave_s`` (rounded up to
        :data:`BACK_ROUND_S`) to arriving at the office (``inf`` = no way back that day)."""
        tt, key = self.timetables.get(day)
        t = math.ceil(leave_s / BACK_ROUND_S) * BACK_ROUND_S
        k = (key, stop, t)
        if k not in self._back:
            if t + self.net.boarding_buffer_s.get("foot", 0.0) > self._last_departure(day):
                self._back[k] = (math.inf, 0)  # no sailing leaves the group later that day
            else:
                j = earliest_arrival(self.net.G, tt, self.nodes[stop], self.office_node, t,
                                     travel_mode=self.travel_mode, ferry_access="foot",
                                     boarding_buffer_s=self.net.boarding_buffer_s)
                self._back[k] = (j.arrival_s - t, sum(1 for g in j.legs if g.kind == "ferry"))
        return self._back[k][0] + (t - leave_s)

    def _last_departure(self, day: dt.date) -> float:
        """Latest departure (seconds) of a sailing from a pier on the group's islands."""
        tt, key = self.timetables.get(day)
        if key not in self._last:
            G = self.net.G
            deps = [s.departure_s for s in tt.sailings
                    if G.nodes.get(pier_node_id(s.from_stop_id), {}).get("island_id")
                    in self.islands]
            self._last[key] = max(deps, default=-math.inf)
        return self._last[key]

    def sailings_back(self, day: dt.date, stop: int, leave_s: float) -> int:
        """Sailings boarded on the way back leaving home ``stop`` at ``leave_s`` (rounded up
        as in :meth:`back_s`)."""
        tt, key = self.timetables.get(day)
        self.back_s(day, stop, leave_s)
        return self._back[(key, stop, math.ceil(leave_s / BACK_ROUND_S) * BACK_ROUND_S)][1]

    def sailings_out(self, day: dt.date, stop: int) -> int:
        """Sailings boarded on the way out to home ``stop`` at the start of ``day`` (one
        journey search per timetable and home node, kept)."""
        tt, key = self.timetables.get(day)
        k = (key, self.nodes[stop])
        if k not in self._sail:
            j = earliest_arrival(self.net.G, tt, self.office_node, self.nodes[stop],
                                 self.start_s, travel_mode=self.travel_mode,
                                 ferry_access="foot", boarding_buffer_s=self.net.boarding_buffer_s)
            self._sail[k] = sum(1 for g in j.legs if g.kind == "ferry")
        return self._sail[k]


@dataclass(eq=False)
class OfficeTravel:
    """Land times of one office (row/column 0) and its homes with a visit due (1..n).

    Attributes
    ----------
    land_s
        (n + 1, n + 1) seconds; ``inf`` where no road or bridge joins the two.
    nodes
        Snapped node of each point (``None`` = no node: the home cannot be reached).
    """

    land_s: np.ndarray
    nodes: list


def office_travel(net: Network, lonlat: Sequence[tuple[float, float]], *, travel_mode: str
                  ) -> OfficeTravel:
    """Snap the office and homes (``(lon, lat)`` EPSG:4326 degrees, the office first) and time
    every land pair (seconds, access legs included; :func:`optimizer.network.matrix.
    point_matrix`)."""
    pts = points_from_lonlat([p[0] for p in lonlat], [p[1] for p in lonlat])
    pm = point_matrix(net.G, pts, pts, travel_mode=travel_mode, islands=net.islands)
    nodes = [None if isinstance(v, float) and math.isnan(v) else v
             for v in pm.origin_snap["node"].tolist()]
    return OfficeTravel(np.array(pm.travel_time_s, dtype=float), nodes)
