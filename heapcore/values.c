/* heapcore/values.c — string and bytes contents kept with a graph (see values.h). */
#include "heapcore/values.h"
#include "heapcore/error.h"
#include "graph_private.h"

#include <string.h>

typedef struct value {
    uint64_t length, hash;
    uint64_t at; /* offset of the contents in bytes, UINT64_MAX if redacted */
    uint32_t id, nbytes;
} value;

/* Plain arrays from hc_try_* (not GArray/GString, which abort when out of memory). */
struct hc_values {
    value *v; /* by ascending id */
    uint32_t n, cap;
    char *bytes; /* kept contents, back to back */
    size_t nbytes, bcap;
    gboolean kept;
};

uint64_t hc_values_hash(const void *data, size_t n)
{
    const uint8_t *p = data;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

hc_values *hc_values_new(void)
{
    return hc_values_new_sized(0);
}

hc_values *hc_values_new_sized(uint32_t count)
{
    hc_values *v = hc_try_calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->cap = count ? count : 16;
    if (!(v->v = hc_try_malloc_mapped((size_t)v->cap * sizeof *v->v))) {
        hc_free(v);
        return NULL;
    }
    return v;
}

void hc_values_free(hc_values *v)
{
    if (!v)
        return;
    hc_free(v->v);
    hc_free(v->bytes);
    hc_free(v);
}

gboolean hc_values_add(hc_values *v, uint32_t id, uint64_t length, uint64_t hash, const void *contents, size_t nbytes)
{
    value e = {length, hash, UINT64_MAX, id, 0};
    if (v->n == v->cap) {
        value *q = v->cap < UINT32_MAX / 2 ? hc_try_reallocarray(v->v, (size_t)v->cap * 2, sizeof *q) : NULL;
        if (!q)
            return FALSE;
        v->v = q;
        v->cap *= 2;
    }
    if (contents) {
        nbytes = MIN(nbytes, HC_VALUE_KEEP_MAX);
        if (v->bcap - v->nbytes < nbytes) {
            size_t c = MAX(v->bcap * 2, v->nbytes + nbytes + 4096);
            char *q = hc_try_realloc(v->bytes, c);
            if (!q)
                return FALSE;
            v->bytes = q;
            v->bcap = c;
        }
        if (nbytes) /* an empty first value: bytes may still be NULL (memcpy(NULL, p, 0) is UB) */
            memcpy(v->bytes + v->nbytes, contents, nbytes);
        e.at = v->nbytes;
        e.nbytes = (uint32_t)nbytes;
        v->nbytes += nbytes;
        v->kept = TRUE;
    }
    v->v[v->n++] = e;
    return TRUE;
}

static void *nomem(GError **error)
{
    g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory reading string values");
    return NULL;
}

struct hc_value_sink {
    uint64_t hash; /* FNV-1a of every byte put so far */
    gboolean keep; /* keep the first HC_VALUE_KEEP_MAX bytes in buf */
    char *buf;     /* hc_try_malloc'd at its full size on first need; NULL: none */
    size_t kept;
    gboolean nomem; /* buf could not be had */
};

void hc_value_sink_put(hc_value_sink *s, const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t h = s->hash;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    s->hash = h;
    if (!s->keep || s->kept >= HC_VALUE_KEEP_MAX || n == 0)
        return;
    if (!s->buf && !(s->buf = hc_try_malloc(HC_VALUE_KEEP_MAX))) {
        s->nomem = TRUE;
        return;
    }
    size_t take = MIN(n, HC_VALUE_KEEP_MAX - s->kept);
    memcpy(s->buf + s->kept, b, take);
    s->kept += take;
}

hc_values *hc_values_capture(const hc_graph *g, const uint64_t *alive, const hc_value_model *m, gboolean keep,
                             GError **error)
{
    /* per type: 0 not asked yet, 1 has values, 2 has none; asked at the first live instance
     * (so the type object is alive: the instance holds it) */
    uint8_t *valued = hc_try_calloc(g->ntypes ? g->ntypes : 1, 1);
    hc_values *v = hc_values_new();
    if (!valued || !v) {
        hc_free(valued);
        hc_values_free(v);
        return nomem(error);
    }
    hc_value_sink s = {0, keep, NULL, 0, FALSE};
    for (uint32_t r = 0; r < g->nreal; r++) {
        uint32_t t = g->type[r];
        if (valued[t] == 2 || !HC_BIT(alive, r))
            continue;
        if (valued[t] == 0) {
            valued[t] =
                !(g->types[t].flags & (HC_TYPE_VIRTUAL | HC_TYPE_NOOBJ)) && m->has_value(m->ctx, g->types[t].key) ? 1
                                                                                                                  : 2;
            if (valued[t] == 2)
                continue;
        }
        uint64_t length = 0;
        s.hash = 0xcbf29ce484222325ull; /* FNV-1a's offset basis, as hc_values_hash */
        s.kept = 0;
        m->value(m->ctx, g->addr[r], &length, &s);
        if (s.nomem || !hc_values_add(v, r, length, s.hash, keep ? (s.buf ? s.buf : "") : NULL, s.kept)) {
            hc_values_free(v);
            v = nomem(error);
            break;
        }
    }
    hc_free(s.buf);
    hc_free(valued);
    return v;
}

hc_values *hc_values_redacted(const hc_values *v)
{
    hc_values *r = hc_values_new_sized(v->n);
    if (!r)
        return NULL;
    for (uint32_t i = 0; i < v->n; i++) {
        value e = v->v[i];
        e.at = UINT64_MAX;
        e.nbytes = 0;
        r->v[i] = e;
    }
    r->n = v->n;
    return r;
}

uint32_t hc_values_count(const hc_values *v)
{
    return v->n;
}
gboolean hc_values_kept(const hc_values *v)
{
    return v->kept;
}

void hc_values_get(const hc_values *v, uint32_t i, uint32_t *id, uint64_t *length, uint64_t *hash,
                   const char **contents, size_t *nbytes)
{
    const value *e = &v->v[i];
    *id = e->id;
    *length = e->length;
    *hash = e->hash;
    *contents = e->at == UINT64_MAX ? NULL : v->bytes + e->at;
    *nbytes = e->nbytes;
}

uint32_t hc_values_find(const hc_values *v, uint32_t id)
{
    uint32_t lo = 0, hi = v->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (v->v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < v->n && v->v[lo].id == id ? lo : HC_NONE;
}
