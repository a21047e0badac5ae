"""``optimizer access``: travel time from every village and demand point to the nearest facility.

A command, not a service of the run: it answers an ad-hoc question (the embedded hospitals, a
charity supermarket site a user gives) on a scenario's network and demand without planning
anything, so it takes its facilities file and departure time on the command line instead of a
scenario section, and it leaves the main job (and its golden file) as it is.

Steps: read the facilities (:func:`optimizer.io.facilities.read_facilities`), build the
scenario's network of its date, read the meal service's demand (villages and points,
:func:`optimizer.services.meals.load_meals_inputs`), snap everything to the road nodes of its
own island, compute the earliest arrival at the nearest facility for every origin at once
(:func:`optimizer.network.access.nearest_facility`: exact time-dependent journeys with ferries,
see that module for why it is not one search per origin), explain every unreachable origin
with a code of :data:`optimizer.results.REASONS`, and write the tables, the summary, the map
and a manifest into a staged folder (:func:`optimizer.scenario.outdir.staged_folder`: complete
or absent).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from optimizer.errors import InputError
from optimizer.network.build import Network
from optimizer.results import REASONS, Note, NoteKind
from optimizer.units import hhmm, parse_clock

__all__ = ["BANDS_MIN", "AccessReport", "access_tables", "run_access"]

BANDS_MIN = (15, 30, 60, 90, 120)
"""Upper ends of the travel-time bands, minutes (``0-15``, ``15-30`` … ``over 120``): the
15-minute community-life circle (浙江 "15分钟生活圈") and the half-hour, hour, 90-minute and
two-hour marks a planner reads (assumption)."""

REASON_PRIORITY = ("NO_SAILING_AFTER", "NO_CAR_FERRY", "ROUTE_SUSPENDED", "NO_SERVICE_TODAY",
                   "NO_LINK")
"""Which facility's reason explains an unreachable origin: the one nearest to reachable first
(a sailing exists but leaves too early, before a route that does not run at all)."""

TRAVEL_TIME_NOTE = Note(NoteKind.ASSUMPTION, "用时自最近路网节点起算（不含到路网的距离）",
                        "Times run from the nearest road node of each point (the distance to "
                        "the road is not added)")


@dataclass(frozen=True, eq=False)
class AccessReport:
    """What ``optimizer access`` computed (everything its writer needs).

    Attributes
    ----------
    villages, points
        One row per village / demand point (see :func:`access_tables`); ``None`` for a level
        the scenario's data does not have.
    facilities
        The facilities read (EPSG:4326) with ``node`` (snapped road node) and ``island``.
    summary
        Residents aged 60+ by island and time band (see :func:`band_summary`).
    params
        Settings (scenario, facilities, mode, ferry access, departure ``HH:MM``, date).
    notes
        Labels the outputs carry (network notes, synthetic demand, the snapping assumption).
    inputs
        Files read (for the manifest's hashes).
    """

    villages: pd.DataFrame | None
    points: pd.DataFrame | None
    facilities: gpd.GeoDataFrame
    summary: pd.DataFrame
    params: dict[str, Any]
    notes: tuple[Note, ...]
    inputs: tuple[Path, ...]

    def kpis(self) -> dict[str, Any]:
        """Headline numbers: origins, reachable, residents within 30 and 60 min, unreachable."""
        t = self.points if self.points is not None else self.villages
        assert t is not None
        res = t["elderly_60plus"].astype(int)
        mins = pd.to_numeric(t["travel_time_min"], errors="coerce")
        return {"origins": int(len(t)), "origins_reachable": int(mins.notna().sum()),
                "residents_60plus": int(res.sum()),
                "residents_within_30_min": int(res[mins <= 30].sum()),
                "residents_within_60_min": int(res[mins <= 60].sum()),
                "residents_unreachable": int(res[mins.isna()].sum())}


def _check_mode(mode: str, ferry_access: str) -> None:
    from optimizer.network.contract import TRAVEL_MODES
    from optimizer.network.journey import FERRY_ACCESS

    if mode not in TRAVEL_MODES:
        raise InputError(f"--mode {mode!r}; expected one of {list(TRAVEL_MODES)}", field="--mode")
    if ferry_access not in FERRY_ACCESS:
        raise InputError(f"--ferry-access {ferry_access!r}; expected one of "
                         f"{list(FERRY_ACCESS)}", field="--ferry-access")
    if mode == "walk" and ferry_access == "vehicle":
        raise InputError("--mode walk with --ferry-access vehicle: a walker has no vehicle to "
                         "take on board; use --ferry-access foot", field="--ferry-access")


def _demand(sc: Any, net: Network) -> dict[str, gpd.GeoDataFrame]:
    """The meal service's demand by level: the scenario's ``meals.elderly`` file at its own
    level, and the dataset's default file for the other level when the scenario names none."""
    from optimizer.datasets import get_path
    from optimizer.services.meals import load_meals_inputs

    dataset = Path(sc.dataset) if sc.dataset else get_path("putuo")
    first = load_meals_inputs(sc.meals, dataset=dataset, islands=net.islands)
    out = {first.demand_level: first}
    other = "villages" if first.demand_level == "points" else "points"
    if sc.meals.elderly is None:
        params = dataclasses.replace(sc.meals, demand_level=other)
        out[other] = load_meals_inputs(params, dataset=dataset, islands=net.islands)
    return out


def _snap(net: Network, gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    from optimizer.network.snap import snap_points

    return snap_points(net.G, gdf.reset_index(drop=True), islands=net.islands)


def _facility_nodes(net: Network, fac: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[Note]]:
    """Facilities with their road node and island name. A facility in the sea is refused
    (exit 2, naming its line and id: a typo or a wrong coordinate system); one on an island
    without roads in the network is left out with a note naming it (it serves no one by road).

    Raises
    ------
    optimizer.errors.InputErrors
        Facilities in the sea; or no facility left.
    """
    from optimizer.errors import InputErrors

    snapped = _snap(net, fac)
    status = snapped["status"].to_numpy()
    lines = fac.attrs.get("lines") or list(range(2, len(fac) + 2))
    fname = str(fac.attrs.get("source_file", ""))
    sea = np.flatnonzero(status == "in_sea")
    if len(sea):
        raise InputErrors([InputError(
            f"{fac['facility_id'].iloc[i]!r}: the point is in the sea, "
            f"{snapped['distance_to_land_m'].iloc[i]:.0f} m from land; check lon/lat (swapped?) "
            "and coord_system (Amap/高德 points are GCJ-02)", file=fname, line=lines[i],
            field="lon") for i in sea])
    out = fac.reset_index(drop=True).copy()
    out["node"] = snapped["node"].to_numpy()
    names = dict(zip(net.islands["island_id"].astype(str), net.islands["name_zh"].astype(str)))
    out["island"] = [names.get(str(i), str(i)) for i in snapped["island_id"]]
    off = out["node"].isna().to_numpy()
    notes = [Note(NoteKind.ASSUMPTION,
                  f"设施 {r.facility_id} {r.name_zh} 所在岛（{r.island}）无路网，未计入",
                  f"Facility {r.facility_id} ({r.island}) is on an island without roads in the "
                  "network and is left out") for r in out[off].itertuples()]
    if off.all():
        raise InputError("no facility is on an island with roads in the network", file=fname,
                         field="lon")
    return out[~off].reset_index(drop=True), notes


def _reason_for(net: Network, node: Hashable, fac_nodes: list, depart_s: float, mode: str,
                ferry_access: str, namer: Any) -> tuple[str, str]:
    """Code and sentence for an origin node that reaches no facility: each facility's own
    reason (:func:`~optimizer.network.journey.earliest_arrival`), the one earliest in
    :data:`REASON_PRIORITY` kept."""
    from optimizer.network.journey import earliest_arrival

    found: dict[str, str] = {}
    for f in dict.fromkeys(fac_nodes):
        j = earliest_arrival(net.G, net.timetable, node, f, depart_s, travel_mode=mode,
                             ferry_access=ferry_access, boarding_buffer_s=net.boarding_buffer_s,
                             namer=namer)
        found.setdefault(j.reason_code or "NO_LINK", j.reason)
        if "NO_SAILING_AFTER" in found:
            break
    code = next(c for c in (*REASON_PRIORITY, *found) if c in found)
    return code, found[code]


def _no_link(island: str, mode: str) -> str:
    """The NO_LINK sentence: no facility's island is linked at all (not one island's)."""
    return (f"{island} 与所有设施所在岛之间既无陆路也无渡轮航线 · no {mode} route on land and no "
            f"ferry link from {island} to any facility's island in the network")


def _fac_by_island(net: Network, fac: gpd.GeoDataFrame) -> list:
    """One facility node per land component (the reasons are the same for the others)."""
    from optimizer.network.islands import land_components

    comp = land_components(net.G)
    first: dict[Any, Hashable] = {}
    for n in fac["node"]:
        first.setdefault(comp.get(str(net.G.nodes[n].get("island_id", "")), n), n)
    return list(first.values())


def _ferry_text(sailings: tuple, namer: Any) -> str:
    return "; ".join(f"{namer.route(s.route_id)} {namer.pier(s.from_stop_id)} "
                     f"{hhmm(s.departure_s)} → {namer.pier(s.to_stop_id)} {hhmm(s.arrival_s)}"
                     + (" (估计 est.)" if s.is_estimate else "") for s in sailings)


def band_of(minutes: float) -> str:
    """The band a whole-minute travel time falls in (``"0-15"`` … ``"over 120"``; NaN:
    ``"unreachable"``); a band's upper end is included (15 min is ``0-15``)."""
    if minutes is None or not math.isfinite(minutes):
        return "unreachable"
    lo = 0
    for hi in BANDS_MIN:
        if minutes <= hi:
            return f"{lo}-{hi}"
        lo = hi
    return f"over {BANDS_MIN[-1]}"


BAND_NAMES = (*(f"{lo}-{hi}" for lo, hi in zip((0, *BANDS_MIN[:-1]), BANDS_MIN)),
              f"over {BANDS_MIN[-1]}", "unreachable")
"""Band labels in order (columns of the summary)."""


def access_tables(net: Network, demand: gpd.GeoDataFrame, fac: gpd.GeoDataFrame, *,
                  depart_s: int, mode: str, ferry_access: str, level: str) -> pd.DataFrame:
    """One row per origin: where it is, the nearest facility and when it is reached.

    Parameters
    ----------
    net
        The scenario's network.
    demand
        Demand of one level (:class:`~optimizer.services.meals.MealsInputs` ``demand``).
    fac
        Facilities with ``node`` (:func:`_facility_nodes`).
    depart_s
        Departure, seconds after midnight.
    mode, ferry_access
        Travel mode and ferry access.
    level
        ``"points"`` or ``"villages"`` (names the id column: ``point_id`` or
        ``village_code``).

    Returns
    -------
    pandas.DataFrame
        Id, village, town, island, ``elderly_60plus``, ``lon``/``lat``, ``facility_id``,
        ``facility_name``, ``facility_island``, ``depart``/``arrive`` (``HH:MM``),
        ``travel_time_min`` (whole minutes rounded up; empty if unreachable), ``band``,
        ``ferry_legs`` (route, piers, ``HH:MM``), ``reason_code``, ``reason_zh``,
        ``reason_en``, ``reason`` (the details).
    """
    from optimizer.network.access import nearest_facility
    from optimizer.network.placenames import PlaceNames

    namer = PlaceNames.of(net.G, net.islands, feed=net.feed)
    snapped = _snap(net, demand)
    ok = snapped["node"].notna().to_numpy()
    nodes = snapped["node"][ok].tolist()
    res = nearest_facility(net.G, net.timetable, nodes, fac["node"].tolist(), depart_s,
                           travel_mode=mode, ferry_access=ferry_access,
                           boarding_buffer_s=net.boarding_buffer_s)
    n = len(demand)
    arr = np.full(n, math.inf)
    arr[ok] = res.arrival_s
    fidx = np.full(n, -1)
    fidx[ok] = res.facility
    legs = [""] * n
    for i, s in zip(np.flatnonzero(ok), res.sailings):
        legs[i] = _ferry_text(s, namer)
    reasons = _reasons(net, snapped, arr, fac, depart_s, mode, ferry_access, namer)
    reasons = [(c, _no_link(isl, mode) if c == "NO_LINK" else r)
               for (c, r), isl in zip(reasons, demand["island_name_zh"].astype(str))]
    return _frame(demand, level, fac, fidx, arr, depart_s, legs, reasons)


def _reasons(net: Network, snapped: pd.DataFrame, arr: np.ndarray, fac: gpd.GeoDataFrame,
             depart_s: int, mode: str, ferry_access: str, namer: Any) -> list[tuple[str, str]]:
    """``(code, details)`` per origin (``("", "")`` when reached); one explanation per road
    node."""
    targets = _fac_by_island(net, fac)
    cache: dict[Hashable, tuple[str, str]] = {}
    out = []
    for node, status, a in zip(snapped["node"], snapped["status"], arr):
        if math.isfinite(a):
            out.append(("", ""))
        elif node is None or (isinstance(node, float) and math.isnan(node)):
            out.append(("UNREACHABLE_ISLAND",
                        f"点不在有道路的岛上（{status}）· the point is not on an island with "
                        f"roads in the network ({status})"))
        else:
            if node not in cache:
                cache[node] = _reason_for(net, node, targets, depart_s, mode, ferry_access,
                                          namer)
            out.append(cache[node])
    return out


def _frame(demand: gpd.GeoDataFrame, level: str, fac: gpd.GeoDataFrame, fidx: np.ndarray,
           arr: np.ndarray, depart_s: int, legs: list[str], reasons: list[tuple[str, str]]
           ) -> pd.DataFrame:
    mins = [math.ceil((a - depart_s) / 60 - 1e-9) if math.isfinite(a) else math.nan for a in arr]
    id_col = "point_id" if level == "points" else "village_code"
    df = pd.DataFrame({id_col: demand["point_id"].astype(str).to_numpy()})
    if level == "points":
        df["village_code"] = demand["village_code"].astype(str).to_numpy()
    pick = (lambda col: [str(fac[col].iloc[k]) if k >= 0 else "" for k in fidx])
    df = df.assign(
        village_name_zh=demand["village_name_zh"].to_numpy(),
        town_name=demand["town_name"].to_numpy(),
        island_name_zh=demand["island_name_zh"].to_numpy(),
        elderly_60plus=demand["elderly_60plus"].astype(int).to_numpy(),
        lon=demand["lon"].round(6).to_numpy(), lat=demand["lat"].round(6).to_numpy(),
        facility_id=pick("facility_id"), facility_name=pick("name_zh"),
        facility_island=pick("island"), depart=hhmm(depart_s),
        arrive=[hhmm(a) if math.isfinite(a) else "" for a in arr],
        travel_time_min=pd.array([None if math.isnan(m) else m for m in mins], dtype="Int64"),
        band=[band_of(m) for m in mins], ferry_legs=legs,
        reason_code=[c for c, _ in reasons],
        reason_zh=[REASONS[c].zh if c else "" for c, _ in reasons],
        reason_en=[REASONS[c].en if c else "" for c, _ in reasons],
        reason=[r for _, r in reasons])
    return df


def band_summary(t: pd.DataFrame) -> pd.DataFrame:
    """Residents aged 60+ by island (rows, plus ``合计 total``) and band (columns
    :data:`BAND_NAMES`), with ``origins`` (rows counted) and ``residents_60plus``."""
    piv = t.pivot_table(index="island_name_zh", columns="band", values="elderly_60plus",
                        aggfunc="sum", fill_value=0)
    piv = piv.reindex(columns=list(BAND_NAMES), fill_value=0).astype(int)
    piv.insert(0, "residents_60plus", piv.sum(axis=1))
    piv.insert(0, "origins", t.groupby("island_name_zh").size())
    piv = piv.sort_values(["residents_60plus"], ascending=False)
    total = piv.sum(axis=0).to_frame("合计 total").T
    out = pd.concat([piv, total]).reset_index(names="island_name_zh")
    return out


def run_access(scenario: str | Path, facilities: str | Path, out_dir: str | Path, *,
               mode: str = "car", depart: str = "08:00", ferry_access: str = "foot",
               coord_system: str = "WGS-84",
               progress: Callable[[str], None] | None = None) -> tuple[AccessReport, list]:
    """Compute and write the access report (the ``optimizer access`` command).

    Parameters
    ----------
    scenario
        Scenario YAML (its network, ferries, date and ``meals`` demand).
    facilities
        Facilities file (:data:`optimizer.io.facilities.FACILITIES`) or ``"hospitals"``.
    out_dir
        Output folder: new, empty or an earlier output of this tool (replaced whole).
    mode, depart, ferry_access
        Travel mode (car, ebike, walk), departure clock time ``HH:MM``, ferry access (foot:
        any sailing, vehicle: car ferries only).
    coord_system
        Coordinate system of the facilities file where a row has no ``coord_system``.
    progress
        Called with a short line per step.

    Returns
    -------
    tuple
        The :class:`AccessReport` and the list of files written
        (:class:`~optimizer.services.base.OutputFile`).

    Raises
    ------
    optimizer.errors.InputError
        A bad option, scenario, facilities or demand file, or an output folder that is not
        ours (nothing is written then).
    optimizer.errors.PrivacyError
        If a written file has a column that looks personal (nothing is kept then).
    """
    from optimizer.io.facilities import read_facilities
    from optimizer.outputs.access import write_access
    from optimizer.outputs.privacy import assert_folder_publishable
    from optimizer.scenario.outdir import check_target, staged_folder
    from optimizer.scenario.queries import scenario_network
    from optimizer.scenario.schema import load_scenario

    say = progress or (lambda _m: None)
    t0 = time.perf_counter()
    _check_mode(mode, ferry_access)
    depart_s = parse_clock(depart, field="--depart")
    check_target(out_dir)
    fac = read_facilities(facilities, crs=coord_system)
    sc = load_scenario(scenario)
    say("network")
    net = scenario_network(scenario)
    fac, fac_notes = _facility_nodes(net, fac)
    demand = _demand(sc, net)
    say("travel times")
    tables = {lvl: access_tables(net, d.demand, fac, depart_s=depart_s, mode=mode,
                                 ferry_access=ferry_access, level=lvl)
              for lvl, d in demand.items()}
    main = tables.get("points", tables.get("villages"))
    notes = tuple(dict.fromkeys([*net.notes, *(n for d in demand.values() for n in d.notes),
                                 *fac_notes, TRAVEL_TIME_NOTE]))
    inputs = [Path(scenario), *(Path(f) for d in demand.values() for f in d.files.values()
                                if f == d.files.get("elderly")),
              Path(str(fac.attrs.get("source_file") or ""))]
    report = AccessReport(
        villages=tables.get("villages"), points=tables.get("points"), facilities=fac,
        summary=band_summary(main),
        params={"scenario": str(scenario), "facilities": str(facilities), "mode": mode,
                "ferry_access": ferry_access, "depart": hhmm(depart_s),
                "date": sc.date.isoformat(), "boarding_buffer_min":
                    round(net.boarding_buffer_s[ferry_access] / 60, 1)},
        notes=notes, inputs=tuple(p for p in inputs if str(p) not in ("", ".")))
    say("writing")
    with staged_folder(out_dir) as tmp:
        files = write_access(report, tmp, runtime_s=time.perf_counter() - t0)
        # published files: no column may look personal (the demand points are synthetic
        # aggregates and the inputs hold no names or homes, so there are no values to look for)
        assert_folder_publishable(tmp, [f.path for f in files], texts=(), points=())
    return report, files
