/* index.c: building and querying the in-memory index (see index.h for the design notes). */
#include "engine/index.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "engine/event.h"
#include "engine/insights.h"
#include "engine/usage.h"
#include "util/buf.h"
#include "util/handoff.h"
#include "util/log.h"
#include "util/time.h"

#define GROW(ptr, count, cap)                                                   \
    do {                                                                        \
        if ((count) == (cap)) {                                                 \
            (cap) = (cap) < 64 ? ((cap) ? (cap) * 2 : 1) : (cap) + (cap) / 2;   \
            (ptr) = xrealloc((ptr), (size_t)(cap) * sizeof *(ptr));             \
        }                                                                       \
    } while (0)

/* ---- versions, registers and histories ---- */

static int version_cmp(version a, version b) {
    if (a.ts_ms != b.ts_ms) return a.ts_ms < b.ts_ms ? -1 : 1;
    if (a.tiebreak != b.tiebreak) return a.tiebreak < b.tiebreak ? -1 : 1;
    return 0;
}

/* Set the register when v is newer than what it holds. `value` is copied. */
static void lww_set(lww_text *f, const char *value, version v) {
    if (f->value && version_cmp(v, f->v) <= 0) return;
    free(f->value);
    f->value = xstrdup(value);
    f->v = v;
}

/* Set a register from a member of the scanned body: a string field takes the decoded string, a JSON field (objects,
 * arrays, booleans) takes the value's JSON text. Absent members leave the register alone. */
static void lww_set_member(lww_text *f, const json_scanner *sc, const char *key, int as_json_text, version v) {
    const json_member *m = json_scan_get(sc, key);
    if (!m) return;
    if (!as_json_text) {
        if (m->value.kind == JK_STRING) lww_set(f, m->value.str, v);
        return;
    }
    if (f->value && version_cmp(v, f->v) <= 0) return;
    free(f->value);
    f->value = xstrndup(m->value.raw, m->value.raw_len);
    f->v = v;
}

static void lww_free(lww_text *f) {
    free(f->value);
    f->value = NULL;
}

static void history_insert(history *h, version v, int kind, uint32_t arg) {
    GROW(h->items, h->count, h->cap);
    uint32_t i = h->count;
    while (i > 0 && version_cmp(h->items[i - 1].v, v) > 0) {
        h->items[i] = h->items[i - 1];
        i--;
    }
    h->items[i] = (history_entry){.v = v, .kind = kind, .arg = arg};
    h->count++;
}

/* ---- interning ---- */

uint32_t string_table_intern(string_table *t, const char *s) {
    uint32_t id;
    size_t len = strlen(s);
    if (strmap_get(&t->map, s, len, &id) == 0) return id;
    GROW(t->items, t->count, t->cap);
    id = t->count++;
    t->items[id] = xstrdup(s);
    strmap_put(&t->map, t->items[id], len, id);
    return id;
}

void string_table_free(string_table *t) {
    for (uint32_t i = 0; i < t->count; i++) free(t->items[i]);
    free(t->items);
    strmap_free(&t->map);
}

static uint32_t intern_user(project_index *p, const char *id, int64_t ts) {
    uint32_t idx;
    size_t len = strlen(id);
    if (strmap_get(&p->user_ids, id, len, &idx) == 0) {
        if (ts < p->hot[idx].first_seen_ms) p->hot[idx].first_seen_ms = ts, p->entities_version++;
        return idx;
    }
    if (p->nusers == p->cap_users) {
        GROW(p->users, p->nusers, p->cap_users);
        p->hot = xrealloc(p->hot, (size_t)p->cap_users * sizeof *p->hot);
    }
    idx = p->nusers++;
    memset(&p->hot[idx], 0, sizeof p->hot[idx]);
    p->hot[idx].flags = HOT_LISTED;
    p->hot[idx].first_seen_ms = ts;
    user_rec *u = &p->users[idx];
    memset(u, 0, sizeof *u);
    u->id = xstrdup(id);
    u->team = INDEX_NONE;
    strmap_put(&p->user_ids, u->id, len, idx);
    return idx;
}

static uint32_t intern_org(project_index *p, const char *id, int64_t ts) {
    uint32_t idx;
    size_t len = strlen(id);
    if (strmap_get(&p->org_ids, id, len, &idx) == 0) {
        if (ts < p->orgs[idx].first_seen_ms) p->orgs[idx].first_seen_ms = ts, p->entities_version++;
        return idx;
    }
    GROW(p->orgs, p->norgs, p->cap_orgs);
    idx = p->norgs++;
    org_rec *o = &p->orgs[idx];
    memset(o, 0, sizeof *o);
    o->id = xstrdup(id);
    o->first_seen_ms = ts;
    strmap_put(&p->org_ids, o->id, len, idx);
    return idx;
}

static uint32_t intern_team(project_index *p, const char *id, int64_t ts) {
    uint32_t idx;
    size_t len = strlen(id);
    if (strmap_get(&p->team_ids, id, len, &idx) == 0) {
        if (ts < p->teams[idx].first_seen_ms) p->teams[idx].first_seen_ms = ts;
        return idx;
    }
    GROW(p->teams, p->nteams, p->cap_teams);
    idx = p->nteams++;
    team_rec *t = &p->teams[idx];
    memset(t, 0, sizeof *t);
    t->id = xstrdup(id);
    t->org = INDEX_NONE;
    t->first_seen_ms = ts;
    strmap_put(&p->team_ids, t->id, len, idx);
    return idx;
}

/* The index of the entity a column names (kind STORE_KIND_*): by the store's number when it has one (an array
 * look-up), else by hashing its id. Either way the entity's first_seen_ms takes the earliest time. */
