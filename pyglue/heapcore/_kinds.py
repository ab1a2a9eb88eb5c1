"""Kinds as objects, as in Heapy: ``x & h.Type(Node)``, ``x - h.Rcs(h.Clodo(list))``.

A kind names one row (or several) of a classifier; selecting it from a heap set partitions
the set by that classifier and keeps the matching rows.  Kinds hold references to types only
(classes, which outlive a snapshot), never to heap objects.
"""
from . import _engine
from ._classifiers import REGISTRY, kind_key
from ._internal import hide


class Kind:
    """A kind of object: select with ``x & kind``, drop with ``x - kind``."""

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
        out = idset.op(idset, _engine.OP_SUB)  # empty, of the same snapshot
        for kind, name, _, _ in idset.partition(c):
            if matches(kind, name):
                out = out.op(idset.select(c, kind), _engine.OP_OR)
        return out

    def __str__(self):
        return self._text

    def __repr__(self):
        return self._repr


class _Type(Kind):
    __slots__ = ("_tp",)

    def __init__(self, tp):
        Kind.__init__(self, "type", _type_name(tp), "h.Type(%s)" % _type_name(tp))
        self._tp = tp

    def _matcher(self, snap):
        types = _type_indices(snap, self._tp)
        return lambda kind, name: kind in types


class _Clodo(Kind):
    """A class, or "dict of" a class (dictof=cls), or "dict (no owner)" (dictof=())."""

    __slots__ = ("_tp", "_dictof")

    def __init__(self, tp=None, dictof=None):
        if (tp is None) == (dictof is None):
            raise TypeError("Clodo() takes a class, or dictof=class, or dictof=()")
        if tp is not None:
            if not isinstance(tp, type):
                raise TypeError("Clodo() takes a class")
            if issubclass(tp, dict) and tp is dict:
                raise TypeError("Clodo(dict): use Clodo(dictof=cls) or Clodo(dictof=())")
            text = _type_name(tp)
        elif dictof == ():
            text = "dict (no owner)"
        elif isinstance(dictof, type):
            text = "dict of " + _type_name(dictof)
        else:
            raise TypeError("dictof= takes a class or ()")
        Kind.__init__(self, "clodo", text, "h.Clodo(%s)" % (
            _type_name(tp) if tp is not None else "dictof=%s" % ("()" if dictof == () else _type_name(dictof))))
        self._tp = tp
        self._dictof = dictof

    def _matcher(self, snap):
        if self._tp is not None:
            types = _type_indices(snap, self._tp)
            return lambda kind, name: kind in types
        if self._dictof == ():
            return lambda kind, name: name == "dict (no owner)"
        dicts = {snap.ntypes + t for t in _type_indices(snap, self._dictof)}  # "dict of" kinds
        return lambda kind, name: kind in dicts


class _Rcs(Kind):
    """Objects whose referrers are of exactly these clodo kinds (none: no referrer at all)."""

    __slots__ = ("_names",)

    def __init__(self, *kinds):
        conv = [k if isinstance(k, _Clodo) else _Clodo(k) for k in kinds]
        names = sorted(set(k._text for k in conv))
        self._names = ", ".join(names) if names else "<Nothing>"
        Kind.__init__(self, "rcs", "<referred by: %s>" % self._names if names else "<referred by nothing>",
                      "h.Rcs(%s)" % ", ".join(repr(k) for k in conv))

    def _matches(self, snap, kind, name):
        return name == self._names


class _Module(Kind):
    __slots__ = ("_name",)

    def __init__(self, name):
        if not isinstance(name, str):
            raise TypeError("Module() takes a module name")
        Kind.__init__(self, "module", name, "h.Module(%r)" % name)
        self._name = name

    def _matches(self, snap, kind, name):
        return name == self._name


class _Size(Kind):
    __slots__ = ("_size",)

    def __init__(self, size):
        if not isinstance(size, int) or size < 0:
            raise TypeError("Size() takes a size in bytes")
        Kind.__init__(self, "size", "<size = %d>" % size, "h.Size(%d)" % size)
        self._size = size

    def _matches(self, snap, kind, name):
        return int(name) == self._size


class _Via(Kind):
    """Objects referred to by exactly these labels (as byvia shows them): h.Via('.a'),
    h.Via("['key']", '[0]').  A family's label selects by the family: h.Via('[*]') is what
    list and tuple items only refer to, at any index; h.Via('[3]') what only index 3 does."""

    __slots__ = ("_names", "_families")

    def __init__(self, *labels):
        families = 0
        for lab in labels:
            if not isinstance(lab, str) or not lab.startswith((".", "[", "list(_)[", "<")):
                raise SyntaxError("Cant make a relation of %r." % (lab,))
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
        out = idset.op(idset, _engine.OP_SUB)
        for kind, name, _, _ in idset.partition(kinds):
            if kind_key(header, name) == self._names:
                out = out.op(idset.select(kinds, kind), _engine.OP_OR)
        return out


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


def as_kind(obj):
    """A kind for obj (a Kind, or a bare type: h.Type), or None."""
    if isinstance(obj, Kind):
        return obj
    if isinstance(obj, type):
        return _Type(obj)
    return None


Type = _Type
Clodo = _Clodo
Rcs = _Rcs
Module = _Module
Size = _Size
Via = _Via
Anything = _Anything()

hide(globals(), Kind, _Type, _Clodo, _Rcs, _Module, _Size, _Via, _Anything)
