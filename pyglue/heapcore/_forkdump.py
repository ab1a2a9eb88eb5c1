"""``h.dump(path, fork=True)``: the snapshot taken and written by a forked copy of the process
(copy-on-write), so that the process stops only for the fork.

The worker (``heapcore/py/pyfork.h``) reports on a pipe: ``pid N``, then ``ok SECONDS`` or
``error CODE MESSAGE``; a worker that dies (killed, crashed, out of memory) ends the pipe
without a report, and the temporary file it was writing (``.heapcore-PID-XXXXXX`` beside
the file) is removed here.  Nothing is written under the final name unless the whole file
is.  The worker is not this process's child (it is forked twice): nothing to reap, no
SIGCHLD to see, and a program that reaps every child (``os.waitpid(-1)``) cannot take its
status away.
"""
import glob
import os
import select
import signal
import time

from . import _engine
from ._internal import NOT_SHOWN, hide

# HcError codes (include/heapcore/error.h) to the exceptions a direct dump raises
_EXCEPTIONS = {0: MemoryError, 1: ValueError, 2: RuntimeError, 3: OverflowError, 4: OSError, 5: ValueError}


def parse_report(text):
    """(pid or None, outcome): outcome None while running, ("ok", seconds) or ("error",
    exception) once reported."""
    pid, outcome = None, None
    for line in text.splitlines():
        word, _, rest = line.partition(" ")
        if word == "pid" and rest.strip().isdigit():
            pid = int(rest)
        elif word == "ok":
            try:
                outcome = ("ok", float(rest))
            except ValueError:
                outcome = ("ok", 0.0)
        elif word == "error":
            code, _, message = rest.partition(" ")
            try:
                exc = _EXCEPTIONS.get(int(code), RuntimeError)
            except ValueError:
                exc = RuntimeError
            outcome = ("error", exc(message))
    return pid, outcome


def remove_leftovers(path, pid):
    """Remove the temporary file a dead worker pid left beside path."""
    if pid is None:
        return
    directory = os.path.dirname(os.path.abspath(path))
    for tmp in glob.glob(os.path.join(glob.escape(directory), ".heapcore-%d-*" % pid)):
        try:
            os.unlink(tmp)
        except OSError:
            pass


class DumpJob:
    """A snapshot file being written by a forked worker: ``h.dump(path, fork=True)``.

    ``job.wait(timeout=None)`` returns the path once the file is written (raises as a direct
    dump would if it failed, RuntimeError if the worker died, TimeoutError if timeout seconds
    pass first); ``job.poll()`` is None while it runs, else True (or the error, raised);
    ``job.done``; ``job.cancel()`` kills the worker (no file is left); ``job.pid``;
    ``job.seconds``: how long the worker took; ``job.pause``: how long this process was held
    for the fork (seconds)."""

    __slots__ = ("path", "pid", "seconds", "pause", "_fd", "_buf", "_outcome")

    def __init__(self, path, pid, fd, pause=None):
        self.path = path
        self.pause = pause
        self.pid = pid if pid > 0 else None
        self.seconds = None
        self._fd = fd
        self._buf = b""
        self._outcome = None

    def __repr__(self):
        state = "running" if self._outcome is None else self._outcome[0]
        return "<heapcore dump of %s by process %s: %s>" % (self.path, self.pid, state)

    def _pump(self, timeout):
        """Read what the worker said within timeout seconds (None: until it ends)."""
        while self._fd is not None:
            try:
                ready = select.select([self._fd], [], [], timeout)[0]
            except InterruptedError:
                continue
            if not ready:
                return
            chunk = os.read(self._fd, 4096)
            if chunk:
                self._buf += chunk
                pid, outcome = parse_report(self._buf.decode("utf-8", "replace"))
                if pid:
                    self.pid = pid
                if outcome is None:
                    continue
                self._finish(outcome)
            else:
                self._finish(None)
            return

    def _finish(self, outcome):
        os.close(self._fd)
        self._fd = None
        if outcome is None:
            remove_leftovers(self.path, self.pid)
            outcome = ("error", RuntimeError(
                "the snapshot's worker process %s ended before it wrote %s (killed, or it crashed); "
                "nothing was written" % (self.pid, self.path)))
        elif outcome[0] == "ok":
            self.seconds = outcome[1]
        self._outcome = outcome

    def _result(self):
        if self._outcome[0] == "error":
            raise self._outcome[1]
        return self.path

    @property
    def done(self):
        self._pump(0)
        return self._outcome is not None

    def poll(self):
        self._pump(0)
        if self._outcome is None:
            return None
        self._result()
        return True

    def wait(self, timeout=None):
        end = None if timeout is None else time.monotonic() + timeout
        while self._outcome is None:
            left = None if end is None else max(end - time.monotonic(), 0)
            self._pump(left)
            if self._outcome is None and end is not None and time.monotonic() >= end:
                raise TimeoutError("the snapshot of %s is not written yet (process %s)" % (self.path, self.pid))
        return self._result()

    def cancel(self):
        """Kill the worker if it is still at work; no file is left.  True if it was killed."""
        if self._outcome is not None or self.pid is None:
            return False
        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass
        self._pump(None)
        return True

    def __del__(self):
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass


def start(path, capture, ref, header_kind, status_path=None):
    """Fork the worker for h.dump(path, fork=True): a DumpJob."""
    from ._files import file_meta
    meta = file_meta(None) + [("header-at-load", header_kind), ("rss", str(_engine.rss())),
                              ("own", str(_engine.own_memory()))]
    spath = os.fspath(path)
    pid, fd, pause = _engine.dump_fork(spath, meta, capture, 0, NOT_SHOWN, ref, status_path)
    return DumpJob(spath, pid, fd, pause)


hide(globals(), DumpJob)
