"""The pytest plugin (heapcore.pytest_plugin): the heapcore_no_leaks marker and
--heapcore-leaks fail a test that leaks, with the report in pytest's failure output, and
pass one that warms a cache, interns a string or grows a list once; the plugin loads with
-p and by its entry point (the staged package's dist-info).  Runs where pytest is installed
for this interpreter (CI: Debian's python3 with python3-pytest); skipped elsewhere."""
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

SAMPLE = textwrap.dedent('''
    import sys
    import pytest

    _registry = []
    _cache = {}
    _grown = []


    class Leaky:
        pass


    @pytest.fixture
    def bucket():
        return []


    @pytest.mark.heapcore_no_leaks(repeat=4, warmup=1)
    def test_leaks():
        _registry.append(Leaky())


    @pytest.mark.heapcore_no_leaks
    def test_warms_a_cache():
        _cache.setdefault("k", [Leaky(), "v"])


    @pytest.mark.heapcore_no_leaks
    def test_interns_once():
        sys.intern("heapcore-pytest-" + "interned")


    @pytest.mark.heapcore_no_leaks
    def test_grows_a_list_once():
        if not _grown:
            _grown.extend(Leaky() for _ in range(50))


    @pytest.mark.heapcore_no_leaks(ignore=[Leaky])
    def test_leaks_but_ignored():
        _registry.append(Leaky())


    @pytest.mark.heapcore_no_leaks
    def test_fixture_grows(bucket):
        bucket.append(Leaky())


    def test_unmarked_leak():
        _registry.append(Leaky())
''')


def have_pytest():
    return subprocess.run([sys.executable, "-c", "import pytest"], capture_output=True).returncode == 0


class PytestPlugin(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not have_pytest():
            raise unittest.SkipTest("pytest is not installed for %s (CI runs this with Debian's python3 "
                                    "and python3-pytest)" % sys.executable)
        cls.dir = tempfile.mkdtemp(prefix="heapcore-pytest-")
        with open(os.path.join(cls.dir, "test_sample.py"), "w") as f:
            f.write(SAMPLE)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def pytest(self, *args, autoload=True):
        env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD",)}
        env.pop("PYTEST_ADDOPTS", None)
        if not autoload:
            env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        else:
            env.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        r = subprocess.run([sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider", "-q"] + list(args)
                           + ["test_sample.py"], cwd=self.dir, capture_output=True, text=True, timeout=600, env=env)
        return r.returncode, r.stdout + r.stderr

    def outcome(self, out, test):
        for line in out.splitlines():
            for word in ("PASSED", "FAILED", "ERROR"):
                if line.startswith(word + " ") and line.split(" ")[1].endswith("::" + test):
                    return word
        return None

    def check_marked(self, out):
        self.assertEqual(self.outcome(out, "test_leaks"), "FAILED", out)
        for test in ("test_warms_a_cache", "test_interns_once", "test_grows_a_list_once", "test_leaks_but_ignored"):
            self.assertEqual(self.outcome(out, test), "PASSED", "%s:\n%s" % (test, out))
        # the report is the failure message: type, bytes per repetition, the holder's named path
        self.assertIn("heapcore: the operation leaks 1 object", out)
        self.assertIn("test_sample.Leaky", out)
        self.assertIn("per repetition", out)
        self.assertIn("4 of them by test_sample._registry (list)", out)
        # a function-scoped fixture is set up once: what the test adds to it each time is counted
        self.assertEqual(self.outcome(out, "test_fixture_grows"), "FAILED", out)

    def test_marker_with_p(self):
        rc, out = self.pytest("-p", "heapcore.pytest_plugin", autoload=False)
        self.assertEqual(rc, 1, out)
        self.check_marked(out)
        self.assertEqual(self.outcome(out, "test_unmarked_leak"), "PASSED", out)  # not checked

    def test_entry_point_loads_the_plugin(self):
        rc, out = self.pytest()
        self.assertEqual(rc, 1, out)
        self.check_marked(out)
        rc, out = self.pytest("-p", "heapcore.pytest_plugin")  # both at once: loaded once
        self.assertEqual(rc, 1, out)
        self.check_marked(out)

    def test_every_test_checked(self):
        rc, out = self.pytest("-p", "heapcore.pytest_plugin", "--heapcore-leaks", "--heapcore-repeat", "3",
                              autoload=False)
        self.assertEqual(rc, 1, out)
        self.assertEqual(self.outcome(out, "test_unmarked_leak"), "FAILED", out)
        self.assertEqual(self.outcome(out, "test_interns_once"), "PASSED", out)

    def test_without_the_plugin_nothing_is_checked(self):
        rc, out = self.pytest(autoload=False)
        self.assertEqual(self.outcome(out, "test_leaks"), "PASSED", out)


if __name__ == "__main__":
    unittest.main()
