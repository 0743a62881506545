/* insights.c: reports, their snapshot cache, and charts (definitions in insights.h). Every function here runs under
 * the project's read lock; the caches it fills are guarded by project_index.cache_lock. */
#include "engine/insights.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/event.h"
#include "util/buf.h"
#include "util/time.h"

#define DAY_MS TIME_MS_PER_DAY

static const char *const kind_names[REPORT__COUNT] = {
    [REPORT_USER_TOP_INVITER] = "top_inviter", [REPORT_USER_CHAMPION] = "champion",
    [REPORT_USER_REENGAGEMENT] = "reengagement", [REPORT_USER_CHURN] = "churn",
    [REPORT_ORG_REENGAGEMENT] = "reengagement", [REPORT_ORG_CHURN] = "churn",
    [REPORT_ORG_GROWTH] = "growth", [REPORT_ORG_ATTRITION] = "attrition",
};

const char *report_kind_name(report_kind k) { return k < REPORT__COUNT ? kind_names[k] : "unknown"; }

int report_kind_from_path(int org, const char *name, report_kind *out) {
    for (int k = org ? REPORT_ORG_REENGAGEMENT : 0; k < (org ? REPORT__COUNT : REPORT_ORG_REENGAGEMENT); k++) {
        if (strcmp(kind_names[k], name) == 0) {
            *out = (report_kind)k;
            return 0;
        }
    }
    return -1;
}

/* ---- activity of users and orgs ---- */

static int user_listed(const user_rec *u) { return !u->deleted && !u->deactivated; }

/* The window [from, to) clipped to a membership interval [s, e). */
static int clip(int64_t from, int64_t to, int64_t s, int64_t e, int64_t *a, int64_t *b) {
    *a = from > s ? from : s;
    *b = to < e ? to : e;
    return *a < *b;
}

#define MAX_INTERVALS 64

/* Org activity in [from, to): events naming the org, or members' events while members. */
static int org_active_in(const project_index *p, const org_rec *o, int64_t from, int64_t to) {
    if (day_list_any_in(&o->days, from, to)) return 1;
    int64_t s[MAX_INTERVALS], e[MAX_INTERVALS];
    for (uint32_t i = 0; i < o->nmemberships; i++) {
        const membership_rec *m = &p->memberships[o->memberships[i]];
        const user_rec *u = &p->users[m->user];
        if (u->deleted || !u->days.count) continue;
        uint32_t n = engine_membership_intervals(m, s, e, MAX_INTERVALS);
        for (uint32_t k = 0; k < n; k++) {
            int64_t a, b;
            if (clip(from, to, s[k], e[k], &a, &b) && day_list_any_in(&u->days, a, b)) return 1;
        }
    }
    return 0;
}

/* The org's latest activity time (INT64_MIN when none). */
static int64_t org_latest_activity(const project_index *p, const org_rec *o) {
    int64_t best = day_list_latest_in(&o->days, INT64_MIN, INT64_MAX);
    int64_t s[MAX_INTERVALS], e[MAX_INTERVALS];
    for (uint32_t i = 0; i < o->nmemberships; i++) {
        const membership_rec *m = &p->memberships[o->memberships[i]];
        const user_rec *u = &p->users[m->user];
        if (u->deleted || !u->days.count) continue;
        uint32_t n = engine_membership_intervals(m, s, e, MAX_INTERVALS);
        for (uint32_t k = n; k-- > 0;) {
            int64_t t = day_list_latest_in(&u->days, s[k], e[k]);
            if (t != INT64_MIN) {
                if (t > best) best = t;
                break; /* later intervals were checked first */
            }
        }
    }
    return best;
}

static int64_t org_member_count(const project_index *p, const org_rec *o) {
    int64_t n = 0;
    for (uint32_t i = 0; i < o->nmemberships; i++) {
        const membership_rec *m = &p->memberships[o->memberships[i]];
        n += m->active && !p->users[m->user].deleted;
    }
    return n;
}

