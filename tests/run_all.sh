#!/bin/sh
# Build heapcore for every CPython 3.10–3.13 found and run every test suite of each; ends with
# one line "N passed, N failed" summing all suites of all versions.
#   tests/run_all.sh [--enable-sanitizers | --full] [python3.X ...]
# --enable-sanitizers: every build under ASan+UBSan.
# --full (what CI runs): besides the plain builds, on one version: the whole suite once more
#   under ASan+UBSan, the real workloads under ASan+UBSan (make check-workloads: CPython's
#   own test modules, then every analysis; any crash, inconsistency or sanitizer report
#   fails), a debug build (--enable-debug: every walk's graph validated), a clang build of
#   everything with -Werror, and make format-check; each counts in the summary.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
conf_extra=""
full=""
case "${1:-}" in
  --enable-sanitizers) conf_extra="--enable-sanitizers"; shift ;;
  --full) full=1; shift ;;
esac
if [ $# -gt 0 ]; then
  pythons="$*"
else
  pythons=""
  for v in 3.10 3.11 3.12 3.13; do
    p=""
    if command -v pyenv >/dev/null 2>&1; then
      for full_v in $(pyenv versions --bare 2>/dev/null | grep -E "^$v\.[0-9]+$"); do
        p="$(pyenv prefix "$full_v")/bin/python$v"
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

# build PYTHON DIR CONFIGURE-ARGS...: configure and make in DIR; 0 if it built.
build() {
  py=$1; b=$2; shift 2
  mkdir -p "$b"
  rm -f "$b"/results-*.json
  ( cd "$b" && "$top/configure" -q PYTHON="$py" "$@" >configure.out 2>&1 ) \
    || { echo "configure failed in $b:"; tail -20 "$b/configure.out"; return 1; }
  ( cd "$b" && make -j"$(nproc)" >make.out 2>&1 ) \
    || { echo "build failed in $b:"; tail -40 "$b/make.out"; return 1; }
}

# suites DIR: make check in DIR (its reports: results-*.json).
suites() {
  b=$1
  ( cd "$b" && make -j1 check >check.out 2>&1 ) || status=1
  grep -E '^(PASS|FAIL|ERROR|XFAIL|XPASS|SKIP):' "$b/check.out" || tail -40 "$b/check.out"
  for log in "$b"/tests/py/run.log "$b"/tests/unit/run_gtest.log; do
    [ -f "$log" ] && grep -E '^(FAIL|ERROR):|Error|FAILED|Sanitizer|runtime error' "$log" | head -40
  done
}

# workloads DIR: make check-workloads in DIR (report: results-workloads.json).
workloads() {
  b=$1
  ( cd "$b" && make check-workloads WORKLOADS_ARGS="--json $b/results-workloads.json" >workloads.out 2>&1 ) || status=1
  tail -3 "$b/workloads.out"
  grep -E '^(FAIL|CRASH)|Sanitizer|runtime error' "$b/workloads.out" | head -20
}

version_of() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])'; }

for py in $pythons; do
  ver=$(version_of "$py")
  b="$top/build/py$ver${conf_extra:+-san}"
  dirs="$dirs $b"
  echo "=== CPython $ver ($py) in $b"
  build "$py" "$b" $conf_extra || { status=1; continue; }
  suites "$b"
done

# Debian's own python3 with Debian's pytest and IPython (python3-pytest, python3-ipython): the
# pytest plugin, the leak checks and the rich display, on the interpreter those packages serve.
dpy=/usr/bin/python3
if [ -x "$dpy" ] && [ -z "$conf_extra" ] && "$dpy" -c 'import sys, pytest; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 13))' 2>/dev/null; then
  b="$top/build/debian-python3"
  dirs="$dirs $b:py"
  echo "=== Debian's python3 ($("$dpy" -V 2>&1)) with pytest: plugin, leak checks, display, in $b"
  if build "$dpy" "$b" && ( cd "$b" && make -j"$(nproc)" check TESTS= >check-build.out 2>&1 ); then
    rm -f "$b/results-py.json"
    ( cd "$b" && HEAPCORE_TEST_OUTPUT="$b" PYTHONPATH="$b/stage:$b/tests/py/.libs" "$dpy" "$top/tests/py/runner.py" \
        "$top/tests/py" "$b/results-py.json" 'test_[tpd][eyi]*.py' >check.out 2>&1 ) || status=1
    grep -E '^(FAIL|ERROR):|Error|FAILED' "$b/check.out" | head -20
    tail -3 "$b/check.out"
  else
    tail -30 "$b/check-build.out" 2>/dev/null
    echo '{"passed": 0, "failed": 1}' >"$b/results-py.json"
    status=1
  fi
fi

if [ -n "$full" ]; then
  # one version for the extra runs: 3.12 if found, else the last one
  xpy=""
  for py in $pythons; do xpy=$py; [ "$(version_of "$py")" = 3.12 ] && break; done
  ver=$(version_of "$xpy")

  b="$top/build/py$ver-san"
  dirs="$dirs $b $b:workloads"
  echo "=== ASan+UBSan, CPython $ver in $b"
  if build "$xpy" "$b" --enable-sanitizers; then
    suites "$b"
    echo "=== real workloads under ASan+UBSan, CPython $ver"
    workloads "$b"
  else
    status=1
  fi

  b="$top/build/py$ver-debug"
  dirs="$dirs $b"
  echo "=== debug build (every walk's graph validated), CPython $ver in $b"
  if build "$xpy" "$b" --enable-debug; then
    suites "$b"
  else
    status=1
  fi

  b="$top/build/py$ver-clang"
  dirs="$dirs $b:build"
  echo "=== clang -Werror build (everything, tests included), CPython $ver in $b"
  if build "$xpy" "$b" CC=clang CXX=clang++ && ( cd "$b" && make -j"$(nproc)" check TESTS= >check-build.out 2>&1 ); then
    echo '{"passed": 1, "failed": 0}' >"$b/results-build.json"
  else
    tail -30 "$b/check-build.out" 2>/dev/null
    echo '{"passed": 0, "failed": 1}' >"$b/results-build.json"
    status=1
  fi
  dirs="$dirs $b:format"
  echo "=== clang-format: the sources match .clang-format"
  if ( cd "$b" && make format-check ); then
    echo '{"passed": 1, "failed": 0}' >"$b/results-format.json"
  else
    echo '{"passed": 0, "failed": 1}' >"$b/results-format.json"
    status=1
  fi
fi
python3 "$top/tests/summarize.py" $dirs || status=1
exit $status
