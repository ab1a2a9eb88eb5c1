/* heapcore/idset.c — sorted id arrays and their algebra (linear merges). */
#include "heapcore/idset.h"

#include <stdlib.h>
#include <string.h>

#include "graph_private.h"
#include "intern_private.h"
#include "threads.h"
#include "heapcore/error.h"

struct hc_idset {
    gint refcount;
    hc_graph *g;
    uint32_t *ids;
    uint32_t n;
};

static void nomem(GError **error, const char *what)
{
    g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory for %s", what);
}

hc_idset *hc_idset_new_steal(hc_graph *g, uint32_t *ids, uint32_t n, GError **error)
{
    hc_idset *s = hc_try_malloc(sizeof *s);
    if (!s) {
        hc_free(ids);
        nomem(error, "a heap set");
        return NULL;
    }
    s->refcount = 1;
    s->g = hc_graph_ref(g);
    s->ids = ids;
    s->n = n;
    return s;
}

hc_idset *hc_idset_new_copy(hc_graph *g, const uint32_t *ids, size_t n, GError **error)
{
    uint32_t *c = hc_try_malloc((n ? n : 1) * sizeof *c);
    if (!c) {
        nomem(error, "a heap set");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (ids[i] >= g->n) {
            hc_free(c);
            g_set_error(error, HC_ERROR, HC_ERROR_INVALID, "id %u out of range (%u nodes)", ids[i], g->n);
            return NULL;
        }
        c[i] = ids[i];
    }
    qsort(c, n, sizeof *c, hc_cmp_u32);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || c[k - 1] != c[i])
            c[k++] = c[i];
    return hc_idset_new_steal(g, c, (uint32_t)k, error);
}

/* Part [lo, hi) of a selection by flags: count it, or (out set) write its ids from out. */
typedef struct select_job {
    const uint8_t *flags;
    uint32_t lo, hi, require, forbid;
    uint32_t count;
    uint32_t *out;
} select_job;

static void select_part(void *data)
{
    select_job *j = data;
    uint32_t k = 0;
    for (uint32_t i = j->lo; i < j->hi; i++) {
        gboolean in = (j->flags[i] & j->require) == j->require && !(j->flags[i] & j->forbid);
        if (j->out && in) /* nearly every node qualifies: the branch predicts well */
            j->out[k] = i;
        k += in;
    }
    j->count = k;
}

hc_idset *hc_idset_new_flags(hc_graph *g, uint32_t require, uint32_t forbid, GError **error)
{
    /* A big graph's halves run on two threads (threads.h): counts, then ids. */
    gboolean two = hc_parallel_wanted(g->n);
    uint32_t mid = two ? g->n / 2 : g->n;
    select_job a = {g->flags, 0, mid, require, forbid, 0, NULL};
    select_job b = {g->flags, mid, g->n, require, forbid, 0, NULL};
    if (two)
        hc_run_pair(select_part, &a, &b);
    else
        select_part(&a);
    size_t k = (size_t)a.count + b.count;
    uint32_t *ids = hc_try_malloc((k ? k : 1) * sizeof *ids);
    if (!ids) {
        nomem(error, "a heap set");
        return NULL;
    }
    a.out = ids;
    b.out = ids + a.count;
    if (two)
        hc_run_pair(select_part, &a, &b);
    else
        select_part(&a);
    return hc_idset_new_steal(g, ids, (uint32_t)k, error);
}

hc_idset *hc_idset_ref(hc_idset *s)
{
    g_atomic_int_inc(&s->refcount);
    return s;
}

void hc_idset_unref(hc_idset *s)
{
    if (!s || !g_atomic_int_dec_and_test(&s->refcount))
        return;
    hc_graph_unref(s->g);
    hc_free(s->ids);
    hc_free(s);
}

hc_graph *hc_idset_graph(const hc_idset *s)
{
    return s->g;
}
uint32_t hc_idset_count(const hc_idset *s)
{
    return s->n;
}
const uint32_t *hc_idset_ids(const hc_idset *s)
{
    return s->ids;
}

uint64_t hc_idset_size(const hc_idset *s)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < s->n; i++)
        total += hc_graph_size_fast(s->g, s->ids[i]);
    return total;
}

gboolean hc_idset_contains(const hc_idset *s, uint32_t id)
{
    return bsearch(&id, s->ids, s->n, sizeof id, hc_cmp_u32) != NULL;
}

/* The members of small that are in big (both sorted), into out; returns how many.  Each is
 * looked for by galloping from the last one's place: O(|small| log(|big| / |small|)), where a
 * merge reads all of big (x & h.Type(...) on a heap of millions, heap()'s unreachable line). */
