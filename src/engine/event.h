/* event.h: the ingestion contract of ../shared/specs/events.md in code: event types, and the parsing and
 * validation of one event or of a whole request body (NDJSON, a JSON object or a JSON array).
 * The server's POST /v1/events and `orgpulse import` both use this module, so they report the same errors. */
#ifndef ORGPULSE_ENGINE_EVENT_H
#define ORGPULSE_ENGINE_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "util/json_scan.h"

typedef enum event_type {
    EV_USER_CREATED,
    EV_USER_UPDATED,
    EV_USER_DEACTIVATED,
    EV_USER_REACTIVATED,
    EV_USER_DELETED,
    EV_ORG_CREATED,
    EV_ORG_UPDATED,
    EV_ORG_DELETED,
    EV_MEMBER_ADDED,
    EV_MEMBER_REMOVED,
    EV_MEMBER_ROLE_CHANGED,
    EV_TEAM_CREATED,
    EV_TEAM_DELETED,
    EV_TEAM_MEMBER_ADDED,
    EV_TEAM_MEMBER_REMOVED,
    EV_INVITE_SENT,
    EV_INVITE_ACCEPTED,
    EV_INVITE_REVOKED,
    EV_ACTIVITY,
    EV_USAGE,
    EV__COUNT
} event_type;

#define EVENT_ID_MAX 128

const char *event_type_name(event_type t);
/* Returns 0 and sets *out for a known type name, -1 otherwise. */
int event_type_from_name(const char *name, event_type *out);

/* One validated event. Strings are NUL-terminated and owned by the batch that parsed the event. */
typedef struct event {
    event_type type;
    int64_t ts_ms;       /* the event's timestamp, or the receive time when it had none */
    const char *id;      /* idempotency key, or NULL */
    const char *user_id; /* NULL when the event names no user */
    const char *org_id;
    const char *team_id;
    /* Every other member, as a JSON object text (`{"email":"a@b.c","role":"Admin"}`), or NULL when there is none.
     * The columns above plus this text say everything the event said; the store keeps exactly these. */
    const char *rest;
} event;

typedef struct event_error {
    size_t index;      /* 0-based array position or NDJSON line number */
    const char *field; /* static string or NULL */
    char message[200];
} event_error;

typedef struct event_arena_chunk event_arena_chunk;

/* A parsed request body. Owns its events, their strings and its scanners. */
typedef struct event_batch {
    event *events;
    size_t count, cap;
    event_error *errors;
    size_t nerrors, errors_cap;
    event_arena_chunk *arena;
    json_scanner scan, sub, outer;
} event_batch;

#define EVENT_BATCH_MAX_ERRORS 1000

void event_batch_init(event_batch *b);
void event_batch_free(event_batch *b);
/* Forget the events and errors but keep the memory, to parse the next body. */
void event_batch_reset(event_batch *b);
/* Parse a body. `ndjson` selects line-delimited parsing; otherwise one object or an array of objects.
 * Every problem is recorded in b->errors (up to EVENT_BATCH_MAX_ERRORS); index_base is added to indexes
 * (import uses it for line numbers across chunks). Returns 0 when the batch is entirely valid. */
int event_batch_parse(event_batch *b, const char *body, size_t len, int ndjson, int64_t now_ms, size_t index_base);

/* The version tiebreak of an event: a hash of its content, the same wherever and whenever it arrives. */
uint64_t event_content_hash(int type, const char *user_id, const char *org_id, const char *team_id, const char *rest);

#endif
