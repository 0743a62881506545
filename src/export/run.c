/* run.c: the export scheduler and the run state machine. One background thread per `orgpulse serve`.
 *
 * Scheduled runs. A definition keeps `_next_end_ms`, the end of its next window, on a UTC-aligned boundary of its
 * interval. When the clock reaches it (and the export is neither paused nor deleted, and the boundary lies within
 * start_at/end_at), a run is created for the window [end - interval, end) of *received* time and `_next_end_ms`
 * moves one interval on. After downtime every missed window gets its run, so each received event lands in exactly
 * one window. `_next_start_ms` is where the next window starts: the end of the last one, so a change of interval
 * makes one longer window rather than a gap or an overlap. Unpausing moves both to the next boundary (the paused gap
 * is skipped unless the unpause asks for a backfill).
 *
 * Backfills select by event timestamp: a Running backfill creates its runs one at a time, one per interval from
 * start_at (the last one cut at end_at), and completes when the last has finished (Failed if any run failed).
 *
 * A run's states:
 *
 *     Starting --> Running --> Completed
 *        ^            |  \
 *        |            |   +--> FailedRetryable --(backoff 1 min, then 2 min)--> Running ...
 *        |            |                  (third failure) --> Failed
 *        +-- restart -+  (a run found Running at start: the process died during it)
 *     Starting/Running --cancel--> Cancelled (a cancelled Running run stops before its destination commits)
 *
 * Before reading a received-time window the runner takes the engine's ingest lock once: events get their received
 * time under that lock (engine/ingest.c), so every event received before the window's end is committed by then.
 * After each failure that ends a run as Failed, 10 Failed among the export's last 50 runs pause the export and
 * cancel its running backfills.
 *
 * Exactly once at the destination: each destination writes a run idempotently by run id (dest.c), so re-running an
 * interrupted run replaces or skips what the first attempt may have left. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "export/export_int.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/time.h"

#define RUN_ATTEMPTS 3
#define RUN_BACKOFF_MS 60000LL
#define AUTO_PAUSE_WINDOW 50
#define AUTO_PAUSE_FAILURES 10

static int64_t test_delay_ms; /* set by export_set_test_delay (serve --test-clock only) */
static int test_delay_after;   /* the delay comes after the destination committed, before the run is marked done */

void export_set_test_delay(int64_t ms, int after_commit) {
    test_delay_ms = ms;
    test_delay_after = after_commit;
}

int export_node_is_runner(export_service *x) {
    (void)x;
    return 1;
}

static json_t *def_by_id(export_service *x, const char *id) {
    size_t i;
    json_t *d;
    json_array_foreach(x->exports, i, d) {
        if (strcmp(export__str(d, "id"), id) == 0) return d;
    }
    return NULL;
}

static json_t *run_new(export_service *x, json_t *def, int64_t start, int64_t end, const char *backfill_id,
                       int by_timestamp, int64_t now) {
    char id[37];
    export__uuid(id);
    json_t *r = json_object();
    json_object_set_new(r, "id", json_string(id));
    json_object_set_new(r, "status", json_string("Starting"));
    json_object_set_new(r, "records_completed", json_null());
    json_object_set_new(r, "records_failed", json_null());
    json_object_set_new(r, "latest_error", json_null());
    export__set_time(r, "data_interval_start", start);
    export__set_time(r, "data_interval_end", end);
    json_object_set_new(r, "cursor", json_null());
    export__set_time(r, "created_at", now);
    json_object_set_new(r, "finished_at", json_null());
    export__set_time(r, "last_updated_at", now);
    json_object_set_new(r, "records_total_count", json_null());
    json_object_set_new(r, "bytes_exported", json_null());
    json_object_set(r, "batch_export", json_object_get(def, "id"));
    json_object_set_new(r, "backfill", backfill_id ? json_string(backfill_id) : json_null());
    json_object_set_new(r, "_project_id", json_integer(export__int(def, "_project_id", 0)));
    json_object_set_new(r, "_created_ms", json_integer(now));
    json_object_set_new(r, "_start_ms", json_integer(start));
    json_object_set_new(r, "_end_ms", json_integer(end));
    json_object_set_new(r, "_by_timestamp", json_boolean(by_timestamp));
    json_object_set_new(r, "_attempts", json_integer(0));
    json_object_set_new(r, "_next_attempt_ms", json_integer(0));
    export__save(x, STORE_EXPORT_RUN, r);
    json_array_append_new(x->runs, r);
    return r;
}

