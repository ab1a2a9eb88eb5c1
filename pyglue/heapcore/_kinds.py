"""Kinds and classifiers as objects, as in Heapy: ``x & h.Type(Node)``, ``x - h.Rcs(h.Clodo(list))``,
``x & (h.Type(list) | h.Type(dict))``, ``x.by(h.Type & h.Size)``.

A kind names one row (or several) of a classifier; selecting it from a heap set partitions
the set by that classifier and keeps the matching rows.  Kinds combine symbolically (``| & ~``),
compare equal by what they select, and hash.  A classifier (Heapy's "equivalence relation":
``h.Type``, ``h.Clodo``, ``h.Size`` ...) makes kinds when called, and partitions a set with
``x.by(er)``; ``er1 & er2`` classifies by both, ``er.dictof`` instance dicts by their owners.
Kinds and classifiers hold references to types only (classes, which outlive a snapshot),
never to heap objects, and never run the program's code (no ``__eq__``, ``__hash__`` or
descriptor of the program is called: types are read through ``type``'s own slots).
"""
import ast
import builtins
import sys
import types

from . import _engine
from ._classifiers import REGISTRY, Custom, kind_key
from ._internal import hide, new_set, rows as _rows, classifier as _classifier, is_set, engine_set

_ALTS = ("<", "<=", "==", "!=", ">", ">=")
_TYPE_ALTS = {"<": "strict subtype", "<=": "subtype", ">=": "supertype", ">": "strict supertype"}
_RCS_ALTS = {"<": "by less than", "<=": "by at most", ">=": "by at least", ">": "by more than"}
_CMP = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, "==": lambda a, b: a == b,
        "!=": lambda a, b: a != b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
_type_mro = type.__dict__["__mro__"].__get__
_type_subclasses = type.__subclasses__
_module_dict = types.ModuleType.__dict__["__dict__"].__get__


def _empty(idset):
    return idset.op(idset, _engine.OP_SUB)  # empty, of the same snapshot


def _union(idset, parts):
    out = _empty(idset)
    for p in parts:
        out = out.op(p, _engine.OP_OR)
    return out


def _check_alt(op):
    if op not in _ALTS:
        raise ValueError("No such comparison symbol: %r" % (op,))


class Kind:
    """A kind of object: select with ``x & kind``, drop with ``x - kind``; combine with
    ``| & ~``; ``kind.dictof`` (the dicts such objects own), ``kind.alt('<=')``,
    ``kind.biper`` (a classifier: in the kind, or not)."""

    __slots__ = ("_by", "_text", "_repr")

    def __init__(self, by, text, rep):
        self._by = by
        self._text = text
        self._repr = rep

    def _matches(self, snap, kind, name):
        raise NotImplementedError

    def _matcher(self, snap):
        """A function (kind, name) -> True for the rows of snap that are of this kind."""
        return lambda kind, name: self._matches(snap, kind, name)

    def _select(self, idset):
        """The members of engine set idset that are of this kind."""
        c = REGISTRY[self._by].engine
        matches = self._matcher(idset.snapshot)
        return _union(idset, [idset.select(c, kind) for kind, name, _, _ in idset.partition(c)
                              if matches(kind, name)])

    def _key(self):
        """What identifies the kind: equal keys, equal kinds."""
        return (type(self).__name__, self._text)

    def _contains(self, obj):
        raise TypeError("'in %s' needs a heap walk: use (h.iso(obj) & kind)" % self._text)

    def __contains__(self, obj):
        return self._contains(obj)

    def __eq__(self, other):
        if not isinstance(other, Kind):
            return NotImplemented
        return self._key() == other._key()

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    def __hash__(self):
        return hash(self._key())

    def __or__(self, other):
        other = as_kind(other, sets=True)
        return NotImplemented if other is None else _Or(self, other)

    __ror__ = __or__

    def __xor__(self, other):
        other = as_kind(other, sets=True)
        return NotImplemented if other is None else _Or(_And(self, ~other), _And(~self, other))

    __rxor__ = __xor__

    def __and__(self, other):
        other = as_kind(other)  # a heap set: NotImplemented, and the set selects (x.__rand__)
        return NotImplemented if other is None else _And(self, other)

    def __rand__(self, other):
        other = as_kind(other)
        return NotImplemented if other is None else _And(other, self)

    def __sub__(self, other):
        other = as_kind(other, sets=True)
        return NotImplemented if other is None else _And(self, ~other)

    def __invert__(self):
        return _Not(self)

    @property
    def brief(self):
        return self._text

    @property
    def dictof(self):
        """The kind of the instance dicts (``__dict__``) owned by objects of this kind."""
        return _DictOf(self)

    @property
    def biper(self):
        """A classifier with two rows: this kind (``biper(0)``) and the rest (``biper(1)``)."""
        return findex(self)

    def alt(self, op):
        """The kind related by op to this one: '==' itself, '!=' its complement; '<', '<=',
        '>=', '>' for sizes (``<size >= 56>``), types (sub- and supertypes) and referrer kinds
        (referred by at most, at least ...)."""
        _check_alt(op)
        if op == "==":
            return self
        if op == "!=":
            return ~self
        return self._alt(op)

    def _alt(self, op):
        raise ValueError("%s has no alternative kind %r" % (self._text, op))

    def __str__(self):
        return self._text

    def __repr__(self):
        return self._repr


