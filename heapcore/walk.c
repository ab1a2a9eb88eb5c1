/* heapcore/walk.c — the BFS walk that builds a snapshot graph from an hc_model.
 *
 * Invariants: ids 0..g->n-1 are exactly the addresses in the map; nodes < w->next have been
 * expanded (or deferred, for hidden-typed nodes met in normal mode) in id order, so
 * g->offsets[0..w->next] are final; hidden nodes record no edges, which keeps the CSR in id
 * order even though deferred nodes are expanded late. */
#include "heapcore/walk.h"

#include <string.h>

#include "graph_private.h"
#include "heapcore/error.h"

void hc_graph_sort_owners(hc_graph *g); /* graph.c */

struct hc_walk {
    const hc_model *model;
    hc_graph *g;
    size_t cap;          /* node capacity of the columns              */
    size_t ecap;         /* edge capacity                             */
    size_t tcap;         /* type table capacity                       */
    size_t ocap;         /* ownership pair capacity                   */
    size_t rcap;         /* root record capacity                      */
    hc_addrmap map;      /* address -> id                             */
    uint32_t next;       /* next node to expand                       */
    uint32_t types_checked; /* types whose object is known to be a node */
    uint32_t last_tidx;  /* one-entry cache for type lookups           */
    uintptr_t *buf;      /* referents of the node being expanded      */
    size_t nbuf, bufcap;
    uintptr_t *dicts;    /* its __dict__ (usually 0 or 1 entries)     */
    size_t ndicts, dictcap;
    uint32_t *deferred;  /* hidden-typed nodes met in normal mode     */
    size_t ndeferred, defcap;
    uintptr_t *cand;     /* complement candidates                     */
    size_t ncand, candcap;
    uint8_t root_flags;  /* extra flags for nodes added by add_root   */
    GError *error;       /* sticky: first failure                     */
};

static void fail_nomem(hc_walk *w, const char *what)
{
    if (!w->error)
        g_set_error(&w->error, HC_ERROR, HC_ERROR_NOMEM, "out of memory growing %s", what);
}

/* Grow *p (elements of `size` bytes, capacity *cap) to hold at least `need`. */
static gboolean grow(hc_walk *w, void **p, size_t *cap, size_t need, size_t size, const char *what)
{
    if (need <= *cap)
        return TRUE;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c = c < ((size_t)1 << 20) ? c * 2 : c + c / 2;
    void *q = hc_try_reallocarray(*p, c, size);
    if (!q) {
        fail_nomem(w, what);
        return FALSE;
    }
    *p = q;
    *cap = c;
    return TRUE;
}

/* Room for `more` new nodes (columns and map). */
static gboolean reserve_nodes(hc_walk *w, size_t more)
{
    hc_graph *g = w->g;
    size_t need = (size_t)g->n + more;
    if (need >= UINT32_MAX - 1) {
        if (!w->error)
            g_set_error(&w->error, HC_ERROR, HC_ERROR_LIMIT, "more than 2^32-2 objects");
        return FALSE;
    }
    if (need + 1 > w->cap) {
        size_t c = w->cap ? w->cap : 1024;
        while (c < need + 1)
            c = c < ((size_t)1 << 22) ? c * 2 : c + c / 2;
        void *a = hc_try_reallocarray(g->addr, c, sizeof *g->addr);
        if (a) g->addr = a;
        void *t = a ? hc_try_reallocarray(g->type, c, sizeof *g->type) : NULL;
        if (t) g->type = t;
        void *s = t ? hc_try_reallocarray(g->size, c, sizeof *g->size) : NULL;
        if (s) g->size = s;
        void *f = s ? hc_try_reallocarray(g->flags, c, sizeof *g->flags) : NULL;
        if (f) g->flags = f;
        void *o = f ? hc_try_reallocarray(g->offsets, c + 1, sizeof *g->offsets) : NULL;
        if (o) g->offsets = o;
        if (!o) {
            fail_nomem(w, "the node columns");
            return FALSE;
        }
        w->cap = c;
    }
    if (!hc_addrmap_reserve(&w->map, g->addr, (uint32_t)more, w->error ? NULL : &w->error))
        return FALSE;
    return TRUE;
}

