"""The command line (python3 -m heapcore): run writes a snapshot of a program (at exit, on a
signal), show/top/diff/html/export read it; exit codes and messages; the Chrome export read
back by an independent reader (the checks of ../shared/chrome-heapsnapshot.md, section 6);
the HTML report rendered by headless Chromium (when installed) without a script error."""
import json
import re
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

PROGRAM = textwrap.dedent('''
    import sys
    class Order:
        def __init__(self, n):
            self.lines = [bytearray(1000) for _ in range(n)]
            self.note = "order note %d" % n
    orders = [Order(int(sys.argv[1])) for _ in range(200)]
    secret = "heapcore-cli-secret-" + sys.argv[2]
''')


def heapcore(*args, check=True, **kw):
    p = subprocess.run([sys.executable, "-m", "heapcore"] + list(args), capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        raise AssertionError("heapcore %s: exit %d\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return p


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Cli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="heapcore-cli-")
        cls.script = os.path.join(cls.dir, "prog.py")
        with open(cls.script, "w") as f:
            f.write(PROGRAM)
        cls.old = os.path.join(cls.dir, "old.hcsnap")
        cls.new = os.path.join(cls.dir, "new.hcsnap")
        heapcore("run", "-o", cls.old, cls.script, "1", "x")
        cls.run_new = heapcore("run", "--keep-strings", "-o", cls.new, cls.script, "3", "y")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_run_writes_a_snapshot_of_the_program(self):
        self.assertRegex(self.run_new.stderr, r"heapcore: at exit: wrote .*new\.hcsnap \(\d+\.\d MB\)")
        import heapcore as hc
        from heapcore import _internal
        y = hc.load(self.new)
        self.assertEqual(json.loads(y.meta["argv"]), [self.script, "3", "y"])
        rows = {r[1]: r for r in _internal.engine_set(y).partition(hc._engine.BY_CLODO)}
        self.assertEqual(rows["__main__.Order"][2], 200)
        self.assertEqual(rows["bytearray"][2], 600)

    def test_show(self):
        out = heapcore("show", self.new).stdout
        self.assertRegex(out, r"^Partition of a set of \d+ objects\. Total size = \d+ bytes\.")
        self.assertIn("bytearray", out)
        self.assertTrue("__main__.Order" in heapcore("show", self.new, "--all").stdout, "no Order row")
        out = heapcore("show", self.new, "--by", "type", "--retained").stdout
        self.assertIn("Retained", [l for l in out.splitlines() if l.startswith(" Index")][0])
        out = heapcore("show", self.new, "--by", "via", "--all").stdout
        self.assertIn("Referred Via", out)
        # an attribute: '.lines' (3.11+: the instance's own values), or "['lines']" (its __dict__)
        self.assertTrue("'.lines'" in out or "\"['lines']\"" in out, "no label for the lines attribute")
        # the 200 orders (and the lines' items) are list items: one family row, counted
        self.assertRegex(out, r" '\[\*\]' \(\d+ indices\)\n")
        self.assertNotIn("'[199]'", out)
        exact = heapcore("show", self.new, "--by", "via-exact", "--all").stdout
        self.assertIn("'[199]'", exact)
        self.assertNotIn("'[*]'", exact)

    def test_diff_by_via_matches_families_whatever_their_count(self):
        out = heapcore("diff", self.old, self.new, "--by", "via").stdout.splitlines()
        self.assertFalse([l for l in out if "indices)" in l], "\n".join(out))
        row = [l for l in out[2:] if len(l.split(None, 6)) == 7 and l.split(None, 6)[-1] == "'[*]'"]
        self.assertEqual(len(row), 1, "\n".join(out))
        self.assertGreaterEqual(int(row[0].split()[1]), 400)  # 400 more bytearrays, as list items

    def test_top_and_diff(self):
        out = heapcore("top", self.new, "-n", "3").stdout
        self.assertRegex(out, r"^The 3 largest leak suspects")
        self.assertIn("holds", out)
        out = heapcore("diff", self.old, self.new).stdout.splitlines()
        self.assertRegex(out[0], r"Changes from OLD .* to NEW .*: \+\d+ objects")
        self.assertIn("Where the new objects accumulate", "\n".join(out))
        self.assertTrue(any(l.strip().startswith("holds ") for l in out), out)
        bytearrays = [l for l in out if l.endswith(" bytearray")][0].split()
        self.assertEqual(bytearrays[1:3], ["+400", "+%d" % (400 * (1000 + bytearray_overhead()))])

    def test_keep_strings_and_redaction(self):
        with open(self.old, "rb") as f:
            self.assertFalse(b"heapcore-cli-secret-x" in f.read(), "a redacted string is in the file")
        with open(self.new, "rb") as f:
            self.assertTrue(b"heapcore-cli-secret-y" in f.read(), "a kept string is not in the file")

    def test_errors_and_exit_codes(self):
        p = heapcore("show", self.path("missing.hcsnap"), check=False)
        self.assertEqual(p.returncode, 3)
        self.assertIn("cannot read", p.stderr)
        bad = self.path("bad.hcsnap")
        with open(bad, "wb") as f:
            f.write(b"not a snapshot at all" * 10)
        p = heapcore("top", bad, check=False)
        self.assertEqual(p.returncode, 4)
        self.assertIn("not a valid heapcore snapshot file", p.stderr)
        self.assertEqual(heapcore("show", check=False).returncode, 2)
        self.assertEqual(heapcore("nonsense", check=False).returncode, 2)
        self.assertEqual(heapcore(check=False).returncode, 2)
        self.assertEqual(heapcore("--help").returncode, 0)
        p = heapcore("run", "-o", self.path("x/y/z.hcsnap"), self.script, "1", "z", check=False)
        self.assertEqual(p.returncode, 3)
        failing = self.path("fails.py")
        with open(failing, "w") as f:
            f.write("keep = [1, 2, 3]\nraise SystemExit(7)\n")
        p = heapcore("run", "-o", self.path("fails.hcsnap"), failing, check=False)
        self.assertEqual(p.returncode, 7)  # the program's status, after the snapshot
        self.assertTrue(os.path.exists(self.path("fails.hcsnap")))

    def test_run_on_signal(self):
        prog = self.path("waits.py")
        flag = self.path("ready")
        with open(prog, "w") as f:
            f.write(textwrap.dedent('''
                import os, sys, time
                data = [bytearray(100) for _ in range(77)]
                open(sys.argv[1], "w").close()
                deadline = time.time() + 60
                while not os.path.exists(sys.argv[1] + ".done") and time.time() < deadline:
                    time.sleep(0.02)
            '''))
        out = self.path("sig-{n}.hcsnap")
        p = subprocess.Popen([sys.executable, "-m", "heapcore", "run", "--on-signal", "USR1", "-o", out, prog, flag],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.time() + 60
            while not os.path.exists(flag) and time.time() < deadline:
                time.sleep(0.02)
            for n in (1, 2):
                p.send_signal(signal.SIGUSR1)
                while not os.path.exists(self.path("sig-%d.hcsnap" % n)) and time.time() < deadline:
                    time.sleep(0.02)
            open(flag + ".done", "w").close()
            _, err = p.communicate(timeout=60)
        finally:
            if p.poll() is None:
                p.kill()
        self.assertEqual(p.returncode, 0, err)
        # one file per signal; a signal that came while the first was still being finished
        # is taken right after it, and says so
        self.assertEqual(len(re.findall(r"on SIGUSR1( \(arrived during the last snapshot\))?: wrote", err)), 2, err)
        import heapcore as hc
        from heapcore import _internal
        y = hc.load(self.path("sig-2.hcsnap"))
        ba = [r for r in _internal.engine_set(y).partition(hc._engine.BY_TYPE) if r[1] == "bytearray"]
        self.assertEqual(ba[0][2], 77)
        self.assertFalse(os.path.exists(self.path("sig-3.hcsnap")))  # none at exit with --on-signal

    def test_export_chrome_read_back(self):
        out = self.path("heap.heapsnapshot")
        heapcore("export", "--format", "chrome", self.new, "-o", out)
        with open(out, encoding="utf-8") as f:
            text = f.read()
        d = json.loads(text)
        check_heapsnapshot(self, d, text)
        import heapcore as hc
        from heapcore import _internal
        y = hc.load(self.new)
        nodes, strings = d["nodes"], d["strings"]
        self.assertEqual(sum(nodes[3::7]), y.size)  # self sizes add up to the heap's total
        self.assertEqual(len(nodes) // 7, 1 + d["nodes"][4] + _internal.snapshot(y).n - hidden_count(y))
        names = [strings[i] for i in nodes[1::7]]
        self.assertEqual(names.count("__main__.Order"), 200)
        self.assertEqual(names.count("<module __main__>"), 1)
        self.assertTrue("heapcore-cli-secret-y" in names, "the kept string is not a node's name")
        self.assertTrue("(sys.modules)" in names, "no sys.modules group")
        # the edges of an Order: a property "lines" to a list with 3 elements
        edges = d["edges"]
        first_edge = [0] * (len(nodes) // 7)
        at = 0
        for i in range(len(nodes) // 7):
            first_edge[i] = at
            at += nodes[i * 7 + 4]
        order = names.index("__main__.Order")
        props = {}
        for e in range(first_edge[order], first_edge[order] + nodes[order * 7 + 4]):
            t, name, to = edges[3 * e: 3 * e + 3]
            if t == 2:  # property
                props[strings[name]] = to // 7
        if "lines" not in props:  # before 3.11 attributes live in the instance's __dict__
            self.assertIn("__dict__", props)
            d_ = props["__dict__"]
            props = {}
            for e in range(first_edge[d_], first_edge[d_] + nodes[d_ * 7 + 4]):
                t, name, to = edges[3 * e: 3 * e + 3]
                if t == 2:
                    props[strings[name]] = to // 7
        self.assertIn("lines", props)
        lst = props["lines"]
        kinds = [edges[3 * e] for e in range(first_edge[lst], first_edge[lst] + nodes[lst * 7 + 4])]
        self.assertEqual(kinds.count(1), 3)  # element edges, [0] [1] [2] (stored as indices)
        self.assertEqual(sorted(edges[3 * e + 1] for e in range(first_edge[lst], first_edge[lst] + nodes[lst * 7 + 4])
                                if edges[3 * e] == 1), [0, 1, 2])
        # redacted strings are named by length and hash
        out2 = self.path("old.heapsnapshot")
        heapcore("export", "--format", "chrome", self.old, "-o", out2)
        with open(out2, encoding="utf-8") as f:
            d2 = json.load(f)
        self.assertFalse("heapcore-cli-secret-x" in d2["strings"], "a redacted string was exported")
        self.assertTrue(any(s.startswith("<str: 21, #") for s in d2["strings"]))

    def test_export_dot(self):
        out = self.path("top.dot")
        heapcore("export", "--format", "dot", self.new, "-o", out, "-n", "5")
        with open(out) as f:
            text = f.read()
        self.assertTrue(text.startswith("digraph heapcore {"))
        self.assertTrue("sys.modules" in text, "no sys.modules in the dot file")
        self.assertTrue(text.rstrip().endswith("}"))

    def test_html_report_renders_in_chromium(self):
        out = self.path("report.html")
        heapcore("html", self.new, "--diff", self.old, "-o", out, "--title", "cli test")
        with open(out, encoding="utf-8") as f:
            page = f.read()
        self.assertNotRegex(page, r"(src|href)=\"(https?:)?//")  # self-contained
        for what in ("Dominator tree by retained size", "Largest retainers", "Growth since the older snapshot",
                     "Partition by kind", "__main__.Order", "h.Root.i0_modules[&#x27;__main__&#x27;]"):
            self.assertTrue(what in page, "the report lacks %r" % what)
        browser = chromium()
        if browser is None:
            self.skipTest("no Chromium here (CI installs it)")
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,1400"]
        env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS")}
        dom = subprocess.run([browser] + flags + ["--virtual-time-budget=5000", "--dump-dom", "file://" + out],
                             capture_output=True, text=True, timeout=120, env=env).stdout
        self.assertRegex(dom, r'<body data-rendered="\d+"')
        self.assertFalse("data-error" in dom, "a script error: %s" % dom.split("data-error")[-1][:200])
        drawn = int(dom.split('data-rendered="')[1].split('"')[0])
        self.assertGreater(drawn, 10)
        shot_dir = os.environ.get("HEAPCORE_TEST_OUTPUT", tempfile.gettempdir())
        shot = os.path.join(shot_dir, "heapcore-report-%d.png" % os.getpid())
        subprocess.run([browser] + flags + ["--screenshot=" + shot, "file://" + out],
                       capture_output=True, timeout=120, env=env)
        with open(shot, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        sys.stderr.write("\n[report screenshot: %s, %d boxes drawn] " % (shot, drawn))

    def test_html_treemap_names_where_objects_accumulate(self):
        # The list `orders` holds 200 alike Orders (each retaining its bytearrays): its box is
        # named by its label and its children drawn as one box of 200 Orders, not as
        # "200 smaller"; the growth table's numbers have thousands separators.
        out = self.path("accumulate.html")
        heapcore("html", self.new, "--diff", self.old, "-o", out)
        with open(out, encoding="utf-8") as f:
            page = f.read()
        data = page.split('<script id="tree-data" type="application/json">')[1].split("</script>")[0]
        flat = json.loads(data.replace("<\\/", "</"))
        names = [f[0] for f in flat]
        holder = [i for i, f in enumerate(flat) if f[0] == "['orders'] list"]
        self.assertEqual(len(holder), 1, "no box named for the list: %r" % names[:40])
        kids = [f for f in flat if f[5] == holder[0]]
        self.assertEqual([(f[0], f[6]) for f in kids if f[6]], [("200 × __main__.Order", 200)])
        group = [f for f in kids if f[6]][0]
        self.assertGreater(group[1], 200 * 3 * 1000)  # each Order retains its 3 bytearrays
        self.assertLess(flat[holder[0]][3], flat[holder[0]][1] // 20)  # little left as "smaller"
        # the leak suspects lead the page: the list, its named path, what it holds
        suspects = page.split('<h2 id="suspects">')[1].split("</table>")[0]
        self.assertLess(page.index('<h2 id="suspects">'), page.index("Dominator tree by retained size"))
        first = suspects.split("<tbody>")[1].split("</tr>")[0]
        self.assertIn("__main__.orders (list)", first)
        self.assertIn("holds 200 __main__.Order", first)
        growth = page.split("Growth since the older snapshot")[1].split("</table>")[0]
        self.assertRegex(growth, r"\+\d{1,3},\d{3}")
        self.assertNotRegex(growth, r"\+\d{4}")


def bytearray_overhead():
    return sys.getsizeof(bytearray(1000)) - 1000


def hidden_count(y):
    import heapcore as hc
    from heapcore import _internal
    return len(_internal.snapshot(y).select(hc._engine.NODE_HIDDEN, 0).ids())


def check_heapsnapshot(tc, d, text):
    """The format checks DevTools' loader does not make (chrome-heapsnapshot.md, section 6)."""
    keys = list(d)
    tc.assertEqual(keys[:3], ["snapshot", "nodes", "edges"])
    tc.assertEqual(keys[-1], "strings")
    tc.assertLess(text.index('"nodes"'), text.index('"edges"'))
    meta = d["snapshot"]["meta"]
    tc.assertEqual(meta["node_fields"], ["type", "name", "id", "self_size", "edge_count", "trace_node_id",
                                         "detachedness"])
    tc.assertEqual(meta["edge_fields"], ["type", "name_or_index", "to_node"])
    nodes, edges, strings = d["nodes"], d["edges"], d["strings"]
    n, e = d["snapshot"]["node_count"], d["snapshot"]["edge_count"]
    tc.assertEqual(len(nodes), 7 * n)
    tc.assertEqual(len(edges), 3 * e)
    tc.assertEqual(sum(nodes[4::7]), e)
    for v in nodes + edges:
        if not (isinstance(v, int) and 0 <= v < 2 ** 32):
            tc.fail("not a 32-bit unsigned integer: %r" % (v,))
    ntypes, netypes = len(meta["node_types"][0]), len(meta["edge_types"][0])
    tc.assertTrue(all(t < ntypes for t in nodes[0::7]))
    tc.assertTrue(all(s < len(strings) for s in nodes[1::7]))
    ids = nodes[2::7]
    tc.assertEqual(len(set(ids)), n)
    tc.assertTrue(all(i % 2 == 1 for i in ids))
    tc.assertEqual(nodes[0], meta["node_types"][0].index("synthetic"))
    for k in range(e):
        t, name, to = edges[3 * k: 3 * k + 3]
        tc.assertLess(t, netypes)
        tc.assertEqual(to % 7, 0)
        tc.assertLess(to, len(nodes))
        if meta["edge_types"][0][t] not in ("element", "hidden"):
            tc.assertLess(name, len(strings))


if __name__ == "__main__":
    unittest.main()
