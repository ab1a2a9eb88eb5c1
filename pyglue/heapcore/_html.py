"""The HTML report (``python3 -m heapcore html FILE -o report.html``, ``x.html(path)``): one
self-contained file, no network: inline CSS and JavaScript, the data as JSON in the page.

- a zoomable treemap of the top of the dominator tree by retained size (click a box to zoom
  in, the path above it to zoom out): best-first from the roots, up to MAX_BOXES boxes, each
  named by the last label of its shortest path; where a node's many small children hold its
  bytes, they are drawn as one box per kind ("1,100 × dict"), the rest as one "smaller" box;
- at the top, the leak suspects (_results.suspects, as ``x.top()`` and ``heapcore top``
  print them): where the bytes accumulate, each with its named path and what it holds;
- the partition tables (by kind, type and module) with retained sizes;
- the objects retaining most, each with its shortest path from a root;
- with an older snapshot, growth by kind (count, size, retained).

When the page has drawn, ``<body data-rendered="N">`` holds the number of boxes drawn; a
script error sets ``data-error`` (tests read both from the DOM).

The trend report (``heapcore html --trend FILES...``, trend_report): for a series of
snapshots, line charts (inline SVG, no script) of the total heap and of the kinds that grew
in most intervals (count, size, retained size over time), the growers' table, and where the
biggest grower's new objects accumulate (_trend).
"""
import heapq
import html
import json
import time

from . import _classifiers, _engine, _format, _report, _results
from ._internal import engine_set, hide, snapshot

MAX_BOXES = 600    # treemap boxes (each a dominator-tree node) at most
CHILDREN = 16      # children drawn as their own boxes per node expanded
GROUPED = 1 << 20  # children grouped by kind, at most, per node
ROWS = 40          # table rows
SUSPECTS = 10      # leak suspects listed


def _label(labels):
    """A box's name from the labels of its shortest path: the last one when it names the object
    (an attribute, key or index); an instance's or module's dict is named after its owner's
    label (``['__main__'].__dict__``)."""
    lab = labels[-1] if labels else ""
    if lab == ".__dict__":
        return labels[-2] + lab if len(labels) > 1 and labels[-2] not in ("?", ".__dict__") else ""
    return "" if lab == "?" else lab