static uint32_t resolve(project_index *p, int kind, int64_t num, const char *id, int64_t ts) {
    if (!id) return INDEX_NONE;
    uint32_t (*intern)(project_index *, const char *, int64_t) =
        kind == STORE_KIND_USER ? intern_user : kind == STORE_KIND_ORG ? intern_org : intern_team;
    uint32_t **of_num = kind == STORE_KIND_USER ? &p->user_of_num : kind == STORE_KIND_ORG ? &p->org_of_num : &p->team_of_num;
    uint32_t *n = kind == STORE_KIND_USER ? &p->nuser_of_num : kind == STORE_KIND_ORG ? &p->norg_of_num : &p->nteam_of_num;
    if (num < 0 || num >= (int64_t)UINT32_MAX) return intern(p, id, ts);
    if ((uint32_t)num >= *n) {
        uint32_t grown = *n ? *n : 1024;
        while (grown <= (uint32_t)num) grown *= 2;
        *of_num = xrealloc(*of_num, (size_t)grown * sizeof **of_num);
        for (uint32_t i = *n; i < grown; i++) (*of_num)[i] = INDEX_NONE;
        *n = grown;
    }
    uint32_t idx = (*of_num)[num];
    if (idx == INDEX_NONE) return (*of_num)[num] = intern(p, id, ts);
    int64_t *first_seen = kind == STORE_KIND_USER ? &p->hot[idx].first_seen_ms
                          : kind == STORE_KIND_ORG ? &p->orgs[idx].first_seen_ms
                                                   : &p->teams[idx].first_seen_ms;
    if (ts < *first_seen) *first_seen = ts, p->entities_version++; /* creation days (charts) may change */
    return idx;
}

static uint32_t membership_get(project_index *p, uint32_t org, uint32_t user) {
    user_rec *u = &p->users[user];
    for (uint32_t i = 0; i < u->nmemberships; i++)
        if (p->memberships[u->memberships[i]].org == org) return u->memberships[i];
    GROW(p->memberships, p->nmemberships, p->cap_memberships);
    uint32_t idx = p->nmemberships++;
    membership_rec *m = &p->memberships[idx];
    memset(m, 0, sizeof *m);
    m->org = org, m->user = user;
    GROW(u->memberships, u->nmemberships, u->cap_memberships);
    u->memberships[u->nmemberships++] = idx;
    org_rec *o = &p->orgs[org];
    GROW(o->memberships, o->nmemberships, o->cap_memberships);
    o->memberships[o->nmemberships++] = idx;
    return idx;
}

/* ---- derived state ---- */

/* Set or clear x; returns 1 when that changed the bitmap. */
static int bitmap_set(roaring_bitmap_t **b, uint32_t x, int on) {
    if (!*b) *b = roaring_bitmap_create();
    if (roaring_bitmap_contains(*b, x) == (on != 0)) return 0;
    if (on)
        roaring_bitmap_add(*b, x);
    else
        roaring_bitmap_remove(*b, x);
    return 1;
}

static void hot_status(user_hot *h, const user_rec *u) {
    h->flags &= ~(HOT_LISTED | HOT_DELETED);
    if (u->deleted) h->flags |= HOT_DELETED;
    if (!u->deleted && !u->deactivated) h->flags |= HOT_LISTED;
}

static void user_derive_status(user_rec *u) {
    u->deleted = 0, u->deactivated = 0, u->deactivated_ms = 0;
    for (uint32_t i = 0; i < u->status.count; i++) {
        const history_entry *h = &u->status.items[i];
        switch (h->kind) {
        case STATUS_CREATED: u->deleted = 0; break;
        case STATUS_DELETED: u->deleted = 1; break;
        case STATUS_DEACTIVATED:
            if (!u->deactivated) u->deactivated_ms = h->v.ts_ms;
            u->deactivated = 1;
            break;
        case STATUS_REACTIVATED: u->deactivated = 0, u->deactivated_ms = 0; break;
        }
    }
}

static void user_derive_team(user_rec *u) {
    u->team = INDEX_NONE;
    for (uint32_t i = 0; i < u->teams.count; i++) {
        const history_entry *h = &u->teams.items[i];
        if (h->kind == TEAM_JOINED)
            u->team = h->arg;
        else if (u->team == h->arg)
            u->team = INDEX_NONE;
    }
}

static void membership_derive(membership_rec *m) {
    m->active = 0, m->added_ms = 0;
    unsigned intervals = 0;
    for (uint32_t i = 0; i < m->log.count; i++) {
        const history_entry *h = &m->log.items[i];
        switch (h->kind) {
        case MEMBER_ADDED:
            if (!m->active) {
                m->added_ms = h->v.ts_ms;
                if (++intervals == 1) m->start_ms = h->v.ts_ms, m->end_ms = INT64_MAX;
            }
            m->active = 1;
            m->role = h->arg;
            break;
        case MEMBER_REMOVED:
            if (m->active && intervals == 1) m->end_ms = h->v.ts_ms;
            m->active = 0;
            break;
        case MEMBER_ROLE_CHANGED: m->role = h->arg; break;
        }
    }
    m->intervals = intervals > 2 ? 2 : intervals;
}

static int status_deleted(const history *h) {
    int deleted = 0;
    for (uint32_t i = 0; i < h->count; i++) {
        if (h->items[i].kind == STATUS_CREATED) deleted = 0;
        if (h->items[i].kind == STATUS_DELETED) deleted = 1;
    }
    return deleted;
}

/* ---- active days ---- */

static void day_list_add(day_list *d, int64_t ts) {
    int32_t day = time_day_of(ts);
    uint32_t ms = (uint32_t)(ts - (int64_t)day * TIME_MS_PER_DAY);
    uint32_t lo = 0, hi = d->count;
    if (hi && d->items[hi - 1].day < day) {
        lo = hi;
    } else {
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (d->items[mid].day < day) lo = mid + 1;
            else hi = mid;
        }
        if (lo < d->count && d->items[lo].day == day) {
            active_day *a = &d->items[lo];
            if (ms < a->first_ms) a->first_ms = ms;
            if (ms > a->last_ms) a->last_ms = ms;
            return;
        }
    }
    GROW(d->items, d->count, d->cap);
    memmove(d->items + lo + 1, d->items + lo, (d->count - lo) * sizeof *d->items);
    d->items[lo] = (active_day){day, ms, ms};
    d->count++;
}

