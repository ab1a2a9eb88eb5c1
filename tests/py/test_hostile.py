"""Hostile objects: each gets a correct result or a clear exception, never a crash.

Python-level hostility (__sizeof__, __getattribute__, __eq__, __hash__, __class__, odd
metaclasses and module dicts) and C-level hostility (_hostile, built for the tests: tp_traverse
visiting NULL, the same referent many times, or failing; a type without tp_traverse; a
nonsense ob_size); and objects made and dropped by another thread while .nodes runs."""
import gc
import os
import sys
import tempfile
import threading
import types
import unittest

from support import hpy, rows, _engine, VERSION

import heapcore
from heapcore import _internal
import _hostile

TMP = tempfile.mkdtemp(prefix="heapcore-hostile-")


def analyse(h, x):
    """Everything a user might do with a set: returns the texts (no exception expected)."""
    out = [str(x)]
    for c in ("bytype", "byclodo", "byrcs", "bysize", "bymodule", "byvia", "byunity"):
        out.append(str(getattr(x, c)))
    out += [str(x.domisize), str(x.dominos.bytype), str(x.top(3)), str(x.sp), str(x.referrers.bytype),
            str(x.referents.bytype), str(x.rp)]
    path = os.path.join(TMP, "x.hcs")
    x.dump(path)
    y = heapcore.load(path)
    out += [str(y.bytype), str(y.byvia)]
    return out


class Raising:
    """Every dunder a tool might call raises."""
    def __getattribute__(self, name):
        raise RuntimeError("__getattribute__ %s" % name)

    def __getattr__(self, name):
        raise RuntimeError("__getattr__ %s" % name)

    def __eq__(self, other):
        raise RuntimeError("__eq__")

    def __hash__(self):
        raise RuntimeError("__hash__")

    def __repr__(self):
        raise RuntimeError("__repr__")

    def __sizeof__(self):
        raise RuntimeError("__sizeof__")

    def __len__(self):
        raise RuntimeError("__len__")

    def __bool__(self):
        raise RuntimeError("__bool__")


MUTATED = []


class Mutating:
    """Every dunder a tool might call changes the heap (and __sizeof__ frees other objects)."""
    def __getattribute__(self, name):
        MUTATED.append([name] * 10)
        return object.__getattribute__(self, name)

    def __eq__(self, other):
        MUTATED.append(["eq"] * 10)
        return self is other

    def __hash__(self):
        MUTATED.append(["hash"] * 10)
        return 7

    def __sizeof__(self):
        MUTATED.append(["sizeof"] * 10)
        del VICTIMS[:]  # frees objects the walk has just seen
        return 100


class Victim:
    pass


class Plain:
    pass


class Says100:
    def __sizeof__(self):
        return 100


VICTIMS = []


class Liar:
    """Claims to be something else."""
    __class__ = property(lambda self: int)
    __dict__ = property(lambda self: {"fake": 1})


class OddMeta(type):
    """A metaclass whose instances (classes) lie about __dict__, __name__ and __module__."""
    def __getattribute__(cls, name):
        if name in ("__dict__", "__name__", "__qualname__", "__module__", "__mro__"):
            raise RuntimeError("OddMeta.%s" % name)
        return type.__getattribute__(cls, name)


class OddClass(metaclass=OddMeta):
    pass


class OddPrepared(type):
    @classmethod
    def __prepare__(mcls, name, bases):
        class Ns(dict):
            def __setitem__(self, k, v):
                dict.__setitem__(self, k, v)
        return Ns()


class Prepared(metaclass=OddPrepared):
    x = 1


