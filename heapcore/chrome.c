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
        name = g_strdup(&HC_PYNAME_CLASS_LABEL[1]); /* without the dot */
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

/* One export: the groups the roots fall into, each node's ordinal and visible edges, the node
 * names, the strings table and the writer.  Strings get their numbers in the order of first
 * use, so the steps below run in a fixed order: the labels' texts, the type names, the nodes,
 * the edges. */
typedef struct export
{
    const hc_graph *g;
    const uint8_t *category;
    const hc_edge_labels *labels;
    const hc_values *values;
    uint32_t nvalues; /* values' count (0 without values) */
    strtab st;
    GHashTable *group_of;   /* root label -> group + 1 */
    GPtrArray *group_names; /* "(label)", then "(gc objects no root reaches)" if any */
    uint32_t *rec_group;    /* per root record: its group, HC_NONE if it names a hidden node */
    uint32_t ngroups;       /* groups, the complement's included */
    uint32_t comp_group;    /* the complement's group, HC_NONE if it has none */
    uint32_t *ord;          /* per node: 0 the root, 1..ngroups the groups, then visible nodes */
    uint32_t *ecount;       /* per node: edges to visible nodes */
    uint32_t *gcount;       /* per group: its members */
    uint32_t nvis;          /* visible nodes */
    uint64_t nedges;        /* edges written, the synthetic ones included */
    edge_kind *lk;          /* per label text: its Chrome edge */
    uint32_t nlk;
    uint32_t *type_name; /* per type: its name's string */
    uint32_t *dict_of;   /* per type: "dict of T"'s string, HC_NONE until used */
    jw w;
    gboolean first_edge;
}
export;

/* Groups: one per distinct root label (of records naming a visible node), then the gc
 * objects no root reaches. */
static void export_groups(export *x)
{
    const hc_graph *g = x->g;
    x->group_of = g_hash_table_new(g_str_hash, g_str_equal);
    x->group_names = g_ptr_array_new_with_free_func(g_free);
    x->rec_group = g_new(uint32_t, g->nroots ? g->nroots : 1);
    for (uint32_t r = 0; r < g->nroots; r++) {
        x->rec_group[r] = HC_NONE;
        if (g->flags[g->roots[r].id] & HC_NODE_HIDDEN)
            continue;
        const char *label = hc_graph_root_label(g, r);
        gpointer hit = g_hash_table_lookup(x->group_of, label);
        if (!hit) {
            g_ptr_array_add(x->group_names, g_strdup_printf("(%s)", label));
            hit = GUINT_TO_POINTER(x->group_names->len);
            g_hash_table_insert(x->group_of, (gpointer)label, hit);
        }
        x->rec_group[r] = GPOINTER_TO_UINT(hit) - 1;
    }
    uint32_t ncomp = 0;
    for (uint32_t i = 0; i < g->n; i++)
        ncomp += (g->flags[i] & (HC_NODE_COMPLEMENT | HC_NODE_HIDDEN)) == HC_NODE_COMPLEMENT;
    if (ncomp)
        g_ptr_array_add(x->group_names, g_strdup("(gc objects no root reaches)"));
    x->ngroups = x->group_names->len;
    x->comp_group = ncomp ? x->ngroups - 1 : HC_NONE;
}

/* Ordinals, visible edges per node, members per group, the counts the header gives.  FALSE:
 * out of memory. */
