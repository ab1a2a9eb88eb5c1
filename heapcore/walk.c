/* heapcore/walk.c — the two-pass walk that builds a snapshot graph from an hc_model.
 *
 * Pass 1 (discovery) is a BFS: the queue holds every address found, in discovery order, with
 * its flags, type and size; membership is a bit in the address set (addrset.h), which stays
 * in the cache.  Then the nodes are numbered in address order (an address's id is its rank in
 * the set) and the queue's columns are moved onto ids.  Pass 2 (edges) expands each node
 * again, in address order, for its referents only; leaf types (HC_TYPE_LEAF: ints, strs,
 * floats, ...) are not touched at all, their one edge is to their type.
 * No address -> id hash map is ever built: that map's cache misses were most of the cost of
 * a one-pass walk (thesis-notes/performance.md).
 *
 * Virtual nodes have tagged addresses (low bits set); they are few and live in a small hash
 * table, and take the ids after the real nodes, in address order.  Hidden nodes record no
 * edges.  Each node's edges are appended in id order, so the CSR is built in one sweep.
 *
 * Memory: every array (queue, node columns, offsets, edges) grows during pass 1 with the
 * counts, past glibc's mmap threshold at once (grow), and a helper thread faults in the
 * stretch each will be written next (look_ahead, prefault.h): page faults on fresh memory
 * were a quarter of the walk's time, and now happen on the other core.  The edge array is
 * reserved in pass 1 but faulted in after the queue's columns are freed, so the two are never
 * resident together (the walk's peak). */
#include "heapcore/walk.h"

#include <stdlib.h>
#include <string.h>

#include "graph_private.h"
#include "heapcore/addrset.h"
#include "heapcore/error.h"
#include "prefault.h"
#include "threads.h"

void hc_graph_sort_owners(hc_graph *g); /* graph.c */

struct hc_walk {
    const hc_model *model;
    hc_graph *g;
    int pass;            /* 1: discovery, 2: edges, 3: discovery on the helper */
    gboolean nodes_only; /* HC_WALK_NODES_ONLY: no edge array, no pass 2    */
    gboolean no_sizes;   /* HC_WALK_NO_SIZES: pass 1 measures nothing        */
    hc_addrset set;      /* 8-aligned addresses found                        */
    GHashTable *virt;    /* tagged address -> 0 (pass 1) / id + 1 (pass 2)   */
    /* pass 1 */
    uintptr_t *qaddr; /* the discovery queue                              */
    uint8_t *qflags;
    uint32_t *qtype;
    uint32_t *qsize;  /* HC_SIZE_BIG: see bigs                            */
    uint8_t *qcnt;    /* referents counted (edges), 255: see bigcnt        */
    uint64_t *bigcnt; /* (queue entry, count) pairs of counts >= 255      */
    size_t nbigcnt, bigcntcap;
    uintptr_t *bigs; /* (address, size) pairs of sizes >= HC_SIZE_BIG    */
    size_t nbigs, bigcap;
    size_t nq, qcap;
    size_t next; /* next queue entry to expand                       */
    /* memory written ahead of its use (prefault.h) */
    hc_prefault *pf; /* NULL until the walk is big enough, or if none    */
    gboolean pf_tried;
    size_t pf_q;   /* queue entries asked for                          */
    size_t next_q; /* when to look ahead again                         */
    uint64_t next_e;
    uint8_t inherit;  /* flags the referents of the current node inherit  */
    uint64_t nvisits; /* referents of non-hidden nodes (pass 2's edges)   */
    size_t *deferred; /* queue entries of hidden-typed nodes met normally */
    size_t ndeferred, defcap;
    uintptr_t *cand; /* complement candidates                            */
    size_t ncand, candcap;
    uintptr_t *rootaddr; /* address of each root record                      */
    size_t rcap;
    /* the type table's index */
    uint32_t *tslots; /* type index, HC_NONE = empty                      */
    uint32_t tmask;
    size_t tcap;            /* capacity of g->types                             */
    uint32_t types_checked; /* types whose object has been looked for           */
    uint8_t type_flags;     /* node flags for type objects found now (by ob_type
                             * only): those of the phase, as for what it reaches */
    struct {
        uintptr_t key;
        uint32_t t;
    } tcache[16];  /* recent keys, by address bits */
    uint64_t ecap; /* capacity of g->edges (grown in pass 1 already)   */
    /* pass 2, one copy of the walk per thread (see record_all) */
    uint32_t cur;     /* node being expanded                              */
    uint64_t at, end; /* its edge slots: pass 1 counted them              */
    uint64_t lost;    /* referents pass 1 did not report                  */
    gboolean gaps;    /* a node had fewer referents than counted          */
    uint64_t *own;    /* ownership pairs (dict id << 32 | owner id)       */
    size_t nown, ocap;
    GError *error; /* sticky: first failure                            */
    /* pass 1 on two threads (see "pass 1 on two threads" below) */
    struct par1 *par; /* the helper's state; NULL: one thread             */
    gboolean par_tried;
};

/* Pass 1 on two threads (see there): a type the helper may expand, in its copy of the table. */
typedef struct par_type {
    uintptr_t key; /* 0: empty                                          */
    uintptr_t data;
    uint32_t t, flags;
} par_type;

typedef struct par_lists {
    uintptr_t *found; /* (address, flags): not in the set when the helper
                         looked, for the walk's thread to discover           */
    size_t nfound, foundcap;
    size_t *left; /* block entries left to the walk's thread          */
    size_t nleft, leftcap;
} par_lists;

/* The helper's state: one block of the queue is out on it while this thread goes on. */
typedef struct par1 {
    GThread *thread;
    GMutex lock;
    GCond cond;
    gint state;      /* PAR_IDLE, PAR_OUT, PAR_DONE, PAR_QUIT           */
    gboolean out;    /* the walk's thread: a block is out (OUT or DONE)  */
    size_t lo, hi;   /* the block: queue entries                         */
    hc_walk h;       /* the helper's walk: pass 3, a view of the set     */
    par_type *types; /* the types the helper may expand, by key          */
    uint32_t tmask, ntypes_seen, ntypes_in;
    par_lists mine; /* the helper's, for the block out                  */
    par_lists back; /* the block taken back, for this thread            */
} par1;

#define PAR_MIN ((size_t)1 << 17) /* nodes found before the discovery helper starts */

static void par_start(hc_walk *w);
static void par_poll(hc_walk *w);
static void par_wait(hc_walk *w);
static void par_discover(hc_walk *w, uintptr_t addr);

static void fail_nomem(hc_walk *w, const char *what)
{
    if (!w->error)
        g_set_error(&w->error, HC_ERROR, HC_ERROR_NOMEM, "out of memory growing %s", what);
}

void hc_walk_fail(hc_walk *w, const char *what)
{
    fail_nomem(w, what);
}

/* Arrays past BIG_ARRAY bytes get at least MMAP_SURE bytes of capacity, more than glibc's
 * largest mmap threshold: so they are always mapped, and growing them is an mremap, with no
 * copy and no page faults for pages not yet written (below the threshold, which glibc raises
 * as mapped blocks are freed, realloc copies them within the heap).  Capacity not written
 * costs address space only.  (error.h's hc_try_malloc_mapped does the same for fixed sizes.) */
