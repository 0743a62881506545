/* strmap.c: linear-probing string hash map (see strmap.h). The hash is FNV-1a 64 with a final mix. */
#include "util/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

/* A word-at-a-time multiply-xor hash: ids are mostly 36-character UUIDs, where byte-at-a-time FNV was a visible
 * share of the index rebuild. */
uint64_t strmap_hash(const char *s, size_t len) {
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (len * 0xff51afd7ed558ccdULL);
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 29;
    }
    uint64_t tail = 0;
    memcpy(&tail, s + i, len - i);
    h = (h ^ tail) * 0x94d049bb133111ebULL;
    h ^= h >> 32;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h | 1; /* 0 never appears, so it can mark an empty slot's hash */
}

void strmap_init(strmap *m) { m->slots = NULL, m->cap = 0, m->count = 0; }

void strmap_free(strmap *m) {
    free(m->slots);
    strmap_init(m);
}

static strmap_slot *find_slot(strmap_slot *slots, size_t cap, const char *key, size_t len, uint64_t h) {
    size_t i = h & (cap - 1);
    for (;;) {
        strmap_slot *s = &slots[i];
        if (!s->key) return s;
        if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0) return s;
        i = (i + 1) & (cap - 1);
    }
}

static void grow(strmap *m) {
    size_t ncap = m->cap ? m->cap * 2 : 64;
    strmap_slot *ns = xcalloc(ncap, sizeof *ns);
    for (size_t i = 0; i < m->cap; i++) {
        strmap_slot *s = &m->slots[i];
        if (!s->key) continue;
        *find_slot(ns, ncap, s->key, s->len, s->hash) = *s;
    }
    free(m->slots);
    m->slots = ns;
    m->cap = ncap;
}

int strmap_get(const strmap *m, const char *key, size_t len, uint32_t *out) {
    return strmap_get_hashed(m, key, len, strmap_hash(key, len), out);
}

int strmap_get_hashed(const strmap *m, const char *key, size_t len, uint64_t hash, uint32_t *out) {
    if (!m->cap) return -1;
    strmap_slot *s = find_slot(m->slots, m->cap, key, len, hash);
    if (!s->key) return -1;
    *out = s->value;
    return 0;
}

void strmap_prefetch(const strmap *m, uint64_t hash) {
    if (m->cap) __builtin_prefetch(&m->slots[hash & (m->cap - 1)]);
}

void strmap_put(strmap *m, const char *key, size_t len, uint32_t value) {
    strmap_put_hashed(m, key, len, strmap_hash(key, len), value);
}

void strmap_put_hashed(strmap *m, const char *key, size_t len, uint64_t h, uint32_t value) {
    if ((m->count + 1) * 10 > m->cap * 7) grow(m);
    strmap_slot *s = find_slot(m->slots, m->cap, key, len, h);
    if (!s->key) {
        s->key = key, s->len = (uint32_t)len, s->hash = h;
        m->count++;
    }
    s->value = value;
}
