/* heapcore/py/pycompat_sizes.c — the object layouts true sizes need, per CPython version:
 * pre-headers (and the allocation's start tracemalloc keys by), managed values, type dicts, keys tables, code objects, frames and generators.
 * Declared in pycompat_objects.h (with the per-object accessors the walk inlines); the
 * formulas and their checks are in thesis-notes/sizes.md.  Reads only. */
#include "pycompat_objects.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter" /* 3.13's internal headers */
#include "internal/pycore_gc.h"                     /* PyGC_Head */
#include "internal/pycore_code.h"                   /* 3.10: struct _PyOpcache */
#if HC_PY311
#include "internal/pycore_frame.h" /* PyFrameObject, _PyInterpreterFrame */
#else
#include "frameobject.h" /* 3.10: PyFrameObject */
#endif
#if HC_PY313
#include "internal/pycore_tracemalloc.h" /* _PyTraceMalloc_GetTraceback (3.10-3.12: tracemalloc.h) */
#endif
#pragma GCC diagnostic pop

#ifdef Py_GIL_DISABLED
#error "pycompat_sizes.c does not support free-threaded builds (no GC head, different header)"
#endif

uint32_t hc_py_preheader_bytes(PyTypeObject *tp)
{
    uint32_t n = PyType_IS_GC(tp) ? (uint32_t)sizeof(PyGC_Head) : 0;
#if HC_PY312
    if (tp->tp_flags & Py_TPFLAGS_PREHEADER) { /* managed dict and/or managed weakref */
        n += 2 * (uint32_t)sizeof(PyObject *);
    }
#elif HC_PY311
    if (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) { /* dict at -3, values at -4 */
        n += 2 * (uint32_t)sizeof(PyObject *);
    }
#endif
    return n;
}

PyObject *hc_py_alloc_traceback(PyObject *obj)
{
    uintptr_t start = (uintptr_t)obj - hc_py_preheader_bytes(Py_TYPE(obj));
    /* domain 0: the Python allocators' (tracemalloc's DEFAULT_DOMAIN); 3.10-3.13 export it */
    return _PyTraceMalloc_GetTraceback(0, start);
}

int hc_py_type_has_managed_values(PyTypeObject *tp)
{
#if HC_PY313
    return (tp->tp_flags & Py_TPFLAGS_INLINE_VALUES) && (tp->tp_flags & Py_TPFLAGS_HEAPTYPE);
#elif HC_PY311
    return (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) && (tp->tp_flags & Py_TPFLAGS_HEAPTYPE);
#else
    (void)tp;
    return 0;
#endif
}

PyObject *hc_py_type_lookup_dict(PyTypeObject *tp)
{
#if HC_PY312
    if ((tp->tp_flags & _Py_TPFLAGS_STATIC_BUILTIN) && !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        hc_static_state *st = hc_py_static_type_state(PyInterpreterState_Get(), tp);
        return st != NULL ? st->tp_dict : NULL;
    }
#endif
    return tp->tp_dict;
}

uint64_t hc_py_dict_keys_bytes(PyDictKeysObject *keys)
{
#if HC_PY311
    uint64_t size = (uint64_t)1 << keys->dk_log2_size;
    uint64_t es = keys->dk_kind == DICT_KEYS_GENERAL ? sizeof(PyDictKeyEntry) : sizeof(PyDictUnicodeEntry);
    return sizeof(PyDictKeysObject) + ((uint64_t)1 << keys->dk_log2_index_bytes) + ((size << 1) / 3) * es;
#else
    const hc310_keys *k = (const hc310_keys *)keys;
    uint64_t size = (uint64_t)k->dk_size;
    return sizeof(hc310_keys) + hc310_index_width(k->dk_size) * size + ((size << 1) / 3) * sizeof(hc310_entry);
#endif
}

/* co_extra block: _PyCodeObjectExtra {Py_ssize_t ce_size; void *ce_extras[1];} (codeobject.c),
 * all versions. */
static uint64_t code_extra_bytes(const PyCodeObject *co)
{
    const Py_ssize_t *extra = (const Py_ssize_t *)co->co_extra;
    if (extra == NULL) {
        return 0;
    }
    return 2 * sizeof(void *) + ((uint64_t)extra[0] - 1) * sizeof(void *);
}

uint64_t hc_py_code_bytes(PyObject *o, PyTypeObject *tp)
{
    const PyCodeObject *co = (const PyCodeObject *)o;
#if HC_PY311
    /* _PyObject_VAR_SIZE(tp, Py_SIZE(co)): rounded up to a pointer. */
    uint64_t n = (uint64_t)tp->tp_basicsize + (uint64_t)tp->tp_itemsize * hc_py_abs_size(o);
    n = (n + sizeof(void *) - 1) & ~(uint64_t)(sizeof(void *) - 1);
    return n + code_extra_bytes(co);
#else
    uint64_t n = (uint64_t)tp->tp_basicsize;
    if (co->co_cell2arg != NULL && co->co_cellvars != NULL) {
        n += (uint64_t)PyTuple_GET_SIZE(co->co_cellvars) * sizeof(Py_ssize_t);
    }
    n += code_extra_bytes(co);
    if (co->co_opcache != NULL) {
        n += (uint64_t)PyBytes_GET_SIZE(co->co_code) / sizeof(_Py_CODEUNIT);
        n += (uint64_t)co->co_opcache_size * sizeof(_PyOpcache);
    }
    return n;
#endif
}

#if HC_PY311
/* Slots after the _PyInterpreterFrame specials: locals+cells+frees and the value stack. */
static uint64_t frame_slots(PyCodeObject *code)
{
    if (code == NULL || !PyCode_Check(code)) {
        return 0;
    }
#if HC_PY312
    return (uint64_t)_PyFrame_NumSlotsForCodeObject(code);
#else
    return (uint64_t)code->co_nlocalsplus + (uint64_t)code->co_stacksize;
#endif
}

/* The code object an interpreter frame runs: 3.13 f_executable, 3.11/3.12 f_code. */
static PyCodeObject *iframe_code(const _PyInterpreterFrame *f)
{
#if HC_PY313
    return (PyCodeObject *)f->f_executable;
#else
    return f->f_code;
#endif
}
#endif

uint64_t hc_py_frame_bytes(PyObject *o)
{
    PyFrameObject *f = (PyFrameObject *)o;
#if HC_PY311
    return offsetof(PyFrameObject, _f_frame_data) + offsetof(_PyInterpreterFrame, localsplus) +
           frame_slots(iframe_code(f->f_frame)) * sizeof(PyObject *);
#else
    PyCodeObject *code = f->f_code;
    uint64_t extras = (uint64_t)code->co_stacksize + (uint64_t)code->co_nlocals +
                      (uint64_t)PyTuple_GET_SIZE(code->co_cellvars) + (uint64_t)PyTuple_GET_SIZE(code->co_freevars);
    return sizeof(PyFrameObject) + (extras - 1) * sizeof(PyObject *);
#endif
}

uint64_t hc_py_gen_bytes(PyObject *o, PyTypeObject *tp)
{
#if HC_PY311
    PyGenObject *g = (PyGenObject *)o;
    const _PyInterpreterFrame *f = (const _PyInterpreterFrame *)g->gi_iframe;
    (void)tp;
    return offsetof(PyGenObject, gi_iframe) + offsetof(_PyInterpreterFrame, localsplus) +
           frame_slots(iframe_code(f)) * sizeof(PyObject *);
#else
    (void)o;
    return (uint64_t)tp->tp_basicsize;
#endif
}
