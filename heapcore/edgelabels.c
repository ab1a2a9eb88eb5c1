/* heapcore/edgelabels.c — every edge's label kept with a graph: captured from a live
 * labeller, encoded and decoded for files, and read back through a stored labeller (see
 * edgelabels.h). */
#include "heapcore/edgelabels.h"
#include "heapcore/error.h"
#include "heapcore/pynames.h"
#include "graph_private.h"
#include "labtable_private.h"
#include "varint_private.h"

#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

struct hc_edge_labels {
    char **text; /* [ntext]: each g_malloc'd, or (arena set) pointers into the arena */
    char *arena; /* a capture's texts, one block (hc_free) */
    uint32_t ntext;
    uint32_t *edge; /* [edges of g] text numbers; NULL until decoded */
    uint8_t *enc;   /* stored form (a file's EDGELABELS section), until decoded */
    size_t enc_len;
    gboolean legacy; /* enc is a version-1 file's: numbers from 2 up move past the families' */
};

void hc_edge_labels_free(hc_edge_labels *L)
{
    if (!L)
        return;
    if (L->arena) {
        hc_free(L->arena);
        hc_free(L->text);
    } else {
        for (uint32_t i = 0; L->text && i < L->ntext; i++)
            g_free(L->text[i]);
        g_free(L->text);
    }
    hc_free(L->edge);
    hc_free(L->enc);
    g_free(L);
}

uint32_t hc_edge_labels_ntexts(const hc_edge_labels *L)
{
    return L->ntext;
}
const char *hc_edge_labels_text(const hc_edge_labels *L, uint32_t i)
{
    return i < L->ntext ? L->text[i] : "?";
}
const uint32_t *hc_edge_labels_edges(const hc_edge_labels *L)
{
    return L->edge;
}

void hc_index_cursor_init(hc_index_cursor *c, const uint32_t *lab, uint32_t n)
{
    memset(c, 0, sizeof *c);
    for (uint32_t k = 0; k < n; k++)
        if (lab[k] >= HC_LABEL_FWD(0) && lab[k] < HC_LABEL_RESERVED && (lab[k] - HC_LABEL_FWD(0)) % 2)
            c->rev[(lab[k] - HC_LABEL_FWD(0)) / 2]++;
}

void hc_edge_labels_index_text(const hc_edge_labels *L, uint32_t f, uint32_t i, GString *out)
{
    const char *p = f < HC_INDEX_FAMILIES ? hc_edge_labels_text(L, HC_LABEL_FWD(f)) : "[]";
    size_t n = strlen(p);
    g_string_append_len(out, p, n && p[n - 1] == ']' ? (gssize)n - 1 : (gssize)n);
    g_string_append_printf(out, "%u]", i);
}

hc_edge_labels *hc_edge_labels_new_encoded(char **texts, char *arena, uint32_t ntexts, const uint8_t *enc, size_t len,
                                           gboolean legacy)
{
    static char family[] = "[]"; /* never used by a version-1 file */
    hc_edge_labels *L = g_try_new0(hc_edge_labels, 1);
    uint8_t *copy = L ? hc_try_malloc(len ? len : 1) : NULL;
    if (copy && legacy && ntexts >= HC_LABEL_FWD(0)) { /* make room for the index numbers */
        const uint32_t more = HC_LABEL_RESERVED - HC_LABEL_FWD(0);
        char **grown = hc_try_reallocarray(texts, (size_t)ntexts + more, sizeof *texts);
        if (grown) {
            texts = grown;
            memmove(texts + HC_LABEL_RESERVED, texts + HC_LABEL_FWD(0), (ntexts - HC_LABEL_FWD(0)) * sizeof *texts);
            for (uint32_t r = HC_LABEL_FWD(0); r < HC_LABEL_RESERVED; r++)
                texts[r] = family;
            ntexts += more;
            L->legacy = TRUE;
        } else {
            hc_free(copy);
            copy = NULL;
        }
    }
    if (!copy) {
        hc_free(texts);
        hc_free(arena);
        g_free(L);
        return NULL;
    }
    memcpy(copy, enc, len);
    L->text = texts;
    L->arena = arena;
    L->ntext = ntexts;
    L->enc = copy;
    L->enc_len = len;
    return L;
}

