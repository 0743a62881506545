/* render.c: shared JSON building blocks (see render.h). */
#include "api/render.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/time.h"

json_t *render_time_or_null(int has, int64_t ms) { return has ? render_time_ms(ms) : json_null(); }

json_t *render_time_ms(int64_t ms) {
    char t[TIME_FORMAT_MAX];
    time_format_rfc3339_ms(ms, t);
    return json_string(t);
}

json_t *render_time_trimmed(int64_t ms, int digits) {
    char t[TIME_FORMAT_MAX];
    time_format_rfc3339_trim(ms, digits, t);
    return json_string(t);
}

json_t *render_string_or_null(const char *s) { return s ? json_string(s) : json_null(); }

json_t *render_json_text(const char *text, json_t *fallback) {
    if (!text) return fallback;
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    if (!v) return fallback;
    json_decref(fallback);
    return v;
}

/* ---- JSON text ---- */

void render_text_key(buf *b, const char *key) {
    buf_append_json_string(b, key, strlen(key));
    buf_append_char(b, ':');
}

void render_text_string(buf *b, const char *s) {
    if (s) buf_append_json_string(b, s, strlen(s));
    else buf_append(b, "null", 4);
}

void render_text_int(buf *b, int64_t v) {
    char t[24], *e = t + sizeof t, *q = e;
    uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
    do *--q = (char)('0' + u % 10); while (u /= 10);
    if (v < 0) *--q = '-';
    buf_append(b, q, (size_t)(e - q));
}

void render_text_number(buf *b, double v) {
    if (v == floor(v) && fabs(v) < 9007199254740992.0) {
        render_text_int(b, (int64_t)v);
        return;
    }
    char t[32];
    int n = snprintf(t, sizeof t, "%.17g", isfinite(v) ? v : 0.0);
    buf_append(b, t, (size_t)n);
    if (!strpbrk(t, ".eE")) buf_append(b, ".0", 2);
}

void render_text_decimal3(buf *b, double v) {
    char t[48];
    int n = snprintf(t, sizeof t, "%.3f", isfinite(v) ? floor(v * 1000.0 + 0.5) / 1000.0 : 0.0);
    while (n > 2 && t[n - 1] == '0' && t[n - 2] != '.') n--;
    buf_append(b, t, (size_t)n);
}

void render_text_time(buf *b, int64_t ms, int digits) {
    char t[TIME_FORMAT_MAX];
    time_format_rfc3339_trim(ms, digits, t);
    buf_append_char(b, '"');
    buf_append(b, t, strlen(t));
    buf_append_char(b, '"');
}
