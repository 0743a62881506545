/* api_usage.c: the usage-metrics family, wire-compatible with Tabnine's Usage API (specs/tabnine.md, the wire in
 * tabnine-reference.md): organization, teams, users, license, permissions, monthly and team utilization, and usage by
 * org, team and user; plus orgpulse's own GET /v1/usage (any feature and metric, grouped). Parses (every invalid
 * parameter is reported at once, in Zod's words, as Tabnine's server does), calls engine/usage.c, renders camelCase.
 *
 * Decisions where the specs are silent (README "Usage metrics"):
 *   - usage buckets always carry codeCompletions and chat (zeros when empty); agent and instruct appear in every
 *     bucket when the answer has any usage of them; any other metric of those four features is rendered beside the
 *     known ones; every feature gets its activeUsers (instruct included);
 *   - times are RFC 3339 UTC: usage buckets to the millisecond with trailing zeros dropped (2026-02-23T00:00:00Z),
 *     user times to the centisecond (Tabnine's pattern ...:30.56Z);
 *   - lists are sorted by id; users show the org's current members; /user/{id} needs a current membership, and
 *     /user/usage any user who has been a member of the org (a past member's usage stays readable; a user whose
 *     usage named the org without ever being a member is outside it: 404);
 *   - the organization has no publicKey (orgpulse holds none); teams carry organizationId (v6.2).  */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/render.h"
#include "engine/usage.h"
#include "http/params.h"
#include "util/buf.h"
#include "util/time.h"

#define MAX_PROBLEMS 16
#define USAGE_MAX_DAYS 400       /* Tabnine family: to - from */
#define V1_USAGE_MAX_DAYS 3660   /* /v1/usage */
#define V1_USAGE_MAX_CELLS 100000 /* /v1/usage: buckets x series on a page */

/* ---- validation: every problem, in Zod's words ---- */

typedef struct problems {
    http_field_error items[MAX_PROBLEMS];
    char text[MAX_PROBLEMS][240];
    size_t n;
} problems;

static void problem(problems *pr, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(problems *pr, const char *field, const char *fmt, ...) {
    if (pr->n == MAX_PROBLEMS) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pr->text[pr->n], sizeof pr->text[pr->n], fmt, ap);
    va_end(ap);
    pr->items[pr->n].field = field;
    pr->items[pr->n].message = pr->text[pr->n];
    pr->n++;
}

static int answer_problems(http_request *req, const problems *pr) {
    return http_error_fields(req, 400, pr->items, pr->n);
}

/* Zod's message for a problem with a number (min and max are the bounds checked). */
static void number_problem(problems *pr, const char *field, param_problem what, long min, long max) {
    switch (what) {
    case PARAM_NOT_INTEGER: problem(pr, field, "Expected integer, received float"); break;
    case PARAM_TOO_SMALL: problem(pr, field, "Number must be greater than or equal to %ld", min); break;
    case PARAM_TOO_LARGE: problem(pr, field, "Number must be less than or equal to %ld", max); break;
    default: problem(pr, field, "Expected number, received nan"); break;
    }
}

/* A required string parameter (Zod: "Required" when absent). */
static const char *need_string(http_request *req, problems *pr, const char *name) {
    const char *v = http_query(req, name);
    if (!v) problem(pr, name, "Required");
    return v;
}

/* An optional integer in [min, max]; `def` when absent. */
static long opt_integer(http_request *req, problems *pr, const char *name, long min, long max, long def) {
    const char *v = http_query(req, name);
    long x = def;
    if (!v) return def;
    param_problem what = param_check_integer(v, min, max, &x);
    if (what != PARAM_OK) number_problem(pr, name, what, min, max);
    return what == PARAM_OK ? x : def;
}

/* An optional boolean: 1, 0, or -1 when absent (or invalid, reported). */
static int opt_boolean(http_request *req, problems *pr, const char *name) {
    const char *v = http_query(req, name);
    int x = -1;
    if (v && param_check_boolean(v, &x) != PARAM_OK) {
        problem(pr, name, "Expected boolean, received string");
        x = -1;
    }
    return x;
}

/* ---- paging: offset / limit and meta {count, total, next} ---- */

typedef struct paging {
    long offset, limit;
} paging;

/* offset >= 0 (default 0), limit 0..1000 (0 or absent: `def`). */
static paging parse_paging(http_request *req, problems *pr, long def) {
    paging pg;
    pg.offset = opt_integer(req, pr, "offset", 0, INT32_MAX, 0);
    pg.limit = opt_integer(req, pr, "limit", 0, 1000, def);
    if (pg.limit == 0) pg.limit = def;
    return pg;
}

/* The page [first, end) of `total` items. */
static void page_range(const paging *pg, size_t total, size_t *first, size_t *end) {
    *first = (size_t)pg->offset < total ? (size_t)pg->offset : total;
    *end = total - *first < (size_t)pg->limit ? total : *first + (size_t)pg->limit;
}

static json_t *page_meta(const paging *pg, size_t first, size_t end, size_t total) {
    json_t *next = end < total ? json_pack("{s:I, s:I}", "limit", (json_int_t)pg->limit, "offset", (json_int_t)end)
                               : json_null();
    return json_pack("{s:I, s:I, s:o}", "count", (json_int_t)(end - first), "total", (json_int_t)total, "next", next);
}

/* ---- which organization ---- */

