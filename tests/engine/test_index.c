/* tests/engine/test_index.c -- unit tests for engine/index.h: applying hand-built store_event records (the columns,
** the store's entity numbers, and as body the event's other members as a JSON object text, as the store keeps them)
** and reading the index back through its public structs.
** Covers last-writer-wins user and org fields, order independence (the same events in order, reversed and shuffled
** give the same users, orgs, teams, memberships, statuses, activity and counts), membership add/remove/re-add and
** role changes, team moves, distinct daily active users, first/last activity, entities first named by other events,
** deactivation and deletion in engine_count, usage counters, and the epoch-timestamp corner of the "0 = unset"
** sentinels. */
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
#include "engine/snapshot.h"
#include "store/store.h"
#include "support.h"
#include "util/log.h"
#include "util/time.h"

#define PROJECT 1
#define HOUR_MS 3600000LL
#define MIN_MS 60000LL
/* 2026-01-05T00:00:00Z, a Monday */
#define BASE_MS 1767571200000LL
#define T(h) (BASE_MS + (int64_t)(h) * HOUR_MS)
#define BASE_DAY ((int32_t)(BASE_MS / TIME_MS_PER_DAY))

/* ---- helpers ---- */

/* The store numbers the users, orgs and teams named in event columns, per kind, in order of first appearance
 * (store.h), and the index resolves entities by those numbers. The helper below numbers them the same way for
 * each engine, or leaves every *_num at -1 (unnumbered: the index interns by id) when `numbered` is 0. */
typedef struct numbered_id {
    const engine *e;
    int kind;
    char id[160];
} numbered_id;

static numbered_id registry[4096];
static size_t nregistry;
static int numbered = 1;

static int64_t store_number(const engine *e, int kind, const char *id) {
    if (!id) return -1;
    if (!numbered) return -1;
    int64_t next = 0;
    for (size_t i = 0; i < nregistry; i++) {
        if (registry[i].e != e || registry[i].kind != kind) continue;
        if (strcmp(registry[i].id, id) == 0) return next;
        next++;
    }
    assert_true(nregistry < sizeof registry / sizeof *registry);
    assert_true(strlen(id) < sizeof registry[0].id);
    registry[nregistry].e = e;
    registry[nregistry].kind = kind;
    strcpy(registry[nregistry].id, id);
    nregistry++;
    return next;
}

/* Forget the numbers of an engine (a new engine may reuse a freed one's address). */
static void forget_numbers(const engine *e) {
    size_t kept = 0;
    for (size_t i = 0; i < nregistry; i++)
        if (registry[i].e != e) registry[kept++] = registry[i];
    nregistry = kept;
}

/* Give engine `to` the numbers `from` has (as one store numbers entities for every engine that reads it). */
static void share_numbers(const engine *from, const engine *to) {
    forget_numbers(to);
    for (size_t i = 0, n = nregistry; i < n; i++)
        if (registry[i].e == from) {
            assert_true(nregistry < sizeof registry / sizeof *registry);
            registry[nregistry] = registry[i];
            registry[nregistry++].e = to;
        }
}

/* Apply the event `json` (written without a timestamp) at ts_ms, the way the store hands events to the index: a
 * store_event filled by hand with the columns (type, time, id, user_id, org_id, team_id), their store numbers and,
 * as body, every other member as a JSON object text (NULL when there is none). Returns engine_apply's result. */
static int apply_to(engine *e, int64_t project, const char *json, int64_t ts_ms) {
    test_event t;
    test_event_from_json(&t, json, project, ts_ms);
    t.ev.user_num = store_number(e, STORE_KIND_USER, t.ev.user_id);
    t.ev.org_num = store_number(e, STORE_KIND_ORG, t.ev.org_id);
    t.ev.team_num = store_number(e, STORE_KIND_TEAM, t.ev.team_id);
    int rc = engine_apply(e, &t.ev);
    test_event_free(&t);
    return rc;
}

static void apply(engine *e, const char *json, int64_t ts_ms) { assert_int_equal(apply_to(e, PROJECT, json, ts_ms), 0); }

static engine *new_engine(void) {
    engine *e = NULL;
    assert_int_equal(engine_create(&e), 0);
    assert_non_null(e);
    forget_numbers(e);
    return e;
}

static project_index *project(engine *e) {
    project_index *p = engine_project(e, PROJECT, 0);
    assert_non_null(p);
    return p;
}

static const user_hot *hot_of(const project_index *p, const char *id) {
    uint32_t idx;
    if (engine_user_find(p, id, &idx) != 0) fail_msg("no user %s", id);
    return &p->hot[idx];
}

static const user_rec *user_of(const project_index *p, const char *id) {
    uint32_t idx;
    if (engine_user_find(p, id, &idx) != 0) fail_msg("no user %s", id);
    assert_true(idx < p->nusers);
    return &p->users[idx];
}

static const org_rec *org_of(const project_index *p, const char *id) {
    uint32_t idx;
    if (engine_org_find(p, id, &idx) != 0) fail_msg("no org %s", id);
    assert_true(idx < p->norgs);
    return &p->orgs[idx];
}

static const team_rec *team_of(const project_index *p, const char *id) {
    for (uint32_t i = 0; i < p->nteams; i++)
        if (strcmp(p->teams[i].id, id) == 0) return &p->teams[i];
    return NULL;
}

/* The id of the user's current team, or NULL. */
static const char *team_id_of(const project_index *p, const user_rec *u) {
    if (u->team == INDEX_NONE) return NULL;
    assert_true(u->team < p->nteams);
    return p->teams[u->team].id;
}

static const membership_rec *membership_of(const project_index *p, const char *org_id, const char *user_id) {
    const user_rec *u = user_of(p, user_id);
    for (uint32_t i = 0; i < u->nmemberships; i++) {
        const membership_rec *m = &p->memberships[u->memberships[i]];
        if (strcmp(p->orgs[m->org].id, org_id) == 0) return m;
    }
    return NULL;
}

static void assert_optional_string_equal(const char *a, const char *b) {
    if (a == NULL || b == NULL) {
        if (a != b) fail_msg("\"%s\" != \"%s\"", a ? a : "(null)", b ? b : "(null)");
        return;
    }
    assert_string_equal(a, b);
}

/* Sum of the usage counters of one user and metric name (all days, orgs, teams and features). */
static double usage_sum(const project_index *p, const char *user_id, const char *metric) {
    uint32_t user;
    if (engine_user_find(p, user_id, &user) != 0) return 0;
    const user_rec *u = &p->users[user];
    double sum = 0;
    for (uint32_t i = 0; i < u->nusage; i++)
        if (strcmp(p->metrics.items[u->usage[i].metric], metric) == 0) sum += u->usage[i].value;
    return sum;
}

/* The number of usage counters of every user; checks that it is what the project says. */
static uint64_t usage_entries(const project_index *p) {
    uint64_t n = 0;
    for (uint32_t i = 0; i < p->nusers; i++) n += p->users[i].nusage;
    assert_int_equal(n, p->usage_entries);
    return n;
}

/* ---- order independence: one scenario, compared field by field ---- */

typedef struct scenario_event {
    const char *json;
    int64_t ts_ms;
} scenario_event;

