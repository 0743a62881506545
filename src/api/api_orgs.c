/* api_orgs.c: the PostHog-compatible Organizations API (specs/posthog.md; the wire in posthog-reference.md §0-§2, §4):
 * list (DRF limit/offset pages, http/paging.c), create, retrieve, update (PUT), partial update (PATCH), delete and
 * environments_rollback. Parses and validates bodies as PostHog's DRF serializer does (the first problem answers,
 * with its DRF code), calls engine/orgs.c, and renders the Organization object of §2.2.
 *
 * Which organizations a key reaches: a project key, every live organization of its project; an org-scoped key, its
 * own only. For an org-scoped key `@current` is its org; another org that exists answers 403 "API key does not have
 * access to the requested organization: ID <id>." (APIScopePermission, reference §1.2 step 4) and one that does not
 * exist 404; it cannot create (403). A project key has no current organization: `@current` is 404. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/render.h"
#include "engine/index.h"
#include "engine/orgs.h"
#include "http/paging.h"
#include "util/buf.h"
#include "util/time.h"

/* ---- rendering ---- */

/* A time as DRF writes a datetime (Python's isoformat, "+00:00" as "Z"): microseconds only when not zero. */
static json_t *drf_time(int64_t ms) {
    char t[TIME_FORMAT_MAX + 8];
    time_format_rfc3339(ms, t);
    int64_t frac = ((ms % 1000) + 1000) % 1000;
    if (frac) snprintf(t + 19, sizeof t - 19, ".%03d000Z", (int)frac);
    return json_string(t);
}

static int cmp_team_by_id(const void *a, const void *b, void *ctx) {
    const project_index *p = ctx;
    return strcmp(p->teams[*(const uint32_t *)a].id, p->teams[*(const uint32_t *)b].id);
}

/* A settings key's value, or `def` (stolen) when the org's settings lack it. */
static json_t *setting(json_t *settings, const char *key, json_t *def) {
    json_t *v = json_object_get(settings, key);
    if (!v) return def;
    json_decref(def);
    return json_incref(v);
}

/* The Organization object (reference §2.2 with posthog.md's decisions). Caller holds the read lock. */
static json_t *org_object(const project_index *p, uint32_t idx) {
    const org_rec *o = &p->orgs[idx];
    json_t *st = o->settings.value ? json_loads(o->settings.value, 0, NULL) : NULL;
    if (!json_is_object(st)) json_decref(st), st = json_object();
    json_t *r = json_object();
    json_object_set_new(r, "id", json_string(o->id));
    json_object_set_new(r, "name", render_string_or_null(o->name.value));
    char slug[ENGINE_ORG_SLUG_MAX + 1];
    if (!o->slug.value) engine_org_slugify(o->name.value, slug); /* an org that events made without a slug */
    json_object_set_new(r, "slug", json_string(o->slug.value ? o->slug.value : slug));
    json_object_set_new(r, "logo_media_id", setting(st, "logo_media_id", json_null()));
    json_object_set_new(r, "created_at", drf_time(o->has_created ? o->created_ms : o->first_seen_ms));
    json_object_set_new(r, "updated_at", drf_time(o->updated_ms > o->first_seen_ms ? o->updated_ms : o->first_seen_ms));
    json_object_set_new(r, "membership_level", json_null());
    json_object_set_new(r, "plugins_access_level", json_integer(9));
    uint32_t *ts = xmalloc((o->nteams + 1) * sizeof *ts), nt = 0;
    for (uint32_t i = 0; i < o->nteams; i++)
        if (!p->teams[o->teams[i]].deleted && p->teams[o->teams[i]].org == idx) ts[nt++] = o->teams[i];
    qsort_r(ts, nt, sizeof *ts, cmp_team_by_id, (void *)p);
    json_t *teams = json_array();
    for (uint32_t i = 0; i < nt; i++)
        json_array_append_new(teams, json_pack("{s:s, s:o}", "id", p->teams[ts[i]].id, "name",
                                               render_string_or_null(p->teams[ts[i]].name.value)));
    free(ts);
    json_object_set_new(r, "teams", teams);
    json_object_set_new(r, "projects", json_array());
    json_object_set_new(r, "available_product_features", json_array());
    json_object_set_new(r, "is_member_join_email_enabled", setting(st, "is_member_join_email_enabled", json_true()));
    json_object_set_new(r, "metadata", json_object());
    json_object_set_new(r, "customer_id", setting(st, "customer_id", json_null()));
    json_object_set_new(r, "enforce_2fa", setting(st, "enforce_2fa", json_null()));
    json_object_set_new(r, "members_can_invite", setting(st, "members_can_invite", json_true()));
    json_object_set_new(r, "members_can_use_personal_api_keys",
                        setting(st, "members_can_use_personal_api_keys", json_true()));
    json_object_set_new(r, "allow_publicly_shared_resources",
                        setting(st, "allow_publicly_shared_resources", json_true()));
    uint32_t members = 0;
    for (uint32_t i = 0; i < o->nmemberships; i++) {
        const membership_rec *m = &p->memberships[o->memberships[i]];
        members += m->active && !p->users[m->user].deleted;
    }
    json_object_set_new(r, "member_count", json_integer(members));
    json_object_set_new(r, "is_ai_data_processing_approved", setting(st, "is_ai_data_processing_approved", json_null()));
    json_object_set_new(r, "default_experiment_stats_method",
                        setting(st, "default_experiment_stats_method", json_string("bayesian")));
    json_object_set_new(r, "default_role_id", setting(st, "default_role_id", json_null()));
    json_object_set_new(r, "domains", render_json_text(o->domains.value, json_array()));
    json_object_set_new(r, "plan_type", setting(st, "plan_type", json_null()));
    json_object_set_new(r, "license", setting(st, "license", json_null()));
    json_decref(st);
    return r;
}

