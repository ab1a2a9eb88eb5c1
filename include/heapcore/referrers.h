/* heapcore/referrers.h — who refers to whom, backwards: the snapshot graph's reverse edges.
 *
 * The graph stores each node's referents (CSR); the referrers of a node are the sources of the
 * edges into it.  hc_referrers_new builds that reverse CSR once (two passes over the edges):
 * 4 bytes per edge plus 4 bytes per node (32-bit offsets with a 64-bit base per 2^16 nodes, as
 * the graph does).  Edges from hidden nodes (the observer's own) are left out, so the observer
 * never shows up as a referrer.  Each list is in ascending source order. */
#ifndef HEAPCORE_REFERRERS_H
#define HEAPCORE_REFERRERS_H

#include <glib.h>
#include <stdint.h>

#include "heapcore/graph.h"
#include "heapcore/idset.h"

G_BEGIN_DECLS

typedef struct hc_referrers hc_referrers;

/* NULL with HC_ERROR_NOMEM if out of memory.  Holds a reference to g. */
hc_referrers *hc_referrers_new(hc_graph *g, GError **error);
void hc_referrers_free(hc_referrers *r); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(hc_referrers, hc_referrers_free)

/* The referrers of node id (a source appears once per edge it has into id); NULL and 0 if id
 * is out of range.  O(1). */
const uint32_t *hc_referrers_of(const hc_referrers *r, uint32_t id, uint32_t *count);

/* Bytes the reverse CSR holds. */
size_t hc_referrers_memory(const hc_referrers *r);

/* The set of the referrers of s's members (s of r's graph).  O(sum of in-degrees + answer log
 * answer). */
hc_idset *hc_referrers_set(const hc_referrers *r, const hc_idset *s, GError **error);

/* The set of the referents of s's members, hidden nodes left out.  No reverse edges needed. */
hc_idset *hc_referents_set(const hc_idset *s, GError **error);

G_END_DECLS
#endif
