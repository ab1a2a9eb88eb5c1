/* heapcore/addrset.h — the set of object addresses a walk has found, and their rank.
 *
 * A bitmap with one bit per 8 bytes of address space (objects are at least 16 bytes and
 * 8-aligned, so distinct objects have distinct bits).  The address space is cut into 1 GiB
 * chunks; each chunk in use owns a flat 16 MiB bitmap that is reserved but not touched, so
 * only the 4 KiB pages covering live memory ever exist (one page per 256 KiB of heap).  A
 * lookup is one load from a small direct-mapped cache of chunks (in L1) and one load of the
 * bitmap word: a heap of 300 MB needs a 5 MB bitmap, which stays in the cache, where a hash
 * map from address to id would miss it on every probe.
 *
 * After hc_addrset_freeze, hc_addrset_rank gives each member its index in address order
 * (a count per 512-bit block, plus popcounts within the block's cache line): that is how the
 * walk numbers nodes, with dense ids sorted by address and no map.  Only 8-aligned addresses
 * may be added (callers route tagged addresses elsewhere). */
#ifndef HEAPCORE_ADDRSET_H
#define HEAPCORE_ADDRSET_H

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define HC_NONE UINT32_MAX /* "no id" */

#define HC_ADDRSET_CHUNK_SHIFT 30                                   /* 1 GiB chunks          */
#define HC_ADDRSET_BITS (1u << (HC_ADDRSET_CHUNK_SHIFT - 3))        /* bits per chunk        */
#define HC_ADDRSET_WORDS (HC_ADDRSET_BITS / 64)                     /* 2^21 words            */
#define HC_ADDRSET_BLOCKS (HC_ADDRSET_WORDS / 8)                    /* 512-bit blocks        */
#define HC_ADDRSET_PAGE_WORDS 512                                   /* words per 4 KiB page  */
#define HC_ADDRSET_PAGES (HC_ADDRSET_WORDS / HC_ADDRSET_PAGE_WORDS) /* 4096 pages per chunk  */
#define HC_ADDRSET_CACHE 8
#define HC_ADDRSET_DIRECT \
    ((uintptr_t)1 << 17) /* chunk keys below this (addresses below 2^47,
                                                  all of x86-64 and arm64 user space with
                                                  4-level tables) have their own slot      */

typedef struct hc_addrset_chunk {
    uintptr_t key;                         /* address >> HC_ADDRSET_CHUNK_SHIFT                          */
    uint64_t *bits;                        /* [HC_ADDRSET_WORDS], zero pages until touched               */
    uint32_t *before;                      /* [HC_ADDRSET_BLOCKS] members before each block (by freeze)  */
    uint64_t pages[HC_ADDRSET_PAGES / 64]; /* bitmap pages that hold a member         */
} hc_addrset_chunk;

typedef struct hc_addrset_slot {
    uintptr_t key;
    uint64_t *bits;
    hc_addrset_chunk *chunk;
} hc_addrset_slot;

typedef struct hc_addrset {
    hc_addrset_slot *direct;                 /* [HC_ADDRSET_DIRECT] by key, calloc'd (pages
                                                touched only where chunks exist); NULL
                                                until the first chunk                      */
    hc_addrset_slot cache[HC_ADDRSET_CACHE]; /* other keys, by key % HC_ADDRSET_CACHE; chunk
                                                NULL = empty                               */
    hc_addrset_chunk **chunks;               /* sorted by key                                 */
    uint32_t nchunks, chunkcap;
    uint32_t count; /* members                                       */
    gboolean frozen;
} hc_addrset;

void hc_addrset_init(hc_addrset *s);
void hc_addrset_clear(hc_addrset *s); /* frees everything; the set is then empty and usable */

/* Slow path of the inline functions (not for direct use): the chunk of addr, created if
 * `create` (NULL if absent, or out of memory). */
hc_addrset_chunk *hc_addrset_chunk_of(hc_addrset *s, uintptr_t addr, gboolean create);

#define HC_ADDRSET_BIT(addr) ((uint32_t)(((addr) & (((uintptr_t)1 << HC_ADDRSET_CHUNK_SHIFT) - 1)) >> 3))

/* The slot that caches addr's chunk: its own slot in `direct` (so two chunks never evict each
 * other, as they could in a small direct-mapped cache), else a cache slot. */
static inline hc_addrset_slot *hc_addrset_slot_for(hc_addrset *s, uintptr_t key)
{
    return G_LIKELY(key < HC_ADDRSET_DIRECT && s->direct) ? &s->direct[key] : &s->cache[key % HC_ADDRSET_CACHE];
}

static inline const hc_addrset_slot *hc_addrset_slot_of(hc_addrset *s, uintptr_t addr, gboolean create)
{
    uintptr_t key = addr >> HC_ADDRSET_CHUNK_SHIFT;
    const hc_addrset_slot *slot = hc_addrset_slot_for(s, key);
    if (G_LIKELY(slot->chunk && slot->key == key))
        return slot;
    return hc_addrset_chunk_of(s, addr, create) ? hc_addrset_slot_for(s, key) : NULL;
}

