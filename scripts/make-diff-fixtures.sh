#!/usr/bin/env bash
# Re-creates Tests/Fixtures/diff: real recordings for the diff and gate tests (see Tests/Fixtures/diff/README.md).
#   aa-NN.folded    12 perf recordings of samples/src/workload.c, unchanged (A/A pairs: nothing may be flagged)
#   slow-NN.folded  6 recordings with hash_block doing 30% more work (a planted regression)
#   heap-base.pb.gz, heap-head.pb.gz   Go heap profiles of samples/src/goapp, head's churn allocating 30% more
# Needs perf (Debian linux-perf), clang and golang-go, and a built pyrometer (PYROMETER_BIN or .build/release).
set -euo pipefail
cd "$(dirname "$0")/.."
PYROMETER=${PYROMETER_BIN:-.build/release/pyrometer}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-3.3}
out=Tests/Fixtures/diff
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

clang -O1 -g -fno-omit-frame-pointer -fno-optimize-sibling-calls -o "$work/workload" samples/src/workload.c
record() {  # record NAME ARGS...: 1999 Hz frame-pointer call graphs, folded to sample counts
  local name=$1; shift
  perf record -q -F 1999 -g -o "$work/$name.data" -- "$work/workload" "$@" >/dev/null
  perf script -i "$work/$name.data" 2>/dev/null | "$PYROMETER" fold --sample-type samples - > "$out/$name.folded"
  echo "$name: $(awk '{n += $NF} END {print n}' "$out/$name.folded") samples"
}
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
trap 'kill $neighbour_pid 2>/dev/null; rm -rf "$work"' EXIT
# Interleaved, so that slow drifts of the machine's load fall on both sides alike.
for i in 01 02 03 04 05 06; do
  record "aa-$i" "$SECONDS_PER_RUN"
  record "slow-$i" "$SECONDS_PER_RUN" hash_block 30
done
for i in 07 08 09 10 11 12; do record "aa-$i" "$SECONDS_PER_RUN"; done
kill $neighbour_pid 2>/dev/null || true

mkdir -p "$work/goapp"
cp samples/src/goapp/main.go "$work/goapp/"
(cd "$work/goapp" && export GOCACHE="$work/gocache" HOME="${HOME:-/root}" GOFLAGS=-mod=mod GOPROXY=off \
  && go mod init goapp >/dev/null 2>&1 && go build -o goapp . \
  && ./goapp -rounds 200000 -gc -cpu /dev/null -heap "$OLDPWD/$out/heap-base.pb.gz" >/dev/null \
  && ./goapp -rounds 200000 -gc -churn 5200 -cpu /dev/null -heap "$OLDPWD/$out/heap-head.pb.gz" >/dev/null)
ls -l "$out"
