"""Named paths: a shortest path from a root as the text a user reads, the names a program
uses for what it keeps (``app.cache['k1'] (dict)``, ``thread 0x7f… (main) → frame → local
'window' (collections.deque)``), made from the root's label and the edge labels of
``snap.paths(ids, True)`` by collapsing Heapy's plumbing:

- ``sys.modules['app'] .__dict__['cache']`` is ``app.cache``; a class's or an instance's
  ``.__dict__['x']`` is ``.x``; keys and indexes stay (``['key']``, ``[3]``);
- a thread's ``.frame .f_back …`` down to the frame that holds the next object is one
  ``frame`` segment (named by the snapshot when it can name frames), and ``.f_locals['w']``
  (a suspended coroutine's ``.cr_frame.f_locals['w']``) is ``local 'w'``, a cell's
  ``.cell_contents`` after it left out;
- an object the snapshot names (a thread, a frame, a module, a coroutine or generator with
  its function and line, an asyncio ``Task 'name'``) starts a segment with that name;
- an edge with no name (``?``: a C container's internals) starts a new segment;
- each segment ends with its last object's kind in parentheses, unless the name is a
  module's; long paths keep both ends.
"""
import re

from ._internal import hide

MAX_SEGMENTS = 8
MAX_SEGMENT = 120  # characters of one segment's name
_KEY = re.compile(r"\['((?:[^'\\]|\\.)*)'\]$")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
_FRAME_LABELS = (".frame", ".f_back")
_GEN_FRAMES = (".cr_frame", ".gi_frame", ".ag_frame")
_LOCALS = (".f_locals[", ".cr_frame.f_locals[", ".gi_frame.f_locals[", ".ag_frame.f_locals[")


def _node_name(snap, node_id):
    """The snapshot's own name for a virtual node (a thread, a frame), or None."""
    name_of = getattr(snap, "node_name", None)
    return name_of(node_id) if name_of is not None else None


def _ident_key(label):
    """'x' for the label "['x']" when x is an identifier, else None."""
    m = _KEY.match(label)
    return m.group(1) if m and _IDENT.match(m.group(1)) else None


def _is_frame(kind):
    return kind.endswith("frame")


class _Segments:
    """Segments [name, kind of its last object or None] being built."""

    def __init__(self):
        self.items = []

    def start(self, name, kind):
        self.items.append([name, kind])

    def extend(self, text, kind):
        self.items[-1][0] += text
        self.items[-1][1] = kind

    def texts(self):
        out = []
        for name, kind in self.items:
            if len(name) > MAX_SEGMENT:  # a long run of .next.next…: both ends
                name = "%s … %s" % (name[:MAX_SEGMENT // 2], name[-(MAX_SEGMENT // 3):])
            if kind is None or kind.startswith("module") or name == kind:
                out.append(name)
            else:
                out.append("%s (%s)" % (name, kind))
        return out


def segments(snap, root, hops, labels):
    """The named path as a list of segment texts (see the module's text)."""
    seg = _Segments()
    last_kind = hops[0][1] if not labels else None
    if root is None:
        seg.start("unreachable %s" % hops[0][1], None)
    else:
        seg.start(_node_name(snap, hops[0][0]) or root, last_kind)
    first = 0
    if root == "sys.modules" and labels and hops[1][1].startswith("module"):
        key = _KEY.match(labels[0])
        seg.items[-1] = [key.group(1) if key else root + labels[0], hops[1][1]]
        first = 1
    owner_dict = False  # the last hop was an owner's .__dict__
    in_frames = False
    for k in range(first, len(labels)):
        lab = labels[k]
        node_id, kind = hops[k + 1]
        name = _node_name(snap, node_id)
        if lab in _FRAME_LABELS and _is_frame(kind):
            in_frames = True
            frame_name = name
            continue
        if in_frames:  # the frame that holds this object
            seg.start(frame_name or "frame", None)
            in_frames = False
        if lab in _GEN_FRAMES and not name and seg.items[-1][1] is None:
            continue  # 3.10: a named generator's own frame object is the generator
        if name:
            seg.start(name, None)
            owner_dict = False
            continue
        if lab == ".__dict__":
            seg.items[-1][1] = kind
            owner_dict = True
            continue
        ident = _ident_key(lab) if owner_dict else None
        owner_dict = False
        if ident is not None:
            seg.extend("." + ident, kind)
        elif lab.startswith(_LOCALS):  # a frame's, or a suspended generator's, local
            at = lab[lab.index("[", lab.index(".f_locals")):]
            key = _KEY.match(at)
            seg.start("local %s" % ("'%s'" % key.group(1) if key else at), kind)
        elif lab == ".cell_contents" and seg.items[-1][0].startswith("local "):
            seg.items[-1][1] = kind  # a local that closures share is a cell: its value
        elif lab in ("?", ""):
            seg.start("<%s>" % kind, None)
        elif lab.startswith((".", "[")):
            seg.extend(lab, kind)
        else:  # a C container's own name for the edge ("<lru_cache cache>"): a segment
            seg.start(lab, kind)
    if in_frames:
        seg.start(frame_name or "frame", None)
    if owner_dict:  # the path ends at an owner's dict
        seg.extend(".__dict__", seg.items[-1][1])
    return seg.texts()


def named_path(snap, root, hops, labels, max_segments=MAX_SEGMENTS):
    """The named path's text, segments joined by arrows; long paths keep both ends."""
    parts = segments(snap, root, hops, labels)
    if len(parts) > max_segments:
        keep = max_segments - 2
        parts = parts[:2] + ["… %d more …" % (len(parts) - 2 - (keep - 1))] + parts[-(keep - 1):]
    return " → ".join(parts)


_SHAPE = re.compile(r"\[(?:'(?:[^'\\]|\\.)*'|[^\]]*)\]")


def shape(text):
    """A named path with its keys and indexes blanked: alike objects share a shape."""
    return _SHAPE.sub("[…]", text)


def named_paths(snap, ids):
    """A named path (str) for each id, "(no path from a root)" where none."""
    out = []
    for item in snap.paths(list(ids), True):
        out.append("(no path from a root)" if item is None else named_path(snap, *item))
    return out


hide(globals())
