"""Heapy compatibility of kinds and classifiers (issue 20): the kind algebra (| & ~ -, equality
and hashing, .dictof, .alt, .biper), classifiers as objects (x.by(h.Type & h.Size),
h.Size.dictof, h.findex, h.Clodo.refdby, .sokind), h.Id, h.Unity, h.Prod, h.Module(at=), and the
kind texts x.kind prints, against guppy3's formats as shared/heapy-api.md records them and
guppy3's Classifiers.py/UniSet.py state them.  Live heaps and files another process wrote."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tracemalloc
import types
import unittest

import heapcore
from heapcore import hpy
from heapcore import _internal

h = hpy()


def rows(x):
    """[(name, count, size)] of a heap set's table, in its order."""
    return [(r[1], r[2], r[3]) for r in _internal.rows(x)]


def header(x):
    return [line for line in str(x).splitlines() if line.startswith(" Index")][0]


class Base:
    pass


class Sub(Base):
    pass


class Other:
    pass


class Big:
    __slots__ = ("a", "b", "c", "d", "__dict__")  # larger than Base


class Meta(type):
    """A metaclass whose instances' comparison, hashing and attributes run code: kinds must
    never call them."""

    def __eq__(cls, other):
        raise AssertionError("the observer ran the program's __eq__")

    def __hash__(cls):
        raise AssertionError("the observer ran the program's __hash__")

    def __getattribute__(cls, name):
        if name in ("__module__", "__name__", "__mro__", "__qualname__"):
            raise AssertionError("the observer read %s through the program's code" % name)
        return type.__getattribute__(cls, name)


class Hostile(metaclass=Meta):
    pass


def made(cls, n, with_dict=True):
    objs = [cls() for _ in range(n)]
    if with_dict:
        for o in objs:
            o.__dict__["v"] = bytearray(8)  # a real instance dict on every version
    return objs


