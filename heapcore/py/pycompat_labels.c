/* heapcore/py/pycompat_labels.c — the object layouts edge labels need, per CPython version:
 * instance values and their shared keys, frame objects' locals, generators' frames.
 * Declared in pycompat_objects.h (with the small accessors pylabels.c inlines).  Reads only. */
#include "pycompat_objects.h"

#include <stdio.h>
#include <string.h>

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

/* ---- C containers of extension modules ------------------------------------------------------
 *
 * Their structs are private to the Modules/ sources; the offsets below are CPython's for 3.10-3.13
 * (checked against each version's getters by tests/py/test_ext_labels.py).  A type is known by
 * its tp_name and, for a heap type, by the extension module that created it (ht_module's
 * definition), so that no Python class passes for one; a subclass reads its base's layout. */

static int ext_is(PyTypeObject *t, const char *tp_name, const char *module)
{
    if (strcmp(t->tp_name, tp_name) != 0)
        return 0;
    if (!(t->tp_flags & Py_TPFLAGS_HEAPTYPE))
        return 1; /* a static type is C code */
    PyObject *m = ((PyHeapTypeObject *)t)->ht_module;
    if (m == NULL || !PyModule_Check(m))
        return 0;
    PyModuleDef *def = PyModule_GetDef(m); /* the field; creates nothing */
    return def != NULL && def->m_name != NULL && strcmp(def->m_name, module) == 0;
}

static PyObject *ext_slot(PyObject *o, Py_ssize_t off)
{
    return *(PyObject **)((char *)o + off);
}

/* functools._lru_cache_wrapper: lru_cache_object = lru_list_elem root (head, prev, next, hash,
 * key, result), wrapper, typed, cache, hits, func, maxsize, misses, kwd_mark,
 * lru_list_elem_type, cache_info_type, dict, weakreflist (152 bytes in 3.10-3.13). */
enum { LRU_SIZE = 152, LINK_NEXT = 24, LINK_KEY = 40, LINK_RESULT = 48 };

static void lru_labels(PyObject *o, hc_py_label_cb cb, void *data)
{
    PyObject *cache = ext_slot(o, 72);
    lbl(cb, data, cache, HC_PY_LBL_NOTE, (uintptr_t) "lru_cache cache");
    lbl(cb, data, ext_slot(o, 88), HC_PY_LBL_FIELD, (uintptr_t) "__wrapped__");
    lbl(cb, data, ext_slot(o, 112), HC_PY_LBL_NOTE, (uintptr_t) "lru_cache kwd_mark");
    lbl(cb, data, ext_slot(o, 120), HC_PY_LBL_NOTE, (uintptr_t) "lru_cache link type");
    lbl(cb, data, ext_slot(o, 128), HC_PY_LBL_NOTE, (uintptr_t) "lru_cache cache_info type");
    /* the bounded cache's links, most recent last; one per cache entry (a guard against a
     * list changing under a thread that does not hold the GIL) */
    Py_ssize_t guard = cache != NULL && PyDict_Check(cache) ? PyDict_GET_SIZE(cache) + 1 : 0;
    char *root = (char *)o, *link = *(char **)(root + LINK_NEXT);
    for (; link != NULL && link != root && guard-- > 0; link = *(char **)(link + LINK_NEXT)) {
        lbl(cb, data, *(PyObject **)(link + LINK_KEY), HC_PY_LBL_NOTE, (uintptr_t) "lru_cache key");
        lbl(cb, data, *(PyObject **)(link + LINK_RESULT), HC_PY_LBL_NOTE, (uintptr_t) "lru_cache result");
    }
}

/* collections.deque: dequeobject = var head, leftblock, rightblock, leftindex, rightindex,
 * state, maxlen, ...; a block = leftlink, data[64], rightlink (3.10-3.13). */
enum { DEQUE_MIN = 72, BLOCKLEN = 64 };

static void deque_labels(PyObject *o, hc_py_label_cb cb, void *data)
{
    Py_ssize_t n = Py_SIZE(o), i = *(Py_ssize_t *)((char *)o + 40);
    PyObject **b = *(PyObject ***)((char *)o + 24); /* b[0] leftlink, b[1..64] data */
    if (i < 0 || i >= BLOCKLEN)
        return;
    for (Py_ssize_t k = 0; k < n && b != NULL; k++) {
        lbl(cb, data, b[1 + i], HC_PY_LBL_INDEX, (uintptr_t)k);
        if (++i == BLOCKLEN) {
            b = (PyObject **)b[1 + BLOCKLEN];
            i = 0;
        }
    }
}

/* _asyncio.Future / Task: FutureObj_HEAD = head, loop, callback0, context0, callbacks,
 * exception, exception_tb, result, source_tb, cancel_msg, then 3.13 cancelled_exc, state,
 * bits; 3.11/3.12 state, log_tb, blocking, dict, weakreflist, cancelled_exc; 3.10 the same with
 * a _PyErr_StackItem cancelled_exc_state (type, value, traceback, previous).  TaskObj then:
 * fut_waiter, coro, name, context, ... */
#if HC_PY313
enum { FUT_SIZE = 104, FUT_CANCELLED = 88, TASK_AT = 112 };
#elif HC_PY311
enum { FUT_SIZE = 128, FUT_CANCELLED = 120, TASK_AT = 128 };
#else
enum { FUT_SIZE = 152, FUT_CANCELLED = 128, TASK_AT = 152 }; /* the state's exc_value */
#endif

