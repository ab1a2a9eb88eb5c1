/* heapcore/prefault.h — fault in fresh memory on a helper thread, ahead of its use.
 *
 * A walk writes ~35 bytes per object into memory it has just allocated, and the first write
 * to each 4 KiB page costs a page fault (~2 µs on a VM, a quarter of the walk's time on W1;
 * thesis-notes/performance.md).  The walk is single-threaded, so a helper thread can take
 * those faults on another core: the walk asks for the range it will write next, the helper
 * populates it with madvise(MADV_POPULATE_WRITE), which maps the pages without changing their
 * contents, so it is harmless whatever the walk writes meanwhile.  Requests are hints: a full
 * request ring, an old kernel or a failed thread start only mean the walk takes its own
 * faults.  Not installed; engine-internal. */
#ifndef HEAPCORE_PREFAULT_H
#define HEAPCORE_PREFAULT_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hc_prefault hc_prefault;

/* Start the helper thread; NULL if it cannot (no memory, no thread, no MADV_POPULATE_WRITE at
 * build time): callers go on without it. */
hc_prefault *hc_prefault_new(void);

/* Ask for the pages wholly inside [p, p + len) to be populated, soon. */
void hc_prefault_range(hc_prefault *pf, const void *p, size_t len);

/* Drop the pending requests and wait until the helper is not populating anything: call before
 * freeing or moving memory that was asked for. */
void hc_prefault_forget(hc_prefault *pf);

/* Bytes the helper has populated so far (for tests and measurements). */
uint64_t hc_prefault_done(hc_prefault *pf);

/* Stop the helper (pending requests are dropped), join it, free everything.  NULL is fine. */
void hc_prefault_free(hc_prefault *pf);

#endif
