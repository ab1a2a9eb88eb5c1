/* heapcore/edgelabels.h — labels kept with a graph: every edge's label text, read from the
 * live objects once (when a snapshot is taken to be saved, or when it is saved), so that paths
 * and byvia work later without them: on a graph loaded from a file, or after the objects are
 * gone.  Capture (from a live labeller, labeller.h), the stored form (a file's EDGELABELS
 * section, snapfile.c) and its decoding, and a labeller that answers from stored labels.
 *
 * Texts are numbered by decreasing use (a file stores small numbers in fewer bytes); text 0 is
 * "?" (a referrer that was not alive, or an edge its labeller did not name), text 1
 * HC_PYNAME_CLASS_LABEL (".__class__", pynames.h: an object's edge to its own type, which a
 * file stores without a label), then two numbers per index family f with no text of their
 * own: an edge numbered HC_LABEL_FWD(f) reads P "m]", m the number of the same node's earlier
 * edges numbered so, and one numbered HC_LABEL_REV(f) P "m]", m the number of its later edges
 * numbered so (a list's items, which CPython visits last first: a 100-million-item list keeps
 * one small number per edge, not 100 million texts).  Their stored texts are P "]" ("[]",
 * ".keys()[]", ...): the family's prefix. */
#ifndef HEAPCORE_EDGELABELS_H
#define HEAPCORE_EDGELABELS_H

#include <glib.h>
#include <stdint.h>
#include "heapcore/graph.h"
#include "heapcore/labeller.h"

G_BEGIN_DECLS

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
