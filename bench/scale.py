"""Issue 7's benchmark: pathological shapes at scale (bounded memory, no recursion, linear time).

    PYTHONPATH=<stage> python3.X bench/scale.py [--fraction F] [--repeat R] [--stack KB]
        [--sizes both|full|tenth] [--step-timeout S] [--skip dump] [--dir DIR] [--json FILE]
        [SCENARIO ...]

Scenarios (sizes are multiplied by --fraction, default 1):
  chain-slots  a 10 M-deep linked list of `class Node: __slots__ = ("next",)`
  chain-list   a 10 M-deep chain of nested one-element lists  (a = [a])
  chain-tuple  a 10 M-deep chain of nested one-element tuples (t = (t,))
  same-list    a list of 100 M references to one object ([obj] * N)
  dict-int     a dict of 10 M fresh int keys, all to one small int (dict.fromkeys(keys, 7))
  dict-str     a dict of 10 M str keys ("k123"), each to an int of its own
Default: all of them, each at 1/10 and at full scale, each size in a child process of its own
(sys.executable) with the stack limit inherited (8 MB here) or --stack KB (setrlimit in the
child before exec: with 1024 the walk must not recurse).  The child builds the workload, runs
gc.collect() once (timed, for reference), then REPEAT times (default 3 at 1/10 scale, 2 at
full) these steps, each after dropping what the previous run kept:
  heap      x = h.heap(); str(x)                      (the walk and its table)
  bytype    str(x.bytype)
  domisize  the chain head's / the list's / the dict's one-object set: .domisize, asked
            before the dominator tree exists (a reachability pass over the snapshot with the
            set removed; the set itself, x & h.iso(obj), is made before, untimed)
  top5      str(x.top(5)): the dominator tree and every retained size (first use of this
            snapshot), then the five largest retainers with their paths
  locate    x & h.iso(obj): the one-object set of the chain's N-th element, found by
            iteration after the snapshot (for the list its one element, for the dict its last
            key); h.iso is a fresh walk
  sp        str(s.sp) of that set: for a chain, a path of N edges
and then REPEAT times, on a fresh h.heap():
  dump      x.dump(path) (to DIR, default the system's temporary directory; fsync included)
  load      heapcore.load(path) and its table (asserted equal to str(x))
A step still running after --step-timeout seconds (default 300) is reported as such and its
child is stopped (the files come last so that nothing else is lost); when the 1/10 scale's
dump was stopped, the full scale's is not run.
Memory per step: VmHWM is reset through /proc/self/clear_refs (5) just before it; peak =
VmHWM after - VmRSS before; kept = VmRSS after - VmRSS before (what its results hold).  The
largest peak over the runs is reported, per object of the snapshot (and, for same-list, per
list element).
Correctness (asserted; "checks ok"): the Node row of x.bytype and x & h.Type(Node) count
exactly N; the head's (list's, dict's) domisize and dominos are what sys.getsizeof summed over
the structure says (with heapcore's 32 B for a one-digit int on 3.11+); the list's and the
dict's own size is their sys.getsizeof; the sp of a chain's N-th element has N hops in the
chain (N + 3 with sys.modules, the module and its dict) and N - 1 or more ".next" / "[0]"
labels.
Last lines: a Markdown table per scenario (step, 1/10 time, full time, ratio, peak, B/object).
"""
import gc
import json
import os
import queue
import resource
import subprocess
import sys
import tempfile
import threading
import time

from w1_setup import status  # a /proc/self/status figure in bytes

FULL = {"chain-slots": 10_000_000, "chain-list": 10_000_000, "chain-tuple": 10_000_000,
        "same-list": 100_000_000, "dict-int": 10_000_000, "dict-str": 10_000_000}
STEPS = ["heap", "bytype", "domisize", "top5", "locate", "sp", "dump", "load"]
TAG = "SCALE-RESULT "


def reset_hwm():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


class Node:
    __slots__ = ("next",)


class Payload:
    """The one object the 100 M-element list refers to (a heap object, not a static one)."""
    __slots__ = ("v",)


