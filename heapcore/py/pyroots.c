/* heapcore/py/pyroots.c — roots, virtual nodes (thread states, interpreter frames), gc lists and
 * the referents that tp_traverse does not report, for CPython 3.10–3.13 (GIL builds).
 *
 * Everything here only READS interpreter memory: no object is created, freed, INCREF'd or
 * DECREF'd, no Python code runs, nothing can trigger a collection.  The GIL is held by the
 * caller.  Per-version struct layouts come from CPython's own internal headers (pulled in via
 * Py_BUILD_CORE_MODULE, see pyadapter.h) except for the 3.10 dict-keys table, whose layout is
 * private to Objects/dictobject.c and is restated below.  See thesis-notes/roots.md. */

#include "pycompat.h"
#include "heapcore/error.h"

#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef Py_GIL_DISABLED
#error "pyroots.c supports GIL builds of CPython only (free-threaded builds have no gc lists)"
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

/* ---------------------------------------------------------------------------------------- */
/* small helpers                                                                            */

#define HC_CHAIN_MAX 100000 /* bound for every walk over a data-dependent linked list */

typedef struct {
    hc_py_root_cb cb;
    void *data;
    int nomem; /* an allocation failed: some roots were not reported */
} root_ctx;

static void root(root_ctx *rc, const void *p, const char *label)
{
    if (p != NULL)
        rc->cb(rc->data, (uintptr_t)p, label);
}

