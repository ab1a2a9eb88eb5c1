"""``python3 -m heapcore``: take snapshots of a program, and analyse snapshot files.

Exit codes (for scripts): 0 done; 2 bad usage; 3 a file could not be read or written;
4 a file is not a valid heapcore snapshot (truncated, damaged, another format or version);
5 attach: cannot attach to the process (none, not CPython, another CPython version, ptrace
not permitted, no gdb); 6 attach: the process did not take the snapshot in time; 1 anything
else.  ``run`` exits with the program's own status (3 if the snapshot could not be
written).  Progress goes to stderr when a step takes longer than a second; results go to
stdout.
"""
import argparse
import builtins
import os
import signal
import sys
import threading
import time
import traceback
import types

from . import _files, _internal, _report
from ._classifiers import CLI_CHOICES as BY_CHOICES
from ._errors import (CliError, EXIT_ATTACH, EXIT_ERROR, EXIT_FORMAT, EXIT_IO, EXIT_OK,  # noqa: F401
                      EXIT_TIMEOUT, EXIT_USAGE)


class _Progress:
    """Says on stderr what is being done if it takes longer than a second, and how long it
    took.  (Analysis commands only: a timer thread would show in a heap being dumped.)"""

    def __init__(self, what, quiet=False):
        self.what = what
        self.quiet = quiet
        self.shown = False
        self.timer = None

    def _show(self):
        self.shown = True
        sys.stderr.write("heapcore: %s ...\n" % self.what)
        sys.stderr.flush()

    def __enter__(self):
        self.t0 = time.perf_counter()
        if not self.quiet:
            self.timer = threading.Timer(1.0, self._show)
            self.timer.daemon = True
            self.timer.start()
        return self

    def __exit__(self, *exc):
        if self.timer:
            self.timer.cancel()
        if self.shown:
            sys.stderr.write("heapcore: %s: done in %.1f s\n" % (self.what, time.perf_counter() - self.t0))
        return False


def _load(path, quiet):
    from . import load, IdentitySet
    try:
        size = os.path.getsize(path)
    except OSError as e:
        raise CliError("cannot read %s: %s" % (path, e.strerror or e), EXIT_IO)
    with _Progress("loading %s (%.1f MB)" % (path, size / 1e6), quiet):
        try:
            x = load(path)
        except ValueError as e:
            raise CliError(str(e), EXIT_FORMAT)
        except OSError as e:
            raise CliError(str(e), EXIT_IO)
    if not isinstance(x, IdentitySet):  # a Stat: Heapy's text package, no objects
        raise CliError("%s: a stat file in Heapy's text format (no objects), not a snapshot "
                       "file: read it with h.load() in Python and print it or its diffs" % path,
                       EXIT_FORMAT)
    return x


def _writing(write, *args):
    """Write a file by one of _files' writers (never half a file; a symlink followed; a
    device or FIFO written directly, never replaced); a failure is the CLI's EXIT_IO."""
    try:
        write(*args)
    except OSError as e:
        raise CliError(str(e), EXIT_IO)


def _say(text):
    """A message on the process's stderr (fd 2): the program `run` runs may have replaced or
    closed sys.stderr, and that must not turn its exit status into an error."""
    try:
        os.write(2, text.encode("utf-8", "replace"))
    except OSError:
        pass


