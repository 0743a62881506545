/* cli_serve.c: `orgpulse serve`: open the store, load the index snapshot and apply the events after it (or rebuild
 * the index from the whole event log), serve HTTP until SIGINT or SIGTERM, then stop accepting, let in-flight
 * requests finish, write the index snapshot and close the store cleanly. */
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "engine/follow.h"
#include "engine/index.h"
#include "engine/insights.h"
#include "engine/snapshot.h"
#include "export/export.h"
#include "http/auth.h"
#include "http/ratelimit.h"
#include "http/server.h"
#include "store/store.h"
#include "util/log.h"
#include "util/time.h"

static const char usage[] =
    "usage: orgpulse serve [--data DIR] [--listen HOST:PORT] [--threads N] [--max-body BYTES] [--public-url URL]\n"
    "\n"
    "Serve the HTTP API on the data directory's store.\n"
    "  --data DIR          data directory (env ORGPULSE_DATA, default ./data)\n"
    "  --store URL         keep the store in PostgreSQL (postgres://USER:PASS@HOST:PORT/DB, env ORGPULSE_STORE)\n"
    "                      instead of DIR/orgpulse.db; several nodes may share it (DIR then holds only this\n"
    "                      node's lock and index snapshot)\n"
    "  --listen HOST:PORT  address to listen on (env ORGPULSE_LISTEN, default 127.0.0.1:8080; port 0 picks one)\n"
    "  --threads N         HTTP worker threads (env ORGPULSE_THREADS, default: number of CPUs)\n"
    "  --max-body BYTES    largest request body accepted (env ORGPULSE_MAX_BODY, default 16777216)\n"
    "  --public-url URL    base URL for links in responses (env ORGPULSE_PUBLIC_URL, default from Host)\n"
    "  --quiet             no access log (env ORGPULSE_QUIET)\n"
    "  --report-max-age S  seconds an insights report snapshot serves its pages (env ORGPULSE_REPORT_MAX_AGE, 60)\n"
    "  --clock TIME        run the clock from this RFC 3339 time, set when serving starts (env ORGPULSE_CLOCK;\n"
    "                      tests, benchmarks and demos of old data)\n"
    "  --no-snapshot       neither read nor write DIR/index.snapshot: rebuild the index from the whole log at start\n"
    "                      (env ORGPULSE_NO_SNAPSHOT)\n"
    "  --web DIR           the dashboard's files served at / (env ORGPULSE_WEB, default: web beside the binary)\n"
    "  --test-clock        tests only: POST /v1/test/clock (admin) may move the clock; ORGPULSE_TEST_EXPORT_DELAY_MS\n"
    "                      then makes each export run wait that long before it commits\n"
    "  --rebuild-only      load or rebuild the index, write the snapshot, report the times and exit (benchmarks)\n"
    "  --rate-limit R[/B]  requests a second per API key, with bursts up to B (default 2R); over it: 429 with\n"
    "                      Retry-After (env ORGPULSE_RATE_LIMIT, default off)\n"
    "  --max-connections-per-ip N  simultaneous connections from one address (env ORGPULSE_MAX_CONNECTIONS_PER_IP,\n"
    "                      default 0: no limit)\n"
    "  --idle-timeout S    close a connection silent for S seconds: slow clients cannot hold connections\n"
    "                      (env ORGPULSE_IDLE_TIMEOUT, default 30)\n";

/* Load the snapshot (when `snapshot` is set and usable) and apply the log after it, or rebuild from the whole log. */
static int index_start(app *a, const char *snapshot, int64_t *out_snapshot_seq) {
    int64_t t0 = time_monotonic_us(), from_seq = 0;
    uint64_t events = 0;
    int loaded = snapshot && engine_snapshot_load(a->engine, a->store, snapshot, &from_seq) == 0;
    int64_t t1 = time_monotonic_us();
    *out_snapshot_seq = loaded ? from_seq : -1;
    engine_project(a->engine, a->default_project_id, 1);
    if (engine_rebuild(a->engine, a->store, loaded ? from_seq : 0, &events) != STORE_OK) {
        log_error("could not rebuild the index from the store");
        return -1;
    }
    double total = (double)(time_monotonic_us() - t0) / 1e6;
    if (loaded)
        fprintf(stderr, "orgpulse: index loaded from the snapshot (events up to seq %lld) in %.3f s, then %llu later "
                        "events applied: %.3f s in all\n",
                (long long)from_seq, (double)(t1 - t0) / 1e6, (unsigned long long)events, total);
    else
        fprintf(stderr, "orgpulse: index rebuilt from %llu events in %.3f s\n", (unsigned long long)events, total);
    for (size_t i = 0; i < a->engine->nprojects; i++) insights_warm(a->engine->projects[i]);
    return 0;
}

