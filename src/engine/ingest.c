/* ingest.c: the write path (see ingest.h). Writers are serialized by engine.ingest_lock so the index sees
 * batches in the order the store committed them; readers are blocked only while a stored batch is applied.
 * On a store shared with other nodes, their events committed before this batch are applied first (follow.h). */
#include "engine/ingest.h"

#include <stdint.h>
#include <stdlib.h>

#include "engine/follow.h"
#include "util/buf.h"
#include "util/log.h"
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
    int apply = e != NULL;
    if (rc == STORE_OK && e && store_is_shared(s)) {
        /* other nodes' events stored before this batch go into the index first, in seq order */
        int64_t first = INT64_MAX;
        for (size_t i = 0; i < b->count; i++)
            if (!dup[i] && rows[i].seq < first) first = rows[i].seq;
        /* nothing can lie between the index's last event and this batch when their seqs are adjacent */
        if (first != INT64_MAX && first != e->last.seq + 1 && engine_catch_up(e, s, first, NULL) != STORE_OK) {
            log_error("ingest: could not read other nodes' events; the follower applies them and this batch");
            apply = 0; /* applying it now would put the index's last seq past the events it lacks */
        }
    }
    if (rc == STORE_OK) {
        project_index *p = apply ? engine_project(e, project_id, 1) : NULL;
        if (p) pthread_rwlock_wrlock(&p->lock);
        for (size_t i = 0; i < b->count; i++) {
            if (dup[i]) {
                (*out_duplicates)++;
                continue;
            }
            (*out_accepted)++;
            if (apply) engine_apply(e, &rows[i]);
        }
        if (p) pthread_rwlock_unlock(&p->lock);
    }
    if (e) pthread_mutex_unlock(&e->ingest_lock);
    free(rows);
    free(dup);
    return rc;
}
