/* routes.c: the route table (see routes.h) and path matching. Add an endpoint here and nowhere else. */
#include "http/routes.h"

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "http/static.h"
#include "util/buf.h"

/* clang-format off */
const route route_table[] = {
    /* method   pattern                 handler           scope              family           flags */
    {"GET",    "/healthz",              api_healthz,      NULL,              FAMILY_ORGPULSE, 0},
    {"POST",   "/v1/events",            api_events_post,  "events:write",    FAMILY_ORGPULSE, ROUTE_BODY_EVENTS},
    {"GET",    "/v1/users/{id}",        api_user_get,     "users:read",      FAMILY_ORGPULSE, 0},
    {"GET",    "/v1/orgs/{id}",         api_org_get,      "organization:read", FAMILY_ORGPULSE, 0},
    {"GET",    "/v1/stats",             api_stats_get,    "users:read",      FAMILY_ORGPULSE, 0},
    {"POST",   "/v1/api_keys",          api_keys_create,  "admin",           FAMILY_ORGPULSE, ROUTE_BODY_JSON},
    {"GET",    "/v1/api_keys",          api_keys_list,    "admin",           FAMILY_ORGPULSE, 0},
    {"DELETE", "/v1/api_keys/{id}",     api_keys_revoke,  "admin",           FAMILY_ORGPULSE, 0},
    {"GET",    "/metrics",              api_metrics_get,  "admin",           FAMILY_ORGPULSE, 0},
    {"GET",    "/openapi.json",         api_openapi_get,  NULL,              FAMILY_ORGPULSE, 0},

    /* Insights (PropelAuth-compatible) */
    {"GET", "/api/backend/v1/user/{id}/signup_query_parameters", api_insights_signup_params, "insights:read", FAMILY_INSIGHTS, 0},
    {"GET", "/api/backend/v1/user_report/{type}",    api_insights_user_report, "insights:read", FAMILY_INSIGHTS, 0},
    {"GET", "/api/backend/v1/org_report/{type}",     api_insights_org_report,  "insights:read", FAMILY_INSIGHTS, 0},
    {"GET", "/api/backend/v1/chart_metrics/{metric}", api_insights_chart,      "insights:read", FAMILY_INSIGHTS, 0},
    {"GET", "/api/backend/v1/chart_metric/{metric}",  api_insights_chart,      "insights:read", FAMILY_INSIGHTS, 0},

    /* Usage metrics (Tabnine-compatible); an org-scoped key implies its organizationId. Fixed paths before {teamId}. */
    {"GET", "/api/v1/organization",                   api_usage_organization,     "usage:read", FAMILY_USAGE, ROUTE_ORG_KEY_OK},
    {"GET", "/api/v1/organization/teams",             api_usage_teams,            "usage:read", FAMILY_USAGE, ROUTE_ORG_KEY_OK},
    {"GET", "/api/v1/organization/account-utilizations", api_usage_org_utilization, "usage:read", FAMILY_USAGE, ROUTE_ORG_KEY_OK},
    {"GET", "/api/v1/organization/usage",             api_usage_org_usage,        "usage:read", FAMILY_USAGE, ROUTE_ORG_KEY_OK},
    {"GET", "/api/v1/organization/users",             api_usage_org_users,        "usage:read", FAMILY_USAGE, ROUTE_ORG_KEY_OK},
    {"GET", "/api/v1/license",                        api_usage_license,          "usage:read", FAMILY_USAGE, ROUTE_ORG_KEY_OK},
    {"GET", "/api/v1/instance/permissions",           api_usage_permissions,      "usage:read", FAMILY_USAGE, ROUTE_ORG_KEY_OK},
    {"GET", "/api/v1/team/account-utilizations",      api_usage_team_utilization, "usage:read", FAMILY_USAGE, ROUTE_ORG_KEY_OK},
    {"GET", "/api/v1/team/usage",                     api_usage_team_usage,       "usage:read", FAMILY_USAGE, ROUTE_ORG_KEY_OK},
    {"GET", "/api/v1/team/{teamId}/users",            api_usage_team_users,       "usage:read", FAMILY_USAGE, ROUTE_ORG_KEY_OK},
    {"GET", "/api/v1/team/{teamId}",                  api_usage_team,             "usage:read", FAMILY_USAGE, ROUTE_ORG_KEY_OK},
    {"GET", "/api/v1/user/usage",                     api_usage_user_usage,       "usage:read", FAMILY_USAGE, ROUTE_ORG_KEY_OK},
    {"GET", "/api/v1/user/{user_id}",                 api_usage_user,             "usage:read", FAMILY_USAGE, ROUTE_ORG_KEY_OK},
    /* Engagement dashboard (Rocket.Chat-compatible); X-Auth-Token is accepted as well as Bearer (server.c) */
    {"GET", "/api/v1/engagement-dashboard/users/active-users",    api_engagement_active_users,  "engagement:read", FAMILY_ENGAGEMENT, 0},
    {"GET", "/api/v1/engagement-dashboard/users/new-users",       api_engagement_new_users,     "engagement:read", FAMILY_ENGAGEMENT, 0},
    {"GET", "/api/v1/engagement-dashboard/users/users-by-time-of-the-day-in-a-week", api_engagement_users_by_hour, "engagement:read", FAMILY_ENGAGEMENT, 0},
    {"GET", "/api/v1/engagement-dashboard/users/chat-busier/hourly-data", api_engagement_busier_hourly, "engagement:read", FAMILY_ENGAGEMENT, 0},
    {"GET", "/api/v1/engagement-dashboard/users/chat-busier/weekly-data", api_engagement_busier_weekly, "engagement:read", FAMILY_ENGAGEMENT, 0},

    /* Users & usage statistics v2 (Metacom-compatible); environment-id, when sent, must name the key's project */
    {"GET", "/api/v2/users",                          api_users_v2_list,          "users:read", FAMILY_USERS_V2, 0},
    {"GET", "/api/v2/users/{id}",                     api_users_v2_get,           "users:read", FAMILY_USERS_V2, 0},
    {"GET", "/api/v2/usage-statistics/active-users",  api_users_v2_active_users,  "users:read", FAMILY_USERS_V2, 0},

    /* orgpulse's own usage query (what the dashboard plots) */
    {"GET", "/v1/usage",                              api_usage_query,            "usage:read", FAMILY_ORGPULSE, 0},

    /* Organizations (PostHog-compatible); with or without the trailing slash; an org-scoped key reaches its org only */
    {"GET",    "/api/organizations",      api_orgs_list,           "organization:read",  FAMILY_ORGS, ROUTE_SLASH_OPTIONAL | ROUTE_ORG_KEY_OK},
    {"POST",   "/api/organizations",      api_orgs_create,         "organization:write", FAMILY_ORGS, ROUTE_SLASH_OPTIONAL | ROUTE_ORG_KEY_OK | ROUTE_BODY_JSON},
    {"GET",    "/api/organizations/{id}", api_orgs_get,            "organization:read",  FAMILY_ORGS, ROUTE_SLASH_OPTIONAL | ROUTE_ORG_KEY_OK},
    {"PUT",    "/api/organizations/{id}", api_orgs_update,         "organization:write", FAMILY_ORGS, ROUTE_SLASH_OPTIONAL | ROUTE_ORG_KEY_OK | ROUTE_BODY_JSON},
    {"PATCH",  "/api/organizations/{id}", api_orgs_partial_update, "organization:write", FAMILY_ORGS, ROUTE_SLASH_OPTIONAL | ROUTE_ORG_KEY_OK | ROUTE_BODY_JSON},
    {"DELETE", "/api/organizations/{id}", api_orgs_delete,         "organization:write", FAMILY_ORGS, ROUTE_SLASH_OPTIONAL | ROUTE_ORG_KEY_OK},
    {"POST",   "/api/organizations/{id}/environments_rollback", api_orgs_environments_rollback, "organization:write", FAMILY_ORGS, ROUTE_SLASH_OPTIONAL | ROUTE_ORG_KEY_OK | ROUTE_BODY_JSON},

    /* Batch exports (PostHog-compatible, api_exports.c); runs and backfills are served under the org path too */
    {"GET", "/api/organizations/{org_id}/batch_exports", api_exports_list, "batch_export:read", FAMILY_ORGS, ROUTE_ORG_KEY_OK | ROUTE_SLASH_OPTIONAL},
    {"POST", "/api/organizations/{org_id}/batch_exports", api_exports_create, "batch_export:write", FAMILY_ORGS, ROUTE_BODY_JSON | ROUTE_ORG_KEY_OK | ROUTE_SLASH_OPTIONAL},
    {"GET", "/api/organizations/{org_id}/batch_exports/{id}", api_export_get, "batch_export:read", FAMILY_ORGS, ROUTE_ORG_KEY_OK | ROUTE_SLASH_OPTIONAL},
    {"PUT", "/api/organizations/{org_id}/batch_exports/{id}", api_export_put, "batch_export:write", FAMILY_ORGS, ROUTE_BODY_JSON | ROUTE_ORG_KEY_OK | ROUTE_SLASH_OPTIONAL},
    {"PATCH", "/api/organizations/{org_id}/batch_exports/{id}", api_export_patch, "batch_export:write", FAMILY_ORGS, ROUTE_BODY_JSON | ROUTE_ORG_KEY_OK | ROUTE_SLASH_OPTIONAL},
    {"DELETE", "/api/organizations/{org_id}/batch_exports/{id}", api_export_delete, "batch_export:write", FAMILY_ORGS, ROUTE_ORG_KEY_OK | ROUTE_SLASH_OPTIONAL},
    {"POST", "/api/organizations/{org_id}/batch_exports/{id}/pause", api_export_pause, "batch_export:write", FAMILY_ORGS, ROUTE_BODY_JSON | ROUTE_ORG_KEY_OK | ROUTE_SLASH_OPTIONAL},
    {"POST", "/api/organizations/{org_id}/batch_exports/{id}/unpause", api_export_unpause, "batch_export:write", FAMILY_ORGS, ROUTE_BODY_JSON | ROUTE_ORG_KEY_OK | ROUTE_SLASH_OPTIONAL},
    {"POST", "/api/organizations/{org_id}/batch_exports/{id}/backfills", api_export_backfill_create, "batch_export:write", FAMILY_ORGS, ROUTE_BODY_JSON | ROUTE_ORG_KEY_OK | ROUTE_SLASH_OPTIONAL},
    {"GET", "/api/organizations/{org_id}/batch_exports/{id}/backfills", api_export_backfills_list, "batch_export:read", FAMILY_ORGS, ROUTE_ORG_KEY_OK | ROUTE_SLASH_OPTIONAL},
    {"GET", "/api/organizations/{org_id}/batch_exports/{id}/backfills/{backfill_id}", api_export_backfill_get, "batch_export:read", FAMILY_ORGS, ROUTE_ORG_KEY_OK | ROUTE_SLASH_OPTIONAL},
    {"POST", "/api/organizations/{org_id}/batch_exports/{id}/backfills/{backfill_id}/cancel", api_export_backfill_cancel, "batch_export:write", FAMILY_ORGS, ROUTE_BODY_JSON | ROUTE_ORG_KEY_OK | ROUTE_SLASH_OPTIONAL},
    {"POST", "/api/organizations/{org_id}/batch_exports/{id}/backfill", api_export_backfill_create, "batch_export:write", FAMILY_ORGS, ROUTE_BODY_JSON | ROUTE_ORG_KEY_OK | ROUTE_SLASH_OPTIONAL},
    {"GET", "/api/organizations/{org_id}/batch_exports/{id}/runs", api_export_runs_list, "batch_export:read", FAMILY_ORGS, ROUTE_ORG_KEY_OK | ROUTE_SLASH_OPTIONAL},
    {"GET", "/api/organizations/{org_id}/batch_exports/{id}/runs/{run_id}", api_export_run_get, "batch_export:read", FAMILY_ORGS, ROUTE_ORG_KEY_OK | ROUTE_SLASH_OPTIONAL},
    {"POST", "/api/organizations/{org_id}/batch_exports/{id}/runs/{run_id}/retry", api_export_run_retry, "batch_export:write", FAMILY_ORGS, ROUTE_BODY_JSON | ROUTE_ORG_KEY_OK | ROUTE_SLASH_OPTIONAL},
    {"POST", "/api/organizations/{org_id}/batch_exports/{id}/runs/{run_id}/cancel", api_export_run_cancel, "batch_export:write", FAMILY_ORGS, ROUTE_BODY_JSON | ROUTE_ORG_KEY_OK | ROUTE_SLASH_OPTIONAL},
    /* the injectable clock of `serve --test-clock` (404 otherwise) */
    {"POST", "/v1/test/clock", api_test_clock, "admin", FAMILY_ORGPULSE, ROUTE_BODY_JSON},

    /* the web dashboard: index.html at /, its modules and Chart.js under /static/ (static.c; no key: the page asks) */
    {"GET", "/",                                      http_static_get,            NULL,         FAMILY_ORGPULSE, 0},
    {"GET", "/static/{file}",                         http_static_get,            NULL,         FAMILY_ORGPULSE, 0},
};
/* clang-format on */
const int route_count = (int)(sizeof route_table / sizeof route_table[0]);

