"""The data guide (``docs/data-guide.md``) says what the code does, and cannot go stale.

* Its reason catalogue is exactly ``python -m optimizer.results --markdown`` (every code of
  :data:`optimizer.results.REASONS`, with its Chinese and English text).
* Every column of every embedded input table (the header rows of the files under
  ``data/geo/putuo/synthetic/`` that the services read) is described in its table's part of the
  column reference, and every column of the guide's examples is described there too.
* Every key of every scenario section (the parameter classes) is named in the guide.
* The guide's example files and example scenario pass ``optimizer validate`` as written.
* The README links the guide right below its two commands.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from optimizer.results import ACTIONS_ZH, REASONS, reasons_markdown

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "data-guide.md"
SYNTHETIC = ROOT / "data" / "geo" / "putuo" / "synthetic"

INPUT_TABLES = ("dialysis_patients", "dialysis_units", "vehicles", "canteens", "candidate_sites",
                "elderly", "elderly_points")
"""The input tables a user replaces; each is a file ``<name>.csv`` under :data:`SYNTHETIC`."""

SPEC_NAME = {"elderly": "elderly_villages"}
"""Embedded file name -> table spec name, where they differ (``optimizer template`` names)."""


def section(text: str, name: str) -> str:
    """The text between ``<!-- name:begin -->`` and ``<!-- name:end -->`` (exactly one pair)."""
    begins = text.count(f"<!-- {name}:begin -->")
    ends = text.count(f"<!-- {name}:end -->")
    if begins != 1 or ends != 1:
        raise ValueError(f"expected one '{name}' section, found {begins} begin / {ends} end "
                         "markers")
    return text.split(f"<!-- {name}:begin -->\n", 1)[1].split(f"<!-- {name}:end -->", 1)[0]


def table_part(columns: str, table: str) -> str:
    """The part of the column reference under the heading naming ``table`` in backticks, up to
    the next heading of the same level."""
    m = re.search(rf"^(#+) [^\n]*`{table}`[^\n]*$", columns, flags=re.M)
    if m is None:
        raise ValueError(f"no heading for table {table!r} in the column reference")
    rest = columns[m.end():]
    nxt = re.search(rf"^{m.group(1)} ", rest, flags=re.M)
    return rest[:nxt.start()] if nxt else rest


def examples(text: str) -> dict[str, str]:
    """``file name -> content`` of every fenced block preceded by ``<!-- example: NAME -->``."""
    found = re.findall(r"<!-- example: ([\w.]+) -->\n```\w*\n(.*?)```", text, flags=re.S)
    return dict(found)


@pytest.fixture(scope="module")
def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------- reason catalogue
def test_reason_section_is_the_generators_output(guide):
    assert section(guide, "reasons") == reasons_markdown(), (
        "docs/data-guide.md's reason catalogue is stale: replace the text between "
        "<!-- reasons:begin --> and <!-- reasons:end --> with the output of "
        "`python -m optimizer.results --markdown`")


def test_generator_command_prints_the_catalogue():
    done = subprocess.run([sys.executable, "-m", "optimizer.results", "--markdown"],
                          capture_output=True, text=True, encoding="utf-8", cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == reasons_markdown()
    bad = subprocess.run([sys.executable, "-m", "optimizer.results"], capture_output=True,
                         text=True, encoding="utf-8", cwd=ROOT, check=False)
    assert bad.returncode != 0 and "--markdown" in bad.stderr


def test_catalogue_rows_one_per_code_with_both_languages():
    assert set(ACTIONS_ZH) == set(REASONS), "every reason code needs a Chinese explanation"
    lines = reasons_markdown().splitlines()
    assert len(lines) == 2 + len(REASONS)
    assert lines[0] == "| 代码 code | 中文 | English | 含义与处理 | What it means, what to do |"
    assert [ln.split(" | ")[0] for ln in lines[2:]] == [f"| `{c}`" for c in REASONS]
    assert ("| `NO_SAILING` | 没有能按时衔接的航班 | No sailing connects in time | "
            "当天没有航班能让患者在治疗前到达或治疗后回家；请核对时刻表或调整治疗时间。 | "
            "No sailing of the day lets the patient reach the unit before the session or get "
            "home after it; check the timetable or move the session time. |") in lines


def test_a_stale_or_doubled_section_is_caught():
    good = f"x\n<!-- reasons:begin -->\n{reasons_markdown()}<!-- reasons:end -->\n"
    assert section(good, "reasons") == reasons_markdown()
    stale = good.replace("No sailing connects in time", "No sailing")
    assert section(stale, "reasons") != reasons_markdown()
    with pytest.raises(ValueError, match="found 2 begin"):
        section(good + good, "reasons")


def test_every_table_row_has_its_headers_cells(guide):
    def cells(line: str) -> int:
        return len(re.split(r"(?<!\\)\|", line))

    bad, header = [], None
    for k, line in enumerate(guide.splitlines(), start=1):
        if not line.startswith("|"):
            header = None
        elif header is None:
            header = cells(line)
        elif cells(line) != header:
            bad.append(k)
    assert bad == [], f"docs/data-guide.md lines with a wrong number of table cells: {bad}"
    assert cells("| a \\| b | c |") == 4  # an escaped pipe is not a cell border


# ---------------------------------------------------------------------------- column reference
def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh))


@pytest.mark.parametrize("table", INPUT_TABLES)
def test_every_column_of_the_embedded_table_is_described(guide, table):
    part = table_part(section(guide, "columns"), SPEC_NAME.get(table, table))
    missing = [c for c in _header(SYNTHETIC / f"{table}.csv") if f"`{c}`" not in part]
    assert not missing, f"{table}: columns not in docs/data-guide.md's column reference: {missing}"


def test_the_examples_use_described_columns_only(guide):
    ex = examples(guide)
    assert set(ex) == {f"{t}.csv" for t in INPUT_TABLES} | {"scenario.yaml"}
    columns = section(guide, "columns")
    for table in INPUT_TABLES:
        head = next(csv.reader(io.StringIO(ex[f"{table}.csv"])))
        part = table_part(columns, SPEC_NAME.get(table, table))
        assert [c for c in head if f"`{c}`" not in part] == [], table
        rows = list(csv.reader(io.StringIO(ex[f"{table}.csv"])))[1:]
        assert len(rows) == 3 and all(len(r) == len(head) for r in rows), table


# ---------------------------------------------------------------------------- scenario keys
def _keys(cls: type) -> set[str]:
    """Field names of a parameter class and of the parameter classes nested in it."""
    out: set[str] = set()
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        out.add(f.name)
        hint = hints[f.name]
        for arg in (hint, *typing.get_args(hint)):
            for a in (arg, *typing.get_args(arg)):
                if dataclasses.is_dataclass(a):
                    out |= _keys(a)
    return out


def test_every_scenario_key_is_named(guide):
    from optimizer.scenario.schema import Scenario, section_types

    keys = {k for k in Scenario.model_fields if k != "source_files"}
    for cls in section_types().values():
        keys |= _keys(cls)
    assert {"car", "vehicle_id", "from_lonlat", "time_limit_s"} <= keys  # nested ones included
    missing = sorted(k for k in keys if f"`{k}`" not in guide and f".{k}`" not in guide)
    assert not missing, f"scenario keys not in docs/data-guide.md: {missing}"


# ---------------------------------------------------------------------------- examples run
def test_the_guides_examples_validate(guide, tmp_path, capsys):
    from optimizer.cli import main

    for name, text in examples(guide).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    code = main(["validate", str(tmp_path / "scenario.yaml")])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "dialysis: 3 patients (3 enrolled in the ride service), 3 units (1 active), " \
           "3 vehicles" in out.out
    assert "meals: 3 demand points, 3 canteens, 3 candidate sites" in out.out


def test_the_readme_links_the_guide_below_its_two_commands():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    end = lines.index("```", 1)  # the closing fence of the two commands
    assert "docs/data-guide.md" in lines[end + 1] and "使用自己的数据" in lines[end + 1]
