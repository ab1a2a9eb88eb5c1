#!/bin/sh
# Runs the GoogleTest binaries, each writing a JSON report the summary reads.  LeakSanitizer
# stays on for the pure engine tests; the embedded-interpreter binary runs without it, because
# Py_FinalizeEx leaves CPython's own objects allocated (not heapcore's; seen on 3.11).
set -u
rc=0
# A binary that crashes writes no report: remove old ones so that it counts as a failure.
rm -f "$BUILDDIR/results-gtest-test_engine.json" "$BUILDDIR/results-gtest-test_embedded.json"
"$BUILDDIR/tests/unit/test_engine" --gtest_output="json:$BUILDDIR/results-gtest-test_engine.json" || rc=1
ASAN_OPTIONS="detect_leaks=0:${ASAN_OPTIONS:-}" \
  "$BUILDDIR/tests/unit/test_embedded" --gtest_output="json:$BUILDDIR/results-gtest-test_embedded.json" || rc=1
exit $rc
