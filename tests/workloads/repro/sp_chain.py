"""Bug: x.sp of a set holding a long chain is quadratic in its length.

Snapshot.paths (pyglue/snapshot.c) with `shortest` calls hc_paths_get() for every member to find
the least depth, and hc_paths_get walks the member's whole parent chain: a set of n links
each at depth 1..n costs n^2/2 steps.  test_json leaves (on 3.11 and 3.13) a 100,000-deep chain of
nested dicts, and sp of x.byclodo[0].bysize[0] (those dicts) took 45 s.

Exit status 1 while a 40,000-link chain takes more than 2 s.
Fixed in 9f43343; kept as a regression check (exit status 0 since).
"""
import sys
import time

from heapcore import hpy


class Link:
    __slots__ = ("next",)


h = hpy()
worst = 0.0
for n in (10_000, 20_000, 40_000):
    head = None
    for _ in range(n):
        link = Link()
        link.next = head
        head = link
    del link
    chain = h.heap() & h.Type(Link)
    t = time.perf_counter()
    sp = chain.sp
    dt = time.perf_counter() - t
    worst = max(worst, dt)
    print("chain of %6d: x.sp %6.2f s -> %s" % (chain.count, dt, str(sp).splitlines()[0]))
    del head, chain, sp
sys.exit(1 if worst > 2.0 else 0)