static const scenario_event scenario[] = {
    {"{\"type\":\"org.created\",\"org_id\":\"o1\",\"name\":\"Acme\",\"domains\":[\"acme.com\"]}", T(0)},
    {"{\"type\":\"org.updated\",\"org_id\":\"o1\",\"name\":\"Acme Inc\",\"slug\":\"acme\"}", T(5)},
    {"{\"type\":\"org.updated\",\"org_id\":\"o1\",\"slug\":\"acme-old\",\"metadata\":{\"tier\":1}}", T(4)},
    {"{\"type\":\"org.created\",\"org_id\":\"o2\",\"name\":\"Beta\"}", T(1)},
    {"{\"type\":\"org.deleted\",\"org_id\":\"o2\"}", T(9)},
    {"{\"type\":\"user.created\",\"user_id\":\"u1\",\"email\":\"a@acme.com\",\"first_name\":\"John\","
     "\"role\":\"Member\",\"signup_query_parameters\":{\"utm_source\":\"news\"}}",
     T(1)},
    {"{\"type\":\"user.updated\",\"user_id\":\"u1\",\"email\":\"b@acme.com\"}", T(6)},
    {"{\"type\":\"user.updated\",\"user_id\":\"u1\",\"last_name\":\"Doe\",\"role\":\"Admin\",\"verified\":true}", T(3)},
    {"{\"type\":\"user.updated\",\"user_id\":\"u1\",\"first_name\":\"Johnny\"}", T(7)},
    {"{\"type\":\"user.updated\",\"user_id\":\"u1\",\"first_name\":\"Jon\"}", T(7)}, /* same time: tiebreak */
    {"{\"type\":\"user.created\",\"user_id\":\"u2\",\"username\":\"jane\"}", T(2)},
    {"{\"type\":\"user.deactivated\",\"user_id\":\"u2\"}", T(4)},
    {"{\"type\":\"user.reactivated\",\"user_id\":\"u2\"}", T(8)},
    {"{\"type\":\"user.deactivated\",\"user_id\":\"u2\"}", T(10)},
    {"{\"type\":\"user.created\",\"user_id\":\"u3\"}", T(2)},
    {"{\"type\":\"user.deleted\",\"user_id\":\"u3\"}", T(11)},
    {"{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u1\",\"role\":\"Owner\"}", T(2)},
    {"{\"type\":\"member.role_changed\",\"org_id\":\"o1\",\"user_id\":\"u1\",\"role\":\"Admin\"}", T(4)},
    {"{\"type\":\"member.removed\",\"org_id\":\"o1\",\"user_id\":\"u1\"}", T(6)},
    {"{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u1\"}", T(8)},
    {"{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u2\",\"role\":\"Admin\"}", T(3)},
    {"{\"type\":\"member.removed\",\"org_id\":\"o1\",\"user_id\":\"u2\"}", T(3)}, /* same time: tiebreak */
    {"{\"type\":\"member.added\",\"org_id\":\"o2\",\"user_id\":\"u2\"}", T(2)},
    {"{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u3\"}", T(2)},
    {"{\"type\":\"team.created\",\"team_id\":\"t1\",\"org_id\":\"o1\",\"name\":\"Core\",\"is_default\":true}", T(1)},
    {"{\"type\":\"team.created\",\"team_id\":\"t2\",\"org_id\":\"o1\",\"name\":\"Edge\"}", T(1)},
    {"{\"type\":\"team.deleted\",\"team_id\":\"t2\"}", T(12)},
    {"{\"type\":\"team.member_added\",\"team_id\":\"t1\",\"user_id\":\"u1\"}", T(2)},
    {"{\"type\":\"team.member_added\",\"team_id\":\"t2\",\"user_id\":\"u1\"}", T(5)},
    {"{\"type\":\"team.member_removed\",\"team_id\":\"t1\",\"user_id\":\"u1\"}", T(7)},
    {"{\"type\":\"team.member_added\",\"team_id\":\"t1\",\"user_id\":\"u2\"}", T(3)},
    {"{\"type\":\"team.member_removed\",\"team_id\":\"t1\",\"user_id\":\"u2\"}", T(6)},
    {"{\"type\":\"activity\",\"user_id\":\"u1\",\"org_id\":\"o1\"}", T(2)},
    {"{\"type\":\"activity\",\"user_id\":\"u1\"}", T(2) + MIN_MS},
    {"{\"type\":\"activity\",\"user_id\":\"u2\"}", T(30)},
    {"{\"type\":\"activity\",\"user_id\":\"ghost\",\"org_id\":\"o3\"}", T(40)},
    {"{\"type\":\"usage\",\"user_id\":\"u1\",\"org_id\":\"o1\",\"team_id\":\"t1\",\"feature\":\"chat\","
     "\"metrics\":{\"interactions\":2,\"lines\":3}}",
     T(6)},
    {"{\"type\":\"usage\",\"user_id\":\"u1\",\"feature\":\"chat\",\"metrics\":{\"interactions\":5}}", T(6) + 1000},
    {"{\"type\":\"invite.sent\",\"org_id\":\"o1\",\"email\":\"jane@acme.com\",\"inviter_user_id\":\"u1\"}", T(3)},
    {"{\"type\":\"invite.accepted\",\"org_id\":\"o1\",\"email\":\"JANE@acme.com\",\"user_id\":\"u4\"}", T(20)},
};
#define SCENARIO_LEN (sizeof scenario / sizeof *scenario)

static engine *apply_in_order(const size_t *order) {
    engine *e = new_engine();
    for (size_t i = 0; i < SCENARIO_LEN; i++) apply(e, scenario[order[i]].json, scenario[order[i]].ts_ms);
    return e;
}

static void assert_users_equal(const project_index *a, const project_index *b) {
    assert_int_equal(a->nusers, b->nusers);
    for (uint32_t i = 0; i < a->nusers; i++) {
        const user_rec *x = &a->users[i], *y = user_of(b, a->users[i].id);
        assert_optional_string_equal(x->email.value, y->email.value);
        assert_optional_string_equal(x->username.value, y->username.value);
        assert_optional_string_equal(x->first_name.value, y->first_name.value);
        assert_optional_string_equal(x->last_name.value, y->last_name.value);
        assert_optional_string_equal(x->role.value, y->role.value);
        assert_optional_string_equal(x->verified.value, y->verified.value);
        assert_optional_string_equal(x->properties.value, y->properties.value);
        assert_optional_string_equal(x->signup_query_parameters.value, y->signup_query_parameters.value);
        const user_hot *hx = &a->hot[i], *hy = hot_of(b, a->users[i].id);
        assert_int_equal(hx->first_seen_ms, hy->first_seen_ms);
        assert_int_equal(x->created_ms, y->created_ms);
        assert_int_equal(x->updated_ms, y->updated_ms);
        assert_int_equal(hx->first_active_ms, hy->first_active_ms);
        assert_int_equal(hx->last_active_ms, hy->last_active_ms);
        assert_int_equal(x->deleted, y->deleted);
        assert_int_equal(x->deactivated, y->deactivated);
        assert_int_equal(x->deactivated_ms, y->deactivated_ms);
        assert_optional_string_equal(team_id_of(a, x), team_id_of(b, y));
        assert_int_equal(x->nmemberships, y->nmemberships);
        for (uint32_t k = 0; k < x->nmemberships; k++) {
            const membership_rec *mx = &a->memberships[x->memberships[k]];
            const membership_rec *my = membership_of(b, a->orgs[mx->org].id, x->id);
            assert_non_null(my);
            assert_int_equal(mx->active, my->active);
            assert_int_equal(mx->added_ms, my->added_ms);
            assert_string_equal(engine_role_name(a, mx->role), engine_role_name(b, my->role));
        }
    }
}

static void assert_orgs_equal(const project_index *a, const project_index *b) {
    assert_int_equal(a->norgs, b->norgs);
    for (uint32_t i = 0; i < a->norgs; i++) {
        const org_rec *x = &a->orgs[i], *y = org_of(b, a->orgs[i].id);
        assert_optional_string_equal(x->name.value, y->name.value);
        assert_optional_string_equal(x->slug.value, y->slug.value);
        assert_optional_string_equal(x->domains.value, y->domains.value);
        assert_optional_string_equal(x->metadata.value, y->metadata.value);
        assert_optional_string_equal(x->settings.value, y->settings.value);
        assert_int_equal(x->first_seen_ms, y->first_seen_ms);
        assert_int_equal(x->created_ms, y->created_ms);
        assert_int_equal(x->updated_ms, y->updated_ms);
        assert_int_equal(x->deleted, y->deleted);
        assert_int_equal(x->nmemberships, y->nmemberships);
        assert_int_equal(x->nteams, y->nteams);
    }
}

static void assert_teams_equal(const project_index *a, const project_index *b) {
    assert_int_equal(a->nteams, b->nteams);
    for (uint32_t i = 0; i < a->nteams; i++) {
        const team_rec *x = &a->teams[i], *y = team_of(b, a->teams[i].id);
        assert_non_null(y);
        assert_optional_string_equal(x->name.value, y->name.value);
        assert_optional_string_equal(x->is_default.value, y->is_default.value);
        assert_optional_string_equal(x->org == INDEX_NONE ? NULL : a->orgs[x->org].id,
                                     y->org == INDEX_NONE ? NULL : b->orgs[y->org].id);
        assert_int_equal(x->first_seen_ms, y->first_seen_ms);
        assert_int_equal(x->created_ms, y->created_ms);
        assert_int_equal(x->deleted, y->deleted);
    }
}

static void assert_activity_and_counts_equal(const project_index *a, const project_index *b) {
    for (int32_t day = BASE_DAY - 2; day <= BASE_DAY + 5; day++) {
        assert_int_equal(engine_active_users_on_day(a, day), engine_active_users_on_day(b, day));
        assert_int_equal(engine_active_orgs_on_day(a, day), engine_active_orgs_on_day(b, day));
    }
    engine_counts ca, cb;
    engine_count(a, &ca);
    engine_count(b, &cb);
    assert_int_equal(ca.users, cb.users);
    assert_int_equal(ca.users_deactivated, cb.users_deactivated);
    assert_int_equal(ca.orgs, cb.orgs);
    assert_int_equal(ca.memberships, cb.memberships);
    assert_int_equal(ca.teams, cb.teams);
    assert_int_equal(ca.invitations_sent, cb.invitations_sent);
    assert_int_equal(ca.events, cb.events);
    assert_int_equal(usage_entries(a), usage_entries(b));
    assert_true(usage_sum(a, "u1", "interactions") == usage_sum(b, "u1", "interactions"));
    assert_true(usage_sum(a, "u1", "lines") == usage_sum(b, "u1", "lines"));
    assert_int_equal(a->ninvites, b->ninvites);
}

static void assert_same_index(engine *ea, engine *eb) {
    const project_index *a = project(ea), *b = project(eb);
    assert_users_equal(a, b);
    assert_orgs_equal(a, b);
    assert_teams_equal(a, b);
    assert_activity_and_counts_equal(a, b);
}