gboolean hc_edge_labels_ready(hc_edge_labels *L, const hc_graph *g, GError **error)
{
    if (L->edge)
        return TRUE;
    uint64_t ne = hc_graph_edge_at(g, g->n);
    uint32_t *edge = hc_try_malloc_mapped((ne ? ne : 1) * sizeof *edge);
    if (!edge) {
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory decoding edge labels");
        return FALSE;
    }
    const uint8_t *p = L->enc, *end = L->enc + L->enc_len;
    uint64_t k = 0;
    for (uint32_t i = 0; i < g->n; i++) {
        uint32_t tnode = g->types[g->type[i]].node;
        for (uint64_t stop = hc_graph_edge_at(g, i + 1); k < stop; k++) {
            if (g->edges[k] == tnode) {
                edge[k] = HC_LABEL_CLASS;
                continue;
            }
            uint64_t v;
            if (!hc_varint_read(&p, end, &v)) {
                hc_free(edge);
                g_set_error(error, HC_ERROR, HC_ERROR_FORMAT, "EDGELABELS: cut short at edge %" G_GUINT64_FORMAT, k);
                return FALSE;
            }
            if (L->legacy && v >= HC_LABEL_FWD(0))
                v += HC_LABEL_RESERVED - HC_LABEL_FWD(0);
            if (v >= L->ntext) {
                hc_free(edge);
                g_set_error(error, HC_ERROR, HC_ERROR_FORMAT,
                            "EDGELABELS: edge %" G_GUINT64_FORMAT " has label %" G_GUINT64_FORMAT " of %u", k, v,
                            L->ntext);
                return FALSE;
            }
            edge[k] = (uint32_t)v;
        }
    }
    if (p != end) {
        hc_free(edge);
        g_set_error(error, HC_ERROR, HC_ERROR_FORMAT, "EDGELABELS: %zu bytes past the last edge", (size_t)(end - p));
        return FALSE;
    }
    L->edge = edge;
    g_clear_pointer(&L->enc, hc_free);
    L->enc_len = 0;
    return TRUE;
}

/* A capture's label slot: a raw label id (below CAP_INDEX), NIL (not named yet), a final
 * number | CAP_FINAL, or index i of family f, CAP_INDEX | f << CAP_FSHIFT | i (i <= CAP_IMAX),
 * until the node is done: then those that count up or down from 0 become the family's
 * reserved numbers, the others raw labels. */
#define CAP_FINAL 0x80000000u
#define CAP_INDEX 0x40000000u
#define CAP_FSHIFT 28
#define CAP_IMAX ((1u << CAP_FSHIFT) - 1)

typedef struct cap_run {
    lab_table labs;
    const hc_graph *g;
    const uint32_t *e; /* this node's edges */
    uint32_t cnt, tnode;
    uintptr_t type_addr; /* the node's type object: every edge to it is named already */
    tgt *t;              /* its edges other than to its type, by (address, position); made on first need */
    size_t nt, tcap;
    gboolean t_made, fail;
    uint32_t *out;                          /* this node's label slots */
    uint32_t index_kind[HC_INDEX_FAMILIES]; /* the labeller's (1 + kind, 0: none) */
    gboolean indexed;                       /* this node has CAP_INDEX slots */
} cap_run;

/* The node's edges by referent, for labels not matched by position. */
static gboolean cap_make_t(cap_run *c)
{
    if (c->cnt > c->tcap) {
        tgt *t = g_try_renew(tgt, c->t, c->cnt);
        if (!t) {
            c->fail = TRUE;
            return FALSE;
        }
        c->t = t;
        c->tcap = c->cnt;
    }
    c->nt = 0;
    for (uint32_t k = 0; k < c->cnt; k++)
        if (c->e[k] != c->tnode)
            c->t[c->nt++] = (tgt){c->g->addr[c->e[k]], k, 0};
    sort_tgt(c->t, c->nt);
    c->t_made = TRUE;
    return TRUE;
}

