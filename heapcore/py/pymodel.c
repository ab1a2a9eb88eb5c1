/* heapcore/py/pymodel.c — the hc_model of a live CPython interpreter: type keys are type
 * addresses (or a virtual tag), expansion is tp_traverse plus the referents it misses
 * (pyrefs.c), sizes come from pysize.c.  Also what runs right after a walk: type names and
 * the objects whose size only their own __sizeof__ knows. */
#include "pymodel.h"
#include "pycompat.h"
#include "pycompat_frames.h"
#include "pycompat_objects.h"

#include <frameobject.h>

#include <string.h>

typedef struct py_ctx {
    PyInterpreterState *interp;
    const hc_py_root *roots;
    size_t nroots;
    PyObject *const *extra;
    size_t nextra;
    /* One size info per type seen, in blocks that never move: a type's data is its info's
     * address, which a walk's helper thread reads while this thread adds types. */
    hc_py_size_info **infoblocks;
    size_t ninfos, nblocks;
    const hc_graph *exclude; /* hc_py_walk_sub: the main interpreter's objects */
    int in_complement;       /* the walk has moved on to the gc objects no root reaches */
} py_ctx;

static PyTypeObject **hidden_types;
static size_t nhidden;
/* Interned names, made once: a fresh str per call would fill CPython's method cache (keyed by
 * the name's address) with new strings on every snapshot. */
static PyObject *str_module;             /* "__module__" */
static PyObject *str_sizeof;             /* "__sizeof__" */
static PyObject *str_name;               /* "__name__" */
static Py_hash_t hash_module, hash_name; /* their hashes (str hashes run no Python code) */

int hc_py_model_init(void)
{
    if (!str_module && !(str_module = PyUnicode_InternFromString("__module__")))
        return -1;
    if (!str_sizeof && !(str_sizeof = PyUnicode_InternFromString("__sizeof__")))
        return -1;
    if (!str_name && !(str_name = PyUnicode_InternFromString("__name__")))
        return -1;
    if ((hash_module = PyObject_Hash(str_module)) == -1 || (hash_name = PyObject_Hash(str_name)) == -1)
        return -1;
    hc_py_size_global_init();
    return 0;
}

int hc_py_hide_type(PyTypeObject *tp)
{
    for (size_t i = 0; i < nhidden; i++)
        if (hidden_types[i] == tp)
            return 0;
    PyTypeObject **h = realloc(hidden_types, (nhidden + 1) * sizeof *h);
    if (!h) {
        PyErr_NoMemory();
        return -1;
    }
    Py_INCREF(tp);
    hc_py_learn_class(tp); /* the observer's classes come from class statements */
    hidden_types = h;
    hidden_types[nhidden++] = tp;
    return 0;
}

/* ---- the model callbacks ------------------------------------------------------------------ */

static uintptr_t py_type_of(void *ctx, uintptr_t addr)
{
    (void)ctx;
    if (HC_PY_VTAG(addr))
        return HC_PY_VTAG(addr);
    return (uintptr_t)Py_TYPE((PyObject *)addr);
}

#define INFO_BLOCK 256

