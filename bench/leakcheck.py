"""Issue 22's benchmark: the overhead of a leak check on a 1 M-object heap.

    PYTHONPATH=build/py3.11/stage python3.11 bench/leakcheck.py [OBJECTS]

Builds about OBJECTS objects (a third dicts, a third lists, a third ints), then times, best
of three each: one h.heap(); check_leaks(op, repeat=5, warmup=2) around a small operation that
leaks nothing (its overhead: the check's time less seven runs of the operation); the same
around an operation that leaks one object per call (the failure path: five counts, the two
full snapshots, the report).  Prints each, and the ratios to one h.heap() (target: the clean
check's overhead <= 5x).
"""
import sys
import time

from heapcore import hpy
from heapcore.testing import check_leaks


def best(f, n=3):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        out.append(time.perf_counter() - t)
    return min(out)


def main(objects=1000000):
    data = [{"k": i, "v": [i]} for i in range(objects // 3)]
    h = hpy()
    x = h.heap()
    print("objects in the heap: {:,}".format(x.count))
    del x
    heap = best(h.heap)

    def small():
        return sorted(str(i) for i in range(100))
    op = best(small, 20)
    clean = best(lambda: check_leaks(small)) - 7 * op
    kept = []

    def leaky():
        kept.append(object())
    report = check_leaks(leaky)
    assert report, "the leaky operation was not found leaking"
    fail = best(lambda: check_leaks(leaky))
    print("one h.heap(): %.3f s" % heap)
    print("clean check (repeat=5, warmup=2), overhead: %.3f s = %.2fx one h.heap() (target <= 5x)"
          % (clean, clean / heap))
    print("leaking check (the failure, with its report): %.3f s = %.2fx one h.heap()" % (fail, fail / heap))
    del data


if __name__ == "__main__":
    main(*[int(a) for a in sys.argv[1:2]])