def dom_tree(x, max_boxes=MAX_BOXES):
    """The top of x's snapshot's dominator tree as nested dicts: n name, r retained, s size,
    c children (largest first), o retained by the children not shown, k their count.  Up to
    CHILDREN children of a node get boxes of their own; when those leave a tenth of it to the
    rest, the node is where many objects accumulate: then only children holding a twentieth of it
    keep their own box and the others (up to GROUPED of them) are drawn as one box per kind
    ("1,100 × dict (no owner)": g their count; not expandable), so the culprit shows as what it
    holds rather than as "smaller"."""
    snap = snapshot(x)
    count, total, kids = snap.dom_children(None, CHILDREN)
    root = {"n": "all objects (reached from the roots, and unreachable)", "r": total, "s": 0, "c": [], "o": 0, "k": 0}
    frontier, boxes, seq, made = [], 1, 0, []
    floor = max(total // 5000, 1)  # boxes smaller than this are not worth drawing

    def box(parent, child_id, retained):
        nonlocal boxes, seq
        child = {"n": snap.kind_name(child_id), "r": retained, "s": snap.ids([child_id]).size,
                 "c": [], "o": 0, "k": 0}
        parent["c"].append(child)
        made.append((child_id, child))
        boxes += 1
        seq += 1
        heapq.heappush(frontier, (-retained, seq, child_id, child))

    def attach(parent, node_id, count, total, kids):
        nonlocal boxes
        head = [k for k in kids[:CHILDREN] if k[1] >= floor]
        if count > len(head) and total - sum(r for _, r in head) > parent["r"] // 10:
            if count > len(kids):
                count, total, kids = snap.dom_children(node_id, min(count, GROUPED))
            big = max(parent["r"] // 20, floor)
            head = [k for k in kids[:CHILDREN] if k[1] >= big]
            rest = snap.ids(sorted(i for i, _ in kids[len(head):]))
            per = rest.retained_by_kind(_engine.BY_CLODO)  # siblings: none dominates another
            groups = {name: [k, per.get(kind, 0), size, kind]
                      for kind, name, k, size in rest.partition(_engine.BY_CLODO)}
        else:
            groups = {}
        shown, n = 0, 0
        for child_id, retained in head:
            if boxes >= max_boxes:
                break
            box(parent, child_id, retained)
            shown += retained
            n += 1
        for name, (k, retained, size, kind) in sorted(groups.items(), key=lambda kv: -kv[1][1]):
            if retained < floor or boxes >= max_boxes:
                break
            if k == 1:  # a kind of one object: that object's own box
                box(parent, rest.select(_engine.BY_CLODO, kind).ids()[0], retained)
                shown += retained
                n += 1
                continue
            parent["c"].append({"n": "{:,} × {}".format(k, name), "r": retained, "s": size,
                                "c": [], "o": 0, "k": 0, "g": k})
            boxes += 1
            shown += retained
            n += k
        parent["c"].sort(key=lambda c: -c["r"])
        parent["o"] = total - shown
        parent["k"] = count - n

    attach(root, None, count, total, kids)
    while frontier and boxes < max_boxes:
        _, _, node_id, node = heapq.heappop(frontier)
        if node["r"] - node["s"] < floor:
            continue  # nothing below it worth a box
        count, total, kids = snap.dom_children(node_id, CHILDREN)
        attach(node, node_id, count, total, kids)
    # name each object's box by how its shortest path reaches it ("['_responses'] dict")
    for (node_id, b), path in zip(made, snap.paths([i for i, _ in made], True)):
        lab = _label(path[2]) if path is not None else ""
        if lab:
            b["n"] = "%s %s" % (lab, b["n"])
    return root


def _flat(root):
    """The tree as a flat list, parents first: [name, retained, size, others, others' count,
    parent's index (-1 for the root), objects in a kind group (0: one object)].  Nested JSON would recurse once per level in json.dumps
    (RecursionError for a long chain on 3.10/3.11) and in the browser's parser."""
    out, queue = [], [(root, -1)]
    for node, parent in queue:  # breadth first: the queue grows while it is read
        index = len(out)
        out.append([node["n"], node["r"], node["s"], node["o"], node["k"], parent, node.get("g", 0)])
        queue.extend((child, index) for child in node["c"])
    return out


def _table(head, rows, numeric):
    out = ["<table><thead><tr>"]
    out += ["<th%s>%s</th>" % (' class="num"' if numeric[i] else "", html.escape(h)) for i, h in enumerate(head)]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>" + "".join(
            "<td%s>%s</td>" % (' class="num"' if numeric[i] else "",
                               html.escape("{:,}".format(v) if isinstance(v, int) and numeric[i] else str(v)))
            for i, v in enumerate(row)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _partition_table(x, by):
    rows = _report.partition(x, by)
    return _table(["Count", "Size", "Retained", _report.header(x, by)],
                  [(c, s, r, name) for name, c, s, r in rows[:ROWS]], [1, 1, 1, 0]) + (
        "<p class=note>%d more rows.</p>" % (len(rows) - ROWS) if len(rows) > ROWS else "")


def report(x, old=None, title="heap"):
    """The report of heap set x (and its growth since `old`, another heap set) as HTML text."""
    meta = x.meta or {}
    tree = dom_tree(x)
    top = _report.top(x, 15)
    sections = []
    rows = _results.suspects(engine_set(x), SUSPECTS)
    whole, _ = _results.suspects_base(engine_set(x))
    suspects = []
    for i, g in enumerate(rows):
        k = len(g["ids"])
        suspects.append((i, g["weight"], _format.pct(g["weight"], whole), k,
                         g["kind"] if k == 1 else "%d alike: %s" % (k, g["kind"]), g["path"],
                         _format.holds_text(g, whole)))
    lead = ("Leak suspects: where the bytes accumulate", _table(
        ["#", "Bytes", "%", "Objects", "Kind", "Named path from a root", "What it holds"], suspects,
        [1, 1, 1, 1, 0, 0, 0]) if suspects else "<p>No objects.</p>")
    sections.append(("Largest retainers (each one's retained size includes those below it)", _table(
        ["#", "Retained", "Size", "Kind", "Shortest path from a root"],
        [(i, r, s, kind, label or text) for i, (_, r, s, kind, text, label) in enumerate(top)],
        [1, 1, 1, 0, 0])))
    if old is not None:
        rows = _report.diff(old, x, "clodo")
        sections.append(("Growth since the older snapshot ({:+,} objects, {:+,} bytes)".format(
            x.count - old.count, x.size - old.size), _table(
            ["Count +", "Size +", "Retained +", "Count", "Size", "Kind"],
            [("{:+,}".format(c1 - c0), "{:+,}".format(s1 - s0), "{:+,}".format(r1 - r0), c1, s1, name)
             for name, c0, c1, s0, s1, r0, r1 in rows[:ROWS]], [1, 1, 1, 1, 1, 0])))
    for by in ("clodo", "type", "module"):
        what = _classifiers.header(by)
        sections.append(("Partition by %s" % (what[:1].lower() + what[1:]), _partition_table(x, by)))
    facts = [("Objects", "{:,}".format(x.count)), ("Size", "{:,} bytes".format(x.size))]
    for key in ("python", "pid", "created", "argv", "heapcore"):
        if key in meta:
            facts.append((key, meta[key]))
    data = json.dumps(_flat(tree), separators=(",", ":")).replace("</", "<\\/")
    body = ["<h1>heapcore: %s</h1>" % html.escape(title),
            "<dl>" + "".join("<dt>%s</dt><dd>%s</dd>" % (html.escape(k), html.escape(str(v))) for k, v in facts) + "</dl>",
            '<h2 id="suspects">%s</h2>%s' % (html.escape(lead[0]), lead[1]),
            "<p class=note>Each suspect is an object whose dominator subtree holds the bytes (what "
            "freeing it would free), found by walking down the dominator tree into the child that "
            "holds most of its parent until the bytes spread over many children; alike suspects "
            "are one row.</p>",
            "<h2>Dominator tree by retained size</h2>",
            "<p class=note>Each box is an object and everything only it keeps alive; its area is "
            "that retained size, and its name says how its shortest path from a root reaches it.  A "
            "dashed box is many objects of one kind that one object holds (\u201c1,100 \u00d7 dict\u201d): "
            "where they accumulate.  Click a box to zoom in, a name in the path to zoom out.</p>",
            '<div id="crumbs"></div><div id="treemap"></div>']
    for head, content in sections:
        body.append("<h2>%s</h2>%s" % (html.escape(head), content))
    body.append("<p class=note>Written by heapcore %s on %s.</p>" % (
        html.escape(meta.get("heapcore", "")), time.strftime("%Y-%m-%d %H:%M")))
    return _PAGE.replace("@TITLE@", html.escape(title)).replace("@BODY@", "\n".join(body)).replace("@DATA@", data)


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>heapcore: @TITLE@</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:600}dd{margin:0;word-break:break-all}
table{border-collapse:collapse;font-size:13px}th,td{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}tbody tr:hover{background:#f4f7ff}
.note{color:#666;font-size:12px}
#crumbs{margin:.3em 0;font-size:13px}#crumbs a{color:#1a56c8;cursor:pointer;text-decoration:underline}
#treemap{position:relative;width:100%;height:520px;border:1px solid #999;overflow:hidden;background:#fafafa}
.box{position:absolute;box-sizing:border-box;border:1px solid #fff;overflow:hidden;font-size:11px;padding:1px 3px;cursor:pointer;color:#111}
.box.group{cursor:default;border-style:dashed}
.box.other{cursor:default;background:repeating-linear-gradient(45deg,#ddd,#ddd 4px,#eee 4px,#eee 8px)!important}
</style></head>
<body>
@BODY@
<script id="tree-data" type="application/json">@DATA@</script>
<script>
"use strict";
window.addEventListener("error", function (e) { document.body.dataset.error = String(e.message); });
(function () {
  var flat = JSON.parse(document.getElementById("tree-data").textContent), nodes = [], i0;
  for (i0 = 0; i0 < flat.length; i0++) {  /* parents come first: no recursion at any depth */
    var f = flat[i0], nd = {n: f[0], r: f[1], s: f[2], o: f[3], k: f[4], g: f[6], c: [], p: null};
    if (f[5] >= 0) { nd.p = nodes[f[5]]; nd.p.c.push(nd); }
    nodes.push(nd);
  }
  var tree = nodes[0];
  var map = document.getElementById("treemap"), crumbs = document.getElementById("crumbs");
  var path = [tree], drawn = 0;
  function fmt(b) {
    var u = ["B", "KB", "MB", "GB", "TB"], i = 0;
    while (b >= 1000 && i < u.length - 1) { b /= 1000; i++; }
    return (i ? b.toFixed(1) : String(b)) + " " + u[i];
  }
  function color(name, depth) {
    var h = 0;
    for (var i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) % 360;
    return "hsl(" + h + ",55%," + (78 - 6 * (depth % 4)) + "%)";
  }
  /* squarified treemap (Bruls, Huizing, van Wijk 2000) of items [{v, ...}] in a rectangle */
  function squarify(items, x, y, w, h) {
    var out = [], total = 0, i;
    for (i = 0; i < items.length; i++) total += items[i].v;
    if (total <= 0 || w <= 0 || h <= 0) return out;
    var scale = (w * h) / total, rest = items.slice();
    while (rest.length) {
      var side = Math.min(w, h), row = [], sum = 0, worst = Infinity;
      while (rest.length) {
        var a = rest[0].v * scale, s2 = sum + a;
        var mx = Math.max(a, row.length ? row[0].v * scale : a), mn = a;
        var wr = Math.max(side * side * mx / (s2 * s2), (s2 * s2) / (side * side * mn));
        if (row.length && wr > worst) break;
        worst = wr; row.push(rest.shift()); sum = s2;
      }
      var thick = sum / side, off = 0;
      for (i = 0; i < row.length; i++) {
        var len = row[i].v * scale / thick;
        if (w >= h) out.push({it: row[i], x: x, y: y + off, w: thick, h: len});
        else out.push({it: row[i], x: x + off, y: y, w: len, h: thick});
        off += len;
      }
      if (w >= h) { x += thick; w -= thick; } else { y += thick; h -= thick; }
    }
    return out;
  }
  function items(node) {
    var list = [], i;
    for (i = 0; i < node.c.length; i++) list.push({v: node.c[i].r, node: node.c[i]});
    if (node.s > 0) list.push({v: node.s, self: true});
    if (node.o > 0) list.push({v: node.o, other: true});
    list.sort(function (a, b) { return b.v - a.v; });
    return list;
  }
  function draw(node, x, y, w, h, depth) {
    var rects = squarify(items(node), x, y, w, h);
    for (var i = 0; i < rects.length; i++) {
      var r = rects[i], it = r.it, d = document.createElement("div");
      d.className = "box" + (it.node ? "" : " other");
      d.style.left = r.x + "px"; d.style.top = r.y + "px";
      d.style.width = Math.max(r.w, 0) + "px"; d.style.height = Math.max(r.h, 0) + "px";
      var label = it.node ? it.node.n + " (" + fmt(it.node.r) + ")"
                : it.self ? "itself (" + fmt(it.v) + ")"
                : node.k + " smaller (" + fmt(it.v) + ")";
      d.title = label;
      if (it.node) {
        d.style.background = color(it.node.g ? it.node.n.replace(/^[0-9,]+ \u00d7 /, "") : it.node.n, depth);
        if (it.node.g) d.className += " group";
        else (function (n) { d.addEventListener("click", function (ev) { ev.stopPropagation(); zoom(n); }); })(it.node);
      }
      if (r.w > 40 && r.h > 14) d.textContent = label;
      map.appendChild(d);
      drawn++;
      if (it.node && it.node.c.length && r.w > 60 && r.h > 40 && depth < 5)
        draw(it.node, r.x + 3, r.y + 16, r.w - 6, r.h - 19, depth + 1);
    }
  }
  function zoom(n) {
    var at = path.indexOf(n);
    if (at >= 0) path = path.slice(0, at + 1);
    else {
      path = [];
      for (var up = n; up; up = up.p) path.unshift(up);
    }
    render();
  }
  function render() {
    map.textContent = ""; crumbs.textContent = ""; drawn = 0;
    path.forEach(function (n, i) {
      if (i) crumbs.appendChild(document.createTextNode(" \\u203a "));
      var a = document.createElement("a");
      a.textContent = n.n + " (" + fmt(n.r) + ")";
      a.addEventListener("click", function () { zoom(n); });
      crumbs.appendChild(a);
    });
    var node = path[path.length - 1];
    draw(node, 0, 0, map.clientWidth, map.clientHeight, 0);
    document.body.dataset.rendered = String(drawn);
  }
  render();
})();
</script>
</body></html>
"""

# -- the trend report -------------------------------------------------------------------------

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
CHART_KINDS = 6  # growers drawn


def _chart(title, xlabels, lines, unit, signed=False):
    """An SVG line chart: lines [(name, [value per snapshot])], one colour each, with a
    legend; y from 0 (or the lowest value, if below) to the largest.  signed: values are
    changes (+/-)."""
    w, h, left, right, top, bottom = 760, 250, 78, 40, 26, 40
    pw, ph = w - left - right, h - top - bottom
    n = len(xlabels)
    peak = max([max(v) for _, v in lines] + [1])
    low = min([min(v) for _, v in lines] + [0])
    base = _format.bytes_text if unit == "bytes" else "{:,}".format

    def fmt(v):
        text = base(abs(v)) if signed else base(v)
        return ("+" if v > 0 else "-" if v < 0 else "") + text if signed else text

    def x(i):
        return left + (pw * i / (n - 1) if n > 1 else pw / 2)

    def y(v):
        return top + ph - ph * (v - low) / (peak - low)

    out = ['<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
           'role="img" aria-label="%s">' % (w, h, w, h, html.escape(title)),
           '<text x="%d" y="16" font-size="13" font-weight="600">%s</text>' % (left, html.escape(title)),
           '<rect x="%d" y="%d" width="%d" height="%d" fill="#fafafa" stroke="#999"/>' % (left, top, pw, ph)]
    for frac in (0, 0.5, 1):
        value = int(low + (peak - low) * frac)
        yy = y(value)
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>' % (left, left + pw, yy, yy))
        out.append('<text x="%d" y="%.1f" font-size="11" text-anchor="end">%s</text>' % (
            left - 4, yy + 4, html.escape(fmt(value))))
    if low < 0:
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#888"/>' % (left, left + pw, y(0), y(0)))
    step = max(1, (n + 9) // 10)
    for i in range(0, n, step):
        out.append('<text x="%.1f" y="%d" font-size="11" text-anchor="middle">%s</text>' % (
            x(i), top + ph + 15, html.escape(xlabels[i])))
    for k, (name, values) in enumerate(lines):
        color = COLORS[k % len(COLORS)]
        pts = " ".join("%.1f,%.1f" % (x(i), y(v)) for i, v in enumerate(values))
        out.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"><title>%s</title></polyline>' % (
            color, pts, html.escape(name)))
        for i, v in enumerate(values):
            out.append('<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"><title>%s: %s</title></circle>' % (
                x(i), y(v), color, html.escape(name), html.escape(fmt(v))))
    legend = "".join('<span class="key"><i style="background:%s"></i>%s</span>' % (
        COLORS[k % len(COLORS)], html.escape(name)) for k, (name, _) in enumerate(lines))
    return "<figure>%s</svg><figcaption>%s</figcaption></figure>" % ("".join(out), legend)


def trend_report(loaded, title="trend", by="clodo"):
    """The trend report of [(path, heap set)] as HTML text."""
    from . import _trend
    s = _trend.series(loaded, by)
    times = [created[11:19] for _, created, _, _ in s.files]
    distinct = len(set(times)) == len(times) and all(times)
    xlabels = [times[i] if distinct else "#%d" % (i + 1) for i in range(len(s.files))]
    growers = s.growers()
    body = ["<h1>heapcore: %s</h1>" % html.escape(title),
            "<p>%d snapshots, %s to %s; by %s.</p>" % (
                len(s.files), html.escape(s.files[0][1] or s.files[0][0]), html.escape(s.files[-1][1] or s.files[-1][0]),
                html.escape(s.header[:1].lower() + s.header[1:])),
            _chart("The whole heap: size", xlabels, [("size", [f[3] for f in s.files])], "bytes")]
    if not growers:
        body.append("<p>No kind grew in most intervals: nothing accumulates steadily.</p>")
    else:
        drawn = growers[:CHART_KINDS]
        body.append('<h2 id="growers">Kinds that grew in most of the %d intervals</h2>' % s.intervals)
        for m, (metric, unit) in enumerate((("size", "bytes"), ("retained size", "bytes"), ("count", ""))):
            col = (1, 2, 0)[m]
            body.append(_chart("Growers: %s, change since the first snapshot" % metric, xlabels,
                               [(name, [v[col] - s.kinds[name][0][col] for v in s.kinds[name]])
                                for name, _ in drawn], unit, signed=True))
        body.append(_table(["Count first", "Count last", "Size first", "Size last", "Retained last",
                            "Grew (count/size/retained)", s.header],
                           [(s.kinds[n][0][0], s.kinds[n][-1][0], s.kinds[n][0][1], s.kinds[n][-1][1],
                             s.kinds[n][-1][2], "%d/%d/%d of %d" % (g + (s.intervals,)), n)
                            for n, g in growers[:ROWS]], [1, 1, 1, 1, 1, 0, 0]))
        name = growers[0][0]
        body.append("<h2>Where the biggest grower, %s, accumulates</h2>" % html.escape(name))
        body.append("<pre>%s</pre>" % html.escape("\n".join(
            s.accumulation(name))))
    body.append("<p class=note>Files, in time order: %s.</p>" % html.escape(", ".join(f[0] for f in s.files)))
    style = _PAGE.split("<style>")[1].split("</style>")[0]
    style += "figure{margin:1em 0}figcaption{font-size:12px}.key{margin-right:1em}" \
             ".key i{display:inline-block;width:10px;height:10px;margin-right:4px}"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
            "<title>heapcore: %s</title>\n<style>%s</style></head>\n<body>\n%s\n</body></html>\n" % (
                html.escape(title), style, "\n".join(body)))


hide(globals())
