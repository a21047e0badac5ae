"""Exceptions and warnings of the optimizer, rooted in :class:`OptimizerError`.

Every error message states the bad value, what was expected and how to fix it. Errors about an
input file name the file, the row (1-based data row, header excluded, unless stated) and the field.
The hierarchy follows the house style (``../shared/docs/style.md`` practice 7): each subclass also
inherits the closest builtin so that callers may catch ``ValueError`` or ``KeyError``.
"""

from __future__ import annotations

from collections.abc import Iterable


class OptimizerError(Exception):
    """Root of every error raised by this package."""


class InputError(OptimizerError, ValueError):
    """Bad input data (file contents, parameters).

    Parameters
    ----------
    message
        What is wrong, what was expected and how to fix it.
    file
        Path (or name) of the offending file, if any.
    row
        1-based data row (the header is row 0), if the problem is in one row.
    field
        Column or key name, if the problem is in one field.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.field = field
        self.message = message
        where = []
        if file is not None:
            where.append(f"{file}")
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field '{field}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class InputErrors(InputError):
    """Several input problems collected and raised together (validate everything, raise once).

    Parameters
    ----------
    errors
        The individual :class:`InputError` objects, in the order found.
    """

    def __init__(self, errors: Iterable[InputError]) -> None:
        self.errors = list(errors)
        lines = [str(e) for e in self.errors]
        head = f"{len(lines)} input problem(s):\n  - " + "\n  - ".join(lines)
        OptimizerError.__init__(self, head)
        self.file = self.errors[0].file if self.errors else None
        self.row = self.errors[0].row if self.errors else None
        self.field = self.errors[0].field if self.errors else None
        self.message = head

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class ScenarioError(InputError):
    """A scenario YAML file is invalid; names the file and the key path."""


class PrivacyError(InputError):
    """Personal data (names, phones, exact homes) would reach a published map or table."""


class NetworkValidationError(OptimizerError, ValueError):
    """A network graph breaks the graph contract (see :mod:`optimizer.network.contract`)."""


class UnreachableError(OptimizerError, ValueError):
    """Some points cannot be reached on the network; ``ids`` lists them."""

    def __init__(self, message: str, ids: Iterable[str] = ()) -> None:
        self.ids = list(ids)
        super().__init__(message)


class InfeasibleError(OptimizerError):
    """A model has no feasible solution (raised only where returning a result makes no sense)."""


class SolverError(OptimizerError, RuntimeError):
    """The solver failed (crash, unexpected status, no solution within the time limit)."""


class ScalingWarning(UserWarning):
    """Values approach the integer range used by OR-Tools (see :mod:`optimizer.units`)."""