/* The index family of a label kind, or HC_INDEX_FAMILIES. */
static inline uint32_t cap_family(const cap_run *c, uint32_t kind, uintptr_t arg)
{
    uint32_t f = 0;
    while (f < HC_INDEX_FAMILIES && !(c->index_kind[f] && kind == c->index_kind[f] - 1))
        f++;
    return f < HC_INDEX_FAMILIES && arg <= CAP_IMAX ? f : HC_INDEX_FAMILIES;
}

static void cap_emit(void *edata, uintptr_t target, uint32_t kind, uintptr_t arg)
{
    cap_run *c = edata;
    uint32_t fam = cap_family(c, kind, arg);
    if (fam == 0 && arg < c->cnt) {
        /* an element index: item i is edge i, or edge n-1-i (CPython visits a list's items
         * last first), n the edges before the one to the type, which hc_py_extra_refs
         * reports last; no lookup (a 100-million-item list needs no table of its edges) */
        uint32_t n = c->cnt && c->e[c->cnt - 1] == c->tnode ? c->cnt - 1 : c->cnt;
        uint32_t p = (uint32_t)arg, q = p < n ? n - 1 - p : p;
        if ((c->out[p] == NIL && c->g->addr[c->e[p]] == target) ||
            (c->out[p = q] == NIL && c->g->addr[c->e[q]] == target)) {
            c->out[p] = CAP_INDEX | (uint32_t)arg;
            c->indexed = TRUE;
            return;
        }
    }
    if (target == c->type_addr)
        return; /* (its HC_PYNAME_CLASS_LABEL, which every object reports: no table of its edges) */
    if (!c->t_made && !cap_make_t(c))
        return;
    size_t lo = 0, hi = c->nt; /* the first entry with this address */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->t[mid].addr < target)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == c->nt || c->t[lo].addr != target)
        return;
    /* the first edge to this referent not named yet: straight after the named ones (a list
     * of k times one object names k edges to it, in O(1) each), past any named by position */
    tgt *first = &c->t[lo];
    size_t i = lo + first->filled;
    while (i < c->nt && c->t[i].addr == target && c->out[c->t[i].j] != NIL)
        i++;
    first->filled = (uint32_t)(i - lo);
    if (i >= c->nt || c->t[i].addr != target)
        return; /* all named already */
    first->filled++;
    if (fam < HC_INDEX_FAMILIES) {
        c->out[c->t[i].j] = CAP_INDEX | fam << CAP_FSHIFT | (uint32_t)arg; /* resolved when the node is done */
        c->indexed = TRUE;
        return;
    }
    uint32_t lid = lab_intern(&c->labs, kind, arg);
    c->out[c->t[i].j] = lid < CAP_INDEX ? lid : NIL;
}

#define IS_FAM(v, f) ((v) != NIL && ((v) & (CAP_FINAL | CAP_INDEX)) == CAP_INDEX && (((v) >> CAP_FSHIFT) & 3) == (f))

/* Family f's `total` index slots of a node read neither up nor down in edge order.  Edges to
 * one referent are interchangeable, and so are their labels: if the indices are 0 .. total-1
 * and some exchange among same-referent edges makes them read down (or up), make it.  The
 * positional matching of cap_emit can name a list's edges crosswise when one object is both
 * its first and its last item ([a, b, c, a]: edges a c b a get 0 2 1 3), and the indices would
 * then be stored as texts of their own (which a file cannot tell from a dict's int keys, so
 * byvia could no longer group them).  TRUE, with *rev set, if it did. */
