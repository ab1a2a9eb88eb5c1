/* heapcore/threads.c — see threads.h. */
#include "threads.h"

#include <signal.h>
#include <stdlib.h>

gboolean hc_parallel_wanted(size_t n)
{
    return n >= HC_PARALLEL_MIN && !getenv("HEAPCORE_NO_PARALLEL");
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
    GThread *t = g_thread_try_new("heapcore-helper", run_job, &j, NULL);
    fn(a);
    if (t)
        g_thread_join(t);
    else
        fn(b);
}
