"""``optimizer --help`` and every command's ``--help`` read as plain text: no reST markup from
the command docstrings (typer prints them as help)."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from optimizer.cli import app, plain_help

MARKUP = re.compile(r":(func|class|meth|mod|data|attr|exc):|``")
COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)


def _help(*args: str) -> str:
    res = CliRunner().invoke(app, [*args, "--help"], terminal_width=200)
    assert res.exit_code == 0, res.output
    return res.output


def test_commands_are_listed():
    assert {"validate", "run", "compare", "journey", "islands", "template", "init"} <= set(
        COMMANDS)


@pytest.mark.parametrize("cmd", [None, *COMMANDS])
def test_help_has_no_markup(cmd):
    text = _help(*([cmd] if cmd else []))
    assert not MARKUP.search(text), text
    if cmd == "validate":  # the docstring's role and literals, as a person reads them
        assert "optimizer.io.matrix.read_matrix" in text and "'.csv'" in text


def test_plain_help():
    doc = """Check ``run`` (:func:`optimizer.io.matrix.read_matrix`,
    :meth:`~a.B.c`, :class:`name <a.B>`).

    Second paragraph."""
    assert plain_help(doc) == ("Check 'run' (optimizer.io.matrix.read_matrix, a.B.c, a.B).\n\n"
                               "Second paragraph.")
    assert plain_help(None) == ""
