"""Stats: a partition table without its objects (``x.stat``), their differences (``a.stat -
b.stat``, ``x.diff(y)``) and Heapy's text package format, which ``x.dump(file)`` and
``stat.dump(f)`` write and ``h.load`` reads (so stats that guppy3 saved compare with new heaps):

    .loader: _load_stat
    .format: SetFormat            (IdFormat for byid, DiffFormat for a difference)
    .timemade: 1795517066.232276
    .count: 5
    .size: 296
    .kindname:
    .kindheader: Kind (class / dict of class)
    .numrows: 3
    .r: 2 136 list                (IdFormat: ".r: 52 str: 'aaa'")
    .end: .loader: _load_stat

A stat holds no reference to the heap: only numbers and kind texts.
"""
import io
import os
import stat
import time

from . import _format
from ._classifiers import kind_key
from ._internal import hide

LOADER = "_load_stat"
FORMATS = ("SetFormat", "IdFormat", "DiffFormat")
MAX_LINE = 1 << 20  # a text line longer than this is not a stat file's
MAX_ROWS = 1 << 24


class StatRow:
    """One row: ``index count size cumulsize name`` (Heapy's StatRow)."""

    __slots__ = ("index", "count", "size", "cumulsize", "name")

    def __init__(self, index, count, size, cumulsize, name):
        self.index, self.count, self.size, self.cumulsize, self.name = index, count, size, cumulsize, name

    def __repr__(self):
        return "StatRow(index=%d, count=%d, size=%d, cumulsize=%d, name=%r)" % (
            self.index, self.count, self.size, self.cumulsize, self.name)


class _Rows:
    """What Stat and Diff share: rows [(kind, name, count, size)] under the kind header
    ``by``, counted, indexed (``st[i]``, ``st[i:j]``: the same kind of object with those rows,
    made by _with_rows) and given as StatRows."""

    __slots__ = ()

    kindheader = property(lambda self: self.by)
    count = property(lambda self: sum(r[2] for r in self.rows))
    size = property(lambda self: sum(r[3] for r in self.rows))
    numrows = property(lambda self: len(self.rows))

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        if isinstance(i, slice):
            rows = self.rows[i]
        elif isinstance(i, int):
            if i < 0:
                i += len(self.rows)
            if not 0 <= i < len(self.rows):
                raise IndexError("Stat index out of range.")
            rows = [self.rows[i]]
        else:
            raise IndexError("Stat indices must be integers or slices.")
        return self._with_rows(rows)

    def get_rows(self):
        out, cumul = [], 0
        for i, (_, name, count, size) in enumerate(self.rows):
            cumul += size
            out.append(StatRow(i, count, size, cumul, name))
        return out


class Stat(_Rows):
    """A table's numbers and kind texts: ``len(st)`` rows, ``st[i]`` / ``st[i:j]`` a stat of
    those rows, ``st.get_rows()`` StatRows, ``st.count .size .numrows .kindheader
    .kindname .timemade``, ``st.more`` the next page, ``st1 - st2`` a Diff (the kind headers
    must match), ``st.dump(f, mode='a')`` Heapy's text package."""

    __slots__ = ("rows", "by", "kindname", "format", "timemade", "_start")

    def __init__(self, rows, by, kindname="", format="SetFormat", timemade=None, start=0):
        # rows: [(kind, name, count, size)] as a table has them (kind: an engine kind or None)
        self.rows = list(rows)
        self.by = by
        self.kindname = kindname
        self.format = format
        self.timemade = time.time() if timemade is None else timemade
        self._start = start

    def _with_rows(self, rows):
        return Stat(rows, self.by, self.kindname, self.format, self.timemade)

    def __sub__(self, other):
        if not isinstance(other, Stat):
            return NotImplemented
        if other.by != self.by:
            raise ValueError("Mismatching table kind header, %r vs %r." % (self.by, other.by))
        return Diff(self, other)

    def _text(self, start):
        if self.format == "IdFormat":
            return _id_table(self, start)
        return _format.table(self.rows, self.count, self.size, self.by, start,
                             with_label=start == 0)

    def __str__(self):
        return self._text(self._start)

    __repr__ = __str__

    @property
    def more(self):
        return Stat(self.rows, self.by, self.kindname, self.format, self.timemade,
                    self._start + _format.ROWS_PER_PAGE)

    def _package(self):
        lines = [".loader: " + LOADER, ".format: " + self.format, ".timemade: %f" % self.timemade,
                 ".count: %d" % self.count, ".size: %d" % self.size, ".kindname: " + self.kindname,
                 ".kindheader: " + self.by, ".numrows: %d" % len(self.rows)]
        for _, name, count, size in self.rows:
            lines.append(".r: %d %s" % (size, name) if self.format == "IdFormat"
                         else ".r: %d %d %s" % (count, size, name))
        return lines

    def dump(self, fn, mode="a"):
        """Append (by default) Heapy's text package of this stat to file `fn` (a path or an open
        text file)."""
        _write(self._package(), fn, mode)


