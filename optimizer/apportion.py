"""Apportionment: rounding real shares to whole units that sum exactly to a total.

Bottom layer (numpy only): the synthetic-data generator splits residents over villages and
points with it, and the meal service turns covered residents x uptake share into whole meals per
demand point, so neither depends on the other.

Examples
--------
>>> import numpy as np
>>> largest_remainder(np.array([0.5, 0.3, 0.2]), 7).tolist()
[4, 2, 1]
"""

from __future__ import annotations

import numpy as np

__all__ = ["largest_remainder"]


def largest_remainder(quotas: np.ndarray, total: int) -> np.ndarray:
    """Round non-negative real quotas to integers summing exactly to ``total``.

    Floors every quota, then gives the missing units to the largest fractional parts; ties go to
    the lower index (so the result depends only on the order of ``quotas``). This is the
    largest-remainder (Hamilton) method of apportionment.

    Parameters
    ----------
    quotas
        Shape ``(n,)``, non-negative; rescaled to sum to ``total`` first.
    total
        Required integer sum.

    Returns
    -------
    numpy.ndarray of int64, shape ``(n,)``

    Raises
    ------
    ValueError
        If a quota is negative or all are zero while ``total > 0``.

    Examples
    --------
    >>> largest_remainder(np.array([1.0, 1.0, 1.0]), 10).tolist()
    [4, 3, 3]
    """
    q = np.asarray(quotas, dtype=float)
    if (q < 0).any():
        raise ValueError("largest_remainder: negative quota")
    s = q.sum()
    if s <= 0:
        if total == 0:
            return np.zeros(len(q), dtype=np.int64)
        raise ValueError("largest_remainder: all quotas are zero")
    q = (q / s) * total  # shares first: total / s overflows for subnormal quotas
    base = np.floor(q).astype(np.int64)
    short = int(total - base.sum())
    frac = q - base
    order = sorted(range(len(q)), key=lambda i: (-round(frac[i], 12), i))
    for i in order[:short]:
        base[i] += 1
    return base