/* The organizationId the request is about (tabnine.md "Which organization"). An org-scoped key implies its org and
 * an organizationId that differs is 401 (answered here: returns -1); a project-wide key must send one (a problem). */
static int org_param(http_request *req, problems *pr, const char **out) {
    const char *sent = http_query(req, "organizationId");
    *out = NULL;
    if (req->caller.org_id) {
        if (sent && strcmp(sent, req->caller.org_id) != 0) {
            http_error(req, 401, NULL, "Unauthorized: Invalid organization.");
            return -1;
        }
        *out = req->caller.org_id;
        return 0;
    }
    if (!sent) problem(pr, "organizationId", "Required");
    *out = sent;
    return 0;
}

/* When the parameters had problems, answer them all (400) and return -1. Else take the read lock on the project and
 * find the org (not deleted): returns 0 with the lock held, or answers 404 and returns -1 (lock released). */
static int open_org(http_request *req, const problems *pr, const char *org_id, project_index **pp, uint32_t *org) {
    if (pr->n) { /* the parameters come first: every problem in one 400 */
        answer_problems(req, pr);
        return -1;
    }
    project_index *p = engine_project(req->app->engine, req->caller.project_id, 0);
    if (p) {
        pthread_rwlock_rdlock(&p->lock);
        if (engine_org_find(p, org_id, org) == 0 && !p->orgs[*org].deleted) {
            *pp = p;
            return 0;
        }
        pthread_rwlock_unlock(&p->lock);
    }
    http_error(req, 404, NULL, "organization not found");
    return -1;
}

/* The team (not deleted) of the org; else answers 404, releases the lock and returns -1. */
static int find_team(http_request *req, project_index *p, uint32_t org, const char *team_id, uint32_t *team) {
    if (engine_usage_team_find(p, team_id, team) == 0 && p->teams[*team].org == org) return 0;
    pthread_rwlock_unlock(&p->lock);
    http_error(req, 404, NULL, "team not found");
    return -1;
}

/* A user (not deleted) who is a current member of the org, or (any_past) has belonged to it; else 404 as above. */
static int find_user(http_request *req, project_index *p, uint32_t org, const char *user_id, int any_past,
                     uint32_t *user) {
    if (engine_user_find(p, user_id, user) == 0 && !p->users[*user].deleted) {
        if (any_past ? engine_usage_user_belongs(p, *user, org) : engine_usage_current_membership(p, *user, org) != NULL) return 0;
    }
    pthread_rwlock_unlock(&p->lock);
    http_error(req, 404, NULL, "user not found");
    return -1;
}

/* ---- the usage window: from, to, granularity ---- */

static const char *const granularity_names[] = {"all", "daily", "weekly", "monthly", "day", "week", "month", NULL};
static const usage_granularity granularity_values[] = {USAGE_ALL, USAGE_DAY,  USAGE_WEEK, USAGE_MONTH,
                                                       USAGE_DAY, USAGE_WEEK, USAGE_MONTH};

typedef struct window {
    int64_t from_ms, to_ms;
    usage_granularity granularity;
    const char *granularity_name; /* as received */
} window;

/* from and to (RFC 3339, required), granularity (required, echoed): from < to, at most USAGE_MAX_DAYS apart. */
static void parse_window(http_request *req, problems *pr, window *w) {
    const char *from = need_string(req, pr, "from"), *to = need_string(req, pr, "to");
    const char *g = need_string(req, pr, "granularity");
    int ok = 1, choice = 0;
    if (from && param_check_time(from, 0, &w->from_ms) != PARAM_OK) problem(pr, "from", "Invalid datetime"), ok = 0;
    if (to && param_check_time(to, 0, &w->to_ms) != PARAM_OK) problem(pr, "to", "Invalid datetime"), ok = 0;
    if (g && param_check_choice(g, granularity_names, &choice) != PARAM_OK)
        problem(pr, "granularity",
                "Invalid enum value. Expected 'all' | 'daily' | 'weekly' | 'monthly' | 'day' | 'week' | 'month', "
                "received '%.64s'",
                g);
    w->granularity = granularity_values[choice];
    w->granularity_name = g;
    if (!from || !to || !ok) return;
    if (w->from_ms >= w->to_ms) problem(pr, "to", "Must be after from");
    else if (w->to_ms - w->from_ms > USAGE_MAX_DAYS * TIME_MS_PER_DAY)
        problem(pr, "to", "Must be at most %d days after from", USAGE_MAX_DAYS);
}

/* ---- rendering ---- */

static json_t *usage_time(int64_t ms) { return render_time_trimmed(ms, 3); }
static json_t *user_time(int64_t ms) { return render_time_trimmed(ms, 2); }

/* A metric value: an integer when it is one (counters), else a number. */
static json_t *metric_value(double v) {
    if (v == floor(v) && fabs(v) < 9007199254740992.0) return json_integer((json_int_t)v);
    return json_real(v);
}

/* a / b (rendered rounded to 3 decimals), 0 when b is 0. */
static double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }

static int32_t lookup_id(const string_table *t, const char *name) {
    uint32_t id;
    return strmap_get(&t->map, name, strlen(name), &id) == 0 ? (int32_t)id : USAGE_NO_MATCH;
}

