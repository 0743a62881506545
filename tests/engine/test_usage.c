/* tests/engine/test_usage.c -- unit tests for engine/usage.h over indexes built from hand-made events: bucket layout
** (a week across a month end, months, `all`, an empty window), which org and team usage counts for (named, through
** membership and team at the event's time, a team move), window edges inside a day clipping at the exact event times,
** a move in the middle of a day whichever order it arrives in, deleted users, the per-day rollup cache giving the
** answers of a fresh computation and following late events, the candidate sets derived again from the users, monthly
** utilization with an invitation pending across a month end, and ordering by id. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine/event.h"
#include "engine/index.h"
#include "engine/usage.h"
#include "support.h"
#include "util/time.h"

#define PROJECT 1
#define DAY TIME_MS_PER_DAY
#define HOUR 3600000LL

/* Milliseconds of a UTC date and hour. */
static int64_t at(int y, int m, int d, int h) { return (int64_t)time_days_from_civil(y, m, d) * DAY + h * HOUR; }

/* Apply an event written as JSON (without its timestamp) at ts, unnumbered (the index interns by id). */
static void apply(engine *e, const char *json, int64_t ts) {
    test_event t;
    test_event_from_json(&t, json, PROJECT, ts);
    assert_int_equal(engine_apply(e, &t.ev), 0);
    test_event_free(&t);
}

static engine *new_engine(void) {
    engine *e = NULL;
    assert_int_equal(engine_create(&e), 0);
    return e;
}

static uint32_t org_index(const project_index *p, const char *id) {
    uint32_t x;
    assert_int_equal(engine_org_find(p, id, &x), 0);
    return x;
}

static uint32_t team_index(const project_index *p, const char *id) {
    uint32_t x;
    assert_int_equal(engine_usage_team_find(p, id, &x), 0);
    return x;
}

static double sum_of(const project_index *p, const usage_bucket *b, const char *feature, const char *metric) {
    for (uint32_t i = 0; i < b->nsums; i++)
        if (strcmp(p->features.items[b->sums[i].feature], feature) == 0 &&
            strcmp(p->metrics.items[b->sums[i].metric], metric) == 0)
            return b->sums[i].value;
    return 0;
}

static usage_series *series(project_index *p, int64_t from, int64_t to, usage_granularity g, uint32_t org,
                            uint32_t team, uint32_t user) {
    usage_query q = {from, to, g, org, team, user, USAGE_ANY, USAGE_ANY};
    usage_series *s = NULL;
    assert_int_equal(engine_usage_series(p, &q, &s), USAGE_OK);
    assert_non_null(s);
    return s;
}

/* ---- buckets ---- */

static void bucket_count_follows_calendar_periods_overlapping_the_window(void **state) {
    (void)state;
    /* Wed 2026-01-28 .. Mon 2026-02-09 (exclusive): the ISO weeks of Jan 26 and Feb 2 */
    assert_int_equal(engine_usage_bucket_count(at(2026, 1, 28, 0), at(2026, 2, 9, 0), USAGE_WEEK), 2);
    assert_int_equal(engine_usage_bucket_count(at(2026, 1, 28, 0), at(2026, 2, 9, 0) + 1, USAGE_WEEK), 3);
    assert_int_equal(engine_usage_bucket_count(at(2026, 1, 28, 0), at(2026, 2, 9, 0), USAGE_DAY), 12);
    assert_int_equal(engine_usage_bucket_count(at(2025, 11, 21, 0), at(2026, 11, 21, 0), USAGE_MONTH), 13);
    assert_int_equal(engine_usage_bucket_count(at(2025, 11, 21, 0), at(2026, 11, 21, 0), USAGE_ALL), 1);
    assert_int_equal(engine_usage_bucket_count(at(2026, 1, 1, 12), at(2026, 1, 2, 6), USAGE_DAY), 2);
    assert_int_equal(engine_usage_bucket_count(at(2026, 1, 2, 0), at(2026, 1, 2, 0), USAGE_DAY), 0);
}