static void scenario_in_order_gives_the_expected_state(void **state) {
    (void)state;
    size_t order[SCENARIO_LEN];
    for (size_t i = 0; i < SCENARIO_LEN; i++) order[i] = i;
    engine *e = apply_in_order(order);
    const project_index *p = project(e);

    const user_rec *u1 = user_of(p, "u1");
    assert_string_equal(u1->email.value, "b@acme.com");
    assert_string_equal(u1->last_name.value, "Doe");
    assert_string_equal(u1->role.value, "Admin");
    assert_string_equal(u1->verified.value, "true");
    assert_string_equal(u1->signup_query_parameters.value, "{\"utm_source\":\"news\"}");
    assert_true(strcmp(u1->first_name.value, "Johnny") == 0 || strcmp(u1->first_name.value, "Jon") == 0);
    assert_string_equal(team_id_of(p, u1), "t2");
    const membership_rec *m = membership_of(p, "o1", "u1");
    assert_non_null(m);
    assert_true(m->active);
    assert_int_equal(m->added_ms, T(8));

    const user_rec *u2 = user_of(p, "u2");
    assert_true(u2->deactivated);
    assert_int_equal(u2->deactivated_ms, T(10));
    assert_null(team_id_of(p, u2));

    assert_true(user_of(p, "u3")->deleted);
    assert_string_equal(org_of(p, "o1")->name.value, "Acme Inc");
    assert_string_equal(org_of(p, "o1")->slug.value, "acme");
    assert_string_equal(org_of(p, "o1")->metadata.value, "{\"tier\":1}");
    assert_true(org_of(p, "o2")->deleted);
    engine_free(e);
}

static void reversed_order_gives_the_same_index(void **state) {
    (void)state;
    size_t fwd[SCENARIO_LEN], rev[SCENARIO_LEN];
    for (size_t i = 0; i < SCENARIO_LEN; i++) fwd[i] = i, rev[i] = SCENARIO_LEN - 1 - i;
    engine *a = apply_in_order(fwd), *b = apply_in_order(rev);
    assert_same_index(a, b);
    engine_free(a);
    engine_free(b);
}

static void shuffled_orders_give_the_same_index(void **state) {
    (void)state;
    size_t fwd[SCENARIO_LEN];
    for (size_t i = 0; i < SCENARIO_LEN; i++) fwd[i] = i;
    engine *a = apply_in_order(fwd);
    uint64_t seed = 0x2545F4914F6CDD1DULL;
    for (int round = 0; round < 25; round++) {
        size_t order[SCENARIO_LEN];
        for (size_t i = 0; i < SCENARIO_LEN; i++) order[i] = i;
        for (size_t i = SCENARIO_LEN - 1; i > 0; i--) { /* Fisher-Yates with a fixed xorshift stream */
            seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
            size_t j = (size_t)(seed % (i + 1));
            size_t t = order[i];
            order[i] = order[j], order[j] = t;
        }
        engine *b = apply_in_order(order);
        assert_same_index(a, b);
        engine_free(b);
    }
    engine_free(a);
}

static void unnumbered_events_give_the_same_index_as_numbered_ones(void **state) {
    (void)state;
    size_t fwd[SCENARIO_LEN], rev[SCENARIO_LEN];
    for (size_t i = 0; i < SCENARIO_LEN; i++) fwd[i] = i, rev[i] = SCENARIO_LEN - 1 - i;
    engine *a = apply_in_order(fwd);
    numbered = 0; /* as POST /v1/events applies them: ids only */
    engine *b = apply_in_order(rev);
    numbered = 1;
    assert_same_index(a, b);
    engine_free(a);
    engine_free(b);
}

static void numbered_and_unnumbered_events_name_the_same_user(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"user.created\",\"user_id\":\"u1\",\"email\":\"a@x.com\"}", T(3)); /* numbered (rebuild) */
    numbered = 0;
    apply(e, "{\"type\":\"activity\",\"user_id\":\"u1\"}", T(1)); /* unnumbered (live ingest) */
    apply(e, "{\"type\":\"activity\",\"user_id\":\"u2\"}", T(2));
    numbered = 1;
    apply(e, "{\"type\":\"activity\",\"user_id\":\"u2\"}", T(4));
    const project_index *p = project(e);
    assert_int_equal(p->nusers, 2);
    assert_int_equal(hot_of(p, "u1")->first_seen_ms, T(1));
    assert_int_equal(hot_of(p, "u1")->first_active_ms, T(1));
    assert_int_equal(hot_of(p, "u2")->last_active_ms, T(4));
    engine_free(e);
}

/* ---- user fields ---- */

static void user_created_then_updated_keeps_the_newest_fields(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"user.created\",\"user_id\":\"u1\",\"email\":\"old@x.com\",\"first_name\":\"Ann\"}", T(1));
    apply(e, "{\"type\":\"user.updated\",\"user_id\":\"u1\",\"email\":\"new@x.com\"}", T(2));
    const user_rec *u = user_of(project(e), "u1");
    assert_string_equal(u->email.value, "new@x.com");
    assert_string_equal(u->first_name.value, "Ann"); /* not named by the update: kept */
    assert_int_equal(u->created_ms, T(1));
    assert_int_equal(u->updated_ms, T(2));
    engine_free(e);
}

static void user_update_older_than_the_stored_field_is_ignored(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"user.created\",\"user_id\":\"u1\",\"email\":\"new@x.com\"}", T(5));
    apply(e, "{\"type\":\"user.updated\",\"user_id\":\"u1\",\"email\":\"old@x.com\",\"last_name\":\"Lee\"}", T(1));
    const user_rec *u = user_of(project(e), "u1");
    assert_string_equal(u->email.value, "new@x.com");
    assert_string_equal(u->last_name.value, "Lee"); /* nothing newer set it */
    assert_int_equal(u->updated_ms, T(5));
    engine_free(e);
}

static void user_object_fields_are_replaced_whole(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"user.created\",\"user_id\":\"u1\",\"properties\":{\"a\":1,\"b\":2}}", T(1));
    apply(e, "{\"type\":\"user.updated\",\"user_id\":\"u1\",\"properties\":{\"c\":3}}", T(2));
    assert_string_equal(user_of(project(e), "u1")->properties.value, "{\"c\":3}");
    engine_free(e);
}

static void user_created_keeps_the_earliest_creation_time(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"user.created\",\"user_id\":\"u1\"}", T(5));
    apply(e, "{\"type\":\"user.created\",\"user_id\":\"u1\",\"email\":\"a@x.com\"}", T(2));
    const user_rec *u = user_of(project(e), "u1");
    assert_int_equal(u->created_ms, T(2));
    assert_int_equal(u->updated_ms, T(5));
    engine_free(e);
}

static void org_updated_keeps_the_newest_fields(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"org.created\",\"org_id\":\"o1\",\"name\":\"Acme\",\"settings\":{\"plan_type\":\"free\"}}",
          T(1));
    apply(e, "{\"type\":\"org.updated\",\"org_id\":\"o1\",\"settings\":{\"plan_type\":\"pro\"}}", T(3));
    apply(e, "{\"type\":\"org.updated\",\"org_id\":\"o1\",\"name\":\"Stale\"}", T(0));
    const org_rec *o = org_of(project(e), "o1");
    assert_string_equal(o->name.value, "Acme");
    assert_string_equal(o->settings.value, "{\"plan_type\":\"pro\"}");
    assert_int_equal(o->created_ms, T(1));
    assert_int_equal(o->updated_ms, T(3));
    engine_free(e);
}

/* ---- status ---- */

static void user_deactivated_then_reactivated_is_active_again(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"user.created\",\"user_id\":\"u1\"}", T(1));
    apply(e, "{\"type\":\"user.deactivated\",\"user_id\":\"u1\"}", T(2));
    const user_rec *u = user_of(project(e), "u1");
    assert_true(u->deactivated);
    assert_int_equal(u->deactivated_ms, T(2));
    apply(e, "{\"type\":\"user.reactivated\",\"user_id\":\"u1\"}", T(3));
    u = user_of(project(e), "u1");
    assert_false(u->deactivated);
    assert_int_equal(u->deactivated_ms, 0);
    engine_free(e);
}

static void reactivation_older_than_the_deactivation_does_not_undo_it(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"user.deactivated\",\"user_id\":\"u1\"}", T(5));
    apply(e, "{\"type\":\"user.reactivated\",\"user_id\":\"u1\"}", T(2));
    assert_true(user_of(project(e), "u1")->deactivated);
    engine_free(e);
}

static void user_deleted_is_excluded_from_engine_count(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"user.created\",\"user_id\":\"u1\"}", T(1));
    apply(e, "{\"type\":\"user.created\",\"user_id\":\"u2\"}", T(1));
    apply(e, "{\"type\":\"user.created\",\"user_id\":\"u3\"}", T(1));
    apply(e, "{\"type\":\"user.deleted\",\"user_id\":\"u2\"}", T(2));
    const project_index *p = project(e);
    assert_true(user_of(p, "u2")->deleted);
    engine_counts c;
    engine_count(p, &c);
    assert_int_equal(c.users, 2);
    assert_int_equal(c.events, 4);
    engine_free(e);
}

