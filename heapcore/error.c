/* heapcore/error.c — the HC_ERROR domain and allocation wrappers with a failure-injection hook.
 * The hook counters are process-global on purpose: they exist only for tests.  The call count
 * is atomic because a big walk's helper thread allocates too (failure-injection tests use
 * walks too small to start it). */
#include "heapcore/error.h"

#include <stdint.h>
#include <stdlib.h>

G_DEFINE_QUARK(hc-error-quark, hc_error)

static unsigned long alloc_calls;   /* hc_try_* calls since the hook was last armed */
static unsigned long alloc_fail_at; /* fail when alloc_calls reaches this; 0 = never */

static gboolean should_fail(void)
{
    unsigned long calls = __atomic_add_fetch(&alloc_calls, 1, __ATOMIC_RELAXED);
    return alloc_fail_at != 0 && calls == alloc_fail_at;
}

unsigned long hc_alloc_fail_at(unsigned long nth)
{
    unsigned long calls = __atomic_exchange_n(&alloc_calls, 0, __ATOMIC_RELAXED);
    alloc_fail_at = nth;
    return calls;
}

void *hc_try_malloc(size_t n)
{
    return should_fail() ? NULL : malloc(n ? n : 1);
}

void *hc_try_calloc(size_t n, size_t size)
{
    return should_fail() ? NULL : calloc(n ? n : 1, size ? size : 1);
}

void *hc_try_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : realloc(p, n ? n : 1);
}

void *hc_try_reallocarray(void *p, size_t nmemb, size_t size)
{
    if (size != 0 && nmemb > SIZE_MAX / size)
        return NULL;
    return hc_try_realloc(p, nmemb * size);
}

void hc_free(void *p)
{
    free(p);
}

void *hc_try_malloc_mapped(size_t n)
{
    void *p = NULL;
    if (n > HC_BIG_ARRAY && n < HC_MMAP_SURE)
        p = hc_try_malloc(HC_MMAP_SURE);
    return p ? p : hc_try_malloc(n);
}

void *hc_try_calloc_mapped(size_t n, size_t size)
{
    void *p = NULL;
    if (size && n <= SIZE_MAX / size && n * size > HC_BIG_ARRAY && n * size < HC_MMAP_SURE)
        p = hc_try_calloc(1, HC_MMAP_SURE); /* fresh mapped pages are zero: no memset */
    return p ? p : hc_try_calloc(n, size);
}
