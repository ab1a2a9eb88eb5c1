/* heapcore/outfile_private.h — output files (private to the engine's writers; hc_outfile_write_all is
 * public in include/heapcore/outfile.h).
 *
 * Where a write to `path` goes:
 * - a symlink is followed (a chain of up to 40) to the name it points at, which need not exist;
 * - a regular file, or a name that does not exist, is replaced atomically: a temporary file in
 *   the same directory (".heapcore-XXXXXX", short enough for any name the directory allows),
 *   fflush, fsync, rename over the target, fsync of the directory.  A crash or a failed write
 *   never leaves half a file under the final name; a failure removes the temporary file.  An
 *   existing file's permission bits are kept;
 * - an existing character device or FIFO (/dev/stdout, a pipe) is written directly, as `cat >`
 *   would: no temporary file, no rename, so the device is never replaced by a regular file.  A
 *   FIFO that no process reads is refused instead of blocking;
 * - anything else (a directory, a block device, a socket) is refused: HC_ERROR_IO. */
#ifndef HEAPCORE_OUTFILE_PRIVATE_H
#define HEAPCORE_OUTFILE_PRIVATE_H

#include "heapcore/outfile.h"

#include <glib.h>
#include <stdio.h>

typedef struct hc_outfile {
    FILE *f;
    char *tmp;  /* the temporary file; NULL when writing a device or FIFO */
    char *path; /* the target, symlinks resolved */
    char *name; /* the target as given (for messages) */
    int device; /* a device or FIFO written through an unlinked spool file (f), else -1 */
} hc_outfile;

enum {
    HC_OUTFILE_SEEKS = 1u << 0, /* the writer seeks back: a device or FIFO gets a spool copy */
};

/* Open the target as above (flags: HC_OUTFILE_*): FALSE + HC_ERROR_IO (or HC_ERROR_NOMEM).
 * With HC_OUTFILE_SEEKS, a device or FIFO target is written through an unlinked temporary
 * file that hc_outfile_close copies to it, so o->f is always seekable. */
gboolean hc_outfile_open(hc_outfile *o, const char *path, unsigned flags, GError **error);
/* Finish: ok says whether everything was written (err: the errno of a failed write, 0 if
 * unknown).  Flushes, syncs, closes and renames; on any failure removes the temporary file
 * and sets HC_ERROR_IO naming path and the OS's reason. */
gboolean hc_outfile_close(hc_outfile *o, gboolean ok, int err, GError **error);

#endif
