"""Meal delivery (幸福食堂 15分钟助餐配送圈): coverage, canteen siting and daily delivery rounds.

The service answers the analyst's and the planner's questions in their words:

1. **Coverage** (:func:`coverage`): for every demand point (village, or synthetic points around
   each village), the nearest open canteen by land travel time in the delivery mode, whether it is
   within the threshold (15 min by e-bike by default) and, if not, why not
   (:data:`REASONS`, bilingual): ``BEYOND_THRESHOLD``, ``NO_CANTEEN_ON_ISLAND``, ``UNREACHABLE``.
   Summaries by village, town and island count every older resident exactly once (covered +
   not covered = total). Canteen capacity is compared with *meals* (covered residents x the meal
   uptake share :data:`MEAL_UPTAKE_SHARE`), not with all residents.
2. **Siting** (:func:`recommend_sites`): existing canteens stay open, candidates may open; the
   scenario's model (maximal covering with ``p = new_sites`` by default, set covering, p-median)
   is solved exactly with CP-SAT (:mod:`optimizer.solvers.ortools_siting`) on the same matrix;
   the table lists each recommended site with the residents it newly covers, its cost, the proof
   (status, objective, bound, gap) and equal-value alternatives; demand no site can cover is
   named with the reason.
3. **Rounds** (:func:`delivery_rounds`): per delivering canteen, the lunch round: subscribers
   (uptake share of the covered residents, per demand point) must get their meal within
   :data:`FRESHNESS_MIN` minutes of it leaving the kitchen; a VRPTW per canteen
   (:mod:`optimizer.solvers.ortools_vrptw`, fewest couriers first, then distance) with e-bike
   couriers carrying :data:`COURIER_BOX_MEALS` meals. Points that cannot be served are listed with
   the reason.

:func:`plan_meals` runs all three; :func:`write_meals_outputs` writes the tables (CSV, UTF-8 with
BOM) and the coverage points (GeoJSON, EPSG:4326). Tables hold aggregates and synthetic points,
never personal data.

Travel times and the delivery hour
----------------------------------
Couriers do not take ferries: every time here is a *land* time (roads, the two bridges; ferry
edges excluded, :mod:`optimizer.network.matrix`) from the canteen to the point (direction
canteen -> point, which matters on one-way streets of an OSM network). The land network is static
(no congestion profile), so the delivery hour (``delivery_time_s``, 11:00 by default) does not
change land times; "unreachable at that hour" could only come from ferries, which couriers do not
use. The hour sets the kitchen-ready time of the rounds. A village on an island without a canteen
and without a bridge to one is ``NO_CANTEEN_ON_ISLAND``. Roads are the approximate land proxy in
the Putuo default (see :data:`optimizer.network.build.APPROXIMATE_ROADS_NOTE`).

Examples
--------
>>> MealsParams().threshold_s
900.0
>>> REASONS["NO_CANTEEN_ON_ISLAND"][1]
'No canteen on the island (couriers do not take ferries)'
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from optimizer.errors import InputError, InputErrors
from optimizer.network.contract import TRAVEL_MODES, WGS84
from optimizer.problems.coverage import CostMatrix, SitingProblem

__all__ = [
    "COURIER_BOX_MEALS",
    "DEMAND_LEVELS",
    "FRESHNESS_MIN",
    "MEAL_UPTAKE_SHARE",
    "REASONS",
    "ROUND_REASONS",
    "SERVICE_MIN_PER_STOP",
    "MealsInputs",
    "MealsMatrix",
    "MealsParams",
    "MealsResult",
    "RoundsResult",
    "SitingRecommendation",
    "canteen_utilisation",
    "coverage",
    "delivery_rounds",
    "load_meals_inputs",
    "meals_matrix",
    "plan_meals",
    "recommend_sites",
    "siting_problem",
    "subscribers",
    "summarise",
    "write_meals_outputs",
]

MEAL_UPTAKE_SHARE = 0.034
"""Share of residents aged 60+ who take a canteen meal on a given day (meals per resident per day).

Source: 西宁 (Xining), 2024: 148 幸福食堂 served at most 12,000 older people a day (青海日报,
reported by 中新网 2024-08-22) against 354,251 residents aged 60+ (2020 census) -> 3.4 %. For
comparison, Shanghai's 2025 target of 250,000 meals/day of canteen capacity (上海市民政局 et al.
2024, 关于推进本市老年助餐服务高质量发展的实施意见) is about 4-5 % of its 60+ population. No Putuo
figure was found; this is an assumption to be replaced by the canteens' own registration counts.
Capacity is compared with covered residents x this share (meals), never with all residents.
"""

FRESHNESS_MIN = 30.0
"""Longest time (minutes) from the kitchen to the door for a delivered meal (service standard).

