"""guppy3's user API as /work/shared/heapy-api.md records it (guppy3 3.1.7 on 3.11), run on
heapcore with the same test heap: a class Node (self.name, self.kids = []), root with three
kid Nodes, reg = {'key': root}.  Each test is one section; formats are checked line by line
against the recorded ones, sizes against the table itself (true sizes differ from
sys.getsizeof: docs/heapy.md).  The groups' own files go further: test_heapy_compat_kinds,
_paths, _rp, _sets, _stat, _views, _hpy."""
import io
import re
import unittest

import heapcore
from heapcore import hpy, _internal

h = hpy()

ROW = re.compile(r"^ {0,5}\d+ {1,6}\d+ {1,3}\d+ {1,8}\d+ {1,3}\d+ {1,9}\d+ {1,3}\d+ \S")


class Node:
    def __init__(self, name):
        self.name = name
        self.kids = []


def heap_of_the_spec():
    global root, reg
    root = Node("root")
    root.kids.extend(Node("k%d" % i) for i in range(3))
    reg = {"key": root}
    return h.iso(root, *root.kids, root.kids, *[k.kids for k in root.kids], reg)


class HeapAndPrinting(unittest.TestCase):  # section 1
    def test_table(self):
        x = heap_of_the_spec()
        lines = str(x).splitlines()
        self.assertEqual(lines[0], "Partition of a set of %d objects. Total size = %d bytes." % (x.count, x.size))
        self.assertEqual(lines[1], " Index  Count   %     Size   % Cumulative  % Kind (class / dict of class)")
        for line in lines[2:]:
            self.assertRegex(line, ROW)
        self.assertEqual(str(x), repr(x))
        self.assertEqual(len(x), len(lines) - 2)  # len is rows, count is objects
        self.assertEqual(x.count, 9)
        self.assertEqual(str(h.iso(root)).splitlines()[0].split(".")[0], "Partition of a set of 1 object")

    def test_indexing_slicing_iteration(self):
        x = heap_of_the_spec()
        self.assertEqual(x[0] | x[1], x[0:2])
        self.assertEqual(x[-1], x[len(x) - 1])
        with self.assertRaisesRegex(IndexError, "Partition index out of range."):
            x[len(x)]
        with self.assertRaisesRegex(ValueError, "Step must be positive."):
            x[::0]
        with self.assertRaises(TypeError):
            list(x)
        self.assertEqual(list(h.Nothing), [])
        self.assertEqual(sum(p.count for p in x.parts), x.count)
        self.assertIs(h.iso(root).theone, root)
        with self.assertRaisesRegex(ValueError, "theone requires a singleton set"):
            x.theone
        self.assertEqual(str(h.Nothing), "<Nothing>")
        self.assertEqual(repr(h.Nothing), "h.Nothing")

    def test_kind_brief_and_paging(self):
        x = heap_of_the_spec()
        names = sorted(["%s.Node" % __name__, "dict (no owner)", "list"])
        self.assertEqual(str(x.kind), "(%s)" % " | ".join(names))  # sorted, as Heapy's
        self.assertEqual(h.iso("aaa").brief, "<1 str: 'aaa'>")
        self.assertRegex(h.iso(root.kids).brief, r"^<1 list: 0x[0-9a-f]+\*3>$")
        many = h.iso(*[type("T%d" % i, (), {})() for i in range(25)])
        lines = str(many).splitlines()
        self.assertEqual(lines[-1], "<15 more rows. Type e.g. '_.more' to view.>")
        more = str(many.more).splitlines()
        self.assertTrue(more[0].startswith(" Index"))
        self.assertTrue(more[1].startswith("    10 "))
        self.assertEqual(len(str(many.all).splitlines()), 27)

    def test_stat_dump_and_load(self):
        x = heap_of_the_spec()
        f = io.StringIO()
        x.dump(f)
        nodes = x & h.Type(Node)
        self.assertIn(".r: 4 %d %s.Node\n" % (nodes.size, __name__), f.getvalue())
        f.seek(0)
        st = h.load(f)
        self.assertEqual((st.count, st.size, st.numrows), (x.count, x.size, len(x)))
        with self.assertRaises(StopIteration):
            h.load(f)


class Classifiers(unittest.TestCase):  # section 2
    def header(self, x):
        return str(x).splitlines()[1][len(" Index  Count   %     Size   % Cumulative  % "):]

    def test_headers(self):
        x = heap_of_the_spec()
        want = {"byclodo": "Kind (class / dict of class)", "bytype": "Type",
                "byrcs": "Referrers by Kind (class / dict of class)", "byvia": "Referred Via:",
                "bymodule": "Module", "bysize": "Individual Size", "byunity": "<unclassified>",
                "byidset": "by identity set"}
        for attr, header in want.items():
            with self.subTest(attr=attr):
                self.assertEqual(self.header(getattr(x, attr)), header)
        self.assertEqual(self.header(x.by(h.Type & h.Size)), "Type & Individual Size")
        self.assertEqual(self.header(x.by(h.findex(list))), "First Matching Kind / Index")
        self.assertEqual(str(x.by("Type")), str(x.bytype))

    def test_rows_and_chaining(self):
        x = heap_of_the_spec()
        rcs = {r[1] for r in _internal.rows(x.byrcs)}
        self.assertIn("dict (no owner), dict of module", rcs)  # root: reg and the module
        kids = x.byrcs & h.Rcs(h.Clodo(list))
        self.assertEqual(kids.count, 3)
        self.assertEqual(sorted(r[1] for r in _internal.rows(kids.byvia)), ["'[0]'", "'[1]'", "'[2]'"])
        # (3.10: the kids lists are in the Nodes' instance dicts)
        self.assertIn([r[1] for r in _internal.rows(kids.referrers.byvia)], (["'.kids'"], ['"[\'kids\']"']))
        self.assertRegex(str(x.bysize).splitlines()[2], r" {1,8}\d+$")  # width-9 size kinds

    def test_byid(self):
        x = h.iso("aaa", "k0", root.kids if "root" in globals() else [1])
        lines = str(x.byid).splitlines()
        self.assertEqual(lines[0], "Set of 3 <mixed> objects. Total size = %d bytes." % x.size)
        self.assertEqual(lines[1], " Index     Size   %   Cumulative  %   Brief")
        self.assertIn("str: 'aaa'", str(x.byid))
        one = h.iso("aaa", "bb").byid
        self.assertEqual(str(one).splitlines()[1], " Index     Size   %   Cumulative  %   Representation (limited)")


