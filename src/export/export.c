/* export.c: batch-export definitions (see export.h): validation in PostHog's words, the JSON documents kept in
 * memory and written through to the store, and the API operations on definitions, backfills and runs. The
 * scheduling itself (what runs when) is run.c's. Owns every json_t in export_service's arrays. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/export_int.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/time.h"

static const char *const models[] = {"events", "persons", "usage", NULL};
static const char *const intervals[] = {"hour", "day", "week", "every 5 minutes", NULL};

/* ---- small helpers ---- */

void export__uuid(char *out) {
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
             b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

void export__set_time(json_t *obj, const char *key, int64_t ms) {
    if (ms < 0) {
        json_object_set_new(obj, key, json_null());
        return;
    }
    char t[TIME_FORMAT_MAX];
    time_format_rfc3339_ms(ms, t);
    json_object_set_new(obj, key, json_string(t));
}

int64_t export__int(const json_t *obj, const char *key, int64_t def) {
    json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

const char *export__str(const json_t *obj, const char *key) { return json_string_value(json_object_get(obj, key)); }

static int in_list(const char *v, const char *const *list) {
    for (int i = 0; list[i]; i++)
        if (strcmp(v, list[i]) == 0) return 1;
    return 0;
}

static int fail(export_err *err, int status, const char *code, const char *attr, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail(export_err *err, int status, const char *code, const char *attr, const char *fmt, ...) {
    err->status = status;
    err->code = code;
    snprintf(err->attr, sizeof err->attr, "%s", attr ? attr : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof err->detail, fmt, ap);
    va_end(ap);
    return -1;
}

/* DRF's invalid_choice: the value as Python's str() shows it, in double quotes. */
static int bad_choice(export_err *err, const char *attr, const json_t *v) {
    const char *sv = json_string_value(v);
    char *dump = sv ? NULL : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    const char *shown = sv ? sv : json_is_true(v) ? "True" : json_is_false(v) ? "False" : json_is_null(v) ? "None" : dump;
    int rc = fail(err, 400, "invalid_choice", attr, "\"%.120s\" is not a valid choice.", shown ? shown : "");
    free(dump);
    return rc;
}

static int not_found(export_err *err, const char *what) {
    return fail(err, 404, "not_found", NULL, "%s", what ? what : "Not found.");
}

int export__save(export_service *x, int kind, json_t *obj) {
    char *doc = json_dumps(obj, JSON_COMPACT);
    const char *parent = export__str(obj, kind == STORE_EXPORT_DEF ? "_org_id" : "batch_export");
    store_export_rec r = {
        .kind = kind,
        .id = export__str(obj, "id"),
        .project_id = export__int(obj, "_project_id", 0),
        .parent_id = parent ? parent : "",
        .created_ms = export__int(obj, "_created_ms", 0),
        .doc = doc,
    };
    int rc = store_export_put(x->store, &r);
    free(doc);
    if (rc != STORE_OK) log_error("export: could not save %s", r.id);
    return rc == STORE_OK ? 0 : -1;
}

/* ---- the service ---- */

static int load_record(void *ctx, const store_export_rec *r) {
    export_service *x = ctx;
    json_error_t jerr;
    json_t *obj = json_loads(r->doc, 0, &jerr);
    if (!json_is_object(obj)) {
        log_error("export: record %s unreadable", r->id);
        json_decref(obj);
        return 0;
    }
    json_array_append_new(r->kind == STORE_EXPORT_DEF ? x->exports : r->kind == STORE_EXPORT_RUN ? x->runs : x->backfills,
                          obj);
    return 0;
}

int export_service_create(store *s, engine *e, export_service **out) {
    export_service *x = xcalloc(1, sizeof *x);
    x->store = s;
    x->engine = e;
    pthread_mutex_init(&x->lock, NULL);
    pthread_cond_init(&x->wake, NULL);
    pthread_cond_init(&x->idle, NULL);
    x->exports = json_array();
    x->runs = json_array();
    x->backfills = json_array();
    if (sodium_init() < 0 || store_export_list(s, STORE_EXPORT_DEF, load_record, x) != STORE_OK ||
        store_export_list(s, STORE_EXPORT_RUN, load_record, x) != STORE_OK ||
        store_export_list(s, STORE_EXPORT_BACKFILL, load_record, x) != STORE_OK) {
        export_service_free(x);
        *out = NULL;
        return -1;
    }
    /* A run that was Running when the process died runs again: its destination write is idempotent per run id
     * (File: the same name, renamed into place; Postgres: the run id committed with its rows; HTTP: the same
     * Idempotency-Key). */
    size_t i;
    json_t *run;
    json_array_foreach(x->runs, i, run) {
        const char *st = export__str(run, "status");
        if (st && strcmp(st, "Running") == 0) {
            json_object_set_new(run, "status", json_string("Starting"));
            json_object_set_new(run, "_next_attempt_ms", json_integer(0));
            export__save(x, STORE_EXPORT_RUN, run);
            log_info("export: run %s was interrupted; it runs again", export__str(run, "id"));
        }
    }
    *out = x;
    return 0;
}

void export_service_free(export_service *x) {
    if (!x) return;
    export_scheduler_stop(x);
    json_decref(x->exports);
    json_decref(x->runs);
    json_decref(x->backfills);
    pthread_mutex_destroy(&x->lock);
    pthread_cond_destroy(&x->wake);
    pthread_cond_destroy(&x->idle);
    free(x);
}

/* ---- definitions ---- */

static json_t *find_def(export_service *x, int64_t project_id, const char *org_id, const char *id) {
    size_t i;
    json_t *d;
    json_array_foreach(x->exports, i, d) {
        if (export__int(d, "_project_id", -1) == project_id && strcmp(export__str(d, "id"), id) == 0 &&
            strcmp(export__str(d, "_org_id"), org_id) == 0 && !json_is_true(json_object_get(d, "_deleted")))
            return d;
    }
    return NULL;
}

static json_t *render_def(export_service *x, const json_t *d) {
    json_t *out = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)d, k, v) {
        if (k[0] == '_') continue;
        if (strcmp(k, "destination") == 0) {
            json_t *dest = json_deep_copy(v);
            json_t *cfg = json_object_get(dest, "config");
            json_object_del(cfg, "password");
            json_object_del(cfg, "token");
            json_object_set_new(out, k, dest);
        } else {
            json_object_set(out, k, v);
        }
    }
    /* latest_runs: up to 10 most recent */
    json_t *latest = json_array();
    const char *id = export__str(d, "id");
    for (size_t i = json_array_size(x->runs); i-- > 0 && json_array_size(latest) < 10;) {
        json_t *r = json_array_get(x->runs, i);
        if (strcmp(export__str(r, "batch_export"), id) == 0) json_array_append_new(latest, export__render_run(r));
    }
    json_object_set_new(out, "latest_runs", latest);
    return out;
}

json_t *export__render_run(const json_t *run) {
    json_t *out = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)run, k, v) {
        if (k[0] != '_') json_object_set(out, k, v);
    }
    return out;
}

