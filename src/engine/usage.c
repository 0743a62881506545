/* usage.c: usage series, utilization and the member and team lists of the usage-metrics family (definitions in
 * usage.h). Every function here runs under the project's read lock; the per-day rollup cache is guarded by its own
 * mutex (created under project_index.cache_lock).
 *
 * Design
 * (1) A series is built in two steps: per-day rollups of the scope (users active, users per feature, metric sums),
 *     then buckets made from those days (unions of the day's user sets, sums of their sums). Bucket edges inside the
 *     window are midnights, so only the window's own edges cut a day: a rollup covers a whole day, or for a day the
 *     window cuts, the part of it inside the window. A whole day's rollup depends only on the index's state for that
 *     day, so rollups of big scopes are cached per day and a request recomputes only the days whose change stamp
 *     moved; the (at most two) cut days are computed for each request.
 * (2) Only candidate users are scanned: an org's members (past and present) and the users whose usage named it
 *     (index.h org_usage_users), a team's users (team_users), and of those only the ones active on a wanted day
 *     (day_users), or in a wanted hour for a cut day (hour_users). Each candidate's activity times and usage entries
 *     are walked once, merged in time order, together with their membership or team intervals, so every event is
 *     judged at its own time.
 * (3) A scan is bound by cache misses (user records, their time arrays, their memberships are spread over gigabytes
 *     at a million users), so a cached scope also keeps its candidate set and its members' intervals in user order
 *     (member_table), the records are prefetched a few users ahead, and the searches in the time arrays start from
 *     the end (recent days are the common question). */
#include "engine/usage.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/event.h"
#include "engine/insights.h"
#include "util/buf.h"
#include "util/time.h"

#define DAY_MS TIME_MS_PER_DAY
/* A scope with at least this many candidate users keeps its day rollups in the cache. The environment variable
 * ORGPULSE_USAGE_CACHE_MIN_USERS overrides it (tests set 0 to send every org and team through the cache). */
#define USAGE_CACHE_MIN_USERS 2000
/* Above this size of day rollups the cache forgets every scope but the one being computed. (A scope's candidate set
 * and member table, a few bytes per member, are not counted.) */
#define USAGE_CACHE_MAX_BYTES ((size_t)512 << 20)

/* ---- day rollups ---- */

typedef struct feature_users {
    uint16_t feature;
    roaring_bitmap_t *users;
} feature_users;

typedef struct usage_day {
    roaring_bitmap_t *active; /* users active in the scope that day; NULL when none */
    feature_users *feat;      /* per feature with usage that day */
    uint32_t nfeat;
    usage_sum *sums; /* per (feature, metric), unordered */
    uint32_t nsums, cap_sums;
    /* cached days: the stamps they were computed under */
    uint32_t version;
    uint64_t team_stamp;
    unsigned valid : 1;
    size_t bytes;
} usage_day;

static void day_clear(usage_day *d) {
    if (d->active) roaring_bitmap_free(d->active);
    for (uint32_t i = 0; i < d->nfeat; i++) roaring_bitmap_free(d->feat[i].users);
    free(d->feat);
    free(d->sums);
    memset(d, 0, sizeof *d);
}

static void day_add_sum(usage_day *d, uint16_t feature, uint16_t metric, double value) {
    for (uint32_t i = d->nsums; i-- > 0;) {
        if (d->sums[i].feature == feature && d->sums[i].metric == metric) {
            d->sums[i].value += value;
            return;
        }
    }
    if (d->nsums == d->cap_sums) {
        d->cap_sums = d->cap_sums ? d->cap_sums * 2 : 8;
        d->sums = xrealloc(d->sums, d->cap_sums * sizeof *d->sums);
    }
    d->sums[d->nsums++] = (usage_sum){feature, metric, value};
}

static void day_add_feature_user(usage_day *d, uint16_t feature, uint32_t user) {
    for (uint32_t i = 0; i < d->nfeat; i++) {
        if (d->feat[i].feature == feature) {
            roaring_bitmap_add(d->feat[i].users, user);
            return;
        }
    }
    d->feat = xrealloc(d->feat, (d->nfeat + 1) * sizeof *d->feat);
    d->feat[d->nfeat].feature = feature;
    d->feat[d->nfeat].users = roaring_bitmap_create();
    roaring_bitmap_add(d->feat[d->nfeat].users, user);
    d->nfeat++;
}

static void day_add_active(usage_day *d, uint32_t user) {
    if (!d->active) d->active = roaring_bitmap_create();
    roaring_bitmap_add(d->active, user);
}

static size_t day_bytes(const usage_day *d) {
    size_t n = sizeof *d + d->cap_sums * sizeof *d->sums + d->nfeat * sizeof *d->feat;
    if (d->active) n += roaring_bitmap_size_in_bytes(d->active);
    for (uint32_t i = 0; i < d->nfeat; i++) n += roaring_bitmap_size_in_bytes(d->feat[i].users);
    return n;
}

/* ---- intervals ---- */

typedef struct interval {
    int64_t start, end; /* [start, end) */
} interval;

typedef struct intervals {
    interval *items;
    uint32_t count, cap;
    uint32_t cursor; /* for overlaps_from_cursor */
} intervals;

static void intervals_push(intervals *iv, int64_t start, int64_t end) {
    if (start >= end) return;
    if (iv->count == iv->cap) {
        iv->cap = iv->cap ? iv->cap * 2 : 4;
        iv->items = xrealloc(iv->items, iv->cap * sizeof *iv->items);
    }
    iv->items[iv->count++] = (interval){start, end};
}

/* Is t inside an interval? Calls must come with non-decreasing t (the cursor only advances). */
static int contains_from_cursor(intervals *iv, int64_t t) {
    while (iv->cursor < iv->count && iv->items[iv->cursor].end <= t) iv->cursor++;
    return iv->cursor < iv->count && iv->items[iv->cursor].start <= t;
}

static const membership_rec *membership_of(const project_index *p, const user_rec *u, uint32_t org) {
    for (uint32_t i = 0; i < u->nmemberships; i++)
        if (p->memberships[u->memberships[i]].org == org) return &p->memberships[u->memberships[i]];
    return NULL;
}

/* A membership's intervals, in time order. */
static void intervals_of_membership(const membership_rec *m, intervals *out) {
    out->count = 0, out->cursor = 0;
    uint32_t cursor = 0;
    int64_t s, e;
    while (engine_membership_next_interval(m, &cursor, &s, &e)) intervals_push(out, s, e);
}

/* The user's membership intervals in the org, in time order. */
static void membership_intervals(const project_index *p, const user_rec *u, uint32_t org, intervals *out) {
    out->count = 0, out->cursor = 0;
    const membership_rec *m = membership_of(p, u, org);
    if (!m) return;
    uint32_t cursor = 0;
    int64_t s, e;
    while (engine_membership_next_interval(m, &cursor, &s, &e)) intervals_push(out, s, e);
}

/* The intervals in which the user was in the team (TEAM_JOINED of another team moves them out; index.c's
 * user_derive_team reads the same history the same way). */
static void team_intervals(const user_rec *u, uint32_t team, intervals *out) {
    out->count = 0, out->cursor = 0;
    uint32_t cur = INDEX_NONE;
    int64_t start = 0;
    for (uint32_t i = 0; i < u->teams.count; i++) {
        const history_entry *h = &u->teams.items[i];
        uint32_t next = h->kind == TEAM_JOINED ? h->arg : (cur == h->arg ? INDEX_NONE : cur);
        if (cur != team && next == team) start = h->v.ts_ms;
        if (cur == team && next != team) intervals_push(out, start, h->v.ts_ms);
        cur = next;
    }
    if (cur == team) intervals_push(out, start, INT64_MAX);
}

/* The user's deactivations [deactivated, reactivated), as index.c's user_derive_status reads the status history. */
static void deactivation_intervals(const user_rec *u, intervals *out) {
    out->count = 0, out->cursor = 0;
    int deactivated = 0;
    int64_t start = 0;
    for (uint32_t i = 0; i < u->status.count; i++) {
        const history_entry *h = &u->status.items[i];
        if (h->kind == STATUS_DEACTIVATED && !deactivated) deactivated = 1, start = h->v.ts_ms;
        if (h->kind == STATUS_REACTIVATED && deactivated) deactivated = 0, intervals_push(out, start, h->v.ts_ms);
    }
    if (deactivated) intervals_push(out, start, INT64_MAX);
}