/* ---- which organization ---- */

/* Resolve the path's organization for the caller: returns 0 with the project's read lock held and *out set, or
 * answers (403/404) and returns -1 with no lock held. */
static int open_org(http_request *req, project_index **pp, uint32_t *out) {
    const char *id = req->params[0];
    const char *own = req->caller.org_id;
    if (strcmp(id, "@current") == 0) {
        if (!own) return http_error_code(req, 404, "not_found", NULL, "Current organization not found."), -1;
        id = own;
    }
    project_index *p = engine_project(req->app->engine, req->caller.project_id, 0);
    if (p) {
        pthread_rwlock_rdlock(&p->lock);
        if (engine_org_find(p, id, out) == 0 && !p->orgs[*out].deleted) {
            if (!own || strcmp(own, id) == 0) {
                *pp = p;
                return 0;
            }
            pthread_rwlock_unlock(&p->lock);
            char msg[256];
            snprintf(msg, sizeof msg, "API key does not have access to the requested organization: ID %.160s.", id);
            return http_error(req, 403, NULL, msg), -1;
        }
        pthread_rwlock_unlock(&p->lock);
    }
    return http_error(req, 404, NULL, "Not found."), -1;
}

/* Answer the organization `id` (after a write) with `status`. */
static int respond_org(http_request *req, const char *id, int status) {
    project_index *p = engine_project(req->app->engine, req->caller.project_id, 0);
    json_t *body = NULL;
    if (p) {
        pthread_rwlock_rdlock(&p->lock);
        uint32_t idx;
        if (engine_org_find(p, id, &idx) == 0) body = org_object(p, idx);
        pthread_rwlock_unlock(&p->lock);
    }
    if (!body) return http_error(req, 500, NULL, "internal error");
    return http_respond_json(req, status, body);
}

/* ---- request bodies, validated as the DRF serializer does ---- */

/* Python's str() of a JSON value, for messages that quote the input. */
static char *py_str(const json_t *v) {
    if (json_is_string(v)) return xstrdup(json_string_value(v));
    if (json_is_true(v)) return xstrdup("True");
    if (json_is_false(v)) return xstrdup("False");
    if (json_is_null(v)) return xstrdup("None");
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    return s ? s : xstrdup("");
}

