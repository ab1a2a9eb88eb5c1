/* heapcore/pynames.h — Python's spelling, in the one place the engine keeps it.
 *
 * The engine computes over ids and knows no Python, except for these names: the texts that
 * Heapy's tables show (they are Python's words) and the label texts of CPython's labeller that
 * the engine itself writes or recognises.  Each is spelled here once; an engine file that needs
 * one uses the macro.  Moving them out of the engine would take the object model (the adapter)
 * passing them in: a name per owned-dict kind and the module rest's name with the classifier,
 * the label text of an object's edge to its type with the labeller, and a quoting function
 * with byvia (hc_repr_str). */
#ifndef HEAPCORE_PYNAMES_H
#define HEAPCORE_PYNAMES_H

#include <glib.h>

G_BEGIN_DECLS

/* byclodo: a dict that is an object's __dict__, "dict of " + the owner's type name, and an
 * exact dict with no owner (kinds.c; chrome.c names such dicts as byclodo does). */
#define HC_PYNAME_DICT_OF "dict of "
#define HC_PYNAME_DICT_NO_OWNER "dict (no owner)"
/* bymodule: the kind of everything that is not a module (kinds.c). */
#define HC_PYNAME_NOT_MODULE "~module"
/* The label of an object's edge to its own type: stored labels reserve a number for it
 * (edgelabels.c, HC_LABEL_CLASS), and the Chrome export makes it an internal edge named
 * without the dot (chrome.c). */
#define HC_PYNAME_CLASS_LABEL ".__class__"
/* The kind of an empty referrer set (byrcs, kinds.c) and of an object no edge reaches in byvia
 * (via.c), as Heapy shows both. */
#define HC_PYNAME_NOTHING "<Nothing>"

/* Append Python's repr() of a str given as UTF-8 (quotes chosen and characters escaped as
 * Python does for printable ASCII and control characters; other printable characters kept).
 * len < 0: utf8 is NUL-terminated.  byvia's kind names are reprs of label texts (via.c); the
 * adapter quotes dict keys with it (heapcore/py/pylabels.c). */
void hc_repr_str(GString *out, const char *utf8, gssize len);

G_END_DECLS

#endif
