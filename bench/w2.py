"""W2 (issue 23): a heap that is not W1, to show the walk's gains are not tuned to W1's tree.

    PYTHONPATH=build/py3.11/stage python3.11 bench/w2.py [SCALE] [RUNS]

A program that imports a large part of the stdlib, then holds parsed JSON, a
collections.OrderedDict LRU, sets of tuples, dataclass instances and array.array buffers:
about 3 M objects at SCALE 1 (the default).  Each run (RUNS, default 5, each after a
gc.collect() warm-up) times one gc.collect() and one heap() with its table (str) in this
process, and prints them with their ratio; then min/median/max of the ratio (issue 23's
target: <= 1.5x).
"""
import array
import collections
import dataclasses
import gc
import importlib
import json
import statistics
import sys
import time

STDLIB = ("argparse asyncio base64 bisect calendar collections.abc concurrent.futures configparser contextlib "
          "csv datetime decimal difflib email.message email.parser fractions ftplib getopt gettext glob gzip "
          "hashlib heapq hmac html.parser http.client http.server imaplib inspect ipaddress logging.handlers "
          "mailbox mimetypes multiprocessing operator optparse pathlib pickle pickletools platform plistlib "
          "poplib pprint pydoc queue random re shlex shutil smtplib socketserver sqlite3 statistics string "
          "struct subprocess tarfile tempfile textwrap threading timeit tokenize traceback typing unittest "
          "urllib.parse urllib.request uuid xml.dom.minidom xml.etree.ElementTree zipfile zoneinfo").split()


@dataclasses.dataclass
class Account:
    ident: int
    owner: str
    balance: float
    tags: list


class LRU:
    def __init__(self, capacity):
        self.capacity, self.data = capacity, collections.OrderedDict()

    def put(self, key, value):
        self.data[key] = value
        self.data.move_to_end(key)
        if len(self.data) > self.capacity:
            self.data.popitem(last=False)


def build(scale=1.0):
    """The W2 heap, kept alive by the returned dict (about 3 M objects at scale 1)."""
    mods = []
    for name in STDLIB:
        try:
            mods.append(importlib.import_module(name))
        except ImportError:
            pass
    n = int(100000 * scale)
    doc = json.dumps([{"id": i, "name": "item-%d" % i, "price": i * 0.5, "tags": ["t%d" % (i % 50), "x"],
                       "attrs": {"w": i % 7, "h": i % 11}} for i in range(n)])
    parsed = json.loads(doc)
    lru = LRU(int(150000 * scale))
    for i in range(int(200000 * scale)):
        lru.put(("k", i), [i, str(i)])
    pairs = {(i, i % 97, "p%d" % (i % 1000)) for i in range(int(250000 * scale))}
    accounts = [Account(i, "owner-%d" % i, i * 1.25, [i % 3, i % 5]) for i in range(int(150000 * scale))]
    arrays = [array.array("d", range(i % 64)) for i in range(int(50000 * scale))]
    return {"mods": mods, "parsed": parsed, "lru": lru, "pairs": pairs, "accounts": accounts, "arrays": arrays}


def main(scale=1.0, runs=5):
    from heapcore import hpy
    keep = build(scale)
    h = hpy()
    gc.collect()
    count = h.heap().count
    print("W2 at scale %g: {:,} objects; CPython %s".format(count) % (scale, sys.version.split()[0]))
    ratios = []
    for _ in range(runs):
        gc.collect()
        t = time.perf_counter()
        gc.collect()
        g = time.perf_counter() - t
        t = time.perf_counter()
        str(h.heap())
        w = time.perf_counter() - t
        ratios.append(w / g)
        print("gc.collect() %.3f s, heap() + table %.3f s: %.2fx" % (g, w, w / g))
    print("ratio min %.2f median %.2f max %.2f (target <= 1.5)" % (min(ratios), statistics.median(ratios),
                                                                    max(ratios)))
    del keep


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0, int(sys.argv[2]) if len(sys.argv) > 2 else 5)
