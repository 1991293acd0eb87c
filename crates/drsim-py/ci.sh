#!/usr/bin/env bash
# Tests of the Python bindings: builds the `drsim` wheel with maturin into a local virtualenv,
# builds the `drsim` command (the tests compare against it), runs pytest.
#
#   bash crates/drsim-py/ci.sh
#
# Needs python3 (>= 3.9, with venv) and PyPI (maturin, pytest, pyarrow, pandas; polars if it
# installs). Exits 0 with "SKIPPED: ..." only when PyPI cannot be reached; any other failure
# fails. crates/drsim-py/Cargo.lock is used but not enforced (--locked is not passed), so a
# dependency added to the library does not break this script. The virtualenv is kept in
# $CARGO_TARGET_DIR (default: target/) and reused.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
mkdir -p "$CARGO_TARGET_DIR"
CARGO_TARGET_DIR="$(cd "$CARGO_TARGET_DIR" && pwd)"
python="${PYTHON:-python3}"
venv="${DRSIM_PY_VENV:-$CARGO_TARGET_DIR/drsim-py-venv}"

if ! command -v "$python" >/dev/null 2>&1; then
    echo "drsim-py: $python not found: the Python bindings' tests need Python >= 3.9" >&2
    exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
    echo "== drsim-py: virtualenv $venv"
    rm -rf "$venv"
    if ! "$python" -m venv "$venv"; then
        echo "drsim-py: '$python -m venv' failed (Debian: apt-get install python3-venv)" >&2
        exit 1
    fi
fi
py="$venv/bin/python"
pip=("$py" -m pip --disable-pip-version-check --retries 5 --timeout 60)

echo "== drsim-py: pip install maturin pytest pyarrow pandas"
installed=false
for attempt in 1 2 3; do
    if "${pip[@]}" install --quiet "maturin>=1.9.4,<2" pytest pyarrow pandas; then
        installed=true
        break
    fi
    # Only an unreachable package index excuses a skip: ask it about pip itself.
    if ! "${pip[@]}" index versions pip >/dev/null 2>&1 && ! "${pip[@]}" download --quiet --no-deps \
        --dest "$CARGO_TARGET_DIR/drsim-py-probe" pip >/dev/null 2>&1; then
        if [ "$attempt" = 3 ]; then
            echo "SKIPPED: drsim-py Python tests: pip cannot reach the package index (PyPI) to install maturin, pytest, pyarrow and pandas"
            exit 0
        fi
    fi
    echo "drsim-py: pip install failed (attempt $attempt of 3); retrying in 10 s" >&2
    sleep 10
done
if [ "$installed" != true ]; then
    echo "drsim-py: pip install failed three times although the package index answers" >&2
    exit 1
fi
# Optional: Result.to_polars() is tested when polars installs.
"${pip[@]}" install --quiet polars >/dev/null 2>&1 || echo "drsim-py: polars not installed: its test skips"

echo "== drsim-py: cargo build --release -p drsim-cli (the tests compare against the CLI)"
(cd "$root" && cargo build --release -p drsim-cli)
export DRSIM_BIN="$CARGO_TARGET_DIR/release/drsim"

echo "== drsim-py: maturin build --release, pip install the wheel"
dist="$CARGO_TARGET_DIR/drsim-py-dist"
rm -rf "$dist"
(cd "$here" && VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" maturin build --release --interpreter "$py" --out "$dist")
"${pip[@]}" install --quiet --force-reinstall --no-deps --no-index "$dist"/drsim-*.whl

echo "== drsim-py: pytest"
# From the tests' folder, so that `import drsim` is the installed wheel, not the source tree.
cd "$here/tests"
"$py" -m pytest -p no:cacheprovider -q .