class _Type(Kind):
    __slots__ = ("_tp", "_op")

    def __init__(self, tp, op="=="):
        tp = _adapt_type(tp)
        name = _type_name(tp)
        text = name if op == "==" else "<%s of %s>" % (_TYPE_ALTS[op], name)
        Kind.__init__(self, "type", text, _type_repr(tp) + ("" if op == "==" else ".alt(%r)" % op))
        self._tp = tp
        self._op = op

    def _key(self):
        return ("type", id(self._tp), self._op)  # the kind holds tp: its id stays its own

    def _classes(self):
        """The classes this kind stands for."""
        if self._op == "==":
            return [self._tp]
        if self._op in (">=", ">"):
            mro = list(_type_mro(self._tp))
            return mro if self._op == ">=" else mro[1:]
        out, todo, seen = [], [self._tp], set()
        while todo:
            t = todo.pop()
            if id(t) in seen:
                continue
            seen.add(id(t))
            out.append(t)
            todo.extend(_type_subclasses(t))
        return out if self._op == "<=" else out[1:]

    def _matcher(self, snap):
        found = set()
        for t in self._classes():
            found |= _type_indices(snap, t)
        return lambda kind, name: kind in found

    def _alt(self, op):
        if self._op != "==":
            raise ValueError("Can not make alternative kind, non-equality comparison on underlying kind.")
        return _Type(self._tp, op)

    def _contains(self, obj):
        tp = type(obj)
        return any(t is tp for t in self._classes())


class _DictOf(Kind):
    """The instance dicts owned by objects of a kind (owner None: "dict (no owner)")."""

    __slots__ = ("_owner",)

    def __init__(self, owner):
        if owner is None:
            text, rep = "dict (no owner)", "h.Nothing.dictof"
        else:
            rep = repr(owner)
            text = "dict of " + owner._text
            rep = "%s.dictof" % ("(%s)" % rep if rep.startswith("~") else rep)
        Kind.__init__(self, "clodo", text, rep)
        self._owner = owner

    def _key(self):
        return ("dictof", None if self._owner is None else self._owner._key())

    def _select(self, idset):
        c = _engine.BY_CLODO
        snap = idset.snapshot
        if self._owner is None:
            return _union(idset, [idset.select(c, k) for k, name, _, _ in idset.partition(c)
                                  if name == "dict (no owner)"])
        owned = _union(idset, [idset.select(c, k) for k, _, _, _ in idset.partition(c) if k >= snap.ntypes])
        if isinstance(self._owner, _Type) and self._owner._op == "==":  # the engine's "dict of" kinds
            dicts = {snap.ntypes + t for t in _type_indices(snap, self._owner._tp)}
            return _union(owned, [owned.select(c, k) for k in dicts])
        ids = owned.ids()
        owners = [snap.node(i)["owner"] for i in ids]
        keep = set(self._owner._select(snap.ids(sorted(set(owners)))).ids())
        return snap.ids([i for i, o in zip(ids, owners) if o in keep])


class _Rcs(Kind):
    """Objects whose referrers are of exactly these clodo kinds (none: no referrer at all);
    with op '<=' at most these, '>=' at least these ('<' and '>' strictly)."""

    __slots__ = ("_names", "_set", "_op")

    def __init__(self, *kinds, op="=="):
        conv = [_clodo_kind(k) for k in kinds]
        names = sorted(set(k._text for k in conv))
        self._names = ", ".join(names) if names else "<Nothing>"
        self._set = frozenset(names)
        self._op = op
        arg = self._names
        if op == "==":
            text = "<referred by: %s>" % arg
        else:
            text = "<referred %s: %s>" % (_RCS_ALTS[op], arg)
        rep = ("h.Clodo.sokind%s.refdby" % "".join("(%s)" % _kind_arg_repr(k) for k in conv)
               if conv else "h.Rcs()")
        Kind.__init__(self, "rcs", text, rep if op == "==" else "%s.alt(%r)" % (rep, op))

    def _key(self):
        return ("rcs", self._set, self._op)

    def _matches(self, snap, kind, name):
        if self._op == "==":
            return name == self._names
        row = frozenset() if name == "<Nothing>" else frozenset(name.split(", "))
        return _CMP[self._op](row, self._set)

    def _alt(self, op):
        if self._op != "==":
            raise ValueError("Can not make alternative kind, non-equality comparison on underlying kind.")
        r = _Rcs(op=op)
        r._names, r._set = self._names, self._set
        r._text = "<referred %s: %s>" % (_RCS_ALTS[op], self._names)
        r._repr = "%s.alt(%r)" % (self._repr, op)
        return r


