/* heapcore/py/pysize.c — true sizes of live CPython 3.10–3.13 objects, computed in C.
 *
 * hc_py_size() returns what an object's allocations occupy as CPython requested them (the view
 * of tracemalloc): the GC head / 3.11+ pre-header, what type(o).__sizeof__(o) would return, and
 * the managed-dict values array that __sizeof__ misses.  It never calls Python code and never
 * creates, frees or INCREF/DECREFs an object: each __sizeof__ we emulate is re-derived from the
 * version's C implementation (see thesis-notes/sizes.md for the formulas and their checks).
 * hc_py_size_info_init() picks a strategy per type by identifying the C function behind the
 * type's __sizeof__; anything else is flagged needs_call for the caller to ask after the walk.
 */
#include "pycompat.h"

#include <stddef.h>
#include <string.h>

/* CPython's internal headers are not written for -Wextra (3.13's pycore_object.h has unused
 * parameters in static inline functions); silence that for the includes only. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "internal/pycore_gc.h"   /* PyGC_Head */
#include "internal/pycore_code.h" /* 3.10: struct _PyOpcache */
#if HC_PY311
#include "internal/pycore_dict.h"  /* PyDictKeysObject, PyDictValues */
#include "internal/pycore_frame.h" /* PyFrameObject, _PyInterpreterFrame */
#else
#include "frameobject.h" /* 3.10: PyFrameObject */
#endif
#if HC_PY312
#include "internal/pycore_long.h"
#include "internal/pycore_interp.h"     /* interp->types.builtins (static types' tp_dict) */
#include "internal/pycore_typeobject.h" /* static_builtin_state / managed_static_type_state */
#endif
#pragma GCC diagnostic pop

#ifdef Py_GIL_DISABLED
#error "pysize.c does not support free-threaded builds (no GC head, different header)"
#endif

/* ---- strategies ------------------------------------------------------------------------ */

/* info->strategy: the low byte is the body formula, HC_SZF_VALUES adds the managed values. */
enum {
    HC_SZ_BASIC = 0, /* object.__sizeof__: tp_basicsize + tp_itemsize*|ob_size| */
    HC_SZ_INT,       /* int.__sizeof__ (also bool and int subclasses) */
    HC_SZ_STR,       /* str.__sizeof__ */
    HC_SZ_BYTEARRAY, /* bytearray.__sizeof__ */
    HC_SZ_LIST,      /* list.__sizeof__ */
    HC_SZ_DICT,      /* dict.__sizeof__ (_PyDict_SizeOf) */
    HC_SZ_SET,       /* set.__sizeof__ / frozenset.__sizeof__ */
    HC_SZ_TYPE,      /* type.__sizeof__ (and metaclasses) */
    HC_SZ_CODE,      /* code.__sizeof__ */
    HC_SZ_FRAME,     /* frame.__sizeof__ */
    HC_SZ_GEN,       /* generator/coroutine/async_generator.__sizeof__ (3.11+) */
    HC_SZ_KIND_MASK = 0xff,
    /* Managed-dict values that __sizeof__ does not count: 3.11/3.12 the separately malloc'd
     * values array while the instance dict is not materialised; 3.13 the inline values. */
    HC_SZF_VALUES = 1u << 8,
    /* A class statement's subclass of a var-sized type (tuple incl. namedtuple, int, bytes):
     * its instances come from tuple/long/bytes_subtype_new -> PyType_GenericAlloc, which always
     * adds one item: _PyObject_VAR_SIZE(tp, n + 1).  Not for other heap types with items
     * (structseq types allocate with _PyObject_GC_NewVar, no extra item). */
    HC_SZF_GENALLOC = 1u << 9,
};

/* The C functions behind the __sizeof__ descriptors we emulate, found once at import by looking
 * __sizeof__ up on the built-in types.  Matching by ml_meth (not by descriptor identity) also
 * works in sub-interpreters, whose static builtin types get their own descriptor objects in
 * 3.12+ but share the PyMethodDef tables. */
typedef struct {
    PyCFunction meth;
    uint32_t strategy;
} hc_sizeof_impl;

#define HC_MAX_IMPLS 16

/* Module-wide, written once by hc_py_size_global_init() under the GIL at import and read-only
 * afterwards.  This is the one piece of global state of pysize.c: hc_py_size_info_init has no
 * context argument and must not create the key string itself. */
