/* server.c: the HTTP server (see server.h): libmicrohttpd glue, request bodies with their size limit, the generic
 * checks every request passes before its handler (route, method, body, content type, key, scope), the response
 * helpers, and one access-log line per request. */
#include "http/server.h"

#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/auth.h"
#include "http/metrics.h"
#include "http/ratelimit.h"
#include "http/routes.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/text.h"
#include "util/time.h"

struct http_server {
    struct MHD_Daemon *daemon;
    app *app;
    unsigned port;
};

/* Requests between their first byte and their completion, for a graceful stop; and the stop has begun. */
static int in_flight, stopping;

/* ---- responses ---- */

/* Queue response r (taking it) with the content type and the request's extra headers; the request has answered. */
static void queue_response(http_request *req, struct MHD_Response *r, int status, const char *content_type) {
    if (status != 204 && content_type) /* a 204 has no body, so no type */
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    for (int i = 0; i < req->nextra_headers; i++)
        MHD_add_response_header(r, req->extra_header_names[i], req->extra_header_values[i]);
    MHD_queue_response(req->conn, (unsigned)status, r);
    MHD_destroy_response(r);
    req->status = status;
    req->responded = 1;
}

int http_respond(http_request *req, int status, const char *content_type, char *body, size_t len) {
    if (req->responded) {
        free(body);
        return 0;
    }
    if (status == 204) free(body), body = NULL, len = 0;
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return -1;
    }
    queue_response(req, r, status, content_type);
    req->response_bytes = len;
    return 0;
}

int http_respond_json(http_request *req, int status, json_t *body) {
    char *text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(body);
    if (!text) return http_error(req, 500, NULL, "internal error");
    return http_respond(req, status, "application/json", text, strlen(text));
}

/* A streamed body: the piece being sent and the producer of the next ones. */
typedef struct http_stream {
    buf piece;
    size_t sent; /* bytes of piece already handed to libmicrohttpd */
    int last;    /* the producer has said its last piece is in `piece` */
    http_stream_next next;
    void (*done)(void *ctx);
    void *ctx;
    size_t *sent_total; /* the request's response_bytes, for the access log: libmicrohttpd reads a body only while its
                         * request lives (it reports completion before it frees the response) */
} http_stream;

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max) {
    (void)pos;
    http_stream *st = cls;
    while (st->sent == st->piece.len) {
        if (st->last) return MHD_CONTENT_READER_END_OF_STREAM;
        st->piece.len = 0, st->sent = 0;
        int rc = st->next(st->ctx, &st->piece);
        if (rc < 0) return MHD_CONTENT_READER_END_WITH_ERROR;
        if (rc == 0) st->last = 1;
    }
    size_t n = st->piece.len - st->sent;
    if (n > max) n = max;
    memcpy(out, st->piece.data + st->sent, n);
    st->sent += n;
    *st->sent_total += n;
    return (ssize_t)n;
}

static void stream_free(void *cls) {
    http_stream *st = cls;
    if (st->done) st->done(st->ctx);
    buf_free(&st->piece);
    free(st);
}

int http_respond_stream(http_request *req, int status, const char *content_type, http_stream_next next,
                        void (*done)(void *ctx), void *ctx) {
    if (req->responded) {
        if (done) done(ctx);
        return 0;
    }
    http_stream *st = xcalloc(1, sizeof *st);
    buf_init(&st->piece);
    st->next = next, st->done = done, st->ctx = ctx;
    st->sent_total = &req->response_bytes;
    struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, st, stream_free);
    if (!r) {
        stream_free(st);
        return -1;
    }
    queue_response(req, r, status, content_type);
    return 0;
}

void http_add_header(http_request *req, const char *name, const char *value) {
    if (req->nextra_headers == HTTP_MAX_HEADERS) return;
    req->extra_header_names[req->nextra_headers] = name;
    req->extra_header_values[req->nextra_headers++] = xstrdup(value);
}

/* ---- request data ---- */

const char *http_query(http_request *req, const char *name) {
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

typedef struct count_ctx {
    const char *name;
    int count;
} count_ctx;

static enum MHD_Result count_value(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    (void)kind, (void)value;
    count_ctx *c = cls;
    if (strcmp(key, c->name) == 0) c->count++;
    return MHD_YES;
}

int http_query_count(http_request *req, const char *name) {
    count_ctx c = {name, 0};
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, count_value, &c);
    return c.count;
}

