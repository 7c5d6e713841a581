#!/usr/bin/env bash
# The weekly flamegraph-diff job: add this week's profiles to the store, compare the week with the one before, write
# the differential flamegraph and a Markdown report, and exit 1 when something regressed (2 on errors).
#
#   scripts/weekly-diff.sh --service api [--week 2026-W47] [--store URL] [--type cpu] [--label k=v]... [--out DIR] [PROFILES...]
#
# PROFILES are files or directories of this week's profiles (any format pyrometer reads); each file is added with
# a host label taken from its name (canary-01.pb.gz -> host=canary-01) and the week's Monday as its time, whatever
# time the profile carries, so that it is filed under the week being compared. Without PROFILES, the week must already be in the store (e.g. added by each canary's own
# `pyrometer store add`). The week defaults to the current ISO week, the store to pyrometer's default (the embedded
# SQLite file) or $PYROMETER_STORE, the output directory to ./weekly-diff-WEEK. Set PYROMETER to the binary to use;
# by default the release build of this checkout is built and used.
#
# Writes DIR/diff.svg (differential flamegraph: red grew, blue shrank), DIR/report.md (the regression table for a
# pull request or a chat message) and DIR/report.json (the same, for scripts).
set -euo pipefail

service="" week="" store_args=() type_args=() labels=() out="" inputs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --service) service="$2"; shift 2 ;;
    --week) week="$2"; shift 2 ;;
    --store) store_args=(--store "$2"); shift 2 ;;
    --type) type_args=(--type "$2"); shift 2 ;;
    --label) labels+=(--label "$2"); shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "weekly-diff.sh: unknown option $1" >&2; exit 2 ;;
    *) inputs+=("$1"); shift ;;
  esac
done
[ -n "$service" ] || { echo "weekly-diff.sh: --service is required" >&2; exit 2; }
week="${week:-$(date -u +%G-W%V)}"
# The ISO week before: Monday of this week minus 7 days.
previous=$(python3 -c '
import datetime, sys
year, number = sys.argv[1].split("-W")
monday = datetime.date.fromisocalendar(int(year), int(number), 1) - datetime.timedelta(days=7)
print("%d-W%02d" % monday.isocalendar()[:2])' "$week") || { echo "weekly-diff.sh: --week must look like 2026-W47" >&2; exit 2; }
out="${out:-weekly-diff-$week}"

if [ -z "${PYROMETER:-}" ]; then
  root="$(cd "$(dirname "$0")/.." && pwd)"
  swift build -c release --package-path "$root" --product pyrometer >&2
  swift build -c release --package-path "$root" --product pyrometer-store >&2
  PYROMETER="$(swift build -c release --package-path "$root" --show-bin-path)/pyrometer"
fi
mkdir -p "$out"

# This week's profiles into the store.
for input in ${inputs[@]+"${inputs[@]}"}; do
  if [ -d "$input" ]; then files=("$input"/*); else files=("$input"); fi
  for file in "${files[@]}"; do
    [ -f "$file" ] || continue
    host=$(basename "$file"); host=${host%%.*}
    "$PYROMETER" store add ${store_args[@]+"${store_args[@]}"} --service "$service" --label "host=$host" \
      ${labels[@]+"${labels[@]}"} --time "$week" "$file" >/dev/null
  done
done

# The comparison: the flamegraph and Markdown report, then the JSON report, whose exit status is the job's.
"$PYROMETER" store diff ${store_args[@]+"${store_args[@]}"} --service "$service" ${type_args[@]+"${type_args[@]}"} \
  --base "$previous" --head "$week" --svg "$out/diff.svg" --format markdown -o "$out/report.md"
status=0
"$PYROMETER" store diff ${store_args[@]+"${store_args[@]}"} --service "$service" ${type_args[@]+"${type_args[@]}"} \
  --base "$previous" --head "$week" --format json -o "$out/report.json" --fail-on-regression || status=$?
echo "weekly-diff: $service $previous -> $week: $out/diff.svg, $out/report.md, $out/report.json" >&2
if [ "$status" -eq 1 ]; then echo "weekly-diff: regressions found (see $out/report.md)" >&2; fi
exit "$status"
