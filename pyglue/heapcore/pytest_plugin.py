"""pytest plugin: heapcore's leak checks (heapcore.testing) on pytest tests.

    pytest -p heapcore.pytest_plugin --heapcore-leaks      # check every test
    pytest -p heapcore.pytest_plugin                       # only tests marked:

    @pytest.mark.heapcore_no_leaks(repeat=5, warmup=2, ignore=["dict"], ignore_modules=["re"],
                                   threshold=0)
    def test_parse(): ...

Where heapcore is installed (its dist-info holds the entry point), pytest loads the plugin
by itself and ``-p heapcore.pytest_plugin`` is not needed.  A checked test's function is
called warmup + repeat times with the same fixture values (function-scoped fixtures are set
up once: what a test adds to one each time is counted); a test that leaks fails with the
report as its failure message (no traceback: the report says where).  Async tests (left to
their own plugins) and unittest.TestCase tests (use ``@heapcore.testing.no_leaks`` on them)
are not checked.
"""
import inspect

import pytest

from . import testing
from ._internal import hide

MARKER = "heapcore_no_leaks"


def pytest_addoption(parser):
    group = parser.getgroup("heapcore", "heapcore leak checks")
    group.addoption("--heapcore-leaks", action="store_true", default=False,
                    help="check every test for leaks: a test that leaves objects behind on every "
                         "repetition fails (heapcore.testing)")
    group.addoption("--heapcore-repeat", type=int, default=5, metavar="N",
                    help="repetitions counted per checked test (default 5)")
    group.addoption("--heapcore-warmup", type=int, default=2, metavar="N",
                    help="runs before the counted ones (default 2)")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", MARKER + "(repeat=5, warmup=2, ignore=(), ignore_modules=(), threshold=0): fail the test "
        "if it leaves objects behind on every repetition (heapcore.testing)")


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    __tracebackhide__ = True
    marker = pyfuncitem.get_closest_marker(MARKER)
    config = pyfuncitem.config
    if marker is None and not config.getoption("heapcore_leaks"):
        return None
    func = pyfuncitem.obj
    if inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func):
        return None
    options = {"repeat": config.getoption("heapcore_repeat"), "warmup": config.getoption("heapcore_warmup")}
    if marker is not None:
        if marker.args:
            raise TypeError("@pytest.mark.%s takes keyword arguments only" % MARKER)
        options.update(marker.kwargs)
    funcargs = pyfuncitem.funcargs
    testargs = {name: funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    report = testing.check_leaks(lambda: func(**testargs), **options)
    if report:
        pytest.fail(str(report), pytrace=False)  # the report is the whole failure
    return True


hide(globals())
