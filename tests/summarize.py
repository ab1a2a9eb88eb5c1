"""Sum the JSON reports of every suite of every build dir into 'N passed, N failed'.

Usage: summarize.py BUILD_DIR[:SUITE]... ; a plain BUILD_DIR stands for its three test suites,
BUILD_DIR:SUITE for its report results-SUITE.json alone (workloads, build).  A missing report
counts one failure, so a crash that prevents a report is never silently a pass."""
import json
import os
import sys

SUITES = ["results-gtest-test_engine.json", "results-gtest-test_embedded.json", "results-py.json"]


def count(path):
    with open(path) as f:
        d = json.load(f)
    if "passed" in d:
        return d["passed"], d["failed"], d.get("skipped", 0)
    passed = failed = skipped = 0
    for suite in d.get("testsuites", []):
        for t in suite.get("testsuite", []):
            if t.get("result") == "SKIPPED" or t.get("status") == "NOTRUN":
                skipped += 1
            elif t.get("failures"):
                failed += 1
            else:
                passed += 1
    return passed, failed, skipped


def main(dirs):
    P = F = S = 0
    for arg in dirs:
        d, _, one = arg.partition(":")
        for s in (["results-%s.json" % one] if one else SUITES):
            path = os.path.join(d, s)
            if not os.path.exists(path):
                print("%s: %s missing (counted as 1 failure)" % (d, s))
                F += 1
                continue
            p, f, sk = count(path)
            print("%s: %s: %d passed, %d failed, %d skipped" % (d, s, p, f, sk))
            P, F, S = P + p, F + f, S + sk
    print("%d passed, %d failed" % (P, F))
    return 1 if F else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
