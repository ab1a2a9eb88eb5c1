"""Snapshot files: dump and load give back the same tables, classifiers, retained sizes and
paths; a loaded set refuses what needs live objects; damaged files raise ValueError naming
the problem; writes are atomic; another process can analyse the file."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import heapcore
from heapcore import hpy
from heapcore import _internal

h = hpy()


class Node:
    def __init__(self, k):
        self.kids = [bytearray(10) for _ in range(k)]


class Key:
    pass


class Member:
    pass


class Item:
    pass


class Files(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="heapcore-files-")
        cls.keep = [Node(3) for _ in range(50)]
        cls.x = h.heap()
        cls.path = os.path.join(cls.dir, "heap.hcsnap")
        cls.x.dump(cls.path)
        cls.y = heapcore.load(cls.path)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def test_tables_and_classifiers_are_the_same(self):
        x, y = self.x, self.y
        self.assertTrue(y.loaded)
        self.assertFalse(x.loaded)
        self.assertEqual((y.count, y.size), (x.count, x.size))
        self.assertEqual(str(y), str(x))  # the header line (process RSS) included
        for name in ("bytype", "byclodo", "byrcs", "bymodule", "bysize", "byunity"):
            self.assertEqual(str(getattr(y, name)), str(getattr(x, name)), name)
        self.assertEqual(str(y.byrcs[0].bytype), str(x.byrcs[0].bytype))

    def test_dominators_retained_and_top(self):
        x, y = self.x, self.y
        self.assertEqual(str(y.retained), str(x.retained))
        self.assertEqual(str(y.top(5)), str(x.top(5)))
        self.assertEqual(y.domisize, x.domisize)
        nx, ny = x & h.Type(Node), y & h.Type(Node)  # same process: type keys match
        self.assertEqual(ny.count, 50)
        self.assertEqual(ny.domisize, nx.domisize)

    def test_set_algebra_on_a_loaded_set(self):
        y = self.y
        row = y[0]
        self.assertEqual((y - row).count, y.count - row.count)
        self.assertEqual((y & row).count, row.count)
        self.assertTrue(row <= y)
        self.assertEqual((row | (y - row)).count, y.count)

    def test_paths_and_byvia_are_the_same(self):
        ny, nx = self.y & h.Type(Node), self.x & h.Type(Node)
        sp = ny.sp
        self.assertEqual(sp.numpaths, 50)
        self.assertEqual(str(sp), str(nx.sp))
        self.assertIn(".__dict__['Files'].__dict__['keep'][", str(sp[0]))
        self.assertNotIn("?", str(sp))
        self.assertEqual(str(ny.byvia), str(nx.byvia))
        kids = self.y & h.Type(bytearray)
        self.assertEqual(str(kids.byvia), str((self.x & h.Type(bytearray)).byvia))

    def test_index_labels_survive_the_file(self):
        # a list's items are stored as element indices (no text each): they read as before
        items = [bytearray(1013) for _ in range(2000)]
        items.append(items[3])  # one item twice: [3] and [2000]
        items.append(None)
        path = os.path.join(self.dir, "list.hcsnap")
        x = h.heap()
        x.dump(path)
        y = heapcore.load(path)
        size = h.Size(bytearray(1013).__sizeof__())
        mine_x, mine_y = x & h.Type(bytearray) & size, y & h.Type(bytearray) & size
        self.assertEqual(mine_y.count, 2000)
        rows_x = sorted(r[1] for r in _internal.rows(mine_x.byvia_exact))
        rows_y = sorted(r[1] for r in _internal.rows(mine_y.byvia_exact))
        self.assertEqual(rows_y, rows_x)
        self.assertIn("'[2000]', '[3]'", rows_y)
        # grouped by default in the process (in the file, this list's labels are texts: its
        # items do not count up, so they are stored as the texts they read, which a dict's
        # int keys share: they stay exact there)
        self.assertEqual([r[1:3] for r in _internal.rows(mine_x.byvia)], [("'[*]' (2001 indices)", 2000)])
        self.assertIn("'[1999]'", rows_y)
        self.assertEqual(str(mine_y.sp), str(mine_x.sp))
        self.assertRegex(str(mine_y.sp), r"\.f_locals\['items'\]\[\d+\]\n")
        del items

    def test_key_and_member_labels_survive_the_file(self):
        # a dict's keys (.keys()[i]) and a set's members (list(_)[i]) are stored as indices too;
        # every family groups in the file as in the process
        table = {Key(): i for i in range(1500)}
        members = {Member() for _ in range(1200)}
        items = [Item() for _ in range(1100)]
        path = os.path.join(self.dir, "keys.hcsnap")
        x = h.heap()
        x.dump(path)
        y = heapcore.load(path)
        for cls, want, n in ((Key, ".keys()[1499]", 1500), (Member, "list(_)[1199]", 1200), (Item, "[1099]", 1100)):
            rows_x = sorted(r[1] for r in _internal.rows((x & h.Type(cls)).byvia_exact))
            rows_y = sorted(r[1] for r in _internal.rows((y & h.Type(cls)).byvia_exact))
            grouped = "'%s*]' (%d indices)" % (want[:want.index("[") + 1], n)
            self.assertEqual([r[1] for r in _internal.rows((y & h.Type(cls)).byvia)], [grouped])
            self.assertEqual(len(rows_y), n)
            self.assertEqual(rows_y, rows_x)
            self.assertIn(repr(want), rows_y)
            self.assertEqual(str((y & h.Type(cls)).sp), str((x & h.Type(cls)).sp))
        del table, members, items

    def test_strings_are_redacted_unless_kept(self):
        secret = "a secret of heapcore-files %d" % os.getpid()
        holder = [secret, secret.encode()]
        p = os.path.join(self.dir, "strings.hcsnap")
        for keep in (False, True):
            h.dump(p, keep_strings=keep)
            with open(p, "rb") as f:
                self.assertEqual(secret.encode() in f.read(), keep)
            z = heapcore.load(p)
            snap = _internal.snapshot(z)
            values = [snap.value(i) for i in _internal.node_ids(z)]
            found = [v for v in values if v and v[1] == heapcore._engine.value_hash(secret.encode())]
            self.assertEqual(len(found), 2, keep)  # the str and the bytes, by their hash
            self.assertEqual({v[0] for v in found}, {len(secret)})
            self.assertEqual({v[2] for v in found}, {secret.encode()} if keep else {None})
            self.assertTrue(all(v is None or v[2] is None for v in values) != keep)
        x = self.x & h.Type(str)
        x.dump(p)  # an older snapshot: values read from the strings still alive
        z = heapcore.load(p)
        self.assertEqual(z.count, x.count)
        self.assertTrue(any(_internal.snapshot(z).value(i) for i in _internal.node_ids(z)))
        del holder

    def test_meta(self):
        m = self.y.meta
        self.assertEqual(m["python"], sys.version.split()[0])
        self.assertEqual(int(m["pid"]), os.getpid())
        self.assertEqual(json.loads(m["argv"]), sys.argv)
        self.assertEqual(m["heapcore"], heapcore.__version__)
        self.assertIsNone(self.x.meta)

    def test_live_objects_are_refused(self):
        with self.assertRaisesRegex(RuntimeError, "loaded from a file"):
            self.y.nodes

    def test_diff_against_the_live_heap(self):
        new = [Node(1) for _ in range(7)]
        grown = h.heap() - self.y
        self.assertEqual((grown & h.Type(Node)).count, 7)
        self.assertEqual((self.y - h.heap()).count < self.y.count, True)
        del new

    def test_h_dump_and_h_load(self):
        p = os.path.join(self.dir, "h.hcsnap")
        h.dump(p)
        z = h.load(p)
        self.assertGreater(z.count, 1000)
        self.assertEqual((z & h.Type(Node)).count, 50)

    def test_overwrite_is_atomic_and_leaves_no_temporary(self):
        p = os.path.join(self.dir, "again.hcsnap")
        self.x.dump(p)
        first = os.path.getsize(p)
        (self.x & h.Type(Node)).dump(p)
        self.assertLess(os.path.getsize(p), first + 1)
        self.assertEqual(heapcore.load(p).count, 50)
        self.assertFalse([f for f in os.listdir(self.dir) if ".tmp-" in f])

    def test_write_errors(self):
        with self.assertRaises(OSError):
            self.x.dump(os.path.join(self.dir, "no-such-dir", "x.hcsnap"))
        with self.assertRaises(OSError):
            heapcore.load(os.path.join(self.dir, "missing.hcsnap"))

    def test_damaged_files_name_the_problem(self):
        with open(self.path, "rb") as f:
            good = f.read()
        bad = os.path.join(self.dir, "bad.hcsnap")
        cases = {
            "truncated": (good[: len(good) // 2], "truncated|past the end|checksum"),
            "empty": (b"", "shorter than"),
            "text": (b"hello world" * 10, "magic"),
            "flipped": (good[:2000] + bytes([good[2000] ^ 0x10]) + good[2001:], "checksum"),
        }
        for what, (data, pattern) in cases.items():
            with open(bad, "wb") as f:
                f.write(data)
            with self.assertRaisesRegex(ValueError, pattern, msg=what):
                heapcore.load(bad)

    def test_another_process_reads_the_file(self):
        code = ("import heapcore, sys; y = heapcore.load(sys.argv[1]); "
                "print(y.count); print(y.bytype)")
        env = dict(os.environ)
        out = subprocess.run([sys.executable, "-c", code, self.path], env=env, check=True,
                             capture_output=True, text=True).stdout.splitlines()
        self.assertEqual(int(out[0]), self.x.count)
        self.assertEqual("\n".join(out[1:]), str(self.x.bytype))


XPROC_MODULE = """
class Widget:
    def __init__(self, k):
        self.payload = bytearray(777)
        self.k = k

