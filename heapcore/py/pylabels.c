/* heapcore/py/pylabels.c — edge labels: how a live object refers to each of its referents.
 *
 * Labels are computed on demand, never stored by the walk (thesis-notes/classifiers.md): the
 * caller (heapcore/via.c and edgelabels.c, reached through pylive.c and pysnapshot.c) proves
 * the object alive first.  For each object this
 * reports its referents with a label where the object's layout names one, then, unless the
 * type is one whose referents the named part covers completely, every referent the walk
 * records (tp_traverse + hc_py_extra_refs) that was not named, as HC_PY_LBL_NONE.  So every
 * edge of the snapshot gets a label, and an unknown type degrades to "?" rather than to a
 * missing edge.  Reads only: no Python code, no object created or materialised.  Layouts that
 * differ between versions are read through pycompat_objects.h (pycompat_labels.c). */
#include "pycompat_objects.h"
#include "pycompat_state.h"
#include "pystate.h"
#include "heapcore/values.h"
#include "heapcore/pynames.h"
#include "heapcore/error.h"
#include <structmember.h>

#include <glib.h>
#include <stdlib.h>
#include <string.h>

/* What has been named so far for one object, to report the rest as "?". */
typedef struct named {
    hc_py_label_cb cb;
    void *data;
    uintptr_t *v; /* first `local`, then from hc_try_* if an object names more */
    size_t n, cap;
    int fail;   /* out of memory: report the rest unnamed anyway */
    int record; /* keep the named ones (for the "?" pass; not for complete() types) */
    uintptr_t local[64];
} named;

static void emit(named *nm, const void *target, unsigned kind, uintptr_t arg)
{
    if (target == NULL)
        return;
    nm->cb(nm->data, (uintptr_t)target, kind, arg);
    if (nm->fail || !nm->record)
        return;
    if (nm->n == nm->cap) {
        size_t c = nm->cap * 2;
        uintptr_t *v = hc_try_reallocarray(nm->v == nm->local ? NULL : nm->v, c, sizeof *v);
        if (v == NULL) {
            nm->fail = 1;
            return;
        }
        if (nm->v == nm->local)
            memcpy(v, nm->local, sizeof nm->local);
        nm->v = v;
        nm->cap = c;
    }
    nm->v[nm->n++] = (uintptr_t)target;
}

static void emit_cb(void *data, uintptr_t target, unsigned kind, uintptr_t arg)
{
    emit(data, (const void *)target, kind, arg);
}

static void field(named *nm, const void *target, const char *name)
{
    emit(nm, target, HC_PY_LBL_FIELD, (uintptr_t)name);
}

static int cmp_uptr(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

/* The unnamed rest: every referent the walk records that was not named, as "?" (or as a
 * note: a module's unnamed referents are its C state's). */
typedef struct rest {
    named *nm;
    unsigned kind;
    uintptr_t arg;
} rest;

static void rest_one(rest *rs, uintptr_t addr)
{
    named *nm = rs->nm;
    if (addr == 0)
        return;
    if (!nm->fail && nm->n && bsearch(&addr, nm->v, nm->n, sizeof *nm->v, cmp_uptr))
        return;
    nm->cb(nm->data, addr, rs->kind, rs->arg);
}

static int rest_visit(PyObject *o, void *data)
{
    rest_one(data, (uintptr_t)o);
    return 0;
}

static void rest_label(void *data, uintptr_t target, unsigned kind, uintptr_t arg)
{
    rest *rs = data;
    if (kind == HC_PY_LBL_NONE)
        rest_one(rs, target);
    else
        rs->nm->cb(rs->nm->data, target, kind, arg);
}

static void report_rest(named *nm, PyObject *o, PyTypeObject *tp)
{
    rest rs = {nm, HC_PY_LBL_NONE, 0};
    if (PyModule_Check(o)) {
        rs.kind = HC_PY_LBL_NOTE;
        rs.arg = (uintptr_t) "module state";
    }
    if (!nm->fail && nm->n > 1)
        qsort(nm->v, nm->n, sizeof *nm->v, cmp_uptr);
    if (PyType_IS_GC(tp) && (!tp->tp_is_gc || tp->tp_is_gc(o)) && tp->tp_traverse)
        tp->tp_traverse(o, rest_visit, &rs);
    hc_py_extra_labels(o, tp, rest_label, &rs);
}

/* ---- containers -------------------------------------------------------------------------- */

static void seq_items(named *nm, PyObject **items, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++)
        emit(nm, items[i], HC_PY_LBL_INDEX, (uintptr_t)i);
}

