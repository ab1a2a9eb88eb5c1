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
#include "heapcore/idset.h"
#include "heapcore/kinds.h"

G_BEGIN_DECLS

typedef struct hc_domtree hc_domtree;

/* The immediate dominator of a child of the super-root. */
#define HC_DOM_SUPER (UINT32_MAX - 1)

/* Compute the tree (holds a reference to g).  NULL with HC_ERROR_NOMEM if out of memory.
 * Kept afterwards: 16 bytes per node (immediate dominator, retained size, and the tree laid
 * out in its own preorder, so that a node's subtree is one contiguous run). */
hc_domtree *hc_domtree_new(hc_graph *g, GError **error);
void hc_domtree_free(hc_domtree *d); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(hc_domtree, hc_domtree_free)

/* Immediate dominator of node id: a node id, HC_DOM_SUPER, or HC_NONE if the super-root does
 * not reach it (hidden nodes and what only they reach).  O(1). */
uint32_t hc_domtree_idom(const hc_domtree *d, uint32_t id);

/* Retained size of node id (0 if unreached).  O(1). */
uint64_t hc_domtree_retained(const hc_domtree *d, uint32_t id);

/* Nodes the super-root reaches, and the sum of their sizes. */
uint32_t hc_domtree_reached(const hc_domtree *d);
uint64_t hc_domtree_total(const hc_domtree *d);
/* Bytes of engine memory the tree holds (not its graph's). */
size_t hc_domtree_memory(const hc_domtree *d);

/* The nodes node id dominates, itself included (its subtree): O(answer log answer).  Empty
 * if id is unreached. */
hc_idset *hc_domtree_dominated(const hc_domtree *d, uint32_t id, GError **error);

/* The children of node id in the tree (id HC_DOM_SUPER: the super-root's): the k with the
 * largest retained sizes into out[0..return), largest first; *count receives the number of
 * children and *total the sum of their retained sizes.  O(children log k), once a sibling
 * index (4 B per reached node, kept with the tree) is made by the first call in O(reached);
 * without memory for it, O(size of id's subtree + children log k).  For the tree's top: leak
 * suspects, a treemap. */
uint32_t hc_domtree_top_children(const hc_domtree *d, uint32_t id, uint32_t k, uint32_t *out, uint32_t *count,
                                 uint64_t *total);

/* The immediate dominators of s's members that are not themselves members (s of d's graph):
 * who keeps the set alive, one step up.  O(|s| log |s|). */
hc_idset *hc_domtree_idoms(const hc_domtree *d, const hc_idset *s, GError **error);

/* Up to k members of s with the largest retained sizes, largest first (ties: lower id first),
 * written to out[0..k); returns how many.  O(|s| log k). */
uint32_t hc_domtree_top(const hc_domtree *d, const hc_idset *s, uint32_t k, uint32_t *out);

/* Retained size by kind: per_kind[kind] (hc_kinds_count entries, zeroed here) gets the retained
 * sizes of s's members of that kind that no other member of the same kind dominates, so a
 * kind's figure counts no byte twice and never exceeds hc_domtree_total.  One pass over the
 * tree in preorder: O(reached nodes + tree depth); for a set of fewer than an eighth of the
 * reached nodes, only over the run from its first member to its last member's subtree end
 * (through the sibling index of hc_domtree_top_children).  FALSE with HC_ERROR_NOMEM. */
gboolean hc_domtree_retained_by_kind(const hc_domtree *d, const hc_idset *s, const hc_kinds *kinds, uint64_t *per_kind,
                                     GError **error);

/* What the super-root reaches without a dominator tree: a bit per node and their total size,
 * one reachability pass (O(nodes + edges)); the base of a set's retained size and of the set
 * it dominates. */
typedef struct hc_reach hc_reach;
hc_reach *hc_reach_new(hc_graph *g, GError **error);
void hc_reach_free(hc_reach *r); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(hc_reach, hc_reach_free)
uint64_t hc_reach_total(const hc_reach *r);
size_t hc_reach_memory(const hc_reach *r); /* bytes of engine memory it holds */

/* Bytes freed if every node of ids[0..n) (node ids of r's graph) became unreachable together:
 * the reached total minus what the super-root still reaches with these removed.  For a set
 * this is more than the sum of its members' retained sizes when members share what they hold;
 * a single node's is its retained size.  One reachability pass: O(nodes + edges).  UINT64_MAX
 * with HC_ERROR_NOMEM if out of memory. */
uint64_t hc_domisize(const hc_reach *r, const uint32_t *ids, uint32_t n, GError **error);

/* The nodes that would become unreachable with ids[0..n): the reached members themselves and
 * everything only they keep alive (its total size is hc_domisize).  O(nodes + edges). */
hc_idset *hc_dominos(const hc_reach *r, const uint32_t *ids, uint32_t n, GError **error);

G_END_DECLS
#endif
