/* pyglue/module.c — heapcore._engine, the module: its init (types ready and hidden, the
 * constants, the test API capsule), the error mapping, and the module functions (taking and
 * loading snapshots, hiding the observer's own, type names, file writes, injection).
 * Translates only (glue.h). */
#include "glue.h"
#include "pylive.h"
#include "pysnapshot.h"
#include "testapi.h"

#include <frameobject.h>

/* ---- errors ------------------------------------------------------------------------------- */

PyObject *set_error(GError *err)
{
    PyObject *exc = PyExc_RuntimeError;
    if (err && err->domain == HC_ERROR) {
        switch ((HcError)err->code) {
        case HC_ERROR_NOMEM:
            exc = PyExc_MemoryError;
            break;
        case HC_ERROR_INVALID:
            exc = PyExc_ValueError;
            break;
        case HC_ERROR_LIMIT:
            exc = PyExc_OverflowError;
            break;
        case HC_ERROR_STATE:
            exc = PyExc_RuntimeError;
            break;
        case HC_ERROR_IO:
            exc = PyExc_OSError;
            break;
        case HC_ERROR_FORMAT:
            exc = PyExc_ValueError;
            break;
        }
    }
    PyErr_SetString(exc, err ? err->message : "heapcore engine error");
    g_clear_error(&err);
    return NULL;
}

/* ---- module functions --------------------------------------------------------------------- */

/* write_file(path, data: bytes): the engine's output rules (outfile.h) for a text output. */
static PyObject *mod_write_file(PyObject *mod, PyObject *args)
{
    (void)mod;
    PyObject *pathb = NULL;
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "O&y*:write_file", PyUnicode_FSConverter, &pathb, &data))
        return NULL;
    GError *err = NULL;
    gboolean ok;
    const char *path = PyBytes_AS_STRING(pathb);
    Py_BEGIN_ALLOW_THREADS
    ok = hc_outfile_write_all(path, data.buf, (size_t)data.len, &err);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&data);
    Py_DECREF(pathb);
    if (!ok)
        return set_error(err);
    Py_RETURN_NONE;
}

/* inject_source(pid, source: bytes, timeout) -> (status, pending_rc, errno, message): queue
 * source in process pid (inject.h); status is one of "started", "queued", "unsupported", "ptrace",
 * "no-symbol", "gone", "stuck", "failed". */
static PyObject *mod_inject_source(PyObject *mod, PyObject *args)
{
    (void)mod;
    int pid;
    Py_buffer src;
    double timeout;
    if (!PyArg_ParseTuple(args, "iy*d:inject_source", &pid, &src, &timeout))
        return NULL;
    if (memchr(src.buf, 0, (size_t)src.len)) {
        PyBuffer_Release(&src);
        PyErr_SetString(PyExc_ValueError, "inject_source: the source holds a NUL byte");
        return NULL;
    }
    char *text = g_strndup(src.buf, (gsize)src.len);
    PyBuffer_Release(&src);
    int rc = -1, os_errno = 0;
    char *message = NULL;
    hc_inject_status st;
    Py_BEGIN_ALLOW_THREADS
    st = hc_inject_source(pid, text, strlen(text), timeout, &rc, &os_errno, &message);
    Py_END_ALLOW_THREADS
    g_free(text);
    static const char *const names[] = {
        [HC_INJECT_QUEUED] = "queued", [HC_INJECT_UNSUPPORTED] = "unsupported",
        [HC_INJECT_PTRACE] = "ptrace", [HC_INJECT_NO_SYMBOL] = "no-symbol",
        [HC_INJECT_GONE] = "gone",     [HC_INJECT_STUCK] = "stuck",
        [HC_INJECT_FAILED] = "failed", [HC_INJECT_STARTED] = "started",
    };
    PyObject *r = Py_BuildValue("(siis)", names[st], rc, os_errno, message ? message : "");
    g_free(message);
    return r;
}