static double bucket_sum(const usage_bucket *b, int32_t feature, int32_t metric) {
    if (feature < 0 || metric < 0) return 0;
    for (uint32_t i = 0; i < b->nsums; i++)
        if (b->sums[i].feature == feature && b->sums[i].metric == metric) return b->sums[i].value;
    return 0;
}

static uint64_t bucket_feature_users(const usage_bucket *b, int32_t feature) {
    for (uint32_t i = 0; i < b->nfeatures && feature >= 0; i++)
        if (b->features[i].feature == feature) return b->features[i].users;
    return 0;
}

/* Tabnine's features and their metrics, in the wire's order. */
typedef struct tabnine_feature {
    const char *name;
    const char *const metrics[6];
    int always; /* rendered even without usage */
} tabnine_feature;

static const tabnine_feature tabnine_features[] = {
    {"codeCompletions", {"completions", "charsCompleted", "keystrokes", "lines", NULL}, 1},
    {"chat", {"interactions", "usefulChatInteractions", "lines", "charsCompleted", NULL}, 1},
    {"agent", {"interactions", "linesAdded", "linesAddedAccepted", "linesRemoved", "linesRemovedAccepted", NULL}, 0},
    {"instruct", {"acceptedCount", NULL}, 0},
};
#define NTABNINE (sizeof tabnine_features / sizeof tabnine_features[0])

static int is_known_metric(const tabnine_feature *f, const char *metric) {
    for (int i = 0; f->metrics[i]; i++)
        if (strcmp(f->metrics[i], metric) == 0) return 1;
    return 0;
}

/* What the buckets of one answer render: each Tabnine feature's id, whether it is shown, the ids of its known
 * metrics, and the other metrics of it that the answer holds. */
typedef struct tabnine_layout {
    int32_t feature[NTABNINE];
    int shown[NTABNINE];
    int32_t known[NTABNINE][6];
    uint16_t *extra[NTABNINE]; /* metric ids */
    uint32_t nextra[NTABNINE];
    int32_t chars, keys, useful, interactions;
} tabnine_layout;

static void layout_make(const project_index *p, const usage_series *s, tabnine_layout *l) {
    memset(l, 0, sizeof *l);
    for (size_t f = 0; f < NTABNINE; f++) {
        const tabnine_feature *tf = &tabnine_features[f];
        l->feature[f] = lookup_id(&p->features, tf->name);
        l->shown[f] = tf->always;
        for (int m = 0; tf->metrics[m]; m++) l->known[f][m] = lookup_id(&p->metrics, tf->metrics[m]);
        for (size_t k = 0; k < s->count; k++) {
            const usage_bucket *b = &s->buckets[k];
            if (bucket_feature_users(b, l->feature[f]) > 0) l->shown[f] = 1;
            for (uint32_t i = 0; i < b->nsums; i++) {
                if (b->sums[i].feature != l->feature[f] || is_known_metric(tf, p->metrics.items[b->sums[i].metric]))
                    continue;
                uint32_t j = 0;
                while (j < l->nextra[f] && l->extra[f][j] != b->sums[i].metric) j++;
                if (j < l->nextra[f]) continue;
                l->extra[f] = xrealloc(l->extra[f], (l->nextra[f] + 1) * sizeof *l->extra[f]);
                l->extra[f][l->nextra[f]++] = b->sums[i].metric;
            }
        }
    }
    l->chars = lookup_id(&p->metrics, "charsCompleted");
    l->keys = lookup_id(&p->metrics, "keystrokes");
    l->useful = lookup_id(&p->metrics, "usefulChatInteractions");
    l->interactions = lookup_id(&p->metrics, "interactions");
}

static void layout_free(tabnine_layout *l) {
    for (size_t f = 0; f < NTABNINE; f++) free(l->extra[f]);
}

/* One bucket, as JSON text (buckets are many: a year of days is 365 of them). */
static void tabnine_bucket(buf *o, const project_index *p, const usage_bucket *b, const tabnine_layout *l) {
    buf_append_char(o, '{');
    render_text_key(o, "from"), render_text_time(o, b->from_ms, 3), buf_append_char(o, ',');
    render_text_key(o, "to"), render_text_time(o, b->to_ms, 3), buf_append_char(o, ',');
    render_text_key(o, "activeUsers"), render_text_int(o, (int64_t)b->active_users), buf_append_char(o, ',');
    int32_t cc = l->feature[0], chat = l->feature[1];
    double cc_chars = bucket_sum(b, cc, l->chars), cc_keys = bucket_sum(b, cc, l->keys);
    double chat_chars = bucket_sum(b, chat, l->chars);
    render_text_key(o, "productivityFactor");
    render_text_decimal3(o, ratio(cc_chars + chat_chars, cc_chars + chat_chars + cc_keys));
    for (size_t f = 0; f < NTABNINE; f++) {
        if (!l->shown[f]) continue;
        const tabnine_feature *tf = &tabnine_features[f];
        buf_append_char(o, ',');
        render_text_key(o, tf->name);
        buf_append_char(o, '{');
        render_text_key(o, "activeUsers"), render_text_int(o, (int64_t)bucket_feature_users(b, l->feature[f]));
        for (int m = 0; tf->metrics[m]; m++) {
            buf_append_char(o, ',');
            render_text_key(o, tf->metrics[m]);
            render_text_number(o, bucket_sum(b, l->feature[f], l->known[f][m]));
        }
        for (uint32_t i = 0; i < l->nextra[f]; i++) {
            buf_append_char(o, ',');
            render_text_key(o, p->metrics.items[l->extra[f][i]]);
            render_text_number(o, bucket_sum(b, l->feature[f], l->extra[f][i]));
        }
        if (f == 0) {
            buf_append_char(o, ',');
            render_text_key(o, "automationFactor"), render_text_decimal3(o, ratio(cc_chars, cc_chars + cc_keys));
        }
        if (f == 1) {
            buf_append_char(o, ',');
            render_text_key(o, "chatConsumptionRate");
            render_text_decimal3(o, ratio(bucket_sum(b, chat, l->useful), bucket_sum(b, chat, l->interactions)));
        }
        buf_append_char(o, '}');
    }
    buf_append_char(o, '}');
}

