"""The object model the walk relies on: leaf types (skipped by the walk's second pass) really
refer to nothing but their type, on this interpreter's own objects of every type found."""
import gc
import sys
import unittest

from heapcore import _engine, hpy

import _enginetest


def sample_objects():
    """Many objects of many types: every gc object, everything they refer to, and a few
    non-gc values made here."""
    objs = gc.get_objects()
    seen = {id(o) for o in objs}
    for o in list(objs):
        for r in gc.get_referents(o):
            if id(r) not in seen:
                seen.add(id(r))
                objs.append(r)
    objs += [10**30, 2.5, 1j, "ß", b"x" * 40, bytearray(b"ab"), range(3), True, None,
             Ellipsis, NotImplemented, memoryview(b"abc"), slice(1, 2), frozenset({1}),
             (lambda: 0).__code__]
    return objs


class LeafTypes(unittest.TestCase):
    def test_leaf_instances_refer_to_their_type_only(self):
        checked = {}
        for o in sample_objects():
            tp = type(o)
            if not _enginetest.is_leaf_type(tp):
                continue
            self.assertEqual(_enginetest.referents(o), [id(tp)], "%s instance" % tp.__name__)
            checked[tp] = checked.get(tp, 0) + 1
        for tp in (int, float, str, bytes, complex):
            self.assertIn(tp, checked)
        self.assertGreater(sum(checked.values()), 1000)

    def test_type_only_labels_are_what_reading_gives(self):
        # byvia labels the edge from an instance of a type_only type to its type without
        # reading the instance (hc_labeller.type_only): reading it must give that label, for
        # that referent only.
        class SlotlessInt(int):
            __slots__ = ()

        checked = {}
        for o in sample_objects() + [SlotlessInt(7), SlotlessInt(10**40)]:
            tp = type(o)
            want = _enginetest.type_only_label(tp)
            if want is None:
                continue
            self.assertTrue(_enginetest.is_leaf_type(tp), tp)
            self.assertEqual(set(_enginetest.labels(o)), {(id(tp), want)}, "%s instance" % tp.__name__)
            checked[tp] = checked.get(tp, 0) + 1
        for tp in (int, float, str, bytes, complex):
            self.assertEqual(_enginetest.type_only_label(tp), ".__class__", tp)
            self.assertIn(tp, checked)
        self.assertGreater(sum(checked.values()), 1000)
        # read: a range names start, stop and step; containers, instances with attributes
        for tp in (range, list, dict, tuple, SlotlessInt.__mro__[1].__class__, type(sys)):
            if tp is not int:
                self.assertIsNone(_enginetest.type_only_label(tp), tp)

    def test_types_with_referents_are_not_leaves(self):
        class WithDict:
            pass

        class Slotted:
            __slots__ = ("a",)

        for tp in (list, dict, tuple, type, WithDict, Slotted, type(sys), type(gc.get_objects),
                   type((lambda: 0).__code__), type((lambda: (yield))())):
            self.assertFalse(_enginetest.is_leaf_type(tp), tp)

    def test_referents_match_the_walk(self):
        # The edges the walk records for an object are what referents() reports.
        holder = [b"payload", 12345678901, ("t",)]
        snap = _engine.snapshot()
        node = snap.lookup(holder)
        self.assertIsNotNone(node)
        edges = snap.node(node)["edges"]
        want = [snap.find(a)[0] for a in _enginetest.referents(holder)]
        self.assertEqual(edges, want)

    def test_referents_of_a_small_int_and_bad_arguments(self):
        self.assertEqual(_enginetest.referents(5), [id(int)])
        with self.assertRaises(TypeError):
            _enginetest.is_leaf_type(5)


class MembersOfNonGcTypes(unittest.TestCase):
    # A type without gc has no traverse: the objects its members hold (a range's start, stop
    # and step) were no edge and, held by nothing else, in no snapshot.
    def test_objects_only_a_range_holds_are_found(self):
        big = 10**40 + 12345
        r = range(big, big + 10, 10**30 + 7)
        del big
        self.assertFalse(_enginetest.is_leaf_type(range))
        self.assertIsNone(_enginetest.type_only_label(range))
        want = [id(r.start), id(r.stop), id(r.step)]
        self.assertLessEqual(set(want), set(_enginetest.referents(r)))
        snap = _engine.snapshot()
        edges = snap.node(snap.lookup(r))["edges"]
        for o in (r.start, r.stop, r.step):
            self.assertIsNotNone(snap.lookup(o), o)
            self.assertIn(snap.lookup(o), edges)
        self.assertLessEqual({(want[0], ".start"), (want[1], ".stop"), (want[2], ".step")},
                             set(_enginetest.labels(r)))
        h = hpy()
        self.assertIn(".start", str(h.iso(r.start).byvia))

    def test_objects_only_a_long_range_iterator_holds_are_found(self):
        # longrange_iterator: not gc, no members, every field an object (version-dependent)
        it = iter(range(10**40, 10**40 + 10**35, 10**31 + 3))
        next(it)
        self.assertFalse(_enginetest.is_leaf_type(type(it)))
        held = [a for a, label in _enginetest.labels(it) if label in (".start", ".step", ".len")]
        self.assertEqual(len(held), 3, _enginetest.labels(it))
        snap = _engine.snapshot()
        edges = snap.node(snap.lookup(it))["edges"]
        for a in held:  # the length, for one, is an int nothing else holds
            self.assertIsNotNone(snap.find(a), hex(a))
            self.assertIn(snap.find(a)[0], edges)


