/* pyglue/engine.c — heapcore._engine: thin CPython wrappers over engine handles.
 *
 * Snapshot wraps an hc_graph, IdSet an hc_idset.  Neither holds a reference to any object of
 * the observed heap; both are hidden from walks (their type is registered as the observer's
 * own).  This file only translates: arguments in, HcError out as Python exceptions. */
#include "pymodel.h"
#include "pycompat.h"
#include "pysnapshot.h"

#include <frameobject.h>

#include <unistd.h>

/* ---- errors ------------------------------------------------------------------------------- */

static PyObject *set_error(GError *err)
{
    PyObject *exc = PyExc_RuntimeError;
    if (err && err->domain == HC_ERROR) {
        switch ((HcError)err->code) {
        case HC_ERROR_NOMEM:
            exc = PyExc_MemoryError;
            break;
        case HC_ERROR_INVALID:
            exc = PyExc_ValueError;
            break;
        case HC_ERROR_LIMIT:
            exc = PyExc_OverflowError;
            break;
        case HC_ERROR_STATE:
            exc = PyExc_RuntimeError;
            break;
        case HC_ERROR_IO:
            exc = PyExc_OSError;
            break;
        case HC_ERROR_FORMAT:
            exc = PyExc_ValueError;
            break;
        }
    }
    PyErr_SetString(exc, err ? err->message : "heapcore engine error");
    g_clear_error(&err);
    return NULL;
}

/* ---- Snapshot ------------------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    hc_graph *g;
    hc_domtree *dom;                  /* computed on first need */
    double dom_s;                     /* seconds it took */
    hc_reach *reach;                  /* what the roots reach, computed on first need (sets' domisize) */
    hc_referrers *refs;               /* reverse edges, computed on first need */
    hc_kinds *kinds[HC_NCLASSIFIERS]; /* classifiers made concrete, on first need */
    PyObject *meta;                   /* a loaded snapshot's META section as a dict; NULL otherwise */
    hc_py_born *born;                 /* live snapshots: what was allocated since the walk (pyborn.h), or NULL */
    uint64_t seq;                     /* live snapshots: 1, 2, ... in the order they were taken; loaded: 0 */
} SnapshotObject;

typedef struct {
    PyObject_HEAD
    hc_idset *s;
    SnapshotObject *snap; /* the snapshot of s's graph: shares its dominator tree */
} IdSetObject;

/* Kinds: a classifier the caller computed (hc_kinds_new_explicit) for one snapshot. */
typedef struct {
    PyObject_HEAD
    hc_kinds *k;
    hc_graph *g; /* the graph it classifies (borrowed from k) */
} KindsObject;

static PyTypeObject Snapshot_Type;
static PyTypeObject IdSet_Type;
static PyTypeObject Kinds_Type;

/* A set of snap's graph, or the error *err (a pointer, read after the call that made s: C leaves
 * the order in which arguments are evaluated open). */
static PyObject *wrap_set(SnapshotObject *snap, hc_idset *s, GError **err)
{
    if (!s)
        return set_error(*err);
    IdSetObject *o = PyObject_New(IdSetObject, &IdSet_Type);
    if (!o) {
        hc_idset_unref(s);
        return NULL;
    }
    o->s = s;
    Py_INCREF(snap);
    o->snap = snap;
    return (PyObject *)o;
}

static void Snapshot_dealloc(SnapshotObject *self)
{
    hc_domtree_free(self->dom);
    hc_reach_free(self->reach);
    for (int c = 0; c < HC_NCLASSIFIERS; c++)
        hc_kinds_free(self->kinds[c]);
    hc_referrers_free(self->refs);
    hc_graph_unref(self->g);
    Py_XDECREF(self->meta);
    hc_py_born_stop(self->born);
    PyObject_Free(self);
}

static PyObject *Snapshot_select(SnapshotObject *self, PyObject *args)
{
    unsigned int require, forbid;
    if (!PyArg_ParseTuple(args, "II", &require, &forbid))
        return NULL;
    GError *err = NULL;
    return wrap_set(self, hc_idset_new_flags(self->g, require, forbid, &err), &err);
}

static PyObject *Snapshot_ids(SnapshotObject *self, PyObject *args)
{
    PyObject *seq;
    if (!PyArg_ParseTuple(args, "O", &seq))
        return NULL;
    PyObject *fast = PySequence_Fast(seq, "ids must be a sequence of ints");
    if (!fast)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    uint32_t *ids = g_try_new(uint32_t, n ? n : 1);
    if (!ids) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned long v = PyLong_AsUnsignedLong(PySequence_Fast_GET_ITEM(fast, i));
        if (v == (unsigned long)-1 && PyErr_Occurred()) {
            g_free(ids);
            Py_DECREF(fast);
            return NULL;
        }
        ids[i] = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
    }
    Py_DECREF(fast);
    GError *err = NULL;
    hc_idset *s = hc_idset_new_copy(self->g, ids, (size_t)n, &err);
    g_free(ids);
    return wrap_set(self, s, &err);
}

static PyObject *Snapshot_lookup(SnapshotObject *self, PyObject *obj)
{
    uint32_t id = hc_graph_lookup(self->g, (uintptr_t)obj);
    if (id == HC_NONE || hc_graph_type_key(self->g, hc_graph_type(self->g, id)) != (uintptr_t)Py_TYPE(obj))
        Py_RETURN_NONE;
    if (hc_py_born_usable(self->born) &&
        (hc_py_born_seen(self->born, (uintptr_t)obj) || hc_py_born_seen(self->born, (uintptr_t)Py_TYPE(obj))))
        Py_RETURN_NONE; /* obj is newer than the snapshot: it took a freed object's address */
    return PyLong_FromUnsignedLong(id);
}

/* (id, flags, type name) of the node at an address, or None: lets tests ask about an object
 * they hold no reference to. */
static PyObject *Snapshot_find(SnapshotObject *self, PyObject *arg)
{
    unsigned long long addr = PyLong_AsUnsignedLongLong(arg);
    if (addr == (unsigned long long)-1 && PyErr_Occurred())
        return NULL;
    uint32_t id = hc_graph_lookup(self->g, (uintptr_t)addr);
    if (id == HC_NONE)
        Py_RETURN_NONE;
    return Py_BuildValue("(IIs)", id, hc_graph_flags(self->g, id),
                         hc_graph_type_name(self->g, hc_graph_type(self->g, id)));
}

static PyObject *Snapshot_roots(SnapshotObject *self, PyObject *unused)
{
    (void)unused;
    uint32_t n = hc_graph_nroots(self->g);
    PyObject *list = PyList_New(n);
    for (uint32_t r = 0; list && r < n; r++) {
        PyObject *t = Py_BuildValue("(Is)", hc_graph_root_id(self->g, r), hc_graph_root_label(self->g, r));
        if (!t) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, r, t);
    }
    return list;
}

/* A node id argument: an int below the node count (TypeError/OverflowError/IndexError). */
static int node_arg(SnapshotObject *self, PyObject *arg, uint32_t *id)
{
    unsigned long v = PyLong_AsUnsignedLong(arg);
    if (v == (unsigned long)-1 && PyErr_Occurred())
        return -1;
    if (v >= hc_graph_n(self->g)) {
        PyErr_SetString(PyExc_IndexError, "node id out of range");
        return -1;
    }
    *id = (uint32_t)v;
    return 0;
}

static PyObject *Snapshot_node(SnapshotObject *self, PyObject *arg)
{
    uint32_t i, ne;
    if (node_arg(self, arg, &i) < 0)
        return NULL;
    const uint32_t *e = hc_graph_edges(self->g, i, &ne);
    PyObject *edges = PyList_New(ne);
    for (uint32_t k = 0; edges && k < ne; k++)
        PyList_SET_ITEM(edges, k, PyLong_FromUnsignedLong(e[k]));
    if (!edges)
        return NULL;
    uint32_t owner = hc_graph_owner(self->g, i);
    GString *kind = g_string_new(NULL);
    hc_kind_name(self->g, HC_BY_CLODO, hc_classify(self->g, HC_BY_CLODO, i), kind);
    PyObject *out = Py_BuildValue(
        "{s:K,s:s,s:K,s:I,s:N,s:s,s:z,s:N}", "address", (unsigned long long)hc_graph_addr(self->g, i), "type",
        hc_graph_type_name(self->g, hc_graph_type(self->g, i)), "size", (unsigned long long)hc_graph_size(self->g, i),
        "flags", hc_graph_flags(self->g, i), "edges", edges, "kind", kind->str, "name", hc_graph_node_name(self->g, i),
        "owner", owner == HC_NONE ? Py_NewRef(Py_None) : PyLong_FromUnsignedLong(owner));
    g_string_free(kind, TRUE);
    return out;
}

/* What the roots reach, computed once per snapshot. */
static hc_reach *snapshot_reach(SnapshotObject *self)
{
    if (!self->reach) {
        GError *err = NULL;
        self->reach = hc_reach_new(self->g, &err);
        if (!self->reach)
            set_error(err);
    }
    return self->reach;
}

/* The dominator tree, computed once per snapshot (no Python code runs meanwhile). */
static hc_domtree *snapshot_dom(SnapshotObject *self)
{
    if (!self->dom) {
        GError *err = NULL;
        gint64 t0 = g_get_monotonic_time();
        self->dom = hc_domtree_new(self->g, &err);
        self->dom_s = (double)(g_get_monotonic_time() - t0) / 1e6;
        if (!self->dom)
            set_error(err);
    }
    return self->dom;
}

