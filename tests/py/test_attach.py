"""python3 -m heapcore attach PID: a snapshot of a running CPython process that never imported
heapcore, queued into it by ptrace (gdb off x86-64) and taken at a safe point; the process goes on unharmed
(no names left in __main__, heapcore's directory off sys.path again, nothing on its stderr);
and the errors: no such process, not CPython, another CPython version, ptrace not permitted,
no gdb needed (x86-64), a main thread blocked in C code (timeout, and the request then does nothing;
the system call it was in goes on to its end), signals that arrive while it is held."""
import glob
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

import heapcore
from heapcore import _engine
from heapcore import _internal

STAGE = os.path.dirname(os.path.dirname(os.path.abspath(heapcore.__file__)))

# The process attached to: 5000 Markers, then a loop answering requests on stdin between
# short C calls (select with a timeout), so that it reaches a bytecode boundary often.
# argv[1]: "traceme" (trace itself, so that no debugger can attach) or seconds to block first.
CHILD = textwrap.dedent('''
    import os, select, sys, time
    class Marker:
        pass
    markers = [Marker() for _ in range(5000)]
    secret = "heapcore-attach-secret-%d" % os.getpid()
    if sys.argv[1:] == ["traceme"]:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        print("traced %d" % libc.ptrace(0, 0, None, None), flush=True)  # PTRACE_TRACEME
    else:
        print("ready", flush=True)
    if sys.argv[1:] and sys.argv[1].startswith("hold"):
        import ctypes
        ctypes.PyDLL(None).usleep(int(float(sys.argv[1][4:]) * 1e6))  # C code holding the GIL
        print("awake", flush=True)
    busy = sys.argv[1:] == ["busy"]  # compute between requests: stopped anywhere, in C or bytecode
    def work():
        return sum(math.sqrt(i) * 1.5 for i in range(20000)), hashlib.sha256(b"x" * 100000).hexdigest()
    if busy:
        import hashlib, math
        expected, rounds, wrong = work(), 0, 0
    while True:
        if busy:
            rounds += 1
            wrong += work() != expected
        if select.select([sys.stdin], [], [], 0 if busy else 0.05)[0]:
            line = sys.stdin.readline().strip()
            if not line:
                break
            if line == "path":
                reply = sys.path
            elif line == "work":
                reply = (rounds, wrong)
            elif line == "names":
                reply = sorted(vars(sys.modules["__main__"]))
            else:
                reply = line
            sys.stdout.write(repr(reply) + "\\n")
            sys.stdout.flush()
''')


def heapcore_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "heapcore"] + list(args), capture_output=True, text=True,
                          env=env, timeout=120)


def other_python():
    """An interpreter of another CPython 3.10-3.13 version, or None."""
    mine = "%d.%d" % sys.version_info[:2]
    for v in ("3.10", "3.11", "3.12", "3.13"):
        if v == mine:
            continue
        found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/%s.*/bin/python%s" % (v, v))))
        found += [p for p in [shutil.which("python" + v)] if p]
        for path in found:
            if os.access(path, os.X_OK):
                return path, v
    return None, None


NATIVE = sys.platform.startswith("linux") and platform.machine() == "x86_64"  # no gdb needed


