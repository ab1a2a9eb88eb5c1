"""``python3 -m heapcore attach PID -o FILE``: a snapshot of a running CPython process that
never imported heapcore, taken inside it.

How it works (Linux):

1. Before attaching, from /proc: the process exists, is not a zombie or stopped, and runs the
   CPython version this heapcore is built for (the name of a mapped ``libpython3.X.so``, else
   of /proc/PID/exe, ``python3.X``; the extension module is built per version, and importing
   it into another version could crash the process).  Unknown names are checked again inside
   the process, before anything is imported there.
2. The engine (``heapcore/inject.c``, ``_engine.inject_source``) stops the process's main
   thread by ptrace, wherever it is, and makes there only two C calls that are safe at any
   instruction: libc's ``mmap`` (a system call: no lock, no malloc) for a page, into which it
   writes a short Python program, and ``Py_AddPendingCall(PyRun_SimpleString, page)``, which
   only queues the call (it needs neither the GIL nor a thread state; it holds the
   interpreter's pending-calls lock for a moment).  Then it puts back every register the
   thread had (the whole XSAVE state, whatever its size) and lets it go; a system call it was
   in is restarted.  Elsewhere than on x86-64, gdb does the same (``gdb -nx -batch -readnever
   -p PID -x SCRIPT``, the calls cast since no debug info is read), where gdb can: gdb 13
   cannot write back the extended state of CPUs with AMX, so every call it makes fails there
   ("Couldn't write extended state status: Bad address"), which is why the engine does it.
3. The interpreter runs the queued call on its main thread, with the GIL, at the next
   bytecode boundary (a safe point, as for a signal handler).  The program runs in a
   dictionary of its own (``__main__`` gains no names), catches every exception (nothing is
   printed on the process's stderr, nothing is raised into it), puts the directory holding
   this heapcore package first on ``sys.path``, imports heapcore, calls
   ``heapcore.hpy().dump(FILE, keep_strings=...)``, takes the directory off ``sys.path``
   again, and writes a status file (success, or the exception's type and message) beside
   FILE, which the command waits for (polling).

The files beside FILE (``.NAME.attach-CLIPID.*``): the command creates ``.wait``; the
process claims it by renaming it to ``.running`` (and does nothing if it is gone), then writes
``.done``.  When the command gives up it deletes ``.wait`` first, so a request that runs
later does nothing.

Limits:

- The main thread must come back to Python code.  A main thread blocked in one long C call
  (``time.sleep(3600)``, a blocking ``read``, a lock or ``join`` without a timeout) runs the
  snapshot only when that call returns; ``--timeout`` then ends the command with a clear
  error, and the request, still queued in the process, does nothing when it finally runs.
- The process writes FILE itself: its user must be able to write FILE's directory.
- heapcore stays imported in the process afterwards (its modules and extension), the page
  holding the request (4 KB) stays mapped, and heapcore keeps the request's emptied globals
  dict (it hides the frames that run with it).
- The snapshot shows the request's top frame (a ``<string>`` frame in ``__main__``, whose
  code holds the request's source) and what the parser of PyRun_SimpleString keeps alive
  while it runs (unreachable from the roots): about 15 objects, 6 KB.
- ptrace must be allowed: the same user, or CAP_SYS_PTRACE (root); Yama's
  /proc/sys/kernel/yama/ptrace_scope at 0 (1: descendants only, or with CAP_SYS_PTRACE; 2:
  CAP_SYS_PTRACE only; 3: never); and the process not already traced by a debugger.
- Should the main thread be stopped just while it holds the pending-calls lock (a few
  instructions, only while it takes someone else's pending call off the queue),
  Py_AddPendingCall, called on that thread, would wait forever: after INJECT_LIMIT seconds the
  call is abandoned and the thread's registers put back (with gdb: gdb is killed after
  GDB_LIMIT seconds, which can leave the process broken).  Abandoning a wait on 3.10-3.12's
  lock (a semaphore) is harmless; on 3.13 (a PyMutex, whose waiters queue on their own stack)
  it could leave the lock's queue pointing at a dead stack frame.  Unlikely (not seen in
  testing), but a reason to keep attach a debugging tool.
"""
import ast
import errno
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time

from ._errors import CliError, EXIT_ATTACH, EXIT_ERROR, EXIT_IO, EXIT_OK, EXIT_TIMEOUT