static gboolean cap_reorder_indices(cap_run *c, uint32_t *out, uint32_t cnt, uint32_t f, uint32_t total, gboolean *rev)
{
    uintptr_t *at = g_try_new0(uintptr_t, total); /* referent of the edge holding index i */
    if (!at)
        return FALSE; /* out of memory: the indices stay as they are (texts) */
    gboolean ok = TRUE;
    for (uint32_t k = 0; k < cnt && ok; k++)
        if (IS_FAM(out[k], f)) {
            uint32_t i = out[k] & CAP_IMAX;
            ok = i < total && !at[i];
            if (ok)
                at[i] = c->g->addr[c->e[k]];
        }
    for (int down = 1; ok && down >= 0; down--) {
        uint32_t m = 0;
        gboolean fits = TRUE;
        for (uint32_t k = 0; k < cnt && fits; k++)
            if (IS_FAM(out[k], f)) {
                fits = at[down ? total - 1 - m : m] == c->g->addr[c->e[k]];
                m++;
            }
        if (!fits)
            continue;
        m = 0;
        for (uint32_t k = 0; k < cnt; k++)
            if (IS_FAM(out[k], f)) {
                out[k] = (out[k] & ~CAP_IMAX) | (down ? total - 1 - m : m);
                m++;
            }
        *rev = down;
        g_free(at);
        return TRUE;
    }
    g_free(at);
    return FALSE;
}

/* The node's index slots, per family: if they read P "0]", P "1]", ... in edge order, or in
 * reverse edge order (CPython visits a list's items last first), each is one reserved number
 * (HC_LABEL_FWD(f), _REV(f): a file keeps one small number each), also after exchanging the
 * labels of edges to one referent (cap_reorder_indices); otherwise those that count up in edge
 * order are HC_LABEL_FWD(f) and the others raw labels with a text of their own. */
static void cap_resolve_indices(cap_run *c, uint32_t *out, uint32_t cnt)
{
    for (uint32_t f = 0; f < HC_INDEX_FAMILIES; f++) {
        uint32_t total = 0, m = 0;
        for (uint32_t k = 0; k < cnt; k++)
            total += IS_FAM(out[k], f);
        if (!total)
            continue;
        gboolean fwd = TRUE, rev = TRUE;
        for (uint32_t k = 0; k < cnt && (fwd || rev); k++)
            if (IS_FAM(out[k], f)) {
                uint32_t i = out[k] & CAP_IMAX;
                fwd = fwd && i == m;
                rev = rev && i == total - 1 - m;
                m++;
            }
        if (!fwd && !rev && cap_reorder_indices(c, out, cnt, f, total, &rev))
            fwd = !rev;
        m = 0;
        for (uint32_t k = 0; k < cnt; k++) {
            uint32_t v = out[k];
            if (!IS_FAM(v, f))
                continue;
            uint32_t i = v & CAP_IMAX;
            if (fwd || rev || i == m) {
                out[k] = CAP_FINAL | (fwd || !rev ? HC_LABEL_FWD(f) : HC_LABEL_REV(f));
                m += !rev || fwd;
            } else {
                uint32_t lid = lab_intern(&c->labs, c->index_kind[f] - 1, i);
                out[k] = lid < CAP_INDEX ? lid : NIL;
            }
        }
    }
    c->indexed = FALSE;
}
#undef IS_FAM

/* The distinct texts of a capture: one arena of NUL-terminated texts, a group per text, and
 * an open-addressing table of group numbers (about 40 bytes per text besides the text: a
 * million-key dict has two million of them). */
typedef struct text_group {
    uint64_t off;   /* the text, in the arena */
    uint64_t uses;  /* edges with it */
    uint32_t first; /* first raw label with this text, for a stable order */
    uint32_t number;
} text_group;

typedef struct text_set {
    char *text;
    size_t len, cap;
    text_group *grp;
    uint32_t n, gcap;
    uint32_t *slot; /* group + 1, 0 empty */
    size_t mask;
} text_set;

static uint64_t text_hash(const char *t, size_t len)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)t[i]) * 1099511628211u;
    return h ^ (h >> 29);
}

/* For at most `expect` texts: the groups and the table are made at their full size (no
 * growth, so no peak of two copies). */
static gboolean ts_init(text_set *ts, uint32_t expect)
{
    size_t cap = 64;
    while (cap < (size_t)expect * 2)
        cap *= 2;
    ts->mask = cap - 1;
    ts->gcap = expect ? expect : 1;
    return (ts->slot = hc_try_calloc_mapped(cap, sizeof *ts->slot)) != NULL &&
           (ts->grp = hc_try_malloc_mapped((size_t)ts->gcap * sizeof *ts->grp)) != NULL;
}