/* Match one pattern against a path; on success copies parameters. */
static int pattern_match(const route *r, const char *path, char **params, int *nparams) {
    const char *p = r->pattern, *s = path;
    int n = 0;
    char *found[HTTP_MAX_PARAMS];
    while (*p && *s) {
        if (*p == '{') {
            const char *pend = strchr(p, '}');
            const char *send = strchr(s, '/');
            if (!send) send = s + strlen(s);
            if (send == s || n == HTTP_MAX_PARAMS) goto no;
            found[n++] = xstrndup(s, (size_t)(send - s));
            p = pend + 1;
            s = send;
        } else if (*p == *s) {
            p++, s++;
        } else {
            goto no;
        }
    }
    if (*p == 0 && (*s == 0 || ((r->flags & ROUTE_SLASH_OPTIONAL) && strcmp(s, "/") == 0))) {
        for (int i = 0; i < n; i++) params[i] = found[i];
        *nparams = n;
        return 1;
    }
no:
    for (int i = 0; i < n; i++) free(found[i]);
    return 0;
}

route_match_result route_match(const char *method, const char *path, const route **out, char **params, int *nparams,
                               char *allow, size_t allow_len) {
    *nparams = 0;
    const route *other = NULL;
    buf methods;
    buf_init(&methods);
    for (int i = 0; i < route_count; i++) {
        const route *r = &route_table[i];
        char *tmp[HTTP_MAX_PARAMS];
        int ntmp = 0;
        if (!pattern_match(r, path, tmp, &ntmp)) continue;
        if (strcmp(r->method, method) == 0 || (strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0)) {
            for (int k = 0; k < ntmp; k++) params[k] = tmp[k];
            *nparams = ntmp;
            *out = r;
            buf_free(&methods);
            return ROUTE_FOUND;
        }
        for (int k = 0; k < ntmp; k++) free(tmp[k]);
        if (!strstr(buf_cstr(&methods), r->method)) {
            if (methods.len) buf_append_str(&methods, ", ");
            buf_append_str(&methods, r->method);
        }
        other = r;
    }
    if (!other) {
        buf_free(&methods);
        return ROUTE_NOT_FOUND;
    }
    snprintf(allow, allow_len, "%s", buf_cstr(&methods));
    buf_free(&methods);
    *out = other;
    return ROUTE_METHOD_NOT_ALLOWED;
}

err_family route_family_of_path(const char *path) {
    (void)path;
    return FAMILY_ORGPULSE;
}
