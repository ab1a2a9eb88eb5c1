"""Retained sizes through the heap-set API (issue 4): exact against tracemalloc, dominated sets,
dominator chains, retained by kind and top(n)."""
import gc
import json
import random
import sys
import unittest

from heapcore import hpy, _engine
from heapcore import _internal

from support import traced


class Managed:
    def __init__(self, i):
        self.index = i
        self.name = "managed-%d" % i
        self.weight = i * 0.25
        self.tags = [i, -i]


class Slotted:
    __slots__ = ("a", "b", "c")

    def __init__(self, i):
        self.a = i * 1.5
        self.b = "slot-%d" % i
        self.c = (i, i + 0.5)


def parsed_json():
    rng = random.Random(1)
    doc = [{"id": i, "name": "item-%d-%s" % (i, "x" * rng.randrange(40)),
            "price": rng.random() * 100, "tags": ["t%d" % rng.randrange(1000) for _ in range(3)],
            "nested": {"ok": bool(i % 2), "ratio": i / 7.0, "more": [i * 3.5, None, "z" * 20]}}
           for i in range(4000)]
    return json.loads(json.dumps(doc))


def managed_instances():
    return [Managed(i) for i in range(5000)]


def slotted_instances():
    return [Slotted(i) for i in range(8000)]


def dict_of_bytearrays():
    rng = random.Random(2)
    return {"key-%d" % i: bytearray(rng.randrange(1, 3000)) for i in range(3000)}


def nested_tuples():
    def tree(depth, i):
        if depth == 0:
            return (i * 0.5, "leaf-%d" % i, i + 10 ** 6)
        return tuple(tree(depth - 1, i * 4 + k) for k in range(4))
    return [tree(5, j) for j in range(6)]


STRUCTURES = [parsed_json, managed_instances, slotted_instances, dict_of_bytearrays, nested_tuples]


class AgainstTracemalloc(unittest.TestCase):
    def test_retained_matches_tracemalloc_within_one_percent(self):
        h = hpy()
        for build in STRUCTURES:
            with self.subTest(structure=build.__name__):
                obj, allocated = traced(build)
                retained = h.iso(obj).domisize
                self.assertGreater(allocated, 500000)
                # The dominator tree agrees with the reachability pass to the byte.
                x = h.heap()
                self.assertEqual((x & h.iso(obj)).domisize, retained)
                snap = _internal.snapshot(x)
                self.assertEqual(snap.retained(snap.lookup(obj)), retained)
                err = abs(retained - allocated) / allocated
                self.assertLess(err, 0.01, "%s: retained %d, tracemalloc %d (%.2f%%)" % (
                    build.__name__, retained, allocated, 100 * err))
                del obj


class DominatedSets(unittest.TestCase):
    def setUp(self):
        self.h = hpy()

    def test_dominos_is_what_goes_with_the_set(self):
        parts = [bytearray(100 + i) for i in range(20)]
        holder = [parts, ("private-tuple-%d" % id(parts), id(parts) / 3.0)]
        shared = parts[0]
        del parts
        x = self.h.iso(holder)
        d = x.dominos
        self.assertEqual(d.size, x.domisize)
        for o in [holder, holder[0], holder[1], holder[1][0], holder[1][1]] + holder[0][1:]:
            self.assertIn(o, d)
        self.assertNotIn(shared, d)  # also held by a local
        self.assertEqual(d.count, 5 + 19)
        # With the tree built, a one-object set's dominos is its subtree: the same set.
        snap = _internal.snapshot(d)
        snap.retained(0)
        self.assertTrue(snap.has_dominators)
        self.assertEqual(x.dominos, d)
        self.assertEqual(x.domisize, d.size)

    def test_idom_and_domchain(self):
        holder = [{"inner": [bytearray(b"leaf" * 100)]}]
        iso = self.h.iso
        x = self.h.heap()  # no local names the parts: each is held by its container only
        one = x & iso(holder[0]["inner"][0])
        self.assertEqual(one.idom, x & iso(holder[0]["inner"]))
        chain = one.domchain
        self.assertGreaterEqual(len(chain), 3)
        self.assertEqual(chain[0], x & iso(holder[0]["inner"]))
        self.assertEqual(chain[1], x & iso(holder[0]))
        self.assertEqual(chain[2], x & iso(holder))
        text = str(chain)
        self.assertIn(" list", text.splitlines()[1])
        self.assertIn("A shortest path from a root", text)
        # A set's idom leaves out its own members.
        both = x & iso(holder[0]["inner"], holder[0])
        self.assertEqual(both.idom, x & iso(holder))
        with self.assertRaises(ValueError):
            both.domchain


