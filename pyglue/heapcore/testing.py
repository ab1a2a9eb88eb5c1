"""Leak checks for test suites: does an operation leave objects behind each time it runs?

    >>> from heapcore.testing import assert_no_leaks, no_leaks
    >>> assert_no_leaks(lambda: parse(data))        # raises LeakError with a report
    >>> class T(unittest.TestCase):
    ...     @no_leaks(repeat=5, warmup=2)
    ...     def test_parse(self): parse(data)

The operation runs `warmup` times, then `repeat` times with a count of the heap by type after
each run (as CPython's own refleak hunting, ``-R``, counts references after each run).  A type
leaks when its objects' count or size rose in every one of the repetitions: a cache filled
once, strings interned once, a list grown once or a dict resized now and then rise in some
runs at most, so they pass.  Objects alive only in garbage cycles (no root reaches them; the
collector frees them) are not counted.  As soon as no type has grown in every repetition so
far, the check stops: the runs left cannot change the verdict.

A failure names the types that grew, by objects and bytes per repetition, shows the objects
the repetitions left behind (new since the first count, still alive) as a partition table,
the older objects holding them, with their named paths, and their accumulation point in the
dominator tree: the object to look at.

The counts are heapcore walks of the whole heap: nothing of the program is run or created
but the operation itself (the objects of the check are heapcore's own, and never counted).
Other threads that allocate while the check runs make noise: run leak checks alone.
"""
import functools

from . import _display, _engine, _format, _names, _trend
from ._internal import NOT_SHOWN, engine_set, hide, rows
from ._kinds import Module, Type
from ._sets import IdentitySet

__all__ = ["assert_no_leaks", "check_leaks", "no_leaks", "LeakError", "LeakReport"]

_COUNTED = NOT_SHOWN | _engine.NODE_UNREACH  # heapcore's own, and garbage cycles: not counted
HOLDERS = 3  # the older objects holding the leaked ones, named in a report


class LeakError(AssertionError):
    """The operation leaks: ``.report`` is the LeakReport (``str(error)`` is its text)."""

    def __init__(self, report):
        AssertionError.__init__(self, str(report))
        self.report = report


class LeakReport:
    """What a leak check found.  ``leaks``: [(type name, objects per repetition, bytes per
    repetition)] of the types that grew in every repetition (largest first), after `ignore`,
    `ignore_modules` and `threshold`; empty (and the report false) if none.  ``runs``: the
    repetitions run (fewer than asked when the verdict was known early); ``bytes_per_run``:
    the leak's bytes per repetition, all types together.  ``left``: the heap set of the
    objects the repetitions left behind, of those types (None without a leak)."""

    __slots__ = ("leaks", "runs", "repeat", "warmup", "left", "ignored", "_details")

    def __init__(self, leaks, runs, repeat, warmup, left=None, details=(), ignored=()):
        self.leaks, self.runs, self.repeat, self.warmup = leaks, runs, repeat, warmup
        self.left, self._details, self.ignored = left, list(details), list(ignored)

    def __bool__(self):
        return bool(self.leaks)

    @property
    def bytes_per_run(self):
        return sum(b for _, _, b in self.leaks)

    @property
    def objects_per_run(self):
        return sum(c for _, c, _ in self.leaks)

    def __str__(self):
        runs = "%d of %d repetitions run, after %s" % (self.runs, self.repeat, _plural(self.warmup, "warm-up run"))
        if not self.leaks:
            if self.ignored:
                return "heapcore: no leak but what is ignored (%s): %s grew in every repetition." % (
                    runs, ", ".join(self.ignored))
            return "heapcore: no leak: no type grew in every repetition (%s)." % runs
        lines = ["heapcore: the operation leaks %s, %s per repetition: %s grew in every one of %d repetitions "
                 "(after %s)." % (_plural(self.objects_per_run, "object"), _format.bytes_text(round(self.bytes_per_run)),
                                  _plural(len(self.leaks), "type"), self.runs, _plural(self.warmup, "warm-up run")),
                 " Objects/rep  Bytes/rep Type"]
        for name, count, nbytes in self.leaks:
            lines.append(" %11s %10s %s" % (_num(count), _num(nbytes), name))
        if self.ignored:
            lines.append("Ignored (grew in every repetition too): %s." % ", ".join(self.ignored))
        lines.extend(self._details)
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        return _display.pre(str(self))


def _plural(n, what):
    return "%s %s%s" % (_num(n), what, "" if n == 1 else "s")


