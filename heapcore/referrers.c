/* heapcore/referrers.c — the reverse CSR of a snapshot graph (see referrers.h). */
#include "heapcore/referrers.h"

#include "graph_private.h"
#include "heapcore/error.h"

struct hc_referrers {
    hc_graph *g;
    uint32_t *off;  /* [n+1] list start relative to base[i >> HC_OBASE_SHIFT] */
    uint64_t *base; /* [n / HC_OBASE_SPAN + 2] */
    uint32_t *src;  /* [nedges kept] sources */
    uint64_t nsrc;
};

static inline uint64_t start_of(const hc_referrers *r, uint32_t i)
{
    return r->base[i >> HC_OBASE_SHIFT] + r->off[i];
}

hc_referrers *hc_referrers_new(hc_graph *g, GError **error)
{
    uint32_t n = g->n;
    hc_referrers *r = hc_try_calloc(1, sizeof *r);
    if (!r || !(r->off = hc_try_calloc_mapped((size_t)n + 1, sizeof *r->off)) ||
        !(r->base = hc_try_calloc((size_t)(n >> HC_OBASE_SHIFT) + 2, sizeof *r->base)))
        goto nomem;
    /* In-degrees (from visible sources), counted into off[]. */
    for (uint32_t s = 0; s < n; s++) {
        if (hc_graph_hidden_fast(g, s))
            continue;
        uint32_t ne;
        const uint32_t *e = hc_graph_edges(g, s, &ne);
        for (uint32_t k = 0; k < ne; k++)
            r->off[e[k]]++;
    }
    /* off[t] becomes the end of t's list relative to its block's base (the start of the
     * block's first list); the fill below moves each end down to its start. */
    uint64_t total = 0;
    for (uint32_t t = 0; t <= n; t++) {
        if ((t & (HC_OBASE_SPAN - 1)) == 0)
            r->base[t >> HC_OBASE_SHIFT] = total;
        if (t < n)
            total += r->off[t];
        r->off[t] = (uint32_t)(total - r->base[t >> HC_OBASE_SHIFT]);
    }
    r->nsrc = total;
    if (!(r->src = hc_try_malloc_mapped((size_t)(total ? total : 1) * sizeof *r->src)))
        goto nomem;
    for (uint32_t s = n; s-- > 0;) {
        if (hc_graph_hidden_fast(g, s))
            continue;
        uint32_t ne;
        const uint32_t *e = hc_graph_edges(g, s, &ne);
        for (uint32_t k = ne; k-- > 0;) {
            uint32_t t = e[k];
            r->src[r->base[t >> HC_OBASE_SHIFT] + --r->off[t]] = s;
        }
    }
    r->g = hc_graph_ref(g);
    return r;
nomem:
    hc_referrers_free(r);
    g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory building the referrers");
    return NULL;
}

void hc_referrers_free(hc_referrers *r)
{
    if (!r)
        return;
    hc_graph_unref(r->g);
    hc_free(r->off);
    hc_free(r->base);
    hc_free(r->src);
    hc_free(r);
}

const uint32_t *hc_referrers_of(const hc_referrers *r, uint32_t id, uint32_t *count)
{
    if (id >= r->g->n) {
        *count = 0;
        return NULL;
    }
    uint64_t a = start_of(r, id), b = start_of(r, id + 1);
    *count = (uint32_t)(b - a);
    return r->src + a;
}

size_t hc_referrers_memory(const hc_referrers *r)
{
    return ((size_t)r->g->n + 1) * sizeof *r->off + ((size_t)(r->g->n >> HC_OBASE_SHIFT) + 2) * sizeof *r->base +
           (size_t)r->nsrc * sizeof *r->src;
}

/* Gather into a growable array; the set sorts and deduplicates. */
typedef struct {
    uint32_t *v;
    size_t n, cap;
} gather;

static gboolean gather_add(gather *a, const uint32_t *p, uint32_t k, const hc_graph *g, gboolean skip_hidden)
{
    if (a->n + k > a->cap) {
        size_t cap = a->cap ? a->cap : 1024;
        while (cap < a->n + k)
            cap *= 2;
        uint32_t *v = hc_try_reallocarray(a->v, cap, sizeof *v);
        if (!v)
            return FALSE;
        a->v = v;
        a->cap = cap;
    }
    for (uint32_t i = 0; i < k; i++)
        if (!skip_hidden || !hc_graph_hidden_fast(g, p[i]))
            a->v[a->n++] = p[i];
    return TRUE;
}

static hc_idset *gathered(hc_graph *g, gather *a, gboolean ok, GError **error, const char *what)
{
    if (!ok) {
        hc_free(a->v);
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory finding %s", what);
        return NULL;
    }
    hc_idset *s = hc_idset_new_copy(g, a->v, a->n, error);
    hc_free(a->v);
    return s;
}

hc_idset *hc_referrers_set(const hc_referrers *r, const hc_idset *s, GError **error)
{
    gather a = {0};
    gboolean ok = TRUE;
    const uint32_t *ids = hc_idset_ids(s);
    for (uint32_t i = 0, n = hc_idset_count(s); ok && i < n; i++) {
        uint32_t k;
        const uint32_t *p = hc_referrers_of(r, ids[i], &k);
        ok = gather_add(&a, p, k, r->g, FALSE);
    }
    return gathered(r->g, &a, ok, error, "referrers");
}

hc_idset *hc_referents_set(const hc_idset *s, GError **error)
{
    hc_graph *g = hc_idset_graph(s);
    gather a = {0};
    gboolean ok = TRUE;
    const uint32_t *ids = hc_idset_ids(s);
    for (uint32_t i = 0, n = hc_idset_count(s); ok && i < n; i++) {
        uint32_t k;
        const uint32_t *p = hc_graph_edges(g, ids[i], &k);
        ok = gather_add(&a, p, k, g, TRUE);
    }
    return gathered(g, &a, ok, error, "referents");
}
