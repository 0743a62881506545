/* routes.h: the route table: every endpoint of every family with its method, path pattern, handler, required
 * scope and error family. routes.c holds the one table; the whole API reads there at a glance. */
#ifndef ORGPULSE_HTTP_ROUTES_H
#define ORGPULSE_HTTP_ROUTES_H

#include "http/server.h"

typedef int (*route_handler)(http_request *req);

/* Route flags. */
#define ROUTE_ORG_KEY_OK 0x1  /* an org-scoped key may call it */
#define ROUTE_BODY_JSON 0x2   /* takes an application/json body (the organizations family: form and multipart too) */
#define ROUTE_BODY_EVENTS 0x4 /* takes application/json or application/x-ndjson */
#define ROUTE_SLASH_OPTIONAL 0x8 /* also matches with a trailing slash */

typedef struct route {
    const char *method;
    const char *pattern; /* segments; `{name}` matches one segment */
    route_handler handler;
    const char *scope; /* NULL: no authentication */
    err_family family;
    unsigned flags;
} route;

extern const route route_table[];
extern const int route_count;

typedef enum route_match_result { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_METHOD_NOT_ALLOWED } route_match_result;

/* Find the route for method and path (HEAD finds the GET route: served as GET, without the body). On ROUTE_FOUND, *out is set and params receive copies of the
 * `{name}` segments (caller frees). On ROUTE_METHOD_NOT_ALLOWED, `allow` receives the allowed methods
 * ("GET, POST") and *out one of the path's routes (for its family). */
route_match_result route_match(const char *method, const char *path, const route **out, char **params, int *nparams,
                               char *allow, size_t allow_len);

/* Family of an unmatched path, by prefix (unknown paths answer in the orgpulse shape). */
err_family route_family_of_path(const char *path);

#endif
