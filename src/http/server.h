/* server.h: orgpulse's HTTP server on libmicrohttpd (epoll, a thread pool): the request object every handler
 * receives, the response helpers every handler answers with, and the server's life cycle.
 * Dispatch (route look-up, body limits, content types, auth) happens once in server.c before a handler runs,
 * as Redis's processCommand does; handlers in src/api only parse their parameters, call the engine and render. */
#ifndef ORGPULSE_HTTP_SERVER_H
#define ORGPULSE_HTTP_SERVER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/index.h"
#include "store/store.h"

struct MHD_Connection;
struct route;
struct keycache;

/* Which clients' conventions a route follows: decides the error body shapes and accepted auth headers. */
typedef enum err_family {
    FAMILY_ORGPULSE,   /* the /v1 API, and any unknown path */
    FAMILY_INSIGHTS,   /* PropelAuth-compatible */
    FAMILY_USAGE,      /* Tabnine-compatible */
    FAMILY_ENGAGEMENT, /* Rocket.Chat-compatible */
    FAMILY_USERS_V2,   /* users & usage statistics v2 */
    FAMILY_ORGS,       /* PostHog-compatible */
} err_family;

typedef struct server_config {
    const char *data_dir;
    const char *listen; /* HOST:PORT */
    unsigned threads;
    size_t max_body;
    const char *public_url; /* NULL: from the Host header */
    int64_t report_max_age_ms; /* how long an insights report snapshot serves its pages */
    double rate_limit, rate_burst; /* requests a second per API key and the burst allowed; 0: no limit */
    unsigned per_ip_connections;   /* simultaneous connections from one address; 0: no limit */
    unsigned idle_timeout_s;       /* a connection silent this long is closed (slow clients) */
    const char *web_dir; /* the dashboard's files (static.c); NULL: `web` beside the executable */
    int test_clock; /* serve --test-clock: POST /v1/test/clock may move the clock (tests only) */
} server_config;

/* Everything a handler can reach. One per process. */
typedef struct app {
    store *store;
    engine *engine;
    struct keycache *keys;
    struct ratelimit *limiter; /* NULL: no rate limit */
    server_config config;
    int64_t default_project_id;
    struct export_service *exports; /* batch exports (src/export) */
} app;

/* The authenticated caller. */
typedef struct http_caller {
    char key_id[STORE_KEY_ID_LEN + 1];
    int64_t project_id;
    char *scopes; /* owned */
    char *org_id; /* owned; NULL unless the key is org-scoped */
} http_caller;

#define HTTP_MAX_PARAMS 4
#define HTTP_MAX_HEADERS 4

typedef struct http_request {
    app *app;
    struct MHD_Connection *conn;
    const char *method;
    char *path; /* owned copy */
    const struct route *route;
    err_family family;
    char *params[HTTP_MAX_PARAMS]; /* path parameters, owned */
    int nparams;
    char *body; /* owned, NUL-terminated */
    size_t body_len, body_cap;
    int body_too_large;
    http_caller caller;
    int authenticated;
    int status;
    size_t response_bytes;
    int64_t start_us;
    const char *extra_header_names[HTTP_MAX_HEADERS];
    char *extra_header_values[HTTP_MAX_HEADERS];
    int nextra_headers;
    int responded;
} http_request;

/* ---- responses (each takes ownership of what it is given) ---- */
int http_respond(http_request *req, int status, const char *content_type, char *body, size_t len);
int http_respond_json(http_request *req, int status, json_t *body);
/* A body produced while it is sent (libmicrohttpd pulls it as the socket drains; HTTP/1.1 chunked encoding), for
 * answers too large to build in memory. `next` appends the body's following piece to `out` (empty on entry) and
 * returns 1 while more may follow, 0 after the last piece (which may be empty), or -1 to abort the connection. It runs
 * on a server thread, possibly after the handler returned, so it must take whatever locks it needs itself, for each
 * piece. `done` (may be NULL) frees ctx once the response is over, sent or not; it is also called when this fails. */
struct buf;
typedef int (*http_stream_next)(void *ctx, struct buf *out);
int http_respond_stream(http_request *req, int status, const char *content_type, http_stream_next next,
                        void (*done)(void *ctx), void *ctx);
/* Add a header to the response about to be sent (value copied). */
void http_add_header(http_request *req, const char *name, const char *value);
/* Send an error in the request's family shape. `field` may be NULL. */
int http_error(http_request *req, int status, const char *field, const char *message);
/* As http_error, with the family's error code when its shape has one (the organizations family's `code`:
 * "required", "max_length", "invalid_choice", "parse_error"...); other families ignore `code`. */
int http_error_code(http_request *req, int status, const char *code, const char *field, const char *message);
/* One invalid parameter among several. */
typedef struct http_field_error {
    const char *field;
    const char *message;
} http_field_error;
/* Send every problem found (n >= 1): the usage-metrics family lists them all ("field: message"); the other families'
 * shapes hold one, so they get the first. */
int http_error_fields(http_request *req, int status, const http_field_error *errors, size_t n);

/* ---- request data ---- */
const char *http_query(http_request *req, const char *name);
/* Number of times a query parameter appears. */
int http_query_count(http_request *req, const char *name);
const char *http_header(http_request *req, const char *name);
/* Call fn for each query parameter in the order the client sent them, until it returns nonzero (that value is
 * returned; 0 when every parameter was seen). */
int http_query_each(http_request *req, int (*fn)(void *ctx, const char *name, const char *value), void *ctx);

/* ---- life cycle ---- */
typedef struct http_server http_server;
int http_server_start(app *a, http_server **out, char *err, size_t errlen);
/* Stop accepting, finish in-flight requests, free the server. */
void http_server_stop(http_server *s);
/* The port actually bound (useful with :0). */
unsigned http_server_port(const http_server *s);

#endif