static struct {
    PyObject *key;              /* interned "__sizeof__", strong reference kept for the process */
    Py_hash_t hash;             /* its hash */
    destructor subtype_dealloc; /* tp_dealloc of every class made by type_new, or NULL */
    int nimpls;
    hc_sizeof_impl impls[HC_MAX_IMPLS];
} hc_size_state;

/* ---- side-effect-free __sizeof__ lookup ------------------------------------------------------
 *
 * _PyType_Lookup may not be used here: it fills CPython's method cache, which DECREFs the evicted
 * entry's name on 3.10/3.11 (it may free a string mid-walk) and may assign a type version tag on
 * 3.12+.  lookup_sizeof() finds what it would return (the first "__sizeof__" in the dicts of
 * tp_mro) by reading the dicts' entry arrays directly: no hashing, no allocation, no error set,
 * and no comparison that could call Python code.  A key it cannot decide without calling Python
 * (a non-str key, or a str subclass with its own __eq__, whose stored hash equals ours) makes
 * the lookup undecidable, and the type is left to needs_call. */

/* The dict of type tp, as typeobject.c's lookup_tp_dict: 3.12+ keep the dict of a static
 * builtin type (_Py_TPFLAGS_STATIC_BUILTIN) in the interpreter's type state, with tp_dict NULL;
 * found by hc_py_static_type_state (pycompat.c). */
static PyObject *type_dict(PyTypeObject *tp)
{
#if HC_PY312
    if ((tp->tp_flags & _Py_TPFLAGS_STATIC_BUILTIN) && !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        hc_static_state *st = hc_py_static_type_state(PyInterpreterState_Get(), tp);
        return st != NULL ? st->tp_dict : NULL;
    }
#endif
    return tp->tp_dict;
}

/* _PyType_Lookup(tp, "__sizeof__") without its cache: the borrowed result in *descr (NULL if
 * none); -1 if some dict holds a key only Python code could compare. */
static int lookup_sizeof(PyTypeObject *tp, PyObject **descr)
{
    PyObject *mro = tp->tp_mro;
    *descr = NULL;
    if (hc_size_state.key == NULL) {
        return 0;
    }
    if (mro != NULL && PyTuple_Check(mro)) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(mro); i++) {
            PyObject *base = PyTuple_GET_ITEM(mro, i);
            PyObject *d = PyType_Check(base) ? type_dict((PyTypeObject *)base) : NULL;
            if (d != NULL && PyDict_Check(d) &&
                (hc_py_dict_peek_str(d, hc_size_state.key, hc_size_state.hash, descr) < 0 || *descr)) {
                return *descr != NULL ? 0 : -1;
            }
        }
        return 0;
    }
    for (int guard = 0; tp != NULL && guard < 10000; tp = tp->tp_base, guard++) {
        PyObject *d = type_dict(tp);
        if (d != NULL && PyDict_Check(d) &&
            (hc_py_dict_peek_str(d, hc_size_state.key, hc_size_state.hash, descr) < 0 || *descr)) {
            return *descr != NULL ? 0 : -1;
        }
    }
    return 0;
}

/* The C function of a method descriptor, and in *owner the type it was defined on. */
static PyCFunction sizeof_meth(PyObject *descr, PyTypeObject **owner)
{
    if (descr == NULL || !Py_IS_TYPE(descr, &PyMethodDescr_Type)) {
        return NULL;
    }
    PyMethodDescrObject *md = (PyMethodDescrObject *)descr;
    *owner = md->d_common.d_type;
    return md->d_method ? md->d_method->ml_meth : NULL;
}

static void register_impl(PyTypeObject *tp, uint32_t strategy)
{
    PyTypeObject *owner = NULL;
    PyObject *descr = NULL;
    PyCFunction m = lookup_sizeof(tp, &descr) == 0 ? sizeof_meth(descr, &owner) : NULL;
    if (m == NULL || hc_size_state.nimpls >= HC_MAX_IMPLS) {
        return; /* unknown shape: its instances fall back to needs_call */
    }
    for (int i = 0; i < hc_size_state.nimpls; i++) {
        if (hc_size_state.impls[i].meth == m) {
            return; /* shared implementation (set/frozenset, gen/coro/async gen) */
        }
    }
    hc_size_state.impls[hc_size_state.nimpls].meth = m;
    hc_size_state.impls[hc_size_state.nimpls].strategy = strategy;
    hc_size_state.nimpls++;
}

