/* static.h: the dashboard's files served at `/` (index.html) and `/static/{file}` from one directory, with their
 * content types, an ETag and revalidation; everything else about them is in static.c. */
#ifndef ORGPULSE_HTTP_STATIC_H
#define ORGPULSE_HTTP_STATIC_H

#include <stddef.h>

#include "http/server.h"

/* GET / and GET /static/{file}: the file from the web directory (server_config.web_dir, else
 * http_static_default_dir()); 404 in the orgpulse shape for a name that is not a plain file name there. */
int http_static_get(http_request *req);

/* Is `name` a plain file name this handler may open: [A-Za-z0-9_-] first, then [A-Za-z0-9._-], no "..", at most
 * 128 bytes?  (No slash, no leading dot, no NUL, no percent sign: an encoded name never reaches the disk.) */
int http_static_name_ok(const char *name);

/* The content type for a file name, by its extension ("application/octet-stream" when unknown). */
const char *http_static_content_type(const char *name);

/* The default web directory: `web` beside the running executable (build/orgpulse serves build/web, which
 * scripts/build-web fills). Writes it to out; returns 0, or -1 when the executable's path is unknown. */
int http_static_default_dir(char *out, size_t outlen);

#endif
