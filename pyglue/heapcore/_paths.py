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
    identifier)."""
    if label in _ROOT_NAMES:
        return _ROOT_NAMES[label]
    m = _THREAD.match(label)
    if m:
        return "t" + m.group(1)
    return re.sub(r"\W+", "_", label).strip("_") or "root"


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
        for label, obj in _engine.root_objects():
            if root_name(label) == name:
                return obj
        raise AttributeError("no root named %r" % name)

    def __dir__(self):
        return sorted({root_name(label) for label, _ in _engine.root_objects()})

    def __repr__(self):
        return "h.Root"


class Path:
    """One path: ``str(p)`` has ``%s`` for the root view; ``p.nodes`` the (id, kind) hops;
    ``p.named`` the path as a user names it (``app.cache → ['k'] (dict)``, see _names)."""

    __slots__ = ("text", "nodes", "_snap", "_root", "_labels")

    def __init__(self, root, hops, labels, snap=None):
        if root is None:
            start = "<not from a root: %s>" % hops[0][1]
        else:
            start = "%s." + root_name(root)
        self.text = start + "".join(labels)
        self.nodes = hops
        self._snap, self._root, self._labels = snap, root, labels

    @property
    def named(self):
        """The named path: module, attribute and key names, thread, frame, local and
        coroutine names, each segment with its last object's kind (as top and domchain)."""
        return _names.named_path(self._snap, self._root, self.nodes, self._labels)

    def __str__(self):
        return self.text

    def __repr__(self):
        return repr(self.text)


PAGE = 10


class ShortestPaths:
    """``x.sp``: the shortest paths from the roots to the set as a whole: one per member at
    the least depth (deeper members are not listed), then as many for the members no root
    reaches, from the unreachable garbage that holds them ("<not from a root: list>...").  ``sp[i]`` is a Path, ``sp.numpaths``
    their number, ``sp.more`` the next page."""

    __slots__ = ("paths", "numpaths", "start", "root")

    def __init__(self, paths, numpaths, start=0, root="h.Root"):
        self.paths = paths
        self.numpaths = numpaths
        self.start = start
        self.root = root

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        return self.paths[i]

    def __str__(self):
        if not self.paths and self.numpaths == 0:
            return "''" if self.start == 0 else "<No more paths>"
        shown = self.paths[self.start:self.start + PAGE]
        if not shown:
            return "<No more paths>"
        lines = ["%2d: %s" % (self.start + k, p.text.replace("%s", self.root, 1))
                 for k, p in enumerate(shown)]
        left = self.numpaths - (self.start + len(shown))
        if left > 0:
            lines.append("<... %d more path%s ...>" % (left, "" if left == 1 else "s"))
        return "\n".join(lines)

    __repr__ = __str__

    @property
    def more(self):
        return ShortestPaths(self.paths, self.numpaths, self.start + PAGE, self.root)

    @property
    def named(self):
        """The shown paths named (``p.named``), numbered as sp numbers them."""
        return NamedPaths(self)


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
        sp = self.sp
        shown = sp.paths[sp.start:sp.start + PAGE]
        if not shown:
            return "''" if sp.start == 0 and sp.numpaths == 0 else "<No more paths>"
        lines = ["%2d: %s" % (sp.start + k, p.named) for k, p in enumerate(shown)]
        left = sp.numpaths - (sp.start + len(shown))
        if left > 0:
            lines.append("<... %d more path%s ...>" % (left, "" if left == 1 else "s"))
        return "\n".join(lines)

    __repr__ = __str__

    @property
    def more(self):
        return NamedPaths(self.sp.more)


LIMIT = 1000  # paths kept per sp (numpaths still counts all)


def shortest_paths(idset):
    """The paths from the roots to the members they reach (those at the least depth) first;
    then, if some member no root reaches, the paths to those (at their own least depth) from
    the garbage that holds them: listed after, never instead (a complement root is one hop
    deep, and would otherwise hide every path from a root)."""
    snap = idset.snapshot
    garbage = idset.op(snap.select(_engine.NODE_UNREACH, 0), _engine.OP_AND)
    numpaths, items = 0, []
    for part in (idset.op(garbage, _engine.OP_SUB), garbage):
        if part.count:  # (shortest=0 would ask for every member's path: ask for one at least)
            room = LIMIT - len(items)
            n, got = snap.paths(part.ids(), True, max(room, 1))
            numpaths += n
            items += got[:max(room, 0)]
    return ShortestPaths([Path(root, hops, labels, snap) for root, hops, labels in items],
                         numpaths)


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