static json_t *render_plain(const json_t *obj) { return export__render_run(obj); }

/* After a pause: the next window is the one ending at the next boundary (the gap is left to a backfill). */
static void skip_to_next_boundary(json_t *d, int64_t now) {
    const char *interval = export__str(d, "interval");
    int64_t next = export_interval_align_up(interval, now + 1);
    json_object_set_new(d, "_next_end_ms", json_integer(next));
    json_object_set_new(d, "_next_start_ms", json_integer(next - export_interval_ms(interval)));
}

/* A datetime member: absent/null -> -1 (*present 0 when absent), or RFC 3339. */
static int parse_time_member(const json_t *in, const char *key, int64_t *out, int *present, export_err *err) {
    json_t *v = json_object_get(in, key);
    *present = v != NULL;
    *out = -1;
    if (!v || json_is_null(v)) return 0;
    if (!json_is_string(v) || time_parse_rfc3339(json_string_value(v), json_string_length(v), out) != 0)
        return fail(err, 400, "invalid_input", key,
                    "Datetime has wrong format. Use one of these formats instead: "
                    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].");
    return 0;
}

/* Apply the request's writable members to d (a copy of the stored definition, or a new one). */
static int apply_input(export_service *x, json_t *d, const json_t *in, int creating, int partial, int64_t now,
                       export_err *err) {
    (void)x;
    if (!json_is_object(in)) return fail(err, 400, "invalid_input", NULL, "Invalid data. Expected a dictionary.");
    json_t *name = json_object_get(in, "name");
    if (!name && !partial) return fail(err, 400, "required", "name", "This field is required.");
    if (name) {
        if (!json_is_string(name)) return fail(err, 400, "invalid_input", "name", "Not a valid string.");
        if (json_string_length(name) == 0) return fail(err, 400, "blank", "name", "This field may not be blank.");
        json_object_set(d, "name", name);
    }
    json_t *model = json_object_get(in, "model");
    if (model && !json_is_null(model)) {
        const char *m = json_string_value(model);
        if (!m || (*m && !in_list(m, models))) return bad_choice(err, "model", model);
        json_object_set_new(d, "model", json_string(*m ? m : "events"));
    } else if (creating) {
        json_object_set_new(d, "model", json_string("events"));
    }
    json_t *interval = json_object_get(in, "interval");
    if (!interval && !partial) return fail(err, 400, "required", "interval", "This field is required.");
    if (interval) {
        const char *iv = json_string_value(interval);
        if (!iv || !in_list(iv, intervals)) return bad_choice(err, "interval", interval);
        const char *old = export__str(d, "interval");
        if (!old || strcmp(old, iv) != 0) {
            json_object_set_new(d, "interval", json_string(iv));
            json_object_set_new(d, "_next_end_ms", json_integer(export_interval_align_up(iv, now + 1)));
        }
    }
    json_t *dest = json_object_get(in, "destination");
    if (!dest && !partial) return fail(err, 400, "required", "destination", "This field is required.");
    if (dest) {
        if (!json_is_object(dest))
            return fail(err, 400, "invalid_input", "destination", "Invalid data. Expected a dictionary, but got %s.",
                        json_is_string(dest) ? "str" : json_is_array(dest) ? "list" : "value");
        json_t *type = json_object_get(dest, "type");
        json_t *old = json_object_get(d, "destination");
        const char *old_type = old ? export__str(old, "type") : NULL;
        if (!type && !old_type) return fail(err, 400, "required", "destination__type", "This field is required.");
        const char *t = type ? json_string_value(type) : old_type;
        static const char *const types[] = {"File", "Postgres", "HTTP", "NoOp", NULL};
        if (!t || !in_list(t, types)) return bad_choice(err, "destination__type", type ? type : json_null());
        json_t *cfg = json_object_get(dest, "config");
        if (cfg && !json_is_object(cfg) && !json_is_null(cfg))
            return fail(err, 400, "invalid_input", "destination__config", "Expected a dictionary of items but got type \"%s\".",
                        json_is_string(cfg) ? "str" : "list");
        json_t *merged = old_type && strcmp(old_type, t) == 0 ? json_deep_copy(json_object_get(old, "config"))
                                                              : json_object();
        if (!merged) merged = json_object();
        if (json_is_object(cfg)) json_object_update(merged, cfg);
        json_t *nd = json_pack("{s:s,s:o}", "type", t, "config", merged);
        if (export_dest_validate(nd, err) != 0) {
            json_decref(nd);
            return -1;
        }
        json_object_set_new(d, "destination", nd);
    }
    int present;
    int64_t ms;
    if (parse_time_member(in, "start_at", &ms, &present, err)) return -1;
    if (present) export__set_time(d, "start_at", ms), json_object_set_new(d, "_start_ms", json_integer(ms));
    if (parse_time_member(in, "end_at", &ms, &present, err)) return -1;
    if (present) export__set_time(d, "end_at", ms), json_object_set_new(d, "_end_ms", json_integer(ms));
    json_t *paused = json_object_get(in, "paused");
    if (paused && !json_is_boolean(paused)) return fail(err, 400, "invalid_input", "paused", "Must be a valid boolean.");
    if (paused) {
        int was = json_is_true(json_object_get(d, "paused"));
        if (json_is_true(paused) && !was) export__set_time(d, "last_paused_at", now);
        if (!json_is_true(paused) && was) skip_to_next_boundary(d, now);
        json_object_set(d, "paused", paused);
    }
    return 0;
}

