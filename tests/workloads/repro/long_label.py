"""Bug: a byvia row name holds a dict key whole, and printing the table wraps it in quadratic
time (pyglue/heapcore/_format.py wrap(): rest = rest[WRAP - INDENT:] in a loop).

test_ctypes' test_structures makes Structure fields named 'x' * 10**i up to 10**7; on 3.12 the
names end up in the interned-strings dict, whose key for the 10 MB string labels the edge to
it: byvia's row is "['xxx...x']", 10 MB long, and str(x.byvia) on that heap takes over a
minute (and str() of the loaded set's byvia again).  Any dict with a long key does it (below);
doubling the key quadruples the time.

Exit status 1 while rendering a 2 MB name takes more than a second.
Fixed in 9f43343; kept as a regression check (exit status 0 since).
"""
import sys
import time

from heapcore import hpy

h = hpy()
worst = 0.0
for n in (250_000, 500_000, 1_000_000, 2_000_000):
    held = bytearray(1)
    table = {"x" * n: held}
    v = h.iso(held).byvia
    name = v.stat.rows[0][1]
    t = time.perf_counter()
    text = str(v)
    dt = time.perf_counter() - t
    worst = max(worst, dt)
    print("key of %9d chars: row name %9d chars, str(byvia) %6.2f s" % (n, len(name), dt))
    del held, table, v, name, text
sys.exit(1 if worst > 1.0 else 0)
