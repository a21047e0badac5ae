"""Every file under tests/data/bad/ is used by a test (or by the script that writes it), and the
index README names every folder: a bad-input file no test reads checks nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).parent
BAD = TESTS / "data" / "bad"
SOURCES = "\n".join(p.read_text(encoding="utf-8") for p in
                    [*TESTS.glob("*.py"), *BAD.glob("*/make_files.py")] if p.name != Path(__file__).name)


@pytest.mark.parametrize("path", sorted(p for p in BAD.rglob("*") if p.is_file()
                                        and p.name not in ("README.md", "make_files.py")),
                         ids=lambda p: str(p.relative_to(BAD)))
def test_bad_input_file_is_used(path: Path) -> None:
    assert path.name in SOURCES, f"{path.relative_to(TESTS)} is read by no test"


def test_index_names_every_folder() -> None:
    index = (BAD / "README.md").read_text(encoding="utf-8")
    folders = sorted(p.name for p in BAD.iterdir() if p.is_dir())
    assert len(folders) >= 8
    assert [f for f in folders if f"`{f}/" not in index] == []
