"""Issue 21's benchmark: the pause of h.dump(path, fork=True) on W1, seen from another thread.

    PYTHONPATH=build/py3.11/stage python3.11 bench/forkdump.py [NODES] [DIR]

Builds W1's heap (../shared/bench/w1.py: NODES Node instances in a 4-ary tree and NODES/10
slotted records; 1 M nodes is about 4.6 M objects), starts a thread that ticks every
millisecond, and measures, best of three each:

- a direct h.dump(path): its time, the longest gap between two ticks meanwhile, and its extra
  memory (the peak of the process's Pss, sampled by another process, over the Pss before);
- h.dump(path, fork=True): the longest gap (the pause), the time to the finished file
  (job.wait()), its ratio to the direct dump, and the extra memory: the peak of the sum of
  the parent's and the worker's Pss (/proc/PID/smaps_rollup, sampled every 5 ms) over the
  parent's Pss before;
- the same while a thread rewrites every Node's attribute over and over (the worst case of
  copy-on-write: every page of the Nodes and their dicts copied);
- attach to an idle W1 process (a child that builds the heap and sleeps): the command's
  time end to end, with the fork (the default) and without.

Prints one line per figure.
"""
import os
import subprocess
import sys
import tempfile
import threading
import time

import heapcore

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
DIR = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="heapcore-forkbench-")

def w1_build_source():
    """W1's own Node, Record and build(), read from its runner (one definition of W1)."""
    here = os.path.dirname(os.path.abspath(__file__))
    for path in (os.path.join(here, "..", "..", "shared", "bench", "w1.py"), os.path.join(here, "w1_reference.py")):
        if os.path.exists(path):
            with open(path) as f:
                text = f.read()
            return text[text.index("class Node:"):text.index("def rss_peak_bytes")]
    raise SystemExit("no W1 runner found (../shared/bench/w1.py or bench/w1_reference.py)")


BUILD = w1_build_source()
exec(BUILD)


# another process samples a pid's Pss every 5 ms until its stdin closes (a thread here cannot:
# the direct dump holds the GIL); prints the peak in bytes
SAMPLER = '''
import os, select, sys
pid, peak = int(sys.argv[1]), 0
while not select.select([sys.stdin], [], [], 0.005)[0]:
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Pss:"):
                peak = max(peak, int(line.split()[1]) * 1024)
print(peak)
'''