/* "usage":{granularity, data: buckets} in Tabnine's shape. */
static void tabnine_usage(buf *o, const project_index *p, const usage_series *s, const char *granularity_name) {
    tabnine_layout l;
    layout_make(p, s, &l);
    render_text_key(o, "usage");
    buf_append_char(o, '{');
    render_text_key(o, "granularity"), render_text_string(o, granularity_name), buf_append_char(o, ',');
    render_text_key(o, "data");
    buf_append_char(o, '[');
    for (size_t k = 0; k < s->count; k++) {
        if (k) buf_append_char(o, ',');
        tabnine_bucket(o, p, &s->buckets[k], &l);
    }
    buf_append(o, "]}", 2);
    layout_free(&l);
}

static json_t *team_ref(const project_index *p, uint32_t team) {
    if (team == INDEX_NONE) return json_null();
    const team_rec *t = &p->teams[team];
    return json_pack("{s:s, s:s}", "id", t->id, "name", t->name.value ? t->name.value : "");
}

static int json_text_true(const char *text) { return text && strcmp(text, "true") == 0; }

/* A member in the users lists (TeamUser, with v6.2's active and team). */
static json_t *member_json(const project_index *p, const membership_rec *m) {
    const user_rec *u = &p->users[m->user];
    const user_hot *h = engine_user_hot(p, u);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(u->id));
    json_object_set_new(o, "username", render_string_or_null(u->username.value ? u->username.value : u->email.value));
    json_object_set_new(o, "email", render_string_or_null(u->email.value));
    json_object_set_new(o, "role", json_string(engine_role_name(p, m->role)));
    json_object_set_new(o, "verified", json_boolean(json_text_true(u->verified.value)));
    json_object_set_new(o, "active", json_boolean(!u->deactivated));
    json_object_set_new(o, "deactivatedAt", u->deactivated ? user_time(u->deactivated_ms) : json_null());
    json_object_set_new(o, "updatedAt", user_time(u->updated_ms > h->first_seen_ms ? u->updated_ms : h->first_seen_ms));
    json_object_set_new(o, "team", team_ref(p, engine_usage_user_team_in(p, u, m->org)));
    return o;
}

/* {data: members[first, end), meta} for a sorted list of membership indexes. */
static json_t *member_page(const project_index *p, const uint32_t *ms, size_t n, const paging *pg) {
    size_t first, end;
    page_range(pg, n, &first, &end);
    json_t *data = json_array();
    for (size_t i = first; i < end; i++) json_array_append_new(data, member_json(p, &p->memberships[ms[i]]));
    return json_pack("{s:o, s:o}", "data", data, "meta", page_meta(pg, first, end, n));
}

/* Answer a page of the org's members that pass f, and release the read lock open_org took. */
static int answer_member_page(http_request *req, project_index *p, uint32_t org, const usage_member_filter *f,
                              const paging *pg) {
    uint32_t *ms;
    size_t n = engine_usage_org_members(p, org, f, &ms);
    json_t *body = member_page(p, ms, n, pg);
    free(ms);
    pthread_rwlock_unlock(&p->lock);
    return http_respond_json(req, 200, body);
}

/* The org's settings object (a stored JSON text), or an empty object. Caller decrefs. */
static json_t *org_settings(const org_rec *o) {
    json_t *s = render_json_text(o->settings.value, json_object());
    if (!json_is_object(s)) {
        json_decref(s);
        s = json_object();
    }
    return s;
}

/* ---- the endpoints ---- */

int api_usage_organization(http_request *req) {
    problems pr = {0};
    const char *org_id;
    if (org_param(req, &pr, &org_id) != 0) return 0;
    project_index *p;
    uint32_t org;
    if (open_org(req, &pr, org_id, &p, &org) != 0) return 0;
    const org_rec *o = &p->orgs[org];
    json_t *settings = org_settings(o);
    json_t *plan = json_object_get(settings, "plan_type");
    json_t *body = json_object();
    json_object_set_new(body, "id", json_string(o->id));
    json_object_set_new(body, "name", json_string(o->name.value ? o->name.value : ""));
    json_object_set_new(body, "domains", render_json_text(o->domains.value, json_array()));
    json_object_set_new(body, "planType", json_string(json_is_string(plan) ? json_string_value(plan) : "Enterprise"));
    json_object_set_new(body, "samlEnabled", json_false());
    json_object_set_new(body, "smtpConfigured", json_false());
    json_object_set_new(body, "usernamePasswordEnabled", json_true());
    json_decref(settings);
    pthread_rwlock_unlock(&p->lock);
    return http_respond_json(req, 200, body);
}

