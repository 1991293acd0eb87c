#!/usr/bin/env bash
# End to end on a real Slurm (issue 17): on this one machine, start munged, slurmctld and
# slurmd with a minimal single-node configuration in a temporary directory, run
# `drsim run --shard auto` as a 4-task job array and `drsim merge` as a job that depends on
# it (afterok), and check that the merged report equals a single-process run.
#
# Installs slurm-wlm, munge and python3 from Debian's packages when absent (as root); prints
# "SKIPPED: ..." and exits 0 only when it cannot install packages (not root, no apt-get).
# Exits non-zero with a message on any other failure. Stops exactly the daemons it started,
# by process id, whatever happens.
#
# Environment: E2E_TIMEOUT seconds for the jobs (default 300),
# DRSIM (a drsim binary: skips the build), CARGO_TARGET_DIR, KEEP=1 keeps the temporary
# directory.
set -euo pipefail
NAME=slurm-e2e
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/e2e-common.sh
. "$ROOT/scripts/e2e-common.sh"

TIMEOUT=${E2E_TIMEOUT:-300}
export PATH="$PATH:/usr/sbin:/sbin" # munged, slurmctld and slurmd live there
SHARDS=4 # the array 0-3 of shards.sbatch below
began=$(date +%s)

# --- Packages -----------------------------------------------------------------------------
missing=()
for cmd in sbatch slurmctld slurmd; do
    command -v "$cmd" >/dev/null 2>&1 || { missing+=(slurm-wlm); break; }
done
command -v munged >/dev/null 2>&1 || missing+=(munge)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
install_packages "${missing[@]}"
[ "$(id -u)" = 0 ] || skip "starting slurmd needs root (it runs jobs as their users)"
say "$(slurmd -V), $(munged --version 2>&1 | awk '{print $1; exit}')"

build_drsim

