/* heapcore/py/pyroots.c — the roots of a CPython 3.10–3.13 interpreter (GIL builds): every
 * object the runtime and an interpreter state hold in C (modules, builtins, codecs, atexit,
 * singletons, static types, signal handlers, ...), each with a label, one virtual node per
 * thread state, and the objects on the gc lists.
 *
 * Everything here only READS interpreter memory: no object is created, freed, INCREF'd or
 * DECREF'd, no Python code runs, nothing can trigger a collection.  The GIL is held by the
 * caller.  See thesis-notes/roots.md. */

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

#include "pyvisit.h"
/* ---------------------------------------------------------------------------------------- */
/* small helpers                                                                            */

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
    hc_py_head_lock();
    {
        PyThreadState *t;
        for (t = hc_py_interp_thread_head(interp); t != NULL && guard < HC_CHAIN_MAX; t = t->next)
            guard++;
        cap = (size_t)guard;
        if (cap > 0 && (ts = (PyThreadState **)hc_try_malloc(cap * sizeof *ts)) == NULL)
            rc.nomem = 1;
        if (ts != NULL)
            for (t = hc_py_interp_thread_head(interp); t != NULL && n < cap; t = t->next)
                ts[n++] = t;
    }
    hc_py_head_unlock();

    for (k = 0; k < n; k++) {
        char label[96];
        hc_py_virtual_label((uintptr_t)ts[k] | HC_PY_VTAG_THREAD, label, sizeof label);
        cb(data, (uintptr_t)ts[k] | HC_PY_VTAG_THREAD, label);
    }
    hc_free(ts);
    return rc.nomem ? -1 : 0;
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
