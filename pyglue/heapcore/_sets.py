"""Heap sets: a snapshot's node ids with Heapy's algebra, partitions and paging.

IdentitySet is the core: an engine IdSet, a classifier and the table they make.  What it
answers with lives elsewhere: result types in _results, file output in _files, views in
_views, paths in _paths; the classifiers in _classifiers.  Only this module and _internal
(the package's internal API) read an IdentitySet's private fields.

IdentitySet is registered with the engine as the observer's own, so its instances and
whatever only they reference never appear in results.
"""
from . import _engine, _files, _format, _internal, _kinds, _paths, _results, _unreachable, _views
from ._classifiers import REGISTRY, ENGINE, Custom, engine_kinds, header as _header, kind_brief, lookup

_OPS = {"|": _engine.OP_OR, "&": _engine.OP_AND, "-": _engine.OP_SUB, "^": _engine.OP_XOR}


class IdentitySet:
    """A set of heap objects of one snapshot, shown as Heapy's partition table.

    ``count``/``size`` are objects and bytes; ``len(x)`` is the number of rows (as in Heapy);
    ``x[i]`` is row i as a set; ``x.bytype``/``x.byclodo`` re-partition; ``x.nodes`` gives the
    live objects.  ``| & - ^ <= ==`` work between sets (``-``, ``<=`` and ``==`` also across
    snapshots, matching objects by address and type).
    """

    __slots__ = ("_s", "_by", "_held", "_rows", "_header", "_ret", "__weakref__")

    def __init__(self, idset, by="clodo", held=None, header=None, ret=False):
        self._s = idset
        self._by = by
        self._held = held          # strong references for sets made by iso()
        self._rows = None
        self._header = header      # extra header line (process RSS) for whole-heap sets
        self._ret = ret            # rows carry and sort by retained size (x.retained)

    # -- files ----------------------------------------------------------------------------
    def dump(self, path, mode=None, keep_strings=False):
        """Heapy's dump: with an open file, or a `mode` ('a' appends), Heapy's text package of
        the set's table (``x.stat.dump(f, mode)``), which ``h.load(f)`` (and guppy3) read back
        as a Stat.

        With a path alone, heapcore's own snapshot file: the snapshot this set belongs to,
        with this set as the file's contents, written to `path` (a temporary file, fsync'd,
        then renamed: never half a file under `path`).
        ``heapcore.load(path)`` gives the set back, in this or another process.

        The file keeps every edge's label (read now from the objects still alive), so paths
        and byvia work on the loaded set.  String and bytes contents are redacted: each keeps
        its length and a hash of its contents; ``keep_strings=True`` stores the contents."""
        if hasattr(path, "write") or mode is not None:
            return self.stat.dump(path, mode or "a")
        _files.dump(self, path, self._header, keep_strings)

    def html(self, path, since=None, title="heap"):
        """Write a self-contained HTML report of this set: a zoomable treemap of the
        dominator tree, partition tables with retained sizes, the largest retainers with their
        paths, and (with `since`, an older heap set) growth by kind."""
        _files.html(self, path, since, title)

    def export_chrome(self, path, keep_strings=None):
        """Write this set's whole snapshot as a Chrome DevTools heap snapshot (open it in
        DevTools' Memory tab: Load).  See heapcore/_chrome.py for how Python maps to it.
        String contents: redacted for a live set unless keep_strings=True; a loaded set's
        as its file has them."""
        _files.export_chrome(self, path, keep_strings)

    @property
    def loaded(self):
        """True for a set read from a snapshot file, or of a subinterpreter's heap (it has no
        live objects here)."""
        return self._s.snapshot.loaded

    @property
    def meta(self):
        """For a loaded set, what its file says of the process it came from (heapcore and
        Python versions, pid, argv as JSON, creation time); None for a live set."""
        return self._s.snapshot.meta

    # -- sizes ----------------------------------------------------------------------------
    @property
    def count(self):
        return self._s.count

    @property
    def size(self):
        return self._s.size

    @property
    def domisize(self):
        """Bytes that would be freed if every object of the set became unreachable together
        (its own sizes and everything only it keeps alive)."""
        return self._s.domisize

    indisize = size

    @property
    def referrers(self):
        """The objects that refer to some object of the set (the observer's own never do)."""
        return self._new(self._s.referrers())

    @property
    def referents(self):
        """The objects that some object of the set refers to."""
        return self._new(self._s.referents())

    @property
    def er(self):
        """The classifier the set is partitioned by (Heapy's equivalence relation): h.Clodo
        for h.heap(), h.Type for x.bytype, the object given to x.by(er)."""
        er = _kinds.er_of(self._by)
        if er is None:
            raise AttributeError("x.er: %s is not a classifier object here (use x.by(...))"
                                 % _header(self._by))
        return er

    @property
    def partition(self):
        """The partition behind the table: ``len(p)`` rows, ``p[i]`` the row sets, ``p.kinds``
        the rows' kind texts, ``p.er`` the classifier; printed, the table."""
        return Partition(self)

    @property
    def maprox(self):
        """Heapy's mapping proxy: ``x.maprox.attr`` is the set of the members' ``attr``
        values, ``x.maprox[k]`` of their items at k (``h.iso({'a': 'b'}, {'a': 1}).maprox['a']``
        holds 'b' and 1); members without one are skipped.  Read from the references the
        walk labels, so no attribute or item access of the program runs: a property's or
        ``__getattr__``'s value, which no object stores, is not found."""
        return MapProxy(self)

    @property
    def owners(self):
        """The objects that own the dicts of the set (whose ``__dict__`` they are)."""
        snap = self._s.snapshot
        owners = {snap.node(i)["owner"] for i in self._s.ids()}
        owners.discard(None)
        return self._new(snap.ids(sorted(owners)), "clodo")

    @property
    def imdom(self):
        """Heapy's immediate dominators: the referrers of the set that a root reaches without
        passing through another referrer or the set (a subset of x.referrers).  x.idom is the
        dominator tree's answer (who must go for the set to go), which often agrees."""
        return self._new(_views.immediate_dominators(self._s))

    def __hash__(self):
        """From the members' addresses (equal sets hash equal; sets of two walks compare by
        address and type, so hash by address alone)."""
        return hash(frozenset(self._s.addresses()))

    @property
    def dominos(self):
        """The objects that would become unreachable if every object of the set did: its
        members and everything only they keep alive (``x.dominos.size == x.domisize``)."""
        return self._new(self._s.dominos())

    @property
    def idom(self):
        """Who keeps the set alive, one step up: the immediate dominators of its objects that
        are not themselves in the set (Nothing for objects held by roots alone)."""
        return self._new(self._s.idoms())

    @property
    def domchain(self):
        """The dominators of a one-object set, nearest first, up to the root that holds it:
        every object that, if it went, would take this one with it."""
        if self.count != 1:
            raise ValueError("domchain requires a singleton set")
        snap = self._s.snapshot
        ids = []
        up = snap.idom(self._s.ids()[0])
        while isinstance(up, int):
            ids.append(up)
            up = snap.idom(up)
        return _results.DomChain(self._s, ids)

    @property
    def retained(self):
        """The same partition with a Retained column, sorted by it: for each kind, the bytes
        that would be freed with its objects, counting an object only when no other object
        of its kind (in this set) dominates it, so no byte is counted twice in a row."""
        return IdentitySet(self._s, self._by, self._held, self._header, ret=True)

    @property
    def sp(self):
        """The shortest paths from the roots to the set, as Heapy prints them:
        `` 0: h.Root.i0_modules['__main__'].__dict__['x'][0]``.  ``sp[i]`` is a path whose
        ``str`` has ``%s`` for ``h.Root``; evaluated from it, it gives the object back."""
        return _paths.shortest_paths(self._s)

    shpaths = sp

    def _ids_here(self, other, what):
        """The node ids, in this set's snapshot, of the members of heap set `other` (matched by
        address and type when it comes from another walk: its objects as they were then)."""
        if not isinstance(other, IdentitySet):
            raise TypeError("%s: expected a heap set (h.iso(obj), x.referrers, ...), not %s"
                            % (what, type(other).__name__))
        o = other._s
        if not self._s.same_graph(o):
            everything = self._s.snapshot.select(0, 0)
            o = everything.sub_foreign(everything.sub_foreign(o))
        return o.ids()

    def _ids_set(self, other, what):
        """Heap set `other` as an engine set of this set's snapshot (see _ids_here)."""
        return self._s.snapshot.ids(self._ids_here(other, what))

    def get_shpaths(self, src=None, avoid_nodes=None, avoid_edges=()):
        """The shortest paths to the set (as sp), from the objects of heap set `src` instead
        of the roots when given (each path then starts ``Src``, or with its start's brief when
        src has several objects), never through the objects of heap set `avoid_nodes`, nor
        along `avoid_edges`: (a, b) pairs of objects (or of one-object heap sets), a edge from
        a to b never followed."""
        src_ids = None if src is None else self._ids_here(src, "src")
        avoid = None if avoid_nodes is None else self._ids_here(avoid_nodes, "avoid_nodes")
        edges = []
        snap = self._s.snapshot
        for pair in avoid_edges or ():
            try:
                a, b = pair
            except (TypeError, ValueError):
                raise TypeError("avoid_edges: expected (from, to) pairs of objects") from None
            ends = []
            for end in (a, b):
                if isinstance(end, IdentitySet):
                    ids = self._ids_here(end, "avoid_edges")
                    if len(ids) != 1:
                        raise ValueError("avoid_edges: a heap set in a pair must hold one object")
                    ends.append(ids[0])
                else:
                    ends.append(snap.lookup(end))
            if None not in ends:  # an object this walk did not see has no edges to avoid
                edges.append(tuple(ends))
        srcname = None
        if src_ids is not None:
            srcname = "Src" if len(src_ids) == 1 else "brief"
        return _paths.shortest_paths(self._s, src_ids, avoid, edges, srcname)

    @property
    def pathsin(self):
        """The paths into the set from its direct referrers (one hop each, Heapy's pathsin):
        `` 0: <1 dict (no owner): 0x7f..40*1>['key']``."""
        return self.get_shpaths(self.referrers)

    @property
    def pathsout(self):
        """The paths from the set to its referents (one hop each, Heapy's pathsout)."""
        return self.referents.get_shpaths(self)

    def dot(self, file=None, limit=20):
        """Graphviz text of the shortest paths from the roots to the set's objects (at most
        `limit` of them), edges labelled as in sp; written to `file` (a path or an open file)
        if given.  ``dot -Tsvg`` draws it."""
        return _files.dot(self, file, limit)

    @property
    def rp(self):
        """The reference pattern: the referrers' kinds, and theirs, as a tree (Heapy's rp)."""
        return self.get_rp()

    def get_rp(self, depth=7, er=None, imdom=False, bf=False, src=None, stopkind=None,
               nocyc=False, limit=100):
        """The reference pattern down to `depth` levels (at most `limit` rows), as Heapy's:
        referrers partitioned by classifier `er` (h.Clodo; h.Type titles it "by <type>"),
        or their immediate dominators with imdom; only referrers that heap set `src`
        reaches, if given; not looked past the objects of kind `stopkind` (default: modules,
        types, their dicts, code and frames); with nocyc, no referrer already on the way
        down to the set.  bf (Heapy's experimental breadth-first order) is accepted and
        ignored: rows are always depth first."""
        src_s = None if src is None else self._ids_set(src, "src")
        return _views.ReferencePattern(self._s, depth, limit, er, imdom, bf, src_s, stopkind, nocyc)

    @property
    def byid(self):
        """Each object its own row, largest first, with a brief description of it (its value
        for strs and numbers, address*length for containers, the owner's address for an
        instance dict, a function's name)."""
        return _views.ById(self._s, self._held)

    @property
    def brief(self):
        """The set in one line, as guppy3's brief: "<1 str: 'aaa'>", "<2 list: 0x7f..*2,
        0x7f..*1>", a mixed set a part per kind."""
        return _results.Text(_views.set_brief(self._s, self._held))

    @property
    def unreachable(self):
        """The set's objects that no root reaches: uncollected cyclic garbage (gc disabled,
        or not run since), or objects only C code holds where no root shows it; what only
        they keep alive is among them.  h.heap()'s header counts them."""
        return self._new(_unreachable.members(self._s))

    def unreachable_entries(self, n=10):
        """The n largest entry points of the set's unreachable objects, largest retained
        first: the unreachable objects that no other unreachable object keeps alive (children
        of the dominator tree's super-root that no root reaches), each with its retained size
        (the bytes collecting it frees), size, the objects it retains and its kind, so the
        cycles that hold the bytes show.  ``e[i]`` is a one-object set."""
        return _unreachable.Entries(self._s, n)

    def top(self, n=10, suspects=True):
        """The n leak suspects of the set: where its bytes accumulate in the dominator tree
        (the object holding many alike children, alike suspects grouped), each with a named
        path from a root and what it holds.  With suspects=False, the n objects with the
        largest retained sizes (ancestors of each other), each with its kind, size, retained
        size and a shortest path from a root."""
        if not suspects:
            return _results.Top(self._s, self._s.top(n))
        if n < 0:
            raise ValueError("top: n must be >= 0")
        rows = _results.suspects(self._s, n)
        return _results.Top(self._s, [(g["ids"][0], g["weight"]) for g in rows], rows)

    def _partition(self):
        if self._rows is None:
            rows = self._s.partition(engine_kinds(self._by))
            if self._ret:
                per = self._s.retained_by_kind(engine_kinds(self._by))
                rows = [r + (per.get(r[0], 0),) for r in rows]
                rows.sort(key=lambda r: (-r[4], -r[3], r[1]))
            self._rows = rows
        return self._rows

    def _reached(self):
        """Bytes of the snapshot (what the roots reach and unreachable garbage), for a retained
        view's percentages (None otherwise)."""
        return self._s.snapshot.reached_size if self._ret else None

    def __len__(self):
        return len(self._partition())

    def __bool__(self):
        return self._s.count != 0

    # -- text -----------------------------------------------------------------------------
    def _table(self, start=0, with_label=True):
        """The table from row `start`, one page (see _internal.table)."""
        if with_label and self._s.count == 0 and start == 0:
            return "<Nothing>"
        rows = self._partition()
        if not with_label and start >= len(rows):
            return ""
        return _format.table(rows, self.count, self.size, _header(self._by), start,
                             self._header, with_label, self._reached())

    def __str__(self):
        return self._table()

    def __repr__(self):
        """The table; the empty set is ``h.Nothing`` (its str is ``<Nothing>``), as Heapy's."""
        return "h.Nothing" if self._s.count == 0 else self._table()

    @property
    def more(self):
        return _results.More(self, _format.ROWS_PER_PAGE)

    @property
    def all(self):
        rows = self._partition()
        reached = self._reached()
        return _results.Text("\n".join(
            [_format.label(self.count, self.size),
             _format.column_header(_header(self._by), reached)]
            + _format.row_lines(rows, self.count, self.size, 0, len(rows), reached)))

    # -- rows and re-partitioning -------------------------------------------------------------
    def __getitem__(self, i):
        rows = self._partition()
        if isinstance(i, slice):
            if i.step is not None and i.step <= 0:
                raise ValueError("Step must be positive.")
            out = None
            for r in range(*i.indices(len(rows))):
                part = self._s.select(engine_kinds(self._by), rows[r][0])
                out = part if out is None else out.op(part, _engine.OP_OR)
            return self._new(out if out is not None else self._s.op(self._s, _engine.OP_SUB))
        if not isinstance(i, int):
            raise TypeError("Partition index must be an int or a slice")
        if i < 0:
            i += len(rows)
        if not 0 <= i < len(rows):
            raise IndexError("Partition index out of range.")
        return self._new(self._s.select(engine_kinds(self._by), rows[i][0]))

    @property
    def parts(self):
        return [self[i] for i in range(len(self))]

    def _new(self, idset, by=None):
        return IdentitySet(idset, by or self._by)

    def by(self, classifier):
        """The set partitioned by `classifier`: a name ("type", Heapy's "Type") or a classifier
        object (h.Type, h.Type & h.Size, h.Size.dictof, h.findex(...))."""
        if isinstance(classifier, _kinds.EquivalenceRelation):
            if classifier._by is None:  # computed here, for this set
                return IdentitySet(self._s, classifier._custom(self._s), self._held)
            classifier = classifier._by
        name = lookup(classifier)
        if name is None:
            raise ValueError("unknown classifier %r (known: %s)" % (classifier, ", ".join(ENGINE)))
        if REGISTRY[name].engine is None:  # computed here, for this set
            return getattr(self, "by" + name)
        return IdentitySet(self._s, name, self._held, self._header, self._ret)

    @property
    def byprod(self):
        """By allocation site ("file:line", from tracemalloc): where each object was made.
        "<not traced>" for objects tracemalloc did not see allocated (it was not tracing), and
        "<freed since the snapshot>" for those no longer alive."""
        ids = self._s.ids()
        where = {node_id: k for k, node_id in enumerate(ids)}
        names = ["<freed since the snapshot>", "<not traced>"]
        index = {}
        kinds = [0] * len(ids)
        try:
            live = _views._resolve(self._s, self._held, ids)  # what only the set holds too
        except RuntimeError:  # a loaded file: its objects are in another process
            live = {}
        for node_id, obj in live.items():
            # tracemalloc's record of obj's block, found where the block starts (3.11's
            # get_object_traceback misses instances with a managed dict)
            frames = _engine.alloc_traceback(obj)
            if not frames:
                kinds[where[node_id]] = 1
                continue
            site = "%s:%d" % frames[0][:2]  # the allocation itself: the most recent frame
            if site not in index:
                index[site] = len(names)
                names.append(site)
            kinds[where[node_id]] = index[site]
        live = obj = None  # the live objects are not kept
        return IdentitySet(self._s, Custom(self._s.explicit_kinds(kinds, names),
                                           _header("prod"), _kinds.Prod), self._held)

    @property
    def prod(self):
        """Heapy's x.prod: where the set's objects were allocated, as tracemalloc recorded it
        (start tracemalloc first, with tracemalloc.start(n) for n frames), one traceback per
        site, most objects' bytes first, oldest frame first as Python prints tracebacks.
        x.byprod partitions by the allocating line alone."""
        live = {} if self._s.snapshot.loaded else _views._resolve(self._s, self._held, self._s.ids())
        sizes = dict(zip(self._s.ids(), (self._s.snapshot.ids([i]).size for i in self._s.ids())))
        sites, untraced = {}, [0, 0]
        for node_id, obj in live.items():
            frames = _engine.alloc_traceback(obj)
            if not frames:
                untraced[0] += 1
                untraced[1] += sizes[node_id]
                continue
            c = sites.setdefault(tuple(frames), [0, 0])
            c[0] += 1
            c[1] += sizes[node_id]
        live = obj = None  # no live object is kept
        freed = self.count - sum(c[0] for c in sites.values()) - untraced[0]
        lines = ["Producers of %d object%s, %d bytes (tracemalloc), largest first:"
                 % (self.count, "" if self.count == 1 else "s", self.size)]
        for k, (frames, (n, size)) in enumerate(sorted(sites.items(), key=lambda kv: (-kv[1][1], kv[0]))):
            lines.append("%2d: %d object%s, %d bytes" % (k, n, "" if n == 1 else "s", size))
            lines += ['    File "%s", line %d' % f[:2] for f in reversed(frames)]
        if untraced[0]:
            lines.append("<not traced>: %d object%s, %d bytes (allocated while tracemalloc was not "
                         "tracing)" % (untraced[0], "" if untraced[0] == 1 else "s", untraced[1]))
        if freed:
            lines.append("<freed since the snapshot>: %d object%s" % (freed, "" if freed == 1 else "s"))
        return _results.Text("\n".join(lines))

    @property
    def byidset(self):
        """Each object its own row: "<1 dict of __main__.Node: 0x7fb04b4cbad0>"."""
        names = {r[0]: r[1] for r in self._s.partition(_engine.BY_CLODO)}
        kinds = self._s.kinds(_engine.BY_CLODO)
        labels = ["<1 %s: 0x%x>" % (names[k], a) for k, a in zip(kinds, self._s.addresses())]
        if not labels:
            labels = ["<Nothing>"]
        return IdentitySet(self._s, Custom(self._s.explicit_kinds(range(self.count), labels),
                                           _header("idset"), _kinds.Idset), self._held)

    @property
    def byvia(self):
        """By how each object is referred to: the labels of the edges into it, from referrers
        still alive ("'.a'", "\"['key']\"", "'[0]'", "'.__dict__'", "\".f_locals['x']\"",
        "'list(_)[0]'" for a set member, "'<root sys.modules>'" for what a root holds).
        Indices come in families: with more than 10 distinct ones in the set, a family's read
        "'[*]'" (list and tuple items), "'.keys()[*]'" (dict keys as objects) or
        "'list(_)[*]'" (set members), and a row with them says how many distinct indices it
        merges: "'[*]' (7870 indices)".  Dict keys ("['k']") never group.  byvia_exact keeps
        every index apart."""
        return IdentitySet(self._s, Custom(self._s.via_kinds(-1), _header("via"), _kinds.Via), self._held)

    @property
    def byvia_exact(self):
        """As byvia, every index its own label ("'[0]'", "'[1]'", ...), as Heapy shows them."""
        return IdentitySet(self._s, Custom(self._s.via_kinds(0), _header("via_exact")), self._held)

    @property
    def kind(self):
        """The kinds of the rows, as Heapy writes them: "<referred by: list>", "<size = 56>",
        "(dict of __main__.Node | list)"."""
        names = [kind_brief(self._by, r[1]) for r in self._partition()]
        return _results.Text("(%s)" % " | ".join(sorted(names)) if len(names) != 1 else names[0])

    # -- objects --------------------------------------------------------------------------
    @property
    def nodes(self):
        """The live objects of the set (a list).  Found by a fresh walk matched by address
        and type, so a freed object is never handed back."""
        if self._held is not None:
            return list(self._held)
        return self._s.resolve()

    @property
    def theone(self):
        if self.count != 1:
            raise ValueError("theone requires a singleton set")
        nodes = self.nodes
        if not nodes:
            raise ValueError("the object of this set is no longer alive")
        return nodes[0]

    def __rand__(self, other):
        return self.__and__(other)

    def __contains__(self, obj):
        sid = self._s.snapshot.lookup(obj)
        return sid is not None and self._s.op(self._s.snapshot.ids([sid]), _engine.OP_AND).count == 1

    def __iter__(self):
        if self._s.count == 0:  # Heapy: list(h.Nothing) is []
            return iter(())
        raise TypeError("iteration over a heap set: use x.nodes for the objects or x.parts for the rows")

    # -- algebra --------------------------------------------------------------------------
    def _other(self, other):
        if not isinstance(other, IdentitySet):
            raise TypeError("Argument is not a heap set: %r" % type(other).__name__)
        return other._s

    def _op(self, other, op):
        kind = _kinds.as_kind(other)
        if kind is not None:
            if op in "|^":  # Heapy: a symbolic kind, the set's members one of its parts
                k = _kinds.set_kind(self)
                return k | kind if op == "|" else k ^ kind
            picked = kind._select(self._s)
            return self._new(picked if op == "&" else self._s.op(picked, _engine.OP_SUB))
        o = self._other(other)
        if self._s.same_graph(o):
            return self._new(self._s.op(o, _OPS[op]))
        if op == "-":
            return self._new(self._s.sub_foreign(o))
        if op == "&":
            return self._new(self._s.sub_foreign(self._s.sub_foreign(o)))
        if self._held is not None and other._held is not None:
            # Both sets hold their objects: rebuild from them, by identity.
            a = {id(x): x for x in self._held}
            b = {id(x): x for x in other._held}
            keep = {**a, **b} if op == "|" else {k: v for k, v in {**a, **b}.items() if (k in a) != (k in b)}
            return iso_set(tuple(keep.values()))
        return self._combine(o, op)

    def _combine(self, o, op):
        """self | o or self ^ o for engine set o of another walk: in the snapshot of the one
        whose walk also saw every member of the other (matched by address and type, as '-'
        matches), else in a fresh walk, where members freed since their own walk are left out
        and the header says how many."""
        if self._s.snapshot.loaded or o.snapshot.loaded:
            raise ValueError("'%s' of a loaded snapshot and another walk: their objects are not "
                             "one heap's (use '-' or '&', which match by address and type)" % op)
        for base, other in ((self._s, o), (o, self._s)):
            here = _matched(base, other)
            if here.count == other.count:
                return self._new(base.op(here, _OPS[op]))
        now = _engine.snapshot(None, 0).select(0, _internal.NOT_SHOWN)
        a, b = _matched(now, self._s), _matched(now, o)
        lost = self._s.count - a.count + o.count - b.count
        header = None
        if lost:
            header = ("%d member%s of the operands %s freed since their walks: left out."
                      % (lost, "" if lost == 1 else "s", "was" if lost == 1 else "were"))
        return IdentitySet(a.op(b, _OPS[op]), self._by, header=header)

    def __or__(self, other):
        return self._op(other, "|")

    def __invert__(self):
        """The objects not in the set: a kind (Heapy's ~x), for selecting from other sets."""
        return ~_kinds.set_kind(self)

    @property
    def dictof(self):
        """The kind of the instance dicts the set's objects own (``h.Nothing.dictof``: the dicts
        no object owns)."""
        return _kinds.set_kind(self).dictof

    def __and__(self, other):
        return self._op(other, "&")

    def __sub__(self, other):
        return self._op(other, "-")

    def __xor__(self, other):
        return self._op(other, "^")

    def __le__(self, other):
        o = self._other(other)
        if self._s.same_graph(o):
            return self._s.subset(o)
        return self._s.sub_foreign(o).count == 0

    def __ge__(self, other):
        return other.__le__(self)

    def __lt__(self, other):
        return self <= other and not self == other

    def __gt__(self, other):
        return other < self

    def __eq__(self, other):
        if not isinstance(other, IdentitySet):
            return NotImplemented
        o = other._s
        if self._s.same_graph(o):
            return self._s.equal(o)
        return self._s.count == o.count and self <= other

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    def disjoint(self, other):
        return (self & other).count == 0

    # -- diffs ----------------------------------------------------------------------------
    @property
    def stat(self):
        """The table without its objects (a Stat: rows, paging, ``-``, dump)."""
        return _results.Stat([r[:4] for r in self._partition()], _header(self._by))

    def diff(self, other):
        """Per-kind count and size changes, self (A) against other (B), in Heapy's format."""
        if not isinstance(other, IdentitySet):
            raise TypeError("diff() takes a heap set")
        if _header(other._by) != _header(self._by):
            raise ValueError("Mismatching table kind header, %r vs %r." % (_header(self._by), _header(other._by)))
        return self.stat - other.stat


