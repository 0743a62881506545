/* event.c: event types, and validation of events against events.md (see event.h).
 * Validation is table-driven: each type lists its fields with a kind and whether they are required. */
#include "engine/event.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/hash.h"
#include "util/strmap.h"
#include "util/time.h"

static const char *const type_names[EV__COUNT] = {
    [EV_USER_CREATED] = "user.created",
    [EV_USER_UPDATED] = "user.updated",
    [EV_USER_DEACTIVATED] = "user.deactivated",
    [EV_USER_REACTIVATED] = "user.reactivated",
    [EV_USER_DELETED] = "user.deleted",
    [EV_ORG_CREATED] = "org.created",
    [EV_ORG_UPDATED] = "org.updated",
    [EV_ORG_DELETED] = "org.deleted",
    [EV_MEMBER_ADDED] = "member.added",
    [EV_MEMBER_REMOVED] = "member.removed",
    [EV_MEMBER_ROLE_CHANGED] = "member.role_changed",
    [EV_TEAM_CREATED] = "team.created",
    [EV_TEAM_DELETED] = "team.deleted",
    [EV_TEAM_MEMBER_ADDED] = "team.member_added",
    [EV_TEAM_MEMBER_REMOVED] = "team.member_removed",
    [EV_INVITE_SENT] = "invite.sent",
    [EV_INVITE_ACCEPTED] = "invite.accepted",
    [EV_INVITE_REVOKED] = "invite.revoked",
    [EV_ACTIVITY] = "activity",
    [EV_USAGE] = "usage",
};

const char *event_type_name(event_type t) { return t < EV__COUNT ? type_names[t] : "unknown"; }

int event_type_from_name(const char *name, event_type *out) {
    for (int t = 0; t < EV__COUNT; t++) {
        if (name[0] == type_names[t][0] && name[1] == type_names[t][1] && strcmp(name, type_names[t]) == 0) {
            *out = (event_type)t;
            return 0;
        }
    }
    return -1;
}

typedef enum field_kind {
    FK_ID,        /* identifier: 1..128 printable characters */
    FK_TEXT,      /* string of at most 1024 bytes */
    FK_NAME,      /* non-empty string of at most 256 characters */
    FK_EMAIL,     /* non-empty string of at most 320 bytes */
    FK_USER_ROLE, /* Member | TeamLead | Manager | Admin */
    FK_ROLE,      /* membership role: 1..64 printable characters */
    FK_BOOL,
    FK_OBJECT,
    FK_STRING_OBJECT, /* object whose values are strings */
    FK_STRING_ARRAY,
    FK_SETTINGS, /* object; its `license`, when present, is an object */
    FK_METRICS,  /* object of metric name -> non-negative number */
    FK_FEATURE,  /* 1..64 printable characters */
} field_kind;

typedef struct field_spec {
    const char *name;
    field_kind kind;
    int required;
} field_spec;

#define MAX_FIELDS 12
#define MAX_TOP_FIELDS 256 /* json_scan_object lists at most 256 members */
typedef struct type_spec {
    field_spec fields[MAX_FIELDS];
} type_spec;

#define USER_FIELDS(req)                                                                              \
    {"user_id", FK_ID, 1}, {"email", FK_EMAIL, 0}, {"username", FK_TEXT, 0}, {"first_name", FK_TEXT, 0}, \
        {"last_name", FK_TEXT, 0}, {"role", FK_USER_ROLE, 0}, {"verified", FK_BOOL, 0},                  \
        {"properties", FK_OBJECT, 0}, {"signup_query_parameters", FK_STRING_OBJECT, 0}
#define ORG_FIELDS(name_required)                                                                          \
    {"org_id", FK_ID, 1}, {"name", FK_NAME, name_required}, {"slug", FK_TEXT, 0},                         \
        {"domains", FK_STRING_ARRAY, 0}, {"metadata", FK_OBJECT, 0}, {"settings", FK_SETTINGS, 0}

