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

struct hc_values {
    GArray *v;     /* value, by ascending id */
    GString *bytes; /* kept contents, back to back */
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
    hc_values *v = g_new0(hc_values, 1);
    v->v = g_array_sized_new(FALSE, FALSE, sizeof(value), count);
    v->bytes = g_string_new(NULL);
    return v;
}

void hc_values_free(hc_values *v)
{
    if (!v)
        return;
    g_array_free(v->v, TRUE);
    g_string_free(v->bytes, TRUE);
    g_free(v);
}

gboolean hc_values_add(hc_values *v, uint32_t id, uint64_t length, uint64_t hash, const void *contents,
                       size_t nbytes)
{
    value e = {length, hash, UINT64_MAX, id, 0};
    if (contents) {
        nbytes = MIN(nbytes, HC_VALUE_KEEP_MAX);
        e.at = v->bytes->len;
        e.nbytes = (uint32_t)nbytes;
        g_string_append_len(v->bytes, contents, (gssize)nbytes);
        v->kept = TRUE;
    }
    g_array_append_val(v->v, e);
    return TRUE;
}

hc_values *hc_values_capture(const hc_graph *g, const uint64_t *alive, const hc_value_model *m,
                             gboolean keep, GError **error)
{
    (void)error; /* glib aborts on a failed small allocation; the arrays here grow by doubling */
    /* per type: 0 not asked yet, 1 has values, 2 has none; asked at the first live instance
     * (so the type object is alive: the instance holds it) */
    uint8_t *valued = g_new0(uint8_t, g->ntypes ? g->ntypes : 1);
    hc_values *v = hc_values_new();
    GString *s = g_string_new(NULL);
    for (uint32_t r = 0; r < g->nreal; r++) {
        uint32_t t = g->type[r];
        if (valued[t] == 2 || !HC_BIT(alive, r))
            continue;
        if (valued[t] == 0) {
            valued[t] = !(g->types[t].flags & (HC_TYPE_VIRTUAL | HC_TYPE_NOOBJ)) &&
                                m->has_value(m->ctx, g->types[t].key) ? 1 : 2;
            if (valued[t] == 2)
                continue;
        }
        uint64_t length = 0;
        g_string_truncate(s, 0);
        m->value(m->ctx, g->addr[r], &length, s);
        hc_values_add(v, r, length, hc_values_hash(s->str, s->len), keep ? s->str : NULL, s->len);
    }
    g_string_free(s, TRUE);
    g_free(valued);
    return v;
}

hc_values *hc_values_redacted(const hc_values *v)
{
    hc_values *r = hc_values_new();
    g_array_set_size(r->v, v->v->len);
    for (guint i = 0; i < v->v->len; i++) {
        value e = g_array_index(v->v, value, i);
        e.at = UINT64_MAX;
        e.nbytes = 0;
        g_array_index(r->v, value, i) = e;
    }
    return r;
}

uint32_t hc_values_count(const hc_values *v) { return v->v->len; }
gboolean hc_values_kept(const hc_values *v) { return v->kept; }

void hc_values_get(const hc_values *v, uint32_t i, uint32_t *id, uint64_t *length, uint64_t *hash,
                   const char **contents, size_t *nbytes)
{
    const value *e = &g_array_index(v->v, value, i);
    *id = e->id;
    *length = e->length;
    *hash = e->hash;
    *contents = e->at == UINT64_MAX ? NULL : v->bytes->str + e->at;
    *nbytes = e->nbytes;
}

uint32_t hc_values_find(const hc_values *v, uint32_t id)
{
    uint32_t lo = 0, hi = v->v->len;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g_array_index(v->v, value, mid).id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < v->v->len && g_array_index(v->v, value, lo).id == id ? lo : HC_NONE;
}
