"""Scaled datasets for the dialysis day plan: ``K`` x the patients, ``K`` x the vehicles.

``python -m optimizer.synthetic --scale K --out DIR [--vehicles N]`` writes into ``DIR``:

* ``dialysis_patients.csv``: ``K x 199`` synthetic patients drawn by
  :func:`optimizer.synthetic.dialysis.generate_patients` with the same rules as the embedded
  file (villages in proportion to the synthetic elderly counts of ``elderly.csv``, the same
  wheelchair, escort, schedule and shift shares, seeded with stream ``[seed, 2]``); ``K = 1``
  gives the embedded file byte for byte;
* ``dialysis_units.csv``: the units with chairs for ``K x 199`` patients
  (:func:`~optimizer.synthetic.dialysis.generate_units`);
* ``vehicles.csv``: ``K`` copies of the embedded fleet (``vehicles.csv``, 10 vehicles on 5
  islands), copy 1 being the embedded rows themselves and copy ``j >= 2`` the same vehicle type
  (seats, wheelchair places, shift, islands served, car-ferry flag) with id ``Vnn-j``, a fake
  driver and phone, and a base drawn on land within a few hundred metres of the original base
  (stream ``[seed, 50, j]``). ``--vehicles N`` keeps the first ``N`` vehicles of that order (more
  than ``10 K`` adds further copies), so the first 10 are always the embedded fleet and a smaller
  fleet is a subset of a larger one;
* the main job's other demand, scaled alike (issue 14 item 5): ``elderly.csv`` (the same
  villages, ``K x`` their residents aged 60+ and population), ``elderly_points.csv`` (those
  residents dispersed by :func:`optimizer.synthetic.households.disperse_elderly`, about 25 a
  point, so ``K x`` the points), ``canteens.csv`` and ``candidate_sites.csv`` (the same sites,
  ``K x`` their daily capacity: the canteens of a ``K`` times larger district, stood on the
  same places), ``needy_households.csv`` (``K x`` 3,002 households,
  :func:`optimizer.synthetic.needy.generate_households`) and ``offices.csv`` (the same offices,
  staffed for their ``K x`` households by :func:`~optimizer.synthetic.needy.generate_offices`).
  ``K = 1`` gives the embedded files byte for byte;
* ``scenario.yaml``: the embedded baseline scenario (``base:``, absolute path) with the
  ``dialysis:``, ``meals:`` and ``visits:`` files above (paths relative to the scenario), so
  ``optimizer run DIR/scenario.yaml`` plans the scaled day (``scenarios/putuo-10x.yaml`` is
  the 10 x main job on ``--out data/scale/k10``).

The same ``K``, ``N``, seed and ``DIR`` give the same bytes. ASSUMPTION: the neighbouring
counties' data (定海, 岱山, 嵊泗) are not available, so "ten times the data" is ten times the
Putuo patients on the Putuo islands and network.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.datasets import PUTUO_DIR

__all__ = ["BASE_SCENARIO", "SCALED_FILES", "generate_scaled", "scaled_vehicles"]

SCALED_FILES = ("dialysis_patients.csv", "dialysis_units.csv", "vehicles.csv", "elderly.csv",
                "elderly_points.csv", "canteens.csv", "candidate_sites.csv",
                "needy_households.csv", "offices.csv", "scenario.yaml")
"""Files :func:`generate_scaled` writes."""

BASE_SCENARIO = PUTUO_DIR.parents[2] / "scenarios" / "putuo-baseline.yaml"
"""The scenario the scaled ``scenario.yaml`` builds on (its ``base:``)."""

NUDGE_DEG = 2e-5
"""Step (degrees of longitude, about 2 m) by which a scaled elderly point on a private point
moves (assumption-free: the points are synthetic aggregates, never homes)."""

VEHICLE_BASE_SIGMA_M = 300.0
"""Spread (m, 1 sd) of a copied vehicle's base around the original base (assumption)."""


