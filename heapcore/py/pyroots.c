/* heapcore/py/pyroots.c — the roots of a CPython 3.10–3.13 interpreter (GIL builds): every
 * object the runtime and an interpreter state hold in C (modules, builtins, codecs, atexit,
 * singletons, static types, signal handlers, ...), each with a label, one virtual node per
 * thread state, and the objects on the gc lists.
 *
 * Everything here only READS interpreter memory: no object is created, freed, INCREF'd or
 * DECREF'd, no Python code runs, nothing can trigger a collection.  The GIL is held by the
 * caller.  See thesis-notes/roots.md. */

#include "pycompat_state.h"
#include "heapcore/error.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef Py_GIL_DISABLED
#error "pyroots.c supports GIL builds of CPython only (free-threaded builds have no gc lists)"
#endif

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter" /* CPython's internal headers */
#include "internal/pycore_gc.h"
#pragma GCC diagnostic pop

/* ---------------------------------------------------------------------------------------- */
/* small helpers                                                                            */

void hc_py_rootf(root_ctx *rc, const void *p, const char *fmt, ...)
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

hc_py_adapter_state hc_py_state;

const char *hc_py_signal_name(int i)
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
/* hc_py_roots                                                                              */

/* Static types are not gc objects and are often referenced by nothing but their own
 * descriptors; 3.10/3.11 keep no list of them (3.12+ list only the core builtin ones).  Every
 * ready type is registered in its bases' subclass dicts ({id: weakref}), so walk down from
 * `object` (iteratively, through static types only) and report each static type found. */
static PyObject *subclasses_dict(PyInterpreterState *interp, PyTypeObject *t)
{
    PyObject *dict;
    void *sc;
    hc_py_type_dict_subclasses(interp, t, &dict, &sc);
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
        if (!hc_py_static_type_listed(interp, t)) /* else reported from interp->types */
        {
            snprintf(nm, sizeof nm, "%s", t->tp_name ? t->tp_name : "?");
            hc_py_rootf(rc, t, "static type %s", nm);
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
    hc_py_interp_roots(rc, interp);
    static_types_by_subclasses(rc, interp);
    hc_py_interp_cached_roots(rc, interp);
}

/* The Python signal handlers, where the runtime does not hold them (3.10/3.11: hc_py_runtime_roots
 * returns 0).  They live in the file-static Handlers[] array of
 * Modules/signalmodule.c.  They are read through that file's own getsignal, called as the C
 * function of the _signal module's PyModuleDef (never through the module's dict, which the
 * program may patch): it reads Handlers[s].func and returns it with a new reference, which is
 * dropped at once (Handlers[] still holds it).  Its argument is a cached small int, so nothing
 * is created, and no Python code runs.  Without an imported _signal no Python handler can have
 * been set. */
static void signal_handlers_by_getsignal(root_ctx *rc)
{
    PyInterpreterState *main = PyInterpreterState_Main();
    PyObject *modules = main != NULL ? hc_py_interp_modules(main) : NULL, *m = NULL;
    if (hc_py_state.signal_key == NULL) {
        PyObject *k = PyUnicode_InternFromString("_signal");
        if (k == NULL || (hc_py_state.signal_key_hash = PyObject_Hash(k)) == -1) {
            Py_XDECREF(k);
            PyErr_Clear();
            rc->nomem = 1;
            return;
        }
        hc_py_state.signal_key = k;
    }
    if (modules == NULL || !PyDict_Check(modules) ||
        hc_py_dict_peek_str(modules, hc_py_state.signal_key, hc_py_state.signal_key_hash, &m) < 0 || m == NULL ||
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
            const char *nm = hc_py_signal_name(i);
            if (nm != NULL)
                hc_py_rootf(rc, h, "signal handler %s", nm);
            else
                hc_py_rootf(rc, h, "signal handler %d", i);
        }
        Py_DECREF(h); /* Handlers[i] still holds it */
    }
}
static void roots_runtime(root_ctx *rc)
{
    root(rc, Py_None, "None");
    root(rc, Py_True, "True");
    root(rc, Py_False, "False");
    root(rc, Py_Ellipsis, "Ellipsis");
    root(rc, Py_NotImplemented, "NotImplemented");
    if (!hc_py_runtime_roots(rc))
        signal_handlers_by_getsignal(rc);
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
