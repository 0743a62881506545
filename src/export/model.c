/* model.c: what a batch export moves, as rows (export.h's export_table). Reads the store's events of a window and
 * the in-memory index (under the project's read lock) to decide which belong to the org; never HTTP or a
 * destination.
 *
 *   events   the org's events (export.h), one row per event: the columns below, and the line written to JSON
 *            destinations is the event as events.md spells it (type, id, timestamp, user_id, org_id, team_id and the
 *            other members) plus received_at.
 *   persons  the org's current members at the time of the run, one row per user (deleted users left out).
 *   usage    daily rollups of the usage events among the org's events of the window: one row per (day of the event
 *            timestamp, user, team, feature, metric) with the sum. A run adds the increments it received, so summing
 *            every run's rows per key gives the totals, and each usage event counts once. team_id is the team the
 *            event names, else the user's team at the event's time; feature "" when none. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/event.h"
#include "export/export.h"
#include "util/buf.h"
#include "util/time.h"

static const export_column event_columns[] = {
    {"type", "text"},        {"id", "text"},      {"timestamp", "timestamptz"}, {"received_at", "timestamptz"},
    {"user_id", "text"},     {"org_id", "text"},  {"team_id", "text"},          {"properties", "jsonb"},
};
static const export_column person_columns[] = {
    {"user_id", "text"},  {"email", "text"},        {"username", "text"},          {"first_name", "text"},
    {"last_name", "text"}, {"role", "text"},        {"team_id", "text"},           {"joined_at", "timestamptz"},
    {"created_at", "timestamptz"}, {"last_active_at", "timestamptz"}, {"deactivated", "boolean"},
};
static const export_column usage_columns[] = {
    {"day", "date"}, {"user_id", "text"}, {"team_id", "text"}, {"feature", "text"}, {"metric", "text"},
    {"value", "double precision"},
};

void export_table_free(export_table *t) {
    json_decref(t->rows);
    t->rows = NULL;
}

char *export_row_json(const json_t *row) {
    json_t *line = json_object_get(row, "_line");
    if (line) return json_dumps(line, JSON_COMPACT | JSON_ENCODE_ANY);
    return json_dumps(row, JSON_COMPACT);
}

static json_t *time_or_null(int64_t ms, int has) {
    if (!has) return json_null();
    char t[TIME_FORMAT_MAX];
    time_format_rfc3339_ms(ms, t);
    return json_string(t);
}

static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

typedef struct collect {
    project_index *p;
    uint32_t org; /* INDEX_NONE when the index does not know it */
    const char *org_id;
    int usage;     /* building usage rollups instead of event rows */
    json_t *rows;  /* events: the rows */
    json_t *sums;  /* usage: key -> row */
} collect;

/* The user's team at time t (index), or INDEX_NONE. */
static uint32_t team_at(const user_rec *u, int64_t t) {
    uint32_t team = INDEX_NONE;
    for (uint32_t i = 0; i < u->teams.count; i++) {
        const history_entry *h = &u->teams.items[i];
        if (h->v.ts_ms > t) break;
        team = h->kind == TEAM_JOINED ? h->arg : INDEX_NONE;
    }
    return team;
}

static int is_org_event(collect *c, const store_event *ev) {
    if (ev->org_id) return strcmp(ev->org_id, c->org_id) == 0;
    if (!c->p || c->org == INDEX_NONE) return 0;
    uint32_t idx;
    if (ev->team_id && strmap_get(&c->p->team_ids, ev->team_id, strlen(ev->team_id), &idx) == 0)
        if (c->p->teams[idx].org == c->org) return 1;
    if ((ev->type == EV_ACTIVITY || ev->type == EV_USAGE) && ev->user_id &&
        engine_user_find(c->p, ev->user_id, &idx) == 0) {
        const user_rec *u = &c->p->users[idx];
        for (uint32_t i = 0; i < u->nmemberships; i++) {
            const membership_rec *m = &c->p->memberships[u->memberships[i]];
            if (m->org == c->org && engine_membership_active_at(m, ev->ts_ms)) return 1;
        }
    }
    return 0;
}