def scaled_vehicles(vehicles: pd.DataFrame, n_vehicles: int, *, seed: int,
                    land: object | None = None) -> pd.DataFrame:
    """The first ``n_vehicles`` of the fleet repeated copy by copy (module docs).

    Parameters
    ----------
    vehicles
        The embedded ``vehicles.csv`` table (copy 1, kept as is).
    n_vehicles
        Vehicles to return (>= 1).
    seed
        Seed; copy ``j`` uses the stream ``[seed, 50, j]``.
    land
        Land sampler (:class:`optimizer.synthetic.population.Land`); default the Putuo land.

    Returns
    -------
    pandas.DataFrame
        The columns of ``vehicles``; bases EPSG:4326.

    Raises
    ------
    ValueError
        If ``n_vehicles < 1``.
    """
    from optimizer.synthetic.dialysis import fake_name, fake_phone
    from optimizer.synthetic.population import Land

    if n_vehicles < 1:
        raise ValueError(f"n_vehicles={n_vehicles}; expected at least 1")
    base = vehicles.reset_index(drop=True)
    rows = [dict(r) for _, r in base.iterrows()]
    copy = 1
    while len(rows) < n_vehicles:
        copy += 1
        land = land or Land.default()
        rng = np.random.default_rng([seed, 50, copy])
        for _, r in base.iterrows():
            lon, lat = land.sample(str(r["island_id"]), rng, near=(float(r["lon"]),  # type: ignore[attr-defined]
                                                                  float(r["lat"])),
                                   sigma_m=VEHICLE_BASE_SIGMA_M, inset_m=30.0)
            n = len(rows) + 1
            rows.append({**dict(r), "vehicle_id": f"{r['vehicle_id']}-{copy}",
                         "driver": f"{fake_name(rng)}(志愿者)", "phone": fake_phone(101, n),
                         "lon": lon, "lat": lat})
    return pd.DataFrame(rows[:n_vehicles], columns=list(vehicles.columns))


def generate_scaled(scale: int, out_dir: str | Path, *, n_vehicles: int | None = None,
                    seed: int | None = None) -> dict[str, Path]:
    """Write the ``scale`` x dataset and its scenario (module docs) into ``out_dir``.

    Parameters
    ----------
    scale
        ``K`` >= 1: patients ``K x`` :func:`~optimizer.synthetic.dialysis.patient_count`.
    out_dir
        Output folder (created).
    n_vehicles
        Fleet size (default ``10 K``: the fleet scaled like the patients).
    seed
        Seed (default :data:`optimizer.synthetic.population.SEED`, the embedded data's).

    Returns
    -------
    dict
        File name -> path written (:data:`SCALED_FILES`).

    Raises
    ------
    ValueError
        If ``scale < 1`` or ``n_vehicles < 1``.
    """
    from optimizer.synthetic.dialysis import generate_patients, generate_units, patient_count
    from optimizer.synthetic.population import SEED, Land, write_csv

    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 1:
        raise ValueError(f"scale={scale!r}; expected a whole number >= 1")
    s = SEED if seed is None else int(seed)
    out = Path(out_dir)
    syn = PUTUO_DIR / "synthetic"
    elderly = pd.read_csv(syn / "elderly.csv", dtype={"village_code": str, "town_code": str})
    fleet = pd.read_csv(syn / "vehicles.csv", dtype=str, keep_default_na=False)
    land = Land.default()
    n = scale * patient_count()
    patients = generate_patients(elderly, seed=s, land=land, n_patients=n)
    nv = 10 * scale if n_vehicles is None else int(n_vehicles)
    tables = {"dialysis_patients.csv": patients,
              "dialysis_units.csv": generate_units(n_patients=n),
              "vehicles.csv": scaled_vehicles(fleet, nv, seed=s, land=land)}
    private = pd.concat([tables["dialysis_patients.csv"][["lon", "lat"]],
                         tables["vehicles.csv"][["lon", "lat"]].astype(float)])
    tables.update(_scaled_demand(scale, seed=s, land=land,
                                 private=zip(private["lon"], private["lat"])))
    paths = {name: write_csv(df, out / name) for name, df in tables.items()}
    paths["scenario.yaml"] = _write_scenario(out / "scenario.yaml", scale, nv, len(patients))
    return paths


