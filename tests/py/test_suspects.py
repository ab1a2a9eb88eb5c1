"""Leak suspects (issue 19): x.top(n) reports the accumulation point of a leak (the object
holding many alike children) with its named path, the kind and count of what it holds, and
its bytes within 2 % of what tracemalloc saw the leak allocate; named paths (_names)."""
import asyncio
import collections
import functools
import gc
import json
import sys
import threading
import tracemalloc
import types
import unittest

from heapcore import hpy, _internal, _names

from support import traced


class Leaks(unittest.TestCase):
    def setUp(self):
        self.mod = types.ModuleType("leakapp")
        sys.modules["leakapp"] = self.mod

    def tearDown(self):
        del sys.modules["leakapp"]
        self.mod.__dict__.clear()  # the test keeps self.mod: no leak left for the next test
        gc.collect()

    def first(self, n=1):
        x = hpy().heap()
        t = x.top(n)
        return x, t, t.suspects[0]

    def assert_bytes(self, suspect, delta):
        self.assertLess(abs(suspect["weight"] - delta), 0.02 * delta, (suspect["weight"], delta))

    def test_module_dict_cache_of_parsed_json(self):
        def build():
            return {"req-%d" % i: json.loads('{"id": %d, "body": "%s"}' % (i, "x" * 3000))
                    for i in range(1100)}
        self.mod._responses, delta = traced(build)
        x, t, s = self.first()
        self.assertEqual(s["path"], "leakapp._responses (dict (no owner))")
        count, kind, nbytes, children = s["held"]
        self.assertEqual((count, kind), (1100, "dict (no owner)"))
        self.assert_bytes(s, delta)
        self.assertEqual(t[0].count, 1)
        self.assertEqual(len(t), 1)
        text = str(t)
        self.assertIn("holds 1,100 dict (no owner)", text)
        self.assertIn("leakapp._responses", text)

    def test_bound_methods_on_a_handler_list(self):
        class Handler:
            def __init__(self, i):
                self.buf = bytearray(2000)

            def emit(self, record):
                pass
        self.mod.Handler = Handler
        self.mod.handlers, delta = traced(lambda: [Handler(i).emit for i in range(800)])
        x, t, s = self.first()
        self.assertEqual(s["path"], "leakapp.handlers (list)")
        self.assertEqual(s["held"][:2], (800, "method"))
        self.assert_bytes(s, delta)

    def test_lru_cache_on_a_method(self):
        class TariffTable:
            @functools.lru_cache(maxsize=None)
            def price(self, n):
                return [n] * 200
        self.mod.TariffTable = TariffTable
        table = TariffTable()

        def build():
            for i in range(600):
                table.price(i)
        _, delta = traced(build)
        x, t, s = self.first()
        # the cache's dict, reached through the wrapper by its C label
        self.assertEqual(s["path"], "leakapp.TariffTable.price (functools._lru_cache_wrapper) → "
                                    "<lru_cache cache> (dict (no owner))")
        self.assertEqual(s["held"][:2], (600, "list"))
        # the cache also keeps its link lists and keys: the delta is all of it
        self.assert_bytes(s, delta)
        del table

    def test_deque_local_to_a_worker_thread(self):
        ready, done = threading.Event(), threading.Event()
        box = {}

        def run():
            def build():
                return collections.deque(bytearray(3000) for _ in range(500))
            window, box["delta"] = traced(build)
            ready.set()
            done.wait()
            del window
        th = threading.Thread(target=run, name="sampler", daemon=True)
        th.start()
        ready.wait()
        try:
            x, t, s = self.first()
            self.assertRegex(s["path"], r"^thread 'sampler' \(ident %d\) → frame .*run\(\) at test_suspects\.py:\d+ → "
                                    r"local 'window' \(collections\.deque\)$" % th.ident)
            self.assertEqual(s["held"][:2], (500, "bytearray"))
            self.assert_bytes(s, box["delta"])
        finally:
            done.set()
            th.join()

    def test_stored_exceptions_keep_frames(self):
        def fail(i):
            payload = bytearray(4000)  # noqa: F841 (kept alive by the frame)
            raise ValueError(i)

        def build():
            errors = []
            for i in range(300):
                try:
                    fail(i)
                except ValueError as e:
                    errors.append(e)
            return errors
        self.mod.errors, delta = traced(build)
        x, t, s = self.first()
        self.assertEqual(s["path"], "leakapp.errors (list)")
        self.assertEqual(s["held"][:2], (300, "ValueError"))
        self.assert_bytes(s, delta)

    def test_pending_asyncio_tasks(self):
        """A server coroutine keeps the tasks it spawned, each waiting on an Event that is never
        set: the coroutine, named by its Task and line, holds them, under the loop's thread."""
        async def flush_on_shutdown(stop):
            payload = bytearray(3000)
            await stop.wait()
            return payload

        async def serve(box):
            stop, box["go"] = asyncio.Event(), asyncio.Event()
            box["loop"] = asyncio.get_running_loop()
            box["ready"].set()
            await box["go"].wait()
            pending = [asyncio.create_task(flush_on_shutdown(stop)) for _ in range(400)]
            await asyncio.sleep(0.01)  # each task runs up to its wait
            box["spawned"].set()
            while not box["shutdown"].is_set():  # (box holds no task: their one holder is serve)
                # long sleeps: while its timer's callback waits in the loop's ready queue, the
                # shortest path to serve runs through that queue (a 10 ms sleep made it likely)
                await asyncio.sleep(0.25)
            stop.set()
            return pending
        box = {"ready": threading.Event(), "spawned": threading.Event(), "shutdown": threading.Event()}
        th = threading.Thread(target=lambda: asyncio.run(serve(box)), name="loop", daemon=True)
        th.start()
        box["ready"].wait()
        # tracemalloc's delta of the spawn, less asyncio's registry of all tasks (weak
        # references in a WeakSet, which the tasks' holder does not keep)
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        box["loop"].call_soon_threadsafe(box["go"].set)
        box["spawned"].wait()
        gc.collect()
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        keep = [tracemalloc.Filter(False, "*_weakrefset.py"), tracemalloc.Filter(False, tracemalloc.__file__)]
        delta = sum(d.size_diff for d in after.filter_traces(keep).compare_to(before.filter_traces(keep), "filename"))
        del before, after, keep  # (megabytes of traces: they would be the top suspect)
        try:
            x, t, s = self.first()
            self.assertRegex(s["path"], r"^thread 'loop' \(ident %d\) → frame .*\(\) at \w+\.py:\d+ → "
                             r"(Task 'Task-\d+' → )?coroutine .*serve\(\) at test_suspects\.py:\d+$" % th.ident)
            self.assertEqual(s["held"][:2], (400, "_asyncio.Task"))
            self.assert_bytes(s, delta)
        finally:
            box["shutdown"].set()
            th.join()

    def test_a_namespace_is_never_walked_through(self):
        # the module's dict holds 85 % in one attribute: still each attribute is followed
        self.mod.big = [bytearray(1000) for _ in range(3000)]
        self.mod.small = [bytearray(1000) for _ in range(400)]
        x = hpy().heap()
        paths = [g["path"] for g in x.top(10).suspects]
        self.assertIn("leakapp.big (list)", paths)
        self.assertIn("leakapp.small (list)", paths)

    def test_alike_parts_are_what_their_holder_accumulates(self):
        self.mod.caches = {k: [bytearray(1000) for _ in range(400)] for k in "abc"}
        x, t, s = self.first()
        self.assertEqual(s["path"], "leakapp.caches (dict (no owner))")
        self.assertEqual(s["held"][:2], (3, "list"))

    def test_alike_siblings_are_one_row(self):
        # three equal caches and a blob of another kind under one dict: a fork into its
        # parts; the three lists are one row of 3 alike
        parts = {k: [bytearray(1000) for _ in range(400)] for k in "abc"}
        parts["blob"] = tuple(bytes(1000) for _ in range(400))
        self.mod.parts = parts
        x = hpy().heap()
        t = x.top(10)  # (other tests of the process may have left larger ones)
        s = [g for g in t.suspects if g["path"].startswith("leakapp.parts[")][0]
        self.assertEqual(len(s["ids"]), 3, s)
        self.assertEqual(s["kind"], "list")
        self.assertGreaterEqual(s["weight"], 3 * 400 * 1000)
        self.assertIn("3 alike: list", str(t))
        self.assertEqual(s["held"][:2], (400, "bytearray"))

    def test_a_chain_is_reported_at_its_head(self):
        class Link:
            __slots__ = ("next", "data")
        head = None
        for i in range(3000):
            link = Link()
            link.next, link.data = head, bytearray(1000)  # 3 MB: more than any one thing of the test process
            head = link
        self.mod.head = head
        del head, link
        x, t, s = self.first()
        self.assertEqual(s["path"], "leakapp.head (%s)" % s["kind"])
        self.assertTrue(s["kind"].endswith("Link"), s["kind"])

    def test_the_old_listing_and_a_subset(self):
        self.mod.keep = [bytearray(1000) for _ in range(500)]
        h = hpy()
        x = h.heap()
        old = x.top(3, suspects=False)
        self.assertIsNone(old.suspects)
        self.assertIn("retaining most", str(old))
        # a subset: its bytes only (the bytearrays, accumulated in the list)
        ba = x & h.Type(bytearray)
        s = ba.top(1).suspects[0]
        self.assertEqual(s["path"], "leakapp.keep (list)")
        self.assertGreaterEqual(s["weight"], 500 * 1000)
        self.assertIn("in the set", str(ba.top(1)))


