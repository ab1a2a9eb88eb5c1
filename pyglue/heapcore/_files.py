"""Every file the package writes: snapshot files (``x.dump``), HTML reports (``x.html``,
``heapcore html``), Chrome heap snapshots (``x.export_chrome``, ``heapcore export``) and
Graphviz text (``x.dot``, ``heapcore export --format dot``).

All of them are written by the engine's one output rule (heapcore/outfile.c): into a
temporary file in the target's directory, fsync'd, then renamed over it, so there is never
half a file under the name; a symlink is followed (its target is replaced); a device or FIFO
(/dev/stdout) is written directly, never replaced.  Text goes through ``write_text``; snapshot
files and Chrome exports are written by the engine itself, under the same rule.

_html and _chrome are imported when first used: a process that only dumps does not hold
their modules (its snapshots would show them).
"""
import json
import os
import sys
import time

from . import _engine, _paths
from ._internal import engine_set, hide

VERSION = "0.1.0"  # heapcore.__version__ (and configure.ac's AC_INIT)


def write_text(path, text):
    """Write text (UTF-8) to path by the engine's output rule (above); OSError names the
    file and the reason."""
    _engine.write_file(os.fspath(path), text.encode("utf-8"))


def file_meta(header=None):
    """What a snapshot file records about the process it was taken in (and the table's
    extra header line, if any)."""
    meta = [
        ("heapcore", VERSION),
        ("python", sys.version.split()[0]),
        ("implementation", sys.implementation.name),
        ("platform", sys.platform),
        ("pid", str(os.getpid())),
        ("argv", json.dumps(sys.argv)),
        ("created", time.strftime("%Y-%m-%dT%H:%M:%S%z")),
    ]
    if header:
        meta.append(("header", header))
    return meta


def dump(x, path, header=None, keep_strings=False):
    """Write heap set x's snapshot, with x as the file's contents, to path."""
    engine_set(x).dump(os.fspath(path), file_meta(header), bool(keep_strings))


def html(x, path, since=None, title="heap"):
    """Write the HTML report of heap set x (growth since `since`, if given) to path."""
    from . import _html
    write_text(path, _html.report(x, since, title))


def export_chrome(x, path, keep_strings=None):
    """Write x's whole snapshot as a Chrome .heapsnapshot (see _chrome)."""
    from . import _chrome
    _chrome.export(x, os.fspath(path), keep_strings)


def dot(x, file=None, limit=20):
    """Graphviz text of the shortest paths to x's objects; written to `file` (a path or an
    open file) if given, else returned."""
    text = _paths.dot(engine_set(x), limit)
    if file is None:
        return text
    if hasattr(file, "write"):
        file.write(text)
    else:
        write_text(file, text)
    return None


hide(globals())
