#!/bin/sh
# Runs the GoogleTest binaries, each writing a JSON report the summary reads.
set -u
rc=0
for t in test_engine test_embedded; do
  "$BUILDDIR/tests/unit/$t" --gtest_output="json:$BUILDDIR/results-gtest-$t.json" || rc=1
done
exit $rc
