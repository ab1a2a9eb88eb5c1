/* heapcore/py/pycompat_objects.h — object layouts behind accessors: what true sizes
 * (pysize.c) and edge labels (pylabels.c) need to read inside CPython 3.10–3.13 objects.
 *
 * Each accessor is one operation in CPython's terms, with the versions each branch covers.
 * The ones sizes call per object in the walk's hot loop are static inline here; the rest live
 * in pycompat_sizes.c and pycompat_labels.c.  Like everything in the adapter, they only read:
 * no Python code, no object created, freed or INCREF'd.  (Kept apart from pycompat.h, which
 * holds what several adapter files share, so that the internal headers below reach only the
 * files that need them.) */
#ifndef HEAPCORE_PY_PYCOMPAT_OBJECTS_H
#define HEAPCORE_PY_PYCOMPAT_OBJECTS_H

#include "pycompat.h"

#include <stddef.h>
#include <structmember.h> /* PyMemberDef (3.10 declares it there) */

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter" /* 3.13's internal headers */
#if HC_PY311
#include "internal/pycore_dict.h" /* PyDictKeysObject, PyDictValues, DK_*ENTRIES */
#else
#include <frameobject.h> /* 3.10: PyFrameObject, PyFrame_Type */
#endif
#if HC_PY312
#include "internal/pycore_long.h" /* _PyLong_DigitCount */
#endif
#if HC_PY313
#include "internal/pycore_setobject.h" /* _PySet_Dummy */
#endif
#pragma GCC diagnostic pop

/* ---- sizes: per type (pycompat_sizes.c) ------------------------------------------------- */

/* Bytes CPython allocates before an instance of tp: the GC head if tp is gc, plus 3.11's
 * managed-dict pair (dict at -3, values at -4) or 3.12+'s pre-header (managed dict and/or
 * weakref); _PyType_PreHeaderSize. */
uint32_t hc_py_preheader_bytes(PyTypeObject *tp);

/* The allocation traceback tracemalloc recorded for obj's memory block, as tracemalloc's raw
 * frames ((filename, lineno), most recent first), or None if it has none; NULL + exception on
 * failure.  The block starts hc_py_preheader_bytes before obj: 3.11's own
 * tracemalloc.get_object_traceback looks only a GC head back, so it misses every instance
 * with a managed dict (3.12 fixed it).  The lookup takes tracemalloc's lock; no Python code
 * runs. */
PyObject *hc_py_alloc_traceback(PyObject *obj);

/* Whether instances of tp keep attribute values in a block their __sizeof__ does not count:
 * 3.13 inline values (Py_TPFLAGS_INLINE_VALUES), 3.11/3.12 the managed dict's separate values
 * array (Py_TPFLAGS_MANAGED_DICT), heap types only.  3.10: never.  The bytes are
 * hc_py_managed_values_bytes. */
int hc_py_type_has_managed_values(PyTypeObject *tp);

/* The dict _PyType_Lookup reads for tp (typeobject.c's lookup_tp_dict), borrowed, or NULL.
 * 3.12+ keep a static builtin type's dict in the interpreter's type state (tp_dict NULL),
 * found by hc_py_static_type_state; 3.10/3.11 and heap types: tp_dict. */
PyObject *hc_py_type_lookup_dict(PyTypeObject *tp);

/* Bytes a dict keys table occupies (_PyDict_KeysSize, exported in none of the versions):
 * 3.11+ header + 2^dk_log2_index_bytes indices + 2/3 of 2^dk_log2_size entries of the kind's
 * size; 3.10 the same on its private layout (hc310_keys). */
uint64_t hc_py_dict_keys_bytes(PyDictKeysObject *keys);

/* ---- sizes: per object (pycompat_sizes.c; few such objects) ----------------------------- */

/* code.__sizeof__ of co (type tp), plus what it leaves out and CPython allocated for it:
 * 3.11+ the object with its inline bytecode (_PyObject_VAR_SIZE) + the co_extra block; 3.10
 * the object + cell2arg + co_extra + the opcache. */
uint64_t hc_py_code_bytes(PyObject *co, PyTypeObject *tp);

/* frame.__sizeof__: 3.11+ the frame object up to its embedded _PyInterpreterFrame's slots
 * (locals, cells, frees, the value stack of its code); 3.10 the frame with its extras. */
uint64_t hc_py_frame_bytes(PyObject *f);

/* gen_sizeof (3.11+; generators, coroutines and async generators share the head): the object
 * with its embedded frame's slots.  3.10 has no such method (generators use
 * object.__sizeof__, so hc_py_size never asks): tp_basicsize. */
uint64_t hc_py_gen_bytes(PyObject *g, PyTypeObject *tp);

/* ---- sizes: per object, inline (the walk's hot loop) ------------------------------------ */

