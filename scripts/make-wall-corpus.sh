#!/usr/bin/env bash
# Records the wall-clock corpus (Tests/Fixtures/wall/README.md): src/wallclock.c, whose main thread burns CPU,
# sleeps and waits on a mutex in known proportions and measures them itself, recorded by perf with sched_switch
# (off-CPU time) and cpu-clock (on-CPU time), DWARF call graphs. The program's own measurement is kept beside it.
# Also a `perf sched record` of it (system-wide sched tracepoints, on-CPU time from sched_stat_runtime).
# Usage: scripts/make-wall-corpus.sh [--sched-only]   (as root, or kernel.perf_event_paranoid <= -1 for tracepoints)
#   --sched-only: records only the perf sched recording, of the committed bin/wallclock (the others stay as they are).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/Tests/Fixtures/wall
# A fixed build directory, so that the recordings name the same paths on every run.
WORK=/tmp/pyrometer-wall
mkdir -p "$WORK" "$OUT/bin"
for tool in gcc perf zstd; do
  command -v "$tool" >/dev/null || { echo "make-wall-corpus.sh: needs $tool" >&2; exit 2; }
done
# Refuses a recording from which perf lost events: every figure would be a lower bound.
refuse_lossy() {
  if perf report -i "$1" --stats 2>/dev/null | grep -q LOST; then
    echo "make-wall-corpus.sh: perf lost events; run again on a quieter machine" >&2
    exit 1
  fi
}
# `perf sched record` of 20 iterations: the sched tracepoints of every CPU, no clock event. Its own `-g` takes
# frame-pointer stacks, which end in libc here (no caller of nanosleep), so DWARF stacks, as in the others.
record_sched() {
  local data=$WORK/wallclock.sched.perf.data
  (cd "$WORK" && perf sched record -q --call-graph dwarf,8192 -m 16384 -o "$data" ./wallclock 20) \
    > "$OUT/wallclock.sched.measured.txt"
  refuse_lossy "$data"
  zstd -q -19 -f "$data" -o "$OUT/wallclock.sched.perf.data.zst"
  perf script -i "$data" 2>/dev/null | zstd -q -19 -f -o "$OUT/wallclock.sched.perf.txt.zst"
  perf script --no-inline -i "$data" 2>/dev/null | zstd -q -19 -f -o "$OUT/wallclock.sched.noinline.perf.txt.zst"
  chmod 644 "$OUT"/wallclock.sched.*
  echo "make-wall-corpus.sh: wallclock.sched: $(cat "$OUT/wallclock.sched.measured.txt")"
}
if [ "${1:-}" = --sched-only ]; then
  cp "$OUT/bin/wallclock" "$WORK/wallclock"
  record_sched
  exit 0
fi
# The program, and its variant whose nap sleeps 30% longer (the planted wall-time regression).
gcc -O2 -g -pthread -o "$WORK/wallclock" "$OUT/src/wallclock.c"
gcc -O2 -g -pthread -DNAP_MS=26 -o "$WORK/wallclock-nap130" "$OUT/src/wallclock.c"
for name in wallclock wallclock-nap130; do
  cp "$WORK/$name" "$OUT/bin/$name"
  data=$WORK/$name.perf.data
  # cpu-clock's frequency goes on the event itself: `-F 999` would put the tracepoint in frequency mode too, and
  # perf would keep only some of the switches.
  (cd "$WORK" && perf record -q -e sched:sched_switch -e cpu-clock/freq=999/ --call-graph dwarf,8192 -m 16384 \
    -o "$data" "./$name" 100) > "$OUT/$name.measured.txt"
  refuse_lossy "$data"
  zstd -q -19 -f "$data" -o "$OUT/$name.perf.data.zst"
  echo "make-wall-corpus.sh: $name: $(cat "$OUT/$name.measured.txt")"
done
# The text of the base recording, with and without inline frames.
perf script -i "$WORK/wallclock.perf.data" 2>/dev/null | zstd -q -19 -f -o "$OUT/wallclock.perf.txt.zst"
perf script --no-inline -i "$WORK/wallclock.perf.data" 2>/dev/null \
  | zstd -q -19 -f -o "$OUT/wallclock.noinline.perf.txt.zst"
chmod 644 "$OUT"/*.zst
record_sched
echo "make-wall-corpus.sh: $OUT/wallclock*.perf.data.zst, wallclock*.perf.txt.zst, wallclock*.noinline.perf.txt.zst"
