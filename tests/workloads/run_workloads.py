#!/usr/bin/env python3
"""Real workloads: heapcore on the heaps CPython's own test suite leaves behind.

For each chosen stdlib test module (``test.test_dict``, ``test.test_asyncio.test_tasks``,
...) a child interpreter runs the module's tests in-process with unittest, then, in the same
process and on the heap those tests left (leftover threads, event loops, ctypes objects,
weakrefs, garbage cycles, ...), takes ``h.heap()`` and runs every classifier, the dominator
tree, retained sizes, ``top``, shortest paths, a dump + load round trip and a few
navigation calls, checking that the results agree with each other.  One child per module,
so a crash names its module, and the step it was in.

    PYTHONPATH=build/stage python3.12 tests/workloads/run_workloads.py            # the default set
    ... run_workloads.py test_dict test_asyncio.test_tasks 'test_unicode|test_str'
    ... run_workloads.py --python /path/to/python3.13 --json out.json -v

A module name may omit the ``test.`` prefix; ``a|b`` takes the first that exists on the
interpreter (modules moved between versions).  The tests' own results are recorded, not
judged.  A module passes when its child exits normally and every heapcore check held; it
fails on a crash (signal), a timeout, a Python exception from heapcore, or an inconsistency.
Prints one line per module and ``N passed, M failed``; the exit status is 1 if any failed.

With SANITIZERS non-empty in the environment (or --sanitizers), the children get the ASan
and UBSan runtimes preloaded as tests/py/run.sh does (the interpreter is not instrumented,
the extension is), and CC names the compiler that finds them.

Standard library only.  The parent needs no heapcore; only the children import it.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import types

# The default set: 37 modules (or a class of one, module.Class), chosen for varied heaps that
# build in a few seconds on 3.10-3.13; thesis-notes/hardening-workloads.md has the reasons and
# the timings.  'a|b': the first that exists (modules renamed or moved between versions).
DEFAULT_MODULES = [
    # containers and the object model
    "test_dict", "test_set", "test_deque", "test_collections", "test_array", "test_bytes",
    "test_unicode|test_str", "test_struct", "test_memoryio", "test_descr", "test_weakref",
    "test_gc", "test_exceptions",
    # classes, typing, functions, generators
    "test_enum", "test_dataclasses", "test_typing", "test_functools", "test_itertools",
    "test_contextlib", "test_generators", "test_coroutines", "test_inspect",
    # numbers, text, formats
    "test_decimal", "test_fractions", "test_statistics", "test_datetime", "test_re",
    "test_json", "test_pickle", "test_ast", "test_csv",
    # threads, event loops, C interop, a database
    "test_threading.ThreadTests", "test_threading_local",
    "test_asyncio.test_tasks.CTask_CFuture_Tests", "test_asyncio.test_locks",
    "test_ctypes", "test_sqlite3|test_sqlite",
]

# tracemalloc (for byprod) slows allocation-heavy tests 3-7x (test_statistics: 1.9 s -> 14 s;
# test_json's deep recursion on 3.13: 6 s -> over 200 s): with --tracemalloc auto (the
# default) these run without it, and byprod checks that it names no allocation site.
UNTRACED = {"test_set", "test_bytes", "test_unicode|test_str", "test_weakref", "test_itertools",
            "test_decimal", "test_statistics", "test_datetime", "test_pickle", "test_json"}

# What each test run is allowed to use (test.support.requires): nothing optional, so no
# network, no GUI, no cpu-heavy variants.
RESOURCES = []

TIMEOUT = 60  # seconds per module (its tests and the heapcore steps; 10 s is typical)


def qualify(name):
    """test_dict -> test.test_dict; test.x and other packages' tests (ctypes.test) as given."""
    return "test." + name if name.startswith("test_") else name


def short(name):
    return name[5:] if name.startswith("test.") else name


# ==== the child: run one module's tests, then heapcore on what they left ===================

