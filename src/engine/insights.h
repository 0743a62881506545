/* insights.h: the Insights family's computations (../shared/specs/propelauth.md) over the in-memory index: the four
 * user reports, the four org reports, and the four chart metrics at three cadences. The definitions below are the
 * contract; src/api/api_insights.c only parses and renders.
 *
 * Terms. `now` is the snapshot time (ms). An activity time is the timestamp of an `activity` or `usage` event. A
 * user's activity times are those of the events naming the user. An org's activity times are those of the events
 * naming the org, plus those of the events of a user, not deleted, at a time the user was a member of it (the
 * membership's last add/remove at or before that time is an add). "In [a, b)" is about times, to the millisecond.
 * Deleted and deactivated users are in no user report; deleted orgs in no org report; deleted users count nowhere.
 *
 * User reports (rows: not deleted, not deactivated):
 *   top_inviter N   invite.sent events with the user as inviter_user_id in [now-N d, now): count >= 1.
 *                   Order: count desc, user_id asc. extra {"num_invites"}.
 *   champion N      distinct UTC days with an activity time in [now-N d, now): >= 1.
 *                   Order: days desc, last_active desc, user_id asc. extra {"num_active_days"}.
 *   reengagement P  (Weekly 7 d, Monthly 30 d) activity in [now-P, now), none in [now-2P, now-P), some before now-2P.
 *                   Order: last_active desc, user_id asc.
 *   churn N         some activity time, none in [now-N d, now). Order: last_active desc, user_id asc.
 * Org reports (rows: not deleted):
 *   reengagement P  as the user report, with the org's activity times. Order: latest activity desc, org_id asc.
 *   churn N         >= 1 current member, some activity time, none in [now-N d, now). Same order.
 *   growth N        a = membership starts (an add while not a member) and r = ends (a remove while a member) in
 *                   [now-N d, now), users not deleted; a - r > 0. Order: a-r desc, a desc, org_id asc.
 *   attrition N     r >= 1. Order: r desc, a-r asc, org_id asc.
 * Charts, per bucket (UTC day, ISO week from Monday, calendar month), each over its whole period:
 *   signups         users not deleted whose creation time (first user.created, else first event naming them) is in it
 *   orgs_created    orgs not deleted, likewise with org.created
 *   active_users    distinct users not deleted with an activity time in it
 *   active_orgs     distinct orgs not deleted with an org activity time in it
 *
 * Precision: an entity's activity is kept per UTC day as the first and last time that day (index.h day_list), so a
 * question about [a, b) is exact whenever a and b fall on different days, which every report window does. Where a
 * question falls inside one day (a member who joined or left that day), the user's activity that day is taken as
 * spanning from its first to its last time: active in the membership's part of the day when the two overlap. */
#ifndef ORGPULSE_ENGINE_INSIGHTS_H
#define ORGPULSE_ENGINE_INSIGHTS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/index.h"

typedef enum report_kind {
    REPORT_USER_TOP_INVITER,
    REPORT_USER_CHAMPION,
    REPORT_USER_REENGAGEMENT,
    REPORT_USER_CHURN,
    REPORT_ORG_REENGAGEMENT,
    REPORT_ORG_CHURN,
    REPORT_ORG_GROWTH,
    REPORT_ORG_ATTRITION,
    REPORT__COUNT
} report_kind;

#define REPORT_IS_ORG(k) ((k) >= REPORT_ORG_REENGAGEMENT)

typedef struct report_row {
    uint32_t entity; /* user or org index */
    int64_t last_ms; /* user: last activity (INT64_MIN never); org: latest activity */
    int64_t a, b;    /* top_inviter: invites; champion: days; growth and attrition: added, removed */
} report_row;

/* A computed report: immutable once made, shared by the pages that read it (reference counted). */
typedef struct report {
    report_kind kind;
    int interval; /* days (7, 14, 30, 60, 90) */
    int64_t project_id;
    char report_id[37];
    int64_t report_time_ms;
    report_row *rows;  /* in the order they were found */
    uint32_t *order;   /* the report's order: order[k] is the index in rows of the k-th row */
    size_t count;
    size_t rows_bytes; /* the size of the rows allocation (reused for the next report of its kind) */
    int refs;
    /* Pages already rendered (the API's JSON bytes): a snapshot's page is rendered once and then served as is until
     * the snapshot expires. Bounded by REPORT_PAGES_MAX_BYTES; under pages_lock. */
    pthread_mutex_t pages_lock;
    struct report_page *pages;
    size_t npages, cap_pages, pages_bytes;
} report;

#define REPORT_PAGES_MAX_BYTES (8u << 20)

/* The rendered page (number, size) of the report: a copy the caller frees, and 0; or -1 when not kept. */
int report_page_cached(report *r, long number, long size, char **out, size_t *len);
/* Keep a rendered page (copied) for the next requests of the same page, unless the report's budget is spent. */
void report_page_keep(report *r, long number, long size, const char *body, size_t len);

/* The k-th row of the report, in its order. */
static inline const report_row *report_row_at(const report *r, size_t k) { return &r->rows[r->order[k]]; }

/* The names on the wire and the intervals each report takes. */
const char *report_kind_name(report_kind k);
int report_kind_from_path(int org, const char *name, report_kind *out);

/* Compute a report now (caller holds the project's read lock and its cache_lock). Caller releases it. */
report *insights_report_compute(project_index *p, report_kind kind, int interval_days, int64_t now_ms);
/* The cached report of age <= max_age_ms, or a fresh one (caller holds the read lock). Caller releases it. */
report *insights_report_get(project_index *p, report_kind kind, int interval_days, int64_t now_ms, int64_t max_age_ms);
void report_release(report *r);
/* Prepare what reports need that is slow to make on a first request (the id orders), e.g. after a rebuild. */
void insights_warm(project_index *p);
/* The users in id order (bytewise), brought up to date with the index: order[k] is the k-th user, rank[u] user u's
 * position. The caller holds the read lock; the answer stays valid and unchanged while it does (every reader that
 * refreshes it under the same read lock finds it current). */
const id_ranks *insights_user_ranks(project_index *p);
/* The users with an activity time in [a_ms, b_ms), in a new bitmap (caller frees): whole days and hours from the
 * day and hour bitmaps, a cut hour from its users' day lists (a day's activity spanning its first to its last time,
 * as in the reports). The caller holds the read lock. */
roaring_bitmap_t *insights_users_active_between(const project_index *p, int64_t a_ms, int64_t b_ms);
/* Free every cached report of the project (at shutdown). */
void insights_cache_clear(project_index *p);

typedef enum chart_metric { CHART_SIGNUPS, CHART_ORGS_CREATED, CHART_ACTIVE_USERS, CHART_ACTIVE_ORGS } chart_metric;
typedef enum chart_cadence { CADENCE_DAILY, CADENCE_WEEKLY, CADENCE_MONTHLY } chart_cadence;

typedef struct chart_point {
    int32_t day; /* the bucket's first day */
    int64_t result;
    int completed; /* the bucket's period has ended by now */
} chart_point;

/* The first day of the bucket holding `day`, and the first day after it. */
int32_t chart_bucket_start(chart_cadence c, int32_t day);
int32_t chart_bucket_next(chart_cadence c, int32_t bucket_start);
/* Every bucket overlapping [start_day, end_day], oldest first (caller frees *out; read lock held). */
int insights_chart(project_index *p, chart_metric m, chart_cadence c, int32_t start_day, int32_t end_day, int64_t now_ms,
                   chart_point **out, size_t *n);

#endif
