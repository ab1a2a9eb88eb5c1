"""Issue 4's benchmark: the dominator tree and retained sizes on W1.

    PYTHONPATH=<stage> python3.X bench/dominators.py [NODES]

Builds W1 (the reference runner's build(): NODES Node instances in a 4-ary tree plus NODES/10
slotted records), walks it once with h.heap(), then measures on that snapshot:
  - the dominator tree with every retained size (first use; Snapshot.dominators_time),
  - its memory: peak = VmHWM during the computation (reset through /proc/self/clear_refs = 5
    just before) minus VmRSS before; kept = VmRSS after minus VmRSS before; per graph node,
  - x.bytype.retained (the Retained column by type) and x.top(20) rendered with its paths,
  - x.domisize of a set (the records: one reachability pass).
Prints one line per figure and a last line: DOM nodes=N tree_s=T peak_B=P kept_B=K top20_s=S
"""
import gc
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from w1_setup import load, status  # noqa: E402

n, hpy, build = load()
from heapcore import _internal  # noqa: E402


tree, records = build(n)
gc.collect()
h = hpy()
t = time.perf_counter()
x = h.heap()
walk_s = time.perf_counter() - t
snap = _internal.snapshot(x)
nodes = snap.n
print("W1 %d: %d graph nodes, %d objects in the heap set, walk %.3f s" % (n, nodes, x.count, walk_s))

rss0 = status("VmRSS:")
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
t = time.perf_counter()
snap.retained(0)
tree_s = time.perf_counter() - t
hwm, rss1 = status("VmHWM:"), status("VmRSS:")
peak = (hwm - rss0) / nodes
kept = (rss1 - rss0) / nodes
print("dominator tree and all retained sizes: %.3f s (engine %.3f s)" % (tree_s, snap.dominators_time))
print("memory: peak %.1f B/node above the start, kept %.1f B/node" % (peak, kept))

t = time.perf_counter()
table = str(x.bytype.retained)
print("x.bytype.retained: %.3f s" % (time.perf_counter() - t))

t = time.perf_counter()
top = str(x.top(20))
top_s = time.perf_counter() - t
print("x.top(20) with paths: %.3f s" % top_s)
print("\n".join(top.splitlines()[:7]))

rec = x & h.iso(records, tree)
t = time.perf_counter()
d = rec.domisize
print("domisize of a two-object set (a reachability pass): %d bytes, %.3f s" % (d, time.perf_counter() - t))
print("DOM nodes=%d tree_s=%.3f peak_B=%.1f kept_B=%.1f top20_s=%.3f" % (nodes, tree_s, peak, kept, top_s))
