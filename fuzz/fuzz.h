/* fuzz.h: what the libFuzzer targets share: FUZZ_CHECK, a property check that holds in every build type (assert would
 * vanish under NDEBUG) and aborts, so libFuzzer saves the input that broke it. */
#ifndef ORGPULSE_FUZZ_H
#define ORGPULSE_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(c)                                                                                                  \
    do {                                                                                                               \
        if (!(c)) {                                                                                                    \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #c);                                   \
            abort();                                                                                                   \
        }                                                                                                              \
    } while (0)

#endif
