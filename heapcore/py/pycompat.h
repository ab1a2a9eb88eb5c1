/* heapcore/py/pycompat.h — CPython internals that more than one adapter file reads, behind one
 * accessor each, with the versions each covers.  (Each adapter file keeps the internals only it
 * needs; anything needed twice lives here.) */
#ifndef HEAPCORE_PY_PYCOMPAT_H
#define HEAPCORE_PY_PYCOMPAT_H

#include "pyadapter.h"

/* The rest of the compat layer, each header included by the files that need it:
 * pycompat_state.h (runtime, interpreter and thread-state layout: roots, HEAD_LOCK, a thread's
 * fields, static types' state), pycompat_frames.h (interpreter frames), pycompat_refs.h
 * (object fields: dict key tables, code, instance dicts). */

/* Version tests of the adapter files: the only place PY_VERSION_HEX is read (make
 * check-compat fails on any other). */
#if PY_VERSION_HEX < 0x030A0000 || PY_VERSION_HEX >= 0x030E0000
#error "heapcore supports CPython 3.10 to 3.13"
#endif
#define HC_PY311 (PY_VERSION_HEX >= 0x030B0000)
#define HC_PY312 (PY_VERSION_HEX >= 0x030C0000)
#define HC_PY313 (PY_VERSION_HEX >= 0x030D0000)

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter" /* 3.13's internal headers */
#if HC_PY312
#include "internal/pycore_interp.h"
#include "internal/pycore_typeobject.h"
#endif
#pragma GCC diagnostic pop

#if !HC_PY311
/* 3.10: PyDictKeysObject is private to Objects/dictobject.c (dict-common.h).  Its layout:
 * refcnt, size, lookup function, usable, nentries (sizeof 40 on 64-bit), then dk_size index
 * entries of 1/2/4/8 bytes each, then the {hash, key, value} entries. */
typedef struct {
    Py_hash_t me_hash;
    PyObject *me_key;
    PyObject *me_value;
} hc310_entry;

typedef struct {
    Py_ssize_t dk_refcnt;
    Py_ssize_t dk_size;
    void *dk_lookup;
    Py_ssize_t dk_usable;
    Py_ssize_t dk_nentries;
    char dk_indices[];
} hc310_keys;

/* Width in bytes of one index entry of a 3.10 key table of dk_size s. */
static inline size_t hc310_index_width(Py_ssize_t s)
{
    return s <= 0xff ? 1 : s <= 0xffff ? 2 : (int64_t)s <= 0xffffffffLL ? 4 : 8;
}

static inline hc310_entry *hc310_entries(hc310_keys *k)
{
    return (hc310_entry *)(k->dk_indices + (size_t)k->dk_size * hc310_index_width(k->dk_size));
}
#endif

#if HC_PY313
typedef managed_static_type_state hc_static_state;
#elif HC_PY312
typedef static_builtin_state hc_static_state;
#endif

#if HC_PY312
/* 3.12+: the per-interpreter state (tp_dict, tp_subclasses, …) of static type tp in interp, or
 * NULL (heap types, and static types without such state).  tp_subclasses holds index+1 (a small
 * integer, never a pointer) for these types; an entry is only trusted when its .type is tp.
 * 3.13 also searches the extension types' slots.  Reads only; safe during a walk. */
hc_static_state *hc_py_static_type_state(PyInterpreterState *interp, PyTypeObject *tp);
#endif

/* The interpreter with ID id, looked up for hc_py_snapshot_of_interpreter (pycompat_state.c),
 * from the main interpreter with its GIL held, the interpreter list read under HEAD_LOCK
 * (PyInterpreterState_Delete unlinks and frees under it).  HC_INTERP_DYING: another thread
 * may be destroying it, and entering would crash the host: Py_EndInterpreter has begun
 * (`finalizing`, every version), or, while no thread marks it running (3.12+), one of its
 * thread states is on its way in: a destroy() or run_string() that passed its checks under
 * the main GIL let go of it and waits for the subinterpreter's (its thread state, made or
 * swapped in before, runs no Python code yet: the signs differ between 3.12 and 3.13).
 * Such a destroyer would find our thread state in its list ("Py_EndInterpreter: not the
 * last thread") or free it and the interpreter under us.  Reads only. */
typedef enum { HC_INTERP_FOUND, HC_INTERP_NONE, HC_INTERP_IS_MAIN, HC_INTERP_DYING } hc_interp_lookup;
hc_interp_lookup hc_py_interp_find(long long id, PyInterpreterState **in);

