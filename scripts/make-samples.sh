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