static const type_spec type_specs[EV__COUNT] = {
    [EV_USER_CREATED] = {{USER_FIELDS(1)}},
    [EV_USER_UPDATED] = {{USER_FIELDS(1)}},
    [EV_USER_DEACTIVATED] = {{{"user_id", FK_ID, 1}}},
    [EV_USER_REACTIVATED] = {{{"user_id", FK_ID, 1}}},
    [EV_USER_DELETED] = {{{"user_id", FK_ID, 1}}},
    [EV_ORG_CREATED] = {{ORG_FIELDS(1)}},
    [EV_ORG_UPDATED] = {{ORG_FIELDS(0)}},
    [EV_ORG_DELETED] = {{{"org_id", FK_ID, 1}}},
    [EV_MEMBER_ADDED] = {{{"org_id", FK_ID, 1}, {"user_id", FK_ID, 1}, {"role", FK_ROLE, 0}}},
    [EV_MEMBER_REMOVED] = {{{"org_id", FK_ID, 1}, {"user_id", FK_ID, 1}}},
    [EV_MEMBER_ROLE_CHANGED] = {{{"org_id", FK_ID, 1}, {"user_id", FK_ID, 1}, {"role", FK_ROLE, 1}}},
    [EV_TEAM_CREATED] = {{{"team_id", FK_ID, 1}, {"org_id", FK_ID, 1}, {"name", FK_NAME, 1}, {"is_default", FK_BOOL, 0}}},
    [EV_TEAM_DELETED] = {{{"team_id", FK_ID, 1}}},
    [EV_TEAM_MEMBER_ADDED] = {{{"team_id", FK_ID, 1}, {"user_id", FK_ID, 1}}},
    [EV_TEAM_MEMBER_REMOVED] = {{{"team_id", FK_ID, 1}, {"user_id", FK_ID, 1}}},
    [EV_INVITE_SENT] = {{{"org_id", FK_ID, 1},
                         {"email", FK_EMAIL, 1},
                         {"inviter_user_id", FK_ID, 0},
                         {"role", FK_ROLE, 0},
                         {"invite_id", FK_ID, 0},
                         {"team_id", FK_ID, 0}}},
    [EV_INVITE_ACCEPTED] = {{{"org_id", FK_ID, 1}, {"email", FK_EMAIL, 1}, {"invite_id", FK_ID, 0}, {"user_id", FK_ID, 0}}},
    [EV_INVITE_REVOKED] = {{{"org_id", FK_ID, 1}, {"email", FK_EMAIL, 1}, {"invite_id", FK_ID, 0}, {"user_id", FK_ID, 0}}},
    [EV_ACTIVITY] = {{{"user_id", FK_ID, 1}, {"org_id", FK_ID, 0}}},
    [EV_USAGE] = {{{"user_id", FK_ID, 1},
                   {"metrics", FK_METRICS, 1},
                   {"org_id", FK_ID, 0},
                   {"team_id", FK_ID, 0},
                   {"feature", FK_FEATURE, 0}}},
};

/* Number of UTF-8 code points (the scanner guarantees valid UTF-8), or -1 if a control character appears. */
static long printable_length(const char *s, size_t len) {
    long n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) return -1;
        if ((c & 0xC0) != 0x80) n++;
    }
    return n;
}

static int metric_name_ok(const char *s, size_t n) {
    if (n < 1 || n > 64) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == ':' || c == '-'))
            return 0;
    }
    return 1;
}

static int element_is_string(void *ctx, const json_value *v) {
    (void)ctx;
    return v->kind == JK_STRING ? 0 : 1;
}

