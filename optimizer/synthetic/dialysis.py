"""Synthetic haemodialysis patients and dialysis units for Putuo.

Patient count
-------------
Haemodialysis prevalence in mainland China at the end of 2021 was **519.3 per million population**
(Chinese National Renal Data System, CNRDS; presented by 陈香美 at the 2022 annual meeting of the
Chinese Medical Doctor Association nephrology branch, reported at
https://www.163.com/dy/article/HD4N4EL205149802.html). Applied to Putuo's 382,902 residents (2020
census): 382,902 × 519.3 / 10⁶ = 198.8 → **199 patients** (rounded half up). The CNRDS
end-2023 figure is "over 600 pmp" (≈ 230 patients); pass ``prevalence_pmp=`` for that scenario.

Assumptions (not sourced)
-------------------------
* Patients live in villages in proportion to the synthetic elderly counts (``elderly.csv``):
  haemodialysis patients are mostly older adults.
* 22 % use a wheelchair (:data:`WHEELCHAIR_SHARE`); every wheelchair user and 15 % of the others
  travel with an escort (:data:`ESCORT_SHARE_WALKING`).
* Three sessions a week, Mon/Wed/Fri (``MWF``) or Tue/Thu/Sat (``TTS``); two shifts starting
  07:30 and 12:00; 240 min per session (the usual 4-hour haemodialysis prescription). Patients are
  spread evenly over the four (days, shift) slots.
* All patients are assigned to ``U01`` (普陀医院 main campus, 东港), the only unit active by default;
  ``U02`` (六横分院) and ``U03`` (舟山医院, 定海) are scenario options whose dialysis capability is
  **unverified**.

Names are ``姓某名`` (the Chinese convention for anonymised names) and phones ``100-0000-NNNN``
(no Chinese mobile number starts with 100): clearly fake.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from optimizer.io.places import read_hospitals
from optimizer.synthetic.population import POPULATION_2020, SEED, Land

HD_PREVALENCE_PMP = 519.3
"""Haemodialysis prevalence, mainland China end-2021, per million population (CNRDS, see module)."""

WHEELCHAIR_SHARE = 0.22
"""Share of patients using a wheelchair (assumption; no Chinese source found)."""

ESCORT_SHARE_WALKING = 0.15
"""Share of walking patients travelling with an escort (assumption)."""

SESSION_DURATION_MIN = 240
"""Haemodialysis session length, minutes (standard 4-hour prescription)."""

SHIFT_STARTS = ("07:30", "12:00")
"""Session start times of the two daily shifts (assumption)."""

SCHEDULES = ("MWF", "TTS")
"""Weekly patterns: Mon/Wed/Fri or Tue/Thu/Sat (3 sessions a week)."""

HOME_SIGMA_M = 400.0
"""Spread (m, 1 sd) of synthetic homes around their village point."""

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
"""Common Chinese surnames used for fake names."""

GIVEN = "英华芳明国平秀兰建军玉珍海林伟红美云金凤德福根宝月娣"
"""Given-name characters used for fake names."""

PATIENT_COLUMNS = ("patient_id", "name", "phone", "village_code", "island_id", "lon", "lat",
                   "mobility", "escort", "schedule", "session_start", "duration_min", "unit_id",
                   "ride_service", "synthetic")
"""Columns of ``dialysis_patients.csv``."""

RIDE_SERVICE_MIN_DISTANCE_M = 3000.0
"""Straight-line distance (metres) from the unit beyond which a walking patient on the unit's own
road-linked island group is enrolled in the volunteer ride service (义载接送). ASSUMPTION (not
sourced): nearer patients walk, take the bus or are brought by family. Patients on islands not
joined to the unit by road or bridge, and every wheelchair user, are always enrolled."""

UNIT_ROAD_GROUP = frozenset({"ISL001", "ISL003", "ISL014"})
"""Islands joined to 普陀医院 (U01, 沈家门, 舟山岛) by road or the two sourced bridges:
舟山岛, 朱家尖 (朱家尖大桥) and 鲁家峙 (鲁家峙大桥); ``roads/road_facts.csv``."""

UNIT_COLUMNS = ("unit_id", "name_zh", "name_en", "hospital_id", "island_id", "lon", "lat",
                "coord_quality", "chairs", "open_time", "close_time", "days", "shift_starts",
                "session_duration_min", "active_default", "dialysis_verified", "synthetic", "note")
"""Columns of ``dialysis_units.csv``."""


def patient_count(*, prevalence_pmp: float = HD_PREVALENCE_PMP,
                  population: int = POPULATION_2020) -> int:
    """Number of haemodialysis patients: ``population × prevalence_pmp / 1e6``, rounded half up.

    Examples
    --------
    >>> patient_count()
    199
    """
    return int(math.floor(population * prevalence_pmp / 1e6 + 0.5))


def fake_name(rng: np.random.Generator) -> str:
    """A clearly fake anonymised Chinese name ``姓某名`` (e.g. ``王某英``)."""
    return SURNAMES[int(rng.integers(len(SURNAMES)))] + "某" + GIVEN[int(rng.integers(len(GIVEN)))]


def fake_phone(prefix: int, i: int) -> str:
    """A clearly fake phone number ``<prefix>-0000-<i:04d>`` (prefix 100–109 is not a mobile range)."""
    return f"{prefix}-0000-{i:04d}"


def generate_units(*, n_patients: int) -> pd.DataFrame:
    """Dialysis units: U01 普陀医院 (active), U02 六横分院 and U03 舟山医院 (scenario options).

    Parameters
    ----------
    n_patients
        Patients to fit at U01: chairs = ``ceil(n_patients / 4) + 2`` (two shifts × two weekly
        patterns, plus two spare chairs; an assumption, the real chair count is unknown).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`UNIT_COLUMNS`; coordinates from ``hospitals.csv`` (H01, H02 and H03 sourced
        points, see ``SOURCES.md``), EPSG:4326.
    """
    h = read_hospitals().set_index("facility_id")
    chairs_u01 = math.ceil(n_patients / (len(SHIFT_STARTS) * len(SCHEDULES))) + 2
    rows = [
        ("U01", "普陀医院血液透析室", "Putuo Hospital haemodialysis unit (Donggang)", "H01",
         "ISL001", chairs_u01, True,
         "position: 普陀医院 main campus, 东港街道文康街19号 (hospitals.csv H01, sourced); "
         "dialysis there is assumed, not sourced"),
        ("U02", "普陀医院六横分院血液透析室(情景)", "Putuo Hospital Liuheng branch (scenario)", "H03",
         "ISL002", 12, False,
         "scenario option: no source confirms dialysis at the Liuheng branch; H03 point is sourced"),
        ("U03", "舟山医院血液净化中心(情景)", "Zhoushan Hospital, Dinghai (scenario)", "H02",
         "ISL001", 40, False,
         "scenario option outside Putuo (定海); position: 舟山医院, 定沈路739号 (hospitals.csv H02, "
         "sourced)"),
    ]
    out = []
    for uid, zh, en, hid, isl, chairs, active, note in rows:
        r = h.loc[hid]
        out.append({
            "unit_id": uid, "name_zh": zh, "name_en": en, "hospital_id": hid, "island_id": isl,
            "lon": round(float(r["lon"]), 6), "lat": round(float(r["lat"]), 6),
            "coord_quality": str(r["coord_quality"]), "chairs": chairs, "open_time": "07:00",
            "close_time": "19:00", "days": "Mon-Sat", "shift_starts": ";".join(SHIFT_STARTS),
            "session_duration_min": SESSION_DURATION_MIN, "active_default": active,
            "dialysis_verified": False, "synthetic": True, "note": note,
        })
    return pd.DataFrame(out, columns=list(UNIT_COLUMNS))


def generate_patients(elderly: pd.DataFrame, *, seed: int = SEED, land: Land | None = None,
                      prevalence_pmp: float = HD_PREVALENCE_PMP,
                      n_patients: int | None = None) -> pd.DataFrame:
    """Synthetic haemodialysis patients for the whole district.

    Parameters
    ----------
    elderly
        ``elderly.csv`` table (village points and ``elderly_60plus`` weights).
    seed
        Seed; the generator uses the stream ``[seed, 2]``.
    land
        Land sampler; default :meth:`Land.default`.
    prevalence_pmp
        Haemodialysis patients per million residents (default :data:`HD_PREVALENCE_PMP`).
    n_patients
        Number of patients (``None`` = :func:`patient_count` of ``prevalence_pmp``); the scaled
        datasets of :mod:`optimizer.synthetic.scale` pass ``K x 199``.

    Returns
    -------
    pandas.DataFrame
        ``n_patients`` (default :func:`patient_count`) rows, columns :data:`PATIENT_COLUMNS`; homes (EPSG:4326) on land on
        the village's island within a few hundred metres of the village point.
    """
    land = land or Land.default()
    rng = np.random.default_rng([seed, 2])
    n = patient_count(prevalence_pmp=prevalence_pmp) if n_patients is None else int(n_patients)
    e = elderly.reset_index(drop=True)
    p = e["elderly_60plus"].to_numpy(dtype=float)
    idx = np.sort(rng.choice(len(e), size=n, p=p / p.sum()))
    n_wc = int(math.floor(n * WHEELCHAIR_SHARE + 0.5))
    wc = np.zeros(n, dtype=bool)
    wc[rng.choice(n, size=n_wc, replace=False)] = True
    walking = np.flatnonzero(~wc)
    esc = wc.copy()
    n_esc = int(math.floor(len(walking) * ESCORT_SHARE_WALKING + 0.5))
    esc[rng.choice(walking, size=n_esc, replace=False)] = True
    slots = [(s, t) for s in SCHEDULES for t in SHIFT_STARTS]
    order = rng.permutation(n)
    slot_of = np.empty(n, dtype=int)
    slot_of[order] = np.arange(n) % len(slots)
    h01 = read_hospitals().set_index("facility_id").loc["H01"]
    unit_lonlat = (float(h01["lon"]), float(h01["lat"]))  # U01, where every patient is assigned
    rows = []
    for k, vi in enumerate(idx):
        v = e.iloc[vi]
        lon, lat = land.sample(str(v["island_id"]), rng, near=(float(v["lon"]), float(v["lat"])),
                               sigma_m=HOME_SIGMA_M, inset_m=30.0)
        sched, start = slots[slot_of[k]]
        rows.append({
            "patient_id": f"DP{k + 1:03d}", "name": fake_name(rng), "phone": fake_phone(100, k + 1),
            "village_code": str(v["village_code"]), "island_id": str(v["island_id"]),
            "lon": lon, "lat": lat, "mobility": "wheelchair" if wc[k] else "walking",
            "escort": "yes" if esc[k] else "no", "schedule": sched, "session_start": start,
            "duration_min": SESSION_DURATION_MIN, "unit_id": "U01",
            "ride_service": "yes" if ride_service_enrolled(
                str(v["island_id"]), lon, lat, wheelchair=bool(wc[k]),
                unit_lonlat=unit_lonlat) else "no",
            "synthetic": True,
        })
    return pd.DataFrame(rows, columns=list(PATIENT_COLUMNS))


def ride_service_enrolled(island_id: str, lon: float, lat: float, *, wheelchair: bool,
                          unit_lonlat: tuple[float, float] = (122.320521, 29.984033)) -> bool:
    """Whether a synthetic patient is enrolled in the volunteer ride service (a documented rule).

    Enrolled: wheelchair users; patients on an island not road-linked to the unit
    (:data:`UNIT_ROAD_GROUP`); others farther than :data:`RIDE_SERVICE_MIN_DISTANCE_M` (straight
    line, metres) from the unit (default U01, 普陀医院 main campus in 东港, ``hospitals.csv`` H01,
    EPSG:4326).

    Examples
    --------
    >>> ride_service_enrolled("ISL002", 122.13, 29.74, wheelchair=False)
    True
    >>> ride_service_enrolled("ISL001", 122.318, 29.982, wheelchair=False)
    False
    """
    if wheelchair or island_id not in UNIT_ROAD_GROUP:
        return True
    dy = (lat - unit_lonlat[1]) * 111_320.0
    dx = (lon - unit_lonlat[0]) * 111_320.0 * math.cos(math.radians(lat))
    return math.hypot(dx, dy) > RIDE_SERVICE_MIN_DISTANCE_M