int api_usage_teams(http_request *req) {
    problems pr = {0};
    const char *org_id;
    if (org_param(req, &pr, &org_id) != 0) return 0;
    paging pg = parse_paging(req, &pr, 50);
    project_index *p;
    uint32_t org;
    if (open_org(req, &pr, org_id, &p, &org) != 0) return 0;
    uint32_t *teams, *users;
    size_t n = engine_usage_org_teams(p, org, &teams, &users), first, end;
    page_range(&pg, n, &first, &end);
    json_t *data = json_array();
    for (size_t i = first; i < end; i++) {
        const team_rec *t = &p->teams[teams[i]];
        json_array_append_new(data, json_pack("{s:s, s:s, s:I, s:b, s:s}", "id", t->id, "name",
                                              t->name.value ? t->name.value : "", "usersCount", (json_int_t)users[i],
                                              "isDefaultTeam", json_text_true(t->is_default.value), "organizationId",
                                              p->orgs[org].id));
    }
    free(teams);
    free(users);
    pthread_rwlock_unlock(&p->lock);
    return http_respond_json(req, 200, json_pack("{s:o, s:o}", "data", data, "meta", page_meta(&pg, first, end, n)));
}

int api_usage_org_utilization(http_request *req) {
    problems pr = {0};
    const char *org_id;
    if (org_param(req, &pr, &org_id) != 0) return 0;
    int64_t now = time_now_ms();
    int32_t first = time_month_add(time_day_of(now), -11);
    const char *start = http_query(req, "startDate");
    if (start && (param_check_month(start, &first) != PARAM_OK || first < 0))
        problem(&pr, "startDate", "Invalid month, expected YYYY-MM (1970-01 or later)");
    project_index *p;
    uint32_t org;
    if (open_org(req, &pr, org_id, &p, &org) != 0) return 0;
    usage_month *months;
    size_t n;
    engine_usage_org_utilization(p, org, first, now, &months, &n);
    pthread_rwlock_unlock(&p->lock);
    json_t *body = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(body, json_pack("{s:i, s:i, s:I, s:I, s:I, s:I}", "year", months[i].year, "month",
                                              months[i].month - 1, "registered", (json_int_t)months[i].registered,
                                              "deactivated", (json_int_t)months[i].deactivated, "active",
                                              (json_int_t)months[i].active, "pending", (json_int_t)months[i].pending));
    free(months);
    return http_respond_json(req, 200, body);
}

int api_usage_org_users(http_request *req) {
    problems pr = {0};
    const char *org_id;
    if (org_param(req, &pr, &org_id) != 0) return 0;
    paging pg = parse_paging(req, &pr, 200);
    usage_member_filter f = {.in_team = opt_boolean(req, &pr, "teamMember"), .active = opt_boolean(req, &pr, "active"),
                             .team = INDEX_NONE, .role = NULL};
    project_index *p;
    uint32_t org;
    if (open_org(req, &pr, org_id, &p, &org) != 0) return 0;
    return answer_member_page(req, p, org, &f, &pg);
}

int api_usage_license(http_request *req) {
    problems pr = {0};
    const char *org_id;
    if (org_param(req, &pr, &org_id) != 0) return 0;
    project_index *p;
    uint32_t org;
    if (open_org(req, &pr, org_id, &p, &org) != 0) return 0;
    json_t *settings = org_settings(&p->orgs[org]);
    pthread_rwlock_unlock(&p->lock);
    json_t *license = json_object_get(settings, "license");
    license = json_is_object(license) ? json_incref(license) : json_object();
    json_decref(settings);
    return http_respond_json(req, 200, json_pack("{s:o}", "license", license));
}

int api_usage_permissions(http_request *req) {
    problems pr = {0};
    const char *org_id;
    if (org_param(req, &pr, &org_id) != 0) return 0;
    const char *role = need_string(req, &pr, "role");
    project_index *p;
    uint32_t org;
    if (open_org(req, &pr, org_id, &p, &org) != 0) return 0;
    usage_member_filter f = {.in_team = -1, .active = -1, .team = INDEX_NONE, .role = role};
    uint32_t *ms;
    size_t n = engine_usage_org_members(p, org, &f, &ms);
    json_t *body = json_array();
    for (size_t i = 0; i < n; i++) {
        const user_rec *u = &p->users[p->memberships[ms[i]].user];
        const char *name = u->email.value ? u->email.value : u->username.value ? u->username.value : u->id;
        json_array_append_new(body, json_pack("{s:s, s:s}", "username", name, "organizationId", p->orgs[org].id));
    }
    free(ms);
    pthread_rwlock_unlock(&p->lock);
    return http_respond_json(req, 200, body);
}

int api_usage_team_utilization(http_request *req) {
    problems pr = {0};
    const char *org_id;
    if (org_param(req, &pr, &org_id) != 0) return 0;
    const char *team_id = need_string(req, &pr, "teamId");
    project_index *p;
    uint32_t org, team;
    if (open_org(req, &pr, org_id, &p, &org) != 0 || find_team(req, p, org, team_id, &team) != 0) return 0;
    usage_team_counts c;
    engine_usage_team_utilization(p, team, time_now_ms(), &c);
    pthread_rwlock_unlock(&p->lock);
    return http_respond_json(req, 200, json_pack("{s:I, s:I, s:I}", "registered", (json_int_t)c.registered,
                                                 "deactivated", (json_int_t)c.deactivated, "invited",
                                                 (json_int_t)c.invited));
}

