"""Data flows one way: every module of ``optimizer/`` imports only its own layer and those below.

Layers, bottom to top: the bottom modules (``errors``, ``units``, ``results``, ``params``,
``datasets``) < ``io`` < ``network`` < ``problems`` < ``solvers`` < ``services`` < ``outputs`` <
``scenario`` < ``cli``. Every module is parsed with :mod:`ast` (nothing is imported), and every
import counts: at the top of the module, inside functions, under ``TYPE_CHECKING``.

Services: a service's planning modules never import ``outputs``; only the package's
``services/<name>/service.py`` (the contract object, whose ``write`` delegates to the writers)
may. No service imports ``scenario`` or ``cli``.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "optimizer"

BOTTOM = ("errors", "units", "results", "params", "datasets")
"""Bottom-layer modules: they import nothing of the layers above (they may import each other)."""

ABOVE_BOTTOM = ("io", "network", "problems", "solvers", "services", "outputs", "scenario", "cli",
                "synthetic")

FORBIDDEN = {
    "io": ("network", "problems", "solvers", "services", "outputs", "scenario", "cli"),
    "network": ("problems", "solvers", "services", "outputs", "scenario", "cli"),
    "problems": ("solvers", "services", "outputs", "scenario", "cli"),
    "solvers": ("services", "outputs", "scenario", "cli"),
    "services": ("outputs", "scenario", "cli"),
    "outputs": ("scenario", "cli"),
    **{b: ABOVE_BOTTOM for b in BOTTOM},
}
"""Layer (first component under ``optimizer``) -> layers it must not import."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(PKG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """``(line, dotted module)`` of every import in a file (relative imports resolved; for
    ``from a import b`` both ``a`` and ``a.b`` are listed, since ``b`` may be a module)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[:len(parent) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            out.append((node.lineno, base))
            out += [(node.lineno, f"{base}.{a.name}") for a in node.names if a.name != "*"]
    return out


def _layer(dotted: str) -> str | None:
    parts = dotted.split(".")
    return parts[1] if parts[0] == "optimizer" and len(parts) > 1 else None


def violations(path: Path) -> list[str]:
    """Every import statement of ``path`` that goes against :data:`FORBIDDEN` (one line each,
    naming the first forbidden module it imports)."""
    own = _layer(_module_name(path))
    banned = FORBIDDEN.get(own or "", ())
    if own == "services" and path.name == "service.py":  # the contract object binds writers
        banned = tuple(b for b in banned if b != "outputs")
    rel = path.relative_to(PKG.parent)
    first: dict[int, str] = {}
    for line, mod in imported_modules(path):
        if _layer(mod) in banned:
            first.setdefault(line, mod)
    return [f"{rel}:{line}: {own} imports {mod}" for line, mod in first.items()]


MODULES = sorted(PKG.rglob("*.py"))


def test_every_layer_is_parsed():
    layers = {_layer(_module_name(p)) for p in MODULES}
    assert {"io", "network", "problems", "solvers", "services", "outputs", "scenario",
            *BOTTOM} <= layers


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_imports_go_down_the_layers(path: Path):
    assert violations(path) == []


def test_the_scan_sees_every_kind_of_import(tmp_path, monkeypatch):
    """The scanner itself: top-level, in-function, relative and ``from optimizer import x``."""
    pkg = tmp_path / "optimizer"
    (pkg / "io").mkdir(parents=True)
    bad = pkg / "io" / "reader.py"
    bad.write_text(
        "import optimizer.network.contract\n"
        "from optimizer import outputs\n"
        "def f():\n"
        "    from ..network.build import Network\n"
        "    from .gtfs import Feed\n"
        "    from optimizer.errors import InputError\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "PKG", pkg)
    assert violations(bad) == [
        "optimizer/io/reader.py:1: io imports optimizer.network.contract",
        "optimizer/io/reader.py:2: io imports optimizer.outputs",
        "optimizer/io/reader.py:4: io imports optimizer.network.build",
    ]


def test_only_the_service_object_may_import_outputs(tmp_path, monkeypatch):
    pkg = tmp_path / "optimizer"
    (pkg / "services" / "demo").mkdir(parents=True)
    for name in ("service.py", "planning.py"):
        (pkg / "services" / "demo" / name).write_text(
            "def write():\n    from optimizer.outputs.maps import save_map\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "PKG", pkg)
    assert violations(pkg / "services" / "demo" / "service.py") == []
    assert violations(pkg / "services" / "demo" / "planning.py") == [
        "optimizer/services/demo/planning.py:2: services imports optimizer.outputs.maps"]
