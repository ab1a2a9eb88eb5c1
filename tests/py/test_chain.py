"""A 10-million-long chain: the walk is iterative and the snapshot holds it all."""
import unittest

from support import hpy, rows


class Chain(unittest.TestCase):
    def test_ten_million_long_chain(self):
        n = 10_000_000
        head = None
        for _ in range(n):
            head = [head]
        x = hpy().heap()
        self.assertGreaterEqual(rows(x.bytype)["list"][0], n)
        # Free iteratively: CPython's trashcan limits the depth, but be kind to the stack.
        while head is not None:
            head = head[0]


if __name__ == "__main__":
    unittest.main()
