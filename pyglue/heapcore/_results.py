"""What a heap set's questions return, other than heap sets: Stat and Diff (``x.stat``,
``x.diff``), DomChain (``x.domchain``), Top (``x.top``), and the paged text of a table
(``x.more``, ``x.all``).  Each keeps node ids of one snapshot, never the objects; ``r[i]`` gives
one-object heap sets (made through _internal).

``suspects`` is the one computation of the leak suspects (``x.top(n)``, the CLI's ``top`` and
``diff``); ``top_rows`` describes rows of the largest retainers (``x.top(n, suspects=False)``,
the HTML report).
"""
import heapq

from . import _engine, _format, _names
from ._internal import hide, one, table
from ._paths import Path, snapshot_root_names
from ._stats import Stat, Diff  # noqa: F401 (heapcore.Stat, heapcore.Diff)


def kind_of(snap, node_id):
    """The clodo kind of one node, by partitioning the one-node set."""
    return snap.ids([node_id]).partition(_engine.BY_CLODO)[0][1]


def top_rows(snap, rows, labels=False):
    """For rows [(node id, retained)]: [(node id, retained, size, kind, path text)], the path
    a shortest one from a root as names (_names) ("(no path from a root)" if none).  With labels, each
    row also ends with the path as Heapy's labels from h.Root ("" if none)."""
    paths = snap.paths([r[0] for r in rows], True)
    names = snapshot_root_names(snap) if labels else None
    out = []
    for (node_id, retained), path in zip(rows, paths):
        size = snap.ids([node_id]).size
        kind = kind_of(snap, node_id)
        if path is None:
            text, label = "(no path from a root)", ""
        else:
            text = _names.named_path(snap, *path)
            label = str(Path(*path, snap, None, names)).replace("%s", "h.Root", 1) if labels else None
        out.append((node_id, retained, size, kind, text, label) if labels
                   else (node_id, retained, size, kind, text))
    return out


# The walk down the dominator tree (MAT's "accumulation point"): from a node, go down into
# its largest child while that child holds DESCEND of the node's bytes (the node is then only
# a wrapper of it: a module, its dict, a class, its dict, an lru_cache wrapper); where no child
# does, the bytes spread.  If a few children holding FORK each hold DESCEND together and are
# not all of one kind, the node is a fork of independent parts: each is followed on its own
# (alike parts are what the node accumulates: a tree of Nodes, a dict of three caches).  Otherwise the node is the
# accumulation point: it holds many children, and the user wants it, not them.  Namespaces
# (sys.modules, modules, classes, their dicts) are always forks: their parts are the suspects.
DESCEND = 0.8
FORK = 0.2
CHILDREN = 8        # children looked at per step (the largest)
HELD_CAP = 100000   # children of a point classified for its summary (the largest)
TOP_LEVEL = 64      # the super-root's children seeded as candidates
CHAIN = 3           # a descent through this many objects of one kind stops at the first


class _HeapTree:
    """The whole reached heap: weights are retained sizes (the engine's dominator tree)."""

    def __init__(self, snap):
        self.snap = snap

    def children(self, node, k):
        count, _, kids = self.snap.dom_children(node, k)
        return count, kids

    def weight(self, node):
        return self.snap.retained(node)


class _SubsetTree:
    """A subset of a snapshot: weights are the bytes of the set's members in each dominator
    subtree; only nodes with some are in the tree (each member's dominators, once)."""

    def __init__(self, snap, ids):
        self.snap = snap
        parent = {}
        for m in ids:
            u = m
            while u not in parent:
                up = snap.idom(u)
                parent[u] = up if isinstance(up, int) else None
                if parent[u] is None:
                    break
                u = parent[u]
        kids = {}
        for u, up in parent.items():
            kids.setdefault(up, []).append(u)
        w = dict.fromkeys(parent, 0)
        for m in ids:
            w[m] = snap.node(m)["size"]
        order, stack = [], [None]
        while stack:  # parents before children, then children's weights summed upwards
            u = stack.pop()
            order.append(u)
            stack.extend(kids.get(u, ()))
        w[None] = 0
        for u in reversed(order):
            if u is not None:
                w[parent[u]] += w[u]
        self.w = w
        self.kids = {u: sorted(((c, w[c]) for c in cs), key=lambda cw: (-cw[1], cw[0]))
                     for u, cs in kids.items()}

    def children(self, node, k):
        kids = self.kids.get(node, [])
        return len(kids), kids[:k]

    def weight(self, node):
        return self.w[node]