class KindAlgebra(unittest.TestCase):
    def test_kinds_compare_equal_and_hash(self):
        # Was: h.Type(int) == h.Type(int) False (identity); guppy3's kinds are equal by meaning.
        self.assertEqual(h.Type(int), h.Type(int))
        self.assertEqual(hash(h.Type(int)), hash(h.Type(int)))
        self.assertNotEqual(h.Type(int), h.Type(str))
        self.assertEqual(h.Clodo(list), h.Type(list))  # guppy3: Clodo(C) is Type(C)
        self.assertEqual(h.Clodo(dictof=Base), h.Type(Base).dictof)
        self.assertEqual(h.Type(list) | h.Type(dict), h.Type(dict) | h.Type(list))
        self.assertEqual(h.Size(5), h.Size(5))
        self.assertNotEqual(h.Size(5), h.Size(5).alt(">="))
        self.assertEqual(h.Via("['k']", ".a"), h.Via(".a", "['k']"))
        self.assertEqual(~~h.Type(int), h.Type(int))
        self.assertEqual(len({h.Type(int), h.Type(int), h.Rcs(list), h.Clodo.sokind(list).refdby}), 2)
        self.assertEqual(h.Clodo.sokind(list)(dictof=()), h.Clodo.sokind(dictof=())(list))

    def test_texts_as_guppy3_prints_them(self):
        t = "<type builtins.int at 0x%x>" % id(int)
        self.assertEqual(str(h.Type(int)), "int")
        self.assertEqual(repr(h.Type(int)), "h.Type(%r)" % t)
        self.assertEqual(h.Type(t), h.Type(int))  # the repr evaluates back
        self.assertEqual(repr(h.Type.Function), "h.Type.Function")
        self.assertEqual(h.Type.Function, h.Type(types.FunctionType))
        self.assertEqual(h.Type.Int, h.Type(int))
        self.assertEqual(str(h.Type(list) | h.Type(dict)), "(dict | list)")
        self.assertEqual(str(~h.Type(int)), "~int")
        self.assertEqual(str(~h.Clodo(dictof=Base)), "~(dict of %s.Base)" % __name__)
        self.assertEqual(str(h.Type(int) & h.Size(28)), "(int & <size = 28>)")
        self.assertEqual(str(h.Clodo(dictof=Base)), "dict of %s.Base" % __name__)
        self.assertEqual(repr(h.Clodo(dictof=Base)), "h.Type('<type %s.Base at 0x%x>').dictof" % (__name__, id(Base)))
        self.assertEqual(str(h.Clodo(dictof=())), "dict (no owner)")
        self.assertEqual(str(h.Rcs(h.Clodo(list))), "<referred by: list>")
        self.assertEqual(repr(h.Rcs(h.Clodo(list))),
                         "h.Clodo.sokind('<type builtins.list at 0x%x>').refdby" % id(list))
        self.assertEqual(str(h.Rcs()), "<referred by: <Nothing>>")
        self.assertEqual(str(h.Via(".a", "[0]")), "<via '.a', '[0]'>")
        self.assertEqual(repr(h.Via(".a", "[0]")), "h.Via('.a', '[0]')")
        self.assertEqual(str(h.Size(56).alt(">=")), "<size >= 56>")
        self.assertEqual(repr(h.Size(56).alt(">=")), "h.Size(56).alt('>=')")
        self.assertEqual(str(h.Type(int).alt("<=")), "<subtype of int>")
        self.assertEqual(str(h.Type(int).alt(">")), "<strict supertype of int>")
        self.assertEqual(str(h.Rcs(list).alt("<=")), "<referred by at most: list>")
        self.assertEqual(str(h.Module("json")), "json")
        self.assertEqual(repr(h.Module("json")), "h.Module('json')")
        self.assertEqual(str(h.Module()), "~module")
        self.assertEqual(str(h.Id(0x7fc4)), "<id 0x7fc4>")
        self.assertEqual(repr(h.Id(0x7fc4)), "h.Id(0x7fc4)")
        self.assertEqual(str(h.Anything), "<Anything>")
        self.assertEqual(repr(h.Unity), "h.Unity")
        self.assertIs(h.Unity(), h.Anything)
        self.assertEqual(repr(h.Clodo.refdby), "h.Clodo.refdby")
        self.assertIs(h.Clodo.refdby, h.Rcs)

    def test_errors(self):
        with self.assertRaisesRegex(TypeError, "should be a type"):
            h.Type(3)
        with self.assertRaises(TypeError):
            h.Clodo(dict)
        with self.assertRaisesRegex(ValueError, "No such comparison symbol: '=<'"):
            h.Size(3).alt("=<")
        with self.assertRaisesRegex(ValueError, "non-equality comparison"):
            h.Size(3).alt("<").alt(">")
        with self.assertRaisesRegex(ValueError, "no alternative"):
            h.Module("json").alt("<")
        with self.assertRaisesRegex(SyntaxError, "Cant make a relation of 'bad'."):
            h.Via("bad")
        with self.assertRaises(ValueError):
            h.Type("<type builtins.int at 0x1>")  # no such type there
        with self.assertRaises(TypeError):
            h.Type & 3
        with self.assertRaises(ValueError):
            h.Size.refdby
        with self.assertRaises(TypeError):
            h.Rcs(h.Size(3))

    def test_selecting_with_combined_kinds(self):
        bases, subs, others = made(Base, 3), made(Sub, 4), made(Other, 5)
        x = h.heap()
        b, s, o = x & h.iso(*bases), x & h.iso(*subs), x & h.iso(*others)
        self.assertEqual(x & (h.Type(Base) | h.Type(Other)), b | o)
        self.assertEqual(x & (Base | h.Type(Other)), b | o)  # a bare type converts
        self.assertEqual((x & (h.Type(Base) | h.Type(Sub) | h.Type(Other))).count, 12)
        self.assertEqual(x & h.Type(Base).alt("<="), b | s)
        self.assertEqual(x & h.Type(Base).alt("<"), s)
        self.assertEqual((x & h.Type(Sub).alt(">=")).count, 4 + (x & object).count + 3)
        self.assertEqual(x & (h.Type(Base).alt("<=") & ~h.Type(Sub)), b)
        self.assertEqual(x & (h.Type(Base).alt("<=") - h.Type(Sub)), b)
        self.assertEqual((x & ~h.Type(Base)).count, x.count - 3)
        self.assertEqual(x - (h.Type(Base) | h.Type(Sub)), x - b - s)
        self.assertEqual((h.Type(Other) | h.Type(Base)) & x, b | o)
        dicts = x & h.iso(*[vars(v) for v in bases + subs + others])
        self.assertEqual(x & h.Type(Base).dictof, x & h.iso(*[vars(v) for v in bases]))
        self.assertEqual(x & h.Type(Base).alt("<=").dictof, x & h.iso(*[vars(v) for v in bases + subs]))
        self.assertEqual(x & (h.Type(Base) | h.Type(Other)).dictof, x & h.iso(*[vars(v) for v in bases + others]))
        self.assertEqual(x & h.Module("json").dictof, x & h.iso(vars(json)))
        # 3.13+: instances of one class can differ in size (their inline values); by object
        size_of = {id(v): (x & h.iso(v)).size for v in bases + subs + others}
        size = size_of[id(others[0])]
        self.assertEqual((x & h.Size(size).dictof) & dicts,
                         x & h.iso(*[vars(v) for v in bases + subs + others if size_of[id(v)] == size]))
        self.assertEqual(x & h.Size(size) & h.Type(Other),
                         x & h.iso(*[v for v in others if size_of[id(v)] == size]))
        smallest = min(size_of[id(v)] for v in others)
        self.assertEqual(x & h.Size(smallest).alt(">=") & h.Type(Other), o)
        self.assertEqual((x & h.Size(smallest).alt("<") & h.Type(Other)).count, 0)
        self.assertEqual(x & h.Size(smallest).alt("<=") & h.Type(Other),
                         x & h.iso(*[v for v in others if size_of[id(v)] == smallest]))
        bigs = made(Big, 2)
        x = h.heap()
        big = (x & h.iso(bigs[0])).size
        self.assertNotIn(big, size_of.values())
        self.assertEqual(x & h.Size(big).dictof & h.Clodo(dictof=Big),
                         x & h.iso(*[vars(v) for v in bigs if (x & h.iso(v)).size == big]))
        self.assertEqual((x & h.Size(big).dictof & dicts).count, 0)
        self.assertEqual(x & h.Id(id(bases[0])), x & h.iso(bases[0]))
        self.assertEqual(x & h.Module(at=id(json)), x & h.iso(json))
        self.assertEqual(str(h.Module(at=id(json))), "json")
        self.assertIn(1, h.Type(int))
        self.assertIn(True, h.Type(int).alt("<="))
        self.assertNotIn(1, h.Type(str))
        self.assertIn(bases[0], h.Id(id(bases[0])))

    def test_referrer_kinds_at_most_at_least(self):
        held = [bytearray(b"a%d" % i) for i in range(3)]
        both = bytearray(b"both")
        d = {"k": both}
        held.append(both)
        del both
        x = h.heap()
        only_list = x & h.iso(*held[:3])
        shared = x & h.iso(d["k"])
        mine = only_list | shared
        self.assertEqual(mine & h.Rcs(list), only_list)
        self.assertEqual(mine & h.Clodo.sokind(list)(dictof=()).refdby, shared)
        self.assertEqual(mine & h.Rcs(list).alt("<="), only_list)
        self.assertEqual(mine & h.Rcs(list).alt(">="), mine)
        self.assertEqual(mine & h.Rcs(list).alt(">"), shared)
        self.assertEqual(mine & h.Rcs(list, h.Clodo(dictof=())).alt("<"), only_list)

    def test_via_in_guppy3s_spelling(self):
        holder = {"key": bytearray(b"v")}
        x = h.heap()
        mine = x & h.iso(holder["key"])
        self.assertEqual(mine & h.Via("_['key']"), mine)
        self.assertEqual(mine & h.Via('["key"]'), mine)
        self.assertEqual(str(h.Via("_['key']")), "<via \"['key']\">")

    def test_the_observer_runs_no_code_of_the_program(self):
        objs = [Hostile() for _ in range(3)]
        k = h.Type(Hostile)
        self.assertEqual(k, h.Type(Hostile))
        self.assertEqual(hash(k), hash(h.Type(Hostile)))
        self.assertEqual(str(k), "%s.Hostile" % __name__)
        self.assertIn("<type %s.Hostile at 0x%x>" % (__name__, id(Hostile)), repr(k))
        x = h.heap()
        self.assertEqual(x & (k | h.Type(Other)) & h.iso(*objs), x & h.iso(*objs))
        self.assertEqual((x & k.alt("<=")).count, 3)
        self.assertEqual({n: c for n, c, _ in rows(h.iso(*objs).by(h.Type & h.Size))},
                         {"%s.Hostile & %d" % (__name__, int(n)): c for n, c, _ in rows(h.iso(*objs).bysize)})

    def test_a_colliding_key_in_a_class_or_module_dict_is_never_compared(self):
        called = []

        class Collider:
            def __init__(self, name):
                self.name = name

            def __hash__(self):
                return hash(self.name)

            def __eq__(self, other):
                called.append(self.name)
                return False

        T = type("Evil", (), {Collider("__module__"): 1, Collider("__name__"): 2})
        U = type("Fine", (), {"__module__": "heapcore_kinds_evil_mod"})
        mod = types.ModuleType("heapcore_kinds_evil_mod")
        vars(mod)[Collider("Fine")] = 3
        vars(mod)["Fine"] = U
        sys.modules[mod.__name__] = mod
        try:
            objs = [T() for _ in range(2)]
            called.clear()
            k = h.Type(T)
            self.assertRegex(repr(k), r"^h\.Type\('<type .*\.Evil at 0x%x>'\)$" % id(T))
            self.assertEqual((h.heap() & k.alt("<=")).count, 2)
            text = repr(h.Type(U))
            self.assertEqual(text, "h.Type('<type heapcore_kinds_evil_mod.Fine at 0x%x>')" % id(U))
            self.assertEqual(h.Type(text[8:-2]), h.Type(U))  # found back through the module's dict
            self.assertEqual(called, [])
        finally:
            del sys.modules[mod.__name__]
        self.assertTrue(objs)


