"""guppy3 compatibility of shortest paths and h.Root: every shortest path is listed (two holders,
two paths), paged as Heapy pages them; get_shpaths(src=, avoid_nodes=, avoid_edges=), pathsin,
pathsout and sp.avoided; every root has a name of its own that evaluates back; the path a user
expects is chosen when C registries of callbacks (atexit, signal handlers) reach module globals
in fewer hops."""
import atexit
import signal
import unittest

from heapcore import hpy

h = hpy()


def _callback():
    pass


def _handler(signum, frame):
    pass


class Box:
    pass


class AllShortestPaths(unittest.TestCase):
    """Heapy lists every path of least length; heapcore listed one per object."""

    def evaluates(self, path, obj, root="R"):
        self.assertIs(eval(str(path) % root, {"R": h.Root, "Src": self.src}), obj)

    src = None

    def test_two_holders_give_two_paths(self):
        global held_a, held_b
        t = Box()
        held_a, held_b = [t], [t]
        sp = h.iso(t).sp
        self.assertEqual(sp.numpaths, 2)
        self.assertEqual(str(sp), " 0: h.Root.i0_modules[%r].__dict__['held_a'][0]\n"
                                  " 1: h.Root.i0_modules[%r].__dict__['held_b'][0]" % (__name__, __name__))
        for p in sp.paths:
            self.evaluates(p, t)
        self.assertIn("held_b", str(sp.named))

    def test_paging_as_heapy(self):
        global holders
        t = Box()
        holders = [[t] for _ in range(12)]
        sp = h.iso(t).sp
        self.assertEqual(sp.numpaths, 12)
        lines = str(sp).splitlines()
        self.assertEqual(len(lines), 11)
        self.assertEqual(lines[-1], "<... 2 more paths ...>")
        self.assertEqual([l.split(":")[0] for l in str(sp.more).splitlines()], ["10", "11"])
        self.assertEqual(str(sp.more.more), "<No more paths>")
        self.assertEqual(len(str(sp.all).splitlines()), 12)
        # exactly one more: Heapy prints it rather than "<... 1 more paths ...>"
        holders = [[t] for _ in range(11)]
        lines = str(h.iso(t).sp).splitlines()
        self.assertEqual(len(lines), 11)
        self.assertTrue(lines[-1].startswith("10: "), lines[-1])
        for k, p in enumerate(h.iso(t).sp.paths):
            self.assertIn("['holders'][%d][0]" % k, str(p))
            self.evaluates(p, t)

    def test_get_shpaths_from_a_source(self):
        global src_holder
        t = Box()
        src_holder = {"kids": [[t]]}
        x = h.iso(t)
        sp = x.get_shpaths(src=h.iso(src_holder))
        self.assertEqual(str(sp), " 0: Src['kids'][0][0]")
        AllShortestPaths.src = src_holder
        self.evaluates(sp[0], t, "Src")
        self.assertEqual(str(x.get_shpaths(src=h.iso(Box()))), "''")  # reaches nothing
        with self.assertRaises(TypeError):
            x.get_shpaths(src=src_holder)

    def test_avoid_nodes_and_edges(self):
        global av_a, av_b
        t = Box()
        av_a, av_b = [t], [t]
        x = h.iso(t)
        only_b = " 0: h.Root.i0_modules[%r].__dict__['av_b'][0]" % __name__
        self.assertEqual(str(x.get_shpaths(avoid_nodes=h.iso(av_a))), only_b)
        self.assertEqual(str(x.get_shpaths(avoid_edges=[(av_a, t)])), only_b)
        self.assertEqual(str(x.get_shpaths(avoid_edges=[(h.iso(av_a), h.iso(t))])), only_b)
        with self.assertRaises(TypeError):
            x.get_shpaths(avoid_edges=[av_a])

    def test_avoided_levels_find_the_other_way(self):
        global near, far
        t = Box()
        near = [t]           # i0_modules -> module dict -> near -> t: t is 3 hops below
        far = [[[t]]]
        sp = h.iso(t).sp
        self.assertEqual(sp.numpaths, 1)
        self.assertIn("['near'][0]", str(sp))
        other = sp.avoided(3)  # cut near -> t
        self.assertEqual(str(other), " 0: h.Root.i0_modules[%r].__dict__['far'][0][0][0]" % __name__)
        self.evaluates(other[0], t)
        with self.assertRaises(ValueError):
            sp.avoided(-1)

    def test_pathsin_and_pathsout(self):
        global pin_a, pin_b
        pin_a = [Box()]  # (no local names it: this frame would be a third referrer)
        pin_b = {"key": pin_a[0]}
        lines = str(h.iso(pin_a[0]).pathsin).splitlines()
        self.assertEqual(len(lines), 2, lines)
        self.assertRegex(lines[0], r"^ 0: <1 list: 0x[0-9a-f]+\*1>\[0\]$")
        self.assertRegex(lines[1], r"^ 1: <1 dict \(no owner\): 0x[0-9a-f]+\*1>\['key'\]$")
        out = str(h.iso(pin_b).pathsout)
        self.assertIn(" 0: Src['key']", out)


class RootNames(unittest.TestCase):
    """Every root has a name of its own: 262 roots were all h.Root.small_int (the int -5), and
    h.Root.1_byte_bytes does not parse."""

    def test_each_name_evaluates_back(self):
        for obj in (5, -3, 256, b"\x01", b"A"):
            sp = h.iso(obj).sp
            text = str(sp[0])
            self.assertTrue(text.startswith("%s."))
            self.assertTrue(text[3:].split("[")[0].isidentifier(), text)
            self.assertIs(eval(text % "R", {"R": h.Root}), obj, text)

    def test_names_are_identifiers_and_unique(self):
        names = dir(h.Root)
        self.assertTrue(all(n.isidentifier() for n in names), [n for n in names if not n.isidentifier()][:5])
        self.assertIn("i0_modules", names)
        self.assertIn("small_int_10", names)
        self.assertIs(h.Root.small_int_10, 5)


class LateRoots(unittest.TestCase):
    def evaluates(self, path, obj):
        self.assertIs(eval(str(path) % "R", {"R": h.Root}), obj)

    def test_atexit_callback_does_not_take_module_globals(self):
        global late_target
        late_target = [bytearray(3)]
        atexit.register(_callback)
        try:
            sp = h.iso(late_target[0]).sp
            self.assertEqual(str(sp), " 0: h.Root.i0_modules[%r].__dict__['late_target'][0]" % __name__)
            self.evaluates(sp[0], late_target[0])
        finally:
            atexit.unregister(_callback)

    def test_signal_handler_does_not_take_module_globals(self):
        global late_target2
        late_target2 = [bytearray(4)]
        old = signal.signal(signal.SIGUSR1, _handler)
        try:
            sp = h.iso(late_target2[0]).sp
            self.assertEqual(str(sp), " 0: h.Root.i0_modules[%r].__dict__['late_target2'][0]" % __name__)
            self.evaluates(sp[0], late_target2[0])
        finally:
            signal.signal(signal.SIGUSR1, old)

    def test_a_late_root_does_not_name_a_singleton(self):
        atexit.register(_callback)  # its args are the empty tuple
        try:
            self.assertEqual(str(h.iso(()).sp), " 0: h.Root.empty_tuple")
        finally:
            atexit.unregister(_callback)


if __name__ == "__main__":
    unittest.main()