static void dict_items(named *nm, PyDictObject *d)
{
    Py_ssize_t i, n = hc_py_dict_nentries(d), pos = 0;
    for (i = 0; i < n; i++) {
        PyObject *key, *value;
        hc_py_dict_entry(d, i, &key, &value);
        if (key == NULL || value == NULL)
            continue;
        emit(nm, value, HC_PY_LBL_KEY, (uintptr_t)key);
        emit(nm, key, HC_PY_LBL_KEYOF, (uintptr_t)pos++);
    }
}

static void set_items(named *nm, PySetObject *so)
{
    Py_ssize_t i, pos = 0;
    if (so->table == NULL)
        return;
    for (i = 0; i <= so->mask; i++) {
        PyObject *key = so->table[i].key;
        if (key == NULL || key == _PySet_Dummy)
            continue;
        emit(nm, key, HC_PY_LBL_MEMBER, (uintptr_t)pos++);
    }
}

/* ---- instances ---------------------------------------------------------------------------- */

/* Attributes kept without a dict (3.11+ managed values): value i belongs to the type's shared
 * keys' entry i. */
static void managed_values(named *nm, PyObject *o, PyTypeObject *tp)
{
    Py_ssize_t i, n;
    PyObject **values = hc_py_instance_values(o, tp, &n);
    for (i = 0; values != NULL && i < n; i++) {
        PyObject *name = hc_py_instance_value_name(tp, i);
        if (values[i] != NULL && name != NULL)
            emit(nm, values[i], HC_PY_LBL_ATTR, (uintptr_t)name);
    }
}

/* Object members (slots, and the fields C types declare in tp_members) of tp and its bases. */
static void members(named *nm, PyObject *o, PyTypeObject *tp)
{
    long guard = 0;
    for (PyTypeObject *t = tp; t != NULL && guard < 1000; t = t->tp_base, guard++) {
        PyMemberDef *m = t->tp_members;
        if (m == NULL)
            continue;
        for (; m->name != NULL; m++) {
            PyObject **slot = hc_py_member_slot(o, t, m);
            if (slot != NULL)
                field(nm, *slot, m->name);
        }
    }
}

/* ---- particular types -------------------------------------------------------------------- */

static void function_fields(named *nm, PyFunctionObject *f)
{
    field(nm, f->func_code, "__code__");
    field(nm, f->func_globals, "__globals__");
    field(nm, f->func_builtins, "__builtins__");
    field(nm, f->func_name, "__name__");
    field(nm, f->func_qualname, "__qualname__");
    field(nm, f->func_defaults, "__defaults__");
    field(nm, f->func_kwdefaults, "__kwdefaults__");
    field(nm, f->func_closure, "__closure__");
    field(nm, f->func_doc, "__doc__");
    field(nm, f->func_dict, "__dict__");
    field(nm, f->func_module, "__module__");
    field(nm, f->func_annotations, "__annotations__");
    field(nm, hc_py_function_type_params(f), "__type_params__");
}

