"""guppy3 compatibility of Stat and Diff objects: indexing, rows, paging; Heapy's text package
format written by x.dump(file) / stat.dump(f) and read by h.load (guppy3's own saved stats too),
one package per call on an open file; damaged files give ValueError naming the line."""
import io
import os
import re
import tempfile
import unittest

import heapcore
from heapcore import hpy

h = hpy()

# A package as guppy3 writes it (heapy-api.md, section 1).
GUPPY_PACKAGE = """.loader: _load_stat
.format: SetFormat
.timemade: 1795517066.232276
.count: 5
.size: 296
.kindname: 
.kindheader: Kind (class / dict of class)
.numrows: 3
.r: 2 136 list
.r: 2 104 tuple
.r: 1 56 str
.end: .loader: _load_stat
"""


class Node:
    pass


class StatObjects(unittest.TestCase):
    def setUp(self):
        self.objs = [Node() for _ in range(3)] + [[1], [2]]
        self.x = h.iso(*self.objs)

    def test_rows_indexing_and_len(self):
        st = self.x.stat
        self.assertEqual(len(st), 2)
        self.assertEqual(st.numrows, 2)
        self.assertEqual(st.kindheader, "Kind (class / dict of class)")
        self.assertEqual((st.count, st.size), (self.x.count, self.x.size))
        rows = st.get_rows()
        self.assertEqual([(r.index, r.count, r.name) for r in rows],
                         [(0, 3, __name__ + ".Node"), (1, 2, "list")])
        self.assertEqual(rows[1].cumulsize, self.x.size)
        self.assertEqual(str(st[0]), str(self.x[0]))
        self.assertEqual(st[-1].get_rows()[0].name, "list")
        self.assertEqual(len(st[0:2]), 2)
        with self.assertRaisesRegex(IndexError, "Stat index out of range."):
            st[2]
        self.assertEqual(str(st), str(self.x))

    def test_dump_to_an_open_file_is_heapys_text(self):
        f = io.StringIO()
        self.x.dump(f)
        text = f.getvalue()
        want = (r"\.loader: _load_stat\n\.format: SetFormat\n\.timemade: \d+\.\d{6}\n"
                r"\.count: 5\n\.size: %d\n\.kindname: \n\.kindheader: Kind \(class / dict of class\)\n"
                r"\.numrows: 2\n\.r: 3 %d %s\.Node\n\.r: 2 %d list\n\.end: \.loader: _load_stat\n$"
                % (self.x.size, self.x[0].size, re.escape(__name__), self.x[1].size))
        self.assertRegex(text, want)

    def test_dump_appends_and_load_reads_a_package_per_call(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "stats.txt")
            self.x.dump(path, "a")
            h.iso(self.objs[0]).stat.dump(path)  # appends
            first = h.load(path)  # a path: the first package
            self.assertIsInstance(first, heapcore.Stat)
            self.assertEqual(str(first), str(self.x))
            with open(path) as f:
                self.assertEqual(h.load(f).count, 5)
                self.assertEqual(h.load(f).count, 1)
                with self.assertRaises(StopIteration):
                    h.load(f)

    def test_guppy3s_saved_stat_compares_with_a_live_heap(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "guppy.txt")
            with open(path, "w") as f:
                f.write(GUPPY_PACKAGE)
            old = h.load(path)
        self.assertEqual((old.count, old.size, len(old)), (5, 296, 3))
        self.assertEqual(str(old).splitlines()[2],
                         "     0      2  40      136  46       136  46 list")
        live = h.iso([1], [2], "s").stat
        d = live - old
        lines = str(d).splitlines()
        self.assertEqual(lines[0], "Summary of difference operation (A-B).")
        self.assertEqual(lines[3], "  B         5      296")
        self.assertIn("tuple", str(d))
        self.assertEqual({r.name: r.count for r in d.get_rows()}["tuple"], -2)

    def test_diff_objects(self):
        a = h.iso(*self.objs).stat
        b = h.iso(self.objs[0]).stat
        d = a - b
        self.assertEqual(len(d), 2)
        self.assertEqual((d.count, d.size), (a.count - b.count, a.size - b.size))
        self.assertEqual(d[0].get_rows()[0].name, d.get_rows()[0].name)
        self.assertEqual(len(d[0]), 1)
        f = io.StringIO()
        d.dump(f)
        self.assertIn(".format: DiffFormat\n", f.getvalue())
        self.assertIn(".b_count: %d\n" % b.count, f.getvalue())
        f.seek(0)
        back = h.load(f)
        self.assertEqual(str(back), str(d))
        with self.assertRaisesRegex(ValueError, "Mismatching table kind header"):
            a - h.iso(self.objs[0]).bytype.stat
        self.assertEqual(str(self.x.diff(h.iso(self.objs[0]))), str(d))

    def test_byid_stat_is_idformat(self):
        x = h.iso("aaa", "bb")
        f = io.StringIO()
        x.byid.dump(f)
        text = f.getvalue()
        self.assertIn(".format: IdFormat\n", text)
        self.assertIn(".kindname: <str>\n", text)
        self.assertIn(".r: %d 'aaa'\n" % h.iso("aaa").size, text)
        f.seek(0)
        self.assertEqual(str(h.load(f)), str(x.byid))

    def test_eleven_rows_show_the_eleventh(self):
        kinds = [type("K%d" % i, (), {}) for i in range(11)]
        objs = [k() for k in kinds]
        lines = str(h.iso(*objs)).splitlines()
        self.assertEqual(len(lines), 13)  # label, header, 11 rows: no "<1 more rows ...>"
        self.assertNotIn("more rows", lines[-1])

    def test_a_snapshot_file_still_loads_as_a_set(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "s.hcsnap")
            self.x.dump(path)
            self.assertIsInstance(h.load(path), heapcore.IdentitySet)


