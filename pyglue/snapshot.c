/* pyglue/snapshot.c — heapcore._engine.Snapshot: a snapshot graph (an hc_graph) and what is
 * computed from it on first need (dominator tree, reach, referrers, classifiers).  Holds no
 * reference to any object of the observed heap.  Translates only (glue.h). */
#include "glue.h"
#include "pylive.h"
#include "pysnapshot.h"

static SnapshotObject *alive; /* the first of the Snapshots alive (linked by prev / next) */

size_t snapshots_memory(void)
{
    size_t m = 0;
    for (const SnapshotObject *s = alive; s; s = s->next) {
        m += sizeof *s + hc_graph_memory(s->g) + hc_py_born_memory(s->born);
        m += (s->dom ? hc_domtree_memory(s->dom) : 0) + (s->reach ? hc_reach_memory(s->reach) : 0);
        m += s->refs ? hc_referrers_memory(s->refs) : 0;
        for (int c = 0; c < HC_NCLASSIFIERS; c++)
            m += s->kinds[c] ? hc_kinds_memory(s->kinds[c]) : 0;
    }
    return m;
}

static void Snapshot_dealloc(SnapshotObject *self)
{
    if (self->prev)
        self->prev->next = self->next;
    else
        alive = self->next;
    if (self->next)
        self->next->prev = self->prev;
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
    uint32_t id = hc_py_live_lookup(self->g, self->born, obj);
    if (id == HC_NONE)
        Py_RETURN_NONE;
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
int node_arg(SnapshotObject *self, PyObject *arg, uint32_t *id)
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
hc_reach *snapshot_reach(SnapshotObject *self)
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
hc_domtree *snapshot_dom(SnapshotObject *self)
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
    hc_py_paths_skip skip;
    hc_py_paths_skip_init(&skip);
    uint32_t r = hc_paths_root_record_late(self->g, path[0], skip.late);
    PyObject *hops = PyList_New(len);
    for (uint32_t k = 0; hops && k < len; k++) {
        g_string_truncate(name, 0);
        hc_node_kind_name(self->g, path[k], name);
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

/* The node ids of a sequence (node_arg each), g_malloc'd into *ids; -1 + exception. */
static int node_ids_arg(SnapshotObject *self, PyObject *fast, uint32_t **ids)
{
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    if (!(*ids = g_try_new(uint32_t, n ? n : 1))) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        if (node_arg(self, PySequence_Fast_GET_ITEM(fast, i), &(*ids)[i]) < 0)
            return -1;
    return 0;
}

/* The least positive path length among ids (0 if none is reached) and how many ids have it. */
static uint32_t least_len(const hc_paths *p, const uint32_t *ids, Py_ssize_t n, uint32_t *nleast)
{
    uint32_t least = 0;
    *nleast = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        uint32_t len = hc_paths_len(p, ids[i]);
        if (len && (!least || len < least)) {
            least = len;
            *nleast = 0;
        }
        *nleast += len && len == least;
    }
    return least;
}

/* hc_paths_get into *path (*cap entries, grown for a long path: a linked list); the length,
 * or UINT32_MAX + MemoryError. */
static uint32_t get_path(const hc_paths *p, uint32_t id, uint32_t **path, uint32_t *cap)
{
    uint32_t len = hc_paths_get(p, id, *path, *cap);
    if (len > *cap) { /* make room and ask again */
        uint32_t *more = g_try_renew(uint32_t, *path, len);
        if (!more) {
            PyErr_NoMemory();
            return UINT32_MAX;
        }
        *path = more;
        *cap = len;
        hc_paths_get(p, id, *path, *cap);
    }
    return len;
}

/* paths(ids, labels=False, shortest=0): a shortest path from the roots to each of ids (None
 * where none); with shortest=k > 0, (number of ids at the least depth, the paths of the
 * first k of them) instead, for x.sp.  Roots are searched in the adapter's order, labels read
 * by its labeller for this graph (pylive.h). */
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
    uint32_t *ids = NULL, *path = g_try_new(uint32_t, cap);
    PyObject *out = NULL;
    hc_paths *p = NULL;
    GString *name = g_string_new(NULL);
    GHashTable *strs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, decref_value);
    hc_py_graph_labeller gl = {0};
    hc_py_paths_skip skip;
    GError *err = NULL;
    if (!path) {
        PyErr_NoMemory();
        goto done;
    }
    if (node_ids_arg(self, fast, &ids) < 0)
        goto done;
    hc_py_paths_skip_init(&skip);
    if (!(p = hc_paths_new_late(self->g, ids, (uint32_t)n, skip.late, skip.labels, &err))) {
        set_error(err);
        goto done;
    }
    if (want_labels && !hc_py_graph_labeller_init(&gl, self->g, HC_PY_LABELS_PATHS, &err)) {
        set_error(err);
        goto done;
    }
    uint32_t nleast = 0, least = shortest ? least_len(p, ids, n, &nleast) : 0;
    if (!(out = PyList_New(0)))
        goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (shortest && (!least || hc_paths_len(p, ids[i]) != least)) /* O(1) each, not O(path) */
            continue;
        if (shortest && PyList_GET_SIZE(out) >= (Py_ssize_t)shortest)
            break;
        uint32_t len = get_path(p, ids[i], &path, &cap);
        if (len == UINT32_MAX) {
            Py_CLEAR(out);
            goto done;
        }
        if (len > 1 && want_labels && hc_paths_root_record(self->g, path[0], NULL) == HC_NONE &&
            !hc_py_graph_labeller_prove(&gl, self->g, self->born, path[0], &err)) { /* from garbage */
            set_error(err);
            Py_CLEAR(out);
            goto done;
        }
        PyObject *item = len ? path_item(self, path, len, want_labels ? gl.lab : NULL, gl.roots, gl.nroots, name, strs)
                             : Py_NewRef(Py_None);
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
    hc_py_graph_labeller_release(&gl);
    hc_paths_free(p);
    g_string_free(name, TRUE);
    g_hash_table_destroy(strs);
    g_free(ids);
    g_free(path);
    Py_DECREF(fast);
    return out;
}

