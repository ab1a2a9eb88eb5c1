/* heapcore/py/pyrefs.c — the referents that tp_traverse does not report: the keys of all-str
 * dict key tables (3.10's private layout included), a heap type's shared keys, code objects'
 * fields, a type's dict, subclasses and names, instance dicts, a coroutine's origin and a
 * running generator's locals, and the type of objects whose traverse skips it.
 *
 * Reads only; must be safe on any live object.  Hot: the walk calls hc_py_extra_refs for
 * every object it records.  See thesis-notes/roots.md. */

#include "pycompat.h"
#include "heapcore/error.h"

#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef Py_GIL_DISABLED
#error "pyrefs.c supports GIL builds of CPython only (free-threaded builds have no gc lists)"
#endif

/* Some internal headers have unused parameters in static inline functions (3.13
 * pycore_object.h): silence that for CPython's headers only. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "internal/pycore_interp.h"
#include "internal/pycore_runtime.h"
#include "internal/pycore_gc.h"
#if HC_PY311
#include "internal/pycore_frame.h"
#include "internal/pycore_dict.h"
#include "internal/pycore_object.h"
#include "internal/pycore_code.h"
#include "internal/pycore_typeobject.h"
#include "internal/pycore_moduleobject.h"
#else
#include <frameobject.h>
#endif
#if HC_PY313
#include "internal/pycore_tstate.h"
#include "internal/pycore_lock.h"
#include "internal/pycore_optimizer.h"
#endif
#pragma GCC diagnostic pop

#include "pyvisit.h"
void hc_py_label_sink(void *data, uintptr_t addr, unsigned flags)
{
    label_ctx *lc = data;
    if (!(flags & HC_PY_REF_DICT_OF))
        lc->cb(lc->data, addr, HC_PY_LBL_NONE, 0);
}

/* ---------------------------------------------------------------------------------------- */
/* Dict key tables                                                                          */

#if !HC_PY311
/* 3.10 key tables are read through the mirror in pycompat.h (hc310_keys, hc310_entries).
 * The general lookup function (lookdict) is file-static; it is the one of any table holding a
 * non-str key, e.g. the interpreter's errno map (int keys), set up at startup. */
void *hc310_lookdict(void)
{
    static void *cached;
    static int tried; /* once, on the GIL holder (hc_py_threads_prepare): helper threads
                         have no thread state to call PyInterpreterState_Get with */
    if (!tried) {
        tried = 1;
        PyInterpreterState *in = PyInterpreterState_Get();
        PyObject *m = in ? in->exc_state.errnomap : NULL;
        if (m != NULL && PyDict_Check(m) && PyDict_GET_SIZE(m) > 0) {
            PyDictObject *d = (PyDictObject *)m;
            hc310_keys *k = (hc310_keys *)d->ma_keys;
            hc310_entry *e = hc310_entries(k);
            Py_ssize_t i;
            for (i = 0; i < k->dk_nentries; i++)
                if (e[i].me_key != NULL && e[i].me_value != NULL && !PyUnicode_CheckExact(e[i].me_key)) {
                    cached = k->dk_lookup;
                    break;
                }
        }
    }
    return cached;
}
#endif

/* Keys of dict d that its tp_traverse does not report (all-str tables). */
static void dict_keys_refs(PyDictObject *d, hc_py_ref_cb cb, void *data)
{
#if HC_PY311
    PyDictKeysObject *k = d->ma_keys;
    PyDictUnicodeEntry *e;
    Py_ssize_t i, n;
    if (k == NULL || k->dk_kind == DICT_KEYS_GENERAL)
        return; /* traverse visits the keys */
    e = DK_UNICODE_ENTRIES(k);
    n = k->dk_nentries;
    for (i = 0; i < n; i++) {
        PyObject *key = e[i].me_key;
        PyObject *val = d->ma_values != NULL ? d->ma_values->values[i] : e[i].me_value;
        if (key != NULL && val != NULL)
            cb(data, (uintptr_t)key, 0);
    }
#else
    hc310_keys *k = (hc310_keys *)d->ma_keys;
    hc310_entry *e;
    void *general = hc310_lookdict();
    Py_ssize_t i, n;
    if (k == NULL)
        return;
    if (d->ma_values == NULL && (general == NULL || k->dk_lookup == general))
        return; /* general table (or unknown): traverse visits the keys */
    e = hc310_entries(k);
    n = k->dk_nentries;
    for (i = 0; i < n; i++) {
        PyObject *key = e[i].me_key;
        PyObject *val = d->ma_values != NULL ? d->ma_values[i] : e[i].me_value;
        if (key != NULL && val != NULL)
            cb(data, (uintptr_t)key, 0);
    }
#endif
}