PAGE = 4096
GDB_LIMIT = 120.0  # seconds gdb may take to attach, inject and detach
INJECT_LIMIT = 10.0  # seconds one C call made in the process may take (Py_AddPendingCall waits for a lock)

# The program the process runs (exec'd in a fresh dict).  It must parse on any Python 3: it
# checks the version before importing anything of heapcore's.  Its frames are hidden from the
# snapshot once heapcore is imported (hide_frames_of), and its globals then emptied.
_TARGET = r'''
def _heapcore_attach(pkgdir, out, keep_strings, want, base, g, fork):
    import os, sys, time
    try:
        os.rename(base + ".wait", base + ".running")
    except BaseException:
        return  # the command gave up (or cannot be answered here)
    result = {"ok": False, "kind": "exception", "type": "?", "message": "?", "io": False}
    try:
        t0 = time.time()
        have = tuple(sys.version_info[:2])
        impl = getattr(getattr(sys, "implementation", None), "name", None) or (
            "pypy" if "PyPy" in sys.version else "cpython")
        if impl != "cpython" or have != want:
            result = {"ok": False, "kind": "version", "version": "%d.%d" % have,
                      "implementation": impl}
        else:
            added = pkgdir not in sys.path
            cached = pkgdir in sys.path_importer_cache
            if added:
                sys.path.insert(0, pkgdir)
            try:
                import heapcore
                heapcore._internal.hide(g)
                g.clear()
                if fork:
                    from heapcore import _forkdump
                    job = _forkdump.start(out, 2 if keep_strings else 1, None, "heap", base + ".done")
                    forked = {"pid": job.pid, "pause": job.pause}
                    del job  # the worker reports into .done itself
                else:
                    heapcore.hpy().dump(out, keep_strings=keep_strings)
            finally:
                if added:
                    try:
                        sys.path.remove(pkgdir)
                        if not cached:
                            sys.path_importer_cache.pop(pkgdir, None)
                    except BaseException:
                        pass
            result = {"ok": True, "seconds": time.time() - t0,
                      "heapcore": os.path.dirname(os.path.dirname(os.path.abspath(heapcore.__file__)))}
            if fork:
                result.update(forked)
    except BaseException as e:
        try:
            result = {"ok": False, "kind": "exception", "type": type(e).__name__,
                      "message": str(e), "io": isinstance(e, EnvironmentError)}
        except BaseException:
            pass
    try:
        final = base + (".forked" if fork and result.get("ok") else ".done")
        with open(final + ".tmp", "w") as f:
            f.write(repr(result))
        os.rename(final + ".tmp", final)
    except BaseException:
        pass
    try:
        os.unlink(base + ".running")
    except BaseException:
        pass
'''

# What PyRun_SimpleString runs in __main__: binds no name there, and never lets an exception
# out (a pending call that fails would raise SystemError in the process's main thread).
_WRAPPER = "try:\n    exec(%s, {'__name__': '__heapcore_attach__'})\nexcept BaseException:\n    pass\n"

# Settings before gdb attaches (-iex: one gdb does not know is skipped).  unwindonsignal: a
# signal during a call gdb makes in the process unwinds that call, instead of leaving the
# process inside it.
GDB_SETTINGS = ("set debuginfod enabled off", "set auto-load off", "set pagination off", "set confirm off",
                "set unwindonsignal on")

# The gdb script: a sourced file stops at its first error.
_GDB_SCRIPT = """\
info address Py_AddPendingCall
info address PyRun_SimpleString
set $heapcore_page = (char *) mmap((void *) 0, (unsigned long) %(size)d, 3, 0x22, -1, (long) 0)
restore %(request)s binary $heapcore_page
set $heapcore_rc = (int) Py_AddPendingCall((int (*)(void *)) PyRun_SimpleString, (void *) $heapcore_page)
printf "heapcore-pending %%d\\n", $heapcore_rc
if $heapcore_rc != 0
  call (int) munmap((void *) $heapcore_page, (unsigned long) %(size)d)
end
detach
"""


def request_source(pkgdir, out, keep_strings, want, base, fork=False):
    """The Python source PyRun_SimpleString runs in the process (ASCII)."""
    code = _TARGET + "_heapcore_attach(%s, %s, %s, %s, %s, globals(), %s)\n" % (
        ascii(pkgdir), ascii(out), bool(keep_strings), ascii(tuple(want)), ascii(base), bool(fork))
    return _WRAPPER % ascii(code)


# -- the process, from /proc -----------------------------------------------------------------

