"""Shortest paths from the roots, printed as Heapy prints them (``x.sp``), and ``h.Root``.

A path is the root's name, then one label per edge, read from the live objects along the
path (heapcore/via.c): ``%s.i0_modules['__main__'].__dict__['target'][0]``.  ``%s`` stands for
``h.Root``, so ``eval(str(path) % "R", {"R": h.Root})`` is the object again (while the heap
still holds it the same way).
"""
import re
import sys

from . import _engine, _names
from ._internal import hide

# Heapy's names for the common roots; any other root is named after its label.
_ROOT_NAMES = {
    "sys.modules": "i0_modules",
    "interp.sysdict": "i0_sysdict",
    "interp.builtins": "i0_builtins",
    "interp.builtins_copy": "i0_builtins_copy",
    "interp.sysdict_copy": "i0_sysdict_copy",
}
_THREAD = re.compile(r"thread (?:'.*' )?\(ident (\d+)(?:, main)?\)$", re.S)


def root_name(label):
    """The attribute of h.Root for a root record's label ("sys.modules" -> "i0_modules",
    "thread 'MainThread' (ident 1403.., main)" -> "t<thread ident>", others their label made an
    identifier, "r_" before one that would start with a digit).  A label several records share
    ("small int") is numbered: see root_names."""
    if label in _ROOT_NAMES:
        return _ROOT_NAMES[label]
    m = _THREAD.match(label)
    if m:
        return "t" + m.group(1)
    name = re.sub(r"\W+", "_", label).strip("_") or "root"
    return "r_" + name if name[0].isdigit() else name


def root_names(labels):
    """The attribute of h.Root for each record of `labels` (in record order): root_name,
    numbered ``_0``, ``_1``, ... in record order where several records share a label, so that
    every name is one root: ``small_int_10`` is the 11th small int (the int 5)."""
    counts = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    seen = {}
    out = []
    for label in labels:
        name = root_name(label)
        if counts[label] > 1:
            k = seen.get(label, 0)
            seen[label] = k + 1
            name = "%s_%d" % (name, k)
        out.append(name)
    return out


def snapshot_root_names(snap):
    """{(label, node id): name} for the root records of snap whose label is shared (the first
    record wins where one node has a shared label twice)."""
    records = snap.roots()
    names = root_names([label for _, label in records])
    out = {}
    for (node_id, label), name in zip(records, names):
        if name != root_name(label):
            out.setdefault((label, node_id), name)
    return out


class _Thread:
    """A thread as a root: ``.frame`` is its current frame (a frame object, made on demand),
    past heapcore's own frames, which the walk hides (so, for the thread evaluating a path,
    the frame that called into heapcore)."""

    __slots__ = ("ident",)

    def __init__(self, ident):
        self.ident = ident

    @property
    def frame(self):
        frame = sys._current_frames().get(self.ident)
        while frame is not None and _engine.is_own_frame(frame):
            frame = frame.f_back
        if frame is None:
            raise AttributeError("thread %d has ended" % self.ident)
        return frame

    def __repr__(self):
        return "<thread %d>" % self.ident


class RootView:
    """``h.Root``: the interpreter's roots by name (``h.Root.i0_modules`` is sys.modules,
    ``h.Root.t<ident>.frame`` a thread's current frame, ...).  Names are looked up afresh on
    each access, among the roots the interpreter holds now."""

    __slots__ = ()

    def __getattr__(self, name):
        m = re.match(r"t(\d+)$", name)
        if m:
            return _Thread(int(m.group(1)))
        records = _engine.root_objects()
        for (label, obj), rname in zip(records, root_names([label for label, _ in records])):
            if rname == name:
                return obj
        raise AttributeError("no root named %r" % name)

    def __dir__(self):
        records = _engine.root_objects()
        return sorted(set(root_names([label for label, _ in records])))

    def __repr__(self):
        return "h.Root"


class Path:
    """One path: ``str(p)`` has ``%s`` for the root view (or the source set, see
    get_shpaths); ``p.nodes`` the (id, kind) hops; ``p.named`` the path as a user names it
    (``app.cache → ['k'] (dict)``, see _names)."""

    __slots__ = ("text", "nodes", "srcname", "_snap", "_root", "_labels")

    def __init__(self, root, hops, labels, snap=None, srcname=None, names=None):
        if srcname is not None:  # from a source set: Heapy's "Src" or the start's brief
            start = "%s"
        elif root is None:
            start = "<not from a root: %s>" % hops[0][1]
        else:
            # names: snapshot_root_names(snap), for a label several records share
            start = "%s." + ((names or {}).get((root, hops[0][0])) or root_name(root))
        self.text = start + "".join(labels)
        self.nodes = hops
        self.srcname = srcname
        self._snap, self._root, self._labels = snap, root, labels

    @property
    def named(self):
        """The named path: module, attribute and key names, thread, frame, local and
        coroutine names, each segment with its last object's kind (as top and domchain).
        A path from a source set is named from its start object."""
        if self.srcname is not None:
            return self.text.replace("%s", self.srcname, 1)
        return _names.named_path(self._snap, self._root, self.nodes, self._labels)

    def shown(self, root):
        """The text with the root view's name (or the source's) for ``%s``."""
        return self.text.replace("%s", self.srcname if self.srcname is not None else root, 1)

    def __str__(self):
        return self.text

    def __repr__(self):
        return repr(self.text)