def _count(text):
    """argparse type: a count of rows or objects, 1 to 10**9."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 10 ** 9:
        raise argparse.ArgumentTypeError("not a count from 1 to 10**9: %r" % text)
    return value


# -- run ----------------------------------------------------------------------------------

_UNCATCHABLE = tuple(getattr(signal, n) for n in ("SIGKILL", "SIGSTOP") if hasattr(signal, n))


def _signal_number(name):
    text = name.upper()
    if text.isdigit():
        num = int(text)
    else:
        if not text.startswith("SIG"):
            text = "SIG" + text
        num = getattr(signal, text, None)
        if type(num) is not signal.Signals:
            raise CliError("unknown signal %r (try USR1, USR2, HUP or a number)" % name, EXIT_USAGE)
    if num in _UNCATCHABLE:
        raise CliError("%s cannot be caught: no snapshot could be taken on it (try USR1)" % name, EXIT_USAGE)
    if num not in signal.valid_signals():
        raise CliError("not a signal number: %s (try USR1, USR2, HUP or a number)" % name, EXIT_USAGE)
    return int(num)


def _own_name(path, pid):
    """path for a process forked from the one `run` started: its pid before the extension, so
    that parent and child never write one name."""
    root, ext = os.path.splitext(path)
    return "%s-%d%s" % (root, pid, ext)


def cmd_run(args):
    script = args.script
    try:
        with open(script, "rb") as f:
            source = f.read()
    except OSError as e:
        raise CliError("cannot read %s: %s" % (script, e.strerror or e), EXIT_IO)
    dump = _snapshot_writer(args)
    if args.on_signal:
        _dump_on_signal(args.on_signal, dump)
    if args.every:
        _dump_every(args.every, dump)
    main = _main_module(script, args.args)  # held until the last snapshot, as before
    status = _run_as_main(main, script, source)
    if (args.at_exit or not (args.on_signal or args.every)) and not dump("at exit"):
        return EXIT_IO
    return status


def numbered(path, n):
    """path for the n-th of a series: {n} in it replaced, else -n before the extension."""
    if "{n}" in path:
        return path.replace("{n}", str(n))
    root, ext = os.path.splitext(path)
    return "%s-%d%s" % (root, n, ext)


class _Keeper:
    """The last `keep` files of a series written: older ones are removed (only those the
    series wrote itself)."""

    __slots__ = ("keep", "written")

    def __init__(self, keep):
        self.keep, self.written = keep, []

    def wrote(self, path):
        if path in self.written:
            self.written.remove(path)
        self.written.append(path)
        while self.keep and len(self.written) > self.keep:
            old = self.written.pop(0)
            try:
                os.unlink(old)
            except OSError:
                pass


def _dump_every(seconds, dump):
    """A thread of heapcore's own calls dump every `seconds` (run --every).  _thread, not
    threading: no Thread object, Event or list of threads is made in the program's heap."""
    import _thread

    def loop():
        while True:
            time.sleep(seconds)
            dump("every %g s" % seconds)

    _thread.start_new_thread(loop, ())


def _snapshot_writer(args):
    """run's dump(reason): writes the next snapshot file, says so on stderr, and returns
    False (with the reason on stderr) if it could not be written."""
    from . import hpy
    # resolved now: the program may chdir, and the files belong where `run` was started
    import _thread
    out = os.path.abspath(args.output or "heapcore-%d.hcsnap" % os.getpid())
    shown = args.output or os.path.basename(out)
    series = bool(args.every)
    start_pid = os.getpid()
    h = hpy()
    taken = [0]
    keeper = _Keeper(args.keep)
    lock = _thread.allocate_lock()  # one snapshot at a time (--every's thread, a signal, the end)

    def dump(reason):
        with lock:
            return write(reason)

    def write(reason):
        taken[0] += 1
        if series:
            path, name = numbered(out, taken[0]), numbered(shown, taken[0])
        else:
            path, name = out.replace("{n}", str(taken[0])), shown.replace("{n}", str(taken[0]))
        if os.getpid() != start_pid:  # a forked child: a name of its own
            path, name = _own_name(path, os.getpid()), _own_name(name, os.getpid())
        t0 = time.perf_counter()
        paused = ""
        try:
            if args.fork:
                job = h.dump(path, keep_strings=args.keep_strings, fork=True)
                paused = "; paused %.0f ms for the fork" % (job.pause * 1e3)
                job.wait()
            else:
                h.dump(path, keep_strings=args.keep_strings)
        except (OSError, RuntimeError, MemoryError) as e:  # the engine's message names the file and the reason
            _say("heapcore: %s\n" % e)
            return False
        if series:
            keeper.wrote(path)
        try:
            # a device name (/dev/stdout, even when it is a file) says nothing of the size
            plain = os.path.isfile(path) and not path.startswith(("/dev/", "/proc/"))
            size = " (%.1f MB)" % (os.path.getsize(path) / 1e6) if plain else ""
        except OSError:
            size = ""
        _say("heapcore: %s: wrote %s%s in %.2f s%s\n" % (reason, name, size, time.perf_counter() - t0, paused))
        return True

    return dump


