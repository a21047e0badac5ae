#!/usr/bin/env bash
# Set up (virtualenv + package with test extras + Debian chromium and a CJK font for the browser
# checks) and run all tests.
# Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
if ! .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]" > .venv/pip-install.log 2>&1; then
  grep -v "^WARNING: Location" .venv/pip-install.log >&2; echo "error: pip install failed (log: .venv/pip-install.log)" >&2; exit 1
fi
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null) \
      || echo "warning: could not install Debian chromium; browser checks will fail" >&2
  else
    echo "warning: chromium missing and not root; install Debian 'chromium' for the browser checks" >&2
  fi
fi
# Screenshots of every browser check are kept under $OPTIMIZER_ARTIFACTS_DIR (default artifacts/
# when CI is set) for people to look at after the run.
rc=0
.venv/bin/python -m pytest -n 2 "$@" || rc=$?
shots="${OPTIMIZER_ARTIFACTS_DIR:-${CI:+artifacts}}"
if [ -n "$shots" ] && [ -d "$shots/screenshots" ]; then
  echo "browser screenshots: $(ls "$shots/screenshots" | wc -l) files in $(cd "$shots/screenshots" && pwd)"
fi
exit "$rc"
