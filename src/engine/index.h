/* index.h: the in-memory index of one orgpulse process: for every project, its users, orgs, memberships with their
 * history, teams, invitations, per-UTC-day and per-hour CRoaring bitmaps of who was active, each user's activity
 * times and time-keyed usage counters. It is rebuilt from the store's event log at start and updated after every
 * accepted batch.
 *
 * Design notes
 * (1) Order independence. Ingesting a set of events gives the same index whatever their arrival order:
 *     - each entity field is a last-writer-wins register versioned by (event timestamp, tiebreak), where the
 *       tiebreak is a hash of the event's canonical JSON, so equal timestamps resolve the same way everywhere;
 *     - histories (status changes, memberships, team moves) are kept sorted by that version and the current state is
 *       derived by walking them;
 *     - activity and usage are commutative (bitmap unions, sums, min/max).
 * (2) Dense ids. Users, orgs and teams are interned into dense uint32 indexes, which are the bitmap positions.
 * (3) Concurrency. Each project has a rwlock: readers (API requests) share it, the writer (ingest, one at a time
 *     through engine_ingest_batch's mutex) takes it exclusively only while applying an already-stored batch. */
#ifndef ORGPULSE_ENGINE_INDEX_H
#define ORGPULSE_ENGINE_INDEX_H

#include <pthread.h>
#include <roaring/roaring.h>
#include <stdint.h>

#include "store/store.h"
#include "util/json_scan.h"
#include "util/strmap.h"

#define INDEX_NONE UINT32_MAX

/* The version of a fact: its event time, then a content hash for equal times. */
typedef struct version {
    int64_t ts_ms;
    uint64_t tiebreak;
} version;

/* A last-writer-wins string field (value NULL = unset). */
typedef struct lww_text {
    char *value;
    version v;
} lww_text;

/* One entry of a sorted history. `kind` and `arg` depend on the history. */
typedef struct history_entry {
    version v;
    int kind;
    uint32_t arg; /* role id, team index... */
} history_entry;

typedef struct history {
    history_entry *items;
    uint32_t count, cap;
} history;

/* The UTC days on which an entity was active, each with its first and last activity time that day (ms into the
 * day), sorted by day. Answers "was it active in [a, b)" exactly whenever a and b fall on different days, and counts
 * active days; 12 bytes per active day. */
typedef struct active_day {
    int32_t day;
    uint32_t first_ms, last_ms;
} active_day;

typedef struct day_list {
    active_day *items;
    uint32_t count, cap;
} day_list;

/* Does this active day hold a time in [a_ms, b_ms)? (Its activity taken as spanning its first to its last time.) */
static inline int active_day_has_time_in(const active_day *x, int64_t a_ms, int64_t b_ms) {
    int64_t start = (int64_t)x->day * 86400000LL;
    return start + x->first_ms < b_ms && start + x->last_ms >= a_ms;
}

/* Index of the first active day >= day (d->count when none). */
uint32_t day_list_lower_bound(const day_list *d, int32_t day);
/* Activity in [a_ms, b_ms)? Exact when a and b fall on different days; within one day the day's activity is taken
 * as spanning from its first to its last time. */
int day_list_any_in(const day_list *d, int64_t a_ms, int64_t b_ms);
/* Days with activity in [a_ms, b_ms). */
uint32_t day_list_days_in(const day_list *d, int64_t a_ms, int64_t b_ms);
/* The latest activity time in [a_ms, b_ms), or INT64_MIN when none. A day's activity is taken as spanning from its
 * first to its last time, so when b cuts into that span the answer is b - 1. */
int64_t day_list_latest_in(const day_list *d, int64_t a_ms, int64_t b_ms);

enum { STATUS_CREATED, STATUS_DELETED, STATUS_DEACTIVATED, STATUS_REACTIVATED };
enum { MEMBER_ADDED, MEMBER_REMOVED, MEMBER_ROLE_CHANGED };
enum { TEAM_JOINED, TEAM_LEFT };

