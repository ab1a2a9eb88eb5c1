/* heapcore/dominators.c — semi-NCA dominators and retained sizes (see dominators.h).
 *
 * Vertices are numbered in DFS preorder from the super-root (0); real nodes get 1..N.  Every
 * per-vertex array is indexed by that number; pre[] maps node ids to it (0: unreached). */
#include "heapcore/dominators.h"

#include <string.h>

#include "graph_private.h"
#include "heapcore/error.h"

#define NIL UINT32_MAX

struct hc_domtree {
    hc_graph *g;
    uint32_t reached;
    uint32_t *idom;     /* [n] by node id: node id, HC_DOM_SUPER or HC_NONE */
    uint64_t *retained; /* [n] by node id */
};

static inline gboolean hidden(const hc_graph *g, uint32_t id)
{
    return (g->flags[id] & HC_NODE_HIDDEN) != 0;
}

static inline gboolean super_child(const hc_graph *g, uint32_t id)
{
    return !hidden(g, id) && (g->flags[id] & (HC_NODE_ROOT | HC_NODE_COMPLEMENT));
}

/* Work arrays of one computation. */
typedef struct dom_work {
    uint32_t *pre;      /* [n] node id -> preorder number, 0 = unreached */
    uint32_t *vertex;   /* [N+1] preorder number -> node id (vertex[0] unused) */
    uint32_t *parent;   /* [N+1] DFS tree parent (numbers) */
    uint32_t *semi;     /* [N+1] semidominator (number) */
    uint32_t *label;    /* [N+1] path-compression label (number) */
    uint32_t *ancestor; /* [N+1] forest link (number), NIL = a forest root */
    uint32_t *path;     /* [N+1] scratch for iterative compression */
    uint64_t *in_off;   /* [n+1] reverse CSR over reached nodes */
    uint32_t *in_src;
} dom_work;

static void work_free(dom_work *w)
{
    hc_free(w->pre);
    hc_free(w->vertex);
    hc_free(w->parent);
    hc_free(w->semi);
    hc_free(w->label);
    hc_free(w->ancestor);
    hc_free(w->path);
    hc_free(w->in_off);
    hc_free(w->in_src);
}

/* Iterative DFS from the super-root: preorder numbers, vertex[], parent[].  Returns N. */
static uint32_t dfs(const hc_graph *g, dom_work *w, uint32_t *stack, uint32_t *cursor)
{
    uint32_t n = g->n, next = 1;
    for (uint32_t r = 0; r < n; r++) {
        if (!super_child(g, r) || w->pre[r])
            continue;
        uint32_t depth = 0;
        w->pre[r] = next;
        w->vertex[next] = r;
        w->parent[next] = 0;
        next++;
        stack[0] = r;
        cursor[0] = 0;
        while (depth != NIL) {
            uint32_t v = stack[depth], ne;
            const uint32_t *e = hc_graph_edges(g, v, &ne);
            uint32_t k = cursor[depth];
            while (k < ne && (hidden(g, e[k]) || w->pre[e[k]]))
                k++;
            if (k == ne) {
                depth = depth ? depth - 1 : NIL;
                continue;
            }
            cursor[depth] = k + 1;
            uint32_t t = e[k];
            w->pre[t] = next;
            w->vertex[next] = t;
            w->parent[next] = w->pre[v];
            next++;
            depth++;
            stack[depth] = t;
            cursor[depth] = 0;
        }
    }
    return next - 1;
}

