"""Golden runs: the KPIs, step statuses and file names of a run, pinned in tests/data/golden/.

``python -m tests.golden NAME`` runs ``scenarios/NAME.yaml`` into a temporary folder and writes
``tests/data/golden/NAME.json``, printing what changed against the pinned file.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "data" / "golden"


def golden_of(run_dir: Path) -> dict[str, Any]:
    """What a golden file pins of a run folder: sorted file names, KPIs, step statuses."""
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    files = sorted(p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.is_file())
    return {"files": files, "kpis": summary["kpis"],
            "statuses": {k: v["status"] for k, v in summary["steps"].items()}}


def _changes(old: Any, new: Any, path: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        return [c for k in sorted(set(old) | set(new), key=str)
                for c in _changes(old.get(k), new.get(k), f"{path}.{k}")]
    return [] if old == new else [f"{path}: {old!r} -> {new!r}"]


def main(name: str) -> int:
    """Run ``scenarios/<name>.yaml`` and (re)write its golden file."""
    from optimizer.cli import main as cli

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / name
        code = cli(["run", str(REPO / "scenarios" / f"{name}.yaml"), "--out", str(out)])
        if code != 0:
            return code
        new = golden_of(out)
    path = GOLDEN / f"{name}.json"
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    for line in _changes(old, new):
        print(line)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(new, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "putuo-baseline"))