/* |ob_size|, at most 2^48 (no real object has more items; a nonsense ob_size, even
 * PY_SSIZE_T_MIN, must not overflow what it is multiplied by).  All versions. */
static inline uint64_t hc_py_abs_size(PyObject *o)
{
    Py_ssize_t n = Py_SIZE(o);
    uint64_t a = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
    return a < (1ull << 48) ? a : (1ull << 48);
}

/* Digits of int o: 3.12+ from lv_tag (_PyLong_DigitCount), before |ob_size|. */
static inline uint64_t hc_py_long_digit_count(PyObject *o)
{
#if HC_PY312
    return (uint64_t)_PyLong_DigitCount((PyLongObject *)o);
#else
    return hc_py_abs_size(o);
#endif
}

/* The fewest digits an int is allocated with: 3.11+ 1 (zero too has a digit, and
 * _PyLong_FromMedium requests sizeof(PyLongObject) for any one-digit int); 3.10 0. */
#if HC_PY311
#define HC_PY_LONG_MIN_DIGITS 1u
#else
#define HC_PY_LONG_MIN_DIGITS 0u
#endif

/* Offset of an int's digits: 3.12+ long_value.ob_digit, before ob_digit. */
#if HC_PY312
#define HC_PY_LONG_DIGITS_OFFSET offsetof(PyLongObject, long_value.ob_digit)
#else
#define HC_PY_LONG_DIGITS_OFFSET offsetof(PyLongObject, ob_digit)
#endif

/* Bytes of str s's separate wchar_t cache (_PyUnicode_HAS_WSTR_MEMORY: wstr present and not
 * shared with the characters at data, or s not ready), as unicode__sizeof__ counts them:
 * 3.10/3.11.  3.12+ have no wstr: 0. */
static inline uint64_t hc_py_str_wstr_bytes(PyObject *s, const void *data)
{
#if HC_PY312
    (void)s, (void)data;
    return 0;
#else
    const PyASCIIObject *a = (const PyASCIIObject *)s;
    if (a->wstr == NULL || (a->state.ready && (const void *)a->wstr == data)) {
        return 0;
    }
    uint64_t wlen = a->state.compact && a->state.ascii ? (uint64_t)a->length
                                                       : (uint64_t)((const PyCompactUnicodeObject *)s)->wstr_length;
    return (wlen + 1) * sizeof(wchar_t);
#endif
}

#if HC_PY311 && !HC_PY313
/* 3.11/3.12 new_values(n): one PyMem_Malloc of prefix + 8n, prefix = round_up(n+2, 8) stored
 * in the byte before the values; n was the type's shared_keys_usable_size (dk_nentries +
 * dk_usable) at creation, which is not stored.  That sum only shrinks (each new instance
 * decrements dk_usable while it is > 1), so today's value is a lower bound; the prefix bounds
 * n to [prefix-9, prefix-2].  Take today's value clamped into that range. */
static inline uint64_t hc_py_separate_values_bytes(const void *values, PyDictKeysObject *keys)
{
    unsigned prefix = ((const uint8_t *)values)[-1];
    int64_t n = keys ? (int64_t)keys->dk_nentries + (int64_t)keys->dk_usable : -1;
    if (prefix >= 8 && prefix % 8 == 0) {
        int64_t lo = (int64_t)prefix - 9, hi = (int64_t)prefix - 2;
        if (lo < 1) {
            lo = 1;
        }
        if (n < lo) {
            n = n < 0 ? hi : lo;
        } else if (n > hi) {
            n = hi;
        }
        return prefix + 8 * (uint64_t)n;
    }
    if (n <= 0) {
        return 0; /* corrupt prefix and no keys: count nothing rather than guess */
    }
    return (((uint64_t)n + 2 + 7) & ~(uint64_t)7) + 8 * (uint64_t)n;
}
#endif

/* Bytes of instance o's attribute values that its __sizeof__ does not count, for a type tp
 * with hc_py_type_has_managed_values.  3.10: 0. */