int export_list(export_service *x, int64_t project_id, const char *org_id, json_t **out) {
    json_t *arr = json_array();
    pthread_mutex_lock(&x->lock);
    for (size_t i = json_array_size(x->exports); i-- > 0;) {
        json_t *d = json_array_get(x->exports, i);
        if (export__int(d, "_project_id", -1) == project_id && strcmp(export__str(d, "_org_id"), org_id) == 0 &&
            !json_is_true(json_object_get(d, "_deleted")))
            json_array_append_new(arr, render_def(x, d));
    }
    pthread_mutex_unlock(&x->lock);
    *out = arr;
    return 0;
}

int export_create(export_service *x, int64_t project_id, const char *org_id, const json_t *in, json_t **out,
                  export_err *err) {
    *out = NULL;
    int64_t now = time_now_ms();
    char id[37];
    export__uuid(id);
    json_t *d = json_object();
    json_object_set_new(d, "id", json_string(id));
    json_object_set_new(d, "team_id", json_integer(project_id));
    json_object_set_new(d, "paused", json_false());
    export__set_time(d, "created_at", now);
    export__set_time(d, "last_updated_at", now);
    json_object_set_new(d, "last_paused_at", json_null());
    json_object_set_new(d, "start_at", json_null());
    json_object_set_new(d, "end_at", json_null());
    json_object_set_new(d, "schema", json_null());
    json_object_set_new(d, "filters", json_null());
    json_object_set_new(d, "_project_id", json_integer(project_id));
    json_object_set_new(d, "_org_id", json_string(org_id));
    json_object_set_new(d, "_created_ms", json_integer(now));
    pthread_mutex_lock(&x->lock);
    int rc = apply_input(x, d, in, 1, 0, now, err);
    if (rc == 0 && export__save(x, STORE_EXPORT_DEF, d) != 0) rc = fail(err, 500, "error", NULL, "A server error occurred.");
    if (rc == 0) {
        json_array_append(x->exports, d);
        *out = render_def(x, d);
    }
    pthread_mutex_unlock(&x->lock);
    json_decref(d);
    if (rc == 0) export_scheduler_wake(x);
    return rc;
}

