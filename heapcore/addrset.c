/* heapcore/addrset.c — chunks and ranks of the address set (the lookups are inline in the
 * header because they are the walk's hot path). */
#include "heapcore/addrset.h"

#include <string.h>

#include "heapcore/error.h"

void hc_addrset_init(hc_addrset *s)
{
    memset(s, 0, sizeof *s);
}

static void chunk_free(hc_addrset_chunk *c)
{
    if (!c)
        return;
    hc_unmap(c->bits, HC_ADDRSET_WORDS * sizeof *c->bits);
    hc_free(c->before);
    hc_free(c);
}

void hc_addrset_clear(hc_addrset *s)
{
    for (uint32_t i = 0; i < s->nchunks; i++)
        chunk_free(s->chunks[i]);
    hc_free(s->chunks);
    hc_unmap(s->direct, HC_ADDRSET_DIRECT * sizeof *s->direct);
    hc_addrset_init(s);
}

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
    hc_addrset_chunk *c = NULL;
    if (lo < s->nchunks && s->chunks[lo]->key == key) {
        c = s->chunks[lo];
    } else {
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
        /* A mapping of its own, fresh zero pages: only the pages that receive a member ever
         * cost memory.  (A plain calloc is not enough: once glibc has raised its mmap
         * threshold past 16 MiB it carves the bitmap from the heap and clears all of it, 16 MiB
         * resident per set.) */
        c = hc_try_calloc(1, sizeof *c);
        if (c)
            c->bits = hc_try_map_zeroed(HC_ADDRSET_WORDS * sizeof *c->bits);
        if (!c || !c->bits) {
            chunk_free(c);
            return NULL;
        }
        c->key = key;
        memmove(s->chunks + lo + 1, s->chunks + lo, (s->nchunks - lo) * sizeof *s->chunks);
        s->chunks[lo] = c;
        s->nchunks++;
        /* Untouched pages of the mapping cost nothing; without it, the small cache. */
        if (!s->direct && key < HC_ADDRSET_DIRECT)
            s->direct = hc_try_map_zeroed(HC_ADDRSET_DIRECT * sizeof *s->direct);
    }
    /* Fill the slot only if it holds something else: a direct slot, once filled, is only read
     * (the walk's threads share the direct table). */
    hc_addrset_slot *slot = hc_addrset_slot_for(s, key);
    if (slot->chunk != c) {
        slot->key = key;
        slot->bits = c->bits;
        slot->chunk = c;
    }
    return c;
}

/* The pages of c's bitmap that hold a member, ascending, into out[]; returns how many. */
static uint32_t touched_pages(const hc_addrset_chunk *c, uint32_t out[HC_ADDRSET_PAGES])
{
    uint32_t k = 0;
    for (uint32_t pw = 0; pw < HC_ADDRSET_PAGES / 64; pw++)
        for (uint64_t pb = c->pages[pw]; pb; pb &= pb - 1)
            out[k++] = pw * 64 + (uint32_t)__builtin_ctzll(pb);
    return k;
}

uint32_t hc_addrset_freeze(hc_addrset *s)
{
    uint32_t pages[HC_ADDRSET_PAGES];
    uint32_t base = 0;
    for (uint32_t i = 0; i < s->nchunks; i++) {
        hc_addrset_chunk *c = s->chunks[i];
        if (!c->before) {
            c->before = hc_try_malloc((size_t)HC_ADDRSET_BLOCKS * sizeof *c->before);
            if (!c->before)
                return HC_NONE;
        }
        /* Only the blocks of touched pages are ever asked for. */
        uint32_t np = touched_pages(c, pages);
        for (uint32_t p = 0; p < np; p++) {
            uint32_t w0 = pages[p] * HC_ADDRSET_PAGE_WORDS;
            for (uint32_t w = w0; w < w0 + HC_ADDRSET_PAGE_WORDS; w += 8) {
                c->before[w >> 3] = base;
                for (uint32_t j = w; j < w + 8; j++)
                    base += (uint32_t)__builtin_popcountll(c->bits[j]);
            }
        }
    }
    s->frozen = TRUE;
    return base;
}

void hc_addrset_members(const hc_addrset *s, uintptr_t *out)
{
    uint32_t pages[HC_ADDRSET_PAGES];
    size_t k = 0;
    for (uint32_t i = 0; i < s->nchunks; i++) {
        const hc_addrset_chunk *c = s->chunks[i];
        uintptr_t chunk = c->key << HC_ADDRSET_CHUNK_SHIFT;
        uint32_t np = touched_pages(c, pages);
        for (uint32_t p = 0; p < np; p++) {
            uint32_t w0 = pages[p] * HC_ADDRSET_PAGE_WORDS;
            for (uint32_t w = w0; w < w0 + HC_ADDRSET_PAGE_WORDS; w++)
                for (uint64_t b = c->bits[w]; b; b &= b - 1)
                    out[k++] = chunk + ((uintptr_t)w * 64 + (uintptr_t)__builtin_ctzll(b)) * 8;
        }
    }
}

size_t hc_addrset_memory(const hc_addrset *s)
{
    size_t pages = 0;
    for (uint32_t i = 0; i < s->nchunks; i++)
        for (uint32_t pw = 0; pw < HC_ADDRSET_PAGES / 64; pw++)
            pages += (size_t)__builtin_popcountll(s->chunks[i]->pages[pw]);
    /* a bitmap page, plus its share of the block counts once frozen */
    size_t per_page = HC_ADDRSET_PAGE_WORDS * 8 + (s->frozen ? HC_ADDRSET_PAGE_WORDS / 8 * 4 : 0);
    return pages * per_page + s->nchunks * sizeof(hc_addrset_chunk) + s->chunkcap * sizeof *s->chunks;
}
