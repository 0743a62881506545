/* body.c: request bodies as one JSON value (see body.h): the JSON, form-encoded and multipart readers DRF's default
 * parsers stand for, written once for every family that takes them. */
#include "http/body.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"

http_body_kind http_body_kind_of(const char *ct) {
    if (!ct) return HTTP_BODY_NONE;
    while (*ct == ' ' || *ct == '\t') ct++;
    size_t n = 0;
    while (ct[n] && ct[n] != ';' && ct[n] != ' ' && ct[n] != '\t') n++;
    if (n == 16 && strncasecmp(ct, "application/json", n) == 0) return HTTP_BODY_JSON;
    if (n == 33 && strncasecmp(ct, "application/x-www-form-urlencoded", n) == 0) return HTTP_BODY_FORM;
    if (n == 19 && strncasecmp(ct, "multipart/form-data", n) == 0) return HTTP_BODY_MULTIPART;
    return HTTP_BODY_OTHER;
}

/* Length of the valid UTF-8 sequence at s (at most `left` bytes), or 0 when it is not one. */
static size_t utf8_valid(const unsigned char *s, size_t left) {
    size_t n;
    uint32_t cp;
    if (s[0] < 0x80) return 1;
    if ((s[0] & 0xE0) == 0xC0) n = 2, cp = s[0] & 0x1Fu;
    else if ((s[0] & 0xF0) == 0xE0) n = 3, cp = s[0] & 0x0Fu;
    else if ((s[0] & 0xF8) == 0xF0) n = 4, cp = s[0] & 0x07u;
    else return 0;
    if (n > left) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* A JSON string of bytes decoded as Python's bytes.decode("utf-8", "replace") would (NULs kept). */
static json_t *text_value(const char *s, size_t len) {
    buf b;
    buf_init(&b);
    for (size_t i = 0; i < len;) {
        size_t n = utf8_valid((const unsigned char *)s + i, len - i);
        if (n) buf_append(&b, s + i, n), i += n;
        else buf_append_str(&b, "\xef\xbf\xbd"), i++;
    }
    json_t *v = json_stringn(b.data ? b.data : "", b.len);
    buf_free(&b);
    return v;
}

/* Add name=value to the object: a second value turns the entry into an array. Takes `value`. */
static void add_field(json_t *obj, const char *name, json_t *value) {
    json_t *have = json_object_get(obj, name);
    if (!have) {
        json_object_set_new(obj, name, value);
    } else if (json_is_array(have)) {
        json_array_append_new(have, value);
    } else {
        json_t *list = json_pack("[O]", have);
        json_array_append_new(list, value);
        json_object_set_new(obj, name, list);
    }
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Python's unquote_plus of s[0..len) as a JSON string. */
static json_t *form_unquote(const char *s, size_t len) {
    char *d = xmalloc(len + 1);
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '+') d[k++] = ' ';
        else if (s[i] == '%' && i + 2 < len && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0)
            d[k++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])), i += 2;
        else d[k++] = s[i];
    }
    json_t *v = text_value(d, k);
    free(d);
    return v;
}

void http_body_parse_form(const char *body, size_t len, json_t **out) {
    json_t *obj = json_object();
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && body[end] != '&') end++;
        if (end > i) {
            size_t eq = i;
            while (eq < end && body[eq] != '=') eq++;
            json_t *name = form_unquote(body + i, eq - i);
            json_t *value = eq < end ? form_unquote(body + eq + 1, end - eq - 1) : json_string("");
            /* jansson keys stop at a NUL: a name holding one cannot be a field name anyway */
            add_field(obj, json_string_value(name), value);
            json_decref(name);
        }
        i = end + 1;
    }
    *out = obj;
}

/* The value of parameter `key` in a header value (`; key=value` or `; key="value"`), into out; 0 when found. */
static int header_param(const char *h, size_t hlen, const char *key, char *out, size_t outlen) {
    size_t kl = strlen(key);
    for (size_t i = 0; i < hlen; i++) {
        if (h[i] != ';') continue;
        size_t j = i + 1;
        while (j < hlen && (h[j] == ' ' || h[j] == '\t')) j++;
        if (j + kl >= hlen || strncasecmp(h + j, key, kl) != 0 || h[j + kl] != '=') continue;
        j += kl + 1;
        size_t k = 0;
        if (j < hlen && h[j] == '"') {
            for (j++; j < hlen && h[j] != '"'; j++)
                if (k + 1 < outlen) out[k++] = h[j];
        } else {
            for (; j < hlen && h[j] != ';' && h[j] != ' ' && h[j] != '\t' && h[j] != '\r'; j++)
                if (k + 1 < outlen) out[k++] = h[j];
        }
        out[k] = 0;
        return 0;
    }
    return -1;
}

