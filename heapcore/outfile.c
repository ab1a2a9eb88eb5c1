/* heapcore/outfile.c — output files: where a write goes, and atomic replacement (see
 * outfile_private.h). */
#include "outfile_private.h"
#include "heapcore/error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SYMLINK_MAX_HOPS 40 /* as the kernel's ELOOP limit */

static gboolean io_error(GError **error, const char *what, const char *path, int err)
{
    g_set_error(error, HC_ERROR, HC_ERROR_IO, "%s %s: %s", what, path, g_strerror(err ? err : EIO));
    return FALSE;
}

/* The name path resolves to, following symlinks (the last one may point at a name that does
 * not exist yet); *st its stat, *exists whether it exists.  An existing target is found with
 * stat and realpath, which also follow /proc's links (/dev/stdout -> /proc/self/fd/1 ->
 * "pipe:[...]"); a dangling chain is followed link by link.  NULL + error on a loop or an
 * unreadable link. */
static char *resolve(const char *path, struct stat *st, gboolean *exists, GError **error)
{
    if (stat(path, st) == 0) {
        *exists = TRUE;
        if (!S_ISREG(st->st_mode))
            return g_strdup(path); /* opened as it is: never renamed over */
        char *real = realpath(path, NULL);
        if (!real) {
            io_error(error, "cannot write", path, errno);
            return NULL;
        }
        char *p = g_strdup(real);
        free(real);
        return p;
    }
    if (errno != ENOENT) {
        io_error(error, "cannot write", path, errno);
        return NULL;
    }
    *exists = FALSE;
    char *p = g_strdup(path);
    for (int hop = 0;; hop++) {
        struct stat lst;
        if (lstat(p, &lst) != 0 || !S_ISLNK(lst.st_mode))
            return p; /* a new name (its directory's existence is checked by the create) */
        if (hop >= SYMLINK_MAX_HOPS) {
            io_error(error, "cannot write", path, ELOOP);
            g_free(p);
            return NULL;
        }
        char *to = g_file_read_link(p, NULL);
        if (!to) {
            io_error(error, "cannot follow the symlink", path, EINVAL);
            g_free(p);
            return NULL;
        }
        if (!g_path_is_absolute(to)) {
            char *dir = g_path_get_dirname(p);
            char *joined = g_build_filename(dir, to, NULL);
            g_free(dir);
            g_free(to);
            to = joined;
        }
        g_free(p);
        p = to;
    }
}

/* Open a character device or FIFO for writing as it is.  A FIFO is opened non-blocking first:
 * with no reader that fails (ENXIO) instead of waiting forever. */
static gboolean open_direct(hc_outfile *o, const struct stat *st, unsigned flags, GError **error)
{
    int fd = open(o->path, O_WRONLY | O_NOCTTY | O_CLOEXEC | (S_ISFIFO(st->st_mode) ? O_NONBLOCK : 0));
    if (fd < 0) {
        int err = errno;
        if (err == ENXIO && S_ISFIFO(st->st_mode)) {
            g_set_error(error, HC_ERROR, HC_ERROR_IO, "cannot write %s: it is a FIFO that no process reads", o->name);
            return FALSE;
        }
        return io_error(error, "cannot write", o->name, err);
    }
    if (S_ISFIFO(st->st_mode))
        (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    if ((flags & HC_OUTFILE_SEEKS) && lseek(fd, 0, SEEK_CUR) < 0) {
        /* a pipe or terminal: spool to an unlinked temporary file, copied at close */
        GError *e = NULL;
        char *spool = NULL;
        int sfd = g_file_open_tmp("heapcore-spool-XXXXXX", &spool, &e);
        if (sfd < 0) {
            g_set_error(error, HC_ERROR, HC_ERROR_IO, "cannot write %s: no temporary file to spool it: %s", o->name,
                        e ? e->message : "?");
            g_clear_error(&e);
            close(fd);
            return FALSE;
        }
        g_unlink(spool);
        g_free(spool);
        o->device = fd;
        fd = sfd;
    }
    o->f = fdopen(fd, o->device >= 0 ? "wb+" : "wb");
    if (!o->f) {
        int err = errno;
        close(fd);
        if (o->device >= 0)
            close(o->device);
        o->device = -1;
        return io_error(error, "cannot write", o->name, err);
    }
    return TRUE;
}

/* Copy the spool file f (from its start) to fd. */
static gboolean copy_spool(FILE *f, int fd, int *err)
{
    char buf[1 << 16];
    if (fseek(f, 0, SEEK_SET) != 0) {
        *err = errno;
        return FALSE;
    }
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        for (size_t done = 0; done < n;) {
            ssize_t w = write(fd, buf + done, n - done);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                *err = w < 0 ? errno : EIO;
                return FALSE;
            }
            done += (size_t)w;
        }
    }
    if (ferror(f)) {
        *err = EIO;
        return FALSE;
    }
    return TRUE;
}

