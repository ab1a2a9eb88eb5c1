"""Allocation failure: every engine allocation (hc_try_*), failed in turn, gives a MemoryError
or the right result; the interpreter stays usable and nothing leaks (the engine's count of
live blocks, and CPython's allocated blocks, come back to where they were)."""
import gc
import os
import sys
import tempfile
import unittest

from support import hpy

import _enginetest

import heapcore


class Holder:
    def __init__(self, i):
        self.items = [i, str(i) * 3]
        self.tag = "t%d" % (i % 7)


class Few:
    pass


HOLDERS = [Holder(i) for i in range(200)]
FEW = [Few() for _ in range(3)]
TMP = tempfile.mkdtemp(prefix="heapcore-faults-")


def _sets(h, x):
    """(the Holders, the Holders and what they refer to, the Fews) of heap set x."""
    m = x & h.Type(Holder)
    return m, m | m.referents, x & h.Type(Few)


def _dump_load(x, m, s, few):
    path = os.path.join(TMP, "m.hcs")
    m.dump(path)
    y = heapcore.load(path)
    return str(y.bytype) + str(y.byvia) + str(y.domisize)


def _html(x, m, s, few):
    few.html(os.path.join(TMP, "r.html"))
    return "written"


def _chrome(x, m, s, few):
    few.export_chrome(os.path.join(TMP, "r.heapsnapshot"))
    return "written"


_SUB = []


def _subinterpreter(x, m, s, few):
    """A subinterpreter's heap (made on first use; switching into it and back must survive
    every failure)."""
    if not _SUB:
        try:
            import _interpreters as interpreters
        except ImportError:
            import _xxsubinterpreters as interpreters
        iid = interpreters.create()
        (getattr(interpreters, "run_string", None) or interpreters.exec)(
            iid, "import sys\nclass Sub:\n    pass\nsys.subs = [Sub() for _ in range(30)]\n")
        _SUB.append(iid)
    return str(hpy().heap(interpreter=_SUB[0]).bytype)


# (name, step, deterministic, stride): a step takes (a fresh heap set, and its _sets) and
# returns text; a deterministic step's text is the same on every fresh snapshot.  Every
# allocation is failed in turn (stride 1), but for the HTML report's ~1300, where every 10th is.
# Under ASan+UBSan (ten times slower), the analysis steps fail every SAN_STRIDE-th (heap()
# still every one): the plain builds of every version run the whole sweep.
SAN_STRIDE = 7
STEPS = [(c, (lambda c: lambda x, m, s, few: str(getattr(s, c)))(c), True, 1) for c in
         ("bytype", "byclodo", "byrcs", "bysize", "bymodule", "byvia", "byunity", "byidset")] + [
    ("domisize", lambda x, m, s, few: str(s.domisize), True, 1),
    ("dominos", lambda x, m, s, few: str(m.dominos.bytype), True, 1),
    ("top", lambda x, m, s, few: str(few.top(3)), False, 1),
    ("sp", lambda x, m, s, few: str(few.sp), True, 1),
    ("referrers", lambda x, m, s, few: str(m.referrers.bytype), True, 1),
    ("algebra", lambda x, m, s, few: str(((x - m) | few) & s ^ m), True, 1),
    ("dump+load", _dump_load, True, 1),
    ("chrome", _chrome, True, 1),
    ("html", _html, True, 10),
]
# Swept after CPython's allocated blocks are counted: before 3.12 a subinterpreter allocates
# from the main allocator, and its own caches and free lists would count as the main one's.
SUB_STEPS = [("subinterpreter", _subinterpreter, True, 1)]


def _calls(fn):
    _enginetest.alloc_fail_at(0)
    fn()
    return _enginetest.alloc_fail_at(0)


def heap_sweep(h, result, want):
    """Fail each engine allocation of h.heap() in turn: (calls, MemoryErrors, problems), a
    problem being a heap() that succeeded with result(x) != want."""
    calls = _calls(h.heap)
    errors, problems = 0, []
    for n in range(1, calls + 2):
        _enginetest.alloc_fail_at(n)
        try:
            x = h.heap()
        except MemoryError:
            errors += 1
            continue
        finally:
            _enginetest.alloc_fail_at(0)
        if result(x) != want:
            problems.append("heap() at %d: wrong result" % n)
    return calls, errors, problems


def sweep(steps, with_heap=True):
    """Fail each engine allocation of heap() (with_heap) and of each step in turn.  Returns
    ({step: [calls, MemoryErrors]}, [problems])."""
    h = hpy()
    seen, problems = {}, []
    if not with_heap:
        steps_only(h, steps, seen, problems)
        return seen, problems
    # heap() itself: the walk, its roots, sizes and numbering.
    def holders(x):
        return str((x & h.Type(Holder)).bytype)
    calls, errors, wrong = heap_sweep(h, holders, holders(h.heap()))
    problems += wrong
    seen["heap"] = [calls, errors]
    steps_only(h, steps, seen, problems)
    return seen, problems


