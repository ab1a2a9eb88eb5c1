/* heapcore/py/pysnapshot.c — taking snapshots of a live interpreter, and the details files
 * and exports carry (see pysnapshot.h). */
#include "pysnapshot.h"
#include "pycompat.h"

/* For a capture from an earlier snapshot g: the live objects' labeller, its answers kept only
 * where they are about the objects g recorded.  Between g's walk and now, objects died and new
 * ones took their addresses: a referent at an edge's target address, or the key or name a
 * label's text is read from, may be another object (a str made since, at a freed key's
 * address, would name the edge).  So a label is passed on only if its target, and the object
 * its text reads (a key, a name), are each at their address with the type g recorded there
 * (as a fresh walk finds them now) and their address was not handed out again since g was
 * taken (born, when it can tell); otherwise the edge keeps no label ('?'). */
#define PROVING_SCAN 16    /* edges of a referrer scanned for a label's target */
#define PROVING_CACHE 4096 /* answers kept, by address */

typedef struct proving {
    hc_labeller inner;      /* the live objects' labeller (its ctx is unused: roots and
                               keep_root, which the capture does not call, get ours) */
    const hc_graph *g;      /* the snapshot */
    const uint64_t *alive;  /* g's nodes that are the same objects now (capture_details) */
    const hc_py_born *born; /* g's tracker, or NULL */
    gboolean tracked;       /* hc_py_born_usable(born), asked once */
    hc_label_emit emit;     /* the capture's receiver, during one labels call */
    void *edata;
    const uint32_t *e; /* the referrer's edges, if it has at most PROVING_SCAN (else none) */
    uint32_t ne;
    uint32_t cursor; /* the last referrer's id (the capture goes through them in id order) */
    /* answers of same_as_recorded by address (a direct-mapped cache: they cannot change
     * during a capture, and keys and attribute names come back again and again) */
    uintptr_t seen_addr[PROVING_CACHE];
    uint8_t seen_same[PROVING_CACHE];
} proving;

/* Is the object at addr now the one g recorded there?  A node of g: if it is in `alive` (at
 * its address with its type in a fresh walk, not handed out again since).  An address g has
 * no node at (a name no edge of g reaches): by the tracker alone.  Most questions are about
 * the referrer's own referents, found among its few edges without a lookup of g's address
 * column (a fifth of x.dump's time when every label was looked up). */
static gboolean same_as_recorded(proving *p, uintptr_t addr)
{
    for (uint32_t k = 0; k < p->ne; k++)
        if (hc_graph_addr(p->g, p->e[k]) == addr)
            return HC_BIT(p->alive, p->e[k]) != 0;
    size_t slot = (addr >> 4) & (PROVING_CACHE - 1);
    if (p->seen_addr[slot] == addr && addr)
        return p->seen_same[slot];
    uint32_t id = hc_graph_lookup(p->g, addr);
    gboolean same = id != HC_NONE ? HC_BIT(p->alive, id) != 0 : !p->tracked || !hc_py_born_seen(p->born, addr);
    p->seen_addr[slot] = addr;
    p->seen_same[slot] = (uint8_t)same;
    return same;
}

static void proving_emit(void *edata, uintptr_t target, uint32_t kind, uintptr_t arg)
{
    proving *p = edata;
    unsigned base = kind & HC_PY_LBL_BASE;
    gboolean reads_object = base == HC_PY_LBL_KEY || base == HC_PY_LBL_ATTR || base == HC_PY_LBL_LOCAL;
    if (same_as_recorded(p, target) && (!reads_object || same_as_recorded(p, arg)))
        p->emit(p->edata, target, kind, arg);
}