static int intervals_contain(const intervals *iv, int64_t t) {
    for (uint32_t i = 0; i < iv->count; i++)
        if (iv->items[i].start <= t && t < iv->items[i].end) return 1;
    return 0;
}

/* Is [lo, hi) entirely inside the union of the (sorted, disjoint) intervals? */
static int intervals_cover(const intervals *iv, int64_t lo, int64_t hi) {
    int64_t cur = lo;
    for (uint32_t i = 0; i < iv->count && cur < hi; i++)
        if (iv->items[i].start <= cur && iv->items[i].end > cur) cur = iv->items[i].end;
    return cur >= hi;
}

/* ---- scopes ---- */

typedef struct scope {
    uint32_t org, team, user;
    uint32_t team_org; /* the team's org, or INDEX_NONE */
} scope;

static const roaring_bitmap_t *series_at(const bitmap_series *s, uint32_t slot) {
    return slot < (uint32_t)s->count ? s->items[slot] : NULL;
}

static uint32_t day_version_of(const project_index *p, int32_t day) {
    return day >= 0 && day < p->nday_version ? p->day_version[day] : 0;
}

static uint64_t team_stamp_of(const project_index *p) {
    return p->events_by_type[EV_TEAM_CREATED] + p->events_by_type[EV_TEAM_DELETED] +
           p->events_by_type[EV_TEAM_MEMBER_ADDED] + p->events_by_type[EV_TEAM_MEMBER_REMOVED];
}

/* The users whose usage or activity may count for the scope (NULL: every user). Caller frees. */
static roaring_bitmap_t *scope_candidates(const project_index *p, const scope *s) {
    if (s->user != INDEX_NONE) return roaring_bitmap_of_ptr(1, &s->user);
    if (s->team != INDEX_NONE) {
        const roaring_bitmap_t *t = series_at(&p->team_users, s->team);
        return t ? roaring_bitmap_copy(t) : roaring_bitmap_create();
    }
    if (s->org != INDEX_NONE) {
        const org_rec *o = &p->orgs[s->org];
        const roaring_bitmap_t *named = series_at(&p->org_usage_users, s->org);
        roaring_bitmap_t *c = named ? roaring_bitmap_copy(named) : roaring_bitmap_create();
        uint32_t *users = xmalloc((o->nmemberships + 1) * sizeof *users);
        for (uint32_t i = 0; i < o->nmemberships; i++) users[i] = p->memberships[o->memberships[i]].user;
        roaring_bitmap_add_many(c, o->nmemberships, users);
        free(users);
        return c;
    }
    return NULL;
}

/* A cheap upper bound of the candidates' number, to decide whether the scope is worth caching. */
static uint64_t scope_size_estimate(const project_index *p, const scope *s) {
    if (s->user != INDEX_NONE) return 1;
    if (s->team != INDEX_NONE) {
        const roaring_bitmap_t *t = series_at(&p->team_users, s->team);
        return t ? roaring_bitmap_get_cardinality(t) : 0;
    }
    if (s->org != INDEX_NONE) {
        const roaring_bitmap_t *named = series_at(&p->org_usage_users, s->org);
        return p->orgs[s->org].nmemberships + (named ? roaring_bitmap_get_cardinality(named) : 0);
    }
    return p->nusers;
}

/* Searches in a user's time-sorted arrays (usage entries by ts_ms, activity times): the first index in [lo, n)
 * whose time is >= t. The arrays are cold (a scan touches tens of thousands of users once each), so the searches
 * touch few cache lines: the first position of a scan is found from the end (the times asked about are mostly
 * recent, the newest entries last), and a scan moving on to a later day gallops forward from where it is. */
#define TIME_AT(arr, i, field) (arr)[i] field

#define DEFINE_SEARCHES(name, arr, count, field)                                                                   \
    static uint32_t name##_bisect(const user_rec *u, uint32_t lo, uint32_t hi, int64_t t) {                        \
        while (lo < hi) {                                                                                          \
            uint32_t mid = lo + (hi - lo) / 2;                                                                     \
            if (TIME_AT(u->arr, mid, field) < t) lo = mid + 1;                                                     \
            else hi = mid;                                                                                         \
        }                                                                                                          \
        return lo;                                                                                                 \
    }                                                                                                              \
    /* from the end backwards, doubling the step */                                                                \
    static uint32_t name##_lower_bound(const user_rec *u, int64_t t) {                                             \
        uint32_t lo = 0, hi = u->count, step = 1;                                                                  \
        while (hi > lo) {                                                                                          \
            uint32_t probe = hi - lo > step ? hi - step : lo;                                                      \
            if (TIME_AT(u->arr, probe, field) < t) {                                                               \
                lo = probe + 1;                                                                                    \
                break;                                                                                             \
            }                                                                                                      \
            hi = probe, step *= 2;                                                                                 \
        }                                                                                                          \
        return name##_bisect(u, lo, hi, t);                                                                        \
    }                                                                                                              \
    /* from lo forwards, doubling the step */                                                                      \
    static uint32_t name##_lower_bound_from(const user_rec *u, uint32_t lo, int64_t t) {                           \
        uint32_t n = u->count, step = 1;                                                                           \
        if (lo >= n || TIME_AT(u->arr, lo, field) >= t) return lo;                                                 \
        while (n - lo > step && TIME_AT(u->arr, lo + step, field) < t) lo += step, step *= 2;                      \
        return name##_bisect(u, lo + 1, n - lo > step ? lo + step : n, t);                                         \
    }

DEFINE_SEARCHES(usage, usage, nusage, .ts_ms)
DEFINE_SEARCHES(acts, acts, nacts, )

/* Does a usage event with this attribution count for the scope, the user being (in_org) a member of the scope's
 * org and (in_team) in its team at the event's time? (usage.h, Attribution.) */
static int attr_counts(const scope *s, const usage_attr *x, int in_org, int in_team) {
    if (s->org != INDEX_NONE && (x->org != INDEX_NONE ? x->org != s->org : !in_org)) return 0;
    if (s->team != INDEX_NONE &&
        (x->team != INDEX_NONE ? x->team != s->team : !in_team || (x->org != INDEX_NONE && x->org != s->team_org)))
        return 0;
    return 1;
}

/* The intervals in which each of a scope's candidates belonged to it (member of the org, or in the team), sorted by
 * user: a scan reads them here, in user order, instead of following each user's record to their memberships or
 * team history (three cache misses per user at a million users). Kept with a cached scope, made again when a
 * membership or team event arrived (stamp). */
typedef struct member_table {
    uint32_t *users; /* ascending */
    uint32_t *first; /* user k's intervals are iv[first[k] .. first[k + 1]) */
    interval *iv;
    uint32_t n, niv;
    uint64_t stamp;
    int built;
} member_table;

static void member_table_clear(member_table *t) {
    free(t->users), free(t->first), free(t->iv);
    memset(t, 0, sizeof *t);
}

typedef struct user_membership {
    uint32_t user, membership;
} user_membership;

static int cmp_user_membership(const void *a, const void *b) {
    const user_membership *x = a, *y = b;
    return x->user < y->user ? -1 : x->user > y->user;
}

static uint64_t member_table_stamp(const project_index *p, const scope *s) {
    return s->team != INDEX_NONE ? team_stamp_of(p)
                                 : p->events_by_type[EV_MEMBER_ADDED] + p->events_by_type[EV_MEMBER_REMOVED];
}

/* Append a user and their intervals to the table. */
static void member_table_add(member_table *t, uint32_t *cap_iv, uint32_t user, const intervals *iv) {
    t->users[t->n] = user;
    t->first[t->n++] = t->niv;
    for (uint32_t k = 0; k < iv->count; k++) {
        if (t->niv == *cap_iv) {
            *cap_iv = *cap_iv ? *cap_iv * 2 : 1024;
            t->iv = xrealloc(t->iv, *cap_iv * sizeof *t->iv);
        }
        t->iv[t->niv++] = iv->items[k];
    }
}

