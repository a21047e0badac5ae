"""What people read: maps (folium, only here), route sheets, tables, reports, the privacy scan.

Each service's writer (``write_connectivity``, ``write_dialysis``, ``write_meals``) returns every
file it wrote; the runner lists them in ``index.html``.
"""

from optimizer.outputs.compare_map import coverage_diff_map as coverage_diff_map
from optimizer.outputs.compare_map import diff_runs as diff_runs
from optimizer.outputs.connectivity import write_connectivity as write_connectivity
from optimizer.outputs.coverage_map import coverage_map as coverage_map
from optimizer.outputs.dialysis import write_dialysis as write_dialysis
from optimizer.outputs.maps import assert_publishable as assert_publishable
from optimizer.outputs.maps import base_map as base_map
from optimizer.outputs.maps import personal_columns as personal_columns
from optimizer.outputs.maps import save_map as save_map
from optimizer.outputs.meals import write_meals as write_meals
from optimizer.outputs.network_map import network_map as network_map
from optimizer.outputs.privacy import scan_published as scan_published
from optimizer.outputs.route_map import save_route_map as save_route_map
from optimizer.outputs.sheets import write_public_summary as write_public_summary
from optimizer.outputs.sheets import write_route_sheets as write_route_sheets
from optimizer.outputs.xlsx import save_workbook as save_workbook

__all__ = ["assert_publishable", "base_map", "coverage_diff_map", "coverage_map", "diff_runs",
           "network_map", "personal_columns", "save_map", "save_route_map", "save_workbook",
           "scan_published", "write_connectivity", "write_dialysis", "write_meals",
           "write_public_summary", "write_route_sheets"]
