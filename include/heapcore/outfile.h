/* heapcore/outfile.h — writing a whole file the way the snapshot writers do.
 *
 * A regular file (or a new name) is replaced atomically, a symlink is followed, a character
 * device or FIFO is written directly, anything else is refused; see heapcore/outfile_private.h in the
 * engine's sources for the details.  Used for text outputs (HTML report, dot) so that every
 * writer treats its target the same way. */
#ifndef HEAPCORE_PUBLIC_OUTFILE_H
#define HEAPCORE_PUBLIC_OUTFILE_H

#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

/* Write len bytes of data to path.  Blocks while it writes (call without the GIL).  FALSE +
 * HC_ERROR_IO naming path and the OS's reason (nothing is left under a temporary name), or
 * HC_ERROR_NOMEM. */
gboolean hc_outfile_write_all(const char *path, const void *data, size_t len, GError **error);

G_END_DECLS

#endif
