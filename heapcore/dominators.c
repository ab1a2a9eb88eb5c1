/* heapcore/dominators.c — semi-NCA dominators and retained sizes (see dominators.h).
 *
 * Vertices are numbered in DFS preorder from the super-root (0); real nodes get 1..N.  Every
 * per-vertex array is indexed by that number; pre[] maps node ids to it (0: unreached). */
#include "heapcore/dominators.h"

#include <stdlib.h>
#include <string.h>

#include "graph_private.h"
#include "prefault.h"
#include "threads.h"
#include "heapcore/error.h"

#define NIL UINT32_MAX

struct hc_domtree {
    hc_graph *g;
    uint32_t reached; /* N */
    uint64_t total;   /* sum of the reached nodes' sizes */
    uint32_t *idom;   /* [n] by node id: node id, HC_DOM_SUPER or HC_NONE */
    uint32_t *ret;    /* [n] retained size by node id; HC_SIZE_BIG: in big_id/big_val */
    uint32_t *pos;    /* [n] node id -> position in the tree's preorder; NIL if unreached */
    uint32_t *order;  /* [N] position -> node id: each subtree is one contiguous run */
    uint32_t nbig;    /* retained sizes >= HC_SIZE_BIG, by ascending node id */
    uint32_t *big_id;
    uint64_t *big_val;
    /* [N] position -> one past the end of its subtree's run, so a node's children are read by
     * hopping from one child's run to the next: O(children), not O(subtree).  Made on the
     * first hc_domtree_top_children (4 B/node, only for navigation: top, the HTML report),
     * never by the tree itself; NULL until then, or if it could not be allocated. */
    uint32_t *next;
};

static inline gboolean super_child(const hc_graph *g, uint32_t id)
{
    return !hc_graph_hidden_fast(g, id) && (g->flags[id] & (HC_NODE_ROOT | HC_NODE_COMPLEMENT));
}

/* Work arrays of one computation.  Seven arrays of n + 1 words serve every phase in turn (the
 * comments say what each holds when), so the computation writes little fresh memory: on a
 * VM the first write to a page costs more than the work done in it (a page fault), and the
 * arrays the result keeps are among these. */
typedef struct dom_work {
    uint32_t *pre;    /* node id -> preorder number (0 = unreached); at the end: idom by id  */
    uint32_t *vertex; /* preorder number -> node id                                          */
    uint32_t *parent; /* DFS tree parent (numbers); after the NCA step: idom (numbers)        */
    uint32_t *a;      /* DFS stack; semidominators; at the end: the tree order (kept)         */
    uint32_t *b;      /* DFS edge cursors; path-compression labels; subtree node counts       */
    uint32_t *c;      /* forest links (EVAL/LINK); at the end: retained sizes by id (kept)    */
    uint32_t *d;      /* scratch path for compression; at the end: tree positions (kept)     */
    uint64_t *in_off; /* [n+2] reverse CSR offsets; then 64-bit retained sums (numbers)      */
    uint32_t *in_src; /* reverse CSR sources, as numbers (at most one per edge)               */
} dom_work;

