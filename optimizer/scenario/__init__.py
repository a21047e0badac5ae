"""Scenarios: the YAML schema (built from the code's parameter classes), the registry of
services, one run, validation and comparison. ``optimizer run``/``validate``/``compare``/``replan`` call
these."""

from optimizer.scenario.compare import compare_runs as compare_runs
from optimizer.scenario.compare import compare_scenarios as compare_scenarios
from optimizer.scenario.compare import kpi_table as kpi_table
from optimizer.scenario.registry import SERVICES as SERVICES
from optimizer.scenario.replan import replan_run as replan_run
from optimizer.scenario.run import RunResult as RunResult
from optimizer.scenario.run import run_scenario as run_scenario
from optimizer.scenario.run import validate_scenario as validate_scenario
from optimizer.scenario.schema import Scenario as Scenario
from optimizer.scenario.schema import load_scenario as load_scenario

__all__ = ["SERVICES", "RunResult", "Scenario", "compare_runs", "compare_scenarios", "kpi_table",
           "load_scenario", "replan_run", "run_scenario", "validate_scenario"]
