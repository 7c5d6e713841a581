#!/usr/bin/env bash
# The main job on samples/: fold every perf capture, draw its flamegraph (and an icicle of merged callers), and
# list hotspots; for the Go pprof profiles, a flamegraph, speedscope JSON and hotspots per sample type; then a
# week-over-week diff of canary profiles (samples/weekly) with its differential flamegraph, and CI gates on
# allocations (a Go heap profile, and a C++ program's exact counts from Valgrind DHAT); the history in the embedded
# store, and `pyrometer serve`'s web UI over it (left running in a terminal). Everything lands in out/.
# Builds Pyrometer in release mode first.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build dependencies: zlib, elfutils' libdw/libelf with libiberty for symbolization, and SQLite for the embedded
# profile store, and libcurl for FoundationNetworking (the ClickHouse client) in the static Swift runtime build
# (Debian packages), installed when missing (as root).
missing=()
for p in zlib1g-dev libzstd-dev pkg-config libdw-dev libelf-dev libiberty-dev libsqlite3-dev \
    libcurl4-openssl-dev; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Both programs, by product: a plain `swift build` would also link GRDB's dynamic library, which cannot take the
# static Swift runtime.
swift build -c release --static-swift-stdlib --product pyrometer
swift build -c release --static-swift-stdlib --product pyrometer-store
swift build -c release --static-swift-stdlib --product pyrometer-serve
swift build -c release --static-swift-stdlib --product pyrometer-push
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
# Go's runtime/pprof profiles: a flamegraph per profile, hotspots for every sample type, speedscope JSON.
for profile in samples/*.pb.gz; do
  name=$(basename "$profile" .pb.gz)
  "$bin" flamegraph "$profile" --title "$name" -o "out/$name.svg"
  "$bin" convert "$profile" --to speedscope -o "out/$name.speedscope.json"
  for type in $("$bin" convert "$profile" --to json | python3 -c 'import json,sys; print(" ".join(t["type"] for t in json.load(sys.stdin)["sampleTypes"]))'); do
    echo "== $name: $type"
    "$bin" hotspots "$profile" --sample-type "$type" --limit 5
  done
  echo
done
# Week over week: three canaries of last week against three of this week (CPU), with the differential flamegraph
# and a Markdown report; then the CI gate on the heap profiles of the same weeks.
echo "== weekly diff: samples/weekly/2026-W46 -> 2026-W47 (CPU canaries)"
"$bin" diff --base samples/weekly/2026-W46/canary-01.folded --base samples/weekly/2026-W46/canary-02.folded \
  --base samples/weekly/2026-W46/canary-03.folded --head samples/weekly/2026-W47/canary-01.folded \
  --head samples/weekly/2026-W47/canary-02.folded --head samples/weekly/2026-W47/canary-03.folded \
  --svg out/weekly-diff.svg --limit 6
"$bin" diff --base samples/weekly/2026-W46/canary-01.folded --base samples/weekly/2026-W46/canary-02.folded \
  --base samples/weekly/2026-W46/canary-03.folded --head samples/weekly/2026-W47/canary-01.folded \
  --head samples/weekly/2026-W47/canary-02.folded --head samples/weekly/2026-W47/canary-03.folded \
  --format markdown -o out/weekly-diff.md
echo "-> out/weekly-diff.svg, out/weekly-diff.md"
echo
echo "== gate: allocations may grow at most 10% (exit 1 expected: churn allocates 30% more)"
status=0
"$bin" gate samples/weekly/2026-W46/heap.pb.gz samples/weekly/2026-W47/heap.pb.gz --max-alloc-growth 10% \
  --format text --junit out/gate.xml || status=$?
echo "gate exit status: $status (0 pass, 1 violated, 2 error) -> out/gate.xml"
[ "$status" -le 1 ] || exit "$status"
echo
echo "== gate on a C++ program's exact allocation counts (Valgrind DHAT): site_b allocates 30% more, which moves"
echo "   the totals by less than 10%; the rule per function finds it (exit 1 expected)"
status=0
"$bin" gate samples/alloc/sites.dhat.json samples/alloc/sites-b130.dhat.json --max-alloc-growth 10% \
  --format text --junit out/gate-alloc.xml || status=$?
echo "gate exit status: $status (0 pass, 1 violated, 2 error) -> out/gate-alloc.xml"
[ "$status" -le 1 ] || exit "$status"
echo
# History: both weeks into the embedded store (a SQLite file, here out/profiles.sqlite so that the demo starts
# afresh), then the weekly job of scripts/weekly-diff.sh on the stored weeks, a trend and a flamegraph from the store.
store="sqlite:out/profiles.sqlite"
rm -f out/profiles.sqlite out/profiles.sqlite-wal out/profiles.sqlite-shm
for week in 2026-W46 2026-W47; do
  for canary in samples/weekly/$week/canary-*.folded; do
    "$bin" store add --store "$store" --service workload --label "host=$(basename "$canary" .folded)" --time "$week" \
      "$canary" >/dev/null
  done
  "$bin" store add --store "$store" --service goapp --time "$week" "samples/weekly/$week/heap.pb.gz" >/dev/null
done
echo "== store: $(sed -n 's/^sqlite://p' <<< "$store")"
"$bin" store list --store "$store"
echo
echo "== stored week-over-week diff (scripts/weekly-diff.sh; exit 1 expected: hash_block regressed)"
status=0
PYROMETER="$bin" scripts/weekly-diff.sh --store "$store" --service workload --week 2026-W47 --out out/weekly-store || status=$?
[ "$status" -le 1 ] || exit "$status"
sed -n '1,14p' out/weekly-store/report.md
"$bin" store diff --store "$store" --service goapp --type alloc_space --base 2026-W46 --head 2026-W47 --limit 3
"$bin" store trend --store "$store" --service workload --function hash_block --svg out/store-trend.svg
"$bin" flamegraph --store "$store" 'store:service=workload,week=2026-W47' --title "workload, 2026-W47 (3 canaries)" \
  -o out/store-week.svg
echo "-> out/weekly-store/, out/store-trend.svg, out/store-week.svg"
echo
echo "Open out/*.svg in a browser: hover for details, click to zoom, Ctrl-F to search."
echo
# The web UI over the same store: `pyrometer serve` on a free loopback port, one more profile pushed to it the way
# a CI job would. In a terminal it stays up until Ctrl-C; otherwise (a CI log) it is checked and stopped.
echo "== pyrometer serve on $(sed -n 's/^sqlite://p' <<< "$store")"
"$bin" serve --store "$store" --listen 127.0.0.1:0 2>out/serve.log &
serve_pid=$!
trap 'kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null' EXIT
url=
for _ in $(seq 100); do
  url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' out/serve.log)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat out/serve.log; exit 1; }
"$bin" push samples/go-labels.pb.gz --to "$url" --service goapp --label branch=demo
# The stored weeks as the UI's diff (hash_block regressed) and hash_block's trend.
diff_view="?service=workload&view=diff&from=2026-W46&to=2026-W47&head.from=2026-W47&head.to=2026-W48"
trend_view="?service=workload&view=trend&function=hash_block"
if [ -t 1 ]; then
  echo "Web UI: $url/  (services, flame graphs, top tables, downloads; Ctrl-C stops the server)"
  echo "  week-over-week diff: $url/$diff_view"
  echo "  trend of hash_block: $url/$trend_view"
  wait "$serve_pid"
else
  curl -fsS "$url/api/v1/services" >/dev/null && echo "Web UI was up at $url/ (stopped: not a terminal)"
  curl -fsS "$url/api/v1/diff?service=workload&week=2026-W46&head.week=2026-W47&top=3" >/dev/null \
    && curl -fsS "$url/api/v1/trend?service=workload&function=hash_block" >/dev/null \
    && echo "  its diff ($diff_view) and trend ($trend_view) answered"
fi
