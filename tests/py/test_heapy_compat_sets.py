"""guppy3 compatibility of heap sets: byprod's wrong answers (3.11's instances with managed
dicts were "<not traced>", and objects only an iso() set holds "<freed since the snapshot>"),
sets of two walks combined by | and ^, and Heapy's set attributes."""
import os
import tempfile
import tracemalloc
import unittest

from heapcore import hpy, _internal

h = hpy()


def table_rows(x):
    return {r[1]: (r[2], r[3]) for r in _internal.rows(x)}


class Plain:
    pass


class ByProd(unittest.TestCase):
    def setUp(self):
        self.was_tracing = tracemalloc.is_tracing()
        if not self.was_tracing:
            tracemalloc.start()

    def tearDown(self):
        if not self.was_tracing:
            tracemalloc.stop()

    def test_instances_of_plain_classes_are_attributed(self):
        objs = [Plain() for _ in range(3)]; line = _line()  # noqa: E702 (the allocating line)
        rows = table_rows(h.iso(*objs).byprod)
        self.assertEqual(rows, {"%s:%d" % (__file__, line): (3, h.iso(*objs).size)}, rows)

    def test_objects_only_the_set_holds_are_live(self):
        objs = [Plain() for _ in range(2)]; line = _line()  # noqa: E702
        x = h.iso(*objs)
        del objs  # x holds them
        rows = table_rows(x.byprod)
        self.assertEqual(list(rows), ["%s:%d" % (__file__, line)])

    def test_a_loaded_file_and_the_empty_set(self):
        x = h.iso(Plain(), [1])
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "s.hcsnap")
            x.dump(path)
            rows = table_rows(h.load(path).byprod)
        self.assertEqual(rows, {"<freed since the snapshot>": (2, x.size)})  # not live here
        self.assertEqual(str(h.Nothing.byprod), "<Nothing>")


def _line():
    import sys
    return sys._getframe(1).f_lineno


if __name__ == "__main__":
    unittest.main()
