/* api_insights.c: the Insights family, wire-compatible with PropelAuth's backend SDKs (specs/propelauth.md):
 * signup query parameters, user and org reports (paged snapshots), chart metrics. Parses, calls engine/insights.c,
 * renders snake_case with the fields the SDKs require (times in Unix seconds). */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/render.h"
#include "engine/insights.h"
#include "http/params.h"
#include "util/hash.h"
#include "util/strmap.h"
#include "util/time.h"

/* The project's index, or NULL when it has no events yet (answers are then empty). */
static project_index *project_of(http_request *req, int create) {
    return engine_project(req->app->engine, req->caller.project_id, create);
}

int api_insights_signup_params(http_request *req) {
    project_index *p = project_of(req, 0);
    json_t *params = NULL;
    if (p) {
        pthread_rwlock_rdlock(&p->lock);
        uint32_t u;
        if (engine_user_find(p, req->params[0], &u) == 0 && !p->users[u].deleted)
            params = render_json_text(p->users[u].signup_query_parameters.value, json_object());
        pthread_rwlock_unlock(&p->lock);
    }
    if (!params) return http_error(req, 404, NULL, "user not found");
    return http_respond_json(req, 200, json_pack("{s:o}", "user_signup_query_parameters", params));
}

/* ---- reports ---- */

typedef struct interval_rule {
    const char *const values[4]; /* accepted report_interval strings */
    const int days[3];
    const char *expected; /* for the error message */
} interval_rule;

static const interval_rule leaderboard = {{"30", "60", "90", NULL}, {30, 60, 90}, "30, 60, 90"};
static const interval_rule churn = {{"7", "14", "30", NULL}, {7, 14, 30}, "7, 14, 30"};
static const interval_rule period = {{"Weekly", "Monthly", NULL, NULL}, {7, 30, 0}, "Weekly, Monthly"};

static const interval_rule *rule_of(report_kind k) {
    switch (k) {
    case REPORT_USER_CHURN:
    case REPORT_ORG_CHURN: return &churn;
    case REPORT_USER_REENGAGEMENT:
    case REPORT_ORG_REENGAGEMENT: return &period;
    default: return &leaderboard;
    }
}

/* A stable row id: a UUID-shaped hash of the report id and the row's entity. */
static void row_id(const report *r, const char *entity_id, char out[37]) {
    uint64_t h1 = hash_mix64(strmap_hash(r->report_id, strlen(r->report_id)) ^ strmap_hash(entity_id, strlen(entity_id)));
    uint64_t h2 = hash_mix64(h1 ^ 0x9E3779B97F4A7C15ULL);
    snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(h1 >> 32), (unsigned)(h1 >> 16) & 0xffff,
             (unsigned)h1 & 0xfff, (unsigned)((h2 >> 48) & 0x3fff) | 0x8000, (unsigned long long)(h2 & 0xffffffffffffULL));
}

static json_t *seconds(int64_t ms) { return json_integer(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000)); }

static json_t *org_data(const project_index *p, const user_rec *u) {
    uint32_t *ms, n = engine_user_current_memberships(p, u, &ms);
    json_t *arr = json_array();
    for (uint32_t i = 0; i < n; i++) {
        const membership_rec *m = &p->memberships[ms[i]];
        const org_rec *o = &p->orgs[m->org];
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "display_name", o->name.value ? o->name.value : "",
                                             "org_id", o->id, "user_role", engine_role_name(p, m->role)));
    }
    free(ms);
    return arr;
}