# --- Daemons, stopped on exit -------------------------------------------------------------
WORK=$(mktemp -d /tmp/drsim-slurm-e2e.XXXXXX)
PIDS=()        # the daemons this script started
JOBS=()        # the jobs it submitted
# Pids of processes (other than this shell) whose working directory or an open file is in
# the temporary directory.
leftovers() {
    case $WORK in /tmp/drsim-slurm-e2e.?*) ;; *) return 0 ;; esac # never a scan of "" or /
    find /proc/[0-9]*/cwd /proc/[0-9]*/fd -maxdepth 1 \( -lname "$WORK" -o -lname "$WORK/*" \) 2>/dev/null |
        cut -d/ -f3 | sort -u | grep -vx "$$" || true
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    if [ "${#JOBS[@]}" -gt 0 ] && [ "${#PIDS[@]}" -gt 0 ]; then
        # Jobs still queued or running (a failure or a timeout): cancel them while slurmctld
        # and slurmd are up, so that no job step outlives the daemons.
        scancel "${JOBS[@]}" 2>/dev/null
        for _ in $(seq 1 30); do
            [ -z "$(squeue -h -j "$(IFS=,; echo "${JOBS[*]}")" 2>/dev/null)" ] && break
            sleep 1
        done
    fi
    # Newest first: slurmd, slurmctld, munged.
    local i pid
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        pid=${PIDS[i]}
        kill -TERM "$pid" 2>/dev/null || continue
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "$NAME: pid $pid did not stop on SIGTERM: SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null
        fi
        wait "$pid" 2>/dev/null
    done
    # Any process still using the temporary directory (a job step, a slurmstepd finishing)
    # was started through these daemons: give it 10 s, then kill it by pid.
    cd /
    local left=()
    for _ in $(seq 1 20); do
        mapfile -t left < <(leftovers)
        [ "${#left[@]}" = 0 ] && break
        sleep 0.5
    done
    if [ "${#left[@]}" -gt 0 ]; then
        echo "$NAME: killing leftover processes of the test:" >&2
        ps -o pid,args -p "$(IFS=,; echo "${left[*]}")" >&2
        kill -KILL "${left[@]}" 2>/dev/null
    fi
    if [ "$rc" != 0 ]; then
        for log in "$WORK"/*.log "$WORK"/logs/*.log; do
            [ -s "$log" ] || continue
            echo "----- $log (last 30 lines)" >&2
            tail -n 30 "$log" >&2
        done
    fi
    if [ "${KEEP:-0}" = 1 ]; then
        echo "$NAME: kept $WORK" >&2
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for SECONDS WHAT PID COMMAND...: polls COMMAND every 0.5 s until it succeeds; fails if
# the daemon PID has died or SECONDS have passed.
wait_for() {
    local secs=$1 what=$2 pid=$3
    shift 3
    local deadline=$(($(date +%s) + secs))
    until "$@" >/dev/null 2>&1; do
        kill -0 "$pid" 2>/dev/null || fail "$what: the daemon (pid $pid) exited"
        [ "$(date +%s)" -lt "$deadline" ] || fail "$what: not ready after ${secs} s"
        sleep 0.5
    done
}

# A TCP port nobody listens on, from FROM upwards.
free_port() {
    local p=$1
    while (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
    echo "$p"
}

# munged: its own key, socket and files in the temporary directory.
mkdir -p "$WORK/munge" "$WORK/state" "$WORK/spool"
# munged wants its socket's directory searchable by all (the key file alone is private).
chmod 755 "$WORK" "$WORK/munge"
dd if=/dev/urandom of="$WORK/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$WORK/munge/munge.key"
SOCKET=$WORK/munge/munge.socket
munged --foreground --key-file="$WORK/munge/munge.key" --socket="$SOCKET" \
    --pid-file="$WORK/munge/munged.pid" --seed-file="$WORK/munge/munged.seed" \
    --log-file="$WORK/munged.log" >>"$WORK/munged.log" 2>&1 &
PIDS+=($!)
wait_for 30 munged "${PIDS[-1]}" bash -c "munge -n -S '$SOCKET' | unmunge -S '$SOCKET'"
say "munged up (pid ${PIDS[-1]})"

# slurm.conf: one node, this machine, with the CPUs and memory slurmd detects.
NODE=$(uname -n)
NODE=${NODE%%.*}
HW=$(slurmd -C | head -n 1)
case $HW in NodeName=*) ;; *) fail "slurmd -C printed no node line: $HW" ;; esac
HW=${HW#NodeName=* }                  # drop the NodeName=... word, keep CPUs=... RealMemory=...
CTLD_PORT=$(free_port 16817)
SLURMD_PORT=$(free_port $((CTLD_PORT + 1)))
export SLURM_CONF=$WORK/slurm.conf
cat >"$SLURM_CONF" <<EOF
# Written by scripts/slurm-e2e.sh: one node, no systemd, no cgroups, no accounting.
ClusterName=drsim-e2e
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCKET
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=600
NodeName=$NODE NodeAddr=127.0.0.1 $HW State=UNKNOWN
PartitionName=e2e Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -D -f "$SLURM_CONF" >>"$WORK/slurmctld.log" 2>&1 &
PIDS+=($!)
wait_for 60 slurmctld "${PIDS[-1]}" bash -c "scontrol ping | grep -q UP"
say "slurmctld up (pid ${PIDS[-1]}, port $CTLD_PORT)"

slurmd -D -f "$SLURM_CONF" -N "$NODE" >>"$WORK/slurmd.log" 2>&1 &
PIDS+=($!)
wait_for 60 slurmd "${PIDS[-1]}" bash -c "sinfo -h -n '$NODE' -o %T | grep -Eq '^(idle|mixed|allocated)'"
say "slurmd up (pid ${PIDS[-1]}), node $NODE: $(sinfo -h -n "$NODE" -o '%T, %c CPUs')"

# --- The jobs: docs/scale-out.md's recipe, word for word ---------------------------------
# $WORK plays the shared directory: the scenario, the job scripts, their logs and the shards.
cp "$ROOT/examples/scenarios/compare.toml" "$WORK/scenario.toml"
PATH="$(dirname "$DRSIM"):$PATH" # as `cargo install` would; sbatch passes PATH on to the jobs
export PATH
cd "$WORK"
mkdir -p out logs
cat >shards.sbatch <<'EOF'
#!/bin/bash
#SBATCH --job-name=drsim-shards
#SBATCH --array=0-3
#SBATCH --cpus-per-task=1
#SBATCH --output=logs/shard-%a.log
set -euo pipefail
drsim run scenario.toml --shard auto --shards 4 --trials 2000 --seed 42 \
    --threads "${SLURM_CPUS_PER_TASK:-1}" --json out/shard-{shard}.json \
    --checkpoint out/shard-{shard}.ckpt --resume
EOF
cat >merge.sbatch <<'EOF'
#!/bin/bash
#SBATCH --job-name=drsim-merge
#SBATCH --output=logs/merge.log
set -euo pipefail
drsim merge out/ --json all.json
EOF

# submit ARGS...: sbatch --parsable, recording the job id for cleanup; prints the id.
submit() {
    local id
    id=$(sbatch --parsable "$@") || fail "sbatch $* was refused"
    id=${id%%;*}
    JOBS+=("$id")
    echo "$id"
}

# wait_job ID WHAT: polls until job ID has COMPLETED; fails at once if it ended otherwise or
# can never start (a failed afterok dependency), and at the deadline.
deadline=$(($(date +%s) + TIMEOUT))
wait_job() {
    local id=$1 what=$2 line state reason
    while :; do
        line=$(scontrol show job -o "$id" 2>&1) || fail "scontrol show job $id: $line"
        state=$(sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' <<<"$line")
        reason=$(sed -n 's/.* Reason=\([^ ]*\).*/\1/p' <<<"$line")
        case $state in
            COMPLETED) return 0 ;;
            PENDING) [ "$reason" != DependencyNeverSatisfied ] ||
                fail "$what (job $id) can never run: a job it depends on (afterok) failed; see the job logs below" ;;
            CONFIGURING | RUNNING | COMPLETING) ;;
            *) fail "$what (job $id) ended $state; see the job logs below" ;;
        esac
        if [ "$(date +%s)" -ge "$deadline" ]; then
            squeue >&2 || true
            fail "the jobs did not finish within $TIMEOUT s (E2E_TIMEOUT)"
        fi
        sleep 1
    done
}

