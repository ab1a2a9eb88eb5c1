/* heapcore/addrset.c — chunks, regions and ranks of the address set (the lookups are inline
 * in the header because they are the walk's hot path). */
#include "heapcore/addrset.h"

#include <string.h>

#include "heapcore/error.h"

#define SLAB_REGIONS 256 /* regions per slab: 330 KB */

void hc_addrset_init(hc_addrset *s)
{
    memset(s, 0, sizeof *s);
}

void hc_addrset_clear(hc_addrset *s)
{
    for (uint32_t i = 0; i < s->nchunks; i++) {
        hc_free(s->chunks[i]->regions);
        hc_free(s->chunks[i]);
    }
    hc_free(s->chunks);
    for (uint32_t i = 0; i < s->nslabs; i++)
        hc_free(s->slabs[i]);
    hc_free(s->slabs);
    hc_addrset_init(s);
}

/* The chunk holding addr (binary search over the sorted chunks), made if `create`. */
hc_addrset_chunk *hc_addrset_chunk_of(hc_addrset *s, uintptr_t addr, gboolean create)
{
    uintptr_t key = addr >> HC_ADDRSET_CHUNK_SHIFT;
    uint32_t lo = 0, hi = s->nchunks;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->chunks[mid]->key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->nchunks && s->chunks[lo]->key == key)
        return s->cache[key % HC_ADDRSET_CACHE] = s->chunks[lo];
    if (!create || s->frozen)
        return NULL;
    if (s->nchunks == s->chunkcap) {
        uint32_t cap = s->chunkcap ? s->chunkcap * 2 : 8;
        hc_addrset_chunk **p = hc_try_reallocarray(s->chunks, cap, sizeof *p);
        if (!p)
            return NULL;
        s->chunks = p;
        s->chunkcap = cap;
    }
    hc_addrset_chunk *c = hc_try_malloc(sizeof *c);
    hc_addrset_region **regions = c ? hc_try_calloc(HC_ADDRSET_REGIONS, sizeof *regions) : NULL;
    if (!regions) {
        hc_free(c);
        return NULL;
    }
    c->key = key;
    c->regions = regions;
    memmove(s->chunks + lo + 1, s->chunks + lo, (s->nchunks - lo) * sizeof *s->chunks);
    s->chunks[lo] = c;
    s->nchunks++;
    return s->cache[key % HC_ADDRSET_CACHE] = c;
}

hc_addrset_region *hc_addrset_new_region(hc_addrset *s, hc_addrset_chunk *c, uintptr_t addr)
{
    if (s->frozen)
        return NULL;
    if (s->slabfree == 0) {
        if (s->nslabs == s->slabcap) {
            uint32_t cap = s->slabcap ? s->slabcap * 2 : 16;
            hc_addrset_region **p = hc_try_reallocarray(s->slabs, cap, sizeof *p);
            if (!p)
                return NULL;
            s->slabs = p;
            s->slabcap = cap;
        }
        hc_addrset_region *slab = hc_try_calloc(SLAB_REGIONS, sizeof *slab);
        if (!slab)
            return NULL;
        s->slabs[s->nslabs++] = slab;
        s->slabfree = SLAB_REGIONS;
    }
    hc_addrset_region *r = &s->slabs[s->nslabs - 1][SLAB_REGIONS - s->slabfree--];
    s->nregions++;
    c->regions[(addr >> HC_ADDRSET_REGION_SHIFT) & (HC_ADDRSET_REGIONS - 1)] = r;
    return r;
}

uint32_t hc_addrset_freeze(hc_addrset *s)
{
    uint32_t base = 0;
    for (uint32_t i = 0; i < s->nchunks; i++) {
        hc_addrset_region **regions = s->chunks[i]->regions;
        for (uint32_t k = 0; k < HC_ADDRSET_REGIONS; k++) {
            hc_addrset_region *r = regions[k];
            if (!r)
                continue;
            r->base = base;
            uint32_t in = 0;
            for (uint32_t w = 0; w < HC_ADDRSET_WORDS; w++) {
                r->before[w] = (uint16_t)in;
                in += (uint32_t)__builtin_popcountll(r->bits[w]);
            }
            base += in;
        }
    }
    s->frozen = TRUE;
    return base;
}

void hc_addrset_members(const hc_addrset *s, uintptr_t *out)
{
    size_t k = 0;
    for (uint32_t i = 0; i < s->nchunks; i++) {
        const hc_addrset_chunk *c = s->chunks[i];
        for (uint32_t j = 0; j < HC_ADDRSET_REGIONS; j++) {
            const hc_addrset_region *r = c->regions[j];
            if (!r)
                continue;
            uintptr_t region = (c->key << HC_ADDRSET_CHUNK_SHIFT) | ((uintptr_t)j << HC_ADDRSET_REGION_SHIFT);
            for (uint32_t w = 0; w < HC_ADDRSET_WORDS; w++)
                for (uint64_t b = r->bits[w]; b; b &= b - 1)
                    out[k++] = region + ((uintptr_t)w * 64 + (uintptr_t)__builtin_ctzll(b)) * 8;
        }
    }
}

size_t hc_addrset_memory(const hc_addrset *s)
{
    return (size_t)s->nslabs * SLAB_REGIONS * sizeof(hc_addrset_region) +
           (size_t)s->nchunks * (sizeof(hc_addrset_chunk) + HC_ADDRSET_REGIONS * sizeof(hc_addrset_region *)) +
           (size_t)s->chunkcap * sizeof *s->chunks + (size_t)s->slabcap * sizeof *s->slabs;
}
