"""How parameter classes are declared, once, for the Python API and the scenario YAML alike.

Every service, the network builder and the solvers declare their parameters as a frozen
dataclass decorated with :func:`params`. The same class is the scenario schema's section (the
scenario model in :mod:`optimizer.scenario.schema` holds it as a field), so a default, a bound or
a check is written once and the YAML and the Python API cannot drift apart: an empty YAML section
equals ``Params()``.

The decorator is pydantic's dataclass (frozen, unknown keys refused): values are validated on
construction and on :func:`dataclasses.replace`, and bad values raise
:class:`pydantic.ValidationError` (a :class:`ValueError`) naming the field; the scenario loader
turns those into :class:`~optimizer.errors.ScenarioError` with the file and key path.

Shared field types: :data:`ClockS` (``"07:30"``; numbers are refused),
:data:`Minutes`, :data:`Seconds`, :data:`OptionalPath`.

Examples
--------
>>> @params
... class Demo:
...     ready: ClockS = clock_s("11:00")
>>> Demo(ready="07:30").ready
27000
>>> dataclasses.replace(Demo(), ready="7:45").ready
27900
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field
from pydantic.dataclasses import dataclass as _pydantic_dataclass

from optimizer.errors import InputError
from optimizer.units import number_as_clock_message, parse_clock

__all__ = ["ClockS", "ClockSeconds", "Minutes", "OptionalPath", "Seconds", "as_dict", "clock_s",
           "params"]

T = TypeVar("T")

PARAMS_CONFIG = ConfigDict(extra="forbid", arbitrary_types_allowed=True)
"""Unknown keys are errors (a misspelt key must never fall back to a default)."""


def params(cls: type[T]) -> type[T]:
    """Declare a frozen, validated parameter dataclass (see the module docs).

    Parameters
    ----------
    cls
        A class with annotated fields and defaults; its docstring documents units and sources.

    Returns
    -------
    type
        The same class as a frozen pydantic dataclass refusing unknown keys.
    """
    return _pydantic_dataclass(frozen=True, config=PARAMS_CONFIG)(cls)  # type: ignore[return-value]


class ClockSeconds(int):
    """Seconds after midnight held by a :data:`ClockS` field: an ``int`` that remembers it was
    read as a clock time, so re-validation (:func:`dataclasses.replace`) accepts it while a bare
    number from YAML is refused."""

    __slots__ = ()


def clock_s(text: str) -> ClockSeconds:
    """A :data:`ClockS` value (and default) from clock text: ``clock_s("11:00") == 39600``."""
    return ClockSeconds(parse_clock(text))


def _clock(value: Any) -> int:
    """Seconds after midnight of a clock-time parameter (rules of :data:`ClockS`)."""
    if isinstance(value, ClockSeconds):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(f"{value!r} {number_as_clock_message(value)}")
    if not isinstance(value, (str, dt.time, dt.datetime)):
        raise ValueError(f"{value!r} is not a clock time; write the time as text in quotes, "
                         "e.g. '07:30'")
    try:
        return parse_clock(value)
    except InputError as exc:
        raise ValueError(exc.message) from None


ClockS = Annotated[int, BeforeValidator(_clock), Field(ge=0, le=48 * 3600),
                   AfterValidator(ClockSeconds)]
"""A clock time, held as whole seconds after midnight of the service day (a
:class:`ClockSeconds`; defaults are written ``clock_s("11:00")``).

Written as text (``"07:30"``, ``7:30`` unquoted is read as text too, ``"07:30:00"``, an ISO
date-time, or ``"01:30 (+1)"`` for the next day; :func:`optimizer.units.parse_clock`), or given as
a :class:`datetime.time` in Python. Numbers are refused with the fix ("write the time as text in
quotes, e.g. '07:30'"): ``delivery_time: 730`` or ``11`` must never be read as 730 or 11 seconds
after midnight; ``"25:00"`` is refused (a next-day time carries the ``(+1)`` marker)."""


Minutes = Annotated[float, Field(ge=0, allow_inf_nan=False)]
"""A non-negative, finite duration in minutes."""

Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]
"""A positive, finite duration in seconds."""

OptionalPath = Path | None
"""A data file; ``None`` = the dataset's default file. Relative paths in YAML are resolved
against the scenario file that wrote them."""


def as_dict(obj: Any) -> dict[str, Any]:
    """Field values of a parameter dataclass as a JSON-ready dict (paths as strings, tuples as
    lists, nested parameter objects as dicts)."""
    def plain(v: Any) -> Any:
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            return as_dict(v)
        if isinstance(v, Path):
            return str(v)
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {str(k): plain(x) for k, x in v.items()}
        return v

    return {f.name: plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