const char *http_header(http_request *req, const char *name) {
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

typedef struct each_ctx {
    int (*fn)(void *ctx, const char *name, const char *value);
    void *ctx;
    int rc;
} each_ctx;

static enum MHD_Result each_value(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    (void)kind;
    each_ctx *c = cls;
    c->rc = c->fn(c->ctx, key, value ? value : "");
    return c->rc ? MHD_NO : MHD_YES;
}

int http_query_each(http_request *req, int (*fn)(void *ctx, const char *name, const char *value), void *ctx) {
    each_ctx c = {fn, ctx, 0};
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, each_value, &c);
    return c.rc;
}

/* ---- dispatch ---- */

static void request_free(http_request *req) {
    for (int i = 0; i < req->nparams; i++) free(req->params[i]);
    for (int i = 0; i < req->nextra_headers; i++) free(req->extra_header_values[i]);
    http_caller_clear(&req->caller);
    free(req->body);
    free(req->path);
    free(req);
}

/* The media type of the request without parameters, lowercased, or "" */
static void media_type(http_request *req, char *out, size_t outlen) {
    const char *ct = http_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
    size_t n = 0;
    if (ct) {
        while (*ct == ' ') ct++;
        while (ct[n] && ct[n] != ';' && ct[n] != ' ' && n + 1 < outlen) {
            out[n] = (char)(ct[n] >= 'A' && ct[n] <= 'Z' ? ct[n] + 32 : ct[n]);
            n++;
        }
    }
    out[n] = 0;
}

/* Where a presented secret came from. */
typedef enum secret_source { SECRET_NONE, SECRET_BEARER, SECRET_OTHER_HEADER, SECRET_QUERY } secret_source;

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

/* The key of an Authorization header as PostHog reads it (posthog-reference.md §1.1): surrounding whitespace
 * stripped, then `^Bearer\s+(\S.+)$` (the keyword in any case, as orgpulse always took it). Copied into out;
 * 0 when the header has that form. */
static int bearer_key(const char *authz, char *out, size_t outlen) {
    while (is_space(*authz)) authz++;
    size_t n = strlen(authz);
    while (n && is_space(authz[n - 1])) n--;
    if (n < 7 || strncasecmp(authz, "Bearer", 6) != 0 || !is_space(authz[6])) return -1;
    size_t i = 6;
    while (i < n && is_space(authz[i])) i++;
    if (n - i < 2 || n - i >= outlen) return -1; /* \S.+ : two characters at least */
    memcpy(out, authz + i, n - i);
    out[n - i] = 0;
    return 0;
}

/* The secret the caller presented, per the family's accepted headers (auth.md), into out, with where it was found
 * (SECRET_NONE: none). */
static secret_source presented_secret(http_request *req, char *out, size_t outlen) {
    const char *authz = http_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
    if (authz && bearer_key(authz, out, outlen) == 0) return SECRET_BEARER;
    const char *s = NULL;
    secret_source src = SECRET_NONE;
    if (req->family == FAMILY_ENGAGEMENT) { /* Rocket.Chat's pair: the token counts only with an X-User-Id (any) */
        const char *t = http_header(req, "X-Auth-Token");
        if (t && http_header(req, "X-User-Id")) s = t, src = SECRET_OTHER_HEADER;
    }
    if (!s && req->family == FAMILY_ORGS) {
        const char *k = http_query(req, "personal_api_key");
        if (k) s = k, src = SECRET_QUERY;
    }
    if (!s || !*s || strlen(s) >= outlen) return SECRET_NONE;
    snprintf(out, outlen, "%s", s);
    return src;
}

/* Users v2: an `environment-id` header, when sent, names the key's project by id or by name (auth.md). */
static int environment_matches(http_request *req) {
    const char *env = http_header(req, "environment-id");
    if (!env) return 1;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)req->caller.project_id);
    if (strcmp(env, id) == 0) return 1;
    int64_t named;
    return *env && store_project_find(req->app->store, env, &named) == STORE_OK && named == req->caller.project_id;
}

/* A 401 in the request's family shape; the organizations family's carries WWW-Authenticate as DRF's does. */
static int unauthorized(http_request *req, const char *code, const char *message) {
    if (req->family != FAMILY_ORGS) return http_error(req, 401, NULL, message);
    http_add_header(req, "WWW-Authenticate", "Bearer realm=\"api\"");
    return http_error_code(req, 401, code, NULL, message);
}

