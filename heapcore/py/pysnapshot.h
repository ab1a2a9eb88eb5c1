/* heapcore/py/pysnapshot.h — how heapcore takes a snapshot of a live interpreter, and what a
 * file or an export of one carries: every step between "the user asked" and "a graph", decided
 * here so that the glue (the files of pyglue/) only translates arguments and results.
 *
 * Errors: NULL / FALSE with *error set (an HcError for the glue to map), or with *error left
 * NULL and a Python exception set (refusals that are Python errors: RuntimeError at shutdown
 * or inside a snapshot's __sizeof__ pass, ValueError for a bad interpreter id, or whatever a
 * __sizeof__ raised).  GIL held throughout. */
#ifndef HEAPCORE_PY_PYSNAPSHOT_H
#define HEAPCORE_PY_PYSNAPSHOT_H

#include "pymodel.h"

/* The current interpreter's heap now: refused during shutdown and inside another snapshot's
 * __sizeof__ pass; the walk (extra: objects handed in, walked in phase 3); the allocation
 * tracker started at once (*born; NULL if none could be had, pyborn.h); edge labels and
 * string values captured if capture (2: string contents kept) while every node is alive; then
 * the __sizeof__ pass, which may run Python code. */
hc_graph *hc_py_snapshot_take(PyObject *const *extra, size_t nextra, int capture, hc_py_born **born, GError **error);

/* A census of the current interpreter's heap now: as hc_py_snapshot_take without captures or
 * tracker, from a walk of nodes only (HC_WALK_NODES_ONLY: every object with its
 * type, size and flags, no edges; about 20 % cheaper).  For counting by type (the leak checks
 * of heapcore.testing); nothing that needs edges (owners, paths, dominators) may be asked of
 * it. */
hc_graph *hc_py_census_take(PyObject *const *extra, size_t nextra, GError **error);

/* Subinterpreter `id`'s heap, taken from the main interpreter: the walk, the captures and the
 * __sizeof__ calls run in the subinterpreter's own context (a thread state of its own, its
 * GIL); what the main interpreter reaches is left out (hc_py_walk_sub).  Marked loaded: like a
 * file's, no live object is handed across.  keep: string contents kept. */
hc_graph *hc_py_snapshot_of_interpreter(long long id, gboolean keep, GError **error);

/* What a snapshot file or an export carries besides the graph: edge labels and string values,
 * borrowed from the graph (attached) or captured for this write (own_*, freed by
 * hc_py_file_details_release). */
typedef struct hc_py_file_details {
    hc_edge_labels *labels, *own_labels;
    hc_values *values, *own_values;
} hc_py_file_details;

/* The edge labels and string values to write with g: those attached to it (captured when it
 * was taken, or read from its file), else captured now from the objects still alive (a fresh
 * walk proves which, with born, g's allocation tracker or NULL: a label is kept only where its
 * referrer, its target and the key or name its text reads are the objects g recorded).
 * Values are redacted unless keep.  Call hc_py_file_details_release afterwards, also after
 * a failure. */
gboolean hc_py_file_details_for(hc_graph *g, const hc_py_born *born, gboolean keep, hc_py_file_details *d,
                                GError **error);
void hc_py_file_details_release(hc_py_file_details *d);

#endif
