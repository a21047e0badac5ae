"""The island-links report: which islands are joined, reachable, and how far the dialysis unit is.

Three questions a planner asks of the network of the day, each answered from the timetabled
network (:mod:`optimizer.network.journey`):

1. every island: joined by road/bridge, ferry only or isolated, and the earliest arrival from
   沈家门 at ``reachability_depart`` (:func:`optimizer.network.diagnostics.island_report`);
2. from each named island to the dialysis unit leaving at ``journeys_depart``: sailings, waits and
   boarding buffers itemised, or why not;
3. isochrones around the unit by car and ferry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from optimizer.errors import InputError, UnreachableError
from optimizer.network.build import Network
from optimizer.network.snap import PointLabel
from optimizer.results import Note, SolveStatus, merge_notes
from optimizer.units import hhmm

__all__ = ["ConnectivityResult", "Destination", "plan_connectivity"]


@dataclass(frozen=True)
class Destination:
    """The report's destination: a dialysis unit's id, name and (lon, lat) in EPSG:4326, with the
    notes of the file it came from (a synthetic placeholder position)."""

    unit_id: str
    name: str
    lonlat: tuple[float, float]
    notes: tuple[Note, ...] = ()
    source: PointLabel | None = None
    """The units file, line and record the position came from (names it in errors)."""

    @property
    def label(self) -> str:
        """``"<id> <name>"``."""
        return f"{self.unit_id} {self.name}"

    def describe(self) -> str:
        """One line for ``optimizer validate``."""
        return f"journeys to and isochrones from {self.label}"


@dataclass(frozen=True, eq=False)
class ConnectivityResult:
    """The report's tables (satisfies :class:`optimizer.services.base.ServiceResult`).

    Attributes
    ----------
    destination
        The unit the journeys go to and the isochrones start from.
    islands
        One row per island (every polygon; named and unnamed) with ``earliest_arrival_s``.
    journeys
        One row per named island: arrival, duration (min), sailings, legs, or the reason.
    isochrones
        Polygons, EPSG:4326, one per threshold (``threshold_min``, ``area_km2``).
    reachability_depart_s, journeys_depart_s
        Departure clock times, seconds after midnight.
    kpis
        Headline figures.
    """

    destination: Destination
    islands: pd.DataFrame
    journeys: pd.DataFrame
    isochrones: gpd.GeoDataFrame
    reachability_depart_s: int
    journeys_depart_s: int
    kpis: dict[str, Any]
    notes: tuple = ()
    searches: tuple = ()
    status: SolveStatus = SolveStatus.OPTIMAL

    def reason_codes(self) -> set[str]:
        """Codes shown in the tables: the journeys' reasons and the islands' link statuses."""
        codes = [*self.journeys.get("reason_code", ()), *self.islands.get("status", ()),
                 *self.islands.get("ferry_flag", ())]
        return {str(c) for c in codes if isinstance(c, str) and c}


def _journey_row(net: Network, island: Any, dest: Destination, depart_s: int,
                 namer: Any) -> dict[str, Any]:
    """One island's journey to the unit; ``sailings`` and ``legs`` name piers, routes and places
    (``namer``: :class:`~optimizer.network.placenames.PlaceNames`), ``sailing_trip_ids`` keeps
    the GTFS trip ids for machines."""
    from optimizer.network.journey import journey_from_points, place_names

    pt = net.islands.loc[net.islands["island_id"] == island.island_id].iloc[0]
    rep = pt.geometry.representative_point()
    row: dict[str, Any] = {"island_id": island.island_id, "island": island.name_zh,
                           "to": dest.label, "depart": hhmm(depart_s)}
    try:
        j = journey_from_points(net.G, net.timetable, (rep.x, rep.y), dest.lonlat, depart_s,
                                islands=net.islands,
                                boarding_buffer_s=net.boarding_buffer_s["foot"], namer=namer)
    except (InputError, UnreachableError) as exc:  # no road on the island: reported, not dropped
        return {**row, "arrive": "", "duration_min": "", "wait_min": "", "sailings": "",
                "reason_code": "UNREACHABLE_ISLAND", "reason": str(exc), "legs": "",
                "sailing_trip_ids": ""}
    if not math.isfinite(j.arrival_s):
        return {**row, "arrive": "", "duration_min": "", "wait_min": "", "sailings": "",
                "reason_code": j.reason_code, "reason": j.reason, "legs": "",
                "sailing_trip_ids": ""}
    names = place_names(net.G, j, origin=f"{namer.node(j.origin)} (start)",
                        destination=dest.label, namer=namer)
    sailings = "; ".join(f"{namer.route(s.route_id)} {namer.pier(s.from_stop_id)} "
                         f"{hhmm(s.departure_s)} → {namer.pier(s.to_stop_id)} "
                         f"{hhmm(s.arrival_s)}" + (" (估计 est.)" if s.is_estimate else "")
                         for s in j.sailings)
    return {**row, "arrive": hhmm(j.arrival_s), "duration_min": round(j.duration_s / 60),
            "wait_min": round(j.wait_s / 60), "sailings": sailings, "reason_code": "",
            "reason": "", "legs": " | ".join(leg.describe(names) for leg in j.legs),
            "sailing_trip_ids": ";".join(s.trip_id for s in j.sailings)}


def _isochrones(net: Network, dest: Destination, depart_s: int,
                minutes: tuple[int, ...]) -> gpd.GeoDataFrame:
    from optimizer.network.islands import points_from_lonlat
    from optimizer.network.isochrones import isochrone_polygons
    from optimizer.network.journey import earliest_arrival_all
    from optimizer.network.snap import snap_points

    pts = points_from_lonlat([dest.lonlat[0]], [dest.lonlat[1]])
    snapped = snap_points(net.G, pts, islands=net.islands, strict=True,
                          labels=[dest.source or dest.label])
    times = earliest_arrival_all(net.G, net.timetable, snapped["node"].iloc[0], depart_s,
                                 max_duration_s=max(minutes) * 60,
                                 boarding_buffer_s=net.boarding_buffer_s["foot"])
    rel = {n: t - depart_s for n, t in times.items() if net.G.nodes[n].get("kind") != "pier"}
    iso = isochrone_polygons(net.G, rel, [m * 60 for m in minutes], islands=net.islands)
    iso["origin"] = dest.label
    iso["depart"] = hhmm(depart_s)
    iso["note"] = "; ".join(map(str, net.notes))
    return iso


def _kpis(net: Network, named: pd.DataFrame, journeys: pd.DataFrame,
          iso: gpd.GeoDataFrame) -> dict[str, Any]:
    from optimizer.network.ferries import routes_not_running

    reach = named["earliest_arrival_s"].apply(math.isfinite)
    names = dict(zip(net.feed.routes["route_id"],
                     net.feed.routes.get("route_short_name", net.feed.routes["route_id"])))
    flagged = named[named["ferry_flag"].astype(str) != ""] if "ferry_flag" in named else named[:0]
    return {
        "routes_not_running": {f"{names.get(r) or r} ({r})": code for r, code in
                               routes_not_running(net.feed, net.timetable).items()},
        "islands_with_routes_not_running": sorted(flagged["name_zh"].astype(str)),
        "islands_named": int(len(named)),
        "islands_reachable": int(reach.sum()),
        "islands_unreachable": sorted(named.loc[~reach, "name_zh"].astype(str)),
        "journeys_to_unit_reachable": int((journeys["arrive"] != "").sum()),
        "isochrone_area_km2": {int(r.threshold_min): round(float(r.area_km2), 1)
                               for r in iso.itertuples()},
    }


def plan_connectivity(net: Network, dest: Destination, *, reachability_depart_s: int,
                      journeys_depart_s: int, isochrone_minutes: tuple[int, ...]
                      ) -> ConnectivityResult:
    """Compute the island report, the journeys to the unit and the isochrones.

    Parameters
    ----------
    net
        The built network of the date.
    dest
        The dialysis unit (destination of the journeys, origin of the isochrones).
    reachability_depart_s, journeys_depart_s
        Departure clock times, seconds after midnight.
    isochrone_minutes
        Isochrone thresholds, minutes.

    Returns
    -------
    ConnectivityResult

    Raises
    ------
    optimizer.errors.InputError
        If the unit has no road node nearby (strict snap).
    """
    from optimizer.network.diagnostics import island_report
    from optimizer.network.placenames import PlaceNames

    rep = island_report(net, depart_s=reachability_depart_s,
                        ferry_access="foot")
    named = rep[rep["name_zh"].astype(str).str.len() > 0]
    namer = PlaceNames.of(net.G, net.islands, feed=net.feed)
    journeys = pd.DataFrame([_journey_row(net, r, dest, journeys_depart_s, namer)
                             for r in named.itertuples(index=False)])
    iso = _isochrones(net, dest, reachability_depart_s, isochrone_minutes)
    return ConnectivityResult(destination=dest, islands=rep, journeys=journeys, isochrones=iso,
                              reachability_depart_s=reachability_depart_s,
                              journeys_depart_s=journeys_depart_s,
                              kpis=_kpis(net, named, journeys, iso),
                              notes=merge_notes(net.notes, dest.notes))
