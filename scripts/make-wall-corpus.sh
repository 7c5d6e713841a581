#!/usr/bin/env bash
# Records the wall-clock corpus (Tests/Fixtures/wall/README.md): src/wallclock.c, whose main thread burns CPU,
# sleeps and waits on a mutex in known proportions and measures them itself, recorded by perf with sched_switch
# (off-CPU time) and cpu-clock (on-CPU time), DWARF call graphs. The program's own measurement is kept beside it.
# Usage: scripts/make-wall-corpus.sh      (as root, or with kernel.perf_event_paranoid <= -1 for tracepoints)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/Tests/Fixtures/wall
# A fixed build directory, so that the recordings name the same paths on every run.
WORK=/tmp/pyrometer-wall
mkdir -p "$WORK" "$OUT/bin"
for tool in gcc perf zstd; do
  command -v "$tool" >/dev/null || { echo "make-wall-corpus.sh: needs $tool" >&2; exit 2; }
done
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
  if perf report -i "$data" --stats 2>/dev/null | grep -q LOST; then
    echo "make-wall-corpus.sh: perf lost events; run again on a quieter machine" >&2
    exit 1
  fi
  zstd -q -19 -f "$data" -o "$OUT/$name.perf.data.zst"
  echo "make-wall-corpus.sh: $name: $(cat "$OUT/$name.measured.txt")"
done
# The text of the base recording, with and without inline frames.
perf script -i "$WORK/wallclock.perf.data" 2>/dev/null | zstd -q -19 -f -o "$OUT/wallclock.perf.txt.zst"
perf script --no-inline -i "$WORK/wallclock.perf.data" 2>/dev/null \
  | zstd -q -19 -f -o "$OUT/wallclock.noinline.perf.txt.zst"
chmod 644 "$OUT"/*.zst
echo "make-wall-corpus.sh: $OUT/wallclock*.perf.data.zst, wallclock.perf.txt.zst, wallclock.noinline.perf.txt.zst"
