"""Edge labels inside C containers of extension modules (functools, collections, asyncio,
contextvars): each referent gets the expression Python would write, or a <note> where Python
has none, and a path through one evaluates back to the object (heapcore/py/pycompat_labels.c)."""
import asyncio
import collections
import contextvars
import functools
import gc
import sys
import unittest

from heapcore import hpy
from heapcore import _internal

h = hpy()


class Box:
    pass


def via(x):
    """The labels of a byvia partition's rows, in one text (a row's kind lists the labels of
    the edges into its objects, including the test's own locals)."""
    return " ".join(r[1] for r in _internal.rows(x))


def evaluates(test, target):
    """The shortest path to target, evaluated with h.Root, gives target back."""
    path = str(h.iso(target).sp[0])
    test.assertIs(eval(path % "R", {"R": h.Root}), target, path)
    return path


def f(a):
    return Box()


class LruCache(unittest.TestCase):
    def test_unbounded_cache_and_wrapped(self):
        global LRU
        LRU = functools.lru_cache(maxsize=None)(f)
        result = LRU(1)
        cache = [r for r in gc.get_referents(LRU) if type(r) is dict and r is not LRU.__dict__][0]
        self.assertIn("<lru_cache cache>", via(h.iso(cache).byvia))
        self.assertIn(".__wrapped__", via(h.iso(f).byvia))
        self.assertIn("[1]", via(h.iso(result).byvia))  # the cache dict's value
        self.assertTrue(evaluates(self, LRU.__dict__).endswith("['LRU'].__dict__"))

    def test_bounded_links(self):
        global LRU2
        LRU2 = functools.lru_cache(maxsize=4)(f)
        results = [LRU2(i) for i in (1000001, 1000002)]
        for r in results:
            self.assertIn("<lru_cache result>", via(h.iso(r).byvia))
        self.assertNotIn("'?'", via(h.iso(*gc.get_referents(LRU2)).byvia))


class Deque(unittest.TestCase):
    def test_items_in_order_across_blocks(self):
        global DQ
        DQ = collections.deque(Box() for _ in range(200))
        for _ in range(70):
            DQ.popleft()
        DQ.appendleft(Box())
        for i in (0, 1, 63, 64, 129):
            self.assertEqual(via(h.iso(DQ[i]).byvia), "'[%d]'" % i)
        self.assertTrue(evaluates(self, DQ[129]).endswith("['DQ'][129]"))

    def test_subclass_and_bounded(self):
        global DQS

        class D(collections.deque):
            pass
        DQS = D([Box(), Box()], maxlen=2)
        DQS.append(Box())
        self.assertIn("[1]", via(h.iso(DQS[1]).byvia))
        evaluates(self, DQS[1])


class DictFamily(unittest.TestCase):
    def test_ordered_dict(self):
        global OD
        OD = collections.OrderedDict(a=Box(), b=Box())
        OD.move_to_end("a")
        OD.x = Box()
        self.assertIn("['a']", via(h.iso(OD["a"]).byvia))
        self.assertIn(".__dict__", via(h.iso(OD.__dict__).byvia))
        evaluates(self, OD["a"])
        evaluates(self, OD.x)

    def test_defaultdict(self):
        global DD

        class Factory:
            def __call__(self):
                return 0
        DD = collections.defaultdict(Factory())
        self.assertIn(".default_factory", via(h.iso(DD.default_factory).byvia))
        evaluates(self, DD.default_factory)


class Callables(unittest.TestCase):
    def test_partial(self):
        global P
        P = functools.partial(f, Box(), k=Box())
        P.extra = Box()
        self.assertIn(".args", via(h.iso(P.args).byvia))
        self.assertIn(".keywords", via(h.iso(P.keywords).byvia))
        for obj in (P.args[0], P.keywords["k"], P.extra):
            evaluates(self, obj)

    def test_classmethod_staticmethod(self):
        global CM, SM

        def g():
            pass

        def k():
            pass
        CM, SM = classmethod(g), staticmethod(k)
        del g, k
        self.assertIn(".__func__", via(h.iso(CM.__func__).byvia))
        self.assertIn(".__func__", via(h.iso(SM.__func__).byvia))
        evaluates(self, SM.__func__)

    def test_context(self):
        ctx = contextvars.Context()
        var = contextvars.ContextVar("v")
        ctx.run(var.set, Box())
        vars_ = [r for r in gc.get_referents(ctx) if type(r).__name__ == "hamt"][0]
        self.assertIn("<context vars>", via(h.iso(vars_).byvia))