static uint32_t intersect_small(const uint32_t *small, uint32_t ns, const uint32_t *big, uint32_t nb, uint32_t *out)
{
    uint32_t k = 0, j = 0;
    for (uint32_t i = 0; i < ns && j < nb; i++) {
        uint32_t x = small[i];
        /* the first place >= x: gallop to bracket it, then bisect [lo, hi) */
        uint32_t lo = j, step = 1, hi = j;
        while (hi < nb && big[hi] < x) {
            lo = hi + 1;
            hi = (nb - hi > step) ? hi + step : nb;
            step *= 2;
        }
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (big[mid] < x)
                lo = mid + 1;
            else
                hi = mid;
        }
        j = lo;
        if (j < nb && big[j] == x)
            out[k++] = x;
    }
    return k;
}

hc_idset *hc_idset_op(const hc_idset *a, const hc_idset *b, hc_setop op, GError **error)
{
    if (a->g != b->g) {
        g_set_error(error, HC_ERROR, HC_ERROR_INVALID, "the sets belong to different snapshots");
        return NULL;
    }
    if (op == HC_SET_AND && (uint64_t)MIN(a->n, b->n) * 16 < MAX(a->n, b->n)) {
        const hc_idset *sm = a->n < b->n ? a : b, *bg = sm == a ? b : a;
        uint32_t *out = hc_try_malloc((sm->n ? sm->n : 1) * sizeof *out);
        if (!out) {
            nomem(error, "a heap set");
            return NULL;
        }
        uint32_t k = intersect_small(sm->ids, sm->n, bg->ids, bg->n, out);
        return hc_idset_new_steal(a->g, out, k, error);
    }
    size_t cap = op == HC_SET_AND ? MIN(a->n, b->n) : op == HC_SET_SUB ? a->n : (size_t)a->n + b->n;
    uint32_t *out = hc_try_malloc((cap ? cap : 1) * sizeof *out);
    if (!out) {
        nomem(error, "a heap set");
        return NULL;
    }
    uint32_t i = 0, j = 0, k = 0;
    while (i < a->n && j < b->n) {
        uint32_t x = a->ids[i], y = b->ids[j];
        if (x < y) {
            if (op != HC_SET_AND)
                out[k++] = x;
            i++;
        } else if (y < x) {
            if (op == HC_SET_OR || op == HC_SET_XOR)
                out[k++] = y;
            j++;
        } else {
            if (op == HC_SET_OR || op == HC_SET_AND)
                out[k++] = x;
            i++;
            j++;
        }
    }
    if (op != HC_SET_AND)
        while (i < a->n)
            out[k++] = a->ids[i++];
    if (op == HC_SET_OR || op == HC_SET_XOR)
        while (j < b->n)
            out[k++] = b->ids[j++];
    return hc_idset_new_steal(a->g, out, k, error);
}

gboolean hc_idset_subset(const hc_idset *a, const hc_idset *b)
{
    if (a->g != b->g)
        return a->n == 0;
    uint32_t j = 0;
    for (uint32_t i = 0; i < a->n; i++) {
        while (j < b->n && b->ids[j] < a->ids[i])
            j++;
        if (j == b->n || b->ids[j] != a->ids[i])
            return FALSE;
    }
    return TRUE;
}

gboolean hc_idset_equal(const hc_idset *a, const hc_idset *b)
{
    if (a->n != b->n)
        return FALSE;
    if (a->n == 0)
        return TRUE;
    return a->g == b->g && memcmp(a->ids, b->ids, (size_t)a->n * sizeof *a->ids) == 0;
}

hc_idset *hc_idset_sub_foreign(const hc_idset *a, const hc_idset *b, GError **error)
{
    return hc_idset_sub_foreign_with(a, b, NULL, NULL, error);
}

hc_idset *hc_idset_sub_foreign_with(const hc_idset *a, const hc_idset *b, hc_same_object_fn same_fn, void *ctx,
                                    GError **error)
{
    const hc_graph *ga = a->g;
    hc_graph *gb = b->g;
    uint32_t *out = hc_try_malloc((a->n ? a->n : 1) * sizeof *out);
    if (!out) {
        nomem(error, "a heap set");
        return NULL;
    }
    /* out[] first holds each member's match in gb, then (compacted in place, k <= i) the
     * members without one. */
    hc_graph_match(ga, a->ids, a->n, gb, out);
    uint32_t k = 0;
    for (uint32_t i = 0; i < a->n; i++) {
        uint32_t id = a->ids[i];
        uint32_t other = out[i];
        gboolean same = other != HC_NONE && gb->types[gb->type[other]].key == ga->types[ga->type[id]].key &&
                        hc_idset_contains(b, other);
        if (same && same_fn)
            same = same_fn(ctx, ga->addr[id], ga->types[ga->type[id]].key);
        if (!same)
            out[k++] = id;
    }
    return hc_idset_new_steal(a->g, out, k, error);
}
