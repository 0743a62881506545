/* auth.c: key minting, hashing, verification and scopes (see auth.h). */
#include "http/auth.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/time.h"

#define CACHE_MAX_AGE_MS 1000
#define TOUCH_EVERY_MS 60000

struct keycache {
    store *store;
    pthread_mutex_t lock;
    store_key *keys;
    size_t count, cap;
    int64_t loaded_ms; /* 0 = stale */
};

static const char *const known_scopes[] = {
    "events:write", "insights:read", "usage:read", "engagement:read", "users:read", "organization:read",
    "organization:write", "batch_export:read", "batch_export:write", "admin", "*",
};

int keycache_create(store *s, keycache **out) {
    if (sodium_init() < 0) return -1;
    keycache *kc = xcalloc(1, sizeof *kc);
    kc->store = s;
    pthread_mutex_init(&kc->lock, NULL);
    *out = kc;
    return 0;
}

static void cache_clear(keycache *kc) {
    for (size_t i = 0; i < kc->count; i++) store_key_clear(&kc->keys[i]);
    kc->count = 0;
}

void keycache_free(keycache *kc) {
    if (!kc) return;
    cache_clear(kc);
    free(kc->keys);
    pthread_mutex_destroy(&kc->lock);
    free(kc);
}

void keycache_invalidate(keycache *kc) {
    pthread_mutex_lock(&kc->lock);
    kc->loaded_ms = 0;
    pthread_mutex_unlock(&kc->lock);
}

static int cache_add(void *ctx, const store_key *k) {
    keycache *kc = ctx;
    if (kc->count == kc->cap) {
        kc->cap = kc->cap ? kc->cap * 2 : 16;
        kc->keys = xrealloc(kc->keys, kc->cap * sizeof *kc->keys);
    }
    store_key *c = &kc->keys[kc->count++];
    *c = *k;
    c->name = xstrdup(k->name);
    c->scopes = xstrdup(k->scopes);
    c->org_id = k->org_id ? xstrdup(k->org_id) : NULL;
    return 0;
}

static void hash_secret(const char *secret, unsigned char out[STORE_KEY_HASH_LEN]) {
    crypto_generichash(out, STORE_KEY_HASH_LEN, (const unsigned char *)secret, strlen(secret), NULL, 0);
}

/* `op_` + 16 hex + `_` + 48 hex. */
static int parse_secret(const char *secret, char id[STORE_KEY_ID_LEN + 1]) {
    size_t n = strlen(secret);
    if (n != 3 + STORE_KEY_ID_LEN + 1 + 48 || strncmp(secret, "op_", 3) != 0 || secret[3 + STORE_KEY_ID_LEN] != '_')
        return -1;
    for (size_t i = 3; i < n; i++) {
        char c = secret[i];
        if (i == 3 + STORE_KEY_ID_LEN) continue;
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return -1;
    }
    memcpy(id, secret + 3, STORE_KEY_ID_LEN);
    id[STORE_KEY_ID_LEN] = 0;
    return 0;
}

int auth_verify_secret(keycache *kc, const char *secret, http_caller *caller) {
    char id[STORE_KEY_ID_LEN + 1];
    memset(caller, 0, sizeof *caller);
    if (!secret || parse_secret(secret, id) != 0) return -1;
    unsigned char presented[STORE_KEY_HASH_LEN];
    hash_secret(secret, presented);
    int64_t now = time_now_ms();
    int rc = -1, touch = 0;
    pthread_mutex_lock(&kc->lock);
    if (!kc->loaded_ms || now - kc->loaded_ms > CACHE_MAX_AGE_MS) {
        cache_clear(kc);
        if (store_key_list(kc->store, -1, cache_add, kc) == STORE_OK) kc->loaded_ms = now;
    }
    size_t found = kc->count;
    for (size_t i = 0; i < kc->count && found == kc->count; i++)
        if (strcmp(kc->keys[i].id, id) == 0) found = i;
    if (found == kc->count) { /* created since the cache was loaded (e.g. by the CLI)? one indexed look-up */
        store_key fresh;
        if (store_key_get(kc->store, id, &fresh) == STORE_OK) {
            cache_add(kc, &fresh);
            store_key_clear(&fresh);
        }
    }
    for (size_t i = found; i < kc->count; i++) {
        store_key *k = &kc->keys[i];
        if (strcmp(k->id, id) != 0) continue;
        if (k->revoked_ms || sodium_memcmp(k->hash, presented, STORE_KEY_HASH_LEN) != 0) break;
        snprintf(caller->key_id, sizeof caller->key_id, "%s", k->id);
        caller->project_id = k->project_id;
        caller->scopes = xstrdup(k->scopes);
        caller->org_id = k->org_id ? xstrdup(k->org_id) : NULL;
        if (now - k->last_used_ms > TOUCH_EVERY_MS) {
            k->last_used_ms = now;
            touch = 1;
        }
        rc = 0;
        break;
    }
    pthread_mutex_unlock(&kc->lock);
    if (touch) store_key_touch(kc->store, id, now);
    return rc;
}

