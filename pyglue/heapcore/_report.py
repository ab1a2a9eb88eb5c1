"""Figures shared by the command line, the HTML report and the exports: partitions with
retained sizes, differences between two heap sets by kind, and the largest retainers with
their paths.  Plain data (tuples, dicts, lists); _cli.py and _html.py lay it out."""
from . import _format
from ._classifiers import header as _header, kind_key
from ._internal import classifier, engine_set, hide, rows, snapshot
from ._results import top_rows


def header(x, by):
    """The kind header of x's partition by a classifier ("Type", "Referred Via", ...)."""
    return _header(classifier(x.by(by)))


def partition(x, by="clodo"):
    """[(name, count, size, retained)] of x by a classifier, largest retained first."""
    return [(r[1], r[2], r[3], r[4]) for r in rows(x.by(by).retained)]


def diff(old, new, by="clodo"):
    """Per-kind changes from old to new (heap sets, matched by kind name; a via kind's
    without its count of merged indices, which the two sets need not share):
    [(name, count old, count new, size old, size new, retained old, retained new)], the
    largest absolute size change first (then retained, then count)."""
    per = {}
    kind_header = header(new, by)
    for k, s in enumerate((old, new)):
        for name, count, size, retained in partition(s, by):
            row = per.setdefault(kind_key(kind_header, name), [0] * 6)
            row[k] += count
            row[2 + k] += size
            row[4 + k] += retained
    rows = [(name,) + tuple(v) for name, v in per.items() if v[0] != v[1] or v[2] != v[3] or v[4] != v[5]]
    rows.sort(key=lambda r: (-abs(r[4] - r[3]), -abs(r[6] - r[5]), -abs(r[2] - r[1]), r[0]))
    return rows


def diff_text(old, new, by="clodo", limit=20):
    rows = diff(old, new, by)
    lines = [
        "Changes from OLD (%d objects, %d bytes) to NEW (%d objects, %d bytes): %+d objects, %+d bytes."
        % (old.count, old.size, new.count, new.size, new.count - old.count, new.size - old.size),
        " Index  Count+   Size+     Retained+   Count    Size %s" % header(new, by),
    ]
    for i, (name, c0, c1, s0, s1, r0, r1) in enumerate(rows[:limit]):
        lines.extend(_format.wrap("%6d %+7d %+7d %+12d %7d %7d %s" % (i, c1 - c0, s1 - s0, r1 - r0, c1, s1, name)))
    if len(rows) > limit:
        lines.append("<%d more kinds changed: --limit to see them>" % (len(rows) - limit))
    if not rows:
        lines.append("(no kind changed)")
    return "\n".join(lines)


def top(x, n=10):
    """[(node id, retained, size, kind, path text, path labels)] of the n members of x that
    retain most: the path as kinds (root → ... → the object) and as Heapy's labels."""
    return top_rows(snapshot(x), engine_set(x).top(n), labels=True)


hide(globals())