static PyObject *Snapshot_retained(SnapshotObject *self, PyObject *arg)
{
    uint32_t id;
    if (node_arg(self, arg, &id) < 0 || !snapshot_dom(self))
        return NULL;
    return PyLong_FromUnsignedLongLong(hc_domtree_retained(self->dom, id));
}

static PyObject *Snapshot_idom(SnapshotObject *self, PyObject *arg)
{
    uint32_t id;
    if (node_arg(self, arg, &id) < 0 || !snapshot_dom(self))
        return NULL;
    uint32_t d = hc_domtree_idom(self->dom, id);
    if (d == HC_DOM_SUPER)
        return PyUnicode_FromString("root");
    if (d == HC_NONE)
        Py_RETURN_NONE;
    return PyLong_FromUnsignedLong(d);
}

/* paths(ids) -> for each id, (root label or None, [(node id, kind name), ...] from the root
 * down to it), or None if no root reaches it.  One breadth-first search for all of them. */
/* A str for text, shared by every use of the same text in one paths() call (a 10-million-hop
 * path repeats a few kind names and labels: one str each, not one per hop).  New reference;
 * NULL + exception on failure. */
static PyObject *shared_str(GHashTable *strs, const char *text)
{
    PyObject *s = g_hash_table_lookup(strs, text);
    if (s) {
        Py_INCREF(s);
        return s;
    }
    if (!(s = PyUnicode_DecodeUTF8(text, (Py_ssize_t)strlen(text), "replace")))
        return NULL;
    Py_INCREF(s);
    g_hash_table_insert(strs, g_strdup(text), s);
    return s;
}

static void decref_value(gpointer value)
{
    Py_DECREF((PyObject *)value);
}

/* One path as Python: (root label or None, [(id, kind text), ...][, [edge label, ...]]). */
static PyObject *path_item(SnapshotObject *self, const uint32_t *path, uint32_t len, const hc_labeller *lab,
                           const uintptr_t *roots, size_t nroots, GString *name, GHashTable *strs)
{
    uint32_t r = hc_paths_root_record(self->g, path[0], NULL);
    PyObject *hops = PyList_New(len);
    for (uint32_t k = 0; hops && k < len; k++) {
        g_string_truncate(name, 0);
        hc_kind_name(self->g, HC_BY_CLODO, hc_classify(self->g, HC_BY_CLODO, path[k]), name);
        const char *own = hc_graph_node_name(self->g, path[k]); /* a module's name */
        if (own)
            g_string_append_printf(name, " %s", own);
        PyObject *kind = shared_str(strs, name->str);
        PyObject *t = kind ? Py_BuildValue("(IN)", path[k], kind) : NULL;
        if (!t)
            Py_CLEAR(hops);
        else
            PyList_SET_ITEM(hops, k, t);
    }
    const char *rl = r == HC_NONE ? NULL : hc_graph_root_label(self->g, r);
    if (!hops || !lab)
        return hops ? Py_BuildValue("(zN)", rl, hops) : NULL;
    /* labels read from the live objects along the path, each proven alive by the one before
     * it (heapcore/via.c) */
    PyObject *labels = NULL;
    char **texts = g_try_new0(char *, len);
    if (texts) {
        hc_via_path(self->g, path, len, lab, roots, nroots, texts);
        labels = PyList_New(len - 1);
        for (uint32_t k = 1; labels && k < len; k++) {
            PyObject *t = shared_str(strs, texts[k]);
            if (!t)
                Py_CLEAR(labels);
            else
                PyList_SET_ITEM(labels, k - 1, t);
        }
        for (uint32_t k = 0; k < len; k++)
            g_free(texts[k]);
        g_free(texts);
    } else {
        PyErr_NoMemory();
    }
    if (!labels) {
        Py_DECREF(hops);
        return NULL;
    }
    return Py_BuildValue("(zNN)", rl, hops, labels);
}

/* paths(ids, labels=False, shortest=0): a shortest path from the roots to each of ids (None
 * where none); with shortest=k > 0, (number of ids at the least depth, the paths of the
 * first k of them) instead, for x.sp. */
static PyObject *Snapshot_paths(SnapshotObject *self, PyObject *args)
{
    PyObject *arg;
    int want_labels = 0;
    unsigned int shortest = 0;
    if (!PyArg_ParseTuple(args, "O|pI", &arg, &want_labels, &shortest))
        return NULL;
    PyObject *fast = PySequence_Fast(arg, "paths() takes a sequence of node ids");
    if (!fast)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    uint32_t cap = 256;
    uint32_t *ids = g_try_new(uint32_t, n ? n : 1), *path = g_try_new(uint32_t, cap);
    PyObject *out = NULL;
    hc_paths *p = NULL;
    GString *name = g_string_new(NULL);
    GHashTable *strs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, decref_value);
    hc_labeller lab;
    hc_stored_labeller stored;
    uintptr_t *roots = NULL;
    size_t nroots = 0;
    if (!ids || !path) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        if (node_arg(self, PySequence_Fast_GET_ITEM(fast, i), &ids[i]) < 0)
            goto done;
    GError *err = NULL;
    /* searched from last: the calling thread's stack (its locals: how the caller holds an
     * object, while a module path says how the program does), and after it iso()'s
     * arguments (heapcore's own frames are hidden: no path runs through them) */
    char self_thread[96];
    hc_py_virtual_label((uintptr_t)PyThreadState_Get() | HC_PY_VTAG_THREAD, self_thread, sizeof self_thread);
    const char *skip[] = {self_thread, HC_PY_ARGUMENT_ROOT, NULL};
    if (!(p = hc_paths_new(self->g, ids, (uint32_t)n, skip, &err))) {
        set_error(err);
        goto done;
    }
    if (want_labels) {
        hc_py_labeller(&lab);
        hc_edge_labels *L = hc_graph_attached(self->g, HC_ATTACH_LABELS);
        if (L) { /* labels kept with the snapshot (read from its file, or when it was taken) */
            if (!hc_edge_labels_ready(L, self->g, &err)) {
                set_error(err);
                goto done;
            }
            hc_via_stored_labeller(&stored, self->g, L, &lab);
            lab = stored.lab;
        }
        if (L || !hc_graph_is_loaded(self->g)) /* a loaded graph without labels: '?' */
            roots = hc_via_roots(&lab, &nroots);
    }
    uint32_t least = 0, nleast = 0;
    if (shortest) {
        for (Py_ssize_t i = 0; i < n; i++) {
            uint32_t len = hc_paths_len(p, ids[i]);
            if (len && (!least || len < least)) {
                least = len;
                nleast = 0;
            }
            nleast += len && len == least;
        }
    }
    if (!(out = PyList_New(0)))
        goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (shortest && (!least || hc_paths_len(p, ids[i]) != least)) /* O(1) each, not O(path) */
            continue;
        if (shortest && PyList_GET_SIZE(out) >= (Py_ssize_t)shortest)
            break;
        uint32_t len = hc_paths_get(p, ids[i], path, cap);
        if (len > cap) { /* a long path (a linked list): make room and ask again */
            uint32_t *more = g_try_renew(uint32_t, path, len);
            if (!more) {
                PyErr_NoMemory();
                Py_CLEAR(out);
                goto done;
            }
            path = more;
            cap = len;
            hc_paths_get(p, ids[i], path, cap);
        }
        PyObject *item;
        if (!len) {
            item = Py_None;
            Py_INCREF(item);
        } else {
            item = path_item(self, path, len, want_labels ? &lab : NULL, roots, nroots, name, strs);
        }
        if (!item || PyList_Append(out, item) < 0) {
            Py_XDECREF(item);
            Py_CLEAR(out);
            goto done;
        }
        Py_DECREF(item);
    }
    if (shortest)
        out = Py_BuildValue("(IN)", nleast, out);
done:
    g_free(roots);
    hc_paths_free(p);
    g_string_free(name, TRUE);
    g_hash_table_destroy(strs);
    g_free(ids);
    g_free(path);
    Py_DECREF(fast);
    return out;
}

/* type_index(tp) -> the type kind (index) of tp in this snapshot, or None if no object of
 * this snapshot has that type. */
/* dom_children(id or None, k) -> (number of children, their total retained, [(child id,
 * retained)] of the k retaining most) in the dominator tree; None: the super-root's. */
static PyObject *Snapshot_dom_children(SnapshotObject *self, PyObject *args)
{
    PyObject *arg;
    unsigned int k;
    uint32_t id = HC_DOM_SUPER;
    if (!PyArg_ParseTuple(args, "OI", &arg, &k) || (arg != Py_None && node_arg(self, arg, &id) < 0) ||
        !snapshot_dom(self))
        return NULL;
    k = MIN(k, 100000u);
    uint32_t *out = g_try_new(uint32_t, k ? k : 1), count;
    uint64_t total;
    if (!out)
        return PyErr_NoMemory();
    uint32_t m = hc_domtree_top_children(self->dom, id, k, out, &count, &total);
    PyObject *list = PyList_New(m);
    for (uint32_t i = 0; list && i < m; i++) {
        PyObject *t = Py_BuildValue("(IK)", out[i], (unsigned long long)hc_domtree_retained(self->dom, out[i]));
        if (!t)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, i, t);
    }
    g_free(out);
    return list ? Py_BuildValue("(IKN)", count, (unsigned long long)total, list) : NULL;
}

