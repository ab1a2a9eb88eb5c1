/* heapcore/snapfile.h — snapshot files: a graph (and one set of its nodes) written to disk and
 * read back as a graph on which every analysis runs unchanged.
 *
 * Layout (thesis-notes/snapshot-file.md): a 64-byte header (magic, byte-order mark, format
 * version, pointer size, creation time, process id, section count, SHA-1 of header and
 * section table), the section table (kind, offset, length, count, SHA-1 of the section), then
 * the sections: META (key/value text), STRINGS, TYPES, NODES (addresses as deltas, types,
 * sizes, flags and edge counts as varints), EDGES (varints relative to the source node, one
 * code for "its type object"), ROOTS, OWNERS, NAMES, MEMBERS.  Written to a temporary file in
 * the target's directory, fsync'd, then renamed: a crash never leaves a half file under the
 * final name.  Read by mapping the file (GMappedFile); every count, offset, id and varint is
 * checked before use, so a truncated, corrupt or hostile file gives HC_ERROR_FORMAT naming
 * the problem, never a crash or an allocation bigger than the file justifies. */
#ifndef HEAPCORE_SNAPFILE_H
#define HEAPCORE_SNAPFILE_H

#include <glib.h>
#include <stdint.h>

#include "heapcore/graph.h"

G_BEGIN_DECLS

/* Version 2 reserves edge labels 2 to 7 for indices (edgelabels.h HC_LABEL_FWD, _REV); version 1
 * files are still read. */
#define HC_SNAPFILE_VERSION 2

/* Write g, with members[0..nmembers) (ascending node ids; the set the file stands for),
 * meta (a NULL-terminated key, value, key, value, ... vector of UTF-8 text; may be NULL),
 * the labels of g's edges (edgelabels.h; ready; may be NULL) and the values of its strings
 * (values.h; may be NULL) to path.  FALSE + error (HC_ERROR_IO with the OS's message,
 * HC_ERROR_NOMEM, HC_ERROR_INVALID). */
struct hc_edge_labels;
struct hc_values;
gboolean hc_snapfile_write(const hc_graph *g, const uint32_t *members, uint32_t nmembers, const char *const *meta,
                           const struct hc_edge_labels *labels, const struct hc_values *values, const char *path,
                           GError **error);

/* Read a file: a new graph (marked loaded: hc_graph_is_loaded; edge labels and values, if
 * the file has them, attached: hc_graph_attached), the members (ascending; hc_free them) and
 * the meta vector (g_strfreev it).  NULL + error (HC_ERROR_IO, HC_ERROR_FORMAT, HC_ERROR_NOMEM). */
hc_graph *hc_snapfile_read(const char *path, uint32_t **members, uint32_t *nmembers, char ***meta, GError **error);

/* The same from a buffer (for tests and fuzzing): data[0..len) is the whole file. */
hc_graph *hc_snapfile_read_buffer(const uint8_t *data, size_t len, uint32_t **members, uint32_t *nmembers, char ***meta,
                                  GError **error);

G_END_DECLS
#endif