void http_caller_clear(http_caller *c) {
    free(c->scopes);
    free(c->org_id);
    memset(c, 0, sizeof *c);
}

/* Does the comma-separated list contain exactly `item`? */
static int list_has(const char *list, const char *item) {
    size_t n = strlen(item);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && *p == ' ') p++, len--;
        while (len && p[len - 1] == ' ') len--;
        if (len == n && strncmp(p, item, n) == 0) return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

int auth_scopes_grant(const char *scopes, const char *scope) {
    if (!scopes) return 0;
    if (list_has(scopes, "*") || list_has(scopes, "admin") || list_has(scopes, scope)) return 1;
    size_t n = strlen(scope);
    if (n > 5 && strcmp(scope + n - 5, ":read") == 0) {
        char write[96];
        snprintf(write, sizeof write, "%.*s:write", (int)(n - 5), scope);
        if (list_has(scopes, write)) return 1;
    }
    return 0;
}

int auth_scopes_valid(const char *scopes, char *bad, size_t badlen) {
    if (!scopes || !*scopes) {
        snprintf(bad, badlen, "%s", "");
        return 0;
    }
    for (const char *p = scopes; p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && *p == ' ') p++, len--;
        while (len && p[len - 1] == ' ') len--;
        int ok = 0;
        for (size_t i = 0; i < sizeof known_scopes / sizeof known_scopes[0]; i++)
            if (strlen(known_scopes[i]) == len && strncmp(known_scopes[i], p, len) == 0) ok = 1;
        if (!ok) {
            snprintf(bad, badlen, "%.*s", (int)len, p);
            return 0;
        }
        p = end ? end + 1 : NULL;
    }
    return 1;
}

static void random_hex(char *out, size_t nbytes) {
    unsigned char raw[64];
    randombytes_buf(raw, nbytes);
    sodium_bin2hex(out, nbytes * 2 + 1, raw, nbytes);
}

int auth_key_create(store *s, int64_t project_id, const char *scopes, const char *org_id, const char *name,
                    char *secret_out, store_key *out) {
    if (sodium_init() < 0) return STORE_EIO;
    memset(out, 0, sizeof *out);
    char secret_part[49];
    random_hex(out->id, STORE_KEY_ID_LEN / 2);
    random_hex(secret_part, 24);
    snprintf(secret_out, AUTH_SECRET_MAX, "op_%s_%s", out->id, secret_part);
    out->project_id = project_id;
    out->name = xstrdup(name ? name : "");
    out->scopes = xstrdup(scopes);
    out->org_id = org_id ? xstrdup(org_id) : NULL;
    out->created_ms = time_now_ms();
    hash_secret(secret_out, out->hash);
    int rc = store_key_insert(s, out);
    if (rc != STORE_OK) {
        sodium_memzero(secret_out, AUTH_SECRET_MAX);
        store_key_clear(out);
    }
    return rc;
}

static json_t *time_or_null(int64_t ms) {
    if (!ms) return json_null();
    char t[TIME_FORMAT_MAX];
    time_format_rfc3339_ms(ms, t);
    return json_string(t);
}

json_t *auth_key_json(const store_key *k) {
    json_t *scopes = json_array();
    for (const char *p = k->scopes; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len) json_array_append_new(scopes, json_stringn(p, len));
        p = end ? end + 1 : NULL;
    }
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(k->id));
    json_object_set_new(o, "name", json_string(k->name ? k->name : ""));
    json_object_set_new(o, "scopes", scopes);
    json_object_set_new(o, "org_id", k->org_id ? json_string(k->org_id) : json_null());
    json_object_set_new(o, "created_at", time_or_null(k->created_ms));
    json_object_set_new(o, "last_used_at", time_or_null(k->last_used_ms));
    json_object_set_new(o, "revoked_at", time_or_null(k->revoked_ms));
    return o;
}