PAGE = 10


def _lines(sp, page, text):
    """sp's paths from sp.start, `page` of them, as Heapy prints them: ``%2d: path`` each, then
    the last one if it is the only one left, else ``<... n more paths ...>``."""
    if not sp.paths and sp.numpaths == 0:
        return "''" if sp.start == 0 else "<No more paths>"
    shown = sp.paths[sp.start:sp.start + page]
    if not shown:
        return "<No more paths>"
    left = sp.numpaths - (sp.start + len(shown))
    if left == 1 and sp.start + len(shown) < len(sp.paths):
        shown = sp.paths[sp.start:sp.start + len(shown) + 1]
        left = 0
    lines = ["%2d: %s" % (sp.start + k, text(p)) for k, p in enumerate(shown)]
    if left > 0:
        lines.append("<... %d more paths ...>" % left)
    return "\n".join(lines)


class ShortestPaths:
    """``x.sp``: every shortest path from the roots to the set as a whole (the members at the
    least depth; deeper members are not listed), then as many for the members no root reaches,
    from the unreachable garbage that holds them ("<not from a root: list>...").  ``sp[i]`` is
    a Path, ``sp.numpaths`` their number (all of them counted; the first LIMIT are kept),
    ``sp.more`` the next page, ``sp.all`` every kept path, ``sp.avoided(*levels)`` the
    shortest paths that avoid the edges at those levels of these (level 0: the roots' own;
    level k: the edges into the objects k hops below a root)."""

    __slots__ = ("paths", "numpaths", "start", "root", "page", "_query")

    def __init__(self, paths, numpaths, start=0, root="h.Root", page=PAGE, query=None):
        self.paths = paths
        self.numpaths = numpaths
        self.start = start
        self.root = root
        self.page = page
        self._query = query

    def _copy(self, start, page):
        return ShortestPaths(self.paths, self.numpaths, start, self.root, page, self._query)

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        return self.paths[i]

    def __str__(self):
        return _lines(self, self.page, lambda p: p.shown(self.root))

    __repr__ = __str__

    @property
    def more(self):
        return self._copy(self.start + self.page, PAGE)

    @property
    def all(self):
        """Every path kept (LIMIT at most; a last line counts those not kept)."""
        return self._copy(self.start, max(len(self.paths), 1))

    @property
    def named(self):
        """The shown paths named (``p.named``), numbered as sp numbers them."""
        return NamedPaths(self)

    def avoided(self, *levels):
        """The shortest paths to the same set that avoid every edge at these levels of these
        paths (Heapy's sp.avoided): ``x.sp.avoided(2)`` finds how else the set is reached
        when the edges two hops below the roots are cut.  Levels add to what this sp already
        avoids."""
        idset, src, avoid, edges, srcname = self._query
        more = list(edges or ())
        for level in levels:
            if not isinstance(level, int) or level < 0:
                raise ValueError("a level is a non-negative int, not %r" % (level,))
            for part in _parts(idset, src):
                more += part.snapshot.all_paths(part.ids(), 0, src, avoid, edges, level)[2]
        return shortest_paths(idset, src, avoid, more, srcname)


class NamedPaths:
    """``x.sp.named``: the page of paths that sp shows, each as its named path."""

    __slots__ = ("sp",)

    def __init__(self, sp):
        self.sp = sp

    def __len__(self):
        return len(self.sp.paths)

    def __getitem__(self, i):
        return self.sp.paths[i].named

    def __str__(self):
        return _lines(self.sp, self.sp.page, lambda p: p.named)

    __repr__ = __str__

    @property
    def more(self):
        return NamedPaths(self.sp.more)


LIMIT = 1000  # paths kept per sp (numpaths still counts all)


def _parts(idset, src):
    """The members searched for in turn: from the roots, those a root reaches, then the
    unreachable ones (from the garbage that holds them); from a source set, all at once."""
    if src is not None:
        return [idset] if idset.count else []
    snap = idset.snapshot
    garbage = idset.op(snap.select(_engine.NODE_UNREACH, 0), _engine.OP_AND)
    return [part for part in (idset.op(garbage, _engine.OP_SUB), garbage) if part.count]


_INDEX = re.compile(r"\[(-?\d+)\]$")


def _order(labels):
    """A path's place among its part's paths: by label at each hop, as Heapy orders them,
    indexes by number (``[2]`` before ``[10]``)."""
    out = []
    for lab in labels:
        m = _INDEX.match(lab)
        out.append((0, int(m.group(1)), "") if m else (1, 0, lab))
    return out


