"""Synthetic elderly residents (60+) per village, and the land sampler every generator uses.

Method (also in ``data/geo/putuo/SOURCES.md``)
-----------------------------------------------
Town- and village-level census counts for Putuo are **not published** in any source we could
reach; only district totals are (2020 census: 382,902 residents, 95,865 aged 60+). We therefore
estimate, in three steps:

1. **Island population** (all ages). Sourced anchors: 鲁家峙 ≈ 20,000 (story-map text),
   登步岛 6,495 (2000 census, zh.wikipedia 登步岛), 蚂蚁岛 ≈ 4,000 (zh.wikipedia 蚂蚁岛乡).
   The Putuo part of 舟山岛 (沈家门/东港 urban core and 展茅) gets the district's urban population
   (266,077, 2020 census via zh.wikipedia) minus 鲁家峙 — a proxy, not a figure. The rest
   (382,902 − 266,077 − 6,495 − 4,000 = 106,330) is split among the other inhabited islands in
   proportion to their land area inside the district (GSHHG polygons ∩ district boundary,
   in its UTM zone, EPSG:32651, km² rounded to 0.01).
2. **Village weights within an island**: an urban community (居委会) counts 2, a village
   committee (村委会) 1, other units (farm living area, management zone) 0.5 — an assumption
   (urban communities are denser), not a sourced figure.
3. **Integers**: population and elderly quotas (elderly = population × 95,865 / 382,902, i.e. the
   district share 25.04 % everywhere) are rounded by the largest-remainder method, ties broken by
   village code, so the totals are exactly 382,902 and 95,865 and every village gets > 0.

Village points: the sourced point where there is one and it lies on the village's island (22
Liuheng villages; 小湖村's sourced point lies 150 m off the GSHHG shore, which predates the
reclamation, and is moved to the nearest land point 60 m inland); otherwise a seeded random point
on the village's island (inside the district part of partially covered islands, ≥ 100 m inland,
≥ 150 m from other village points), drawn around the town reference point (舟山岛 towns) or the
island's representative point.

Town → island: 沈家门街道, 东港街道, 展茅街道 → 舟山岛 (ISL001), except 鲁西/鲁东社区 and
鲁家峙村 → 鲁家峙 (ISL014), 大岙/竹东/沙头村 → 登步岛 (ISL007; these three villages are
the 2008 merged villages of the former 登步乡 per zh.wikipedia 登步岛, now under 沈家门街道) and
蚂蚁岛村 → 蚂蚁岛 (ISL015); 朱家尖街道 → 朱家尖岛 (ISL003) except 白沙港村 → ISL016 (probably
白沙岛; the polygon is unnamed in the source, the name match is ours); 六横镇 → 六横岛 (ISL002)
except 佛渡村 → 佛渡岛 (ISL009) and 悬山村 → 悬山岛 (ISL008; its sourced party-branch point is
in 台门 on 六横 and is not used); 虾峙镇 → 虾峙岛 (ISL005) except 湖泥村 → 湖泥岛 (ISL019);
桃花镇 → 桃花岛 (ISL004); 东极镇 → 庙子湖岛 (ISL012); 普陀山镇 → 普陀山岛 (ISL006).
小干社区 and 马峙村 are placed on 舟山岛 although they may lie on the small islands 小干/马峙
(unsourced; the unnamed ISL010 is probably 小干岛).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer
from shapely import prepared
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
import shapely
from shapely.ops import nearest_points

from optimizer.apportion import largest_remainder as largest_remainder  # re-export (moved)
from optimizer.io.coords import utm_crs
from optimizer.io.places import read_district_boundary, read_islands, read_towns, read_villages

SEED = 20201101
"""Default seed of every synthetic generator (the 2020 census reference day, 2020-11-01)."""

POPULATION_2020 = 382_902
"""Putuo resident population, 2020 census (普陀区第七次全国人口普查主要数据公报)."""

ELDERLY_60PLUS_2020 = 95_865
"""Putuo residents aged 60+, 2020 census (same bulletin; 25.04 % of residents)."""

URBAN_POPULATION_2020 = 266_077
"""Putuo urban population, 2020 census (zh.wikipedia 普陀區 (舟山市), via mirror)."""

ISLAND_POPULATION_ANCHORS = {
    "ISL014": (20_000, "鲁家峙 ≈ 20,000 residents: Mapbox story-map text (public repository file "
                       "ref 4884972745)"),
    "ISL007": (6_495, "登步岛 6,495 residents in 2,275 households: 2000 census, zh.wikipedia "
                      "登步岛 (mirror wiwiwikim.kfd.me); the 2020 figure is unknown"),
    "ISL015": (4_000, "蚂蚁岛 ≈ 4,000 residents: zh.wikipedia 蚂蚁岛乡 (via wikiwand)"),
}
"""Sourced island populations (persons, source)."""

KIND_WEIGHT = {"居委会(urban community)": 2.0, "村委会(village)": 1.0, "other": 0.5}
"""Relative population of a village-level unit by kind (assumption, see module docstring)."""

TOWN_ISLAND = {
    "330903001": "ISL001", "330903003": "ISL001", "330903005": "ISL001",
    "330903004": "ISL003", "330903100": "ISL002", "330903102": "ISL005",
    "330903104": "ISL004", "330903105": "ISL012", "330903106": "ISL006",
}
"""Default island of each town (NBS town code → island id)."""

VILLAGE_ISLAND = {
    "330903001020": "ISL014", "330903001021": "ISL014", "330903001203": "ISL014",  # 鲁家峙
    "330903001214": "ISL007", "330903001215": "ISL007", "330903001216": "ISL007",  # 登步
    "330903001217": "ISL015",  # 蚂蚁岛村
    "330903004203": "ISL016",  # 白沙港村: ISL016 probably 白沙岛 (unsourced)
    "330903100276": "ISL009",  # 佛渡村
    "330903100277": "ISL008",  # 悬山村 (branch office on 六横 not used)
    "330903102221": "ISL019",  # 湖泥村
}
"""Villages not on their town's default island."""

