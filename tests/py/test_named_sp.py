"""Named shortest paths: sp[i].named, x.sp.named and the names of x.dot()'s nodes, on heaps
built so the right names are known."""
import re
import sys
import threading
import unittest
import weakref

from heapcore import hpy

h = hpy()


class Box:
    pass


class App:
    pass


class NamedSp(unittest.TestCase):
    def test_module_global(self):
        global named_target
        named_target = [bytearray(5)]
        sp = h.iso(named_target[0]).sp
        self.assertEqual(str(sp), " 0: h.Root.i0_modules[%r].__dict__['named_target'][0]" % __name__)
        self.assertEqual(sp[0].named, "%s.named_target[0] (bytearray)" % __name__)
        self.assertEqual(str(sp.named), " 0: %s.named_target[0] (bytearray)" % __name__)
        self.assertEqual(repr(sp.named), str(sp.named))
        self.assertEqual(sp.named[0], sp[0].named)

    def test_dict_value(self):
        global named_app
        named_app = App()
        named_app.cache = {"k": bytearray(7)}
        sp = h.iso(named_app.cache["k"]).sp
        self.assertEqual(sp[0].named, "%s.named_app.cache['k'] (bytearray)" % __name__)

    def test_numbered_and_paged_as_sp(self):
        global named_many
        named_many = [Box() for _ in range(12)]
        sp = h.iso(*named_many).sp
        lines = str(sp.named).splitlines()
        self.assertEqual(len(lines), 11)
        self.assertEqual(lines[-1], "<... 2 more paths ...>")
        for k, (line, plain) in enumerate(zip(lines[:10], str(sp).splitlines())):
            index = re.search(r"\[(\d+)\]$", plain).group(1)
            self.assertEqual(line, "%2d: %s.named_many[%s] (%s.Box)" % (k, __name__, index, __name__))
        more = str(sp.named.more).splitlines()
        self.assertEqual([l[:4] for l in more], ["10: ", "11: "])
        self.assertEqual(str(sp.named.more.more), "<No more paths>")
        self.assertEqual(str(h.iso().sp.named), "''")

    def test_thread_local_in_frame(self):
        ready, done = threading.Event(), threading.Event()
        refs = []

        def named_worker():
            loc = Box()
            refs.append(weakref.ref(loc))
            ready.set()
            done.wait()

        t = threading.Thread(target=named_worker, name="named-wk")
        t.start()
        try:
            ready.wait()
            x = h.iso(refs[0]())
            named = x.sp[0].named
            self.assertRegex(named, r"^thread 'named-wk' \(ident %d\) → frame "
                             r"(NamedSp\.test_thread_local_in_frame\.<locals>\.)?named_worker\(\) "
                             r"at test_named_sp\.py:\d+ → local 'loc' \(%s\.Box\)$"
                             % (t.ident, re.escape(__name__)))
            text = x.dot()
            self.assertIn("label=\"local 'loc'\\n%s.Box\\n" % __name__, text)
            self.assertIn("label=\"thread 'named-wk' (ident %d)\\nthread state\\n" % t.ident, text)
            self.assertRegex(text, r'label="frame [^"]*named_worker\(\) at test_named_sp\.py:\d+\\n')
        finally:
            done.set()
            t.join()

    def test_dot_names_module_global_and_key(self):
        global named_dot
        named_dot = {"key": bytearray(9)}
        text = h.iso(named_dot["key"]).dot()
        self.assertRegex(text, r'n\d+ \[label="\[\'key\'\]\\nbytearray\\n\d+ bytes", style=filled')
        self.assertRegex(text, r'n\d+ \[label="named_dot\\ndict \(no owner\)\\n\d+ bytes"\]')
        self.assertRegex(text, r'n\d+ \[label="%s\\nmodule %s\\n\d+ bytes"\]'
                         % (re.escape(__name__), re.escape(__name__)))
        self.assertIn("[label=\"['named_dot']\"]", text)  # edges labelled as before


if __name__ == "__main__":
    unittest.main()
