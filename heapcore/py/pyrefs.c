/* heapcore/py/pyrefs.c — the referents that tp_traverse does not report: the keys of all-str
 * dict key tables (3.10's private layout included), a heap type's shared keys, code objects'
 * fields, a type's dict, subclasses and names, instance dicts, a coroutine's origin and a
 * running generator's locals, the object members of non-gc instances (a range's start, stop
 * and step), a long range iterator's fields, and the type of objects whose traverse skips it.
 *
 * Reads only; must be safe on any live object.  Hot: the walk calls hc_py_extra_refs for
 * every object it records.  See thesis-notes/roots.md. */

#include "pycompat_frames.h"
#include "pycompat_objects.h"
#include "pycompat_refs.h"
#include "pycompat_state.h"

#ifdef Py_GIL_DISABLED
#error "pyrefs.c supports GIL builds of CPython only"
#endif

/* "Labels wanted" (pyvisit.h's refl hands labelled referents to data, a label_ctx, directly):
 * what reaches it here was reported without a label. */
void hc_py_label_sink(void *data, uintptr_t addr, unsigned flags)
{
    label_ctx *lc = data;
    if (!(flags & HC_PY_REF_DICT_OF))
        lc->cb(lc->data, addr, HC_PY_LBL_NONE, 0);
}

/* ---------------------------------------------------------------------------------------- */
/* hc_py_extra_refs                                                                          */

static void type_refs(PyTypeObject *t, int is_gc, hc_py_ref_cb cb, void *data)
{
    PyObject *dict;
    void *subclasses;

    hc_py_type_dict_subclasses(NULL, t, &dict, &subclasses);
    if (!is_gc) {
        /* static type: type_traverse is never called (it would abort), so report what it
         * would: dict, cache, mro, bases, base */
        refl(cb, data, dict, HC_PY_LBL_FIELD, (uintptr_t) "__dict__");
        refl(cb, data, t->tp_cache, HC_PY_LBL_FIELD, (uintptr_t) "__cache__");
        refl(cb, data, t->tp_mro, HC_PY_LBL_FIELD, (uintptr_t) "__mro__");
        refl(cb, data, t->tp_bases, HC_PY_LBL_FIELD, (uintptr_t) "__bases__");
        refl(cb, data, (PyObject *)t->tp_base, HC_PY_LBL_FIELD, (uintptr_t) "__base__");
    }
    if (dict != NULL && PyDict_Check(dict))
        ref(cb, data, dict, HC_PY_REF_DICT_OF);
    if (subclasses != NULL && (uintptr_t)subclasses > 4096 && PyDict_Check((PyObject *)subclasses))
        refl(cb, data, subclasses, HC_PY_LBL_FIELD, (uintptr_t) "__subclasses__()");

    if (t->tp_flags & Py_TPFLAGS_HEAPTYPE) {
        PyHeapTypeObject *ht = (PyHeapTypeObject *)t;
        refl(cb, data, ht->ht_name, HC_PY_LBL_FIELD, (uintptr_t) "__name__");
        refl(cb, data, ht->ht_qualname, HC_PY_LBL_FIELD, (uintptr_t) "__qualname__");
        refl(cb, data, ht->ht_slots, HC_PY_LBL_FIELD, (uintptr_t) "__slots__");
        /* ht_module is visited by type_traverse */
        hc_py_shared_keys(ht->ht_cached_keys, cb, data);
    }
}

/* The instance __dict__ (not for type objects). */
PyObject *hc_py_instance_dict(PyObject *o, PyTypeObject *tp)
{
    return hc_py_object_dict(o, tp);
}

static void instance_dict_refs(PyObject *o, PyTypeObject *tp, int is_gc, hc_py_ref_cb cb, void *data)
{
    PyObject *d = hc_py_object_dict(o, tp);
    int traversed = is_gc; /* does tp_traverse report the dict pointer itself? */

    if (d != NULL && hc_py_values_traversed_instead_of_dict(o, tp))
        traversed = 0;
    if (d == NULL || !PyDict_Check(d))
        return;
    if (!traversed)
        refl(cb, data, d, HC_PY_LBL_FIELD, (uintptr_t) "__dict__");
    cb(data, (uintptr_t)d, HC_PY_REF_DICT_OF);
}

int hc_py_type_has_object_members(PyTypeObject *tp)
{
    long guard = 0;
    for (PyTypeObject *t = tp; t != NULL && guard < 1000; t = t->tp_base, guard++)
        for (PyMemberDef *m = t->tp_members; m != NULL && m->name != NULL; m++)
            if (HC_PY_MEMBER_IS_OBJECT(m))
                return 1;
    return 0;
}

/* The objects in the members of a non-gc instance (a range's start, stop and step): no
 * traverse reports them.  (A gc type's traverse visits its members.) */
static void member_refs(PyObject *o, PyTypeObject *tp, hc_py_ref_cb cb, void *data)
{
    long guard = 0;
    for (PyTypeObject *t = tp; t != NULL && guard < 1000; t = t->tp_base, guard++)
        for (PyMemberDef *m = t->tp_members; m != NULL && m->name != NULL; m++) {
            PyObject **slot = hc_py_member_slot(o, t, m);
            if (slot != NULL)
                refl(cb, data, *slot, HC_PY_LBL_FIELD, (uintptr_t)m->name);
        }
}

void hc_py_extra_refs(PyObject *o, PyTypeObject *tp, hc_py_ref_cb cb, void *data)
{
    int is_gc;
    if (o == NULL || cb == NULL)
        return;
    if (tp == NULL)
        tp = Py_TYPE(o);
    if (tp == NULL)
        return;
    is_gc = PyType_IS_GC(tp) && (tp->tp_is_gc == NULL || tp->tp_is_gc(o));

    if (tp == &PyCode_Type) {
        hc_py_code_fields((PyCodeObject *)o, cb, data);
    } else if (PyType_FastSubclass(tp, Py_TPFLAGS_TYPE_SUBCLASS)) {
        type_refs((PyTypeObject *)o, is_gc, cb, data);
    }

    if (PyType_FastSubclass(tp, Py_TPFLAGS_DICT_SUBCLASS))
        hc_py_dict_str_keys((PyDictObject *)o, cb, data);

    if (tp == &PyCoro_Type)
        refl(cb, data, hc_py_coro_origin(o), HC_PY_LBL_FIELD, (uintptr_t) "cr_origin");
    if (tp == &PyLongRangeIter_Type)
        hc_py_longrangeiter_refs(o, cb, data);
    if (tp == &PyGen_Type || tp == &PyCoro_Type || tp == &PyAsyncGen_Type)
        hc_py_gen_running_locals(o, cb, data);

    if (!PyType_FastSubclass(tp, Py_TPFLAGS_TYPE_SUBCLASS))
        instance_dict_refs(o, tp, is_gc, cb, data);
    if (!is_gc && tp->tp_members != NULL)
        member_refs(o, tp, cb, data);

    /* the type: heap types' traverse visits it (3.9+ rule), nothing else does */
    if (!is_gc || !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE))
        refl(cb, data, tp, HC_PY_LBL_FIELD, (uintptr_t) "__class__");
}

void hc_py_extra_labels(PyObject *o, PyTypeObject *tp, hc_py_label_cb cb, void *data)
{
    label_ctx lc = {cb, data, 0};
    hc_py_extra_refs(o, tp, hc_py_label_sink, &lc);
}