def _status(pid):
    """/proc/PID/status as {field: value}, or None if the process does not exist."""
    try:
        with open("/proc/%d/status" % pid) as f:
            return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    except (FileNotFoundError, ProcessLookupError):
        return None
    except OSError:
        return {}


def _exe(pid):
    try:
        return os.readlink("/proc/%d/exe" % pid)
    except OSError:
        return None


def _alive(pid):
    st = _status(pid)
    return st is not None and not st.get("State", "").startswith(("Z", "X"))


def target_version(pid):
    """(major, minor, free_threaded) of the CPython process pid runs, from the name of a
    mapped libpython3.X.so or else of its executable (python3.X); None if neither says."""
    try:
        with open("/proc/%d/maps" % pid) as f:
            maps = f.read()
    except OSError:
        maps = ""
    for line in maps.splitlines():
        fields = line.split(None, 5)
        path = fields[5] if len(fields) == 6 else ""
        m = re.match(r"libpython(\d+)\.(\d+)(t?)[a-z]*\.so", os.path.basename(path))
        if m:
            return int(m.group(1)), int(m.group(2)), m.group(3) == "t"
    exe = _exe(pid)
    if exe:
        m = re.match(r"python(\d+)\.(\d+)(t?)[a-z]*$", os.path.basename(exe.replace(" (deleted)", "")))
        if m:
            return int(m.group(1)), int(m.group(2)), m.group(3) == "t"
    return None


def our_version():
    return sys.version_info[0], sys.version_info[1], bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def _vname(v):
    return "%d.%d%s" % (v[0], v[1], "t" if v[2] else "")


def _version_error(pid, theirs):
    ours = our_version()
    return CliError("process %d runs CPython %s, this heapcore is built for %s: run python%s -m heapcore attach "
                    "(with heapcore built for %s)" % (pid, theirs, _vname(ours), theirs, theirs), EXIT_ATTACH)


def _check_process(pid):
    st = _status(pid)
    if pid <= 0 or st is None:
        raise CliError("process %d does not exist" % pid, EXIT_ATTACH)
    if pid == os.getpid():
        raise CliError("process %d is this command itself (use h.dump() or run)" % pid, EXIT_ATTACH)
    state = st.get("State", "")
    if state.startswith(("Z", "X")):
        raise CliError("process %d has exited (it is a zombie)" % pid, EXIT_ATTACH)
    if state.startswith("T"):
        raise CliError("process %d is stopped (%s): continue it first (kill -CONT %d)" % (pid, state, pid),
                       EXIT_ATTACH)
    return st


# -- files beside the output ------------------------------------------------------------------

def _writable_by(directory, st):
    """Can the process (its /proc status st) create files in directory?  Mode bits only."""
    try:
        uid = int(st["Uid"].split()[1])
        gids = {int(g) for g in st.get("Groups", "").split()} | {int(st["Gid"].split()[1])}
        d = os.stat(directory)
    except (KeyError, ValueError, IndexError, OSError):
        return True  # cannot tell: the process will say
    if uid == 0:
        return True
    if d.st_uid == uid:
        return bool(d.st_mode & 0o200)
    if d.st_gid in gids:
        return bool(d.st_mode & 0o020)
    return bool(d.st_mode & 0o002)


def _unlink(path):
    """True if this call removed path."""
    try:
        os.unlink(path)
        return True
    except OSError:
        return False


# -- gdb --------------------------------------------------------------------------------------

def _inject(pid, source, exe):
    """Queue the request in the process: by ptrace from here (Linux x86-64), else with gdb.
    Raises CliError when the request was not queued."""
    from . import _engine
    status, rc, err, message = _engine.inject_source(pid, source.encode("ascii"), INJECT_LIMIT)
    if status == "started":
        return "thread"
    if status == "queued":
        if rc != 0:
            raise CliError("process %d: Py_AddPendingCall failed (its queue of pending calls is full); try again"
                           % pid, EXIT_ATTACH)
        return "pending"
    if status == "unsupported":
        gdb = shutil.which("gdb")
        if gdb is None:
            raise CliError("cannot attach to process %d: gdb is not installed (Debian: apt-get install gdb)" % pid,
                           EXIT_ATTACH)
        _inject_gdb(gdb, pid, source, exe)
        return "pending"
    if status == "ptrace" and err == errno.EPERM:
        raise _not_permitted(pid)
    if status == "ptrace" and err == errno.ESRCH or status == "gone":
        raise CliError("process %d does not exist (it exited)" % pid, EXIT_ATTACH)
    if status == "no-symbol":
        raise CliError("process %d (%s) is not a CPython process: %s" % (pid, exe or "?", message), EXIT_ATTACH)
    raise CliError("could not queue the snapshot in process %d: %s" % (pid, message), EXIT_ATTACH)


