"""Synthetic needy households (困难群众) and the town offices that visit them (呼叫转移 hand-off).

Why
---
Putuo's civil-affairs bureau visits every needy household where it actually lives, whatever the
town of its household registration (人户分离困难群众探访关爱"呼叫转移"): the registration office
hands the case to the residence office. No household list is public (and must not be), so this
module makes a seeded, clearly synthetic one with the published total, for the ``visits``
service and its tests. Real users load their own list through the data guide's templates.

Method (deterministic, every share exact by largest-remainder apportionment)
-----------------------------------------------------------------------------
* Total: :data:`N_HOUSEHOLDS` = 3,002 (the figure of the bureau's practice as quoted in issue
  13; no public document with the number is stored in this repository).
* Registration towns: the 3,002 split over the 9 towns/streets in proportion to their residents
  aged 60+ in ``elderly.csv`` (needy households are mostly older people; a proxy, not sourced).
* Categories: :data:`CATEGORY_SHARES` (assumption), exact counts, assigned by a seeded
  permutation. Visit frequency per category: :data:`VISITS_PER_YEAR` (assumption).
* Moves: :data:`MOVED_SHARE` of the households (exact count, seeded choice) live in another
  town than the one they are registered in; a mover's residence village is drawn from the other
  towns' villages weighted by residents 60+ times :data:`URBAN_PULL` for the urban streets
  (沈家门, 东港: housing, the hospital and services draw people from the islands; assumption).
  Everyone else lives in a village of the registration town, weighted by residents 60+.
* Needs worth noting: :data:`MOBILITY_SHARES` and :data:`DIALECT_ONLY_SHARE` (assumptions),
  exact counts, seeded permutations.
* Homes: a Gaussian draw (:data:`HOME_SIGMA_M`) around the residence village point on the
  village's island, on land (:meth:`optimizer.synthetic.population.Land.sample`), like the
  dialysis patients' homes. Names ``姓某名``, phones ``102-0000-NNNN`` (no Chinese number starts
  with 102) and addresses ``<village>N号(合成)`` are fake and flagged; they stay on internal
  sheets only. A home that would coincide, to 5 decimals (about 1 m), with a published synthetic
  point (village and elderly points, canteens, candidate sites) is drawn again: the run's privacy
  scan compares exact points at that precision, and with 3,002 homes and 3,835 elderly points
  in the same streets such a coincidence happens by chance.
* Offices: one per town/street at the town's reference point (``places/towns.csv``; moved onto
  land on the town's main island where the point is at sea), with
  ``max(MIN_WORKERS, ceil(resident households / HOUSEHOLDS_PER_WORKER))`` workers,
  :data:`HOURS_PER_DAY` visiting hours a day from :data:`START_TIME`, Mon-Fri (assumptions).
* Random stream ``numpy.random.default_rng([seed, 13])`` (other synthetic files use other
  streams), default seed :data:`optimizer.synthetic.population.SEED`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from optimizer.apportion import largest_remainder
from optimizer.synthetic.dialysis import fake_name, fake_phone
from optimizer.synthetic.population import SEED, Land

__all__ = ["CATEGORY_SHARES", "HOUSEHOLD_COLUMNS", "MOVED_SHARE", "N_HOUSEHOLDS",
           "OFFICE_COLUMNS", "VISITS_PER_YEAR", "generate_households", "generate_offices"]

N_HOUSEHOLDS = 3002
"""Needy households of Putuo covered by the hand-off practice (issue 13's figure for the
bureau's 人户分离困难群众探访关爱 practice; no stored public source)."""

CATEGORY_SHARES = {"低保": 0.62, "低边": 0.20, "特困": 0.10, "支出型": 0.08}
"""Share of each assistance category (assumption: 低保 minimum-living-guarantee households are
the bulk of the caseload in Zhejiang, 低边 near-poverty households next, 特困 destitute persons and
支出型 expenditure-type hardship a minority; no Putuo breakdown found)."""

VISITS_PER_YEAR = {"低保": 4, "低边": 2, "特困": 12, "支出型": 6}
"""Visits a year by category (assumption: 特困 monthly, 支出型 every two months, 低保 quarterly,
低边 half-yearly; the bureau's own rule replaces these)."""

MOVED_SHARE = 0.15
"""Share of households living in another town than their registration town (assumption)."""

URBAN_PULL = 3.0
"""Weight multiplier of the urban streets (沈家门, 东港) as destinations of movers (assumption)."""

URBAN_TOWNS = ("330903001", "330903003")
"""沈家门街道 and 东港街道 (``places/towns.csv``)."""

MOBILITY_SHARES = {"walks": 0.70, "walking_aid": 0.15, "wheelchair": 0.08, "bedridden": 0.07}
"""Mobility of the household's main person (assumption)."""

DIALECT_ONLY_SHARE = 0.20
"""Share speaking only the local dialect (舟山话; assumption: older islanders); others 普通话."""

HOME_SIGMA_M = 400.0
"""Spread (metres, 1 sd) of synthetic homes around the village point (as dialysis homes)."""

HOUSEHOLDS_PER_WORKER = 150
"""Resident households per visiting worker of an office (assumption)."""

MIN_WORKERS = 2
"""Smallest office (assumption: a worker and a stand-in)."""

HOURS_PER_DAY = 6.0
"""Hours a worker spends on visits a working day (assumption: a 7.5-hour day less office work)."""

START_TIME = "08:30"
"""Start of the working day (assumption: usual office hours)."""

HOUSEHOLD_COLUMNS = ("household_id", "name", "phone", "address", "registration_town_code",
                     "registration_town_name", "village_code", "lon", "lat", "category",
                     "visits_per_year", "mobility", "language", "synthetic")
"""Columns of ``needy_households.csv``."""

OFFICE_COLUMNS = ("office_id", "name_zh", "town_code", "town_name", "island_id", "lon", "lat",
                  "workers", "hours_per_day", "working_days", "start_time", "synthetic", "note")
"""Columns of ``offices.csv``."""

_STREAM = 13


def _town_counts(elderly: pd.DataFrame, n_households: int = N_HOUSEHOLDS) -> pd.Series:
    """Households registered per town (largest remainder over residents 60+), by town code."""
    w = elderly.groupby("town_code")["elderly_60plus"].sum().sort_index()
    return pd.Series(largest_remainder(w.to_numpy(dtype=float), n_households), index=w.index)


def _exact(rng: np.random.Generator, shares: dict[str, float], n: int) -> np.ndarray:
    """``n`` labels with exact largest-remainder counts of ``shares``, in a seeded order."""
    counts = largest_remainder(np.array(list(shares.values())), n)
    labels = np.repeat(np.array(list(shares), dtype=object), counts)
    return labels[rng.permutation(n)]


def _residence(rng: np.random.Generator, elderly: pd.DataFrame, reg: np.ndarray,
               moved: np.ndarray) -> np.ndarray:
    """Row index into ``elderly`` of each household's residence village."""
    towns = elderly["town_code"].to_numpy()
    w = elderly["elderly_60plus"].to_numpy(dtype=float)
    pull = np.where(np.isin(towns, URBAN_TOWNS), URBAN_PULL, 1.0)
    out = np.empty(len(reg), dtype=int)
    for k, (town, mv) in enumerate(zip(reg, moved)):
        p = w * (pull * (towns != town) if mv else (towns == town))
        out[k] = rng.choice(len(w), p=p / p.sum())
    return out


def _key(lon: float, lat: float) -> tuple[int, int]:
    return round(lon * 1e5), round(lat * 1e5)


def generate_households(elderly: pd.DataFrame, *, seed: int = SEED, land: Land | None = None,
                        avoid: Iterable[tuple[float, float]] = (),
                        n_households: int = N_HOUSEHOLDS) -> pd.DataFrame:
    """The synthetic needy households (method in the module docs).

    Parameters
    ----------
    elderly
        ``elderly.csv`` (one row per village: ``village_code``, ``name_zh``, ``town_code``,
        ``town_name``, ``island_id``, ``lon``/``lat`` EPSG:4326, ``elderly_60plus``).
    seed
        Seed; the stream is ``[seed, 13]``.
    land
        Land sampler; default :meth:`Land.default`.
    avoid
        Published points ``(lon, lat)`` (EPSG:4326) no home may equal to 5 decimals.
    n_households
        Households (default :data:`N_HOUSEHOLDS`; the scaled datasets of
        :mod:`optimizer.synthetic.scale` pass ``K x`` :data:`N_HOUSEHOLDS`).

    Returns
    -------
    pandas.DataFrame
        ``n_households`` rows, columns :data:`HOUSEHOLD_COLUMNS`, ids ``NH0001``… in
        registration-town order; homes in EPSG:4326 (6 decimals) on the residence village's
        island.
    """
    land = land or Land.default()
    e = elderly.reset_index(drop=True)
    rng = np.random.default_rng([seed, _STREAM])
    tc = _town_counts(e, n_households)
    reg = np.repeat(tc.index.to_numpy(), tc.to_numpy())
    n = len(reg)
    category = _exact(rng, CATEGORY_SHARES, n)
    moved = _exact(rng, {"stay": 1 - MOVED_SHARE, "moved": MOVED_SHARE}, n) == "moved"
    mobility = _exact(rng, MOBILITY_SHARES, n)
    language = _exact(rng, {"普通话": 1 - DIALECT_ONLY_SHARE, "舟山话": DIALECT_ONLY_SHARE}, n)
    res = _residence(rng, e, reg, moved)
    town_name = dict(zip(e["town_code"], e["town_name"]))
    taken = {_key(*p) for p in avoid}
    rows = []
    for k in range(n):
        v = e.iloc[res[k]]
        lon, lat = next(p for p in iter(lambda: land.sample(
            str(v["island_id"]), rng, near=(float(v["lon"]), float(v["lat"])),
            sigma_m=HOME_SIGMA_M, inset_m=30.0), None) if _key(*p) not in taken)
        rows.append({
            "household_id": f"NH{k + 1:04d}", "name": fake_name(rng),
            "phone": fake_phone(102, k + 1),
            "address": f"{v['name_zh']}{int(rng.integers(1, 300))}号(合成)",
            "registration_town_code": str(reg[k]), "registration_town_name": town_name[reg[k]],
            "village_code": str(v["village_code"]), "lon": lon, "lat": lat,
            "category": str(category[k]), "visits_per_year": VISITS_PER_YEAR[str(category[k])],
            "mobility": str(mobility[k]), "language": str(language[k]), "synthetic": True})
    return pd.DataFrame(rows, columns=list(HOUSEHOLD_COLUMNS))


def generate_offices(elderly: pd.DataFrame, households: pd.DataFrame, towns: pd.DataFrame, *,
                     land: Land | None = None) -> pd.DataFrame:
    """One visiting office per town/street (method in the module docs).

    Parameters
    ----------
    elderly
        ``elderly.csv`` (village → town and island).
    households
        From :func:`generate_households` (residents per town size the staff).
    towns
        ``places/towns.csv`` (``town_code``, ``name_zh``, ``ref_lon_wgs84``, ``ref_lat_wgs84``).
    land
        Land sampler; default :meth:`Land.default`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`OFFICE_COLUMNS`, one row per town in code order, ids ``OF<last 3 digits
        of the town code>``; positions EPSG:4326.
    """
    land = land or Land.default()
    e = elderly.assign(town_code=elderly["town_code"].astype(str))
    town_of = dict(zip(e["village_code"].astype(str), e["town_code"]))
    living = households["village_code"].astype(str).map(town_of).value_counts()
    rows = []
    for t in towns.sort_values("town_code").itertuples(index=False):
        code = str(t.town_code)
        main = e[e["town_code"] == code].groupby("island_id")["elderly_60plus"].sum().idxmax()
        lon, lat, moved_m = land.nearest_land(str(main), float(t.ref_lon_wgs84),
                                              float(t.ref_lat_wgs84))
        workers = max(MIN_WORKERS, math.ceil(int(living.get(code, 0)) / HOUSEHOLDS_PER_WORKER))
        note = "town reference point (places/towns.csv), not the office's address"
        if moved_m > 0:
            note += f"; moved {moved_m:.0f} m onto land on {main}"
        rows.append({"office_id": f"OF{code[-3:]}", "name_zh": f"{t.name_zh}民政办(合成)",
                     "town_code": code, "town_name": str(t.name_zh), "island_id": str(main),
                     "lon": lon, "lat": lat, "workers": workers, "hours_per_day": HOURS_PER_DAY,
                     "working_days": "Mon-Fri", "start_time": START_TIME, "synthetic": True,
                     "note": note})
    return pd.DataFrame(rows, columns=list(OFFICE_COLUMNS))
