"""Regenerate the generated sections of docs/data-guide.md (reason catalogue, column reference).

Usage: ``python scripts/update_guide.py``. Each section lies between ``<!-- NAME:begin -->`` and
``<!-- NAME:end -->``; tests/test_data_guide.py checks they equal the generators' output.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "data-guide.md"
SECTIONS = {"reasons": ["-m", "optimizer.results", "--markdown"],
            "columns": ["-m", "optimizer.io.tables", "--markdown"]}


def main() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    for name, args in SECTIONS.items():
        done = subprocess.run([sys.executable, *args], capture_output=True, text=True)
        if done.returncode != 0:
            print(f"skipped {name}: {done.stderr.strip().splitlines()[-1:]}")
            continue
        pat = re.compile(rf"(<!-- {name}:begin -->\n).*?(<!-- {name}:end -->)", re.S)
        text = pat.sub(lambda m: m.group(1) + done.stdout.rstrip("\n") + "\n" + m.group(2), text)
    GUIDE.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