def pss(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class Ticker:
    """A thread that ticks every millisecond; gap(t0, t1): the longest time between ticks in
    [t0, t1]."""

    def __init__(self):
        self.ticks = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        append, now, sleep = self.ticks.append, time.perf_counter, time.sleep
        while not self.stop.is_set():
            append(now())
            sleep(0.001)

    def gap(self, t0, t1):
        ts = [t for t in self.ticks if t0 - 0.05 <= t <= t1 + 0.05]
        return max((b - a for a, b in zip(ts, ts[1:])), default=float("nan"))


def main():
    tree, records = build(N)
    h = heapcore.hpy()
    h.dump(os.path.join(DIR, "warm.hcsnap"))  # the package's imports and tables
    objects = heapcore.load(os.path.join(DIR, "warm.hcsnap")).count
    print("W1 nodes=%d objects=%d" % (N, objects))
    ticker = Ticker()
    time.sleep(0.1)
    direct = []
    for k in range(3):
        before = pss(os.getpid())
        sampler = subprocess.Popen([sys.executable, "-c", SAMPLER, str(os.getpid())], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True)
        time.sleep(0.05)
        t0 = time.perf_counter()
        h.dump(os.path.join(DIR, "direct.hcsnap"))
        t1 = time.perf_counter()
        peak = int(sampler.communicate("")[0])
        direct.append((t1 - t0, ticker.gap(t0, t1), max(peak - before, 0)))
    d_time = min(d[0] for d in direct)
    print("direct dump: %.3f s (best of 3), longest tick gap %.0f ms, extra memory (Pss peak - before) %.0f MB" % (
        d_time, 1e3 * min(d[1] for d in direct), min(d[2] for d in direct) / 1e6))
    forks = []
    for k in range(3):
        before = pss(os.getpid())
        peak = [0]
        t0 = time.perf_counter()
        job = h.dump(os.path.join(DIR, "fork.hcsnap"), fork=True)
        t_ret = time.perf_counter()
        while not job.done:
            peak[0] = max(peak[0], pss(os.getpid()) + (pss(job.pid) if job.pid else 0))
            time.sleep(0.005)
        job.wait()
        t1 = time.perf_counter()
        forks.append((ticker.gap(t0, t1), t_ret - t0, t1 - t0, max(peak[0] - before, 0), before))
        while os.path.exists("/proc/%d" % job.pid):  # gone before the next "before": its pages are shared
            time.sleep(0.01)
    ticker.stop.set()
    best = min(forks, key=lambda f: f[2])
    print("fork dump: pause (longest tick gap) %.1f ms [%s]; call returned after %.1f ms; file done after %.3f s "
          "(%.2f x the direct dump); extra memory (parent+worker Pss peak - parent before) %.0f MB of %.0f MB" % (
              1e3 * min(f[0] for f in forks), ", ".join("%.1f" % (1e3 * f[0]) for f in forks),
              1e3 * min(f[1] for f in forks), best[2], best[2] / d_time, best[3] / 1e6, best[4] / 1e6))
    # the cost of pages the parent writes meanwhile: a thread rewrites every Node's attribute
    # (its dict) and refcount, over and over, while the worker runs
    nodes = []
    stack = [tree]
    while stack:
        n = stack.pop()
        nodes.append(n)
        stack.extend(n.kids)
    stop = threading.Event()
    passes = [0]

    def writer():
        while not stop.is_set():
            for n in nodes:
                n.i = n.i + 1
            passes[0] += 1

    before = pss(os.getpid())
    w = threading.Thread(target=writer)
    w.start()
    peak = 0
    t0 = time.perf_counter()
    job = h.dump(os.path.join(DIR, "fork-busy.hcsnap"), fork=True)
    while not job.done:
        peak = max(peak, pss(os.getpid()) + (pss(job.pid) if job.pid else 0))
        time.sleep(0.005)
    job.wait()
    t1 = time.perf_counter()
    stop.set()
    w.join()
    print("fork dump while a thread rewrites every Node (%d passes): file done after %.3f s; extra memory %.0f MB"
          % (passes[0], t1 - t0, max(peak - before, 0) / 1e6))
    del nodes
    a, b = heapcore.load(os.path.join(DIR, "fork.hcsnap")), heapcore.load(os.path.join(DIR, "direct.hcsnap"))
    print("fork file vs direct file: %d vs %d objects, %d vs %d bytes" % (a.count, b.count, a.size, b.size))
    del a, b, tree, records
    attach_idle()


def attach_idle():
    script = os.path.join(DIR, "idle.py")
    with open(script, "w") as f:
        f.write(BUILD + "\nimport sys, time\ntree, records = build(%d)\nprint('ready', flush=True)\n"
                "time.sleep(3600)\n" % N)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    p = subprocess.Popen([sys.executable, script], stdout=subprocess.PIPE, text=True, env=env)
    try:
        p.stdout.readline()
        for flags in ([], ["--no-fork"], []):
            t0 = time.perf_counter()
            r = subprocess.run([sys.executable, "-m", "heapcore", "attach", str(p.pid), "-o",
                                os.path.join(DIR, "idle.hcsnap")] + flags, capture_output=True, text=True)
            took = time.perf_counter() - t0
            print("attach to an idle W1 process%s: %.2f s end to end (exit %d): %s" % (
                " " + flags[0] if flags else "", took, r.returncode, r.stderr.strip().splitlines()[-1]))
    finally:
        p.kill()
        p.wait()


main()