static void ts_free(text_set *ts)
{
    hc_free(ts->text);
    hc_free(ts->grp);
    hc_free(ts->slot);
}

/* Room for `more` bytes of text. */
static gboolean ts_reserve(text_set *ts, size_t more)
{
    if (ts->len + more <= ts->cap)
        return TRUE;
    size_t cap = ts->cap ? ts->cap : 4096;
    while (cap < ts->len + more)
        cap *= 2;
    char *t = hc_try_realloc(ts->text, cap);
    if (!t)
        return FALSE;
    ts->text = t;
    ts->cap = cap;
    return TRUE;
}

/* Append a text (room reserved): its offset. */
static uint64_t ts_append(text_set *ts, const char *t, size_t len)
{
    uint64_t off = ts->len;
    memcpy(ts->text + off, t, len);
    ts->text[off + len] = '\0';
    ts->len += len + 1;
    return off;
}

/* The slot of a text: where its group is, or the empty slot where it would go. */
static size_t ts_probe(const text_set *ts, const char *t, size_t len)
{
    size_t h = text_hash(t, len) & ts->mask;
    while (ts->slot[h] && strcmp(ts->text + ts->grp[ts->slot[h] - 1].off, t) != 0)
        h = (h + 1) & ts->mask;
    return h;
}

static uint32_t ts_find(const text_set *ts, const char *t, size_t len)
{
    return ts->slot[ts_probe(ts, t, len)] - 1; /* empty: 0 - 1 = NIL */
}

/* The group of a text, new if need be; NIL if out of memory.  The table was sized for
 * every raw label at init: it never fills past half. */
static uint32_t ts_add(text_set *ts, const char *t, size_t len)
{
    size_t h = ts_probe(ts, t, len);
    if (ts->slot[h])
        return ts->slot[h] - 1;
    if (ts->n == ts->gcap || !ts_reserve(ts, len + 1))
        return NIL;
    ts->grp[ts->n] = (text_group){ts_append(ts, t, len), 0, NIL, 0};
    ts->slot[h] = ts->n + 1;
    return ts->n++;
}

typedef struct group_rank {
    uint64_t uses;
    uint32_t first, k;
} group_rank;