static json_t *user_row_json(const project_index *p, const report *r, const report_row *row) {
    const user_rec *u = &p->users[row->entity];
    char id[37];
    row_id(r, u->id, id);
    int64_t created = engine_user_created_ms(p, u);
    json_t *extra = json_object();
    if (r->kind == REPORT_USER_TOP_INVITER) json_object_set_new(extra, "num_invites", json_integer(row->a));
    if (r->kind == REPORT_USER_CHAMPION) json_object_set_new(extra, "num_active_days", json_integer(row->a));
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "report_id", json_string(r->report_id));
    json_object_set_new(o, "user_id", json_string(u->id));
    json_object_set_new(o, "user_created_at", seconds(created));
    json_object_set_new(o, "username", render_string_or_null(u->username.value));
    json_object_set_new(o, "first_name", render_string_or_null(u->first_name.value));
    json_object_set_new(o, "last_name", render_string_or_null(u->last_name.value));
    json_object_set_new(o, "email", json_string(u->email.value ? u->email.value : ""));
    json_object_set_new(o, "last_active_at", seconds(row->last_ms != INT64_MIN ? row->last_ms : created));
    json_object_set_new(o, "org_data", org_data(p, u));
    json_object_set_new(o, "extra_properties", extra);
    return o;
}

static json_t *org_row_json(const project_index *p, const report *r, const report_row *row) {
    const org_rec *org = &p->orgs[row->entity];
    char id[37];
    row_id(r, org->id, id);
    int64_t members = 0;
    for (uint32_t i = 0; i < org->nmemberships; i++) {
        const membership_rec *m = &p->memberships[org->memberships[i]];
        members += m->active && !p->users[m->user].deleted;
    }
    json_t *extra = json_object();
    if (r->kind == REPORT_ORG_GROWTH || r->kind == REPORT_ORG_ATTRITION) {
        json_object_set_new(extra, "num_users_added", json_integer(row->a));
        json_object_set_new(extra, "num_users_removed", json_integer(row->b));
    }
    if (r->kind == REPORT_ORG_ATTRITION) json_object_set_new(extra, "net_users_change", json_integer(row->a - row->b));
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "report_id", json_string(r->report_id));
    json_object_set_new(o, "org_id", json_string(org->id));
    json_object_set_new(o, "name", json_string(org->name.value ? org->name.value : ""));
    json_object_set_new(o, "num_users", json_integer(members));
    json_object_set_new(o, "org_created_at", seconds(org->has_created ? org->created_ms : org->first_seen_ms));
    json_object_set_new(o, "extra_properties", extra);
    return o;
}

static int report_handler(http_request *req, int org) {
    report_kind kind;
    if (report_kind_from_path(org, req->params[0], &kind) != 0) return http_error(req, 404, NULL, "no such report");
    const interval_rule *rule = rule_of(kind);
    int choice;
    const char *reason;
    char msg[160];
    if (param_choice(req, "report_interval", rule->values, 0, &choice, &reason) != 0) {
        snprintf(msg, sizeof msg, "Invalid report interval for %s report; expected one of %s", report_kind_name(kind),
                 rule->expected);
        return http_error(req, 400, "report_interval", msg);
    }
    long page_size, page_number;
    if (param_long(req, "page_size", 1, 1000, 10, &page_size, &reason) != 0)
        return http_error(req, 400, "page_size", reason);
    if (param_long(req, "page_number", 0, LONG_MAX, 0, &page_number, &reason) != 0)
        return http_error(req, 400, "page_number", reason);

    project_index *p = project_of(req, 1);
    pthread_rwlock_rdlock(&p->lock);
    report *r = insights_report_get(p, kind, rule->days[choice], time_now_ms(), req->app->config.report_max_age_ms);
    char *text;
    size_t len;
    if (report_page_cached(r, page_number, page_size, &text, &len) == 0) { /* rendered for an earlier request */
        pthread_rwlock_unlock(&p->lock);
        report_release(r);
        return http_respond(req, 200, "application/json", text, len);
    }
    json_t *rows = json_array();
    size_t from;
    if (__builtin_mul_overflow((size_t)page_number, (size_t)page_size, &from)) from = SIZE_MAX;
    for (size_t i = from; i < r->count && i - from < (size_t)page_size; i++)
        json_array_append_new(rows, org ? org_row_json(p, r, report_row_at(r, i)) : user_row_json(p, r, report_row_at(r, i)));
    pthread_rwlock_unlock(&p->lock);
    json_t *body = json_object();
    json_object_set_new(body, org ? "org_reports" : "user_reports", rows);
    json_object_set_new(body, "current_page", json_integer(page_number));
    json_object_set_new(body, "total_count", json_integer((json_int_t)r->count));
    json_object_set_new(body, "page_size", json_integer(page_size));
    json_object_set_new(body, "has_more_results", json_boolean(from < r->count && r->count - from > (size_t)page_size));
    json_object_set_new(body, "report_time", seconds(r->report_time_ms));
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text) {
        report_release(r);
        return http_error(req, 500, NULL, "internal error");
    }
    len = strlen(text);
    report_page_keep(r, page_number, page_size, text, len);
    report_release(r);
    return http_respond(req, 200, "application/json", text, len);
}

