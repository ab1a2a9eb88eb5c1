/* heapcore/graph.c — accessors, lifetime and validation of the snapshot graph.  The walk
 * (walk.c) fills the columns; everything else only reads them. */
#include "graph_private.h"

#include <stdlib.h>
#include <string.h>

#include "heapcore/error.h"

hc_graph *hc_graph_alloc(void)
{
    hc_graph *g = hc_try_calloc(1, sizeof *g);
    if (g)
        g->refcount = 1;
    return g;
}

hc_graph *hc_graph_ref(hc_graph *g)
{
    g_return_val_if_fail(g != NULL, NULL);
    g_atomic_int_inc(&g->refcount);
    return g;
}

void hc_graph_unref(hc_graph *g)
{
    if (!g || !g_atomic_int_dec_and_test(&g->refcount))
        return;
    hc_free(g->addr);
    hc_free(g->type);
    hc_free(g->size);
    hc_free(g->flags);
    hc_free(g->offsets);
    hc_free(g->obase);
    hc_free(g->edges);
    if (g->bigsize)
        g_hash_table_destroy(g->bigsize);
    if (g->names)
        g_hash_table_destroy(g->names);
    for (uint32_t t = 0; t < g->ntypes; t++)
        if (!hc_graph_in_pool(g, g->types[t].name))
            g_free(g->types[t].name);
    hc_free(g->types);
    hc_free(g->roots);
    if (g->labels)
        g_string_free(g->labels, TRUE);
    hc_free(g->pool);
    hc_free(g->pnames);
    hc_free(g->owners);
    for (int a = 0; a < HC_ATTACH_LAST; a++)
        if (g->attached[a] && g->attached_free[a])
            g->attached_free[a](g->attached[a]);
    hc_free(g);
}

void hc_graph_attach(hc_graph *g, hc_attach which, void *data, GDestroyNotify free)
{
    if (g->attached[which] && g->attached_free[which])
        g->attached_free[which](g->attached[which]);
    g->attached[which] = data;
    g->attached_free[which] = free;
}

void *hc_graph_attached(const hc_graph *g, hc_attach which)
{
    return g->attached[which];
}

uint64_t *hc_graph_alive_in(const hc_graph *g, const hc_graph *live)
{
    uint32_t n = g->n;
    uint64_t *bits = hc_try_calloc_mapped((size_t)n / 64 + 1, sizeof *bits);
    if (!bits)
        return NULL;
    /* A merge over both graphs' address orders, one part at a time: real nodes come first
     * and virtual ones after them, each part in address order (a virtual node's address may
     * be below a real one's). */
    uint32_t r2 = 0, n2 = live ? live->nreal : 0;
    for (uint32_t r = 0; r < n; r++) {
        if (live && r == g->nreal) { /* the virtual parts */
            r2 = live->nreal;
            n2 = live->n;
        }
        if (g->flags[r] & HC_NODE_HIDDEN)
            continue;
        if (live) {
            uintptr_t addr = g->addr[r];
            while (r2 < n2 && live->addr[r2] < addr)
                r2++;
            if (r2 == n2 || live->addr[r2] != addr || (live->flags[r2] & HC_NODE_HIDDEN) ||
                live->types[live->type[r2]].key != g->types[g->type[r]].key)
                continue;
        }
        bits[r >> 6] |= (uint64_t)1 << (r & 63);
    }
    return bits;
}

uint64_t hc_graph_offsets_from_counts(hc_graph *g, uint32_t n)
{
    uint64_t at = 0;
    for (size_t i = 0; i <= n; i++) {
        uint64_t count = i < n ? g->offsets[i + 1] : 0;
        if ((i & (HC_OBASE_SPAN - 1)) == 0)
            g->obase[i >> HC_OBASE_SHIFT] = at;
        uint64_t rel = at - g->obase[i >> HC_OBASE_SHIFT];
        if (rel > UINT32_MAX)
            return UINT64_MAX;
        g->offsets[i] = (uint32_t)rel;
        at += count;
    }
    return at;
}

uint32_t hc_graph_n(const hc_graph *g)
{
    return g->n;
}
gboolean hc_graph_is_loaded(const hc_graph *g)
{
    return g->loaded;
}
void hc_graph_set_loaded(hc_graph *g)
{
    g->loaded = TRUE;
}
uintptr_t hc_graph_addr(const hc_graph *g, uint32_t id)
{
    return g->addr[id];
}
uint32_t hc_graph_type(const hc_graph *g, uint32_t id)
{
    return g->type[id];
}
uint32_t hc_graph_flags(const hc_graph *g, uint32_t id)
{
    return g->flags[id];
}
uint64_t hc_graph_nedges(const hc_graph *g)
{
    return g->offsets && g->obase ? hc_graph_edge_at(g, g->n) : 0;
}