/* Build the table of a scope with an org or a team (not both); cand: the scope's candidates. */
static void member_table_build(const project_index *p, const scope *s, const roaring_bitmap_t *cand,
                               member_table *t) {
    member_table_clear(t);
    uint32_t cap_iv = 0;
    intervals iv = {0};
    if (s->org != INDEX_NONE) { /* the org's members: one membership record per user */
        const org_rec *o = &p->orgs[s->org];
        user_membership *um = xmalloc((o->nmemberships + 1) * sizeof *um);
        for (uint32_t i = 0; i < o->nmemberships; i++)
            um[i] = (user_membership){p->memberships[o->memberships[i]].user, o->memberships[i]};
        qsort(um, o->nmemberships, sizeof *um, cmp_user_membership);
        t->users = xmalloc((o->nmemberships + 1) * sizeof *t->users);
        t->first = xmalloc((o->nmemberships + 2) * sizeof *t->first);
        for (uint32_t i = 0; i < o->nmemberships; i++) {
            intervals_of_membership(&p->memberships[um[i].membership], &iv);
            member_table_add(t, &cap_iv, um[i].user, &iv);
        }
        free(um);
    } else { /* the team's candidates: the users who joined it, or whose usage named it */
        uint64_t n = cand ? roaring_bitmap_get_cardinality(cand) : 0;
        uint32_t *users = xmalloc((n + 1) * sizeof *users);
        if (n) roaring_bitmap_to_uint32_array(cand, users);
        t->users = xmalloc((n + 1) * sizeof *t->users);
        t->first = xmalloc((n + 2) * sizeof *t->first);
        for (uint64_t i = 0; i < n; i++) {
            team_intervals(&p->users[users[i]], s->team, &iv);
            member_table_add(t, &cap_iv, users[i], &iv);
        }
        free(users);
    }
    t->first[t->n] = t->niv;
    free(iv.items);
    t->stamp = member_table_stamp(p, s);
    t->built = 1;
}

typedef struct scan_ctx {
    const project_index *p;
    const scope *s;
    usage_day *days; /* days[d - d0] */
    int32_t d0, d1;
    int64_t from_ms, to_ms; /* the times that count: [from, to), inside days d0..d1 */
    const uint8_t *want;    /* want[d - d0]: compute that day; NULL = every day */
    int32_t *next_wanted;   /* with want: next_wanted[i] = the first wanted day >= d0 + i (d1 + 1 when none) */
    const member_table *table; /* the scope's org or team intervals by user (NULL: read them from each user) */
    uint32_t table_pos;         /* scans go in user order: where the table was left */
    intervals org_iv, team_iv;  /* owned buffers */
} scan_ctx;

/* The intervals of `user` from the table as a view (the table's users ascend; so do the scanned users). */
static void table_intervals(scan_ctx *c, uint32_t user, intervals *view) {
    const member_table *t = c->table;
    while (c->table_pos < t->n && t->users[c->table_pos] < user) c->table_pos++;
    *view = (intervals){0};
    if (c->table_pos < t->n && t->users[c->table_pos] == user) {
        view->items = t->iv + t->first[c->table_pos];
        view->count = t->first[c->table_pos + 1] - t->first[c->table_pos];
    }
}

#define DAY_FEATURES 8 /* features remembered per user and day (more only cost repeated bitmap adds) */

/* Walk one user's activity times and usage entries in [from, to), in time order, and add what counts for the scope
 * to the day rollups: each event is judged by the user's membership and team at its own time. */
static void scan_user(scan_ctx *c, uint32_t user) {
    const project_index *p = c->p;
    const scope *s = c->s;
    const user_rec *u = &p->users[user];
    if (u->deleted) return;
    intervals view, *org_iv = &c->org_iv, *team_iv = &c->team_iv;
    if (c->table) {
        table_intervals(c, user, &view);
        if (s->org != INDEX_NONE) org_iv = &view;
        else team_iv = &view;
    } else {
        if (s->org != INDEX_NONE) membership_intervals(p, u, s->org, org_iv);
        if (s->team != INDEX_NONE) team_intervals(u, s->team, team_iv);
    }
    uint32_t a = acts_lower_bound(u, c->from_ms), e = usage_lower_bound(u, c->from_ms);
    int32_t day = INT32_MIN; /* the day of the last time seen */
    usage_day *d = NULL;     /* its rollup, NULL when not wanted */
    int active = 0;          /* the user is in d->active already */
    uint16_t feats[DAY_FEATURES];
    uint32_t nfeats = 0; /* features whose d->feat users hold the user already */
    for (;;) {
        int64_t ta = a < u->nacts && u->acts[a] < c->to_ms ? u->acts[a] : INT64_MAX;
        int64_t te = e < u->nusage && u->usage[e].ts_ms < c->to_ms ? u->usage[e].ts_ms : INT64_MAX;
        int64_t t = ta < te ? ta : te;
        if (t == INT64_MAX) break;
        int32_t tday = time_day_of(t);
        if (tday != day) {
            day = tday, active = 0, nfeats = 0;
            d = c->want && !c->want[day - c->d0] ? NULL : &c->days[day - c->d0];
        }
        if (!d) { /* a day not wanted: go on at the next wanted one */
            int32_t next = c->next_wanted[day - c->d0];
            if (next > c->d1) break;
            a = acts_lower_bound_from(u, a, (int64_t)next * DAY_MS);
            e = usage_lower_bound_from(u, e, (int64_t)next * DAY_MS);
            continue;
        }
        int in_org = s->org == INDEX_NONE || contains_from_cursor(org_iv, t);
        int in_team = s->team == INDEX_NONE || contains_from_cursor(team_iv, t);
        if (ta <= te) { /* activity: counts when the user belongs to the scope then */
            a++;
            if (in_org && in_team && !active) day_add_active(d, user), active = 1;
            continue;
        }
        const usage_entry *x = &u->usage[e++];
        if (!attr_counts(s, &p->usage_attrs.items[x->attr], in_org, in_team)) {
            /* usage is also activity */
            if (in_org && in_team && !active) day_add_active(d, user), active = 1;
            continue;
        }
        day_add_sum(d, x->feature, x->metric, x->value);
        uint32_t k = 0;
        while (k < nfeats && feats[k] != x->feature) k++;
        if (k == nfeats) {
            day_add_feature_user(d, x->feature, user);
            if (nfeats < DAY_FEATURES) feats[nfeats++] = x->feature;
        }
        if (!active) day_add_active(d, user), active = 1;
    }
}

/* Compute the wanted days of [d0, d1] (want NULL: all), counting the times in [from, to), into days[], which the
 * caller cleared. cand: the scope's candidates (scope_candidates; NULL: every user; unused for a user scope);
 * table: their intervals in the scope (NULL: each user's are read from the user). */
static void compute_days(const project_index *p, const scope *s, const roaring_bitmap_t *cand,
                         const member_table *table, usage_day *days, int32_t d0, int32_t d1, const uint8_t *want,
                         int64_t from_ms, int64_t to_ms) {
    scan_ctx c = {.p = p, .s = s, .days = days, .d0 = d0, .d1 = d1, .from_ms = from_ms, .to_ms = to_ms, .want = want,
                  .table = table};
    if (want) {
        c.next_wanted = xmalloc(((size_t)(d1 - d0) + 1) * sizeof *c.next_wanted);
        for (int32_t d = d1, next = d1 + 1; d >= d0; d--) {
            if (want[d - d0]) next = d;
            c.next_wanted[d - d0] = next;
        }
    }
    if (s->user != INDEX_NONE) {
        scan_user(&c, s->user);
    } else {
        /* the users active in a wanted part of the window, among the candidates: a whole day's users, or for a day
         * the window cuts, the users of the hours it overlaps */
        size_t n = 0;
        const roaring_bitmap_t **active = xmalloc(((size_t)(d1 - d0) + 1 + 50) * sizeof *active);
        for (int32_t d = d0; d <= d1; d++) {
            if (want && !want[d - d0]) continue;
            int64_t start = (int64_t)d * DAY_MS, lo = from_ms > start ? from_ms : start;
            int64_t hi = to_ms < start + DAY_MS ? to_ms : start + DAY_MS;
            if (lo == start && hi == start + DAY_MS) {
                const roaring_bitmap_t *b = series_at(&p->day_users, (uint32_t)d);
                if (b) active[n++] = b;
                continue;
            }
            for (int64_t h = lo / TIME_MS_PER_HOUR; h <= (hi - 1) / TIME_MS_PER_HOUR; h++) {
                const roaring_bitmap_t *b = series_at(&p->hour_users, (uint32_t)h);
                if (b) active[n++] = b;
            }
        }
        roaring_bitmap_t *users = n ? roaring_bitmap_or_many(n, active) : roaring_bitmap_create();
        free(active);
        if (cand) roaring_bitmap_and_inplace(users, cand);
        uint64_t count = roaring_bitmap_get_cardinality(users);
        uint32_t *list = xmalloc((count + 1) * sizeof *list);
        roaring_bitmap_to_uint32_array(users, list);
        roaring_bitmap_free(users);
        /* the user records are a random walk over hundreds of megabytes: load each one a few users ahead, and for a
         * one-day computation (mostly a recent day), the end of its time arrays a little later */
        for (uint64_t k = 0; k < count; k++) {
            if (k + 16 < count) {
                const char *r = (const char *)&p->users[list[k + 16]];
                __builtin_prefetch(r + offsetof(user_rec, usage)), __builtin_prefetch(r + offsetof(user_rec, team));
            }
            if (d0 == d1 && k + 8 < count) {
                const user_rec *v = &p->users[list[k + 8]];
                if (v->nacts) __builtin_prefetch(&v->acts[v->nacts - 1]);
                if (v->nusage) __builtin_prefetch(&v->usage[v->nusage - 1]);
            }
            scan_user(&c, list[k]);
        }
        free(list);
    }
    free(c.org_iv.items);
    free(c.team_iv.items);
    free(c.next_wanted);
}

