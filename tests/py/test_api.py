"""The Python API: tables, rows, classifiers, iso, algebra laws, checkpoints, diffs, errors."""
import gc
import random
import re
import sys
import unittest

from support import hpy, rows, VERSION
from heapcore import _internal

ROW = re.compile(r"^ {0,5}\d+ +\d+ +\d+ +\d+ +\d+ +\d+ +\d+ \S")


class Node:
    def __init__(self, i):
        self.i = i
        self.name = "n%d" % i
        self.kids = []


class Table(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.h = hpy()
        cls.keep = [Node(i) for i in range(100)]
        cls.x = cls.h.heap()

    def test_label_and_header(self):
        """Lines 0 (label), 1 (column header), 2-11 (rows) and 12 (more) are Heapy's; the
        process RSS and the garbage line follow, where no Heapy script counts lines."""
        lines = str(self.x).splitlines()
        self.assertRegex(lines[0], r"^Partition of a set of \d+ objects\. Total size = \d+ bytes\.$")
        self.assertEqual(lines[1], " Index  Count   %     Size   % Cumulative  % Kind (class / dict of class)")
        body = lines[2:12]
        self.assertEqual(len(body), 10)
        for line in body:
            self.assertRegex(line, ROW)
        self.assertRegex(lines[12], r"^<\d+ more rows\. Type e\.g\. '_\.more' to view\.>$")
        self.assertRegex(lines[13], r"^Process RSS [\d.]+ MB; held outside the objects walked: [\d.]+ MB "
                                    r"\(heapcore's own [\d.]+ MB not counted\)\.$")
        if len(lines) > 14:  # what no root reaches (test_unreachable)
            self.assertRegex(lines[14], r"^Of these, \d+ objects?, \d+ bytes \(\d+ %\) no root reaches: "
                                        r"uncollected garbage \(x\.unreachable\)\.$")
        self.assertLessEqual(len(lines), 15)

    def test_long_kind_names_wrap_at_100_columns(self):
        name = "AClassWithAVeryLongName" * 5  # 115 characters: kind text wraps twice
        cls = type(name, (), {"__module__": "m"})
        keep = [cls() for _ in range(3)]
        lines = str(self.h.iso(*keep)).splitlines()
        row = lines[2:]
        self.assertEqual(len(row), 3)
        self.assertEqual(len(row[0]), 100)
        self.assertTrue(row[0].endswith("m." + name[:53]))
        self.assertEqual(row[1], " " * 45 + name[53:108])
        self.assertEqual(row[2], " " * 45 + name[108:])
        self.assertTrue(all(len(r) <= 100 for r in row))

    def test_counts_sizes_and_rows_agree(self):
        parts = _internal.rows(self.x)
        self.assertEqual(sum(r[2] for r in parts), self.x.count)
        self.assertEqual(sum(r[3] for r in parts), self.x.size)
        self.assertEqual(len(self.x), len(parts))
        sizes = [r[3] for r in parts]
        self.assertEqual(sizes, sorted(sizes, reverse=True))
        for i in (0, 1, len(parts) - 1, -1):
            row = self.x[i]
            self.assertEqual(row.count, parts[i][2])
            self.assertEqual(row.size, parts[i][3])
        with self.assertRaises(IndexError):
            self.x[len(parts)]

    def test_instances_and_their_row(self):
        r = rows(self.x)
        self.assertGreaterEqual(r["%s.Node" % __name__][0], 100)
        node_row = [i for i, p in enumerate(_internal.rows(self.x)) if p[1] == "%s.Node" % __name__][0]
        objs = self.x[node_row].nodes
        self.assertTrue(all(type(o) is Node for o in objs))
        self.assertTrue(all(any(o is k for o in objs) for k in self.keep))

    def test_more_pages(self):
        more = str(self.x.more).splitlines()
        self.assertTrue(more[0].startswith(" Index  Count"))
        self.assertTrue(more[1].startswith("    10 "))
        if len(self.x) > 20:
            self.assertTrue(str(self.x.more.more).splitlines()[1].startswith("    20 "))

    def test_bytype_merges_dicts(self):
        by_type = rows(self.x.bytype)
        clodo = rows(self.x)
        dicts = sum(c for k, (c, s) in clodo.items() if k.startswith("dict of ") or k == "dict (no owner)")
        self.assertEqual(by_type["dict"][0], dicts)
        columns = [l for l in str(self.x.bytype).splitlines() if l.startswith(" Index")]
        self.assertEqual(columns[0].split()[-1], "Type")
        self.assertEqual(self.x.bytype.count, self.x.count)

    def test_dict_owner_names(self):
        r = rows(self.x)
        self.assertIn("dict of module", r)
        self.assertIn("dict of type", r)
        self.assertIn("dict (no owner)", r)

    def test_kind(self):
        self.assertEqual(str(self.h.iso([]).kind), "list")
        self.assertEqual(str(self.h.iso([], ()).kind), "(list | tuple)")


class Iso(unittest.TestCase):
    def test_iso_holds_its_objects_and_counts_them(self):
        h = hpy()
        a, b = [1, 2, 3], {"k": "v"}
        s = h.iso(a, b, a)
        self.assertEqual(s.count, 2)
        self.assertIn(a, s)
        self.assertNotIn([], s)
        nodes = s.nodes
        self.assertTrue(any(n is a for n in nodes) and any(n is b for n in nodes))
        self.assertEqual(h.iso(a).theone, a)
        with self.assertRaises(ValueError):
            s.theone

    def test_iteration_is_refused_with_advice(self):
        with self.assertRaisesRegex(TypeError, "nodes"):
            iter(hpy().iso([]))

    def test_bad_operands(self):
        h = hpy()
        with self.assertRaises(TypeError):
            h.iso(1) | 5
        with self.assertRaises(ValueError):
            h.heap().by("nonsense")
        with self.assertRaises(ValueError):
            h.heap()[0:3:0]


class AlgebraLaws(unittest.TestCase):
    def test_laws_on_random_subsets_of_one_snapshot(self):
        h = hpy()
        x = h.heap()
        snap = _internal.snapshot(x)
        ids = _internal.node_ids(x)
        rng = random.Random(5)
        Set = type(x)
        def rand():
            return Set(snap.ids(rng.sample(ids, 300)))
        for _ in range(20):
            a, b, c = rand(), rand(), rand()
            self.assertEqual((a | b), (b | a))
            self.assertEqual((a & b), (b & a))
            self.assertEqual((a | b) | c, a | (b | c))
            self.assertEqual(a & (b | c), (a & b) | (a & c))
            self.assertEqual(a - b, a - (a & b))
            self.assertEqual(a ^ b, (a - b) | (b - a))
            self.assertTrue(a & b <= a <= a | b)
            self.assertEqual((a | b).count, a.count + b.count - (a & b).count)
            self.assertEqual((a | b).size, a.size + b.size - (a & b).size)
            self.assertTrue((a - b).disjoint(b))

    def test_row_union_is_the_whole(self):
        x = hpy().heap()
        whole = x[0:len(x)]
        self.assertEqual(whole, x)
        self.assertEqual(whole.count, x.count)


class Checkpoints(unittest.TestCase):
    def test_setrelheap_shows_only_new_objects(self):
        h = hpy()
        h.setrelheap()
        fresh = [Node(i) for i in range(50)]
        x = h.heap()
        self.assertEqual(rows(x)["%s.Node" % __name__][0], 50)
        self.assertLess(x.count, 2000)
        h.setrelheap(h.Nothing)
        self.assertGreater(h.heap().count, x.count)
        del fresh

    def test_difference_and_diff_between_snapshots(self):
        h = hpy()
        a = h.heap()
        made = [Node(i) for i in range(40)]
        b = h.heap()
        new = b - a
        self.assertEqual(rows(new)["%s.Node" % __name__][0], 40)
        d = b.diff(a)
        text = str(d)
        self.assertTrue(text.startswith("Summary of difference operation (A-B)."))
        per_kind = {r.name: (r.count, r.size) for r in d.get_rows()}
        self.assertEqual(per_kind["%s.Node" % __name__][0], 40)
        self.assertEqual(d.count, b.count - a.count)
        self.assertEqual(d.size, b.size - a.size)
        with self.assertRaises(ValueError):
            b.diff(a.bytype)
        self.assertTrue(new <= b)
        self.assertEqual(new & a, new - new)
        del made

    def test_heapu_finds_unreachable_cycles(self):
        h = hpy()
        gc.disable()
        try:
            class Cyc:
                pass
            c = Cyc()
            c.me = c
            c.payload = bytes(1000)
            addr = id(c)
            del c, Cyc
            u = h.heapu()
            self.assertIn("%s.Cyc" % __name__, rows(u))
            x = h.heap()
            r = _internal.snapshot(x).find(addr)
            self.assertIsNotNone(r)
            from heapcore import _engine
            self.assertTrue(r[1] & _engine.NODE_UNREACH)
        finally:
            gc.enable()
            gc.collect()


if __name__ == "__main__":
    unittest.main()
