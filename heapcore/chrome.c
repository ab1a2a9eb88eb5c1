/* heapcore/chrome.c — a snapshot as a Chrome DevTools .heapsnapshot (see chrome.h). */
#include "heapcore/chrome.h"
#include "heapcore/edgelabels.h"
#include "heapcore/error.h"
#include "heapcore/kinds.h"
#include "heapcore/pynames.h"
#include "heapcore/values.h"
#include "graph_private.h"
#include "outfile_private.h"

#include <errno.h>
#include <string.h>

#define NF 7 /* node fields */
enum { E_CONTEXT, E_ELEMENT, E_PROPERTY, E_INTERNAL, E_HIDDEN, E_SHORTCUT, E_WEAK };
#define NAME_MAX_BYTES 200 /* node names from values are cut here (V8 cuts long strings too) */

typedef struct jw { /* a JSON writer: a buffer flushed to the file */
    FILE *f;
    GString *b;
    gboolean failed;
    int err;
} jw;

static void jw_flush(jw *w)
{
    if (!w->failed && w->b->len && fwrite(w->b->str, 1, w->b->len, w->f) != w->b->len) {
        w->failed = TRUE;
        w->err = errno;
    }
    g_string_truncate(w->b, 0);
}

static inline void jw_s(jw *w, const char *s)
{
    g_string_append(w->b, s);
    if (w->b->len >= (1u << 20))
        jw_flush(w);
}

static inline void jw_u(jw *w, uint64_t v, gboolean comma)
{
    char tmp[24], *p = tmp + sizeof tmp;
    *--p = 0;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (comma)
        g_string_append_c(w->b, ',');
    g_string_append(w->b, p);
    if (w->b->len >= (1u << 20))
        jw_flush(w);
}

/* A JSON string literal of valid UTF-8 text. */
static void jw_str(jw *w, const char *s)
{
    g_string_append_c(w->b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            g_string_append_printf(w->b, "\\%c", *p);
        else if (*p < 0x20)
            g_string_append_printf(w->b, "\\u%04x", *p);
        else
            g_string_append_c(w->b, (char)*p);
    }
    g_string_append_c(w->b, '"');
    if (w->b->len >= (1u << 20))
        jw_flush(w);
}

typedef struct strtab {
    GHashTable *at;  /* text -> index + 1 */
    GPtrArray *v;    /* texts (owned) */
    GPtrArray *keys; /* other keys (invalid UTF-8 texts), owned */
} strtab;

/* The index of text (made valid UTF-8) in the strings table. */
static uint32_t str_id(strtab *t, const char *text)
{
    gpointer hit = g_hash_table_lookup(t->at, text);
    if (hit)
        return GPOINTER_TO_UINT(hit) - 1;
    char *s = g_utf8_make_valid(text, -1);
    hit = g_hash_table_lookup(t->at, s);
    if (hit) {
        g_free(s);
        return GPOINTER_TO_UINT(hit) - 1;
    }
    uint32_t id = t->v->len;
    g_ptr_array_add(t->v, s);
    g_hash_table_insert(t->at, s, GUINT_TO_POINTER(id + 1));
    if (strcmp(s, text) != 0) { /* the invalid text finds it too */
        char *k = g_strdup(text);
        g_ptr_array_add(t->keys, k);
        g_hash_table_insert(t->at, k, GUINT_TO_POINTER(id + 1));
    }
    return id;
}

typedef struct edge_kind {
    uint8_t type;
    gboolean by_index; /* name_or_index: a number (the index, or the edge's position if HC_NONE) */
    uint32_t value;    /* the index, or the name's string id */
} edge_kind;

static gboolean all_digits(const char *s, size_t n)
{
    if (n == 0 || n > 9)
        return FALSE;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return FALSE;
    return TRUE;
}

/* text "'abc'" or "\"abc\"" without escapes: "abc"; else the text itself (g_malloc'd) */
static char *unquote(const char *s, size_t n)
{
    if (n >= 2 && (s[0] == '\'' || s[0] == '"') && s[n - 1] == s[0] && !memchr(s + 1, '\\', n - 2) &&
        !memchr(s + 1, s[0], n - 2))
        return g_strndup(s + 1, n - 2);
    return g_strndup(s, n);
}