class Classifiers(unittest.TestCase):
    def test_by_classifier_objects(self):
        lists = [[i] for i in range(3)] + [list(range(50))]
        x = h.iso(*lists)
        self.assertEqual(str(x.by(h.Type)), str(x.bytype))
        self.assertEqual(str(x.by(h.Clodo)), str(x.byclodo))
        self.assertEqual(str(x.by(h.Size)), str(x.bysize))
        self.assertEqual(str(x.by(h.Unity)), str(x.byunity))
        self.assertEqual(str(x.by(h.Rcs)), str(x.byrcs))
        self.assertEqual(str(x.by(h.Clodo.refdby)), str(x.byrcs))
        self.assertEqual(str(x.by(h.Id)), str(x.byid))
        small, big = h.iso(lists[0]).size, h.iso(lists[3]).size
        both = x.by(h.Type & h.Size)
        self.assertEqual(header(both), " Index  Count   %     Size   % Cumulative  % Type & Individual Size")
        self.assertEqual(rows(both), [("list & %d" % big, 1, big), ("list & %d" % small, 3, 3 * small)])
        self.assertEqual(str(both[1].kind), "list & %d" % small)
        self.assertEqual(both[1], h.iso(*lists[:3]))
        three = x.by(h.Type & h.Size & h.Module)
        self.assertEqual(header(three).split("% ", 3)[-1], "Type & Individual Size & Module")
        self.assertEqual(rows(three)[0][0], "list & %d & ~module" % big)
        self.assertEqual(repr(h.Type & h.Size), "(h.Type & h.Size)")

    def test_and_classifier_renders_its_parts_as_guppy3(self):
        holder = {"k": bytearray(b"x")}
        x = h.heap() & h.iso(holder["k"])
        r = x.by(h.Via & h.Rcs)
        self.assertEqual(header(r).split("% ", 3)[-1], "{Referred Via} & {Referrers by Kind (class / dict of class)}")
        self.assertEqual(rows(r)[0][0], "{\"['k']\"} & {dict (no owner)}")

    def test_dictof_classifiers(self):
        bases, others = made(Base, 2), made(Other, 3)
        mine = h.iso(*bases, *others, *[vars(v) for v in bases + others])
        d = mine.by(h.Type.dictof)
        self.assertEqual(header(d).split("% ", 3)[-1], "Dict of Type")
        self.assertEqual({n: c for n, c, _ in rows(d)},
                         {"dict of %s.Base" % __name__: 2, "dict of %s.Other" % __name__: 3, "~dict": 5})
        s = mine.by(h.Size.dictof)
        self.assertEqual(header(s).split("% ", 3)[-1], "Dict of Individual Size")
        want = {"~dict": 5}
        for v in bases + others:  # 3.13+: instances of one class can differ in size
            name = "dict of %9d" % h.iso(v).size
            want[name] = want.get(name, 0) + 1
        self.assertEqual({n: c for n, c, _ in rows(s)}, want)
        size = h.iso(bases[0]).size
        self.assertEqual(h.Size.dictof(size), h.Size(size).dictof)
        m = (h.heap() & h.iso(vars(json))).by(h.Module.dictof)
        self.assertEqual(rows(m)[0][:2], ("dict of json", 1))

    def test_findex_and_biper(self):
        lists, dicts, strs = [[1], [2]], [{1: 2}], [bytearray(3)]
        x = h.iso(*lists, *dicts, *strs)
        f = h.findex(h.Type(list), dict)
        self.assertEqual(repr(f), "h.findex(h.Type('<type builtins.list at 0x%x>'), "
                                  "h.Type('<type builtins.dict at 0x%x>'))" % (id(list), id(dict)))
        p = x.by(f)
        self.assertEqual(header(p).split("% ", 3)[-1], "First Matching Kind / Index")
        self.assertEqual({n: c for n, c, _ in rows(p)}, {"list / 0": 2, "dict / 1": 1, "<None>": 1})
        self.assertEqual(str(f(0)), "list / 0")
        self.assertEqual(str(f(7)), "<None>")
        self.assertEqual(x & f(1), h.iso(*dicts))
        self.assertEqual(x & f(2), h.iso(*strs))
        # The first match wins: a list is not counted again for a later kind.
        self.assertEqual({n: c for n, c, _ in rows(x.by(h.findex(list, h.Anything)))}, {"list / 0": 2, "<Anything> / 1": 2})
        b = x.by(h.Type(list).biper)
        self.assertEqual({n: c for n, c, _ in rows(b)}, {"list / 0": 2, "<None>": 2})
        self.assertEqual(x & h.Type(list).biper(0), h.iso(*lists))
        self.assertEqual(x & h.Type(list).biper(1), x - list)

    def test_producer_kinds(self):
        tracemalloc.start()
        try:
            objs = [bytearray(100) for _ in range(4)]; line = sys._getframe().f_lineno  # noqa: E702
            x = h.iso(*objs)
            here = __file__ if os.path.isabs(__file__) else os.path.abspath(__file__)
            site = [n for n, _, _ in rows(x.byprod)][0]
            self.assertTrue(site.endswith(":%d" % line), site)
            self.assertEqual(x & h.Prod(site.rsplit(":", 1)[0], line), x)
            self.assertEqual(x & h.Prod(site.rsplit(":", 1)[0]), x)
            self.assertEqual((x & h.Prod(site.rsplit(":", 1)[0], line + 1)).count, 0)
            self.assertEqual(str(x.by(h.Prod)), str(x.byprod))
            self.assertTrue(os.path.samefile(site.rsplit(":", 1)[0], here))
        finally:
            tracemalloc.stop()