static void deleted_user_memberships_are_not_counted(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u1\"}", T(1));
    apply(e, "{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u2\"}", T(1));
    apply(e, "{\"type\":\"user.deleted\",\"user_id\":\"u2\"}", T(2));
    engine_counts c;
    engine_count(project(e), &c);
    assert_int_equal(c.memberships, 1);
    assert_int_equal(c.users, 1);
    engine_free(e);
}

static void deactivated_users_are_counted_as_deactivated(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"user.created\",\"user_id\":\"u1\"}", T(1));
    apply(e, "{\"type\":\"user.created\",\"user_id\":\"u2\"}", T(1));
    apply(e, "{\"type\":\"user.deactivated\",\"user_id\":\"u2\"}", T(2));
    engine_counts c;
    engine_count(project(e), &c);
    assert_int_equal(c.users, 2);
    assert_int_equal(c.users_deactivated, 1);
    engine_free(e);
}

static void deleted_orgs_and_teams_are_excluded_from_engine_count(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"org.created\",\"org_id\":\"o1\",\"name\":\"A\"}", T(1));
    apply(e, "{\"type\":\"org.created\",\"org_id\":\"o2\",\"name\":\"B\"}", T(1));
    apply(e, "{\"type\":\"org.deleted\",\"org_id\":\"o2\"}", T(2));
    apply(e, "{\"type\":\"team.created\",\"team_id\":\"t1\",\"org_id\":\"o1\",\"name\":\"X\"}", T(1));
    apply(e, "{\"type\":\"team.created\",\"team_id\":\"t2\",\"org_id\":\"o1\",\"name\":\"Y\"}", T(1));
    apply(e, "{\"type\":\"team.deleted\",\"team_id\":\"t2\"}", T(3));
    engine_counts c;
    engine_count(project(e), &c);
    assert_int_equal(c.orgs, 1);
    assert_int_equal(c.teams, 1);
    engine_free(e);
}

static void invitations_sent_are_counted(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"invite.sent\",\"org_id\":\"o1\",\"email\":\"a@x.com\"}", T(1));
    apply(e, "{\"type\":\"invite.sent\",\"org_id\":\"o1\",\"email\":\"b@x.com\",\"inviter_user_id\":\"u1\"}", T(2));
    apply(e, "{\"type\":\"invite.revoked\",\"org_id\":\"o1\",\"email\":\"a@x.com\"}", T(3));
    const project_index *p = project(e);
    engine_counts c;
    engine_count(p, &c);
    assert_int_equal(c.invitations_sent, 2);
    assert_int_equal(p->ninvites, 3);
    assert_int_equal(hot_of(p, "u1")->first_seen_ms, T(2)); /* the inviter is an entity from then on */
    engine_free(e);
}

static void invite_emails_are_stored_lowercase(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"invite.sent\",\"org_id\":\"o1\",\"email\":\"Jane.Doe@Acme.COM\",\"role\":\"Admin\"}", T(1));
    const project_index *p = project(e);
    assert_int_equal(p->ninvites, 1);
    assert_string_equal(p->invites[0].email_lower, "jane.doe@acme.com");
    assert_string_equal(engine_role_name(p, p->invites[0].role), "Admin");
    engine_free(e);
}

/* ---- memberships ---- */

static void member_added_defaults_to_role_member(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u1\"}", T(1));
    const project_index *p = project(e);
    const membership_rec *m = membership_of(p, "o1", "u1");
    assert_non_null(m);
    assert_true(m->active);
    assert_int_equal(m->added_ms, T(1));
    assert_string_equal(engine_role_name(p, m->role), "Member");
    engine_free(e);
}

static void member_added_removed_and_re_added_is_active_from_the_re_add(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u1\",\"role\":\"Owner\"}", T(1));
    apply(e, "{\"type\":\"member.removed\",\"org_id\":\"o1\",\"user_id\":\"u1\"}", T(2));
    const membership_rec *m = membership_of(project(e), "o1", "u1");
    assert_false(m->active);
    apply(e, "{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u1\"}", T(3));
    const project_index *p = project(e);
    m = membership_of(p, "o1", "u1");
    assert_true(m->active);
    assert_int_equal(m->added_ms, T(3));
    assert_string_equal(engine_role_name(p, m->role), "Member");
    assert_int_equal(p->nmemberships, 1); /* one record with a history, not two */
    engine_free(e);
}

static void member_added_twice_keeps_the_first_add_time(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u1\"}", T(4));
    apply(e, "{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u1\",\"role\":\"Admin\"}", T(2));
    const project_index *p = project(e);
    const membership_rec *m = membership_of(p, "o1", "u1");
    assert_true(m->active);
    assert_int_equal(m->added_ms, T(2));
    assert_string_equal(engine_role_name(p, m->role), "Member"); /* the later add's role */
    engine_free(e);
}

static void member_role_changed_sets_the_role(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u1\"}", T(1));
    apply(e, "{\"type\":\"member.role_changed\",\"org_id\":\"o1\",\"user_id\":\"u1\",\"role\":\"Admin\"}", T(2));
    const project_index *p = project(e);
    const membership_rec *m = membership_of(p, "o1", "u1");
    assert_true(m->active);
    assert_int_equal(m->added_ms, T(1));
    assert_string_equal(engine_role_name(p, m->role), "Admin");
    engine_free(e);
}

static void member_role_changed_older_than_the_add_is_overridden(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"member.role_changed\",\"org_id\":\"o1\",\"user_id\":\"u1\",\"role\":\"Admin\"}", T(1));
    apply(e, "{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u1\",\"role\":\"Owner\"}", T(2));
    const project_index *p = project(e);
    assert_string_equal(engine_role_name(p, membership_of(p, "o1", "u1")->role), "Owner");
    engine_free(e);
}

static void member_role_changed_arriving_before_the_add_still_applies(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"member.role_changed\",\"org_id\":\"o1\",\"user_id\":\"u1\",\"role\":\"Admin\"}", T(5));
    apply(e, "{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u1\",\"role\":\"Owner\"}", T(2));
    const project_index *p = project(e);
    const membership_rec *m = membership_of(p, "o1", "u1");
    assert_true(m->active);
    assert_string_equal(engine_role_name(p, m->role), "Admin");
    engine_free(e);
}

static void memberships_are_counted_while_active(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u1\"}", T(1));
    apply(e, "{\"type\":\"member.added\",\"org_id\":\"o2\",\"user_id\":\"u1\"}", T(1));
    apply(e, "{\"type\":\"member.removed\",\"org_id\":\"o2\",\"user_id\":\"u1\"}", T(2));
    engine_counts c;
    engine_count(project(e), &c);
    assert_int_equal(c.memberships, 1);
    engine_free(e);
}

/* ---- teams ---- */

static void team_member_added_to_another_team_moves_the_user(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"team.created\",\"team_id\":\"t1\",\"org_id\":\"o1\",\"name\":\"A\"}", T(0));
    apply(e, "{\"type\":\"team.created\",\"team_id\":\"t2\",\"org_id\":\"o1\",\"name\":\"B\"}", T(0));
    apply(e, "{\"type\":\"team.member_added\",\"team_id\":\"t1\",\"user_id\":\"u1\"}", T(1));
    const project_index *p = project(e);
    assert_string_equal(team_id_of(p, user_of(p, "u1")), "t1");
    apply(e, "{\"type\":\"team.member_added\",\"team_id\":\"t2\",\"user_id\":\"u1\"}", T(2));
    p = project(e);
    assert_string_equal(team_id_of(p, user_of(p, "u1")), "t2");
    engine_free(e);
}

static void team_member_removed_of_a_former_team_is_a_no_op(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"team.member_added\",\"team_id\":\"t1\",\"user_id\":\"u1\"}", T(1));
    apply(e, "{\"type\":\"team.member_added\",\"team_id\":\"t2\",\"user_id\":\"u1\"}", T(2));
    apply(e, "{\"type\":\"team.member_removed\",\"team_id\":\"t1\",\"user_id\":\"u1\"}", T(3));
    const project_index *p = project(e);
    assert_string_equal(team_id_of(p, user_of(p, "u1")), "t2");
    engine_free(e);
}

static void team_member_removed_of_the_current_team_leaves_no_team(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"team.member_added\",\"team_id\":\"t1\",\"user_id\":\"u1\"}", T(1));
    apply(e, "{\"type\":\"team.member_removed\",\"team_id\":\"t1\",\"user_id\":\"u1\"}", T(2));
    const project_index *p = project(e);
    assert_null(team_id_of(p, user_of(p, "u1")));
    engine_free(e);
}

