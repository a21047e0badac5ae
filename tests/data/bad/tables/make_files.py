"""Regenerate the bad (and good) table files of this folder from the ``optimizer init`` examples.

Run from the repository root: ``python tests/data/bad/tables/make_files.py``. Every file is the
example table of :mod:`optimizer.services.dialysis.columns` or
:mod:`optimizer.services.meals.columns` with one rule broken (see README.md); the tests copy a
file over the matching file of a scenario scaffolded by ``optimizer init`` and run
``optimizer validate``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from optimizer.scenario.registry import all_tables

HERE = Path(__file__).parent
SPECS = {s.name: s for s in all_tables()}


def _rows(name: str, header: list[str] | None = None, edit=None, extra=()) -> tuple[list, list]:
    spec = SPECS[name]
    head = list(header or spec.names)
    rows = [dict(r) for r in spec.example_rows]
    if edit:
        edit(rows)
    rows += list(extra)
    return head, [[r.get(c if c in r else _orig(c), "") for c in head] for r in rows]


def _orig(col: str) -> str:
    """The spec column a misspelt header stands for (its example values are kept)."""
    return {"escorted": "escort", "ride_services": "ride_service",
            "wheelchair_place": "wheelchair_places", "deliver": "delivers"}.get(col, col)


def _text(head: list, rows: list) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(head)
    w.writerows(rows)
    return buf.getvalue()


def _rename(name: str, old: str, new: str) -> list[str]:
    return [new if c == old else c for c in SPECS[name].names]


def _set(k: int, **values: str):
    def edit(rows: list[dict]) -> None:
        rows[k].update(values)
    return edit


def main() -> None:
    files = {
        "patients_misspelt_optional.csv": _rows("dialysis_patients", [
            *_rename("dialysis_patients", "escort", "escorted")[:-1], "ride_services"]),
        "vehicles_misspelt_optional.csv": _rows(
            "vehicles", _rename("vehicles", "wheelchair_places", "wheelchair_place")),
        "canteens_misspelt_optional.csv": _rows(
            "canteens", _rename("canteens", "delivers", "deliver")),
        "vehicles_missing_required.csv": _rows(
            "vehicles", [c for c in SPECS["vehicles"].names if c not in ("seats", "shift_end")]),
        "vehicles_zero_seats.csv": _rows("vehicles", edit=_set(0, seats="0")),
        "vehicles_unknown_island.csv": _rows("vehicles",
                                             edit=_set(0, serves_islands="ISL001;ISL999")),
        "canteens_negative_capacity.csv": _rows("canteens",
                                                edit=_set(0, capacity_meals_per_day="-150")),
        "canteens_absurd_capacity.csv": _rows("canteens",
                                              edit=_set(0, capacity_meals_per_day="150000")),
    }
    for fname, (head, rows) in files.items():
        (HERE / fname).write_text(_text(head, rows), encoding="utf-8")
    head, rows = _rows("canteens")
    text = _text(head, rows)
    (HERE / "canteens_gbk.csv").write_bytes(text.encode("gbk"))
    (HERE / "canteens_bom.csv").write_bytes(text.encode("utf-8-sig"))
    # a UTF-8 file with one line pasted from a GBK file (the second data row, line 3)
    second = dict(SPECS["canteens"].example_rows[0], canteen_id="C02", name_zh="东大幸福食堂")
    head, rows = _rows("canteens", extra=[second])
    lines = _text(head, rows).splitlines(keepends=True)
    (HERE / "canteens_mixed_encoding.csv").write_bytes(
        b"".join(ln.encode("gbk" if k == 2 else "utf-8") for k, ln in enumerate(lines)))
    # 60 demand points with a negative count: 50 shown, "… and 10 more"
    base = SPECS["elderly_points"].example_rows[0]
    many = [dict(base, point_id=f"330903001001-{k}", elderly_60plus="-1") for k in range(1, 61)]
    head = list(SPECS["elderly_points"].names)
    (HERE / "elderly_points_60_bad.csv").write_text(
        _text(head, [[r.get(c, "") for c in head] for r in many]), encoding="utf-8")
    _vehicles_xlsx(HERE / "vehicles_time_cells.xlsx")


def _vehicles_xlsx(path: Path) -> None:
    """The example vehicle with its shift as Excel time cells: 06:30 a ``time`` cell, 18:30 a
    date-time on Excel's day zero (how LibreOffice and pandas exports store a time)."""
    import openpyxl

    spec = SPECS["vehicles"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(spec.names))
    row = dict(spec.example_rows[0])
    cells = [row.get(c, "") for c in spec.names]
    cells[spec.names.index("shift_start")] = dt.time(6, 30)
    cells[spec.names.index("shift_end")] = dt.datetime(1899, 12, 30, 18, 30)
    cells[spec.names.index("seats")] = 4
    cells[spec.names.index("lon")] = float(row["lon"])
    cells[spec.names.index("lat")] = float(row["lat"])
    ws.append(cells)
    ws.cell(2, spec.names.index("shift_start") + 1).number_format = "hh:mm"
    ws.cell(2, spec.names.index("shift_end") + 1).number_format = "hh:mm"
    wb.save(path)


if __name__ == "__main__":
    main()
