"""A sweep's table and plots.

The table (``sweep.parquet`` and ``sweep.csv``, UTF-8 with BOM for Excel) has one row per variant,
in variant order: ``variant`` (1, 2, …), ``key`` (the cache key, the folder under
``variants/``), ``status`` (``ok``, ``no_plan``, ``failed``), ``error``, ``runtime_s``,
``reproducible`` (False when a wall-clock cap cut a search, see ``solver.wall_clock_cap_s``), one
column per varied key (as written in the sweep file: a vehicle type's count, a date as
YYYY-MM-DD, a list as ``a; b``), then every KPI as ``kpi.<step>.<name>`` (lists joined with
``; ``).

The plots pick what the sweep varied (:func:`plot_specs`): trips served against extra vehicles,
coverage against new sites ``p``, a calendar of unreachable islands by date, and headline KPIs
against any other varied key (text values such as clock times as categories), one line per
combination of the other varied keys. Each is a PNG (matplotlib) under ``plots/``; all of them
are also in one interactive page ``sweep.html`` (plotly, its script embedded: works offline).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["PlotSpec", "plot_specs", "sweep_table", "write_plots", "write_table"]

HEADLINE = {"dialysis": ["kpi.dialysis.trips_served", "kpi.dialysis.trips_unserved"],
            "meals": ["kpi.meals.covered_pct", "kpi.meals.covered_pct_after_siting"],
            "connectivity": ["kpi.connectivity.islands_reachable"]}
"""Headline KPI columns of each service, plotted against what varied."""

UNREACHABLE = "kpi.connectivity.islands_unreachable"
"""Column listing the named islands not reachable (``; ``-joined), for the calendar."""


def _cell(v: Any) -> Any:
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return "; ".join(str(x) for x in v)
    if isinstance(v, dict):
        return "; ".join(f"{k}={x}" for k, x in v.items())
    return v


def sweep_table(variants: list[Any], records: dict[str, dict[str, Any]],
                keys: dict[int, str]) -> pd.DataFrame:
    """One row per variant (see the module docs).

    Parameters
    ----------
    variants
        The sweep's variants (:class:`~optimizer.scenario.sweep.spec.Variant`).
    records
        Each run's record by cache key (:class:`~optimizer.scenario.sweep.execute.ExecStats`).
    keys
        Variant index → cache key.
    """
    rows = []
    for v in variants:
        rec = records.get(keys[v.index], {})
        row = {"variant": v.index, "key": keys[v.index], "status": rec.get("status", "failed"),
               "error": rec.get("error", ""), "runtime_s": rec.get("runtime_s"),
               "reproducible": rec.get("reproducible")}
        row.update({k: _cell(x) for k, x in v.params.items()})
        row.update({f"kpi.{k}": _cell(x) for k, x in (rec.get("kpis") or {}).items()})
        rows.append(row)
    df = pd.DataFrame(rows)
    for col in df.columns:  # one type per column for Parquet: mixed values become text
        vals = df[col].dropna()
        kinds = {type(x) for x in vals}
        if len(kinds) > 1 and not kinds <= {int, float}:
            df[col] = df[col].map(lambda x: None if x is None or x != x else str(x))
    return df


def write_table(df: pd.DataFrame, out: Path) -> list[Path]:
    """Write ``sweep.parquet`` (pyarrow) and ``sweep.csv``; return both paths."""
    pq, csv = out / "sweep.parquet", out / "sweep.csv"
    df.to_parquet(pq, engine="pyarrow", index=False)
    df.to_csv(csv, index=False, encoding="utf-8-sig")
    return [pq, csv]


@dataclass(frozen=True)
class PlotSpec:
    """One plot: ``kind`` ``"line"`` (``ys`` against ``x``) or ``"calendar"``; file stem."""

    name: str
    kind: str
    title_en: str
    title_zh: str = ""
    x: str = ""
    ys: tuple[str, ...] = ()
    group: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """Both titles (the HTML page; a PNG shows the Chinese one only where a CJK font is
        installed)."""
        return f"{self.title_en} · {self.title_zh}" if self.title_zh else self.title_en


def plot_specs(df: pd.DataFrame, varied: list[str]) -> list[PlotSpec]:
    """The plots that fit what varied (see the module docs); none when no variant finished.

    A line plot draws one line per KPI and per combination of the other varied keys
    (``group``); a key whose values are text (a clock time, an id) is drawn as categories."""
    ok = df[df["status"] != "failed"]
    if ok.empty:
        return []
    headline = tuple(c for cols in HEADLINE.values() for c in cols if c in ok and
                     ok[c].notna().any())
    vehicle_keys = [k for k in varied if k.startswith("dialysis.extra_vehicles.")]

    def others(*mine: str) -> tuple[str, ...]:
        return tuple(k for k in varied if k not in mine and k not in vehicle_keys
                     and k in ok and ok[k].nunique(dropna=False) > 1)

    specs = []
    if vehicle_keys:
        specs.append(PlotSpec("fleet", "line", "Dialysis trips served against extra vehicles",
                              "透析接送完成趟次与新增车辆", "extra_vehicles",
                              tuple(c for c in HEADLINE["dialysis"] if c in headline), others()))
    if "meals.new_sites" in varied:
        specs.append(PlotSpec("coverage", "line", "Canteen coverage (%) against new sites p",
                              "助餐覆盖率与新增站点数", "meals.new_sites",
                              tuple(c for c in HEADLINE["meals"] if c in headline),
                              others("meals.new_sites")))
    if "date" in varied and UNREACHABLE in ok:
        specs.append(PlotSpec("calendar", "calendar", "Named islands unreachable by date",
                              "各日期无法到达的岛屿", "date"))
    for key in varied:
        if key in vehicle_keys or key in ("meals.new_sites", "date") or key not in ok:
            continue
        specs.append(PlotSpec(key.replace(".", "_"), "line", f"Headline KPIs against {key}",
                              f"主要指标与 {key}", key, headline, others(key)))
    return [s for s in specs if s.kind == "calendar" or s.ys]


def _traces(df: pd.DataFrame, spec: PlotSpec) -> list[tuple[str, list[Any], list[Any]]]:
    """(label, x values, y values) of each line of a line plot, x sorted."""
    ok = df[df["status"] != "failed"].copy()
    if spec.x == "extra_vehicles":
        cols = [c for c in ok.columns if c.startswith("dialysis.extra_vehicles.")]
        ok["extra_vehicles"] = ok[cols].sum(axis=1)
    ok = ok.sort_values(spec.x)
    groups = (list(ok.groupby(list(spec.group), dropna=False, sort=True)) if spec.group
              else [((), ok)])
    out = []
    for values, part in groups:
        values = values if isinstance(values, tuple) else (values,)
        tag = ", ".join(f"{k}={v}" for k, v in zip(spec.group, values))
        for y in spec.ys:
            label = y.removeprefix("kpi.") + (f" ({tag})" if tag else "")
            out.append((label, part[spec.x].tolist(), part[y].tolist()))
    return out


def _text(xs: list[Any]) -> bool:
    """True when x values are not all numbers (drawn as categories)."""
    return not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in xs)


def _calendar(df: pd.DataFrame) -> pd.DataFrame:
    """Islands (rows) × dates (columns): 1 = unreachable that day, 0 = reachable."""
    ok = df[df["status"] != "failed"].sort_values("date")
    lists = {d: [s for s in str(v or "").split("; ") if s] if v == v else []
             for d, v in zip(ok["date"], ok[UNREACHABLE])}
    islands = sorted({i for v in lists.values() for i in v})
    return pd.DataFrame({d: [int(i in v) for i in islands] for d, v in lists.items()},
                        index=islands)


def _cjk_font() -> str | None:
    """An installed font with Chinese glyphs (names as matplotlib lists them), or ``None``."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in ("Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Zen Hei",
                             "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC")
                 if n in names), None)


