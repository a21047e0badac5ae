"""The KPI label catalogue: what each key figure of a run is called, in Chinese and English.

One place for the labels a person reads beside a KPI: ``summary.md``, ``index.html``
(:mod:`optimizer.outputs.report`) and the dialysis summaries (:mod:`optimizer.outputs.sheets`)
use :func:`kpi_label` / :data:`KPI_LABELS`. ``summary.json`` keeps the keys (machine-readable).

Each entry is ``key -> (Chinese, English, unit)``; ``unit`` is ``"min"`` (minutes), ``"%"``,
``"km²"``, ``"m"`` or ``""``. The keys are those the steps write (``network`` from
:func:`optimizer.scenario.run.network_kpis`, ``connectivity``, ``dialysis`` and ``meals`` from
their services' ``kpis``); tests/test_report_labels.py checks that every KPI of the baseline run
has a label.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["DIALYSIS_KPI_LABELS", "DIALYSIS_WEEK_KPI_LABELS", "FLATS_KPI_LABELS", "KPI_LABELS",
           "STEP_LABELS", "kpi_label", "step_label"]

DIALYSIS_KPI_LABELS: dict[str, tuple[str, str, str]] = {
    "vehicles_used": ("使用车辆", "Vehicles used", ""),
    "total_driving_time_min": ("总行驶时间", "Total driving time", "min"),
    "max_leg_ride_time_min": ("单段最长乘车时间", "Longest ride in a vehicle (one leg)", "min"),
    "max_ride_time_limit_min": ("每段乘车时间上限", "Ride time limit per leg", "min"),
    "mean_trip_duration_min": ("平均门到门行程时间（含渡轮和候船）",
                               "Mean door-to-door trip time (ferry and waits included)", "min"),
    "max_trip_duration_min": ("最长门到门行程时间（含渡轮和候船）",
                              "Longest door-to-door trip time (ferry and waits included)", "min"),
    "mean_wait_at_unit_min": ("在透析中心平均等候", "Mean wait at the unit", "min"),
    "ferry_crossings": ("渡轮过海人次", "Ferry crossings", ""),
    "sessions": ("透析人次", "Sessions", ""),
    "trips": ("行程总数", "Trips", ""),
    "trips_served": ("已安排行程", "Trips served", ""),
    "trips_unserved": ("未安排行程", "Trips unserved", ""),
    "trips_no_transport_needed": ("无需接送的行程（上下车同一地点）",
                                  "Trips needing no transport (same place)", ""),
    "patients_not_enrolled_today": ("今日未登记接送的患者（自行前往）",
                                    "Patients today not enrolled (travel on their own)", ""),
    "vehicle_hours": ("车辆出车时数", "Vehicle-hours (base to base)", ""),
    "trips_per_vehicle_hour": ("每车时行程数", "Trips per vehicle-hour", ""),
    "on_time_pct": ("准时到达透析中心比例（开始前到达，%）",
                    "On-time rate (at the unit before the session starts, %)", ""),
    "mean_leg_ride_time_min": ("单段平均乘车时间", "Mean ride time in a vehicle (one leg)",
                               "min"),
    "p90_leg_ride_time_min": ("单段乘车时间第90百分位", "90th percentile ride time (one leg)",
                              "min"),
    "mean_excess_ride_time_min": ("平均绕行与等候（比直达多出的乘车时间）",
                                  "Mean excess ride time over the direct trip", "min"),
    "deadhead_pct": ("空驶比例（空车行驶/总行驶，%）",
                     "Deadhead share (empty driving / driving, %)", ""),
    "unserved_by_reason": ("未安排行程（按原因）", "Trips unserved, by reason", ""),
    "checker_violations": ("方案校验发现的问题", "Problems the plan checker found", ""),
}
"""Labels of the dialysis plan's KPIs (``DialysisPlan.kpis``), in the order the dialysis
summaries print them first. The trip time is door to door, from first pickup to last drop-off
(ferry crossing and waits at the pier included); the ride time is one vehicle leg, from leaving
the pickup to the drop-off, the quantity held to the per-leg limit; the wait at the unit is from
the outbound drop-off to the session start."""

NETWORK_KPI_LABELS: dict[str, tuple[str, str, str]] = {
    "nodes": ("路网节点数", "Road network nodes", ""),
    "edges": ("路网路段数", "Road network edges", ""),
    "road_source": ("道路数据来源", "Road data source", ""),
    "approximate_roads": ("近似路网", "Approximate roads", ""),
    "sailings_today": ("当日航班数", "Sailings on the day", ""),
    "sailings_suspended": ("停航航班数", "Sailings suspended", ""),
    "sailings_estimated": ("时刻为估计的航班数", "Sailings with estimated times", ""),
}
"""Labels of :func:`optimizer.scenario.run.network_kpis`."""

CONNECTIVITY_KPI_LABELS: dict[str, tuple[str, str, str]] = {
    "routes_not_running": ("当日不运行的航线", "Ferry routes not running on the day", ""),
    "islands_with_routes_not_running": ("有航线不运行的岛屿", "Islands with a route not running",
                                        ""),
    "islands_named": ("有名称的岛屿数", "Named islands", ""),
    "islands_reachable": ("可到达的岛屿数", "Islands reachable", ""),
    "islands_unreachable": ("无法到达的岛屿", "Islands not reachable", ""),
    "journeys_to_unit_reachable": ("能到达透析中心的岛屿数", "Islands with a journey to the unit",
                                   ""),
    "isochrone_area_km2": ("等时圈面积（分钟: 平方公里）", "Isochrone area (minutes: km²)", "km²"),
}
"""Labels of the connectivity step's KPIs."""