static void buckets_are_clipped_to_the_window(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"org.created\",\"org_id\":\"o\",\"name\":\"O\"}", at(2026, 1, 1, 0));
    project_index *p = engine_project(e, PROJECT, 0);
    usage_series *s = series(p, at(2026, 1, 28, 6), at(2026, 2, 3, 0), USAGE_WEEK, org_index(p, "o"), INDEX_NONE,
                             INDEX_NONE);
    assert_int_equal(s->count, 2);
    assert_true(s->buckets[0].from_ms == at(2026, 1, 28, 6) && s->buckets[0].to_ms == at(2026, 2, 2, 0));
    assert_true(s->buckets[1].from_ms == at(2026, 2, 2, 0) && s->buckets[1].to_ms == at(2026, 2, 3, 0));
    engine_usage_series_free(s);
    usage_query empty = {at(2026, 1, 2, 0), at(2026, 1, 2, 0), USAGE_DAY, INDEX_NONE, INDEX_NONE, INDEX_NONE,
                         USAGE_ANY, USAGE_ANY};
    usage_series *none = (usage_series *)1;
    assert_int_equal(engine_usage_series(p, &empty, &none), USAGE_EINVAL);
    assert_null(none);
    engine_free(e);
}

/* ---- attribution ---- */

/* u1 and u2 members of o1 from Jan 1; u1 in team t1, moving to t2 on Jan 10 at 12:00; u3 never a member. */
static engine *team_world(void) {
    engine *e = new_engine();
    int64_t t0 = at(2026, 1, 1, 0);
    apply(e, "{\"type\":\"org.created\",\"org_id\":\"o1\",\"name\":\"O1\"}", t0);
    apply(e, "{\"type\":\"team.created\",\"team_id\":\"t1\",\"org_id\":\"o1\",\"name\":\"T1\"}", t0);
    apply(e, "{\"type\":\"team.created\",\"team_id\":\"t2\",\"org_id\":\"o1\",\"name\":\"T2\"}", t0);
    apply(e, "{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u1\"}", t0);
    apply(e, "{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u2\"}", t0);
    apply(e, "{\"type\":\"team.member_added\",\"team_id\":\"t1\",\"user_id\":\"u1\"}", t0);
    apply(e, "{\"type\":\"team.member_added\",\"team_id\":\"t2\",\"user_id\":\"u1\"}", at(2026, 1, 10, 12));
    const char *cc = "{\"type\":\"usage\",\"user_id\":\"%s\",%s\"feature\":\"codeCompletions\","
                     "\"metrics\":{\"completions\":%d}}";
    char ev[256];
    snprintf(ev, sizeof ev, cc, "u1", "", 1);
    apply(e, ev, at(2026, 1, 9, 10));
    snprintf(ev, sizeof ev, cc, "u1", "", 2); /* Jan 10 09:00, before the move: t1 */
    apply(e, ev, at(2026, 1, 10, 9));
    snprintf(ev, sizeof ev, cc, "u1", "", 4);
    apply(e, ev, at(2026, 1, 11, 10));
    snprintf(ev, sizeof ev, cc, "u3", "\"org_id\":\"o1\",", 8); /* a non-member naming o1 */
    apply(e, ev, at(2026, 1, 11, 10));
    snprintf(ev, sizeof ev, cc, "u3", "", 16); /* nothing named, not a member: not o1's */
    apply(e, ev, at(2026, 1, 12, 10));
    apply(e, "{\"type\":\"activity\",\"user_id\":\"u2\"}", at(2026, 1, 12, 10));
    return e;
}