uint32_t hc_graph_select_flags(const hc_graph *g, uint32_t mask, uint32_t want, uint32_t *out)
{
    uint32_t k = 0;
    if (!out) {
        for (uint32_t i = 0; i < g->n; i++)
            k += (g->flags[i] & mask) == want;
        return k;
    }
    for (uint32_t i = 0; i < g->n; i++)
        if ((g->flags[i] & mask) == want)
            out[k++] = i;
    return k;
}

uint64_t hc_graph_size(const hc_graph *g, uint32_t id)
{
    uint32_t s = g->size[id];
    if (s != HC_SIZE_BIG)
        return s;
    const uint64_t *big = g->bigsize ? g_hash_table_lookup(g->bigsize, GUINT_TO_POINTER(id)) : NULL;
    return big ? *big : s;
}

gboolean hc_graph_set_size(hc_graph *g, uint32_t id, uint64_t size, GError **error)
{
    g_return_val_if_fail(id < g->n, FALSE);
    if (size < HC_SIZE_BIG) {
        g->size[id] = (uint32_t)size;
        if (g->bigsize)
            g_hash_table_remove(g->bigsize, GUINT_TO_POINTER(id));
        return TRUE;
    }
    uint64_t *cell = hc_try_malloc(sizeof *cell);
    if (!cell) {
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory recording a large size");
        return FALSE;
    }
    *cell = size;
    if (!g->bigsize)
        g->bigsize = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, hc_free);
    g_hash_table_replace(g->bigsize, GUINT_TO_POINTER(id), cell);
    g->size[id] = HC_SIZE_BIG;
    return TRUE;
}