/* Key strings of a heap type's shared-keys table (not an object; nothing traverses it). */
static void shared_keys_refs(PyDictKeysObject *keys, hc_py_ref_cb cb, void *data)
{
    Py_ssize_t i, n;
    if (keys == NULL)
        return;
#if HC_PY311
    if (keys->dk_kind == DICT_KEYS_GENERAL) {
        PyDictKeyEntry *e = DK_ENTRIES(keys);
        for (i = 0, n = keys->dk_nentries; i < n; i++)
            refl(cb, data, e[i].me_key, HC_PY_LBL_NOTE, (uintptr_t) "shared key");
    } else {
        PyDictUnicodeEntry *e = DK_UNICODE_ENTRIES(keys);
        for (i = 0, n = keys->dk_nentries; i < n; i++)
            refl(cb, data, e[i].me_key, HC_PY_LBL_NOTE, (uintptr_t) "shared key");
    }
#else
    {
        hc310_keys *k = (hc310_keys *)keys;
        hc310_entry *e = hc310_entries(k);
        for (i = 0, n = k->dk_nentries; i < n; i++)
            refl(cb, data, e[i].me_key, HC_PY_LBL_NOTE, (uintptr_t) "shared key");
    }
#endif
}

/* ---------------------------------------------------------------------------------------- */
/* hc_py_extra_refs                                                                          */

static void code_refs(PyCodeObject *co, hc_py_ref_cb cb, void *data)
{
    refl(cb, data, co->co_consts, HC_PY_LBL_FIELD, (uintptr_t) "co_consts");
    refl(cb, data, co->co_names, HC_PY_LBL_FIELD, (uintptr_t) "co_names");
    refl(cb, data, co->co_filename, HC_PY_LBL_FIELD, (uintptr_t) "co_filename");
    refl(cb, data, co->co_name, HC_PY_LBL_FIELD, (uintptr_t) "co_name");
    refl(cb, data, co->co_linetable, HC_PY_LBL_FIELD, (uintptr_t) "co_linetable");
#if HC_PY311
    refl(cb, data, co->co_exceptiontable, HC_PY_LBL_FIELD, (uintptr_t) "co_exceptiontable");
    refl(cb, data, co->co_localsplusnames, HC_PY_LBL_FIELD, (uintptr_t) "co_localsplusnames");
    refl(cb, data, co->co_localspluskinds, HC_PY_LBL_FIELD, (uintptr_t) "co_localspluskinds");
    refl(cb, data, co->co_qualname, HC_PY_LBL_FIELD, (uintptr_t) "co_qualname");
#else
    refl(cb, data, co->co_code, HC_PY_LBL_FIELD, (uintptr_t) "co_code");
    refl(cb, data, co->co_varnames, HC_PY_LBL_FIELD, (uintptr_t) "co_varnames");
    refl(cb, data, co->co_freevars, HC_PY_LBL_FIELD, (uintptr_t) "co_freevars");
    refl(cb, data, co->co_cellvars, HC_PY_LBL_FIELD, (uintptr_t) "co_cellvars");
    /* co_zombieframe: a dead frame kept for reuse (refcount 0): not an object reference */
#endif
#if HC_PY311 && !HC_PY312
    refl(cb, data, co->_co_code, HC_PY_LBL_FIELD, (uintptr_t) "co_code");
#endif
#if HC_PY312
    if (co->_co_cached != NULL) {
        refl(cb, data, co->_co_cached->_co_code, HC_PY_LBL_FIELD, (uintptr_t) "co_code");
        refl(cb, data, co->_co_cached->_co_varnames, HC_PY_LBL_FIELD, (uintptr_t) "co_varnames");
        refl(cb, data, co->_co_cached->_co_cellvars, HC_PY_LBL_FIELD, (uintptr_t) "co_cellvars");
        refl(cb, data, co->_co_cached->_co_freevars, HC_PY_LBL_FIELD, (uintptr_t) "co_freevars");
    }
#endif
#if HC_PY313
    if (co->co_executors != NULL) {
        int i;
        for (i = 0; i < co->co_executors->size; i++)
            ref(cb, data, co->co_executors->executors[i], 0);
    }
#endif
    /* co_weakreflist is the weakref list head (not a strong reference); co_extra is opaque. */
}

static void type_refs(PyTypeObject *t, int is_gc, hc_py_ref_cb cb, void *data)
{
    PyObject *dict = t->tp_dict;
    void *subclasses = t->tp_subclasses;

#if HC_PY312
    if (!(t->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        hc_static_state *st = hc_py_static_type_state(PyInterpreterState_Get(), t);
        if (st != NULL) {
            dict = st->tp_dict;
            subclasses = st->tp_subclasses;
        } else if ((uintptr_t)subclasses <= 4096) {
            subclasses = NULL; /* an index whose state we could not find */
        }
    }
#endif
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
        shared_keys_refs(ht->ht_cached_keys, cb, data);
    }
}

