/* heapcore/walk.h — the exhaustive heap walk, over an abstract object model.
 *
 * The walk knows nothing of CPython: it asks an hc_model for roots, each node's type key,
 * size and referents, and the gc objects (the complement candidates).  Two passes: a BFS
 * discovers every node and its type and size (the queue is an array: no recursion, any depth;
 * membership is a bitmap over the address space, see addrset.h), then the nodes are numbered
 * in address order and expanded again, in that order, for their edges (CSR).  So the model's
 * expand is called twice per node, the second time with size == NULL (referents only), except
 * for nodes of HC_TYPE_LEAF types, whose only edge (to their type) needs no expansion.
 *
 * Phases: (1) roots, drained; (3) extra roots (objects handed over by the caller that the
 * roots did not reach), drained; (2) deferred hidden nodes (the observer's own objects)
 * expanded in hidden mode: what only they reach is hidden too and records no edges (run
 * after 3, so that an object handed over is never hidden); (4) complement: every candidate not yet found
 * becomes a complement root, drained one by one (hidden-typed candidates first, in hidden
 * mode).  Type objects reached only through ob_type are added after each drain. */
#ifndef HEAPCORE_WALK_H
#define HEAPCORE_WALK_H

#include <glib.h>
#include <stdint.h>

#include "heapcore/graph.h"

G_BEGIN_DECLS

typedef struct hc_walk hc_walk;

typedef struct hc_model {
    void *ctx;
    /* The type key of the node at addr (a type's address, or a virtual kind's tag).  Cheap:
     * the walk calls it once per node, first thing. */
    uintptr_t (*type_of)(void *ctx, uintptr_t addr);
    /* Called once per new type key: return HC_TYPE_* flags, and optionally store one word of
     * per-type data in *data (given back to expand). */
    uint32_t (*type_init)(void *ctx, uintptr_t tkey, uintptr_t *data);
    /* Report the node's referents: hc_walk_visit for each referent, hc_walk_visit_dict for
     * the node's __dict__; unless size is NULL (the second pass), also its size (*size), and
     * it may OR HC_NODE_* bits into *flags.  Must report the same referents both times. */
    void (*expand)(void *ctx, hc_walk *w, uintptr_t addr, uintptr_t tkey, uintptr_t tdata, uint64_t *size,
                   uint32_t *flags);
    /* Call hc_walk_add_root for every root. */
    void (*roots)(void *ctx, hc_walk *w);
    /* Optional: call hc_walk_add_extra_root for objects the caller handed over; run after
     * phase 1, before the hidden nodes are expanded. */
    void (*extra_roots)(void *ctx, hc_walk *w);
    /* Optional: call hc_walk_add_candidate for every gc object (the complement scan). */
    void (*complement)(void *ctx, hc_walk *w);
    /* Optional: is the node at addr, of a type flagged HC_TYPE_SOMEHIDDEN, the observer's own
     * (e.g. a frame running the observer's code)?  Called once per such node, before expand. */
    gboolean (*is_hidden)(void *ctx, uintptr_t addr, uintptr_t tkey);
} hc_model;

/* Run a whole walk.  Returns a new graph (unref it), or NULL with HC_ERROR_NOMEM/LIMIT set.
 * `expected` is a sizing hint (0 is fine).  Cost: O(nodes + edges) time; engine memory 21
 * bytes per node + 4 per edge, plus a 10-byte-per-node queue freed after numbering, plus the
 * address set (about 1 bit per 8 bytes of heap).  Every array is allocated during pass 1 as
 * the counts grow, and a walk past 2^18 nodes starts a helper thread that faults in the next
 * stretch of each array while the walk runs (prefault.h); set HEAPCORE_NO_PREFAULT in the
 * environment to measure without it.  The helper only maps pages: it reads no object.  Past
 * 2^17 nodes, pass 1 also shares its queue with a second helper, which expands the nodes of
 * HC_TYPE_LEAF and HC_TYPE_THREADSAFE types (HEAPCORE_NO_PARALLEL_DISCOVERY, or
 * HEAPCORE_NO_PARALLEL for every helper, keeps it on one thread). */
hc_graph *hc_walk_run(const hc_model *model, uint32_t expected, GError **error);

/* hc_walk_run's options. */
enum {
    /* Pass 1 only: every node with its type, size, flags and roots, and no edges (each node
     * has none, and no dict has an owner).  For matching a snapshot against the heap as it is
     * now (which objects are still alive): no edge array, no second expansion of each node. */
    HC_WALK_NODES_ONLY = 1u << 0,
    /* With HC_WALK_NODES_ONLY: sizes are not measured (every node's is 0; the model's expand
     * gets no size to fill).  For the walks that only prove objects alive: measuring is
     * about a quarter of such a walk. */
    HC_WALK_NO_SIZES = 1u << 1,
};
hc_graph *hc_walk_run_with(const hc_model *model, uint32_t expected, uint32_t options, GError **error);

/* For the model's callbacks. */
void hc_walk_add_root(hc_walk *w, uintptr_t addr, const char *label);
/* A root only for an object the roots did not reach (one only a running frame's value stack
 * holds, say): one they reach keeps its own dominators and paths, as if not handed over. */
void hc_walk_add_extra_root(hc_walk *w, uintptr_t addr, const char *label);
void hc_walk_visit(hc_walk *w, uintptr_t addr);
void hc_walk_visit_dict(hc_walk *w, uintptr_t addr);
void hc_walk_add_candidate(hc_walk *w, uintptr_t addr);
/* The model could not report everything (an allocation of its own failed): the walk ends
 * with HC_ERROR_NOMEM naming `what`, and no graph. */
void hc_walk_fail(hc_walk *w, const char *what);

G_END_DECLS
#endif
