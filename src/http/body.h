/* body.h: request bodies as one JSON value, whatever parser DRF would have used (posthog-reference.md §0: JSON,
 * form-encoded or multipart are all accepted). A form or multipart body becomes a JSON object of its text fields:
 * a name sent once maps to its string, a name sent several times to the array of its strings in order (file parts
 * are ignored). Handlers then validate one shape; `is_form` tells them the DRF rules for HTML input apply (a missing
 * boolean is false, a repeated name's last value counts). Shared by the PostHog-compatible families. */
#ifndef ORGPULSE_HTTP_BODY_H
#define ORGPULSE_HTTP_BODY_H

#include <jansson.h>
#include <stddef.h>

#include "http/server.h"

typedef enum http_body_kind {
    HTTP_BODY_NONE,      /* no Content-Type */
    HTTP_BODY_JSON,      /* application/json */
    HTTP_BODY_FORM,      /* application/x-www-form-urlencoded */
    HTTP_BODY_MULTIPART, /* multipart/form-data */
    HTTP_BODY_OTHER,
} http_body_kind;

/* The kind of a Content-Type header value (NULL: HTTP_BODY_NONE); media type case-insensitive, parameters ignored. */
http_body_kind http_body_kind_of(const char *content_type);

/* An application/x-www-form-urlencoded body as a JSON object (Python's parse_qsl with keep_blank_values: `&`
 * separates, `+` is a space, %XX a byte, a name without `=` has the value "", bytes that are not UTF-8 become
 * U+FFFD). Never fails; *out is the caller's. */
void http_body_parse_form(const char *body, size_t len, json_t **out);

/* A multipart/form-data body (boundary from `content_type`) as a JSON object of its text parts. Returns 0 and *out
 * (caller's), or -1 with a reason in err (no boundary, no opening delimiter, a part without a name). */
int http_body_parse_multipart(const char *content_type, const char *body, size_t len, json_t **out, char *err,
                              size_t errlen);

/* The request body as JSON: an empty body is {}; JSON any value; a form or multipart body its object (*is_form = 1).
 * Returns 0 and *out (caller's), or answers 400 parse_error as DRF words it and returns -1. */
int http_body_read(http_request *req, json_t **out, int *is_form);

#endif
