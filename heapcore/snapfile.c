/* heapcore/snapfile.c — snapshot files (see snapfile.h and thesis-notes/snapshot-file.md).
 *
 * Everything multi-byte is little-endian on disk, written and read with memcpy (a hostile
 * file may put a section at any offset).  Varints are LEB128 (7 bits a byte, at most 10
 * bytes); signed values are zigzag-coded. */
#include "heapcore/snapfile.h"
#include "heapcore/error.h"
#include "heapcore/values.h"
#include "heapcore/edgelabels.h"
#include "graph_private.h"
#include "outfile_private.h"
#include "varint_private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if G_BYTE_ORDER != G_LITTLE_ENDIAN
#error "snapfile.c writes its native byte order, and is only built little-endian"
#endif

#define MAGIC "HCSNAP\r\n"
#define BOM 0x0A0B0C0Du
#define HEADER_SIZE 64
#define ENTRY_SIZE 56 /* u32 kind, u32 0, u64 offset, u64 length, u64 count, SHA-1, 4 x 0 */
#define MAX_SECTIONS 64
#define DIGEST 20 /* SHA-1 */

enum {
    SEC_META = 1,        /* key\0value\0... ; count = pairs                                    */
    SEC_INFO = 2,        /* u32 n, u32 nreal, u64 nedges, u64 lost_edges, u32 sizeof_failures  */
    SEC_STRINGS = 3,     /* NUL-terminated strings, referenced by byte offset                  */
    SEC_TYPES = 4,       /* per type: u64 key, u32 flags, u32 node, u32 name, u32 0            */
    SEC_NODES = 5,       /* per node: varint address delta, type, size, u8 flags, edge count   */
    SEC_EDGES = 6,       /* per edge: varint 0 (the source's type object) or zigzag(t - s) + 1 */
    SEC_ROOTS = 7,       /* per root record: u32 id, u32 label                                 */
    SEC_OWNERS = 8,      /* u64 (dict id << 32 | owner id), ascending                          */
    SEC_NAMES = 9,       /* per named node: u32 id, u32 name                                   */
    SEC_MEMBERS = 10,    /* varint gaps between the set's ascending ids                       */
    SEC_REQUIRED = 10,   /* the sections above are in every file; those below are optional    */
    SEC_LABELS = 11,     /* edge label texts by number: varint length, bytes ; count = texts    */
    SEC_EDGELABELS = 12, /* per edge not to its source's type, in CSR order: varint number  */
    SEC_VALUES = 13,     /* per str/bytes node: varint id gap, varint length, u64 hash, varint
                        kept bytes + 1 (0: redacted), the bytes ; count = values            */
    SEC_LAST = 13
};

static const char *const sec_names[] = {"?",     "META",   "INFO",  "STRINGS", "TYPES",  "NODES",      "EDGES",
                                        "ROOTS", "OWNERS", "NAMES", "MEMBERS", "LABELS", "EDGELABELS", "VALUES"};

static inline uint64_t zz(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}
static inline int64_t unzz(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* ---- writing ------------------------------------------------------------------------------ */

#define WBUF (1u << 20)

#define NWBUF 3 /* buffers: one being filled, the others checksummed and written by the helper */

typedef struct wjob {
    uint8_t *buf;
    size_t len;
    GChecksum *ck;
} wjob;

typedef struct writer {
    FILE *f;
    uint8_t *buf; /* the buffer being filled */
    size_t used;
    uint64_t pos;  /* file offset of buf[0] */
    GChecksum *ck; /* the section being written */
    gint failed;   /* (atomic: the helper sets it) */
    int err;       /* errno of the failure (set before failed) */
    /* The helper thread (NULL: all on this one) checksums and writes full buffers while this
     * thread encodes the next: jobs in `jobs`, buffers back in `done`. */
    GThread *helper;
    GAsyncQueue *jobs, *done;
    uint8_t *bufs[NWBUF];
    int inflight;
    uint8_t table[MAX_SECTIONS * ENTRY_SIZE];
    uint32_t nsec;
    uint64_t sec_start, sec_count;
    uint32_t sec_kind;
} writer;

static void w_out(writer *w, const uint8_t *buf, size_t len, GChecksum *ck)
{
    if (g_atomic_int_get(&w->failed)) /* after a write error the rest is discarded: the file is removed */
        return;
    if (ck)
        g_checksum_update(ck, buf, len);
    if (fwrite(buf, 1, len, w->f) != len) {
        w->err = errno ? errno : EIO;
        g_atomic_int_set(&w->failed, TRUE);
    }
}

static gpointer writer_thread(gpointer data)
{
    writer *w = data;
    for (;;) {
        wjob *j = g_async_queue_pop(w->jobs);
        if (!j->buf) {
            g_free(j);
            return NULL;
        }
        w_out(w, j->buf, j->len, j->ck);
        g_async_queue_push(w->done, j->buf);
        g_free(j);
    }
}

/* Wait until the helper has written every buffer handed to it. */
static void w_sync(writer *w)
{
    for (; w->inflight > 0; w->inflight--) {
        uint8_t *b = g_async_queue_pop(w->done);
        for (int i = 0; i < NWBUF; i++)
            if (!w->bufs[i]) {
                w->bufs[i] = b;
                break;
            }
    }
}

static void w_flush(writer *w)
{
    if (g_atomic_int_get(&w->failed)) {
        w->used = 0;
        return;
    }
    if (!w->used)
        return;
    if (!w->helper) {
        w_out(w, w->buf, w->used, w->ck);
    } else {
        wjob *j = g_new(wjob, 1);
        *j = (wjob){w->buf, w->used, w->ck};
        g_async_queue_push(w->jobs, j);
        w->inflight++;
        w->buf = NULL;
        for (int i = 0; i < NWBUF && !w->buf; i++)
            if (w->bufs[i]) {
                w->buf = w->bufs[i];
                w->bufs[i] = NULL;
            }
        if (!w->buf) { /* all in flight: take the first one back */
            w->buf = g_async_queue_pop(w->done);
            w->inflight--;
        }
    }
    w->pos += w->used;
    w->used = 0;
}

static inline void w_bytes(writer *w, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        if (w->used == WBUF)
            w_flush(w);
        size_t k = MIN(n, WBUF - w->used);
        memcpy(w->buf + w->used, b, k);
        w->used += k;
        b += k;
        n -= k;
    }
}

