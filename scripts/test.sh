#!/usr/bin/env bash
# Every test a change must pass: the Rust workspace, then the Python bindings (a wheel built
# with maturin into a local virtualenv, pytest against the `drsim` command).
#
#   bash scripts/test.sh            # both
#   cargo test --workspace          # the Rust tests only
#
# The Python step needs python3 (>= 3.9, with venv) and PyPI; see crates/drsim-py/ci.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo test --workspace"
cargo test --workspace

echo "== crates/drsim-py/ci.sh (Python bindings: maturin wheel into a virtualenv, pytest against the CLI)"
bash crates/drsim-py/ci.sh
