/* heapcore/error.c — the HC_ERROR domain and allocation wrappers with a failure-injection hook.
 * The hook counters are process-global on purpose: they exist only for tests.  The call count
 * is atomic because a big walk's helper thread allocates too (failure-injection tests use
 * walks too small to start it). */
#include "heapcore/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

// clang-format off: the quark's name is one token to the macro
G_DEFINE_QUARK(hc - error - quark, hc_error)
// clang-format on

static unsigned long alloc_calls;   /* hc_try_* calls since the hook was last armed */
static unsigned long alloc_fail_at; /* fail when alloc_calls reaches this; 0 = never */
static long alloc_live;             /* blocks from hc_try_* not yet given to hc_free */

static void *counted(void *p)
{
    if (p)
        __atomic_add_fetch(&alloc_live, 1, __ATOMIC_RELAXED);
    return p;
}

long hc_alloc_live(void)
{
    return __atomic_load_n(&alloc_live, __ATOMIC_RELAXED);
}

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
    return should_fail() ? NULL : counted(malloc(n ? n : 1));
}

void *hc_try_calloc(size_t n, size_t size)
{
    return should_fail() ? NULL : counted(calloc(n ? n : 1, size ? size : 1));
}

void *hc_try_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return p ? realloc(p, n ? n : 1) : counted(malloc(n ? n : 1));
}

void *hc_try_reallocarray(void *p, size_t nmemb, size_t size)
{
    if (size != 0 && nmemb > SIZE_MAX / size)
        return NULL;
    return hc_try_realloc(p, nmemb * size);
}

void hc_free(void *p)
{
    if (p)
        __atomic_sub_fetch(&alloc_live, 1, __ATOMIC_RELAXED);
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

void *hc_try_map_zeroed(size_t n)
{
    if (should_fail())
        return NULL;
    void *p = mmap(NULL, n ? n : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : counted(p);
}

void hc_unmap(void *p, size_t n)
{
    if (!p)
        return;
    __atomic_sub_fetch(&alloc_live, 1, __ATOMIC_RELAXED);
    munmap(p, n ? n : 1);
}
