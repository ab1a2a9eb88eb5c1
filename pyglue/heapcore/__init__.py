"""heapcore: an exhaustive, Heapy-style heap analyser for CPython.

    >>> from heapcore import hpy
    >>> h = hpy()
    >>> x = h.heap()          # every object alive, as a partition table
    >>> x.bytype              # the same set by type
    >>> h.setrelheap()        # later heap() calls show only what is new

The walk runs in C, holds no references to what it finds, and never shows its own objects.
"""
import os
import tempfile
import warnings

from . import _display, _engine, _format, _kinds, _paths, _stats, _unreachable
from ._files import VERSION as __version__
from ._internal import NOT_SHOWN, engine_set, hide
from ._results import Stat, Diff
from ._sets import IdentitySet, iso_set

__all__ = ["hpy", "IdentitySet", "Stat", "Diff", "load"]


def _heap_header(everything, rss, own=None):
    """heap()'s header lines for engine set `everything`: the process's resident memory
    (rss; None after setrelheap: not shown) against the objects', and the unreachable
    objects' line; None if there is nothing to say."""
    lines = []
    if rss is not None and rss > 0:  # the snapshots heapcore holds (this one too) are resident: not the program's
        own = _engine.own_memory() if own is None else own
        lines.append("Process RSS %s; held outside the objects walked: %s (heapcore's own %s not counted)." % (
            _format.mb(rss), _format.mb(max(rss - everything.size - own, 0)), _format.mb(own)))
    garbage = _unreachable.header_line(everything)  # None if a root reaches everything
    if garbage:
        lines.append(garbage)
    return "\n".join(lines) or None


class hpy:
    """Top level interface, as in Heapy: ``h = hpy(); h.heap()``."""

    __slots__ = ("_ref", "_refu", "__weakref__")

    def __init__(self, ht=None):
        """ht: Heapy's hiding tag, accepted and ignored: heapcore's own objects are never in
        the heap it shows, so nothing needs hiding."""
        self._ref = None   # the reference set of setrelheap()
        self._refu = None  # ... of setrelheapu()

    def __repr__(self):
        return "Top level interface to heapcore.\nUse eg: h.heap() for the heap."

    @staticmethod
    def _everything(require=0, capture=0, _snapshot=_engine.snapshot, _not_shown=NOT_SHOWN):
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
            return IdentitySet(snap.select(0, NOT_SHOWN), "clodo",
                               header="Subinterpreter %d, without what the main interpreter reaches." % int(iid))
        everything = self._everything(0, _capture)
        if self._ref is None:
            return IdentitySet(everything, "clodo", header=_heap_header(everything, _engine.rss()))
        new = everything.sub_foreign(self._ref)
        return IdentitySet(new, "clodo", header=_heap_header(new, None))

    def heapu(self):
        """Objects alive but unreachable from the roots (gc-tracked objects no root reaches,
        and what only they reach), by type."""
        s = self._everything(_engine.NODE_UNREACH)
        ref = self._refu if self._refu is not None else self._ref
        if ref is not None:
            s = s.sub_foreign(ref)
        return IdentitySet(s, "type")

    def heapg(self):
        """Heapy's deprecated name: heap(), with a DeprecationWarning."""
        warnings.warn("heapg() is deprecated: use heap()", DeprecationWarning, stacklevel=2)
        return self.heap()

    def setrelheapu(self, reference=None):
        """Make later heapu() calls show only unreachable objects that were not unreachable
        now (or not in `reference`, a heap set); setrelheapu(h.Nothing) resets."""
        if reference is None:
            self._refu = self._everything(_engine.NODE_UNREACH)
        elif isinstance(reference, IdentitySet):
            self._refu = engine_set(reference) if reference.count else None
        else:
            raise TypeError("setrelheapu() takes a heap set or nothing")

    def idset(self, objects):
        """The set of the objects of an iterable (``h.idset([a, b])`` is ``h.iso(a, b)``)."""
        try:
            objs = tuple(objects)
        except TypeError:
            raise TypeError("idset() takes an iterable of objects, not %s"
                            % type(objects).__name__) from None
        return iso_set(objs)

    def pb(self, *files, path=None):
        """Heapy's profile browser is a Tk window; heapcore writes its HTML report instead
        (the heap now, or the snapshot file given), prints where, and returns the path: open
        it in a browser.  Stat text files have no objects to draw: use h.load(f) and diff."""
        if len(files) > 1:
            raise TypeError("pb() takes one snapshot file (heapcore's report is of one heap)")
        x = load(files[0]) if files else self.heap()
        if not isinstance(x, IdentitySet):
            raise ValueError("pb(): %s holds stats, not a heap: print h.load(f) and its diffs"
                             % files[0])
        if path is None:
            fd, path = tempfile.mkstemp(prefix="heapcore-", suffix=".html")
            os.close(fd)
        x.html(path)
        print("heapcore has no Tk profile browser; the heap report is in %s: open it in a "
              "browser." % path)
        return path

    @property
    def doc(self):
        """The names of h, one line each; ``h.doc.heap`` is heap's documentation."""
        return _Doc()

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

    def dump(self, path, keep_strings=False, fork=False):
        """Take the heap (as heap() would show it) and write it to a snapshot file, with edge
        labels and string values read during the walk itself.  String and bytes contents
        are redacted (length and hash kept) unless keep_strings=True.

        fork=True: a forked copy of the process (copy-on-write) takes the heap and writes the
        file, and this process stops only for the fork (milliseconds, where a direct dump
        holds the GIL for the walk and the write).  Returns at once with a DumpJob:
        ``job.wait()`` returns the path when the file is written (or raises as the direct
        dump would), ``job.poll()``, ``job.done``, ``job.cancel()``.  The file is the one a
        direct dump of the same moment writes.  The copy costs the memory of the pages this
        process writes while the worker runs, plus the worker's own (the snapshot's)."""
        capture = 2 if keep_strings else 1
        if fork:
            from . import _forkdump
            return _forkdump.start(path, capture, self._ref, "heap" if self._ref is None else "rel")
        self.heap(capture).dump(path, keep_strings=keep_strings)

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
    Idset = _kinds.Idset
    Unity = _kinds.Unity
    Prod = _kinds.Prod
    findex = staticmethod(_kinds.findex)
    Root = _paths.RootView()
    Anything = _kinds.Anything

    @property
    def Nothing(self):
        return IdentitySet(_engine.snapshot().ids([]), "clodo", held=())


