/* heapcore/py/pylive.h — what the live process answers about a snapshot taken in it: which of
 * a set's members are still alive, which labeller reads a graph's edges (paths, byvia), whether
 * an object at a snapshot's address is the one the snapshot saw, where paths search last; and
 * about itself: the roots' objects now, the resident memory.  Decided here, so that the glue
 * (pyglue/) only translates.
 *
 * Errors as in pysnapshot.h: failure with *error set (an HcError for the glue to map), or with
 * *error left NULL and a Python exception set.  GIL held throughout. */
#ifndef HEAPCORE_PY_PYLIVE_H
#define HEAPCORE_PY_PYLIVE_H

#include "pymodel.h"

/* ---- members alive -------------------------------------------------------------------------- */

/* New references to the objects of ids (sorted, of g) that are still alive: a fresh walk (nodes
 * only) proves which, matched by address and type unless born (g's tracker, may be NULL or
 * unusable: then address and type alone) saw the address allocated again (hc_py_resolve).
 * *objs: a malloc'd array of new references (caller DECREFs and hc_frees); *which, if which is
 * not NULL: each one's position in ids (caller hc_frees).  A loaded graph has no live objects:
 * RuntimeError, naming the subinterpreter if `interpreter` (its id, as its meta gives it) is
 * not NULL.  0, or -1. */
int hc_py_live_members(hc_graph *g, const uint32_t *ids, uint32_t n, const hc_py_born *born, PyObject *interpreter,
                       PyObject ***objs, uint32_t **which, size_t *nout, GError **error);

/* ---- a labeller for a graph ----------------------------------------------------------------- */

typedef enum {
    HC_PY_LABELS_PATHS, /* the labels along g's paths (hc_via_path)   */
    HC_PY_LABELS_BYVIA, /* the labels of the edges into a set (byvia) */
} hc_py_label_use;

/* What reads g's edge labels for one use.  Paths: the labels kept with g (read from its file,
 * or captured when it was taken) if it has any, else the live objects' (none are read for a
 * loaded graph: its labels show '?').  byvia: a live snapshot's referrers are read as they are
 * now, proven alive by a fresh walk; a loaded graph's labels come from its file (none kept:
 * ValueError).  Fill with hc_py_graph_labeller_init, use lab, live, roots; release after. */
typedef struct hc_py_graph_labeller {
    const hc_labeller *lab; /* reads the edges: &model or &stored.lab               */
    hc_graph *live;         /* byvia: the graph that proves referrers alive (hc_via_kinds) */
    uintptr_t *roots;       /* paths: the addresses held as roots now (hc_via_roots), or NULL */
    size_t nroots;
    hc_labeller model;         /* the live objects' labeller (hc_py_labeller)           */
    hc_stored_labeller stored; /* the kept labels' (hc_via_stored_labeller)             */
    hc_graph *walk;            /* the fresh walk live points to, owned                  */
} hc_py_graph_labeller;
gboolean hc_py_graph_labeller_init(hc_py_graph_labeller *gl, hc_graph *g, hc_py_label_use use, GError **error);
/* Frees what init made (also after it failed). */
void hc_py_graph_labeller_release(hc_py_graph_labeller *gl);
/* Paths: let a path that starts at node id of g (a complement root: unreachable garbage,
 * which no root proves alive) be labelled, as byvia labels the same edges.  With kept labels
 * nothing live is read: id is simply accepted.  With the live objects' labeller, id must be
 * alive now: found by a fresh walk (made on the first call, kept in gl) at its address with
 * its type, and that address not handed out again since g was taken (born, may be NULL);
 * then its address joins gl->roots, and hc_via_path proves each next hop from it as from a
 * root.  Otherwise (or for a loaded graph without labels) nothing changes: '?'.  FALSE +
 * error only if the walk fails. */
gboolean hc_py_graph_labeller_prove(hc_py_graph_labeller *gl, hc_graph *g, const hc_py_born *born, uint32_t id,
                                    GError **error);

/* Let paths from the object at addr be labelled as from a root, without a walk: the caller
 * holds a reference to it (an iso() set's objects).  FALSE + error if out of memory. */
gboolean hc_py_graph_labeller_trust(hc_py_graph_labeller *gl, uintptr_t addr, GError **error);

/* byvia of s (hc_via_kinds with the labeller for HC_PY_LABELS_BYVIA; families as there), or
 * NULL. */
hc_kinds *hc_py_via_kinds(hc_idset *s, uint32_t families, GError **error);

/* The root labels paths search last (hc_paths_new's skip): the calling thread's stack (its
 * locals: how the caller holds an object, while a module path says how the program does), and
 * after it iso()'s arguments (heapcore's own frames are hidden: no path runs through them).
 * Fills the caller's *skip; skip->labels is NULL-terminated and points into skip. */
typedef struct hc_py_paths_skip {
    char self_thread[96];
    const char *labels[3];
    const char *const *late; /* hc_paths_new_late's late: HC_PY_LATE_ROOTS */
} hc_py_paths_skip;
void hc_py_paths_skip_init(hc_py_paths_skip *skip);

/* The allocation traceback tracemalloc recorded for obj (raw frames, most recent first), or
 * None; NULL + exception on failure.  Looks where the block starts (hc_py_alloc_traceback),
 * which 3.11's tracemalloc.get_object_traceback does not. */
PyObject *hc_py_object_traceback(PyObject *obj);

/* ---- identity across churn ------------------------------------------------------------------ */

/* obj's node id in g, or HC_NONE: an object of g is at obj's address with obj's type, and born
 * (g's tracker, may be NULL) did not see the address, or the type's, allocated again since g
 * was taken (then obj is newer than the snapshot: it took a freed object's address). */
uint32_t hc_py_live_lookup(const hc_graph *g, const hc_py_born *born, PyObject *obj);

/* A live or loaded snapshot as identity needs it: its tracker (may be NULL) and its number
 * among live snapshots (1, 2, ... in the order they were taken; 0: loaded). */
typedef struct hc_py_snapshot_id {
    const hc_py_born *born;
    uint64_t seq;
} hc_py_snapshot_id;

/* The members of a (snapshot ia) that are not in b (another snapshot, ib): matched by address
 * and type, and between two live snapshots whose older one's tracker is usable, an address the
 * older one saw allocated again and the newer one did not is a different object
 * (hc_idset_sub_foreign_with). */
hc_idset *hc_py_sub_foreign(const hc_idset *a, hc_py_snapshot_id ia, const hc_idset *b, hc_py_snapshot_id ib,
                            GError **error);

/* ---- the roots now ---------------------------------------------------------------------- */

/* [(label, obj)]: the objects the interpreter holds as roots now (hc_py_roots; virtual nodes
 * left out), for h.Root.  A new list, or NULL + exception. */
PyObject *hc_py_root_objects(void);

/* ---- the process ---------------------------------------------------------------------------- */

/* This process's resident set size in bytes (/proc/self/statm), or -1 if unknown. */
long long hc_py_rss(void);

#endif
