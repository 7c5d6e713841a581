#!/usr/bin/env bash
# Re-creates the real-recording corpus in Tests/Fixtures/real/ from the programs in samples/src/corpus/
# (Tests/Fixtures/real/README.md says what each case is and what perf printed for it).
#
# Every program is built in a temporary directory, measures its own phases with the thread CPU clock and prints
# them to stderr (`phase NAME SECONDS`), and is recorded with perf. Each case folder gets (gzip-compressed: .gz):
#   perf.data           the recording itself (binary; its paths point into the deleted temporary directory)
#   perf.txt            `perf script`, noinline.perf.txt `perf script --no-inline`, nodemangle.perf.txt
#                       `perf script --no-demangle` (temporary dir -> /opt/corpus/)
#   phases.txt          the program's own timing
#   bin/PROGRAM         the program binary perf.data names (found with `--binary-path CASE/bin`, checked by build-id)
#   debug/BUILDID.debug the stripped case's debug file (a test lays it out as .build-id/xx/rest.debug for --debug-dir)
#   perf-PID.map        for Python and Java: the JIT map perf.data's JIT frames need
#   case.json           the design, the flagged functions and the shares measured in perf.txt
# Needs: perf, gcc/g++ 12, clang, rustc, swiftc + swift-demangle, javac/java 17, node 20, python3.12 (-X perf), jq,
# binutils (readelf, nm, c++filt, strip), llvm-addr2line (optional: the inline view of case 1, 2, 9).
# Run as root (or perf_event_paranoid <= 1). Takes about a minute.
set -euo pipefail
cd "$(dirname "$0")/.."

# The compilers are run by name (the build commands in case.json are the ones run); the Swift toolchain (its clang
# is the `clang` used here) and rustup's rustc are found in their usual places if not already on PATH.
export PATH="$PATH:/opt/swift/usr/bin:/root/.cargo/bin"
PYTHON312=${PYTHON312:-/root/.pyenv/versions/3.12.1/bin/python3.12}
ADDR2LINE_LLVM=${ADDR2LINE_LLVM:-$(command -v llvm-addr2line || true)}
for tool in perf gcc g++ clang rustc swiftc swift-demangle javac java node jq readelf nm c++filt strip "$PYTHON312"; do
    command -v "$tool" > /dev/null || { echo "make-real-corpus.sh: $tool not found" >&2; exit 2; }
done

src=samples/src/corpus
final=Tests/Fixtures/real
work=$(mktemp -d /tmp/real-corpus.XXXXXX)
trap 'rm -rf "$work"' EXIT
# The cases are made in a staging folder and replace the committed ones only when every case was made.
out=$work/corpus
# perf script looks binaries up in the build-id cache (~/.debug) before their paths. An empty cache directory keeps
# the output independent of what earlier recordings on this machine put there (the stripped case must stay stripped).
mkdir -p "$work/empty-buildid-cache"
PERF_SCRIPT=(perf --buildid-dir "$work/empty-buildid-cache" script)

mkdir -p "$out"

# ---------------------------------------------------------------------------------------------------------------
# Helpers

# Sample owners in a perf script text. The owner of a sample is its first frame that is not marked `(inlined)`
# (the function whose machine code was running: design.md section 8); in python mode the innermost `py::` frame
# (the Python function; the native frames under it are the interpreter), in node mode the innermost frame of V8's
# perf map (its tier mark dropped: `JS:*f` and `JS:^f` are one function), falling back to the native owner.
# Frames in the program binary are resolved by address with its symbol table (nm), so two Rust monomorphizations
# that perf prints with the same demangled name, or a stripped binary's `[unknown]` frames, are told apart.
# perf script prints a user-space address as an offset in the file (ip - map start + map pgoff), which is the ELF
# virtual address only where a PT_LOAD segment has p_vaddr == p_offset (gcc/clang C binaries here, not rustc's);
# it is turned back into a virtual address with the program headers before the symbol lookup.
# Samples are weighted by their period. Output, by share: key TAB percent TAB samples TAB name as perf printed it.
owners() {  # perf.txt mode(native|python) program-path-as-printed unstripped-binary
    local syms="$work/syms.txt" loads="$work/loads.txt"
    : > "$syms"; : > "$loads"
    if [ -n "$4" ]; then
        nm -S --defined-only "$4" | awk 'NF >= 4 && $3 ~ /^[tTwW]$/ { n = $4; for (i = 5; i <= NF; i++) n = n " " $i
            print $1, $2, n }' > "$syms"
        readelf -lW "$4" | awk '$1 == "LOAD" { print $2, $3, $5 }' > "$loads"
    fi
    awk -v mode="$2" -v prog="$3" -v syms="$syms" -v loads="$loads" '
        function hex(s,   i, n) { n = 0; s = tolower(s); sub(/^0x/, "", s)
            for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
            return n }
        function frame(line) {   # sets faddr, fname, fdso, finl
            finl = (line ~ /\(inlined\)$/)
            sub(/^[ \t]+/, "", line); faddr = line; sub(/ .*/, "", faddr); sub(/^[0-9a-f]+ /, "", line)
            fdso = line; sub(/.* \(/, "", fdso); sub(/\)$/, "", fdso)
            sub(/ \([^()]*\)$/, "", line); sub(/\+0x[0-9a-f]+$/, "", line); fname = line }
        BEGIN {
            while ((getline l < syms) > 0) { split(l, f, " "); ns++; lo[ns] = hex(f[1]); hi[ns] = lo[ns] + hex(f[2])
                nm = l; sub(/^[^ ]+ [^ ]+ /, "", nm); sym[ns] = nm }
            while ((getline l < loads) > 0) { split(l, f, " "); nl++; loff[nl] = hex(f[1]); lva[nl] = hex(f[2])
                lsz[nl] = hex(f[3]) }
            RS = ""; FS = "\n" }
        {
            nh = split($1, h, " "); w = (h[nh - 1] ~ /^[0-9]+$/) ? h[nh - 1] : 1
            key = ""; name = ""
            if (mode == "python")
                for (i = 2; i <= NF; i++) { frame($i); if (fname ~ /^py::/) { key = fname; name = fname; break } }
            if (mode == "node")
                for (i = 2; i <= NF; i++) { frame($i)
                    if (fdso ~ /perf-[0-9]+\.map$/ && fname ~ /^(JS|LazyCompile|Function):/) {
                        key = fname; sub(/:[*~^]/, ":", key); name = fname; break } }
            if (key == "")
                for (i = 2; i <= NF; i++) { frame($i); if (!finl) break }
            if (key == "" && NF >= 2) {
                name = fname; key = fname
                if (fdso == prog) { a = hex(faddr); key = "?" faddr
                    for (s = 1; s <= nl; s++) if (a >= loff[s] && a < loff[s] + lsz[s]) { a = a - loff[s] + lva[s]; break }
                    for (s = 1; s <= ns; s++) if (a >= lo[s] && a < hi[s]) { key = sym[s]; break } }
            }
            if (NF < 2) { key = "(no frames)"; name = key }
            total += w; wt[key] += w; cnt[key]++; if (!(key in shown)) shown[key] = name
        }
        END { for (k in wt) printf "%s\t%.1f\t%d\t%s\n", k, 100 * wt[k] / total, cnt[k], shown[k] }
    ' "$1" | sort -t "$(printf '\t')" -k2,2nr -k1,1
}

