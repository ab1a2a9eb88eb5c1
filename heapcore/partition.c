/* heapcore/partition.c — counting kinds over a set and sorting them into a table. */
#include "heapcore/partition.h"

#include <stdlib.h>
#include <string.h>

#include "graph_private.h"
#include "threads.h"
#include "heapcore/error.h"

struct hc_partition {
    hc_idset *set;
    const hc_kinds *k;
    hc_row *rows;
    uint32_t nrows;
};

typedef struct {
    char **names; /* indexed by kind */
} sort_ctx;

static sort_ctx *the_sort; /* qsort has no context argument in C11; partitions run under the GIL */

static int cmp_rows(const void *pa, const void *pb)
{
    const hc_row *a = pa, *b = pb;
    if (a->size != b->size)
        return a->size > b->size ? -1 : 1;
    return strcmp(the_sort->names[a->kind], the_sort->names[b->kind]);
}

/* Count and sum the sizes of ids[lo, hi) per kind, into the job's own arrays. */
typedef struct count_job {
    const hc_graph *g;
    const hc_kinds *k;
    const uint32_t *ids;
    uint32_t lo, hi;
    uint32_t *count;
    uint64_t *size;
} count_job;

static void count_part(void *data)
{
    count_job *j = data;
    for (uint32_t i = j->lo; i < j->hi; i++) {
        uint32_t k = hc_kinds_of(j->k, j->ids[i]);
        j->count[k]++;
        j->size[k] += hc_graph_size_fast(j->g, j->ids[i]);
    }
}

hc_partition *hc_partition_new(hc_idset *s, const hc_kinds *kinds, GError **error)
{
    const hc_graph *g = hc_idset_graph(s);
    uint32_t nkinds = hc_kinds_count(kinds);
    const uint32_t *ids = hc_idset_ids(s);
    uint32_t n = hc_idset_count(s);
    /* A big set's second half is counted on a helper thread (threads.h) into its own arrays. */
    gboolean two = hc_parallel_wanted(n);
    uint32_t *count = hc_try_calloc((two ? 2 : 1) * (size_t)(nkinds ? nkinds : 1), sizeof *count);
    uint64_t *size = hc_try_calloc((two ? 2 : 1) * (size_t)(nkinds ? nkinds : 1), sizeof *size);
    hc_partition *p = hc_try_calloc(1, sizeof *p);
    if (!count || !size || !p) {
        hc_free(count);
        hc_free(size);
        hc_free(p);
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory partitioning a set");
        return NULL;
    }
    count_job a = {g, kinds, ids, 0, two ? n / 2 : n, count, size};
    if (two) {
        count_job b = {g, kinds, ids, n / 2, n, count + nkinds, size + nkinds};
        hc_run_pair(count_part, &a, &b);
        for (uint32_t k = 0; k < nkinds; k++) {
            count[k] += b.count[k];
            size[k] += b.size[k];
        }
    } else {
        count_part(&a);
    }
    uint32_t nrows = 0;
    for (uint32_t k = 0; k < nkinds; k++)
        nrows += count[k] != 0;
    p->rows = hc_try_malloc((nrows ? nrows : 1) * sizeof *p->rows);
    char **names = hc_try_calloc(nkinds ? nkinds : 1, sizeof *names);
    if (!p->rows || !names) {
        hc_free(p->rows);
        hc_free(names);
        hc_free(count);
        hc_free(size);
        hc_free(p);
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory partitioning a set");
        return NULL;
    }
    GString *buf = g_string_new(NULL);
    for (uint32_t k = 0, r = 0; k < nkinds; k++) {
        if (!count[k])
            continue;
        p->rows[r++] = (hc_row){.kind = k, .count = count[k], .size = size[k]};
        g_string_truncate(buf, 0);
        hc_kinds_name(kinds, k, buf);
        names[k] = g_strdup(buf->str);
    }
    g_string_free(buf, TRUE);
    sort_ctx ctx = {names};
    the_sort = &ctx;
    qsort(p->rows, nrows, sizeof *p->rows, cmp_rows);
    the_sort = NULL;
    for (uint32_t k = 0; k < nkinds; k++)
        g_free(names[k]);
    hc_free(names);
    hc_free(count);
    hc_free(size);
    p->set = hc_idset_ref(s);
    p->k = kinds;
    p->nrows = nrows;
    return p;
}

void hc_partition_free(hc_partition *p)
{
    if (!p)
        return;
    hc_idset_unref(p->set);
    hc_free(p->rows);
    hc_free(p);
}

uint32_t hc_partition_nrows(const hc_partition *p)
{
    return p->nrows;
}
const hc_row *hc_partition_rows(const hc_partition *p)
{
    return p->rows;
}

hc_idset *hc_idset_select_kind(hc_idset *s, const hc_kinds *kinds, uint32_t kind, GError **error)
{
    hc_graph *g = hc_idset_graph(s);
    const uint32_t *ids = hc_idset_ids(s);
    uint32_t n = hc_idset_count(s), k = 0;
    for (uint32_t i = 0; i < n; i++)
        k += hc_kinds_of(kinds, ids[i]) == kind;
    uint32_t *out = hc_try_malloc((k ? k : 1) * sizeof *out);
    if (!out) {
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory selecting a row");
        return NULL;
    }
    k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (hc_kinds_of(kinds, ids[i]) == kind)
            out[k++] = ids[i];
    return hc_idset_new_steal(g, out, k, error);
}

hc_idset *hc_partition_row_set(const hc_partition *p, uint32_t r, GError **error)
{
    if (r >= p->nrows) {
        g_set_error(error, HC_ERROR, HC_ERROR_INVALID, "row %u of %u", r, p->nrows);
        return NULL;
    }
    return hc_idset_select_kind(p->set, p->k, p->rows[r].kind, error);
}