/* Who the caller is: 0 with req->caller set, or answers 401 and returns -1. */
static int identify(http_request *req) {
    char secret[512];
    secret_source src = presented_secret(req, secret, sizeof secret);
    if (src == SECRET_NONE) {
        if (req->family == FAMILY_ORGS) /* PostHog's words (posthog-reference.md §1.1) */
            return unauthorized(req, "not_authenticated", "Authentication credentials were not provided."), -1;
        return unauthorized(req, NULL, "missing API key"), -1;
    }
    if (auth_verify_secret(req->app->keys, secret, &req->caller) != 0) {
        if (req->family == FAMILY_ORGS)
            return unauthorized(req, "authentication_failed",
                                src == SECRET_BEARER ? "Personal API key found in request Authorization header is invalid."
                                                     : "Personal API key found in request query string is invalid."), -1;
        return unauthorized(req, NULL, "invalid or revoked API key"), -1;
    }
    req->authenticated = 1;
    return 0;
}

static int authenticate(http_request *req) {
    const route *r = req->route;
    if (identify(req) != 0) return -1;
    if (!auth_scopes_grant(req->caller.scopes, r->scope)) {
        char msg[160];
        snprintf(msg, sizeof msg, "API key missing required scope '%s'", r->scope);
        return http_error(req, 403, NULL, msg), -1;
    }
    if (req->caller.org_id && !(r->flags & ROUTE_ORG_KEY_OK))
        return http_error(req, 403, NULL, "an organization-scoped API key cannot use this endpoint"), -1;
    if (req->family == FAMILY_USERS_V2 && !environment_matches(req))
        return http_error(req, 403, NULL, "environment-id does not match the API key's environment"), -1;
    int retry_after;
    if (req->app->limiter && ratelimit_take(req->app->limiter, req->caller.key_id, time_monotonic_us(), &retry_after)) {
        char secs[16], msg[96];
        snprintf(secs, sizeof secs, "%d", retry_after);
        snprintf(msg, sizeof msg, "Request was throttled. Expected available in %d second%s.", retry_after,
                 retry_after == 1 ? "" : "s");
        http_add_header(req, "Retry-After", secs);
        return http_error(req, 429, NULL, msg), -1;
    }
    return 0;
}

/* DRF's view name for a route (get_view_name): "<Model> List" for a collection, "<Model> Instance" for one item
 * (the collection's segment singular, in title case), the action's pretty name ("Environments rollback") for an
 * action after an item. */
static void drf_view_name(const char *pattern, char *out, size_t outlen) {
    const char *last = strrchr(pattern, '/');
    last = last ? last + 1 : pattern;
    const char *prev_end = last > pattern ? last - 1 : pattern, *prev = prev_end;
    while (prev > pattern && prev[-1] != '/') prev--;
    buf b;
    buf_init(&b);
    if (*last != '{' && *prev == '{') { /* an action: pretty_name */
        for (const char *c = last; *c; c++)
            buf_append_char(&b, c == last && *c >= 'a' && *c <= 'z' ? (char)(*c - 32) : *c == '_' ? ' ' : *c);
    } else {
        const char *seg = *last == '{' ? prev : last, *seg_end = *last == '{' ? prev_end : last + strlen(last);
        if (seg_end > seg && seg_end[-1] == 's') seg_end--;
        for (const char *c = seg; c < seg_end; c++) {
            int start = c == seg || c[-1] == '_';
            buf_append_char(&b, *c == '_' ? ' ' : start && *c >= 'a' && *c <= 'z' ? (char)(*c - 32) : *c);
        }
        buf_append_str(&b, *last == '{' ? " Instance" : " List");
    }
    snprintf(out, outlen, "%s", buf_cstr(&b));
    buf_free(&b);
}

/* A method the path does not route, in the organizations family: DRF authenticates first (401 without a valid
 * key), then answers OPTIONS with its metadata (SimpleMetadata, without `actions`) and anything else 405. Allow
 * lists the path's methods, then HEAD when GET is one, then OPTIONS (DRF's http_method_names order). */