/* ---- the cache ---- */

/* The distinct users of a bucket of several days (the unions are what costs when a week or a month is asked
 * again), with the stamps of its days: the sum of their versions (each only grows, so an equal sum means no day
 * changed) and the team stamp. */
typedef struct union_entry {
    int32_t a, b; /* the bucket's days; a == INT32_MIN marks a free slot */
    uint64_t stamp, team_stamp;
    uint64_t active;
    usage_feature_users *features;
    uint32_t nfeatures;
} union_entry;

#define UNIONS_MAX 4096 /* per scope; a full table is emptied */

typedef struct scope_days {
    uint32_t org, team; /* the scope (user scopes are never cached) */
    roaring_bitmap_t *cand; /* its candidates (NULL: not computed yet, or every user), as of cand_stamp */
    uint64_t cand_stamp;
    member_table table; /* for a scope of one org or one team */
    int32_t first;      /* day of days[0] */
    int32_t count;
    usage_day *days;
    union_entry *unions; /* open addressing on (a, b) */
    uint32_t nunions, cap_unions;
} scope_days;

struct usage_cache {
    pthread_mutex_t lock;
    scope_days *scopes;
    size_t nscopes, cap;
    size_t bytes;
};

static void unions_clear(scope_days *sd) {
    for (uint32_t i = 0; i < sd->cap_unions; i++) free(sd->unions[i].features);
    free(sd->unions);
    sd->unions = NULL, sd->nunions = 0, sd->cap_unions = 0;
}

static void scope_days_clear(scope_days *sd) {
    for (int32_t i = 0; i < sd->count; i++) day_clear(&sd->days[i]);
    free(sd->days);
    sd->days = NULL, sd->count = 0;
    unions_clear(sd);
    if (sd->cand) roaring_bitmap_free(sd->cand);
    sd->cand = NULL;
    member_table_clear(&sd->table);
}

/* A stamp of the scope's candidate set: the sets it is made of only grow (memberships are never forgotten, the
 * bitmaps of users whose usage named an org or a team only gain users), so equal sizes mean equal sets. */
static uint64_t candidates_stamp(const project_index *p, const scope *s) {
    if (s->team != INDEX_NONE) {
        const roaring_bitmap_t *t = series_at(&p->team_users, s->team);
        return 1 + (t ? roaring_bitmap_get_cardinality(t) : 0);
    }
    if (s->org != INDEX_NONE) {
        const roaring_bitmap_t *named = series_at(&p->org_usage_users, s->org);
        return 1 + p->orgs[s->org].nmemberships + (named ? roaring_bitmap_get_cardinality(named) : 0);
    }
    return 0;
}

/* The cached scope's candidates, made again when they changed (cache lock held). */
static const roaring_bitmap_t *cached_candidates(const project_index *p, scope_days *sd, const scope *s) {
    uint64_t stamp = candidates_stamp(p, s);
    if (stamp != sd->cand_stamp || (stamp && !sd->cand)) {
        if (sd->cand) roaring_bitmap_free(sd->cand);
        sd->cand = scope_candidates(p, s);
        sd->cand_stamp = stamp;
    }
    return sd->cand;
}

/* The cached scope's member table (NULL for the whole project or an org-and-team scope), made again when stale
 * (cache lock held). */
static const member_table *cached_table(const project_index *p, scope_days *sd, const scope *s) {
    if ((s->org != INDEX_NONE) == (s->team != INDEX_NONE)) return NULL;
    const roaring_bitmap_t *cand = cached_candidates(p, sd, s);
    if (!sd->table.built || sd->table.stamp != member_table_stamp(p, s) ||
        (s->team != INDEX_NONE && sd->table.n != (cand ? roaring_bitmap_get_cardinality(cand) : 0)))
        member_table_build(p, s, cand, &sd->table);
    return &sd->table;
}

static uint32_t union_slot(const scope_days *sd, int32_t a, int32_t b) {
    uint32_t h = (uint32_t)(((uint64_t)(uint32_t)a * 0x9E3779B1u) ^ ((uint64_t)(uint32_t)b * 0x85EBCA77u));
    uint32_t mask = sd->cap_unions - 1, i = h & mask;
    while (sd->unions[i].a != INT32_MIN && (sd->unions[i].a != a || sd->unions[i].b != b)) i = (i + 1) & mask;
    return i;
}

/* The entry of bucket [a, b], or NULL. */
static union_entry *union_find(scope_days *sd, int32_t a, int32_t b) {
    if (!sd->cap_unions) return NULL;
    union_entry *u = &sd->unions[union_slot(sd, a, b)];
    return u->a == a && u->b == b ? u : NULL;
}

/* The entry of bucket [a, b], made empty when new (its features freed when it is reused). */
static union_entry *union_put(scope_days *sd, int32_t a, int32_t b) {
    if (sd->nunions >= UNIONS_MAX) unions_clear(sd);
    if (2 * (sd->nunions + 1) > sd->cap_unions) {
        union_entry *old = sd->unions;
        uint32_t old_cap = sd->cap_unions;
        sd->cap_unions = old_cap ? old_cap * 2 : 64;
        sd->unions = xmalloc(sd->cap_unions * sizeof *sd->unions);
        for (uint32_t i = 0; i < sd->cap_unions; i++) sd->unions[i] = (union_entry){.a = INT32_MIN};
        for (uint32_t i = 0; i < old_cap; i++)
            if (old[i].a != INT32_MIN) sd->unions[union_slot(sd, old[i].a, old[i].b)] = old[i];
        free(old);
    }
    union_entry *u = &sd->unions[union_slot(sd, a, b)];
    if (u->a == INT32_MIN) sd->nunions++;
    free(u->features);
    *u = (union_entry){.a = a, .b = b};
    return u;
}

static struct usage_cache *cache_of(project_index *p) {
    pthread_mutex_lock(&p->cache_lock);
    if (!p->usage_cache) {
        p->usage_cache = xcalloc(1, sizeof *p->usage_cache);
        pthread_mutex_init(&p->usage_cache->lock, NULL);
    }
    struct usage_cache *c = p->usage_cache;
    pthread_mutex_unlock(&p->cache_lock);
    return c;
}

void usage_cache_free(project_index *p) {
    struct usage_cache *c = p->usage_cache;
    if (!c) return;
    for (size_t i = 0; i < c->nscopes; i++) scope_days_clear(&c->scopes[i]);
    free(c->scopes);
    pthread_mutex_destroy(&c->lock);
    free(c);
    p->usage_cache = NULL;
}

