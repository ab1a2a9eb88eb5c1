#!/bin/sh
# Runs the unittest suite against the staged package; results go to a JSON report.
set -u
PYTHONPATH="$STAGE" exec "$PYTHON" "$SRCDIR/tests/py/runner.py" "$SRCDIR/tests/py" "$BUILDDIR/results-py.json"
