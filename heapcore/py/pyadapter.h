/* heapcore/py/pyadapter.h — private interface between the pieces of the CPython adapter.
 *
 * Only files in heapcore/py/ and pyglue/ include this (it pulls in Python.h and, through
 * Py_BUILD_CORE_MODULE, CPython's internal headers).  The adapter is the engine's "object model"
 * for a live CPython 3.10–3.13 interpreter: roots (pyroots.c), thread states and frames as virtual
 * nodes (pyframes.c), referents that tp_traverse does not report (pyrefs.c), the type tests of the
 * walk (pytypes.c), true sizes (pysize.c), edge labels and string values (pylabels.c), the glue
 * to the generic walk (pymodel.c) and the allocation tracker (pyborn.c); above them, what the
 * Python layer asks for: taking a snapshot (pysnapshot.c) and what the live process answers
 * about one (pylive.c).
 * Every version test of the project lives in the compat layer, heapcore/py/pycompat*.{c,h},
 * spelled HC_PY3xx (pycompat.h, the only reader of the raw version number: make check-compat).
 *
 * Nothing the walk or the labeller runs may create, free, INCREF/DECREF or materialise a Python
 * object, call Python code, or call anything that can (no PyObject_GetAttr, no __dict__
 * getters, no PyUnicode_AsUTF8 on non-ASCII strings: it caches UTF-8 inside the string).
 * Only pysnapshot.c's steps after the
 * walk (the __sizeof__ pass, a subinterpreter's thread state) and the objects pylive.c hands to
 * Python do, and they say so.  The GIL is held throughout.
 */
#ifndef HEAPCORE_PY_PYADAPTER_H
#define HEAPCORE_PY_PYADAPTER_H

#ifndef Py_BUILD_CORE_MODULE
#define Py_BUILD_CORE_MODULE 1
#endif
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#include "heapcore/graph.h" /* HC_ADDR_TAG_MASK */

/* ---- Virtual nodes ----------------------------------------------------------------------
 * Some C structures hold references but are not Python objects: a thread state, an
 * interpreter frame (3.11+ _PyInterpreterFrame, which lives in the thread's data stack or
 * inside a generator).  The walk gives each one a node whose address is the struct's address
 * with a tag in the low 3 bits (the structs are 8-byte aligned, objects are 16-byte aligned,
 * so a tagged address never equals an object address; the engine's HC_ADDR_TAG_MASK, which the
 * tags must fit).  Virtual nodes have size 0 and are
 * never Python objects: they are never resolved to objects and never appear in heap() sets. */
enum {
    HC_PY_VTAG_THREAD = 1, /* PyThreadState *                                           */
    HC_PY_VTAG_FRAME = 2,  /* _PyInterpreterFrame * (3.11+) owned by a thread            */
    HC_PY_VTAG_MASK = HC_ADDR_TAG_MASK
};
#define HC_PY_VTAG(addr) ((unsigned)(HC_PY_VTAG_MASK & (uintptr_t)(addr)))
#define HC_PY_VUNTAG(addr) ((void *)((uintptr_t)(addr) & ~(uintptr_t)HC_PY_VTAG_MASK))

/* Flags on a reported referent. */
enum {
    /* The referent is the __dict__ of the object being expanded (instance dict, module dict,
     * type dict, function dict).  Used to name it "dict of <owner's class>".  It is reported
     * in addition to the plain edge (tp_traverse usually reports the same pointer too); the
     * walk records only the ownership for it, no second edge. */
    HC_PY_REF_DICT_OF = 1u << 0,
};

/* Receives one referent (a PyObject * or a tagged virtual node address, never NULL). */
typedef void (*hc_py_ref_cb)(void *data, uintptr_t addr, unsigned rflags);
/* Edge labels: how an object refers to a referent (for byvia and paths).  A label is a kind and
 * an argument; its text (hc_py_label_text) reads the argument, so labels are turned into text
 * while the objects they came from are still alive (no Python code in between). */
