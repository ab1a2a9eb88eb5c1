/* heapcore/paths.c — breadth-first shortest paths from the roots (see paths.h). */
#include "heapcore/paths.h"

#include "graph_private.h"

#include <string.h>
#include "heapcore/error.h"

#define NIL UINT32_MAX
#define FROM_ROOT (UINT32_MAX - 1) /* parent of a root: the super-root */

struct hc_paths {
    hc_graph *g;
    uint32_t *parent;      /* [n] BFS parent, FROM_ROOT for a start, NIL if not reached */
    uint32_t *depth;       /* [n] the path's length (nodes) where reached: O(1) hc_paths_len */
    guint8 *round;         /* [n] the round that reached the node (hc_allpaths' predecessors) */
    uint64_t *avoid_edges; /* [navoid_edges] sorted HC_PATHS_EDGE()s never followed */
    uint32_t navoid_edges;
    gboolean from_src; /* searched from hc_paths_opts.src, not the roots */
};

/* The position of label in skip (NULL-terminated), or -1. */
static int skip_index(const char *label, const char *const *skip)
{
    for (int i = 0; skip && skip[i]; i++)
        if (strcmp(label, skip[i]) == 0)
            return i;
    return -1;
}

/* Whether label starts with one of late's prefixes (NULL-terminated; may be NULL). */
static int is_late(const char *label, const char *const *late)
{
    for (int i = 0; late && late[i]; i++)
        if (strncmp(label, late[i], strlen(late[i])) == 0)
            return 1;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Whether the edge from -> to is one p never follows. */
static gboolean edge_avoided(const hc_paths *p, uint32_t from, uint32_t to)
{
    uint64_t key = HC_PATHS_EDGE(from, to);
    return p->navoid_edges && bsearch(&key, p->avoid_edges, p->navoid_edges, sizeof key, cmp_u64);
}

hc_paths *hc_paths_new(hc_graph *g, const uint32_t *targets, uint32_t n, const char *const *skip, GError **error)
{
    hc_paths_opts o = {.skip = skip};
    return hc_paths_new_opts(g, targets, n, &o, error);
}

hc_paths *hc_paths_new_late(hc_graph *g, const uint32_t *targets, uint32_t n, const char *const *late,
                            const char *const *skip, GError **error)
{
    hc_paths_opts o = {.late = late, .skip = skip};
    return hc_paths_new_opts(g, targets, n, &o, error);
}

enum { WANT = 1, AVOID = 2 }; /* mark bits */

hc_paths *hc_paths_new_opts(hc_graph *g, const uint32_t *targets, uint32_t n, const hc_paths_opts *o, GError **error)
{
    static const hc_paths_opts none = {0};
    o = o ? o : &none;
    const char *const *late = o->late, *const *skip = o->skip;
    uint32_t nn = g->n;
    hc_paths *p = hc_try_calloc(1, sizeof *p);
    uint32_t *queue = hc_try_malloc_mapped(((size_t)nn + 1) * sizeof *queue);
    uint32_t *parent = hc_try_malloc_mapped(((size_t)nn + 1) * sizeof *parent);
    uint32_t *depth = hc_try_malloc_mapped(((size_t)nn + 1) * sizeof *depth);
    guint8 *round_of = hc_try_malloc_mapped((size_t)nn + 1);
    guint8 *mark = hc_try_calloc((size_t)nn + 1, 1); /* a byte per node: WANT, AVOID bits */
    uint64_t *avoid_edges = o->navoid_edges ? hc_try_malloc((size_t)o->navoid_edges * sizeof *avoid_edges) : NULL;
    if (!p || !queue || !parent || !depth || !round_of || !mark || (o->navoid_edges && !avoid_edges)) {
        hc_free(p);
        hc_free(queue);
        hc_free(parent);
        hc_free(depth);
        hc_free(round_of);
        hc_free(mark);
        hc_free(avoid_edges);
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory finding paths from the roots");
        return NULL;
    }
    p->parent = parent;
    p->depth = depth;
    p->round = round_of;
    p->from_src = o->src != NULL;
    if (o->navoid_edges) {
        memcpy(avoid_edges, o->avoid_edges, (size_t)o->navoid_edges * sizeof *avoid_edges);
        qsort(avoid_edges, o->navoid_edges, sizeof *avoid_edges, cmp_u64);
    }
    p->avoid_edges = avoid_edges;
    p->navoid_edges = o->navoid_edges;
    for (uint32_t i = 0; i < nn; i++)
        p->parent[i] = NIL;
    for (uint32_t k = 0; k < o->navoid; k++)
        if (o->avoid[k] < nn)
            mark[o->avoid[k]] |= AVOID;
    uint32_t head = 0, tail = 0, left = 0; /* left: distinct wanted targets not reached yet */
    for (uint32_t k = 0; k < n; k++)
        if (targets[k] < nn && !(mark[targets[k]] & (WANT | AVOID))) {
            mark[targets[k]] |= WANT;
            left++;
        }
    uint32_t nroots = hc_graph_nroots(g);
    /* Rounds, each searched to the end before the next starts, so a node gets a path from
     * the interpreter's roots whenever it has one: the root records in order (but the late
     * and the skipped ones), then the late ones (labels starting with a prefix of late), then
     * the complement roots (gc objects no root reaches), then the records labelled skip[0],
     * then skip[1], ...  From src: one round. */
    int nskip = 0;
    while (skip && skip[nskip])
        nskip++;
    int nrounds = o->src ? 1 : 3 + nskip;
    for (int round = 0; round < nrounds && left; round++) {
        for (uint32_t r = 0; r <= (o->src ? 0 : nroots); r++) {
            uint32_t lo, hi;
            const uint32_t *list = NULL;
            if (o->src) { /* the src nodes, in their order */
                list = o->src, lo = 0, hi = o->nsrc;
            } else {
                const char *rl = r < nroots ? hc_graph_root_label(g, r) : NULL;
                int si = rl ? skip_index(rl, skip) : -1, lt = rl && si < 0 && is_late(rl, late);
                if (round == 0   ? (r == nroots || si >= 0 || lt)
                    : round == 1 ? !lt
                    : round == 2 ? r != nroots
                                 : si != round - 3)
                    continue;
                lo = r < nroots ? hc_graph_root_id(g, r) : 0, hi = r < nroots ? lo + 1 : nn;
            }
            for (uint32_t k = lo; k < hi; k++) {
                uint32_t v = list ? list[k] : k;
                if (v >= nn || hc_graph_hidden_fast(g, v) || p->parent[v] != NIL || (mark[v] & AVOID) ||
                    edge_avoided(p, HC_NONE, v))
                    continue;
                if (!o->src && r == nroots && !(g->flags[v] & HC_NODE_COMPLEMENT))
                    continue;
                p->parent[v] = FROM_ROOT;
                p->depth[v] = 1;
                p->round[v] = (guint8)round;
                queue[tail++] = v;
            }
        }
        while (head < tail && left) {
            uint32_t v = queue[head++], ne;
            if (mark[v] & WANT) {
                mark[v] &= (guint8)~WANT;
                left--;
            }
            const uint32_t *e = hc_graph_edges(g, v, &ne);
            for (uint32_t k = 0; k < ne; k++) {
                uint32_t t = e[k];
                if (p->parent[t] == NIL && !hc_graph_hidden_fast(g, t) && !(mark[t] & AVOID) &&
                    !edge_avoided(p, v, t)) {
                    p->parent[t] = v;
                    p->depth[t] = p->depth[v] + 1;
                    p->round[t] = (guint8)round;
                    queue[tail++] = t;
                }
            }
        }
    }
    hc_free(mark);
    hc_free(queue);
    p->g = hc_graph_ref(g);
    return p;
}

void hc_paths_free(hc_paths *p)
{
    if (!p)
        return;
    hc_graph_unref(p->g);
    hc_free(p->parent);
    hc_free(p->depth);
    hc_free(p->round);
    hc_free(p->avoid_edges);
    hc_free(p);
}

uint32_t hc_paths_len(const hc_paths *p, uint32_t target)
{
    return target < p->g->n && p->parent[target] != NIL ? p->depth[target] : 0;
}

uint32_t hc_paths_get(const hc_paths *p, uint32_t target, uint32_t *out, uint32_t cap)
{
    uint32_t len = hc_paths_len(p, target);
    if (!len)
        return 0;
    uint32_t i = len;
    for (uint32_t v = target; v != FROM_ROOT; v = p->parent[v])
        if (--i < cap)
            out[i] = v;
    return len;
}

uint32_t hc_paths_root_record(const hc_graph *g, uint32_t id, const char *const *skip)
{
    uint32_t nroots = hc_graph_nroots(g);
    for (uint32_t r = 0; r < nroots; r++)
        if (hc_graph_root_id(g, r) == id && skip_index(hc_graph_root_label(g, r), skip) < 0)
            return r;
    return HC_NONE;
}

uint32_t hc_paths_root_record_late(const hc_graph *g, uint32_t id, const char *const *late)
{
    uint32_t nroots = hc_graph_nroots(g), first = HC_NONE;
    for (uint32_t r = 0; r < nroots; r++)
        if (hc_graph_root_id(g, r) == id) {
            if (!is_late(hc_graph_root_label(g, r), late))
                return r;
            if (first == HC_NONE)
                first = r;
        }
    return first;
}

/* ---- all shortest paths --------------------------------------------------------------------- */

/* A growable array of node ids (g_try_realloc: a node's predecessors can be millions). */
typedef struct {
    uint32_t *v;
    size_t n, cap;
} vec32;

static gboolean vec32_push(vec32 *a, uint32_t x)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 64;
        uint32_t *v = g_try_realloc(a->v, cap * sizeof *v);
        if (!v)
            return FALSE;
        a->v = v, a->cap = cap;
    }
    a->v[a->n++] = x;
    return TRUE;
}