static const char *py_type(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "dict";
    case JSON_ARRAY: return "list";
    case JSON_STRING: return "str";
    case JSON_INTEGER: return "int";
    case JSON_REAL: return "float";
    case JSON_TRUE:
    case JSON_FALSE: return "bool";
    default: return "NoneType";
    }
}

typedef struct field_error {
    const char *code;
    char attr[96];
    char message[320];
} field_error;

static int fail(field_error *fe, const char *code, const char *attr, const char *fmt, const char *arg) {
    fe->code = code;
    snprintf(fe->attr, sizeof fe->attr, "%s", attr);
    snprintf(fe->message, sizeof fe->message, fmt, arg ? arg : "");
    return -1;
}

/* Length of the UTF-8 character at s (valid UTF-8 from jansson) and its code point. */
static size_t utf8_char(const unsigned char *s, uint32_t *cp) {
    if (s[0] < 0x80) return *cp = s[0], 1;
    if ((s[0] & 0xE0) == 0xC0) return *cp = ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu), 2;
    if ((s[0] & 0xF0) == 0xE0) return *cp = ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu), 3;
    *cp = ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
    return 4;
}

/* Python's str.isspace(). */
static int py_isspace(uint32_t c) {
    return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f) || c == 0x85 || c == 0xa0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
           c == 0x205f || c == 0x3000;
}

/* DRF CharField: null, type (numbers become their text), trim_whitespace, blank, max_length, NUL characters. On
 * success *out is the trimmed text (caller frees). `control_ok` = 0 also refuses control characters, which the
 * event contract does not take in names. */
static int char_field(const json_t *v, const char *attr, int allow_null, int allow_blank, long max_len, int control_ok,
                      char **out, field_error *fe) {
    *out = NULL;
    if (json_is_null(v)) {
        if (allow_null) return 0;
        return fail(fe, "null", attr, "This field may not be null.%s", NULL);
    }
    char *s;
    if (json_is_string(v)) s = xstrdup(json_string_value(v));
    else if (json_is_integer(v) || json_is_real(v)) s = py_str(v);
    else return fail(fe, "invalid_input", attr, "Not a valid string.%s", NULL);
    if (json_is_string(v) && strlen(s) != json_string_length(v)) {
        free(s);
        return fail(fe, "null_characters_not_allowed", attr, "Null characters are not allowed.%s", NULL);
    }
    /* trim (Python's str.strip()) */
    const unsigned char *b = (const unsigned char *)s, *start = b, *end = b + strlen(s), *last = b;
    int seen = 0;
    for (const unsigned char *q = b; q < end;) {
        uint32_t cp;
        size_t n = utf8_char(q, &cp);
        if (!py_isspace(cp)) {
            if (!seen) start = q, seen = 1;
            last = q + n;
        }
        q += n;
    }
    if (!seen) start = last = b;
    char *t = xstrndup((const char *)start, (size_t)(last - start));
    free(s);
    if (!*t && !allow_blank) {
        free(t);
        return fail(fe, "blank", attr, "This field may not be blank.%s", NULL);
    }
    long chars = 0;
    int control = 0;
    for (const unsigned char *q = (const unsigned char *)t; *q; q++) {
        if ((*q & 0xC0) != 0x80) chars++;
        if (*q < 0x20 || *q == 0x7f) control = 1;
    }
    if (max_len && chars > max_len) {
        free(t);
        char n[24];
        snprintf(n, sizeof n, "%ld", max_len);
        return fail(fe, "max_length", attr, "Ensure this field has no more than %s characters.", n);
    }
    if (control && !control_ok) {
        free(t);
        return fail(fe, "invalid_input", attr, "Control characters are not allowed.%s", NULL);
    }
    *out = t;
    return 0;
}