_NAMESPACES = {"dict of module", "type", "dict of type", "abc.ABCMeta", "dict of abc.ABCMeta"}


def _namespace(kind):
    """Modules and classes, and their dicts, are namespaces: always forks (their parts are
    what a program keeps; a module holding many functions is no leak)."""
    return kind.startswith("module") or kind in _NAMESPACES


def _held(snap, tree, node):
    """What an accumulation point holds: (count, kind name, bytes) of its children's most
    weighty kind, and the number of its children."""
    count, kids = tree.children(node, HELD_CAP)
    if not kids:
        return None
    members = snap.ids(sorted(i for i, _ in kids))
    rows = members.partition(_engine.BY_CLODO)
    names = {k: name for k, name, _, _ in rows}
    if isinstance(tree, _HeapTree):  # siblings: none dominates another, so per kind the sum
        weight = members.retained_by_kind(_engine.BY_CLODO)  # of their retained sizes, in C
        per = {k: (c, weight.get(k, 0)) for k, _, c, _ in rows}
    else:
        weight, per = dict(kids), {}
        for node_id, kind in zip(members.ids(), members.kinds(_engine.BY_CLODO)):
            c, b = per.get(kind, (0, 0))
            per[kind] = (c + 1, b + weight[node_id])
    kind, (c, b) = max(per.items(), key=lambda kv: (kv[1][1], kv[1][0]))
    return c, names[kind], b, count


def suspects(idset, n, whole=None):
    """The n leak suspects of a set: [dict(ids, weight, kind, path, held)], largest first.
    Each is an accumulation point of the dominator tree (see DESCEND), or a group of alike
    ones (siblings of one kind and one named-path shape); weight is the bytes (of the set's
    members) in their dominator subtrees; held (count, kind, bytes, children) what the first
    one holds.  The whole reached heap is walked from the engine's tree; a smaller set from
    its members' dominators."""
    snap = idset.snapshot
    if n <= 0 or idset.count == 0:
        return []
    if whole is None:
        whole = idset.size >= snap.reached_size
    tree = _HeapTree(snap) if whole else _SubsetTree(snap, idset.ids())
    cand, seq = [], 0
    _, top = tree.children(None, TOP_LEVEL)
    for node, w in top:
        seq += 1
        cand.append((-w, seq, node, None))
    heapq.heapify(cand)
    spaces = {i for i, label in snap.roots() if label == "sys.modules"}
    points = []  # (node, weight, parent)
    pops = 0
    while cand and pops < 50 * n + 4 * TOP_LEVEL:  # forks (namespaces) use pops too
        negw, _, node, parent = heapq.heappop(cand)
        pops += 1
        w = -negw
        if w <= 0:
            break
        run, chain = [], False  # the descent's last steps while each went into an object of the same kind
        while True:
            count, kids = tree.children(node, CHILDREN)
            if kids and kids[0][1] >= DESCEND * w:
                kind = snap.kind_name(node)
                if node in spaces or _namespace(kind):
                    break  # a namespace's parts are each followed (below)
                if kind.endswith("frame"):  # a thread's stack is plumbing, not a chain
                    run = []
                else:
                    run = run + [(node, w, parent)] if run and snap.kind_name(run[-1][0]) == kind \
                        else [(node, w, parent)]
                if len(run) > CHAIN:  # a chain (linked list, nested alike objects): its head
                    node, w, parent = run[0]
                    chain = True
                    break
                parent, (node, w) = node, kids[0]
                continue
            break
        big = [(c, r) for c, r in kids if r >= FORK * w]
        parts = not chain and sum(r for _, r in big) >= DESCEND * w and \
            len({snap.kind_name(c) for c, _ in big}) > 1  # alike parts: the node holds them
        space = not chain and (node in spaces or _namespace(snap.kind_name(node)))
        if space and len(kids) < count and node in spaces:  # sys.modules: its 64 largest
            _, kids = tree.children(node, TOP_LEVEL)
        if space or parts:  # a fork: follow each part
            for child, r in kids:
                seq += 1
                heapq.heappush(cand, (-r, seq, child, node))
            continue
        points.append((node, w, parent))
        if len(points) >= 2 * n:
            break
    if not points:
        return []
    paths = _names.named_paths(snap, [p[0] for p in points])
    groups, out = {}, []
    for (node, w, parent), path in zip(points, paths):
        kind = kind_of(snap, node)
        key = (parent, kind, _names.shape(path))
        if key in groups:
            g = groups[key]
            g["ids"].append(node)
            g["weight"] += w
            continue
        if len(out) >= n:
            continue
        g = {"ids": [node], "weight": w, "kind": kind, "path": path}
        groups[key] = g
        out.append(g)
    for g in out:
        g["held"] = _held(snap, tree, g["ids"][0])
    out.sort(key=lambda g: -g["weight"])
    return out