static void team_move_applied_out_of_order_ends_in_the_newest_team(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"team.member_removed\",\"team_id\":\"t1\",\"user_id\":\"u1\"}", T(3));
    apply(e, "{\"type\":\"team.member_added\",\"team_id\":\"t2\",\"user_id\":\"u1\"}", T(2));
    apply(e, "{\"type\":\"team.member_added\",\"team_id\":\"t1\",\"user_id\":\"u1\"}", T(1));
    const project_index *p = project(e);
    assert_string_equal(team_id_of(p, user_of(p, "u1")), "t2");
    engine_free(e);
}

static void team_created_belongs_to_its_org(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"team.member_added\",\"team_id\":\"t1\",\"user_id\":\"u1\"}", T(1));
    const project_index *p = project(e);
    assert_int_equal(team_of(p, "t1")->org, INDEX_NONE); /* named before it was created */
    apply(e, "{\"type\":\"team.created\",\"team_id\":\"t1\",\"org_id\":\"o1\",\"name\":\"Core\",\"is_default\":true}",
          T(2));
    p = project(e);
    const team_rec *t = team_of(p, "t1");
    assert_non_null(t);
    assert_string_equal(p->orgs[t->org].id, "o1");
    assert_string_equal(t->name.value, "Core");
    assert_string_equal(t->is_default.value, "true");
    assert_int_equal(t->first_seen_ms, T(1));
    assert_int_equal(t->created_ms, T(2));
    const org_rec *o = org_of(p, "o1");
    assert_int_equal(o->nteams, 1);
    engine_free(e);
}

/* ---- activity ---- */

static void active_users_on_a_day_are_distinct(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"activity\",\"user_id\":\"u1\"}", T(1));
    apply(e, "{\"type\":\"activity\",\"user_id\":\"u1\"}", T(2));
    apply(e, "{\"type\":\"activity\",\"user_id\":\"u1\",\"org_id\":\"o1\"}", T(23));
    apply(e, "{\"type\":\"activity\",\"user_id\":\"u2\"}", T(5));
    const project_index *p = project(e);
    assert_int_equal(engine_active_users_on_day(p, BASE_DAY), 2);
    engine_free(e);
}

static void active_users_are_bucketed_by_utc_day(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"activity\",\"user_id\":\"u1\"}", T(24) - 1);
    apply(e, "{\"type\":\"activity\",\"user_id\":\"u2\"}", T(24));
    apply(e, "{\"type\":\"activity\",\"user_id\":\"u3\"}", T(24) + 1);
    const project_index *p = project(e);
    assert_int_equal(engine_active_users_on_day(p, BASE_DAY), 1);
    assert_int_equal(engine_active_users_on_day(p, BASE_DAY + 1), 2);
    engine_free(e);
}

static void days_without_activity_have_no_active_users(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"activity\",\"user_id\":\"u1\"}", T(1));
    const project_index *p = project(e);
    assert_int_equal(engine_active_users_on_day(p, BASE_DAY - 1), 0);
    assert_int_equal(engine_active_users_on_day(p, BASE_DAY + 1), 0);
    assert_int_equal(engine_active_users_on_day(p, -5), 0);
    assert_int_equal(engine_active_users_on_day(p, INT32_MAX), 0);
    engine_free(e);
}

static void first_and_last_active_are_the_extremes(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"activity\",\"user_id\":\"u1\"}", T(5));
    apply(e, "{\"type\":\"activity\",\"user_id\":\"u1\"}", T(2));
    apply(e, "{\"type\":\"activity\",\"user_id\":\"u1\"}", T(9));
    apply(e, "{\"type\":\"activity\",\"user_id\":\"u1\"}", T(3));
    assert_int_equal(hot_of(project(e), "u1")->first_active_ms, T(2));
    assert_int_equal(hot_of(project(e), "u1")->last_active_ms, T(9));
    engine_free(e);
}

static void user_never_active_has_no_activity_times(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"user.created\",\"user_id\":\"u1\"}", T(1));
    assert_false(hot_of(project(e), "u1")->flags & HOT_ACTIVE);
    assert_int_equal(hot_of(project(e), "u1")->first_active_ms, 0);
    assert_int_equal(hot_of(project(e), "u1")->last_active_ms, 0);
    engine_free(e);
}

static void plain_activity_without_a_body_is_applied(void **state) {
    (void)state;
    engine *e = new_engine();
    store_event sev;
    memset(&sev, 0, sizeof sev);
    sev.project_id = PROJECT;
    sev.user_num = sev.org_num = sev.team_num = -1;
    sev.ts_ms = T(4);
    sev.received_ms = T(4);
    sev.type = EV_ACTIVITY;
    sev.user_id = "u1";
    sev.org_id = "o1";
    sev.body = NULL; /* the store keeps a plain activity without a body */
    assert_int_equal(engine_apply(e, &sev), 0);
    const project_index *p = project(e);
    assert_int_equal(engine_active_users_on_day(p, BASE_DAY), 1);
    assert_int_equal(engine_active_orgs_on_day(p, BASE_DAY), 1);
    assert_int_equal(hot_of(p, "u1")->last_active_ms, T(4));
    engine_free(e);
}

static void activity_naming_an_org_makes_it_active_that_day(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"activity\",\"user_id\":\"u1\",\"org_id\":\"o1\"}", T(1));
    apply(e, "{\"type\":\"activity\",\"user_id\":\"u2\",\"org_id\":\"o1\"}", T(2));
    const project_index *p = project(e);
    assert_int_equal(engine_active_orgs_on_day(p, BASE_DAY), 1);
    assert_int_equal(engine_active_orgs_on_day(p, BASE_DAY + 1), 0);
    engine_free(e);
}

static void activity_of_a_member_makes_the_org_active(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u1\"}", T(-48));
    apply(e, "{\"type\":\"activity\",\"user_id\":\"u1\"}", T(3));
    assert_int_equal(engine_active_orgs_on_day(project(e), BASE_DAY), 1);
    engine_free(e);
}

static void activity_of_a_removed_member_does_not_make_the_org_active(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u1\"}", T(-48));
    apply(e, "{\"type\":\"member.removed\",\"org_id\":\"o1\",\"user_id\":\"u1\"}", T(-24));
    apply(e, "{\"type\":\"activity\",\"user_id\":\"u1\"}", T(3));
    assert_int_equal(engine_active_orgs_on_day(project(e), BASE_DAY), 0);
    engine_free(e);
}

/* ---- entities first named by other events ---- */

static void event_naming_an_unknown_user_creates_it(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"activity\",\"user_id\":\"ghost\"}", T(7));
    const project_index *p = project(e);
    const user_rec *u = user_of(p, "ghost");
    assert_int_equal(hot_of(p, "ghost")->first_seen_ms, T(7));
    assert_int_equal(u->created_ms, 0);
    assert_false(u->deleted);
    engine_counts c;
    engine_count(p, &c);
    assert_int_equal(c.users, 1);
    engine_free(e);
}

static void first_seen_is_the_earliest_event_naming_the_user(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"activity\",\"user_id\":\"u1\"}", T(7));
    apply(e, "{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u1\"}", T(3));
    apply(e, "{\"type\":\"user.created\",\"user_id\":\"u1\",\"email\":\"u1@x.com\"}", T(5));
    const project_index *p = project(e);
    const user_rec *u = user_of(p, "u1");
    assert_int_equal(hot_of(p, "u1")->first_seen_ms, T(3));
    assert_int_equal(u->created_ms, T(5)); /* the later user.created fills the creation time */
    assert_string_equal(u->email.value, "u1@x.com");
    assert_int_equal(org_of(p, "o1")->first_seen_ms, T(3));
    assert_int_equal(org_of(p, "o1")->created_ms, 0);
    engine_free(e);
}

static void events_of_other_projects_are_kept_apart(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"user.created\",\"user_id\":\"u1\"}", T(1));
    assert_int_equal(apply_to(e, 2, "{\"type\":\"user.created\",\"user_id\":\"u2\"}", T(1)), 0);
    uint32_t idx;
    assert_int_equal(engine_user_find(project(e), "u2", &idx), -1);
    project_index *p2 = engine_project(e, 2, 0);
    assert_non_null(p2);
    assert_int_equal(engine_user_find(p2, "u1", &idx), -1);
    assert_int_equal(engine_user_find(p2, "u2", &idx), 0);
    assert_null(engine_project(e, 3, 0));
    engine_free(e);
}

static void user_created_without_a_body_has_no_fields(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"user.created\",\"user_id\":\"u1\"}", T(1)); /* body NULL: only columns */
    const user_rec *u = user_of(project(e), "u1");
    assert_null(u->email.value);
    assert_null(u->role.value);
    assert_int_equal(u->created_ms, T(1));
    engine_free(e);
}

static void unreadable_body_is_refused(void **state) {
    (void)state;
    engine *e = new_engine();
    log_set_quiet(1);
    store_event sev;
    memset(&sev, 0, sizeof sev);
    sev.project_id = PROJECT;
    sev.user_num = sev.org_num = sev.team_num = -1;
    sev.ts_ms = T(1);
    sev.type = EV_USER_CREATED;
    sev.user_id = "u1";
    sev.body = "{not json";
    assert_int_equal(engine_apply(e, &sev), -1);
    sev.body = "[\"email\"]";
    assert_int_equal(engine_apply(e, &sev), -1);
    engine_free(e);
}

