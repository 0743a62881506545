/* openapi.c: builds the OpenAPI 3.1 document from the route table (see openapi.h). Family-level facts (tag, accepted
 * credentials, error schema) are one table here; everything per endpoint comes from its route row. */
#include "http/openapi.h"

#include <stdio.h>
#include <string.h>

#include "http/routes.h"
#include "util/buf.h"

typedef struct family_doc {
    const char *tag, *description;
    const char *extra_security; /* a second accepted credential scheme, or NULL */
    const char *error_schema;
} family_doc;

static const family_doc families[] = {
    [FAMILY_ORGPULSE] = {"orgpulse", "orgpulse's own API: ingestion, entities, keys, usage, operations", NULL,
                         "OrgpulseError"},
    [FAMILY_INSIGHTS] = {"insights", "Insights (PropelAuth-compatible)", NULL, "InsightsError"},
    [FAMILY_USAGE] = {"usage", "Usage metrics (Tabnine-compatible)", NULL, "UsageError"},
    [FAMILY_ENGAGEMENT] = {"engagement", "Engagement dashboard (Rocket.Chat-compatible)", "xAuthToken",
                           "EngagementError"},
    [FAMILY_USERS_V2] = {"users-v2", "Users & usage statistics v2", NULL, "UsersV2Error"},
    [FAMILY_ORGS] = {"organizations", "Organizations & batch exports (PostHog-compatible)", "personalApiKey",
                     "OrganizationsError"},
};

static json_t *error_schemas(void) {
    json_t *str = json_pack("{s:s}", "type", "string");
    json_t *s = json_object();
    json_object_set_new(s, "OrgpulseError",
                        json_pack("{s:s, s:[s,s], s:{s:O, s:O, s:O}}", "type", "object", "required", "error", "message",
                                  "properties", "error", str, "message", str, "field", str));
    json_object_set_new(s, "InsightsError",
                        json_pack("{s:s, s:s, s:{s:s, s:{s:s}}}", "type", "object", "description",
                                  "400: {\"<field>\": [\"message\"]}; 401/403/404: {\"error\": \"...\"}; 429: plain text",
                                  "additionalProperties", "type", "array", "items", "type", "string"));
    json_object_set_new(s, "UsageError",
                        json_pack("{s:s, s:[s], s:{s:{s:s, s:[s,s], s:{s:O, s:{s:s, s:O}, s:{s:s}}}}}", "type",
                                  "object", "required", "error", "properties", "error", "type", "object", "required",
                                  "message", "status", "properties", "message", str, "errors", "type", "array",
                                  "items", str, "status", "type", "integer"));
    json_object_set_new(s, "EngagementError",
                        json_pack("{s:s, s:[s,s], s:{s:{s:s}, s:O}}", "type", "object", "required", "success", "error",
                                  "properties", "success", "type", "boolean", "error", str));
    json_object_set_new(s, "UsersV2Error",
                        json_pack("{s:s, s:[s,s], s:{s:O, s:O}}", "type", "object", "required", "status", "message",
                                  "properties", "status", str, "message", str));
    json_object_set_new(s, "OrganizationsError",
                        json_pack("{s:s, s:[s,s,s,s], s:{s:O, s:O, s:O, s:{s:[s,s]}}}", "type", "object", "required",
                                  "type", "code", "detail", "attr", "properties", "type", str, "code", str, "detail",
                                  str, "attr", "type", "string", "null"));
    json_decref(str);
    return s;
}

static json_t *error_response(const char *description, const char *schema) {
    char ref[96];
    snprintf(ref, sizeof ref, "#/components/schemas/%s", schema);
    return json_pack("{s:s, s:{s:{s:{s:s}}}}", "description", description, "content", "application/json", "schema",
                     "$ref", ref);
}

/* "get" + path segments, alphanumerics only: GET /api/v1/team/{teamId} -> get_api_v1_team_teamId */
static void operation_id(const route *r, char *out, size_t outlen) {
    size_t n = 0;
    for (const char *m = r->method; *m && n + 1 < outlen; m++) out[n++] = (char)(*m >= 'A' && *m <= 'Z' ? *m + 32 : *m);
    for (const char *p = r->pattern; *p && n + 1 < outlen; p++) {
        char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) out[n++] = c;
        else if ((c == '/' || c == '-' || c == '_' || c == '.') && n && out[n - 1] != '_') out[n++] = '_';
    }
    while (n && out[n - 1] == '_') n--;
    out[n] = 0;
}