static void type_fields(named *nm, PyTypeObject *t)
{
    if (t->tp_dict != NULL)
        field(nm, t->tp_dict, "__dict__");
    field(nm, t->tp_mro, "__mro__");
    field(nm, t->tp_bases, "__bases__");
    field(nm, t->tp_base, "__base__");
    if ((uintptr_t)t->tp_subclasses > 4096)
        field(nm, t->tp_subclasses, "__subclasses__()");
    if (t->tp_flags & Py_TPFLAGS_HEAPTYPE) {
        PyHeapTypeObject *ht = (PyHeapTypeObject *)t;
        field(nm, ht->ht_name, "__name__");
        field(nm, ht->ht_qualname, "__qualname__");
        field(nm, ht->ht_slots, "__slots__");
        field(nm, ht->ht_module, "__module__");
    }
}

static void exception_fields(named *nm, PyBaseExceptionObject *e)
{
    field(nm, e->args, "args");
    field(nm, e->traceback, "__traceback__");
    field(nm, e->context, "__context__");
    field(nm, e->cause, "__cause__");
    field(nm, hc_py_exception_notes(e), "__notes__");
}

/* Types whose referents the named part covers completely (their traverse reports nothing
 * else), so the "?" pass is skipped: it would cost a second pass over a big container. */
static int complete(PyTypeObject *tp)
{
    return tp == &PyList_Type || tp == &PyTuple_Type || tp == &PyDict_Type || tp == &PySet_Type ||
           tp == &PyFrozenSet_Type || tp == &PyCell_Type;
}

int hc_py_labels_type_only(PyTypeObject *tp, unsigned *kind, uintptr_t *arg)
{
    /* What hc_py_labels reports for an instance of a leaf type (not gc, no dict, not a
     * container, type, module, function, frame, generator, method, exception or traceback,
     * none of hc_py_ext_labels' C types, which are all gc, and without object members, which
     * members() would name: hc_py_type_is_leaf says so): ".__class__", then the rest
     * (report_rest: no traverse, and hc_py_extra_labels' ".__class__" again). */
    if (!hc_py_type_is_leaf(tp))
        return 0;
    *kind = HC_PY_LBL_FIELD;
    *arg = (uintptr_t) "__class__";
    return 1;
}

void hc_py_labels(uintptr_t addr, hc_py_label_cb cb, void *data)
{
    if (addr == 0 || cb == NULL)
        return;
    if (HC_PY_VTAG(addr)) {
        hc_py_virtual_labels(addr, cb, data);
        return;
    }
    PyObject *o = (PyObject *)addr;
    PyTypeObject *tp = Py_TYPE(o);
    named nm; /* field by field: `local` needs no zeroing */
    nm.cb = cb;
    nm.data = data;
    nm.v = nm.local;
    nm.n = 0;
    nm.cap = G_N_ELEMENTS(nm.local);
    nm.fail = 0;
    nm.record = !complete(tp); /* a 100-million-item list keeps no list of its items */

    if (PyList_Check(o))
        seq_items(&nm, ((PyListObject *)o)->ob_item, PyList_GET_SIZE(o));
    else if (PyTuple_Check(o))
        seq_items(&nm, ((PyTupleObject *)o)->ob_item, PyTuple_GET_SIZE(o));
    else if (PyDict_Check(o))
        dict_items(&nm, (PyDictObject *)o);
    else if (PyAnySet_Check(o))
        set_items(&nm, (PySetObject *)o);

    if (tp == &PyCell_Type)
        field(&nm, ((PyCellObject *)o)->ob_ref, "cell_contents");
    else if (tp == &PyFunction_Type)
        function_fields(&nm, (PyFunctionObject *)o);
    else if (PyType_Check(o))
        type_fields(&nm, (PyTypeObject *)o);
    else if (PyModule_Check(o))
        field(&nm, PyModule_GetDict(o), "__dict__"); /* returns the field; creates nothing */
    else if (tp == &PyFrame_Type)
        hc_py_frame_object_labels(o, emit_cb, &nm);
    else if (tp == &PyGen_Type || tp == &PyCoro_Type || tp == &PyAsyncGen_Type)
        hc_py_gen_labels(o, tp, emit_cb, &nm);
    else if (tp == &PyMethod_Type) {
        field(&nm, ((PyMethodObject *)o)->im_func, "__func__");
        field(&nm, ((PyMethodObject *)o)->im_self, "__self__");
    } else if (PyCFunction_Check(o)) {
        field(&nm, ((PyCFunctionObject *)o)->m_self, "__self__");
        field(&nm, ((PyCFunctionObject *)o)->m_module, "__module__");
    } else if (PyExceptionInstance_Check(o))
        exception_fields(&nm, (PyBaseExceptionObject *)o);
    else if (PyTraceBack_Check(o)) {
        field(&nm, ((PyTracebackObject *)o)->tb_next, "tb_next");
        field(&nm, ((PyTracebackObject *)o)->tb_frame, "tb_frame");
    }

    else if (PyObject_TypeCheck(o, &PyProperty_Type)) {
        /* propertyobject (Objects/descrobject.c): get, set, del, doc, then prop_name (3.10+),
         * which no member names */
        PyObject **slot = (PyObject **)((char *)o + sizeof(PyObject)) + 4;
        if ((char *)(slot + 1) <= (char *)o + PyProperty_Type.tp_basicsize)
            field(&nm, *slot, "__name__");
    }

    if (!PyType_Check(o) && !PyModule_Check(o) && tp != &PyFunction_Type) {
        hc_py_ext_labels(o, tp, emit_cb, &nm);
        members(&nm, o, tp);
        managed_values(&nm, o, tp);
        PyObject *d = hc_py_instance_dict(o, tp);
        if (d != NULL)
            field(&nm, d, "__dict__");
    }
    field(&nm, tp, "__class__");
    if (!complete(tp))
        report_rest(&nm, o, tp);
    if (nm.v != nm.local)
        hc_free(nm.v);
}

