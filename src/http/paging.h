/* paging.h: limit/offset pages as Django REST framework's LimitOffsetPagination builds them, for every list of the
 * organizations family (organizations, batch exports): lenient parsing of `limit` and `offset`, and the absolute
 * `next`/`previous` URLs (posthog-reference.md §0.1).
 *
 * The URL rules, as DRF writes them (rest_framework/pagination.py, utils/urls.py):
 *   - base: the configured public URL (server_config.public_url, trailing '/' dropped), else "http://" + Host;
 *     then the request path, percent-encoded as Django's escape_uri_path does;
 *   - the query: every parameter of the request (parse_qs with keep_blank_values, so "a" is "a="), with `limit`
 *     set and `offset` set or removed, sorted by key (stable for repeated keys) and written as Python's
 *     urlencode(doseq=True) does (quote_plus: unreserved characters kept, ' ' as '+', the rest %XX);
 *   - one exception to DRF: `personal_api_key` (a secret the organizations family accepts in the query) is left
 *     out, since orgpulse never returns a secret;
 *   - next: none when offset + limit >= count, else offset + limit;
 *   - previous: none when offset <= 0; `offset` removed when offset - limit <= 0, else offset - limit.
 * The pure functions take their inputs as arguments (unit-tested in tests/http/test_paging.c); the http_request
 * wrappers read them from the request. */
#ifndef ORGPULSE_HTTP_PAGING_H
#define ORGPULSE_HTTP_PAGING_H

#include <jansson.h>
#include <stddef.h>

#include "http/server.h"

#define HTTP_PAGE_DEFAULT_LIMIT 100
#define HTTP_PAGE_MAX_LIMIT 1000 /* posthog.md caps DRF's otherwise unbounded limit */

typedef struct http_page {
    long limit;  /* >= 1 */
    long offset; /* >= 0 */
} http_page;

typedef struct http_query_pair {
    const char *name, *value; /* decoded; value "" for a parameter without '=' */
} http_query_pair;

/* Python's int() of a query value: surrounding whitespace, a sign, digits with single '_' between them.
 * Returns 0 and *out (saturated at HTTP_PAGE_INT_MAX), or -1. */
#define HTTP_PAGE_INT_MAX 1000000000000000L
int http_page_parse_int(const char *s, long *out);
/* DRF's limit: a positive int capped at max, else def (raw NULL when absent). */
long http_page_limit_of(const char *raw, long def, long max);
/* DRF's offset: a non-negative int, else 0. */
long http_page_offset_of(const char *raw);

/* base + escaped path + "?" + the query of q[0..n) with limit = `limit` and offset = `offset` (offset < 0: removed).
 * Returns a new string (caller frees). */
char *http_page_url(const char *base, const char *path, const http_query_pair *q, size_t n, long limit, long offset);

/* The next and previous links of page pg over `count` items (NULL when there is none); caller frees. */
void http_page_links(const char *base, const char *path, const http_query_pair *q, size_t n, const http_page *pg,
                     size_t count, char **next /* OUT */, char **previous /* OUT */);

/* ---- on a request ---- */
/* limit (default HTTP_PAGE_DEFAULT_LIMIT, at most HTTP_PAGE_MAX_LIMIT) and offset; never an error, as DRF. For a
 * parameter given twice the last value counts (Django's QueryDict). */
void http_page_parse(http_request *req, http_page *out /* OUT */);
/* The URL base of the request: the public URL, else "http://" + Host (caller frees). */
char *http_page_base(http_request *req);
/* {"count": count, "next": url|null, "previous": url|null, "results": results} (results stolen). */
json_t *http_page_render(http_request *req, const http_page *pg, size_t count, json_t *results);

#endif
