/* tests/py/enginetest.c — _enginetest: the test hooks of heapcore._engine, built for the tests
 * only.  Links nothing of heapcore: it takes the functions of the _engine loaded in this process
 * from its capsule (pyglue/testapi.h), so each hook reaches the real engine (its allocation
 * counter, its model), and wraps them as Python functions. */
#include "testapi.h"

#include <glib.h>

static const hc_test_api *api;

/* tp as a type, or NULL with "fn() takes a type" (TypeError). */
static PyTypeObject *type_arg(PyObject *tp, const char *fn)
{
    if (!PyType_Check(tp)) {
        PyErr_Format(PyExc_TypeError, "%s() takes a type", fn);
        return NULL;
    }
    return (PyTypeObject *)tp;
}

static PyObject *alloc_fail_at(PyObject *mod, PyObject *arg)
{
    (void)mod;
    unsigned long n = PyLong_AsUnsignedLong(arg);
    if (n == (unsigned long)-1 && PyErr_Occurred())
        return NULL;
    return PyLong_FromUnsignedLong(api->alloc_fail_at(n));
}

static PyObject *alloc_live(PyObject *mod, PyObject *unused)
{
    (void)mod, (void)unused;
    return PyLong_FromLong(api->alloc_live());
}

static PyObject *referents(PyObject *mod, PyObject *obj)
{
    (void)mod;
    return api->referents(obj);
}

static PyObject *is_leaf_type(PyObject *mod, PyObject *tp)
{
    (void)mod;
    if (!type_arg(tp, "is_leaf_type"))
        return NULL;
    return PyBool_FromLong(api->type_is_leaf((PyTypeObject *)tp));
}

static PyObject *is_threadsafe_type(PyObject *mod, PyObject *tp)
{
    (void)mod;
    if (!type_arg(tp, "is_threadsafe_type"))
        return NULL;
    api->threads_prepare();
    return PyBool_FromLong(api->type_is_threadsafe((PyTypeObject *)tp));
}

/* labels(obj) -> [(address, label)]: obj's referents with their edge labels. */
typedef struct {
    GArray *addr, *kind, *arg;
} label_list;

static void collect_label(void *data, uintptr_t target, unsigned kind, uintptr_t arg)
{
    label_list *l = data;
    g_array_append_val(l->addr, target);
    g_array_append_val(l->kind, kind);
    g_array_append_val(l->arg, arg);
}

static PyObject *labels(PyObject *m, PyObject *obj)
{
    (void)m;
    /* collect first, make the Python objects after: nothing is created while obj is read */
    label_list l = {g_array_new(FALSE, FALSE, sizeof(uintptr_t)), g_array_new(FALSE, FALSE, sizeof(unsigned)),
                    g_array_new(FALSE, FALSE, sizeof(uintptr_t))};
    api->labels((uintptr_t)obj, collect_label, &l);
    GPtrArray *texts = g_ptr_array_new_with_free_func(g_free);
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < l.addr->len; i++) {
        g_string_truncate(s, 0);
        api->label_text(g_array_index(l.kind, unsigned, i), g_array_index(l.arg, uintptr_t, i), s);
        g_ptr_array_add(texts, g_strdup(s->str));
    }
    g_string_free(s, TRUE);
    PyObject *out = PyList_New(l.addr->len);
    for (guint i = 0; out && i < l.addr->len; i++) {
        PyObject *t = Py_BuildValue("(Ks)", (unsigned long long)g_array_index(l.addr, uintptr_t, i),
                                    (char *)g_ptr_array_index(texts, i));
        if (!t)
            Py_CLEAR(out);
        else
            PyList_SET_ITEM(out, i, t);
    }
    g_ptr_array_free(texts, TRUE);
    g_array_free(l.addr, TRUE);
    g_array_free(l.kind, TRUE);
    g_array_free(l.arg, TRUE);
    return out;
}

/* type_only_label(tp) -> the label byvia gives tp's instances' edge to tp without reading
 * them, or None if it reads them. */
static PyObject *type_only_label(PyObject *m, PyObject *tp)
{
    (void)m;
    if (!PyType_Check(tp)) {
        PyErr_SetString(PyExc_TypeError, "type_only_label() wants a type");
        return NULL;
    }
    unsigned kind;
    uintptr_t arg;
    if (!api->labels_type_only((PyTypeObject *)tp, &kind, &arg))
        Py_RETURN_NONE;
    GString *s = g_string_new(NULL);
    api->label_text(kind, arg, s);
    PyObject *out = PyUnicode_FromString(s->str);
    g_string_free(s, TRUE);
    return out;
}

static PyMethodDef methods[] = {
    {"alloc_fail_at", alloc_fail_at, METH_O,
     "alloc_fail_at(n) -> engine allocations since the last call; fail the nth from now (0: never)"},
    {"alloc_live", alloc_live, METH_NOARGS, "engine allocations not yet freed"},
    {"referents", referents, METH_O, "referents(obj) -> addresses the walk records as obj's edges"},
    {"labels", labels, METH_O,
     "labels(obj) -> [(address, label)]: obj's referents with the labels byvia and paths use"},
    {"type_only_label", type_only_label, METH_O,
     "type_only_label(tp) -> the label byvia gives tp's instances without reading them, or None"},
    {"is_leaf_type", is_leaf_type, METH_O,
     "is_leaf_type(tp) -> whether the walk skips tp's instances in its second pass"},
    {"is_threadsafe_type", is_threadsafe_type, METH_O,
     "is_threadsafe_type(tp) -> whether the walk's second pass may record tp's instances on its helper thread"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "_enginetest",
    "heapcore._engine's test hooks (tests only).",
    -1,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC PyInit__enginetest(void)
{
    api = PyCapsule_Import(HC_TEST_API_CAPSULE, 0);
    if (!api)
        return NULL;
    if (api->version != HC_TEST_API_VERSION) {
        PyErr_Format(PyExc_ImportError, "_enginetest: heapcore._engine's test API is version %u, not %u", api->version,
                     HC_TEST_API_VERSION);
        return NULL;
    }
    return PyModule_Create(&module_def);
}