/* Check one field value; returns NULL when fine, else the message. `sub` scans nested values. */
static const char *check_field(field_kind kind, const json_value *v, json_scanner *sub) {
    switch (kind) {
    case FK_ID: {
        if (v->kind != JK_STRING) return "must be a string";
        long n = printable_length(v->str, v->str_len);
        if (n < 0) return "must contain printable characters only";
        if (n < 1 || n > 128) return "must be 1 to 128 characters";
        return NULL;
    }
    case FK_ROLE:
    case FK_FEATURE: {
        if (v->kind != JK_STRING) return "must be a string";
        long n = printable_length(v->str, v->str_len);
        if (n < 0) return "must contain printable characters only";
        if (n < 1 || n > 64) return "must be 1 to 64 characters";
        return NULL;
    }
    case FK_TEXT:
        if (v->kind != JK_STRING) return "must be a string";
        if (v->str_len > 1024) return "must be at most 1024 bytes";
        if (memchr(v->str, 0, v->str_len)) return "must not contain NUL characters";
        return NULL;
    case FK_NAME: {
        if (v->kind != JK_STRING) return "must be a string";
        long n = printable_length(v->str, v->str_len);
        if (n < 0) return "must contain printable characters only";
        if (n < 1 || n > 256) return "must be 1 to 256 characters";
        return NULL;
    }
    case FK_EMAIL:
        if (v->kind != JK_STRING) return "must be a string";
        if (v->str_len < 1 || v->str_len > 320) return "must be 1 to 320 bytes";
        if (printable_length(v->str, v->str_len) < 0) return "must contain printable characters only";
        return NULL;
    case FK_USER_ROLE:
        if (v->kind != JK_STRING) return "must be a string";
        if (strcmp(v->str, "Member") && strcmp(v->str, "TeamLead") && strcmp(v->str, "Manager") &&
            strcmp(v->str, "Admin"))
            return "must be one of Member, TeamLead, Manager, Admin";
        return NULL;
    case FK_BOOL:
        return v->kind == JK_TRUE || v->kind == JK_FALSE ? NULL : "must be a boolean";
    case FK_OBJECT:
        return v->kind == JK_OBJECT ? NULL : "must be an object";
    case FK_SETTINGS: {
        if (v->kind != JK_OBJECT) return "must be an object";
        if (json_scan_object(sub, v->raw, v->raw_len) != 0) return "must be an object";
        const json_member *lic = json_scan_get(sub, "license");
        if (lic && lic->value.kind != JK_OBJECT && lic->value.kind != JK_NULL) return "license must be an object";
        return NULL;
    }
    case FK_STRING_OBJECT:
        if (v->kind != JK_OBJECT || json_scan_object(sub, v->raw, v->raw_len) != 0) return "must be an object";
        for (size_t i = 0; i < sub->count; i++)
            if (sub->members[i].value.kind != JK_STRING) return "values must be strings";
        return NULL;
    case FK_STRING_ARRAY:
        if (v->kind != JK_ARRAY || json_scan_array(sub, v->raw, v->raw_len, element_is_string, NULL) != 0)
            return "must be an array of strings";
        return NULL;
    case FK_METRICS:
        if (v->kind != JK_OBJECT || json_scan_object(sub, v->raw, v->raw_len) != 0)
            return "must be an object of metric name to non-negative number";
        for (size_t i = 0; i < sub->count; i++) {
            const json_member *m = &sub->members[i];
            if (!metric_name_ok(m->key, m->key_len)) return "metric names must match [A-Za-z0-9_.:-]{1,64}";
            if (m->value.kind != JK_NUMBER) return "metric values must be numbers";
            if (!isfinite(m->value.number) || m->value.number < 0) return "metric values must be non-negative numbers";
        }
        return NULL;
    }
    return "invalid";
}

