"""Run reports: KPI summary (JSON and Markdown) and the ``index.html`` that links every output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

_ENV = Environment(loader=PackageLoader("optimizer", "outputs/templates"),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def _flat(kpis: dict[str, dict[str, Any]]) -> list[tuple[str, str, str]]:
    rows = []
    for step, values in kpis.items():
        for key, value in values.items():
            if isinstance(value, (list, tuple)):
                value = ", ".join(map(str, value)) or "—"
            elif isinstance(value, dict):
                value = "; ".join(f"{k}: {v}" for k, v in value.items())
            rows.append((step, key, str(value)))
    return rows


def write_summary(result) -> None:
    """Write ``summary.json`` and ``summary.md`` (KPIs by step, notes, files) into the run folder.

    Parameters
    ----------
    result
        A :class:`optimizer.scenario.run.RunResult`.
    """
    out: Path = result.out_dir
    sc = result.scenario
    data = {"scenario": sc.name, "title_zh": sc.title_zh, "title_en": sc.title_en,
            "date": str(sc.date), "notes": result.notes, "kpis": result.kpis,
            "steps": result.steps}
    (out / "summary.json").write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str),
                                      encoding="utf-8")
    lines = [f"# {sc.title_zh or sc.name} · {sc.title_en or sc.name}", "",
             f"Scenario `{sc.name}`, date {sc.date}.", ""]
    lines += [f"> {n}" for n in result.notes]
    lines += ["", "| step | KPI | value |", "|---|---|---|"]
    lines += [f"| {s} | {k} | {v} |" for s, k, v in _flat(result.kpis)]
    (out / "summary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result.files.insert(0, ("summary.md", "指标汇总 KPI summary (Markdown)"))
    result.files.insert(1, ("summary.json", "指标汇总 KPI summary (JSON)"))


def write_index(result) -> Path:
    """Write ``index.html`` linking every output file of the run.

    Parameters
    ----------
    result
        A :class:`optimizer.scenario.run.RunResult`.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    sc = result.scenario
    html = _ENV.get_template("index.html.j2").render(
        scenario=sc, notes=result.notes, kpis=_flat(result.kpis), files=result.files,
        steps=result.steps)
    path = result.out_dir / "index.html"
    path.write_text(html, encoding="utf-8")
    return path
