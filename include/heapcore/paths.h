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

G_END_DECLS
#endif