static json_t *operation(const route *r) {
    const family_doc *f = &families[r->family];
    char id[256];
    operation_id(r, id, sizeof id);
    json_t *op = json_pack("{s:s, s:s, s:[s]}", "operationId", id, "summary", id, "tags", f->tag);
    json_t *params = json_array();
    for (const char *p = strchr(r->pattern, '{'); p; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(end - p - 1), p + 1);
        json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:{s:s}}", "name", name, "in", "path", "required",
                                                1, "schema", "type", "string"));
    }
    json_object_set_new(op, "parameters", params);
    if (r->flags & (ROUTE_BODY_JSON | ROUTE_BODY_EVENTS)) {
        json_t *content = json_pack("{s:{s:{}}}", "application/json", "schema");
        if (r->flags & ROUTE_BODY_EVENTS) json_object_set_new(content, "application/x-ndjson", json_pack("{s:{}}", "schema"));
        json_object_set_new(op, "requestBody", json_pack("{s:b, s:o}", "required", r->flags & ROUTE_BODY_EVENTS ? 1 : 0,
                                                         "content", content));
    }
    json_t *responses = json_pack("{s:{s:s}}", "200", "description", "success");
    json_object_set_new(responses, "400", error_response("invalid parameters or body", f->error_schema));
    json_object_set_new(responses, "404", error_response("not found", f->error_schema));
    json_object_set_new(responses, "405", error_response("method not allowed (see Allow)", f->error_schema));
    if (r->scope) {
        json_object_set_new(responses, "401", error_response("missing, unknown or revoked API key", f->error_schema));
        json_object_set_new(responses, "403", error_response("the key lacks the scope", f->error_schema));
        json_object_set_new(responses, "429", error_response("rate limited (see Retry-After)", f->error_schema));
        json_t *sec = json_array();
        json_array_append_new(sec, json_pack("{s:[]}", "bearer"));
        if (f->extra_security) {
            json_t *alt = json_object();
            json_object_set_new(alt, f->extra_security, json_array());
            json_array_append_new(sec, alt);
        }
        json_object_set_new(op, "security", sec);
        json_object_set_new(op, "x-orgpulse-scope", json_string(r->scope));
        json_object_set_new(op, "x-orgpulse-org-scoped-key", json_boolean(r->flags & ROUTE_ORG_KEY_OK));
    } else {
        json_object_set_new(op, "security", json_array());
    }
    if (r->flags & (ROUTE_BODY_JSON | ROUTE_BODY_EVENTS)) {
        json_object_set_new(responses, "413", error_response("body over the limit", f->error_schema));
        json_object_set_new(responses, "415", error_response("unsupported Content-Type", f->error_schema));
    }
    json_object_set_new(op, "responses", responses);
    if (r->flags & ROUTE_SLASH_OPTIONAL) json_object_set_new(op, "x-orgpulse-trailing-slash-optional", json_true());
    return op;
}

json_t *openapi_document(const char *server_url) {
    json_t *paths = json_object();
    for (int i = 0; i < route_count; i++) {
        const route *r = &route_table[i];
        json_t *item = json_object_get(paths, r->pattern);
        if (!item) {
            item = json_object();
            json_object_set_new(paths, r->pattern, item);
        }
        char method[16];
        size_t n = 0;
        for (const char *m = r->method; *m && n + 1 < sizeof method; m++) method[n++] = (char)(*m + 32 * (*m >= 'A' && *m <= 'Z'));
        method[n] = 0;
        json_object_set_new(item, method, operation(r));
    }
    json_t *tags = json_array();
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
        json_array_append_new(tags, json_pack("{s:s, s:s}", "name", families[i].tag, "description",
                                              families[i].description));
    json_t *schemes = json_pack("{s:{s:s, s:s}, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}}", "bearer", "type", "http",
                                "scheme", "bearer", "xAuthToken", "type", "apiKey", "in", "header", "name",
                                "X-Auth-Token", "personalApiKey", "type", "apiKey", "in", "query", "name",
                                "personal_api_key");
    return json_pack("{s:s, s:{s:s, s:s, s:s}, s:[{s:s}], s:o, s:o, s:{s:o, s:o}}", "openapi", "3.1.0", "info", "title",
                     "orgpulse", "version", "1", "description",
                     "Self-hosted user and organization insights. Generated from the route table.", "servers", "url",
                     server_url ? server_url : "/", "tags", tags, "paths", paths, "components", "securitySchemes",
                     schemes, "schemas", error_schemas());
}
