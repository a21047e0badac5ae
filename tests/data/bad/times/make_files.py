"""Writes vehicles_excel_cells.xlsx: shift times as real Excel time cells (openpyxl).

Row VA1: ``datetime.time`` cells (number format hh:mm); row VB1: a date-time cell on Excel's
1900-01-01 base (what some exports write for a time) and a day fraction (0.75 = 18:00) typed as a
number. Run ``python tests/data/bad/times/make_files.py`` to regenerate.
"""

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

HEAD = ["vehicle_id", "driver", "phone", "base_village_code", "island_id", "lon", "lat", "seats",
        "wheelchair_places", "shift_start", "shift_end", "serves_islands", "may_board_car_ferry"]


def main() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "vehicles"
    ws.append(HEAD)
    ws.append(["VA1", "司机1", "101-0000-0001", "VTA", "TA", 122.072739032, 29.926478981, 4, 1,
               dt.time(7, 30), dt.time(18, 0), "all", "no"])
    ws.append(["VB1", "司机3", "101-0000-0003", "VTB", "TB", 122.150435005, 29.927002554, 4, 0,
               dt.datetime(1900, 1, 1, 5, 30), 0.75, "TB", "no"])
    for row in ws.iter_rows(min_row=2, min_col=10, max_col=11):
        for c in row:
            if not isinstance(c.value, float):
                c.number_format = "hh:mm"
    wb.properties.created = dt.datetime(2026, 1, 1)  # same bytes on every run
    wb.properties.modified = dt.datetime(2026, 1, 1)
    wb.save(Path(__file__).with_name("vehicles_excel_cells.xlsx"))
    _number_cells()


def _number_cells() -> None:
    """vehicles_number_cells.xlsx: numbers typed for times in cells formatted as times (Excel
    shows 730 formatted h:mm as 0:00): VA1 730 (h:mm), VB1 -0.5 (h:mm), VC1 730 ([h]:mm);
    every one is refused like the CSV text 730 (it was read as 00:00)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "vehicles"
    ws.append(HEAD)
    for vid, value, fmt in (("VA1", 730, "h:mm"), ("VB1", -0.5, "h:mm"), ("VC1", 730, "[h]:mm")):
        ws.append([vid, "司机1", "101-0000-0001", "VTA", "TA", 122.072739032, 29.926478981, 4, 1,
                   value, dt.time(18, 0), "all", "no"])
        ws.cell(row=ws.max_row, column=10).number_format = fmt
        ws.cell(row=ws.max_row, column=11).number_format = "hh:mm"
    wb.properties.created = dt.datetime(2026, 1, 1)
    wb.properties.modified = dt.datetime(2026, 1, 1)
    wb.save(Path(__file__).with_name("vehicles_number_cells.xlsx"))


if __name__ == "__main__":
    main()