uint32_t day_list_lower_bound(const day_list *d, int32_t day) {
    uint32_t lo = 0, hi = d->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (d->items[mid].day < day) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static int64_t day_first(const active_day *a) { return (int64_t)a->day * TIME_MS_PER_DAY + a->first_ms; }
static int64_t day_last(const active_day *a) { return (int64_t)a->day * TIME_MS_PER_DAY + a->last_ms; }


/* Keep window bounds inside the range of day numbers (callers pass INT64_MIN/INT64_MAX for "ever"). */
#define CLAMP_WINDOW(a, b)                                                     \
    do {                                                                       \
        if ((a) < 0) (a) = 0;                                                  \
        if ((b) > (int64_t)INT32_MAX * TIME_MS_PER_DAY) (b) = (int64_t)INT32_MAX * TIME_MS_PER_DAY; \
    } while (0)

int day_list_any_in(const day_list *d, int64_t a, int64_t b) {
    CLAMP_WINDOW(a, b);
    if (a >= b || !d->count) return 0;
    /* the common cases decided by the last day alone (reports ask mostly about recent windows) */
    const active_day *last = &d->items[d->count - 1];
    if (day_last(last) < a) return 0;
    if (active_day_has_time_in(last, a, b)) return 1;
    uint32_t i = day_list_lower_bound(d, time_day_of(a));
    int32_t last_day = time_day_of(b - 1);
    for (; i < d->count && d->items[i].day <= last_day; i++)
        if (active_day_has_time_in(&d->items[i], a, b)) return 1;
    return 0;
}

uint32_t day_list_days_in(const day_list *d, int64_t a, int64_t b) {
    CLAMP_WINDOW(a, b);
    if (a >= b || !d->count) return 0;
    uint32_t i = day_list_lower_bound(d, time_day_of(a)), n = 0;
    int32_t last_day = time_day_of(b - 1);
    for (; i < d->count && d->items[i].day <= last_day; i++) n += (uint32_t)active_day_has_time_in(&d->items[i], a, b);
    return n;
}

int64_t day_list_latest_in(const day_list *d, int64_t a, int64_t b) {
    CLAMP_WINDOW(a, b);
    if (a >= b || !d->count) return INT64_MIN;
    const active_day *last = &d->items[d->count - 1];
    if (day_last(last) < b) return day_last(last) >= a ? day_last(last) : INT64_MIN; /* b is past all activity */
    uint32_t i = day_list_lower_bound(d, time_day_of(b - 1) + 1);
    while (i > 0) {
        const active_day *x = &d->items[--i];
        if (day_first(x) >= b) continue;
        /* the day's activity is taken as spanning from its first to its last time */
        int64_t t = day_last(x) < b ? day_last(x) : b - 1;
        return t >= a ? t : INT64_MIN;
    }
    return INT64_MIN;
}

/* ---- bitmaps ---- */

static void series_add(bitmap_series *s, int32_t slot, uint32_t value) {
    if (slot < 0) return;
    s->items = xgrow_indexed(s->items, &s->count, slot, sizeof *s->items);
    if (!s->items[slot]) s->items[slot] = roaring_bitmap_create();
    roaring_bitmap_add(s->items[slot], value);
}

static const roaring_bitmap_t *series_get(const bitmap_series *s, int32_t slot) {
    return slot >= 0 && slot < s->count ? s->items[slot] : NULL;
}

static void series_free(bitmap_series *s) {
    for (int32_t i = 0; i < s->count; i++)
        if (s->items[i]) roaring_bitmap_free(s->items[i]);
    free(s->items);
    s->items = NULL, s->count = 0;
}

/* ---- usage counters ---- */

static uint32_t attr_hash(uint32_t org, uint32_t team) {
    uint64_t h = ((uint64_t)org << 32 | team) * 0x9E3779B97F4A7C15ull;
    return (uint32_t)(h >> 32);
}

/* The slot holding (org, team), or the free slot where it would go. */
static uint32_t attr_slot(const usage_attr_table *t, uint32_t org, uint32_t team) {
    uint32_t mask = t->nslots - 1, k = attr_hash(org, team) & mask;
    while (t->slots[k] != INDEX_NONE && (t->items[t->slots[k]].org != org || t->items[t->slots[k]].team != team))
        k = (k + 1) & mask;
    return k;
}

static void attr_resize(usage_attr_table *t, uint32_t nslots) {
    free(t->slots);
    t->nslots = nslots;
    t->slots = xmalloc((size_t)nslots * sizeof *t->slots);
    memset(t->slots, 0xff, (size_t)nslots * sizeof *t->slots);
    for (uint32_t i = 0; i < t->count; i++) t->slots[attr_slot(t, t->items[i].org, t->items[i].team)] = i;
}

uint32_t usage_attr_intern(usage_attr_table *t, uint32_t org, uint32_t team) {
    if (t->nslots) {
        uint32_t k = attr_slot(t, org, team);
        if (t->slots[k] != INDEX_NONE) return t->slots[k];
    }
    GROW(t->items, t->count, t->cap);
    t->items[t->count] = (usage_attr){org, team};
    uint32_t i = t->count++;
    if (2 * t->count > t->nslots) attr_resize(t, t->nslots ? t->nslots * 2 : 64);
    else t->slots[attr_slot(t, org, team)] = i;
    return i;
}

int usage_attr_rehash(usage_attr_table *t) {
    if (t->count > (1u << 30)) return -1;
    uint32_t nslots = 64;
    while (nslots < 2 * (uint64_t)t->count) nslots *= 2;
    free(t->slots);
    t->nslots = nslots;
    t->slots = xmalloc((size_t)nslots * sizeof *t->slots);
    memset(t->slots, 0xff, (size_t)nslots * sizeof *t->slots);
    for (uint32_t i = 0; i < t->count; i++) {
        uint32_t k = attr_slot(t, t->items[i].org, t->items[i].team);
        if (t->slots[k] != INDEX_NONE) return -1; /* a repeated pair */
        t->slots[k] = i;
    }
    return 0;
}

void usage_attr_free(usage_attr_table *t) {
    free(t->items), free(t->slots);
    memset(t, 0, sizeof *t);
}

static int usage_cmp(const usage_entry *a, const usage_entry *b) {
    if (a->ts_ms != b->ts_ms) return a->ts_ms < b->ts_ms ? -1 : 1;
    if (a->feature != b->feature) return a->feature < b->feature ? -1 : 1;
    if (a->metric != b->metric) return a->metric < b->metric ? -1 : 1;
    if (a->attr != b->attr) return a->attr < b->attr ? -1 : 1;
    return 0;
}

static void usage_add(project_index *p, user_rec *u, const usage_entry *k) {
    uint32_t lo = 0, hi = u->nusage;
    if (hi && usage_cmp(&u->usage[hi - 1], k) < 0) {
        lo = hi; /* the common case: a newer key than any, append */
    } else {
        while (lo < hi) { /* first entry >= k */
            uint32_t mid = lo + (hi - lo) / 2;
            if (usage_cmp(&u->usage[mid], k) < 0) lo = mid + 1;
            else hi = mid;
        }
        if (lo < u->nusage && usage_cmp(&u->usage[lo], k) == 0) {
            u->usage[lo].value += k->value;
            return;
        }
    }
    GROW(u->usage, u->nusage, u->cap_usage);
    memmove(u->usage + lo + 1, u->usage + lo, (u->nusage - lo) * sizeof *u->usage);
    u->usage[lo] = *k;
    u->nusage++;
    p->usage_entries++;
}

/* Add an activity time to the user's sorted, distinct list. */
static void acts_add(user_rec *u, int64_t ts) {
    uint32_t lo = 0, hi = u->nacts;
    if (hi && u->acts[hi - 1] < ts) {
        lo = hi;
    } else {
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (u->acts[mid] < ts) lo = mid + 1;
            else hi = mid;
        }
        if (lo < u->nacts && u->acts[lo] == ts) return;
    }
    GROW(u->acts, u->nacts, u->cap_acts);
    memmove(u->acts + lo + 1, u->acts + lo, (u->nacts - lo) * sizeof *u->acts);
    u->acts[lo] = ts;
    u->nacts++;
}

