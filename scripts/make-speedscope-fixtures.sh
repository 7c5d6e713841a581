#!/usr/bin/env bash
# Re-creates Tests/Fixtures/speedscope: py-spy's speedscope output for Tests/Fixtures/speedscope/work.py, a Python
# program that times its own phases (work.measured.txt: wall seconds per phase). Needs python3 and py-spy (pip
# install py-spy), as root.
#   work.sampled.json   py-spy record --format speedscope -r 200 (samples of the running thread, weights in seconds)
set -euo pipefail
cd "$(dirname "$0")/.."
out=Tests/Fixtures/speedscope
command -v py-spy >/dev/null || python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore py-spy
py-spy record --format speedscope -r 200 -o "$out/work.sampled.json" -- python3 "$out/work.py" | grep "^phase " > "$out/work.measured.txt"
ls -l "$out"