enum {
    HC_PY_LBL_NONE = 0, /* not known: "?"                                   arg unused      */
    HC_PY_LBL_INDEX,    /* [i] of a list or tuple                           arg i           */
    HC_PY_LBL_KEY,      /* ['k'] a dict value                               arg the key     */
    HC_PY_LBL_KEYOF,    /* .keys()[i] a dict key                            arg i           */
    HC_PY_LBL_ATTR,     /* .name, name a str object                         arg the str     */
    HC_PY_LBL_FIELD,    /* .name, name a C string                           arg const char* */
    HC_PY_LBL_LOCAL,    /* .f_locals['name'] a frame's local, cell or free  arg the str     */
    HC_PY_LBL_STACK,    /* .f_valuestack[i] (no Python attribute)           arg i           */
    HC_PY_LBL_MEMBER,   /* list(_)[i] a set member                          arg i           */
    HC_PY_LBL_NOTE,     /* <what> no Python expression reaches it           arg const char* */
    HC_PY_LBL_KINDS,    /* number of base kinds                                             */
    /* prefixes (or'ed in): the label is inside a generator's embedded frame */
    HC_PY_LBL_GEN = 1u << 4,  /* .gi_frame */
    HC_PY_LBL_CORO = 2u << 4, /* .cr_frame */
    HC_PY_LBL_AGEN = 3u << 4, /* .ag_frame */
    HC_PY_LBL_BASE = 15u
};
/* Receives one labelled referent. */
typedef void (*hc_py_label_cb)(void *data, uintptr_t target, unsigned kind, uintptr_t arg);

/* Receives one root: addr is a PyObject * or a tagged virtual node; label is a short
 * human-readable description ("sys.modules", "atexit callback 2", "thread 0x7f.. (main)"),
 * copied by the receiver before the call returns. */
typedef void (*hc_py_root_cb)(void *data, uintptr_t addr, const char *label);

/* ---- pyroots.c, pyframes.c, pyrefs.c, pytypes.c ------------------------------------------ */

/* Report every root of `interp` and of the runtime: every PyObject * field that the
 * interpreter state and the runtime hold strongly (modules, sysdict, builtins, importlib,
 * codec registry, atexit callbacks, audit hooks, signal handlers, warnings filters, gc
 * callbacks and garbage, static builtin types' dicts and subclass lists (3.12+), small ints,
 * singletons, m_copy of single-phase modules, …) and one tagged virtual node per thread
 * state of the interpreter.  Holds HEAD_LOCK while walking the thread list.  Returns -1 when
 * an allocation failed and some roots were not reported (the caller must not trust a result
 * built from them), else 0. */
int hc_py_roots(PyInterpreterState *interp, hc_py_root_cb cb, void *data);

/* Referents of a virtual node (tagged address).  THREAD: every PyObject * field of the thread
 * state (dict, async_exc, exception state and its exc_info chain, context, async-gen hooks,
 * profile/trace objects, 3.13 extras) and its top frame (3.10: the PyFrameObject *; 3.11+: a
 * tagged FRAME node, skipping C-stack shim frames), and below the observer's own frames
 * (hc_py_hide_frames_of) the first frame that is not.  FRAME: f_code/f_executable, f_func(obj),
 * f_globals, f_builtins, f_locals, frame_obj, the locals/cells/frees that are bound, the value
 * stack when it is visible, and the previous thread-owned frame (tagged).  Never creates a
 * frame object. */
void hc_py_virtual_refs(uintptr_t vaddr, hc_py_ref_cb cb, void *data);

/* The referents of a virtual node as hc_py_virtual_refs reports them, each with its label
 * (thread state: .frame, .dict, ...; frame: .f_back, .f_code, .f_locals['x'], ...). */
void hc_py_virtual_labels(uintptr_t vaddr, hc_py_label_cb cb, void *data);

/* hc_py_extra_refs's referents, labelled where it knows the field (code fields, a type's
 * dict/name/shared keys, the __dict__, __class__); HC_PY_LBL_NONE otherwise. */
void hc_py_extra_labels(PyObject *o, PyTypeObject *tp, hc_py_label_cb cb, void *data);

/* 3.11+: the referents of an interpreter frame (a _PyInterpreterFrame *: a generator's
 * embedded frame, or one a frame object owns), labelled, each kind or'ed with prefix.
 * Does nothing on 3.10. */
void hc_py_iframe_labels(void *iframe, unsigned prefix, hc_py_label_cb cb, void *data);