static void drf_not_allowed(http_request *req, const char *methods) {
    if (identify(req) != 0) return;
    char allow[96];
    snprintf(allow, sizeof allow, "%s%s, OPTIONS", methods, strstr(methods, "GET") ? ", HEAD" : "");
    http_add_header(req, "Allow", allow);
    if (strcmp(req->method, "OPTIONS") == 0) {
        char name[128];
        drf_view_name(req->route->pattern, name, sizeof name);
        http_respond_json(req, 200,
                          json_pack("{s:s, s:s, s:[s], s:[s,s,s]}", "name", name, "description", "", "renders",
                                    "application/json", "parses", "application/json",
                                    "application/x-www-form-urlencoded", "multipart/form-data"));
        return;
    }
    char msg[96];
    snprintf(msg, sizeof msg, "Method \"%.40s\" not allowed.", req->method);
    http_error(req, 405, NULL, msg);
}

static void dispatch(http_request *req) {
    const route *r = req->route;
    if (req->body_too_large) {
        char msg[128];
        snprintf(msg, sizeof msg, "request body exceeds the limit of %zu bytes", req->app->config.max_body);
        http_error(req, 413, NULL, msg);
        return;
    }
    if (r->scope && authenticate(req) != 0) return;
    if (r->flags & (ROUTE_BODY_JSON | ROUTE_BODY_EVENTS)) {
        char mt[128];
        media_type(req, mt, sizeof mt);
        int ok = strcmp(mt, "application/json") == 0 ||
                 ((r->flags & ROUTE_BODY_EVENTS) && strcmp(mt, "application/x-ndjson") == 0) ||
                 (req->family == FAMILY_ORGS && /* DRF's default parsers (posthog-reference.md §0), http/body.c */
                  (strcmp(mt, "application/x-www-form-urlencoded") == 0 || strcmp(mt, "multipart/form-data") == 0));
        if (!ok && req->body_len > 0 && req->family == FAMILY_ORGS) { /* DRF's UnsupportedMediaType */
            char msg[200];
            const char *ct = http_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
            snprintf(msg, sizeof msg, "Unsupported media type \"%.120s\" in request.", ct ? ct : "");
            http_error_code(req, 415, "unsupported_media_type", NULL, msg);
            return;
        }
        if (!ok && (req->body_len > 0 || (r->flags & ROUTE_BODY_EVENTS))) {
            http_error(req, 415, NULL,
                       (r->flags & ROUTE_BODY_EVENTS)
                           ? "Content-Type must be application/x-ndjson or application/json"
                           : "Content-Type must be application/json");
            return;
        }
    }
    if (r->handler(req) != 0 || !req->responded) http_error(req, 500, NULL, "internal error");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
    (void)version;
    app *a = cls;
    http_request *req = *con_cls;
    if (!req) {
        req = xcalloc(1, sizeof *req);
        req->app = a;
        req->conn = conn;
        req->method = method;
        req->path = xstrdup(url);
        req->start_us = time_monotonic_us();
        req->family = route_family_of_path(url);
        *con_cls = req;
        __atomic_fetch_add(&in_flight, 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&stopping, __ATOMIC_SEQ_CST)) {
            http_add_header(req, "Connection", "close");
            http_error(req, 503, NULL, "the server is stopping");
            return MHD_YES;
        }
        char allow[64];
        switch (route_match(method, url, &req->route, req->params, &req->nparams, allow, sizeof allow)) {
        case ROUTE_NOT_FOUND: http_error(req, 404, NULL, "no such endpoint"); break;
        case ROUTE_METHOD_NOT_ALLOWED:
            req->family = req->route->family;
            if (req->family == FAMILY_ORGS) drf_not_allowed(req, allow);
            else {
                http_add_header(req, "Allow", allow);
                http_error(req, 405, NULL, "method not allowed");
            }
            break;
        case ROUTE_FOUND: {
            req->family = req->route->family;
            const char *cl = http_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
            if (cl && strtoull(cl, NULL, 10) > a->config.max_body) {
                req->body_too_large = 1;
                dispatch(req);
            }
            break;
        }
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!req->responded && !req->body_too_large) {
            if (req->body_len + *upload_data_size > a->config.max_body) {
                req->body_too_large = 1;
                free(req->body);
                req->body = NULL, req->body_len = 0, req->body_cap = 0;
            } else {
                if (req->body_len + *upload_data_size + 1 > req->body_cap) {
                    size_t cap = req->body_cap ? req->body_cap : 4096;
                    while (cap < req->body_len + *upload_data_size + 1) cap *= 2;
                    req->body = xrealloc(req->body, cap);
                    req->body_cap = cap;
                }
                memcpy(req->body + req->body_len, upload_data, *upload_data_size);
                req->body_len += *upload_data_size;
                req->body[req->body_len] = 0;
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (!req->responded) dispatch(req);
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe) {
    (void)cls, (void)conn;
    http_request *req = *con_cls;
    if (!req) return;
    int64_t us = time_monotonic_us() - req->start_us;
    double ms = (double)us / 1000.0;
    const route *r = req->route;
    int routed = r && (strcmp(r->method, req->method) == 0 || (!strcmp(req->method, "HEAD") && !strcmp(r->method, "GET")));
    metrics_request(routed ? (int)(r - route_table) : -1, req->status, us);
    log_info("%s %s %d %zu %.2fms key=%s%s", req->method, req->path, req->status, req->response_bytes, ms,
             req->authenticated ? req->caller.key_id : "-",
             toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
    request_free(req);
    *con_cls = NULL;
    __atomic_fetch_sub(&in_flight, 1, __ATOMIC_SEQ_CST);
}

/* Paths and query values are percent-decoded by text_percent_decode, which keeps %00 as written (libmicrohttpd's own
 * decoder would put a NUL there and cut the string short). */
static size_t on_unescape(void *cls, struct MHD_Connection *conn, char *s) {
    (void)cls, (void)conn;
    return text_percent_decode(s);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n') msg[--n] = 0;
    log_error("http: %s", msg);
}

int http_server_start(app *a, http_server **out, char *err, size_t errlen) {
    char host[256];
    const char *colon = strrchr(a->config.listen, ':');
    if (!colon) {
        snprintf(err, errlen, "--listen must be HOST:PORT, got '%s'", a->config.listen);
        return -1;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - a->config.listen), a->config.listen);
    char *h = host;
    size_t hl = strlen(h);
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') h[hl - 1] = 0, h++;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res;
    int gai = getaddrinfo(*h ? h : NULL, colon + 1, &hints, &res);
    if (gai != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", a->config.listen, gai_strerror(gai));
        return -1;
    }
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (res->ai_family == AF_INET6) flags |= MHD_USE_IPv6;
    http_server *s = xcalloc(1, sizeof *s);
    s->app = a;
    metrics_init(route_count);
    if (a->config.rate_limit > 0 && ratelimit_create(a->config.rate_limit, a->config.rate_burst, &a->limiter) != 0) {
        snprintf(err, errlen, "bad rate limit %g/%g", a->config.rate_limit, a->config.rate_burst);
        free(s);
        freeaddrinfo(res);
        return -1;
    }
    unsigned idle = a->config.idle_timeout_s ? a->config.idle_timeout_s : 30;
    unsigned threads = a->config.threads ? a->config.threads : 2;
    s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, a, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
                                 MHD_OPTION_SOCK_ADDR, res->ai_addr,
                                 MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, a,
                                 MHD_OPTION_UNESCAPE_CALLBACK, on_unescape, NULL,
                                 MHD_OPTION_CONNECTION_TIMEOUT, idle, MHD_OPTION_CONNECTION_LIMIT,
                                 (unsigned)4096, MHD_OPTION_PER_IP_CONNECTION_LIMIT, a->config.per_ip_connections,
                                 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_END);
    freeaddrinfo(res);
    if (!s->daemon) {
        snprintf(err, errlen, "cannot listen on %s", a->config.listen);
        ratelimit_free(a->limiter);
        a->limiter = NULL;
        free(s);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : 0;
    *out = s;
    return 0;
}

void http_server_stop(http_server *s) {
    if (!s) return;
    /* Refuse new requests (503), then give the requests in flight up to 30 s to finish before closing every
     * connection. Not MHD_quiesce_daemon: with an epoll thread pool it races the workers, which remove the listening
     * socket from their epoll sets too, and the loser aborts the process ("Failed to remove listen FD from epoll
     * set"). */
    __atomic_store_n(&stopping, 1, __ATOMIC_SEQ_CST);
    int64_t deadline = time_monotonic_us() + 30 * 1000000LL;
    while (__atomic_load_n(&in_flight, __ATOMIC_SEQ_CST) > 0 && time_monotonic_us() < deadline) usleep(10000);
    MHD_stop_daemon(s->daemon);
    ratelimit_free(s->app->limiter);
    s->app->limiter = NULL;
    free(s);
}

unsigned http_server_port(const http_server *s) { return s->port; }
