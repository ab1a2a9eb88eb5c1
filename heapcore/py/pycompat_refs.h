/* heapcore/py/pycompat_refs.h — the compat layer for object fields (CPython 3.10–3.13): the
 * dict key tables (3.10's private layout through the mirror in pycompat.h), code objects'
 * fields, an instance's __dict__, a coroutine's origin.  Static inline where the walk calls
 * them per object; the rest in pycompat_refs.c.  Each accessor says which versions differ.
 * Reads only.  Private to heapcore/py/. */
#ifndef HEAPCORE_PY_PYCOMPAT_REFS_H
#define HEAPCORE_PY_PYCOMPAT_REFS_H

#include "pycompat.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter" /* CPython's internal headers */
#if HC_PY311
#include "internal/pycore_dict.h"
#include "internal/pycore_object.h"
#endif
#pragma GCC diagnostic pop

#include "pyvisit.h"

/* Learn, once, what the accessors below read from the live interpreter rather than from a
 * header: 3.10's file-static lookdict (the lookup function of any table with a non-str key,
 * taken from the errno map, set up at startup).  Call on the GIL holder before any helper
 * thread reads a dict (helper threads have no thread state to ask).  3.11+: nothing to learn. */
void hc_py_refs_prepare(void);

#if !HC_PY311
/* 3.10: lookdict's address as hc_py_refs_prepare found it, or NULL (then every table is taken
 * as one traverse visits the keys of). */
void *hc_py_lookdict310(void);
#endif

/* The keys of dict d that its tp_traverse does not report: those of a table whose keys are
 * all str (3.11+: not DICT_KEYS_GENERAL; 3.10: a split table, or one whose lookup function is
 * not lookdict, read through the mirror hc310_keys), each bound key with flags 0.  Hot: every
 * dict the walk records. */
static inline void hc_py_dict_str_keys(PyDictObject *d, hc_py_ref_cb cb, void *data)
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
    void *general = hc_py_lookdict310();
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

/* The __dict__ of instance o of tp (not a type object), or NULL: 3.11+ the managed dict when tp
 * has one (3.12: NULL while the values are not in a dict; 3.13: the materialised dict, or
 * NULL), else the pointer at tp_dictoffset (negative: from the end of a variable-size object).
 * Hot: every object the walk records. */
static inline PyObject *hc_py_object_dict(PyObject *o, PyTypeObject *tp)
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

/* Whether tp_traverse of o (an instance of tp) reports the values of o's managed dict instead
 * of the dict pointer itself: 3.13, when the values are inline and valid
 * (PyObject_VisitManagedDict); never before. */
static inline int hc_py_values_traversed_instead_of_dict(PyObject *o, PyTypeObject *tp)
{
#if HC_PY313
    return (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) && (tp->tp_flags & Py_TPFLAGS_INLINE_VALUES) &&
           _PyObject_InlineValues(o)->valid;
#else
    (void)o;
    (void)tp;
    return 0;
#endif
}

/* Whether instances of tp keep a managed dict (no tp_dictoffset): 3.11+ Py_TPFLAGS_MANAGED_DICT;
 * 3.10 has none. */
static inline int hc_py_type_has_managed_dict(PyTypeObject *tp)
{
#if HC_PY311
    return (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) != 0;
#else
    (void)tp;
    return 0;
#endif
}

/* A long range iterator's objects (Objects/rangeobject.c's longrangeiterobject: not gc, no
 * members, every field after the header an object): index, start, step, len in 3.10–3.11
 * (basic size 48); start, step, len in 3.12+ (40). */
static inline void hc_py_longrangeiter_refs(PyObject *o, hc_py_ref_cb cb, void *data)
{
#if HC_PY312
    static const char *const names[] = {"start", "step", "len"};
#else
    static const char *const names[] = {"index", "start", "step", "len"};
#endif
    PyObject **field = (PyObject **)((char *)o + sizeof(PyObject));
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (sizeof(PyObject) + (i + 1) * sizeof(PyObject *) <= (size_t)Py_TYPE(o)->tp_basicsize)
            refl(cb, data, field[i], HC_PY_LBL_FIELD, (uintptr_t)names[i]);
}

/* The origin of coroutine o (the tuple sys.set_coroutine_origin_tracking_depth records), or
 * NULL.  3.11+: cr_origin_or_finalizer; 3.10: cr_origin. */
static inline PyObject *hc_py_coro_origin(PyObject *o)
{
#if HC_PY311
    return ((PyCoroObject *)o)->cr_origin_or_finalizer;
#else
    return ((PyCoroObject *)o)->cr_origin;
#endif
}

/* pycompat_refs.c -------------------------------------------------------------------------- */

/* The key strings of a heap type's shared-keys table (ht_cached_keys: not an object, nothing
 * traverses it), labelled "shared key".  3.11+: either entry layout; 3.10: the mirror. */
void hc_py_shared_keys(PyDictKeysObject *keys, hc_py_ref_cb cb, void *data);

/* Every object field of code object co, labelled (co_consts, co_names, co_filename, co_name,
 * co_linetable; 3.11+ co_exceptiontable, co_localsplusnames/kinds, co_qualname; 3.10
 * co_code, co_varnames, co_freevars, co_cellvars; the cached co_code (3.11: _co_code; 3.12+:
 * _co_cached's code and names); 3.13's executors).  tp_traverse reports none of them. */
void hc_py_code_fields(PyCodeObject *co, hc_py_ref_cb cb, void *data);

#endif