# The share (percent) of one owner key in an owners() table; 0 when absent.
share() { awk -F '\t' -v k="$2" '$1 == k { p = $2 } END { print (p == "" ? 0 : p) }' "$1"; }
# How perf printed an owner key (its name in perf.txt).
printed() { awk -F '\t' -v k="$2" '$1 == k { print $4 }' "$1"; }

# The one defined text symbol of a binary whose name matches an extended regex.
sym() {
    local found
    found=$(nm --defined-only "$1" | awk -v re="$2" '$2 ~ /^[tTwW]$/ && $3 ~ re { print $3 }' | sort -u)
    [ "$(printf '%s\n' "$found" | grep -c .)" = 1 ] || { echo "sym: '$2' in $1: '${found}'" >&2; exit 1; }
    printf '%s\n' "$found"
}

# Phase lines -> JSON object of percent of their sum (the design, as the program itself measured it).
phases_json() {
    awk '$1 == "phase" { n[++k] = $2; v[k] = $3; t += $3 }
         END { printf "{"; for (i = 1; i <= k; i++) printf "%s\"%s\": %.1f", (i > 1 ? ", " : ""), n[i], 100 * v[i] / t
               printf "}" }' "$1"
}

# The program binary under bin/ with the name perf.data gives it: `--binary-path CASE/bin` finds it (and checks its
# build-id against the recording's).
place_binary() {  # case-dir binary
    mkdir -p "$1/bin"
    cp "$2" "$1/bin/"
}

# A debug file as debug/BUILDID.debug (git keeps no `.build-id` folders: a test lays out the build-id directory).
place_debug() {  # case-dir binary
    local id
    id=$(readelf -n "$2" | awk '/Build ID:/ { print $3; exit }')
    [ -n "$id" ] || { echo "no build-id in $2" >&2; exit 1; }
    mkdir -p "$1/debug"
    cp "$2" "$1/debug/$id.debug"
    echo "$id"
}

# Build in the case's temporary directory. A build command is kept as written, with $TMP for the temporary
# directory: the prefix maps (-ffile-prefix-map, --remap-path-prefix, -debug-prefix-map) put /opt/corpus/CASE/ in
# the DWARF instead of it, like the perf script texts, and make the builds (and build-ids) reproducible.
build() {  # dir command
    (cd "$1" && TMP=$work eval "$2")
}

# Record one case: perf record ... -- command; stderr of the program (its phases) -> phases.txt.
record() {  # case-dir perf-record-options... -- command...
    local dir=$1; shift
    perf record -N -q -o "$dir/perf.data" "$@" > /dev/null 2> "$work/stderr.txt"
    grep -E '^(phase|total) ' "$work/stderr.txt" > "$dir/phases.txt"
}

# perf script text with the temporary directory rewritten to /opt/corpus/ (perf.data keeps the real paths).
scripts() {  # case-dir
    "${PERF_SCRIPT[@]}" -i "$1/perf.data" 2> /dev/null | sed "s#$work/#/opt/corpus/#g" > "$1/perf.txt"
    "${PERF_SCRIPT[@]}" --no-inline -i "$1/perf.data" 2> /dev/null | sed "s#$work/#/opt/corpus/#g" \
        > "$1/noinline.perf.txt"
    # Names as the binary has them (C++, Rust, Swift mangled): Pyrometer must demangle them to perf.txt's names.
    "${PERF_SCRIPT[@]}" --no-demangle -i "$1/perf.data" 2> /dev/null | sed "s#$work/#/opt/corpus/#g" \
        > "$1/nodemangle.perf.txt"
    # Frame-pointer call graphs get no inline frames, and C has no mangled names, so texts can be the same: keep one
    # (a symlink).
    if cmp -s "$1/perf.txt" "$1/noinline.perf.txt"; then ln -sf perf.txt "$1/noinline.perf.txt"; fi
    if cmp -s "$1/perf.txt" "$1/nodemangle.perf.txt"; then ln -sf perf.txt "$1/nodemangle.perf.txt"; fi
}

# The JIT map of the recorded process (/tmp/perf-PID.map, PID = the process with most samples): copied next to
# perf.data with the temporary directory rewritten, then deleted from /tmp (only that one file).
take_map() {  # case-dir
    local pid
    pid=$(perf script -i "$1/perf.data" -F pid 2> /dev/null | sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }')
    [ -f "/tmp/perf-$pid.map" ] || { echo "no /tmp/perf-$pid.map" >&2; exit 1; }
    sed "s#$work/#/opt/corpus/#g" "/tmp/perf-$pid.map" > "$1/perf-$pid.map"
    rm -f "/tmp/perf-$pid.map"
    echo "$pid"
}

