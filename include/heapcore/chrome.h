/* heapcore/chrome.h — a snapshot as a Chrome DevTools heap snapshot (.heapsnapshot JSON), so
 * DevTools' Memory tab (Summary, Containment, Dominators, Retainers) can show a Python heap.
 *
 * Layout (../shared/chrome-heapsnapshot.md, thesis-notes/snapshot-file.md): V8's seven node
 * fields and three edge fields; node 0 is a synthetic root with an `element` edge to one
 * synthetic group per root label ("(sys.modules)", "(thread 0x... (main))", ...) and one for
 * the gc objects no root reaches; each group refers to the objects its records name.  Every
 * node that is not hidden (the observer's own) follows, in id order; ids are 2 × ordinal + 1
 * (odd and unique, as V8's heap objects; not stable across snapshots).  Edges take their type
 * and name from the stored labels: "[3]" element 3, ".a" and "['k']" property, ".__class__"
 * internal, ".f_locals['x']" and ".cell_contents" context, anything else hidden. */
#ifndef HEAPCORE_CHROME_H
#define HEAPCORE_CHROME_H

#include <glib.h>
#include <stdint.h>

#include "heapcore/graph.h"

G_BEGIN_DECLS

/* DevTools' node types (the order of meta.node_types[0]). */
enum {
    HC_CHROME_HIDDEN,
    HC_CHROME_ARRAY,
    HC_CHROME_STRING,
    HC_CHROME_OBJECT,
    HC_CHROME_CODE,
    HC_CHROME_CLOSURE,
    HC_CHROME_REGEXP,
    HC_CHROME_NUMBER,
    HC_CHROME_NATIVE,
    HC_CHROME_SYNTHETIC,
    HC_CHROME_NTYPES
};

struct hc_edge_labels;
struct hc_values;

/* Write g as a .heapsnapshot to path (atomically).  category[t] is the DevTools node type of
 * g's type t (< HC_CHROME_NTYPES); node names are the type's name, "<module NAME>" for a
 * named node, "dict of T" for a dict owned by an object of type T, and for strings their
 * value if kept (values.h), else "<str: N, #hash>".  labels (ready) and values may be NULL.
 * Self sizes past 2^32 - 1 are written as 2^32 - 1 (DevTools reads 32-bit numbers).
 * FALSE + HC_ERROR_IO / HC_ERROR_NOMEM / HC_ERROR_INVALID. */
gboolean hc_chrome_write(const hc_graph *g, const uint8_t *category, const struct hc_edge_labels *labels,
                         const struct hc_values *values, const char *path, GError **error);

G_END_DECLS
#endif
