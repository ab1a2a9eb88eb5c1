/* heapcore/py/pycompat.c — the shared accessors of pycompat.h that are too big to inline. */
#include "pycompat.h"

#include <glib.h>
#include <string.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter" /* CPython's internal headers */
#if HC_PY311
#include "internal/pycore_dict.h" /* PyDictKeysObject, DK_ENTRIES */
#endif
#pragma GCC diagnostic pop

#if HC_PY312
hc_static_state *hc_py_static_type_state(PyInterpreterState *interp, PyTypeObject *tp)
{
    size_t i, idx;
    if (interp == NULL || tp == NULL || (tp->tp_flags & Py_TPFLAGS_HEAPTYPE))
        return NULL;
    idx = (size_t)(uintptr_t)tp->tp_subclasses;
#if HC_PY313
    if (idx >= 1 && idx <= _Py_MAX_MANAGED_STATIC_BUILTIN_TYPES &&
        interp->types.builtins.initialized[idx - 1].type == tp)
        return &interp->types.builtins.initialized[idx - 1];
    if (idx >= 1 && idx <= _Py_MAX_MANAGED_STATIC_EXT_TYPES &&
        interp->types.for_extensions.initialized[idx - 1].type == tp)
        return &interp->types.for_extensions.initialized[idx - 1];
    if (idx > 4096)
        return NULL; /* a real pointer (dict): not a managed static type */
    for (i = 0; i < _Py_MAX_MANAGED_STATIC_BUILTIN_TYPES; i++)
        if (interp->types.builtins.initialized[i].type == tp)
            return &interp->types.builtins.initialized[i];
    for (i = 0; i < _Py_MAX_MANAGED_STATIC_EXT_TYPES; i++)
        if (interp->types.for_extensions.initialized[i].type == tp)
            return &interp->types.for_extensions.initialized[i];
#else
    if (idx >= 1 && idx <= _Py_MAX_STATIC_BUILTIN_TYPES && interp->types.builtins[idx - 1].type == tp)
        return &interp->types.builtins[idx - 1];
    if (idx > 4096)
        return NULL;
    for (i = 0; i < _Py_MAX_STATIC_BUILTIN_TYPES; i++)
        if (interp->types.builtins[i].type == tp)
            return &interp->types.builtins[i];
#endif
    return NULL;
}
#endif

/* ---- subinterpreters marked running (pycompat.h) ------------------------------------- */

#if HC_PY313
#define HC_INTERP_MAIN(in) ((in)->threads.main) /* 3.13 */
#elif HC_PY312
#define HC_INTERP_MAIN(in) ((in)->threads_main) /* 3.12 */
#endif

int hc_py_interp_mark_running(PyInterpreterState *in, PyThreadState *ts)
{
#ifdef HC_INTERP_MAIN
    if (in == NULL || ts == NULL || HC_INTERP_MAIN(in) != NULL)
        return 0;
    HC_INTERP_MAIN(in) = ts;
    return 1;
#else
    (void)in;
    (void)ts;
    return 0;
#endif
}

void hc_py_interp_unmark_running(PyInterpreterState *in, PyThreadState *ts)
{
#ifdef HC_INTERP_MAIN
    if (in != NULL && HC_INTERP_MAIN(in) == ts)
        HC_INTERP_MAIN(in) = NULL;
#else
    (void)in;
    (void)ts;
#endif
}

#if HC_PY312 && !HC_PY313
/* 3.12, a subinterpreter sharing main's GIL: take_gil asks the holder to let go through the
 * eval breaker of the *waiter's* interpreter, which a busy thread of main never reads, so
 * waiting as the subinterpreter's thread state starved (hang).  While we wait, this helper
 * asks main's threads directly, every millisecond. */
typedef struct {
    PyInterpreterState *main;
    gint stop;
} nudge_ctx;

static gpointer nudge_main(gpointer data)
{
    nudge_ctx *n = data;
    while (!g_atomic_int_get(&n->stop)) {
        _Py_atomic_store_relaxed(&n->main->ceval.gil_drop_request, 1);
        _Py_atomic_store_relaxed(&n->main->ceval.eval_breaker, 1);
        g_usleep(1000);
    }
    return NULL;
}
#endif

PyThreadState *hc_py_interp_enter(PyThreadState *sub_ts)
{
#if HC_PY312
#if !HC_PY313
    PyInterpreterState *main = PyInterpreterState_Main();
    nudge_ctx n = {main, 0};
    GThread *nudger =
        sub_ts->interp->ceval.gil == main->ceval.gil ? g_thread_try_new("heapcore-nudge", nudge_main, &n, NULL) : NULL;
#endif
    PyThreadState *mine = PyEval_SaveThread();
    PyEval_AcquireThread(sub_ts);
#if !HC_PY313
    if (nudger) {
        g_atomic_int_set(&n.stop, 1);
        g_thread_join(nudger);
    }
#endif
    return mine;
#else
    return PyThreadState_Swap(sub_ts);
#endif
}

