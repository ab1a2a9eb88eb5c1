/* heapcore/py/pycompat_state.c — the layout of the runtime, the interpreter state and the
 * thread state, for CPython 3.10–3.13 (pycompat_state.h): the roots each holds in C, the
 * HEAD_LOCK, a thread state's object fields.  Reads only; no object is created, no Python code
 * runs; the GIL is held. */
#include "pycompat_state.h"
#include "pycompat_frames.h"

#include <sched.h>
#include <stdio.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter" /* CPython's internal headers */
#include "internal/pycore_gc.h"
#if HC_PY311
#include "internal/pycore_typeobject.h"
#endif
#if HC_PY313
#include "internal/pycore_tstate.h"
#include "internal/pycore_lock.h"
#endif
#pragma GCC diagnostic pop

/* ---- HEAD_LOCK ---------------------------------------------------------------------------- */

/* In a forked child HEAD_LOCK is never taken: a thread the fork did not copy may hold it. */
static int head_lock_off;

void hc_py_forked_child(void)
{
    head_lock_off = 1;
}

void hc_py_head_lock(void)
{
    if (head_lock_off)
        return;
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

void hc_py_head_unlock(void)
{
    if (head_lock_off)
        return;
#if HC_PY313
    PyMutex_Unlock(&_PyRuntime.interpreters.mutex);
#else
    PyThread_release_lock(_PyRuntime.interpreters.mutex);
#endif
}

/* ---- a subinterpreter looked up for a walk (pycompat.h) -------------------------------- */

/* 3.12+: a destroyer lets go of the main GIL once its thread state is made, to wait for the
 * subinterpreter's; 3.10/3.11 share one GIL, which destroy() keeps until Py_EndInterpreter
 * has set `finalizing` (it only lets go in the teardown's Python code). */
#if HC_PY313
#define HC_MARKED_RUNNING(in) ((in)->threads.main != NULL)
#elif HC_PY312
#define HC_MARKED_RUNNING(in) ((in)->threads_main != NULL)
#endif

#ifdef HC_MARKED_RUNNING
/* Whether some thread state of in is on its way in (under HEAD_LOCK): a destroyer's or a
 * runner's, whose thread let go of the main GIL and waits for in's, and runs no Python code.
 * 3.13: such a thread state is new (destroy and run_string make one; an idle subinterpreter
 * keeps none) and is activated only once the GIL is taken: any without a frame.  3.12: an
 * idle subinterpreter keeps its first thread state, which destroy() swaps in, and
 * PyThreadState_Swap activates the new one before it waits for the GIL (a thread waiting in
 * PyEval_RestoreThread is not active yet): an active one without a frame. */
static int has_thread_coming_in(PyInterpreterState *in)
{
    for (PyThreadState *ts = hc_py_interp_thread_head(in); ts != NULL; ts = ts->next)
#if HC_PY313
        if (hc_py_thread_top_iframe(ts) == NULL)
#else
        if (ts->_status.active && hc_py_thread_top_iframe(ts) == NULL)
#endif
            return 1;
    return 0;
}
#endif

hc_interp_lookup hc_py_interp_find(long long id, PyInterpreterState **out)
{
    PyInterpreterState *main_in = PyInterpreterState_Main(), *in;
    hc_interp_lookup r = HC_INTERP_NONE;
    *out = NULL;
    hc_py_head_lock();
    for (in = _PyRuntime.interpreters.head; in != NULL; in = in->next)
        if (in->id == id)
            break;
    if (in == main_in)
        r = HC_INTERP_IS_MAIN;
    else if (in != NULL) {
        r = HC_INTERP_FOUND;
        if (__atomic_load_n(&in->finalizing, __ATOMIC_ACQUIRE))
            r = HC_INTERP_DYING;
#ifdef HC_MARKED_RUNNING
        else if (!HC_MARKED_RUNNING(in) && has_thread_coming_in(in))
            r = HC_INTERP_DYING;
#endif
        *out = in;
    }
    hc_py_head_unlock();
    return r;
}

/* ---- the interpreter's and the runtime's roots ----------------------------------------- */

/* the import system, sys and builtins, single-phase modules' m_copy */
static void interp_import_roots(root_ctx *rc, PyInterpreterState *interp)
{
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
                hc_py_rootf(rc, def->m_base.m_copy, "m_copy of module %s", def->m_name ? def->m_name : "?");
        }
    }
}