static gboolean export_count(export *x)
{
    const hc_graph *g = x->g;
    uint32_t n = g->n;
    x->ord = hc_try_malloc_mapped((size_t)(n ? n : 1) * sizeof *x->ord);
    x->ecount = hc_try_calloc_mapped((size_t)(n ? n : 1), sizeof *x->ecount);
    x->gcount = g_new0(uint32_t, x->ngroups ? x->ngroups : 1);
    if (!x->ord || !x->ecount)
        return FALSE;
    for (uint32_t i = 0; i < n; i++)
        x->ord[i] = g->flags[i] & HC_NODE_HIDDEN ? HC_NONE : 1 + x->ngroups + x->nvis++;
    for (uint32_t i = 0; i < n; i++) {
        if (x->ord[i] == HC_NONE)
            continue;
        uint32_t ne;
        const uint32_t *e = hc_graph_edges(g, i, &ne);
        for (uint32_t k = 0; k < ne; k++)
            x->ecount[i] += x->ord[e[k]] != HC_NONE;
        x->nedges += x->ecount[i];
        if (g->flags[i] & HC_NODE_COMPLEMENT)
            x->gcount[x->comp_group]++;
    }
    for (uint32_t r = 0; r < g->nroots; r++)
        if (x->rec_group[r] != HC_NONE)
            x->gcount[x->rec_group[r]]++;
    x->nedges += x->ngroups;
    for (uint32_t k = 0; k < x->ngroups; k++)
        x->nedges += x->gcount[k];
    return TRUE;
}

/* The label texts' edges, then the type names: the strings table's first entries. */
static void export_names(export *x, gboolean labels_too)
{
    const hc_graph *g = x->g;
    if (labels_too && x->labels) {
        x->nlk = hc_edge_labels_ntexts(x->labels);
        x->lk = g_new(edge_kind, x->nlk ? x->nlk : 1);
        for (uint32_t i = 0; i < x->nlk; i++)
            x->lk[i] = classify_label(hc_edge_labels_text(x->labels, i), &x->st);
    }
    x->type_name = g_new(uint32_t, g->ntypes ? g->ntypes : 1);
    x->dict_of = g_new(uint32_t, g->ntypes ? g->ntypes : 1);
    for (uint32_t t = 0; t < g->ntypes; t++) {
        x->type_name[t] = str_id(&x->st, g->types[t].name ? g->types[t].name : "?");
        x->dict_of[t] = HC_NONE;
    }
}

/* Node i's name: a module's "<module M>", a kept value, a dict's "dict of T" (as byclodo
 * names it), else its type's name.  *vi: the next value to look at (values are by ascending
 * id, as nodes). */
static uint32_t node_name(export *x, uint32_t i, uint32_t *vi)
{
    const hc_graph *g = x->g;
    uint32_t t = g->type[i], name = x->type_name[t];
    const char *own = hc_graph_node_name(g, i);
    uint32_t vid = HC_NONE;
    while (*vi < x->nvalues) {
        uint32_t id;
        uint64_t l, h;
        const char *c;
        size_t nb;
        hc_values_get(x->values, *vi, &id, &l, &h, &c, &nb);
        if (id > i)
            break;
        if (id == i)
            vid = *vi;
        (*vi)++;
    }
    if (own && (g->flags[i] & HC_NODE_VIRTUAL)) {
        name = str_id(&x->st, own); /* a thread's or frame's name */
    } else if (own) {
        char *s = g_strdup_printf("<module %s>", own);
        name = str_id(&x->st, s);
        g_free(s);
    } else if (vid != HC_NONE) {
        const char *tn = g->types[t].name ? g->types[t].name : "";
        char *s = value_name(x->values, vid, strcmp(tn, "bytes") != 0 && strcmp(tn, "bytearray") != 0);
        name = str_id(&x->st, s);
        g_free(s);
    } else if (g->types[t].flags & HC_TYPE_DICTLIKE) {
        uint32_t o = hc_graph_owner(g, i);
        if (o != HC_NONE) {
            uint32_t ot = g->type[o];
            if (x->dict_of[ot] == HC_NONE) {
                GString *s = g_string_new(NULL);
                hc_kind_name(g, HC_BY_CLODO, g->ntypes + ot, s);
                x->dict_of[ot] = str_id(&x->st, s->str);
                g_string_free(s, TRUE);
            }
            name = x->dict_of[ot];
        }
    }
    return name;
}