static void add_usage(collect *c, const store_event *ev, json_t *body) {
    json_t *metrics = json_object_get(body, "metrics");
    const char *feature = json_string_value(json_object_get(body, "feature"));
    const char *team = ev->team_id;
    char team_buf[160];
    uint32_t idx;
    if (!team && c->p) {
        pthread_rwlock_rdlock(&c->p->lock);
        if (engine_user_find(c->p, ev->user_id, &idx) == 0) {
            uint32_t t = team_at(&c->p->users[idx], ev->ts_ms);
            if (t != INDEX_NONE) team = team_buf, snprintf(team_buf, sizeof team_buf, "%s", c->p->teams[t].id);
        }
        pthread_rwlock_unlock(&c->p->lock);
    }
    char day[16];
    time_format_date(time_day_of(ev->ts_ms), day);
    const char *metric;
    json_t *v;
    json_object_foreach(metrics, metric, v) {
        if (!json_is_number(v)) continue;
        buf key;
        buf_init(&key);
        buf_appendf(&key, "%s\x1f%s\x1f%s\x1f%s\x1f%s", day, ev->user_id, team ? team : "", feature ? feature : "",
                   metric);
        json_t *row = json_object_get(c->sums, buf_cstr(&key));
        if (!row) {
            row = json_pack("{s:s,s:s,s:o,s:s,s:s,s:f}", "day", day, "user_id", ev->user_id, "team_id",
                            str_or_null(team), "feature", feature ? feature : "", "metric", metric, "value", 0.0);
            json_object_set_new(c->sums, buf_cstr(&key), row);
        }
        json_object_set_new(row, "value", json_real(json_real_value(json_object_get(row, "value")) + json_number_value(v)));
        buf_free(&key);
    }
}

static int on_event(void *ctx, const store_event *ev) {
    collect *c = ctx;
    if (c->usage && ev->type != EV_USAGE) return 0;
    /* the index's read lock per event: a long window never holds up the writer for long */
    if (c->p) pthread_rwlock_rdlock(&c->p->lock);
    int mine = is_org_event(c, ev);
    if (c->p) pthread_rwlock_unlock(&c->p->lock);
    if (!mine) return 0;
    json_error_t jerr;
    json_t *body = ev->body ? json_loads(ev->body, 0, &jerr) : NULL;
    if (!json_is_object(body)) {
        json_decref(body);
        body = json_object();
    }
    if (c->usage) {
        add_usage(c, ev, body);
        json_decref(body);
        return 0;
    }
    json_t *line = json_object();
    json_object_set_new(line, "type", json_string(event_type_name((event_type)ev->type)));
    if (ev->id) json_object_set_new(line, "id", json_string(ev->id));
    json_object_set_new(line, "timestamp", time_or_null(ev->ts_ms, 1));
    if (ev->user_id) json_object_set_new(line, "user_id", json_string(ev->user_id));
    if (ev->org_id) json_object_set_new(line, "org_id", json_string(ev->org_id));
    if (ev->team_id) json_object_set_new(line, "team_id", json_string(ev->team_id));
    json_object_update(line, body);
    json_object_set_new(line, "received_at", time_or_null(ev->received_ms, 1));
    json_t *row = json_object();
    json_object_set_new(row, "type", json_string(event_type_name((event_type)ev->type)));
    json_object_set_new(row, "id", str_or_null(ev->id));
    json_object_set_new(row, "timestamp", time_or_null(ev->ts_ms, 1));
    json_object_set_new(row, "received_at", time_or_null(ev->received_ms, 1));
    json_object_set_new(row, "user_id", str_or_null(ev->user_id));
    json_object_set_new(row, "org_id", str_or_null(ev->org_id));
    json_object_set_new(row, "team_id", str_or_null(ev->team_id));
    json_object_set_new(row, "properties", body);
    json_object_set_new(row, "_line", line);
    json_array_append_new(c->rows, row);
    return 0;
}

