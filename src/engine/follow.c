/* follow.c: applying other nodes' events to this node's index (see follow.h).
 *
 * The store is read in rounds of at most CATCH_UP_ROWS copied rows, and the rows are applied after the scan has
 * returned: a scan holds the store's connection, and a request thread may hold a project's read lock while it waits
 * for the store, so taking a project's write lock inside the scan could deadlock. */
#include "engine/follow.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/log.h"

#define CATCH_UP_ROWS 4096

typedef struct catch_up_round {
    store_event rows[CATCH_UP_ROWS];
    size_t n;
    int64_t before_seq;
    int full, reached_end; /* stopped at the round's size; stopped at before_seq */
} catch_up_round;

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

static int copy_row(void *ctx, const store_event *ev) {
    catch_up_round *r = ctx;
    if (ev->seq >= r->before_seq) {
        r->reached_end = 1;
        return 1;
    }
    store_event *c = &r->rows[r->n++];
    *c = *ev;
    c->id = dup_or_null(ev->id);
    c->user_id = dup_or_null(ev->user_id);
    c->org_id = dup_or_null(ev->org_id);
    c->team_id = dup_or_null(ev->team_id);
    c->body = dup_or_null(ev->body);
    if (r->n == CATCH_UP_ROWS) {
        r->full = 1;
        return 1;
    }
    return 0;
}

static void free_rows(catch_up_round *r) {
    for (size_t i = 0; i < r->n; i++) {
        free((char *)r->rows[i].id);
        free((char *)r->rows[i].user_id);
        free((char *)r->rows[i].org_id);
        free((char *)r->rows[i].team_id);
        free((char *)r->rows[i].body);
    }
    r->n = 0;
}

int engine_catch_up(engine *e, store *s, int64_t before_seq, uint64_t *out_applied) {
    catch_up_round *r = xcalloc(1, sizeof *r);
    r->before_seq = before_seq;
    uint64_t applied = 0;
    int rc = STORE_OK;
    do {
        r->full = r->reached_end = 0;
        rc = store_events_scan(s, e->last.seq, copy_row, r);
        if (rc > 0) rc = STORE_OK; /* stopped by copy_row */
        project_index *p = NULL;
        for (size_t i = 0; i < r->n; i++) {
            const store_event *ev = &r->rows[i];
            if (!p || p->project_id != ev->project_id) {
                if (p) pthread_rwlock_unlock(&p->lock);
                p = engine_project(e, ev->project_id, 1);
                pthread_rwlock_wrlock(&p->lock);
            }
            if (engine_apply(e, ev) == 0) applied++;
        }
        if (p) pthread_rwlock_unlock(&p->lock);
        free_rows(r);
    } while (rc == STORE_OK && r->full);
    free(r);
    if (out_applied) *out_applied = applied;
    return rc;
}

struct engine_follower {
    engine *e;
    store *s;
    pthread_t thread;
    int stop; /* atomic */
};

static void *follow_main(void *arg) {
    engine_follower *f = arg;
    while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) {
        store_wait_change(f->s, FOLLOW_POLL_MS);
        if (__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) break;
        pthread_mutex_lock(&f->e->ingest_lock);
        uint64_t n = 0;
        if (engine_catch_up(f->e, f->s, INT64_MAX, &n) != STORE_OK) log_error("follow: could not read the store");
        pthread_mutex_unlock(&f->e->ingest_lock);
    }
    return NULL;
}

int engine_follow_start(engine *e, store *s, engine_follower **out) {
    engine_follower *f = xcalloc(1, sizeof *f);
    f->e = e, f->s = s;
    if (pthread_create(&f->thread, NULL, follow_main, f) != 0) {
        free(f);
        *out = NULL;
        return -1;
    }
    *out = f;
    return 0;
}

void engine_follow_stop(engine_follower *f) {
    if (!f) return;
    __atomic_store_n(&f->stop, 1, __ATOMIC_RELEASE);
    pthread_join(f->thread, NULL);
    free(f);
}
