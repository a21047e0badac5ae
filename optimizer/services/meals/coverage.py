"""Coverage: the nearest open canteen of every demand point, summaries, canteen load, and the
land area within the threshold of any open canteen.

A point is ``COVERED`` when the land time from its nearest open canteen is within the threshold
(15 min by e-bike by default); otherwise its status is a reason of the catalogue
(:data:`optimizer.results.REASONS`): ``BEYOND_THRESHOLD``, ``NO_CANTEEN_ON_ISLAND`` or
``UNREACHABLE``. Summaries by village, town and island count every older resident exactly once
(covered + not covered = total). Canteen capacity is compared with *meals* (covered residents x
the uptake share), not with all residents.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from pyproj import Transformer

from optimizer.io.coords import utm_crs
from optimizer.results import reason
from optimizer.services.meals.inputs import MealsInputs
from optimizer.services.meals.matrix import MealsMatrix
from optimizer.services.meals.params import MealsParams

__all__ = [
    "COVERAGE_REASONS",
    "COVERED",
    "canteen_utilisation",
    "coverage",
    "delivery_area",
    "status_text",
    "straight_line_coverage",
    "summarise",
]

COVERED = "COVERED"
"""Status of a demand point within the threshold of an open canteen (not a reason)."""

COVERAGE_REASONS = ("BEYOND_THRESHOLD", "NO_CANTEEN_ON_ISLAND", "UNREACHABLE")
"""Catalogue codes of a demand point that is not covered, in the order they are decided."""

_COVERED_TEXT = ("15分钟内可达", "Within the threshold")


def status_text(status: str) -> tuple[str, str]:
    """(Chinese, English) text of a coverage status: ``COVERED`` or a catalogue code.

    Raises
    ------
    optimizer.errors.InputError
        If ``status`` is neither ``COVERED`` nor a catalogue code.
    """
    if status == COVERED:
        return _COVERED_TEXT
    r = reason(status)
    return r.zh, r.en


def coverage(inputs: MealsInputs, mm: MealsMatrix, *, params: MealsParams,
             open_mask: np.ndarray | None = None) -> pd.DataFrame:
    """Nearest open canteen of every demand point, covered or not, and why not.

    Parameters
    ----------
    inputs
        Demand points (rows of ``mm.cost``).
    mm
        The matrix (:func:`~optimizer.services.meals.meals_matrix`).
    params
        ``threshold_min``, ``demand_scale``.
    open_mask
        Bool ``(n_sites,)`` of open sites; default ``mm.sites["open"]``.

    Returns
    -------
    pandas.DataFrame
        One row per demand point, in input order: ``point_id``, ``village_code``,
        ``village_name_zh``, ``town_code``, ``town_name``, ``island_id``, ``island_name_zh``,
        ``lon``, ``lat`` (EPSG:4326), ``elderly`` (persons x ``demand_scale``), ``status``
        (``COVERED`` or a code of :data:`COVERAGE_REASONS`), ``covered`` (bool),
        ``nearest_canteen_id``, ``nearest_canteen_name``, ``nearest_canteen_island``,
        ``travel_time_min`` (``NaN`` when none reachable), ``reason_zh``, ``reason_en`` (from
        the catalogue), ``detail`` (plain English with the figures).

    Notes
    -----
    Reasons, in order: ``COVERED`` (time <= threshold); ``BEYOND_THRESHOLD`` (a canteen is
    reachable by land, the nearest too far, also across a bridge); ``NO_CANTEEN_ON_ISLAND`` (no
    open canteen on the point's island and none reachable by land); ``UNREACHABLE`` (a canteen is
    on the island but there is no land path, or the point has no network node on its island).
    """
    sites = mm.sites
    is_open = sites["open"].to_numpy(bool) if open_mask is None else np.asarray(open_mask, bool)
    t, j = _nearest_open(mm.cost.values, is_open)
    status, detail = _why_not(inputs, mm, params, t, j, set(sites.loc[is_open, "island_id"]))
    st = np.array(status)
    reach = np.isfinite(t)
    d = inputs.demand
    text = [status_text(s) for s in status]
    return pd.DataFrame({
        "point_id": d["point_id"].to_numpy(), "village_code": d["village_code"].to_numpy(),
        "village_name_zh": d["village_name_zh"].to_numpy(),
        "town_code": d["town_code"].to_numpy(), "town_name": d["town_name"].to_numpy(),
        "island_id": d["island_id"].to_numpy(), "island_name_zh": d["island_name_zh"].to_numpy(),
        "lon": d["lon"].to_numpy(), "lat": d["lat"].to_numpy(),
        "elderly": d["elderly_60plus"].to_numpy(float) * params.demand_scale,
        "status": st, "covered": st == COVERED,
        "nearest_canteen_id": np.where(reach, sites["site_id"].to_numpy()[j], ""),
        "nearest_canteen_name": np.where(reach, sites["name_zh"].to_numpy()[j], ""),
        "nearest_canteen_island": np.where(reach, sites["island_id"].to_numpy()[j], ""),
        "travel_time_min": np.where(reach, np.round(t / 60.0, 2), np.nan),
        "reason_zh": [z for z, _ in text],
        "reason_en": [e for _, e in text],
        "detail": detail,
    })


def straight_line_coverage(points: pd.DataFrame, mm: MealsMatrix, *, params: MealsParams,
                           open_mask: np.ndarray | None = None) -> pd.DataFrame:
    """Coverage within ``params.radius_m`` metres as the crow flies (``coverage_mode:
    straight_line``), for analysts comparing with a buffer analysis.

    Distances are measured in the UTM zone of the demand points and sites
    (:func:`optimizer.io.coords.utm_crs`), across water too: a straight line knows no roads.

    Parameters
    ----------
    points
        :func:`coverage` output (network coverage), rows = demand points.
    mm
        The matrix (its ``sites`` with ``lon``/``lat``; network times for ``travel_time_min``).
    params
        ``radius_m`` (metres, required).
    open_mask
        Bool ``(n_sites,)`` of open sites; default ``mm.sites["open"]``.

    Returns
    -------
    pandas.DataFrame
        ``points`` with ``covered``/``status`` (``COVERED`` or ``BEYOND_THRESHOLD``), the nearest
        open canteen by straight line (``nearest_canteen_*``), ``travel_time_min`` the network
        time to that canteen (``NaN`` if none), the reason texts, ``detail``, and
        ``distance_m`` (straight-line metres to it, 0.1 m; ``NaN`` without an open canteen).

    Raises
    ------
    ValueError
        If ``params.radius_m`` is not set.
    """
    if params.radius_m is None:
        raise ValueError("straight-line coverage needs params.radius_m (metres)")
    sites = mm.sites
    is_open = sites["open"].to_numpy(bool) if open_mask is None else np.asarray(open_mask, bool)
    plon, plat = points["lon"].to_numpy(float), points["lat"].to_numpy(float)
    slon, slat = sites["lon"].to_numpy(float), sites["lat"].to_numpy(float)
    crs = utm_crs(np.concatenate([plon, slon]), np.concatenate([plat, slat]))
    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    px, py = tr.transform(plon, plat)
    sx, sy = tr.transform(slon, slat)
    dist = np.hypot(np.subtract.outer(px, sx), np.subtract.outer(py, sy))
    d, j = _nearest_open(dist, is_open)
    found = np.isfinite(d)
    covered = found & (d <= params.radius_m + 1e-9)
    status = np.where(covered, COVERED, "BEYOND_THRESHOLD")
    text = [status_text(s) for s in status]
    t = mm.cost.values[np.arange(len(d)), j] if len(d) else np.zeros(0)
    names = sites["site_id"].to_numpy()
    detail = ["" if c else (f"nearest canteen {names[j[i]]} is {d[i]:.0f} m away in a straight "
                            f"line, over the {params.radius_m:g} m radius" if found[i]
                            else "no open canteen") for i, c in enumerate(covered)]
    return points.assign(
        status=status, covered=covered,
        nearest_canteen_id=np.where(found, names[j], ""),
        nearest_canteen_name=np.where(found, sites["name_zh"].to_numpy()[j], ""),
        nearest_canteen_island=np.where(found, sites["island_id"].to_numpy()[j], ""),
        travel_time_min=np.where(found & np.isfinite(t), np.round(t / 60.0, 2), np.nan),
        reason_zh=[z for z, _ in text], reason_en=[e for _, e in text], detail=detail,
        distance_m=np.where(found, np.round(d, 1), np.nan))


def _nearest_open(vals: np.ndarray, is_open: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Time (s, ``inf`` if none) and column of the nearest open site of every point."""
    n = vals.shape[0]
    sub = vals[:, is_open]
    if not sub.shape[1]:
        return np.full(n, np.inf), np.zeros(n, dtype=int)
    k = np.argmin(sub, axis=1)
    return sub[np.arange(n), k], np.flatnonzero(is_open)[k]


