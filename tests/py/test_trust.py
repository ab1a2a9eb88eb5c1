"""Issue 17, trust: heapcore runs none of the observed program's code while it reads the heap,
never crashes or hangs on hostile objects or files, and never loses a file.  Each test here
failed before its fix; the ones that crashed the process run in a child."""
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

from support import hpy, VERSION

import heapcore

TMP = tempfile.mkdtemp(prefix="heapcore-trust-")


def run_child(test, code, timeout=120):
    """Run code in a child interpreter; the test fails unless it prints 'ok' and exits 0."""
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                       text=True, timeout=timeout, cwd=TMP)
    test.assertEqual((r.returncode, r.stdout.strip().splitlines()[-1:]), (0, ["ok"]),
                     "stdout:\n%s\nstderr:\n%s" % (r.stdout[-1500:], r.stderr[-3000:]))
    return r


class NoObservedCode(unittest.TestCase):
    def test_colliding_name_key_in_a_module_dict_is_never_compared(self):
        # Naming modules looked "__name__" up with PyDict_GetItemWithError, which calls the
        # __eq__ of a key whose hash collides.  This __eq__ frees 100,000 objects the walk
        # had just recorded: the capture then read freed memory (SIGSEGV / SIGBUS, ASan:
        # heap-use-after-free in hc_py_labels).  Same for a type's "__module__".
        run_child(self, '''
            import gc, sys, types, os
            from heapcore import hpy, load
            victims = [[object() for _ in range(100)] for _ in range(1000)]
            called = []
            class Collider:
                def __init__(self, name):
                    self.name = name
                def __hash__(self):
                    return hash(self.name)
                def __eq__(self, other):
                    called.append(self.name)
                    victims.clear()
                    gc.collect()
                    return False
            m = types.ModuleType("evil")
            del m.__dict__["__name__"]
            m.__dict__[Collider("__name__")] = victims
            sys.modules["evil"] = m
            T = type("T", (), {})
            T.__module__ = "mod_of_t"
            t = T()
            collider = Collider("__module__")
            called.clear()
            h = hpy()
            x = h.heap()
            x.dump("x.hcs")
            assert called == [], called
            mods = str(x.bymodule)
            objs = x.nodes
            assert called == [], called
            y = load("x.hcs")
            assert y.count == x.count, (y.count, x.count)
            str(y.bymodule), str(y.byvia)
            assert len(victims) == 1000
            print("ok")
        ''')

    def test_colliding_module_key_in_a_type_dict_is_never_compared(self):
        run_child(self, '''
            import gc
            from heapcore import hpy
            called = []
            class Collider:
                def __hash__(self):
                    return hash("__module__")
                def __eq__(self, other):
                    called.append(1)
                    return False
            ns = {Collider(): 1}
            T = type("Evil", (), ns)     # type() compares here: the program's own doing
            called.clear()
            t = T()
            h = hpy()
            x = h.heap() & h.Type(T)
            assert called == [], called
            s = str(x.bytype)
            assert x.count == 1, s
            assert "Evil" in s, s
            assert called == [], called
            print("ok")
        ''')

    def test_signal_handlers_are_read_from_c_and_signal_is_not_imported(self):
        # 3.10/3.11 called signal.getsignal through Python for every signal number: the
        # first heap() imported signal (112-155 gc objects in the snapshot), and a patched
        # getsignal ran in the middle of heap() (here: it would call heap() itself, which
        # never returned).  Now the handlers are read from C on every version.
        run_child(self, '''
            import sys, _signal
            assert "signal" not in sys.modules
            from heapcore import hpy
            h = hpy()
            calls = []
            def evil_getsignal(n):
                calls.append(n)
                h.heap()
                return None
            _signal.getsignal = evil_getsignal
            def install():
                held = ["only the handler holds this"]
                def handler(signum, frame, _keep=held):
                    pass
                _signal.signal(_signal.SIGUSR1, handler)
                return id(held)
            addr = install()
            x = h.heap()
            assert "signal" not in sys.modules, "heap() imported signal"
            assert calls == [], calls
            held = [o for o in (x & h.Type(list)).nodes if id(o) == addr]
            p = str((x & h.iso(*held)).sp)
            assert "signal_handler_SIGUSR1" in p, p
            print("ok")
        ''')

    def test_byid_describes_objects_without_their_code(self):
        # byid's brief descriptions called isinstance(obj, type) and `type(obj) in (...)`:
        # a raising __getattribute__('__class__'), a metaclass __eq__, a dead weakref.proxy
        # (ReferenceError) and a lying __class__ (TypeError from type_name) all ran or broke.
        calls = []

        class Meta(type):
            def __eq__(cls, other):
                calls.append("Meta.__eq__")
                raise RuntimeError("metaclass __eq__")

            __hash__ = type.__hash__

        class WithMeta(metaclass=Meta):
            pass

        class RaisingClass:
            def __getattribute__(self, name):
                calls.append("__getattribute__ " + name)
                raise RuntimeError(name)

        class LyingClass:
            @property
            def __class__(self):
                calls.append("__class__")
                return type

        class Target:
            pass

        import weakref
        t = Target()
        dead = weakref.proxy(t)
        del t
        h = hpy()
        objs = [WithMeta(), RaisingClass(), LyingClass(), dead, WithMeta]
        calls.clear()
        x = h.heap() & h.iso(*objs)
        self.assertEqual(x.count, 5)
        text = str(x.byid)
        self.assertEqual(calls, [])
        self.assertIn("weakref.ProxyType", text.replace("weakproxy", "weakref.ProxyType"))
        for i in range(5):
            str(x.byid[i].byid)
        self.assertEqual(calls, [])


