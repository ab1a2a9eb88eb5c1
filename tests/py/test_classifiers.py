"""Classifiers beyond type and clodo (issue 5): byrcs, bysize, byunity, on heaps whose correct
partition is known by construction, and chained."""
import gc
import sys
import unittest

from heapcore import hpy
from heapcore import _internal

from support import VERSION


class Attr:
    def __init__(self, v):
        self.a = v


def table_rows(x):
    """{kind name: (count, size)} of a heap set's partition."""
    return {r[1]: (r[2], r[3]) for r in _internal.rows(x)}


class ByRcs(unittest.TestCase):
    def test_referrer_kinds_by_construction(self):
        h = hpy()
        in_list = [bytearray(b"L%d" % i) for i in range(7)]
        holder = Attr(None)
        in_attr = [Attr(bytearray(b"A%d" % i)) for i in range(3)]
        both = bytearray(b"both")
        in_list.append(both)
        in_dict = {"k": both, "j": bytearray(b"only-dict")}
        del both  # a frame's local would be one more referrer
        x = h.heap()
        listed = x & h.iso(*in_list[:7])
        attrs = x & h.iso(*[o.a for o in in_attr])
        self.assertEqual(table_rows(listed.byrcs), {"list": (7, listed.size)})
        owner = "__main__.Attr" if VERSION >= (3, 11) else "dict of __main__.Attr"
        owner = owner.replace("__main__", __name__)
        self.assertEqual(table_rows(attrs.byrcs), {owner: (3, attrs.size)})
        # Two kinds of referrer: named in order, joined by ", ".
        two = x & h.iso(in_dict["k"])
        self.assertEqual(list(table_rows(two.byrcs)), ["dict (no owner), list"])
        one = x & h.iso(in_dict["j"])
        self.assertEqual(list(table_rows(one.byrcs)), ["dict (no owner)"])
        # Rows are sets: chaining re-partitions a row.
        mixed = listed | attrs | two
        rcs = mixed.byrcs
        self.assertEqual(len(rcs), 3)
        for i in range(3):
            self.assertEqual(list(table_rows(rcs[i].byclodo)), ["bytearray"])
        self.assertEqual(rcs[0].count + rcs[1].count + rcs[2].count, 11)
        self.assertTrue(holder)

    def test_no_referrers_is_nothing(self):
        h = hpy()
        x = h.heap()
        rows = table_rows(x.byrcs)
        # Every root the interpreter holds in C (sys.modules, ...) has no object referrer.
        self.assertIn("<Nothing>", rows)
        self.assertEqual(sum(c for c, _ in rows.values()), x.count)
        self.assertEqual(sum(s for _, s in rows.values()), x.size)
        self.assertIn("Referrers by Kind (class / dict of class)", str(x.byrcs))


class ByModule(unittest.TestCase):
    def test_modules_by_name_and_the_rest(self):
        import json
        import types
        h = hpy()
        mine = types.ModuleType("heapcore_test_made_module")
        x = h.heap()
        rows = table_rows(x.bymodule)
        self.assertEqual(rows["json"][0], 1)
        self.assertEqual(rows["heapcore_test_made_module"][0], 1)
        self.assertEqual(rows["~module"][0] + sum(c for k, (c, _) in rows.items() if k != "~module"), x.count)
        # Selecting a row gives the module object itself.
        one = x & h.iso(json)
        self.assertEqual(table_rows(one.bymodule), {"json": (1, one.size)})
        plain = x & h.iso(json.dumps)
        self.assertEqual(list(table_rows(plain.bymodule)), ["~module"])
        self.assertIn(" Module", [l for l in str(x.bymodule).splitlines() if l.startswith(" Index")][0])
        self.assertTrue(mine)