/* ---- text ---------------------------------------------------------------------------------- */

/* A str's characters as UTF-8 (lone surrogates as \\udxxx), read from its data
 * (PyUnicode_AsUTF8 would cache a copy), given to put in pieces: ASCII in place, anything else
 * encoded a few thousand characters at a time into a buffer on the stack. */
static void str_utf8_pieces(PyObject *s, void (*put)(void *, const char *, size_t), void *ctx)
{
    if (!hc_py_str_is_ready(s)) {
        put(ctx, "?", 1);
        return;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    int kind = PyUnicode_KIND(s);
    const void *d = PyUnicode_DATA(s);
    if (kind == PyUnicode_1BYTE_KIND && PyUnicode_IS_ASCII(s)) {
        put(ctx, d, (size_t)n);
        return;
    }
    char buf[8192];
    size_t at = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (at > sizeof buf - 8) {
            put(ctx, buf, at);
            at = 0;
        }
        Py_UCS4 c = PyUnicode_READ(kind, d, i);
        if (c >= 0xd800 && c < 0xe000) /* a lone surrogate has no UTF-8 */
            at += (size_t)g_snprintf(buf + at, 8, "\\u%04x", (unsigned)c);
        else
            at += (size_t)g_unichar_to_utf8(c, buf + at);
    }
    put(ctx, buf, at);
}

static void put_gstring(void *out, const char *p, size_t n)
{
    g_string_append_len(out, p, (gssize)n);
}

static void put_sink(void *out, const char *p, size_t n)
{
    hc_value_sink_put(out, p, n);
}

static void str_utf8(PyObject *s, GString *out)
{
    str_utf8_pieces(s, put_gstring, out);
}

int hc_py_has_value(uintptr_t type_key)
{
    PyTypeObject *tp = (PyTypeObject *)type_key;
    return PyType_FastSubclass(tp, Py_TPFLAGS_UNICODE_SUBCLASS) || PyType_FastSubclass(tp, Py_TPFLAGS_BYTES_SUBCLASS) ||
           PyType_IsSubtype(tp, &PyByteArray_Type);
}

