"""Issue 6's benchmark (part): snapshot files on W1.

    PYTHONPATH=<stage> python3.X bench/files.py [NODES] [DIR]

Builds W1 (the reference runner's build()), takes h.heap() and its table, then times
h.dump(path) (a walk that reads edge labels and string values as it goes, then the
write), x.dump(path) of the snapshot taken before (a liveness walk, labels and values read
from the objects still alive, the write; to DIR, default the system's temporary directory, fsync included), the
file's size per object, heapcore.load(path), and the loaded set's table against the
in-process one (each table on a set whose partition is not cached yet).  Each figure is the
best of REPEAT (default 3) runs; the first is printed too.
Last line: FILES objects=N dump_s=T h_dump_s=T bytes_per_object=B load_s=T show_s=T heap_table_s=T
sp_s=T html_s=T chrome_s=T (sp of a loaded set, the HTML report, the Chrome export; once each)
"""
import gc
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from w1_setup import load  # noqa: E402

where = sys.argv.pop(2) if len(sys.argv) > 2 else tempfile.gettempdir()
n, hpy, build = load()
import heapcore  # noqa: E402

tree, records = build(n)
gc.collect()
h = hpy()
repeat = int(os.environ.get("REPEAT", "3"))
path = os.path.join(where, "heapcore-bench-%d.hcsnap" % os.getpid())


def best(fn):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times[0], min(times)


x = h.heap()
heap_first, heap_table = best(lambda: str(h.heap()))
print("W1 %d: %d objects; h.heap() with its table: %.3f s (first %.3f s)" % (n, x.count, heap_table, heap_first))
hdump_first, hdump_s = best(lambda: h.dump(path))
print("h.dump() (walk, labels and values read during it, write): %.3f s (first %.3f s)" % (hdump_s, hdump_first))
dump_first, dump_s = best(lambda: x.dump(path))
size = os.path.getsize(path)
print("x.dump(): %.3f s (first %.3f s); file %.1f MB, %.2f B/object" % (dump_s, dump_first, size / 1e6, size / x.count))
load_first, load_s = best(lambda: heapcore.load(path))
print("heapcore.load(): %.3f s (first %.3f s)" % (load_s, load_first))
show_first, show_s = best(lambda: str(heapcore.load(path)))
print("load + table: %.3f s (first %.3f s), %.2fx the in-process heap() with its table" % (show_s, show_first, show_s / heap_table))
y = heapcore.load(path)
assert str(y) == str(x), "the loaded table differs"
t = time.perf_counter()
sp = str((y & h.Type(tree.__class__)).sp)
sp_s = time.perf_counter() - t
print("sp of the loaded set's Node instances (labels decoded on first use): %.3f s" % sp_s)
t = time.perf_counter()
y.html(path + ".html")
html_s = time.perf_counter() - t
print("HTML report (dominators, treemap, tables, top): %.3f s, %.1f MB" % (html_s, os.path.getsize(path + ".html") / 1e6))
t = time.perf_counter()
y.export_chrome(path + ".heapsnapshot")
chrome_s = time.perf_counter() - t
print("Chrome export: %.3f s, %.1f MB" % (chrome_s, os.path.getsize(path + ".heapsnapshot") / 1e6))
os.unlink(path + ".html")
os.unlink(path + ".heapsnapshot")
os.unlink(path)
print("FILES objects=%d dump_s=%.3f h_dump_s=%.3f bytes_per_object=%.2f load_s=%.3f show_s=%.3f heap_table_s=%.3f "
      "sp_s=%.3f html_s=%.3f chrome_s=%.3f" % (
          x.count, dump_s, hdump_s, size / x.count, load_s, show_s, heap_table, sp_s, html_s, chrome_s))