#define BIG_ARRAY HC_BIG_ARRAY
#define MMAP_SURE HC_MMAP_SURE

/* Grow *p (elements of `size` bytes, capacity *cap) to hold at least `need`. */
static gboolean grow(hc_walk *w, void **p, size_t *cap, size_t need, size_t size, const char *what)
{
    if (need <= *cap)
        return TRUE;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c = c < ((size_t)1 << 20) ? c * 2 : c + c / 2;
    void *q = NULL;
    if (c * size > BIG_ARRAY && c * size < MMAP_SURE)
        q = hc_try_reallocarray(*p, MMAP_SURE / size + 1, size);
    if (q)
        c = MMAP_SURE / size + 1;
    else
        q = hc_try_reallocarray(*p, c, size); /* also when the big reservation failed */
    if (!q) {
        fail_nomem(w, what);
        return FALSE;
    }
    *p = q;
    *cap = c;
    return TRUE;
}

/* Append src[0..nsrc) (elements of `size` bytes) to *dst (count *n, capacity *cap): how a
 * helper thread's lists are merged into the walk's. */
static void append(hc_walk *w, void **dst, size_t *n, size_t *cap, const void *src, size_t nsrc, size_t size,
                   const char *what)
{
    if (nsrc && grow(w, dst, cap, *n + nsrc, size, what)) {
        memcpy((char *)*dst + *n * size, src, nsrc * size);
        *n += nsrc;
    }
}

/* Take a helper thread's error (*from): the walk keeps its first one. */
static void take_error(hc_walk *w, GError **from)
{
    if (!*from)
        return;
    if (!w->error)
        w->error = *from;
    else
        g_error_free(*from);
    *from = NULL;
}

/* ---- the type table ----------------------------------------------------------------------- */

static inline uint32_t type_hash(uintptr_t key, uint32_t mask)
{
    return (uint32_t)(((uint64_t)key * UINT64_C(0x9E3779B97F4A7C15)) >> 40) & mask;
}

static gboolean type_rehash(hc_walk *w, uint32_t cap)
{
    uint32_t *slots = hc_try_malloc((size_t)cap * sizeof *slots);
    if (!slots) {
        fail_nomem(w, "the type index");
        return FALSE;
    }
    memset(slots, 0xff, (size_t)cap * sizeof *slots);
    hc_free(w->tslots);
    w->tslots = slots;
    w->tmask = cap - 1;
    for (uint32_t t = 0; t < w->g->ntypes; t++) {
        uint32_t i = type_hash(w->g->types[t].key, w->tmask);
        while (slots[i] != HC_NONE)
            i = (i + 1) & w->tmask;
        slots[i] = t;
    }
    return TRUE;
}

static inline uint32_t cache_type(hc_walk *w, unsigned c, uintptr_t key, uint32_t t)
{
    w->tcache[c].key = key;
    w->tcache[c].t = t;
    return t;
}

/* The type index of key, adding a type table entry if it is new. */
static uint32_t type_index(hc_walk *w, uintptr_t key)
{
    hc_graph *g = w->g;
    unsigned c = (unsigned)(key >> 4) & 15;
    if (G_LIKELY(w->tcache[c].key == key && key != 0))
        return w->tcache[c].t;
    uint32_t i = type_hash(key, w->tmask);
    for (uint32_t t; (t = w->tslots[i]) != HC_NONE; i = (i + 1) & w->tmask)
        if (g->types[t].key == key)
            return cache_type(w, c, key, t);
    if (!grow(w, (void **)&g->types, &w->tcap, (size_t)g->ntypes + 1, sizeof *g->types, "the type table"))
        return HC_NONE;
    uint32_t t = g->ntypes++;
    hc_type *ty = &g->types[t];
    memset(ty, 0, sizeof *ty);
    ty->key = key;
    ty->node = HC_NONE;
    ty->flags = w->model->type_init(w->model->ctx, key, &ty->data);
    if ((size_t)g->ntypes * 2 > (size_t)w->tmask + 1) {
        if (!type_rehash(w, (w->tmask + 1) * 2))
            return HC_NONE;
    } else {
        w->tslots[i] = t;
    }
    return cache_type(w, c, key, t);
}

/* ---- pass 1: discovery -------------------------------------------------------------------- */

/* Room for `need` queue entries (every column). */
static gboolean queue_reserve(hc_walk *w, size_t need)
{
    if (need >= UINT32_MAX - 1) {
        if (!w->error)
            g_set_error(&w->error, HC_ERROR, HC_ERROR_LIMIT, "more than 2^32-2 objects");
        return FALSE;
    }
    /* The node columns (and the offsets, one longer) grow along with the queue, although
     * only number_nodes writes them: so pass 1 can have them faulted in (look_ahead). */
    hc_graph *g = w->g;
    hc_prefault_forget(w->pf);
    size_t c = w->qcap, ca = c, cf = c, ct = c, cs = c, cc = c, nf = c, nt = c, ns = c, co = c ? c + 1 : 0;
    if (!grow(w, (void **)&w->qaddr, &ca, need, sizeof *w->qaddr, "the discovery queue") ||
        !grow(w, (void **)&w->qflags, &cf, ca, sizeof *w->qflags, "the discovery queue") ||
        !grow(w, (void **)&w->qtype, &ct, ca, sizeof *w->qtype, "the discovery queue") ||
        !grow(w, (void **)&w->qsize, &cs, ca, sizeof *w->qsize, "the discovery queue") ||
        !grow(w, (void **)&w->qcnt, &cc, ca, sizeof *w->qcnt, "the discovery queue") ||
        !grow(w, (void **)&g->flags, &nf, ca, sizeof *g->flags, "the node columns") ||
        !grow(w, (void **)&g->type, &nt, ca, sizeof *g->type, "the node columns") ||
        !grow(w, (void **)&g->size, &ns, ca, sizeof *g->size, "the node columns") ||
        !grow(w, (void **)&g->offsets, &co, ca + 1, sizeof *g->offsets, "the node columns"))
        return FALSE;
    w->qcap = ca;
    return TRUE;
}

#define AHEAD_Q ((size_t)1 << 16)      /* queue entries faulted in ahead of the queue's end  */
#define AHEAD_E ((uint64_t)1 << 17)    /* edges ahead of the visits counted                  */
#define PREFAULT_MIN ((size_t)1 << 18) /* smaller walks take their own faults (no thread) */

static void ask(hc_walk *w, const void *base, size_t from, size_t to, size_t size)
{
    if (to > from)
        hc_prefault_range(w->pf, (const char *)base + from * size, (to - from) * size);
}

/* Pass 1 bookkeeping, every AHEAD_Q nodes or AHEAD_E visits: reserve the edge array as the
 * visits grow (pass 2 writes exactly nvisits edges; number_nodes has it faulted in), and have
 * the next stretch of every queue and node column faulted in by the helper thread while this
 * one expands nodes. */
