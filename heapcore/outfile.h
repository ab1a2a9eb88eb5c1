/* heapcore/outfile.h — files written atomically (private to the engine's writers).
 *
 * A temporary file beside the target (same directory, so the same filesystem), then fflush,
 * fsync, rename over the target and fsync of the directory: a crash or a failed write never
 * leaves half a file under the final name, and a failure removes the temporary file. */
#ifndef HEAPCORE_OUTFILE_H
#define HEAPCORE_OUTFILE_H

#include <glib.h>
#include <stdio.h>

typedef struct hc_outfile {
    FILE *f;
    char *tmp;
    char *path;
} hc_outfile;

/* Create the temporary file: FALSE + HC_ERROR_IO (or HC_ERROR_NOMEM). */
gboolean hc_outfile_open(hc_outfile *o, const char *path, GError **error);
/* Finish: ok says whether everything was written (err: the errno of a failed write, 0 if
 * unknown).  Flushes, syncs, closes and renames; on any failure removes the temporary file
 * and sets HC_ERROR_IO naming path and the OS's reason. */
gboolean hc_outfile_close(hc_outfile *o, gboolean ok, int err, GError **error);

#endif