int export_get(export_service *x, int64_t project_id, const char *org_id, const char *id, json_t **out,
               export_err *err) {
    pthread_mutex_lock(&x->lock);
    json_t *d = find_def(x, project_id, org_id, id);
    *out = d ? render_def(x, d) : NULL;
    pthread_mutex_unlock(&x->lock);
    return d ? 0 : not_found(err, NULL);
}

/* Replace the stored definition at the same position with `nd` (stolen). */
static void replace_def(export_service *x, json_t *old, json_t *nd) {
    size_t i;
    json_t *d;
    json_array_foreach(x->exports, i, d) {
        if (d == old) {
            json_array_set_new(x->exports, i, nd);
            return;
        }
    }
    json_decref(nd);
}

int export_update(export_service *x, int64_t project_id, const char *org_id, const char *id, const json_t *in,
                  int partial, json_t **out, export_err *err) {
    *out = NULL;
    int64_t now = time_now_ms();
    pthread_mutex_lock(&x->lock);
    json_t *d = find_def(x, project_id, org_id, id);
    int rc;
    if (!d) {
        rc = not_found(err, NULL);
    } else {
        json_t *nd = json_deep_copy(d);
        rc = apply_input(x, nd, in, 0, partial, now, err);
        if (rc == 0) {
            export__set_time(nd, "last_updated_at", now);
            if (export__save(x, STORE_EXPORT_DEF, nd) != 0) rc = fail(err, 500, "error", NULL, "A server error occurred.");
        }
        if (rc == 0) {
            *out = render_def(x, nd);
            replace_def(x, d, nd);
        } else {
            json_decref(nd);
        }
    }
    pthread_mutex_unlock(&x->lock);
    if (rc == 0) export_scheduler_wake(x);
    return rc;
}

