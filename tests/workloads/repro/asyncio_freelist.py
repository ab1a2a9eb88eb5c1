"""Bug: on 3.12, heap() counts a freed FutureIter as alive, and x.nodes revives it (a double
free: _asyncio's freelist becomes a cycle and the next walk never ends).

3.12's _asyncio module_traverse visits the future-iterator freelist (state->fi_freelist): freed
FutureIter objects that keep their ob_type and are chained through ->future.  The walk takes
them as live objects of type FutureIter; resolve() (x.nodes, byprod, byid's briefs) matches
them by address and type and hands them back with a new reference (refcount 0 -> 1); when that
reference goes, the object is deallocated a second time and pushed on the freelist again,
which makes the list cyclic: the next walk loops for ever in module_traverse.  Found by
test_coroutines, test_inspect and test_asyncio.* (they all await futures) on 3.12 only (3.10
and 3.11 keep the freelist in a static; 3.13 does not traverse it).

The second walk runs in a child with a timeout.  Exit status 1 while the bug is there.
Fixed in 9f43343; kept as a regression check (exit status 0 since).
"""
import os
import subprocess
import sys

CHILD = r'''
import asyncio, sys
from heapcore import hpy
loop = asyncio.new_event_loop()
fut = loop.create_future()
it = fut.__await__()       # a FutureIter, freed onto _asyncio's freelist below
FI = type(it)
del it
h = hpy()
x = h.heap()
fi = x & h.Type(FI)
print("FutureIter objects in heap():", fi.count, "(0 are alive)")
objs = fi.nodes            # the freed iterator, with refcount 1
print("x.nodes gives:", [(type(o).__name__, "references: %d (the list's: it had none)" % (sys.getrefcount(o) - 2)) for o in objs])
del objs                   # refcount 1 -> 0: freed again, the freelist is now a cycle
print("heap() again:", flush=True)
print(h.heap().count, "objects")
'''

try:
    r = subprocess.run([sys.executable, "-c", CHILD], timeout=30, env=os.environ)
    hung = False
except subprocess.TimeoutExpired:
    hung = True
    print("... the second heap() did not return in 30 s")
sys.exit(1 if hung or r.returncode else 0)