static void look_ahead(hc_walk *w)
{
    hc_graph *g = w->g;
    if (!w->nodes_only && w->nvisits + AHEAD_E > w->ecap) {
        hc_prefault_forget(w->pf);
        size_t cap = (size_t)w->ecap;
        if (!grow(w, (void **)&g->edges, &cap, (size_t)(w->nvisits + AHEAD_E), sizeof *g->edges, "the edge array"))
            return;
        w->ecap = cap;
    }
    if (!w->par && !w->par_tried && w->nq >= PAR_MIN && w->pass == 1)
        par_start(w);
    if (!w->pf && !w->pf_tried && w->nq >= PREFAULT_MIN) {
        w->pf_tried = TRUE;
        w->pf = getenv("HEAPCORE_NO_PREFAULT") ? NULL : hc_prefault_new();
    }
    if (w->pf) {
        size_t q = MIN(w->qcap, w->nq + 2 * AHEAD_Q);
        if (q > w->pf_q) {
            ask(w, w->qaddr, w->pf_q, q, sizeof *w->qaddr);
            ask(w, w->qflags, w->pf_q, q, sizeof *w->qflags);
            ask(w, w->qtype, w->pf_q, q, sizeof *w->qtype);
            ask(w, w->qsize, w->pf_q, q, sizeof *w->qsize);
            ask(w, w->qcnt, w->pf_q, q, sizeof *w->qcnt);
            ask(w, g->flags, w->pf_q, q, sizeof *g->flags);
            ask(w, g->type, w->pf_q, q, sizeof *g->type);
            ask(w, g->size, w->pf_q, q, sizeof *g->size);
            ask(w, g->offsets, w->pf_q, q, sizeof *g->offsets);
            w->pf_q = q;
        }
    }
    w->next_q = w->nq + AHEAD_Q;
    w->next_e = w->nvisits + AHEAD_E;
}

/* Add addr to the queue if it is new; TRUE if it was. */
static gboolean discover(hc_walk *w, uintptr_t addr, uint8_t flags)
{
    int fresh;
    if (G_UNLIKELY(hc_addr_is_tagged(addr))) {
        fresh = g_hash_table_add(w->virt, (gpointer)addr);
    } else {
        fresh = hc_addrset_add(&w->set, addr);
        if (fresh < 0) {
            fail_nomem(w, "the address set");
            return FALSE;
        }
    }
    if (!fresh)
        return FALSE;
    if (w->nq == w->qcap) {
        par_wait(w); /* the columns may move: not under the helper */
        if (!queue_reserve(w, w->nq + 1))
            return FALSE;
    }
    w->qaddr[w->nq] = addr;
    w->qflags[w->nq] = flags;
    w->qtype[w->nq] = HC_NONE;
    w->qsize[w->nq] = 0;
    w->qcnt[w->nq] = 0;
    w->nq++;
    return TRUE;
}

static gboolean found(hc_walk *w, uintptr_t addr)
{
    return hc_addr_is_tagged(addr) ? g_hash_table_contains(w->virt, (gpointer)addr)
                                   : hc_addrset_contains(&w->set, addr);
}

/* The id of addr in pass 2, or HC_NONE. */
static inline uint32_t id_of(hc_walk *w, uintptr_t addr)
{
    if (G_LIKELY(!hc_addr_is_tagged(addr)))
        return hc_addrset_rank(&w->set, addr);
    return GPOINTER_TO_UINT(g_hash_table_lookup(w->virt, (gpointer)addr)) - 1;
}

/* Pass 2: the next edge of the node being recorded.  Its slots were counted by pass 1; a
 * referent beyond them is one pass 1 did not see, dropped and counted as lost. */
static inline void put_edge(hc_walk *w, uint32_t id)
{
    if (G_LIKELY(w->at < w->end))
        w->g->edges[w->at++] = id;
    else
        w->lost++;
}

void hc_walk_visit(hc_walk *w, uintptr_t addr)
{
    if (w->pass == 1) {
        w->nvisits += !(w->inherit & HC_NODE_HIDDEN);
        discover(w, addr, w->inherit);
        return;
    }
    if (w->pass == 3) {
        w->nvisits += !(w->inherit & HC_NODE_HIDDEN);
        par_discover(w, addr);
        return;
    }
    uint32_t id = id_of(w, addr);
    if (G_UNLIKELY(id == HC_NONE)) {
        w->lost++;
        return;
    }
    put_edge(w, id);
}

void hc_walk_visit_dict(hc_walk *w, uintptr_t addr)
{
    if (w->pass == 1) {
        discover(w, addr, w->inherit);
        return;
    }
    if (w->pass == 3) {
        par_discover(w, addr);
        return;
    }
    uint32_t d = id_of(w, addr);
    if (d == HC_NONE) {
        w->lost++;
        return;
    }
    if (!grow(w, (void **)&w->own, &w->ocap, w->nown + 1, sizeof *w->own, "the ownership pairs"))
        return;
    w->own[w->nown++] = (uint64_t)d << 32 | w->cur;
}

void hc_walk_add_candidate(hc_walk *w, uintptr_t addr)
{
    if (found(w, addr))
        return;
    if (!grow(w, (void **)&w->cand, &w->candcap, w->ncand + 1, sizeof *w->cand, "the candidate list"))
        return;
    w->cand[w->ncand++] = addr;
}

void hc_walk_add_root(hc_walk *w, uintptr_t addr, const char *label)
{
    hc_graph *g = w->g;
    if (w->error || w->pass != 1)
        return;
    /* g->roots and rootaddr are parallel and share the capacity rcap. */
    size_t rc = w->rcap, ac = w->rcap;
    if (!grow(w, (void **)&g->roots, &rc, (size_t)g->nroots + 1, sizeof *g->roots, "the root table") ||
        !grow(w, (void **)&w->rootaddr, &ac, rc, sizeof *w->rootaddr, "the root table"))
        return;
    w->rcap = rc;
    discover(w, addr, 0);
    if (w->error)
        return;
    w->rootaddr[g->nroots] = addr;
    g->roots[g->nroots].id = HC_NONE;
    g->roots[g->nroots].label = (uint32_t)g->labels->len;
    g_string_append_len(g->labels, label ? label : "", (gssize)strlen(label ? label : "") + 1);
    g->nroots++;
}

void hc_walk_add_extra_root(hc_walk *w, uintptr_t addr, const char *label)
{
    if (!found(w, addr))
        hc_walk_add_root(w, addr, label);
}

/* Is a node of type t (key `key`) the observer's own: its type says so, or the model does. */
static inline gboolean is_hidden(hc_walk *w, uintptr_t addr, uintptr_t key, uint32_t tflags)
{
    const hc_model *m = w->model;
    return (tflags & HC_TYPE_HIDDEN) ||
           ((tflags & HC_TYPE_SOMEHIDDEN) && m->is_hidden && m->is_hidden(m->ctx, addr, key));
}

static inline void note_node(hc_walk *w, size_t q, uintptr_t addr, uint64_t nv, uint64_t size);

/* Find the referents of queue entry q.  `force` expands a hidden-typed node whose expansion
 * was deferred. */