/* registries: codecs, fork hooks, warnings, atexit, audit hooks, gc, exceptions */
static void interp_registry_roots(root_ctx *rc, PyInterpreterState *interp)
{
    int i;

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
            hc_py_rootf(rc, cb->func, "atexit callback %d func", i);
            hc_py_rootf(rc, cb->args, "atexit callback %d args", i);
            hc_py_rootf(rc, cb->kwargs, "atexit callback %d kwargs", i);
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
}

/* caches: the method cache, _Py_Identifier strs, _ast state, callable and object caches, sys.monitoring */
static void interp_cache_roots(root_ctx *rc, PyInterpreterState *interp)
{
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
            hc_py_rootf(rc, interp->monitoring_tool_names[t], "sys.monitoring tool %d name", t);
            for (e = 0; e < _PY_MONITORING_EVENTS; e++)
                hc_py_rootf(rc, interp->monitoring_callables[t][e], "sys.monitoring tool %d event %d callback", t, e);
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
}

/* the cross-interpreter registry and the static types' per-interpreter state (3.12+) */
static void interp_type_roots(root_ctx *rc, PyInterpreterState *interp)
{
#if !HC_PY312
    (void)rc; /* 3.10/3.11: neither exists */
    (void)interp;
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
            hc_py_rootf(rc, st->type, "static type %s", nm);
            hc_py_rootf(rc, st->tp_dict, "static type dict %s", nm);
            hc_py_rootf(rc, st->tp_subclasses, "static type subclasses %s", nm);
        }
#if HC_PY313
        for (k = 0; k < _Py_MAX_MANAGED_STATIC_EXT_TYPES; k++) {
            hc_static_state *st = &interp->types.for_extensions.initialized[k];
            if (st->type == NULL)
                continue;
            snprintf(nm, sizeof nm, "%s", st->type->tp_name ? st->type->tp_name : "?");
            hc_py_rootf(rc, st->type, "static type %s", nm);
            hc_py_rootf(rc, st->tp_dict, "static type dict %s", nm);
            hc_py_rootf(rc, st->tp_subclasses, "static type subclasses %s", nm);
        }
#endif
    }
#endif
}

void hc_py_interp_roots(root_ctx *rc, PyInterpreterState *interp)
{
    interp_import_roots(rc, interp);
    interp_registry_roots(rc, interp);
    interp_cache_roots(rc, interp);
    interp_type_roots(rc, interp);
}

void hc_py_interp_cached_roots(root_ctx *rc, PyInterpreterState *interp)
{
#if !HC_PY311
    int i;
#else
    (void)rc;
    (void)interp;
#endif
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

int hc_py_runtime_roots(root_ctx *rc)
{
#if HC_PY311
    int i;
#endif
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
        const char *nm = hc_py_signal_name(i);
        if (nm != NULL)
            hc_py_rootf(rc, h, "signal handler %s", nm);
        else
            hc_py_rootf(rc, h, "signal handler %d", i);
    }
    root(rc, _PyRuntime.signals.default_handler, "signal.SIG_DFL");
    root(rc, _PyRuntime.signals.ignore_handler, "signal.SIG_IGN");
    root(rc, _PyRuntime.faulthandler.fatal_error.file, "faulthandler file");
    root(rc, _PyRuntime.faulthandler.thread.file, "faulthandler dump_traceback_later file");
    return 1;
#else
    (void)rc;
    /* faulthandler's file lives in a file-static struct of Modules/faulthandler.c: not
     * reachable from here; the faulthandler module does not traverse it either. */
    return 0;
#endif
}

/* ---- static types' per-interpreter state ------------------------------------------------- */

void hc_py_type_dict_subclasses(PyInterpreterState *interp, PyTypeObject *t, PyObject **dict, void **subclasses)
{
    *dict = t->tp_dict;
    *subclasses = t->tp_subclasses;
#if HC_PY312
    if (!(t->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        hc_static_state *st = hc_py_static_type_state(interp != NULL ? interp : PyInterpreterState_Get(), t);
        if (st != NULL) {
            *dict = st->tp_dict;
            *subclasses = st->tp_subclasses;
        } else if ((uintptr_t)*subclasses <= 4096) {
            *subclasses = NULL; /* an index whose state we could not find */
        }
    }
#else
    (void)interp;
#endif
}

/* ---- a thread state's fields --------------------------------------------------------------- */

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

void hc_py_thread_fields(PyThreadState *ts, hc_py_ref_cb cb, void *data)
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
}
