/* strmap.h: an open-addressing hash map from strings to uint32 values (interning of user, org and team ids).
 * The map does not own the key strings: the caller keeps them alive as long as the entry exists
 * (the engine points keys at the entity's own id string). Not thread-safe; the owner locks. */
#ifndef ORGPULSE_UTIL_STRMAP_H
#define ORGPULSE_UTIL_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct strmap_slot {
    const char *key;
    uint32_t len;
    uint32_t value;
    uint64_t hash;
} strmap_slot;

typedef struct strmap {
    strmap_slot *slots;
    size_t cap; /* power of two */
    size_t count;
} strmap;

void strmap_init(strmap *m);
void strmap_free(strmap *m);
uint64_t strmap_hash(const char *s, size_t len);
/* Returns 0 and sets *out when found, -1 otherwise. */
int strmap_get(const strmap *m, const char *key, size_t len, uint32_t *out);
/* Insert or overwrite. `key` must outlive the entry. */
void strmap_put(strmap *m, const char *key, size_t len, uint32_t value);
/* The same with the key's strmap_hash computed by the caller (to hash once, or to prefetch ahead). */
int strmap_get_hashed(const strmap *m, const char *key, size_t len, uint64_t hash, uint32_t *out);
void strmap_put_hashed(strmap *m, const char *key, size_t len, uint64_t hash, uint32_t value);
/* Start loading the slot where `hash` would be, ahead of a look-up. */
void strmap_prefetch(const strmap *m, uint64_t hash);

#endif