/* Usage counters of one user: one value per (event time, feature, metric, attribution), where the attribution is
 * the (org, team) the event named (project_index.usage_attrs; INDEX_NONE for a field it did not name). Kept sorted by
 * that key in the user's own vector (events mostly arrive in time order, so adding is an append); events of one
 * user at the same millisecond with the same feature and attribution share their entries. Org, team and user usage
 * all roll up from these, clipped at the exact event times. 24 bytes each (the attribution interned keeps them at
 * the size the per-day counters had). Attribution indexes are numbered in arrival order, so entries of one time may
 * sit in another order in two indexes of the same events; what they sum to is the same. */
typedef struct usage_entry {
    int64_t ts_ms;
    uint16_t feature, metric;
    uint32_t attr; /* index into project_index.usage_attrs */
    double value;
} usage_entry;

/* The org and team a usage event named (INDEX_NONE: none), interned per project: usage entries refer to them. */
typedef struct usage_attr {
    uint32_t org, team;
} usage_attr;

/* The interned attributions and their hash table (open addressing over attribution indexes, INDEX_NONE = free). */
typedef struct usage_attr_table {
    usage_attr *items;
    uint32_t count, cap;
    uint32_t *slots;
    uint32_t nslots; /* power of two, or 0 */
} usage_attr_table;

/* The attribution index of (org, team), interned when new. */
uint32_t usage_attr_intern(usage_attr_table *t, uint32_t org, uint32_t team);
/* Rebuild the hash table from items (after loading them); -1 when two items are equal. */
int usage_attr_rehash(usage_attr_table *t);
void usage_attr_free(usage_attr_table *t);

typedef struct user_rec {
    char *id;
    lww_text email, username, first_name, last_name, role, verified, properties, signup_query_parameters;
    int64_t created_ms;      /* earliest user.created, when has_created (first seen and activity: user_hot) */
    int64_t updated_ms;      /* latest event changing the user */
    history status;      /* STATUS_* */
    history teams;       /* TEAM_JOINED / TEAM_LEFT with arg = team index */
    uint32_t *memberships; /* indexes into project_index.memberships */
    uint32_t nmemberships, cap_memberships;
    usage_entry *usage;
    uint32_t nusage, cap_usage;
    int64_t *acts; /* the times of the user's `activity` events, sorted, distinct (usage times are in `usage`) */
    uint32_t nacts, cap_acts;
    /* derived from the histories */
    unsigned deleted : 1, deactivated : 1, has_created : 1;
    int64_t deactivated_ms; /* start of the current deactivation */
    uint32_t team;          /* current team or INDEX_NONE */
} user_rec;

/* The part of a user that every activity event touches and that reports scan for every user, kept apart from
 * user_rec (cold: names, histories, usage) so the rebuild touches one small record per event and a pass over a
 * million users reads 48 MB instead of 300. */
#define HOT_ACTIVE 1u /* has an activity time: first_active_ms and last_active_ms are set */
#define HOT_LISTED 2u /* neither deleted nor deactivated: may appear in user reports */
#define HOT_DELETED 4u

typedef struct user_hot {
    int64_t first_seen_ms; /* earliest event naming the user */
    int64_t first_active_ms, last_active_ms;
    day_list days; /* activity and usage naming the user */
    uint32_t flags;
} user_hot;

/* Entity ids in byte order, for report tie-breaks: rank[i] is entity i's position. Refreshed lazily (new entities
 * are sorted and merged in). */
typedef struct id_ranks {
    uint32_t *order; /* entity indexes sorted by id */
    uint32_t *rank;
    uint32_t count;
} id_ranks;

typedef struct org_rec {
    char *id;
    lww_text name, slug, domains, metadata, settings; /* JSON texts except name and slug */
    int64_t first_seen_ms, created_ms, updated_ms; /* created_ms when has_created */
    history status; /* STATUS_CREATED / STATUS_DELETED */
    uint32_t *memberships;
    uint32_t nmemberships, cap_memberships;
    uint32_t *teams;
    uint32_t nteams, cap_teams;
    day_list days; /* activity and usage events naming the org */
    unsigned deleted : 1, has_created : 1;
} org_rec;

