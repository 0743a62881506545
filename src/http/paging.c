/* paging.c: DRF limit/offset pages for the organizations family (see paging.h for the rules). */
#include "http/paging.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

static int is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f); }

int http_page_parse_int(const char *s, long *out) {
    if (!s) return -1;
    size_t len = strlen(s);
    while (len && is_space((unsigned char)s[len - 1])) len--;
    size_t i = 0;
    while (i < len && is_space((unsigned char)s[i])) i++;
    int neg = 0;
    if (i < len && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    if (i == len) return -1;
    long v = 0;
    int prev_digit = 0;
    for (; i < len; i++) {
        char c = s[i];
        if (c == '_') {
            if (!prev_digit || i + 1 == len) return -1; /* '_' only between digits */
            prev_digit = 0;
            continue;
        }
        if (c < '0' || c > '9') return -1;
        if (v < HTTP_PAGE_INT_MAX) v = v * 10 + (c - '0');
        if (v > HTTP_PAGE_INT_MAX) v = HTTP_PAGE_INT_MAX;
        prev_digit = 1;
    }
    if (!prev_digit) return -1;
    *out = neg ? -v : v;
    return 0;
}

long http_page_limit_of(const char *raw, long def, long max) {
    long v;
    if (http_page_parse_int(raw, &v) != 0 || v <= 0) return def;
    return max > 0 && v > max ? max : v;
}

long http_page_offset_of(const char *raw) {
    long v;
    if (http_page_parse_int(raw, &v) != 0 || v < 0) return 0;
    return v;
}

/* Python's quote(s, safe): the always-safe characters, those of `safe`, and %XX (upper case) for the rest;
 * with `plus`, ' ' becomes '+' (quote_plus). */
static void quote(buf *b, const char *s, const char *safe, int plus) {
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
            c == '-' || c == '~' || (safe && strchr(safe, c))) {
            buf_append_char(b, (char)c);
        } else if (plus && c == ' ') {
            buf_append_char(b, '+');
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_append(b, e, 3);
        }
    }
}

typedef struct sorted_pair {
    const char *name, *value;
    size_t pos; /* arrival order: Python's sort is stable and parse_qs keeps a key's values in order */
} sorted_pair;

static int cmp_pair(const void *a, const void *b) {
    const sorted_pair *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c) return c;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

char *http_page_url(const char *base, const char *path, const http_query_pair *q, size_t n, long limit, long offset) {
    char limit_s[32], offset_s[32];
    snprintf(limit_s, sizeof limit_s, "%ld", limit);
    snprintf(offset_s, sizeof offset_s, "%ld", offset);
    sorted_pair *ps = xcalloc(n + 2, sizeof *ps);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(q[i].name, "limit") == 0 || strcmp(q[i].name, "offset") == 0) continue;
        if (strcmp(q[i].name, "personal_api_key") == 0) continue; /* a secret is never returned (auth.md) */
        ps[m] = (sorted_pair){q[i].name, q[i].value ? q[i].value : "", m};
        m++;
    }
    ps[m] = (sorted_pair){"limit", limit_s, m}, m++;
    if (offset >= 0) ps[m] = (sorted_pair){"offset", offset_s, m}, m++;
    qsort(ps, m, sizeof *ps, cmp_pair);
    buf b;
    buf_init(&b);
    buf_append_str(&b, base);
    quote(&b, path, "/:@&+$,!*'()", 0); /* Django's escape_uri_path */
    for (size_t i = 0; i < m; i++) {
        buf_append_char(&b, i ? '&' : '?');
        quote(&b, ps[i].name, NULL, 1);
        buf_append_char(&b, '=');
        quote(&b, ps[i].value, NULL, 1);
    }
    free(ps);
    return buf_detach(&b, NULL);
}

void http_page_links(const char *base, const char *path, const http_query_pair *q, size_t n, const http_page *pg,
                     size_t count, char **next, char **previous) {
    *next = NULL, *previous = NULL;
    if (!((size_t)pg->offset + (size_t)pg->limit >= count))
        *next = http_page_url(base, path, q, n, pg->limit, pg->offset + pg->limit);
    if (pg->offset > 0)
        *previous = http_page_url(base, path, q, n, pg->limit, pg->offset - pg->limit <= 0 ? -1 : pg->offset - pg->limit);
}

/* ---- on a request ---- */

typedef struct last_values {
    const char *limit, *offset;
} last_values;

static int take_last(void *ctx, const char *name, const char *value) {
    last_values *l = ctx;
    if (strcmp(name, "limit") == 0) l->limit = value;
    if (strcmp(name, "offset") == 0) l->offset = value;
    return 0;
}

void http_page_parse(http_request *req, http_page *out) {
    last_values l = {NULL, NULL};
    http_query_each(req, take_last, &l);
    out->limit = http_page_limit_of(l.limit, HTTP_PAGE_DEFAULT_LIMIT, HTTP_PAGE_MAX_LIMIT);
    out->offset = http_page_offset_of(l.offset);
}

char *http_page_base(http_request *req) {
    const char *pub = req->app->config.public_url;
    buf b;
    buf_init(&b);
    if (pub && *pub) {
        size_t len = strlen(pub);
        while (len && pub[len - 1] == '/') len--;
        buf_append(&b, pub, len);
    } else {
        const char *host = http_header(req, "Host");
        buf_append_str(&b, "http://");
        buf_append_str(&b, host && *host ? host : "localhost");
    }
    return buf_detach(&b, NULL);
}

typedef struct pair_list {
    http_query_pair *items;
    size_t n, cap;
} pair_list;

static int collect_pair(void *ctx, const char *name, const char *value) {
    pair_list *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->items = xrealloc(l->items, l->cap * sizeof *l->items);
    }
    l->items[l->n++] = (http_query_pair){name, value};
    return 0;
}

json_t *http_page_render(http_request *req, const http_page *pg, size_t count, json_t *results) {
    pair_list l = {NULL, 0, 0};
    http_query_each(req, collect_pair, &l);
    char *base = http_page_base(req), *next, *previous;
    http_page_links(base, req->path, l.items, l.n, pg, count, &next, &previous);
    json_t *o = json_object();
    json_object_set_new(o, "count", json_integer((json_int_t)count));
    json_object_set_new(o, "next", next ? json_string(next) : json_null());
    json_object_set_new(o, "previous", previous ? json_string(previous) : json_null());
    json_object_set_new(o, "results", results);
    free(next), free(previous), free(base), free(l.items);
    return o;
}
