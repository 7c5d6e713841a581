#!/usr/bin/env bash
# libFuzzer runs of every parser (Sources/pyrometer-fuzz/Fuzz.swift), built with -sanitize=fuzzer,address.
#
#   scripts/fuzz.sh --smoke              every target for FUZZ_SMOKE_SECONDS (default 20) seconds, after replaying
#                                        the regression inputs; part of CI (scripts/test.sh)
#   scripts/fuzz.sh TARGET [--time S]    one target for S seconds (default 3600), the corpus kept between runs
#   scripts/fuzz.sh --list               the targets
#
# Targets: perf-script, perf-data, pprof, folded, dhat, speedscope, heaptrack, heap-profile, sniff (the whole import path: format detection, gzip, then the
# parser detected), kallsyms (a --kallsyms file), perf-map (a JIT's /tmp/perf-PID.map), and serve's request parsers
# ingest-multipart, ingest-push, ingest-app-name, ingest-time and request-headers (docs/serve.md). Seeds come from the
# repository's fixtures and samples (Tests/Fixtures/fuzz/seeds/ where they have none); dictionaries from
# Tests/Fixtures/fuzz/*.dict. Every run has a timeout per input (-timeout) and a memory bound (-rss_limit_mb): a
# crash, a sanitizer report, a hang or a run-away allocation stops it, and the input is written to
# $FUZZ_DIR/TARGET/crash-* (or timeout-*, oom-*). A fixed bug's input goes to
# Tests/Fixtures/fuzz/regressions/TARGET/, which --smoke replays first.
#
# Environment: FUZZ_DIR (work directory, default /tmp/pyrometer-fuzz: corpora, artifacts), FUZZ_SMOKE_SECONDS,
# FUZZ_JOBS (parallel fuzzing processes for a long run, default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
FUZZ_DIR=${FUZZ_DIR:-/tmp/pyrometer-fuzz}
TARGETS=(perf-script perf-data pprof folded dhat speedscope heaptrack heap-profile sniff kallsyms perf-map
         ingest-multipart ingest-push ingest-app-name ingest-time request-headers)

die() { printf 'fuzz.sh: %s\n' "$*" >&2; exit 2; }

mode=${1:---smoke}
case "$mode" in
  --list) printf '%s\n' "${TARGETS[@]}"; exit 0 ;;
  --smoke) targets=("${TARGETS[@]}"); seconds=${FUZZ_SMOKE_SECONDS:-20} ;;
  -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
  *)
    [[ " ${TARGETS[*]} " == *" $mode "* ]] || die "unknown target '$mode' (scripts/fuzz.sh --list)"
    targets=("$mode"); seconds=3600
    shift
    while [ $# -gt 0 ]; do
      case "$1" in
        --time) seconds=${2:?--time needs seconds}; shift 2 ;;
        *) die "unknown option '$1'" ;;
      esac
    done
    ;;
esac

# Release code (the speed that finds bugs), instrumented for coverage and checked by AddressSanitizer. A scratch
# directory of its own: these flags must not reach the normal build.
echo "fuzz.sh: building pyrometer-fuzz (-sanitize=fuzzer,address, release)"
swift build -c release --product pyrometer-fuzz --scratch-path .build-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DPYROMETER_FUZZING >/dev/null \
  || die "swift build failed (run the command above without >/dev/null to see why)"
FUZZER=$ROOT/.build-fuzz/release/pyrometer-fuzz

