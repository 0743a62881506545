/* json_scan.c: the strict allocation-free JSON scanner (see json_scan.h). A recursive-descent validator over a
 * cursor; top-level strings and keys are decoded into an arena sized up front so pointers into it stay valid. */
#include "util/json_scan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

#define MAX_DEPTH 64
#define MAX_TOP_MEMBERS 256
#define MAX_NUMBER_LEN 512

typedef struct cursor {
    const char *p, *end;
    json_scanner *sc;
} cursor;

void json_scanner_init(json_scanner *sc) { memset(sc, 0, sizeof *sc); }

void json_scanner_free(json_scanner *sc) {
    free(sc->members);
    free(sc->arena);
    json_scanner_init(sc);
}

static int fail(cursor *c, const char *what) {
    snprintf(c->sc->error, sizeof c->sc->error, "%s", what);
    return -1;
}

static void skip_ws(cursor *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static int hex4(const char *p, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char ch = p[i];
        v <<= 4;
        if (ch >= '0' && ch <= '9') v |= (unsigned)(ch - '0');
        else if (ch >= 'a' && ch <= 'f') v |= (unsigned)(ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F') v |= (unsigned)(ch - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static void arena_put(json_scanner *sc, const char *s, size_t n) {
    memcpy(sc->arena + sc->arena_len, s, n);
    sc->arena_len += n;
}

static void arena_put_codepoint(json_scanner *sc, unsigned cp) {
    char b[4];
    size_t n;
    if (cp < 0x80) b[0] = (char)cp, n = 1;
    else if (cp < 0x800) b[0] = (char)(0xC0 | (cp >> 6)), b[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    else if (cp < 0x10000)
        b[0] = (char)(0xE0 | (cp >> 12)), b[1] = (char)(0x80 | ((cp >> 6) & 0x3F)), b[2] = (char)(0x80 | (cp & 0x3F)),
        n = 3;
    else
        b[0] = (char)(0xF0 | (cp >> 18)), b[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), b[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    arena_put(sc, b, n);
}

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0. */
static size_t utf8_sequence(const unsigned char *p, const unsigned char *end) {
    unsigned char c = p[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c == 0xE0) n = 3, lo = 0xA0;
    else if (c >= 0xE1 && c <= 0xEC) n = 3;
    else if (c == 0xED) n = 3, hi = 0x9F;
    else if (c >= 0xEE && c <= 0xEF) n = 3;
    else if (c == 0xF0) n = 4, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) n = 4;
    else if (c == 0xF4) n = 4, hi = 0x8F;
    else return 0;
    if ((size_t)(end - p) < n) return 0;
    if (p[1] < lo || p[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF) return 0;
    return n;
}

/* Bytes that stand for themselves inside a string: printable ASCII other than '"' and '\\'. */
static const unsigned char plain_byte[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* Scan a string at c->p (on the opening quote). When `decode`, its value goes to the arena, NUL-terminated. */
static int scan_string(cursor *c, int decode, const char **out, size_t *out_len) {
    json_scanner *sc = c->sc;
    c->p++; /* opening quote */
    size_t start = sc->arena_len;
    const char *run = c->p;
    while (c->p < c->end) {
        while (c->p < c->end && plain_byte[(unsigned char)*c->p]) c->p++; /* the common case, one lookup a byte */
        if (c->p >= c->end) break;
        unsigned char ch = (unsigned char)*c->p;
        if (ch == '"') {
            if (decode) {
                arena_put(sc, run, (size_t)(c->p - run));
                *out = sc->arena + start;
                *out_len = sc->arena_len - start;
                sc->arena[sc->arena_len++] = 0;
            }
            c->p++;
            return 0;
        }
        if (ch < 0x20) return fail(c, "control character in string");
        if (ch == '\\') {
            if (decode) arena_put(sc, run, (size_t)(c->p - run));
            if (c->end - c->p < 2) return fail(c, "unterminated escape");
            char e = c->p[1];
            const char *simple = strchr("\"\\/bfnrt", e);
            if (e && simple) {
                static const char decoded[] = "\"\\/\b\f\n\r\t";
                if (decode) arena_put(sc, &decoded[simple - "\"\\/bfnrt"], 1);
                c->p += 2;
            } else if (e == 'u') {
                unsigned cp;
                if (c->end - c->p < 6 || hex4(c->p + 2, &cp) != 0) return fail(c, "invalid \\u escape");
                c->p += 6;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    unsigned lo;
                    if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u' || hex4(c->p + 2, &lo) != 0 ||
                        lo < 0xDC00 || lo > 0xDFFF)
                        return fail(c, "invalid surrogate pair");
                    c->p += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return fail(c, "invalid surrogate pair");
                } else if (cp == 0) {
                    return fail(c, "\\u0000 is not allowed");
                }
                if (decode) arena_put_codepoint(sc, cp);
            } else {
                return fail(c, "invalid escape");
            }
            run = c->p;
            continue;
        }
        if (ch >= 0x80) {
            size_t n = utf8_sequence((const unsigned char *)c->p, (const unsigned char *)c->end);
            if (!n) return fail(c, "invalid UTF-8");
            c->p += n;
            continue;
        }
        c->p++;
    }
    return fail(c, "unterminated string");
}

static int scan_number(cursor *c, json_value *v) {
    const char *s = c->p;
    if (c->p < c->end && *c->p == '-') c->p++;
    if (c->p >= c->end) return fail(c, "invalid number");
    if (*c->p == '0') {
        c->p++;
    } else if (*c->p >= '1' && *c->p <= '9') {
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') c->p++;
    } else {
        return fail(c, "invalid number");
    }
    int integer = 1;
    if (c->p < c->end && *c->p == '.') {
        integer = 0;
        c->p++;
        if (c->p >= c->end || *c->p < '0' || *c->p > '9') return fail(c, "invalid number");
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') c->p++;
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        integer = 0;
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-')) c->p++;
        if (c->p >= c->end || *c->p < '0' || *c->p > '9') return fail(c, "invalid number");
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') c->p++;
    }
    size_t n = (size_t)(c->p - s);
    if (n > MAX_NUMBER_LEN) return fail(c, "number too long");
    if (v) {
        char tmp[MAX_NUMBER_LEN + 1];
        memcpy(tmp, s, n);
        tmp[n] = 0;
        v->number = strtod(tmp, NULL);
        v->is_integer = integer;
        v->integer_fits = 0;
        if (integer) {
            char *end;
            errno = 0;
            long long ll = strtoll(tmp, &end, 10);
            if (errno == 0) v->integer = ll, v->integer_fits = 1;
        }
    }
    return 0;
}

static int scan_value(cursor *c, int depth, json_value *v, int decode);

static int scan_container(cursor *c, int depth, char close) {
    if (depth > MAX_DEPTH) return fail(c, "nesting too deep");
    c->p++;
    skip_ws(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        return 0;
    }
    for (;;) {
        skip_ws(c);
        if (close == '}') {
            if (c->p >= c->end || *c->p != '"') return fail(c, "expected a string key");
            if (scan_string(c, 0, NULL, NULL) != 0) return -1;
            skip_ws(c);
            if (c->p >= c->end || *c->p != ':') return fail(c, "expected ':'");
            c->p++;
            skip_ws(c);
        }
        if (scan_value(c, depth + 1, NULL, 0) != 0) return -1;
        skip_ws(c);
        if (c->p >= c->end) return fail(c, "unterminated object or array");
        if (*c->p == ',') {
            c->p++;
            continue;
        }
        if (*c->p == close) {
            c->p++;
            return 0;
        }
        return fail(c, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int literal(cursor *c, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0) return fail(c, "invalid literal");
    c->p += n;
    return 0;
}

static int scan_value(cursor *c, int depth, json_value *v, int decode) {
    if (c->p >= c->end) return fail(c, "unexpected end of input");
    const char *start = c->p;
    json_value tmp;
    if (!v) v = &tmp;
    memset(v, 0, sizeof *v);
    int rc;
    switch (*c->p) {
    case '"': v->kind = JK_STRING, rc = scan_string(c, decode, &v->str, &v->str_len); break;
    case '{': v->kind = JK_OBJECT, rc = scan_container(c, depth, '}'); break;
    case '[': v->kind = JK_ARRAY, rc = scan_container(c, depth, ']'); break;
    case 't': v->kind = JK_TRUE, rc = literal(c, "true"); break;
    case 'f': v->kind = JK_FALSE, rc = literal(c, "false"); break;
    case 'n': v->kind = JK_NULL, rc = literal(c, "null"); break;
    default: v->kind = JK_NUMBER, rc = scan_number(c, v == &tmp ? NULL : v); break;
    }
    v->raw = start;
    v->raw_len = (size_t)(c->p - start);
    return rc;
}

static void prepare(json_scanner *sc, size_t len) {
    sc->count = 0;
    sc->arena_len = 0;
    sc->error[0] = 0;
    if (sc->arena_cap < 2 * len + 16) {
        sc->arena_cap = 2 * len + 16;
        free(sc->arena);
        sc->arena = xmalloc(sc->arena_cap);
    }
}

int json_scan_value(json_scanner *sc, const char *text, size_t len, json_value *out) {
    prepare(sc, len);
    cursor c = {text, text + len, sc};
    skip_ws(&c);
    if (scan_value(&c, 1, out, 1) != 0) return -1;
    skip_ws(&c);
    if (c.p != c.end) return fail(&c, "trailing characters after the value");
    return 0;
}

int json_scan_object(json_scanner *sc, const char *text, size_t len) {
    prepare(sc, len);
    cursor c = {text, text + len, sc};
    skip_ws(&c);
    if (c.p >= c.end || *c.p != '{') return fail(&c, "not a JSON object");
    c.p++;
    skip_ws(&c);
    if (c.p < c.end && *c.p == '}') {
        c.p++;
    } else {
        for (;;) {
            skip_ws(&c);
            if (c.p >= c.end || *c.p != '"') return fail(&c, "expected a string key");
            if (sc->count == MAX_TOP_MEMBERS) return fail(&c, "too many members");
            if (sc->count == sc->cap) {
                sc->cap = sc->cap ? sc->cap * 2 : 16;
                sc->members = xrealloc(sc->members, sc->cap * sizeof *sc->members);
            }
            json_member *m = &sc->members[sc->count];
            m->raw_key = c.p;
            if (scan_string(&c, 1, &m->key, &m->key_len) != 0) return -1;
            m->raw_key_len = (size_t)(c.p - m->raw_key);
            for (size_t i = 0; i < sc->count; i++)
                if (sc->members[i].key_len == m->key_len && memcmp(sc->members[i].key, m->key, m->key_len) == 0)
                    return fail(&c, "duplicate key");
            skip_ws(&c);
            if (c.p >= c.end || *c.p != ':') return fail(&c, "expected ':'");
            c.p++;
            skip_ws(&c);
            if (scan_value(&c, 2, &m->value, 1) != 0) return -1;
            sc->count++;
            skip_ws(&c);
            if (c.p < c.end && *c.p == ',') {
                c.p++;
                continue;
            }
            if (c.p < c.end && *c.p == '}') {
                c.p++;
                break;
            }
            return fail(&c, "expected ',' or '}'");
        }
    }
    skip_ws(&c);
    if (c.p != c.end) return fail(&c, "trailing characters after the object");
    return 0;
}

const json_member *json_scan_get(const json_scanner *sc, const char *key) {
    size_t n = strlen(key);
    for (size_t i = 0; i < sc->count; i++)
        if (sc->members[i].key_len == n && memcmp(sc->members[i].key, key, n) == 0) return &sc->members[i];
    return NULL;
}

int json_scan_array(json_scanner *sc, const char *text, size_t len, json_element_fn fn, void *ctx) {
    prepare(sc, len);
    cursor c = {text, text + len, sc};
    skip_ws(&c);
    if (c.p >= c.end || *c.p != '[') return fail(&c, "not a JSON array");
    c.p++;
    skip_ws(&c);
    if (c.p < c.end && *c.p == ']') return 0;
    for (;;) {
        skip_ws(&c);
        json_value v;
        sc->arena_len = 0; /* each element's decoded string replaces the previous one */
        if (scan_value(&c, 2, &v, 1) != 0) return -1;
        int rc = fn(ctx, &v);
        if (rc) return rc;
        skip_ws(&c);
        if (c.p < c.end && *c.p == ',') {
            c.p++;
            continue;
        }
        if (c.p < c.end && *c.p == ']') return 0;
        return fail(&c, "expected ',' or ']'");
    }
}