Assumption: a policy choice of the canteen, well inside the food-safety outer limit of the national
catering code (《餐饮服务食品安全操作规范》, 2018: cooked food kept more than 2 hours before eating
must be held above 60 °C or below 8 °C). Change with ``freshness_min``.
"""

COURIER_BOX_MEALS = 20
"""Meals one e-bike courier carries per round (assumption: one insulated delivery box of about
20 boxed meals, the common size on e-bike rear racks)."""

SERVICE_MIN_PER_STOP = 2.0
"""Minutes spent at each stop (park, hand over the meals, a word with the resident); assumption."""

DEMAND_LEVELS = ("points", "villages")
"""``"points"``: synthetic points around each village (``elderly_points.csv``, about 25 residents
each; default); ``"villages"``: one point per village (``elderly.csv``)."""

REASONS: dict[str, tuple[str, str]] = {
    "COVERED": ("15分钟内可达", "Within the threshold"),
    "BEYOND_THRESHOLD": ("最近食堂超出时限", "Nearest canteen beyond the threshold"),
    "NO_CANTEEN_ON_ISLAND": ("本岛无食堂（送餐不乘渡轮）",
                             "No canteen on the island (couriers do not take ferries)"),
    "UNREACHABLE": ("无陆路可达", "No land path to any canteen"),
}
"""Coverage status of a demand point -> (Chinese, English) text."""

ROUND_REASONS: dict[str, tuple[str, str]] = {
    "CANTEEN_DOES_NOT_DELIVER": ("该食堂不送餐", "The nearest canteen does not deliver"),
    "BEYOND_FRESHNESS_LIMIT": ("超出保鲜时限", "Cannot arrive within the freshness limit"),
    "OVER_BOX_CAPACITY": ("超出配送箱容量", "More meals than a delivery box holds"),
    "UNREACHABLE": ("无陆路可达", "No land path from the canteen"),
    "SHIFT_END": ("超出配送时段", "Courier cannot be back within the shift"),
    "OVER_CANTEEN_CAPACITY": ("超出食堂日供餐能力", "Beyond the canteen's daily meal capacity"),
    "DROPPED_BY_SEARCH": ("未能排入（骑手不足或时间冲突）",
                          "Not fitted in (couriers or time conflicts)"),
}
"""Why a subscriber point is not in a delivery round -> (Chinese, English)."""

SITING_MODELS = ("mclp", "lscp", "pmedian", "none")

ROUND_FIRST_SOLUTIONS = ("SAVINGS",)
"""OR-Tools first-solution strategy of the delivery rounds when the OR-Tools search is used
(``strategy="ortools"``); the default search builds its own start (sequential cheapest insertion,
:mod:`optimizer.solvers.vrptw_lns`) in well under a second for 500 stops."""

ROUND_SECONDS_PER_STOP = 0.001
"""Search budget per delivery stop, seconds: a canteen's VRPTW gets
``min(rounds_time_limit_s, ROUND_SECONDS_PER_STOP x stops)`` (at least 0.05 s). On the Putuo
baseline (2,658 stops, 10 delivering canteens) 1 ms per stop serves every stop with fewer
couriers than the previous 2 s per canteen of OR-Tools search (one run, 2-core machine)."""


def _bool(v: Any) -> bool:
    return str(v).strip().lower() in ("yes", "true", "1", "y", "是")


# ----------------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class MealsParams:
    """Parameters of the meal-delivery service (names follow the scenario's ``meals:`` section).

    Parameters
    ----------
    delivery_mode
        Courier travel mode: ``"ebike"`` (default), ``"car"`` or ``"walk"``.
    delivery_time_s
        Kitchen-ready time of the lunch round, seconds after midnight (11:00 = 39600).
    threshold_min
        Coverage threshold in minutes (> 0; 15 = 15分钟助餐配送圈).
    demand_scale
        Multiplies every resident count (> 0; 1.1 = the +10 % scenario).
    open_candidates
        Candidate site ids opened as canteens (the "new canteens" scenario).
    siting_model
        ``"mclp"`` (default), ``"lscp"``, ``"pmedian"`` or ``"none"``.
    new_sites
        Number of new sites ``p`` for MCLP and p-median (>= 0).
    demand_level
        One of :data:`DEMAND_LEVELS`; selects the default demand file (default ``"points"``: a
        careful coverage statement should not be all-or-nothing per village, see
        :mod:`optimizer.synthetic.households`).
    uptake_share
        Meals per resident aged 60+ per day, in (0, 1]; default :data:`MEAL_UPTAKE_SHARE`.
    freshness_min
        Kitchen-to-door limit of a delivered meal, minutes (> 0); default :data:`FRESHNESS_MIN`.
    box_meals
        Meals per courier round (integer > 0); default :data:`COURIER_BOX_MEALS`.
    service_min
        Minutes per stop (>= 0); default :data:`SERVICE_MIN_PER_STOP`.
    siting_capacitated
        Apply canteen capacities in siting (capacity / uptake share = residents served); default
        False (coverage is about access; utilisation is reported separately).
    max_alternatives
        Equal-value alternative site sets to look for after a proved optimum.
    rounds
        Plan the delivery rounds.
    rounds_respect_capacity
        A canteen delivers at most its ``capacity_meals_per_day`` (the kitchen cannot cook
        more): its nearest subscribers first, the rest listed ``OVER_CANTEEN_CAPACITY``
        (default True). False plans rounds for every subscriber (the demand a larger kitchen
        would face).
    rounds_time_limit_s
        Wall-time budget per canteen's VRPTW, seconds (time-limited search).
    rounds_deterministic
        Bound the VRPTW search by ``rounds_solution_limit`` solutions instead of wall time
        (reproducible plans; slow on canteens with hundreds of stops).
    rounds_solution_limit
        Guided-local-search solutions per canteen in deterministic mode.
    time_limit_s, seed
        Solver limits (siting: per solve; rounds: per canteen).

    Raises
    ------
    optimizer.errors.InputErrors
        Listing every bad value (field = the parameter name).
    """

    delivery_mode: str = "ebike"
    delivery_time_s: int = 11 * 3600
    threshold_min: float = 15.0
    demand_scale: float = 1.0
    open_candidates: tuple[str, ...] = ()
    siting_model: str = "mclp"
    new_sites: int = 2
    demand_level: str = "points"
    uptake_share: float = MEAL_UPTAKE_SHARE
    freshness_min: float = FRESHNESS_MIN
    box_meals: int = COURIER_BOX_MEALS
    service_min: float = SERVICE_MIN_PER_STOP
    siting_capacitated: bool = False
    max_alternatives: int = 5
    rounds: bool = True
    rounds_respect_capacity: bool = True
    rounds_solution_limit: int = 200
    rounds_time_limit_s: float = 10.0
    rounds_deterministic: bool = False
    time_limit_s: float = 20.0
    seed: int = 0

    def __post_init__(self) -> None:
        errs: list[InputError] = []

        def num(name: str, lo: float, hi: float = math.inf, *, lo_open: bool = True) -> None:
            v = getattr(self, name)
            ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            if ok:
                ok = (v > lo if lo_open else v >= lo) and v <= hi
            if not ok:
                rng = f"{'>' if lo_open else '>='} {lo}" + (f" and <= {hi}" if hi < math.inf else "")
                errs.append(InputError(f"{v!r}; expected a finite number {rng}", field=name))

        if self.delivery_mode not in TRAVEL_MODES:
            errs.append(InputError(f"{self.delivery_mode!r}; expected one of {TRAVEL_MODES}",
                                   field="delivery_mode"))
        num("delivery_time_s", 0, 48 * 3600, lo_open=False)
        num("threshold_min", 0)
        num("demand_scale", 0)
        num("uptake_share", 0, 1)
        num("freshness_min", 0)
        num("service_min", 0, lo_open=False)
        num("time_limit_s", 0)
        num("rounds_time_limit_s", 0)
        if self.siting_model not in SITING_MODELS:
            errs.append(InputError(f"{self.siting_model!r}; expected one of {SITING_MODELS}",
                                   field="siting_model"))
        if self.demand_level not in DEMAND_LEVELS:
            errs.append(InputError(f"{self.demand_level!r}; expected one of {DEMAND_LEVELS}",
                                   field="demand_level"))
        for name in ("new_sites", "max_alternatives", "box_meals", "rounds_solution_limit"):
            v = getattr(self, name)
            lo = 1 if name in ("box_meals", "rounds_solution_limit") else 0
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
                errs.append(InputError(f"{v!r}; expected a whole number >= {lo}", field=name))
        if isinstance(self.open_candidates, str):
            errs.append(InputError("expected a list of candidate site ids, got one string",
                                   field="open_candidates"))
        if errs:
            raise InputErrors(errs)
        object.__setattr__(self, "open_candidates", tuple(str(s) for s in self.open_candidates))

    @property
    def threshold_s(self) -> float:
        """Coverage threshold in seconds."""
        return float(self.threshold_min) * 60.0

    @classmethod
    def from_section(cls, section: Any, *, solver: Any = None, **overrides: Any) -> MealsParams:
        """Build from a scenario's :class:`~optimizer.scenario.schema.MealsSection` (and its
        ``SolverSection`` for ``time_limit_s`` and ``seed``); ``overrides`` win.

        Raises
        ------
        optimizer.errors.InputErrors
            On bad values.
        """
        kw: dict[str, Any] = {}
        names = {f.name for f in dataclasses.fields(cls)}
        for name in names:
            if hasattr(section, name):
                v = getattr(section, name)
                kw[name] = tuple(v) if isinstance(v, list) else v
        if hasattr(section, "delivery_time"):
            kw["delivery_time_s"] = int(section.delivery_time)
        if solver is not None:
            kw["time_limit_s"] = float(solver.time_limit_s)
            kw["seed"] = int(solver.seed)
        kw.update(overrides)
        return cls(**kw)


# --------------------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class MealsInputs:
    """Validated demand points, existing canteens and candidate sites (EPSG:4326).

    Attributes
    ----------
    demand
        One row per demand point: ``point_id``, ``village_code``, ``village_name_zh``,
        ``town_code``, ``town_name``, ``island_id``, ``island_name_zh``, ``elderly_60plus``
        (persons, unscaled integers), ``lon``, ``lat``, point ``geometry``.
    canteens
        Existing canteens: ``site_id``, ``name_zh``, ``island_id``, ``capacity_meals_per_day``,
        ``delivers`` (bool), ``lon``, ``lat``, ``geometry``.
    candidates
        Candidate sites: ``site_id``, ``name_zh``, ``kind``, ``island_id``,
        ``capacity_meals_per_day``, ``opening_cost_cny``, ``lon``, ``lat``, ``geometry``.
    demand_level
        ``"points"`` or ``"villages"`` (what the demand file holds).
    files
        Role (``elderly``, ``canteens``, ``candidates``) -> file read.
    """

    demand: gpd.GeoDataFrame
    canteens: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    demand_level: str
    files: Mapping[str, str] = field(default_factory=dict)


def _default(name: str) -> Path:
    from optimizer.datasets import get_path

    return get_path(f"putuo/synthetic/{name}")


def _island_check(gdf: gpd.GeoDataFrame, islands: gpd.GeoDataFrame, fname: str,
                  errors: list[InputError], id_col: str) -> list[str]:
    """Island of each point from the polygons; points in the sea and stated-island mismatches are
    errors (row = 1-based data row)."""
    from optimizer.network.islands import island_of

    if len(gdf) == 0:
        return []
    where = island_of(gdf, islands)
    out = []
    stated = gdf["island_id"].astype(str).tolist() if "island_id" in gdf.columns else None
    for k, (isl, st, d) in enumerate(zip(where["island_id"], where["status"],
                                         where["distance_to_land_m"])):
        who = gdf[id_col].iloc[k]
        if st == "in_sea":
            errors.append(InputError(
                f"{who!r} at ({gdf['lon'].iloc[k]:.6f} E, {gdf['lat'].iloc[k]:.6f} N) lies in the "
                f"sea, {d:.0f} m from the nearest island; check the coordinates (GCJ-02 given as "
                "WGS84? swapped?)", file=fname, row=k + 1, field="lon"))
        elif stated is not None and stated[k] not in ("", "nan") and stated[k] != isl:
            errors.append(InputError(
                f"{who!r}: island_id {stated[k]!r} but the point lies on island {isl!r}; fix the "
                "island or the coordinates", file=fname, row=k + 1, field="island_id"))
        out.append(str(isl))
    return out


def load_meals_inputs(elderly: str | Path | None = None, canteens: str | Path | None = None,
                      candidates: str | Path | None = None, *, demand_level: str = "points",
                      islands: gpd.GeoDataFrame | None = None) -> MealsInputs:
    """Read and validate the three meal-service files; raise once listing every problem.

    Parameters
    ----------
    elderly
        Demand file: points (``point_id``, ``village_code`` …, like ``elderly_points.csv``) or
        villages (``village_code`` as id, like ``elderly.csv``); columns ``lon``, ``lat``
        (EPSG:4326) and ``elderly_60plus`` (persons, whole numbers >= 0). Default by
        ``demand_level``: ``synthetic/elderly_points.csv`` or ``synthetic/elderly.csv``.
    canteens
        Existing canteens (``canteen_id``, ``name_zh``, ``lon``, ``lat``,
        ``capacity_meals_per_day`` > 0, optional ``delivers`` yes/no). Default
        ``synthetic/canteens.csv``.
    candidates
        Candidate sites (``site_id``, ``name_zh``, ``lon``, ``lat``, ``capacity_meals_per_day``,
        ``opening_cost_cny``). Default ``synthetic/candidate_sites.csv``.
    demand_level
        Which default demand file to read (see :data:`DEMAND_LEVELS`); a given file's own level is
        detected from its columns.
    islands
        Island polygons (EPSG:4326); default the embedded Putuo islands.

    Returns
    -------
    MealsInputs

    Raises
    ------
    optimizer.errors.InputError
        If a file cannot be read or misses columns.
    optimizer.errors.InputErrors
        Every bad row: empty or duplicate ids, non-numeric or negative counts, capacities that are
        not positive whole numbers, points outside the study area or in the sea, stated islands
        that disagree with the coordinates, ids repeated across canteens and candidates (each
        error names file, 1-based data row and field).
    """
    from optimizer.io.points import read_points

    if demand_level not in DEMAND_LEVELS:
        raise InputError(f"{demand_level!r}; expected one of {DEMAND_LEVELS}",
                         field="demand_level")
    if islands is None:
        from optimizer.network.islands import load_islands

        islands = load_islands()
    e_path = Path(elderly) if elderly is not None else _default(
        "elderly_points.csv" if demand_level == "points" else "elderly.csv")
    c_path = Path(canteens) if canteens is not None else _default("canteens.csv")
    s_path = Path(candidates) if candidates is not None else _default("candidate_sites.csv")
    errors: list[InputError] = []

    def read(path: Path, **kw: Any) -> gpd.GeoDataFrame | None:
        try:
            return read_points(path, **kw)
        except InputErrors as exc:
            errors.extend(exc.errors)
        except InputError as exc:
            errors.append(exc)
        return None

    head = pd.read_csv(e_path, nrows=0, encoding="utf-8-sig").columns if \
        e_path.suffix.lower() in (".csv", ".txt") and e_path.exists() else []
    level = "points" if "point_id" in head else "villages"
    id_col = "point_id" if level == "points" else "village_code"
    dem = read(e_path, id_col=id_col, required=("village_code",) if level == "points" else (),
               count_cols=("elderly_60plus",))
    can = read(c_path, id_col="canteen_id", required=("name_zh",),
               count_cols=("capacity_meals_per_day",))
    cand = read(s_path, id_col="site_id", required=("name_zh",),
                count_cols=("capacity_meals_per_day", "opening_cost_cny"))
    if errors:
        raise InputErrors(errors)
    assert dem is not None and can is not None and cand is not None
    for gdf, path, col in ((can, c_path, "capacity_meals_per_day"),
                           (cand, s_path, "capacity_meals_per_day")):
        for k, v in enumerate(gdf[col]):
            if v <= 0:
                errors.append(InputError(f"capacity {v}; a canteen must serve at least one meal "
                                         "a day (remove the row instead)", file=str(path),
                                         row=k + 1, field=col))
    dem_isl = _island_check(dem, islands, str(e_path), errors, id_col)
    can_isl = _island_check(can, islands, str(c_path), errors, "canteen_id")
    cand_isl = _island_check(cand, islands, str(s_path), errors, "site_id")
    both = set(can["canteen_id"]) & set(cand["site_id"])
    for k, sid in enumerate(cand["site_id"]):
        if sid in both:
            errors.append(InputError(f"site id {sid!r} is also an existing canteen id; ids must "
                                     "be unique across canteens and candidates", file=str(s_path),
                                     row=k + 1, field="site_id"))
    if errors:
        raise InputErrors(errors)
    isl_names = dict(zip(islands["island_id"].astype(str), islands["name_zh"].astype(str)))

    def col(gdf: pd.DataFrame, name: str, default: Any = "") -> pd.Series:
        return gdf[name].astype(str) if name in gdf.columns else pd.Series(default, index=gdf.index)

    d = gpd.GeoDataFrame({
        "point_id": dem[id_col].astype(str),
        "village_code": dem["village_code"].astype(str),
        "village_name_zh": col(dem, "name_zh"),
        "town_code": col(dem, "town_code"),
        "town_name": col(dem, "town_name"),
        "island_id": dem_isl,
        "island_name_zh": [isl_names.get(i, "") for i in dem_isl],
        "elderly_60plus": dem["elderly_60plus"].astype(np.int64),
        "lon": dem["lon"].astype(float), "lat": dem["lat"].astype(float),
    }, geometry=dem.geometry.values, crs=WGS84)
    if "island_name_zh" in dem.columns:  # keep the file's name (e.g. 白沙岛(推测))
        d["island_name_zh"] = dem["island_name_zh"].astype(str).to_numpy()
    c = gpd.GeoDataFrame({
        "site_id": can["canteen_id"].astype(str), "name_zh": can["name_zh"].astype(str),
        "kind": col(can, "kind", "canteen"), "island_id": can_isl,
        "capacity_meals_per_day": can["capacity_meals_per_day"].astype(float),
        "opening_cost_cny": 0.0,
        "delivers": [_bool(v) for v in col(can, "delivers", "yes")],
        "lon": can["lon"].astype(float), "lat": can["lat"].astype(float),
    }, geometry=can.geometry.values, crs=WGS84)
    s = gpd.GeoDataFrame({
        "site_id": cand["site_id"].astype(str), "name_zh": cand["name_zh"].astype(str),
        "kind": col(cand, "kind", "candidate"), "island_id": cand_isl,
        "capacity_meals_per_day": cand["capacity_meals_per_day"].astype(float),
        "opening_cost_cny": cand["opening_cost_cny"].astype(float),
        "delivers": [_bool(v) for v in col(cand, "delivers", "yes")],
        "lon": cand["lon"].astype(float), "lat": cand["lat"].astype(float),
    }, geometry=cand.geometry.values, crs=WGS84)
    return MealsInputs(demand=d, canteens=c, candidates=s, demand_level=level,
                       files={"elderly": str(e_path), "canteens": str(c_path),
                              "candidates": str(s_path)})


# --------------------------------------------------------------------------------------- matrix
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
        From :func:`load_meals_inputs`.
    G
        Network following :mod:`optimizer.network.contract` (EPSG:32651); ferry edges are ignored.
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
        If an ``open_candidates`` id is not a candidate site (field ``open_candidates``).
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


# ------------------------------------------------------------------------------------- coverage
def coverage(inputs: MealsInputs, mm: MealsMatrix, *, params: MealsParams,
             open_mask: np.ndarray | None = None) -> pd.DataFrame:
    """Nearest open canteen of every demand point, covered or not, and why not.

    Parameters
    ----------
    inputs
        Demand points (rows of ``mm.cost``).
    mm
        The matrix (:func:`meals_matrix`).
    params
        ``threshold_min``, ``demand_scale``.
    open_mask
        Bool ``(n_sites,)`` of open sites; default ``mm.sites["open"]``.

    Returns
    -------
    pandas.DataFrame
        One row per demand point, in input order: ``point_id``, ``village_code``,
        ``village_name_zh``, ``town_code``, ``town_name``, ``island_id``, ``island_name_zh``,
        ``lon``, ``lat`` (EPSG:4326), ``elderly`` (persons x ``demand_scale``), ``status`` (a key
        of :data:`REASONS`), ``covered`` (bool), ``nearest_canteen_id``, ``nearest_canteen_name``,
        ``nearest_canteen_island``, ``travel_time_min`` (``NaN`` when none reachable), ``reason_zh``,
        ``reason_en``, ``detail`` (plain English with the figures).

    Notes
    -----
    Reasons, in order: ``COVERED`` (time <= threshold); ``BEYOND_THRESHOLD`` (a canteen is
    reachable by land, the nearest too far, also across a bridge); ``NO_CANTEEN_ON_ISLAND`` (no
    open canteen on the point's island and none reachable by land); ``UNREACHABLE`` (a canteen is
    on the island but there is no land path, or the point has no network node on its island).
    """
    vals = mm.cost.values
    sites = mm.sites
    is_open = sites["open"].to_numpy(bool) if open_mask is None else np.asarray(open_mask, bool)
    R = params.threshold_s
    n = vals.shape[0]
    sub = vals[:, is_open]
    open_idx = np.flatnonzero(is_open)
    if sub.shape[1]:
        k = np.argmin(sub, axis=1)
        t = sub[np.arange(n), k]
        j = open_idx[k]
    else:
        t = np.full(n, np.inf)
        j = np.zeros(n, dtype=int)
    open_islands = set(sites.loc[is_open, "island_id"])
    d = inputs.demand
    status, detail = [], []
    snap_status = mm.demand_snap["status"].to_numpy()
    for i in range(n):
        isl = d["island_id"].iloc[i]
        if t[i] <= R + 1e-9:
            status.append("COVERED")
            detail.append("")
        elif math.isfinite(t[i]):
            s = sites.iloc[j[i]]
            status.append("BEYOND_THRESHOLD")
            across = "" if s["island_id"] == isl else f" on island {s['island_id']} (by bridge)"
            detail.append(f"nearest canteen {s['site_id']}{across} takes {t[i] / 60:.1f} min by "
                          f"{mm.travel_mode}, over {params.threshold_min:g} min")
        elif isl not in open_islands:
            status.append("NO_CANTEEN_ON_ISLAND")
            detail.append(f"no open canteen on island {isl} and none reachable by land")
        else:
            status.append("UNREACHABLE")
            detail.append("point has no road node on its island (snap status "
                          f"{snap_status[i]})" if snap_status[i] not in ("on_land", "snapped")
                          else f"canteens on island {isl} but no land path to any of them")
    st = np.array(status)
    reach = np.isfinite(t)
    out = pd.DataFrame({
        "point_id": d["point_id"].to_numpy(), "village_code": d["village_code"].to_numpy(),
        "village_name_zh": d["village_name_zh"].to_numpy(),
        "town_code": d["town_code"].to_numpy(), "town_name": d["town_name"].to_numpy(),
        "island_id": d["island_id"].to_numpy(), "island_name_zh": d["island_name_zh"].to_numpy(),
        "lon": d["lon"].to_numpy(), "lat": d["lat"].to_numpy(),
        "elderly": d["elderly_60plus"].to_numpy(float) * params.demand_scale,
        "status": st, "covered": st == "COVERED",
        "nearest_canteen_id": np.where(reach, sites["site_id"].to_numpy()[j], ""),
        "nearest_canteen_name": np.where(reach, sites["name_zh"].to_numpy()[j], ""),
        "nearest_canteen_island": np.where(reach, sites["island_id"].to_numpy()[j], ""),
        "travel_time_min": np.where(reach, np.round(t / 60.0, 2), np.nan),
        "reason_zh": [REASONS[s][0] for s in status],
        "reason_en": [REASONS[s][1] for s in status],
        "detail": detail,
    })
    return out


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
        beyond_threshold=np.where(points["status"] == "BEYOND_THRESHOLD", points["elderly"], 0.0),
        no_canteen_on_island=np.where(points["status"] == "NO_CANTEEN_ON_ISLAND",
                                      points["elderly"], 0.0),
        unreachable=np.where(points["status"] == "UNREACHABLE", points["elderly"], 0.0))
    g = p.groupby(keys, sort=True, dropna=False).agg(
        elderly_total=("elderly", "sum"), elderly_covered=("_cov", "sum"),
        beyond_threshold=("beyond_threshold", "sum"),
        no_canteen_on_island=("no_canteen_on_island", "sum"),
        unreachable=("unreachable", "sum"), points=("point_id", "count")).reset_index()
    total = {k: "" for k in keys}
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


# --------------------------------------------------------------------------------------- siting
@dataclass(frozen=True)
class SitingRecommendation:
    """A siting recommendation with its proof.

    Attributes
    ----------
    model
        ``"mclp"``, ``"lscp"`` or ``"pmedian"`` (``-capacitated`` when capacities applied).
    status
        ``OPTIMAL`` (proved), ``FEASIBLE``, ``INFEASIBLE`` or ``UNKNOWN``.
    objective, best_bound, gap
        As :class:`optimizer.solvers.ortools_siting.SitingResult` (MCLP: residents covered;
        LSCP: new sites; p-median: resident-seconds).
    new_sites
        Recommended new site ids.
    table
        One row per recommended site (option 0) and per site of each alternative (option >= 1):
        ``option``, ``site_id``, ``name_zh``, ``kind``, ``island_id``, ``capacity_meals_per_day``,
        ``opening_cost_cny``, ``new_elderly_covered`` (residents it covers that no open canteen
        covers), ``set_new_elderly_covered`` (the whole option's gain), ``model``, ``status``,
        ``objective``, ``best_bound``, ``gap``.
    uncoverable
        Demand no site (open or candidate) covers: ``point_id``, ``village_name_zh``,
        ``island_id``, ``elderly``, ``reason`` (``no_site_on_island`` / ``unreachable`` /
        ``beyond_radius``), ``nearest_site_id``, ``nearest_time_min``, ``detail``.
    covered_before, covered_after
        Residents within the threshold before and after opening the new sites.
    alternatives_complete
        True when the solver proved there are no further equal-value sets.
    message
        Solver note.
    """

    model: str
    status: str
    objective: float | None
    best_bound: float | None
    gap: float | None
    new_sites: tuple[str, ...]
    table: pd.DataFrame
    uncoverable: pd.DataFrame
    covered_before: float
    covered_after: float
    alternatives_complete: bool = False
    message: str = ""


def siting_problem(inputs: MealsInputs, mm: MealsMatrix, *, params: MealsParams) -> SitingProblem:
    """The :class:`~optimizer.problems.coverage.SitingProblem` of the scenario.

    Open sites (existing canteens and ``open_candidates``) are kept open; the other candidates
    may open. Weights = residents x ``demand_scale``. Capacities (meals/day) are converted to
    residents served (capacity / uptake share) and applied only when ``siting_capacitated``.

    Raises
    ------
    optimizer.errors.InputErrors
        If the data is inconsistent (see :class:`SitingProblem`).
    """
    s = mm.sites
    cap = s["capacity_meals_per_day"].to_numpy(float) / params.uptake_share \
        if params.siting_capacitated else None
    return SitingProblem(
        mm.cost, demand_weight=inputs.demand["elderly_60plus"].to_numpy(float)
        * params.demand_scale,
        existing=s["open"].to_numpy(bool), capacity=cap,
        opening_cost=s["opening_cost_cny"].to_numpy(float),
        site_island_id=tuple(s["island_id"]), demand_island_id=tuple(inputs.demand["island_id"]),
        service_radius_s=params.threshold_s,
        p=int(params.new_sites), source=inputs.files.get("candidates"))


def recommend_sites(inputs: MealsInputs, mm: MealsMatrix, *,
                    params: MealsParams) -> SitingRecommendation | None:
    """Recommend new canteen sites with the scenario's model, solved exactly (CP-SAT).

    Parameters
    ----------
    inputs, mm
        Demand and matrix.
    params
        ``siting_model`` (``"none"`` returns ``None``), ``new_sites`` (= p for MCLP/p-median),
        ``threshold_min``, ``demand_scale``, ``siting_capacitated``, ``max_alternatives``,
        ``time_limit_s``, ``seed``.

    Returns
    -------
    SitingRecommendation or None

    Raises
    ------
    optimizer.errors.InputError
        On inconsistent siting data.
    """
    if params.siting_model == "none":
        return None
    from optimizer.solvers.ortools_siting import solve_lscp, solve_mclp, solve_pmedian

    prob = siting_problem(inputs, mm, params=params)
    kw = {"time_limit_s": params.time_limit_s, "seed": params.seed,
              "max_alternatives": params.max_alternatives}
    if params.siting_model == "mclp":
        res = solve_mclp(prob, p=int(params.new_sites), **kw)
    elif params.siting_model == "lscp":
        res = solve_lscp(prob, **kw)
    else:
        res = solve_pmedian(prob, p=int(params.new_sites), **kw)
    s = mm.sites.set_index("site_id")
    w = np.asarray(prob.demand_weight)
    cov = prob.covers
    col = {sid: k for k, sid in enumerate(prob.cost.site_ids)}
    base = cov[:, np.asarray(prob.existing)].any(axis=1)

    def gain(ids: Sequence[str]) -> float:
        if not ids:
            return 0.0
        m = cov[:, [col[i] for i in ids]].any(axis=1) & ~base
        return float(w[m].sum())

    rows = []
    options = [tuple(res.new_sites)] + [tuple(a) for a in res.alternatives]
    for k, ids in enumerate(options if res.is_feasible() else []):
        g = gain(ids)
        for sid in ids:
            r = s.loc[sid]
            rows.append({"option": k, "site_id": sid, "name_zh": r["name_zh"], "kind": r["kind"],
                         "island_id": r["island_id"],
                         "capacity_meals_per_day": float(r["capacity_meals_per_day"]),
                         "opening_cost_cny": float(r["opening_cost_cny"]),
                         "new_elderly_covered": round(gain([sid]), 3),
                         "set_new_elderly_covered": round(g, 3)})
    table = pd.DataFrame(rows, columns=["option", "site_id", "name_zh", "kind", "island_id",
                                        "capacity_meals_per_day", "opening_cost_cny",
                                        "new_elderly_covered", "set_new_elderly_covered"])
    table["model"] = res.model
    table["status"] = res.status.value
    table["objective"] = res.objective
    table["best_bound"] = res.best_bound
    table["gap"] = res.gap
    d = inputs.demand.set_index("point_id")
    unc = pd.DataFrame([{
        "point_id": u.demand_id, "village_name_zh": d.loc[u.demand_id, "village_name_zh"],
        "island_id": u.island_id, "elderly": u.weight, "reason": u.reason,
        "nearest_site_id": u.nearest_site_id or "",
        "nearest_time_min": round(u.nearest_time_s / 60, 2) if math.isfinite(u.nearest_time_s)
        else np.nan, "detail": u.describe()} for u in res.uncoverable],
        columns=["point_id", "village_name_zh", "island_id", "elderly", "reason",
                 "nearest_site_id", "nearest_time_min", "detail"])
    before = float(w[base].sum())
    return SitingRecommendation(
        model=res.model, status=res.status.value, objective=res.objective,
        best_bound=res.best_bound, gap=res.gap, new_sites=tuple(res.new_sites), table=table,
        uncoverable=unc, covered_before=before,
        covered_after=before + gain(list(res.new_sites)) if res.is_feasible() else before,
        alternatives_complete=res.alternatives_complete, message=res.message)


# --------------------------------------------------------------------------------------- rounds
@dataclass(frozen=True)
class RoundsResult:
    """Lunch delivery rounds of every delivering open canteen.

    Attributes
    ----------
    by_canteen
        One row per open canteen with subscribers: ``site_id``, ``name_zh``, ``delivers``,
        ``meals``, ``stops``, ``couriers``, ``meals_delivered``, ``points_unserved``, ``status``,
        ``distance_km``, ``latest_delivery_min`` (after leaving the kitchen), ``checker_violations``.
    routes
        One row per courier round: ``site_id``, ``courier``, ``stops``, ``meals``, ``depart``,
        ``return`` (HH:MM), ``duration_min``, ``distance_km``, ``latest_delivery_min``,
        ``sequence`` (point ids in visiting order).
    stops
        One row per stop: ``site_id``, ``courier``, ``seq``, ``point_id``, ``village_name_zh``,
        ``meals``, ``arrive`` (HH:MM), ``minutes_from_kitchen``.
    unserved
        Subscriber points not delivered: ``site_id``, ``point_id``, ``village_name_zh``,
        ``meals``, ``reason`` (key of :data:`ROUND_REASONS`), ``reason_zh``, ``reason_en``,
        ``detail``.
    """

    by_canteen: pd.DataFrame
    routes: pd.DataFrame
    stops: pd.DataFrame
    unserved: pd.DataFrame


def subscribers(points: pd.DataFrame, *, params: MealsParams) -> np.ndarray:
    """Meals per day at each demand point: covered residents x uptake share, in whole meals.

    Rounded by the largest-remainder method over all covered points, so the total is
    ``round(sum(covered residents) x uptake_share)``.

    Returns
    -------
    numpy.ndarray of int64, shape ``(n_points,)`` (0 for points not covered).
    """
    from optimizer.synthetic.population import largest_remainder

    q = np.where(points["covered"], points["elderly"].to_numpy(float), 0.0) * params.uptake_share
    total = round(float(q.sum()))
    if total == 0 or q.sum() <= 0:
        return np.zeros(len(points), dtype=np.int64)
    return largest_remainder(q, total)


def _vrptw_reason(code: str) -> str:
    return {"TIME_WINDOW": "BEYOND_FRESHNESS_LIMIT", "OVER_CAPACITY": "OVER_BOX_CAPACITY"}.get(
        code, code)


def delivery_rounds(inputs: MealsInputs, mm: MealsMatrix, points: pd.DataFrame,
                    G: nx.MultiDiGraph, *, params: MealsParams,
                    islands: gpd.GeoDataFrame | None = None) -> RoundsResult:
    """Plan each delivering canteen's lunch round as a VRPTW (fewest couriers, then distance).

    Model per canteen: depot = the canteen, leaving at ``delivery_time_s``; customers = its
    covered points with meals (points with more meals than a box are split into several stops
    at the same place); window on each stop ``[ready, ready + freshness]``
    (:func:`optimizer.problems.vrptw.freshness_window`); service ``service_min`` per stop;
    couriers with ``box_meals`` meals each, one round each. Land travel times (ferries excluded)
    in the delivery mode; distance = time x the mode's road speed (exact on the land proxy, where
    the e-bike speed is the same on every edge; an approximation on OSM roads).

    Parameters
    ----------
    inputs, mm, points
        Demand, matrix and :func:`coverage` output (assignment to the nearest canteen).
    G
        The network.
    params
        ``uptake_share``, ``freshness_min``, ``box_meals``, ``service_min``,
        ``delivery_time_s``, ``rounds_time_limit_s`` (cap per canteen; the budget is
        :data:`ROUND_SECONDS_PER_STOP` per stop below it), ``rounds_deterministic``,
        ``rounds_solution_limit``, ``seed``.
    islands
        Island polygons for snapping.

    Returns
    -------
    RoundsResult
        Every subscriber point is either in a route or in ``unserved`` with a reason.

    Raises
    ------
    optimizer.errors.SolverError
        If OR-Tools returns an inconsistent plan.
    """
    from optimizer.network.matrix import point_matrix
    from optimizer.problems.vrptw import VrptwProblem, VrptwVehicle, check_vrptw, freshness_window
    from optimizer.solvers.ortools_vrptw import solve_vrptw
    from optimizer.units import hhmm

    meals = subscribers(points, params=params)
    ready = float(params.delivery_time_s)
    fresh_s = params.freshness_min * 60.0
    svc_s = params.service_min * 60.0
    sites = mm.sites.set_index("site_id")
    pts = inputs.demand
    demand_geoms = pts.geometry.to_numpy()
    by_c, routes, stops, unserved = [], [], [], []
    pid = points["point_id"].to_numpy()  # plain arrays: pandas .iat in loops was a hot spot
    vname = points["village_name_zh"].to_numpy()
    has = (meals > 0) & points["covered"].to_numpy(bool)
    col_of = {sid: j for j, sid in enumerate(mm.sites["site_id"])}
    for sid in sorted(set(points.loc[has, "nearest_canteen_id"])):
        idx = np.flatnonzero(has & (points["nearest_canteen_id"] == sid).to_numpy())
        s = sites.loc[sid]
        total = int(meals[idx].sum())
        cap = float(s["capacity_meals_per_day"])
        row: dict[str, Any] = {"site_id": sid, "name_zh": s["name_zh"],
                               "delivers": bool(s["delivers"]), "meals": total,
                               "capacity_meals_per_day": cap,
                               "stops": int(idx.size), "couriers": 0, "meals_delivered": 0,
                               "points_unserved": 0, "status": "", "distance_km": 0.0,
                               "latest_delivery_min": np.nan, "checker_violations": 0}
        if not bool(s["delivers"]):
            for i in idx:
                unserved.append({"site_id": sid, "point_id": pid[i],
                                 "village_name_zh": vname[i],
                                 "meals": int(meals[i]), "reason": "CANTEEN_DOES_NOT_DELIVER",
                                 "detail": f"{sid} does not deliver (dine-in only)"})
            row.update(points_unserved=int(idx.size), status="NO_DELIVERY")
            by_c.append(row)
            continue
        # the kitchen's capacity: nearest subscribers first (policy: the 15-minute circle is
        # about proximity), the meals beyond it listed, never dropped
        room = {int(i): int(meals[i]) for i in idx}
        short: set[int] = set()
        if params.rounds_respect_capacity and total > cap:
            t_from = mm.cost.values[idx, col_of[sid]]
            left = int(math.floor(cap))
            for i in idx[np.argsort(t_from, kind="stable")]:
                give = min(int(meals[i]), left)
                left -= give
                if give < meals[i]:
                    short.add(int(i))
                    unserved.append({"site_id": sid, "point_id": pid[i],
                                     "village_name_zh": vname[i],
                                     "meals": int(meals[i]) - give,
                                     "reason": "OVER_CANTEEN_CAPACITY",
                                     "detail": f"{sid} cooks {cap:g} meals a day for "
                                               f"{total} subscribers' meals; nearer ones first"})
                room[int(i)] = give
        # nodes: 0 = canteen, then one node per (point, chunk of <= box meals)
        node_pt: list[int] = []
        node_meals: list[int] = []
        for i in idx:
            m = room[int(i)]
            while m > 0:
                c = min(m, params.box_meals)
                node_pt.append(int(i))
                node_meals.append(c)
                m -= c
        if not node_pt:  # a kitchen with no capacity left for deliveries
            row.update(points_unserved=len(short), status="NO_CAPACITY")
            by_c.append(row)
            continue
        uniq = sorted(set(node_pt))
        where = {i: k + 1 for k, i in enumerate(uniq)}
        geo = gpd.GeoDataFrame(geometry=[s["geometry"]] + list(demand_geoms[uniq]), crs=WGS84)
        # a round never uses a leg longer than twice the freshness limit (every stop is
        # reached within it and the way back is at most as long on a symmetric network)
        pm = point_matrix(G, geo, geo, travel_mode=params.delivery_mode, islands=islands,
                          max_time_s=2.0 * fresh_s)
        sel = np.array([0] + [where[i] for i in node_pt])
        tt = pm.travel_time_s[np.ix_(sel, sel)].copy()
        same = sel[:, None] == sel[None, :]
        tt[same] = 0.0
        dist = np.where(np.isfinite(tt), tt * pm.access_speed_mps, np.inf)
        n = len(sel)
        tw = np.array([(ready, math.inf)] + [freshness_window(ready, fresh_s)] * (n - 1))
        service = np.array([0.0] + [svc_s] * (n - 1))
        demand = np.array([0] + node_meals)
        per_courier = max(1, int(fresh_s // max(svc_s, 1.0)))
        # fleet offered to the solver: 3x a lower bound on couriers (box capacity, or handovers
        # within the freshness limit) + 5, at most one per stop; the objective uses the fewest
        # (Putuo C08 with 2x + 3: all 29 couriers used and 9 stops dropped)
        n_veh = min(n - 1, 3 * max(math.ceil(sum(node_meals) / params.box_meals),
                                   math.ceil((n - 1) / per_courier)) + 5)
        vehicles = tuple(VrptwVehicle(f"{sid}-{k + 1}", 0, params.box_meals,
                                      shift_s=(ready, math.inf)) for k in range(n_veh))
        names = ("canteen",) + tuple(f"{pid[i]}#{k}"
                                     for k, i in enumerate(node_pt))
        prob = VrptwProblem(travel_time_s=tt, distance_m=dist, demand=demand,
                            time_window_s=tw, service_s=service, vehicles=vehicles,
                            node_names=names, name=f"lunch {sid}")
        budget = min(params.rounds_time_limit_s, max(0.05, ROUND_SECONDS_PER_STOP * (n - 1)))
        res = solve_vrptw(prob, objective="vehicles_then_distance",
                          deterministic=params.rounds_deterministic,
                          first_solution_strategies=ROUND_FIRST_SOLUTIONS,
                          solution_limit=params.rounds_solution_limit, seed=params.seed,
                          time_limit_s=budget, polish_share=0.0)
        viol = check_vrptw(prob, res)
        latest = 0.0
        for r_i, r in enumerate(res.routes):
            seq = []
            for stp in r.stops:
                if stp.kind != "customer":
                    continue
                i = node_pt[stp.node - 1]
                mins = (stp.start_s - ready) / 60.0
                latest = max(latest, mins)
                seq.append(pid[i])
                stops.append({"site_id": sid, "courier": r_i + 1, "seq": len(seq),
                              "point_id": pid[i],
                              "village_name_zh": vname[i],
                              "meals": int(node_meals[stp.node - 1]), "arrive": hhmm(stp.start_s),
                              "minutes_from_kitchen": round(mins, 1)})
            dep, ret = r.stops[0].departure_s, r.stops[-1].arrival_s
            routes.append({"site_id": sid, "courier": r_i + 1, "stops": len(seq),
                           "meals": int(r.load), "depart": hhmm(dep), "return": hhmm(ret),
                           "duration_min": round((ret - dep) / 60.0, 1),
                           "distance_km": round(r.distance_m / 1000.0, 2),
                           "latest_delivery_min": round(max(
                               ((x.start_s - ready) / 60.0 for x in r.stops
                                if x.kind == "customer"), default=0.0), 1),
                           "sequence": " ".join(seq)})
        for u in res.unserved:
            i = node_pt[u.node - 1]
            unserved.append({"site_id": sid, "point_id": pid[i],
                             "village_name_zh": vname[i],
                             "meals": int(node_meals[u.node - 1]),
                             "reason": _vrptw_reason(u.reason.value), "detail": u.detail})
        row.update(couriers=int(res.vehicles_used), meals_delivered=int(sum(r.load for r in
                                                                            res.routes)),
                   points_unserved=len({node_pt[u.node - 1] for u in res.unserved} | short),
                   status=res.status.value, distance_km=round(res.distance_m / 1000.0, 2),
                   latest_delivery_min=round(latest, 1), checker_violations=len(viol))
        by_c.append(row)
    un = pd.DataFrame(unserved, columns=["site_id", "point_id", "village_name_zh", "meals",
                                         "reason", "detail"])
    un.insert(5, "reason_zh", [ROUND_REASONS.get(r, (r, r))[0] for r in un["reason"]])
    un.insert(6, "reason_en", [ROUND_REASONS.get(r, (r, r))[1] for r in un["reason"]])
    return RoundsResult(
        by_canteen=pd.DataFrame(by_c, columns=["site_id", "name_zh", "delivers", "meals", "stops",
                                               "couriers", "meals_delivered", "points_unserved",
                                               "status", "distance_km", "latest_delivery_min",
                                               "checker_violations"]),
        routes=pd.DataFrame(routes, columns=["site_id", "courier", "stops", "meals", "depart",
                                             "return", "duration_min", "distance_km",
                                             "latest_delivery_min", "sequence"]),
        stops=pd.DataFrame(stops, columns=["site_id", "courier", "seq", "point_id",
                                           "village_name_zh", "meals", "arrive",
                                           "minutes_from_kitchen"]),
        unserved=un)


# --------------------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class MealsResult:
    """Everything the meal-delivery service produced for one scenario.

    Attributes
    ----------
    params
        The parameters used.
    inputs
        The validated inputs.
    matrix
        The site -> point travel-time matrix.
    points
        :func:`coverage` output (one row per demand point).
    canteens
        :func:`canteen_utilisation` output.
    siting
        The recommendation, or ``None`` (``siting_model="none"``).
    rounds
        The delivery rounds, or ``None`` (``rounds=False``).
    notes
        Labels outputs must carry (approximate roads, synthetic data, assumptions).
    """

    params: MealsParams
    inputs: MealsInputs
    matrix: MealsMatrix
    points: pd.DataFrame
    canteens: pd.DataFrame
    siting: SitingRecommendation | None
    rounds: RoundsResult | None
    notes: tuple[str, ...] = ()

    @property
    def kpis(self) -> dict[str, Any]:
        """Headline figures (JSON-serialisable)."""
        p = self.points
        tot = float(p["elderly"].sum())
        cov = float(p.loc[p["covered"], "elderly"].sum())
        out: dict[str, Any] = {
            "demand_level": self.inputs.demand_level, "demand_points": len(p),
            "elderly_total": round(tot, 1), "elderly_covered": round(cov, 1),
            "covered_pct": round(100.0 * cov / tot, 2) if tot else 0.0,
            "threshold_min": self.params.threshold_min,
            "delivery_mode": self.params.delivery_mode,
            "open_canteens": int(self.matrix.sites["open"].sum()),
            "canteens_over_capacity": int(self.canteens["over_capacity"].sum()),
            "meals_per_day_within_threshold": round(float(self.canteens["meals_per_day"].sum()), 1),
            "capacity_meals_per_day": round(float(
                self.canteens["capacity_meals_per_day"].sum()), 1),
        }
        for s in ("BEYOND_THRESHOLD", "NO_CANTEEN_ON_ISLAND", "UNREACHABLE"):
            out[f"elderly_{s.lower()}"] = round(float(p.loc[p["status"] == s, "elderly"].sum()), 1)
        if self.siting is not None:
            out.update(siting_model=self.siting.model, siting_status=self.siting.status,
                       siting_gap=self.siting.gap, new_sites=list(self.siting.new_sites),
                       covered_pct_after_siting=round(100.0 * self.siting.covered_after / tot, 2)
                       if tot else 0.0)
        if self.rounds is not None:
            b = self.rounds.by_canteen
            out.update(couriers=int(b["couriers"].sum()), meals_to_deliver=int(b["meals"].sum()),
                       meals_delivered=int(b["meals_delivered"].sum()),
                       round_points_unserved=len(self.rounds.unserved),
                       meals_undelivered_by_reason={
                           str(k): int(v) for k, v in
                           self.rounds.unserved.groupby("reason")["meals"].sum().items()})
        return out

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The publishable tables (aggregates and synthetic points; no personal data).

        Returns
        -------
        dict
            ``coverage_points``, ``by_village``, ``by_town``, ``by_island``, ``canteens``,
            ``siting``, ``siting_uncoverable``, ``rounds``, ``round_routes``, ``round_stops``,
            ``round_unserved`` (siting/rounds frames empty when not run).
        """
        p = self.points
        out = {
            "coverage_points": p,
            "by_village": summarise(p, ["village_code", "village_name_zh", "town_name",
                                        "island_id"]),
            "by_town": summarise(p, ["town_code", "town_name"]),
            "by_island": summarise(p, ["island_id", "island_name_zh"]),
            "canteens": self.canteens,
        }
        out["siting"] = self.siting.table if self.siting else pd.DataFrame()
        out["siting_uncoverable"] = self.siting.uncoverable if self.siting else pd.DataFrame()
        r = self.rounds
        out["rounds"] = r.by_canteen if r else pd.DataFrame()
        out["round_routes"] = r.routes if r else pd.DataFrame()
        out["round_stops"] = r.stops if r else pd.DataFrame()
        out["round_unserved"] = r.unserved if r else pd.DataFrame()
        return out