def _stop(start, n):
    """Where a page from row `start` of n rows ends: ten rows, or eleven when the eleventh is
    the last (Heapy prints it rather than "<1 more rows ...>")."""
    stop = start + _format.ROWS_PER_PAGE
    return min(stop + 1 if n - stop == 1 else stop, n)


def _id_table(st, start):
    """A byid stat's text (Heapy's IdFormat)."""
    total = st.size
    lines = []
    if start == 0:
        lines.append("Set of %d %s object%s. Total size = %d bytes." % (
            st.count, st.kindname, "" if st.count == 1 else "s", total))
    lines.append(" Index     Size   %   Cumulative  %   " + st.by)
    cumul = sum(r[3] for r in st.rows[:start])
    stop = _stop(start, len(st.rows))
    for i in range(start, stop):
        size = st.rows[i][3]
        cumul += size
        lines.append(("%6d %8d %5.1f %9d %5.1f %s" % (
            i, size, 100.0 * size / total if total else 0.0, cumul,
            100.0 * cumul / total if total else 0.0, st.rows[i][1])).rstrip())
    if len(st.rows) > stop:
        lines.append(_format.more_line(len(st.rows) - stop))
    return "\n".join(lines)


def _pct_of_b(size, b_size):
    return "%9.3g" % (size * 100.0 / b_size) if b_size else "   (n.a.)"


class Diff(_Rows):
    """Heapy's difference of two stats (A-B): the summary, then the kinds whose count or size
    changed, largest absolute size change first.  ``len(d)``, ``d[i]``, ``d.get_rows()``,
    ``d.count``/``d.size`` (A-B), ``d.b_count``/``d.b_size``, ``d.dump(f)``."""

    __slots__ = ("rows", "by", "kindname", "b_count", "b_size", "timemade", "_start")

    def __init__(self, a=None, b=None, rows=None, by=None, b_count=0, b_size=0, timemade=None,
                 kindname="", start=0):
        if a is not None:
            by, kindname, b_count, b_size = a.by, a.kindname, b.count, b.size
            per, order = {}, []
            for st, sign in ((a, 1), (b, -1)):
                for _, name, count, size in st.rows:
                    key = kind_key(by, name)
                    if key not in per:
                        per[key] = [0, 0]
                        order.append(key)
                    per[key][0] += sign * count
                    per[key][1] += sign * size
            rows = [(None, key, c, s) for key, (c, s) in ((k, per[k]) for k in order) if c or s]
            rows.sort(key=lambda r: (-abs(r[3]), -abs(r[2]), r[1]))
        self.rows = rows
        self.by = by
        self.kindname = kindname
        self.b_count, self.b_size = b_count, b_size
        self.timemade = time.time() if timemade is None else timemade
        self._start = start

    def _with_rows(self, rows):
        return Diff(rows=rows, by=self.by, b_count=self.b_count, b_size=self.b_size,
                    timemade=self.timemade, kindname=self.kindname)

    @property
    def text(self):
        return str(self)

    def __str__(self):
        lines = []
        start = self._start
        if start == 0:
            lines += ["Summary of difference operation (A-B).",
                      "        Count     Size",
                      "  A    %6d %8d" % (self.count + self.b_count, self.size + self.b_size),
                      "  B    %6d %8d" % (self.b_count, self.b_size),
                      "  A-B  %6d %8d  = %s %% of B" % (self.count, self.size,
                                                        _pct_of_b(self.size, self.b_size))]
            if self.rows:
                lines += ["", "Differences by kind, largest absolute size diffs first."]
        if self.rows:
            lines.append(" Index  Count     Size  Cumulative  %% of B %s" % self.by)
        stop = _stop(start, len(self.rows))
        cumul = sum(r[3] for r in self.rows[:start])
        for i in range(start, stop):
            _, name, c, s = self.rows[i]
            cumul += s
            lines.append(("%6d %6d %8d %9d %s %s" % (i, c, s, cumul, _pct_of_b(cumul, self.b_size),
                                                      name)).rstrip())
        if len(self.rows) > stop:
            lines.append(_format.more_line(len(self.rows) - stop))
        return "\n".join(lines)

    __repr__ = __str__

    @property
    def more(self):
        return Diff(rows=self.rows, by=self.by, b_count=self.b_count, b_size=self.b_size,
                    timemade=self.timemade, kindname=self.kindname,
                    start=self._start + _format.ROWS_PER_PAGE)

    def dump(self, fn, mode="a"):
        lines = [".loader: " + LOADER, ".format: DiffFormat", ".timemade: %f" % self.timemade,
                 ".b_count: %d" % self.b_count, ".b_size: %d" % self.b_size,
                 ".count: %d" % self.count, ".size: %d" % self.size,
                 ".kindheader: " + self.by, ".kindname: " + self.kindname,
                 ".numrows: %d" % len(self.rows)]
        lines += [".r: %d %d %s" % (c, s, name) for _, name, c, s in self.rows]
        _write(lines, fn, mode)