int api_usage_team_users(http_request *req) {
    problems pr = {0};
    const char *org_id;
    if (org_param(req, &pr, &org_id) != 0) return 0;
    paging pg = parse_paging(req, &pr, 200);
    project_index *p;
    uint32_t org, team;
    if (open_org(req, &pr, org_id, &p, &org) != 0 || find_team(req, p, org, req->params[0], &team) != 0) return 0;
    usage_member_filter f = {.in_team = -1, .active = -1, .team = team, .role = NULL};
    return answer_member_page(req, p, org, &f, &pg);
}

int api_usage_team(http_request *req) {
    problems pr = {0};
    const char *org_id;
    if (org_param(req, &pr, &org_id) != 0) return 0;
    project_index *p;
    uint32_t org, team;
    if (open_org(req, &pr, org_id, &p, &org) != 0 || find_team(req, p, org, req->params[0], &team) != 0) return 0;
    json_t *body = team_ref(p, team);
    pthread_rwlock_unlock(&p->lock);
    return http_respond_json(req, 200, body);
}

int api_usage_user(http_request *req) {
    problems pr = {0};
    const char *org_id;
    if (org_param(req, &pr, &org_id) != 0) return 0;
    project_index *p;
    uint32_t org, user;
    if (open_org(req, &pr, org_id, &p, &org) != 0 || find_user(req, p, org, req->params[0], 0, &user) != 0) return 0;
    const user_rec *u = &p->users[user];
    const user_hot *h = engine_user_hot(p, u);
    const membership_rec *m = engine_usage_current_membership(p, user, org);
    uint32_t team = engine_usage_user_team_in(p, u, org);
    json_t *info = json_object();
    json_object_set_new(info, "organization_id", json_string(p->orgs[org].id));
    json_object_set_new(info, "user_id", json_string(u->id));
    json_object_set_new(info, "email", render_string_or_null(u->email.value));
    json_object_set_new(info, "role", json_string(engine_role_name(p, m->role)));
    json_object_set_new(info, "createdAt", user_time(engine_user_created_ms(p, u)));
    json_object_set_new(info, "updatedAt", user_time(u->updated_ms > h->first_seen_ms ? u->updated_ms : h->first_seen_ms));
    json_t *teams = json_object();
    json_object_set_new(teams, "team_id", team != INDEX_NONE ? json_string(p->teams[team].id) : json_null());
    json_object_set_new(teams, "team_name",
                        team != INDEX_NONE ? json_string(p->teams[team].name.value ? p->teams[team].name.value : "")
                                           : json_null());
    pthread_rwlock_unlock(&p->lock);
    return http_respond_json(req, 200, json_pack("{s:o, s:o}", "user", info, "teams", teams));
}

/* The three usage endpoints: org (neither teamId nor userId), team, user. */
typedef enum usage_level { LEVEL_ORG, LEVEL_TEAM, LEVEL_USER } usage_level;

static int usage_handler(http_request *req, usage_level level) {
    problems pr = {0};
    const char *org_id, *team_id = NULL, *user_id = NULL;
    if (org_param(req, &pr, &org_id) != 0) return 0;
    if (level == LEVEL_TEAM) team_id = need_string(req, &pr, "teamId");
    if (level == LEVEL_USER) user_id = need_string(req, &pr, "userId");
    window w;
    parse_window(req, &pr, &w);
    project_index *p;
    uint32_t org, team = INDEX_NONE, user = INDEX_NONE;
    if (open_org(req, &pr, org_id, &p, &org) != 0) return 0;
    if (team_id && find_team(req, p, org, team_id, &team) != 0) return 0;
    if (user_id && find_user(req, p, org, user_id, 1, &user) != 0) return 0;
    usage_query q = {.from_ms = w.from_ms, .to_ms = w.to_ms, .granularity = w.granularity,
                     .org = level == LEVEL_TEAM ? INDEX_NONE : org, .team = team, .user = user,
                     .feature = USAGE_ANY, .metric = USAGE_ANY};
    usage_series *s;
    engine_usage_series(p, &q, &s);
    buf o;
    buf_init(&o);
    buf_append_char(&o, '{');
    render_text_key(&o, "organizationId"), render_text_string(&o, p->orgs[org].id), buf_append_char(&o, ',');
    if (level == LEVEL_TEAM) render_text_key(&o, "teamId"), render_text_string(&o, p->teams[team].id), buf_append_char(&o, ',');
    if (level == LEVEL_USER) render_text_key(&o, "userId"), render_text_string(&o, p->users[user].id), buf_append_char(&o, ',');
    render_text_key(&o, "from"), render_text_time(&o, w.from_ms, 3), buf_append_char(&o, ',');
    render_text_key(&o, "to"), render_text_time(&o, w.to_ms, 3), buf_append_char(&o, ',');
    tabnine_usage(&o, p, s, w.granularity_name);
    buf_append_char(&o, '}');
    pthread_rwlock_unlock(&p->lock);
    engine_usage_series_free(s);
    size_t len;
    char *text = buf_detach(&o, &len);
    return http_respond(req, 200, "application/json", text, len);
}

int api_usage_org_usage(http_request *req) { return usage_handler(req, LEVEL_ORG); }
int api_usage_team_usage(http_request *req) { return usage_handler(req, LEVEL_TEAM); }
int api_usage_user_usage(http_request *req) { return usage_handler(req, LEVEL_USER); }

