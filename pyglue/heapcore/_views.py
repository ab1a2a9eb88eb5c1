"""Views of a set that are not partitions: ``x.byid`` (one row per object, with a brief
description of each) and ``x.rp`` (the reference pattern: the referrers' kinds, as a tree).

Both keep only node ids; the brief descriptions of byid read live objects (found by a fresh
walk) only for the rows shown, and only through C-level attributes of built-in types
(lengths, str/int values, function and module names): no user code runs.
"""
import re
import types

from . import _engine
from ._internal import hide, new_set

PAGE = 10
_SCALARS = (int, float, bool, complex)
_SIZED = (list, tuple, set, frozenset, dict, bytearray)


def _limited(r, width=60):
    return r if len(r) <= width else r[:width - 3] + "..."


def brief(node, obj, owner_address=None):
    """Heapy's brief description of one object: "str: 'k0'", "list: 0x7f..*3", "function:
    mod.f", "dict of mod.Node: 0x7f.. (its owner)"; kind and address when freed."""
    kind, addr = node["kind"], node["address"]
    if kind.startswith("dict of ") and owner_address is not None:
        return "%s: 0x%x" % (kind, owner_address)
    if obj is None:
        return "%s: 0x%x" % (kind, addr)
    # type() is Py_TYPE; every test below is by identity or on an exact built-in type, so no
    # metaclass __eq__, __getattribute__('__class__') or proxy forwarding can run.
    t = type(obj)
    if t is str or t is bytes:
        return "%s: %s" % (kind, _limited(repr(obj)))
    if _one_of(t, _SCALARS):
        if t is int and obj.bit_length() > 128:
            return "%s: 0x%x" % (kind, addr)
        return "%s: %r" % (kind, obj)
    if _one_of(t, _SIZED):
        return "%s: 0x%x*%d" % (kind, addr, len(obj))
    if t is types.BuiltinFunctionType:
        return "%s: %s" % (kind, _text(obj.__name__))
    if t is types.FunctionType:  # both are data descriptors of function: no __dict__ lookup
        return "function: %s.%s" % (_text(obj.__module__), _text(obj.__qualname__))
    if t is types.ModuleType:
        return "module: %s" % (node["name"] or "?")
    if issubclass(t, type):  # type is exact: CPython reads t's MRO, asks no __subclasscheck__
        return "%s: %s" % (kind, _engine.type_name(obj))
    return "%s: 0x%x" % (kind, addr)


def _one_of(t, types_):
    """t is one of types_, by identity (`t in types_` would call a metaclass's __eq__)."""
    for k in types_:
        if t is k:
            return True
    return False


def _text(v):
    """An attribute's value as text when it is an exact str, else '?' (formatting anything
    else would call its __str__)."""
    return v if type(v) is str else "?"


class ById:
    """``x.byid``: each object its own row, largest first (then by address), with its brief
    description.  ``b[i]`` is row i as a one-object set."""

    __slots__ = ("_idset", "_order", "_start", "_kinds")

    def __init__(self, idset, order=None, start=0):
        self._idset = idset
        if order is None:
            names = {r[0]: r[1] for r in idset.partition(_engine.BY_SIZE)}
            sizes = [int(names[k]) for k in idset.kinds(_engine.BY_SIZE)]
            order = sorted(zip((-s for s in sizes), idset.addresses(), idset.ids()))
            order = [(-negsize, node_id) for negsize, _, node_id in order]
        self._order = order
        self._start = start
        self._kinds = None

    def __len__(self):
        return len(self._order)

    def __getitem__(self, i):
        if not isinstance(i, int):
            raise TypeError("byid index must be an int")
        if i < 0:
            i += len(self._order)
        if not 0 <= i < len(self._order):
            raise IndexError("Partition index out of range.")
        return new_set(self._idset.snapshot.ids([self._order[i][1]]), "clodo")

    def _header(self):
        if self._kinds is None:
            self._kinds = [r[1] for r in self._idset.partition(_engine.BY_CLODO)]
        what = self._kinds[0] if len(self._kinds) == 1 else "<mixed>"
        count = len(self._order)
        return "Set of %d %s object%s. Total size = %d bytes." % (
            count, what, "" if count == 1 else "s", self._idset.size)

    def _lines(self, start, stop):
        snap = self._idset.snapshot
        rows = self._order[start:stop]
        nodes = [snap.node(node_id) for _, node_id in rows]
        live = dict(snap.ids(sorted(node_id for _, node_id in rows)).resolve(True))
        total = self._idset.size
        cumul = sum(size for size, _ in self._order[:start])
        out = []
        for k, ((size, node_id), node) in enumerate(zip(rows, nodes)):
            cumul += size
            owner = node["owner"]
            text = brief(node, live.get(node_id), snap.node(owner)["address"] if owner is not None else None)
            out.append("%6d%9d%6.1f%10d%6.1f %s" % (
                start + k, size, 100.0 * size / total if total else 0.0, cumul,
                100.0 * cumul / total if total else 0.0, text))
        return out

    def __str__(self):
        if not self._order:
            return "<Nothing>"
        stop = self._start + PAGE
        lines = [self._header(), " Index     Size   %   Cumulative  %   Brief"] if self._start == 0 else []
        lines += self._lines(self._start, stop)
        left = len(self._order) - stop
        if left > 0:
            lines.append("<%d more rows. Type e.g. '_.more' to view.>" % left)
        return "\n".join(lines)

    __repr__ = __str__

    @property
    def more(self):
        return ById(self._idset, self._order, self._start + PAGE)


