/* metrics.c: the counters behind GET /metrics and their Prometheus text rendering (see metrics.h). The route rows
 * name each route by its method and pattern from the route table, so the labels are bounded by the table. */
#include "http/metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/routes.h"

/* Statuses counted separately; anything else is counted under "other". */
static const int status_codes[] = {200, 201, 204, 206, 304, 400, 401, 403, 404, 405, 409, 413, 415, 429, 500, 503};
#define NSTATUS ((int)(sizeof status_codes / sizeof status_codes[0]) + 1)
/* Histogram upper bounds, seconds. */
static const double latency_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBOUNDS ((int)(sizeof latency_bounds / sizeof latency_bounds[0]))

typedef struct route_counters {
    uint64_t by_status[NSTATUS];
    uint64_t buckets[NBOUNDS + 1]; /* non-cumulative; the last is +Inf */
    uint64_t sum_us, count;
} route_counters;

static route_counters *routes_c;
static int nroutes_c; /* rows: the routes, then "no route" */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_routes;
static uint64_t events_ingested;

#define NEXPORT_STATUS 6
static const char *const export_statuses[NEXPORT_STATUS] = {"Starting", "Running", "Completed", "Failed",
                                                            "FailedRetryable", "Cancelled"};
static uint64_t export_runs[NEXPORT_STATUS];

static void init_once(void) {
    nroutes_c = init_routes + 1;
    routes_c = xcalloc((size_t)nroutes_c, sizeof *routes_c);
}

void metrics_init(int nroutes) {
    init_routes = nroutes;
    pthread_once(&once, init_once);
}

void metrics_request(int route_index, int status, int64_t duration_us) {
    if (!routes_c) return;
    int row = route_index >= 0 && route_index < nroutes_c - 1 ? route_index : nroutes_c - 1;
    route_counters *c = &routes_c[row];
    int s = NSTATUS - 1;
    for (int i = 0; i < NSTATUS - 1; i++)
        if (status_codes[i] == status) s = i;
    __atomic_fetch_add(&c->by_status[s], 1, __ATOMIC_RELAXED);
    double secs = (double)(duration_us < 0 ? 0 : duration_us) / 1e6;
    int b = NBOUNDS;
    for (int i = 0; i < NBOUNDS; i++)
        if (secs <= latency_bounds[i]) {
            b = i;
            break;
        }
    __atomic_fetch_add(&c->buckets[b], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&c->sum_us, (uint64_t)(duration_us < 0 ? 0 : duration_us), __ATOMIC_RELAXED);
    __atomic_fetch_add(&c->count, 1, __ATOMIC_RELAXED);
}

void metrics_events_ingested(uint64_t n) { __atomic_fetch_add(&events_ingested, n, __ATOMIC_RELAXED); }

void metrics_export_run(const char *status) {
    for (int i = 0; i < NEXPORT_STATUS; i++)
        if (strcmp(status, export_statuses[i]) == 0) __atomic_fetch_add(&export_runs[i], 1, __ATOMIC_RELAXED);
}

/* Label values are route patterns and methods from the table: no quote, backslash or newline to escape. */
static void route_labels(buf *out, int row) {
    if (row < route_count)
        buf_appendf(out, "method=\"%s\",route=\"%s\"", route_table[row].method, route_table[row].pattern);
    else
        buf_append_str(out, "method=\"\",route=\"(none)\"");
}

static uint64_t load(const uint64_t *v) { return __atomic_load_n(v, __ATOMIC_RELAXED); }