static uint32_t py_type_init(void *vctx, uintptr_t key, uintptr_t *data)
{
    py_ctx *ctx = vctx;
    if (key <= HC_PY_VTAG_MASK)
        return HC_TYPE_VIRTUAL | HC_TYPE_NOOBJ | (key == HC_PY_VTAG_FRAME ? HC_TYPE_SOMEHIDDEN : 0);
    PyTypeObject *tp = (PyTypeObject *)key;
    uint32_t flags = tp == &PyFrame_Type ? HC_TYPE_SOMEHIDDEN : 0; /* the observer's frames */
    if (tp == &PyTuple_Type && ctx->nextra)
        flags |= HC_TYPE_SOMEHIDDEN; /* iso()'s argument tuple (is_argument_tuple) */
    for (size_t i = 0; i < nhidden; i++)
        if (hidden_types[i] == tp)
            flags |= HC_TYPE_HIDDEN;
    if (tp == &PyDict_Type)
        flags |= HC_TYPE_DICT;
    if (hc_py_type_is_leaf(tp))
        flags |= HC_TYPE_LEAF;
    else if (hc_py_type_is_threadsafe(tp))
        flags |= HC_TYPE_THREADSAFE;
    if (PyType_FastSubclass(tp, Py_TPFLAGS_DICT_SUBCLASS))
        flags |= HC_TYPE_DICTLIKE;
    if (PyType_IsSubtype(tp, &PyModule_Type))
        flags |= HC_TYPE_MODULE;
    if (ctx->ninfos == ctx->nblocks * INFO_BLOCK) {
        /* Out of memory: this type's sizes are computed without a cached info, by
         * hc_py_size_info_init on each instance, which 3.12+ cannot run without a thread
         * state (static types' dicts are per interpreter): so no helper thread may expand
         * its instances, and it is expanded in both passes like any other type. */
        const uint32_t no_info = flags & ~(uint32_t)(HC_TYPE_LEAF | HC_TYPE_THREADSAFE);
        hc_py_size_info **p = hc_try_reallocarray(ctx->infoblocks, ctx->nblocks + 1, sizeof *p);
        if (!p)
            return no_info;
        ctx->infoblocks = p;
        if (!(p[ctx->nblocks] = hc_try_malloc(INFO_BLOCK * sizeof **p)))
            return no_info;
        ctx->nblocks++;
    }
    hc_py_size_info *info = &ctx->infoblocks[ctx->ninfos / INFO_BLOCK][ctx->ninfos % INFO_BLOCK];
    ctx->ninfos++;
    hc_py_size_info_init(tp, info);
    if (info->needs_call)
        flags |= HC_TYPE_SIZECALL;
    *data = (uintptr_t)info;
    return flags;
}

static int visit_ref(PyObject *o, void *w)
{
    if (o)
        hc_walk_visit(w, (uintptr_t)o);
    return 0;
}

static void ref_cb(void *w, uintptr_t addr, unsigned rflags)
{
    if (!addr)
        return;
    if (rflags & HC_PY_REF_DICT_OF)
        hc_walk_visit_dict(w, addr);
    else
        hc_walk_visit(w, addr);
}

/* The referents the walk records for a live object o of type tp (tp_traverse plus what it
 * misses); `visit` and `ref` receive them, in the walk's order. */
static void object_refs(PyObject *o, PyTypeObject *tp, visitproc visit, hc_py_ref_cb ref, void *data)
{
    if (PyType_IS_GC(tp) && (!tp->tp_is_gc || tp->tp_is_gc(o)) && tp->tp_traverse)
        tp->tp_traverse(o, visit, data);
    hc_py_extra_refs(o, tp, ref, data);
}

static int list_visit(PyObject *o, void *data)
{
    if (o && !PyErr_Occurred()) { /* after a failure, keep the error and append nothing */
        PyObject *a = PyLong_FromVoidPtr(o);
        if (a)
            PyList_Append(data, a);
        Py_XDECREF(a);
    }
    return 0;
}

static void list_ref(void *data, uintptr_t addr, unsigned rflags)
{
    if (addr && !(rflags & HC_PY_REF_DICT_OF))
        list_visit((PyObject *)addr, data);
}

PyObject *hc_py_referents(PyObject *o)
{
    /* Collect the addresses into a list first: the callbacks must not run Python code on
     * objects of o while tp_traverse runs, and ints are created only here, for a test API. */
    PyObject *out = PyList_New(0);
    if (!out)
        return NULL;
    object_refs(o, Py_TYPE(o), list_visit, list_ref, out);
    if (PyErr_Occurred()) {
        Py_DECREF(out);
        return NULL;
    }
    return out;
}

static void py_expand(void *vctx, hc_walk *w, uintptr_t addr, uintptr_t key, uintptr_t data, uint64_t *size,
                      uint32_t *flags)
{
    py_ctx *ctx = vctx;
    (void)flags;
    if (HC_PY_VTAG(addr)) {
        if (size)
            *size = 0;
        hc_py_virtual_refs(addr, ref_cb, w);
        return;
    }
    PyObject *o = (PyObject *)addr;
    PyTypeObject *tp = (PyTypeObject *)key;
    if (ctx->exclude && !(PyType_Check(o) && !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) &&
        hc_graph_lookup(ctx->exclude, addr) != HC_NONE) {
        /* the main interpreter's (hc_py_walk_sub): hidden, not expanded */
        if (size)
            *size = 0;
        if (flags)
            *flags |= HC_NODE_HIDDEN;
        return;
    }
    if (Py_REFCNT(o) <= 0) {
        /* A freed object that a free list still links and a module's traverse still reports
         * (3.12's _asyncio visits its FutureIter free list): not alive.  Hidden, so that no
         * set shows it and nothing hands it back (a new reference would free it twice), and
         * not expanded (its fields are stale). */
        if (size)
            *size = 0;
        if (flags)
            *flags |= HC_NODE_HIDDEN;
        return;
    }
    if (!size) {
        /* the second pass, or a walk that measures nothing: referents only */
    } else if (data) {
        *size = hc_py_size(o, tp, (const hc_py_size_info *)data);
    } else {
        hc_py_size_info info;
        hc_py_size_info_init(tp, &info);
        *size = hc_py_size(o, tp, &info);
    }
    object_refs(o, tp, visit_ref, ref_cb, w);
}