/* ---- cache invalidation (writer, under the write lock) ---- */

/* Something about `day` changed: its activity, or the memberships of someone active that day. */
static void invalidate_member_orgs_day(project_index *p, int32_t day) {
    if (day < 0) return;
    if (day < p->nmember_orgs_valid) p->member_orgs_valid[day] = 0;
    p->day_version = xgrow_indexed(p->day_version, &p->nday_version, day, sizeof *p->day_version);
    p->day_version[day]++;
}

/* A user's memberships or status changed: every day the user was active may now count other orgs. */
static void invalidate_member_orgs_of_user(project_index *p, uint32_t user) {
    const day_list *d = &p->hot[user].days;
    for (uint32_t i = 0; i < d->count; i++) invalidate_member_orgs_day(p, d->items[i].day);
}

/* ---- engine ---- */

int engine_create(engine **out) {
    engine *e = xcalloc(1, sizeof *e);
    pthread_mutex_init(&e->projects_lock, NULL);
    pthread_mutex_init(&e->ingest_lock, NULL);
    json_scanner_init(&e->scan);
    json_scanner_init(&e->sub);
    *out = e;
    return 0;
}

static void project_free(project_index *p) {
    for (uint32_t i = 0; i < p->nusers; i++) {
        user_rec *u = &p->users[i];
        free(u->id);
        lww_free(&u->email), lww_free(&u->username), lww_free(&u->first_name), lww_free(&u->last_name);
        lww_free(&u->role), lww_free(&u->verified), lww_free(&u->properties), lww_free(&u->signup_query_parameters);
        free(u->status.items), free(u->teams.items), free(u->memberships), free(u->usage), free(u->acts),
            free(p->hot[i].days.items);
    }
    for (uint32_t i = 0; i < p->norgs; i++) {
        org_rec *o = &p->orgs[i];
        free(o->id);
        lww_free(&o->name), lww_free(&o->slug), lww_free(&o->domains), lww_free(&o->metadata), lww_free(&o->settings);
        free(o->status.items), free(o->memberships), free(o->teams), free(o->days.items);
    }
    for (uint32_t i = 0; i < p->nteams; i++) {
        team_rec *t = &p->teams[i];
        free(t->id);
        lww_free(&t->name), lww_free(&t->is_default);
        free(t->status.items);
    }
    for (uint32_t i = 0; i < p->nmemberships; i++) free(p->memberships[i].log.items);
    for (uint32_t i = 0; i < p->ninvites; i++) free(p->invites[i].email_lower), free(p->invites[i].invite_id);
    free(p->users), free(p->hot), free(p->orgs), free(p->teams), free(p->memberships), free(p->invites);
    free(p->user_ranks.order), free(p->user_ranks.rank), free(p->org_ranks.order), free(p->org_ranks.rank);
    strmap_free(&p->user_ids), strmap_free(&p->org_ids), strmap_free(&p->team_ids);
    free(p->user_of_num), free(p->org_of_num), free(p->team_of_num);
    string_table_free(&p->roles), string_table_free(&p->features), string_table_free(&p->metrics);
    usage_attr_free(&p->usage_attrs);
    series_free(&p->day_users), series_free(&p->day_orgs), series_free(&p->hour_users);
    if (p->deleted_users) roaring_bitmap_free(p->deleted_users);
    if (p->deleted_orgs) roaring_bitmap_free(p->deleted_orgs);
    insights_cache_clear(p);
    usage_cache_free(p);
    series_free(&p->org_usage_users), series_free(&p->team_users);
    series_free(&p->member_orgs);
    free(p->member_orgs_valid);
    free(p->day_version);
    free(p->counts);
    pthread_mutex_destroy(&p->cache_lock);
    pthread_rwlock_destroy(&p->lock);
    free(p);
}

