"""``python -m optimizer.synthetic [--out DIR] [--seed N] [--no-ferries]``: regenerate synthetic data.

Writes :data:`optimizer.synthetic.SYNTHETIC_FILES` into ``data/geo/putuo/synthetic/`` (or ``--out``),
then, unless ``--no-ferries`` or ``--out`` is given, calls ``optimizer.synthetic.ferries.generate()``
(synthetic return sailings, written by the ferries module) if that module exists.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    """Run the generators; return the exit code (0 ok, 2 bad input)."""
    from optimizer.errors import InputError
    from optimizer.synthetic import SYNTHETIC_DIR, generate_all

    ap = argparse.ArgumentParser(prog="python -m optimizer.synthetic", description=__doc__)
    ap.add_argument("--out", default=None, help=f"output folder (default {SYNTHETIC_DIR})")
    ap.add_argument("--seed", type=int, default=None, help="seed (default 20201101)")
    ap.add_argument("--no-ferries", action="store_true", help="skip the ferry return sailings")
    a = ap.parse_args(argv)
    try:
        paths = generate_all(a.out or SYNTHETIC_DIR, seed=a.seed)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name, p in paths.items():
        print(f"wrote {p}")
    if a.no_ferries or a.out:
        return 0
    from optimizer.synthetic import ferries

    ferries.generate()
    print("regenerated ferry return sailings (optimizer.synthetic.ferries.generate)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
