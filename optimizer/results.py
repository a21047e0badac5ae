"""One result vocabulary for every service: solve status, reasons, typed notes, search records.

Bottom layer (imports nothing of the package but :mod:`optimizer.errors`): problems, solvers,
services and outputs all speak these words, so a dispatcher reads the same reason for the same
situation whichever service reports it, and ``index.html`` can explain every code a run shows.

* :class:`SolveStatus`: the outcome of a solve or of a service's plan.
* :data:`REASONS`: the catalogue of reason codes (code, Chinese, English, one sentence a
  dispatcher understands) for everything unserved, uncovered or unvisited; :func:`reason` looks a
  code up and fails loudly on an unknown one. :func:`reasons_markdown` renders it (with the
  Chinese explanations :data:`ACTIONS_ZH`) for ``docs/data-guide.md``:
  ``python -m optimizer.results --markdown``.
* :class:`Note`: a typed label (approximate roads, estimated sailings, synthetic data, an
  assumption, a data warning, a search cut by the wall clock) instead of text matched by
  substrings.
* :class:`SearchRecord`: what limited one search (work limit, wall-clock cap, proof), for the
  manifest.

Examples
--------
>>> reason("NO_SAILING").en
'No sailing connects in time'
>>> SolveStatus.PARTIAL.produced_plan
True
>>> str(Note(NoteKind.APPROXIMATE_ROADS, "近似路网", "Approximate roads"))
'近似路网 Approximate roads'
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from optimizer.errors import InputError

__all__ = [
    "ACTIONS_ZH",
    "REASONS",
    "Note",
    "NoteKind",
    "Reason",
    "SearchRecord",
    "SolveStatus",
    "StopCause",
    "merge_notes",
    "reason",
    "reasons_markdown",
]


class SolveStatus(str, enum.Enum):
    """Outcome of a solve, or of a service's whole plan (the worst of its solves).

    ``OPTIMAL``: proved optimal (or nothing to decide). ``FEASIBLE``: a complete solution, every
    request served, optimality not proved. ``PARTIAL``: a plan exists and some requests are not
    in it (each listed with a reason). ``INFEASIBLE``: proved that no solution exists.
    ``NO_SOLUTION``: the search found no plan within its limits. ``INVALID``: the solver rejected
    the model (a defect; please report it).
    """

    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"
    PARTIAL = "PARTIAL"
    INFEASIBLE = "INFEASIBLE"
    NO_SOLUTION = "NO_SOLUTION"
    INVALID = "INVALID"

    def __str__(self) -> str:
        return self.value

    @property
    def produced_plan(self) -> bool:
        """True when there is a plan to use (``OPTIMAL``, ``FEASIBLE`` or ``PARTIAL``)."""
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE, SolveStatus.PARTIAL)

    @property
    def text(self) -> tuple[str, str]:
        """(Chinese, English) sentence for reports."""
        return _STATUS_TEXT[self]

    @classmethod
    def worst(cls, statuses: Iterable[SolveStatus]) -> SolveStatus:
        """The least favourable of ``statuses`` (order: OPTIMAL < FEASIBLE < PARTIAL <
        INFEASIBLE < NO_SOLUTION < INVALID); ``OPTIMAL`` for none."""
        order = list(cls)
        return max(statuses, key=order.index, default=cls.OPTIMAL)


_STATUS_TEXT = {
    SolveStatus.OPTIMAL: ("已证明最优（或无需决策）", "Proved optimal (or nothing to decide)"),
    SolveStatus.FEASIBLE: ("全部安排，未证明最优", "Everything served; optimality not proved"),
    SolveStatus.PARTIAL: ("已出方案，部分需求未能安排（原因见清单）",
                          "A plan was made; some requests could not be served (reasons listed)"),
    SolveStatus.INFEASIBLE: ("已证明无可行方案", "Proved that no plan exists"),
    SolveStatus.NO_SOLUTION: ("在限定时间/工作量内未找到方案",
                              "No plan was found within the search limits"),
    SolveStatus.INVALID: ("求解器拒绝了模型（程序缺陷，请报告）",
                          "The solver rejected the model (a defect; please report it)"),
}


@dataclass(frozen=True)
class Reason:
    """One entry of the reason catalogue.

    Attributes
    ----------
    code
        Stable upper-case code written in tables (``NO_SAILING``).
    zh, en
        Short label in Chinese and English.
    explanation
        One sentence a dispatcher or social worker understands: what it means and what to do.
    """

    code: str
    zh: str
    en: str
    explanation: str

    @property
    def label(self) -> str:
        """``"<zh> <en>"`` for bilingual tables."""
        return f"{self.zh} {self.en}"


def _catalogue(*rows: tuple[str, str, str, str]) -> dict[str, Reason]:
    out: dict[str, Reason] = {}
    for code, zh, en, why in rows:
        if code in out:  # pragma: no cover - guards the table below
            raise ValueError(f"duplicate reason code {code}")
        out[code] = Reason(code, zh, en, why)
    return out


REASONS: dict[str, Reason] = _catalogue(
    # ---- reaching a place (rides, meals, journeys)
    ("UNREACHABLE", "无陆路可达", "No land path",
     "No road or bridge joins the two places, and couriers and cars on land legs do not take "
     "ferries; check the point's position or add a canteen/vehicle on that island."),
    ("UNREACHABLE_ISLAND", "住址所在岛无法到达", "Home island cannot be reached",
     "No road or ferry link joins the home island to the dialysis unit on this date (or the "
     "home has no road nearby); arrange transport by other means."),
    ("NO_SAILING", "没有能按时衔接的航班", "No sailing connects in time",
     "No sailing of the day lets the patient reach the unit before the session or get home "
     "after it; check the timetable or move the session time."),
    ("NO_VEHICLE_ON_ISLAND", "该岛（一侧）没有服务车辆", "No vehicle serves this island",
     "No vehicle is based on, or allowed to drive on, the island of a leg; add a volunteer "
     "vehicle there or send a car-ferry vehicle on a dedicated run."),
    ("NO_WHEELCHAIR_PLACE", "没有带轮椅位的车辆", "No vehicle with a wheelchair place",
     "No vehicle that can serve this leg has a wheelchair place, and no wheelchair vehicle that "
     "may board the car ferry can cross with the patient in time; add one on that side."),
    ("CAR_FERRY_DECK_FULL", "汽车轮渡车位已满", "Car-ferry deck places used up",
     "Only a vehicle crossing with the patient on the car ferry could serve this trip, and the "
     "sailing already carries as many of our vehicles as the deck places allow "
     "(dialysis.car_ferry_deck_places); ask the ferry company for a place or add a vehicle "
     "with a wheelchair place on the home side."),
    ("NOT_ENOUGH_SEATS", "座位不足（含陪护）", "Not enough seats (escort included)",
     "The patient and escort need more seats than any eligible vehicle has."),
    ("RIDE_TIME", "直达行程已超过最长乘车时间", "Direct ride exceeds the maximum ride time",
     "Even a direct ride is longer than the ride-time limit; raise the limit or serve the "
     "patient another way."),
    ("TIME_WINDOW", "时间窗无法满足", "Time windows cannot be met",
     "The pickup and arrival times asked for cannot both be kept, even by a direct ride."),
    ("SHIFT_END", "班次时间不够", "No shift covers it",
     "No vehicle or courier shift is long enough to make this trip and return; extend a "
     "shift or add a driver."),
    ("CAPACITY", "车辆和时间不够同时安排", "Not enough vehicles or time together",
     "It could be served on its own, but not together with the other rides with the vehicles "
     "and hours available; add a vehicle or move a session time."),
    ("NO_TRANSPORT_NEEDED", "无需接送（上下车为同一地点）", "No transport needed",
     "The pickup and the drop-off are the same place (the patient lives at the unit): it is "
     "not a ride, no vehicle seat is held for it; check the address if this is unexpected."),
    ("CANCELLED", "已取消", "Cancelled",
     "The patient or the unit cancelled the ride on the day; the re-plan frees its seats and "
     "times (optimizer replan)."),
    ("NO_SHOW", "患者未出现", "No-show",
     "The patient was not at the pickup; the ride (and, after an outbound no-show, the ride "
     "home) is dropped from the re-plan (optimizer replan)."),
    ("SESSION_CANCELLED", "本次治疗已取消", "Session cancelled",
     "The exceptions file cancels this session: no ride is planned; remove the line if the "
     "patient does come."),
    ("HOSPITAL_STAY", "患者住院", "Patient in hospital",
     "The exceptions file says the patient is in hospital on this day: no ride is planned."),
    ("HOLIDAY", "节假日停诊", "Holiday",
     "The exceptions file marks this day a holiday for the patient (or for every patient): no "
     "session, no ride."),
    ("UNIT_INACTIVE", "所属透析中心未启用", "The patient's unit is not active",
     "The patient's dialysis unit is closed in this scenario; assign the patient to an open "
     "unit."),
    # ---- home visits (visits service)
    ("HOME_UNREACHABLE", "住址无法往返", "Home cannot be reached and left in a day",
     "The home has no road nearby, or no road joins it to the office, or a visit there and "
     "back does not fit a working day; check the address or the office's hours."),
    ("VISIT_NO_SAILING", "无当天往返的航班", "No sailing there and back in a working day",
     "On no working day of the horizon do the sailings let a worker reach the home from the "
     "office after the start of work and be back by its end; plan a longer day or a visit by "
     "the island's own staff."),
    ("OFFICE_CAPACITY", "办事处人手不足", "Not enough workers' days",
     "The office's workers have no working day left in the horizon for this visit; add a "
     "worker or visiting hours."),
    # ---- meal coverage
    ("BEYOND_THRESHOLD", "最近食堂超出时限", "Nearest canteen beyond the threshold",
     "The nearest open canteen is further than the delivery threshold (15 minutes by "
     "default); a new canteen nearby would cover it."),
    ("NO_CANTEEN_ON_ISLAND", "本岛无食堂（送餐不乘渡轮）", "No canteen on the island",
     "No canteen is on this island or joined to it by a bridge, and couriers do not take "
     "ferries; open a meal point on the island."),
    # ---- meal rounds
    ("CANTEEN_DOES_NOT_DELIVER", "该食堂不送餐", "The nearest canteen does not deliver",
     "The canteen that covers this point serves in the dining room only; residents must come "
     "to it or another canteen must deliver."),
    ("BEYOND_FRESHNESS_LIMIT", "超出保鲜时限", "Cannot arrive within the freshness limit",
     "A courier cannot bring the meal within the freshness limit after it leaves the kitchen."),
    ("OVER_BOX_CAPACITY", "超出配送箱容量", "More meals than a delivery box holds",
     "The point orders more meals than one courier's box carries; split the delivery."),
    ("OVER_CANTEEN_CAPACITY", "超出食堂日供餐能力", "Beyond the canteen's daily capacity",
     "The canteen already cooks its daily maximum for nearer subscribers; raise its capacity "
     "or open another canteen."),
    ("DROPPED_BY_SEARCH", "未能排入（骑手不足或时间冲突）", "Not fitted in",
     "Deliverable on its own, but not together with the other stops with the couriers and "
     "time available."),
    # ---- siting (demand no candidate site can cover)
    ("NO_SITE_ON_ISLAND", "本岛无候选点", "No candidate site on the island",
     "No existing or candidate site is on this island; add a candidate there."),
    ("BEYOND_RADIUS", "所有候选点均超出时限", "Every site beyond the threshold",
     "Every existing and candidate site is further than the threshold; add a candidate nearer."),
    ("DEMAND_OVER_CAPACITY", "需求超过可达厨房的供餐能力",
     "More meals than any kitchen in reach makes",
     "The point needs more meals than the largest kitchen within the threshold makes, and one "
     "kitchen must serve it whole; raise that kitchen's capacity, split the point, or add a "
     "larger candidate nearby. The other points are still planned."),
    # ---- journeys on the network (islands.csv, journeys_to_dialysis_unit.csv)
    ("NO_LINK", "没有陆路或渡轮连接", "No road or ferry link",
     "No road, bridge or ferry route joins the two places."),
    ("NO_SERVICE_TODAY", "当天该航线无班次", "No sailing on this day",
     "The ferry route exists but has no sailing on this date."),
    ("ROUTE_SUSPENDED", "航线停航", "Ferry route suspended",
     "The only ferry routes on the way are suspended in this scenario."),
    ("NO_CAR_FERRY", "仅有客船，车辆无法过海", "Passenger boats only",
     "Only passenger sailings link the two sides; a vehicle cannot cross."),
    ("NO_SAILING_AFTER", "赶不上当天任何航班", "No later sailing",
     "No sailing leaves after the time the traveller can be at the pier."),
    # ---- statuses written in tables (explained in index.html like the reasons)
    ("COVERED", "15分钟内可达", "Within the threshold",
     "An open canteen reaches the point within the delivery threshold."),
    ("NO_DELIVERY", "不送餐", "Does not deliver",
     "The canteen serves in its dining room only: its subscribers' meals are not delivered."),
    ("NO_CAPACITY", "无余量送餐", "No capacity left for deliveries",
     "The canteen's daily capacity is used up before any delivery."),
    ("land_linked", "陆路/桥梁相连", "Joined by road or bridge",
     "The island is joined to others by a road or bridge."),
    ("ferry_only", "仅轮渡可达", "Ferry only",
     "The island is reached only by a timetabled ferry."),
    ("isolated", "无桥无航线", "No bridge, no timetabled ferry",
     "No bridge and no timetabled ferry reach the island in the feed."),
    ("no_nodes", "未建模", "Not modelled",
     "The island has no road points in the network (too small, or outside the district)."),
)
"""The reason catalogue: code → :class:`Reason`. Every service reports unserved, uncovered or
unvisited items with one of these codes, and the statuses its tables write (``COVERED``,
``NO_DELIVERY``, the island link statuses); ``index.html`` explains those a run shows."""


ACTIONS_ZH: dict[str, str] = {
    "HOME_UNREACHABLE": ("住址附近没有道路、与办事处之间无路可通，或往返一次超出工作时长；"
                         "请核对地址或办事处的工作时间。"),
    "VISIT_NO_SAILING": ("本期没有一个工作日的航班能让工作人员上班后出发、下班前返回；"
                         "请安排延长工作日，或由岛上工作人员代为探访。"),
    "OFFICE_CAPACITY": "办事处工作人员在本期已没有空余工作日；请增加人手或探访时间。",
    "UNREACHABLE": ("两地之间没有道路或桥梁相连，陆上车辆和送餐员不乘渡轮；"
                    "请核对坐标，或在该岛增设食堂/车辆。"),
    "UNREACHABLE_ISLAND": ("当天住址所在岛与透析中心之间没有道路或航班（或住址附近没有道路）；"
                           "请另行安排交通。"),
    "NO_SAILING": "当天没有航班能让患者在治疗前到达或治疗后回家；请核对时刻表或调整治疗时间。",
    "NO_VEHICLE_ON_ISLAND": ("没有车辆驻在或获准行驶在某一段行程所在的岛上；"
                             "请在该岛增加志愿车辆，或派可上车客渡的车辆专程接送。"),
    "NO_WHEELCHAIR_PLACE": ("能服务这段行程的车辆都没有轮椅位，也没有可上汽车轮渡的轮椅车能按时载患者过海；"
                            "请在该侧增加带轮椅位的车辆。"),
    "CAR_FERRY_DECK_FULL": ("只有车辆载患者乘汽车轮渡才能完成这趟行程，而该航班为本服务预留的车位已满"
                            "（dialysis.car_ferry_deck_places）；请与轮渡公司联系加位，"
                            "或在患者所在一侧增加带轮椅位的车辆。"),
    "NOT_ENOUGH_SEATS": "患者及陪护所需座位多于任何可用车辆的座位数。",
    "RIDE_TIME": "即使直达，行程也超过最长乘车时间；请放宽上限或以其他方式接送。",
    "TIME_WINDOW": "所要求的上车时间和到达时间即使直达也无法同时满足。",
    "SHIFT_END": "没有足够长的车辆或送餐员班次来完成往返；请延长班次或增加司机。",
    "CAPACITY": "单独安排可行，但与其他行程一起时车辆和时间不够；请增加车辆或调整治疗时间。",
    "CANCELLED": "当天已取消接送；重新排班已释放其座位和时间。",
    "NO_SHOW": "患者未在上车点出现；该趟（去程未出现时连同回程）已从重新排班中去掉。",
    "SESSION_CANCELLED": "例外文件取消了本次治疗，不安排接送；如患者仍来治疗，请删除该行。",
    "HOSPITAL_STAY": "例外文件注明患者当天住院，不安排接送。",
    "HOLIDAY": "例外文件注明当天为节假日（该患者或全部患者），不治疗，不安排接送。",
    "UNIT_INACTIVE": "该患者所属透析中心在本场景中未启用；请把患者分配到已启用的中心。",
    "BEYOND_THRESHOLD": "最近的已开食堂超出配送时限（默认15分钟）；附近新设食堂即可覆盖。",
    "NO_CANTEEN_ON_ISLAND": "本岛（及桥连岛）没有食堂，送餐员不乘渡轮；请在岛上设助餐点。",
    "CANTEEN_DOES_NOT_DELIVER": "覆盖该点的食堂只提供堂食；老人需到店就餐，或由其他食堂送餐。",
    "BEYOND_FRESHNESS_LIMIT": "送餐员无法在出餐后的保鲜时限内送达。",
    "OVER_BOX_CAPACITY": "该点订餐数超过一名送餐员配送箱的容量；请分批配送。",
    "OVER_CANTEEN_CAPACITY": "食堂已按日供餐上限为更近的订餐老人做饭；请提高供餐能力或另开食堂。",
    "DROPPED_BY_SEARCH": "单独配送可行，但与其他站点一起时送餐员人手或时间不够。",
    "NO_SITE_ON_ISLAND": "本岛没有现有或候选站点；请在该岛增加候选点。",
    "BEYOND_RADIUS": "所有现有和候选站点都超出时限；请在附近增加候选点。",
    "NO_LINK": "两地之间没有道路、桥梁或渡轮航线。",
    "NO_SERVICE_TODAY": "航线存在，但当天没有班次。",
    "ROUTE_SUSPENDED": "途经的唯一航线在本场景中停航。",
    "NO_CAR_FERRY": "两岸之间只有客船，车辆无法过海。",
    "NO_SAILING_AFTER": "旅客到达码头后当天已没有航班。",
    "COVERED": "有已开食堂在配送时限内可达该点。",
    "NO_DELIVERY": "该食堂只提供堂食，其订餐老人的餐食不配送。",
    "NO_CAPACITY": "食堂的日供餐能力在配送前已用完。",
    "land_linked": "该岛与其他岛有道路或桥梁相连。",
    "ferry_only": "该岛只能乘定期渡轮到达。",
    "isolated": "没有桥梁，时刻表中也没有定期渡轮到达该岛。",
    "no_nodes": "该岛在路网中没有道路点（太小，或不在本区范围内）。",
    "NO_TRANSPORT_NEEDED": "上车点与下车点为同一地点（患者住在透析中心），不占车位；如非如此，请核对住址。",
    "DEMAND_OVER_CAPACITY": ("该点所需餐数多于阈值内最大厨房的供餐能力，且须由一个厨房整体供应；"
                             "请提高该厨房能力、拆分该点，或在附近增加更大的候选点。其余各点照常规划。"),
}
"""Chinese counterpart of each :attr:`Reason.explanation` (what it means, what to do), for the
data guide's reason catalogue (:func:`reasons_markdown`); every code of :data:`REASONS` has one
(tests/test_data_guide.py)."""


def _cell(text: str) -> str:
    """Text safe inside one Markdown table cell (pipes escaped, no line breaks)."""
    return " ".join(str(text).split()).replace("|", "\\|")


def reasons_markdown() -> str:
    """The reason catalogue as a Markdown table (the data guide's ``reasons`` section).

    One row per code of :data:`REASONS`, in catalogue order: code, Chinese label, English label,
    what it means and what to do in Chinese (:data:`ACTIONS_ZH`) and in English
    (:attr:`Reason.explanation`). ``python -m optimizer.results --markdown`` prints it;
    tests/test_data_guide.py checks that ``docs/data-guide.md`` holds exactly this text.

    Raises
    ------
    KeyError
        If a code has no Chinese explanation in :data:`ACTIONS_ZH`.
    """
    lines = ["| 代码 code | 中文 | English | 含义与处理 | What it means, what to do |",
             "|---|---|---|---|---|"]
    for r in REASONS.values():
        lines.append(f"| `{r.code}` | {_cell(r.zh)} | {_cell(r.en)} | "
                     f"{_cell(ACTIONS_ZH[r.code])} | {_cell(r.explanation)} |")
    return "\n".join(lines) + "\n"


def reason(code: str) -> Reason:
    """The catalogue entry of ``code``.

    Raises
    ------
    optimizer.errors.InputError
        If the code is not in :data:`REASONS` (the message lists the known codes).
    """
    try:
        return REASONS[code]
    except KeyError:
        raise InputError(f"unknown reason code {code!r}; known: {sorted(REASONS)}",
                         field="reason") from None


class NoteKind(str, enum.Enum):
    """What a :class:`Note` is about (outputs filter and badge notes by kind, never by text)."""

    APPROXIMATE_ROADS = "approximate_roads"
    ESTIMATED_SAILINGS = "estimated_sailings"
    SYNTHETIC_DATA = "synthetic_data"
    ASSUMPTION = "assumption"
    DATA_WARNING = "data_warning"
    SEARCH_CAPPED = "search_capped"
    NOMINAL_CALENDAR = "nominal_calendar"
    COORDINATES = "coordinates"


@dataclass(frozen=True)
class Note:
    """A typed label that outputs carry (``str(note)`` is ``"<zh> <en>"``).

    Attributes
    ----------
    kind
        :class:`NoteKind`.
    zh, en
        The sentence in Chinese and English (``zh`` may be empty for data warnings written in
        English only).
    """

    kind: NoteKind
    zh: str
    en: str

    def __str__(self) -> str:
        return f"{self.zh} {self.en}".strip()


def merge_notes(*groups: Iterable[Note]) -> tuple[Note, ...]:
    """Concatenate note groups in order, dropping exact repeats (first kept)."""
    return tuple(dict.fromkeys(n for g in groups for n in g))


class StopCause(str, enum.Enum):
    """Which limit ended a search.

    ``WORK_LIMIT``: the deterministic work limit (iterations, solutions, deterministic time) was
    reached: the same input and seed give the same result on any machine. ``WALL_CLOCK``: the
    wall-clock limit ended it (time mode, or the safety cap in work mode): the result may differ
    on another machine or run. ``PROVED``: the search ended with a proof (optimum or
    infeasibility). ``NOT_RUN``: nothing to search.
    """

    WORK_LIMIT = "work_limit"
    WALL_CLOCK = "wall_clock"
    PROVED = "proved"
    NOT_RUN = "not_run"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class SearchRecord:
    """What bounded one search, for the run manifest.

    Attributes
    ----------
    name
        Which search (``"dialysis DARP"``, ``"meals rounds C01"``, ``"meals siting mclp"``).
    stopped_by
        :class:`StopCause`.
    work_limit
        The deterministic limit in its own unit, e.g. ``"2 x 2400 LNS rounds"``; empty in time
        mode.
    work_done
        The work done in the same unit, e.g. ``"4800 LNS rounds"``.
    wall_clock_cap_s
        The wall-clock limit in seconds (the safety cap in work mode).
    runtime_s
        Measured wall time in seconds (differs between runs; not part of the result).
    """

    name: str
    stopped_by: StopCause
    work_limit: str = ""
    work_done: str = ""
    wall_clock_cap_s: float | None = None
    runtime_s: float = 0.0

    @property
    def reproducible(self) -> bool:
        """False when the wall clock ended the search (the result may differ elsewhere)."""
        return self.stopped_by is not StopCause.WALL_CLOCK

    def to_dict(self) -> dict[str, object]:
        """JSON-ready mapping (``stopped_by`` as its string value)."""
        return {"name": self.name, "stopped_by": str(self.stopped_by),
                "work_limit": self.work_limit, "work_done": self.work_done,
                "wall_clock_cap_s": self.wall_clock_cap_s, "runtime_s": round(self.runtime_s, 2),
                "reproducible": self.reproducible}


if __name__ == "__main__":  # python -m optimizer.results --markdown
    import sys

    if sys.argv[1:] != ["--markdown"]:
        sys.exit("usage: python -m optimizer.results --markdown  (prints the reason catalogue as "
                 "a Markdown table for docs/data-guide.md)")
    sys.stdout.write(reasons_markdown())