/* load(path) -> (Snapshot, IdSet of the members the file was written for); snapshot.meta */
static PyObject *mod_load(PyObject *mod, PyObject *arg)
{
    (void)mod;
    PyObject *bytes = NULL;
    if (!PyUnicode_FSConverter(arg, &bytes))
        return NULL;
    GError *err = NULL;
    uint32_t *members = NULL, nmembers = 0;
    char **meta = NULL;
    hc_graph *g;
    const char *path = PyBytes_AS_STRING(bytes);
    Py_BEGIN_ALLOW_THREADS
    g = hc_snapfile_read(path, &members, &nmembers, &meta, &err);
    Py_END_ALLOW_THREADS
    Py_DECREF(bytes);
    if (!g)
        return set_error(err);
    PyObject *dict = PyDict_New(), *snap = NULL, *set = NULL, *out = NULL;
    for (char **m = meta; dict && m && m[0] && m[1]; m += 2) {
        PyObject *v = PyUnicode_DecodeUTF8(m[1], (Py_ssize_t)strlen(m[1]), "replace");
        if (!v || PyDict_SetItemString(dict, m[0], v) < 0)
            Py_CLEAR(dict);
        Py_XDECREF(v);
    }
    g_strfreev(meta);
    if (!dict) {
        hc_graph_unref(g);
        hc_free(members);
        return NULL;
    }
    if ((snap = wrap_snapshot(g)) != NULL) { /* it releases g if it fails */
        ((SnapshotObject *)snap)->meta = dict;
        dict = NULL;
        hc_idset *s = hc_idset_new_steal(g, members, nmembers, &err); /* ascending: checked */
        members = NULL;
        set = wrap_set((SnapshotObject *)snap, s, &err);
    }
    hc_free(members);
    if (set)
        out = PyTuple_Pack(2, snap, set);
    Py_XDECREF(snap);
    Py_XDECREF(set);
    Py_XDECREF(dict);
    return out;
}

/* snapshot(extra_roots=None, capture=0) -> Snapshot of the whole heap (pysnapshot.h).
 * METH_FASTCALL: no argument tuple is made, which the walk would find alive (heapcore's own). */
static PyObject *mod_snapshot(PyObject *mod, PyObject *const *args, Py_ssize_t nargs)
{
    (void)mod;
    PyObject *extra_obj = nargs > 0 ? args[0] : NULL, *fast = NULL;
    int capture = 0;
    if (nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "snapshot() takes at most 2 arguments");
        return NULL;
    }
    if (nargs > 1 && (capture = PyLong_AsLong(args[1])) == -1 && PyErr_Occurred())
        return NULL;
    if (extra_obj && extra_obj != Py_None && !(fast = PySequence_Fast(extra_obj, "extra roots must be a sequence")))
        return NULL;
    GError *err = NULL;
    hc_py_born *born;
    hc_graph *g = hc_py_snapshot_take(fast ? PySequence_Fast_ITEMS(fast) : NULL,
                                      fast ? (size_t)PySequence_Fast_GET_SIZE(fast) : 0, capture, &born, &err);
    Py_XDECREF(fast);
    if (!g)
        return err ? set_error(err) : NULL;
    return wrap_live_snapshot(g, born);
}

/* census(extra_roots or None) -> Snapshot of nodes only (no edges): the heap now, for counting by
 * type (pysnapshot.h).  METH_O: no argument tuple alive during the walk. */
static PyObject *mod_census(PyObject *mod, PyObject *extra_obj)
{
    (void)mod;
    PyObject *fast = NULL;
    if (extra_obj != Py_None && !(fast = PySequence_Fast(extra_obj, "extra roots must be a sequence")))
        return NULL;
    GError *err = NULL;
    hc_graph *g = hc_py_census_take(fast ? PySequence_Fast_ITEMS(fast) : NULL,
                                    fast ? (size_t)PySequence_Fast_GET_SIZE(fast) : 0, &err);
    Py_XDECREF(fast);
    if (!g)
        return err ? set_error(err) : NULL;
    return wrap_live_snapshot(g, NULL);
}

/* interpreter_snapshot(id, keep_strings=False) -> Snapshot of subinterpreter `id`'s heap,
 * taken from the main interpreter (pysnapshot.h); like a loaded file's, with meta
 * {"interpreter": id}. */
static PyObject *mod_interpreter_snapshot(PyObject *mod, PyObject *args)
{
    (void)mod;
    long long want;
    int keep = 0;
    if (!PyArg_ParseTuple(args, "L|p", &want, &keep))
        return NULL;
    GError *err = NULL;
    hc_graph *g = hc_py_snapshot_of_interpreter(want, keep, &err);
    if (!g)
        return err ? set_error(err) : NULL;
    PyObject *meta = Py_BuildValue("{s:N}", "interpreter", PyUnicode_FromFormat("%lld", want));
    PyObject *snap = meta ? wrap_snapshot(g) : NULL;
    if (snap)
        ((SnapshotObject *)snap)->meta = meta;
    else if (meta)
        Py_DECREF(meta);
    else
        hc_graph_unref(g);
    return snap;
}

/* tp as a type, or NULL with "fn() takes a type" (TypeError). */
static PyTypeObject *type_arg(PyObject *tp, const char *fn)
{
    if (!PyType_Check(tp)) {
        PyErr_Format(PyExc_TypeError, "%s() takes a type", fn);
        return NULL;
    }
    return (PyTypeObject *)tp;
}

