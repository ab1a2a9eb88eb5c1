/* heapcore/py/pylive.c — questions about a snapshot that the live process answers: members
 * alive, the labeller for a graph, identity across churn; the roots now, the resident memory
 * (see pylive.h). */
#include "pylive.h"
#include "pyborn.h"
#include "pycompat_objects.h"

#include <stdio.h>
#include <unistd.h>

/* ---- members alive -------------------------------------------------------------------------- */

/* A loaded graph (a file's, or a subinterpreter's heap) has no live objects behind it here:
 * FALSE + RuntimeError. */
static gboolean require_live(const hc_graph *g, PyObject *interpreter)
{
    if (!hc_graph_is_loaded(g))
        return TRUE;
    if (interpreter)
        PyErr_Format(PyExc_RuntimeError,
                     "this snapshot is subinterpreter %U's heap: its objects are not handed to another "
                     "interpreter (nodes and byid need them)",
                     interpreter);
    else
        PyErr_SetString(PyExc_RuntimeError,
                        "this snapshot was loaded from a file: it has no live objects (nodes and byid "
                        "need the process it was taken in)");
    return FALSE;
}

int hc_py_live_members(hc_graph *g, const uint32_t *ids, uint32_t n, const hc_py_born *born, PyObject *interpreter,
                       PyObject ***objs, uint32_t **which, size_t *nout, GError **err)
{
    if (!require_live(g, interpreter))
        return -1;
    hc_graph *now = hc_py_walk(NULL, 0, NULL, 0, HC_WALK_NODES_ONLY | HC_WALK_NO_SIZES, err);
    if (!now)
        return -1;
    int rc = hc_py_resolve(g, ids, n, now, hc_py_born_usable(born) ? born : NULL, objs, which, nout);
    hc_graph_unref(now);
    return rc;
}

/* ---- a labeller for a graph ----------------------------------------------------------------- */

gboolean hc_py_graph_labeller_init(hc_py_graph_labeller *gl, hc_graph *g, hc_py_label_use use, GError **err)
{
    memset(gl, 0, sizeof *gl);
    hc_py_labeller(&gl->model);
    gl->lab = &gl->model;
    hc_edge_labels *L = hc_graph_attached(g, HC_ATTACH_LABELS);
    gboolean loaded = hc_graph_is_loaded(g);
    if (use == HC_PY_LABELS_BYVIA && loaded && !L) {
        PyErr_SetString(PyExc_ValueError,
                        "byvia needs the edges' labels, and this snapshot's file has none (it was written "
                        "without them); byrcs gives the referrers' kinds, sp the paths with '?' labels");
        return FALSE;
    }
    /* paths: labels kept with the snapshot (read from its file, or when it was taken); byvia:
     * those its file kept (every node is "alive") */
    if (L && (use == HC_PY_LABELS_PATHS || loaded)) {
        if (!hc_edge_labels_ready(L, g, err))
            return FALSE;
        hc_via_stored_labeller(&gl->stored, g, L, &gl->model);
        gl->lab = &gl->stored.lab;
        gl->live = g;
    } else if (use == HC_PY_LABELS_BYVIA) { /* a fresh walk proves which referrers are alive */
        if (!(gl->walk = hc_py_walk(NULL, 0, NULL, 0, HC_WALK_NODES_ONLY | HC_WALK_NO_SIZES, err)))
            return FALSE;
        gl->live = gl->walk;
    }
    if (use == HC_PY_LABELS_PATHS && (L || !loaded)) /* a loaded graph without labels: '?' */
        gl->roots = hc_via_roots(gl->lab, &gl->nroots);
    return TRUE;
}

