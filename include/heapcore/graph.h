/* heapcore/graph.h — the snapshot graph: every object a walk found, as dense uint32 ids.
 *
 * Ids follow address order: first the real objects by address, then the virtual nodes (tagged
 * addresses) by address, so finding an address is a binary search and matching two snapshots
 * is a merge.  Columns indexed by id: address, type index, true size, flags; edges in CSR form (the
 * referents of id i are edges[offsets[i] .. offsets[i+1])); a type table; root records with
 * labels; and the "dict of" ownership pairs used to name instance dicts.  A graph holds no
 * reference to any object: addresses are only numbers once the walk has ended.  Graphs are
 * immutable after the walk except for hc_graph_set_size (post-walk __sizeof__ calls) and the
 * type names, which the adapter fills right after the walk.  Reference counted. */
#ifndef HEAPCORE_GRAPH_H
#define HEAPCORE_GRAPH_H

#include <glib.h>
#include <stdint.h>

#include "heapcore/addrset.h"

G_BEGIN_DECLS

/* A virtual node's address (thread state, interpreter frame: a C structure, not an object)
 * carries a tag in its low 3 bits; a real object's address is 8-aligned. */
#define HC_ADDR_TAG_MASK ((uintptr_t)7)
static inline gboolean hc_addr_is_tagged(uintptr_t addr)
{
    return (addr & HC_ADDR_TAG_MASK) != 0;
}

typedef struct hc_graph hc_graph;

/* Node flags. */
enum {
    HC_NODE_ROOT = 1u << 0,       /* named by a root record                                 */
    HC_NODE_COMPLEMENT = 1u << 1, /* a gc object no root reaches, taken as a root of its own */
    HC_NODE_UNREACH = 1u << 2,    /* reached only from complement roots (includes them)      */
    HC_NODE_HIDDEN = 1u << 3,     /* the observer's own objects and what only they reach     */
    HC_NODE_VIRTUAL = 1u << 4,    /* a C structure holding references, not an object         */
    HC_NODE_SIZECALL = 1u << 5,   /* size must come from the object's own __sizeof__         */
};

/* Type flags (from the object model). */
enum {
    HC_TYPE_VIRTUAL = 1u << 0,    /* its nodes are virtual (thread states, interpreter frames) */
    HC_TYPE_HIDDEN = 1u << 1,     /* its instances are the observer's own: hide them and what
                                  only they reach                                            */
    HC_TYPE_DICT = 1u << 2,       /* exactly dict: named "dict (no owner)" when ownerless       */
    HC_TYPE_SIZECALL = 1u << 3,   /* instances need a __sizeof__ call after the walk           */
    HC_TYPE_DICTLIKE = 1u << 4,   /* dict or a subclass: may be some object's __dict__         */
    HC_TYPE_NOOBJ = 1u << 5,      /* the type key is not an object's address (no type node)    */
    HC_TYPE_LEAF = 1u << 6,       /* instances refer to nothing but their type (when the type
                                   has a node): the walk's second pass need not expand them;
                                   the first may expand them on a helper thread (as below)  */
    HC_TYPE_THREADSAFE = 1u << 7, /* either pass may expand its instances on a helper thread,
                                   beside the walk's own: the model's expand (with or without
                                   a size) then only reads memory and calls hc_walk_visit*  */
    HC_TYPE_MODULE = 1u << 8,     /* a module type: its nodes carry names (hc_graph_node_name) */
    HC_TYPE_SOMEHIDDEN = 1u << 9, /* some instances are the observer's own (the walk asks the
                                   model's is_hidden for each): hidden as HC_TYPE_HIDDEN's  */
};

#define HC_SIZE_BIG UINT32_MAX /* size column sentinel: the size is in the overflow table */

hc_graph *hc_graph_ref(hc_graph *g);
void hc_graph_unref(hc_graph *g); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(hc_graph, hc_graph_unref)

uint32_t hc_graph_n(const hc_graph *g);
uintptr_t hc_graph_addr(const hc_graph *g, uint32_t id);
uint32_t hc_graph_type(const hc_graph *g, uint32_t id);
uint64_t hc_graph_size(const hc_graph *g, uint32_t id);
uint32_t hc_graph_flags(const hc_graph *g, uint32_t id);
/* Ids of the nodes with (flags & mask) == want, ascending, written to out unless it is NULL.
 * Returns how many there are.  O(n) over the flags column. */
uint32_t hc_graph_select_flags(const hc_graph *g, uint32_t mask, uint32_t want, uint32_t *out);
/* Referents of id (borrowed, valid while the graph lives). */
const uint32_t *hc_graph_edges(const hc_graph *g, uint32_t id, uint32_t *count);
uint64_t hc_graph_nedges(const hc_graph *g);
/* Owner of a dict node (the object whose __dict__ it is), or HC_NONE.  O(log owned dicts). */
uint32_t hc_graph_owner(const hc_graph *g, uint32_t id);
/* Post-walk size correction (an object's own __sizeof__).  FALSE + NOMEM on failure. */
gboolean hc_graph_set_size(hc_graph *g, uint32_t id, uint64_t size, GError **error);

