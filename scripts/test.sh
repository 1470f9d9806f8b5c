#!/usr/bin/env bash
# The whole suite: lint, migrations, deploy check, pytest on SQLite and on PostgreSQL, browser tests.
# With --trace, also writes docs/requirements.md from what passed (SPEC IDs carried by tests).
set -uo pipefail
cd "$(dirname "$0")/.."
trace=0; [ "${1:-}" = "--trace" ] && trace=1
PY=.venv/bin/python
work=$(mktemp -d /tmp/anxin-test.XXXXXX)
# Its own directory outside $work: the postgres user must be able to enter it.
pgdir=$(mktemp -d /tmp/anxin-pg.XXXXXX)
cleanup() { bash scripts/pg.sh stop "$pgdir" >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
failed=()
step() { echo; echo "== $1"; }
run() { local name=$1; shift; if ! "$@"; then failed+=("$name"); fi; }

step "ruff"
run ruff .venv/bin/ruff check --quiet .

step "migrations are complete"
run makemigrations env ANXIN_DATA_DIR="$work/mig" DJANGO_SETTINGS_MODULE=anxin.config.settings.test \
  .venv/bin/anxin makemigrations --check --dry-run

step "deployment check (production settings)"
run check-deploy env ANXIN_DATA_DIR="$work/deploy" DJANGO_SETTINGS_MODULE=anxin.config.settings.production \
  ANXIN_ALLOWED_HOSTS=anxin.example.cn .venv/bin/anxin check --deploy --fail-level WARNING

step "system packages for the tests (postgresql, chromium)"
run system bash scripts/ensure-system.sh

tracefiles=()
pytest_run() {
  local label=$1; shift
  local tfile="$work/trace-$label.jsonl"; tracefiles+=("$tfile")
  env ANXIN_TRACE_FILE="$tfile" ANXIN_TRACE_LABEL="$label" "$@"
}

step "pytest on SQLite"
run pytest-sqlite pytest_run sqlite env -u DATABASE_URL $PY -m pytest -q -n 2 -m "not browser" -p no:randomly

step "pytest on PostgreSQL"
if url=$(bash scripts/pg.sh start "$pgdir"); then
  run pytest-postgresql pytest_run postgresql env DATABASE_URL="$url" $PY -m pytest -q -n 2 -m "not browser and not sqlite_only"
else
  failed+=("postgresql-start")
fi

step "browser tests (chromium, axe-core)"
run pytest-browser pytest_run browser env -u DATABASE_URL $PY -m pytest -q -m browser

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  status=1
else
  echo "All checks passed."
  status=0
fi

if [ $trace = 1 ]; then
  # Last, so its final line is "requirements proven: N/M".
  step "traceability"
  $PY scripts/traceability.py "${tracefiles[@]}" || status=1
fi
exit $status
