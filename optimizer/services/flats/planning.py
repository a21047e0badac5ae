"""The flats choice as named steps: burdens → the knapsack → CP-SAT → the day re-planned.

:func:`plan_flats` computes every patient's weekly burden and what a flat saves
(:mod:`optimizer.services.flats.burden`), builds the knapsack of the eligible patients with a
saving (:class:`optimizer.problems.flats.FlatsProblem`; tie-break order: patient id, ascending
text order, so among equal optima the lowest ids are offered first), solves it exactly
(:func:`optimizer.solvers.ortools_flats.solve_flats`), then plans the scenario's day twice with
:func:`optimizer.services.dialysis.plan_dialysis_day`: as the inputs are (before), and with the
offered patients living in the flats at the unit's point (after: their trips are listed
``NO_TRANSPORT_NEEDED``). Offered patients without a session on the day change nothing that day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

import pandas as pd

from optimizer.problems.flats import FlatsProblem
from optimizer.results import Note, NoteKind
from optimizer.services.dialysis.params import DialysisParams
from optimizer.services.dialysis.planning import plan_dialysis_day
from optimizer.services.dialysis.records import DialysisInputs, Unit
from optimizer.services.dialysis.result import DialysisPlan
from optimizer.services.flats.burden import flats_unit, patient_burdens
from optimizer.services.flats.params import FlatsParams
from optimizer.services.flats.result import FlatsPlan
from optimizer.solvers.ortools_flats import FlatsResult, flats_options, solve_flats
from optimizer.solvers.params import SolverParams

if TYPE_CHECKING:  # pragma: no cover
    from optimizer.network.build import Network

__all__ = ["flats_problem", "move_to_flats", "plan_flats"]

BURDEN_NOTE = Note(NoteKind.ASSUMPTION,
                   "负担为本周（周一至周六）每次透析往返直达行程之和（各按当天航班，含候船、"
                   "渡轮）；住公寓后步行往返，不需车辆",
                   "Burden: the week's sessions (Monday to Saturday, each on that day's "
                   "sailings), outbound and return trips driven directly (pier waits and ferry "
                   "included); a patient in a flat walks to the unit, no vehicle")


def flats_problem(burdens: pd.DataFrame, fparams: FlatsParams) -> FlatsProblem:
    """The knapsack of the eligible patients (``burdens["eligible"]``), in patient-id order.

    Parameters
    ----------
    burdens
        From :func:`~optimizer.services.flats.burden.patient_burdens`.
    fparams
        Flats, people per flat, wheelchair flats.
    """
    c = burdens[burdens["eligible"]].sort_values("patient_id", kind="stable")
    wc = (None if fparams.wheelchair_flats is None
          else fparams.wheelchair_flats * fparams.patients_per_flat)
    return FlatsProblem(tuple(c["patient_id"]), tuple(int(v) for v in c["value"]),
                        tuple(bool(w) for w in c["wheelchair"]),
                        places=fparams.flats * fparams.patients_per_flat, wheelchair_places=wc)


def move_to_flats(inputs: DialysisInputs, patient_ids: set[str] | frozenset[str] | tuple[str, ...],
                  unit: Unit) -> DialysisInputs:
    """``inputs`` with the patients ``patient_ids`` living at ``unit``'s point (the flats)."""
    ids = set(patient_ids)
    moved = tuple(dataclasses.replace(p, lon=unit.lon, lat=unit.lat, island_id=unit.island_id)
                  if p.patient_id in ids else p for p in inputs.patients)
    return dataclasses.replace(inputs, patients=moved)


def _decided(burdens: pd.DataFrame, chosen: tuple[str, ...]) -> pd.DataFrame:
    out = burdens.copy()
    pick = out["patient_id"].isin(chosen)
    out.loc[pick, "decision"] = "offered"
    out.loc[out["eligible"] & ~pick, "decision"] = "not_chosen"
    return out


def _day_kpis(before: DialysisPlan, after: DialysisPlan) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, name in (("trips_served", "trips_served"), ("trips_unserved", "trips_unserved"),
                      ("trips_no_transport_needed", "trips_no_transport_needed"),
                      ("vehicles_used", "vehicles_used"),
                      ("total_driving_time_min", "driving_time_min"),
                      ("vehicle_hours", "vehicle_hours")):
        out[f"{name}_before"] = float(before.kpis.get(key, 0.0))
        out[f"{name}_after"] = float(after.kpis.get(key, 0.0))
    return out