/* ---- GET /v1/usage: any feature and metric, grouped ---- */

static const char *const group_names[] = {"org", "team", "user", "feature", NULL};
typedef enum v1_group { V1_GROUP_ORG, V1_GROUP_TEAM, V1_GROUP_USER, V1_GROUP_FEATURE, V1_GROUP_NONE } v1_group;

/* The pairs (feature, metric) with usage in a series, ascending. */
static size_t series_pairs(const usage_series *s, usage_sum **out) {
    usage_sum *pairs = NULL;
    size_t n = 0, cap = 0;
    for (size_t k = 0; k < s->count; k++) {
        for (uint32_t i = 0; i < s->buckets[k].nsums; i++) {
            const usage_sum *x = &s->buckets[k].sums[i];
            size_t j = 0;
            while (j < n && (pairs[j].feature != x->feature || pairs[j].metric != x->metric)) j++;
            if (j < n) continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 8;
                pairs = xrealloc(pairs, cap * sizeof *pairs);
            }
            pairs[n++] = *x;
        }
    }
    *out = pairs;
    return n;
}

/* One series: [{from, to, active_users, usage: {feature: {metric: sum}}}], every pair of the series in every bucket;
 * only_feature >= 0 keeps that feature (its users as active_users). */
static json_t *v1_series(const project_index *p, const usage_series *s, int32_t only_feature) {
    usage_sum *pairs;
    size_t npairs = series_pairs(s, &pairs);
    json_t *buckets = json_array();
    for (size_t k = 0; k < s->count; k++) {
        const usage_bucket *b = &s->buckets[k];
        json_t *usage = json_object();
        for (size_t j = 0; j < npairs; j++) {
            if (only_feature >= 0 && pairs[j].feature != only_feature) continue;
            const char *fname = p->features.items[pairs[j].feature];
            json_t *f = json_object_get(usage, fname);
            if (!f) json_object_set_new(usage, fname, f = json_object());
            json_object_set_new(f, p->metrics.items[pairs[j].metric],
                                metric_value(bucket_sum(b, pairs[j].feature, pairs[j].metric)));
        }
        uint64_t active = only_feature >= 0 ? bucket_feature_users(b, only_feature) : b->active_users;
        json_array_append_new(buckets, json_pack("{s:o, s:o, s:I, s:o}", "from", usage_time(b->from_ms), "to",
                                                 usage_time(b->to_ms), "active_users", (json_int_t)active, "usage",
                                                 usage));
    }
    free(pairs);
    return buckets;
}

static int cmp_feature_name(const void *a, const void *b, void *ctx) {
    const project_index *p = ctx;
    return strcmp(p->features.items[*(const uint32_t *)a], p->features.items[*(const uint32_t *)b]);
}

/* Parse /v1/usage's parameters; answers 400 (orgpulse shape, the first problem) and returns -1 on a bad one. */
typedef struct v1_params {
    int64_t from_ms, to_ms;
    int granularity;
    const char *org_id, *team_id, *user_id, *feature, *metric;
    v1_group group;
    paging pg;
} v1_params;

static int v1_parse(http_request *req, v1_params *v) {
    int64_t now = time_now_ms();
    int64_t tomorrow = ((int64_t)time_day_of(now) + 1) * TIME_MS_PER_DAY;
    const char *from = http_query(req, "from"), *to = http_query(req, "to"), *g = http_query(req, "granularity");
    const char *group = http_query(req, "group_by");
    v->to_ms = tomorrow;
    if (to && param_check_time(to, 1, &v->to_ms) != PARAM_OK)
        return http_error(req, 400, "to", "must be an RFC 3339 date-time or a date YYYY-MM-DD"), -1;
    v->from_ms = v->to_ms - 30 * TIME_MS_PER_DAY;
    if (from && param_check_time(from, 1, &v->from_ms) != PARAM_OK)
        return http_error(req, 400, "from", "must be an RFC 3339 date-time or a date YYYY-MM-DD"), -1;
    if (v->from_ms >= v->to_ms) return http_error(req, 400, "to", "must be after from"), -1;
    if (v->to_ms - v->from_ms > V1_USAGE_MAX_DAYS * TIME_MS_PER_DAY)
        return http_error(req, 400, "to", "must be at most 3660 days after from"), -1;
    v->granularity = 4; /* day */
    if (g && param_check_choice(g, granularity_names, &v->granularity) != PARAM_OK)
        return http_error(req, 400, "granularity", "must be one of day, week, month, all (or daily, weekly, monthly)"), -1;
    int choice = V1_GROUP_NONE;
    if (group && param_check_choice(group, group_names, &choice) != PARAM_OK)
        return http_error(req, 400, "group_by", "must be one of org, team, user, feature"), -1;
    v->group = (v1_group)choice;
    v->org_id = http_query(req, "org_id");
    v->team_id = http_query(req, "team_id");
    v->user_id = http_query(req, "user_id");
    v->feature = http_query(req, "feature");
    v->metric = http_query(req, "metric");
    const char *offset = http_query(req, "offset"), *limit = http_query(req, "limit");
    v->pg.offset = 0, v->pg.limit = 100;
    if (offset && param_check_integer(offset, 0, INT32_MAX, &v->pg.offset) != PARAM_OK)
        return http_error(req, 400, "offset", "must be an integer >= 0"), -1;
    if (limit && param_check_integer(limit, 1, 1000, &v->pg.limit) != PARAM_OK)
        return http_error(req, 400, "limit", "must be an integer from 1 to 1000"), -1;
    return 0;
}