keep = [Widget(k) for k in range(40)]
dicts = [w.__dict__ for w in keep]  # a real dict per instance on every version
"""


class AnotherProcessWrote(unittest.TestCase):
    """A file dumped by another process: its type addresses name nothing here, so kinds
    select by the type's full name (issue 19: they selected nothing, without an error)."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="heapcore-xproc-")
        with open(os.path.join(cls.dir, "xprocmod.py"), "w") as f:
            f.write(XPROC_MODULE)
        cls.path = os.path.join(cls.dir, "other.hcsnap")
        code = "import sys; sys.path.insert(0, sys.argv[1]); import xprocmod, heapcore; heapcore.hpy().dump(sys.argv[2])"
        subprocess.run([sys.executable, "-c", code, cls.dir, cls.path], check=True, capture_output=True)
        sys.path.insert(0, cls.dir)
        try:
            import xprocmod
        finally:
            sys.path.remove(cls.dir)
        cls.mod = xprocmod
        cls.y = heapcore.load(cls.path)

    @classmethod
    def tearDownClass(cls):
        sys.modules.pop("xprocmod", None)
        shutil.rmtree(cls.dir)

    def test_type_and_clodo_select_by_name(self):
        y, W = self.y, self.mod.Widget
        rows = {name: count for _, name, count, _ in _internal.rows(y.bytype)}
        self.assertEqual((y & h.Type(W)).count, 40)
        self.assertEqual((y & W).count, 40)
        self.assertEqual((y & h.Clodo(W)).count, 40)
        self.assertEqual((y & h.Type(bytearray)).count, rows["bytearray"])
        self.assertGreaterEqual(rows["bytearray"], 40)
        self.assertEqual((y & bytearray).count, rows["bytearray"])
        self.assertEqual((y & h.Type(bytearray)).size,
                         sum(size for _, name, _, size in _internal.rows(y.bytype) if name == "bytearray"))
        self.assertEqual((y - h.Type(W)).count, y.count - 40)

    def test_dict_of_a_class_selects_by_name(self):
        y, W = self.y, self.mod.Widget
        clodo = {name: count for _, name, count, _ in _internal.rows(y.byclodo)}
        self.assertEqual(clodo["dict of xprocmod.Widget"], 40)
        self.assertEqual((y & h.Clodo(dictof=W)).count, 40)
        self.assertEqual((y & h.Clodo(dictof=())).count, clodo["dict (no owner)"])

    def test_the_other_kinds_work_too(self):
        y, W = self.y, self.mod.Widget
        # each bytearray referred to by its Widget's dict only; 3.13+ keeps the values in the
        # instance even once its __dict__ exists: by the Widget only
        inline = sys.version_info >= (3, 13)
        payloads = y & h.Rcs(h.Clodo(W) if inline else h.Clodo(dictof=W))
        self.assertEqual((payloads & bytearray).count, 40)
        dicts = y & h.Rcs(h.Clodo(W), list)  # each dict: by its Widget and the list `dicts`
        self.assertEqual((dicts & h.Clodo(dictof=W)).count, 40)
        self.assertEqual((y & h.Size(bytearray(777).__sizeof__()) & bytearray).count,
                         (payloads & h.Size(bytearray(777).__sizeof__())).count)
        self.assertEqual((y & h.Size(bytearray(777).__sizeof__()) & bytearray).count, 40)
        self.assertEqual((y & h.Module("xprocmod")).count, 1)
        label = ".payload" if inline else "['payload']"
        self.assertEqual((y & h.Via(label)).count, 40)
        self.assertEqual(((y & h.Via(label)) & bytearray).count, 40)

    def test_two_classes_with_one_name_both_match(self):
        # A live snapshot matches by identity: a second class named like the first is another kind.
        class Twin:
            pass

        first = Twin
        keep1 = [first() for _ in range(3)]

        class Twin:  # noqa: F811 - the same full name, another class
            pass

        keep2 = [Twin() for _ in range(5)]
        x = h.heap()
        self.assertEqual((x & first).count, 3)
        self.assertEqual((x & Twin).count, 5)
        path = os.path.join(self.dir, "twins.hcsnap")
        x.dump(path)
        y = heapcore.load(path)
        self.assertEqual((y & first).count, 8)  # a file knows names only: both classes
        self.assertEqual((y & Twin).count, 8)
        del keep1, keep2