/* The id of addr, adding it (with `flags`) if it is new.  Capacity must be reserved. */
static inline uint32_t intern(hc_walk *w, uintptr_t addr, uint8_t flags)
{
    hc_graph *g = w->g;
    uint32_t n = g->n;
    g->addr[n] = addr;
    uint32_t id = hc_addrmap_get_or_put(&w->map, g->addr, addr, n);
    if (id != HC_NONE)
        return id;
    g->flags[n] = flags;
    g->type[n] = HC_NONE;
    g->size[n] = 0;
    g->n = n + 1;
    return n;
}

/* The type index of key, adding a type table entry if it is new. */
static uint32_t type_index(hc_walk *w, uintptr_t key)
{
    hc_graph *g = w->g;
    if (w->last_tidx < g->ntypes && g->types[w->last_tidx].key == key)
        return w->last_tidx;
    /* Types are few (hundreds to a few thousand): a linear scan from a small hash bucket
     * would be faster, but the one-entry cache already hits most of the time on real heaps;
     * fall back to a scan and measure before doing better. */
    for (uint32_t t = 0; t < g->ntypes; t++)
        if (g->types[t].key == key)
            return w->last_tidx = t;
    if (!grow(w, (void **)&g->types, &w->tcap, (size_t)g->ntypes + 1, sizeof *g->types, "the type table"))
        return HC_NONE;
    hc_type *ty = &g->types[g->ntypes];
    memset(ty, 0, sizeof *ty);
    ty->key = key;
    ty->node = HC_NONE;
    ty->flags = w->model->type_init(w->model->ctx, key, &ty->data);
    return w->last_tidx = g->ntypes++;
}

void hc_walk_visit(hc_walk *w, uintptr_t addr)
{
    if (w->nbuf == w->bufcap &&
        !grow(w, (void **)&w->buf, &w->bufcap, w->nbuf + 1, sizeof *w->buf, "the referent buffer"))
        return;
    w->buf[w->nbuf++] = addr;
}

void hc_walk_visit_dict(hc_walk *w, uintptr_t addr)
{
    if (!grow(w, (void **)&w->dicts, &w->dictcap, w->ndicts + 1, sizeof *w->dicts, "the dict buffer"))
        return;
    w->dicts[w->ndicts++] = addr;
}

uint32_t hc_walk_count(const hc_walk *w) { return w->g->n; }

void hc_walk_add_candidate(hc_walk *w, uintptr_t addr)
{
    if (hc_addrmap_get(&w->map, w->g->addr, addr) != HC_NONE)
        return;
    if (!grow(w, (void **)&w->cand, &w->candcap, w->ncand + 1, sizeof *w->cand, "the candidate list"))
        return;
    w->cand[w->ncand++] = addr;
}

void hc_walk_add_root(hc_walk *w, uintptr_t addr, const char *label)
{
    hc_graph *g = w->g;
    if (w->error || !reserve_nodes(w, 1))
        return;
    if (!grow(w, (void **)&g->roots, &w->rcap, (size_t)g->nroots + 1, sizeof *g->roots, "the root table"))
        return;
    uint32_t id = intern(w, addr, w->root_flags);
    g->flags[id] |= HC_NODE_ROOT;
    g->roots[g->nroots].id = id;
    g->roots[g->nroots].label = (uint32_t)g->labels->len;
    g_string_append_len(g->labels, label ? label : "", (gssize)strlen(label ? label : "") + 1);
    g->nroots++;
}

static gboolean push_deferred(hc_walk *w, uint32_t id)
{
    if (!grow(w, (void **)&w->deferred, &w->defcap, w->ndeferred + 1, sizeof *w->deferred, "the deferred list"))
        return FALSE;
    w->deferred[w->ndeferred++] = id;
    return TRUE;
}

