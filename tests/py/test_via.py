"""byvia, h.Via, edge labels and x.sp, on heaps built so the right answer is known."""
import gc
import os
import sys
import tempfile
import threading
import unittest
import weakref

from heapcore import _engine, hpy
from heapcore import _internal

import _enginetest

h = hpy()
PY311 = sys.version_info >= (3, 11)


class Slotted:
    __slots__ = ("a",)


class Plain:
    pass


class Box:
    pass


def rows(x):
    """{kind text: count} of a partition."""
    return {r[1]: r[2] for r in _internal.rows(x)}


class ByVia(unittest.TestCase):
    def test_known_partition(self):
        # 7 objects held only via a slot .a, 3 only via ['k'] of dicts
        held = [Slotted() for _ in range(7)]
        for s in held:
            s.a = bytearray(3)
        dicts = [{"k": bytearray(5)} for _ in range(3)]
        x = h.iso(*[s.a for s in held], *[d["k"] for d in dicts])
        self.assertEqual(rows(x.byvia), {"'.a'": 7, "\"['k']\"": 3})
        self.assertIn("Referred Via:", str(x.byvia))

    def test_attribute_of_plain_instance(self):
        objs = [Plain() for _ in range(4)]
        for o in objs:
            o.b = bytearray(2)
        x = h.iso(*[o.b for o in objs])
        # 3.11+: the value lives in the instance (no dict); 3.10: in its __dict__
        self.assertEqual(rows(x.byvia), {"'.b'" if PY311 else "\"['b']\"": 4})

    def test_index_member_cell_local_key(self):
        lst = [bytearray(1), bytearray(2), bytearray(3)]
        self.assertEqual(rows(h.iso(*lst).byvia), {"'[0]'": 1, "'[1]'": 1, "'[2]'": 1})
        frozen = frozenset([Box()])
        self.assertEqual(rows(h.iso(*frozen).byvia), {"'list(_)[0]'": 1})
        tup = (bytearray(4),)
        self.assertEqual(rows(h.iso(tup[0]).byvia), {"'[0]'": 1})

        def make():
            captured = bytearray(6)
            return lambda: captured
        fn = make()
        self.assertEqual(rows(h.iso(fn.__closure__[0].cell_contents).byvia), {"'.cell_contents'": 1})
        self.assertEqual(rows(h.iso(fn.__closure__).byvia), {"'.__closure__'": 1})
        keyed = {Box(): 1}
        self.assertEqual(rows(h.iso(*keyed).byvia), {"'.keys()[0]'": 1})

    def test_frame_local(self):
        def f():
            loc = bytearray(9)
            return h.iso(loc).byvia
        self.assertEqual(rows(f()), {"\".f_locals['loc']\"": 1})

    def test_instance_dict_and_class(self):
        p = Plain()
        p.__dict__["z"] = 1  # materialise the dict (3.11+)
        x = h.iso(p.__dict__)
        self.assertEqual(rows(x.byvia), {"'.__dict__'": 1})
        self.assertIn("'.__class__'", next(iter(rows(h.iso(Plain).byvia))))

    def test_chaining_and_rows(self):
        held = [Slotted() for _ in range(5)]
        for s in held:
            s.a = bytearray(3)
        x = h.iso(*[s.a for s in held])
        v = x.byvia
        self.assertEqual(rows(v[0].byvia), {"'.a'": 5})
        # iso()'s argument tuple only passes them: it is not a referrer (test_regressions)
        self.assertEqual(rows(v[0].byrcs), {"%s.Slotted" % __name__: 5})
        self.assertEqual(rows(x.by("Via")), {"'.a'": 5})

    def test_via_kind(self):
        held = [Slotted() for _ in range(7)]
        for s in held:
            s.a = bytearray(3)
        dicts = [{"k": bytearray(5)} for _ in range(3)]
        x = h.iso(*[s.a for s in held], *[d["k"] for d in dicts])
        self.assertEqual((x & h.Via(".a")).count, 7)
        self.assertEqual((x - h.Via(".a")).count, 3)
        self.assertEqual((x & h.Via("['k']")).count, 3)
        self.assertEqual((x & h.Via(".a", "['k']")).count, 0)
        self.assertEqual(str(h.Via(".a", "[0]")), "<via '.a', '[0]'>")
        self.assertEqual(repr(h.Via(".a", "[0]")), "h.Via('.a', '[0]')")
        with self.assertRaises(SyntaxError):
            h.Via("bad")

    def test_whole_heap_labels_every_edge(self):
        # the labeller reports every referent the walk records, named or "?"
        import gc
        for o in gc.get_objects()[:20000]:
            labelled = {a for a, _ in _enginetest.labels(o)}
            missing = set(_enginetest.referents(o)) - labelled
            self.assertFalse(missing, "unlabelled referents of %r" % type(o))

    def test_many_indices_group_into_a_family(self):
        # 50 items of one list: one row, counting the 50 distinct indices merged
        lst = [bytearray(i % 7 + 1) for i in range(50)]
        x = h.iso(*lst)
        size = sum(sys.getsizeof(b) for b in lst)
        self.assertEqual(_internal.rows(x.byvia), [(0, "'[*]' (50 indices)", 50, size)])
        exact = rows(x.byvia_exact)
        self.assertEqual(exact, {"'[%d]'" % i: 1 for i in range(50)})
        self.assertEqual(rows(x.by("via_exact")), exact)
        self.assertEqual(rows(x.by("via-exact")), exact)
        # h.Via: a family's label selects the family, an index its own objects
        self.assertEqual((x & h.Via("[*]")).count, 50)
        self.assertEqual((x & h.Via("[*]")).size, size)
        three = x & h.Via("[3]")
        self.assertEqual(three.count, 1)
        self.assertIn(lst[3], three)
        self.assertEqual((x - h.Via("[3]")).count, 49)
        with self.assertRaises(ValueError):
            h.Via("[*]", "[3]")

    def test_a_list_with_repeated_items_keeps_its_index_family_in_a_file(self):
        # A list holding objects several times: the capture named its edges to one object
        # crosswise (item 0's label on item 40's edge) and then stored the indices as texts
        # of their own, so a loaded file's byvia showed exact "'[5]'" rows (which a file
        # cannot tell from a dict's int keys) where the live one groups '[*]'.
        import heapcore

        class Repeated:
            pass

        pool = [Repeated() for _ in range(8)]
        lst = [pool[(i * 5) % 8] for i in range(40)] + [pool[0]]
        del pool
        live = rows(h.iso(*set(lst)).byvia)
        self.assertEqual(set(live), {"'[*]' (41 indices)"}, live)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "repeated.hcsnap")
            h.heap().dump(path)
            y = heapcore.load(path)
        by = y.byclodo
        [i] = [k for k, r in enumerate(_internal.rows(by)) if r[1].endswith(".Repeated")]
        loaded = rows(by[i].byvia)
        self.assertEqual(loaded, {"'[*]' (41 indices)": 8}, loaded)
        self.assertIs(lst[0], lst[40])

    def test_few_indices_stay_exact_unless_asked(self):
        lst = [bytearray(1) for _ in range(10)]  # HC_VIA_FAMILY_EXACT_MAX: not many
        x = h.iso(*lst)
        self.assertEqual(rows(x.byvia), {"'[%d]'" % i: 1 for i in range(10)})
        self.assertEqual((x & h.Via("[*]")).count, 10)
        lst.append(bytearray(1))  # 11: many
        self.assertEqual(rows(h.iso(*lst).byvia), {"'[*]' (11 indices)": 11})

    def test_each_family_and_its_count(self):
        # set members, dict keys as objects; an object at two indices counts both; dict keys
        # ("['k']") name things and never group
        members = frozenset(Box() for _ in range(30))
        self.assertEqual(rows(h.iso(*members).byvia), {"'list(_)[*]' (30 indices)": 30})
        self.assertEqual((h.iso(*members) & h.Via("list(_)[*]")).count, 30)
        keyed = {Box(): 1 for _ in range(20)}
        self.assertEqual(rows(h.iso(*keyed).byvia), {"'.keys()[*]' (20 indices)": 20})
        twice = [bytearray(1) for _ in range(20)]
        twice.append(twice[0])  # at [0] and [20]
        x = h.iso(*twice[:20])
        self.assertEqual(rows(x.byvia), {"'[*]' (21 indices)": 20})
        self.assertEqual(rows(x.byvia_exact)["'[0]', '[20]'"], 1)
        named = {"k%d" % i: bytearray(1) for i in range(30)}
        self.assertEqual(rows(h.iso(*named.values()).byvia), {"\"['k%d']\"" % i: 1 for i in range(30)})

    def test_index_and_other_labels_in_one_row(self):
        held = [Slotted() for _ in range(15)]
        for s in held:
            s.a = bytearray(2)
        lst = [s.a for s in held]  # each referred to by .a and by one index
        x = h.iso(*lst)
        self.assertEqual(rows(x.byvia), {"'.a', '[*]' (15 indices)": 15})
        self.assertEqual((x & h.Via(".a", "[*]")).count, 15)
        self.assertEqual((x & h.Via("[*]")).count, 0)
        self.assertEqual((x & h.Via(".a", "[14]")).count, 1)

    def test_heap_byvia_consistent(self):
        x = h.heap()
        v = x.byvia
        self.assertEqual(sum(r[2] for r in _internal.rows(v)), x.count)
        self.assertEqual(sum(r[3] for r in _internal.rows(v)), x.size)
        names = [r[1] for r in _internal.rows(v)]
        # (a dict's int key 1 also reads '[1]': dict keys do not group)
        self.assertIn("'[*]' (", " ".join(names))
        self.assertLess(len(names), len(_internal.rows(x.byvia_exact)))


