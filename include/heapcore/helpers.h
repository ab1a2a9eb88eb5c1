/* heapcore/helpers.h — whether the engine may start helper threads.
 *
 * The walk, set selection and the page prefaulter use short-lived helper threads on big
 * heaps (heapcore/threads.h, prefault.h).  A process forked from a multithreaded one must
 * start none: the C library hands the stacks of the threads the fork did not copy to new
 * threads, and those stacks still hold what the walk reads (3.11/3.12 keep a thread's
 * _PyCFrame, the link to its current frame, on its C stack).  Everything then runs on the
 * calling thread. */
#ifndef HEAPCORE_PUBLIC_HELPERS_H
#define HEAPCORE_PUBLIC_HELPERS_H

#include <glib.h>

G_BEGIN_DECLS

/* From now on, no helper thread (for the life of the process). */
void hc_helpers_forbid(void);

/* FALSE after hc_helpers_forbid. */
gboolean hc_helpers_allowed(void);

G_END_DECLS

#endif