void hc_py_value(uintptr_t addr, uint64_t *length, hc_value_sink *out)
{
    PyObject *o = (PyObject *)addr;
    if (PyUnicode_Check(o)) {
        *length = (uint64_t)PyUnicode_GET_LENGTH(o);
        str_utf8_pieces(o, put_sink, out);
    } else if (PyBytes_Check(o)) {
        *length = (uint64_t)PyBytes_GET_SIZE(o);
        hc_value_sink_put(out, PyBytes_AS_STRING(o), (size_t)PyBytes_GET_SIZE(o));
    } else if (PyByteArray_Check(o)) {
        *length = (uint64_t)PyByteArray_GET_SIZE(o);
        hc_value_sink_put(out, PyByteArray_AS_STRING(o), (size_t)PyByteArray_GET_SIZE(o));
    } else {
        *length = 0;
    }
}

static void key_text(PyObject *k, GString *out)
{
    if (PyUnicode_Check(k)) {
        GString *s = g_string_new(NULL);
        str_utf8(k, s);
        hc_repr_str(out, s->str, (gssize)s->len);
        g_string_free(s, TRUE);
    } else if (k == Py_None || k == Py_True || k == Py_False) {
        g_string_append(out, k == Py_None ? "None" : k == Py_True ? "True" : "False");
    } else if (PyLong_CheckExact(k)) {
        int overflow = 0;
        long long v = PyLong_AsLongLongAndOverflow(k, &overflow);
        if (!overflow && !(v == -1 && PyErr_Occurred()))
            g_string_append_printf(out, "%lld", v);
        else {
            PyErr_Clear();
            g_string_append_printf(out, "<int at %p>", (void *)k);
        }
    } else if (PyFloat_CheckExact(k)) {
        char *r = PyOS_double_to_string(PyFloat_AS_DOUBLE(k), 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
        if (r) {
            g_string_append(out, r);
            PyMem_Free(r);
        } else {
            PyErr_Clear();
            g_string_append(out, "<float>");
        }
    } else {
        g_string_append_printf(out, "<%s at %p>", Py_TYPE(k)->tp_name, (void *)k);
    }
}

static void name_text(PyObject *s, GString *out)
{
    if (s != NULL && PyUnicode_Check(s))
        str_utf8(s, out);
    else
        g_string_append(out, "?");
}

void hc_py_label_text(unsigned kind, uintptr_t arg, struct _GString *out)
{
    static const char *const prefix[] = {"", ".gi_frame", ".cr_frame", ".ag_frame"};
    g_string_append(out, prefix[(kind >> 4) & 3]);
    switch (kind & HC_PY_LBL_BASE) {
    case HC_PY_LBL_INDEX:
        g_string_append_printf(out, "[%lu]", (unsigned long)arg);
        break;
    case HC_PY_LBL_KEY:
        g_string_append_c(out, '[');
        key_text((PyObject *)arg, out);
        g_string_append_c(out, ']');
        break;
    case HC_PY_LBL_KEYOF:
        g_string_append_printf(out, ".keys()[%lu]", (unsigned long)arg);
        break;
    case HC_PY_LBL_ATTR:
        g_string_append_c(out, '.');
        name_text((PyObject *)arg, out);
        break;
    case HC_PY_LBL_FIELD:
        g_string_append_c(out, '.');
        g_string_append(out, (const char *)arg);
        break;
    case HC_PY_LBL_LOCAL:
        g_string_append(out, ".f_locals[");
        key_text((PyObject *)arg, out);
        g_string_append_c(out, ']');
        break;
    case HC_PY_LBL_STACK:
        g_string_append_printf(out, ".f_valuestack[%lu]", (unsigned long)arg);
        break;
    case HC_PY_LBL_MEMBER:
        g_string_append_printf(out, "list(_)[%lu]", (unsigned long)arg);
        break;
    case HC_PY_LBL_NOTE:
        g_string_append_printf(out, "<%s>", (const char *)arg);
        break;
    default:
        g_string_append(out, "?");
        break;
    }
}

/* ---- thread names -------------------------------------------------------------------------- */

/* An interned str key made once and kept (hc_py_state), with its hash; 0 if it cannot be. */
static int state_key(PyObject **slot, Py_hash_t *hash, const char *text)
{
    if (*slot == NULL) {
        PyObject *k = PyUnicode_InternFromString(text);
        Py_hash_t h = k != NULL ? PyObject_Hash(k) : -1;
        if (h == -1) {
            Py_XDECREF(k);
            PyErr_Clear();
            return 0;
        }
        *hash = h;
        *slot = k;
    }
    return 1;
}

/* Attribute `name` (hash) of instance o, borrowed, or NULL: from its values kept without a
 * dict (3.11+), else from its __dict__.  Compares exact strs only: no Python code runs. */
static PyObject *attr_peek(PyObject *o, PyObject *name, Py_hash_t hash)
{
    PyTypeObject *tp = Py_TYPE(o);
    Py_ssize_t i, n;
    PyObject **values = hc_py_instance_values(o, tp, &n), *d, *v = NULL;
    for (i = 0; values != NULL && i < n; i++) {
        PyObject *k = hc_py_instance_value_name(tp, i);
        if (values[i] != NULL && k != NULL &&
            (k == name || (PyUnicode_CheckExact(k) && PyUnicode_Compare(k, name) == 0)))
            return values[i];
    }
    d = hc_py_instance_dict(o, tp);
    if (d == NULL || !PyDict_Check(d) || hc_py_dict_peek_str(d, name, hash, &v) < 0)
        return NULL;
    return v;
}

int hc_py_thread_name(PyInterpreterState *interp, unsigned long ident, char *buf, size_t len)
{
    hc_py_adapter_state *st = &hc_py_state;
    PyObject *modules = interp != NULL ? hc_py_interp_modules(interp) : NULL, *m = NULL, *active = NULL;
    if (len == 0 || modules == NULL || !PyDict_Check(modules) ||
        !state_key(&st->threading_key, &st->threading_hash, "threading") ||
        !state_key(&st->active_key, &st->active_hash, "_active") || !state_key(&st->name_key, &st->name_hash, "_name"))
        return 0;
    if (hc_py_dict_peek_str(modules, st->threading_key, st->threading_hash, &m) < 0 || m == NULL ||
        !PyModule_CheckExact(m))
        return 0;
    PyObject *md = PyModule_GetDict(m); /* the field; creates nothing */
    if (md == NULL || !PyDict_Check(md) || hc_py_dict_peek_str(md, st->active_key, st->active_hash, &active) < 0 ||
        active == NULL || !PyDict_CheckExact(active))
        return 0;
    Py_ssize_t i, n = hc_py_dict_nentries((PyDictObject *)active);
    for (i = 0; i < n; i++) {
        PyObject *key, *thread, *name;
        hc_py_dict_entry((PyDictObject *)active, i, &key, &thread);
        if (key == NULL || thread == NULL || !PyLong_CheckExact(key))
            continue;
        unsigned long k = PyLong_AsUnsignedLong(key); /* an exact int: no Python code */
        if (k == (unsigned long)-1 && PyErr_Occurred()) {
            PyErr_Clear();
            continue;
        }
        if (k != ident)
            continue;
        name = attr_peek(thread, st->name_key, st->name_hash);
        if (name == NULL || !PyUnicode_CheckExact(name))
            return 0;
        GString *s = g_string_new(NULL);
        str_utf8(name, s);
        size_t cut = s->len < len - 1 ? s->len : len - 1;
        while (cut > 0 && cut < s->len && ((unsigned char)s->str[cut] & 0xc0) == 0x80)
            cut--; /* not inside a UTF-8 sequence */
        memcpy(buf, s->str, cut);
        buf[cut] = '\0';
        g_string_free(s, TRUE);
        return 1;
    }
    return 0;
}
