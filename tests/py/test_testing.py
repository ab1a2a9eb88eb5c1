"""heapcore.testing: leak checks that report what grows in every repetition (named type,
objects and bytes per repetition, the holder's named path, the accumulation point) and pass
caches warmed once, strings interned once, lists grown once and garbage cycles; the
decorator under unittest (fresh fixture per run); ignore, ignore_modules, threshold; no
program code run while counting."""
import functools
import gc
import io
import itertools
import re
import sys
import unittest

from heapcore import hpy
from heapcore.testing import LeakError, assert_no_leaks, check_leaks, no_leaks

_registry = []
_cache = {}
_grown = []
_counter = itertools.count()


class Leaky:
    def __init__(self, i):
        self.i = i


def leak_one():
    _registry.append(Leaky(len(_registry)))


class Hostile:
    """Every dunder a walker might be tempted to call raises, and says so."""
    called = []

    def __eq__(self, other):
        Hostile.called.append("__eq__")
        raise RuntimeError("__eq__ ran")

    def __hash__(self):
        Hostile.called.append("__hash__")
        raise RuntimeError("__hash__ ran")

    def __repr__(self):
        Hostile.called.append("__repr__")
        raise RuntimeError("__repr__ ran")

    def __getattribute__(self, name):
        Hostile.called.append("__getattribute__")
        return object.__getattribute__(self, name)


_hostiles = []


@functools.lru_cache(maxsize=None)
def _cached(x):
    return [x, str(x)]


class Cycle:
    pass


class LeakChecks(unittest.TestCase):
    def test_a_leak_of_one_object_per_call_is_named(self):
        r = check_leaks(leak_one)
        self.assertTrue(r)
        self.assertEqual(r.runs, 5)
        leaks = {name: (count, nbytes) for name, count, nbytes in r.leaks}
        self.assertIn(__name__ + ".Leaky", leaks)
        self.assertEqual(leaks[__name__ + ".Leaky"][0], 1.0)     # one object per repetition
        self.assertGreater(leaks[__name__ + ".Leaky"][1], 0)
        left = {p[1]: p[2] for p in _rows(r.left)}              # by class or dict of class
        self.assertEqual(left[__name__ + ".Leaky"], 5)          # the five the repetitions left
        self.assertLessEqual(set(left), {__name__ + ".Leaky", "dict of %s.Leaky" % __name__})
        text = str(r)
        # one instance per call (and before 3.11 its __dict__, a dict of its own)
        self.assertIn("leaks 1 object, " if sys.version_info >= (3, 11) else "leaks 2 objects, ", text)
        self.assertIn("per repetition", text)
        self.assertIn("5 of them by %s._registry (list)" % __name__, text)
        self.assertRegex(text, r"accumulation point .*: %s\._registry \(list\)" % re.escape(__name__))
        with self.assertRaises(LeakError) as cm:
            assert_no_leaks(leak_one)
        self.assertIsInstance(cm.exception, AssertionError)
        self.assertIn(__name__ + ".Leaky", str(cm.exception))
        self.assertTrue(cm.exception.report)

    def test_bytes_per_repetition_agree_with_the_objects_left(self):
        big = []
        r = check_leaks(lambda: big.append(bytearray(10000)), repeat=4, warmup=1)
        leaks = {name: nbytes for name, _, nbytes in r.leaks}
        self.assertIn("bytearray", leaks)
        self.assertEqual(leaks["bytearray"], sys.getsizeof(bytearray(10000)))
        self.assertIn("4 of them by", str(r))

    def test_what_grows_once_passes(self):
        def warm():
            _cache.setdefault("k", [Leaky(0), "value"])

        def intern_once():
            sys.intern("heapcore-test-interned-" + "once")

        def grow_once():
            if not _grown:
                _grown.extend(Leaky(i) for i in range(100))

        def lru():
            _cached(7)

        def pure():
            return sorted(str(i) for i in range(50))

        for op in (warm, intern_once, grow_once, lru, pure):
            with self.subTest(op=op.__name__):
                r = check_leaks(op)
                self.assertFalse(r, str(r))
                self.assertEqual(r.leaks, [])
                self.assertIn("no leak", str(r))
                assert_no_leaks(op)

    def test_an_append_now_and_then_is_not_a_leak(self):
        # a list grown in one repetition of five (a cache filling on the third call)
        # (bytes grow on every call, and are ignored: the check runs all five repetitions)
        calls = []
        held = []

        def sometimes():
            calls.append(b"call %d" % len(calls))
            if len(calls) == 5:
                held.extend(Leaky(i) for i in range(10))
        r = check_leaks(sometimes, ignore=["bytes"])
        self.assertFalse(r, str(r))
        self.assertEqual((len(calls), len(held)), (7, 10))
        self.assertEqual(r.ignored, ["bytes"])

    def test_a_leak_warm_up_would_hide_is_still_found(self):
        # the leak starts at once: warm-up runs leak too, the repetitions still grow
        r = check_leaks(leak_one, repeat=3, warmup=0)
        self.assertTrue(r)
        self.assertEqual(r.runs, 3)

    def test_garbage_cycles_are_not_leaks(self):
        def cycle():
            a, b = Cycle(), Cycle()
            a.b, b.a = b, a
        was = gc.isenabled()
        gc.disable()
        try:
            r = check_leaks(cycle)
        finally:
            if was:
                gc.enable()
        self.assertFalse(r, str(r))

    def test_a_string_per_call_into_an_old_dict(self):
        d = {}
        r = check_leaks(lambda: d.__setitem__(str(next(_counter)), None))
        self.assertIn("str", [name for name, _, _ in r.leaks])
        self.assertRegex(str(r), r"5 of them by .*\(dict \(no owner\)\)")

    def test_a_tuple_per_call_from_the_free_list(self):
        keep = []
        r = check_leaks(lambda: keep.append((next(_counter), None)))
        self.assertIn("tuple", [name for name, _, _ in r.leaks])

    def test_what_only_the_operation_holds_is_counted(self):
        def add(lst):
            lst.append(Leaky(0))
        r = check_leaks(functools.partial(add, []))
        self.assertIn(__name__ + ".Leaky", [name for name, _, _ in r.leaks])

    def test_ignore_types_modules_and_threshold(self):
        r = check_leaks(leak_one, ignore=[Leaky])
        self.assertFalse(r)
        self.assertIn(__name__ + ".Leaky", str(r))
        self.assertFalse(check_leaks(leak_one, ignore=__name__ + ".Leaky"))
        self.assertFalse(check_leaks(leak_one, ignore_modules=[__name__]))
        self.assertFalse(check_leaks(leak_one, threshold=100000))
        self.assertTrue(check_leaks(leak_one, threshold=1))

        def recompile():
            re.compile("heapcore-test-%d" % next(_counter))  # re's cache grows on every call
        self.assertTrue(check_leaks(recompile))
        r = check_leaks(recompile, ignore_modules=("re",))
        self.assertFalse(r, str(r))
        self.assertIn("held by re", str(r))

    def test_no_program_code_runs_while_counting(self):
        Hostile.called.clear()

        def hostile():
            _hostiles.append(Hostile())
        with self.assertRaises(LeakError) as cm:
            assert_no_leaks(hostile)
        self.assertIn(__name__ + ".Hostile", str(cm.exception))
        self.assertEqual(Hostile.called, [])

    def test_the_observer_shows_nothing_of_its_own(self):
        # checks leave no object of theirs behind in the heap they count
        h = hpy()
        h.setrelheap()
        for _ in range(3):
            check_leaks(lambda: None)
        x = h.heap()
        self.assertNotIn("heapcore", " ".join(str(p[1]) for p in _rows(x.bytype)))

    def test_bad_arguments(self):
        with self.assertRaises(TypeError):
            check_leaks(42)
        with self.assertRaises(ValueError):
            check_leaks(leak_one, repeat=0)
        with self.assertRaises(ValueError):
            check_leaks(leak_one, warmup=-1)
        with self.assertRaises(TypeError):
            check_leaks(leak_one, ignore=[3])

    def test_an_exception_of_the_operation_propagates(self):
        def boom():
            raise KeyError("boom")
        with self.assertRaises(KeyError):
            check_leaks(boom)