/* By decreasing use, then first appearance. */
static int cmp_group_rank(const void *a, const void *b)
{
    const group_rank *x = a, *y = b;
    if (x->uses != y->uses)
        return x->uses > y->uses ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

hc_edge_labels *hc_via_capture(hc_graph *g, const uint64_t *alive, const hc_labeller *lab, GError **error)
{
    uint32_t n = g->n;
    uint64_t ne = hc_graph_edge_at(g, n);
    cap_run c = {0};
    /* the families' prefixes, from their index 0's text: P "0]" */
    char *prefix[HC_INDEX_FAMILIES] = {0};
    for (uint32_t f = 0; f < HC_INDEX_FAMILIES; f++) {
        c.index_kind[f] = lab->index_kind[f];
        if (!c.index_kind[f])
            continue;
        GString *t = g_string_new(NULL);
        lab->text(lab->ctx, c.index_kind[f] - 1, 0, t);
        if (t->len >= 3 && strcmp(t->str + t->len - 3, "[0]") == 0) {
            g_string_truncate(t, t->len - 2);
            g_string_append_c(t, ']');
            prefix[f] = g_string_free(t, FALSE);
        } else { /* not of the form: no family */
            c.index_kind[f] = 0;
            g_string_free(t, TRUE);
        }
    }
    c.g = g;
    hc_edge_labels *L = NULL;
    uint32_t *edge = hc_try_malloc_mapped((ne ? ne : 1) * sizeof *edge);
    gboolean ok = edge && lab_init(&c.labs);
    for (uint32_t r = 0; ok && r < n; r++) {
        uint32_t cnt, tnode = g->types[g->type[r]].node;
        const uint32_t *e = hc_graph_edges(g, r, &cnt);
        uint32_t *out = edge + hc_graph_edge_at(g, r), other = 0;
        for (uint32_t k = 0; k < cnt; k++) {
            out[k] = NIL;
            if (e[k] == tnode)
                out[k] = HC_LABEL_CLASS | CAP_FINAL; /* final already: marked */
            else
                other++;
        }
        if (other && HC_BIT(alive, r)) {
            c.e = e;
            c.cnt = cnt;
            c.tnode = tnode;
            c.type_addr = tnode == HC_NONE ? 0 : g->addr[tnode];
            c.t_made = FALSE;
            c.out = out;
            lab->labels(lab->ctx, g->addr[r], cap_emit, &c);
            if (c.indexed)
                cap_resolve_indices(&c, out, cnt);
            ok = !c.fail;
        }
    }
    ok = ok && !c.labs.fail;
    /* texts: one group per distinct text, numbered by decreasing use after the reserved ones */
    uint32_t nraw = (uint32_t)c.labs.n;
    text_set ts = {0};
    uint32_t *of = NULL; /* raw label -> its group */
    ok = ok && (of = hc_try_malloc_mapped((nraw ? nraw : 1) * sizeof *of)) != NULL && ts_init(&ts, nraw);
    GString *s = g_string_new(NULL);
    for (size_t h = 0; ok && h <= c.labs.mask; h++) {
        const lab_entry *le = &c.labs.slot[h];
        if (le->id == NIL)
            continue;
        g_string_truncate(s, 0);
        lab->text(lab->ctx, le->kind, le->arg, s);
        uint32_t k = ts_add(&ts, s->str, s->len);
        if (k == NIL) {
            ok = FALSE;
            break;
        }
        ts.grp[k].first = MIN(ts.grp[k].first, le->id);
        of[le->id] = k;
    }
    g_string_free(s, TRUE);
    lab_free(&c.labs); /* every raw label has its group now */
    c.labs.slot = NULL;
    /* the reserved texts may also come from a labeller ("?" for unnamed referents) */
    uint32_t unknown = ok ? ts_find(&ts, "?", 1) : NIL,
             cls = ok ? ts_find(&ts, HC_PYNAME_CLASS_LABEL, sizeof HC_PYNAME_CLASS_LABEL - 1) : NIL;
    group_rank *order = NULL;
    if (ok)
        ok = (order = hc_try_malloc_mapped(((size_t)ts.n ? ts.n : 1) * sizeof *order)) != NULL;
    if (ok) {
        for (uint64_t k = 0; k < ne; k++)
            if (edge[k] < nraw)
                ts.grp[of[edge[k]]].uses++;
        uint32_t norder = 0;
        for (uint32_t k = 0; k < ts.n; k++)
            if (k != unknown && k != cls)
                order[norder++] = (group_rank){ts.grp[k].uses, ts.grp[k].first, k};
        qsort(order, norder, sizeof *order, cmp_group_rank);
        L = g_try_new0(hc_edge_labels, 1);
        size_t room = 64;
        for (uint32_t f = 0; f < HC_INDEX_FAMILIES; f++)
            room += 2 * (prefix[f] ? strlen(prefix[f]) + 1 : 3);
        ok = L && ts_reserve(&ts, room) &&
             (L->text = hc_try_malloc(((size_t)norder + HC_LABEL_RESERVED) * sizeof *L->text)) != NULL;
        if (ok) {
            const char *reserved[HC_LABEL_RESERVED] = {"?", HC_PYNAME_CLASS_LABEL};
            for (uint32_t f = 0; f < HC_INDEX_FAMILIES; f++)
                reserved[HC_LABEL_FWD(f)] = reserved[HC_LABEL_REV(f)] = prefix[f] ? prefix[f] : "[]";
            uint64_t roff[HC_LABEL_RESERVED];
            for (uint32_t r = 0; r < HC_LABEL_RESERVED; r++)
                roff[r] = ts_append(&ts, reserved[r], strlen(reserved[r])); /* room reserved: no failure */
            L->ntext = norder + HC_LABEL_RESERVED;
            L->arena = ts.text; /* the texts move into L: pointers into it from now on */
            ts.text = NULL;
            for (uint32_t r = 0; r < HC_LABEL_RESERVED; r++)
                L->text[r] = L->arena + roff[r];
            if (unknown != NIL)
                ts.grp[unknown].number = HC_LABEL_UNKNOWN;
            if (cls != NIL)
                ts.grp[cls].number = HC_LABEL_CLASS;
            for (uint32_t i = 0; i < norder; i++) {
                ts.grp[order[i].k].number = i + HC_LABEL_RESERVED;
                L->text[i + HC_LABEL_RESERVED] = L->arena + ts.grp[order[i].k].off;
            }
            for (uint64_t k = 0; k < ne; k++) {
                uint32_t v = edge[k];
                edge[k] = v == NIL ? HC_LABEL_UNKNOWN : v & CAP_FINAL ? (v & ~CAP_FINAL) : ts.grp[of[v]].number;
            }
            L->edge = edge;
            edge = NULL;
        } else {
            hc_edge_labels_free(L);
            L = NULL;
        }
    }
    if (!L && error && !*error)
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory labelling edges");
    hc_free(order);
    ts_free(&ts);
    for (uint32_t f = 0; f < HC_INDEX_FAMILIES; f++)
        g_free(prefix[f]);
    hc_free(of);
    hc_free(edge);
    g_free(c.t);
    lab_free(&c.labs);
    return L;
}

/* ---- a labeller over stored labels -------------------------------------------------------- */

/* Its label kinds: a stored text's number, or an index of family kind - STORED_INDEX */
enum { STORED_TEXT = 0, STORED_INDEX = 1 };

static void stored_labels(void *ctx, uintptr_t addr, hc_label_emit emit, void *edata)
{
    hc_stored_labeller *st = ctx;
    const hc_graph *g = st->g;
    uint32_t id = st->cursor;
    if (!(id < g->n && g->addr[id] == addr) && !(id + 1 < g->n && g->addr[id + 1] == addr))
        id = hc_graph_lookup(g, addr);
    else if (g->addr[id] != addr)
        id++;
    if (id == HC_NONE)
        return;
    st->cursor = id;
    uint32_t cnt;
    const uint32_t *e = hc_graph_edges(g, id, &cnt);
    const uint32_t *lab = hc_edge_labels_edges(st->L) + hc_graph_edge_at(g, id);
    hc_index_cursor ic; /* indices: (STORED_INDEX + family, i) */
    hc_index_cursor_init(&ic, lab, cnt);
    for (uint32_t k = 0; k < cnt; k++) {
        uint32_t f = 0, i = hc_index_next(&ic, lab[k], &f);
        if (i != UINT32_MAX)
            emit(edata, g->addr[e[k]], STORED_INDEX + f, i);
        else
            emit(edata, g->addr[e[k]], STORED_TEXT, lab[k]);
    }
}

static void stored_text(void *ctx, uint32_t kind, uintptr_t arg, GString *out)
{
    hc_stored_labeller *st = ctx;
    if (kind >= STORED_INDEX)
        hc_edge_labels_index_text(st->L, kind - STORED_INDEX, (uint32_t)arg, out);
    else
        g_string_append(out, hc_edge_labels_text(st->L, arg < UINT32_MAX ? (uint32_t)arg : UINT32_MAX));
}

static void stored_roots(void *ctx, hc_root_emit emit, void *edata)
{
    hc_stored_labeller *st = ctx;
    for (uint32_t r = 0; r < st->g->nroots; r++)
        emit(edata, st->g->addr[st->g->roots[r].id]);
}

void hc_via_stored_labeller(hc_stored_labeller *st, const hc_graph *g, const hc_edge_labels *L,
                            const hc_labeller *model)
{
    memset(st, 0, sizeof *st);
    st->g = g;
    st->L = L;
    st->lab.labels = stored_labels;
    st->lab.text = stored_text;
    st->lab.roots = stored_roots;
    st->lab.keep_root = model ? model->keep_root : NULL; /* the model's keep_root reads only the label */
    st->lab.ctx = st;
    for (uint32_t f = 0; f < HC_INDEX_FAMILIES; f++)
        st->lab.index_kind[f] = STORED_INDEX + f + 1;
}