/* The scope's entry in the cache, made empty when new (cache lock held). */
static scope_days *cache_scope_entry(struct usage_cache *c, const scope *s) {
    for (size_t i = 0; i < c->nscopes; i++)
        if (c->scopes[i].org == s->org && c->scopes[i].team == s->team) return &c->scopes[i];
    if (c->nscopes == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        c->scopes = xrealloc(c->scopes, c->cap * sizeof *c->scopes);
    }
    scope_days *sd = &c->scopes[c->nscopes++];
    *sd = (scope_days){.org = s->org, .team = s->team};
    return sd;
}

/* The cached days of the scope, covering [d0, d1] (cache lock held). */
static scope_days *cache_scope(struct usage_cache *c, const scope *s, int32_t d0, int32_t d1) {
    scope_days *sd = cache_scope_entry(c, s);
    int32_t first = sd->count ? (sd->first < d0 ? sd->first : d0) : d0;
    int32_t last = sd->count ? (sd->first + sd->count - 1 > d1 ? sd->first + sd->count - 1 : d1) : d1;
    if (!sd->count || first != sd->first || last - first + 1 != sd->count) {
        usage_day *days = xcalloc((size_t)(last - first) + 1, sizeof *days);
        if (sd->count) memcpy(days + (sd->first - first), sd->days, (size_t)sd->count * sizeof *days);
        free(sd->days);
        sd->days = days, sd->first = first, sd->count = last - first + 1;
    }
    return sd;
}

/* Forget every scope but `keep` (cache lock held); returns keep's new address. */
static scope_days *cache_shrink(struct usage_cache *c, scope_days *keep) {
    scope_days kept = *keep;
    for (size_t i = 0; i < c->nscopes; i++)
        if (&c->scopes[i] != keep) scope_days_clear(&c->scopes[i]);
    c->scopes[0] = kept;
    c->nscopes = 1;
    c->bytes = 0;
    for (int32_t i = 0; i < kept.count; i++) c->bytes += kept.days[i].bytes;
    return &c->scopes[0];
}

/* Bring the cached days [d0, d1] of the scope up to date (cache lock held); returns the scope's days. */
static scope_days *cache_refresh(const project_index *p, struct usage_cache *c, const scope *s, int32_t d0, int32_t d1) {
    scope_days *sd = cache_scope(c, s, d0, d1);
    uint64_t team_stamp = s->team != INDEX_NONE ? team_stamp_of(p) : 0;
    uint8_t *want = xcalloc((size_t)(d1 - d0) + 1, 1);
    int stale = 0;
    for (int32_t d = d0; d <= d1; d++) {
        const usage_day *x = &sd->days[d - sd->first];
        if (!x->valid || x->version != day_version_of(p, d) || x->team_stamp != team_stamp) want[d - d0] = 1, stale = 1;
    }
    if (stale) {
        for (int32_t d = d0; d <= d1; d++) {
            if (!want[d - d0]) continue;
            c->bytes -= sd->days[d - sd->first].bytes;
            day_clear(&sd->days[d - sd->first]);
        }
        compute_days(p, s, cached_candidates(p, sd, s), cached_table(p, sd, s), sd->days + (d0 - sd->first), d0, d1,
                     want, (int64_t)d0 * DAY_MS, ((int64_t)d1 + 1) * DAY_MS);
        for (int32_t d = d0; d <= d1; d++) {
            if (!want[d - d0]) continue;
            usage_day *x = &sd->days[d - sd->first];
            x->valid = 1, x->version = day_version_of(p, d), x->team_stamp = team_stamp;
            x->bytes = day_bytes(x);
            c->bytes += x->bytes;
        }
        if (c->bytes > USAGE_CACHE_MAX_BYTES) sd = cache_shrink(c, sd);
    }
    free(want);
    return sd;
}

/* ---- buckets ---- */

static chart_cadence cadence_of(usage_granularity g) {
    return g == USAGE_WEEK ? CADENCE_WEEKLY : g == USAGE_MONTH ? CADENCE_MONTHLY : CADENCE_DAILY;
}

/* Calls fn for each bucket of [from, to): its clipped times and its days [a, b]. */
typedef void (*bucket_fn)(void *ctx, int64_t from_ms, int64_t to_ms, int32_t a, int32_t b);

static size_t for_each_bucket(int64_t from, int64_t to, usage_granularity g, bucket_fn fn, void *ctx) {
    if (from >= to) return 0;
    int32_t first = time_day_of(from), last = time_day_of(to - 1);
    if (g == USAGE_ALL) {
        if (fn) fn(ctx, from, to, first, last);
        return 1;
    }
    size_t n = 0;
    chart_cadence c = cadence_of(g);
    for (int32_t s = chart_bucket_start(c, first); s <= last; s = chart_bucket_next(c, s)) {
        int32_t next = chart_bucket_next(c, s);
        int64_t bf = (int64_t)s * DAY_MS, bt = (int64_t)next * DAY_MS;
        if (fn) fn(ctx, bf > from ? bf : from, bt < to ? bt : to, s > first ? s : first, next - 1 < last ? next - 1 : last);
        n++;
    }
    return n;
}

size_t engine_usage_bucket_count(int64_t from_ms, int64_t to_ms, usage_granularity g) {
    return for_each_bucket(from_ms, to_ms, g, NULL, NULL);
}

/* Distinct users of the union of bitmaps. */
static uint64_t union_count(const roaring_bitmap_t **maps, size_t n) {
    if (n == 0) return 0;
    if (n == 1) return roaring_bitmap_get_cardinality(maps[0]);
    roaring_bitmap_t *u = roaring_bitmap_or_many(n, maps);
    uint64_t k = roaring_bitmap_get_cardinality(u);
    roaring_bitmap_free(u);
    return k;
}

static int cmp_sum(const void *a, const void *b) {
    const usage_sum *x = a, *y = b;
    if (x->feature != y->feature) return x->feature < y->feature ? -1 : 1;
    return x->metric < y->metric ? -1 : x->metric > y->metric;
}

static int cmp_feature_users(const void *a, const void *b) {
    const usage_feature_users *x = a, *y = b;
    return x->feature < y->feature ? -1 : x->feature > y->feature;
}

typedef struct bucket_ctx {
    const usage_query *q;
    const usage_day *days; /* days[d - d0] */
    int32_t d0, d1;
    int cut0, cut1; /* days[0] / days[d1 - d0] hold only the part of their day inside the window */
    usage_series *out;
    const roaring_bitmap_t **maps; /* scratch: one per day */
    scope_days *cached;            /* the scope's cache (its union table), or NULL */
    uint64_t team_stamp;
} bucket_ctx;

static int sum_wanted(const usage_query *q, uint16_t feature, uint16_t metric) {
    if (q->feature == USAGE_NO_MATCH || q->metric == USAGE_NO_MATCH) return 0;
    return (q->feature == USAGE_ANY || q->feature == feature) && (q->metric == USAGE_ANY || q->metric == metric);
}

/* The distinct users of days [a, b]: active ones, and per feature (ascending feature id). */
static void bucket_users(bucket_ctx *c, int32_t a, int32_t b, uint64_t *active, usage_feature_users **features,
                         uint32_t *nfeatures) {
    uint16_t feats[64];
    uint32_t nf = 0, capf = 64;
    uint16_t *fl = feats;
    for (int32_t d = a; d <= b; d++) {
        const usage_day *x = &c->days[d - c->d0];
        for (uint32_t k = 0; k < x->nfeat; k++) {
            uint16_t f = x->feat[k].feature;
            uint32_t j = 0;
            while (j < nf && fl[j] != f) j++;
            if (j < nf) continue;
            if (nf == capf) {
                capf *= 2;
                uint16_t *grown = xmalloc(capf * sizeof *grown);
                memcpy(grown, fl, nf * sizeof *fl);
                if (fl != feats) free(fl);
                fl = grown;
            }
            fl[nf++] = f;
        }
    }
    usage_feature_users *fu = xmalloc((nf + 1) * sizeof *fu);
    for (uint32_t j = 0; j < nf; j++) {
        size_t n = 0;
        for (int32_t d = a; d <= b; d++) {
            const usage_day *x = &c->days[d - c->d0];
            for (uint32_t k = 0; k < x->nfeat; k++)
                if (x->feat[k].feature == fl[j]) c->maps[n++] = x->feat[k].users;
        }
        fu[j] = (usage_feature_users){fl[j], union_count(c->maps, n)};
    }
    if (fl != feats) free(fl);
    qsort(fu, nf, sizeof *fu, cmp_feature_users);
    size_t n = 0;
    for (int32_t d = a; d <= b; d++)
        if (c->days[d - c->d0].active) c->maps[n++] = c->days[d - c->d0].active;
    *active = union_count(c->maps, n);
    *features = fu, *nfeatures = nf;
}

