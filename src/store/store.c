/* store.c: the backend-independent front of the store (see store.h): picks the backend from the location and
 * forwards each call, so no caller ever touches a backend's function pointers. */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

void store_key_clear(store_key *k) {
    free(k->name);
    free(k->scopes);
    free(k->org_id);
    memset(k, 0, sizeof *k);
}

int store_open(const char *location, store **out, char *err, size_t errlen) {
    *out = NULL;
    return store_sqlite_open(location, out, err, errlen);
}

void store_close(store *s) {
    if (s) s->backend->close(s);
}

int store_project_ensure(store *s, const char *name, int64_t *out_id) { return s->backend->project_ensure(s, name, out_id); }
int store_project_find(store *s, const char *name, int64_t *out_id) { return s->backend->project_find(s, name, out_id); }
int store_project_list(store *s, store_project_fn fn, void *ctx) { return s->backend->project_list(s, fn, ctx); }

int store_events_append(store *s, store_event *evs, size_t n, unsigned char *out_duplicate) {
    if (n == 0) return STORE_OK;
    return s->backend->events_append(s, evs, n, out_duplicate);
}

int store_events_scan(store *s, int64_t after_seq, store_event_fn fn, void *ctx) {
    return s->backend->events_scan(s, after_seq, fn, ctx);
}

int store_state_save(store *s, FILE *f) { return s->backend->state_save ? s->backend->state_save(s, f) : STORE_OK; }

int store_state_load(store *s, FILE *f, int64_t upto_seq) {
    return s->backend->state_load ? s->backend->state_load(s, f, upto_seq) : STORE_OK;
}

int store_key_insert(store *s, const store_key *k) { return s->backend->key_insert(s, k); }
int store_key_get(store *s, const char *id, store_key *out) { return s->backend->key_get(s, id, out); }
int store_key_list(store *s, int64_t project_id, store_key_fn fn, void *ctx) { return s->backend->key_list(s, project_id, fn, ctx); }
int store_key_revoke(store *s, const char *id, int64_t now_ms) { return s->backend->key_revoke(s, id, now_ms); }
int store_key_touch(store *s, const char *id, int64_t now_ms) { return s->backend->key_touch(s, id, now_ms); }

int store_export_put(store *s, const store_export_rec *r) { return s->backend->export_put(s, r); }
int store_export_list(store *s, int kind, store_export_fn fn, void *ctx) { return s->backend->export_list(s, kind, fn, ctx); }
int store_export_events(store *s, int64_t project_id, int by, int64_t from_ms, int64_t to_ms, store_event_fn fn,
                        void *ctx) {
    return s->backend->export_events(s, project_id, by, from_ms, to_ms, fn, ctx);
}