# Share of samples whose innermost frame is the inlined helper: as perf.txt prints it (DWARF recordings only), and
# as llvm-addr2line -i resolves the leaf address in the binary's DWARF (for every recording).
inline_view() {  # perf.txt helper program-path-as-printed unstripped-binary -> "perfScript llvm" percents
    local txt=$1 helper=$2 prog=$3 bin=$4 n perf_pct llvm_pct="null"
    n=$(grep -c -E ' cpu-clock[^ ]*: *$' "$txt")
    perf_pct=$(awk -v h="$helper" 'BEGIN { RS = ""; FS = "\n" }
        { t++; if ($2 ~ ("[0-9a-f]+ " h "\\+0x[0-9a-f]+ \\(inlined\\)$")) k++ } END { printf "%.1f", 100 * k / t }' "$txt")
    if [ -n "$ADDR2LINE_LLVM" ]; then
        # Leaf addresses in the program, file offsets turned into virtual addresses (see owners()).
        readelf -lW "$bin" | awk '$1 == "LOAD" { print $2, $3, $5 }' > "$work/loads.txt"
        awk -v p="$prog" -v loads="$work/loads.txt" '
            function hex(s,   i, n) { n = 0; s = tolower(s); sub(/^0x/, "", s)
                for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
                return n }
            BEGIN { while ((getline l < loads) > 0) { split(l, f, " "); nl++; loff[nl] = hex(f[1]); lva[nl] = hex(f[2])
                        lsz[nl] = hex(f[3]) }
                    RS = ""; FS = "\n" }
            { for (i = 2; i <= NF && $i ~ /\(inlined\)$/; i++) ;   # the real leaf frame (same address as its inlines)
              l = $i; sub(/^[ \t]+/, "", l); a = l; sub(/ .*/, "", a)
              d = l; sub(/.* \(/, "", d); sub(/\)$/, "", d); if (d != p) next
              a = hex(a); for (s = 1; s <= nl; s++) if (a >= loff[s] && a < loff[s] + lsz[s]) { a = a - loff[s] + lva[s]; break }
              printf "0x%x\n", a }' "$txt" \
            | "$ADDR2LINE_LLVM" -a -f -i -e "$bin" > "$work/a2l.txt"
        # With -a each address is printed first, then function and location pairs, innermost first.
        llvm_pct=$(awk -v h="$helper" -v n="$n" '/^0x[0-9a-f]+$/ { getline f; if (f == h) k++ }
            END { printf "%.1f", 100 * k / n }' "$work/a2l.txt")
    fi
    echo "$perf_pct $llvm_pct"
}

# A paragraph from a here-document, its lines joined with spaces (for the notes in case.json).
text() { tr '\n' ' ' | sed 's/ *$//'; }

# Prints a short check for a case and writes case.json.
#   case_json DIR OWNERS LANGUAGE COMPILER BUILD RECORD CALLGRAPH INLINE-HELPER NOTES DESIGNED-MAP FLAGGED-JSON EXTRA
# DESIGNED-MAP is "phase-name=owner-key" lines (how each phase's own function is called in the owners table);
# FLAGGED-JSON the flagged functions (array of objects with at least "name" and "key"); EXTRA merged into the JSON.
case_json() {
    local dir=$1 owners=$2 extra=${12:-} designed measured flagged_keys maxother samples
    [ -n "$extra" ] || extra='{}'
    designed=$(phases_json "$dir/phases.txt")
    measured=$(printf '%s\n' "${10}" | while IFS='=' read -r name key; do
        [ -n "$name" ] && printf '%s\t%s\n' "$name" "$(share "$owners" "$key")"; done \
        | jq -R -s 'split("\n") | map(select(length > 0) | split("\t") | {(.[0]): (.[1] | tonumber)}) | add')
    flagged_keys=$(printf '%s' "${11}" | jq -r '.[].key')
    # The largest owner that is not flagged must stay well under the 20% threshold.
    maxother=$(FLAGGED_KEYS=$flagged_keys awk -F '\t' '
        BEGIN { n = split(ENVIRON["FLAGGED_KEYS"], k, "\n"); for (i = 1; i <= n; i++) f[k[i]] = 1 }
        !($1 in f) { print; exit }' "$owners" | jq -R -c 'split("\t") | {key: .[0], percent: (.[1] | tonumber), perfScript: .[3]}')
    samples=$(grep -c -E ' cpu-clock[^ ]*: *$' "$dir/perf.txt")
    jq -n --arg language "$3" --arg compiler "$4" --arg build "$5" --arg record "$6" --arg callGraph "$7" \
        --arg inlineHelper "$8" --arg notes "$9" --argjson designed "$designed" --argjson measured "$measured" \
        --argjson flagged "${11}" --argjson maxother "$maxother" --argjson samples "$samples" \
        --argjson extra "$extra" --rawfile owners "$owners" '
        {language: $language, compiler: $compiler, build: $build, record: $record, callGraph: $callGraph,
         threshold: 20, samples: $samples, designed: $designed, measuredSelfPercent: $measured,
         flagged: (reduce $flagged[].name as $n ([]; if index([$n]) then . else . + [$n] end)),
         flaggedSymbols: $flagged,
         inlineHelper: (if $inlineHelper == "" then null else $inlineHelper end),
         largestOtherSelf: $maxother,
         topOwners: ($owners | split("\n") | map(select(length > 0) | split("\t")) | .[:8]
                     | map({key: .[0], percent: (.[1] | tonumber), samples: (.[2] | tonumber), perfScript: .[3]})),
         notes: $notes} + $extra' > "$dir/case.json"
    # The check: flagged >= 28%, everything else <= 12% (by owner), so the 20% threshold is unambiguous.
    local bad=0 key pct
    while IFS= read -r key; do
        pct=$(share "$owners" "$key")
        awk -v p="$pct" 'BEGIN { exit !(p >= 28) }' || { echo "CHECK $dir: flagged $key only $pct%" >&2; bad=1; }
    done <<< "$flagged_keys"
    pct=$(printf '%s' "$maxother" | jq '.percent')
    awk -v p="$pct" 'BEGIN { exit !(p <= 12) }' || { echo "CHECK $dir: other owner at $pct%: $maxother" >&2; bad=1; }
    printf '%-22s samples %4s  designed %s\n%-22s measured %s  largest other %s%s\n' "$(basename "$dir")" "$samples" \
        "$designed" "" "$(printf '%s' "$measured" | jq -c .)" "$(printf '%s' "$maxother" | jq -c .)" \
        "$([ $bad = 0 ] && echo '' || echo '  <-- CHECK FAILED')"
    failed=$((failed + bad))
}
failed=0

# Flagged entry for a symbol of a compiled binary, as JSON: name (how its author names it), key (the owner key:
# the symbol as nm lists it), mangled, demangled forms, and the name perf printed.
flag() {  # name key owners demangled-json-object
    local d=${4:-}
    [ -n "$d" ] || d='{}'
    jq -n --arg name "$1" --arg key "$2" --arg perf "$(printed "$3" "$2")" --argjson d "$d" \
        '{name: $name, key: $key, mangled: $key, perfScript: $perf} + $d'
}
flags() { jq -s -c . ; }

gcc_v=$(gcc -dumpfullversion)
clang_v=$(clang --version | awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "version") { print $(i + 1); exit } }')

# ---------------------------------------------------------------------------------------------------------------
# 1. c-gcc-inline-fp: gcc, frame pointers. Two hot functions share an always_inline helper (mix64).
c=c-gcc-inline-fp; d=$out/$c; w=$work/$c; mkdir -p "$d" "$w"
cmd='gcc -O2 -g -fno-omit-frame-pointer -ffile-prefix-map=$TMP/=/opt/corpus/ -Wl,--build-id -o inline_helper inline_helper.c'
cp "$src/inline_helper.c" "$w/"
build "$w" "$cmd"
rec="perf record -N -q -o perf.data -F 999 -g -- /opt/corpus/$c/inline_helper 0.55"
record "$d" -F 999 -g -- "$w/inline_helper" 0.55
scripts "$d"
place_binary "$d" "$w/inline_helper"
owners "$d/perf.txt" native "/opt/corpus/$c/inline_helper" "$w/inline_helper" > "$work/$c.owners"
read -r iv_perf iv_llvm <<< "$(inline_view "$d/perf.txt" mix64 "/opt/corpus/$c/inline_helper" "$w/inline_helper")"
notes=$(text <<EOF
Frame-pointer call graphs print no inline frames, so perf.txt and noinline.perf.txt are the same (a symlink) and
mix64 never appears in them; by the binary's DWARF (llvm-addr2line -i on the leaf addresses), the leaf is inside the
inlined mix64 in inlineViewPercent.llvmAddr2line percent of the samples (the inline view of design.md section 8).
gcc 12 gives the leaf update_stats no frame pointer even with -fno-omit-frame-pointer: its samples show
__libc_start_call_main directly above it (main is lost: the leaf never pushed rbp, so the unwinder reads main's
return address as the leaf's). encode_frames and checksum_blocks are not leaves (they call frame_done) so their
stacks are complete up to __libc_start_call_main, where every frame-pointer stack ends (libc has no frame pointers:
__libc_start_main and _start are not reached).
EOF
)
case_json "$d" "$work/$c.owners" C "gcc $gcc_v -O2 -g -fno-omit-frame-pointer" "$cmd" "$rec" fp mix64 \
    "$notes" \
    "encode_frames=encode_frames
checksum_blocks=checksum_blocks
fill_input=fill_input
pack_output=pack_output
update_stats=update_stats" \
    "$( { flag encode_frames encode_frames "$work/$c.owners"; flag checksum_blocks checksum_blocks "$work/$c.owners"; } | flags)" \
    "{\"inlineViewPercent\": {\"helper\": \"mix64\", \"perfScript\": $iv_perf, \"llvmAddr2line\": $iv_llvm}}"

# ---------------------------------------------------------------------------------------------------------------
# 2. c-clang-inline-dwarf: the same program built with clang, DWARF call graphs: perf prints `mix64 (inlined)`.
c=c-clang-inline-dwarf; d=$out/$c; w=$work/$c; mkdir -p "$d" "$w"
# The Swift toolchain's clang links without a build-id unless asked; --build-id is what lets --debug-dir find it.
cmd='clang -O2 -g -ffile-prefix-map=$TMP/=/opt/corpus/ -Wl,--build-id -o inline_helper inline_helper.c'
cp "$src/inline_helper.c" "$w/"
build "$w" "$cmd"
# DWARF samples carry 4 KiB of stack each (~4.4 KB per sample): 499 Hz for ~0.6-0.65 s (six ~100 ms rounds) gives
# ~300 samples and keeps perf.data under 1.5 MB.
rec="perf record -N -q -o perf.data -F 499 --call-graph dwarf,4096 -- /opt/corpus/$c/inline_helper 0.58"
record "$d" -F 499 --call-graph dwarf,4096 -- "$w/inline_helper" 0.58
scripts "$d"
place_binary "$d" "$w/inline_helper"
owners "$d/perf.txt" native "/opt/corpus/$c/inline_helper" "$w/inline_helper" > "$work/$c.owners"
read -r iv_perf iv_llvm <<< "$(inline_view "$d/perf.txt" mix64 "/opt/corpus/$c/inline_helper" "$w/inline_helper")"
notes=$(text <<EOF
perf.txt prints the helper as 'ADDR mix64+OFF (inlined)' above 'ADDR encode_frames+OFF (binary)' at the same address
(the inline frame shows its host's offset). It does so only in encode_frames: clang 21 emits DWARF 5, and the mix64
inlined_subroutine in checksum_blocks has DW_AT_ranges as a rnglistx (two ranges, after unrolling); binutils 2.40
addr2line, which perf 6.1 runs for inline frames, drops such chains, while llvm-addr2line and libdw resolve them. So
the inline view is inlineViewPercent.perfScript in perf.txt but inlineViewPercent.llvmAddr2line by the DWARF.
noinline.perf.txt drops every (inlined) line, including __libc_start_main_impl (inlined) (the DWARF name of
__libc_start_main@@GLIBC_2.34). DWARF stacks reach _start.
EOF
)
case_json "$d" "$work/$c.owners" C "clang $clang_v (Swift 6.3 toolchain) -O2 -g" "$cmd" "$rec" dwarf mix64 \
    "$notes" \
    "encode_frames=encode_frames
checksum_blocks=checksum_blocks
fill_input=fill_input
pack_output=pack_output
update_stats=update_stats" \
    "$( { flag encode_frames encode_frames "$work/$c.owners"; flag checksum_blocks checksum_blocks "$work/$c.owners"; } | flags)" \
    "{\"inlineViewPercent\": {\"helper\": \"mix64\", \"perfScript\": $iv_perf, \"llvmAddr2line\": $iv_llvm}}"

# ---------------------------------------------------------------------------------------------------------------
# 3. cpp-templates: one function template, two instantiations, plus std::sort / std::transform with lambdas.
c=cpp-templates; d=$out/$c; w=$work/$c; mkdir -p "$d" "$w"
cmd='g++ -O2 -g -fno-omit-frame-pointer -ffile-prefix-map=$TMP/=/opt/corpus/ -Wl,--build-id -o templates templates.cpp'
cp "$src/templates.cpp" "$w/"
build "$w" "$cmd"
rec="perf record -N -q -o perf.data -F 499 --call-graph dwarf,4096 -- /opt/corpus/$c/templates 0.58"
record "$d" -F 499 --call-graph dwarf,4096 -- "$w/templates" 0.58
scripts "$d"
place_binary "$d" "$w/templates"
owners "$d/perf.txt" native "/opt/corpus/$c/templates" "$w/templates" > "$work/$c.owners"
k_float=$(sym "$w/templates" '^_Z10accumulateIfE'); k_double=$(sym "$w/templates" '^_Z10accumulateIdE')
cxx() { jq -n --arg p "$(c++filt "$1")" --arg n "$(c++filt -p "$1")" '{demangled: $p, demangledNoParams: $n}'; }
notes=$(text <<EOF
perf prints C++ symbols demangled without parameters or return type (accumulate<float>, std::__introsort_loop<...>),
while its inline frames come from binutils addr2line with the DWARF names: no std:: prefix, GCC's <lambda(int, int)>
spelling instead of the ELF symbol's {lambda(int, int)#1}, and the containing function repeated
(std::__introsort_loop<...> three times at one address; sort_with_lambda+OFF printed above and below the inlined
std::sort). The sort's time belongs to std::__introsort_loop<..., sort_with_lambda(int)::{lambda(int, int)#1}> and
std::__insertion_sort<...> (each under 10%), not to sort_with_lambda itself; the phases are inclusive of callees,
self shares are not.
EOF
)
case_json "$d" "$work/$c.owners" "C++" "g++ $gcc_v -O2 -g -fno-omit-frame-pointer" "$cmd" "$rec" dwarf "" \
    "$notes" \
    "accumulate<float>=$k_float
accumulate<double>=$k_double
fill_inputs=$(sym "$w/templates" '^_Z11fill_inputs')
sort_with_lambda=$(sym "$w/templates" '^_Z16sort_with_lambdai$')
transform_with_lambdas=$(sym "$w/templates" '^_Z22transform_with_lambdasi$')" \
    "$( { flag 'accumulate<float>' "$k_float" "$work/$c.owners" "$(cxx "$k_float")"
          flag 'accumulate<double>' "$k_double" "$work/$c.owners" "$(cxx "$k_double")"; } | flags)"

# ---------------------------------------------------------------------------------------------------------------
# 4. rust-generics (legacy mangling, rustc 1.95's default for the crate) and rust-generics-v0
#    (-C symbol-mangling-version=v0, stable since 1.59). The standard library inside is v0-mangled in both.
# rustc links the standard library's debug info in: 4.3 MB of binary. Fat LTO keeps only the used part (2.1 MB) and
# compressing the debug sections at link time (zlib; libdw and binutils read SHF_COMPRESSED) brings it to ~0.9 MB.
# The v0 binary is recorded with frame pointers (our code has them, the precompiled std has not), which also keeps
# that case small: DWARF samples are ~4.4 KB each.
rust_flags="-C opt-level=2 -g -C force-frame-pointers=yes -C lto=fat -C link-arg=-Wl,--compress-debug-sections=zlib"
rustc_v=$(rustc --version | awk '{ print $2 }')
for c in rust-generics rust-generics-v0; do
    d=$out/$c; w=$work/$c; mkdir -p "$d" "$w"
    if [ $c = rust-generics ]; then
        extra_flags=""; rec_opts=(-F 499 --call-graph dwarf,4096); cg=dwarf
    else
        extra_flags="-C symbol-mangling-version=v0"; rec_opts=(-F 499 -g); cg=fp
    fi
    cmd="rustc --crate-name corpus $rust_flags${extra_flags:+ $extra_flags}"' --remap-path-prefix $TMP/=/opt/corpus/ -o generics generics.rs'
    cp "$src/generics.rs" "$w/"
    build "$w" "$cmd"
    rec="perf record -N -q -o perf.data ${rec_opts[*]} -- /opt/corpus/$c/generics 0.58"
    record "$d" "${rec_opts[@]}" -- "$w/generics" 0.58
    scripts "$d"
    place_binary "$d" "$w/generics"
    owners "$d/perf.txt" native "/opt/corpus/$c/generics" "$w/generics" > "$work/$c.owners"
    # Which symbol is which instantiation: the DWARF subprogram name (accumulate<f64>) of its linkage name.
    readelf --debug-dump=info "$w/generics" > "$work/$c.dwarf.txt" 2> /dev/null
    rust_key() {  # binary dwarf-name
        local m
        for m in $(nm --defined-only "$1" | awk '$3 ~ /accumulate/ { print $3 }'); do
            awk -v m="$m" -v want="$2" '/DW_AT_linkage_name/ { found = ($NF == m) }
                found && /DW_AT_name/ { if ($NF == want) print m; exit }' "$work/$c.dwarf.txt"
        done | awk 'NR == 1'
    }
    k_f64=$(rust_key "$w/generics" 'accumulate<f64>'); k_u64=$(rust_key "$w/generics" 'accumulate<u64>')
    rs() {  # mangled dwarf-name -> demangled forms (c++filt knows both schemes; without the hash as rustfilt prints)
        local full plain
        full=$(c++filt "$1")
        plain=$(printf '%s' "$full" | sed -E 's/::h[0-9a-f]{16}$//; s/\[[0-9a-f]+\]//g')
        jq -n --arg f "$full" --arg p "$plain" --arg w "$2" '{demangled: $f, demangledNoHash: $p, dwarfName: $w}'
    }
    if [ $c = rust-generics ]; then
        n_f64="corpus::accumulate"; n_u64="corpus::accumulate"
        notes=$(text <<EOF
rustc 1.95 mangles the crate's own symbols with the legacy scheme (_ZN6corpus10accumulate17h<hash>E) by
default, but the precompiled standard library is v0-mangled (_R...), so one binary holds both. The two
monomorphizations differ only in the hash, and perf strips the hash: perf.txt prints both as
corpus::accumulate, so a reader of perf.txt sees one function at the sum of both shares (still flagged),
while perf.data's addresses and the symbol table separate them (measuredSelfPercent is computed by address),
and so do perf's inline frames: '<f64 as corpus::Sample>::step (inlined)' above one, '<u64 as
corpus::Sample>::step (inlined)' above the other. Above corpus::main the stack reads
core::ops::function::FnOnce::call_once (inlined) / std::sys::backtrace::__rust_begin_short_backtrace / main
(fat LTO inlined std::rt::lang_start_internal and its closures into the C-ABI main; perf shows no inline
frames for them). perf prints user-space addresses as offsets in the file: here the text segment's virtual
addresses are 0x1000 above its file offsets (p_vaddr != p_offset), so 'corpus::accumulate+0x84' is printed
at an address 0x1000 below the symbol's nm address plus 0x84. Built with fat LTO and zlib-compressed debug
sections (see make-real-corpus.sh) to keep the binary under 1 MB.
EOF
        )
    else
        n_f64="corpus::accumulate::<f64>"; n_u64="corpus::accumulate::<u64>"
        notes=$(text <<EOF
-C symbol-mangling-version=v0 works on stable rustc 1.95 (only 'legacy' needs -Z unstable-options). perf 6.1
demangles v0 itself and prints corpus::accumulate::<f64> without the crate disambiguator; c++filt prints
corpus[<disambiguator>]::accumulate::<f64>. Recorded with frame pointers: stacks read
corpus::accumulate::<f64> / corpus::main / std::sys::backtrace::__rust_begin_short_backtrace::<fn(), ()> /
main / __libc_start_call_main; the stack is complete up to there because fat LTO inlined
std::rt::lang_start_internal (built without frame pointers) into main. shuffle_keys sets up its frame only
on its (cold) panic path (LLVM shrink-wrapping, despite force-frame-pointers=yes), so its samples lose
corpus::main like a gcc leaf. perf.txt and noinline.perf.txt are the same (a symlink). Addresses are file
offsets as in rust-generics.
EOF
        )
    fi
    case_json "$d" "$work/$c.owners" Rust "rustc $rustc_v $rust_flags${extra_flags:+ $extra_flags}" "$cmd" "$rec" $cg "" "$notes" \
        "accumulate::<f64>=$k_f64
accumulate::<u64>=$k_u64
fill_inputs=$(sym "$w/generics" '^_(ZN6corpus11fill_inputs|R.*11fill_inputs)')
shuffle_keys=$(sym "$w/generics" '^_(ZN6corpus12shuffle_keys|R.*12shuffle_keys)')
count_bits=$(sym "$w/generics" '^_(ZN6corpus10count_bits|R.*10count_bits)')" \
        "$( { flag "$n_f64" "$k_f64" "$work/$c.owners" "$(rs "$k_f64" 'accumulate<f64>')"
              flag "$n_u64" "$k_u64" "$work/$c.owners" "$(rs "$k_u64" 'accumulate<u64>')"; } | flags)" \
        "{\"symbolManglingVersion\": \"$([ $c = rust-generics ] && echo legacy || echo v0)\"}"
done

# ---------------------------------------------------------------------------------------------------------------
# 5. swift-generics: a generic function specialized for Double and Int, and an existential (protocol witness) call.
c=swift-generics; d=$out/$c; w=$work/$c; mkdir -p "$d" "$w"
swift_v=$(swiftc --version 2>&1 | awk '/Swift version/ { print $3; exit }')
cmd='swiftc -O -g -module-name corpus -debug-prefix-map $TMP/=/opt/corpus/ -o generics generics.swift'
cp "$src/generics.swift" "$w/"
build "$w" "$cmd"
# swiftc on Linux keeps no frame pointers (design.md section 9): DWARF is the only way to record Swift.
rec="perf record -N -q -o perf.data -F 499 --call-graph dwarf,4096 -- /opt/corpus/$c/generics 0.58"
record "$d" -F 499 --call-graph dwarf,4096 -- "$w/generics" 0.58
scripts "$d"
place_binary "$d" "$w/generics"
owners "$d/perf.txt" native "/opt/corpus/$c/generics" "$w/generics" > "$work/$c.owners"
k_double=$(sym "$w/generics" '^[$]s6corpus10accumulate.*Sd_Tg5$'); k_int=$(sym "$w/generics" '^[$]s6corpus10accumulate.*Si_Tg5$')
swd() { jq -n --arg f "$(swift-demangle --compact "$1")" --arg s "$(swift-demangle --compact --simplified "$1")" \
    '{demangled: $f, demangledSimplified: $s}'; }
notes=$(text <<EOF
perf 6.1 does not demangle Swift: every Swift frame is printed mangled ($k_double+0x.. etc.); swift-demangle gives
the names in flaggedSymbols. The Mixable protocol's step() is inlined into each specialization and perf prints it as
two inlined frames, e.g. \$sSd6corpusE4stepyS2dF (Double.step) and \$sSd6corpus7MixableA2aBP4stepyxxFTW (protocol
witness for Mixable.step in conformance Double) above the specialization. The existential call in scoreAll goes
through the protocol witness thunk \$s6corpus12LengthScorerVAA0C0A2aDP5scoreySiSRySiGFTW, which tail-jumps to
LengthScorer.score, so the thunk never appears in a stack: score's samples sit directly under scoreAll.
libswiftCore.so (toolchain, not copied) shows up only in a sample or two (page faults on the first call of
Double(String) or print); the hot loops do not call into it. Unlike
the C, C++ and Rust builds, the Swift build is not reproducible: .swift_modhash differs from build to build, so the
build-id changes every time the corpus is re-made.
EOF
)
case_json "$d" "$work/$c.owners" Swift "swiftc $swift_v -O -g" "$cmd" "$rec" dwarf "" \
    "$notes" \
    "accumulate<Double>=$k_double
accumulate<Int>=$k_int
fillInputs=$(sym "$w/generics" '^[$]s6corpus10fillInputs')
scoreAll=$(sym "$w/generics" '^[$]s6corpus8scoreAll')
LengthScorer.score=$(sym "$w/generics" '^[$]s6corpus12LengthScorerV5scoreySiSRySiGF$')
countBits=$(sym "$w/generics" '^[$]s6corpus9countBits')" \
    "$( { flag "$(swift-demangle --compact "$k_double")" "$k_double" "$work/$c.owners" "$(swd "$k_double")"
          flag "$(swift-demangle --compact "$k_int")" "$k_int" "$work/$c.owners" "$(swd "$k_int")"; } | flags)"

# ---------------------------------------------------------------------------------------------------------------
# 6. python312-perf: CPython 3.12 with -X perf (trampolines + /tmp/perf-PID.map), DWARF call graphs (libpython has
#    no frame pointers). The script runs from the temporary directory so its path in the map is rewritten too.
c=python312-perf; d=$out/$c; w=$work/$c; mkdir -p "$d" "$w"
py_v=$("$PYTHON312" -c 'import platform; print(platform.python_version())')
cp "$src/records.py" "$w/"
rec="perf record -N -q -o perf.data -F 499 --call-graph dwarf,4096 -- python3.12 -X perf /opt/corpus/$c/records.py 0.55"
record "$d" -F 499 --call-graph dwarf,4096 -- "$PYTHON312" -X perf "$w/records.py" 0.55
scripts "$d"          # needs /tmp/perf-PID.map, so before take_map deletes it
pid=$(take_map "$d")
owners "$d/perf.txt" python "" "" > "$work/$c.owners"
pyk() { echo "py::$1:/opt/corpus/$c/records.py"; }
pyflag() { jq -n --arg name "$1" --arg key "$(pyk "$1")" '{name: $name, key: $key, perfScript: $key}'; }
notes=$(text <<EOF
Shares are by the innermost py:: frame (samples without one: truncated stacks and start-up, by their native owner).
With -X perf every Python function is entered through a small trampoline listed in /tmp/perf-$pid.map as
'py::FUNC:/path/file.py'; perf's DWARF unwinder stops at the first trampoline (it has no CFI), so the innermost
Python frame is the root of every stack that has one (e.g. unicode_dealloc / _PyEval_EvalFrameDefault / py::parse_records:...),
and the callers (main, <module>) never appear. By the native owner rule the time would go to
_PyEval_EvalFrameDefault and other libpython functions instead. rank_records spends its time in its sort key, so the
lambda (py::rank_records.<locals>.<lambda>) owns those samples. Where a C function's frame is large the 4 KiB stack
copy runs out before the trampoline: samples in list_sort_impl (sorted() in rank_records: its MergeState holds a
256-entry array) end in 'ffffffffffffffff [unknown] ([unknown])' with no py:: frame. The map file is in this folder
as perf-$pid.map (paths rewritten like perf.txt); perf.data names it /tmp/perf-$pid.map.
EOF
)
case_json "$d" "$work/$c.owners" Python "CPython $py_v (pyenv build, no frame pointers, shared libpython3.12.so) -X perf" \
    "(none: python3.12 -X perf records.py)" "$rec" dwarf "" \
    "$notes" \
    "parse_records=$(pyk parse_records)
score_records=$(pyk score_records)
make_records=$(pyk make_records)
rank_records=$(pyk rank_records)
summarize=$(pyk summarize)" \
    "$( { pyflag parse_records; pyflag score_records; } | flags)" \
    "{\"perfMap\": \"perf-$pid.map\"}"

# ---------------------------------------------------------------------------------------------------------------
# 7. java17-perfmap: JDK 17 JIT frames through -XX:+DumpPerfMapAtExit (/tmp/perf-PID.map written at exit),
#    frame pointers kept in JIT code (-XX:+PreserveFramePointer); the methods are kept apart with dontinline.
c=java17-perfmap; d=$out/$c; w=$work/$c; mkdir -p "$d" "$w/classes"
java_v=$(java -version 2>&1 | awk -F '"' '/version/ { print $2; exit }')
cmd='javac -J-XX:-UsePerfData -d classes RecordScorer.java'
cp "$src/RecordScorer.java" "$w/"
build "$w" "$cmd"
jflags="-XX:+PreserveFramePointer -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -XX:CompileCommand=quiet -XX:CompileCommand=dontinline,RecordScorer::* -XX:-UsePerfData"
# -XX:-UsePerfData: no /tmp/hsperfdata_USER file. 1.0 s of measured work against ~0.25 s of JVM start-up and JIT.
rec="perf record -N -q -o perf.data -F 999 -g -- java $jflags -cp /opt/corpus/$c/classes RecordScorer 1.0"
record "$d" -F 999 -g -- java $jflags -cp "$w/classes" RecordScorer 1.0
scripts "$d"
pid=$(take_map "$d")
owners "$d/perf.txt" native "" "" > "$work/$c.owners"
jk() { grep -m1 -o "[a-z]* RecordScorer\.$1([^)]*)" "$d/perf-$pid.map"; }
jflag() { jq -n --arg name "RecordScorer::$1" --arg key "$(jk "$1")" '{name: $name, key: $key, perfScript: $key, perfMap: $key}'; }
notes=$(text <<EOF
The JDK 17 map names compiled methods 'RETURN Class.method(PARAMS)' (e.g. 'long RecordScorer.parseRecords(byte[],
int[])'), not Class::method; perf prints that name verbatim with the dso /tmp/perf-$pid.map. A method has several
entries (C1 and C2 tiers, OSR) with the same name; DumpPerfMapAtExit writes only code still alive at exit, so
samples in code freed earlier print as [unknown]. Interpreted code is one 'Interpreter' entry of the same map (not
libjvm.so): main() is never compiled and round() only by OSR, so the compiled hot methods sit on 'Interpreter'
frames, above 'StubRoutines (1)' (the call stub) and JavaCalls::call_helper / jni_CallStaticVoidMethod / JavaMain in
libjvm.so and libjli.so; warm-up and start-up samples have the Interpreter itself as owner. Threads: the main thread
is comm 'java'; the JIT compilers are 'C2 CompilerThre' and 'C1 CompilerThre', GC and VM threads appear too; the JVM
(start-up, interpreter, JIT) is the rest of the samples beyond the five measured methods, spread over many libjvm
functions. libjvm.so has no frame pointers, so frame-pointer stacks of VM and compiler threads often end in
'[unknown] ([unknown])' frames (garbage return addresses). How much time parseRecords and scoreRecords take relative
to each other varies from run to run (C2's code differs), but both stay far above the threshold. The map file is in
this folder as perf-$pid.map.
EOF
)
case_json "$d" "$work/$c.owners" Java "OpenJDK $java_v (Debian), javac" "$cmd" "$rec" fp "" \
    "$notes" \
    "parseRecords=$(jk parseRecords)
scoreRecords=$(jk scoreRecords)
fillInput=$(jk fillInput)
shuffleKeys=$(jk shuffleKeys)
summarize=$(jk summarize)" \
    "$( { jflag parseRecords; jflag scoreRecords; } | flags)" \
    "{\"perfMap\": \"perf-$pid.map\"}"

# ---------------------------------------------------------------------------------------------------------------
# 7b. node20-perfmap: Node.js with --perf-basic-prof (V8 writes /tmp/perf-PID.map as it compiles), frame pointers
# (V8's JIT code keeps them; so does the node binary's own code here).
c=node20-perfmap; d=$out/$c; w=$work/$c; mkdir -p "$d" "$w"
node_v=$(node --version)
cp "$src/records.js" "$w/"
rec="perf record -N -q -o perf.data -F 999 -g -- node --perf-basic-prof /opt/corpus/$c/records.js 0.6"
# Run in the build directory: V8 also writes an isolate-*-v8.log there.
(cd "$w" && record "$d" -F 999 -g -- node --perf-basic-prof "$w/records.js" 0.6)
scripts "$d"
pid=$(take_map "$d")
owners "$d/perf.txt" node "" "" > "$work/$c.owners"
nk() { awk -F '\t' -v f="$1" '$1 ~ ("^JS:" f " ") { print $1; exit }' "$work/$c.owners"; }
nflag() { jq -n --arg name "$1" --arg key "$(nk "$1")" --arg perf "$(printed "$work/$c.owners" "$(nk "$1")")" \
    '{name: $name, key: $key, perfScript: $perf}'; }
notes=$(text <<EOF
V8's map names JIT code 'JS:TIERname FILE:LINE:COL' (TIER '*' optimized by TurboFan, '^' baseline Sparkplug, '~'
interpreted bytecode handlers); one JavaScript function has an entry per tier it reached, so perf prints it under
several names, which the owner keys here merge (Pyrometer names it without the tier mark). The stacks go through
Builtins_InterpreterEntryTrampoline, Builtins_JSEntry and v8::internal::Execution::Call in the node binary down to
node::Start; GC, compiler and platform threads are comm 'node' too (other tids). Each part's time is process CPU
time (process.cpuUsage): Node has no per-thread clock, so V8's background threads add to every part a little.
The map file is in this folder as perf-$pid.map.
EOF
)
case_json "$d" "$work/$c.owners" JavaScript "Node.js $node_v" "" "$rec" fp "" \
    "$notes" \
    "parseRecords=$(nk parseRecords)
scoreRecords=$(nk scoreRecords)
makeRecords=$(nk makeRecords)
rankRecords=$(nk rankRecords)
summarize=$(nk summarize)" \
    "$( { nflag parseRecords; nflag scoreRecords; } | flags)" \
    "{\"perfMap\": \"perf-$pid.map\"}"

# ---------------------------------------------------------------------------------------------------------------
# 8. c-two-threads: two pthreads, one hot function each.
c=c-two-threads; d=$out/$c; w=$work/$c; mkdir -p "$d" "$w"
cmd='clang -O2 -g -fno-omit-frame-pointer -fno-optimize-sibling-calls -ffile-prefix-map=$TMP/=/opt/corpus/ -pthread -Wl,--build-id -o two_threads two_threads.c'
cp "$src/two_threads.c" "$w/"
build "$w" "$cmd"
rec="perf record -N -q -o perf.data -F 999 -g -- /opt/corpus/$c/two_threads 0.3"
record "$d" -F 999 -g -- "$w/two_threads" 0.3
scripts "$d"
place_binary "$d" "$w/two_threads"
owners "$d/perf.txt" native "/opt/corpus/$c/two_threads" "$w/two_threads" > "$work/$c.owners"
notes=$(text <<EOF
Two threads of one process (same pid, two tids, comm two_threads), each running for the same thread CPU time, so
each is ~50% of the samples. Frame-pointer stacks end at start_thread (libc's clone3 frame is not reached):
worker_a_hash / thread_a / start_thread. perf.txt and noinline.perf.txt are the same (no inline frames in FP call
graphs).
EOF
)
case_json "$d" "$work/$c.owners" C "clang $clang_v (Swift 6.3 toolchain) -O2 -g -fno-omit-frame-pointer -fno-optimize-sibling-calls" \
    "$cmd" "$rec" fp "" \
    "$notes" \
    "worker_a_hash=worker_a_hash
worker_b_sort=worker_b_sort" \
    "$( { flag worker_a_hash worker_a_hash "$work/$c.owners"; flag worker_b_sort worker_b_sort "$work/$c.owners"; } | flags)"

# ---------------------------------------------------------------------------------------------------------------
# 9. c-stripped-buildid: case 1's program, stripped before recording; its debug info only in a build-id debug file.
c=c-stripped-buildid; d=$out/$c; w=$work/$c; mkdir -p "$d" "$w"
cmd='gcc -O2 -g -fno-omit-frame-pointer -ffile-prefix-map=$TMP/=/opt/corpus/ -Wl,--build-id -o inline_helper.full inline_helper.c && strip -o inline_helper inline_helper.full'
cp "$src/inline_helper.c" "$w/"
build "$w" "$cmd"
rec="perf record -N -q -o perf.data -F 999 -g -- /opt/corpus/$c/inline_helper 0.55"
record "$d" -F 999 -g -- "$w/inline_helper" 0.55
scripts "$d"
id=$(place_debug "$d" "$w/inline_helper.full")
# What perf prints when it does find the debug file (an old-style build-id cache entry .build-id/xx/rest):
# the expected result of symbolizing perf.data or perf.txt with --debug-dir.
mkdir -p "$work/cache-$c/.build-id/${id:0:2}"
cp "$w/inline_helper.full" "$work/cache-$c/.build-id/${id:0:2}/${id:2}"
perf --buildid-dir "$work/cache-$c" script -i "$d/perf.data" 2> /dev/null | sed "s#$work/#/opt/corpus/#g" \
    > "$d/symbolized.perf.txt"
owners "$d/perf.txt" native "/opt/corpus/$c/inline_helper" "$w/inline_helper.full" > "$work/$c.owners"
read -r iv_perf iv_llvm <<< "$(inline_view "$d/perf.txt" mix64 "/opt/corpus/$c/inline_helper" "$w/inline_helper.full")"
notes=$(text <<EOF
perf recorded the stripped binary (no .symtab, no DWARF; .dynsym has only imports), so perf.txt prints every frame
in it as '[unknown] (/opt/corpus/$c/inline_helper)' with its address; libc frames are named. The unstripped file is
debug/$id.debug (build-id $id, from readelf -n; found as .build-id/${id:0:2}/${id:2}.debug under a --debug-dir; the build is reproducible, and differs from
c-gcc-inline-fp's binary only in the directory its DWARF names, hence another build-id). symbolized.perf.txt is perf
script with that file offered as a build-id cache entry: what symbolizing with --debug-dir should give.
measuredSelfPercent resolves the addresses with the debug file's symbol table.
EOF
)
case_json "$d" "$work/$c.owners" C "gcc $gcc_v -O2 -g -fno-omit-frame-pointer, then strip" "$cmd" "$rec" fp mix64 \
    "$notes" \
    "encode_frames=encode_frames
checksum_blocks=checksum_blocks
fill_input=fill_input
pack_output=pack_output
update_stats=update_stats" \
    "$( { flag encode_frames encode_frames "$work/$c.owners"; flag checksum_blocks checksum_blocks "$work/$c.owners"; } | flags)" \
    "{\"buildId\": \"$id\", \"inlineViewPercent\": {\"helper\": \"mix64\", \"perfScript\": $iv_perf, \"llvmAddr2line\": $iv_llvm}}"

# ---------------------------------------------------------------------------------------------------------------
# Recordings and texts are stored gzip-compressed (Pyrometer reads gzip input of every format; a DWARF perf.data,
# mostly copies of nearly empty stacks, shrinks fifty-fold): `zcat` or `zless` reads them. Symlinks follow.
for f in "$out"/*/perf.data "$out"/*/*.txt; do
    case "$f" in */phases.txt) continue ;; esac
    if [ -L "$f" ]; then
        target=$(readlink "$f"); rm "$f"; ln -s "$target.gz" "$f.gz"
    else
        gzip -9n "$f"
    fi
done

# Replace the case folders (README.md is written by hand and stays).
mkdir -p "$final"
find "$final" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
mv "$out"/* "$final"/
echo
du -sh "$final"
du -sh "$final"/*/ | sort -k2
find "$final" -name perf.data.gz -size +500k -printf 'perf.data.gz over 500 kB: %p (%s bytes)\n'
[ "$failed" = 0 ] || { echo "$failed check(s) failed: re-run, or look at the case" >&2; exit 1; }
