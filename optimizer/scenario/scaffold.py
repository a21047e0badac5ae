"""Blank templates and a starter scenario folder for users' own data.

:func:`write_all_templates` (``optimizer template DIR``) writes a blank XLSX (header row plus a
"说明 Guide" sheet listing every column) and a CSV (UTF-8 with BOM, so Excel shows Chinese) for
every input table of every registered service (:func:`optimizer.scenario.registry.all_tables`).

:func:`init_scenario` (``optimizer init DIR``) scaffolds a folder a user can edit: a
``scenario.yaml`` naming the input files under ``data/``, each in the template layout with a few
example rows on 舟山岛 (沈家门) flagged ``synthetic``. ``optimizer validate DIR/scenario.yaml``
accepts it as written and ``optimizer run`` plans it on the embedded Putuo network.
"""

from __future__ import annotations

from pathlib import Path

from optimizer.errors import InputError
from optimizer.io.tables import TableSpec, write_csv, write_templates
from optimizer.scenario.registry import all_tables

__all__ = ["INIT_TABLES", "init_scenario", "write_all_templates"]

INIT_TABLES = ("dialysis_patients", "dialysis_units", "vehicles", "elderly_points", "canteens",
               "candidate_sites")
"""Tables :func:`init_scenario` writes (elderly by point stands for the demand file)."""

SCENARIO_YAML = """\
# Scenario scaffolded by `optimizer init` (情景模板). Paths are relative to this file.
# Replace the example rows under data/ with your own (they are synthetic, flagged synthetic=yes);
# the columns are explained in the templates (`optimizer template DIR`, sheet "说明 Guide") and in
# docs/data-guide.md. Check with `optimizer validate scenario.yaml`, then
# `optimizer run scenario.yaml --out out`.
name: my-scenario
title_zh: 我的情景（示例数据）
title_en: My scenario (example data)
date: 2026-12-02          # a Wednesday: MWF patients have a session
network:
  road_source: land_proxy # the embedded Putuo islands and ferries
  spacing_m: 300
solver:
  time_limit_s: 5
  seed: 0
dialysis:
  patients: data/dialysis_patients.csv
  units: data/dialysis_units.csv
  vehicles: data/vehicles.csv
meals:
  elderly: data/elderly_points.csv
  canteens: data/canteens.csv
  candidates: data/candidate_sites.csv
visits:
  # off: with it on and no files given, the run would use the embedded synthetic households;
  # give your own (templates needy_households, offices; guide 3.9-3.10) and set it on
  enabled: false
"""


def write_all_templates(out_dir: str | Path) -> list[Path]:
    """Blank templates of every registered input table in ``out_dir``.

    Returns
    -------
    list of Path
        The files written (``<table>.xlsx`` and ``<table>.csv`` per table).

    Raises
    ------
    optimizer.errors.InputError
        If ``out_dir`` is a file or already holds a file of the same name (nothing overwritten).
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file; give a folder", field="DIR")
    specs = all_tables()
    clash = [p for s in specs for p in (out / f"{s.name}.xlsx", out / f"{s.name}.csv")
             if p.exists()]
    if clash:
        raise InputError(f"{len(clash)} template(s) already exist, e.g. {clash[0]}; choose an "
                         "empty folder (nothing was overwritten)", file=str(clash[0]))
    return write_templates(specs, out)


def _example_csv(spec: TableSpec, path: Path) -> None:
    rows = [[r.get(c, "") for c in spec.names] for r in spec.example_rows]
    write_csv(path, spec.names, rows)


def init_scenario(out_dir: str | Path) -> list[Path]:
    """Scaffold a scenario folder: ``scenario.yaml`` and ``data/<table>.csv`` with example rows.

    Parameters
    ----------
    out_dir
        A new or empty folder.

    Returns
    -------
    list of Path
        Every file written, ``scenario.yaml`` first.

    Raises
    ------
    optimizer.errors.InputError
        If ``out_dir`` is a file or a folder that is not empty (nothing written).
    """
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"{out} is not an empty folder; `optimizer init` writes a new scenario "
                         "folder and never overwrites (choose a new folder name)", field="DIR")
    specs = {s.name: s for s in all_tables()}
    (out / "data").mkdir(parents=True, exist_ok=True)
    scenario = out / "scenario.yaml"
    scenario.write_text(SCENARIO_YAML, encoding="utf-8")
    written = [scenario]
    for name in INIT_TABLES:
        path = out / "data" / f"{name}.csv"
        _example_csv(specs[name], path)
        written.append(path)
    return written
