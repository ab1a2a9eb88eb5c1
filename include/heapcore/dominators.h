/* heapcore/dominators.h — the dominator tree of a snapshot graph and every object's retained
 * size ("what would be freed if it went away").
 *
 * The tree is rooted at a super-root that points at every root node (HC_NODE_ROOT) and every
 * complement root (HC_NODE_COMPLEMENT); hidden nodes (the observer's own) are left out, as if
 * absent: edges into them are ignored.  Node d dominates v when every path from the super-root
 * to v passes through d; v's retained size is the sum of the sizes of the nodes it dominates,
 * itself included: the bytes freed if v became unreachable.
 *
 * Algorithm: semi-NCA (Georgiadis, Tarjan and Werneck, "Finding dominators in practice",
 * JGAA 10(1), 2006): an iterative DFS over the CSR for preorder numbers, semidominators by
 * path compression over the reverse CSR in reverse preorder, then each immediate dominator
 * as the nearest common ancestor of its DFS parent and semidominator.  No recursion: any
 * depth.  O(E log N) worst case, near-linear on heap graphs.  Plain C over the graph, no
 * Python.  thesis-notes/dominators.md has the details. */
#ifndef HEAPCORE_DOMINATORS_H
#define HEAPCORE_DOMINATORS_H

#include <glib.h>
#include <stdint.h>

#include "heapcore/graph.h"

G_BEGIN_DECLS

typedef struct hc_domtree hc_domtree;

/* The immediate dominator of a child of the super-root. */
#define HC_DOM_SUPER (UINT32_MAX - 1)

/* Compute the tree (holds a reference to g).  NULL with HC_ERROR_NOMEM if out of memory. */
hc_domtree *hc_domtree_new(hc_graph *g, GError **error);
void hc_domtree_free(hc_domtree *d); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(hc_domtree, hc_domtree_free)

/* Immediate dominator of node id: a node id, HC_DOM_SUPER, or HC_NONE if the super-root does
 * not reach it (hidden nodes and what only they reach). */
uint32_t hc_domtree_idom(const hc_domtree *d, uint32_t id);

/* Retained size of node id (0 if unreached). */
uint64_t hc_domtree_retained(const hc_domtree *d, uint32_t id);

/* Nodes the super-root reaches. */
uint32_t hc_domtree_reached(const hc_domtree *d);

/* Bytes freed if every node of ids[0..n) (ascending node ids of g) became unreachable
 * together: the sizes of the nodes the super-root reaches, minus those it still reaches with
 * these removed.  For a set this is more than the sum of its members' retained sizes when
 * members share what they hold.  One reachability pass over g: O(nodes + edges); a single
 * node's is its retained size.  -1 (as UINT64_MAX) with HC_ERROR_NOMEM if out of memory. */
uint64_t hc_domisize(const hc_graph *g, const uint32_t *ids, uint32_t n, GError **error);

G_END_DECLS
#endif
