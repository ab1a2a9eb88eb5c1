/* heapcore/partition.h — partitions of heap sets by a classifier's kinds (kinds.h).
 *
 * A partition of a set is one counting pass plus a sort of its kinds by total size (largest
 * first, ties by kind name), each row being again a set. */
#ifndef HEAPCORE_PARTITION_H
#define HEAPCORE_PARTITION_H

#include <glib.h>
#include <stdint.h>

#include "heapcore/idset.h"
#include "heapcore/kinds.h"

G_BEGIN_DECLS

typedef struct hc_row {
    uint32_t kind;
    uint32_t count;
    uint64_t size;
} hc_row;

typedef struct hc_partition hc_partition;

/* Partition s by k (of s's graph; k must outlive the partition).  O(|s| + kinds log kinds).
 * NULL + NOMEM on failure. */
hc_partition *hc_partition_new(hc_idset *s, const hc_kinds *k, GError **error);
void hc_partition_free(hc_partition *p); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(hc_partition, hc_partition_free)

uint32_t hc_partition_nrows(const hc_partition *p);
const hc_row *hc_partition_rows(const hc_partition *p); /* sorted, borrowed */
/* The members of row r as a new set.  O(|s|). */
hc_idset *hc_partition_row_set(const hc_partition *p, uint32_t r, GError **error);
/* The members of s of kind `kind` as a new set.  O(|s|). */
hc_idset *hc_idset_select_kind(hc_idset *s, const hc_kinds *k, uint32_t kind, GError **error);

G_END_DECLS
#endif