int api_usage_query(http_request *req) {
    v1_params v;
    if (v1_parse(req, &v) != 0) return 0;
    project_index *p = engine_project(req->app->engine, req->caller.project_id, 1);
    pthread_rwlock_rdlock(&p->lock);
    usage_query q = {.from_ms = v.from_ms, .to_ms = v.to_ms, .granularity = granularity_values[v.granularity],
                     .org = INDEX_NONE, .team = INDEX_NONE, .user = INDEX_NONE, .feature = USAGE_ANY,
                     .metric = USAGE_ANY};
    const char *missing = NULL;
    if (v.org_id && (engine_org_find(p, v.org_id, &q.org) != 0 || p->orgs[q.org].deleted)) missing = "org_id";
    if (v.team_id && engine_usage_team_find(p, v.team_id, &q.team) != 0) missing = "team_id";
    if (v.user_id && (engine_user_find(p, v.user_id, &q.user) != 0 || p->users[q.user].deleted)) missing = "user_id";
    if (missing) {
        pthread_rwlock_unlock(&p->lock);
        return http_error(req, 404, missing, "not found");
    }
    if (v.feature) q.feature = lookup_id(&p->features, v.feature);
    if (v.metric) q.metric = lookup_id(&p->metrics, v.metric);
    size_t nbuckets = engine_usage_bucket_count(q.from_ms, q.to_ms, q.granularity);

    json_t *series = json_array();
    size_t total = 1, first = 0, end = 1;
    if (v.group == V1_GROUP_NONE || v.group == V1_GROUP_FEATURE) {
        usage_series *s;
        engine_usage_series(p, &q, &s);
        if (v.group == V1_GROUP_NONE) {
            json_array_append_new(series, json_pack("{s:n, s:o}", "group", "buckets", v1_series(p, s, -1)));
        } else {
            /* one series per feature with usage, by name */
            uint32_t *fs = xmalloc((p->features.count + 1) * sizeof *fs);
            size_t nf = 0;
            for (uint32_t f = 0; f < p->features.count; f++) {
                int seen = 0;
                for (size_t k = 0; k < s->count && !seen; k++) seen = bucket_feature_users(&s->buckets[k], (int32_t)f) > 0;
                if (seen) fs[nf++] = f;
            }
            qsort_r(fs, nf, sizeof *fs, cmp_feature_name, p);
            total = nf;
            page_range(&v.pg, total, &first, &end);
            for (size_t i = first; i < end; i++)
                json_array_append_new(series, json_pack("{s:s, s:o}", "group", p->features.items[fs[i]], "buckets",
                                                        v1_series(p, s, (int32_t)fs[i])));
            free(fs);
        }
        engine_usage_series_free(s);
    } else {
        static const usage_group kinds[] = {USAGE_GROUP_ORG, USAGE_GROUP_TEAM, USAGE_GROUP_USER};
        uint32_t *groups;
        total = engine_usage_groups(p, &q, kinds[v.group], &groups);
        page_range(&v.pg, total, &first, &end);
        if ((end - first) * nbuckets > V1_USAGE_MAX_CELLS) {
            free(groups);
            json_decref(series);
            pthread_rwlock_unlock(&p->lock);
            return http_error(req, 400, "limit",
                              "the answer would hold more than 100000 buckets: lower limit, narrow the window or "
                              "coarsen the granularity");
        }
        for (size_t i = first; i < end; i++) {
            usage_query gq = q;
            const char *id;
            if (v.group == V1_GROUP_ORG) gq.org = groups[i], id = p->orgs[groups[i]].id;
            else if (v.group == V1_GROUP_TEAM) gq.team = groups[i], id = p->teams[groups[i]].id;
            else gq.user = groups[i], id = p->users[groups[i]].id;
            usage_series *s;
            engine_usage_series(p, &gq, &s);
            int32_t only = q.feature >= 0 ? q.feature : -1;
            json_array_append_new(series, json_pack("{s:s, s:o}", "group", id, "buckets", v1_series(p, s, only)));
            engine_usage_series_free(s);
        }
        free(groups);
    }
    pthread_rwlock_unlock(&p->lock);
    json_t *filters = json_pack("{s:o, s:o, s:o, s:o, s:o}", "org_id", render_string_or_null(v.org_id), "team_id",
                                render_string_or_null(v.team_id), "user_id", render_string_or_null(v.user_id),
                                "feature", render_string_or_null(v.feature), "metric", render_string_or_null(v.metric));
    json_t *body = json_object();
    json_object_set_new(body, "from", usage_time(v.from_ms));
    json_object_set_new(body, "to", usage_time(v.to_ms));
    json_object_set_new(body, "granularity", json_string(granularity_names[v.granularity]));
    json_object_set_new(body, "group_by", v.group == V1_GROUP_NONE ? json_null() : json_string(group_names[v.group]));
    json_object_set_new(body, "filters", filters);
    json_object_set_new(body, "series", series);
    json_object_set_new(body, "meta", page_meta(&v.pg, first, end, total));
    return http_respond_json(req, 200, body);
}
