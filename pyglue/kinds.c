/* pyglue/kinds.c — heapcore._engine.Kinds: kinds the caller computed for one snapshot (an
 * hc_kinds: byvia, explicit kinds), and how a set's methods take a classifier.  Holds no heap
 * objects.  Translates only (glue.h). */
#include "glue.h"

PyObject *wrap_kinds(hc_kinds *k, GError **err)
{
    if (!k)
        return set_error(*err);
    KindsObject *o = PyObject_New(KindsObject, &Kinds_Type);
    if (!o) {
        hc_kinds_free(k);
        return NULL;
    }
    o->k = k;
    o->g = hc_kinds_graph(k);
    return (PyObject *)o;
}

/* A classifier argument: a classifier number, or a Kinds object of this set's graph. */
const hc_kinds *kinds_arg(IdSetObject *self, PyObject *arg)
{
    if (PyObject_TypeCheck(arg, &Kinds_Type)) {
        KindsObject *ko = (KindsObject *)arg;
        if (ko->g != hc_idset_graph(self->s)) {
            PyErr_SetString(PyExc_ValueError, "these kinds classify another snapshot");
            return NULL;
        }
        return ko->k;
    }
    int ci = PyLong_AsLong(arg);
    if (ci == -1 && PyErr_Occurred())
        return NULL;
    return snapshot_kinds(self->snap, ci);
}

static void Kinds_dealloc(KindsObject *self)
{
    hc_kinds_free(self->k);
    PyObject_Free(self);
}

PyTypeObject Kinds_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "heapcore._engine.Kinds",
    .tp_basicsize = sizeof(KindsObject),
    .tp_dealloc = (destructor)Kinds_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Kinds computed by the caller for one snapshot (holds no heap objects).",
};