/* Append the predecessors of v on shortest paths (paths.h) to *out: its BFS parent first, then
 * the others in ascending order, each once.  FALSE if out of memory. */
static gboolean push_preds(const hc_paths *p, const hc_referrers *r, uint32_t v, vec32 *out)
{
    uint32_t first = p->parent[v];
    if (first == NIL || first == FROM_ROOT)
        return TRUE;
    if (!vec32_push(out, first))
        return FALSE;
    uint32_t nr, last = NIL;
    const uint32_t *refs = hc_referrers_of(r, v, &nr);
    for (uint32_t k = 0; k < nr; k++) {
        uint32_t u = refs[k];
        if (u == last) /* ascending: a holder's second reference is next to its first */
            continue;
        last = u;
        if (u == first || u >= p->g->n || p->parent[u] == NIL || p->depth[u] + 1 != p->depth[v] ||
            p->round[u] != p->round[v] || edge_avoided(p, u, v))
            continue;
        if (!vec32_push(out, u))
            return FALSE;
    }
    return TRUE;
}

struct hc_allpaths {
    const hc_paths *p;
    const hc_referrers *r;
    uint32_t *targets;     /* the distinct reached targets */
    uint32_t ntargets, ti; /* ti: the target being enumerated */
    uint32_t len;          /* its path's length; 0 before the first path */
    uint32_t *node;        /* [len] node[j]: the path's node at depth j + 1 */
    uint32_t *idx;         /* [len] idx[j]: node[j - 1]'s place among node[j]'s predecessors */
    size_t *start;         /* [len + 1] node[j]'s predecessors: preds.v[start[j] .. start[j - 1]) */
    uint32_t cap;          /* levels allocated */
    vec32 preds;           /* a stack: level len - 1's predecessors first, level 1's last */
    gboolean done;
};