class _Module(Kind):
    __slots__ = ("_name", "_at")

    def __init__(self, name, at=None):
        if name is not None and not isinstance(name, str):
            raise TypeError("Module() takes a module name")
        if at is not None:
            if not isinstance(at, int):
                raise TypeError("Module(at=) takes an address")
            live = _module_at(at)
            if name is not None and live is not None and live != name:
                raise ValueError("The specified module has not name %r but %r." % (name, live))
            name = name if name is not None else live
        text = name if name is not None else "<module at 0x%x>" % at
        rep = "h.Module(%s)" % ", ".join(([repr(name)] if name is not None else [])
                                         + (["at=0x%x" % at] if at is not None else []))
        Kind.__init__(self, "module", text, rep)
        self._name = name
        self._at = at

    def _key(self):
        return ("module", self._name, self._at)

    def _matches(self, snap, kind, name):
        return name == self._name if self._name is not None else name != "~module"

    def _select(self, idset):
        found = Kind._select(self, idset)
        if self._at is None:
            return found
        return idset.snapshot.ids([i for i, a in zip(found.ids(), found.addresses()) if a == self._at])


class _Size(Kind):
    __slots__ = ("_size", "_op")

    def __init__(self, size, op="=="):
        if not isinstance(size, int) or size < 0:
            raise TypeError("Size() takes a size in bytes")
        Kind.__init__(self, "size", "<size %s %d>" % ("=" if op == "==" else op, size),
                      "h.Size(%d)" % size + ("" if op == "==" else ".alt(%r)" % op))
        self._size = size
        self._op = op

    def _key(self):
        return ("size", self._size, self._op)

    def _matches(self, snap, kind, name):
        return _CMP[self._op](int(name), self._size)

    def _alt(self, op):
        if self._op != "==":
            raise ValueError("Can not make alternative kind, non-equality comparison on underlying kind.")
        return _Size(self._size, op)


class _Via(Kind):
    """Objects referred to by exactly these labels (as byvia shows them): h.Via('.a'),
    h.Via("['key']", '[0]'); Heapy's spelling with a leading '_' ("_['key']") too.  A
    family's label selects by the family: h.Via('[*]') is what list and tuple items only refer
    to, at any index; h.Via('[3]') what only index 3 does."""

    __slots__ = ("_names", "_families")

    def __init__(self, *labels):
        labels = [_via_label(lab) for lab in labels]
        families = 0
        for lab in labels:
            if lab in _engine.VIA_FAMILIES:
                families |= 1 << _engine.VIA_FAMILIES.index(lab)
        for lab in labels:
            for f, fam in enumerate(_engine.VIA_FAMILIES):
                if (families >> f) & 1 and _is_index(lab, fam):
                    raise ValueError("h.Via(%r, %r): an object referred to at one index of a family and at "
                                     "any index of it is never the same kind" % (fam, lab))
        names = sorted(set(labels))
        self._names = ", ".join(repr(n) for n in names)
        self._families = families
        Kind.__init__(self, "via", "<via %s>" % self._names, "h.Via(%s)" % self._names)

    def _select(self, idset):
        kinds = idset.via_kinds(self._families)
        header = REGISTRY["via"].header
        return _union(idset, [idset.select(kinds, kind) for kind, name, _, _ in idset.partition(kinds)
                              if kind_key(header, name) == self._names])


def _via_label(lab):
    """A label as byvia spells it: Heapy's leading '_' dropped, an index or key written as
    repr writes it ('["k"]' is "['k']"); SyntaxError for what is no label."""
    if not isinstance(lab, str):
        raise SyntaxError("Cant make a relation of %r." % (lab,))
    org = lab
    if lab.startswith("_") and not lab.startswith("_)"):
        lab = lab[1:]
    if not lab.startswith((".", "[", "list(_)[", "<")):
        raise SyntaxError("Cant make a relation of %r." % (org,))
    if lab.startswith("[") and lab.endswith("]") and lab not in _engine.VIA_FAMILIES:
        try:
            key = ast.literal_eval(lab[1:-1])
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            key = None
        if type(key) in (str, int, bytes, float):
            lab = "[%r]" % (key,)
    return lab


def _is_index(label, family):
    """Whether label is one index of the family whose grouped label is `family` ("[3]" of "[*]")."""
    if family is None:
        return False
    prefix = family[:-2]
    return label.startswith(prefix) and label.endswith("]") and label[len(prefix):-1].isdigit()


