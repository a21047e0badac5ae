"""Every file of the dialysis week: drivers' rosters, patients' notices, daily sheets, week tables.

:func:`write_dialysis_week` writes, under the run folder,

* ``dispatch/week/`` (personal data, never published): ``roster.xlsx`` (one printable sheet per
  driver: the week's days as columns, the stops of each day down the column: time, pickup or
  drop-off, patient, phone, place), ``roster.csv`` (the same stops, one per row),
  ``notices.xlsx``/``notices.csv`` (one row per patient: each day's pickup times, driver and
  driver's phone, or why there is no ride) and ``notices.html`` (the same, one printable page
  per patient), ``unserved.csv`` (every trip of the week not served,
  with its reason: a day plan's or an exception's), ``spreads.csv`` (pickup spreads per patient
  and direction);
* ``dispatch/<date>/``: the day's route sheets
  (:func:`optimizer.outputs.sheets.write_route_sheets`);
* ``dialysis_week/``: ``kpis.csv`` (the week's and each day's figures), ``hours.csv``
  (vehicle hours over the week against the limit) and, with ``dialysis_week.fleet_sizing``,
  ``fleet_sizing.csv`` (the weekly curve): no personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.outputs.csvfiles import write_csv
from optimizer.outputs.maps import assert_publishable
from optimizer.outputs.sheets import route_sheet_rows, write_route_sheets
from optimizer.outputs.xlsx import save_workbook
from optimizer.results import merge_notes, reason
from optimizer.services.base import OutputFile, WriteContext

__all__ = ["DESCRIPTIONS", "notices_table", "roster_table", "write_dialysis_week"]

WEEKDAY_LABELS = ("周一 Mon", "周二 Tue", "周三 Wed", "周四 Thu", "周五 Fri", "周六 Sat",
                  "周日 Sun")
ACTIONS = {"start": "出车 depart", "pickup": "接 pick up", "dropoff": "送达 drop off",
           "end": "收车 back"}

DESCRIPTIONS: dict[str, str] = {
    "dispatch/week/roster.xlsx": "司机周排班表（每位司机一页：各天×各站，可打印，含个人信息）Weekly "
                                 "roster per driver: days x stops, printable (personal data)",
    "dispatch/week/roster.csv": "司机周排班 CSV（含个人信息）Weekly roster, one stop per row "
                                "(personal data)",
    "dispatch/week/notices.xlsx": "患者周通知（各天接车时间、司机及电话；仅调度员）Weekly notice per "
                                  "patient: pickup times, driver and phone (dispatcher only)",
    "dispatch/week/notices.html": "患者周通知（每人一页，可打印；仅调度员）Weekly notice per "
                                  "patient, one page each, printable (dispatcher only)",
    "dispatch/week/notices.csv": "患者周通知 CSV（仅调度员）Weekly notices (dispatcher only)",
    "dispatch/week/unserved.csv": "本周未安排的行程及原因（含例外）Trips of the week not served, "
                                  "with reasons (exceptions included; personal data)",
    "dispatch/week/spreads.csv": "各患者本周接车时间差（分钟）Pickup time spread per patient "
                                 "over the week (personal data)",
    "dialysis_week/kpis.csv": "周计划主要指标（全周及每天）Week key figures (week and each day)",
    "dialysis_week/hours.csv": "各车本周出车时数及上限 Vehicle hours over the week and their "
                               "limit",
    "dialysis_week/fleet_sizing.csv": "本周车队规模：每增加一辆（每天出车）多服务的本周行程 Fleet "
                                      "sizing of the week: trips of the week served as each "
                                      "vehicle (working every day) is added",
}
"""Bilingual description of the week files; the daily sheets are described by
:func:`_describe`."""


def _describe(rel: str) -> str:
    if rel in DESCRIPTIONS:
        return DESCRIPTIONS[rel]
    parts = rel.split("/")
    if len(parts) == 3 and parts[0] == "dispatch":
        return f"{parts[1]} 当日行车单（含个人信息）Route sheets of {parts[1]}: {parts[2]} " \
               "(personal data)"
    raise KeyError(f"no description for {rel}")  # pragma: no cover - guards DESCRIPTIONS


def _output(out_dir: Path, path: Path) -> OutputFile:
    rel = path.resolve().relative_to(out_dir.resolve()).as_posix()
    return OutputFile(rel, _describe(rel), personal=rel.startswith("dispatch/"))


def _day_label(day: Any) -> str:
    return f"{day.isoformat()} {WEEKDAY_LABELS[day.weekday()]}"


# ----------------------------------------------------------------------------- tables
def roster_table(week: Any) -> pd.DataFrame:
    """Every stop of the week, one per row: date, weekday, vehicle, driver, driver's phone,
    seq, clock (HH:MM), action (and its label), patient id and name, phone, place, note
    (personal data). Places and notes are the daily route sheets' own
    (:func:`optimizer.outputs.sheets.route_sheet_rows`: the address, else the village and the
    position; the base by its village and island; piers and the unit by name), so the roster
    and the day's sheet say the same."""
    cols = ["date", "weekday", "vehicle_id", "driver", "driver_phone", "seq", "clock", "action",
            "action_label", "patient_id", "patient_name", "phone", "place_name", "note"]
    frames = []
    for wd in week.days:
        st = wd.plan.stops
        if st is None or st.empty:
            continue
        rows = route_sheet_rows(wd.plan, inputs=getattr(wd.plan, "inputs", None))
        drivers = st.drop_duplicates("vehicle_id").set_index("vehicle_id")
        df = pd.DataFrame({
            "date": wd.date.isoformat(), "weekday": WEEKDAY_LABELS[wd.date.weekday()],
            "vehicle_id": rows["vehicle_id"],
            "driver": rows["vehicle_id"].map(drivers["driver"]),
            "driver_phone": rows["vehicle_id"].map(drivers["driver_phone"]),
            "seq": rows["row"], "clock": rows["time"], "action": rows["action"],
            "action_label": rows["action_label"], "patient_id": rows["patient_id"],
            "patient_name": rows["patient_name"], "phone": rows["phone"],
            "place_name": rows["place"], "note": rows["notes"]})
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True)[cols].fillna("")


