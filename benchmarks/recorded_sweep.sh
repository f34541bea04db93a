#!/bin/sh
# A seeded false-alarm sweep that survives interruption: one `verify selftest --false-alarms 1
# --record DIR` call per seed, at a pinned revision, skipping seeds already recorded in DIR.
# A sweep of 40 seeds takes 2-3 hours on 2 cores (3-4 min a seed alone, measured at 883d6de on an
# AMD EPYC); rerun the same command to go on. Pool the records with `verify selftest --pool DIR`,
# which refuses records of other judging code.
#
# Run from the repository root: sh benchmarks/recorded_sweep.sh REV DIR SEED...
#   REV   the revision to judge with (a worktree of it is made in $SWEEP_TREE, default
#         /tmp/sweep-REV, with its own venv)
#   DIR   where the records go (seed-NNNNN.json); a log per seed goes to DIR/logs/
# A record's identity includes the library versions, so a sweep that goes on in a new venv must
# install the same ones: SWEEP_CONSTRAINTS=FILE passes FILE to pip as constraints (the committed
# sweeps keep theirs beside their records, as constraints.txt).
# Example: sh benchmarks/recorded_sweep.sh 03a231e /tmp/sweeprec $(seq 10 40)
set -eu
if [ $# -lt 3 ]; then
    echo "usage: sh benchmarks/recorded_sweep.sh REV DIR SEED..." >&2
    exit 2
fi
rev=$1
records=$(realpath -m "$2")
shift 2
tree=${SWEEP_TREE:-/tmp/sweep-$rev}
constraints=${SWEEP_CONSTRAINTS:+$(realpath "$SWEEP_CONSTRAINTS")}
if [ ! -d "$tree" ]; then
    git worktree add --detach "$tree" "$rev"
    (cd "$tree" && python3 -m venv .venv && . .venv/bin/activate \
        && pip install -q torch==2.13.0 && pip install -q ${constraints:+-c "$constraints"} -e '.[dev]')
fi
if [ "$(git -C "$tree" rev-parse HEAD)" != "$(git rev-parse "$rev^{commit}")" ]; then
    echo "$tree is not at $rev; remove it or set SWEEP_TREE" >&2
    exit 2
fi
mkdir -p "$records/logs"
cd "$tree"
. .venv/bin/activate
for seed in "$@"; do
    record=$records/seed-$(printf %05d "$seed").json
    [ -e "$record" ] && continue
    echo "seed $seed: start $(date -u +%FT%TZ)"
    # Niced, so that the machine stays usable; a seed takes 3-4 min alone on 2 cores.
    if nice -n 10 verify selftest --false-alarms 1 --first-seed "$seed" --record "$records" \
        > "$records/logs/seed-$seed.log" 2>&1; then
        echo "seed $seed: clean $(date -u +%FT%TZ)"
    else
        echo "seed $seed: exit $? (see $records/logs/seed-$seed.log)"
    fi
done