class _Anything(Kind):
    __slots__ = ()

    def __init__(self):
        Kind.__init__(self, "unity", "<Anything>", "h.Anything")

    def _matches(self, snap, kind, name):
        return True

    def _contains(self, obj):
        return True


class _Id(Kind):
    """The object at one address (h.Id(id(o))); in a loaded file, the address it had."""

    __slots__ = ("_addr",)

    def __init__(self, address):
        if not isinstance(address, int) or address < 0:
            raise TypeError("Id() takes an address (an int)")
        Kind.__init__(self, "unity", "<id 0x%x>" % address, "h.Id(0x%x)" % address)
        self._addr = address

    def _key(self):
        return ("id", self._addr)

    def _select(self, idset):
        return idset.snapshot.ids([i for i, a in zip(idset.ids(), idset.addresses()) if a == self._addr])

    def _contains(self, obj):
        return id(obj) == self._addr


class _Prod(Kind):
    """Objects allocated at filename:lineno (lineno None: anywhere in the file), as byprod
    names them (tracemalloc must have been tracing)."""

    __slots__ = ("_file", "_line")

    def __init__(self, filename, lineno=None):
        if not isinstance(filename, str) or (lineno is not None and not isinstance(lineno, int)):
            raise TypeError("Prod() takes a file name and optionally a line number")
        Kind.__init__(self, "prod", filename if lineno is None else "%s:%d" % (filename, lineno),
                      "h.Prod(%s)" % ", ".join([repr(filename)] + ([] if lineno is None else [repr(lineno)])))
        self._file = filename
        self._line = lineno

    def _key(self):
        return ("prod", self._file, self._line)

    def _select(self, idset):
        x = new_set(idset).byprod
        kinds = _classifier(x).kinds
        want = self._text if self._line is not None else None
        return _union(idset, [idset.select(kinds, r[0]) for r in _rows(x)
                              if r[1] == want or (want is None and r[1].rsplit(":", 1)[0] == self._file)])


class _Or(Kind):
    __slots__ = ("_parts",)

    def __init__(self, *kinds):
        parts, keys = [], set()
        for k in kinds:
            for p in (k._parts if isinstance(k, _Or) else (k,)):
                if p._key() not in keys:
                    keys.add(p._key())
                    parts.append(p)
        Kind.__init__(self, None, "(%s)" % " | ".join(sorted(p._text for p in parts)),
                      "(%s)" % " | ".join(sorted(repr(p) for p in parts)))
        self._parts = tuple(parts)

    def _key(self):
        return ("or", frozenset(p._key() for p in self._parts))

    def _select(self, idset):
        return _union(idset, [p._select(idset) for p in self._parts])

    def _contains(self, obj):
        return any(obj in p for p in self._parts)


class _And(Kind):
    __slots__ = ("_parts",)

    def __init__(self, *kinds):
        parts = []
        for k in kinds:
            parts.extend(k._parts if isinstance(k, _And) else (k,))
        Kind.__init__(self, None, "(%s)" % " & ".join(p._text for p in parts),
                      "(%s)" % " & ".join(repr(p) for p in parts))
        self._parts = tuple(parts)

    def _key(self):
        return ("and", tuple(p._key() for p in self._parts))

    def _select(self, idset):
        for p in self._parts:
            idset = p._select(idset)
        return idset

    def _contains(self, obj):
        return all(obj in p for p in self._parts)


class _Not(Kind):
    __slots__ = ("_kind",)

    def __init__(self, kind):
        n = kind._text
        if not n.startswith(("(", "<")) and " " in n:
            n = "(%s)" % n
        Kind.__init__(self, None, "~" + n, "~" + repr(kind))
        self._kind = kind

    def _key(self):
        return ("not", self._kind._key())

    def __invert__(self):
        return self._kind

    def _select(self, idset):
        return idset.op(self._kind._select(idset), _engine.OP_SUB)

    def _contains(self, obj):
        return obj not in self._kind


class _Findex(Kind):
    """Row i of a findex classifier: objects whose first matching kind is kinds[i] (i out of
    range: of none of them)."""

    __slots__ = ("_er", "_i")

    def __init__(self, er, i):
        if not isinstance(i, int):
            raise TypeError("findex kinds are numbered by an int")
        Kind.__init__(self, None, er._row_name(i), "%r(%d)" % (er, i))
        self._er = er
        self._i = i

    def _key(self):
        return ("findex", self._er._key(), self._i if 0 <= self._i < len(self._er._kinds) else -1)

    def _select(self, idset):
        return idset.snapshot.ids([m for m, i in zip(idset.ids(), self._er._indices(idset))
                                   if i == (self._i if 0 <= self._i < len(self._er._kinds) else -1)])


# -- classifiers as objects ---------------------------------------------------------------------