static PyObject *mod_hide_frames_of(PyObject *mod, PyObject *globals)
{
    (void)mod;
    if (hc_py_hide_frames_of(globals) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *mod_is_own_frame(PyObject *mod, PyObject *frame)
{
    (void)mod;
    if (!PyFrame_Check(frame)) {
        PyErr_SetString(PyExc_TypeError, "is_own_frame: a frame expected");
        return NULL;
    }
    return PyBool_FromLong(hc_py_frame_is_own((uintptr_t)frame));
}

static PyObject *mod_hide_type(PyObject *mod, PyObject *tp)
{
    (void)mod;
    if (!type_arg(tp, "hide_type") || hc_py_hide_type((PyTypeObject *)tp) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *mod_type_name(PyObject *mod, PyObject *tp)
{
    (void)mod;
    if (!type_arg(tp, "type_name"))
        return NULL;
    char name[520];
    hc_py_type_name((PyTypeObject *)tp, name, sizeof name);
    return PyUnicode_FromString(name);
}

static PyObject *mod_value_hash(PyObject *mod, PyObject *arg)
{
    (void)mod;
    Py_buffer b;
    if (PyObject_GetBuffer(arg, &b, PyBUF_SIMPLE) < 0)
        return NULL;
    uint64_t h = hc_values_hash(b.buf, (size_t)b.len);
    PyBuffer_Release(&b);
    return PyLong_FromUnsignedLongLong(h);
}

static PyObject *mod_alloc_traceback(PyObject *mod, PyObject *obj)
{
    (void)mod;
    return hc_py_object_traceback(obj);
}

static PyObject *mod_rss(PyObject *mod, PyObject *unused)
{
    (void)mod;
    (void)unused;
    return PyLong_FromLongLong(hc_py_rss());
}

static PyObject *mod_own_memory(PyObject *mod, PyObject *unused)
{
    (void)mod;
    (void)unused;
    return PyLong_FromSize_t(snapshots_memory());
}

/* root_objects() -> [(label, obj)]: what the interpreter holds as roots now (pylive.h). */
static PyObject *mod_root_objects(PyObject *m, PyObject *unused)
{
    (void)m, (void)unused;
    return hc_py_root_objects();
}

/* The test hooks, for tests/py/enginetest.c only (testapi.h). */
static const hc_test_api test_api = {
    .version = HC_TEST_API_VERSION,
    .alloc_fail_at = hc_alloc_fail_at,
    .alloc_live = hc_alloc_live,
    .referents = hc_py_referents,
    .labels = hc_py_labels,
    .label_text = hc_py_label_text,
    .type_is_leaf = hc_py_type_is_leaf,
    .threads_prepare = hc_py_threads_prepare,
    .type_is_threadsafe = hc_py_type_is_threadsafe,
    .labels_type_only = hc_py_labels_type_only,
};

static PyMethodDef module_methods[] = {
    {"write_file", mod_write_file, METH_VARARGS,
     "write_file(path, data): write bytes as the snapshot writers do (a regular file replaced atomically, a symlink followed, a device or FIFO written directly)"},
    {"inject_source", mod_inject_source, METH_VARARGS,
     "inject_source(pid, source, timeout) -> (status, pending_rc, errno, message): queue Python source in another CPython process by ptrace (Linux x86-64)"},
    {"load", mod_load, METH_O,
     "load(path) -> (Snapshot, IdSet of the file's members); the snapshot's meta is the file's META"},
    {"root_objects", mod_root_objects, METH_NOARGS,
     "root_objects() -> [(label, obj)]: what the interpreter holds as roots now"},
    {"dump_fork", (PyCFunction)(void (*)(void))mod_dump_fork, METH_FASTCALL,
     "dump_fork(path, meta, capture, require, forbid, ref=None, status_path=None) -> (pid, fd, fork_s): the heap written by a forked worker, which reports on fd ('ok SECONDS' or 'error CODE MESSAGE')"},
    {"snapshot", (PyCFunction)(void (*)(void))mod_snapshot, METH_FASTCALL,
     "snapshot(extra_roots=None, capture=0) -> Snapshot of the whole heap; capture 1: with edge labels and string hashes read at once (for a file), 2: and string contents"},
    {"census", mod_census, METH_O,
     "census(extra_roots) -> Snapshot of the heap's nodes only (types, sizes, flags; no edges): for counting by type"},
    {"hide_type", mod_hide_type, METH_O, "hide_type(cls): instances of cls are the observer's own"},
    {"interpreter_snapshot", mod_interpreter_snapshot, METH_VARARGS,
     "interpreter_snapshot(id, keep_strings=False): a subinterpreter's heap, taken from the main one (like a loaded file)"},
    {"hide_frames_of", mod_hide_frames_of, METH_O,
     "hide_frames_of(globals()): frames running this module's code are the observer's own"},
    {"is_own_frame", mod_is_own_frame, METH_O,
     "is_own_frame(frame): does it run code of a module given to hide_frames_of"},
    {"type_name", mod_type_name, METH_O, "type_name(cls) -> cls's name as snapshots give it (no Python code runs)"},
    {"value_hash", mod_value_hash, METH_O,
     "value_hash(bytes) -> the 64-bit hash a snapshot keeps of a string's or bytes' contents"},
    {"alloc_traceback", mod_alloc_traceback, METH_O,
     "alloc_traceback(obj) -> tracemalloc's raw frames ((file, line), most recent first) of obj's allocation, "
     "or None"},
    {"rss", mod_rss, METH_NOARGS, "resident set size of this process in bytes"},
    {"own_memory", mod_own_memory, METH_NOARGS,
     "own_memory() -> bytes of engine memory the snapshots alive hold (graphs, caches, trackers)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "heapcore._engine", "The heapcore engine (C).", -1, module_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__engine(void)
{
    if (PyType_Ready(&Snapshot_Type) < 0 || PyType_Ready(&IdSet_Type) < 0 || PyType_Ready(&Kinds_Type) < 0)
        return NULL;
    if (hc_py_model_init() < 0)
        return NULL;
    if (hc_py_hide_type(&Snapshot_Type) < 0 || hc_py_hide_type(&IdSet_Type) < 0 || hc_py_hide_type(&Kinds_Type) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module_def);
    if (!m)
        return NULL;
    Py_INCREF(&Snapshot_Type);
    Py_INCREF(&IdSet_Type);
    if (PyModule_AddObject(m, "Snapshot", (PyObject *)&Snapshot_Type) < 0 ||
        PyModule_AddObject(m, "IdSet", (PyObject *)&IdSet_Type) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    PyObject *api = PyCapsule_New((void *)&test_api, HC_TEST_API_CAPSULE, NULL);
    if (!api || PyModule_AddObject(m, "_test_api", api) < 0) {
        Py_XDECREF(api);
        Py_DECREF(m);
        return NULL;
    }
    PyModule_AddIntConstant(m, "NODE_ROOT", HC_NODE_ROOT);
    PyModule_AddIntConstant(m, "NODE_COMPLEMENT", HC_NODE_COMPLEMENT);
    PyModule_AddIntConstant(m, "NODE_UNREACH", HC_NODE_UNREACH);
    PyModule_AddIntConstant(m, "NODE_HIDDEN", HC_NODE_HIDDEN);
    PyModule_AddIntConstant(m, "NODE_VIRTUAL", HC_NODE_VIRTUAL);
    PyModule_AddIntConstant(m, "NODE_SIZECALL", HC_NODE_SIZECALL);
    PyModule_AddIntConstant(m, "BY_TYPE", HC_BY_TYPE);
    PyModule_AddIntConstant(m, "BY_CLODO", HC_BY_CLODO);
    PyModule_AddIntConstant(m, "BY_RCS", HC_BY_RCS);
    PyModule_AddIntConstant(m, "BY_SIZE", HC_BY_SIZE);
    PyModule_AddIntConstant(m, "BY_UNITY", HC_BY_UNITY);
    PyModule_AddIntConstant(m, "BY_MODULE", HC_BY_MODULE);
    PyModule_AddIntConstant(m, "OP_OR", HC_SET_OR);
    PyModule_AddIntConstant(m, "OP_AND", HC_SET_AND);
    PyModule_AddIntConstant(m, "OP_SUB", HC_SET_SUB);
    PyModule_AddIntConstant(m, "OP_XOR", HC_SET_XOR);
    /* VIA_FAMILIES: the grouped label of each index family, by bit ("[*]", ...; None: none) */
    hc_labeller lab;
    hc_py_labeller(&lab);
    PyObject *fam = PyTuple_New(HC_INDEX_FAMILIES);
    for (uint32_t f = 0; fam && f < HC_INDEX_FAMILIES; f++) {
        GString *t = g_string_new(NULL);
        PyObject *item = hc_via_family_text(&lab, f, t) ? PyUnicode_FromString(t->str) : Py_NewRef(Py_None);
        g_string_free(t, TRUE);
        if (!item)
            Py_CLEAR(fam);
        else
            PyTuple_SET_ITEM(fam, f, item);
    }
    if (!fam || PyModule_AddObject(m, "VIA_FAMILIES", fam) < 0) {
        Py_XDECREF(fam);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