def _num(v):
    """A figure per repetition: an int as itself, a fraction to one decimal."""
    return "{:,}".format(int(v)) if v == int(v) else "{:,.1f}".format(v)


def _counts(snap):
    """{type name: [count, size]} of the objects of engine Snapshot snap that a root reaches
    (heapcore's own excluded); two classes of one name are one type here."""
    out = {}
    for _, name, count, size in snap.select(0, _COUNTED).partition(_engine.BY_TYPE):
        c = out.setdefault(name, [0, 0])
        c[0] += count
        c[1] += size
    return out


def _type_names(kinds):
    names = set()
    for k in kinds:
        if isinstance(k, type):
            names.add(_engine.type_name(k))
        elif isinstance(k, str):
            names.add(k)
        else:
            raise TypeError("ignore= takes classes and type names, not %s" % type(k).__name__)
    return names


def _in_modules(name, modules):
    return any(name.startswith(m + ".") for m in modules)


def check_leaks(op, repeat=5, warmup=2, ignore=(), ignore_modules=(), threshold=0):
    """Run op() `warmup` times, then up to `repeat` times counting the heap by type after each
    run; return the LeakReport (true if something leaks).

    ignore: classes or type names not to report ("dict", MyCache).  ignore_modules: module
    names (a package includes its submodules) whose classes' instances are not reported, nor
    objects a module holds alone (in its dominator subtree: its caches).  threshold: bytes per
    repetition, all leaking types together, that still pass."""
    if not callable(op):
        raise TypeError("check_leaks() takes a callable, not %s" % type(op).__name__)
    if not isinstance(repeat, int) or repeat < 1:
        raise ValueError("repeat must be an int >= 1")
    if not isinstance(warmup, int) or warmup < 0:
        raise ValueError("warmup must be an int >= 0")
    if isinstance(ignore_modules, str):
        ignore_modules = (ignore_modules,)
    ignored_types = _type_names((ignore,) if isinstance(ignore, (str, type)) else ignore)
    modules = tuple(ignore_modules)
    for _ in range(warmup):
        op()
    extra = (op,)  # what only the operation holds (a partial's list) is the program's, not ours
    first = _engine.snapshot(extra, 0)  # the report's "before", kept while a type may leak
    before = _counts(first)
    counts = [before]
    growing = None
    runs = 0
    last = None
    while runs < repeat:
        op()
        runs += 1
        last = _engine.snapshot(extra, 0) if runs == repeat else _engine.census(extra)
        now = _counts(last)
        prev = counts[-1]
        grew = {k for k, (c, s) in now.items() if c > prev.get(k, (0, 0))[0] or s > prev.get(k, (0, 0))[1]}
        growing = grew if growing is None else growing & grew
        counts.append(now)
        if not growing:
            return LeakReport([], runs, repeat, warmup)
    end = counts[-1]
    per = []
    for name in growing:
        c0, s0 = before.get(name, (0, 0))
        c1, s1 = end[name]
        per.append((name, (c1 - c0) / runs, (s1 - s0) / runs))
    per.sort(key=lambda r: (-r[2], -r[1], r[0]))
    ignored = ["%s" % p[0] for p in per if p[0] in ignored_types or _in_modules(p[0], modules)]
    per = [p for p in per if p[0] not in ignored]
    old = IdentitySet(first.select(0, _COUNTED), "clodo")
    new = IdentitySet(last.select(0, _COUNTED), "clodo")
    left = _left_behind(old, new, [p[0] for p in per])
    if (ignored_types or modules) and left.count:
        left, per, dropped = _without_ignored(new, left, per, ignored_types, modules)
        ignored.extend(dropped)
    if not per or sum(b for _, _, b in per) <= threshold:
        ignored.extend("%s (under the threshold)" % p[0] for p in per)
        return LeakReport([], runs, repeat, warmup, ignored=ignored)
    return LeakReport(per, runs, repeat, warmup, left, _details(left), ignored=ignored)


def _left_behind(old, new, names):
    """The objects of new not in old (matched by address and type, allocations since old seen)
    of the types named, by class or dict of class: what the repetitions left behind."""
    grown = new - old
    part = grown.by("type")
    keep = grown - grown
    for i, row in enumerate(rows(part)):
        if row[1] in names:
            keep = keep | part[i]
    return keep.by("clodo")


def _ignored_kind(name, types, modules):
    """Is clodo kind `name` ignored: an ignored class, the dict of one, or of a module's class?"""
    base = name[len("dict of "):] if name.startswith("dict of ") else name
    return base in types or _in_modules(base, modules)