/* Write the snapshot, unless the one on disk already covers every event applied (snapshot_seq: the last seq it
 * covers, -1 when there is none). */
static void index_save(app *a, const char *snapshot, int64_t snapshot_seq) {
    if (a->engine->last.seq == snapshot_seq) {
        fprintf(stderr, "orgpulse: index snapshot unchanged (no event since it was written)\n");
        return;
    }
    int64_t t0 = time_monotonic_us();
    uint64_t bytes = 0;
    if (engine_snapshot_save(a->engine, a->store, snapshot, &bytes) == 0)
        fprintf(stderr, "orgpulse: index snapshot written (%.1f MiB) in %.3f s\n", (double)bytes / 1048576.0,
                (double)(time_monotonic_us() - t0) / 1e6);
}

/* serve's options, by name (indexes into opts[] in cli_serve) */
enum {
    OPT_DATA, OPT_LISTEN, OPT_THREADS, OPT_MAX_BODY, OPT_PUBLIC_URL, OPT_QUIET, OPT_REBUILD_ONLY, OPT_REPORT_MAX_AGE, OPT_CLOCK, OPT_NO_SNAPSHOT, OPT_STORE, OPT_RATE_LIMIT, OPT_PER_IP, OPT_IDLE_TIMEOUT, OPT_WEB, OPT_TEST_CLOCK,
};

