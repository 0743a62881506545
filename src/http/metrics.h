/* metrics.h: the process's counters for `GET /metrics` (Prometheus text format 0.0.4): requests by route and status,
 * a latency histogram per route, events ingested, export runs by status; plus, read when rendered, the index sizes
 * per project and the resident memory. Counters are process-wide atomics (one server per process), cheap enough to
 * update on every request. */
#ifndef ORGPULSE_HTTP_METRICS_H
#define ORGPULSE_HTTP_METRICS_H

#include <stdint.h>

#include "engine/index.h"
#include "util/buf.h"

/* Size the per-route tables (route_count routes, plus one row for requests that matched none). Idempotent. */
void metrics_init(int nroutes);
/* One answered request: route index (-1: no route matched), status, duration. */
void metrics_request(int route_index, int status, int64_t duration_us);
void metrics_events_ingested(uint64_t n);
/* An export run that reached `status` (Completed, Failed, FailedRetryable, Cancelled...). */
void metrics_export_run(const char *status);
/* Append the exposition text: the counters, then the sizes of every project's index in `e` (read-locked each). */
void metrics_render(buf *out, engine *e);

#endif
