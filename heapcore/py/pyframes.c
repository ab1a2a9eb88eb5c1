/* heapcore/py/pyframes.c — thread states and interpreter frames as virtual nodes (their
 * referents, labels and kinds), and the observer's own frames, which the walk hides.
 *
 * Reads only: no object is created (never a frame object), no Python code runs.  The GIL is
 * held by the caller.  See thesis-notes/roots.md. */

#include "pycompat_frames.h"
#include "pycompat_state.h"
#include "heapcore/error.h"

#include <stdio.h>
#include <stdlib.h>

#ifdef Py_GIL_DISABLED
#error "pyframes.c supports GIL builds of CPython only"
#endif

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

/* ---------------------------------------------------------------------------------------- */
/* Virtual nodes                                                                            */

static int globals_are_own(PyObject *globals)
{
    size_t i;
    for (i = 0; i < hc_py_state.nown_globals; i++)
        if (hc_py_state.own_globals[i] == globals)
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
    g = realloc(hc_py_state.own_globals, (hc_py_state.nown_globals + 1) * sizeof *g);
    if (g == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_INCREF(globals);
    hc_py_state.own_globals = g;
    hc_py_state.own_globals[hc_py_state.nown_globals++] = globals;
    return 0;
}

int hc_py_frame_is_own(uintptr_t addr)
{
    if (hc_py_state.nown_globals == 0)
        return 0;
    if (HC_PY_VTAG(addr) == HC_PY_VTAG_FRAME)
        return globals_are_own(hc_py_iframe_globals((hc_py_iframe *)HC_PY_VUNTAG(addr)));
    if (HC_PY_VTAG(addr) == 0 && PyFrame_Check((PyObject *)addr))
        return globals_are_own(hc_py_frameobj_globals((PyFrameObject *)addr));
    return 0;
}

/* Report the first frame at or below f: thread-owned frames become a tagged FRAME node (and
 * end the walk; that node reports its own `previous`), generator-owned frames are reported as
 * their generator and frame-object-owned frames as their frame object; the walk continues
 * below those, since their traverse does not follow `previous`.  Shims are skipped. */
static void report_frame_chain(hc_py_iframe *f, const char *name, hc_py_ref_cb cb, void *data)
{
    long guard = 0;
    for (; f != NULL && guard < HC_CHAIN_MAX; f = hc_py_iframe_previous(f), guard++) {
        if (hc_py_iframe_is_shim(f))
            continue;
        switch (hc_py_iframe_owner(f)) {
        case HC_PY_IFRAME_OF_THREAD:
            refl(cb, data, (void *)((uintptr_t)f | HC_PY_VTAG_FRAME), HC_PY_LBL_FIELD, (uintptr_t)name);
            /* the observer's frame is hidden: the first frame below it is reported here too,
             * so that the caller's frames are not reached only through hidden ones */
            if (globals_are_own(hc_py_iframe_globals(f)))
                break;
            return;
        case HC_PY_IFRAME_OF_GENERATOR:
            refl(cb, data, hc_py_iframe_generator(f), HC_PY_LBL_FIELD, (uintptr_t)name);
            break;
        case HC_PY_IFRAME_OF_FRAME_OBJECT:
            refl(cb, data, hc_py_iframe_frame_object(f), HC_PY_LBL_FIELD, (uintptr_t)name);
            break;
        default:
            return;
        }
    }
}

static void frame_refs(hc_py_iframe *f, hc_py_ref_cb cb, void *data)
{
    if (f == NULL || hc_py_iframe_is_shim(f))
        return;
    hc_py_iframe_fields(f, cb, data);
    hc_py_iframe_localsplus(f, hc_py_iframe_code(f), 0, cb, data);
    report_frame_chain(hc_py_iframe_previous(f), "f_back", cb, data);
}

static void thread_refs(PyThreadState *ts, hc_py_ref_cb cb, void *data)
{
    PyFrameObject *fo;
    long guard;

    hc_py_thread_fields(ts, cb, data);

    /* top frame: 3.11+ an interpreter frame; 3.10 a frame object, and past the observer's
     * frames (hidden), the caller's: see report_frame_chain */
    report_frame_chain(hc_py_thread_top_iframe(ts), "frame", cb, data);
    fo = hc_py_thread_frame_object(ts);
    refl(cb, data, fo, HC_PY_LBL_FIELD, (uintptr_t) "frame");
    for (guard = 0; fo != NULL && guard < HC_CHAIN_MAX && globals_are_own(hc_py_frameobj_globals(fo)); guard++) {
        fo = fo->f_back;
        refl(cb, data, fo, HC_PY_LBL_FIELD, (uintptr_t) "frame");
    }
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
        frame_refs((hc_py_iframe *)p, cb, data);
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
    label_ctx lc = {cb, data, prefix};
    if (iframe != NULL)
        frame_refs((hc_py_iframe *)iframe, hc_py_label_sink, &lc);
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
        char name[48], quoted[52] = "";
        if (hc_py_thread_name(ts->interp, (unsigned long)ts->thread_id, name, sizeof name))
            snprintf(quoted, sizeof quoted, " '%s'", name);
        snprintf(buf, len, "thread%s (ident %lu%s)", quoted, (unsigned long)ts->thread_id,
                 ts->thread_id == _PyRuntime.main_thread ? ", main" : "");
        break;
    }
    case HC_PY_VTAG_FRAME:
        hc_py_iframe_describe((hc_py_iframe *)p, buf, len);
        break;
    default:
        snprintf(buf, len, "virtual 0x%lx", (unsigned long)vaddr);
        break;
    }
}

void hc_py_name_virtuals(hc_graph *g)
{
    uint32_t want = HC_NODE_VIRTUAL, mask = HC_NODE_VIRTUAL | HC_NODE_HIDDEN;
    uint32_t n = hc_graph_select_flags(g, mask, want, NULL);
    uint32_t *ids = n ? hc_try_malloc((size_t)n * sizeof *ids) : NULL;
    char buf[160];
    if (ids == NULL)
        return; /* none, or out of memory: unnamed */
    hc_graph_select_flags(g, mask, want, ids);
    for (uint32_t k = 0; k < n; k++) {
        uintptr_t addr = hc_graph_addr(g, ids[k]);
        hc_py_virtual_label(addr, buf, sizeof buf);
        if (buf[0] != '\0')
            hc_graph_set_node_name(g, ids[k], buf);
        if (HC_PY_VTAG(addr) != HC_PY_VTAG_THREAD)
            continue;
        /* 3.10: the thread's frames are frame objects (none on 3.11+: its FRAME nodes) */
        PyFrameObject *f = hc_py_thread_frame_object((PyThreadState *)HC_PY_VUNTAG(addr)), *next;
        for (long guard = 0; f != NULL && guard < HC_CHAIN_MAX; f = next, guard++) {
            next = hc_py_frame_object_describe(f, buf, sizeof buf);
            uint32_t id = hc_graph_lookup(g, (uintptr_t)f);
            if (id != HC_NONE && !(hc_graph_flags(g, id) & HC_NODE_HIDDEN))
                hc_graph_set_node_name(g, id, buf);
        }
    }
    hc_free(ids);
}