/* ---- usage ---- */

static void usage_adds_to_the_counters(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"usage\",\"user_id\":\"u1\",\"feature\":\"codeCompletions\",\"metrics\":{\"lines\":4}}", T(1));
    apply(e, "{\"type\":\"usage\",\"user_id\":\"u1\",\"feature\":\"codeCompletions\",\"metrics\":{\"lines\":6}}", T(1));
    const project_index *p = project(e);
    assert_int_equal(usage_entries(p), 1); /* same time, user, feature and metric: one counter */
    assert_true(usage_sum(p, "u1", "lines") == 10.0);
    /* another time of the same day: a counter of its own (usage is kept at its exact time) */
    apply(e, "{\"type\":\"usage\",\"user_id\":\"u1\",\"feature\":\"codeCompletions\",\"metrics\":{\"lines\":1}}",
          T(1) + 1);
    assert_int_equal(usage_entries(p), 2);
    assert_true(usage_sum(p, "u1", "lines") == 11.0);
    const user_rec *u = user_of(p, "u1");
    assert_true(u->usage[0].ts_ms == T(1) && u->usage[0].value == 10.0);
    assert_true(u->usage[1].ts_ms == T(1) + 1 && u->usage[1].value == 1.0);
    engine_free(e);
}

static void usage_keeps_one_counter_per_metric(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"lines\":4,\"keystrokes\":300,\"completions\":3}}",
          T(1));
    apply(e, "{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"keystrokes\":0.5}}", T(1));
    const project_index *p = project(e);
    assert_int_equal(usage_entries(p), 3);
    assert_true(usage_sum(p, "u1", "lines") == 4.0);
    assert_true(usage_sum(p, "u1", "keystrokes") == 300.5);
    assert_true(usage_sum(p, "u1", "completions") == 3.0);
    engine_free(e);
}

static void usage_on_different_days_uses_different_counters(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"lines\":1}}", T(1));
    apply(e, "{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"lines\":2}}", T(25));
    apply(e, "{\"type\":\"usage\",\"user_id\":\"u2\",\"metrics\":{\"lines\":5}}", T(1));
    const project_index *p = project(e);
    assert_int_equal(usage_entries(p), 3);
    assert_true(usage_sum(p, "u1", "lines") == 3.0);
    assert_true(usage_sum(p, "u2", "lines") == 5.0);
    engine_free(e);
}

static void usage_is_keyed_by_feature_org_and_team(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"usage\",\"user_id\":\"u1\",\"feature\":\"chat\",\"metrics\":{\"n\":1}}", T(1));
    apply(e, "{\"type\":\"usage\",\"user_id\":\"u1\",\"feature\":\"agent\",\"metrics\":{\"n\":1}}", T(1));
    apply(e, "{\"type\":\"usage\",\"user_id\":\"u1\",\"feature\":\"chat\",\"org_id\":\"o1\",\"metrics\":{\"n\":1}}", T(1));
    apply(e,
          "{\"type\":\"usage\",\"user_id\":\"u1\",\"feature\":\"chat\",\"org_id\":\"o1\",\"team_id\":\"t1\","
          "\"metrics\":{\"n\":1}}",
          T(1));
    const project_index *p = project(e);
    assert_int_equal(usage_entries(p), 4);
    uint32_t o1;
    assert_int_equal(engine_org_find(p, "o1", &o1), 0);
    int with_org = 0, with_team = 0, chat = 0;
    const user_rec *u = user_of(p, "u1");
    for (uint32_t i = 0; i < u->nusage; i++) {
        const usage_entry *k = &u->usage[i];
        with_org += p->usage_attrs.items[k->attr].org == o1;
        with_team += p->usage_attrs.items[k->attr].team != INDEX_NONE;
        chat += strcmp(p->features.items[k->feature], "chat") == 0;
        assert_true(k->ts_ms == T(1));
        assert_true(k->value == 1.0);
    }
    assert_int_equal(with_org, 2);
    assert_int_equal(with_team, 1);
    assert_int_equal(chat, 3);
    engine_free(e);
}

static void usage_out_of_order_merges_into_the_same_counters(void **state) {
    (void)state;
    static const int days[] = {5, 3, 9, 3, 5, 1, 9, 0, 5};
    engine *e = new_engine();
    for (size_t i = 0; i < sizeof days / sizeof *days; i++) {
        apply(e, "{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"b\":1,\"a\":2}}", T(24 * days[i] + 1));
        apply(e, "{\"type\":\"usage\",\"user_id\":\"u1\",\"feature\":\"chat\",\"metrics\":{\"a\":10}}",
              T(24 * days[i] + 2));
    }
    const project_index *p = project(e);
    const user_rec *u = user_of(p, "u1");
    assert_int_equal(usage_entries(p), 5 * 3); /* 5 distinct times x (a, b), 5 x chat/a */
    assert_true(usage_sum(p, "u1", "a") == 9 * 2 + 9 * 10);
    assert_true(usage_sum(p, "u1", "b") == 9 * 1);
    for (uint32_t i = 0; i < u->nusage; i++) {
        const usage_entry *k = &u->usage[i];
        int copies = 0;
        for (size_t d = 0; d < sizeof days / sizeof *days; d++)
            copies += k->ts_ms == T(24 * days[d] + (strcmp(p->features.items[k->feature], "chat") == 0 ? 2 : 1));
        assert_true(copies > 0);
        const char *metric = p->metrics.items[k->metric];
        int chat = strcmp(p->features.items[k->feature], "chat") == 0;
        double want = chat ? 10.0 * copies : strcmp(metric, "a") == 0 ? 2.0 * copies : 1.0 * copies;
        assert_true(k->value == want);
    }
    engine_free(e);
}

static void usage_counts_as_activity(void **state) {
    (void)state;
    engine *e = new_engine();
    apply(e, "{\"type\":\"usage\",\"user_id\":\"u1\",\"org_id\":\"o1\",\"metrics\":{\"lines\":1}}", T(6));
    const project_index *p = project(e);
    assert_int_equal(engine_active_users_on_day(p, BASE_DAY), 1);
    assert_int_equal(engine_active_orgs_on_day(p, BASE_DAY), 1);
    assert_int_equal(hot_of(p, "u1")->first_active_ms, T(6));
    assert_int_equal(hot_of(p, "u1")->last_active_ms, T(6));
    engine_free(e);
}

static void many_usage_counters_survive_table_growth(void **state) {
    (void)state;
    engine *e = new_engine();
    for (int day = 0; day < 400; day++)
        for (int k = 0; k < 3; k++) {
            char json[128];
            snprintf(json, sizeof json, "{\"type\":\"usage\",\"user_id\":\"u%d\",\"metrics\":{\"lines\":2}}", k);
            apply(e, json, T(24 * day + k));
        }
    const project_index *p = project(e);
    assert_int_equal(usage_entries(p), 1200);
    assert_true(usage_sum(p, "u0", "lines") == 800.0);
    assert_true(usage_sum(p, "u2", "lines") == 800.0);
    engine_free(e);
}

/* ---- the epoch: timestamp 0 is a valid event time (events.md: from 1970-01-01 on) ---- */

static void first_active_at_the_epoch_does_not_depend_on_order(void **state) {
    (void)state;
    /* user_rec.first_active_ms uses 0 for "never active", so an activity at exactly 1970-01-01T00:00:00Z is
     * forgotten when a later activity arrives after it, but kept when it arrives second (index.h note (1)). */
    engine *a = new_engine(), *b = new_engine();
    apply(a, "{\"type\":\"activity\",\"user_id\":\"u1\"}", 0);
    apply(a, "{\"type\":\"activity\",\"user_id\":\"u1\"}", 5000);
    apply(b, "{\"type\":\"activity\",\"user_id\":\"u1\"}", 5000);
    apply(b, "{\"type\":\"activity\",\"user_id\":\"u1\"}", 0);
    int64_t first_a = hot_of(project(a), "u1")->first_active_ms;
    int64_t first_b = hot_of(project(b), "u1")->first_active_ms;
    engine_free(a);
    engine_free(b);
    assert_int_equal(first_a, first_b);
    assert_int_equal(first_a, 0);
}

static void created_at_the_epoch_does_not_depend_on_order(void **state) {
    (void)state;
    /* user_rec.created_ms uses 0 for "no user.created": a user.created at the epoch loses to a later one when it
     * arrives first, and wins when it arrives second. */
    engine *a = new_engine(), *b = new_engine();
    apply(a, "{\"type\":\"user.created\",\"user_id\":\"u1\"}", 0);
    apply(a, "{\"type\":\"user.created\",\"user_id\":\"u1\",\"email\":\"x@y.z\"}", 5000);
    apply(b, "{\"type\":\"user.created\",\"user_id\":\"u1\",\"email\":\"x@y.z\"}", 5000);
    apply(b, "{\"type\":\"user.created\",\"user_id\":\"u1\"}", 0);
    int64_t created_a = user_of(project(a), "u1")->created_ms;
    int64_t created_b = user_of(project(b), "u1")->created_ms;
    engine_free(a);
    engine_free(b);
    assert_int_equal(created_a, created_b);
}

