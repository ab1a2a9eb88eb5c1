/* heapcore/py/pycompat_state.h — the compat layer for the layout of the runtime, the
 * interpreter state and the thread state (CPython 3.10–3.13): the roots each holds in C, the
 * HEAD_LOCK and the thread list, a thread state's object fields.  Each accessor says which
 * versions differ.  Private to heapcore/py/ (pycompat_state.c). */
#ifndef HEAPCORE_PY_PYCOMPAT_STATE_H
#define HEAPCORE_PY_PYCOMPAT_STATE_H

#include "pycompat.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter" /* CPython's internal headers */
#include "internal/pycore_interp.h"
#include "internal/pycore_runtime.h"
#pragma GCC diagnostic pop

#include "pyvisit.h"

/* The runtime's interpreters mutex (HEAD_LOCK), which guards every interpreter's thread
 * list.  3.13: a PyMutex, taken by spinning on its fast path (its slow path is not exported,
 * and PyMutex_Lock would release the GIL while waiting); 3.10–3.12: a PyThread lock. */
void hc_py_head_lock(void);
void hc_py_head_unlock(void);

/* The first thread state of interp's thread list (under HEAD_LOCK).  3.11+: threads.head;
 * 3.10: tstate_head. */
static inline PyThreadState *hc_py_interp_thread_head(PyInterpreterState *interp)
{
#if HC_PY311
    return interp->threads.head;
#else
    return interp->tstate_head;
#endif
}

/* interp's sys.modules dict (or NULL).  3.12+: imports.modules; before: modules. */
static inline PyObject *hc_py_interp_modules(PyInterpreterState *interp)
{
#if HC_PY312
    return interp->imports.modules;
#else
    return interp->modules;
#endif
}

/* The objects interp holds in C, each reported with its label, in this order: the import
 * system and m_copy of single-phase modules, sys and builtins dicts, codecs, fork hooks,
 * warnings, atexit callbacks, audit hooks, gc, exceptions, the method cache, _Py_Identifier
 * strings, _ast state, the callable and object caches (3.11+/3.12+), sys.monitoring
 * (3.12+), the cross-interpreter registry (3.12+) and the static builtin types with their
 * per-interpreter dict and subclasses (3.12+; 3.13 also the extension types'). */
void hc_py_interp_roots(root_ctx *rc, PyInterpreterState *interp);

/* The per-interpreter singletons and caches of immutable objects: 3.10 only (small ints,
 * 1-byte bytes, latin-1 strs, the empty tuple); 3.11+ keep them in the runtime
 * (hc_py_runtime_roots) and report nothing here. */
void hc_py_interp_cached_roots(root_ctx *rc, PyInterpreterState *interp);

/* The runtime's own objects: 3.11+ its static singletons and static strs (_Py_ID/_Py_STR);
 * 3.12+ also the signal handlers, SIG_DFL/SIG_IGN and faulthandler's files.  Returns 1 when
 * the signal handlers were reported (3.12+), 0 when they live in signalmodule.c's file-static
 * table (3.10/3.11): the caller then reads them through _signal.getsignal. */
int hc_py_runtime_roots(root_ctx *rc);

/* The dict and the subclasses of type t as interp holds them (interp NULL: the current
 * interpreter, asked only when needed).  3.12+: a static type whose state interp keeps has
 * them there (its tp_subclasses is then an index, never a pointer; an index whose state is
 * not found gives NULL); otherwise, and on 3.10/3.11, tp_dict and tp_subclasses.  *subclasses
 * is not checked to be a dict. */
void hc_py_type_dict_subclasses(PyInterpreterState *interp, PyTypeObject *t, PyObject **dict, void **subclasses);

/* Whether interp lists static type t in its static-type state, so that hc_py_interp_roots
 * reported it: 3.12+ (the builtin types; 3.13 also the extension types'); never on
 * 3.10/3.11. */
static inline int hc_py_static_type_listed(PyInterpreterState *interp, PyTypeObject *t)
{
#if HC_PY312
    return hc_py_static_type_state(interp, t) != NULL;
#else
    (void)interp;
    (void)t;
    return 0;
#endif
}

/* Every object field of thread state ts except its frames, labelled: dict, async_exc,
 * profile and trace objects, the exception being raised (3.12+: current_exception; before:
 * curexc_type/value/traceback), the handled exceptions (its own item and the exc_info chain;
 * 3.11+: exc_value only; 3.10: type, value, traceback), async-gen hooks, context, the
 * _thread release sentinel's weakref (3.10–3.12: on_delete_data) and 3.13's threading-local
 * key and sentinel and asyncio running loop. */
void hc_py_thread_fields(PyThreadState *ts, hc_py_ref_cb cb, void *data);

#endif