static void discover_node(hc_walk *w, size_t q, gboolean force)
{
    const hc_model *m = w->model;
    uintptr_t addr = w->qaddr[q];
    uintptr_t key = m->type_of(m->ctx, addr);
    uint32_t t = type_index(w, key);
    if (t == HC_NONE)
        return;
    uint32_t tflags = w->g->types[t].flags;
    w->qtype[q] = t;
    if (tflags & HC_TYPE_VIRTUAL)
        w->qflags[q] |= HC_NODE_VIRTUAL;
    if (tflags & HC_TYPE_SIZECALL)
        w->qflags[q] |= HC_NODE_SIZECALL;
    if (!force && !(w->qflags[q] & HC_NODE_HIDDEN) && is_hidden(w, addr, key, tflags)) {
        w->qflags[q] |= HC_NODE_HIDDEN;
        if (grow(w, (void **)&w->deferred, &w->defcap, w->ndeferred + 1, sizeof *w->deferred, "the deferred list"))
            w->deferred[w->ndeferred++] = q;
        return;
    }
    /* Hidden nodes report their referents (which become hidden) but record no edges. */
    w->inherit = w->qflags[q] & (HC_NODE_HIDDEN | HC_NODE_UNREACH);
    uint64_t size = 0, v0 = w->nvisits;
    uint32_t nflags = 0;
    m->expand(m->ctx, w, addr, key, w->g->types[t].data, w->no_sizes ? NULL : &size, &nflags);
    w->qflags[q] |= (uint8_t)nflags;
    note_node(w, q, addr, w->nvisits - v0, size);
}

/* Record queue entry q's counts: nv referents (its edges in pass 2) and its size. */
static inline void note_node(hc_walk *w, size_t q, uintptr_t addr, uint64_t nv, uint64_t size)
{
    if (nv < 255) {
        w->qcnt[q] = (uint8_t)nv;
    } else if (grow(w, (void **)&w->bigcnt, &w->bigcntcap, w->nbigcnt + 2, sizeof *w->bigcnt, "the edge counts")) {
        w->qcnt[q] = 255;
        w->bigcnt[w->nbigcnt++] = q;
        w->bigcnt[w->nbigcnt++] = nv;
    }
    if (size < HC_SIZE_BIG) {
        w->qsize[q] = (uint32_t)size;
    } else if (grow(w, (void **)&w->bigs, &w->bigcap, w->nbigs + 2, sizeof *w->bigs, "the large sizes")) {
        w->qsize[q] = HC_SIZE_BIG;
        w->bigs[w->nbigs++] = addr;
        w->bigs[w->nbigs++] = (uintptr_t)size;
    }
}

/* Add as nodes the type objects that no edge has reached (only ob_type leads to them). */
static void add_type_nodes(hc_walk *w)
{
    hc_graph *g = w->g;
    for (; w->types_checked < g->ntypes && !w->error; w->types_checked++) {
        hc_type *ty = &g->types[w->types_checked];
        if (!(ty->flags & (HC_TYPE_VIRTUAL | HC_TYPE_NOOBJ)))
            discover(w, ty->key, w->type_flags);
    }
}

/* ---- pass 1 on two threads ---------------------------------------------------------------- */

/* A big drain shares the queue with a helper thread.  When at least two blocks of PAR_BLOCK
 * entries are pending, the next block goes to the helper and this thread jumps past it.  The
 * helper expands the entries of the types it may (par_expandable: the model says expanding
 * them only reads memory, and neither hiding nor virtual nodes are involved) and leaves the
 * others to this thread.  Nothing moves under it: the queue's columns grow only while it is
 * not working (a thread that must grow them first waits for the block), and it writes only
 * its block's entries.  It never writes the address set: it reads it (hc_addrset_contains'
 * relaxed loads, through a view of the chunks copied at the hand-over) and lists each referent not in it, for this
 * thread to discover (which checks again: the two may find the same object).  Its type
 * table is a copy refreshed at each hand-over.  When a block is done, this thread takes its
 * counts back (visits, big sizes and counts), swaps its lists for an empty pair, hands out
 * the next block, then goes through the lists: the helper never waits for that.  One block
 * is out at a time.  Why this shape, and the figures: thesis-notes/performance.md. */

#define PAR_BLOCK ((size_t)4096) /* queue entries per block                          */

#define PAR_SPIN 20000 /* polls of the state (a pause each) before sleeping */

enum { PAR_IDLE, PAR_OUT, PAR_DONE, PAR_QUIT };

static inline void hc_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static inline gboolean par_expandable(uint32_t tflags)
{
    return (tflags & (HC_TYPE_LEAF | HC_TYPE_THREADSAFE)) &&
           !(tflags & (HC_TYPE_HIDDEN | HC_TYPE_SOMEHIDDEN | HC_TYPE_VIRTUAL));
}

static inline const par_type *par_type_of(const par1 *p, uintptr_t key)
{
    if (!key || !p->types)
        return NULL;
    for (uint32_t i = type_hash(key, p->tmask);; i = (i + 1) & p->tmask) {
        const par_type *e = &p->types[i];
        if (e->key == key)
            return e;
        if (!e->key)
            return NULL;
    }
}

static void par_type_put(par_type *types, uint32_t mask, const par_type *e)
{
    uint32_t i = type_hash(e->key, mask);
    while (types[i].key)
        i = (i + 1) & mask;
    types[i] = *e;
}

/* The helper's copies, before a hand-over: the types added since the last one, the chunks. */
static gboolean par_refresh(hc_walk *w, par1 *p)
{
    hc_graph *g = w->g;
    if (p->ntypes_seen < g->ntypes) {
        uint32_t need = p->ntypes_in + (g->ntypes - p->ntypes_seen);
        if (!p->types || (size_t)need * 2 > (size_t)p->tmask + 1) {
            uint32_t cap = 64;
            while ((size_t)cap < (size_t)need * 2)
                cap *= 2;
            par_type *nt = hc_try_calloc(cap, sizeof *nt);
            if (!nt)
                return FALSE;
            for (uint32_t i = 0; p->types && i <= p->tmask; i++)
                if (p->types[i].key)
                    par_type_put(nt, cap - 1, &p->types[i]);
            hc_free(p->types);
            p->types = nt;
            p->tmask = cap - 1;
        }
        for (uint32_t t = p->ntypes_seen; t < g->ntypes; t++) {
            const hc_type *ty = &g->types[t];
            if (!ty->key || !par_expandable(ty->flags))
                continue;
            par_type e = {.key = ty->key, .data = ty->data, .t = t, .flags = ty->flags};
            par_type_put(p->types, p->tmask, &e);
            p->ntypes_in++;
        }
        p->ntypes_seen = g->ntypes;
    }
    hc_addrset *v = &p->h.set;
    if (v->nchunks != w->set.nchunks) {
        if (v->chunkcap < w->set.nchunks) {
            hc_addrset_chunk **c = hc_try_reallocarray(v->chunks, w->set.chunkcap, sizeof *c);
            if (!c)
                return FALSE;
            v->chunks = c;
            v->chunkcap = w->set.chunkcap;
        }
        memcpy(v->chunks, w->set.chunks, w->set.nchunks * sizeof *v->chunks);
        v->nchunks = w->set.nchunks;
        memset(v->cache, 0, sizeof v->cache);
    }
    return TRUE;
}

static void par_set_state(par1 *p, gint state)
{
    g_mutex_lock(&p->lock);
    g_atomic_int_set(&p->state, state);
    g_cond_broadcast(&p->cond);
    g_mutex_unlock(&p->lock);
}

