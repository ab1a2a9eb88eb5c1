"""Heapy's text formats (the partition table, paging, diffs), computed from engine rows.
(The kind column's titles are the classifiers' headers: _classifiers.)"""
import textwrap

from ._internal import hide

ROWS_PER_PAGE = 10
WRAP = 100    # Heapy wraps table rows at 100 columns...
INDENT = 45   # ...continuing under the kind column


def pct(part, whole):
    """Heapy's percentage: '%.0f' rounding (halves to even), 0 for an empty whole."""
    return int("%.0f" % (100.0 * part / whole)) if whole else 0


def label(count, size):
    return "Partition of a set of %d object%s. Total size = %d bytes." % (
        count, "" if count == 1 else "s", size)


def column_header(kind_header, reached=None):
    """The column line; with `reached` (the snapshot's bytes: what the roots reach and any
    unreachable garbage, the super-root's retained size) a Retained column and its share of
    them come before the kind."""
    if reached is None:
        return " Index  Count   %%     Size   %% Cumulative  %% %s" % kind_header
    return " Index  Count   %%     Size   %% Cumulative  %%   Retained   %% %s" % kind_header


def row_lines(rows, total_count, total_size, start, stop, reached=None):
    """Lines for rows[start:stop]; rows are (kind, name, count, size[, retained]), sorted."""
    cumul = sum(r[3] for r in rows[:start])
    out = []
    for i in range(start, min(stop, len(rows))):
        name, count, size = rows[i][1:4]
        cumul += size
        line = "%6d %6d %3d %8d %3d %9d %3d" % (
            i, count, pct(count, total_count), size, pct(size, total_size),
            cumul, pct(cumul, total_size))
        if reached is not None:
            line += " %10d %3d" % (rows[i][4], pct(rows[i][4], reached))
        out.extend(wrap(line + " " + name))
    return out


def wrap(line):
    """A row as Heapy prints it: cut at WRAP columns, each continuation indented INDENT
    columns, trailing blanks stripped."""
    step = WRAP - INDENT  # slices by position: linear in the line's length (a row name can be
    pieces = [line[:WRAP]]  # a 10 MB dict key)
    pieces += [" " * INDENT + line[k:k + step] for k in range(WRAP, len(line), step)]
    return [p.rstrip() for p in pieces]


def more_line(remaining):
    return "<%d more rows. Type e.g. '_.more' to view.>" % remaining


def table(rows, count, size, kind_header, start=0, extra_header=None, with_label=True, reached=None):
    """Heapy's table.  extra_header (the process RSS, the garbage line) comes last, after
    the rows and the "more rows" line, so that line i of the text is Heapy's line i: scripts
    written for Heapy pick the column header and the rows by index."""
    lines = []
    if with_label:
        lines.append(label(count, size))
    lines.append(column_header(kind_header, reached))
    stop = start + ROWS_PER_PAGE
    if len(rows) - stop == 1:  # Heapy shows the last row rather than "<1 more rows ...>"
        stop += 1
    lines.extend(row_lines(rows, count, size, start, stop, reached))
    remaining = len(rows) - stop
    if remaining > 0:
        lines.append(more_line(remaining))
    if with_label and extra_header:
        lines.append(extra_header)
    return "\n".join(lines)


def mb(nbytes):
    return "%.1f MB" % (nbytes / 1e6)