/* Whether the subinterpreter in is marked as running its main program: 3.12+'s
 * _interpreters.destroy() refuses such an interpreter ("interpreter running") instead of
 * tearing it down, which a walk inside it (an extra thread state in it) turns into a fatal
 * error ("Py_EndInterpreter: not the last thread", 3.12) or a crash (3.13).
 * hc_py_interp_mark_running marks it for ts if it is not marked (returns 1: unmark it with
 * hc_py_interp_unmark_running before ts goes), else returns 0 and changes nothing.
 * 3.10/3.11: destroy refuses any interpreter with more than one thread state, which the
 * walk's own thread state already ensures: both do nothing there.  Call with a GIL held
 * that keeps destroy from running (the main one). */
int hc_py_interp_mark_running(PyInterpreterState *in, PyThreadState *ts);
void hc_py_interp_unmark_running(PyInterpreterState *in, PyThreadState *ts);

/* Switch the calling thread from the main interpreter (its thread state current, the GIL
 * held) into a subinterpreter, on sub_ts (a new thread state of it), and back.  3.12+:
 * the main GIL released, the subinterpreter's GIL taken (its own, or the shared one), which
 * waits for a thread running there to pause.  3.10/3.11: every interpreter shares one GIL,
 * and it is kept: the thread states are swapped under it.  (Releasing and taking it again
 * starved: a waiting thread's drop request is sent to its own interpreter, here the
 * subinterpreter, so a busy thread of main never let go of the GIL: the heap() hung.)
 * hc_py_interp_enter returns main's thread state for hc_py_interp_leave, which clears sub_ts,
 * comes back, unmarks `in` if `marked` (hc_py_interp_mark_running) and deletes sub_ts, in
 * an order that gives destroy() no window. */
PyThreadState *hc_py_interp_enter(PyThreadState *sub_ts);
void hc_py_interp_leave(PyThreadState *sub_ts, PyThreadState *mine, PyInterpreterState *in, int marked);

/* Call first in a process forked from a snapshotted one (pyfork.h): HEAD_LOCK, which guards
 * the thread lists, is not taken from then on (a thread the fork did not copy may hold it;
 * the lists are read as the fork left them). */
void hc_py_forked_child(void);

/* Whether the interpreter is being finalized (its modules and objects torn down): no walk
 * then.  3.13: Py_IsFinalizing; before: _Py_IsFinalizing. */
static inline int hc_py_is_finalizing(void)
{
#if HC_PY313
    return Py_IsFinalizing();
#else
    return _Py_IsFinalizing();
#endif
}

/* Whether the calling thread runs in the main interpreter (an allocator hook's question: from
 * 3.12 a subinterpreter with its own GIL allocates concurrently with main).  3.10/3.11: one
 * GIL for all, and no subinterpreter object is ever in main's snapshots, so TRUE is what the
 * hook needs.  The thread state is read without the checks PyThreadState_Get makes. */
static inline int hc_py_on_main_interpreter(void)
{
#if HC_PY313
    PyThreadState *ts = PyThreadState_GetUnchecked();
    return ts && ts->interp == PyInterpreterState_Main();
#elif HC_PY312
    PyThreadState *ts = _PyThreadState_UncheckedGet();
    return ts && ts->interp == PyInterpreterState_Main();
#else
    return 1;
#endif
}

/* The exception being raised, cleared (a new reference), or NULL.  3.12+:
 * PyErr_GetRaisedException; before: PyErr_Fetch, normalized. */
static inline PyObject *hc_py_take_exception(void)
{
#if HC_PY312
    return PyErr_GetRaisedException();
#else
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    Py_XDECREF(t);
    Py_XDECREF(tb);
    return v;
#endif
}

/* All versions: the value of str key `key` (its hash in `hash`) in dict d, into *value
 * (borrowed; NULL if absent), read from the entry arrays directly: no hashing, no allocation,
 * no error set, and no comparison that could run Python code (PyDict_GetItem would call the
 * __eq__ of a colliding key, which may free objects in the middle of a capture).  Returns 0
 * when decided, -1 when a key only Python code could compare with ours (a non-str key, or a
 * str subclass with its own __eq__, whose stored hash equals ours) makes it undecidable:
 * *value is then NULL.  Linear in the dict's entries. */
int hc_py_dict_peek_str(PyObject *d, PyObject *key, Py_hash_t hash, PyObject **value);

#endif