int cli_serve(int argc, char **argv) {
    cli_opt opts[] = {
        [OPT_DATA] = {"--data", "ORGPULSE_DATA", "./data", 0},
        [OPT_LISTEN] = {"--listen", "ORGPULSE_LISTEN", "127.0.0.1:8080", 0},
        [OPT_THREADS] = {"--threads", "ORGPULSE_THREADS", NULL, 0},
        [OPT_MAX_BODY] = {"--max-body", "ORGPULSE_MAX_BODY", "16777216", 0},
        [OPT_PUBLIC_URL] = {"--public-url", "ORGPULSE_PUBLIC_URL", NULL, 0},
        [OPT_QUIET] = {"--quiet", "ORGPULSE_QUIET", NULL, 1},
        [OPT_REBUILD_ONLY] = {"--rebuild-only", NULL, NULL, 1},
        [OPT_REPORT_MAX_AGE] = {"--report-max-age", "ORGPULSE_REPORT_MAX_AGE", "60", 0},
        [OPT_CLOCK] = {"--clock", "ORGPULSE_CLOCK", NULL, 0},
        [OPT_NO_SNAPSHOT] = {"--no-snapshot", "ORGPULSE_NO_SNAPSHOT", NULL, 1},
        [OPT_STORE] = {"--store", "ORGPULSE_STORE", NULL, 0},
        [OPT_RATE_LIMIT] = {"--rate-limit", "ORGPULSE_RATE_LIMIT", "off", 0},
        [OPT_PER_IP] = {"--max-connections-per-ip", "ORGPULSE_MAX_CONNECTIONS_PER_IP", "0", 0},
        [OPT_IDLE_TIMEOUT] = {"--idle-timeout", "ORGPULSE_IDLE_TIMEOUT", "30", 0},
        [OPT_WEB] = {"--web", "ORGPULSE_WEB", NULL, 0},
        [OPT_TEST_CLOCK] = {"--test-clock", NULL, NULL, 1},
    };
    const char *pos[1];
    int npos;
    int rc = cli_parse(argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, &npos, usage);
    if (rc) return rc == 1 ? 0 : rc;
    app a = {0};
    a.config.data_dir = opts[OPT_DATA].value;
    a.config.listen = opts[OPT_LISTEN].value;
    a.config.public_url = opts[OPT_PUBLIC_URL].value;
    a.config.web_dir = opts[OPT_WEB].value;
    size_t threads = (size_t)sysconf(_SC_NPROCESSORS_ONLN);
    if (opts[OPT_THREADS].value && cli_parse_size("--threads", opts[OPT_THREADS].value, 1, 256, &threads)) return 2;
    a.config.threads = (unsigned)(threads ? threads : 2);
    if (cli_parse_size("--max-body", opts[OPT_MAX_BODY].value, 1, (size_t)1 << 32, &a.config.max_body)) return 2;
    if (opts[OPT_QUIET].value) log_set_quiet(1);
    size_t max_age;
    if (cli_parse_size("--report-max-age", opts[OPT_REPORT_MAX_AGE].value, 0, 86400 * 365, &max_age)) return 2;
    a.config.report_max_age_ms = (int64_t)max_age * 1000;
    if (ratelimit_parse(opts[OPT_RATE_LIMIT].value, &a.config.rate_limit, &a.config.rate_burst) != 0) {
        fprintf(stderr, "orgpulse serve: --rate-limit must be RATE or RATE/BURST (requests a second), or off\n");
        return 2;
    }
    size_t per_ip, idle;
    if (cli_parse_size("--max-connections-per-ip", opts[OPT_PER_IP].value, 0, 65536, &per_ip)) return 2;
    if (cli_parse_size("--idle-timeout", opts[OPT_IDLE_TIMEOUT].value, 1, 3600, &idle)) return 2;
    a.config.per_ip_connections = (unsigned)per_ip, a.config.idle_timeout_s = (unsigned)idle;
    int64_t clock_start = 0;
    const char *clock = opts[OPT_CLOCK].value;
    if (clock && time_parse_rfc3339(clock, strlen(clock), &clock_start) != 0) {
        fprintf(stderr, "orgpulse serve: --clock must be an RFC 3339 date-time\n");
        return 2;
    }

    int lock = cli_lock_data_dir(a.config.data_dir);
    if (lock < 0) return 1;
    char err[512];
    const char *location = opts[OPT_STORE].value ? opts[OPT_STORE].value : a.config.data_dir;
    if (store_open(location, &a.store, err, sizeof err) != STORE_OK) {
        log_error("%s", err);
        return 1;
    }
    if (store_project_ensure(a.store, "default", &a.default_project_id) != STORE_OK) {
        store_close(a.store);
        return 1;
    }
    engine_create(&a.engine);
    int use_snapshot = !opts[OPT_NO_SNAPSHOT].value;
    char snapshot_path[4096];
    snprintf(snapshot_path, sizeof snapshot_path, "%s/%s", a.config.data_dir, SNAPSHOT_FILE);
    int64_t snapshot_seq = -1;
    if (index_start(&a, use_snapshot ? snapshot_path : NULL, &snapshot_seq) != 0) {
        engine_free(a.engine);
        store_close(a.store);
        return 1;
    }
    if (opts[OPT_REBUILD_ONLY].value) {
        if (use_snapshot) index_save(&a, snapshot_path, snapshot_seq);
        engine_free(a.engine);
        store_close(a.store);
        close(lock);
        return 0;
    }
    keycache_create(a.store, &a.keys);
    a.config.test_clock = opts[OPT_TEST_CLOCK].value != NULL;
    if (a.config.test_clock && getenv("ORGPULSE_TEST_EXPORT_DELAY_MS"))
        export_set_test_delay(strtoll(getenv("ORGPULSE_TEST_EXPORT_DELAY_MS"), NULL, 10),
                              getenv("ORGPULSE_TEST_EXPORT_DELAY_AT") &&
                                  strcmp(getenv("ORGPULSE_TEST_EXPORT_DELAY_AT"), "after") == 0);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (export_service_create(a.store, a.engine, &a.exports) != 0) {
        log_error("could not load the batch exports");
        keycache_free(a.keys);
        engine_free(a.engine);
        store_close(a.store);
        return 1;
    }

    /* Signals are taken by sigwait below, never by the worker threads. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* the clock starts when the server starts answering, however long the rebuild took */
    if (opts[OPT_CLOCK].value) time_set_clock(clock_start);
    http_server *server;
    if (http_server_start(&a, &server, err, sizeof err) != 0) {
        log_error("%s", err);
        export_service_free(a.exports);
        keycache_free(a.keys);
        engine_free(a.engine);
        store_close(a.store);
        return 1;
    }
    char host[256];
    const char *colon = strrchr(a.config.listen, ':');
    snprintf(host, sizeof host, "%.*s", (int)(colon - a.config.listen), a.config.listen);
    fprintf(stderr, "orgpulse listening on http://%s:%u (data %s)\n", *host ? host : "0.0.0.0",
            http_server_port(server), a.config.data_dir);
    fflush(stderr);
    engine_follower *follower = NULL; /* other nodes' events, on a shared store */
    if (store_is_shared(a.store) && engine_follow_start(a.engine, a.store, &follower) != 0)
        log_error("could not start following the shared store");
    export_scheduler_start(a.exports);

    int sig = 0;
    sigwait(&stop, &sig);
    log_info("signal %d: stopping (in-flight requests finish first)", sig);
    http_server_stop(server);
    engine_follow_stop(follower);
    export_service_free(a.exports); /* stops the scheduler after the run in progress */
    curl_global_cleanup();
    if (use_snapshot) index_save(&a, snapshot_path, snapshot_seq);
    keycache_free(a.keys);
    engine_free(a.engine);
    store_close(a.store);
    close(lock);
    log_info("stopped cleanly");
    return 0;
}