/* kind_name(id) -> the node's clodo kind, with a module's name ("module json") */
static PyObject *Snapshot_kind_name(SnapshotObject *self, PyObject *arg)
{
    uint32_t id;
    if (node_arg(self, arg, &id) < 0)
        return NULL;
    GString *name = g_string_new(NULL);
    hc_kind_name(self->g, HC_BY_CLODO, hc_classify(self->g, HC_BY_CLODO, id), name);
    const char *own = hc_graph_node_name(self->g, id);
    if (own)
        g_string_append_printf(name, " %s", own);
    PyObject *out = PyUnicode_DecodeUTF8(name->str, (Py_ssize_t)name->len, "replace");
    g_string_free(name, TRUE);
    return out;
}

/* type_names() -> [name of type 0, ...] */
static PyObject *Snapshot_type_names(SnapshotObject *self, PyObject *unused)
{
    (void)unused;
    uint32_t nt = hc_graph_ntypes(self->g);
    PyObject *list = PyList_New(nt);
    for (uint32_t t = 0; list && t < nt; t++) {
        const char *name = hc_graph_type_name(self->g, t);
        PyObject *v = PyUnicode_DecodeUTF8(name, (Py_ssize_t)strlen(name), "replace");
        if (!v)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, t, v);
    }
    return list;
}

/* export_chrome(path, categories, keep_strings=False): the whole snapshot as a Chrome
 * .heapsnapshot; categories: bytes, the DevTools node type of each type.  Edge labels and
 * values as for dump(). */
static PyObject *Snapshot_export_chrome(SnapshotObject *self, PyObject *args)
{
    PyObject *path_obj, *bytes = NULL;
    Py_buffer cat;
    int keep = 0;
    if (!PyArg_ParseTuple(args, "Oy*|p", &path_obj, &cat, &keep))
        return NULL;
    if (!PyUnicode_FSConverter(path_obj, &bytes)) {
        PyBuffer_Release(&cat);
        return NULL;
    }
    if (cat.len != (Py_ssize_t)hc_graph_ntypes(self->g)) {
        PyBuffer_Release(&cat);
        Py_DECREF(bytes);
        return PyErr_Format(PyExc_ValueError, "categories: %zd for %u types", cat.len, hc_graph_ntypes(self->g));
    }
    GError *err = NULL;
    hc_py_file_details d;
    gboolean ok = hc_py_file_details_for(self->g, keep, &d, &err);
    if (ok) {
        const char *path = PyBytes_AS_STRING(bytes);
        Py_BEGIN_ALLOW_THREADS
        ok = hc_chrome_write(self->g, cat.buf, d.labels, d.values, path, &err);
        Py_END_ALLOW_THREADS
    }
    hc_py_file_details_release(&d);
    PyBuffer_Release(&cat);
    Py_DECREF(bytes);
    if (!ok)
        return set_error(err);
    Py_RETURN_NONE;
}

/* value(id) -> None, or (length, hash, contents bytes or None if redacted) of a str/bytes node,
 * as kept with the snapshot (captured for a file, or read from one). */
static PyObject *Snapshot_value(SnapshotObject *self, PyObject *arg)
{
    uint32_t id;
    if (node_arg(self, arg, &id) < 0)
        return NULL;
    hc_values *v = hc_graph_attached(self->g, HC_ATTACH_VALUES);
    uint32_t i = v ? hc_values_find(v, id) : HC_NONE;
    if (i == HC_NONE)
        Py_RETURN_NONE;
    uint32_t got;
    uint64_t length, hash;
    const char *c;
    size_t nb;
    hc_values_get(v, i, &got, &length, &hash, &c, &nb);
    if (!c)
        return Py_BuildValue("(KKO)", (unsigned long long)length, (unsigned long long)hash, Py_None);
    return Py_BuildValue("(KKy#)", (unsigned long long)length, (unsigned long long)hash, c, (Py_ssize_t)nb);
}

static PyObject *Snapshot_type_index(SnapshotObject *self, PyObject *tp)
{
    if (!PyType_Check(tp)) {
        PyErr_SetString(PyExc_TypeError, "type_index() takes a type");
        return NULL;
    }
    for (uint32_t t = 0, n = hc_graph_ntypes(self->g); t < n; t++)
        if (hc_graph_type_key(self->g, t) == (uintptr_t)tp)
            return PyLong_FromUnsignedLong(t);
    Py_RETURN_NONE;
}

static PyObject *Snapshot_get_ntypes(SnapshotObject *self, void *c)
{
    (void)c;
    return PyLong_FromUnsignedLong(hc_graph_ntypes(self->g));
}

static PyObject *Snapshot_get_reached_size(SnapshotObject *self, void *c)
{
    (void)c;
    if (self->dom)
        return PyLong_FromUnsignedLongLong(hc_domtree_total(self->dom));
    hc_reach *r = snapshot_reach(self);
    return r ? PyLong_FromUnsignedLongLong(hc_reach_total(r)) : NULL;
}

static PyObject *Snapshot_get_has_dominators(SnapshotObject *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->dom != NULL);
}

static PyObject *Snapshot_get_dom_time(SnapshotObject *self, void *c)
{
    (void)c;
    if (!snapshot_dom(self))
        return NULL;
    return PyFloat_FromDouble(self->dom_s);
}

static PyObject *Snapshot_validate(SnapshotObject *self, PyObject *unused)
{
    (void)unused;
    GError *err = NULL;
    if (!hc_graph_validate(self->g, &err))
        return set_error(err);
    Py_RETURN_NONE;
}

static PyObject *Snapshot_get_n(SnapshotObject *self, void *c)
{
    (void)c;
    return PyLong_FromUnsignedLong(hc_graph_n(self->g));
}
static PyObject *Snapshot_get_loaded(SnapshotObject *self, void *c)
{
    (void)c;
    return PyBool_FromLong(hc_graph_is_loaded(self->g));
}
static PyObject *Snapshot_get_meta(SnapshotObject *self, void *c)
{
    (void)c;
    PyObject *m = self->meta ? self->meta : Py_None;
    Py_INCREF(m);
    return m;
}
static PyObject *Snapshot_get_nedges(SnapshotObject *self, void *c)
{
    (void)c;
    return PyLong_FromUnsignedLongLong(hc_graph_nedges(self->g));
}
static PyObject *Snapshot_get_memory(SnapshotObject *self, void *c)
{
    (void)c;
    return PyLong_FromSize_t(hc_graph_memory(self->g));
}
static PyObject *Snapshot_get_failures(SnapshotObject *self, void *c)
{
    (void)c;
    return PyLong_FromUnsignedLong(hc_graph_sizeof_failures(self->g));
}
static PyObject *Snapshot_get_lost(SnapshotObject *self, void *c)
{
    (void)c;
    return PyLong_FromUnsignedLongLong(hc_graph_lost_edges(self->g));
}
static PyObject *Snapshot_get_prefaulted(SnapshotObject *self, void *c)
{
    (void)c;
    return PyLong_FromUnsignedLongLong(hc_graph_prefaulted(self->g));
}
static PyObject *Snapshot_get_times(SnapshotObject *self, void *c)
{
    (void)c;
    double t[HC_WALK_PHASES];
    hc_graph_walk_times(self->g, t);
    return Py_BuildValue("{sdsdsdsd}", "discover", t[0], "complement", t[1], "number", t[2], "edges", t[3]);
}

static PyMethodDef Snapshot_methods[] = {
    {"select", (PyCFunction)Snapshot_select, METH_VARARGS, "select(require, forbid) -> IdSet of nodes by flags"},
    {"ids", (PyCFunction)Snapshot_ids, METH_VARARGS, "ids(seq) -> IdSet of the given node ids"},
    {"lookup", (PyCFunction)Snapshot_lookup, METH_O, "lookup(obj) -> node id of obj (address and type), or None"},
    {"find", (PyCFunction)Snapshot_find, METH_O, "find(address) -> (id, flags, type name) or None"},
    {"roots", (PyCFunction)Snapshot_roots, METH_NOARGS, "roots() -> [(node id, label)]"},
    {"node", (PyCFunction)Snapshot_node, METH_O, "node(id) -> dict describing one node"},
    {"validate", (PyCFunction)Snapshot_validate, METH_NOARGS, "check the graph's invariants"},
    {"type_index", (PyCFunction)Snapshot_type_index, METH_O,
     "type_index(tp) -> tp's type kind in this snapshot, or None"},
    {"dom_children", (PyCFunction)Snapshot_dom_children, METH_VARARGS,
     "dom_children(id or None, k) -> (count, total retained, [(id, retained)] of the k largest children) in the dominator tree"},
    {"kind_name", (PyCFunction)Snapshot_kind_name, METH_O,
     "kind_name(id) -> the node's kind (class / dict of class), with a module's name"},
    {"type_names", (PyCFunction)Snapshot_type_names, METH_NOARGS, "type_names() -> [the name of each type index]"},
    {"export_chrome", (PyCFunction)Snapshot_export_chrome, METH_VARARGS,
     "export_chrome(path, categories, keep_strings=False): write a Chrome DevTools .heapsnapshot"},
    {"value", (PyCFunction)Snapshot_value, METH_O,
     "value(id) -> None or (length, hash, contents or None): a str/bytes node's value kept with the snapshot"},
    {"paths", (PyCFunction)Snapshot_paths, METH_VARARGS,
     "paths(ids, labels=False) -> [(root label, [(id, kind), ...][, [edge label, ...]]) or None]: shortest paths from the roots"},
    {"retained", (PyCFunction)Snapshot_retained, METH_O,
     "retained(id) -> bytes freed if node id became unreachable (dominator tree, computed once)"},
    {"idom", (PyCFunction)Snapshot_idom, METH_O,
     "idom(id) -> node id of its immediate dominator, 'root' under the super-root, None if unreached"},
    {NULL, NULL, 0, NULL},
};
static PyObject *Snapshot_get_tracked(SnapshotObject *self, void *closure)
{
    (void)closure;
    return PyBool_FromLong(hc_py_born_usable(self->born));
}

