/* heapcore/py/pycompat.c — the shared accessors of pycompat.h that are too big to inline. */
#include "pycompat.h"

#if PY_VERSION_HEX >= 0x030C0000
hc_static_state *hc_py_static_type_state(PyInterpreterState *interp, PyTypeObject *tp)
{
    size_t i, idx;
    if (interp == NULL || tp == NULL || (tp->tp_flags & Py_TPFLAGS_HEAPTYPE))
        return NULL;
    idx = (size_t)(uintptr_t)tp->tp_subclasses;
#if PY_VERSION_HEX >= 0x030D0000
    if (idx >= 1 && idx <= _Py_MAX_MANAGED_STATIC_BUILTIN_TYPES &&
        interp->types.builtins.initialized[idx - 1].type == tp)
        return &interp->types.builtins.initialized[idx - 1];
    if (idx >= 1 && idx <= _Py_MAX_MANAGED_STATIC_EXT_TYPES &&
        interp->types.for_extensions.initialized[idx - 1].type == tp)
        return &interp->types.for_extensions.initialized[idx - 1];
    if (idx > 4096)
        return NULL; /* a real pointer (dict): not a managed static type */
    for (i = 0; i < _Py_MAX_MANAGED_STATIC_BUILTIN_TYPES; i++)
        if (interp->types.builtins.initialized[i].type == tp)
            return &interp->types.builtins.initialized[i];
    for (i = 0; i < _Py_MAX_MANAGED_STATIC_EXT_TYPES; i++)
        if (interp->types.for_extensions.initialized[i].type == tp)
            return &interp->types.for_extensions.initialized[i];
#else
    if (idx >= 1 && idx <= _Py_MAX_STATIC_BUILTIN_TYPES && interp->types.builtins[idx - 1].type == tp)
        return &interp->types.builtins[idx - 1];
    if (idx > 4096)
        return NULL;
    for (i = 0; i < _Py_MAX_STATIC_BUILTIN_TYPES; i++)
        if (interp->types.builtins[i].type == tp)
            return &interp->types.builtins[i];
#endif
    return NULL;
}
#else
typedef int hc_pycompat_empty; /* nothing shared below 3.12 */
#endif