static const char *find_bytes(const char *hay, size_t hlen, const char *needle, size_t nlen) {
    if (nlen == 0 || hlen < nlen) return NULL;
    for (size_t i = 0; i + nlen <= hlen; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0) return hay + i;
    return NULL;
}

int http_body_parse_multipart(const char *content_type, const char *body, size_t len, json_t **out, char *err,
                              size_t errlen) {
    *out = NULL;
    char boundary[256];
    if (!content_type || header_param(content_type, strlen(content_type), "boundary", boundary, sizeof boundary) != 0 ||
        !*boundary || strlen(boundary) > 200) {
        snprintf(err, errlen, "Invalid boundary in multipart: None");
        return -1;
    }
    char delim[208];
    size_t dl = (size_t)snprintf(delim, sizeof delim, "--%s", boundary);
    const char *p = find_bytes(body, len, delim, dl), *end = body + len;
    if (!p) {
        snprintf(err, errlen, "Invalid boundary in multipart: %s", boundary);
        return -1;
    }
    json_t *obj = json_object();
    char crlf_delim[212];
    size_t cdl = (size_t)snprintf(crlf_delim, sizeof crlf_delim, "\r\n--%s", boundary);
    for (;;) {
        p += dl;
        if (end - p >= 2 && p[0] == '-' && p[1] == '-') break; /* the closing delimiter */
        while (p < end && *p != '\n') p++;                   /* rest of the delimiter line */
        if (p >= end) break;
        p++;
        const char *hend = find_bytes(p, (size_t)(end - p), "\r\n\r\n", 4);
        if (!hend) break;
        const char *content = hend + 4;
        const char *next = find_bytes(content, (size_t)(end - content), crlf_delim, cdl);
        if (!next) break;
        char name[256] = "", filename[8];
        int has_name = 0, is_file = 0;
        for (const char *line = p; line < hend + 2;) {
            const char *eol = find_bytes(line, (size_t)(hend + 2 - line), "\r\n", 2);
            if (!eol) break;
            size_t ll = (size_t)(eol - line);
            if (ll > 20 && strncasecmp(line, "content-disposition:", 20) == 0) {
                has_name = header_param(line, ll, "name", name, sizeof name) == 0;
                is_file = header_param(line, ll, "filename", filename, sizeof filename) == 0;
            }
            line = eol + 2;
        }
        if (!has_name) {
            json_decref(obj);
            snprintf(err, errlen, "a multipart part has no name");
            return -1;
        }
        if (!is_file) add_field(obj, name, text_value(content, (size_t)(next - content)));
        p = next + 2;
    }
    *out = obj;
    return 0;
}

int http_body_read(http_request *req, json_t **out, int *is_form) {
    *is_form = 0;
    if (req->body_len == 0) return *out = json_object(), 0;
    const char *ct = http_header(req, "Content-Type");
    char msg[320];
    switch (http_body_kind_of(ct)) {
    case HTTP_BODY_FORM:
        *is_form = 1;
        http_body_parse_form(req->body, req->body_len, out);
        return 0;
    case HTTP_BODY_MULTIPART: {
        char err[256];
        *is_form = 1;
        if (http_body_parse_multipart(ct, req->body, req->body_len, out, err, sizeof err) == 0) return 0;
        snprintf(msg, sizeof msg, "Multipart form parse error - %s", err);
        return http_error_code(req, 400, "parse_error", NULL, msg), -1;
    }
    default: {
        json_error_t jerr;
        *out = json_loadb(req->body, req->body_len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        if (*out) return 0;
        snprintf(msg, sizeof msg, "JSON parse error - %s: line %d column %d (char %d)", jerr.text, jerr.line,
                 jerr.column, jerr.position);
        return http_error_code(req, 400, "parse_error", NULL, msg), -1;
    }
    }
}
