/* heapcore/via.h — "referred via": edge labels made into kinds (byvia) and into path text (sp).
 *
 * Labels come from an object model's labeller (labeller.h), which reads the referrer itself,
 * so it must be alive: byvia reads only referrers that a fresh walk (`live`) found at the
 * same address with the same type, and a path reads only nodes the previous node currently
 * refers to, starting from a node the interpreter currently holds as a root.  The labeller reports every referent
 * of an object with a (kind, arg) label; the engine interns labels by (kind, arg), turns each
 * distinct one into text once (through the labeller, before anything can change), merges
 * labels of equal text, and interns each member's sorted label set as one kind (as rcs does).
 * Per referrer, not per member: a list of a million members is read once, not a million
 * times. */
#ifndef HEAPCORE_VIA_H
#define HEAPCORE_VIA_H

#include <glib.h>
#include <stdint.h>
#include "heapcore/graph.h"
#include "heapcore/idset.h"
#include "heapcore/kinds.h"
#include "heapcore/labeller.h"

G_BEGIN_DECLS

/* Labels kept per member; a member with more shows the first ones (in text order) and "...". */
#define HC_VIA_MAX_LABELS 8

/* Index families in byvia (labeller.h's index_kind: a list's items "[0]", "[1]", ..., a
 * dict's keys ".keys()[0]", a set's members "list(_)[0]").  A family grouped reads P "*]"
 * ("[*]", ".keys()[*]") for every index, and a kind holding grouped labels ends with how many
 * distinct indices its members merge: "'[*]' (7870 indices)", "'.a', '[*]' (1 index)".
 * `families` is a bitmask (bit f: group family f; 0: every label exact), or
 * HC_VIA_FAMILIES_AUTO: group each family with more than HC_VIA_FAMILY_EXACT_MAX distinct
 * indices among the set's labels (a table page: fewer cannot swamp the table).  Dict keys
 * ("['k']") are not a family: they name things. */
#define HC_VIA_FAMILIES_AUTO UINT32_MAX
#define HC_VIA_FAMILY_EXACT_MAX 10

/* Append family f's grouped label ("[*]") to out: FALSE (nothing appended) if lab has no
 * family f. */
gboolean hc_via_family_text(const hc_labeller *lab, uint32_t f, GString *out);

/* byvia: one kind per distinct set of labels of the edges into a member of s, from referrers
 * that are still alive (matched in `live`, a graph walked just now; hidden referrers are left
 * out as everywhere).  Kind names are Python reprs of the labels, ", "-joined and
 * sorted ("'.a', '[0]'"); "<no referrers>" for a member nothing refers to and no root names,
 * "<referrers freed since the snapshot>" if none of its referrers is still alive.  Runs the
 * labeller (which reads live objects): nothing may change the heap while it runs.  Two passes
 * over g's edges (counting the slots, then labelling each live referrer of a member once).
 * Extra memory while it runs: 4 bytes per edge into s, 16 per member, two bits per node, and
 * with grouped families 5 bytes per label and 8 per (kind, index) pair; kept: 4 bytes per node
 * of g and the names.  `families`: see above. */
hc_kinds *hc_via_kinds(hc_idset *s, hc_graph *live, const hc_labeller *lab, uint32_t families, GError **error);

/* The addresses the interpreter holds as roots now (lab->roots), sorted, g_malloc'd (NULL and
 * 0 if there are none or memory ran out: paths are then not proven). */
uintptr_t *hc_via_roots(const hc_labeller *lab, size_t *n);

/* The labels along a path of g (path[0] a node a root record names, each next node a
 * referent of the one before): labels[i] (1 <= i < n) receives the g_malloc'd text of edge
 * path[i-1] -> path[i]; "?" once the path can no longer be proven alive (path[0] not among
 * `roots` (hc_via_roots), or a node that no longer refers to the next: nothing unproven is
 * read).  labels[0] is set to NULL.  The caller frees each label. */
void hc_via_path(hc_graph *g, const uint32_t *path, uint32_t n, const hc_labeller *lab, const uintptr_t *roots,
                 size_t nroots, char **labels);

G_END_DECLS

#endif