static inline void w_varint(writer *w, uint64_t v)
{
    if (G_UNLIKELY(w->used + 10 > WBUF))
        w_flush(w);
    uint8_t *p = w->buf + w->used;
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    w->used = (size_t)(p - w->buf);
}

static void w_u32(writer *w, uint32_t v)
{
    w_bytes(w, &v, 4);
}
static void w_u64(writer *w, uint64_t v)
{
    w_bytes(w, &v, 8);
}

static void sec_begin(writer *w, uint32_t kind, uint64_t count)
{
    static const uint8_t zero[8];
    uint64_t at = w->pos + w->used;
    if (at & 7)
        w_bytes(w, zero, 8 - (at & 7)); /* sections start 8-aligned (outside any checksum) */
    w_flush(w);
    w->ck = g_checksum_new(G_CHECKSUM_SHA1);
    w->sec_start = w->pos;
    w->sec_kind = kind;
    w->sec_count = count;
}

static void sec_end(writer *w)
{
    w_flush(w);
    w_sync(w); /* the section's checksum is complete */
    uint8_t *e = w->table + (size_t)w->nsec * ENTRY_SIZE;
    uint64_t len = w->pos - w->sec_start;
    gsize dlen = DIGEST;
    memset(e, 0, ENTRY_SIZE);
    memcpy(e, &w->sec_kind, 4);
    memcpy(e + 8, &w->sec_start, 8);
    memcpy(e + 16, &len, 8);
    memcpy(e + 24, &w->sec_count, 8);
    g_checksum_get_digest(w->ck, e + 32, &dlen);
    g_checksum_free(w->ck);
    w->ck = NULL;
    w->nsec++;
}

/* A string table built while writing: the offset of each string added. */
typedef struct strtab {
    GString *s;
    GHashTable *at;     /* string -> offset + 1 */
    GHashTable *by_ptr; /* the same, by address: a loaded graph's pool names one string many
                           times, and each would be hashed in full */
} strtab;

static uint32_t str_add(strtab *t, const char *s)
{
    if (!s)
        s = "";
    gpointer hit = g_hash_table_lookup(t->by_ptr, s);
    if (hit)
        return GPOINTER_TO_UINT(hit) - 1;
    hit = g_hash_table_lookup(t->at, s);
    if (!hit) {
        uint32_t off = (uint32_t)t->s->len;
        g_string_append_len(t->s, s, (gssize)strlen(s) + 1);
        hit = GUINT_TO_POINTER(off + 1);
        g_hash_table_insert(t->at, g_strdup(s), hit);
    }
    g_hash_table_insert(t->by_ptr, (gpointer)s, hit);
    return GPOINTER_TO_UINT(hit) - 1;
}

static int cmp_first_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void header_digest(const uint8_t *header, const uint8_t *table, uint32_t nsec, uint8_t *out)
{
    uint8_t h[HEADER_SIZE];
    gsize dlen = DIGEST;
    memcpy(h, header, HEADER_SIZE);
    memset(h + 40, 0, DIGEST);
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA1);
    g_checksum_update(ck, h, HEADER_SIZE);
    g_checksum_update(ck, table, (gssize)nsec * ENTRY_SIZE);
    g_checksum_get_digest(ck, out, &dlen);
    g_checksum_free(ck);
}