int export_delete(export_service *x, int64_t project_id, const char *org_id, const char *id, export_err *err) {
    int64_t now = time_now_ms();
    pthread_mutex_lock(&x->lock);
    json_t *d = find_def(x, project_id, org_id, id);
    if (d) {
        json_object_set_new(d, "_deleted", json_true());
        export__set_time(d, "last_updated_at", now);
        export__save(x, STORE_EXPORT_DEF, d);
        export__cancel_backfills(x, id, now);
    }
    pthread_mutex_unlock(&x->lock);
    return d ? 0 : not_found(err, NULL);
}

int export_pause(export_service *x, int64_t project_id, const char *org_id, const char *id, int pause, int backfill,
                 export_err *err) {
    int64_t now = time_now_ms();
    pthread_mutex_lock(&x->lock);
    json_t *d = find_def(x, project_id, org_id, id);
    if (d) {
        int was = json_is_true(json_object_get(d, "paused"));
        if (pause && !was) {
            json_object_set_new(d, "paused", json_true());
            export__set_time(d, "last_paused_at", now);
            json_object_set_new(d, "_paused_ms", json_integer(now));
            export__set_time(d, "last_updated_at", now);
            export__save(x, STORE_EXPORT_DEF, d);
        } else if (!pause && was) {
            json_object_set_new(d, "paused", json_false());
            export__set_time(d, "last_updated_at", now);
            skip_to_next_boundary(d, now);
            int64_t paused_ms = export__int(d, "_paused_ms", -1);
            if (paused_ms < 0) {
                const char *lp = export__str(d, "last_paused_at");
                if (lp) time_parse_rfc3339(lp, strlen(lp), &paused_ms);
            }
            export__save(x, STORE_EXPORT_DEF, d);
            /* the paused gap, by event time: from the pause to the unpause (PostHog: last_paused_at to
             * last_updated_at) */
            if (backfill && paused_ms >= 0 && paused_ms < now) export__backfill_new(x, d, paused_ms, now, 0);
        }
    }
    pthread_mutex_unlock(&x->lock);
    if (d) export_scheduler_wake(x);
    return d ? 0 : not_found(err, NULL);
}

/* ---- backfills ---- */

json_t *export__backfill_new(export_service *x, json_t *def, int64_t start_ms, int64_t end_ms, int by_received) {
    int64_t now = time_now_ms();
    char id[37];
    export__uuid(id);
    json_t *b = json_object();
    json_object_set_new(b, "id", json_string(id));
    json_object_set_new(b, "progress", json_null());
    export__set_time(b, "start_at", start_ms);
    export__set_time(b, "end_at", end_ms);
    json_object_set_new(b, "status", json_string("Running"));
    export__set_time(b, "created_at", now);
    json_object_set_new(b, "finished_at", json_null());
    export__set_time(b, "last_updated_at", now);
    json_object_set_new(b, "team", json_integer(export__int(def, "_project_id", 0)));
    json_object_set(b, "batch_export", json_object_get(def, "id"));
    json_object_set_new(b, "_project_id", json_integer(export__int(def, "_project_id", 0)));
    json_object_set_new(b, "_created_ms", json_integer(now));
    json_object_set_new(b, "_start_ms", json_integer(start_ms));
    json_object_set_new(b, "_end_ms", json_integer(end_ms));
    json_object_set_new(b, "_next_ms", json_integer(start_ms));
    json_object_set_new(b, "_by_received", json_boolean(by_received));
    json_object_set_new(b, "_total_runs", json_integer(0));
    json_object_set_new(b, "_finished_runs", json_integer(0));
    export__save(x, STORE_EXPORT_BACKFILL, b);
    json_array_append_new(x->backfills, b);
    return b;
}