/* The header (meta and counts), then every node: the root, the groups, the visible nodes. */
static void write_nodes(export *x)
{
    const hc_graph *g = x->g;
    jw *w = &x->w;
    jw_s(w, "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\","
            "\"trace_node_id\",\"detachedness\"],\"node_types\":[[\"hidden\",\"array\",\"string\",\"object\","
            "\"code\",\"closure\",\"regexp\",\"number\",\"native\",\"synthetic\",\"concatenated string\","
            "\"sliced string\",\"symbol\",\"bigint\",\"object shape\"],\"string\",\"number\",\"number\","
            "\"number\",\"number\",\"number\"],\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
            "\"edge_types\":[[\"context\",\"element\",\"property\",\"internal\",\"hidden\",\"shortcut\","
            "\"weak\"],\"string_or_number\",\"node\"],\"location_fields\":[\"object_index\",\"script_id\","
            "\"line\",\"column\"]},\"node_count\":");
    jw_u(w, 1 + (uint64_t)x->ngroups + x->nvis, FALSE);
    jw_s(w, ",\"edge_count\":");
    jw_u(w, x->nedges, FALSE);
    jw_s(w, ",\"trace_function_count\":0},\n\"nodes\":[");
    jw_u(w, HC_CHROME_SYNTHETIC, FALSE);
    jw_u(w, 0, TRUE);
    jw_u(w, 1, TRUE);
    jw_u(w, 0, TRUE);
    jw_u(w, x->ngroups, TRUE);
    jw_s(w, ",0,0");
    for (uint32_t k = 0; k < x->ngroups; k++) {
        jw_u(w, HC_CHROME_SYNTHETIC, TRUE);
        jw_u(w, str_id(&x->st, x->group_names->pdata[k]), TRUE);
        jw_u(w, 2 * (uint64_t)(1 + k) + 1, TRUE);
        jw_u(w, 0, TRUE);
        jw_u(w, x->gcount[k], TRUE);
        jw_s(w, ",0,0");
    }
    uint32_t vi = 0;
    for (uint32_t i = 0; i < g->n && !w->failed; i++) {
        if (x->ord[i] == HC_NONE)
            continue;
        uint32_t name = node_name(x, i, &vi);
        uint64_t size = g->flags[i] & HC_NODE_VIRTUAL ? 0 : hc_graph_size_fast(g, i);
        jw_u(w, x->category[g->type[i]], TRUE);
        jw_u(w, name, TRUE);
        jw_u(w, 2 * (uint64_t)x->ord[i] + 1, TRUE);
        jw_u(w, MIN(size, (uint64_t)UINT32_MAX), TRUE);
        jw_u(w, x->ecount[i], TRUE);
        jw_s(w, ",0,0");
    }
}

static inline void edge(export *x, uint32_t type, uint64_t name, uint32_t to)
{
    jw_u(&x->w, type, !x->first_edge);
    jw_u(&x->w, name, TRUE);
    jw_u(&x->w, (uint64_t)NF * to, TRUE);
    x->first_edge = FALSE;
}

/* The root's edges to the groups, each group's to its members, then every visible node's
 * edges to visible nodes, typed and named from their labels. */