static edge_kind classify_label(const char *t, strtab *st)
{
    size_t n = strlen(t);
    edge_kind k = {E_HIDDEN, TRUE, HC_NONE};
    char *name = NULL;
    if (n >= 3 && t[0] == '[' && t[n - 1] == ']') {
        if (all_digits(t + 1, n - 2))
            return (edge_kind){E_ELEMENT, TRUE, (uint32_t)strtoul(t + 1, NULL, 10)};
        k.type = E_PROPERTY;
        name = unquote(t + 1, n - 2);
    } else if (g_str_has_prefix(t, "list(_)[") && t[n - 1] == ']' && all_digits(t + 8, n - 9)) {
        return (edge_kind){E_ELEMENT, TRUE, (uint32_t)strtoul(t + 8, NULL, 10)};
    } else if (strcmp(t, HC_PYNAME_CLASS_LABEL) == 0) {
        k.type = E_INTERNAL;
        name = g_strdup(HC_PYNAME_CLASS_LABEL + 1); /* without the dot */
    } else if (strcmp(t, ".cell_contents") == 0) {
        k.type = E_CONTEXT;
        name = g_strdup("cell_contents");
    } else if (g_str_has_prefix(t, ".f_locals[") && t[n - 1] == ']') {
        k.type = E_CONTEXT;
        name = unquote(t + 10, n - 11);
    } else if (t[0] == '.' && n > 1) {
        gboolean ident = TRUE;
        for (size_t i = 1; i < n && ident; i++)
            ident = g_ascii_isalnum(t[i]) || t[i] == '_' || (unsigned char)t[i] >= 0x80;
        k.type = ident ? E_PROPERTY : E_INTERNAL;
        name = g_strdup(t + 1);
    } else if (strcmp(t, "?") != 0 && n) {
        k.type = E_INTERNAL;
        name = g_strdup(t);
    }
    if (name) {
        k.by_index = FALSE;
        k.value = str_id(st, name);
        g_free(name);
    }
    return k;
}

/* "<str: 12, #1a2b3c4d>" or the value (cut, bytes as b'..' with escapes). */
static char *value_name(const hc_values *V, uint32_t vi, gboolean is_str)
{
    uint32_t id;
    uint64_t length, hash;
    const char *c;
    size_t nb;
    hc_values_get(V, vi, &id, &length, &hash, &c, &nb);
    if (!c)
        return g_strdup_printf("<%s: %" G_GUINT64_FORMAT ", #%08x>", is_str ? "str" : "bytes", length,
                               (unsigned)(hash >> 32));
    size_t cut = MIN(nb, (size_t)NAME_MAX_BYTES);
    GString *s = g_string_new(NULL);
    if (is_str) {
        const char *end = c + cut;
        if (!g_utf8_validate(c, (gssize)cut, &end)) /* a character cut in the middle */
            cut = (size_t)(end - c);
        g_string_append_len(s, c, (gssize)cut);
    } else {
        g_string_append(s, "b'");
        for (size_t i = 0; i < cut; i++) {
            unsigned char b = (unsigned char)c[i];
            if (b >= 0x20 && b < 0x7f && b != '\\' && b != '\'')
                g_string_append_c(s, (char)b);
            else
                g_string_append_printf(s, "\\x%02x", b);
        }
        g_string_append_c(s, '\'');
    }
    if (cut < nb || nb < length)
        g_string_append(s, "...");
    return g_string_free(s, FALSE);
}

