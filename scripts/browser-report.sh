#!/usr/bin/env bash
# The HTML report in a real browser (issue 18): headless Chromium opens the report of
# examples/scenarios/compare.toml (with a horizon run) with JavaScript off, takes a screenshot
# and an A4 PDF, and checks that nothing was fetched from the network, no console error
# occurred, every comparison section starts a page in print, and the PDF has one page per
# section. Installs Debian's chromium when absent and playwright-core from npm (driving
# /usr/bin/chromium); both are cached.
#
#   bash scripts/browser-report.sh [OUT_DIR]     (default: $CARGO_TARGET_DIR/browser-report)
set -euo pipefail
NAME=browser-report
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=e2e-common.sh
source "$ROOT/scripts/e2e-common.sh"

command -v chromium >/dev/null 2>&1 || install_packages chromium
command -v node >/dev/null 2>&1 || install_packages nodejs npm
command -v npm >/dev/null 2>&1 || install_packages npm

target="${CARGO_TARGET_DIR:-$ROOT/target}"
mkdir -p "$target"
target="$(cd "$target" && pwd)"
out="${1:-$target/browser-report}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
tools="$target/browser-tools"
if [ ! -d "$tools/node_modules/playwright-core" ]; then
    say "npm install playwright-core (into $tools)"
    mkdir -p "$tools"
    retry npm install --silent --no-audit --no-fund --prefix "$tools" playwright-core@1 >/dev/null ||
        fail "npm could not install playwright-core"
fi

build_drsim
# Short relative paths: the report's provenance shows them, and its first page must fit.
cp "$ROOT/examples/scenarios/compare.toml" "$out/compare.toml"
cd "$out"
say "running compare.toml (2,000 trials) and its horizon (20 runs)"
"$DRSIM" run compare.toml --trials 2000 --seed 42 --json run.json >/dev/null
"$DRSIM" horizon compare.toml --trials 20 --json horizon.json >/dev/null
"$DRSIM" report run.json --horizon horizon.json -o report.html
say "opening $out/report.html in headless Chromium"
NODE_PATH="$tools/node_modules" node "$ROOT/scripts/browser/check-report.mjs" "$out/report.html" "$out" ||
    fail "the report failed in the browser (see above)"
say "OK: $out/report.png, $out/report.pdf"
