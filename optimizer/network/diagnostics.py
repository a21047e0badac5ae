"""Island diagnostics for one service day: how each island is joined, and when it can be reached.

Combines the static picture (:func:`optimizer.network.islands.island_connectivity`: joined by
road/bridge, by ferry only, or isolated) with a time-dependent one: leaving a reference point at a
clock time on the scenario's date, the earliest arrival on each island through the day's real
sailings (:func:`optimizer.network.journey.earliest_arrival_all`), or why it cannot be reached.
"""

from __future__ import annotations

import math

import pandas as pd

from optimizer.network.build import Network
from optimizer.network.islands import island_connectivity, island_of, points_from_lonlat
from optimizer.network.journey import BoardingBuffer, earliest_arrival_all
from optimizer.network.snap import nearest_node_same_island
from optimizer.units import hhmm

SHENJIAMEN_LONLAT = (122.29503, 29.9454)
"""Default reference point: 沈家门 town point (``places/towns.csv``; approximate), WGS84."""


def island_report(network: Network, *, depart_s: float, origin_lonlat: tuple[float, float] =
                  SHENJIAMEN_LONLAT, travel_mode: str = "car", ferry_access: str = "foot",
                  boarding_buffer_s: BoardingBuffer = None,
                  named_only: bool = False) -> pd.DataFrame:
    """One row per island: link status and earliest arrival from a reference point on the date.

    Parameters
    ----------
    network
        A built network (:func:`optimizer.network.build.build_network`).
    depart_s
        Departure from the reference point, seconds after midnight of ``network.date``.
    origin_lonlat
        Reference point (lon, lat), EPSG:4326; default 沈家门.
    travel_mode, ferry_access
        As in :func:`optimizer.network.journey.earliest_arrival`.
    boarding_buffer_s
        Seconds at the pier before departure, a number or ``{"foot": s, "vehicle": s}``;
        default ``network.boarding_buffer_s`` (the scenario's ``ferries.boarding_buffer_*_min``).
    named_only
        Keep only islands with a Chinese name.

    Returns
    -------
    pandas.DataFrame
        Columns of :func:`~optimizer.network.islands.island_connectivity` plus
        ``earliest_arrival`` (``HH:MM`` or empty), ``earliest_arrival_s`` (seconds, ``inf`` when
        not reachable), ``ferry_flag`` / ``ferry_flag_detail`` (a route of the island that
        normally runs has no sailing on the date: :func:`ferry_flags`; empty otherwise) and
        ``reachability`` (a bilingual sentence: reachable at, or why not).
        Every island polygon is a row (never dropped).

    Raises
    ------
    optimizer.errors.InputError
        If the reference point is not on an island with road nodes.
    """
    from optimizer.errors import InputError

    G = network.G
    df = island_connectivity(G, network.islands)  # counts the graph's ferry edges
    res = island_of(points_from_lonlat([origin_lonlat[0]], [origin_lonlat[1]]), network.islands)
    isl = str(res["island_id"].iloc[0])
    if not isl:
        raise InputError(f"reference point {origin_lonlat} is not on an island", field="origin")
    x, y = _xy(origin_lonlat, G.graph["crs"])
    from optimizer.errors import UnreachableError

    try:
        origin, _ = nearest_node_same_island(G, x, y, isl)
    except UnreachableError as exc:
        raise InputError(f"reference point {origin_lonlat}: {exc}", field="origin") from exc
    buffers = network.boarding_buffer_s if boarding_buffer_s is None else boarding_buffer_s
    times = earliest_arrival_all(G, network.timetable, origin, depart_s,
                                 travel_mode=travel_mode, ferry_access=ferry_access,
                                 boarding_buffer_s=buffers)
    best: dict[str, float] = {}
    for node, t in times.items():
        i = G.nodes[node].get("island_id", "")
        if i and t < best.get(i, math.inf):
            best[i] = t
    arr = [best.get(i, math.inf) for i in df["island_id"]]
    df["earliest_arrival_s"] = arr
    df["earliest_arrival"] = [hhmm(t) if math.isfinite(t) else "" for t in arr]
    flags = ferry_flags(network)
    df["ferry_flag"] = [flags.get(i, ("", ""))[0] for i in df["island_id"]]
    df["ferry_flag_detail"] = [flags.get(i, ("", ""))[1] for i in df["island_id"]]
    df["reachability"] = [
        _why(row, t, depart_s) for row, t in zip(df.itertuples(index=False), arr)
    ]
    if named_only:
        df = df[df["name_zh"].astype(str).str.len() > 0]
    return df.reset_index(drop=True)


def ferry_flags(network: Network) -> dict[str, tuple[str, str]]:
    """Islands served by a route that normally runs but has no sailing on the network's date.

    Parameters
    ----------
    network
        A built network (its feed, timetable and ferry edges).

    Returns
    -------
    dict of str to (str, str)
        ``island_id`` → (reason code, detail). The code is ``"ROUTE_SUSPENDED"`` if any of the
        island's routes is suspended in the scenario, else ``"NO_SERVICE_TODAY"`` (codes of
        :data:`optimizer.results.REASONS`, see
        :func:`optimizer.network.ferries.routes_not_running`); the detail names every such route
        (short name and id) with its reason, in Chinese and English. Islands whose routes all run
        are absent. An island is served by a route if one of the route's piers is on it.
    """
    from optimizer.network.ferries import routes_not_running
    from optimizer.results import reason

    off = routes_not_running(network.feed, network.timetable)
    if not off:
        return {}
    names = dict(zip(network.feed.routes["route_id"],
                     network.feed.routes.get("route_short_name", network.feed.routes["route_id"])))
    G = network.G
    by_island: dict[str, dict[str, str]] = {}
    for u, v, key, d in G.edges(keys=True, data=True):
        rid = d.get("route_id")
        if d.get("mode") != "ferry" or rid not in off:
            continue
        for n in (u, v):
            isl = G.nodes[n].get("island_id", "")
            if isl:
                by_island.setdefault(isl, {})[rid] = off[rid]
    out: dict[str, tuple[str, str]] = {}
    for isl, routes in by_island.items():
        code = "ROUTE_SUSPENDED" if "ROUTE_SUSPENDED" in routes.values() else "NO_SERVICE_TODAY"
        detail = "; ".join(f"{names.get(r) or r} ({r}): {reason(c).label}"
                           for r, c in sorted(routes.items()))
        out[isl] = (code, f"{network.date.isoformat()} {detail}")
    return out


def _why(row, t: float, depart_s: float) -> str:
    if math.isfinite(t):
        return f"可达 {hhmm(t)} reachable at {hhmm(t)}"
    status = getattr(row, "status", "")
    flag = getattr(row, "ferry_flag", "")
    if flag:
        return (f"{hhmm(depart_s)} 之后当日无可用航班（航线当天不开）no usable sailing after "
                f"{hhmm(depart_s)}: {row.ferry_flag_detail}")
    if status == "no_nodes":
        return "未建模（岛屿过小或区外）not modelled (too small or outside the district)"
    if status == "isolated":
        return "无桥梁、无时刻表航线 no bridge and no timetabled ferry"
    return (f"{hhmm(depart_s)} 之后当日无可用航班 no usable sailing after {hhmm(depart_s)} "
            "on this date (or route suspended)")


def _xy(lonlat: tuple[float, float], crs: str) -> tuple[float, float]:
    from pyproj import Transformer

    from optimizer.network.contract import WGS84

    tr = Transformer.from_crs(WGS84, crs, always_xy=True)
    x, y = tr.transform(lonlat[0], lonlat[1])
    return float(x), float(y)
