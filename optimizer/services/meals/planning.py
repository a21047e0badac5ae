"""The meal service's plan: matrix, coverage, canteen load, siting, rounds, delivery area.

Travel times and the delivery hour
----------------------------------
Couriers do not take ferries: every time here is a *land* time (roads, the two bridges; ferry
edges excluded) from the canteen to the point. The land network is static (no congestion
profile), so the delivery hour (``delivery_time``, 11:00 by default) does not change land times;
"unreachable at that hour" could only come from ferries, which couriers do not use. The hour
sets the kitchen-ready time of the rounds. A village on an island without a canteen and without a
bridge to one is ``NO_CANTEEN_ON_ISLAND``. Roads are the approximate land proxy in the Putuo
default (the network's notes say so).
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import networkx as nx

from optimizer.results import Note, NoteKind, merge_notes
from optimizer.services.meals.coverage import (canteen_utilisation, coverage, delivery_area,
                                               straight_line_coverage)
from optimizer.services.meals.inputs import MealsInputs
from optimizer.services.meals.matrix import meals_matrix
from optimizer.services.meals.params import MealsParams
from optimizer.services.meals.result import MealsResult
from optimizer.services.meals.rounds import delivery_rounds
from optimizer.services.meals.siting import recommend_sites
from optimizer.solvers.params import SolverParams

__all__ = ["plan_meals", "plan_notes"]


def plan_notes(params: MealsParams) -> tuple[Note, ...]:
    """The assumptions every meal output states: land times by the delivery mode, and the meal
    uptake share."""
    share = f"{params.uptake_share:.1%}"
    notes = (Note(NoteKind.ASSUMPTION, "送餐时间为陆路时间（不乘渡轮）",
                  f"Land travel times by {params.delivery_mode}, couriers do not take ferries"),
             Note(NoteKind.ASSUMPTION, f"用餐率假设 {share}",
                  f"Meal uptake share assumption {share} of residents aged 60+"))
    if params.coverage_mode == "straight_line":
        r = f"{params.radius_m:g}"
        notes += (Note(NoteKind.ASSUMPTION, f"覆盖按直线距离 {r} 米计（非路网时间；送餐路线仍按路网）",
                       f"Coverage is straight-line distance within {r} m, not travel time "
                       "(delivery rounds still follow the roads)"),)
    return notes


def plan_meals(inputs: MealsInputs, G: nx.MultiDiGraph, *, params: MealsParams | None = None,
               solver: SolverParams | None = None, islands: gpd.GeoDataFrame | None = None,
               notes: Iterable[Note] = ()) -> MealsResult:
    """Run the meal-delivery service: matrix, coverage, utilisation, siting, rounds, area.

    Parameters
    ----------
    inputs
        From :func:`~optimizer.services.meals.load_meals_inputs`.
    G
        Network (projected, ``G.graph["crs"]``); only land edges are used.
    params
        Default ``MealsParams()``.
    solver
        Search limits of the siting and round searches; default ``SolverParams()``.
    islands
        Island polygons (snapping); default the embedded Putuo islands.
    notes
        Labels to carry (e.g. ``Network.notes``), before the inputs' and the plan's.

    Returns
    -------
    MealsResult

    Raises
    ------
    optimizer.errors.InputError
        On data the planner cannot use (e.g. an ``open_candidates`` id that the inputs were not
        checked against).

    Examples
    --------
    >>> from optimizer.network.land_proxy import putuo_land_proxy
    >>> params = MealsParams(demand_level="villages", rounds=False)
    >>> result = plan_meals(load_meals_inputs(params), putuo_land_proxy(),
    ...                     params=params)  # doctest: +SKIP
    """
    params = params or MealsParams()
    solver = solver or SolverParams()
    mm = meals_matrix(inputs, G, params=params, islands=islands)
    by_road = coverage(inputs, mm, params=params)
    points = (straight_line_coverage(by_road, mm, params=params)
              if params.coverage_mode == "straight_line" else by_road)
    canteens = canteen_utilisation(points, mm, params=params)
    siting = recommend_sites(inputs, mm, params=params, solver=solver)
    rounds = delivery_rounds(inputs, mm, by_road, G, params=params, solver=solver,
                             islands=islands) if params.rounds else None
    area = delivery_area(G, mm.sites[mm.sites["open"]], params.threshold_s,
                         travel_mode=params.delivery_mode, islands=islands)
    searches = (siting.searches if siting else ()) + (rounds.searches if rounds else ())
    return MealsResult(params=params, inputs=inputs, matrix=mm, points=points,
                       canteens=canteens, siting=siting, rounds=rounds, delivery_area=area,
                       notes=merge_notes(notes, inputs.notes, plan_notes(params)),
                       searches=searches)