def _write(lines, fn, mode):
    text = "".join(line + "\n" for line in lines) + ".end: .loader: %s\n" % LOADER
    if hasattr(fn, "write"):
        fn.write(text)
        return
    if mode not in ("a", "w", "x"):
        raise ValueError("dump mode: 'a' (append, the default), 'w' or 'x', not %r" % (mode,))
    with open(os.fspath(fn), mode, encoding="utf-8") as f:
        f.write(text)


def is_text(path):
    """Whether the file at path is a regular file that starts as a stat package does (else
    the snapshot loader answers, refusing directories, FIFOs and devices: opening a FIFO to
    look would block)."""
    path = os.fspath(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False  # the snapshot loader says why
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        return os.read(fd, 16).lstrip().startswith(b".loader:")
    finally:
        os.close(fd)


def _int(value, lineno, field):
    try:
        return int(value)
    except ValueError:
        raise ValueError("line %d: .%s is not an integer: %r" % (lineno, field, value[:80])) from None


def read_package(f, lineno=0):
    """The next package of an open text file as a Stat or Diff, and the number of the last
    line read; None at the end of the file.  A damaged package raises ValueError naming its
    line."""
    head, rows, started = {}, [], False
    while True:
        line = f.readline(MAX_LINE + 1)
        if not line:
            if started:
                raise ValueError("line %d: the file ends inside a package (no .end line)" % lineno)
            return None, lineno
        lineno += 1
        if len(line) > MAX_LINE:
            raise ValueError("line %d: longer than %d characters: not a stat file" % (lineno, MAX_LINE))
        line = line.rstrip("\r\n")
        if not line.strip() and not started:
            continue
        if not line.startswith("."):
            raise ValueError("line %d: expected a '.field: value' line, got %r" % (lineno, line[:80]))
        field, sep, value = line[1:].partition(":")
        if not sep:
            raise ValueError("line %d: no ':' in %r" % (lineno, line[:80]))
        value = value[1:] if value.startswith(" ") else value
        if not started:
            if field != "loader":
                raise ValueError("line %d: a package starts with '.loader:', not %r" % (lineno, line[:80]))
            started = True
        if field == "end":
            break
        if field == "r":
            rows.append((lineno, value))
            if len(rows) > MAX_ROWS:
                raise ValueError("line %d: more than %d rows" % (lineno, MAX_ROWS))
        else:
            head[field] = (lineno, value)
    fmt = head.get("format", (0, "SetFormat"))[1]
    if fmt not in FORMATS:
        raise ValueError("line %d: unknown .format %r (known: %s)" % (head["format"][0], fmt, ", ".join(FORMATS)))
    if "kindheader" not in head:
        raise ValueError("line %d: the package has no .kindheader" % lineno)
    parsed = []
    for ln, value in rows:
        parts = value.split(" ", 1 if fmt == "IdFormat" else 2)
        if len(parts) != (2 if fmt == "IdFormat" else 3):
            raise ValueError("line %d: a row is '.r: %s', got %r" % (
                ln, "size kind" if fmt == "IdFormat" else "count size kind", value[:80]))
        if fmt == "IdFormat":
            parsed.append((None, parts[1], 1, _int(parts[0], ln, "r size")))
        else:
            parsed.append((None, parts[2], _int(parts[0], ln, "r count"), _int(parts[1], ln, "r size")))
    numrows = head.get("numrows")
    if numrows is not None and _int(numrows[1], numrows[0], "numrows") != len(parsed):
        raise ValueError("line %d: .numrows says %s, the package has %d rows" % (numrows[0], numrows[1], len(parsed)))
    try:
        made = float(head.get("timemade", (0, "0"))[1])
    except ValueError:
        raise ValueError("line %d: .timemade is not a number" % head["timemade"][0]) from None
    by, kindname = head["kindheader"][1], head.get("kindname", (0, ""))[1]
    if fmt == "DiffFormat":
        b_count = _int(head.get("b_count", (0, "0"))[1], head.get("b_count", (0,))[0], "b_count")
        b_size = _int(head.get("b_size", (0, "0"))[1], head.get("b_size", (0,))[0], "b_size")
        return Diff(rows=parsed, by=by, b_count=b_count, b_size=b_size, timemade=made,
                    kindname=kindname), lineno
    return Stat(parsed, by, kindname, fmt, made), lineno


def load_text(path):
    """The first package of the stat file at path."""
    with open(os.fspath(path), encoding="utf-8", errors="replace") as f:
        st, _ = read_package(f)
    if st is None:
        raise ValueError("%s: no stat package in the file" % os.fspath(path))
    return st


def load_file(f):
    """The next package of open file f (a text file, or binary: read as UTF-8); a bare
    StopIteration at the end, as Heapy's h.load(f)."""
    if isinstance(f, (io.RawIOBase, io.BufferedIOBase)):
        raise TypeError("h.load(f): open the stat file in text mode")
    st, _ = read_package(f)  # (line numbers in messages count from where this call began)
    if st is None:
        raise StopIteration
    return st


hide(globals(), StatRow, _Rows, Stat, Diff)