/* DRF BooleanField (with allow_null for the nullable ones): its true, false and null spellings. */
static int bool_field(const json_t *v, const char *attr, int allow_null, json_t **out, field_error *fe) {
    static const char *const truthy[] = {"t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
                                         "on", "On", "ON", "1", NULL};
    static const char *const falsy[] = {"f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE",
                                        "off", "Off", "OFF", "0", NULL};
    static const char *const nully[] = {"null", "Null", "NULL", "", NULL};
    if (json_is_null(v)) {
        if (allow_null) return *out = json_null(), 0;
        return fail(fe, "null", attr, "This field may not be null.%s", NULL);
    }
    if (json_is_boolean(v)) return *out = json_boolean(json_is_true(v)), 0;
    if (json_is_number(v)) {
        double d = json_number_value(v);
        if (d == 1) return *out = json_true(), 0;
        if (d == 0) return *out = json_false(), 0;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        for (int i = 0; truthy[i]; i++)
            if (strcmp(s, truthy[i]) == 0) return *out = json_true(), 0;
        for (int i = 0; falsy[i]; i++)
            if (strcmp(s, falsy[i]) == 0) return *out = json_false(), 0;
        if (allow_null)
            for (int i = 0; nully[i]; i++)
                if (strcmp(s, nully[i]) == 0) return *out = json_null(), 0;
    }
    return fail(fe, "invalid_input", attr, "Must be a valid boolean.%s", NULL);
}

/* A UUID in any of the spellings Python's uuid.UUID takes (hyphens, braces, urn:uuid:, any case), as the lower-case
 * hyphenated form; -1 otherwise. */
static int uuid_normal(const char *s, char out[37]) {
    if (strncasecmp(s, "urn:uuid:", 9) == 0) s += 9;
    char hex[33];
    int n = 0;
    for (; *s; s++) {
        if (*s == '-' || *s == '{' || *s == '}') continue;
        char c = *s;
        if (c >= 'A' && c <= 'F') c = (char)(c + 32);
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) || n == 32) return -1;
        hex[n++] = c;
    }
    if (n != 32) return -1;
    int k = 0;
    for (int i = 0; i < 32; i++) {
        if (i == 8 || i == 12 || i == 16 || i == 20) out[k++] = '-';
        out[k++] = hex[i];
    }
    out[k] = 0;
    return 0;
}

/* logo_media_id (a primary key, allow_null) and default_role_id (a UUID, allow_null). */
static int uuid_field(const json_t *v, const char *attr, int is_pk, json_t **out, field_error *fe) {
    if (json_is_null(v)) return *out = json_null(), 0;
    if (!json_is_string(v)) {
        if (is_pk) return fail(fe, "incorrect_type", attr, "Incorrect type. Expected pk value, received %s.", py_type(v));
        return fail(fe, "invalid_input", attr, "Must be a valid UUID.%s", NULL);
    }
    char u[37];
    if (uuid_normal(json_string_value(v), u) != 0) {
        if (is_pk) return fail(fe, "invalid_input", attr, "\xe2\x80\x9c%s\xe2\x80\x9d is not a valid UUID.", json_string_value(v));
        return fail(fe, "invalid_input", attr, "Must be a valid UUID.%s", NULL);
    }
    *out = json_string(u);
    return 0;
}

/* ChoiceField default_experiment_stats_method (allow_null, allow_blank). */
static int stats_method_field(const json_t *v, const char *attr, json_t **out, field_error *fe) {
    if (json_is_null(v)) return *out = json_null(), 0;
    char *s = py_str(v);
    int ok = !strcmp(s, "") || !strcmp(s, "bayesian") || !strcmp(s, "frequentist");
    if (ok) *out = json_string(s);
    else fail(fe, "invalid_choice", attr, "\"%s\" is not a valid choice.", s);
    free(s);
    return ok ? 0 : -1;
}

