/* event.c: event types, and validation of events against events.md (see event.h).
 * Validation is table-driven: each type lists its fields with a kind and whether they are required. */
#include "engine/event.h"

#include <math.h>
#include <string.h>

#include "util/buf.h"
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
        if (strcmp(name, type_names[t]) == 0) {
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

/* Number of UTF-8 code points (jansson guarantees valid UTF-8), or -1 if a control character appears. */
static long printable_length(const char *s, size_t len) {
    long n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) return -1;
        if ((c & 0xC0) != 0x80) n++;
    }
    return n;
}

static int metric_name_ok(const char *s) {
    size_t n = strlen(s);
    if (n < 1 || n > 64) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == ':' || c == '-'))
            return 0;
    }
    return 1;
}

/* Check one field value; returns NULL when fine, else the message. */
static const char *check_field(field_kind kind, json_t *v) {
    switch (kind) {
    case FK_ID: {
        if (!json_is_string(v)) return "must be a string";
        long n = printable_length(json_string_value(v), json_string_length(v));
        if (n < 0) return "must contain printable characters only";
        if (n < 1 || n > 128) return "must be 1 to 128 characters";
        return NULL;
    }
    case FK_ROLE:
    case FK_FEATURE: {
        if (!json_is_string(v)) return "must be a string";
        long n = printable_length(json_string_value(v), json_string_length(v));
        if (n < 0) return "must contain printable characters only";
        if (n < 1 || n > 64) return "must be 1 to 64 characters";
        return NULL;
    }
    case FK_TEXT:
        if (!json_is_string(v)) return "must be a string";
        if (json_string_length(v) > 1024) return "must be at most 1024 bytes";
        return NULL;
    case FK_NAME: {
        if (!json_is_string(v)) return "must be a string";
        long n = printable_length(json_string_value(v), json_string_length(v));
        if (n < 0) return "must contain printable characters only";
        if (n < 1 || n > 256) return "must be 1 to 256 characters";
        return NULL;
    }
    case FK_EMAIL:
        if (!json_is_string(v)) return "must be a string";
        if (json_string_length(v) < 1 || json_string_length(v) > 320) return "must be 1 to 320 bytes";
        if (printable_length(json_string_value(v), json_string_length(v)) < 0)
            return "must contain printable characters only";
        return NULL;
    case FK_USER_ROLE: {
        if (!json_is_string(v)) return "must be a string";
        const char *s = json_string_value(v);
        if (strcmp(s, "Member") && strcmp(s, "TeamLead") && strcmp(s, "Manager") && strcmp(s, "Admin"))
            return "must be one of Member, TeamLead, Manager, Admin";
        return NULL;
    }
    case FK_BOOL:
        return json_is_boolean(v) ? NULL : "must be a boolean";
    case FK_OBJECT:
        return json_is_object(v) ? NULL : "must be an object";
    case FK_SETTINGS: {
        if (!json_is_object(v)) return "must be an object";
        json_t *lic = json_object_get(v, "license");
        if (lic && !json_is_object(lic) && !json_is_null(lic)) return "license must be an object";
        return NULL;
    }
    case FK_STRING_OBJECT: {
        if (!json_is_object(v)) return "must be an object";
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) {
            if (!json_is_string(x)) return "values must be strings";
        }
        return NULL;
    }
    case FK_STRING_ARRAY: {
        if (!json_is_array(v)) return "must be an array of strings";
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            if (!json_is_string(x)) return "must be an array of strings";
        }
        return NULL;
    }
    case FK_METRICS: {
        if (!json_is_object(v)) return "must be an object of metric name to non-negative number";
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) {
            if (!metric_name_ok(k)) return "metric names must match [A-Za-z0-9_.:-]{1,64}";
            if (!json_is_number(x)) return "metric values must be numbers";
            double d = json_number_value(x);
            if (!isfinite(d) || d < 0) return "metric values must be non-negative numbers";
        }
        return NULL;
    }
    }
    return "invalid";
}

