#!/usr/bin/env bash
# The project's static checks, as CI runs them (after `scripts/setup.sh --test`):
#
#   scripts/check.sh            all of them
#
# Each is also one command of its own (see the README's Development section).
set -euo pipefail
cd "$(dirname "$0")/.."

failed=()
check() {
  local name=$1
  shift
  echo "== $name: $*"
  if ! "$@"; then
    failed+=("$name")
  fi
}

check "lock matches pyproject.toml" scripts/uv.sh lock --check --quiet
check "ruff lint" .venv/bin/ruff check src tests benchmarks tools
check "ruff format" .venv/bin/ruff format --check src tests benchmarks tools
check "mypy" .venv/bin/mypy
check "import contracts" .venv/bin/lint-imports --no-cache
check "declared dependencies" .venv/bin/deptry src
check "pre-commit config" .venv/bin/pre-commit validate-config .pre-commit-config.yaml

if (( ${#failed[@]} )); then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "all checks passed"
