"""The service contract and the runner: registry, parameters defined once, validate = load,
the run folder (complete or absent, no stale files, every file listed), exit codes."""

from __future__ import annotations

import ast
import dataclasses
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from optimizer.cli import main
from optimizer.network.params import FerryParams, NetworkParams
from optimizer.scenario.registry import SERVICES
from optimizer.scenario.schema import OutputParams, load_scenario, section_types
from optimizer.services.base import Service
from optimizer.solvers.params import SolverParams

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "putuo-baseline.yaml"
DATA = REPO / "data" / "geo" / "putuo"


def _scenario(tmp_path: Path, body: str, name: str = "t") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"base: {BASELINE}\nname: {name}\n{body}", encoding="utf-8")
    return path


# a fast scenario: island links and meal coverage only (no solver), for folder tests
FAST = ("dialysis:\n  enabled: false\nmeals:\n  siting_model: none\n  rounds: false\n"
        "connectivity:\n  isochrone_minutes: [30]\n")


# ----------------------------------------------------------------------------- registry
def test_every_registered_service_satisfies_the_contract() -> None:
    names = [s.name for s in SERVICES]
    assert names == ["connectivity", "dialysis", "dialysis_week", "meals", "visits",
                     "flats"]
    off_by_default = {"flats", "dialysis_week"}  # turned on by their scenarios
    for s in SERVICES:
        for attr in ("name", "Params", "title", "load", "plan", "write", "personal_data"):
            assert hasattr(s, attr), (s.name, attr)
        assert dataclasses.is_dataclass(s.Params)
        assert s.Params().enabled is (s.name not in off_by_default), s.name
    assert Service.__name__ == "Service"


def test_empty_sections_equal_the_python_defaults(tmp_path: Path) -> None:
    body = "name: t\n" + "".join(f"{k}: {{}}\n" for k in section_types())
    (tmp_path / "t.yaml").write_text(body, encoding="utf-8")
    (tmp_path / "bare.yaml").write_text("name: bare\n", encoding="utf-8")
    expected = {"network": NetworkParams(), "ferries": FerryParams(), "solver": SolverParams(),
                "outputs": OutputParams(), **{s.name: s.Params() for s in SERVICES}}
    assert set(section_types()) == set(expected)
    for path in (tmp_path / "t.yaml", tmp_path / "bare.yaml"):
        sc = load_scenario(path)
        for key, default in expected.items():
            assert getattr(sc, key) == default, (path.name, key)


def _read_attributes() -> set[str]:
    """Attribute names read anywhere in optimizer/ (a declaration ``name: type = default`` is
    not an attribute read, so the parameter classes themselves do not count)."""
    names: set[str] = set()
    for path in (REPO / "optimizer").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "getattr"
                  and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)):
                names.add(str(node.args[1].value))
    return names


def _keys(cls: type, prefix: str) -> list[tuple[str, str]]:
    out = []
    for f in dataclasses.fields(cls):
        out.append((f"{prefix}.{f.name}", f.name))
        default = getattr(cls(), f.name) if f.default is not dataclasses.MISSING or \
            f.default_factory is not dataclasses.MISSING else None
        if dataclasses.is_dataclass(default):
            out += _keys(type(default), f"{prefix}.{f.name}")
    return out


def test_every_schema_key_is_read_by_the_code() -> None:
    read = _read_attributes()
    unread = [key for section, cls in section_types().items()
              for key, attr in _keys(cls, section) if attr not in read]
    assert unread == []


