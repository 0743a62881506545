/* api_exports.c: PostHog-compatible batch exports under /api/organizations/{org_id}/batch_exports/ (posthog.md):
 * CRUD, pause/unpause, backfills, runs, retry and cancel; and the test clock (POST /v1/test/clock, only with
 * `serve --test-clock`). Thin: resolves the org of the path, parses the body, calls export.h, renders. Errors in
 * the organizations family's {type, code, detail, attr} shape. Lists of exports page by limit/offset
 * (http/paging.h); runs and backfills by DRF cursor (100 and 50 a page, newest first). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "export/export.h"
#include "http/paging.h"
#include "util/buf.h"
#include "util/time.h"

/* The org of the path, as the organizations API resolves it (api_orgs.c): `@current` is the org-scoped key's org
 * (a project key has none: 404); the org must exist and not be deleted (404); an org-scoped key reaching another org
 * gets 403 "API key does not have access to the requested organization: ID <id>." Writes the id into out. Returns 0,
 * or -1 after answering. */
static int resolve_org(http_request *req, char *out, size_t outlen) {
    const char *org = req->params[0], *own = req->caller.org_id;
    if (strcmp(org, "@current") == 0) {
        if (!own) return http_error_code(req, 404, "not_found", NULL, "Current organization not found."), -1;
        org = own;
    }
    project_index *p = engine_project(req->app->engine, req->caller.project_id, 0);
    int ok = 0;
    if (p) {
        pthread_rwlock_rdlock(&p->lock);
        uint32_t idx;
        ok = engine_org_find(p, org, &idx) == 0 && !p->orgs[idx].deleted;
        pthread_rwlock_unlock(&p->lock);
    }
    if (!ok) return http_error(req, 404, NULL, "Not found."), -1;
    if (own && strcmp(org, own) != 0) {
        char msg[256];
        snprintf(msg, sizeof msg, "API key does not have access to the requested organization: ID %.160s.", org);
        return http_error(req, 403, NULL, msg), -1;
    }
    snprintf(out, outlen, "%s", org);
    return 0;
}

static int answer_err(http_request *req, const export_err *e) {
    return http_error_code(req, e->status, e->code, e->attr[0] ? e->attr : NULL, e->detail);
}

/* The JSON body (an empty body is {}), or answered 400 parse_error (NULL). */
static json_t *body_json(http_request *req) {
    if (req->body_len == 0) return json_object();
    json_error_t jerr;
    json_t *in = json_loadb(req->body, req->body_len, 0, &jerr);
    if (!in) {
        char msg[256];
        snprintf(msg, sizeof msg, "JSON parse error - %s", jerr.text);
        http_error_code(req, 400, "parse_error", NULL, msg);
    }
    return in;
}

#define ORG_OR_RETURN(org)                                                                                            \
    char org[256];                                                                                                    \
    if (resolve_org(req, org, sizeof org) != 0) return 0

int api_exports_list(http_request *req) {
    ORG_OR_RETURN(org);
    json_t *all;
    export_list(req->app->exports, req->caller.project_id, org, &all);
    http_page pg;
    http_page_parse(req, &pg);
    size_t count = json_array_size(all);
    json_t *results = json_array();
    for (size_t i = (size_t)pg.offset; i < count && i < (size_t)pg.offset + (size_t)pg.limit; i++)
        json_array_append(results, json_array_get(all, i));
    json_decref(all);
    return http_respond_json(req, 200, http_page_render(req, &pg, count, results));
}

int api_exports_create(http_request *req) {
    ORG_OR_RETURN(org);
    json_t *in = body_json(req), *out;
    if (!in) return 0;
    export_err e;
    int rc = export_create(req->app->exports, req->caller.project_id, org, in, &out, &e);
    json_decref(in);
    return rc == 0 ? http_respond_json(req, 201, out) : answer_err(req, &e);
}

int api_export_get(http_request *req) {
    ORG_OR_RETURN(org);
    json_t *out;
    export_err e;
    if (export_get(req->app->exports, req->caller.project_id, org, req->params[1], &out, &e) != 0)
        return answer_err(req, &e);
    return http_respond_json(req, 200, out);
}

static int update(http_request *req, int partial) {
    ORG_OR_RETURN(org);
    json_t *in = body_json(req), *out;
    if (!in) return 0;
    export_err e;
    int rc = export_update(req->app->exports, req->caller.project_id, org, req->params[1], in, partial, &out, &e);
    json_decref(in);
    return rc == 0 ? http_respond_json(req, 200, out) : answer_err(req, &e);
}

int api_export_put(http_request *req) { return update(req, 0); }
int api_export_patch(http_request *req) { return update(req, 1); }