class BruteForce(unittest.TestCase):
    def test_set_domisize_and_dominos_by_definition(self):
        # On the live heap: what the roots reach, minus what they reach with the set removed,
        # by a plain BFS over the snapshot's edges, against x.domisize and x.dominos.
        rng = random.Random(5)
        objs = [[bytearray(rng.randrange(1, 200))] for _ in range(300)]
        for o in objs:
            for _ in range(rng.randrange(3)):
                o.append(objs[rng.randrange(len(objs))])  # shared and cyclic
        x = hpy().heap()
        snap = _internal.snapshot(x)
        flags = [snap.node(i)["flags"] for i in range(snap.n)]
        edges = [snap.node(i)["edges"] for i in range(snap.n)]
        sizes = [snap.node(i)["size"] for i in range(snap.n)]
        starts = [i for i in range(snap.n) if flags[i] & (_engine.NODE_ROOT | _engine.NODE_COMPLEMENT)
                  and not flags[i] & _engine.NODE_HIDDEN]

        def reached(removed):
            seen = set(removed)
            stack = [i for i in starts if i not in seen]
            seen.update(stack)
            while stack:
                for t in edges[stack.pop()]:
                    if t not in seen and not flags[t] & _engine.NODE_HIDDEN:
                        seen.add(t)
                        stack.append(t)
            return seen - set(removed)

        everything = reached(())
        self.assertEqual(sum(sizes[i] for i in everything), snap.reached_size)
        for trial in range(4):
            picked = [snap.lookup(objs[rng.randrange(len(objs))]) for _ in range(1 + trial * 3)]
            s = x._new(snap.ids(picked))
            gone = everything - reached(picked)
            self.assertEqual(s.domisize, sum(sizes[i] for i in gone), trial)
            self.assertEqual(sorted(_internal.node_ids(s.dominos)), sorted(gone), trial)


