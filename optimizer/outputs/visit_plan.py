"""Writer of the visit plan: published tables and territories map, internal calendar and sheets.

Published (no household value): ``visits/workload.csv`` (per worker: days, visits, hours),
``visits/unvisited.csv`` (per office and reason: households, visits) and
``maps/visit_territories.html`` (village reference points coloured by the worker who covers
them, with household counts; no home). Internal, under ``dispatch/visits/`` (marked
"内部资料 含个人信息 Internal"): ``calendar.xlsx`` (one sheet per worker: the month as a
calendar, then the visit list), ``daily_<office>.xlsx`` and ``daily_<office>.html`` (one sheet
or section per day: who visits whom, in order, with name, phone, address and needs) and
``unvisited_households.csv`` (each household not visited and why).
"""

from __future__ import annotations

import calendar
import datetime as dt
import html
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from shapely.geometry import Point

from optimizer.results import NoteKind, merge_notes, reason
from optimizer.units import hhmm
from optimizer.services.base import OutputFile, WriteContext

__all__ = ["INTERNAL", "unvisited_detail", "write_visit_plan"]

INTERNAL = "内部资料 含个人信息 · Internal: contains personal data"
"""The mark of every internal visit sheet."""

WORKER_COLORS = ("red", "blue", "green", "purple", "orange", "darkred", "cadetblue",
                 "darkgreen", "darkpurple", "pink", "gray", "black")
"""Marker colours of an office's workers on the territories map (worker k → k mod 12)."""

WEEKDAYS = ("周一 Mon", "周二 Tue", "周三 Wed", "周四 Thu", "周五 Fri", "周六 Sat", "周日 Sun")

_HEAD = {"worker": "工作人员 worker", "seq": "序号 No.", "arrive": "到达 arrive", "leave": "离开 leave",
         "household_id": "编号 id", "name": "户主 name", "phone": "电话 phone",
         "address": "地址 address", "village": "村/社区 village", "category": "类别 category",
         "mobility": "行动能力 mobility", "language": "语言 language",
         "ferry": "乘船 ferry", "travel_min": "路途(分钟) travel min"}


