/* heapcore/partition.h — classifiers and partitions of heap sets.
 *
 * A classifier maps each node to a kind (an integer); a partition of a set is one counting
 * pass plus a sort of its kinds by total size (largest first, ties by kind name), each row
 * being again a set.  Kinds here: by type (the type index) and by "class or dict owner"
 * (Heapy's clodo: a dict that is some object's __dict__ is "dict of <owner's class>"; an
 * exact dict without owner is "dict (no owner)"; everything else is its type). */
#ifndef HEAPCORE_PARTITION_H
#define HEAPCORE_PARTITION_H

#include <glib.h>
#include <stdint.h>

#include "heapcore/idset.h"

G_BEGIN_DECLS

typedef enum {
    HC_BY_TYPE,  /* kind = type index                                    */
    HC_BY_CLODO, /* kind = type index, or ntypes + owner's type index    */
} hc_classifier;

/* Kind of node id under classifier c. */
uint32_t hc_classify(const hc_graph *g, hc_classifier c, uint32_t id);
/* Name of a kind, appended to out ("list", "dict of __main__.Node", "dict (no owner)"). */
void hc_kind_name(const hc_graph *g, hc_classifier c, uint32_t kind, GString *out);

typedef struct hc_row {
    uint32_t kind;
    uint32_t count;
    uint64_t size;
} hc_row;

typedef struct hc_partition hc_partition;

/* Partition s by c.  O(|s| + kinds log kinds).  NULL + NOMEM on failure. */
hc_partition *hc_partition_new(hc_idset *s, hc_classifier c, GError **error);
void hc_partition_free(hc_partition *p); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(hc_partition, hc_partition_free)

uint32_t hc_partition_nrows(const hc_partition *p);
const hc_row *hc_partition_rows(const hc_partition *p); /* sorted, borrowed */
hc_classifier hc_partition_classifier(const hc_partition *p);
/* The members of row r as a new set.  O(|s|). */
hc_idset *hc_partition_row_set(const hc_partition *p, uint32_t r, GError **error);
/* The members of s of kind `kind` as a new set.  O(|s|). */
hc_idset *hc_idset_select_kind(hc_idset *s, hc_classifier c, uint32_t kind, GError **error);

G_END_DECLS
#endif