/* Hand out the next block of the queue (this thread jumps past it), if at least two are pending. */
static void par_hand_out(hc_walk *w, par1 *p)
{
    if (w->nq - w->next < 2 * PAR_BLOCK)
        return;
    /* Room for this thread's appends while the block is out, so that it rarely waits. */
    size_t room = 8 * PAR_BLOCK + p->back.nfound / 2;
    if (w->qcap - w->nq < room && !queue_reserve(w, w->nq + room))
        return;
    if (!par_refresh(w, p)) {
        fail_nomem(w, "the discovery helper's tables");
        return;
    }
    hc_walk *h = &p->h;
    h->qaddr = w->qaddr;
    h->qflags = w->qflags;
    h->qtype = w->qtype;
    h->qsize = w->qsize;
    h->qcnt = w->qcnt;
    p->lo = w->next;
    p->hi = w->next = p->lo + PAR_BLOCK;
    p->out = TRUE;
    par_set_state(p, PAR_OUT);
}

/* Wait until the helper is not working on a block (its results may still be to take back). */
static void par_wait(hc_walk *w)
{
    par1 *p = w->par;
    if (!p)
        return;
    if (g_atomic_int_get(&p->state) == PAR_OUT) {
        g_mutex_lock(&p->lock);
        while (g_atomic_int_get(&p->state) == PAR_OUT)
            g_cond_wait(&p->cond, &p->lock);
        g_mutex_unlock(&p->lock);
    }
}

/* Append n (address, flags) pairs to list *l (capacity *cap, in pairs' elements). */
static gboolean par_push(hc_walk *h, uintptr_t **l, size_t *n, size_t *cap, uintptr_t addr, uint8_t flags)
{
    if (!grow(h, (void **)l, cap, *n + 2, sizeof **l, "the discovery helper's lists"))
        return FALSE;
    (*l)[(*n)++] = addr;
    (*l)[(*n)++] = flags;
    return TRUE;
}

/* Take a finished block back: its counts now, and its lists (swapped with this thread's
 * pair, empty: the helper can start on the next block before they are gone through). */
static void par_collect(hc_walk *w, par1 *p)
{
    hc_walk *h = &p->h;
    p->out = FALSE;
    g_atomic_int_set(&p->state, PAR_IDLE);
    take_error(w, &h->error);
    w->nvisits += h->nvisits;
    h->nvisits = 0;
    append(w, (void **)&w->bigcnt, &w->nbigcnt, &w->bigcntcap, h->bigcnt, h->nbigcnt, sizeof *w->bigcnt,
           "the edge counts");
    h->nbigcnt = 0;
    append(w, (void **)&w->bigs, &w->nbigs, &w->bigcap, h->bigs, h->nbigs, sizeof *w->bigs, "the large sizes");
    h->nbigs = 0;
    par_lists t = p->mine;
    p->mine = p->back;
    p->back = t;
}

/* Go through a block's lists: discover what the helper found (it does not add to the set:
 * this thread checks again), expand the entries it left. */
static void par_go_through(hc_walk *w, par1 *p)
{
    par_lists *b = &p->back;
    for (size_t k = 0; k < b->nfound && !w->error; k += 2)
        discover(w, b->found[k], (uint8_t)b->found[k + 1]);
    b->nfound = 0;
    for (size_t k = 0; k < b->nleft && !w->error; k++)
        discover_node(w, b->left[k], FALSE);
    b->nleft = 0;
}

/* The drain's check, every 64 entries: take back a block done, hand out the next, then go
 * through the block taken back. */
static void par_poll(hc_walk *w)
{
    par1 *p = w->par;
    if (p->out) {
        if (g_atomic_int_get(&p->state) != PAR_DONE)
            return;
        par_collect(w, p);
    }
    if (!w->error)
        par_hand_out(w, p);
    par_go_through(w, p);
}

/* On the helper: a referent of the entry being expanded. */
static void par_discover(hc_walk *h, uintptr_t addr)
{
    par1 *p = h->par;
    if (hc_addr_is_tagged(addr) || !hc_addrset_contains(&h->set, addr))
        par_push(h, &p->mine.found, &p->mine.nfound, &p->mine.foundcap, addr, h->inherit);
}

/* On the helper: expand queue entry q, as discover_node does, or leave it. */
static void par_node(hc_walk *h, par1 *p, size_t q)
{
    const hc_model *m = h->model;
    uintptr_t addr = h->qaddr[q];
    const par_type *pt = hc_addr_is_tagged(addr) ? NULL : par_type_of(p, m->type_of(m->ctx, addr));
    if (!pt) {
        par_lists *l = &p->mine;
        if (grow(h, (void **)&l->left, &l->leftcap, l->nleft + 1, sizeof *l->left, "the discovery helper's lists"))
            l->left[l->nleft++] = q;
        return;
    }
    h->qtype[q] = pt->t;
    if (pt->flags & HC_TYPE_SIZECALL)
        h->qflags[q] |= HC_NODE_SIZECALL;
    h->inherit = h->qflags[q] & (HC_NODE_HIDDEN | HC_NODE_UNREACH);
    uint64_t size = 0, v0 = h->nvisits;
    uint32_t nflags = 0;
    m->expand(m->ctx, h, addr, pt->key, pt->data, h->no_sizes ? NULL : &size, &nflags);
    h->qflags[q] |= (uint8_t)nflags;
    note_node(h, q, addr, h->nvisits - v0, size);
}

static gpointer par_main(gpointer data)
{
    par1 *p = data;
    hc_walk *h = &p->h;
    hc_thread_quiet();
    for (;;) {
        /* The next block usually comes within microseconds: wait awake a little first (a
         * wake-up from the condition costs tens of microseconds on a virtual machine). */
        gint st;
        for (int spin = 0; spin < PAR_SPIN && ((st = g_atomic_int_get(&p->state)) == PAR_IDLE || st == PAR_DONE);
             spin++)
            hc_cpu_relax();
        g_mutex_lock(&p->lock);
        while ((st = g_atomic_int_get(&p->state)) == PAR_IDLE || st == PAR_DONE)
            g_cond_wait(&p->cond, &p->lock);
        g_mutex_unlock(&p->lock);
        if (st == PAR_QUIT)
            break;
        for (size_t q = p->lo; q < p->hi && !h->error; q++) {
            if (q + 8 < p->hi)
                __builtin_prefetch((const void *)(h->qaddr[q + 8] & ~(uintptr_t)7));
            par_node(h, p, q);
        }
        par_set_state(p, PAR_DONE);
    }
    return NULL;
}

/* Start the helper (once per walk, when the walk is big enough). */
static void par_start(hc_walk *w)
{
    w->par_tried = TRUE;
    if (!hc_parallel_wanted(w->nq) || getenv("HEAPCORE_NO_PARALLEL_DISCOVERY") || !hc_two_cpus())
        return;
    par1 *p = hc_try_calloc(1, sizeof *p);
    if (!p)
        return;
    g_mutex_init(&p->lock);
    g_cond_init(&p->cond);
    hc_walk *h = &p->h;
    h->model = w->model;
    h->pass = 3;
    h->nodes_only = w->nodes_only;
    h->no_sizes = w->no_sizes;
    h->par = p;
    hc_addrset_init(&h->set);
    p->thread = g_thread_try_new("heapcore-disc", par_main, p, NULL);
    if (!p->thread) {
        g_mutex_clear(&p->lock);
        g_cond_clear(&p->cond);
        hc_free(p);
        return;
    }
    w->par = p;
}