class ShortestPathsTest(unittest.TestCase):
    def evaluates(self, path, obj):
        self.assertIs(eval(str(path) % "R", {"R": h.Root}), obj)

    def test_module_global(self):
        global target_list
        target_list = [bytearray(5)]
        sp = h.iso(target_list[0]).sp
        self.assertEqual(sp.numpaths, 1)
        self.assertEqual(str(sp), " 0: h.Root.i0_modules[%r].__dict__['target_list'][0]" % __name__)
        self.assertEqual(repr(sp[0]), repr("%%s.i0_modules[%r].__dict__['target_list'][0]" % __name__))
        self.evaluates(sp[0], target_list[0])

    def test_nested(self):
        global deep
        deep = {"k": Plain()}
        deep["k"].kids = [Slotted()]
        deep["k"].kids[0].a = bytearray(3)
        sp = h.iso(deep["k"].kids[0].a).sp
        self.assertTrue(str(sp).endswith("__dict__['deep']['k']%s[0].a" % (".kids" if PY311 else ".__dict__['kids']")), str(sp))
        self.evaluates(sp[0], deep["k"].kids[0].a)

    def test_builtin_root(self):
        sp = h.iso(len).sp
        self.assertEqual(sp.numpaths, 1)
        self.evaluates(sp[0], len)

    def test_thread_frame_local(self):
        ready, done = threading.Event(), threading.Event()
        refs = []

        def worker():
            loc = Box()
            refs.append(weakref.ref(loc))
            ready.set()
            done.wait()
        t = threading.Thread(target=worker)
        t.start()
        try:
            ready.wait()
            sp = h.iso(refs[0]()).sp
            text = str(sp)
            self.assertIn(".f_locals['loc']", text)
            self.assertIn("h.Root.t%d.frame" % t.ident, text)
            self.evaluates(sp[0], refs[0]())
        finally:
            done.set()
            t.join()

    def test_several_and_paging(self):
        global many
        many = [Box() for _ in range(12)]
        sp = h.iso(*many).sp
        self.assertEqual(sp.numpaths, 12)
        lines = str(sp).splitlines()
        self.assertEqual(len(lines), 11)
        self.assertEqual(lines[-1], "<... 2 more paths ...>")
        more = str(sp.more).splitlines()
        self.assertEqual(len(more), 2)
        self.assertTrue(more[0].startswith("10: "))
        self.assertEqual(str(sp.more.more), "<No more paths>")
        for p in sp:
            self.assertIn(eval(str(p) % "R", {"R": h.Root}), many)

    def test_only_least_depth(self):
        global shallow, deeper
        shallow = Box()
        deeper = [[Box()]]
        sp = h.iso(shallow, deeper[0][0]).sp
        self.assertEqual(sp.numpaths, 1)
        self.evaluates(sp[0], shallow)

    def test_an_unreachable_member_does_not_hide_the_paths_from_roots(self):
        # Issue 19: 100 reachable objects and one cyclic garbage list printed only
        # "<not from a root: list>?"; and the labels inside garbage were all "?".
        global reachable_boxes
        gc.disable()
        try:
            reachable_boxes = [Box() for _ in range(100)]
            junk = [Plain()]
            junk.append(junk)  # a cycle: garbage once dropped, while gc is off
            junk[0].payload = bytearray(7)
            addrs = id(junk), id(junk[0].payload)
            del junk
            x = h.heap()
            snap = _internal.snapshot(x)
            garbage, payload = (snap.find(a)[0] for a in addrs)
            self.assertTrue(snap.find(addrs[0])[1] & _engine.NODE_UNREACH)
            boxes = _internal.engine_set(x & h.iso(*reachable_boxes))
            sp = _internal.new_set(boxes.op(snap.ids([garbage]), _engine.OP_OR)).sp
            inside = _internal.new_set(snap.ids([payload])).sp
        finally:
            gc.enable()
            gc.collect()
        freed = _internal.new_set(snap.ids([payload])).sp  # the garbage is gone: nothing to read
        self.assertTrue(str(freed[0]).startswith("<not from a root: "), str(freed[0]))
        self.assertTrue(str(freed[0]).endswith("?"), str(freed[0]))
        self.assertEqual(sp.numpaths, 101)
        texts = [str(p) for p in sp]
        for t in texts[:100]:
            self.assertTrue(t.startswith("%s.i0_modules[") and t.endswith("['reachable_boxes'][%s]" % t[t.rindex("[") + 1:-1]), t)
        self.assertEqual(sorted(int(t[t.rindex("[") + 1:-1]) for t in texts[:100]), list(range(100)))
        self.assertEqual(texts[100], "<not from a root: list>")  # after them, never instead
        self.assertEqual(str(sp).splitlines()[-1], "<... 91 more paths ...>")
        self.assertEqual(inside.numpaths, 1)
        text = str(inside[0])
        self.assertTrue(text.startswith("<not from a root: "), text)
        self.assertNotIn("?", text)  # labelled, as byvia labels the same edges
        self.assertTrue(text.endswith(".payload" if PY311 else ".__dict__['payload']"), text)

    def test_more_reachable_members_than_paths_kept_and_a_garbage_one(self):
        # The paths kept per sp (_paths.LIMIT) all went to reachable members, which left room
        # 0 for the garbage part: the engine read 0 as "every path" and sp raised ValueError
        # (CPython's test_functools workload, under ASan).
        from heapcore import _paths
        global reachable_boxes
        gc.disable()
        try:
            reachable_boxes = [Box() for _ in range(_paths.LIMIT + 5)]
            junk = [Plain()]
            junk.append(junk)
            addr = id(junk)
            del junk
            x = h.heap()
            snap = _internal.snapshot(x)
            boxes = _internal.engine_set(x & h.iso(*reachable_boxes))
            sp = _internal.new_set(boxes.op(snap.ids([snap.find(addr)[0]]), _engine.OP_OR)).sp
        finally:
            gc.enable()
            gc.collect()
        self.assertEqual(sp.numpaths, _paths.LIMIT + 6)
        self.assertEqual(len(sp), _paths.LIMIT)
        self.assertTrue(str(sp).splitlines()[0].startswith(" 0: h.Root.i0_modules["), str(sp).splitlines()[0])