MEALS_KPI_LABELS: dict[str, tuple[str, str, str]] = {
    "demand_level": ("需求点层级", "Demand level", ""),
    "demand_points": ("需求点数", "Demand points", ""),
    "elderly_total": ("老年人口（60岁以上）", "Residents aged 60+", ""),
    "elderly_covered": ("时限内有食堂的老年人", "Residents 60+ within the threshold", ""),
    "covered_pct": ("覆盖率", "Covered", "%"),
    "threshold_min": ("配送时限", "Delivery threshold", "min"),
    "delivery_mode": ("配送方式", "Delivery mode", ""),
    "coverage_mode": ("覆盖计算方式", "Coverage measured by", ""),
    "coverage_radius_m": ("覆盖半径", "Coverage radius", "m"),
    "open_canteens": ("已开食堂", "Open canteens", ""),
    "canteens_over_capacity": ("超出供餐能力的食堂", "Canteens over capacity", ""),
    "meals_per_day_within_threshold": ("时限内每日需求餐数", "Meals a day within the threshold",
                                       ""),
    "capacity_meals_per_day": ("每日供餐能力", "Meals a day the canteens can cook", ""),
    "elderly_beyond_threshold": ("最近食堂超出时限的老年人", "Residents 60+ beyond the threshold",
                                 ""),
    "elderly_no_canteen_on_island": ("本岛无食堂的老年人", "Residents 60+ with no canteen on "
                                     "their island", ""),
    "elderly_unreachable": ("无陆路可达的老年人", "Residents 60+ with no land path", ""),
    "siting_model": ("选址模型", "Siting model", ""),
    "siting_status": ("选址求解状态", "Siting status", ""),
    "siting_gap": ("选址最优性差距", "Siting optimality gap", ""),
    "new_sites": ("建议新址", "Recommended new sites", ""),
    "covered_pct_after_siting": ("选址后覆盖率", "Covered after siting", "%"),
    "couriers": ("送餐员", "Couriers", ""),
    "meals_to_deliver": ("待配送餐数", "Meals to deliver", ""),
    "meals_delivered": ("已配送餐数", "Meals delivered", ""),
    "round_points_unserved": ("未配送的订餐点", "Subscriber points not delivered", ""),
    "meals_undelivered_by_reason": ("未配送餐数（按原因）", "Meals not delivered, by reason", ""),
}
"""Labels of :attr:`optimizer.services.meals.MealsResult.kpis`."""

FLEET_KPI_LABELS: dict[str, tuple[str, str, str]] = {
    "fleet_sizing": ("车队规模测算", "Fleet sizing", ""),
    "fleet_sizing_answer": ("车队规模结论", "Fleet sizing answer", ""),
    "vehicles_to_add": ("需增加车辆", "Vehicles to add", ""),
    "wheelchair_vehicles_to_add": ("其中带轮椅位", "... of which with wheelchair places", ""),
    "by_type": ("按车型、岛屿和班次", "By type, island and shift", ""),
    "trips_servable": ("可服务的行程", "Trips some vehicle could serve", ""),
    "trips_not_servable_by_any_vehicle": ("任何车辆都无法服务的行程",
                                          "Trips no vehicle can serve", ""),
    "not_servable_by_reason": ("无法服务的原因", "Not servable, by reason", ""),
    "trips_served_with_added": ("增车后已安排行程", "Trips served with the added vehicles", ""),
    "trips_servable_unserved": ("增车后仍未安排的可服务行程",
                                "Servable trips still unserved after adding", ""),
    "curve_from_pool_plan": ("曲线取自候选车队方案（大规模日，分块求解，未逐步重解）",
                             "Curve read from the pool plan (large day solved in parts, no "
                             "step re-solves)", ""),
}
"""Labels of the fleet-sizing block (``dialysis.fleet_sizing``,
:mod:`optimizer.services.dialysis.fleet`) and of its nested keys."""