static void work_free(dom_work *w)
{
    hc_free(w->pre);
    hc_free(w->vertex);
    hc_free(w->parent);
    hc_free(w->a);
    hc_free(w->b);
    hc_free(w->c);
    hc_free(w->d);
    hc_free(w->in_off);
    hc_free(w->in_src);
    memset(w, 0, sizeof *w);
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
            while (k < ne && (hc_graph_hidden_fast(g, e[k]) || w->pre[e[k]]))
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

/* Predecessor lists in preorder numbers: in_off[i] .. in_off[i + 1] index the numbers of
 * vertex i's predecessors in in_src (in_off zeroed, with room for N + 2; in_src for every
 * edge).  Numbers rather than node ids make the semidominator loop, which runs over vertices
 * in reverse preorder, read both arrays sequentially. */
static void reverse_csr(const hc_graph *g, dom_work *w, uint32_t N)
{
    uint32_t n = g->n;
    for (uint32_t s = 0; s < n; s++) {
        if (!w->pre[s])
            continue;
        uint32_t ne;
        const uint32_t *e = hc_graph_edges(g, s, &ne);
        for (uint32_t k = 0; k < ne; k++) {
            uint32_t t = w->pre[e[k]];
            if (t)
                w->in_off[t + 1]++;
        }
    }
    for (uint32_t i = 0; i <= N; i++)
        w->in_off[i + 1] += w->in_off[i];
    uint64_t total = w->in_off[N + 1];
    /* Fill backwards, moving each list's end (in_off[t + 1]) down to its start; then in_off[t + 1]
     * holds t's start: shift down by one. */
    for (uint32_t s = n; s-- > 0;) {
        uint32_t ps = w->pre[s];
        if (!ps)
            continue;
        uint32_t ne;
        const uint32_t *e = hc_graph_edges(g, s, &ne);
        for (uint32_t k = ne; k-- > 0;) {
            uint32_t t = w->pre[e[k]];
            if (t)
                w->in_src[--w->in_off[t + 1]] = ps;
        }
    }
    memmove(w->in_off, w->in_off + 1, ((size_t)N + 1) * sizeof *w->in_off);
    w->in_off[N + 1] = total;
}

/* The vertex of least semidominator on v's forest path (LT's EVAL), compressing the path. */
static uint32_t eval(dom_work *w, uint32_t v)
{
    uint32_t *anc = w->c, *label = w->b, *semi = w->a, *path = w->d;
    if (anc[v] == NIL)
        return v;
    /* Collect v, anc(v), ... up to the vertex whose ancestor is a forest root. */
    uint32_t k = 0;
    for (uint32_t u = v; anc[anc[u]] != NIL; u = anc[u])
        path[k++] = u;
    /* Compress from the top down, as the recursive COMPRESS would. */
    while (k-- > 0) {
        uint32_t u = path[k], a = anc[u];
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
    size_t c = (size_t)n + 1, bytes = c * sizeof(uint32_t);
    uint64_t ne = hc_graph_nedges(g);
    dom_work w = {0};
    hc_prefault *pf = NULL;
    hc_domtree *d = hc_try_calloc(1, sizeof *d);
    if (!d || !(w.pre = hc_try_calloc_mapped(c, sizeof *w.pre)) || !(w.vertex = hc_try_malloc_mapped(bytes)) ||
        !(w.parent = hc_try_malloc_mapped(bytes)) || !(w.a = hc_try_malloc_mapped(bytes)) ||
        !(w.b = hc_try_malloc_mapped(bytes)) || !(w.c = hc_try_malloc_mapped(bytes)) ||
        !(w.d = hc_try_malloc_mapped(bytes)) || !(w.in_off = hc_try_calloc_mapped(c + 1, sizeof *w.in_off)) ||
        !(w.in_src = hc_try_malloc_mapped((size_t)(ne ? ne : 1) * sizeof *w.in_src)))
        goto nomem;
    /* On a big graph a helper thread faults the arrays in, those the DFS writes first. */
    if (hc_parallel_wanted(n) && !getenv("HEAPCORE_NO_PREFAULT") && (pf = hc_prefault_new())) {
        hc_prefault_range(pf, w.pre, bytes);
        hc_prefault_range(pf, w.vertex, bytes);
        hc_prefault_range(pf, w.parent, bytes);
        hc_prefault_range(pf, w.in_off, (c + 1) * sizeof *w.in_off);
        hc_prefault_range(pf, w.in_src, (size_t)ne * sizeof *w.in_src);
        hc_prefault_range(pf, w.c, bytes);
        hc_prefault_range(pf, w.d, bytes);
    }
    uint32_t N = dfs(g, &w, w.a, w.b);
    reverse_csr(g, &w, N);
    uint32_t *semi = w.a, *label = w.b, *ancestor = w.c;
    for (uint32_t i = 0; i <= N; i++) {
        semi[i] = i;
        label[i] = i;
        ancestor[i] = NIL;
    }
    /* Semidominators, in reverse preorder; the super-root (0) is every root's predecessor. */
    for (uint32_t i = N; i >= 1; i--) {
        if (super_child(g, w.vertex[i]))
            semi[i] = 0;
        for (uint64_t k = w.in_off[i]; k < w.in_off[i + 1]; k++) {
            uint32_t u = eval(&w, w.in_src[k]);
            if (semi[u] < semi[i])
                semi[i] = semi[u];
        }
        ancestor[i] = w.parent[i];
    }
    hc_prefault_free(pf); /* done long ago; before any of its ranges is freed */
    pf = NULL;
    hc_free(w.in_src);
    w.in_src = NULL;
    /* Immediate dominators: the nearest ancestor of the DFS parent at or above the semi. */
    uint32_t *idom = w.parent; /* in place: idom[i] starts as parent[i] */
    for (uint32_t i = 1; i <= N; i++) {
        uint32_t j = idom[i];
        while (j > semi[i])
            j = idom[j];
        idom[i] = j;
    }
    /* Retained sizes and subtree node counts: children after parents in preorder, so sum in
     * reverse (vertex 0, the super-root, collects the total). */
    uint64_t *ret = w.in_off;
    uint32_t *cnt = w.b;
    memset(ret, 0, ((size_t)N + 1) * sizeof *ret);
    cnt[0] = 1;
    for (uint32_t i = 1; i <= N; i++) {
        ret[i] = hc_graph_size_fast(g, w.vertex[i]);
        cnt[i] = 1;
    }
    for (uint32_t i = N; i >= 1; i--) {
        ret[idom[i]] += ret[i];
        cnt[idom[i]] += cnt[i];
    }
    d->total = ret[0];
    /* Retained sizes by node id, 32 bits each; the rare larger ones in a sorted side table. */
    uint32_t nbig = 0;
    for (uint32_t i = 1; i <= N; i++)
        nbig += ret[i] >= HC_SIZE_BIG;
    d->big_id = hc_try_malloc((nbig ? nbig : 1) * sizeof *d->big_id);
    d->big_val = hc_try_malloc((nbig ? nbig : 1) * sizeof *d->big_val);
    if (!d->big_id || !d->big_val)
        goto nomem;
    d->ret = w.c;
    w.c = NULL;
    for (uint32_t id = 0; id < n; id++) {
        uint32_t i = w.pre[id];
        uint64_t r = i ? ret[i] : 0;
        if (r >= HC_SIZE_BIG) {
            d->big_id[d->nbig] = id;
            d->big_val[d->nbig++] = r;
            r = HC_SIZE_BIG;
        }
        d->ret[id] = (uint32_t)r;
    }
    hc_free(w.in_off);
    w.in_off = NULL;
    /* The tree in its own preorder: a child's run starts where its parent's next free slot is;
     * cnt[] turns into that next-free-slot array as each vertex is placed (idom[i] < i, so a
     * parent is always placed before its children). */
    d->pos = w.d;
    d->order = w.a;
    w.d = w.a = NULL;
    memset(d->pos, 0xff, c * sizeof *d->pos); /* NIL */
    cnt[0] = 0;
    for (uint32_t i = 1; i <= N; i++) {
        uint32_t p = idom[i], at = cnt[p];
        cnt[p] += cnt[i];
        cnt[i] = at + 1;
        d->order[at] = w.vertex[i];
        d->pos[w.vertex[i]] = at;
    }
    /* Immediate dominators by node id, in place over pre[]. */
    for (uint32_t id = 0; id < n; id++) {
        uint32_t i = w.pre[id];
        w.pre[id] = !i ? HC_NONE : idom[i] ? w.vertex[idom[i]] : HC_DOM_SUPER;
    }
    d->idom = w.pre;
    w.pre = NULL;
    work_free(&w);
    d->reached = N;
    d->g = hc_graph_ref(g);
    return d;

nomem:
    hc_prefault_free(pf);
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
    hc_free(d->ret);
    hc_free(d->pos);
    hc_free(d->order);
    hc_free(d->big_id);
    hc_free(d->big_val);
    hc_free(d->next);
    hc_free(d);
}

uint32_t hc_domtree_idom(const hc_domtree *d, uint32_t id)
{
    return id < d->g->n ? d->idom[id] : HC_NONE;
}

static uint64_t retained_of(const hc_domtree *d, uint32_t id)
{
    uint32_t r = d->ret[id];
    if (r != HC_SIZE_BIG)
        return r;
    uint32_t lo = 0, hi = d->nbig;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (d->big_id[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return d->big_val[lo]; /* present: every HC_SIZE_BIG entry has one */
}

uint64_t hc_domtree_retained(const hc_domtree *d, uint32_t id)
{
    return id < d->g->n ? retained_of(d, id) : 0;
}

uint32_t hc_domtree_reached(const hc_domtree *d)
{
    return d->reached;
}
uint64_t hc_domtree_total(const hc_domtree *d)
{
    return d->total;
}

size_t hc_domtree_memory(const hc_domtree *d)
{
    return sizeof *d + (size_t)d->g->n * 3 * sizeof(uint32_t) + (size_t)d->reached * sizeof *d->order +
           (size_t)d->nbig * (sizeof *d->big_id + sizeof *d->big_val) +
           (d->next ? (size_t)d->reached * sizeof *d->next : 0);
}

/* One past the end of the subtree run starting at position p0: the first later position whose
 * node's immediate dominator lies before p0 (a node inside the run has its parent inside). */
static uint32_t subtree_end(const hc_domtree *d, uint32_t p0)
{
    uint32_t end = p0 + 1;
    while (end < d->reached) {
        uint32_t up = d->idom[d->order[end]];
        if (up == HC_DOM_SUPER || d->pos[up] < p0)
            break;
        end++;
    }
    return end;
}

/* d->next, made once (positions from the last down: a run's end is found by hopping over the
 * runs of its children, which start right after it and follow each other; each position is
 * hopped over once, as a child of its parent).  FALSE if it cannot be allocated. */
static gboolean ensure_next(hc_domtree *d)
{
    if (d->next)
        return TRUE;
    uint32_t *next = hc_try_malloc(((size_t)d->reached + 1) * sizeof *next);
    if (!next)
        return FALSE;
    for (uint32_t p = d->reached; p-- > 0;) {
        uint32_t v = d->order[p], end = p + 1;
        while (end < d->reached && d->idom[d->order[end]] == v)
            end = next[end];
        next[p] = end;
    }
    d->next = next;
    return TRUE;
}

hc_idset *hc_domtree_dominated(const hc_domtree *d, uint32_t id, GError **error)
{
    if (id >= d->g->n || d->pos[id] == NIL)
        return hc_idset_new_copy(d->g, NULL, 0, error);
    uint32_t p0 = d->pos[id];
    return hc_idset_new_copy(d->g, d->order + p0, subtree_end(d, p0) - p0, error);
}

hc_idset *hc_domtree_idoms(const hc_domtree *d, const hc_idset *s, GError **error)
{
    uint32_t n = hc_idset_count(s), k = 0;
    const uint32_t *ids = hc_idset_ids(s);
    uint32_t *out = hc_try_malloc((n ? n : 1) * sizeof *out);
    if (!out) {
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory finding dominators");
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t up = hc_domtree_idom(d, ids[i]);
        if (up != HC_NONE && up != HC_DOM_SUPER && !hc_idset_contains(s, up))
            out[k++] = up;
    }
    hc_idset *r = hc_idset_new_copy(d->g, out, k, error);
    hc_free(out);
    return r;
}

/* a ranks before b: larger retained size, then lower id. */
static inline gboolean ranks_before(const hc_domtree *d, uint32_t a, uint32_t b)
{
    uint64_t ra = retained_of(d, a), rb = retained_of(d, b);
    return ra != rb ? ra > rb : a < b;
}

/* Put v at the root of the heap out[0..m) (root: the weakest) and sift it down. */
static void sift_down(const hc_domtree *d, uint32_t *out, uint32_t m, uint32_t v)
{
    uint32_t j = 0;
    for (;;) {
        uint32_t c = 2 * j + 1;
        if (c >= m)
            break;
        if (c + 1 < m && ranks_before(d, out[c], out[c + 1]))
            c++;
        if (!ranks_before(d, v, out[c]))
            break;
        out[j] = out[c];
        j = c;
    }
    out[j] = v;
}

/* The best k of a stream of nodes: out[0..*m) is a binary heap whose root is the weakest of
 * the best *m so far (k > 0). */
static inline void best_offer(const hc_domtree *d, uint32_t *out, uint32_t *m, uint32_t k, uint32_t v)
{
    if (*m < k) {
        uint32_t j;
        for (j = (*m)++; j && ranks_before(d, out[(j - 1) / 2], v); j = (j - 1) / 2)
            out[j] = out[(j - 1) / 2];
        out[j] = v;
    } else if (ranks_before(d, v, out[0])) {
        sift_down(d, out, *m, v);
    }
}

/* Heap sort the best m into best-first order: repeatedly move the weakest to the end. */
static void best_finish(const hc_domtree *d, uint32_t *out, uint32_t m)
{
    for (uint32_t end = m; end > 1; end--) {
        uint32_t v = out[end - 1];
        out[end - 1] = out[0];
        sift_down(d, out, end - 1, v);
    }
}

uint32_t hc_domtree_top(const hc_domtree *d, const hc_idset *s, uint32_t k, uint32_t *out)
{
    uint32_t n = hc_idset_count(s), m = 0;
    const uint32_t *ids = hc_idset_ids(s);
    if (!k)
        return 0;
    for (uint32_t i = 0; i < n; i++)
        best_offer(d, out, &m, k, ids[i]);
    best_finish(d, out, m);
    return m;
}

uint32_t hc_domtree_top_children(const hc_domtree *d, uint32_t id, uint32_t k, uint32_t *out, uint32_t *count,
                                 uint64_t *total)
{
    uint32_t p0 = 0, end = d->reached, m = 0, c = 0;
    uint64_t sum = 0;
    /* the sibling index is a cache of the tree (the caller holds the only reference that
     * navigates it; the tree's answers do not change) */
    gboolean hop = ensure_next((hc_domtree *)d);
    if (id != HC_DOM_SUPER) {
        if (id >= d->g->n || d->pos[id] == NIL) {
            *count = 0;
            *total = 0;
            return 0;
        }
        p0 = d->pos[id] + 1;
        end = hop ? d->next[d->pos[id]] : subtree_end(d, d->pos[id]);
    }
    for (uint32_t p = p0; p < end; p = hop ? d->next[p] : p + 1) {
        uint32_t v = d->order[p];
        if (d->idom[v] != id)
            continue; /* only without the index: a deeper node of the run */
        c++;
        sum += retained_of(d, v);
        if (k)
            best_offer(d, out, &m, k, v);
    }
    best_finish(d, out, m);
    *count = c;
    *total = sum;
    return m;
}

gboolean hc_domtree_retained_by_kind(const hc_domtree *d, const hc_idset *s, const hc_kinds *kinds, uint64_t *per_kind,
                                     GError **error)
{
    const hc_graph *g = d->g;
    uint32_t nkinds = hc_kinds_count(kinds), n = hc_idset_count(s);
    const uint32_t *ids = hc_idset_ids(s);
    memset(per_kind, 0, (size_t)nkinds * sizeof *per_kind);
    /* member: a bit per node; active[k]: members of kind k on the current tree path that were
     * counted; path: the tree path to the current node, each with its counted kind + 1 (0: not
     * counted).  The path can be as deep as the tree (a long linked list). */
    uint64_t *member = hc_try_calloc((size_t)g->n / 64 + 1, sizeof *member);
    uint32_t *active = hc_try_calloc(nkinds ? nkinds : 1, sizeof *active);
    uint32_t cap = 1024, depth = 0;
    uint32_t *path = hc_try_malloc(cap * sizeof *path), *tag = hc_try_malloc(cap * sizeof *tag);
    if (!member || !active || !path || !tag)
        goto nomem;
    /* The pass covers the positions from the first member to the end of the last member's
     * subtree: for a few members (the children of one node) that is their subtrees, not the
     * whole tree.  Each end is read from the sibling index, made for a set much smaller than
     * the tree only; a large set scans the whole tree, as the index would not pay. */
    uint32_t lo = 0, hi = d->reached;
    if (n < d->reached / 8 && ensure_next((hc_domtree *)d)) {
        lo = d->reached;
        hi = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t q = d->pos[ids[i]];
            if (q == NIL)
                continue;
            lo = MIN(lo, q);
            hi = MAX(hi, d->next[q]);
        }
    }
    for (uint32_t i = 0; i < n; i++)
        member[ids[i] >> 6] |= (uint64_t)1 << (ids[i] & 63);
    for (uint32_t p = lo; p < hi; p++) {
        uint32_t v = d->order[p], up = d->idom[v];
        while (depth && path[depth - 1] != up) {
            depth--;
            if (tag[depth])
                active[tag[depth] - 1]--;
        }
        uint32_t t = 0;
        if ((member[v >> 6] >> (v & 63)) & 1) {
            uint32_t k = hc_kinds_of(kinds, v);
            if (!active[k]) {
                per_kind[k] += retained_of(d, v);
                active[k]++;
                t = k + 1;
            }
        }
        if (depth == cap) {
            uint32_t *np = hc_try_realloc(path, (size_t)cap * 2 * sizeof *path);
            if (np)
                path = np;
            uint32_t *nt = np ? hc_try_realloc(tag, (size_t)cap * 2 * sizeof *tag) : NULL;
            if (!nt)
                goto nomem;
            tag = nt;
            cap *= 2;
        }
        path[depth] = v;
        tag[depth++] = t;
    }
    hc_free(member);
    hc_free(active);
    hc_free(path);
    hc_free(tag);
    return TRUE;
nomem:
    hc_free(member);
    hc_free(active);
    hc_free(path);
    hc_free(tag);
    g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory summing retained sizes by kind");
    return FALSE;
}

/* ---- reachability without the tree ------------------------------------------------------ */

struct hc_reach {
    hc_graph *g;
    uint64_t *all; /* a bit per node the super-root reaches */
    uint64_t total;
};

#define BIT(b, i) (((b)[(i) >> 6] >> (63 & (i))) & 1)
#define SET(b, i) ((b)[(i) >> 6] |= (uint64_t)1 << (63 & (i)))

/* Marks in seen (pre-marked nodes are treated as removed) what the super-root reaches; returns
 * the reached nodes' total size, UINT64_MAX if out of memory. */
static uint64_t reach(const hc_graph *g, uint64_t *seen)
{
    uint32_t nn = g->n, top = 0;
    uint32_t *stack = hc_try_malloc_mapped(((size_t)nn + 1) * sizeof *stack);
    if (!stack)
        return UINT64_MAX;
    uint64_t kept = 0;
    for (uint32_t i = 0; i < nn; i++)
        if (super_child(g, i) && !BIT(seen, i)) {
            SET(seen, i);
            stack[top++] = i;
        }
    while (top) {
        uint32_t v = stack[--top], ne;
        kept += hc_graph_size_fast(g, v);
        const uint32_t *e = hc_graph_edges(g, v, &ne);
        for (uint32_t k = 0; k < ne; k++) {
            uint32_t t = e[k];
            if (!BIT(seen, t) && !hc_graph_hidden_fast(g, t)) {
                SET(seen, t);
                stack[top++] = t;
            }
        }
    }
    hc_free(stack);
    return kept;
}

hc_reach *hc_reach_new(hc_graph *g, GError **error)
{
    hc_reach *r = hc_try_calloc(1, sizeof *r);
    if (r && (r->all = hc_try_calloc((size_t)g->n / 64 + 1, sizeof *r->all)) &&
        (r->total = reach(g, r->all)) != UINT64_MAX) {
        r->g = hc_graph_ref(g);
        return r;
    }
    if (r)
        hc_free(r->all);
    hc_free(r);
    g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory finding what the roots reach");
    return NULL;
}

void hc_reach_free(hc_reach *r)
{
    if (!r)
        return;
    hc_graph_unref(r->g);
    hc_free(r->all);
    hc_free(r);
}

uint64_t hc_reach_total(const hc_reach *r)
{
    return r->total;
}

size_t hc_reach_memory(const hc_reach *r)
{
    return sizeof *r + ((size_t)r->g->n / 64 + 1) * sizeof *r->all;
}

/* The bitmap of what stays reached with ids[0..n) removed (the removed nodes not marked), and
 * its total size in *kept; NULL if out of memory. */
static uint64_t *reach_without(const hc_reach *r, const uint32_t *ids, uint32_t n, uint64_t *kept)
{
    const hc_graph *g = r->g;
    uint64_t *seen = hc_try_calloc((size_t)g->n / 64 + 1, sizeof *seen);
    if (!seen)
        return NULL;
    for (uint32_t k = 0; k < n; k++)
        if (ids[k] < g->n)
            SET(seen, ids[k]);
    if ((*kept = reach(g, seen)) == UINT64_MAX) {
        hc_free(seen);
        return NULL;
    }
    for (uint32_t k = 0; k < n; k++)
        if (ids[k] < g->n)
            seen[ids[k] >> 6] &= ~((uint64_t)1 << (ids[k] & 63));
    return seen;
}

uint64_t hc_domisize(const hc_reach *r, const uint32_t *ids, uint32_t n, GError **error)
{
    uint64_t kept;
    uint64_t *seen = reach_without(r, ids, n, &kept);
    if (!seen) {
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory computing a set's retained size");
        return UINT64_MAX;
    }
    hc_free(seen);
    return r->total - kept;
}

hc_idset *hc_dominos(const hc_reach *r, const uint32_t *ids, uint32_t n, GError **error)
{
    uint64_t kept;
    uint64_t *seen = reach_without(r, ids, n, &kept);
    if (!seen) {
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory finding what a set dominates");
        return NULL;
    }
    /* Reached before, not reached after: turn seen into that set's bits, count, list. */
    size_t words = (size_t)r->g->n / 64 + 1;
    uint32_t count = 0;
    for (size_t i = 0; i < words; i++) {
        seen[i] = r->all[i] & ~seen[i];
        count += (uint32_t)__builtin_popcountll(seen[i]);
    }
    uint32_t *out = hc_try_malloc((count ? count : 1) * sizeof *out);
    if (!out) {
        hc_free(seen);
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory finding what a set dominates");
        return NULL;
    }
    uint32_t k = 0;
    for (size_t i = 0; i < words; i++)
        for (uint64_t b = seen[i]; b; b &= b - 1)
            out[k++] = (uint32_t)(i * 64 + (uint32_t)__builtin_ctzll(b));
    hc_free(seen);
    return hc_idset_new_steal(r->g, out, k, error);
}
