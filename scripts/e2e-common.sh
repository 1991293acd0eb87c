# shellcheck shell=bash
# Shared by scripts/slurm-e2e.sh and scripts/parallel-e2e.sh (sourced, not run).
# Expects NAME (the script's name, for messages) and ROOT (the repository root).

say() { echo "$NAME: $*"; }
fail() {
    echo "$NAME: FAILED: $*" >&2
    exit 1
}
skip() {
    echo "SKIPPED: $NAME: $*"
    exit 0
}

# Runs "$@" up to three times (package mirrors can be briefly unreachable).
retry() {
    local i
    for i in 1 2 3; do
        "$@" && return 0
        [ "$i" = 3 ] || { say "'$*' failed (try $i of 3), retrying in $((5 * i)) s"; sleep $((5 * i)); }
    done
    return 1
}

# install_packages PKG... : installs the Debian packages given (call only for missing ones).
# Skips the script (exit 0, "SKIPPED: ...") when this machine cannot install packages: not
# root, or no apt-get. An apt-get that fails with both (after retries) is a failure.
install_packages() {
    [ "$#" -gt 0 ] || return 0
    if [ "$(id -u)" != 0 ]; then
        skip "needs the Debian packages $* and cannot install them (not root)"
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        skip "needs the Debian packages $* and cannot install them (no apt-get: not a Debian-like system)"
    fi
    say "installing $* with apt-get"
    local log policy_created=0
    log=$(mktemp)
    # Keep package scripts from starting services (a container has no init to start them
    # with, and this script starts the daemons it needs itself).
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        policy_created=1
    fi
    local ok=1
    export DEBIAN_FRONTEND=noninteractive
    retry apt-get update -qq >>"$log" 2>&1 &&
        retry apt-get install -y -qq --no-install-recommends "$@" >>"$log" 2>&1 || ok=0
    [ "$policy_created" = 1 ] && rm -f /usr/sbin/policy-rc.d
    if [ "$ok" = 0 ]; then
        tail -n 40 "$log" >&2
        rm -f "$log"
        fail "apt-get could not install $*"
    fi
    rm -f "$log"
}

# build_drsim: builds the release binary (honouring CARGO_TARGET_DIR, and taking the shared
# build lock /tmp/drsim-cargo.lock when it exists) and sets DRSIM to its absolute path.
# DRSIM set beforehand to an executable skips the build.
build_drsim() {
    if [ -n "${DRSIM:-}" ] && [ -x "$DRSIM" ]; then
        say "using DRSIM=$DRSIM"
        return 0
    fi
    command -v cargo >/dev/null 2>&1 || fail "cargo not found: drsim is built from source (install Rust with rustup)"
    local target=${CARGO_TARGET_DIR:-$ROOT/target}
    case $target in /*) ;; *) target=$ROOT/$target ;; esac
    local lock=()
    [ -e /tmp/drsim-cargo.lock ] && lock=(flock /tmp/drsim-cargo.lock)
    say "building drsim (cargo build --release -p drsim-cli)"
    (cd "$ROOT" && CARGO_TARGET_DIR=$target "${lock[@]}" cargo build --release --quiet -p drsim-cli) ||
        fail "cargo build failed"
    DRSIM=$target/release/drsim
    [ -x "$DRSIM" ] || fail "no binary at $DRSIM after the build"
}

# compare_reports MERGED WHOLE WHAT: checks that the merged report equals the single-process
# report, every key but `timing` (python3 reads the exact 128-bit integers of the state
# exactly; jq would round them to doubles). Prints one line saying so, or fails naming the
# first difference.
compare_reports() {
    local merged=$1 whole=$2 what=$3 line
    line=$(python3 - "$merged" "$whole" "$what" <<'EOF'
import json, sys

merged_path, whole_path, what = sys.argv[1:4]
a = json.load(open(merged_path))
b = json.load(open(whole_path))
if a.get("timing") is not None:
    sys.exit(f"{merged_path}: timing is not null: not a merged report")
a.pop("timing", None)
b.pop("timing", None)


def first_difference(x, y, path="$"):
    if type(x) is not type(y):
        return f"{path}: {x!r} vs {y!r}"
    if isinstance(x, dict):
        for k in sorted(set(x) | set(y)):
            if k not in x or k not in y:
                return f"{path}.{k}: only in {'the single run' if k not in x else 'the merged report'}"
            d = first_difference(x[k], y[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(x, list):
        if len(x) != len(y):
            return f"{path}: {len(x)} items vs {len(y)}"
        for i, (p, q) in enumerate(zip(x, y)):
            d = first_difference(p, q, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if x == y else f"{path}: {x!r} (merged) vs {y!r} (single run)"


d = first_difference(a, b)
if d:
    sys.exit(f"the merged report differs from the single-process run at {d}")
names = ", ".join(s["name"] for s in a["strategies"])
print(
    f"merged report of {what} equals the single-process run "
    f"(trials {a['trial_start']}..{a['trial_end']} of {len(a['strategies'])} strategies: {names}; "
    f"every key but timing, exact integers included)"
)
EOF
    ) || fail "comparison: see above"
    say "OK: $line"
}
