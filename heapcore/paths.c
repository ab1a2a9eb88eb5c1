/* heapcore/paths.c — breadth-first shortest paths from the roots (see paths.h). */
#include "heapcore/paths.h"

#include "graph_private.h"

#include <string.h>
#include "heapcore/error.h"

#define NIL UINT32_MAX
#define FROM_ROOT (UINT32_MAX - 1) /* parent of a root: the super-root */

struct hc_paths {
    hc_graph *g;
    uint32_t *parent; /* [n] BFS parent, FROM_ROOT for a root, NIL if not reached */
    uint32_t *depth;  /* [n] the path's length (nodes) where reached: O(1) hc_paths_len */
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

hc_paths *hc_paths_new(hc_graph *g, const uint32_t *targets, uint32_t n, const char *const *skip, GError **error)
{
    return hc_paths_new_late(g, targets, n, NULL, skip, error);
}

hc_paths *hc_paths_new_late(hc_graph *g, const uint32_t *targets, uint32_t n, const char *const *late,
                            const char *const *skip, GError **error)
{
    uint32_t nn = g->n;
    hc_paths *p = hc_try_calloc(1, sizeof *p);
    uint32_t *queue = hc_try_malloc_mapped(((size_t)nn + 1) * sizeof *queue);
    uint32_t *parent = hc_try_malloc_mapped(((size_t)nn + 1) * sizeof *parent);
    uint32_t *depth = hc_try_malloc_mapped(((size_t)nn + 1) * sizeof *depth);
    guint8 *want = hc_try_calloc((size_t)nn + 1, 1); /* a byte per node: a wanted target */
    if (!p || !queue || !parent || !depth || !want) {
        hc_free(p);
        hc_free(queue);
        hc_free(parent);
        hc_free(depth);
        hc_free(want);
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory finding paths from the roots");
        return NULL;
    }
    p->parent = parent;
    p->depth = depth;
    for (uint32_t i = 0; i < nn; i++)
        p->parent[i] = NIL;
    uint32_t head = 0, tail = 0, left = 0; /* left: distinct wanted targets not reached yet */
    for (uint32_t k = 0; k < n; k++)
        if (targets[k] < nn && !want[targets[k]]) {
            want[targets[k]] = 1;
            left++;
        }
    uint32_t nroots = hc_graph_nroots(g);
    /* Rounds, each searched to the end before the next starts, so a node gets a path from
     * the interpreter's roots whenever it has one: the root records in order (but the late
     * and the skipped ones), then the late ones (labels starting with a prefix of late), then
     * the complement roots (gc objects no root reaches), then the records labelled skip[0],
     * then skip[1], ... */
    int nskip = 0;
    while (skip && skip[nskip])
        nskip++;
    for (int round = 0; round < 3 + nskip && left; round++) {
        for (uint32_t r = 0; r <= nroots; r++) {
            const char *rl = r < nroots ? hc_graph_root_label(g, r) : NULL;
            int si = rl ? skip_index(rl, skip) : -1, lt = rl && si < 0 && is_late(rl, late);
            if (round == 0   ? (r == nroots || si >= 0 || lt)
                : round == 1 ? !lt
                : round == 2 ? r != nroots
                             : si != round - 3)
                continue;
            uint32_t lo = r < nroots ? hc_graph_root_id(g, r) : 0, hi = r < nroots ? lo + 1 : nn;
            for (uint32_t v = lo; v < hi; v++) {
                if (v >= nn || hc_graph_hidden_fast(g, v) || p->parent[v] != NIL)
                    continue;
                if (r == nroots && !(g->flags[v] & HC_NODE_COMPLEMENT))
                    continue;
                p->parent[v] = FROM_ROOT;
                p->depth[v] = 1;
                queue[tail++] = v;
            }
        }
        while (head < tail && left) {
            uint32_t v = queue[head++], ne;
            if (want[v]) {
                want[v] = 0;
                left--;
            }
            const uint32_t *e = hc_graph_edges(g, v, &ne);
            for (uint32_t k = 0; k < ne; k++) {
                uint32_t t = e[k];
                if (p->parent[t] == NIL && !hc_graph_hidden_fast(g, t)) {
                    p->parent[t] = v;
                    p->depth[t] = p->depth[v] + 1;
                    queue[tail++] = t;
                }
            }
        }
    }
    hc_free(want);
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
