/* heapcore/paths.h — shortest paths from the roots to chosen nodes.
 *
 * One breadth-first search over the CSR from the super-root's children: first the nodes named
 * by root records, in record order (so "sys.modules" comes before a type cache entry), then the
 * complement roots; hidden nodes are left out as everywhere.  The search stops as soon as
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

/* Search until every node of targets[0..n) is reached (or the graph is exhausted).  NULL with
 * HC_ERROR_NOMEM if out of memory.  Holds a reference to g. */
hc_paths *hc_paths_new(hc_graph *g, const uint32_t *targets, uint32_t n, GError **error);
void hc_paths_free(hc_paths *p); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(hc_paths, hc_paths_free)

/* A shortest path to target: its length in nodes (0 if the search did not reach it), the
 * nodes written to out[0..min(length, cap)) from the root down to target. */
uint32_t hc_paths_get(const hc_paths *p, uint32_t target, uint32_t *out, uint32_t cap);

/* The first root record naming node id (the label to start a path with), or HC_NONE for a
 * complement root or a node no record names.  O(records). */
uint32_t hc_paths_root_record(const hc_graph *g, uint32_t id);

G_END_DECLS
#endif