static void write_sections(writer *w, const hc_graph *g, const uint32_t *members, uint32_t nmembers,
                           const char *const *meta, const hc_edge_labels *labels, const hc_values *values)
{
    uint32_t n = g->n;
    strtab st = {g_string_new(NULL), g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
                 g_hash_table_new(g_direct_hash, g_direct_equal)};
    str_add(&st, "");

    uint64_t npairs = 0;
    for (const char *const *m = meta; m && m[0] && m[1]; m += 2)
        npairs++;
    sec_begin(w, SEC_META, npairs);
    for (const char *const *m = meta; m && m[0] && m[1]; m += 2) {
        w_bytes(w, m[0], strlen(m[0]) + 1);
        w_bytes(w, m[1], strlen(m[1]) + 1);
    }
    sec_end(w);

    sec_begin(w, SEC_INFO, 1);
    w_u32(w, n);
    w_u32(w, g->nreal);
    w_u64(w, hc_graph_edge_at(g, n));
    w_u64(w, g->lost_edges);
    w_u32(w, g->sizeof_failures);
    w_u32(w, 0);
    sec_end(w);

    /* the table parts that name strings are written after STRINGS is complete: collect */
    uint32_t *tname = g_new(uint32_t, g->ntypes ? g->ntypes : 1);
    for (uint32_t t = 0; t < g->ntypes; t++)
        tname[t] = str_add(&st, g->types[t].name);
    uint32_t *rlabel = g_new(uint32_t, g->nroots ? g->nroots : 1);
    for (uint32_t r = 0; r < g->nroots; r++)
        rlabel[r] = str_add(&st, hc_graph_root_label(g, r));
    GArray *named = g_array_new(FALSE, FALSE, sizeof(uint32_t) * 2);
    if (g->names) {
        GHashTableIter it;
        gpointer k, v;
        g_hash_table_iter_init(&it, g->names);
        while (g_hash_table_iter_next(&it, &k, &v)) {
            uint32_t pair[2] = {GPOINTER_TO_UINT(k), str_add(&st, v)};
            g_array_append_val(named, pair);
        }
        g_array_sort(named, cmp_first_u32);
    }
    for (uint32_t i = 0; i < g->npnames; i++) { /* a loaded graph's (already in id order) */
        uint32_t pair[2] = {(uint32_t)(g->pnames[i] >> 32), str_add(&st, g->pool + (uint32_t)g->pnames[i])};
        g_array_append_val(named, pair);
    }
    sec_begin(w, SEC_STRINGS, st.s->len);
    w_bytes(w, st.s->str, st.s->len);
    sec_end(w);

    sec_begin(w, SEC_TYPES, g->ntypes);
    for (uint32_t t = 0; t < g->ntypes; t++) {
        w_u64(w, g->types[t].key);
        w_u32(w, g->types[t].flags);
        w_u32(w, g->types[t].node);
        w_u32(w, tname[t]);
        w_u32(w, 0);
    }
    sec_end(w);

    sec_begin(w, SEC_NODES, n);
    uintptr_t prev = 0;
    for (uint32_t i = 0; i < n && !g_atomic_int_get(&w->failed); i++) {
        int64_t d = (int64_t)(g->addr[i] - prev);
        prev = g->addr[i];
        w_varint(w, (d & 15) == 0 ? zz(d / 16) << 1 : (zz(d) << 1) | 1);
        w_varint(w, g->type[i]);
        w_varint(w, hc_graph_size_fast(g, i));
        uint8_t f = g->flags[i];
        w_bytes(w, &f, 1);
        w_varint(w, hc_graph_edge_at(g, i + 1) - hc_graph_edge_at(g, i));
    }
    sec_end(w);

    sec_begin(w, SEC_EDGES, hc_graph_edge_at(g, n));
    for (uint32_t i = 0; i < n && !g_atomic_int_get(&w->failed); i++) {
        uint32_t ne, tnode = g->types[g->type[i]].node;
        const uint32_t *e = hc_graph_edges(g, i, &ne);
        for (uint32_t k = 0; k < ne; k++)
            w_varint(w, e[k] == tnode ? 0 : zz((int64_t)e[k] - (int64_t)i) + 1);
    }
    sec_end(w);

    sec_begin(w, SEC_ROOTS, g->nroots);
    for (uint32_t r = 0; r < g->nroots; r++) {
        w_u32(w, g->roots[r].id);
        w_u32(w, rlabel[r]);
    }
    sec_end(w);

    sec_begin(w, SEC_OWNERS, g->nowners);
    w_bytes(w, g->owners, (size_t)g->nowners * sizeof *g->owners);
    sec_end(w);

    sec_begin(w, SEC_NAMES, named->len);
    w_bytes(w, named->data, (size_t)named->len * 8);
    sec_end(w);

    sec_begin(w, SEC_MEMBERS, nmembers);
    uint32_t expect = 0;
    for (uint32_t k = 0; k < nmembers; k++) {
        w_varint(w, members[k] - expect);
        expect = members[k] + 1;
    }
    sec_end(w);

    if (labels) {
        uint32_t nt = hc_edge_labels_ntexts(labels);
        sec_begin(w, SEC_LABELS, nt);
        for (uint32_t i = 0; i < nt; i++) {
            const char *t = hc_edge_labels_text(labels, i);
            size_t len = strlen(t);
            w_varint(w, len);
            w_bytes(w, t, len);
        }
        sec_end(w);
        const uint32_t *lab = hc_edge_labels_edges(labels);
        uint64_t count = 0, k = 0;
        sec_begin(w, SEC_EDGELABELS, 0);
        for (uint32_t i = 0; i < n && !g_atomic_int_get(&w->failed); i++) {
            uint32_t ne, tnode = g->types[g->type[i]].node;
            const uint32_t *e = hc_graph_edges(g, i, &ne);
            for (uint32_t j = 0; j < ne; j++, k++)
                if (e[j] != tnode) {
                    w_varint(w, lab[k]);
                    count++;
                }
        }
        w->sec_count = count; /* known once written: the table entry is made at sec_end */
        sec_end(w);
    }
    if (values) {
        uint32_t nv = hc_values_count(values), prev = 0;
        sec_begin(w, SEC_VALUES, nv);
        for (uint32_t i = 0; i < nv && !g_atomic_int_get(&w->failed); i++) {
            uint32_t id;
            uint64_t length, hash;
            const char *c;
            size_t nb;
            hc_values_get(values, i, &id, &length, &hash, &c, &nb);
            w_varint(w, id - prev);
            prev = id;
            w_varint(w, length);
            w_u64(w, hash);
            w_varint(w, c ? nb + 1 : 0);
            if (c)
                w_bytes(w, c, nb);
        }
        sec_end(w);
    }

    g_array_free(named, TRUE);
    g_free(tname);
    g_free(rlabel);
    g_string_free(st.s, TRUE);
    g_hash_table_destroy(st.at);
    g_hash_table_destroy(st.by_ptr);
}