/* Frames running code whose globals are `globals` (a module's dict) are the observer's own:
 * the walk hides them, and what only they reach, and a thread reports its first frame that is
 * not the observer's directly (so the caller's frames stay visible).  Keeps a reference to
 * globals.  0, or -1 + exception. */
int hc_py_hide_frames_of(PyObject *globals);

/* 1 if addr (a tagged FRAME node on 3.11+, or a frame object) runs the observer's code. */
int hc_py_frame_is_own(uintptr_t addr);

/* Static name of a virtual node's kind ("thread state", "interpreter frame"). */
const char *hc_py_virtual_kind(unsigned vtag);

/* Short label for a virtual node, written into buf (always NUL-terminated): a thread
 * "thread 'sampler' (ident 140231...)", "thread 'MainThread' (ident ..., main)", or without a
 * name (not a threading.Thread) "thread (ident ...)"; a frame "frame f() at file.py:12".
 * Reads names without creating objects. */
void hc_py_virtual_label(uintptr_t vaddr, char *buf, size_t len);

/* Name every virtual node of g (hc_py_virtual_label: threads, 3.11+ interpreter frames) and,
 * on 3.10, the frame objects on each thread's stack, in g's node names (hc_graph_node_name),
 * so that they survive the frames' changing (and go into snapshot files).  Right after the
 * walk, with the GIL held and no Python code run since; hidden nodes stay unnamed. */
void hc_py_name_virtuals(hc_graph *g);

/* The name of thread `ident` of interp (threading._active[ident]._name, read without running
 * Python code: exact str and int keys only) into buf, truncated to len - 1 bytes of UTF-8:
 * 1, or 0 if it has none (not started by threading, or anything not as expected). */
int hc_py_thread_name(PyInterpreterState *interp, unsigned long ident, char *buf, size_t len);

/* Call cb for every object in every gc generation of interp, including the permanent one. */
void hc_py_gc_objects(PyInterpreterState *interp, void (*cb)(void *data, PyObject *o), void *data);

/* Referents of `o` that tp_traverse does not report (or that exist on non-gc types): all
 * PyObject * fields of code objects; a type's ht_name, ht_qualname, ht_slots, ht_module,
 * tp_subclasses, the key strings of ht_cached_keys, and (3.12+ static builtin types) the
 * per-interpreter tp_dict and subclasses; the keys of dicts with all-str keys; a 3.13
 * materialised managed dict; the coroutine origin; a running generator's locals; the
 * object's __dict__ with HC_PY_REF_DICT_OF; plus Py_TYPE(o) when tp_traverse will not report
 * it (o is not gc, or its type is not a heap type).  Must be safe on any live object. */
void hc_py_extra_refs(PyObject *o, PyTypeObject *tp, hc_py_ref_cb cb, void *data);

/* The __dict__ of an instance o of tp (the managed dict on 3.11+, else at tp_dictoffset), or
 * NULL if it has none (or its attributes are still held without one).  Reads only. */
PyObject *hc_py_instance_dict(PyObject *o, PyTypeObject *tp);

/* 1 if every instance of tp refers to nothing but tp itself: tp is not gc and none of
 * hc_py_extra_refs's special cases applies (ints, floats, strs, bytes, ...).  The walk then
 * skips these objects in its second pass.  Kept next to hc_py_extra_refs, which it mirrors. */
int hc_py_type_is_leaf(PyTypeObject *tp);

/* 1 if instances of tp or of a base have object members (T_OBJECT / T_OBJECT_EX): a non-gc
 * type's are reported by hc_py_extra_refs, so such a type is no leaf. */
int hc_py_type_has_object_members(PyTypeObject *tp);

/* 1 if hc_py_extra_refs and tp_traverse may run for instances of tp on a thread without a
 * thread state, while the GIL holder (the walk) changes nothing: tp is one of a few core
 * static types whose traverse reads only the object (list, tuple, dict, set, function, ...),
 * or a class statement's type (subtype_traverse) whose base chain ends in one.  Anything else
 * (extension types, structseqs, types, modules, frames, ...) is recorded by the walk's own
 * thread.  hc_py_learn_class tells the adapter subtype_traverse, from a class the observer
 * itself made with a class statement; until then no class counts.  Call
 * hc_py_threads_prepare on the GIL holder before the helper thread starts. */