/* orgpulse's domains: a list of non-blank strings (DRF ListField(child=CharField())). */
static int domains_field(const json_t *v, const char *attr, json_t **out, field_error *fe) {
    if (json_is_null(v)) return fail(fe, "null", attr, "This field may not be null.%s", NULL);
    if (!json_is_array(v))
        return fail(fe, "not_a_list", attr, "Expected a list of items but got type \"%s\".", py_type(v));
    json_t *list = json_array();
    for (size_t i = 0; i < json_array_size(v); i++) {
        char item_attr[64], *s;
        snprintf(item_attr, sizeof item_attr, "%s__%zu", attr, i);
        if (char_field(json_array_get(v, i), item_attr, 0, 0, 1024, 0, &s, fe) != 0) return json_decref(list), -1;
        json_array_append_new(list, json_string(s));
        free(s);
    }
    *out = list;
    return 0;
}

typedef enum field_kind { FK_NAME, FK_BOOL, FK_NULL_BOOL, FK_PK, FK_UUID, FK_STATS, FK_DOMAINS, FK_NULL_TEXT, FK_DICT } field_kind;

/* The writable fields, in the serializer's order (the first problem in this order answers). */
static const struct {
    const char *key;
    field_kind kind;
} writable[] = {
    {"name", FK_NAME},
    {"logo_media_id", FK_PK},
    {"is_member_join_email_enabled", FK_BOOL},
    {"enforce_2fa", FK_NULL_BOOL},
    {"members_can_invite", FK_NULL_BOOL},
    {"members_can_use_personal_api_keys", FK_BOOL},
    {"allow_publicly_shared_resources", FK_BOOL},
    {"is_ai_data_processing_approved", FK_NULL_BOOL},
    {"default_experiment_stats_method", FK_STATS},
    {"default_role_id", FK_UUID},
    {"domains", FK_DOMAINS},
    {"plan_type", FK_NULL_TEXT},
    {"license", FK_DICT},
};

/* A validated body: what engine_org_change points into. */
typedef struct org_input {
    char *name, *domains, *settings;
    engine_org_change change;
} org_input;

static void org_input_free(org_input *in) { free(in->name), free(in->domains), free(in->settings); }

/* The request body as JSON (any value; an empty body is {} as DRF reads it). Returns 0 and *out (caller's), or
 * answers 400 parse_error and returns -1. */