class EquivalenceRelation:
    """A classifier: called, it makes a kind (``h.Type(int)``); ``x.by(er)`` partitions by it;
    ``er1 & er2`` classifies by both (rows "list & 88"); ``er.dictof`` classifies instance
    dicts by their owners' kinds; ``er.sokind(...)`` is a set of its kinds."""

    __slots__ = ("_name", "_by")

    def __init__(self, name, by):
        self._name = name  # as h.<name> shows it
        self._by = by      # the registry name x.by takes, or None (computed here)

    def __repr__(self):
        return "h." + self._name

    def __call__(self, *args, **kwds):
        return self._kind(*args, **kwds)

    def _kind(self, *args, **kwds):
        raise TypeError("%r makes no kinds" % self)

    def _key(self):
        return ("er", self._name)

    def __eq__(self, other):
        if not isinstance(other, EquivalenceRelation):
            return NotImplemented
        return self._key() == other._key()

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    def __hash__(self):
        return hash(self._key())

    def __and__(self, other):
        if not isinstance(other, EquivalenceRelation):
            return NotImplemented
        return _AndER(self, other)

    @property
    def dictof(self):
        """Classifies instance dicts by their owners' kinds under this classifier ("dict of
        <size = 56>" ...); ``er.dictof(...)`` is ``er(...).dictof``."""
        return _DictOfER(self)

    @property
    def refdby(self):
        """Classifies objects by the set of their referrers' kinds (only Clodo's: h.Rcs)."""
        if self._key() != Clodo._key():
            raise ValueError("%s.refdby: referrers are classified by Clodo only (h.Clodo.refdby, h.Rcs)" % self)
        return Rcs

    def sokind(self, *args, **kwds):
        """A set of this classifier's kinds, ``h.Clodo.sokind(list)(dictof=())``; its
        ``.refdby`` is the kind of objects referred to by exactly those kinds."""
        return SoKind(self, (self(*args, **kwds),))

    def _header(self, ctx=""):
        return REGISTRY[self._by].header

    def _render(self, name, ctx):
        return name

    def _labels(self, idset, ctx=""):
        """The row name of each member of engine set idset (in id order) under this classifier,
        as a table shows it (ctx 'and': as a part of an & classifier's row)."""
        c = REGISTRY[self._by].engine if self._by != "via" else idset.via_kinds(-1)
        names = {k: self._render(name, ctx) for k, name, _, _ in idset.partition(c)}
        return [names[k] for k in idset.kinds(c)]

    def _custom(self, idset):
        """This classifier for engine set idset, as the partition of a heap set."""
        labels = self._labels(idset)
        index, names = {}, []
        kinds = [index.setdefault(lab, len(index)) for lab in labels]
        names = sorted(index, key=index.get) or ["<Nothing>"]
        return Custom(idset.explicit_kinds(kinds, names), self._header(), self)


class _TypeER(EquivalenceRelation):
    __slots__ = ()

    def _kind(self, tp):
        return _Type(tp)

    def __getattr__(self, name):
        """h.Type.Int, h.Type.Function: the type named so in types (FunctionType) or builtins."""
        if name[:1].isupper():
            tp = getattr(types, name + "Type", None)
            if tp is None:
                tp = getattr(builtins, name.lower(), None)
            if isinstance(tp, type):
                return _Type(tp)
        raise AttributeError(name)


class _ClodoER(EquivalenceRelation):
    __slots__ = ()

    def _kind(self, kind=None, dictof=None):
        """A class (not dict), or "dict of" a class (dictof=cls), or "dict (no owner)" (dictof=())."""
        if (kind is None) == (dictof is None):
            raise TypeError("Clodo() takes a class, or dictof=class, or dictof=()")
        if kind is not None:
            tp = _adapt_type(kind, "Clodo() takes a class")
            if tp is dict:
                raise TypeError("Clodo(dict): use Clodo(dictof=cls) or Clodo(dictof=())")
            return _Type(tp)
        if isinstance(dictof, tuple) and dictof == ():
            return _DictOf(None)
        return _DictOf(_Type(_adapt_type(dictof, "dictof= takes a class or ()")))


class _RcsER(EquivalenceRelation):
    __slots__ = ()

    def _kind(self, *kinds):
        flat = []
        for k in kinds:
            flat.extend(k._kinds if isinstance(k, SoKind) else (k,))
        return _Rcs(*flat)

    def __repr__(self):
        return "h.Clodo.refdby"

    def _header(self, ctx=""):
        h = REGISTRY["rcs"].header
        return "{%s}" % h if ctx else h

    def _render(self, name, ctx):
        return ("{%s}" % ("" if name == "<Nothing>" else name)) if ctx else name


class _SizeER(EquivalenceRelation):
    __slots__ = ()

    def _kind(self, size):
        return _Size(size)

    def _render(self, name, ctx):
        return str(int(name)) if ctx else name