def _not_permitted(pid):
    st = _status(pid) or {}
    tracer = st.get("TracerPid", "0").strip()
    why = (" (it is already traced by process %s, a debugger?)" % tracer) if tracer not in ("", "0") else ""
    try:
        with open("/proc/sys/kernel/yama/ptrace_scope") as f:
            scope = "is %s" % f.read().strip()
    except OSError:
        scope = "is absent here"
    return CliError("cannot attach to process %d: ptrace: Operation not permitted%s.  Attaching needs the "
                    "same user, or CAP_SYS_PTRACE (root; in a container --cap-add=SYS_PTRACE), and Yama's "
                    "/proc/sys/kernel/yama/ptrace_scope at 0 (1 or 2: CAP_SYS_PTRACE needed; 3: never); "
                    "it %s" % (pid, why, scope), EXIT_ATTACH)


def _inject_gdb(gdb, pid, source, exe):
    """Queue the request in the process with gdb.  Returns gdb's output; raises CliError when
    the request was not queued."""
    data = source.encode("ascii") + b"\0"
    size = (len(data) + PAGE - 1) // PAGE * PAGE
    tmpdir = tempfile.gettempdir()
    if re.search(r"\s", tmpdir):
        tmpdir = "/tmp"  # gdb's restore takes the file name as one word
    work = tempfile.mkdtemp(prefix="heapcore-attach-", dir=tmpdir)
    try:
        request = os.path.join(work, "request.bin")
        script = os.path.join(work, "inject.gdb")
        with open(request, "wb") as f:
            f.write(data)
        with open(script, "w") as f:
            f.write(_GDB_SCRIPT % {"size": size, "request": request})
        log = os.path.join(work, "gdb.log")
        env = dict(os.environ, LC_ALL="C", LANG="C")
        for name in ("DEBUGINFOD_URLS", "LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS"):
            env.pop(name, None)  # gdb is not this process: e.g. no sanitizer runtime preloaded
        # -readnever: no debug info is read (twice as fast; the calls are cast anyway)
        for fast in (["-readnever"], []):
            cmd = [gdb, "-nx", "-batch"] + fast + [a for s in GDB_SETTINGS for a in ("-iex", s)] + [
                "-p", str(pid), "-x", script]
            code = _run_gdb(cmd, log, env, pid)
            with open(log, "rb") as f:
                text = f.read().decode("utf-8", "replace")
            if not (fast and "unrecognized option" in text):  # gdb < 8.3 has no -readnever
                break
    finally:
        shutil.rmtree(work, ignore_errors=True)
    m = re.search(r"^heapcore-pending (-?\d+)$", text, re.M)
    if m and m.group(1) == "0":
        return text
    if m:
        raise CliError("process %d: Py_AddPendingCall failed (its queue of pending calls is full); try again"
                       % pid, EXIT_ATTACH)
    if "ptrace: Operation not permitted" in text:
        raise _not_permitted(pid)
    if "ptrace: No such process" in text:
        raise CliError("process %d does not exist (it exited)" % pid, EXIT_ATTACH)
    if re.search(r'No symbol "(Py_AddPendingCall|PyRun_SimpleString)"', text):
        raise CliError("process %d (%s) is not a CPython process: gdb finds no Py_AddPendingCall in it"
                       % (pid, exe or "?"), EXIT_ATTACH)
    lines = [l for l in text.splitlines() if l.strip()][-3:]
    raise CliError("gdb could not queue the snapshot in process %d (exit %d): %s"
                   % (pid, code, " / ".join(lines) or "no output"), EXIT_ATTACH)


def _run_gdb(cmd, log, env, pid):
    """Run gdb to its end (its exit status).  gdb runs in a session of its own, so that a ^C
    does not reach it, and a ^C here waits for it: gdb stopped in the middle of a call it
    made in the process would leave the process broken."""
    with open(log, "wb") as out:
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env,
                                    start_new_session=True)
        except OSError as e:
            raise CliError("cannot run %s: %s" % (cmd[0], e.strerror or e), EXIT_ATTACH)
    deadline = time.monotonic() + GDB_LIMIT
    interrupted = False
    while True:
        try:
            code = proc.wait(timeout=max(deadline - time.monotonic(), 0.01))
            break
        except KeyboardInterrupt:
            if not interrupted:
                sys.stderr.write("heapcore: waiting for gdb to detach from process %d ...\n" % pid)
            interrupted = True
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise CliError("gdb did not finish with process %d within %d s (killed; the process may be left "
                           "stopped or broken)" % (pid, GDB_LIMIT), EXIT_ATTACH)
    if interrupted:
        raise KeyboardInterrupt
    return code