def _why_not(inputs: MealsInputs, mm: MealsMatrix, params: MealsParams, t: np.ndarray,
             j: np.ndarray, open_islands: set[str]) -> tuple[list[str], list[str]]:
    """Status and English detail of every point (see :func:`coverage`, Notes)."""
    sites = mm.sites
    islands = inputs.demand["island_id"].to_numpy()
    snap_status = mm.demand_snap["status"].to_numpy()
    status, detail = [], []
    for i in range(len(t)):
        isl = islands[i]
        if t[i] <= params.threshold_s + 1e-9:
            status.append(COVERED)
            detail.append("")
        elif math.isfinite(t[i]):
            s = sites.iloc[j[i]]
            status.append("BEYOND_THRESHOLD")
            across = "" if s["island_id"] == isl else f" on island {s['island_id']} (by bridge)"
            # whole minutes rounded up, so a point just over the threshold never reads "15 min"
            detail.append(f"nearest canteen {s['name_zh']} ({s['site_id']}){across} takes "
                          f"{math.ceil(t[i] / 60 - 1e-9)} min by {mm.travel_mode}, over the "
                          f"{params.threshold_min:g}-min threshold")
        elif isl not in open_islands:
            status.append("NO_CANTEEN_ON_ISLAND")
            detail.append(f"no open canteen on island {isl} and none reachable by land")
        else:
            status.append("UNREACHABLE")
            detail.append("point has no road node on its island (snap status "
                          f"{snap_status[i]})" if snap_status[i] not in ("on_land", "snapped")
                          else f"canteens on island {isl} but no land path to any of them")
    return status, detail