static void usage_counts_for_named_orgs_and_through_membership(void **state) {
    (void)state;
    engine *e = team_world();
    project_index *p = engine_project(e, PROJECT, 0);
    usage_series *s = series(p, at(2026, 1, 9, 0), at(2026, 1, 13, 0), USAGE_DAY, org_index(p, "o1"), INDEX_NONE,
                             INDEX_NONE);
    assert_int_equal(s->count, 4);
    double want[] = {1, 2, 4 + 8, 0};
    uint64_t active[] = {1, 1, 2, 1}; /* Jan 12: u2's activity as a member; u3's usage named no org */
    for (size_t i = 0; i < 4; i++) {
        assert_true(sum_of(p, &s->buckets[i], "codeCompletions", "completions") == want[i]);
        assert_int_equal(s->buckets[i].active_users, active[i]);
    }
    assert_int_equal(s->buckets[2].nfeatures, 1);
    assert_int_equal(s->buckets[2].features[0].users, 2);
    engine_usage_series_free(s);
    engine_free(e);
}

static void a_team_move_sends_each_days_usage_to_the_team_of_that_day(void **state) {
    (void)state;
    engine *e = team_world();
    project_index *p = engine_project(e, PROJECT, 0);
    uint32_t t1 = team_index(p, "t1"), t2 = team_index(p, "t2");
    usage_series *a = series(p, at(2026, 1, 9, 0), at(2026, 1, 12, 0), USAGE_DAY, INDEX_NONE, t1, INDEX_NONE);
    usage_series *b = series(p, at(2026, 1, 9, 0), at(2026, 1, 12, 0), USAGE_DAY, INDEX_NONE, t2, INDEX_NONE);
    double want_a[] = {1, 2, 0}, want_b[] = {0, 0, 4};
    for (size_t i = 0; i < 3; i++) {
        assert_true(sum_of(p, &a->buckets[i], "codeCompletions", "completions") == want_a[i]);
        assert_true(sum_of(p, &b->buckets[i], "codeCompletions", "completions") == want_b[i]);
    }
    engine_usage_series_free(a);
    engine_usage_series_free(b);
    engine_free(e);
}

static void a_deleted_user_counts_nowhere(void **state) {
    (void)state;
    engine *e = team_world();
    apply(e, "{\"type\":\"user.deleted\",\"user_id\":\"u1\"}", at(2026, 2, 1, 0));
    project_index *p = engine_project(e, PROJECT, 0);
    usage_series *s = series(p, at(2026, 1, 9, 0), at(2026, 1, 13, 0), USAGE_ALL, org_index(p, "o1"), INDEX_NONE,
                             INDEX_NONE);
    assert_true(sum_of(p, &s->buckets[0], "codeCompletions", "completions") == 8);
    assert_int_equal(s->buckets[0].active_users, 2); /* u3 and u2 */
    engine_usage_series_free(s);
    engine_free(e);
}

/* ---- exact times ---- */

#define MIN (60 * 1000LL)

static void usage_event(engine *e, const char *user, const char *named, int completions, int64_t ts) {
    char ev[256];
    snprintf(ev, sizeof ev,
             "{\"type\":\"usage\",\"user_id\":\"%s\",%s\"feature\":\"codeCompletions\","
             "\"metrics\":{\"completions\":%d}}",
             user, named, completions);
    apply(e, ev, ts);
}

/* The completions and active users of the one bucket of [from, to) for a scope, computed (cache 0) or through the
 * day rollup cache (cache 1). */
static void one_bucket(project_index *p, int64_t from, int64_t to, uint32_t org, uint32_t team, int cache,
                       double *completions, uint64_t *active) {
    if (cache) setenv("ORGPULSE_USAGE_CACHE_MIN_USERS", "0", 1);
    usage_series *s = series(p, from, to, USAGE_ALL, org, team, INDEX_NONE);
    unsetenv("ORGPULSE_USAGE_CACHE_MIN_USERS");
    assert_int_equal(s->count, 1);
    *completions = sum_of(p, &s->buckets[0], "codeCompletions", "completions");
    *active = s->buckets[0].active_users;
    engine_usage_series_free(s);
}

