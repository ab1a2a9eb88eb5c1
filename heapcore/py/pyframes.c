/* heapcore/py/pyframes.c — thread states and interpreter frames as virtual nodes (their
 * referents, labels and kinds), and the observer's own frames, which the walk hides.
 *
 * Reads only: no object is created (never a frame object), no Python code runs.  The GIL is
 * held by the caller.  See thesis-notes/roots.md. */

#include "pycompat.h"
#include "heapcore/error.h"

#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef Py_GIL_DISABLED
#error "pyframes.c supports GIL builds of CPython only (free-threaded builds have no gc lists)"
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
/* HEAD_LOCK: the runtime's interpreters mutex guards every interpreter's thread list.      */

void hc_py_head_lock(void)
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

void hc_py_head_unlock(void)
{
#if HC_PY313
    PyMutex_Unlock(&_PyRuntime.interpreters.mutex);
#else
    PyThread_release_lock(_PyRuntime.interpreters.mutex);
#endif
}

PyThreadState *hc_py_interp_thread_head(PyInterpreterState *interp)
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
    hc_py_head_lock();
    for (in = _PyRuntime.interpreters.head; in != NULL && !found && guard < HC_CHAIN_MAX; in = in->next) {
        PyThreadState *t;
        for (t = hc_py_interp_thread_head(in); t != NULL && guard < HC_CHAIN_MAX; t = t->next, guard++) {
            if (t == ts) {
                found = 1;
                break;
            }
        }
    }
    hc_py_head_unlock();
    return found;
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
PyCodeObject *hc_py_frame_code(_PyInterpreterFrame *f)
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
void hc_py_frame_localsplus(_PyInterpreterFrame *f, PyCodeObject *co, int from, hc_py_ref_cb cb, void *data)
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
    co = hc_py_frame_code(f);
    hc_py_frame_localsplus(f, co, 0, cb, data);
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
    hc_py_virtual_refs(vaddr, hc_py_label_sink, &lc);
}

void hc_py_iframe_labels(void *iframe, unsigned prefix, hc_py_label_cb cb, void *data)
{
#if HC_PY311
    label_ctx lc = {cb, data, prefix};
    if (iframe != NULL)
        frame_refs((_PyInterpreterFrame *)iframe, hc_py_label_sink, &lc);
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
        PyCodeObject *co = hc_py_frame_code(f);
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