class ByKindAndTop(unittest.TestCase):
    def test_retained_by_kind_counts_no_byte_twice(self):
        h = hpy()
        nodes = [Managed(i) for i in range(300)]
        x = h.heap()
        snap = _internal.snapshot(x)
        reached = snap.reached_size
        self.assertEqual(reached, x.size)  # the whole heap: everything shown is reached
        for by in (x.retained, x.bytype.retained):
            rows = _internal.rows(by)
            for kind, name, count, size, retained in rows:
                self.assertLessEqual(retained, reached, name)
            self.assertEqual([r[4] for r in rows], sorted((r[4] for r in rows), reverse=True))
        # Managed instances dominate none of each other: their row is the sum of theirs.
        row = [r for r in _internal.rows(x.bytype.retained) if r[1].endswith(".Managed")][0]
        ids = _internal.engine_set(x).select(_engine.BY_TYPE, row[0]).ids()
        self.assertEqual(row[4], sum(snap.retained(i) for i in ids))
        # The list holding them dominates them all: the list row counts them through it.
        listrow = x.bytype.retained
        self.assertIn("Retained", [l for l in str(listrow).splitlines() if l.startswith(" Index")][0])
        self.assertTrue(nodes)

    def test_top_is_the_largest_retained_sizes_with_paths(self):
        h = hpy()
        big = [bytearray(1000) for _ in range(3000)]
        x = h.heap()
        snap = _internal.snapshot(x)
        top = x.top(15, suspects=False)
        got = [r[0] for r in top.rows]
        ranked = sorted(_internal.node_ids(x), key=lambda i: (-snap.retained(i), i))[:15]
        self.assertEqual(got, ranked)
        self.assertEqual([r[1] for r in top.rows], [snap.retained(i) for i in ranked])
        text = str(top)
        self.assertIn("→", text)
        self.assertEqual(len(top), 15)
        self.assertEqual(top[0].count, 1)
        # The big list is among the top few, and its path ends at it.
        mine = snap.lookup(big)
        self.assertIn(mine, [r[0] for r in x.top(40, suspects=False).rows])
        root, hops = snap.paths([mine])[0]
        self.assertEqual(hops[-1], (mine, "list"))
        self.assertIsNotNone(root)
        self.assertEqual(x.top(0).rows, [])
        self.assertEqual(x.top(0, suspects=False).rows, [])
        self.assertEqual([line for line in text.splitlines() if len(line) > 100], [])
        with self.assertRaises(ValueError):
            x.top(-1)

    def test_top_header_counts_garbage_apart_from_what_the_roots_reach(self):
        # Issue 19: "of N bytes the roots reach" counted unreachable cyclic garbage in N.
        h = hpy()
        gc.disable()
        try:
            junk = [bytearray(50000) for _ in range(20)]
            junk.append(junk)  # a cycle: garbage once dropped, while gc is off
            del junk
            x = h.heap()
            snap = _internal.snapshot(x)
            # Brute force over the graph: sizes reached from the roots, and from everything.
            nodes = [snap.node(i) for i in range(snap.n)]
            hidden = _engine.NODE_HIDDEN

            def reach(starts):
                seen, todo = set(), [i for i in starts if not nodes[i]["flags"] & hidden]
                seen.update(todo)
                while todo:
                    for j in nodes[todo.pop()]["edges"]:
                        if j not in seen and not nodes[j]["flags"] & hidden:
                            seen.add(j)
                            todo.append(j)
                return sum(nodes[i]["size"] for i in seen)

            roots = {i for i, _ in snap.roots()}
            reached = reach(roots)
            total = reach(roots | {i for i, n in enumerate(nodes) if n["flags"] & _engine.NODE_COMPLEMENT})
            first = str(x.top(3, suspects=False)).splitlines()[0]
            suspects = str(x.top(3)).splitlines()[0]
        finally:
            gc.enable()
            gc.collect()
        self.assertGreater(total - reached, 20 * 50000)
        self.assertEqual(first, "The 3 objects retaining most, of %d bytes (%d the roots reach, %d unreachable)."
                         % (total, reached, total - reached))
        self.assertTrue(suspects.endswith("(where objects accumulate), of %d bytes (%d the roots reach, %d unreachable)."
                                          % (total, reached, total - reached)), suspects)

    def test_long_paths_wrap_after_an_arrow(self):
        from heapcore import _format
        path = " → ".join(["thread 'MainThread' (ident 1400, main)"] + ["interpreter frame"] * 9 + ["list"])
        lines = _format.wrap_path(path, 27)
        self.assertGreater(len(lines), 2)
        self.assertTrue(all(len(line) <= 100 for line in lines))
        # a line that a next part would overflow only by its closing arrow is broken too
        parts = ["sys.modules", "module linecache", "dict of module", "dict (no owner)", "tuple", "x"]
        tight = _format.wrap_path(" → ".join(parts), 27)
        self.assertEqual([line for line in tight if len(line) > 100], [])
        self.assertEqual(" ".join(line.strip() for line in tight), " → ".join(parts))
        self.assertTrue(all(line.endswith(" →") for line in lines[:-1]))
        self.assertEqual(" ".join(line.strip() for line in lines), path)


if __name__ == "__main__":
    unittest.main()