static int cmp_key(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static void persons_rows(project_index *p, uint32_t org, json_t *rows) {
    if (!p || org == INDEX_NONE) return;
    const org_rec *o = &p->orgs[org];
    /* by user id, for a stable order */
    const char **ids = xcalloc(o->nmemberships + 1, sizeof *ids);
    uint32_t n = 0;
    for (uint32_t i = 0; i < o->nmemberships; i++) {
        const membership_rec *m = &p->memberships[o->memberships[i]];
        const user_rec *u = &p->users[m->user];
        if (!m->active || u->deleted) continue;
        ids[n++] = u->id;
    }
    qsort(ids, n, sizeof *ids, cmp_key);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t ui;
        engine_user_find(p, ids[k], &ui);
        const user_rec *u = &p->users[ui];
        const membership_rec *m = NULL;
        for (uint32_t i = 0; i < u->nmemberships; i++)
            if (p->memberships[u->memberships[i]].org == org) m = &p->memberships[u->memberships[i]];
        const user_hot *h = engine_user_hot(p, u);
        json_t *row = json_object();
        json_object_set_new(row, "user_id", json_string(u->id));
        json_object_set_new(row, "email", str_or_null(u->email.value));
        json_object_set_new(row, "username", str_or_null(u->username.value));
        json_object_set_new(row, "first_name", str_or_null(u->first_name.value));
        json_object_set_new(row, "last_name", str_or_null(u->last_name.value));
        json_object_set_new(row, "role", str_or_null(m ? engine_role_name(p, m->role) : NULL));
        json_object_set_new(row, "team_id",
                            u->team != INDEX_NONE && p->teams[u->team].org == org ? json_string(p->teams[u->team].id)
                                                                                   : json_null());
        json_object_set_new(row, "joined_at", time_or_null(m ? m->added_ms : 0, m != NULL));
        json_object_set_new(row, "created_at", time_or_null(engine_user_created_ms(p, u), 1));
        json_object_set_new(row, "last_active_at", time_or_null(h->last_active_ms, (h->flags & HOT_ACTIVE) != 0));
        json_object_set_new(row, "deactivated", json_boolean(u->deactivated));
        json_array_append_new(rows, row);
    }
    free(ids);
}

int export_model_rows(engine *e, store *s, int64_t project_id, const char *org_id, const char *model,
                      int by_timestamp, int64_t from_ms, int64_t to_ms, export_table *t, char *err, size_t errlen) {
    memset(t, 0, sizeof *t);
    t->model = model;
    t->rows = json_array();
    collect c = {.p = engine_project(e, project_id, 0), .org = INDEX_NONE, .org_id = org_id, .rows = t->rows};
    if (c.p) {
        pthread_rwlock_rdlock(&c.p->lock);
        engine_org_find(c.p, org_id, &c.org); /* entity indexes never change once given */
        pthread_rwlock_unlock(&c.p->lock);
    }
    int rc = 0;
    if (strcmp(model, "persons") == 0) {
        t->columns = person_columns, t->ncolumns = sizeof person_columns / sizeof *person_columns;
        t->pg_key = "user_id";
        if (c.p) pthread_rwlock_rdlock(&c.p->lock);
        persons_rows(c.p, c.org, t->rows);
        if (c.p) pthread_rwlock_unlock(&c.p->lock);
    } else {
        int usage = strcmp(model, "usage") == 0;
        c.usage = usage;
        if (usage) {
            t->columns = usage_columns, t->ncolumns = sizeof usage_columns / sizeof *usage_columns;
            c.sums = json_object();
        } else {
            t->columns = event_columns, t->ncolumns = sizeof event_columns / sizeof *event_columns;
        }
        if (store_export_events(s, project_id, by_timestamp ? STORE_BY_TIMESTAMP : STORE_BY_RECEIVED, from_ms, to_ms,
                                on_event, &c) != STORE_OK) {
            snprintf(err, errlen, "could not read the events of the window");
            rc = -1;
        }
        if (usage) {
            size_t n = json_object_size(c.sums), i = 0;
            const char **keys = xcalloc(n + 1, sizeof *keys);
            const char *k;
            json_t *v;
            json_object_foreach(c.sums, k, v) keys[i++] = k;
            qsort(keys, n, sizeof *keys, cmp_key);
            for (i = 0; i < n; i++) json_array_append(t->rows, json_object_get(c.sums, keys[i]));
            free(keys);
            json_decref(c.sums);
        }
    }
    if (rc != 0) export_table_free(t);
    return rc;
}