# -- the command -------------------------------------------------------------------------------

def attach(pid, output, keep_strings=False, timeout=30.0, quiet=False, fork=True):
    """Write a snapshot of process pid to output; report on stderr.  Raises CliError.
    fork: the process forks a worker that takes the heap and writes the file, and stops only
    for the fork (else it takes and writes the snapshot itself, holding the GIL throughout)."""
    t0 = time.monotonic()
    st = _check_process(pid)
    exe = _exe(pid)
    theirs = target_version(pid)
    if theirs is not None and theirs != our_version():
        raise _version_error(pid, _vname(theirs))
    out = os.path.abspath(output)
    directory, name = os.path.split(out)
    if not os.path.isdir(directory):
        raise CliError("cannot write %s: no such directory" % output, EXIT_IO)
    if not _writable_by(directory, st):
        raise CliError("cannot write %s: process %d runs as uid %s, which cannot write to %s (the process "
                       "writes the file itself)" % (output, pid, st["Uid"].split()[1], directory), EXIT_IO)
    base = os.path.join(directory, ".%s.attach-%d" % (name, os.getpid()))
    ticket, running, done, forked = base + ".wait", base + ".running", base + ".done", base + ".forked"
    try:
        with open(ticket, "w"):
            pass
    except OSError as e:
        raise CliError("cannot write %s: %s" % (ticket, e.strerror or e), EXIT_IO)
    try:
        try:
            uid, gid = int(st["Uid"].split()[1]), int(st["Gid"].split()[1])
            if (uid, gid) != (os.geteuid(), os.getegid()):
                os.chown(ticket, uid, gid)  # root attaching to another user's process (sticky /tmp)
        except (KeyError, ValueError, IndexError, OSError):
            pass
        source = request_source(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), out, keep_strings,
                                our_version()[:2], base, fork)
        road = _inject(pid, source, exe)
        result = _wait(pid, ticket, running, done, timeout, quiet, road, forked, out)
    except KeyboardInterrupt:
        if not _unlink(ticket):  # too late to cancel: the process is taking the snapshot
            end = time.monotonic() + 5.0
            while not os.path.exists(done) and os.path.exists(running) and time.monotonic() < end:
                time.sleep(0.02)
            if os.path.exists(done):
                _unlink(done)
                sys.stderr.write("heapcore: process %d had already taken the snapshot: wrote %s\n" % (pid, output))
        raise
    finally:
        _unlink(ticket)
    _unlink(running)
    _unlink(done)
    _unlink(forked)
    return _report(pid, output, out, result, time.monotonic() - t0)