hc_allpaths *hc_allpaths_new(const hc_paths *p, const hc_referrers *r, const uint32_t *targets, uint32_t n,
                             GError **error)
{
    hc_allpaths *a = hc_try_calloc(1, sizeof *a);
    guint8 *seen = hc_try_calloc((size_t)p->g->n + 1, 1);
    if (a)
        a->targets = hc_try_malloc(((size_t)n + 1) * sizeof *a->targets);
    if (!a || !seen || !a->targets) {
        hc_free(seen);
        hc_allpaths_free(a);
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory listing shortest paths");
        return NULL;
    }
    a->p = p, a->r = r;
    for (uint32_t k = 0; k < n; k++)
        if (targets[k] < p->g->n && p->parent[targets[k]] != NIL && !seen[targets[k]]) {
            seen[targets[k]] = 1;
            a->targets[a->ntargets++] = targets[k];
        }
    hc_free(seen);
    return a;
}

void hc_allpaths_free(hc_allpaths *a)
{
    if (!a)
        return;
    hc_free(a->targets);
    g_free(a->node);
    g_free(a->idx);
    g_free(a->start);
    g_free(a->preds.v);
    hc_free(a);
}

/* Fill levels j .. 1 below node[j] with each level's first predecessor.  FALSE if out of
 * memory. */
