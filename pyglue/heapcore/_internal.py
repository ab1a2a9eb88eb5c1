"""The package's internal API: how every module other than _sets (the CLI, the reports, the
file writers, the result types, the tests) reaches what is behind a heap set.

An IdentitySet (``_sets.py``) is an engine IdSet (``_engine``: node ids of one snapshot), a
classifier, and what it shows with them.  Only ``_sets`` and this module read its private
fields; everyone else asks here:

- ``engine_set(x)``, ``snapshot(x)``, ``node_ids(x)``: the engine IdSet, its Snapshot, its
  node ids;
- ``rows(x)``: x's partition rows as its table shows them, (kind, name, count, size[,
  retained]), in the table's order; ``classifier(x)``: what they are by; ``table(x, start)``:
  a page of its table's text;
- ``new_set(idset, by)``, ``one(snap, node_id)``: a heap set of an engine IdSet (``_sets``
  registers the class at import, so that modules below it make sets without importing it);
- ``hide(module_globals, *classes)``: the one way a module of the package says it is the
  observer's own: its frames, and these classes' instances, are never in a heap set.

Functions here, not methods: an IdentitySet's attributes are the user's API (Heapy's names,
what tab completion offers), and the internal API stays out of it.  This module imports
only the engine, so any module may import it without a cycle (tests/py/test_structure.py
checks the package's import graph and that no other module reads those fields).
"""
from . import _engine

NOT_SHOWN = _engine.NODE_HIDDEN | _engine.NODE_VIRTUAL  # never in a heap set

_set_class = []  # [IdentitySet], filled by _sets at import


def register_set_class(cls):
    """Called once, by _sets: the class new_set() makes."""
    _set_class[:] = [cls]


def is_set(x):
    """Whether x is a heap set (an IdentitySet)."""
    return bool(_set_class) and isinstance(x, _set_class[0])


def engine_set(x):
    """The engine IdSet behind heap set x (node ids of one snapshot, with the engine's
    algebra, partitions, dominators and paths)."""
    return x._s


def snapshot(x):
    """The engine Snapshot heap set x belongs to."""
    return x._s.snapshot


def node_ids(x):
    """x's node ids (ints, ascending)."""
    return x._s.ids()


def rows(x):
    """x's partition as its table shows it: [(kind, name, count, size[, retained])]."""
    return x._partition()


def classifier(x):
    """What x is partitioned by: a registry name ("clodo", ...) or a _classifiers.Custom."""
    return x._by


def table(x, start, with_label=True):
    """x's table text from row `start` (one page), without the label lines if not
    with_label (what ``x.more`` shows)."""
    return x._table(start, with_label)


def new_set(idset, by="clodo", held=None, header=None):
    """The heap set of engine IdSet idset, partitioned by `by`."""
    return _set_class[0](idset, by, held, header)


def one(snap, node_id):
    """The one-object heap set of node node_id of engine Snapshot snap."""
    return _set_class[0](snap.ids([node_id]))


def hide(module_globals, *classes):
    """Mark a module of the package as the observer's own: frames running its code, and the
    instances of `classes`, are hidden from every snapshot (with what only they hold)."""
    _engine.hide_frames_of(module_globals)
    for cls in classes:
        _engine.hide_type(cls)


hide(globals())
