/* heapcore/varint_private.h — private to the engine: LEB128 varints as snapshot files store
 * them (7 bits a byte, low first, at most 10 bytes for 64 bits), read with bounds checks.
 * snapfile.c decodes its sections with it, edgelabels.c a file's edge labels when first used. */
#ifndef HEAPCORE_VARINT_PRIVATE_H
#define HEAPCORE_VARINT_PRIVATE_H

#include <glib.h>
#include <stdint.h>

/* Read one varint at *pp (not past end) into *out and advance *pp; FALSE if it is cut short
 * or does not fit 64 bits. */
static inline gboolean hc_varint_read(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
    const uint8_t *p = *pp;
    if (G_LIKELY(p < end && *p < 0x80)) {
        *out = *p;
        *pp = p + 1;
        return TRUE;
    }
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (p >= end)
            return FALSE;
        uint8_t b = *p++;
        if (shift == 63 && b > 1)
            return FALSE;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            *pp = p;
            return TRUE;
        }
    }
    return FALSE;
}

#endif