class DomChain:
    """The dominator chain of one object: ``c[0]`` is its immediate dominator, ``c[-1]`` the
    outermost (held by a root); each is a one-object heap set."""

    __slots__ = ("_idset", "_ids")

    def __init__(self, idset, ids):
        self._idset = idset
        self._ids = ids

    def __len__(self):
        return len(self._ids)

    def __getitem__(self, i):
        return one(self._idset.snapshot, self._ids[i])

    def __str__(self):
        snap = self._idset.snapshot
        rows = []
        for i, node_id in enumerate(self._ids):
            size = snap.ids([node_id]).size
            rows.append((i, size, snap.retained(node_id), kind_of(snap, node_id)))
        text = _format.chain_table(rows)
        if not rows:
            text += "\n(no object dominates it: only the roots keep it alive)"
        top = self._ids[-1] if self._ids else self._idset.ids()[0]
        path = snap.paths([top], True)[0]
        if path is not None:
            text += "\nA shortest path from a root to the %s: %s" % (
                "outermost" if self._ids else "object", _names.named_path(snap, *path))
        return text

    __repr__ = __str__


def suspects_base(idset, garbage=None):
    """(bytes, what they are) that suspects' percentages are of: the whole heap's for a set
    that holds it all, with how much of it the roots reach; else the set's own."""
    snap = idset.snapshot
    total = snap.reached_size
    if idset.size < total:
        return idset.size, "in the set"
    if garbage is None:
        garbage = snap.select(_engine.NODE_UNREACH, _engine.NODE_HIDDEN).size
    return total, "(%d the roots reach, %d unreachable)" % (total - garbage, garbage)


class Top:
    """``x.top(n)``: the leak suspects, largest first: accumulation points of the dominator
    tree (what holds many objects), alike ones grouped, each with a named path from a root
    and what it holds.  ``t[i]`` is a one-object set (the suspect, the first of a group),
    ``t.rows`` [(node id, bytes)], ``t.suspects`` the full rows (see _results.suspects).
    ``x.top(n, suspects=False)``: the n members retaining most (ancestors of each other)."""

    __slots__ = ("_idset", "rows", "suspects")

    def __init__(self, idset, rows, suspect_rows=None):
        self._idset = idset
        self.rows = rows  # [(node id, retained bytes)]
        self.suspects = suspect_rows

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return one(self._idset.snapshot, self.rows[i][0])

    def __str__(self):
        snap = self._idset.snapshot
        garbage = snap.select(_engine.NODE_UNREACH, _engine.NODE_HIDDEN).size  # what no root reaches
        if self.suspects is None:
            out = [(i,) + row[1:] for i, row in enumerate(top_rows(snap, self.rows))]
            return _format.top_table(out, snap.reached_size, garbage)
        return _format.suspects_table(self.suspects, *suspects_base(self._idset, garbage))

    __repr__ = __str__


class Text(str):
    """A str whose repr is itself, so tables print as tables at the prompt."""

    __slots__ = ()

    def __repr__(self):
        return str(self)


class More:
    """``x.more``: the next page of x's table (``.more`` again for the one after)."""

    __slots__ = ("_set", "_start")

    def __init__(self, s, start):
        self._set = s
        self._start = start

    @property
    def more(self):
        return More(self._set, self._start + _format.ROWS_PER_PAGE)

    def __str__(self):
        return table(self._set, self._start, with_label=False)

    __repr__ = __str__


hide(globals(), DomChain, Top, More)  # not Text: a str the caller keeps, as any other
