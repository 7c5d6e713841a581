#!/usr/bin/env bash
# Records the py-spy part of the wall-clock corpus (Tests/Fixtures/wall/README.md): pyspy/phases.py, which burns the
# CPU, sleeps and waits in select() in known proportions and measures them itself, sampled by py-spy with --idle
# (idle threads' stacks too, so its samples are wall-clock time) as folded text. The program's own measurement is
# kept beside it.
# Usage: scripts/make-wall-pyspy.sh      (as root: py-spy attaches with ptrace)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/Tests/Fixtures/wall/pyspy
command -v py-spy >/dev/null || { echo "make-wall-pyspy.sh: needs py-spy (pip install py-spy)" >&2; exit 2; }
cd "$OUT"
# --function: a frame per function, not per line; 250 Hz for 100 iterations (4 s) keeps the file small.
py-spy record --idle --function -r 250 -f raw -o phases.idle.folded -- python3 phases.py 100 | grep "^wall " > phases.measured.txt
echo "make-wall-pyspy.sh: $(cat phases.measured.txt) -> $OUT/phases.idle.folded"
