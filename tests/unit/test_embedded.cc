// Embedded-interpreter fixture: a real CPython runs in this process; the heapcore package
// (staged in the build tree) walks it.  Checks the adapter on real objects from C.
#include <Python.h>
#include <gtest/gtest.h>

#include <string>

class Embedded : public ::testing::Environment
{
  public:
    void SetUp() override
    {
        PyConfig config;
        PyConfig_InitIsolatedConfig(&config);
        Py_InitializeFromConfig(&config);
        PyConfig_Clear(&config);
        std::string code = std::string("import sys; sys.path.insert(0, '") + STAGE_DIR + "')";
        ASSERT_EQ(PyRun_SimpleString(code.c_str()), 0);
    }
    void TearDown() override { Py_FinalizeEx(); }
};

// Run Python code, then evaluate `expr` in __main__ and return it as a long (-1 on error).
static long eval_long(const char *code, const char *expr)
{
    if (PyRun_SimpleString(code) != 0)
        return -1;
    PyObject *main = PyImport_AddModule("__main__");
    PyObject *globals = PyModule_GetDict(main);
    PyObject *r = PyRun_String(expr, Py_eval_input, globals, globals);
    if (!r) {
        PyErr_Print();
        return -1;
    }
    long v = PyLong_AsLong(r);
    Py_DECREF(r);
    return v;
}

TEST(Embedded, HeapFindsObjectsOfMain)
{
    long n = eval_long("from heapcore import hpy, _engine\n"
                       "class Marker: pass\n"
                       "markers = [Marker() for _ in range(37)]\n"
                       "h = hpy()\n"
                       "x = h.heap()\n",
                       "[r for r in x._partition() if r[1] == '__main__.Marker'][0][2]");
    EXPECT_EQ(n, 37);
}

TEST(Embedded, SnapshotGraphIsValidAndHasNoHiddenLeaks)
{
    EXPECT_EQ(eval_long("s = _engine.snapshot(); s.validate()\n"
                        "hidden_shown = [r for r in h.heap()._partition() if r[1].startswith('heapcore.')]\n",
                        "len(hidden_shown)"),
              0);
}

TEST(Embedded, TypeObjectsAreNodes)
{
    EXPECT_EQ(eval_long("x = h.iso(Marker)\n", "x.count"), 1);
}

int main(int argc, char **argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new Embedded);
    return RUN_ALL_TESTS();
}