# -- workloads (module globals, so the roots reach them through __main__'s dict) -----------------
head = None   # chains: the outermost element; same-list: the list; dicts: the dict


def build(name, n):
    """Build the workload (the global `head`); returns the figures the checks expect."""
    global head
    expect = {}
    if name == "chain-slots":
        h = None
        for _ in range(n):
            node = Node()
            node.next = h
            h = node
        head = h
        del h, node
        expect["dominos_size"] = n * sys.getsizeof(head)
        expect["dominos_count"] = n
    elif name == "chain-list":
        a = []
        for _ in range(n):
            a = [a]
        head = a
        del a
    elif name == "chain-tuple":
        t = ()
        for _ in range(n):
            t = (t,)
        head = t
        del t
    elif name == "same-list":
        obj = Payload()
        head = [obj] * n
        del obj
        expect["size"] = sys.getsizeof(head)
        expect["dominos_size"] = sys.getsizeof(head) + sys.getsizeof(head[0])
        expect["dominos_count"] = 2
    elif name == "dict-int":
        head = dict.fromkeys(range(1000, 1000 + n), 7)   # fresh ints, one small-int value
        expect["size"] = sys.getsizeof(head)
    elif name == "dict-str":
        head = {"k%d" % i: i for i in range(n)}      # a value of its own per key (above 256)
        expect["size"] = sys.getsizeof(head)
    else:
        raise SystemExit("unknown scenario %r" % name)
    if name in ("chain-list", "chain-tuple"):
        # the chain's own objects, summed iteratively (the innermost is [] or the static ())
        total, count, e = 0, 0, head
        while len(e):
            total += sys.getsizeof(e)
            count += 1
            e = e[0]
        if name == "chain-list":
            total += sys.getsizeof(e)
            count += 1
        expect["dominos_size"], expect["dominos_count"] = total, count
    if name.startswith("dict"):
        # heapcore sizes a one-digit int at 32 B on 3.11+ where sys.getsizeof says 28 (what
        # CPython requests: thesis-notes/sizes.md); the str keys are compact ASCII: getsizeof
        one_digit = 4 if sys.version_info >= (3, 11) else 0
        mine = sum(map(sys.getsizeof, head))            # the keys
        count = n + 1
        if name == "dict-int":
            mine += one_digit * n
        else:  # the values, but the small ints (-5..256) are the interpreter's
            big = [v for v in head.values() if v > 256]
            mine += sum(map(sys.getsizeof, big)) + one_digit * len(big)
            count += len(big)
            del big
        expect["dominos_size"] = sys.getsizeof(head) + mine
        expect["dominos_count"] = count
    return expect


def deepest(name):
    """The object whose shortest path is asked for (found by iteration, after the snapshot)."""
    if name == "chain-slots":
        e = head
        while e.next is not None:
            e = e.next
        return e
    if name in ("chain-list", "chain-tuple"):
        e = head
        while len(e) and len(e[0]):
            e = e[0]
        return e  # the N-th element: chain-list's [[]], chain-tuple's ((),)
    if name == "same-list":
        return head[0]
    return next(reversed(head))  # the dict's last key


# -- the steps, in a child ------------------------------------------------------------------
def emit(kind, obj):
    print(TAG + kind + " " + json.dumps(obj), flush=True)


def measure(step, run, fn):
    """fn() with its time and memory, reported to the parent as it ends."""
    emit("BEGIN", {"step": step, "run": run})
    gc.disable()  # no collection during the step: it would time the workload, not heapcore
    rss0 = status("VmRSS:")
    reset_hwm()
    t = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t
    hwm, rss1 = status("VmHWM:"), status("VmRSS:")
    gc.enable()
    emit("STEP", {"step": step, "run": run, "s": dt, "peak": max(hwm - rss0, 0), "kept": rss1 - rss0,
                  "before": rss0})
    return out


