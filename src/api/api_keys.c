/* api_keys.c: /v1/api_keys, the admin API for keys (auth.md): create (the secret is returned once), list without
 * secrets, revoke. An admin key manages the keys of its own project only. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "http/auth.h"
#include "util/buf.h"
#include "util/time.h"

int api_keys_create(http_request *req) {
    json_error_t jerr;
    json_t *in = req->body_len ? json_loadb(req->body, req->body_len, 0, &jerr) : json_object();
    if (!json_is_object(in)) {
        json_decref(in);
        return http_error(req, 400, NULL, "body must be a JSON object");
    }
    buf scopes;
    buf_init(&scopes);
    json_t *sv = json_object_get(in, "scopes");
    int bad_type = 0;
    if (json_is_string(sv)) {
        buf_append_str(&scopes, json_string_value(sv));
    } else if (json_is_array(sv)) {
        size_t i;
        json_t *x;
        json_array_foreach(sv, i, x) {
            if (!json_is_string(x)) bad_type = 1;
            else {
                if (scopes.len) buf_append_char(&scopes, ',');
                buf_append_str(&scopes, json_string_value(x));
            }
        }
    } else {
        bad_type = 1;
    }
    json_t *name = json_object_get(in, "name"), *org = json_object_get(in, "org_id");
    char bad[64];
    int rc;
    if (bad_type || !scopes.len) {
        rc = http_error(req, 400, "scopes", "required: a list of scopes");
    } else if (!auth_scopes_valid(buf_cstr(&scopes), bad, sizeof bad)) {
        char msg[128];
        snprintf(msg, sizeof msg, "unknown scope '%s'", bad);
        rc = http_error(req, 400, "scopes", msg);
    } else if (name && (!json_is_string(name) || json_string_length(name) > 200)) {
        rc = http_error(req, 400, "name", "must be a string of at most 200 bytes");
    } else if (org && !json_is_null(org) && (!json_is_string(org) || !json_string_length(org) ||
                                             json_string_length(org) > 128)) {
        rc = http_error(req, 400, "org_id", "must be a string of 1 to 128 characters");
    } else {
        char secret[AUTH_SECRET_MAX];
        store_key k;
        if (auth_key_create(req->app->store, req->caller.project_id, buf_cstr(&scopes),
                            json_is_string(org) ? json_string_value(org) : NULL,
                            name ? json_string_value(name) : "", secret, &k) != STORE_OK) {
            rc = http_error(req, 500, NULL, "could not create the key");
        } else {
            keycache_invalidate(req->app->keys);
            json_t *out = auth_key_json(&k);
            json_object_set_new(out, "secret", json_string(secret));
            store_key_clear(&k);
            rc = http_respond_json(req, 201, out);
        }
    }
    buf_free(&scopes);
    json_decref(in);
    return rc;
}

static int collect_key(void *ctx, const store_key *k) {
    json_array_append_new(ctx, auth_key_json(k));
    return 0;
}

int api_keys_list(http_request *req) {
    json_t *arr = json_array();
    if (store_key_list(req->app->store, req->caller.project_id, collect_key, arr) != STORE_OK) {
        json_decref(arr);
        return http_error(req, 500, NULL, "could not list keys");
    }
    return http_respond_json(req, 200, json_pack("{s:o}", "data", arr));
}

int api_keys_revoke(http_request *req) {
    store_key k;
    if (store_key_get(req->app->store, req->params[0], &k) != STORE_OK) return http_error(req, 404, NULL, "key not found");
    if (k.project_id != req->caller.project_id) {
        store_key_clear(&k);
        return http_error(req, 404, NULL, "key not found");
    }
    store_key_clear(&k);
    if (store_key_revoke(req->app->store, req->params[0], time_now_ms()) != STORE_OK)
        return http_error(req, 500, NULL, "could not revoke the key");
    keycache_invalidate(req->app->keys);
    if (store_key_get(req->app->store, req->params[0], &k) != STORE_OK) return http_error(req, 500, NULL, "key vanished");
    json_t *out = auth_key_json(&k);
    store_key_clear(&k);
    return http_respond_json(req, 200, out);
}
