/* heapcore/labeller.h — the labeller: how an object model names the edges of a live object.
 *
 * The walk records no labels (4+ bytes per edge would break its memory target); an object
 * model's labeller computes them on demand from the referrer itself, which must be alive.
 * Byvia and path labels (via.h) ask it, a capture (edgelabels.h) reads every edge's label
 * from it once, and a stored labeller (edgelabels.h) answers from a capture as a live one
 * would. */
#ifndef HEAPCORE_LABELLER_H
#define HEAPCORE_LABELLER_H

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef void (*hc_label_emit)(void *edata, uintptr_t target, uint32_t kind, uintptr_t arg);

/* Kinds of labels numbered by position (a list's items, a dict's keys, a set's members) */
#define HC_INDEX_FAMILIES 3
typedef void (*hc_root_emit)(void *edata, uintptr_t addr);

typedef struct hc_labeller {
    /* The referents of the live node at addr, each with a label; a referent may come more
     * than once.  Kinds are < HC_VIA_ROOT. */
    void (*labels)(void *ctx, uintptr_t addr, hc_label_emit emit, void *edata);
    /* Append the text of label (kind, arg) to out (".a", "[0]", "['k']"). */
    void (*text)(void *ctx, uint32_t kind, uintptr_t arg, GString *out);
    /* The addresses the interpreter holds as roots right now (may be NULL: no path is then
     * proven). */
    void (*roots)(void *ctx, hc_root_emit emit, void *edata);
    /* Whether a root record's label makes a byvia label (may be NULL: all do).  Records the
     * caller added for its own call (iso()'s arguments) say nothing about the heap. */
    gboolean (*keep_root)(void *ctx, const char *label);
    void *ctx;
    /* Index families: index_kind[f] is 1 + a kind whose label (kind, i) reads P "i]", P a
     * prefix ending in "[" that text(kind, 0) shows ("[0]", ".keys()[0]"), or 0: none.
     * Kept labels store such labels without a text each (HC_LABEL_FWD(f), HC_LABEL_REV(f)). */
    uint32_t index_kind[HC_INDEX_FAMILIES];
    /* Whether every instance of the type `type_key`, in any state, names its type under the
     * label (*kind, *arg) and nothing else under any label: consumers then label the edge
     * from such a node to its type without reading the node (2.3 M strs, ints and floats of
     * W1's 4.6 M objects).  May be NULL: every node is read. */
    gboolean (*type_only)(void *ctx, uintptr_t type_key, uint32_t *kind, uintptr_t *arg);
} hc_labeller;

/* Label kind the engine adds for members named by a root record: "<root LABEL>" (byvia). */
#define HC_VIA_ROOT 0xffffffffu

G_END_DECLS

#endif