typedef struct membership_rec {
    uint32_t org, user;
    history log; /* MEMBER_* with arg = role id */
    /* derived */
    unsigned active : 1;
    unsigned intervals : 2; /* 0, 1, or 2 meaning "two or more" (then walk the log) */
    uint32_t role;          /* role id */
    int64_t added_ms;       /* start of the current membership */
    int64_t start_ms, end_ms; /* the only interval when intervals == 1 (end INT64_MAX while it lasts) */
} membership_rec;

typedef struct team_rec {
    char *id;
    uint32_t org; /* INDEX_NONE until team.created names it */
    lww_text name, is_default;
    int64_t first_seen_ms, created_ms; /* created_ms when has_created */
    history status;
    unsigned deleted : 1, has_created : 1;
} team_rec;

typedef struct invite_rec {
    version v;
    int kind; /* EV_INVITE_SENT / _ACCEPTED / _REVOKED */
    uint32_t org, inviter, team, user; /* INDEX_NONE when absent */
    char *email_lower;
    char *invite_id;
    uint32_t role;
} invite_rec;

/* A growable table of bitmaps indexed by day number (or hour number). */
typedef struct bitmap_series {
    roaring_bitmap_t **items;
    int32_t count; /* slots allocated: indexes 0..count-1 */
} bitmap_series;

/* Interned short strings (roles, features, metrics). */
typedef struct string_table {
    char **items;
    uint32_t count, cap;
    strmap map;
} string_table;

typedef struct project_index {
    int64_t project_id;
    pthread_rwlock_t lock;
    user_rec *users;
    user_hot *hot; /* parallel to users */
    uint32_t nusers, cap_users;
    strmap user_ids;
    org_rec *orgs;
    uint32_t norgs, cap_orgs;
    strmap org_ids;
    team_rec *teams;
    uint32_t nteams, cap_teams;
    strmap team_ids;
    membership_rec *memberships;
    uint32_t nmemberships, cap_memberships;
    invite_rec *invites;
    uint32_t ninvites, cap_invites;
    string_table roles, features, metrics;
    usage_attr_table usage_attrs;
    bitmap_series day_users;  /* day -> users active that day */
    bitmap_series day_orgs;   /* day -> orgs named by an activity/usage event that day */
    bitmap_series hour_users; /* hour since epoch -> users active in that hour */
    roaring_bitmap_t *deleted_users, *deleted_orgs;
    uint64_t version; /* bumped by every applied event: caches built from the index compare it */
    /* Caches that readers fill (under cache_lock, inside the read lock) and the writer invalidates. */
    pthread_mutex_t cache_lock;
    struct report *reports[32]; /* insights snapshots, one per (kind, interval) */
    size_t nreports;
    bitmap_series member_orgs; /* day -> orgs active that day through their members' activity */
    uint8_t *member_orgs_valid;
    int32_t nmember_orgs_valid;
    id_ranks user_ranks, org_ranks;
    struct chart_cache *charts;      /* chart buckets already computed (insights.c) */
    struct insights_scratch *scratch; /* buffers reused by report computations (insights.c) */
    /* Change stamps the writer bumps: per day (activity that day, or membership changes of someone active then),
     * and for any change of a user's or org's deleted status. Caches compare them. */
    uint32_t *day_version;
    int32_t nday_version;
    uint64_t deleted_version;
    uint64_t usage_entries; /* sum of the users' nusage */
    /* Who may have usage counted for an org or a team (engine/usage.c looks only at these users): the users whose
     * usage events named the org (besides its members), and the users who joined the team or whose usage named it.
     * Unions, so order-independent; engine_usage_derive_candidates() rebuilds them from the users' usage entries
     * and team histories. */
    bitmap_series org_usage_users;  /* org index -> users */
    bitmap_series team_users;       /* team index -> users */
    struct usage_cache *usage_cache; /* per-day usage rollups already computed (usage.c); a cache, not state */
    /* store number (store_event.*_num) -> index here, INDEX_NONE until first seen; avoids hashing ids */
    uint32_t *user_of_num, *org_of_num, *team_of_num;
    uint32_t nuser_of_num, norg_of_num, nteam_of_num;
    uint64_t events; /* events applied */
    uint64_t events_by_type[32];
    struct engine_counts *counts; /* engine_count's last answer and the version it is for (a cache, under cache_lock) */
    uint64_t counts_version;
    uint64_t entities_version; /* bumped by the events that may change entity counts or creation times (not activity
                                * or usage of known users at later times): the key of the caches below */
    struct created_days *created_days; /* signups and orgs created per day (insights.c), for entities_version */
} project_index;