# Kinds the reference pattern does not look past: their referrers are the interpreter's
# structure (modules, classes, code), not the program's data.
_STOP = {"module", "type", "dict of module", "dict of type", "code", "types.FrameType", "frame",
         "function"}


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


def set_brief(idset):
    """'3 dict of module: __main__, json', '1000 list: 0x7f.., 0x7f.., 0x7f..'."""
    snap = idset.snapshot
    rows = idset.partition(_engine.BY_CLODO)
    kind = rows[0][1] if len(rows) == 1 else "<mixed>"
    ids = idset.ids()
    head = ids[:3]
    if kind in ("module", "dict of module"):
        names = []
        for node_id in head:
            node = snap.node(node_id)
            if kind == "dict of module" and node["owner"] is not None:
                node = snap.node(node["owner"])
            names.append(node["name"] or "?")
        items = ", ".join(names)
    else:
        items = ", ".join("0x%x" % a for a in idset.snapshot.ids(head).addresses())
    return "%d %s: %s%s" % (idset.count, kind, items, "..." if len(ids) > 3 else "")


class ReferencePattern:
    """``x.rp``: who refers to the set, by kind, and who refers to those, as a tree (depth
    first, rows numbered in order).  Flags: [-] its referrers follow; [+] depth limit; [S] a
    kind not looked past (modules, types, code, functions and their dicts); [^ n] the same set
    as row n; [R] held by a root and nothing else.  ``p[n]``, ``p.a`` and ``p._`` are the
    rows' sets."""

    __slots__ = ("rows", "sets", "byname")

    def __init__(self, idset, depth=7, limit=100):
        self.rows = []      # (name, depth, flag, brief)
        self.sets = []
        self.byname = {}
        seen = {}
        stack = [(idset, "_", 0)]
        while stack and len(self.rows) < limit:
            s, name, level = stack.pop()
            index = len(self.rows)
            key = tuple(s.ids())
            children = []
            if key in seen:
                flag = "[^ %d]" % seen[key]
            else:
                seen[key] = index
                kinds = [r[1] for r in s.partition(_engine.BY_CLODO)]
                if len(kinds) == 1 and kinds[0] in _STOP and level > 0:
                    flag = "[S]"
                elif level >= depth:
                    flag = "[+]"
                else:
                    refs = s.referrers()
                    if refs.count == 0:
                        flag = "[R]"
                    else:
                        flag = "[-]"
                        parts = sorted(refs.partition(_engine.BY_CLODO), key=lambda r: (-r[3], r[1]))
                        for k, part in enumerate(parts):
                            child = "" if name == "_" else name
                            children.append((refs.select(_engine.BY_CLODO, part[0]), child + _letters(k), level + 1))
            self.rows.append((name, level, flag, set_brief(s)))
            self.sets.append(s)
            self.byname[name] = index
            stack.extend(reversed(children))

    def __str__(self):
        lines = ["Reference Pattern by <[dict of] class>."]
        for i, (name, level, flag, text) in enumerate(self.rows):
            shown = _short(name)
            col = 10 + level  # the flag's column
            fill = max(col - (4 + len(shown)) - 2, 1)
            line = "%2d: %s %s %s %s" % (i, shown, ("-" if i % 2 == 0 else " ") * fill, flag, text)
            lines.append(line if len(line) <= 100 else line[:99] + "…")
        return "\n".join(lines)

    __repr__ = __str__

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return new_set(self.sets[i], "clodo")

    def __getattr__(self, name):
        byname = object.__getattribute__(self, "byname")
        for full, index in byname.items():
            if full == name or _short(full) == name:
                return self[index]
        raise AttributeError(name)


hide(globals(), ById, ReferencePattern)
