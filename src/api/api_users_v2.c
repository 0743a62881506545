/* api_users_v2.c: the users & usage statistics v2 family (specs/users-v2.md; Metacom's /api/v2): the user list in id
 * order with keyset cursors (`after`/`before`, ready-made `next`/`previous` query strings), one user (an array of one,
 * as the seed shows), and the count of enabled users. Parses, calls engine/user_list.c, renders the
 * {"status":"ok","data":...} envelope; errors come from http_error ({"status":"error","message":...}). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/render.h"
#include "engine/user_list.h"
#include "http/params.h"
#include "util/buf.h"
#include "util/time.h"

#define LIMIT_DEFAULT 50
#define LIMIT_MAX 1000

static json_t *user_v2_json(const project_index *p, const user_rec *u) {
    const user_hot *h = engine_user_hot(p, u);
    const char *username = u->username.value ? u->username.value : u->email.value;
    json_t *profile = json_object();
    json_object_set_new(profile, "email", render_string_or_null(u->email.value));
    json_object_set_new(profile, "firstName", render_string_or_null(u->first_name.value));
    json_object_set_new(profile, "lastName", render_string_or_null(u->last_name.value));
    json_object_set_new(profile, "properties", render_json_text(u->properties.value, json_object()));
    json_t *o = json_object();
    json_object_set_new(o, "_id", json_string(u->id));
    json_object_set_new(o, "username", render_string_or_null(username));
    json_object_set_new(o, "profile", profile);
    json_object_set_new(o, "status", json_string(u->deactivated ? "deactivated" : "active"));
    json_object_set_new(o, "_createdOn", render_time_ms(engine_user_created_ms(p, u)));
    json_object_set_new(o, "_lastModifiedOn", render_time_ms(u->updated_ms > h->first_seen_ms ? u->updated_ms : h->first_seen_ms));
    return o;
}

static int respond_ok(http_request *req, json_t *data, json_t *pagination) {
    json_t *body = json_pack("{s:s, s:o}", "status", "ok", "data", data);
    if (pagination) json_object_set_new(body, "pagination", pagination);
    return http_respond_json(req, 200, body);
}

/* `limit=N&<dir>=<id, percent-encoded>`: the query string of the next or previous page. */
static json_t *cursor_query(long limit, const char *dir, const char *id) {
    buf b;
    buf_init(&b);
    buf_appendf(&b, "limit=%ld&%s=", limit, dir);
    for (const unsigned char *c = (const unsigned char *)id; *c; c++) {
        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || strchr("-._~", *c))
            buf_append_char(&b, (char)*c);
        else
            buf_appendf(&b, "%%%02X", *c);
    }
    json_t *s = json_string(buf_cstr(&b));
    buf_free(&b);
    return s;
}

/* `limit=N`: the first page. */
static json_t *first_page_query(long limit) {
    char q[32];
    snprintf(q, sizeof q, "limit=%ld", limit);
    return json_string(q);
}

int api_users_v2_list(http_request *req) {
    long limit;
    const char *reason;
    char msg[160];
    if (param_long(req, "limit", 1, LIMIT_MAX, LIMIT_DEFAULT, &limit, &reason) != 0) {
        snprintf(msg, sizeof msg, "limit: %s", reason);
        return http_error(req, 400, "limit", msg);
    }
    const char *after = http_query(req, "after"), *before = http_query(req, "before");
    if (after && before) return http_error(req, 400, "before", "after and before cannot be combined");
    if ((after && !*after) || (before && !*before))
        return http_error(req, 400, after ? "after" : "before", "a cursor must be a user id");
    json_t *data = json_array(), *next = json_null(), *previous = json_null();
    int has_previous = 0, has_next = 0;
    project_index *p = engine_project(req->app->engine, req->caller.project_id, 0);
    if (p) {
        engine_user_page pg;
        pthread_rwlock_rdlock(&p->lock);
        engine_user_list_page(p, after, before, (uint32_t)limit, &pg);
        for (uint32_t i = 0; i < pg.n; i++) json_array_append_new(data, user_v2_json(p, &p->users[pg.users[i]]));
        has_previous = pg.has_previous, has_next = pg.has_next;
        if (pg.n && has_next) json_decref(next), next = cursor_query(limit, "after", p->users[pg.users[pg.n - 1]].id);
        if (pg.n && has_previous) json_decref(previous), previous = cursor_query(limit, "before", p->users[pg.users[0]].id);
        /* an empty page past one end: the way back is the page at that end (the cursor turned around would leave
         * out the cursor's own user) */
        if (!pg.n && ((has_previous && after) || (has_next && before))) {
            json_t *edge = pg.edge_after != INDEX_NONE ? cursor_query(limit, "after", p->users[pg.edge_after].id)
                                                        : first_page_query(limit);
            if (after) json_decref(previous), previous = edge;
            else json_decref(next), next = edge;
        }
        pthread_rwlock_unlock(&p->lock);
        engine_user_page_free(&pg);
    }
    json_t *pagination = json_pack("{s:b, s:b, s:o, s:o}", "hasPrevious", has_previous, "hasNext", has_next, "next",
                                   next, "previous", previous);
    return respond_ok(req, data, pagination);
}

int api_users_v2_get(http_request *req) {
    project_index *p = engine_project(req->app->engine, req->caller.project_id, 0);
    json_t *user = NULL;
    if (p) {
        uint32_t idx;
        pthread_rwlock_rdlock(&p->lock);
        if (engine_user_find(p, req->params[0], &idx) == 0 && !p->users[idx].deleted)
            user = user_v2_json(p, &p->users[idx]);
        pthread_rwlock_unlock(&p->lock);
    }
    if (!user) return http_error(req, 404, NULL, "User not found");
    return respond_ok(req, json_pack("[o]", user), NULL);
}

int api_users_v2_active_users(http_request *req) {
    uint64_t n = 0;
    project_index *p = engine_project(req->app->engine, req->caller.project_id, 0);
    if (p) {
        pthread_rwlock_rdlock(&p->lock);
        n = engine_user_count_enabled(p, time_now_ms());
        pthread_rwlock_unlock(&p->lock);
    }
    return respond_ok(req, json_pack("{s:I}", "activeUsers", (json_int_t)n), NULL);
}
