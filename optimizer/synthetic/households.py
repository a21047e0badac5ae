"""Synthetic dispersal of each village's elderly residents over several points on land.

Why
---
``elderly.csv`` puts all of a village's residents aged 60+ at one point. A 15-minute coverage
statement made on one point per village is all-or-nothing per village: a village whose point is
14 minutes from a canteen counts 100 % covered although its outlying hamlets may be 20 minutes
away. Spreading each village's count over several points near the village point lets coverage be
partial within a village. The points are **synthetic** (not homes, not addresses): they express
that residents live around the village point, not where any person lives.

Method (deterministic)
----------------------
* Points per village: ``max(1, round(elderly / ELDERLY_PER_POINT))`` with
  :data:`ELDERLY_PER_POINT` = 25 (about one hamlet/lane group; an assumption).
* Counts: the village total split as equally as possible by the largest-remainder method
  (:func:`optimizer.apportion.largest_remainder`), so every village total, and the
  district total (95,865), is **exactly** preserved.
* Positions: a Gaussian draw around the village point on the village's own island
  (:meth:`optimizer.synthetic.population.Land.sample`; never in the sea, never on another island,
  on partially covered islands inside the district), at least :data:`INSET_M` inland, with a
  spread :data:`SIGMA_M_BY_KIND` by village kind (urban communities are compact, rural village
  committees spread over hamlets; assumptions, not surveyed).
* Random stream: ``numpy.random.default_rng([seed, 12, int(village_code)])`` per village, so a
  village's points do not change when another village changes. Default seed
  :data:`optimizer.synthetic.population.SEED` (20201101).

``python -m optimizer.synthetic.households`` rewrites ``data/geo/putuo/synthetic/elderly_points.csv``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.synthetic.population import SEED, Land, largest_remainder, write_csv

__all__ = ["ELDERLY_PER_POINT", "POINT_COLUMNS", "SIGMA_M_BY_KIND", "disperse_elderly",
           "write_elderly_points"]

ELDERLY_PER_POINT = 25
"""Target residents aged 60+ per synthetic point (assumption: a hamlet or lane group)."""

SIGMA_M_BY_KIND = {"居委会(urban community)": 300.0, "村委会(village)": 700.0, "other": 500.0}
"""Spread (metres, 1 sd of a Gaussian around the village point) by village kind (assumption)."""

INSET_M = 30.0
"""Synthetic points lie at least this far (metres) inside the coastline."""

POINT_COLUMNS = ("point_id", "village_code", "name_zh", "town_code", "town_name", "kind",
                 "island_id", "island_name_zh", "lon", "lat", "elderly_60plus", "synthetic")
"""Columns of ``elderly_points.csv``."""

_STREAM = 12
"""Sub-stream number of this generator (other synthetic files use their own)."""


def disperse_elderly(elderly: pd.DataFrame, *, seed: int = SEED, land: Land | None = None,
                     per_point: int = ELDERLY_PER_POINT) -> pd.DataFrame:
    """Spread each village's elderly count over several synthetic points near the village point.

    Parameters
    ----------
    elderly
        One row per village with ``village_code``, ``name_zh``, ``town_code``, ``town_name``,
        ``kind``, ``island_id``, ``island_name_zh``, ``lon``, ``lat`` (EPSG:4326 degrees) and
        ``elderly_60plus`` (persons, integer >= 0), e.g. ``elderly.csv``.
    seed
        Seed of the per-village random streams.
    land
        Land sampler; default :meth:`Land.default` (embedded Putuo islands and district).
    per_point
        Target persons per point (> 0).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`POINT_COLUMNS`; ``point_id`` = ``<village_code>-<k>`` (k from 1);
        ``lon``/``lat`` EPSG:4326 with 6 decimals; per village the counts sum to the village's
        ``elderly_60plus`` exactly. A village with 0 elderly keeps one point with 0.

    Raises
    ------
    ValueError
        If ``per_point`` is not positive or a count is negative.

    Examples
    --------
    >>> largest_remainder(np.ones(3), 76).tolist()  # how one village of 76 is split
    [26, 25, 25]
    """
    if not per_point > 0:
        raise ValueError(f"per_point={per_point!r}; expected a positive number of persons")
    land = land or Land.default()
    rows = []
    for r in elderly.itertuples(index=False):
        e = int(r.elderly_60plus)
        if e < 0:
            raise ValueError(f"village {r.village_code}: negative elderly count {e}")
        n = max(1, round(e / per_point))
        counts = largest_remainder(np.ones(n), e)
        rng = np.random.default_rng([seed, _STREAM, int(r.village_code)])
        sigma = SIGMA_M_BY_KIND.get(str(r.kind), SIGMA_M_BY_KIND["other"])
        for k in range(n):
            lon, lat = land.sample(str(r.island_id), rng, near=(float(r.lon), float(r.lat)),
                                   sigma_m=sigma, inset_m=INSET_M)
            rows.append({"point_id": f"{r.village_code}-{k + 1}", "village_code": r.village_code,
                         "name_zh": r.name_zh, "town_code": r.town_code,
                         "town_name": r.town_name, "kind": r.kind, "island_id": r.island_id,
                         "island_name_zh": r.island_name_zh, "lon": lon, "lat": lat,
                         "elderly_60plus": int(counts[k]), "synthetic": True})
    return pd.DataFrame(rows, columns=list(POINT_COLUMNS))


def write_elderly_points(path: str | Path | None = None, *, seed: int = SEED) -> Path:
    """Generate ``elderly_points.csv`` from the embedded ``elderly.csv``.

    Parameters
    ----------
    path
        Output file; default ``data/geo/putuo/synthetic/elderly_points.csv``.
    seed
        As in :func:`disperse_elderly`.

    Returns
    -------
    pathlib.Path
        The file written (UTF-8, deterministic: same seed, same bytes).
    """
    from optimizer.synthetic import SYNTHETIC_DIR

    elderly = pd.read_csv(SYNTHETIC_DIR / "elderly.csv", dtype={"village_code": str,
                                                               "town_code": str})
    out = Path(path) if path is not None else SYNTHETIC_DIR / "elderly_points.csv"
    return write_csv(disperse_elderly(elderly, seed=seed), out)


if __name__ == "__main__":  # pragma: no cover
    print(write_elderly_points())