static gboolean descend(hc_allpaths *a, uint32_t j)
{
    for (; j >= 1; j--) {
        a->preds.n = a->start[j]; /* drop what stood above level j + 1's list */
        if (!push_preds(a->p, a->r, a->node[j], &a->preds))
            return FALSE;
        a->start[j - 1] = a->preds.n;
        a->idx[j] = 0;
        a->node[j - 1] = a->preds.v[a->start[j]]; /* there is one: the BFS parent */
    }
    return TRUE;
}

/* Start enumerating target ti: FALSE if out of memory. */
static gboolean start_target(hc_allpaths *a)
{
    uint32_t t = a->targets[a->ti], len = a->p->depth[t];
    if (len > a->cap) {
        uint32_t *node = g_try_renew(uint32_t, a->node, len), *idx = node ? g_try_renew(uint32_t, a->idx, len) : NULL;
        if (node)
            a->node = node;
        if (idx)
            a->idx = idx;
        size_t *start = idx ? g_try_renew(size_t, a->start, (size_t)len + 1) : NULL;
        if (!start)
            return FALSE;
        a->start = start;
        a->cap = len;
    }
    a->len = len;
    a->node[len - 1] = t;
    a->preds.n = 0;
    a->start[len - 1] = 0;
    return descend(a, len - 1);
}

uint32_t hc_allpaths_next(hc_allpaths *a, uint32_t *out, uint32_t cap, GError **error)
{
    if (a->done || a->ntargets == 0)
        return 0;
    gboolean ok = TRUE;
    if (!a->len) {
        ok = start_target(a);
    } else {
        uint32_t j = 1;
        while (j < a->len && a->idx[j] + 1 >= a->start[j - 1] - a->start[j])
            j++;
        if (j < a->len) { /* the next predecessor at level j, the first ones below it */
            a->idx[j]++;
            a->node[j - 1] = a->preds.v[a->start[j] + a->idx[j]];
            a->preds.n = a->start[j - 1];
            ok = descend(a, j - 1);
        } else if (++a->ti < a->ntargets) {
            ok = start_target(a);
        } else {
            a->done = TRUE;
            return 0;
        }
    }
    if (!ok) {
        a->done = TRUE;
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory listing shortest paths");
        return 0;
    }
    for (uint32_t k = 0; k < a->len && k < cap; k++)
        out[k] = a->node[k];
    return a->len;
}

/* A node of a level of the backward sweep, with the number of paths from it to the targets. */
typedef struct {
    uint32_t node;
    uint64_t paths;
} weighted;

static int cmp_weighted(const void *x, const void *y)
{
    uint32_t a = ((const weighted *)x)->node, b = ((const weighted *)y)->node;
    return a < b ? -1 : a > b;
}

