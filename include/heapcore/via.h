/* heapcore/via.h — "referred via": edge labels made into kinds (byvia) and into path text (sp).
 *
 * The walk records no labels (4+ bytes per edge would break its memory target); labels are
 * computed on demand by an object model's labeller from the referrer itself, which must be
 * alive: byvia reads only referrers that a fresh walk (`live`) found at the same address with
 * the same type, and a path reads only nodes the previous node currently refers to, starting
 * from a node the interpreter currently holds as a root.  The labeller reports every referent
 * of an object with a (kind, arg) label; the engine interns labels by (kind, arg), turns each
 * distinct one into text once (through the labeller, before anything can change), merges
 * labels of equal text, and interns each member's sorted label set as one kind (as rcs does).
 * Per referrer, not per member: a list of a million members is read once, not a million
 * times. */
#ifndef HEAPCORE_VIA_H
#define HEAPCORE_VIA_H

#include <glib.h>
#include <stdint.h>
#include "heapcore/graph.h"
#include "heapcore/idset.h"
#include "heapcore/partition.h"

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
} hc_labeller;

/* Label kind the engine adds for members named by a root record: "<root LABEL>". */
#define HC_VIA_ROOT 0xffffffffu
/* Labels kept per member; a member with more shows the first ones (in text order) and "...". */
#define HC_VIA_MAX_LABELS 8

/* byvia: one kind per distinct set of labels of the edges into a member of s, from referrers
 * that are still alive (matched in `live`, a graph walked just now; hidden referrers are left
 * out as everywhere).  Kind names are Python reprs of the labels, ", "-joined and
 * sorted ("'.a', '[0]'"); "<no referrers>" for a member nothing refers to and no root names,
 * "<referrers freed since the snapshot>" if none of its referrers is still alive.  Runs the
 * labeller (which reads live objects): nothing may change the heap while it runs.  Two passes
 * over g's edges (counting the slots, then labelling each live referrer of a member once).
 * Extra memory while it runs: 4 bytes per edge into s, 16 per member, two bits per node; kept:
 * 4 bytes per node of g and the names. */
hc_kinds *hc_via_kinds(hc_idset *s, hc_graph *live, const hc_labeller *lab, GError **error);

/* The addresses the interpreter holds as roots now (lab->roots), sorted, g_malloc'd (NULL and
 * 0 if there are none or memory ran out: paths are then not proven). */
uintptr_t *hc_via_roots(const hc_labeller *lab, size_t *n);

/* The labels along a path of g (path[0] a node a root record names, each next node a
 * referent of the one before): labels[i] (1 <= i < n) receives the g_malloc'd text of edge
 * path[i-1] -> path[i]; "?" once the path can no longer be proven alive (path[0] not among
 * `roots` (hc_via_roots), or a node that no longer refers to the next: nothing unproven is
 * read).  labels[0] is set to NULL.  The caller frees each label. */
void hc_via_path(hc_graph *g, const uint32_t *path, uint32_t n, const hc_labeller *lab, const uintptr_t *roots,
                 size_t nroots, char **labels);

/* ---- labels kept with a graph ----------------------------------------------------------
 * Every edge's label text, read from the live objects once (when a snapshot is taken to be
 * saved, or when it is saved), so that paths and byvia work later without them: on a graph
 * loaded from a file, or after the objects are gone.  Texts are numbered by decreasing use
 * (a file stores small numbers in fewer bytes); text 0 is "?" (a referrer that was not
 * alive, or an edge its labeller did not name), text 1 ".__class__" (an object's edge to its
 * own type, which a file stores without a label), then two numbers per index family f with
 * no text of their own: an edge numbered HC_LABEL_FWD(f) reads P "m]", m the number of the
 * same node's earlier edges numbered so, and one numbered HC_LABEL_REV(f) P "m]", m the
 * number of its later edges numbered so (a list's items, which CPython visits last first: a
 * 100-million-item list keeps one small number per edge, not 100 million texts).  Their
 * stored texts are P "]" ("[]", ".keys()[]", ...): the family's prefix. */
