#!/usr/bin/env bash
# Records the allocation corpus (Tests/Fixtures/alloc/README.md): the C++ program in Tests/Fixtures/alloc/src,
# whose allocation sites and counts are known by construction, built as it is and with site_b allocating 30% more
# (-DSITE_B_PERCENT=130), and recorded with each allocation profiler this machine has.
# Usage: scripts/make-alloc-corpus.sh        (needs g++, swiftc, valgrind and heaptrack)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/Tests/Fixtures/alloc
# A fixed build directory, so that the recordings name the same paths on every run.
WORK=/tmp/pyrometer-alloc
mkdir -p "$WORK" "$OUT/dhat" "$OUT/heaptrack"
# zstd: without it on PATH heaptrack writes .gz, and the corpus names .zst.
for tool in g++ swiftc valgrind heaptrack zstd; do
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
  # Valgrind DHAT: exact counts of every allocation.
  (cd "$WORK" && valgrind -q --tool=dhat --num-callers=50 --dhat-out-file="$OUT/dhat/$name.json" "./$name" >/dev/null)
  echo "make-alloc-corpus.sh: $OUT/dhat/$name.json"
  # heaptrack: exact counts too, through its LD_PRELOAD hooks; it appends .zst to the name it is given.
  (cd "$WORK" && heaptrack -o "$OUT/heaptrack/$name" "./$name" >/dev/null)
  echo "make-alloc-corpus.sh: $OUT/heaptrack/$name.zst"
done
# jemalloc's heap profile (Debian's libjemalloc2 is built with profiling): every allocation sampled
# (lg_prof_sample:0), allocations counted as well as what is live at exit (prof_accum), dumped at exit. Its
# addresses are symbolized from the binaries kept in bin/ (the recordings name /tmp/pyrometer-alloc/...).
jemalloc=$(ls /usr/lib/*/libjemalloc.so.2 2>/dev/null | head -1 || true)
if [ -n "$jemalloc" ]; then
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
# The demo's copies (samples/README.md).
mkdir -p "$ROOT/samples/alloc"
cp "$OUT/dhat/sites.json" "$ROOT/samples/alloc/sites.dhat.json"
cp "$OUT/dhat/sites-b130.json" "$ROOT/samples/alloc/sites-b130.dhat.json"
