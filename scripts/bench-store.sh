#!/usr/bin/env bash
# The profile store under load, in both backends: ingest ~10M sample rows (1000 profiles of 10,000 stacks, 10
# services, 2 ISO weeks), then time a week-over-week diff (from the weekly rollup), a one-service flamegraph of a
# week (rollup), and queries that must read sample rows (one host's profile; a service over a date range, which
# sums 100 profiles' rows). Run by scripts/bench.sh, or alone.
#
# Usage: scripts/bench-store.sh
# Environment:
#   PYROMETER_BIN          the pyrometer binary (default: build the release one)
#   BENCH_DIR              work directory (default: /tmp/pyrometer-bench); the store data goes under it
#   BENCH_STORE_PROFILES   profiles in all (default 1000; spread over 10 services and 2 weeks)
#   BENCH_STORE_STACKS     stacks per profile (default 10000)
#   BENCH_RUNS             timed runs per query (default 10)
#   BENCH_STORE_REUSE      1: keep the stores of the last run (same sizes) and time the queries only
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH_DIR=${BENCH_DIR:-/tmp/pyrometer-bench}
PROFILES=${BENCH_STORE_PROFILES:-1000}
STACKS=${BENCH_STORE_STACKS:-10000}
RUNS=${BENCH_RUNS:-10}
SERVICES=10
PER_BATCH=$((PROFILES / SERVICES / 2))
say() { printf '\n=== %s\n' "$*"; }
die() { printf 'bench-store.sh: %s\n' "$*" >&2; exit 1; }

if [ -z "${PYROMETER_BIN:-}" ]; then
  for product in pyrometer pyrometer-store; do
    swift build -c release --static-swift-stdlib --product "$product" >/dev/null || die "swift build failed"
  done
  PYROMETER_BIN="$(swift build -c release --static-swift-stdlib --show-bin-path)/pyrometer"
fi
PYRO=$PYROMETER_BIN
command -v hyperfine >/dev/null 2>&1 || die "hyperfine is missing (scripts/bench.sh installs it)"
bash "$ROOT/scripts/clickhouse.sh" start >/dev/null || die "ClickHouse did not start"
CLICKHOUSE_URL=$(bash "$ROOT/scripts/clickhouse.sh" url)

work=$BENCH_DIR/store
SQLITE="sqlite:$work/profiles.sqlite"
CLICKHOUSE="${CLICKHOUSE_URL/http:/clickhouse:}/pyrometer_bench"
reuse=0
if [ "${BENCH_STORE_REUSE:-0}" = 1 ] && [ -f "$work/profiles.sqlite" ] \
    && [ "$(curl -fsS --data-binary "SELECT count() FROM pyrometer_bench.profiles" "$CLICKHOUSE_URL/" 2>/dev/null)" = "$PROFILES" ]; then
  reuse=1
fi
if [ "$reuse" = 0 ]; then
rm -rf "$work"
mkdir -p "$work/batch"
curl -fsS --data-binary "DROP DATABASE IF EXISTS pyrometer_bench" "$CLICKHOUSE_URL/" >/dev/null