class KindTexts(unittest.TestCase):
    def test_byrcs_kind_reads_referred_by(self):
        # Was: x.byrcs.kind printed the row's name, "list"; guppy3 prints the row's kind.
        held = [bytearray(b"a"), bytearray(b"b")]
        x = h.heap() & h.iso(*held)
        self.assertEqual(str(x.byrcs.kind), "<referred by: list>")
        self.assertEqual(str(x.bysize.kind), "<size = %d>" % h.iso(held[0]).size)
        self.assertEqual(str(x.bytype.kind), "bytearray")
        self.assertEqual(str(x.byunity.kind), "<Anything>")
        self.assertEqual(str(x.byvia.kind), "(<via '[0]'> | <via '[1]'>)")
        two = h.heap() & h.iso(held[0], json)
        self.assertEqual(str(two.kind), "(bytearray | module)")
        # The table keeps the row names, as guppy3's table does.
        self.assertEqual(rows(x.byrcs)[0][0], "list")


XPROC = '''
class Widget:
    def __init__(self, i):
        self.payload = bytearray(777)
        self.__dict__["i"] = i
class Gadget(Widget):
    pass
keep = [Widget(i) for i in range(30)] + [Gadget(i) for i in range(10)]
'''


class AnotherProcessWrote(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="heapcore-kinds-")
        with open(os.path.join(cls.dir, "kindsmod.py"), "w") as f:
            f.write(XPROC)
        cls.path = os.path.join(cls.dir, "other.hcsnap")
        code = ("import sys; sys.path.insert(0, sys.argv[1]); import kindsmod, heapcore; "
                "heapcore.hpy().dump(sys.argv[2])")
        subprocess.run([sys.executable, "-c", code, cls.dir, cls.path], check=True, capture_output=True)
        sys.path.insert(0, cls.dir)
        try:
            import kindsmod
        finally:
            sys.path.remove(cls.dir)
        cls.mod = kindsmod
        cls.y = heapcore.load(cls.path)

    @classmethod
    def tearDownClass(cls):
        sys.modules.pop("kindsmod", None)
        shutil.rmtree(cls.dir)

    def test_algebra_and_classifiers_on_a_file(self):
        y, W, G = self.y, self.mod.Widget, self.mod.Gadget
        self.assertEqual((y & (h.Type(W) | h.Type(G))).count, 40)
        self.assertEqual((y & h.Type(W).alt("<=")).count, 40)  # by the names of W's live subclasses
        self.assertEqual((y & h.Type(W).alt("<=") - h.Type(G)).count, 30)
        self.assertEqual((y & h.Type(W).dictof).count, 30)
        self.assertEqual((y & (h.Type(W) | h.Type(G)).dictof).count, 40)
        size = bytearray(777).__sizeof__()
        payloads = y & h.Size(size) & bytearray
        self.assertEqual(payloads.count, 40)
        self.assertEqual((y & (h.Size(size) & h.Type(bytearray))).count, 40)
        both = (y & (h.Type(W) | h.Type(G))).by(h.Type & h.Size)
        for name, count, _ in rows(both):  # 3.13+: instances of one class can differ in size
            m = re.fullmatch(r"kindsmod\.(Widget|Gadget) & (\d+)", name)
            self.assertTrue(m, name)
            tp = W if m.group(1) == "Widget" else G
            self.assertEqual((y & h.Type(tp) & h.Size(int(m.group(2)))).count, count)
        self.assertEqual(sum(c for _, c, _ in rows(both)), 40)
        f = (y & (h.Type(W) | h.Type(G))).by(h.findex(G, W))
        self.assertEqual({n: c for n, c, _ in rows(f)}, {"kindsmod.Gadget / 0": 10, "kindsmod.Widget / 1": 30})
        self.assertEqual((y & h.Module("kindsmod").dictof).count, 1)


