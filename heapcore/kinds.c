/* heapcore/kinds.c — classifiers: a node's kind by type or clodo, and a classifier made
 * concrete for one graph (rcs from the referrers, size, module, unity, explicit kinds). */
#include "heapcore/kinds.h"

#include <stdlib.h>
#include <string.h>

#include "graph_private.h"
#include "intern_private.h"
#include "heapcore/error.h"
#include "heapcore/pynames.h"

uint32_t hc_classify(const hc_graph *g, hc_classifier c, uint32_t id)
{
    uint32_t t = g->type[id];
    if (c == HC_BY_CLODO && (g->types[t].flags & HC_TYPE_DICTLIKE)) {
        uint32_t owner = hc_graph_owner(g, id);
        if (owner != HC_NONE)
            return g->ntypes + g->type[owner];
    }
    return t;
}

void hc_node_kind_name(const hc_graph *g, uint32_t id, GString *out)
{
    hc_kind_name(g, HC_BY_CLODO, hc_classify(g, HC_BY_CLODO, id), out);
    const char *own = hc_graph_node_name(g, id);
    if (own && (g->types[g->type[id]].flags & HC_TYPE_MODULE))
        g_string_append_printf(out, " %s", own);
}

void hc_kind_name(const hc_graph *g, hc_classifier c, uint32_t kind, GString *out)
{
    if (kind >= g->ntypes) {
        g_string_append(out, HC_PYNAME_DICT_OF);
        g_string_append(out, hc_graph_type_name(g, kind - g->ntypes));
        return;
    }
    if (c == HC_BY_CLODO && (g->types[kind].flags & HC_TYPE_DICT)) {
        g_string_append(out, HC_PYNAME_DICT_NO_OWNER);
        return;
    }
    g_string_append(out, hc_graph_type_name(g, kind));
}

/* ---- classifiers made concrete for one graph ------------------------------------------------ */

struct hc_kinds {
    hc_graph *g;
    hc_classifier c;
    uint32_t n;         /* number of kinds */
    uint32_t *per_node; /* rcs: the kind of each node (when there are 65536 kinds or more) */
    uint16_t *per16;    /* rcs: the same in 16 bits (fewer kinds: the usual case)          */
    uint32_t *set_off;  /* rcs: set i's clodo kinds are sets[set_off[i] .. set_off[i + 1]) */
    uint32_t *sets;
    uint32_t nsets_len;
    uint64_t *sizes;     /* size: the distinct sizes, ascending */
    GHashTable *modkind; /* module: node id -> kind (1..n-1)                   */
    char **modnames;     /* module, explicit: [n] kind -> name                  */
};

#define NIL UINT32_MAX

/* Kind ids of referrer-kind sets, in order of first appearance; sets[] grows with each. */
typedef struct rcs_build {
    GHashTable *seen; /* hc_u32key* (owned; a sorted, distinct list of clodo kinds) -> itself */
    GArray *off, *sets;
    uint32_t *single; /* [nclodo] kind of the one-kind set {k}, NIL until seen */
    uint32_t *stamp;  /* [nclodo] node + 1 whose referrers last had kind k */
    uint32_t empty;   /* kind of the empty set, NIL until seen */
} rcs_build;

static uint32_t rcs_new_kind(rcs_build *b, const uint32_t *v, uint32_t len)
{
    uint32_t kind = b->off->len - 1;
    g_array_append_vals(b->sets, v, len);
    uint32_t end = b->sets->len;
    g_array_append_val(b->off, end);
    return kind;
}

