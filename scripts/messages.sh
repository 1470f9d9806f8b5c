#!/usr/bin/env bash
# Refresh the catalogues from the source (needs GNU gettext: apt-get install gettext), fill the
# Traditional Chinese catalogue from the Simplified one where it has no translation yet, compile.
set -euo pipefail
cd "$(dirname "$0")/../src/anxin"
export ANXIN_DATA_DIR=$(mktemp -d) DJANGO_SETTINGS_MODULE=anxin.config.settings.test
../../.venv/bin/anxin makemessages -l zh_Hans -l zh_Hant --no-obsolete --no-location \
  --ignore "*/tests/*" --ignore "*/migrations/*" >/dev/null
../../.venv/bin/python ../../scripts/hant.py locale
../../.venv/bin/anxin compilemessages >/dev/null
rm -rf "$ANXIN_DATA_DIR"
echo "catalogues refreshed; untranslated entries are listed by: make test (test_i18n)"