/* The same through the scope's union table when it has one (buckets of several whole days only). */
static void bucket_users_cached(bucket_ctx *c, int32_t a, int32_t b, uint64_t *active,
                                usage_feature_users **features, uint32_t *nfeatures) {
    if (!c->cached || a == b || (a == c->d0 && c->cut0) || (b == c->d1 && c->cut1)) {
        bucket_users(c, a, b, active, features, nfeatures);
        return;
    }
    uint64_t stamp = 0;
    for (int32_t d = a; d <= b; d++) stamp += c->days[d - c->d0].version;
    union_entry *u = union_find(c->cached, a, b);
    if (!u || u->stamp != stamp || u->team_stamp != c->team_stamp) {
        u = union_put(c->cached, a, b);
        u->stamp = stamp, u->team_stamp = c->team_stamp;
        bucket_users(c, a, b, &u->active, &u->features, &u->nfeatures);
    }
    *active = u->active;
    *nfeatures = u->nfeatures;
    *features = xmalloc((u->nfeatures + 1) * sizeof **features);
    memcpy(*features, u->features, u->nfeatures * sizeof **features);
}

static void make_bucket(void *vctx, int64_t from_ms, int64_t to_ms, int32_t a, int32_t b) {
    bucket_ctx *c = vctx;
    const usage_query *q = c->q;
    usage_bucket *bk = &c->out->buckets[c->out->count++];
    memset(bk, 0, sizeof *bk);
    bk->from_ms = from_ms, bk->to_ms = to_ms;
    uint64_t active;
    bucket_users_cached(c, a, b, &active, &bk->features, &bk->nfeatures);
    if (q->feature != USAGE_ANY) { /* only that feature, whose users are the active ones */
        uint32_t kept = 0;
        for (uint32_t j = 0; j < bk->nfeatures; j++)
            if (bk->features[j].feature == q->feature) bk->features[kept++] = bk->features[j];
        bk->nfeatures = kept;
        active = kept ? bk->features[0].users : 0;
    }
    bk->active_users = active;
    /* sums */
    uint32_t cap = 0;
    for (int32_t d = a; d <= b; d++) {
        const usage_day *x = &c->days[d - c->d0];
        for (uint32_t k = 0; k < x->nsums; k++) {
            const usage_sum *s = &x->sums[k];
            if (!sum_wanted(q, s->feature, s->metric)) continue;
            uint32_t j = 0;
            while (j < bk->nsums && (bk->sums[j].feature != s->feature || bk->sums[j].metric != s->metric)) j++;
            if (j < bk->nsums) {
                bk->sums[j].value += s->value;
                continue;
            }
            if (bk->nsums == cap) {
                cap = cap ? cap * 2 : 8;
                bk->sums = xrealloc(bk->sums, cap * sizeof *bk->sums);
            }
            bk->sums[bk->nsums++] = *s;
        }
    }
    if (bk->nsums) qsort(bk->sums, bk->nsums, sizeof *bk->sums, cmp_sum);
}

static void bucketize(const usage_query *q, const usage_day *days, int32_t d0, int32_t d1, int cut0, int cut1,
                      scope_days *cached, uint64_t team_stamp, usage_series *out) {
    size_t n = engine_usage_bucket_count(q->from_ms, q->to_ms, q->granularity);
    out->buckets = xcalloc(n + 1, sizeof *out->buckets);
    out->count = 0;
    bucket_ctx c = {.q = q, .days = days, .d0 = d0, .d1 = d1, .cut0 = cut0, .cut1 = cut1, .out = out,
                    .cached = cached, .team_stamp = team_stamp};
    c.maps = xmalloc(((size_t)(d1 - d0) + 1) * sizeof *c.maps);
    for_each_bucket(q->from_ms, q->to_ms, q->granularity, make_bucket, &c);
    free(c.maps);
}

/* ---- series ---- */

static uint64_t cache_min_users(void) {
    const char *v = getenv("ORGPULSE_USAGE_CACHE_MIN_USERS");
    return v && *v ? strtoull(v, NULL, 10) : USAGE_CACHE_MIN_USERS;
}

int engine_usage_series(project_index *p, const usage_query *q, usage_series **out) {
    *out = NULL;
    if (q->from_ms >= q->to_ms) return USAGE_EINVAL;
    int32_t d0 = time_day_of(q->from_ms), d1 = time_day_of(q->to_ms - 1);
    /* the days the window cuts (only its own edges can): their rollups count the part inside it */
    int cut0 = q->from_ms != (int64_t)d0 * DAY_MS || q->to_ms < ((int64_t)d0 + 1) * DAY_MS;
    int cut1 = q->to_ms != ((int64_t)d1 + 1) * DAY_MS || q->from_ms > (int64_t)d1 * DAY_MS;
    size_t n = (size_t)(d1 - d0) + 1;
    scope s = {q->org, q->team, q->user, INDEX_NONE};
    if (s.team != INDEX_NONE) s.team_org = p->teams[s.team].org;
    usage_series *r = xcalloc(1, sizeof *r);
    usage_day *days = xcalloc(n, sizeof *days);
    if (s.user == INDEX_NONE && scope_size_estimate(p, &s) >= cache_min_users()) {
        /* whole days from the cache; a day the window cuts computed here for its part in the window (its rollup is
         * the caller's, not the cache's) */
        int32_t f0 = d0 + cut0, f1 = d1 - cut1; /* the whole days */
        struct usage_cache *c = cache_of(p);
        pthread_mutex_lock(&c->lock);
        scope_days *sd = NULL;
        if (f0 <= f1) {
            sd = cache_refresh(p, c, &s, f0, f1);
            memcpy(days + (f0 - d0), sd->days + (f0 - sd->first), (size_t)(f1 - f0 + 1) * sizeof *days);
        } else {
            sd = cache_scope_entry(c, &s);
        }
        const roaring_bitmap_t *cand = cached_candidates(p, sd, &s);
        const member_table *table = cached_table(p, sd, &s);
        int64_t end0 = ((int64_t)d0 + 1) * DAY_MS;
        if (cut0) compute_days(p, &s, cand, table, days, d0, d0, NULL, q->from_ms, q->to_ms < end0 ? q->to_ms : end0);
        if (cut1 && n > 1)
            compute_days(p, &s, cand, table, days + (n - 1), d1, d1, NULL, (int64_t)d1 * DAY_MS, q->to_ms);
        bucketize(q, days, d0, d1, cut0, cut1, f0 <= f1 ? sd : NULL, s.team != INDEX_NONE ? team_stamp_of(p) : 0, r);
        pthread_mutex_unlock(&c->lock);
        if (cut0) day_clear(&days[0]);
        if (cut1 && n > 1) day_clear(&days[n - 1]);
    } else {
        roaring_bitmap_t *cand = s.user == INDEX_NONE ? scope_candidates(p, &s) : NULL;
        compute_days(p, &s, cand, NULL, days, d0, d1, NULL, q->from_ms, q->to_ms);
        if (cand) roaring_bitmap_free(cand);
        bucketize(q, days, d0, d1, cut0, cut1, NULL, 0, r);
        for (size_t i = 0; i < n; i++) day_clear(&days[i]);
    }
    free(days);
    *out = r;
    return USAGE_OK;
}

void engine_usage_series_free(usage_series *s) {
    if (!s) return;
    for (size_t i = 0; i < s->count; i++) free(s->buckets[i].features), free(s->buckets[i].sums);
    free(s->buckets);
    free(s);
}

int engine_usage_user_belongs(const project_index *p, uint32_t user, uint32_t org) {
    return membership_of(p, &p->users[user], org) != NULL;
}

/* ---- ordering by id ---- */

typedef struct id_key {
    uint64_t prefix; /* the id's first 8 bytes, big-endian, zero-padded */
    const char *id;
    uint32_t item;
} id_key;

static uint64_t id_prefix(const char *id) {
    uint64_t k = 0;
    int i = 0;
    for (; i < 8 && id[i]; i++) k = (k << 8) | (unsigned char)id[i];
    return k << (8 * (8 - i));
}

