/* engagement.h: the engagement dashboard's computations (../shared/specs/rocketchat.md) over the in-memory index:
 * who was active on a UTC day (in id order), how many in a UTC hour or in 2-hour buckets of the day, and signups per
 * day. src/api/api_engagement.c parses, calls these and renders Rocket.Chat's shapes.
 *
 * Terms. A user is active on a day / in an hour when an `activity` or `usage` event names them then (index.h's
 * day_users and hour_users). Deleted users count nowhere; deactivated users keep their history (they were active
 * then). A signup is a user not deleted whose creation time (first user.created, else the first event naming them)
 * falls on the day, as the Insights signups chart counts them. Days are UTC day numbers, hours hours since the epoch.
 *
 * Every function needs the project's read lock, held by the caller, and keeps nothing of it. */
#ifndef ORGPULSE_ENGINE_ENGAGEMENT_H
#define ORGPULSE_ENGINE_ENGAGEMENT_H

#include <stdint.h>

#include "engine/index.h"

/* The days and hours the index can hold activity for: [0, *days) and [0, *hours) (0 when there is none). Windows
 * outside are empty, so callers clip to these before looping. */
void engine_engagement_extent(const project_index *p, int32_t *days, int32_t *hours);

/* The users active on `day`, as user indexes ascending by user id (bytewise). Returns 0 with *out (caller frees; NULL
 * when *n == 0) and *n. */
int engine_engagement_day_users(project_index *p, int32_t day, uint32_t **out /* OUT */, uint32_t *n /* OUT */);

/* Distinct users active on `day`; in hour `hour`. */
uint64_t engine_engagement_day_count(const project_index *p, int32_t day);
uint64_t engine_engagement_hour_count(const project_index *p, int32_t hour);

/* Distinct users active in each 2-hour bucket of the window [a_ms, b_ms): out[k] counts the users with an activity
 * time in the window during an hour h with (h mod 24) / 2 == k (the window's first and last hours are cut exactly,
 * from the users' day lists: insights_users_active_between). */
void engine_engagement_hour_buckets(const project_index *p, int64_t a_ms, int64_t b_ms, uint64_t out[12]);

/* Signups on each day of [from_day, to_day]: out[d - from_day]. Returns 0 with *out (caller frees) when
 * from_day <= to_day, else -1 with *out == NULL. */
int engine_engagement_signups(project_index *p, int32_t from_day, int32_t to_day, int64_t **out /* OUT */);

#endif
