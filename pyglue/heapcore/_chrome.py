"""Chrome DevTools export: ``x.export_chrome(path)`` / ``python3 -m heapcore export
--format chrome``.  The engine writes the JSON (heapcore/chrome.c); this module maps Python
types to DevTools node types (../shared/chrome-heapsnapshot.md, section 4):

- str, bytes, bytearray: ``string`` (DevTools' "(string)" row; named by their value when
  kept, else by length and hash);
- int, float, complex, bool: ``number``;
- functions, methods, builtin functions: ``closure`` (the "Function" row);
- code objects: ``code``;
- thread states, interpreter frames and other C structures (virtual nodes): ``hidden``;
- everything else (instances, dict, list, tuple, modules, types): ``object``, named by the
  type ("dict of T" for an object's __dict__, "<module NAME>" for a module).

What DevTools then shows: Summary groups by those names; Containment starts at synthetic
groups, one per kind of root ("(sys.modules)", "(thread 'MainThread' (ident …, main))", …,
"(gc objects no root reaches)"); thread states and frames are named by their names captured
at walk time ("frame f() at file.py:12"); Retainers and Dominators use the edges as heapcore recorded them, named by
the labels the snapshot kept (``.attr``, ``['key']``, ``[3]``).
"""
from ._internal import hide, snapshot

# DevTools node types (chrome.h's order)
HIDDEN, ARRAY, STRING, OBJECT, CODE, CLOSURE, REGEXP, NUMBER, NATIVE, SYNTHETIC = range(10)

_BY_NAME = {
    "str": STRING, "bytes": STRING, "bytearray": STRING,
    "int": NUMBER, "float": NUMBER, "complex": NUMBER, "bool": NUMBER,
    "function": CLOSURE, "method": CLOSURE, "builtin_function_or_method": CLOSURE,
    "method-wrapper": CLOSURE, "cell": HIDDEN, "code": CODE,
    "re.Pattern": REGEXP,
}


def categories(snap):
    """The DevTools node type of each of the snapshot's types, by name."""
    out = bytearray()
    for name in snap.type_names():
        if name in ("thread state", "interpreter frame", "virtual node"):
            out.append(HIDDEN)  # virtual nodes: C structures, not objects
        else:
            out.append(_BY_NAME.get(name, OBJECT))
    return bytes(out)


def export(x, path, keep_strings=None):
    """Write x's whole snapshot as a Chrome .heapsnapshot to path (atomically).  Strings are
    named by their contents if kept: by default, for a loaded snapshot, as its file has them;
    for a live one, redacted (keep_strings=True reads them)."""
    snap = snapshot(x)
    keep = snap.loaded if keep_strings is None else keep_strings
    snap.export_chrome(str(path), categories(snap), bool(keep))


hide(globals())