VISITS_KPI_LABELS: dict[str, tuple[str, str, str]] = {
    "households": ("困难家庭户数", "Needy households", ""),
    "handoffs": ("转交居住地办事处的户数（人户分离）",
                 "Households handed to the office where they live", ""),
    "handoffs_crossing_islands": ("其中住在户籍地办事处以外岛屿的户数",
                                  "... of which living on another island", ""),
    "handoffs_by_ferry": ("其中两办事处间需乘渡轮的户数",
                          "... of which the two offices are joined only by ferry", ""),
    "offices": ("街道/镇办事处", "Town offices", ""),
    "horizon_start": ("探访计划起始日", "First day of the visit horizon", ""),
    "horizon_days": ("探访计划天数", "Days in the visit horizon", "days"),
    "households_due": ("本期应探访户数", "Households with a visit due", ""),
    "visits_required": ("本期应探访次数", "Visits required in the horizon", ""),
    "visits_planned": ("已安排探访次数", "Visits planned", ""),
    "visits_unplanned": ("未能安排的探访次数（见原因表）", "Visits not planned (see reasons)", ""),
    "households_unvisited": ("未能探访户数（见原因表）", "Households not visited (see reasons)", ""),
    "households_overdue": ("本期末逾期未访户数", "Households overdue at the horizon's end", ""),
    "workers": ("探访工作人员", "Visiting workers", ""),
    "worker_days": ("出访人日", "Worker-days out visiting", ""),
    "visits_by_stand_in": ("为均衡工作量由同办事处其他人员代访的次数",
                           "Visits by another worker of the office (days lent to balance)", ""),
    "visits_per_worker_day": ("每人日探访次数", "Visits per worker-day", ""),
    "travel_share": ("路途时间占比", "Share of working time spent travelling", "%"),
    "travel_hours": ("路途总时间", "Travel time in all", "h"),
    "travel_lower_bound_min": ("路途时间下界", "Lower bound on travel time", "min"),
    "travel_gap_pct": ("与下界的差距", "Gap to the lower bound", "%"),
}
# ``ferry_crossings`` (sailings the visiting workers board) shares the dialysis label
# ("渡轮过海人次 Ferry crossings": person-crossings); keys are unique across the steps.
"""Labels of :attr:`optimizer.services.visits.handoff.HandoffResult.kpis`."""

FLATS_KPI_LABELS: dict[str, tuple[str, str, str]] = {
    "flats": ("透析中心附近的公寓", "Flats near the unit", ""),
    "places": ("可入住人数", "Places in the flats", ""),
    "candidates": ("候选患者（海岛、可节省）", "Candidate patients (island, with a saving)", ""),
    "offered": ("建议入住公寓的患者", "Patients offered a flat", ""),
    "offered_wheelchair": ("其中轮椅使用者", "... of which wheelchair users", ""),
    "offered_with_session_today": ("其中当日有透析的", "... of which with a session on the day",
                                   ""),
    "not_chosen_tied": ("未入选但节省与入选者最低值相同的患者（按编号取舍）",
                        "Left out with a saving equal to the lowest offered (ids decided)", ""),
    "status": ("公寓分配求解状态", "Status of the flats choice", ""),
    "objective_weighted_h": ("每周减少的加权负担（小时）", "Weighted weekly burden saved (h)", ""),
    "bound_weighted_h": ("其证明上界（小时）", "... its proved bound (h)", ""),
    "tie_break": ("并列时的取舍", "Tie-break among equal choices", ""),
    "weekly_ride_hours_saved": ("每周减少的患者出行小时", "Patient travel hours saved a week", ""),
    "weekly_vehicle_hours_saved": ("每周减少的车辆小时（直达各段）",
                                   "Vehicle-hours saved a week (direct legs)", ""),
    "trips_served_before": ("当日已安排行程（入住前）", "Trips served on the day, before", ""),
    "trips_served_after": ("当日已安排行程（入住后）", "Trips served on the day, after", ""),
    "trips_unserved_before": ("当日未安排行程（入住前）", "Trips unserved on the day, before", ""),
    "trips_unserved_after": ("当日未安排行程（入住后）", "Trips unserved on the day, after", ""),
    "trips_no_transport_needed_before": ("无需接送的行程（入住前）",
                                         "Trips needing no transport, before", ""),
    "trips_no_transport_needed_after": ("无需接送的行程（入住后）",
                                        "Trips needing no transport, after", ""),
    "vehicles_used_before": ("使用车辆（入住前）", "Vehicles used, before", ""),
    "vehicles_used_after": ("使用车辆（入住后）", "Vehicles used, after", ""),
    "driving_time_min_before": ("总行驶时间（入住前）", "Driving time, before", "min"),
    "driving_time_min_after": ("总行驶时间（入住后）", "Driving time, after", "min"),
    "vehicle_hours_before": ("车辆出车时数（入住前）", "Vehicle-hours, before", ""),
    "vehicle_hours_after": ("车辆出车时数（入住后）", "Vehicle-hours, after", ""),
}
"""Labels of :attr:`optimizer.services.flats.FlatsPlan.kpis` (before/after: the day plan
without and with the offered patients living in the flats)."""

