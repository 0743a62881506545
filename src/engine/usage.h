/* usage.h: the usage-metrics computations (../shared/specs/tabnine.md, and orgpulse's own GET /v1/usage) over the
 * in-memory index: usage series by org, team, user or the whole project at every granularity, monthly account
 * utilization, a team's utilization now, and the member and team lists those endpoints show. The definitions below
 * are the contract; src/api/api_usage.c only parses and renders.
 *
 * Terms. A usage entry is one user's summed metric values per (event time, feature, metric, named org and team)
 * (index.h); the index also keeps the time of each of a user's activity events. Every event is judged at its own
 * timestamp, to the millisecond. Deleted users count nowhere (neither their usage nor their activity).
 *
 * Attribution. A usage event at time t counts for:
 *   an org O    when it named O; an event that named no org counts for every org the user was a member of at t;
 *   a team T    when it named T; an event that named no team counts for the team the user was in at t (events.md:
 *               "the user's team at that time"; a user is in at most one team at a time), provided the event named
 *               no org or named T's org;
 *   a user U    when it is U's.
 * "At t" follows the histories: a membership or team change at exactly t is in force at t (the last change at or
 * before t decides, changes at one millisecond ordered by their content hash, index.h), whatever the order in which
 * the events arrived. A user is active in a bucket for a scope (an org, a team, a user, or the whole project) when
 * some usage of theirs in the bucket counts for it, or when they had an activity or usage event in the bucket at a
 * time they belonged to the scope (a member of the org, in the team; for a user or the project, any event). An
 * activity event naming an org is therefore counted for the orgs the user belongs to then (as Insights counts an
 * org's activity through its members), not for an org they do not belong to. Per feature, active users are those
 * with usage of that feature counted for the scope.
 *
 * Precision. An event counts in the bucket whose [from, to) holds its time: buckets are calendar periods clipped to
 * the window [from, to), so a `from` or `to` inside a day clips that day exactly (to exclusive) and a window may lie
 * inside one day. Bucket edges inside the window are always midnights (days, ISO weeks from Monday, calendar months).
 *
 * Caching. The per-day rollups of an org, a team or the whole project with many candidate users are cached for whole
 * days (under their own lock, inside the read lock) and each day's rollup is recomputed when the index's change stamp
 * for that day moved (day_version: activity that day, or a membership or status change of someone active that day)
 * or, for teams, when any team event arrived. A day the window cuts (at most its first and its last) is computed for
 * each request from the users with events in the hours it overlaps. A cached scope also keeps its candidate users
 * and their membership (or team) intervals, made again when they change. Every result returned is the caller's. */
#ifndef ORGPULSE_ENGINE_USAGE_H
#define ORGPULSE_ENGINE_USAGE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/index.h"

enum {
    USAGE_OK = 0,
    USAGE_EINVAL = -1, /* a window or bucket count out of range */
};

typedef enum usage_granularity { USAGE_ALL, USAGE_DAY, USAGE_WEEK, USAGE_MONTH } usage_granularity;

#define USAGE_ANY (-1)      /* no restriction on the feature or metric */
#define USAGE_NO_MATCH (-2) /* a feature or metric name the project never saw: nothing matches */

/* What to sum. org, team and user restrict the scope (INDEX_NONE = no restriction; several restrict together).
 * feature and metric are ids in p->features / p->metrics, USAGE_ANY or USAGE_NO_MATCH. With a feature, a bucket's
 * active users are the users with usage of that feature; otherwise the users active in the scope. */
typedef struct usage_query {
    int64_t from_ms, to_ms; /* [from, to), from < to */
    usage_granularity granularity;
    uint32_t org, team, user;
    int32_t feature, metric;
} usage_query;

typedef struct usage_sum {
    uint16_t feature, metric;
    double value;
} usage_sum;

typedef struct usage_feature_users {
    uint16_t feature;
    uint64_t users; /* distinct users with usage of the feature in the bucket */
} usage_feature_users;

typedef struct usage_bucket {
    int64_t from_ms, to_ms; /* clipped to the window */
    uint64_t active_users;
    usage_feature_users *features; /* features with usage in the bucket, ascending id */
    uint32_t nfeatures;
    usage_sum *sums; /* ascending (feature, metric) */
    uint32_t nsums;
} usage_bucket;

typedef struct usage_series {
    usage_bucket *buckets; /* oldest first; zero buckets included */
    size_t count;
} usage_series;

/* The buckets of [from, to) at a granularity: calendar periods overlapping the window, clipped to it (`all`: one).
 * Returns the count, or 0 when from >= to. */
size_t engine_usage_bucket_count(int64_t from_ms, int64_t to_ms, usage_granularity g);

