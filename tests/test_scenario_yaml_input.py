"""Scenario YAML from users (issue 11, items 2 and 6): every unknown key at every level in one
message with its line and a suggestion; implausible values refused or warned; UTF-8, BOM and
GBK files read; mixed encodings refused naming the line. Through ``optimizer validate``."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.cli import main
from optimizer.errors import ScenarioError
from optimizer.scenario import plausible
from optimizer.scenario.schema import load_scenario
from optimizer.scenario.yaml_io import key_lines, read_text

BAD = Path(__file__).parent / "data" / "bad" / "yaml"


def validate(name: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["validate", str(BAD / name)])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err


def test_misspelt_keys_at_every_level_in_one_message(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = validate("misspelt-keys.yaml", capsys)
    assert code == 2
    lines = [ln.strip() for ln in err.splitlines()]
    assert lines[0].endswith("misspelt-keys.yaml: 4 problems:")
    assert lines[1:] == [
        "- line 4, key 'tiemzone': unknown key; did you mean 'title_zh'?",
        "- line 6, key 'solver.seeed': unknown key; did you mean 'seed'?",
        "- line 9, key 'network.speeds_kph.carr': unknown key; did you mean 'car'?",
        "- line 18, key 'dialysis.extra_vehicles[2].wheelchair_place': unknown key; did you "
        "mean 'wheelchair_places'?",
    ]


def test_problems_of_a_base_and_its_child_are_reported_together(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text("name: b\nsolver:\n  sed: 1\n", encoding="utf-8")
    child = tmp_path / "child.yaml"
    child.write_text("base: base.yaml\nname: c\nmeals:\n  threshold: 15\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    lines = str(info.value).splitlines()
    assert lines[0] == "2 problems:"  # the base file's first, then the child's
    assert lines[1] == f"  - {tmp_path / 'base.yaml'}: line 3, key 'solver.sed': unknown key; " \
        "did you mean 'seed'?"
    assert lines[2].startswith(f"  - {child}: line 4, key 'meals.threshold': unknown key; did "
                               "you mean")


def test_key_lines_follow_nesting_and_list_items() -> None:
    lines = key_lines(BAD / "misspelt-keys.yaml")
    assert lines[("dialysis", "extra_vehicles", 2)] == 14
    assert lines[("dialysis", "extra_vehicles", 2, "wheelchair_place")] == 18
    assert lines[("dialysis", "extra_vehicles", 0, "seats")] == 12


@pytest.mark.parametrize("name, encoding", [("gbk.yaml", "gb18030"),
                                            ("utf8-bom.yaml", "utf-8-sig")])
def test_gbk_and_bom_scenarios_validate(name: str, encoding: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert read_text(BAD / name)[1] == encoding
    sc = load_scenario(BAD / name)
    assert sc.title_zh == "新增两辆带轮椅位的志愿车辆"
    assert sc.dialysis.extra_vehicles[0].driver == "新增志愿者甲(合成)"
    code, out, _ = validate(name, capsys)
    assert code == 0 and out.startswith("ok:")


def test_mixed_encodings_are_refused_naming_the_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = validate("mixed-encoding.yaml", capsys)
    assert code == 2
    # lines 1-4 are UTF-8 (Chinese on lines 1 and 4), line 8 is the first GBK one
    assert "line 8 is GBK/GB18030 but the lines before it are UTF-8" in err
    assert "第 8 行" in err


def test_gbk_line_first_then_utf8_line_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "m.yaml"
    p.write_bytes("name: 甲\n".encode("gbk") + "title_zh: 乙\n".encode("utf-8"))
    with pytest.raises(ScenarioError, match="line 2 is UTF-8 but the lines before it are GBK"):
        load_scenario(p)


def test_implausible_values_refused_with_line_and_key(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = validate("implausible.yaml", capsys)
    assert code == 2
    assert ("line 6, key 'dialysis.extra_vehicles[0].lat': latitude 122.293993 is outside "
            "[-90, 90]") in err
    assert "line 7, key 'dialysis.extra_vehicles[1].seats': vehicle 'V12' has 0 seats" in err


def test_workers_above_the_cores_is_a_warning(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(plausible.os, "cpu_count", lambda: 2)
    code, out, _ = validate("too-many-workers.yaml", capsys)
    assert code == 0
    assert ("warning: scenario key 'solver.workers': 64 workers on a machine with 2 cores"
            in out)
    sc = load_scenario(BAD / "too-many-workers.yaml")
    assert plausible.warnings(sc, cores=64) == []
    notes = plausible.scenario_notes(sc, cores=8)
    assert len(notes) == 1 and "set workers: 8 or fewer" in notes[0].en


def test_bytes_in_no_supported_encoding_are_refused_naming_the_line(tmp_path: Path) -> None:
    p = tmp_path / "x.yaml"
    p.write_bytes(b"name: a\ntitle_zh: \xff\xfe\xff\n")
    with pytest.raises(ScenarioError, match=r"line 2 is not UTF-8 or GBK/GB18030 text "
                                            r"\(byte 0xff\)"):
        load_scenario(p)


def test_validate_lists_the_inputs_data_warnings() -> None:
    # the trial of issue 11: a home moved onto the shore was only reported by run
    from types import SimpleNamespace

    from optimizer.results import Note, NoteKind
    from optimizer.scenario.run import _input_warnings

    moved = Note(NoteKind.DATA_WARNING, "p.csv line 2：住址离岸", "p.csv line 2: the home is 251 m "
                 "off the shore; placed on island ISL014")
    other = Note(NoteKind.SYNTHETIC_DATA, "合成", "synthetic")
    items = [SimpleNamespace(inputs=SimpleNamespace(notes=(moved, other, moved))),
             SimpleNamespace(inputs=object())]
    assert _input_warnings(items) == [
        "  warning: p.csv line 2: the home is 251 m off the shore; placed on island ISL014"]


def test_a_date_in_another_form_is_told_the_form(tmp_path) -> None:
    from optimizer.errors import ScenarioError
    from optimizer.scenario import load_scenario

    p = tmp_path / "d.yaml"
    p.write_text("name: d\ndate: 2027-3-3\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as ei:
        load_scenario(p)
    assert "write the date as YYYY-MM-DD" in str(ei.value) and "(got '2027-3-3')" in str(ei.value)
    p.write_text("name: d\nmeals:\n  delivery_time: 1100\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as ei:
        load_scenario(p)
    assert str(ei.value).count("1100") == 1, str(ei.value)  # the value is quoted once