static void window_edges_inside_a_day_clip_at_the_event_times(void **state) {
    (void)state;
    engine *e = new_engine();
    int64_t t0 = at(2026, 1, 1, 0);
    apply(e, "{\"type\":\"org.created\",\"org_id\":\"o1\",\"name\":\"O1\"}", t0);
    apply(e, "{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u1\"}", t0);
    apply(e, "{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u2\"}", t0);
    usage_event(e, "u1", "", 1, at(2026, 1, 5, 10));
    usage_event(e, "u1", "", 2, at(2026, 1, 5, 14));
    apply(e, "{\"type\":\"activity\",\"user_id\":\"u2\"}", at(2026, 1, 5, 11));
    usage_event(e, "u2", "\"org_id\":\"o1\",", 4, at(2026, 1, 6, 9) + 250);
    project_index *p = engine_project(e, PROJECT, 0);
    uint32_t o1 = org_index(p, "o1");
    for (int cache = 0; cache < 2; cache++) {
        double c;
        uint64_t a;
        one_bucket(p, at(2026, 1, 5, 12), at(2026, 1, 6, 0), o1, INDEX_NONE, cache, &c, &a);
        assert_true(c == 2 && a == 1); /* 14:00 only */
        one_bucket(p, at(2026, 1, 5, 0), at(2026, 1, 5, 14), o1, INDEX_NONE, cache, &c, &a);
        assert_true(c == 1 && a == 2); /* `to` exclusive at the 14:00 event; u2's activity at 11:00 */
        one_bucket(p, at(2026, 1, 5, 0), at(2026, 1, 5, 14) + 1, o1, INDEX_NONE, cache, &c, &a);
        assert_true(c == 3 && a == 2);
        one_bucket(p, at(2026, 1, 5, 10) + 1, at(2026, 1, 5, 11), o1, INDEX_NONE, cache, &c, &a);
        assert_true(c == 0 && a == 0); /* inside one day, between the events */
        one_bucket(p, at(2026, 1, 5, 12), at(2026, 1, 6, 9) + 250, o1, INDEX_NONE, cache, &c, &a);
        assert_true(c == 2 && a == 1); /* both edges cut a day; u2's event is at `to` */
        one_bucket(p, at(2026, 1, 5, 12), at(2026, 1, 6, 9) + 251, o1, INDEX_NONE, cache, &c, &a);
        assert_true(c == 6 && a == 2);
        /* daily buckets of a window cutting two days: the cut parts, then the whole day between */
        if (cache) setenv("ORGPULSE_USAGE_CACHE_MIN_USERS", "0", 1);
        usage_series *s = series(p, at(2026, 1, 5, 12), at(2026, 1, 7, 0) + 30 * MIN, USAGE_DAY, o1, INDEX_NONE,
                                 INDEX_NONE);
        unsetenv("ORGPULSE_USAGE_CACHE_MIN_USERS");
        assert_int_equal(s->count, 3);
        double want[] = {2, 4, 0};
        for (size_t i = 0; i < 3; i++)
            assert_true(sum_of(p, &s->buckets[i], "codeCompletions", "completions") == want[i]);
        assert_true(s->buckets[2].from_ms == at(2026, 1, 7, 0) && s->buckets[2].to_ms == at(2026, 1, 7, 0) + 30 * MIN);
        engine_usage_series_free(s);
    }
    engine_free(e);
}

#define MOVE "{\"type\":\"team.member_added\",\"team_id\":\"t2\",\"user_id\":\"u1\"}"

/* o1 with teams t1, t2; u1 in t1 from Jan 1, usage without a team at 09:00 and 15:00 on Jan 20; with move_first,
 * u1's move to t2 at 12:00 that day is applied before the usage. */
