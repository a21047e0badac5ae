"""Run manifest: what went in (files and their SHA-256), with which software, seed and limits."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("island-optimizer", "ortools", "networkx", "scipy", "numpy", "pandas", "geopandas",
            "shapely", "pyproj", "folium", "pydantic", "pyyaml")
"""Distributions whose versions every manifest records."""


def sha256_file(path: Path) -> str:
    """Return the hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def input_hashes(paths: Iterable[Path], *, root: Path | None = None) -> dict[str, str]:
    """SHA-256 of every file under the given files/folders (folders walked, sorted).

    Parameters
    ----------
    paths
        Files or folders.
    root
        If given, keys are made relative to it where possible.

    Returns
    -------
    dict
        ``{path: sha256}`` in sorted order.
    """
    out: dict[str, str] = {}
    for p in paths:
        p = Path(p)
        files = sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p]
        for f in files:
            if not f.exists():
                continue
            key = str(f)
            if root is not None:
                try:
                    key = str(f.resolve().relative_to(root.resolve()))
                except ValueError:
                    pass
            out[key] = sha256_file(f)
    return dict(sorted(out.items()))


def package_versions() -> dict[str, str]:
    """Installed versions of :data:`PACKAGES` (``"not installed"`` when absent)."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def write_manifest(path: Path, *, inputs: dict[str, str], params: dict[str, Any],
                   steps: dict[str, Any]) -> dict[str, Any]:
    """Write ``manifest.json`` and return its content.

    Parameters
    ----------
    path
        Target file.
    inputs
        ``{file: sha256}`` (see :func:`input_hashes`).
    params
        The validated scenario parameters (seed, time limits, …).
    steps
        Per step: solver status, time limit, runtime in seconds.
    """
    content = {
        "created_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": _cpus()},
        "packages": package_versions(),
        "params": params,
        "steps": steps,
        "inputs": inputs,
    }
    path.write_text(json.dumps(content, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return content


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
