"""Dominators and retained sizes on the live heap (the engine part of issue 4): a structure
only one object holds is retained by it, byte for byte, and each part's immediate dominator is
its only holder."""
import unittest

from heapcore import _engine


class Retained(unittest.TestCase):
    def test_a_private_structure_is_retained_by_its_only_holder(self):
        parts = [bytearray(b"x" * (100 + i)) for i in range(50)]
        holder = [parts, {"k": (len(parts) + 0.5, "unique-%d" % id(parts))}]  # fresh float, str
        del parts
        snap = _engine.snapshot()
        h = snap.lookup(holder)
        self.assertIsNotNone(h)
        inner = snap.lookup(holder[0])
        want = 0
        for o in [holder, holder[0], holder[1], holder[1]["k"], holder[1]["k"][0],
                  holder[1]["k"][1]] + holder[0]:
            node = snap.lookup(o)
            want += snap.node(node)["size"]
            if o is not holder:
                self.assertNotEqual(snap.idom(node), None)
        for ba in holder[0]:
            self.assertEqual(snap.idom(snap.lookup(ba)), inner)
        self.assertEqual(snap.idom(inner), h)
        # "k" is interned and shared: not retained; everything else is private to holder.
        self.assertEqual(snap.retained(h), want)
        self.assertEqual(snap.retained(inner),
                         snap.node(inner)["size"] + sum(snap.node(snap.lookup(b))["size"] for b in holder[0]))
        self.assertGreaterEqual(snap.dominators_time, 0.0)

    def test_matches_networkx_on_the_whole_live_heap(self):
        # Every reached node's immediate dominator against networkx's own algorithm (Cooper,
        # Harvey and Kennedy), on the interpreter's whole heap plus a random object graph.
        try:
            import networkx
        except ImportError:
            self.skipTest("networkx is not installed for this interpreter (it is for 3.11)")
        import random
        rng = random.Random(4)
        objs = [[] for _ in range(3000)]
        for o in objs:
            for _ in range(rng.randrange(3)):
                o.append(objs[rng.randrange(len(objs))])  # cycles and self-loops
        keep = [objs[i] for i in range(0, 3000, 97)]
        del objs
        snap = _engine.snapshot()
        hidden = _engine.NODE_HIDDEN
        G = networkx.DiGraph()
        SUPER = -1
        G.add_node(SUPER)
        flags = [snap.node(i)["flags"] for i in range(snap.n)]
        for i in range(snap.n):
            if flags[i] & hidden:
                continue
            if flags[i] & (_engine.NODE_ROOT | _engine.NODE_COMPLEMENT):
                G.add_edge(SUPER, i)
            for t in snap.node(i)["edges"]:
                if not flags[t] & hidden:
                    G.add_edge(i, t)
        want = networkx.immediate_dominators(G, SUPER)
        reached = 0
        for i in range(snap.n):
            if i in want:
                reached += 1
                expect = "root" if want[i] == SUPER else want[i]
                self.assertEqual(snap.idom(i), expect, i)
            else:
                self.assertIsNone(snap.idom(i), i)
        self.assertGreater(reached, 10000)
        self.assertTrue(keep)

    def test_domisize_of_heap_sets(self):
        from heapcore import hpy
        h = hpy()
        shared = [bytearray(1000), bytearray(2000)]
        a, b = [shared], [shared]
        del shared
        x = h.iso(a, b)
        size_a, size_b = h.iso(a).size, h.iso(b).size
        inner = h.iso(a[0], a[0][0], a[0][1]).size
        # Together a and b free what they share; apart, each frees only itself.
        self.assertEqual(h.iso(a).domisize, size_a)
        self.assertEqual(x.domisize, size_a + size_b + inner)
        self.assertEqual(h.iso(a[0]).domisize, inner)

    def test_bad_ids(self):
        snap = _engine.snapshot()
        with self.assertRaises(IndexError):
            snap.retained(snap.n)
        with self.assertRaises(TypeError):
            snap.idom("x")


if __name__ == "__main__":
    unittest.main()