/* edge_labels(id, held=False) -> [(label, referent id)]: each reference of node id as via
 * labels it (read from the live objects, '?' where unproven), in edge order.  held: the
 * caller holds the object (an iso() set's), so it is alive without a walk.  For x.maprox. */
static PyObject *Snapshot_edge_labels(SnapshotObject *self, PyObject *args)
{
    PyObject *arg;
    int held = 0;
    uint32_t id, ne;
    if (!PyArg_ParseTuple(args, "O|p", &arg, &held) || node_arg(self, arg, &id) < 0)
        return NULL;
    const uint32_t *e = hc_graph_edges(self->g, id, &ne);
    hc_py_graph_labeller gl = {0};
    GError *err = NULL;
    PyObject *out = NULL;
    if (!hc_py_graph_labeller_init(&gl, self->g, HC_PY_LABELS_PATHS, &err) ||
        (held ? !hc_py_graph_labeller_trust(&gl, hc_graph_addr(self->g, id), &err)
              : hc_paths_root_record(self->g, id, NULL) == HC_NONE &&
                    !hc_py_graph_labeller_prove(&gl, self->g, self->born, id, &err))) {
        set_error(err);
        goto done;
    }
    if (!(out = PyList_New(0)))
        goto done;
    for (uint32_t k = 0; k < ne; k++) {
        uint32_t path[2] = {id, e[k]};
        char *texts[2] = {NULL, NULL};
        hc_via_path(self->g, path, 2, gl.lab, gl.roots, gl.nroots, texts);
        PyObject *t = Py_BuildValue("(sI)", texts[1] ? texts[1] : "?", e[k]);
        g_free(texts[0]);
        g_free(texts[1]);
        if (!t || PyList_Append(out, t) < 0) {
            Py_XDECREF(t);
            Py_CLEAR(out);
            goto done;
        }
        Py_DECREF(t);
    }
done:
    hc_py_graph_labeller_release(&gl);
    return out;
}