def _csv(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")


def _workload(plan, offices) -> pd.DataFrame:
    d = plan.days
    terr = plan.territories.groupby("worker").agg(villages=("village_code", "nunique"),
                                                  households=("households", "sum"))
    rows = []
    for o in offices:
        for k in range(o.workers):
            w = f"{o.office_id}-W{k + 1}"
            mine = d[d["worker"] == w]
            hours = (mine["travel_min"].sum() + mine["visit_min"].sum()) / 60
            rows.append((o.office_id, o.name_zh, w, int(terr["villages"].get(w, 0)),
                         int(terr["households"].get(w, 0)), len(mine), int(mine["visits"].sum()),
                         round(float(mine["travel_min"].sum()), 1), round(float(hours), 1),
                         int(mine["ferry_crossings"].sum())))
    return pd.DataFrame(rows, columns=["office_id", "office", "worker", "villages",
                                       "households", "worker_days", "visits", "travel_min",
                                       "hours", "ferry_crossings"])


def _unvisited_counts(plan, offices) -> pd.DataFrame:
    u = plan.unvisited
    name = {o.office_id: o.name_zh for o in offices}
    g = u.groupby(["office_id", "reason"]).agg(households=("household_id", "nunique"),
                                               visits=("visits_missed", "sum")).reset_index()
    g.insert(1, "office", g["office_id"].map(name))
    g["reason_zh"] = [reason(c).zh for c in g["reason"]]
    g["reason_en"] = [reason(c).en for c in g["reason"]]
    return g


def territories_map(result, path: Path, ctx: WriteContext) -> Path:
    """``maps/visit_territories.html``: each village's reference point coloured by the worker
    who covers it (tooltip: village, office, worker, households, visits a year) and the
    offices. Village level only: no home is drawn."""
    from optimizer.outputs.maps import add_points, base_map, save_map

    plan = result.plan
    notes = merge_notes(ctx.notes, result.notes)
    m = base_map(title_zh=f"{ctx.title_zh}：探访责任片区", title_en=f"{ctx.title_en}: visit "
                 "territories (village level)", tiles=ctx.tiles, notes=notes,
                 synthetic=any(n.kind is NoteKind.SYNTHETIC_DATA for n in notes))
    t = plan.territories.dropna(subset=["lon", "lat"]).copy()
    t = t.groupby(["office_id", "office", "worker", "village_code", "village", "lon", "lat"],
                  as_index=False)[["households", "visits_per_year"]].sum()
    t["color"] = [WORKER_COLORS[(int(w.rsplit("W", 1)[1]) - 1) % len(WORKER_COLORS)]
                  for w in t["worker"]]
    labels = {"village": "村/社区 village", "office": "办事处 office", "worker": "工作人员 worker",
              "households": "户数 households", "visits_per_year": "年探访次数 visits a year"}
    for oid, part in t.groupby("office_id", sort=True):
        gdf = gpd.GeoDataFrame(part, geometry=[Point(x, y) for x, y in zip(part["lon"],
                                                                           part["lat"])],
                               crs="EPSG:4326")
        add_points(m, gdf, name=(f"{part['office'].iloc[0]} 片区", f"{oid} territories"),
                   color_col="color", icon=None, radius_px=7,
                   tooltip_cols=("village", "office", "worker", "households",
                                 "visits_per_year"), labels=labels)
    offs = pd.DataFrame([(o.office_id, o.name_zh, o.workers) for o in result.inputs.offices],
                        columns=["office_id", "office", "workers"])
    gdf = gpd.GeoDataFrame(offs, geometry=[Point(o.lon, o.lat) for o in result.inputs.offices],
                           crs="EPSG:4326")
    add_points(m, gdf, name=("办事处", "offices"), color="darkblue", icon="building",
               tooltip_cols=("office", "workers"),
               labels={"office": "办事处 office", "workers": "工作人员 workers"})
    return save_map(m, path, offline=True)


MOBILITY_TEXT = {"walks": "自行走动 walks", "walking_aid": "助行器 walking aid",
                 "wheelchair": "轮椅 wheelchair", "bedridden": "卧床 bedridden"}
"""Bilingual mobility on the sheets."""


def _visit_rows(result) -> pd.DataFrame:
    hh = {h.household_id: h for h in result.inputs.households}
    v = result.plan.visits.copy()
    for col in ("name", "phone", "address", "category", "mobility", "language"):
        v[col] = [getattr(hh[i], col) for i in v["household_id"]]
    v["mobility"] = v["mobility"].map(lambda m: MOBILITY_TEXT.get(m, m))
    v["ferry"] = v["ferry"].map({"yes": "是 yes", "no": "否 no"})
    return v


def _sheet(ws, title: str, df: pd.DataFrame, cols: tuple[str, ...]) -> None:
    ws.append([INTERNAL])
    ws["A1"].font = Font(bold=True, color="C00000")
    ws.append([title])
    ws.append([_HEAD.get(c, c) for c in cols])
    for r in df[list(cols)].itertuples(index=False):
        ws.append(list(r))
    for k, c in enumerate(cols):
        ws.column_dimensions[chr(65 + k)].width = 28 if c in ("address", "village") else 12


def calendar_workbook(result, path: Path) -> Path:
    """``dispatch/visits/calendar.xlsx``: one sheet per worker, the horizon's months as a
    calendar (a cell per day: visits, villages, hours) then the worker's visits."""
    from optimizer.outputs.xlsx import save_workbook

    plan = result.plan
    v = _visit_rows(result)
    days = plan.days.set_index(["worker", "date"])
    wb = Workbook()
    wb.remove(wb.active)
    for o in result.inputs.offices:
        for k in range(o.workers):
            w = f"{o.office_id}-W{k + 1}"
            ws = wb.create_sheet(w)
            ws.append([INTERNAL])
            ws["A1"].font = Font(bold=True, color="C00000")
            ws.append([f"{o.name_zh} 工作人员 worker {w} · {plan.start.isoformat()} – "
                       f"{(plan.end - dt.timedelta(days=1)).isoformat()}"])
            mine = v[v["worker"] == w]
            month = dt.date(plan.start.year, plan.start.month, 1)
            while month < plan.end:
                ws.append([f"{month.year}-{month.month:02d}"])
                ws.append(list(WEEKDAYS))
                for week in calendar.Calendar().monthdatescalendar(month.year, month.month):
                    cells = []
                    for d in week:
                        if d.month != month.month or not plan.start <= d < plan.end:
                            cells.append("")
                            continue
                        key = (w, d.isoformat())
                        if key in days.index:
                            row = days.loc[key]
                            vil = "、".join(dict.fromkeys(mine.loc[mine["date"] == d.isoformat(),
                                                                   "village"]))
                            cells.append(f"{d.day}\n{row['visits']} 户 visits "
                                         f"{row['start']}–{row['end']}\n{vil}")
                        else:
                            cells.append(f"{d.day}")
                    ws.append(cells)
                    for c in ws[ws.max_row]:
                        c.alignment = Alignment(wrap_text=True, vertical="top")
                month = (month + dt.timedelta(days=32)).replace(day=1)
            ws.append([])
            ws.append(["日期 date", *(_HEAD[c] for c in ("seq", "arrive", "leave",
                                                           "household_id", "name", "village",
                                                           "address"))])
            for r in mine[["date", "seq", "arrive", "leave", "household_id", "name", "village",
                           "address"]].itertuples(index=False):
                ws.append(list(r))
            for col in "ABCDEFG":
                ws.column_dimensions[col].width = 18
    return save_workbook(wb, path)


_DAY_COLS = ("seq", "arrive", "leave", "household_id", "name", "phone", "address", "village",
             "category", "mobility", "language", "ferry", "travel_min")


def daily_sheets(result, office, out: Path) -> list[Path]:
    """``daily_<office>.xlsx`` (a sheet per working day) and ``daily_<office>.html`` (a section
    per day and worker) of one office, under ``out``."""
    from optimizer.outputs.xlsx import save_workbook

    v = _visit_rows(result)
    v = v[v["office_id"] == office.office_id]
    days = result.plan.days.set_index(["worker", "date"])
    wb = Workbook()
    wb.remove(wb.active)
    parts = [f"<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'><title>"
             f"{html.escape(office.name_zh)} 探访日单 daily visit sheets</title><style>"
             "body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid "
             "#999;padding:2px 6px}.mark{color:#c00;font-weight:bold}section{page-break-after:"
             "always}</style></head><body>"]
    if v.empty:
        parts.append(f"<p class='mark'>{INTERNAL}</p><p>本期无探访 No visit in the horizon</p>")
        ws = wb.create_sheet("-")
        _sheet(ws, f"{office.name_zh}: 本期无探访 no visit", v, ())
    for date, day in v.groupby("date", sort=True):
        ws = wb.create_sheet(date)
        _sheet(ws, f"{office.name_zh} {date} 探访日单 daily visit sheet", day,
               ("worker", *_DAY_COLS))
        for w, part in day.groupby("worker", sort=True):
            head = "".join(f"<th>{html.escape(_HEAD[c])}</th>" for c in _DAY_COLS)
            body = "".join("<tr>" + "".join(f"<td>{html.escape(str(x))}</td>" for x in r)
                           + "</tr>" for r in part[list(_DAY_COLS)].itertuples(index=False))
            d = days.loc[(w, date)]
            parts.append(f"<section><p class='mark'>{INTERNAL}</p><h2>{html.escape(office.name_zh)}"
                         f" · {date} · 工作人员 worker {html.escape(w)}</h2><p>{d['start']} 从办事处"
                         f"出发 leave the office · {d['end']} 回到办事处 back at the office · 探访 "
                         f"{d['visits']} 户 visits · 路途 travel {d['travel_min']} 分钟 min · 乘船 "
                         f"ferry crossings {d['ferry_crossings']}</p>"
                         f"<table><tr>{head}</tr>{body}</table></section>")
    parts.append("</body></html>")
    x = save_workbook(wb, out / f"daily_{office.office_id}.xlsx")
    h = out / f"daily_{office.office_id}.html"
    h.write_text("".join(parts), encoding="utf-8")
    return [x, h]


def write_visit_plan(result, out_dir: Path, ctx: WriteContext) -> list[OutputFile]:
    """Write the plan's files (see the module) and return them; internal ones are
    ``personal=True`` under ``dispatch/``."""
    out = Path(out_dir)
    plan, offices = result.plan, result.inputs.offices
    k = plan.kpis
    _csv(_workload(plan, offices), out / "visits" / "workload.csv")
    _csv(_unvisited_counts(plan, offices), out / "visits" / "unvisited.csv")
    territories_map(result, out / "maps" / "visit_territories.html", ctx)
    files = [
        OutputFile("visits/workload.csv", f"探访工作量（每名工作人员） Workload per worker: "
                   f"{k['visits_planned']} visits on {k['worker_days']} worker-days"),
        OutputFile("visits/unvisited.csv", f"未能探访（按办事处、原因计数） Not visited, counts by "
                   f"office and reason: {k['households_unvisited']} households"),
        OutputFile("maps/visit_territories.html", "地图：探访责任片区（村级） Map: which worker "
                   "covers which village (village level, no homes)"),
    ]
    d = out / "dispatch" / "visits"
    calendar_workbook(result, d / "calendar.xlsx")
    files.append(OutputFile("dispatch/visits/calendar.xlsx", "内部：每名工作人员的月历 Internal: "
                            "monthly calendar per worker", personal=True))
    for o in offices:
        daily_sheets(result, o, d)
        files += [OutputFile(f"dispatch/visits/daily_{o.office_id}.xlsx", f"内部：{o.name_zh}"
                             "探访日单 Internal: daily visit sheets (XLSX)", personal=True),
                  OutputFile(f"dispatch/visits/daily_{o.office_id}.html", f"内部：{o.name_zh}"
                             "探访日单 Internal: daily visit sheets (HTML)", personal=True)]
    u = plan.unvisited.copy()
    hh = {h.household_id: h for h in result.inputs.households}
    u.insert(1, "name", [hh[i].name for i in u["household_id"]])
    u["reason_zh"] = [reason(c).zh for c in u["reason"]]
    u["detail"] = [unvisited_detail(r, offices, plan) for r in u.itertuples(index=False)]
    _csv(u, d / "unvisited_households.csv")
    files.append(OutputFile("dispatch/visits/unvisited_households.csv", "内部：未能探访的家庭及原因 "
                            "Internal: households not visited and why", personal=True))
    return files


def unvisited_detail(row: Any, offices: Any, plan: Any) -> str:
    """Why one household was not visited, in words a social worker acts on: the village, the
    office, its working day as ``HH:MM``–``HH:MM`` and the horizon's dates (``row``: a row of
    ``plan.unvisited``; ``offices``: the offices, each with ``office_id``, ``name_zh``,
    ``workers``, ``start_s`` seconds after midnight and ``hours_per_day`` hours)."""
    o = {x.office_id: x for x in offices}[row.office_id]
    day = f"{hhmm(o.start_s)}–{hhmm(o.start_s + o.hours_per_day * 3600)}"
    span = f"{plan.start.isoformat()}–{plan.end.isoformat()}"
    where = f"{row.village} ({row.island_id})"
    if row.reason == "VISIT_NO_SAILING":
        return (f"{where}: on no working day of {span} do the sailings take a worker of "
                f"{o.name_zh} leaving at {hhmm(o.start_s)} there and back within the day "
                f"({day}); allow a longer ferry day (visits.ferry_day_extra_min) or ask staff "
                "on the island to visit")
    if row.reason == "OFFICE_CAPACITY":
        return (f"{where}: the {o.workers} worker(s) of {o.name_zh} ({day}) have no working "
                f"day left in {span}; add a worker or visiting hours")
    return (f"{where}: no road joins the home to {o.name_zh}, or one visit there and back does "
            f"not fit the working day ({day}); check the address")