def _tied(problem: FlatsProblem, choice: FlatsResult) -> int:
    """Candidates left out whose saving equals the smallest saving offered (the tie-break, not
    the saving, decided between them)."""
    value = dict(zip(problem.ids, problem.value))
    if not choice.chosen:
        return 0
    cut = min(value[i] for i in choice.chosen)
    return sum(1 for i in problem.ids if i not in choice.chosen and value[i] == cut)


def flats_kpis(fparams: FlatsParams, problem: FlatsProblem, choice: FlatsResult,
               burdens: pd.DataFrame, before: DialysisPlan, after: DialysisPlan,
               date: dt.date) -> dict[str, Any]:
    """Headline figures of the choice and of the day before and after (hours, minutes)."""
    off = burdens[burdens["decision"] == "offered"]
    today = sum(date.weekday() in d for d in off["days"]) if "days" in off else 0
    return {"flats": fparams.flats, "places": problem.places, "candidates": len(problem.ids),
            "offered": len(choice.chosen), "offered_wheelchair": int(off["wheelchair"].sum()),
            "offered_with_session_today": int(today), "status": choice.status.value,
            "not_chosen_tied": _tied(problem, choice),
            "objective_weighted_h": choice.objective / 3600.0,
            "bound_weighted_h": choice.bound / 3600.0, "tie_break": choice.tie_break,
            "weekly_ride_hours_saved": float(off["weekly_ride_h_saved"].sum()),
            "weekly_vehicle_hours_saved": float(off["weekly_vehicle_h_saved"].sum()),
            **_day_kpis(before, after)}


def plan_flats(inputs: DialysisInputs, date: dt.date, *, network: Network,
               dparams: DialysisParams | None = None, fparams: FlatsParams | None = None,
               solver: SolverParams | None = None,
               solve_options: dict[str, Any] | None = None) -> FlatsPlan:
    """Choose who is offered the flats (proved optimum) and re-plan the day (module docs).

    Parameters
    ----------
    inputs
        Dialysis inputs, loaded with ``dparams``.
    date
        The scenario's date (must be the day of ``network.timetable``).
    network
        The built network.
    dparams, fparams
        The scenario's ``dialysis:`` and ``flats:`` sections (defaults when ``None``).
    solver
        Search limits (the choice's CP-SAT and both day plans).
    solve_options
        Extra DARP solver options for the day plans (tests).

    Returns
    -------
    FlatsPlan
    """
    dprm, fprm, slv = dparams or DialysisParams(), fparams or FlatsParams(), \
        solver or SolverParams()
    days = {p.patient_id: p.days for p in inputs.patients}
    burdens = patient_burdens(inputs, date, network=network, dparams=dprm, fparams=fprm)
    problem = flats_problem(burdens, fprm)
    choice = solve_flats(problem, **flats_options(slv))
    burdens = _decided(burdens, choice.chosen)
    before = plan_dialysis_day(inputs, date, network=network, params=dprm, solver=slv,
                               solve_options=solve_options)
    unit = flats_unit(inputs, fprm)
    moved = move_to_flats(inputs, choice.chosen, unit) if unit is not None else inputs
    after = plan_dialysis_day(moved, date, network=network, params=dprm, solver=slv,
                              solve_options=solve_options)
    kpis = flats_kpis(fprm, problem, choice, burdens.assign(
        days=burdens["patient_id"].map(days)), before, after, date)
    searches = (dataclasses.replace(choice.search, name="flats choice"),
                *(dataclasses.replace(r, name=f"flats day before: {r.name}")
                  for r in before.searches),
                *(dataclasses.replace(r, name=f"flats day after: {r.name}")
                  for r in after.searches))
    return FlatsPlan(status=choice.status, kpis=kpis, notes=(*before.notes, BURDEN_NOTE),
                     searches=searches, burdens=burdens, choice=choice, problem=problem,
                     before=before, after=after, inputs=inputs,
                     unit_name=unit.name_zh if unit is not None else "")