void engine_clear(engine *e) {
    for (size_t i = 0; i < e->nprojects; i++) project_free(e->projects[i]);
    free(e->projects);
    e->projects = NULL, e->nprojects = 0;
    memset(&e->last, 0, sizeof e->last);
}

void engine_free(engine *e) {
    if (!e) return;
    engine_clear(e);
    pthread_mutex_destroy(&e->projects_lock);
    pthread_mutex_destroy(&e->ingest_lock);
    json_scanner_free(&e->scan);
    json_scanner_free(&e->sub);
    free(e);
}

project_index *engine_project(engine *e, int64_t project_id, int create) {
    pthread_mutex_lock(&e->projects_lock);
    project_index *found = NULL;
    for (size_t i = 0; i < e->nprojects && !found; i++)
        if (e->projects[i]->project_id == project_id) found = e->projects[i];
    if (!found && create) {
        found = xcalloc(1, sizeof *found);
        found->project_id = project_id;
        pthread_rwlock_init(&found->lock, NULL);
        pthread_mutex_init(&found->cache_lock, NULL);
        string_table_intern(&found->roles, "Member");
        string_table_intern(&found->features, "");
        e->projects = xrealloc(e->projects, (e->nprojects + 1) * sizeof *e->projects);
        e->projects[e->nprojects++] = found;
    }
    pthread_mutex_unlock(&e->projects_lock);
    return found;
}

static const char *jstr(const json_scanner *sc, const char *key) {
    const json_member *m = json_scan_get(sc, key);
    return m && m->value.kind == JK_STRING ? m->value.str : NULL;
}

static void apply_user_fields(user_rec *u, const json_scanner *j, version v) {
    lww_set_member(&u->email, j, "email", 0, v);
    lww_set_member(&u->username, j, "username", 0, v);
    lww_set_member(&u->first_name, j, "first_name", 0, v);
    lww_set_member(&u->last_name, j, "last_name", 0, v);
    lww_set_member(&u->role, j, "role", 0, v);
    lww_set_member(&u->verified, j, "verified", 1, v);
    lww_set_member(&u->properties, j, "properties", 1, v);
    lww_set_member(&u->signup_query_parameters, j, "signup_query_parameters", 1, v);
}

static void apply_org_fields(org_rec *o, const json_scanner *j, version v) {
    lww_set_member(&o->name, j, "name", 0, v);
    lww_set_member(&o->slug, j, "slug", 0, v);
    lww_set_member(&o->domains, j, "domains", 1, v);
    lww_set_member(&o->metadata, j, "metadata", 1, v);
    lww_set_member(&o->settings, j, "settings", 1, v);
}

static void apply_activity(project_index *p, uint32_t user, uint32_t org, int64_t ts) {
    user_hot *h = &p->hot[user];
    if (!(h->flags & HOT_ACTIVE) || ts < h->first_active_ms) h->first_active_ms = ts;
    if (!(h->flags & HOT_ACTIVE) || ts > h->last_active_ms) h->last_active_ms = ts;
    h->flags |= HOT_ACTIVE;
    int32_t day = time_day_of(ts);
    day_list_add(&h->days, ts);
    invalidate_member_orgs_day(p, day);
    series_add(&p->day_users, day, user);
    series_add(&p->hour_users, (int32_t)(ts / 3600000), user);
    if (org != INDEX_NONE) {
        series_add(&p->day_orgs, day, org);
        day_list_add(&p->orgs[org].days, ts);
    }
}

static void apply_usage(project_index *p, const json_scanner *j, json_scanner *sub, uint32_t user, uint32_t org,
                        uint32_t team, int64_t ts) {
    const char *feature = jstr(j, "feature");
    usage_entry k = {
        .ts_ms = ts,
        .attr = usage_attr_intern(&p->usage_attrs, org, team),
        .feature = (uint16_t)string_table_intern(&p->features, feature ? feature : ""),
    };
    if (org != INDEX_NONE) series_add(&p->org_usage_users, (int32_t)org, user);
    if (team != INDEX_NONE) series_add(&p->team_users, (int32_t)team, user);
    const json_member *metrics = json_scan_get(j, "metrics");
    if (!metrics || json_scan_object(sub, metrics->value.raw, metrics->value.raw_len) != 0) return;
    for (size_t i = 0; i < sub->count; i++) {
        k.metric = (uint16_t)string_table_intern(&p->metrics, sub->members[i].key);
        k.value = sub->members[i].value.number;
        usage_add(p, &p->users[user], &k);
    }
}

static char *lowercase_dup(const char *s) {
    char *d = xstrdup(s);
    for (char *c = d; *c; c++) *c = (char)tolower((unsigned char)*c);
    return d;
}