class ByIdRpDot(unittest.TestCase):
    def test_byid(self):
        global bi
        bi = ["abc-unique", 123456789, [1, 2, 3], {"a": 1}]
        x = h.iso(*bi)
        b = x.byid
        text = str(b)
        lines = text.splitlines()
        self.assertEqual(lines[0], "Set of 4 <mixed> objects. Total size = %d bytes." % x.size)
        self.assertEqual(lines[1], " Index     Size   %   Cumulative  %   Brief")
        self.assertIn("str: 'abc-unique'", text)
        self.assertIn("int: 123456789", text)
        self.assertIn("list: 0x%x*3" % id(bi[2]), text)
        self.assertIn("dict (no owner): 0x%x*1" % id(bi[3]), text)
        sizes = [int(line.split()[1]) for line in lines[2:]]
        self.assertEqual(sizes, sorted(sizes, reverse=True))
        self.assertEqual(sum(sizes), x.size)
        self.assertEqual(len(b), 4)
        self.assertEqual(b[0].count, 1)
        self.assertEqual(b[0].size, sizes[0])
        self.assertEqual(str(h.iso(*[Plain() for _ in range(1)]).byid).splitlines()[0][:6], "Set of")

    def test_byid_instance_dict_shows_owner(self):
        global owner
        owner = Plain()
        owner.__dict__["q"] = 1
        # guppy3: a one-kind table titles the column "Owner Address" and shows the owner's
        # address; a mixed one prefixes the kind
        lines = str(h.iso(owner.__dict__).byid).splitlines()
        self.assertEqual(lines[1], " Index     Size   %   Cumulative  %   Owner Address")
        self.assertTrue(lines[2].endswith(" 0x%x" % id(owner)), lines[2])
        self.assertIn("dict of %s.Plain: 0x%x" % (__name__, id(owner)), str(h.iso(owner.__dict__, 1.5).byid))

    def test_rp(self):
        global rp_list
        rp_list = [Box() for _ in range(3)]
        p = h.iso(*rp_list).rp
        lines = str(p).splitlines()
        self.assertEqual(lines[0], "Reference Pattern by <[dict of] class>.")
        self.assertRegex(lines[1], r"^ 0: _ --- \[-\] 3 %s\.Box: 0x" % __name__)
        for line in lines[1:]:
            self.assertRegex(line, r"^ ?\d+: [_a-z0-9]+ [- ]+ \[(-|S|\+|R|\^ \d+)\] \d+ ")
            self.assertLessEqual(len(line), 100)
        listrow = [i for i, r in enumerate(p.rows) if r[3].startswith("1 list: 0x%x" % id(rp_list))]
        self.assertEqual(len(listrow), 1)
        i = listrow[0]
        self.assertEqual(p.rows[i][2], "[-]")
        below = p.rows[i + 1]
        self.assertEqual(below[3], "1 dict of module: %s" % __name__)
        self.assertEqual(below[2], "[S]")
        self.assertEqual(p[i].count, 1)
        self.assertEqual(getattr(p, p.rows[i][0]).count, 1)
        self.assertEqual(p._.count, 3)
        deep_rp = h.iso(*rp_list).get_rp(depth=1)
        self.assertTrue(all(r[2] != "[-]" for r in deep_rp.rows[1:]))

    def test_dot(self):
        global dot_list
        dot_list = [Box()]
        text = h.iso(dot_list[0]).dot()
        self.assertTrue(text.startswith("digraph heapcore {"))
        self.assertIn("style=filled", text)
        self.assertIn('[label="[0]"]', text)
        self.assertIn('"root:sys.modules"', text)
        import io
        buf = io.StringIO()
        h.iso(dot_list[0]).dot(buf)
        self.assertEqual(buf.getvalue().count("->"), text.count("->"))