/* A run by id, searched from the newest (the ones looked for are recent), or NULL. */
static json_t *run_by_id(export_service *x, const char *id) {
    if (!id) return NULL;
    for (size_t i = json_array_size(x->runs); i-- > 0;) {
        json_t *r = json_array_get(x->runs, i);
        if (strcmp(export__str(r, "id"), id) == 0) return r;
    }
    return NULL;
}

static int status_is(const json_t *r, const char *s) { return strcmp(export__str(r, "status"), s) == 0; }
static int unfinished(const json_t *r) {
    return status_is(r, "Starting") || status_is(r, "Running") || status_is(r, "FailedRetryable");
}

/* The end of the export's latest scheduled (not backfill) run, or -1. A crash between saving a new run and saving
 * the definition's advanced `_next_end_ms` must not make the same window twice. */
static int64_t last_scheduled_end(export_service *x, const json_t *d) {
    const char *id = export__str(d, "id");
    for (size_t i = json_array_size(x->runs); i-- > 0;) {
        json_t *r = json_array_get(x->runs, i);
        if (json_is_null(json_object_get(r, "backfill")) && strcmp(export__str(r, "batch_export"), id) == 0)
            return export__int(r, "_end_ms", -1);
    }
    return -1;
}

/* Create the runs that are due. Returns how many were created. */
static int plan(export_service *x, int64_t now) {
    int created = 0;
    size_t i;
    json_t *d;
    json_array_foreach(x->exports, i, d) {
        if (json_is_true(json_object_get(d, "_deleted")) || json_is_true(json_object_get(d, "paused"))) continue;
        const char *interval = export__str(d, "interval");
        int64_t iv = export_interval_ms(interval);
        if (iv <= 0) continue;
        int64_t next = export__int(d, "_next_end_ms", -1);
        if (next < 0) next = export_interval_align_up(interval, export__int(d, "_created_ms", now) + 1);
        int64_t start_at = export__int(d, "_start_ms", -1), end_at = export__int(d, "_end_ms", -1);
        /* the next window starts where the last one ended, even across a change of interval */
        int64_t from = export__int(d, "_next_start_ms", next - iv);
        int64_t first = next;
        while (next <= now) {
            if (end_at >= 0 && next > end_at) break;
            if ((start_at < 0 || next - iv >= start_at) && last_scheduled_end(x, d) < next) {
                run_new(x, d, from, next, NULL, 0, now);
                created++;
            }
            from = next;
            next += iv;
        }
        if (next != first || export__int(d, "_next_end_ms", -1) < 0) {
            json_object_set_new(d, "_next_end_ms", json_integer(next));
            json_object_set_new(d, "_next_start_ms", json_integer(from));
            export__save(x, STORE_EXPORT_DEF, d);
        }
    }
    json_t *b;
    json_array_foreach(x->backfills, i, b) {
        if (!status_is(b, "Running")) continue;
        const char *bid = export__str(b, "id");
        /* its runs are made one at a time, and it stops at the first that fails: the latest tells all */
        json_t *cur = run_by_id(x, export__str(b, "_current_run"));
        int failed = cur && (status_is(cur, "Failed") || status_is(cur, "Cancelled"));
        if (cur && unfinished(cur)) continue;
        json_t *d2 = def_by_id(x, export__str(b, "batch_export"));
        int64_t iv = d2 ? export_interval_ms(export__str(d2, "interval")) : 0;
        int64_t next = export__int(b, "_next_ms", 0), end = export__int(b, "_end_ms", 0);
        int single = json_is_true(json_object_get(b, "_single"));
        if (export__int(b, "_expected_runs", 0) == 0 && iv > 0) {
            int64_t start = export__int(b, "_start_ms", 0);
            json_object_set_new(b, "_expected_runs", json_integer(single ? 1 : (end - start + iv - 1) / iv));
        }
        if (d2 && iv > 0 && next < end && !failed) {
            int64_t rend = single ? end : (next + iv < end ? next + iv : end);
            json_t *r = run_new(x, d2, next, rend, bid, !json_is_true(json_object_get(b, "_by_received")), now);
            json_object_set(b, "_current_run", json_object_get(r, "id"));
            created++;
            json_object_set_new(b, "_next_ms", json_integer(rend));
            json_object_set_new(b, "_total_runs", json_integer(export__int(b, "_total_runs", 0) + 1));
            export__set_time(b, "last_updated_at", now);
        } else {
            json_object_set_new(b, "status", json_string(failed ? "Failed" : "Completed"));
            export__set_time(b, "finished_at", now);
            export__set_time(b, "last_updated_at", now);
        }
        export__save(x, STORE_EXPORT_BACKFILL, b);
    }
    return created;
}