static engine *move_world(int move_first) {
    engine *e = new_engine();
    int64_t t0 = at(2026, 1, 1, 0);
    apply(e, "{\"type\":\"org.created\",\"org_id\":\"o1\",\"name\":\"O1\"}", t0);
    apply(e, "{\"type\":\"team.created\",\"team_id\":\"t1\",\"org_id\":\"o1\",\"name\":\"T1\"}", t0);
    apply(e, "{\"type\":\"team.created\",\"team_id\":\"t2\",\"org_id\":\"o1\",\"name\":\"T2\"}", t0);
    apply(e, "{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u1\"}", t0);
    apply(e, "{\"type\":\"team.member_added\",\"team_id\":\"t1\",\"user_id\":\"u1\"}", t0);
    if (move_first) apply(e, MOVE, at(2026, 1, 20, 12));
    usage_event(e, "u1", "\"org_id\":\"o1\",", 2, at(2026, 1, 20, 9));
    usage_event(e, "u1", "\"org_id\":\"o1\",", 3, at(2026, 1, 20, 15));
    return e;
}

static void a_mid_day_team_move_splits_the_day_whichever_order_it_arrives_in(void **state) {
    (void)state;
    int64_t day = at(2026, 1, 20, 0), next = at(2026, 1, 21, 0), noon = at(2026, 1, 20, 12);
    for (int cache = 0; cache < 2; cache++) {
        engine *first = move_world(1);
        /* the move arriving after the usage was counted (and, with the cache, its day rolled up) */
        engine *later = move_world(0);
        project_index *pl = engine_project(later, PROJECT, 0);
        double c;
        uint64_t a;
        one_bucket(pl, day, next, INDEX_NONE, team_index(pl, "t1"), cache, &c, &a);
        assert_true(c == 5 && a == 1);
        apply(later, MOVE, noon);
        engine *both[] = {first, later};
        for (int k = 0; k < 2; k++) {
            project_index *p = engine_project(both[k], PROJECT, 0);
            uint32_t t1 = team_index(p, "t1"), t2 = team_index(p, "t2");
            one_bucket(p, day, next, INDEX_NONE, t1, cache, &c, &a);
            assert_true(c == 2 && a == 1); /* 09:00, before the move */
            one_bucket(p, day, next, INDEX_NONE, t2, cache, &c, &a);
            assert_true(c == 3 && a == 1); /* 15:00, after it */
            one_bucket(p, day, noon, INDEX_NONE, t2, cache, &c, &a);
            assert_true(c == 0 && a == 0);
            one_bucket(p, noon, next, INDEX_NONE, t2, cache, &c, &a);
            assert_true(c == 3 && a == 1); /* `from` at the move: in force then */
            one_bucket(p, day, next, org_index(p, "o1"), INDEX_NONE, cache, &c, &a);
            assert_true(c == 5 && a == 1);
        }
        engine_free(first);
        engine_free(later);
    }
}

/* ---- the cache ---- */

static int same_series(const project_index *p, const usage_series *a, const usage_series *b) {
    if (a->count != b->count) return 0;
    for (size_t i = 0; i < a->count; i++) {
        const usage_bucket *x = &a->buckets[i], *y = &b->buckets[i];
        if (x->from_ms != y->from_ms || x->to_ms != y->to_ms || x->active_users != y->active_users ||
            x->nsums != y->nsums || x->nfeatures != y->nfeatures)
            return 0;
        for (uint32_t k = 0; k < x->nsums; k++)
            if (x->sums[k].feature != y->sums[k].feature || x->sums[k].metric != y->sums[k].metric ||
                x->sums[k].value != y->sums[k].value)
                return 0;
        for (uint32_t k = 0; k < x->nfeatures; k++)
            if (x->features[k].feature != y->features[k].feature || x->features[k].users != y->features[k].users)
                return 0;
    }
    (void)p;
    return 1;
}