def check(name, n, expect, x, h, one, dom, target, first):
    """The correctness checks (asserted)."""
    assert one.count == 1
    if "size" in expect:
        assert one.size == expect["size"], ("size", one.size, expect["size"])
    assert dom == expect["dominos_size"], ("domisize", dom, expect["dominos_size"])
    if first:  # once: dominos (from the tree, which top5 built), against the same figures
        dm = one.dominos
        assert (dm.count, dm.size) == (expect["dominos_count"], expect["dominos_size"]), \
            ("dominos", dm.count, dm.size, expect)
    extra = {}
    if name == "chain-slots":
        from heapcore import _internal
        row = [r for r in _internal.rows(x.bytype) if r[1] == "__main__.Node"]
        assert row and row[0][2] == n, ("bytype Node row", row)
        assert (x & h.Type(Node)).count == n
    if name.startswith("chain"):
        p = target.sp[0]
        # hops: the root's objects (module, its dict), then the chain's elements
        chain_hops = sum(1 for _, kind in p.nodes if kind != "module" and not kind.startswith("dict"))
        assert chain_hops >= n, ("sp hops", len(p.nodes), chain_hops, n)
        step = {"chain-slots": ".next", "chain-list": "[0]", "chain-tuple": "[0]"}[name]
        assert p.text.count(step) >= n - 1, ("sp labels", p.text.count(step), n)
        extra = {"sp_hops": len(p.nodes), "sp_chars": len(p.text)}
    return extra


def child(name, n, repeat, where, skip):
    from heapcore import _internal, hpy, load
    gc.disable()
    t = time.perf_counter()
    expect = build(name, n)
    build_s = time.perf_counter() - t
    gc.enable()
    t = time.perf_counter()
    gc.collect()
    gc_s = time.perf_counter() - t
    emit("INFO", {"scenario": name, "n": n, "python": sys.version.split()[0],
                  "stack": resource.getrlimit(resource.RLIMIT_STACK)[0],
                  "build_s": build_s, "gc_s": gc_s, "workload_rss": status("VmRSS:")})
    h = hpy()
    for run in range(repeat):
        x, table = measure("heap", run, lambda: (lambda s: (s, str(s)))(h.heap()))
        measure("bytype", run, lambda: str(x.bytype))
        one = x & h.iso(head)
        dom = measure("domisize", run, lambda: one.domisize)   # before the tree: a reachability pass
        top = measure("top5", run, lambda: str(x.top(5)))
        d = deepest(name)
        target = measure("locate", run, lambda: x & h.iso(d))
        del d
        sp = measure("sp", run, lambda: str(target.sp))
        extra = check(name, n, expect, x, h, one, dom, target, run == 0)
        if run == 0:
            print(table)
            print(top)
            print(sp[:200] + ("..." if len(sp) > 200 else ""))
            extra.update({"objects": x.count, "dom_tree_s": _internal.snapshot(x).dominators_time})
            emit("EXTRA", extra)
        del x, table, top, one, target, sp
        gc.collect()
    emit("EXTRA", {"checks": "ok"})
    # files last: a step the parent has to stop (--step-timeout) loses nothing else
    if "dump" not in skip:
        path = os.path.join(where, "heapcore-scale-%d.hcsnap" % os.getpid())
        for run in range(repeat):
            x = h.heap()
            table = str(x)
            measure("dump", run, lambda: x.dump(path))
            size = os.path.getsize(path)
            loaded = measure("load", run, lambda: str(load(path)))
            os.unlink(path)
            assert loaded == table, "the loaded table differs"
            if run == 0:
                emit("EXTRA", {"file": size})
            del x, table, loaded
            gc.collect()
            emit("EXTRA", {"file_check": "ok"})


