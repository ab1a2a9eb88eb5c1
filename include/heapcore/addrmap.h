/* heapcore/addrmap.h — the address → id map of a walk.
 *
 * Open addressing with linear probing over a power-of-two table of uint32 ids; a slot holds
 * only the id, and the key is compared against the caller's address column (addrs[id]), so a
 * slot costs 4 bytes.  Hash: multiply-shift of addr >> 4 (objects are 16-byte aligned).
 * Grown by rehash at 0.7 load.  The map does not own the address column. */
#ifndef HEAPCORE_ADDRMAP_H
#define HEAPCORE_ADDRMAP_H

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define HC_NONE UINT32_MAX /* "no id" */

typedef struct hc_addrmap {
    uint32_t *slots; /* capacity entries, HC_NONE = empty */
    uint32_t mask;   /* capacity - 1                       */
    uint32_t shift;  /* 64 - log2(capacity)                */
    uint32_t count;  /* ids stored                         */
    uint32_t grow_at;
} hc_addrmap;

/* Initialise for about `expected` ids.  FALSE + HC_ERROR_NOMEM on failure. */
gboolean hc_addrmap_init(hc_addrmap *m, uint32_t expected, GError **error);
void hc_addrmap_clear(hc_addrmap *m); /* frees the table; accepts a cleared map */

static inline uint32_t hc_addrmap_hash(const hc_addrmap *m, uintptr_t addr)
{
    return (uint32_t)(((uint64_t)(addr >> 4) * UINT64_C(0x9E3779B97F4A7C15)) >> m->shift);
}

/* The id stored for addr, or HC_NONE.  addrs is the address column the ids index. */
static inline uint32_t hc_addrmap_get(const hc_addrmap *m, const uintptr_t *addrs, uintptr_t addr)
{
    uint32_t i = hc_addrmap_hash(m, addr);
    for (;;) {
        uint32_t id = m->slots[i];
        if (id == HC_NONE || addrs[id] == addr)
            return id;
        i = (i + 1) & m->mask;
    }
}

/* Look addr up; if absent store `new_id` (the caller has already written addrs[new_id] = addr)
 * and return HC_NONE.  The caller must call hc_addrmap_reserve first so no growth is needed. */
static inline uint32_t hc_addrmap_get_or_put(hc_addrmap *m, const uintptr_t *addrs, uintptr_t addr,
                                             uint32_t new_id)
{
    uint32_t i = hc_addrmap_hash(m, addr);
    for (;;) {
        uint32_t id = m->slots[i];
        if (id == HC_NONE) {
            m->slots[i] = new_id;
            m->count++;
            return HC_NONE;
        }
        if (addrs[id] == addr)
            return id;
        i = (i + 1) & m->mask;
    }
}

static inline void hc_addrmap_prefetch(const hc_addrmap *m, uintptr_t addr)
{
    __builtin_prefetch(&m->slots[hc_addrmap_hash(m, addr)]);
}

/* Make room for `more` insertions without exceeding the load factor (rehashing from addrs,
 * whose first m->count entries are the stored ids 0..count-1 in some order — the map assumes
 * ids 0..count-1 are exactly the stored ids). */
gboolean hc_addrmap_reserve(hc_addrmap *m, const uintptr_t *addrs, uint32_t more, GError **error);

/* Build a map of addrs[0..n) (ids 0..n-1, addresses distinct). */
gboolean hc_addrmap_build(hc_addrmap *m, const uintptr_t *addrs, uint32_t n, GError **error);

G_END_DECLS
#endif
