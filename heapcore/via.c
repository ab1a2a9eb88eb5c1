/* heapcore/via.c — edge labels made into kinds (byvia) and path text (see via.h). */
#include "heapcore/via.h"
#include "heapcore/error.h"
#include "heapcore/pynames.h"
#include "graph_private.h"
#include "intern_private.h"
#include "labtable_private.h"

#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <string.h>

#define NIL UINT32_MAX

/* ---- byvia ------------------------------------------------------------------------------- */

/* By address (to find one). */
static int cmp_tgt_addr(const void *a, const void *b)
{
    const tgt *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

typedef struct via_run {
    lab_table labs;
    tgt *t; /* this referrer's member referents, by address */
    size_t nt, tcap;
    uint64_t *off;   /* [|s|+1] slot offsets per member (off[j+1] - off[j]: its in-edges) */
    uint32_t *fill;  /* [|s|] slots used */
    uint32_t *slots; /* label ids */
    GArray *over;    /* labels past a member's slots (a referrer naming one referent under
                        several labels, or an edge the walk recorded once): ovf pairs */
} via_run;

typedef struct ovf {
    uint32_t j, lid;
} ovf;

static int cmp_ovf(const void *a, const void *b)
{
    const ovf *x = a, *y = b;
    return x->j != y->j ? (x->j < y->j ? -1 : 1) : (x->lid < y->lid ? -1 : x->lid > y->lid);
}

/* Member j has label lid from the referrer being read. */
static void via_add(via_run *v, uint32_t j, uint32_t lid)
{
    uint64_t at = v->off[j] + v->fill[j];
    if (v->fill[j] && v->slots[at - 1] == lid)
        return;
    if (at >= v->off[j + 1]) {
        ovf o = {j, lid};
        g_array_append_val(v->over, o);
        return;
    }
    v->slots[at] = lid;
    v->fill[j]++;
}

static void via_emit(void *edata, uintptr_t target, uint32_t kind, uintptr_t arg)
{
    via_run *v = edata;
    tgt key = {target, 0, 0};
    const tgt *hit = NULL;
    if (v->nt <= 8) { /* most referrers: a scan beats a binary search */
        for (size_t i = 0; i < v->nt; i++)
            if (v->t[i].addr == target) {
                hit = &v->t[i];
                break;
            }
    } else {
        hit = bsearch(&key, v->t, v->nt, sizeof *v->t, cmp_tgt_addr);
    }
    if (!hit)
        return;
    uint32_t lid = lab_intern(&v->labs, kind, arg);
    if (lid != NIL)
        via_add(v, hit->j, lid);
}

/* Per type: the label of its instances' one edge (to the type) if the labeller names it
 * without reading them (hc_labeller.type_only) and the walk recorded no other edge for them
 * (a leaf type); else NIL.  Interned when first used (TYPE_UNSEEN until then). */
#define TYPE_UNSEEN (NIL - 1)
typedef struct type_labels {
    uint32_t *lid;
    uint32_t *kind;
    uintptr_t *arg;
} type_labels;

static gboolean type_labels_init(type_labels *T, const hc_graph *g, const hc_labeller *lab)
{
    uint32_t nt = g->ntypes ? g->ntypes : 1;
    T->lid = g_try_new(uint32_t, nt);
    T->kind = g_try_new(uint32_t, nt);
    T->arg = g_try_new(uintptr_t, nt);
    if (!T->lid || !T->kind || !T->arg)
        return FALSE;
    for (uint32_t t = 0; t < g->ntypes; t++)
        T->lid[t] = lab->type_only && (g->types[t].flags & HC_TYPE_LEAF) &&
                            lab->type_only(lab->ctx, g->types[t].key, &T->kind[t], &T->arg[t])
                        ? TYPE_UNSEEN
                        : NIL;
    return TRUE;
}

static void type_labels_free(type_labels *T)
{
    g_free(T->lid);
    g_free(T->kind);
    g_free(T->arg);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- index families ---- */

typedef struct via_families {
    uint32_t group;                /* bit f: family f grouped */
    char *text[HC_INDEX_FAMILIES]; /* a grouped family's label: P "*]" */
    uint8_t *fam;                  /* [labels] 1 + the grouped family of a label, or 0 */
    uint32_t *last;                /* [labels] 1 + the kind a label was last counted for */
    uint64_t *pairs;               /* (kind << 32 | label) of grouped labels, to count */
    size_t npairs, cap;
} via_families;

gboolean hc_via_family_text(const hc_labeller *lab, uint32_t f, GString *out)
{
    if (f >= HC_INDEX_FAMILIES || !lab->index_kind[f])
        return FALSE;
    gsize at = out->len; /* the family's prefix, from index 0's text: P "0]" */
    lab->text(lab->ctx, lab->index_kind[f] - 1, 0, out);
    if (out->len - at >= 2 && strcmp(out->str + out->len - 2, "0]") == 0) {
        out->str[out->len - 2] = '*';
        return TRUE;
    }
    g_string_truncate(out, at); /* not of the form: no family */
    return FALSE;
}

/* Which families are grouped (families: a mask, or HC_VIA_FAMILIES_AUTO) and which labels
 * are theirs.  FALSE if out of memory. */
static gboolean families_init(via_families *F, const lab_table *L, const hc_labeller *lab, uint32_t families)
{
    uint64_t distinct[HC_INDEX_FAMILIES] = {0};
    memset(F, 0, sizeof *F);
    for (size_t h = 0; h <= L->mask; h++) {
        const lab_entry *e = &L->slot[h];
        for (uint32_t f = 0; e->id != NIL && f < HC_INDEX_FAMILIES; f++)
            if (lab->index_kind[f] && e->kind == lab->index_kind[f] - 1)
                distinct[f]++;
    }
    for (uint32_t f = 0; f < HC_INDEX_FAMILIES; f++) {
        gboolean want = families == HC_VIA_FAMILIES_AUTO ? distinct[f] > HC_VIA_FAMILY_EXACT_MAX : (families >> f) & 1;
        if (!want || !distinct[f])
            continue;
        GString *t = g_string_new(NULL);
        if (hc_via_family_text(lab, f, t)) {
            F->text[f] = g_string_free(t, FALSE);
            F->group |= 1u << f;
        } else {
            g_string_free(t, TRUE);
        }
    }
    if (!F->group)
        return TRUE;
    size_t n = L->n ? L->n : 1;
    F->fam = hc_try_calloc_mapped(n, sizeof *F->fam);
    F->last = hc_try_calloc_mapped(n, sizeof *F->last);
    if (!F->fam || !F->last)
        return FALSE;
    for (size_t h = 0; h <= L->mask; h++) {
        const lab_entry *e = &L->slot[h];
        for (uint32_t f = 0; e->id != NIL && f < HC_INDEX_FAMILIES; f++)
            if (((F->group >> f) & 1) && e->kind == lab->index_kind[f] - 1)
                F->fam[e->id] = (uint8_t)(f + 1);
    }
    return TRUE;
}

static void families_free(via_families *F)
{
    for (uint32_t f = 0; f < HC_INDEX_FAMILIES; f++)
        g_free(F->text[f]);
    hc_free(F->fam);
    hc_free(F->last);
    g_free(F->pairs);
}

/* Label lid is among a member of kind `kind`'s: count it for the kind once. */
static inline gboolean families_note(via_families *F, uint32_t kind, uint32_t lid)
{
    if (!F->fam[lid] || F->last[lid] == kind + 1)
        return TRUE;
    F->last[lid] = kind + 1;
    if (F->npairs == F->cap) {
        size_t c = F->cap ? F->cap * 2 : 1024;
        uint64_t *p = g_try_renew(uint64_t, F->pairs, c);
        if (!p)
            return FALSE;
        F->pairs = p;
        F->cap = c;
    }
    F->pairs[F->npairs++] = (uint64_t)kind << 32 | lid;
    return TRUE;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Each kind with grouped labels gets " (N indices)" after its name: N distinct labels. */
static void families_name(via_families *F, char **names)
{
    if (F->npairs > 1)
        qsort(F->pairs, F->npairs, sizeof *F->pairs, cmp_u64);
    for (size_t i = 0; i < F->npairs;) {
        uint32_t kind = (uint32_t)(F->pairs[i] >> 32);
        uint64_t distinct = 0;
        for (uint64_t prev = UINT64_MAX; i < F->npairs && (uint32_t)(F->pairs[i] >> 32) == kind; i++) {
            distinct += F->pairs[i] != prev;
            prev = F->pairs[i];
        }
        char *named = g_strdup_printf("%s (%" G_GUINT64_FORMAT " %s)", names[kind], (guint64)distinct,
                                      distinct == 1 ? "index" : "indices");
        g_free(names[kind]);
        names[kind] = named;
    }
}

/* Text of every label (a grouped family's label: the family's), the distinct texts sorted;
 * rank[id] = the position of id's text. */
static gboolean rank_labels(lab_table *L, const hc_labeller *lab, const via_families *F, hc_graph *g,
                            uint32_t **rank_out, char ***texts_out, uint32_t *ntexts_out)
{
    uint32_t n = (uint32_t)L->n;
    char **text = hc_try_calloc_mapped(n ? n : 1, sizeof *text);
    uint32_t *rank = hc_try_malloc_mapped((n ? n : 1) * sizeof *rank);
    char **sorted = hc_try_malloc_mapped((n ? n : 1) * sizeof *sorted);
    if (!text || !rank || !sorted) {
        hc_free(text);
        hc_free(rank);
        hc_free(sorted);
        return FALSE;
    }
    GString *s = g_string_new(NULL);
    for (size_t h = 0; h <= L->mask; h++) {
        const lab_entry *e = &L->slot[h];
        if (e->id == NIL)
            continue;
        uint32_t i = e->id;
        g_string_truncate(s, 0);
        if (F->fam && F->fam[i])
            g_string_append(s, F->text[F->fam[i] - 1]);
        else if (e->kind == HC_VIA_ROOT)
            g_string_append_printf(s, "<root %s>", hc_graph_root_label(g, (uint32_t)e->arg));
        else
            lab->text(lab->ctx, e->kind, e->arg, s);
        text[i] = g_strdup(s->str);
        sorted[i] = text[i];
    }
    g_string_free(s, TRUE);
    qsort(sorted, n, sizeof *sorted, cmp_str);
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (k == 0 || strcmp(sorted[k - 1], sorted[i]) != 0)
            sorted[k++] = sorted[i];
    /* rank of each label: binary search of its text among the distinct ones */
    for (uint32_t i = 0; i < n; i++) {
        char **hit = bsearch(&text[i], sorted, k, sizeof *sorted, cmp_str);
        rank[i] = (uint32_t)(hit - sorted);
    }
    char **texts = g_new(char *, k ? k : 1);
    for (uint32_t i = 0; i < k; i++)
        texts[i] = g_strdup(sorted[i]);
    for (uint32_t i = 0; i < n; i++)
        g_free(text[i]);
    hc_free(text);
    hc_free(sorted);
    *rank_out = rank;
    *texts_out = texts;
    *ntexts_out = k;
    return TRUE;
}

static char *set_name(const hc_u32key *k, char **texts)
{
    GString *s = g_string_new(NULL);
    uint32_t n = k->len - 1;
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            g_string_append(s, ", ");
        hc_repr_str(s, texts[k->v[i]], -1);
    }
    if (k->v[n])
        g_string_append(s, ", ...");
    return g_string_free(s, FALSE);
}

static void sort_u32(uint32_t *v, size_t n)
{
    if (n > 16) {
        qsort(v, n, sizeof *v, hc_cmp_u32);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        uint32_t x = v[i];
        size_t k = i;
        for (; k > 0 && v[k - 1] > x; k--)
            v[k] = v[k - 1];
        v[k] = x;
    }
}

hc_kinds *hc_via_kinds(hc_idset *s, hc_graph *live, const hc_labeller *lab, uint32_t families, GError **error)
{
    hc_graph *g = hc_idset_graph(s);
    uint32_t n = hc_graph_n(g), ns = hc_idset_count(s);
    const uint32_t *ids = hc_idset_ids(s);
    via_run v = {0};
    uint32_t *pos = NULL, *per = NULL, *rank = NULL, ntexts = 0;
    uint64_t *bits = NULL; /* member bitmap */
    char **texts = NULL;
    GHashTable *sets = NULL;
    GPtrArray *names = NULL;
    hc_kinds *out = NULL;
    via_families F = {0};
    type_labels T = {0};
    gboolean ok = lab_init(&v.labs);
    v.over = g_array_new(FALSE, FALSE, sizeof(ovf));
#define MEMBER(id) ((bits[(id) >> 6] >> (63 & (id))) & 1)

    /* member position by node id (touched only at members: lazily mapped) and the bitmap */
    ok = ok && (pos = hc_try_malloc_mapped((size_t)n * sizeof *pos)) != NULL;
    ok = ok && (bits = hc_try_calloc_mapped((size_t)n / 64 + 1, sizeof *bits)) != NULL;
    ok = ok && (v.off = hc_try_calloc_mapped((size_t)ns + 1, sizeof *v.off)) != NULL;
    ok = ok && (v.fill = hc_try_calloc_mapped(ns ? ns : 1, sizeof *v.fill)) != NULL;
    if (ok) {
        for (uint32_t j = 0; j < ns; j++) {
            pos[ids[j]] = j;
            bits[ids[j] >> 6] |= (uint64_t)1 << (ids[j] & 63);
        }
        /* slots per member: its edges from nodes that are not hidden, and its root records
         * (one pass over the edges: cheaper than reverse edges, and nothing to keep) */
        for (uint32_t r = 0; r < n; r++) {
            if (hc_graph_hidden_fast(g, r))
                continue;
            uint32_t ne;
            const uint32_t *e = hc_graph_edges(g, r, &ne);
            for (uint32_t k = 0; k < ne; k++)
                if (MEMBER(e[k]))
                    v.off[pos[e[k]] + 1]++;
        }
        for (uint32_t r = 0; r < hc_graph_nroots(g); r++) {
            uint32_t id = hc_graph_root_id(g, r);
            if (MEMBER(id))
                v.off[pos[id] + 1]++;
        }
        for (uint32_t j = 0; j < ns; j++)
            v.off[j + 1] += v.off[j];
        ok = (v.slots = hc_try_malloc_mapped((v.off[ns] ? v.off[ns] : 1) * sizeof *v.slots)) != NULL;
    }
    /* every live referrer of a member (matched in the fresh walk), once, in id order; those
     * of the labeller's type_only types without reading them */
    uint64_t *alive = ok ? hc_graph_alive_in(g, live) : NULL;
    ok = ok && alive && type_labels_init(&T, g, lab);
    for (uint32_t r = 0; ok && r < n; r++) {
        /* the labeller will read the referrers it is called for: ask for them ahead */
        if (r + 16 < n && T.lid[g->type[r + 16]] == NIL)
            __builtin_prefetch((const void *)(g->addr[r + 16] & ~(uintptr_t)7));
        if (!HC_BIT(alive, r))
            continue;
        uint32_t ne;
        const uint32_t *e = hc_graph_edges(g, r, &ne);
        uint32_t ty = g->type[r];
        if (T.lid[ty] != NIL) {
            if (ne == 0 || !MEMBER(e[0]))
                continue;
            if (T.lid[ty] == TYPE_UNSEEN && (T.lid[ty] = lab_intern(&v.labs, T.kind[ty], T.arg[ty])) == NIL)
                continue; /* out of memory: v.labs.fail says so below */
            via_add(&v, pos[e[0]], T.lid[ty]);
            continue;
        }
        if (ne > v.tcap) {
            tgt *t = g_try_renew(tgt, v.t, ne);
            if (!t) {
                ok = FALSE;
                break;
            }
            v.t = t;
            v.tcap = ne;
        }
        v.nt = 0;
        for (uint32_t k = 0; k < ne; k++)
            if (MEMBER(e[k]))
                v.t[v.nt++] = (tgt){hc_graph_addr(g, e[k]), pos[e[k]], 0};
        if (!v.nt)
            continue;
        sort_tgt(v.t, v.nt);
        lab->labels(lab->ctx, hc_graph_addr(g, r), via_emit, &v);
    }
    /* root records */
    for (uint32_t r = 0; ok && r < hc_graph_nroots(g); r++) {
        uint32_t id = hc_graph_root_id(g, r);
        if (!MEMBER(id) || (lab->keep_root && !lab->keep_root(lab->ctx, hc_graph_root_label(g, r))))
            continue;
        uint32_t j = pos[id], lid = lab_intern(&v.labs, HC_VIA_ROOT, r);
        if (lid != NIL && v.off[j] + v.fill[j] < v.off[j + 1])
            v.slots[v.off[j] + v.fill[j]++] = lid;
        else if (lid != NIL)
            g_array_append_val(v.over, ((ovf){j, lid}));
    }
    g_array_sort(v.over, cmp_ovf);
    ok = ok && !v.labs.fail;
    ok = ok && families_init(&F, &v.labs, lab, families);
    ok = ok && rank_labels(&v.labs, lab, &F, g, &rank, &texts, &ntexts);
    /* intern each member's label set */
    ok = ok && (per = hc_try_calloc_mapped((size_t)n + 1, sizeof *per)) != NULL;
    if (ok) {
        sets = g_hash_table_new_full(hc_u32key_hash, hc_u32key_equal, g_free, NULL);
        names = g_ptr_array_new();
        /* a member's key: its label ranks, then one word: 1 if labels were dropped */
        hc_u32key *k = g_malloc(sizeof *k + (HC_VIA_MAX_LABELS + 1) * sizeof(uint32_t));
        uint32_t buf_cap = 64, *buf = g_new(uint32_t, buf_cap);
        /* the kind of each one-label set, by the label's rank (most members have one label:
         * they skip the hash table) */
        uint32_t *single = g_try_new(uint32_t, ntexts ? ntexts : 1);
        ok = single != NULL;
        if (ok)
            memset(single, 0xff, (ntexts ? ntexts : 1) * sizeof *single);
        guint oi = 0;
        for (uint32_t j = 0; ok && j < ns; j++) {
            uint32_t f = v.fill[j], extra = 0;
            while (oi + extra < v.over->len && g_array_index(v.over, ovf, oi + extra).j == j)
                extra++;
            if (f + extra > buf_cap) {
                buf_cap = f + extra;
                buf = g_renew(uint32_t, buf, buf_cap);
            }
            for (uint32_t i = 0; i < f; i++)
                buf[i] = rank[v.slots[v.off[j] + i]];
            for (uint32_t i = 0; i < extra; i++)
                buf[f + i] = rank[g_array_index(v.over, ovf, oi + i).lid];
            guint oi0 = oi;
            oi += extra;
            f += extra;
            sort_u32(buf, f);
            uint32_t d = 0;
            for (uint32_t i = 0; i < f; i++)
                if (d == 0 || buf[d - 1] != buf[i])
                    buf[d++] = buf[i];
            uint32_t kind = d == 1 ? single[buf[0]] : NIL;
            if (kind == NIL) {
                uint32_t keep = d > HC_VIA_MAX_LABELS ? HC_VIA_MAX_LABELS : d;
                memcpy(k->v, buf, keep * sizeof *buf);
                k->v[keep] = d > keep;
                k->len = keep + 1;
                if (d == 0) { /* no label: say why, as a set of its own */
                    k->v[0] = v.off[j + 1] == v.off[j] ? 0 : 1;
                    k->v[1] = 2;
                    k->len = 2;
                }
                hc_u32key *hit = g_hash_table_lookup(sets, k);
                if (!hit) {
                    hit = g_memdup2(k, sizeof *k + k->len * sizeof(uint32_t));
                    hit->kind = names->len;
                    g_hash_table_add(sets, hit);
                    if (d == 0)
                        g_ptr_array_add(
                            names, g_strdup(k->v[0] == 0 ? "<no referrers>" : "<referrers freed since the snapshot>"));
                    else
                        g_ptr_array_add(names, set_name(hit, texts));
                }
                kind = hit->kind;
                if (d == 1)
                    single[buf[0]] = kind;
            }
            per[ids[j]] = kind;
            if (F.fam) { /* the grouped labels among this member's, to count per kind */
                for (uint32_t i = 0; ok && i < v.fill[j]; i++)
                    ok = families_note(&F, kind, v.slots[v.off[j] + i]);
                for (guint i = oi0; ok && i < oi; i++)
                    ok = families_note(&F, kind, g_array_index(v.over, ovf, i).lid);
            }
        }
        g_free(k);
        g_free(buf);
        g_free(single);
        if (names->len == 0)
            g_ptr_array_add(names, g_strdup(HC_PYNAME_NOTHING));
        if (ok)
            families_name(&F, (char **)names->pdata);
        uint32_t nk = names->len;
        char **nv = (char **)g_ptr_array_free(names, FALSE);
        names = NULL;
        if (ok) {
            out = hc_kinds_new_explicit(g, per, nv, nk, error);
            per = NULL;
        } else {
            for (uint32_t i = 0; i < nk; i++)
                g_free(nv[i]);
            g_free(nv);
        }
    }
    if (!ok && error && !*error) /* (a failed hc_kinds_new_explicit set its own) */
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory labelling edges");
    if (sets)
        g_hash_table_destroy(sets);
    for (uint32_t i = 0; texts && i < ntexts; i++)
        g_free(texts[i]);
    g_free(texts);
    hc_free(rank);
    hc_free(per);
    hc_free(v.slots);
    hc_free(v.fill);
    hc_free(v.off);
    g_free(v.t);
    g_array_free(v.over, TRUE);
    hc_free(bits);
    hc_free(alive);
    hc_free(pos);
    lab_free(&v.labs);
    families_free(&F);
    type_labels_free(&T);
#ifdef __GLIBC__
    malloc_trim(0); /* the label texts were many small strings: give their pages back */
#endif
    return out;
}

#undef MEMBER

/* ---- paths ---------------------------------------------------------------------------------- */

typedef struct path_step {
    uintptr_t want;
    uint32_t best_kind;
    uintptr_t best_arg;
    gboolean found;
} path_step;

static void step_emit(void *edata, uintptr_t target, uint32_t kind, uintptr_t arg)
{
    path_step *st = edata;
    if (target != st->want || st->found)
        return;
    st->found = TRUE; /* the first label: the labeller names fields before "?" */
    st->best_kind = kind;
    st->best_arg = arg;
}

typedef struct root_list {
    uintptr_t *v;
    size_t n, cap;
    gboolean fail;
} root_list;

static void root_emit(void *edata, uintptr_t addr)
{
    root_list *rl = edata;
    if (rl->fail)
        return;
    if (rl->n == rl->cap) {
        size_t c = rl->cap ? rl->cap * 2 : 4096;
        uintptr_t *v = g_try_renew(uintptr_t, rl->v, c);
        if (!v) {
            rl->fail = TRUE;
            return;
        }
        rl->v = v;
        rl->cap = c;
    }
    rl->v[rl->n++] = addr;
}

static int cmp_uptr(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

uintptr_t *hc_via_roots(const hc_labeller *lab, size_t *n)
{
    root_list rl = {0};
    if (lab->roots)
        lab->roots(lab->ctx, root_emit, &rl);
    if (rl.fail) {
        g_free(rl.v);
        rl.v = NULL;
        rl.n = 0;
    }
    if (rl.n > 1)
        qsort(rl.v, rl.n, sizeof *rl.v, cmp_uptr);
    *n = rl.n;
    return rl.v;
}

void hc_via_path(hc_graph *g, const uint32_t *path, uint32_t n, const hc_labeller *lab, const uintptr_t *roots,
                 size_t nroots, char **labels)
{
    if (n == 0)
        return;
    labels[0] = NULL;
    uintptr_t a0 = hc_graph_addr(g, path[0]);
    gboolean alive = nroots && bsearch(&a0, roots, nroots, sizeof *roots, cmp_uptr) != NULL;
    GString *s = g_string_new(NULL);
    for (uint32_t i = 1; i < n; i++) {
        path_step st = {hc_graph_addr(g, path[i]), 0, 0, FALSE};
        if (alive)
            lab->labels(lab->ctx, hc_graph_addr(g, path[i - 1]), step_emit, &st);
        alive = alive && st.found;
        g_string_truncate(s, 0);
        if (alive)
            lab->text(lab->ctx, st.best_kind, st.best_arg, s);
        else
            g_string_append(s, "?");
        labels[i] = g_strdup(s->str);
    }
    g_string_free(s, TRUE);
}