void export__cancel_backfills(export_service *x, const char *export_id, int64_t now) {
    size_t i;
    json_t *b;
    json_array_foreach(x->backfills, i, b) {
        const char *st = export__str(b, "status");
        if (strcmp(export__str(b, "batch_export"), export_id) != 0 || strcmp(st, "Running") != 0) continue;
        json_object_set_new(b, "status", json_string("Cancelled"));
        export__set_time(b, "finished_at", now);
        export__set_time(b, "last_updated_at", now);
        export__save(x, STORE_EXPORT_BACKFILL, b);
        const char *bid = export__str(b, "id");
        size_t k;
        json_t *r;
        json_array_foreach(x->runs, k, r) {
            const char *rs = export__str(r, "status");
            if (json_is_string(json_object_get(r, "backfill")) && strcmp(export__str(r, "backfill"), bid) == 0 &&
                (strcmp(rs, "Starting") == 0 || strcmp(rs, "FailedRetryable") == 0)) {
                json_object_set_new(r, "status", json_string("Cancelled"));
                export__set_time(r, "finished_at", now);
                export__set_time(r, "last_updated_at", now);
                export__save(x, STORE_EXPORT_RUN, r);
            }
        }
    }
}

static json_t *backfill_render(const json_t *b) {
    json_t *out = render_plain(b);
    const char *st = export__str(b, "status");
    if (strcmp(st, "Completed") == 0) {
        json_object_set_new(out, "progress", json_pack("{s:I,s:I,s:f}", "total_runs", (json_int_t)export__int(b, "_total_runs", 0),
                                                        "finished_runs", (json_int_t)export__int(b, "_finished_runs", 0),
                                                        "progress", 1.0));
    } else if (strcmp(st, "Running") == 0 || strcmp(st, "Starting") == 0) {
        int64_t total = export__int(b, "_expected_runs", 0), done = export__int(b, "_finished_runs", 0);
        double p = total > 0 ? (double)((int64_t)((double)done / (double)total * 10.0 + 0.5)) / 10.0 : 0.0;
        json_object_set_new(out, "progress", json_pack("{s:I,s:I,s:f}", "total_runs", (json_int_t)total,
                                                        "finished_runs", (json_int_t)done, "progress", p));
    }
    return out;
}

int export_backfill_create(export_service *x, int64_t project_id, const char *org_id, const char *id,
                           const json_t *in, char **out_id, export_err *err) {
    *out_id = NULL;
    int64_t now = time_now_ms();
    pthread_mutex_lock(&x->lock);
    json_t *d = find_def(x, project_id, org_id, id);
    int rc = 0;
    int64_t start = -1, end = -1;
    if (!d) {
        rc = not_found(err, "BatchExport not found.");
    } else if (!json_is_object(in)) {
        rc = fail(err, 400, "invalid_input", NULL, "Invalid data. Expected a dictionary.");
    } else {
        const char *keys[2] = {"start_at", "end_at"};
        int64_t *vals[2] = {&start, &end};
        for (int k = 0; k < 2 && rc == 0; k++) {
            json_t *v = json_object_get(in, keys[k]);
            if (!v || json_is_null(v)) continue;
            const char *s = json_string_value(v);
            char shown[80];
            if (!s) {
                char *dump = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
                snprintf(shown, sizeof shown, "%.60s", dump ? dump : "");
                free(dump);
            } else {
                snprintf(shown, sizeof shown, "%.60s", s);
            }
            if (!s || time_parse_rfc3339(s, strlen(s), vals[k]) != 0) {
                /* RFC 3339 requires an offset: a naive ISO datetime is answered as PostHog does */
                int naive = s && strlen(s) >= 19 && s[10] == 'T' && !strchr(s + 10, 'Z') && !strchr(s + 10, 'z') &&
                            !strchr(s + 10, '+') && !strchr(s + 11, '-');
                rc = naive ? fail(err, 400, "invalid_input", NULL, "Input %s is naive.", shown)
                           : fail(err, 400, "invalid_input", NULL, "Input %s is not a valid ISO formatted datetime.", shown);
            }
        }
        int64_t iv = export_interval_ms(export__str(d, "interval"));
        const char *type = export__str(json_object_get(d, "destination"), "type");
        if (rc == 0 && start >= 0 && end >= 0 && start >= end)
            rc = fail(err, 400, "invalid_input", NULL, "The initial backfill datetime 'start_at' happens after 'end_at'");
        if (rc == 0 && end >= 0 && end > now + iv) {
            char t[TIME_FORMAT_MAX];
            time_format_rfc3339(end, t);
            rc = fail(err, 400, "invalid_input", NULL,
                      "The provided 'end_at' (%s) is too far into the future. Cannot backfill beyond 1 batch period "
                      "into the future.", t);
        }
        if (rc == 0 && end < 0 && strcmp(type, "HTTP") != 0 && strcmp(type, "NoOp") != 0)
            rc = fail(err, 400, "invalid_input", "end_at", "A backfill without 'end_at' is only allowed for HTTP and NoOp destinations.");
        if (rc == 0) {
            if (end < 0) end = now;
            json_t *b;
            if (start < 0) { /* from the beginning: a single run */
                b = export__backfill_new(x, d, 0, end, 0);
                json_object_set_new(b, "_single", json_true());
            } else {
                b = export__backfill_new(x, d, start, end, 0);
            }
            *out_id = xstrdup(export__str(b, "id"));
        }
    }
    pthread_mutex_unlock(&x->lock);
    if (rc == 0) export_scheduler_wake(x);
    return rc;
}