/* Membership starts and ends of the org's (not deleted) users in [from, to). */
static void org_membership_changes(const project_index *p, const org_rec *o, int64_t from, int64_t to, int64_t *added,
                                   int64_t *removed) {
    *added = 0, *removed = 0;
    for (uint32_t i = 0; i < o->nmemberships; i++) {
        const membership_rec *m = &p->memberships[o->memberships[i]];
        if (p->users[m->user].deleted) continue;
        int active = 0;
        for (uint32_t k = 0; k < m->log.count; k++) {
            const history_entry *h = &m->log.items[k];
            int64_t t = h->v.ts_ms;
            if (h->kind == MEMBER_ADDED && !active) {
                active = 1;
                if (t >= from && t < to) (*added)++;
            } else if (h->kind == MEMBER_REMOVED && active) {
                active = 0;
                if (t >= from && t < to) (*removed)++;
            }
        }
    }
}

/* ---- ordering ---- */

typedef struct sort_ctx {
    const project_index *p;
    report_kind kind;
} sort_ctx;

static int cmp_i64_desc(int64_t x, int64_t y) { return x > y ? -1 : x < y ? 1 : 0; }

static int cmp_rows(const void *va, const void *vb, void *vctx) {
    const report_row *x = va, *y = vb;
    const sort_ctx *c = vctx;
    int r = 0;
    switch (c->kind) {
    case REPORT_USER_TOP_INVITER: r = cmp_i64_desc(x->a, y->a); break;
    case REPORT_USER_CHAMPION:
        if (!(r = cmp_i64_desc(x->a, y->a))) r = cmp_i64_desc(x->last_ms, y->last_ms);
        break;
    case REPORT_USER_REENGAGEMENT:
    case REPORT_USER_CHURN:
    case REPORT_ORG_REENGAGEMENT:
    case REPORT_ORG_CHURN: r = cmp_i64_desc(x->last_ms, y->last_ms); break;
    case REPORT_ORG_GROWTH:
        if (!(r = cmp_i64_desc(x->a - x->b, y->a - y->b))) r = cmp_i64_desc(x->a, y->a);
        break;
    case REPORT_ORG_ATTRITION:
        if (!(r = cmp_i64_desc(x->b, y->b))) r = -cmp_i64_desc(x->a - x->b, y->a - y->b);
        break;
    case REPORT__COUNT: break;
    }
    if (r) return r;
    const char *ix = REPORT_IS_ORG(c->kind) ? c->p->orgs[x->entity].id : c->p->users[x->entity].id;
    const char *iy = REPORT_IS_ORG(c->kind) ? c->p->orgs[y->entity].id : c->p->users[y->entity].id;
    return strcmp(ix, iy);
}

/* ---- reports ---- */

typedef struct row_list {
    report_row *rows;
    size_t count, cap;
} row_list;

static void push_row(row_list *l, report_row r) {
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->rows = xrealloc(l->rows, l->cap * sizeof *l->rows);
    }
    l->rows[l->count++] = r;
}

static void user_rows(const project_index *p, report_kind kind, int64_t n_ms, int64_t now, row_list *out) {
    if (kind == REPORT_USER_TOP_INVITER) {
        int64_t *counts = xcalloc(p->nusers ? p->nusers : 1, sizeof *counts);
        for (uint32_t i = 0; i < p->ninvites; i++) {
            const invite_rec *r = &p->invites[i];
            if (r->kind == EV_INVITE_SENT && r->inviter != INDEX_NONE && r->v.ts_ms >= now - n_ms && r->v.ts_ms < now)
                counts[r->inviter]++;
        }
        for (uint32_t u = 0; u < p->nusers; u++) {
            if (counts[u] && user_listed(&p->users[u]))
                push_row(out, (report_row){u, p->users[u].has_activity ? p->users[u].last_active_ms : INT64_MIN,
                                           counts[u], 0});
        }
        free(counts);
        return;
    }
    for (uint32_t i = 0; i < p->nusers; i++) {
        const user_rec *u = &p->users[i];
        if (!user_listed(u) || !u->has_activity) continue;
        const day_list *d = &u->days;
        report_row row = {i, u->last_active_ms, 0, 0};
        switch (kind) {
        case REPORT_USER_CHAMPION:
            if ((row.a = day_list_days_in(d, now - n_ms, now)) > 0) push_row(out, row);
            break;
        case REPORT_USER_REENGAGEMENT:
            if (day_list_any_in(d, now - n_ms, now) && !day_list_any_in(d, now - 2 * n_ms, now - n_ms) &&
                u->first_active_ms < now - 2 * n_ms)
                push_row(out, row);
            break;
        case REPORT_USER_CHURN:
            if (!day_list_any_in(d, now - n_ms, now)) push_row(out, row);
            break;
        default: break;
        }
    }
}