/* The oldest run ready to execute, or NULL. Runs of a deleted export are cancelled instead. */
static json_t *pick(export_service *x, int64_t now) {
    int all_done = 1; /* runs before x->first_open are all finished, and finished runs never start again */
    for (size_t i = x->first_open; i < json_array_size(x->runs); i++) {
        json_t *r = json_array_get(x->runs, i);
        if (all_done && !unfinished(r)) x->first_open = i + 1;
        else all_done = 0;
        int starting = status_is(r, "Starting");
        int retry = status_is(r, "FailedRetryable") && export__int(r, "_next_attempt_ms", 0) <= now;
        if (!starting && !retry) continue;
        json_t *d = def_by_id(x, export__str(r, "batch_export"));
        if (!d || json_is_true(json_object_get(d, "_deleted"))) {
            json_object_set_new(r, "status", json_string("Cancelled"));
            export__set_time(r, "finished_at", now);
            export__save(x, STORE_EXPORT_RUN, r);
            continue;
        }
        return r;
    }
    return NULL;
}

/* Pause the export when AUTO_PAUSE_FAILURES of its last AUTO_PAUSE_WINDOW runs failed. */
static void auto_pause(export_service *x, json_t *d, int64_t now) {
    const char *id = export__str(d, "id");
    int seen = 0, failed = 0;
    for (size_t i = json_array_size(x->runs); i-- > 0 && seen < AUTO_PAUSE_WINDOW;) {
        json_t *r = json_array_get(x->runs, i);
        if (strcmp(export__str(r, "batch_export"), id) != 0) continue;
        seen++;
        if (status_is(r, "Failed")) failed++;
    }
    if (failed < AUTO_PAUSE_FAILURES || json_is_true(json_object_get(d, "paused"))) return;
    log_info("export %s: %d of its last %d runs failed: paused", id, failed, seen);
    json_object_set_new(d, "paused", json_true());
    export__set_time(d, "last_paused_at", now);
    json_object_set_new(d, "_paused_ms", json_integer(now));
    export__set_time(d, "last_updated_at", now);
    export__save(x, STORE_EXPORT_DEF, d);
    export__cancel_backfills(x, id, now);
}

typedef struct job {
    export_service *x;
    char run_id[64], export_id[64];
    json_t *run; /* borrowed; valid while x->runs holds it (runs are never removed) */
} job;

/* Asked by the destination just before it commits: the test delay (to kill the process mid-run), then whether the
 * run was cancelled meanwhile. */
static int job_cancelled(void *ctx) {
    job *j = ctx;
    if (test_delay_ms > 0 && !test_delay_after) usleep((useconds_t)(test_delay_ms * 1000));
    pthread_mutex_lock(&j->x->lock);
    int c = status_is(j->run, "Cancelled");
    pthread_mutex_unlock(&j->x->lock);
    return c;
}