class Child:
    """The heapcore steps on one process's heap after a test module ran."""

    def __init__(self, progress_fd, result_path, tmpdir, use_tracemalloc):
        self.progress_fd = progress_fd
        self.result_path = result_path
        self.tmpdir = tmpdir
        self.use_tracemalloc = use_tracemalloc
        self.times = {}
        self.problems = []   # (step, text): inconsistencies and exceptions: the module fails
        self.notes = []      # (step, text): worth a look, not a failure
        self.info = {}
        self.via_rows = None

    # -- bookkeeping ------------------------------------------------------------------------
    def mark(self, text):
        os.write(self.progress_fd, (text + "\n").encode("utf-8", "replace"))

    def problem(self, step, text):
        self.problems.append((step, text))
        print("PROBLEM [%s] %s" % (step, text), file=sys.stderr, flush=True)

    def note(self, step, text):
        self.notes.append((step, text))

    def check(self, step, cond, text):
        if not cond:
            self.problem(step, text)
        return cond

    def step(self, name, fn, *args):
        """Run one step, timed; an exception is a problem (with its traceback)."""
        import traceback
        self.mark("step " + name)
        t0 = time.perf_counter()
        try:
            return fn(*args)
        except Exception:
            self.problem(name, "exception:\n" + traceback.format_exc())
            return None
        finally:
            self.times[name] = round(self.times.get(name, 0) + time.perf_counter() - t0, 4)
            self.save()

    def save(self):
        """The result so far (a crash or a timeout keeps what was found before it)."""
        if self.result_path:
            tmp = self.result_path + ".tmp"
            with open(tmp, "w") as f:
                json.dump({"problems": self.problems, "notes": self.notes, "times": self.times,
                           "info": self.info}, f)
            os.replace(tmp, self.result_path)

    # -- running the tests ----------------------------------------------------------------
    def run_tests(self, spec):
        import importlib
        import importlib.util
        import io
        import unittest
        name = modname = None
        for alt in spec.split("|"):
            alt = qualify(alt)
            try:
                if importlib.util.find_spec(alt) is not None:
                    name = modname = alt
                    break
            except ImportError:
                pass
            # module.TestClass: the tests of one class
            head, _, attr = alt.rpartition(".")
            try:
                if head and importlib.util.find_spec(head) is not None and hasattr(importlib.import_module(head), attr):
                    name, modname = alt, head
                    break
            except ImportError:
                pass
        if name is None:
            self.problem("load", "none of %s exists on this interpreter" % spec)
            return None
        self.info["module"] = name
        try:
            from test import support
            support.use_resources = list(RESOURCES)
            support.verbose = 0
        except Exception:
            pass
        self.mark("step tests")
        t0 = time.perf_counter()
        stream = io.StringIO()
        try:
            suite = unittest.defaultTestLoader.loadTestsFromName(name)
            result = unittest.TextTestRunner(stream=stream, verbosity=0).run(suite)
        except BaseException as e:  # SystemExit, SkipTest at import, KeyboardInterrupt...
            import traceback
            self.problem("tests", "the test module could not run: %r\n%s" % (e, traceback.format_exc()))
            return None
        finally:
            self.times["tests"] = round(time.perf_counter() - t0, 4)
        self.info["tests"] = {
            "run": result.testsRun, "failures": len(result.failures), "errors": len(result.errors),
            "skipped": len(result.skipped), "xfail": len(result.expectedFailures),
            "xpass": len(result.unexpectedSuccesses)}
        bad = result.failures + result.errors
        if bad:
            self.info["tests"]["first_bad"] = [str(t) for t, _ in bad[:5]]
        del suite, result, stream
        return importlib.import_module(modname)

    # -- the heapcore steps ---------------------------------------------------------------
    def analyse(self, module):
        import heapcore
        from heapcore import _internal, hpy
        h = hpy()
        modname = module.__name__
        import threading
        self.info["threads"] = threading.active_count()

        x = self.step("heap", h.heap)
        if x is None:
            return
        self.info["count"], self.info["size"] = x.count, x.size
        self.mark("heap %d objects %d bytes" % (x.count, x.size))
        self.step("table", self.table, x)
        self.step("classify", self.classifiers, h, x, modname)
        self.step("rows", self.rows, x)
        self.step("dominators", self.dominators, x)
        self.step("sp", self.paths, h, x, module)
        path = os.path.join(self.tmpdir, "x.hcsnap")
        self.step("dump", x.dump, path)
        y = self.step("load", heapcore.load, path) if os.path.exists(path) else None
        if y is not None:
            self.info["file_bytes"] = os.path.getsize(path)
            self.step("loaded", self.loaded, h, x, y, modname)
            del y
        self.via_rows = None
        self.step("hdump", self.hdump, h, os.path.join(self.tmpdir, "h.hcsnap"))
        self.step("heapu", self.heapu, h)
        # Last, what hands back live objects (a fresh walk matched by address and type):
        # byid's briefs, byprod, x.nodes; then one more walk, which finds the heap intact.
        self.step("navigation", self.navigation, h, x, modname)
        self.step("byprod", self.byprod, x)
        self.step("nodes", self.nodes, x)
        self.step("rewalk", self.rewalk, h, x)

    def byprod(self, x):
        rows = self.sums("byprod", "byprod", x.byprod, x.count, x.size)
        traced = sum(r[2] for r in rows if not r[1].startswith("<"))
        self.info["traced"] = traced
        if self.use_tracemalloc:
            self.check("byprod", traced > 0, "byprod: no object has an allocation site")
        else:
            self.check("byprod", traced == 0, "byprod: %d objects have a site, tracemalloc was off" % traced)

    def rewalk(self, h, x):
        z = h.heap()
        self.sums("rewalk", "heap() again: bytype", z.bytype, z.count, z.size)
        self.info["rewalk_count"] = z.count  # not compared: the gc may have run since (test_json)

    def sums(self, step, what, p, count, size):
        """A partition's rows add up to its set: counts and sizes; it renders."""
        text = str(p)
        str(p.more)
        rows = p.stat.rows
        self.check(step, sum(r[2] for r in rows) == count and sum(r[3] for r in rows) == size,
                   "%s: rows add up to %d objects %d bytes, the set has %d objects %d bytes"
                   % (what, sum(r[2] for r in rows), sum(r[3] for r in rows), count, size))
        self.check(step, all(r[2] > 0 for r in rows), "%s: a row with no objects" % what)
        self.check(step, text.startswith("Partition of a set of %d object" % count) or count == 0,
                   "%s: the table's first line does not give the count: %r" % (what, text[:80]))
        return rows

    def table(self, x):
        text = str(x)
        self.check("table", text.startswith(
            "Partition of a set of %d objects. Total size = %d bytes." % (x.count, x.size)),
            "heap table header: %r" % text[:120])
        str(x.more)
        str(x.more.more)

    def classifiers(self, h, x, modname):
        names = ["type", "clodo", "rcs", "size", "module", "unity", "via", "idset"]
        rows = {}
        for name in names:
            t0 = time.perf_counter()
            self.mark("step classify " + name)
            try:
                p = getattr(x, "by" + name)
                rows[name] = self.sums("by" + name, "by" + name, p, x.count, x.size)
            except Exception:
                import traceback
                self.problem("by" + name, "exception:\n" + traceback.format_exc())
            self.times["by" + name] = round(time.perf_counter() - t0, 4)
        if "unity" in rows:
            self.check("byunity", len(rows["unity"]) == 1, "byunity has %d rows" % len(rows["unity"]))
        if "idset" in rows:
            self.check("byidset", len(rows["idset"]) == x.count,
                       "byidset has %d rows for %d objects" % (len(rows["idset"]), x.count))
        if "module" in rows:
            # One row per module object, named by __name__ (two module objects may share a
            # name, e.g. a test's fresh import), and the rest "~module".
            mods = sum(r[2] for r in rows["module"] if r[1] != "~module")
            self.info["modules"] = mods
            self.check("bymodule", mods >= 50, "bymodule finds only %d module objects" % mods)
            one = x & h.Module(modname)
            self.check("bymodule", one.count >= 1,
                       "h.Module(%r) selects %d objects" % (modname, one.count))
        if "type" in rows:
            self.check("bytype", str(x.by("Type")) == str(x.bytype), 'x.by("Type") differs from x.bytype')
            tnames = {r[1] for r in rows["type"]}
            for must in ("type", "dict", "str", "tuple", "function", "module"):
                self.check("bytype", must in tnames, "bytype has no %r row" % must)
        if "via" in rows:
            self.info["via_rows"] = len(rows["via"])
            self.via_rows = rows["via"]

    def rows(self, x):
        """Row sets: x[i] and chained partitions agree with the table."""
        bt = x.bytype
        rows = bt.stat.rows
        for i in range(min(4, len(rows))):
            r = bt[i]
            self.check("rows", (r.count, r.size) == (rows[i][2], rows[i][3]),
                       "bytype[%d] (%s) is %d objects %d bytes, its row says %d %d"
                       % (i, rows[i][1], r.count, r.size, rows[i][2], rows[i][3]))
            self.check("rows", r.kind == rows[i][1], "bytype[%d].kind %r, row %r" % (i, str(r.kind), rows[i][1]))
            self.sums("rows", "bytype[%d].byrcs" % i, r.byrcs, r.count, r.size)
            self.check("rows", r <= x, "bytype[%d] <= x is False" % i)
        if len(rows) >= 3:
            s = bt[0:3]
            self.check("rows", s.count == sum(r[2] for r in rows[:3]), "bytype[0:3] count")
        total = x.bytype[0] | x.bytype[1] if len(rows) > 1 else x.bytype[0]
        self.check("rows", (x - total).count == x.count - total.count, "x - (row0|row1) count")
        self.check("rows", (x ^ x).count == 0 and (x & x) == x, "x ^ x / x & x")

    def dominators(self, x):
        t0 = time.perf_counter()
        d = x.domisize
        self.times["domtree"] = round(time.perf_counter() - t0, 4)
        self.info["domisize"] = d
        # Everything goes if the whole heap does: its retained size is its size.
        dom = x.dominos
        if not self.check("dominators", d == x.size, "x.domisize %d != x.size %d" % (d, x.size)):
            out = x - dom
            self.problem("dominators", "%d objects (%d bytes) of the heap are not in x.dominos; by type:\n%s"
                         % (out.count, out.size, out.bytype))
        self.check("dominators", dom.size == d, "x.dominos.size %d != x.domisize %d" % (dom.size, d))
        from heapcore import _internal
        ret = x.bytype.retained
        text = str(ret)
        rows = ret.stat.rows
        full = _internal.rows(ret)
        bad = [r for r in full if r[4] < r[3]]
        self.check("retained", not bad, "retained < size for rows %s" % [(r[1], r[3], r[4]) for r in bad[:5]])
        self.check("retained", all(full[i][4] >= full[i + 1][4] for i in range(len(full) - 1)),
                   "x.bytype.retained is not sorted by retained size")
        self.check("retained", sum(r[2] for r in rows) == x.count, "retained rows' counts")
        str(x.byclodo.retained)
        top = x.top(5, suspects=False)  # the largest retained sizes: each checked against domisize
        text = str(top)
        suspects = x.top(5)
        str(suspects)
        for i, g in enumerate(suspects.suspects):  # a suspect (or an alike group) weighs what its members retain
            got = sum(_internal.snapshot(x).retained(m) for m in g["ids"])
            self.check("top", got == g["weight"], "suspect %d weighs %d, its members retain %d" % (i, g["weight"], got))
        self.check("top", len(top) == min(5, x.count), "x.top(5) has %d rows" % len(top))
        rets = [r[1] for r in top.rows]
        self.check("top", rets == sorted(rets, reverse=True), "top(5) not sorted: %s" % rets)
        for i in range(len(top)):
            one = top[i]
            self.check("top", one.count == 1 and one.domisize == rets[i],
                       "top[%d]: %d objects, domisize %d, top says %d" % (i, one.count, one.domisize, rets[i]))
            self.check("top", one.dominos.size == rets[i], "top[%d].dominos.size" % i)
        self.info["top"] = text.splitlines()[2:4]
        return text

    def eval_path(self, step, h, what, s, obj):
        """s.sp renders; its first path, evaluated from h.Root, is obj again."""
        sp = s.sp
        text = str(sp)
        str(sp.more)
        if not self.check(step, len(sp) >= 1, "%s: no shortest path (%r)" % (what, text[:200])):
            return text
        if obj is None:
            return text
        p = str(sp[0])
        if not p.startswith("%s."):
            self.check(step, False, "%s: its path is not from a root: %s" % (what, p))
            return text
        try:
            got = eval(p % "R", {"R": h.Root})
        except Exception as e:
            # Frames and some C-only holders cannot be evaluated back: note it.
            self.note(step, "%s: path %s does not evaluate: %r" % (what, p, e))
            return text
        if got is not obj:
            # A path through a leftover thread's changing state could move; a module or a
            # class path should not.
            self.check(step, False, "%s: path %s evaluates to %r" % (what, p, type(got)))
        return text

    def paths(self, h, x, module):
        modname = module.__name__
        out = {}
        out["module"] = self.eval_path("sp", h, "module " + modname, x & h.Module(modname), module)
        # A class of the test module, the first in its namespace, and its instances.
        cls = None
        # (a package's classes are in its submodules: test_json, test_ctypes, test_sqlite3)
        for mod in [module] + [m for n, m in sorted(sys.modules.items()) if n.startswith(modname + ".")]:
            for v in list(vars(mod).values()):
                if isinstance(v, type) and v.__module__ == mod.__name__:
                    cls = v
                    break
            if cls is not None:
                break
        if cls is not None:
            one = x & h.iso(cls)
            if self.check("sp", one.count == 1, "class %s: x & h.iso(cls) has %d objects" % (cls.__qualname__, one.count)):
                out["class"] = self.eval_path("sp", h, "class " + cls.__qualname__, one, cls)
                str(one.domchain)
                str(one.rp)
            inst = x & h.Type(cls)
            self.info["instances_left"] = inst.count
            if inst.count:
                str(inst.sp)
        # The objects retaining most, and the largest of the largest row.
        top = x.top(3)
        for i in range(len(top)):
            str(top[i].sp)
        big = x.byclodo[0].bysize[0]
        str(big.sp)
        first = big.byidset[0]
        self.check("sp", first.count == 1, "byidset[0] has %d objects" % first.count)
        out["largest"] = str(first.sp)
        self.info["sp"] = out

    def navigation(self, h, x, modname):
        m = x & h.Module(modname)
        r = m.referrers
        str(r.kind)
        self.check("navigation", r.count >= 1, "module %s has no referrers" % modname)
        e = m.referents
        str(e.byclodo)
        self.check("navigation", e.count >= 1, "module %s has no referents" % modname)
        str(m.byid)
        str(m.idom)
        str(x.byclodo[1].byid)
        m.dot(limit=3)

    def heapu(self, h):
        u = h.heapu()
        self.sums("heapu", "h.heapu()", u, u.count, u.size)
        self.info["unreachable"] = u.count

    def nodes(self, x):
        """x.nodes gives back the live objects (those freed since are left out)."""
        t = x.bytype
        rows = t.stat.rows
        for i, r in enumerate(rows[:12]):
            if r[1] in ("type", "module", "function"):
                got = t[i].nodes
                self.check("nodes", len(got) <= r[2], "%s row: %d nodes for %d objects" % (r[1], len(got), r[2]))
                want = {"type": type, "module": types.ModuleType, "function": types.FunctionType}[r[1]]
                self.check("nodes", all(type(o) is want for o in got), "%s row: nodes of other types" % r[1])
                if len(got) < r[2] * 0.9:
                    self.note("nodes", "%s row: only %d of %d found alive" % (r[1], len(got), r[2]))
                del got
        everything = x.nodes
        n = len(everything)
        del everything
        self.info["nodes"] = n
        self.check("nodes", n <= x.count, "x.nodes gives %d objects for %d" % (n, x.count))
        if n < x.count * 0.5:
            self.note("nodes", "x.nodes found only %d of %d alive" % (n, x.count))

    def loaded(self, h, x, y, modname):
        self.check("load", y.loaded, "y.loaded is False")
        self.check("load", (y.count, y.size) == (x.count, x.size),
                   "loaded %d objects %d bytes, dumped %d objects %d bytes" % (y.count, y.size, x.count, x.size))
        self.check("load", str(y.bytype) == str(x.bytype), "str(y.bytype) != str(x.bytype)")
        for name in ("type", "clodo", "rcs", "size", "module", "unity"):
            a, b = getattr(x, "by" + name).stat.rows, getattr(y, "by" + name).stat.rows
            if [r[1:] for r in a] != [r[1:] for r in b]:
                diff = [(p[1:], q[1:]) for p, q in zip(a, b) if p[1:] != q[1:]][:3]
                self.problem("load", "by%s rows differ after load (%d vs %d rows), first: %s"
                             % (name, len(a), len(b), diff))
        self.sums("load", "y.byvia", y.byvia, y.count, y.size)
        # Known difference: a file keeps one label per edge, while live byvia lists every
        # name a referrer has for its target (staticmethod .__func__ and .__wrapped__ are one
        # field; a metaclass's .__base__ and .__class__ one edge): noted, not judged.
        xv = set(r[1:] for r in (self.via_rows if self.via_rows is not None else x.byvia.stat.rows))
        yv = set(r[1:] for r in y.byvia.stat.rows)
        if xv != yv:
            self.info["via_file_differs"] = sum(r[1] for r in xv - yv)
            self.note("load", "byvia of the file differs from the live one for %d objects (%d rows of %d)"
                      % (sum(r[1] for r in xv - yv), len(xv - yv), len(xv)))
        self.check("load", y.domisize == x.domisize, "y.domisize %d != x.domisize %d" % (y.domisize, x.domisize))
        self.check("load", str(y.bytype.retained) == str(x.bytype.retained), "retained tables differ after load")
        self.check("load", y.top(5).rows == x.top(5).rows, "top(5) differs after load")
        str(y.top(5))
        self.check("load", (x - y).count == 0 and (y - x).count == 0,
                   "x - y has %d objects, y - x %d" % ((x - y).count, (y - x).count))
        self.check("load", y.diff(x).count == 0, "y.diff(x) is not empty")
        ym, xm = y & h.Module(modname), x & h.Module(modname)
        a, b = str(ym.sp), str(xm.sp)
        if a != b:
            self.note("load", "sp of the module differs: file %r, live %r" % (a[:200], b[:200]))
        str(y.bytype[0].byrcs)
        str(ym.rp)

    def hdump(self, h, path):
        """h.dump labels edges during the walk itself (another code path than x.dump)."""
        import heapcore
        h.dump(path)
        z = heapcore.load(path)
        self.sums("hdump", "h.dump: loaded byvia", z.byvia, z.count, z.size)
        self.sums("hdump", "h.dump: loaded byclodo", z.byclodo, z.count, z.size)
        self.check("hdump", z.domisize == z.size, "h.dump: domisize %d != size %d" % (z.domisize, z.size))


