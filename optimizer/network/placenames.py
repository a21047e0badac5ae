"""Names a person reads for the places of a network: piers, islands, road nodes, ferry routes.

Journeys and reasons are computed on graph nodes (``2341``, ``pier:P_LH_DAAO``) and GTFS ids
(``R_DT_JT``); every text a person reads names places instead (:class:`PlaceNames`):

* a pier by its ``stops.txt`` name (``六横大岙(蛟头)码头``),
* an island by its ``name_zh`` (``六横岛``; its id only when the polygon has no name),
* a road node by its island and the nearest named place on the same island within
  :data:`NEAR_M` metres (``舟山岛 沈家门街道附近``), else by its island alone,
* a ferry route by ``route_short_name`` (``墩头-六横``), else ``route_long_name``, else its id.

The named places (the gazetteer) default to the embedded Putuo towns and the villages whose point
is sourced (:func:`optimizer.io.places.read_towns`, :func:`~optimizer.io.places.read_villages`);
a network elsewhere simply finds none on its islands and names islands only.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["NEAR_M", "PlaceNames", "default_gazetteer"]

NEAR_M = 3000.0
"""A road node is named after a place of the gazetteer on its island at most this many metres
away (straight line, in the graph's projected CRS): about a village's extent; farther, the
island alone is named."""


def default_gazetteer() -> pd.DataFrame:
    """The embedded Putuo towns and villages with a sourced point.

    Returns
    -------
    pandas.DataFrame
        Columns ``name`` and ``lon``, ``lat`` (EPSG:4326 degrees); empty if the files cannot be
        read.
    """
    from optimizer.errors import InputError
    from optimizer.io.places import read_towns, read_villages

    try:
        towns, villages = read_towns(), read_villages()
    except (InputError, OSError):  # pragma: no cover - the embedded files are tested elsewhere
        return pd.DataFrame(columns=["name", "lon", "lat"])
    rows = pd.concat([towns[["name_zh", "lon", "lat"]], villages[["name_zh", "lon", "lat"]]])
    rows = rows.dropna(subset=["lon", "lat"])
    return pd.DataFrame({"name": rows["name_zh"].astype(str).to_numpy(),
                         "lon": rows["lon"].astype(float).to_numpy(),
                         "lat": rows["lat"].astype(float).to_numpy()})


@dataclass(frozen=True)
class PlaceNames:
    """Place names for the nodes of one graph (see the module docs).

    Attributes
    ----------
    G
        The network graph (``x``/``y`` metres in its projected ``G.graph["crs"]``;
        ``island_id``; piers ``kind="pier"`` with ``name`` and ``stop_id``).
    island_names
        Island id → name (Chinese).
    places
        Named places: ``name``, ``island_id``, ``x``, ``y`` (metres, the graph's CRS).
    route_names
        GTFS route id → name.
    near_m
        See :data:`NEAR_M`.
    """

    G: Any
    island_names: Mapping[str, str] = field(default_factory=dict)
    places: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["name", "island_id", "x", "y"]))
    route_names: Mapping[str, str] = field(default_factory=dict)
    near_m: float = NEAR_M

    @classmethod
    def of(cls, G: Any, islands: Any = None, *, feed: Any = None,
           gazetteer: pd.DataFrame | None = None, near_m: float = NEAR_M) -> PlaceNames:
        """Names for graph ``G``.

        Parameters
        ----------
        G
            Network graph (projected ``G.graph["crs"]``).
        islands
            Island polygons (EPSG:4326; ``island_id``, ``name_zh``); ``None``: islands are named
            by id and no place is on an island.
        feed
            GTFS feed (``routes`` table) for route names; ``None``: routes by id.
        gazetteer
            Named places (``name``, ``lon``, ``lat`` in EPSG:4326); default
            :func:`default_gazetteer` (when ``islands`` is given).
        near_m
            See :data:`NEAR_M`.

        Returns
        -------
        PlaceNames
        """
        names: dict[str, str] = {}
        places = pd.DataFrame(columns=["name", "island_id", "x", "y"])
        if islands is not None and len(islands):
            col = islands["name_zh"] if "name_zh" in islands else [""] * len(islands)
            names = {str(i): str(n) for i, n in zip(islands["island_id"], col)
                     if isinstance(n, str) and n.strip()}
            places = _placed(default_gazetteer() if gazetteer is None else gazetteer, islands,
                             crs=str(G.graph.get("crs", "")) if G is not None else "")
        return cls(G, names, places, _route_names(feed), near_m)

    def island(self, island_id: str) -> str:
        """The island's name (its id without one; ``"?"`` for none)."""
        if not island_id:
            return "?"
        return self.island_names.get(str(island_id), str(island_id))

    def pier(self, stop_id: str) -> str:
        """The pier's name from the graph (its stop id if the graph has no such pier)."""
        node = f"pier:{stop_id}"
        if self.G is not None and self.G.has_node(node):
            return str(self.G.nodes[node].get("name") or stop_id)
        return str(stop_id)

    def route(self, route_id: str) -> str:
        """The ferry route's name (its id without one)."""
        return self.route_names.get(str(route_id), str(route_id))

    def node(self, node: Hashable) -> str:
        """What a person reads for a graph node: the pier's name, or the island and the nearest
        named place on it (``舟山岛 沈家门街道附近``), or the island alone."""
        d = self.G.nodes[node] if self.G is not None and self.G.has_node(node) else {}
        if d.get("kind") == "pier":
            return str(d.get("name") or d.get("stop_id") or node)
        isl = str(d.get("island_id", "") or "")
        island = self.island(isl)
        near = self._nearest(isl, d.get("x"), d.get("y"))
        return f"{island} {near}附近" if near else island

    def _nearest(self, island_id: str, x: Any, y: Any) -> str:
        if not island_id or x is None or y is None or not len(self.places):
            return ""
        here = self.places[self.places["island_id"] == island_id]
        if not len(here):
            return ""
        dist = np.hypot(here["x"].to_numpy(float) - float(x), here["y"].to_numpy(float) - float(y))
        k = int(np.argmin(dist))
        return str(here["name"].iloc[k]) if dist[k] <= self.near_m else ""


def _placed(gaz: pd.DataFrame, islands: Any, *, crs: str) -> pd.DataFrame:
    """The gazetteer's places with their island and position in the graph's projected ``crs``
    (metres; places in the sea or without a finite point dropped; none without a CRS)."""
    from pyproj import Transformer

    from optimizer.network.contract import WGS84
    from optimizer.network.islands import island_of, points_from_lonlat

    ok = np.isfinite(gaz["lon"].to_numpy(float)) & np.isfinite(gaz["lat"].to_numpy(float))
    g = gaz[ok].reset_index(drop=True)
    if not len(g) or not crs:
        return pd.DataFrame(columns=["name", "island_id", "x", "y"])
    isl = island_of(points_from_lonlat(g["lon"], g["lat"]), islands)["island_id"].to_numpy()
    x, y = Transformer.from_crs(WGS84, crs, always_xy=True).transform(
        g["lon"].to_numpy(float), g["lat"].to_numpy(float))
    out = pd.DataFrame({"name": g["name"].astype(str), "island_id": isl, "x": x, "y": y})
    return out[out["island_id"].astype(str) != ""].reset_index(drop=True)


def route_names(feed: Any) -> dict[str, str]:
    """GTFS route id -> the name a person reads: ``route_short_name`` (direction-neutral,
    "墩头-桃花"), else ``route_long_name``; empty without a feed or its ``routes`` table."""
    return _route_names(feed)


def _route_names(feed: Any) -> dict[str, str]:
    routes = getattr(feed, "routes", None)
    if routes is None or "route_id" not in routes:
        return {}
    out: dict[str, str] = {}
    for col in ("route_long_name", "route_short_name"):  # the short name wins
        if col in routes:
            out.update({str(r): str(n).strip() for r, n in zip(routes["route_id"], routes[col])
                        if isinstance(n, str) and n.strip()
                        and not (isinstance(n, float) and math.isnan(n))})
    return out
