/* ratelimit.c: token buckets per API key (see ratelimit.h): 64 shards, each a small chained hash table under its own
 * mutex. When a shard has filled up, buckets that have refilled completely are dropped (a fresh bucket behaves the
 * same), so memory follows the keys in active use. */
#include "http/ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/strmap.h"

#define SHARDS 64

typedef struct bucket {
    struct bucket *next;
    double tokens;
    int64_t last_us;
    char key[];
} bucket;

typedef struct shard {
    pthread_mutex_t lock;
    bucket **slots;
    size_t cap, count, sweep_at;
} shard;

struct ratelimit {
    double rate, burst;
    shard shards[SHARDS];
};

int ratelimit_create(double rate, double burst, ratelimit **out) {
    if (!(rate > 0) || !(burst >= 1)) return -1;
    ratelimit *rl = xcalloc(1, sizeof *rl);
    rl->rate = rate, rl->burst = burst;
    for (int i = 0; i < SHARDS; i++) {
        pthread_mutex_init(&rl->shards[i].lock, NULL);
        rl->shards[i].cap = 16;
        rl->shards[i].sweep_at = 64;
        rl->shards[i].slots = xcalloc(16, sizeof(bucket *));
    }
    *out = rl;
    return 0;
}

void ratelimit_free(ratelimit *rl) {
    if (!rl) return;
    for (int i = 0; i < SHARDS; i++) {
        shard *s = &rl->shards[i];
        for (size_t j = 0; j < s->cap; j++)
            for (bucket *b = s->slots[j], *next; b; b = next) next = b->next, free(b);
        free(s->slots);
        pthread_mutex_destroy(&s->lock);
    }
    free(rl);
}

static void refill(const ratelimit *rl, bucket *b, int64_t now_us) {
    if (now_us > b->last_us) {
        b->tokens = fmin(rl->burst, b->tokens + rl->rate * (double)(now_us - b->last_us) / 1e6);
        b->last_us = now_us;
    }
}

/* Forget buckets that are full and idle (they would behave exactly as new ones); grow the table if still crowded. */
static void sweep(const ratelimit *rl, shard *s, int64_t now_us) {
    for (size_t j = 0; j < s->cap; j++) {
        bucket **pp = &s->slots[j];
        while (*pp) {
            bucket *b = *pp;
            refill(rl, b, now_us);
            if (b->tokens >= rl->burst) { /* full again: the same as a fresh bucket */
                *pp = b->next;
                free(b);
                s->count--;
            } else {
                pp = &b->next;
            }
        }
    }
    if (s->count * 2 > s->cap) {
        size_t cap = s->cap * 4;
        bucket **slots = xcalloc(cap, sizeof(bucket *));
        for (size_t j = 0; j < s->cap; j++)
            for (bucket *b = s->slots[j], *next; b; b = next) {
                next = b->next;
                size_t h = (size_t)(strmap_hash(b->key, strlen(b->key)) >> 6) & (cap - 1);
                b->next = slots[h];
                slots[h] = b;
            }
        free(s->slots);
        s->slots = slots, s->cap = cap;
    }
    s->sweep_at = s->count * 2 > 64 ? s->count * 2 : 64;
}

int ratelimit_take(ratelimit *rl, const char *key, int64_t now_us, int *retry_after_s) {
    size_t len = strlen(key);
    uint64_t h = strmap_hash(key, len);
    shard *s = &rl->shards[h & (SHARDS - 1)];
    pthread_mutex_lock(&s->lock);
    bucket **slot = &s->slots[(size_t)(h >> 6) & (s->cap - 1)], *b = *slot;
    while (b && strcmp(b->key, key) != 0) b = b->next;
    if (!b) {
        if (s->count >= s->sweep_at) {
            sweep(rl, s, now_us);
            slot = &s->slots[(size_t)(h >> 6) & (s->cap - 1)];
        }
        b = xmalloc(sizeof *b + len + 1);
        memcpy(b->key, key, len + 1);
        b->tokens = rl->burst, b->last_us = now_us;
        b->next = *slot;
        *slot = b;
        s->count++;
    }
    refill(rl, b, now_us);
    int rc = 0;
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
    } else {
        double wait_s = (1.0 - b->tokens) / rl->rate;
        int secs = (int)ceil(wait_s);
        *retry_after_s = secs < 1 ? 1 : secs;
        rc = -1;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int ratelimit_parse(const char *spec, double *rate, double *burst) {
    if (!spec || !*spec) return -1;
    if (strcmp(spec, "off") == 0) return *rate = 0, *burst = 0, 0;
    char *end;
    double r = strtod(spec, &end);
    if (end == spec || !isfinite(r) || r < 0) return -1;
    double b = r * 2 < 1 ? 1 : r * 2;
    if (*end == '/') {
        const char *bs = end + 1;
        b = strtod(bs, &end);
        if (end == bs || !isfinite(b) || b < 1) return -1;
    }
    if (*end) return -1;
    *rate = r, *burst = r == 0 ? 0 : b;
    return 0;
}