static void proving_labels(void *ctx, uintptr_t addr, hc_label_emit emit, void *edata)
{
    proving *p = ctx;
    p->emit = emit;
    p->edata = edata;
    uint32_t next = p->cursor + 1, ne = 0; /* (HC_NONE + 1 = 0) */
    uint32_t id = next < hc_graph_n(p->g) && hc_graph_addr(p->g, next) == addr ? next : hc_graph_lookup(p->g, addr);
    if (id != HC_NONE)
        p->cursor = id;
    p->e = id != HC_NONE ? hc_graph_edges(p->g, id, &ne) : NULL;
    p->ne = ne <= PROVING_SCAN ? ne : 0;
    p->inner.labels(p->inner.ctx, addr, proving_emit, p);
}

static void proving_text(void *ctx, uint32_t kind, uintptr_t arg, GString *out)
{
    const proving *p = ctx;
    p->inner.text(p->inner.ctx, kind, arg, out);
}

/* Capture edge labels and string values from the live objects (those of g still alive in
 * `live`, or all of g if live is NULL: walked just now) into *L and *V (the caller's).  With
 * live, a referrer whose address was handed out again since g was taken (born) is not read,
 * and labels are proven as `proving` says. */
static gboolean capture_details(hc_graph *g, const hc_graph *live, const hc_py_born *born, gboolean keep,
                                hc_edge_labels **L, hc_values **V, GError **err)
{
    uint64_t *alive = hc_graph_alive_in(g, live);
    if (!alive) {
        g_set_error(err, HC_ERROR, HC_ERROR_NOMEM, "out of memory capturing edge labels");
        return FALSE;
    }
    proving pv = {.g = g, .alive = alive, .born = born, .tracked = live && hc_py_born_usable(born), .cursor = HC_NONE};
    hc_py_labeller(&pv.inner);
    hc_labeller lab = pv.inner;
    if (live) {
        for (uint32_t r = 0, n = hc_graph_n(g); pv.tracked && r < n; r++)
            if (HC_BIT(alive, r) && (hc_py_born_seen(born, hc_graph_addr(g, r)) ||
                                     hc_py_born_seen(born, hc_graph_type_key(g, hc_graph_type(g, r)))))
                alive[r >> 6] &= ~((uint64_t)1 << (r & 63)); /* a newer object took its address */
        lab.labels = proving_labels;
        lab.text = proving_text;
        lab.ctx = &pv;
    }
    hc_value_model vm;
    hc_py_value_model(&vm);
    *L = hc_via_capture(g, alive, &lab, err);
    *V = *L ? hc_values_capture(g, alive, &vm, keep, err) : NULL;
    hc_free(alive);
    if (!*V) {
        hc_edge_labels_free(*L);
        *L = NULL;
        return FALSE;
    }
    return TRUE;
}

/* The edge labels and string values to write with g: those attached to it (captured when it
 * was taken, or read from its file), else captured now from the objects still alive (a fresh
 * walk proves which): pysnapshot.h. */
gboolean hc_py_file_details_for(hc_graph *g, const hc_py_born *born, gboolean keep, hc_py_file_details *d, GError **err)
{
    memset(d, 0, sizeof *d);
    d->labels = hc_graph_attached(g, HC_ATTACH_LABELS);
    d->values = hc_graph_attached(g, HC_ATTACH_VALUES);
    gboolean live_again = !hc_graph_is_loaded(g) && (!d->labels || !d->values || (keep && !hc_values_kept(d->values)));
    if (live_again) {
        hc_graph *live = hc_py_walk(NULL, 0, NULL, 0, HC_WALK_NODES_ONLY | HC_WALK_NO_SIZES, err);
        if (!live)
            return FALSE;
        gboolean ok = capture_details(g, live, born, keep, &d->own_labels, &d->own_values, err);
        hc_graph_unref(live);
        if (!ok)
            return FALSE;
        d->labels = d->own_labels;
        d->values = d->own_values;
    }
    if (d->labels && !hc_edge_labels_ready(d->labels, g, err))
        return FALSE;
    if (d->values && !keep && hc_values_kept(d->values)) {
        hc_values *r = hc_values_redacted(d->values);
        if (!r) {
            g_set_error(err, HC_ERROR, HC_ERROR_NOMEM, "out of memory redacting string values");
            return FALSE;
        }
        hc_values_free(d->own_values);
        d->values = d->own_values = r;
    }
    return TRUE;
}