/* A sequence of node ids (or None: *n = 0, *ids NULL) into g_malloc'd *ids; -1 + exception. */
static int opt_ids_arg(SnapshotObject *self, PyObject *arg, uint32_t **ids, uint32_t *n)
{
    *ids = NULL, *n = 0;
    if (arg == Py_None)
        return 0;
    PyObject *fast = PySequence_Fast(arg, "expected a sequence of node ids");
    if (!fast)
        return -1;
    int rc = node_ids_arg(self, fast, ids);
    *n = (uint32_t)PySequence_Fast_GET_SIZE(fast);
    Py_DECREF(fast);
    return rc;
}

/* A sequence of (from id or None, to id) pairs (or None) into g_malloc'd HC_PATHS_EDGE()s. */
static int edges_arg(SnapshotObject *self, PyObject *arg, uint64_t **edges, uint32_t *n)
{
    *edges = NULL, *n = 0;
    if (arg == Py_None)
        return 0;
    PyObject *fast = PySequence_Fast(arg, "avoid_edges: expected a sequence of (from, to) node id pairs");
    if (!fast)
        return -1;
    Py_ssize_t m = PySequence_Fast_GET_SIZE(fast);
    if (!(*edges = g_try_new(uint64_t, m ? m : 1))) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < m; i++) {
        PyObject *pair = PySequence_Fast_GET_ITEM(fast, i), *a, *b;
        uint32_t from = HC_NONE, to;
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_TypeError, "avoid_edges: expected (from, to) pairs");
            Py_DECREF(fast);
            return -1;
        }
        a = PyTuple_GET_ITEM(pair, 0), b = PyTuple_GET_ITEM(pair, 1);
        if ((a != Py_None && node_arg(self, a, &from) < 0) || node_arg(self, b, &to) < 0) {
            Py_DECREF(fast);
            return -1;
        }
        (*edges)[i] = HC_PATHS_EDGE(from, to);
    }
    *n = (uint32_t)m;
    Py_DECREF(fast);
    return 0;
}

/* all_paths(ids, limit, src=None, avoid=None, avoid_edges=None, level=-1) -> (number of
 * shortest paths to the ids at the least depth, [the first `limit` of them as paths() gives
 * them with labels], [(from id or None, to id): the edges at `level`] or None).  From the
 * roots as paths() searches (src None), or from the src node ids; avoid: node ids never
 * entered; avoid_edges: (from or None, to) pairs never followed (None: a start). */