/* Predecessor lists over reached nodes (by node id). */
static gboolean reverse_csr(const hc_graph *g, dom_work *w)
{
    uint32_t n = g->n;
    w->in_off = hc_try_calloc((size_t)n + 1, sizeof *w->in_off);
    if (!w->in_off)
        return FALSE;
    for (uint32_t s = 0; s < n; s++) {
        if (!w->pre[s])
            continue;
        uint32_t ne;
        const uint32_t *e = hc_graph_edges(g, s, &ne);
        for (uint32_t k = 0; k < ne; k++)
            if (w->pre[e[k]])
                w->in_off[e[k] + 1]++;
    }
    for (uint32_t i = 0; i < n; i++)
        w->in_off[i + 1] += w->in_off[i];
    uint64_t total = w->in_off[n];
    w->in_src = hc_try_malloc((size_t)(total ? total : 1) * sizeof *w->in_src);
    if (!w->in_src)
        return FALSE;
    /* Fill backwards, moving each list's end (in_off[t + 1]) down to its start: the lists end
     * up in source order, and in_off[t + 1] holds t's start; then shift down by one. */
    for (uint32_t s = n; s-- > 0;) {
        if (!w->pre[s])
            continue;
        uint32_t ne;
        const uint32_t *e = hc_graph_edges(g, s, &ne);
        for (uint32_t k = ne; k-- > 0;)
            if (w->pre[e[k]])
                w->in_src[--w->in_off[e[k] + 1]] = s;
    }
    memmove(w->in_off, w->in_off + 1, (size_t)n * sizeof *w->in_off);
    w->in_off[n] = total;
    return TRUE;
}

/* The vertex of least semidominator on v's forest path (LT's EVAL), compressing the path. */
static uint32_t eval(dom_work *w, uint32_t v)
{
    uint32_t *anc = w->ancestor, *label = w->label, *semi = w->semi;
    if (anc[v] == NIL)
        return v;
    /* Collect v, anc(v), ... up to the vertex whose ancestor is a forest root. */
    uint32_t k = 0;
    for (uint32_t u = v; anc[anc[u]] != NIL; u = anc[u])
        w->path[k++] = u;
    /* Compress from the top down, as the recursive COMPRESS would. */
    while (k-- > 0) {
        uint32_t u = w->path[k], a = anc[u];
        if (semi[label[a]] < semi[label[u]])
            label[u] = label[a];
        anc[u] = anc[a];
    }
    return label[v];
}

hc_domtree *hc_domtree_new(hc_graph *g, GError **error)
{
    g_return_val_if_fail(g != NULL, NULL);
    uint32_t n = g->n;
    size_t c = (size_t)n + 1;
    dom_work w = {0};
    hc_domtree *d = hc_try_calloc(1, sizeof *d);
    uint32_t *stack = NULL, *cursor = NULL;
    if (!d || !(w.pre = hc_try_calloc(c, sizeof *w.pre)) || !(w.vertex = hc_try_malloc(c * sizeof *w.vertex)) ||
        !(w.parent = hc_try_malloc(c * sizeof *w.parent)) || !(stack = hc_try_malloc(c * sizeof *stack)) ||
        !(cursor = hc_try_malloc(c * sizeof *cursor)))
        goto nomem;
    uint32_t N = dfs(g, &w, stack, cursor);
    hc_free(stack);
    hc_free(cursor);
    stack = cursor = NULL;
    if (!reverse_csr(g, &w) || !(w.semi = hc_try_malloc(((size_t)N + 1) * sizeof *w.semi)) ||
        !(w.label = hc_try_malloc(((size_t)N + 1) * sizeof *w.label)) ||
        !(w.ancestor = hc_try_malloc(((size_t)N + 1) * sizeof *w.ancestor)) ||
        !(w.path = hc_try_malloc(((size_t)N + 1) * sizeof *w.path)))
        goto nomem;
    for (uint32_t i = 0; i <= N; i++) {
        w.semi[i] = i;
        w.label[i] = i;
        w.ancestor[i] = NIL;
    }
    /* Semidominators, in reverse preorder; the super-root (0) is every root's predecessor. */
    for (uint32_t i = N; i >= 1; i--) {
        uint32_t v = w.vertex[i];
        if (super_child(g, v))
            w.semi[i] = 0;
        for (uint64_t k = w.in_off[v]; k < w.in_off[v + 1]; k++) {
            uint32_t u = eval(&w, w.pre[w.in_src[k]]);
            if (w.semi[u] < w.semi[i])
                w.semi[i] = w.semi[u];
        }
        w.ancestor[i] = w.parent[i];
    }
    /* Free what the rest does not need before allocating the results (the peak). */
    hc_free(w.in_off);
    hc_free(w.in_src);
    hc_free(w.label);
    hc_free(w.ancestor);
    hc_free(w.path);
    w.in_off = NULL;
    w.in_src = NULL;
    w.label = w.ancestor = w.path = NULL;
    /* Immediate dominators: the nearest ancestor of the DFS parent at or above the semi. */
    uint32_t *idom = w.parent; /* reused in place: idom[i] starts as parent[i] */
    for (uint32_t i = 1; i <= N; i++) {
        uint32_t j = idom[i];
        while (j > w.semi[i])
            j = idom[j];
        idom[i] = j;
    }
    hc_free(w.semi);
    w.semi = NULL;
    /* Retained sizes: children after parents in preorder, so sum in reverse. */
    d->retained = hc_try_calloc(c, sizeof *d->retained);
    d->idom = hc_try_malloc(c * sizeof *d->idom);
    if (!d->retained || !d->idom)
        goto nomem;
    uint64_t *ret = hc_try_calloc((size_t)N + 1, sizeof *ret);
    if (!ret)
        goto nomem;
    for (uint32_t i = 1; i <= N; i++)
        ret[i] = hc_graph_size_fast(g, w.vertex[i]);
    for (uint32_t i = N; i >= 1; i--)
        ret[idom[i]] += ret[i];
    for (uint32_t id = 0; id < n; id++) {
        uint32_t i = w.pre[id];
        d->idom[id] = !i ? HC_NONE : idom[i] ? w.vertex[idom[i]] : HC_DOM_SUPER;
        d->retained[id] = i ? ret[i] : 0;
    }
    hc_free(ret);
    work_free(&w);
    d->reached = N;
    d->g = hc_graph_ref(g);
    return d;

nomem:
    hc_free(stack);
    hc_free(cursor);
    work_free(&w);
    hc_domtree_free(d); /* d->g is not set yet: nothing to unref */
    g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory computing dominators");
    return NULL;
}