void hc_py_file_details_release(hc_py_file_details *d)
{
    hc_edge_labels_free(d->own_labels);
    hc_values_free(d->own_values);
}

/* Set while this thread runs the __sizeof__ calls of a snapshot: a __sizeof__ that takes a
 * snapshot itself would call itself again, without end. */
static _Thread_local int in_sizeof;

/* FALSE + RuntimeError while this thread runs a snapshot's __sizeof__ calls. */
static gboolean not_in_sizeof(void)
{
    if (!in_sizeof)
        return TRUE;
    PyErr_SetString(PyExc_RuntimeError, "heapcore: a snapshot was asked for while another one is calling the "
                                        "__sizeof__ methods of the objects it found (from such a __sizeof__, or from a "
                                        "signal handler, __del__, weakref or gc callback that ran meanwhile); take it "
                                        "after that snapshot returns");
    return FALSE;
}

/* Capture g's edge labels and string values (g walked just now: every node alive) and attach
 * them to it. */
static gboolean attach_details(hc_graph *g, gboolean keep, GError **err)
{
    hc_edge_labels *L;
    hc_values *V;
    if (!capture_details(g, NULL, NULL, keep, &L, &V, err))
        return FALSE;
    hc_graph_attach(g, HC_ATTACH_LABELS, L, (GDestroyNotify)hc_edge_labels_free);
    hc_graph_attach(g, HC_ATTACH_VALUES, V, (GDestroyNotify)hc_values_free);
    return TRUE;
}

/* The __sizeof__ calls of g walked just now, and its count of failed ones: -1 + exception. */
static int measure_sizes(hc_graph *g)
{
    size_t failed = 0;
    in_sizeof = 1;
    int rc = hc_py_apply_sizeof(g, &failed);
    in_sizeof = 0;
    if (rc == 0)
        hc_graph_set_sizeof_failures(g, (uint32_t)MIN(failed, UINT32_MAX));
    return rc;
}

/* FALSE + RuntimeError while the interpreter is finalized: a __del__ or weakref callback run
 * by the teardown would walk modules and objects half gone. */
static gboolean not_finalizing(void)
{
    if (!hc_py_is_finalizing())
        return TRUE;
    PyErr_SetString(PyExc_RuntimeError, "the interpreter is shutting down: its heap is being torn down and "
                                        "cannot be walked (take the snapshot before, e.g. from atexit)");
    return FALSE;
}

hc_graph *hc_py_snapshot_take(PyObject *const *extra, size_t nextra, int capture, hc_py_born **born, GError **err)
{
    *born = NULL;
    if (!not_finalizing() || !not_in_sizeof())
        return NULL;
    hc_graph *g = hc_py_walk(NULL, 0, extra, nextra, 0, err);
    if (!g)
        return NULL;
    /* from here on, an address allocated again is not the snapshot's object any more (pyborn.h) */
    hc_py_born *b = hc_py_born_start();
    /* details before __sizeof__ calls run Python code: every node is alive still */
    if ((capture && !attach_details(g, capture > 1, err)) || measure_sizes(g) < 0) {
        hc_py_born_stop(b);
        hc_graph_unref(g);
        return NULL;
    }
    *born = b;
    return g;
}

hc_graph *hc_py_census_take(PyObject *const *extra, size_t nextra, GError **err)
{
    if (!not_finalizing() || !not_in_sizeof())
        return NULL;
    hc_graph *g = hc_py_walk(NULL, 0, extra, nextra, HC_WALK_NODES_ONLY, err);
    if (g && measure_sizes(g) < 0) {
        hc_graph_unref(g);
        return NULL;
    }
    return g;
}