class Names(unittest.TestCase):
    def test_plumbing_collapsed(self):
        snap = None
        path = ("sys.modules", [(1, "dict (no owner)"), (2, "module app"), (3, "dict of module"),
                                (4, "type"), (5, "dict of type"), (6, "functools._lru_cache_wrapper"),
                                (7, "dict (no owner)")],
                ["['app']", ".__dict__", "['TariffTable']", ".__dict__", "['price']", "?"])
        self.assertEqual(_names.named_path(snap, *path),
                         "app.TariffTable.price (functools._lru_cache_wrapper) → <dict (no owner)>")
        inst = ("sys.modules", [(1, "dict (no owner)"), (2, "module app"), (3, "dict of module"),
                                (4, "app.Obj"), (5, "dict of app.Obj"), (6, "list"), (7, "int")],
                ["['app']", ".__dict__", "['o']", ".__dict__", "['x']", "[3]"])
        self.assertEqual(_names.named_path(snap, *inst), "app.o.x[3] (int)")
        thread = ("thread 'sampler' (ident 5)", [(1, "thread state"), (2, "interpreter frame"),
                                                 (3, "interpreter frame"), (4, "collections.deque")],
                  [".frame", ".f_back", ".f_locals['window']"])
        self.assertEqual(_names.named_path(snap, *thread),
                         "thread 'sampler' (ident 5) → frame → local 'window' (collections.deque)")
        self.assertEqual(_names.shape("app.cache['k1'][3] (dict)"), "app.cache[…][…] (dict)")
        lru = path[:2] + (path[2][:-1] + ["<lru_cache cache>"],)
        self.assertEqual(_names.named_path(snap, *lru),
                         "app.TariffTable.price (functools._lru_cache_wrapper) → <lru_cache cache> (dict (no owner))")

    def test_virtual_nodes_named_by_the_snapshot(self):
        class Snap:
            def node_name(self, node_id):
                return {2: "frame run() at metrics.py:29"}.get(node_id)
        thread = ("thread 0x7f00 (main)", [(1, "thread state"), (2, "interpreter frame"), (4, "list")],
                  [".frame", ".f_locals['w']"])
        self.assertEqual(_names.named_path(Snap(), *thread),
                         "thread 0x7f00 (main) → frame run() at metrics.py:29 → local 'w' (list)")

    def test_long_paths_keep_both_ends(self):
        hops = [(i, "list") for i in range(20)]
        text = _names.named_path(None, "root", hops, ["?"] * 19)
        self.assertTrue(text.startswith("root → <list>"))
        self.assertTrue(text.endswith("<list> (list)") or text.endswith("<list>"), text)
        self.assertIn("more …", text)
        long = _names.named_path(None, "root", [(0, "A"), (1, "A")] + [(i, "A") for i in range(2, 400)],
                                 [".next"] * 399)
        self.assertLess(len(long), 200)
        self.assertTrue(long.startswith("root.next.next") and long.endswith(".next (A)"), long)


if __name__ == "__main__":
    unittest.main()
