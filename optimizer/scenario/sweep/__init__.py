"""Sweeps: one base scenario run over many variants on Dask (``optimizer sweep``).

- :mod:`~optimizer.scenario.sweep.spec`: the sweep file and its variants (validated through the
  scenario schema);
- :mod:`~optimizer.scenario.sweep.execute`: each variant as a Dask task, cached by a hash of its
  resolved inputs;
- :mod:`~optimizer.scenario.sweep.results`: the table (Parquet, CSV) and the plots (PNG, HTML).

The sweep folder ``DIR``: ``sweep.parquet``, ``sweep.csv``, ``sweep.html``, ``plots/*.png``,
``variants/<key>/`` (``result.json`` and the full run folder ``run/``, or ``error.json``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from optimizer.errors import InputError
from optimizer.scenario.sweep.execute import ExecStats, execute_variants
from optimizer.scenario.sweep.results import sweep_table, write_plots, write_table
from optimizer.scenario.sweep.spec import SweepSpec, Variant, build_variants, load_sweep

__all__ = ["SweepResult", "SweepSpec", "Variant", "build_variants", "load_sweep", "run_sweep"]


@dataclass
class SweepResult:
    """What a sweep did: the table (one row per variant), the counts, the files written."""

    spec: SweepSpec
    table: pd.DataFrame
    stats: ExecStats
    files: list[Path] = field(default_factory=list)

    @property
    def failed(self) -> pd.DataFrame:
        """Rows of variants that failed or produced no plan (CLI exit 1)."""
        return self.table[self.table["status"] != "ok"]


def run_sweep(path: str | Path, out: str | Path, *, scheduler: str | None = None,
              workers: int | None = None, bar: bool = True,
              say: Callable[[str], None] = lambda _m: None) -> SweepResult:
    """Read a sweep file, run what is not cached on Dask, write the table and the plots.

    Parameters
    ----------
    path
        The sweep YAML file (:mod:`~optimizer.scenario.sweep.spec`).
    out
        The sweep folder (created; a finished sweep there is reused variant by variant).
    scheduler
        Address of a running Dask scheduler (``tcp://HOST:PORT``); ``None`` = an embedded
        ``LocalCluster``.
    workers
        Processes of the embedded cluster (default: CPUs, at most the variants to run).
    bar
        Show a progress bar.
    say
        Called with short progress messages.

    Raises
    ------
    optimizer.errors.InputError
        A bad sweep file or variant (every problem at once), ``workers < 1``, an unreachable
        scheduler. A variant that fails while running does not raise: it is in the table.
    """
    if workers is not None and workers < 1:
        raise InputError(f"--workers {workers}; expected a whole number >= 1", field="--workers")
    spec = load_sweep(path)
    variants = build_variants(spec)
    target = Path(out).resolve()
    target.mkdir(parents=True, exist_ok=True)
    stats = execute_variants(variants, spec.base, target, scheduler=scheduler, workers=workers,
                             bar=bar, keep_runs=spec.keep_runs, say=say)
    table = sweep_table(variants, stats.records, stats.keys)
    names = _island_names(variants[0].scenario) if "date" in spec.varied else {}
    files = write_table(table, target) + write_plots(table, spec.varied, target, names)
    return SweepResult(spec, table, stats, files)


def _island_names(scenario: object) -> dict[str, str]:
    """Island name (zh) → English name, from the scenario's island polygons ({} if unreadable:
    the plot then shows the Chinese names)."""
    from optimizer.scenario.run import data_context

    try:
        isl = data_context(scenario).islands
    except InputError:
        return {}
    return {z: e for z, e in zip(isl["name_zh"], isl["name_en"]) if z and e}