/* The instance __dict__ (not for type objects). */
PyObject *hc_py_instance_dict(PyObject *o, PyTypeObject *tp)
{
#if HC_PY311
    if (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) {
#if HC_PY313
        return (PyObject *)_PyObject_ManagedDictPointer(o)->dict;
#elif HC_PY312
        PyDictOrValues dv = *_PyObject_DictOrValuesPointer(o);
        return _PyDictOrValues_IsValues(dv) ? NULL : dv.dict;
#else
        return *_PyObject_ManagedDictPointer(o);
#endif
    }
#endif
    if (tp->tp_dictoffset != 0) {
        Py_ssize_t off = tp->tp_dictoffset;
        if (off < 0) {
            Py_ssize_t n = Py_SIZE(o);
            if (n < 0)
                n = -n;
            off += (Py_ssize_t)_PyObject_VAR_SIZE(tp, n);
        }
        if (off > 0)
            return *(PyObject **)((char *)o + off);
    }
    return NULL;
}

static void instance_dict_refs(PyObject *o, PyTypeObject *tp, int is_gc, hc_py_ref_cb cb, void *data)
{
    PyObject *d = hc_py_instance_dict(o, tp);
    int traversed = is_gc; /* does tp_traverse report the dict pointer itself? */

#if HC_PY313
    if (d != NULL && (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) && (tp->tp_flags & Py_TPFLAGS_INLINE_VALUES) &&
        _PyObject_InlineValues(o)->valid)
        traversed = 0; /* PyObject_VisitManagedDict visits the values, not the dict */
#endif
    if (d == NULL || !PyDict_Check(d))
        return;
    if (!traversed)
        refl(cb, data, d, HC_PY_LBL_FIELD, (uintptr_t) "__dict__");
    cb(data, (uintptr_t)d, HC_PY_REF_DICT_OF);
}

#if HC_PY311
/* A running generator/coroutine's frame has stacktop == -1, so gen_traverse reports none of
 * its locals; report the bound ones. */
static void gen_running_locals(PyObject *o, hc_py_ref_cb cb, void *data)
{
    PyGenObject *g = (PyGenObject *)o;
    _PyInterpreterFrame *f;
    PyCodeObject *co;
    if (g->gi_frame_state >= FRAME_CLEARED)
        return;
    f = (_PyInterpreterFrame *)g->gi_iframe;
    co = hc_py_frame_code(f);
    if (co == NULL)
        return;
    if (f->stacktop >= co->co_nlocalsplus)
        return; /* traverse saw them all */
    hc_py_frame_localsplus(f, co, f->stacktop < 0 ? 0 : f->stacktop, cb, data);
}
#endif

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
        code_refs((PyCodeObject *)o, cb, data);
    } else if (PyType_FastSubclass(tp, Py_TPFLAGS_TYPE_SUBCLASS)) {
        type_refs((PyTypeObject *)o, is_gc, cb, data);
    }

    if (PyType_FastSubclass(tp, Py_TPFLAGS_DICT_SUBCLASS))
        dict_keys_refs((PyDictObject *)o, cb, data);

    if (tp == &PyCoro_Type) {
#if HC_PY311
        refl(cb, data, ((PyCoroObject *)o)->cr_origin_or_finalizer, HC_PY_LBL_FIELD, (uintptr_t) "cr_origin");
#else
        refl(cb, data, ((PyCoroObject *)o)->cr_origin, HC_PY_LBL_FIELD, (uintptr_t) "cr_origin");
#endif
    }
#if HC_PY311
    if (tp == &PyGen_Type || tp == &PyCoro_Type || tp == &PyAsyncGen_Type)
        gen_running_locals(o, cb, data);
#endif

    if (!PyType_FastSubclass(tp, Py_TPFLAGS_TYPE_SUBCLASS))
        instance_dict_refs(o, tp, is_gc, cb, data);

    /* the type: heap types' traverse visits it (3.9+ rule), nothing else does */
    if (!is_gc || !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE))
        refl(cb, data, tp, HC_PY_LBL_FIELD, (uintptr_t) "__class__");
}

void hc_py_extra_labels(PyObject *o, PyTypeObject *tp, hc_py_label_cb cb, void *data)
{
    label_ctx lc = {cb, data, 0};
    hc_py_extra_refs(o, tp, hc_py_label_sink, &lc);
}