static int list_children(export_service *x, json_t *arr, int64_t project_id, const char *org_id, const char *id,
                         json_t *(*render)(const json_t *), json_t **out, export_err *err) {
    *out = NULL;
    pthread_mutex_lock(&x->lock);
    json_t *d = find_def(x, project_id, org_id, id);
    if (d) {
        *out = json_array();
        for (size_t i = json_array_size(arr); i-- > 0;) {
            json_t *r = json_array_get(arr, i);
            if (strcmp(export__str(r, "batch_export"), id) == 0) json_array_append_new(*out, render(r));
        }
    }
    pthread_mutex_unlock(&x->lock);
    return d ? 0 : not_found(err, "BatchExport not found.");
}

static json_t *find_child(json_t *arr, const char *export_id, const char *id) {
    size_t i;
    json_t *r;
    json_array_foreach(arr, i, r) {
        if (strcmp(export__str(r, "id"), id) == 0 && strcmp(export__str(r, "batch_export"), export_id) == 0) return r;
    }
    return NULL;
}

static int get_child(export_service *x, json_t *arr, int64_t project_id, const char *org_id, const char *id,
                     const char *cid, json_t *(*render)(const json_t *), json_t **out, export_err *err) {
    *out = NULL;
    pthread_mutex_lock(&x->lock);
    json_t *d = find_def(x, project_id, org_id, id);
    json_t *c = d ? find_child(arr, id, cid) : NULL;
    if (c) *out = render(c);
    pthread_mutex_unlock(&x->lock);
    return c ? 0 : not_found(err, NULL);
}

int export_backfill_list(export_service *x, int64_t project_id, const char *org_id, const char *id, json_t **out,
                         export_err *err) {
    return list_children(x, x->backfills, project_id, org_id, id, backfill_render, out, err);
}

int export_backfill_get(export_service *x, int64_t project_id, const char *org_id, const char *id, const char *bid,
                        json_t **out, export_err *err) {
    return get_child(x, x->backfills, project_id, org_id, id, bid, backfill_render, out, err);
}

int export_backfill_cancel(export_service *x, int64_t project_id, const char *org_id, const char *id,
                           const char *bid, export_err *err) {
    int64_t now = time_now_ms();
    pthread_mutex_lock(&x->lock);
    json_t *d = find_def(x, project_id, org_id, id);
    json_t *b = d ? find_child(x->backfills, id, bid) : NULL;
    int rc = 0;
    if (!b) {
        rc = not_found(err, NULL);
    } else if (strcmp(export__str(b, "status"), "Running") != 0 && strcmp(export__str(b, "status"), "Starting") != 0) {
        rc = fail(err, 400, "invalid_input", NULL, "Cannot cancel a backfill that is in '%s' status",
                  export__str(b, "status"));
    } else {
        /* cancel this one backfill: mark it, then its pending runs */
        json_object_set_new(b, "status", json_string("Cancelled"));
        export__set_time(b, "finished_at", now);
        export__set_time(b, "last_updated_at", now);
        export__save(x, STORE_EXPORT_BACKFILL, b);
        size_t k;
        json_t *r;
        json_array_foreach(x->runs, k, r) {
            const char *rs = export__str(r, "status");
            if (json_is_string(json_object_get(r, "backfill")) && strcmp(export__str(r, "backfill"), bid) == 0 &&
                (strcmp(rs, "Starting") == 0 || strcmp(rs, "FailedRetryable") == 0 || strcmp(rs, "Running") == 0)) {
                json_object_set_new(r, "status", json_string("Cancelled"));
                export__set_time(r, "finished_at", now);
                export__set_time(r, "last_updated_at", now);
                export__save(x, STORE_EXPORT_RUN, r);
            }
        }
    }
    pthread_mutex_unlock(&x->lock);
    return rc;
}

