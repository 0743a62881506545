/* render.c: shared JSON building blocks (see render.h). */
#include "api/render.h"

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
