"""What a heap set's questions return, other than heap sets: Stat and Diff (``x.stat``,
``x.diff``), DomChain (``x.domchain``), Top (``x.top``), and the paged text of a table
(``x.more``, ``x.all``).  Each keeps node ids of one snapshot, never the objects; ``r[i]`` gives
one-object heap sets (made through _internal).

``top_rows`` is the one computation of the largest retainers: Top's text, the CLI's ``top``
and the HTML report all use it.
"""
from . import _engine, _format
from ._internal import hide, one, table
from ._paths import Path


def kind_of(snap, node_id):
    """The clodo kind of one node, by partitioning the one-node set."""
    return snap.ids([node_id]).partition(_engine.BY_CLODO)[0][1]


def top_rows(snap, rows, labels=False):
    """For rows [(node id, retained)]: [(node id, retained, size, kind, path text)], the path
    a shortest one from a root as kinds ("(no path from a root)" if none).  With labels, each
    row also ends with the path as Heapy's labels from h.Root ("" if none)."""
    paths = snap.paths([r[0] for r in rows], True) if labels else snap.paths([r[0] for r in rows])
    out = []
    for (node_id, retained), path in zip(rows, paths):
        size = snap.ids([node_id]).size
        kind = kind_of(snap, node_id)
        if path is None:
            text, label = "(no path from a root)", ""
        else:
            text = _format.path_text(path[0], path[1])
            label = str(Path(*path)).replace("%s", "h.Root", 1) if labels else None
        out.append((node_id, retained, size, kind, text, label) if labels
                   else (node_id, retained, size, kind, text))
    return out


class Stat:
    """A partition table without objects (what a diff compares)."""

    __slots__ = ("rows", "by")

    def __init__(self, rows, by):
        self.rows = list(rows)
        self.by = by

    @property
    def count(self):
        return sum(r[2] for r in self.rows)

    @property
    def size(self):
        return sum(r[3] for r in self.rows)

    def __sub__(self, other):
        if not isinstance(other, Stat):
            return NotImplemented
        if other.by != self.by:
            raise ValueError("Mismatching table kind header")
        return Diff(self, other)

    def __str__(self):
        return _format.table(self.rows, self.count, self.size, self.by)

    __repr__ = __str__


class Diff:
    """Heapy's diff: summary of A-B and the per-kind differences, largest first."""

    __slots__ = ("text", "rows", "count", "size")

    def __init__(self, a, b):
        self.text, self.rows = _format.diff_table(a.rows, b.rows, a.by)
        self.count = a.count - b.count
        self.size = a.size - b.size

    def __str__(self):
        return self.text

    __repr__ = __str__


class DomChain:
    """The dominator chain of one object: ``c[0]`` is its immediate dominator, ``c[-1]`` the
    outermost (held by a root); each is a one-object heap set."""

    __slots__ = ("_idset", "_ids")

    def __init__(self, idset, ids):
        self._idset = idset
        self._ids = ids

    def __len__(self):
        return len(self._ids)

    def __getitem__(self, i):
        return one(self._idset.snapshot, self._ids[i])

    def __str__(self):
        snap = self._idset.snapshot
        rows = []
        for i, node_id in enumerate(self._ids):
            size = snap.ids([node_id]).size
            rows.append((i, size, snap.retained(node_id), kind_of(snap, node_id)))
        text = _format.chain_table(rows)
        if not rows:
            text += "\n(no object dominates it: only the roots keep it alive)"
        top = self._ids[-1] if self._ids else self._idset.ids()[0]
        path = snap.paths([top])[0]
        if path is not None:
            text += "\nA shortest path from a root to the %s: %s" % (
                "outermost" if self._ids else "object", _format.path_text(*path))
        return text

    __repr__ = __str__


class Top:
    """``x.top(n)``: the objects retaining most, largest first; ``t[i]`` is a one-object set."""

    __slots__ = ("_idset", "rows")

    def __init__(self, idset, rows):
        self._idset = idset
        self.rows = rows  # [(node id, retained bytes)]

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return one(self._idset.snapshot, self.rows[i][0])

    def __str__(self):
        snap = self._idset.snapshot
        out = [(i,) + row[1:] for i, row in enumerate(top_rows(snap, self.rows))]
        garbage = snap.select(_engine.NODE_UNREACH, _engine.NODE_HIDDEN).size  # what no root reaches
        return _format.top_table(out, snap.reached_size, garbage)

    __repr__ = __str__


class Text(str):
    """A str whose repr is itself, so tables print as tables at the prompt."""

    __slots__ = ()

    def __repr__(self):
        return str(self)


class More:
    """``x.more``: the next page of x's table (``.more`` again for the one after)."""

    __slots__ = ("_set", "_start")

    def __init__(self, s, start):
        self._set = s
        self._start = start

    @property
    def more(self):
        return More(self._set, self._start + _format.ROWS_PER_PAGE)

    def __str__(self):
        return table(self._set, self._start, with_label=False)

    __repr__ = __str__


hide(globals(), Stat, Diff, DomChain, Top, More)  # not Text: a str the caller keeps, as any other