int api_insights_user_report(http_request *req) { return report_handler(req, 0); }
int api_insights_org_report(http_request *req) { return report_handler(req, 1); }

/* ---- charts ---- */

static const char *const metric_paths[] = {"signups", "orgs_created", "active_users", "active_orgs", NULL};
static const char *const chart_types[] = {"Signups", "OrgsCreated", "ActiveUsers", "ActiveOrgs"};
static const char *const cadences[] = {"Daily", "Weekly", "Monthly", NULL};

#define CHART_MAX_BUCKETS 10000

int api_insights_chart(http_request *req) {
    int metric = -1;
    for (int i = 0; metric_paths[i]; i++)
        if (strcmp(metric_paths[i], req->params[0]) == 0) metric = i;
    if (metric < 0) return http_error(req, 404, NULL, "no such chart metric");
    int cadence;
    const char *reason;
    char msg[200];
    if (param_choice(req, "cadence", cadences, CADENCE_DAILY, &cadence, &reason) != 0) {
        snprintf(msg, sizeof msg, "\"%.64s\" is not a valid choice; expected one of Daily, Weekly, Monthly",
                 http_query(req, "cadence"));
        return http_error(req, 400, "cadence", msg);
    }
    int64_t now = time_now_ms();
    int32_t today = time_day_of(now), start, end;
    if (param_date(req, "start_date", today - 30, &start, &reason) != 0) return http_error(req, 400, "start_date", reason);
    if (param_date(req, "end_date", today, &end, &reason) != 0) return http_error(req, 400, "end_date", reason);
    if (start > end) return http_error(req, 400, "start_date", "start_date must not be after end_date");
    int64_t buckets = cadence == CADENCE_DAILY ? end - start + 1 : cadence == CADENCE_WEEKLY ? (end - start) / 7 + 2
                                                                                              : (end - start) / 28 + 2;
    if (buckets > CHART_MAX_BUCKETS)
        return http_error(req, 400, "end_date", "the range may hold at most 10000 buckets of the cadence");

    project_index *p = project_of(req, 1);
    chart_point *pts;
    size_t n;
    pthread_rwlock_rdlock(&p->lock);
    insights_chart(p, (chart_metric)metric, (chart_cadence)cadence, start, end, now, &pts, &n);
    pthread_rwlock_unlock(&p->lock);
    json_t *metrics = json_array();
    for (size_t i = 0; i < n; i++) {
        char date[TIME_FORMAT_MAX];
        time_format_date(pts[i].day, date);
        json_array_append_new(metrics, json_pack("{s:s, s:I, s:b}", "date", date, "result", (json_int_t)pts[i].result,
                                                 "cadence_completed", pts[i].completed));
    }
    free(pts);
    return http_respond_json(req, 200, json_pack("{s:s, s:s, s:o}", "chart_type", chart_types[metric], "cadence",
                                                 cadences[cadence], "metrics", metrics));
}
