/* pyglue/glue.h — what the files of heapcore._engine share: the object structs of its three
 * types, the error mapping and the wrap helpers.  Internal to pyglue/.
 *
 * The glue translates: each function converts its arguments, calls one function of the adapter
 * (heapcore/py/) or the engine, and maps errors.  Decisions live in the adapter. */
#ifndef HEAPCORE_PYGLUE_GLUE_H
#define HEAPCORE_PYGLUE_GLUE_H

#include "pymodel.h"

/* Snapshot wraps an hc_graph (pyglue/snapshot.c).  It holds no reference to any object of the
 * observed heap, and its type is the observer's own (hidden from walks). */
typedef struct SnapshotObject {
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
    struct SnapshotObject *prev;      /* every Snapshot alive, linked for snapshots_memory (GIL) */
    struct SnapshotObject *next;
} SnapshotObject;

/* IdSet wraps an hc_idset of one snapshot (pyglue/idset.c). */
typedef struct {
    PyObject_HEAD
    hc_idset *s;
    SnapshotObject *snap; /* the snapshot of s's graph: shares its dominator tree */
} IdSetObject;

/* Kinds: a classifier the caller computed (hc_kinds_new_explicit) for one snapshot
 * (pyglue/kinds.c). */
typedef struct {
    PyObject_HEAD
    hc_kinds *k;
    hc_graph *g; /* the graph it classifies (borrowed from k) */
} KindsObject;

extern PyTypeObject Snapshot_Type;
extern PyTypeObject IdSet_Type;
extern PyTypeObject Kinds_Type;

/* Bytes of engine memory held by every Snapshot alive: graphs, their caches (dominator tree,
 * reverse edges, classifiers) and allocation trackers (pyglue/snapshot.c). */
size_t snapshots_memory(void);

/* ---- errors (pyglue/module.c) ---------------------------------------------------------------- */

/* Raise err (freed) as a Python exception by its HcError code; returns NULL. */
PyObject *set_error(GError *err);

/* ---- wrapping (each in its type's file) ------------------------------------------------------ */

/* A new Snapshot owning g (or NULL + exception, g released). */
PyObject *wrap_snapshot(hc_graph *g);
/* wrap_snapshot for a graph walked just now; born (its tracker, may be NULL) goes with it. */
PyObject *wrap_live_snapshot(hc_graph *g, hc_py_born *born);
/* A set of snap's graph, or the error *err (a pointer, read after the call that made s: C leaves
 * the order in which arguments are evaluated open). */
PyObject *wrap_set(SnapshotObject *snap, hc_idset *s, GError **err);
/* The seq the next live snapshot will have. */
uint64_t next_snapshot_seq(void);
/* A file's META from a sequence of (str, str) pairs: a g_malloc'd NULL-terminated array of
 * key, value, ... borrowed from *keep's items (DECREF *keep after use); NULL + exception. */
const char **meta_arg(PyObject *obj, PyObject **keep);
/* dump_fork(path, meta, capture, require, forbid, ref=None, status_path=None) (idset.c). */
PyObject *mod_dump_fork(PyObject *mod, PyObject *const *args, Py_ssize_t nargs);
/* A Kinds owning k, or the error *err. */
PyObject *wrap_kinds(hc_kinds *k, GError **err);

/* ---- a snapshot's lazily computed parts (pyglue/snapshot.c); NULL + exception ---------------- */

hc_reach *snapshot_reach(SnapshotObject *self);
hc_domtree *snapshot_dom(SnapshotObject *self);
hc_referrers *snapshot_refs(SnapshotObject *self);
/* Classifier number c made concrete for the snapshot (cached). */
const hc_kinds *snapshot_kinds(SnapshotObject *self, int c);

/* ---- arguments ------------------------------------------------------------------------------- */

/* A node id argument: an int below the node count (TypeError/OverflowError/IndexError). */
int node_arg(SnapshotObject *self, PyObject *arg, uint32_t *id);
/* A classifier argument of a set: a classifier number, or a Kinds object of its graph
 * (pyglue/kinds.c). */
const hc_kinds *kinds_arg(IdSetObject *self, PyObject *arg);

#endif
