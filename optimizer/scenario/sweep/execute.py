"""Running a sweep's variants as tasks on Dask (``dask.distributed``), with a cache.

Each variant is one task, :func:`run_variant`: it loads the base scenario with the variant's
overrides, runs it (:func:`optimizer.scenario.run.run_scenario`) into a temporary folder, and
returns its KPIs and the run folder packed as a ``.tar.gz`` (so the workers need not share a disk
with the client; they do need the scenario and data files at the same paths, and this package
importable). The client unpacks each run into ``DIR/variants/<key>/run/`` and writes
``DIR/variants/<key>/result.json``.

The cache key (:func:`variant_key`) is a SHA-256 of the variant's resolved scenario (every value,
after the base, the sweep's overrides and the variant's values are merged), the SHA-256 of every
input file it reads (the dataset folder and any file a path key names) and of this package's
source (but for this ``sweep`` package: a new plot does not change a run). A variant whose
``result.json`` exists is not run again. A variant that failed (an exception in the task, or a
worker that died) is recorded in ``error.json`` with its error and is tried again on the next
run; the other variants go on.

The cluster: an embedded :class:`distributed.LocalCluster` (``workers`` processes, one thread
each, no dashboard) unless ``scheduler`` gives the address of a running one
(``tcp://HOST:PORT``).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import tarfile
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optimizer.errors import InputError

__all__ = ["ExecStats", "execute_variants", "flat_kpis", "run_variant", "variant_key"]

RESULT_FILE, ERROR_FILE, RUN_FOLDER = "result.json", "error.json", "run"
"""Names inside ``DIR/variants/<key>/``."""

CONNECT_TIMEOUT_S = 60
"""Seconds to wait for a given scheduler to answer (a loaded machine may be slow)."""


# ----------------------------------------------------------------------------- keys
def _file_sha(path: Path, memo: dict[str, str]) -> str:
    """SHA-256 of a file, or of a folder's files (relative names and contents), memoised."""
    k = str(path)
    if k not in memo:
        h = hashlib.sha256()
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            if "__pycache__" in f.parts or f.suffix == ".pyc" or "sweep" in f.parts:
                continue  # the sweep's own code (table, plots) does not change a run
            h.update(f.relative_to(path).as_posix().encode() if path.is_dir() else b"")
            h.update(f.read_bytes() if f.is_file() else b"<missing>")
        memo[k] = h.hexdigest()
    return memo[k]


def _input_paths(values: dict[str, Any]) -> list[Path]:
    """The dataset folder and every file a path key of the scenario names."""
    from optimizer.datasets import get_path
    from optimizer.scenario.schema import path_keys

    out = [Path(values["dataset"]) if values.get("dataset") else get_path("putuo")]
    for keys in sorted(path_keys()):
        node: Any = values
        for k in keys:
            node = node.get(k) if isinstance(node, dict) else None
        if isinstance(node, str) and keys != ("base",):
            out.append(Path(node))
    return out


def variant_key(scenario: Any, memo: dict[str, str] | None = None) -> str:
    """Cache key of a validated scenario: 16 hex digits of a SHA-256 of its values, its input
    files and this package's source (see the module docs)."""
    import optimizer

    memo = {} if memo is None else memo
    values = scenario.model_dump(mode="json", exclude={"source_files", "base"})
    files = {str(p): _file_sha(p, memo) for p in _input_paths(values)}
    code = _file_sha(Path(optimizer.__file__).parent, memo)
    blob = json.dumps({"scenario": values, "files": files, "code": code}, sort_keys=True,
                      default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


# ----------------------------------------------------------------------------- task
def flat_kpis(kpis: dict[str, Any]) -> dict[str, Any]:
    """KPIs by step flattened to ``step.name`` (nested mappings dotted further; lists kept)."""
    out: dict[str, Any] = {}

    def walk(prefix: str, v: Any) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                walk(f"{prefix}.{k}", x)
        else:
            out[prefix] = v

    for step, vals in kpis.items():
        walk(step, vals)
    return out


def _pack(folder: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(folder, arcname=RUN_FOLDER)
    return buf.getvalue()


def run_variant(base: str, overrides: dict[str, Any], keep_run: bool = True) -> dict[str, Any]:
    """One variant as a task (runs on a Dask worker): never raises.

    ``keep_run`` False: the run folder is not sent back (``archive`` is ``None``).

    Returns
    -------
    dict
        ``status`` (``"ok"``, ``"no_plan"`` when a service's solver produced no plan, or
        ``"failed"``), ``kpis`` (flat, :func:`flat_kpis`), ``failed_steps``, ``reproducible``
        (False when a wall-clock cap cut a search: another run may differ), ``runtime_s``
        (measured), ``error`` and ``traceback`` (text, when failed), ``archive`` (the run folder
        as ``.tar.gz`` bytes, or ``None``).
    """
    from optimizer.scenario.run import run_scenario
    from optimizer.scenario.schema import load_scenario

    t0 = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="optimizer-variant-"))
    try:
        result = run_scenario(load_scenario(base, overrides=overrides), tmp / RUN_FOLDER)
        failed = result.failed_steps
        return {"status": "no_plan" if failed else "ok", "kpis": flat_kpis(result.kpis),
                "failed_steps": failed,
                "reproducible": all(r.reproducible for r in result.searches),
                "runtime_s": round(time.perf_counter() - t0, 1),
                "error": "", "traceback": "",
                "archive": _pack(tmp / RUN_FOLDER) if keep_run else None}
    except Exception as exc:  # recorded, the sweep goes on
        return {"status": "failed", "kpis": {}, "failed_steps": [],
                "runtime_s": round(time.perf_counter() - t0, 1),
                "error": f"{type(exc).__name__}: {exc}",
                "traceback": "".join(traceback.format_exception(exc)), "archive": None}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ----------------------------------------------------------------------------- client
