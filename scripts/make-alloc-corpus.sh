#!/usr/bin/env bash
# Records the allocation corpus (Tests/Fixtures/alloc/README.md): the C++ program in Tests/Fixtures/alloc/src,
# whose allocation sites and counts are known by construction, built as it is and with site_b allocating 30% more
# (-DSITE_B_PERCENT=130), and recorded with each allocation profiler this machine has.
# Usage: scripts/make-alloc-corpus.sh [TOOL...]    TOOL: dhat heaptrack jemalloc perf (default: all)
#   (needs g++ and swiftc; valgrind, heaptrack, libjemalloc2, and perf run as root, for their recordings)
set -euo pipefail
TOOLS=${*:-dhat heaptrack jemalloc perf}
wants() { [[ " $TOOLS " == *" $1 "* ]]; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/Tests/Fixtures/alloc
# A fixed build directory, so that the recordings name the same paths on every run.
WORK=/tmp/pyrometer-alloc
mkdir -p "$WORK" "$OUT/dhat" "$OUT/heaptrack"
# zstd: without it on PATH heaptrack writes .gz, and the corpus names .zst.
for tool in g++ swiftc zstd; do
  command -v "$tool" >/dev/null || { echo "make-alloc-corpus.sh: needs $tool (apt-get install $tool)" >&2; exit 2; }
done

build() { # name percent
  g++ -O2 -g -DSITE_B_PERCENT="$2" -o "$WORK/$1" "$OUT/src/sites.cpp"
}
build sites 100
build sites-b130 130
# The Swift program (swiftc's runtime allocates through swift_allocObject).
swiftc -O -g -module-name swsites -o "$WORK/swift-sites" "$OUT/src/sites.swift"
swiftc -O -g -module-name swsites -DSITE_B_MORE -o "$WORK/swift-sites-b130" "$OUT/src/sites.swift"

for name in sites sites-b130 swift-sites swift-sites-b130; do
  if wants dhat; then
    # Valgrind DHAT: exact counts of every allocation.
    (cd "$WORK" && valgrind -q --tool=dhat --num-callers=50 --dhat-out-file="$OUT/dhat/$name.json" "./$name" >/dev/null)
    echo "make-alloc-corpus.sh: $OUT/dhat/$name.json"
  fi
  if wants heaptrack; then
    # heaptrack: exact counts too, through its LD_PRELOAD hooks; it appends .zst to the name it is given.
    (cd "$WORK" && heaptrack -o "$OUT/heaptrack/$name" "./$name" >/dev/null)
    echo "make-alloc-corpus.sh: $OUT/heaptrack/$name.zst"
  fi
done
# jemalloc's heap profile (Debian's libjemalloc2 is built with profiling): every allocation sampled
# (lg_prof_sample:0), allocations counted as well as what is live at exit (prof_accum), dumped at exit. Its
# addresses are symbolized from the binaries kept in bin/ (the recordings name /tmp/pyrometer-alloc/...).
jemalloc=$(ls /usr/lib/*/libjemalloc.so.2 2>/dev/null | head -1 || true)
if ! wants jemalloc; then
  :
elif [ -n "$jemalloc" ]; then
  mkdir -p "$OUT/jemalloc" "$OUT/bin"
  for name in sites sites-b130; do
    rm -f "$WORK"/jeprof.*
    (cd "$WORK" && LD_PRELOAD=$jemalloc \
      MALLOC_CONF=prof:true,prof_accum:true,prof_final:true,lg_prof_sample:0,prof_prefix:$WORK/jeprof "./$name")
    mv "$WORK"/jeprof.*.heap "$OUT/jemalloc/$name.heap"
    cp "$WORK/$name" "$OUT/bin/$name"
    echo "make-alloc-corpus.sh: $OUT/jemalloc/$name.heap"
  done
else
  echo "make-alloc-corpus.sh: no libjemalloc.so.2 (apt-get install libjemalloc2): jemalloc profiles not made" >&2
fi
# perf probes on glibc's allocator, as `pyrometer record --alloc --tool perf` puts them (PerfAllocationRecorder),
# each call unwound from an 8 KiB stack copy: the recording itself (perf.data), and perf script's text of it with and
# without inline frames, all zstd-compressed. perf must lose nothing: the script stops if it did.
if wants perf; then
  [ "$(id -u)" = 0 ] || { echo "make-alloc-corpus.sh: perf probes need root" >&2; exit 2; }
  command -v perf >/dev/null || { echo "make-alloc-corpus.sh: needs perf (apt-get install linux-perf)" >&2; exit 2; }
  mkdir -p "$OUT/perf" "$OUT/bin"
  libc=/lib/x86_64-linux-gnu/libc.so.6
  group=pyrometer_alloc
  perf probe -q -d "$group:*" 2>/dev/null || true
  perf probe -q -x "$libc" "$group:pyrometer_malloc=__libc_malloc size=%di:u64"
  perf probe -q -x "$libc" "$group:pyrometer_calloc=__libc_calloc nmemb=%di:u64 size=%si:u64"
  perf probe -q -x "$libc" "$group:pyrometer_realloc=__libc_realloc ptr=%di:u64 size=%si:u64"
  trap 'perf probe -q -d "$group:*" 2>/dev/null || true' EXIT
  for name in sites sites-b130 swift-sites swift-sites-b130; do
    data=$WORK/$name.perf.data
    (cd "$WORK" && perf record -q -e "$group:pyrometer_malloc" -e "$group:pyrometer_calloc" \
      -e "$group:pyrometer_realloc" --filter 'ptr != 0' --call-graph dwarf,8192 -m 16384 -o "$data" "./$name" >/dev/null)
    if perf report -i "$data" --stats 2>/dev/null | grep -q LOST; then
      echo "make-alloc-corpus.sh: perf lost events recording $name; run again on a quieter machine" >&2
      exit 1
    fi
    zstd -q -19 -f "$data" -o "$OUT/perf/$name.perf.data.zst"
    perf script -i "$data" 2>/dev/null | zstd -q -19 -f -o "$OUT/perf/$name.perf.txt.zst"
    perf script --no-inline -i "$data" 2>/dev/null | zstd -q -19 -f -o "$OUT/perf/$name.noinline.perf.txt.zst"
    cp "$WORK/$name" "$OUT/bin/$name"
    echo "make-alloc-corpus.sh: $OUT/perf/$name.perf.data.zst (+ .perf.txt.zst, .noinline.perf.txt.zst)"
  done
  # A recording that lost events on purpose (4-page buffers): what the gate must refuse. Its text shows the losses
  # only with --show-lost-events.
  data=$WORK/sites-lossy.perf.data
  (cd "$WORK" && perf record -q -e "$group:pyrometer_malloc" -e "$group:pyrometer_calloc" \
    -e "$group:pyrometer_realloc" --filter 'ptr != 0' --call-graph dwarf,1024 -m 4 -o "$data" ./sites >/dev/null 2>&1)
  perf report -i "$data" --stats 2>/dev/null | grep -q LOST || { echo "make-alloc-corpus.sh: sites-lossy lost nothing" >&2; exit 1; }
  zstd -q -19 -f "$data" -o "$OUT/perf/sites-lossy.perf.data.zst"
  perf script --show-lost-events -i "$data" 2>/dev/null | zstd -q -19 -f -o "$OUT/perf/sites-lossy.perf.txt.zst"
  echo "make-alloc-corpus.sh: $OUT/perf/sites-lossy.perf.data.zst (+ .perf.txt.zst)"
  chmod 644 "$OUT"/perf/*  # perf writes its files for root alone
fi
# The demo's copies (samples/README.md).
mkdir -p "$ROOT/samples/alloc"
cp "$OUT/dhat/sites.json" "$ROOT/samples/alloc/sites.dhat.json"
cp "$OUT/dhat/sites-b130.json" "$ROOT/samples/alloc/sites-b130.dhat.json"
