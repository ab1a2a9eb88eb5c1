"""The object model the walk relies on: leaf types (skipped by the walk's second pass) really
refer to nothing but their type, on this interpreter's own objects of every type found."""
import gc
import sys
import unittest

from heapcore import _engine


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
            if not _engine.is_leaf_type(tp):
                continue
            self.assertEqual(_engine.referents(o), [id(tp)], "%s instance" % tp.__name__)
            checked[tp] = checked.get(tp, 0) + 1
        for tp in (int, float, str, bytes, complex):
            self.assertIn(tp, checked)
        self.assertGreater(sum(checked.values()), 1000)

    def test_types_with_referents_are_not_leaves(self):
        class WithDict:
            pass

        class Slotted:
            __slots__ = ("a",)

        for tp in (list, dict, tuple, type, WithDict, Slotted, type(sys), type(gc.get_objects),
                   type((lambda: 0).__code__), type((lambda: (yield))())):
            self.assertFalse(_engine.is_leaf_type(tp), tp)

    def test_referents_match_the_walk(self):
        # The edges the walk records for an object are what referents() reports.
        holder = [b"payload", 12345678901, ("t",)]
        snap = _engine.snapshot()
        node = snap.lookup(holder)
        self.assertIsNotNone(node)
        edges = snap.node(node)["edges"]
        want = [snap.find(a)[0] for a in _engine.referents(holder)]
        self.assertEqual(edges, want)

    def test_referents_of_a_small_int_and_bad_arguments(self):
        self.assertEqual(_engine.referents(5), [id(int)])
        with self.assertRaises(TypeError):
            _engine.is_leaf_type(5)


if __name__ == "__main__":
    unittest.main()