def _brief_of(snap, node_id):
    from ._views import set_brief  # (_views imports this module)
    return set_brief(snap.ids([node_id]))


def shortest_paths(idset, src=None, avoid=None, avoid_edges=None, srcname=None):
    """Every path of least length to the members at the least depth (Heapy lists them all:
    an object two lists hold has two), from the roots: those a root reaches first; then, if
    some member no root reaches, the paths to those (at their own least depth) from the
    garbage that holds them, listed after, never instead (a complement root is one hop deep,
    and would otherwise hide every path from a root).  From src (node ids of idset's
    snapshot) instead, when given, each path named srcname ("Src") or, with srcname
    "brief", after its start (Heapy: the start's brief when src has several objects).
    avoid: node ids never entered; avoid_edges: (from id or None, to id) pairs never
    followed."""
    snap = idset.snapshot
    numpaths, paths, names = 0, [], None
    for part in _parts(idset, src):
        room = LIMIT - len(paths)
        n, got, _ = snap.all_paths(part.ids(), max(room, 0), src, avoid, avoid_edges)
        numpaths += n
        got = got[:max(room, 0)]
        got.sort(key=lambda item: (item[1][-1][0], _order(item[2])))  # by target, then labels
        for root, hops, labels in got:
            if names is None:
                names = snapshot_root_names(snap)
            name = None
            if src is not None:
                name = _brief_of(snap, hops[0][0]) if srcname == "brief" else (srcname or "Src")
            paths.append(Path(root, hops, labels, snap, name, names))
    return ShortestPaths(paths, numpaths, query=(idset, src, avoid, avoid_edges, srcname))


def _dot_quote(text):
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


_LOCAL = re.compile(r"(?:\.\w+_frame)?\.f_locals\[(.*)\]$", re.S)


def node_names(snap, root, hops, labels):
    """A name for each hop of a path where the snapshot or the path gives one, else None:
    the snapshot's (thread, frame, coroutine), a module's, the attribute, key, index or local
    it is held under (``x`` for ``.__dict__['x']``, ``['k']``, ``[0]``, ``local 'w'``)."""
    names = []
    for k, (node_id, kind) in enumerate(hops):
        name = _names._node_name(snap, node_id)
        lab = labels[k - 1] if k else None
        if name or lab is None or lab in ("?", "", ".__dict__"):
            names.append(name)
            continue
        key = _names._ident_key(lab)
        m = _LOCAL.match(lab)
        if k == 1 and root == "sys.modules" and kind.startswith("module") and key:
            names.append(key)
        elif m:
            names.append("local %s" % m.group(1))
        elif key is not None and k >= 2 and labels[k - 2] == ".__dict__":
            names.append(key)
        elif lab.startswith(".") and lab[1:].isidentifier():
            names.append(lab[1:])
        else:
            names.append(lab)
    return names


def dot(idset, limit=20):
    """Graphviz text of the shortest paths from the roots to (at most `limit` of) the set's
    objects: what objgraph's show_backrefs draws.  Nodes show their name where the snapshot or
    the path gives one (node_names), kind and size, edges the labels read from the live
    objects ("?" once unproven), targets are filled."""
    snap = idset.snapshot
    ids = idset.ids()[:limit]
    targets = set(ids)
    nodes, edges, roots, names = {}, set(), set(), {}
    for item in snap.paths(ids, True):
        if item is None:
            continue
        root, hops, labels = item
        start = "root:" + (root or "unreachable")
        roots.add(start)
        prev = start
        hop_names = node_names(snap, root, hops, labels)
        for k, (node_id, kind) in enumerate(hops):
            nodes[node_id] = kind
            if hop_names[k] and node_id not in names:
                names[node_id] = hop_names[k]
            edges.add((prev, "n%d" % node_id, "" if k == 0 else labels[k - 1]))
            prev = "n%d" % node_id
    out = ["digraph heapcore {", "  rankdir=LR;", "  node [shape=box, fontsize=10];"]
    for r in sorted(roots):
        out.append("  %s [label=%s, shape=ellipse];" % (_dot_quote(r), _dot_quote(r[5:])))
    for node_id, kind in sorted(nodes.items()):
        texts = [kind, "%d bytes" % snap.node(node_id)["size"]]
        if node_id in names:
            texts.insert(0, names[node_id])
        label = "\\n".join(_dot_quote(t)[1:-1] for t in texts)
        label = '"%s"' % label
        style = ", style=filled, fillcolor=lightpink" if node_id in targets else ""
        out.append("  n%d [label=%s%s];" % (node_id, label, style))
    for a, b, lab in sorted(edges):
        out.append("  %s -> %s%s;" % (_dot_quote(a) if a.startswith("root:") else a, b,
                                       " [label=%s]" % _dot_quote(lab) if lab else ""))
    out.append("}")
    return "\n".join(out) + "\n"


hide(globals(), _Thread, RootView, Path, ShortestPaths, NamedPaths)
