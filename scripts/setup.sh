#!/usr/bin/env bash
# Set up powerplay on a fresh Debian/Ubuntu machine: system packages, a virtualenv in .venv,
# the package (editable), and the compiled kernels. Safe to re-run.
#
#   scripts/setup.sh          everything needed to run experiments
#   scripts/setup.sh --test   also the test, tracking, Gymnasium and Dask extras, and Chromium +
#                             ChromeDriver (Debian's packages) for the report's browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
if [[ "${1:-}" == "--test" ]]; then
  extras="[all]"
fi

# System packages, installed with one apt-get run. Graphviz's `dot` draws MDPs
# (plot_mdp_or_policy); the report's browser tests drive the system's headless Chromium through
# its ChromeDriver (nothing downloads a browser at run time). Everything else is pure Python.
packages=()
if ! command -v dot >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    packages+=(graphviz)
  else
    echo "setup: warning: Graphviz 'dot' not found and apt-get unavailable; MDP drawings will not work" >&2
  fi
fi
if [[ -n "$extras" ]] && ! { command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; }; then
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

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".${extras}"
.venv/bin/python -m powerplay.solvers.warmup
