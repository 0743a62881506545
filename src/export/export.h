/* export.h: batch exports (PostHog-compatible, ../shared/specs/posthog.md): export definitions, their runs and
 * backfills, the scheduler thread that runs them, the data models and the destinations.
 *
 *   export.c   definitions: validation, the JSON documents, persistence through store_export_*, the API operations
 *   run.c      the scheduler and the run state machine (windows, retries, auto-pause, backfills, crash recovery)
 *   model.c    what an export moves: the org's events, persons (members) and usage rollups
 *   dest.c     where it goes: File (JSONLines|CSV, none|zstd), Postgres (libpq), HTTP (libcurl), NoOp
 *
 * Every definition, run and backfill is a jansson object kept in memory (owned by the service, under its mutex)
 * and written through to the store on every change. The object holds the fields PostHog renders; members whose
 * name starts with `_` are orgpulse's own bookkeeping and are never rendered, nor are the destination's secrets
 * (`password`, `token`), which the store keeps because runs need them.
 *
 * "The org's events" (model `events` and `usage`): events whose org_id is the org, events whose team_id is one of
 * the org's teams, and `activity`/`usage` events naming no org whose user was a member of the org at the event's
 * timestamp. */
#ifndef ORGPULSE_EXPORT_EXPORT_H
#define ORGPULSE_EXPORT_EXPORT_H

#include <jansson.h>
#include <stdint.h>

#include "engine/index.h"
#include "store/store.h"

typedef struct export_service export_service;

/* What went wrong with a request, in PostHog's terms (status, `code`, `attr` or "" for null, `detail`). */
typedef struct export_err {
    int status;
    const char *code;
    char attr[64];
    char detail[256];
} export_err;

/* Load every definition, run and backfill from the store. Runs found Running (the process died during them) go back
 * to Starting, so they run again. Returns 0 with *out owned by the caller (export_service_free), or -1. */
int export_service_create(store *s, engine *e, export_service **out);
void export_service_free(export_service *x);

/* The scheduler thread (one per process), started by `orgpulse serve`. */
int export_scheduler_start(export_service *x);
void export_scheduler_stop(export_service *x);
/* Re-evaluate now (the clock moved, a definition changed). */
void export_scheduler_wake(export_service *x);
/* Wake the scheduler and wait (at most timeout_ms) until it has run everything due: 0, or -1 on timeout. For the
 * test clock endpoint, so a test sees the runs a clock move made. */
int export_scheduler_settle(export_service *x, int64_t timeout_ms);
/* Tests only (`serve --test-clock` with ORGPULSE_TEST_EXPORT_DELAY_MS, and ORGPULSE_TEST_EXPORT_DELAY_AT=commit or
 * after): sleep this long just before each destination commit, or just after it (before the run is marked
 * Completed), so a test can kill the process at either point of a run. */
void export_set_test_delay(int64_t ms, int after_commit);
/* Is this node the one that runs exports? One node today; a PostgreSQL advisory lock with several (issue 7). */
int export_node_is_runner(export_service *x);

/* ---- API operations (api_exports.c). `org_id` is the org of the path, already resolved. Each returns 0 with *out
 * the caller's (json_decref), or -1 with *err filled. Lists are newest first. ---- */
int export_list(export_service *x, int64_t project_id, const char *org_id, json_t **out);
int export_create(export_service *x, int64_t project_id, const char *org_id, const json_t *in, json_t **out,
                  export_err *err);
int export_get(export_service *x, int64_t project_id, const char *org_id, const char *id, json_t **out,
               export_err *err);
/* PUT (partial = 0: name, destination and interval required) or PATCH (partial = 1); config merged. */
int export_update(export_service *x, int64_t project_id, const char *org_id, const char *id, const json_t *in,
                  int partial, json_t **out, export_err *err);
int export_delete(export_service *x, int64_t project_id, const char *org_id, const char *id, export_err *err);
int export_pause(export_service *x, int64_t project_id, const char *org_id, const char *id, int pause, int backfill,
                 export_err *err);
/* {"start_at","end_at"} -> the new backfill's id (*out_id, caller frees). */
int export_backfill_create(export_service *x, int64_t project_id, const char *org_id, const char *id,
                           const json_t *in, char **out_id, export_err *err);
int export_backfill_list(export_service *x, int64_t project_id, const char *org_id, const char *id, json_t **out,
                         export_err *err);
int export_backfill_get(export_service *x, int64_t project_id, const char *org_id, const char *id, const char *bid,
                        json_t **out, export_err *err);
int export_backfill_cancel(export_service *x, int64_t project_id, const char *org_id, const char *id,
                           const char *bid, export_err *err);
int export_run_list(export_service *x, int64_t project_id, const char *org_id, const char *id, json_t **out,
                    export_err *err);
int export_run_get(export_service *x, int64_t project_id, const char *org_id, const char *id, const char *run_id,
                   json_t **out, export_err *err);
/* Re-run the run's window through a new backfill (*out_id, caller frees). */
int export_run_retry(export_service *x, int64_t project_id, const char *org_id, const char *id, const char *run_id,
                     char **out_id, export_err *err);
int export_run_cancel(export_service *x, int64_t project_id, const char *org_id, const char *id, const char *run_id,
                      export_err *err);

/* ---- shared inside src/export ---- */

/* The rows of one run: a model's columns and its rows (objects with those keys, in column order). */
typedef struct export_column {
    const char *name;
    const char *pg_type; /* the Postgres column type */
} export_column;

typedef struct export_table {
    const char *model;
    const export_column *columns;
    size_t ncolumns;
    const char *pg_key; /* the Postgres primary key (upserted), or NULL: rows are appended */
    json_t *rows;       /* array, owned */
} export_table;

/* Fill t with the model's rows: events and usage from the project's events in [from_ms, to_ms) by received time
 * (by_timestamp = 0) or event time (1); persons: the org's current members. Returns 0 or -1 (err set). */
int export_model_rows(engine *e, store *s, int64_t project_id, const char *org_id, const char *model,
                      int by_timestamp, int64_t from_ms, int64_t to_ms, export_table *t, char *err, size_t errlen);
void export_table_free(export_table *t);
/* One row as a JSON line (no newline); caller frees. The events model writes events.md's fields plus received_at. */
char *export_row_json(const json_t *row);

/* Deliver t to the destination ({type, config}) as run `run_id` of export `export_id`. *out_bytes: bytes written.
 * `should_cancel` (may be NULL) is asked just before the point of no return (rename, COMMIT): nonzero aborts with
 * rc 1. Returns 0, 1 (cancelled) or -1 with err set (never naming a secret). */
int export_dest_write(const json_t *destination, const char *export_id, const char *run_id, const export_table *t,
                      int (*should_cancel)(void *ctx), void *ctx, int64_t *out_bytes, char *err, size_t errlen);
/* Validate a destination; returns 0 or -1 with *err (attr "destination"). */
int export_dest_validate(const json_t *destination, export_err *err);

/* Interval length in ms, or 0 when the name is unknown. */
int64_t export_interval_ms(const char *interval);
/* The first interval boundary at or after t (hours, days, weeks from Monday 00:00 UTC, 5 minutes, all UTC). */
int64_t export_interval_align_up(const char *interval, int64_t t);

#endif
