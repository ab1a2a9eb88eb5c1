/* heapcore/py/pyborn.h — which addresses the interpreter allocated since a snapshot was taken:
 * how heapcore tells an object that survived from a new one at a freed object's address.
 *
 * A snapshot remembers objects by address and type.  Objects die and new ones take their
 * addresses all the time (of 1,000 objects made after 1,000 of the same class died, 71–98 %
 * land on a dead one's address), so address and type alone call a new object old.  A tracker,
 * started right after a walk, wraps the interpreter's object allocator (PyMem_SetAllocator on
 * PYMEM_DOMAIN_OBJ, wrapping the allocator in place, as tracemalloc does) and marks, for every
 * block the allocator hands out from then on, the addresses where an object could start in it
 * (its first 0, 16 and 32 bytes: after no header, a GC header, or a GC header and a managed
 * pre-header) in an address bitmap (heapcore/addrset.h: one bit per 8 bytes, pages touched
 * only where the heap allocated).  A snapshot object whose address is marked had its memory
 * handed out again, so it died: whatever lives there now is new.  (No false positive: the
 * allocator never hands out live memory.)  The hook adds a few nanoseconds per allocation per
 * tracker and nothing per free.
 *
 * What it cannot see (documented as the limit): addresses reused without the allocator, i.e.
 * CPython's free lists (float, tuple, list, dict and dict keys, slice, context, async generator
 * values), and objects of extension types allocated outside PYMEM_DOMAIN_OBJ.  Trackers are
 * capped (HC_PY_BORN_MAX live at once); a snapshot taken while all are in use, or one whose
 * tracker ran out of memory, falls back to address and type.
 *
 * Every function: GIL held (the hook runs under the GIL: PYMEM_DOMAIN_OBJ requires it). */
#ifndef HEAPCORE_PY_PYBORN_H
#define HEAPCORE_PY_PYBORN_H

#include "pyadapter.h"

#include <glib.h>
#include <stdint.h>

#define HC_PY_BORN_MAX 4

typedef struct hc_py_born hc_py_born;

/* A tracker of allocations from now on, or NULL (HC_PY_BORN_MAX in use, or out of memory). */
hc_py_born *hc_py_born_start(void);
/* Stop and free it (NULL is fine).  The allocator hook goes when the last tracker does, unless
 * another hook wrapped it meanwhile (then it stays, passing through). */
void hc_py_born_stop(hc_py_born *b);
/* Was the memory at addr (an object's address) handed out again since b started?  FALSE for
 * NULL or a lost tracker (it cannot say).  Ask hc_py_born_usable first, once per question. */
gboolean hc_py_born_seen(const hc_py_born *b, uintptr_t addr);
/* Can b answer: not NULL, not out of memory, and the hook still in the allocator chain
 * (checked by allocating and freeing one block; a tracker found cut off is lost for good)? */
gboolean hc_py_born_usable(const hc_py_born *b);
/* Bytes of memory b holds (its bitmap's touched pages); 0 for NULL. */
size_t hc_py_born_memory(const hc_py_born *b);

#endif