static PyGetSetDef Snapshot_getset[] = {
    {"tracked", (getter)Snapshot_get_tracked, NULL,
     "whether it can tell its objects from new ones at their addresses (pyborn.h); else address and type", NULL},
    {"n", (getter)Snapshot_get_n, NULL, "number of nodes", NULL},
    {"loaded", (getter)Snapshot_get_loaded, NULL, "read from a snapshot file (no live objects)", NULL},
    {"meta", (getter)Snapshot_get_meta, NULL, "a loaded snapshot's file description (dict), else None", NULL},
    {"nedges", (getter)Snapshot_get_nedges, NULL, "number of edges", NULL},
    {"memory", (getter)Snapshot_get_memory, NULL, "engine bytes held", NULL},
    {"sizeof_failures", (getter)Snapshot_get_failures, NULL, "objects whose own __sizeof__ failed", NULL},
    {"lost_edges", (getter)Snapshot_get_lost, NULL,
     "referents the walk's second pass met that its first had not (normally 0)", NULL},
    {"walk_times", (getter)Snapshot_get_times, NULL, "seconds per walk phase (for benchmarks)", NULL},
    {"ntypes", (getter)Snapshot_get_ntypes, NULL, "number of types (clodo kinds past it are 'dict of' kinds)", NULL},
    {"reached_size", (getter)Snapshot_get_reached_size, NULL,
     "bytes of everything the roots reach (what retained sizes are shares of)", NULL},
    {"has_dominators", (getter)Snapshot_get_has_dominators, NULL, "whether the dominator tree has been computed", NULL},
    {"dominators_time", (getter)Snapshot_get_dom_time, NULL, "seconds the dominator tree took (computes it if needed)",
     NULL},
    {"prefaulted", (getter)Snapshot_get_prefaulted, NULL,
     "bytes of the walk's arrays its helper thread faulted in (for benchmarks)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};
static PyTypeObject Snapshot_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "heapcore._engine.Snapshot",
    .tp_basicsize = sizeof(SnapshotObject),
    .tp_dealloc = (destructor)Snapshot_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A snapshot graph of the heap (holds no references to heap objects).",
    .tp_methods = Snapshot_methods,
    .tp_getset = Snapshot_getset,
};

/* ---- IdSet -------------------------------------------------------------------------------- */

static void IdSet_dealloc(IdSetObject *self)
{
    hc_idset_unref(self->s);
    Py_DECREF(self->snap);
    PyObject_Free(self);
}

static hc_idset *as_set(PyObject *o)
{
    if (!PyObject_TypeCheck(o, &IdSet_Type)) {
        PyErr_SetString(PyExc_TypeError, "expected an IdSet");
        return NULL;
    }
    return ((IdSetObject *)o)->s;
}

static PyObject *IdSet_op(IdSetObject *self, PyObject *args)
{
    PyObject *other;
    int op;
    if (!PyArg_ParseTuple(args, "Oi", &other, &op))
        return NULL;
    hc_idset *b = as_set(other);
    if (!b)
        return NULL;
    if (op < HC_SET_OR || op > HC_SET_XOR) {
        PyErr_SetString(PyExc_ValueError, "bad set operation");
        return NULL;
    }
    GError *err = NULL;
    return wrap_set(self->snap, hc_idset_op(self->s, b, (hc_setop)op, &err), &err);
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

static PyObject *IdSet_sub_foreign(IdSetObject *self, PyObject *other)
{
    hc_idset *b = as_set(other);
    if (!b)
        return NULL;
    GError *err = NULL;
    SnapshotObject *sa = self->snap, *sb = ((IdSetObject *)other)->snap;
    reuse_ctx c = {NULL, NULL};
    if (sa->seq && sb->seq && sa->seq != sb->seq) {
        c.older = sa->seq < sb->seq ? sa->born : sb->born;
        c.newer = sa->seq < sb->seq ? sb->born : sa->born;
    }
    hc_same_object_fn fn = hc_py_born_usable(c.older) ? same_object : NULL;
    return wrap_set(self->snap, hc_idset_sub_foreign_with(self->s, b, fn, &c, &err), &err);
}

static PyObject *IdSet_subset(IdSetObject *self, PyObject *other)
{
    hc_idset *b = as_set(other);
    return b ? PyBool_FromLong(hc_idset_subset(self->s, b)) : NULL;
}

static PyObject *IdSet_equal(IdSetObject *self, PyObject *other)
{
    hc_idset *b = as_set(other);
    return b ? PyBool_FromLong(hc_idset_equal(self->s, b)) : NULL;
}

static hc_referrers *snapshot_refs(SnapshotObject *self)
{
    GError *err = NULL;
    if (!self->refs && !(self->refs = hc_referrers_new(self->g, &err)))
        set_error(err);
    return self->refs;
}

/* Classifier number c made concrete for the snapshot (cached); NULL with an exception. */
static const hc_kinds *snapshot_kinds(SnapshotObject *self, int c)
{
    if (c < 0 || c >= HC_NCLASSIFIERS) {
        PyErr_SetString(PyExc_ValueError, "unknown classifier");
        return NULL;
    }
    if (!self->kinds[c]) {
        GError *err = NULL;
        /* byrcs needs the reverse edges only while it is made: unless x.referrers has built
         * them already, they are built for it and freed (12 B/object not kept). */
        hc_referrers *refs = self->refs;
        if (c == HC_BY_RCS && !refs && !(refs = hc_referrers_new(self->g, &err)))
            return (const hc_kinds *)set_error(err);
        if (!(self->kinds[c] = hc_kinds_new(self->g, (hc_classifier)c, refs, &err)))
            set_error(err);
        if (refs != self->refs)
            hc_referrers_free(refs);
    }
    return self->kinds[c];
}

/* A classifier argument: a classifier number, or a Kinds object of this set's graph. */
static const hc_kinds *kinds_arg(IdSetObject *self, PyObject *arg)
{
    if (PyObject_TypeCheck(arg, &Kinds_Type)) {
        KindsObject *ko = (KindsObject *)arg;
        if (ko->g != hc_idset_graph(self->s)) {
            PyErr_SetString(PyExc_ValueError, "these kinds classify another snapshot");
            return NULL;
        }
        return ko->k;
    }
    int ci = PyLong_AsLong(arg);
    if (ci == -1 && PyErr_Occurred())
        return NULL;
    return snapshot_kinds(self->snap, ci);
}

static PyObject *IdSet_partition(IdSetObject *self, PyObject *args)
{
    PyObject *ca;
    const hc_kinds *k;
    if (!PyArg_ParseTuple(args, "O", &ca) || !(k = kinds_arg(self, ca)))
        return NULL;
    GError *err = NULL;
    hc_partition *p = hc_partition_new(self->s, k, &err);
    if (!p)
        return set_error(err);
    uint32_t n = hc_partition_nrows(p);
    const hc_row *rows = hc_partition_rows(p);
    PyObject *list = PyList_New(n);
    GString *name = g_string_new(NULL);
    for (uint32_t r = 0; list && r < n; r++) {
        g_string_truncate(name, 0);
        hc_kinds_name(k, rows[r].kind, name);
        PyObject *t = Py_BuildValue("(IsIK)", rows[r].kind, name->str, rows[r].count, (unsigned long long)rows[r].size);
        if (!t) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, r, t);
    }
    g_string_free(name, TRUE);
    hc_partition_free(p);
    return list;
}

static PyObject *IdSet_select(IdSetObject *self, PyObject *args)
{
    PyObject *ca;
    unsigned int kind;
    const hc_kinds *k;
    if (!PyArg_ParseTuple(args, "OI", &ca, &kind) || !(k = kinds_arg(self, ca)))
        return NULL;
    if (kind >= hc_kinds_count(k)) {
        PyErr_SetString(PyExc_ValueError, "no such kind");
        return NULL;
    }
    GError *err = NULL;
    return wrap_set(self->snap, hc_idset_select_kind(self->s, k, kind, &err), &err);
}

static PyObject *IdSet_ids(IdSetObject *self, PyObject *unused)
{
    (void)unused;
    uint32_t n = hc_idset_count(self->s);
    const uint32_t *ids = hc_idset_ids(self->s);
    PyObject *list = PyList_New(n);
    for (uint32_t i = 0; list && i < n; i++) {
        PyObject *v = PyLong_FromUnsignedLong(ids[i]);
        if (!v) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, i, v);
    }
    return list;
}

static PyObject *IdSet_kinds(IdSetObject *self, PyObject *args)
{
    PyObject *ca;
    const hc_kinds *k;
    if (!PyArg_ParseTuple(args, "O", &ca) || !(k = kinds_arg(self, ca)))
        return NULL;
    uint32_t n = hc_idset_count(self->s);
    const uint32_t *ids = hc_idset_ids(self->s);
    PyObject *list = PyList_New(n);
    for (uint32_t i = 0; list && i < n; i++) {
        PyObject *v = PyLong_FromUnsignedLong(hc_kinds_of(k, ids[i]));
        if (!v) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, i, v);
    }
    return list;
}