/* Objects whose own size query failed (their basic size was kept), as the adapter counted. */
uint32_t hc_graph_sizeof_failures(const hc_graph *g);
void hc_graph_set_sizeof_failures(hc_graph *g, uint32_t n);

/* The type table. */
uint32_t hc_graph_ntypes(const hc_graph *g);
uintptr_t hc_graph_type_key(const hc_graph *g, uint32_t t); /* the type's address / key   */
uint32_t hc_graph_type_node(const hc_graph *g, uint32_t t); /* its node id, or HC_NONE    */
uint32_t hc_graph_type_flags(const hc_graph *g, uint32_t t);
const char *hc_graph_type_name(const hc_graph *g, uint32_t t); /* "" until named */
/* Name type t (copied).  Called by the adapter right after the walk. */
void hc_graph_set_type_name(hc_graph *g, uint32_t t, const char *name);

/* Names of particular nodes (a module's __name__), recorded by the adapter right after the
 * walk while the objects are certainly alive; NULL for a node without one. */
void hc_graph_set_node_name(hc_graph *g, uint32_t id, const char *name);
const char *hc_graph_node_name(const hc_graph *g, uint32_t id);

/* Root records: each names one node (several records may name the same node). */
uint32_t hc_graph_nroots(const hc_graph *g);
uint32_t hc_graph_root_id(const hc_graph *g, uint32_t r);
const char *hc_graph_root_label(const hc_graph *g, uint32_t r);

/* Seconds the walk spent in its phases: [0] discovery from the roots, [1] the complement,
 * [2] numbering, [3] edges.  For benchmarks. */
enum { HC_WALK_PHASES = 4 };
void hc_graph_walk_times(const hc_graph *g, double out[HC_WALK_PHASES]);

/* TRUE for a graph read from a snapshot file (snapfile.h): its addresses name no live
 * object of this process. */
gboolean hc_graph_is_loaded(const hc_graph *g);
/* Mark g as not backed by objects this caller may read (a subinterpreter's heap, walked in
 * its own context): it is treated as loaded from a file from then on. */
void hc_graph_set_loaded(hc_graph *g);

/* What other modules keep with a graph, freed with it: details read from live objects
 * when the graph was taken or saved (edgelabels.h's edge labels, values.h's string values), so
 * that a snapshot file and the analyses of a loaded graph have them. */
typedef enum { HC_ATTACH_LABELS, HC_ATTACH_VALUES, HC_ATTACH_LAST } hc_attach;
/* Attach data (replacing and freeing what was there); free may be NULL. */
void hc_graph_attach(hc_graph *g, hc_attach which, void *data, GDestroyNotify free);
void *hc_graph_attached(const hc_graph *g, hc_attach which);

/* A bitmap (bit id of word id / 64) of g's nodes that are alive in `live`, a graph walked
 * just now: the same address and type key, and not hidden there.  live == NULL: g itself
 * was walked just now (nothing ran since), so every node that is not hidden.  NULL if out
 * of memory; hc_free it. */
uint64_t *hc_graph_alive_in(const hc_graph *g, const hc_graph *live);
#define HC_BIT(bits, id) (((bits)[(id) >> 6] >> (63 & (id))) & 1)

/* Bytes of engine memory the graph holds. */
size_t hc_graph_memory(const hc_graph *g);

/* Id of the node at addr, or HC_NONE.  O(log n). */
uint32_t hc_graph_lookup(const hc_graph *g, uintptr_t addr);
/* For each of ids[0..n) (ascending ids of ga), the id of the node of gb at the same address,
 * or HC_NONE: a merge, O(n log(|gb| / n)). */
void hc_graph_match(const hc_graph *ga, const uint32_t *ids, uint32_t n, const hc_graph *gb, uint32_t *out);

/* Referents the walk's second pass met that its first pass had not (the heap changed under
 * the walk, which holding the GIL should rule out): their edges are missing.  Normally 0. */
uint64_t hc_graph_lost_edges(const hc_graph *g);

/* Bytes of the walk's own arrays that its helper thread faulted in ahead of use (0 for small
 * walks, which start no thread).  For benchmarks and tests. */
uint64_t hc_graph_prefaulted(const hc_graph *g);

/* Check every invariant (edge targets in range, offsets monotone, flags consistent, …).
 * Used by tests and debug builds.  FALSE + HC_ERROR_INVALID naming the first violation. */
gboolean hc_graph_validate(const hc_graph *g, GError **error);

G_END_DECLS
#endif