gboolean hc_snapfile_write(const hc_graph *g, const uint32_t *members, uint32_t nmembers, const char *const *meta,
                           const hc_edge_labels *labels, const hc_values *values, const char *path, GError **error)
{
    for (uint32_t k = 0; k < nmembers; k++)
        if (members[k] >= g->n || (k && members[k] <= members[k - 1])) {
            g_set_error(error, HC_ERROR, HC_ERROR_INVALID, "members must be ascending node ids");
            return FALSE;
        }
    writer *w = g_try_new0(writer, 1);
    uint8_t *buf = w ? hc_try_malloc(WBUF) : NULL;
    if (!buf) {
        hc_free(buf);
        g_free(w);
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory writing a snapshot file");
        return FALSE;
    }
    hc_outfile out;
    if (!hc_outfile_open(&out, path, HC_OUTFILE_SEEKS, error)) {
        hc_free(buf);
        g_free(w);
        return FALSE;
    }
    FILE *f = out.f;
    w->f = f;
    w->buf = buf;
    /* the helper for big graphs (its spare buffers allocated first; without them, no helper) */
    if (g->n >= 65536) {
        int spare = 0;
        for (; spare < NWBUF - 1 && (w->bufs[spare] = hc_try_malloc(WBUF)) != NULL; spare++)
            ;
        w->jobs = g_async_queue_new();
        w->done = g_async_queue_new();
        if (spare == NWBUF - 1)
            w->helper = g_thread_try_new("heapcore-write", writer_thread, w, NULL);
    }
    uint8_t header[HEADER_SIZE] = {0};
    /* header and table first as placeholders, rewritten at the end */
    w_bytes(w, header, HEADER_SIZE);
    w_bytes(w, w->table, (size_t)(SEC_REQUIRED + (labels ? 2 : 0) + (values ? 1 : 0)) * ENTRY_SIZE);
    write_sections(w, g, members, nmembers, meta, labels, values);
    w_flush(w);
    w_sync(w);
    if (w->helper) {
        g_async_queue_push(w->jobs, g_new0(wjob, 1)); /* no buffer: stop */
        g_thread_join(w->helper);
    }
    for (int i = 0; i < NWBUF; i++)
        hc_free(w->bufs[i]);
    if (w->jobs) {
        g_async_queue_unref(w->jobs);
        g_async_queue_unref(w->done);
    }

    uint32_t bom = BOM, version = HC_SNAPFILE_VERSION, psize = (uint32_t)sizeof(void *);
    uint64_t created = (uint64_t)g_get_real_time(), pid = (uint64_t)getpid();
    memcpy(header, MAGIC, 8);
    memcpy(header + 8, &bom, 4);
    memcpy(header + 12, &version, 4);
    memcpy(header + 16, &psize, 4);
    memcpy(header + 20, &w->nsec, 4);
    memcpy(header + 24, &created, 8);
    memcpy(header + 32, &pid, 8);
    header_digest(header, w->table, w->nsec, header + 40);
    gboolean ok = !g_atomic_int_get(&w->failed);
    int err = w->err;
    if (ok && (fseek(f, 0, SEEK_SET) != 0 || fwrite(header, 1, HEADER_SIZE, f) != HEADER_SIZE ||
               fwrite(w->table, 1, (size_t)w->nsec * ENTRY_SIZE, f) != (size_t)w->nsec * ENTRY_SIZE)) {
        ok = FALSE;
        err = errno;
    }
    ok = hc_outfile_close(&out, ok, err, error);
    hc_free(w->buf);
    g_free(w);
    return ok;
}

/* ---- reading ------------------------------------------------------------------------------ */

typedef struct section {
    const uint8_t *p;
    uint64_t len, count;
    gboolean present;
    const uint8_t *digest; /* its SHA-1 in the section table */
} section;

/* The first section (in kind order) whose SHA-1 differs from the table's, or 0. */
static int first_bad_section(const section *secs)
{
    for (int k = 1; k <= SEC_LAST; k++) {
        if (!secs[k].present)
            continue;
        uint8_t got[DIGEST];
        gsize dlen = DIGEST;
        GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA1);
        g_checksum_update(ck, secs[k].p, (gssize)secs[k].len);
        g_checksum_get_digest(ck, got, &dlen);
        g_checksum_free(ck);
        if (memcmp(got, secs[k].digest, DIGEST) != 0)
            return k;
    }
    return 0;
}

static gpointer checksum_thread(gpointer data)
{
    return GINT_TO_POINTER(first_bad_section(data));
}

static gboolean bad(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static gboolean bad(GError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, HC_ERROR, HC_ERROR_FORMAT, "not a valid heapcore snapshot file: %s", msg);
    g_free(msg);
    return FALSE;
}

static inline uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* A string of the STRINGS section at off, or NULL if off is out of range or unterminated. */
/* The string at offset off of STRINGS (checked NUL-terminated and UTF-8 by check_strings),
 * in g's pool; NULL if off is out of range or in the middle of a character. */
static const char *str_at(const hc_graph *g, uint32_t off)
{
    if (off >= g->pool_len || ((unsigned char)g->pool[off] & 0xC0) == 0x80)
        return NULL;
    return g->pool + off;
}

/* Whether every NUL-separated string of len bytes at p (p[len - 1] == 0) is UTF-8: text a
 * file names is checked once, at load, so that nothing later can fail to decode it. */
static gboolean all_utf8(const uint8_t *p, size_t len, size_t *bad_at)
{
    const uint8_t *end = p + len, *s = p;
    while (s < end) {
        const uint8_t *z = memchr(s, 0, (size_t)(end - s));
        size_t n = z ? (size_t)(z - s) : (size_t)(end - s);
        if (!g_utf8_validate((const char *)s, (gssize)n, NULL)) {
            *bad_at = (size_t)(s - p);
            return FALSE;
        }
        s += n + 1;
    }
    return TRUE;
}

