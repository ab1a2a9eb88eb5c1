/* heapcore/outfile.c — files written atomically (see outfile.h). */
#include "outfile.h"
#include "heapcore/error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static gboolean io_error(GError **error, const char *what, const char *path, int err)
{
    g_set_error(error, HC_ERROR, HC_ERROR_IO, "%s %s: %s", what, path, g_strerror(err ? err : EIO));
    return FALSE;
}

gboolean hc_outfile_open(hc_outfile *o, const char *path, GError **error)
{
    memset(o, 0, sizeof *o);
    o->tmp = g_strdup_printf("%s.tmp-XXXXXX", path);
    int fd = g_mkstemp_full(o->tmp, O_RDWR, 0644);
    if (fd < 0) {
        int err = errno;
        io_error(error, "cannot create a temporary file beside", path, err);
        g_clear_pointer(&o->tmp, g_free);
        return FALSE;
    }
    o->f = fdopen(fd, "wb");
    if (!o->f) {
        int err = errno;
        close(fd);
        g_unlink(o->tmp);
        g_clear_pointer(&o->tmp, g_free);
        return io_error(error, "cannot write", path, err);
    }
    o->path = g_strdup(path);
    return TRUE;
}

gboolean hc_outfile_close(hc_outfile *o, gboolean ok, int err, GError **error)
{
    if (ok && (fflush(o->f) != 0 || fsync(fileno(o->f)) != 0)) {
        ok = FALSE;
        err = errno;
    }
    if (fclose(o->f) != 0 && ok) {
        ok = FALSE;
        err = errno;
    }
    if (ok && g_rename(o->tmp, o->path) != 0) {
        ok = FALSE;
        err = errno;
    }
    if (ok) { /* the rename itself durable: sync the directory */
        char *dir = g_path_get_dirname(o->path);
        int dfd = open(dir, O_RDONLY | O_DIRECTORY);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        g_free(dir);
    } else {
        g_unlink(o->tmp);
        io_error(error, "cannot write", o->path, err);
    }
    g_free(o->tmp);
    g_free(o->path);
    memset(o, 0, sizeof *o);
    return ok;
}