typedef struct engine {
    project_index **projects;
    size_t nprojects;
    pthread_mutex_t projects_lock; /* guards the projects array */
    pthread_mutex_t ingest_lock;   /* one writer at a time: store append + apply */
    json_scanner scan, sub;        /* the writer's scanners (under ingest_lock, or during rebuild) */
    store_event last;              /* the applied event with the largest seq (columns only; no strings) */
} engine;

int engine_create(engine **out);
void engine_free(engine *e);
/* Drop every project's index (the engine is then as engine_create made it). No reader or writer may run. */
void engine_clear(engine *e);

/* The project's index, created empty when `create` and missing; NULL otherwise. The pointer stays valid until
 * engine_free. */
project_index *engine_project(engine *e, int64_t project_id, int create);

/* Apply one stored event to its project's index (columns, plus its body: the members that are not columns).
 * The caller holds engine.ingest_lock and the project's write lock, or is single-threaded (rebuild). */
int engine_apply(engine *e, const store_event *ev);

/* Apply the store's events with seq > after_seq (0: the whole log) to every project's index, on two threads.
 * *out_events counts the events applied. Returns 0 or a store error. */
int engine_rebuild(engine *e, store *s, int64_t after_seq, uint64_t *out_events);

/* For snapshot.c: interned string tables. */
uint32_t string_table_intern(string_table *t, const char *s);
void string_table_free(string_table *t);

/* Look-ups (caller holds the read lock). Return 0 and set *out, or -1. */
int engine_user_find(const project_index *p, const char *id, uint32_t *out);
int engine_org_find(const project_index *p, const char *id, uint32_t *out);

/* Users active on `day` (distinct), or 0. */
uint64_t engine_active_users_on_day(const project_index *p, int32_t day);
uint64_t engine_active_orgs_on_day(const project_index *p, int32_t day);

/* Counts for /v1/stats. */
typedef struct engine_counts {
    uint64_t users, users_deactivated, orgs, memberships, teams, invitations_sent, events;
} engine_counts;
void engine_count(const project_index *p, engine_counts *out);
/* The same, counted once per entities_version (a cache: the caller holds the read lock). */
void engine_count_cached(project_index *p, engine_counts *out);

const char *engine_role_name(const project_index *p, uint32_t role);

/* The user's current memberships in orgs that are not deleted, sorted by org id: indexes into p->memberships in a
 * new array (caller frees); returns the count. */
uint32_t engine_user_current_memberships(const project_index *p, const user_rec *u, uint32_t **out);

/* A user's hot record, and its creation time (its first user.created, else the first event naming it). */
static inline const user_hot *engine_user_hot(const project_index *p, const user_rec *u) { return &p->hot[u - p->users]; }
static inline int64_t engine_user_created_ms(const project_index *p, const user_rec *u) {
    return u->has_created ? u->created_ms : engine_user_hot(p, u)->first_seen_ms;
}

/* Is the membership active at time t (the last add/remove at or before t is an add)? */
int engine_membership_active_at(const membership_rec *m, int64_t t_ms);
/* Walk the membership's active intervals [start, end) in time order (end INT64_MAX while it lasts): start with
 * *cursor = 0; returns 1 and the next interval, or 0 when there is none left. */
int engine_membership_next_interval(const membership_rec *m, uint32_t *cursor, int64_t *start, int64_t *end);

#endif