int api_export_delete(http_request *req) {
    ORG_OR_RETURN(org);
    export_err e;
    if (export_delete(req->app->exports, req->caller.project_id, org, req->params[1], &e) != 0) return answer_err(req, &e);
    return http_respond(req, 204, "application/json", NULL, 0);
}

static int pause(http_request *req, int paused) {
    ORG_OR_RETURN(org);
    json_t *in = body_json(req);
    if (!in) return 0;
    json_t *bf = json_object_get(in, "backfill");
    if (!paused && bf && !json_is_boolean(bf)) {
        json_decref(in);
        return http_error_code(req, 400, "invalid_input", "backfill", "Must be a valid boolean.");
    }
    export_err e;
    int rc = export_pause(req->app->exports, req->caller.project_id, org, req->params[1], paused, json_is_true(bf), &e);
    json_decref(in);
    return rc == 0 ? http_respond_json(req, 200, json_pack("{s:b}", "paused", paused)) : answer_err(req, &e);
}

int api_export_pause(http_request *req) { return pause(req, 1); }
int api_export_unpause(http_request *req) { return pause(req, 0); }

int api_export_backfill_create(http_request *req) {
    ORG_OR_RETURN(org);
    json_t *in = body_json(req);
    if (!in) return 0;
    char *id;
    export_err e;
    int rc = export_backfill_create(req->app->exports, req->caller.project_id, org, req->params[1], in, &id, &e);
    json_decref(in);
    if (rc != 0) return answer_err(req, &e);
    json_t *out = json_pack("{s:s}", "backfill_id", id);
    free(id);
    return http_respond_json(req, 200, out);
}

/* ---- DRF cursor pages: cursor = base64("o=<offset>"), newest first ---- */

static char *cursor_url(http_request *req, long offset) {
    char raw[32], b64[64];
    snprintf(raw, sizeof raw, "o=%ld", offset);
    sodium_bin2base64(b64, sizeof b64, (const unsigned char *)raw, strlen(raw), sodium_base64_VARIANT_ORIGINAL);
    char *base = http_page_base(req);
    buf u;
    buf_init(&u);
    buf_appendf(&u, "%s%s?cursor=", base, req->path);
    for (const char *p = b64; *p; p++) {
        if (*p == '+' || *p == '/' || *p == '=') buf_appendf(&u, "%%%02X", (unsigned char)*p);
        else buf_append_char(&u, *p);
    }
    free(base);
    return buf_detach(&u, NULL);
}