class Kinds(unittest.TestCase):
    def test_selecting_with_kind_objects(self):
        import json
        h = hpy()
        objs = [Attr(bytearray(b"k%d" % i)) for i in range(5)]
        x = h.heap()
        mine = x & h.iso(*objs)
        self.assertEqual(x & h.Type(Attr), mine)
        self.assertEqual(x & Attr, mine)  # a bare type is h.Type
        self.assertEqual(x & h.Clodo(Attr), mine)
        dicts = x & h.Clodo(dictof=Attr)
        self.assertEqual(dicts.count, 5 if VERSION < (3, 11) else 0)  # 3.11+: no dict made
        payloads = x & h.iso(*[o.a for o in objs])
        self.assertEqual(x & h.Rcs(Attr) & payloads if VERSION >= (3, 11) else
                         x & h.Rcs(h.Clodo(dictof=Attr)) & payloads, payloads)
        self.assertEqual((x & h.Module("json")), x & h.iso(json))
        self.assertEqual((x & h.Size(payloads.size // 5)) & payloads, payloads)  # equal sizes
        self.assertEqual(x & h.Anything, x)
        self.assertEqual((x - h.Type(Attr)).count, x.count - 5)
        self.assertEqual((x & h.Rcs()).count, table_rows(x.byrcs)["<Nothing>"][0])
        self.assertEqual(str(h.Rcs(list, h.Clodo(dictof=()))), "<referred by: dict (no owner), list>")
        self.assertEqual(str(h.Size(56)), "<size = 56>")
        with self.assertRaises(TypeError):
            h.Clodo(dict)
        self.assertEqual(x & (payloads | h.Type(Attr)), payloads | mine)  # Heapy: a kind, not a set
        with self.assertRaises(TypeError):
            h.Module(3)


class ByProd(unittest.TestCase):
    def test_allocation_sites_match_tracemalloc(self):
        import tracemalloc
        h = hpy()
        before = [bytearray(b"old") for _ in range(2)]  # allocated before tracing: not traced
        was_tracing = tracemalloc.is_tracing()
        tracemalloc.start()
        try:
            first = [bytearray(b"first-%d" % i) for i in range(4)]
            second = {i: "second-%d" % i for i in range(3)}
            doomed = bytearray(b"doomed")
            x = h.heap() & h.iso(*first, *second.values(), doomed, *before)
            del doomed  # freed after the snapshot
            prod = x.byprod  # read while tracing: tracemalloc forgets its traces when stopped
            rows = table_rows(prod)
            want = {}
            for o in first + list(second.values()):
                tb = tracemalloc.get_object_traceback(o)
                site = "%s:%d" % (tb[-1].filename, tb[-1].lineno)
                want[site] = want.get(site, 0) + 1
        finally:
            if not was_tracing:
                tracemalloc.stop()
        self.assertEqual({k: c for k, (c, _) in rows.items() if not k.startswith("<")}, want)
        self.assertEqual(len(want), 2)
        self.assertEqual(rows["<not traced>"][0], 2)
        self.assertEqual(rows["<freed since the snapshot>"][0], 1)
        self.assertIn("Producer (line of allocation)", str(prod))
        # Rows are sets of the same snapshot; chaining works.
        big = prod[0]
        self.assertEqual(list(table_rows(big.byclodo)), ["bytearray"])
        self.assertEqual(big.count, 4)
        # Not tracing now: every object is "<not traced>" (or freed).
        if not was_tracing:
            self.assertEqual(sorted(table_rows(x.by("Prod"))),
                             ["<freed since the snapshot>", "<not traced>"])


class BySizeAndUnity(unittest.TestCase):
    def test_sizes_by_construction(self):
        h = hpy()
        objs = [bytearray(100)] * 1 + [bytearray(200) for _ in range(3)]
        x = h.heap() & h.iso(*objs)
        rows = table_rows(x.bysize)
        size = sys.getsizeof(bytearray(200))
        self.assertEqual(rows["%9d" % size], (3, 3 * size))
        self.assertEqual(rows["%9d" % sys.getsizeof(bytearray(100))][0], 1)
        self.assertIn("Individual Size", str(x.bysize))

    def test_idset_is_one_row_per_object(self):
        h = hpy()
        objs = [bytearray(3), {"k": 1}, [1, 2]]
        x = h.heap() & h.iso(*objs)
        rows = table_rows(x.byidset)
        want = {"<1 bytearray: 0x%x>" % id(objs[0]), "<1 dict (no owner): 0x%x>" % id(objs[1]),
                "<1 list: 0x%x>" % id(objs[2])}
        self.assertEqual(set(rows), want)
        self.assertTrue(all(c == 1 for c, _ in rows.values()))
        self.assertEqual(x.by("Idset")[0].count, 1)
        self.assertIn("by identity set", str(x.byidset))

    def test_unity_is_one_row(self):
        h = hpy()
        x = h.heap()
        self.assertEqual(table_rows(x.byunity), {"<Anything>": (x.count, x.size)})
        self.assertEqual(x.byunity[0], x)
        self.assertEqual(x.by("Unity")[0].count, x.count)


class KindsOfFreedTypes(unittest.TestCase):
    def test_a_class_at_a_freed_class_address_is_not_its_kind(self):
        # Issue 19: kinds matched a live snapshot's types by address alone; a class made after
        # the snapshot at a freed class's address selected that class's instances.
        h = hpy()
        old = type("OldKind", (), {})
        olds = [old() for _ in range(5)]
        x = h.heap()
        self.assertEqual((x & old).count, 5)
        addr = id(old)
        del olds, old
        gc.collect()
        new, keep = None, []
        for i in range(20000):
            t = type("NewKind%d" % i, (), {})
            if id(t) == addr:
                new = t
                break
            keep.append(t)
        if new is None:
            self.skipTest("no class was made at the freed class's address")
        self.assertIsNotNone(_internal.snapshot(x).type_index(new))  # the address is the old one's
        self.assertEqual((x & new).count, 0)
        self.assertEqual((x & h.Clodo(new)).count, 0)


if __name__ == "__main__":
    unittest.main()