/* A tuple no root reaches whose items are exactly the extra roots: the one a call such as
 * h.iso(*seq, x) built on its caller's value stack (or the callee's *args) to pass them.  It
 * exists only to make the call; counted, it would be every argument's referrer. */
static gboolean is_argument_tuple(const py_ctx *ctx, PyObject *o)
{
    if (!ctx->in_complement || (size_t)PyTuple_GET_SIZE(o) != ctx->nextra)
        return FALSE;
    for (size_t i = 0; i < ctx->nextra; i++)
        if (PyTuple_GET_ITEM(o, (Py_ssize_t)i) != ctx->extra[i])
            return FALSE;
    return TRUE;
}

static gboolean py_is_hidden(void *vctx, uintptr_t addr, uintptr_t key)
{
    const py_ctx *ctx = vctx;
    if (key == (uintptr_t)&PyTuple_Type)
        return is_argument_tuple(ctx, (PyObject *)addr);
    return hc_py_frame_is_own(addr) != 0;
}

static void root_cb(void *w, uintptr_t addr, const char *label)
{
    if (addr)
        hc_walk_add_root(w, addr, label);
}

static void py_roots(void *vctx, hc_walk *w)
{
    py_ctx *ctx = vctx;
    if (hc_py_roots(ctx->interp, root_cb, w) < 0)
        hc_walk_fail(w, "the list of roots");
    for (size_t i = 0; i < ctx->nroots; i++)
        if (ctx->roots[i].obj)
            hc_walk_add_root(w, (uintptr_t)ctx->roots[i].obj, ctx->roots[i].label);
}

static void py_extra_roots(void *vctx, hc_walk *w)
{
    py_ctx *ctx = vctx;
    for (size_t i = 0; i < ctx->nextra; i++)
        if (ctx->extra[i])
            hc_walk_add_extra_root(w, (uintptr_t)ctx->extra[i], HC_PY_ARGUMENT_ROOT);
}

static void gc_cb(void *w, PyObject *o)
{
    if (Py_REFCNT(o) > 0)
        hc_walk_add_candidate(w, (uintptr_t)o);
}

static void py_complement(void *vctx, hc_walk *w)
{
    py_ctx *ctx = vctx;
    ctx->in_complement = 1; /* the walk asks is_hidden of these candidates next */
    hc_py_gc_objects(ctx->interp, gc_cb, w);
}

/* ---- after the walk ---------------------------------------------------------------------- */

/* Copy an ASCII str into buf; '?' for anything else.  Creates nothing. */
static void ascii_of(PyObject *s, char *buf, size_t len)
{
    if (s && PyUnicode_Check(s) && PyUnicode_IS_ASCII(s)) {
        g_strlcpy(buf, (const char *)PyUnicode_DATA(s), len);
        return;
    }
    g_strlcpy(buf, "?", len);
}

/* Heapy's names: builtins bare, everything else module.name (not the qualname).  Read from
 * the type's fields and dict: no Python code runs (a metaclass cannot interfere). */
void hc_py_type_name(PyTypeObject *tp, char *out, size_t len)
{
    char module[256], name[256];
    if (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) {
        ascii_of(((PyHeapTypeObject *)tp)->ht_name, name, sizeof name);
        PyObject *m = NULL;
        if (tp->tp_dict && PyDict_Check(tp->tp_dict))
            (void)hc_py_dict_peek_str(tp->tp_dict, str_module, hash_module, &m); /* undecidable: '?' */
        ascii_of(m, module, sizeof module);
    } else {
        const char *dot = strrchr(tp->tp_name, '.');
        if (dot) {
            g_strlcpy(module, tp->tp_name, MIN(sizeof module, (size_t)(dot - tp->tp_name) + 1));
            g_strlcpy(name, dot + 1, sizeof name);
        } else {
            g_strlcpy(module, "builtins", sizeof module);
            g_strlcpy(name, tp->tp_name, sizeof name);
        }
    }
    if (strcmp(module, "builtins") == 0)
        g_strlcpy(out, name, len);
    else
        g_snprintf(out, len, "%s.%s", module, name);
}

