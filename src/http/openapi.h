/* openapi.h: the OpenAPI 3.1 document of every endpoint, generated from the route table (routes.c), so it cannot
 * drift from what the server routes: each row gives a path (with its `{name}` parameters), a method, the scope it
 * needs (security + `x-orgpulse-scope`), its family (tag, accepted credentials, error body schema) and flags (request
 * body media types, organization-scoped keys, the optional trailing slash). */
#ifndef ORGPULSE_HTTP_OPENAPI_H
#define ORGPULSE_HTTP_OPENAPI_H

#include <jansson.h>

/* A new document (caller owns it); `server_url` may be NULL (then servers is [{"url":"/"}]). */
json_t *openapi_document(const char *server_url);

#endif
