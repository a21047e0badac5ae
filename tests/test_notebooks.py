"""The analyst and planner notebooks: committed without outputs, public API only, and they run.

The execution tests run each notebook top to bottom in a fresh ``python3`` kernel of this venv
(nbclient), with ``notebooks/`` as the working directory and ``OPTIMIZER_NOTEBOOK_OUT`` pointing
into ``tmp_path``, then check real values in the files the notebooks export and in their outputs.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
NOTEBOOKS = ("analyst_coverage.ipynb", "planner_what_if.ipynb")
CELL_TIMEOUT_S = 600
CJK = re.compile(r"[\u4e00-\u9fff]")


def _read(name: str) -> nbformat.NotebookNode:
    nb = nbformat.read(NB_DIR / name, as_version=4)
    nbformat.validate(nb)
    return nb


def private_names(source: str) -> list[str]:
    """Private imports and attribute accesses in a code cell (``_x``, not dunders).

    Flags ``import optimizer._x``, ``from optimizer._x import y``, ``from m import _x`` and any
    attribute ``obj._x`` (e.g. ``optimizer.network._y``).
    """
    def private(part: str) -> bool:
        return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if any(map(private, a.name.split(".")))]
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if any(map(private, mod.split("."))):
                found.append(mod)
            found += [f"{mod}.{a.name}" for a in node.names if private(a.name)]
        elif isinstance(node, ast.Attribute) and private(node.attr):
            found.append(f"….{node.attr}")
    return found


# ------------------------------------------------------------------------------ the checker
@pytest.mark.parametrize("source, expected", [
    ("import optimizer._x", ["optimizer._x"]),
    ("from optimizer.solvers._compat import f", ["optimizer.solvers._compat"]),
    ("from optimizer.scenario.run import _write_csv", ["optimizer.scenario.run._write_csv"]),
    ("import optimizer\noptimizer.network._y(1)", ["…._y"]),
    ("from optimizer.scenario.run import run_scenario\nprint(__name__, x.__class__)", []),
])
def test_private_name_checker(source: str, expected: list[str]) -> None:
    assert private_names(source) == expected


# ------------------------------------------------------------------------ committed notebooks
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_notebook_is_clean(name: str) -> None:
    nb = _read(name)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "a notebook without code"
    for i, cell in enumerate(code):
        assert cell.outputs == [], f"{name}: code cell {i} has stored outputs (strip them)"
        assert cell.execution_count is None, f"{name}: code cell {i} has an execution count"
        assert private_names(cell.source) == [], f"{name}: code cell {i} uses private names"
        assert "shared" not in cell.source, f"{name}: reads outside the repository"
        assert not cell.source.lstrip().startswith(("%", "!")), "magics/shell are not portable"
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_markdown_is_bilingual_chinese_first(name: str) -> None:
    nb = _read(name)
    mds = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert len(mds) >= 5
    for text in mds:
        assert CJK.search(text), f"no Chinese in: {text[:60]!r}"
        assert re.search(r"[A-Za-z]{4,} [A-Za-z]{2,}", text), f"no English in: {text[:60]!r}"
        first_cjk = CJK.search(text).start()
        first_en = re.search(r"\b(?!HH|MM|KPI|MCLP|CSV|CP|OR)[A-Z][a-z]+ [a-z]+", text)
        assert first_en is None or first_cjk < first_en.start(), f"English first: {text[:60]!r}"
    caveats = mds[0]
    for word in ("approximate", "synthetic", "estimate"):
        assert word in caveats.lower(), f"{name}: the first cell must state the caveat {word!r}"


# --------------------------------------------------------------------------------- execution
@pytest.fixture(scope="module")
def kernel_name() -> str:
    """The venv's ``python3`` kernel (installed into ``sys.prefix`` when missing)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        subprocess.run([sys.executable, "-m", "ipykernel", "install", "--sys-prefix"],
                       check=True, capture_output=True)
        spec = KernelSpecManager().get_kernel_spec("python3")
    # jupyter_client replaces a bare "python" with sys.executable: the kernel is this venv's
    assert spec.argv[0] in ("python", "python3", sys.executable), spec.argv
    return "python3"


def _execute(name: str, out: Path, kernel_name: str,
             monkeypatch: pytest.MonkeyPatch) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    monkeypatch.setenv("OPTIMIZER_NOTEBOOK_OUT", str(out))
    nb = _read(name)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name=kernel_name,
                            resources={"metadata": {"path": str(NB_DIR)}})
    client.execute()  # raises CellExecutionError naming the cell on any error
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert all(o.output_type != "error" for o in cell.outputs)
    return nb