static void name_type(hc_graph *g, uint32_t t)
{
    uintptr_t key = hc_graph_type_key(g, t);
    if (key <= HC_PY_VTAG_MASK) {
        hc_graph_set_type_name(g, t, hc_py_virtual_kind((unsigned)key));
        return;
    }
    char full[520];
    hc_py_type_name((PyTypeObject *)key, full, sizeof full);
    hc_graph_set_type_name(g, t, full);
}

/* Node names read right after the walk (no Python code has run since, so every node is
 * alive): each module's __name__ (ASCII, else '?'), each generator's and coroutine's function
 * and line ("coroutine serve() at app.py:12"), each asyncio Task's name.  The module lookup
 * reads the dict's entries (hc_py_dict_peek_str): PyDict_GetItem would call the __eq__ of a
 * key whose hash collides with "__name__", and that code may free objects the walk just
 * recorded.  One pass over the nodes, and only when some type needs it. */
enum { NAME_NONE, NAME_MODULE, NAME_GEN, NAME_TASK };

static void name_nodes(hc_graph *g, const unsigned char *namer)
{
    char name[320];
    for (uint32_t id = 0, n = hc_graph_n(g); id < n; id++) {
        unsigned how = namer[hc_graph_type(g, id)];
        if (how == NAME_NONE || (hc_graph_flags(g, id) & (HC_NODE_VIRTUAL | HC_NODE_HIDDEN)))
            continue;
        PyObject *o = (PyObject *)hc_graph_addr(g, id);
        if (how == NAME_MODULE) {
            PyObject *d = PyModule_GetDict(o);
            PyObject *v = NULL;
            if (d && PyDict_Check(d))
                (void)hc_py_dict_peek_str(d, str_name, hash_name, &v); /* undecidable: '?' */
            ascii_of(v, name, sizeof name);
        } else if (how == NAME_GEN)
            hc_py_gen_describe(o, name, sizeof name);
        else if (!hc_py_task_name(o, Py_TYPE(o), name, sizeof name))
            continue;
        hc_graph_set_node_name(g, id, name);
    }
}

/* How nodes of type t are named (NAME_*). */
static unsigned char namer_of(hc_graph *g, uint32_t t)
{
    uintptr_t key = hc_graph_type_key(g, t);
    if (hc_graph_type_flags(g, t) & HC_TYPE_MODULE)
        return NAME_MODULE;
    if (key <= HC_PY_VTAG_MASK)
        return NAME_NONE;
    if (key == (uintptr_t)&PyGen_Type || key == (uintptr_t)&PyCoro_Type || key == (uintptr_t)&PyAsyncGen_Type)
        return NAME_GEN;
    return hc_py_task_type((PyTypeObject *)key) ? NAME_TASK : NAME_NONE;
}

/* The walk of c's interpreter (hc_py_walk, hc_py_walk_sub), then its types' and modules' names. */
static hc_graph *walk_ctx(py_ctx *c, uint32_t options, GError **error)
{
    hc_py_threads_prepare();
    hc_model model = {
        .ctx = c,
        .type_of = py_type_of,
        .type_init = py_type_init,
        .expand = py_expand,
        .roots = py_roots,
        .extra_roots = c->nextra ? py_extra_roots : NULL,
        .complement = py_complement,
        .is_hidden = py_is_hidden,
    };
    hc_graph *g = hc_walk_run_with(&model, 1u << 16, options, error);
    for (size_t b = 0; b < c->nblocks; b++)
        hc_free(c->infoblocks[b]);
    hc_free(c->infoblocks);
    if (!g)
        return NULL;
    uint32_t ntypes = hc_graph_ntypes(g);
    unsigned char *namer = hc_try_malloc(ntypes ? ntypes : 1);
    gboolean some = FALSE;
    for (uint32_t t = 0; t < ntypes; t++) {
        name_type(g, t);
        if (namer != NULL)
            some |= (namer[t] = namer_of(g, t)) != NAME_NONE;
    }
    if (some)
        name_nodes(g, namer); /* out of memory: unnamed */
    hc_free(namer);
    hc_py_name_virtuals(g);
    return g;
}

