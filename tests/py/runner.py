"""Run tests/py with unittest and write {"passed", "failed", "skipped"} to a JSON file.
    runner.py START OUT [PATTERN]   (PATTERN: the test modules, test_*.py by default)"""
import json
import sys
import unittest


def main(start, out, pattern="test_*.py"):
    suite = unittest.defaultTestLoader.discover(start, pattern=pattern, top_level_dir=start)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    with open(out, "w") as f:
        json.dump({"passed": passed, "failed": failed, "skipped": skipped}, f)
    return 0 if failed == 0 and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