def _text(nb: nbformat.NotebookNode) -> str:
    parts = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.output_type == "stream":
                parts.append(o.text)
            elif "text/plain" in o.get("data", {}):
                parts.append(o["data"]["text/plain"])
            if "text/html" in o.get("data", {}) and "<iframe" not in o["data"]["text/html"]:
                parts.append(o["data"]["text/html"])
    return "\n".join(parts)


@pytest.mark.slow
def test_analyst_notebook_runs(tmp_path: Path, kernel_name: str,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    nb = _execute("analyst_coverage.ipynb", tmp_path, kernel_name, monkeypatch)
    out = tmp_path / "analyst_coverage"
    table = pd.read_csv(out / "coverage_by_island.csv", encoding="utf-8-sig")
    total = table.iloc[-1]
    assert total["island_id"] == "合计 Total"
    # 95,865 residents aged 60+ in synthetic/elderly_points.csv, each counted once
    assert total["elderly_total"] == 95865
    assert table["elderly_total"].iloc[:-1].sum() == 95865
    body = table.iloc[:-1]
    assert (body["elderly_covered"] + body["elderly_not_covered"] == body["elderly_total"]).all()
    assert (body["elderly_not_covered"] == body["beyond_threshold"]
            + body["no_canteen_on_island"] + body["unreachable"]).all()
    # islands without a canteen (couriers take no ferry) have no coverage
    no_canteen = body[body["no_canteen_on_island"] > 0]
    assert set(no_canteen["island_name_zh"]) >= {"登步岛", "蚂蚁岛", "佛渡岛"}
    assert (no_canteen["elderly_covered"] == 0).all()
    assert 0 < total["covered_pct"] < 100
    html = (out / "coverage_map.html").read_text(encoding="utf-8")
    assert "15分钟配送圈" in html and "推荐新址" in html
    text = _text(nb)
    assert "95,865" in text
    assert "OPTIMAL" in text  # the siting proof is shown
    assert re.search(r"after opening S\d+, S\d+", text)
    assert "None" not in text.split("covered before:")[1].split("\n")[0]


@pytest.mark.slow
def test_planner_notebook_runs(tmp_path: Path, kernel_name: str,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    nb = _execute("planner_what_if.ipynb", tmp_path, kernel_name, monkeypatch)
    out = tmp_path / "planner_what_if"
    cmp = json.loads((out / "comparison" / "comparison.json").read_text(encoding="utf-8"))
    assert (cmp["a"], cmp["b"]) == ("putuo-baseline", "putuo-typhoon")
    rows = {(r["step"], r["kpi"]): r for r in cmp["rows"]}
    suspended = rows[("network", "sailings_suspended")]
    assert suspended["a"] == "0" and int(suspended["b"]) > 0
    unreach = rows[("connectivity", "islands_unreachable")]
    newly = set(unreach["b"].split(", ")) - set(unreach["a"].split(", "))
    assert newly == {"桃花岛", "虾峙岛"}
    text = _text(nb)
    assert re.search(r"newly unreachable on the typhoon day: (桃花岛、虾峙岛|虾峙岛、桃花岛)", text)
    # the Liuheng ferry is not suspended: the 06:30 journey arrives at the same time both days
    arrivals = re.findall(r"--- (baseline|typhoon): 六横镇 .*\n.*arrive (\d\d:\d\d)", text)
    assert [d for d, _ in arrivals] == ["baseline", "typhoon"]
    assert arrivals[0][1] == arrivals[1][1]
    assert "UNREACHABLE" not in text.split("--- baseline")[1].split("--- typhoon")[0]
    kp = pd.read_csv(out / "more_vehicles_dialysis_kpis.csv", encoding="utf-8-sig",
                     dtype=str).set_index("kpi")
    # same demand, two more vehicles: every trip is served or listed unserved in both plans
    assert kp.loc["trips", "a"] == kp.loc["trips", "b"]
    for col in ("a", "b"):
        assert int(kp.loc["trips_served", col]) + int(kp.loc["trips_unserved", col]) \
            == int(kp.loc["trips", col])
    assert "fleet: 10 → 12 vehicles" in text
    # aggregate only: no personal columns or synthetic names/phones in the outputs
    assert "新增志愿者" not in text and "101-0000" not in text