void hc_py_size_global_init(void)
{
    if (hc_size_state.key != NULL) {
        return;
    }
    PyObject *key = PyUnicode_InternFromString("__sizeof__");
    if (key == NULL) {
        PyErr_Clear(); /* every type then gets needs_call: slower, still correct */
        return;
    }
    Py_hash_t hash = PyObject_Hash(key); /* computed and cached in the str: never -1 */
    if (hash == -1) {
        PyErr_Clear();
        Py_DECREF(key);
        return;
    }
    hc_size_state.hash = hash;
    hc_size_state.key = key;
    /* object first: a type whose __sizeof__ is object's is sized by the basic formula. */
    register_impl(&PyBaseObject_Type, HC_SZ_BASIC);
    register_impl(&PyLong_Type, HC_SZ_INT);
    register_impl(&PyUnicode_Type, HC_SZ_STR);
    register_impl(&PyByteArray_Type, HC_SZ_BYTEARRAY);
    register_impl(&PyList_Type, HC_SZ_LIST);
    register_impl(&PyDict_Type, HC_SZ_DICT);
    register_impl(&PySet_Type, HC_SZ_SET);
    register_impl(&PyFrozenSet_Type, HC_SZ_SET);
    register_impl(&PyType_Type, HC_SZ_TYPE);
    register_impl(&PyCode_Type, HC_SZ_CODE);
    register_impl(&PyFrame_Type, HC_SZ_FRAME);
#if HC_PY311
    /* 3.10 generators use object.__sizeof__ and are matched as BASIC above. */
    register_impl(&PyGen_Type, HC_SZ_GEN);
    register_impl(&PyCoro_Type, HC_SZ_GEN);
    register_impl(&PyAsyncGen_Type, HC_SZ_GEN);
#endif
    /* subtype_dealloc is static in typeobject.c: read it off a throwaway class.  Without it
     * HC_SZF_GENALLOC is never used and those instances get plain __sizeof__ semantics. */
    PyObject *probe =
        PyObject_CallFunction((PyObject *)&PyType_Type, "s(O){}", "_hc_size_probe", (PyObject *)&PyBaseObject_Type);
    if (probe != NULL) {
        hc_size_state.subtype_dealloc = ((PyTypeObject *)probe)->tp_dealloc;
        Py_DECREF(probe);
    } else {
        PyErr_Clear();
    }
}

/* ---- header ------------------------------------------------------------------------------ */

/* Bytes allocated before the object: _PyType_PreHeaderSize (3.11+) or the GC head (3.10). */
static uint32_t preheader_size(PyTypeObject *tp)
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

