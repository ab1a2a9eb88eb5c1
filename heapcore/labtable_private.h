/* heapcore/labtable_private.h — private to the engine: what byvia (via.c) and a capture of
 * stored labels (edgelabels.c) share to read a labeller's output: the interning of labels by
 * (kind, arg) into dense ids, and one node's referents sorted by address. */
#ifndef HEAPCORE_LABTABLE_PRIVATE_H
#define HEAPCORE_LABTABLE_PRIVATE_H

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "heapcore/error.h"

#define HC_LAB_NIL UINT32_MAX

/* ---- label interning: (kind, arg) -> dense label id ------------------------------------ */

typedef struct lab_entry {
    uintptr_t arg;
    uint32_t kind;
    uint32_t id; /* HC_LAB_NIL: empty slot */
} lab_entry;

typedef struct lab_table { /* open addressing; big tables are mapped (error.h) */
    lab_entry *slot;
    size_t mask, n;
    gboolean fail;
} lab_table;

static inline size_t lab_hash(uint32_t kind, uintptr_t arg)
{
    uint64_t h = ((uint64_t)arg ^ ((uint64_t)kind << 56)) * 0x9E3779B97F4A7C15ull;
    return (size_t)(h ^ (h >> 29));
}

static inline gboolean lab_init(lab_table *t)
{
    memset(t, 0, sizeof *t);
    t->mask = 1023;
    t->slot = hc_try_malloc_mapped((t->mask + 1) * sizeof *t->slot);
    if (!t->slot)
        return FALSE;
    for (size_t i = 0; i <= t->mask; i++)
        t->slot[i].id = HC_LAB_NIL;
    return TRUE;
}

static inline void lab_free(lab_table *t)
{
    hc_free(t->slot);
}

static inline gboolean lab_grow(lab_table *t)
{
    size_t cap = (t->mask + 1) * 2;
    lab_entry *s = hc_try_malloc_mapped(cap * sizeof *s);
    if (!s)
        return FALSE;
    for (size_t i = 0; i < cap; i++)
        s[i].id = HC_LAB_NIL;
    for (size_t i = 0; i <= t->mask; i++) {
        lab_entry e = t->slot[i];
        if (e.id == HC_LAB_NIL)
            continue;
        size_t h = lab_hash(e.kind, e.arg) & (cap - 1);
        while (s[h].id != HC_LAB_NIL)
            h = (h + 1) & (cap - 1);
        s[h] = e;
    }
    hc_free(t->slot);
    t->slot = s;
    t->mask = cap - 1;
    return TRUE;
}

static inline uint32_t lab_intern(lab_table *t, uint32_t kind, uintptr_t arg)
{
    size_t h = lab_hash(kind, arg) & t->mask;
    for (;;) {
        lab_entry *e = &t->slot[h];
        if (e->id == HC_LAB_NIL)
            break;
        if (e->kind == kind && e->arg == arg)
            return e->id;
        h = (h + 1) & t->mask;
    }
    if (t->fail || t->n >= HC_LAB_NIL - 1)
        return HC_LAB_NIL;
    if ((t->n + 1) * 2 > t->mask + 1) {
        if (!lab_grow(t)) {
            t->fail = TRUE;
            return HC_LAB_NIL;
        }
        return lab_intern(t, kind, arg);
    }
    uint32_t id = (uint32_t)t->n++;
    t->slot[h] = (lab_entry){arg, kind, id};
    return id;
}

/* ---- a node's referents by address ------------------------------------------------------ */

typedef struct tgt { /* a referent among one node's edges */
    uintptr_t addr;
    uint32_t j;      /* byvia: the member's position in s; capture: the edge's position */
    uint32_t filled; /* capture, in the first entry of an address: how many of its edges are
                      * named (the first ones: they are named in order) */
} tgt;

/* By address, then position (to sort: equal addresses keep the order of their edges). */
static inline int cmp_tgt(const void *a, const void *b)
{
    const tgt *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return x->j < y->j ? -1 : x->j > y->j;
}

/* By address, then position.  Small arrays are sorted by insertion, which keeps equal
 * addresses in the order they were added (most nodes have a few referents of interest; glibc's
 * qsort is a merge sort with copies); qsort past that.  Out of line, as it was while one file
 * held both callers: the code of byvia and of the capture stays what it was measured as. */
static __attribute__((noinline, unused)) void sort_tgt(tgt *t, size_t n)
{
    if (n > 16) {
        qsort(t, n, sizeof *t, cmp_tgt);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        tgt x = t[i];
        size_t k = i;
        for (; k > 0 && t[k - 1].addr > x.addr; k--)
            t[k] = t[k - 1];
        t[k] = x;
    }
}

#endif
