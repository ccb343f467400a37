#!/usr/bin/env bash
# The project's pinned uv (https://docs.astral.sh/uv/), installed on first use into .tools/uv.
# Every lock and install goes through it, so everyone resolves and installs the same way:
#
#   scripts/uv.sh lock --upgrade     refresh uv.lock to the newest versions pyproject.toml allows
#   scripts/uv.sh lock --check       fail if uv.lock no longer matches pyproject.toml (CI runs it)
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
uv=.tools/uv/bin/uv
if [[ ! -x "$uv" ]] || [[ "$("$uv" --version 2>/dev/null)" != "uv $UV_VERSION"* ]]; then
  echo "setup: installing uv $UV_VERSION into .tools/uv" >&2
  rm -rf .tools/uv
  python3 -m venv .tools/uv
  .tools/uv/bin/python -m pip install -qq --disable-pip-version-check "uv==$UV_VERSION"
fi
# Never download a Python: use the machine's python3 (requires-python in pyproject.toml).
export UV_PYTHON_DOWNLOADS=never
exec "$uv" "$@"
