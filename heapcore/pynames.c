/* heapcore/pynames.c — Python's repr of a str, for names the engine shows (see pynames.h). */
#include "heapcore/pynames.h"

#include <string.h>

void hc_repr_str(GString *out, const char *s, gssize len)
{
    if (len < 0)
        len = (gssize)strlen(s);
    gboolean sq = memchr(s, '\'', (size_t)len) != NULL, dq = memchr(s, '"', (size_t)len) != NULL;
    char q = sq && !dq ? '"' : '\'';
    g_string_append_c(out, q);
    const char *p = s, *end = s + len;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x80) {
            if (c == (unsigned char)q || c == '\\')
                g_string_append_printf(out, "\\%c", c);
            else if (c == '\n')
                g_string_append(out, "\\n");
            else if (c == '\r')
                g_string_append(out, "\\r");
            else if (c == '\t')
                g_string_append(out, "\\t");
            else if (c < 0x20 || c == 0x7f)
                g_string_append_printf(out, "\\x%02x", c);
            else
                g_string_append_c(out, (char)c);
            p++;
            continue;
        }
        gunichar u = g_utf8_get_char_validated(p, end - p);
        if (u == (gunichar)-1 || u == (gunichar)-2) { /* not UTF-8: show the byte */
            g_string_append_printf(out, "\\x%02x", c);
            p++;
            continue;
        }
        const char *next = g_utf8_next_char(p);
        if (g_unichar_isprint(u))
            g_string_append_len(out, p, next - p);
        else if (u < 0x100)
            g_string_append_printf(out, "\\x%02x", (unsigned)u);
        else if (u < 0x10000)
            g_string_append_printf(out, "\\u%04x", (unsigned)u);
        else
            g_string_append_printf(out, "\\U%08x", (unsigned)u);
        p = next;
    }
    g_string_append_c(out, q);
}
