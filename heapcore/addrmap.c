/* heapcore/addrmap.c — growth and bulk build of the address → id map (lookups are inline in
 * the header because they are the walk's hot path). */
#include "heapcore/addrmap.h"

#include <string.h>

#include "heapcore/error.h"

static gboolean alloc_table(hc_addrmap *m, uint32_t log2cap, GError **error)
{
    size_t cap = (size_t)1 << log2cap;
    uint32_t *slots = hc_try_malloc(cap * sizeof *slots);
    if (!slots) {
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory for a %zu-slot address map", cap);
        return FALSE;
    }
    memset(slots, 0xff, cap * sizeof *slots);
    m->slots = slots;
    m->mask = (uint32_t)(cap - 1);
    m->shift = 64 - log2cap;
    m->grow_at = (uint32_t)(cap * 7 / 10);
    return TRUE;
}

static uint32_t log2_for(uint64_t expected)
{
    uint32_t l = 4;
    while (l < 32 && ((uint64_t)1 << l) * 7 / 10 <= expected)
        l++;
    return l;
}

gboolean hc_addrmap_init(hc_addrmap *m, uint32_t expected, GError **error)
{
    memset(m, 0, sizeof *m);
    return alloc_table(m, log2_for(expected), error);
}

void hc_addrmap_clear(hc_addrmap *m)
{
    hc_free(m->slots);
    memset(m, 0, sizeof *m);
}

static void insert_all(hc_addrmap *m, const uintptr_t *addrs, uint32_t n)
{
    for (uint32_t id = 0; id < n; id++) {
        uint32_t i = hc_addrmap_hash(m, addrs[id]);
        while (m->slots[i] != HC_NONE)
            i = (i + 1) & m->mask;
        m->slots[i] = id;
    }
    m->count = n;
}

gboolean hc_addrmap_reserve(hc_addrmap *m, const uintptr_t *addrs, uint32_t more, GError **error)
{
    uint64_t need = (uint64_t)m->count + more;
    if (need <= m->grow_at)
        return TRUE;
    if (need >= UINT32_MAX) {
        g_set_error(error, HC_ERROR, HC_ERROR_LIMIT, "more than 2^32-2 objects");
        return FALSE;
    }
    hc_addrmap bigger = *m;
    uint32_t l = log2_for(need * 2); /* double ahead so growth is amortised */
    if (l > 32)
        l = 32;
    if (!alloc_table(&bigger, l, error))
        return FALSE;
    uint32_t n = m->count;
    hc_free(m->slots);
    *m = bigger;
    insert_all(m, addrs, n);
    return TRUE;
}

gboolean hc_addrmap_build(hc_addrmap *m, const uintptr_t *addrs, uint32_t n, GError **error)
{
    if (!hc_addrmap_init(m, n, error))
        return FALSE;
    insert_all(m, addrs, n);
    return TRUE;
}
