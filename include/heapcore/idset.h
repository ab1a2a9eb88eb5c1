/* heapcore/idset.h — heap sets: a snapshot graph and a sorted array of distinct node ids.
 *
 * The algebra (| & - ^ <= ==) on two sets of one graph is a linear merge.  Between graphs,
 * identity is (address, type key): hc_idset_sub_foreign keeps the members of a whose object
 * is not in b, which is how "objects created since a checkpoint" are found.  Reference
 * counted; a set keeps its graph alive. */
#ifndef HEAPCORE_IDSET_H
#define HEAPCORE_IDSET_H

#include <glib.h>
#include <stdint.h>

#include "heapcore/graph.h"

G_BEGIN_DECLS

typedef struct hc_idset hc_idset;

/* Take ownership of ids[0..n) (hc_try_malloc'd, sorted, distinct). */
hc_idset *hc_idset_new_steal(hc_graph *g, uint32_t *ids, uint32_t n, GError **error);
/* Copy, sort and deduplicate ids; ids >= n nodes are an HC_ERROR_INVALID. */
hc_idset *hc_idset_new_copy(hc_graph *g, const uint32_t *ids, size_t n, GError **error);
/* Every node with all `require` flags and none of `forbid`. */
hc_idset *hc_idset_new_flags(hc_graph *g, uint32_t require, uint32_t forbid, GError **error);

hc_idset *hc_idset_ref(hc_idset *s);
void hc_idset_unref(hc_idset *s); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(hc_idset, hc_idset_unref)

hc_graph *hc_idset_graph(const hc_idset *s); /* borrowed */
uint32_t hc_idset_count(const hc_idset *s);
const uint32_t *hc_idset_ids(const hc_idset *s);            /* borrowed, sorted */
uint64_t hc_idset_size(const hc_idset *s);                  /* sum of true sizes, O(n) */
gboolean hc_idset_contains(const hc_idset *s, uint32_t id); /* O(log n) */

typedef enum { HC_SET_OR, HC_SET_AND, HC_SET_SUB, HC_SET_XOR } hc_setop;
/* a OP b; both must share one graph (else HC_ERROR_INVALID). */
hc_idset *hc_idset_op(const hc_idset *a, const hc_idset *b, hc_setop op, GError **error);
/* a <= b (subset); both in one graph. */
gboolean hc_idset_subset(const hc_idset *a, const hc_idset *b);
gboolean hc_idset_equal(const hc_idset *a, const hc_idset *b);

/* Members of a whose (address, type key) is not a member of b; b may be of another graph.
 * Builds b's graph address map if needed. */
hc_idset *hc_idset_sub_foreign(const hc_idset *a, const hc_idset *b, GError **error);
/* The same, where a pair matched by address and type key counts as one object only if
 * same(ctx, address, type key) says it can be (e.g. the address was not reused in between);
 * same NULL: always. */
typedef gboolean (*hc_same_object_fn)(void *ctx, uintptr_t addr, uintptr_t type_key);
hc_idset *hc_idset_sub_foreign_with(const hc_idset *a, const hc_idset *b, hc_same_object_fn same, void *ctx,
                                    GError **error);

G_END_DECLS
#endif
