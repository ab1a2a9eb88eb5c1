/* heapcore/py/pyfork.c — see pyfork.h. */
#include "pyfork.h"
#include "pycompat.h"
#include "pysnapshot.h"
#include "heapcore/error.h"
#include "heapcore/helpers.h"
#include "heapcore/idset.h"
#include "heapcore/outfile.h"
#include "heapcore/snapfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w, n -= (size_t)w;
    }
}

/* text on the pipe, and into status_path (the engine's writer: a temporary file renamed) */
static void report(int fd, const char *status_path, const char *text)
{
    write_all(fd, text, strlen(text));
    if (status_path)
        hc_outfile_write_all(status_path, text, strlen(text), NULL);
}

/* Every handler the process installed back to the default, but those of the synchronous
 * fault signals (their handlers report a crash, run no program code); SIGPIPE ignored (a
 * reader gone must not stop the file being written). */
static void default_signals(void)
{
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction sa;
        if (sig == SIGKILL || sig == SIGSTOP || sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
            sig == SIGABRT || sig == SIGTRAP || sigaction(sig, NULL, &sa) != 0)
            continue; /* a crash's handler (faulthandler's, a sanitizer's) reports the crash */
        if (sa.sa_handler == SIG_DFL || (sa.sa_handler == SIG_IGN && !(sa.sa_flags & SA_SIGINFO)))
            continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_DFL;
        sigemptyset(&sa.sa_mask);
        sigaction(sig, &sa, NULL);
    }
    signal(SIGPIPE, SIG_IGN);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* A report's error line: CODE MESSAGE, one line. */
static char *error_line(GError *err)
{
    char *msg = NULL;
    int code = -1;
    if (err) {
        code = err->domain == HC_ERROR ? err->code : HC_ERROR_STATE;
        msg = g_strdup(err->message);
    } else if (PyErr_Occurred()) {
        /* a Python exception (built-in: its str runs no program code) */
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyObject *s = value ? PyObject_Str(value) : NULL;
        const char *text = s ? PyUnicode_AsUTF8(s) : NULL;
        msg = g_strdup_printf("%s: %s", type ? ((PyTypeObject *)type)->tp_name : "?", text ? text : "?");
        code = type == PyExc_MemoryError ? HC_ERROR_NOMEM : -1;
    } else {
        msg = g_strdup("the snapshot failed");
    }
    g_strdelimit(msg, "\n\r", ' ');
    char *line = g_strdup_printf("error %d %s\n", code, msg);
    g_free(msg);
    return line;
}

static G_GNUC_NORETURN void worker(const hc_py_fork_request *r, int fd)
{
    gint64 t0 = g_get_monotonic_time();
    char line[64];
    g_snprintf(line, sizeof line, "pid %d\n", (int)getpid());
    write_all(fd, line, strlen(line));
    hc_py_forked_child();
    hc_helpers_forbid(); /* the stacks of the threads not copied would be theirs (helpers.h) */
    PyGC_Disable();
    GError *err = NULL;
    hc_py_born *born = NULL;
    hc_graph *g = hc_py_snapshot_take(NULL, 0, r->capture, &born, &err);
    hc_idset *s = g ? hc_idset_new_flags(g, r->require, r->forbid, &err) : NULL;
    if (s && r->ref) {
        hc_py_snapshot_id id = {born, r->seq};
        hc_idset *t = hc_py_sub_foreign(s, id, r->ref, r->ref_id, &err);
        hc_idset_unref(s);
        s = t;
    }
    gboolean ok = s != NULL;
    hc_py_file_details d = {0};
    if (ok)
        ok = hc_py_file_details_for(g, born, r->capture > 1, &d, &err);
    if (ok)
        ok = hc_snapfile_write(g, hc_idset_ids(s), hc_idset_count(s), r->meta, d.labels, d.values, r->path, &err);
    char *text =
        ok ? g_strdup_printf("ok %.3f\n", (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC) : error_line(err);
    report(fd, r->status_path, text);
    _exit(ok ? 0 : 1); /* nothing freed: the process ends */
}

gboolean hc_py_fork_dump(const hc_py_fork_request *r, int *read_fd, pid_t *intermediate, double *fork_s, GError **error)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        g_set_error(error, HC_ERROR, HC_ERROR_IO, "cannot fork for the snapshot: pipe: %s", g_strerror(errno));
        return FALSE;
    }
    gint64 t0 = g_get_monotonic_time();
    pid_t p = fork();
    *fork_s = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
    if (p < 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        g_set_error(error, HC_ERROR, e == ENOMEM || e == EAGAIN ? HC_ERROR_NOMEM : HC_ERROR_IO,
                    "cannot fork for the snapshot: %s", g_strerror(e));
        return FALSE;
    }
    if (p == 0) {
        close(fds[0]);
        pid_t w = fork();
        if (w < 0) {
            char *text = g_strdup_printf("error %d cannot fork for the snapshot: %s\n", HC_ERROR_IO, g_strerror(errno));
            report(fds[1], r->status_path, text);
            _exit(1);
        }
        if (w > 0)
            _exit(0); /* the intermediate: the worker is nobody's child to reap */
        setsid();
        prctl(PR_SET_NAME, "heapcore-dump", 0, 0, 0);
        default_signals();
        alarm(HC_PY_FORK_LIMIT);
        worker(r, fds[1]);
    }
    close(fds[1]);
    *read_fd = fds[0];
    *intermediate = p;
    return TRUE;
}

void hc_py_fork_reap(pid_t intermediate)
{
    int status;
    while (waitpid(intermediate, &status, 0) < 0 && errno == EINTR)
        ;
}