void hc_py_size_info_init(PyTypeObject *tp, hc_py_size_info *info)
{
    memset(info, 0, sizeof(*info));
    info->header = preheader_size(tp);
    info->strategy = HC_SZ_BASIC;
    info->needs_call = 1;

    /* A type that is not ready may have no dict or mro yet: needs_call. */
    if (hc_size_state.key != NULL && (tp->tp_flags & Py_TPFLAGS_READY)) {
        PyTypeObject *owner = NULL;
        PyObject *descr = NULL;
        PyCFunction m = lookup_sizeof(tp, &descr) == 0 ? sizeof_meth(descr, &owner) : NULL;
        /* The descriptor must apply to tp: `class X: __sizeof__ = list.__sizeof__` finds
         * list's function on a type without list's layout (calling it would raise).
         * PyType_IsSubtype only walks tp_mro. */
        if (m != NULL && (owner == NULL || !PyType_IsSubtype(tp, owner))) {
            m = NULL;
        }
        for (int i = 0; m != NULL && i < hc_size_state.nimpls; i++) {
            if (hc_size_state.impls[i].meth == m) {
                info->strategy = hc_size_state.impls[i].strategy;
                info->needs_call = 0;
                break;
            }
        }
    }

#if HC_PY313
    if ((tp->tp_flags & Py_TPFLAGS_INLINE_VALUES) && (tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        info->strategy |= HC_SZF_VALUES;
    }
#elif HC_PY311
    if ((tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) && (tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        info->strategy |= HC_SZF_VALUES;
    }
#endif
    /* needs_call: the fallback is header + basic size + the values; the caller adds header +
     * the values (hc_py_size_values) to what the object's own __sizeof__ says. */
    if (info->needs_call) {
        return;
    }
    if ((tp->tp_flags & Py_TPFLAGS_HEAPTYPE) && tp->tp_itemsize > 0 && tp->tp_alloc == PyType_GenericAlloc &&
        hc_size_state.subtype_dealloc != NULL && tp->tp_dealloc == hc_size_state.subtype_dealloc &&
        (info->strategy == HC_SZ_BASIC || info->strategy == HC_SZ_INT)) {
        info->strategy |= HC_SZF_GENALLOC;
    }
}

/* ---- dict keys (type.__sizeof__ counts ht_cached_keys) ---------------------------------- */

/* _PyDict_KeysSize (not exported in any of the four versions). */
static uint64_t dict_keys_size(PyDictKeysObject *keys)
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

/* ---- managed values ------------------------------------------------------------------------ */

#if HC_PY311 && !HC_PY313
/* 3.11/3.12 new_values(n): one PyMem_Malloc of prefix + 8n, prefix = round_up(n+2, 8) stored
 * in the byte before the values; n was the type's shared_keys_usable_size (dk_nentries +
 * dk_usable) at creation, which is not stored.  That sum only shrinks (each new instance
 * decrements dk_usable while it is > 1), so today's value is a lower bound; the prefix bounds
 * n to [prefix-9, prefix-2].  Take today's value clamped into that range. */
static uint64_t separate_values_size(const void *values, PyDictKeysObject *keys)
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

static uint64_t managed_values_size(PyObject *o, PyTypeObject *tp)
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
    return separate_values_size((const void *)(dorv + 1), ((PyHeapTypeObject *)tp)->ht_cached_keys);
#elif HC_PY311
    /* Word -4 is the values pointer, NULL once the dict (word -3) has been materialised. */
    const void *values = ((void *const *)o)[-4];
    return values ? separate_values_size(values, ((PyHeapTypeObject *)tp)->ht_cached_keys) : 0;
#else
    (void)o;
    (void)tp;
    return 0;
#endif
}

/* ---- bodies (each mirrors the version's __sizeof__) ---------------------------------------- */

/* |ob_size|, at most 2^48 (no real object has more items; a nonsense ob_size, even
 * PY_SSIZE_T_MIN, must not overflow what it is multiplied by) */
static uint64_t abs_size(PyObject *o)
{
    Py_ssize_t n = Py_SIZE(o);
    uint64_t a = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
    return a < (1ull << 48) ? a : (1ull << 48);
}

/* int___sizeof__: 3.10 |ob_size| digits; 3.11 at least one digit; 3.12+ digit count from lv_tag.
 * Deliberate deviation, 3.11+: an exact int of at most one digit is counted as
 * sizeof(PyLongObject) (32), not 28: _PyLong_FromMedium, which makes the results of arithmetic
 * and of PyLong_FromLong/FromSsize_t, requests 32 bytes; only the parsing paths (int(str),
 * int.from_bytes, json) request 28 (_PyLong_New(1)), and obmalloc gives both a 32-byte block. */
static uint64_t int_body(PyObject *o)
{
#if HC_PY312
    uint64_t nd = (uint64_t)_PyLong_DigitCount((PyLongObject *)o);
    if (nd <= 1 && Py_IS_TYPE(o, &PyLong_Type)) {
        return sizeof(PyLongObject);
    }
    return offsetof(PyLongObject, long_value.ob_digit) + (nd ? nd : 1) * sizeof(digit);
#elif HC_PY311
    uint64_t nd = abs_size(o);
    if (nd <= 1 && Py_IS_TYPE(o, &PyLong_Type)) {
        return sizeof(PyLongObject);
    }
    return offsetof(PyLongObject, ob_digit) + (nd ? nd : 1) * sizeof(digit);
#else
    return offsetof(PyLongObject, ob_digit) + abs_size(o) * sizeof(digit);
#endif
}

static uint64_t round_up8(uint64_t n)
{
    return (n + 7) & ~(uint64_t)7;
}

/* Deliberate deviation from __sizeof__ for HC_SZF_GENALLOC types: PyType_GenericAlloc(tp, n)
 * requests round_up(tp_basicsize + (n + 1) * tp_itemsize, 8).  n is |ob_size| for
 * tuple/bytes-like subtypes; long_subtype_new passes the digit count (3.11+: at least 1).
 * int.__sizeof__ also ignores the subtype's larger basicsize (3.10/3.11 weakref/dict slots). */
static uint64_t genalloc_body(PyObject *o, PyTypeObject *tp, uint32_t kind)
{
    uint64_t n;
    if (kind == HC_SZ_INT) {
#if HC_PY312
        n = (uint64_t)_PyLong_DigitCount((PyLongObject *)o);
#else
        n = abs_size(o);
#endif
#if HC_PY311
        n = n ? n : 1;
#endif
    } else {
        n = abs_size(o);
    }
    return round_up8((uint64_t)tp->tp_basicsize + (n + 1) * (uint64_t)tp->tp_itemsize);
}

/* object.__sizeof__.  int's ob_size is not an item count (3.12+: lv_tag); only the needs_call
 * fallback can meet an int here. */
static uint64_t basic_body(PyObject *o, PyTypeObject *tp)
{
    if (tp->tp_itemsize > 0 && PyType_FastSubclass(tp, Py_TPFLAGS_LONG_SUBCLASS)) {
        return int_body(o) + (uint64_t)(tp->tp_basicsize - PyLong_Type.tp_basicsize);
    }
    uint64_t n = (uint64_t)tp->tp_basicsize;
    if (tp->tp_itemsize > 0) {
        n += (uint64_t)tp->tp_itemsize * abs_size(o);
    }
    return n;
}

/* unicode__sizeof__: base struct + characters (compact: inline; legacy: separate block) + the
 * UTF-8 cache when it is a separate block + (3.10) the wchar_t cache when separate. */
static uint64_t str_body(PyObject *o)
{
    const PyASCIIObject *a = (const PyASCIIObject *)o;
    const PyCompactUnicodeObject *c = (const PyCompactUnicodeObject *)o;
    uint64_t len = (uint64_t)a->length;
    uint64_t kind = a->state.kind;
    uint64_t size;
    int compact_ascii = a->state.compact && a->state.ascii;
    const void *data;

    if (compact_ascii) {
        size = sizeof(PyASCIIObject) + len + 1;
        data = a + 1;
    } else if (a->state.compact) {
        size = sizeof(PyCompactUnicodeObject) + (len + 1) * kind;
        data = c + 1;
    } else {
        data = ((const PyUnicodeObject *)o)->data.any;
        size = sizeof(PyUnicodeObject);
        if (data != NULL) {
            size += (len + 1) * kind;
        }
    }
#if !HC_PY312
    /* _PyUnicode_HAS_WSTR_MEMORY: wstr present and not shared with the data (or not ready). */
    if (a->wstr != NULL && (!a->state.ready || (const void *)a->wstr != data)) {
        uint64_t wlen = compact_ascii ? len : (uint64_t)c->wstr_length;
        size += (wlen + 1) * sizeof(wchar_t);
    }
#endif
    /* _PyUnicode_HAS_UTF8_MEMORY */
    if (!compact_ascii && c->utf8 != NULL && (const void *)c->utf8 != data) {
        size += (uint64_t)c->utf8_length + 1;
    }
    return size;
}

static uint64_t set_body(PyObject *o, PyTypeObject *tp)
{
    const PySetObject *s = (const PySetObject *)o;
    uint64_t n = (uint64_t)tp->tp_basicsize;
    if (s->table != s->smalltable) {
        n += ((uint64_t)s->mask + 1) * sizeof(setentry);
    }
    return n;
}

static uint64_t dict_body(PyObject *o)
{
    /* _PyDict_SizeOf (exported in 3.10–3.13) only reads the dict; it creates nothing. */
    uint64_t n = (uint64_t)_PyDict_SizeOf((PyDictObject *)o);
#if HC_PY311
    /* Split table: _PyDict_SizeOf adds 8 * the keys' usable size *now* for the values.  Replace
     * that by the values block as allocated: 3.11/3.12 prefix + 8n (new_values), 3.13
     * (capacity+1)*8 + round_up(capacity, 8) (values_size_from_count), or nothing when the
     * 3.13 values are embedded in the owning instance (counted there by managed_values_size). */
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
        n += separate_values_size(d->ma_values, keys);
#endif
    }
#endif
    return n;
}

