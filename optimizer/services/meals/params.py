"""Parameters of the meal-delivery service (scenario section ``meals:``), defined once.

:class:`MealsParams` is both the Python API's parameter object and the scenario schema's
``meals:`` section, so an empty section equals ``MealsParams()``. Solver limits (time limit,
seed, workers, work or wall-clock stopping) are not here: they come from the scenario's
``solver:`` section (:class:`optimizer.solvers.params.SolverParams`) through the plan context.

The defaults below are those of the Putuo baseline; every constant names its source.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from optimizer.io.coords import WGS84_NAME, CoordSystem
from optimizer.params import ClockS, clock_s, params

__all__ = [
    "COURIER_BOX_MEALS",
    "DEFAULT_FILES",
    "DEMAND_LEVELS",
    "FRESHNESS_MIN",
    "MEAL_UPTAKE_SHARE",
    "SERVICE_MIN_PER_STOP",
    "SITING_MODELS",
    "MealsParams",
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

SITING_MODELS = ("mclp", "lscp", "pmedian", "none")
"""Siting models: maximal covering, set covering, p-median, or no siting."""

DEFAULT_FILES = {
    "points": "synthetic/elderly_points.csv",
    "villages": "synthetic/elderly.csv",
    "canteens": "synthetic/canteens.csv",
    "candidates": "synthetic/candidate_sites.csv",
}
"""Default data files, relative to the dataset folder (``data/geo/putuo``): the demand file by
``demand_level``, the canteens and the candidate sites."""


@params
class MealsParams:
    """Parameters of the meal-delivery service (the scenario's ``meals:`` section).

    Parameters
    ----------
    enabled
        Run the service.
    elderly
        Demand file (points or villages, see :func:`~optimizer.services.meals.load_meals_inputs`);
        ``None`` = the dataset's :data:`DEFAULT_FILES` entry for ``demand_level``.
    canteens
        Existing canteens; ``None`` = ``synthetic/canteens.csv`` of the dataset.
    candidates
        Candidate sites; ``None`` = ``synthetic/candidate_sites.csv`` of the dataset.
    delivery_mode
        Courier travel mode: ``"ebike"`` (default), ``"car"`` or ``"walk"``.
    delivery_time
        Kitchen-ready time of the lunch round, seconds after midnight (``"11:00"`` in YAML =
        39600).
    threshold_min
        Coverage threshold in minutes (> 0; 15 = 15分钟助餐配送圈).
    demand_scale
        Multiplies every resident count (> 0; 1.1 = the +10 % scenario).
    open_candidates
        Candidate site ids opened as canteens (the "new canteens" scenario).
    siting_model
        One of :data:`SITING_MODELS`; default ``"mclp"``.
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
        Meals per courier round (integer >= 1); default :data:`COURIER_BOX_MEALS`.
    service_min
        Minutes per stop (>= 0); default :data:`SERVICE_MIN_PER_STOP`.
    siting_capacitated
        Apply canteen capacities in siting (capacity / uptake share = residents served); default
        False (coverage is about access; utilisation is reported separately).
    siting_assignment
        With ``siting_capacitated``: ``"split"`` (a point's meals may come from several
        kitchens; default) or ``"single"`` (one kitchen serves a point whole). Single-source: a
        point needing more meals than the largest kitchen within reach is listed
        ``DEMAND_OVER_CAPACITY`` and everything else is still planned.
    max_alternatives
        Equal-value alternative site sets to look for after a proved optimum (>= 0). They are
        listed in a fixed order (fewest new sites, then site ids), after the recommended set.
    rounds
        Plan the delivery rounds.
    rounds_respect_capacity
        A canteen delivers at most its ``capacity_meals_per_day`` (the kitchen cannot cook
        more): its nearest subscribers first, the rest listed ``OVER_CANTEEN_CAPACITY``
        (default True). False plans rounds for every subscriber (the demand a larger kitchen
        would face).
    coord_system
        Coordinate system of the files this section names (``elderly``, ``canteens``,
        ``candidates``): ``"WGS-84"`` (default), ``"GCJ-02"`` (Amap/高德) or ``"BD-09"``
        (Baidu); converted to WGS-84 on read (:mod:`optimizer.io.coords`). A ``coord_system``
        column in a file overrides it row by row; the dataset's own files are WGS-84.
    coverage_mode
        ``"network"`` (default): covered = within ``threshold_min`` of courier travel on the
        roads. ``"straight_line"``: covered = within ``radius_m`` metres as the crow flies
        (measured in the UTM zone of the study area), for analysts comparing with a buffer
        analysis; siting and the summary use it, the rounds still drive on the roads.
    radius_m
        Straight-line coverage radius, metres (> 0); required with ``coverage_mode:
        straight_line``.
    rounds_time_limit_s
        Search budget of one canteen's lunch round, seconds (> 0; default 2, the value the
        baseline runs with). Each canteen gets ``min(rounds_time_limit_s,
        ROUND_SECONDS_PER_STOP x stops)`` (:mod:`optimizer.services.meals.rounds`).

    Raises
    ------
    pydantic.ValidationError
        (a :class:`ValueError`) naming every bad field: an unknown mode, model or level, a
        threshold, scale, freshness limit or budget that is not a positive finite number, an
        uptake share outside (0, 1], a negative service time, count of new sites or
        alternatives, a box of fewer than one meal, one string instead of a list of ids.

    Examples
    --------
    >>> MealsParams().threshold_s
    900.0
    >>> MealsParams(delivery_time="11:30").delivery_time
    41400
    """

    enabled: bool = True
    elderly: Path | None = None
    canteens: Path | None = None
    candidates: Path | None = None
    delivery_mode: Literal["ebike", "car", "walk"] = "ebike"
    delivery_time: ClockS = clock_s("11:00")
    threshold_min: float = Field(default=15.0, gt=0, allow_inf_nan=False)
    demand_scale: float = Field(default=1.0, gt=0, allow_inf_nan=False)
    open_candidates: tuple[str, ...] = ()
    siting_model: Literal["mclp", "lscp", "pmedian", "none"] = "mclp"
    new_sites: int = Field(default=2, ge=0)
    demand_level: Literal["points", "villages"] = "points"
    uptake_share: float = Field(default=MEAL_UPTAKE_SHARE, gt=0, le=1, allow_inf_nan=False)
    freshness_min: float = Field(default=FRESHNESS_MIN, gt=0, allow_inf_nan=False)
    box_meals: int = Field(default=COURIER_BOX_MEALS, ge=1)
    service_min: float = Field(default=SERVICE_MIN_PER_STOP, ge=0, allow_inf_nan=False)
    siting_capacitated: bool = False
    siting_assignment: Literal["split", "single"] = "split"
    max_alternatives: int = Field(default=5, ge=0)
    rounds: bool = True
    rounds_respect_capacity: bool = True
    rounds_time_limit_s: float = Field(default=2.0, gt=0, allow_inf_nan=False)
    coord_system: CoordSystem = WGS84_NAME
    coverage_mode: Literal["network", "straight_line"] = "network"
    radius_m: float | None = Field(default=None, gt=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _radius_given(self) -> MealsParams:
        if self.coverage_mode == "straight_line" and self.radius_m is None:
            raise ValueError("coverage_mode 'straight_line' needs radius_m (metres, e.g. "
                             "radius_m: 1000)")
        return self

    def coord_systems(self) -> dict[str, str]:
        """Coordinate system of each input file: ``coord_system`` for the files this section
        names, WGS-84 for the dataset's defaults (``{"elderly": …, "canteens": …,
        "candidates": …}``)."""
        given = {"elderly": self.elderly, "canteens": self.canteens,
                 "candidates": self.candidates}
        return {k: self.coord_system if v is not None else WGS84_NAME for k, v in given.items()}

    @property
    def threshold_s(self) -> float:
        """Coverage threshold in seconds."""
        return float(self.threshold_min) * 60.0

    def data_files(self, dataset: Path) -> dict[str, Path]:
        """The three input files: the given paths, else the defaults under ``dataset``.

        Parameters
        ----------
        dataset
            Dataset folder (``data/geo/putuo`` for the embedded data).

        Returns
        -------
        dict
            ``{"elderly": path, "canteens": path, "candidates": path}``.
        """
        root = Path(dataset)
        given = {"elderly": self.elderly, "canteens": self.canteens,
                 "candidates": self.candidates}
        default = {"elderly": DEFAULT_FILES[self.demand_level],
                   "canteens": DEFAULT_FILES["canteens"],
                   "candidates": DEFAULT_FILES["candidates"]}
        return {k: Path(v) if v is not None else root / default[k] for k, v in given.items()}