if __name__ == "__main__":
    unittest.main()


class ObserverFrames(unittest.TestCase):
    """heapcore's own frames (the call that takes the snapshot) are hidden with what only they
    hold, such as iso()'s argument tuple; the caller's frames stay visible."""

    def test_calling_heapcore_adds_no_referrer(self):
        global held
        held = [Box()]
        r = h.iso(held[0]).referrers
        self.assertEqual(r.count, 1, str(r.bytype))
        self.assertIn(held, r)
        text = str(h.iso(held[0]).rp)
        self.assertNotIn("tuple", text)
        self.assertNotIn("frame", text)
        self.assertEqual(len(text.splitlines()), 4, text)  # title, Box, list, dict of module

    def test_a_frame_running_heapcore_code_is_hidden(self):
        global dot_target
        dot_target = [Box()]
        seen = []

        class Sink:
            def write(self, text):
                seen.append(sys._getframe(1))  # the heapcore frame writing the dot text
        h.iso(dot_target[0]).dot(file=Sink())
        self.assertTrue(seen)
        own = seen[0]
        self.assertTrue(_engine.is_own_frame(own), own.f_code.co_filename)
        self.assertFalse(_engine.is_own_frame(sys._getframe()))
        x = h.heap()
        self.assertNotIn(own, x)          # held by this test's `seen`, yet hidden
        self.assertIn(seen, x)
        self.assertIn(dot_target, x)
        seen.clear()

    def test_caller_frame_is_the_threads_frame(self):
        def f():
            loc = Box()
            sp = h.iso(loc).sp
            text = str(sp)
            me = "h.Root.t%d.frame" % threading.get_ident()
            self.assertIn(me + ".f_locals['loc']", text)
            # .frame, looked up from here, passes over heapcore's frames to this one
            fr = getattr(h.Root, "t%d" % threading.get_ident()).frame
            self.assertIs(fr.f_locals["loc"], loc)
            return text
        f()