def _dump_on_signal(name, dump):
    """Call dump each time signal `name` arrives (run --on-signal)."""
    signum = _signal_number(name)
    sig_name = signal.Signals(signum).name if signum in set(signal.Signals) else str(signum)
    state = {"busy": False, "pending": 0}

    def on_signal(_signum, _frame):
        # A signal that arrives while a snapshot is written is not lost: one more
        # snapshot follows.  (The OS merges signals that arrive together: several during
        # one snapshot give one more, and the message says so.)
        if state["busy"]:
            state["pending"] += 1
            return
        state["busy"] = True
        try:
            dump("on %s" % sig_name)
            while state["pending"]:
                _say("heapcore: %s arrived while the snapshot was written: taking one more "
                     "(signals that arrive together are merged by the OS)\n" % sig_name)
                state["pending"] = 0
                dump("on %s (arrived during the last snapshot)" % sig_name)
        finally:
            state["busy"] = False

    try:
        signal.signal(signum, on_signal)
    except (OSError, ValueError) as e:
        raise CliError("cannot take snapshots on %s: %s" % (name, e), EXIT_USAGE)


def _main_module(script, argv):
    """The program's __main__, a module of its own, set up as `python3 script.py` would."""
    main = types.ModuleType("__main__")
    main.__file__ = script
    main.__builtins__ = builtins
    main.__loader__ = None
    sys.modules["__main__"] = main
    sys.argv = [script] + list(argv)
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    return main


def _run_as_main(main, script, source):
    """Run the program's source in module main; its exit status."""
    try:
        exec(compile(source, script, "exec"), main.__dict__)
    except SystemExit as e:
        code = e.code
        if code is None:
            return EXIT_OK
        if isinstance(code, int):
            return code
        _say("%s\n" % code)
        return EXIT_ERROR
    except BaseException:
        _say(traceback.format_exc())
        return EXIT_ERROR
    return EXIT_OK


def cmd_attach(args):
    from . import _attach
    if not args.every:
        return _attach.attach(args.pid, args.output, args.keep_strings, args.timeout, args.quiet, not args.no_fork)
    keeper = _Keeper(args.keep)
    n = 0
    while True:
        n += 1
        path = numbered(args.output, n)
        t0 = time.monotonic()
        _attach.attach(args.pid, path, args.keep_strings, args.timeout, args.quiet, not args.no_fork)
        keeper.wrote(os.path.abspath(path))
        if args.count and n >= args.count:
            return EXIT_OK
        time.sleep(max(args.every - (time.monotonic() - t0), 0))


def _seconds(text):
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError("not a positive number of seconds: %r" % text)
    return value


# -- analysis -----------------------------------------------------------------------------

def cmd_show(args):
    y = _load(args.file, args.quiet)
    if args.unreachable:
        y = y.unreachable
        if not y.count:
            print("No unreachable objects: a root reaches every object of %s." % args.file)
            return EXIT_OK
    with _Progress("partitioning by %s" % args.by, args.quiet):
        try:
            x = y.by(args.by)
            if args.retained:
                x = x.retained
            text = str(x.all if args.all else x)
        except ValueError as e:  # what the file cannot answer (byvia without labels)
            raise CliError(str(e), EXIT_ERROR)
    if args.unreachable:
        with _Progress("computing dominators", args.quiet):
            text += "\n\n" + str(y.unreachable_entries(10 ** 9 if args.all else 10))
    print(text)
    return EXIT_OK


def cmd_top(args):
    y = _load(args.file, args.quiet)
    with _Progress("computing dominators and paths", args.quiet):
        text = str(y.top(args.n))
    print(text)
    return EXIT_OK


def cmd_diff(args):
    old = _load(args.old, args.quiet)
    new = _load(args.new, args.quiet)
    with _Progress("comparing by %s" % args.by, args.quiet):
        text = _report.diff_text(old, new, args.by, args.limit)
        grown = new - old  # the objects in NEW not in OLD (matched by address and type)
        if grown.count:
            text += "\n\nWhere the new objects accumulate (%d objects, %d bytes):\n%s" % (
                grown.count, grown.size, grown.top(args.suspects))
    print(text)
    return EXIT_OK


