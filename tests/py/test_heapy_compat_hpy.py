"""guppy3 compatibility of the hpy object's names: hpy(ht=), h.doc, h.idset, h.heapg,
h.setrelheapu and h.pb (the HTML report in place of Heapy's Tk browser).  Each was an
AttributeError or TypeError."""
import contextlib
import gc
import io
import os
import tempfile
import unittest
import warnings

from heapcore import hpy, IdentitySet


class Cycle:
    pass


def make_cycle():
    a = Cycle()
    a.me = a
    return id(a)


class HpyNames(unittest.TestCase):
    def test_ht_is_accepted(self):
        h = hpy(ht=object())
        self.assertGreater(h.heap().count, 0)

    def test_doc(self):
        h = hpy()
        text = repr(h.doc)
        for name in ("Anything", "Clodo", "heap", "heapu", "idset", "iso", "load", "pb", "setref"):
            self.assertRegex(text, r"\n%s +\S" % name)
        self.assertIn("exactly these objects", h.doc.iso)
        self.assertIn("setrelheapu", dir(h.doc))
        with self.assertRaises(AttributeError):
            h.doc.nonesuch

    def test_idset(self):
        h = hpy()
        a, b = [1], "b"
        self.assertEqual(h.idset([a, b]), h.iso(a, b))
        self.assertEqual(h.idset([]), h.Nothing)
        with self.assertRaises(TypeError):
            h.idset(5)

    def test_heapg_warns_and_is_heap(self):
        h = hpy()
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            x = h.heapg()
        self.assertTrue(any(issubclass(i.category, DeprecationWarning) for i in w))
        self.assertIsInstance(x, IdentitySet)
        self.assertGreater(x.count, 0)

    def test_setrelheapu(self):
        was = gc.isenabled()
        gc.disable()
        try:
            h = hpy()
            make_cycle()
            self.assertGreaterEqual((h.heapu() & h.Type(Cycle)).count, 1)
            h.setrelheapu()
            self.assertEqual((h.heapu() & h.Type(Cycle)).count, 0)
            make_cycle()
            self.assertEqual((h.heapu() & h.Type(Cycle)).count, 1)
            h.setrelheapu(h.Nothing)
            self.assertGreaterEqual((h.heapu() & h.Type(Cycle)).count, 2)
            with self.assertRaises(TypeError):
                h.setrelheapu(5)
        finally:
            gc.collect()
            if was:
                gc.enable()

    def test_pb_writes_the_report(self):
        h = hpy()
        with tempfile.TemporaryDirectory() as d:
            out = io.StringIO()
            path = os.path.join(d, "pb.html")
            with contextlib.redirect_stdout(out):
                self.assertEqual(h.pb(path=path), path)
            self.assertIn("no Tk profile browser", out.getvalue())
            with open(path) as f:
                self.assertIn("<html", f.read(2000).lower())
            snap = os.path.join(d, "s.hcsnap")
            h.iso([1, 2]).dump(snap)
            with contextlib.redirect_stdout(io.StringIO()):
                h.pb(snap, path=os.path.join(d, "from-file.html"))
            self.assertTrue(os.path.getsize(os.path.join(d, "from-file.html")) > 0)
            stats = os.path.join(d, "stats.txt")
            h.iso([1]).dump(stats, "a")
            with self.assertRaisesRegex(ValueError, "holds stats"):
                h.pb(stats)


if __name__ == "__main__":
    unittest.main()
