"""Dispatcher route sheets for the dialysis day plan: HTML (print), XLSX and CSV, bilingual.

One sheet per vehicle (driver shift) lists every stop of its route in order: time, action
(出发 start / 上车 pick up / 下车 drop off / 乘船 board ferry / 返回 end), patient, phone, place,
wheelchair/escort notes and, for ferry legs, the sailing to board or meet (pier, "at the pier by"
time, departure, arrival, GTFS trip, flagged 估计 estimated when the timetable only estimates it).
A summary sheet gives the key figures of the day, the vehicles and every unserved trip with its
reason. These files contain personal data (names, phones, homes): every page is marked
"内部资料 含个人信息 Internal: contains personal data". :func:`write_public_summary` writes the
de-identified counterpart from :meth:`~optimizer.services.dialysis.DialysisPlan.public_frames`
only, and refuses personal columns (:func:`optimizer.outputs.maps.assert_publishable`).

Files written by :func:`write_route_sheets` into ``out_dir``:

* ``route_sheets.html``: every page (summary first, then one page per vehicle, a page break
  before each) for printing all at once; A4 portrait print CSS.
* ``route_<vehicle_id>.html``: one vehicle's sheet; ``route_summary.html``: the summary alone.
* ``route_sheets.xlsx``: a summary worksheet and one worksheet per vehicle (frozen header row,
  column widths, A4 print set-up, times as ``HH:MM`` text).
* ``route_stops.csv``: every sheet row of every vehicle (machine-readable, stable English column
  names, localised labels in ``action_label``/``notes``); ``route_summary.csv`` (key figures) and
  ``route_unserved.csv`` (unserved trips with reasons). CSV files are UTF-8 with a BOM (so Excel
  opens Chinese text correctly) and ``\\n`` line ends.

Every user-visible string is in :data:`STRINGS` as a ``(Chinese, English)`` pair; ``languages``
picks one or both (Chinese first by default: "上车 Pick up").
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from optimizer.errors import InputError, PrivacyError
from optimizer.io.coords import in_china, wgs84_to_gcj02
from optimizer.outputs.labels import DIALYSIS_KPI_LABELS
from optimizer.results import REASONS
from optimizer.services.dialysis.tables import BOTH_DIRECTIONS
from optimizer.units import hhmm

__all__ = [
    "KPI_LABELS",
    "LANGUAGES",
    "STRINGS",
    "duration_text",
    "label",
    "public_summary_tables",
    "route_sheet_rows",
    "summary_tables",
    "write_public_summary",
    "write_route_sheets",
]

LANGUAGES = ("zh", "en")
"""Supported languages, in the order of the pairs in :data:`STRINGS`."""

STRINGS: dict[str, tuple[str, str]] = {
    # titles and marks
    "title": ("透析接送路单", "Dialysis ride route sheets"),
    "public_title": ("透析接送日计划（公开摘要）", "Dialysis rides: public summary of the day"),
    "internal": ("内部资料 含个人信息", "Internal: contains personal data"),
    "public_mark": ("公开资料 已去除个人信息", "Public: de-identified"),
    "summary": ("汇总", "Summary"),
    "route_sheet": ("路单", "Route sheet"),
    # header fields
    "date": ("日期", "Date"),
    "vehicle": ("车辆", "Vehicle"),
    "driver": ("司机", "Driver"),
    "driver_phone": ("司机电话", "Driver phone"),
    "seats": ("座位", "Seats"),
    "wheelchair_places": ("轮椅位", "Wheelchair places"),
    "shift": ("班次", "Shift"),
    # stop table columns
    "col_no": ("序号", "No."),
    "col_time": ("时间", "Time"),
    "col_action": ("动作", "Action"),
    "col_patient": ("患者", "Patient"),
    "col_phone": ("电话", "Phone"),
    "col_place": ("地点", "Place"),
    "col_notes": ("备注", "Notes"),
    "col_ferry": ("渡轮", "Ferry"),
    "col_load": ("车上 座/轮椅", "On board"),
    # actions
    "start": ("出发", "Start"),
    "pickup": ("上车", "Pick up"),
    "dropoff": ("下车", "Drop off"),
    "board_ferry": ("乘船", "Board ferry"),
    "end": ("返回", "End"),
    # places
    "home": ("家", "Home"),
    "base": ("车辆基地", "Base"),
    "unit": ("透析中心", "Unit"),
    "pier": ("码头", "Pier"),
    "village": ("村", "village"),
    "route": ("航线", "route"),
    "from": ("自", "from"),
    "duration_hm": ("{h}小时{m}分", "{h} h {m} min"),
    "duration_m": ("{m}分钟", "{m} min"),
    "duration_h": ("{h}小时", "{h} h"),
    "limit": ("上限", "limit"),
    # notes
    "wheelchair": ("轮椅", "wheelchair"),
    "escort": ("陪护", "escort"),
    "session_starts": ("透析开始", "session starts"),
    "session_ends": ("透析结束", "session ended"),
    "estimated": ("估计", "estimated"),
    "ferry_board": ("乘", "board"),
    "ferry_meet": ("接船", "meet"),
    "at_pier_by": ("到码头", "at pier by"),
    "departs": ("开船", "departs"),
    "arrives": ("到港", "arrives"),
    "notes_withheld": ("另有 {n} 条涉及个人的说明未公开",
                       "{n} note(s) about individuals withheld from this public summary"),
    "synthetic": ("合成数据（非真实患者）", "Synthetic data (not real patients)"),
    "estimated_sailings": ("标“估计”的航班时刻为估计值，请先向码头确认",
                           ("Sailings marked \u201cestimated\u201d are estimates: confirm "
                            "with the pier first")),
    # footer
    "totals": ("合计", "Totals"),
    "n_stops": ("停靠点", "stops"),
    "n_patients": ("患者", "patients"),
    "driving_time": ("行驶时间", "driving time"),
    "route_time": ("出车时长", "time on the road"),
    "minutes": ("分钟", "min"),
    "notes": ("说明", "Notes"),
    "signature_driver": ("司机签名", "Driver signature"),
    "signature_dispatcher": ("调度员签名", "Dispatcher signature"),
    # summary
    "key_figures": ("主要指标", "Key figures"),
    "vehicles": ("车辆", "Vehicles"),
    "not_used": ("未使用", "not used"),
    "first_last": ("出发–返回", "start–end"),
    "unserved": ("未能安排的行程", "Unserved trips"),
    "none": ("无", "none"),
    "trip": ("行程", "Trip"),
    "ride": ("乘客编号", "Ride"),
    "direction": ("方向", "Direction"),
    "out": ("去程", "to unit"),
    "ret": ("回程", "home"),
    "reason": ("原因", "Reason"),
    "detail": ("详情", "Detail"),
    "figure": ("指标", "Figure"),
    "value": ("数值", "Value"),
    "count": ("次数", "count"),
    "island": ("岛屿", "Island"),
    "time_band": ("时段", "Time band"),
    "n_rides": ("人次", "Rides"),
    "both_directions": ("去程和回程", "both directions"),
    "by_reason": ("按原因统计", "By reason"),
    "crossings": ("渡轮过海", "Ferry crossings"),
}
"""Every user-visible string as a ``(Chinese, English)`` pair; ``{name}`` fields, if any, are
filled by :func:`label`."""

KPI_LABELS = DIALYSIS_KPI_LABELS
"""Labels of the plan's KPIs (``DialysisPlan.kpis``): Chinese, English, unit; the run's one
catalogue (:data:`optimizer.outputs.labels.DIALYSIS_KPI_LABELS`). KPIs not listed there are
printed under their key, never dropped."""

OPERATOR_KPI_KEYS = frozenset({"vehicle_hours", "trips_per_vehicle_hour", "on_time_pct",
                               "mean_leg_ride_time_min", "p90_leg_ride_time_min",
                               "mean_excess_ride_time_min", "deadhead_pct"})
"""The operators' KPIs (:mod:`optimizer.services.dialysis.operations`): in the public summary
and ``summary.json``, not on the dispatcher's one-page summary (which stays one A4 page)."""

