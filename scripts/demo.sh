#!/usr/bin/env bash
# The main job on samples/: fold every capture, draw its flamegraph (and an icicle of merged callers), and list
# hotspots. Everything lands in out/. Builds Pyrometer in release mode first.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build dependency: zlib (Debian zlib1g-dev), installed when missing (as root).
if ! dpkg -s zlib1g-dev >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq zlib1g-dev pkg-config >/dev/null
fi

swift build -c release --static-swift-stdlib --product pyrometer
bin="$(swift build -c release --static-swift-stdlib --show-bin-path)/pyrometer"
mkdir -p out

for capture in samples/*.perf.txt; do
  name=$(basename "$capture" .perf.txt)
  "$bin" fold "$capture" -o "out/$name.folded"
  "$bin" flamegraph "$capture" --title "$name" -o "out/$name.svg"
  "$bin" flamegraph "$capture" --title "$name: merged callers (icicle)" --reverse --inverted -o "out/$name-callers.svg"
  "$bin" hotspots "$capture" --format markdown -o "out/$name-hotspots.md"
  echo "== $name: $(wc -l < "out/$name.folded") unique stacks -> out/$name.svg, out/$name-callers.svg"
  "$bin" hotspots "$capture" --limit 10
  echo
done
echo "Open out/*.svg in a browser: hover for details, click to zoom, Ctrl-F to search."