class DamagedStatFiles(unittest.TestCase):
    def load_text(self, text):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "bad.txt")
            with open(path, "w") as f:
                f.write(text)
            return h.load(path)

    def test_each_damage_names_its_line(self):
        cases = {
            GUPPY_PACKAGE.replace(".r: 2 136 list", ".r: two 136 list"): "line 9: .r count is not an integer",
            GUPPY_PACKAGE.replace(".end: .loader: _load_stat\n", ""): "ends inside a package",
            GUPPY_PACKAGE.replace(".numrows: 3", ".numrows: 4"): "line 8: .numrows says 4",
            GUPPY_PACKAGE.replace(".format: SetFormat", ".format: Evil"): "line 2: unknown .format",
            GUPPY_PACKAGE.replace(".r: 1 56 str", "garbage"): "line 11: expected a '.field: value' line",
            GUPPY_PACKAGE.replace(".kindheader: Kind (class / dict of class)\n", ""): "no .kindheader",
            ".loader: _load_stat\n.r: " + "9" * (1 << 21) + "\n": "longer than",
        }
        for text, message in cases.items():
            with self.subTest(message=message):
                with self.assertRaisesRegex(ValueError, re.escape(message)):
                    self.load_text(text)

    def test_the_cli_refuses_a_stat_file_clearly(self):
        import subprocess
        import sys
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "stats.txt")
            with open(path, "w") as f:
                f.write(GUPPY_PACKAGE)
            p = subprocess.run([sys.executable, "-m", "heapcore", "show", path], capture_output=True,
                               text=True, timeout=120)
        self.assertEqual(p.returncode, 4, p.stderr)  # EXIT_FORMAT
        self.assertIn("Heapy's text format", p.stderr)
        self.assertNotIn("Traceback", p.stderr)

    def test_an_open_binary_file_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "s.txt")
            with open(path, "w") as f:
                f.write(GUPPY_PACKAGE)
            with open(path, "rb") as f:
                with self.assertRaises(TypeError):
                    h.load(f)


if __name__ == "__main__":
    unittest.main()
