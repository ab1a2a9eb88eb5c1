"""What no root reaches: uncollected cyclic garbage (gc disabled, or not run yet), or objects
only C code holds where no root shows it.  The walk finds them anyway (gc-tracked objects it
did not reach become complement roots, and it goes on from them) and flags them
NODE_UNREACH; here are the line heap()'s header gets for them, ``x.unreachable`` (the set's
unreachable members) and ``x.unreachable_entries(n)`` with its table.

An entry point is an unreachable object that no other unreachable object dominates: a child
of the dominator tree's super-root that no root reaches.  Each group of garbage (a cycle and
all that hangs from it) has one, or one per part that several of its objects reach; its
retained size is what collecting it would free, so the largest entry points say which cycles
hold the bytes.
"""
from . import _engine, _format
from ._internal import hide, one

# dom_children's cap: the super-root's children are the roots' objects and the entry points;
# the largest entry points are among its largest children unless 100 000 roots retain more
MAX_CHILDREN = 100000


def members(idset):
    """The members of engine IdSet idset that no root reaches (an engine IdSet)."""
    return idset.op(idset.snapshot.select(_engine.NODE_UNREACH, 0), _engine.OP_AND)


def header_line(idset):
    """heap()'s header line for idset's unreachable members, or None if there are none."""
    u = members(idset)
    if not u.count:
        return None
    return ("Of these, %d object%s, %d bytes (%d %%) no root reaches: uncollected garbage (x.unreachable)."
            % (u.count, "" if u.count == 1 else "s", u.size, _format.pct(u.size, idset.size)))


def entries(idset):
    """(rows, complete): [(node id, retained)] of idset's entry points, largest retained first,
    and whether that is all of them (False only past MAX_CHILDREN children of the super-root)."""
    u = members(idset)
    if not u.count:
        return [], True
    snap = idset.snapshot
    count, _, children = snap.dom_children(None, MAX_CHILDREN)
    keep = set(snap.ids(sorted(c[0] for c in children)).op(u, _engine.OP_AND).ids())
    return [c for c in children if c[0] in keep], count <= MAX_CHILDREN


class Entries:
    """``x.unreachable_entries(n)``: the n largest entry points of x's unreachable objects
    (those no other unreachable object keeps alive), largest retained first.  ``rows``:
    [(node id, retained)]; ``e[i]``: a one-object heap set; ``e.count``: how many entry points
    there are in all; ``e.unreachable_count``, ``e.unreachable_size``: x's unreachable
    objects and bytes."""

    __slots__ = ("_snap", "rows", "count", "complete", "unreachable_count", "unreachable_size")

    def __init__(self, idset, n):
        if not isinstance(n, int) or n < 0:
            raise ValueError("unreachable_entries(n): n must be an int >= 0")
        rows, self.complete = entries(idset)
        u = members(idset)
        self._snap = idset.snapshot
        self.rows = rows[:n]
        self.count = len(rows)
        self.unreachable_count = u.count
        self.unreachable_size = u.size

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return one(self._snap, self.rows[i][0])

    def __str__(self):
        if not self.unreachable_count:
            return "No unreachable objects: a root reaches every one."
        snap = self._snap
        lines = ["%d of %s%d entry point%s into %d unreachable object%s (%d bytes), largest retained first." % (
            len(self.rows), "" if self.complete else "at least ", self.count, "" if self.count == 1 else "s",
            self.unreachable_count, "" if self.unreachable_count == 1 else "s", self.unreachable_size),
            " Index   Retained   %     Size  Objects Kind (an object no other unreachable one keeps alive)"]
        for i, (node_id, retained) in enumerate(self.rows):
            size = snap.ids([node_id]).size
            objects = snap.ids([node_id]).dominos().count
            lines.extend(_format.wrap("%6d %10d %3d %8d %8d %s" % (
                i, retained, _format.pct(retained, self.unreachable_size), size, objects, snap.kind_name(node_id))))
        return "\n".join(lines)

    __repr__ = __str__


hide(globals(), Entries)
