"""guppy3 compatibility of reference patterns: get_rp(depth=, er=, imdom=, bf=, src=,
stopkind=, nocyc=), Heapy's flags in Heapy's order, pages of ten rows with rp.more and rp.all,
rp.paths(name); lines cut at 80 columns as guppy3 cuts them."""
import unittest

from heapcore import hpy

h = hpy()


class Node:
    def __init__(self, name):
        self.name = name
        self.kids = []


def fresh():
    """root with three kids; reg holds root; the kid k0 is also in 15 one-item lists."""
    global root, reg, many
    root = Node("root")
    root.kids.extend(Node("k%d" % i) for i in range(3))
    reg = {"key": root}
    many = [[root.kids[0]] for _ in range(15)]
    return root.kids[0]


class Patterns(unittest.TestCase):
    def test_default_pattern_and_flags(self):
        p = h.iso(fresh()).rp
        lines = str(p).splitlines()
        self.assertEqual(lines[0], "Reference Pattern by <[dict of] class>.")
        self.assertRegex(lines[1], r"^ 0: _ --- \[-\] 1 %s\.Node: 0x[0-9a-f]+$" % __name__)
        self.assertRegex(lines[2], r"^ 1: a      \[-\] 16 list: 0x")
        # (3.10: root's instance dict holds the kids list; 3.11+: root itself)
        self.assertRegex(lines[3], r"^ 2: aa ---- \[-\] 1 ")
        self.assertIn("[S] 1 dict of module: %s" % __name__, str(p))
        self.assertRegex(str(p), r"\n 3: a3       \[")
        flags = [r[2] for r in p.rows]
        self.assertIn("[^ 3]", flags)  # the module's dict again, through reg and many
        for line in lines:
            self.assertLessEqual(len(line), 80, line)

    def test_er_type_titles_by_type(self):
        p = h.iso(fresh()).get_rp(er=h.Type, depth=3)
        self.assertEqual(str(p).splitlines()[0], "Reference Pattern by <type>.")
        self.assertIn("[+]", [r[2] for r in p.rows])  # depth 3 reached
        with_size = h.iso(fresh()).get_rp(er=h.Size, depth=1)
        self.assertEqual(str(with_size).splitlines()[0], "Reference Pattern by <individual size>.")

    def test_stopkind_and_nocyc(self):
        x = h.iso(fresh())
        p = x.get_rp(stopkind=h.Type(list))
        self.assertEqual([r[2] for r in p.rows], ["[-]", "[S]"])
        # nocyc: a referrer already on the way down is not a referrer again
        global ring
        a, b = [], []
        a.append(b)
        b.append(a)
        ring = a
        with_cycle = h.iso(b).get_rp(depth=4)
        no_cycle = h.iso(b).get_rp(depth=4, nocyc=True)

        def rows_of(p, obj):
            return [i for i in range(len(p)) if obj in p[i] and p[i].count == 1]
        again = rows_of(with_cycle, b)  # b, then b again under a ([^ 0])
        self.assertEqual(len(again), 2)
        self.assertEqual(with_cycle.rows[again[1]][2], "[^ 0]")
        self.assertEqual(rows_of(no_cycle, b), [0])

    def test_imdom(self):
        # k0's referrers: root.kids and the 15 lists; its immediate dominators (Heapy's
        # imdom) are those a root reaches without passing through another of them: all 16
        x = h.iso(fresh())
        p = x.get_rp(imdom=True, depth=1)
        self.assertEqual(p.rows[1][3].split(" ")[0], "16")
        y = h.iso(reg)  # reg's only referrer is the module's dict
        self.assertEqual(y.get_rp(imdom=True, depth=1).rows[1][3], "1 dict of module: %s" % __name__)

    def test_src_limits_the_referrers(self):
        k0 = fresh()
        p = h.iso(k0).get_rp(src=h.iso(*many), depth=2)
        # from the 15 lists alone: k0's referrers are those lists, which nothing there refers to
        self.assertRegex(p.rows[1][3], r"^15 list: ")
        self.assertEqual(p.rows[1][2], "[R]")

    def test_bf_is_accepted(self):
        x = h.iso(fresh())
        self.assertEqual(str(x.get_rp(bf=True)), str(x.rp))

    def test_pages_of_ten(self):
        global chain
        n = Node("n")
        chain = [n]
        for _ in range(14):
            chain = [chain]
        deep = h.iso(n).get_rp(depth=20)
        del n
        lines = str(deep).splitlines()
        self.assertEqual(len(lines), 12, lines)  # title, 10 rows, the more line
        self.assertRegex(lines[-1], r"^<\d+ more lines\. Type e\.g\. '_\.more' for more\.>$")
        more = str(deep.more).splitlines()
        self.assertTrue(more[0].startswith("10: "), more[0])
        self.assertEqual(len(str(deep.all).splitlines()), len(deep) + 1)

    def test_rows_by_name_and_paths(self):
        x = h.iso(fresh())
        p = x.rp
        self.assertEqual(p.a.count, 16)
        self.assertEqual(p._, x)
        sp = p.paths("a")
        self.assertEqual(sp.numpaths, 16)
        self.assertRegex(str(sp).splitlines()[0], r"^ 0: <1 list: 0x[0-9a-f]+\*\d+>\[\d+\]$")


if __name__ == "__main__":
    unittest.main()
