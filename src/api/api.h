/* api.h: every request handler, one section per API family (one .c file each). Handlers are thin: they parse
 * their parameters, call the engine or the store, and render; dispatch and auth ran before them (server.c). */
#ifndef ORGPULSE_API_API_H
#define ORGPULSE_API_API_H

#include "http/server.h"

/* orgpulse's own API (api_core.c): health, ingestion, entity reads, stats */
int api_healthz(http_request *req);
int api_events_post(http_request *req);
int api_user_get(http_request *req);
int api_org_get(http_request *req);
int api_stats_get(http_request *req);

/* API keys (api_keys.c) */
int api_keys_create(http_request *req);
int api_keys_list(http_request *req);
int api_keys_revoke(http_request *req);

/* Insights, PropelAuth-compatible (api_insights.c) */
int api_insights_signup_params(http_request *req);
int api_insights_user_report(http_request *req);
int api_insights_org_report(http_request *req);
int api_insights_chart(http_request *req);

/* Usage metrics, Tabnine-compatible, and orgpulse's GET /v1/usage (api_usage.c) */
int api_usage_organization(http_request *req);
int api_usage_teams(http_request *req);
int api_usage_org_utilization(http_request *req);
int api_usage_org_usage(http_request *req);
int api_usage_org_users(http_request *req);
int api_usage_license(http_request *req);
int api_usage_permissions(http_request *req);
int api_usage_team_utilization(http_request *req);
int api_usage_team_usage(http_request *req);
int api_usage_team_users(http_request *req);
int api_usage_team(http_request *req);
int api_usage_user_usage(http_request *req);
int api_usage_user(http_request *req);
int api_usage_query(http_request *req);

/* Engagement dashboard, Rocket.Chat-compatible (api_engagement.c) */
int api_engagement_active_users(http_request *req);
int api_engagement_new_users(http_request *req);
int api_engagement_users_by_hour(http_request *req);
int api_engagement_busier_hourly(http_request *req);
int api_engagement_busier_weekly(http_request *req);

/* Users & usage statistics v2 (api_users_v2.c) */
int api_users_v2_list(http_request *req);
int api_users_v2_get(http_request *req);
int api_users_v2_active_users(http_request *req);

/* Organizations, PostHog-compatible (api_orgs.c) */
int api_orgs_list(http_request *req);
int api_orgs_create(http_request *req);
int api_orgs_get(http_request *req);
int api_orgs_update(http_request *req);
int api_orgs_partial_update(http_request *req);
int api_orgs_delete(http_request *req);
int api_orgs_environments_rollback(http_request *req);
/* Batch exports, PostHog-compatible (api_exports.c), and the test clock */
int api_exports_list(http_request *req);
int api_exports_create(http_request *req);
int api_export_get(http_request *req);
int api_export_put(http_request *req);
int api_export_patch(http_request *req);
int api_export_delete(http_request *req);
int api_export_pause(http_request *req);
int api_export_unpause(http_request *req);
int api_export_backfill_create(http_request *req);
int api_export_backfills_list(http_request *req);
int api_export_backfill_get(http_request *req);
int api_export_backfill_cancel(http_request *req);
int api_export_runs_list(http_request *req);
int api_export_run_get(http_request *req);
int api_export_run_retry(http_request *req);
int api_export_run_cancel(http_request *req);
int api_test_clock(http_request *req);

#endif