gboolean hc_chrome_write(const hc_graph *g, const uint8_t *category, const hc_edge_labels *labels,
                         const hc_values *values, const char *path, GError **error)
{
    uint32_t n = g->n;
    for (uint32_t t = 0; t < g->ntypes; t++)
        if (category[t] >= HC_CHROME_NTYPES) {
            g_set_error(error, HC_ERROR, HC_ERROR_INVALID, "type %u: no such node type %u", t, category[t]);
            return FALSE;
        }
    strtab st = {g_hash_table_new_full(g_str_hash, g_str_equal, NULL, NULL), g_ptr_array_new_with_free_func(g_free),
                 g_ptr_array_new_with_free_func(g_free)};
    str_id(&st, "");
    /* groups: one per distinct root label (of records naming a visible node), then the gc
     * objects no root reaches */
    GHashTable *group_of = g_hash_table_new(g_str_hash, g_str_equal); /* label -> group + 1 */
    GPtrArray *group_names = g_ptr_array_new_with_free_func(g_free);
    uint32_t *rec_group = g_new(uint32_t, g->nroots ? g->nroots : 1);
    for (uint32_t r = 0; r < g->nroots; r++) {
        rec_group[r] = HC_NONE;
        if (g->flags[g->roots[r].id] & HC_NODE_HIDDEN)
            continue;
        const char *label = hc_graph_root_label(g, r);
        gpointer hit = g_hash_table_lookup(group_of, label);
        if (!hit) {
            g_ptr_array_add(group_names, g_strdup_printf("(%s)", label));
            hit = GUINT_TO_POINTER(group_names->len);
            g_hash_table_insert(group_of, (gpointer)label, hit);
        }
        rec_group[r] = GPOINTER_TO_UINT(hit) - 1;
    }
    uint32_t ncomp = 0;
    for (uint32_t i = 0; i < n; i++)
        ncomp += (g->flags[i] & (HC_NODE_COMPLEMENT | HC_NODE_HIDDEN)) == HC_NODE_COMPLEMENT;
    if (ncomp)
        g_ptr_array_add(group_names, g_strdup("(gc objects no root reaches)"));
    uint32_t ngroups = group_names->len, comp_group = ncomp ? ngroups - 1 : HC_NONE;

    /* ordinals: 0 the root, 1..ngroups the groups, then the visible nodes */
    uint32_t *ord = hc_try_malloc_mapped((size_t)(n ? n : 1) * sizeof *ord);
    uint32_t *ecount = hc_try_calloc_mapped((size_t)(n ? n : 1), sizeof *ecount);
    uint32_t *gcount = g_new0(uint32_t, ngroups ? ngroups : 1);
    edge_kind *lk = NULL;
    uint32_t nlk = 0;
    hc_outfile out = {0};
    jw w = {0};
    gboolean ok = ord && ecount;
    uint32_t nvis = 0;
    uint64_t nedges = 0;
    if (ok) {
        for (uint32_t i = 0; i < n; i++)
            ord[i] = g->flags[i] & HC_NODE_HIDDEN ? HC_NONE : 1 + ngroups + nvis++;
        for (uint32_t i = 0; i < n; i++) {
            if (ord[i] == HC_NONE)
                continue;
            uint32_t ne;
            const uint32_t *e = hc_graph_edges(g, i, &ne);
            for (uint32_t k = 0; k < ne; k++)
                ecount[i] += ord[e[k]] != HC_NONE;
            nedges += ecount[i];
            if (g->flags[i] & HC_NODE_COMPLEMENT)
                gcount[comp_group]++;
        }
        for (uint32_t r = 0; r < g->nroots; r++)
            if (rec_group[r] != HC_NONE)
                gcount[rec_group[r]]++;
        nedges += ngroups;
        for (uint32_t k = 0; k < ngroups; k++)
            nedges += gcount[k];
    }
    if (ok && labels) {
        nlk = hc_edge_labels_ntexts(labels);
        lk = g_new(edge_kind, nlk ? nlk : 1);
        for (uint32_t i = 0; i < nlk; i++)
            lk[i] = classify_label(hc_edge_labels_text(labels, i), &st);
    }
    /* node names: per type (its name), per owner type ("dict of T"), modules, values */
    uint32_t *type_name = g_new(uint32_t, g->ntypes ? g->ntypes : 1);
    uint32_t *dict_of = g_new(uint32_t, g->ntypes ? g->ntypes : 1);
    for (uint32_t t = 0; t < g->ntypes; t++) {
        type_name[t] = str_id(&st, g->types[t].name ? g->types[t].name : "?");
        dict_of[t] = HC_NONE;
    }
    if (!ok) {
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory exporting a snapshot");
    } else if ((ok = hc_outfile_open(&out, path, 0, error))) {
        w.f = out.f;
        w.b = g_string_sized_new(1u << 21);
        jw_s(&w, "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\","
                 "\"trace_node_id\",\"detachedness\"],\"node_types\":[[\"hidden\",\"array\",\"string\",\"object\","
                 "\"code\",\"closure\",\"regexp\",\"number\",\"native\",\"synthetic\",\"concatenated string\","
                 "\"sliced string\",\"symbol\",\"bigint\",\"object shape\"],\"string\",\"number\",\"number\","
                 "\"number\",\"number\",\"number\"],\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
                 "\"edge_types\":[[\"context\",\"element\",\"property\",\"internal\",\"hidden\",\"shortcut\","
                 "\"weak\"],\"string_or_number\",\"node\"],\"location_fields\":[\"object_index\",\"script_id\","
                 "\"line\",\"column\"]},\"node_count\":");
        jw_u(&w, 1 + (uint64_t)ngroups + nvis, FALSE);
        jw_s(&w, ",\"edge_count\":");
        jw_u(&w, nedges, FALSE);
        jw_s(&w, ",\"trace_function_count\":0},\n\"nodes\":[");
        /* the root and the groups */
        jw_u(&w, HC_CHROME_SYNTHETIC, FALSE);
        jw_u(&w, 0, TRUE);
        jw_u(&w, 1, TRUE);
        jw_u(&w, 0, TRUE);
        jw_u(&w, ngroups, TRUE);
        jw_s(&w, ",0,0");
        for (uint32_t k = 0; k < ngroups; k++) {
            jw_u(&w, HC_CHROME_SYNTHETIC, TRUE);
            jw_u(&w, str_id(&st, group_names->pdata[k]), TRUE);
            jw_u(&w, 2 * (uint64_t)(1 + k) + 1, TRUE);
            jw_u(&w, 0, TRUE);
            jw_u(&w, gcount[k], TRUE);
            jw_s(&w, ",0,0");
        }
        uint32_t vi = 0, nv = values ? hc_values_count(values) : 0;
        for (uint32_t i = 0; i < n && !w.failed; i++) {
            if (ord[i] == HC_NONE)
                continue;
            uint32_t t = g->type[i], name = type_name[t];
            const char *own = hc_graph_node_name(g, i);
            uint32_t vid = HC_NONE;
            while (vi < nv) { /* values are by ascending id, as nodes */
                uint32_t id;
                uint64_t l, h;
                const char *c;
                size_t nb;
                hc_values_get(values, vi, &id, &l, &h, &c, &nb);
                if (id > i)
                    break;
                if (id == i)
                    vid = vi;
                vi++;
            }
            if (own) {
                char *s = g_strdup_printf("<module %s>", own);
                name = str_id(&st, s);
                g_free(s);
            } else if (vid != HC_NONE) {
                const char *tn = g->types[t].name ? g->types[t].name : "";
                char *s = value_name(values, vid, strcmp(tn, "bytes") != 0 && strcmp(tn, "bytearray") != 0);
                name = str_id(&st, s);
                g_free(s);
            } else if (g->types[t].flags & HC_TYPE_DICTLIKE) {
                uint32_t o = hc_graph_owner(g, i);
                if (o != HC_NONE) {
                    uint32_t ot = g->type[o];
                    if (dict_of[ot] == HC_NONE) {
                        GString *s = g_string_new(NULL); /* named as byclodo names it */
                        hc_kind_name(g, HC_BY_CLODO, g->ntypes + ot, s);
                        dict_of[ot] = str_id(&st, s->str);
                        g_string_free(s, TRUE);
                    }
                    name = dict_of[ot];
                }
            }
            uint64_t size = g->flags[i] & HC_NODE_VIRTUAL ? 0 : hc_graph_size_fast(g, i);
            jw_u(&w, category[t], TRUE);
            jw_u(&w, name, TRUE);
            jw_u(&w, 2 * (uint64_t)ord[i] + 1, TRUE);
            jw_u(&w, MIN(size, (uint64_t)UINT32_MAX), TRUE);
            jw_u(&w, ecount[i], TRUE);
            jw_s(&w, ",0,0");
        }
        jw_s(&w, "],\n\"edges\":[");
        gboolean first = TRUE;
#define EDGE(type, name, to)                \
    do {                                    \
        jw_u(&w, (type), !first);           \
        jw_u(&w, (name), TRUE);             \
        jw_u(&w, (uint64_t)NF *(to), TRUE); \
        first = FALSE;                      \
    } while (0)
        for (uint32_t k = 0; k < ngroups; k++)
            EDGE(E_ELEMENT, k + 1, 1 + k);
        for (uint32_t k = 0; k < ngroups; k++) {
            uint32_t idx = 0;
            if (k == comp_group) {
                for (uint32_t i = 0; i < n; i++)
                    if (ord[i] != HC_NONE && (g->flags[i] & HC_NODE_COMPLEMENT))
                        EDGE(E_ELEMENT, idx++, ord[i]);
                continue;
            }
            for (uint32_t r = 0; r < g->nroots; r++)
                if (rec_group[r] == k)
                    EDGE(E_ELEMENT, idx++, ord[g->roots[r].id]);
        }
        const uint32_t *lab = labels ? hc_edge_labels_edges(labels) : NULL;
        GString *itext = g_string_new(NULL);
        for (uint32_t i = 0; i < n && !w.failed; i++) {
            if (ord[i] == HC_NONE)
                continue;
            uint32_t ne;
            const uint32_t *e = hc_graph_edges(g, i, &ne);
            uint64_t base = hc_graph_edge_at(g, i);
            hc_index_cursor ic;
            if (lab)
                hc_index_cursor_init(&ic, lab + base, ne);
            for (uint32_t k = 0; k < ne; k++) {
                uint32_t fam = 0, index = lab ? hc_index_next(&ic, lab[base + k], &fam) : HC_NONE;
                if (ord[e[k]] == HC_NONE)
                    continue;
                edge_kind ek = {E_HIDDEN, TRUE, HC_NONE};
                if (index != HC_NONE && fam == 0) { /* a sequence's item */
                    ek = (edge_kind){E_ELEMENT, TRUE, index};
                } else if (index != HC_NONE) { /* another family: as its text would be */
                    g_string_truncate(itext, 0);
                    hc_edge_labels_index_text(labels, fam, index, itext);
                    ek = classify_label(itext->str, &st);
                } else if (lab && lab[base + k] < nlk)
                    ek = lk[lab[base + k]];
                EDGE(ek.type, ek.by_index && ek.value == HC_NONE ? k : ek.value, ord[e[k]]);
            }
        }
        g_string_free(itext, TRUE);
#undef EDGE
        jw_s(&w, "],\n\"locations\":[],\n\"strings\":[");
        for (guint k = 0; k < st.v->len; k++) {
            if (k)
                g_string_append_c(w.b, ',');
            jw_str(&w, st.v->pdata[k]);
            if (k % 64 == 63)
                g_string_append_c(w.b, '\n');
        }
        jw_s(&w, "]}\n");
        jw_flush(&w);
        ok = hc_outfile_close(&out, !w.failed, w.err, error);
        g_string_free(w.b, TRUE);
    }
    g_free(type_name);
    g_free(dict_of);
    g_free(lk);
    g_free(gcount);
    hc_free(ord);
    hc_free(ecount);
    g_free(rec_group);
    g_hash_table_destroy(group_of);
    g_ptr_array_free(group_names, TRUE);
    g_hash_table_destroy(st.at);
    g_ptr_array_free(st.v, TRUE);
    g_ptr_array_free(st.keys, TRUE);
    return ok;
}