hc_graph *hc_py_walk(const hc_py_root *roots, size_t nroots, PyObject *const *extra, size_t nextra, uint32_t options,
                     GError **error)
{
    py_ctx ctx = {0};
    ctx.interp = PyInterpreterState_Get();
    if (ctx.interp != PyInterpreterState_Main()) {
        /* Single-phase heapcore shares its module's objects with the main interpreter, and
         * through them much of the main heap: a walk from here would mix the two. */
        g_set_error(error, HC_ERROR, HC_ERROR_STATE,
                    "heapcore walks the main interpreter only, and this is subinterpreter %lld: take the "
                    "snapshot from the main interpreter (which never includes a subinterpreter's objects), "
                    "or its own with hpy().heap(interpreter=%lld) there",
                    (long long)PyInterpreterState_GetID(ctx.interp), (long long)PyInterpreterState_GetID(ctx.interp));
        return NULL;
    }
    ctx.roots = roots;
    ctx.nroots = nroots;
    ctx.extra = extra;
    ctx.nextra = nextra;
    return walk_ctx(&ctx, options, error);
}

hc_graph *hc_py_walk_sub(const hc_graph *main, GError **error)
{
    py_ctx ctx = {0};
    ctx.interp = PyInterpreterState_Get();
    if (ctx.interp == PyInterpreterState_Main()) {
        g_set_error(error, HC_ERROR, HC_ERROR_STATE, "hc_py_walk_sub: this is the main interpreter");
        return NULL;
    }
    ctx.exclude = main;
    return walk_ctx(&ctx, 0, error);
}

size_t hc_py_sizecall_count(const hc_graph *g)
{
    return hc_graph_select_flags(g, HC_NODE_SIZECALL | HC_NODE_HIDDEN, HC_NODE_SIZECALL, NULL);
}

int hc_py_apply_sizeof(hc_graph *g, size_t *failed)
{
    *failed = 0;
    size_t k = hc_py_sizecall_count(g);
    if (!k)
        return 0;
    uint32_t *ids = hc_try_malloc(k * sizeof *ids);
    uint64_t *values = hc_try_malloc(k * sizeof *values);
    if (!ids || !values) {
        hc_free(ids);
        hc_free(values);
        PyErr_NoMemory();
        return -1;
    }
    /* Take references and read the managed values first: once Python code runs, any object
     * may be freed, or have its dict materialised. */
    PyTypeObject *info_tp = NULL; /* the type `info` describes: objects of a type tend to be adjacent */
    hc_py_size_info info = {0};
    k = hc_graph_select_flags(g, HC_NODE_SIZECALL | HC_NODE_HIDDEN, HC_NODE_SIZECALL, ids);
    for (size_t j = 0; j < k; j++) {
        PyObject *o = (PyObject *)hc_graph_addr(g, ids[j]);
        if (Py_TYPE(o) != info_tp) {
            info_tp = Py_TYPE(o);
            hc_py_size_info_init(info_tp, &info);
        }
        values[j] = hc_py_size_values(o, info_tp, &info);
        Py_INCREF(o);
    }
    int rc = 0;
    info_tp = NULL;
    for (size_t j = 0; j < k; j++) {
        PyObject *o = (PyObject *)hc_graph_addr(g, ids[j]);
        if (Py_TYPE(o) != info_tp) {
            info_tp = Py_TYPE(o);
            hc_py_size_info_init(info_tp, &info);
        }
        PyObject *r = rc ? NULL : PyObject_CallMethodObjArgs(o, str_sizeof, NULL);
        long long v = -1;
        if (r && PyLong_Check(r))
            v = PyLong_AsLongLong(r);
        Py_XDECREF(r);
        if (PyErr_Occurred()) {
            /* MemoryError, KeyboardInterrupt, SystemExit: keep the error, stop calling, still
             * release the references.  Any other error: the basic size. */
            if (PyErr_ExceptionMatches(PyExc_MemoryError) || !PyErr_ExceptionMatches(PyExc_Exception))
                rc = -1;
            else
                PyErr_Clear();
        }
        if (v < 0 || (unsigned long long)v > (1ull << 48)) {
            (*failed)++;
            continue;
        }
        GError *err = NULL;
        if (!hc_graph_set_size(g, ids[j], (uint64_t)v + info.header + values[j], &err)) {
            g_clear_error(&err);
            (*failed)++;
        }
    }
    for (size_t j = 0; j < k; j++)
        Py_DECREF((PyObject *)hc_graph_addr(g, ids[j]));
    hc_free(ids);
    hc_free(values);
    return rc;
}

