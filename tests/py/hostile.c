/* tests/py/hostile.c — _hostile: C extension types that break the rules a heap walker relies
 * on, for test_hostile.py.  Built only for `make check`; never installed.
 *
 *   NullVisit(obj)    gc type whose tp_traverse calls visit(NULL) before visiting obj (it is
 *                     untracked: CPython's own collector would crash on the NULL)
 *   ManyVisits(obj, n) gc type whose tp_traverse visits obj n times
 *   FailingVisit(obj) gc type whose tp_traverse visits obj, then returns -1 (an error)
 *   Opaque(obj)       non-gc type that holds obj strongly and has no tp_traverse
 *   OddSize(n)        var-sized object whose ob_size is set to n (negative, huge, ...) */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyObject_HEAD
    PyObject *obj;
    Py_ssize_t n;
} Holder;

static int holder_init(Holder *self, PyObject *args, PyObject *kw)
{
    (void)kw;
    PyObject *obj = Py_None;
    Py_ssize_t n = 1;
    if (!PyArg_ParseTuple(args, "|On", &obj, &n))
        return -1;
    Py_INCREF(obj);
    Py_XSETREF(self->obj, obj);
    self->n = n;
    return 0;
}

static int holder_clear(Holder *self)
{
    Py_CLEAR(self->obj);
    return 0;
}

static void gc_dealloc(Holder *self)
{
    PyObject_GC_UnTrack(self);
    holder_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static void plain_dealloc(Holder *self)
{
    holder_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int null_visit_traverse(Holder *self, visitproc visit, void *arg)
{
    int r = visit(NULL, arg); /* what Py_VISIT never does, and buggy extensions do */
    if (r)
        return r;
    Py_VISIT(self->obj);
    return 0;
}

static int many_visits_traverse(Holder *self, visitproc visit, void *arg)
{
    for (Py_ssize_t i = 0; i < self->n; i++)
        Py_VISIT(self->obj);
    return 0;
}

static int failing_visit_traverse(Holder *self, visitproc visit, void *arg)
{
    Py_VISIT(self->obj);
    return -1;
}

static PyObject *null_visit_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
    PyObject *o = PyType_GenericNew(tp, args, kw);
    if (o)
        PyObject_GC_UnTrack(o); /* see the header */
    return o;
}

static PyObject *failing_visit_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
    PyObject *o = PyType_GenericNew(tp, args, kw);
    if (o)
        PyObject_GC_UnTrack(o); /* gc.collect() would report the error */
    return o;
}

#define HOLDER_TYPE(var, name, doc_, flags_, traverse_, dealloc_, new_)                                     \
    static PyTypeObject var = {                                                                             \
        PyVarObject_HEAD_INIT(NULL, 0).tp_name = "_hostile." name,                                         \
        .tp_basicsize = sizeof(Holder),                                                                     \
        .tp_flags = Py_TPFLAGS_DEFAULT | (flags_),                                                          \
        .tp_doc = doc_,                                                                                     \
        .tp_traverse = (traverseproc)(traverse_),                                                           \
        .tp_clear = (inquiry)holder_clear,                                                                  \
        .tp_dealloc = (destructor)(dealloc_),                                                               \
        .tp_init = (initproc)holder_init,                                                                   \
        .tp_new = new_,                                                                                     \
    };

HOLDER_TYPE(NullVisit_Type, "NullVisit", "visits NULL", Py_TPFLAGS_HAVE_GC, null_visit_traverse, gc_dealloc,
            null_visit_new)
HOLDER_TYPE(ManyVisits_Type, "ManyVisits", "visits its referent n times", Py_TPFLAGS_HAVE_GC,
            many_visits_traverse, gc_dealloc, PyType_GenericNew)
HOLDER_TYPE(FailingVisit_Type, "FailingVisit", "traverse fails", Py_TPFLAGS_HAVE_GC, failing_visit_traverse,
            gc_dealloc, failing_visit_new)
HOLDER_TYPE(Opaque_Type, "Opaque", "holds a reference it never reports", 0, NULL, plain_dealloc,
            PyType_GenericNew)

/* OddSize: 8 bytes per item, ob_size whatever the caller says (the memory is one item). */
static PyObject *odd_size_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
    (void)kw;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "n", &n))
        return NULL;
    PyVarObject *o = (PyVarObject *)tp->tp_alloc(tp, 1);
    if (o)
        Py_SET_SIZE(o, n);
    return (PyObject *)o;
}

static void odd_size_dealloc(PyObject *o)
{
    Py_SET_SIZE((PyVarObject *)o, 1);
    Py_TYPE(o)->tp_free(o);
}

static PyTypeObject OddSize_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "_hostile.OddSize",
    .tp_basicsize = sizeof(PyVarObject),
    .tp_itemsize = 8,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "ob_size set to anything",
    .tp_dealloc = odd_size_dealloc,
    .tp_new = odd_size_new,
};

static struct PyModuleDef hostile_module = {
    PyModuleDef_HEAD_INIT, "_hostile", "types that break the rules (tests only)", -1, NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__hostile(void)
{
    PyTypeObject *types[] = {&NullVisit_Type, &ManyVisits_Type, &FailingVisit_Type, &Opaque_Type, &OddSize_Type};
    PyObject *m = PyModule_Create(&hostile_module);
    if (!m)
        return NULL;
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        if (PyType_Ready(types[i]) < 0 ||
            PyModule_AddObject(m, strrchr(types[i]->tp_name, '.') + 1, Py_NewRef((PyObject *)types[i])) < 0) {
            Py_DECREF(m);
            return NULL;
        }
    }
    return m;
}
