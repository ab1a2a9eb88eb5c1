"""Views of a set that are not partitions: ``x.byid`` (one row per object, with a brief
description of each), ``x.rp`` (the reference pattern: the referrers' kinds, as a tree) and
``x.brief`` (the set in one line), in guppy3's formats.

Views keep only node ids.  The descriptions read live objects only for the rows shown: the
set's own objects when it holds them (``h.iso``), else those a fresh walk finds, and only
through C-level attributes of exact built-in types (lengths, str/int values, function, code
and module names): no user code runs.
"""
import collections
import os
import re
import reprlib
import types

from . import _engine, _kinds
from ._internal import hide, new_set

PAGE = 10
LINE = 80        # guppy3 cuts reference pattern lines and briefs at 80 columns
_WRAP = 100      # and wraps byid rows at 100, continuing under the Brief column
_STAT = 39       # the width of a byid row's numbers

# How guppy3 renders an object of each exact type (its Summary_str table), and the byid
# column title of each render.  Other types: the address.
_RENDER = {
    "list": "addrlen", "tuple": "addrlen", "dict": "addrlen",
    "str": "limrepr", "bytes": "limrepr",
    "int": "repr", "float": "repr", "bool": "repr", "complex": "repr", "NoneType": "repr",
    "builtin_function_or_method": "builtin", "code": "code", "frame": "frame",
    "function": "function", "method": "method", "module": "module", "traceback": "traceback",
    "type": "type",
}
_TITLE = {
    "addrlen": "Address*Length", "limrepr": "Representation (limited)", "repr": "Value",
    "builtin": "Name", "code": "File:Line:Name", "frame": "Name at Address", "function": "Name",
    "method": "Type/<Type at address> . method", "module": "Name",
    "traceback": "Frame at Address", "type": "Name", "address": "Address",
}
_ORDERED = (str, bytes, int, float, bool)  # rows of these sort by value, as guppy3's


def _text(v):
    """An attribute's value as text when it is an exact str (or None), else '?' (formatting
    anything else would call its __str__)."""
    if type(v) is str:
        return v
    return "None" if v is None else "?"


def _one_of(t, types_):
    """t is one of types_, by identity (`t in types_` would call a metaclass's __eq__)."""
    for k in types_:
        if t is k:
            return True
    return False