void hc_domtree_free(hc_domtree *d)
{
    if (!d)
        return;
    hc_graph_unref(d->g);
    hc_free(d->idom);
    hc_free(d->retained);
    hc_free(d);
}

uint32_t hc_domtree_idom(const hc_domtree *d, uint32_t id)
{
    return id < d->g->n ? d->idom[id] : HC_NONE;
}

uint64_t hc_domtree_retained(const hc_domtree *d, uint32_t id)
{
    return id < d->g->n ? d->retained[id] : 0;
}

uint32_t hc_domtree_reached(const hc_domtree *d) { return d->reached; }

/* Total size of what the super-root reaches with ids[0..n) removed; FALSE if out of memory. */
static gboolean reach_size(const hc_graph *g, const uint32_t *ids, uint32_t n, uint64_t *out)
{
    uint32_t nn = g->n;
    /* seen: a bit per node; the removed ones are marked seen from the start. */
    uint64_t *seen = hc_try_calloc((size_t)nn / 64 + 1, sizeof *seen);
    uint32_t *stack = hc_try_malloc(((size_t)nn + 1) * sizeof *stack);
    if (!seen || !stack) {
        hc_free(seen);
        hc_free(stack);
        return FALSE;
    }
#define SEEN(i) ((seen[(i) >> 6] >> ((i) & 63)) & 1)
#define MARK(i) (seen[(i) >> 6] |= (uint64_t)1 << ((i) & 63))
    for (uint32_t k = 0; k < n; k++)
        if (ids[k] < nn)
            MARK(ids[k]);
    uint64_t kept = 0;
    uint32_t top = 0;
    for (uint32_t i = 0; i < nn; i++)
        if (super_child(g, i) && !SEEN(i)) {
            MARK(i);
            stack[top++] = i;
        }
    while (top) {
        uint32_t v = stack[--top], ne;
        kept += hc_graph_size_fast(g, v);
        const uint32_t *e = hc_graph_edges(g, v, &ne);
        for (uint32_t k = 0; k < ne; k++) {
            uint32_t t = e[k];
            if (!SEEN(t) && !hidden(g, t)) {
                MARK(t);
                stack[top++] = t;
            }
        }
    }
#undef SEEN
#undef MARK
    hc_free(seen);
    hc_free(stack);
    *out = kept;
    return TRUE;
}

uint64_t hc_domisize(const hc_graph *g, const uint32_t *ids, uint32_t n, GError **error)
{
    uint64_t all, kept;
    if (!reach_size(g, NULL, 0, &all) || !reach_size(g, ids, n, &kept)) {
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory computing a set's retained size");
        return UINT64_MAX;
    }
    return all - kept;
}
