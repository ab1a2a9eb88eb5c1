#!/bin/sh
# W1 (../shared/bench/w1.py) for each CPython built by tests/run_all.sh or scripts/demo.sh, at
# 1 M and 3 M nodes.  Usage: [RUNS=5] [NODES="1000000 3000000"] bench/w1.sh [3.11 ...]
# prints the runner's last line per run, then min / median / max of the time, the ratio to
# gc.collect() and the bytes per object over the RUNS (default 1) runs of each size.
#
# Each version's stage is copied to one fixed path first (/tmp/heapcore-w1-stage): the heap's
# layout depends on the path strings imported early, and the same build runs 15-20 % slower
# or faster from another path (thesis-notes/performance.md), so two builds compare only from
# the same path.  Run it on a quiet machine: bench/RESULTS.md says how to tell.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
runner="$top/../shared/bench/w1.py"
[ -f "$runner" ] || runner="$top/bench/w1_reference.py"
vers=${*:-"3.10 3.11 3.12 3.13"}
runs=${RUNS:-1}
sizes=${NODES:-"1000000 3000000"}
copy=/tmp/heapcore-w1-stage
for v in $vers; do
  stage="$top/build/py$v/stage"
  [ -d "$stage" ] || { echo "no build for $v (run tests/run_all.sh first)"; continue; }
  py=$(ls "$(pyenv prefix "$(pyenv versions --bare | grep -E "^$v\.[0-9]+$" | tail -1)")"/bin/python$v)
  rm -rf "$copy" && cp -r "$stage" "$copy"
  for n in $sizes; do
    echo "--- CPython $v, W1 with $n nodes, $runs run(s)"
    i=0
    lines=""
    while [ "$i" -lt "$runs" ]; do
      line=$(PYTHONPATH="$copy" "$py" "$runner" heapcore "$n" | tail -1)
      echo "$line"
      lines="$lines$line
"
      i=$((i + 1))
    done
    printf '%s' "$lines" | "$py" -c '
import re, statistics, sys
rows = [dict(re.findall(r"(\w+)=([\d.]+)", l)) for l in sys.stdin if l.startswith("W1 ")]
for key in ("heap_s", "ratio_to_gc", "bytes_per_object"):
    v = [float(r[key]) for r in rows]
    print("  %-16s min %.3f  median %.3f  max %.3f" % (key, min(v), statistics.median(v), max(v)))'
  done
done
rm -rf "$copy"
