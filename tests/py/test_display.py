"""Rich display: the HTML of heap sets, pages, stats, diffs, top, dominator chains and paths
is well formed and has the text table's rows (numbers with thousands separators); it renders
in headless Chromium; IPython shows the text (one page) and the HTML, and %load_ext heapcore
gives %heap and %heapdiff (where IPython is installed)."""
import html.parser
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import unittest

from heapcore import hpy

from test_cli import chromium

VOID = {"br", "hr", "img", "meta", "link", "input", "col", "wbr"}
ALLOWED = {"style", "table", "caption", "thead", "tbody", "tr", "th", "td", "div"}


class _Checked(html.parser.HTMLParser):
    """Checks nesting (every tag closed, in order; only the tags we write) and collects the
    tables: [(caption, [header cells], [[cells] per row])] and the note lines."""

    def __init__(self):
        html.parser.HTMLParser.__init__(self, convert_charrefs=True)
        self.stack, self.tables, self.notes, self.errors = [], [], [], []
        self.cell = None

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED:
            self.errors.append("unexpected <%s>" % tag)
        if tag in VOID:
            return
        self.stack.append(tag)
        if tag == "table":
            self.tables.append([None, [], []])
        elif tag == "tr":
            self.tables[-1][2].append([])
        elif tag in ("td", "th", "caption", "div"):
            self.cell = ""

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("</%s> closes %s" % (tag, self.stack[-1:] or "nothing"))
            return
        self.stack.pop()
        if tag == "td":
            self.tables[-1][2][-1].append(self.cell)
        elif tag == "th":
            self.tables[-1][1].append(self.cell)
        elif tag == "caption":
            self.tables[-1][0] = self.cell
        elif tag == "div":
            self.notes.append(self.cell)
        if tag in ("td", "th", "caption", "div"):
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def parsed(markup):
    p = _Checked()
    p.feed(markup)
    p.close()
    if p.stack:
        p.errors.append("unclosed: %s" % p.stack)
    for t in p.tables:
        t[2] = [r for r in t[2] if r]  # the header row has th cells only
    return p


def _n(cell):
    return int(cell.replace(",", "")) if re.fullmatch(r"-?[\d,]+", cell) else cell


