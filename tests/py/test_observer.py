"""The observer must not disturb the observed: no references held by snapshots, no freed
objects handed back, no lasting allocations, no materialised instance dicts."""
import gc
import subprocess
import sys
import unittest
import weakref

from support import hpy, VERSION
from heapcore import _internal


class Obj:
    def __init__(self):
        self.a = 1
        self.b = "x"


class Observer(unittest.TestCase):
    def test_snapshot_keeps_nothing_alive(self):
        h = hpy()
        o = Obj()
        w = weakref.ref(o)
        x = h.heap()
        self.assertIn(o, x)
        del o
        self.assertIsNone(w(), "an old snapshot kept a dropped object alive")
        del x

    def test_nodes_never_returns_freed_objects(self):
        h = hpy()
        objs = [Obj() for _ in range(200)]
        x = h.heap()
        row = [i for i, p in enumerate(_internal.rows(x)) if p[1] == "%s.Obj" % __name__][0]
        part = x[row]
        del objs
        # Reuse the freed addresses with objects of another type.
        filler = [[i] for i in range(2000)]
        self.assertEqual(part.nodes, [])
        del filler

    def test_taking_and_dropping_a_snapshot_leaves_the_heap_as_it_was(self):
        h = hpy()
        str(h.heap())  # warm-up: first-time imports and caches
        gc.collect()
        before = gc.get_objects()  # holds them: the check below is about new objects
        before_ids = {id(o) for o in before}
        blocks0 = sys.getallocatedblocks()
        for _ in range(3):
            x = h.heap()
            str(x)
            x.bytype
            del x
        gc.collect()
        self.assertLessEqual(abs(sys.getallocatedblocks() - blocks0), 20)
        after = gc.get_objects()
        after_ids = {id(o) for o in after}
        new = [o for o in after if id(o) not in before_ids and o is not before and o is not before_ids]
        self.assertLessEqual(len(new), 5, [type(o).__name__ for o in new][:20])
        # An object that left gc's lists was untracked by the collector (tuples and dicts of
        # untracked items, lazily, version-dependent), never freed: `before` holds it.
        untracked = [type(o).__name__ for o in before if id(o) not in after_ids and gc.is_tracked(o)]
        # The lists hold every object, their cells included: clear them, or they stay garbage.
        before.clear()
        after.clear()
        new.clear()
        self.assertEqual(untracked, [])

    @unittest.skipIf(VERSION < (3, 11), "managed dicts exist from 3.11 on")
    def test_instance_dicts_are_not_materialised(self):
        h = hpy()
        o = Obj()
        before = gc.get_referents(o)
        h.heap()
        after = gc.get_referents(o)
        self.assertEqual(len(before), len(after))
        self.assertFalse(any(type(r) is dict for r in after), "heap() created a __dict__")

    def test_importing_heapcore_brings_no_html_module(self):
        # heapcore's __init__ imports _display; the html package it once imported brought
        # html.entities into every user's heap (dicts keyed by the ints 0..0x2666, which
        # byvia showed as '[199]' rows)
        code = "import sys, heapcore; print(sorted(m for m in sys.modules if m.split('.')[0] == 'html'))"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        self.assertEqual(out.stdout.strip(), "[]")
        from heapcore import _display
        self.assertEqual(_display._esc("<a href=\"x\">&'</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&#x27;&lt;/a&gt;")

    def test_own_objects_never_appear(self):
        h = hpy()
        x = h.heap()
        y = h.heap()
        names = {p[1] for p in _internal.rows(y)}
        self.assertFalse(any(n.startswith("heapcore.") and n != "heapcore.demo" for n in names), names)
        from heapcore import _engine
        for own in (x, h, _internal.engine_set(x)):
            r = _internal.snapshot(y).find(id(own))
            self.assertTrue(r is None or r[1] & _engine.NODE_HIDDEN, (own, r))
            self.assertNotIn(own, y)

    def test_hostile_sizeof_gives_basic_size(self):
        class Hostile:
            def __sizeof__(self):
                raise RuntimeError("no")
        class Nonsense:
            def __sizeof__(self):
                return -5
        objs = [Hostile(), Nonsense()]
        x = hpy().heap()
        self.assertGreater(x.count, 0)
        self.assertGreaterEqual(_internal.snapshot(x).sizeof_failures, 2)
        del objs


if __name__ == "__main__":
    unittest.main()
