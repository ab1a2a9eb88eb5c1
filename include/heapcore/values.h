/* heapcore/values.h — the contents of strings and bytes, kept with a graph.
 *
 * A snapshot file redacts contents by default: each str or bytes object keeps its length
 * and a 64-bit hash of its contents (equal contents, equal hashes: duplicates can still be
 * found), and its contents only when asked (keep_strings).  Values are read from the live
 * objects once, by the object model, when the graph is taken or saved. */
#ifndef HEAPCORE_VALUES_H
#define HEAPCORE_VALUES_H

#include <glib.h>
#include <stdint.h>

#include "heapcore/graph.h"

G_BEGIN_DECLS

typedef struct hc_values hc_values;

/* Where a value model puts one object's contents, piece by piece and in order: the sink
 * hashes every piece and keeps at most HC_VALUE_KEEP_MAX bytes, so a 1 GB bytes object is
 * read in place, never copied whole (a GString copy of it made glib abort when memory was
 * short). */
typedef struct hc_value_sink hc_value_sink;
void hc_value_sink_put(hc_value_sink *s, const void *p, size_t n);

typedef struct hc_value_model {
    /* Whether objects of the type with this key carry a value (str, bytes, ...). */
    gboolean (*has_value)(void *ctx, uintptr_t type_key);
    /* The value of the live object at addr: its length in the type's units (characters,
     * bytes), its contents given to out with hc_value_sink_put (UTF-8 for text). */
    void (*value)(void *ctx, uintptr_t addr, uint64_t *length, hc_value_sink *out);
    void *ctx;
} hc_value_model;

/* Contents longer than this are kept cut to it (with their full length and hash). */
#define HC_VALUE_KEEP_MAX (1u << 20)

/* Values of g's real nodes set in `alive` (hc_graph_alive_in) whose type has values; with
 * keep, their contents too.  NULL + HC_ERROR_NOMEM if out of memory. */
hc_values *hc_values_capture(const hc_graph *g, const uint64_t *alive, const hc_value_model *m, gboolean keep,
                             GError **error);
hc_values *hc_values_new(void); /* empty, to fill with hc_values_add (a file's reader); NULL if out of memory */
hc_values *hc_values_new_sized(uint32_t count); /* the same, room for count made at once */
/* Add node id's value (ids ascending); contents may be NULL (redacted).  FALSE if out of memory. */
gboolean hc_values_add(hc_values *v, uint32_t id, uint64_t length, uint64_t hash, const void *contents, size_t nbytes);
void hc_values_free(hc_values *v); /* accepts NULL */
/* A copy without contents (lengths and hashes only); NULL if out of memory. */
hc_values *hc_values_redacted(const hc_values *v);

uint32_t hc_values_count(const hc_values *v);
/* The i-th value (by ascending node id): its node, length, hash and contents (NULL if
 * redacted; *nbytes their length). */
void hc_values_get(const hc_values *v, uint32_t i, uint32_t *id, uint64_t *length, uint64_t *hash,
                   const char **contents, size_t *nbytes);
/* The index of node id's value, or HC_NONE.  O(log n). */
uint32_t hc_values_find(const hc_values *v, uint32_t id);
/* Whether any contents are kept. */
gboolean hc_values_kept(const hc_values *v);

/* The hash of contents (64-bit FNV-1a: the same on every platform and version). */
uint64_t hc_values_hash(const void *data, size_t n);

G_END_DECLS
#endif