/* how many milliseconds hc_py_snapshot_of_interpreter waits for an interpreter being destroyed */
#define INTERP_WAITS 5000

hc_graph *hc_py_snapshot_of_interpreter(long long id, gboolean keep, GError **err)
{
    PyInterpreterState *in = NULL;
    if (PyInterpreterState_Get() != PyInterpreterState_Main()) {
        PyErr_SetString(PyExc_RuntimeError, "a subinterpreter's heap is taken from the main interpreter");
        return NULL;
    }
    if (!not_finalizing() || !not_in_sizeof())
        return NULL;
    hc_graph *main_g = hc_py_walk(NULL, 0, NULL, 0, HC_WALK_NODES_ONLY | HC_WALK_NO_SIZES, err);
    if (!main_g)
        return NULL;
    /* Looked up after the main walk (which lets other threads run while its helpers work:
     * one may destroy the interpreter), then held by a thread state of ours and marked
     * running before the main GIL is released again.  One another thread is destroying is
     * waited for (main GIL released) until it is gone: entering it would crash the host,
     * and it is not there to be walked (pycompat.h). */
    hc_interp_lookup found = hc_py_interp_find(id, &in);
    for (int waits = 0; found == HC_INTERP_DYING && waits < INTERP_WAITS; waits++) {
        Py_BEGIN_ALLOW_THREADS
        g_usleep(1000);
        Py_END_ALLOW_THREADS
        found = hc_py_interp_find(id, &in);
    }
    if (found != HC_INTERP_FOUND) {
        hc_graph_unref(main_g);
        if (found == HC_INTERP_DYING)
            PyErr_Format(PyExc_RuntimeError,
                         "interpreter %lld is being destroyed or entered by another thread (a thread state "
                         "of it runs no Python code): try again",
                         id);
        else
            PyErr_Format(PyExc_ValueError,
                         found == HC_INTERP_IS_MAIN ? "interpreter %lld is the main one: take its heap with heap()"
                                                    : "no interpreter %lld",
                         id);
        return NULL;
    }
    PyThreadState *sub_ts = PyThreadState_New(in);
    if (!sub_ts) {
        hc_graph_unref(main_g);
        PyErr_NoMemory();
        return NULL;
    }
    /* Marked running while the main GIL still keeps every thread of main away: destroy()
     * then refuses it cleanly until we are out (pycompat.h).  A subinterpreter running in
     * another thread is marked already; once in, it is marked for us if that run ended. */
    int marked = hc_py_interp_mark_running(in, sub_ts);
    PyThreadState *mine = hc_py_interp_enter(sub_ts); /* into the subinterpreter (pycompat.h) */
    marked |= hc_py_interp_mark_running(in, sub_ts);
    hc_graph *g = hc_py_walk_sub(main_g, err);
    if (g && !attach_details(g, keep, err))
        g_clear_pointer(&g, hc_graph_unref);
    if (g && measure_sizes(g) < 0) { /* an exception of the subinterpreter's: told as text, not carried over */
        gboolean nomem = PyErr_ExceptionMatches(PyExc_MemoryError);
        PyObject *exc = hc_py_take_exception();
        PyObject *text = exc ? PyObject_Str(exc) : NULL;
        const char *u = text ? PyUnicode_AsUTF8(text) : NULL;
        g_set_error(err, HC_ERROR, nomem ? HC_ERROR_NOMEM : HC_ERROR_STATE,
                    "measuring the subinterpreter's objects failed: %s: %s", exc ? Py_TYPE(exc)->tp_name : "?",
                    u ? u : "?");
        PyErr_Clear();
        Py_XDECREF(text);
        Py_XDECREF(exc);
        g_clear_pointer(&g, hc_graph_unref);
    }
    hc_py_interp_leave(sub_ts, mine, in, marked);
    hc_graph_unref(main_g);
    if (g)
        hc_graph_set_loaded(g); /* its addresses are the subinterpreter's: never handed out here */
    return g;
}