static gboolean read_header(const uint8_t *data, size_t len, section *secs, uint32_t *version_out, GError **error)
{
    if (len < HEADER_SIZE)
        return bad(error, "%zu bytes, shorter than the %d-byte header (truncated?)", len, HEADER_SIZE);
    if (memcmp(data, MAGIC, 8) != 0)
        return bad(error, "wrong magic number (not a snapshot file, or mangled as text)");
    uint32_t bom = rd32(data + 8), version = rd32(data + 12), psize = rd32(data + 16), nsec = rd32(data + 20);
    if (bom == GUINT32_SWAP_LE_BE(BOM))
        return bad(error, "written with the other byte order (big-endian); this machine is little-endian");
    if (bom != BOM)
        return bad(error, "corrupt byte-order mark");
    if (version < 1 || version > HC_SNAPFILE_VERSION)
        return bad(error, "format version %u; this heapcore reads versions 1 to %d", version, HC_SNAPFILE_VERSION);
    *version_out = version;
    if (psize != sizeof(void *))
        return bad(error, "written with %u-byte pointers; this machine has %zu", psize, sizeof(void *));
    if (nsec > MAX_SECTIONS)
        return bad(error, "%u sections (at most %d)", nsec, MAX_SECTIONS);
    if ((uint64_t)HEADER_SIZE + (uint64_t)nsec * ENTRY_SIZE > len)
        return bad(error, "the section table runs past the end of the file (truncated?)");
    const uint8_t *table = data + HEADER_SIZE;
    uint8_t want[DIGEST];
    header_digest(data, table, nsec, want);
    if (memcmp(want, data + 40, DIGEST) != 0)
        return bad(error, "header checksum mismatch (corrupt header or section table)");
    for (uint32_t i = 0; i < nsec; i++) {
        const uint8_t *e = table + (size_t)i * ENTRY_SIZE;
        uint32_t kind = rd32(e);
        uint64_t off = rd64(e + 8), slen = rd64(e + 16), count = rd64(e + 24);
        if (kind == 0 || kind > SEC_LAST)
            continue; /* a later version's section: not needed to read this one */
        if (secs[kind].present)
            return bad(error, "section %s appears twice", sec_names[kind]);
        if (off > len || slen > len - off)
            return bad(error, "section %s runs past the end of the file (truncated?)", sec_names[kind]);
        secs[kind] = (section){data + off, slen, count, TRUE, e + 32};
    }
    for (int k = 1; k <= SEC_REQUIRED; k++)
        if (!secs[k].present)
            return bad(error, "section %s is missing", sec_names[k]);
    if (secs[SEC_LABELS].present != secs[SEC_EDGELABELS].present)
        return bad(error, "section %s is missing", sec_names[secs[SEC_LABELS].present ? SEC_EDGELABELS : SEC_LABELS]);
    return TRUE;
}

static char **read_meta(const section *s, GError **error)
{
    if (s->count > s->len / 2)
        return bad(error, "META: %" G_GUINT64_FORMAT " entries in %" G_GUINT64_FORMAT " bytes", s->count, s->len), NULL;
    char **v = g_try_new0(char *, s->count * 2 + 1);
    if (!v)
        return g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory reading META"), NULL;
    const uint8_t *p = s->p, *end = s->p + s->len;
    for (uint64_t i = 0; i < s->count * 2; i++) {
        const uint8_t *z = memchr(p, 0, (size_t)(end - p));
        if (!z) {
            g_strfreev(v);
            return bad(error, "META: an unterminated string"), NULL;
        }
        if (!g_utf8_validate((const char *)p, z - p, NULL)) {
            g_strfreev(v);
            return bad(error, "META: string %" G_GUINT64_FORMAT " is not UTF-8", i), NULL;
        }
        if (!(v[i] = g_try_malloc((gsize)(z - p) + 1))) {
            g_strfreev(v);
            return g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory reading META"), NULL;
        }
        memcpy(v[i], p, (size_t)(z - p) + 1);
        p = z + 1;
    }
    return v;
}

