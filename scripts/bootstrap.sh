#!/usr/bin/env bash
# Idempotent: make .venv match requirements.lock.txt exactly, plus this checkout installed
# editable (`python -m simulator` and `service-gap` from any directory) (~35 s cold, ~1 s warm).
# uv lives in its own venv (.tools/) so syncing .venv never removes it.
# Falls back to plain pip (~60 s) if uv cannot be installed.
# `bootstrap.sh --tools-only` sets up .tools/ (uv) and stops (used by scripts/lock.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never # never try to download a CPython build
export UV_LINK_MODE=copy         # uv cache and repo may be on different filesystems
UV_VERSION=0.13.9
PY="$(python3 -c 'import sys; print(sys.executable)')" # real path, not the pyenv shim

have_uv() { [[ "$(.tools/bin/uv --version 2>/dev/null)" == "uv $UV_VERSION"* ]]; }

if ! have_uv; then
  { "$PY" -m venv .tools && .tools/bin/pip install -q "uv==$UV_VERSION"; } ||
    echo "bootstrap: could not install uv $UV_VERSION; falling back to pip" >&2
fi
if [ "${1:-}" = "--tools-only" ]; then
  have_uv
  exit
fi

[ -x .venv/bin/python ] || "$PY" -m venv .venv
if have_uv; then
  # --compile-bytecode: write the .pyc files now, as pip does. uv skips them by default, and
  # where PYTHONDONTWRITEBYTECODE is set (CI images, containers) every process would compile
  # pandas, scipy and Streamlit from source again: about 5 s of every server start and command.
  # The project itself (-e .) is synced with the lock: a plain sync would uninstall it and a
  # second install put it back on every run; synced together, a warm run changes nothing.
  .tools/bin/uv pip sync -q --compile-bytecode --python .venv/bin/python requirements.lock.txt \
    <(printf '%s\n' '-e .')
else
  .venv/bin/pip install -q -r requirements.lock.txt
  .venv/bin/pip install -q --no-deps -e .
fi
