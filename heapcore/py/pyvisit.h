/* heapcore/py/pyvisit.h — how the adapter's files hand referents over: to the walk (plain
 * callbacks) or, through one and the same enumeration, with their labels (hc_py_label_sink).
 * Private to heapcore/py/. */
#ifndef HEAPCORE_PY_PYVISIT_H
#define HEAPCORE_PY_PYVISIT_H

#include "pycompat.h"
#include "pystate.h"

#define HC_CHAIN_MAX 100000 /* bound for every walk over a data-dependent linked list */

static inline void ref(hc_py_ref_cb cb, void *data, const void *p, unsigned flags)
{
    if (p != NULL)
        cb(data, (uintptr_t)p, flags);
}

/* Labelled references.  The walk's callbacks take no labels; hc_py_virtual_labels and
 * hc_py_iframe_labels pass hc_py_label_sink as the callback and a label_ctx as its data, and
 * then refl hands each referent over with its label.  So one enumeration serves the walk and
 * the labels, and the two cannot drift apart. */
typedef struct label_ctx {
    hc_py_label_cb cb;
    void *data;
    unsigned prefix; /* HC_PY_LBL_GEN / _CORO / _AGEN for a generator's embedded frame */
} label_ctx;

/* The callback that stands for "labels wanted" (pyrefs.c): data is a label_ctx. */
void hc_py_label_sink(void *data, uintptr_t addr, unsigned flags);

static inline void refl(hc_py_ref_cb cb, void *data, const void *p, unsigned kind, uintptr_t arg)
{
    if (p == NULL)
        return;
    if (cb == hc_py_label_sink) {
        label_ctx *lc = data;
        lc->cb(lc->data, (uintptr_t)p, kind | lc->prefix, arg);
    } else {
        cb(data, (uintptr_t)p, 0);
    }
}

/* A receiver of roots (hc_py_roots): root() and hc_py_rootf() report one with its label. */
typedef struct {
    hc_py_root_cb cb;
    void *data;
    int nomem; /* an allocation failed: some roots were not reported */
} root_ctx;

static inline void root(root_ctx *rc, const void *p, const char *label)
{
    if (p != NULL)
        rc->cb(rc->data, (uintptr_t)p, label);
}

/* pyroots.c: root() with a printf label (at most 159 bytes); the name of signal signum
 * ("SIGINT"), or NULL. */
void hc_py_rootf(root_ctx *rc, const void *p, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *hc_py_signal_name(int signum);

#endif