def _rows(x):
    from heapcore import _internal
    return _internal.rows(x)


def _inner_case():
    """A TestCase class of its own (made here, so that discovery does not run it)."""
    class Inner(unittest.TestCase):
        setups = 0
        teardowns = 0
        cleanups = 0

        def setUp(self):
            type(self).setups += 1
            self.fixture = [Leaky(0)]
            self.addCleanup(self._cleanup)

        def _cleanup(self):
            type(self).cleanups += 1

        def tearDown(self):
            type(self).teardowns += 1

        @no_leaks
        def test_clean(self):
            self.fixture.append(len(self.fixture))

        @no_leaks(repeat=4, warmup=1)
        def test_leaky(self):
            leak_one()

        @no_leaks(fixture=False)
        def test_clean_without_fixture(self):
            sorted(range(10))
    return Inner


class Decorator(unittest.TestCase):
    def run_inner(self, name):
        self.Inner = _inner_case()
        out = io.StringIO()
        result = unittest.TextTestRunner(stream=out, verbosity=0).run(self.Inner(name))
        return result, out.getvalue()

    def test_a_clean_test_passes_with_a_fresh_fixture_per_run(self):
        result, out = self.run_inner("test_clean")
        self.assertTrue(result.wasSuccessful(), out)
        # one run per repetition and warm-up, or fewer when the verdict came early
        self.assertGreaterEqual(self.Inner.setups, 3)
        self.assertEqual(self.Inner.setups, self.Inner.teardowns)
        self.assertEqual(self.Inner.setups, self.Inner.cleanups)

    def test_a_leaky_test_fails_with_the_report(self):
        result, out = self.run_inner("test_leaky")
        self.assertEqual(len(result.failures), 1, out)
        self.assertIn("LeakError", out)
        self.assertIn(__name__ + ".Leaky", out)
        self.assertIn("4 of them by %s._registry (list)" % __name__, out)
        self.assertEqual(self.Inner.setups, 5)  # 1 warm-up + 4 repetitions, each with its fixture

    def test_without_fixture(self):
        result, out = self.run_inner("test_clean_without_fixture")
        self.assertTrue(result.wasSuccessful(), out)
        self.assertEqual(self.Inner.setups, 1)


if __name__ == "__main__":
    unittest.main()
