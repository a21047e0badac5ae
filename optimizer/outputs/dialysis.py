"""Every file of the dialysis ride service: dispatcher sheets, route maps, published tables.

:func:`write_dialysis` writes, under the run folder,

* ``dispatch/`` (personal data, never published): ``route_sheets.html``/``.xlsx``, one
  ``route_<vehicle>.html`` per vehicle with a route, ``route_summary.html``/``.csv``,
  ``route_stops.csv``, ``route_unserved.csv`` (:func:`optimizer.outputs.sheets.write_route_sheets`)
  and ``routes_map.html`` (the dispatcher map);
* ``maps/routes.html``: the published route map (homes at village points);
* ``dialysis/``: ``public_summary.html`` and ``public_*.csv``
  (:func:`optimizer.outputs.sheets.write_public_summary`: unserved rides and crossings as counts
  per island or route and two-hour band, cells under 3 merged) and the de-identified tables of
  :meth:`~optimizer.services.dialysis.DialysisPlan.published_tables` (``stops`` as counts per
  village or place and two-hour band with cells under 3 merged, ``crossings``, ``trips``,
  ``unserved``, ``kpis`` ``.csv``);

and returns every one of them as an :class:`~optimizer.services.base.OutputFile` with a bilingual
description (``personal`` exactly for ``dispatch/``). The "synthetic data (not real patients)"
label follows the patients file's own ``synthetic`` flag
(:attr:`~optimizer.services.dialysis.DialysisInputs.synthetic_patients`); the notes printed are
the plan's (its inputs' and the network's), so no other service's label reaches a ride sheet.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from optimizer.outputs.csvfiles import write_csv
from optimizer.outputs.maps import assert_publishable
from optimizer.outputs.route_map import save_route_map
from optimizer.outputs.sheets import write_public_summary, write_route_sheets
from optimizer.results import Note, merge_notes
from optimizer.services.base import OutputFile, WriteContext

__all__ = ["DESCRIPTIONS", "write_dialysis"]

DESCRIPTIONS: dict[str, str] = {
    "dispatch/route_sheets.html": "调度员行车单（打印，含个人信息，勿公开）Dispatcher route sheets, "
                                  "one page per vehicle (print; personal data: do not publish)",
    "dispatch/route_summary.html": "调度员当日汇总（含个人信息）Dispatcher summary of the day "
                                   "(personal data)",
    "dispatch/route_sheets.xlsx": "调度员行车单 Excel Dispatcher route sheets (XLSX)",
    "dispatch/route_stops.csv": "行车单 CSV Route stops for machines (personal data)",
    "dispatch/route_summary.csv": "当日主要指标 CSV Key figures of the day (dispatcher copy)",
    "dispatch/route_unserved.csv": "未能安排的接送及原因（含个人信息）Unserved trips with reasons "
                                   "(personal data)",
    "dispatch/routes_map.html": "调度地图（含个人信息）Dispatcher route map (personal data)",
    "maps/routes.html": "地图：接送路线（已脱敏）Map: ride routes (de-identified)",
    "dialysis/public_summary.html": "接送汇总（已脱敏，可公开）Ride summary, de-identified "
                                    "(publishable)",
    "dialysis/public_summary.csv": "接送主要指标（已脱敏）Ride key figures (de-identified)",
    "dialysis/public_unserved.csv": "未能安排的接送人次：按岛屿、原因、方向和两小时时段（少于3的格已合并）"
                                    "Unserved rides counted per island, reason, direction and "
                                    "two-hour band (cells under 3 merged)",
    "dialysis/public_crossings.csv": "各航线每两小时过海人次（少于3的格已合并）Rides crossing per "
                                     "ferry route and two-hour band (cells under 3 merged)",
    "dialysis/stops.csv": "各村/地点每两小时上下车次数（少于3次的格已合并）Pickups and "
                          "drop-offs per village or place and two-hour band (cells under 3 "
                          "merged)",
    "dialysis/crossings.csv": "渡轮过海行程（已脱敏）Ferry crossings of the rides (de-identified)",
    "dialysis/trips.csv": "各行程全程时间（已脱敏）Whole-trip durations (de-identified)",
    "dialysis/unserved.csv": "未能安排的接送及原因（已脱敏）Unserved rides with reasons "
                             "(de-identified)",
    "dialysis/kpis.csv": "接送主要指标 Ride key figures",
    "dialysis/fleet_sizing.csv": "车队规模：每增加一辆车多服务的行程 Fleet sizing: trips served "
                                 "after each added vehicle",
}
"""Bilingual description of every file :func:`write_dialysis` may write (relative paths);
per-vehicle sheets are described by :func:`_describe`."""

_VEHICLE_SHEET = re.compile(r"^dispatch/route_(?P<vid>.+)\.html$")


def _describe(rel: str) -> str:
    if rel in DESCRIPTIONS:
        return DESCRIPTIONS[rel]
    hit = _VEHICLE_SHEET.match(rel)
    if hit:
        vid = hit.group("vid")
        return f"车辆 {vid} 行车单（含个人信息）Route sheet of vehicle {vid} (personal data)"
    raise KeyError(f"no description for {rel}")  # pragma: no cover - guards DESCRIPTIONS


def _output(out_dir: Path, path: Path) -> OutputFile:
    rel = path.resolve().relative_to(out_dir.resolve()).as_posix()
    return OutputFile(rel, _describe(rel), personal=rel.startswith("dispatch/"))


def _public_tables(plan: Any, folder: Path) -> list[Path]:
    """The de-identified tables of ``plan.published_tables()`` (stops as counts per place and
    time band, small cells merged), each checked for personal columns before it is written."""
    written = []
    for name, df in plan.published_tables().items():
        assert_publishable(df, layer=f"dialysis {name}.csv")
        written.append(write_csv(df, folder / f"{name}.csv"))
    return written


def write_dialysis(plan: Any, inputs: Any, out_dir: str | Path, ctx: WriteContext
                   ) -> list[OutputFile]:
    """Write every file of the dialysis day plan and return them all.

    Parameters
    ----------
    plan
        A :class:`~optimizer.services.dialysis.DialysisPlan`.
    inputs
        Its :class:`~optimizer.services.dialysis.DialysisInputs` (names and phones for the
        dispatcher sheets and the privacy checks of the published summary), or ``None``.
    out_dir
        The run folder; files go to ``dispatch/``, ``maps/`` and ``dialysis/`` under it.
    ctx
        Network (maps), languages, map tiles, titles (``ctx.title``) and the run's notes.

    Returns
    -------
    list of OutputFile
        Every file written, paths relative to ``out_dir``; ``personal`` exactly for
        ``dispatch/``.

    Raises
    ------
    optimizer.errors.PrivacyError
        If a published table or text would show personal data.
    optimizer.errors.InputError
        As the sheet and map writers (bad languages, stops without coordinates, …).
    """
    out = Path(out_dir)
    notes = merge_notes(ctx.notes, plan.notes)  # ctx.notes: the network's labels
    synthetic = bool(inputs.synthetic_patients)
    langs: Sequence[str] = tuple(ctx.languages)
    written = list(write_route_sheets(plan, out / "dispatch", languages=langs, title=ctx.title,
                                      notes=notes, inputs=inputs, synthetic=synthetic))
    written += write_public_summary(plan, out / "dialysis", languages=langs, title=ctx.title,
                                    notes=notes, synthetic=synthetic, inputs=inputs)
    written += _public_tables(plan, out / "dialysis")
    fleet = getattr(plan, "fleet_sizing", None)
    if fleet is not None:  # types, islands and counts only: nothing personal
        assert_publishable(fleet.table, layer="dialysis fleet_sizing.csv")
        written.append(write_csv(fleet.table, out / "dialysis" / "fleet_sizing.csv"))
    G, islands = ctx.network.G, ctx.network.islands
    written.append(save_route_map(plan, G, out / "maps" / "routes.html", islands=islands,
                                  tiles=ctx.tiles, published=True, synthetic=synthetic,
                                  notes=_published_notes(notes, inputs),
                                  villages=inputs.village_points))
    written.append(save_route_map(plan, G, out / "dispatch" / "routes_map.html",
                                  islands=islands, tiles=ctx.tiles, published=False,
                                  synthetic=synthetic, notes=notes))
    return [_output(out, p) for p in dict.fromkeys(written)]


def _published_notes(notes: Sequence[Note], inputs: Any) -> list[Note]:
    """The notes a published map may show: those naming no patient (snapped homes and island
    mismatches name patient ids; the dispatcher map keeps them)."""
    ids = {p.patient_id for p in getattr(inputs, "patients", ())}
    if not ids:
        return list(notes)
    token = re.compile("(?<![0-9A-Za-z_])(" + "|".join(
        re.escape(x) for x in sorted(ids, key=len, reverse=True)) + ")(?![0-9A-Za-z_])")
    return [n for n in notes if not token.search(str(n))]