_KPI_ORDER = ("vehicles_used", "total_driving_time_min", "max_leg_ride_time_min",
              "max_ride_time_limit_min", "mean_trip_duration_min", "max_trip_duration_min",
              "mean_wait_at_unit_min", "ferry_crossings", "sessions",
              "trips", "trips_served", "trips_unserved")

ROW_COLUMNS = ("vehicle_id", "row", "time", "action", "action_label", "patient_id",
               "patient_name", "phone", "place_type", "place", "address", "island",
               "village_code", "lon", "lat", "lon_gcj02", "lat_gcj02", "wheelchair", "escort",
               "notes", "ferry_trip_id", "ferry_route_id", "ferry_route", "ferry_from",
               "ferry_to", "at_pier_by", "ferry_departure", "ferry_arrival", "ferry_estimated",
               "trip_id", "leg_id", "seats_on_board", "wheelchairs_on_board")
"""Columns of ``route_stops.csv`` / :func:`route_sheet_rows` (times ``HH:MM``; lon/lat EPSG:4326
degrees, 6 decimals; ``lon_gcj02``/``lat_gcj02`` the same point in GCJ-02 for Amap/高德 and other
Chinese map apps, blank outside China). ``place`` is what a person reads (address, village,
unit, pier and island names); ``ferry_trip_id``/``ferry_route_id`` are the GTFS ids for
machines, ``ferry_route`` the route's name, ``island`` the island's name."""

_ENV = Environment(loader=PackageLoader("optimizer", "outputs/templates"),
                   autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                   lstrip_blocks=True, undefined=StrictUndefined)


# ----------------------------------------------------------------------------- strings
def _check_languages(languages: Sequence[str]) -> tuple[str, ...]:
    langs = tuple(languages) if not isinstance(languages, str) else (languages,)
    bad = [x for x in langs if x not in LANGUAGES]
    if not langs or bad or len(set(langs)) != len(langs):
        raise InputError(f"languages={languages!r}; expected ('zh', 'en'), ('zh',) or ('en',)",
                         field="languages")
    return langs


def label(key: str, languages: Sequence[str] = LANGUAGES, **fields: Any) -> str:
    """The text of ``STRINGS[key]`` in ``languages`` (joined by a space, in that order).

    Parameters
    ----------
    key
        A key of :data:`STRINGS`.
    languages
        ``("zh", "en")`` (default), ``("zh",)``, ``("en",)`` or ``("en", "zh")``.
    **fields
        Values for the ``{name}`` fields of the strings.

    Returns
    -------
    str

    Raises
    ------
    KeyError
        If ``key`` is unknown.
    optimizer.errors.InputError
        If ``languages`` is not a non-empty selection of ``"zh"``/``"en"``.

    Examples
    --------
    >>> label("pickup")
    '上车 Pick up'
    >>> label("board_ferry", ("en",))
    'Board ferry'
    """
    pair = STRINGS[key]
    return " ".join(pair[LANGUAGES.index(x)].format(**fields)
                    for x in _check_languages(languages))


def _pair(zh: str, en: str, langs: Sequence[str]) -> str:
    pair = (zh, en)
    return " ".join(pair[LANGUAGES.index(x)] for x in langs if pair[LANGUAGES.index(x)])


def _note_text(note: Any, langs: Sequence[str]) -> str:
    """A note in ``langs``: a typed :class:`~optimizer.results.Note` (its ``zh``/``en``), a
    ``(Chinese, English)`` pair, or plain text as given."""
    if isinstance(note, str):
        return note
    if hasattr(note, "zh") and hasattr(note, "en"):
        return _pair(note.zh, note.en, langs)
    zh, en = note
    return _pair(zh, en, langs)


def _safe_name(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z_.\-\u4e00-\u9fff]+", "_", str(text)).strip("_") or "vehicle"


def _whole_min(x: float) -> str:
    """Minutes a person reads: whole minutes ("644"), never decimals; "" when unknown."""
    return "" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{round(x):d}"


def duration_text(minutes: float, languages: Sequence[str] = LANGUAGES) -> str:
    """A duration as a person reads it, rounded to the minute: ``"2小时15分 2 h 15 min"``,
    ``"45分钟 45 min"`` (``languages`` as in :func:`label`); ``""`` for a missing value.

    Examples
    --------
    >>> duration_text(134.6, ("en",))
    '2 h 15 min'
    >>> duration_text(7.2, ("zh",))
    '7分钟'
    >>> duration_text(120.0)
    '2小时 2 h'
    """
    if minutes is None or not math.isfinite(float(minutes)):
        return ""
    h, m = divmod(int(round(float(minutes))), 60)
    if not h:
        return label("duration_m", languages, m=m)
    return label("duration_hm", languages, h=h, m=m) if m else label("duration_h", languages, h=h)


