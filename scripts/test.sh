#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine (run as root), then runs the whole test suite.
# Usage: scripts/test.sh [extra `swift test` arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: zlib (gzip input, pprof) and elfutils' libdw/libelf with libiberty (symbolization, demangling) to
# build; headless Chromium + chromedriver for the flamegraph browser tests; gzip for fixtures; golang-go for
# `go tool pprof`, which must read our pprof output; the symbolizer tests compile C, C++ and Rust fixtures (gcc,
# g++, clang, rustc), cross-check with llvm-symbolizer (llvm), strip them (binutils) and record with perf; the
# embedded profile store is SQLite (libsqlite3-dev, for GRDB), which python3 checks; valgrind and heaptrack record allocations;
# systemd-analyze verifies the unit files the deployment docs give.
packages=(zlib1g-dev libzstd-dev zstd pkg-config libdw-dev libelf-dev libiberty-dev chromium chromium-driver gzip golang-go gcc g++
  binutils llvm linux-perf libsqlite3-dev valgrind heaptrack python3 systemd)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Python packages: Selenium drives Chromium in the browser tests; Pyroscope's Python client (pyroscope-io, a real
# client of Pyroscope's Connect push API) pushes to `pyrometer serve` in the server tests.
if ! python3 -c 'import selenium' 2>/dev/null; then
  echo "test.sh: installing selenium"
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore selenium
fi
if ! python3 -c 'import pyroscope' 2>/dev/null; then
  echo "test.sh: installing pyroscope-io"
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore pyroscope-io==1.4.0
fi

# The fleet store's tests run against a real ClickHouse server (Debian's clickhouse-server, installed by the script
# when missing) on 127.0.0.1; stopped again at the end if this script started it.
if ! bash scripts/clickhouse.sh status 2>/dev/null; then
  bash scripts/clickhouse.sh start
  trap 'bash scripts/clickhouse.sh stop >/dev/null 2>&1 || true' EXIT
fi

swift build --build-tests
# Everything is installed now: a test whose tool is missing must fail, not skip (Tests/PyrometerTestSupport).
PYROMETER_REQUIRE_TOOLS=1 swift test --skip-build "$@"

# Every parser under libFuzzer and AddressSanitizer for a short bounded time, after replaying the inputs of fixed bugs
# (scripts/fuzz.sh; FUZZ_SMOKE_SECONDS per target, default 20).
bash scripts/fuzz.sh --smoke

# The suite again under AddressSanitizer and LeakSanitizer (a scratch directory of its own; leaks inside Foundation
# are suppressed by Tests/lsan.supp). The CLI tests run the ASan build of the programs, beside the test bundle.
swift build --build-tests --sanitize=address --scratch-path .build-asan
LSAN_OPTIONS=suppressions=$PWD/Tests/lsan.supp PYROMETER_REQUIRE_TOOLS=1 \
  swift test --skip-build --sanitize=address --scratch-path .build-asan "$@"

# And under ThreadSanitizer: the parallel parsers, the symbolizer's and unwinder's workers, the store's concurrent
# writers (the CLI tests run the TSan build of the programs, which sits beside the test bundle).
swift build --build-tests --sanitize=thread --scratch-path .build-tsan
PYROMETER_REQUIRE_TOOLS=1 swift test --skip-build --sanitize=thread --scratch-path .build-tsan "$@"
