#!/usr/bin/env bash
# Set up powerplay on a fresh Debian/Ubuntu machine: system packages, a virtualenv in .venv with
# the locked versions of every dependency (uv.lock), the package (editable), and the compiled
# kernels. Safe to re-run.
#
#   scripts/setup.sh          everything needed to run experiments (no extras)
#   scripts/setup.sh --test   also every extra (Dask, Gymnasium, Weights & Biases, the tests), the
#                             contributors' checks (ruff, mypy, import-linter, deptry, pre-commit),
#                             and Chromium + ChromeDriver (Debian's) for the report's browser tests
#
# Versions come from uv.lock (refresh it with `scripts/uv.sh lock --upgrade`); people who
# `pip install powerplay` into their own environment get the ranges in pyproject.toml instead.
set -euo pipefail
cd "$(dirname "$0")/.."

test_setup=""
if [[ "${1:-}" == "--test" ]]; then
  test_setup=1
fi

# System packages, installed with one apt-get run. Graphviz's `dot` draws MDPs
# (plot_mdp_or_policy); the report's browser tests drive the system's headless Chromium through
# its ChromeDriver (nothing downloads a browser at run time). Everything else is Python.
packages=()
if ! command -v dot >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    packages+=(graphviz)
  else
    echo "setup: warning: Graphviz 'dot' not found and apt-get unavailable; MDP drawings will not work" >&2
  fi
fi
if [[ -n "$test_setup" ]] && ! { command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; }; then
  if command -v apt-get >/dev/null 2>&1; then
    packages+=(chromium chromium-driver)
  else
    echo "setup: warning: chromium/chromedriver not found and apt-get unavailable; the report's browser tests will skip" >&2
  fi
fi
if (( ${#packages[@]} )); then
  sudo_cmd=""
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd="sudo"; fi
  echo "setup: installing ${packages[*]} (apt-get)"
  $sudo_cmd apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${packages[@]}" >/dev/null
fi

# Exactly the locked versions (--locked: refuse a lock that does not match pyproject.toml).
# The base setup installs no extras and no dev tools: what a user of the README's first command gets.
if [[ -n "$test_setup" ]]; then
  sync_args=(--all-extras --group dev)
else
  sync_args=(--no-dev)
fi
# --compile-bytecode, and compileall for our own (editable) sources: every powerplay command then
# starts from cached bytecode, also where PYTHONDONTWRITEBYTECODE keeps Python from caching it
# itself (compiling ~600 modules costs about a second at each start there).
scripts/uv.sh sync --locked --quiet --compile-bytecode --python python3 "${sync_args[@]}"
.venv/bin/python -m compileall -q src/powerplay >/dev/null
.venv/bin/python -m powerplay.solvers.warmup