/* ---- snapshot ---- */

#define ASSERT_SAME_ARRAY(x, nx, y, ny)                                                                              \
    do {                                                                                                             \
        assert_int_equal((nx), (ny));                                                                                \
        if (nx) assert_memory_equal((x), (y), (size_t)(nx) * sizeof *(x));                                           \
    } while (0)

static void assert_same_bitmap(const roaring_bitmap_t *a, const roaring_bitmap_t *b) {
    if (!a || !b) {
        assert_true((!a || roaring_bitmap_is_empty(a)) && (!b || roaring_bitmap_is_empty(b)));
        return;
    }
    assert_true(roaring_bitmap_equals(a, b));
}

static void assert_same_series(const bitmap_series *a, const bitmap_series *b) {
    assert_int_equal(a->count, b->count);
    for (int32_t i = 0; i < a->count; i++) assert_same_bitmap(a->items[i], b->items[i]);
}

static void assert_same_history(const history *a, const history *b) {
    assert_int_equal(a->count, b->count);
    for (uint32_t i = 0; i < a->count; i++) {
        assert_int_equal(a->items[i].v.ts_ms, b->items[i].v.ts_ms);
        assert_int_equal(a->items[i].v.tiebreak, b->items[i].v.tiebreak);
        assert_int_equal(a->items[i].kind, b->items[i].kind);
        assert_int_equal(a->items[i].arg, b->items[i].arg);
    }
}

static void assert_same_strings(const string_table *a, const string_table *b) {
    assert_int_equal(a->count, b->count);
    for (uint32_t i = 0; i < a->count; i++) assert_string_equal(a->items[i], b->items[i]);
}

/* Record for record, index for index: what a loaded snapshot must give back. */
static void assert_identical_project(const project_index *a, const project_index *b) {
    assert_int_equal(a->project_id, b->project_id);
    assert_int_equal(a->nusers, b->nusers);
    for (uint32_t i = 0; i < a->nusers; i++) {
        const user_rec *x = &a->users[i], *y = &b->users[i];
        assert_string_equal(x->id, y->id);
        uint32_t found;
        assert_int_equal(engine_user_find(b, x->id, &found), 0);
        assert_int_equal(found, i);
        assert_optional_string_equal(x->email.value, y->email.value);
        assert_int_equal(x->email.v.tiebreak, y->email.v.tiebreak);
        assert_optional_string_equal(x->signup_query_parameters.value, y->signup_query_parameters.value);
        assert_same_history(&x->status, &y->status);
        assert_same_history(&x->teams, &y->teams);
        ASSERT_SAME_ARRAY(x->memberships, x->nmemberships, y->memberships, y->nmemberships);
        ASSERT_SAME_ARRAY(x->usage, x->nusage, y->usage, y->nusage);
        assert_int_equal(x->team, y->team);
        assert_int_equal(x->deactivated_ms, y->deactivated_ms);
        const user_hot *hx = &a->hot[i], *hy = &b->hot[i];
        assert_int_equal(hx->first_seen_ms, hy->first_seen_ms);
        assert_int_equal(hx->first_active_ms, hy->first_active_ms);
        assert_int_equal(hx->last_active_ms, hy->last_active_ms);
        assert_int_equal(hx->flags, hy->flags);
        ASSERT_SAME_ARRAY(hx->days.items, hx->days.count, hy->days.items, hy->days.count);
    }
    assert_int_equal(a->norgs, b->norgs);
    for (uint32_t i = 0; i < a->norgs; i++) {
        const org_rec *x = &a->orgs[i], *y = &b->orgs[i];
        assert_string_equal(x->id, y->id);
        assert_optional_string_equal(x->settings.value, y->settings.value);
        assert_same_history(&x->status, &y->status);
        ASSERT_SAME_ARRAY(x->memberships, x->nmemberships, y->memberships, y->nmemberships);
        ASSERT_SAME_ARRAY(x->teams, x->nteams, y->teams, y->nteams);
        ASSERT_SAME_ARRAY(x->days.items, x->days.count, y->days.items, y->days.count);
    }
    assert_int_equal(a->nteams, b->nteams);
    for (uint32_t i = 0; i < a->nteams; i++) {
        assert_string_equal(a->teams[i].id, b->teams[i].id);
        assert_int_equal(a->teams[i].org, b->teams[i].org);
        assert_same_history(&a->teams[i].status, &b->teams[i].status);
    }
    assert_int_equal(a->nmemberships, b->nmemberships);
    for (uint32_t i = 0; i < a->nmemberships; i++) {
        const membership_rec *x = &a->memberships[i], *y = &b->memberships[i];
        assert_int_equal(x->org, y->org);
        assert_int_equal(x->user, y->user);
        assert_int_equal(x->role, y->role);
        assert_int_equal(x->start_ms, y->start_ms);
        assert_int_equal(x->end_ms, y->end_ms);
        assert_same_history(&x->log, &y->log);
    }
    assert_int_equal(a->ninvites, b->ninvites);
    for (uint32_t i = 0; i < a->ninvites; i++) {
        assert_optional_string_equal(a->invites[i].email_lower, b->invites[i].email_lower);
        assert_optional_string_equal(a->invites[i].invite_id, b->invites[i].invite_id);
        assert_int_equal(a->invites[i].inviter, b->invites[i].inviter);
    }
    assert_same_strings(&a->roles, &b->roles);
    assert_same_strings(&a->features, &b->features);
    assert_same_strings(&a->metrics, &b->metrics);
    assert_same_series(&a->day_users, &b->day_users);
    assert_same_series(&a->day_orgs, &b->day_orgs);
    assert_same_series(&a->hour_users, &b->hour_users);
    assert_same_bitmap(a->deleted_users, b->deleted_users);
    assert_same_bitmap(a->deleted_orgs, b->deleted_orgs);
    assert_same_series(&a->org_usage_users, &b->org_usage_users);
    assert_same_series(&a->team_users, &b->team_users);
    ASSERT_SAME_ARRAY(a->user_of_num, a->nuser_of_num, b->user_of_num, b->nuser_of_num);
    ASSERT_SAME_ARRAY(a->org_of_num, a->norg_of_num, b->org_of_num, b->norg_of_num);
    ASSERT_SAME_ARRAY(a->team_of_num, a->nteam_of_num, b->team_of_num, b->nteam_of_num);
    assert_int_equal(a->events, b->events);
    assert_int_equal(a->usage_entries, b->usage_entries);
    assert_memory_equal(a->events_by_type, b->events_by_type, sizeof a->events_by_type);
}

typedef struct snapshot_fixture {
    char dir[64];
    char path[128];
    store *st;
} snapshot_fixture;

static void snapshot_fixture_open(snapshot_fixture *f) {
    strcpy(f->dir, "/tmp/orgpulse-test-snapshot-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/%s", f->dir, SNAPSHOT_FILE);
    char err[256];
    assert_int_equal(store_open(f->dir, &f->st, err, sizeof err), STORE_OK);
}

static void snapshot_fixture_close(snapshot_fixture *f) {
    store_close(f->st);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
}

/* The scenario, its usage and an event of a second project, applied in order; saved to the fixture's path. The
 * events are not in the fixture's (empty) store, so the engine forgets its last event: no store check on load. */
static engine *saved_scenario(snapshot_fixture *f) {
    size_t order[SCENARIO_LEN];
    for (size_t i = 0; i < SCENARIO_LEN; i++) order[i] = i;
    engine *e = apply_in_order(order);
    apply(e, "{\"type\":\"usage\",\"user_id\":\"u1\",\"org_id\":\"o1\",\"team_id\":\"t1\",\"feature\":\"chat\","
             "\"metrics\":{\"interactions\":3,\"lines\":7}}", T(30));
    apply(e, "{\"type\":\"activity\",\"user_id\":\"u9\",\"org_id\":\"o9\"}", T(200));
    assert_int_equal(apply_to(e, 2, "{\"type\":\"user.created\",\"user_id\":\"p2u\",\"email\":\"x@y.z\"}", T(3)), 0);
    memset(&e->last, 0, sizeof e->last);
    assert_int_equal(engine_snapshot_save(e, f->st, f->path, NULL), 0);
    return e;
}

static void snapshot_loads_an_identical_index(void **state) {
    (void)state;
    snapshot_fixture f;
    snapshot_fixture_open(&f);
    engine *a = saved_scenario(&f), *b = new_engine();
    int64_t seq = -1;
    assert_int_equal(engine_snapshot_load(b, f.st, f.path, &seq), 0);
    assert_int_equal(seq, 0);
    assert_int_equal(b->nprojects, a->nprojects);
    for (size_t i = 0; i < a->nprojects; i++) assert_identical_project(a->projects[i], b->projects[i]);
    assert_same_index(a, b);
    engine_free(a);
    engine_free(b);
    snapshot_fixture_close(&f);
}

