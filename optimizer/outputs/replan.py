"""The files of a re-plan (``optimizer replan``): the new dispatcher route sheets and the change
list, all under ``dispatch/`` (names and phones: never published).

* ``dispatch/route_sheets.html`` / ``.xlsx``, ``route_<vehicle>.html``, ``route_stops.csv`` …
  (:func:`optimizer.outputs.sheets.write_route_sheets`, the same sheets as a run's);
* ``dispatch/changes.csv`` and ``dispatch/changes.html``: whom to call (patient, old and new
  driver, with phones), what changed, old and new times (HH:MM), trips no longer served with
  their reason code.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.outputs.csvfiles import write_csv
from optimizer.outputs.sheets import write_route_sheets
from optimizer.services.base import OutputFile

__all__ = ["CHANGE_HEADERS", "changes_html", "write_replan"]

CHANGE_HEADERS: dict[str, str] = {
    "trip_id": "行程 Trip", "patient_id": "患者编号 Patient", "patient_name": "姓名 Name",
    "patient_phone": "电话 Phone", "direction": "方向 Direction", "change_zh": "变更",
    "change_en": "Change", "call": "需通知 Call", "old_vehicle": "原车 Old vehicle",
    "new_vehicle": "新车 New vehicle", "old_pickup": "原上车 Old pickup",
    "new_pickup": "新上车 New pickup", "old_dropoff": "原到达 Old drop-off",
    "new_dropoff": "新到达 New drop-off", "old_sailing": "原航班 Old sailing",
    "new_sailing": "新航班 New sailing", "code": "原因代码 Code", "reason_zh": "原因",
    "reason_en": "Reason", "detail": "说明 Detail"}
"""Columns of ``changes.html`` and their bilingual headers."""


def changes_html(changes: pd.DataFrame, *, title: str) -> str:
    """The change list as a printable HTML page (every value escaped)."""
    cols = [c for c in CHANGE_HEADERS if c in changes.columns]
    head = "".join(f"<th>{html.escape(CHANGE_HEADERS[c])}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(r[c]))}</td>" for c in cols) + "</tr>"
        for r in changes.to_dict("records"))
    empty = "" if len(changes) else "<p>无变更 No changes.</p>"
    return ("<!DOCTYPE html>\n<html lang=\"zh\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>body{{font-family:sans-serif}}"
            "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #999;"
            "padding:2px 4px;vertical-align:top}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p>调度员专用，含个人信息，勿公开 · Dispatcher only: "
            "personal data, do not publish.</p>"
            f"{empty}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            "</body></html>\n")


def write_replan(plan: Any, changes: pd.DataFrame, out_dir: str | Path, *,
                 languages: Sequence[str] = ("zh", "en"), title: str = "",
                 notes: Iterable[Any] = ()) -> list[OutputFile]:
    """Write the re-plan's route sheets and change list under ``out_dir/dispatch``.

    Parameters
    ----------
    plan
        The new plan (:func:`optimizer.services.dialysis.replan_changes.as_plan`).
    changes
        The change list (:func:`optimizer.services.dialysis.replan_changes.change_list`).
    out_dir
        The output folder.
    languages, title, notes
        As :func:`optimizer.outputs.sheets.write_route_sheets`.

    Returns
    -------
    list of OutputFile
        Every file written (all personal, under ``dispatch/``).

    Raises
    ------
    optimizer.errors.InputError
        As the sheet writer (bad languages).
    """
    out = Path(out_dir)
    folder = out / "dispatch"
    inputs = plan.inputs
    written = list(write_route_sheets(plan, folder, languages=languages, title=title,
                                      notes=[*notes, *plan.notes], inputs=inputs,
                                      synthetic=bool(inputs.synthetic_patients)))
    written.append(write_csv(changes, folder / "changes.csv"))
    page = folder / "changes.html"
    page.write_text(changes_html(changes, title=f"{title} · 变更清单 Change list"),
                    encoding="utf-8")
    written.append(page)
    files = []
    for p in dict.fromkeys(written):
        rel = p.resolve().relative_to(out.resolve()).as_posix()
        what = ("变更清单：通知谁、变更内容、新旧时间（含个人信息）Change list: whom to call, what "
                "changed, old and new times (personal data)" if p.name.startswith("changes")
                else f"重新排班后的行车单（含个人信息）Re-planned route sheet {p.name} "
                     "(personal data)")
        files.append(OutputFile(rel, what, personal=True))
    return files