int hc_py_type_is_threadsafe(PyTypeObject *tp);
void hc_py_learn_class(PyTypeObject *tp);
void hc_py_threads_prepare(void);

/* ---- pylabels.c ---------------------------------------------------------------------- */

/* Every referent the walk records for the live object (or tagged virtual node) at addr, with a
 * label: list/tuple items [i], dict values ['k'] and keys .keys()[i], set members
 * list(_)[i], attributes (managed values, __slots__ and other members) .name, .__dict__,
 * .__class__, function/code/type/module/method/cell/frame/generator/exception fields, frame
 * locals .f_locals['x']; anything else HC_PY_LBL_NONE.  A referent may be reported more than
 * once (under several labels).  Reads only; creates nothing. */
void hc_py_labels(uintptr_t addr, hc_py_label_cb cb, void *data);

/* Whether hc_py_labels reports every instance of tp as referring to its type, under the label
 * (*kind, *arg), and to nothing else under any label (hc_labeller.type_only): the leaf types
 * without object members (str, int, float, bytes, ...). */
int hc_py_labels_type_only(PyTypeObject *tp, unsigned *kind, uintptr_t *arg);

/* Append the text of a label (".a", "[3]", "['key']", ".f_locals['x']", "?") to out.  The
 * argument's object, if any, must still be alive. */
struct _GString;
void hc_py_label_text(unsigned kind, uintptr_t arg, struct _GString *out);

/* Whether instances of the type at type_key (a live type) carry a value: str, bytes,
 * bytearray and their subclasses. */
int hc_py_has_value(uintptr_t type_key);
/* The value of the live object at addr (of such a type): its length (characters for str,
 * bytes otherwise) and its contents given to out in place or in small pieces (UTF-8 for str,
 * lone surrogates as \udxxx): nothing the size of the object is allocated.  Reads only. */
struct hc_value_sink;
void hc_py_value(uintptr_t addr, uint64_t *length, struct hc_value_sink *out);

/* ---- pysize.c ------------------------------------------------------------------------ */

/* How a type's instances are sized; computed once per type by hc_py_size_info_init. */
typedef struct hc_py_size_info {
    uint32_t strategy; /* private to pysize.c */
    uint32_t header;   /* bytes before the object: GC head, 3.11+ pre-header */
    /* 1 when the type's __sizeof__ is neither object.__sizeof__ nor one pysize.c computes in
     * C: the caller then asks the object's own __sizeof__ after the walk (when Python code may
     * run) and adds `header` to it. */
    uint32_t needs_call;
    uint32_t reserved;
} hc_py_size_info;

/* Fill *info for type tp.  No Python code, no object creation, no method-cache update (reads
 * the MRO dicts directly; see pysize.c). */
void hc_py_size_info_init(PyTypeObject *tp, hc_py_size_info *info);

/* True size of o in bytes: what its allocations occupy as CPython requested them (the view of
 * tracemalloc): `header` + what type(o).__sizeof__(o) returns, computed in C, + for 3.11–3.13
 * managed-dict instances the values array (3.11/3.12 separate allocation, 3.13 inline).
 * A heap type's shared-keys table is counted once, on the type.  When info->needs_call is
 * set this returns header + the basic size (tp_basicsize + tp_itemsize*|ob_size|) + the
 * values, the fallback used if the later __sizeof__ call fails. */
uint64_t hc_py_size(PyObject *o, PyTypeObject *tp, const hc_py_size_info *info);

/* The managed-dict values of o (3.11-3.13 instances of classes whose dict is not
 * materialised), which no __sizeof__ counts: for a needs_call type, the caller's size is
 * header + o.__sizeof__() + this, read before any Python code runs. */
uint64_t hc_py_size_values(PyObject *o, PyTypeObject *tp, const hc_py_size_info *info);

/* Call once at module import, with the GIL, before any hc_py_size_info_init: interns the
 * "__sizeof__" key (kept for the life of the process; "__sizeof__" is already interned by
 * CPython, so this normally creates nothing) and records the C functions behind the
 * __sizeof__ of the built-in types pysize.c emulates.  Idempotent.  If it was not called, or
 * failed, every type gets needs_call=1. */
void hc_py_size_global_init(void);

#endif
