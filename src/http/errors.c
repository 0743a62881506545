/* errors.c: the one error sender (see http_error in server.h). Each family's clients expect their own error body
 * shape (auth.md's table); this file is the only place that knows those shapes. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "http/server.h"

static const char *orgpulse_code(int status) {
    switch (status) {
    case 400: return "invalid_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "conflict";
    case 413: return "payload_too_large";
    case 415: return "unsupported_media_type";
    case 429: return "rate_limited";
    case 503: return "unavailable";
    default: return "internal_error";
    }
}

static const char *status_phrase(int status) {
    switch (status) {
    case 400: return "Validation Error";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    default: return "Internal Server Error";
    }
}

static json_t *orgpulse_error(int status, const char *field, const char *message) {
    json_t *o = json_pack("{s:s, s:s}", "error", orgpulse_code(status), "message", message);
    if (field) json_object_set_new(o, "field", json_string(field));
    return o;
}

static json_t *insights_error(int status, const char *field, const char *message) {
    if (status == 400) return json_pack("{s:[s]}", field ? field : "non_field_errors", message);
    if (status == 403) return json_pack("{s:s}", "error", "forbidden");
    return json_pack("{s:s}", "error", orgpulse_code(status));
}

/* A usage-metrics validation error lists every problem as "field: message" (Zod's wording on Tabnine's server). */
static json_t *usage_validation_error(int status, const http_field_error *errors, size_t n) {
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        char line[512];
        const char *field = errors[i].field;
        snprintf(line, sizeof line, "%s%s%s", field ? field : "", field ? ": " : "", errors[i].message);
        json_array_append_new(list, json_string(line));
    }
    return json_pack("{s:{s:s, s:o, s:i}}", "error", "message", "Validation Error", "errors", list, "status", status);
}

static json_t *usage_error(int status, const char *field, const char *message) {
    if (status == 400) {
        http_field_error one = {field, message};
        return usage_validation_error(status, &one, 1);
    }
    if (status == 401 && message && strncmp(message, "Unauthorized:", 13) == 0)
        return json_pack("{s:{s:s, s:i}}", "error", "message", message, "status", status);
    return json_pack("{s:{s:s, s:i}}", "error", "message", status_phrase(status), "status", status);
}

static json_t *engagement_error(int status, const char *message) {
    if (status == 401) {
        const char *m = "You must be logged in to do this.";
        return json_pack("{s:b, s:s, s:s, s:s}", "success", 0, "error", m, "status", "error", "message", m);
    }
    if (status == 403)
        return json_pack("{s:b, s:s}", "success", 0, "error",
                         "User does not have the permissions required for this action [error-unauthorized]");
    return json_pack("{s:b, s:s}", "success", 0, "error", message);
}

/* PostHog (drf-exceptions-hog): {type, code, detail, attr}; `code` overrides the status's default code when given. */
static json_t *orgs_error(int status, const char *code_given, const char *field, const char *message) {
    const char *type = "invalid_request", *code = orgpulse_code(status), *detail = message;
    switch (status) {
    case 400: type = "validation_error", code = "invalid_input"; break;
    case 401: type = "authentication_error", code = "not_authenticated"; break;
    case 403: type = "authentication_error", code = "permission_denied"; break;
    case 404: code = "not_found", detail = code_given ? message : "Not found."; break;
    case 405: code = "method_not_allowed"; break;
    case 429: type = "throttled_error", code = "throttled"; break;
    case 500: type = "server_error", code = "error", detail = "A server error occurred."; break;
    }
    if (code_given) {
        code = code_given;
        if (strcmp(code, "parse_error") == 0) type = "invalid_request";
    }
    json_t *o = json_pack("{s:s, s:s, s:s}", "type", type, "code", code, "detail", detail);
    json_object_set_new(o, "attr", field ? json_string(field) : json_null());
    return o;
}

int http_error(http_request *req, int status, const char *field, const char *message) {
    return http_error_code(req, status, NULL, field, message);
}

int http_error_code(http_request *req, int status, const char *code, const char *field, const char *message) {
    if (status >= 500) message = "internal error"; /* never internals */
    if (req->family == FAMILY_INSIGHTS && status == 429) {
        char *text = strdup("Too Many Requests");
        return http_respond(req, status, "text/plain", text, strlen(text));
    }
    json_t *body;
    switch (req->family) {
    case FAMILY_INSIGHTS: body = insights_error(status, field, message); break;
    case FAMILY_USAGE: body = usage_error(status, field, message); break;
    case FAMILY_ENGAGEMENT: body = engagement_error(status, message); break;
    case FAMILY_USERS_V2: body = json_pack("{s:s, s:s}", "status", "error", "message", message); break;
    case FAMILY_ORGS: body = orgs_error(status, code, field, message); break;
    default: body = orgpulse_error(status, field, message); break;
    }
    return http_respond_json(req, status, body);
}

int http_error_fields(http_request *req, int status, const http_field_error *errors, size_t n) {
    if (req->family == FAMILY_USAGE && status == 400) return http_respond_json(req, status, usage_validation_error(status, errors, n));
    return http_error(req, status, errors[0].field, errors[0].message);
}
