"""Run reports: the KPI summary (JSON and Markdown) and ``index.html``, which links every file
of the run and explains every status and reason code that appears in it.

``summary.json`` and ``summary.md`` hold only what the scenario and seed determine (no clock
times, no measured durations: those are in ``manifest.json``), so two runs of the same scenario
give identical summaries.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from optimizer.results import REASONS, SolveStatus
from optimizer.services.base import OutputFile

__all__ = ["summary_data", "write_index", "write_summary"]

_ENV = Environment(loader=PackageLoader("optimizer", "outputs/templates"),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def _flat(kpis: dict[str, dict[str, Any]]) -> list[tuple[str, str, str]]:
    """``(step, key, text)`` rows of the KPIs for people: durations (keys ending ``_min``) in
    whole minutes (``summary.json`` keeps the exact figures)."""
    rows = []
    for step, values in kpis.items():
        for key, value in values.items():
            if key.endswith("_min") and isinstance(value, float) and value == value:
                value = round(value)
            if isinstance(value, (list, tuple)):
                value = ", ".join(map(str, value)) or "—"
            elif isinstance(value, dict):
                value = "; ".join(f"{k}: {v}" for k, v in value.items())
            rows.append((step, key, str(value)))
    return rows


def summary_data(result: Any) -> dict[str, Any]:
    """The content of ``summary.json``: scenario, date, notes (with their kind), KPIs by step
    and each step's status.

    Parameters
    ----------
    result
        A :class:`optimizer.scenario.run.RunResult`.
    """
    sc = result.scenario
    return {"scenario": sc.name, "title_zh": sc.title_zh, "title_en": sc.title_en,
            "date": str(sc.date),
            "notes": [{"kind": n.kind.value, "zh": n.zh, "en": n.en} for n in result.notes],
            "kpis": result.kpis,
            "steps": {name: {"status": str(s.status), "reason_codes": list(s.reason_codes)}
                      for name, s in result.steps.items()}}


def write_summary(out_dir: Path, result: Any) -> list[OutputFile]:
    """Write ``summary.json`` and ``summary.md`` into the run folder.

    Returns
    -------
    list of OutputFile
        The two files.
    """
    out = Path(out_dir)
    sc = result.scenario
    data = summary_data(result)
    (out / "summary.json").write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str),
                                      encoding="utf-8")
    lines = [f"# {sc.title_zh or sc.name} · {sc.title_en or sc.name}", "",
             f"Scenario `{sc.name}`, date {sc.date}.", ""]
    lines += [f"> {n}" for n in result.notes]
    lines += ["", "| step | status |", "|---|---|"]
    lines += [f"| {name} | {s.status} |" for name, s in result.steps.items()]
    lines += ["", "| step | KPI | value |", "|---|---|---|"]
    lines += [f"| {s} | {k} | {v} |" for s, k, v in _flat(result.kpis)]
    (out / "summary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [OutputFile("summary.md", "指标汇总 KPI summary (Markdown)"),
            OutputFile("summary.json", "指标汇总 KPI summary (JSON)")]


def _explanations(result: Any) -> tuple[list[tuple[str, str, str]], list[Any]]:
    """Every solve status and every catalogue code that appears in the run (steps and tables)."""
    codes = {c for s in result.steps.values() for c in s.reason_codes}
    values = {st.value: st for st in SolveStatus}
    statuses = {s.status for s in result.steps.values()} | {values[c] for c in codes
                                                            if c in values}
    ordered = sorted(statuses, key=list(SolveStatus).index)
    return ([(str(st), *st.text) for st in ordered],
            [REASONS[c] for c in sorted(codes) if c in REASONS])


def write_index(out_dir: Path, result: Any) -> list[OutputFile]:
    """Write ``index.html``: notes, every file of the run (linked; personal files marked),
    the steps with their status, what each status and reason code means, and the KPIs.

    Parameters
    ----------
    out_dir
        The run folder.
    result
        A :class:`optimizer.scenario.run.RunResult` whose ``files`` lists every other file.

    Returns
    -------
    list of OutputFile
        ``index.html``.
    """
    index = OutputFile("index.html", "本页：全部输出与说明 This page: every output, explained")
    statuses, reasons = _explanations(result)
    html = _ENV.get_template("index.html.j2").render(
        scenario=result.scenario, notes=result.notes, kpis=_flat(result.kpis),
        files=[*result.files, index], steps=list(result.steps.values()), statuses=statuses,
        reasons=reasons)
    (Path(out_dir) / "index.html").write_text(html, encoding="utf-8")
    return [index]