int engine_apply(engine *e, const store_event *ev) {
    project_index *p = engine_project(e, ev->project_id, 1);
    json_scanner *json = &e->scan;
    json->count = 0;
    if (ev->body && ev->type != EV_ACTIVITY && json_scan_object(json, ev->body, strlen(ev->body)) != 0) {
        log_error("index: event %lld has an unreadable body: %s", (long long)ev->seq, json->error);
        return -1;
    }
    const int64_t ts = ev->ts_ms;
    /* activity and usage are commutative: only facts with a history need the content tiebreak */
    version v = {ts, ev->type == EV_ACTIVITY || ev->type == EV_USAGE
                         ? 0
                         : event_content_hash(ev->type, ev->user_id, ev->org_id, ev->team_id, ev->body)};
    const uint64_t records_before = (uint64_t)p->nusers + p->norgs + p->nteams + p->nmemberships;
    uint32_t user = resolve(p, STORE_KIND_USER, ev->user_num, ev->user_id, ts);
    uint32_t org = resolve(p, STORE_KIND_ORG, ev->org_num, ev->org_id, ts);
    uint32_t team = resolve(p, STORE_KIND_TEAM, ev->team_num, ev->team_id, ts);

    switch ((event_type)ev->type) {
    case EV_USER_CREATED: {
        user_rec *u = &p->users[user];
        if (!u->has_created || ts < u->created_ms) u->created_ms = ts;
        u->has_created = 1;
        if (ts > u->updated_ms) u->updated_ms = ts;
        apply_user_fields(u, json, v);
        history_insert(&u->status, v, STATUS_CREATED, 0);
        user_derive_status(u);
        p->deleted_version += (uint64_t)bitmap_set(&p->deleted_users, user, u->deleted);
        hot_status(&p->hot[user], u);
        invalidate_member_orgs_of_user(p, user);
        break;
    }
    case EV_USER_UPDATED: {
        user_rec *u = &p->users[user];
        if (ts > u->updated_ms) u->updated_ms = ts;
        apply_user_fields(u, json, v);
        break;
    }
    case EV_USER_DEACTIVATED:
    case EV_USER_REACTIVATED:
    case EV_USER_DELETED: {
        user_rec *u = &p->users[user];
        int kind = ev->type == EV_USER_DELETED ? STATUS_DELETED
                   : ev->type == EV_USER_DEACTIVATED ? STATUS_DEACTIVATED
                                                     : STATUS_REACTIVATED;
        if (ts > u->updated_ms) u->updated_ms = ts;
        history_insert(&u->status, v, kind, 0);
        user_derive_status(u);
        p->deleted_version += (uint64_t)bitmap_set(&p->deleted_users, user, u->deleted);
        hot_status(&p->hot[user], u);
        invalidate_member_orgs_of_user(p, user);
        break;
    }
    case EV_ORG_CREATED:
    case EV_ORG_UPDATED: {
        org_rec *o = &p->orgs[org];
        if (ev->type == EV_ORG_CREATED) {
            if (!o->has_created || ts < o->created_ms) o->created_ms = ts;
            o->has_created = 1;
            history_insert(&o->status, v, STATUS_CREATED, 0);
            o->deleted = (unsigned)status_deleted(&o->status);
            p->deleted_version += (uint64_t)bitmap_set(&p->deleted_orgs, org, o->deleted);
        }
        if (ts > o->updated_ms) o->updated_ms = ts;
        apply_org_fields(o, json, v);
        break;
    }
    case EV_ORG_DELETED: {
        org_rec *o = &p->orgs[org];
        history_insert(&o->status, v, STATUS_DELETED, 0);
        o->deleted = (unsigned)status_deleted(&o->status);
        p->deleted_version += (uint64_t)bitmap_set(&p->deleted_orgs, org, o->deleted);
        if (ts > o->updated_ms) o->updated_ms = ts;
        break;
    }
    case EV_MEMBER_ADDED:
    case EV_MEMBER_REMOVED:
    case EV_MEMBER_ROLE_CHANGED: {
        uint32_t midx = membership_get(p, org, user); /* may move p->memberships */
        membership_rec *m = &p->memberships[midx];
        const char *role = ev->type == EV_MEMBER_REMOVED ? NULL : jstr(json, "role");
        int kind = ev->type == EV_MEMBER_ADDED ? MEMBER_ADDED
                   : ev->type == EV_MEMBER_REMOVED ? MEMBER_REMOVED
                                                   : MEMBER_ROLE_CHANGED;
        history_insert(&m->log, v, kind, string_table_intern(&p->roles, role ? role : "Member"));
        membership_derive(m);
        invalidate_member_orgs_of_user(p, user);
        break;
    }
    case EV_TEAM_CREATED: {
        team_rec *t = &p->teams[team];
        if (t->org == INDEX_NONE) {
            t->org = org;
            org_rec *o = &p->orgs[org];
            GROW(o->teams, o->nteams, o->cap_teams);
            o->teams[o->nteams++] = team;
        }
        if (!t->has_created || ts < t->created_ms) t->created_ms = ts;
        t->has_created = 1;
        lww_set_member(&t->name, json, "name", 0, v);
        lww_set_member(&t->is_default, json, "is_default", 1, v);
        history_insert(&t->status, v, STATUS_CREATED, 0);
        t->deleted = (unsigned)status_deleted(&t->status);
        break;
    }
    case EV_TEAM_DELETED: {
        team_rec *t = &p->teams[team];
        history_insert(&t->status, v, STATUS_DELETED, 0);
        t->deleted = (unsigned)status_deleted(&t->status);
        break;
    }
    case EV_TEAM_MEMBER_ADDED:
    case EV_TEAM_MEMBER_REMOVED: {
        user_rec *u = &p->users[user];
        history_insert(&u->teams, v, ev->type == EV_TEAM_MEMBER_ADDED ? TEAM_JOINED : TEAM_LEFT, team);
        if (ev->type == EV_TEAM_MEMBER_ADDED) series_add(&p->team_users, (int32_t)team, user);
        user_derive_team(u);
        break;
    }
    case EV_INVITE_SENT:
    case EV_INVITE_ACCEPTED:
    case EV_INVITE_REVOKED: {
        GROW(p->invites, p->ninvites, p->cap_invites);
        invite_rec *r = &p->invites[p->ninvites++];
        const char *inviter = jstr(json, "inviter_user_id");
        const char *invite_id = jstr(json, "invite_id");
        const char *role = jstr(json, "role");
        r->v = v;
        r->kind = ev->type;
        r->org = org;
        r->user = user;
        r->team = team;
        r->inviter = inviter ? intern_user(p, inviter, ts) : INDEX_NONE;
        r->email_lower = lowercase_dup(jstr(json, "email"));
        r->invite_id = invite_id ? xstrdup(invite_id) : NULL;
        r->role = string_table_intern(&p->roles, role ? role : "Member");
        break;
    }
    case EV_ACTIVITY:
        apply_activity(p, user, org, ts);
        acts_add(&p->users[user], ts);
        break;
    case EV_USAGE:
        apply_activity(p, user, org, ts);
        apply_usage(p, json, &e->sub, user, org, team, ts);
        break;
    case EV__COUNT: break;
    }
    if (ev->seq >= e->last.seq) {
        e->last = *ev;
        e->last.id = e->last.user_id = e->last.org_id = e->last.team_id = e->last.body = NULL;
    }
    p->events++;
    p->version++;
    if (ev->type >= 0 && ev->type < 32) p->events_by_type[ev->type]++;
    switch ((event_type)ev->type) { /* the events that never change a user's, org's, team's or membership's status */
    case EV_ACTIVITY: case EV_USAGE: case EV_USER_UPDATED: case EV_MEMBER_ROLE_CHANGED: case EV_TEAM_MEMBER_ADDED:
    case EV_TEAM_MEMBER_REMOVED: case EV_INVITE_SENT: case EV_INVITE_ACCEPTED: case EV_INVITE_REVOKED:
        if ((uint64_t)p->nusers + p->norgs + p->nteams + p->nmemberships != records_before) p->entities_version++;
        break;
    default: p->entities_version++; break;
    }
    return 0;
}

