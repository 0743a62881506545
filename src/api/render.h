/* render.h: JSON building blocks shared by every family's handlers: times, optional strings, stored JSON texts. */
#ifndef ORGPULSE_API_RENDER_H
#define ORGPULSE_API_RENDER_H

#include <jansson.h>
#include <stdint.h>

#include "util/buf.h"

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

/* ---- JSON text written straight into a buffer ----
 * For large answers (thousands of values, as usage buckets are), where building a jansson tree and dumping it costs
 * more than the answer: the caller writes the punctuation ({ } [ ] ,), these write the values. */
void render_text_key(buf *b, const char *key);           /* "key": */
void render_text_string(buf *b, const char *s);          /* "s" (escaped), or null */
void render_text_int(buf *b, int64_t v);
void render_text_number(buf *b, double v);               /* an integer when whole, else 17 significant digits */
void render_text_decimal3(buf *b, double v);             /* v rounded to 3 decimals, as 0.433 / 0.25 / 0.0 */
void render_text_time(buf *b, int64_t ms, int digits);   /* as render_time_trimmed */

#endif
