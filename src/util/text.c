/* text.c: UTF-8 checking and repair, percent-decoding (see text.h). */
#include "util/text.h"

#include <stdint.h>
#include <string.h>

#include "util/buf.h"

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), or 0 when ill-formed (RFC 3629 table). */
static size_t utf8_sequence(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c == 0xE0) len = 3, lo = 0xA0;
    else if (c == 0xED) len = 3, hi = 0x9F;
    else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) len = 3;
    else if (c == 0xF0) len = 4, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) len = 4;
    else if (c == 0xF4) len = 4, hi = 0x8F;
    else return 0;
    if (n < len) return 0;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return len;
}

int text_utf8_valid(const char *s, size_t len) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t k = utf8_sequence(p + i, len - i);
        if (!k) return 0;
        i += k;
    }
    return 1;
}

char *text_utf8_repair(const char *s) {
    size_t len = strlen(s);
    buf out;
    buf_init(&out);
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t k = utf8_sequence(p + i, len - i);
        if (k) {
            buf_append(&out, p + i, k);
            i += k;
        } else {
            buf_append(&out, "\xEF\xBF\xBD", 3);
            i++;
        }
    }
    size_t n;
    char *r = buf_detach(&out, &n);
    if (!r) r = xstrdup("");
    return r;
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

size_t text_percent_decode(char *s) {
    char *w = s;
    for (const char *r = s; *r;) {
        int h, l;
        if (r[0] == '%' && (h = hex_value(r[1])) >= 0 && (l = hex_value(r[2])) >= 0 && (h | l) != 0) {
            *w++ = (char)(h * 16 + l);
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = 0;
    return (size_t)(w - s);
}