class Hostile(unittest.TestCase):
    def setUp(self):
        self.h = hpy()

    def count_of(self, x, cls):
        return (x & self.h.Type(cls)).count

    def test_raising_dunders(self):
        objs = [Raising() for _ in range(50)]
        x = self.h.heap()
        r = x & self.h.Type(Raising)
        self.assertEqual(r.count, 50)
        self.assertEqual(rows(r.bytype), {"%s.Raising" % __name__: (50, r.size)})
        # __sizeof__ raised: each gets the size of an instance of a class that does not
        # override it (the same layout)
        plain = [Plain() for _ in range(50)]
        self.assertEqual(r.size, (self.h.heap() & self.h.Type(Plain)).size)
        del plain
        analyse(self.h, r)
        self.assertIn(objs[0], x)  # identity, never __eq__ or __hash__
        self.assertEqual(len(r.nodes), 50)
        self.assertEqual(self.h.iso(objs[0], objs[1]).count, 2)
        del objs

    def test_mutating_dunders(self):
        VICTIMS[:] = [Victim() for _ in range(1000)]
        objs = [Mutating() for _ in range(20)]
        MUTATED.clear()
        x = self.h.heap()
        self.assertEqual(VICTIMS, [])  # the __sizeof__ calls ran after the walk
        self.assertEqual(self.count_of(x, Victim), 1000)  # the snapshot as of the walk
        self.assertEqual(self.count_of(x, Mutating), 20)
        m = x & self.h.Type(Mutating)
        refs = [Says100() for _ in range(20)]  # the same layout, the same answer, harmless
        self.assertEqual(m.size, (self.h.heap() & self.h.Type(Says100)).size)
        del refs
        analyse(self.h, m)
        self.assertEqual(self.count_of(self.h.heap(), Victim), 0)
        before = len(MUTATED)
        self.assertIn(objs[0], x)
        self.assertEqual(len(m.nodes), 20)
        self.assertEqual(len(MUTATED), before)  # neither __eq__ nor __hash__ was called
        del objs

    def test_sizeof_that_calls_heap(self):
        # It would call itself without end: the inner heap() raises a clear RuntimeError
        # (which, raised from a __sizeof__, makes the outer snapshot use the basic size).
        inner = []

        class Reentrant:
            def __sizeof__(self):
                try:
                    hpy().heap()
                except RuntimeError as e:
                    inner.append(str(e))
                return 50
        o = Reentrant()
        x = self.h.heap()
        self.assertEqual(len(inner), 1)
        self.assertIn("__sizeof__", inner[0])
        self.assertEqual(self.count_of(x, Reentrant), 1)
        self.assertGreater(self.h.heap().count, 0)  # and afterwards all is well
        del o

    def test_sizeof_nonsense(self):
        class Huge:
            def __sizeof__(self):
                return 1 << 80

        class NotInt:
            def __sizeof__(self):
                return "big"

        class Negative:
            def __sizeof__(self):
                return -1
        objs = [Huge(), NotInt(), Negative()]
        x = self.h.heap()
        for cls in (Huge, NotInt, Negative):
            s = x & self.h.Type(cls)
            self.assertEqual(s.count, 1)
            self.assertLess(s.size, 1000)  # the basic size: the answer is ignored
        self.assertGreaterEqual(_internal.snapshot(x).sizeof_failures, 3)
        del objs

    def test_sizeof_keyboard_interrupt_is_not_swallowed(self):
        class Interrupting:
            def __sizeof__(self):
                raise KeyboardInterrupt
        o = Interrupting()
        with self.assertRaises(KeyboardInterrupt):
            self.h.heap()
        del o
        self.assertGreater(self.h.heap().count, 0)

    def test_liar(self):
        objs = [Liar() for _ in range(10)]
        self.assertIs(objs[0].__class__, int)
        x = self.h.heap()
        self.assertEqual(self.count_of(x, Liar), 10)
        self.assertEqual(self.count_of(x & self.h.iso(*objs), int), 0)
        analyse(self.h, x & self.h.Type(Liar))
        del objs

    def test_odd_metaclasses(self):
        objs = [OddClass() for _ in range(5)] + [Prepared() for _ in range(5)]
        x = self.h.heap()
        self.assertEqual(self.count_of(x, OddClass), 5)
        self.assertEqual(self.count_of(x, Prepared), 5)
        self.assertIn("%s.OddClass" % __name__, rows((x & self.h.Type(OddClass)).bytype))
        classes = x & self.h.iso(OddClass, Prepared)
        self.assertEqual(classes.count, 2)
        analyse(self.h, classes | (x & self.h.Type(OddClass)))
        del objs

    def test_odd_type_and_module_names(self):
        weird = type("we\nird\t\u00e9\U0001F600" + "x" * 300, (), {})
        weird.__module__ = 42  # not a str
        mod = types.ModuleType("m")
        mod.__name__ = 5
        del mod.__dict__["__doc__"]
        mod2 = types.ModuleType("m2")
        mod2.__dict__.clear()
        sys.modules["heapcore_test_weird"] = mod
        sys.modules["heapcore_test_weird2"] = mod2
        try:
            objs = [weird() for _ in range(3)]
            x = self.h.heap()
            w = x & self.h.Type(weird)
            self.assertEqual(w.count, 3)
            analyse(self.h, w)
            analyse(self.h, x & self.h.iso(mod, mod2))
            str(x.bymodule)
            del objs
        finally:
            del sys.modules["heapcore_test_weird"], sys.modules["heapcore_test_weird2"]

    def test_traverse_visiting_null(self):
        held = ["held by NullVisit"]
        o = _hostile.NullVisit(held)
        self.assertFalse(gc.is_tracked(o))
        x = self.h.heap()
        n = x & self.h.iso(o)
        self.assertEqual(n.count, 1)
        self.assertIn(held, x)
        self.assertIn(held, n.referents)  # the NULL is skipped, the rest still seen
        analyse(self.h, n)
        gc.collect()  # still fine for CPython: o is untracked

    def test_traverse_visiting_one_referent_many_times(self):
        o = _hostile.ManyVisits(["target", "of ManyVisits"], 100000)
        x = self.h.heap()
        n = x & self.h.iso(o)
        self.assertEqual(n.referents.count, 2)  # the list and the type: duplicates merge
        self.assertEqual(n.referents.bytype.count, 2)
        # o dominates the list, the list's strs are interned constants held elsewhere too
        self.assertEqual(rows(n.dominos.bytype).get("list", (0,))[0], 1)
        self.assertEqual(n.referrers.count, 1)  # this test's frame
        analyse(self.h, n)

    def test_traverse_failing(self):
        target = ["target of FailingVisit"]
        o = _hostile.FailingVisit(target)
        x = self.h.heap()
        n = x & self.h.iso(o)
        self.assertEqual(n.count, 1)
        self.assertIn(target, x)
        analyse(self.h, n)

    def test_type_without_traverse(self):
        # Opaque holds a list it never reports: the list is still found (a gc object no root
        # reaches), and an untracked str it holds cannot be (documented in README, Guarantees).
        held = ["only Opaque holds this list"]
        o = _hostile.Opaque(held)
        del held
        x = self.h.heap()
        self.assertEqual(self.count_of(x, _hostile.Opaque), 1)
        self.assertEqual((x & self.h.iso(o)).referents.count, 1)  # its type only
        u = self.h.heapu()
        self.assertEqual(len([s for s in u.nodes if s == ["only Opaque holds this list"]]), 1)
        analyse(self.h, x & self.h.iso(o))
        del o

    def test_nonsense_ob_size(self):
        objs = [_hostile.OddSize(n) for n in (-1, -(1 << 62), 1 << 40, -sys.maxsize - 1, sys.maxsize)]
        x = self.h.heap()
        s = x & self.h.Type(_hostile.OddSize)
        self.assertEqual(s.count, 5)
        self.assertLess(s.size, 1 << 62)  # bounded, whatever ob_size says
        analyse(self.h, s)
        del objs


class Churn(unittest.TestCase):
    def test_nodes_while_another_thread_makes_and_drops_objects(self):
        h = hpy()

        class Item:
            pass
        keep = [Item() for _ in range(5000)]
        x = h.heap() & h.Type(Item)
        stop = threading.Event()
        made = [0]

        def churn():
            pool = []
            while not stop.is_set():
                pool.append(Item())
                if len(pool) > 3000:
                    del pool[:1500]
                made[0] += 1
        t = threading.Thread(target=churn)
        t.start()
        try:
            for _ in range(20):
                nodes = x.nodes
                self.assertEqual(len(nodes), 5000)  # the set's objects: all alive still
                self.assertTrue(all(type(o) is Item for o in nodes))
                y = h.heap() & h.Type(Item)
                self.assertGreaterEqual(y.count, 5000)
                self.assertTrue(all(type(o) is Item for o in y.nodes))
                del nodes
        finally:
            stop.set()
            t.join()
        self.assertGreater(made[0], 0)
        del keep


if __name__ == "__main__":
    unittest.main()
