/* heapcore/py/pyfork.h — a snapshot file written by a forked process, so that the process
 * snapshotted stops only for the fork (copy-on-write), not for the walk and the write.
 *
 * The caller (GIL held) forks; the child forks again and exits at once, so the worker, its
 * child, is nobody's to reap (the caller reaps the intermediate: hc_py_fork_reap).  The worker
 * runs in a session of its own (a ^C at the terminal does not reach it), with every signal
 * handler the process had put back to the default (a Python handler's C half would write to
 * the process's wakeup fd) but the fault signals' (faulthandler's, a sanitizer's report), gc disabled (no finalizer runs: the program's code never runs
 * there), HEAD_LOCK not taken (its holder may be a thread the fork did not copy), and an
 * alarm after HC_PY_FORK_LIMIT seconds.  It takes the heap as h.heap() would (the walk, the
 * captures of labels and string values, the __sizeof__ pass), keeps the members `require`
 * and not `forbid` (hc_idset_new_flags), less those of `ref` (setrelheap), writes the file
 * (a temporary file renamed: never half a file under path), and reports on the pipe:
 *
 *     "pid N\n"                 at once (the worker's pid)
 *     "ok SECONDS\n"            the file is written
 *     "error CODE MESSAGE\n"    it is not (CODE: an HcError, or -1 for a Python exception)
 *
 * then _exits (no atexit handler, no stdio flushed, no at-fork hook of Python's run: the
 * fork is the C library's).  The same report is written to status_path too, if given (for
 * attach, whose command is not the worker's parent).  A worker that dies says nothing more:
 * the pipe's end without a report. */
#ifndef HEAPCORE_PY_PYFORK_H
#define HEAPCORE_PY_PYFORK_H

#include "pylive.h"

#include <sys/types.h>

#define HC_PY_FORK_LIMIT 3600 /* seconds a worker may take before SIGALRM ends it */

typedef struct hc_py_fork_request {
    const char *path;         /* the snapshot file */
    const char *const *meta;  /* key, value, ..., NULL: the file's META */
    int capture;              /* 1: labels and hashes of strings, 2: string contents kept */
    unsigned require, forbid; /* the members: hc_idset_new_flags(g, require, forbid) */
    const hc_idset *ref;      /* setrelheap: members less ref's objects (NULL: none) */
    hc_py_snapshot_id ref_id; /* ref's snapshot */
    uint64_t seq;             /* the number the walk's snapshot would have (pylive.h) */
    const char *status_path;  /* also report into this file (NULL: the pipe only) */
} hc_py_fork_request;

/* Fork the worker (GIL held; it is held only for the fork).  *read_fd: the pipe's read end
 * (close-on-exec; the caller closes it), *intermediate: the child to reap, *fork_s: how long
 * fork() took in this process (the pause: the caller holds the GIL through it).  FALSE + error
 * (HC_ERROR_IO: fork or pipe failed) if nothing was started. */
gboolean hc_py_fork_dump(const hc_py_fork_request *r, int *read_fd, pid_t *intermediate, double *fork_s,
                         GError **error);

/* Reap the intermediate child (call without the GIL: it takes as long as a fork). */
void hc_py_fork_reap(pid_t intermediate);

#endif
