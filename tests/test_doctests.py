"""Every ``Examples`` section of the package's docstrings runs and prints what it says
(the docstrings are part of the contract: a stale example misleads whoever reads it)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import optimizer

MODULES = sorted(m.name for m in pkgutil.walk_packages(optimizer.__path__, "optimizer.")
                 if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, verbose=False, report=False)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples fail"


def test_the_examples_are_found():
    """The check above can fail: it finds the examples (work_limits has one)."""
    from optimizer.solvers import ortools_routing

    assert doctest.testmod(ortools_routing, report=False).attempted >= 2
