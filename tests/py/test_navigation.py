"""Navigation over a snapshot: referrers and referents of heap sets (issue 5, first part)."""
import unittest

from heapcore import hpy


class Holder:
    def __init__(self, v):
        self.v = v


class ReferrersAndReferents(unittest.TestCase):
    def test_referrers_are_exactly_the_holders(self):
        h = hpy()
        target = bytearray(b"target")
        holders = [[target], {"k": target}, (target, 1.5 * id(target)), Holder(target)]
        del target  # no local names it: only the four containers do
        x = h.heap()
        t = x & h.iso(holders[0][0])
        got = t.referrers
        want = x & h.iso(*holders[:3])
        # The instance refers to it through its dict on 3.10, directly (managed dict) after.
        inst = h.iso(holders[3]) | h.iso(holders[3].__dict__) if hasattr(holders[3], "__dict__") else h.iso(holders[3])
        self.assertTrue(want <= got)
        extra = got - want
        self.assertEqual(extra.count, 1)
        self.assertTrue(extra <= (x & inst))
        self.assertEqual(got.referents & t, t)
        # The observer's own objects never refer: a heap set holding the target is not there.
        self.assertEqual((t.referrers - x).count, 0)

    def test_referents_of_containers(self):
        h = hpy()
        a = bytearray(10)
        b = bytearray(20)
        pair = [a, b, a]
        x = h.heap()
        p = x & h.iso(pair)
        # The snapshot records every object's edge to its type, as the walk reaches types so.
        self.assertEqual(p.referents, x & h.iso(a, b, list))
        self.assertEqual((x & h.iso(a, b)).referrers & p, p)
        self.assertEqual(h.Nothing.referrers.count, 0)
        self.assertEqual(h.Nothing.referents.count, 0)


if __name__ == "__main__":
    unittest.main()