def _load_series(paths, quiet):
    if len(paths) < 2:
        raise CliError("a trend needs two snapshot files or more (e.g. from run --every)", EXIT_USAGE)
    return [(p, _load(p, quiet)) for p in paths]


def cmd_trend(args):
    from . import _trend
    loaded = _load_series(args.files, args.quiet)
    with _Progress("following %d snapshots by %s" % (len(loaded), args.by), args.quiet):
        text = _trend.text(loaded, args.by, args.limit)
    print(text)
    return EXIT_OK


def cmd_html(args):
    if args.trend:
        from . import _html
        loaded = _load_series(args.file, args.quiet)
        with _Progress("writing the trend report", args.quiet):
            _writing(_files.write_text, args.output, _html.trend_report(loaded, args.title or "trend"))
        sys.stderr.write("heapcore: wrote %s\n" % args.output)
        return EXIT_OK
    if len(args.file) != 1:
        raise CliError("html takes one snapshot file (several with --trend)", EXIT_USAGE)
    y = _load(args.file[0], args.quiet)
    old = _load(args.diff, args.quiet) if args.diff else None
    with _Progress("writing the report", args.quiet):
        _writing(_files.html, y, args.output, old, args.title or os.path.basename(args.file[0]))
    sys.stderr.write("heapcore: wrote %s\n" % args.output)
    return EXIT_OK


def cmd_export(args):
    y = _load(args.file, args.quiet)
    with _Progress("exporting (%s)" % args.format, args.quiet):
        if args.format == "dot":
            top = _internal.engine_set(y).top(args.n)
            tops = _internal.new_set(_internal.snapshot(y).ids([r[0] for r in top]))
            _writing(_files.write_text, args.output, _files.dot(tops, None, args.n))
        else:
            _writing(_files.export_chrome, y, args.output)
    sys.stderr.write("heapcore: wrote %s\n" % args.output)
    return EXIT_OK


def cmd_demo(args):
    from . import demo
    demo.main()
    return EXIT_OK


