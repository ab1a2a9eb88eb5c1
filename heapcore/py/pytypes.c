/* heapcore/py/pytypes.c — which types the walk may treat specially: the leaves (instances
 * refer to nothing but their type) and the types whose referents a helper thread may read
 * without a thread state (an allowlist of traverse functions, and subtype_traverse learned
 * from the observer's own classes).  See thesis-notes/architecture.md, "Which types are
 * thread-safe". */

#include "pycompat_refs.h"
#include "pystate.h"
#include <frameobject.h> /* PyFrame_Type (3.10: not in Python.h) */

/* subtype_traverse, the tp_traverse of every class made by a class statement (file-static in
 * typeobject.c): learned from the observer's own classes (hc_py_state.subtype_traverse). */
void hc_py_learn_class(PyTypeObject *tp)
{
    if (!(tp->tp_flags & Py_TPFLAGS_HEAPTYPE) || !(tp->tp_flags & Py_TPFLAGS_HAVE_GC) ||
        tp->tp_base != &PyBaseObject_Type || tp->tp_traverse == NULL || tp->tp_is_gc != NULL)
        return;
    if (hc_py_state.subtype_traverse == NULL)
        hc_py_state.subtype_traverse = tp->tp_traverse;
    else if (hc_py_state.subtype_traverse != tp->tp_traverse)
        hc_py_state.subtype_traverse_conflict = 1; /* not all made by class statements: trust none */
}

/* Traverse functions that read only the object they are given and call only `visit`, checked
 * on 3.10-3.13 (thesis-notes/architecture.md: a call-graph audit of every traverse function in
 * libpython, and each run on a thread without a thread state).  Not in the list, among
 * others: type_traverse (aborts on static types), structseq_traverse (3.10-3.12 look up the
 * type's dict; 3.12 crashes without a thread state), module_traverse (calls the module
 * definition's m_traverse), capsule_traverse (3.13: the capsule's own function).  Kept in
 * hc_py_state.safe_traverse. */
static void add_safe(PyTypeObject *tp)
{
    int i;
    if (tp == NULL || tp->tp_traverse == NULL || hc_py_state.n_safe == HC_PY_N_SAFE)
        return;
    for (i = 0; i < hc_py_state.n_safe; i++)
        if (hc_py_state.safe_traverse[i] == tp->tp_traverse)
            return;
    hc_py_state.safe_traverse[hc_py_state.n_safe++] = tp->tp_traverse;
}

void hc_py_threads_prepare(void)
{
    hc_py_refs_prepare();
    if (hc_py_state.n_safe)
        return;
    add_safe(&PyList_Type);
    add_safe(&PyTuple_Type);
    add_safe(&PyDict_Type);
    add_safe(&PySet_Type);
    add_safe(&PyFrozenSet_Type);
    add_safe(&PyFunction_Type);
    add_safe(&PyCell_Type);
    add_safe(&PyMethod_Type);
    add_safe(&PyProperty_Type);
    add_safe(&PyClassMethod_Type);
    add_safe(&PyStaticMethod_Type);
    add_safe(&PyCFunction_Type);
    add_safe(&PySlice_Type);
    add_safe(&PyODict_Type);
    add_safe(&PyDictProxy_Type);
    add_safe(&PyMemoryView_Type);
    add_safe(&PyTraceBack_Type);
    add_safe(&_PyWeakref_RefType);
    add_safe(&PySuper_Type);
    add_safe((PyTypeObject *)PyExc_BaseException);
    add_safe((PyTypeObject *)PyExc_OSError);
    add_safe((PyTypeObject *)PyExc_ImportError);
    add_safe((PyTypeObject *)PyExc_SyntaxError);
    add_safe((PyTypeObject *)PyExc_UnicodeEncodeError);
    add_safe((PyTypeObject *)PyExc_AttributeError);
    add_safe((PyTypeObject *)PyExc_NameError);
    add_safe((PyTypeObject *)PyExc_StopIteration);
    add_safe((PyTypeObject *)PyExc_SystemExit);
}

static int safe(traverseproc f)
{
    int i;
    if (f == NULL)
        return 1;
    for (i = 0; i < hc_py_state.n_safe; i++)
        if (hc_py_state.safe_traverse[i] == f)
            return 1;
    return 0;
}

int hc_py_type_is_threadsafe(PyTypeObject *tp)
{
    PyTypeObject *b = tp;
    if (hc_py_state.subtype_traverse_conflict || hc_py_state.n_safe == 0)
        return 0;
    /* Types: type_refs reads the interpreter's static-type state (3.12+).  Code, frames and
     * generators: their referents come from frame layouts the walk's own thread reads. */
    if (PyType_FastSubclass(tp, Py_TPFLAGS_TYPE_SUBCLASS) || tp == &PyCode_Type || tp == &PyFrame_Type ||
        tp == &PyGen_Type || tp == &PyCoro_Type || tp == &PyAsyncGen_Type)
        return 0;
    /* A class statement's type: subtype_traverse reads the slots and the dict, then calls the
     * first base traverse that is not subtype_traverse. */
    for (; b != NULL && hc_py_state.subtype_traverse != NULL && b->tp_traverse == hc_py_state.subtype_traverse;
         b = b->tp_base)
        if (b->tp_is_gc != NULL)
            return 0;
    /* A type made in C (static, or from a spec) may inherit a safe traverse (a dict subclass
     * in an extension: the collector calls the same function on it). */
    return b != NULL && b->tp_is_gc == NULL && safe(b->tp_traverse);
}

int hc_py_type_is_leaf(PyTypeObject *tp)
{
    if (PyType_IS_GC(tp) || tp == &PyCode_Type || tp == &PyCoro_Type || tp == &PyGen_Type || tp == &PyAsyncGen_Type ||
        tp == &PyLongRangeIter_Type)
        return 0;
    if (PyType_FastSubclass(tp, Py_TPFLAGS_TYPE_SUBCLASS | Py_TPFLAGS_DICT_SUBCLASS))
        return 0;
    if (hc_py_type_has_managed_dict(tp) || hc_py_type_has_object_members(tp))
        return 0;
    return tp->tp_dictoffset == 0;
}