/* Execute one run (x->lock not held). */
static void execute(export_service *x, json_t *r) {
    int64_t now = time_now_ms();
    json_t *d = def_by_id(x, export__str(r, "batch_export"));
    json_object_set_new(r, "status", json_string("Running"));
    export__set_time(r, "last_updated_at", now);
    json_object_set_new(r, "_attempts", json_integer(export__int(r, "_attempts", 0) + 1));
    export__save(x, STORE_EXPORT_RUN, r);
    job j = {.x = x, .run = r};
    snprintf(j.run_id, sizeof j.run_id, "%s", export__str(r, "id"));
    snprintf(j.export_id, sizeof j.export_id, "%s", export__str(d, "id"));
    char org[256], model[32];
    snprintf(org, sizeof org, "%s", export__str(d, "_org_id"));
    snprintf(model, sizeof model, "%s", export__str(d, "model"));
    json_t *dest = json_deep_copy(json_object_get(d, "destination"));
    int64_t project_id = export__int(d, "_project_id", 0), start = export__int(r, "_start_ms", 0),
            end = export__int(r, "_end_ms", 0);
    int by_ts = json_is_true(json_object_get(r, "_by_timestamp"));
    pthread_mutex_unlock(&x->lock);

    if (!by_ts) { /* every event received before `end` is committed once this lock is free (see the top) */
        pthread_mutex_lock(&x->engine->ingest_lock);
        pthread_mutex_unlock(&x->engine->ingest_lock);
    }
    export_table t = {0};
    char err[512] = "";
    int64_t bytes = 0;
    int rc = export_model_rows(x->engine, x->store, project_id, org, model, by_ts, start, end, &t, err, sizeof err);
    if (rc == 0) rc = export_dest_write(dest, j.export_id, j.run_id, &t, job_cancelled, &j, &bytes, err, sizeof err);
    if (rc == 0 && test_delay_ms > 0 && test_delay_after) usleep((useconds_t)(test_delay_ms * 1000));
    size_t nrows = t.rows ? json_array_size(t.rows) : 0;
    export_table_free(&t);
    json_decref(dest);

    pthread_mutex_lock(&x->lock);
    now = time_now_ms();
    d = def_by_id(x, j.export_id); /* an update meanwhile replaced the object */
    if (status_is(r, "Cancelled")) {
        log_info("export run %s cancelled", j.run_id);
    } else if (rc == 0) {
        json_object_set_new(r, "status", json_string("Completed"));
        json_object_set_new(r, "records_completed", json_integer((json_int_t)nrows));
        json_object_set_new(r, "records_total_count", json_integer((json_int_t)nrows));
        json_object_set_new(r, "bytes_exported", json_integer(bytes));
        json_object_set_new(r, "latest_error", json_null());
        export__set_time(r, "finished_at", now);
    } else {
        int attempts = (int)export__int(r, "_attempts", 1);
        json_object_set_new(r, "latest_error", json_string(err));
        if (attempts < RUN_ATTEMPTS) {
            json_object_set_new(r, "status", json_string("FailedRetryable"));
            json_object_set_new(r, "_next_attempt_ms", json_integer(now + (RUN_BACKOFF_MS << (attempts - 1))));
        } else {
            json_object_set_new(r, "status", json_string("Failed"));
            export__set_time(r, "finished_at", now);
        }
        log_info("export run %s attempt %d failed: %s", j.run_id, attempts, err);
    }
    export__set_time(r, "last_updated_at", now);
    export__save(x, STORE_EXPORT_RUN, r);
    if (json_is_string(json_object_get(r, "backfill")) && !unfinished(r)) {
        size_t i;
        json_t *b;
        json_array_foreach(x->backfills, i, b) {
            if (strcmp(export__str(b, "id"), export__str(r, "backfill")) == 0) {
                json_object_set_new(b, "_finished_runs", json_integer(export__int(b, "_finished_runs", 0) + 1));
                export__save(x, STORE_EXPORT_BACKFILL, b);
            }
        }
    }
    if (status_is(r, "Failed") && d) auto_pause(x, d, now);
}

static void *scheduler_main(void *arg) {
    export_service *x = arg;
    pthread_mutex_lock(&x->lock);
    while (!x->stopping) {
        uint64_t gen = x->wake_gen;
        int64_t now = time_now_ms();
        int worked = 0;
        if (export_node_is_runner(x)) {
            worked = plan(x, now) > 0;
            json_t *r = pick(x, now);
            if (r) {
                execute(x, r); /* releases and retakes x->lock */
                worked = 1;
            }
        }
        if (worked) continue;
        x->idle_gen = gen;
        pthread_cond_broadcast(&x->idle);
        if (x->wake_gen != gen) continue;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&x->wake, &x->lock, &ts);
    }
    pthread_mutex_unlock(&x->lock);
    return NULL;
}

int export_scheduler_start(export_service *x) {
    if (x->started) return 0;
    x->stopping = 0;
    if (pthread_create(&x->thread, NULL, scheduler_main, x) != 0) return -1;
    x->started = 1;
    return 0;
}

void export_scheduler_stop(export_service *x) {
    if (!x->started) return;
    pthread_mutex_lock(&x->lock);
    x->stopping = 1;
    pthread_cond_broadcast(&x->wake);
    pthread_mutex_unlock(&x->lock);
    pthread_join(x->thread, NULL);
    x->started = 0;
}

void export_scheduler_wake(export_service *x) {
    pthread_mutex_lock(&x->lock);
    x->wake_gen++;
    pthread_cond_broadcast(&x->wake);
    pthread_mutex_unlock(&x->lock);
}

int export_scheduler_settle(export_service *x, int64_t timeout_ms) {
    pthread_mutex_lock(&x->lock);
    uint64_t want = ++x->wake_gen;
    pthread_cond_broadcast(&x->wake);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(timeout_ms / 1000);
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
    int rc = 0;
    while (x->started && x->idle_gen < want && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&x->idle, &x->lock, &ts);
    int ok = x->idle_gen >= want;
    pthread_mutex_unlock(&x->lock);
    return ok ? 0 : -1;
}
