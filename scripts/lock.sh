#!/usr/bin/env bash
# Re-pin: edit pyproject.toml, run this, then `bash scripts/bootstrap.sh` and commit
# requirements.lock.txt. (A uv.lock would embed the registry's download addresses; this
# file holds only name==version.) Extra arguments go to `uv pip compile`, e.g.
# `bash scripts/lock.sh --upgrade` or `bash scripts/lock.sh --upgrade-package streamlit`.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never
bash scripts/bootstrap.sh --tools-only
.tools/bin/uv pip compile -q pyproject.toml --group dev --python-version 3.11 \
  -o requirements.lock.txt "$@"
# The runtime part (no test or lint tools) for the Dockerfile and Streamlit Community Cloud,
# at the lock's versions; tests/test_hosting.py checks that it matches the lock.
{
  sed -n '1,/^#     --no-header --no-annotate --quiet$/p' requirements.txt
  .tools/bin/uv pip compile pyproject.toml -c requirements.lock.txt --python-version 3.11 \
    --no-header --no-annotate --quiet
} > requirements.txt.new
mv requirements.txt.new requirements.txt
# Committed files must not name any package index or download address.
if grep -nE '://|^[[:space:]]*(-i|-f|--index-url|--extra-index-url|--find-links)' \
  requirements.lock.txt requirements.txt; then
  echo "lock.sh: a requirements file names an index or URL; fix before committing" >&2
  exit 1
fi