class _ModuleER(EquivalenceRelation):
    __slots__ = ()

    def _kind(self, name=None, at=None):
        """h.Module('json'), h.Module(at=id(m)); h.Module() is everything but modules."""
        if name is None and at is None:
            return ~_Type(types.ModuleType)
        return _Module(name, at)


class _ViaER(EquivalenceRelation):
    __slots__ = ()

    def _kind(self, *labels):
        return _Via(*labels)

    def _header(self, ctx=""):
        return "{Referred Via}" if ctx else REGISTRY["via"].header

    def _render(self, name, ctx):
        return "{%s}" % name if ctx else name


class _UnityER(EquivalenceRelation):
    __slots__ = ()

    def _kind(self):
        return Anything


class _IdER(EquivalenceRelation):
    __slots__ = ()

    def _kind(self, address):
        return _Id(address)

    def _header(self, ctx=""):
        return "Object Identity"

    def _labels(self, idset, ctx=""):
        return ["<id 0x%x>" % a for a in idset.addresses()]


class _IdsetER(EquivalenceRelation):
    """h.Idset: each object its own row, named by its one-object set's brief (x.byidset);
    ``h.Idset(x)`` is the kind of heap set x's objects."""

    __slots__ = ()

    def _kind(self, x):
        if not is_set(x):
            raise TypeError("Idset() takes a heap set, not %s" % type(x).__name__)
        return set_kind(x)

    def _header(self, ctx=""):
        return "by identity set"


class _ProdER(EquivalenceRelation):
    __slots__ = ()

    def _kind(self, filename, lineno=None):
        return _Prod(filename, lineno)

    def _labels(self, idset, ctx=""):
        x = new_set(idset).byprod
        return _custom_labels(x, idset)


class _AndER(EquivalenceRelation):
    """Classifies by several classifiers at once: header "Type & Individual Size", rows
    "list & 88"."""

    __slots__ = ("_parts",)

    def __init__(self, *ers):
        parts = []
        for e in ers:
            parts.extend(e._parts if isinstance(e, _AndER) else (e,))
        EquivalenceRelation.__init__(self, "(%s)" % " & ".join(repr(p)[2:] for p in parts), None)
        self._parts = tuple(parts)

    def __repr__(self):
        return "(%s)" % " & ".join(repr(p) for p in self._parts)

    def _key(self):
        return ("and", tuple(p._key() for p in self._parts))

    def _header(self, ctx=""):
        h = " & ".join(p._header("and") for p in self._parts)
        return "(%s)" % h if ctx == "and" else h

    def _labels(self, idset, ctx=""):
        each = [p._labels(idset, "and") for p in self._parts]
        out = [" & ".join(t) for t in zip(*each)]
        return ["(%s)" % s for s in out] if ctx == "and" else out


class _DictOfER(EquivalenceRelation):
    """Instance dicts by their owners' kinds ("dict of list"), "dict (no owner)", and "~dict"
    for everything else."""

    __slots__ = ("_owner_er",)

    def __init__(self, owner_er):
        EquivalenceRelation.__init__(self, owner_er._name + ".dictof", None)
        self._owner_er = owner_er

    def __repr__(self):
        return "%r.dictof" % (self._owner_er,)

    def _kind(self, *args, **kwds):
        if not args and not kwds:
            return _DictOf(None)
        return self._owner_er(*args, **kwds).dictof

    def _key(self):
        return ("dictof", self._owner_er._key())

    def _header(self, ctx=""):
        return "Dict of %s" % self._owner_er._header(ctx)

    def _labels(self, idset, ctx=""):
        c = _engine.BY_CLODO
        snap = idset.snapshot
        names = {k: name for k, name, _, _ in idset.partition(c)}
        ids = idset.ids()
        kinds = idset.kinds(c)
        owner = {i: snap.node(i)["owner"] for i, k in zip(ids, kinds) if k >= snap.ntypes}
        owners = sorted(set(owner.values()))
        oset = snap.ids(owners)
        olabel = dict(zip(oset.ids(), self._owner_er._labels(oset, ctx)))
        return ["dict of " + olabel[owner[i]] if i in owner else
                ("dict (no owner)" if names[k] == "dict (no owner)" else "~dict")
                for i, k in zip(ids, kinds)]


class _FindexER(EquivalenceRelation):
    """Classifies by the first of some kinds an object is of: rows "list / 0", "<None>"."""

    __slots__ = ("_kinds",)

    def __init__(self, kinds):
        EquivalenceRelation.__init__(self, "findex(%s)" % ", ".join(repr(k) for k in kinds), None)
        self._kinds = kinds

    def _key(self):
        return ("findex", tuple(k._key() for k in self._kinds))

    def _kind(self, i):
        return _Findex(self, i)

    def _header(self, ctx=""):
        return "First Matching Kind / Index"

    def _row_name(self, i):
        return "%s / %d" % (self._kinds[i]._text, i) if 0 <= i < len(self._kinds) else "<None>"

    def _indices(self, idset):
        """Each member's index of its first matching kind, -1 for none."""
        where = {m: -1 for m in idset.ids()}
        rest = idset
        for i, k in enumerate(self._kinds):
            hit = k._select(rest)
            for m in hit.ids():
                where[m] = i
            rest = rest.op(hit, _engine.OP_SUB)
        return [where[m] for m in idset.ids()]

    def _labels(self, idset, ctx=""):
        return [self._row_name(i) for i in self._indices(idset)]