/* Add an 8-aligned address: 1 if it is new, 0 if it was there, -1 if out of memory (or the
 * set is frozen). */
static inline int hc_addrset_add(hc_addrset *s, uintptr_t addr)
{
    const hc_addrset_slot *slot = hc_addrset_slot_of(s, addr, TRUE);
    if (G_UNLIKELY(!slot))
        return -1;
    uint32_t bit = HC_ADDRSET_BIT(addr);
    uint64_t m = (uint64_t)1 << (bit & 63);
    uint64_t *w = &slot->bits[bit >> 6];
    uint64_t v = __atomic_load_n(w, __ATOMIC_RELAXED);
    if (v & m)
        return 0;
    if (G_UNLIKELY(s->frozen))
        return -1;
    if (!v) {
        uint32_t page = bit >> 6 >> 9;
        slot->chunk->pages[page >> 6] |= (uint64_t)1 << (page & 63);
    }
    /* Relaxed atomic loads and stores are plain moves: they let another thread read the
     * words while this one adds (hc_addrset_contains through a view); only the adding thread writes. */
    __atomic_store_n(w, v | m, __ATOMIC_RELAXED);
    s->count++;
    return 1;
}

/* Add addr + 8*i for each bit i of mask (mask < 256): an address and a few of its neighbours
 * in one store (the allocation hook of heapcore/py/pyborn.c marks 1-3 addresses per block).
 * Keeps no count and no page bookkeeping: only for sets that are asked hc_addrset_contains
 * and cleared, never frozen or iterated.  0, or -1 if out of memory. */
static inline int hc_addrset_add_near(hc_addrset *s, uintptr_t addr, uint32_t mask)
{
    const hc_addrset_slot *slot = hc_addrset_slot_of(s, addr, TRUE);
    if (G_UNLIKELY(!slot))
        return -1;
    uint32_t bit = HC_ADDRSET_BIT(addr), shift = bit & 63;
    if (G_LIKELY(shift <= 56)) {
        slot->bits[bit >> 6] |= (uint64_t)mask << shift;
        return 0;
    }
    for (uint32_t i = 0; i < 8; i++) /* crosses a word, maybe a chunk: one at a time */
        if (((mask >> i) & 1) && hc_addrset_add(s, addr + 8 * i) < 0)
            return -1;
    return 0;
}

/* The slot of addr's chunk and addr's bit in it (*bit), if addr is 8-aligned and its chunk
 * exists; else NULL.  Shared by the read-only lookups below. */
static inline const hc_addrset_slot *hc_addrset_find(hc_addrset *s, uintptr_t addr, uint32_t *bit)
{
    if (addr & 7)
        return NULL;
    *bit = HC_ADDRSET_BIT(addr);
    return hc_addrset_slot_of(s, addr, FALSE);
}

/* Also for a thread other than the one adding (the walk's parallel discovery), through a
 * view: an hc_addrset whose `chunks` is a copy of the owner's list, made while the owner was
 * not adding, and `direct` NULL.  Through a view it is FALSE for an address in a chunk made
 * since, and a member added meanwhile may read as absent (the owner checks again).  The load
 * is relaxed atomic, a plain move. */
static inline gboolean hc_addrset_contains(hc_addrset *s, uintptr_t addr)
{
    uint32_t bit;
    const hc_addrset_slot *slot = hc_addrset_find(s, addr, &bit);
    return slot && ((__atomic_load_n(&slot->bits[bit >> 6], __ATOMIC_RELAXED) >> (bit & 63)) & 1);
}

/* Compute the ranks; no member can be added afterwards.  Returns the member count, or
 * HC_NONE if out of memory. */
uint32_t hc_addrset_freeze(hc_addrset *s);

/* Index in address order of a member of a frozen set, or HC_NONE for a non-member. */
static inline uint32_t hc_addrset_rank(hc_addrset *s, uintptr_t addr)
{
    uint32_t bit;
    const hc_addrset_slot *slot = hc_addrset_find(s, addr, &bit);
    if (!slot)
        return HC_NONE;
    const uint64_t *bits = slot->bits;
    uint32_t word = bit >> 6;
    uint64_t m = (uint64_t)1 << (bit & 63);
    if (!(bits[word] & m))
        return HC_NONE;
    uint32_t r = slot->chunk->before[word >> 3] + (uint32_t)__builtin_popcountll(bits[word] & (m - 1));
    for (uint32_t j = word & ~7u; j < word; j++)
        r += (uint32_t)__builtin_popcountll(bits[j]);
    return r;
}

/* Write the members in address order to out[0 .. count). */
void hc_addrset_members(const hc_addrset *s, uintptr_t *out);

/* Bytes of memory the set really uses (touched pages). */
size_t hc_addrset_memory(const hc_addrset *s);

G_END_DECLS
#endif