DIALYSIS_WEEK_KPI_LABELS: dict[str, tuple[str, str, str]] = {
    "days": ("计划天数", "Days planned", ""),
    "trips_excepted": ("因例外取消的行程（取消、住院、节假日）",
                       "Trips taken out by exceptions (cancelled, hospital, holiday)", ""),
    "trips_lost_to_week_rules": ("因周规则（同一司机、稳定时间、周工时）少安排的行程",
                                 "Trips not served because of the week rules (driver, times, "
                                 "weekly hours)", ""),
    "same_driver_share": ("由常用司机接送的行程段比例（%）",
                          "Legs driven by the patient's usual driver (%)", ""),
    "pickup_spread_max_min": ("同一患者本周接车时间最大差", "Largest spread of a patient's "
                              "pickup times over the week", "min"),
    "spreads_over_limit": ("接车时间差超过上限的患者（按方向）",
                           "Patients (per direction) whose pickup times spread over the limit",
                           ""),
    "max_vehicle_week_hours": ("单车本周最长出车时数", "Most hours of one vehicle in the week",
                               ""),
    "vehicles_over_weekly_hours": ("超过周工时上限的车辆", "Vehicles over their weekly hours",
                                   ""),
    "on_time_rate": ("准时到达透析中心比例（%）",
                     "On-time rate (at the unit before the session starts, %)", ""),
    "per_day": ("每天", "Each day", ""),
    "vehicles_to_serve_all": ("本周需增加车辆（每天出车）",
                              "Vehicles to add for the week (working every day)", ""),
    "wheelchair_vehicles_to_serve_all": ("其中带轮椅位（本周）",
                                         "... of which with wheelchair places (week)", ""),
    "fleet_sizing_week": ("本周车队规模测算", "Fleet sizing of the week", ""),
    "fleet_sizing_week_answer": ("本周车队规模结论", "Fleet sizing answer, week", ""),
    "vehicles_to_add_by_day": ("逐日单独测算需增加车辆", "Vehicles to add, each day alone", ""),
    "vehicles_to_add_sum_of_days": ("逐日单独测算合计", "Vehicles to add, sum of the days alone",
                                    ""),
}
"""Labels of the dialysis week's KPIs (:mod:`optimizer.services.dialysis_week.kpis`); the trip
counts, vehicle-hours and trips per vehicle-hour share the day plan's labels."""

KPI_LABELS: dict[str, tuple[str, str, str]] = {
    **NETWORK_KPI_LABELS, **CONNECTIVITY_KPI_LABELS, **DIALYSIS_KPI_LABELS, **MEALS_KPI_LABELS,
    **FLEET_KPI_LABELS, **VISITS_KPI_LABELS, **DIALYSIS_WEEK_KPI_LABELS,
    **FLATS_KPI_LABELS}
"""Every KPI label: key -> (Chinese, English, unit). Keys are unique across the steps."""

STEP_LABELS: dict[str, tuple[str, str]] = {
    "network": ("路网与航班", "Network"),
    "connectivity": ("岛屿连通", "Island links"),
    "dialysis": ("透析接送", "Dialysis rides"),
    "dialysis_week": ("透析接送周计划", "Dialysis week"),
    "meals": ("助餐", "Meals"),
    "visits": ("困难家庭探访", "Home visits"),
    "flats": ("透析公寓", "Flats near the unit"),
}
"""Names of the steps of a run (the ``kpis`` blocks of ``summary.json``)."""


def _text(pair: tuple[str, str], languages: Sequence[str]) -> str:
    return " ".join(pair[("zh", "en").index(x)] for x in languages if pair[("zh", "en").index(x)])


def kpi_label(key: str, languages: Sequence[str] = ("zh", "en"),
              labels: Mapping[str, tuple[str, str, str]] = KPI_LABELS) -> str:
    """The label of a KPI in ``languages`` (``"覆盖率 Covered"``); the key itself when the
    catalogue has none (a KPI is never dropped for want of a label).

    >>> kpi_label("trips_unserved")
    '未安排行程 Trips unserved'
    >>> kpi_label("no_such_kpi")
    'no_such_kpi'
    """
    if key not in labels:
        return key
    zh, en, _ = labels[key]
    return _text((zh, en), languages)


def step_label(step: str, languages: Sequence[str] = ("zh", "en")) -> str:
    """The name of a run step (``"透析接送 Dialysis rides"``); the step's key when unknown."""
    return _text(STEP_LABELS[step], languages) if step in STEP_LABELS else step