static int parse_timestamp(const json_value *v, int64_t now_ms, int64_t *out, const char **message) {
    int64_t ms;
    if (v->kind == JK_STRING) {
        if (time_parse_rfc3339(v->str, v->str_len, &ms) != 0) {
            *message = "not an RFC 3339 date-time or Unix seconds";
            return -1;
        }
    } else if (v->kind == JK_NUMBER && v->is_integer) {
        if (!v->integer_fits || v->integer < 0 || v->integer > 253402300799LL) {
            *message = "must lie between 1970-01-01 and 1 day after now";
            return -1;
        }
        ms = v->integer * 1000;
    } else {
        *message = "not an RFC 3339 date-time or Unix seconds";
        return -1;
    }
    if (ms < 0 || ms > now_ms + TIME_MS_PER_DAY) {
        *message = "must lie between 1970-01-01 and 1 day after now";
        return -1;
    }
    *out = ms;
    return 0;
}

/* ---- batches ---- */

#define ARENA_CHUNK (256 * 1024)

struct event_arena_chunk {
    event_arena_chunk *next;
    size_t used, cap;
    char data[];
};

static char *arena_alloc(event_batch *b, size_t n) {
    event_arena_chunk *c = b->arena;
    if (!c || c->used + n > c->cap) {
        size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        event_arena_chunk *nc = xmalloc(sizeof *nc + cap);
        nc->next = c, nc->used = 0, nc->cap = cap;
        b->arena = c = nc;
    }
    char *p = c->data + c->used;
    c->used += n;
    return p;
}

