/* heapcore/py/pymodel.h — the CPython object model for the walk, and what must happen right
 * after a walk (naming types, asking objects with their own __sizeof__). */
#ifndef HEAPCORE_PY_PYMODEL_H
#define HEAPCORE_PY_PYMODEL_H

#include "pyadapter.h"
#include "pyborn.h"
#include "heapcore/heapcore.h"

/* The label of the roots hc_py_walk adds for `extra` (iso()'s arguments): paths and byvia
 * leave them out, since they say how the caller holds an object, not how the heap does. */
#define HC_PY_ARGUMENT_ROOT "argument"

/* A root handed in from outside the adapter (e.g. signal handlers read before the walk). */
typedef struct hc_py_root {
    PyObject *obj; /* borrowed; the caller keeps it alive across the walk */
    const char *label;
} hc_py_root;

/* One-time setup at module import (interns the strings the adapter needs). 0 or -1 + exception. */
int hc_py_model_init(void);

/* Instances of tp (exactly) are the observer's own: hidden with what only they reach.
 * Keeps a strong reference to tp.  0 or -1 + exception. */
int hc_py_hide_type(PyTypeObject *tp);

/* Walk the current interpreter: its roots, then `roots` (phase 1, labelled), then `extra`
 * (objects the user handed over, phase 3), then the gc complement.  Runs no Python code and
 * creates no object.  Then names every type.  Returns a new graph or NULL + GError.
 * `options`: hc_walk_run_with's (HC_WALK_NODES_ONLY to learn only which objects are alive). */
hc_graph *hc_py_walk(const hc_py_root *roots, size_t nroots, PyObject *const *extra, size_t nextra, uint32_t options,
                     GError **error);

/* Walk the current interpreter, a subinterpreter (the caller switched to it): like
 * hc_py_walk, but the objects `main` (a walk of the main interpreter, nodes only) holds are
 * hidden and not expanded, except static types (process-wide; walked with this
 * interpreter's own state of them): the subinterpreter's heap never includes what the main
 * one reaches (process-wide constants, or main's objects a legacy subinterpreter shares
 * through a single-phase module's dict). */
hc_graph *hc_py_walk_sub(const hc_graph *main, GError **error);

/* The addresses the walk records as edges of o (its referents, the __dict__ owner link
 * excepted), as a new list of ints; for tests and introspection.  NULL + exception. */
PyObject *hc_py_referents(PyObject *o);

/* Number of nodes that need their own __sizeof__ (HC_NODE_SIZECALL). */
size_t hc_py_sizecall_count(const hc_graph *g);

/* Ask every HC_NODE_SIZECALL object of a graph walked just now (no Python code may have run
 * since the walk) for its own __sizeof__, adding the type's header.  Runs Python code.  An
 * object whose __sizeof__ raises or returns nonsense keeps its basic size and is counted in
 * *failed.  Returns 0, or -1 with a Python exception set (MemoryError). */
int hc_py_apply_sizeof(hc_graph *g, size_t *failed);

/* Strong references to the live objects of `ids` (sorted) of graph g, in a graph walked just
 * now (g2): objects match by address and type key, unless born (g's tracker, may be NULL) saw
 * the address or the type's address allocated again since g was taken; the rest are skipped.  *out receives a
 * malloc'd array of new references (caller DECREFs and frees); if which is not NULL, *which a
 * malloc'd array of each object's position in ids (caller frees).  0 or -1 + exception. */
int hc_py_resolve(hc_graph *g, const uint32_t *ids, uint32_t n, hc_graph *g2, const hc_py_born *born, PyObject ***out,
                  uint32_t **which, size_t *nout);

/* The labeller of live objects (hc_py_labels, hc_py_label_text, the current roots) for
 * heapcore/via.c (byvia, paths) and heapcore/edgelabels.c (capture).  Its functions read objects: call them with the GIL held, before any Python
 * code runs. */
void hc_py_labeller(hc_labeller *out);

/* The value model (str, bytes, bytearray contents) for heapcore/values.c: the same rules. */
#include "heapcore/values.h"
void hc_py_value_model(hc_value_model *out);

/* tp's name as snapshots name it ("module.Name", builtins bare, ASCII), read from its fields
 * without running Python code (a metaclass's __getattribute__ is not asked). */
void hc_py_type_name(PyTypeObject *tp, char *out, size_t len);

#endif
