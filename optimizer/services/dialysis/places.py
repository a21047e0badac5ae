"""The land places of a dialysis day (vehicle bases, units, piers, homes) and their travel times.

One car travel-time matrix over every place involved (:func:`optimizer.network.matrix.point_matrix`
on the land graph: roads, bridges, access; never ferries). Two places are "on the same side" when
their land travel time is finite (islands joined by a bridge count as one side).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import networkx as nx
import numpy as np

from optimizer.network.ferries import FerryTimetable
from optimizer.services.dialysis.records import Patient, Unit, VehicleSpec

__all__ = ["Place", "PlaceMatrix", "build_places", "day_piers"]


@dataclass(frozen=True)
class Place:
    """A stop place: ``place_type`` base / unit / pier / home, its id (vehicle, unit, GTFS stop
    or patient id), display name (a patient's name for homes: personal) and EPSG:4326 point."""

    place_type: str
    place_id: str
    name: str
    lon: float
    lat: float
    village_code: str = ""

    @property
    def label(self) -> str:
        """Name for reasons shown to people: the unit's or pier's name, ``"home"`` or
        ``"base of V01"`` (never a patient's name or an index)."""
        if self.place_type == "home":
            return "home"
        if self.place_type == "base":
            return f"base of {self.place_id}"
        return self.name


def _piers_from_graph(G: nx.MultiDiGraph) -> list[Place]:
    return [Place("pier", str(d["stop_id"]), str(d.get("name", d["stop_id"])), float(d["lon"]),
                  float(d["lat"]))
            for _, d in G.nodes(data=True) if d.get("kind") == "pier" and d.get("stop_id")]


def _piers_from_feed(feed) -> list[Place]:
    return [Place("pier", str(r.stop_id), str(r.stop_name), float(r.stop_lon), float(r.stop_lat))
            for r in feed.stops.itertuples()]


def day_piers(G: nx.MultiDiGraph, timetable: FerryTimetable | None, feed=None) -> list[Place]:
    """The piers of the day: the graph's ``kind="pier"`` nodes, else the stops of ``feed``;
    none without a timetable (no ferries)."""
    if timetable is None:
        return []
    piers = _piers_from_graph(G)
    if not piers and feed is not None:
        piers = _piers_from_feed(feed)
    return piers


@dataclass(frozen=True)
class PlaceMatrix:
    """Every place of the day and the car travel times between them.

    Attributes
    ----------
    places
        Vehicle bases (fleet order, so base ``k`` is node ``k``), units, piers, homes.
    travel_time_s
        ``(n, n)`` seconds by car on land, ``inf`` where no land path joins two places; zero
        diagonal.
    island
        Island id of each place's road node (``""`` if it has none).
    snapped
        Whether each place has a road node.
    unit_node, pier_node, home_node
        Unit id / GTFS stop id / patient id → node.
    island_names
        Island id → Chinese name (for reasons shown to people).
    """

    places: tuple[Place, ...]
    travel_time_s: np.ndarray
    island: tuple[str, ...]
    snapped: np.ndarray
    unit_node: Mapping[str, int]
    pier_node: Mapping[str, int]
    home_node: Mapping[str, int]
    island_names: Mapping[str, str] = field(default_factory=dict)

    def finite(self, i: int, j: int) -> bool:
        """Whether a land path joins node ``i`` to node ``j``."""
        return bool(np.isfinite(self.travel_time_s[i, j]))

    @property
    def labels(self) -> tuple[str, ...]:
        """``"<type>:<id>"`` per node (DARP node labels)."""
        return tuple(f"{pl.place_type}:{pl.place_id}" for pl in self.places)

    def island_label(self, island_id: str) -> str:
        """``"葫芦岛"`` (the island's name, as a person reads it); ``"island ISL019"`` only when
        the islands table has no name; ``"an island with no road"`` for an empty id."""
        if not island_id:
            return "an island with no road"
        name = self.island_names.get(island_id, "")
        return name if name else f"island {island_id}"

    def pier_name(self, stop_id: str) -> str:
        """The pier's name (its stop id if unknown)."""
        node = self.pier_node.get(stop_id)
        return self.places[node].name if node is not None else stop_id


def build_places(fleet: Sequence[VehicleSpec], units: Sequence[Unit], piers: Sequence[Place],
                 homes: Sequence[Patient], G: nx.MultiDiGraph, islands: gpd.GeoDataFrame
                 ) -> PlaceMatrix:
    """Places in the order bases, units, piers, homes and their car matrix.

    Parameters
    ----------
    fleet, units, piers
        Vehicles (bases), dialysis units, piers of the day.
    homes
        Patients with a session today, in session order.
    G
        Land graph (projected to the study area's UTM zone, :mod:`optimizer.network.contract`).
    islands
        Island polygons (EPSG:4326) used to snap the places.
    """
    from optimizer.network.matrix import point_matrix

    places = [Place("base", v.vehicle_id, f"{v.vehicle_id} base", v.lon, v.lat,
                    v.base_village_code) for v in fleet]
    unit_node, pier_node, home_node = {}, {}, {}
    for u in units:
        unit_node[u.unit_id] = len(places)
        places.append(Place("unit", u.unit_id, u.name_zh, u.lon, u.lat))
    for pl in piers:
        pier_node[pl.place_id] = len(places)
        places.append(pl)
    for p in homes:
        home_node[p.patient_id] = len(places)
        places.append(Place("home", p.patient_id, p.name, p.lon, p.lat, p.village_code))
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([pl.lon for pl in places],
                                                        [pl.lat for pl in places]),
                           crs="EPSG:4326")
    pm = point_matrix(G, pts, pts, travel_mode="car", islands=islands)
    tt = np.array(pm.travel_time_s, dtype=float)
    np.fill_diagonal(tt, 0.0)
    island = tuple(str(x) if isinstance(x, str) else "" for x in pm.origin_snap["island_id"])
    names = {str(i): str(n) for i, n in zip(islands["island_id"], islands.get(
        "name_zh", [""] * len(islands))) if isinstance(n, str) and n}
    return PlaceMatrix(tuple(places), tt, island, pm.origin_snap["node"].notna().to_numpy(),
                       unit_node, pier_node, home_node, names)
