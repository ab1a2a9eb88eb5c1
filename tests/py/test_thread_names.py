"""Threads and frames are named in one format: the root label of a thread is
"thread 'NAME' (ident N)" (", main" for the main thread) with N the decimal ident that
h.Root.t<N> takes (heapcore/py/pyframes.c, pylabels.c hc_py_thread_name)."""
import _thread
import os
import sys
import tempfile
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


def sample_blocked(ready, gate, held):
    samples = [object() for _ in range(3)]
    held.append(samples)
    ready.set()
    gate.acquire()  # BLOCKED HERE: the thread's top frame
    gate.release()


BLOCKED_LINE = next(i for i, line in enumerate(open(__file__.replace(".pyc", ".py")), 1)
                    if line.strip().endswith("# BLOCKED HERE: the thread's top frame"))


class ThreadNames(unittest.TestCase):
    def test_node_name_of_thread_and_top_frame(self):
        ready, gate, held = threading.Event(), threading.Lock(), []
        gate.acquire()
        t = threading.Thread(target=sample_blocked, args=(ready, gate, held), name="sampler")
        t.start()
        try:
            ready.wait()
            snap = _internal.snapshot(h.heap())
            label = "thread 'sampler' (ident %d)" % t.ident
            ids = [i for i, lb in snap.roots() if lb == label]
            self.assertEqual(len(ids), 1, label)
            self.assertEqual(snap.node_name(ids[0]), label)
            names = [snap.node_name(e) for e in snap.node(ids[0])["edges"]]
            frames = [n for n in names if n is not None and n.startswith("frame ")]
            self.assertEqual(frames, ["frame sample_blocked() at test_thread_names.py:%d" % BLOCKED_LINE])
            # a snapshot file keeps them (h.dump walks anew, while the thread still waits)
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "s.hcsnap")
                h.dump(path)
                loaded = _internal.snapshot(h.load(path))
            lids = [i for i, lb in loaded.roots() if lb == label]
            self.assertEqual([loaded.node_name(i) for i in lids], [label])
            lnames = [loaded.node_name(e) for e in loaded.node(lids[0])["edges"]]
            self.assertIn(frames[0], lnames)
            # the names were captured at walk time: they stay once the thread has moved on
            gate.release()
            t.join()
            self.assertEqual(snap.node_name(ids[0]), label)
            again = [snap.node_name(e) for e in snap.node(ids[0])["edges"]]
            self.assertEqual([n for n in again if n is not None and n.startswith("frame ")], frames)
            self.assertIsNone(snap.node_name(snap.lookup(held[0])))
            with self.assertRaises((ValueError, IndexError, TypeError)):
                snap.node_name(snap.n + 5)
        finally:
            if gate.locked():
                gate.release()
            t.join()

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


def counting():
    yield 1  # SUSPENDED HERE
    yield 2


SUSPENDED_LINE = next(i for i, line in enumerate(open(__file__.replace(".pyc", ".py")), 1)
                      if line.strip().endswith("# SUSPENDED HERE"))


class GeneratorAndTaskNames(unittest.TestCase):
    """Generators and coroutines are named by function and line, asyncio Tasks by their name
    (pymodel.c name_nodes), read from the structs: get_name() is never called."""

    def name_in_heap(self, obj):
        x = h.heap()
        snap = _internal.snapshot(x)
        ids = _internal.node_ids(x & h.iso(obj))
        self.assertEqual(len(ids), 1)
        return snap.node_name(ids[0])

    def test_generators(self):
        g = counting()
        # not started: at its def line
        self.assertEqual(self.name_in_heap(g), "generator counting() at test_thread_names.py:%d" % (SUSPENDED_LINE - 1))
        next(g)
        self.assertEqual(self.name_in_heap(g), "generator counting() at test_thread_names.py:%d" % SUSPENDED_LINE)
        list(g)
        self.assertEqual(self.name_in_heap(g), "generator counting() (finished)")

    def test_tasks(self):
        import asyncio

        class Sneaky(asyncio.Task):
            def get_name(self):  # never called
                raise AssertionError("get_name ran")
        names = {}

        async def flush_on_shutdown():
            await asyncio.sleep(0)

        async def main():
            t1 = asyncio.get_running_loop().create_task(flush_on_shutdown(), name="flush_on_shutdown")
            t2 = asyncio.ensure_future(flush_on_shutdown())
            t3 = Sneaky(flush_on_shutdown(), name="it's")
            names["t1"], names["t2"], names["t3"] = (self.name_in_heap(t) for t in (t1, t2, t3))
            names["t2 wanted"] = "Task '%s'" % t2.get_name()
            await asyncio.gather(t1, t2, t3)
        asyncio.run(main())
        self.assertEqual(names["t1"], "Task 'flush_on_shutdown'")
        self.assertEqual(names["t2"], names["t2 wanted"])
        self.assertEqual(names["t3"], "Task 'it?s'")