@unittest.skipIf(not NATIVE and shutil.which("gdb") is None, "gdb is not installed (apt-get install gdb)")
class Attach(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="heapcore-attach-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.script = os.path.join(self.dir, "child.py")
        with open(self.script, "w") as f:
            f.write(CHILD)

    def spawn(self, *args, python=None, first="ready"):
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the child cannot import heapcore
        p = subprocess.Popen([python or sys.executable, self.script] + list(args), stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.addCleanup(self.stop, p)
        line = p.stdout.readline().strip()
        self.assertTrue(line.startswith(first), "child: %r" % line)
        return p, line

    @staticmethod
    def stop(p):
        if p.poll() is None:
            p.kill()
        p.wait(timeout=30)
        for f in (p.stdin, p.stdout, p.stderr):
            if f is not None:
                f.close()

    @staticmethod
    def ask(p, request):
        p.stdin.write(request + "\n")
        p.stdin.flush()
        return eval(p.stdout.readline())

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_snapshot_of_a_running_process(self):
        p, _ = self.spawn()
        path_before, names_before = self.ask(p, "path"), self.ask(p, "names")
        self.assertNotIn(STAGE, path_before)
        out = self.path("child.hcsnap")
        t0 = time.perf_counter()
        r = heapcore_cli("attach", str(p.pid), "-o", os.path.relpath(out))  # a relative FILE, made absolute
        took = time.perf_counter() - t0
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr, r"heapcore: process %d: wrote .*child\.hcsnap \(\d+\.\d MB\)" % p.pid)
        y = heapcore.load(out)
        rows = {row[1]: row for row in _internal.engine_set(y).partition(_engine.BY_CLODO)}
        self.assertEqual(rows["__main__.Marker"][2], 5000)
        self.assertEqual(y.meta["pid"], str(p.pid))
        # the process goes on, unchanged
        self.assertEqual(self.ask(p, "ping"), "ping")
        self.assertEqual(self.ask(p, "path"), path_before)
        self.assertEqual(self.ask(p, "names"), names_before)
        with open(out, "rb") as f:
            self.assertFalse(b"heapcore-attach-secret-" in f.read(), "a redacted string is in the file")
        # again (heapcore is imported there now), keeping strings
        kept = self.path("kept.hcsnap")
        r = heapcore_cli("attach", str(p.pid), "-o", kept, "--keep-strings")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(kept, "rb") as f:
            self.assertTrue(b"heapcore-attach-secret-%d" % p.pid in f.read(), "the kept string is missing")
        self.assertEqual(self.ask(p, "path"), path_before)
        self.assertEqual(sorted(os.listdir(self.dir)), ["child.hcsnap", "child.py", "kept.hcsnap"])
        p.stdin.close()
        self.assertEqual(p.wait(timeout=30), 0)
        self.assertEqual(p.stderr.read(), "")  # nothing printed into the process's stderr
        sys.stderr.write("[attach: %.2f s] " % took)

    def test_a_busy_process_goes_on_unharmed(self):
        # stopped in the middle of computing (floating point, SIMD in sha256 and libm): every
        # register must come back as it was, or the results differ (or the process crashes)
        p, _ = self.spawn("busy")
        for i in range(3):
            r = heapcore_cli("attach", str(p.pid), "-o", self.path("busy%d.hcsnap" % i))
            self.assertEqual(r.returncode, 0, r.stderr)
        rounds, wrong = self.ask(p, "work")
        self.assertGreater(rounds, 3)
        self.assertEqual(wrong, 0)
        self.assertEqual(heapcore.load(self.path("busy2.hcsnap")).meta["pid"], str(p.pid))
        p.stdin.close()
        self.assertEqual(p.wait(timeout=30), 0)
        self.assertEqual(p.stderr.read(), "")

    def test_main_thread_holding_the_gil_times_out(self):
        # the main thread sleeps in C holding the GIL (ctypes.PyDLL): the thread heapcore starts
        # waits for the GIL; --timeout ends the command, and the request, when the thread
        # finally gets the GIL, finds itself cancelled and does nothing
        p, _ = self.spawn("hold4")
        r = heapcore_cli("attach", str(p.pid), "-o", self.path("late.hcsnap"), "--timeout", "1")
        self.assertEqual(r.returncode, 6, r.stderr)
        self.assertIn("did not take the snapshot within 1 s", r.stderr)
        self.assertIn("never got the GIL", r.stderr)
        self.assertEqual(p.stdout.readline().strip(), "awake")
        self.assertEqual(self.ask(p, "ping"), "ping")
        self.assertEqual(os.listdir(self.dir), ["child.py"])
        p.stdin.close()
        self.assertEqual(p.wait(timeout=30), 0)
        self.assertEqual(p.stderr.read(), "")

    def test_the_pending_call_road(self):
        # forced (HEAPCORE_ATTACH_PENDING): Py_AddPendingCall, run at a bytecode boundary
        p, _ = self.spawn()
        env = dict(os.environ, HEAPCORE_ATTACH_PENDING="1")
        r = heapcore_cli("attach", str(p.pid), "-o", self.path("pending.hcsnap"), env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        y = heapcore.load(self.path("pending.hcsnap"))
        rows = {row[1]: row for row in _internal.engine_set(y).partition(_engine.BY_CLODO)}
        self.assertEqual(rows["__main__.Marker"][2], 5000)
        self.assertEqual(self.ask(p, "ping"), "ping")
        p.stdin.close()
        self.assertEqual(p.wait(timeout=30), 0)
        self.assertEqual(p.stderr.read(), "")

    def test_not_cpython(self):
        p = subprocess.Popen([shutil.which("sleep"), "100"])
        self.addCleanup(lambda: (p.kill(), p.wait()))
        r = heapcore_cli("attach", str(p.pid), "-o", self.path("x.hcsnap"))
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertIn("process %d (%s) is not a CPython process" % (p.pid, shutil.which("sleep")), r.stderr)
        self.assertIsNone(p.poll())

    def test_other_cpython_version(self):
        python, version = other_python()
        if python is None:
            self.skipTest("no CPython of another version here")
        p, _ = self.spawn(python=python)
        r = heapcore_cli("attach", str(p.pid), "-o", self.path("x.hcsnap"))
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertIn("process %d runs CPython %s, this heapcore is built for %d.%d: run python%s -m heapcore attach"
                      % ((p.pid, version) + sys.version_info[:2] + (version,)), r.stderr)
        self.assertEqual(self.ask(p, "ping"), "ping")

    def test_no_such_process(self):
        p = subprocess.Popen(["true"])
        p.wait()
        r = heapcore_cli("attach", str(p.pid), "-o", self.path("x.hcsnap"))
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertIn("process %d does not exist" % p.pid, r.stderr)

    def test_ptrace_not_permitted(self):
        p, line = self.spawn("traceme", first="traced")
        self.assertEqual(line, "traced 0")
        r = heapcore_cli("attach", str(p.pid), "-o", self.path("x.hcsnap"))
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertIn("cannot attach to process %d: ptrace: Operation not permitted" % p.pid, r.stderr)
        self.assertIn("already traced by process %d" % os.getpid(), r.stderr)
        self.assertIn("/proc/sys/kernel/yama/ptrace_scope", r.stderr)
        self.assertIn("CAP_SYS_PTRACE", r.stderr)
        self.assertEqual(self.ask(p, "ping"), "ping")
        self.assertEqual(os.listdir(self.dir), ["child.py"])

    def test_usage_and_file_errors(self):
        p, _ = self.spawn()
        no_gdb = dict(os.environ, PATH=self.dir)
        r = heapcore_cli("attach", str(p.pid), "-o", self.path("x.hcsnap"), env=no_gdb)
        if NATIVE:  # the engine attaches by itself
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(heapcore.load(self.path("x.hcsnap")).meta["pid"], str(p.pid))
            os.unlink(self.path("x.hcsnap"))
        else:
            self.assertEqual(r.returncode, 5, r.stderr)
            self.assertIn("gdb is not installed", r.stderr)
        r = heapcore_cli("attach", str(p.pid), "-o", self.path("missing/x.hcsnap"))
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("no such directory", r.stderr)
        os.mkdir(self.path("adir"))
        r = heapcore_cli("attach", str(p.pid), "-o", self.path("adir"))  # fails in the process
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("process %d could not write %s: OSError: " % (p.pid, self.path("adir")), r.stderr)
        self.assertEqual(heapcore_cli("attach", str(p.pid)).returncode, 2)  # -o is required
        self.assertEqual(heapcore_cli("attach", "x", "-o", "y").returncode, 2)
        self.assertEqual(heapcore_cli("attach", str(p.pid), "-o", "y", "--timeout", "0").returncode, 2)
        self.assertEqual(self.ask(p, "ping"), "ping")
        self.assertEqual(sorted(os.listdir(self.dir)), ["adir", "child.py"])
        p.stdin.close()
        self.assertEqual(p.wait(timeout=30), 0)
        self.assertEqual(p.stderr.read(), "")


# A process in one state until SIGUSR1 (whose handler raises Done: every wait below is
# interrupted by it), then "end" and exit status 0.  Markers to find in the snapshot.
STATES = textwrap.dedent('''
    import ctypes, os, select, signal, socket, sys, threading, time
    class Marker:
        pass
    markers = [Marker() for _ in range(3000)]
    class Done(Exception):
        pass
    def done(*_):
        raise Done
    signal.signal(signal.SIGUSR1, done)
    state = sys.argv[1]
    def spin(stop):
        while not stop.is_set():
            sum(range(1000))
    stop = threading.Event()
    print("ready", flush=True)
    try:
        if state == "sleep":
            time.sleep(60)
        elif state == "accept":
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            s.listen()
            s.accept()
        elif state == "select":
            r, w = os.pipe()
            select.select([r], [], [], 60)
        elif state == "read":
            r, w = os.pipe()
            os.read(r, 1)
        elif state == "join":
            t = threading.Thread(target=stop.wait, args=(60,))
            t.start()
            t.join()
        elif state == "lock":
            lock = threading.Lock()
            lock.acquire()
            lock.acquire(timeout=60)
        elif state == "event":
            threading.Event().wait(60)
        elif state == "python":
            end = time.time() + 60
            while time.time() < end:
                sum(range(1000))
        elif state == "threads":  # others run Python code, the main thread sleeps
            for _ in range(2):
                threading.Thread(target=spin, args=(stop,)).start()
            time.sleep(60)
        elif state == "otherholds":  # another thread holds the GIL in C for 2 s, main sleeps
            def hold():
                time.sleep(0.2)
                ctypes.PyDLL(None).usleep(2000000)
            threading.Thread(target=hold).start()
            time.sleep(60)
        elif state == "mainholds":  # the main thread holds the GIL in C for 2 s, alone
            ctypes.PyDLL(None).usleep(2000000)
            time.sleep(60)
    except Done:
        pass
    stop.set()
    print("end", flush=True)
''')


@unittest.skipIf(not NATIVE, "the thread road is Linux x86-64 only")
class AttachInAnyState(unittest.TestCase):
    """attach succeeds whatever the target does: its main thread blocked in a system call
    with the GIL released (sleep, accept, select, read, join, lock and Event waits), running
    Python code, sleeping while other threads run Python code, and while C code holds the
    GIL (then within 5 s of its release, with a progress message); the target goes on and
    exits normally."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="heapcore-states-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.script = os.path.join(self.dir, "states.py")
        with open(self.script, "w") as f:
            f.write(STATES)

    def attach_in(self, state, timeout="5", settle=0.3):
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        p = subprocess.Popen([sys.executable, self.script, state], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
        self.addCleanup(Attach.stop, p)
        self.assertEqual(p.stdout.readline().strip(), "ready")
        time.sleep(settle)  # into its state
        out = os.path.join(self.dir, state + ".hcsnap")
        r = heapcore_cli("attach", str(p.pid), "-o", out, "--timeout", timeout)
        self.assertEqual(r.returncode, 0, "%s: %s" % (state, r.stderr))
        y = heapcore.load(out)
        rows = {row[1]: row for row in _internal.engine_set(y).partition(_engine.BY_CLODO)}
        self.assertEqual(rows["__main__.Marker"][2], 3000, state)
        self.assertIsNone(p.poll(), "%s: the target ended before the signal" % state)
        p.send_signal(signal.SIGUSR1)
        self.assertEqual(p.stdout.readline().strip(), "end", state)
        self.assertEqual(p.wait(timeout=30), 0, state)
        self.assertEqual(p.stderr.read(), "", state)
        return r

    def test_blocked_in_a_system_call(self):
        for state in ("sleep", "accept", "select", "read", "join", "lock", "event"):
            with self.subTest(state=state):
                self.attach_in(state)

    def test_running_python_code(self):
        self.attach_in("python")
        self.attach_in("threads")

    def test_c_code_holding_the_gil(self):
        # attached 0.3 s into a 2 s hold: succeeds within 5 s of the release
        for state in ("otherholds", "mainholds"):
            with self.subTest(state=state):
                r = self.attach_in(state, timeout="7", settle=0.5)
                self.assertIn("waiting for the GIL", r.stderr)


if __name__ == "__main__":
    unittest.main()
