#!/usr/bin/env bash
# `pyrometer serve` under load: 50 concurrent pushers send 5,000 profiles (half through /api/v1/profiles, half
# through Pyroscope's /ingest), into SQLite and into ClickHouse; the store must then hold each exactly once
# (scripts/load-push.py checks), and the push latencies are printed. Run by scripts/bench.sh, or alone.
#
# Usage: scripts/bench-ingest.sh
# Environment:
#   PYROMETER_BIN          the pyrometer binary, with pyrometer-serve beside it (default: build the release ones)
#   BENCH_DIR              work directory (default: /tmp/pyrometer-bench)
#   BENCH_INGEST_PUSHERS   concurrent pushers (default 50)
#   BENCH_INGEST_PROFILES  profiles in all (default 5000)
#   BENCH_INGEST_STORES    which stores: sqlite, clickhouse or both (default: sqlite,clickhouse)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH_DIR=${BENCH_DIR:-/tmp/pyrometer-bench}
PUSHERS=${BENCH_INGEST_PUSHERS:-50}
PROFILES=${BENCH_INGEST_PROFILES:-5000}
STORES=${BENCH_INGEST_STORES:-sqlite,clickhouse}
say() { printf '\n=== %s\n' "$*"; }
die() { printf 'bench-ingest.sh: %s\n' "$*" >&2; exit 1; }

if [ -z "${PYROMETER_BIN:-}" ]; then
  for product in pyrometer pyrometer-store pyrometer-serve; do
    swift build -c release --static-swift-stdlib --product "$product" >/dev/null || die "swift build failed"
  done
  PYROMETER_BIN="$(swift build -c release --static-swift-stdlib --show-bin-path)/pyrometer"
fi
PYRO=$PYROMETER_BIN
SERVE="$(dirname "$PYRO")/pyrometer-serve"
[ -x "$SERVE" ] || die "no pyrometer-serve beside $PYRO (swift build -c release --product pyrometer-serve)"

work=$BENCH_DIR/ingest
rm -rf "$work" && mkdir -p "$work"
server_pid=
stop_server() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; server_pid=; }
trap stop_server EXIT

run_store() { # name store
  say "Ingest load into $1: $PUSHERS pushers, $PROFILES profiles (samples/go-cpu.pb.gz, 2 sample types each)"
  "$SERVE" --listen 127.0.0.1:0 --store "$2" 2>"$work/serve.$1.log" &
  server_pid=$!
  local url=
  for _ in $(seq 100); do
    url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/serve.$1.log")
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "$url" ] || die "pyrometer serve did not start: $(cat "$work/serve.$1.log")"
  python3 "$ROOT/scripts/load-push.py" --url "$url" --pyrometer "$PYRO" --store "$2" \
    --profile "$ROOT/samples/go-cpu.pb.gz" --pushers "$PUSHERS" --profiles "$PROFILES" \
    || die "the load test against $1 failed"
  stop_server
}

[[ ",$STORES," == *",sqlite,"* ]] && run_store sqlite "sqlite:$work/profiles.sqlite"
if [[ ",$STORES," == *",clickhouse,"* ]]; then
  bash "$ROOT/scripts/clickhouse.sh" start >/dev/null || die "ClickHouse did not start"
  CLICKHOUSE_URL=$(bash "$ROOT/scripts/clickhouse.sh" url)
  database="pyrometer_ingest_$$"
  run_store clickhouse "${CLICKHOUSE_URL/http:/clickhouse:}/$database"
  curl -s "$CLICKHOUSE_URL" --data-binary "DROP DATABASE IF EXISTS $database" >/dev/null || true
fi
