"""Paths to the embedded datasets under ``data/geo/`` (the Putuo default lives in ``data/geo/putuo``).

Examples
--------
>>> get_path("putuo/islands/putuo_islands_gshhg.geojson").name
'putuo_islands_gshhg.geojson'
"""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "geo"
"""Root of the embedded datasets (the repository's ``data/geo`` folder)."""

PUTUO_DIR = DATA_DIR / "putuo"
"""The embedded Putuo District dataset; provenance in ``SOURCES.md`` there."""


def get_path(name: str) -> Path:
    """Return the absolute path of an embedded data file or folder.

    Parameters
    ----------
    name
        Path relative to ``data/geo``, e.g. ``"putuo/ferries/gtfs"``.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FileNotFoundError
        If nothing exists at that path; the message lists what ``data/geo/putuo`` holds.
    """
    p = DATA_DIR / name
    if not p.exists():
        have = sorted(str(q.relative_to(DATA_DIR)) for q in PUTUO_DIR.glob("*")) if PUTUO_DIR.exists() else []
        raise FileNotFoundError(f"no embedded data at {p}; data/geo/putuo holds: {have}")
    return p