/* The members' addresses, in id order. */
static PyObject *IdSet_addresses(IdSetObject *self, PyObject *unused)
{
    (void)unused;
    hc_graph *g = hc_idset_graph(self->s);
    uint32_t n = hc_idset_count(self->s);
    const uint32_t *ids = hc_idset_ids(self->s);
    PyObject *list = PyList_New(n);
    for (uint32_t i = 0; list && i < n; i++) {
        PyObject *v = PyLong_FromUnsignedLongLong((unsigned long long)hc_graph_addr(g, ids[i]));
        if (!v) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, i, v);
    }
    return list;
}

/* A set of a snapshot read from a file, or of a subinterpreter's heap, has no live objects
 * behind it here: FALSE + RuntimeError. */
static gboolean require_live(IdSetObject *self)
{
    if (!hc_graph_is_loaded(hc_idset_graph(self->s)))
        return TRUE;
    PyObject *meta = self->snap->meta, *in = meta ? PyDict_GetItemString(meta, "interpreter") : NULL;
    if (in)
        PyErr_Format(PyExc_RuntimeError,
                     "this snapshot is subinterpreter %U's heap: its objects are not handed to another "
                     "interpreter (nodes and byid need them)",
                     in);
    else
        PyErr_SetString(PyExc_RuntimeError,
                        "this snapshot was loaded from a file: it has no live objects (nodes and byid "
                        "need the process it was taken in)");
    return FALSE;
}

/* resolve(pairs=False): the live objects of this set (or [(id, obj)] with pairs): a fresh
 * walk, matched by address and type. */
static PyObject *IdSet_resolve(IdSetObject *self, PyObject *args)
{
    int pairs = 0;
    if (!PyArg_ParseTuple(args, "|p", &pairs) || !require_live(self))
        return NULL;
    GError *err = NULL;
    hc_graph *g2 = hc_py_walk(NULL, 0, NULL, 0, HC_WALK_NODES_ONLY, &err);
    if (!g2)
        return set_error(err);
    PyObject **objs;
    uint32_t *which = NULL;
    size_t n;
    const uint32_t *ids = hc_idset_ids(self->s);
    int rc =
        hc_py_resolve(hc_idset_graph(self->s), ids, hc_idset_count(self->s), g2,
                      hc_py_born_usable(self->snap->born) ? self->snap->born : NULL, &objs, pairs ? &which : NULL, &n);
    hc_graph_unref(g2);
    if (rc < 0)
        return NULL;
    PyObject *list = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; i < n; i++) {
        /* "N" hands the reference over, also when building fails */
        PyObject *item = !list ? NULL : pairs ? Py_BuildValue("(IN)", ids[which[i]], objs[i]) : objs[i];
        if (item)
            PyList_SET_ITEM(list, (Py_ssize_t)i, item);
        else if (!list)
            Py_DECREF(objs[i]);
        else
            Py_CLEAR(list);
    }
    hc_free(objs);
    hc_free(which);
    return list;
}

static PyObject *wrap_kinds(hc_kinds *k, GError **err)
{
    if (!k)
        return set_error(*err);
    KindsObject *o = PyObject_New(KindsObject, &Kinds_Type);
    if (!o) {
        hc_kinds_free(k);
        return NULL;
    }
    o->k = k;
    o->g = hc_kinds_graph(k);
    return (PyObject *)o;
}

/* via_kinds() -> Kinds: the members by how they are referred to (byvia).  A fresh walk proves
 * which referrers are still alive; only those are read (heapcore/via.c). */
static PyObject *IdSet_via_kinds(IdSetObject *self, PyObject *unused)
{
    (void)unused;
    GError *err = NULL;
    hc_graph *g = hc_idset_graph(self->s);
    hc_edge_labels *L = hc_graph_attached(g, HC_ATTACH_LABELS);
    if (L && hc_graph_is_loaded(g)) { /* the labels its file kept: every node is "alive" */
        if (!hc_edge_labels_ready(L, g, &err))
            return set_error(err);
        hc_labeller model;
        hc_py_labeller(&model);
        hc_stored_labeller st;
        hc_via_stored_labeller(&st, g, L, &model);
        return wrap_kinds(hc_via_kinds(self->s, g, &st.lab, &err), &err);
    }
    if (hc_graph_is_loaded(g)) {
        PyErr_SetString(PyExc_ValueError,
                        "byvia needs the edges' labels, and this snapshot's file has none (it was written "
                        "without them); byrcs gives the referrers' kinds, sp the paths with '?' labels");
        return NULL;
    }
    hc_graph *live = hc_py_walk(NULL, 0, NULL, 0, HC_WALK_NODES_ONLY, &err);
    hc_kinds *k = NULL;
    if (live) {
        hc_labeller lab;
        hc_py_labeller(&lab);
        k = hc_via_kinds(self->s, live, &lab, &err);
        hc_graph_unref(live);
    }
    return wrap_kinds(k, &err);
}

/* explicit_kinds(kinds, names) -> Kinds: kinds[i] (an index into names) is the kind of the set's
 * i-th member (in id order); every other node of the snapshot gets kind 0. */
static PyObject *IdSet_explicit_kinds(IdSetObject *self, PyObject *args)
{
    PyObject *kl, *nl;
    if (!PyArg_ParseTuple(args, "OO", &kl, &nl))
        return NULL;
    PyObject *kf = PySequence_Fast(kl, "kinds must be a sequence"),
             *nf = kf ? PySequence_Fast(nl, "names must be a sequence") : NULL;
    if (!kf || !nf) {
        Py_XDECREF(kf);
        return NULL;
    }
    hc_graph *g = hc_idset_graph(self->s);
    uint32_t count = hc_idset_count(self->s), nn = hc_graph_n(g);
    Py_ssize_t nk = PySequence_Fast_GET_SIZE(nf);
    PyObject *res = NULL;
    if (PySequence_Fast_GET_SIZE(kf) != (Py_ssize_t)count || nk < 1 || nk > UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "one kind per member, and at least one name");
        goto done;
    }
    uint32_t *per = hc_try_calloc((size_t)nn + 1, sizeof *per);
    char **names = g_try_new0(char *, nk);
    if (!per || !names) {
        hc_free(per);
        g_free(names);
        PyErr_NoMemory();
        goto done;
    }
    const uint32_t *ids = hc_idset_ids(self->s);
    for (uint32_t i = 0; i < count; i++) {
        unsigned long v = PyLong_AsUnsignedLong(PySequence_Fast_GET_ITEM(kf, i));
        if (v == (unsigned long)-1 && PyErr_Occurred())
            break;
        per[ids[i]] = v >= (unsigned long)nk ? UINT32_MAX : (uint32_t)v;
    }
    for (Py_ssize_t i = 0; !PyErr_Occurred() && i < nk; i++) {
        const char *u = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(nf, i));
        if (u)
            names[i] = g_strdup(u);
    }
    if (PyErr_Occurred()) {
        hc_free(per);
        for (Py_ssize_t i = 0; i < nk; i++)
            g_free(names[i]);
        g_free(names);
        goto done;
    }
    GError *err = NULL;
    res = wrap_kinds(hc_kinds_new_explicit(g, per, names, (uint32_t)nk, &err), &err);
done:
    Py_DECREF(kf);
    Py_DECREF(nf);
    return res;
}

static PyObject *IdSet_get_count(IdSetObject *self, void *c)
{
    (void)c;
    return PyLong_FromUnsignedLong(hc_idset_count(self->s));
}
static PyObject *IdSet_get_size(IdSetObject *self, void *c)
{
    (void)c;
    return PyLong_FromUnsignedLongLong(hc_idset_size(self->s));
}
/* A one-object set's figures come from the tree when it exists (O(1) or O(answer)); any
 * other set's from a reachability pass with the set removed. */
static PyObject *IdSet_get_domisize(IdSetObject *self, void *c)
{
    (void)c;
    if (hc_idset_count(self->s) == 1 && self->snap->dom)
        return PyLong_FromUnsignedLongLong(hc_domtree_retained(self->snap->dom, hc_idset_ids(self->s)[0]));
    hc_reach *r = snapshot_reach(self->snap);
    if (!r)
        return NULL;
    GError *err = NULL;
    uint64_t v = hc_domisize(r, hc_idset_ids(self->s), hc_idset_count(self->s), &err);
    if (v == UINT64_MAX && err)
        return set_error(err);
    return PyLong_FromUnsignedLongLong(v);
}

static PyObject *IdSet_dominos(IdSetObject *self, PyObject *unused)
{
    (void)unused;
    GError *err = NULL;
    if (hc_idset_count(self->s) == 1 && self->snap->dom)
        return wrap_set(self->snap, hc_domtree_dominated(self->snap->dom, hc_idset_ids(self->s)[0], &err), &err);
    hc_reach *r = snapshot_reach(self->snap);
    if (!r)
        return NULL;
    return wrap_set(self->snap, hc_dominos(r, hc_idset_ids(self->s), hc_idset_count(self->s), &err), &err);
}