static void org_rows(const project_index *p, report_kind kind, int64_t n_ms, int64_t now, row_list *out) {
    for (uint32_t i = 0; i < p->norgs; i++) {
        const org_rec *o = &p->orgs[i];
        if (o->deleted) continue;
        report_row row = {i, INT64_MIN, 0, 0};
        switch (kind) {
        case REPORT_ORG_GROWTH:
        case REPORT_ORG_ATTRITION:
            org_membership_changes(p, o, now - n_ms, now, &row.a, &row.b);
            if (kind == REPORT_ORG_GROWTH ? row.a - row.b > 0 : row.b >= 1) push_row(out, row);
            break;
        case REPORT_ORG_REENGAGEMENT:
            if (org_active_in(p, o, now - n_ms, now) && !org_active_in(p, o, now - 2 * n_ms, now - n_ms) &&
                org_active_in(p, o, INT64_MIN, now - 2 * n_ms)) {
                row.last_ms = org_latest_activity(p, o);
                push_row(out, row);
            }
            break;
        case REPORT_ORG_CHURN:
            if (org_member_count(p, o) >= 1 && !org_active_in(p, o, now - n_ms, now)) {
                row.last_ms = org_latest_activity(p, o);
                if (row.last_ms != INT64_MIN) push_row(out, row);
            }
            break;
        default: break;
        }
    }
}

static void random_uuid(char out[37]) {
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
             b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

report *insights_report_compute(const project_index *p, report_kind kind, int interval_days, int64_t now_ms) {
    row_list rows = {0};
    int64_t n_ms = (int64_t)interval_days * DAY_MS;
    if (REPORT_IS_ORG(kind))
        org_rows(p, kind, n_ms, now_ms, &rows);
    else
        user_rows(p, kind, n_ms, now_ms, &rows);
    sort_ctx ctx = {p, kind};
    qsort_r(rows.rows, rows.count, sizeof *rows.rows, cmp_rows, &ctx);
    report *r = xcalloc(1, sizeof *r);
    r->kind = kind;
    r->interval = interval_days;
    r->project_id = p->project_id;
    random_uuid(r->report_id);
    r->report_time_ms = now_ms;
    r->rows = rows.rows;
    r->count = rows.count;
    r->refs = 1;
    return r;
}

void report_release(report *r) {
    if (!r || __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) > 0) return;
    free(r->rows);
    free(r);
}

report *insights_report_get(project_index *p, report_kind kind, int interval_days, int64_t now_ms, int64_t max_age_ms) {
    pthread_mutex_lock(&p->cache_lock);
    size_t slot = p->nreports;
    for (size_t i = 0; i < p->nreports; i++)
        if (p->reports[i]->kind == kind && p->reports[i]->interval == interval_days) slot = i;
    report *r = slot < p->nreports ? p->reports[slot] : NULL;
    if (r && (now_ms - r->report_time_ms > max_age_ms || now_ms < r->report_time_ms)) r = NULL;
    if (!r) {
        r = insights_report_compute(p, kind, interval_days, now_ms);
        if (slot < p->nreports) {
            report_release(p->reports[slot]);
            p->reports[slot] = r;
        } else if (p->nreports < sizeof p->reports / sizeof p->reports[0]) {
            p->reports[p->nreports++] = r;
        } else {
            r->refs--; /* no room to cache (cannot happen: 8 kinds x 3 intervals) */
        }
    }
    __atomic_add_fetch(&r->refs, 1, __ATOMIC_ACQ_REL);
    pthread_mutex_unlock(&p->cache_lock);
    return r;
}

