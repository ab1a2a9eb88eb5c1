"""Threads and frames are named in one format: the root label of a thread is
"thread 'NAME' (ident N)" (", main" for the main thread) with N the decimal ident that
h.Root.t<N> takes (heapcore/py/pyframes.c, pylabels.c hc_py_thread_name)."""
import _thread
import sys
import threading
import unittest

from heapcore import hpy
from heapcore import _internal
from heapcore._paths import root_name

h = hpy()


def thread_roots():
    snap = _internal.snapshot(h.heap())
    return {label for _, label in snap.roots() if label.startswith("thread")}


def sample_loop(ready, done, held):
    samples = [object() for _ in range(3)]
    held.append(samples)
    ready.set()
    done.wait()


class ThreadNames(unittest.TestCase):
    def test_named_thread_and_main(self):
        ready, done, held = threading.Event(), threading.Event(), []
        t = threading.Thread(target=sample_loop, args=(ready, done, held), name="sampler")
        t.start()
        try:
            ready.wait()
            labels = thread_roots()
            self.assertIn("thread 'sampler' (ident %d)" % t.ident, labels)
            main = threading.main_thread()
            self.assertIn("thread '%s' (ident %d, main)" % (main.name, main.ident), labels)
            self.assertEqual(root_name("thread 'sampler' (ident %d)" % t.ident), "t%d" % t.ident)
            sp = str(h.iso(held[0]).sp)
            self.assertIn("h.Root.t%d.frame" % t.ident, sp)
        finally:
            done.set()
            t.join()

    def test_renamed_and_unusual_names(self):
        ready, done, held = threading.Event(), threading.Event(), []
        t = threading.Thread(target=sample_loop, args=(ready, done, held))
        t.name = "d\u00e9j\u00e0 'vu' " + "x" * 100
        t.start()
        try:
            ready.wait()
            mine = [lb for lb in thread_roots() if lb.endswith("(ident %d)" % t.ident)]
            self.assertEqual(len(mine), 1)
            self.assertTrue(mine[0].startswith("thread 'd\u00e9j\u00e0 'vu' xxx"), mine)
            self.assertEqual(root_name(mine[0]), "t%d" % t.ident)
        finally:
            done.set()
            t.join()

    def test_start_new_thread_has_no_name(self):
        ready, done, held = threading.Event(), threading.Event(), []
        idents = []

        def run():
            idents.append(threading.get_ident())
            sample_loop(ready, done, held)
        _thread.start_new_thread(run, ())
        try:
            ready.wait()
            self.assertIn("thread (ident %d)" % idents[0], thread_roots())
            self.assertEqual(root_name("thread (ident %d)" % idents[0]), "t%d" % idents[0])
        finally:
            done.set()

    def test_root_name_parsing(self):
        self.assertEqual(root_name("thread 'MainThread' (ident 140231, main)"), "t140231")
        self.assertEqual(root_name("thread 'a (ident 5)' (ident 7)"), "t7")
        self.assertEqual(root_name("sys.modules"), "i0_modules")


if __name__ == "__main__":
    unittest.main()
