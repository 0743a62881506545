/* api_ops.c: operations endpoints: GET /metrics (Prometheus text, http/metrics.c) and GET /openapi.json (the OpenAPI
 * document generated from the route table, http/openapi.c). */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "http/metrics.h"
#include "http/openapi.h"
#include "util/buf.h"

int api_metrics_get(http_request *req) {
    buf out;
    buf_init(&out);
    metrics_render(&out, req->app->engine);
    size_t len;
    char *text = buf_detach(&out, &len);
    return http_respond(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

int api_openapi_get(http_request *req) {
    return http_respond_json(req, 200, openapi_document(req->app->config.public_url));
}
