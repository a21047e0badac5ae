"""KPIs as a person reads them: every KPI of the main job has a bilingual label in the one
catalogue (optimizer/outputs/labels.py); summary.md and index.html print labels, site names and
reason labels (summary.json keeps the keys); index.html explains each code in Chinese too."""

from __future__ import annotations

import html as htmllib
import json
import re
from pathlib import Path

from optimizer.outputs.labels import DIALYSIS_KPI_LABELS, KPI_LABELS, STEP_LABELS, kpi_label
from optimizer.outputs.report import _value_text, site_names
from optimizer.outputs.sheets import KPI_LABELS as SHEET_KPI_LABELS
from optimizer.results import ACTIONS_ZH, REASONS


def _summary(run: Path) -> dict:
    return json.loads((run / "summary.json").read_text(encoding="utf-8"))


def test_every_kpi_of_the_baseline_run_has_a_label(baseline_run: Path) -> None:
    kpis = _summary(baseline_run)["kpis"]
    keys = {k for block in kpis.values() for k in block}
    assert len(keys) > 40
    assert sorted(keys - set(KPI_LABELS)) == []
    assert set(kpis) <= set(STEP_LABELS)
    for key in keys:
        zh, en, _ = KPI_LABELS[key]
        assert re.search(r"[\u4e00-\u9fff]", zh) and re.search(r"[A-Za-z]", en), key


def test_one_catalogue_shared_with_the_dialysis_summaries() -> None:
    assert SHEET_KPI_LABELS is DIALYSIS_KPI_LABELS
    assert all(KPI_LABELS[k] == v for k, v in DIALYSIS_KPI_LABELS.items())


def _kpi_table(page: str) -> list[list[str]]:
    block = page[page.index('<table id="kpis">'):]
    block = block[:block.index("</table>")]
    return [[htmllib.unescape(c) for c in re.findall(r"<td>(.*?)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", block, flags=re.S)][1:]


def test_summary_md_and_index_show_labels_not_keys(baseline_run: Path) -> None:
    data = _summary(baseline_run)
    keys = {k for block in data["kpis"].values() for k in block}
    md = (baseline_run / "summary.md").read_text(encoding="utf-8")
    rows = _kpi_table((baseline_run / "index.html").read_text(encoding="utf-8"))
    assert len(rows) == sum(len(b) for b in data["kpis"].values())
    for text in (md, "\n".join(" | ".join(r) for r in rows)):
        shown = set(re.findall(r"[a-z]+(?:_[a-z0-9]+)+", text))
        assert not shown & keys, shown & keys
        assert f"透析接送 Dialysis rides | 未安排行程 Trips unserved | " \
               f"{int(data['kpis']['dialysis']['trips_unserved'])}" in text
        # site ids become the names the run's tables give them
        names = site_names(baseline_run)
        new = data["kpis"]["meals"]["new_sites"]
        assert new and all(names[s] in text for s in new)
        assert not any(re.search(rf"\b{s}\b", text) for s in new)
        # reason codes become their labels
        assert f"{REASONS['CAPACITY'].label}: " \
               f"{data['kpis']['dialysis']['unserved_by_reason']['CAPACITY']}" in text
    assert "trips_unserved" in json.dumps(data)  # summary.json keeps the keys


def test_value_text() -> None:
    names = {"HX1": "海星食堂"}
    assert _value_text("new_sites", ["HX1", "HX2"], names) == "海星食堂, HX2"
    assert _value_text("new_sites", [], names) == "—"
    assert _value_text("approximate_roads", True, {}) == "是 yes"
    assert _value_text("covered_pct", 88.5, {}) == "88.5%"
    assert _value_text("total_driving_time_min", 759.6, {}) == "760 分钟 min"
    assert _value_text("unserved_by_reason", {"NO_SAILING": 2}, {}) == \
        "没有能按时衔接的航班 No sailing connects in time: 2"
    assert kpi_label("trips_unserved", ("en",)) == "Trips unserved"
    assert kpi_label("unknown_kpi") == "unknown_kpi"


def test_index_explains_codes_in_chinese_and_english(baseline_run: Path) -> None:
    page = (baseline_run / "index.html").read_text(encoding="utf-8")
    codes = page[page.index('<table id="codes">'):]
    codes = htmllib.unescape(codes[:codes.index("</table>")])
    shown = [c for c in re.findall(r"<code>([^<]+)</code>", codes) if c in REASONS]
    assert "CAPACITY" in shown and "NO_SAILING" in shown
    for c in shown:
        assert ACTIONS_ZH[c] in codes and REASONS[c].explanation in codes, c


def test_nested_kpis_read_by_their_labels() -> None:
    # the fleet-sizing block nests counts, a by-type table and reason codes: no key is shown
    block = {"vehicles_to_add": 3, "by_type": {"car (4+0) · 六横岛 · 06:00–20:30": 2},
             "not_servable_by_reason": {"NO_SAILING": 4}}
    text = _value_text("fleet_sizing", block, {})
    assert text == ("需增加车辆 Vehicles to add: 3; 按车型、岛屿和班次 By type, island and shift: "
                    "(car (4+0) · 六横岛 · 06:00–20:30: 2); 无法服务的原因 Not servable, by "
                    f"reason: ({REASONS['NO_SAILING'].label}: 4)")
    assert "fleet_sizing" in KPI_LABELS and "fleet_sizing_answer" in KPI_LABELS
