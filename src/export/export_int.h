/* export_int.h: the export service's state, shared by export.c (definitions, API operations) and run.c (the
 * scheduler); private to src/export. Everything here is guarded by export_service.lock. */
#ifndef ORGPULSE_EXPORT_EXPORT_INT_H
#define ORGPULSE_EXPORT_EXPORT_INT_H

#include <pthread.h>

#include "export/export.h"

struct export_service {
    store *store;
    engine *engine;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    json_t *exports;   /* array of definitions, creation order */
    json_t *runs;      /* array of runs, creation order */
    size_t first_open; /* runs before this index are finished (run.c's pick starts here) */
    json_t *backfills; /* array of backfills, creation order */
    pthread_t thread;
    int started, stopping;
    uint64_t wake_gen, idle_gen; /* wakes asked for; the last one after which the scheduler found nothing due */
    pthread_cond_t idle;         /* signalled when idle_gen moves (export_scheduler_settle waits on it) */
};

/* Write one record through to the store (kind STORE_EXPORT_*). Returns 0 or -1 (logged). */
int export__save(export_service *x, int kind, json_t *obj);
/* A new random UUID (v4) into out[37]. */
void export__uuid(char *out);
/* Set a time member as RFC 3339 (ms >= 0) or null (ms < 0). */
void export__set_time(json_t *obj, const char *key, int64_t ms);
int64_t export__int(const json_t *obj, const char *key, int64_t def);
const char *export__str(const json_t *obj, const char *key);
/* Create a backfill of export `def` over [start_ms, end_ms) selecting by event time (by_received = 0) or by received
 * time (a retried window); returns the backfill (borrowed). */
json_t *export__backfill_new(export_service *x, json_t *def, int64_t start_ms, int64_t end_ms, int by_received);
/* Cancel the export's running backfills (and their pending runs). */
void export__cancel_backfills(export_service *x, const char *export_id, int64_t now);
/* A run rendered for the API (no `_` members). New reference. */
json_t *export__render_run(const json_t *run);

#endif