static PyObject *IdSet_referrers(IdSetObject *self, PyObject *unused)
{
    (void)unused;
    GError *err = NULL;
    if (!snapshot_refs(self->snap))
        return NULL;
    return wrap_set(self->snap, hc_referrers_set(self->snap->refs, self->s, &err), &err);
}

static PyObject *IdSet_referents(IdSetObject *self, PyObject *unused)
{
    (void)unused;
    GError *err = NULL;
    return wrap_set(self->snap, hc_referents_set(self->s, &err), &err);
}

static PyObject *IdSet_idoms(IdSetObject *self, PyObject *unused)
{
    (void)unused;
    if (!snapshot_dom(self->snap))
        return NULL;
    GError *err = NULL;
    return wrap_set(self->snap, hc_domtree_idoms(self->snap->dom, self->s, &err), &err);
}

static PyObject *IdSet_top(IdSetObject *self, PyObject *arg)
{
    long k = PyLong_AsLong(arg);
    if (k == -1 && PyErr_Occurred())
        return NULL;
    if (k < 0) {
        PyErr_SetString(PyExc_ValueError, "top() needs a count >= 0");
        return NULL;
    }
    uint32_t n = (uint32_t)MIN((unsigned long)k, hc_idset_count(self->s));
    if (!n)
        return PyList_New(0); /* no tree needed */
    if (!snapshot_dom(self->snap))
        return NULL;
    uint32_t *out = g_try_new(uint32_t, n ? n : 1);
    if (!out)
        return PyErr_NoMemory();
    n = hc_domtree_top(self->snap->dom, self->s, n, out);
    PyObject *list = PyList_New(n);
    for (uint32_t i = 0; list && i < n; i++) {
        PyObject *t = Py_BuildValue("(IK)", out[i], (unsigned long long)hc_domtree_retained(self->snap->dom, out[i]));
        if (!t) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, i, t);
    }
    g_free(out);
    return list;
}

/* {kind: retained bytes} for the kinds of this set (see hc_domtree_retained_by_kind). */
static PyObject *IdSet_retained_by_kind(IdSetObject *self, PyObject *args)
{
    PyObject *ca;
    const hc_kinds *k;
    if (!PyArg_ParseTuple(args, "O", &ca) || !(k = kinds_arg(self, ca)) || !snapshot_dom(self->snap))
        return NULL;
    uint32_t nk = hc_kinds_count(k);
    uint64_t *per = g_try_new(uint64_t, nk ? nk : 1);
    if (!per)
        return PyErr_NoMemory();
    GError *err = NULL;
    if (!hc_domtree_retained_by_kind(self->snap->dom, self->s, k, per, &err)) {
        g_free(per);
        return set_error(err);
    }
    PyObject *d = PyDict_New();
    for (uint32_t k = 0; d && k < nk; k++) {
        if (!per[k])
            continue;
        PyObject *key = PyLong_FromUnsignedLong(k), *v = PyLong_FromUnsignedLongLong(per[k]);
        if (!key || !v || PyDict_SetItem(d, key, v) < 0)
            Py_CLEAR(d);
        Py_XDECREF(key);
        Py_XDECREF(v);
    }
    g_free(per);
    return d;
}

static PyObject *IdSet_get_snapshot(IdSetObject *self, void *c)
{
    (void)c;
    Py_INCREF(self->snap);
    return (PyObject *)self->snap;
}

static PyObject *IdSet_same_graph(IdSetObject *self, PyObject *other)
{
    hc_idset *b = as_set(other);
    return b ? PyBool_FromLong(hc_idset_graph(self->s) == hc_idset_graph(b)) : NULL;
}

/* dump(path, meta): write the snapshot, with this set as the file's members.  meta: a
 * sequence of (key, value) str pairs.  The GIL is released while writing. */
static PyObject *IdSet_dump(IdSetObject *self, PyObject *args)
{
    PyObject *path_obj, *meta_obj, *bytes = NULL;
    int keep = 0;
    if (!PyArg_ParseTuple(args, "OO|p", &path_obj, &meta_obj, &keep) || !PyUnicode_FSConverter(path_obj, &bytes))
        return NULL;
    PyObject *fast = PySequence_Fast(meta_obj, "meta must be a sequence of (key, value) pairs");
    if (!fast) {
        Py_DECREF(bytes);
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    const char **meta = g_new0(const char *, 2 * (size_t)n + 1);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *pair = PySequence_Fast_GET_ITEM(fast, i);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 ||
            !(meta[2 * i] = PyUnicode_AsUTF8(PyTuple_GET_ITEM(pair, 0))) ||
            !(meta[2 * i + 1] = PyUnicode_AsUTF8(PyTuple_GET_ITEM(pair, 1)))) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "meta must be (str, str) pairs");
            g_free(meta);
            Py_DECREF(fast);
            Py_DECREF(bytes);
            return NULL;
        }
    }
    GError *err = NULL;
    gboolean ok;
    const char *path = PyBytes_AS_STRING(bytes);
    hc_graph *g = hc_idset_graph(self->s);
    const uint32_t *ids = hc_idset_ids(self->s);
    uint32_t count = hc_idset_count(self->s);
    hc_py_file_details d;
    ok = hc_py_file_details_for(g, keep, &d, &err);
    if (ok) {
        Py_BEGIN_ALLOW_THREADS
        ok = hc_snapfile_write(g, ids, count, meta, d.labels, d.values, path, &err);
        Py_END_ALLOW_THREADS
    }
    hc_py_file_details_release(&d);
    g_free(meta);
    Py_DECREF(fast); /* after the write: meta's strings belong to its items */
    Py_DECREF(bytes);
    if (!ok)
        return set_error(err);
    Py_RETURN_NONE;
}

static PyMethodDef IdSet_methods[] = {
    {"dump", (PyCFunction)IdSet_dump, METH_VARARGS,
     "dump(path, meta, keep_strings=False): write the snapshot to a file, this set as its members (edge labels and string values read from the objects still alive, unless the snapshot has them)"},
    {"op", (PyCFunction)IdSet_op, METH_VARARGS, "op(other, code): 0 |, 1 &, 2 -, 3 ^ (same snapshot)"},
    {"sub_foreign", (PyCFunction)IdSet_sub_foreign, METH_O, "members whose (address, type) is not in other"},
    {"subset", (PyCFunction)IdSet_subset, METH_O, "self <= other"},
    {"equal", (PyCFunction)IdSet_equal, METH_O, "self == other"},
    {"same_graph", (PyCFunction)IdSet_same_graph, METH_O, "both sets belong to one snapshot"},
    {"partition", (PyCFunction)IdSet_partition, METH_VARARGS, "partition(classifier) -> [(kind, name, count, size)]"},
    {"select", (PyCFunction)IdSet_select, METH_VARARGS, "select(classifier, kind) -> IdSet"},
    {"ids", (PyCFunction)IdSet_ids, METH_NOARGS, "node ids (sorted)"},
    {"kinds", (PyCFunction)IdSet_kinds, METH_VARARGS, "kinds(classifier) -> kind of each member"},
    {"dominos", (PyCFunction)IdSet_dominos, METH_NOARGS,
     "dominos() -> IdSet of what would become unreachable with this set (itself included)"},
    {"referrers", (PyCFunction)IdSet_referrers, METH_NOARGS,
     "referrers() -> IdSet of the objects referring to members (reverse edges built once per snapshot)"},
    {"referents", (PyCFunction)IdSet_referents, METH_NOARGS, "referents() -> IdSet of the objects members refer to"},
    {"idoms", (PyCFunction)IdSet_idoms, METH_NOARGS,
     "idoms() -> IdSet of the members' immediate dominators outside the set"},
    {"top", (PyCFunction)IdSet_top, METH_O, "top(k) -> [(id, retained)] of the k members retaining most"},
    {"retained_by_kind", (PyCFunction)IdSet_retained_by_kind, METH_VARARGS,
     "retained_by_kind(classifier) -> {kind: bytes retained by the members no same-kind member dominates}"},
    {"addresses", (PyCFunction)IdSet_addresses, METH_NOARGS, "the members' addresses, in id order"},
    {"explicit_kinds", (PyCFunction)IdSet_explicit_kinds, METH_VARARGS,
     "explicit_kinds(kinds, names) -> Kinds for partition/select"},
    {"via_kinds", (PyCFunction)IdSet_via_kinds, METH_NOARGS,
     "the members by how they are referred to (fresh walk; labels read from live referrers)"},
    {"resolve", (PyCFunction)IdSet_resolve, METH_VARARGS, "the live objects (fresh walk, matched by address and type)"},
    {NULL, NULL, 0, NULL},
};
static PyGetSetDef IdSet_getset[] = {
    {"count", (getter)IdSet_get_count, NULL, "number of objects", NULL},
    {"size", (getter)IdSet_get_size, NULL, "total true size in bytes", NULL},
    {"domisize", (getter)IdSet_get_domisize, NULL, "bytes freed if all the set's objects became unreachable together",
     NULL},
    {"snapshot", (getter)IdSet_get_snapshot, NULL, "the snapshot of this set", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};
static PyTypeObject IdSet_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "heapcore._engine.IdSet",
    .tp_basicsize = sizeof(IdSetObject),
    .tp_dealloc = (destructor)IdSet_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A set of node ids of one snapshot.",
    .tp_methods = IdSet_methods,
    .tp_getset = IdSet_getset,
};

/* ---- module functions --------------------------------------------------------------------- */