static inline uint64_t hc_py_managed_values_bytes(PyObject *o, PyTypeObject *tp)
{
#if HC_PY313
    /* Inline values right after the PyObject header: PyDictValues{capacity,size,embedded,valid}
     * + values[capacity] + the insertion-order bytes, _PyInlineValuesSize = round_up(n, 8) +
     * 8(n+1).  The allocation used n = shared_keys_usable_size() *before*
     * _PyObject_InitInlineValues decremented dk_usable, so n = capacity + 1 whenever that
     * decrement happened (dk_usable was > 1).  It certainly did if the keys' usable size is
     * now smaller than the capacity, or dk_usable is still > 1.  Otherwise (usable size frozen
     * at the capacity) n = capacity, except for the one instance that made the last decrement,
     * which is undercounted by 8 or 16 bytes. */
    const PyDictValues *v = (const PyDictValues *)((const char *)o + sizeof(PyObject));
    uint64_t n = v->capacity;
    PyDictKeysObject *keys = ((PyHeapTypeObject *)tp)->ht_cached_keys;
    if (keys != NULL) {
        uint64_t now = (uint64_t)(keys->dk_nentries + keys->dk_usable);
        if (n > now || keys->dk_usable > 1) {
            n += 1;
        }
    }
    return ((n + 7) & ~(uint64_t)7) + 8 * (n + 1);
#elif HC_PY312
    /* Word -3 is a PyDictOrValues: low bit set -> values at (word + 1), else a dict or NULL. */
    uintptr_t dorv = ((const uintptr_t *)o)[-3];
    if ((dorv & 1) == 0) {
        return 0;
    }
    return hc_py_separate_values_bytes((const void *)(dorv + 1), ((PyHeapTypeObject *)tp)->ht_cached_keys);
#elif HC_PY311
    /* Word -4 is the values pointer, NULL once the dict (word -3) has been materialised. */
    const void *values = ((void *const *)o)[-4];
    return values ? hc_py_separate_values_bytes(values, ((PyHeapTypeObject *)tp)->ht_cached_keys) : 0;
#else
    (void)o;
    (void)tp;
    return 0;
#endif
}

/* dict.__sizeof__ of d (_PyDict_SizeOf, exported in 3.10–3.13, only reads the dict), with a
 * split table's values counted as allocated.  _PyDict_SizeOf adds 8 * the keys' usable size
 * *now* for them (3.11+); that is replaced by the values block: 3.11/3.12 prefix + 8n
 * (new_values), 3.13 (capacity+1)*8 + round_up(capacity, 8) (values_size_from_count), or
 * nothing when the 3.13 values are embedded in the owning instance (counted there by
 * hc_py_managed_values_bytes).  3.10: _PyDict_SizeOf as it is. */
static inline uint64_t hc_py_dict_bytes(PyObject *o)
{
    uint64_t n = (uint64_t)_PyDict_SizeOf((PyDictObject *)o);
#if HC_PY311
    const PyDictObject *d = (const PyDictObject *)o;
    if (d->ma_values != NULL) {
        PyDictKeysObject *keys = d->ma_keys;
        uint64_t counted = 8 * (uint64_t)(keys->dk_nentries + keys->dk_usable);
        n = n > counted ? n - counted : n;
#if HC_PY313
        if (!d->ma_values->embedded) {
            uint64_t cap = d->ma_values->capacity;
            n += (cap + 1) * sizeof(PyObject *) + ((cap + 7) & ~(uint64_t)7);
        }
#else
        n += hc_py_separate_values_bytes(d->ma_values, keys);
#endif
    }
#endif
    return n;
}

/* ---- labels (pycompat_labels.c) --------------------------------------------------------- */

/* The values of instance o's attributes kept without a dict (3.11/3.12 the managed dict's
 * values, 3.13 the inline values while valid), or NULL: 3.10, no such values, a materialised
 * dict, or type shared keys that are missing or not all str.  Value i belongs to the shared key
 * hc_py_instance_value_name(tp, i); *n is how many are named (the keys' entries, at most the
 * 3.13 capacity). */
PyObject **hc_py_instance_values(PyObject *o, PyTypeObject *tp, Py_ssize_t *n);

/* The str naming value i (< *n of hc_py_instance_values) of tp's instances, borrowed, or NULL. */
PyObject *hc_py_instance_value_name(PyTypeObject *tp, Py_ssize_t i);

/* What frame object f refers to, labelled, to cb (NULL fields skipped): f_back, f_trace, then
 * 3.11+ its interpreter frame's referents when the frame object owns it
 * (hc_py_iframe_labels); 3.10 f_code, f_builtins, f_globals, f_locals, the fast locals, cells
 * and frees by name and the value stack.  (3.11+ keep PyFrameObject's body internal.) */
void hc_py_frame_object_labels(PyObject *f, hc_py_label_cb cb, void *data);

/* What generator, coroutine or async generator g (type tp) refers to, labelled, to cb (NULL
 * fields skipped): __name__, __qualname__, then 3.11+ its embedded frame's referents
 * (prefixed .gi_frame, .cr_frame, .ag_frame) unless it is cleared, and 3.11's gi_code; 3.10 its
 * frame and code objects.  (3.13 keeps PyGenObject's body internal.) */
void hc_py_gen_labels(PyObject *g, PyTypeObject *tp, hc_py_label_cb cb, void *data);