class SoKind:
    """A set of kinds of one classifier (Heapy's sokind): ``h.Clodo.sokind(list)(dictof=())``;
    ``.refdby`` is the kind of objects referred to by exactly these kinds."""

    __slots__ = ("_er", "_kinds")

    def __init__(self, er, kinds):
        self._er = er
        self._kinds = tuple(kinds)

    def __call__(self, *args, **kwds):
        return SoKind(self._er, self._kinds + (self._er(*args, **kwds),))

    @property
    def refdby(self):
        self._er.refdby  # only Clodo's: ValueError otherwise
        return _Rcs(*self._kinds)

    def __eq__(self, other):
        if not isinstance(other, SoKind):
            return NotImplemented
        return self._er == other._er and {k._key() for k in self._kinds} == {k._key() for k in other._kinds}

    def __hash__(self):
        return hash(frozenset(k._key() for k in self._kinds))

    def __repr__(self):
        return "%r.sokind%s" % (self._er, "".join("(%s)" % _kind_arg_repr(k) for k in self._kinds))


def _custom_labels(x, idset):
    """The row name of each member of engine set idset in heap set x's own partition (x over
    the same members, by a classifier computed per set)."""
    kinds = _classifier(x).kinds
    names = {r[0]: r[1] for r in _rows(x)}
    return [names[k] for k in idset.kinds(kinds)]


def _clodo_kind(k):
    """k as a clodo kind (for h.Rcs): a class (not dict), its .dictof, or dict (no owner)."""
    if isinstance(k, type):
        return Clodo(k)
    if isinstance(k, _Type) and k._op == "==" or isinstance(k, _DictOf) and (
            k._owner is None or isinstance(k._owner, _Type) and k._owner._op == "=="):
        return k
    raise TypeError("Rcs() takes classes and Clodo kinds (h.Clodo(C), h.Clodo(dictof=C)), not %r" % (k,))


def _kind_arg_repr(k):
    """A clodo kind as Heapy writes it among sokind's arguments."""
    if isinstance(k, _DictOf):
        return "dictof=%s" % ("()" if k._owner is None else repr(_tc_repr(k._owner._tp)))
    return repr(_tc_repr(k._tp))


def _tc_repr(tp):
    """Heapy's string for a type, '<type builtins.int at 0x7f..>' (h.Type takes it back).  The
    name is the snapshot's (read in C: a key of the class's dict that compares with
    '__module__' is never compared)."""
    name = _type_name(tp)
    return "<type %s at 0x%x>" % (name if "." in name else "builtins." + name, id(tp))


def _type_repr(tp):
    for name, t in vars(types).items():
        if name.endswith("Type") and t is tp:
            return "h.Type.%s" % name[:-4]
    return "h.Type(%r)" % _tc_repr(tp)


def _adapt_type(tp, message="Argument should be a type."):
    """tp (a class, or Heapy's '<type mod.Name at 0x..>' string for a live class that its module
    names so) as a class; TypeError or ValueError otherwise."""
    if isinstance(tp, type):
        return tp
    if not isinstance(tp, str):
        raise TypeError(message)
    parts = tp[1:-1].split(" ") if tp.startswith("<") and tp.endswith(">") else []
    if len(parts) != 4 or parts[0] not in ("type", "class") or parts[2] != "at" or "." not in parts[1]:
        raise ValueError("A type string should be of form '<type MODULE.NAME at 0xADDR>'. I got: %r" % tp)
    modname, _, name = parts[1].rpartition(".")
    try:
        addr = int(parts[3], 16)
    except ValueError:
        raise ValueError("A type string should be of form '<type MODULE.NAME at 0xADDR>'. I got: %r" % tp) from None
    m = _str_key(sys.modules, modname)
    found = _str_key(_module_dict(m), name) if isinstance(m, types.ModuleType) else None
    if not isinstance(found, type) or id(found) != addr:
        raise ValueError("No type %s at 0x%x (its module does not name it so)" % (parts[1], addr))
    return found


def _str_key(d, key):
    """d[key] for a dict d and a str key, or None, comparing str keys only (a key object of the
    program's that collides with `key` is never compared: its __eq__ would run)."""
    if type(d) is dict:
        for k, v in dict.items(d):
            if type(k) is str and k == key:
                return v
    return None