def variety():
    """Instances of many C types from CPython and its extension modules, so that the parallel
    walk meets every kind of traverse function there is (each test of the walk also walks the
    whole interpreter, with everything these imports made)."""
    import array, asyncio, collections, contextvars, datetime, decimal, functools, io, itertools
    import json, operator, re, struct, threading, types, weakref, xml.etree.ElementTree as ET
    import _pickle
    it = iter([1, 2])
    out = [
        _pickle.Pickler(io.BytesIO()), array.array("i", [1]), collections.deque([1]),
        collections.Counter("ab"), collections.defaultdict(list), functools.partial(len),
        functools.lru_cache()(len), itertools.count(), itertools.chain([1], [2]),
        itertools.groupby("aab"), itertools.tee(it)[0], operator.itemgetter(1),
        operator.attrgetter("a"), re.compile("a+"), re.match("a", "a"), struct.Struct("i"),
        decimal.Decimal("1.5"), decimal.getcontext(), datetime.datetime.now(),
        datetime.timezone.utc, io.StringIO("x"), io.BytesIO(b"x"), threading.Lock(),
        threading.local(), types.SimpleNamespace(a=1), types.MappingProxyType({"a": 1}),
        weakref.WeakValueDictionary(), contextvars.ContextVar("v"), contextvars.copy_context(),
        json.JSONDecoder(), ET.Element("a"), asyncio.Future, memoryview(b"ab"), range(3),
        sys.flags, sys.float_info, os_stat(), time_struct(), ValueError("x"), OSError(2, "y"),
        enumerate([1]), zip([1], [2]), map(len, ["a"]), filter(None, [1]), reversed([1]),
        iter({1: 2}.items()), {1: 2}.keys(), super(ValueError, ValueError()),
    ]
    return out


def os_stat():
    import os
    return os.stat(".")


def time_struct():
    import time
    return time.localtime()


class ThreadSafeTypes(unittest.TestCase):
    """The walk's second pass records instances of thread-safe types on a helper thread."""

    def test_core_containers_and_classes_are_threadsafe(self):
        class WithDict:
            pass

        class Slotted:
            __slots__ = ("a",)

        class MyList(list):
            pass

        class Deeper(WithDict, MyList):
            pass

        import collections
        import weakref

        class MyError(KeyError):
            pass

        for tp in (list, dict, tuple, set, frozenset, WithDict, Slotted, MyList, Deeper,
                   type(lambda: 0), type(len), property, staticmethod, object,
                   collections.OrderedDict, ValueError, FileNotFoundError, MyError,
                   weakref.ref, memoryview, type(type.__dict__)):
            self.assertTrue(_enginetest.is_threadsafe_type(tp), tp)

    def test_types_modules_code_frames_generators_and_others_are_not(self):
        import collections
        import functools

        class Meta(type):
            pass

        class MyDeque(collections.deque):
            pass

        def gen():
            yield

        async def coro():
            pass

        async def agen():
            yield

        # structseq_traverse reads the type's dict, which 3.12+ keeps in the interpreter
        # state for static types: only the GIL holder's thread may record those.
        for tp in (type, Meta, type(sys), type(gen.__code__), type(sys._getframe()),
                   type(gen()), type(agen()), type(sys.flags), type(sys.float_info),
                   collections.deque, MyDeque, functools.partial):
            self.assertFalse(_enginetest.is_threadsafe_type(tp), tp)
        c = coro()
        self.assertFalse(_enginetest.is_threadsafe_type(type(c)))
        c.close()
        with self.assertRaises(TypeError):
            _enginetest.is_threadsafe_type(5)

    def test_types_whose_traverse_is_in_an_extension_module_are_not(self):
        import _pickle
        if not getattr(_pickle, "__file__", None):
            self.skipTest("_pickle is built into this interpreter")
        # Pickler has its own tp_traverse, in _pickle's shared object.
        self.assertFalse(_enginetest.is_threadsafe_type(_pickle.Pickler))

        class Sub(_pickle.Pickler):  # subtype_traverse would call Pickler's traverse
            pass

        self.assertFalse(_enginetest.is_threadsafe_type(Sub))

    def test_parallel_walk_equals_serial_walk(self):
        import collections
        import functools
        import io
        import _pickle

        class Node:
            def __init__(self, i):
                self.i = i
                self.kids = [i, str(i)]

        class Slotted:
            __slots__ = ("a", "b")

        objs = []
        for i in range(40000):
            s = Slotted()
            s.a, s.b = (i, i + 1), {i}
            objs += [Node(i), s, collections.deque([i, None]), {"k": [i]},
                     functools.partial(print, i)]
        objs += variety()
        import os
        os.environ["HEAPCORE_NO_PARALLEL"] = "1"
        try:
            serial = _engine.snapshot()
        finally:
            del os.environ["HEAPCORE_NO_PARALLEL"]
        parallel = _engine.snapshot()
        self.assertGreater(parallel.n, 1 << 17)  # big enough for the helper thread
        self.assertEqual(parallel.lost_edges, 0)
        parallel.validate()

        def edges(snap, o):
            node = snap.lookup(o)
            self.assertIsNotNone(node)
            return [snap.node(e)["address"] for e in snap.node(node)["edges"]]

        for o in objs:
            self.assertEqual(edges(parallel, o), edges(serial, o), type(o))
            self.assertEqual(edges(parallel, o), _enginetest.referents(o), type(o))


if __name__ == "__main__":
    unittest.main()