def parser():
    p = argparse.ArgumentParser(
        prog="python3 -m heapcore",
        description="heapcore: an exhaustive heap analyser for CPython.  Take a snapshot of a "
                    "program (run) or of a running process (attach), then analyse the file anywhere "
                    "(show, top, diff, trend, html, export).",
        epilog="Exit codes: 0 done, 1 error, 2 bad usage, 3 a file could not be read or written, "
               "4 not a valid snapshot file, 5 cannot attach to the process, 6 the process did not take "
               "the snapshot in time.  run exits with the program's status.",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def add(name, help_text, fn):
        sp = sub.add_parser(name, help=help_text, description=help_text)
        sp.set_defaults(fn=fn)
        if name not in ("run", "demo"):
            sp.add_argument("-q", "--quiet", action="store_true", help="no progress messages on stderr")
        return sp

    r = add("run", "run a Python program and write a snapshot of its heap", cmd_run)
    when = r.add_mutually_exclusive_group()
    when.add_argument("--at-exit", action="store_true", help="when the program ends (the default)")
    when.add_argument("--on-signal", metavar="SIG",
                      help="each time the process receives SIG (USR1, USR2, ...); '{n}' in -o numbers the files")
    r.add_argument("--every", type=_seconds, metavar="SECONDS",
                   help="a snapshot every SECONDS (with --at-exit: and one at the end), numbered: FILE's {n}, "
                        "or -N before its extension")
    r.add_argument("--keep", type=_count, default=20, help="with --every: how many of the last are kept (default 20)")
    r.add_argument("--fork", action="store_true",
                   help="a forked worker takes and writes each snapshot: the program pauses only for the fork")
    r.add_argument("-o", "--output", metavar="FILE", help="the snapshot file (default heapcore-PID.hcsnap)")
    r.add_argument("--keep-strings", action="store_true",
                   help="store str and bytes contents (redacted by default: length and hash only)")
    r.add_argument("script", help="the program")
    r.add_argument("args", nargs=argparse.REMAINDER, help="its arguments")

    a = add("attach", "write a snapshot of a running CPython process (with gdb; the process needs no heapcore)",
            cmd_attach)
    a.add_argument("pid", type=int, metavar="PID", help="the process")
    a.add_argument("-o", "--output", required=True, metavar="FILE", help="the snapshot file (the process writes it)")
    a.add_argument("--keep-strings", action="store_true",
                   help="store str and bytes contents (redacted by default: length and hash only)")
    a.add_argument("--timeout", type=_seconds, default=30.0, metavar="SECONDS",
                   help="how long to wait for the process to take the snapshot (default 30)")
    a.add_argument("--no-fork", action="store_true",
                   help="the process takes and writes the snapshot itself, paused throughout (by default it "
                        "forks a worker that does, and pauses only for the fork)")
    a.add_argument("--every", type=_seconds, metavar="SECONDS",
                   help="a snapshot every SECONDS, numbered (FILE's {n}, or -N before its extension)")
    a.add_argument("--count", type=_count, help="with --every: stop after this many snapshots")
    a.add_argument("--keep", type=_count, default=20, help="with --every: how many of the last are kept (default 20)")

    s = add("show", "the heap table of a snapshot file", cmd_show)
    s.add_argument("file")
    s.add_argument("--by", choices=BY_CHOICES, default="clodo", help="classifier (default clodo)")
    s.add_argument("--retained", action="store_true", help="with retained sizes, sorted by them")
    s.add_argument("--all", action="store_true", help="every row, not the first page")
    s.add_argument("--unreachable", action="store_true",
                   help="only the objects no root reaches (uncollected cyclic garbage), then the entry points "
                        "into them (those no other unreachable object keeps alive), largest retained first")

    t = add("top", "the leak suspects: where objects accumulate, with a named path from a root", cmd_top)
    t.add_argument("file")
    t.add_argument("-n", type=_count, default=10, help="how many (default 10)")

    d = add("diff", "what changed between two snapshot files, by kind (count, size, retained)", cmd_diff)
    d.add_argument("old")
    d.add_argument("new")
    d.add_argument("--by", choices=BY_CHOICES, default="clodo", help="classifier (default clodo)")
    d.add_argument("--limit", type=_count, default=20, help="kinds shown (default 20)")
    d.add_argument("--suspects", type=_count, default=5,
                   help="where the new objects accumulate: suspects shown (default 5)")

    tr = add("trend", "which kinds grow over a series of snapshots (run --every, attach --every)", cmd_trend)
    tr.add_argument("files", nargs="+", metavar="FILE", help="the snapshots (ordered by when they were taken)")
    tr.add_argument("--by", choices=BY_CHOICES, default="clodo", help="classifier (default clodo)")
    tr.add_argument("--limit", type=_count, default=10, help="growers shown (default 10)")

    hm = add("html", "a self-contained HTML report: treemap of the dominator tree, tables, top retainers", cmd_html)
    hm.add_argument("file", nargs="+", metavar="FILE", help="the snapshot (with --trend: a series of them)")
    hm.add_argument("--trend", action="store_true",
                    help="a report of the growth over the series of FILEs: line charts of the kinds that grow")
    hm.add_argument("--diff", metavar="OLD", help="also show growth since the snapshot file OLD")
    hm.add_argument("-o", "--output", required=True, metavar="REPORT.html")
    hm.add_argument("--title", help="the report's title (default the file's name)")

    e = add("export", "export a snapshot: Chrome DevTools .heapsnapshot, or Graphviz dot of the top retainers' paths", cmd_export)
    e.add_argument("file")
    e.add_argument("--format", choices=("chrome", "dot"), required=True)
    e.add_argument("-o", "--output", required=True, metavar="OUT")
    e.add_argument("-n", type=_count, default=20, help="dot: the top retainers drawn (default 20)")

    add("demo", "build a small heap and show heap(), bytype and a diff", cmd_demo)
    return p


def main(argv=None):
    p = parser()
    try:
        args = p.parse_args(argv)
    except SystemExit as e:  # argparse: --help (0) or a usage error (2)
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    if not getattr(args, "fn", None):
        p.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.fn(args)
    except CliError as e:
        sys.stderr.write("heapcore: %s\n" % e)
        return e.code
    except KeyboardInterrupt:
        sys.stderr.write("heapcore: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except MemoryError:
        sys.stderr.write("heapcore: out of memory\n")
        return EXIT_ERROR


_internal.hide(globals(), _Progress)
