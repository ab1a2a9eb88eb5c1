"""guppy3 compatibility of heap sets: byprod's wrong answers (3.11's instances with managed
dicts were "<not traced>", and objects only an iso() set holds "<freed since the snapshot>"),
sets of two walks combined by | and ^, and Heapy's set attributes."""
import os
import tempfile
import tracemalloc
import unittest

from heapcore import hpy, _internal

h = hpy()


def table_rows(x):
    return {r[1]: (r[2], r[3]) for r in _internal.rows(x)}


class Plain:
    pass


class ByProd(unittest.TestCase):
    def setUp(self):
        self.was_tracing = tracemalloc.is_tracing()
        if not self.was_tracing:
            tracemalloc.start()

    def tearDown(self):
        if not self.was_tracing:
            tracemalloc.stop()

    def test_instances_of_plain_classes_are_attributed(self):
        objs = [Plain() for _ in range(3)]; line = _line()  # noqa: E702 (the allocating line)
        rows = table_rows(h.iso(*objs).byprod)
        self.assertEqual(rows, {"%s:%d" % (__file__, line): (3, h.iso(*objs).size)}, rows)

    def test_objects_only_the_set_holds_are_live(self):
        objs = [Plain() for _ in range(2)]; line = _line()  # noqa: E702
        x = h.iso(*objs)
        del objs  # x holds them
        rows = table_rows(x.byprod)
        self.assertEqual(list(rows), ["%s:%d" % (__file__, line)])

    def test_a_loaded_file_and_the_empty_set(self):
        x = h.iso(Plain(), [1])
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "s.hcsnap")
            x.dump(path)
            rows = table_rows(h.load(path).byprod)
        self.assertEqual(rows, {"<freed since the snapshot>": (2, x.size)})  # not live here
        self.assertEqual(str(h.Nothing.byprod), "<Nothing>")


def _make_plain(n):
    return [Plain() for _ in range(n)]


class ProdAndIdset(unittest.TestCase):
    """x.prod and h.Idset were AttributeError."""

    def test_prod_lists_each_allocation_traceback(self):
        was = tracemalloc.is_tracing()
        if was:
            tracemalloc.stop()
        tracemalloc.start(4)
        try:
            objs = _make_plain(3); line = _line()  # noqa: E702
            text = str(h.iso(*objs, "a literal").prod)
        finally:
            tracemalloc.stop()
            if was:
                tracemalloc.start()
        lines = text.splitlines()
        self.assertEqual(lines[0], "Producers of 4 objects, %d bytes (tracemalloc), largest first:"
                         % h.iso(*objs, "a literal").size)
        self.assertEqual(lines[1], " 0: 3 objects, %d bytes" % h.iso(*objs).size)
        self.assertIn('    File "%s", line %d' % (__file__, line), lines)  # the caller
        self.assertIn("<not traced>: 1 object", text)  # the literal: made at compile time

    def test_idset(self):
        a, b = Plain(), Plain()
        x = h.iso(a, b)
        self.assertIs(x.by(h.Idset).er, h.Idset)
        self.assertEqual(str(x.by(h.Idset)), str(x.byidset))
        self.assertEqual(h.heap() & h.Idset(x), x)
        with self.assertRaises(TypeError):
            h.Idset(5)


class OneKind:
    pass


class OtherKind:
    pass


class AcrossWalks(unittest.TestCase):
    """(h.heap() & A) | (h.heap() & B) raised "ValueError: '|' needs two sets of one snapshot"."""

    def test_union_and_xor_of_two_walks(self):
        keep_a = [OneKind() for _ in range(3)]
        x1 = h.heap() & h.Type(OneKind)
        keep_b = [OtherKind() for _ in range(2)]
        x2 = h.heap() & h.Type(OtherKind)
        u = x1 | x2
        self.assertEqual(u.count, 5)
        self.assertEqual(table_rows(u)[__name__ + ".OneKind"][0], 3)
        self.assertEqual(u, h.iso(*keep_a, *keep_b))
        self.assertEqual((x1 ^ (h.heap() & h.Type(OneKind))).count, 0)
        self.assertEqual((x1 ^ u).count, 2)
        self.assertEqual(h.iso(keep_a[0]).referrers | h.iso(keep_b[0]).referrers,
                         h.iso(keep_a, keep_b))

    def test_members_freed_since_are_left_out_and_said(self):
        keep_a = [OneKind() for _ in range(3)]
        x1 = h.heap() & h.Type(OneKind)
        del keep_a[0]
        keep_b = [OtherKind()]
        x2 = h.heap() & h.Type(OtherKind)  # its walk did not see the freed one
        u = x1 | x2
        self.assertEqual(u.count, 3)
        self.assertIn("1 member of the operands was freed since their walks: left out.", str(u))

    def test_a_loaded_file_does_not_combine_by_union(self):
        x = h.iso(OneKind())
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "s.hcsnap")
            x.dump(path)
            with self.assertRaisesRegex(ValueError, "loaded snapshot"):
                h.load(path) | h.iso(OtherKind())


class Node:
    def __init__(self, name):
        self.name = name
        self.kids = []


