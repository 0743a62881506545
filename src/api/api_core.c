/* api_core.c: orgpulse's own /v1 API: health, event ingestion (events.md), and the entity and stats reads that show
 * the pipeline end to end (users, orgs, counts). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/render.h"
#include "engine/event.h"
#include "engine/index.h"
#include "engine/ingest.h"
#include "http/metrics.h"
#include "util/time.h"

int api_healthz(http_request *req) { return http_respond_json(req, 200, json_pack("{s:s}", "status", "ok")); }

int api_events_post(http_request *req) {
    const char *ct = http_header(req, "Content-Type");
    int ndjson = ct && strncasecmp(ct, "application/x-ndjson", 20) == 0;
    int64_t now = time_now_ms();
    event_batch b;
    event_batch_init(&b);
    event_batch_parse(&b, req->body ? req->body : "", req->body_len, ndjson, now, 0);
    if (b.nerrors) {
        json_t *errors = json_array();
        for (size_t i = 0; i < b.nerrors; i++) {
            const event_error *e = &b.errors[i];
            json_array_append_new(errors, json_pack("{s:I, s:o, s:s}", "index", (json_int_t)e->index, "field",
                                                    render_string_or_null(e->field), "message", e->message));
        }
        event_batch_free(&b);
        return http_respond_json(req, 400, json_pack("{s:s, s:o}", "error", "invalid_events", "errors", errors));
    }
    size_t accepted, duplicates;
    int rc = engine_ingest_batch(req->app->engine, req->app->store, req->caller.project_id, &b, now, &accepted,
                                 &duplicates);
    event_batch_free(&b);
    if (rc != 0) return http_error(req, 500, NULL, "could not store the events");
    metrics_events_ingested(accepted);
    return http_respond_json(
        req, 200, json_pack("{s:I, s:I}", "accepted", (json_int_t)accepted, "duplicates", (json_int_t)duplicates));
}

static int cmp_strings(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_membership_by_user(const void *a, const void *b, void *ctx) {
    const project_index *p = ctx;
    const membership_rec *x = &p->memberships[*(const uint32_t *)a], *y = &p->memberships[*(const uint32_t *)b];
    return strcmp(p->users[x->user].id, p->users[y->user].id);
}

static json_t *user_json(const project_index *p, const user_rec *u) {
    json_t *o = json_object();
    json_object_set_new(o, "user_id", json_string(u->id));
    json_object_set_new(o, "email", render_string_or_null(u->email.value));
    json_object_set_new(o, "username", render_string_or_null(u->username.value));
    json_object_set_new(o, "first_name", render_string_or_null(u->first_name.value));
    json_object_set_new(o, "last_name", render_string_or_null(u->last_name.value));
    json_object_set_new(o, "role", json_string(u->role.value ? u->role.value : "Member"));
    json_object_set_new(o, "verified", render_json_text(u->verified.value, json_false()));
    json_object_set_new(o, "properties", render_json_text(u->properties.value, json_object()));
    json_object_set_new(o, "signup_query_parameters", render_json_text(u->signup_query_parameters.value, json_object()));
    const user_hot *h = engine_user_hot(p, u);
    json_object_set_new(o, "created_at", render_time_ms(engine_user_created_ms(p, u)));
    json_object_set_new(o, "updated_at", render_time_ms(u->updated_ms > h->first_seen_ms ? u->updated_ms : h->first_seen_ms));
    json_object_set_new(o, "last_active_at", render_time_or_null(h->flags & HOT_ACTIVE, h->last_active_ms));
    json_object_set_new(o, "deactivated", json_boolean(u->deactivated));
    json_object_set_new(o, "deactivated_at", render_time_or_null(u->deactivated, u->deactivated_ms));
    json_object_set_new(o, "team_id", u->team != INDEX_NONE ? json_string(p->teams[u->team].id) : json_null());
    uint32_t *ms, n = engine_user_current_memberships(p, u, &ms);
    json_t *arr = json_array();
    for (uint32_t i = 0; i < n; i++) {
        const membership_rec *m = &p->memberships[ms[i]];
        const org_rec *org = &p->orgs[m->org];
        json_array_append_new(arr, json_pack("{s:s, s:o, s:s, s:o}", "org_id", org->id, "org_name",
                                             render_string_or_null(org->name.value), "role",
                                             engine_role_name(p, m->role), "added_at", render_time_ms(m->added_ms)));
    }
    free(ms);
    json_object_set_new(o, "memberships", arr);
    return o;
}

static json_t *org_json(const project_index *p, const org_rec *org) {
    json_t *o = json_object();
    json_object_set_new(o, "org_id", json_string(org->id));
    json_object_set_new(o, "name", render_string_or_null(org->name.value));
    json_object_set_new(o, "slug", render_string_or_null(org->slug.value));
    json_object_set_new(o, "domains", render_json_text(org->domains.value, json_array()));
    json_object_set_new(o, "metadata", render_json_text(org->metadata.value, json_object()));
    json_object_set_new(o, "settings", render_json_text(org->settings.value, json_object()));
    json_object_set_new(o, "created_at", render_time_ms(org->has_created ? org->created_ms : org->first_seen_ms));
    json_object_set_new(o, "updated_at", render_time_ms(org->updated_ms > org->first_seen_ms ? org->updated_ms : org->first_seen_ms));
    uint32_t *ms = malloc((org->nmemberships + 1) * sizeof *ms);
    uint32_t n = 0;
    for (uint32_t i = 0; i < org->nmemberships; i++) {
        const membership_rec *m = &p->memberships[org->memberships[i]];
        if (m->active && !p->users[m->user].deleted) ms[n++] = org->memberships[i];
    }
    qsort_r(ms, n, sizeof *ms, cmp_membership_by_user, (void *)p);
    json_t *members = json_array();
    for (uint32_t i = 0; i < n; i++) {
        const membership_rec *m = &p->memberships[ms[i]];
        json_array_append_new(members, json_pack("{s:s, s:s, s:o}", "user_id", p->users[m->user].id, "role",
                                                 engine_role_name(p, m->role), "added_at", render_time_ms(m->added_ms)));
    }
    free(ms);
    json_object_set_new(o, "member_count", json_integer(n));
    json_object_set_new(o, "members", members);
    const char **team_ids = malloc((org->nteams + 1) * sizeof *team_ids);
    uint32_t nt = 0;
    for (uint32_t i = 0; i < org->nteams; i++)
        if (!p->teams[org->teams[i]].deleted) team_ids[nt++] = p->teams[org->teams[i]].id;
    qsort(team_ids, nt, sizeof *team_ids, cmp_strings);
    json_t *teams = json_array();
    for (uint32_t i = 0; i < nt; i++) {
        uint32_t t;
        strmap_get(&p->team_ids, team_ids[i], strlen(team_ids[i]), &t);
        json_array_append_new(teams, json_pack("{s:s, s:o, s:o}", "team_id", p->teams[t].id, "name",
                                               render_string_or_null(p->teams[t].name.value), "is_default",
                                               render_json_text(p->teams[t].is_default.value, json_false())));
    }
    free(team_ids);
    json_object_set_new(o, "teams", teams);
    return o;
}

int api_user_get(http_request *req) {
    project_index *p = engine_project(req->app->engine, req->caller.project_id, 0);
    if (!p) return http_error(req, 404, NULL, "user not found");
    pthread_rwlock_rdlock(&p->lock);
    uint32_t idx;
    json_t *body = NULL;
    if (engine_user_find(p, req->params[0], &idx) == 0 && !p->users[idx].deleted) body = user_json(p, &p->users[idx]);
    pthread_rwlock_unlock(&p->lock);
    if (!body) return http_error(req, 404, NULL, "user not found");
    return http_respond_json(req, 200, body);
}

int api_org_get(http_request *req) {
    project_index *p = engine_project(req->app->engine, req->caller.project_id, 0);
    if (!p) return http_error(req, 404, NULL, "organization not found");
    pthread_rwlock_rdlock(&p->lock);
    uint32_t idx;
    json_t *body = NULL;
    if (engine_org_find(p, req->params[0], &idx) == 0 && !p->orgs[idx].deleted) body = org_json(p, &p->orgs[idx]);
    pthread_rwlock_unlock(&p->lock);
    if (!body) return http_error(req, 404, NULL, "organization not found");
    return http_respond_json(req, 200, body);
}

int api_stats_get(http_request *req) {
    int32_t day = time_day_of(time_now_ms());
    const char *d = http_query(req, "day");
    if (d && time_parse_date(d, strlen(d), &day) != 0) return http_error(req, 400, "day", "must be a date YYYY-MM-DD");
    engine_counts c = {0};
    uint64_t active_users = 0, active_orgs = 0;
    project_index *p = engine_project(req->app->engine, req->caller.project_id, 0);
    if (p) {
        pthread_rwlock_rdlock(&p->lock);
        engine_count_cached(p, &c);
        active_users = engine_active_users_on_day(p, day);
        active_orgs = engine_active_orgs_on_day(p, day);
        pthread_rwlock_unlock(&p->lock);
    }
    char date[TIME_FORMAT_MAX];
    time_format_date(day, date);
    return http_respond_json(
        req, 200,
        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:I, s:I}", "users", (json_int_t)c.users,
                  "users_deactivated", (json_int_t)c.users_deactivated, "orgs", (json_int_t)c.orgs, "memberships",
                  (json_int_t)c.memberships, "teams", (json_int_t)c.teams, "invitations_sent",
                  (json_int_t)c.invitations_sent, "events", (json_int_t)c.events, "day", date, "active_users",
                  (json_int_t)active_users, "active_orgs", (json_int_t)active_orgs));
}
