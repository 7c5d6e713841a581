#!/usr/bin/env bash
# Re-creates Tests/Fixtures/diff: real recordings for the diff and gate tests (docs/diff.md § Calibration).
#   aa-NN.folded        12 perf recordings of samples/src/workload.c, unchanged (A/A pairs: nothing may be flagged)
#   slow-NN.folded      6 recordings with hash_block doing 30% more work (a planted regression)
#   small-aa-NN.folded, small-slow-NN.folded   the same at a tenth of the sampling rate (-F 199, a few hundred
#                       samples each, the size of a few seconds of a Go CPU profile at 100 Hz): 12 unchanged, 12 slowed
#   big-aa-NN.folded    12 unchanged runs at 1999 Hz interleaved with the small ones: the same session, machine and
#                       neighbours, so that the noise of the two sizes can be compared (the aa-NN runs were recorded
#                       on another machine, whose function shares differ)
#   heap-base.pb.gz, heap-head.pb.gz   Go heap profiles of samples/src/goapp, head's churn allocating 30% more
# Usage: scripts/make-diff-fixtures.sh [large] [small] [heap]   (no argument: all three)
# Needs perf (Debian linux-perf), clang and golang-go, and a built pyrometer (PYROMETER_BIN or .build/release).
set -euo pipefail
cd "$(dirname "$0")/.."
PYROMETER=${PYROMETER_BIN:-.build/release/pyrometer}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-3.3}
sets=${*:-large small heap}
out=Tests/Fixtures/diff
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

clang -O1 -g -fno-omit-frame-pointer -fno-optimize-sibling-calls -o "$work/workload" samples/src/workload.c
record() {  # record NAME FREQUENCY ARGS...: frame-pointer call graphs, folded to sample counts
  local name=$1 frequency=$2; shift 2
  perf record -q -F "$frequency" -g -o "$work/$name.data" -- "$work/workload" "$@" >/dev/null
  perf script -i "$work/$name.data" 2>/dev/null | "$PYROMETER" fold --sample-type samples - > "$out/$name.folded"
  echo "$name: $(awk '{n += $NF} END {print n}' "$out/$name.folded") samples"
}
# (kill fails when the neighbour is already gone; under set -e that would skip the clean-up)
# A noisy neighbour, as on a shared machine: short memory-bandwidth bursts at random times on the other core, which
# slow the memory-bound functions more than the others and so move shares from run to run.
neighbour() {
  while :; do
    timeout "0.$((RANDOM % 3 + 1))" dd if=/dev/zero of=/dev/null bs=4M 2>/dev/null || true
    sleep "$((RANDOM % 2)).$((RANDOM % 9 + 1))"
  done
}
neighbour &
neighbour_pid=$!
trap 'kill $neighbour_pid 2>/dev/null || true; rm -rf "$work"' EXIT
# Interleaved, so that slow drifts of the machine's load fall on both sides alike.
if [[ " $sets " == *" large "* ]]; then
  for i in 01 02 03 04 05 06; do
    record "aa-$i" 1999 "$SECONDS_PER_RUN"
    record "slow-$i" 1999 "$SECONDS_PER_RUN" hash_block 30
  done
  for i in 07 08 09 10 11 12; do record "aa-$i" 1999 "$SECONDS_PER_RUN"; done
fi
# Small profiles: the same runs sampled ten times less often, so the between-run noise is the same as above and
# only the sampling noise grows; this is what tells an additive between-run variance from a constant multiplier.
if [[ " $sets " == *" small "* ]]; then
  for i in 01 02 03 04 05 06 07 08 09 10 11 12; do
    record "small-aa-$i" 199 "$SECONDS_PER_RUN"
    record "big-aa-$i" 1999 "$SECONDS_PER_RUN"
    record "small-slow-$i" 199 "$SECONDS_PER_RUN" hash_block 30
  done
fi
kill $neighbour_pid 2>/dev/null || true

if [[ " $sets " == *" heap "* ]]; then
  mkdir -p "$work/goapp"
  cp samples/src/goapp/main.go "$work/goapp/"
  (cd "$work/goapp" && export GOCACHE="$work/gocache" HOME="${HOME:-/root}" GOFLAGS=-mod=mod GOPROXY=off \
    && go mod init goapp >/dev/null 2>&1 && go build -o goapp . \
    && ./goapp -rounds 200000 -gc -cpu /dev/null -heap "$OLDPWD/$out/heap-base.pb.gz" >/dev/null \
    && ./goapp -rounds 200000 -gc -churn 5200 -cpu /dev/null -heap "$OLDPWD/$out/heap-head.pb.gz" >/dev/null)
fi
ls -l "$out"