static void cached_days_give_the_fresh_answer_and_follow_late_events(void **state) {
    (void)state;
    engine *e = team_world();
    project_index *p = engine_project(e, PROJECT, 0);
    uint32_t o1 = org_index(p, "o1"), t1 = team_index(p, "t1");
    usage_granularity gs[] = {USAGE_DAY, USAGE_WEEK, USAGE_MONTH, USAGE_ALL};
    for (int round = 0; round < 2; round++) {
        for (size_t g = 0; g < 4; g++) {
            for (int team = 0; team < 2; team++) {
                uint32_t org = team ? INDEX_NONE : o1, tm = team ? t1 : INDEX_NONE;
                unsetenv("ORGPULSE_USAGE_CACHE_MIN_USERS");
                usage_series *fresh = series(p, at(2026, 1, 5, 0), at(2026, 2, 3, 0), gs[g], org, tm, INDEX_NONE);
                setenv("ORGPULSE_USAGE_CACHE_MIN_USERS", "0", 1);
                usage_series *cached = series(p, at(2026, 1, 5, 0), at(2026, 2, 3, 0), gs[g], org, tm, INDEX_NONE);
                usage_series *again = series(p, at(2026, 1, 1, 0), at(2026, 2, 3, 0), gs[g], org, tm, INDEX_NONE);
                unsetenv("ORGPULSE_USAGE_CACHE_MIN_USERS");
                assert_true(same_series(p, fresh, cached));
                assert_true(again->count >= cached->count);
                engine_usage_series_free(fresh);
                engine_usage_series_free(cached);
                engine_usage_series_free(again);
            }
        }
        /* late events: usage on a cached day, a team move back, and a removal */
        apply(e, "{\"type\":\"usage\",\"user_id\":\"u2\",\"feature\":\"chat\",\"metrics\":{\"interactions\":3}}",
              at(2026, 1, 9, 15));
        apply(e, "{\"type\":\"team.member_added\",\"team_id\":\"t1\",\"user_id\":\"u1\"}", at(2026, 1, 11, 0));
        apply(e, "{\"type\":\"member.removed\",\"org_id\":\"o1\",\"user_id\":\"u2\"}", at(2026, 1, 12, 0));
    }
    engine_free(e);
}

/* ---- candidates ---- */

static int same_bitmap_series(const bitmap_series *a, const bitmap_series *b) {
    int32_t n = a->count > b->count ? a->count : b->count;
    for (int32_t i = 0; i < n; i++) {
        const roaring_bitmap_t *x = i < a->count ? a->items[i] : NULL, *y = i < b->count ? b->items[i] : NULL;
        uint64_t cx = x ? roaring_bitmap_get_cardinality(x) : 0, cy = y ? roaring_bitmap_get_cardinality(y) : 0;
        if (cx != cy || (cx && !roaring_bitmap_equals(x, y))) return 0;
    }
    return 1;
}

static void derived_candidates_equal_the_ones_kept_event_by_event(void **state) {
    (void)state;
    engine *e = team_world();
    apply(e, "{\"type\":\"usage\",\"user_id\":\"u4\",\"team_id\":\"t9\",\"metrics\":{\"n\":1}}", at(2026, 1, 9, 1));
    project_index *p = engine_project(e, PROJECT, 0);
    bitmap_series orgs = p->org_usage_users, teams = p->team_users;
    p->org_usage_users = (bitmap_series){0}, p->team_users = (bitmap_series){0};
    engine_usage_derive_candidates(p);
    assert_true(same_bitmap_series(&orgs, &p->org_usage_users));
    assert_true(same_bitmap_series(&teams, &p->team_users));
    assert_true(p->team_users.count > 0 && p->org_usage_users.count > 0);
    for (int32_t i = 0; i < orgs.count; i++)
        if (orgs.items[i]) roaring_bitmap_free(orgs.items[i]);
    for (int32_t i = 0; i < teams.count; i++)
        if (teams.items[i]) roaring_bitmap_free(teams.items[i]);
    free(orgs.items), free(teams.items);
    engine_free(e);
}

/* ---- utilization ---- */

