"""byid, brief and the reference pattern in guppy3's formats (shared/heapy-api.md, guppy3's
Part.IdFormat, UniSet.Summary_str and RefPat)."""
import unittest

from heapcore import hpy

h = hpy()


class Node:
    pass


class ById(unittest.TestCase):
    def test_values_of_objects_only_the_set_holds(self):
        # byid showed "float: 0x7efc..." for floats only the iso set holds: it looked for them
        # in a fresh walk, which does not see the set's own references.
        x = h.iso(1.5, 2.5, 3.25)
        lines = str(x.byid).splitlines()
        self.assertEqual(lines[0], "Set of 3 <float> objects. Total size = %d bytes." % x.size)
        self.assertEqual(lines[1], " Index     Size   %   Cumulative  %   Value")
        self.assertEqual([line.split()[-1] for line in lines[2:]], ["1.5", "2.5", "3.25"])
        self.assertEqual(str(x.byid[0].byid).splitlines()[2].split()[-1], "1.5")

    def test_one_kind_label_and_column(self):
        # guppy3: "Set of 3 <list> objects.", the column titled after the render, rows
        # without the kind
        global lists
        lists = [[1], [2, 3], []]
        x = h.iso(*lists)
        lines = str(x.byid).splitlines()
        self.assertEqual(lines[0], "Set of 3 <list> objects. Total size = %d bytes." % x.size)
        self.assertEqual(lines[1], " Index     Size   %   Cumulative  %   Address*Length")
        for line in lines[2:]:
            self.assertRegex(line, r"^ {5}\d {4} *\d+ +\d+\.\d +\d+ +\d+\.\d 0x[0-9a-f]+\*[0-3]$")
        self.assertEqual(sorted(line.split()[-1] for line in lines[2:]),
                         sorted("0x%x*%d" % (id(o), len(o)) for o in lists))
        self.assertEqual(str(h.iso("abc", "de").byid).splitlines()[1][-24:], "Representation (limited)")
        self.assertTrue(str(h.iso(len).byid).splitlines()[1].endswith("%   Name"))

    def test_mixed_rows_and_singular_label(self):
        x = h.iso("k0", 12345, Node)
        lines = str(x.byid).splitlines()
        self.assertEqual(lines[0], "Set of 3 <mixed> objects. Total size = %d bytes." % x.size)
        self.assertEqual(lines[1], " Index     Size   %   Cumulative  %   Brief")
        text = "\n".join(lines)
        self.assertIn(" str: 'k0'", text)
        self.assertIn(" int: 12345", text)
        self.assertIn(" type: %s.Node" % __name__, text)
        self.assertEqual(str(h.iso(1.5).byid).splitlines()[0], "Set of 1 <float> object. Total size = 24 bytes.")

    def test_function_by_name_not_qualname(self):
        def inner():
            pass
        self.assertTrue(str(h.iso(inner, 1).byid).count("function: %s.inner" % __name__), 1)

    def test_slices_and_index(self):
        x = h.iso(*[float(i) + 0.5 for i in range(5)])
        b = x.byid
        self.assertEqual(len(b), 5)
        self.assertEqual(b[1:3].count, 2)
        self.assertEqual(b[::2].count, 3)
        self.assertEqual(b[-1].count, 1)
        self.assertEqual(b[1:].count, 4)
        self.assertEqual(str(b[0].byid).splitlines()[2].split()[-1], "0.5")
        with self.assertRaisesRegex(ValueError, "Step must be positive."):
            b[::0]
        with self.assertRaisesRegex(IndexError, "Partition index out of range."):
            b[5]

    def test_more_has_the_column_header(self):
        x = h.iso(*[float(i) + 0.5 for i in range(12)])
        lines = str(x.byid).splitlines()
        self.assertEqual(lines[-1], "<2 more rows. Type e.g. '_.more' to view.>")
        more = str(x.byid.more).splitlines()
        self.assertEqual(more[0], " Index     Size   %   Cumulative  %   Value")
        self.assertEqual([int(line.split()[0]) for line in more[1:]], [10, 11])
        self.assertEqual(len(str(x.byid.all).splitlines()), 14)
        self.assertEqual(str(x.byid.more.more), "")


class Brief(unittest.TestCase):
    def test_one_kind(self):
        self.assertEqual(h.iso("aaa").brief, "<1 str: 'aaa'>")
        global pair
        pair = [[1, 2], [3]]
        a, b = sorted(pair, key=id)
        self.assertEqual(h.iso(*pair).brief, "<2 list: %s>" % ", ".join(
            sorted(["0x%x*%d" % (id(a), len(a)), "0x%x*%d" % (id(b), len(b))])))

    def test_mixed_and_nothing(self):
        self.assertEqual(h.iso(1.5, "a").brief, "<2 (float | str): <1 float: 1.5> | <1 str: 'a'>>")
        self.assertEqual(h.iso().brief, "<Nothing>")

    def test_cut_at_80(self):
        s = h.iso(*[float(i) + 0.25 for i in range(40)]).brief
        self.assertLessEqual(len(s), 80)
        self.assertTrue(s.startswith("<40 float: "), s)
        self.assertIn("...", s)


class RefPat(unittest.TestCase):
    def test_dict_of_module_row(self):
        global held
        held = [Node()]
        lines = str(h.iso(held[0]).rp).splitlines()
        self.assertEqual(lines[0], "Reference Pattern by <[dict of] class>.")
        self.assertEqual(lines[1], " 0: _ --- [-] 1 %s.Node: 0x%x" % (__name__, id(held[0])))
        self.assertEqual(lines[2], " 1: a      [-] 1 list: 0x%x*1" % id(held))
        self.assertEqual(lines[3], " 2: aa ---- [S] 1 dict of module: %s" % __name__)


if __name__ == "__main__":
    unittest.main()
