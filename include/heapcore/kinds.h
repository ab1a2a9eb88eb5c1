/* heapcore/kinds.h — classifiers: each node of a graph gets a kind (an integer).
 *
 * Kinds here: by type (the type index); by "class or dict owner" (Heapy's clodo: a dict that
 * is some object's __dict__ is "dict of <owner's class>"; an exact dict without owner is "dict
 * (no owner)"; everything else is its type); by the set of its referrers' clodo kinds (Heapy's
 * rcs: "dict (no owner), list", "<Nothing>"); by individual size; the one kind of everything
 * (unity); and module objects by name, all else "~module" (those names: pynames.h).
 *
 * A classifier is used through an hc_kinds: the classifier made concrete for one graph (for
 * rcs, a kind per node computed once from the referrers; for size, the table of distinct
 * sizes), which partitions (partition.h), selections, byvia (via.h) and retained sizes by kind
 * (dominators.h) all take. */
#ifndef HEAPCORE_KINDS_H
#define HEAPCORE_KINDS_H

#include <glib.h>
#include <stdint.h>

#include "heapcore/graph.h"
#include "heapcore/referrers.h"

G_BEGIN_DECLS

typedef enum {
    HC_BY_TYPE,   /* kind = type index                                    */
    HC_BY_CLODO,  /* kind = type index, or ntypes + owner's type index    */
    HC_BY_RCS,    /* kind = an interned set of referrers' clodo kinds     */
    HC_BY_SIZE,   /* kind = index of the node's size among distinct sizes */
    HC_BY_UNITY,  /* kind = 0 for every node                              */
    HC_BY_MODULE, /* kind = a module's name; 0 ("~module") for the rest  */
    HC_NCLASSIFIERS,
    HC_BY_EXPLICIT = HC_NCLASSIFIERS /* kinds given by the caller: hc_kinds_new_explicit */
} hc_classifier;

/* Kind of node id by type or clodo (the two classifiers that need no hc_kinds). */
uint32_t hc_classify(const hc_graph *g, hc_classifier c, uint32_t id);
/* Name of a type or clodo kind, appended to out ("list", "dict of __main__.Node", ...). */
void hc_kind_name(const hc_graph *g, hc_classifier c, uint32_t kind, GString *out);
/* One node's clodo kind as paths and tables name it: the kind's name, then a module's own name
 * ("module json"); other nodes' captured names (a 3.10 frame object's "frame f() at ...")
 * are not part of their kind.  Appends to out. */
void hc_node_kind_name(const hc_graph *g, uint32_t id, GString *out);

typedef struct hc_kinds hc_kinds;
/* Classifier c made concrete for g.  HC_BY_RCS needs refs (g's referrers; not kept) and takes a
 * pass over every edge, then keeps 2 bytes per node (4 with 65536 kinds or more); the others
 * are cheap.  NULL + NOMEM/INVALID on failure.
 * Holds a reference to g. */
hc_kinds *hc_kinds_new(hc_graph *g, hc_classifier c, const hc_referrers *refs, GError **error);
/* Kinds the caller computed (e.g. from live objects, as allocation sites are): per_node[id] for
 * every node of g (each < nkinds; only a partitioned set's members matter) and names[nkinds]
 * (g_strdup'd).  Takes ownership of both (per_node from hc_try_malloc; names from g_malloc,
 * each freed with g_free) even on failure.  NULL + INVALID if a kind is out of range. */
hc_kinds *hc_kinds_new_explicit(hc_graph *g, uint32_t *per_node, char **names, uint32_t nkinds, GError **error);
void hc_kinds_free(hc_kinds *k); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(hc_kinds, hc_kinds_free)
hc_graph *hc_kinds_graph(const hc_kinds *k); /* borrowed */
size_t hc_kinds_memory(const hc_kinds *k);   /* bytes of engine memory it holds (about) */
uint32_t hc_kinds_count(const hc_kinds *k);  /* kinds are 0 .. count-1 */
uint32_t hc_kinds_of(const hc_kinds *k, uint32_t id);
void hc_kinds_name(const hc_kinds *k, uint32_t kind, GString *out);

G_END_DECLS
#endif
