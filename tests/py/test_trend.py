"""Watching a process over time: run --every (with --fork, --keep), attach --every, run
--on-signal --fork, heapcore trend (names the kind that grows, not those that fluctuate,
and who holds its new objects), heapcore html --trend (line charts, inline SVG, checked in
headless Chromium when it is installed)."""
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

import heapcore
from heapcore import _engine, _internal

from test_cli import chromium


def cli(*args, timeout=180):
    return subprocess.run([sys.executable, "-m", "heapcore"] + list(args), capture_output=True, text=True,
                          timeout=timeout)


class Grows:
    def __init__(self, i):
        self.payload = bytearray(100 + i % 7)


class Fluctuates:
    pass


class Trend(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="heapcore-trend-")
        # six snapshots: Grows gains 150 each time, held by a list and a dict; Fluctuates goes
        # down and up (more at the end than at the start, but up in 2 of the 5 intervals)
        global grows_list, grows_index, fluct
        grows_list, grows_index, fluct = [], {}, []
        sizes = [300, 100, 800, 50, 700, 400]
        h = heapcore.hpy()
        cls.files = []
        for n in range(6):
            for i in range(150):
                g = Grows(i)
                grows_list.append(g)
                grows_index[len(grows_index)] = g
            del g
            fluct[:] = [Fluctuates() for _ in range(sizes[n])]
            path = os.path.join(cls.dir, "series-%d.hcsnap" % (n + 1))
            h.dump(path)
            cls.files.append(path)
        del grows_list[:], fluct[:]
        grows_index.clear()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, True)

    def test_trend_names_the_grower_and_who_holds_it(self):
        shuffled = list(self.files)
        random.Random(3).shuffle(shuffled)  # ordered by when each was taken, then by number
        r = cli("trend", "-q", *shuffled)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout
        self.assertIn("6 snapshots", out)
        self.assertIn("(5 intervals)", out)
        growers = out.split("Kinds that grew in most intervals")[1].split("\n\n")[0]
        kinds = [line[86:] for line in growers.splitlines()[2:]]
        mod = Grows.__module__
        self.assertEqual(kinds[0], mod + ".Grows", out)
        self.assertNotIn(mod + ".Fluctuates", kinds)
        row = [line for line in growers.splitlines() if line.endswith(" %s.Grows" % mod)][0]
        self.assertIn("150 -> 900", row)
        self.assertIn("5/5/5", row)
        self.assertIn("The biggest grower: %s.Grows, +750 objects" % mod, out)
        self.assertIn("750 of them by %s.grows_list (list)" % mod, out)
        self.assertIn("750 of them by %s.grows_index (dict (no owner))" % mod, out)
        self.assertIn("Their accumulation point (its dominator subtree holds 100 %% of them): %s.__dict__" % mod, out)

    def test_trend_needs_two_files(self):
        r = cli("trend", self.files[0])
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("a trend needs two snapshot files or more", r.stderr)

    def test_html_trend_draws_the_growers(self):
        out = os.path.join(self.dir, "trend.html")
        r = cli("html", "--trend", *self.files, "-o", out, "--title", "trend test")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, encoding="utf-8") as f:
            page = f.read()
        self.assertNotRegex(page, r"(src|href)=\"(https?:)?//")  # self-contained
        self.assertEqual(page.count("<svg"), 4)  # the heap, and the growers' size, retained, count
        for what in ("The whole heap: size", "Growers: size, change", "Growers: retained size, change",
                     "Growers: count, change",
                     "Grows", "grows_list", "Their accumulation point"):
            self.assertIn(what, page)
        self.assertNotIn("Fluctuates", page.split('id="growers"')[1])
        # the growers' count chart: Grows's line rises at every point
        count_chart = page.split('aria-label="Growers: count, change since the first snapshot"')[1].split("</svg>")[0]
        first = re.search(r'<polyline [^>]*points="([^"]+)"', count_chart).group(1)
        ys = [float(p.split(",")[1]) for p in first.split()]
        self.assertEqual(len(ys), 6)
        self.assertTrue(all(b < a for a, b in zip(ys, ys[1:])), ys)  # SVG y grows downwards
        browser = chromium()
        if browser is None:
            self.skipTest("no Chromium here (CI installs it)")
        env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS")}
        shot_dir = os.environ.get("HEAPCORE_TEST_OUTPUT", tempfile.gettempdir())
        shot = os.path.join(shot_dir, "heapcore-trend-%d.png" % os.getpid())
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=900,1400"]
        subprocess.run([browser] + flags + ["--screenshot=" + shot, "file://" + out], capture_output=True,
                       timeout=120, env=env)
        with open(shot, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        sys.stderr.write("\n[trend screenshot: %s] " % shot)


PROGRAM = textwrap.dedent('''
    import os, signal, sys, time
    class Leak:
        pass
    leaks = []
    if sys.argv[1:] == ["signal"]:
        leaks.extend(Leak() for _ in range(321))
        os.kill(os.getpid(), signal.SIGUSR1)
        time.sleep(0.5)  # the handler runs; the forked worker writes the file meanwhile
        sys.exit(0)
    end = time.time() + 120
    while time.time() < end and not os.path.exists(sys.argv[1]):  # until that snapshot is written
        leaks.append(Leak())
        time.sleep(0.001)
''')


class Watch(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="heapcore-watch-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.script = os.path.join(self.dir, "prog.py")
        with open(self.script, "w") as f:
            f.write(PROGRAM)

    def test_run_every_with_fork_keeps_the_last(self):
        out = os.path.join(self.dir, "w.hcsnap")
        r = cli("run", "--every", "0.25", "--fork", "--keep", "3", "-o", out, self.script,
                os.path.join(self.dir, "w-6.hcsnap"))
        self.assertEqual(r.returncode, 0, r.stderr)
        written = re.findall(r"heapcore: every 0.25 s: wrote (\S+) .* paused \d+ ms for the fork", r.stderr)
        self.assertGreaterEqual(len(written), 5, r.stderr)
        self.assertEqual(written[0], os.path.join(self.dir, "w-1.hcsnap"))
        # the last three, up to w-6, on which the program ends (it may exit before w-6's
        # message, and before --keep counts it: then four)
        kept = sorted((f for f in os.listdir(self.dir) if f.endswith(".hcsnap")), key=lambda f: int(f[2:-7]))
        numbers = [int(f[2:-7]) for f in kept]
        self.assertIn(numbers, ([4, 5, 6], [3, 4, 5, 6]), r.stderr)
        kept = kept[-3:]
        counts = [heapcore.load(os.path.join(self.dir, f)).count for f in sorted(kept, key=lambda f: int(f[2:-7]))]
        self.assertEqual(len(counts), 3)
        r = cli("trend", "-q", *[os.path.join(self.dir, f) for f in kept])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("The biggest grower: __main__.Leak", r.stdout)

    def test_run_on_signal_with_fork(self):
        out = os.path.join(self.dir, "s.hcsnap")
        r = cli("run", "--on-signal", "USR1", "--fork", "-o", out, self.script, "signal")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr, r"heapcore: on SIGUSR1: wrote .*s\.hcsnap \(\d+\.\d MB\) in [\d.]+ s; paused")
        rows = {row[1]: row[2] for row in _internal.engine_set(heapcore.load(out)).partition(_engine.BY_CLODO)}
        self.assertEqual(rows.get("__main__.Leak"), 321)

    @unittest.skipUnless(sys.platform.startswith("linux"), "attach is Linux-only")
    def test_attach_every(self):
        child = os.path.join(self.dir, "child.py")
        with open(child, "w") as f:
            f.write("import sys, time\nclass Marker: pass\nm = [Marker() for _ in range(77)]\n"
                    "print('ready', flush=True)\ntime.sleep(60)\n")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        p = subprocess.Popen([sys.executable, child], stdout=subprocess.PIPE, text=True, env=env)
        self.addCleanup(lambda: (p.kill(), p.wait(), p.stdout.close()))
        self.assertEqual(p.stdout.readline().strip(), "ready")
        out = os.path.join(self.dir, "a-{n}.hcsnap")
        r = cli("attach", str(p.pid), "-o", out, "--every", "0.2", "--count", "3", "--keep", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr.count("paused"), 3, r.stderr)
        self.assertEqual(sorted(f for f in os.listdir(self.dir) if f.endswith(".hcsnap")),
                         ["a-2.hcsnap", "a-3.hcsnap"])
        y = heapcore.load(os.path.join(self.dir, "a-3.hcsnap"))
        self.assertIn("__main__.Marker", [row[1] for row in _internal.engine_set(y).partition(_engine.BY_CLODO)])
        self.assertIsNone(p.poll())


if __name__ == "__main__":
    unittest.main()
