"""Scenario schema: clock times, base merging, relative paths, errors naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.errors import ScenarioError
from optimizer.scenario.schema import Scenario, load_scenario

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_clock_time_is_read_as_clock_not_base60(tmp_path: Path) -> None:
    p = write(tmp_path, "a.yaml", "name: a\nmeals:\n  delivery_time: 07:30\n")
    assert load_scenario(p).meals.delivery_time == 7 * 3600 + 30 * 60


def test_misspelt_key_suggests_the_right_one(tmp_path: Path) -> None:
    p = write(tmp_path, "a.yaml", "name: a\nnetwork:\n  spacing: 300\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(p)
    msg = str(info.value)
    assert "network.spacing" in msg and "did you mean 'spacing_m'" in msg and str(p) in msg
    assert info.value.field == "network.spacing"


def test_unknown_top_level_key_suggests(tmp_path: Path) -> None:
    p = write(tmp_path, "a.yaml", "name: a\nferrys: {}\n")
    with pytest.raises(ScenarioError, match="did you mean 'ferries'"):
        load_scenario(p)


def test_base_override_and_error_names_the_overriding_file(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", "name: base\nnetwork:\n  spacing_m: 300\nsolver:\n  seed: 4\n")
    child = write(tmp_path, "child.yaml", "base: base.yaml\nname: child\nsolver:\n  seed: 7\n")
    s = load_scenario(child)
    assert s.network.spacing_m == 300 and s.solver.seed == 7 and s.name == "child"
    assert [f.name for f in s.source_files] == ["base.yaml", "child.yaml"]
    bad = write(tmp_path, "bad.yaml", "base: base.yaml\nname: bad\nmeals:\n  threshold_min: 0\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(bad)
    assert "bad.yaml" in str(info.value) and info.value.field == "meals.threshold_min"


def test_paths_are_relative_to_the_scenario_file(tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    p = write(sub, "a.yaml", "name: a\ndataset: ../data\nferries:\n  gtfs: feed\n")
    s = load_scenario(p)
    assert s.dataset == (tmp_path / "data").resolve()
    assert s.ferries.gtfs == (sub / "feed").resolve()


def test_base_cycle_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "name: a\nbase: b.yaml\n")
    b = write(tmp_path, "b.yaml", "name: b\nbase: a.yaml\n")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(b)


def test_not_a_time_names_the_key(tmp_path: Path) -> None:
    p = write(tmp_path, "a.yaml", "name: a\nmeals:\n  delivery_time: noon\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(p)
    assert "meals.delivery_time" in str(info.value)


def test_invalid_yaml_gives_line(tmp_path: Path) -> None:
    p = write(tmp_path, "a.yaml", "name: a\nnetwork: [1, 2\n")
    with pytest.raises(ScenarioError, match="line"):
        load_scenario(p)


def test_empty_blocks_equal_defaults(tmp_path: Path) -> None:
    p = write(tmp_path, "a.yaml", "name: a\nsolver: {}\nnetwork: {}\n")
    s = load_scenario(p)
    d = Scenario(name="a")
    assert s.solver == d.solver and s.network == d.network


def test_cli_overrides_win(tmp_path: Path) -> None:
    p = write(tmp_path, "a.yaml", "name: a\nsolver:\n  seed: 3\n")
    assert load_scenario(p, overrides={"solver": {"seed": 9}}).solver.seed == 9


@pytest.mark.parametrize("path", sorted((REPO / "scenarios").glob("*.yaml")))
def test_shipped_scenarios_validate(path: Path) -> None:
    s = load_scenario(path)
    assert s.dataset is None or s.dataset.exists()


def test_network_and_ferries_sections_are_the_network_params(tmp_path: Path) -> None:
    from optimizer.network.params import FerryParams, NetworkParams

    p = write(tmp_path, "a.yaml", "name: a\nnetwork: {}\nferries: {}\n")
    s = load_scenario(p)
    assert s.network == NetworkParams() and s.ferries == FerryParams()
    p2 = write(tmp_path, "b.yaml", "name: b\nferries:\n  boarding_buffer_foot_min: 20\n")
    assert load_scenario(p2).ferries.boarding_buffer_s == {"foot": 1200.0, "vehicle": 1800.0}


@pytest.mark.parametrize("text, key, hint", [
    ("network:\n  speeds_kph:\n    carr: 40\n", "network.speeds_kph.carr", "did you mean 'car'"),
    ("ferries:\n  boarding_buffer_foot: 20\n", "ferries.boarding_buffer_foot",
     "did you mean 'boarding_buffer_foot_min'"),
    ("network:\n  fixed_links:\n    - {nam: x, from_lonlat: [1, 2], to_lonlat: [3, 4]}\n",
     "network.fixed_links[0].nam", "did you mean 'name'"),
])
def test_unknown_key_in_a_params_section_suggests(tmp_path: Path, text: str, key: str,
                                                  hint: str) -> None:
    p = write(tmp_path, "a.yaml", "name: a\n" + text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(p)
    text = str(info.value)
    one = f"field '{key}': unknown key; {hint}?"  # a single problem: the key is named once
    many = f"key '{key}': unknown key; {hint}?"  # several: one line each
    assert (one in text and text.count(key) == 1) or any(
        ln.endswith(many) for ln in text.splitlines())
