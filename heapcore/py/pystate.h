/* heapcore/py/pystate.h — the adapter's state: everything the roots, frames, referents and type
 * tests learn or are told, in one struct (one per process: the adapter serves the interpreter
 * it is loaded into).  Every field is written with the GIL held and before the walk that reads
 * it; a walk's helper thread only reads (pytypes.c's allowlist, 3.10's lookdict), after
 * hc_py_threads_prepare.  Private to heapcore/py/. */
#ifndef HEAPCORE_PY_PYSTATE_H
#define HEAPCORE_PY_PYSTATE_H

#include "pyadapter.h"

#define HC_PY_N_SAFE 32 /* room in the traverse allowlist (28 used) */

typedef struct hc_py_adapter_state {
    /* pyframes.c: the globals of the observer's modules (hc_py_hide_frames_of), strong
     * references kept for the process's life; frames running their code are hidden.  Few,
     * compared by address.  realloc'ed, never freed. */
    PyObject **own_globals;
    size_t nown_globals;

    /* pytypes.c: subtype_traverse (file-static in typeobject.c), the tp_traverse of every class
     * made by a class statement, learned from the observer's own classes (hc_py_learn_class);
     * NULL until one is seen.  conflict: two such classes disagreed, so no class is trusted. */
    traverseproc subtype_traverse;
    int subtype_traverse_conflict;

    /* pytypes.c: the traverse functions a helper thread may call without a thread state (filled
     * once by hc_py_threads_prepare; n_safe 0 until then: no type is thread-safe). */
    traverseproc safe_traverse[HC_PY_N_SAFE];
    int n_safe;

    /* pycompat_refs.c, 3.10 only: lookdict, the lookup function of key tables that hold a
     * non-str key (NULL: not found), and whether it was looked for (once, on the GIL holder). */
    void *lookdict310;
    int lookdict310_tried;

    /* pyroots.c, 3.10/3.11: the interned key "_signal" and its hash, to find the _signal module
     * in sys.modules without running Python code (made on first use, kept). */
    PyObject *signal_key;
    Py_hash_t signal_key_hash;

    /* pylabels.c: the interned keys "threading", "_active" and "_name" and their hashes, to
     * read a thread's name from threading._active without running Python code (made on first
     * use, kept). */
    PyObject *threading_key, *active_key, *name_key;
    Py_hash_t threading_hash, active_hash, name_hash;
} hc_py_adapter_state;

/* The one instance (defined in pyroots.c). */
extern hc_py_adapter_state hc_py_state;

#endif
