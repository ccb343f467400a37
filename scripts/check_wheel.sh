#!/usr/bin/env bash
# Packaging as users get it: build a wheel from the checkout, install it (with the locked
# versions of its dependencies) into a fresh virtualenv outside the checkout, and run
# `powerplay selftest` there -- from a read-only install where the machine allows a read-only
# bind mount (then the compiled kernels must be cached outside the package).
#
#   scripts/check_wheel.sh [SAMPLES]      (default 300 reward samples per self-test run)
set -euo pipefail
cd "$(dirname "$0")/.."
samples=${1:-300}

work=$(mktemp -d /tmp/powerplay-wheel-XXXXXX)
cleanup() {
  if [[ -n "${mounted:-}" ]]; then umount "$mounted" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

scripts/uv.sh build --wheel --quiet --out-dir "$work/dist"
wheel=$(ls "$work"/dist/powerplay-*.whl)
echo "built $(basename "$wheel")"
scripts/uv.sh export --quiet --frozen --no-dev --no-hashes --no-emit-project --format requirements-txt -o "$work/locked.txt"
python3 -m venv "$work/venv"
scripts/uv.sh pip install --quiet --python "$work/venv/bin/python" --constraint "$work/locked.txt" "$wheel"

package=$("$work/venv/bin/python" -c 'import pathlib, powerplay; print(pathlib.Path(powerplay.__file__).parent)')
case "$package" in
  "$work"/venv/*) ;;
  *) echo "the wheel's powerplay was not the one imported ($package)" >&2; exit 1 ;;
esac
if mount --bind "$package" "$package" 2>/dev/null; then
  mounted=$package
  if mount -o remount,ro,bind "$package" 2>/dev/null; then
    echo "the installed package is read-only (bind mount)"
  else
    echo "note: read-only remount not permitted here; testing a writable install"
  fi
else
  echo "note: bind mounts not permitted here; testing a writable install"
fi

# Outside the checkout: nothing of the source tree can help.
mkdir -p "$work/run"
cd "$work/run"
# A fresh HOME: numba caches the kernels of a read-only install in the user cache (~/.cache).
HOME="$work/home" "$work/venv/bin/powerplay" selftest --samples "$samples"
