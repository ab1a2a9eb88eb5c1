/* pyglue/idset.c — heapcore._engine.IdSet: a set of node ids of one snapshot (an hc_idset),
 * its algebra, classifiers, dominator figures, files, and the live objects behind it (asked of
 * the adapter, pylive.h).  Translates only (glue.h). */
#include "glue.h"
#include "pyfork.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "pylive.h"
#include "pysnapshot.h"

/* A set of snap's graph, or the error *err (a pointer, read after the call that made s: C leaves
 * the order in which arguments are evaluated open). */
PyObject *wrap_set(SnapshotObject *snap, hc_idset *s, GError **err)
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

static PyObject *IdSet_sub_foreign(IdSetObject *self, PyObject *other)
{
    hc_idset *b = as_set(other);
    if (!b)
        return NULL;
    GError *err = NULL;
    SnapshotObject *sa = self->snap, *sb = ((IdSetObject *)other)->snap;
    hc_py_snapshot_id ia = {sa->born, sa->seq}, ib = {sb->born, sb->seq};
    return wrap_set(self->snap, hc_py_sub_foreign(self->s, ia, b, ib, &err), &err);
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

/* resolve(pairs=False): the live objects of this set (or [(id, obj)] with pairs): a fresh
 * walk, matched by address and type (pylive.h). */
static PyObject *IdSet_resolve(IdSetObject *self, PyObject *args)
{
    int pairs = 0;
    if (!PyArg_ParseTuple(args, "|p", &pairs))
        return NULL;
    PyObject *meta = self->snap->meta, *in = meta ? PyDict_GetItemString(meta, "interpreter") : NULL;
    GError *err = NULL;
    PyObject **objs;
    uint32_t *which = NULL;
    size_t n;
    const uint32_t *ids = hc_idset_ids(self->s);
    if (hc_py_live_members(hc_idset_graph(self->s), ids, hc_idset_count(self->s), self->snap->born, in, &objs,
                           pairs ? &which : NULL, &n, &err) < 0)
        return err ? set_error(err) : NULL;
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

/* via_kinds(families=-1) -> Kinds: the members by how they are referred to (byvia), read by
 * the adapter's labeller for this graph (pylive.h); families: a mask of the index families to
 * group, or -1: those with many indices (via.h). */
static PyObject *IdSet_via_kinds(IdSetObject *self, PyObject *args)
{
    long families = -1;
    if (!PyArg_ParseTuple(args, "|l", &families))
        return NULL;
    if (families < -1 || families > (long)((1u << HC_INDEX_FAMILIES) - 1)) {
        PyErr_SetString(PyExc_ValueError, "families: a mask of index families, or -1");
        return NULL;
    }
    GError *err = NULL;
    hc_kinds *k = hc_py_via_kinds(self->s, families < 0 ? HC_VIA_FAMILIES_AUTO : (uint32_t)families, &err);
    if (!k && !err)
        return NULL; /* a Python exception (pylive.h) */
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

const char **meta_arg(PyObject *obj, PyObject **keep)
{
    PyObject *fast = PySequence_Fast(obj, "meta must be a sequence of (key, value) pairs");
    if (!fast)
        return NULL;
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
            return NULL;
        }
    }
    *keep = fast;
    return meta;
}

/* dump(path, meta): write the snapshot, with this set as the file's members.  meta: a
 * sequence of (key, value) str pairs.  The GIL is released while writing. */
static PyObject *IdSet_dump(IdSetObject *self, PyObject *args)
{
    PyObject *path_obj, *meta_obj, *bytes = NULL, *fast = NULL;
    int keep = 0;
    if (!PyArg_ParseTuple(args, "OO|p", &path_obj, &meta_obj, &keep) || !PyUnicode_FSConverter(path_obj, &bytes))
        return NULL;
    const char **meta = meta_arg(meta_obj, &fast);
    if (!meta) {
        Py_DECREF(bytes);
        return NULL;
    }
    GError *err = NULL;
    gboolean ok;
    const char *path = PyBytes_AS_STRING(bytes);
    hc_graph *g = hc_idset_graph(self->s);
    const uint32_t *ids = hc_idset_ids(self->s);
    uint32_t count = hc_idset_count(self->s);
    hc_py_file_details d;
    ok = hc_py_file_details_for(g, self->snap->born, keep, &d, &err);
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

/* dump_fork(path, meta, capture, require, forbid, ref=None, status_path=None) -> (pid, fd,
 * fork_s): the heap written to path by a forked worker (pyfork.h); pid is the worker's (-1 if
 * it did not say), fd the pipe it reports on, fork_s the seconds fork() took.  The GIL is
 * held only for the fork. */
PyObject *mod_dump_fork(PyObject *mod, PyObject *const *args, Py_ssize_t nargs)
{
    (void)mod;
    /* METH_FASTCALL, as snapshot(): no argument tuple alive during the worker's walk */
    if (nargs < 5 || nargs > 7) {
        PyErr_SetString(PyExc_TypeError, "dump_fork() takes 5 to 7 arguments");
        return NULL;
    }
    PyObject *meta_obj = args[1], *ref_obj = nargs > 5 ? args[5] : Py_None, *status_obj = nargs > 6 ? args[6] : Py_None,
             *bytes = NULL, *sbytes = NULL, *fast = NULL;
    long capture = PyLong_AsLong(args[2]);
    unsigned long require = PyLong_AsUnsignedLong(args[3]), forbid = PyLong_AsUnsignedLong(args[4]);
    if (PyErr_Occurred() || !PyUnicode_FSConverter(args[0], &bytes))
        return NULL;
    if (status_obj != Py_None && !PyUnicode_FSConverter(status_obj, &sbytes)) {
        Py_DECREF(bytes);
        return NULL;
    }
    hc_py_fork_request r = {.path = PyBytes_AS_STRING(bytes),
                            .capture = (int)capture,
                            .require = (unsigned)require,
                            .forbid = (unsigned)forbid,
                            .seq = next_snapshot_seq(),
                            .status_path = sbytes ? PyBytes_AS_STRING(sbytes) : NULL};
    const char **meta = NULL;
    PyObject *out = NULL;
    if (ref_obj != Py_None) {
        if (!(r.ref = as_set(ref_obj)))
            goto done;
        SnapshotObject *rs = ((IdSetObject *)ref_obj)->snap;
        r.ref_id = (hc_py_snapshot_id){rs->born, rs->seq};
    }
    if (!(meta = meta_arg(meta_obj, &fast)))
        goto done;
    r.meta = meta;
    GError *err = NULL;
    int fd = -1;
    pid_t mid = -1;
    double fork_s = 0;
    if (!hc_py_fork_dump(&r, &fd, &mid, &fork_s, &err)) {
        set_error(err);
        goto done;
    }
    long pid = -1;
    Py_BEGIN_ALLOW_THREADS
    hc_py_fork_reap(mid);
    char line[32];
    size_t n = 0;
    while (n < sizeof line - 1) { /* "pid N\n", byte by byte: the rest is the job's to read */
        ssize_t k = read(fd, line + n, 1);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0 || line[n++] == '\n')
            break;
    }
    line[n] = '\0';
    if (g_str_has_prefix(line, "pid "))
        pid = strtol(line + 4, NULL, 10);
    Py_END_ALLOW_THREADS
    out = Py_BuildValue("(lid)", pid, fd, fork_s);
    if (!out)
        close(fd);
done:
    g_free(meta);
    Py_XDECREF(fast);
    Py_DECREF(bytes);
    Py_XDECREF(sbytes);
    return out;
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
    {"via_kinds", (PyCFunction)IdSet_via_kinds, METH_VARARGS,
     "via_kinds(families=-1): the members by how they are referred to (fresh walk; labels read from live "
     "referrers); families: a mask of index families to group, -1 those with many indices"},
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
PyTypeObject IdSet_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "heapcore._engine.IdSet",
    .tp_basicsize = sizeof(IdSetObject),
    .tp_dealloc = (destructor)IdSet_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A set of node ids of one snapshot.",
    .tp_methods = IdSet_methods,
    .tp_getset = IdSet_getset,
};
