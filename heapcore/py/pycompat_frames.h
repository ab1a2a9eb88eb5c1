/* heapcore/py/pycompat_frames.h — the compat layer for frames (CPython 3.10–3.13): the layout
 * of an interpreter frame (3.11+ _PyInterpreterFrame), a thread's top frame, a frame object's
 * globals.  Static inline where the walk calls them per frame; the rest in pycompat_frames.c.
 * Each accessor says which versions differ.  Reads only.  Private to heapcore/py/. */
#ifndef HEAPCORE_PY_PYCOMPAT_FRAMES_H
#define HEAPCORE_PY_PYCOMPAT_FRAMES_H

#include "pycompat.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter" /* CPython's internal headers */
#if HC_PY311
#include "internal/pycore_frame.h"
#else
#include <frameobject.h>
#endif
#pragma GCC diagnostic pop

#include "pyvisit.h"

/* An interpreter frame.  3.11+: a _PyInterpreterFrame, in a thread's data stack, inside a
 * generator, or owned by a frame object.  3.10 has none (its frames are frame objects): the
 * type is never defined there, no accessor below is ever given one, and each does nothing. */
#if HC_PY311
typedef _PyInterpreterFrame hc_py_iframe;
#else
typedef struct hc_py_iframe hc_py_iframe;
#endif

/* Who owns an interpreter frame (hc_py_iframe_owner). */
enum {
    HC_PY_IFRAME_OF_THREAD,       /* the thread's data stack: a virtual FRAME node */
    HC_PY_IFRAME_OF_GENERATOR,    /* embedded in a generator (hc_py_iframe_generator)   */
    HC_PY_IFRAME_OF_FRAME_OBJECT, /* a frame object (hc_py_iframe_frame_object)          */
    HC_PY_IFRAME_OF_OTHER
};

/* The frame's code object, or NULL.  3.13: f_executable, which may be something else;
 * 3.11/3.12: f_code. */
static inline PyCodeObject *hc_py_iframe_code(hc_py_iframe *f)
{
#if HC_PY313
    PyObject *c = f->f_executable;
    return (c != NULL && PyCode_Check(c)) ? (PyCodeObject *)c : NULL;
#elif HC_PY311
    return f->f_code;
#else
    (void)f;
    return NULL;
#endif
}

/* Whether f is a shim that the C stack owns (3.12+: FRAME_OWNED_BY_CSTACK, no code of its
 * own).  3.11 has no shim frames: is_entry only marks the first frame of an eval loop. */
static inline int hc_py_iframe_is_shim(hc_py_iframe *f)
{
#if HC_PY312
    return f->owner == FRAME_OWNED_BY_CSTACK;
#else
    (void)f;
    return 0;
#endif
}

/* The frame below f (its caller), or NULL. */
static inline hc_py_iframe *hc_py_iframe_previous(hc_py_iframe *f)
{
#if HC_PY311
    return f->previous;
#else
    (void)f;
    return NULL;
#endif
}

/* The globals of the code f runs, or NULL. */
static inline PyObject *hc_py_iframe_globals(hc_py_iframe *f)
{
#if HC_PY311
    return f->f_globals;
#else
    (void)f;
    return NULL;
#endif
}

/* Who owns f (HC_PY_IFRAME_OF_*); a shim is HC_PY_IFRAME_OF_OTHER. */
static inline int hc_py_iframe_owner(hc_py_iframe *f)
{
#if HC_PY311
    switch (f->owner) {
    case FRAME_OWNED_BY_THREAD:
        return HC_PY_IFRAME_OF_THREAD;
    case FRAME_OWNED_BY_GENERATOR:
        return HC_PY_IFRAME_OF_GENERATOR;
    case FRAME_OWNED_BY_FRAME_OBJECT:
        return HC_PY_IFRAME_OF_FRAME_OBJECT;
    default:
        return HC_PY_IFRAME_OF_OTHER;
    }
#else
    (void)f;
    return HC_PY_IFRAME_OF_OTHER;
#endif
}

