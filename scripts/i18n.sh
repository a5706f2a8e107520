#!/usr/bin/env bash
# Update the translation catalogs after adding or changing English text in ui/text.py:
# extracts every message (Babel) into locales/messages.pot and merges it into
# locales/<lang>/LC_MESSAGES/messages.po by id, then lists what each language lacks.
# `bash scripts/i18n.sh check` changes nothing and fails if a catalog is stale or incomplete;
# `bash scripts/i18n.sh update fr` starts a French catalog. See docs/i18n.md.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/bootstrap.sh
exec .venv/bin/python -m ui.i18n "${@:-update}"
