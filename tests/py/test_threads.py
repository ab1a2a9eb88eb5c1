"""Threads and interpreters: heap() from any thread sees every thread; subinterpreters are
never mixed into the main interpreter's heap, and heapcore says so clearly when asked to walk
one."""
import threading
import unittest

from support import hpy
from heapcore import _internal

try:
    import _xxsubinterpreters as interpreters
except ImportError:
    try:
        import _interpreters as interpreters
    except ImportError:
        interpreters = None


class OnlyMain:
    pass


class OnlyWorker:
    pass


class OnlyCaller:
    pass


class FromAnotherThread(unittest.TestCase):
    def test_heap_from_a_worker_sees_every_thread(self):
        h = hpy()
        main_local = OnlyMain()  # held by this frame only
        ready, done = threading.Event(), threading.Event()
        result = {}

        def holder():
            worker_local = OnlyWorker()  # held by this thread's frame only
            ready.set()
            done.wait(30)
            del worker_local

        def caller():
            caller_local = OnlyCaller()  # held by the calling thread's own frame
            try:
                x = h.heap()
                result["counts"] = [(x & h.Type(c)).count for c in (OnlyMain, OnlyWorker, OnlyCaller)]
                result["main in"] = main_local in x
            except BaseException as e:
                result["error"] = e
            del caller_local

        t1 = threading.Thread(target=holder)
        t1.start()
        ready.wait(30)
        t2 = threading.Thread(target=caller)
        t2.start()
        t2.join(60)
        done.set()
        t1.join(60)
        self.assertNotIn("error", result)
        self.assertEqual(result["counts"], [1, 1, 1])
        self.assertTrue(result["main in"])


def _run(iid, code):
    run = getattr(interpreters, "run_string", None) or interpreters.exec
    return run(iid, code)


def _create(legacy):
    if not legacy:
        return interpreters.create()
    try:
        return interpreters.create(isolated=False)  # 3.12
    except TypeError:
        pass
    if hasattr(interpreters, "new_config"):  # 3.13
        return interpreters.create(interpreters.new_config("legacy"))
    return interpreters.create()  # 3.10, 3.11: every subinterpreter shares the GIL


class MainOnly:
    pass


@unittest.skipIf(interpreters is None, "no subinterpreter module")
class Subinterpreters(unittest.TestCase):
    def test_main_heap_never_includes_a_subinterpreters_objects(self):
        for legacy in (False, True):
            iid = _create(legacy)
            try:
                _run(iid, "import sys\nclass SubOnly: pass\nsys.sub_only = [SubOnly() for _ in range(321)]\n")
                x = hpy().heap()
                names = [r[1] for r in _internal.rows(x.bytype)]
                self.assertFalse([n for n in names if "SubOnly" in n], legacy)
            finally:
                interpreters.destroy(iid)

    def test_a_subinterpreters_heap_when_asked(self):
        # taken from the main interpreter, in the subinterpreter's own context: its objects
        # exactly, nothing only the main interpreter holds, and no live object handed over
        keep = [MainOnly() for _ in range(77)]
        h = hpy()
        for legacy in (False, True):
            iid = _create(legacy)
            try:
                _run(iid, "import sys\nclass SubOnly:\n    pass\n"
                          "sys.sub_only = [SubOnly() for _ in range(321)]\n")
                x = h.heap(interpreter=iid)
                self.assertTrue(x.loaded)
                self.assertIn("Subinterpreter %d" % iid, str(x))
                counts = {r[1]: r[2] for r in _internal.rows(x.bytype)}  # (kind, name, count, size)
                self.assertEqual(counts.get("__main__.SubOnly"), 321, legacy)
                self.assertFalse([n for n in counts if "MainOnly" in n], legacy)
                self.assertEqual(x.count, sum(counts.values()))
                with self.assertRaises(RuntimeError):
                    x.nodes
                # labels were read in the subinterpreter: byvia and paths work on the set
                parts = _internal.rows(x.bytype)
                subs = x.bytype[[r[1] for r in parts].index("__main__.SubOnly")]
                self.assertEqual(subs.count, 321)
                self.assertEqual({r[1] for r in _internal.rows(subs.byvia)}, {"'[*]' (321 indices)"})
                via = {r[1] for r in _internal.rows(subs.byvia_exact)}
                self.assertEqual(len(via), 321)
                self.assertTrue({"'[0]'", "'[320]'"} <= via, sorted(via)[:5])
                self.assertIn("_sysdict['sub_only'][", str(subs.sp))
                # the main heap still never includes them, and is unaffected
                self.assertFalse([r for r in _internal.rows(hpy().heap().bytype) if "SubOnly" in r[1]])
            finally:
                interpreters.destroy(iid)
        del keep

    def test_a_subinterpreter_busy_in_another_thread(self):
        # the walk waits for the subinterpreter's GIL (its own on 3.12+) and runs while the
        # subinterpreter's thread is paused between bytecodes
        iid = _create(False)
        try:
            _run(iid, "import sys\nsys.acc = []\n")
            done = []

            def busy():
                _run(iid, "import sys, time\nt = time.time()\nwhile time.time() - t < 1.0:\n"
                          "    sys.acc.append([1, 2])\n    if len(sys.acc) > 100000:\n        sys.acc.clear()\n")
                done.append(True)

            t = threading.Thread(target=busy)
            t.start()
            h = hpy()
            counts = [h.heap(interpreter=iid).count for _ in range(4)]
            t.join(60)
            self.assertEqual(done, [True])
            self.assertTrue(all(c > 1000 for c in counts), counts)
            x = h.heap(interpreter=iid)
            lists = {r[1]: r[2] for r in _internal.rows(x.bytype)}["list"]
            self.assertGreaterEqual(lists, 1)
        finally:
            interpreters.destroy(iid)

    def test_asking_for_a_wrong_interpreter(self):
        h = hpy()
        with self.assertRaises(ValueError):
            h.heap(interpreter=10**9)
        main_id = interpreters.get_main()
        main_id = getattr(main_id, "id", main_id)
        if isinstance(main_id, tuple):  # 3.13: (id, whence)
            main_id = main_id[0]
        with self.assertRaises(ValueError):
            h.heap(interpreter=int(main_id))

    def test_walking_from_a_subinterpreter_is_refused_clearly(self):
        for legacy in (False, True):
            iid = _create(legacy)
            try:
                out = _run(iid, "\n".join([
                    "import sys",
                    "try:",
                    "    import heapcore",
                    "    heapcore.hpy().heap()",
                    "    sys.heapcore_result = 'walked'",
                    "except ImportError as e:",
                    "    sys.heapcore_result = 'ImportError: ' + str(e)",
                    "except RuntimeError as e:",
                    "    sys.heapcore_result = 'RuntimeError: ' + str(e)",
                    "if sys.heapcore_result == 'walked' or 'subinterpreter' not in sys.heapcore_result:",
                    "    raise AssertionError(sys.heapcore_result)",
                ]))
                self.assertIsNone(out)  # 3.13's exec returns the uncaught exception, if any
            finally:
                interpreters.destroy(iid)
        self.assertGreater(hpy().heap().count, 0)  # the main interpreter is unaffected


if __name__ == "__main__":
    unittest.main()