/* Expand node i: type, size, referents, edges.  `force` expands a hidden-typed node whose
 * expansion was deferred. */
static void expand_node(hc_walk *w, uint32_t i, gboolean force)
{
    hc_graph *g = w->g;
    const hc_model *m = w->model;
    uintptr_t addr = g->addr[i];
    uintptr_t key = m->type_of(m->ctx, addr);
    uint32_t t = type_index(w, key);
    if (t == HC_NONE)
        return;
    g->type[i] = t;
    uint32_t tflags = g->types[t].flags;
    if (tflags & HC_TYPE_VIRTUAL)
        g->flags[i] |= HC_NODE_VIRTUAL;
    if ((tflags & HC_TYPE_HIDDEN) && !force) {
        g->flags[i] |= HC_NODE_HIDDEN;
        push_deferred(w, i);
        return;
    }
    w->nbuf = 0;
    w->ndicts = 0;
    uint64_t size = 0;
    uint32_t nflags = 0;
    m->expand(m->ctx, w, addr, key, g->types[t].data, &size, &nflags);
    if (tflags & HC_TYPE_SIZECALL)
        nflags |= HC_NODE_SIZECALL;
    g->flags[i] |= (uint8_t)nflags;
    if (size >= HC_SIZE_BIG) {
        if (!hc_graph_set_size(g, i, size, w->error ? NULL : &w->error))
            return;
    } else {
        g->size[i] = (uint32_t)size;
    }
    if (w->error || !reserve_nodes(w, w->nbuf + w->ndicts))
        return;
    gboolean hidden = (g->flags[i] & HC_NODE_HIDDEN) != 0;
    uint8_t inherit = g->flags[i] & (HC_NODE_HIDDEN | HC_NODE_UNREACH);
    for (size_t j = 0; j < w->nbuf; j++)
        hc_addrmap_prefetch(&w->map, w->buf[j]);
    if (hidden) {
        for (size_t j = 0; j < w->nbuf; j++)
            intern(w, w->buf[j], inherit);
        return;
    }
    if (!grow(w, (void **)&g->edges, &w->ecap, g->offsets[i] + w->nbuf, sizeof *g->edges, "the edge array"))
        return;
    uint32_t *e = g->edges + g->offsets[i];
    for (size_t j = 0; j < w->nbuf; j++)
        e[j] = intern(w, w->buf[j], inherit);
    g->offsets[i + 1] = g->offsets[i] + w->nbuf;
    for (size_t j = 0; j < w->ndicts; j++) {
        uint32_t d = intern(w, w->dicts[j], inherit);
        if (!grow(w, (void **)&g->owners, &w->ocap, (size_t)g->nowners + 1, sizeof *g->owners, "the ownership pairs"))
            return;
        g->owners[g->nowners++] = (uint64_t)d << 32 | i;
    }
}

/* Add as nodes the type objects that no edge has reached (only ob_type leads to them). */
static void add_type_nodes(hc_walk *w)
{
    hc_graph *g = w->g;
    for (; w->types_checked < g->ntypes && !w->error; w->types_checked++) {
        hc_type *ty = &g->types[w->types_checked];
        if (ty->flags & (HC_TYPE_VIRTUAL | HC_TYPE_NOOBJ))
            continue;
        if (!reserve_nodes(w, 1))
            return;
        intern(w, ty->key, 0);
    }
}

/* Expand every pending node, in id order, then any type objects that became known. */
static void drain(hc_walk *w)
{
    hc_graph *g = w->g;
    while (!w->error) {
        while (w->next < g->n && !w->error) {
            uint32_t i = w->next++;
            g->offsets[i + 1] = g->offsets[i];
            if (w->next + 8 < g->n)
                __builtin_prefetch((const void *)(g->addr[w->next + 8] & ~(uintptr_t)7));
            expand_node(w, i, FALSE);
        }
        uint32_t before = g->n;
        add_type_nodes(w);
        if (g->n == before)
            return;
    }
}