class Attributes(unittest.TestCase):
    """x.er, x.partition, x.owners, x.imdom and hash(x) were AttributeError / TypeError."""

    def setUp(self):
        global root, reg
        root = Node("root")
        root.kids.extend(Node("k%d" % i) for i in range(3))
        reg = {"key": root}

    def test_er_is_the_classifier_object(self):
        x = h.heap()
        self.assertIs(x.er, h.Clodo)
        self.assertIs(x.bytype.er, h.Type)
        self.assertIs(x.byrcs.er, h.Rcs)
        self.assertIs(x.byvia.er, h.Via)
        self.assertEqual(x.by(h.Type & h.Size).er, h.Type & h.Size)
        self.assertEqual(str(x.by(x.bytype.er)).splitlines()[1], str(x.bytype).splitlines()[1])

    def test_partition(self):
        x = h.heap() & (h.Type(Node) | h.Type(list))
        p = x.partition
        self.assertEqual(len(p), 2)
        self.assertEqual(sorted(p.kinds), sorted([__name__ + ".Node", "list"]))
        self.assertEqual(p[0] | p[1], x)
        self.assertEqual([s.count for s in p], [r.count for r in x.parts])
        self.assertIs(p.er, h.Clodo)
        self.assertEqual(str(p), str(x))

    def test_owners(self):
        nodes = [root] + root.kids
        dicts = [vars(n) for n in nodes]  # (3.11+ makes the dicts only when asked)
        x = h.heap() & h.iso(*dicts)
        self.assertEqual(x.owners, h.iso(*nodes))
        self.assertEqual(h.iso(root).owners, h.Nothing)

    def test_imdom_is_heapys(self):
        # root's referrers: the module's dict (global 'root') and reg; reg is reached only
        # through the module's dict, so Heapy's imdom is the module's dict alone
        x = h.iso(root)
        self.assertEqual(x.referrers.count, 2)
        imdom = x.imdom
        self.assertEqual(imdom.count, 1)
        self.assertEqual(str(imdom.kind), "dict of module")
        self.assertTrue(imdom <= x.referrers)
        kid = h.iso(root.kids[0])
        self.assertEqual(str(kid.imdom.kind), "list")  # root.kids

    def test_hash(self):
        a, b = h.iso(root), h.iso(root)
        self.assertEqual(hash(a), hash(b))
        self.assertEqual(len({a, b, h.iso(reg)}), 2)
        self.assertEqual({a: 1}[b], 1)


class OnlyTheSetHolds(unittest.TestCase):
    """An object only h.iso()'s call held (a temporary argument) had no referents and
    dominated nothing: the walk expanded it as a part of the observer's hidden frame."""

    def test_referents_and_dominators_of_a_temporary(self):
        x = h.iso([1, 2, "only-here"])
        self.assertEqual(x.referents.count, 4)  # 1, 2, the str, and list
        y = h.iso([bytearray(100)])
        self.assertEqual(y.dominos.count, 2)
        self.assertEqual(y.domisize, y.dominos.size)
        self.assertGreater(y.domisize, y.size + 100)


class MapProx(unittest.TestCase):
    def test_items_and_attributes(self):
        x = h.iso({"a": "b"}, {"a": 1}, {"z": 2})
        got = x.maprox["a"]
        self.assertEqual(got.count, 2)  # Heapy's example: 'b' and 1
        self.assertIn("b", got)
        self.assertIn(1, got)
        self.assertEqual(h.iso([10, 20], [30]).maprox[0].count, 2)
        nodes = [Node("x"), Node("y")]
        names = h.iso(*nodes).maprox.name
        self.assertEqual(names, h.iso("x", "y"))
        self.assertEqual(h.iso(*nodes).maprox.nothere, h.Nothing)
        with self.assertRaises(TypeError):
            x.maprox[[1]]

    def test_no_program_code_runs(self):
        calls = []

        class Sly:
            @property
            def name(self):
                calls.append("property")
                return "computed"

            def __getattr__(self, name):
                calls.append("getattr")
                return 1

            def __getitem__(self, k):
                calls.append("getitem")
                return 2

        x = h.iso(Sly(), Sly())
        self.assertEqual(x.maprox.name, h.Nothing)  # no object stores it
        self.assertEqual(x.maprox.other, h.Nothing)
        self.assertEqual(x.maprox[0], h.Nothing)
        self.assertEqual(calls, [])


class NothingOfOursShows(unittest.TestCase):
    def test_new_objects_are_the_observers_own(self):
        # h.Idset's class, a set's kind, a partition and a mapping proxy the user keeps:
        # heapcore's objects, never in a heap (h.Idset's class showed in every heap)
        x = h.iso(Plain())
        kept = [x | h.Type(int), ~x, x.partition, x.maprox, x.stat, h.Idset, h.doc]
        names = {r[1] for r in _internal.rows(h.heap())}
        self.assertEqual([n for n in names if n.startswith("heapcore.") and n != "heapcore.demo"], [])
        del kept


def _line():
    import sys
    return sys._getframe(1).f_lineno


if __name__ == "__main__":
    unittest.main()
