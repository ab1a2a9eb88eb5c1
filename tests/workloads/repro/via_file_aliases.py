"""Documented difference (README, "Snapshot files"): a file keeps one label per reference, so
where one reference has two names the live byvia shows both and a loaded one only the first.

A staticmethod's __func__ and __wrapped__ are one field (one edge); a metaclass's __base__
and __class__ are the same object; the builtins dict holds `dict` under 'dict' and as its own
type.  run_workloads.py notes how many objects differ (about 200 on a bare interpreter, up to
half of a heap's objects after test_typing or test_dataclasses) and does not judge it.

Found by the workloads; reported, then documented rather than changed.  Exit status 1 if the
loaded label is not the first of the live ones.
"""
import os
import sys
import tempfile

import heapcore
from heapcore import hpy


def target():
    pass


class C:
    sm = staticmethod(target)


del target
h = hpy()
x = h.heap()
path = os.path.join(tempfile.mkdtemp(), "x.hcsnap")
x.dump(path)
y = heapcore.load(path)
one = x & h.iso(C.__dict__["sm"].__func__)
live, filed = one.byvia.stat.rows[0][1], (y & one).byvia.stat.rows[0][1]
print("live byvia:", live)
print("file byvia:", filed)
# live: "'.__func__', '.__wrapped__'"; loaded: "'.__func__'"
sys.exit(0 if live.split(", ")[0] == filed else 1)