void hc_py_interp_leave(PyThreadState *sub_ts, PyThreadState *mine, PyInterpreterState *in, int marked)
{
    PyThreadState_Clear(sub_ts);
#if HC_PY312
    /* Back on main's GIL before sub_ts is unmarked and deleted: meanwhile no thread of main
     * can reach destroy(), whose PyThreadState_New would race with the deletion (3.13 hands
     * out the interpreter's preallocated initial thread state, which sub_ts may be:
     * "init_threadstate: thread state already initialized"). */
    PyEval_ReleaseThread(sub_ts);
    PyEval_RestoreThread(mine);
    if (marked)
        hc_py_interp_unmark_running(in, sub_ts);
    PyThreadState_Delete(sub_ts);
#else
    (void)in;
    (void)marked;
    PyThreadState_Swap(mine);
    PyThreadState_Delete(sub_ts);
#endif
}

/* ---- dict lookups that run no Python code ------------------------------------------------ */

/* Whether str (or str subclass) k has the contents of key: unicode_eq's test.  Equal strings
 * have equal kinds (PEP 393 canonical form). */
static int str_is_key(PyObject *k, PyObject *key)
{
    if (!PyUnicode_IS_READY(k))
        return 0; /* 3.10 legacy string; a dict key is always ready (it was hashed) */
    Py_ssize_t n = PyUnicode_GET_LENGTH(k);
    return n == PyUnicode_GET_LENGTH(key) && PyUnicode_KIND(k) == PyUnicode_KIND(key) &&
           memcmp(PyUnicode_DATA(k), PyUnicode_DATA(key), (size_t)n * PyUnicode_KIND(k)) == 0;
}

/* What the dict lookup of key (hash) would decide for entry key k, stored hash h: 1 match,
 * 0 no match, -1 only Python code could tell (the dict would call k's __eq__). */
static int entry_matches(PyObject *k, Py_hash_t h, PyObject *key, Py_hash_t hash)
{
    if (k == key)
        return 1;
    if (PyUnicode_CheckExact(k))
        return str_is_key(k, key); /* equal contents imply equal hashes */
    if (h != hash)
        return 0; /* the dict compares stored hashes first */
    /* A str subclass that keeps str's comparison: PyObject_RichCompare(k, key, Py_EQ) is
     * unicode_richcompare, a content comparison. */
    if (PyUnicode_Check(k) && Py_TYPE(k)->tp_richcompare == PyUnicode_Type.tp_richcompare)
        return str_is_key(k, key);
    return -1;
}

int hc_py_dict_peek_str(PyObject *d, PyObject *key, Py_hash_t hash, PyObject **value)
{
    PyDictObject *mp = (PyDictObject *)d;
    *value = NULL;
#if HC_PY311
    PyDictKeysObject *dk = mp->ma_keys;
    Py_ssize_t n = dk->dk_nentries;
    if (dk->dk_kind == DICT_KEYS_GENERAL) { /* never split */
        PyDictKeyEntry *ep = DK_ENTRIES(dk);
        for (Py_ssize_t i = 0; i < n; i++) {
            if (ep[i].me_key == NULL || ep[i].me_value == NULL)
                continue; /* unused or deleted */
            int r = entry_matches(ep[i].me_key, ep[i].me_hash, key, hash);
            if (r != 0) {
                *value = r > 0 ? ep[i].me_value : NULL;
                return r > 0 ? 0 : -1;
            }
        }
    } else { /* all keys are exact str */
        PyDictUnicodeEntry *ep = DK_UNICODE_ENTRIES(dk);
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *v = mp->ma_values != NULL ? mp->ma_values->values[i] : ep[i].me_value;
            if (ep[i].me_key != NULL && v != NULL && entry_matches(ep[i].me_key, -1, key, hash) > 0) {
                *value = v;
                return 0;
            }
        }
    }
#else
    hc310_keys *dk = (hc310_keys *)mp->ma_keys;
    hc310_entry *ep = hc310_entries(dk);
    Py_ssize_t n = dk->dk_nentries;
    for (Py_ssize_t i = 0; i < n; i++) {
        /* split tables keep the values in ma_values (and only exact str keys) */
        PyObject *v = mp->ma_values != NULL ? mp->ma_values[i] : ep[i].me_value;
        if (ep[i].me_key == NULL || v == NULL)
            continue; /* unused, or deleted (the key is then the dummy) */
        int r = entry_matches(ep[i].me_key, ep[i].me_hash, key, hash);
        if (r != 0) {
            *value = r > 0 ? v : NULL;
            return r > 0 ? 0 : -1;
        }
    }
#endif
    return 0;
}
