/* heapcore/prefault.c — the page-populating helper thread (see prefault.h). */
#include "prefault.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "heapcore/error.h"
#include "heapcore/helpers.h"
#include "threads.h"

#define RING 256          /* pending requests; more are dropped (they are hints)  */
#define STEP (256u << 10) /* bytes per madvise: the granularity of forget/stop    */

struct hc_prefault {
    GThread *thread;
    GMutex lock;
    GCond work; /* a request or stop arrived                           */
    GCond idle; /* the helper finished a request                       */
    struct {
        uintptr_t lo, hi;
    } ring[RING];
    unsigned head, tail; /* ring[head .. tail) pending, indices mod RING         */
    gboolean stop;
    gboolean busy; /* populating a request                                */
    gint gen;      /* bumped by forget: the request in hand is abandoned  */
    guint64 done;  /* bytes populated                                     */
};

#ifdef MADV_POPULATE_WRITE
static gpointer helper(gpointer data)
{
    hc_prefault *pf = data;
    hc_thread_quiet();
    g_mutex_lock(&pf->lock);
    for (;;) {
        while (!pf->stop && pf->head == pf->tail)
            g_cond_wait(&pf->work, &pf->lock);
        if (pf->stop)
            break;
        uintptr_t lo = pf->ring[pf->head % RING].lo, hi = pf->ring[pf->head % RING].hi;
        pf->head++;
        pf->busy = TRUE;
        gint gen = pf->gen;
        g_mutex_unlock(&pf->lock);
        gboolean unsupported = FALSE;
        for (uintptr_t p = lo; p < hi; p += STEP) {
            if (g_atomic_int_get(&pf->gen) != gen || g_atomic_int_get(&pf->stop))
                break;
            size_t len = hi - p < STEP ? hi - p : STEP;
            if (madvise((void *)p, len, MADV_POPULATE_WRITE) == 0) {
                __atomic_fetch_add(&pf->done, (guint64)len, __ATOMIC_RELAXED);
            } else if (errno == EINVAL) {
                unsupported = TRUE; /* kernel before 5.14: nothing to do, ever */
                break;
            } /* ENOMEM (a hole: the memory moved or was freed), EFAULT...: skip the step */
        }
        g_mutex_lock(&pf->lock);
        pf->busy = FALSE;
        g_cond_broadcast(&pf->idle);
        if (unsupported)
            break;
    }
    pf->busy = FALSE;
    g_cond_broadcast(&pf->idle);
    g_mutex_unlock(&pf->lock);
    return NULL;
}
#endif

hc_prefault *hc_prefault_new(void)
{
#ifdef MADV_POPULATE_WRITE
    if (!hc_helpers_allowed())
        return NULL;
    hc_prefault *pf = hc_try_calloc(1, sizeof *pf);
    if (!pf)
        return NULL;
    g_mutex_init(&pf->lock);
    g_cond_init(&pf->work);
    g_cond_init(&pf->idle);
    pf->thread = g_thread_try_new("heapcore-prefault", helper, pf, NULL);
    if (!pf->thread) {
        g_mutex_clear(&pf->lock);
        g_cond_clear(&pf->work);
        g_cond_clear(&pf->idle);
        hc_free(pf);
        return NULL;
    }
    return pf;
#else
    return NULL;
#endif
}

void hc_prefault_range(hc_prefault *pf, const void *p, size_t len)
{
    if (!pf || !p || !len)
        return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = ((uintptr_t)p + page - 1) & ~(page - 1);
    uintptr_t hi = ((uintptr_t)p + len) & ~(page - 1);
    if (lo >= hi)
        return;
    g_mutex_lock(&pf->lock);
    if (pf->tail - pf->head < RING) {
        pf->ring[pf->tail % RING].lo = lo;
        pf->ring[pf->tail % RING].hi = hi;
        pf->tail++;
        g_cond_signal(&pf->work);
    }
    g_mutex_unlock(&pf->lock);
}

void hc_prefault_forget(hc_prefault *pf)
{
    if (!pf)
        return;
    g_mutex_lock(&pf->lock);
    pf->head = pf->tail;
    g_atomic_int_inc(&pf->gen);
    while (pf->busy)
        g_cond_wait(&pf->idle, &pf->lock);
    g_mutex_unlock(&pf->lock);
}

uint64_t hc_prefault_done(hc_prefault *pf)
{
    return pf ? __atomic_load_n(&pf->done, __ATOMIC_RELAXED) : 0;
}

void hc_prefault_free(hc_prefault *pf)
{
    if (!pf)
        return;
    g_mutex_lock(&pf->lock);
    g_atomic_int_set(&pf->stop, TRUE);
    g_cond_signal(&pf->work);
    g_mutex_unlock(&pf->lock);
    g_thread_join(pf->thread);
    g_mutex_clear(&pf->lock);
    g_cond_clear(&pf->work);
    g_cond_clear(&pf->idle);
    hc_free(pf);
}