int hc_py_resolve(hc_graph *g, const uint32_t *ids, uint32_t n, hc_graph *g2, const hc_py_born *born, PyObject ***out,
                  uint32_t **which, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (which)
        *which = NULL;
    PyObject **objs = hc_try_malloc((n ? n : 1) * sizeof *objs);
    uint32_t *match = hc_try_malloc((n ? n : 1) * sizeof *match);
    if (!objs || !match) {
        hc_free(objs);
        hc_free(match);
        PyErr_NoMemory();
        return -1;
    }
    hc_graph_match(g, ids, n, g2, match);
    size_t k = 0; /* match[] is reused for the positions of the live ones: k <= i always */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t id = ids[i];
        if (hc_graph_flags(g, id) & HC_NODE_VIRTUAL)
            continue;
        uintptr_t addr = hc_graph_addr(g, id);
        uint32_t id2 = match[i];
        if (id2 == HC_NONE || (hc_graph_flags(g2, id2) & (HC_NODE_VIRTUAL | HC_NODE_HIDDEN)))
            continue;
        uintptr_t key = hc_graph_type_key(g, hc_graph_type(g, id));
        if (hc_graph_type_key(g2, hc_graph_type(g2, id2)) != key)
            continue;
        if (hc_py_born_seen(born, addr) || hc_py_born_seen(born, key))
            continue; /* a new object at a freed one's address (or of a new type at a freed type's) */
        match[k] = i;
        objs[k++] = (PyObject *)addr;
    }
    if (which)
        *which = match;
    else
        hc_free(match);
    for (size_t j = 0; j < k; j++)
        Py_INCREF(objs[j]);
    *out = objs;
    *nout = k;
    return 0;
}

/* ---- edge labels ---------------------------------------------------------------------------- */

static void lab_labels(void *ctx, uintptr_t addr, hc_label_emit emit, void *edata)
{
    (void)ctx;
    hc_py_labels(addr, (hc_py_label_cb)emit, edata);
}

static gboolean lab_type_only(void *ctx, uintptr_t type_key, uint32_t *kind, uintptr_t *arg)
{
    (void)ctx;
    unsigned k;
    if (type_key <= HC_PY_VTAG_MASK || !hc_py_labels_type_only((PyTypeObject *)type_key, &k, arg))
        return FALSE;
    *kind = k;
    return TRUE;
}

static void lab_text(void *ctx, uint32_t kind, uintptr_t arg, GString *out)
{
    (void)ctx;
    hc_py_label_text(kind, arg, out);
}

typedef struct lab_roots {
    hc_root_emit emit;
    void *edata;
} lab_roots;

static void lab_root_cb(void *data, uintptr_t addr, const char *label)
{
    lab_roots *lr = data;
    (void)label;
    if (addr)
        lr->emit(lr->edata, addr);
}

static void lab_roots_fn(void *ctx, hc_root_emit emit, void *edata)
{
    (void)ctx;
    lab_roots lr = {emit, edata};
    hc_py_roots(PyInterpreterState_Get(), lab_root_cb, &lr);
}

static gboolean lab_keep_root(void *ctx, const char *label)
{
    (void)ctx;
    return strcmp(label, HC_PY_ARGUMENT_ROOT) != 0; /* iso()'s own arguments (py_extra_roots) */
}

void hc_py_labeller(hc_labeller *out)
{
    out->keep_root = lab_keep_root;
    out->labels = lab_labels;
    out->type_only = lab_type_only;
    out->text = lab_text;
    out->roots = lab_roots_fn;
    out->ctx = NULL;
    out->index_kind[0] = HC_PY_LBL_INDEX + 1;  /* [i] */
    out->index_kind[1] = HC_PY_LBL_KEYOF + 1;  /* .keys()[i] */
    out->index_kind[2] = HC_PY_LBL_MEMBER + 1; /* list(_)[i] */
}

/* ---- values ----------------------------------------------------------------------------------- */

static gboolean val_has(void *ctx, uintptr_t type_key)
{
    (void)ctx;
    return hc_py_has_value(type_key) != 0;
}

static void val_value(void *ctx, uintptr_t addr, uint64_t *length, hc_value_sink *out)
{
    (void)ctx;
    hc_py_value(addr, length, out);
}

void hc_py_value_model(hc_value_model *out)
{
    out->has_value = val_has;
    out->value = val_value;
    out->ctx = NULL;
}
