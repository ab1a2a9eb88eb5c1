/* heapcore/error.h — the HC_ERROR GError domain and the engine's allocation wrappers.
 *
 * Every fallible engine function takes a trailing `GError **error` (may be NULL) and returns
 * NULL/FALSE/-1 on failure.  Big engine buffers come from hc_try_* so that running out of
 * memory becomes HC_ERROR_NOMEM (a MemoryError in Python), never an abort.  A test hook makes
 * the Nth hc_try_* call fail, so every failure path can be exercised. */
#ifndef HEAPCORE_ERROR_H
#define HEAPCORE_ERROR_H

#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

#define HC_ERROR (hc_error_quark())
GQuark hc_error_quark(void);

typedef enum {
    HC_ERROR_NOMEM,   /* an engine allocation failed                        */
    HC_ERROR_INVALID, /* bad argument (wrong snapshot, id out of range, …)  */
    HC_ERROR_STATE,   /* the interpreter is in a state that cannot be walked */
    HC_ERROR_LIMIT,   /* more than 2^32-2 objects, or another hard limit     */
    HC_ERROR_IO,      /* a file could not be read or written (OS message)     */
    HC_ERROR_FORMAT,  /* a snapshot file is truncated, corrupt or not ours    */
} HcError;

/* malloc/realloc/calloc that return NULL on failure (and under the failure hook). */
void *hc_try_malloc(size_t n);
void *hc_try_calloc(size_t n, size_t size);
void *hc_try_realloc(void *p, size_t n);
/* realloc to nmemb*size bytes, NULL on overflow or failure (p stays valid then). */
void *hc_try_reallocarray(void *p, size_t nmemb, size_t size);
void hc_free(void *p);

/* The same for big arrays: past HC_BIG_ARRAY bytes they get at least HC_MMAP_SURE bytes, more
 * than glibc's largest mmap threshold, so they are always mapped: freeing one gives its memory
 * back to the system at once (a freed block of the heap can stay resident), and realloc grows
 * one by mremap, without copying.  Capacity never written costs address space only.  If the
 * reservation fails, the exact size is tried. */
#define HC_BIG_ARRAY ((size_t)256 << 10)
#define HC_MMAP_SURE (((size_t)32 << 20) + ((size_t)64 << 10))
void *hc_try_malloc_mapped(size_t n);
void *hc_try_calloc_mapped(size_t n, size_t size);
/* n bytes of fresh zero pages of their own mapping (mmap): only the pages written ever become
 * resident, whatever glibc's mmap threshold is, and no more address space than n is taken.
 * For big sparse tables.  NULL on failure (and under the failure hook); give it back with
 * hc_unmap(p, n), the same n (NULL is fine). */
void *hc_try_map_zeroed(size_t n);
void hc_unmap(void *p, size_t n);

/* Test hook: make the nth hc_try_* allocation from now on fail (1 = the next one); 0 disables.
 * Returns the number of hc_try_* calls made since the last call to this function. */
unsigned long hc_alloc_fail_at(unsigned long nth);
/* Blocks allocated by hc_try_* and not yet given to hc_free or hc_unmap (every such block is
 * freed by one of them, and they free only such blocks): a leak check for tests. */
long hc_alloc_live(void);

G_END_DECLS
#endif
