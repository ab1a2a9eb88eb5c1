/* heapcore/py/pycompat_labels.c — the object layouts edge labels need, per CPython version:
 * instance values and their shared keys, frame objects' locals, generators' frames.
 * Declared in pycompat_objects.h (with the small accessors pylabels.c inlines).  Reads only. */
#include "pycompat_objects.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter" /* 3.13's internal headers */
#if HC_PY311
#include "internal/pycore_frame.h"
#include "internal/pycore_object.h" /* _PyObject_InlineValues (3.13) */
#else
#include <frameobject.h>
#endif
#pragma GCC diagnostic pop

/* One labelled referent to cb; a NULL target is skipped. */
static void lbl(hc_py_label_cb cb, void *data, const void *target, unsigned kind, uintptr_t arg)
{
    if (target != NULL)
        cb(data, (uintptr_t)target, kind, arg);
}

PyObject **hc_py_instance_values(PyObject *o, PyTypeObject *tp, Py_ssize_t *n)
{
    *n = 0;
#if HC_PY311
    PyObject **values = NULL;
    Py_ssize_t cap = -1;
    PyDictKeysObject *keys;
    if (!(tp->tp_flags & Py_TPFLAGS_MANAGED_DICT))
        return NULL;
#if HC_PY313
    if (!(tp->tp_flags & Py_TPFLAGS_INLINE_VALUES))
        return NULL;
    {
        PyDictValues *v = _PyObject_InlineValues(o);
        if (!v->valid)
            return NULL;
        values = v->values;
        cap = v->capacity;
    }
#elif HC_PY312
    {
        uintptr_t dorv = ((const uintptr_t *)o)[-3]; /* a PyDictOrValues: low bit set -> values */
        if ((dorv & 1) == 0)
            return NULL;
        values = ((PyDictValues *)(dorv + 1))->values;
    }
#else
    {
        PyDictValues *v = ((PyDictValues **)o)[-4]; /* NULL once the dict is materialised */
        if (v == NULL)
            return NULL;
        values = v->values;
    }
#endif
    keys = ((PyHeapTypeObject *)tp)->ht_cached_keys;
    if (keys == NULL || keys->dk_kind == DICT_KEYS_GENERAL)
        return NULL;
    *n = keys->dk_nentries;
    if (cap >= 0 && *n > cap)
        *n = cap;
    return values;
#else
    (void)o, (void)tp;
    return NULL;
#endif
}

PyObject *hc_py_instance_value_name(PyTypeObject *tp, Py_ssize_t i)
{
#if HC_PY311
    return DK_UNICODE_ENTRIES(((PyHeapTypeObject *)tp)->ht_cached_keys)[i].me_key;
#else
    (void)tp, (void)i;
    return NULL;
#endif
}

void hc_py_frame_object_labels(PyObject *o, hc_py_label_cb cb, void *data)
{
    PyFrameObject *f = (PyFrameObject *)o;
    lbl(cb, data, f->f_back, HC_PY_LBL_FIELD, (uintptr_t) "f_back");
    lbl(cb, data, f->f_trace, HC_PY_LBL_FIELD, (uintptr_t) "f_trace");
#if HC_PY311
    _PyInterpreterFrame *fr = f->f_frame;
    if (fr != NULL && fr->owner == FRAME_OWNED_BY_FRAME_OBJECT)
        hc_py_iframe_labels(fr, 0, cb, data);
#else
    PyCodeObject *co = f->f_code;
    lbl(cb, data, f->f_code, HC_PY_LBL_FIELD, (uintptr_t) "f_code");
    lbl(cb, data, f->f_builtins, HC_PY_LBL_FIELD, (uintptr_t) "f_builtins");
    lbl(cb, data, f->f_globals, HC_PY_LBL_FIELD, (uintptr_t) "f_globals");
    lbl(cb, data, f->f_locals, HC_PY_LBL_FIELD, (uintptr_t) "f_locals");
    if (co != NULL) {
        Py_ssize_t nv = co->co_nlocals, nc = PyTuple_GET_SIZE(co->co_cellvars), nf = PyTuple_GET_SIZE(co->co_freevars),
                   i;
        for (i = 0; i < nv + nc + nf; i++) {
            PyObject *name = i < nv        ? PyTuple_GET_ITEM(co->co_varnames, i)
                             : i < nv + nc ? PyTuple_GET_ITEM(co->co_cellvars, i - nv)
                                           : PyTuple_GET_ITEM(co->co_freevars, i - nv - nc);
            lbl(cb, data, f->f_localsplus[i], HC_PY_LBL_LOCAL, (uintptr_t)name);
        }
        if (f->f_valuestack != NULL)
            for (i = 0; i < f->f_stackdepth; i++)
                lbl(cb, data, f->f_valuestack[i], HC_PY_LBL_STACK, (uintptr_t)i);
    }
#endif
}

void hc_py_gen_labels(PyObject *o, PyTypeObject *tp, hc_py_label_cb cb, void *data)
{
    PyGenObject *g = (PyGenObject *)o;
    lbl(cb, data, g->gi_name, HC_PY_LBL_FIELD, (uintptr_t) "__name__");
    lbl(cb, data, g->gi_qualname, HC_PY_LBL_FIELD, (uintptr_t) "__qualname__");
    const char *code = tp == &PyCoro_Type ? "cr_code" : tp == &PyAsyncGen_Type ? "ag_code" : "gi_code";
#if HC_PY311
    if (g->gi_frame_state < FRAME_CLEARED) {
        unsigned prefix = tp == &PyCoro_Type ? HC_PY_LBL_CORO : tp == &PyAsyncGen_Type ? HC_PY_LBL_AGEN : HC_PY_LBL_GEN;
        hc_py_iframe_labels(g->gi_iframe, prefix, cb, data);
    }
#if !HC_PY312
    lbl(cb, data, g->gi_code, HC_PY_LBL_FIELD, (uintptr_t)code);
#else
    (void)code;
#endif
#else
    lbl(cb, data, g->gi_frame, HC_PY_LBL_FIELD,
        (uintptr_t)(tp == &PyCoro_Type       ? "cr_frame"
                    : tp == &PyAsyncGen_Type ? "ag_frame"
                                             : "gi_frame"));
    lbl(cb, data, g->gi_code, HC_PY_LBL_FIELD, (uintptr_t)code);
#endif
}
