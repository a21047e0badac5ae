"""The site -> demand-point land travel-time matrix of the meal service.

Couriers do not take ferries: every time is a *land* time (roads and bridges; ferry edges
excluded, :mod:`optimizer.network.matrix`) from the site to the point (direction site -> point,
which matters on one-way streets of an OSM network). The land network is static (no congestion
profile), so the delivery hour does not change the times.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from optimizer.errors import InputError
from optimizer.network.contract import WGS84
from optimizer.problems.coverage import CostMatrix
from optimizer.services.meals.inputs import MealsInputs
from optimizer.services.meals.params import MealsParams

__all__ = ["MealsMatrix", "meals_matrix"]


@dataclass(frozen=True, eq=False)
class MealsMatrix:
    """Land travel times from every site (existing canteens, then candidates) to every point.

    Attributes
    ----------
    cost
        :class:`~optimizer.problems.coverage.CostMatrix`, shape ``(n_points, n_sites)``, seconds,
        ``cost[i, j]`` = time **from** site ``j`` **to** point ``i`` in the delivery mode
        (``inf`` = no land path or a point without a node on its island).
    sites
        Site table (rows = columns of ``cost``): ``site_id``, ``name_zh``, ``kind``,
        ``island_id``, ``capacity_meals_per_day``, ``opening_cost_cny``, ``delivers``,
        ``existing`` (bool), ``open`` (existing or in ``open_candidates``), ``role``
        (``existing`` / ``opened_candidate`` / ``candidate``), ``lon``, ``lat``, ``geometry``.
    demand_snap, site_snap
        Snapping reports (:func:`optimizer.network.snap.snap_points`).
    travel_mode
        The delivery mode.
    """

    cost: CostMatrix
    sites: gpd.GeoDataFrame
    demand_snap: pd.DataFrame
    site_snap: pd.DataFrame
    travel_mode: str


def meals_matrix(inputs: MealsInputs, G: nx.MultiDiGraph, *, params: MealsParams,
                 islands: gpd.GeoDataFrame | None = None) -> MealsMatrix:
    """Build the site -> point land travel-time matrix (seconds) in the delivery mode.

    Parameters
    ----------
    inputs
        From :func:`~optimizer.services.meals.load_meals_inputs`.
    G
        Network following :mod:`optimizer.network.contract` (projected, ``G.graph["crs"]``);
        ferry edges are ignored.
    params
        Uses ``delivery_mode`` and ``open_candidates``.
    islands
        Island polygons for snapping; default the embedded Putuo islands.

    Returns
    -------
    MealsMatrix

    Raises
    ------
    optimizer.errors.InputError
        If an ``open_candidates`` id is not a candidate site (field ``open_candidates``;
        :func:`~optimizer.services.meals.load_meals_inputs` reports it earlier when it is given
        the same parameters).
    """
    from optimizer.network.matrix import point_matrix

    known = set(inputs.candidates["site_id"])
    bad = [s for s in params.open_candidates if s not in known]
    if bad:
        raise InputError(f"candidate site(s) {bad} are not in the candidate file "
                         f"({inputs.files.get('candidates', '')}); known ids e.g. "
                         f"{sorted(known)[:5]}", field="open_candidates")
    ex = inputs.canteens.assign(existing=True, open=True, role="existing")
    opened = inputs.candidates["site_id"].isin(params.open_candidates)
    ca = inputs.candidates.assign(existing=False, open=opened.to_numpy(),
                                  role=np.where(opened, "opened_candidate", "candidate"))
    sites = gpd.GeoDataFrame(pd.concat([ex, ca], ignore_index=True), geometry="geometry",
                             crs=WGS84)
    pm = point_matrix(G, sites, inputs.demand, travel_mode=params.delivery_mode, islands=islands)
    cost = CostMatrix(pm.travel_time_s.T.copy(), demand_ids=tuple(inputs.demand["point_id"]),
                      site_ids=tuple(sites["site_id"]), source=inputs.files.get("elderly"))
    return MealsMatrix(cost=cost, sites=sites, demand_snap=pm.destination_snap,
                       site_snap=pm.origin_snap, travel_mode=params.delivery_mode)
