#!/usr/bin/env bash
# Re-creates the perf captures in samples/ from the programs in samples/src (see samples/README.md).
# Needs perf (Debian linux-perf) and clang; run as root or with perf_event_paranoid <= 1 for kernel frames.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# clang keeps frame pointers in leaf functions (gcc 12 does not), and no sibling calls keeps every caller visible.
CFLAGS="-O1 -g -fno-omit-frame-pointer -fno-optimize-sibling-calls"
clang $CFLAGS -o "$work/hotspot" samples/src/hotspot.c

# Frame-pointer call graphs at 999 Hz: cpu-clock periods of ~1001001 ns.
perf record -q -F 999 -g -o "$work/hotspot.data" -- "$work/hotspot" 40 >/dev/null
perf script -i "$work/hotspot.data" 2>/dev/null | sed "s#$work/#/opt/samples/#g" > samples/hotspot.perf.txt

# DWARF call graphs print inlined frames as `(inlined)`: keep this capture short.
perf record -q -F 199 --call-graph dwarf,16384 -o "$work/hotspot-dwarf.data" -- "$work/hotspot" 10 >/dev/null
perf script -i "$work/hotspot-dwarf.data" 2>/dev/null | sed "s#$work/#/opt/samples/#g" > samples/hotspot-dwarf.perf.txt

ls -l samples/*.perf.txt

# Go CPU and heap profiles written by runtime/pprof (needs Debian's golang-go). -trimpath: the profiles name the
# sources goapp/main.go, goapp/encode.go, ... rather than the temporary directory.
# go-labels.pb.gz: the labelled CPU profile of `-serve-requests` (pprof.Do labels endpoint, request, stage; ~6.7 s of
# CPU at 250 Hz, ~1,600 samples), and the phase times the program measured itself in go-labels.measured.txt.
# Setting the rate before StartCPUProfile makes the runtime print "cannot set cpu profile rate": expected, dropped.
if command -v go >/dev/null 2>&1; then
  mkdir -p "$work/goapp"
  cp samples/src/goapp/*.go "$work/goapp/"
  (cd "$work/goapp" && export GOCACHE="$work/gocache" HOME="${HOME:-/root}" GOFLAGS=-mod=mod GOPROXY=off \
    && go mod init goapp >/dev/null 2>&1 && go build -trimpath -o goapp . \
    && ./goapp -cpu "$OLDPWD/samples/go-cpu.pb.gz" -heap "$OLDPWD/samples/go-heap.pb.gz" >/dev/null \
    && ./goapp -serve-requests 60 -cpu "$OLDPWD/samples/go-labels.pb.gz" >"$OLDPWD/samples/go-labels.measured.txt" \
         2> >(grep -v 'cannot set cpu profile rate' >&2 || true))
  ls -l samples/go-*.pb.gz samples/go-labels.measured.txt
fi
