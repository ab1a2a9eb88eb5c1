/* heapcore/intern_private.h — private to the engine: interning lists of uint32 (a referrer-kind
 * set in kinds.c, a label set in via.c) as GHashTable keys, and the uint32 comparator
 * every sort and binary search of ids uses. */
#ifndef HEAPCORE_INTERN_PRIVATE_H
#define HEAPCORE_INTERN_PRIVATE_H

#include <glib.h>
#include <stdint.h>
#include <string.h>

/* A list while interning: v[0..len) identifies it; kind is the id it was given. */
typedef struct hc_u32key {
    uint32_t len;
    uint32_t kind;
    uint32_t v[];
} hc_u32key;

/* FNV-1a over the list (GHashFunc). */
static inline guint hc_u32key_hash(gconstpointer p)
{
    const hc_u32key *k = p;
    guint h = 2166136261u;
    for (uint32_t i = 0; i < k->len; i++)
        h = (h ^ k->v[i]) * 16777619u;
    return h;
}

/* Same list (GEqualFunc). */
static inline gboolean hc_u32key_equal(gconstpointer a, gconstpointer b)
{
    const hc_u32key *x = a, *y = b;
    return x->len == y->len && memcmp(x->v, y->v, x->len * sizeof *x->v) == 0;
}

/* qsort/bsearch order of uint32 values. */
static inline int hc_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

#endif
