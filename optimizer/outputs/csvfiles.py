"""Published CSV files as people open them: UTF-8 with BOM (Excel shows the Chinese text) and
coordinates rounded to :data:`COORD_DECIMALS` decimals.

Six decimals of a degree are about 0.1 m on the ground (1e-6 degree of latitude is 0.11 m), far
finer than any position in the inputs; the 15 decimals of a float are noise a reader has to skip.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

__all__ = ["COORD_DECIMALS", "coordinate_columns", "round_coordinates", "write_csv"]

COORD_DECIMALS = 6
"""Decimals of published longitudes and latitudes (degrees; about 0.1 m)."""

_COORD = re.compile(r"^(lon|lat)(_.+)?$|_(lon|lat)$")


def coordinate_columns(df: pd.DataFrame) -> list[str]:
    """Numeric columns holding degrees: ``lon``, ``lat``, ``lon_gcj02``, ``site_lat`` …"""
    return [c for c in df.columns
            if _COORD.search(str(c)) and pd.api.types.is_float_dtype(df[c])]


def round_coordinates(df: pd.DataFrame, decimals: int = COORD_DECIMALS) -> pd.DataFrame:
    """A copy of ``df`` with every :func:`coordinate_columns` column rounded to ``decimals``.

    >>> round_coordinates(pd.DataFrame({"lon": [122.29494498439065], "n": [1.23456789]}))
              lon         n
    0  122.294945  1.234568
    """
    cols = coordinate_columns(df)
    return df.assign(**{c: df[c].round(decimals) for c in cols}) if cols else df


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    """Write ``df`` as a published CSV (no index, UTF-8 with BOM, coordinates rounded to
    :data:`COORD_DECIMALS` decimals), creating the folder; returns ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    round_coordinates(df).to_csv(path, index=False, encoding="utf-8-sig")
    return path