static void an_invitation_pending_across_a_month_end_counts_in_that_month_only(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"org.created\",\"org_id\":\"o\",\"name\":\"O\"}", at(2025, 12, 1, 0));
    apply(e, "{\"type\":\"member.added\",\"org_id\":\"o\",\"user_id\":\"u\"}", at(2025, 12, 1, 0));
    apply(e, "{\"type\":\"invite.sent\",\"org_id\":\"o\",\"email\":\"A@x.com\"}", at(2026, 1, 20, 10));
    apply(e, "{\"type\":\"invite.accepted\",\"org_id\":\"o\",\"email\":\"a@X.com\"}", at(2026, 2, 10, 10));
    apply(e, "{\"type\":\"user.deactivated\",\"user_id\":\"u\"}", at(2026, 2, 20, 0));
    project_index *p = engine_project(e, PROJECT, 0);
    usage_month *m;
    size_t n;
    assert_int_equal(engine_usage_org_utilization(p, org_index(p, "o"), time_days_from_civil(2025, 12, 1),
                                                  at(2026, 3, 15, 12), &m, &n),
                     USAGE_OK);
    assert_int_equal(n, 4);
    assert_true(m[0].year == 2025 && m[0].month == 12 && m[1].year == 2026 && m[1].month == 1);
    uint32_t pending[] = {0, 1, 0, 0}, registered[] = {1, 1, 1, 0}, active[] = {1, 1, 0, 0}, deact[] = {0, 0, 1, 1};
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(m[i].pending, pending[i]);
        assert_int_equal(m[i].registered, registered[i]);
        assert_int_equal(m[i].active, active[i]);
        assert_int_equal(m[i].deactivated, deact[i]);
    }
    free(m);
    assert_int_equal(engine_usage_org_utilization(p, org_index(p, "o"), time_days_from_civil(2026, 4, 1),
                                                  at(2026, 3, 15, 12), &m, &n),
                     USAGE_OK);
    assert_int_equal(n, 0);
    assert_null(m);
    engine_free(e);
}

/* ---- ordering ---- */

static void entities_sort_by_their_id_strings(void **state) {
    (void)state;
    engine *e = new_engine();
    const char *ids[] = {"b", "abcdefgh2", "abcdefgh10", "a", "abcdefgh", "c"};
    for (size_t i = 0; i < 6; i++) {
        char ev[128];
        snprintf(ev, sizeof ev, "{\"type\":\"user.created\",\"user_id\":\"%s\"}", ids[i]);
        apply(e, ev, at(2026, 1, 1, 0));
    }
    project_index *p = engine_project(e, PROJECT, 0);
    uint32_t items[6] = {0, 1, 2, 3, 4, 5};
    engine_usage_sort_by_id(p, STORE_KIND_USER, items, 6);
    const char *want[] = {"a", "abcdefgh", "abcdefgh10", "abcdefgh2", "b", "c"};
    for (size_t i = 0; i < 6; i++) assert_string_equal(p->users[items[i]].id, want[i]);
    engine_free(e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bucket_count_follows_calendar_periods_overlapping_the_window),
        cmocka_unit_test(buckets_are_clipped_to_the_window),
        cmocka_unit_test(usage_counts_for_named_orgs_and_through_membership),
        cmocka_unit_test(a_team_move_sends_each_days_usage_to_the_team_of_that_day),
        cmocka_unit_test(a_deleted_user_counts_nowhere),
        cmocka_unit_test(window_edges_inside_a_day_clip_at_the_event_times),
        cmocka_unit_test(a_mid_day_team_move_splits_the_day_whichever_order_it_arrives_in),
        cmocka_unit_test(cached_days_give_the_fresh_answer_and_follow_late_events),
        cmocka_unit_test(derived_candidates_equal_the_ones_kept_event_by_event),
        cmocka_unit_test(an_invitation_pending_across_a_month_end_counts_in_that_month_only),
        cmocka_unit_test(entities_sort_by_their_id_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
