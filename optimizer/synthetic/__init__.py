"""Deterministic, seeded generators for data we lack (every output labelled ``synthetic``).

``python -m optimizer.synthetic`` regenerates ``data/geo/putuo/synthetic/``; rerunning with the same
seed gives byte-identical files. Methods, assumptions and sources: the module docstrings of
:mod:`.population` (elderly per village, land sampler), :mod:`.dialysis` (patients, units) and
:mod:`.facilities` (canteens, candidate sites, vehicles), :mod:`.needy` (needy households and
their visiting offices), and ``data/geo/putuo/SOURCES.md``.

Examples
--------
>>> from optimizer.synthetic import SYNTHETIC_FILES
>>> SYNTHETIC_FILES[0]
'elderly.csv'
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from optimizer.datasets import PUTUO_DIR

SYNTHETIC_DIR = PUTUO_DIR / "synthetic"
"""Where the committed synthetic files live (``data/geo/putuo/synthetic``)."""

SYNTHETIC_FILES = ("elderly.csv", "dialysis_patients.csv", "dialysis_units.csv", "canteens.csv",
                   "candidate_sites.csv", "vehicles.csv", "needy_households.csv", "offices.csv")
"""Files written by :func:`generate_all`."""


def generate_all(out_dir: str | Path = SYNTHETIC_DIR, *, seed: int | None = None) -> dict[str, Path]:
    """Generate every synthetic table into ``out_dir``.

    Parameters
    ----------
    out_dir
        Output folder (created); default :data:`SYNTHETIC_DIR`.
    seed
        Seed of all generators; default :data:`optimizer.synthetic.population.SEED` (20201101).
        Each file uses its own stream ``[seed, k]``, so the files are independent.

    Returns
    -------
    dict
        File name → path written, for :data:`SYNTHETIC_FILES`.

    Raises
    ------
    optimizer.errors.InputError
        If an embedded input file is invalid.
    """
    from optimizer.synthetic.dialysis import generate_patients, generate_units
    from optimizer.synthetic.facilities import (generate_candidate_sites, generate_canteens,
                                                generate_vehicles)
    from optimizer.synthetic.households import disperse_elderly
    from optimizer.synthetic.needy import generate_households, generate_offices
    from optimizer.synthetic.population import SEED, Land, generate_elderly, write_csv

    s = SEED if seed is None else seed
    out = Path(out_dir)
    land = Land.default()
    elderly = generate_elderly(seed=s, land=land)
    patients = generate_patients(elderly, seed=s, land=land)
    canteens = generate_canteens(elderly, seed=s, land=land)
    candidates = generate_candidate_sites(elderly, seed=s, land=land)
    published = pd.concat([elderly, disperse_elderly(elderly, seed=s, land=land), canteens,
                           candidates])  # points published maps show: no home may equal one
    households = generate_households(elderly, seed=s, land=land,
                                     avoid=zip(published["lon"], published["lat"]))
    towns = pd.read_csv(PUTUO_DIR / "places" / "towns.csv", dtype={"town_code": str})
    tables = {
        "elderly.csv": elderly,
        "dialysis_patients.csv": patients,
        "dialysis_units.csv": generate_units(n_patients=len(patients)),
        "canteens.csv": canteens,
        "candidate_sites.csv": candidates,
        "vehicles.csv": generate_vehicles(elderly, seed=s, land=land),
        "needy_households.csv": households,
        "offices.csv": generate_offices(elderly, households, towns, land=land),
    }
    return {name: write_csv(df, out / name) for name, df in tables.items()}


__all__ = ["SYNTHETIC_DIR", "SYNTHETIC_FILES", "generate_all"]