/* The rebuild is a two-thread pipeline: the caller's thread reads the store (SQLite decoding, and the store's id
 * set) into batches of copied rows while a second thread applies the previous batch to the index. */
#define REBUILD_ROWS 8192
#define REBUILD_TEXT (4u << 20)

typedef struct rebuild_slot {
    store_event rows[REBUILD_ROWS];
    size_t n;
    char *text;
    size_t used, cap;
} rebuild_slot;

typedef struct rebuild_ctx {
    engine *e;
    handoff h;
    rebuild_slot *slots; /* two */
    int current;         /* slot being filled, or -1 */
    uint64_t count;
} rebuild_ctx;

static const char *slot_copy(rebuild_slot *sl, const char *s) {
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *p = sl->text + sl->used;
    memcpy(p, s, n);
    sl->used += n;
    return p;
}

static size_t row_text_size(const store_event *ev) { return ev->body ? strlen(ev->body) + 1 : 0; }

static int rebuild_read_one(void *ctx, const store_event *ev) {
    rebuild_ctx *r = ctx;
    if (ev->type < 0 || ev->type >= EV__COUNT) return 0;
    size_t need = row_text_size(ev);
    rebuild_slot *sl = r->current >= 0 ? &r->slots[r->current] : NULL;
    if (sl && (sl->n == REBUILD_ROWS || sl->used + need > sl->cap)) {
        handoff_publish(&r->h);
        r->current = -1, sl = NULL;
    }
    if (!sl) {
        if ((r->current = handoff_acquire_free(&r->h)) < 0) return -1;
        sl = &r->slots[r->current];
        sl->n = 0, sl->used = 0;
        if (need > sl->cap) {
            free(sl->text);
            sl->cap = need;
            sl->text = xmalloc(sl->cap);
        }
    }
    store_event *row = &sl->rows[sl->n++];
    *row = *ev;
    row->id = NULL; /* the index does not need it */
    /* the id strings belong to the store's entity map and live as long as the store; only the body is copied */
    row->body = slot_copy(sl, ev->body);
    return 0;
}

/* Start loading the user records a row names, a few rows ahead of applying it (the records are a random walk over
 * hundreds of megabytes at a million users). */
static void prefetch_user(engine *e, const store_event *ev) {
    project_index *p = e->nprojects == 1 && e->projects[0]->project_id == ev->project_id ? e->projects[0] : NULL;
    if (!p || ev->user_num < 0 || (uint64_t)ev->user_num >= p->nuser_of_num) return;
    uint32_t idx = p->user_of_num[ev->user_num];
    if (idx == INDEX_NONE) return;
    __builtin_prefetch(&p->hot[idx], 1);
    if (ev->type == EV_ACTIVITY) __builtin_prefetch(&p->users[idx].acts, 1); /* its activity times (acts_add) */
}

static void *rebuild_apply_main(void *arg) {
    rebuild_ctx *r = arg;
    int i;
    while ((i = handoff_acquire_ready(&r->h)) >= 0) {
        rebuild_slot *sl = &r->slots[i];
        for (size_t k = 0; k < sl->n; k++) {
            if (k + 16 < sl->n) prefetch_user(r->e, &sl->rows[k + 16]);
            if (engine_apply(r->e, &sl->rows[k]) == 0) r->count++;
        }
        handoff_release(&r->h, 0);
    }
    return NULL;
}

int engine_rebuild(engine *e, store *s, int64_t after_seq, uint64_t *out_events) {
    rebuild_ctx r = {.e = e, .current = -1};
    handoff_init(&r.h);
    r.slots = xcalloc(2, sizeof *r.slots);
    for (int i = 0; i < 2; i++) r.slots[i].text = xmalloc(REBUILD_TEXT), r.slots[i].cap = REBUILD_TEXT;
    pthread_t applier;
    pthread_create(&applier, NULL, rebuild_apply_main, &r);
    int rc = store_events_scan(s, after_seq, rebuild_read_one, &r);
    if (r.current >= 0) handoff_publish(&r.h);
    handoff_close(&r.h);
    pthread_join(applier, NULL);
    handoff_destroy(&r.h);
    for (int i = 0; i < 2; i++) free(r.slots[i].text);
    free(r.slots);
    if (out_events) *out_events = r.count;
    return rc;
}

int engine_user_find(const project_index *p, const char *id, uint32_t *out) {
    return strmap_get(&p->user_ids, id, strlen(id), out);
}

int engine_org_find(const project_index *p, const char *id, uint32_t *out) {
    return strmap_get(&p->org_ids, id, strlen(id), out);
}

