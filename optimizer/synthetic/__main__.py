"""``python -m optimizer.synthetic [--out DIR] [--seed N] [--no-ferries]``: regenerate synthetic data.

``python -m optimizer.synthetic --scale K --out DIR [--vehicles N]`` instead writes the ``K`` x
dialysis dataset and its ``scenario.yaml`` (:mod:`optimizer.synthetic.scale`).

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
    ap.add_argument("--scale", type=int, default=None,
                    help="write the K x dialysis dataset and scenario.yaml into --out")
    ap.add_argument("--vehicles", type=int, default=None,
                    help="with --scale: fleet size (default 10 x K)")
    a = ap.parse_args(argv)
    if a.scale is not None:
        return _scaled(a)
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


def _scaled(a: argparse.Namespace) -> int:
    """``--scale K``: the scaled dataset (exit 2 on a bad value)."""
    from optimizer.synthetic.scale import generate_scaled

    if not a.out:
        print("error: --scale needs --out DIR", file=sys.stderr)
        return 2
    try:
        paths = generate_scaled(a.scale, a.out, n_vehicles=a.vehicles, seed=a.seed)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for p in paths.values():
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