static PyObject *Snapshot_all_paths(SnapshotObject *self, PyObject *args)
{
    PyObject *arg, *src_arg = Py_None, *avoid_arg = Py_None, *edges_arg_ = Py_None;
    unsigned int limit;
    int level = -1;
    if (!PyArg_ParseTuple(args, "OI|OOOi", &arg, &limit, &src_arg, &avoid_arg, &edges_arg_, &level))
        return NULL;
    PyObject *fast = PySequence_Fast(arg, "all_paths() takes a sequence of node ids");
    if (!fast)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    uint32_t cap = 256, nsrc = 0, navoid = 0, nedges = 0, nleast = 0;
    uint32_t *ids = NULL, *least_ids = NULL, *src = NULL, *avoid = NULL, *path = g_try_new(uint32_t, cap);
    uint64_t *avoid_edges = NULL, count = 0;
    PyObject *out = NULL, *list = NULL, *at = NULL;
    hc_paths *p = NULL;
    hc_allpaths *a = NULL;
    GArray *edges = NULL;
    GString *name = g_string_new(NULL);
    GHashTable *strs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, decref_value);
    hc_py_graph_labeller gl = {0};
    hc_py_paths_skip skip;
    GError *err = NULL;
    if (!path) {
        PyErr_NoMemory();
        goto done;
    }
    if (node_ids_arg(self, fast, &ids) < 0 || opt_ids_arg(self, src_arg, &src, &nsrc) < 0 ||
        opt_ids_arg(self, avoid_arg, &avoid, &navoid) < 0 || edges_arg(self, edges_arg_, &avoid_edges, &nedges) < 0)
        goto done;
    hc_py_paths_skip_init(&skip);
    hc_paths_opts o = {.late = skip.late,
                       .skip = skip.labels,
                       .src = src,
                       .nsrc = nsrc,
                       .avoid = avoid,
                       .navoid = navoid,
                       .avoid_edges = avoid_edges,
                       .navoid_edges = nedges};
    hc_referrers *refs = snapshot_refs(self);
    if (!refs)
        goto done;
    if (!(p = hc_paths_new_opts(self->g, ids, (uint32_t)n, &o, &err)))
        goto fail;
    /* the targets: the ids at the least depth */
    uint32_t least = least_len(p, ids, n, &nleast), k = 0;
    if (!(least_ids = g_try_new(uint32_t, nleast ? nleast : 1))) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; least && i < n; i++)
        if (hc_paths_len(p, ids[i]) == least)
            least_ids[k++] = ids[i];
    if (least >= cap) { /* every target's paths have `least` nodes */
        uint32_t *more = g_try_renew(uint32_t, path, least + 1);
        if (!more) {
            PyErr_NoMemory();
            goto done;
        }
        path = more, cap = least + 1;
    }
    if (level >= 0 && !(edges = g_array_new(FALSE, FALSE, sizeof(uint64_t)))) {
        PyErr_NoMemory();
        goto done;
    }
    count = hc_allpaths_count(p, refs, least_ids, k, level, edges, &err);
    if (err)
        goto fail;
    if (!(a = hc_allpaths_new(p, refs, least_ids, k, &err)))
        goto fail;
    if (!hc_py_graph_labeller_init(&gl, self->g, HC_PY_LABELS_PATHS, &err))
        goto fail;
    if (!(list = PyList_New(0)))
        goto done;
    for (uint32_t got = 0; got < limit; got++) {
        uint32_t len = hc_allpaths_next(a, path, cap, &err);
        if (err)
            goto fail;
        if (!len)
            break;
        if (len > 1 && hc_paths_root_record(self->g, path[0], NULL) == HC_NONE &&
            !hc_py_graph_labeller_prove(&gl, self->g, self->born, path[0], &err))
            goto fail;
        PyObject *item = path_item(self, path, len, gl.lab, gl.roots, gl.nroots, name, strs);
        if (!item || PyList_Append(list, item) < 0) {
            Py_XDECREF(item);
            goto done;
        }
        Py_DECREF(item);
    }
    if (edges) {
        if (!(at = PyList_New(edges->len)))
            goto done;
        for (guint i = 0; i < edges->len; i++) {
            uint64_t e = g_array_index(edges, uint64_t, i);
            uint32_t from = (uint32_t)(e >> 32), to = (uint32_t)e;
            PyObject *t = from == HC_NONE ? Py_BuildValue("(OI)", Py_None, to) : Py_BuildValue("(II)", from, to);
            if (!t)
                goto done;
            PyList_SET_ITEM(at, i, t);
        }
    } else {
        at = Py_NewRef(Py_None);
    }
    out = Py_BuildValue("(KOO)", (unsigned long long)count, list, at);
    goto done;
fail:
    set_error(err);
done:
    Py_XDECREF(list);
    Py_XDECREF(at);
    hc_py_graph_labeller_release(&gl);
    hc_allpaths_free(a);
    hc_paths_free(p);
    if (edges)
        g_array_free(edges, TRUE);
    g_string_free(name, TRUE);
    g_hash_table_destroy(strs);
    g_free(ids);
    g_free(least_ids);
    g_free(src);
    g_free(avoid);
    g_free(avoid_edges);
    g_free(path);
    Py_DECREF(fast);
    return out;
}

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
    hc_node_kind_name(self->g, id, name);
    PyObject *out = PyUnicode_DecodeUTF8(name->str, (Py_ssize_t)name->len, "replace");
    g_string_free(name, TRUE);
    return out;
}

/* node_name(id) -> the name captured at walk time (a thread's, a frame's), a module's name, or
 * None */