# -- the parent: one child per scenario and size ----------------------------------------------
def proc_status(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def spawn(name, n, repeat, stack_kb, where, timeout, skip):
    """Runs one child; returns {"info", "extra", "steps": {step: [run dicts]}, "killed"}."""
    def limit():
        if stack_kb:
            kb = stack_kb * 1024
            resource.setrlimit(resource.RLIMIT_STACK, (kb, kb))
    cmd = [sys.executable, os.path.abspath(__file__), "--child", name, str(n), str(repeat), where,
           ",".join(skip) or "-"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         preexec_fn=limit)
    lines = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(l) for l in p.stdout] + [lines.put(None)],
                              daemon=True)
    reader.start()
    res = {"info": {}, "extra": {}, "steps": {}, "killed": None}
    current, began = None, time.monotonic()
    while True:
        try:
            line = lines.get(timeout=5)
        except queue.Empty:
            line = ""
        if line is None:
            break
        if line.startswith(TAG):
            kind, _, body = line[len(TAG):].partition(" ")
            obj = json.loads(body)
            if kind == "INFO":
                res["info"] = obj
            elif kind == "EXTRA":
                res["extra"].update(obj)
            elif kind == "BEGIN":
                current, began = obj, time.monotonic()
            elif kind == "STEP":
                res["steps"].setdefault(obj["step"], []).append(obj)
                current = None
        elif line:
            print("    " + line.rstrip("\n"))
        if current is not None and time.monotonic() - began > timeout:
            # a step past the budget: record how far it got, and stop this child (only it)
            res["killed"] = {"step": current["step"], "run": current["run"], "after_s": timeout,
                             "rss": proc_status(p.pid, "VmRSS:"), "hwm": proc_status(p.pid, "VmHWM:")}
            print("    !! %s n=%d: step %s still running after %d s (VmRSS %.0f MB): stopped"
                  % (name, n, current["step"], timeout, res["killed"]["rss"] / 1e6))
            p.kill()
            current = None
    p.wait()
    if p.returncode != 0 and not res["killed"]:
        print("    !! %s n=%d failed: exit status %d" % (name, n, p.returncode))
        res["failed"] = p.returncode
    for step, runs in sorted(res["steps"].items()):
        b = summary(res, step)
        print("    %-9s best %.3f s (first %.3f s, %d runs), peak %s, kept %s" % (
            step, b["s"], b["first_s"], len(runs), mb(b["peak"]), mb(b["kept"])))
    sys.stdout.flush()
    return res


def summary(res, step):
    runs = res["steps"].get(step)
    if not runs:
        return None
    return {"s": min(r["s"] for r in runs), "first_s": runs[0]["s"],
            "peak": max(r["peak"] for r in runs), "kept": max(r["kept"] for r in runs)}


def mb(b):
    return "%.0f MB" % (b / 1e6) if b >= 10e6 else "%.1f MB" % (b / 1e6)


