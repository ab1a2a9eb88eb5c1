#!/bin/sh
# From a fresh clone to the demo: install packages, build for python3, run `python3 -m heapcore demo`.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/scripts/install-deps.sh"
PY=${PYTHON:-$(command -v python3)}
cd "$top"
[ -x configure ] || autoreconf -fi >/dev/null
mkdir -p build/demo && cd build/demo
[ -f Makefile ] || "$top/configure" -q PYTHON="$PY"
make -j"$(nproc)" >/dev/null
PYTHONPATH="$top/build/demo/stage" "$PY" -m heapcore demo