static gboolean level_push(weighted **v, size_t *n, size_t *cap, uint32_t node, uint64_t paths)
{
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 64;
        weighted *m = g_try_realloc(*v, c * sizeof *m);
        if (!m)
            return FALSE;
        *v = m, *cap = c;
    }
    (*v)[(*n)++] = (weighted){node, paths};
    return TRUE;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Deepest first (weighted.paths holding a depth) */
static int cmp_depth_desc(const void *x, const void *y)
{
    uint64_t a = ((const weighted *)x)->paths, b = ((const weighted *)y)->paths;
    return a > b ? -1 : a < b;
}

uint64_t hc_allpaths_count(const hc_paths *p, const hc_referrers *r, const uint32_t *targets, uint32_t n, int level,
                           GArray *edges, GError **error)
{
    g_autoptr(hc_allpaths) a = hc_allpaths_new(p, r, targets, n, error);
    if (!a)
        return 0;
    /* targets deepest first; each level: the targets at its depth join, then every node passes
     * its paths on to its predecessors, merged by node */
    weighted *order = g_try_new(weighted, (size_t)a->ntargets + 1);
    if (!order) {
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory counting shortest paths");
        return 0;
    }
    for (uint32_t k = 0; k < a->ntargets; k++)
        order[k] = (weighted){a->targets[k], p->depth[a->targets[k]]};
    qsort(order, a->ntargets, sizeof *order, cmp_depth_desc);
    for (uint32_t k = 0; k < a->ntargets; k++)
        a->targets[k] = order[k].node;
    g_free(order);
    weighted *cur = NULL, *next = NULL;
    size_t ncur = 0, ccur = 0, nnext = 0, cnext = 0;
    vec32 pr = {0};
    uint64_t total = 0;
    gboolean ok = TRUE;
    uint32_t ti = 0;
    for (uint32_t d = a->ntargets ? p->depth[a->targets[0]] : 0; ok && d >= 1; d--) {
        for (; ok && ti < a->ntargets && p->depth[a->targets[ti]] == d; ti++)
            ok = level_push(&cur, &ncur, &ccur, a->targets[ti], 1);
        if (!ok)
            break;
        qsort(cur, ncur, sizeof *cur, cmp_weighted);
        size_t m = 0; /* merge equal nodes */
        for (size_t k = 0; k < ncur; k++)
            if (m && cur[m - 1].node == cur[k].node)
                cur[m - 1].paths = add_sat(cur[m - 1].paths, cur[k].paths);
            else
                cur[m++] = cur[k];
        ncur = m;
        /* the level of the edges into this depth's nodes */
        int into = (int)d - 1 - (p->from_src ? 1 : 0);
        if (d == 1) {
            for (size_t k = 0; k < ncur; k++) {
                total = add_sat(total, cur[k].paths);
                if (edges && level == into) {
                    uint64_t e = HC_PATHS_EDGE(HC_NONE, cur[k].node);
                    g_array_append_val(edges, e);
                }
            }
            break;
        }
        nnext = 0;
        for (size_t k = 0; ok && k < ncur; k++) {
            pr.n = 0;
            ok = push_preds(p, r, cur[k].node, &pr);
            for (size_t i = 0; ok && i < pr.n; i++) {
                ok = level_push(&next, &nnext, &cnext, pr.v[i], cur[k].paths);
                if (ok && edges && level == into) {
                    uint64_t e = HC_PATHS_EDGE(pr.v[i], cur[k].node);
                    g_array_append_val(edges, e);
                }
            }
        }
        weighted *t = cur;
        size_t tc = ccur;
        cur = next, ncur = nnext, ccur = cnext;
        next = t, cnext = tc;
    }
    g_free(cur);
    g_free(next);
    g_free(pr.v);
    if (!ok) {
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory counting shortest paths");
        return 0;
    }
    return total;
}