def child_main(args):
    import faulthandler
    progress_fd = os.open(args.progress, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    faulthandler.enable(all_threads=True)
    if args.timeout:
        # Show where a hang is, before the parent kills us.
        faulthandler.dump_traceback_later(max(args.timeout - 5, 1), exit=False)
    if args.child_tracemalloc:
        import tracemalloc
        tracemalloc.start(1)
    c = Child(progress_fd, args.result, os.getcwd(), args.child_tracemalloc)
    c.info["tracemalloc"] = args.child_tracemalloc
    c.mark("start")
    t0 = time.perf_counter()
    module = c.run_tests(args.child)
    faulthandler.cancel_dump_traceback_later()
    if args.timeout:
        faulthandler.dump_traceback_later(max(args.timeout - 5 - (time.perf_counter() - t0), 1), exit=False)
    if module is not None and not args.tests_only:
        c.analyse(module)
    c.mark("done")
    c.save()
    sys.stdout.flush()
    sys.stderr.flush()
    # Leftover non-daemon threads of the tests must not keep us alive.
    os._exit(1 if c.problems else 0)


# ==== the parent: one child per module ====================================================

def sanitizer_env(env):
    """As tests/py/run.sh: the ASan and UBSan runtimes preloaded into the interpreter."""
    cc = env.get("CC") or "cc"
    libs = []
    for lib in ("libasan.so", "libubsan.so"):
        out = subprocess.run(cc.split() + ["-print-file-name=" + lib], capture_output=True, text=True)
        libs.append(out.stdout.strip() or lib)
    env["LD_PRELOAD"] = " ".join(libs)
    env["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=1:allocator_may_return_null=1:" + env.get("ASAN_OPTIONS", "")
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:" + env.get("UBSAN_OPTIONS", "")
    return env


def signame(n):
    try:
        return signal.Signals(n).name
    except ValueError:
        return "signal %d" % n


def tail(path, n=40):
    try:
        with open(path, errors="replace") as f:
            return f.read().splitlines()[-n:]
    except OSError:
        return []


def mb(n):
    return "%.1f MB" % (n / 1e6)


def run_one(spec, args, env, base):
    work = tempfile.mkdtemp(prefix="wl-", dir=base)
    log = os.path.join(work, "output.log")
    progress = os.path.join(work, "progress")
    result = os.path.join(work, "result.json")
    cmd = [args.python, os.path.abspath(__file__), "--child", spec, "--progress", progress,
           "--result", result, "--timeout", str(args.timeout)]
    traced = args.tracemalloc == "on" or (args.tracemalloc == "auto" and spec not in UNTRACED)
    if traced:
        cmd.append("--child-tracemalloc")
    if args.tests_only:
        cmd.append("--tests-only")
    t0 = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        timed_out = False
        try:
            rc = proc.wait(args.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the child if it hangs, and what its tests left
        except (ProcessLookupError, PermissionError):
            pass
        rc = proc.wait()
    wall = time.perf_counter() - t0
    marks = tail(progress, 100000)
    steps = [l[5:] for l in marks if l.startswith("step ")]
    rec = {"module": spec, "rc": rc, "wall": round(wall, 2), "last_step": steps[-1] if steps else None,
           "marks": [m for m in marks if not m.startswith("step ")]}
    data = None
    if os.path.exists(result):
        with open(result) as f:
            data = json.load(f)
        rec.update(data)  # also what a child that crashed or hung had found before
    problems = (data or {}).get("problems", [])
    also = "; and %d problem(s) before: %s" % (len(problems), ", ".join(sorted({p[0] for p in problems}))) \
        if problems else ""
    if timed_out:
        rec["failure"] = "timeout after %ds in step %s%s" % (args.timeout, rec["last_step"], also)
    elif rc < 0:
        rec["failure"] = "crashed with %s in step %s%s" % (signame(-rc), rec["last_step"], also)
    elif "done" not in marks:
        rec["failure"] = "exited with status %d in step %s%s" % (rc, rec["last_step"], also)
    elif problems:
        rec["failure"] = "%d problem(s): %s" % (len(problems), ", ".join(sorted({p[0] for p in problems})))
    elif rc != 0:
        rec["failure"] = "exited with status %d" % rc
    if "failure" in rec:
        rec["log_tail"] = tail(log, 60)
        if args.gdb and rc < 0 and not timed_out and shutil.which("gdb"):
            try:
                g = subprocess.run(["gdb", "-batch", "-ex", "run", "-ex", "bt", "--args"] + cmd, cwd=work,
                                   env=env, capture_output=True, text=True, timeout=args.timeout * 3)
                out = (g.stdout + g.stderr).splitlines()
            except subprocess.TimeoutExpired:
                out = ["Thread: gdb did not finish in %ds" % (args.timeout * 3)]
            start = next((i for i, l in enumerate(out) if "received signal" in l), 0)
            rec["gdb"] = [l for l in out[start:] if l.startswith(("#", "Thread", "Program"))][:60]
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        rec["dir"] = work
    return rec


SLOW = 10.0  # seconds: a heapcore step this slow is pointed out (not judged: machines differ)

# The top-level heapcore steps (others are parts of these).
STEPS = ("heap", "table", "classify", "rows", "dominators", "sp", "dump", "load", "loaded", "hdump",
         "heapu", "navigation", "byprod", "nodes", "rewalk")


def line(rec):
    info = rec.get("info", {})
    t = rec.get("times", {})
    name = short(info.get("module", rec["module"]))
    head = "%-4s %-26s" % ("ok" if "failure" not in rec else "FAIL", name)
    parts = []
    if "count" in info:
        parts.append("%8d objects %9s" % (info["count"], mb(info["size"])))
    tests = info.get("tests")
    if tests:
        parts.append("tests %5.1fs%s (%d run, %d bad, %d skip)" % (
            t.get("tests", 0), "+tm" if info.get("tracemalloc") else "   ", tests["run"],
            tests["failures"] + tests["errors"], tests["skipped"]))
    keys = [("heap", "heap"), ("classify", "by*"), ("dominators", "dom"), ("sp", "sp"),
            ("dump", "dump"), ("load", "load"), ("byprod", "prod")]
    steps = " ".join("%s %.2f" % (label, t[k]) for k, label in keys if k in t)
    if steps:
        parts.append(steps + "  all %.1fs" % sum(v for k, v in t.items() if k in STEPS))
    parts.append("wall %.1fs" % rec["wall"])
    slow = ["%s %.0fs" % (k, v) for k, v in t.items() if k != "tests" and v >= SLOW]
    if slow:
        parts.append("SLOW: " + ", ".join(slow))
    out = head + " " + "  ".join(parts)
    if "failure" in rec:
        out += "\n     " + rec["failure"]
    return out


def parent_main(args):
    env = dict(os.environ)
    # The children run in temporary directories: the package path must not be relative.
    if env.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in env["PYTHONPATH"].split(os.pathsep) if p)
    env.pop("PYTHONSTARTUP", None)
    env["PYTHONFAULTHANDLER"] = "1"
    sanitized = bool(args.sanitizers or env.get("SANITIZERS"))
    if sanitized:
        env = sanitizer_env(env)
        args.timeout *= 2  # ASan+UBSan: the heapcore steps take about 1.5x as long
    probe = subprocess.run([args.python, "-c", "import sys, heapcore; print(sys.version.split()[0]); print(heapcore.__file__)"],
                           env=env, capture_output=True, text=True)
    if probe.returncode != 0:
        print("cannot import heapcore with %s (PYTHONPATH=%s):\n%s" % (args.python, env.get("PYTHONPATH", ""), probe.stderr))
        return 2
    version, where = probe.stdout.split()
    modules = args.modules or DEFAULT_MODULES
    print("Python %s (%s), heapcore from %s, %d modules, tracemalloc %s, timeout %ds%s" % (
        version, args.python, os.path.dirname(where), len(modules), args.tracemalloc,
        args.timeout, ", ASan+UBSan preloaded" if sanitized else ""), flush=True)
    base = tempfile.mkdtemp(prefix="heapcore-workloads-")
    records = []
    pool = None
    t0 = time.perf_counter()
    try:
        if args.jobs > 1:
            import concurrent.futures
            pool = concurrent.futures.ThreadPoolExecutor(args.jobs)
            futures = [pool.submit(run_one, spec, args, env, base) for spec in modules]
            results = (f.result() for f in futures)  # in order, as each is ready
        else:
            pool = None
            results = (run_one(spec, args, env, base) for spec in modules)
        for rec in results:
            records.append(rec)
            print(line(rec), flush=True)
            if "failure" in rec or args.verbose:
                for step, text in rec.get("problems", []):
                    print("     [%s] %s" % (step, text.replace("\n", "\n       ")))
                if args.verbose:
                    for step, text in rec.get("notes", []):
                        print("     note [%s] %s" % (step, text))
                if "failure" in rec and not (rec.get("problems") and rec["rc"] in (0, 1) and "done" in rec["marks"]):
                    print("     --- last lines of its output ---")
                    for l in rec.get("log_tail", []):
                        print("     | " + l)
                    for l in rec.get("gdb", []):
                        print("     gdb| " + l)
                sys.stdout.flush()
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True) if sys.version_info >= (3, 9) else pool.shutdown()
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    wall = time.perf_counter() - t0
    failed = [r for r in records if "failure" in r]
    passed = len(records) - len(failed)
    if args.json:
        with open(args.json, "w") as f:
            # passed/failed/skipped as the other suites' reports have them (tests/summarize.py)
            json.dump({"passed": passed, "failed": len(failed), "skipped": 0,
                       "failed_modules": [r["module"] for r in failed], "python": version,
                       "wall": round(wall, 1), "modules": records}, f, indent=1)
    if failed:
        print("failed: " + ", ".join(short(r.get("info", {}).get("module", r["module"])) for r in failed))
    print("%d passed, %d failed (%.0f s)" % (passed, len(failed), wall))
    return 1 if failed or not records else 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("modules", nargs="*", help="test modules (default: the built-in set); 'a|b' = first that exists")
    ap.add_argument("--python", default=sys.executable, help="the interpreter the children run (default: this one)")
    ap.add_argument("--timeout", type=int, default=TIMEOUT, help="seconds per module (default %(default)s; doubled under sanitizers)")
    ap.add_argument("-j", "--jobs", type=int, default=1, help="modules run at once (default 1)")
    ap.add_argument("--tracemalloc", choices=("auto", "on", "off"), default="auto",
                    help="trace allocations for byprod: in every module, none, or (auto, the default) "
                    "all but the allocation-heavy ones of UNTRACED")
    ap.add_argument("--sanitizers", action="store_true", help="preload ASan/UBSan as under SANITIZERS")
    ap.add_argument("--json", help="write every module's record (times, counts, problems) here")
    ap.add_argument("--gdb", action="store_true", help="rerun a crashed module under gdb for a backtrace")
    ap.add_argument("--keep", action="store_true", help="keep each module's directory (output, files)")
    ap.add_argument("--list", action="store_true", help="print the module set and exit")
    ap.add_argument("--tests-only", action="store_true", help="run the tests but no heapcore step (to time them)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every problem and note")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--progress", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    ap.add_argument("--child-tracemalloc", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return child_main(args)
    if args.list:
        print("\n".join(args.modules or DEFAULT_MODULES))
        return 0
    return parent_main(args)


if __name__ == "__main__":
    sys.exit(main())