static gboolean read_graph(hc_graph *g, section *secs, GError **error)
{
    const section *info = &secs[SEC_INFO], *strs = &secs[SEC_STRINGS], *types = &secs[SEC_TYPES];
    const section *nodes = &secs[SEC_NODES], *edges = &secs[SEC_EDGES], *roots = &secs[SEC_ROOTS];
    const section *owners = &secs[SEC_OWNERS], *names = &secs[SEC_NAMES];
    if (info->len < 32)
        return bad(error, "INFO: %" G_GUINT64_FORMAT " bytes", info->len);
    uint32_t n = rd32(info->p), nreal = rd32(info->p + 4);
    uint64_t nedges = rd64(info->p + 8);
    /* every node takes at least 5 bytes and every edge 1: counts cannot outgrow the file */
    if (n != nodes->count || n > nodes->len / 5 || n >= UINT32_MAX - 1 || nreal > n)
        return bad(error, "NODES: %u nodes (%u real) in %" G_GUINT64_FORMAT " bytes", n, nreal, nodes->len);
    if (nedges != edges->count || nedges > edges->len)
        return bad(error, "EDGES: %" G_GUINT64_FORMAT " edges in %" G_GUINT64_FORMAT " bytes", nedges, edges->len);
    if (types->count > types->len / 24 || types->count >= UINT32_MAX)
        return bad(error, "TYPES: %" G_GUINT64_FORMAT " types in %" G_GUINT64_FORMAT " bytes", types->count,
                   types->len);
    if (roots->count > roots->len / 8 || owners->count > owners->len / 8 || names->count > names->len / 8)
        return bad(error, "ROOTS, OWNERS or NAMES: more entries than bytes allow");
    if (strs->len == 0 || strs->p[strs->len - 1] != 0)
        return bad(error, "STRINGS: not NUL-terminated");
    size_t bad_at;
    if (!all_utf8(strs->p, strs->len, &bad_at))
        return bad(error, "STRINGS: the text at offset %zu is not UTF-8", bad_at);
    if (!(g->pool = hc_try_malloc(strs->len))) {
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory reading a snapshot file");
        return FALSE;
    }
    memcpy(g->pool, strs->p, strs->len);
    g->pool_len = strs->len;
    g->lost_edges = rd64(info->p + 16);
    g->sizeof_failures = rd32(info->p + 24);
    g->loaded = TRUE;

    uint32_t ntypes = (uint32_t)types->count;
    g->types = hc_try_calloc(ntypes ? ntypes : 1, sizeof *g->types);
    g->addr = hc_try_malloc_mapped((size_t)(n ? n : 1) * sizeof *g->addr);
    g->type = hc_try_malloc_mapped((size_t)(n ? n : 1) * sizeof *g->type);
    g->size = hc_try_malloc_mapped((size_t)(n ? n : 1) * sizeof *g->size);
    g->flags = hc_try_malloc_mapped((size_t)(n ? n : 1));
    g->offsets = hc_try_malloc_mapped(((size_t)n + 1) * sizeof *g->offsets);
    g->obase = hc_try_malloc(((size_t)n / HC_OBASE_SPAN + 1) * sizeof *g->obase);
    g->edges = hc_try_malloc_mapped((size_t)(nedges ? nedges : 1) * sizeof *g->edges);
    g->roots = hc_try_malloc((size_t)(roots->count ? roots->count : 1) * sizeof *g->roots);
    g->owners = hc_try_malloc((size_t)(owners->count ? owners->count : 1) * sizeof *g->owners);
    if (!g->types || !g->addr || !g->type || !g->size || !g->flags || !g->offsets || !g->obase || !g->edges ||
        !g->roots || !g->owners) {
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory reading a snapshot file");
        return FALSE;
    }
    g->ntypes = ntypes;
    g->n = n;
    g->nreal = nreal;
    for (uint32_t t = 0; t < ntypes; t++) {
        const uint8_t *e = types->p + (size_t)t * 24;
        const char *name = str_at(g, rd32(e + 16));
        uint32_t node = rd32(e + 12);
        if (!name)
            return bad(error, "TYPES: type %u's name is out of range", t);
        if (node != HC_NONE && node >= n)
            return bad(error, "TYPES: type %u's node %u is out of range", t, node);
        g->types[t].key = (uintptr_t)rd64(e);
        g->types[t].flags = rd32(e + 8) & ~(uint32_t)(HC_TYPE_HIDDEN | HC_TYPE_SOMEHIDDEN | HC_TYPE_SIZECALL);
        g->types[t].node = node;
        g->types[t].name = (char *)name; /* in the pool */
    }

    const uint8_t *p = nodes->p, *end = nodes->p + nodes->len;
    uintptr_t addr = 0;
    uint64_t at = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t code, type, size, count;
        if (!hc_varint_read(&p, end, &code) || !hc_varint_read(&p, end, &type) || !hc_varint_read(&p, end, &size) ||
            p >= end)
            return bad(error, "NODES: node %u is cut short", i);
        uint8_t flags = *p++;
        if (!hc_varint_read(&p, end, &count))
            return bad(error, "NODES: node %u is cut short", i);
        int64_t d = code & 1 ? unzz(code >> 1) : (int64_t)((uint64_t)unzz(code >> 1) * 16);
        addr += (uintptr_t)d;
        if (type >= ntypes)
            return bad(error, "NODES: node %u has type %" G_GUINT64_FORMAT " of %u", i, type, ntypes);
        if (count > nedges - at)
            return bad(error, "NODES: edge counts add up past the %" G_GUINT64_FORMAT " edges", nedges);
        if (count > UINT32_MAX)
            return bad(error, "NODES: 2^32 edges or more among 2^16 consecutive nodes");
        g->offsets[i + 1] = (uint32_t)count; /* made offsets below */
        at += count;
        g->addr[i] = addr;
        g->type[i] = (uint32_t)type;
        g->flags[i] = flags & (uint8_t)~HC_NODE_SIZECALL;
        g->size[i] = 0;
        if (size < HC_SIZE_BIG)
            g->size[i] = (uint32_t)size;
        else if (!hc_graph_set_size(g, i, size, error))
            return FALSE;
    }
    if (at != nedges)
        return bad(error, "NODES: edge counts add up to %" G_GUINT64_FORMAT ", not %" G_GUINT64_FORMAT, at, nedges);
    if (hc_graph_offsets_from_counts(g, n) == UINT64_MAX)
        return bad(error, "NODES: 2^32 edges or more among 2^16 consecutive nodes");

    p = edges->p;
    end = edges->p + edges->len;
    uint64_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t stop = hc_graph_edge_at(g, i + 1);
        uint32_t tnode = g->types[g->type[i]].node;
        for (; k < stop; k++) {
            uint64_t code;
            if (!hc_varint_read(&p, end, &code))
                return bad(error, "EDGES: cut short at edge %" G_GUINT64_FORMAT, k);
            int64_t t;
            if (code == 0) {
                if (tnode == HC_NONE)
                    return bad(error, "EDGES: node %u refers to its type, which has no node", i);
                t = tnode;
            } else {
                t = (int64_t)i + unzz(code - 1);
            }
            if (t < 0 || t >= (int64_t)n)
                return bad(error, "EDGES: node %u has an edge out of range", i);
            g->edges[k] = (uint32_t)t;
        }
    }

    g->nroots = (uint32_t)roots->count;
    for (uint32_t r = 0; r < g->nroots; r++) {
        uint32_t id = rd32(roots->p + (size_t)r * 8);
        const char *label = str_at(g, rd32(roots->p + (size_t)r * 8 + 4));
        if (id >= n || !label)
            return bad(error, "ROOTS: record %u is out of range", r);
        g->roots[r].id = id;
        g->roots[r].label = (uint32_t)(label - g->pool);
    }
    g->nowners = (uint32_t)owners->count;
    for (uint32_t o = 0; o < g->nowners; o++) {
        uint64_t pair = rd64(owners->p + (size_t)o * 8);
        if ((pair >> 32) >= n || (uint32_t)pair >= n || (o && pair <= g->owners[o - 1]))
            return bad(error, "OWNERS: pair %u is out of range or out of order", o);
        g->owners[o] = pair;
    }
    uint64_t *pn = names->count ? hc_try_malloc((size_t)names->count * sizeof *pn) : NULL;
    if (names->count && !pn) {
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory reading a snapshot file");
        return FALSE;
    }
    for (uint64_t i = 0; i < names->count; i++) {
        uint32_t id = rd32(names->p + i * 8);
        const char *name = str_at(g, rd32(names->p + i * 8 + 4));
        if (id >= n || !name) {
            hc_free(pn);
            return bad(error, "NAMES: entry %" G_GUINT64_FORMAT " is out of range", i);
        }
        pn[i] = (uint64_t)id << 32 | (uint32_t)(name - g->pool);
    }
    if (pn)
        hc_graph_set_pooled_names(g, pn, (uint32_t)names->count);
    GError *why = NULL;
    if (!hc_graph_validate(g, &why)) {
        bad(error, "%s", why->message);
        g_error_free(why);
        return FALSE;
    }
    return TRUE;
}