def _without_ignored(new, left, per, types, modules):
    """(left, per, dropped names) without the objects left behind that are of ignored kinds
    (by class or dict of class: on 3.10 an instance's __dict__ is a dict of its own) or that a
    module named holds alone (in the dominator subtree of the module or its __dict__); a type
    all of whose objects left behind are so is dropped, saying why."""
    part = left.by("clodo")
    of_kind = left - left
    for i, row in enumerate(rows(part)):
        if _ignored_kind(row[1], types, modules):
            of_kind = of_kind | part[i]
    held = left - left
    for name in modules:
        mod = new & Module(name)
        if mod.count:  # the module and its __dict__ (its functions' __globals__ reach that alone)
            held = held | (mod | (mod.referents & Type(dict))).dominos
    rest = left - of_kind - held
    counted = {row[1] for row in rows(rest.by("type"))} if rest.count else set()
    in_held = {row[1] for row in rows((left & held).by("type"))} if held.count else set()
    dropped = ["%s (held by %s)" % (p[0], ", ".join(modules)) if p[0] in in_held else "%s (of ignored classes)" % p[0]
               for p in per if p[0] not in counted]
    return rest, [p for p in per if p[0] in counted], dropped


def _details(left):
    """The report's lines about the objects left behind: their table, the older objects that
    hold them (named paths) and their accumulation point."""
    if left is None or not left.count:
        return ["(The objects left behind were not told apart from older ones at their addresses: "
                "CPython's free lists reuse them.)"]
    lines = ["The objects the repetitions left behind (new since the first count and still alive):"]
    lines.extend(str(left).splitlines())
    es = engine_set(left)
    snap = es.snapshot
    holders = es.referrers().op(es, _engine.OP_SUB)
    counted = []
    for r in holders.ids()[:_trend.MAX_REFERRERS]:
        counted.append((-snap.ids([r]).referents().op(es, _engine.OP_AND).count, r))
    counted.sort()
    top = counted[:HOLDERS]
    if top:
        lines.append("Held by (the objects outside this set that refer to most of them):")
        for (n, r), path in zip(top, _names.named_paths(snap, [r for _, r in top])):
            lines.append("  %s of them by %s" % (_num(-n), path))
    point = _trend.accumulation_point(snap, es.ids())
    if point is not None:
        node, share = point
        lines.append("Their accumulation point (its dominator subtree holds %d %% of them): %s, retaining %s."
                     % (share, _names.named_paths(snap, [node])[0], _format.bytes_text(snap.retained(node))))
    return lines


def assert_no_leaks(op, repeat=5, warmup=2, ignore=(), ignore_modules=(), threshold=0):
    """check_leaks(), raising LeakError (an AssertionError: a test failure) with the report if
    the operation leaks; returns the (false) report otherwise."""
    __tracebackhide__ = True  # pytest: the failure is the test's, not this frame's
    report = check_leaks(op, repeat, warmup, ignore, ignore_modules, threshold)
    if report:
        raise LeakError(report)
    return report


def no_leaks(func=None, *, repeat=5, warmup=2, ignore=(), ignore_modules=(), threshold=0, fixture=True):
    """Decorator: the test fails with a LeakError if its body leaks (assert_no_leaks over the
    body).  ``@no_leaks`` or ``@no_leaks(repeat=5, warmup=2, ...)``.  On a unittest.TestCase
    method, each run after the first gets a fresh fixture (tearDown, the cleanups, setUp), as
    when CPython reruns a test; fixture=False reruns the body alone."""
    def decorate(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            __tracebackhide__ = True
            case = args[0] if fixture and args and _is_test_case(args[0]) else None
            ran = []

            def op():
                if not ran:
                    ran.append(True)
                elif case is not None:
                    _fresh_fixture(case)
                f(*args, **kwargs)
            assert_no_leaks(op, repeat, warmup, ignore, ignore_modules, threshold)
        return wrapper
    return decorate(func) if func is not None else decorate


def _fresh_fixture(case):
    """tearDown, the cleanups (last added first), setUp, as a new run of the test would.  The
    cleanups are called here, not by doCleanups(): on 3.10 that records each successful call in
    the test's outcome, a list that would grow on every repetition.  An exception propagates:
    the test errors."""
    case.tearDown()
    cleanups = getattr(case, "_cleanups", None)
    if type(cleanups) is list:
        while cleanups:
            function, args, kwargs = cleanups.pop()
            function(*args, **kwargs)
    else:
        case.doCleanups()
    case.setUp()


def _is_test_case(obj):
    import unittest
    return isinstance(obj, unittest.TestCase)


hide(globals(), LeakReport, LeakError)
