/* heapcore/threads.c — see threads.h. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "threads.h"
#include "heapcore/helpers.h"

#include <sched.h>
#include <signal.h>
#include <stdlib.h>

static gint forbidden;

void hc_helpers_forbid(void)
{
    g_atomic_int_set(&forbidden, 1);
}

gboolean hc_helpers_allowed(void)
{
    return !g_atomic_int_get(&forbidden);
}

gboolean hc_parallel_wanted(size_t n)
{
    return n >= HC_PARALLEL_MIN && hc_helpers_allowed() && !getenv("HEAPCORE_NO_PARALLEL");
}

gboolean hc_two_cpus(void)
{
#ifdef CPU_COUNT
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return CPU_COUNT(&set) >= 2;
#endif
    return TRUE; /* unknown: as if there were */
}

typedef struct pair_job {
    void (*fn)(void *);
    void *arg;
} pair_job;

void hc_thread_quiet(void)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
}

static gpointer run_job(gpointer data)
{
    pair_job *j = data;
    hc_thread_quiet();
    j->fn(j->arg);
    return NULL;
}

void hc_run_pair(void (*fn)(void *), void *a, void *b)
{
    pair_job j = {fn, b};
    GThread *t = hc_helpers_allowed() ? g_thread_try_new("heapcore-helper", run_job, &j, NULL) : NULL;
    fn(a);
    if (t)
        g_thread_join(t);
    else
        fn(b);
}
