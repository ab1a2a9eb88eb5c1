/* heapcore/paths.h — shortest paths from the roots to chosen nodes.
 *
 * A breadth-first search over the CSR from the nodes named by root records, in record order (so
 * "sys.modules" comes before a type cache entry); only what they do not reach is then searched
 * from the complement roots (gc objects no root reaches), so a node reachable from the roots
 * always gets a path from them.  Hidden nodes are left out as everywhere.  The search stops as soon as
 * every target is found: what users ask about (the objects retaining most) sits near the
 * roots, so it rarely visits the whole graph.  O(nodes + edges) at worst; 4 bytes per node
 * (the BFS parent) held until the paths are freed, and a queue while it runs. */
#ifndef HEAPCORE_PATHS_H
#define HEAPCORE_PATHS_H

#include <glib.h>
#include <stdint.h>

#include "heapcore/graph.h"
#include "heapcore/referrers.h"

G_BEGIN_DECLS

typedef struct hc_paths hc_paths;

/* Search until every node of targets[0..n) is reached (or the graph is exhausted).  Root
 * records whose label is in `skip` (NULL-terminated; may be NULL) are searched from last, after
 * the complement roots, one label after the other in skip's order (the calling thread's stack,
 * then a caller's own arguments: they say how the caller holds an object, not how the heap
 * does).  NULL with HC_ERROR_NOMEM if out of memory.  Holds a reference to g. */
hc_paths *hc_paths_new(hc_graph *g, const uint32_t *targets, uint32_t n, const char *const *skip, GError **error);
/* The same, the root records whose label starts with a prefix in `late` (NULL-terminated; may
 * be NULL) searched after the others, before the complement roots: registries of callbacks
 * (atexit, signal handlers) reach a function's module globals in fewer hops than sys.modules
 * does, but a user expects the path through the module. */
hc_paths *hc_paths_new_late(hc_graph *g, const uint32_t *targets, uint32_t n, const char *const *late,
                            const char *const *skip, GError **error);
/* What hc_paths_new_opts searches from and what it avoids.  Zeroed: as hc_paths_new_late with
 * late and skip NULL. */
typedef struct hc_paths_opts {
    const char *const *late; /* as hc_paths_new_late (ignored with src) */
    const char *const *skip;
    /* If src is not NULL: one search from src[0..nsrc) (depth 1) instead of the roots'
     * rounds, as Heapy's get_shpaths(src=) */
    const uint32_t *src;
    uint32_t nsrc;
    /* Nodes never entered (nor started from): avoid[0..navoid) */
    const uint32_t *avoid;
    uint32_t navoid;
    /* Edges never followed: HC_PATHS_EDGE(from, to); from HC_NONE is the start of a search at
     * `to` (a root record's, or src's): avoiding it makes `to` no start. */
    const uint64_t *avoid_edges;
    uint32_t navoid_edges;
} hc_paths_opts;
#define HC_PATHS_EDGE(from, to) (((uint64_t)(uint32_t)(from) << 32) | (uint32_t)(to))

/* hc_paths_new_late with the options above (o may be NULL).  Copies what it keeps of o. */
hc_paths *hc_paths_new_opts(hc_graph *g, const uint32_t *targets, uint32_t n, const hc_paths_opts *o, GError **error);
void hc_paths_free(hc_paths *p); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(hc_paths, hc_paths_free)

/* A shortest path to target: its length in nodes (0 if the search did not reach it), the
 * nodes written to out[0..min(length, cap)) from the root down to target. */
uint32_t hc_paths_get(const hc_paths *p, uint32_t target, uint32_t *out, uint32_t cap);
/* The same length alone, in O(1) (hc_paths_get walks the path). */
uint32_t hc_paths_len(const hc_paths *p, uint32_t target);

/* The first root record naming node id (the label to start a path with), records labelled
 * `skip` left out, or HC_NONE for a complement root or a node no record names.  O(records). */
uint32_t hc_paths_root_record(const hc_graph *g, uint32_t id, const char *const *skip);
/* The first root record naming node id whose label starts with no prefix of `late`, else the
 * first late one, or HC_NONE: the record hc_paths_new_late started id's paths from. */
uint32_t hc_paths_root_record_late(const hc_graph *g, uint32_t id, const char *const *late);

/* ---- all shortest paths ------------------------------------------------------------------- *
 * Heapy lists every path of least length, not one: an object two lists hold at the same depth
 * has two.  A predecessor of v on a shortest path is a referrer u of v that the same search
 * round reached one hop nearer its start, over an edge not avoided; the paths to a target are
 * the chains of predecessors down to a start (depth 1).  Two references from one holder to
 * the same object are one path here (Heapy counts one per reference).  The predecessors of a
 * node list its BFS parent first (so path 0 is the one hc_paths_get gives), the others in
 * ascending id order. */
typedef struct hc_allpaths hc_allpaths;

/* The shortest paths to targets[0..n) (typically those at the least depth; unreached ones and
 * repeats are left out), enumerated target by target.  r: p's graph's reverse edges.  Holds
 * p and r borrowed: free the enumerator first.  NULL with HC_ERROR_NOMEM. */
hc_allpaths *hc_allpaths_new(const hc_paths *p, const hc_referrers *r, const uint32_t *targets, uint32_t n,
                             GError **error);
void hc_allpaths_free(hc_allpaths *a); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(hc_allpaths, hc_allpaths_free)

/* The next path: its length in nodes, the nodes in out[0..min(length, cap)) from the start
 * down to the target; 0 when every path was given (or out of memory: *error set).  O(length
 * + the in-degrees of the nodes that changed since the last path). */
uint32_t hc_allpaths_next(hc_allpaths *a, uint32_t *out, uint32_t cap, GError **error);

/* The number of shortest paths to the targets (saturating at UINT64_MAX), and with edges not
 * NULL, the distinct edges at `level` of those paths appended to it as HC_PATHS_EDGE(from, to).
 * Levels are numbered as Heapy numbers them from its root object: from the roots, level 0 is
 * the roots' own (from HC_NONE to a root record's node) and level k the edges into the nodes k
 * hops below a root; from src (whose nodes are Heapy's start objects), level k is the edges
 * into the nodes k + 1 hops below a src node.  One backward sweep, level by level, holding two
 * levels at a time.  0 with *error set if out of memory. */
uint64_t hc_allpaths_count(const hc_paths *p, const hc_referrers *r, const uint32_t *targets, uint32_t n, int level,
                           GArray *edges, GError **error);

G_END_DECLS
#endif