def _ride_text(st: pd.DataFrame, trip_id: str) -> str:
    """``"07:05 司机 张某 (100-…)"``: the first pickup of the trip, its driver and phone."""
    rows = st[(st["trip_id"] == trip_id) & (st["action"] == "pickup")]
    if rows.empty:
        return ""
    first = rows.sort_values("start_s").iloc[0]
    more = " +渡轮 ferry" if len(rows) > 1 else ""
    return f"{first['clock']} {first['driver']} {first['driver_phone']}{more}".strip()


def notices_table(week: Any) -> pd.DataFrame:
    """One row per patient with a session in the week: patient id, name, phone, then per day
    ``去 out: HH:MM driver phone; 回 back: …`` or the reason there is no ride (personal)."""
    patients = {p.patient_id: p for p in week.inputs.day.patients}
    cells: dict[str, dict[str, str]] = {}
    for wd in week.days:
        col, st = _day_label(wd.date), wd.plan.stops
        why = {u.trip_id: reason(u.code).label for u in (*wd.plan.unserved, *wd.excepted)}
        trips = {t.trip_id: t for t in wd.plan.trips}
        trips.update({u.trip_id: None for u in wd.excepted})
        for pid in sorted({t.rpartition("-")[0] for t in trips}):
            parts = []
            for way, label in (("out", "去 out"), ("ret", "回 back")):
                tid = f"{pid}-{way}"
                text = why.get(tid) or (_ride_text(st, tid) if st is not None and len(st) else "")
                parts.append(f"{label}: {text or '—'}")
            cells.setdefault(pid, {})[col] = "; ".join(parts)
    days = [_day_label(wd.date) for wd in week.days]
    rows = [{"patient_id": pid, "name": patients[pid].name, "phone": patients[pid].phone,
             **{d: cells[pid].get(d, "") for d in days}} for pid in sorted(cells)]
    return pd.DataFrame(rows, columns=["patient_id", "name", "phone", *days])


