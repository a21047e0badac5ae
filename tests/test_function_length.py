"""No function in ``optimizer/`` is longer than 120 lines, docstring and decorators included
(issue 10: long functions hid the seams that made runs irreproducible)."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "optimizer"
MAX_LINES = 120


def function_lengths(path: Path) -> list[tuple[str, int]]:
    """``(qualified place, lines)`` of every function in a file, from its first decorator (or
    ``def``) to its last line."""
    out = []
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            out.append((f"{path.relative_to(PKG.parent)}:{node.lineno} {node.name}",
                        node.end_lineno - first + 1))
    return out


def test_no_function_is_longer_than_120_lines() -> None:
    long = [f"{where} ({n} lines)" for p in sorted(PKG.rglob("*.py"))
            for where, n in function_lengths(p) if n > MAX_LINES]
    assert long == []


def test_the_measure_counts_decorators_and_docstrings(tmp_path: Path, monkeypatch) -> None:
    import sys

    pkg = tmp_path / "optimizer"
    pkg.mkdir()
    f = pkg / "m.py"
    f.write_text('@property\ndef a():\n    """doc\n\n    more"""\n    return 1\n', encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "PKG", pkg)
    assert function_lengths(f) == [("optimizer/m.py:2 a", 6)]
