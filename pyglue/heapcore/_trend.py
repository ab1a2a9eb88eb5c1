"""``heapcore trend FILES...`` and ``heapcore html --trend FILES...``: which kinds grow over a
series of snapshots (``run --every``, ``attach --every``).

A kind is a grower when its count, size or retained size rose in most intervals (more than
half of them) and ends above where it started, by 1 % or more: a leak grows steadily, where a cache or a
queue goes up and down.  Growers are ranked by the retained bytes they gained, first
snapshot to last (then size, then count): the kind that keeps the rest alive comes before its
payload.  Kinds whose count grew come first (new objects keep coming), then those whose
size alone grew (the same objects got bigger: the list they are appended to), then those
whose retained size alone grew (the containers the growers are in).  For the biggest, from the last snapshot against the first (``new - old``: the
objects of the last not in the first, matched by address and type), who holds its new
objects: the objects referring to most of them, and their accumulation point (the deepest
object whose dominator subtree holds most of them), each with its named path.
"""
import os
import re

from . import _engine, _format, _names, _report
from ._internal import engine_set, hide, rows as _rows

METRICS = ("count", "size", "retained")
NOISE = 0.01  # a gain under 1 % of where the kind started is not growth (a few strs come and go)


class Series:
    """The per-kind figures of snapshot files, in time order.

    ``files``: [(path, created, count, size)]; ``kinds``: {name: [(count, size, retained)
    per file; (0, 0, 0) where the kind is absent]}; ``header``: the classifier's column
    name; ``first``, ``last``: the first and the last heap set."""

    __slots__ = ("files", "kinds", "header", "by", "first", "last")

    def __init__(self, files, kinds, header, by, first, last):
        self.files, self.kinds, self.header, self.by = files, kinds, header, by
        self.first, self.last = first, last

    def accumulation(self, name):
        """Lines: who holds the new objects of kind `name` (accumulation below)."""
        return accumulation(self.first, self.last, self.by, name)

    @property
    def intervals(self):
        return len(self.files) - 1

    def grew(self, name):
        """(intervals the count, the size, the retained size rose in)."""
        v = self.kinds[name]
        return tuple(sum(1 for i in range(1, len(v)) if v[i][m] > v[i - 1][m]) for m in range(3))

    def growers(self):
        """[(name, grew)] of the kinds that grew in most intervals and end higher: those whose
        count grew first (new objects keep coming), then those whose size alone grew (the
        same objects got bigger: a list), then those whose retained size alone grew (they
        hold growers); within each, the biggest gain in retained bytes first (then size,
        then count)."""
        out = []
        half = self.intervals / 2.0
        for name, v in self.kinds.items():
            g = self.grew(name)
            if any(g[m] > half and v[-1][m] - v[0][m] >= NOISE * v[0][m] and v[-1][m] > v[0][m] for m in range(3)):
                out.append((name, g))
        def rank(name, g):  # 0: its count grew (new objects), 1: its size alone, 2: its retained alone
            v = self.kinds[name]
            return next((m for m in (0, 1) if g[m] > half and v[-1][m] - v[0][m] >= NOISE * v[0][m]
                         and v[-1][m] > v[0][m]), 2)

        ranks = {name: rank(name, g) for name, g in out}
        out.sort(key=lambda r: (ranks[r[0]], -(self.kinds[r[0]][-1][2] - self.kinds[r[0]][0][2]),
                                -(self.kinds[r[0]][-1][1] - self.kinds[r[0]][0][1]),
                                -(self.kinds[r[0]][-1][0] - self.kinds[r[0]][0][0]), r[0]))
        return out


def _natural(path):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", os.path.basename(path))]


def order(sets):
    """[(path, set)] sorted by when each was taken (META created), then by name (numbers as
    numbers: snap-9 before snap-10)."""
    return sorted(sets, key=lambda ps: ((ps[1].meta or {}).get("created", ""), _natural(ps[0])))


def series(loaded, by="clodo"):
    """The Series of [(path, heap set)] (in any order)."""
    loaded = order(loaded)
    kinds = {}
    files = []
    header = None
    for i, (path, x) in enumerate(loaded):
        files.append((path, (x.meta or {}).get("created", ""), x.count, x.size))
        header = header or _report.header(x, by)
        for name, count, size, retained in _report.partition(x, by):
            key = _report.kind_key(header, name)
            row = kinds.setdefault(key, [(0, 0, 0)] * len(loaded))
            c, s, r = row[i]
            row[i] = (c + count, s + size, r + retained)
    return Series(files, kinds, header, by, loaded[0][1], loaded[-1][1])


def _arrow(a, b):
    return "{:,} -> {:,}".format(a, b)


