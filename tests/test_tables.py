"""Strict table readers (issue 11): declared columns, every problem at once with spreadsheet
lines, bounds, encodings, Excel time cells, templates, ``optimizer init``.

The bad files live in ``tests/data/bad/tables`` (``make_files.py`` regenerates them; README.md
lists the rule each shows). Each goes through ``optimizer validate`` on a scenario scaffolded by
``optimizer init``, as a user meets it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from optimizer.cli import main
from optimizer.errors import InputError, InputErrors
from optimizer.io.points import read_points
from optimizer.io.tables import GUIDE_SHEET, decode_text, excel_text, read_table
from optimizer.scenario.registry import all_tables
from optimizer.services.dialysis.columns import VEHICLES
from optimizer.services.meals.columns import CANTEENS

BAD = Path(__file__).parent / "data" / "bad" / "tables"
REPO = Path(__file__).resolve().parents[1]
TARGET = {"patients": "dialysis_patients", "vehicles": "vehicles", "canteens": "canteens",
          "elderly": "elderly_points"}


@pytest.fixture(scope="module")
def scaffold(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scenario folder written by ``optimizer init`` (kept pristine; tests copy it)."""
    d = tmp_path_factory.mktemp("init") / "sc"
    assert main(["init", str(d)]) == 0
    return d


def _validate_with(scaffold: Path, tmp_path: Path, bad: str, capsys) -> tuple[int, str, Path]:
    """Copy the scaffold, put ``bad`` in place of its table, run ``optimizer validate``."""
    d = tmp_path / "sc"
    shutil.copytree(scaffold, d)
    table = TARGET[bad.split("_")[0]]
    src = BAD / bad
    dst = d / "data" / f"{table}{src.suffix}"
    shutil.copy(src, dst)
    if src.suffix != ".csv":
        yaml = (d / "scenario.yaml").read_text(encoding="utf-8")
        (d / "scenario.yaml").write_text(yaml.replace(f"{table}.csv", dst.name), encoding="utf-8")
    capsys.readouterr()
    code = main(["validate", str(d / "scenario.yaml")])
    return code, capsys.readouterr().err, dst


@pytest.mark.parametrize("bad,wrong,right", [
    ("patients_misspelt_optional.csv", "escorted", "escort"),
    ("patients_misspelt_optional.csv", "ride_services", "ride_service"),
    ("vehicles_misspelt_optional.csv", "wheelchair_place", "wheelchair_places"),
    ("canteens_misspelt_optional.csv", "deliver", "delivers"),
])
def test_misspelt_optional_column_is_refused_with_a_suggestion(scaffold, tmp_path, capsys, bad,
                                                               wrong, right):
    code, err, dst = _validate_with(scaffold, tmp_path, bad, capsys)
    assert code == 2
    assert (f"{dst}, line 1, field '{wrong}': unknown column '{wrong}'; "
            f"did you mean '{right}'?") in err


def test_missing_required_columns_are_listed_together(scaffold, tmp_path, capsys):
    code, err, dst = _validate_with(scaffold, tmp_path, "vehicles_missing_required.csv", capsys)
    assert code == 2
    assert f"{dst}, line 1, field 'seats': missing required column(s) ['seats', 'shift_end']" \
        in err
    assert err.count("missing required") == 1 and "1 input problem" not in err


@pytest.mark.parametrize("bad,field,needle", [
    ("vehicles_zero_seats.csv", "seats", "'V01': seats 0 is outside 1..60 seats"),
    ("canteens_negative_capacity.csv", "capacity_meals_per_day",
     "'C01': negative count -150"),
    ("canteens_absurd_capacity.csv", "capacity_meals_per_day",
     "'C01': capacity_meals_per_day 150000 is outside 1..10000 meals/day"),
    ("vehicles_unknown_island.csv", "serves_islands",
     "vehicle V01: unknown island id(s) ['ISL999']"),
])
def test_implausible_values_name_file_line_id_field(scaffold, tmp_path, capsys, bad, field,
                                                    needle):
    code, err, dst = _validate_with(scaffold, tmp_path, bad, capsys)
    assert code == 2
    assert f"{dst}, line 2, field '{field}': {needle}" in err