static const char *arena_strdup(event_batch *b, const char *s, size_t n) {
    char *p = arena_alloc(b, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void event_batch_init(event_batch *b) {
    memset(b, 0, sizeof *b);
    json_scanner_init(&b->scan);
    json_scanner_init(&b->sub);
    json_scanner_init(&b->outer);
}

void event_batch_reset(event_batch *b) {
    b->count = 0;
    b->nerrors = 0;
    /* keep the newest chunk, free the others */
    if (b->arena) {
        event_arena_chunk *c = b->arena->next;
        while (c) {
            event_arena_chunk *n = c->next;
            free(c);
            c = n;
        }
        b->arena->next = NULL;
        b->arena->used = 0;
    }
}

void event_batch_free(event_batch *b) {
    event_batch_reset(b);
    free(b->arena);
    free(b->events);
    free(b->errors);
    json_scanner_free(&b->scan);
    json_scanner_free(&b->sub);
    json_scanner_free(&b->outer);
    memset(b, 0, sizeof *b);
}

static int add_error(event_batch *b, size_t index, const char *field, const char *prefix, const char *detail) {
    if (b->nerrors >= EVENT_BATCH_MAX_ERRORS) return -1;
    if (b->nerrors == b->errors_cap) {
        b->errors_cap = b->errors_cap ? b->errors_cap * 2 : 8;
        b->errors = xrealloc(b->errors, b->errors_cap * sizeof *b->errors);
    }
    event_error *e = &b->errors[b->nerrors++];
    e->index = index;
    e->field = field;
    snprintf(e->message, sizeof e->message, "%s%s", prefix, detail ? detail : "");
    return -1;
}

/* Keys are NUL-terminated in the scanner's arena: the first byte rules out most candidates at once. */
static int key_is(const json_member *m, const char *name, size_t n) {
    return m->key[0] == name[0] && m->key_len == n && memcmp(m->key, name, n) == 0;
}

/* Validate the event in `text`; on success append it to the batch. */
static int add_event(event_batch *b, const char *text, size_t len, size_t index, int64_t now_ms) {
    json_scanner *sc = &b->scan;
    if (json_scan_object(sc, text, len) != 0) {
        if (strcmp(sc->error, "not a JSON object") == 0)
            return add_error(b, index, NULL, "an event must be a JSON object", NULL);
        return add_error(b, index, NULL, "invalid JSON: ", sc->error);
    }
    /* One pass over the members: which is the type, the timestamp, the id, and which field of the type each is. */
    const json_member *type = NULL, *tsm = NULL, *id = NULL;
    for (size_t i = 0; i < sc->count; i++) {
        const json_member *m = &sc->members[i];
        if (key_is(m, "type", 4)) type = m;
        else if (key_is(m, "timestamp", 9)) tsm = m;
        else if (key_is(m, "id", 2)) id = m;
    }
    event_type t;
    if (!type) return add_error(b, index, "type", "required", NULL);
    if (type->value.kind != JK_STRING) return add_error(b, index, "type", "must be a string", NULL);
    if (event_type_from_name(type->value.str, &t) != 0) return add_error(b, index, "type", "unknown event type", NULL);
    const type_spec *spec = &type_specs[t];
    int field_of[MAX_TOP_FIELDS]; /* member index -> field index in spec, or -1 */
    const json_member *present[MAX_FIELDS] = {0};
    size_t nmembers = sc->count < MAX_TOP_FIELDS ? sc->count : MAX_TOP_FIELDS;
    for (size_t i = 0; i < nmembers; i++) {
        const json_member *m = &sc->members[i];
        field_of[i] = -1;
        for (int f = 0; f < MAX_FIELDS && spec->fields[f].name; f++) {
            const char *name = spec->fields[f].name;
            if (m->key[0] == name[0] && strcmp(m->key, name) == 0) {
                field_of[i] = f;
                present[f] = m;
                break;
            }
        }
    }
    int64_t ts = now_ms;
    const char *message;
    if (tsm && parse_timestamp(&tsm->value, now_ms, &ts, &message) != 0)
        return add_error(b, index, "timestamp", message, NULL);
    if (id) {
        if (id->value.kind != JK_STRING) return add_error(b, index, "id", "must be a string", NULL);
        long n = printable_length(id->value.str, id->value.str_len);
        if (n < 1 || n > EVENT_ID_MAX) return add_error(b, index, "id", "must be 1 to 128 printable characters", NULL);
    }
    for (int f = 0; f < MAX_FIELDS && spec->fields[f].name; f++) {
        if (!present[f]) {
            if (spec->fields[f].required) return add_error(b, index, spec->fields[f].name, "required", NULL);
            continue;
        }
        const char *problem = check_field(spec->fields[f].kind, &present[f]->value, &b->sub);
        if (problem) return add_error(b, index, spec->fields[f].name, problem, NULL);
    }
    if (b->nerrors) return -1; /* the batch is already rejected: keep validating, stop collecting */
    if (b->count == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->events = xrealloc(b->events, b->cap * sizeof *b->events);
    }
    event *ev = &b->events[b->count++];
    memset(ev, 0, sizeof *ev);
    ev->type = t;
    ev->ts_ms = ts;
    ev->id = id ? arena_strdup(b, id->value.str, id->value.str_len) : NULL;
    /* columns: the ids the type defines; rest: every other member except type, timestamp and id */
    size_t rest_len = 2;
    for (size_t i = 0; i < sc->count; i++) {
        const json_member *m = &sc->members[i];
        if (m == type || m == tsm || m == id) continue;
        int f = i < nmembers ? field_of[i] : -1;
        if (f >= 0 && (spec->fields[f].kind == FK_ID) && m->value.kind == JK_STRING) {
            const char *name = spec->fields[f].name;
            const char **col = !strcmp(name, "user_id") ? &ev->user_id
                               : !strcmp(name, "org_id") ? &ev->org_id
                               : !strcmp(name, "team_id") ? &ev->team_id
                                                          : NULL;
            if (col) {
                *col = arena_strdup(b, m->value.str, m->value.str_len);
                field_of[i] = -2; /* a column: not part of rest */
                continue;
            }
        }
        rest_len += m->raw_key_len + 1 + m->value.raw_len + 1;
    }
    ev->rest = NULL;
    if (rest_len > 2) {
        char *r = arena_alloc(b, rest_len + 1), *p = r;
        *p++ = '{';
        for (size_t i = 0; i < sc->count; i++) {
            const json_member *m = &sc->members[i];
            if (m == type || m == tsm || m == id || (i < nmembers && field_of[i] == -2)) continue;
            if (p > r + 1) *p++ = ',';
            memcpy(p, m->raw_key, m->raw_key_len), p += m->raw_key_len;
            *p++ = ':';
            memcpy(p, m->value.raw, m->value.raw_len), p += m->value.raw_len;
        }
        *p++ = '}';
        *p = 0;
        ev->rest = r;
    }
    return 0;
}

typedef struct array_ctx {
    event_batch *b;
    size_t index, index_base;
    int64_t now_ms;
} array_ctx;

static int add_array_element(void *ctx, const json_value *v) {
    array_ctx *a = ctx;
    if (v->kind != JK_OBJECT)
        add_error(a->b, a->index_base + a->index, NULL, "an event must be a JSON object", NULL);
    else
        add_event(a->b, v->raw, v->raw_len, a->index_base + a->index, a->now_ms);
    a->index++;
    return 0;
}

int event_batch_parse(event_batch *b, const char *body, size_t len, int ndjson, int64_t now_ms, size_t index_base) {
    if (!ndjson) {
        size_t i = 0;
        while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n')) i++;
        if (i < len && body[i] == '[') {
            json_value whole;
            if (json_scan_value(&b->outer, body, len, &whole) != 0) {
                add_error(b, index_base, NULL, "invalid JSON: ", b->outer.error);
                return -1;
            }
            array_ctx a = {b, 0, index_base, now_ms};
            json_scan_array(&b->outer, body, len, add_array_element, &a);
        } else {
            add_event(b, body, len, index_base, now_ms);
        }
        return b->nerrors ? -1 : 0;
    }
    size_t line = 0, pos = 0;
    while (pos < len) {
        const char *start = body + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - start) : len - pos;
        pos += n + (nl ? 1 : 0);
        size_t lead = 0;
        while (lead < n && (start[lead] == ' ' || start[lead] == '\t' || start[lead] == '\r')) lead++;
        if (lead < n) add_event(b, start, n, index_base + line, now_ms);
        line++;
    }
    return b->nerrors ? -1 : 0;
}

/* A hash of a JSON value's text that ignores white space outside strings. */
static uint64_t hash_json_text(const char *s, size_t n) {
    uint64_t h = 0xcbf29ce484222325ULL;
    int in_string = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_string) {
            if (c == '\\' && i + 1 < n) {
                h = (h ^ (unsigned char)c) * 0x100000001b3ULL;
                c = s[++i];
            } else if (c == '"') {
                in_string = 0;
            }
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            continue;
        } else if (c == '"') {
            in_string = 1;
        }
        h = (h ^ (unsigned char)c) * 0x100000001b3ULL;
    }
    return h;
}

/* The top-level members are combined with a sum, so their order does not matter, and white space outside strings is
 * ignored: the same event written by another serializer gets the same hash. */
uint64_t event_content_hash(int type, const char *user_id, const char *org_id, const char *team_id, const char *rest) {
    uint64_t h = hash_mix64(0x9E3779B97F4A7C15ULL * (uint64_t)(type + 1));
    const char *ids[3] = {user_id, org_id, team_id};
    for (int i = 0; i < 3; i++) h = hash_mix64(h ^ (ids[i] ? strmap_hash(ids[i], strlen(ids[i])) : (uint64_t)i));
    if (rest) {
        json_scanner sc;
        json_scanner_init(&sc);
        if (json_scan_object(&sc, rest, strlen(rest)) == 0) {
            uint64_t sum = 0;
            for (size_t i = 0; i < sc.count; i++) {
                const json_member *m = &sc.members[i];
                sum += hash_mix64(strmap_hash(m->key, m->key_len) ^ hash_mix64(hash_json_text(m->value.raw, m->value.raw_len)));
            }
            h = hash_mix64(h ^ sum);
        } else {
            h = hash_mix64(h ^ strmap_hash(rest, strlen(rest)));
        }
        json_scanner_free(&sc);
    }
    return h;
}
