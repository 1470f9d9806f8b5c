#!/usr/bin/env bash
# Regenerate docs/screenshots/*.png: the main pages in Simplified Chinese at 1366 px and 320 px,
# against a demo server started here on a throw-away data directory (nothing of ./var is used).
#   bash scripts/screenshots.sh            # writes docs/screenshots/
#   bash scripts/screenshots.sh OUT_DIR    # elsewhere
#   bash scripts/screenshots.sh OUT_DIR commissions,commission-rules   # only these pictures
# Needs Debian's chromium (scripts/ensure-system.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screenshots}
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export DJANGO_SETTINGS_MODULE=anxin.config.settings.local ANXIN_DATA_DIR=$data
export ANXIN_PORT=$port ANXIN_WEB_WORKERS=1 ANXIN_DEMO=1 ANXIN_DEMO_SCALE=small
[ -x .venv/bin/anxin ] || make install
# The server in its own process group, so that stopping it stops gunicorn too.
setsid .venv/bin/anxin serve --no-worker >"$data/serve.log" 2>&1 &
server=$!
stop() { kill -TERM -- "-$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data"; }
trap stop EXIT
for _ in $(seq 180); do
  if curl -fs -o /dev/null "http://127.0.0.1:$port/accounts/login/"; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then cat "$data/serve.log"; exit 1; fi
  sleep 1
done
.venv/bin/python scripts/screenshots.py "http://127.0.0.1:$port" "$out" ${2:+"$2"}