@pytest.mark.parametrize("bad", ["canteens_gbk.csv", "canteens_bom.csv"])
def test_gbk_and_bom_csv_are_read_correctly(scaffold, tmp_path, capsys, bad):
    code, _, dst = _validate_with(scaffold, tmp_path, bad, capsys)
    assert code == 0
    g = read_points(dst, spec=CANTEENS)
    assert g["name_zh"].tolist() == ["示例幸福食堂"] and g["town_name"].tolist() == ["沈家门街道"]
    assert list(g.columns[:2]) == ["canteen_id", "name_zh"]  # no BOM left in the header
    assert g.attrs["encoding"] == ("gb18030" if "gbk" in bad else "utf-8")


def test_mixed_encoding_is_refused_naming_the_line(scaffold, tmp_path, capsys):
    code, err, dst = _validate_with(scaffold, tmp_path, "canteens_mixed_encoding.csv", capsys)
    assert code == 2
    assert f"{dst}, line 3, field 'encoding': mixed text encodings: line(s) 3 are not UTF-8" in err


def test_sixty_bad_rows_show_fifty_and_count_the_rest(scaffold, tmp_path, capsys):
    code, err, dst = _validate_with(scaffold, tmp_path, "elderly_points_60_bad.csv", capsys)
    assert code == 2
    assert "60 input problem(s)" in err
    shown = [ln for ln in err.splitlines() if ln.startswith("  - ")]
    assert len(shown) == 50
    assert shown[0].startswith(f"  - {dst}, line 2, field 'elderly_60plus': "
                               "'330903001001-1': negative count -1")
    assert shown[-1].startswith(f"  - {dst}, line 51,")
    assert "… and 10 more" in err


def test_excel_time_cells_are_read(scaffold, tmp_path, capsys):
    code, _, dst = _validate_with(scaffold, tmp_path, "vehicles_time_cells.xlsx", capsys)
    assert code == 0
    g = read_points(dst, spec=VEHICLES)
    assert (g["shift_start"].tolist(), g["shift_end"].tolist()) == (["06:30:00"], ["18:30:00"])
    assert g["seats"].tolist() == ["4"] and g.attrs["lines"] == [2]


def test_excel_cell_text():
    import datetime as dt

    assert excel_text(dt.time(7, 5, 9)) == "07:05:09"
    assert excel_text(dt.datetime(1900, 1, 1, 8, 0)) == "08:00:00"  # the Excel cell
    assert excel_text(dt.datetime(2026, 12, 2, 8, 0)) == "2026-12-02T08:00:00"
    assert excel_text(0.5, time=True) == "12:00:00" and excel_text(0.5) == "0.5"
    assert excel_text(730.0, time=True) == "730"  # refused by the time parser, not guessed
    assert excel_text(None) == "" and excel_text(True) == "yes"