static gboolean kinds_rcs(hc_kinds *k, const hc_referrers *refs)
{
    const hc_graph *g = k->g;
    uint32_t n = g->n, nclodo = 2 * g->ntypes;
    rcs_build b = {0};
    uint32_t cap = 256, *buf = hc_try_malloc(cap * sizeof *buf);
    k->per_node = hc_try_malloc_mapped(((size_t)n + 1) * sizeof *k->per_node);
    b.single = hc_try_malloc((nclodo ? nclodo : 1) * sizeof *b.single);
    b.stamp = hc_try_calloc(nclodo ? nclodo : 1, sizeof *b.stamp);
    if (!buf || !k->per_node || !b.single || !b.stamp) {
        hc_free(buf);
        hc_free(b.single);
        hc_free(b.stamp);
        return FALSE;
    }
    for (uint32_t i = 0; i < nclodo; i++)
        b.single[i] = NIL;
    b.empty = NIL;
    b.seen = g_hash_table_new_full(hc_u32key_hash, hc_u32key_equal, g_free, NULL);
    b.off = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    b.sets = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    uint32_t zero = 0;
    g_array_append_val(b.off, zero);
    gboolean ok = TRUE;
    for (uint32_t t = 0; ok && t < n; t++) {
        uint32_t m;
        const uint32_t *src = hc_referrers_of(refs, t, &m);
        uint32_t kind;
        if (m == 0) {
            if (b.empty == NIL)
                b.empty = rcs_new_kind(&b, NULL, 0);
            kind = b.empty;
        } else {
            uint32_t first = hc_classify(g, HC_BY_CLODO, src[0]), i = 1;
            while (i < m && hc_classify(g, HC_BY_CLODO, src[i]) == first)
                i++;
            if (i == m) { /* one kind of referrer: the common case */
                if (b.single[first] == NIL)
                    b.single[first] = rcs_new_kind(&b, &first, 1);
                kind = b.single[first];
            } else {
                /* Distinct kinds by a stamp per kind (a type can have millions of referrers:
                 * no sorting them), then sort the few distinct ones. */
                uint32_t len = 0;
                for (uint32_t j = 0; j < m; j++) {
                    uint32_t kj = hc_classify(g, HC_BY_CLODO, src[j]);
                    if (b.stamp[kj] == t + 1)
                        continue;
                    b.stamp[kj] = t + 1;
                    if (len == cap) {
                        uint32_t *nb = hc_try_reallocarray(buf, (size_t)cap * 2, sizeof *buf);
                        if (!nb) {
                            ok = FALSE;
                            break;
                        }
                        buf = nb;
                        cap *= 2;
                    }
                    buf[len++] = kj;
                }
                if (!ok)
                    break;
                qsort(buf, len, sizeof *buf, hc_cmp_u32);
                hc_u32key *key = g_malloc(sizeof *key + len * sizeof *buf);
                key->len = len;
                memcpy(key->v, buf, len * sizeof *buf);
                hc_u32key *have = g_hash_table_lookup(b.seen, key);
                if (have) {
                    kind = have->kind;
                    g_free(key);
                } else {
                    key->kind = kind = rcs_new_kind(&b, buf, len);
                    g_hash_table_add(b.seen, key);
                }
            }
        }
        k->per_node[t] = kind;
    }
    hc_free(buf);
    hc_free(b.single);
    hc_free(b.stamp);
    g_hash_table_destroy(b.seen);
    k->n = b.off->len - 1;
    k->nsets_len = b.sets->len;
    if (ok && k->n <= 65536 && (k->per16 = hc_try_malloc_mapped(((size_t)n + 1) * sizeof *k->per16))) {
        for (uint32_t t = 0; t < n; t++) /* halve what stays cached */
            k->per16[t] = (uint16_t)k->per_node[t];
        hc_free(k->per_node);
        k->per_node = NULL;
    }
    k->set_off = (uint32_t *)(void *)g_array_free(b.off, FALSE);
    k->sets = (uint32_t *)(void *)g_array_free(b.sets, FALSE);
    return ok;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static gboolean kinds_size(hc_kinds *k)
{
    const hc_graph *g = k->g;
    /* Distinct sizes: a bit per size below 2^16, a hash set above. */
    uint64_t *small = hc_try_calloc(1024, sizeof *small);
    if (!small)
        return FALSE;
    GHashTable *big = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    uint32_t count = 0;
    for (uint32_t i = 0; i < g->n; i++) {
        uint64_t z = hc_graph_size_fast(g, i);
        if (z < 65536) {
            if (!((small[z >> 6] >> (z & 63)) & 1)) {
                small[z >> 6] |= (uint64_t)1 << (z & 63);
                count++;
            }
        } else if (!g_hash_table_contains(big, &z)) {
            uint64_t *key = g_new(uint64_t, 1);
            *key = z;
            g_hash_table_add(big, key);
            count++;
        }
    }
    k->sizes = hc_try_malloc((count ? count : 1) * sizeof *k->sizes);
    if (k->sizes) {
        uint32_t j = 0;
        for (uint64_t z = 0; z < 65536; z++)
            if ((small[z >> 6] >> (z & 63)) & 1)
                k->sizes[j++] = z;
        GHashTableIter it;
        gpointer key;
        g_hash_table_iter_init(&it, big);
        while (g_hash_table_iter_next(&it, &key, NULL))
            k->sizes[j++] = *(uint64_t *)key;
        qsort(k->sizes, count, sizeof *k->sizes, cmp_u64);
        k->n = count;
    }
    hc_free(small);
    g_hash_table_destroy(big);
    return k->sizes != NULL;
}

/* Module objects by name: one kind per distinct name, in order of node id. */
static gboolean kinds_module(hc_kinds *k)
{
    const hc_graph *g = k->g;
    GHashTable *byname = g_hash_table_new(g_str_hash, g_str_equal);
    GPtrArray *names = g_ptr_array_new();
    g_ptr_array_add(names, g_strdup(HC_PYNAME_NOT_MODULE));
    k->modkind = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (uint32_t id = 0; id < g->n; id++) {
        if (!(g->types[g->type[id]].flags & HC_TYPE_MODULE))
            continue;
        const char *name = hc_graph_node_name(g, id);
        if (!name)
            continue;
        gpointer kind = g_hash_table_lookup(byname, name);
        if (!kind) {
            kind = GUINT_TO_POINTER(names->len);
            g_ptr_array_add(names, g_strdup(name));
            g_hash_table_insert(byname, (gpointer)name, kind);
        }
        g_hash_table_insert(k->modkind, GUINT_TO_POINTER(id), kind);
    }
    g_hash_table_destroy(byname);
    k->n = names->len;
    k->modnames = (char **)g_ptr_array_free(names, FALSE);
    return TRUE;
}

hc_kinds *hc_kinds_new(hc_graph *g, hc_classifier c, const hc_referrers *refs, GError **error)
{
    if ((unsigned)c >= HC_NCLASSIFIERS || (c == HC_BY_RCS && !refs)) {
        g_set_error(error, HC_ERROR, HC_ERROR_INVALID, "unknown classifier, or rcs without referrers");
        return NULL;
    }
    hc_kinds *k = hc_try_calloc(1, sizeof *k);
    if (!k) {
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory making a classifier");
        return NULL;
    }
    k->g = g;
    k->c = c;
    gboolean ok = TRUE;
    switch (c) {
    case HC_BY_TYPE:
        k->n = g->ntypes;
        break;
    case HC_BY_CLODO:
        k->n = 2 * g->ntypes;
        break;
    case HC_BY_UNITY:
        k->n = 1;
        break;
    case HC_BY_RCS:
        ok = kinds_rcs(k, refs);
        break;
    case HC_BY_SIZE:
        ok = kinds_size(k);
        break;
    case HC_BY_MODULE:
        ok = kinds_module(k);
        break;
    default:
        break;
    }
    if (!ok) {
        k->g = NULL;
        hc_kinds_free(k);
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory making a classifier");
        return NULL;
    }
    hc_graph_ref(g);
    return k;
}

hc_kinds *hc_kinds_new_explicit(hc_graph *g, uint32_t *per_node, char **names, uint32_t nkinds, GError **error)
{
    hc_kinds *k = hc_try_calloc(1, sizeof *k);
    gboolean ok = k != NULL;
    for (uint32_t i = 0; ok && i < g->n; i++)
        ok = per_node[i] < nkinds;
    if (!ok) {
        gboolean nomem = k == NULL;
        hc_free(per_node);
        for (uint32_t i = 0; i < nkinds; i++)
            g_free(names[i]);
        g_free(names);
        hc_free(k);
        g_set_error(error, HC_ERROR, nomem ? HC_ERROR_NOMEM : HC_ERROR_INVALID,
                    nomem ? "out of memory making a classifier" : "a kind out of range");
        return NULL;
    }
    k->g = hc_graph_ref(g);
    k->c = HC_BY_EXPLICIT;
    k->n = nkinds;
    k->per_node = per_node;
    k->modnames = names;
    return k;
}

void hc_kinds_free(hc_kinds *k)
{
    if (!k)
        return;
    hc_graph_unref(k->g);
    hc_free(k->per_node);
    hc_free(k->per16);
    g_free(k->set_off);
    g_free(k->sets);
    hc_free(k->sizes);
    if (k->modkind)
        g_hash_table_destroy(k->modkind);
    for (uint32_t i = 0; k->modnames && i < k->n; i++)
        g_free(k->modnames[i]);
    g_free(k->modnames);
    hc_free(k);
}

size_t hc_kinds_memory(const hc_kinds *k)
{
    size_t n = (size_t)hc_graph_n(k->g) + 1;
    return sizeof *k + (k->per_node ? n * sizeof *k->per_node : 0) + (k->per16 ? n * sizeof *k->per16 : 0) +
           (k->set_off ? ((size_t)k->n + 1) * sizeof *k->set_off : 0) + (size_t)k->nsets_len * sizeof *k->sets +
           (k->sizes ? (size_t)k->n * sizeof *k->sizes : 0);
}

hc_graph *hc_kinds_graph(const hc_kinds *k)
{
    return k->g;
}
uint32_t hc_kinds_count(const hc_kinds *k)
{
    return k->n;
}

uint32_t hc_kinds_of(const hc_kinds *k, uint32_t id)
{
    switch (k->c) {
    case HC_BY_RCS:
        return k->per16 ? k->per16[id] : k->per_node[id];
    case HC_BY_EXPLICIT:
        return k->per_node[id];
    case HC_BY_UNITY:
        return 0;
    case HC_BY_MODULE:
        return (k->g->types[k->g->type[id]].flags & HC_TYPE_MODULE)
                   ? GPOINTER_TO_UINT(g_hash_table_lookup(k->modkind, GUINT_TO_POINTER(id)))
                   : 0;
    case HC_BY_SIZE: {
        uint64_t z = hc_graph_size_fast(k->g, id);
        uint32_t lo = 0, hi = k->n;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (k->sizes[mid] < z)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
    default:
        return hc_classify(k->g, k->c, id);
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void hc_kinds_name(const hc_kinds *k, uint32_t kind, GString *out)
{
    switch (k->c) {
    case HC_BY_UNITY:
        g_string_append(out, "<Anything>");
        return;
    case HC_BY_MODULE:
    case HC_BY_EXPLICIT:
        g_string_append(out, kind < k->n ? k->modnames[kind] : "?");
        return;
    case HC_BY_SIZE:
        g_string_append_printf(out, "%9" G_GUINT64_FORMAT, kind < k->n ? k->sizes[kind] : 0);
        return;
    case HC_BY_RCS: {
        uint32_t a = k->set_off[kind], b = k->set_off[kind + 1];
        if (a == b) {
            g_string_append(out, HC_PYNAME_NOTHING);
            return;
        }
        /* Heapy lists the referrer kinds by name. */
        char **names = g_new(char *, b - a);
        GString *one = g_string_new(NULL);
        for (uint32_t i = a; i < b; i++) {
            g_string_truncate(one, 0);
            hc_kind_name(k->g, HC_BY_CLODO, k->sets[i], one);
            names[i - a] = g_strdup(one->str);
        }
        g_string_free(one, TRUE);
        qsort(names, b - a, sizeof *names, cmp_str);
        for (uint32_t i = 0; i < b - a; i++) {
            if (i)
                g_string_append(out, ", ");
            g_string_append(out, names[i]);
            g_free(names[i]);
        }
        g_free(names);
        return;
    }
    default:
        hc_kind_name(k->g, k->c, kind, out);
    }
}