def summarise(points: pd.DataFrame, by: str | Sequence[str]) -> pd.DataFrame:
    """Residents aged 60+ covered and not covered, grouped (village, town or island).

    Parameters
    ----------
    points
        :func:`coverage` output.
    by
        Grouping column(s), e.g. ``["island_id", "island_name_zh"]``.

    Returns
    -------
    pandas.DataFrame
        One row per group plus a final ``合计 Total`` row: ``elderly_total``, ``elderly_covered``,
        ``elderly_not_covered`` (= total - covered), ``covered_pct`` (0-100), and the residents
        not covered by reason (``beyond_threshold``, ``no_canteen_on_island``, ``unreachable``),
        ``points``. Every resident is counted in exactly one group.
    """
    keys = [by] if isinstance(by, str) else list(by)
    p = points.assign(
        _cov=np.where(points["covered"], points["elderly"], 0.0),
        **{code.lower(): np.where(points["status"] == code, points["elderly"], 0.0)
           for code in COVERAGE_REASONS})
    g = p.groupby(keys, sort=True, dropna=False).agg(
        elderly_total=("elderly", "sum"), elderly_covered=("_cov", "sum"),
        beyond_threshold=("beyond_threshold", "sum"),
        no_canteen_on_island=("no_canteen_on_island", "sum"),
        unreachable=("unreachable", "sum"), points=("point_id", "count")).reset_index()
    total: dict[str, Any] = {k: "" for k in keys}
    total[keys[0]] = "合计 Total"
    for c in ("elderly_total", "elderly_covered", "beyond_threshold", "no_canteen_on_island",
              "unreachable", "points"):
        total[c] = g[c].sum()
    g = pd.concat([g, pd.DataFrame([total])], ignore_index=True)
    g["elderly_not_covered"] = g["elderly_total"] - g["elderly_covered"]
    g["covered_pct"] = np.where(g["elderly_total"] > 0,
                                100.0 * g["elderly_covered"] / g["elderly_total"].where(
                                    g["elderly_total"] > 0, 1.0), 0.0).round(2)
    cols = keys + ["elderly_total", "elderly_covered", "elderly_not_covered", "covered_pct",
                   "beyond_threshold", "no_canteen_on_island", "unreachable", "points"]
    return g[cols]


