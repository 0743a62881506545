/* json_scan.h: a strict, allocation-free JSON scanner for the ingestion hot path.
 *
 * jansson builds a tree with a hash table per object and a malloc per value; at hundreds of thousands of events per
 * second that is most of the cost. The event path only needs the members of one flat object, some of whose values
 * are themselves objects (properties, metrics...). json_scan_object validates the whole text (RFC 8259 grammar,
 * UTF-8, no duplicate top-level keys, nesting depth <= 64) and lists the top-level members, each with its raw text
 * and, for strings, the decoded value. Nested values are scanned the same way from their raw text.
 * Responses and configuration keep using jansson. */
#ifndef ORGPULSE_UTIL_JSON_SCAN_H
#define ORGPULSE_UTIL_JSON_SCAN_H

#include <stddef.h>
#include <stdint.h>

typedef enum json_kind { JK_STRING, JK_NUMBER, JK_OBJECT, JK_ARRAY, JK_TRUE, JK_FALSE, JK_NULL } json_kind;

typedef struct json_value {
    json_kind kind;
    const char *raw; /* the value as written */
    size_t raw_len;
    const char *str; /* JK_STRING: the decoded value (NUL-terminated, in the scanner's arena) */
    size_t str_len;
    double number;     /* JK_NUMBER */
    int is_integer;    /* JK_NUMBER written without fraction or exponent */
    int64_t integer;   /* when is_integer and it fits */
    int integer_fits;
} json_value;

typedef struct json_member {
    const char *key; /* decoded, NUL-terminated (arena) */
    size_t key_len;
    const char *raw_key; /* the key as written, with its quotes */
    size_t raw_key_len;
    json_value value;
} json_member;

/* Reusable scanner state: keep one per thread and scan many texts with it. */
typedef struct json_scanner {
    json_member *members;
    size_t count, cap;
    char *arena; /* decoded strings */
    size_t arena_len, arena_cap;
    char error[96]; /* set when a scan fails */
} json_scanner;

void json_scanner_init(json_scanner *sc);
void json_scanner_free(json_scanner *sc);

/* Scan `text` (surrounding whitespace allowed) as one JSON object. Returns 0 with sc->members filled, or -1 with
 * sc->error set. The members point into `text` and into the scanner; both must outlive their use. */
int json_scan_object(json_scanner *sc, const char *text, size_t len);

/* Validate `text` as one JSON value of any kind. Returns 0 or -1 (sc->error). */
int json_scan_value(json_scanner *sc, const char *text, size_t len, json_value *out);

/* The member named `key`, or NULL. */
const json_member *json_scan_get(const json_scanner *sc, const char *key);

/* Call fn for each element of an array's raw text (already validated). Returns 0, or fn's non-zero. */
typedef int (*json_element_fn)(void *ctx, const json_value *v);
int json_scan_array(json_scanner *sc, const char *text, size_t len, json_element_fn fn, void *ctx);

#endif
