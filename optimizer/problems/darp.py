"""Dial-a-ride problem (DARP) data and results: frozen, validated on construction.

The model follows Cordeau (2006) "A branch-and-cut algorithm for the dial-a-ride problem",
Operations Research 54(3), extended with the needs of a dialysis ride service:

Sets
    ``R`` requests; each has a pickup stop ``p`` and a delivery (drop-off) stop ``d``.
    ``K`` vehicles; each has a start node and an end node (its base) and a shift.
Parameters
    ``t[i, j]`` travel time in seconds between network nodes (``travel_time_s``, shape
    ``(n_nodes, n_nodes)``; ``inf`` = unreachable); ``c[i, j]`` routing cost (``cost``, defaults
    to ``t``); time windows ``[e, l]`` on the *start of service* at ``p`` and ``d`` (seconds after
    midnight of the service day); service times; seats and wheelchair places (two separate
    capacities: a wheelchair user occupies a wheelchair place, not a seat); maximum ride time
    ``L_r``; vehicle shift ``[a_k, b_k]`` and maximum route duration ``T_k``; optional vehicle
    eligibility per request.
Constraints (what a feasible plan satisfies; checked by :mod:`optimizer.solvers.checker`)
    pickup and delivery on the same vehicle, pickup first; ``e <= start <= l`` at every stop;
    ``start(next) >= start(prev) + service(prev) + t(prev, next)`` (waiting allowed);
    ride time ``start(d) - (start(p) + service(p)) <= L_r`` (waiting with the passenger on board
    counts); seats and wheelchair loads within capacity all along the route; route duration
    ``end - start <= T_k`` and the route inside the shift.
Objective
    minimise the total routing cost of the routes, serving as many requests as possible
    (requests that cannot be served are listed with a reason, never dropped silently).

Integer conversion for OR-Tools happens in :mod:`optimizer.solvers.ortools_routing` only
(resolution ``time_scale`` integer units per second, default 1 unit = 1 s via
:data:`optimizer.units.TIME_UNIT_S`; benchmarks use :data:`optimizer.units.BENCH_SCALE`).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optimizer.errors import InputError, InputErrors
from optimizer.io.matrix import SENTINEL_MIN, TravelMatrix
from optimizer.results import SearchRecord, SolveStatus, StopCause

INF = math.inf

__all__ = [
    "DarpProblem",
    "DarpResult",
    "Request",
    "Route",
    "SolveStatus",
    "Stop",
    "Unserved",
    "UnservedReason",
    "Vehicle",
]


def _window(value: Any, *, name: str, owner: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{owner}: {name}={value!r} is not a pair (earliest_s, latest_s)",
                         field=name) from exc
    if math.isnan(lo) or math.isnan(hi) or lo == INF or lo < 0:
        raise InputError(f"{owner}: {name}={value!r}: earliest must be finite and >= 0 s",
                         field=name)
    if hi < lo:
        raise InputError(f"{owner}: {name}=({lo}, {hi}): latest is before earliest; "
                         "swap them or widen the window", field=name)
    return (lo, hi)


def _nonneg(value: Any, *, name: str, owner: str, allow_inf: bool = False) -> float:
    v = float(value)
    if math.isnan(v) or v < 0 or (v == INF and not allow_inf):
        raise InputError(f"{owner}: {name}={value!r}; expected a {'' if allow_inf else 'finite '}"
                         "number >= 0", field=name)
    return v


def _count(value: Any, *, name: str, owner: str) -> int:
    if isinstance(value, bool) or int(value) != value or int(value) < 0:
        raise InputError(f"{owner}: {name}={value!r}; expected an integer >= 0", field=name)
    return int(value)


def node_name(labels: Sequence[str] | None, node: int) -> str:
    """``'label'`` of a node when labels are given, else ``node i`` (messages never show a bare
    matrix index when the user gave labels)."""
    return repr(str(labels[node])) if labels is not None else f"node {node}"


def matrix_errors(t: np.ndarray, name: Any, src: str | None,
                  field: str = "travel_time_s") -> list[InputError]:
    """Problems of a square travel-time matrix in seconds, each naming the places.

    Parameters
    ----------
    t
        ``(n, n)`` float array, seconds; ``inf`` = no path.
    name
        ``name(i) -> str``: how a node is named (:func:`node_name`).
    src, field
        File and field for the errors.

    Returns
    -------
    list of InputError
        NaN, negative values, finite values at or above
        :data:`optimizer.io.matrix.SENTINEL_MIN` seconds (an integer overflow sentinel such as
        int64 max meaning no path, never a real time: use ``inf``, or read the file with
        :func:`optimizer.io.matrix.read_matrix`, which does), and a non-zero diagonal; the
        first pair of each kind is named, with the count.
    """
    out = []
    checks = (
        (np.isnan(t), "is NaN; use inf for no path"),
        (t < 0, "is negative; use inf for no path"),
        (np.isfinite(t) & (t >= SENTINEL_MIN),
         "s looks like an integer overflow sentinel meaning no path, not a travel time; use inf "
         "(optimizer.io.matrix.read_matrix reads such files)"),
    )
    for bad, what in checks:
        if bad.any():
            i, j = map(int, np.argwhere(bad)[0])
            more = f" ({int(bad.sum())} such values)" if bad.sum() > 1 else ""
            out.append(InputError(f"travel time from {name(i)} to {name(j)} = {t[i, j]:g} "
                                  f"{what}{more}", file=src, field=field))
    diag = np.diag(t)
    if np.any(diag != 0):
        i = int(np.flatnonzero(diag != 0)[0])
        out.append(InputError(f"travel time from {name(i)} to itself = {diag[i]:g} s; the "
                              "diagonal must be 0", file=src, field=field))
    return out


@dataclass(frozen=True)
class Request:
    """One ride: picked up at ``pickup_node``, dropped off at ``delivery_node``.

    Parameters
    ----------
    request_id
        Unique id (the user's id, e.g. ``"P017-out"``).
    pickup_node, delivery_node
        Row/column indices into :attr:`DarpProblem.travel_time_s`.
    pickup_window_s, delivery_window_s
        ``(earliest_s, latest_s)`` for the *start of service*, seconds after midnight;
        ``latest_s`` may be ``inf`` (open). Default: open all day.
    seats
        Seats taken on board (ambulatory passenger plus escorts), integer >= 0.
    wheelchair_places
        Wheelchair places taken, integer >= 0. ``seats + wheelchair_places >= 1``.
    pickup_service_s, delivery_service_s
        Service (boarding / alighting) durations in seconds.
    max_ride_time_s
        Absolute maximum ride time in seconds: ``start(d) - (start(p) + pickup_service_s)``;
        ``inf`` = no limit.
    max_ride_factor
        Optional relative limit: ride time <= ``max_ride_factor`` x direct travel time (e.g. 2.0
        for "at most twice the direct time", a common DARP service standard, Cordeau & Laporte
        2007). The binding limit is the smaller of the two; resolved by :class:`DarpProblem`.
    eligible_vehicles
        Vehicle ids that may serve this request (``None`` = any).

    Raises
    ------
    optimizer.errors.InputError
        On a negative or non-integer capacity, an unordered window, a negative duration or an
        empty load; ``field`` names the attribute.
    """

    request_id: str
    pickup_node: int
    delivery_node: int
    pickup_window_s: tuple[float, float] = (0.0, INF)
    delivery_window_s: tuple[float, float] = (0.0, INF)
    seats: int = 1
    wheelchair_places: int = 0
    pickup_service_s: float = 0.0
    delivery_service_s: float = 0.0
    max_ride_time_s: float = INF
    max_ride_factor: float | None = None
    eligible_vehicles: frozenset[str] | None = None

    def __post_init__(self) -> None:
        owner = f"request {self.request_id!r}"
        set_ = object.__setattr__
        if not str(self.request_id):
            raise InputError("request_id is empty", field="request_id")
        set_(self, "request_id", str(self.request_id))
        for name in ("pickup_node", "delivery_node"):
            set_(self, name, _count(getattr(self, name), name=name, owner=owner))
        for name in ("pickup_window_s", "delivery_window_s"):
            set_(self, name, _window(getattr(self, name), name=name, owner=owner))
        for name in ("seats", "wheelchair_places"):
            set_(self, name, _count(getattr(self, name), name=name, owner=owner))
        if self.seats + self.wheelchair_places < 1:
            raise InputError(f"{owner}: seats + wheelchair_places must be >= 1", field="seats")
        for name in ("pickup_service_s", "delivery_service_s"):
            set_(self, name, _nonneg(getattr(self, name), name=name, owner=owner))
        set_(self, "max_ride_time_s", _nonneg(self.max_ride_time_s, name="max_ride_time_s",
                                              owner=owner, allow_inf=True))
        if self.max_ride_factor is not None:
            f = float(self.max_ride_factor)
            if not (f >= 1.0 and math.isfinite(f)):
                raise InputError(f"{owner}: max_ride_factor={self.max_ride_factor!r}; expected a "
                                 "finite number >= 1 (ride time relative to the direct time)",
                                 field="max_ride_factor")
            set_(self, "max_ride_factor", f)
        if self.eligible_vehicles is not None:
            set_(self, "eligible_vehicles", frozenset(str(v) for v in self.eligible_vehicles))


@dataclass(frozen=True)
class Vehicle:
    """One vehicle (driver shift).

    Parameters
    ----------
    vehicle_id
        Unique id.
    start_node, end_node
        Indices into the travel-time matrix where the route starts and ends (the base).
    shift_s
        ``(start_s, end_s)``: the route leaves ``start_node`` at or after ``start_s`` and is back
        at ``end_node`` by ``end_s`` (seconds after midnight).
    seats
        Seats for ambulatory passengers and escorts, integer >= 0.
    wheelchair_places
        Wheelchair places, integer >= 0 (a wheelchair user needs one; they do not use seats).
    max_route_duration_s
        Maximum time between leaving the start and arriving at the end, seconds (``inf`` = only
        the shift limits).

    Raises
    ------
    optimizer.errors.InputError
        On a negative capacity, an unordered shift or a negative duration.
    """

    vehicle_id: str
    start_node: int
    end_node: int
    shift_s: tuple[float, float] = (0.0, INF)
    seats: int = 4
    wheelchair_places: int = 0
    max_route_duration_s: float = INF

    def __post_init__(self) -> None:
        owner = f"vehicle {self.vehicle_id!r}"
        set_ = object.__setattr__
        if not str(self.vehicle_id):
            raise InputError("vehicle_id is empty", field="vehicle_id")
        set_(self, "vehicle_id", str(self.vehicle_id))
        for name in ("start_node", "end_node", "seats", "wheelchair_places"):
            set_(self, name, _count(getattr(self, name), name=name, owner=owner))
        set_(self, "shift_s", _window(self.shift_s, name="shift_s", owner=owner))
        set_(self, "max_route_duration_s",
             _nonneg(self.max_route_duration_s, name="max_route_duration_s", owner=owner,
                     allow_inf=True))


def _readonly(a: Any, *, name: str, source: str | None) -> np.ndarray:
    try:
        arr = np.array(a, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} is not numeric: {exc}", file=source, field=name) from exc
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True)
class DarpProblem:
    """A complete DARP instance.

    Parameters
    ----------
    travel_time_s
        Travel times in seconds, shape ``(n_nodes, n_nodes)``; rows are origins. Square, zero
        diagonal, non-negative; ``inf`` marks an unreachable pair. Stored read-only (copied).
    requests
        The ride requests (unique ``request_id``).
    vehicles
        The fleet (unique ``vehicle_id``).
    cost
        Routing cost per arc, same shape (default: ``travel_time_s``); the unit is ``cost_unit``.
        Must be finite where the travel time is finite.
    node_labels
        Optional name per node (length ``n_nodes``).
    cost_unit
        Unit of :attr:`cost` for reports (``"s"``, ``"m"``, ``"yuan"``, or ``"1"`` for benchmark
        distances).
    name
        Instance name.
    source
        File the data came from (used in error messages).

    Raises
    ------
    optimizer.errors.InputErrors
        Listing every problem found: non-square or negative matrices, non-zero diagonal, node
        indices out of range, duplicate ids, unknown eligible vehicle ids, label count.

    Notes
    -----
    :attr:`max_ride_s` holds the binding ride-time limit per request (seconds, shape
    ``(n_requests,)``): ``min(max_ride_time_s, max_ride_factor * direct time)``.
    """

    travel_time_s: np.ndarray
    requests: tuple[Request, ...]
    vehicles: tuple[Vehicle, ...]
    cost: np.ndarray | None = None
    node_labels: tuple[str, ...] | None = None
    cost_unit: str = "s"
    name: str = "darp"
    source: str | None = None
    max_ride_s: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        src = self.source
        errors: list[InputError] = []
        t = _readonly(self.travel_time_s, name="travel_time_s", source=src)
        set_(self, "travel_time_s", t)
        set_(self, "requests", tuple(self.requests))
        set_(self, "vehicles", tuple(self.vehicles))
        if t.ndim != 2 or t.shape[0] != t.shape[1] or t.shape[0] == 0:
            raise InputError(f"travel_time_s has shape {t.shape}; expected a non-empty square "
                             "(n_nodes, n_nodes) matrix", file=src, field="travel_time_s")
        n = t.shape[0]
        if self.node_labels is not None:
            set_(self, "node_labels", tuple(str(x) for x in self.node_labels))
            if len(self.node_labels) != n:
                errors.append(InputError(f"{len(self.node_labels)} node_labels for {n} nodes",
                                         file=src, field="node_labels"))
        errors += matrix_errors(t, self._name, src)
        if self.cost is None:
            set_(self, "cost", t)
        else:
            c = _readonly(self.cost, name="cost", source=src)
            set_(self, "cost", c)
            if c.shape != t.shape:
                errors.append(InputError(f"cost has shape {c.shape}; expected {t.shape} like "
                                         "travel_time_s", file=src, field="cost"))
            else:
                fin = np.isfinite(t)
                if np.isnan(c).any() or (c < 0).any() or not np.all(np.isfinite(c[fin])):
                    errors.append(InputError("cost must be non-negative and finite wherever "
                                             "travel_time_s is finite", file=src, field="cost"))
        vids = [v.vehicle_id for v in self.vehicles]
        for k, v in enumerate(self.vehicles, start=1):
            if not isinstance(v, Vehicle):
                errors.append(InputError(f"vehicles[{k - 1}] is {type(v).__name__}, not Vehicle",
                                         file=src, row=k, field="vehicles"))
                continue
            if vids.count(v.vehicle_id) > 1:
                errors.append(InputError(f"duplicate vehicle_id {v.vehicle_id!r}", file=src,
                                         row=k, field="vehicle_id"))
            for name in ("start_node", "end_node"):
                if getattr(v, name) >= n:
                    errors.append(InputError(f"vehicle {v.vehicle_id!r}: {name}="
                                             f"{getattr(v, name)} is out of range 0..{n - 1}",
                                             file=src, row=k, field=name))
        rids = [r.request_id for r in self.requests]
        seen: set[str] = set()
        known = set(vids)
        for k, r in enumerate(self.requests, start=1):
            if not isinstance(r, Request):
                errors.append(InputError(f"requests[{k - 1}] is {type(r).__name__}, not Request",
                                         file=src, row=k, field="requests"))
                continue
            if r.request_id in seen:
                errors.append(InputError(f"duplicate request_id {r.request_id!r}", file=src,
                                         row=k, field="request_id"))
            seen.add(r.request_id)
            for name in ("pickup_node", "delivery_node"):
                if getattr(r, name) >= n:
                    errors.append(InputError(f"request {r.request_id!r}: {name}="
                                             f"{getattr(r, name)} is out of range 0..{n - 1}",
                                             file=src, row=k, field=name))
            if r.eligible_vehicles is not None and not r.eligible_vehicles <= known:
                bad = sorted(r.eligible_vehicles - known)
                errors.append(InputError(f"request {r.request_id!r}: eligible_vehicles names "
                                         f"unknown vehicle(s) {bad}", file=src, row=k,
                                         field="eligible_vehicles"))
        del rids
        if errors:
            raise InputErrors(errors)
        lim = np.empty(len(self.requests), dtype=float)
        for k, r in enumerate(self.requests):
            lim[k] = r.max_ride_time_s
            if r.max_ride_factor is not None:
                lim[k] = min(lim[k], r.max_ride_factor * t[r.pickup_node, r.delivery_node])
        lim.setflags(write=False)
        set_(self, "max_ride_s", lim)

    @classmethod
    def from_matrix(cls, matrix: TravelMatrix, requests: Iterable[Request],
                    vehicles: Iterable[Vehicle], **kwargs: Any) -> DarpProblem:
        """A problem on a user's square travel-time matrix
        (:func:`optimizer.io.matrix.read_matrix`): its seconds (``inf`` where the file said no
        path) and its labels, so that every message names places, not indices.

        Parameters
        ----------
        matrix
            The matrix read; node indices of ``requests`` and ``vehicles`` are its rows
            (``matrix.index("C03 东港食堂")``).
        requests, vehicles
            As in :class:`DarpProblem`.
        **kwargs
            Other fields of :class:`DarpProblem` (``cost``, ``cost_unit``, ``name``).

        Raises
        ------
        optimizer.errors.InputError
            If the rows and columns are not the same places, or as :class:`DarpProblem`.
        """
        return cls(travel_time_s=matrix.seconds, requests=tuple(requests),
                   vehicles=tuple(vehicles), node_labels=matrix.labels,
                   source=kwargs.pop("source", matrix.source), **kwargs)

    # ------------------------------------------------------------------ helpers
    def _name(self, node: int) -> str:
        labels = self.node_labels
        return node_name(labels if labels is not None and len(labels) == self.n_nodes else None,
                         node)

    def node_name(self, node: int) -> str:
        """How messages name a node: its label quoted (``'C03 东港食堂'``), or ``node 3`` when the
        problem has no labels."""
        return self._name(node)

    @property
    def n_nodes(self) -> int:
        """Number of network nodes (rows of :attr:`travel_time_s`)."""
        return int(self.travel_time_s.shape[0])

    def direct_time_s(self, request: int | str) -> float:
        """Direct travel time pickup -> delivery of a request, seconds (``inf`` if unreachable).

        Parameters
        ----------
        request
            Position in :attr:`requests` or ``request_id``.
        """
        r = self.requests[self.request_index(request)] if isinstance(request, str) \
            else self.requests[request]
        return float(self.travel_time_s[r.pickup_node, r.delivery_node])

    def request_index(self, request_id: str) -> int:
        """Position of ``request_id`` in :attr:`requests`.

        Raises
        ------
        KeyError
            If the id is unknown.
        """
        idx = self._index_maps()[0]
        return idx[request_id]

    def vehicle_index(self, vehicle_id: str) -> int:
        """Position of ``vehicle_id`` in :attr:`vehicles`.

        Raises
        ------
        KeyError
            If the id is unknown.
        """
        return self._index_maps()[1][vehicle_id]

    def _index_maps(self) -> tuple[dict[str, int], dict[str, int]]:
        cache = self.__dict__.get("_maps")
        if cache is None:
            cache = ({r.request_id: k for k, r in enumerate(self.requests)},
                     {v.vehicle_id: k for k, v in enumerate(self.vehicles)})
            object.__setattr__(self, "_maps", cache)
        return cache

    def is_eligible(self, request: int, vehicle: int) -> bool:
        """Whether vehicle position ``vehicle`` may serve request position ``request``
        (eligibility list and both capacities)."""
        r, v = self.requests[request], self.vehicles[vehicle]
        if r.eligible_vehicles is not None and v.vehicle_id not in r.eligible_vehicles:
            return False
        return r.seats <= v.seats and r.wheelchair_places <= v.wheelchair_places


# ---------------------------------------------------------------------------- results
# ``SolveStatus`` is :class:`optimizer.results.SolveStatus` (one vocabulary for every solver and
# service), re-exported here under its old name.


class UnservedReason(str, enum.Enum):
    """Why a request is not in the plan (checked for the request alone before solving)."""

    UNREACHABLE = "UNREACHABLE"  # inf travel time on a leg it needs
    NO_WHEELCHAIR_PLACE = "NO_WHEELCHAIR_PLACE"  # no eligible vehicle has enough wheelchair places
    NOT_ENOUGH_SEATS = "NOT_ENOUGH_SEATS"  # no eligible vehicle has enough seats
    NO_ELIGIBLE_VEHICLE = "NO_ELIGIBLE_VEHICLE"  # eligibility list excludes every vehicle
    RIDE_TIME = "RIDE_TIME"  # direct time exceeds the maximum ride time
    TIME_WINDOW = "TIME_WINDOW"  # windows cannot be met even with a direct trip
    SHIFT_END = "SHIFT_END"  # no vehicle shift/route duration covers the trip from its base
    DROPPED_BY_SEARCH = "DROPPED_BY_SEARCH"  # feasible alone; dropped by capacity/time conflicts


@dataclass(frozen=True)
class Stop:
    """One stop of a route.

    ``kind`` is ``"start"``, ``"pickup"``, ``"delivery"`` or ``"end"``; ``request_id`` is ``None``
    at start/end. Times in seconds after midnight: ``arrival_s`` (reaching the node),
    ``start_s`` (start of service, after waiting), ``departure_s`` (= start + service).
    ``seats_on_board`` / ``wheelchairs_on_board`` after the stop.
    """

    kind: str
    node: int
    request_id: str | None
    arrival_s: float
    start_s: float
    departure_s: float
    seats_on_board: int = 0
    wheelchairs_on_board: int = 0


@dataclass(frozen=True)
class Route:
    """The stops of one vehicle, first ``start`` and last ``end``; ``cost`` in problem cost
    units, ``travel_time_s`` driving time, ``duration_s`` end minus start."""

    vehicle_id: str
    stops: tuple[Stop, ...]
    cost: float
    travel_time_s: float
    duration_s: float

    @property
    def request_ids(self) -> tuple[str, ...]:
        """Requests on this route in pickup order."""
        return tuple(s.request_id for s in self.stops if s.kind == "pickup")


@dataclass(frozen=True)
class Unserved:
    """A request not in the plan, with the binding reason and a sentence for the dispatcher."""

    request_id: str
    reason: UnservedReason
    detail: str = ""


@dataclass(frozen=True)
class DarpResult:
    """A dial-a-ride plan.

    Attributes
    ----------
    status
        :class:`SolveStatus`.
    routes
        One :class:`Route` per *used* vehicle (ids in the user's ids).
    unserved
        Every request not served, with its reason.
    objective
        Total routing cost of the routes in the problem's cost unit (recomputed in floating point
        from :attr:`DarpProblem.cost`; drop penalties are not included).
    runtime_s
        Wall time of the solve, seconds.
    params
        The parameters used (plain values, for the run log).
    search
        What bounded the search (work limit, wall clock, proof), for the run manifest; a result
        built by hand carries ``StopCause.NOT_RUN``.
    """

    status: SolveStatus
    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...]
    objective: float
    runtime_s: float = 0.0
    params: Mapping[str, Any] = field(default_factory=dict)
    search: SearchRecord = field(default_factory=lambda: SearchRecord("darp", StopCause.NOT_RUN))

    @property
    def served(self) -> tuple[str, ...]:
        """Ids of the served requests."""
        return tuple(rid for rt in self.routes for rid in rt.request_ids)

    def is_feasible(self) -> bool:
        """``True`` when a plan exists (every unserved request is listed with a reason)."""
        return self.status.produced_plan

    def summary(self) -> str:
        """One-paragraph text summary for logs."""
        lines = [f"status {self.status.value}, cost {self.objective:.3f}, "
                 f"{len(self.served)} served, {len(self.unserved)} unserved, "
                 f"{len(self.routes)} route(s), {self.runtime_s:.1f} s"]
        for u in self.unserved:
            lines.append(f"  unserved {u.request_id}: {u.reason.value} {u.detail}")
        return "\n".join(lines)


def requests_from_records(records: Iterable[Mapping[str, Any]], *,
                          file: str | None = None) -> tuple[Request, ...]:
    """Build requests from dict-like rows, collecting every error with its row number.

    Parameters
    ----------
    records
        Mappings with the :class:`Request` field names as keys.
    file
        File name for error messages.

    Returns
    -------
    tuple of Request

    Raises
    ------
    optimizer.errors.InputErrors
        Every bad row, naming file, row (1-based) and field.
    """
    out, errors = [], []
    for k, rec in enumerate(records, start=1):
        try:
            out.append(Request(**dict(rec)))
        except InputError as e:
            errors.append(InputError(e.message, file=file, row=k, field=e.field))
        except TypeError as e:
            errors.append(InputError(str(e), file=file, row=k))
    if errors:
        raise InputErrors(errors)
    return tuple(out)
