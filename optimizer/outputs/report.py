"""Run reports: the KPI summary (JSON and Markdown) and ``index.html``, which links every file
of the run and explains every status and reason code that appears in it.

``summary.json`` and ``summary.md`` hold only what the scenario and seed determine (no clock
times, no measured durations: those are in ``manifest.json``), so two runs of the same scenario
give identical summaries.
"""

from __future__ import annotations

import json
from pathlib import Path
from collections.abc import Mapping
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from optimizer.outputs.labels import KPI_LABELS, kpi_label, step_label
from optimizer.results import ACTIONS_ZH, REASONS, SolveStatus
from optimizer.services.base import OutputFile

__all__ = ["summary_data", "write_index", "write_summary"]

_ENV = Environment(loader=PackageLoader("optimizer", "outputs/templates"),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def site_names(run_dir: Path) -> dict[str, str]:
    """Site id -> name of the canteens and candidate sites the run's meal tables list
    (``meals/canteens.csv``, ``meals/siting.csv``, ``site_id`` and ``name_zh``); empty when the
    run has no meal step. KPI values name sites by these names."""
    names: dict[str, str] = {}
    for rel in ("meals/canteens.csv", "meals/siting.csv"):
        path = Path(run_dir) / rel
        if not path.is_file() or path.stat().st_size < 8:
            continue
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        if {"site_id", "name_zh"} <= set(df.columns):
            names.update({i: n for i, n in zip(df["site_id"], df["name_zh"]) if i and n})
    return names


_UNITS = {"%": "%", "min": " 分钟 min", "m": " 米 m"}
"""How a unit of :data:`~optimizer.outputs.labels.KPI_LABELS` follows a number."""


def _value_text(key: str, value: Any, names: Mapping[str, str]) -> str:
    """A KPI value as a person reads it: durations (keys ending ``_min``) in whole minutes,
    numbers with their unit (``%``, minutes, metres), yes/no, site ids as names, reason codes as their labels."""
    unit = KPI_LABELS.get(key, ("", "", ""))[2]
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    if key.endswith("_min") and isinstance(value, float) and value == value:
        value = round(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(names.get(str(v), str(v)) for v in value) or "—"
    if isinstance(value, dict):  # reason codes and nested KPIs by their labels
        return "; ".join(
            f"{REASONS[k].label if k in REASONS else kpi_label(k)}: "
            + (f"({_value_text(k, v, names)})" if isinstance(v, dict) else
               REASONS[v].label if isinstance(v, str) and v in REASONS else
               _value_text(k, v, names))
            for k, v in value.items()) or "—"
    if unit in _UNITS and isinstance(value, (int, float)):
        return f"{value}{_UNITS[unit]}"
    return "" if value is None else str(value)


def _flat(kpis: dict[str, dict[str, Any]], names: Mapping[str, str] | None = None
          ) -> list[tuple[str, str, str]]:
    """``(step, KPI, text)`` rows of the KPIs for people: the step's and the KPI's bilingual
    labels (:mod:`optimizer.outputs.labels`), values as :func:`_value_text` writes them
    (``summary.json`` keeps the keys and the exact figures)."""
    names = names or {}
    return [(step_label(step), kpi_label(key), _value_text(key, value, names))
            for step, values in kpis.items() for key, value in values.items()]


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
    lines += ["", "| 步骤 step | 指标 KPI | 值 value |", "|---|---|---|"]
    lines += [f"| {s} | {k} | {v} |" for s, k, v in _flat(result.kpis, site_names(out))]
    (out / "summary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [OutputFile("summary.md", "指标汇总 KPI summary (Markdown)"),
            OutputFile("summary.json", "指标汇总 KPI summary (JSON)")]


def _explanations(result: Any) -> tuple[list[tuple[str, str, str]], list[tuple[Any, str]]]:
    """Every solve status and every catalogue code that appears in the run (steps and tables):
    ``(code, zh, en)`` of the statuses; ``(Reason, Chinese explanation)`` of the codes."""
    codes = {c for s in result.steps.values() for c in s.reason_codes}
    values = {st.value: st for st in SolveStatus}
    statuses = {s.status for s in result.steps.values()} | {values[c] for c in codes
                                                            if c in values}
    ordered = sorted(statuses, key=list(SolveStatus).index)
    return ([(str(st), *st.text) for st in ordered],
            [(REASONS[c], ACTIONS_ZH.get(c, "")) for c in sorted(codes) if c in REASONS])


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
        scenario=result.scenario, notes=result.notes,
        kpis=_flat(result.kpis, site_names(out_dir)),
        files=[*result.files, index], steps=list(result.steps.values()), statuses=statuses,
        reasons=reasons)
    (Path(out_dir) / "index.html").write_text(html, encoding="utf-8")
    return [index]
