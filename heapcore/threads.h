/* heapcore/threads.h — run a loop's two halves at once (engine-internal).
 *
 * The machine the walk runs on has spare cores while the caller waits for it; the engine's big
 * loops over nodes split in two, one half on a short-lived helper thread.  Only for work that
 * reads shared data and writes disjoint memory, and never calls Python. */
#ifndef HEAPCORE_THREADS_H
#define HEAPCORE_THREADS_H

#include <glib.h>
#include <stddef.h>

/* Loops over fewer items stay on one thread (a thread costs ~50 µs). */
#define HC_PARALLEL_MIN ((size_t)1 << 17)

/* Whether a loop over n items should use a helper thread: n >= HC_PARALLEL_MIN and the
 * environment does not set HEAPCORE_NO_PARALLEL (for measurements). */
gboolean hc_parallel_wanted(size_t n);

/* Whether this thread may run on at least two CPUs (its affinity mask): a helper that waits
 * awake for work only steals time from the walk when both share one CPU (taskset -c 0). */
gboolean hc_two_cpus(void);

/* fn(b) on a helper thread while fn(a) runs here; returns when both are done.  If no thread
 * can start, runs fn(b) here after fn(a). */
void hc_run_pair(void (*fn)(void *), void *a, void *b);

/* First thing on every engine helper thread: block all signals, so that they keep going to
 * the process's own threads (CPython's handlers, profilers' timers) as if heapcore were not
 * there.  Faults (SIGSEGV...) are synchronous and still reach the faulting thread. */
void hc_thread_quiet(void);

#endif
