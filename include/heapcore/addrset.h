/* heapcore/addrset.h — the set of object addresses a walk has found, and their rank.
 *
 * A bitmap with one bit per 8 bytes of address space, kept only for the 64 KiB regions that
 * hold a member (objects are at least 16 bytes and 8-aligned, so distinct objects have
 * distinct bits).  Regions hang off a direct table per 1 GiB chunk; the few chunks of a
 * process are found through a small direct-mapped cache, then a sorted array.  The whole set costs about
 * one bit per 8 bytes of heap (1.3 KiB per region in use): a heap of 300 MB needs about 6 MB,
 * which stays in the cache, where a hash map from address to id would miss it on every probe.
 *
 * After hc_addrset_freeze, hc_addrset_rank gives each member its index in address order,
 * which is how the walk numbers nodes: ids are dense and sorted by address, with no map.
 * Only 8-aligned addresses may be added (callers route tagged addresses elsewhere). */
#ifndef HEAPCORE_ADDRSET_H
#define HEAPCORE_ADDRSET_H

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define HC_NONE UINT32_MAX /* "no id" */

#define HC_ADDRSET_REGION_SHIFT 16                                  /* 64 KiB regions     */
#define HC_ADDRSET_CHUNK_SHIFT 30                                   /* 1 GiB chunks       */
#define HC_ADDRSET_WORDS ((1u << HC_ADDRSET_REGION_SHIFT) / 8 / 64) /* 128 words / region */
#define HC_ADDRSET_REGIONS (1u << (HC_ADDRSET_CHUNK_SHIFT - HC_ADDRSET_REGION_SHIFT))

typedef struct hc_addrset_region {
    uint64_t bits[HC_ADDRSET_WORDS];   /* bit k of word w: address base + (64w + k) * 8 */
    uint16_t before[HC_ADDRSET_WORDS]; /* members in earlier words (set by freeze)      */
    uint32_t base;                     /* members in earlier regions (set by freeze)    */
} hc_addrset_region;

typedef struct hc_addrset_chunk {
    uintptr_t key;                 /* address >> HC_ADDRSET_CHUNK_SHIFT */
    hc_addrset_region **regions;   /* [HC_ADDRSET_REGIONS], NULL = none */
} hc_addrset_chunk;

#define HC_ADDRSET_CACHE 8

typedef struct hc_addrset {
    hc_addrset_chunk *cache[HC_ADDRSET_CACHE]; /* by key % HC_ADDRSET_CACHE */
    hc_addrset_chunk **chunks;  /* sorted by key                      */
    uint32_t nchunks, chunkcap;
    uint32_t count;             /* members                            */
    gboolean frozen;
    hc_addrset_region **slabs;  /* regions are carved from slabs      */
    uint32_t nslabs, slabcap;
    uint32_t slabfree;          /* regions left in the newest slab    */
    size_t nregions;
} hc_addrset;

void hc_addrset_init(hc_addrset *s);
void hc_addrset_clear(hc_addrset *s); /* frees everything; the set is then empty and usable */

/* Slow paths of the inline functions (not for direct use). */
hc_addrset_chunk *hc_addrset_chunk_of(hc_addrset *s, uintptr_t addr, gboolean create);
hc_addrset_region *hc_addrset_new_region(hc_addrset *s, hc_addrset_chunk *c, uintptr_t addr);

static inline hc_addrset_chunk *hc_addrset_cached(hc_addrset *s, uintptr_t addr)
{
    uintptr_t key = addr >> HC_ADDRSET_CHUNK_SHIFT;
    hc_addrset_chunk *c = s->cache[key % HC_ADDRSET_CACHE];
    return c && c->key == key ? c : NULL;
}

static inline hc_addrset_region *hc_addrset_region_of(hc_addrset *s, uintptr_t addr)
{
    hc_addrset_chunk *c = hc_addrset_cached(s, addr);
    if (G_UNLIKELY(!c)) {
        c = hc_addrset_chunk_of(s, addr, FALSE);
        if (!c)
            return NULL;
    }
    return c->regions[(addr >> HC_ADDRSET_REGION_SHIFT) & (HC_ADDRSET_REGIONS - 1)];
}

#define HC_ADDRSET_BIT(addr) ((unsigned)(((addr) & ((1u << HC_ADDRSET_REGION_SHIFT) - 1)) >> 3))

/* Add an 8-aligned address: 1 if it is new, 0 if it was there, -1 if out of memory (or the
 * set is frozen). */
static inline int hc_addrset_add(hc_addrset *s, uintptr_t addr)
{
    hc_addrset_chunk *c = hc_addrset_cached(s, addr);
    if (G_UNLIKELY(!c)) {
        c = hc_addrset_chunk_of(s, addr, TRUE);
        if (!c)
            return -1;
    }
    hc_addrset_region *r = c->regions[(addr >> HC_ADDRSET_REGION_SHIFT) & (HC_ADDRSET_REGIONS - 1)];
    if (G_UNLIKELY(!r)) {
        r = hc_addrset_new_region(s, c, addr);
        if (!r)
            return -1;
    }
    unsigned bit = HC_ADDRSET_BIT(addr);
    uint64_t m = (uint64_t)1 << (bit & 63);
    uint64_t *w = &r->bits[bit >> 6];
    if (*w & m)
        return 0;
    if (G_UNLIKELY(s->frozen))
        return -1;
    *w |= m;
    s->count++;
    return 1;
}

static inline gboolean hc_addrset_contains(hc_addrset *s, uintptr_t addr)
{
    if (addr & 7)
        return FALSE;
    hc_addrset_region *r = hc_addrset_region_of(s, addr);
    unsigned bit = HC_ADDRSET_BIT(addr);
    return r && (r->bits[bit >> 6] >> (bit & 63) & 1);
}

/* Compute the ranks; no member can be added afterwards.  Returns the member count. */
uint32_t hc_addrset_freeze(hc_addrset *s);

/* Index in address order of a member of a frozen set, or HC_NONE for a non-member. */
static inline uint32_t hc_addrset_rank(hc_addrset *s, uintptr_t addr)
{
    if (addr & 7)
        return HC_NONE;
    hc_addrset_region *r = hc_addrset_region_of(s, addr);
    if (!r)
        return HC_NONE;
    unsigned bit = HC_ADDRSET_BIT(addr);
    uint64_t w = r->bits[bit >> 6];
    uint64_t m = (uint64_t)1 << (bit & 63);
    if (!(w & m))
        return HC_NONE;
    return r->base + r->before[bit >> 6] + (uint32_t)__builtin_popcountll(w & (m - 1));
}

/* Write the members in address order to out[0 .. count). */
void hc_addrset_members(const hc_addrset *s, uintptr_t *out);

/* Bytes the set holds. */
size_t hc_addrset_memory(const hc_addrset *s);

G_END_DECLS
#endif