def _unserved_table(week: Any) -> pd.DataFrame:
    rows = [{"date": wd.date.isoformat(), "trip_id": u.trip_id, "patient_id": u.patient_id,
             "direction": u.direction, "code": u.code, "reason_zh": u.text_zh,
             "reason_en": u.text_en, "detail": u.detail}
            for wd in week.days for u in (*wd.excepted, *wd.plan.unserved)]
    return pd.DataFrame(rows, columns=["date", "trip_id", "patient_id", "direction", "code",
                                       "reason_zh", "reason_en", "detail"])


def _kpi_table(week: Any) -> pd.DataFrame:
    rows = [{"scope": "week", "kpi": k, "value": v} for k, v in week.kpis.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)]
    for day, figures in week.kpis.get("per_day", {}).items():
        rows += [{"scope": day, "kpi": k, "value": v} for k, v in figures.items()]
    return pd.DataFrame(rows, columns=["scope", "kpi", "value"])


# ----------------------------------------------------------------------------- roster
def _roster_workbook(week: Any, path: Path, title: str) -> Path:
    """One sheet per vehicle with a route in the week: days across, stops down; landscape,
    fitted to one page wide, header rows repeated on every page."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    roster = roster_table(week)
    wb = Workbook()
    wb.remove(wb.active)
    days = [wd.date for wd in week.days]
    for v in week.inputs.day.vehicles:
        mine = roster[roster["vehicle_id"] == v.vehicle_id]
        if mine.empty:
            continue
        ws = wb.create_sheet(v.vehicle_id[:31])
        ws.append([f"{title} · 周排班 weekly roster · {v.vehicle_id} · 司机 driver {v.driver} "
                   f"{v.phone}"])
        ws["A1"].font = Font(bold=True)
        ws.append([_day_label(d) for d in days])
        for cell in ws[2]:
            cell.font = Font(bold=True)
        columns = []
        for d in days:
            rows = mine[mine["date"] == d.isoformat()].sort_values("seq")
            columns.append([_stop_text(r) for r in rows.itertuples(index=False)])
        for k in range(max((len(c) for c in columns), default=0)):
            ws.append([c[k] if k < len(c) else "" for c in columns])
        for col in ws.iter_cols(min_row=3):
            for cell in col:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for k in range(len(days)):
            ws.column_dimensions[chr(ord("A") + k)].width = 30
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = "1:2"
    if not wb.sheetnames:
        wb.create_sheet("roster").append(["本周没有出车 no vehicle is used this week"])
    return save_workbook(wb, path)


def _stop_text(r: Any) -> str:
    who = " ".join(x for x in (str(r.patient_name), str(r.phone)) if x and x != "nan")
    note = f" ({r.note})" if str(r.note) not in ("", "nan") else ""
    act = ACTIONS.get(str(r.action), str(getattr(r, "action_label", "")) or str(r.action))
    return f"{r.clock} {act} {who} @ {r.place_name}{note}" \
        .replace("  ", " ")


def _notices_workbook(notices: pd.DataFrame, path: Path, title: str) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "notices"
    ws.append([f"{title} · 患者周通知 weekly notices (仅调度员 dispatcher only)"])
    ws["A1"].font = Font(bold=True)
    ws.append(list(notices.columns))
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in notices.itertuples(index=False):
        ws.append([str(x) for x in row])
    for col in ws.iter_cols(min_row=3):
        for cell in col:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for k in range(len(notices.columns)):
        ws.column_dimensions[chr(ord("A") + k)].width = 12 if k < 3 else 34
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:2"
    return save_workbook(wb, path)


def _notices_html(notices: pd.DataFrame, path: Path, title: str, synthetic: bool) -> Path:
    """One printable notice per patient (a page each): the week's days with the pickup times,
    driver and phone, or why there is no ride."""
    from html import escape

    days = [c for c in notices.columns if c not in ("patient_id", "name", "phone")]
    banner = ('<p class="syn">合成数据（非真实患者）Synthetic data (not real patients)</p>'
              if synthetic else "")
    blocks = []
    for r in notices.to_dict("records"):
        rows = "".join(f"<tr><th>{escape(d)}</th><td>{escape(str(r[d]) or '—')}</td></tr>"
                       for d in days if str(r[d]))
        blocks.append(f'<section class="notice"><h2>{escape(str(r["name"]))} '
                      f'({escape(str(r["patient_id"]))}) · {escape(str(r["phone"]))}</h2>'
                      f"{banner}<p>本周接送安排 Your rides this week (去 = 接您去透析中心 out to "
                      "the unit; 回 = 接您回家 back home; 时间为司机到达接您的时间 times are "
                      "when the driver picks you up):</p>"
                      f"<table>{rows}</table></section>")
    page = ("<!DOCTYPE html><html lang=\"zh\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)} · 患者周通知 weekly notices</title><style>"
            "body{font-family:sans-serif}.notice{page-break-after:always;margin-bottom:2em}"
            "th{text-align:left;padding-right:1em;vertical-align:top}.syn{color:#a00}"
            "</style></head><body>" + "".join(blocks) + "</body></html>\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- writer
def write_dialysis_week(week: Any, out_dir: str | Path, ctx: WriteContext) -> list[OutputFile]:
    """Write every file of the week plan (module docs) and return them all.

    Parameters
    ----------
    week
        A :class:`~optimizer.services.dialysis_week.WeekPlan`.
    out_dir
        The run folder.
    ctx
        Languages, titles and the run's notes.

    Returns
    -------
    list of OutputFile
        Every file written, paths relative to ``out_dir``; ``personal`` exactly for
        ``dispatch/``.

    Raises
    ------
    optimizer.errors.PrivacyError
        If a published table would carry a personal column.
    """
    out = Path(out_dir)
    wk = out / "dispatch" / "week"
    langs: Sequence[str] = tuple(ctx.languages)
    written = [_roster_workbook(week, wk / "roster.xlsx", ctx.title),
               write_csv(roster_table(week), wk / "roster.csv")]
    notices = notices_table(week)
    written += [_notices_workbook(notices, wk / "notices.xlsx", ctx.title),
                write_csv(notices, wk / "notices.csv"),
                _notices_html(notices, wk / "notices.html", ctx.title,
                              bool(week.inputs.day.synthetic_patients)),
                write_csv(_unserved_table(week), wk / "unserved.csv"),
                write_csv(week.spreads, wk / "spreads.csv")]
    inputs = week.inputs.day
    for wd in week.days:
        notes = merge_notes(ctx.notes, wd.plan.notes)
        written += write_route_sheets(wd.plan, out / "dispatch" / wd.date.isoformat(),
                                      languages=langs, title=f"{ctx.title} · {_day_label(wd.date)}",
                                      notes=notes, inputs=inputs,
                                      synthetic=bool(inputs.synthetic_patients))
    kpis, hours = _kpi_table(week), week.hours
    assert_publishable(kpis, layer="dialysis_week kpis.csv")
    assert_publishable(hours, layer="dialysis_week hours.csv")
    written += [write_csv(kpis, out / "dialysis_week" / "kpis.csv"),
                write_csv(hours, out / "dialysis_week" / "hours.csv")]
    fleet = getattr(week, "fleet_sizing", None)
    if fleet is not None:  # types, islands and counts only: nothing personal
        assert_publishable(fleet.table, layer="dialysis_week fleet_sizing.csv")
        written.append(write_csv(fleet.table, out / "dialysis_week" / "fleet_sizing.csv"))
    return [_output(out, p) for p in dict.fromkeys(written)]