/* write_file(path, data: bytes): the engine's output rules (outfile.h) for a text output. */
static PyObject *mod_write_file(PyObject *mod, PyObject *args)
{
    (void)mod;
    PyObject *pathb = NULL;
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "O&y*:write_file", PyUnicode_FSConverter, &pathb, &data))
        return NULL;
    GError *err = NULL;
    gboolean ok;
    const char *path = PyBytes_AS_STRING(pathb);
    Py_BEGIN_ALLOW_THREADS
    ok = hc_outfile_write_all(path, data.buf, (size_t)data.len, &err);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&data);
    Py_DECREF(pathb);
    if (!ok)
        return set_error(err);
    Py_RETURN_NONE;
}

/* inject_source(pid, source: bytes, timeout) -> (status, pending_rc, errno, message): queue
 * source in process pid (inject.h); status is one of "queued", "unsupported", "ptrace",
 * "no-symbol", "gone", "stuck", "failed". */
static PyObject *mod_inject_source(PyObject *mod, PyObject *args)
{
    (void)mod;
    int pid;
    Py_buffer src;
    double timeout;
    if (!PyArg_ParseTuple(args, "iy*d:inject_source", &pid, &src, &timeout))
        return NULL;
    if (memchr(src.buf, 0, (size_t)src.len)) {
        PyBuffer_Release(&src);
        PyErr_SetString(PyExc_ValueError, "inject_source: the source holds a NUL byte");
        return NULL;
    }
    char *text = g_strndup(src.buf, (gsize)src.len);
    PyBuffer_Release(&src);
    int rc = -1, os_errno = 0;
    char *message = NULL;
    hc_inject_status st;
    Py_BEGIN_ALLOW_THREADS
    st = hc_inject_source(pid, text, strlen(text), timeout, &rc, &os_errno, &message);
    Py_END_ALLOW_THREADS
    g_free(text);
    static const char *const names[] = {
        [HC_INJECT_QUEUED] = "queued", [HC_INJECT_UNSUPPORTED] = "unsupported",
        [HC_INJECT_PTRACE] = "ptrace", [HC_INJECT_NO_SYMBOL] = "no-symbol",
        [HC_INJECT_GONE] = "gone",     [HC_INJECT_STUCK] = "stuck",
        [HC_INJECT_FAILED] = "failed",
    };
    PyObject *r = Py_BuildValue("(siis)", names[st], rc, os_errno, message ? message : "");
    g_free(message);
    return r;
}

/* A new Snapshot owning g (or NULL + exception, g released). */
static PyObject *wrap_snapshot(hc_graph *g)
{
    SnapshotObject *o = PyObject_New(SnapshotObject, &Snapshot_Type);
    if (!o) {
        hc_graph_unref(g);
        return NULL;
    }
    o->g = g;
    o->dom = NULL;
    o->dom_s = 0;
    o->reach = NULL;
    o->refs = NULL;
    o->meta = NULL;
    o->born = NULL;
    o->seq = 0;
    memset(o->kinds, 0, sizeof o->kinds);
    return (PyObject *)o;
}

/* wrap_snapshot for a graph walked just now; born (its tracker, may be NULL) goes with it. */
static PyObject *wrap_live_snapshot(hc_graph *g, hc_py_born *born)
{
    static uint64_t taken;
    SnapshotObject *o = (SnapshotObject *)wrap_snapshot(g);
    if (!o) {
        hc_py_born_stop(born);
        return NULL;
    }
    o->born = born;
    o->seq = ++taken;
    return (PyObject *)o;
}

/* load(path) -> (Snapshot, IdSet of the members the file was written for); snapshot.meta */
static PyObject *mod_load(PyObject *mod, PyObject *arg)
{
    (void)mod;
    PyObject *bytes = NULL;
    if (!PyUnicode_FSConverter(arg, &bytes))
        return NULL;
    GError *err = NULL;
    uint32_t *members = NULL, nmembers = 0;
    char **meta = NULL;
    hc_graph *g;
    const char *path = PyBytes_AS_STRING(bytes);
    Py_BEGIN_ALLOW_THREADS
    g = hc_snapfile_read(path, &members, &nmembers, &meta, &err);
    Py_END_ALLOW_THREADS
    Py_DECREF(bytes);
    if (!g)
        return set_error(err);
    PyObject *dict = PyDict_New(), *snap = NULL, *set = NULL, *out = NULL;
    for (char **m = meta; dict && m && m[0] && m[1]; m += 2) {
        PyObject *v = PyUnicode_DecodeUTF8(m[1], (Py_ssize_t)strlen(m[1]), "replace");
        if (!v || PyDict_SetItemString(dict, m[0], v) < 0)
            Py_CLEAR(dict);
        Py_XDECREF(v);
    }
    g_strfreev(meta);
    if (!dict) {
        hc_graph_unref(g);
        hc_free(members);
        return NULL;
    }
    if ((snap = wrap_snapshot(g)) != NULL) { /* it releases g if it fails */
        ((SnapshotObject *)snap)->meta = dict;
        dict = NULL;
        hc_idset *s = hc_idset_new_steal(g, members, nmembers, &err); /* ascending: checked */
        members = NULL;
        set = wrap_set((SnapshotObject *)snap, s, &err);
    }
    hc_free(members);
    if (set)
        out = PyTuple_Pack(2, snap, set);
    Py_XDECREF(snap);
    Py_XDECREF(set);
    Py_XDECREF(dict);
    return out;
}

/* snapshot(extra_roots=None, capture=0) -> Snapshot of the whole heap (pysnapshot.h). */
static PyObject *mod_snapshot(PyObject *mod, PyObject *args)
{
    (void)mod;
    PyObject *extra_obj = NULL, *fast = NULL;
    int capture = 0;
    if (!PyArg_ParseTuple(args, "|Oi", &extra_obj, &capture))
        return NULL;
    if (extra_obj && extra_obj != Py_None && !(fast = PySequence_Fast(extra_obj, "extra roots must be a sequence")))
        return NULL;
    GError *err = NULL;
    hc_py_born *born;
    hc_graph *g = hc_py_snapshot_take(fast ? PySequence_Fast_ITEMS(fast) : NULL,
                                      fast ? (size_t)PySequence_Fast_GET_SIZE(fast) : 0, capture, &born, &err);
    Py_XDECREF(fast);
    if (!g)
        return err ? set_error(err) : NULL;
    return wrap_live_snapshot(g, born);
}

/* interpreter_snapshot(id, keep_strings=False) -> Snapshot of subinterpreter `id`'s heap,
 * taken from the main interpreter (pysnapshot.h); like a loaded file's, with meta
 * {"interpreter": id}. */
static PyObject *mod_interpreter_snapshot(PyObject *mod, PyObject *args)
{
    (void)mod;
    long long want;
    int keep = 0;
    if (!PyArg_ParseTuple(args, "L|p", &want, &keep))
        return NULL;
    GError *err = NULL;
    hc_graph *g = hc_py_snapshot_of_interpreter(want, keep, &err);
    if (!g)
        return err ? set_error(err) : NULL;
    PyObject *meta = Py_BuildValue("{s:N}", "interpreter", PyUnicode_FromFormat("%lld", want));
    PyObject *snap = meta ? wrap_snapshot(g) : NULL;
    if (snap)
        ((SnapshotObject *)snap)->meta = meta;
    else if (meta)
        Py_DECREF(meta);
    else
        hc_graph_unref(g);
    return snap;
}

/* tp as a type, or NULL with "fn() takes a type" (TypeError). */
static PyTypeObject *type_arg(PyObject *tp, const char *fn)
{
    if (!PyType_Check(tp)) {
        PyErr_Format(PyExc_TypeError, "%s() takes a type", fn);
        return NULL;
    }
    return (PyTypeObject *)tp;
}