static int cmp_id_key(const void *a, const void *b) {
    const id_key *x = a, *y = b;
    if (x->prefix != y->prefix) return x->prefix < y->prefix ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Sort items by the id strings ids[i] (parallel to items), in place. */
static void sort_by_ids(uint32_t *items, const char **ids, size_t n) {
    id_key *k = xmalloc((n + 1) * sizeof *k);
    for (size_t i = 0; i < n; i++) k[i] = (id_key){id_prefix(ids[i]), ids[i], items[i]};
    qsort(k, n, sizeof *k, cmp_id_key);
    for (size_t i = 0; i < n; i++) items[i] = k[i].item;
    free(k);
}

void engine_usage_sort_by_id(const project_index *p, int kind, uint32_t *items, size_t n) {
    const char **ids = xmalloc((n + 1) * sizeof *ids);
    for (size_t i = 0; i < n; i++)
        ids[i] = kind == STORE_KIND_USER ? p->users[items[i]].id
                 : kind == STORE_KIND_ORG ? p->orgs[items[i]].id
                                          : p->teams[items[i]].id;
    sort_by_ids(items, ids, n);
    free(ids);
}

/* ---- members and teams ---- */

int engine_usage_team_find(const project_index *p, const char *id, uint32_t *out) {
    uint32_t t;
    if (strmap_get(&p->team_ids, id, strlen(id), &t) != 0 || p->teams[t].deleted) return -1;
    *out = t;
    return 0;
}

const membership_rec *engine_usage_current_membership(const project_index *p, uint32_t user, uint32_t org) {
    const membership_rec *m = membership_of(p, &p->users[user], org);
    return m && m->active ? m : NULL;
}

uint32_t engine_usage_user_team_in(const project_index *p, const user_rec *u, uint32_t org) {
    if (u->team == INDEX_NONE) return INDEX_NONE;
    const team_rec *t = &p->teams[u->team];
    return t->org == org && !t->deleted ? u->team : INDEX_NONE;
}

size_t engine_usage_org_members(const project_index *p, uint32_t org, const usage_member_filter *f, uint32_t **out) {
    const org_rec *o = &p->orgs[org];
    uint32_t *ms = xmalloc((o->nmemberships + 1) * sizeof *ms);
    const char **ids = xmalloc((o->nmemberships + 1) * sizeof *ids);
    size_t n = 0;
    for (uint32_t i = 0; i < o->nmemberships; i++) {
        const membership_rec *m = &p->memberships[o->memberships[i]];
        const user_rec *u = &p->users[m->user];
        if (!m->active || u->deleted) continue;
        if (f) {
            uint32_t team = engine_usage_user_team_in(p, u, org);
            if (f->in_team >= 0 && (team != INDEX_NONE) != (f->in_team != 0)) continue;
            if (f->team != INDEX_NONE && team != f->team) continue;
            if (f->active >= 0 && (!u->deactivated) != (f->active != 0)) continue;
            if (f->role && strcasecmp(engine_role_name(p, m->role), f->role) != 0) continue;
        }
        ids[n] = u->id;
        ms[n++] = o->memberships[i];
    }
    sort_by_ids(ms, ids, n);
    free(ids);
    *out = ms;
    return n;
}

size_t engine_usage_org_teams(const project_index *p, uint32_t org, uint32_t **teams, uint32_t **users) {
    const org_rec *o = &p->orgs[org];
    uint32_t *ts = xmalloc((o->nteams + 1) * sizeof *ts);
    size_t n = 0;
    for (uint32_t i = 0; i < o->nteams; i++)
        if (!p->teams[o->teams[i]].deleted && p->teams[o->teams[i]].org == org) ts[n++] = o->teams[i];
    engine_usage_sort_by_id(p, STORE_KIND_TEAM, ts, n);
    uint32_t *counts = xcalloc(n + 1, sizeof *counts);
    for (uint32_t i = 0; i < o->nmemberships; i++) {
        const membership_rec *m = &p->memberships[o->memberships[i]];
        const user_rec *u = &p->users[m->user];
        if (!m->active || u->deleted) continue;
        uint32_t team = engine_usage_user_team_in(p, u, org);
        if (team == INDEX_NONE) continue;
        for (size_t k = 0; k < n; k++)
            if (ts[k] == team) counts[k]++;
    }
    *teams = ts;
    *users = counts;
    return n;
}

/* ---- utilization ---- */

/* The org's invitations grouped per e-mail (case-insensitive: the index keeps them lowercased), each group in
 * version order. Sorted by a hash of the e-mail first, so that sorting compares integers, not strings. */
typedef struct invite_key {
    uint64_t hash;
    const invite_rec *r;
    int first; /* starts a group (an e-mail) */
} invite_key;

typedef struct invite_groups {
    invite_key *items;
    size_t count;
} invite_groups;

static int version_before(version a, version b) {
    return a.ts_ms != b.ts_ms ? a.ts_ms < b.ts_ms : a.tiebreak < b.tiebreak;
}

static int cmp_invite_hash(const void *a, const void *b) {
    const invite_key *x = a, *y = b;
    if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
    return version_before(x->r->v, y->r->v) ? -1 : version_before(y->r->v, x->r->v) ? 1 : 0;
}

/* The same with the e-mails compared, for the (unlikely) case of two e-mails with one hash. */
static int cmp_invite_email(const void *a, const void *b) {
    const invite_key *x = a, *y = b;
    if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
    int c = strcmp(x->r->email_lower, y->r->email_lower);
    return c ? c : cmp_invite_hash(a, b);
}

static void org_invites(const project_index *p, uint32_t org, invite_groups *g) {
    g->items = NULL;
    g->count = 0;
    size_t cap = 0;
    for (uint32_t i = 0; i < p->ninvites; i++) {
        const invite_rec *r = &p->invites[i];
        if (r->org != org || !r->email_lower) continue;
        if (g->count == cap) {
            cap = cap ? cap * 2 : 64;
            g->items = xrealloc(g->items, cap * sizeof *g->items);
        }
        g->items[g->count++] = (invite_key){strmap_hash(r->email_lower, strlen(r->email_lower)), r, 0};
    }
    if (!g->count) return;
    qsort(g->items, g->count, sizeof *g->items, cmp_invite_hash);
    int collision = 0;
    for (size_t i = 1; i < g->count && !collision; i++)
        collision = g->items[i].hash == g->items[i - 1].hash &&
                    strcmp(g->items[i].r->email_lower, g->items[i - 1].r->email_lower) != 0;
    if (collision) qsort(g->items, g->count, sizeof *g->items, cmp_invite_email);
    for (size_t i = 0; i < g->count; i++)
        g->items[i].first = i == 0 || g->items[i].hash != g->items[i - 1].hash ||
                            (collision && strcmp(g->items[i].r->email_lower, g->items[i - 1].r->email_lower) != 0);
}

/* Invitations pending at `at` (the latest event per e-mail at or before it is an invite.sent); when team is not
 * INDEX_NONE, only those whose latest invite.sent named it. */
static uint32_t pending_at(const invite_groups *g, int64_t at, uint32_t team) {
    uint32_t n = 0;
    for (size_t i = 0; i < g->count;) {
        const invite_rec *latest = NULL;
        size_t j = i;
        for (; j < g->count && (j == i || !g->items[j].first); j++)
            if (g->items[j].r->v.ts_ms <= at) latest = g->items[j].r;
        if (latest && latest->kind == EV_INVITE_SENT && (team == INDEX_NONE || latest->team == team)) n++;
        i = j;
    }
    return n;
}

int engine_usage_org_utilization(const project_index *p, uint32_t org, int32_t first_day, int64_t now_ms,
                                 usage_month **out, size_t *n) {
    int32_t first = time_month_start(first_day), current = time_month_start(time_day_of(now_ms));
    *out = NULL, *n = 0;
    if (first > current) return USAGE_OK;
    size_t months = 0;
    for (int32_t m = first; m <= current; m = time_month_add(m, 1)) months++;
    usage_month *r = xcalloc(months, sizeof *r);
    int64_t *start = xmalloc(months * sizeof *start), *at = xmalloc(months * sizeof *at);
    size_t k = 0;
    for (int32_t m = first; m <= current; m = time_month_add(m, 1), k++) {
        int d;
        time_civil_from_days(m, &r[k].year, &r[k].month, &d);
        start[k] = (int64_t)m * DAY_MS;
        int64_t end = (int64_t)time_month_add(m, 1) * DAY_MS - 1;
        at[k] = end < now_ms ? end : now_ms;
    }
    const org_rec *o = &p->orgs[org];
    intervals member = {0}, deact = {0};
    for (uint32_t i = 0; i < o->nmemberships; i++) {
        const membership_rec *m = &p->memberships[o->memberships[i]];
        const user_rec *u = &p->users[m->user];
        if (u->deleted) continue;
        intervals_of_membership(m, &member);
        deactivation_intervals(u, &deact);
        for (k = 0; k < months; k++) {
            /* registered: some moment of [start, at] in a membership and outside every deactivation */
            for (uint32_t j = 0; j < member.count; j++) {
                int64_t a = member.items[j].start > start[k] ? member.items[j].start : start[k];
                int64_t b = member.items[j].end < at[k] + 1 ? member.items[j].end : at[k] + 1;
                if (a < b && !intervals_cover(&deact, a, b)) {
                    r[k].registered++;
                    break;
                }
            }
            if (!intervals_contain(&member, at[k])) continue;
            if (intervals_contain(&deact, at[k])) r[k].deactivated++;
            else r[k].active++;
        }
    }
    free(member.items);
    free(deact.items);
    invite_groups g;
    org_invites(p, org, &g);
    for (k = 0; k < months; k++) r[k].pending = pending_at(&g, at[k], INDEX_NONE);
    free(g.items);
    free(start);
    free(at);
    *out = r, *n = months;
    return USAGE_OK;
}

void engine_usage_team_utilization(const project_index *p, uint32_t team, int64_t now_ms, usage_team_counts *out) {
    memset(out, 0, sizeof *out);
    uint32_t org = p->teams[team].org;
    if (org == INDEX_NONE) return;
    usage_member_filter f = {.in_team = -1, .active = -1, .team = team, .role = NULL};
    uint32_t *ms;
    size_t n = engine_usage_org_members(p, org, &f, &ms);
    for (size_t i = 0; i < n; i++) {
        if (p->users[p->memberships[ms[i]].user].deactivated) out->deactivated++;
        else out->registered++;
    }
    free(ms);
    invite_groups g;
    org_invites(p, org, &g);
    out->invited = pending_at(&g, now_ms, team);
    free(g.items);
}

/* ---- candidates ---- */

static void candidates_add(bitmap_series *s, uint32_t slot, uint32_t user) {
    s->items = xgrow_indexed(s->items, &s->count, (int32_t)slot, sizeof *s->items);
    if (!s->items[slot]) s->items[slot] = roaring_bitmap_create();
    roaring_bitmap_add(s->items[slot], user);
}

static void candidates_clear(bitmap_series *s) {
    for (int32_t i = 0; i < s->count; i++)
        if (s->items[i]) roaring_bitmap_free(s->items[i]);
    free(s->items);
    s->items = NULL, s->count = 0;
}

void engine_usage_derive_candidates(project_index *p) {
    candidates_clear(&p->org_usage_users);
    candidates_clear(&p->team_users);
    for (uint32_t u = 0; u < p->nusers; u++) {
        const user_rec *r = &p->users[u];
        for (uint32_t i = 0; i < r->nusage; i++) {
            const usage_attr *x = &p->usage_attrs.items[r->usage[i].attr];
            if (x->org != INDEX_NONE) candidates_add(&p->org_usage_users, x->org, u);
            if (x->team != INDEX_NONE) candidates_add(&p->team_users, x->team, u);
        }
        for (uint32_t i = 0; i < r->teams.count; i++)
            if (r->teams.items[i].kind == TEAM_JOINED) candidates_add(&p->team_users, r->teams.items[i].arg, u);
    }
}

/* ---- groups ---- */

/* Has the user an activity or usage event in [from, to)? */
static int user_active_in(const project_index *p, uint32_t user, int64_t from, int64_t to) {
    const user_rec *u = &p->users[user];
    uint32_t a = acts_lower_bound(u, from), e = usage_lower_bound(u, from);
    return (a < u->nacts && u->acts[a] < to) || (e < u->nusage && u->usage[e].ts_ms < to);
}

/* Append x to a growable list unless the bitmap `seen` has it. */
static void push_unique(uint32_t **items, size_t *n, size_t *cap, roaring_bitmap_t *seen, uint32_t x) {
    if (!roaring_bitmap_add_checked(seen, x)) return;
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *items = xrealloc(*items, *cap * sizeof **items);
    }
    (*items)[(*n)++] = x;
}