def steps_only(h, steps, seen, problems):
    for name, step, deterministic, stride in steps:
        def run(x):
            return step(x, *_sets(h, x))
        ref = run(h.heap())
        x = h.heap()
        sets = _sets(h, x)
        calls = _calls(lambda: step(x, *sets))
        errors = 0
        if os.environ.get("SANITIZERS"):
            stride *= SAN_STRIDE
        for n in range(1, calls + 2, stride):
            x = h.heap()
            sets = _sets(h, x)
            _enginetest.alloc_fail_at(n)
            try:
                got = step(x, *sets)
            except MemoryError:
                got = None
                errors += 1
            except Exception as e:  # anything but MemoryError is a defect
                got = None
                problems.append("%s at %d: %s: %s" % (name, n, type(e).__name__, e))
            finally:
                _enginetest.alloc_fail_at(0)
            if got is None or not deterministic:
                again = step(x, *sets)  # the same snapshot, after the failure
                if got is not None and got != again:
                    problems.append("%s at %d: differs when run again" % (name, n))
                got = again
            if deterministic and got != ref:
                problems.append("%s at %d: wrong result" % (name, n))
        seen[name] = [calls, errors]
        if os.environ.get("HEAPCORE_SWEEP_VERBOSE"):
            sys.stderr.write("%s %s\n" % (name, seen[name]))


def main():
    """The sweep, in a small process of its own (python -S: a heap of ~25k objects, so
    that each of the ~1000 failures costs little)."""
    import json
    h = hpy()
    for name, step, _, _ in STEPS + SUB_STEPS:  # warm CPython's caches first
        x = h.heap()
        step(x, *_sets(h, x))
    del x
    gc.collect()
    live0, blocks = _enginetest.alloc_live(), sys.getallocatedblocks()
    seen, problems = sweep(STEPS)
    gc.collect()
    python_blocks = sys.getallocatedblocks() - blocks
    seen_sub, problems_sub = sweep(SUB_STEPS, with_heap=False)
    seen.update(seen_sub)
    gc.collect()
    report = {"seen": seen, "problems": problems + problems_sub, "leaked": _enginetest.alloc_live() - live0,
              "python_blocks": python_blocks,
              "holders": (h.heap() & h.Type(Holder)).count, "sum": sum(range(100))}
    print(json.dumps(report))


class Many:
    pass


def main_big():
    """Every allocation of heap() failing in turn on a heap big enough for the discovery
    helper thread (past 2^17 objects), where 300 classes are first met late in the walk, while
    the helper runs: a type whose size info cannot be allocated must not reach the helper
    (3.12+ cannot compute its info without a thread state: a fatal error, not a MemoryError)."""
    import json
    items = [Many() for _ in range(160000)]
    late = [type("Late%d" % k, (), {}) for k in range(300)]
    for _ in range(24):
        items.extend(cls() for cls in late)
    h = hpy()
    h.heap()
    gc.collect()
    live0 = _enginetest.alloc_live()
    calls, errors, problems = heap_sweep(
        h, lambda x: ((x & h.Type(Many)).count, (x & h.Type(late[-1])).count), (160000, 24))
    gc.collect()
    print(json.dumps({"calls": calls, "errors": errors, "problems": problems, "held": len(items),
                      "leaked": _enginetest.alloc_live() - live0}))


class AllocationFailure(unittest.TestCase):
    def test_every_allocation_failing_in_turn_on_a_heap_the_helper_walks(self):
        import json
        import subprocess
        p = subprocess.run([sys.executable, "-S", __file__, "--big"], capture_output=True, text=True,
                           cwd=os.path.dirname(os.path.abspath(__file__)))
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        r = json.loads(p.stdout.strip().splitlines()[-1])
        self.assertEqual(r["problems"], [])
        self.assertGreater(r["calls"], 0)
        self.assertGreater(r["errors"], 0)
        self.assertEqual(r["held"], 160000 + 300 * 24)
        self.assertEqual(r["leaked"], 0, "engine blocks leaked")

    def test_every_allocation_failing_in_turn(self):
        import json
        import subprocess
        p = subprocess.run([sys.executable, "-S", __file__, "--sweep"], capture_output=True, text=True,
                           cwd=os.path.dirname(os.path.abspath(__file__)))
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        r = json.loads(p.stdout.strip().splitlines()[-1])
        self.assertEqual(r["problems"], [])
        self.assertEqual(r["leaked"], 0, "engine blocks leaked")
        self.assertLess(r["python_blocks"], 200, "Python objects leaked")
        for name, (calls, errors) in r["seen"].items():
            self.assertGreater(calls, 0, name)
            self.assertGreater(errors, 0, name)
        self.assertEqual(len(r["seen"]), len(STEPS) + len(SUB_STEPS) + 1)
        # the interpreter was still fine, and so was heapcore
        self.assertEqual((r["holders"], r["sum"]), (len(HOLDERS), 4950))

    def test_the_hooks_reach_the_engine_the_package_uses(self):
        # _enginetest links nothing of heapcore: its hook fails heapcore._engine's own
        # allocations (a copy of the engine would count its own, and heap() would never fail).
        h = hpy()
        calls = _calls(h.heap)
        self.assertGreater(calls, 0)
        failed = False
        for n in range(1, calls + 1):
            _enginetest.alloc_fail_at(n)
            try:
                h.heap()
            except MemoryError:
                failed = True
                break
            finally:
                _enginetest.alloc_fail_at(0)
        self.assertTrue(failed)
        # and the production module has none of the hooks
        for name in ("alloc_fail_at", "alloc_live", "referents", "labels", "is_leaf_type", "is_threadsafe_type"):
            self.assertFalse(hasattr(heapcore._engine, name), name)

    def test_the_live_count_moves(self):
        # alloc_live is not stuck at a constant: a held snapshot holds engine blocks.
        gc.collect()
        live0 = _enginetest.alloc_live()
        x = hpy().heap()
        self.assertGreater(_enginetest.alloc_live(), live0)
        del x
        gc.collect()
        self.assertEqual(_enginetest.alloc_live(), live0)


if __name__ == "__main__":
    if sys.argv[1:] == ["--sweep"]:
        main()
    elif sys.argv[1:] == ["--big"]:
        main_big()
    else:
        unittest.main()