def plan_meals(inputs: MealsInputs, G: nx.MultiDiGraph, *, params: MealsParams | None = None,
               islands: gpd.GeoDataFrame | None = None,
               notes: Sequence[str] = ()) -> MealsResult:
    """Run the meal-delivery service: matrix, coverage, utilisation, siting and rounds.

    This is the one entry point for a scenario run::

        params = MealsParams.from_section(scenario.meals, solver=scenario.solver)
        inputs = load_meals_inputs(sec.elderly, sec.canteens, sec.candidates,
                                   demand_level=params.demand_level, islands=net.islands)
        result = plan_meals(inputs, net.G, params=params, islands=net.islands, notes=net.notes)
        write_meals_outputs(result, out_dir / "meals")

    Parameters
    ----------
    inputs
        From :func:`load_meals_inputs`.
    G
        Network (EPSG:32651); only land edges are used.
    params
        Default :class:`MealsParams()`.
    islands
        Island polygons (snapping); default the embedded Putuo islands.
    notes
        Labels to carry (e.g. ``Network.notes``).

    Returns
    -------
    MealsResult

    Raises
    ------
    optimizer.errors.InputError
        On bad parameters or data (e.g. an unknown ``open_candidates`` id).
    """
    params = params or MealsParams()
    mm = meals_matrix(inputs, G, params=params, islands=islands)
    pts = coverage(inputs, mm, params=params)
    can = canteen_utilisation(pts, mm, params=params)
    rec = recommend_sites(inputs, mm, params=params)
    rounds = delivery_rounds(inputs, mm, pts, G, params=params, islands=islands) \
        if params.rounds else None
    all_notes = list(notes)
    all_notes.append(f"送餐时间为陆路时间（不乘渡轮）Land travel times by {params.delivery_mode}, "
                     "couriers do not take ferries")
    all_notes.append(f"用餐率假设 {params.uptake_share:.1%} Meal uptake share assumption "
                     f"{params.uptake_share:.1%} of residents aged 60+")
    if inputs.demand_level == "points":
        all_notes.append("需求点为村内合成分布点 Demand points are synthetic points around each "
                         "village (not homes)")
    return MealsResult(params=params, inputs=inputs, matrix=mm, points=pts, canteens=can,
                       siting=rec, rounds=rounds, notes=tuple(dict.fromkeys(all_notes)))


def write_meals_outputs(result: MealsResult, out_dir: str | Path) -> list[Path]:
    """Write the meal tables (CSV, UTF-8 with BOM for Excel) and the coverage points (GeoJSON).

    Parameters
    ----------
    result
        From :func:`plan_meals`.
    out_dir
        Folder (created). Files: ``<frame>.csv`` for every :meth:`MealsResult.to_frames` table and
        ``coverage_points.geojson`` (EPSG:4326, one point per demand point with its status).

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    optimizer.errors.PrivacyError
        If a table would carry a column that looks personal (guard; none does by construction).
    """
    from optimizer.outputs.maps import assert_publishable

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in result.to_frames().items():
        assert_publishable(df, layer=name)
        path = out / f"{name}.csv"
        df.to_csv(path, index=False, encoding="utf-8-sig")
        written.append(path)
    p = result.points
    gdf = gpd.GeoDataFrame(p.drop(columns=["detail"]),
                           geometry=gpd.points_from_xy(p["lon"], p["lat"]), crs=WGS84)
    path = out / "coverage_points.geojson"
    path.write_text(gdf.to_json(ensure_ascii=False, drop_id=True), encoding="utf-8")
    written.append(path)
    return written