static PyObject *mod_hide_frames_of(PyObject *mod, PyObject *globals)
{
    (void)mod;
    if (hc_py_hide_frames_of(globals) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *mod_is_own_frame(PyObject *mod, PyObject *frame)
{
    (void)mod;
    if (!PyFrame_Check(frame)) {
        PyErr_SetString(PyExc_TypeError, "is_own_frame: a frame expected");
        return NULL;
    }
    return PyBool_FromLong(hc_py_frame_is_own((uintptr_t)frame));
}

static PyObject *mod_hide_type(PyObject *mod, PyObject *tp)
{
    (void)mod;
    if (!type_arg(tp, "hide_type") || hc_py_hide_type((PyTypeObject *)tp) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *mod_alloc_fail_at(PyObject *mod, PyObject *arg)
{
    (void)mod;
    unsigned long n = PyLong_AsUnsignedLong(arg);
    if (n == (unsigned long)-1 && PyErr_Occurred())
        return NULL;
    return PyLong_FromUnsignedLong(hc_alloc_fail_at(n));
}

static PyObject *mod_type_name(PyObject *mod, PyObject *tp)
{
    (void)mod;
    if (!type_arg(tp, "type_name"))
        return NULL;
    char name[520];
    hc_py_type_name((PyTypeObject *)tp, name, sizeof name);
    return PyUnicode_FromString(name);
}

static PyObject *mod_alloc_live(PyObject *mod, PyObject *unused)
{
    (void)mod, (void)unused;
    return PyLong_FromLong(hc_alloc_live());
}

static PyObject *mod_referents(PyObject *mod, PyObject *obj)
{
    (void)mod;
    return hc_py_referents(obj);
}

static PyObject *mod_is_leaf_type(PyObject *mod, PyObject *tp)
{
    (void)mod;
    if (!type_arg(tp, "is_leaf_type"))
        return NULL;
    return PyBool_FromLong(hc_py_type_is_leaf((PyTypeObject *)tp));
}

static PyObject *mod_is_threadsafe_type(PyObject *mod, PyObject *tp)
{
    (void)mod;
    if (!type_arg(tp, "is_threadsafe_type"))
        return NULL;
    hc_py_threads_prepare();
    return PyBool_FromLong(hc_py_type_is_threadsafe((PyTypeObject *)tp));
}

static PyObject *mod_value_hash(PyObject *mod, PyObject *arg)
{
    (void)mod;
    Py_buffer b;
    if (PyObject_GetBuffer(arg, &b, PyBUF_SIMPLE) < 0)
        return NULL;
    uint64_t h = hc_values_hash(b.buf, (size_t)b.len);
    PyBuffer_Release(&b);
    return PyLong_FromUnsignedLongLong(h);
}

static PyObject *mod_rss(PyObject *mod, PyObject *unused)
{
    (void)mod;
    (void)unused;
    long long rss = -1;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        long long pages_total, pages_rss;
        if (fscanf(f, "%lld %lld", &pages_total, &pages_rss) == 2)
            rss = pages_rss * sysconf(_SC_PAGESIZE);
        fclose(f);
    }
    return PyLong_FromLongLong(rss);
}

static void Kinds_dealloc(KindsObject *self)
{
    hc_kinds_free(self->k);
    PyObject_Free(self);
}

static PyTypeObject Kinds_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "heapcore._engine.Kinds",
    .tp_basicsize = sizeof(KindsObject),
    .tp_dealloc = (destructor)Kinds_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Kinds computed by the caller for one snapshot (holds no heap objects).",
};

/* labels(obj) -> [(address, label)]: obj's referents with their edge labels (tests). */
typedef struct {
    GArray *addr, *kind, *arg;
} label_list;

static void collect_label(void *data, uintptr_t target, unsigned kind, uintptr_t arg)
{
    label_list *l = data;
    g_array_append_val(l->addr, target);
    g_array_append_val(l->kind, kind);
    g_array_append_val(l->arg, arg);
}

static PyObject *mod_labels(PyObject *m, PyObject *obj)
{
    (void)m;
    /* collect first, make the Python objects after: nothing is created while obj is read */
    label_list l = {g_array_new(FALSE, FALSE, sizeof(uintptr_t)), g_array_new(FALSE, FALSE, sizeof(unsigned)),
                    g_array_new(FALSE, FALSE, sizeof(uintptr_t))};
    hc_py_labels((uintptr_t)obj, collect_label, &l);
    GPtrArray *texts = g_ptr_array_new_with_free_func(g_free);
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < l.addr->len; i++) {
        g_string_truncate(s, 0);
        hc_py_label_text(g_array_index(l.kind, unsigned, i), g_array_index(l.arg, uintptr_t, i), s);
        g_ptr_array_add(texts, g_strdup(s->str));
    }
    g_string_free(s, TRUE);
    PyObject *out = PyList_New(l.addr->len);
    for (guint i = 0; out && i < l.addr->len; i++) {
        PyObject *t = Py_BuildValue("(Ks)", (unsigned long long)g_array_index(l.addr, uintptr_t, i),
                                    (char *)g_ptr_array_index(texts, i));
        if (!t)
            Py_CLEAR(out);
        else
            PyList_SET_ITEM(out, i, t);
    }
    g_ptr_array_free(texts, TRUE);
    g_array_free(l.addr, TRUE);
    g_array_free(l.kind, TRUE);
    g_array_free(l.arg, TRUE);
    return out;
}

/* root_objects() -> [(label, obj)]: the objects the interpreter holds as roots now (virtual
 * nodes left out), for h.Root.  Collected first, made into Python objects after. */
static void collect_root(void *data, uintptr_t addr, const char *label)
{
    GPtrArray *a = data;
    if (addr && !HC_PY_VTAG(addr)) {
        g_ptr_array_add(a, (gpointer)addr);
        g_ptr_array_add(a, g_strdup(label));
    }
}

static PyObject *mod_root_objects(PyObject *m, PyObject *unused)
{
    (void)m, (void)unused;
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

static PyMethodDef module_methods[] = {
    {"write_file", mod_write_file, METH_VARARGS,
     "write_file(path, data): write bytes as the snapshot writers do (a regular file replaced atomically, a symlink followed, a device or FIFO written directly)"},
    {"inject_source", mod_inject_source, METH_VARARGS,
     "inject_source(pid, source, timeout) -> (status, pending_rc, errno, message): queue Python source in another CPython process by ptrace (Linux x86-64)"},
    {"load", mod_load, METH_O,
     "load(path) -> (Snapshot, IdSet of the file's members); the snapshot's meta is the file's META"},
    {"root_objects", mod_root_objects, METH_NOARGS,
     "root_objects() -> [(label, obj)]: what the interpreter holds as roots now"},
    {"labels", mod_labels, METH_O,
     "labels(obj) -> [(address, label)]: obj's referents with the labels byvia and paths use"},
    {"snapshot", mod_snapshot, METH_VARARGS,
     "snapshot(extra_roots=None, capture=0) -> Snapshot of the whole heap; capture 1: with edge labels and string hashes read at once (for a file), 2: and string contents"},
    {"hide_type", mod_hide_type, METH_O, "hide_type(cls): instances of cls are the observer's own"},
    {"interpreter_snapshot", mod_interpreter_snapshot, METH_VARARGS,
     "interpreter_snapshot(id, keep_strings=False): a subinterpreter's heap, taken from the main one (like a loaded file)"},
    {"hide_frames_of", mod_hide_frames_of, METH_O,
     "hide_frames_of(globals()): frames running this module's code are the observer's own"},
    {"is_own_frame", mod_is_own_frame, METH_O,
     "is_own_frame(frame): does it run code of a module given to hide_frames_of"},
    {"alloc_fail_at", mod_alloc_fail_at, METH_O, "test hook: fail the nth engine allocation (0: never)"},
    {"type_name", mod_type_name, METH_O, "type_name(cls) -> cls's name as snapshots give it (no Python code runs)"},
    {"alloc_live", mod_alloc_live, METH_NOARGS, "test hook: engine allocations not yet freed"},
    {"value_hash", mod_value_hash, METH_O,
     "value_hash(bytes) -> the 64-bit hash a snapshot keeps of a string's or bytes' contents"},
    {"rss", mod_rss, METH_NOARGS, "resident set size of this process in bytes"},
    {"referents", mod_referents, METH_O, "referents(obj) -> addresses the walk records as obj's edges"},
    {"is_leaf_type", mod_is_leaf_type, METH_O,
     "is_leaf_type(tp) -> whether the walk skips tp's instances in its second pass"},
    {"is_threadsafe_type", mod_is_threadsafe_type, METH_O,
     "is_threadsafe_type(tp) -> whether the walk's second pass may record tp's instances on its helper thread"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "heapcore._engine", "The heapcore engine (C).", -1, module_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__engine(void)
{
    if (PyType_Ready(&Snapshot_Type) < 0 || PyType_Ready(&IdSet_Type) < 0 || PyType_Ready(&Kinds_Type) < 0)
        return NULL;
    if (hc_py_model_init() < 0)
        return NULL;
    if (hc_py_hide_type(&Snapshot_Type) < 0 || hc_py_hide_type(&IdSet_Type) < 0 || hc_py_hide_type(&Kinds_Type) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module_def);
    if (!m)
        return NULL;
    Py_INCREF(&Snapshot_Type);
    Py_INCREF(&IdSet_Type);
    if (PyModule_AddObject(m, "Snapshot", (PyObject *)&Snapshot_Type) < 0 ||
        PyModule_AddObject(m, "IdSet", (PyObject *)&IdSet_Type) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    PyModule_AddIntConstant(m, "NODE_ROOT", HC_NODE_ROOT);
    PyModule_AddIntConstant(m, "NODE_COMPLEMENT", HC_NODE_COMPLEMENT);
    PyModule_AddIntConstant(m, "NODE_UNREACH", HC_NODE_UNREACH);
    PyModule_AddIntConstant(m, "NODE_HIDDEN", HC_NODE_HIDDEN);
    PyModule_AddIntConstant(m, "NODE_VIRTUAL", HC_NODE_VIRTUAL);
    PyModule_AddIntConstant(m, "NODE_SIZECALL", HC_NODE_SIZECALL);
    PyModule_AddIntConstant(m, "BY_TYPE", HC_BY_TYPE);
    PyModule_AddIntConstant(m, "BY_CLODO", HC_BY_CLODO);
    PyModule_AddIntConstant(m, "BY_RCS", HC_BY_RCS);
    PyModule_AddIntConstant(m, "BY_SIZE", HC_BY_SIZE);
    PyModule_AddIntConstant(m, "BY_UNITY", HC_BY_UNITY);
    PyModule_AddIntConstant(m, "BY_MODULE", HC_BY_MODULE);
    PyModule_AddIntConstant(m, "OP_OR", HC_SET_OR);
    PyModule_AddIntConstant(m, "OP_AND", HC_SET_AND);
    PyModule_AddIntConstant(m, "OP_SUB", HC_SET_SUB);
    PyModule_AddIntConstant(m, "OP_XOR", HC_SET_XOR);
    return m;
}