class MapProxy:
    """``x.maprox`` (see IdentitySet.maprox)."""

    __slots__ = ("_x",)

    def __init__(self, x):
        self._x = x

    def _map(self, direct, via_dict):
        """The set of the referents labelled `direct` of the members, or labelled
        `via_dict` in their instance dicts (reached by '.__dict__')."""
        s = self._x._s
        snap = s.snapshot
        held = {snap.lookup(o) for o in self._x._held or ()}
        found = set()
        for i in s.ids():
            for label, j in snap.edge_labels(i, i in held):
                if label == direct:
                    found.add(j)
                elif via_dict is not None and label == ".__dict__":
                    found.update(k for lab, k in snap.edge_labels(j, i in held) if lab == via_dict)
        return IdentitySet(snap.ids(sorted(found)), "clodo")

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__") and name != "__dict__":
            raise AttributeError(name)
        return self._map("." + name, "[%r]" % name)

    def __getitem__(self, key):
        if not isinstance(key, (str, bytes, int, float, bool, type(None), tuple)):
            raise TypeError("maprox[k]: k must be a str, number, bytes or tuple (its repr is "
                            "how the walk labels an item), not %s" % type(key).__name__)
        return self._map("[%r]" % (key,), None)

    def __repr__(self):
        return "<maprox of %s>" % self._x.brief