class _Describer:
    """Renders nodes of one snapshot as guppy3 does, from the live objects in `live` (node id
    -> object; a node without one is shown by its address)."""

    __slots__ = ("snap", "live", "_nodes")

    def __init__(self, snap, live):
        self.snap = snap
        self.live = live
        self._nodes = {}

    def node(self, node_id):
        n = self._nodes.get(node_id)
        if n is None:
            n = self._nodes[node_id] = self.snap.node(node_id)
        return n

    def owner(self, node_id):
        """The owner's node id of an instance dict ("dict of X"), else None."""
        n = self.node(node_id)
        return n["owner"] if n["kind"].startswith("dict of ") else None

    def render(self, node_id):
        """What render a node gets (a key of _TITLE); a dict of X's is its owner's."""
        n = self.node(node_id)
        r = _RENDER.get(n["type"])
        if r is None:
            obj = self.live.get(node_id)
            # type(obj) is exact; issubclass reads its MRO and asks no __subclasscheck__
            r = "type" if obj is not None and issubclass(type(obj), type) else "address"
        return r

    def title(self, node_id):
        """The byid column title for a set of this node's kind."""
        owner = self.owner(node_id)
        if owner is not None:
            return "Owner " + _TITLE[self.render(owner)]
        return _TITLE[self.render(node_id)]

    def text(self, node_id, short_owner=True):
        """The node as guppy3 renders it: "'k0'", "0x7f..*3", "__main__.f", a dict of X as its
        owner (with short_owner, as in briefs, a dotted name's last part: "..decoder")."""
        owner = self.owner(node_id)
        if owner is not None:
            t = self.text(owner)
            return ".." + t.split(".")[-1] if short_owner and "." in t else t
        n = self.node(node_id)
        addr = n["address"]
        r = self.render(node_id)
        if r == "module":
            return n["name"] or "?"
        obj = self.live.get(node_id)
        if obj is None or r == "address":
            return "0x%x" % addr
        # every attribute read below is a C-level member or getter of the exact built-in type
        # that r was chosen for
        if r == "addrlen":
            return "0x%x*%d" % (addr, len(obj))
        if r == "limrepr":
            return reprlib.repr(obj)
        if r == "repr":
            try:
                return repr(obj)
            except ValueError:  # an int past sys.get_int_max_str_digits()
                return "0x%x" % addr
        if r == "builtin":
            m = obj.__module__
            name = _text(obj.__name__)
            return name if m == "builtins" and type(m) is str else "%s.%s" % (_text(m), name)
        if r == "code":
            return "%s:%d:%s" % (os.path.basename(_text(obj.co_filename)), obj.co_firstlineno,
                                 _text(obj.co_name))
        if r == "frame":
            return "<%s at 0x%x>" % (_text(obj.f_code.co_name), addr)
        if r == "function":
            return "%s.%s" % (_text(obj.__module__), _text(obj.__name__))
        if r == "method":
            owner_obj = obj.__self__
            func = obj.__func__
            name = _text(func.__name__) if type(func) is types.FunctionType else "?"
            return "<%s at 0x%x>.%s" % (_engine.type_name(type(owner_obj)), id(owner_obj), name)
        if r == "traceback":
            f = obj.tb_frame
            return "<in frame <%s at 0x%x> at 0x%x>" % (_text(f.f_code.co_name), id(f), addr)
        return _engine.type_name(obj)  # r == "type"

    def sort_key(self, node_id):
        """The order of equal-sized rows of one kind: by value for strs, bytes and numbers, by
        address for containers and others, else by the rendered text (guppy3's)."""
        r = self.render(node_id)
        obj = self.live.get(node_id)
        if r in ("addrlen", "address") or obj is None:
            return (1, self.node(node_id)["address"], "")
        if r in ("limrepr", "repr") and _one_of(type(obj), _ORDERED):
            return (0, obj, "")
        return (2, 0, self.text(node_id, False))


def _resolve(idset, held, ids):
    """{node id: live object} for the nodes `ids` of engine set idset's snapshot: the held
    objects when the set holds them (iso sets: what only the set holds is found), else those a
    fresh walk finds.  Raises RuntimeError for a loaded snapshot."""
    snap = idset.snapshot
    out = {}
    if held:
        for o in held:
            i = snap.lookup(o)
            if i is not None:
                out[i] = o
    missing = sorted(set(ids) - set(out))
    if missing:
        out.update(snap.ids(missing).resolve(True))
    return out


def _wrap(line):
    """A byid row cut at 100 columns, continuing under its Brief column."""
    step = _WRAP - _STAT
    pieces = [line[:_WRAP]] + [" " * _STAT + line[k:k + step] for k in range(_WRAP, len(line), step)]
    return [p.rstrip() for p in pieces]


