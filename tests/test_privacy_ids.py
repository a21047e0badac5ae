"""Record ids of people in published files: found as whole tokens, outside embedded base64 data;
the run scans its summary and index too (the trial of issue 11 found a patient id in a published
note about a home moved off the shore)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from optimizer.errors import PrivacyError
from optimizer.outputs.privacy import assert_folder_publishable, scan_published


def _folder(tmp_path: Path, files: dict[str, str]) -> list[str]:
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    return sorted(files)


def test_ids_found_as_whole_tokens_only(tmp_path: Path) -> None:
    files = _folder(tmp_path, {
        "summary.md": "- home of DP001 is 251 m off the shore\n",
        "a.csv": "ride,n\nDP0010,1\nXDP001,2\n",           # other tokens
        "map.html": '<img src="data:image/png;base64,AAAA+DP001/zz==">',  # inside base64
        "dispatch/route.csv": "DP001\n",                   # dispatch may name patients
    })
    problems = scan_published(tmp_path, files, texts=(), points=(), ids=("DP001", "DP002"))
    assert problems == ["summary.md: 1 record id(s) of people appear (e.g. DP001)"]
    assert scan_published(tmp_path, files, texts=(), points=(), ids=()) == []


def test_a_folder_naming_a_household_is_refused(tmp_path: Path) -> None:
    files = _folder(tmp_path, {"visits/table.csv": "office,households\nNH0042,1\n"})
    with pytest.raises(PrivacyError, match="visits/table.csv: 1 record id"):
        assert_folder_publishable(tmp_path, files, texts=(), points=(), ids=("NH0042",))


def test_baseline_summary_names_no_patient(baseline_run: Path) -> None:
    # the run's scan covers summary.md/json and index.html (written before the scan)
    import pandas as pd

    from optimizer.datasets import get_path

    ids = pd.read_csv(get_path("putuo/synthetic/dialysis_patients.csv"), dtype=str)["patient_id"]
    scanned = [p.relative_to(baseline_run).as_posix() for p in baseline_run.rglob("*")
               if p.is_file()]
    assert "summary.md" in scanned and "index.html" in scanned
    assert scan_published(baseline_run, scanned, texts=(), points=(), ids=tuple(ids)) == []
    assert json.loads((baseline_run / "manifest.json").read_text(encoding="utf-8"))