# Seeds: small files of the target's format from the fixtures and samples (large ones only slow a run down).
seeds() { # target dir
  local target=$1 dir=$2
  mkdir -p "$dir"
  [ -z "$(ls -A "$dir")" ] || return 0
  case "$target" in
    perf-script) { find Tests/Fixtures/inferno samples -name '*.txt' -size -64k | grep -E 'perf|stacks'
                   echo Tests/Fixtures/alloc/perf/sites-lossy.perf.txt.zst
                   find Tests/Fixtures/fuzz/seeds/perf-script -type f; } ;;
    folded) find Tests/Fixtures samples -name '*.folded' -size -64k ;;
    pprof) find Tests/Fixtures/pprof -type f -size -64k \( -name '*.pb' -o -name '*.cpu' -o -name '*.heap' \
             -o -name '*.contention' -o -name '*.pb.gz' \) ;;
    perf-data) { find Tests/Fixtures/real -name perf.data.gz; echo Tests/Fixtures/alloc/perf/sites-lossy.perf.data.zst; } ;;
    sniff) { find Tests/Fixtures/diff samples -type f -size -64k | head -40; find Tests/Fixtures/alloc -type f; } ;;
    dhat) find Tests/Fixtures/alloc/dhat -name '*.json' ;;
    speedscope) find Tests/Fixtures/speedscope -name '*.json' ;;
    heaptrack) find Tests/Fixtures/alloc/heaptrack -name '*.zst' ;;
    heap-profile) find Tests/Fixtures/alloc/jemalloc Tests/Fixtures/pprof/profile/testdata -name '*.heap' ;;
    kallsyms) find Tests/Fixtures/fuzz/seeds/kallsyms -type f ;;
    perf-map) find Tests/Fixtures/real -name 'perf-*.map' ;;
    # pyrometer serve's request parsers (Sources/PyrometerServe): real request bodies, and seeds made by hand.
    ingest-multipart) { find Tests/Fixtures/serve -name '*.multipart.bin'; find Tests/Fixtures/fuzz/seeds/ingest-multipart -type f; } ;;
    ingest-push) { find Tests/Fixtures/serve -name 'py_push*'; find Tests/Fixtures/fuzz/seeds/ingest-push -type f; } ;;
    ingest-app-name|ingest-time|request-headers) find "Tests/Fixtures/fuzz/seeds/$target" -type f ;;
  esac | while read -r file; do
    local out="$dir/$(echo "$file" | tr '/' '_')"
    case "$file" in
      # The decompressing target gets gzip and zstd as they are; the parsers get the bytes they parse.
      *.gz) if [ "$target" = sniff ]; then cp "$file" "$out"; else gzip -dc "$file" > "${out%.gz}"; fi ;;
      *.zst) if [ "$target" = sniff ]; then cp "$file" "$out"; else zstd -qdc "$file" > "${out%.zst}"; fi ;;
      # A JIT map's lines are alike: its first lines seed as well as all of them, and keep executions fast.
      *.map) head -c 4096 "$file" > "$out" ;;
      *) cp "$file" "$out" ;;
    esac
  done
}

dictionary() {
  case "$1" in
    perf-data) echo "-dict=$ROOT/Tests/Fixtures/fuzz/perf-data.dict" ;;
    pprof) echo "-dict=$ROOT/Tests/Fixtures/fuzz/pprof.dict" ;;
    perf-script) echo "-dict=$ROOT/Tests/Fixtures/fuzz/perf-script.dict" ;;
    folded) echo "-dict=$ROOT/Tests/Fixtures/fuzz/folded.dict" ;;
    dhat) echo "-dict=$ROOT/Tests/Fixtures/fuzz/dhat.dict" ;;
    heaptrack) echo "-dict=$ROOT/Tests/Fixtures/fuzz/heaptrack.dict" ;;
    heap-profile) echo "-dict=$ROOT/Tests/Fixtures/fuzz/heap-profile.dict" ;;
    sniff) ;;
  esac
}

status=0
for target in "${targets[@]}"; do
  work=$FUZZ_DIR/$target
  corpus=$work/corpus
  mkdir -p "$work"
  seeds "$target" "$corpus"
  # perf.data seeds are whole recordings (tens of kB to 2 MB); the others stay small, and line-based maps smaller.
  case "$target" in
    perf-data) max_len=4194304 ;;
    kallsyms|perf-map) max_len=16384 ;;
    ingest-app-name|ingest-time|request-headers) max_len=4096 ;;
    *) max_len=65536 ;;
  esac
  common=(-timeout=10 -rss_limit_mb=2048 -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$work/")
  dict=$(dictionary "$target")
  [ -z "$dict" ] || common+=("$dict")

  regressions=$ROOT/Tests/Fixtures/fuzz/regressions/$target
  if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
    echo "fuzz.sh: $target: replaying $(ls "$regressions" | wc -l) regression inputs"
    PYROMETER_FUZZ_TARGET=$target "$FUZZER" "${common[@]}" "$regressions"/* > "$work/regressions.log" 2>&1 \
      || { echo "fuzz.sh: $target: a regression input fails again:"; tail -30 "$work/regressions.log"; status=1; continue; }
  fi

  echo "fuzz.sh: $target: fuzzing for $seconds s (corpus $corpus, $(ls "$corpus" | wc -l) inputs)"
  parallel=()
  # With -jobs, libFuzzer runs children that log to fuzz-N.log in the working directory.
  [ "${FUZZ_JOBS:-1}" -le 1 ] || parallel=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
  if (cd "$work" && PYROMETER_FUZZ_TARGET=$target "$FUZZER" "${common[@]}" -max_total_time="$seconds" \
        "${parallel[@]}" "$corpus") > "$work/fuzz.log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|cov: ' "$work/fuzz.log" | tail -3 | sed "s/^/  $target: /"
  else
    echo "fuzz.sh: $target: FOUND A PROBLEM (log: $work/fuzz.log)"
    grep -E 'ERROR|SUMMARY|Test unit written|==[0-9]+==' "$work/fuzz.log" | head -10
    status=1
  fi
done
exit $status
