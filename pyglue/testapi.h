/* pyglue/testapi.h — the test hooks of heapcore._engine, for the test-only extension
 * _enginetest (tests/py/enginetest.c).
 *
 * The engine and the adapter are static libraries linked into _engine; a second extension
 * linking them would have its own copy of every global (the allocation-failure counter, the
 * hidden types, the observer's frames), so a hook set there would not reach _engine.  Instead
 * _engine exports the functions themselves: a capsule HC_TEST_API_CAPSULE holding a const
 * hc_test_api.  The production module has no test hook among its functions. */
#ifndef HEAPCORE_PYGLUE_TESTAPI_H
#define HEAPCORE_PYGLUE_TESTAPI_H

#include <Python.h>
#include <stdint.h>

struct _GString;

#define HC_TEST_API_CAPSULE "heapcore._engine._test_api"
#define HC_TEST_API_VERSION 2

typedef struct hc_test_api {
    unsigned version; /* HC_TEST_API_VERSION */
    /* error.h: fail the nth engine allocation from now on (0: never); returns the number of
     * allocations since the last call.  The engine allocations not yet freed. */
    unsigned long (*alloc_fail_at)(unsigned long nth);
    long (*alloc_live)(void);
    /* pymodel.h: the addresses the walk records as o's edges (a new list, or NULL + exception) */
    PyObject *(*referents)(PyObject *o);
    /* pyadapter.h: obj's referents with their labels, and a label's text */
    void (*labels)(uintptr_t addr, void (*cb)(void *data, uintptr_t target, unsigned kind, uintptr_t arg), void *data);
    void (*label_text)(unsigned kind, uintptr_t arg, struct _GString *out);
    /* pyadapter.h: whether the walk's second pass skips tp's instances; whether its helper
     * thread may record them (threads_prepare first) */
    int (*type_is_leaf)(PyTypeObject *tp);
    void (*threads_prepare)(void);
    int (*type_is_threadsafe)(PyTypeObject *tp);
    /* pyadapter.h: whether byvia labels tp's instances without reading them, and how */
    int (*labels_type_only)(PyTypeObject *tp, unsigned *kind, uintptr_t *arg);
} hc_test_api;

#endif
