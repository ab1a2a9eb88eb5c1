/* heapcore/py/pycompat_refs.c — the object-field accessors of pycompat_refs.h that are too
 * big to inline, and what they learn from the live interpreter.  Reads only. */
#include "pycompat_refs.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter" /* CPython's internal headers */
#include "internal/pycore_interp.h"
#if HC_PY311
#include "internal/pycore_code.h"
#endif
#if HC_PY313
#include "internal/pycore_optimizer.h"
#endif
#pragma GCC diagnostic pop

#if !HC_PY311
/* 3.10 key tables are read through the mirror in pycompat.h (hc310_keys, hc310_entries).
 * The general lookup function (lookdict) is file-static; it is the one of any table holding a
 * non-str key, e.g. the interpreter's errno map (int keys), set up at startup. */
void *hc_py_lookdict310(void)
{
    /* once, on the GIL holder (hc_py_refs_prepare): helper threads have no thread state to
     * call PyInterpreterState_Get with */
    if (!hc_py_state.lookdict310_tried) {
        hc_py_state.lookdict310_tried = 1;
        PyInterpreterState *in = PyInterpreterState_Get();
        PyObject *m = in ? in->exc_state.errnomap : NULL;
        if (m != NULL && PyDict_Check(m) && PyDict_GET_SIZE(m) > 0) {
            PyDictObject *d = (PyDictObject *)m;
            hc310_keys *k = (hc310_keys *)d->ma_keys;
            hc310_entry *e = hc310_entries(k);
            Py_ssize_t i;
            for (i = 0; i < k->dk_nentries; i++)
                if (e[i].me_key != NULL && e[i].me_value != NULL && !PyUnicode_CheckExact(e[i].me_key)) {
                    hc_py_state.lookdict310 = k->dk_lookup;
                    break;
                }
        }
    }
    return hc_py_state.lookdict310;
}
#endif

void hc_py_refs_prepare(void)
{
#if !HC_PY311
    (void)hc_py_lookdict310();
#endif
}

/* The key strings of a heap type's shared-keys table (ht_cached_keys: not an object, nothing
 * traverses it), labelled "shared key".  3.11+: either entry layout; 3.10: the mirror. */
void hc_py_shared_keys(PyDictKeysObject *keys, hc_py_ref_cb cb, void *data)
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

void hc_py_code_fields(PyCodeObject *co, hc_py_ref_cb cb, void *data)
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
