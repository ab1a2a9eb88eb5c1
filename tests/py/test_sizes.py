"""True sizes, per built-in type, on this interpreter: a node's size is sys.getsizeof plus the
headers CPython adds, with the documented, version-specific corrections
(thesis-notes/sizes.md)."""
import array
import collections
import sys
import types
import unittest
import weakref

from heapcore import _engine

from support import VERSION

STATIC_TYPE_GETSIZEOF_EXTRA = 16 if VERSION in ((3, 11), (3, 12)) else 0


def expected(o):
    """sys.getsizeof(o) corrected as sizes.md says, for objects without managed-dict values."""
    n = sys.getsizeof(o)
    if type(o) is int and VERSION >= (3, 11) and abs(o) < 2**30:
        n += 4  # _PyLong_FromMedium asks for sizeof(PyLongObject) = 32, __sizeof__ says 28
    if isinstance(o, type) and not (o.__flags__ & (1 << 9)):  # static type
        n -= STATIC_TYPE_GETSIZEOF_EXTRA  # 3.11/3.12's getsizeof adds a pre-header it lacks
    return n


def gen():
    yield 1


async def coro():
    pass


class Plain:
    pass


class Slotted:
    __slots__ = ("a", "b")


def samples():
    """(label, object) pairs: every built-in type the walk sizes in C, and some that need
    their own __sizeof__, each empty and non-empty, small and large."""
    s = Slotted()
    s.a = 1
    c = coro()
    grown = []
    for i in range(37):
        grown.append(i)
    ba = bytearray(b"x" * 10)
    ba.extend(b"y" * 100)
    out = [
        ("int 0..2^30", 7 + int("1000")), ("negative int", -int("123456")),
        ("2-digit int", 2**40 + int("1")), ("big int", 10**100 + int("1")),
        ("float", 2.5 + float("1")), ("complex", 1j + complex("1")),
        ("ascii str", "abc" + str(1)), ("latin-1 str", "é" * 3 + str(1)),
        ("bmp str", "ĀĀ" + str(1)), ("astral str", "\U0001F600" + str(1)),
        ("long str", "x" * 10000 + str(1)),
        ("bytes", b"abc" + bytes(3)), ("long bytes", bytes(5000)),
        ("bytearray", bytearray(b"abc")), ("grown bytearray", ba),
        ("empty list", []), ("list", [1, 2, 3]), ("grown list", grown),
        ("tuple", (1, "a", None)), ("long tuple", tuple(range(1000))),
        ("empty dict", {}), ("int-key dict", {i: i for i in range(20)}),
        ("str-key dict", {"k%d" % i: i for i in range(20)}),
        ("set", {1, 2, 3}), ("big set", set(range(1000))), ("frozenset", frozenset("abc")),
        ("empty set", set()),
        ("range", range(10)), ("slice", slice(1, 2, 3)), ("memoryview", memoryview(b"abc")),
        ("function", lambda: 0), ("builtin function", len), ("bound method", [].append),
        ("method", Plain().__init__), ("module", types.ModuleType("m")),
        ("cell", (lambda: grown).__closure__[0]), ("property", property(len)),
        ("classmethod", classmethod(len)), ("staticmethod", staticmethod(len)),
        ("code", (lambda x, y: x + y).__code__), ("exception", ValueError("x")),
        ("generator", gen()), ("coroutine", c), ("weakref", weakref.ref(Plain)),
        ("static type", int), ("static type (object)", object), ("heap type", Plain),
        ("__slots__ instance", s), ("None", None), ("True", True),
        ("deque (own __sizeof__)", collections.deque(range(100))),
        ("array (own __sizeof__)", array.array("i", range(100))),
        ("OrderedDict (own __sizeof__)", collections.OrderedDict(a=1)),
    ]
    return out, [c]


class Sizes(unittest.TestCase):
    def test_every_builtin_type(self):
        objs, cleanup = samples()
        snap = _engine.snapshot()
        mismatches = []
        for label, o in objs:
            node = snap.lookup(o)
            self.assertIsNotNone(node, label)
            got = snap.node(node)["size"]
            if got != expected(o):
                mismatches.append("%s: size %d, getsizeof %d, expected %d"
                                  % (label, got, sys.getsizeof(o), expected(o)))
        for c in cleanup:
            c.close()
        self.assertEqual(mismatches, [])

    def test_managed_dict_instances_count_their_values(self):
        # 3.11+: the values array belongs to the instance and getsizeof omits it.
        o = Plain()
        o.a, o.b, o.c = 1, 2, 3
        snap = _engine.snapshot()
        got = snap.node(snap.lookup(o))["size"]
        if VERSION >= (3, 11):
            self.assertGreaterEqual(got, sys.getsizeof(o) + 3 * 8)
        else:
            self.assertEqual(got, sys.getsizeof(o))

    def test_own_sizeof_plus_managed_values(self):
        # A class with its own __sizeof__: header + what it says + the values block no
        # __sizeof__ counts (the same block as a plain class's instance with the same keys).
        class Three:
            def __init__(self):
                self.a, self.b, self.c = 1, 2, 3

        class OwnSizeof(Three):
            def __sizeof__(self):
                return object.__sizeof__(self) + 1000

        plain, own = Three(), OwnSizeof()
        snap = _engine.snapshot()
        values = snap.node(snap.lookup(plain))["size"] - sys.getsizeof(plain)
        if VERSION >= (3, 11):
            self.assertGreaterEqual(values, 3 * 8)
        else:
            self.assertEqual(values, 0)
        self.assertEqual(snap.node(snap.lookup(own))["size"], sys.getsizeof(own) + values)


if __name__ == "__main__":
    unittest.main()
