/* ingest.c: the write path (see ingest.h). Writers are serialized by engine.ingest_lock so the index sees
 * batches in the order the store committed them; readers are blocked only while a stored batch is applied. */
#include "engine/ingest.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/time.h"

int engine_ingest_batch(engine *e, store *s, int64_t project_id, const event_batch *b, int64_t received_ms,
                        size_t *out_accepted, size_t *out_duplicates) {
    *out_accepted = 0, *out_duplicates = 0;
    if (b->count == 0) return STORE_OK;
    store_event *rows = xcalloc(b->count, sizeof *rows);
    unsigned char *dup = xcalloc(b->count, 1);
    for (size_t i = 0; i < b->count; i++) {
        const event *ev = &b->events[i];
        rows[i] = (store_event){
            .project_id = project_id,
            .ts_ms = ev->ts_ms,
            .received_ms = received_ms,
            .type = (int)ev->type,
            .id = ev->id,
            .user_id = ev->user_id,
            .org_id = ev->org_id,
            .team_id = ev->team_id,
            .body = ev->rest,
            .user_num = -1,
            .org_num = -1,
            .team_num = -1,
        };
    }
    if (e) {
        pthread_mutex_lock(&e->ingest_lock);
        /* Received times in commit order: an export that waited for this lock after its window's end sees every
         * event received before that end (export/run.c). */
        int64_t now = time_now_ms();
        if (now > received_ms)
            for (size_t i = 0; i < b->count; i++) rows[i].received_ms = now;
    }
    int rc = store_events_append(s, rows, b->count, dup);
    if (rc == STORE_OK) {
        project_index *p = e ? engine_project(e, project_id, 1) : NULL;
        if (p) pthread_rwlock_wrlock(&p->lock);
        for (size_t i = 0; i < b->count; i++) {
            if (dup[i]) {
                (*out_duplicates)++;
                continue;
            }
            (*out_accepted)++;
            if (e) engine_apply(e, &rows[i]);
        }
        if (p) pthread_rwlock_unlock(&p->lock);
    }
    if (e) pthread_mutex_unlock(&e->ingest_lock);
    free(rows);
    free(dup);
    return rc;
}
