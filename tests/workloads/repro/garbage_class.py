"""Bug: a garbage cycle whose class is garbage too gets no flags (all versions).

A class defined in a function, holding an instance of itself, is cyclic garbage once the
function returns (until the gc runs).  The walk's complement pass looks the instance's type up
(type_index, walk.c complement()), which makes the class a known type, and add_type_nodes()
then discovers it with flags 0, not HC_NODE_COMPLEMENT | HC_NODE_UNREACH; everything the class
reaches inherits flags 0.  So the cluster is in heap() but neither reached from a root nor
marked unreachable: it has no dominator (x.domisize < x.size, retained < size per kind), no
path (sp prints ''), and heapu() leaves it out.  Found by test_enum, test_datetime,
test_inspect and test_sqlite3 (unittest.mock makes a class per mock) on 3.10-3.13.

Exit status 1 while the bug is there.  PYTHONPATH=build/stage python3 garbage_class.py
Fixed in 9f43343; kept as a regression check (exit status 0 since).
"""
import gc
import sys

gc.disable()


def make():
    class Local:
        pass
    Local.me = Local()  # the class holds its instance, the instance its class


make()
from heapcore import hpy  # noqa: E402

h = hpy()
x = h.heap()
lost = x - x.dominos
print(sys.version.split()[0], "x.size", x.size, "x.domisize", x.domisize, "not in x.dominos:", lost.count)
if lost.count:
    print(lost.bytype)
    print("__main__.Local in heapu():", "__main__.Local" in str(h.heapu().bytype.all))
    print("sp of them:", repr(str(lost.sp)))
sys.exit(1 if lost.count else 0)