class Partition:
    """``x.partition``: the rows of a heap set's table, each a set (Heapy's Partition)."""

    __slots__ = ("_x",)

    def __init__(self, x):
        self._x = x

    @property
    def er(self):
        return self._x.er

    @property
    def kinds(self):
        return [r[1] for r in self._x._partition()]

    @property
    def sets(self):
        return self._x.parts

    def __len__(self):
        return len(self._x)

    def __getitem__(self, i):
        return self._x[i]

    def __iter__(self):
        return iter(self._x.parts)

    def __str__(self):
        return str(self._x)

    __repr__ = __str__


def _matched(base, other):
    """The nodes of engine set base's snapshot that are members of engine set other (another
    walk's), matched by address and type."""
    everything = base.snapshot.select(0, 0)
    return everything.sub_foreign(everything.sub_foreign(other))


def iso_set(objs):
    """The set of exactly these objects, held strongly by the set.  One walk, with the objects
    as extra roots so that even objects only a running frame's stack holds are found."""
    snap = _engine.snapshot(objs)
    ids = []
    for o in objs:
        i = snap.lookup(o)
        if i is None:
            raise ValueError("object at 0x%x was not found by the walk" % id(o))
        ids.append(i)
    return IdentitySet(snap.ids(ids), "clodo", held=tuple({id(o): o for o in objs}.values()))


def _by_engine(name):
    """x.by<name>, for each of the engine's classifiers in the registry: x re-partitioned."""
    return property(lambda self: self.by(name), doc=REGISTRY[name].help)


for _name in ENGINE:
    setattr(IdentitySet, "by" + _name, _by_engine(_name))
del _name

_internal.register_set_class(IdentitySet)
_internal.hide(globals(), IdentitySet, Partition, MapProxy)