class ById:
    """``x.byid``: each object its own row, largest first (equal sizes by value or address),
    with its brief description.  ``b[i]`` and ``b[i:j]`` are rows as sets; ``b.more``,
    ``b.all`` page as partition tables do."""

    __slots__ = ("_idset", "_held", "_order", "_start", "_kind")

    def __init__(self, idset, held=None, order=None, start=0, kind=None):
        self._idset = idset
        self._held = held
        self._start = start
        if order is None:
            kind, order = self._sort(idset, held)
        self._order = order   # [(size, node id)], as shown
        self._kind = kind     # the one kind of all rows, or None (mixed)

    @staticmethod
    def _sort(idset, held):
        rows = idset.partition(_engine.BY_CLODO)
        names = {r[0]: r[1] for r in rows}
        kinds = [names[k] for k in idset.kinds(_engine.BY_CLODO)]
        sizes = {r[0]: int(r[1]) for r in idset.partition(_engine.BY_SIZE)}
        sizes = [sizes[k] for k in idset.kinds(_engine.BY_SIZE)]
        ids = idset.ids()
        live = {} if idset.snapshot.loaded else _resolve(idset, held, ids)
        d = _Describer(idset.snapshot, live)
        keys = sorted(zip((-s for s in sizes), kinds, (d.sort_key(i) for i in ids), ids))
        del live, d  # no live object is kept
        order = [(-negsize, node_id) for negsize, _, _, node_id in keys]
        return (rows[0][1] if len(rows) == 1 else None), order

    def __len__(self):
        return len(self._order)

    def _row_set(self, node_ids):
        held = None
        if self._held is not None:
            live = _resolve(self._idset, self._held, [])
            held = tuple(live[i] for i in node_ids if i in live)
        return new_set(self._idset.snapshot.ids(sorted(node_ids)), "clodo", held)

    def __getitem__(self, i):
        if isinstance(i, slice):
            if i.step is not None and i.step <= 0:
                raise ValueError("Step must be positive.")
            return self._row_set([node_id for _, node_id in self._order[i]])
        if not isinstance(i, int):
            raise TypeError("byid index must be an int or a slice")
        if i < 0:
            i += len(self._order)
        if not 0 <= i < len(self._order):
            raise IndexError("Partition index out of range.")
        return self._row_set([self._order[i][1]])

    def _label(self):
        count = len(self._order)
        return "Set of %d %s object%s. Total size = %d bytes." % (
            count, "<%s>" % self._kind if self._kind is not None else "<mixed>",
            "" if count == 1 else "s", self._idset.size)

    def _column_header(self, d):
        title = "Brief" if self._kind is None else d.title(self._order[0][1])
        return " Index     Size   %   Cumulative  %   " + title

    def _describer(self, start, stop):
        ids = [node_id for _, node_id in self._order[start:stop]]
        d = _Describer(self._idset.snapshot, {})
        ids += [o for o in (d.owner(i) for i in ids) if o is not None]
        d.live = _resolve(self._idset, self._held, ids)
        return d

    def _texts(self, d, start, stop):
        """[(size, brief text)] of rows start..stop, d a _describer for them."""
        out = []
        for size, node_id in self._order[start:stop]:
            text = d.text(node_id, True)
            if self._kind is None:
                text = "%s: %s" % (d.node(node_id)["kind"], text)
            elif d.owner(node_id) is not None:
                text = d.text(node_id, False)  # a one-kind table shows the owner in full
            out.append((size, text))
        return out

    def _lines(self, start, stop, header):
        d = self._describer(start, stop)
        out = [self._column_header(d)] if header else []
        total = self._idset.size
        cumul = sum(size for size, _ in self._order[:start])
        for k, (size, text) in enumerate(self._texts(d, start, stop)):
            cumul += size
            out.extend(_wrap("%6d %8d %5.1f %9d %5.1f %s" % (
                start + k, size, 100.0 * size / total if total else 0.0, cumul,
                100.0 * cumul / total if total else 0.0, text)))
        d.live = {}
        return out

    @property
    def stat(self):
        """The rows without their objects: a Stat in Heapy's IdFormat (``.r: size brief``),
        which dumps and loads as Heapy's byid stats do."""
        from ._stats import Stat  # (_stats is text only: no cycle, imported when used)
        n = len(self._order)
        d = self._describer(0, n)
        title = self._column_header(d)[len(" Index     Size   %   Cumulative  %   "):] if n else "Brief"
        rows = [(None, text, 1, size) for size, text in self._texts(d, 0, n)]
        d.live = {}
        kindname = "<%s>" % self._kind if self._kind is not None else "<mixed>"
        return Stat(rows, title, kindname, "IdFormat")

    def dump(self, fn, mode="a"):
        """Append Heapy's IdFormat text package of the rows to fn (a path or an open file)."""
        self.stat.dump(fn, mode)

    def _page(self, start, label):
        if not self._order:
            return "<Nothing>" if label else ""
        if start >= len(self._order):
            return ""
        lines = [self._label()] if label else []
        stop = start + PAGE
        if len(self._order) - stop == 1:  # Heapy shows the last row, not "<1 more rows ...>"
            stop += 1
        lines += self._lines(start, stop, True)
        left = len(self._order) - stop
        if left > 0:
            lines.append("<%d more rows. Type e.g. '_.more' to view.>" % left)
        return "\n".join(lines)

    def __str__(self):
        return self._page(self._start, self._start == 0)

    __repr__ = __str__

    @property
    def more(self):
        """The next page: the column header and the next 10 rows."""
        return ById(self._idset, self._held, self._order, self._start + PAGE, self._kind)

    @property
    def all(self):
        """Every row, with the label and the column header."""
        if not self._order:
            return _Text("<Nothing>")
        return _Text("\n".join([self._label()] + self._lines(0, len(self._order), True)))