STALE_LABEL = """
import sys, heapcore
from heapcore import hpy, _internal
h = hpy()
d = {}
key = "".join(["alpha", "_key_", str(12345)])  # made at run time: freed with its last reference
v = bytearray(4321)
d[key] = v
x = h.heap()  # no labels captured: dump() reads them later, from the objects alive then
addr = id(key)
del d[key], key
found = None
keep = []
for i in range(200000):  # a new str at the freed key's address
    s = "".join(["omega", "_key_", str(i).zfill(5)])
    if id(s) == addr:
        found = s
        break
    keep.append(s)
d[found] = v  # the dict refers to v again, through the new key
x.dump(sys.argv[1])
y = heapcore.load(sys.argv[1])
print(_internal.snapshot(x).tracked)
for _, name, count, _ in _internal.rows((y & h.Size(v.__sizeof__()) & bytearray).byvia):
    print(name)
"""


class StaleLabels(unittest.TestCase):
    def test_a_key_made_after_the_snapshot_is_not_written_as_a_label(self):
        # Issue 19: x.dump() of an earlier snapshot read the label of d -> v from the key the
        # dict holds now: a str made after the snapshot at the freed key's address.
        d = tempfile.mkdtemp(prefix="heapcore-stale-")
        try:
            path = os.path.join(d, "stale.hcsnap")
            out = subprocess.run([sys.executable, "-c", STALE_LABEL, path], capture_output=True, text=True,
                                 check=True).stdout.splitlines()
        finally:
            shutil.rmtree(d)
        self.assertEqual(out[0], "True")  # the snapshot could tell new objects from old
        names = ", ".join(out[1:])
        self.assertIn("['v']", names)  # the edge that did not change keeps its label
        self.assertNotIn("omega", names)
        self.assertIn("'?'", names)


if __name__ == "__main__":
    unittest.main()