/* Sum usage for q (caller holds the project's read lock). Returns USAGE_OK with *out owned by the caller
 * (engine_usage_series_free), or USAGE_EINVAL with *out == NULL when the window is empty. */
int engine_usage_series(project_index *p, const usage_query *q, usage_series **out /* OUT */);
void engine_usage_series_free(usage_series *s);

/* Has the user ever been a member of the org (now or in the past)? */
int engine_usage_user_belongs(const project_index *p, uint32_t user, uint32_t org);

/* What a query grouped by org, team or user lists: the orgs or teams not deleted that the query's restrictions
 * allow (an org restriction keeps its teams; a user restriction keeps the orgs and teams of their memberships,
 * team history and usage; a team restriction keeps its org), or the candidate users of the scope (the org's
 * members and users whose usage named it, the team's users, every user) who are not deleted and had an activity or
 * usage event in the window [from, to). Sorted by id; the caller frees *out. */
typedef enum usage_group { USAGE_GROUP_NONE, USAGE_GROUP_ORG, USAGE_GROUP_TEAM, USAGE_GROUP_USER } usage_group;
size_t engine_usage_groups(const project_index *p, const usage_query *q, usage_group g, uint32_t **out /* OUT */);

/* ---- utilization ---- */

/* One month of an org's account utilization. A member is a user with an active membership in the org, not deleted.
 * The month's end is its last millisecond, or now for the current month (facts with a time at or before it count).
 *   registered   members who were, at some moment of the month (up to now), a member and not deactivated;
 *   active       members at the month's end who are not deactivated then;
 *   deactivated  members at the month's end who are deactivated then;
 *   pending      invitations to the org pending at the month's end: per e-mail (case-insensitive), the latest of
 *                its invite.sent / invite.accepted / invite.revoked events at or before then is an invite.sent. */
typedef struct usage_month {
    int year, month; /* month 1..12 */
    uint32_t registered, active, deactivated, pending;
} usage_month;

/* The months from the one holding first_day up to the current month (now's), ascending; none when first_day is
 * after now. Caller frees *out. */
int engine_usage_org_utilization(const project_index *p, uint32_t org, int32_t first_day, int64_t now_ms,
                                 usage_month **out /* OUT */, size_t *n /* OUT */);

/* A team now: registered = its users (engine_usage_team_members) not deactivated, deactivated = the deactivated
 * ones, invited = invitations to the team's org pending now whose latest invite.sent named the team. */
typedef struct usage_team_counts {
    uint32_t registered, deactivated, invited;
} usage_team_counts;
void engine_usage_team_utilization(const project_index *p, uint32_t team, int64_t now_ms, usage_team_counts *out);

/* ---- members and teams ---- */

/* The team with this id, when it exists and is not deleted: 0 and *out, or -1. */
int engine_usage_team_find(const project_index *p, const char *id, uint32_t *out /* OUT */);

/* The user's membership in the org when it is active now, else NULL. */
const membership_rec *engine_usage_current_membership(const project_index *p, uint32_t user, uint32_t org);

/* The team a user is in now, when it is a team of `org` that is not deleted; else INDEX_NONE. */
uint32_t engine_usage_user_team_in(const project_index *p, const user_rec *u, uint32_t org);

/* Filters over an org's current members (active membership, user not deleted). -1 means no filter. */
typedef struct usage_member_filter {
    int in_team;        /* 1: in a team of the org; 0: in none */
    int active;         /* 1: not deactivated; 0: deactivated */
    uint32_t team;      /* only the users of this team (INDEX_NONE: any) */
    const char *role;   /* only this membership role, case-insensitive (NULL: any) */
} usage_member_filter;

/* The org's current members that pass the filter, as indexes into p->memberships sorted by user id. Caller frees. */
size_t engine_usage_org_members(const project_index *p, uint32_t org, const usage_member_filter *f,
                                uint32_t **out /* OUT */);

/* The org's teams that are not deleted, sorted by team id, each with its number of users (current members of the
 * org whose team it is). Caller frees both arrays. */
size_t engine_usage_org_teams(const project_index *p, uint32_t org, uint32_t **teams /* OUT */,
                              uint32_t **users /* OUT */);

/* Sort entity indexes by their id strings (users: kind STORE_KIND_USER; orgs; teams), in place. */
void engine_usage_sort_by_id(const project_index *p, int kind, uint32_t *items, size_t n);

/* Recompute p->org_usage_users and p->team_users from the users' usage entries and team histories (what
 * engine_apply maintains event by event), e.g. after loading an index that did not keep them. */
void engine_usage_derive_candidates(project_index *p);

/* Free the project's usage cache (at shutdown; index.c calls it). */
void usage_cache_free(project_index *p);

#endif
