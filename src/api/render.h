/* render.h: JSON building blocks shared by every family's handlers: times, optional strings, stored JSON texts. */
#ifndef ORGPULSE_API_RENDER_H
#define ORGPULSE_API_RENDER_H

#include <jansson.h>
#include <stdint.h>

/* RFC 3339 with milliseconds. */
json_t *render_time_ms(int64_t ms);
/* RFC 3339 with milliseconds when `has`, else null. */
json_t *render_time_or_null(int has, int64_t ms);
/* RFC 3339 in UTC with at most `digits` fraction digits, trailing zeros dropped (time_format_rfc3339_trim). */
json_t *render_time_trimmed(int64_t ms, int digits);
/* A string, or null. */
json_t *render_string_or_null(const char *s);
/* Parse a stored JSON text (an lww register's value), or return `fallback` (stolen) when unset. */
json_t *render_json_text(const char *text, json_t *fallback);

#endif
