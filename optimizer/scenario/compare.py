"""What-if comparison of two scenario runs: KPIs side by side with differences, and the maps.

:func:`compare_runs` reads two run folders (each written by
:func:`optimizer.scenario.run.run_scenario`; nothing is re-solved, ``dispatch/`` is never read) and
writes into the output folder:

* ``comparison.csv`` / ``comparison.json`` / ``comparison.md``: every KPI of either run, A, B and
  B − A;
* ``maps/coverage_diff.html``: the difference map (:mod:`optimizer.outputs.compare_map`):
  villages by change in coverage share, canteens added / removed / recommended, dialysis rides
  served and unserved per island;
* ``villages_diff.csv``, ``canteens_diff.csv``, ``dialysis_by_island_diff.csv``: the tables
  behind the map (published: no names, no homes; dialysis only as counts per island);
* ``index.html``: KPIs, the difference map shown in the page, the change tables and both runs'
  own maps side by side.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from optimizer.errors import InputError

_ENV = Environment(loader=PackageLoader("optimizer", "outputs/templates"),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def _load(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "summary.json"
    if not path.is_file():
        raise InputError(f"no summary.json in {run_dir}; run the scenario first "
                         "(optimizer run SCENARIO --out DIR)", file=str(path))
    return json.loads(path.read_text(encoding="utf-8"))


def _note_texts(summary: dict[str, Any]) -> list[str]:
    """A run's notes as bilingual lines (``summary.json`` holds them as kind, zh, en)."""
    return [f"{n.get('zh', '')} {n.get('en', '')}".strip() if isinstance(n, dict) else str(n)
            for n in summary.get("notes", [])]


def _diff(a: Any, b: Any) -> str:
    if isinstance(a, bool) or isinstance(b, bool):
        return "" if a == b else "changed"
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        d = b - a
        if d == 0:
            return "0"
        pct = f" ({d / a:+.1%})" if a else ""
        return f"{d:+g}{pct}" if isinstance(d, int) else f"{d:+.1f}{pct}"
    return "" if a == b else "changed"


def kpi_table(a: dict[str, Any], b: dict[str, Any]) -> pd.DataFrame:
    """KPIs of two runs side by side.

    Parameters
    ----------
    a, b
        The ``summary.json`` contents of the two runs.

    Returns
    -------
    pandas.DataFrame
        Columns ``step, kpi, a, b, difference`` (``b − a``, with the relative change for
        numbers); every KPI of either run is a row (missing in one run → empty cell).
    """
    rows = []
    ka, kb = a.get("kpis", {}), b.get("kpis", {})
    for step in list(dict.fromkeys([*ka, *kb])):
        sa, sb = ka.get(step, {}), kb.get(step, {})
        for key in list(dict.fromkeys([*sa, *sb])):
            va, vb = sa.get(key), sb.get(key)
            rows.append({"step": step, "kpi": key, "a": _fmt(va), "b": _fmt(vb),
                         "difference": _diff(va, vb) if key in sa and key in sb else "new"})
    return pd.DataFrame(rows, columns=["step", "kpi", "a", "b", "difference"])


_MAX_ROWS = 40
"""Villages listed on the comparison page (largest changes first); all are in the CSV."""


