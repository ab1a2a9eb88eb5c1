#!/bin/sh
# Build heapcore for every CPython 3.10–3.13 found and run every test suite of each; ends with
# one line "N passed, N failed" summing all suites of all versions.
#   tests/run_all.sh [--enable-sanitizers] [python3.X ...]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
conf_extra=""
if [ "${1:-}" = "--enable-sanitizers" ]; then conf_extra="--enable-sanitizers"; shift; fi
if [ $# -gt 0 ]; then
  pythons="$*"
else
  pythons=""
  for v in 3.10 3.11 3.12 3.13; do
    p=""
    if command -v pyenv >/dev/null 2>&1; then
      for full in $(pyenv versions --bare 2>/dev/null | grep -E "^$v\.[0-9]+$"); do
        p="$(pyenv prefix "$full")/bin/python$v"
      done
    fi
    [ -z "$p" ] && p=$(command -v "python$v" 2>/dev/null || true)
    [ -n "$p" ] && [ -x "$p" ] && pythons="$pythons $p"
  done
fi
[ -n "$pythons" ] || { echo "no CPython 3.10-3.13 found"; echo "0 passed, 1 failed"; exit 1; }
cd "$top"
[ -x configure ] || autoreconf -fi >/dev/null 2>&1 || { echo "autoreconf failed"; echo "0 passed, 1 failed"; exit 1; }
dirs=""
status=0
for py in $pythons; do
  ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  b="$top/build/py$ver${conf_extra:+-san}"
  mkdir -p "$b"
  rm -f "$b"/results-*.json
  dirs="$dirs $b"
  echo "=== CPython $ver ($py) in $b"
  ( cd "$b" && "$top/configure" -q PYTHON="$py" $conf_extra >configure.out 2>&1 ) \
    || { echo "configure failed for $ver:"; tail -20 "$b/configure.out"; status=1; continue; }
  ( cd "$b" && make -j"$(nproc)" >make.out 2>&1 ) \
    || { echo "build failed for $ver:"; tail -40 "$b/make.out"; status=1; continue; }
  ( cd "$b" && make -j1 check >check.out 2>&1 ) || status=1
  grep -E '^(PASS|FAIL|ERROR|XFAIL|XPASS|SKIP):' "$b/check.out" || tail -40 "$b/check.out"
  for log in "$b"/tests/py/run.log "$b"/tests/unit/run_gtest.log; do
    [ -f "$log" ] && grep -E '^(FAIL|ERROR):|Error|FAILED|Sanitizer|runtime error' "$log" | head -40
  done
done
python3 "$top/tests/summarize.py" $dirs || status=1
exit $status