# ----------------------------------------------------------------------------- exit codes
def test_impossible_date_exits_2_naming_the_key(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = _scenario(tmp_path, "date: 2026-02-30\n")
    assert main(["validate", str(path)]) == 2
    assert main(["run", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "date" in err and "2026-02-30" in err and "t.yaml" in err
    assert "Traceback" not in err and not (tmp_path / "o").exists()


def test_out_pointing_at_a_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("keep me", encoding="utf-8")
    assert main(["run", str(BASELINE), "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "is a file" in err and "Traceback" not in err
    assert target.read_text(encoding="utf-8") == "keep me"


def test_folder_given_as_scenario_exits_2(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(REPO / "scenarios")]) == 2
    assert main(["run", str(REPO / "scenarios"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "is a folder" in err and "Traceback" not in err


def test_foreign_non_empty_folder_is_refused_and_left_alone(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    out = tmp_path / "photos"
    out.mkdir()
    (out / "holiday.jpg").write_bytes(b"\xff\xd8")
    assert main(["run", str(_scenario(tmp_path, FAST)), "--out", str(out)]) == 2
    assert "not an earlier run" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["holiday.jpg"]


def test_no_plan_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    from optimizer.results import SolveStatus
    from optimizer.services.connectivity import SERVICE

    original = SERVICE.plan

    def no_plan(*args, **kwargs):
        return dataclasses.replace(original(*args, **kwargs), status=SolveStatus.NO_SOLUTION)

    monkeypatch.setattr(SERVICE, "plan", no_plan)
    out = tmp_path / "o"
    assert main(["run", str(_scenario(tmp_path, FAST)), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "no plan" in err and "connectivity" in err and "Traceback" not in err
    assert (out / "index.html").is_file()  # the run folder explains it


def test_bad_data_exits_2_and_writes_nothing(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    canteens = pd.read_csv(DATA / "synthetic" / "canteens.csv", dtype=str,
                           keep_default_na=False, encoding="utf-8-sig")
    canteens.loc[2, "capacity_meals_per_day"] = "-50"
    bad = tmp_path / "canteens.csv"
    canteens.to_csv(bad, index=False, encoding="utf-8")
    path = _scenario(tmp_path, f"meals:\n  canteens: {bad}\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "canteens.csv" in err and "line 4" in err and "capacity_meals_per_day" in err
    assert main(["run", str(path), "--out", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()


# ----------------------------------------------------------------------------- run folder
@pytest.fixture(scope="module")
def fast_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fast")
    out = root / "run"
    assert main(["run", str(_scenario(root, FAST, name="fast")), "--out", str(out)]) == 0
    return out


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_index_links_every_file_and_explains_codes(fast_run: Path) -> None:
    html = (fast_run / "index.html").read_text(encoding="utf-8")
    for rel in _files(fast_run) - {"index.html"}:
        assert f'href="{rel}"' in html, rel
    summary = json.loads((fast_run / "summary.json").read_text(encoding="utf-8"))
    for step in summary["steps"].values():
        assert f"<code>{step['status']}</code>" in html
        for code in step["reason_codes"]:
            assert f"<code>{code}</code>" in html


def test_rerun_replaces_an_earlier_run_whole(fast_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "again"
    shutil.copytree(fast_run, out)
    (out / "dispatch").mkdir(exist_ok=True)
    (out / "dispatch" / "route_V11.html").write_text("stale", encoding="utf-8")
    scenario = _scenario(tmp_path, FAST, name="fast")
    assert main(["run", str(scenario), "--out", str(out)]) == 0
    assert _files(out) == _files(fast_run)
    assert not list(tmp_path.glob(".again.*"))  # no staging folder left behind


# ----------------------------------------------------------------------------- compare folder
def test_compare_refuses_a_foreign_folder_and_checks_both_inputs_first(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = _scenario(tmp_path, FAST, name="a")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.txt").write_text("mine", encoding="utf-8")
    b = _scenario(tmp_path, FAST, name="b")
    assert main(["compare", str(a), str(b), "--out", str(docs)]) == 2
    assert "not an earlier run" in capsys.readouterr().err
    assert [p.name for p in docs.iterdir()] == ["notes.txt"]
    canteens = pd.read_csv(DATA / "synthetic" / "canteens.csv", dtype=str,
                           keep_default_na=False, encoding="utf-8-sig")
    canteens.loc[0, "capacity_meals_per_day"] = "-5"
    canteens.to_csv(tmp_path / "canteens.csv", index=False, encoding="utf-8")
    bad = _scenario(tmp_path, FAST.replace("meals:\n", "meals:\n  canteens: canteens.csv\n"),
                    name="bad")
    assert main(["compare", str(a), str(bad), "--out", str(tmp_path / "cmp")]) == 2
    assert "capacity_meals_per_day" in capsys.readouterr().err
    assert not (tmp_path / "cmp").exists()  # B's inputs were checked before A ran


def test_out_under_a_file_or_unwritable_is_bad_input(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "afile.txt").write_text("x", encoding="utf-8")
    assert main(["run", str(_scenario(tmp_path, FAST)), "--out",
                 str(tmp_path / "afile.txt" / "sub")]) == 2
    err = capsys.readouterr().err
    assert "afile.txt is a file" in err and "internal error" not in err