/* LABELS and EDGELABELS, if present: attached to g (the edge numbers are decoded on first
 * use; hc_edge_labels_ready checks them then). */
static gboolean read_labels(hc_graph *g, const section *secs, uint32_t version, GError **error)
{
    const section *ls = &secs[SEC_LABELS], *es = &secs[SEC_EDGELABELS];
    if (!ls->present)
        return TRUE;
    if (ls->count < (version >= 2 ? HC_LABEL_RESERVED : 2) || ls->count > ls->len || ls->count >= UINT32_MAX)
        return bad(error, "LABELS: %" G_GUINT64_FORMAT " texts in %" G_GUINT64_FORMAT " bytes", ls->count, ls->len);
    /* (that they match the edges one for one is checked when they are decoded, on first use:
     * a pass over the edges here would cost the load 5 %) */
    uint64_t nedges = hc_graph_edge_at(g, g->n);
    if (es->count > nedges || es->count > es->len)
        return bad(error, "EDGELABELS: %" G_GUINT64_FORMAT " labels for %" G_GUINT64_FORMAT " edges", es->count,
                   nedges);
    /* the texts in one arena: each takes its bytes and a NUL, at most what its varint
     * length and bytes take in the file, so the arena is no bigger than the section */
    uint32_t nt = (uint32_t)ls->count;
    char **texts = hc_try_malloc((size_t)nt * sizeof *texts);
    char *arena = texts ? hc_try_malloc(ls->len + 1) : NULL;
    if (!arena) {
        hc_free(texts);
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory reading LABELS");
        return FALSE;
    }
    const uint8_t *p = ls->p, *end = ls->p + ls->len;
    size_t at = 0;
    for (uint32_t i = 0; i < nt; i++) {
        uint64_t len;
        gboolean cut = !hc_varint_read(&p, end, &len) || len > (uint64_t)(end - p);
        if (cut || memchr(p, 0, (size_t)len) || !g_utf8_validate((const char *)p, (gssize)len, NULL)) {
            hc_free(texts);
            hc_free(arena);
            return bad(error, cut ? "LABELS: text %u is cut short" : "LABELS: text %u is not UTF-8 text", i);
        }
        texts[i] = arena + at;
        memcpy(arena + at, p, (size_t)len);
        at += (size_t)len;
        arena[at++] = 0;
        p += len;
    }
    hc_edge_labels *L = hc_edge_labels_new_encoded(texts, arena, nt, es->p, es->len, version < 2);
    if (!L) {
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory reading LABELS");
        return FALSE;
    }
    hc_graph_attach(g, HC_ATTACH_LABELS, L, (GDestroyNotify)hc_edge_labels_free);
    return TRUE;
}

/* VALUES, if present: attached to g. */
static gboolean read_values(hc_graph *g, const section *s, GError **error)
{
    if (!s->present)
        return TRUE;
    if (s->count > s->len / 11 || s->count > g->n) /* each takes at least 11 bytes */
        return bad(error, "VALUES: %" G_GUINT64_FORMAT " values in %" G_GUINT64_FORMAT " bytes", s->count, s->len);
    hc_values *v = hc_values_new_sized((uint32_t)s->count);
    if (!v) {
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory reading VALUES");
        return FALSE;
    }
    const uint8_t *p = s->p, *end = s->p + s->len;
    uint64_t id = 0;
    for (uint64_t i = 0; i < s->count; i++) {
        uint64_t gap, length, kept;
        if (!hc_varint_read(&p, end, &gap) || !hc_varint_read(&p, end, &length) || end - p < 8) {
            hc_values_free(v);
            return bad(error, "VALUES: value %" G_GUINT64_FORMAT " is cut short", i);
        }
        uint64_t hash = rd64(p);
        p += 8;
        id += gap;
        if (!hc_varint_read(&p, end, &kept) || (kept && kept - 1 > (uint64_t)(end - p)) || id >= g->nreal ||
            (i && gap == 0) || kept > (uint64_t)HC_VALUE_KEEP_MAX + 1) {
            hc_values_free(v);
            return bad(error, "VALUES: value %" G_GUINT64_FORMAT " is out of range", i);
        }
        if (!hc_values_add(v, (uint32_t)id, length, hash, kept ? p : NULL, kept ? kept - 1 : 0)) {
            hc_values_free(v);
            g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory reading VALUES");
            return FALSE;
        }
        p += kept ? kept - 1 : 0;
    }
    hc_graph_attach(g, HC_ATTACH_VALUES, v, (GDestroyNotify)hc_values_free);
    return TRUE;
}

static uint32_t *read_members(const section *s, uint32_t n, uint32_t *count, GError **error)
{
    if (s->count > s->len || s->count > n)
        return bad(error, "MEMBERS: %" G_GUINT64_FORMAT " members", s->count), NULL;
    uint32_t *m = hc_try_malloc((size_t)(s->count ? s->count : 1) * sizeof *m);
    if (!m) {
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory reading a snapshot file");
        return NULL;
    }
    const uint8_t *p = s->p, *end = s->p + s->len;
    uint64_t expect = 0;
    for (uint64_t k = 0; k < s->count; k++) {
        uint64_t gap;
        if (!hc_varint_read(&p, end, &gap) || gap >= n || expect + gap >= n) {
            hc_free(m);
            return bad(error, "MEMBERS: member %" G_GUINT64_FORMAT " is out of range", k), NULL;
        }
        m[k] = (uint32_t)(expect + gap);
        expect = m[k] + 1;
    }
    *count = (uint32_t)s->count;
    return m;
}

