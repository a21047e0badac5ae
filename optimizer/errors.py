"""Exceptions and warnings of the optimizer, rooted in :class:`OptimizerError`.

Every error message states the bad value, what was expected and how to fix it. Errors about an
input table name the file, the spreadsheet line (header = line 1, first data row = line 2) and
the field; errors about other sources (YAML list items, GTFS feeds) name a 1-based row or
position instead.
The hierarchy follows the house style (``../shared/docs/style.md`` practice 7): each subclass also
inherits the closest builtin so that callers may catch ``ValueError`` or ``KeyError``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager


MAX_SHOWN = 50
"""Problems printed by one :class:`InputErrors` (a file with 500 bad rows usually has one cause;
the first 50 show it, the count says how many more)."""


class FeatureNumber(int):
    """The 1-based number of a feature in a GeoJSON/GeoPackage layer, used where a table's
    spreadsheet line is expected (such a file may be one line of text): readers put these in
    their ``lines`` so that every :class:`InputError` built from them prints ``feature N``
    instead of ``line N``.

    >>> str(InputError("bad", file="homes.geojson", line=FeatureNumber(3)))
    'homes.geojson, feature 3: bad'
    """


def place_text(line: int) -> str:
    """``"line 4"``, or ``"feature 3"`` for a :class:`FeatureNumber`."""
    return f"{'feature' if isinstance(line, FeatureNumber) else 'line'} {int(line)}"


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
        1-based data row or list position (the header is row 0), if the problem is in one row of
        a source that is not a spreadsheet (YAML list items, GTFS feeds).
    field
        Column or key name, if the problem is in one field.
    line
        Spreadsheet line of a table (header = line 1, first data row = line 2), as a person sees
        it in Excel or a text editor; printed as ``line N`` (instead of ``row N``), or as
        ``feature N`` when it is a :class:`FeatureNumber`.
    feature
        1-based feature number in a GeoJSON/GeoPackage file (instead of ``line``): printed as
        ``feature N``; stored in ``line`` as a :class:`FeatureNumber`.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
        line: int | None = None,
        feature: int | None = None,
    ) -> None:
        if feature is not None:
            line = FeatureNumber(feature)
        self.file = file
        self.row = row
        self.field = field
        self.line = line
        self.message = message
        where = []
        if file is not None:
            where.append(f"{file}")
        if line is not None:
            where.append(place_text(line))
        elif row is not None:
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
        The individual :class:`InputError` objects, in the order found (kept in ``errors``,
        identical messages once; the message shows the first :data:`MAX_SHOWN`, then "… and N
        more").
    """

    def __init__(self, errors: Iterable[InputError]) -> None:
        # the same problem found twice (a file read by two services) is listed once
        self.errors = list({str(e): e for e in errors}.values())
        lines = [str(e) for e in self.errors[:MAX_SHOWN]]
        head = f"{len(self.errors)} input problem(s):\n  - " + "\n  - ".join(lines)
        if len(self.errors) > MAX_SHOWN:
            rest = len(self.errors) - MAX_SHOWN
            head += f"\n  … and {rest} more (还有 {rest} 个问题; fix these and run again)"
        OptimizerError.__init__(self, head)
        self.file = self.errors[0].file if self.errors else None
        self.row = self.errors[0].row if self.errors else None
        self.line = self.errors[0].line if self.errors else None
        self.field = self.errors[0].field if self.errors else None
        self.message = head

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class ErrorCollector:
    """Input problems of several steps, collected and raised together.

    Examples
    --------
    >>> errs = ErrorCollector()
    >>> with errs.collect():
    ...     raise InputError("bad time", file="a.csv", row=3, field="open_time")
    >>> with errs.collect():
    ...     raise InputErrors([InputError("x", field="f"), InputError("y", field="g")])
    >>> len(errs.errors)
    3
    """

    def __init__(self) -> None:
        self.errors: list[InputError] = []

    @contextmanager
    def collect(self) -> Iterator[None]:
        """Run the ``with`` block; keep the :class:`InputError` (or each problem of an
        :class:`InputErrors`) it raises instead of letting it through."""
        try:
            yield
        except InputErrors as exc:
            self.errors.extend(exc.errors)
        except InputError as exc:
            self.errors.append(exc)

    def raise_if_any(self) -> None:
        """Raise the one problem collected, or :class:`InputErrors` of all; nothing if none.

        Raises
        ------
        InputError
            Every problem collected, in the order found."""
        if self.errors:
            raise self.errors[0] if len(self.errors) == 1 else InputErrors(self.errors)


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