ISLAND_NAME_OVERRIDE = {"ISL016": "白沙岛(推测)"}
"""Names for islands unnamed in the source (ours, marked 推测 = inferred)."""

DENGBU_ANCHORS = {"330903001214": "S", "330903001215": "E", "330903001216": "NW"}
"""Part of 登步岛 each village lies in (zh.wikipedia 登步岛: 大岙 south, 竹东 east, 沙头 north/west)."""

TOWN_SIGMA_M = {"330903001": 2000.0, "330903003": 1500.0, "330903005": 2500.0}
"""Spread (m, 1 sd) of synthetic village points around the town point on 舟山岛 (assumption)."""

VILLAGE_INSET_M = 100.0
"""Synthetic village points lie at least this far (m) inside the coastline."""

MIN_VILLAGE_SEPARATION_M = 150.0
"""Minimum distance (m) between two synthetic village points."""

ELDERLY_COLUMNS = ("village_code", "name_zh", "town_code", "town_name", "kind", "island_id",
                   "island_name_zh", "lon", "lat", "coord_source", "coord_note",
                   "population_est", "elderly_60plus", "synthetic")
"""Columns of ``elderly.csv``."""


# --------------------------------------------------------------------------- land sampler


@dataclass
class Land:
    """Island polygons in metres (the islands' UTM zone, :attr:`crs`; EPSG:32651 for Putuo) for
    sampling points on land, on a given island.

    Parameters
    ----------
    islands
        From :func:`optimizer.io.places.read_islands` (EPSG:4326).
    district
        District polygon (EPSG:4326); islands marked ``partial`` are clipped to it so that points
        on 舟山岛 fall in Putuo, not 定海. ``None`` disables clipping.

    Notes
    -----
    Every sampled point is re-checked in EPSG:4326 (after rounding to 1e-6°, ~0.1 m) against the
    unclipped island polygon, so ``island_contains`` holds for every point returned.
    """

    islands: pd.DataFrame
    district: BaseGeometry | None = None
    crs: str = field(init=False)
    _fwd: Transformer = field(init=False, repr=False)
    _inv: Transformer = field(init=False, repr=False)
    _geo: dict = field(init=False, repr=False)
    _met: dict = field(init=False, repr=False)
    _region: dict = field(init=False, repr=False)
    _prep_geo: dict = field(init=False, repr=False)

    def __post_init__(self) -> None:
        x0, y0, x1, y1 = shapely.total_bounds(np.asarray(list(self.islands.geometry)))
        self.crs = utm_crs((x0 + x1) / 2.0, (y0 + y1) / 2.0)
        self._fwd = Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        self._inv = Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
        self._geo = dict(zip(self.islands["island_id"], self.islands.geometry))
        self._met = {k: self._project(g) for k, g in self._geo.items()}
        self._prep_geo = {k: prepared.prep(g) for k, g in self._geo.items()}
        dist_m = self._project(self.district) if self.district is not None else None
        partial = dict(zip(self.islands["island_id"], self.islands["share_in_putuo_boundary"]))
        self._region = {}
        for k, g in self._met.items():
            r = g
            if dist_m is not None and partial.get(k) == "partial":
                r = g.intersection(dist_m.buffer(0))
            self._region[k] = r

    def _project(self, geom: BaseGeometry) -> BaseGeometry:
        """EPSG:4326 geometry → metres (:attr:`crs`)."""
        return shapely.transform(geom, lambda x, y: self._fwd.transform(x, y), interleaved=False)

    @classmethod
    def default(cls) -> Land:
        """Land from the embedded Putuo islands and district boundary."""
        return cls(read_islands(), read_district_boundary().geometry.union_all())

    def island_contains(self, island_id: str, lon: float, lat: float) -> bool:
        """Whether the EPSG:4326 point lies inside the island polygon (unclipped)."""
        return bool(self._prep_geo[island_id].contains(Point(lon, lat)))

    def island_of(self, lon: float, lat: float) -> str:
        """Island id containing the EPSG:4326 point, ``""`` if at sea."""
        p = Point(lon, lat)
        for k, g in self._prep_geo.items():
            if g.contains(p):
                return str(k)
        return ""

    def region_area_km2(self, island_id: str) -> float:
        """Land area (km², in :attr:`crs`) of the island inside the district (clipped if
        partial)."""
        return round(self._region[island_id].area / 1e6, 2)

    def to_m(self, lon: float, lat: float) -> tuple[float, float]:
        """EPSG:4326 degrees → metres (:attr:`crs`)."""
        x, y = self._fwd.transform(lon, lat)
        return float(x), float(y)

    def to_lonlat(self, x: float, y: float) -> tuple[float, float]:
        """Metres (:attr:`crs`) → EPSG:4326 degrees rounded to 1e-6."""
        lon, lat = self._inv.transform(x, y)
        return round(float(lon), 6), round(float(lat), 6)

    def _inner(self, island_id: str, inset_m: float) -> BaseGeometry:
        r = self._region[island_id]
        inner = r.buffer(-inset_m)
        while inner.is_empty and inset_m > 1:
            inset_m /= 2
            inner = r.buffer(-inset_m)
        return inner if not inner.is_empty else r

    def sample(self, island_id: str, rng: np.random.Generator, *, near: tuple[float, float] | None
               = None, sigma_m: float = 1000.0, inset_m: float = 60.0,
               avoid: list[tuple[float, float]] | None = None, min_sep_m: float = 0.0,
               max_tries: int = 5000) -> tuple[float, float]:
        """Draw a point on land on the island; returns ``(lon, lat)`` EPSG:4326, 6 decimals.

        Parameters
        ----------
        island_id
            Target island.
        rng
            Seeded generator (consumed deterministically).
        near
            ``(lon, lat)`` centre of a Gaussian draw with ``sigma_m`` metres standard deviation;
            ``None`` draws uniformly over the island.
        inset_m
            Minimum distance inside the coastline (reduced automatically on tiny islands).
        avoid, min_sep_m
            Points ``(lon, lat)`` to stay at least ``min_sep_m`` metres away from (best effort:
            the separation is halved every 1000 failed tries).

        Raises
        ------
        RuntimeError
            If no point is found after ``max_tries`` draws (cannot happen on the embedded data).
        """
        inner = self._inner(island_id, inset_m)
        pin = prepared.prep(inner)
        x0, y0, x1, y1 = inner.bounds
        avoid_m = [self.to_m(*a) for a in (avoid or [])]
        cx = cy = 0.0
        if near is not None:
            cx, cy = self.to_m(*near)
        sep = min_sep_m
        sigma = sigma_m
        for t in range(max_tries):
            if t and t % 1000 == 0:
                sep /= 2
                sigma *= 1.5
            if near is None:
                x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
            else:
                x, y = cx + rng.normal(0.0, sigma), cy + rng.normal(0.0, sigma)
            if not pin.contains(Point(x, y)):
                continue
            if sep > 0 and any(math.hypot(x - ax, y - ay) < sep for ax, ay in avoid_m):
                continue
            lon, lat = self.to_lonlat(x, y)
            if self.island_contains(island_id, lon, lat):
                return lon, lat
        raise RuntimeError(f"no land point found on {island_id} after {max_tries} draws")

    def nearest_land(self, island_id: str, lon: float, lat: float, *, inset_m: float = 60.0
                     ) -> tuple[float, float, float]:
        """Nearest point on the island (``inset_m`` inland) to a point; ``(lon, lat, moved_m)``."""
        inner = self._inner(island_id, inset_m)
        x, y = self.to_m(lon, lat)
        p = Point(x, y)
        if inner.contains(p):
            return round(lon, 6), round(lat, 6), 0.0
        q = nearest_points(inner, p)[0]
        # step 1 m further inside to survive rounding
        dx, dy = q.x - x, q.y - y
        d = math.hypot(dx, dy)
        qx, qy = q.x + dx / d, q.y + dy / d
        lo, la = self.to_lonlat(qx, qy)
        return lo, la, round(d + 1.0, 1)

    def anchor(self, island_id: str, where: str) -> tuple[float, float]:
        """A point ``(lon, lat)`` in a part of the island: ``"S"``, ``"E"``, ``"NW"`` (bounds-based)."""
        x0, y0, x1, y1 = self._region[island_id].bounds
        w, h = x1 - x0, y1 - y0
        fx, fy = {"S": (0.5, 0.2), "E": (0.85, 0.5), "NW": (0.25, 0.75), "N": (0.5, 0.8),
                  "W": (0.15, 0.5)}[where]
        return self.to_lonlat(x0 + fx * w, y0 + fy * h)


