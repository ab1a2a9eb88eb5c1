"""Helpers shared by the unittest modules."""
import gc
import sys
import tracemalloc

from heapcore import hpy, _engine
from heapcore import _internal

VERSION = sys.version_info[:2]


def found(x, address):
    """(flags, type name) of the object at `address` in heap set x's snapshot, or None."""
    r = _internal.snapshot(x).find(address)
    return None if r is None else (r[1], r[2])


def reachable(x, address, type_name):
    """True if the object at address, of that type, is in x and reached from the roots."""
    r = found(x, address)
    return (r is not None and r[1] == type_name
            and not r[0] & (_engine.NODE_UNREACH | _engine.NODE_HIDDEN))


def rows(x):
    """{kind name: (count, size)} of a heap set's partition."""
    return {name: (count, size) for _, name, count, size in _internal.rows(x)}


def traced(build):
    """(what build() returns, the bytes tracemalloc saw it keep allocated).  Freelists are
    emptied before (gc.collect does) and after, so reuse neither hides nor adds bytes."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        obj = build()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return obj, after - before