void insights_cache_clear(project_index *p) {
    for (size_t i = 0; i < p->nreports; i++) report_release(p->reports[i]);
    p->nreports = 0;
}

/* ---- charts ---- */

int32_t chart_bucket_start(chart_cadence c, int32_t day) {
    switch (c) {
    case CADENCE_WEEKLY: return time_week_start(day);
    case CADENCE_MONTHLY: return time_month_start(day);
    default: return day;
    }
}

int32_t chart_bucket_next(chart_cadence c, int32_t start) {
    switch (c) {
    case CADENCE_WEEKLY: return start + 7;
    case CADENCE_MONTHLY: return time_month_add(start, 1);
    default: return start + 1;
    }
}

static const roaring_bitmap_t *series_at(const bitmap_series *s, int32_t day) {
    return day >= 0 && day < s->count ? s->items[day] : NULL;
}

/* Orgs active on `day` through their members (cached per day; cache_lock held). */
static const roaring_bitmap_t *member_orgs_on(project_index *p, int32_t day) {
    const roaring_bitmap_t *users = series_at(&p->day_users, day);
    if (!users) return NULL;
    if (day >= p->nmember_orgs_valid) {
        int32_t n = p->nmember_orgs_valid ? p->nmember_orgs_valid : 1024;
        while (n <= day) n *= 2;
        p->member_orgs_valid = xrealloc(p->member_orgs_valid, (size_t)n);
        memset(p->member_orgs_valid + p->nmember_orgs_valid, 0, (size_t)(n - p->nmember_orgs_valid));
        p->nmember_orgs_valid = n;
    }
    if (day >= p->member_orgs.count) {
        int32_t n = p->member_orgs.count ? p->member_orgs.count : 1024;
        while (n <= day) n *= 2;
        p->member_orgs.items = xrealloc(p->member_orgs.items, (size_t)n * sizeof *p->member_orgs.items);
        memset(p->member_orgs.items + p->member_orgs.count, 0, (size_t)(n - p->member_orgs.count) * sizeof(void *));
        p->member_orgs.count = n;
    }
    if (p->member_orgs_valid[day]) return p->member_orgs.items[day];
    roaring_bitmap_t *orgs = p->member_orgs.items[day];
    if (orgs)
        roaring_bitmap_clear(orgs);
    else
        orgs = p->member_orgs.items[day] = roaring_bitmap_create();
    int64_t day_start = (int64_t)day * DAY_MS, day_end = day_start + DAY_MS;
    roaring_uint32_iterator_t *it = roaring_create_iterator(users);
    for (; it->has_value; roaring_advance_uint32_iterator(it)) {
        const user_rec *u = &p->users[it->current_value];
        if (u->deleted) continue;
        for (uint32_t i = 0; i < u->nmemberships; i++) {
            const membership_rec *m = &p->memberships[u->memberships[i]];
            int64_t s[MAX_INTERVALS], e[MAX_INTERVALS], a, b;
            uint32_t n = engine_membership_intervals(m, s, e, MAX_INTERVALS);
            for (uint32_t k = 0; k < n; k++) {
                if (clip(day_start, day_end, s[k], e[k], &a, &b) && day_list_any_in(&u->days, a, b)) {
                    roaring_bitmap_add(orgs, m->org);
                    break;
                }
            }
        }
    }
    roaring_free_uint32_iterator(it);
    roaring_bitmap_run_optimize(orgs);
    p->member_orgs_valid[day] = 1;
    return orgs;
}

