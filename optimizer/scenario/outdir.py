"""The run folder: complete or absent, never mixed with another run's files.

A run writes into a staging folder beside the target (``.<name>.partial-<pid>``) and, once every
file is written and checked, moves it into place in one rename. A target that is an earlier run of
this tool (its ``manifest.json`` says ``"tool": "island-optimizer"``) is replaced whole, so no file
of the earlier run survives; any other non-empty folder, or a file, is refused: the user may have
pointed ``--out`` at the wrong place.

Examples
--------
>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> with staged_folder(root / "run") as tmp:
...     _ = (tmp / "a.txt").write_text("x")
...     _ = (tmp / "manifest.json").write_text('{"tool": "island-optimizer"}')
>>> sorted(p.name for p in (root / "run").iterdir())
['a.txt', 'manifest.json']
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from optimizer.errors import InputError
from optimizer.outputs.manifest import TOOL

__all__ = ["TOOL", "check_target", "is_run_folder", "staged_folder"]



def is_run_folder(path: Path) -> bool:
    """True if ``path`` is a folder holding a ``manifest.json`` written by this tool."""
    manifest = Path(path) / "manifest.json"
    try:
        return json.loads(manifest.read_text(encoding="utf-8")).get("tool") == TOOL
    except (OSError, ValueError, AttributeError):
        return False


def check_target(out_dir: str | Path) -> Path:
    """Check that a run may write to ``out_dir`` (absent, empty, or an earlier run).

    Returns
    -------
    pathlib.Path
        The absolute target path.

    Raises
    ------
    optimizer.errors.InputError
        (field ``--out``) if ``out_dir`` or one of its parents is a file, or ``out_dir`` is a
        non-empty folder that is not a run of this tool; the message says what to do.
    """
    out = Path(out_dir).absolute()
    blocked = next((p for p in out.parents if p.exists() and not p.is_dir()), None)
    if blocked is not None:
        raise InputError(f"{out}: {blocked} is a file, so no folder can be made under it; give "
                         "another --out folder", field="--out")
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file, not a folder; give a folder for the run's outputs",
                         field="--out")
    if out.is_dir() and any(out.iterdir()) and not is_run_folder(out):
        raise InputError(f"{out} is not empty and is not an earlier run of this tool (no "
                         "manifest.json of ours): choose a new or empty folder, or remove it; "
                         "nothing was written", field="--out")
    return out


@contextlib.contextmanager
def staged_folder(out_dir: str | Path) -> Iterator[Path]:
    """Yield a fresh staging folder; on success move it to ``out_dir`` (replacing an earlier run
    whole), on any error delete it and leave ``out_dir`` as it was.

    Raises
    ------
    optimizer.errors.InputError
        As :func:`check_target`, or if the folder cannot be created (no permission, read-only
        file system), before anything is written.
    """
    out = check_target(out_dir)
    tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
    except OSError as exc:
        raise InputError(f"cannot write under {out.parent} ({exc.strerror or exc}); give a "
                         "folder you may write to", field="--out") from None
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        check_target(out)  # still ours (or empty) after the run
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)