def _module_at(address):
    """The name under which sys.modules holds the module at address, or None."""
    mods = sys.modules
    if type(mods) is dict:
        for name, m in dict.items(mods):
            if id(m) == address and isinstance(m, types.ModuleType):
                return name if type(name) is str else None
    return None


def _type_indices(snap, tp):
    """The type indices of engine snapshot snap that stand for class tp, as a frozenset.

    A live snapshot: tp's own entry, found by identity (the type's address), if the name it
    recorded is still tp's name; else the address was freed and reused by another type after
    the walk, and nothing matches.  A loaded file (or a subinterpreter's heap): the addresses
    are another process's, so every type recorded under tp's full name matches (two classes
    with one name are one kind there)."""
    name = _type_name(tp)
    names = snap.type_names()
    if snap.loaded:
        return frozenset(t for t, n in enumerate(names) if n == name)
    t = snap.type_index(tp)
    return frozenset() if t is None or names[t] != name else frozenset((t,))


def _type_name(tp):
    return _engine.type_name(tp)  # as the snapshot names it; a metaclass cannot interfere


def as_kind(obj, sets=False):
    """A kind for obj (a Kind, or a bare type: h.Type; with sets, a heap set too: the kind of
    its members), or None."""
    if isinstance(obj, Kind):
        return obj
    if isinstance(obj, type):
        return _Type(obj)
    if sets and is_set(obj):
        return set_kind(obj)
    return None


class _Set(Kind):
    """The objects of a heap set, as a kind (Heapy mixes sets and kinds: ``x | h.Type(int)``,
    ``~x``, ``x.dictof``).  Members are matched by address and type (the set's own snapshot
    by node), so a set from another walk selects its objects as they were then.  Holds the
    set's engine set (node ids, no heap object)."""

    __slots__ = ("_members", "_addrs")

    def __init__(self, idset, text, rep):
        Kind.__init__(self, None, text, rep)
        self._members = idset
        self._addrs = None

    def _key(self):
        if self._addrs is None:
            types = [self._members.snapshot.node(i)["type"] for i in self._members.ids()]
            self._addrs = frozenset(zip(self._members.addresses(), types))
        return ("set", self._addrs)

    def _select(self, idset):
        if idset.same_graph(self._members):
            return idset.op(self._members, _engine.OP_AND)
        return idset.sub_foreign(idset.sub_foreign(self._members))

    def _contains(self, obj):
        sid = self._members.snapshot.lookup(obj)
        return sid is not None and self._members.op(self._members.snapshot.ids([sid]), _engine.OP_AND).count == 1

    @property
    def dictof(self):
        if self._members.count == 0:  # Heapy: h.Nothing.dictof is "dict (no owner)"
            return _DictOf(None)
        return _DictOf(self)


def set_kind(x):
    """Heap set x as a kind (see _Set): str is x's brief, repr Heapy's (``h.Nothing`` for the
    empty set)."""
    s = engine_set(x)
    if s.count == 0:
        return _Set(s, "<Nothing>", "h.Nothing")
    brief = x.brief
    return _Set(s, brief, brief)


def findex(*kinds):
    """A classifier by the first of `kinds` each object is of: ``x.by(h.findex(h.Type(list),
    h.Type(dict)))`` has rows "list / 0", "dict / 1" and "<None>"; ``h.findex(...)(i)`` is
    row i as a kind."""
    conv = []
    for k in kinds:
        c = as_kind(k)
        if c is None:
            raise TypeError("findex() takes kinds, not %r" % type(k).__name__)
        conv.append(c)
    return _FindexER(tuple(conv))


Type = _TypeER("Type", "type")
Clodo = _ClodoER("Clodo", "clodo")
Rcs = _RcsER("Rcs", "rcs")
Module = _ModuleER("Module", "module")
Size = _SizeER("Size", "size")
Via = _ViaER("Via", "via")
Unity = _UnityER("Unity", "unity")
Id = _IdER("Id", "id")
Idset = _IdsetER("Idset", "idset")
Prod = _ProdER("Prod", "prod")
Anything = _Anything()


def er_of(by):
    """The classifier object for `by` (a registry name, or a Custom), or None: x.er."""
    if isinstance(by, Custom):
        return by.er
    return {"type": Type, "clodo": Clodo, "rcs": Rcs, "module": Module, "size": Size, "via": Via,
            "via_exact": Via, "unity": Unity, "id": Id, "prod": Prod, "idset": Idset}.get(by)

hide(globals(), Kind, _Type, _DictOf, _Rcs, _Module, _Size, _Via, _Anything, _Id, _Prod, _Or, _And, _Not,
     _Findex, EquivalenceRelation, _TypeER, _ClodoER, _RcsER, _SizeER, _ModuleER, _ViaER, _UnityER, _IdER,
     _ProdER, _AndER, _DictOfER, _FindexER, SoKind, _Set, _IdsetER)