/* Expand the deferred hidden nodes (their referents become hidden), and what they reach. */
static void drain_deferred(hc_walk *w)
{
    while (w->ndeferred && !w->error) {
        uint32_t d = w->deferred[--w->ndeferred];
        expand_node(w, d, TRUE);
        drain(w);
    }
}

static void complement(hc_walk *w)
{
    hc_graph *g = w->g;
    const hc_model *m = w->model;
    if (!m->complement)
        return;
    m->complement(m->ctx, w);
    /* The observer's own objects first, so that what only they reach is hidden, not a leak. */
    for (size_t k = 0; k < w->ncand && !w->error; k++) {
        uintptr_t a = w->cand[k];
        uint32_t t = type_index(w, m->type_of(m->ctx, a));
        if (t == HC_NONE || !(g->types[t].flags & HC_TYPE_HIDDEN))
            continue;
        if (!reserve_nodes(w, 1))
            return;
        uint32_t before = g->n;
        intern(w, a, HC_NODE_HIDDEN | HC_NODE_UNREACH);
        if (g->n != before)
            drain(w);
    }
    drain_deferred(w);
    for (size_t k = 0; k < w->ncand && !w->error; k++) {
        if (!reserve_nodes(w, 1))
            return;
        uint32_t before = g->n;
        intern(w, w->cand[k], HC_NODE_COMPLEMENT | HC_NODE_UNREACH);
        if (g->n == before)
            continue;
        drain(w);
        drain_deferred(w);
    }
}

static void walk_free(hc_walk *w)
{
    hc_addrmap_clear(&w->map);
    hc_free(w->buf);
    hc_free(w->dicts);
    hc_free(w->deferred);
    hc_free(w->cand);
}

/* Shrink a column to its final length (failure to shrink is harmless). */
static void *shrink(void *p, size_t n, size_t size)
{
    void *q = hc_try_reallocarray(p, n ? n : 1, size);
    return q ? q : p;
}

hc_graph *hc_walk_run(const hc_model *model, uint32_t expected, GError **error)
{
    g_return_val_if_fail(model && model->type_of && model->type_init && model->expand && model->roots, NULL);
    hc_walk w = {0};
    w.model = model;
    w.last_tidx = HC_NONE;
    w.g = hc_graph_alloc();
    if (!w.g || !hc_addrmap_init(&w.map, expected ? expected : 1024, error)) {
        if (w.g)
            hc_graph_unref(w.g);
        else
            g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory starting a walk");
        return NULL;
    }
    hc_graph *g = w.g;
    g->labels = g_string_new(NULL);
    if (reserve_nodes(&w, expected ? expected : 1024))
        g->offsets[0] = 0;

    model->roots(model->ctx, &w);            /* phase 1 */
    drain(&w);
    drain_deferred(&w);                      /* phase 2 */
    if (model->extra_roots && !w.error) {    /* phase 3 */
        model->extra_roots(model->ctx, &w);
        drain(&w);
        drain_deferred(&w);
    }
    if (!w.error)
        complement(&w);                      /* phase 4 */

    if (w.error) {
        g_propagate_error(error, w.error);
        walk_free(&w);
        hc_graph_unref(g);
        return NULL;
    }
    for (uint32_t t = 0; t < g->ntypes; t++)
        g->types[t].node = (g->types[t].flags & (HC_TYPE_VIRTUAL | HC_TYPE_NOOBJ))
                               ? HC_NONE
                               : hc_addrmap_get(&w.map, g->addr, g->types[t].key);
    walk_free(&w);
    size_t n = g->n;
    g->addr = shrink(g->addr, n, sizeof *g->addr);
    g->type = shrink(g->type, n, sizeof *g->type);
    g->size = shrink(g->size, n, sizeof *g->size);
    g->flags = shrink(g->flags, n, sizeof *g->flags);
    g->offsets = shrink(g->offsets, n + 1, sizeof *g->offsets);
    g->edges = shrink(g->edges, g->offsets[n], sizeof *g->edges);
    hc_graph_sort_owners(g);
    return g;
}
