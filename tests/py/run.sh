#!/bin/sh
# Runs the unittest suite against the staged package; results go to a JSON report.  Under
# --enable-sanitizers the (uninstrumented) interpreter gets the ASan runtime preloaded.
set -u
if [ -n "${SANITIZERS:-}" ]; then
  LD_PRELOAD="$($CC -print-file-name=libasan.so) $($CC -print-file-name=libubsan.so)"
  ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:allocator_may_return_null=1:${ASAN_OPTIONS:-}"
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
  export LD_PRELOAD ASAN_OPTIONS UBSAN_OPTIONS
fi
rm -f "$BUILDDIR/results-py.json"  # a crash writes no report: it must not find an old one
HEAPCORE_TEST_OUTPUT="$BUILDDIR" PYTHONPATH="$STAGE:$BUILDDIR/tests/py/.libs" exec "$PYTHON" "$SRCDIR/tests/py/runner.py" "$SRCDIR/tests/py" "$BUILDDIR/results-py.json"