static void future_labels(PyObject *o, int task, hc_py_label_cb cb, void *data)
{
    lbl(cb, data, ext_slot(o, 16), HC_PY_LBL_FIELD, (uintptr_t) "_loop");
    lbl(cb, data, ext_slot(o, 24), HC_PY_LBL_NOTE, (uintptr_t) "future callback0");
    lbl(cb, data, ext_slot(o, 32), HC_PY_LBL_NOTE, (uintptr_t) "future context0");
    lbl(cb, data, ext_slot(o, 40), HC_PY_LBL_NOTE, (uintptr_t) "future callbacks");
    lbl(cb, data, ext_slot(o, 48), HC_PY_LBL_FIELD, (uintptr_t) "_exception");
    lbl(cb, data, ext_slot(o, 56), HC_PY_LBL_NOTE, (uintptr_t) "future exception traceback");
    lbl(cb, data, ext_slot(o, 64), HC_PY_LBL_FIELD, (uintptr_t) "_result");
    lbl(cb, data, ext_slot(o, 72), HC_PY_LBL_FIELD, (uintptr_t) "_source_traceback");
    lbl(cb, data, ext_slot(o, 80), HC_PY_LBL_FIELD, (uintptr_t) "_cancel_message");
    lbl(cb, data, ext_slot(o, FUT_CANCELLED), HC_PY_LBL_NOTE, (uintptr_t) "future cancelled error");
    if (!task)
        return;
    lbl(cb, data, ext_slot(o, TASK_AT), HC_PY_LBL_FIELD, (uintptr_t) "_fut_waiter");
    lbl(cb, data, ext_slot(o, TASK_AT + 8), HC_PY_LBL_FIELD, (uintptr_t) "_coro");
    lbl(cb, data, ext_slot(o, TASK_AT + 16), HC_PY_LBL_NOTE, (uintptr_t) "task name");
    lbl(cb, data, ext_slot(o, TASK_AT + 24), HC_PY_LBL_NOTE, (uintptr_t) "task context");
}

void hc_py_ext_labels(PyObject *o, PyTypeObject *tp, hc_py_label_cb cb, void *data)
{
    long guard = 0;
    if (tp == &PyContext_Type) {
        /* PyContext (internal/pycore_context.h): head, ctx_prev, ctx_vars, ... */
        lbl(cb, data, ext_slot(o, 16), HC_PY_LBL_NOTE, (uintptr_t) "context prev");
        lbl(cb, data, ext_slot(o, 24), HC_PY_LBL_NOTE, (uintptr_t) "context vars");
        return;
    }
    for (PyTypeObject *t = tp; t != NULL && t != &PyBaseObject_Type && guard < 1000; t = t->tp_base, guard++) {
        if (t->tp_flags & Py_TPFLAGS_HEAPTYPE && ((PyHeapTypeObject *)t)->ht_module == NULL &&
            strchr(t->tp_name, '.') == NULL)
            continue; /* a class statement's class: look at its base */
        if (ext_is(t, "functools._lru_cache_wrapper", "_functools") && t->tp_basicsize == LRU_SIZE)
            lru_labels(o, cb, data);
        else if (ext_is(t, "collections.deque", "_collections") && t->tp_basicsize >= DEQUE_MIN)
            deque_labels(o, cb, data);
        else if (ext_is(t, "_asyncio.Future", "_asyncio") && t->tp_basicsize == FUT_SIZE)
            future_labels(o, 0, cb, data);
        else if (ext_is(t, "_asyncio.Task", "_asyncio") && t->tp_basicsize >= TASK_AT + 32)
            future_labels(o, 1, cb, data);
        else if ((ext_is(t, "TaskStepMethWrapper", "_asyncio") || ext_is(t, "TaskWakeupMethWrapper", "_asyncio")) &&
                 t->tp_basicsize >= 24)
            lbl(cb, data, ext_slot(o, 16), HC_PY_LBL_NOTE, (uintptr_t) "wrapped task");
        return; /* the first C type decides */
    }
}

/* Whether tp's nearest C base is an _asyncio.Task whose layout is known. */
int hc_py_task_type(PyTypeObject *tp)
{
    long guard = 0;
    for (PyTypeObject *t = tp; t != NULL && t != &PyBaseObject_Type && guard < 1000; t = t->tp_base, guard++) {
        if (t->tp_flags & Py_TPFLAGS_HEAPTYPE && ((PyHeapTypeObject *)t)->ht_module == NULL &&
            strchr(t->tp_name, '.') == NULL)
            continue; /* a class statement's class: look at its base */
        return ext_is(t, "_asyncio.Task", "_asyncio") && t->tp_basicsize >= TASK_AT + 32;
    }
    return 0;
}

/* "Task 'NAME'" from the name slot: a str, or (named lazily) the int N of "Task-N". */
int hc_py_task_name(PyObject *o, PyTypeObject *tp, char *buf, size_t len)
{
    if (!hc_py_task_type(tp))
        return 0;
    PyObject *name = ext_slot(o, TASK_AT + 16);
    char text[120];
    size_t j = 0;
    if (name != NULL && PyLong_CheckExact(name)) {
        int overflow = 0;
        long n = PyLong_AsLongAndOverflow(name, &overflow);
        if (overflow || (n == -1 && PyErr_Occurred())) {
            PyErr_Clear();
            snprintf(buf, len, "Task");
        } else
            snprintf(buf, len, "Task 'Task-%ld'", n);
        return 1;
    }
    if (name != NULL && PyUnicode_CheckExact(name) && hc_py_str_is_ready(name)) {
        Py_ssize_t n = PyUnicode_GET_LENGTH(name);
        int kind = PyUnicode_KIND(name);
        const void *d = PyUnicode_DATA(name);
        for (Py_ssize_t i = 0; i < n && j + 1 < sizeof text; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, d, i);
            text[j++] = (c >= 32 && c < 127 && c != '\'') ? (char)c : '?';
        }
    }
    text[j] = '\0';
    snprintf(buf, len, j ? "Task '%s'" : "Task", text);
    return 1;
}