def canteen_utilisation(points: pd.DataFrame, mm: MealsMatrix, *,
                        params: MealsParams) -> pd.DataFrame:
    """Meals demanded within the threshold at each open canteen versus its capacity.

    Each covered point is assigned to its nearest open canteen (no capacity limit in the
    assignment; the table shows where demand exceeds capacity).

    Returns
    -------
    pandas.DataFrame
        One row per open site: ``site_id``, ``name_zh``, ``role``, ``island_id``, ``lon``,
        ``lat`` (EPSG:4326; canteens are public places), ``delivers``,
        ``capacity_meals_per_day``, ``elderly_assigned`` (covered residents whose nearest canteen
        it is), ``elderly_within_threshold`` (all residents within the threshold of it),
        ``meals_per_day`` (= elderly_assigned x uptake share), ``utilisation_pct``,
        ``spare_meals_per_day`` (negative = short), ``over_capacity`` (bool).
    """
    sites = mm.sites
    R = params.threshold_s
    cov = points[points["covered"]]
    assigned = cov.groupby("nearest_canteen_id")["elderly"].sum()
    w = points["elderly"].to_numpy(float)
    rows = []
    for j in np.flatnonzero(sites["open"].to_numpy(bool)):
        s = sites.iloc[j]
        a = float(assigned.get(s["site_id"], 0.0))
        within = float(w[mm.cost.values[:, j] <= R + 1e-9].sum())
        meals = a * params.uptake_share
        cap = float(s["capacity_meals_per_day"])
        rows.append({"site_id": s["site_id"], "name_zh": s["name_zh"], "role": s["role"],
                     "island_id": s["island_id"], "lon": float(s["lon"]), "lat": float(s["lat"]),
                     "delivers": bool(s["delivers"]),
                     "capacity_meals_per_day": cap, "elderly_assigned": round(a, 3),
                     "elderly_within_threshold": round(within, 3),
                     "meals_per_day": round(meals, 1),
                     "utilisation_pct": round(100.0 * meals / cap, 1),
                     "spare_meals_per_day": round(cap - meals, 1),
                     "over_capacity": bool(meals > cap + 1e-9)})
    return pd.DataFrame(rows)


def delivery_area(G: nx.MultiDiGraph, sites: gpd.GeoDataFrame, threshold_s: float, *,
                  travel_mode: str = "ebike",
                  islands: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Land area within ``threshold_s`` of any of the given sites (multi-source isochrone).

    Each site is snapped to its island; a search from its node (land edges only, ferries
    excluded) adds the site's access leg (snap distance x the graph's circuity / the mode's
    speed); every node keeps the smallest time over all sites, and
    :func:`optimizer.network.isochrones.isochrone_polygons` draws the land-clipped polygon.

    Parameters
    ----------
    G
        Network (projected, ``G.graph["crs"]``).
    sites
        Site points (any CRS), e.g. the open canteens.
    threshold_s
        Threshold in seconds (> 0).
    travel_mode
        ``"car"``, ``"ebike"`` or ``"walk"``.
    islands
        Island polygons; default the embedded Putuo islands.

    Returns
    -------
    geopandas.GeoDataFrame
        One row (EPSG:4326): ``threshold_s``, ``threshold_min``, ``n_nodes``, ``area_km2``,
        ``geometry`` (empty when no site has a node).

    Raises
    ------
    optimizer.errors.InputError
        If ``threshold_s`` is not positive.
    """
    from optimizer.network.isochrones import isochrone_polygons
    from optimizer.network.matrix import router
    from optimizer.network.snap import snap_points
    from optimizer.network.speeds import DEFAULT_CIRCUITY, ProxySpeeds

    if islands is None:
        from optimizer.network.islands import load_islands

        islands = load_islands()
    snap = snap_points(G, sites, islands=islands)
    circuity = float(G.graph.get("circuity", DEFAULT_CIRCUITY))
    kph = float(G.graph.get("speeds_kph", {}).get(travel_mode,
                                                  ProxySpeeds().road_kph(travel_mode)))
    best: dict[Any, float] = {}
    r = router(G, travel_mode)
    for node, d_m in zip(snap["node"], snap["snap_distance_m"]):
        if node is None or (isinstance(node, float) and np.isnan(node)):
            continue
        acc = float(d_m) * circuity / (kph / 3.6)
        if acc > threshold_s:
            continue
        for n, t in r.one_to_all(node, max_value=threshold_s - acc).items():
            t = t + acc
            if t < best.get(n, np.inf):
                best[n] = t
    return isochrone_polygons(G, best, [threshold_s], islands=islands, access_speed_kph=kph,
                              circuity=circuity)