class KindsAndAlgebra(unittest.TestCase):  # sections 3 and 4
    def test_kind_texts_and_reprs(self):
        self.assertEqual(str(h.Type(int)), "int")
        self.assertRegex(repr(h.Type(int)), r"^h\.Type\('<type builtins\.int at 0x[0-9a-f]+>'\)$")
        self.assertEqual(str(h.Clodo(dictof=Node)), "dict of %s.Node" % __name__)
        self.assertEqual(str(h.Clodo(dictof=())), "dict (no owner)")
        self.assertEqual(repr(h.Clodo(dictof=())), "h.Nothing.dictof")
        self.assertEqual(str(h.Rcs(h.Clodo(list))), "<referred by: list>")
        self.assertEqual(str(h.Via(".a", "[0]")), "<via '.a', '[0]'>")
        self.assertEqual(repr(h.Via(".a", "[0]")), "h.Via('.a', '[0]')")
        self.assertEqual((str(h.Size(56)), str(h.Size(56).alt(">="))), ("<size = 56>", "<size >= 56>"))
        self.assertEqual(str(h.Anything), "<Anything>")
        self.assertEqual(str(~h.Type(int)), "~int")
        self.assertIn(1, h.Type(int))
        self.assertEqual(h.iso(), h.Nothing)

    def test_algebra(self):
        x = heap_of_the_spec()
        nodes = x & h.Type(Node)
        self.assertEqual((x & Node), nodes)
        self.assertEqual((x - nodes).count, x.count - 4)
        self.assertEqual((nodes | (x & list)).count, 8)
        self.assertEqual((nodes ^ x), x - nodes)
        self.assertTrue(nodes <= x and nodes < x and x >= nodes and x > nodes and x != nodes)
        self.assertTrue(nodes.disjoint(x & list))
        self.assertIsInstance(x | h.Type(int), heapcore._kinds.Kind)  # a symbolic kind
        with self.assertRaises(TypeError):
            h.iso(1) | 5
        self.assertGreater(h.iso(root).domisize, h.iso(root).size)
        self.assertEqual(h.iso(root).dominos.size, h.iso(root).domisize)

    def test_paths_and_patterns(self):
        heap_of_the_spec()
        sp = h.iso(root.kids[0].kids).sp
        self.assertTrue(str(sp).startswith(" 0: h.Root.i0_modules[%r].__dict__['root']" % __name__), str(sp))
        self.assertIs(eval(str(sp[0]) % "R", {"R": h.Root}), root.kids[0].kids)
        self.assertEqual(sp.numpaths, 1)
        rp = h.iso(root).rp
        self.assertEqual(str(rp).splitlines()[0], "Reference Pattern by <[dict of] class>.")
        self.assertRegex(str(rp).splitlines()[1], r"^ 0: _ --- \[-\] 1 %s\.Node: 0x" % __name__)


class Diffs(unittest.TestCase):  # section 5
    def test_summary_format(self):
        a = h.heap()
        made = [Node(str(i)) for i in range(4)]
        b = h.heap()
        d = b.diff(a)
        lines = str(d).splitlines()
        self.assertEqual(lines[:2], ["Summary of difference operation (A-B).", "        Count     Size"])
        self.assertRegex(lines[2], r"^  A    [ \d]{6} [ \d]{8}")
        self.assertRegex(lines[4], r"^  A-B  [-\d ]{6} [-\d ]{8}  = [-\d.e+ ]{9} % of B$")
        self.assertIn("Differences by kind, largest absolute size diffs first.", lines)
        self.assertIn(" Index  Count     Size  Cumulative  % of B Kind (class / dict of class)", lines)
        self.assertEqual({r.name: r.count for r in d.get_rows()}["%s.Node" % __name__], 4)
        self.assertEqual(str(b.stat - a.stat), str(d))
        with self.assertRaisesRegex(ValueError, "Mismatching table kind header"):
            b.diff(a.bytype)
        del made

    def test_setref(self):
        h2 = hpy()
        h2.setref()
        fresh = [Node("new") for _ in range(3)]
        self.assertEqual((h2.heap() & h.Type(Node)).count, 3)
        h2.setrelheap(h2.Nothing)
        self.assertGreaterEqual((h2.heap() & h.Type(Node)).count, 3)
        del fresh


if __name__ == "__main__":
    unittest.main()