static uint64_t type_body(PyObject *o)
{
    PyTypeObject *t = (PyTypeObject *)o;
    if (!(t->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        return sizeof(PyTypeObject);
    }
    uint64_t n = sizeof(PyHeapTypeObject);
    PyDictKeysObject *keys = ((PyHeapTypeObject *)t)->ht_cached_keys;
    if (keys != NULL) {
        n += dict_keys_size(keys);
    }
    return n;
}

/* co_extra block: _PyCodeObjectExtra {Py_ssize_t ce_size; void *ce_extras[1];} (codeobject.c). */
static uint64_t code_extra_size(const PyCodeObject *co)
{
    const Py_ssize_t *extra = (const Py_ssize_t *)co->co_extra;
    if (extra == NULL) {
        return 0;
    }
    return 2 * sizeof(void *) + ((uint64_t)extra[0] - 1) * sizeof(void *);
}

static uint64_t code_body(PyObject *o, PyTypeObject *tp)
{
    const PyCodeObject *co = (const PyCodeObject *)o;
#if HC_PY311
    /* _PyObject_VAR_SIZE(tp, Py_SIZE(co)): rounded up to a pointer. */
    uint64_t n = (uint64_t)tp->tp_basicsize + (uint64_t)tp->tp_itemsize * abs_size(o);
    n = (n + sizeof(void *) - 1) & ~(uint64_t)(sizeof(void *) - 1);
    return n + code_extra_size(co);
#else
    uint64_t n = (uint64_t)tp->tp_basicsize;
    if (co->co_cell2arg != NULL && co->co_cellvars != NULL) {
        n += (uint64_t)PyTuple_GET_SIZE(co->co_cellvars) * sizeof(Py_ssize_t);
    }
    n += code_extra_size(co);
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

static PyCodeObject *iframe_code(const _PyInterpreterFrame *f)
{
#if HC_PY313
    return (PyCodeObject *)f->f_executable;
#else
    return f->f_code;
#endif
}
#endif

static uint64_t frame_body(PyObject *o)
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

static uint64_t gen_body(PyObject *o, PyTypeObject *tp)
{
#if HC_PY311
    /* gen_sizeof, shared by generators, coroutines and async generators (same head). */
    PyGenObject *g = (PyGenObject *)o;
    const _PyInterpreterFrame *f = (const _PyInterpreterFrame *)g->gi_iframe;
    (void)tp;
    return offsetof(PyGenObject, gi_iframe) + offsetof(_PyInterpreterFrame, localsplus) +
           frame_slots(iframe_code(f)) * sizeof(PyObject *);
#else
    return basic_body(o, tp);
#endif
}

uint64_t hc_py_size(PyObject *o, PyTypeObject *tp, const hc_py_size_info *info)
{
    uint64_t header = info->header;
    uint64_t body;

    if (info->strategy & HC_SZF_GENALLOC) {
        body = genalloc_body(o, tp, info->strategy & HC_SZ_KIND_MASK);
        if (info->strategy & HC_SZF_VALUES) {
            body += managed_values_size(o, tp);
        }
        return header + body;
    }
    switch (info->strategy & HC_SZ_KIND_MASK) {
    case HC_SZ_INT:
        body = int_body(o);
        break;
    case HC_SZ_STR:
        body = str_body(o);
        break;
    case HC_SZ_BYTEARRAY:
        body = (uint64_t)tp->tp_basicsize + (uint64_t)((PyByteArrayObject *)o)->ob_alloc;
        break;
    case HC_SZ_LIST:
        body = (uint64_t)tp->tp_basicsize + (uint64_t)((PyListObject *)o)->allocated * sizeof(PyObject *);
        break;
    case HC_SZ_DICT:
        body = dict_body(o);
        break;
    case HC_SZ_SET:
        body = set_body(o, tp);
        break;
    case HC_SZ_TYPE:
        /* Static types are not allocated: no GC head (tp_is_gc is false for them). */
        if (!(((PyTypeObject *)o)->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
            header = 0;
        }
        body = type_body(o);
        break;
    case HC_SZ_CODE:
        body = code_body(o, tp);
        break;
    case HC_SZ_FRAME:
        body = frame_body(o);
        break;
    case HC_SZ_GEN:
        body = gen_body(o, tp);
        break;
    case HC_SZ_BASIC:
    default:
        body = basic_body(o, tp);
        break;
    }
    if (info->strategy & HC_SZF_VALUES) {
        body += managed_values_size(o, tp);
    }
    return header + body;
}

uint64_t hc_py_size_values(PyObject *o, PyTypeObject *tp, const hc_py_size_info *info)
{
    return (info->strategy & HC_SZF_VALUES) ? managed_values_size(o, tp) : 0;
}
