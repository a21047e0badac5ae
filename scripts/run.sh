#!/usr/bin/env bash
# Set up (virtualenv + package) and run the main job on the embedded Putuo data.
# Usage: bash scripts/run.sh [SCENARIO] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
if ! .venv/bin/python -m pip install -q --disable-pip-version-check -e . > .venv/pip-install.log 2>&1; then
  grep -v "^WARNING: Location" .venv/pip-install.log >&2; echo "error: pip install failed (log: .venv/pip-install.log)" >&2; exit 1
fi
scenario=${1:-scenarios/putuo-baseline.yaml}
out=${2:-out/$(basename "${scenario%.*}")}
exec .venv/bin/optimizer run "$scenario" --out "$out"
