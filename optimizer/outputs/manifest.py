"""Run manifest: what went in (files and their SHA-256; rows converted from GCJ-02/BD-09 to
WGS-84, under ``coordinate_conversions``), with which software, seed and limits, what stopped
each search, and whether the result is reproducible on another machine.

The manifest is the one file of a run that holds measured, run-dependent values (creation time,
runtimes, machine); every other file depends only on the scenario and its seed, unless a search
was cut by its wall-clock cap, which ``reproducible: false`` and ``wall_clock_cut`` then say.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from optimizer.results import NoteKind
from optimizer.services.base import OutputFile

__all__ = ["PACKAGES", "TOOL", "input_hashes", "package_versions", "sha256_file",
           "write_manifest"]

TOOL = "island-optimizer"
"""``manifest.json``'s ``tool`` value; marks a folder as a run of this tool (see
:mod:`optimizer.scenario.outdir`)."""

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


def _steps(result: Any, network_runtime_s: float) -> dict[str, Any]:
    steps: dict[str, Any] = {"network": {"status": "OPTIMAL", "runtime_s": network_runtime_s}}
    for name, s in result.steps.items():
        steps[name] = {"status": str(s.status), "runtime_s": s.runtime_s,
                       "searches": [r.to_dict() for r in s.searches]}
    return steps


def _named_files(sc: Any) -> list[Path]:
    """Every file a section of the scenario names (``dialysis.patients``, ``network.osm_path``,
    ``ferries.gtfs`` …), wherever it lies; the dataset folder is hashed besides."""
    import dataclasses

    out = []
    for section in (getattr(sc, name) for name in type(sc).model_fields):
        if dataclasses.is_dataclass(section):
            out += [v for v in (getattr(section, f.name) for f in dataclasses.fields(section))
                    if isinstance(v, Path)]
    return out


def write_manifest(out_dir: Path, result: Any, *, network_runtime_s: float = 0.0
                   ) -> list[OutputFile]:
    """Write ``manifest.json`` into the run folder.

    Parameters
    ----------
    out_dir
        The run folder.
    result
        A :class:`optimizer.scenario.run.RunResult` (scenario, steps with their searches).
    network_runtime_s
        Measured seconds to build the network.

    Returns
    -------
    list of OutputFile
        ``manifest.json``.
    """
    sc = result.scenario
    cut = [r.name for r in result.searches if not r.reproducible]
    # the dataset folder (the embedded Putuo data when none is given: the defaults of every
    # file the scenario does not name, the ferry feed, coastlines) is hashed whole
    from optimizer.datasets import get_path

    inputs = [*sc.source_files, Path(sc.dataset) if sc.dataset else get_path("putuo"),
              *_named_files(sc)]
    content = {
        "tool": TOOL,
        "created_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": _cpus()},
        "packages": package_versions(),
        "seed": sc.solver.seed,
        "stop": sc.solver.stop,
        "reproducible": not cut,
        "wall_clock_cut": cut,
        "reproducibility_note": (
            "每次搜索都按确定的工作量结束：相同方案与随机种子在任何机器上得到相同结果 Every search "
            "stopped on its deterministic work limit: the same scenario and seed give the same "
            "files on any machine" if not cut else
            f"以下搜索被墙钟时间上限截断，结果在其他机器或再次运行时可能不同 These searches were "
            f"cut by the wall-clock cap; their results may differ on another machine or run: "
            f"{', '.join(cut)}"),
        "params": sc.model_dump(mode="json"),
        "steps": _steps(result, network_runtime_s),
        "inputs": input_hashes(inputs, root=Path.cwd()),
        "coordinate_conversions": [n.en for n in result.notes
                                   if n.kind == NoteKind.COORDINATES],
    }
    (Path(out_dir) / "manifest.json").write_text(
        json.dumps(content, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return [OutputFile("manifest.json", "运行清单 Run manifest: input hashes, versions, seed, "
                       "solver limits and what stopped each search, runtimes")]


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