/* The generator (coroutine, async generator) whose embedded frame f is. */
static inline PyObject *hc_py_iframe_generator(hc_py_iframe *f)
{
#if HC_PY311
    return (PyObject *)((char *)f - offsetof(PyGenObject, gi_iframe));
#else
    (void)f;
    return NULL;
#endif
}

/* The frame object that owns f (or NULL: none materialised). */
static inline PyObject *hc_py_iframe_frame_object(hc_py_iframe *f)
{
#if HC_PY311
    return (PyObject *)f->frame_obj;
#else
    (void)f;
    return NULL;
#endif
}

/* The top interpreter frame of thread state ts, or NULL.  3.13: current_frame; 3.11/3.12:
 * cframe->current_frame; 3.10: NULL (see hc_py_thread_frame_object). */
static inline hc_py_iframe *hc_py_thread_top_iframe(PyThreadState *ts)
{
#if HC_PY313
    return ts->current_frame;
#elif HC_PY311
    return ts->cframe != NULL ? ts->cframe->current_frame : NULL;
#else
    (void)ts;
    return NULL;
#endif
}

/* 3.10: the top frame object of thread state ts (its f_back chain are the callers'), or NULL;
 * 3.11+: NULL (see hc_py_thread_top_iframe). */
static inline PyFrameObject *hc_py_thread_frame_object(PyThreadState *ts)
{
#if HC_PY311
    (void)ts;
    return NULL;
#else
    return ts->frame;
#endif
}

/* The globals of the code frame object fo runs, or NULL.  3.11+: those of its interpreter
 * frame; 3.10: f_globals. */
static inline PyObject *hc_py_frameobj_globals(PyFrameObject *fo)
{
#if HC_PY311
    return fo->f_frame != NULL ? fo->f_frame->f_globals : NULL;
#else
    return fo->f_globals;
#endif
}

/* pycompat_frames.c ---------------------------------------------------------------------- */

/* The object fields of f, labelled: f_code (3.13: f_executable), f_func (3.12+: f_funcobj),
 * f_globals, f_builtins, f_locals, frame_obj.  3.10: nothing. */
void hc_py_iframe_fields(hc_py_iframe *f, hc_py_ref_cb cb, void *data);

/* f's locals, cells and frees that are bound, from index `from` on, labelled by name, and its
 * value stack when stacktop says it is visible (stacktop is -1 while the frame executes or
 * calls into C).  co is f's code (NULL: nothing).  3.10: nothing. */
void hc_py_iframe_localsplus(hc_py_iframe *f, PyCodeObject *co, int from, hc_py_ref_cb cb, void *data);

/* "frame QUALNAME() at FILE:LINE" (ASCII, '?' for anything else; "frame (no code)" for a
 * shim or a frame without code) into buf, always NUL-terminated.  The line: 3.12+
 * PyUnstable_InterpreterFrame_GetLine; 3.11 from prev_instr.  3.10: "frame". */
void hc_py_iframe_describe(hc_py_iframe *f, char *buf, size_t len);

/* 3.10: "frame NAME() at FILE:LINE" for frame object f (co_name: 3.10 has no co_qualname;
 * PyFrame_GetLineNumber computes from f_lasti, creating nothing) into buf; returns its caller
 * f_back (borrowed) or NULL.  3.11+ name their interpreter frames (hc_py_iframe_describe):
 * "frame" and NULL. */
PyFrameObject *hc_py_frame_object_describe(PyFrameObject *f, char *buf, size_t len);

/* The bound locals of generator (coroutine, async generator) o while it runs: its frame's
 * stacktop is then -1, so gen_traverse reports none of them (3.11+).  3.10: nothing (the
 * generator's frame object reports them). */
void hc_py_gen_running_locals(PyObject *o, hc_py_ref_cb cb, void *data);

/* A name for generator (coroutine, async generator) o, for named paths: "coroutine
 * serve() at app.py:12" where it is suspended, "coroutine serve() (finished)" once it is
 * cleared (ASCII, into buf, always NUL-terminated).  Reads only. */
void hc_py_gen_describe(PyObject *o, char *buf, size_t len);

#endif