def _scaled_demand(scale: int, *, seed: int, land: object,
                   private: Iterable[tuple[float, float]]) -> dict[str, pd.DataFrame]:
    """The meal and visit inputs of the ``scale`` x dataset (module docs), as
    :func:`optimizer.synthetic.generate_all` draws them; an elderly point that falls on a
    ``private`` point (a patient's home or a vehicle base, to 5 decimals: about 1 m, the
    privacy scan's precision) is moved east by :data:`NUDGE_DEG` until it does not (none at
    ``K = 1``; two at ``K = 10``)."""
    from optimizer.synthetic.households import disperse_elderly
    from optimizer.synthetic.needy import N_HOUSEHOLDS, generate_households, generate_offices

    syn = PUTUO_DIR / "synthetic"
    elderly = pd.read_csv(syn / "elderly.csv", dtype={"village_code": str, "town_code": str},
                          keep_default_na=False)
    for col in ("population_est", "elderly_60plus"):
        elderly[col] = elderly[col] * scale
    elderly["synthetic"] = elderly["synthetic"].astype(str).str.lower() == "true"
    points = _nudged(disperse_elderly(elderly, seed=seed, land=land), private)
    sites = {}
    for name in ("canteens.csv", "candidate_sites.csv"):
        df = pd.read_csv(syn / name, dtype=str, keep_default_na=False)
        df["capacity_meals_per_day"] = (df["capacity_meals_per_day"].astype(int) * scale)
        sites[name] = df
    published = pd.concat([elderly, points, *(d[["lon", "lat"]].astype(float)
                                              for d in sites.values())])
    households = generate_households(elderly, seed=seed, land=land,
                                     avoid=zip(published["lon"], published["lat"]),
                                     n_households=scale * N_HOUSEHOLDS)
    towns = pd.read_csv(PUTUO_DIR / "places" / "towns.csv", dtype={"town_code": str})
    return {"elderly.csv": elderly, "elderly_points.csv": points, **sites,
            "needy_households.csv": households,
            "offices.csv": generate_offices(elderly, households, towns, land=land)}


def _nudged(points: pd.DataFrame, private: Iterable[tuple[float, float]]) -> pd.DataFrame:
    """``points`` with every point on a private point moved east by :data:`NUDGE_DEG` steps."""
    key = lambda lon, lat: (round(lon * 1e5), round(lat * 1e5))  # noqa: E731
    taken = {key(float(x), float(y)) for x, y in private}
    lon = points["lon"].to_numpy(dtype=float).copy()
    lat = points["lat"].to_numpy(dtype=float)
    for i in range(len(lon)):
        while key(lon[i], lat[i]) in taken:
            lon[i] = round(lon[i] + NUDGE_DEG, 6)
    return points.assign(lon=lon)


def _write_scenario(path: Path, scale: int, n_vehicles: int, n_patients: int) -> Path:
    """The scenario of a scaled dataset: the baseline with this folder's dialysis files."""
    text = (f"# Generated by python -m optimizer.synthetic --scale {scale} --vehicles {n_vehicles}"
            "\n# (synthetic: the embedded Putuo patients and fleet scaled; see "
            "optimizer/synthetic/scale.py).\n"
            f"base: {BASE_SCENARIO.resolve().as_posix()}\n"
            f"name: putuo-scale-{scale}x-{n_vehicles}v\n"
            f"title_zh: 普陀区透析接送 {scale} 倍规模（{n_patients} 名患者，{n_vehicles} 辆车，合成）\n"
            f"title_en: Putuo dialysis rides at {scale}x ({n_patients} patients, {n_vehicles} "
            "vehicles, synthetic)\n"
            "dialysis:\n"
            "  patients: dialysis_patients.csv\n"
            "  units: dialysis_units.csv\n"
            "  vehicles: vehicles.csv\n"
            "meals:\n"
            "  elderly: elderly_points.csv\n"
            "  canteens: canteens.csv\n"
            "  candidates: candidate_sites.csv\n"
            "visits:\n"
            "  enabled: true\n"
            "  households: needy_households.csv\n"
            "  offices: offices.csv\n"
            "  villages: elderly.csv\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    return path
