"""Each kind of root keeps an otherwise unreferenced gc object (a list) and non-gc object
(bytes) alive; heap() must find both, reached from the roots (not as unreachable)."""
import atexit
import codecs
import contextvars
import gc
import signal
import sys
import threading
import unittest
import warnings

from support import hpy, reachable, VERSION


def payload():
    """A fresh list (gc) and bytes (non-gc) object and their addresses."""
    lst = ["only-here-%d" % id(object())]
    data = bytes(range(7)) + b"unique"
    return lst, data, id(lst), id(data)


class RootKinds(unittest.TestCase):
    def setUp(self):
        self.h = hpy()

    def assertHeld(self, la, da, what):
        x = self.h.heap()
        self.assertTrue(reachable(x, la, "list"), "%s: the list is not reached from a root" % what)
        self.assertTrue(reachable(x, da, "bytes"), "%s: the bytes are not reached from a root" % what)

    def test_module_global(self):
        lst, data, la, da = payload()
        sys.modules[__name__].held_global = (lst, data)
        del lst, data
        try:
            self.assertHeld(la, da, "module global")
        finally:
            del sys.modules[__name__].held_global

    def test_sys_attribute(self):
        lst, data, la, da = payload()
        sys.heapcore_test_attr = (lst, data)
        del lst, data
        try:
            self.assertHeld(la, da, "sys attribute")
        finally:
            del sys.heapcore_test_attr

    def test_builtins(self):
        import builtins
        lst, data, la, da = payload()
        builtins.heapcore_test_builtin = (lst, data)
        del lst, data
        try:
            self.assertHeld(la, da, "builtins")
        finally:
            del builtins.heapcore_test_builtin

    def test_atexit_callback_arguments(self):
        lst, data, la, da = payload()
        def cb(*a):
            pass
        atexit.register(cb, lst, data)
        del lst, data
        try:
            self.assertHeld(la, da, "atexit callback")
        finally:
            atexit.unregister(cb)

    def test_audit_hook(self):
        lst, data, la, da = payload()
        # Audit hooks can never be removed: the hook keeps the payload for the process's life.
        def hook(event, args, _keep=(lst, data)):
            pass
        sys.addaudithook(hook)
        del lst, data, hook
        self.assertHeld(la, da, "audit hook")

    def test_signal_handler(self):
        lst, data, la, da = payload()
        def handler(signum, frame, _keep=(lst, data)):
            pass
        old = signal.signal(signal.SIGUSR2, handler)
        del lst, data, handler
        try:
            self.assertHeld(la, da, "signal handler")
        finally:
            signal.signal(signal.SIGUSR2, old)

    def test_codec_search_function(self):
        lst, data, la, da = payload()
        def search(name, _keep=(lst, data)):
            return None
        codecs.register(search)
        del lst, data
        try:
            self.assertHeld(la, da, "codec search function")
        finally:
            if hasattr(codecs, "unregister"):
                codecs.unregister(search)

    def test_gc_callback(self):
        lst, data, la, da = payload()
        def cb(phase, info, _keep=(lst, data)):
            pass
        gc.callbacks.append(cb)
        del lst, data
        try:
            self.assertHeld(la, da, "gc callback")
        finally:
            gc.callbacks.remove(cb)

    def test_warnings_filter(self):
        lst, data, la, da = payload()
        class Cat(Warning):
            keep = (lst, data)
        del lst, data
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Cat)
            del Cat
            self.assertHeld(la, da, "warnings filter")

    def test_other_threads_frame_locals(self):
        ready, stop = threading.Event(), threading.Event()
        addrs = {}

        def worker():
            lst, data, la, da = payload()
            addrs["a"] = (la, da)
            ready.set()
            stop.wait()
            return lst, data  # keeps them alive as locals until then

        t = threading.Thread(target=worker)
        t.start()
        ready.wait()
        try:
            self.assertHeld(*addrs["a"], what="another thread's frame locals")
        finally:
            stop.set()
            t.join()

    def test_this_threads_caller_frame_locals(self):
        def inner(la, da):
            self.assertHeld(la, da, "a caller frame's locals")

        def outer():
            lst, data, la, da = payload()
            inner(la, da)
            return lst, data

        outer()

    def test_exception_being_handled(self):
        lst, data, la, da = payload()
        try:
            raise KeyError(lst, data)
        except KeyError:
            del lst, data
            self.assertHeld(la, da, "the exception being handled")

    def test_context_variable(self):
        var = contextvars.ContextVar("heapcore_test")
        lst, data, la, da = payload()
        ctx = contextvars.copy_context()
        def inside():
            var.set((lst, data))
        ctx.run(inside)
        del lst, data
        def check():
            self.assertHeld(la, da, "a context variable")
        ctx.run(check)

    def test_thread_local_in_another_thread(self):
        local = threading.local()
        ready, stop = threading.Event(), threading.Event()
        addrs = {}

        def worker():
            lst, data, la, da = payload()
            local.value = (lst, data)
            addrs["a"] = (la, da)
            del lst, data
            ready.set()
            stop.wait()

        t = threading.Thread(target=worker)
        t.start()
        ready.wait()
        try:
            self.assertHeld(*addrs["a"], what="threading.local of another thread")
        finally:
            stop.set()
            t.join()

    def test_asyncgen_hooks(self):
        lst, data, la, da = payload()
        def first(agen, _keep=(lst, data)):
            pass
        old = sys.get_asyncgen_hooks()
        sys.set_asyncgen_hooks(firstiter=first)
        del lst, data, first
        try:
            self.assertHeld(la, da, "async generator hooks")
        finally:
            sys.set_asyncgen_hooks(*old)

    def test_suspended_generator_locals(self):
        def gen():
            lst, data, la, da = payload()
            yield la, da
            yield lst, data
        g = gen()
        la, da = next(g)
        self.assertHeld(la, da, "a suspended generator's locals")


if __name__ == "__main__":
    unittest.main()