typedef struct hc_edge_labels hc_edge_labels;
#define HC_LABEL_UNKNOWN 0u
#define HC_LABEL_CLASS 1u
#define HC_LABEL_FWD(f) (2u + 2u * (f))
#define HC_LABEL_REV(f) (3u + 2u * (f))
#define HC_LABEL_INDEX HC_LABEL_FWD(0)
#define HC_LABEL_RINDEX HC_LABEL_REV(0)
#define HC_LABEL_RESERVED (2u + 2u * HC_INDEX_FAMILIES) /* the first number of a text */

/* The indices of a node's edges, in edge order: init with the node's n label numbers, then
 * hc_index_next(&c, lab[k], &f) for k = 0, 1, ... gives the index edge k stands for (and its
 * family f), or UINT32_MAX. */
typedef struct hc_index_cursor {
    uint32_t fwd[HC_INDEX_FAMILIES], rev[HC_INDEX_FAMILIES];
} hc_index_cursor;
void hc_index_cursor_init(hc_index_cursor *c, const uint32_t *lab, uint32_t n);
static inline uint32_t hc_index_next(hc_index_cursor *c, uint32_t label, uint32_t *family)
{
    if (label < HC_LABEL_FWD(0) || label >= HC_LABEL_RESERVED)
        return UINT32_MAX;
    uint32_t f = (label - HC_LABEL_FWD(0)) / 2;
    *family = f;
    return label == HC_LABEL_FWD(f) ? c->fwd[f]++ : --c->rev[f];
}
/* Append the text of index i of family f: the family's prefix (its stored text without the
 * last "]"), i, "]". */
void hc_edge_labels_index_text(const hc_edge_labels *L, uint32_t f, uint32_t i, GString *out);

/* Label every edge of g whose source is set in `alive` (hc_graph_alive_in: the source is
 * alive now, so the labeller may read it).  Extra memory while it runs: the label table;
 * kept: 4 bytes per edge and the texts.  NULL + HC_ERROR_NOMEM if out of memory. */
hc_edge_labels *hc_via_capture(hc_graph *g, const uint64_t *alive, const hc_labeller *lab, GError **error);
/* From stored parts (a file's reader): texts[0..ntexts) (texts[0] "?", texts[1]
 * ".__class__", texts[2] the index text), pointers into arena; both hc_try_* blocks, taken
 * (freed on failure too); and the label numbers of g's edges that do not go to their
 * source's type, in CSR order, as varints enc[0..len) (copied; decoded on first use:
 * hc_edge_labels_ready).  `legacy` (a version-1 file): no number is reserved for indices
 * (numbers from 2 up are texts; they are moved up past the families').  NULL if out of
 * memory. */
hc_edge_labels *hc_edge_labels_new_encoded(char **texts, char *arena, uint32_t ntexts, const uint8_t *enc, size_t len,
                                           gboolean legacy);
void hc_edge_labels_free(hc_edge_labels *L); /* accepts NULL */
/* Decode the stored form if not done yet: FALSE + HC_ERROR_FORMAT if it does not fit g. */
gboolean hc_edge_labels_ready(hc_edge_labels *L, const hc_graph *g, GError **error);
uint32_t hc_edge_labels_ntexts(const hc_edge_labels *L);
const char *hc_edge_labels_text(const hc_edge_labels *L, uint32_t i); /* families: their prefix "]" */
/* The label numbers, one per edge of g in CSR order (after hc_edge_labels_ready). */
const uint32_t *hc_edge_labels_edges(const hc_edge_labels *L);

/* A labeller that answers from stored labels (for g, whose nodes it reports as they were):
 * texts are the stored ones, roots every root record's node.  keep_root is taken from
 * `model` (may be NULL) and called with st's context: it may read only the label.  Fill *st, then use st->lab.  L must be ready. */
typedef struct hc_stored_labeller {
    hc_labeller lab;
    const hc_graph *g;
    const hc_edge_labels *L;
    uint32_t cursor; /* the last node asked for: callers go in id order */
} hc_stored_labeller;
void hc_via_stored_labeller(hc_stored_labeller *st, const hc_graph *g, const hc_edge_labels *L,
                            const hc_labeller *model);

G_END_DECLS

#endif
