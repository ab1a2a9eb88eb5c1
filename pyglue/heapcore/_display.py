"""Rich display in Jupyter and IPython: heap sets, partitions, stats and diffs, ``top``,
dominator chains and paths as HTML tables (``_repr_html_``: the text table's columns and
rows, numbers with thousands separators, named paths), and as their text at the IPython
prompt (``_repr_pretty_``: one page, then ``_.more`` for the next); and the ``%heap`` and
``%heapdiff`` line magics that ``%load_ext heapcore`` loads.

Everything here reads what the text tables read (the same rows, the same page): the HTML
of a table is its text's rows, laid out.
"""
import re

from . import _format, _results, _stats, _paths, _sets
from ._classifiers import header as _kind_header
from . import _internal
from ._internal import hide

STYLE = ("<style>.heapcore-table td.n{text-align:right;font-variant-numeric:tabular-nums}"
         ".heapcore-table td.k{text-align:left;font-family:monospace}"
         ".heapcore-table caption{text-align:left;caption-side:top;font-weight:bold}"
         ".heapcore-note{font-family:monospace;white-space:pre-wrap}</style>")


_ESCAPES = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;", ord("'"): "&#x27;"}


def _esc(text):
    """html.escape(text, quote=True), without importing html: heapcore's __init__ imports
    this module, and html brings html.entities (its 2,000-entry dicts, in every user's heap)."""
    return str(text).translate(_ESCAPES)


def _num(v):
    return "{:,}".format(v) if isinstance(v, int) else _esc(v)


def table(caption, columns, rows, notes=()):
    """An HTML table: caption text, column titles (a title ending in '#' is numeric: right
    aligned, thousands separators; the '#' is not shown), rows of cells, note lines after."""
    numeric = [c.endswith("#") for c in columns]
    out = [STYLE, '<table class="heapcore-table">']
    if caption:
        out.append("<caption>%s</caption>" % _esc(caption))
    out.append("<thead><tr>%s</tr></thead><tbody>" % "".join(
        "<th>%s</th>" % _esc(c[:-1] if n else c) for c, n in zip(columns, numeric)))
    for row in rows:
        out.append("<tr>%s</tr>" % "".join(
            '<td class="n">%s</td>' % _num(v) if n else '<td class="k">%s</td>' % _esc(v)
            for v, n in zip(row, numeric)))
    out.append("</tbody></table>")
    for note in notes:
        if note:
            out.append('<div class="heapcore-note">%s</div>' % _esc(note))
    return "".join(out)


def pre(text):
    """Text that has no table of its own (a reference pattern, a leak report), as it prints."""
    return STYLE + '<div class="heapcore-note">%s</div>' % _esc(text)


def _page(nrows, start):
    """The rows [start, stop) one page shows, as the text table does (the last row rather
    than "1 more"), and how many remain after."""
    stop = start + _format.ROWS_PER_PAGE
    if nrows - stop == 1:
        stop += 1
    return min(stop, nrows), max(nrows - stop, 0)


def set_rows(x, start=0):
    """The text table's rows of heap set x from `start` (one page), as cells: index, count,
    %, size, %, cumulative, % [, retained, %], kind; and the rows left after the page."""
    rows = _internal.rows(x)
    reached = x._reached()
    stop, left = _page(len(rows), start)
    cumul = sum(r[3] for r in rows[:start])
    out = []
    for i in range(start, stop):
        name, count, size = rows[i][1:4]
        cumul += size
        cells = [i, count, _format.pct(count, x.count), size, _format.pct(size, x.size), cumul,
                 _format.pct(cumul, x.size)]
        if reached is not None:
            cells += [rows[i][4], _format.pct(rows[i][4], reached)]
        out.append(cells + [name])
    return out, left


def _set_columns(x):
    cols = ["Index#", "Count#", "%#", "Size#", "%#", "Cumulative#", "%#"]
    if x._reached() is not None:
        cols += ["Retained#", "%#"]
    return cols + [_kind_header(x._by)]


def set_html(x, start=0):
    if x.count == 0:
        return pre("<Nothing>")
    rows, left = set_rows(x, start)
    caption = "Partition of a set of {:,} object{}. Total size = {:,} bytes ({}).".format(
        x.count, "" if x.count == 1 else "s", x.size, _format.bytes_text(x.size)) if start == 0 else None
    notes = [_format.more_line(left) if left else None, x._header if start == 0 else None]
    return table(caption, _set_columns(x), rows, notes)


def more_html(m):
    return set_html(m._set, m._start)


def stat_html(st):
    if st.format == "IdFormat":
        return pre(str(st))
    start = st._start
    stop, left = _page(len(st.rows), start)
    cumul = sum(r[3] for r in st.rows[:start])
    rows = []
    for i in range(start, stop):
        _, name, count, size = st.rows[i]
        cumul += size
        rows.append([i, count, _format.pct(count, st.count), size, _format.pct(size, st.size), cumul,
                     _format.pct(cumul, st.size), name])
    caption = "Partition of a set of {:,} objects. Total size = {:,} bytes.".format(st.count, st.size) \
        if start == 0 else None
    return table(caption, ["Index#", "Count#", "%#", "Size#", "%#", "Cumulative#", "%#", st.by], rows,
                 [_format.more_line(left) if left else None])