TEXT_ROW = re.compile(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+(-?\d+)\s+(\d+)\s+(-?\d+)\s+(\d+) (.*)$")


class Node:
    def __init__(self, i):
        self.i = i
        self.kids = [str(i) * 3]


class Html(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.h = hpy()
        cls.nodes = [Node(i) for i in range(300)]
        cls.x = cls.h.heap()

    def check_rows(self, x, markup, text):
        p = parsed(markup)
        self.assertEqual(p.errors, [])
        self.assertEqual(len(p.tables), 1)
        caption, header, rows = p.tables[0]
        text_rows = [TEXT_ROW.match(line) for line in text.splitlines()]
        text_rows = [m.groups() for m in text_rows if m]
        self.assertGreater(len(text_rows), 0)
        self.assertEqual(len(rows), len(text_rows))
        for cells, want in zip(rows, text_rows):
            self.assertEqual([_n(c) for c in cells[:7]], [int(v) for v in want[:7]])
            self.assertEqual(cells[-1], want[7].rstrip())
        for cells in rows:  # numbers of four digits or more have separators
            for c in cells[:7]:
                if len(c.replace(",", "")) > 3:
                    self.assertIn(",", c)
        return p

    def test_partition_matches_the_text_table(self):
        for x in (self.x, self.x.bytype, self.x.bysize, self.h.iso(*self.nodes).byrcs):
            with self.subTest(by=str(x).splitlines()[1]):
                p = self.check_rows(x, x._repr_html_(), str(x))
                caption, header = p.tables[0][:2]
                self.assertEqual(caption, "Partition of a set of {:,} object{}. Total size = {:,} bytes".format(
                    x.count, "" if x.count == 1 else "s", x.size) + caption[caption.index(" bytes") + 6:])
                self.assertEqual(header[:8], ["Index", "Count", "%", "Size", "%", "Cumulative", "%",
                                              str(x).splitlines()[1].split("% ", 3)[-1].strip()][:8])
                if "more rows" in str(x):
                    self.assertTrue(any("more rows" in n for n in p.notes))

    def test_the_next_page_matches(self):
        more = self.x.bytype.more
        self.check_rows(self.x.bytype, more._repr_html_(), str(more))

    def test_retained_view(self):
        x = self.h.iso(*self.nodes).byclodo.retained if hasattr(self.x, "retained") else None
        if x is None:
            self.skipTest("no retained view")
        p = parsed(x._repr_html_())
        self.assertEqual(p.errors, [])
        self.assertIn("Retained", p.tables[0][1])

    def test_stat_and_diff(self):
        a = self.x.stat
        more = [Node(i) for i in range(50)]
        b = self.h.heap().stat
        for st in (a, b - a):
            p = parsed(st._repr_html_())
            self.assertEqual(p.errors, [])
            self.assertTrue(p.tables)
        d = b - a
        p = parsed(d._repr_html_())
        summary = p.tables[0]
        self.assertEqual(summary[0], "Summary of difference operation (A-B).")
        self.assertEqual([_n(c) for c in summary[2][2][1:3]], [d.count, d.size])
        kinds = {r[-1]: _n(r[1]) for r in p.tables[1][2]}
        self.assertGreaterEqual(kinds.get(__name__ + ".Node", 0), 50)
        del more

    def test_top_paths_and_dominator_chain(self):
        s = self.h.iso(*self.nodes)
        for obj in (s.top(), s.top(3, suspects=False), self.h.iso(self.nodes[0]).sp,
                    self.h.iso(self.nodes[0]).sp.named, self.h.iso(self.nodes[0]).domchain):
            with self.subTest(what=type(obj).__name__):
                p = parsed(obj._repr_html_())
                self.assertEqual(p.errors, [])
                self.assertEqual(len(p.tables), 1)
                self.assertTrue(p.tables[0][2])
        named = parsed(self.h.iso(self.nodes[0]).sp.named._repr_html_()).tables[0][2][0][1]
        self.assertIn("Html.nodes[0]", named)
        t = parsed(s.top(1, suspects=False)._repr_html_()).tables[0][2][0]
        self.assertEqual(t[4], __name__ + ".Node")

    def test_escaping(self):
        class Evil:
            pass
        Evil.__qualname__ = Evil.__name__ = "<script>alert(1)</script>"
        keep = [Evil() for _ in range(3)]
        markup = self.h.iso(*keep)._repr_html_()
        self.assertNotIn("<script>", markup)
        self.assertEqual(parsed(markup).errors, [])

    def test_the_empty_set(self):
        p = parsed(self.h.Nothing._repr_html_())
        self.assertEqual(p.errors, [])
        self.assertEqual(p.notes, ["<Nothing>"])

    def test_renders_in_chromium(self):
        browser = chromium()
        if browser is None:
            self.skipTest("no Chromium here (CI installs it)")
        d = tempfile.mkdtemp(prefix="heapcore-display-")
        page = os.path.join(d, "cells.html")
        with open(page, "w", encoding="utf-8") as f:
            f.write("<!doctype html><html><head><meta charset='utf-8'></head><body>%s%s</body></html>"
                    % (self.x._repr_html_(), self.h.iso(*self.nodes).top()._repr_html_()))
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1000,900"]
        env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS")}
        dom = subprocess.run([browser] + flags + ["--dump-dom", "file://" + page], capture_output=True,
                             text=True, timeout=120, env=env).stdout
        self.assertEqual(dom.count("<table"), 2)
        self.assertEqual(dom.count("<tr>"), len(parsed(self.x._repr_html_()).tables[0][2]) + 1
                         + len(parsed(self.h.iso(*self.nodes).top()._repr_html_()).tables[0][2]) + 1)
        shot = os.path.join(os.environ.get("HEAPCORE_TEST_OUTPUT", d), "heapcore-display-%d.png" % os.getpid())
        subprocess.run([browser] + flags + ["--screenshot=" + shot, "file://" + page], capture_output=True,
                       timeout=120, env=env)
        with open(shot, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")


IPYTHON_SESSION = textwrap.dedent("""
    import json, sys
    from IPython.core.interactiveshell import InteractiveShell
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "heapcore")
    x = ip.run_line_magic("heap", "")
    data, _ = ip.display_formatter.format(x)
    bytype = ip.run_line_magic("heap", "type")
    ip.run_line_magic("heapdiff", "")
    new = ip.run_line_magic("heapdiff", "made = [bytearray(100) for _ in range(700)]")
    rows = {r[1]: r[2] for r in new.bytype._partition()}
    ip.user_ns["more_made"] = [bytearray(10) for _ in range(300)]
    since = ip.run_line_magic("heapdiff", "")
    rows2 = {r[1]: r[2] for r in since.bytype._partition()}
    print(json.dumps({"plain": data["text/plain"], "str": str(x), "html": "text/html" in data,
                      "html_rows": data.get("text/html", "").count("<tr>"),
                      "bytype": str(bytype).splitlines()[1], "made": rows.get("bytearray", 0),
                      "since": rows2.get("bytearray", 0), "doc": ip.find_line_magic("heapdiff").__doc__}))
""")


def ipython_session(python):
    """The session's findings as a dict, or None if `python` has no IPython."""
    import json
    r = subprocess.run([python, "-c", "import IPython"], capture_output=True)
    if r.returncode != 0:
        return None
    r = subprocess.run([python, "-c", IPYTHON_SESSION], capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise AssertionError("the IPython session failed:\n" + r.stderr[-3000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


class IPython(unittest.TestCase):
    def test_display_and_magics(self):
        found = ipython_session(sys.executable)
        if found is None:
            self.skipTest("IPython is not installed for %s" % sys.executable)
        self.assertEqual(found["plain"], found["str"])   # the text, one page, with "_.more"
        self.assertTrue(found["html"])
        self.assertGreater(found["html_rows"], 10)
        self.assertIn("Type", found["bytype"])
        self.assertEqual(found["made"], 700)             # %heapdiff STATEMENT: what it left
        self.assertEqual(found["since"], 300)            # %heapdiff: what is new since the last
        self.assertIn("%heapdiff STATEMENT", found["doc"])


if __name__ == "__main__":
    unittest.main()
