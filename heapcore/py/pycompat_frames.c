/* heapcore/py/pycompat_frames.c — the frame accessors of pycompat_frames.h that are too big
 * to inline: an interpreter frame's fields, bound locals and description, a running
 * generator's locals.  Reads only; creates nothing (never a frame object). */
#include "pycompat_frames.h"

#include <stdio.h>
#include <string.h>

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

#if HC_PY311
void hc_py_iframe_fields(hc_py_iframe *f, hc_py_ref_cb cb, void *data)
{
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
}

/* Locals/cells/frees that are bound, and the value stack when stacktop says it is visible
 * (stacktop is -1 while the frame executes or calls into C). */
void hc_py_iframe_localsplus(hc_py_iframe *f, PyCodeObject *co, int from, hc_py_ref_cb cb, void *data)
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

void hc_py_iframe_describe(hc_py_iframe *f, char *buf, size_t len)
{
    PyCodeObject *co = hc_py_iframe_code(f);
    char name[96], file[160];
    int line = -1;
    if (co == NULL || hc_py_iframe_is_shim(f)) {
        snprintf(buf, len, "frame (no code)");
        return;
    }
#if HC_PY312
    line = PyUnstable_InterpreterFrame_GetLine(f);
#else
    {
        int addr = (int)((f->prev_instr - _PyCode_CODE(co)) * (int)sizeof(_Py_CODEUNIT));
        line = addr < 0 ? co->co_firstlineno : PyCode_Addr2Line(co, addr);
    }
#endif
    str_ascii(co->co_qualname, name, sizeof name);
    str_ascii(co->co_filename, file, sizeof file);
    snprintf(buf, len, "frame %s() at %s:%d", name, basename_of(file), line);
}

/* A running generator/coroutine's frame has stacktop == -1, so gen_traverse reports none of
 * its locals; report the bound ones. */
void hc_py_gen_running_locals(PyObject *o, hc_py_ref_cb cb, void *data)
{
    PyGenObject *g = (PyGenObject *)o;
    hc_py_iframe *f;
    PyCodeObject *co;
    if (g->gi_frame_state >= FRAME_CLEARED)
        return;
    f = (hc_py_iframe *)g->gi_iframe;
    co = hc_py_iframe_code(f);
    if (co == NULL)
        return;
    if (f->stacktop >= co->co_nlocalsplus)
        return; /* traverse saw them all */
    hc_py_iframe_localsplus(f, co, f->stacktop < 0 ? 0 : f->stacktop, cb, data);
}
PyFrameObject *hc_py_frame_object_describe(PyFrameObject *f, char *buf, size_t len)
{
    (void)f;
    snprintf(buf, len, "frame");
    return NULL;
}
#else /* 3.10: no interpreter frames */
void hc_py_iframe_fields(hc_py_iframe *f, hc_py_ref_cb cb, void *data)
{
    (void)f, (void)cb, (void)data;
}

void hc_py_iframe_localsplus(hc_py_iframe *f, PyCodeObject *co, int from, hc_py_ref_cb cb, void *data)
{
    (void)f, (void)co, (void)from, (void)cb, (void)data;
}

void hc_py_iframe_describe(hc_py_iframe *f, char *buf, size_t len)
{
    (void)f;
    snprintf(buf, len, "frame");
}

PyFrameObject *hc_py_frame_object_describe(PyFrameObject *f, char *buf, size_t len)
{
    char name[96], file[160];
    PyCodeObject *co = f->f_code;
    if (co == NULL || !PyCode_Check(co)) {
        snprintf(buf, len, "frame (no code)");
        return f->f_back;
    }
    str_ascii(co->co_name, name, sizeof name); /* 3.10 has no co_qualname */
    str_ascii(co->co_filename, file, sizeof file);
    snprintf(buf, len, "frame %s() at %s:%d", name, basename_of(file), PyFrame_GetLineNumber(f));
    return f->f_back;
}

void hc_py_gen_running_locals(PyObject *o, hc_py_ref_cb cb, void *data)
{
    (void)o, (void)cb, (void)data;
}
#endif

/* "coroutine QUALNAME() at FILE:LINE" (generator, async generator) for a suspended one, its
 * frame's description with the frame's word replaced; "... QUALNAME() (finished)" once cleared. */
void hc_py_gen_describe(PyObject *o, char *buf, size_t len)
{
    PyGenObject *g = (PyGenObject *)o;
    PyTypeObject *tp = Py_TYPE(o);
    const char *what = tp == &PyCoro_Type ? "coroutine" : tp == &PyAsyncGen_Type ? "async generator" : "generator";
    char name[96], frame[300];
    frame[0] = '\0';
#if HC_PY311
    if (g->gi_frame_state < FRAME_CLEARED)
        hc_py_iframe_describe((hc_py_iframe *)g->gi_iframe, frame, sizeof frame);
#else
    if (g->gi_frame != NULL)
        (void)hc_py_frame_object_describe(g->gi_frame, frame, sizeof frame);
#endif
    if (strncmp(frame, "frame ", 6) == 0 && strcmp(frame, "frame (no code)") != 0) {
        snprintf(buf, len, "%s %s", what, frame + 6);
        return;
    }
    str_ascii(g->gi_qualname, name, sizeof name);
    snprintf(buf, len, "%s %s() (finished)", what, name);
}