def _wait(pid, ticket, running, done, timeout, quiet, road, forked, out):
    """Poll for the status file; the parsed status dict.  road: "thread" (a thread of the
    process's own waits for the GIL) or "pending" (the main thread runs the request at its
    next bytecode boundary).  With a fork, the request writes `forked` (the worker's pid) and
    the worker writes `done`."""
    start = time.monotonic()
    said = False
    fork_info = None
    while not os.path.exists(done):
        now = time.monotonic()
        if fork_info is None and os.path.exists(forked):
            fork_info = _read_status(pid, forked)
        if fork_info is not None:
            worker = fork_info.get("pid")
            if not (worker and _alive(worker)) and not os.path.exists(done):
                from ._forkdump import remove_leftovers
                remove_leftovers(out, worker)
                raise CliError("process %d forked worker %s for the snapshot, which ended before it wrote the file "
                               "(killed, or it crashed); nothing was written" % (pid, worker), EXIT_ERROR)
        elif not _alive(pid) and not os.path.exists(done):
            raise CliError("process %d exited before it took the snapshot" % pid, EXIT_ERROR)
        if now - start > timeout:
            if fork_info is not None:
                raise CliError("process %d's worker %s did not finish the snapshot within %g s; it goes on "
                               "writing the file (try a longer --timeout)" % (pid, fork_info.get("pid"), timeout),
                               EXIT_TIMEOUT)
            if _unlink(ticket) or not os.path.exists(running):
                if road == "thread":
                    raise CliError(
                        "process %d did not take the snapshot within %g s: the thread heapcore started there "
                        "never got the GIL (C code holds it all this time, or the process is shutting down); "
                        "nothing was written, and the request is cancelled" % (pid, timeout), EXIT_TIMEOUT)
                raise CliError(
                    "process %d did not take the snapshot within %g s: its main thread runs C code that "
                    "holds the GIL (no thread waited in a system call, where heapcore could have started a "
                    "thread of its own) and runs the request only when that returns; nothing was written, "
                    "and the request is cancelled" % (pid, timeout), EXIT_TIMEOUT)
            raise CliError("process %d started the snapshot but did not finish it within %g s; it goes on "
                           "writing the file (try a longer --timeout)" % (pid, timeout), EXIT_TIMEOUT)
        if not said and not quiet and now - start > 1.0 and not os.path.exists(running):
            said = True
            if road == "thread":
                sys.stderr.write("heapcore: process %d: waiting for the GIL (another thread holds it: C code "
                                 "that does not let go of it?) ...\n" % pid)
            else:
                sys.stderr.write("heapcore: process %d: waiting for its main thread to come back from C code "
                                 "to Python code ...\n" % pid)
            sys.stderr.flush()
        time.sleep(0.01)
    result = _read_status(pid, done)
    if fork_info is None and os.path.exists(forked):
        fork_info = _read_status(pid, forked)
    if fork_info is not None:
        fork_info = dict(fork_info)
        if result.get("ok"):
            fork_info["worker_seconds"] = result.get("seconds", 0.0)
            result = fork_info
        else:
            result = dict(result, forked=fork_info.get("pid"))
    return result


def _read_status(pid, path):
    """A status file: the request's (a dict literal) or a fork worker's report."""
    try:
        with open(path) as f:
            text = f.read()
        if not text.startswith("{"):
            from ._forkdump import parse_report
            _, outcome = parse_report(text)
            if outcome is None:
                raise ValueError("no outcome in it")
            if outcome[0] == "ok":
                return {"ok": True, "seconds": outcome[1]}
            e = outcome[1]
            return {"ok": False, "kind": "exception", "type": type(e).__name__, "message": str(e),
                    "io": isinstance(e, OSError)}
        return ast.literal_eval(text)
    except (OSError, ValueError, SyntaxError) as e:
        raise CliError("process %d: cannot read its status file %s: %s" % (pid, path, e), EXIT_ERROR)


def _report(pid, output, out, result, total):
    if not isinstance(result, dict):
        raise CliError("process %d: a damaged status file" % pid, EXIT_ERROR)
    if result.get("ok"):
        try:
            size = os.path.getsize(out)
        except OSError as e:
            raise CliError("process %d reported a snapshot, but %s: %s" % (pid, output, e.strerror or e), EXIT_IO)
        if "pause" in result:
            sys.stderr.write("heapcore: process %d: wrote %s (%.1f MB) in %.1f s; it paused %.0f ms for the fork, "
                             "its worker %s took %.2f s\n" % (pid, output, size / 1e6, total, result["pause"] * 1e3,
                                                            result.get("pid"), result.get("worker_seconds", 0.0)))
        else:
            sys.stderr.write("heapcore: process %d: wrote %s (%.1f MB) in %.2f s (%.1f s with the attach)\n" % (
                pid, output, size / 1e6, result.get("seconds", 0.0), total))
        ours = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        if result.get("heapcore") not in (None, ours):
            sys.stderr.write("heapcore: note: process %d had already imported heapcore from %s, and used it\n"
                             % (pid, result["heapcore"]))
        return EXIT_OK
    if result.get("kind") == "version":
        if result.get("implementation") != "cpython":
            raise CliError("process %d is not a CPython process (%s)" % (pid, result.get("implementation")),
                           EXIT_ATTACH)
        raise _version_error(pid, result.get("version", "?"))
    what = "%s: %s" % (result.get("type", "?"), result.get("message", "?"))
    if result.get("io"):
        raise CliError("process %d could not write %s: %s" % (pid, output, what), EXIT_IO)
    if result.get("type") == "MemoryError":
        raise CliError("process %d ran out of memory taking the snapshot" % pid, EXIT_ERROR)
    raise CliError("process %d could not take the snapshot: %s" % (pid, what), EXIT_ERROR)