/* Distinct members of the union of `series` over [from, to) minus `deleted`. */
static int64_t distinct_over(const bitmap_series *series, int32_t from, int32_t to, const roaring_bitmap_t *deleted) {
    if (to - from == 1) {
        const roaring_bitmap_t *b = series_at(series, from);
        if (!b) return 0;
        return (int64_t)(roaring_bitmap_get_cardinality(b) - (deleted ? roaring_bitmap_and_cardinality(b, deleted) : 0));
    }
    const roaring_bitmap_t *parts[400];
    size_t n = 0;
    for (int32_t d = from; d < to && n < 400; d++)
        if (series_at(series, d)) parts[n++] = series_at(series, d);
    if (!n) return 0;
    roaring_bitmap_t *u = roaring_bitmap_or_many(n, parts);
    int64_t c = (int64_t)(roaring_bitmap_get_cardinality(u) - (deleted ? roaring_bitmap_and_cardinality(u, deleted) : 0));
    roaring_bitmap_free(u);
    return c;
}

static int64_t active_orgs_over(project_index *p, int32_t from, int32_t to) {
    roaring_bitmap_t *all = roaring_bitmap_create();
    for (int32_t d = from; d < to; d++) {
        const roaring_bitmap_t *named = series_at(&p->day_orgs, d), *members = member_orgs_on(p, d);
        if (named) roaring_bitmap_or_inplace(all, named);
        if (members) roaring_bitmap_or_inplace(all, members);
    }
    int64_t c = (int64_t)(roaring_bitmap_get_cardinality(all) -
                          (p->deleted_orgs ? roaring_bitmap_and_cardinality(all, p->deleted_orgs) : 0));
    roaring_bitmap_free(all);
    return c;
}

int insights_chart(project_index *p, chart_metric m, chart_cadence c, int32_t start_day, int32_t end_day, int64_t now_ms,
                   chart_point **out, size_t *n) {
    *out = NULL, *n = 0;
    if (start_day > end_day) return -1;
    int32_t first = chart_bucket_start(c, start_day), last = chart_bucket_start(c, end_day);
    size_t count = 0;
    for (int32_t b = first; b <= last; b = chart_bucket_next(c, b)) count++;
    chart_point *pts = xcalloc(count ? count : 1, sizeof *pts);
    int32_t range_end = chart_bucket_next(c, last);
    int64_t *per_day = NULL;
    if (m == CHART_SIGNUPS || m == CHART_ORGS_CREATED) { /* one pass over the entities, counted by creation day */
        per_day = xcalloc((size_t)(range_end - first), sizeof *per_day);
        if (m == CHART_SIGNUPS) {
            for (uint32_t i = 0; i < p->nusers; i++) {
                const user_rec *u = &p->users[i];
                int32_t d = time_day_of(u->has_created ? u->created_ms : u->first_seen_ms);
                if (!u->deleted && d >= first && d < range_end) per_day[d - first]++;
            }
        } else {
            for (uint32_t i = 0; i < p->norgs; i++) {
                const org_rec *o = &p->orgs[i];
                int32_t d = time_day_of(o->has_created ? o->created_ms : o->first_seen_ms);
                if (!o->deleted && d >= first && d < range_end) per_day[d - first]++;
            }
        }
    }
    if (m == CHART_ACTIVE_ORGS) pthread_mutex_lock(&p->cache_lock);
    size_t i = 0;
    for (int32_t b = first; b <= last; b = chart_bucket_next(c, b), i++) {
        int32_t next = chart_bucket_next(c, b);
        chart_point *pt = &pts[i];
        pt->day = b;
        pt->completed = (int64_t)next * DAY_MS <= now_ms;
        switch (m) {
        case CHART_SIGNUPS:
        case CHART_ORGS_CREATED:
            for (int32_t d = b; d < next; d++) pt->result += per_day[d - first];
            break;
        case CHART_ACTIVE_USERS: pt->result = distinct_over(&p->day_users, b, next, p->deleted_users); break;
        case CHART_ACTIVE_ORGS: pt->result = active_orgs_over(p, b, next); break;
        }
    }
    if (m == CHART_ACTIVE_ORGS) pthread_mutex_unlock(&p->cache_lock);
    free(per_day);
    *out = pts;
    *n = count;
    return 0;
}
