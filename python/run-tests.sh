#!/usr/bin/env bash
# Builds the detente Python package and runs its tests: a fresh virtualenv under /tmp (removed
# on exit), maturin + pytest + pandas + negmas + ray from PyPI, `maturin develop` into it, pytest.
# The Ray tests (tests/test_ray.py) start a local 2-CPU Ray cluster.
#
#   python/run-tests.sh [pytest args...]
#
# Environment: PYTHON (default python3), DETENTE_PY_EXTRAS (more pip packages),
# CARGO_TARGET_DIR (shared with cargo, so the workspace's compiled crates are reused).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-python3}"
venv="$(mktemp -d /tmp/detente-pytest.XXXXXX)"
trap 'rm -rf "$venv"' EXIT

started=$(date +%s)
"$python" -m venv "$venv"
# shellcheck disable=SC2086
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  "maturin>=1.9,<2" pytest pandas negmas ray ${DETENTE_PY_EXTRAS:-}
installed=$(date +%s)

cd "$here"
# The dev profile: quick to build, and fast enough for the tests. (Not `--profile test`: cargo
# builds a test harness executable there, which Python cannot load.)
VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" "$venv/bin/maturin" develop --quiet
built=$(date +%s)

set +e
"$venv/bin/python" -m pytest -q "$@"
status=$?
set -e
echo "python/run-tests.sh: pip $((installed - started)) s, build $((built - installed)) s, pytest $(($(date +%s) - built)) s"
if [ "$status" -eq 5 ]; then
  echo "python/run-tests.sh: pytest collected no tests; that is a failure here" >&2
  exit 1
fi
exit "$status"