def report(name, small, full):
    """A Markdown table of one scenario: step, 1/10 time, full time, ratio, peak, B/object."""
    per_elem = name == "same-list"
    def objects(r):
        return r["extra"].get("objects") if r else None
    py = (small or full)["info"].get("python", "?")
    lines = ["", "%s, CPython %s: 1/10 scale n = %s (%s objects), full n = %s (%s objects)" % (
        name, py, "{:,}".format(small["info"]["n"]) if small else "—",
        "{:,}".format(objects(small)) if objects(small) else "—",
        "{:,}".format(full["info"]["n"]) if full else "—",
        "{:,}".format(objects(full)) if objects(full) else "—"),
        "",
        "| step | 1/10 time | full time | ratio | heapcore peak (full) | B/object%s |" % (
            " (B/element)" if per_elem else ""),
        "|---|---|---|---|---|---|"]

    def cell(r, step):
        b = summary(r, step) if r else None
        if b:
            return "%.3f s" % b["s"], b
        if r and r["killed"] and r["killed"]["step"] == step:
            return "> %d s (stopped)" % r["killed"]["after_s"], None
        if r and step in ("dump", "load") and "dump" in r.get("skipped", ()):
            return "not run", None
        return "—", None
    for step in STEPS:
        ta, a = cell(small, step)
        tb, b = cell(full, step)
        ratio = "%.1f×" % (b["s"] / a["s"]) if a and b and a["s"] > 0 else ""
        peak, bpo = "—", ""
        if b:
            peak = mb(b["peak"])
            if objects(full):
                bpo = "%.1f" % (b["peak"] / objects(full))
            if per_elem:
                bpo += " (%.2f)" % (b["peak"] / full["info"]["n"])
        elif full and full["killed"] and full["killed"]["step"] == step:
            k = full["killed"]
            peak = "≥ %s (VmHWM %s at stop)" % (mb(max(k["hwm"] - full["info"]["workload_rss"], 0)), mb(k["hwm"]))
        lines.append("| %s | %s | %s | %s | %s | %s |" % (step, ta, tb, ratio, peak, bpo))
    lines.append("")
    for tag, r in (("1/10", small), ("full", full)):
        if not r or not r["info"]:
            continue
        i, e = r["info"], r["extra"]
        bits = ["build %.2f s" % i["build_s"], "gc.collect() %.3f s" % i["gc_s"],
                "workload RSS %s" % mb(i["workload_rss"])]
        if "dom_tree_s" in e:
            bits.append("dominator tree (engine) %.3f s" % e["dom_tree_s"])
        if e.get("sp_hops"):
            bits.append("sp: %s hops, %s chars" % ("{:,}".format(e["sp_hops"]), "{:,}".format(e["sp_chars"])))
        if "file" in e:
            bits.append("file %s (%.1f B/object)" % (mb(e["file"]), e["file"] / e["objects"]))
        tops = [st["before"] + st["peak"] for runs in r["steps"].values() for st in runs if "before" in st]
        if tops:  # the process's own peak: workload, what earlier steps keep, and the step
            bits.append("process peak RSS %s" % mb(max(tops)))
        bits.append("stack limit %s" % ("%d KB" % (i["stack"] // 1024) if i["stack"] > 0 else "unlimited"))
        bits.append("checks %s" % e.get("checks", "FAILED" if r.get("failed") else "not reached"))
        if "file_check" in e:
            bits.append("loaded table = in-process table")
        lines.append("- %s: %s." % (tag, ", ".join(bits)))
    return "\n".join(lines)


def main():
    args = sys.argv[1:]
    if args and args[0] == "--child":
        name, n, repeat, where = args[1], int(args[2]), int(args[3]), args[4]
        child(name, n, repeat, where, args[5].split(","))
        return
    fraction, repeat, stack_kb, where, timeout = 1.0, None, 0, tempfile.gettempdir(), 300
    sizes, skip, out_json = "both", [], None
    names = []
    while args:
        a = args.pop(0)
        if a == "--fraction":
            fraction = float(args.pop(0))
        elif a == "--repeat":
            repeat = int(args.pop(0))
        elif a == "--stack":
            stack_kb = int(args.pop(0))
        elif a == "--dir":
            where = args.pop(0)
        elif a == "--step-timeout":
            timeout = float(args.pop(0))
        elif a == "--sizes":
            sizes = args.pop(0)
        elif a == "--skip":
            skip = args.pop(0).split(",")
        elif a == "--json":
            out_json = args.pop(0)
        elif a in FULL:
            names.append(a)
        else:
            raise SystemExit(__doc__)
    names = names or list(FULL)
    print("CPython %s, stack limit %s" % (sys.version.split()[0], "%d KB" % stack_kb if stack_kb else "as inherited"))
    tables, raw = [], {}
    for name in names:
        n = max(int(FULL[name] * fraction), 10)
        small = full = None
        if sizes in ("both", "tenth"):
            small = spawn(name, n // 10, repeat or 3, stack_kb, where, timeout, skip)
        if sizes in ("both", "full"):
            more = list(skip)
            if small and small["killed"] and small["killed"]["step"] in ("dump", "load"):
                print("    (%s stopped at 1/10 scale: not run at full scale)" % small["killed"]["step"])
                more.append("dump")
            full = spawn(name, n, repeat or 2, stack_kb, where, timeout, more)
            full["skipped"] = more
        raw[name] = {"tenth": small, "full": full}
        tables.append(report(name, small, full))
        if out_json:
            with open(out_json, "w") as f:
                json.dump(raw, f, indent=1)
    print("\n".join(tables))


if __name__ == "__main__":
    main()