def _is_na(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _s(v: Any) -> str:
    return "" if _is_na(v) else str(v)


# ----------------------------------------------------------------------------- tables
_KPI_COLUMNS = ("key", "label", "value", "unit", "text")


def _kpi_row(key: str, v: float, langs: Sequence[str]) -> dict[str, str]:
    """One key figure: ``value`` for machines (counts as integers, whole minutes,
    ``unit``), ``text`` for people (durations as "2 h 15 min")."""
    zh, en, unit = KPI_LABELS.get(key, (key, key, ""))
    if unit == "min":
        return {"key": key, "label": _pair(zh, en, langs), "value": _whole_min(v),
                "unit": label("minutes", langs), "text": duration_text(v, langs)}
    val = str(int(v)) if float(v).is_integer() else f"{v:g}"
    return {"key": key, "label": _pair(zh, en, langs), "value": val, "unit": "", "text": val}


def _vehicle_info(plan: Any, inputs: Any) -> dict[str, dict[str, Any]]:
    """Per vehicle id: driver, phone, seats, wheelchair places, shift (HH:MM–HH:MM)."""
    info: dict[str, dict[str, Any]] = {}
    specs = {v.vehicle_id: v for v in getattr(inputs, "vehicles", ())} if inputs else {}
    problem_vehicles = plan.problem.vehicles if plan.problem is not None else ()
    for v in problem_vehicles:
        info[v.vehicle_id] = {"driver": "", "driver_phone": "", "seats": int(v.seats),
                              "wheelchair_places": int(v.wheelchair_places),
                              "shift": f"{hhmm(v.shift_s[0])}–{hhmm(v.shift_s[1])}"}
    for vid, sp in specs.items():
        d = info.setdefault(vid, {})
        d.update({"driver": sp.driver, "driver_phone": sp.phone, "seats": int(sp.seats),
                  "wheelchair_places": int(sp.wheelchair_places),
                  "shift": f"{hhmm(sp.shift_start_s)}–{hhmm(sp.shift_end_s)}"})
    st = plan.stops
    for vid, grp in st.groupby("vehicle_id", sort=False):
        d = info.setdefault(str(vid), {"seats": "", "wheelchair_places": "", "shift": ""})
        first = grp.iloc[0]
        d["driver"] = _s(first.get("driver")) or d.get("driver", "")
        d["driver_phone"] = _s(first.get("driver_phone")) or d.get("driver_phone", "")
    return info


def _row_time_s(r: Mapping[str, Any]) -> float:
    """Clock of a sheet row, seconds after midnight: the start of service, except for the
    ``end`` stop, where the arrival at the base (the solver's start time there is only the latest
    the shift allows)."""
    if r["action"] == "end" and "arrival_s" in r and not _is_na(r["arrival_s"]):
        return float(r["arrival_s"])
    return float(r["start_s"])


_FERRY_KEYS = ("ferry_trip_id", "ferry_route_id", "ferry_route", "ferry_from", "ferry_to",
               "at_pier_by", "ferry_departure", "ferry_arrival", "ferry_estimated")


BASE_NEAR_M = 3000.0
"""A vehicle base without a known village is named after the nearest village point at most this
many metres away (as :data:`optimizer.network.placenames.NEAR_M` names road nodes)."""


def _base_village(r: Mapping[str, Any], villages: Mapping[str, str],
                  points: pd.DataFrame | None) -> str:
    """The village of a vehicle base: its ``village_code``'s name, else the nearest village point
    within :data:`BASE_NEAR_M` (``"新街社区居委会附近"``), else ``""``."""
    code = _s(r.get("village_code"))
    if code and villages.get(code):
        return villages[code]
    if points is None or not len(points) or _is_na(r.get("lon")) or _is_na(r.get("lat")):
        return ""
    lon, lat = float(r["lon"]), float(r["lat"])
    dx = (points["lon"].to_numpy(float) - lon) * 111320.0 * math.cos(math.radians(lat))
    dy = (points["lat"].to_numpy(float) - lat) * 110574.0  # metres per degree (WGS-84, ~30°N)
    dist = (dx * dx + dy * dy) ** 0.5
    k = int(dist.argmin())
    name = villages.get(str(points.index[k]), "")
    return f"{name}附近 near" if name and dist[k] <= BASE_NEAR_M else ""


def _place_text(r: Mapping[str, Any], vid: str, langs: Sequence[str],
                unit_en: Mapping[str, str], villages: Mapping[str, str],
                points: pd.DataFrame | None = None) -> str:
    """What the sheet says a stop's place is: the patient's address (else the village's name,
    or its code, and the position in WGS-84 and GCJ-02), the base's village (or the nearest
    village point, ``points``) and island, the pier's name with the island's name, the unit's
    name."""
    ptype = str(r["place_type"])
    island = _s(r.get("island_name"))
    where = f" · {island}" if island else ""
    if ptype == "home":
        address = _s(r.get("address"))
        if address:
            return f"{label('home', langs)} · {address}"
        code = _s(r["village_code"])
        village = villages.get(code) or f"{label('village', langs)} {code}"
        gcj = _gcj02(r["lon"], r["lat"])
        return (f"{label('home', langs)} · {village} "
                f"({float(r['lat']):.5f}, {float(r['lon']):.5f})"
                + (f" · GCJ-02 ({gcj[1]}, {gcj[0]})" if gcj[0] else ""))
    if ptype == "base":  # the place, not the vehicle's id (the page names the vehicle)
        near = _base_village(r, villages, points)
        if near or where:
            return f"{label('base', langs)}" + (f" · {near}" if near else "") + where
        return f"{label('base', langs)} ({float(r['lat']):.5f}, {float(r['lon']):.5f})"
    if ptype == "unit":
        en = unit_en.get(str(r["place_name"]), "")
        return _pair(str(r["place_name"]), en, langs) if en else str(r["place_name"])
    name = str(r["place_name"])
    stem = island[:-1] if island.endswith("岛") else island
    return name if stem and stem in name else f"{name}{where}"  # "甲岛码头", not "… · 甲岛"


def _ferry_fields(cr: Any) -> dict[str, Any]:
    """The ferry columns of a sheet row for crossing ``cr`` (blank without one)."""
    if cr is None:
        return dict.fromkeys(_FERRY_KEYS, "")
    s = cr.sailing
    return {"ferry_trip_id": s.trip_id, "ferry_route_id": s.route_id,
            "ferry_route": getattr(cr, "route_name", ""), "ferry_from": cr.from_pier_name,
            "ferry_to": cr.to_pier_name, "at_pier_by": hhmm(cr.boarding_deadline_s),
            "ferry_departure": hhmm(s.departure_s), "ferry_arrival": hhmm(s.arrival_s),
            "ferry_estimated": "yes" if s.is_estimate else "no"}


def _stop_notes(r: Mapping[str, Any], trip: Any, wheel: bool | None, escort: bool | None,
                langs: Sequence[str]) -> str:
    notes = []
    if wheel:
        notes.append(label("wheelchair", langs))
    if escort:
        notes.append(label("escort", langs))
    if trip is not None and str(r["place_type"]) == "unit":
        if r["action"] == "dropoff" and trip.direction == "out":
            notes.append(f"{label('session_starts', langs)} {hhmm(trip.session.start_s)}")
        elif r["action"] == "pickup" and trip.direction == "ret":
            notes.append(f"{label('session_ends', langs)} {hhmm(trip.session.end_s)}")
    return "; ".join(notes)


def _vehicle_rows(vid: str, grp: pd.DataFrame, langs: Sequence[str], cross: Mapping[str, Any],
                  trips: Mapping[str, Any], unit_en: Mapping[str, str],
                  villages: Mapping[str, str], points: pd.DataFrame | None = None
                  ) -> list[dict[str, Any]]:
    """The sheet rows of one vehicle in time order (``row`` numbered from 1): its stops in route
    order, and after each boarding drop-off at a pier a ``board_ferry`` row placed at the
    sailing's departure among the vehicle's later stops."""
    keyed: list[tuple[float, int, dict[str, Any]]] = []
    for k, (_, r) in enumerate(grp.sort_values("seq").iterrows()):
        action, ptype = str(r["action"]), str(r["place_type"])
        trip_id = _s(r["trip_id"])
        is_stop = action in ("pickup", "dropoff")
        wheel = str(r["mobility"]) == "wheelchair" if is_stop else None
        escort = bool(r["escort"]) if is_stop and not _is_na(r["escort"]) else None
        cr = cross.get(trip_id) if ptype == "pier" and is_stop else None
        at_s = _row_time_s(r)
        gcj = _gcj02(r["lon"], r["lat"])
        base = {
            "vehicle_id": vid, "time": hhmm(at_s), "action": action,
            "action_label": label(action, langs) if action in STRINGS else action,
            "patient_id": _s(r["patient_id"]), "patient_name": _s(r["patient_name"]),
            "phone": _s(r["phone"]), "place_type": ptype,
            "place": _place_text(r, vid, langs, unit_en, villages, points),
            "address": _s(r.get("address")),
            "island": _s(r.get("island_name")), "village_code": _s(r["village_code"]),
            "lon": f"{float(r['lon']):.6f}", "lat": f"{float(r['lat']):.6f}",
            "lon_gcj02": gcj[0], "lat_gcj02": gcj[1],
            "wheelchair": "" if wheel is None else ("yes" if wheel else "no"),
            "escort": "" if escort is None else ("yes" if escort else "no"),
            "notes": _stop_notes(r, trips.get(trip_id), wheel, escort, langs),
            **_ferry_fields(cr), "trip_id": trip_id, "leg_id": _s(r["leg_id"]),
            "seats_on_board": int(r["seats_on_board"]),
            "wheelchairs_on_board": int(r["wheelchairs_on_board"])}
        keyed.append((at_s, 2 * k, base))
        if cr is not None and action == "dropoff":
            board = {**base, "time": hhmm(cr.sailing.departure_s), "action": "board_ferry",
                     "action_label": label("board_ferry", langs),
                     "place": f"{cr.from_pier_name}"}
            keyed.append((float(cr.sailing.departure_s), 2 * k + 1, board))
    keyed.sort(key=lambda x: (x[0], x[1]))
    return [{**row, "row": n} for n, (_, _, row) in enumerate(keyed, start=1)]


def route_sheet_rows(plan: Any, *, languages: Sequence[str] = LANGUAGES,
                     inputs: Any = None) -> pd.DataFrame:
    """The rows of every vehicle's route sheet (language-neutral codes plus localised labels).

    Each stop of ``plan.stops`` gives one row; a drop-off at a pier where the patient boards a
    ferry is followed by a ``board_ferry`` row timed at the sailing's departure (an event of the
    patient, not a vehicle stop), placed in time order among the vehicle's stops.

    Parameters
    ----------
    plan
        A :class:`~optimizer.services.dialysis.DialysisPlan`.
    languages
        Languages of ``action_label``, ``place`` and ``notes``.
    inputs
        Optional :class:`~optimizer.services.dialysis.DialysisInputs`: adds the English unit
        names to unit places and, from its ``village_points`` (``name_zh``), the village names
        of homes without an address.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ROW_COLUMNS`; ``row`` numbers the rows of one vehicle from 1 in time
        order; ``time`` is ``HH:MM`` (start of service at the stop; arrival at the base for
        ``end``; the sailing's departure for ``board_ferry``); ``place`` the patient's address
        at home stops (else the village's name or code, the position and its GCJ-02 twin), unit,
        pier and island names, never internal ids; ``lon``/``lat`` EPSG:4326 degrees as text
        with 6 decimals, ``lon_gcj02``/``lat_gcj02`` the point in GCJ-02 for Chinese map apps
        (5 decimals; blank outside China); ``wheelchair``/``escort`` ``yes``/``no`` (blank for
        start/end); ``ferry_estimated`` ``yes``/``no`` on ferry rows.

    Raises
    ------
    optimizer.errors.InputError
        If ``languages`` is invalid or ``plan.stops`` lacks a column the sheets need.
    """
    langs = _check_languages(languages)
    st = plan.stops
    need = {"vehicle_id", "seq", "action", "start_s", "trip_id", "leg_id", "patient_id",
            "patient_name", "phone", "place_type", "place_name", "village_code", "lon", "lat",
            "mobility", "escort", "seats_on_board", "wheelchairs_on_board"}
    missing = sorted(need - set(st.columns))
    if missing:
        raise InputError(f"plan.stops lacks columns {missing}; build the plan with "
                         "optimizer.services.dialysis.plan_dialysis_day", field=missing[0])
    cross = {c.trip_id: c for c in plan.crossings}
    trips = {t.trip_id: t for t in plan.trips}
    unit_en = ({u.name_zh: u.name_en for u in getattr(inputs, "units", ())}
               if inputs is not None else {})
    vp = getattr(inputs, "village_points", None)
    villages = ({str(c): str(n) for c, n in zip(vp.index, vp["name_zh"]) if str(n)}
                if vp is not None and "name_zh" in vp.columns else {})
    rows: list[dict[str, Any]] = []
    for vid, grp in st.groupby("vehicle_id", sort=False):
        rows += _vehicle_rows(str(vid), grp, langs, cross, trips, unit_en, villages, vp)
    return pd.DataFrame(rows, columns=list(ROW_COLUMNS))


def _gcj02(lon: Any, lat: Any) -> tuple[str, str]:
    """A WGS-84 point in GCJ-02 (Amap/高德, Tencent; Baidu reads it as ``coordtype=gcj02ll``)
    as text with 5 decimals (~1 m), or blanks outside China or without coordinates."""
    x, y = float(lon), float(lat)
    if not (math.isfinite(x) and math.isfinite(y)) or not bool(in_china(x, y)):
        return "", ""
    gx, gy = wgs84_to_gcj02(x, y)
    return f"{float(gx):.5f}", f"{float(gy):.5f}"


def _ferry_text(r: Mapping[str, Any], langs: Sequence[str]) -> str:
    """Human text of a ferry row, by pier and route names (the GTFS ids stay in their own
    columns): at a boarding drop-off the route, landing pier and at-pier-by time; on the board
    row both piers, the route, departure and arrival; at a landing pickup the route met and the
    pier it comes from."""
    if not r["ferry_from"]:
        return ""
    L = lambda k: label(k, langs)
    route = _s(r.get("ferry_route"))
    named = f"{route} " if route else ""
    if r["action"] == "dropoff":  # the place is the boarding pier
        parts = [f"{L('ferry_board')} {named}→ {r['ferry_to']}",
                 f"{L('at_pier_by')} {r['at_pier_by']}",
                 f"{L('departs')} {r['ferry_departure']}"]
    elif r["action"] == "board_ferry":
        sailing = f"{r['ferry_from']} → {r['ferry_to']}" + (
            f" ({L('route')} {route})" if route else "")
        parts = [sailing, f"{L('departs')} {r['ferry_departure']}",
                 f"{L('arrives')} {r['ferry_arrival']}"]
    else:  # the place is the landing pier
        parts = [f"{L('ferry_meet')} {named}{L('from')} {r['ferry_from']}",
                 f"{L('arrives')} {r['ferry_arrival']}"]
    text = " · ".join(parts)
    if r["ferry_estimated"] == "yes":
        text += f" [{L('estimated')}]"
    return text


def summary_tables(plan: Any, *, languages: Sequence[str] = LANGUAGES,
                   inputs: Any = None) -> dict[str, pd.DataFrame]:
    """The summary of the day: key figures, vehicles and unserved trips.

    Parameters
    ----------
    plan
        A :class:`~optimizer.services.dialysis.DialysisPlan`.
    languages
        Languages of the labels and reasons.
    inputs
        Optional :class:`~optimizer.services.dialysis.DialysisInputs`: adds the names and phones
        of unserved patients (so the dispatcher can call them) and the drivers of unused vehicles.

    Returns
    -------
    dict of pandas.DataFrame
        ``kpis``: key, label, value (text: counts as integers, whole minutes), unit,
        text (what a person reads: counts, durations as "2 h 15 min"); in the order of
        :data:`KPI_LABELS`, then any other KPI of the plan.
        ``vehicles``: vehicle_id, driver, driver_phone, seats, wheelchair_places, shift, used
        (yes/no), start, end (``HH:MM``), stops, patients, driving_time_min, route_time_min
        (whole minutes), driving_time, route_time (the same as a person reads them,
        "2 h 15 min"), ferry_legs (stops at piers); every vehicle of the problem, used ones
        first in route order.
        ``unserved``: trip_id, patient_id, patient_name, phone, direction, direction_label,
        code, reason, detail; one row per :attr:`DialysisPlan.unserved`, same order.

    Raises
    ------
    optimizer.errors.InputError
        If ``languages`` is invalid.
    """
    langs = _check_languages(languages)
    kp = {k: v for k, v in plan.kpis.items()  # figures only (not unserved_by_reason etc.)
          if isinstance(v, (int, float)) and not isinstance(v, bool)
          and k != "checker_violations" and k not in OPERATOR_KPI_KEYS}
    keys = [k for k in _KPI_ORDER if k in kp] + [k for k in kp if k not in _KPI_ORDER]
    krows = []
    for k in keys:
        krows.append(_kpi_row(k, float(kp[k]), langs))
    kpis = pd.DataFrame(krows, columns=list(_KPI_COLUMNS))

    info = _vehicle_info(plan, inputs)
    routes = {r.vehicle_id: r for r in (plan.result.routes if plan.result is not None else ())}
    st = plan.stops
    vrows = []
    order = [str(v) for v in dict.fromkeys(st["vehicle_id"])] + [v for v in info
                                                                 if v not in set(st["vehicle_id"])]
    for vid in order:
        d = info.get(vid, {})
        grp = st[st["vehicle_id"] == vid]
        used = len(grp) > 0
        srv = grp[grp["action"].isin(["pickup", "dropoff"])]
        rt = routes.get(vid)
        vrows.append({
            "vehicle_id": vid, "driver": d.get("driver", ""),
            "driver_phone": d.get("driver_phone", ""), "seats": d.get("seats", ""),
            "wheelchair_places": d.get("wheelchair_places", ""), "shift": d.get("shift", ""),
            "used": "yes" if used else "no",
            "start": hhmm(float(grp["start_s"].iloc[0])) if used else "",
            "end": hhmm(_row_time_s(grp.iloc[-1])) if used else "",
            "stops": len(srv), "patients": int(srv["patient_id"].nunique()),
            "driving_time_min": _whole_min(rt.travel_time_s / 60.0) if rt else _whole_min(0.0),
            "route_time_min": _whole_min(rt.duration_s / 60.0) if rt else _whole_min(0.0),
            "driving_time": duration_text(rt.travel_time_s / 60.0 if rt else 0.0, langs),
            "route_time": duration_text(rt.duration_s / 60.0 if rt else 0.0, langs),
            "ferry_legs": int((srv["place_type"] == "pier").sum())})
    vehicles = pd.DataFrame(vrows, columns=[
        "vehicle_id", "driver", "driver_phone", "seats", "wheelchair_places", "shift", "used",
        "start", "end", "stops", "patients", "driving_time_min", "route_time_min", "driving_time",
        "route_time", "ferry_legs"])

    people = {}
    if inputs is not None:
        people = {p.patient_id: (p.name, p.phone) for p in getattr(inputs, "patients", ())}
    for _, r in st[st["patient_id"].notna()].iterrows():
        people.setdefault(str(r["patient_id"]), (_s(r["patient_name"]), _s(r["phone"])))
    urows = []
    for u in plan.unserved:
        name, phone = people.get(u.patient_id, ("", ""))
        urows.append({"trip_id": u.trip_id, "patient_id": u.patient_id, "patient_name": name,
                      "phone": phone, "direction": u.direction,
                      "direction_label": label(u.direction, langs)
                      if u.direction in ("out", "ret") else u.direction,
                      "code": u.code, "reason": _pair(u.text_zh, u.text_en, langs),
                      "detail": u.detail})
    unserved = pd.DataFrame(urows, columns=["trip_id", "patient_id", "patient_name", "phone",
                                            "direction", "direction_label", "code", "reason",
                                            "detail"])
    return {"kpis": kpis, "vehicles": vehicles, "unserved": unserved}


# ----------------------------------------------------------------------------- writers
def _write_csv(df: pd.DataFrame, path: Path) -> Path:
    df.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
    return path


def _footer_notes(plan: Any, notes: Iterable[Any], langs: Sequence[str], *,
                  synthetic: bool) -> list[str]:
    out: list[str] = []
    if synthetic:
        out.append(label("synthetic", langs))
    out += [_note_text(n, langs) for n in getattr(plan, "notes", ())]
    if any(c.sailing.is_estimate for c in plan.crossings):
        out.append(label("estimated_sailings", langs))
    out += [_note_text(n, langs) for n in notes]
    return list(dict.fromkeys(x for x in out if x))


def _totals_text(v: Mapping[str, Any], langs: Sequence[str]) -> str:
    """The totals line of a vehicle's sheet: stops, patients, driving time and time on the road
    as durations ("2 h 15 min")."""
    return (f"{label('totals', langs)}: {v['stops']} {label('n_stops', langs)}; "
            f"{v['patients']} {label('n_patients', langs)}; "
            f"{label('driving_time', langs)} {v['driving_time']}; "
            f"{label('route_time', langs)} {v['route_time']}")


def _vehicle_pages(rows: pd.DataFrame, summ: Mapping[str, pd.DataFrame], langs: Sequence[str]
                   ) -> list[dict[str, Any]]:
    veh = summ["vehicles"].set_index("vehicle_id")
    pages = []
    for vid, grp in rows.groupby("vehicle_id", sort=False):
        v = veh.loc[vid]
        items = []
        for _, r in grp.iterrows():
            items.append({
                "row": int(r["row"]), "time": r["time"], "action": r["action"],
                "action_label": r["action_label"], "patient": r["patient_name"],
                "phone": r["phone"], "place": r["place"], "notes": r["notes"],
                "ferry": _ferry_text(r, langs),
                "estimated": r["ferry_estimated"] == "yes",
                "load": "" if r["action"] == "board_ferry"
                else f"{r['seats_on_board']} / {r['wheelchairs_on_board']}"})
        totals = _totals_text(v, langs)
        pages.append({"kind": "vehicle", "vehicle_id": str(vid), "rows": items,
                      "fields": [(label("vehicle", langs), str(vid)),
                                 (label("driver", langs), v["driver"]),
                                 (label("driver_phone", langs), v["driver_phone"]),
                                 (label("seats", langs), v["seats"]),
                                 (label("wheelchair_places", langs), v["wheelchair_places"]),
                                 (label("shift", langs), v["shift"])],
                      "totals": totals})
    return pages


def _summary_page(summ: Mapping[str, pd.DataFrame], langs: Sequence[str], *,
                  public: bool = False) -> dict[str, Any]:
    L = lambda k: label(k, langs)
    kp = summ["kpis"]
    page: dict[str, Any] = {
        "kind": "summary",
        "kpis": [(r["label"], r["text"]) for _, r in kp.iterrows()]}
    if public:  # counts per island, direction, band and reason: no ride, no exact time
        page["vehicles"] = None
        un = summ["unserved"]
        page["unserved_head"] = [L("island"), L("direction"), L("time_band"), L("reason"),
                                 L("n_rides")]
        page["unserved_nowrap"] = 3  # island, direction, band; the reason wraps
        page["unserved"] = [(r["island"], r["direction_label"], r["time_band"], r["reason"],
                             int(r["rides"])) for _, r in un.iterrows()]
        page["unserved_total"] = int(un["rides"].sum()) if len(un) else 0
    else:
        vh = summ["vehicles"]
        page["vehicles_head"] = [L("vehicle"), L("driver"), L("driver_phone"), L("shift"),
                                 L("first_last"), L("n_stops"), L("n_patients"),
                                 L("driving_time")]
        page["vehicles"] = [
            (r["vehicle_id"], r["driver"], r["driver_phone"], r["shift"],
             f"{r['start']}–{r['end']}" if r["used"] == "yes" else L("not_used"),
             r["stops"], r["patients"], r["driving_time"]) for _, r in vh.iterrows()]
        page["unserved_head"] = [L("trip"), L("col_patient"), L("col_phone"), L("direction"),
                                 L("reason"), L("detail")]
        page["unserved_nowrap"] = 4  # trip, patient, phone, direction
        page["unserved"] = [(r["trip_id"], r["patient_name"], r["phone"], r["direction_label"],
                             r["reason"], r["detail"]) for _, r in summ["unserved"].iterrows()]
    return page


def _fleet_page(fleet: Any, langs: Sequence[str]) -> dict[str, Any]:
    """The fleet-sizing table of the public summary (types, islands and counts only), or
    nothing when the plan has no fleet sizing
    (:class:`~optimizer.services.dialysis.fleet.FleetReport`)."""
    if fleet is None:
        return {}
    tab = fleet.table
    rows = [(int(r["step"]), r["vehicle_type"], r["home_island"], r["shift"],
             int(r["trips_served"]), int(r["trips_gained"])) for _, r in tab.iterrows()]
    return {"fleet_title": _pair("车队规模：每增加一辆车", "Fleet sizing: each vehicle added",
                                 langs),
            "fleet_sentence": fleet.sentence_zh if langs[0] == "zh" and len(langs) == 1
            else fleet.sentence_en if len(langs) == 1 else fleet.sentence,
            "fleet_head": [_pair(z, e, langs) for z, e in (
                ("步", "step"), ("车型", "vehicle type"), ("所在岛", "home island"),
                ("班次", "shift"), ("可服务行程", "trips served"), ("增加", "trips gained"))],
            "fleet": rows}


def _render(pages: list[dict[str, Any]], *, langs: Sequence[str], title: str, date: str,
            notes: list[str], public: bool) -> str:
    L = {k: label(k, langs) for k in STRINGS if "{" not in STRINGS[k][0]}
    return _ENV.get_template("route_sheet.html.j2").render(
        pages=pages, L=L, title=title, date=date, notes=notes, public=public,
        lang="zh-CN" if langs[0] == "zh" else "en",
        mark=L["public_mark"] if public else L["internal"],
        cols=[L["col_no"], L["col_time"], L["col_action"], L["col_patient"], L["col_phone"],
              L["col_place"], L["col_notes"], L["col_ferry"], L["col_load"]])


def write_route_sheets(
    plan: Any,
    out_dir: str | Path,
    *,
    languages: Sequence[str] = LANGUAGES,
    title: str | None = None,
    notes: Iterable[Any] = (),
    inputs: Any = None,
    synthetic: bool = False,
    formats: Sequence[str] = ("html", "xlsx", "csv"),
) -> list[Path]:
    """Write the dispatcher route sheets (one per vehicle) and the day's summary.

    Parameters
    ----------
    plan
        A :class:`~optimizer.services.dialysis.DialysisPlan` (personal data included).
    out_dir
        Folder for the files (created); keep it out of anything published.
    languages
        ``("zh", "en")`` (default: both, Chinese first), ``("zh",)`` or ``("en",)``.
    title
        Page title; default ``STRINGS["title"]`` in ``languages``.
    notes
        Extra footer notes: plain strings, ``(Chinese, English)`` pairs or typed
        :class:`~optimizer.results.Note` objects, rendered in ``languages``. The plan's own
        notes (approximate roads, estimated sailings, snapped homes) are always printed.
    inputs
        Optional :class:`~optimizer.services.dialysis.DialysisInputs`: names and phones of
        unserved patients, drivers of unused vehicles, English unit names.
    synthetic
        True adds the note "合成数据 Synthetic data" (the toy and synthetic Putuo inputs).
    formats
        Any of ``"html"``, ``"xlsx"``, ``"csv"``.

    Returns
    -------
    list of pathlib.Path
        The files written: ``route_sheets.html``, ``route_summary.html``,
        ``route_<vehicle>.html`` (one per vehicle with a route), ``route_sheets.xlsx``,
        ``route_stops.csv``, ``route_summary.csv``, ``route_unserved.csv`` (those of the chosen
        formats, in this order).

    Raises
    ------
    optimizer.errors.InputError
        If ``languages`` or ``formats`` is invalid, or the plan's stops table lacks a column.

    Examples
    --------
    >>> write_route_sheets(plan, "results/run1/dispatch", synthetic=True)  # doctest: +SKIP
    """
    langs = _check_languages(languages)
    fmts = tuple(formats)
    bad = [f for f in fmts if f not in ("html", "xlsx", "csv")]
    if bad or not fmts:
        raise InputError(f"formats={formats!r}; expected some of 'html', 'xlsx', 'csv'",
                         field="formats")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = route_sheet_rows(plan, languages=langs, inputs=inputs)
    summ = summary_tables(plan, languages=langs, inputs=inputs)
    title_ = title if title is not None else label("title", langs)
    notes_ = _footer_notes(plan, notes, langs, synthetic=synthetic)
    date = plan.date.isoformat()
    written: list[Path] = []
    if "html" in fmts:
        vpages = _vehicle_pages(rows, summ, langs)
        spage = _summary_page(summ, langs)
        kw = {"langs": langs, "title": title_, "date": date, "notes": notes_, "public": False}
        p = out / "route_sheets.html"
        p.write_text(_render([spage, *vpages], **kw), encoding="utf-8")
        written.append(p)
        p = out / "route_summary.html"
        p.write_text(_render([spage], **kw), encoding="utf-8")
        written.append(p)
        used: set[str] = set()
        for pg in vpages:
            name = _safe_name(pg["vehicle_id"])
            while name in used:
                name += "_"
            used.add(name)
            p = out / f"route_{name}.html"
            p.write_text(_render([pg], **kw), encoding="utf-8")
            written.append(p)
    if "xlsx" in fmts:
        written.append(_write_xlsx(out / "route_sheets.xlsx", rows, summ, langs=langs,
                                   title=title_, date=date, notes=notes_))
    if "csv" in fmts:
        written.append(_write_csv(rows, out / "route_stops.csv"))
        written.append(_write_csv(summ["kpis"], out / "route_summary.csv"))
        written.append(_write_csv(summ["unserved"], out / "route_unserved.csv"))
    return written


# ----------------------------------------------------------------------------- XLSX
def _sheet_title(text: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", str(text))[:31] or "sheet"
    name, k = base, 1
    while name.lower() in used:
        k += 1
        name = f"{base[:28]}~{k}"
    used.add(name.lower())
    return name


def _write_xlsx(path: Path, rows: pd.DataFrame, summ: Mapping[str, pd.DataFrame], *,
                langs: Sequence[str], title: str, date: str, notes: list[str]) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    from optimizer.outputs.xlsx import save_workbook

    bold = Font(bold=True)
    red = Font(bold=True, color="B00000")
    head_fill = PatternFill("solid", fgColor="E8E8E8")
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    L = lambda k: label(k, langs)
    mark = L("internal")

    def setup(ws: Any, widths: Sequence[float], header_row: int | None) -> None:
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.oddHeader.center.text = mark
        ws.oddFooter.right.text = "&P / &N"
        if header_row is not None:
            ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
            ws.print_title_rows = f"{header_row}:{header_row}"

    def table(ws: Any, r0: int, head: Sequence[str], body: Iterable[Sequence[Any]]) -> int:
        for j, h in enumerate(head, start=1):
            c = ws.cell(row=r0, column=j, value=h)
            c.font, c.fill, c.border, c.alignment = bold, head_fill, box, wrap
        r = r0
        for values in body:
            r += 1
            for j, v in enumerate(values, start=1):
                c = ws.cell(row=r, column=j, value=v)
                c.border, c.alignment = box, wrap
        return r

    wb = Workbook()
    used: set[str] = set()
    ws = wb.active
    ws.title = _sheet_title(L("summary"), used)
    ws["A1"] = f"{title} · {L('summary')}"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = mark
    ws["A2"].font = red
    ws["A3"] = f"{L('date')}: {date}"
    kp = summ["kpis"]
    end = table(ws, 5, [L("figure"), L("value")],
                [(r["label"], r["text"]) for _, r in kp.iterrows()])
    setup(ws, [34, 22, 16, 20, 28, 40, 40, 12], 5)
    # vehicles
    vh = summ["vehicles"]
    r0 = end + 2
    ws.cell(row=r0, column=1, value=L("vehicles")).font = bold
    end = table(ws, r0 + 1, [L("vehicle"), L("driver"), L("driver_phone"), L("shift"),
                             L("first_last"), L("n_stops"), L("n_patients"), L("driving_time")],
                [(r["vehicle_id"], r["driver"], r["driver_phone"], r["shift"],
                  f"{r['start']}–{r['end']}" if r["used"] == "yes" else L("not_used"),
                  r["stops"], r["patients"], r["driving_time"]) for _, r in vh.iterrows()])
    # unserved
    un = summ["unserved"]
    r0 = end + 2
    ws.cell(row=r0, column=1, value=f"{L('unserved')} ({len(un)})").font = bold
    end = table(ws, r0 + 1, [L("trip"), L("col_patient"), L("col_phone"), L("direction"),
                             L("reason"), L("detail")],
                [(r["trip_id"], r["patient_name"], r["phone"], r["direction_label"],
                  r["reason"], r["detail"]) for _, r in un.iterrows()])
    r = end + 2
    for n in notes:
        ws.cell(row=r, column=1, value=n)
        r += 1

    veh = summ["vehicles"].set_index("vehicle_id")
    cols = [L("col_no"), L("col_time"), L("col_action"), L("col_patient"), L("col_phone"),
            L("col_place"), L("col_notes"), L("col_ferry"), L("col_load")]
    for vid, grp in rows.groupby("vehicle_id", sort=False):
        v = veh.loc[vid]
        ws = wb.create_sheet(_sheet_title(str(vid), used))
        ws["A1"] = f"{title} · {L('route_sheet')} {vid}"
        ws["A1"].font = Font(bold=True, size=14)
        ws["A2"] = mark
        ws["A2"].font = red
        ws["A3"] = (f"{L('date')}: {date}   {L('vehicle')}: {vid}   {L('driver')}: "
                    f"{v['driver']}   {L('driver_phone')}: {v['driver_phone']}")
        ws["A4"] = (f"{L('seats')}: {v['seats']}   {L('wheelchair_places')}: "
                    f"{v['wheelchair_places']}   {L('shift')}: {v['shift']}")
        body = []
        for _, x in grp.iterrows():
            body.append((int(x["row"]), x["time"], x["action_label"], x["patient_name"],
                         x["phone"], x["place"], x["notes"], _ferry_text(x, langs),
                         "" if x["action"] == "board_ferry"
                         else f"{x['seats_on_board']} / {x['wheelchairs_on_board']}"))
        end = table(ws, 6, cols, body)
        for rr in range(7, end + 1):
            if "estimated" in str(ws.cell(row=rr, column=8).value or "") or \
                    "估计" in str(ws.cell(row=rr, column=8).value or ""):
                ws.cell(row=rr, column=8).font = red
        r = end + 2
        ws.cell(row=r, column=1, value=_totals_text(v, langs)).font = bold
        r += 1
        for n in notes:
            ws.cell(row=r, column=1, value=n)
            r += 1
        r += 1
        ws.cell(row=r, column=1, value=f"{L('signature_driver')}: ____________    "
                                      f"{L('signature_dispatcher')}: ____________    "
                                      f"{L('date')}: ________")
        setup(ws, [6, 8, 16, 14, 16, 30, 24, 44, 12], 6)
    save_workbook(wb, path)  # fixed document and zip times: same rows, same bytes
    return path


# ----------------------------------------------------------------------------- public
def public_summary_tables(plan: Any, *, languages: Sequence[str] = LANGUAGES
                          ) -> dict[str, pd.DataFrame]:
    """De-identified summary tables built from ``plan.public_frames()`` only.

    Parameters
    ----------
    plan
        A :class:`~optimizer.services.dialysis.DialysisPlan`.
    languages
        Languages of labels and reasons.

    Returns
    -------
    dict of pandas.DataFrame
        ``kpis`` (key, label, value, unit, as in :func:`summary_tables`); ``unserved``
        (island_id, island, direction, direction_label, time_band, code, reason, rides: unserved
        rides counted per home island, direction, two-hour band of the session and reason,
        cells under 3 merged, :meth:`DialysisPlan.unserved_counts`); ``by_reason`` (code,
        reason, trips); ``crossings`` (route_id, route_name, from_pier, to_pier, time_band,
        rides: rides per route and two-hour band of the departure, cells under 3 merged,
        :meth:`DialysisPlan.crossing_counts`). No table names a ride or an exact time.

    Raises
    ------
    optimizer.errors.PrivacyError
        If a column of a table looks personal (:func:`optimizer.outputs.maps.personal_columns`).
    """
    from optimizer.outputs.maps import assert_publishable

    langs = _check_languages(languages)
    pub = plan.public_frames()
    krows = []
    kp = pub["kpis"]
    known = [k for k in _KPI_ORDER if k in set(kp["kpi"])]
    order = known + [k for k in kp["kpi"] if k not in _KPI_ORDER]
    vals = dict(zip(kp["kpi"], kp["value"]))
    for k in order:
        krows.append(_kpi_row(k, float(vals[k]), langs))
    kpis = pd.DataFrame(krows, columns=list(_KPI_COLUMNS))
    unserved = _unserved_counts(plan.unserved_counts(), langs)
    codes = pd.Series([u.code for u in plan.unserved], dtype=object)  # as the KPI does
    by = pd.DataFrame({"code": codes, "reason": [_pair(REASONS[c].zh, REASONS[c].en, langs)
                                                 for c in codes]})
    by = by.groupby(["code", "reason"], sort=False).size().reset_index(name="trips")
    crossings = plan.crossing_counts()
    out = {"kpis": kpis, "unserved": unserved, "by_reason": by, "crossings": crossings}
    for name, df in out.items():
        assert_publishable(df, layer=f"public summary {name}")
    return out


_UNSERVED_PUBLIC = ["island_id", "island", "direction", "direction_label", "time_band", "code",
                    "reason", "rides"]


def _unserved_counts(counts: pd.DataFrame, langs: Sequence[str]) -> pd.DataFrame:
    """The published unserved counts with the labels a person reads (direction, reason)."""
    def direction(d: Any) -> str:
        d = _s(d)
        if d in ("out", "ret"):
            return label(d, langs)
        return label("both_directions", langs) if d == BOTH_DIRECTIONS else d

    return pd.DataFrame({
        "island_id": counts["island_id"], "island": counts["island_name"],
        "direction": counts["direction"],
        "direction_label": [direction(d) for d in counts["direction"]],
        "time_band": counts["time_band"], "code": counts["code"],
        "reason": [_pair(REASONS[c].zh, REASONS[c].en, langs) if c in REASONS else _s(c)
                   for c in counts["code"]],
        "rides": counts["rides"]}, columns=_UNSERVED_PUBLIC)


def _assert_no_personal_values(plan: Any, inputs: Any, texts: Mapping[str, str]) -> None:
    """Raise PrivacyError if a patient id, name or phone or a driver name or phone is in a text.

    Defence in depth behind :meth:`DialysisPlan.public_frames`: names and phones are searched as
    substrings, patient ids as whole tokens (``P3`` matches ``P3-out`` but not ``UP3``).
    """
    secrets, pid_re = _personal_values(plan, inputs)
    for where, text in texts.items():
        hits = sorted(s for s in secrets if s in text)
        if pid_re is not None:
            hits += sorted({m.group(1) for m in pid_re.finditer(text)})
        if hits:
            raise PrivacyError(f"the public summary ({where}) would show personal values "
                               f"{hits[:3]}; public_frames() must de-identify them",
                               field=where)


def _personal_values(plan: Any, inputs: Any) -> tuple[set[str], re.Pattern[str] | None]:
    """Names and phones (patients, drivers) and a whole-token regex of the patient ids."""
    secrets: set[str] = set()
    st = plan.stops
    for col in ("patient_name", "phone", "driver", "driver_phone"):
        if col in st.columns:
            secrets |= {str(v) for v in st[col].dropna()}
    if inputs is not None:
        for p in getattr(inputs, "patients", ()):
            secrets |= {str(p.name), str(p.phone)}
        for v in getattr(inputs, "vehicles", ()):
            secrets |= {str(v.driver), str(v.phone)}
    secrets.discard("")
    pids = {t.patient_id for t in plan.trips} | {u.patient_id for u in plan.unserved}
    pid_re = (re.compile("(?<![0-9A-Za-z_])(" + "|".join(
        re.escape(x) for x in sorted(pids, key=len, reverse=True)) + ")(?![0-9A-Za-z_])")
        if pids else None)
    return secrets, pid_re


def write_public_summary(
    plan: Any,
    out_dir: str | Path,
    *,
    languages: Sequence[str] = LANGUAGES,
    title: str | None = None,
    notes: Iterable[Any] = (),
    synthetic: bool = False,
    inputs: Any = None,
) -> list[Path]:
    """Write the de-identified summary of the day (no names, phones, patient ids or homes).

    Built from :meth:`DialysisPlan.public_frames` only, so nothing personal can reach it; each
    table passes :func:`optimizer.outputs.maps.assert_publishable` before it is written, and the
    text is searched for patient ids, names and phones. The plan's notes that name a patient
    (snapped homes) are withheld and counted.

    Parameters
    ----------
    plan
        A :class:`~optimizer.services.dialysis.DialysisPlan`.
    out_dir
        Folder for the files (created).
    languages, title, notes, synthetic
        As in :func:`write_route_sheets` (default title ``STRINGS["public_title"]``).
    inputs
        Optional :class:`~optimizer.services.dialysis.DialysisInputs`: the names and phones of
        every patient and driver are then also searched for in the output (without it, those on
        the plan's routes are).

    Returns
    -------
    list of pathlib.Path
        ``public_summary.html``, ``public_summary.csv`` (key figures), ``public_unserved.csv``
        (pseudonymous rides with reasons), ``public_crossings.csv`` (patients per sailing).

    Raises
    ------
    optimizer.errors.PrivacyError
        If a table would carry a personal column, or the text written would contain a patient
        id, name or phone, or a driver's name or phone (nothing is written then).
    optimizer.errors.InputError
        If ``languages`` is invalid.
    """
    langs = _check_languages(languages)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tabs = public_summary_tables(plan, languages=langs)
    page = _summary_page(tabs, langs, public=True)
    page["by_reason"] = [(r["reason"], int(r["trips"])) for _, r in tabs["by_reason"].iterrows()]
    page.update(_fleet_page(getattr(plan, "fleet_sizing", None), langs))
    secrets, pid_re = _personal_values(plan, inputs)
    notes_ = []
    withheld = 0
    for n in _footer_notes(plan, notes, langs, synthetic=synthetic):
        if any(x in n for x in secrets) or (pid_re is not None and pid_re.search(n)):
            withheld += 1  # e.g. "home of P7 snapped 40 m onto the shore"
        else:
            notes_.append(n)
    if withheld:
        notes_.append(label("notes_withheld", langs, n=withheld))
    html = _render([page], langs=langs, title=title if title is not None
                   else label("public_title", langs), date=plan.date.isoformat(),
                   notes=notes_, public=True)
    _assert_no_personal_values(plan, inputs, {"public_summary.html": html,
                                              **{k: v.to_csv(index=False)
                                                 for k, v in tabs.items()}})
    written = []
    p = out / "public_summary.html"
    p.write_text(html, encoding="utf-8")
    written.append(p)
    written.append(_write_csv(tabs["kpis"], out / "public_summary.csv"))
    written.append(_write_csv(tabs["unserved"], out / "public_unserved.csv"))
    written.append(_write_csv(tabs["crossings"], out / "public_crossings.csv"))
    return written