class NoRecursion(unittest.TestCase):
    def test_a_million_link_chain_through_every_output(self):
        # x.html() raised RecursionError on 3.10/3.11 for a 20,000-link chain: the treemap's
        # nested boxes went through json.dumps.  Every output, at the default recursion
        # limit, for the far end of a 1,000,000-link chain.
        run_child(self, '''
            import json, re, sys
            from heapcore import hpy, load
            from heapcore._sets import IdentitySet
            N = 1000000
            class Link:
                __slots__ = ("next",)
            head = None
            for i in range(N):
                link = Link()
                link.next = head
                head = link
            del link
            tail = head
            while tail.next is not None:
                tail = tail.next
            addr = id(tail)
            del tail
            h = hpy()
            x = h.heap()
            found = x._s.snapshot.find(addr)
            far = IdentitySet(x._s.snapshot.ids([found[0]]))
            x.html("chain.html")
            page = open("chain.html").read()
            data = json.loads(re.search(r'id="tree-data" type="application/json">(.*?)</script>', page, re.S).group(1))
            assert len(data) > 500, len(data)          # the treemap follows the chain down
            assert max(row[5] for row in data) > 400   # deep: parents of parents
            sp = str(far.sp)
            assert sp.count(".next") == N - 1, sp.count(".next")
            dot = far.dot()
            assert dot.count(" -> ") >= N, dot.count(" -> ")   # and the hops above head
            rp = str(far.rp)
            assert "Link" in rp, rp
            assert "Link" in str(x.top(3))
            x.dump("chain.hcs")
            y = load("chain.hcs")
            fy = y & far
            assert str(fy.sp) == sp
            assert h.iso(head).domisize == N * (x & h.iso(head)).size
            print("ok")
        ''', timeout=600)


class EmptyAndFreed(unittest.TestCase):
    def test_byprod_of_empty_and_freed_sets(self):
        # byprod raised UnboundLocalError when no member was alive.
        h = hpy()
        for x in (h.Nothing, h.heap() & h.Type(bytearray) & h.Size(12345)):
            self.assertEqual(x.count, 0)
            self.assertEqual(str(x.byprod), "<Nothing>")
        class Gone:
            pass
        objs = [Gone() for _ in range(3)]
        x = h.heap() & h.iso(*objs)
        del objs
        text = str(x.byprod)
        self.assertIn("<freed since the snapshot>", text)
        self.assertEqual(x.byprod.count, 3)


if __name__ == "__main__":
    unittest.main()
