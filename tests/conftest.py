"""Suite-wide test hooks.

Screenshots as artefacts of the run
-----------------------------------
When ``OPTIMIZER_ARTIFACTS_DIR`` is set (a relative path is taken from the repository root), or
``CI`` is set (default ``artifacts/``), every browser check
(:func:`optimizer.outputs.browser.check_page` / ``check_pages``) made by a test also leaves a PNG
in ``<dir>/screenshots/<test-name>-<page>.png``; checks made while a module- or session-scoped
fixture is built are named after the fixture (``<fixture-name>-<page>.png``). Tests need not do
anything: this file wraps each test and each wider fixture in
:func:`optimizer.outputs.browser.keep_screenshots`. ``artifacts/`` is git-ignored.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from optimizer.outputs.browser import keep_screenshots

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS_ENV = "OPTIMIZER_ARTIFACTS_DIR"


def screenshot_dir() -> Path | None:
    """Folder for screenshot artefacts, or None when neither ``OPTIMIZER_ARTIFACTS_DIR`` nor
    ``CI`` is set (a relative ``OPTIMIZER_ARTIFACTS_DIR`` is taken from the repository root)."""
    given = os.environ.get(ARTIFACTS_ENV, "").strip()
    if given:
        root = Path(given)
        root = root if root.is_absolute() else REPO / root
    elif os.environ.get("CI", "").strip():
        root = REPO / "artifacts"
    else:
        return None
    return root / "screenshots"


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: Any, request: pytest.FixtureRequest) -> Generator[None, Any, Any]:
    """Name the screenshots of module/session fixtures after the fixture, not the first test."""
    folder = screenshot_dir()
    if folder is None or fixturedef.scope == "function":
        return (yield)
    with keep_screenshots(folder, prefix=fixturedef.argname):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    """Keep the screenshots of every browser check a test makes (see the module notes)."""
    folder = screenshot_dir()
    if folder is None:
        return (yield)
    with keep_screenshots(folder, prefix=item.name):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, Any, Any]:
    """Function-scoped fixtures that check pages are named after their test too."""
    folder = screenshot_dir()
    if folder is None:
        return (yield)
    with keep_screenshots(folder, prefix=item.name):
        return (yield)


@pytest.fixture(scope="session")
def baseline_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The main job on the embedded Putuo data (``optimizer run`` in process), run once per test
    session and worker."""
    from optimizer.cli import main

    out = tmp_path_factory.mktemp("run") / "putuo-baseline"
    assert main(["run", str(REPO / "scenarios" / "putuo-baseline.yaml"), "--out", str(out)]) == 0
    return out