array=$(submit shards.sbatch)
merge=$(submit --dependency=afterok:"$array" merge.sbatch)
say "submitted array job $array (tasks 0-3) and merge job $merge (afterok:$array)"

# The single-process run to compare with, while the jobs run (same path, trials and seed).
drsim run scenario.toml --trials 2000 --seed 42 --json whole.json >logs/whole.log 2>&1 ||
    fail "the single-process run failed"

wait_job "$merge" "the merge job"
# Every array task must have succeeded (afterok says so; check it anyway).
tasks=$(scontrol show job -o "$array" | sed -n 's/.*JobState=\([A-Z_]*\).*ExitCode=\([0-9:]*\).*/\1 \2/p')
[ "$(grep -c '^COMPLETED 0:0$' <<<"$tasks")" = "$SHARDS" ] || fail "array tasks: $tasks"
for k in $(seq 1 "$SHARDS"); do
    [ -s "out/shard-$k.json" ] || fail "no out/shard-$k.json"
done
compare_reports all.json whole.json "$SHARDS Slurm array tasks (compare.toml, sbatch --array=0-3, --shard auto, merge job afterok)"

# --- Resuming a lost shard: the recipe of docs/scale-out.md --------------------------------
# Shard 3 (array task 2) is lost: merge names it, it is rerun alone, and the merge is redone.
rm out/shard-3.json all.json
if drsim merge out/ --json all.json 2>logs/missing.log; then
    fail "merge succeeded with shard 3 missing"
fi
grep -q "shard 3 of 4 is missing" logs/missing.log || fail "merge did not name the missing shard: $(cat logs/missing.log)"
say "merge without shard 3: $(cat logs/missing.log)"
rerun=$(submit --job-name=drsim-shard-3 --cpus-per-task=1 --output=logs/shard-3-rerun.log \
    --wrap='drsim run scenario.toml --shard 3/4 --trials 2000 --seed 42 --json out/shard-3.json --checkpoint out/shard-3.ckpt --resume')
merge=$(submit --dependency=afterok:"$rerun" merge.sbatch)
wait_job "$merge" "the second merge job"
JOBS=()
compare_reports all.json whole.json "the 4 shards after rerunning shard 3 alone (sbatch --wrap '... --shard 3/4 ...')"
say "passed in $(($(date +%s) - began)) s"
# The plain closing line CI reads: the two equality checks above.
say "2 passed, 0 failed"