/* Stop the helper: at the end of pass 1, or of a walk that failed. */
static void par_stop(hc_walk *w)
{
    par1 *p = w->par;
    if (!p)
        return;
    par_wait(w); /* a drain takes every block back before it returns, unless it failed */
    par_set_state(p, PAR_QUIT);
    g_thread_join(p->thread);
    w->par = NULL;
    hc_walk *h = &p->h;
    if (h->error) /* a failed walk keeps its own first error */
        g_error_free(h->error);
    hc_free(h->set.chunks); /* the view's list; the chunks are the walk's */
    hc_free(h->bigcnt);
    hc_free(h->bigs);
    hc_free(p->types);
    hc_free(p->mine.found);
    hc_free(p->mine.left);
    hc_free(p->back.found);
    hc_free(p->back.left);
    g_mutex_clear(&p->lock);
    g_cond_clear(&p->cond);
    hc_free(p);
}

/* Expand every pending queue entry, then any type objects that became known. */
static void drain(hc_walk *w)
{
    while (!w->error) {
        while (!w->error) {
            size_t q = w->next;
            if (q == w->nq) {
                if (!w->par || !w->par->out)
                    break;
                par_wait(w); /* nothing left here: the helper's block is all there is */
                par_poll(w);
                continue;
            }
            if (w->par && (q & 63) == 0) {
                par_poll(w); /* takes back a block done, hands out the next */
                if ((q = w->next) == w->nq)
                    continue;
            }
            w->next = q + 1;
            if (q + 8 < w->nq)
                __builtin_prefetch((const void *)(w->qaddr[q + 8] & ~(uintptr_t)7));
            discover_node(w, q, FALSE);
            if (G_UNLIKELY(w->nq >= w->next_q || w->nvisits >= w->next_e))
                look_ahead(w);
        }
        if (w->error)
            return;
        size_t before = w->nq;
        add_type_nodes(w);
        if (w->nq == before)
            return;
    }
}

/* Expand the deferred hidden nodes (their referents become hidden), and what they reach. */
static void drain_deferred(hc_walk *w)
{
    while (w->ndeferred && !w->error) {
        size_t d = w->deferred[--w->ndeferred];
        discover_node(w, d, TRUE);
        drain(w);
    }
}

static void complement(hc_walk *w)
{
    hc_graph *g = w->g;
    const hc_model *m = w->model;
    if (!m->complement)
        return;
    m->complement(m->ctx, w);
    /* The observer's own objects first, so that what only they reach is hidden, not a leak. */
    w->type_flags = HC_NODE_HIDDEN | HC_NODE_UNREACH;
    for (size_t k = 0; k < w->ncand && !w->error; k++) {
        uintptr_t a = w->cand[k], key = m->type_of(m->ctx, a);
        uint32_t t = type_index(w, key);
        if (t == HC_NONE || !is_hidden(w, a, key, g->types[t].flags))
            continue;
        if (discover(w, a, HC_NODE_HIDDEN | HC_NODE_UNREACH))
            drain(w);
    }
    drain_deferred(w);
    w->type_flags = HC_NODE_COMPLEMENT | HC_NODE_UNREACH;
    for (size_t k = 0; k < w->ncand && !w->error; k++) {
        if (!discover(w, w->cand[k], HC_NODE_COMPLEMENT | HC_NODE_UNREACH))
            continue;
        drain(w);
        drain_deferred(w);
    }
}

/* ---- between the passes: numbering -------------------------------------------------------- */