static void write_edges(export *x)
{
    const hc_graph *g = x->g;
    const hc_edge_labels *labels = x->labels;
    jw_s(&x->w, "],\n\"edges\":[");
    x->first_edge = TRUE;
    for (uint32_t k = 0; k < x->ngroups; k++)
        edge(x, E_ELEMENT, k + 1, 1 + k);
    for (uint32_t k = 0; k < x->ngroups; k++) {
        uint32_t idx = 0;
        if (k == x->comp_group) {
            for (uint32_t i = 0; i < g->n; i++)
                if (x->ord[i] != HC_NONE && (g->flags[i] & HC_NODE_COMPLEMENT))
                    edge(x, E_ELEMENT, idx++, x->ord[i]);
            continue;
        }
        for (uint32_t r = 0; r < g->nroots; r++)
            if (x->rec_group[r] == k)
                edge(x, E_ELEMENT, idx++, x->ord[g->roots[r].id]);
    }
    const uint32_t *lab = labels ? hc_edge_labels_edges(labels) : NULL;
    GString *itext = g_string_new(NULL);
    for (uint32_t i = 0; i < g->n && !x->w.failed; i++) {
        if (x->ord[i] == HC_NONE)
            continue;
        uint32_t ne;
        const uint32_t *e = hc_graph_edges(g, i, &ne);
        uint64_t base = hc_graph_edge_at(g, i);
        hc_index_cursor ic;
        if (lab)
            hc_index_cursor_init(&ic, lab + base, ne);
        for (uint32_t k = 0; k < ne; k++) {
            uint32_t fam = 0, index = lab ? hc_index_next(&ic, lab[base + k], &fam) : HC_NONE;
            if (x->ord[e[k]] == HC_NONE)
                continue;
            edge_kind ek = {E_HIDDEN, TRUE, HC_NONE};
            if (index != HC_NONE && fam == 0) { /* a sequence's item */
                ek = (edge_kind){E_ELEMENT, TRUE, index};
            } else if (index != HC_NONE) { /* another family: as its text would be */
                g_string_truncate(itext, 0);
                hc_edge_labels_index_text(labels, fam, index, itext);
                ek = classify_label(itext->str, &x->st);
            } else if (lab && lab[base + k] < x->nlk)
                ek = x->lk[lab[base + k]];
            edge(x, ek.type, ek.by_index && ek.value == HC_NONE ? k : ek.value, x->ord[e[k]]);
        }
    }
    g_string_free(itext, TRUE);
}

static void write_strings(export *x)
{
    jw *w = &x->w;
    jw_s(w, "],\n\"locations\":[],\n\"strings\":[");
    for (guint k = 0; k < x->st.v->len; k++) {
        if (k)
            g_string_append_c(w->b, ',');
        jw_str(w, x->st.v->pdata[k]);
        if (k % 64 == 63)
            g_string_append_c(w->b, '\n');
    }
    jw_s(w, "]}\n");
}

static void export_free(export *x)
{
    g_free(x->type_name);
    g_free(x->dict_of);
    g_free(x->lk);
    g_free(x->gcount);
    hc_free(x->ord);
    hc_free(x->ecount);
    g_free(x->rec_group);
    g_hash_table_destroy(x->group_of);
    g_ptr_array_free(x->group_names, TRUE);
    g_hash_table_destroy(x->st.at);
    g_ptr_array_free(x->st.v, TRUE);
    g_ptr_array_free(x->st.keys, TRUE);
}

gboolean hc_chrome_write(const hc_graph *g, const uint8_t *category, const hc_edge_labels *labels,
                         const hc_values *values, const char *path, GError **error)
{
    for (uint32_t t = 0; t < g->ntypes; t++)
        if (category[t] >= HC_CHROME_NTYPES) {
            g_set_error(error, HC_ERROR, HC_ERROR_INVALID, "type %u: no such node type %u", t, category[t]);
            return FALSE;
        }
    export x = {.g = g,
                .category = category,
                .labels = labels,
                .values = values,
                .nvalues = values ? hc_values_count(values) : 0};
    x.st = (strtab){g_hash_table_new_full(g_str_hash, g_str_equal, NULL, NULL), g_ptr_array_new_with_free_func(g_free),
                    g_ptr_array_new_with_free_func(g_free)};
    str_id(&x.st, "");
    export_groups(&x);
    gboolean ok = export_count(&x);
    export_names(&x, ok);
    hc_outfile out = {0};
    if (!ok) {
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory exporting a snapshot");
    } else if ((ok = hc_outfile_open(&out, path, 0, error))) {
        x.w.f = out.f;
        x.w.b = g_string_sized_new(1u << 21);
        write_nodes(&x);
        write_edges(&x);
        write_strings(&x);
        jw_flush(&x.w);
        ok = hc_outfile_close(&out, !x.w.failed, x.w.err, error);
        g_string_free(x.w.b, TRUE);
    }
    export_free(&x);
    return ok;
}