/* ---- runs ---- */

int export_run_list(export_service *x, int64_t project_id, const char *org_id, const char *id, json_t **out,
                    export_err *err) {
    return list_children(x, x->runs, project_id, org_id, id, export__render_run, out, err);
}

int export_run_get(export_service *x, int64_t project_id, const char *org_id, const char *id, const char *run_id,
                   json_t **out, export_err *err) {
    return get_child(x, x->runs, project_id, org_id, id, run_id, export__render_run, out, err);
}

int export_run_retry(export_service *x, int64_t project_id, const char *org_id, const char *id, const char *run_id,
                     char **out_id, export_err *err) {
    *out_id = NULL;
    pthread_mutex_lock(&x->lock);
    json_t *d = find_def(x, project_id, org_id, id);
    json_t *r = d ? find_child(x->runs, id, run_id) : NULL;
    if (r) {
        json_t *b = export__backfill_new(x, d, export__int(r, "_start_ms", 0), export__int(r, "_end_ms", 0),
                                         !json_is_true(json_object_get(r, "_by_timestamp")));
        json_object_set_new(b, "_single", json_true());
        export__save(x, STORE_EXPORT_BACKFILL, b);
        *out_id = xstrdup(export__str(b, "id"));
    }
    pthread_mutex_unlock(&x->lock);
    if (r) export_scheduler_wake(x);
    return r ? 0 : not_found(err, NULL);
}

int export_run_cancel(export_service *x, int64_t project_id, const char *org_id, const char *id, const char *run_id,
                      export_err *err) {
    int64_t now = time_now_ms();
    pthread_mutex_lock(&x->lock);
    json_t *d = find_def(x, project_id, org_id, id);
    json_t *r = d ? find_child(x->runs, id, run_id) : NULL;
    int rc = 0;
    if (!r) {
        rc = not_found(err, NULL);
    } else {
        const char *st = export__str(r, "status");
        if (strcmp(st, "Running") != 0 && strcmp(st, "Starting") != 0) {
            rc = fail(err, 400, "invalid_input", NULL, "Cannot cancel a run that is in '%s' status", st);
        } else {
            json_object_set_new(r, "status", json_string("Cancelled"));
            export__set_time(r, "finished_at", now);
            export__set_time(r, "last_updated_at", now);
            export__save(x, STORE_EXPORT_RUN, r);
        }
    }
    pthread_mutex_unlock(&x->lock);
    return rc;
}

/* ---- intervals ---- */

int64_t export_interval_ms(const char *interval) {
    if (!interval) return 0;
    if (strcmp(interval, "hour") == 0) return TIME_MS_PER_HOUR;
    if (strcmp(interval, "day") == 0) return TIME_MS_PER_DAY;
    if (strcmp(interval, "week") == 0) return 7 * TIME_MS_PER_DAY;
    if (strcmp(interval, "every 5 minutes") == 0) return 5 * 60000LL;
    return 0;
}

int64_t export_interval_align_up(const char *interval, int64_t t) {
    int64_t iv = export_interval_ms(interval);
    if (iv <= 0) return t;
    /* weeks start on Monday: day 4 of the epoch (1970-01-05) was one */
    int64_t origin = iv == 7 * TIME_MS_PER_DAY ? 4 * TIME_MS_PER_DAY : 0;
    int64_t k = (t - origin + iv - 1) / iv;
    if ((t - origin) < 0 && (t - origin) % iv) k = (t - origin) / iv;
    return origin + k * iv;
}