@dataclass
class ExecStats:
    """What :func:`execute_variants` did: variants found in the cache, run, failed."""

    cached: int = 0
    ran: int = 0
    failed: int = 0
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[int, str] = field(default_factory=dict)
    """Variant index → cache key."""


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)


def _store(folder: Path, rec: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """Write one finished task's outcome into its folder; return the record kept."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = rec.pop("archive", None)
    rec = {**meta, **rec}
    if rec["status"] == "failed":
        (folder / RESULT_FILE).unlink(missing_ok=True)
        _write_json(folder / ERROR_FILE, rec)
        return rec
    shutil.rmtree(folder / RUN_FOLDER, ignore_errors=True)
    if archive is not None:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            tar.extractall(folder, filter="data")
    rec.pop("traceback", None)
    (folder / ERROR_FILE).unlink(missing_ok=True)
    _write_json(folder / RESULT_FILE, rec)
    return rec


@contextmanager
def dask_client(scheduler: str | None, workers: int) -> Iterator[Any]:
    """A :class:`distributed.Client` on ``scheduler``, or on an embedded ``LocalCluster`` of
    ``workers`` processes (one thread each); closed on exit.

    Raises
    ------
    optimizer.errors.InputError
        The scheduler cannot be reached within :data:`CONNECT_TIMEOUT_S` (field ``--scheduler``).
    """
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
        except (OSError, TimeoutError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); start "
                             "one with `dask scheduler` and give the address it prints",
                             field="--scheduler") from None
        with client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR,
                      memory_limit=0) as cluster, Client(cluster) as client:
        yield client


def execute_variants(variants: list[Any], base: Path, out: Path, *,
                     scheduler: str | None = None, workers: int | None = None, bar: bool = True,
                     keep_runs: bool = True,
                     say: Callable[[str], None] = lambda _m: None) -> ExecStats:
    """Run every variant not in the cache (see the module docs).

    Parameters
    ----------
    variants
        :class:`optimizer.scenario.sweep.spec.Variant` list.
    base
        The base scenario file (read again on each worker).
    out
        The sweep folder; variants go to ``out/variants/<key>/``.
    scheduler, workers
        A running scheduler's address, or the embedded cluster's process count (default:
        ``min(CPUs, variants to run)``).
    bar
        Show a progress bar (tqdm, on stderr).
    keep_runs
        Keep each variant's run folder (else only its KPIs).

    Returns
    -------
    ExecStats
        Counts, and each variant's record by key (``variant`` = its index).
    """
    stats, memo = ExecStats(), {}
    todo: dict[str, Any] = {}
    for v in variants:
        key = stats.keys[v.index] = variant_key(v.scenario, memo)
        meta = {"variant": v.index, "key": key, "params": v.params}
        cached = out / "variants" / key / RESULT_FILE
        if cached.is_file():
            stats.cached += 1
            stats.records[key] = {**json.loads(cached.read_text(encoding="utf-8")), **meta}
        elif key not in todo:
            todo[key] = (v, meta)
    say(f"{len(variants)} variants: {stats.cached} finished before (cached), {len(todo)} to run")
    if not todo:
        return stats
    n = workers or max(1, min(os.cpu_count() or 1, len(todo)))
    say(f"dask: {'scheduler ' + scheduler if scheduler else f'local cluster, {n} processes'}")
    _run_on_dask(todo, (str(base), keep_runs), out, scheduler, n, bar, stats)
    return stats


def _run_on_dask(todo: dict[str, Any], task: tuple[str, bool], out: Path,
                 scheduler: str | None, n: int, bar: bool, stats: ExecStats) -> None:
    from dask.distributed import as_completed
    from tqdm import tqdm

    with dask_client(scheduler, n) as client:
        futures = {client.submit(run_variant, task[0], v.overrides, task[1],
                                 key=f"variant-{key}", pure=False): key
                   for key, (v, _m) in todo.items()}
        with tqdm(total=len(futures), desc="variants", unit="variant", disable=not bar) as pbar:
            for fut in as_completed(futures):
                key = futures[fut]
                try:
                    rec = fut.result()
                except Exception as exc:  # the task itself never raises: a worker died
                    rec = {"status": "failed", "kpis": {}, "failed_steps": [], "runtime_s": None,
                           "error": f"{type(exc).__name__}: {exc}", "traceback": ""}
                rec = _store(out / "variants" / key, rec, todo[key][1])
                stats.records[key] = rec
                stats.ran += 1
                stats.failed += rec["status"] == "failed"
                pbar.update(1)