static void outfile_clear(hc_outfile *o)
{
    g_free(o->tmp);
    g_free(o->path);
    g_free(o->name);
    memset(o, 0, sizeof *o);
    o->device = -1;
}

gboolean hc_outfile_open(hc_outfile *o, const char *path, unsigned flags, GError **error)
{
    memset(o, 0, sizeof *o);
    o->device = -1;
    struct stat st;
    gboolean exists = FALSE;
    if (path == NULL || *path == '\0') {
        g_set_error(error, HC_ERROR, HC_ERROR_IO, "cannot write: the output name is empty");
        return FALSE;
    }
    o->name = g_strdup(path);
    if (!(o->path = resolve(path, &st, &exists, error))) {
        outfile_clear(o);
        return FALSE;
    }
    if (exists && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
        gboolean ok = open_direct(o, &st, flags, error);
        if (!ok)
            outfile_clear(o);
        return ok;
    }
    if (exists && !S_ISREG(st.st_mode)) {
        g_set_error(error, HC_ERROR, HC_ERROR_IO, "cannot write %s: it is %s, not a regular file", path,
                    S_ISDIR(st.st_mode)    ? "a directory"
                    : S_ISBLK(st.st_mode)  ? "a block device"
                    : S_ISSOCK(st.st_mode) ? "a socket"
                                           : "a special file");
        outfile_clear(o);
        return FALSE;
    }
    char *dir = g_path_get_dirname(o->path);
    /* the writer's pid in the name: a forked writer that dies leaves a file its parent can find */
    char *base = g_strdup_printf(".heapcore-%d-XXXXXX", (int)getpid());
    o->tmp = g_build_filename(dir, base, NULL);
    g_free(base);
    g_free(dir);
    int fd = g_mkstemp_full(o->tmp, O_RDWR | O_CLOEXEC, 0644);
    if (fd < 0) {
        int err = errno;
        io_error(error, "cannot create a temporary file beside", path, err);
        outfile_clear(o);
        return FALSE;
    }
    if (exists)
        (void)fchmod(fd, st.st_mode & 07777); /* replacing a file keeps its permissions */
    o->f = fdopen(fd, "wb");
    if (!o->f) {
        int err = errno;
        close(fd);
        g_unlink(o->tmp);
        outfile_clear(o);
        return io_error(error, "cannot write", path, err);
    }
    return TRUE;
}

gboolean hc_outfile_close(hc_outfile *o, gboolean ok, int err, GError **error)
{
    if (ok && fflush(o->f) != 0) {
        ok = FALSE;
        err = errno;
    }
    if (o->device >= 0) {
        if (ok && !copy_spool(o->f, o->device, &err))
            ok = FALSE;
        if (close(o->device) != 0 && ok && errno != EINTR) {
            ok = FALSE;
            err = errno;
        }
        o->device = -1;
    }
    /* a pipe or a terminal cannot be synced (EINVAL): that is not a failed write */
    if (ok && fsync(fileno(o->f)) != 0 && (o->tmp || (errno != EINVAL && errno != ENOTSUP && errno != EROFS))) {
        ok = FALSE;
        err = errno;
    }
    if (fclose(o->f) != 0 && ok) {
        ok = FALSE;
        err = errno;
    }
    if (o->tmp) {
        if (ok && g_rename(o->tmp, o->path) != 0) {
            ok = FALSE;
            err = errno;
        }
        if (ok) { /* the rename itself durable: sync the directory */
            char *dir = g_path_get_dirname(o->path);
            int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd >= 0) {
                fsync(dfd);
                close(dfd);
            }
            g_free(dir);
        } else {
            g_unlink(o->tmp);
        }
    }
    if (!ok)
        io_error(error, "cannot write", o->name, err);
    outfile_clear(o);
    return ok;
}

gboolean hc_outfile_write_all(const char *path, const void *data, size_t len, GError **error)
{
    hc_outfile o;
    if (!hc_outfile_open(&o, path, 0, error))
        return FALSE;
    gboolean ok = len == 0 || fwrite(data, 1, len, o.f) == len;
    return hc_outfile_close(&o, ok, ok ? 0 : errno, error);
}
