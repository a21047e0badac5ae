#!/usr/bin/env bash
# Set up (virtualenv + package) and run the main job on the embedded Putuo data.
# Usage: bash scripts/run.sh [SCENARIO] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e . 2>&1 | grep -v "^WARNING: Location" || true
scenario=${1:-scenarios/putuo-baseline.yaml}
out=${2:-out/$(basename "${scenario%.*}")}
exec .venv/bin/optimizer run "$scenario" --out "$out"