static void render_requests(buf *out) {
    buf_append_str(out, "# HELP orgpulse_http_requests_total HTTP requests answered, by route and status.\n"
                        "# TYPE orgpulse_http_requests_total counter\n");
    for (int r = 0; r < nroutes_c; r++)
        for (int s = 0; s < NSTATUS; s++) {
            uint64_t n = load(&routes_c[r].by_status[s]);
            if (!n) continue;
            buf_append_str(out, "orgpulse_http_requests_total{");
            route_labels(out, r);
            if (s < NSTATUS - 1)
                buf_appendf(out, ",status=\"%d\"} %llu\n", status_codes[s], (unsigned long long)n);
            else
                buf_appendf(out, ",status=\"other\"} %llu\n", (unsigned long long)n);
        }
    buf_append_str(out, "# HELP orgpulse_http_request_duration_seconds Time from a request's first byte to its "
                        "answer, by route.\n# TYPE orgpulse_http_request_duration_seconds histogram\n");
    for (int r = 0; r < nroutes_c; r++) {
        route_counters *c = &routes_c[r];
        uint64_t count = load(&c->count);
        if (!count) continue;
        uint64_t cum = 0;
        for (int b = 0; b <= NBOUNDS; b++) {
            cum += load(&c->buckets[b]);
            buf_append_str(out, "orgpulse_http_request_duration_seconds_bucket{");
            route_labels(out, r);
            if (b < NBOUNDS)
                buf_appendf(out, ",le=\"%g\"} %llu\n", latency_bounds[b], (unsigned long long)cum);
            else
                buf_appendf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)cum);
        }
        buf_append_str(out, "orgpulse_http_request_duration_seconds_sum{");
        route_labels(out, r);
        buf_appendf(out, "} %.6f\n", (double)load(&c->sum_us) / 1e6);
        buf_append_str(out, "orgpulse_http_request_duration_seconds_count{");
        route_labels(out, r);
        buf_appendf(out, "} %llu\n", (unsigned long long)count);
    }
}

static void render_index(buf *out, engine *e) {
    static const char *const names[] = {"users", "users_deactivated", "orgs", "memberships", "teams",
                                        "invitations_sent", "events"};
    size_t n = 0;
    pthread_mutex_lock(&e->projects_lock);
    n = e->nprojects;
    pthread_mutex_unlock(&e->projects_lock);
    engine_counts *counts = xcalloc(n ? n : 1, sizeof *counts);
    int64_t *ids = xcalloc(n ? n : 1, sizeof *ids);
    uint64_t *usage = xcalloc(n ? n : 1, sizeof *usage);
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&e->projects_lock);
        project_index *p = e->projects[i];
        pthread_mutex_unlock(&e->projects_lock);
        pthread_rwlock_rdlock(&p->lock);
        engine_count_cached(p, &counts[i]);
        ids[i] = p->project_id;
        usage[i] = p->usage_entries;
        pthread_rwlock_unlock(&p->lock);
    }
    buf_append_str(out, "# HELP orgpulse_index_entities Entities in the in-memory index, by project and kind.\n"
                        "# TYPE orgpulse_index_entities gauge\n");
    for (size_t i = 0; i < n; i++) {
        const uint64_t v[] = {counts[i].users, counts[i].users_deactivated, counts[i].orgs, counts[i].memberships,
                              counts[i].teams, counts[i].invitations_sent, counts[i].events};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
            buf_appendf(out, "orgpulse_index_entities{project=\"%lld\",kind=\"%s\"} %llu\n", (long long)ids[i],
                        names[k], (unsigned long long)v[k]);
        buf_appendf(out, "orgpulse_index_entities{project=\"%lld\",kind=\"usage_entries\"} %llu\n",
                    (long long)ids[i], (unsigned long long)usage[i]);
    }
    free(counts);
    free(ids);
    free(usage);
}

static void render_process(buf *out) {
    long rss_pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        long size;
        if (fscanf(f, "%ld %ld", &size, &rss_pages) != 2) rss_pages = 0;
        fclose(f);
    }
    buf_appendf(out, "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                     "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %lld\n",
                (long long)rss_pages * (long long)sysconf(_SC_PAGESIZE));
}

void metrics_render(buf *out, engine *e) {
    if (routes_c) render_requests(out);
    buf_appendf(out, "# HELP orgpulse_events_ingested_total Events newly stored through the API since start.\n"
                     "# TYPE orgpulse_events_ingested_total counter\norgpulse_events_ingested_total %llu\n",
                (unsigned long long)load(&events_ingested));
    buf_append_str(out, "# HELP orgpulse_export_runs_total Batch export runs, by the status they reached.\n"
                        "# TYPE orgpulse_export_runs_total counter\n");
    for (int i = 0; i < NEXPORT_STATUS; i++)
        buf_appendf(out, "orgpulse_export_runs_total{status=\"%s\"} %llu\n", export_statuses[i],
                    (unsigned long long)load(&export_runs[i]));
    render_index(out, e);
    render_process(out);
}