static int parse_timestamp(json_t *v, int64_t now_ms, int64_t *out, const char **message) {
    int64_t ms;
    if (json_is_string(v)) {
        if (time_parse_rfc3339(json_string_value(v), json_string_length(v), &ms) != 0) {
            *message = "not an RFC 3339 date-time or Unix seconds";
            return -1;
        }
    } else if (json_is_integer(v)) {
        json_int_t secs = json_integer_value(v);
        if (secs < 0 || secs > 253402300799LL) {
            *message = "must lie between 1970-01-01 and 1 day after now";
            return -1;
        }
        ms = (int64_t)secs * 1000;
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

static const char *string_or_null(json_t *obj, const char *key) {
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int event_from_json(json_t *obj, int64_t now_ms, event *out, const char **field, const char **message) {
    memset(out, 0, sizeof *out);
    *field = NULL;
    if (!json_is_object(obj)) {
        *message = "an event must be a JSON object";
        return -1;
    }
    json_t *type = json_object_get(obj, "type");
    if (!type) {
        *field = "type", *message = "required";
        return -1;
    }
    if (!json_is_string(type)) {
        *field = "type", *message = "must be a string";
        return -1;
    }
    event_type t;
    if (event_type_from_name(json_string_value(type), &t) != 0) {
        *field = "type", *message = "unknown event type";
        return -1;
    }
    int64_t ts = now_ms;
    json_t *tsv = json_object_get(obj, "timestamp");
    if (tsv && parse_timestamp(tsv, now_ms, &ts, message) != 0) {
        *field = "timestamp";
        return -1;
    }
    json_t *id = json_object_get(obj, "id");
    if (id) {
        if (!json_is_string(id)) {
            *field = "id", *message = "must be a string";
            return -1;
        }
        long n = printable_length(json_string_value(id), json_string_length(id));
        if (n < 1 || n > EVENT_ID_MAX) {
            *field = "id", *message = "must be 1 to 128 printable characters";
            return -1;
        }
    }
    for (const field_spec *f = type_specs[t].fields; f->name; f++) {
        json_t *v = json_object_get(obj, f->name);
        if (!v) {
            if (f->required) {
                *field = f->name, *message = "required";
                return -1;
            }
            continue;
        }
        const char *problem = check_field(f->kind, v);
        if (problem) {
            *field = f->name, *message = problem;
            return -1;
        }
    }
    out->type = t;
    out->ts_ms = ts;
    out->json = json_incref(obj);
    out->id = string_or_null(obj, "id");
    out->user_id = string_or_null(obj, "user_id");
    out->org_id = string_or_null(obj, "org_id");
    out->team_id = string_or_null(obj, "team_id");
    return 0;
}

void event_clear(event *e) {
    json_decref(e->json);
    memset(e, 0, sizeof *e);
}

int event_is_plain_activity(const event *e) {
    if (e->type != EV_ACTIVITY) return 0;
    const char *k;
    json_t *v;
    json_object_foreach(e->json, k, v) {
        if (strcmp(k, "type") && strcmp(k, "timestamp") && strcmp(k, "id") && strcmp(k, "user_id") &&
            strcmp(k, "org_id"))
            return 0;
    }
    return 1;
}

char *event_canonical_json(const event *e) { return json_dumps(e->json, JSON_COMPACT | JSON_SORT_KEYS); }

void event_batch_init(event_batch *b) { memset(b, 0, sizeof *b); }

void event_batch_free(event_batch *b) {
    for (size_t i = 0; i < b->count; i++) event_clear(&b->events[i]);
    free(b->events);
    free(b->errors);
    event_batch_init(b);
}

static void add_error(event_batch *b, size_t index, const char *field, const char *fmt, const char *detail) {
    if (b->nerrors >= EVENT_BATCH_MAX_ERRORS) return;
    if (b->nerrors == b->errors_cap) {
        b->errors_cap = b->errors_cap ? b->errors_cap * 2 : 8;
        b->errors = xrealloc(b->errors, b->errors_cap * sizeof *b->errors);
    }
    event_error *e = &b->errors[b->nerrors++];
    e->index = index;
    e->field = field;
    snprintf(e->message, sizeof e->message, fmt, detail ? detail : "");
}

static void add_event(event_batch *b, json_t *obj, size_t index, int64_t now_ms) {
    event ev;
    const char *field, *message;
    if (event_from_json(obj, now_ms, &ev, &field, &message) != 0) {
        add_error(b, index, field, "%s", message);
        return;
    }
    if (b->nerrors) { /* the batch is already rejected: keep validating, stop collecting */
        event_clear(&ev);
        return;
    }
    if (b->count == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->events = xrealloc(b->events, b->cap * sizeof *b->events);
    }
    b->events[b->count++] = ev;
}

int event_batch_parse(event_batch *b, const char *body, size_t len, int ndjson, int64_t now_ms, size_t index_base) {
    json_error_t jerr;
    if (!ndjson) {
        json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
        if (!root) {
            add_error(b, index_base, NULL, "invalid JSON: %s", jerr.text);
            return -1;
        }
        if (json_is_array(root)) {
            size_t i;
            json_t *v;
            json_array_foreach(root, i, v) add_event(b, v, index_base + i, now_ms);
        } else {
            add_event(b, root, index_base, now_ms);
        }
        json_decref(root);
        return b->nerrors ? -1 : 0;
    }
    size_t line = 0, pos = 0;
    while (pos < len) {
        const char *start = body + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - start) : len - pos;
        pos += n + (nl ? 1 : 0);
        size_t trimmed = n;
        while (trimmed && (start[trimmed - 1] == '\r' || start[trimmed - 1] == ' ' || start[trimmed - 1] == '\t'))
            trimmed--;
        size_t lead = 0;
        while (lead < trimmed && (start[lead] == ' ' || start[lead] == '\t')) lead++;
        if (lead < trimmed) {
            json_t *obj = json_loadb(start + lead, trimmed - lead, JSON_REJECT_DUPLICATES, &jerr);
            if (!obj) {
                add_error(b, index_base + line, NULL, "invalid JSON: %s", jerr.text);
            } else {
                add_event(b, obj, index_base + line, now_ms);
                json_decref(obj);
            }
        }
        line++;
    }
    return b->nerrors ? -1 : 0;
}