def diff_html(d):
    start = d._start
    out = []
    if start == 0:
        out.append(table("Summary of difference operation (A-B).", ["", "Count#", "Size#", "% of B"],
                         [["A", d.count + d.b_count, d.size + d.b_size, ""], ["B", d.b_count, d.b_size, ""],
                          ["A-B", d.count, d.size, _stats._pct_of_b(d.size, d.b_size).strip()]]))
    stop, left = _page(len(d.rows), start)
    cumul = sum(r[3] for r in d.rows[:start])
    rows = []
    for i in range(start, stop):
        _, name, c, s = d.rows[i]
        cumul += s
        rows.append([i, c, s, cumul, _stats._pct_of_b(cumul, d.b_size).strip(), name])
    if rows:
        out.append(table("Differences by kind, largest absolute size diffs first." if start == 0 else None,
                         ["Index#", "Count#", "Size#", "Cumulative#", "% of B", d.by], rows,
                         [_format.more_line(left) if left else None]))
    return "".join(out)


def top_html(t):
    snap = t._idset.snapshot
    if t.suspects is None:
        garbage = snap.select(_results._engine.NODE_UNREACH, _results._engine.NODE_HIDDEN).size
        total = snap.reached_size
        rows = [[i, retained, _format.pct(retained, total), size, kind, path]
                for i, (_, retained, size, kind, path) in enumerate(_results.top_rows(snap, t.rows))]
        caption = "The {} object{} retaining most, of {:,} bytes ({:,} the roots reach, {:,} unreachable).".format(
            len(rows), "" if len(rows) == 1 else "s", total, total - garbage, garbage)
        return table(caption, ["Index#", "Retained#", "%#", "Size#", "Kind", "Shortest path from a root"], rows)
    whole, what = _results.suspects_base(t._idset)
    rows = []
    for i, g in enumerate(t.suspects):
        k = len(g["ids"])
        kind = g["kind"] if k == 1 else "%d alike: %s" % (k, g["kind"])
        rows.append([i, g["weight"], _format.pct(g["weight"], whole), k, kind, g["path"], _format.holds_text(g, whole)])
    caption = "The {} largest leak suspect{} (where objects accumulate), of {:,} bytes {}.".format(
        len(rows), "" if len(rows) == 1 else "s", whole, what)
    return table(caption, ["Index#", "Bytes#", "%#", "Objects#", "Kind", "Named path from a root", "Holds"], rows)


def chain_html(c):
    text = str(c).splitlines()
    snap = c._idset.snapshot
    rows = [[i, snap.ids([n]).size, snap.retained(n), _results.kind_of(snap, n)] for i, n in enumerate(c._ids)]
    notes = [line for line in text if line.startswith(("(no object", "A shortest path"))]
    return table(None, ["Index#", "Size#", "Retained#", "Kind (nearest dominator first)"], rows, notes)


_PATH_LINE = re.compile(r"^\s*(\d+): (.*)$")


def paths_html(sp):
    """x.sp, x.sp.named: their page of paths, one row each (the text's lines)."""
    rows, notes = [], []
    for line in str(sp).splitlines():
        m = _PATH_LINE.match(line)
        if m and not notes:
            rows.append([int(m.group(1)), m.group(2)])
        elif rows:
            notes.append(line)
        else:
            return pre(str(sp))
    return table(None, ["#", "Path from a root"], rows, notes)


def _pretty(self, p, cycle):
    """IPython: the text, as print shows it (one page; ``_.more`` shows the next)."""
    p.text("..." if cycle else repr(self))


def install():
    """Give the display classes their _repr_html_ and _repr_pretty_."""
    for cls, fn in ((_sets.IdentitySet, set_html), (_results.More, more_html), (_stats.Stat, stat_html),
                    (_stats.Diff, diff_html), (_results.Top, top_html), (_results.DomChain, chain_html),
                    (_paths.ShortestPaths, paths_html), (_paths.NamedPaths, paths_html)):
        cls._repr_html_ = fn
        cls._repr_pretty_ = _pretty
    _sets.Partition._repr_html_ = lambda self: pre(str(self))
    _sets.Partition._repr_pretty_ = _pretty


# ---- IPython magics ------------------------------------------------------------------------

class _Session:
    """The magics' state in one IPython session: its hpy, and %heapdiff's last checkpoint."""

    __slots__ = ("h", "mark")

    def __init__(self, hpy):
        self.h = hpy()
        self.mark = self.h.heap()


def load(ip, hpy):
    """%load_ext heapcore: register %heap and %heapdiff in IPython shell ip, with sessions
    of hpy (heapcore.hpy, passed in: this module is imported by heapcore's __init__)."""
    session = _Session(hpy)

    def heap(line):
        """%heap [classifier]: the heap now as a partition table (by class or dict of class,
        or by the classifier named: type, size, rcs, via, module, ...).  The set is the
        result (``_``): ``_.more``, ``_[0].byvia``, ``_.top()``."""
        x = session.h.heap()
        by = line.strip()
        return x.by(by) if by else x

    def heapdiff(line):
        """%heapdiff: the objects new since the last %heapdiff (or %load_ext heapcore), as a
        partition table.  %heapdiff STATEMENT: run the statement in the session's namespace
        and show the objects it left behind.  Either sets the checkpoint the next one starts
        from."""
        code = line.strip()
        if code:
            before = session.h.heap()
            ip.ex(code)
        else:
            before = session.mark
        now = session.h.heap()
        session.mark = now
        return now - before

    ip.register_magic_function(heap, "line", "heap")
    ip.register_magic_function(heapdiff, "line", "heapdiff")


install()
hide(globals(), _Session)
