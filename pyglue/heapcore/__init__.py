"""heapcore: an exhaustive, Heapy-style heap analyser for CPython.

    >>> from heapcore import hpy
    >>> h = hpy()
    >>> x = h.heap()          # every object alive, as a partition table
    >>> x.bytype              # the same set by type
    >>> h.setrelheap()        # later heap() calls show only what is new

The walk runs in C, holds no references to what it finds, and never shows its own objects.
"""
import os

from . import _engine, _format, _kinds, _paths, _stats, _unreachable
from ._files import VERSION as __version__
from ._internal import engine_set, hide
from ._results import Stat, Diff
from ._sets import IdentitySet, iso_set

__all__ = ["hpy", "IdentitySet", "Stat", "Diff", "load"]

_NOT_SHOWN = _engine.NODE_HIDDEN | _engine.NODE_VIRTUAL  # never in a heap set


class hpy:
    """Top level interface, as in Heapy: ``h = hpy(); h.heap()``."""

    __slots__ = ("_ref", "__weakref__")

    def __init__(self):
        self._ref = None  # the reference set of setrelheap()

    def __repr__(self):
        return "Top level interface to heapcore.\nUse eg: h.heap() for the heap."

    @staticmethod
    def _everything(require=0, capture=0, _snapshot=_engine.snapshot, _not_shown=_NOT_SHOWN):
        """A fresh walk's objects with all `require` flags, as an engine IdSet (capture: see
        _engine.snapshot).  The engine is bound here: during the interpreter's teardown this
        module's globals may already be None, and the engine's clear RuntimeError must be
        what a late heap() gets."""
        return _snapshot(None, capture).select(require, _not_shown)

    def heap(self, _capture=0, interpreter=None):
        """Every object alive (reachable from the roots, or gc-tracked and unreachable), minus
        those present at the last setrelheap().  The walk creates and frees nothing.

        interpreter: a subinterpreter's id (or an object with an ``id``): its heap instead,
        taken from the main interpreter in the subinterpreter's own context, without what
        the main interpreter reaches.  Like a loaded file, the set has no live objects
        (``.nodes`` raises); its labels and string values were read during the walk."""
        if interpreter is not None:
            iid = getattr(interpreter, "id", interpreter)
            snap = _engine.interpreter_snapshot(int(iid), bool(_capture > 1))
            return IdentitySet(snap.select(0, _NOT_SHOWN), "clodo",
                               header="Subinterpreter %d, without what the main interpreter reaches." % int(iid))
        everything = self._everything(0, _capture)
        lines = []
        if self._ref is None:
            total = everything.size
            rss = _engine.rss()
            if rss > 0:  # the snapshots heapcore holds (this one too) are resident: not the program's
                own = _engine.own_memory()
                lines.append("Process RSS %s; held outside the objects walked: %s (heapcore's own %s not counted)." % (
                    _format.mb(rss), _format.mb(max(rss - total - own, 0)), _format.mb(own)))
        else:
            everything = everything.sub_foreign(self._ref)
        garbage = _unreachable.header_line(everything)  # None if a root reaches everything
        if garbage:
            lines.append(garbage)
        return IdentitySet(everything, "clodo", header="\n".join(lines) or None)

    def heapu(self):
        """Objects alive but unreachable from the roots (gc-tracked objects no root reaches,
        and what only they reach), by type."""
        s = self._everything(_engine.NODE_UNREACH)
        if self._ref is not None:
            s = s.sub_foreign(self._ref)
        return IdentitySet(s, "type")

    def setrelheap(self, reference=None):
        """Make later heap() calls show only objects created since now (or not in
        `reference`, a heap set).  setrelheap(h.Nothing) resets."""
        if reference is None:
            self._ref = self._everything()
        elif isinstance(reference, IdentitySet):
            self._ref = engine_set(reference) if reference.count else None
        else:
            raise TypeError("setrelheap() takes a heap set or nothing")

    setref = setrelheap

    def dump(self, path, keep_strings=False):
        """Take the heap (as heap() would show it) and write it to a snapshot file, with edge
        labels and string values read during the walk itself.  String and bytes contents
        are redacted (length and hash kept) unless keep_strings=True."""
        self.heap(2 if keep_strings else 1).dump(path, keep_strings=keep_strings)

    @staticmethod
    def load(path):
        """The set a snapshot file holds (see heapcore.load)."""
        return load(path)

    def iso(self, *objs):
        """The set of exactly these objects (held strongly by the set)."""
        return iso_set(objs)

    # Classifiers and kinds, as in Heapy: x & h.Type(Node), x - h.Rcs(h.Clodo(list)),
    # x & h.Module("json"), x.by(h.Type & h.Size), h.Type(list) | h.Type(dict).
    Type = _kinds.Type
    Clodo = _kinds.Clodo
    Rcs = _kinds.Rcs
    Module = _kinds.Module
    Size = _kinds.Size
    Via = _kinds.Via
    Id = _kinds.Id
    Unity = _kinds.Unity
    Prod = _kinds.Prod
    findex = staticmethod(_kinds.findex)
    Root = _paths.RootView()
    Anything = _kinds.Anything

    @property
    def Nothing(self):
        return IdentitySet(_engine.snapshot().ids([]), "clodo", held=())


def load(path):
    """Read a file written by ``x.dump(path)`` or ``h.dump(path)``, or stats in Heapy's text
    format (``x.dump(f)``, ``stat.dump(f)``, guppy3's dumps): a path to a stat file gives its
    first package as a Stat (or Diff); an open text file gives its next package on each
    call, then raises StopIteration, as Heapy's load does.

    A snapshot file gives the set it holds,
    on which the table, every classifier (byvia with one label per reference: a reference
    with two names keeps the first), the set algebra, dominators and retained
    sizes, paths and diffs work as in the process it came from.  Its objects are not live:
    ``.nodes`` raises RuntimeError.  A damaged or foreign file raises ValueError naming the
    problem; an unreadable one OSError.  ``x.meta`` says where the file came from."""
    if hasattr(path, "readline"):
        return _stats.load_file(path)
    if _stats.is_text(path):
        return _stats.load_text(path)
    snap, members = _engine.load(os.fspath(path))
    return IdentitySet(members, "clodo", header=snap.meta.get("header"))


hide(globals(), hpy)