hc_graph *hc_snapfile_read_buffer(const uint8_t *data, size_t len, uint32_t **members, uint32_t *nmembers, char ***meta,
                                  GError **error)
{
    section secs[SEC_LAST + 1];
    memset(secs, 0, sizeof secs);
    uint32_t version = 0;
    if (!read_header(data, len, secs, &version, error))
        return NULL;
    /* The sections' checksums are verified on a helper thread while this one decodes (the
     * decoder checks everything it reads, so decoding unverified bytes is safe); a checksum
     * mismatch is reported in place of whatever the decoder made of the bytes. */
    GThread *ck = len >= ((size_t)1 << 20) ? g_thread_try_new("heapcore-sha1", checksum_thread, secs, NULL) : NULL;
    int bad_sec = ck ? 0 : first_bad_section(secs);
    GError *why = NULL;
    char **m = NULL;
    hc_graph *g = NULL;
    uint32_t nm = 0, *mem = NULL;
    if (!bad_sec && (m = read_meta(&secs[SEC_META], &why)) != NULL) {
        if (!(g = hc_graph_alloc()))
            g_set_error(&why, HC_ERROR, HC_ERROR_NOMEM, "out of memory reading a snapshot file");
        else if (!read_graph(g, secs, &why) || !read_labels(g, secs, version, &why) ||
                 !read_values(g, &secs[SEC_VALUES], &why) || !(mem = read_members(&secs[SEC_MEMBERS], g->n, &nm, &why)))
            g_clear_pointer(&g, hc_graph_unref);
    }
    if (ck)
        bad_sec = GPOINTER_TO_INT(g_thread_join(ck));
    if (bad_sec) {
        g_clear_error(&why);
        bad(&why, "section %s: checksum mismatch (corrupt file)", sec_names[bad_sec]);
        g_clear_pointer(&g, hc_graph_unref);
    }
    if (!g) {
        hc_free(mem);
        g_strfreev(m);
        g_propagate_error(error, why);
        return NULL;
    }
    *members = mem;
    *nmembers = nm;
    if (meta)
        *meta = m;
    else
        g_strfreev(m);
    return g;
}

/* The whole of regular file path in memory (hc_free it), *len its length.  The file is read,
 * not mapped: another process rewriting it in place (truncate, then write, as cp and `cat >`
 * do) would make a mapped read die of SIGBUS.  A FIFO is opened without blocking and refused,
 * like every file that is not regular; a file that changes length while read is refused. */
static uint8_t *read_whole(const char *path, size_t *len, GError **error)
{
    int fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        g_set_error(error, HC_ERROR, HC_ERROR_IO, "cannot read %s: %s", path, g_strerror(err));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        g_set_error(error, HC_ERROR, HC_ERROR_IO, "cannot read %s: it is %s, not a regular file", path,
                    S_ISDIR(st.st_mode)    ? "a directory"
                    : S_ISFIFO(st.st_mode) ? "a FIFO"
                    : S_ISCHR(st.st_mode)  ? "a character device"
                                           : "a special file");
        return NULL;
    }
    size_t n = (size_t)st.st_size;
    uint8_t *buf = (uint64_t)st.st_size > (uint64_t)SIZE_MAX - 1 ? NULL : hc_try_malloc_mapped(n ? n : 1);
    if (!buf) {
        close(fd);
        g_set_error(error, HC_ERROR, HC_ERROR_NOMEM, "out of memory reading %s (%llu bytes)", path,
                    (unsigned long long)st.st_size);
        return NULL;
    }
#ifdef MADV_POPULATE_WRITE
    /* one call maps every page of the buffer: a fault per 4 KiB page during the read cost
     * as much as the copy (W1: 60 MB, ~35 ms of faults) */
    if (n >= HC_BIG_ARRAY) {
        uintptr_t a = ((uintptr_t)buf + 4095) & ~(uintptr_t)4095, z = ((uintptr_t)buf + n) & ~(uintptr_t)4095;
        if (z > a)
            (void)madvise((void *)a, z - a, MADV_POPULATE_WRITE);
    }
#endif
    size_t got = 0;
    uint8_t probe; /* one more byte asked for at the end: a file that grew is refused too */
    for (;;) {
        ssize_t r = got < n ? read(fd, buf + got, n - got) : read(fd, &probe, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int err = errno;
            close(fd);
            hc_free(buf);
            g_set_error(error, HC_ERROR, HC_ERROR_IO, "cannot read %s: %s", path, g_strerror(err));
            return NULL;
        }
        if (r == 0 || got >= n) {
            if (r > 0)
                got += (size_t)r; /* grew: past the length fstat gave */
            break;
        }
        got += (size_t)r;
    }
    close(fd);
    if (got != n) {
        hc_free(buf);
        g_set_error(error, HC_ERROR, HC_ERROR_IO,
                    "cannot read %s: it changed while it was read (%llu bytes, "
                    "then %s%llu); another process is writing it",
                    path, (unsigned long long)n, got > n ? "more than " : "", (unsigned long long)(got > n ? n : got));
        return NULL;
    }
    *len = n;
    return buf;
}

hc_graph *hc_snapfile_read(const char *path, uint32_t **members, uint32_t *nmembers, char ***meta, GError **error)
{
    size_t len = 0;
    uint8_t *buf = read_whole(path, &len, error);
    if (!buf)
        return NULL;
    hc_graph *g = hc_snapfile_read_buffer(buf, len, members, nmembers, meta, error);
    hc_free(buf);
    if (!g && error && *error && (*error)->code == HC_ERROR_FORMAT)
        g_prefix_error(error, "%s: ", path);
    return g;
}