/* What an instance o (type tp) of a C container defined in an extension module refers to,
 * labelled, to cb (NULL fields skipped), when tp or its nearest C base is one whose layout is
 * known: functools._lru_cache_wrapper (cache, __wrapped__, its links' keys and results),
 * collections.deque ([i] from the left), _asyncio.Future and Task (_loop, _result, _coro, ...,
 * notes for the callbacks, name and context), asyncio's task wrappers, contextvars.Context.
 * Nothing for any other type. */
void hc_py_ext_labels(PyObject *o, PyTypeObject *tp, hc_py_label_cb cb, void *data);

/* "Task 'NAME'" into buf for an _asyncio.Task o of type tp (a subclass too), for named paths;
 * returns 0 for any other object.  Reads the name slot only: never calls get_name(). */
int hc_py_task_name(PyObject *o, PyTypeObject *tp, char *buf, size_t len);

/* Whether instances of tp are such Tasks (its nearest C base is _asyncio.Task). */
int hc_py_task_type(PyTypeObject *tp);

/* ---- labels, inline --------------------------------------------------------------------- */

/* Entry slots of dict d's keys table (dk_nentries; 0 without one), for hc_py_dict_entry. */
static inline Py_ssize_t hc_py_dict_nentries(PyDictObject *d)
{
#if HC_PY311
    return d->ma_keys != NULL ? d->ma_keys->dk_nentries : 0;
#else
    return d->ma_keys != NULL ? ((hc310_keys *)d->ma_keys)->dk_nentries : 0;
#endif
}

/* Key and value (borrowed) of entry slot i < hc_py_dict_nentries(d), in insertion order;
 * either is NULL in a deleted slot.  Split tables (all versions) read the value from
 * ma_values; 3.11+ general and str-keyed entries have different layouts. */
static inline void hc_py_dict_entry(PyDictObject *d, Py_ssize_t i, PyObject **key, PyObject **value)
{
#if HC_PY311
    PyDictKeysObject *k = d->ma_keys;
    if (k->dk_kind == DICT_KEYS_GENERAL) {
        PyDictKeyEntry *e = &DK_ENTRIES(k)[i];
        *key = e->me_key;
        *value = e->me_value;
    } else {
        PyDictUnicodeEntry *e = &DK_UNICODE_ENTRIES(k)[i];
        *key = e->me_key;
        *value = d->ma_values != NULL ? d->ma_values->values[i] : e->me_value;
    }
#else
    hc310_entry *e = &hc310_entries((hc310_keys *)d->ma_keys)[i];
    *key = e->me_key;
    *value = d->ma_values != NULL ? d->ma_values[i] : e->me_value;
#endif
}

/* Whether member m's offset is relative to the type's own data (3.12+ Py_RELATIVE_OFFSET,
 * PyType_FromMetaclass resolves it at class creation): such an entry is not an object
 * address offset.  Before 3.12: never. */
static inline int hc_py_member_is_relative(const PyMemberDef *m)
{
#if HC_PY312
    return (m->flags & Py_RELATIVE_OFFSET) != 0;
#else
    (void)m;
    return 0;
#endif
}

/* Whether member m is an object field: T_OBJECT / _Py_T_OBJECT (6) or T_OBJECT_EX /
 * Py_T_OBJECT_EX (16), the same numbers in every version. */
#define HC_PY_MEMBER_IS_OBJECT(m) ((m)->type == 6 || (m)->type == 16)

/* The object field of instances of t that member m declares (T_OBJECT / T_OBJECT_EX at an
 * absolute offset inside t's basic size), or NULL if m declares none. */
static inline PyObject **hc_py_member_slot(PyObject *o, PyTypeObject *t, const PyMemberDef *m)
{
    if (!HC_PY_MEMBER_IS_OBJECT(m) || m->offset <= 0 || hc_py_member_is_relative(m))
        return NULL;
    if ((size_t)m->offset + sizeof(PyObject *) > (size_t)t->tp_basicsize)
        return NULL;
    return (PyObject **)((char *)o + m->offset);
}

/* A function's __type_params__ (3.12+ func_typeparams), borrowed, or NULL (before 3.12). */
static inline PyObject *hc_py_function_type_params(PyFunctionObject *f)
{
#if HC_PY312
    return f->func_typeparams;
#else
    (void)f;
    return NULL;
#endif
}

/* An exception's __notes__ (3.11+ notes), borrowed, or NULL (3.10). */
static inline PyObject *hc_py_exception_notes(PyBaseExceptionObject *e)
{
#if HC_PY311
    return e->notes;
#else
    (void)e;
    return NULL;
#endif
}

/* Whether str s's characters can be read (PyUnicode_IS_READY: 3.10/3.11 legacy strs may not
 * be ready; 3.12+ always are). */
static inline int hc_py_str_is_ready(PyObject *s)
{
#if HC_PY312
    (void)s;
    return 1;
#else
    return PyUnicode_IS_READY(s);
#endif
}

#endif
