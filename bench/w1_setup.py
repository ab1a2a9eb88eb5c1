"""What the issue benchmarks share: W1's build() from the reference runner, and /proc readings.

    from w1_setup import load, status
    n, hpy, build = load()     # NODES from sys.argv[1] (default 1,000,000), as the runner reads it
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def load():
    """(n, hpy, build): the reference runner's classes and build(), not its timing part."""
    runner = os.path.join(HERE, "..", "..", "shared", "bench", "w1.py")
    if not os.path.exists(runner):
        runner = os.path.join(HERE, "w1_reference.py")
    with open(runner) as f:
        src = f.read()
    src = src[:src.index("\ndef rss_peak_bytes")]
    argv, sys.argv = sys.argv, [sys.argv[0], "heapcore"] + sys.argv[1:]
    ns = {"__name__": "w1"}
    try:
        exec(compile(src, runner, "exec"), ns)  # defines n, hpy, Node, Record, build
    finally:
        sys.argv = argv
    return ns["n"], ns["hpy"], ns["build"]


def status(key):
    """A /proc/self/status figure in bytes ("VmRSS:", "VmHWM:"), 0 if absent."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    return 0
