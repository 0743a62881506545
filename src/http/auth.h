/* auth.h: API keys: minting secrets, hashing them (libsodium BLAKE2b), checking a presented secret in constant
 * time against a cache of the stored keys, and scope rules (auth.md).
 *
 * A secret looks like `op_<16 hex key id>_<48 hex random>`. Only its hash is stored. The cache holds every key
 * (there are few) and reloads from the store when older than a second, so a key revoked from the CLI of a running
 * server stops working within a second; a key created or revoked through the API is seen at once. */
#ifndef ORGPULSE_HTTP_AUTH_H
#define ORGPULSE_HTTP_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "http/server.h"
#include "store/store.h"

#define AUTH_SECRET_MAX 96

typedef struct keycache keycache;

int keycache_create(store *s, keycache **out);
void keycache_free(keycache *kc);
/* Forget the cache so the next look-up reloads it (after a key is created or revoked). */
void keycache_invalidate(keycache *kc);

/* Check a presented secret. Returns 0 and fills *caller (strings owned by the caller, freed with
 * http_caller_clear), or -1 when the secret is unknown, malformed, revoked or does not match. */
int auth_verify_secret(keycache *kc, const char *secret, http_caller *caller);
void http_caller_clear(http_caller *c);

/* Does the scope list grant `scope`? (`X:write` implies `X:read`; `admin` and `*` imply everything.) */
int auth_scopes_grant(const char *scopes, const char *scope);
/* Is `scopes` a comma-separated list of known scopes? On failure *bad names the first unknown one. */
int auth_scopes_valid(const char *scopes, char *bad, size_t badlen);

/* Create a key in the store; `secret_out` (AUTH_SECRET_MAX bytes) receives the secret, `out` the stored row. */
int auth_key_create(store *s, int64_t project_id, const char *scopes, const char *org_id, const char *name,
                    char *secret_out, store_key *out);

#include <jansson.h>
/* The public description of a key (never its secret or hash): id, name, scopes, org_id, timestamps. */
json_t *auth_key_json(const store_key *k);

#endif