const uint32_t *hc_graph_edges(const hc_graph *g, uint32_t id, uint32_t *count)
{
    uint64_t at = hc_graph_edge_at(g, id);
    *count = (uint32_t)(hc_graph_edge_at(g, id + 1) - at);
    return g->edges + at;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

uint32_t hc_graph_owner(const hc_graph *g, uint32_t id)
{
    uint32_t lo = 0, hi = g->nowners;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        uint32_t d = (uint32_t)(g->owners[mid] >> 32);
        if (d < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < g->nowners && (uint32_t)(g->owners[lo] >> 32) == id)
        return (uint32_t)g->owners[lo];
    return HC_NONE;
}

/* Sort pairs a[0..n) by their high 32 bits (the dict id), stably: a least-significant-digit
 * radix sort, one byte a pass, through tmp; the passes whose byte is the same in every pair
 * are skipped (ids below 2^24 need three). */
static void sort_by_dict(uint64_t *a, uint64_t *tmp, uint32_t n)
{
    static const int shifts[4] = {32, 40, 48, 56};
    uint32_t count[4][256] = {{0}};
    for (uint32_t i = 0; i < n; i++)
        for (int p = 0; p < 4; p++)
            count[p][(a[i] >> shifts[p]) & 255]++;
    uint64_t *from = a, *to = tmp;
    for (int p = 0; p < 4; p++) {
        if (count[p][(a[0] >> shifts[p]) & 255] == n)
            continue; /* one value of this byte: nothing moves */
        uint32_t at[256], sum = 0;
        for (int b = 0; b < 256; b++) {
            at[b] = sum;
            sum += count[p][b];
        }
        for (uint32_t i = 0; i < n; i++)
            to[at[(from[i] >> shifts[p]) & 255]++] = from[i];
        uint64_t *t = from;
        from = to;
        to = t;
    }
    if (from != a)
        memcpy(a, from, (size_t)n * sizeof *a);
}

/* Sort the ownership pairs by dict and keep each dict's smallest owner id (walk.c calls
 * this).  They come from pass 2 in owner order, one list per thread: already sorted by dict
 * when dicts follow their owners in memory, as they usually do; else a radix sort (a qsort
 * of 1 M pairs took 40 ms, the radix sort about a quarter of that). */
void hc_graph_sort_owners(hc_graph *g);
void hc_graph_sort_owners(hc_graph *g)
{
    uint32_t n = g->nowners;
    uint64_t *a = g->owners;
    if (n == 0)
        return;
    gboolean sorted = TRUE;
    for (uint32_t i = 1; i < n && sorted; i++)
        sorted = a[i - 1] <= a[i];
    if (!sorted) {
        uint64_t *tmp = n >= 1024 ? hc_try_malloc((size_t)n * sizeof *tmp) : NULL;
        if (tmp)
            sort_by_dict(a, tmp, n);
        else
            qsort(a, n, sizeof *a, cmp_u64); /* small, or out of memory */
        hc_free(tmp);
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (k > 0 && (a[k - 1] >> 32) == (a[i] >> 32)) {
            if (a[i] < a[k - 1]) /* the radix sort keeps owners in arrival order */
                a[k - 1] = a[i];
        } else {
            a[k++] = a[i];
        }
    }
    g->nowners = k;
}

uint32_t hc_graph_sizeof_failures(const hc_graph *g)
{
    return g->sizeof_failures;
}
void hc_graph_set_sizeof_failures(hc_graph *g, uint32_t n)
{
    g->sizeof_failures = n;
}

uint32_t hc_graph_ntypes(const hc_graph *g)
{
    return g->ntypes;
}
uintptr_t hc_graph_type_key(const hc_graph *g, uint32_t t)
{
    return g->types[t].key;
}
uint32_t hc_graph_type_node(const hc_graph *g, uint32_t t)
{
    return g->types[t].node;
}
uint32_t hc_graph_type_flags(const hc_graph *g, uint32_t t)
{
    return g->types[t].flags;
}

const char *hc_graph_type_name(const hc_graph *g, uint32_t t)
{
    return g->types[t].name ? g->types[t].name : "";
}

void hc_graph_set_type_name(hc_graph *g, uint32_t t, const char *name)
{
    g_return_if_fail(t < g->ntypes);
    if (!hc_graph_in_pool(g, g->types[t].name))
        g_free(g->types[t].name);
    g->types[t].name = g_strdup(name);
}

void hc_graph_set_node_name(hc_graph *g, uint32_t id, const char *name)
{
    g_return_if_fail(id < g->n && !g->pool); /* a loaded graph's names are pooled */
    if (!g->names)
        g->names = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    g_hash_table_replace(g->names, GUINT_TO_POINTER(id), g_strdup(name));
}

void hc_graph_set_pooled_names(hc_graph *g, uint64_t *pnames, uint32_t npnames)
{
    hc_free(g->pnames);
    qsort(pnames, npnames, sizeof *pnames, cmp_u64);
    g->pnames = pnames;
    g->npnames = npnames;
}

const char *hc_graph_node_name(const hc_graph *g, uint32_t id)
{
    if (g->pnames) { /* the first pair of id: a lower bound */
        size_t lo = 0, hi = g->npnames;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if ((g->pnames[mid] >> 32) < id)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo < g->npnames && (g->pnames[lo] >> 32) == id ? g->pool + (uint32_t)g->pnames[lo] : NULL;
    }
    return g->names ? g_hash_table_lookup(g->names, GUINT_TO_POINTER(id)) : NULL;
}

uint32_t hc_graph_nroots(const hc_graph *g)
{
    return g->nroots;
}
uint32_t hc_graph_root_id(const hc_graph *g, uint32_t r)
{
    return g->roots[r].id;
}
const char *hc_graph_root_label(const hc_graph *g, uint32_t r)
{
    return g->pool ? g->pool + g->roots[r].label : g->labels->str + g->roots[r].label;
}

size_t hc_graph_memory(const hc_graph *g)
{
    size_t n = g->n;
    size_t m = n * (sizeof *g->addr + sizeof *g->type + sizeof *g->size + sizeof *g->flags) +
               (n + 1) * sizeof *g->offsets + (n / HC_OBASE_SPAN + 1) * sizeof *g->obase +
               hc_graph_nedges(g) * sizeof *g->edges + g->ntypes * sizeof *g->types + g->nroots * sizeof *g->roots +
               g->nowners * sizeof *g->owners + (g->labels ? g->labels->allocated_len : 0) + g->pool_len +
               (size_t)g->npnames * sizeof *g->pnames;
    return m;
}

uint64_t hc_graph_lost_edges(const hc_graph *g)
{
    return g->lost_edges;
}
uint64_t hc_graph_prefaulted(const hc_graph *g)
{
    return g->prefaulted;
}

void hc_graph_walk_times(const hc_graph *g, double out[HC_WALK_PHASES])
{
    memcpy(out, g->walk_s, sizeof g->walk_s);
}

/* First id in [lo, hi) whose address is >= addr (the range must be one sorted part). */
static uint32_t lower_bound(const hc_graph *g, uint32_t lo, uint32_t hi, uintptr_t addr)
{
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->addr[mid] < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The id range [*lo, *hi) of g that holds addr's kind of node: real, or virtual (tagged). */
static void part_of(const hc_graph *g, uintptr_t addr, uint32_t *lo, uint32_t *hi)
{
    gboolean virt = hc_addr_is_tagged(addr);
    *lo = virt ? g->nreal : 0;
    *hi = virt ? g->n : g->nreal;
}

uint32_t hc_graph_lookup(const hc_graph *g, uintptr_t addr)
{
    uint32_t lo, hi;
    part_of(g, addr, &lo, &hi);
    uint32_t i = lower_bound(g, lo, hi, addr);
    return i < hi && g->addr[i] == addr ? i : HC_NONE;
}

void hc_graph_match(const hc_graph *ga, const uint32_t *ids, uint32_t n, const hc_graph *gb, uint32_t *out)
{
    uint32_t at = 0; /* where the previous search ended */
    for (uint32_t k = 0; k < n; k++) {
        uintptr_t addr = ga->addr[ids[k]];
        uint32_t lo, hi;
        part_of(gb, addr, &lo, &hi);
        if (at < lo || at > hi || (at > lo && gb->addr[at - 1] >= addr))
            at = lo; /* another part, or ids out of order: search the whole part */
        /* Gallop from `at` to bracket the answer, then binary-search the bracket. */
        uint64_t probe = at, step = 1;
        while (probe < hi && gb->addr[probe] < addr) {
            at = (uint32_t)probe + 1;
            probe += step;
            step *= 2;
        }
        uint32_t i = lower_bound(gb, at, probe < hi ? (uint32_t)probe + 1 : hi, addr);
        out[k] = i < hi && gb->addr[i] == addr ? i : HC_NONE;
        at = i;
    }
}

gboolean hc_graph_validate(const hc_graph *g, GError **error)
{
#define FAIL(...)                                                    \
    do {                                                             \
        g_set_error(error, HC_ERROR, HC_ERROR_INVALID, __VA_ARGS__); \
        return FALSE;                                                \
    } while (0)
    if (g->n && (!g->addr || !g->type || !g->size || !g->flags || !g->offsets || !g->obase))
        FAIL("missing column");
    if (g->offsets && g->obase && hc_graph_edge_at(g, 0) != 0)
        FAIL("the first edge is at %" G_GUINT64_FORMAT, hc_graph_edge_at(g, 0));
    for (uint64_t s = 0; g->offsets && g->obase && s <= g->n; s += HC_OBASE_SPAN)
        if (g->offsets[s] != 0)
            FAIL("offset of span start %" G_GUINT64_FORMAT " is %u", s, g->offsets[s]);
    if (g->nreal > g->n)
        FAIL("%u real nodes of %u", g->nreal, g->n);
    for (uint32_t i = 0; i < g->n; i++) {
        if (hc_addr_is_tagged(g->addr[i]) != (i >= g->nreal))
            FAIL("node %u: address %#" G_GINTPTR_MODIFIER "x in the wrong part", i, g->addr[i]);
        if (i + 1 < g->n && i + 1 != g->nreal && g->addr[i] >= g->addr[i + 1])
            FAIL("addresses not increasing at node %u", i);
        if (hc_graph_edge_at(g, i + 1) < hc_graph_edge_at(g, i))
            FAIL("offsets decrease at node %u", i);
        if (g->type[i] >= g->ntypes)
            FAIL("node %u has type %u of %u", i, g->type[i], g->ntypes);
        if ((g->flags[i] & HC_NODE_HIDDEN) && hc_graph_edge_at(g, i + 1) != hc_graph_edge_at(g, i))
            FAIL("hidden node %u has edges", i);
        if (((g->flags[i] & HC_NODE_VIRTUAL) != 0) != ((g->types[g->type[i]].flags & HC_TYPE_VIRTUAL) != 0))
            FAIL("node %u: virtual flag disagrees with its type", i);
    }
    uint64_t ne = hc_graph_nedges(g);
    for (uint64_t e = 0; e < ne; e++)
        if (g->edges[e] >= g->n)
            FAIL("edge %" G_GUINT64_FORMAT " targets %u of %u nodes", e, g->edges[e], g->n);
    for (uint32_t r = 0; r < g->nroots; r++) {
        if (g->roots[r].id >= g->n)
            FAIL("root %u names node %u of %u", r, g->roots[r].id, g->n);
        if (!(g->flags[g->roots[r].id] & HC_NODE_ROOT))
            FAIL("root %u names node %u without the root flag", r, g->roots[r].id);
    }
    for (uint32_t k = 0; k < g->nowners; k++) {
        if ((g->owners[k] >> 32) >= g->n || (uint32_t)g->owners[k] >= g->n)
            FAIL("ownership pair %u out of range", k);
        if (k && g->owners[k - 1] >> 32 >= g->owners[k] >> 32)
            FAIL("ownership pairs not sorted at %u", k);
    }
    for (uint32_t t = 0; t < g->ntypes; t++)
        if (g->types[t].node != HC_NONE && g->types[t].node >= g->n)
            FAIL("type %u names node %u of %u", t, g->types[t].node, g->n);
    return TRUE;
#undef FAIL
}