static int cmp_uptr(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

/* Move queue entries [lo, hi) onto their ids; counts go to offsets[id + 1] for now. */
static void scatter(hc_walk *w, size_t lo, size_t hi)
{
    hc_graph *g = w->g;
    for (size_t q = lo; q < hi; q++) {
        uint32_t id = id_of(w, w->qaddr[q]);
        g->flags[id] = w->qflags[q];
        g->type[id] = w->qtype[q];
        g->size[id] = w->qsize[q];
        g->offsets[id + 1] = w->qcnt[q];
    }
}

typedef struct scatter_job {
    hc_walk w; /* the helper's is a copy: its own address-set cache; ids are disjoint */
    size_t lo, hi;
} scatter_job;

static void scatter_half(void *data)
{
    scatter_job *j = data;
    scatter(&j->w, j->lo, j->hi);
}

/* The scatter writes each id once: a big walk gives the second half to a helper thread. */
static void scatter_all(hc_walk *w, size_t n)
{
    if (!hc_parallel_wanted(n)) {
        scatter(w, 0, n);
        return;
    }
    scatter_job a = {.w = *w, .lo = 0, .hi = n / 2}, b = {.w = *w, .lo = n / 2, .hi = n};
    hc_run_pair(scatter_half, &a, &b);
}

/* Number the nodes (real ones by address, then virtual ones by address), move the queue's
 * columns onto ids (into the node columns, allocated along with the queue), and the roots'
 * addresses.  The queue's address array becomes the address column. */
static gboolean number_nodes(hc_walk *w)
{
    hc_graph *g = w->g;
    uint32_t nreal = hc_addrset_freeze(&w->set);
    if (nreal == HC_NONE) {
        fail_nomem(w, "the address ranks");
        return FALSE;
    }
    uint32_t nvirt = g_hash_table_size(w->virt);
    size_t n = (size_t)nreal + nvirt;
    if (n != w->nq) {
        g_set_error(&w->error, HC_ERROR, HC_ERROR_STATE, "the walk lost count of its nodes (%zu, %zu)", n, w->nq);
        return FALSE;
    }
    /* Virtual nodes: ids after the real ones, in address order. */
    uintptr_t *vaddr = NULL;
    if (nvirt) {
        vaddr = hc_try_malloc(nvirt * sizeof *vaddr);
        if (!vaddr) {
            fail_nomem(w, "the node numbering");
            return FALSE;
        }
        GHashTableIter it;
        gpointer key;
        uint32_t k = 0;
        g_hash_table_iter_init(&it, w->virt);
        while (g_hash_table_iter_next(&it, &key, NULL))
            vaddr[k++] = (uintptr_t)key;
        qsort(vaddr, nvirt, sizeof *vaddr, cmp_uptr);
        for (k = 0; k < nvirt; k++)
            g_hash_table_insert(w->virt, (gpointer)vaddr[k], GUINT_TO_POINTER(nreal + k + 1));
    }
    uint32_t *offsets = g->offsets;
    if (!(g->obase = hc_try_malloc((n / HC_OBASE_SPAN + 1) * sizeof *g->obase))) {
        hc_free(vaddr);
        fail_nomem(w, "the node columns");
        return FALSE;
    }
    scatter_all(w, n);
    for (size_t k = 0; k < w->nbigcnt; k += 2) {
        if (w->bigcnt[k + 1] > UINT32_MAX) {
            hc_free(vaddr);
            g_set_error(&w->error, HC_ERROR, HC_ERROR_LIMIT, "an object with 2^32 referents or more");
            return FALSE;
        }
        offsets[id_of(w, w->qaddr[w->bigcnt[k]]) + 1] = (uint32_t)w->bigcnt[k + 1];
    }
    /* Each node's edge slots, from pass 1's counts: pass 2 can then fill nodes in any order.
     * A nodes-only walk records no edges: every node gets none. */
    if (w->nodes_only)
        memset(offsets, 0, ((size_t)n + 1) * sizeof *offsets);
    uint64_t at = hc_graph_offsets_from_counts(g, (uint32_t)n);
    if (at == UINT64_MAX) {
        hc_free(vaddr);
        g_set_error(&w->error, HC_ERROR, HC_ERROR_LIMIT, "2^32 edges or more among 2^16 consecutive objects");
        return FALSE;
    }
    if (!w->nodes_only && at != w->nvisits) {
        hc_free(vaddr);
        g_set_error(&w->error, HC_ERROR, HC_ERROR_STATE, "the walk lost count of its edges");
        return FALSE;
    }
    hc_free(w->qflags);
    hc_free(w->qtype);
    hc_free(w->qsize);
    hc_free(w->qcnt);
    w->qflags = NULL;
    w->qtype = NULL;
    w->qsize = NULL;
    w->qcnt = NULL;
    /* The edge array is faulted in only now, when the queue's columns are gone: asked for
     * during pass 1, it would be resident alongside them (8 B/object at the peak on W1). */
    if (!w->nodes_only)
        ask(w, g->edges, 0, (size_t)MIN(w->nvisits, w->ecap), sizeof *g->edges);
    hc_addrset_members(&w->set, w->qaddr);
    if (nvirt)
        memcpy(w->qaddr + nreal, vaddr, nvirt * sizeof *vaddr);
    hc_free(vaddr);
    g->addr = w->qaddr;
    w->qaddr = NULL;
    g->n = (uint32_t)n;
    g->nreal = nreal;
    for (uint32_t r = 0; r < g->nroots; r++) {
        uint32_t id = id_of(w, w->rootaddr[r]);
        g->roots[r].id = id;
        g->flags[id] |= HC_NODE_ROOT;
    }
    for (size_t k = 0; k < w->nbigs && !w->error; k += 2)
        hc_graph_set_size(g, id_of(w, w->bigs[k]), w->bigs[k + 1], &w->error);
    for (uint32_t t = 0; t < g->ntypes; t++)
        g->types[t].node =
            (g->types[t].flags & (HC_TYPE_VIRTUAL | HC_TYPE_NOOBJ)) ? HC_NONE : id_of(w, g->types[t].key);
    return !w->error;
}

/* ---- pass 2: edges ------------------------------------------------------------------------ */

/* Fill node i's edge slots.  Hidden nodes have none; leaves only their type's node. */
static void record_node(hc_walk *w, uint32_t i)
{
    hc_graph *g = w->g;
    const hc_model *m = w->model;
    uint32_t t = g->type[i];
    if (t == HC_NONE || (g->flags[i] & HC_NODE_HIDDEN))
        return;
    w->at = hc_graph_edge_at(g, i);
    w->end = hc_graph_edge_at(g, i + 1);
    const hc_type *ty = &g->types[t];
    if (ty->flags & HC_TYPE_LEAF) {
        if (ty->node != HC_NONE)
            put_edge(w, ty->node);
    } else {
        w->cur = i;
        m->expand(m->ctx, w, g->addr[i], ty->key, ty->data, NULL, NULL);
    }
    if (G_UNLIKELY(w->at < w->end)) { /* fewer referents than pass 1 counted */
        w->gaps = TRUE;
        for (uint64_t e = w->at; e < w->end; e++)
            g->edges[e] = HC_NONE;
    }
}

/* Whether a helper thread may record node i (else the main thread does). */
static inline gboolean helper_may(const hc_graph *g, uint32_t i)
{
    uint32_t t = g->type[i];
    return t == HC_NONE || (g->flags[i] & HC_NODE_HIDDEN) || (g->types[t].flags & (HC_TYPE_LEAF | HC_TYPE_THREADSAFE));
}

#define PASS2_BLOCK 4096u /* ids per unit of work                      */

typedef struct pass2 {
    hc_walk helper; /* the helper's own copy of the walk                */
    uint32_t nblocks;
    gint next;          /* next block to take                               */
    uint8_t *by_helper; /* [nblocks] 1: taken by the helper, 2: and it left
                               nodes that were not HC_TYPE_THREADSAFE           */
} pass2;

/* Record nodes [lo, hi), all of them, or on the helper (helper TRUE) only those helper_may;
 * FALSE if it left any. */
static gboolean record_range(hc_walk *w, uint32_t lo, uint32_t hi, gboolean helper)
{
    hc_graph *g = w->g;
    const hc_type *types = g->types;
    gboolean all = TRUE;
    for (uint32_t i = lo; i < hi && !w->error; i++) {
        /* Prefetch the objects pass 2 will expand (not the leaves it skips). */
        if (i + 8 < hi && g->type[i + 8] != HC_NONE && !(types[g->type[i + 8]].flags & HC_TYPE_LEAF))
            __builtin_prefetch((const void *)(g->addr[i + 8] & ~(uintptr_t)7));
        if (!helper || helper_may(g, i))
            record_node(w, i);
        else
            all = FALSE;
    }
    return all;
}

static gpointer pass2_helper(gpointer data)
{
    pass2 *p = data;
    hc_walk *w = &p->helper;
    hc_thread_quiet();
    hc_graph *g = w->g;
    for (;;) {
        uint32_t b = (uint32_t)g_atomic_int_add(&p->next, 1);
        if (b >= p->nblocks || w->error)
            break;
        uint32_t lo = b * PASS2_BLOCK, hi = MIN(g->n, lo + PASS2_BLOCK);
        p->by_helper[b] = record_range(w, lo, hi, TRUE) ? 1 : 2;
    }
    return NULL;
}

/* Pass 2: every node's referents into the edge slots pass 1 counted.  A big walk shares the
 * nodes with a helper thread, which takes blocks of ids and records the nodes of types the
 * model marks HC_TYPE_THREADSAFE (their expansion only reads memory; the GIL holder, this
 * thread, runs no Python code meanwhile, so nothing changes under it) and leaves the others
 * to this thread.  Each thread has its own copy of the walk: its own address-set cache, lost
 * count and ownership pairs, merged at the end. */
static void record_all(hc_walk *w)
{
    hc_graph *g = w->g;
    /* Pass 1 reserved the edges as it counted them (look_ahead); a small walk may not have. */
    size_t cap = (size_t)w->ecap;
    if (!grow(w, (void **)&g->edges, &cap, w->nvisits ? (size_t)w->nvisits : 1, sizeof *g->edges, "the edge array"))
        return;
    w->ecap = cap;
    uint32_t n = g->n;
    pass2 p = {0};
    GThread *thread = NULL;
    p.nblocks = (n + PASS2_BLOCK - 1) / PASS2_BLOCK;
    if (hc_parallel_wanted(n) && (p.by_helper = hc_try_calloc(p.nblocks, 1)) != NULL) {
        p.helper = *w;
        p.helper.own = NULL;
        p.helper.nown = p.helper.ocap = 0;
        p.helper.lost = 0;
        p.helper.gaps = FALSE;
        p.helper.error = NULL;
        thread = g_thread_try_new("heapcore-edges", pass2_helper, &p, NULL);
    }
    if (!thread) {
        record_range(w, 0, n, FALSE);
        hc_free(p.by_helper);
        return;
    }
    for (;;) {
        uint32_t b = (uint32_t)g_atomic_int_add(&p.next, 1);
        if (b >= p.nblocks || w->error)
            break;
        record_range(w, b * PASS2_BLOCK, MIN(n, (b + 1) * PASS2_BLOCK), FALSE);
    }
    g_atomic_int_set(&p.next, (gint)p.nblocks); /* on an error: the helper stops too */
    g_thread_join(thread);
    hc_walk *h = &p.helper;
    for (uint32_t b = 0; b < p.nblocks && !w->error; b++) {
        if (p.by_helper[b] != 2)
            continue;
        for (uint32_t i = b * PASS2_BLOCK; i < MIN(n, (b + 1) * PASS2_BLOCK) && !w->error; i++)
            if (!helper_may(g, i))
                record_node(w, i);
    }
    w->lost += h->lost;
    w->gaps |= h->gaps;
    take_error(w, &h->error);
    if (!w->error)
        append(w, (void **)&w->own, &w->nown, &w->ocap, h->own, h->nown, sizeof *w->own, "the ownership pairs");
    hc_free(h->own);
    hc_free(p.by_helper);
}

/* After pass 2, if a node had fewer referents than pass 1 counted: drop the empty slots. */
static void close_gaps(hc_graph *g)
{
    uint64_t out = 0, from = 0;      /* new end so far; old start of node i */
    uint64_t old_base = g->obase[0]; /* old base of the span holding node i + 1 */
    for (uint32_t i = 0; i < g->n; i++) {
        uint32_t j = i + 1;
        gboolean span_start = (j & (HC_OBASE_SPAN - 1)) == 0;
        if (span_start)
            old_base = g->obase[j >> HC_OBASE_SHIFT];
        uint64_t to = old_base + g->offsets[j];
        for (uint64_t e = from; e < to; e++)
            if (g->edges[e] != HC_NONE)
                g->edges[out++] = g->edges[e];
        if (span_start)
            g->obase[j >> HC_OBASE_SHIFT] = out; /* and offsets[j] stays 0 */
        else
            g->offsets[j] = (uint32_t)(out - g->obase[j >> HC_OBASE_SHIFT]);
        from = to;
    }
}

/* ---- the run ------------------------------------------------------------------------------ */

static void walk_free(hc_walk *w)
{
    par_stop(w); /* first: they may be using the arrays freed below */
    hc_prefault_free(w->pf);
    w->pf = NULL;
    hc_addrset_clear(&w->set);
    if (w->virt)
        g_hash_table_destroy(w->virt);
    hc_free(w->qaddr);
    hc_free(w->qflags);
    hc_free(w->qtype);
    hc_free(w->qsize);
    hc_free(w->bigs);
    hc_free(w->qcnt);
    hc_free(w->bigcnt);
    hc_free(w->own);
    hc_free(w->deferred);
    hc_free(w->cand);
    hc_free(w->rootaddr);
    hc_free(w->tslots);
}

/* Shrink a column to its final length (failure to shrink is harmless). */
static void *shrink(void *p, size_t n, size_t size)
{
    void *q = hc_try_reallocarray(p, n ? n : 1, size);
    return q ? q : p;
}

hc_graph *hc_walk_run(const hc_model *model, uint32_t expected, GError **error)
{
    return hc_walk_run_with(model, expected, 0, error);
}

hc_graph *hc_walk_run_with(const hc_model *model, uint32_t expected, uint32_t options, GError **error)
{
    g_return_val_if_fail(model && model->type_of && model->type_init && model->expand && model->roots, NULL);
    gint64 t0 = g_get_monotonic_time(), t[HC_WALK_PHASES];
    hc_walk w = {0};
    w.model = model;
    w.pass = 1;
    w.nodes_only = (options & HC_WALK_NODES_ONLY) != 0;
    w.no_sizes = w.nodes_only && (options & HC_WALK_NO_SIZES) != 0;

    hc_addrset_init(&w.set);
    w.virt = g_hash_table_new(g_direct_hash, g_direct_equal);
    w.g = hc_graph_alloc();
    hc_graph *g = w.g;
    if (!g) {
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory starting a walk");
        walk_free(&w);
        return NULL;
    }
    g->labels = g_string_new(NULL);
    if (type_rehash(&w, 256))
        queue_reserve(&w, expected ? expected : 1024);

    if (!w.error) {
        model->roots(model->ctx, &w); /* phase 1 */
        drain(&w);
    }
    /* Phase 3 before phase 2: an object handed over that only the observer holds (iso()'s
     * arguments, held by its hidden frame) is the user's, an ordinary node with its edges;
     * expanded after the hidden ones it would be hidden, without edges, like their parts. */
    if (model->extra_roots && !w.error) {
        model->extra_roots(model->ctx, &w);
        drain(&w);
    }
    if (!w.error)
        drain_deferred(&w); /* phase 2 */
    t[0] = g_get_monotonic_time();
    if (!w.error)
        complement(&w); /* phase 4 */
    par_stop(&w);
    t[1] = g_get_monotonic_time();

    if (!w.error && number_nodes(&w)) {
        t[2] = g_get_monotonic_time();
        w.pass = 2;
        if (!w.nodes_only)
            record_all(&w);
        if (!w.error && w.gaps)
            close_gaps(g);
    } else {
        t[2] = g_get_monotonic_time();
    }
    t[3] = g_get_monotonic_time();
    if (w.error) {
        g_propagate_error(error, w.error);
        walk_free(&w);
        hc_graph_unref(g);
        return NULL;
    }
    g->lost_edges = w.lost;
    g->owners = w.own;
    g->nowners = (uint32_t)w.nown;
    w.own = NULL;
    g->prefaulted = hc_prefault_done(w.pf);
    for (int k = 0; k < HC_WALK_PHASES; k++)
        g->walk_s[k] = (double)(t[k] - (k ? t[k - 1] : t0)) / 1e6;
    walk_free(&w);
    g->addr = shrink(g->addr, g->n, sizeof *g->addr);
    g->type = shrink(g->type, g->n, sizeof *g->type);
    g->size = shrink(g->size, g->n, sizeof *g->size);
    g->flags = shrink(g->flags, g->n, sizeof *g->flags);
    g->offsets = shrink(g->offsets, (size_t)g->n + 1, sizeof *g->offsets);
    g->edges = shrink(g->edges, (size_t)hc_graph_edge_at(g, g->n), sizeof *g->edges);
    hc_graph_sort_owners(g);
#ifdef HC_DEBUG
    /* --enable-debug: every graph a walk builds is checked whole (a load always is) */
    GError *why = NULL;
    if (!hc_graph_validate(g, &why))
        g_error("heapcore (debug build): the walk built an invalid graph: %s", why->message);
#endif
    return g;
}
