#!/bin/sh
# W1 (../shared/bench/w1.py) for each CPython built by tests/run_all.sh or scripts/demo.sh, at
# 1 M and 3 M nodes.  Usage: bench/w1.sh [3.11 ...]; prints the runner's lines per run.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
runner="$top/../shared/bench/w1.py"
[ -f "$runner" ] || runner="$top/bench/w1_reference.py"
vers=${*:-"3.10 3.11 3.12 3.13"}
for v in $vers; do
  stage="$top/build/py$v/stage"
  [ -d "$stage" ] || { echo "no build for $v (run tests/run_all.sh first)"; continue; }
  py=$(ls "$(pyenv prefix "$(pyenv versions --bare | grep -E "^$v\.[0-9]+$" | tail -1)")"/bin/python$v)
  for n in 1000000 3000000; do
    echo "--- CPython $v, W1 with $n nodes"
    PYTHONPATH="$stage" "$py" "$runner" heapcore "$n"
  done
done