say "Store: ingest $PROFILES profiles x $STACKS stacks ($((PROFILES * STACKS / 1000000))M sample rows), $SERVICES services, 2 weeks"
# Each service has a pool of 1.2x STACKS stacks (frames from a few thousand names, depth 6-16); a profile takes
# STACKS of them with random values, so a service-week's rollup has about the pool's size.
declare -A ingest
for backend in sqlite clickhouse; do ingest[$backend]=0; done
for service in $(seq 0 $((SERVICES - 1))); do
  for week in 2026-W46 2026-W47; do
    rm -f "$work"/batch/*
    python3 - "$work/batch" "$service" "$week" "$PER_BATCH" "$STACKS" <<'PY'
import random, sys
out, service, week, count, stacks = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
pool_rng = random.Random(service)
names = [f"svc{service}::mod{m}::function_{f}" for m in range(60) for f in range(80)]
pool = []
for _ in range(int(stacks * 1.2)):
    depth = pool_rng.randint(6, 16)
    pool.append(f"svc{service};main;" + ";".join(pool_rng.choice(names) for _ in range(depth)))
rng = random.Random(f"{service}/{week}")
# A regression to find: one function grows in the second week.
hot = names[7]
for p in range(count):
    with open(f"{out}/host-{p:03d}.folded", "w") as f:
        for stack in rng.sample(pool, stacks):
            value = rng.randint(1, 400)
            if week == "2026-W47" and hot in stack:
                value = value * 3 // 2
            f.write(f"{stack} {value}\n")
PY
    for backend in sqlite clickhouse; do
      store=$SQLITE
      [ "$backend" = clickhouse ] && store=$CLICKHOUSE
      start=$(date +%s.%N)
      "$PYRO" store add --store "$store" --service "svc$service" --time "$week" "$work"/batch/*.folded >/dev/null \
        || die "store add into $backend failed"
      ingest[$backend]=$(awk -v t="${ingest[$backend]}" -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print t + e - s }')
    done
  done
done
rm -rf "$work/batch"
for backend in sqlite clickhouse; do
  awk -v t="${ingest[$backend]}" -v n="$((PROFILES * STACKS))" -v b="$backend" \
    'BEGIN { printf "  %-10s ingest %7.1f s  (%.0f rows/s)\n", b, t, n / t }'
done
echo "  sqlite file: $(du -sh "$work" | cut -f1)"
fi

say "Store: queries (hyperfine, $RUNS runs; whole commands, process start included)"
diff_args="--service svc3 --base 2026-W46 --head 2026-W47 --limit 5"
hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$work/hyperfine.store.json" \
  -n "sqlite: week diff (rollup)" "$PYRO store diff --store $SQLITE $diff_args" \
  -n "clickhouse: week diff (rollup)" "$PYRO store diff --store $CLICKHOUSE $diff_args" \
  -n "sqlite: week flamegraph (rollup)" "$PYRO flamegraph --store $SQLITE store:service=svc3,week=2026-W47 -o $work/week.svg" \
  -n "clickhouse: week flamegraph (rollup)" "$PYRO flamegraph --store $CLICKHOUSE store:service=svc3,week=2026-W47 -o $work/week-ch.svg" \
  -n "sqlite: one host (samples)" "$PYRO fold --store $SQLITE store:service=svc3,week=2026-W47,source=host-007.folded -o /dev/null" \
  -n "clickhouse: one host (samples)" "$PYRO fold --store $CLICKHOUSE store:service=svc3,week=2026-W47,source=host-007.folded -o /dev/null" \
  -n "sqlite: 2 weeks by dates (samples)" "$PYRO fold --store $SQLITE store:service=svc3,from=2026-11-09,to=2026-11-23 -o /dev/null" \
  -n "clickhouse: 2 weeks by dates (samples)" "$PYRO fold --store $CLICKHOUSE store:service=svc3,from=2026-11-09,to=2026-11-23 -o /dev/null" \
  > "$work/hyperfine.store.log" 2>&1 || { cat "$work/hyperfine.store.log"; die "hyperfine failed on the store"; }

# The diff's queries alone, inside each engine: what the rollup buys, without process start and the diff itself.
# They are the SQL the stores send (SQLiteStore.swift, ClickHouseStore.rawSamples), written out: keep them in step.
python3 - "$work/profiles.sqlite" "$CLICKHOUSE_URL" "$work/hyperfine.store.json" <<'PY'
import json, sqlite3, sys, time, urllib.request
path, url, hyperfine = sys.argv[1], sys.argv[2], sys.argv[3]
results = {r["command"]: r for r in json.load(open(hyperfine))["results"]}
for name, r in results.items():
    print(f"  {name:40s} {r['mean'] * 1000:8.1f} ms (median {r['median'] * 1000:.1f})")
def best(run, repeat=7):
    times = []
    for _ in range(repeat):
        start = time.perf_counter(); run(); times.append(time.perf_counter() - start)
    return min(times) * 1000
db = sqlite3.connect(path)
weeks = {w: db.execute("SELECT DISTINCT week_start FROM profiles WHERE service='svc3' ORDER BY 1").fetchall()[i][0]
         for i, w in enumerate(["2026-W46", "2026-W47"])}
rollup = """SELECT stacks.frames, t.value FROM (SELECT stack_hash, sum(value) AS value FROM weekly_rollup
            WHERE service = 'svc3' AND sample_type = 'samples' AND week_start IN (?) GROUP BY stack_hash) AS t
            JOIN stacks ON stacks.hash = t.stack_hash"""
raw = """SELECT stacks.frames, t.value FROM (SELECT stack_hash, sum(value) AS value FROM samples
         WHERE profile_id IN (SELECT id FROM profiles WHERE service = 'svc3' AND sample_type = 'samples' AND week_start = ?)
         GROUP BY stack_hash) AS t JOIN stacks ON stacks.hash = t.stack_hash"""
rows = len(db.execute(rollup, (weeks["2026-W47"],)).fetchall())
s_rollup = best(lambda: [db.execute(rollup, (weeks[w],)).fetchall() for w in weeks])
s_raw = best(lambda: [db.execute(raw, (weeks[w],)).fetchall() for w in weeks], 3)
def ch(sql):
    request = urllib.request.Request(url + "/?database=pyrometer_bench", data=sql.encode())
    return urllib.request.urlopen(request, timeout=120).read()
ch_rollup = """SELECT frames, value FROM (SELECT stack_hash, sum(value) AS value FROM weekly_rollup
    WHERE service = 'svc3' AND sample_type = 'samples' AND week_start = toDate('{w}') AND stack_hash != 0 GROUP BY stack_hash)
    ANY LEFT JOIN (SELECT hash AS stack_hash, frames FROM stacks) USING stack_hash FORMAT TabSeparated"""
ch_raw = """SELECT frames, value FROM (SELECT stack_hash, sum(value) AS value FROM samples
    WHERE profile_id IN (SELECT id FROM profiles WHERE service = 'svc3' AND sample_type = 'samples'
                         AND week_start = toDate('{w}')) AND service = 'svc3' AND sample_type = 'samples'
    GROUP BY stack_hash) ANY LEFT JOIN (SELECT hash AS stack_hash, frames FROM stacks) USING stack_hash FORMAT TabSeparated"""
mondays = {"2026-W46": "2026-11-09", "2026-W47": "2026-11-16"}
c_rollup = best(lambda: [ch(ch_rollup.format(w=mondays[w])) for w in mondays])
c_raw = best(lambda: [ch(ch_raw.format(w=mondays[w])) for w in mondays], 3)
everything = "SELECT stack_hash, sum(value) FROM samples GROUP BY stack_hash ORDER BY 2 DESC LIMIT 10"
s_all = best(lambda: db.execute(everything).fetchall(), 1)
c_all = best(lambda: ch(everything + " FORMAT TabSeparated"), 3)
print(f"  the diff's two week queries in the engine ({rows} stacks a week):")
print(f"    sqlite     rollup {s_rollup:7.1f} ms   sample rows {s_raw:8.1f} ms")
print(f"    clickhouse rollup {c_rollup:7.1f} ms   sample rows {c_raw:8.1f} ms")
print(f"  GROUP BY stack over all sample rows: sqlite {s_all:.0f} ms, clickhouse {c_all:.0f} ms ({s_all / c_all:.1f}x)")
PY
