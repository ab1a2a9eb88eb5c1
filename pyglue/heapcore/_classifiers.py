"""The classifiers, in one registry: each name (``x.by("type")``, ``x.bytype``, ``--by
type``, ``h.Type``'s partition) with how it classifies, its table header and its help.

Six are the engine's (``_engine.BY_*``: one kind per node, computed in C); the others are
computed for one set in Python (``_sets``: byvia, byprod, byidset) and carried by a Custom;
``id`` is a view (``x.byid``), not a partition.
"""
from . import _engine
from ._internal import hide


class Classifier:
    """One classifier: `name` (as ``x.by`` and ``--by`` take it), `engine` (the engine's
    classifier, or None when computed per set), `header` (the kind column's title), `help`."""

    __slots__ = ("name", "engine", "header", "help")

    def __init__(self, name, engine, header, help_text):
        self.name = name
        self.engine = engine
        self.header = header
        self.help = help_text


REGISTRY = {c.name: c for c in (
    # the engine's: x.by<name> is made from these (_sets)
    Classifier("clodo", _engine.BY_CLODO, "Kind (class / dict of class)",
               'By class, or "dict of" the class of an instance dict\'s owner.'),
    Classifier("type", _engine.BY_TYPE, "Type", "By type."),
    Classifier("rcs", _engine.BY_RCS, "Referrers by Kind (class / dict of class)",
               'By the kinds of an object\'s referrers: "dict of module", "dict (no owner), list",\n'
               '        "<Nothing>" (the set of the referrers\' class-or-dict-owner kinds).'),
    Classifier("size", _engine.BY_SIZE, "Individual Size", "By individual size."),
    Classifier("unity", _engine.BY_UNITY, "<unclassified>", "One row: everything."),
    Classifier("module", _engine.BY_MODULE, "Module",
               'Module objects by name ("json"); everything else is "~module".'),
    # computed per set, in Python (_sets: x.byvia, x.byprod, x.byidset; x.byid is a view)
    Classifier("via", None, "Referred Via:",
               "By how each object is referred to (edge labels); with many indices, those of lists\n"
               "        and tuples read '[*]' (and '.keys()[*]', 'list(_)[*]'), with the count merged."),
    Classifier("via_exact", None, "Referred Via:", "As via, every index its own label ('[0]', '[1]', ...)."),
    Classifier("prod", None, "Producer (line of allocation)", "By allocation site (tracemalloc)."),
    Classifier("idset", None, "by identity set", "Each object its own row."),
    Classifier("id", None, None, "Each object its own row, with a brief description."),
)}

ENGINE = tuple(c.name for c in REGISTRY.values() if c.engine is not None)
CLI_CHOICES = ("clodo", "type", "rcs", "module", "size", "via", "via-exact", "unity")  # --by, in help order
_TITLES = {name.capitalize(): name for name in REGISTRY}  # x.by("Type"), as Heapy spells it


def lookup(name):
    """The registry name for `name` ("type" or Heapy's "Type"; "via-exact" as the CLI spells
    it), or None."""
    if isinstance(name, str):
        name = name.replace("-", "_")
    name = _TITLES.get(name, name)
    return name if name in REGISTRY else None


def kind_key(kind_header, name):
    """What identifies a kind across two tables (a diff matches rows by it): its name, but a
    via kind's without the count of indices it merges ("'[*]' (7870 indices)" is "'[*]'")."""
    if kind_header == REGISTRY["via"].header and name.endswith(("index)", "indices)")):
        cut = name.rfind(" (")
        if cut > 0 and name[cut + 2:].split(" ")[0].isdigit():
            return name[:cut]
    return name


def kind_brief(by, name):
    """The kind of a row named `name` under `by` (a registry name or a Custom), as Heapy writes
    a kind: "<size = 56>" for a size row, "<referred by: dict (no owner), list>" for an rcs
    row, "<via '.a'>" for a via row; else the row's name."""
    if by == "size":
        return "<size = %d>" % int(name)
    if by == "rcs":
        return "<referred by: %s>" % name
    if by in ("via", "via_exact") or (isinstance(by, Custom) and by.header == REGISTRY["via"].header):
        return "<via %s>" % kind_key(REGISTRY["via"].header, name)
    return name


class Custom:
    """A classifier computed here, in Python, for one snapshot (e.g. allocation sites): its
    engine Kinds and its table header."""

    __slots__ = ("kinds", "header", "er")

    def __init__(self, kinds, header, er=None):
        self.kinds = kinds
        self.header = header
        self.er = er  # the classifier object (_kinds) that made it, if any


def engine_kinds(by):
    """What the engine partitions by for `by` (a registry name of the engine's, or a Custom)."""
    return by.kinds if isinstance(by, Custom) else REGISTRY[by].engine


def header(by):
    """The kind column's title for `by` (a registry name or a Custom)."""
    return by.header if isinstance(by, Custom) else REGISTRY[by].header


hide(globals(), Classifier, Custom)
