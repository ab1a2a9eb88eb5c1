/* heapcore/py/pysize.c — true sizes of live CPython 3.10–3.13 objects, computed in C.
 *
 * hc_py_size() returns what an object's allocations occupy as CPython requested them (the view
 * of tracemalloc): the GC head / 3.11+ pre-header, what type(o).__sizeof__(o) would return, and
 * the managed-dict values array that __sizeof__ misses.  It never calls Python code and never
 * creates, frees or INCREF/DECREFs an object: each __sizeof__ we emulate is re-derived from the
 * version's C implementation (see thesis-notes/sizes.md for the formulas and their checks).
 * hc_py_size_info_init() picks a strategy per type by identifying the C function behind the
 * type's __sizeof__; anything else is flagged needs_call for the caller to ask after the walk.
 * What differs between versions is read through pycompat_objects.h (pycompat_sizes.c).
 */
#include "pycompat_objects.h"

#include <stddef.h>
#include <string.h>

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

/* The state of pysize.c, its only global: written once by hc_py_size_global_init() under the
 * GIL at import and read-only afterwards (hc_py_size_info_init has no context argument and
 * must not create the key string itself). */
typedef struct hc_py_size_state {
    PyObject *key;                      /* interned "__sizeof__", strong reference kept for the process */
    Py_hash_t hash;                     /* its hash */
    destructor subtype_dealloc;         /* tp_dealloc of every class made by type_new, or NULL */
    int nimpls;                         /* entries used in impls */
    hc_sizeof_impl impls[HC_MAX_IMPLS]; /* the __sizeof__ functions we emulate, object's first */
} hc_py_size_state;

static hc_py_size_state hc_size_state;

/* ---- side-effect-free __sizeof__ lookup ------------------------------------------------------
 *
 * _PyType_Lookup may not be used here: it fills CPython's method cache, which DECREFs the evicted
 * entry's name on 3.10/3.11 (it may free a string mid-walk) and may assign a type version tag on
 * 3.12+.  lookup_sizeof() finds what it would return (the first "__sizeof__" in the dicts of
 * tp_mro) by reading the dicts' entry arrays directly: no hashing, no allocation, no error set,
 * and no comparison that could call Python code.  A key it cannot decide without calling Python
 * (a non-str key, or a str subclass with its own __eq__, whose stored hash equals ours) makes
 * the lookup undecidable, and the type is left to needs_call. */

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
            PyObject *d = PyType_Check(base) ? hc_py_type_lookup_dict((PyTypeObject *)base) : NULL;
            if (d != NULL && PyDict_Check(d) &&
                (hc_py_dict_peek_str(d, hc_size_state.key, hc_size_state.hash, descr) < 0 || *descr)) {
                return *descr != NULL ? 0 : -1;
            }
        }
        return 0;
    }
    for (int guard = 0; tp != NULL && guard < 10000; tp = tp->tp_base, guard++) {
        PyObject *d = hc_py_type_lookup_dict(tp);
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
    /* 3.11+ gen_sizeof.  3.10 generators use object.__sizeof__: already registered as BASIC
     * above, so these register nothing there. */
    register_impl(&PyGen_Type, HC_SZ_GEN);
    register_impl(&PyCoro_Type, HC_SZ_GEN);
    register_impl(&PyAsyncGen_Type, HC_SZ_GEN);
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

void hc_py_size_info_init(PyTypeObject *tp, hc_py_size_info *info)
{
    memset(info, 0, sizeof(*info));
    info->header = hc_py_preheader_bytes(tp);
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

    if (hc_py_type_has_managed_values(tp)) {
        info->strategy |= HC_SZF_VALUES;
    }
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

/* ---- bodies (each mirrors the version's __sizeof__) ---------------------------------------- */

/* int___sizeof__: 3.10 |ob_size| digits; 3.11 at least one digit; 3.12+ digit count from lv_tag.
 * Deliberate deviation, 3.11+: an exact int of at most one digit is counted as
 * sizeof(PyLongObject) (32), not 28: _PyLong_FromMedium, which makes the results of arithmetic
 * and of PyLong_FromLong/FromSsize_t, requests 32 bytes; only the parsing paths (int(str),
 * int.from_bytes, json) request 28 (_PyLong_New(1)), and obmalloc gives both a 32-byte block. */
static uint64_t int_body(PyObject *o)
{
    uint64_t nd = hc_py_long_digit_count(o);
    if (HC_PY_LONG_MIN_DIGITS > 0 && nd <= 1 && Py_IS_TYPE(o, &PyLong_Type)) {
        return sizeof(PyLongObject);
    }
    return HC_PY_LONG_DIGITS_OFFSET + (nd > HC_PY_LONG_MIN_DIGITS ? nd : HC_PY_LONG_MIN_DIGITS) * sizeof(digit);
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
        n = hc_py_long_digit_count(o);
        n = n > HC_PY_LONG_MIN_DIGITS ? n : HC_PY_LONG_MIN_DIGITS;
    } else {
        n = hc_py_abs_size(o);
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
        n += (uint64_t)tp->tp_itemsize * hc_py_abs_size(o);
    }
    return n;
}

/* unicode__sizeof__: base struct + characters (compact: inline; legacy: separate block) + the
 * UTF-8 cache when it is a separate block + (3.10/3.11) the wchar_t cache when separate. */
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
    size += hc_py_str_wstr_bytes(o, data);
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

static uint64_t type_body(PyObject *o)
{
    PyTypeObject *t = (PyTypeObject *)o;
    if (!(t->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        return sizeof(PyTypeObject);
    }
    uint64_t n = sizeof(PyHeapTypeObject);
    PyDictKeysObject *keys = ((PyHeapTypeObject *)t)->ht_cached_keys;
    if (keys != NULL) {
        n += hc_py_dict_keys_bytes(keys);
    }
    return n;
}

uint64_t hc_py_size(PyObject *o, PyTypeObject *tp, const hc_py_size_info *info)
{
    uint64_t header = info->header;
    uint64_t body;

    if (info->strategy & HC_SZF_GENALLOC) {
        body = genalloc_body(o, tp, info->strategy & HC_SZ_KIND_MASK);
        if (info->strategy & HC_SZF_VALUES) {
            body += hc_py_managed_values_bytes(o, tp);
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
        body = hc_py_dict_bytes(o);
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
        body = hc_py_code_bytes(o, tp);
        break;
    case HC_SZ_FRAME:
        body = hc_py_frame_bytes(o);
        break;
    case HC_SZ_GEN:
        body = hc_py_gen_bytes(o, tp);
        break;
    case HC_SZ_BASIC:
    default:
        body = basic_body(o, tp);
        break;
    }
    if (info->strategy & HC_SZF_VALUES) {
        body += hc_py_managed_values_bytes(o, tp);
    }
    return header + body;
}

uint64_t hc_py_size_values(PyObject *o, PyTypeObject *tp, const hc_py_size_info *info)
{
    return (info->strategy & HC_SZF_VALUES) ? hc_py_managed_values_bytes(o, tp) : 0;
}
