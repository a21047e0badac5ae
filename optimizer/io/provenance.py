"""Provenance flags that input files carry themselves (never guessed from their paths).

A table whose rows are generated (the embedded synthetic patients, canteens, vehicles …) carries a
``synthetic`` column that is true on those rows; :func:`synthetic_rows` reads it, and
:func:`synthetic_note` turns the files that have such rows into the one
:class:`~optimizer.results.Note` every output of the run carries. A user's own file without that
column is real data, so their outputs are not labelled synthetic.

Examples
--------
>>> import pandas as pd
>>> int(synthetic_rows(pd.DataFrame({"synthetic": ["true", "false", ""]})).sum())
1
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from optimizer.results import Note, NoteKind

__all__ = ["SYNTHETIC_COLUMN", "is_flagged", "synthetic_note", "synthetic_rows"]

SYNTHETIC_COLUMN = "synthetic"
"""Column marking generated rows (``true``/``yes``/``1``/``是``); absent = real data."""

_TRUE = {"true", "yes", "y", "1", "是"}


def is_flagged(value: object) -> bool:
    """Whether one ``synthetic`` cell says the row is generated (``true``/``yes``/``1``/``是``)."""
    return str(value).strip().lower() in _TRUE


def synthetic_rows(df: pd.DataFrame) -> pd.Series:
    """Boolean mask of the rows flagged synthetic (all false when the column is absent).

    Parameters
    ----------
    df
        A table as read (values may be strings or booleans).

    Returns
    -------
    pandas.Series of bool, aligned with ``df``.
    """
    if SYNTHETIC_COLUMN not in df.columns:
        return pd.Series(False, index=df.index)
    return df[SYNTHETIC_COLUMN].map(is_flagged)


def synthetic_note(files: Iterable[str | Path]) -> Note | None:
    """The run label for the files that hold synthetic rows, or ``None`` if there are none.

    Parameters
    ----------
    files
        Paths (or names) of the input files with synthetic rows, in a stable order.
    """
    names = sorted(dict.fromkeys(Path(f).name for f in files))
    if not names:
        return None
    listed = ", ".join(names)
    return Note(NoteKind.SYNTHETIC_DATA, f"合成数据（{listed}）",
                f"Synthetic data: {listed} are generated, not real records "
                "(see the dataset's SOURCES.md)")


def combine_synthetic_notes(notes: Iterable[Note]) -> tuple[Note, ...]:
    """The notes with every :func:`synthetic_note` merged into one listing all their files (at
    the place of the first), so that a run that reads a file in two services labels it once.

    Other notes are kept in order. The file names are read back from the notes' Chinese text,
    whose format :func:`synthetic_note` fixes (``合成数据（a.csv, b.csv）``).
    """
    notes = list(notes)
    files: list[str] = []
    first = None
    for k, n in enumerate(notes):
        if n.kind == NoteKind.SYNTHETIC_DATA and n.zh.startswith("合成数据（") and n.zh.endswith("）"):
            files += n.zh[len("合成数据（"):-1].split(", ")
            first = k if first is None else first
    if first is None:
        return tuple(notes)
    merged = synthetic_note(files)
    out = [n for k, n in enumerate(notes) if k == first or not (
        n.kind == NoteKind.SYNTHETIC_DATA and n.zh.startswith("合成数据（"))]
    out[out.index(notes[first])] = merged
    return tuple(out)