static int cmp_addr(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

gboolean hc_py_graph_labeller_prove(hc_py_graph_labeller *gl, hc_graph *g, const hc_py_born *born, uint32_t id,
                                    GError **err)
{
    if (!gl->roots && gl->lab != &gl->stored.lab)
        return TRUE; /* a loaded graph without labels, or no roots now: nothing is proven */
    uintptr_t addr = hc_graph_addr(g, id);
    if (gl->roots && bsearch(&addr, gl->roots, gl->nroots, sizeof *gl->roots, cmp_addr))
        return TRUE;
    if (gl->lab != &gl->stored.lab) { /* the live objects will be read: is this one alive? */
        if (!gl->walk && !(gl->walk = hc_py_walk(NULL, 0, NULL, 0, HC_WALK_NODES_ONLY | HC_WALK_NO_SIZES, err)))
            return FALSE;
        uint32_t now = hc_graph_lookup(gl->walk, addr);
        uintptr_t type = hc_graph_type_key(g, hc_graph_type(g, id));
        if (now == HC_NONE || hc_graph_type_key(gl->walk, hc_graph_type(gl->walk, now)) != type)
            return TRUE;
        if (hc_py_born_usable(born) && (hc_py_born_seen(born, addr) || hc_py_born_seen(born, type)))
            return TRUE; /* a newer object took its address */
    }
    return hc_py_graph_labeller_trust(gl, addr, err);
}

gboolean hc_py_graph_labeller_trust(hc_py_graph_labeller *gl, uintptr_t addr, GError **err)
{
    if (!gl->roots && gl->lab != &gl->stored.lab)
        return TRUE; /* nothing is proven (a loaded graph without labels, or no roots now) */
    uintptr_t *more = g_try_renew(uintptr_t, gl->roots, gl->nroots + 1);
    if (!more) {
        g_set_error(err, HC_ERROR, HC_ERROR_NOMEM, "out of memory labelling a path");
        return FALSE;
    }
    size_t k = gl->nroots;
    while (k > 0 && more[k - 1] > addr) { /* keep them sorted: hc_via_path bsearches */
        more[k] = more[k - 1];
        k--;
    }
    more[k] = addr;
    gl->roots = more;
    gl->nroots++;
    return TRUE;
}

void hc_py_graph_labeller_release(hc_py_graph_labeller *gl)
{
    g_free(gl->roots);
    gl->roots = NULL;
    g_clear_pointer(&gl->walk, hc_graph_unref);
}

hc_kinds *hc_py_via_kinds(hc_idset *s, uint32_t families, GError **err)
{
    hc_py_graph_labeller gl;
    hc_kinds *k = NULL;
    if (hc_py_graph_labeller_init(&gl, hc_idset_graph(s), HC_PY_LABELS_BYVIA, err))
        k = hc_via_kinds(s, gl.live, gl.lab, families, err);
    hc_py_graph_labeller_release(&gl);
    return k;
}

/* The roots paths search after the others (hc_paths_new_late): C registries of callbacks and
 * copies, which hold a function (so its module's globals) or a module's dict in fewer hops
 * than sys.modules does; a user expects the path through the module, the thread, the
 * builtins. */
static const char *const late_roots[] = {"atexit ",
                                         "signal handler ",
                                         "gc.callbacks",
                                         "codecs.",
                                         "warnings.",
                                         "m_copy ",
                                         "interp.modules_by_index",
                                         "interp.importlib",
                                         "interp.import_func",
                                         "interp.builtins_copy",
                                         "interp.sysdict_copy",
                                         NULL};

void hc_py_paths_skip_init(hc_py_paths_skip *skip)
{
    skip->late = late_roots;
    hc_py_virtual_label((uintptr_t)PyThreadState_Get() | HC_PY_VTAG_THREAD, skip->self_thread,
                        sizeof skip->self_thread);
    skip->labels[0] = skip->self_thread;
    skip->labels[1] = HC_PY_ARGUMENT_ROOT;
    skip->labels[2] = NULL;
}

/* ---- identity across churn ------------------------------------------------------------------ */

uint32_t hc_py_live_lookup(const hc_graph *g, const hc_py_born *born, PyObject *obj)
{
    uint32_t id = hc_graph_lookup(g, (uintptr_t)obj);
    if (id == HC_NONE || hc_graph_type_key(g, hc_graph_type(g, id)) != (uintptr_t)Py_TYPE(obj))
        return HC_NONE;
    if (hc_py_born_usable(born) &&
        (hc_py_born_seen(born, (uintptr_t)obj) || hc_py_born_seen(born, (uintptr_t)Py_TYPE(obj))))
        return HC_NONE; /* obj is newer than the snapshot: it took a freed object's address */
    return id;
}

/* Two live snapshots' view of an address: reused between them if the older one's tracker saw it
 * allocated and the newer one's did not (allocated after both, it may or may not have been
 * reused in between too: counted the same, as by address and type). */
typedef struct {
    const hc_py_born *older, *newer;
} reuse_ctx;

static gboolean reused_between(const reuse_ctx *c, uintptr_t addr)
{
    return hc_py_born_seen(c->older, addr) && !hc_py_born_seen(c->newer, addr);
}

static gboolean same_object(void *ctx, uintptr_t addr, uintptr_t type_key)
{
    const reuse_ctx *c = ctx;
    return !reused_between(c, addr) && !reused_between(c, type_key);
}

hc_idset *hc_py_sub_foreign(const hc_idset *a, hc_py_snapshot_id ia, const hc_idset *b, hc_py_snapshot_id ib,
                            GError **err)
{
    reuse_ctx c = {NULL, NULL};
    if (ia.seq && ib.seq && ia.seq != ib.seq) {
        c.older = ia.seq < ib.seq ? ia.born : ib.born;
        c.newer = ia.seq < ib.seq ? ib.born : ia.born;
    }
    hc_same_object_fn fn = hc_py_born_usable(c.older) ? same_object : NULL;
    return hc_idset_sub_foreign_with(a, b, fn, &c, err);
}

/* ---- the roots now ---------------------------------------------------------------------- */

/* The roots' objects, collected first (nothing is created while the roots are read), made
 * into Python objects after. */
static void collect_root(void *data, uintptr_t addr, const char *label)
{
    GPtrArray *a = data;
    if (addr && !HC_PY_VTAG(addr)) {
        g_ptr_array_add(a, (gpointer)addr);
        g_ptr_array_add(a, g_strdup(label));
    }
}

PyObject *hc_py_root_objects(void)
{
    GPtrArray *a = g_ptr_array_new();
    if (hc_py_roots(PyInterpreterState_Get(), collect_root, a) < 0) {
        for (guint i = 1; i < a->len; i += 2)
            g_free(a->pdata[i]);
        g_ptr_array_free(a, TRUE);
        return PyErr_NoMemory();
    }
    for (guint i = 0; i + 1 < a->len; i += 2) /* held before anything can run */
        Py_INCREF((PyObject *)a->pdata[i]);
    PyObject *out = PyList_New(0);
    for (guint i = 0; i + 1 < a->len; i += 2) {
        PyObject *t = out ? Py_BuildValue("(sO)", (char *)a->pdata[i + 1], (PyObject *)a->pdata[i]) : NULL;
        if (!t || PyList_Append(out, t) < 0)
            Py_CLEAR(out);
        Py_XDECREF(t);
        Py_DECREF((PyObject *)a->pdata[i]);
        g_free(a->pdata[i + 1]);
    }
    g_ptr_array_free(a, TRUE);
    return out;
}

/* ---- the process ---------------------------------------------------------------------------- */

long long hc_py_rss(void)
{
    long long rss = -1;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        long long pages_total, pages_rss;
        if (fscanf(f, "%lld %lld", &pages_total, &pages_rss) == 2)
            rss = pages_rss * sysconf(_SC_PAGESIZE);
        fclose(f);
    }
    return rss;
}

PyObject *hc_py_object_traceback(PyObject *obj)
{
    return hc_py_alloc_traceback(obj);
}
