"""Unreachable objects (issue 19): heap()'s header line, x.unreachable, x.unreachable_entries()
and `heapcore show --unreachable`, on heaps with a known number of garbage cycles of known
sizes (gc disabled), checked against sys.getsizeof sums."""
import gc
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import heapcore
from heapcore import _engine, _internal, hpy

h = hpy()
CYCLES = 40


def make_cycles(k):
    """k unreachable cycles, cycle i two lists referring to each other and a bytearray of
    100 * (i + 1) bytes: [(addresses of its 3 objects, their sys.getsizeof sum)]."""
    out = []
    for i in range(k):
        a = [bytearray(100 * (i + 1))]
        b = [a]
        a.append(b)
        out.append(((id(a), id(b), id(a[0])), sys.getsizeof(a) + sys.getsizeof(b) + sys.getsizeof(a[0])))
        del a, b
    return out


def ids_of(x, addresses):
    """Node ids in x's snapshot of the objects at these addresses (all must be there)."""
    snap = _internal.snapshot(x)
    found = [snap.find(a) for a in addresses]
    assert all(found), "an object of the test is not in the snapshot"
    return [f[0] for f in found]


class Unreachable(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="heapcore-unreach-")
        gc.collect()  # earlier tests' garbage: only the test's cycles and what C holds stay
        gc.disable()
        cls.cycles = make_cycles(CYCLES)
        cls.x = h.heap()
        cls.path = os.path.join(cls.dir, "garbage.hcsnap")
        cls.x.dump(cls.path)

    @classmethod
    def tearDownClass(cls):
        gc.enable()
        gc.collect()
        shutil.rmtree(cls.dir)

    def test_the_cycles_are_unreachable_with_their_sizes(self):
        x, snap = self.x, _internal.snapshot(self.x)
        mine = sorted(i for addrs, _ in self.cycles for i in ids_of(x, addrs))
        for node_id in mine:
            self.assertTrue(snap.node(node_id)["flags"] & _engine.NODE_UNREACH)
        u = x.unreachable
        in_u = snap.ids(mine).op(_internal.engine_set(u), _engine.OP_AND)
        self.assertEqual(in_u.count, 3 * CYCLES)
        self.assertEqual(in_u.size, sum(size for _, size in self.cycles))
        self.assertTrue(u <= x)
        # nothing a root reaches is in it
        reached = snap.select(0, _engine.NODE_UNREACH | _engine.NODE_HIDDEN | _engine.NODE_VIRTUAL)
        self.assertEqual(_internal.engine_set(u).op(reached, _engine.OP_AND).count, 0)
        self.assertEqual(u.count + reached.op(_internal.engine_set(x), _engine.OP_AND).count, x.count)

    def test_header_counts_them(self):
        u = self.x.unreachable
        lines = str(self.x).splitlines()
        want = "Of these, %d objects, %d bytes (%d %%) no root reaches" % (
            u.count, u.size, round(100.0 * u.size / self.x.size))
        self.assertTrue(lines[-1].startswith(want), "\n".join(lines[-3:]))  # the last line
        self.assertGreaterEqual(u.count, 3 * CYCLES)
        # the file keeps the header, and the flags
        y = heapcore.load(self.path)
        self.assertIn(want, str(y))
        self.assertEqual((y.unreachable.count, y.unreachable.size), (u.count, u.size))

    def test_no_line_when_a_root_reaches_everything(self):
        h2 = hpy()
        h2.setrelheap()
        kept = [bytearray(10) for _ in range(5)]
        x = h2.heap()
        self.assertEqual(x.unreachable.count, 0, str(x.unreachable))
        self.assertNotIn("no root reaches", str(x))
        self.assertEqual(str(x.unreachable_entries()), "No unreachable objects: a root reaches every one.")
        del kept

    def test_entry_points_one_per_cycle(self):
        x, snap = self.x, _internal.snapshot(self.x)
        e = x.unreachable_entries(10 ** 6)
        self.assertTrue(e.complete)
        self.assertEqual(len(e), e.count)
        # every unreachable object is under exactly one entry point
        self.assertEqual(sum(r for _, r in e.rows), x.unreachable.size)
        retained = [r for _, r in e.rows]
        self.assertEqual(retained, sorted(retained, reverse=True))
        by_id = dict(e.rows)
        for addrs, size in self.cycles:
            entry = [i for i in ids_of(x, addrs) if i in by_id]
            self.assertEqual(len(entry), 1, "a cycle has one entry point")
            self.assertEqual(by_id[entry[0]], size)
            self.assertIn(snap.node(entry[0])["type"], ("list",))
            self.assertEqual(snap.ids(entry).dominos().count, 3)
        # the table says which cycle holds the bytes
        top = x.unreachable_entries(3)
        self.assertEqual(len(top), 3)
        self.assertEqual(top.rows, e.rows[:3])
        self.assertEqual(top[0].count, 1)
        text = str(top).splitlines()
        self.assertRegex(text[0], r"^3 of %d entry points into %d unreachable objects \(%d bytes\)" % (
            e.count, x.unreachable.count, x.unreachable.size))
        self.assertTrue(text[1].startswith(" Index   Retained   %     Size  Objects Kind"))
        text = str(e).splitlines()
        self.assertEqual(len(text), 2 + e.count)
        for _, size in self.cycles:
            self.assertTrue([l for l in text[2:] if re.match(r"^\s+\d+\s+%d\s+\d+\s+\d+\s+3 list$" % size, l)],
                            "\n".join(text))
        with self.assertRaises(ValueError):
            x.unreachable_entries(-1)

    def test_cli_show_unreachable(self):
        p = subprocess.run([sys.executable, "-m", "heapcore", "show", "--unreachable", self.path],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        u = self.x.unreachable
        out = p.stdout
        self.assertTrue(out.startswith("Partition of a set of %d objects. Total size = %d bytes.\n" % (
            u.count, u.size)), out)
        self.assertIn(" bytearray\n", out)
        self.assertIn("\n\n10 of %d entry points into %d unreachable objects" % (
            self.x.unreachable_entries().count, u.count), out)
        self.assertRegex(out, r"\n\s+\d+\s+\d+\s+\d+\s+\d+\s+3 list\n")  # a cycle of the test's
        by_type = subprocess.run([sys.executable, "-m", "heapcore", "show", "--unreachable", "--by", "type",
                                  "--all", self.path], capture_output=True, text=True).stdout
        self.assertIn("Type", by_type.splitlines()[1])
        self.assertGreater(by_type.count(" list\n"), 10 + 1)  # every entry point, and the table's row
        # a file whose set has no garbage says so
        h2 = hpy()
        h2.setrelheap()
        kept = [bytearray(10)]
        clean = os.path.join(self.dir, "clean.hcsnap")
        h2.heap().dump(clean)
        del kept
        p = subprocess.run([sys.executable, "-m", "heapcore", "show", "--unreachable", clean],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "No unreachable objects: a root reaches every object of %s.\n" % clean)


if __name__ == "__main__":
    unittest.main()