static PyObject *Snapshot_node_name(SnapshotObject *self, PyObject *arg)
{
    uint32_t id;
    if (node_arg(self, arg, &id) < 0)
        return NULL;
    const char *own = hc_graph_node_name(self->g, id);
    if (own == NULL)
        Py_RETURN_NONE;
    return PyUnicode_DecodeUTF8(own, (Py_ssize_t)strlen(own), "replace");
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
    gboolean ok = hc_py_file_details_for(self->g, self->born, keep, &d, &err);
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

/* type_index(tp) -> the type index recorded at tp's address, or None.  Only meaningful for a
 * live snapshot (a file's addresses are another process's); _kinds.py decides. */
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
    {"node_name", (PyCFunction)Snapshot_node_name, METH_O,
     "node_name(id) -> str or None: a thread's or frame's name captured at walk time ('thread 'sampler' "
     "(ident N)', 'frame f() at file.py:12'), a module's name, else None"},
    {"type_names", (PyCFunction)Snapshot_type_names, METH_NOARGS, "type_names() -> [the name of each type index]"},
    {"export_chrome", (PyCFunction)Snapshot_export_chrome, METH_VARARGS,
     "export_chrome(path, categories, keep_strings=False): write a Chrome DevTools .heapsnapshot"},
    {"value", (PyCFunction)Snapshot_value, METH_O,
     "value(id) -> None or (length, hash, contents or None): a str/bytes node's value kept with the snapshot"},
    {"paths", (PyCFunction)Snapshot_paths, METH_VARARGS,
     "paths(ids, labels=False) -> [(root label, [(id, kind), ...][, [edge label, ...]]) or None]: shortest paths from the roots"},
    {"edge_labels", (PyCFunction)Snapshot_edge_labels, METH_VARARGS,
     "edge_labels(id, held=False) -> [(label, referent id)]: the node's references as via labels them "
     "(held: the caller holds the object, so it is alive)"},
    {"all_paths", (PyCFunction)Snapshot_all_paths, METH_VARARGS,
     "all_paths(ids, limit, src=None, avoid=None, avoid_edges=None, level=-1) -> (count, [paths], edges at level "
     "or None): every shortest path to the ids at the least depth"},
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
     "bytes of every object walked: what the roots reach and unreachable garbage (what retained sizes are shares of)",
     NULL},
    {"has_dominators", (getter)Snapshot_get_has_dominators, NULL, "whether the dominator tree has been computed", NULL},
    {"dominators_time", (getter)Snapshot_get_dom_time, NULL, "seconds the dominator tree took (computes it if needed)",
     NULL},
    {"prefaulted", (getter)Snapshot_get_prefaulted, NULL,
     "bytes of the walk's arrays its helper thread faulted in (for benchmarks)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};
PyTypeObject Snapshot_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "heapcore._engine.Snapshot",
    .tp_basicsize = sizeof(SnapshotObject),
    .tp_dealloc = (destructor)Snapshot_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A snapshot graph of the heap (holds no references to heap objects).",
    .tp_methods = Snapshot_methods,
    .tp_getset = Snapshot_getset,
};

hc_referrers *snapshot_refs(SnapshotObject *self)
{
    GError *err = NULL;
    if (!self->refs && !(self->refs = hc_referrers_new(self->g, &err)))
        set_error(err);
    return self->refs;
}

/* Classifier number c made concrete for the snapshot (cached); NULL with an exception. */
const hc_kinds *snapshot_kinds(SnapshotObject *self, int c)
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

/* A new Snapshot owning g (or NULL + exception, g released). */
PyObject *wrap_snapshot(hc_graph *g)
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
    o->prev = NULL;
    o->next = alive;
    if (alive)
        alive->prev = o;
    alive = o;
    return (PyObject *)o;
}

static uint64_t taken; /* live snapshots wrapped so far */

uint64_t next_snapshot_seq(void)
{
    return taken + 1;
}

/* wrap_snapshot for a graph walked just now; born (its tracker, may be NULL) goes with it. */
PyObject *wrap_live_snapshot(hc_graph *g, hc_py_born *born)
{
    SnapshotObject *o = (SnapshotObject *)wrap_snapshot(g);
    if (!o) {
        hc_py_born_stop(born);
        return NULL;
    }
    o->born = born;
    o->seq = ++taken;
    return (PyObject *)o;
}