static int cursor_page(http_request *req, json_t *all, long size) {
    long offset = 0;
    const char *c = http_query(req, "cursor");
    if (c) {
        unsigned char raw[64];
        size_t n = 0;
        char text[65];
        if (sodium_base642bin(raw, sizeof raw - 1, c, strlen(c), NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
            (memcpy(text, raw, n), text[n] = 0, strncmp(text, "o=", 2) != 0) ||
            (offset = strtol(text + 2, NULL, 10)) < 0) {
            json_decref(all);
            return http_error_code(req, 404, "not_found", NULL, "Invalid cursor");
        }
    }
    size_t count = json_array_size(all);
    json_t *results = json_array();
    for (size_t i = (size_t)offset; i < count && i < (size_t)(offset + size); i++)
        json_array_append(results, json_array_get(all, i));
    json_decref(all);
    json_t *out = json_object();
    char *next = (size_t)(offset + size) < count ? cursor_url(req, offset + size) : NULL;
    char *prev = offset > 0 ? cursor_url(req, offset - size > 0 ? offset - size : 0) : NULL;
    json_object_set_new(out, "next", next ? json_string(next) : json_null());
    json_object_set_new(out, "previous", prev ? json_string(prev) : json_null());
    json_object_set_new(out, "results", results);
    free(next);
    free(prev);
    return http_respond_json(req, 200, out);
}

int api_export_backfills_list(http_request *req) {
    ORG_OR_RETURN(org);
    json_t *all;
    export_err e;
    if (export_backfill_list(req->app->exports, req->caller.project_id, org, req->params[1], &all, &e) != 0)
        return answer_err(req, &e);
    return cursor_page(req, all, 50);
}

int api_export_backfill_get(http_request *req) {
    ORG_OR_RETURN(org);
    json_t *out;
    export_err e;
    if (export_backfill_get(req->app->exports, req->caller.project_id, org, req->params[1], req->params[2], &out, &e) != 0)
        return answer_err(req, &e);
    return http_respond_json(req, 200, out);
}

int api_export_backfill_cancel(http_request *req) {
    ORG_OR_RETURN(org);
    export_err e;
    if (export_backfill_cancel(req->app->exports, req->caller.project_id, org, req->params[1], req->params[2], &e) != 0)
        return answer_err(req, &e);
    return http_respond_json(req, 200, json_pack("{s:b}", "cancelled", 1));
}

/* A runs-list bound: RFC 3339, or relative to now as `-7d`, `-12h`, `-30m`, `-2w` (PostHog's relative dates). */
static int parse_bound(const char *v, int64_t now, int64_t *out) {
    size_t n = strlen(v);
    if (n >= 3 && v[0] == '-' && strchr("mhdw", v[n - 1])) {
        char *end;
        long k = strtol(v + 1, &end, 10);
        if (end != v + n - 1 || k < 0 || k > 100000) return -1;
        int64_t unit = v[n - 1] == 'm' ? 60000LL : v[n - 1] == 'h' ? 3600000LL : v[n - 1] == 'd' ? 86400000LL : 604800000LL;
        *out = now - k * unit;
        return 0;
    }
    return time_parse_rfc3339(v, n, out);
}

/* Runs created in [after, before] (defaults: the last 7 days up to now, as PostHog), newest first, 100 a page. */
int api_export_runs_list(http_request *req) {
    ORG_OR_RETURN(org);
    int64_t now = time_now_ms(), after = now - 7 * 86400000LL, before = now;
    const char *names[2] = {"after", "before"};
    int64_t *vals[2] = {&after, &before};
    for (int i = 0; i < 2; i++) {
        const char *v = http_query(req, names[i]);
        if (v && parse_bound(v, now, vals[i]) != 0)
            return http_error_code(req, 400, "invalid_input", names[i], "Not a valid ISO datetime or relative date.");
    }
    json_t *all;
    export_err e;
    if (export_run_list(req->app->exports, req->caller.project_id, org, req->params[1], &all, &e) != 0)
        return answer_err(req, &e);
    json_t *kept = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(all, i, r) {
        const char *c = json_string_value(json_object_get(r, "created_at"));
        int64_t t;
        if (c && time_parse_rfc3339(c, strlen(c), &t) == 0 && t >= after && t <= before) json_array_append(kept, r);
    }
    json_decref(all);
    return cursor_page(req, kept, 100);
}

int api_export_run_get(http_request *req) {
    ORG_OR_RETURN(org);
    json_t *out;
    export_err e;
    if (export_run_get(req->app->exports, req->caller.project_id, org, req->params[1], req->params[2], &out, &e) != 0)
        return answer_err(req, &e);
    return http_respond_json(req, 200, out);
}

int api_export_run_retry(http_request *req) {
    ORG_OR_RETURN(org);
    char *id;
    export_err e;
    if (export_run_retry(req->app->exports, req->caller.project_id, org, req->params[1], req->params[2], &id, &e) != 0)
        return answer_err(req, &e);
    json_t *out = json_pack("{s:s}", "backfill_id", id);
    free(id);
    return http_respond_json(req, 200, out);
}

int api_export_run_cancel(http_request *req) {
    ORG_OR_RETURN(org);
    export_err e;
    if (export_run_cancel(req->app->exports, req->caller.project_id, org, req->params[1], req->params[2], &e) != 0)
        return answer_err(req, &e);
    return http_respond_json(req, 200, json_pack("{s:b}", "cancelled", 1));
}

/* POST /v1/test/clock {"now": RFC 3339} or {"advance_seconds": N}: move the clock (it then runs on in real time),
 * then wait until the export scheduler has run what became due (unless "wait": false: this blocks a server thread).
 * 404 unless `serve --test-clock`. */
int api_test_clock(http_request *req) {
    if (!req->app->config.test_clock) return http_error(req, 404, NULL, "not found");
    json_error_t jerr;
    json_t *in = req->body_len ? json_loadb(req->body, req->body_len, 0, &jerr) : json_object();
    if (!json_is_object(in)) {
        json_decref(in);
        return http_error(req, 400, NULL, "body must be a JSON object");
    }
    json_t *now = json_object_get(in, "now"), *adv = json_object_get(in, "advance_seconds");
    int wait = !json_is_false(json_object_get(in, "wait"));
    int64_t t = time_now_ms();
    int rc = 0;
    if (now) {
        if (!json_is_string(now) || time_parse_rfc3339(json_string_value(now), json_string_length(now), &t) != 0)
            rc = http_error(req, 400, "now", "must be an RFC 3339 date-time");
    } else if (adv) {
        if (!json_is_number(adv)) rc = http_error(req, 400, "advance_seconds", "must be a number");
        else t += (int64_t)(json_number_value(adv) * 1000.0);
    }
    json_decref(in);
    if (req->responded) return rc;
    time_set_clock(t);
    int settled = 0;
    if (wait) settled = export_scheduler_settle(req->app->exports, 60000) == 0;
    else export_scheduler_wake(req->app->exports);
    char buf_t[TIME_FORMAT_MAX];
    time_format_rfc3339_ms(time_now_ms(), buf_t);
    return http_respond_json(req, 200, json_pack("{s:s,s:b}", "now", buf_t, "settled", settled));
}
