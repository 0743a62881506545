/* hash.h: the one 64-bit mixing function (the splitmix64 finalizer, a bijection with good avalanche) that hash
 * tables, content hashes and the demo generator's PRNG build on. */
#ifndef ORGPULSE_UTIL_HASH_H
#define ORGPULSE_UTIL_HASH_H

#include <stdint.h>

static inline uint64_t hash_mix64(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

#endif