static void rootf(root_ctx *rc, const void *p, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void rootf(root_ctx *rc, const void *p, const char *fmt, ...)
{
    char buf[160];
    va_list ap;
    if (p == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    rc->cb(rc->data, (uintptr_t)p, buf);
}

static inline void ref(hc_py_ref_cb cb, void *data, const void *p, unsigned flags)
{
    if (p != NULL)
        cb(data, (uintptr_t)p, flags);
}

/* Labelled references.  The walk's callbacks take no labels; hc_py_virtual_labels and
 * hc_py_iframe_labels pass label_sink as the callback and a label_ctx as its data, and then
 * refl hands each referent over with its label.  So one enumeration serves the walk and the
 * labels, and the two cannot drift apart. */
typedef struct label_ctx {
    hc_py_label_cb cb;
    void *data;
    unsigned prefix; /* HC_PY_LBL_GEN / _CORO / _AGEN for a generator's embedded frame */
} label_ctx;

static void label_sink(void *data, uintptr_t addr, unsigned flags)
{
    label_ctx *lc = data;
    if (!(flags & HC_PY_REF_DICT_OF))
        lc->cb(lc->data, addr, HC_PY_LBL_NONE, 0);
}

static inline void refl(hc_py_ref_cb cb, void *data, const void *p, unsigned kind, uintptr_t arg)
{
    if (p == NULL)
        return;
    if (cb == label_sink) {
        label_ctx *lc = data;
        lc->cb(lc->data, (uintptr_t)p, kind | lc->prefix, arg);
    } else {
        cb(data, (uintptr_t)p, 0);
    }
}

#if HC_PY311
/* Copy a str into dst as ASCII ('?' for every non-ASCII code point) without creating or caching
 * anything.  Returns dst. */
static char *str_ascii(PyObject *s, char *dst, size_t n)
{
    if (n == 0)
        return dst;
    dst[0] = '\0';
    if (s == NULL || !PyUnicode_Check(s)) {
        snprintf(dst, n, "?");
        return dst;
    }
#if !HC_PY312
    if (!PyUnicode_IS_READY(s)) { /* legacy wstr-only string: do not touch */
        snprintf(dst, n, "?");
        return dst;
    }
#endif
    {
        Py_ssize_t len = PyUnicode_GET_LENGTH(s), i;
        int kind = PyUnicode_KIND(s);
        const void *d = PyUnicode_DATA(s);
        size_t j = 0;
        for (i = 0; i < len && j + 1 < n; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, d, i);
            dst[j++] = (c >= 32 && c < 127) ? (char)c : '?';
        }
        dst[j] = '\0';
    }
    return dst;
}

static const char *basename_of(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}
#endif

static const char *signal_name(int i)
{
    switch (i) {
#ifdef SIGHUP
    case SIGHUP:
        return "SIGHUP";
#endif
#ifdef SIGINT
    case SIGINT:
        return "SIGINT";
#endif
#ifdef SIGQUIT
    case SIGQUIT:
        return "SIGQUIT";
#endif
#ifdef SIGILL
    case SIGILL:
        return "SIGILL";
#endif
#ifdef SIGTRAP
    case SIGTRAP:
        return "SIGTRAP";
#endif
#ifdef SIGABRT
    case SIGABRT:
        return "SIGABRT";
#endif
#ifdef SIGBUS
    case SIGBUS:
        return "SIGBUS";
#endif
#ifdef SIGFPE
    case SIGFPE:
        return "SIGFPE";
#endif
#ifdef SIGKILL
    case SIGKILL:
        return "SIGKILL";
#endif
#ifdef SIGUSR1
    case SIGUSR1:
        return "SIGUSR1";
#endif
#ifdef SIGSEGV
    case SIGSEGV:
        return "SIGSEGV";
#endif
#ifdef SIGUSR2
    case SIGUSR2:
        return "SIGUSR2";
#endif
#ifdef SIGPIPE
    case SIGPIPE:
        return "SIGPIPE";
#endif
#ifdef SIGALRM
    case SIGALRM:
        return "SIGALRM";
#endif
#ifdef SIGTERM
    case SIGTERM:
        return "SIGTERM";
#endif
#ifdef SIGCHLD
    case SIGCHLD:
        return "SIGCHLD";
#endif
#ifdef SIGCONT
    case SIGCONT:
        return "SIGCONT";
#endif
#ifdef SIGTSTP
    case SIGTSTP:
        return "SIGTSTP";
#endif
#ifdef SIGWINCH
    case SIGWINCH:
        return "SIGWINCH";
#endif
#ifdef SIGXCPU
    case SIGXCPU:
        return "SIGXCPU";
#endif
#ifdef SIGXFSZ
    case SIGXFSZ:
        return "SIGXFSZ";
#endif
#ifdef SIGVTALRM
    case SIGVTALRM:
        return "SIGVTALRM";
#endif
#ifdef SIGPROF
    case SIGPROF:
        return "SIGPROF";
#endif
#ifdef SIGIO
    case SIGIO:
        return "SIGIO";
#endif
#ifdef SIGSYS
    case SIGSYS:
        return "SIGSYS";
#endif
    default:
        return NULL;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* HEAD_LOCK: the runtime's interpreters mutex guards every interpreter's thread list.      */

static void head_lock(void)
{
#if HC_PY313
    /* HEAD_LOCK is PyMutex_LockFlags(.., _Py_LOCK_DONT_DETACH), whose slow path
     * (_PyMutex_LockTimed) is not exported.  PyMutex_Lock would detach the thread state (release
     * the GIL) while waiting, so spin on the fast path instead: HEAD_LOCK is only held for short
     * list operations that never wait for the GIL, so this terminates. */
    uint8_t *bits = &_PyRuntime.interpreters.mutex._bits;
    for (;;) {
        uint8_t v = _Py_atomic_load_uint8(bits);
        if (!(v & _Py_LOCKED) && _Py_atomic_compare_exchange_uint8(bits, &v, v | _Py_LOCKED))
            break; /* keeps a _Py_HAS_PARKED bit: PyMutex_Unlock then wakes the waiter */
        sched_yield();
    }
#else
    PyThread_acquire_lock(_PyRuntime.interpreters.mutex, WAIT_LOCK);
#endif
}

static void head_unlock(void)
{
#if HC_PY313
    PyMutex_Unlock(&_PyRuntime.interpreters.mutex);
#else
    PyThread_release_lock(_PyRuntime.interpreters.mutex);
#endif
}

static PyThreadState *interp_thread_head(PyInterpreterState *interp)
{
#if HC_PY311
    return interp->threads.head;
#else
    return interp->tstate_head;
#endif
}

/* Is ts still linked into some interpreter's thread list?  (Taken under HEAD_LOCK.) */
static int tstate_is_live(PyThreadState *ts)
{
    int found = 0;
    long guard = 0;
    PyInterpreterState *in;
    head_lock();
    for (in = _PyRuntime.interpreters.head; in != NULL && !found && guard < HC_CHAIN_MAX; in = in->next) {
        PyThreadState *t;
        for (t = interp_thread_head(in); t != NULL && guard < HC_CHAIN_MAX; t = t->next, guard++) {
            if (t == ts) {
                found = 1;
                break;
            }
        }
    }
    head_unlock();
    return found;
}

/* ---------------------------------------------------------------------------------------- */
/* 3.11+: the runtime-static str objects (_Py_ID / _Py_STR), stepped through in memory.     */

#if HC_PY311
/* Each element of .literals / .identifiers is struct { PyASCIIObject; uint8_t data[len+1]; },
 * so the next one starts at the aligned end of the current one.  Stops at the first element
 * that does not look like a compact ASCII str (defensive: the layout is generated code). */
static void static_str_block(root_ctx *rc, char *p, char *end, const char *label)
{
    const size_t align = _Alignof(PyASCIIObject);
    while (p + sizeof(PyASCIIObject) <= end) {
        PyObject *s = (PyObject *)p;
        Py_ssize_t len;
        size_t sz;
        if (Py_TYPE(s) != &PyUnicode_Type || !PyUnicode_IS_COMPACT_ASCII(s))
            break;
        len = ((PyASCIIObject *)s)->length;
        if (len < 0 || len > 4096)
            break;
        root(rc, s, label);
        sz = sizeof(PyASCIIObject) + (size_t)len + 1;
        sz = (sz + align - 1) & ~(align - 1);
        p += sz;
    }
}
#endif

/* ---------------------------------------------------------------------------------------- */
/* hc_py_roots                                                                              */

/* Static types are not gc objects and are often referenced by nothing but their own
 * descriptors; 3.10/3.11 keep no list of them (3.12+ list only the core builtin ones).  Every
 * ready type is registered in its bases' subclass dicts ({id: weakref}), so walk down from
 * `object` (iteratively, through static types only) and report each static type found. */
static PyObject *subclasses_dict(PyInterpreterState *interp, PyTypeObject *t)
{
    void *sc = t->tp_subclasses;
#if HC_PY312
    if (!(t->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        hc_static_state *st = hc_py_static_type_state(interp, t);
        if (st != NULL)
            sc = st->tp_subclasses;
        else if ((uintptr_t)sc <= 4096)
            sc = NULL;
    }
#else
    (void)interp;
#endif
    return (sc != NULL && PyDict_Check((PyObject *)sc)) ? (PyObject *)sc : NULL;
}

static void static_types_by_subclasses(root_ctx *rc, PyInterpreterState *interp)
{
    PyTypeObject **seen = NULL;
    size_t nseen = 0, cap = 0, next = 0;
    char nm[128];

    cap = 1024;
    seen = (PyTypeObject **)hc_try_malloc(cap * sizeof *seen);
    if (seen == NULL) {
        rc->nomem = 1;
        return;
    }
    seen[nseen++] = &PyBaseObject_Type;
    /* seen[] doubles as the work queue: seen[next..nseen) still have to be expanded */
    while (next < nseen) {
        PyTypeObject *t = seen[next++];
        PyObject *sc = subclasses_dict(interp, t), *key, *wr;
        Py_ssize_t pos = 0;
#if HC_PY312
        if (hc_py_static_type_state(interp, t) == NULL) /* else reported from interp->types */
#endif
        {
            snprintf(nm, sizeof nm, "%s", t->tp_name ? t->tp_name : "?");
            rootf(rc, t, "static type %s", nm);
        }
        if (sc == NULL)
            continue;
        while (PyDict_Next(sc, &pos, &key, &wr)) {
            PyObject *sub;
            size_t k;
            if (wr == NULL || !PyWeakref_Check(wr))
                continue;
            sub = ((PyWeakReference *)wr)->wr_object;
            if (sub == NULL || sub == Py_None || !PyType_Check(sub) ||
                (((PyTypeObject *)sub)->tp_flags & Py_TPFLAGS_HEAPTYPE))
                continue;
            for (k = 0; k < nseen && seen[k] != (PyTypeObject *)sub; k++) {
            }
            if (k < nseen)
                continue;
            if (nseen == cap) {
                PyTypeObject **ns;
                if (cap >= 1u << 20)
                    break;
                ns = (PyTypeObject **)hc_try_reallocarray(seen, 2 * cap, sizeof *seen);
                if (ns == NULL) {
                    rc->nomem = 1;
                    break;
                }
                seen = ns;
                cap *= 2;
            }
            seen[nseen++] = (PyTypeObject *)sub;
        }
    }
    hc_free(seen);
}

static void roots_interp(root_ctx *rc, PyInterpreterState *interp)
{
    int i;

    /* import system */
#if HC_PY312
    root(rc, interp->imports.modules, "sys.modules");
    root(rc, interp->imports.modules_by_index, "interp.modules_by_index");
    root(rc, interp->imports.importlib, "interp.importlib");
    root(rc, interp->imports.import_func, "interp.import_func");
    PyObject *by_index = interp->imports.modules_by_index;
#else
    root(rc, interp->modules, "sys.modules");
    root(rc, interp->modules_by_index, "interp.modules_by_index");
    root(rc, interp->importlib, "interp.importlib");
    root(rc, interp->import_func, "interp.import_func");
    PyObject *by_index = interp->modules_by_index;
#endif
    root(rc, interp->sysdict, "interp.sysdict");
    root(rc, interp->builtins, "interp.builtins");
    root(rc, interp->builtins_copy, "interp.builtins_copy");
#if HC_PY312
    root(rc, interp->sysdict_copy, "interp.sysdict_copy");
#endif
    root(rc, interp->dict, "interp.dict");

    /* single-phase extension modules: PyModuleDef.m_base.m_copy (a dict copy of the module's
     * namespace kept for re-import); reachable through the modules_by_index list.  The defs
     * are the runtime's, shared by every interpreter: while a subinterpreter exists, a copy
     * may hold its objects (3.10/3.11 re-copy sys's namespace from each new interpreter), so
     * they are left out then (a copy made here is still found: a dict this interpreter's gc
     * tracks). */
    if (by_index != NULL && PyList_Check(by_index) && PyInterpreterState_Next(PyInterpreterState_Head()) == NULL) {
        Py_ssize_t n = PyList_GET_SIZE(by_index), k;
        for (k = 0; k < n; k++) {
            PyObject *m = PyList_GET_ITEM(by_index, k);
            PyModuleDef *def;
            if (m == NULL || !PyModule_Check(m))
                continue;
            def = PyModule_GetDef(m); /* plain field read, creates nothing */
            if (def != NULL && def->m_base.m_copy != NULL)
                rootf(rc, def->m_base.m_copy, "m_copy of module %s", def->m_name ? def->m_name : "?");
        }
    }

    /* codecs */
#if HC_PY313
    root(rc, interp->codecs.search_path, "codecs.search_path");
    root(rc, interp->codecs.search_cache, "codecs.search_cache");
    root(rc, interp->codecs.error_registry, "codecs.error_registry");
#else
    root(rc, interp->codec_search_path, "codecs.search_path");
    root(rc, interp->codec_search_cache, "codecs.search_cache");
    root(rc, interp->codec_error_registry, "codecs.error_registry");
#endif

#ifdef HAVE_FORK
    root(rc, interp->before_forkers, "os.register_at_fork before");
    root(rc, interp->after_forkers_parent, "os.register_at_fork after_in_parent");
    root(rc, interp->after_forkers_child, "os.register_at_fork after_in_child");
#endif

    /* warnings */
    root(rc, interp->warnings.filters, "warnings.filters");
    root(rc, interp->warnings.once_registry, "warnings.once_registry");
    root(rc, interp->warnings.default_action, "warnings.default_action");

    /* atexit (Python-level callbacks; 3.12+ ll_callbacks are C functions + void *) */
    if (interp->atexit.callbacks != NULL) {
        for (i = 0; i < interp->atexit.ncallbacks; i++) {
#if HC_PY312
            atexit_py_callback *cb = interp->atexit.callbacks[i];
#else
            atexit_callback *cb = interp->atexit.callbacks[i];
#endif
            if (cb == NULL)
                continue;
            rootf(rc, cb->func, "atexit callback %d func", i);
            rootf(rc, cb->args, "atexit callback %d args", i);
            rootf(rc, cb->kwargs, "atexit callback %d kwargs", i);
        }
    }

    /* sys.addaudithook hooks (runtime-level C hooks carry an opaque void *: not reported) */
    root(rc, interp->audit_hooks, "audit hooks");

    /* gc module */
    root(rc, interp->gc.garbage, "gc.garbage");
    root(rc, interp->gc.callbacks, "gc.callbacks");

    /* exceptions */
    root(rc, interp->exc_state.errnomap, "OSError errnomap");
#if HC_PY311
    root(rc, interp->exc_state.PyExc_ExceptionGroup, "ExceptionGroup type");
#endif

    /* method cache: entry names are strong (value is borrowed) */
    {
#if HC_PY312
        struct type_cache *tc = &interp->types.type_cache;
#else
        struct type_cache *tc = &interp->type_cache;
#endif
        size_t k;
        for (k = 0; k < (size_t)(1 << MCACHE_SIZE_EXP); k++)
            root(rc, tc->hashtable[k].name, "type_cache name");
    }

    /* _Py_Identifier strings (_PyUnicode_FromId) */
    if (interp->unicode.ids.array != NULL) {
        Py_ssize_t k;
        for (k = 0; k < interp->unicode.ids.size; k++)
            root(rc, interp->unicode.ids.array[k], "_Py_Identifier str");
    }

    /* _ast module state: every field from AST_type to withitem_type is a PyObject * */
    {
        PyObject **p = &interp->ast.AST_type, **e = &interp->ast.withitem_type;
        for (; p <= e; p++)
            root(rc, *p, "ast state");
    }

#if HC_PY311
    root(rc, interp->callable_cache.isinstance, "callable_cache isinstance");
    root(rc, interp->callable_cache.len, "callable_cache len");
    root(rc, interp->callable_cache.list_append, "callable_cache list.append");
#endif
#if HC_PY312
    root(rc, interp->callable_cache.object__getattribute__, "callable_cache object.__getattribute__");
    root(rc, interp->cached_objects.interned_strings, "interned strings");
    root(rc, interp->cached_objects.str_replace_inf, "ast str_replace_inf");
    root(rc, interp->cached_objects.objreduce, "object.__reduce__");
    root(rc, interp->cached_objects.type_slots_pname, "type_slots_pname");
    root(rc, interp->cached_objects.generic_type, "typing Generic type");
    root(rc, interp->cached_objects.typevar_type, "typing TypeVar type");
    root(rc, interp->cached_objects.typevartuple_type, "typing TypeVarTuple type");
    root(rc, interp->cached_objects.paramspec_type, "typing ParamSpec type");
    root(rc, interp->cached_objects.paramspecargs_type, "typing ParamSpecArgs type");
    root(rc, interp->cached_objects.paramspeckwargs_type, "typing ParamSpecKwargs type");
    root(rc, &interp->static_objects.singletons.hamt_empty, "empty hamt");
    root(rc, &interp->static_objects.singletons.last_resort_memory_error, "last-resort MemoryError");
    {
        int t, e;
        for (t = 0; t < PY_MONITORING_TOOL_IDS; t++) {
            rootf(rc, interp->monitoring_tool_names[t], "sys.monitoring tool %d name", t);
            for (e = 0; e < _PY_MONITORING_EVENTS; e++)
                rootf(rc, interp->monitoring_callables[t][e], "sys.monitoring tool %d event %d callback", t, e);
        }
    }
#endif
#if HC_PY312 && !HC_PY313
    root(rc, interp->interpreter_trampoline, "interpreter trampoline code");
#endif
#if HC_PY313
    root(rc, interp->optimizer, "optimizer");
    root(rc, interp->xi.PyExc_NotShareableError, "NotShareableError type");
#endif

    /* cross-interpreter data registry: cls is strong unless a weakref to it is held */
#if HC_PY313
    struct _xidregitem *xi = interp->xi.registry.head;
#elif HC_PY312
    struct _xidregitem *xi = interp->xidregistry.head;
#endif
#if HC_PY312
    {
        long guard = 0;
        for (; xi != NULL && guard < HC_CHAIN_MAX; xi = xi->next, guard++) {
            if (xi->weakref != NULL)
                root(rc, xi->weakref, "cross-interpreter registry weakref");
            else
                root(rc, xi->cls, "cross-interpreter registry class");
        }
    }
#endif

    /* static builtin types and their per-interpreter dict / subclasses (3.12+) */
#if HC_PY312
    {
        size_t k, n;
        char nm[128];
#if HC_PY313
        hc_static_state *arr = interp->types.builtins.initialized;
        n = _Py_MAX_MANAGED_STATIC_BUILTIN_TYPES;
#else
        hc_static_state *arr = interp->types.builtins;
        n = _Py_MAX_STATIC_BUILTIN_TYPES;
#endif
        for (k = 0; k < n; k++) {
            hc_static_state *st = &arr[k];
            if (st->type == NULL)
                continue;
            snprintf(nm, sizeof nm, "%s", st->type->tp_name ? st->type->tp_name : "?");
            rootf(rc, st->type, "static type %s", nm);
            rootf(rc, st->tp_dict, "static type dict %s", nm);
            rootf(rc, st->tp_subclasses, "static type subclasses %s", nm);
        }
#if HC_PY313
        for (k = 0; k < _Py_MAX_MANAGED_STATIC_EXT_TYPES; k++) {
            hc_static_state *st = &interp->types.for_extensions.initialized[k];
            if (st->type == NULL)
                continue;
            snprintf(nm, sizeof nm, "%s", st->type->tp_name ? st->type->tp_name : "?");
            rootf(rc, st->type, "static type %s", nm);
            rootf(rc, st->tp_dict, "static type dict %s", nm);
            rootf(rc, st->tp_subclasses, "static type subclasses %s", nm);
        }
#endif
    }
#endif
    static_types_by_subclasses(rc, interp);

    /* 3.10: per-interpreter singletons and caches of immutable objects */
#if !HC_PY311
    for (i = 0; i < _PY_NSMALLNEGINTS + _PY_NSMALLPOSINTS; i++)
        root(rc, interp->small_ints[i], "small int");
    root(rc, interp->bytes.empty_string, "empty bytes");
    for (i = 0; i < 256; i++)
        root(rc, interp->bytes.characters[i], "1-byte bytes");
    root(rc, interp->unicode.empty_string, "empty str");
    for (i = 0; i < 256; i++)
        root(rc, interp->unicode.latin1[i], "latin-1 char str");
#if PyTuple_MAXSAVESIZE > 0
    root(rc, interp->tuple.free_list[0], "empty tuple");
#endif
#endif
}

#if !HC_PY312
/* 3.10/3.11: the Python signal handlers live in the file-static Handlers[] array of
 * Modules/signalmodule.c.  They are read through that file's own getsignal, called as the C
 * function of the _signal module's PyModuleDef (never through the module's dict, which the
 * program may patch): it reads Handlers[s].func and returns it with a new reference, which is
 * dropped at once (Handlers[] still holds it).  Its argument is a cached small int, so nothing
 * is created, and no Python code runs.  Without an imported _signal no Python handler can have
 * been set. */
static void signal_handlers_pre312(root_ctx *rc)
{
    static PyObject *key;
    static Py_hash_t hash;
    PyInterpreterState *main = PyInterpreterState_Main();
    PyObject *modules = main != NULL ? main->modules : NULL, *m = NULL;
    if (key == NULL) {
        PyObject *k = PyUnicode_InternFromString("_signal");
        if (k == NULL || (hash = PyObject_Hash(k)) == -1) {
            Py_XDECREF(k);
            PyErr_Clear();
            rc->nomem = 1;
            return;
        }
        key = k;
    }
    if (modules == NULL || !PyDict_Check(modules) || hc_py_dict_peek_str(modules, key, hash, &m) < 0 || m == NULL ||
        !PyModule_CheckExact(m))
        return;
    PyModuleDef *def = PyModule_GetDef(m);
    PyMethodDef *getsignal = NULL;
    for (PyMethodDef *md = def != NULL ? def->m_methods : NULL; md != NULL && md->ml_name != NULL; md++)
        if (strcmp(md->ml_name, "getsignal") == 0 &&
            (md->ml_flags & (METH_O | METH_VARARGS | METH_KEYWORDS | METH_FASTCALL | METH_NOARGS)) == METH_O)
            getsignal = md;
    if (getsignal == NULL)
        return;
    for (int i = 1; i < NSIG && i <= 256; i++) {
        PyObject *arg = PyLong_FromLong(i); /* a cached small int: creates nothing */
        PyObject *h = arg != NULL ? getsignal->ml_meth(m, arg) : NULL;
        Py_XDECREF(arg);
        if (h == NULL) {
            PyErr_Clear();
            continue;
        }
        if (h != Py_None) {
            const char *nm = signal_name(i);
            if (nm != NULL)
                rootf(rc, h, "signal handler %s", nm);
            else
                rootf(rc, h, "signal handler %d", i);
        }
        Py_DECREF(h); /* Handlers[i] still holds it */
    }
}
#endif

static void roots_runtime(root_ctx *rc)
{
#if HC_PY311
    int i;
#endif
    root(rc, Py_None, "None");
    root(rc, Py_True, "True");
    root(rc, Py_False, "False");
    root(rc, Py_Ellipsis, "Ellipsis");
    root(rc, Py_NotImplemented, "NotImplemented");

#if HC_PY311
    /* runtime-static immutable objects */
#if HC_PY312
#define HC_SINGLETONS _PyRuntime.static_objects.singletons
#else
#define HC_SINGLETONS _PyRuntime.global_objects.singletons
#endif
    for (i = 0; i < _PY_NSMALLNEGINTS + _PY_NSMALLPOSINTS; i++)
        root(rc, &HC_SINGLETONS.small_ints[i], "small int");
    root(rc, &HC_SINGLETONS.bytes_empty, "empty bytes");
    for (i = 0; i < 256; i++)
        root(rc, &HC_SINGLETONS.bytes_characters[i].ob, "1-byte bytes");
    root(rc, &HC_SINGLETONS.tuple_empty, "empty tuple");
    for (i = 0; i < 128; i++)
        root(rc, &HC_SINGLETONS.strings.ascii[i]._ascii, "static str");
    for (i = 0; i < 128; i++)
        root(rc, &HC_SINGLETONS.strings.latin1[i]._latin1, "static str");
    static_str_block(rc, (char *)&HC_SINGLETONS.strings.literals,
                     (char *)&HC_SINGLETONS.strings.literals + sizeof HC_SINGLETONS.strings.literals, "static str");
    static_str_block(rc, (char *)&HC_SINGLETONS.strings.identifiers,
                     (char *)&HC_SINGLETONS.strings.identifiers + sizeof HC_SINGLETONS.strings.identifiers,
                     "static str");
#if HC_PY312
    root(rc, &HC_SINGLETONS.hamt_bitmap_node_empty, "empty hamt node");
    root(rc, &HC_SINGLETONS.context_token_missing, "Token.MISSING");
#endif
#undef HC_SINGLETONS
#endif

#if HC_PY312
    /* signal handlers (process-wide, owned by the main interpreter) */
    for (i = 1; i < Py_NSIG; i++) {
#if HC_PY313
        PyObject *h = _PyRuntime.signals.handlers[i].func;
#else
        PyObject *h = (PyObject *)_PyRuntime.signals.handlers[i].func._value;
#endif
        const char *nm = signal_name(i);
        if (nm != NULL)
            rootf(rc, h, "signal handler %s", nm);
        else
            rootf(rc, h, "signal handler %d", i);
    }
    root(rc, _PyRuntime.signals.default_handler, "signal.SIG_DFL");
    root(rc, _PyRuntime.signals.ignore_handler, "signal.SIG_IGN");
    root(rc, _PyRuntime.faulthandler.fatal_error.file, "faulthandler file");
    root(rc, _PyRuntime.faulthandler.thread.file, "faulthandler dump_traceback_later file");
#else
    signal_handlers_pre312(rc);
    /* faulthandler's file lives in a file-static struct of Modules/faulthandler.c: not
     * reachable from here; the faulthandler module does not traverse it either. */
#endif
}

int hc_py_roots(PyInterpreterState *interp, hc_py_root_cb cb, void *data)
{
    root_ctx rc = {cb, data, 0};
    PyThreadState **ts = NULL;
    size_t n = 0, cap = 0, k;
    long guard = 0;

    if (interp == NULL || cb == NULL)
        return 0;
    roots_interp(&rc, interp);
    roots_runtime(&rc);

    /* Thread states: copy the list under HEAD_LOCK, report after releasing it. */
    head_lock();
    {
        PyThreadState *t;
        for (t = interp_thread_head(interp); t != NULL && guard < HC_CHAIN_MAX; t = t->next)
            guard++;
        cap = (size_t)guard;
        if (cap > 0 && (ts = (PyThreadState **)hc_try_malloc(cap * sizeof *ts)) == NULL)
            rc.nomem = 1;
        if (ts != NULL)
            for (t = interp_thread_head(interp); t != NULL && n < cap; t = t->next)
                ts[n++] = t;
    }
    head_unlock();

    for (k = 0; k < n; k++) {
        char label[96];
        hc_py_virtual_label((uintptr_t)ts[k] | HC_PY_VTAG_THREAD, label, sizeof label);
        cb(data, (uintptr_t)ts[k] | HC_PY_VTAG_THREAD, label);
    }
    hc_free(ts);
    return rc.nomem ? -1 : 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Virtual nodes                                                                            */

/* The globals of the observer's modules (hc_py_hide_frames_of): few, compared by address. */
static PyObject **own_globals;
static size_t nown_globals;

static int globals_are_own(PyObject *globals)
{
    size_t i;
    for (i = 0; i < nown_globals; i++)
        if (own_globals[i] == globals)
            return 1;
    return 0;
}

int hc_py_hide_frames_of(PyObject *globals)
{
    PyObject **g;
    if (!PyDict_Check(globals)) {
        PyErr_SetString(PyExc_TypeError, "hide_frames_of: a module's globals (a dict) expected");
        return -1;
    }
    if (globals_are_own(globals))
        return 0;
    g = realloc(own_globals, (nown_globals + 1) * sizeof *g);
    if (g == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_INCREF(globals);
    own_globals = g;
    own_globals[nown_globals++] = globals;
    return 0;
}

int hc_py_frame_is_own(uintptr_t addr)
{
    if (nown_globals == 0)
        return 0;
#if HC_PY311
    if (HC_PY_VTAG(addr) == HC_PY_VTAG_FRAME)
        return globals_are_own(((_PyInterpreterFrame *)HC_PY_VUNTAG(addr))->f_globals);
    if (HC_PY_VTAG(addr) == 0 && PyFrame_Check((PyObject *)addr)) {
        _PyInterpreterFrame *f = ((PyFrameObject *)addr)->f_frame;
        return f != NULL && globals_are_own(f->f_globals);
    }
#else
    if (HC_PY_VTAG(addr) == 0 && PyFrame_Check((PyObject *)addr))
        return globals_are_own(((PyFrameObject *)addr)->f_globals);
#endif
    return 0;
}

#if HC_PY311
static PyCodeObject *frame_code(_PyInterpreterFrame *f)
{
#if HC_PY313
    PyObject *c = f->f_executable;
    return (c != NULL && PyCode_Check(c)) ? (PyCodeObject *)c : NULL;
#else
    return f->f_code;
#endif
}

static int frame_is_shim(_PyInterpreterFrame *f)
{
#if HC_PY312
    return f->owner == FRAME_OWNED_BY_CSTACK;
#else
    (void)f; /* 3.11 has no shim frames: is_entry only marks the first frame of an eval loop */
    return 0;
#endif
}

/* Report the first frame at or below f: thread-owned frames become a tagged FRAME node (and
 * end the walk; that node reports its own `previous`), generator-owned frames are reported as
 * their generator and frame-object-owned frames as their frame object; the walk continues
 * below those, since their traverse does not follow `previous`.  Shims are skipped. */
static void report_frame_chain(_PyInterpreterFrame *f, const char *name, hc_py_ref_cb cb, void *data)
{
    long guard = 0;
    for (; f != NULL && guard < HC_CHAIN_MAX; f = f->previous, guard++) {
        if (frame_is_shim(f))
            continue;
        switch (f->owner) {
        case FRAME_OWNED_BY_THREAD:
            refl(cb, data, (void *)((uintptr_t)f | HC_PY_VTAG_FRAME), HC_PY_LBL_FIELD, (uintptr_t)name);
            /* the observer's frame is hidden: the first frame below it is reported here too,
             * so that the caller's frames are not reached only through hidden ones */
            if (globals_are_own(f->f_globals))
                break;
            return;
        case FRAME_OWNED_BY_GENERATOR:
            refl(cb, data, (char *)f - offsetof(PyGenObject, gi_iframe), HC_PY_LBL_FIELD, (uintptr_t)name);
            break;
        case FRAME_OWNED_BY_FRAME_OBJECT:
            refl(cb, data, f->frame_obj, HC_PY_LBL_FIELD, (uintptr_t)name);
            break;
        default:
            return;
        }
    }
}

/* Locals/cells/frees that are bound, and the value stack when stacktop says it is visible
 * (stacktop is -1 while the frame executes or calls into C). */
static void frame_localsplus(_PyInterpreterFrame *f, PyCodeObject *co, int from, hc_py_ref_cb cb, void *data)
{
    int i, nl, top;
    if (co == NULL)
        return;
    nl = co->co_nlocalsplus;
    top = f->stacktop;
    if (from < 0)
        from = 0;
    for (i = from; i < nl; i++)
        refl(cb, data, f->localsplus[i], HC_PY_LBL_LOCAL, (uintptr_t)PyTuple_GET_ITEM(co->co_localsplusnames, i));
    if (top > nl && top <= nl + co->co_stacksize)
        for (i = (from > nl ? from : nl); i < top; i++)
            refl(cb, data, f->localsplus[i], HC_PY_LBL_STACK, (uintptr_t)(i - nl));
}

static void frame_refs(_PyInterpreterFrame *f, hc_py_ref_cb cb, void *data)
{
    PyCodeObject *co;
    if (f == NULL || frame_is_shim(f))
        return;
#if HC_PY313
    refl(cb, data, f->f_executable, HC_PY_LBL_FIELD, (uintptr_t) "f_code");
#else
    refl(cb, data, f->f_code, HC_PY_LBL_FIELD, (uintptr_t) "f_code");
#endif
#if HC_PY312
    refl(cb, data, f->f_funcobj, HC_PY_LBL_FIELD, (uintptr_t) "f_func");
#else
    refl(cb, data, f->f_func, HC_PY_LBL_FIELD, (uintptr_t) "f_func");
#endif
    refl(cb, data, f->f_globals, HC_PY_LBL_FIELD, (uintptr_t) "f_globals");
    refl(cb, data, f->f_builtins, HC_PY_LBL_FIELD, (uintptr_t) "f_builtins");
    refl(cb, data, f->f_locals, HC_PY_LBL_FIELD, (uintptr_t) "f_locals");
    refl(cb, data, f->frame_obj, HC_PY_LBL_FIELD, (uintptr_t) "frame_obj");
    co = frame_code(f);
    frame_localsplus(f, co, 0, cb, data);
    report_frame_chain(f->previous, "f_back", cb, data);
}
#endif /* HC_PY311 */

static void exc_item_refs(_PyErr_StackItem *it, hc_py_ref_cb cb, void *data)
{
#if HC_PY311
    refl(cb, data, it->exc_value, HC_PY_LBL_FIELD, (uintptr_t) "exc_info");
#else
    refl(cb, data, it->exc_type, HC_PY_LBL_FIELD, (uintptr_t) "exc_type");
    refl(cb, data, it->exc_value, HC_PY_LBL_FIELD, (uintptr_t) "exc_info");
    refl(cb, data, it->exc_traceback, HC_PY_LBL_FIELD, (uintptr_t) "exc_traceback");
#endif
}

static void thread_refs(PyThreadState *ts, hc_py_ref_cb cb, void *data)
{
    long guard = 0;
    _PyErr_StackItem *it;

    refl(cb, data, ts->dict, HC_PY_LBL_FIELD, (uintptr_t) "dict");
    refl(cb, data, ts->async_exc, HC_PY_LBL_FIELD, (uintptr_t) "async_exc");
    refl(cb, data, ts->c_profileobj, HC_PY_LBL_FIELD, (uintptr_t) "c_profileobj");
    refl(cb, data, ts->c_traceobj, HC_PY_LBL_FIELD, (uintptr_t) "c_traceobj");
#if HC_PY312
    refl(cb, data, ts->current_exception, HC_PY_LBL_FIELD, (uintptr_t) "current_exception");
#else
    refl(cb, data, ts->curexc_type, HC_PY_LBL_FIELD, (uintptr_t) "curexc_type");
    refl(cb, data, ts->curexc_value, HC_PY_LBL_FIELD, (uintptr_t) "curexc_value");
    refl(cb, data, ts->curexc_traceback, HC_PY_LBL_FIELD, (uintptr_t) "curexc_traceback");
#endif
    /* handled exceptions: the thread's own item, then the exc_info chain (the other items
     * live in running generators) */
    exc_item_refs(&ts->exc_state, cb, data);
    for (it = ts->exc_info; it != NULL && guard < HC_CHAIN_MAX; it = it->previous_item, guard++)
        if (it != &ts->exc_state)
            exc_item_refs(it, cb, data);
    refl(cb, data, ts->async_gen_firstiter, HC_PY_LBL_FIELD, (uintptr_t) "async_gen_firstiter");
    refl(cb, data, ts->async_gen_finalizer, HC_PY_LBL_FIELD, (uintptr_t) "async_gen_finalizer");
    refl(cb, data, ts->context, HC_PY_LBL_FIELD, (uintptr_t) "context");
#if !HC_PY313
    /* _thread's release_sentinel: on_delete_data is a strong weakref to the thread's lock */
    if (ts->on_delete != NULL && ts->on_delete_data != NULL && PyWeakref_CheckRefExact((PyObject *)ts->on_delete_data))
        refl(cb, data, ts->on_delete_data, HC_PY_LBL_FIELD, (uintptr_t) "on_delete_data");
#endif
#if HC_PY313
    refl(cb, data, ts->threading_local_key, HC_PY_LBL_FIELD, (uintptr_t) "threading_local_key");
    refl(cb, data, ts->threading_local_sentinel, HC_PY_LBL_FIELD, (uintptr_t) "threading_local_sentinel");
    refl(cb, data, ((_PyThreadStateImpl *)ts)->asyncio_running_loop, HC_PY_LBL_FIELD,
         (uintptr_t) "asyncio_running_loop");
#endif

    /* top frame */
#if HC_PY313
    report_frame_chain(ts->current_frame, "frame", cb, data);
#elif HC_PY311
    if (ts->cframe != NULL)
        report_frame_chain(ts->cframe->current_frame, "frame", cb, data);
#else
    {
        PyFrameObject *f = ts->frame;
        refl(cb, data, f, HC_PY_LBL_FIELD, (uintptr_t) "frame");
        /* past the observer's frames (hidden), the caller's: see report_frame_chain */
        for (guard = 0; f != NULL && guard < HC_CHAIN_MAX && globals_are_own(f->f_globals); guard++) {
            f = f->f_back;
            refl(cb, data, f, HC_PY_LBL_FIELD, (uintptr_t) "frame");
        }
    }
#endif
}

void hc_py_virtual_refs(uintptr_t vaddr, hc_py_ref_cb cb, void *data)
{
    void *p = HC_PY_VUNTAG(vaddr);
    if (p == NULL || cb == NULL)
        return;
    switch (HC_PY_VTAG(vaddr)) {
    case HC_PY_VTAG_THREAD:
        if (tstate_is_live((PyThreadState *)p))
            thread_refs((PyThreadState *)p, cb, data);
        break;
    case HC_PY_VTAG_FRAME:
#if HC_PY311
        frame_refs((_PyInterpreterFrame *)p, cb, data);
#endif
        break;
    default:
        break;
    }
}

void hc_py_virtual_labels(uintptr_t vaddr, hc_py_label_cb cb, void *data)
{
    label_ctx lc = {cb, data, 0};
    hc_py_virtual_refs(vaddr, label_sink, &lc);
}

void hc_py_extra_labels(PyObject *o, PyTypeObject *tp, hc_py_label_cb cb, void *data)
{
    label_ctx lc = {cb, data, 0};
    hc_py_extra_refs(o, tp, label_sink, &lc);
}

void hc_py_iframe_labels(void *iframe, unsigned prefix, hc_py_label_cb cb, void *data)
{
#if HC_PY311
    label_ctx lc = {cb, data, prefix};
    if (iframe != NULL)
        frame_refs((_PyInterpreterFrame *)iframe, label_sink, &lc);
#else
    (void)iframe, (void)prefix, (void)cb, (void)data;
#endif
}

const char *hc_py_virtual_kind(unsigned vtag)
{
    switch (vtag) {
    case HC_PY_VTAG_THREAD:
        return "thread state";
    case HC_PY_VTAG_FRAME:
        return "interpreter frame";
    default:
        return "virtual node";
    }
}

void hc_py_virtual_label(uintptr_t vaddr, char *buf, size_t len)
{
    void *p = HC_PY_VUNTAG(vaddr);
    if (buf == NULL || len == 0)
        return;
    buf[0] = '\0';
    if (p == NULL)
        return;
    switch (HC_PY_VTAG(vaddr)) {
    case HC_PY_VTAG_THREAD: {
        PyThreadState *ts = (PyThreadState *)p;
        snprintf(buf, len, "thread 0x%lx%s", (unsigned long)ts->thread_id,
                 ts->thread_id == _PyRuntime.main_thread ? " (main)" : "");
        break;
    }
    case HC_PY_VTAG_FRAME: {
#if HC_PY311
        _PyInterpreterFrame *f = (_PyInterpreterFrame *)p;
        PyCodeObject *co = frame_code(f);
        char name[96], file[160];
        int line = -1;
        if (co == NULL || frame_is_shim(f)) {
            snprintf(buf, len, "frame (no code)");
            break;
        }
#if HC_PY313
        line = PyUnstable_InterpreterFrame_GetLine(f);
#elif HC_PY312
        line = PyUnstable_InterpreterFrame_GetLine(f);
#else
        {
            int addr = (int)((f->prev_instr - _PyCode_CODE(co)) * (int)sizeof(_Py_CODEUNIT));
            line = addr < 0 ? co->co_firstlineno : PyCode_Addr2Line(co, addr);
        }
#endif
        str_ascii(co->co_qualname, name, sizeof name);
        str_ascii(co->co_filename, file, sizeof file);
        snprintf(buf, len, "frame of %s at %s:%d", name, basename_of(file), line);
#else
        snprintf(buf, len, "frame");
#endif
        break;
    }
    default:
        snprintf(buf, len, "virtual 0x%lx", (unsigned long)vaddr);
        break;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* hc_py_gc_objects                                                                          */

static void gc_list(PyGC_Head *h, void (*cb)(void *, PyObject *), void *data)
{
    PyGC_Head *g;
    long guard = 0;
    if (h == NULL)
        return;
    for (g = (PyGC_Head *)h->_gc_next; g != NULL && g != h && guard < 100000000L; g = (PyGC_Head *)g->_gc_next, guard++)
        cb(data, (PyObject *)(g + 1));
}

void hc_py_gc_objects(PyInterpreterState *interp, void (*cb)(void *data, PyObject *o), void *data)
{
    int i;
    if (interp == NULL || cb == NULL)
        return;
    for (i = 0; i < NUM_GENERATIONS; i++)
        gc_list(&interp->gc.generations[i].head, cb, data);
    gc_list(&interp->gc.permanent_generation.head, cb, data);
}

/* ---------------------------------------------------------------------------------------- */
/* Dict key tables                                                                          */

#if !HC_PY311
/* 3.10 key tables are read through the mirror in pycompat.h (hc310_keys, hc310_entries).
 * The general lookup function (lookdict) is file-static; it is the one of any table holding a
 * non-str key, e.g. the interpreter's errno map (int keys), set up at startup. */
static void *hc310_lookdict(void)
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
    co = frame_code(f);
    if (co == NULL)
        return;
    if (f->stacktop >= co->co_nlocalsplus)
        return; /* traverse saw them all */
    frame_localsplus(f, co, f->stacktop < 0 ? 0 : f->stacktop, cb, data);
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

/* subtype_traverse, the tp_traverse of every class made by a class statement (file-static in
 * typeobject.c): learned from the observer's own classes (hc_py_learn_class). */
static traverseproc subtype_traverse_fn;
static int subtype_traverse_conflict;

void hc_py_learn_class(PyTypeObject *tp)
{
    if (!(tp->tp_flags & Py_TPFLAGS_HEAPTYPE) || !(tp->tp_flags & Py_TPFLAGS_HAVE_GC) ||
        tp->tp_base != &PyBaseObject_Type || tp->tp_traverse == NULL || tp->tp_is_gc != NULL)
        return;
    if (subtype_traverse_fn == NULL)
        subtype_traverse_fn = tp->tp_traverse;
    else if (subtype_traverse_fn != tp->tp_traverse)
        subtype_traverse_conflict = 1; /* not all made by class statements: trust none */
}

/* Traverse functions that read only the object they are given and call only `visit`, checked
 * on 3.10-3.13 (thesis-notes/architecture.md: a call-graph audit of every traverse function in
 * libpython, and each run on a thread without a thread state).  Not in the list, among
 * others: type_traverse (aborts on static types), structseq_traverse (3.10-3.12 look up the
 * type's dict; 3.12 crashes without a thread state), module_traverse (calls the module
 * definition's m_traverse), capsule_traverse (3.13: the capsule's own function). */
#define N_SAFE 32
static traverseproc safe_traverse[N_SAFE];
static int n_safe;

static void add_safe(PyTypeObject *tp)
{
    int i;
    if (tp == NULL || tp->tp_traverse == NULL || n_safe == N_SAFE)
        return;
    for (i = 0; i < n_safe; i++)
        if (safe_traverse[i] == tp->tp_traverse)
            return;
    safe_traverse[n_safe++] = tp->tp_traverse;
}

void hc_py_threads_prepare(void)
{
#if !HC_PY311
    (void)hc310_lookdict();
#endif
    if (n_safe)
        return;
    add_safe(&PyList_Type);
    add_safe(&PyTuple_Type);
    add_safe(&PyDict_Type);
    add_safe(&PySet_Type);
    add_safe(&PyFrozenSet_Type);
    add_safe(&PyFunction_Type);
    add_safe(&PyCell_Type);
    add_safe(&PyMethod_Type);
    add_safe(&PyProperty_Type);
    add_safe(&PyClassMethod_Type);
    add_safe(&PyStaticMethod_Type);
    add_safe(&PyCFunction_Type);
    add_safe(&PySlice_Type);
    add_safe(&PyODict_Type);
    add_safe(&PyDictProxy_Type);
    add_safe(&PyMemoryView_Type);
    add_safe(&PyTraceBack_Type);
    add_safe(&_PyWeakref_RefType);
    add_safe(&PySuper_Type);
    add_safe((PyTypeObject *)PyExc_BaseException);
    add_safe((PyTypeObject *)PyExc_OSError);
    add_safe((PyTypeObject *)PyExc_ImportError);
    add_safe((PyTypeObject *)PyExc_SyntaxError);
    add_safe((PyTypeObject *)PyExc_UnicodeEncodeError);
    add_safe((PyTypeObject *)PyExc_AttributeError);
    add_safe((PyTypeObject *)PyExc_NameError);
    add_safe((PyTypeObject *)PyExc_StopIteration);
    add_safe((PyTypeObject *)PyExc_SystemExit);
}

static int safe(traverseproc f)
{
    int i;
    if (f == NULL)
        return 1;
    for (i = 0; i < n_safe; i++)
        if (safe_traverse[i] == f)
            return 1;
    return 0;
}

int hc_py_type_is_threadsafe(PyTypeObject *tp)
{
    PyTypeObject *b = tp;
    if (subtype_traverse_conflict || n_safe == 0)
        return 0;
    /* Types: type_refs reads the interpreter's static-type state (3.12+).  Code, frames and
     * generators: their referents come from frame layouts the walk's own thread reads. */
    if (PyType_FastSubclass(tp, Py_TPFLAGS_TYPE_SUBCLASS) || tp == &PyCode_Type || tp == &PyFrame_Type ||
        tp == &PyGen_Type || tp == &PyCoro_Type || tp == &PyAsyncGen_Type)
        return 0;
    /* A class statement's type: subtype_traverse reads the slots and the dict, then calls the
     * first base traverse that is not subtype_traverse. */
    for (; b != NULL && subtype_traverse_fn != NULL && b->tp_traverse == subtype_traverse_fn; b = b->tp_base)
        if (b->tp_is_gc != NULL)
            return 0;
    /* A type made in C (static, or from a spec) may inherit a safe traverse (a dict subclass
     * in an extension: the collector calls the same function on it). */
    return b != NULL && b->tp_is_gc == NULL && safe(b->tp_traverse);
}

int hc_py_type_is_leaf(PyTypeObject *tp)
{
    if (PyType_IS_GC(tp) || tp == &PyCode_Type || tp == &PyCoro_Type || tp == &PyGen_Type || tp == &PyAsyncGen_Type)
        return 0;
    if (PyType_FastSubclass(tp, Py_TPFLAGS_TYPE_SUBCLASS | Py_TPFLAGS_DICT_SUBCLASS))
        return 0;
#if HC_PY311
    if (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT)
        return 0;
#endif
    return tp->tp_dictoffset == 0;
}