def text(loaded, by="clodo", limit=10):
    """The trend command's report of [(path, heap set)]."""
    s = series(loaded, by)
    n = len(s.files)
    first, last = s.files[0], s.files[-1]
    lines = ["%d snapshots, %s to %s (%d interval%s); by %s." % (
        n, first[1] or os.path.basename(first[0]), last[1] or os.path.basename(last[0]), s.intervals,
        "" if s.intervals == 1 else "s", s.header[:1].lower() + s.header[1:]),
        "Total: {:,} -> {:,} objects, {:,} -> {:,} bytes.".format(first[2], last[2], first[3], last[3])]
    growers = s.growers()
    if not growers:
        lines.append("No kind grew in most intervals: nothing accumulates steadily.")
        return "\n".join(lines)
    lines.append("Kinds that grew in most intervals (grew: in how many of the %d the count, size, retained "
                 "size rose):" % s.intervals)
    lines.append(" %-24s %-24s %-24s %-9s %s" % ("Count", "Size", "Retained", "Grew", s.header))
    for name, g in growers[:limit]:
        v = s.kinds[name]
        lines.append(" %-24s %-24s %-24s %-9s %s" % (_arrow(v[0][0], v[-1][0]), _arrow(v[0][1], v[-1][1]),
                                                    _arrow(v[0][2], v[-1][2]), "%d/%d/%d" % g, name))
    if len(growers) > limit:
        lines.append(" <%d more growers>" % (len(growers) - limit))
    name = growers[0][0]
    v = s.kinds[name]
    lines.append("")
    lines.append("The biggest grower: %s, +{:,} objects, +{:,} bytes, +{:,} retained over the series.".format(
        v[-1][0] - v[0][0], v[-1][1] - v[0][1], v[-1][2] - v[0][2]) % name)
    lines.extend(s.accumulation(name))
    return "\n".join(lines)


def kind_set(x, by, name):
    """The row of x's partition by `by` named `name` (as a heap set), or None."""
    part = x.by(by)
    header = _report.header(x, by)
    for i, row in enumerate(_rows(part)):
        if _report.kind_key(header, row[1]) == name:
            return part[i]
    return None


def accumulation(old, new, by, name, holders=3):
    """Lines: who holds the objects of kind `name` new in `new` (not in `old`): the objects
    referring to most of them, and their accumulation point (the deepest object whose
    dominator subtree holds most of them), each with its named path."""
    grown = new - old
    mine = kind_set(grown, by, name) if grown.count else None
    if mine is None or not mine.count:
        return ["(None of its objects in the last snapshot are new since the first: the same objects grew.)"]
    es = engine_set(mine)
    snap = es.snapshot
    lines = ["Its %s new objects (%s) in the last snapshot are held by:" % (
        "{:,}".format(mine.count), _format.bytes_text(mine.size))]
    counted = []
    for r in es.referrers().ids()[:MAX_REFERRERS]:
        held = snap.ids([r]).referents().op(es, _engine.OP_AND).count
        counted.append((-held, r))
    counted.sort()
    top = counted[:holders]
    for (held, r), path in zip(top, _names.named_paths(snap, [r for _, r in top])):
        lines.append("  %s of them by %s" % ("{:,}".format(-held), path))
    point = accumulation_point(snap, es.ids())
    if point is not None:
        node, share = point
        lines.append("Their accumulation point (its dominator subtree holds %d %% of them): %s, retaining %s."
                     % (share, _names.named_paths(snap, [node])[0], _format.bytes_text(snap.retained(node))))
    return lines


MAX_REFERRERS = 200  # referrers counted
SAMPLE = 20000       # members whose dominator chains are followed


def accumulation_point(snap, ids):
    """(node id, percent of ids it dominates) of the deepest node of the dominator tree that
    dominates most (DESCEND) of ids, or None (no single object does: the roots hold them)."""
    if len(ids) > SAMPLE:
        step = len(ids) / float(SAMPLE)
        ids = [ids[int(i * step)] for i in range(SAMPLE)]
    parent, weight = {}, {}
    for m in ids:
        node = m
        while True:
            up = parent.get(node, False)
            if up is False:
                up = snap.idom(node)
                up = None if up == "root" else up
                parent[node] = up
            if up is None:
                break
            weight[up] = weight.get(up, 0) + 1
            node = up
    total = len(ids)
    children = {}
    for node, up in parent.items():
        if node in weight:
            children.setdefault(up, []).append(node)
    node, w = None, total
    while True:
        kids = children.get(node, [])
        best = max(kids, key=lambda k: weight[k], default=None)
        if best is None or weight[best] < DESCEND * total:
            break
        node, w = best, weight[best]
    return None if node is None else (node, int(100 * w / total))


DESCEND = 0.8  # the share of the objects a node must dominate to be their accumulation point


hide(globals(), Series)