uint64_t engine_active_users_on_day(const project_index *p, int32_t day) {
    const roaring_bitmap_t *b = series_get(&p->day_users, day);
    return b ? roaring_bitmap_get_cardinality(b) : 0;
}

uint64_t engine_active_orgs_on_day(const project_index *p, int32_t day) {
    const roaring_bitmap_t *users = series_get(&p->day_users, day);
    const roaring_bitmap_t *named = series_get(&p->day_orgs, day);
    if (!users && !named) return 0;
    /* Activity of an org: an event naming it, or by a user who was a member of it that day. */
    roaring_bitmap_t *orgs = named ? roaring_bitmap_copy(named) : roaring_bitmap_create();
    if (users) {
        int64_t day_start = (int64_t)day * TIME_MS_PER_DAY, day_end = day_start + TIME_MS_PER_DAY;
        roaring_uint32_iterator_t *it = roaring_create_iterator(users);
        for (; it->has_value; roaring_advance_uint32_iterator(it)) {
            const user_rec *u = &p->users[it->current_value];
            for (uint32_t i = 0; i < u->nmemberships; i++) {
                const membership_rec *m = &p->memberships[u->memberships[i]];
                int member_at_start = 0, joined_that_day = 0;
                for (uint32_t k = 0; k < m->log.count && m->log.items[k].v.ts_ms < day_end; k++) {
                    const history_entry *h = &m->log.items[k];
                    if (h->v.ts_ms >= day_start)
                        joined_that_day |= h->kind == MEMBER_ADDED;
                    else if (h->kind != MEMBER_ROLE_CHANGED)
                        member_at_start = h->kind == MEMBER_ADDED;
                }
                if (member_at_start || joined_that_day) roaring_bitmap_add(orgs, m->org);
            }
        }
        roaring_free_uint32_iterator(it);
    }
    uint64_t n = 0;
    roaring_uint32_iterator_t *it = roaring_create_iterator(orgs);
    for (; it->has_value; roaring_advance_uint32_iterator(it))
        if (!p->orgs[it->current_value].deleted) n++;
    roaring_free_uint32_iterator(it);
    roaring_bitmap_free(orgs);
    return n;
}

void engine_count(const project_index *p, engine_counts *out) {
    memset(out, 0, sizeof *out);
    for (uint32_t i = 0; i < p->nusers; i++) {
        if (p->users[i].deleted) continue;
        out->users++;
        if (p->users[i].deactivated) out->users_deactivated++;
    }
    for (uint32_t i = 0; i < p->norgs; i++) out->orgs += !p->orgs[i].deleted;
    for (uint32_t i = 0; i < p->nteams; i++) out->teams += !p->teams[i].deleted && p->teams[i].org != INDEX_NONE;
    for (uint32_t i = 0; i < p->nmemberships; i++) {
        const membership_rec *m = &p->memberships[i];
        out->memberships += m->active && !p->users[m->user].deleted && !p->orgs[m->org].deleted;
    }
    out->invitations_sent = p->events_by_type[EV_INVITE_SENT];
    out->events = p->events;
}

void engine_count_cached(project_index *p, engine_counts *out) {
    pthread_mutex_lock(&p->cache_lock);
    if (!p->counts || p->counts_version != p->entities_version) {
        if (!p->counts) p->counts = xmalloc(sizeof *p->counts);
        engine_count(p, p->counts);
        p->counts_version = p->entities_version;
    }
    *out = *p->counts;
    out->invitations_sent = p->events_by_type[EV_INVITE_SENT]; /* counters: always current */
    out->events = p->events;
    pthread_mutex_unlock(&p->cache_lock);
}

int engine_membership_active_at(const membership_rec *m, int64_t t) {
    int active = 0;
    for (uint32_t i = 0; i < m->log.count && m->log.items[i].v.ts_ms <= t; i++) {
        if (m->log.items[i].kind == MEMBER_ADDED) active = 1;
        else if (m->log.items[i].kind == MEMBER_REMOVED) active = 0;
    }
    return active;
}

int engine_membership_next_interval(const membership_rec *m, uint32_t *cursor, int64_t *start, int64_t *end) {
    if (m->intervals < 2) { /* derived already: zero or one interval */
        if (*cursor > 0 || m->intervals == 0) return 0;
        *cursor = 1, *start = m->start_ms, *end = m->end_ms;
        return 1;
    }
    /* *cursor is the log position to resume from */
    uint32_t i = *cursor;
    while (i < m->log.count && m->log.items[i].kind != MEMBER_ADDED) i++;
    if (i >= m->log.count) return 0;
    *start = m->log.items[i].v.ts_ms, *end = INT64_MAX;
    for (i++; i < m->log.count; i++) {
        if (m->log.items[i].kind == MEMBER_REMOVED) {
            *end = m->log.items[i].v.ts_ms;
            i++;
            break;
        }
    }
    *cursor = i;
    return 1;
}

static int cmp_membership_by_org_id(const void *a, const void *b, void *ctx) {
    const project_index *p = ctx;
    return strcmp(p->orgs[p->memberships[*(const uint32_t *)a].org].id, p->orgs[p->memberships[*(const uint32_t *)b].org].id);
}

uint32_t engine_user_current_memberships(const project_index *p, const user_rec *u, uint32_t **out) {
    uint32_t *ms = xmalloc((u->nmemberships + 1) * sizeof *ms), n = 0;
    for (uint32_t i = 0; i < u->nmemberships; i++) {
        const membership_rec *m = &p->memberships[u->memberships[i]];
        if (m->active && !p->orgs[m->org].deleted) ms[n++] = u->memberships[i];
    }
    qsort_r(ms, n, sizeof *ms, cmp_membership_by_org_id, (void *)p);
    *out = ms;
    return n;
}

const char *engine_role_name(const project_index *p, uint32_t role) {
    return role < p->roles.count ? p->roles.items[role] : "Member";
}
