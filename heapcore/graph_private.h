/* heapcore/graph_private.h — the body of hc_graph, for the engine's own modules (walk, sets,
 * partitions) whose hot loops read the columns directly.  Not installed. */
#ifndef HEAPCORE_GRAPH_PRIVATE_H
#define HEAPCORE_GRAPH_PRIVATE_H

#include "heapcore/graph.h"

typedef struct hc_type {
    uintptr_t key;  /* type address (or a small tag for virtual kinds)          */
    uintptr_t data; /* the model's per-type word (e.g. its size strategy)       */
    uint32_t node;  /* node id of the type object, HC_NONE if none              */
    uint32_t flags; /* HC_TYPE_*                                                */
    char *name;     /* g_malloc'd (or, loaded, in pool), NULL until named       */
} hc_type;

typedef struct hc_root {
    uint32_t id;
    uint32_t label; /* offset into labels */
} hc_root;

struct hc_graph {
    gint refcount;
    uint32_t n;          /* nodes                                                   */
    uint32_t nreal;      /* nodes 0..nreal-1 have real (untagged) addresses         */
    uintptr_t *addr;     /* [n] address (tagged for virtual nodes)                  */
    uint32_t *type;      /* [n] index into types                                    */
    uint32_t *size;      /* [n] bytes, HC_SIZE_BIG: see bigsize                     */
    uint8_t *flags;      /* [n] HC_NODE_*                                           */
    uint32_t *offsets;   /* [n+1] CSR offsets into edges, relative to obase: node i's
                             edges start at hc_graph_edge_at(g, i)                    */
    uint64_t *obase;     /* [n/HC_OBASE_SPAN + 1] edge index of the first node of each
                             span of HC_OBASE_SPAN nodes (offsets[span start] = 0)      */
    uint32_t *edges;     /* [offsets[n]] referent ids                               */
    GHashTable *bigsize; /* id -> uint64_t* for sizes >= HC_SIZE_BIG; NULL if none  */
    GHashTable *names;   /* id -> name (modules): g_malloc'd, or in pool if loaded; NULL if none */
    hc_type *types;      /* [ntypes]                                                */
    uint32_t ntypes;
    hc_root *roots; /* [nroots]                                                */
    uint32_t nroots;
    GString *labels; /* NUL-separated root labels (walked graphs)                */
    char *pool;      /* loaded graphs: the file's STRINGS, copied once; type and node
                             names and root labels point into it, so a file that names one
                             string a thousand times costs its length once, not a thousand
                             times (NULL for walked graphs) */
    size_t pool_len;
    uint64_t *pnames; /* loaded graphs: node names as (id << 32 | pool offset), ascending */
    uint32_t npnames;
    uint64_t *owners; /* [nowners] (dict id << 32 | owner id), sorted            */
    uint32_t nowners;
    uint32_t sizeof_failures;       /* see hc_graph_sizeof_failures                              */
    uint64_t lost_edges;            /* see hc_graph_lost_edges                                  */
    uint64_t prefaulted;            /* see hc_graph_prefaulted                                  */
    double walk_s[HC_WALK_PHASES];  /* see hc_graph_walk_times                          */
    gboolean loaded;                /* read from a file: no live objects behind the addresses   */
    void *attached[HC_ATTACH_LAST]; /* see hc_graph_attach                  */
    GDestroyNotify attached_free[HC_ATTACH_LAST];
};

hc_graph *hc_graph_alloc(void); /* zeroed, refcount 1; NULL if out of memory */

/* Whether p points into g's pool (then it is not freed on its own). */
static inline gboolean hc_graph_in_pool(const hc_graph *g, const char *p)
{
    return g->pool && p >= g->pool && p < g->pool + g->pool_len;
}

/* Loaded graphs: the node names, npnames (id << 32 | pool offset) pairs in any order, taken
 * over (hc_free'd with g); sorted here.  Replaces any names set before. */
void hc_graph_set_pooled_names(hc_graph *g, uint64_t *pnames, uint32_t npnames);

/* 32-bit offsets with a 64-bit base per span of 2^16 nodes: 4 bytes per node instead of 8,
 * any number of edges in all; a span's own edges must number fewer than 2^32. */
#define HC_OBASE_SHIFT 16
#define HC_OBASE_SPAN ((uint32_t)1 << HC_OBASE_SHIFT)

/* Index in edges of node i's first edge, for i in [0, n] (i = n: the edge count). */
static inline uint64_t hc_graph_edge_at(const hc_graph *g, uint32_t i)
{
    return g->obase[i >> HC_OBASE_SHIFT] + g->offsets[i];
}

/* offsets[i + 1] holds node i's edge count, for i < n: make offsets[0..n] the CSR offsets,
 * relative to obase (allocated for n / HC_OBASE_SPAN + 1 spans).  Returns the number of
 * edges, or UINT64_MAX if some span of HC_OBASE_SPAN nodes has 2^32 edges or more.  (The
 * walk fills the counts in pass 1; a snapshot file's reader while decoding.) */
uint64_t hc_graph_offsets_from_counts(hc_graph *g, uint32_t n);

/* Node id is the observer's own (or only they reach it): left out of trees, paths, referrers. */
static inline gboolean hc_graph_hidden_fast(const hc_graph *g, uint32_t id)
{
    return (g->flags[id] & HC_NODE_HIDDEN) != 0;
}

static inline uint64_t hc_graph_size_fast(const hc_graph *g, uint32_t id)
{
    uint32_t s = g->size[id];
    return s != HC_SIZE_BIG ? s : hc_graph_size(g, id);
}

#endif
