/* heapcore/py/pyborn.c — trackers of allocations since a snapshot (see pyborn.h). */
#include "pyborn.h"
#include "pycompat.h"
#include "heapcore/addrset.h"
#include "heapcore/error.h"

struct hc_py_born {
    hc_addrset set; /* blocks allocated since start */
    gboolean lost;  /* a bitmap chunk could not be allocated: the set is incomplete */
};

static hc_py_born *active[HC_PY_BORN_MAX];
static int nactive;
static PyMemAllocatorEx wrapped; /* the allocator the hook forwards to */
static unsigned long seen_calls; /* allocations the hook saw (main interpreter) */
static gboolean installed;

/* A block of n bytes at p was handed out: whatever lived at p, p+16 or p+32 is gone.  An object
 * starts 0, 16 (a GC header) or 32 bytes (and the pre-header of managed dicts and weakrefs,
 * 3.11+) into its block, and the allocator aligns blocks to 16: any snapshot object whose
 * address falls on one of these marks had its memory given out again, so it died. */
static inline void note(void *p, size_t n)
{
    uintptr_t a = (uintptr_t)p;
    if (!p || (a & 7) || !hc_py_on_main_interpreter())
        return;
    seen_calls++;
    if (nactive == 0)
        return;
    uint32_t mask = n > 32 ? 0x15 : n > 16 ? 0x5 : 0x1; /* +0, +16, +32: bits 0, 2, 4 */
    for (int i = 0; i < nactive; i++) {
        hc_py_born *b = active[i];
        if (G_LIKELY(!b->lost) && hc_addrset_add_near(&b->set, a, mask) < 0)
            b->lost = TRUE;
    }
}

static void *hook_malloc(void *ctx, size_t n)
{
    (void)ctx;
    void *p = wrapped.malloc(wrapped.ctx, n);
    note(p, n);
    return p;
}

static void *hook_calloc(void *ctx, size_t nelem, size_t elsize)
{
    (void)ctx;
    void *p = wrapped.calloc(wrapped.ctx, nelem, elsize);
    note(p, nelem * elsize); /* the allocator refused an overflowing product: p is NULL then */
    return p;
}

static void *hook_realloc(void *ctx, void *ptr, size_t n)
{
    (void)ctx;
    void *p = wrapped.realloc(wrapped.ctx, ptr, n);
    if (p != ptr)
        note(p, n);
    return p;
}

static void hook_free(void *ctx, void *ptr)
{
    (void)ctx;
    wrapped.free(wrapped.ctx, ptr);
}

static void install(void)
{
    if (installed)
        return;
    PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &wrapped);
    PyMemAllocatorEx mine = {NULL, hook_malloc, hook_calloc, hook_realloc, hook_free};
    PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &mine);
    installed = TRUE;
}

static void uninstall(void)
{
    if (!installed)
        return;
    PyMemAllocatorEx now;
    PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &now);
    if (now.malloc != hook_malloc)
        return; /* wrapped by someone since (tracemalloc), or cut out: stay, as a pass-through */
    PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &wrapped);
    installed = FALSE;
}

/* Is the hook still called?  Another hook that wrapped the allocator before heapcore did and
 * then put back what it had saved (tracemalloc.stop() after tracemalloc.start() and a
 * snapshot) takes heapcore's out of the chain: one block allocated and freed at once tells.
 * (The block goes back where it came from; no object is made.)  If not, every tracker is
 * marked lost. */
static gboolean hook_alive(void)
{
    unsigned long before = seen_calls;
    void *p = PyObject_Malloc(1);
    if (!p)
        return FALSE; /* cannot tell: say no */
    PyObject_Free(p);
    if (seen_calls != before)
        return TRUE;
    for (int i = 0; i < nactive; i++)
        active[i]->lost = TRUE;
    return FALSE;
}

hc_py_born *hc_py_born_start(void)
{
    if (nactive >= HC_PY_BORN_MAX)
        return NULL;
    hc_py_born *b = hc_try_calloc(1, sizeof *b);
    if (!b)
        return NULL;
    hc_addrset_init(&b->set);
    if (installed && !hook_alive())
        installed = FALSE; /* cut out of the chain (see hook_alive): wrap what is there now */
    install();
    active[nactive++] = b;
    return b;
}

void hc_py_born_stop(hc_py_born *b)
{
    if (!b)
        return;
    for (int i = 0; i < nactive; i++)
        if (active[i] == b) {
            active[i] = active[--nactive];
            break;
        }
    hc_addrset_clear(&b->set);
    hc_free(b);
    if (nactive == 0)
        uninstall();
}

size_t hc_py_born_memory(const hc_py_born *b)
{
    return b ? sizeof *b + hc_addrset_memory(&b->set) : 0;
}

gboolean hc_py_born_usable(const hc_py_born *b)
{
    return b && !b->lost && hook_alive(); /* hook_alive marks every tracker lost when it says no */
}

gboolean hc_py_born_seen(const hc_py_born *b, uintptr_t addr)
{
    if (!b || b->lost)
        return FALSE;
    return hc_addrset_contains((hc_addrset *)&b->set, addr);
}