def _cell(v: Any) -> str:
    """A table cell: empty for missing, whole numbers without decimals, others to 1 decimal."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if isinstance(v, bool):
        return "是 yes" if v else "否 no"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else f"{v:.1f}"
    return str(v)


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, (list, tuple)):
        return ", ".join(map(str, v)) or "—"
    if isinstance(v, dict):
        return "; ".join(f"{k}: {x}" for k, x in v.items())
    return str(v)


def compare_runs(run_a: str | Path, run_b: str | Path, out_dir: str | Path, *,
                 tiles: str | None = None) -> pd.DataFrame:
    """Compare two run folders and write the comparison into ``out_dir``.

    Parameters
    ----------
    run_a, run_b
        Run folders (each with ``summary.json``); A is the reference (e.g. the baseline).
    out_dir
        Output folder (created); see the module notes for the files written.
    tiles
        Base tiles of the difference map (``"osm"``, ``"tianditu"``, ``"amap"``,
        ``"offline"``); default run A's.

    Returns
    -------
    pandas.DataFrame
        The KPI table (see :func:`kpi_table`).

    Raises
    ------
    optimizer.errors.InputError
        If a folder has no ``summary.json``, or a run table is malformed (file, row and field
        named; see :func:`optimizer.outputs.compare_map.diff_runs`).
    optimizer.errors.PrivacyError
        If a published comparison table would carry a personal column.
    """
    from optimizer.outputs.compare_map import (
        CANTEEN_STATUS_LABELS,
        CHANGE_LABELS,
        diff_runs,
        save_coverage_diff_map,
    )

    ra, rb, out = Path(run_a), Path(run_b), Path(out_dir)
    a, b = _load(ra), _load(rb)
    out.mkdir(parents=True, exist_ok=True)
    table = kpi_table(a, b)
    table.to_csv(out / "comparison.csv", index=False, encoding="utf-8-sig")
    (out / "comparison.json").write_text(json.dumps(
        {"a": a["scenario"], "b": b["scenario"], "rows": table.to_dict("records")},
        ensure_ascii=False, indent=2), encoding="utf-8")
    lines = [f"# 方案对比 Scenario comparison: {a['scenario']} → {b['scenario']}", "",
             f"- A: {a.get('title_zh', '')} · {a.get('title_en', '')} ({a['scenario']})",
             f"- B: {b.get('title_zh', '')} · {b.get('title_en', '')} ({b['scenario']})", "",
             "| step | KPI | A | B | B − A |", "|---|---|---|---|---|"]
    lines += [f"| {r.step} | {r.kpi} | {r.a} | {r.b} | {r.difference} |"
              for r in table.itertuples()]
    notes = list(dict.fromkeys([*_note_texts(a), *_note_texts(b)]))
    lines += ["", *[f"> {n}" for n in notes]]
    (out / "comparison.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    diff = diff_runs(ra, rb)
    save_coverage_diff_map(diff, out / "maps" / "coverage_diff.html", tiles=tiles)
    tables = {"villages_diff.csv": diff.villages, "canteens_diff.csv": diff.canteens,
              "dialysis_by_island_diff.csv": diff.dialysis}
    for name, df in tables.items():
        df.to_csv(out / name, index=False, encoding="utf-8-sig")
    villages = diff.villages[diff.villages["change"] != "unchanged"]
    canteens = diff.canteens[diff.canteens["status"] != "both"]
    maps = sorted({p.relative_to(ra).as_posix() for p in ra.glob("maps/*.html")} |
                  {p.relative_to(rb).as_posix() for p in rb.glob("maps/*.html")})
    html = _ENV.get_template("compare.html.j2").render(
        a=a, b=b, rows=table.to_dict("records"), notes=notes, maps=maps,
        link_a=os.path.relpath(ra, out), link_b=os.path.relpath(rb, out),
        diff_notes=diff.notes, villages=villages.head(_MAX_ROWS).to_dict("records"),
        n_villages=len(villages), n_unchanged=int((diff.villages["change"] == "unchanged").sum()),
        canteens=canteens.to_dict("records"), dialysis=diff.dialysis.to_dict("records"),
        change_labels={k: " ".join(v) for k, v in CHANGE_LABELS.items()},
        status_labels={k: " ".join(v) for k, v in CANTEEN_STATUS_LABELS.items()},
        max_rows=_MAX_ROWS, fmt=_cell)
    (out / "index.html").write_text(html, encoding="utf-8")
    return table


def compare_scenarios(scenario_a: str | Path, scenario_b: str | Path, out_dir: str | Path, *,
                      overrides: dict[str, Any] | None = None,
                      progress: Any = None) -> pd.DataFrame:
    """Run two scenarios into ``out_dir/<name>`` and compare them (``optimizer compare``).

    Parameters
    ----------
    scenario_a, scenario_b
        Scenario files; A is the reference (e.g. the baseline).
    out_dir
        Folder of the comparison: absent, empty, or an earlier run or comparison of this tool
        (replaced whole); each run goes to ``out_dir/<scenario name>``. The folder is complete or
        absent (written in a staging folder, then moved into place).
    overrides
        Scenario overrides applied to both (CLI flags, e.g. ``{"solver": {"seed": 1}}``).
    progress
        Called with a short message at the start of each step.

    Returns
    -------
    pandas.DataFrame
        The KPI table (:func:`kpi_table`).

    Raises
    ------
    optimizer.errors.InputError
        If both scenarios have the same name, ``out_dir`` is a file or a foreign non-empty
        folder, or on bad input in either scenario (file, key, row named), before anything runs.
    """
    from optimizer.outputs.manifest import TOOL
    from optimizer.scenario.outdir import staged_folder
    from optimizer.scenario.run import data_context, load_services, run_scenario
    from optimizer.scenario.schema import load_scenario

    say = progress or (lambda _msg: None)
    scs = [load_scenario(s, overrides=overrides) for s in (scenario_a, scenario_b)]
    if scs[0].name == scs[1].name:
        raise InputError(f"both scenarios are named {scs[0].name!r}; give them different names",
                         file=str(scenario_b), field="name")
    say("inputs of both scenarios: reading and checking every file")
    for sc in scs:  # every input problem of either scenario before anything runs
        load_services(sc, data_context(sc))
    with staged_folder(out_dir) as tmp:
        for sc in scs:
            say(f"== {sc.name}")
            run_scenario(sc, tmp / sc.name, progress=say)
        table = compare_runs(tmp / scs[0].name, tmp / scs[1].name, tmp)
        (tmp / "manifest.json").write_text(json.dumps(
            {"tool": TOOL, "kind": "comparison", "runs": [sc.name for sc in scs]},
            ensure_ascii=False, indent=2), encoding="utf-8")
    return table