class _Doc:
    """``h.doc``: what h offers, one line each, as Heapy's h.doc lists it;
    ``h.doc.<name>`` is that name's documentation."""

    __slots__ = ()
    NAMES = {
        "Anything": "The kind of every object.",
        "Clodo": "Classifier by class, or dict of class (h.Clodo(list), h.Clodo(dictof=C)).",
        "Id": "Classifier by identity (h.Id(id(o)): the object at that address).",
        "Idset": "Classifier by identity set (x.byidset); h.Idset(x) is the kind of x's objects.",
        "Module": "Classifier by module (h.Module('json'), h.Module(at=id(m))).",
        "Nothing": "The empty set.",
        "Prod": "Classifier by allocation site, from tracemalloc (h.Prod(file, line)).",
        "Rcs": "Classifier by the kinds of the referrers (h.Rcs(h.Clodo(list))).",
        "Root": "The interpreter's roots by name (h.Root.i0_modules is sys.modules).",
        "Size": "Classifier by individual size (h.Size(56), .alt('>=')).",
        "Type": "Classifier by type (h.Type(int), h.Type.Function).",
        "Unity": "Classifier with one row: everything.",
        "Via": "Classifier by how the referrers hold the objects (h.Via('.a', \"['k']\")).",
        "doc": "This overview.",
        "findex": "Classifier by the first of several kinds each object is of.",
        "heap": "Every object alive (relative to setrelheap), as a partition table.",
        "heapg": "Deprecated: heap().",
        "heapu": "Objects alive that no root reaches (relative to setrelheapu).",
        "idset": "The set of the objects of an iterable.",
        "iso": "The set of exactly these objects.",
        "load": "A snapshot file's set, or a stat file's next package (Heapy's text format).",
        "pb": "The HTML report of the heap (heapcore has no Tk profile browser).",
        "setref": "Same as setrelheap.",
        "setrelheap": "Make later heap() calls show only objects new since now.",
        "setrelheapu": "Make later heapu() calls show only objects newly unreachable since now.",
    }

    def __getattr__(self, name):
        if name not in _Doc.NAMES:
            raise AttributeError("h.doc has no %r" % name)
        text = getattr(getattr(hpy, name, None), "__doc__", None)
        if not text or name in ("Nothing", "Root") or text.startswith(("A classifier:", "A kind")):
            text = _Doc.NAMES[name]
        return _Text(text.strip())

    def __dir__(self):
        return list(_Doc.NAMES)

    def __repr__(self):
        lines = ["Top level interface to heapcore. Available names (h.doc.<name> for more):"]
        lines += ["%-12s %s" % item for item in _Doc.NAMES.items()]
        return "\n".join(lines)

    __str__ = __repr__


class _Text(str):
    """A str that prints as itself at the prompt."""

    __slots__ = ()

    def __repr__(self):
        return str(self)


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
    meta = snap.meta
    header = meta.get("header")
    if header is None and meta.get("header-at-load") in ("heap", "rel"):  # h.dump(fork=True)'s
        try:
            rss, own = int(meta.get("rss", "-1")), int(meta.get("own", "0"))
        except ValueError:
            rss, own = -1, 0
        header = _heap_header(members, rss if meta["header-at-load"] == "heap" else None, own)
    return IdentitySet(members, "clodo", header=header)


def load_ipython_extension(ipython):
    """``%load_ext heapcore``: the %heap and %heapdiff line magics (heapcore._display)."""
    _display.load(ipython, hpy)


hide(globals(), hpy, _Doc)