size_t engine_usage_groups(const project_index *p, const usage_query *q, usage_group g, uint32_t **out) {
    uint32_t *items = NULL;
    size_t n = 0, cap = 0;
    roaring_bitmap_t *seen = roaring_bitmap_create();
    switch (g) {
    case USAGE_GROUP_ORG:
        if (q->org != INDEX_NONE) {
            push_unique(&items, &n, &cap, seen, q->org);
        } else if (q->team != INDEX_NONE) {
            if (p->teams[q->team].org != INDEX_NONE) push_unique(&items, &n, &cap, seen, p->teams[q->team].org);
        } else if (q->user != INDEX_NONE) {
            const user_rec *u = &p->users[q->user];
            for (uint32_t i = 0; i < u->nmemberships; i++)
                push_unique(&items, &n, &cap, seen, p->memberships[u->memberships[i]].org);
            for (uint32_t i = 0; i < u->nusage; i++) {
                uint32_t org = p->usage_attrs.items[u->usage[i].attr].org;
                if (org != INDEX_NONE) push_unique(&items, &n, &cap, seen, org);
            }
        } else {
            for (uint32_t i = 0; i < p->norgs; i++) push_unique(&items, &n, &cap, seen, i);
        }
        break;
    case USAGE_GROUP_TEAM:
        if (q->team != INDEX_NONE) {
            push_unique(&items, &n, &cap, seen, q->team);
        } else if (q->user != INDEX_NONE) {
            const user_rec *u = &p->users[q->user];
            for (uint32_t i = 0; i < u->teams.count; i++) push_unique(&items, &n, &cap, seen, u->teams.items[i].arg);
            for (uint32_t i = 0; i < u->nusage; i++) {
                uint32_t team = p->usage_attrs.items[u->usage[i].attr].team;
                if (team != INDEX_NONE) push_unique(&items, &n, &cap, seen, team);
            }
        } else {
            for (uint32_t i = 0; i < p->nteams; i++) push_unique(&items, &n, &cap, seen, i);
        }
        break;
    case USAGE_GROUP_USER:
        if (q->user != INDEX_NONE) {
            push_unique(&items, &n, &cap, seen, q->user);
        } else {
            scope s = {q->org, q->team, INDEX_NONE, INDEX_NONE};
            roaring_bitmap_t *cand = scope_candidates(p, &s);
            if (cand) {
                uint64_t k = roaring_bitmap_get_cardinality(cand);
                items = xmalloc((k + 1) * sizeof *items);
                roaring_bitmap_to_uint32_array(cand, items);
                n = cap = k;
                roaring_bitmap_free(cand);
            } else {
                items = xmalloc((p->nusers + 1) * sizeof *items);
                for (uint32_t i = 0; i < p->nusers; i++) items[n++] = i;
                cap = n;
            }
        }
        break;
    default: break;
    }
    roaring_bitmap_free(seen);
    /* keep the entities that exist and, for users, were active in the window */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t x = items[i];
        int keep = g == USAGE_GROUP_ORG    ? !p->orgs[x].deleted
                   : g == USAGE_GROUP_TEAM ? !p->teams[x].deleted &&
                                                 (q->org == INDEX_NONE || p->teams[x].org == q->org)
                                           : !p->users[x].deleted && user_active_in(p, x, q->from_ms, q->to_ms);
        if (keep) items[kept++] = x;
    }
    if (!items) items = xmalloc(sizeof *items);
    engine_usage_sort_by_id(p, g == USAGE_GROUP_ORG ? STORE_KIND_ORG : g == USAGE_GROUP_TEAM ? STORE_KIND_TEAM
                                                                                           : STORE_KIND_USER,
                            items, kept);
    *out = items;
    return kept;
}