# --------------------------------------------------------------------------- allocation


def island_populations(villages: pd.DataFrame, land: Land) -> dict[str, float]:
    """Estimated residents (all ages) per inhabited island (see module docstring, step 1).

    Parameters
    ----------
    villages
        With an ``island_id`` column.
    land
        For land areas inside the district (km²).

    Returns
    -------
    dict
        island id → persons (real, sums to :data:`POPULATION_2020`).
    """
    inhabited = sorted(set(villages["island_id"]))
    pop: dict[str, float] = {}
    for k, (n, _src) in ISLAND_POPULATION_ANCHORS.items():
        if k in inhabited:
            pop[k] = float(n)
    pop["ISL001"] = float(URBAN_POPULATION_2020 - ISLAND_POPULATION_ANCHORS["ISL014"][0])
    rest = [k for k in inhabited if k not in pop]
    remaining = POPULATION_2020 - sum(pop.values())
    areas = {k: land.region_area_km2(k) for k in rest}
    tot = sum(areas.values())
    for k in rest:
        pop[k] = remaining * areas[k] / tot
    return pop


def assign_islands(villages: pd.DataFrame) -> pd.Series:
    """Island id of each village (:data:`VILLAGE_ISLAND`, else :data:`TOWN_ISLAND`)."""
    return pd.Series([VILLAGE_ISLAND.get(vc, TOWN_ISLAND[tc]) for vc, tc in
                      zip(villages["village_code"], villages["town_code"])],
                     index=villages.index, name="island_id")