def test_lines_count_blank_and_multiline_records(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text('id,name\nA,"two\nlines"\n\nB,x\n', encoding="utf-8")
    t = read_table(p)
    assert t.df["id"].tolist() == ["A", "B"] and t.lines == [2, 5]


def test_decode_text_encodings():
    assert decode_text("\ufeff编号\n".encode("utf-8"), "f") == ("编号\n", "utf-8")
    assert decode_text("编号\n".encode("gbk"), "f") == ("编号\n", "gb18030")
    with pytest.raises(InputError) as ei:
        decode_text("a\n编号\n".encode("utf-8") + "食堂\n".encode("gbk"), "f")
    assert (ei.value.line, ei.value.field) == (3, "encoding")


def test_input_error_line_and_cap():
    e = InputError("bad", file="f.csv", row=3, line=4, field="x")
    assert str(e) == "f.csv, line 4, field 'x': bad" and e.row == 3
    assert str(InputError("bad", file="s.yaml", row=2)) == "s.yaml, row 2: bad"
    many = InputErrors([InputError(f"p{k}", line=k + 1) for k in range(51)])
    assert str(many).count("\n  - ") == 50 and str(many).endswith(
        "… and 1 more (还有 1 个问题; fix these and run again)")
    assert many.line == 1


def test_embedded_data_passes_the_strict_header_check():
    from optimizer.datasets import get_path

    files = {"dialysis_patients": "dialysis_patients", "dialysis_units": "dialysis_units",
             "vehicles": "vehicles", "elderly_points": "elderly_points",
             "elderly_villages": "elderly", "canteens": "canteens",
             "candidate_sites": "candidate_sites", "needy_households": "needy_households",
             "offices": "offices", "dialysis_exceptions": "dialysis_exceptions"}
    for spec in all_tables():
        if spec.name == "facilities":  # optimizer access: no embedded file in this layout
            path = Path(__file__).parent / "data" / "bad" / "access" / "facilities_gcj02.csv"
        else:
            path = get_path(f"putuo/synthetic/{files[spec.name]}.csv")
        t = read_table(path)
        assert spec.check_header(list(t.df.columns), spec.name) == []


def test_template_writes_xlsx_with_guide_and_bom_csv(tmp_path, capsys):
    assert main(["template", str(tmp_path / "t")]) == 0
    names = {s.name for s in all_tables()}
    assert {p.name for p in (tmp_path / "t").iterdir()} == \
        {f"{n}.{x}" for n in names for x in ("xlsx", "csv")}
    wb = openpyxl.load_workbook(tmp_path / "t" / "vehicles.xlsx")
    assert wb.sheetnames == ["vehicles", GUIDE_SHEET]
    assert [c.value for c in wb["vehicles"][1]] == list(VEHICLES.names)
    guide = {r[0]: r for r in wb[GUIDE_SHEET].iter_rows(min_row=3, values_only=True)}
    assert guide["seats"][1:5] == ("yes 是", None, "seats", "1..60")
    assert guide["wheelchair_places"][2] == "0" and guide["serves_islands"][2] == "all"
    assert guide["seats"][5:8] == ("座位数（步行患者与陪护）", "seats (walking patients and escorts)", "4")
    raw = (tmp_path / "t" / "canteens.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfcanteen_id,name_zh,") and raw.count(b"\r\n") == 1
    assert main(["template", str(tmp_path / "t")]) == 2  # never overwrites


def test_init_refuses_a_non_empty_folder(tmp_path, capsys):
    (tmp_path / "x.txt").write_text("mine", encoding="utf-8")
    assert main(["init", str(tmp_path)]) == 2
    assert "not an empty folder" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


def test_init_validates_and_runs(scaffold, tmp_path, capsys):
    assert main(["validate", str(scaffold / "scenario.yaml")]) == 0
    out = capsys.readouterr().out
    assert "dialysis: 2 patients" in out and "meals: 2 demand points, 1 canteens" in out
    assert main(["run", str(scaffold / "scenario.yaml"), "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "index.html").exists()
    # the scaffold names no dataset: the embedded files read by default are hashed too
    import json

    m = json.loads((tmp_path / "o" / "manifest.json").read_text(encoding="utf-8"))
    assert any(k.endswith("dialysis_patients.csv") and "data" in k and "scaffold" not in k
               for k in m["inputs"])
    assert any(k.endswith("stop_times.txt") for k in m["inputs"])
    # visits is scaffolded off (else the embedded synthetic households would be planned)
    assert "visits" not in json.loads((tmp_path / "o" / "summary.json").read_text(
        encoding="utf-8"))["kpis"]


def test_markdown_reference_lists_every_table():
    out = subprocess.run([sys.executable, "-m", "optimizer.io.tables", "--markdown"],
                         capture_output=True, text=True, check=True, cwd=REPO).stdout
    for spec in all_tables():
        assert f"### `{spec.name}`" in out
    assert ("| `seats` | yes 是 |  | seats | 1..60 | 座位数（步行患者与陪护） | "
            "seats (walking patients and escorts) | `4` |") in out


def test_header_and_row_problems_are_reported_together(scaffold, tmp_path, capsys):
    """A misspelt optional column does not hide the rows' problems (and vice versa)."""
    src = (BAD / "patients_misspelt_optional.csv").read_text(encoding="utf-8")
    d = tmp_path / "sc"
    shutil.copytree(scaffold, d)
    (d / "data" / "dialysis_patients.csv").write_text(src.replace(",12:00,", ",12h00,"),
                                                      encoding="utf-8")
    assert main(["validate", str(d / "scenario.yaml")]) == 2
    err = capsys.readouterr().err
    assert "3 input problem(s)" in err
    assert "line 1, field 'escorted'" in err and "line 1, field 'ride_services'" in err
    assert "line 3, field 'session_start': patient P002: '12h00' is not a time" in err


def test_extra_vehicle_with_unknown_island_is_refused(scaffold, tmp_path, capsys):
    d = tmp_path / "sc"
    shutil.copytree(scaffold, d)
    yaml = (d / "scenario.yaml").read_text(encoding="utf-8")
    yaml = yaml.replace("  vehicles: data/vehicles.csv\n", """  vehicles: data/vehicles.csv
  extra_vehicles:
    - {vehicle_id: V09, lon: 122.293993, lat: 29.955672, seats: 3, shift_start: "06:30",
       shift_end: "18:30", serves_islands: [ISL001, ISL777]}
""")
    (d / "scenario.yaml").write_text(yaml, encoding="utf-8")
    assert main(["validate", str(d / "scenario.yaml")]) == 2
    err = capsys.readouterr().err
    assert "extra_vehicles, row 1, field 'serves_islands': vehicle V09: unknown island id(s) " \
           "['ISL777']" in err


def test_unusual_session_length_is_a_warning_not_an_error(scaffold, tmp_path):
    from optimizer.results import NoteKind
    from optimizer.services.dialysis import load_dialysis_inputs

    data = scaffold / "data"
    p = tmp_path / "p.csv"
    p.write_text((data / "dialysis_patients.csv").read_text(encoding="utf-8-sig")
                 .replace(",07:30,240,", ",07:30,90,"), encoding="utf-8")
    inp = load_dialysis_inputs(p, data / "dialysis_units.csv", data / "vehicles.csv")
    odd = [n for n in inp.notes if n.kind is NoteKind.DATA_WARNING and "session" in n.en]
    assert len(odd) == 1 and "P001 (90 min)" in odd[0].en and "P002" not in odd[0].en


def test_gtfs_files_share_the_encoding_helper(tmp_path):
    """A GBK stops.txt is read (names intact); a stops.txt mixing encodings names the line."""
    from optimizer.io.gtfs import read_gtfs

    tiny = Path(__file__).parent / "data" / "gtfs" / "tiny"
    feed = tmp_path / "feed"
    shutil.copytree(tiny, feed)
    text = (tiny / "stops.txt").read_text(encoding="utf-8-sig")
    name = text.splitlines()[1].split(",")[1]
    (feed / "stops.txt").write_bytes(text.replace(name, "沈家门码头", 1).encode("gbk"))
    stops = read_gtfs(feed).stops
    assert "沈家门码头" in stops["stop_name"].tolist()
    lines = text.replace(name, "沈家门码头", 1).splitlines(keepends=True)
    lines.append(lines[1].replace(lines[1].split(",")[0], "PX", 1).replace("沈家门码头", "桃花码头"))
    (feed / "stops.txt").write_bytes(b"".join(
        ln.encode("gbk" if k == len(lines) - 1 else "utf-8") for k, ln in enumerate(lines)))
    with pytest.raises(InputError) as ei:
        read_gtfs(feed)
    errs = getattr(ei.value, "errors", [ei.value])
    assert any((e.file, e.line, e.field) == ("stops.txt", len(lines), "encoding") for e in errs)


def test_the_same_problem_is_listed_once():
    # the trial of issue 11: a unit in the sea read by two services was printed twice
    from optimizer.errors import InputError, InputErrors

    a = InputError("unit U01: lies in the sea", file="u.csv", line=2, field="lon")
    b = InputError("unit U01: lies in the sea", file="u.csv", line=2, field="lon")
    c = InputError("unit U02: lies in the sea", file="u.csv", line=3, field="lon")
    e = InputErrors([a, b, c])
    assert len(e.errors) == 2 and str(e).startswith("2 input problem(s)")
