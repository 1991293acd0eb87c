#!/usr/bin/env bash
# End to end with GNU parallel (issue 17): run `drsim run` as 4 shards under GNU parallel,
# in both documented forms (`--shard auto --shards 4`, which reads GNU parallel's
# PARALLEL_SEQ, and `--shard {#}/4`), merge each set and check that the merged report equals
# a single-process run. No daemons.
#
# Installs parallel and python3 from Debian's packages when absent (as root); prints
# "SKIPPED: ..." and exits 0 only when it cannot install packages (not root, no apt-get).
# Exits non-zero with a message on any other failure.
#
# Environment: DRSIM (a drsim binary: skips the build), CARGO_TARGET_DIR, KEEP=1 keeps the
# temporary directory.
set -euo pipefail
NAME=parallel-e2e
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/e2e-common.sh
. "$ROOT/scripts/e2e-common.sh"
began=$(date +%s)

missing=()
command -v parallel >/dev/null 2>&1 || missing+=(parallel)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
install_packages "${missing[@]}"
# Debian's moreutils also ships a `parallel`, a different program.
parallel --version 2>/dev/null | grep -q "GNU parallel" ||
    fail "$(command -v parallel) is not GNU parallel (moreutils' parallel?): install the Debian package parallel"
say "$(parallel --version | head -n 1)"

build_drsim

WORK=$(mktemp -d /tmp/drsim-parallel-e2e.XXXXXX)
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    cd /
    if [ "$rc" != 0 ]; then
        for log in "$WORK"/logs/*; do
            [ -s "$log" ] || continue
            echo "----- $log (last 30 lines)" >&2
            tail -n 30 "$log" >&2
        done
    fi
    if [ "${KEEP:-0}" = 1 ]; then echo "$NAME: kept $WORK" >&2; else rm -rf "$WORK"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- docs/scale-out.md's recipes, word for word -------------------------------------------
cp "$ROOT/examples/scenarios/compare.toml" "$WORK/scenario.toml"
PATH="$(dirname "$DRSIM"):$PATH" # as `cargo install` would
export PATH
cd "$WORK"
mkdir -p auto seq logs

# --shard auto: GNU parallel numbers its jobs 1, 2, … in PARALLEL_SEQ; -N0 runs one job per
# input line without adding it to the command.
seq 4 | parallel --will-cite --halt now,fail=1 -N0 \
    drsim run scenario.toml --shard auto --shards 4 --trials 2000 --seed 42 --threads 1 \
    --json 'auto/shard-{shard}.json' >logs/auto.log 2>&1 ||
    fail "parallel with --shard auto failed"
drsim merge auto/ --json auto.json >logs/auto-merge.log 2>&1 || fail "merge of auto/ failed"

# The same by flag: {#} is the job's sequence number, 1-based like K.
parallel --will-cite --halt now,fail=1 \
    drsim run scenario.toml --shard '{#}/4' --trials 2000 --seed 42 --threads 1 \
    --json 'seq/shard-{#}.json' ::: 1 2 3 4 >logs/seq.log 2>&1 ||
    fail "parallel with --shard {#}/4 failed"
drsim merge 'seq/shard-*.json' --json seq.json >logs/seq-merge.log 2>&1 || fail "merge of seq/shard-*.json failed"

drsim run scenario.toml --trials 2000 --seed 42 --json whole.json >logs/whole.log 2>&1 ||
    fail "the single-process run failed"

for k in 1 2 3 4; do
    [ -s "auto/shard-$k.json" ] || fail "no auto/shard-$k.json"
    [ -s "seq/shard-$k.json" ] || fail "no seq/shard-$k.json"
done
compare_reports auto.json whole.json "4 GNU parallel jobs (compare.toml, --shard auto --shards 4, merge auto/)"
compare_reports seq.json whole.json "4 GNU parallel jobs (compare.toml, --shard {#}/4, merge 'seq/shard-*.json')"
say "passed in $(($(date +%s) - began)) s"
# The plain closing line CI reads: the two equality checks above.
say "2 passed, 0 failed"