class _Text(str):
    """A str whose repr is itself, so that it prints as a table at the prompt."""

    __slots__ = ()

    def __repr__(self):
        return str(self)


def _rendered(d, node_ids, room, common=None):
    """guppy3's list of a set's objects in a brief: rendered in address order while they fit
    in `room` ("..." after the last that fits), then sorted, ", "-joined.  `common`: one render
    for all (a mixed row's is the address)."""
    out = []
    used = 0
    for node_id in node_ids:
        t = d.text(node_id) if common is None else "0x%x" % d.node(node_id)["address"]
        if used and used + len(t) + 2 >= room:
            out[-1] += "..."
            break
        used += len(t) + 2
        out.append(t)
    out.sort()
    return ", ".join(out)


def _by_address(idset, limit=None):
    """idset's node ids in address order (guppy3's node sets are), the first `limit`."""
    ids = sorted(zip(idset.addresses(), idset.ids()))
    return [i for _, i in (ids if limit is None else ids[:limit])]


def _kind_text(names):
    """The kind of a set with these kind names: the one name, or guppy3's '(a | b)'."""
    return names[0] if len(names) == 1 else "(%s)" % " | ".join(sorted(names))


def set_brief(idset, held=None, max_length=LINE):
    """guppy3's x.brief: "<1 str: 'aaa'>", "<2 list: 0x7f..c0*2, 0x7f..40*1>", and for a
    mixed set a part per kind: "<3 (list | str): <2 list: ..> | <1 str: 'aaa'>>"."""
    if idset.count == 0:
        return "<Nothing>"
    rows = idset.partition(_engine.BY_CLODO)
    head = "<%d %s: " % (idset.count, _kind_text([r[1] for r in rows]))
    parts = []
    room = len(head)
    wanted = []
    for kind, name, count, _ in rows:
        wanted.append((kind, name, count, _by_address(idset.select(_engine.BY_CLODO, kind), 40)))
    d = _Describer(idset.snapshot, {})
    ids = [i for w in wanted for i in w[3]]
    ids += [o for o in (d.owner(i) for i in ids) if o is not None]
    d.live = _resolve(idset, held, ids)
    for kind, name, count, node_ids in wanted:
        text = _rendered(d, node_ids, max_length - room)
        if len(rows) > 1:
            text = "<%d %s: %s>" % (count, name, text)
        parts.append(text)
        room += len(text) + 3
        if room > max_length:
            break
    d.live = {}
    if len(parts) > 1:
        parts.sort(key=lambda p: p[p.index(" "):])  # by kind, not count
    s = head + " | ".join(parts) + ">"
    return s if len(s) <= max_length else s[:max_length - 4] + "...>"


# Heapy's default stop kind: the reference pattern does not look past modules, types, their
# dicts, code and frames (interpreter frames too: 3.11+'s frames that hold locals).  Their
# referrers are the interpreter's structure, not the program's data.
_STOP = {"module", "type", "dict of module", "dict of type", "code", "types.FrameType", "frame",
         "interpreter frame"}


def _short(name):
    """'aaa' -> 'a3': runs of three or more equal letters get a count."""
    return re.sub(r"(.)\1{2,}", lambda m: "%s%d" % (m.group(1), len(m.group(0))), name)


