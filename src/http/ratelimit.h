/* ratelimit.h: per-API-key request rate limits: a token bucket per key (`rate` tokens a second, at most `burst`
 * saved up). A request takes one token; without one it is refused with the seconds after which one will be there
 * (the Retry-After the caller sends with its 429). Thread-safe (sharded locks); a key whose bucket has refilled is
 * forgotten when its shard needs room, so memory stays bounded by the keys in use. */
#ifndef ORGPULSE_HTTP_RATELIMIT_H
#define ORGPULSE_HTTP_RATELIMIT_H

#include <stdint.h>

typedef struct ratelimit ratelimit;

/* rate > 0 requests a second, burst >= 1. */
int ratelimit_create(double rate, double burst, ratelimit **out);
void ratelimit_free(ratelimit *rl);

/* Take a token for `key` at time now_us (monotonic microseconds). Returns 0 when the request may go on; otherwise -1
 * and *retry_after_s = whole seconds (>= 1) until a token is available. */
int ratelimit_take(ratelimit *rl, const char *key, int64_t now_us, int *retry_after_s);

/* Parse "RATE" or "RATE/BURST" (e.g. "100", "50/200"; "0" or "off": no limit, *rate = 0). Default burst: 2 x rate,
 * at least 1. Returns 0, or -1 when malformed. */
int ratelimit_parse(const char *spec, double *rate, double *burst);

#endif