def bytes_text(nbytes):
    """A size for reading: "512 B", "113.1 KB", "6.7 MB", "1.2 GB" (decimal units)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if nbytes >= scale:
            return "%.1f %s" % (nbytes / scale, unit)
    return "%d B" % nbytes


def path_text(root, hops, max_hops=8):
    """A path from a root as text: the root's label, then each object's kind down to the last
    ("sys.modules → module → dict of module → list"); long paths keep both ends."""
    kinds = [k for _, k in hops]
    start = root if root is not None else "unreachable " + kinds[0]
    rest = kinds[1:]
    if len(rest) > max_hops:
        cut = len(rest) - (max_hops - 2)
        rest = rest[:2] + ["… %d more …" % cut] + rest[-(max_hops - 2):]
    return " → ".join([start] + rest)


def wrap_path(path, indent):
    """A path's text in lines of at most WRAP columns, broken after an arrow; continuation
    lines are indented two more columns (a part too long for a line of its own, such as a
    frame's qualified name, is broken at its blanks, two more than its first line)."""
    parts = path.split(" → ")
    lines, line = [], " " * indent + parts[0]
    for k, p in enumerate(parts[1:], 2):
        # room for p, and for the " →" that ends the line if another part follows
        need = len(line) + 3 + len(p) + (2 if k < len(parts) else 0)
        if need > WRAP and line.strip():
            lines.append(line + " →")
            line = " " * (indent + 2) + p
        else:
            line += " → " + p
    lines.append(line)
    out = []
    for line in lines:
        if len(line) <= WRAP:
            out.append(line)
            continue
        lead = len(line) - len(line.lstrip())
        out.extend(textwrap.wrap(line.strip(), WRAP, initial_indent=" " * lead,
                                 subsequent_indent=" " * (lead + 2), break_long_words=True,
                                 break_on_hyphens=False))
    return out


def top_table(rows, total, garbage):
    """rows: (index, retained, size, kind, path text); total: the bytes retained sizes are
    shares of (all the snapshot's objects), of which garbage are unreachable from the roots."""
    lines = ["The %d object%s retaining most, of %d bytes (%d the roots reach, %d unreachable)." % (
        len(rows), "" if len(rows) == 1 else "s", total, total - garbage, garbage),
             " Index   Retained   %     Size Kind / shortest path from a root"]
    for i, retained, size, kind, path in rows:
        lines.extend(wrap("%6d %10d %3d %8d %s" % (i, retained, pct(retained, total), size, kind)))
        lines.extend(wrap_path(path, 27))
    return "\n".join(lines)


def holds_text(g, whole):
    """What suspect row g (of _results.suspects) holds, for the table and the report:
    "holds 1,100 dict (no owner): 7.0 MB, 91 %" ("each holds" for a group); "" if unknown."""
    if g["held"] is None:
        return ""
    count, name, nbytes, children = g["held"]
    of = "" if count == children else " (of {:,} children)".format(children)
    return "{}holds {:,} {}{}: {}, {} %".format(
        "each " if len(g["ids"]) > 1 else "", count, name, of, bytes_text(nbytes), pct(nbytes, whole))


def suspects_table(rows, whole, what):
    """rows: _results.suspects; whole: the bytes percentages are of (`what`: of what)."""
    lines = ["The %d largest leak suspect%s (where objects accumulate), of %d bytes %s." % (
        len(rows), "" if len(rows) == 1 else "s", whole, what),
        " Index      Bytes   %  Objects Kind / named path from a root / what it holds"]
    for i, g in enumerate(rows):
        k = len(g["ids"])
        kind = g["kind"] if k == 1 else "%d alike: %s" % (k, g["kind"])
        lines.extend(wrap("%6d %10d %3d %8d %s" % (i, g["weight"], pct(g["weight"], whole), k, kind)))
        lines.extend(wrap_path(g["path"], 27))
        text = holds_text(g, whole)
        if text:
            lines.extend(textwrap.wrap(text, WRAP, initial_indent=" " * 27, subsequent_indent=" " * 29,
                                       break_long_words=True, break_on_hyphens=False))
    return "\n".join(lines)


def chain_table(rows):
    """rows: (index, size, retained, kind); the last line names the root, if any."""
    lines = [" Index     Size   Retained Kind (nearest dominator first)"]
    for i, size, retained, kind in rows:
        lines.extend(wrap("%6d %8d %10d %s" % (i, size, retained, kind)))
    return "\n".join(lines)


hide(globals())