static void events_applied_after_loading_a_snapshot_give_the_same_index_as_without_it(void **state) {
    (void)state;
    snapshot_fixture f;
    snapshot_fixture_open(&f);
    engine *a = saved_scenario(&f), *b = new_engine();
    int64_t seq;
    assert_int_equal(engine_snapshot_load(b, f.st, f.path, &seq), 0);
    share_numbers(a, b);
    const char *later[] = {
        "{\"type\":\"member.removed\",\"user_id\":\"u1\",\"org_id\":\"o1\"}",
        "{\"type\":\"activity\",\"user_id\":\"u1\",\"org_id\":\"o1\"}",
        "{\"type\":\"user.created\",\"user_id\":\"u10\",\"email\":\"new@acme.com\"}",
        "{\"type\":\"usage\",\"user_id\":\"u10\",\"feature\":\"chat\",\"metrics\":{\"lines\":2}}",
    };
    for (size_t i = 0; i < sizeof later / sizeof *later; i++) {
        apply(a, later[i], T(40 + (int)i));
        apply(b, later[i], T(40 + (int)i));
    }
    for (size_t i = 0; i < a->nprojects; i++) assert_identical_project(a->projects[i], b->projects[i]);
    engine_free(a);
    engine_free(b);
    snapshot_fixture_close(&f);
}

static void missing_snapshot_is_reported_as_none(void **state) {
    (void)state;
    snapshot_fixture f;
    snapshot_fixture_open(&f);
    engine *e = new_engine();
    int64_t seq;
    assert_int_equal(engine_snapshot_load(e, f.st, f.path, &seq), 1);
    assert_int_equal(e->nprojects, 0);
    engine_free(e);
    snapshot_fixture_close(&f);
}

static long file_size(const char *path) {
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    fseek(in, 0, SEEK_END);
    long n = ftell(in);
    fclose(in);
    return n;
}

/* Rewrite the snapshot as its first `keep` bytes, with the byte at `flip` (when >= 0) inverted. */
static void rewrite_snapshot(const char *from, const char *to, long keep, long flip) {
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    for (long i = 0; i < keep; i++) {
        int c = fgetc(in);
        assert_true(c != EOF);
        fputc(i == flip ? c ^ 0xff : c, out);
    }
    fclose(in);
    fclose(out);
}

/* Loading `path` fails and leaves the engine without projects. */
static void assert_snapshot_refused(snapshot_fixture *f, const char *path) {
    engine *b = new_engine();
    int64_t seq;
    assert_int_equal(engine_snapshot_load(b, f->st, path, &seq), -1);
    assert_int_equal(b->nprojects, 0);
    engine_free(b);
}

static void truncated_snapshot_is_refused_and_leaves_the_engine_empty(void **state) {
    (void)state;
    snapshot_fixture f;
    snapshot_fixture_open(&f);
    engine *a = saved_scenario(&f);
    long size = file_size(f.path);
    char cut[160];
    snprintf(cut, sizeof cut, "%s.cut", f.path);
    long step = size / 500 + 1;
    for (long keep = 0; keep < size; keep += keep < 256 || keep > size - 64 ? 1 : step) {
        rewrite_snapshot(f.path, cut, keep, -1);
        assert_snapshot_refused(&f, cut);
    }
    engine_free(a);
    snapshot_fixture_close(&f);
}

static void snapshot_with_a_damaged_header_or_trailer_is_refused(void **state) {
    (void)state;
    snapshot_fixture f;
    snapshot_fixture_open(&f);
    engine *a = saved_scenario(&f);
    long size = file_size(f.path);
    char bad[160];
    snprintf(bad, sizeof bad, "%s.bad", f.path);
    const long flips[] = {0, 7, 8, 20, 40, 60, size - 16, size - 9, size - 8, size - 1};
    for (size_t i = 0; i < sizeof flips / sizeof *flips; i++) {
        rewrite_snapshot(f.path, bad, size, flips[i]);
        assert_snapshot_refused(&f, bad);
    }
    engine_free(a);
    snapshot_fixture_close(&f);
}

static void snapshot_with_a_day_out_of_range_is_refused(void **state) {
    (void)state;
    snapshot_fixture f;
    snapshot_fixture_open(&f);
    engine *a = saved_scenario(&f);
    project_index *p = project(a);
    uint32_t u = 0;
    while (u < p->nusers && !p->hot[u].days.count) u++;
    assert_true(u < p->nusers);
    p->hot[u].days.items[0].day = 1 << 30; /* what a damaged file could hold */
    assert_int_equal(engine_snapshot_save(a, f.st, f.path, NULL), 0);
    assert_snapshot_refused(&f, f.path);
    engine_free(a);
    snapshot_fixture_close(&f);
}

int main(void) {
    log_set_quiet(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scenario_in_order_gives_the_expected_state),
        cmocka_unit_test(reversed_order_gives_the_same_index),
        cmocka_unit_test(shuffled_orders_give_the_same_index),
        cmocka_unit_test(unnumbered_events_give_the_same_index_as_numbered_ones),
        cmocka_unit_test(numbered_and_unnumbered_events_name_the_same_user),
        cmocka_unit_test(user_created_then_updated_keeps_the_newest_fields),
        cmocka_unit_test(user_update_older_than_the_stored_field_is_ignored),
        cmocka_unit_test(user_object_fields_are_replaced_whole),
        cmocka_unit_test(user_created_keeps_the_earliest_creation_time),
        cmocka_unit_test(org_updated_keeps_the_newest_fields),
        cmocka_unit_test(user_deactivated_then_reactivated_is_active_again),
        cmocka_unit_test(reactivation_older_than_the_deactivation_does_not_undo_it),
        cmocka_unit_test(user_deleted_is_excluded_from_engine_count),
        cmocka_unit_test(deleted_user_memberships_are_not_counted),
        cmocka_unit_test(deactivated_users_are_counted_as_deactivated),
        cmocka_unit_test(deleted_orgs_and_teams_are_excluded_from_engine_count),
        cmocka_unit_test(invitations_sent_are_counted),
        cmocka_unit_test(invite_emails_are_stored_lowercase),
        cmocka_unit_test(member_added_defaults_to_role_member),
        cmocka_unit_test(member_added_removed_and_re_added_is_active_from_the_re_add),
        cmocka_unit_test(member_added_twice_keeps_the_first_add_time),
        cmocka_unit_test(member_role_changed_sets_the_role),
        cmocka_unit_test(member_role_changed_older_than_the_add_is_overridden),
        cmocka_unit_test(member_role_changed_arriving_before_the_add_still_applies),
        cmocka_unit_test(memberships_are_counted_while_active),
        cmocka_unit_test(team_member_added_to_another_team_moves_the_user),
        cmocka_unit_test(team_member_removed_of_a_former_team_is_a_no_op),
        cmocka_unit_test(team_member_removed_of_the_current_team_leaves_no_team),
        cmocka_unit_test(team_move_applied_out_of_order_ends_in_the_newest_team),
        cmocka_unit_test(team_created_belongs_to_its_org),
        cmocka_unit_test(active_users_on_a_day_are_distinct),
        cmocka_unit_test(active_users_are_bucketed_by_utc_day),
        cmocka_unit_test(days_without_activity_have_no_active_users),
        cmocka_unit_test(first_and_last_active_are_the_extremes),
        cmocka_unit_test(user_never_active_has_no_activity_times),
        cmocka_unit_test(plain_activity_without_a_body_is_applied),
        cmocka_unit_test(activity_naming_an_org_makes_it_active_that_day),
        cmocka_unit_test(activity_of_a_member_makes_the_org_active),
        cmocka_unit_test(activity_of_a_removed_member_does_not_make_the_org_active),
        cmocka_unit_test(event_naming_an_unknown_user_creates_it),
        cmocka_unit_test(first_seen_is_the_earliest_event_naming_the_user),
        cmocka_unit_test(events_of_other_projects_are_kept_apart),
        cmocka_unit_test(user_created_without_a_body_has_no_fields),
        cmocka_unit_test(unreadable_body_is_refused),
        cmocka_unit_test(usage_adds_to_the_counters),
        cmocka_unit_test(usage_keeps_one_counter_per_metric),
        cmocka_unit_test(usage_on_different_days_uses_different_counters),
        cmocka_unit_test(usage_is_keyed_by_feature_org_and_team),
        cmocka_unit_test(usage_out_of_order_merges_into_the_same_counters),
        cmocka_unit_test(usage_counts_as_activity),
        cmocka_unit_test(many_usage_counters_survive_table_growth),
        cmocka_unit_test(first_active_at_the_epoch_does_not_depend_on_order),
        cmocka_unit_test(created_at_the_epoch_does_not_depend_on_order),
        cmocka_unit_test(snapshot_loads_an_identical_index),
        cmocka_unit_test(events_applied_after_loading_a_snapshot_give_the_same_index_as_without_it),
        cmocka_unit_test(missing_snapshot_is_reported_as_none),
        cmocka_unit_test(truncated_snapshot_is_refused_and_leaves_the_engine_empty),
        cmocka_unit_test(snapshot_with_a_damaged_header_or_trailer_is_refused),
        cmocka_unit_test(snapshot_with_a_day_out_of_range_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