class Holder:
    pass


class SetsAsKinds(unittest.TestCase):
    """Heapy mixes sets and kinds: ``x | kind`` and ``x ^ kind`` are kinds, so are ``~x`` and
    ``x.dictof``; ``h.Nothing.dictof`` is the dicts no object owns.  They raised TypeError."""

    def test_union_and_xor_with_a_kind_are_kinds(self):
        a, b = Holder(), Holder()
        x = h.iso(a, b)
        k = x | h.Type(frozenset)
        self.assertIsInstance(k, heapcore._kinds.Kind)
        big = h.heap()
        self.assertEqual((big & k).count, 2 + (big & h.Type(frozenset)).count)
        self.assertEqual(big & (h.Type(frozenset) | x), big & k)  # either side
        self.assertEqual(big & (x ^ h.Type(Holder)), h.Nothing)  # only a and b are Holders
        self.assertIn(a, k)
        self.assertIn(frozenset(), k)
        self.assertNotIn(Holder(), k)

    def test_invert_and_kind_minus_set(self):
        a = Holder()
        x = h.iso(a)
        big = h.heap()
        self.assertEqual((big & ~x).count, big.count - 1)
        self.assertEqual(big & (h.Type(Holder) - x), (big & h.Type(Holder)) - x)

    def test_dictof(self):
        a = Holder()
        a.v = 1
        d = vars(a)  # (3.11+ makes the dict only when asked for)
        big = h.heap()
        owned = big & h.iso(a).dictof
        self.assertEqual(owned.count, 1)
        self.assertIs(owned.theone, d)
        self.assertEqual(repr(h.Nothing.dictof), "h.Nothing.dictof")
        self.assertEqual(h.Nothing.dictof, h.Clodo(dictof=()))
        self.assertEqual(str(h.Nothing.dictof), "dict (no owner)")


if __name__ == "__main__":
    unittest.main()