def _letters(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(97 + r) + s
    return s


def _rp_summary(idset, max_length=LINE - 12):
    """The end of a reference pattern row (guppy3's): "1000 list: 0x7f..*1, 0x7f..*1...",
    "1 dict of module: __main__"; a mixed row's objects by address."""
    rows = idset.partition(_engine.BY_CLODO)
    head = "%d %s: " % (idset.count, _kind_text([r[1] for r in rows]))
    node_ids = _by_address(idset, 40)
    d = _Describer(idset.snapshot, {})
    ids = node_ids + [o for o in (d.owner(i) for i in node_ids) if o is not None]
    d.live = {} if idset.snapshot.loaded else _resolve(idset, None, ids)
    s = head + _rendered(d, node_ids, max_length - len(head), "address" if len(rows) > 1 else None)
    d.live = {}
    return s if len(s) <= max_length else s[:max_length - 3] + "..."


def immediate_dominators(idset):
    """Heapy's imdom of engine set idset: its referrers (not in it) that a root reaches
    without passing through another of them or the set."""
    snap = idset.snapshot
    refs = idset.referrers().op(idset, _engine.OP_SUB)
    if refs.count == 0:
        return refs
    cut = refs.op(idset, _engine.OP_OR)
    reached = snap.select(0, 0).op(cut.dominos(), _engine.OP_SUB)  # reached without them
    starts = snap.select(_engine.NODE_ROOT, 0).op(snap.select(_engine.NODE_COMPLEMENT, 0), _engine.OP_OR)
    keep = [r for r in refs.ids()
            if starts.op(snap.ids([r]), _engine.OP_AND).count
            or snap.ids([r]).referrers().op(reached, _engine.OP_AND).count]
    return snap.ids(keep)


def _reach(src):
    """What engine set src reaches (itself included): its referents, theirs, ...; classes
    are not entered (every instance refers to its class, and a class reaches its module, so
    through them src would reach almost everything; Heapy's referents leave the class out)."""
    classes = _kinds.Type(type).alt("<=")
    reached = frontier = src
    while frontier.count:
        frontier = frontier.referents().op(reached, _engine.OP_SUB)
        frontier = frontier.op(classes._select(frontier), _engine.OP_SUB)
        reached = reached.op(frontier, _engine.OP_OR)
    return reached


def _er_classes(er):
    """(title name, function engine set -> [(row set, kind text)] largest first) for
    classifier object er (None: h.Clodo)."""
    if er is None or er == _kinds.Clodo:
        name, c = "[dict of] class", _engine.BY_CLODO
    else:
        name = "type" if er == _kinds.Type else er._header().lower()
        c = None
        from ._classifiers import REGISTRY
        if er._by is not None and REGISTRY[er._by].engine is not None:
            c = REGISTRY[er._by].engine

    def classes(refs):
        kinds = c if c is not None else er._custom(refs).kinds
        rows = sorted(refs.partition(kinds), key=lambda r: (-r[3], r[1]))
        return [(refs.select(kinds, r[0]), r[1]) for r in rows]
    return name, classes


class ReferencePattern:
    """``x.rp`` / ``x.get_rp(...)``: who refers to the set, by kind, and who refers to those, as
    a tree (depth first, rows numbered in order), as Heapy prints it.  Flags: [^ n] the same
    set as row n; [R] nothing refers to it (a root's, or src's); [S] a stop kind, not looked
    past; [-] its referrers follow; [+] the depth limit.  Ten rows a page: ``rp.more``,
    ``rp.all``; ``p[n]``, ``p.a`` and ``p._`` are the rows' sets, ``rp.paths('a3')`` the
    shortest paths from row a3's objects to the set."""

    __slots__ = ("rows", "sets", "byname", "title", "start", "complete", "_target")

    def __init__(self, idset, depth=7, limit=100, er=None, imdom=False, bf=False, src=None,
                 stopkind=None, nocyc=False, _copy=None, start=0):
        if _copy is not None:
            (self.rows, self.sets, self.byname, self.title, self.complete,
             self._target) = _copy
            self.start = start
            return
        self.rows = []      # (name, depth, flag, brief)
        self.sets = []
        self.byname = {}
        self.start = 0
        self._target = idset
        title, classes = _er_classes(er)
        self.title = "Reference Pattern by <%s>." % title
        within = None if src is None else _reach(src)
        seen = {}
        # (set, name, level, the sets on its way down to the target: nocyc's)
        stack = [(idset, "_", 0, ())]
        while stack and len(self.rows) < limit:
            s, name, level, above = stack.pop()
            index = len(self.rows)
            key = tuple(s.ids())
            refs = immediate_dominators(s) if imdom else s.referrers()
            if within is not None:
                refs = refs.op(within, _engine.OP_AND)
            for a in above + (s,) if nocyc else ():
                refs = refs.op(a, _engine.OP_SUB)
            children = []
            if key in seen:
                flag = "[^ %d]" % seen[key]
            else:
                seen[key] = index
                if refs.count == 0:
                    flag = "[R]"
                elif level > 0 and self._stops(s, stopkind):
                    flag = "[S]"
                elif level >= depth:
                    flag = "[+]"
                else:
                    flag = "[-]"
                    for k, (part, _) in enumerate(classes(refs)):
                        child = "" if name == "_" else name
                        children.append((part, child + _letters(k), level + 1, above + (s,)))
            self.rows.append((name, level, flag, None))
            self.sets.append(s)
            self.byname[name] = index
            stack.extend(reversed(children))
        self.complete = not stack
        self.rows = [(name, level, flag, _rp_summary(s, LINE - self._prefix_len(i, name, level, flag)))
                     for i, ((name, level, flag, _), s) in enumerate(zip(self.rows, self.sets))]

    @staticmethod
    def _stops(s, stopkind):
        if stopkind is not None:
            kind = _kinds.as_kind(stopkind, sets=True)
            if kind is None:
                raise TypeError("stopkind: expected a kind (h.Type(...) | ...), not %s"
                                % type(stopkind).__name__)
            return kind._select(s).count == s.count
        return all(r[1] in _STOP for r in s.partition(_engine.BY_CLODO))

    @staticmethod
    def _prefix(i, name, level, flag):
        """Heapy's row start: index, name, then dashes (even rows) or blanks up to column
        9 + depth, the flag."""
        head = "%2d: %s " % (i, _short(name))
        fill = ("-" if i % 2 == 0 else " ") * max(9 + level - len(head), 0)
        return "%s%s %s " % (head, fill, flag)

    def _prefix_len(self, i, name, level, flag):
        return len(self._prefix(i, name, level, flag))

    def _line(self, i):
        name, level, flag, text = self.rows[i]
        return (self._prefix(i, name, level, flag) + text).rstrip()

    def _page(self, start, stop, title):
        lines = [self.title] if title else []
        lines += [self._line(i) for i in range(start, min(stop, len(self.rows)))]
        left = len(self.rows) - stop
        if left > 0:
            lines.append("<%d more lines. Type e.g. '_.more' for more.>" % left)
        elif not self.complete and stop >= len(self.rows):
            lines.append("<rows past %d not made: x.get_rp(limit=...) for more>" % len(self.rows))
        return "\n".join(lines)

    def __str__(self):
        if self.start and self.start >= len(self.rows):
            return ""
        return self._page(self.start, self.start + PAGE, self.start == 0)

    __repr__ = __str__

    def _view(self, start):
        return ReferencePattern(None, _copy=(self.rows, self.sets, self.byname, self.title,
                                             self.complete, self._target), start=start)

    @property
    def more(self):
        """The next ten rows."""
        return self._view(self.start + PAGE)

    @property
    def all(self):
        """Every row made, with the title."""
        return _Text(self._page(0, len(self.rows), True))

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return new_set(self.sets[i], "clodo")

    def paths(self, key):
        """The shortest paths from the objects of row `key` (a name, 'a3', or an index) to the
        set, each starting Src (or the start's brief)."""
        row = self[key] if isinstance(key, int) else getattr(self, key)
        return new_set(self._target, "clodo").get_shpaths(src=row)

    def __getattr__(self, name):
        byname = object.__getattribute__(self, "byname")
        for full, index in byname.items():
            if full == name or _short(full) == name:
                return self[index]
        raise AttributeError(name)


hide(globals(), ById, ReferencePattern, _Describer, _Text)