class Wait:
    """Waits on a future as ``await fut`` does, without a future iterator: CPython 3.12.1
    corrupts the _asyncio iterator freelist once futures have been awaited under two event
    loops, and the next gc pass (or walk) of the module then loops forever (reproduced without
    heapcore)."""

    def __init__(self, fut):
        self.fut = fut

    def __await__(self):
        self.fut._asyncio_future_blocking = True
        yield self.fut


async def sleeper():
    await Wait(asyncio.get_running_loop().create_future())


class Asyncio(unittest.TestCase):
    def test_future_and_task(self):
        seen = {}
        self.addCleanup(drop_globals, "FUT", "TASK")

        async def main():
            global FUT, TASK
            loop = asyncio.get_running_loop()
            FUT = loop.create_future()
            FUT.set_result(Box())
            FUT.add_done_callback(lambda fut: None)
            TASK = loop.create_task(sleeper())
            await asyncio.sleep(0)
            seen["result"] = via(h.iso(FUT._result).byvia)
            seen["coro"] = via(h.iso(TASK._coro).byvia)
            seen["waiter"] = via(h.iso(TASK._fut_waiter).byvia)
            seen["paths"] = [evaluates(self, FUT._result), evaluates(self, TASK._coro)]
            exc = loop.create_future()
            exc.set_exception(KeyError("x"))
            FUT = exc
            seen["exception"] = via(h.iso(exc._exception).byvia)
            exc.exception()
            TASK.cancel()
        asyncio.run(main())
        self.assertIn("._result", seen["result"])
        self.assertIn("._coro", seen["coro"])
        self.assertIn("._fut_waiter", seen["waiter"])
        self.assertIn("._exception", seen["exception"])
        self.assertTrue(seen["paths"][1].endswith("['TASK']._coro"), seen["paths"])

    def test_task_subclass_name_and_callbacks(self):
        seen = {}
        # the cancelled task's traceback holds the frames of the test run that cancelled it
        # (the runner's result among them): left behind, later tests' heaps would show it
        self.addCleanup(drop_globals, "TASK2")

        class MyTask(asyncio.Task):
            pass

        async def main():
            global TASK2
            loop = asyncio.get_running_loop()
            TASK2 = MyTask(sleeper(), loop=loop, name="n" + str(id(loop)))
            cbs = [lambda t: None, lambda t: None]
            for cb in cbs:
                TASK2.add_done_callback(cb)
            await asyncio.sleep(0)
            seen["name"] = via(h.iso(TASK2.get_name()).byvia)
            seen["coro"] = via(h.iso(TASK2._coro).byvia)
            seen["cb0"] = via(h.iso(cbs[0]).byvia)
            TASK2.cancel()
        asyncio.run(main())
        self.assertIn("<task name>", seen["name"])
        self.assertIn("._coro", seen["coro"])
        self.assertIn("<future callback0>", seen["cb0"])


def drop_globals(*names):
    for name in names:
        globals().pop(name, None)


class Impostors(unittest.TestCase):
    def test_python_class_named_like_a_c_container(self):
        # a class statement's class never has a dotted tp_name, whatever its __module__ and
        # __qualname__ say: its instances are read as instances, not as a C layout
        global FAKE
        fake_type = type("_lru_cache_wrapper", (), {"__module__": "functools"})
        fake_type.__qualname__ = "_lru_cache_wrapper"
        FAKE = fake_type()
        FAKE.value = Box()
        text = via(h.iso(FAKE.value).byvia)
        self.assertIn(".value" if sys.version_info >= (3, 11) else "['value']", text)
        self.assertNotIn("lru_cache", text)


if __name__ == "__main__":
    unittest.main()
