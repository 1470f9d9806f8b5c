#!/usr/bin/env bash
# Installs uv (pinned) from PyPI into .tools/, using only the machine's Python 3.11.
set -euo pipefail
UV_VERSION=0.13.8
PY=$(command -v python3.11 || command -v python3 || true)
if [ -z "$PY" ]; then
  echo "anxin: Python 3.11 is needed (python3.11 or python3 on PATH)." >&2; exit 1
fi
if ! "$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "anxin: Python 3.11 is needed; $PY is $("$PY" -V 2>&1)." >&2; exit 1
fi
apt_install() {
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@";
  elif command -v sudo >/dev/null; then sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@";
  else echo "anxin: please install $* (Debian packages) and try again." >&2; exit 1; fi
}
rm -rf .tools
if ! "$PY" -m venv .tools >/dev/null 2>&1; then
  # Debian's Python lacks ensurepip until python3-venv is installed.
  rm -rf .tools
  apt_install python3-venv python3-pip
  "$PY" -m venv .tools
fi
.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==${UV_VERSION}"
echo "anxin: installed uv ${UV_VERSION} in .tools/"