static int body_json(http_request *req, json_t **out) {
    if (req->body_len == 0) return *out = json_object(), 0;
    json_error_t err;
    *out = json_loadb(req->body, req->body_len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (*out) return 0;
    char msg[300];
    snprintf(msg, sizeof msg, "JSON parse error - %s: line %d column %d (char %d)", err.text, err.line, err.column,
             err.position);
    return http_error_code(req, 400, "parse_error", NULL, msg), -1;
}

/* Parse and validate the request body (`partial`: PATCH). Returns 0 with *in filled, or answers 400 and returns -1. */
static int org_input_parse(http_request *req, int partial, org_input *in) {
    memset(in, 0, sizeof *in);
    json_t *body;
    if (body_json(req, &body) != 0) return -1;
    if (json_is_null(body)) return http_error_code(req, 400, "null", NULL, "No data provided"), -1;
    if (!json_is_object(body)) {
        char msg[96];
        snprintf(msg, sizeof msg, "Invalid data. Expected a dictionary, but got %s.", py_type(body));
        json_decref(body);
        return http_error_code(req, 400, "invalid_input", NULL, msg), -1;
    }
    field_error fe;
    int rc = 0;
    json_t *settings = json_object(), *domains = NULL;
    for (size_t i = 0; i < sizeof writable / sizeof *writable && rc == 0; i++) {
        const char *key = writable[i].key;
        json_t *v = json_object_get(body, key), *out = NULL;
        if (!v) {
            if (writable[i].kind == FK_NAME && !partial) rc = fail(&fe, "required", key, "This field is required.%s", NULL);
            continue;
        }
        switch (writable[i].kind) {
        case FK_NAME: rc = char_field(v, key, 0, 0, 64, 0, &in->name, &fe); break;
        case FK_BOOL: rc = bool_field(v, key, 0, &out, &fe); break;
        case FK_NULL_BOOL: rc = bool_field(v, key, 1, &out, &fe); break;
        case FK_PK: rc = uuid_field(v, key, 1, &out, &fe); break;
        case FK_UUID: rc = uuid_field(v, key, 0, &out, &fe); break;
        case FK_STATS: rc = stats_method_field(v, key, &out, &fe); break;
        case FK_DOMAINS: rc = domains_field(v, key, &domains, &fe); break;
        case FK_NULL_TEXT: {
            char *s;
            rc = char_field(v, key, 1, 1, 0, 1, &s, &fe);
            if (rc == 0) out = s ? json_string(s) : json_null();
            free(s);
            break;
        }
        case FK_DICT:
            if (json_is_object(v) || json_is_null(v)) out = json_incref(v);
            else rc = fail(&fe, "not_a_dict", key, "Expected a dictionary of items but got type \"%s\".", py_type(v));
            break;
        }
        if (out) json_object_set_new(settings, key, out);
    }
    json_decref(body);
    if (rc != 0) {
        json_decref(settings), json_decref(domains);
        org_input_free(in);
        memset(in, 0, sizeof *in);
        return http_error_code(req, 400, fe.code, fe.attr, fe.message), -1;
    }
    if (domains) in->domains = json_dumps(domains, JSON_COMPACT);
    if (json_object_size(settings)) in->settings = json_dumps(settings, JSON_COMPACT);
    json_decref(settings), json_decref(domains);
    in->change = (engine_org_change){.name = in->name, .domains = in->domains, .settings = in->settings};
    return 0;
}

/* ---- handlers ---- */

int api_orgs_list(http_request *req) {
    http_page pg;
    http_page_parse(req, &pg);
    json_t *results = json_array();
    size_t count = 0;
    project_index *p = engine_project(req->app->engine, req->caller.project_id, 0);
    if (p) {
        pthread_rwlock_rdlock(&p->lock);
        uint32_t *live, n = engine_orgs_live(p, &live);
        if (req->caller.org_id) { /* an org-scoped key: its org only */
            uint32_t k = 0;
            for (uint32_t i = 0; i < n; i++)
                if (strcmp(p->orgs[live[i]].id, req->caller.org_id) == 0) live[k++] = live[i];
            n = k;
        }
        count = n;
        for (size_t i = (size_t)pg.offset; i < n && i < (size_t)pg.offset + (size_t)pg.limit; i++)
            json_array_append_new(results, org_object(p, live[i]));
        free(live);
        pthread_rwlock_unlock(&p->lock);
    }
    return http_respond_json(req, 200, http_page_render(req, &pg, count, results));
}

int api_orgs_get(http_request *req) {
    project_index *p;
    uint32_t idx;
    if (open_org(req, &p, &idx) != 0) return 0;
    json_t *body = org_object(p, idx);
    pthread_rwlock_unlock(&p->lock);
    return http_respond_json(req, 200, body);
}

int api_orgs_create(http_request *req) {
    if (req->caller.org_id)
        return http_error(req, 403, NULL, "API keys with scoped organizations cannot create organizations.");
    org_input in;
    if (org_input_parse(req, 0, &in) != 0) return 0;
    char id[ENGINE_ORG_ID_LEN + 1];
    int rc = engine_org_create(req->app->engine, req->app->store, req->caller.project_id, time_now_ms(), &in.change, id);
    org_input_free(&in);
    if (rc != 0) return http_error(req, 500, NULL, "internal error");
    return respond_org(req, id, 201);
}

/* PUT (name required) and PATCH (any subset). */
static int update(http_request *req, int partial) {
    project_index *p;
    uint32_t idx;
    if (open_org(req, &p, &idx) != 0) return 0;
    char *id = xstrdup(p->orgs[idx].id);
    pthread_rwlock_unlock(&p->lock);
    org_input in;
    int rc = 0;
    if (org_input_parse(req, partial, &in) == 0) {
        rc = engine_org_update(req->app->engine, req->app->store, req->caller.project_id, id, time_now_ms(), &in.change);
        org_input_free(&in);
        if (rc == ENGINE_ORG_ENOTFOUND) rc = http_error(req, 404, NULL, "Not found.");
        else if (rc != 0) rc = http_error(req, 500, NULL, "internal error");
        else rc = respond_org(req, id, 200);
    }
    free(id);
    return rc;
}

int api_orgs_update(http_request *req) { return update(req, 0); }
int api_orgs_partial_update(http_request *req) { return update(req, 1); }

int api_orgs_delete(http_request *req) {
    project_index *p;
    uint32_t idx;
    if (open_org(req, &p, &idx) != 0) return 0;
    char *id = xstrdup(p->orgs[idx].id);
    pthread_rwlock_unlock(&p->lock);
    int rc = engine_org_delete(req->app->engine, req->app->store, req->caller.project_id, id, time_now_ms());
    free(id);
    if (rc == ENGINE_ORG_ENOTFOUND) return http_error(req, 404, NULL, "Not found.");
    if (rc != 0) return http_error(req, 500, NULL, "internal error");
    return http_respond(req, 204, "application/json", NULL, 0);
}

/* Python's repr() of one id of a rollback mapping: an int when the text is one, else a quoted string. */
static void rollback_id(buf *b, const char *text, int is_int) {
    if (is_int) buf_append_str(b, text);
    else buf_appendf(b, "'%s'", text);
}

/* orgpulse organizations have no environments (posthog.md): every mapping names ids that are not found. */
int api_orgs_environments_rollback(http_request *req) {
    project_index *p;
    uint32_t idx;
    if (open_org(req, &p, &idx) != 0) return 0;
    pthread_rwlock_unlock(&p->lock);
    json_t *body;
    if (body_json(req, &body) != 0) return 0;
    if (!json_is_object(body) || json_object_size(body) == 0) {
        json_decref(body);
        return http_error(req, 400, NULL, "Environment mappings are required");
    }
    /* The ids as PostHog collects them (keys and values, each an int when it reads as one), shown as a Python set:
     * the ints in ascending order, then the other values in the order given, each once. */
    size_t cap = 2 * json_object_size(body), n = 0;
    struct rid {
        char text[64];
        long long v;
        int is_int;
    } *ids = xcalloc(cap, sizeof *ids);
    const char *key;
    json_t *val;
    json_object_foreach(body, key, val) {
        for (int k = 0; k < 2; k++) {
            struct rid r = {{0}, 0, 0};
            char *end;
            if (k == 0) {
                r.v = strtoll(key, &end, 10);
                r.is_int = *key && !*end;
                snprintf(r.text, sizeof r.text, "%s", key);
            } else if (json_is_integer(val)) {
                r.v = json_integer_value(val), r.is_int = 1;
                snprintf(r.text, sizeof r.text, "%lld", r.v);
            } else {
                char *s = py_str(val);
                r.v = strtoll(s, &end, 10);
                r.is_int = json_is_string(val) && *s && !*end;
                snprintf(r.text, sizeof r.text, "%s", s);
                free(s);
            }
            if (r.is_int) snprintf(r.text, sizeof r.text, "%lld", r.v);
            int dup = 0;
            for (size_t i = 0; i < n && !dup; i++)
                dup = ids[i].is_int == r.is_int && (r.is_int ? ids[i].v == r.v : strcmp(ids[i].text, r.text) == 0);
            if (!dup) ids[n++] = r;
        }
    }
    json_decref(body);
    for (size_t i = 1; i < n; i++) /* ints ascending, stable */
        for (size_t j = i; j > 0 && ids[j].is_int && (!ids[j - 1].is_int || ids[j - 1].v > ids[j].v); j--) {
            struct rid t = ids[j];
            ids[j] = ids[j - 1], ids[j - 1] = t;
        }
    buf b;
    buf_init(&b);
    buf_append_str(&b, "Environments not found: {");
    for (size_t i = 0; i < n; i++) {
        if (i) buf_append_str(&b, ", ");
        rollback_id(&b, ids[i].text, ids[i].is_int);
    }
    buf_append_char(&b, '}');
    free(ids);
    int rc = http_error(req, 400, NULL, buf_cstr(&b));
    buf_free(&b);
    return rc;
}