def generate_elderly(*, seed: int = SEED, land: Land | None = None) -> pd.DataFrame:
    """Elderly residents (60+) per village: 133 rows, total exactly 95,865.

    Parameters
    ----------
    seed
        Seed of the numpy generator placing synthetic village points.
    land
        Land sampler; default :meth:`Land.default`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ELDERLY_COLUMNS`, in village-code order; ``lon``/``lat`` EPSG:4326
        (6 decimals); ``coord_source`` is ``"sourced"``, ``"sourced_moved_to_land"`` or
        ``"synthetic"``; ``population_est`` and ``elderly_60plus`` are estimates (persons).

    Raises
    ------
    optimizer.errors.InputError
        If the embedded place files are invalid.
    """
    land = land or Land.default()
    rng = np.random.default_rng(seed)
    v = read_villages().sort_values("village_code").reset_index(drop=True)
    towns = read_towns().set_index("town_code")
    islands = read_islands().set_index("island_id")
    v["island_id"] = assign_islands(v)
    v["island_name_zh"] = [ISLAND_NAME_OVERRIDE.get(k) or islands.loc[k, "name_zh"]
                           for k in v["island_id"]]

    # population and elderly
    ipop = island_populations(v, land)
    w = v["kind"].map(KIND_WEIGHT).astype(float)
    if w.isna().any():  # pragma: no cover - guarded by the data
        raise ValueError(f"unknown village kind(s): {sorted(set(v.loc[w.isna(), 'kind']))}")
    wsum = w.groupby(v["island_id"]).transform("sum")
    pop_quota = np.array([ipop[k] for k in v["island_id"]]) * w / wsum
    v["population_est"] = largest_remainder(pop_quota.to_numpy(), POPULATION_2020)
    v["elderly_60plus"] = largest_remainder(
        pop_quota.to_numpy() * ELDERLY_60PLUS_2020 / POPULATION_2020, ELDERLY_60PLUS_2020)

    # points
    lons, lats, srcs, notes = [], [], [], []
    placed: list[tuple[float, float]] = []
    # sourced points first, so synthetic ones keep their distance
    for r in v.itertuples():
        if not math.isnan(r.lon) and land.island_contains(r.island_id, r.lon, r.lat):
            placed.append((r.lon, r.lat))
    for r in v.itertuples():
        note = ""
        if not math.isnan(r.lon):
            on = land.island_of(r.lon, r.lat)
            if on == r.island_id:
                lons.append(round(r.lon, 6)), lats.append(round(r.lat, 6))
                srcs.append("sourced"), notes.append(str(r.coord_note))
                continue
            if on == "":
                lo, la, moved = land.nearest_land(r.island_id, r.lon, r.lat)
                lons.append(lo), lats.append(la), srcs.append("sourced_moved_to_land")
                notes.append(f"sourced point ({r.lon:.6f}, {r.lat:.6f}) lies {moved:.0f} m off the "
                             f"GSHHG shoreline (reclaimed land?); moved to the nearest land point")
                placed.append((lo, la))
                continue
            note = (f"sourced party-branch point ({r.lon:.6f}, {r.lat:.6f}) lies on {on}, not on "
                    f"the village's island; synthetic point used. ")
        if r.village_code in DENGBU_ANCHORS:
            near, sigma = land.anchor(r.island_id, DENGBU_ANCHORS[r.village_code]), 400.0
            note += f"part of 登步岛 ({DENGBU_ANCHORS[r.village_code]}) from zh.wikipedia 登步岛"
        elif r.island_id == "ISL001":
            t = towns.loc[r.town_code]
            near, sigma = (float(t["lon"]), float(t["lat"])), TOWN_SIGMA_M[r.town_code]
            note += f"drawn around the {r.town_name} reference point (sd {sigma:.0f} m)"
        else:
            rep = islands.loc[r.island_id]
            t = towns.loc[r.town_code]
            tp = (float(t["lon"]), float(t["lat"]))
            near = tp if land.island_contains(r.island_id, *tp) else (float(rep["rep_lon"]),
                                                                      float(rep["rep_lat"]))
            sigma = 0.3 * math.sqrt(land.region_area_km2(r.island_id) * 1e6)
            note += f"drawn on the island around its town/representative point (sd {sigma:.0f} m)"
        if r.island_id == "ISL016":
            note += "; ISL016 is probably 白沙岛 (unsourced name match)"
        lo, la = land.sample(r.island_id, rng, near=near, sigma_m=sigma, inset_m=VILLAGE_INSET_M,
                             avoid=placed, min_sep_m=MIN_VILLAGE_SEPARATION_M)
        placed.append((lo, la))
        lons.append(lo), lats.append(la), srcs.append("synthetic"), notes.append(note.strip())
    v["lon"], v["lat"], v["coord_source"], v["coord_note"] = lons, lats, srcs, notes
    v["synthetic"] = True
    return v[list(ELDERLY_COLUMNS)].copy()


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    """Write a table deterministically (UTF-8, ``\\n`` line ends, floats as written, ``true/false``).

    Parameters
    ----------
    df
        Table; boolean columns are written as ``true``/``false``; float columns with up to 6
        decimals (coordinates are pre-rounded).
    path
        Output file (parent folders are created).

    Returns
    -------
    pathlib.Path
    """
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == bool:
            out[c] = out[c].map({True: "true", False: "false"})
        elif pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].map(lambda x: "" if pd.isna(x) else f"{x:.6f}".rstrip("0").rstrip("."))
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return path