def _png(df: pd.DataFrame, spec: PlotSpec, path: Path, names: dict[str, str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cjk = _cjk_font()
    if cjk:
        plt.rcParams["font.sans-serif"] = [cjk, "DejaVu Sans"]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    if spec.kind == "calendar":
        cal = _calendar(df)
        if cal.empty:
            ax.text(0.5, 0.5, "every named island reachable on every date", ha="center")
        else:
            ax.imshow(cal.values, aspect="auto", cmap="Reds", vmin=0, vmax=1)
            ax.set_yticks(range(len(cal.index)),
                          [i if cjk else names.get(i, i) for i in cal.index])
            step = max(1, len(cal.columns) // 12)
            ax.set_xticks(range(0, len(cal.columns), step), list(cal.columns)[::step],
                          rotation=45, ha="right")
    else:
        traces = _traces(df, spec)
        for label, xs, ys in traces:
            ax.plot([str(x) for x in xs] if _text(xs) else xs, ys, marker="o", label=label)
        if all(isinstance(x, int) for _l, xs, _y in traces for x in xs):
            from matplotlib.ticker import MaxNLocator

            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(spec.x)
        ax.legend()
        ax.grid(alpha=0.3)
    ax.set_title(spec.title if cjk else spec.title_en)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _figure(df: pd.DataFrame, spec: PlotSpec) -> Any:
    import plotly.graph_objects as go

    if spec.kind == "calendar":
        cal = _calendar(df)
        fig = go.Figure(go.Heatmap(z=cal.values, x=list(cal.columns), y=list(cal.index),
                                   colorscale=[[0, "#eeeeee"], [1, "#c0392b"]], zmin=0, zmax=1,
                                   showscale=False))
    else:
        fig = go.Figure([go.Scatter(x=[str(x) for x in xs] if _text(xs) else xs, y=ys,
                                    mode="lines+markers", name=label)
                         for label, xs, ys in _traces(df, spec)])
        fig.update_xaxes(title=spec.x)
    fig.update_layout(title=spec.title, height=420)
    return fig


def write_plots(df: pd.DataFrame, varied: list[str], out: Path,
                names: dict[str, str] | None = None) -> list[Path]:
    """Write ``plots/<name>.png`` for each :func:`plot_specs` entry and ``sweep.html`` with all
    of them (interactive); return the paths written (none when no variant finished).

    ``names`` maps island names (zh) to English ones, used in a PNG where no font with Chinese
    glyphs is installed (the HTML page shows the Chinese names: the browser has the fonts)."""
    specs = plot_specs(df, varied)
    if not specs:
        return []
    (out / "plots").mkdir(parents=True, exist_ok=True)
    written = []
    for spec in specs:
        path = out / "plots" / f"{spec.name}.png"
        _png(df, spec, path, names or {})
        written.append(path)
    parts = [_figure(df, s).to_html(full_html=False, include_plotlyjs=(i == 0))
             for i, s in enumerate(specs)]
    html = out / "sweep.html"
    html.write_text("<!doctype html><html><head><meta charset='utf-8'><title>sweep</title>"
                    "</head><body>" + "\n".join(parts) + "</body></html>", encoding="utf-8")
    return written + [html]
