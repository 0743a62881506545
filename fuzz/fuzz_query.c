/* fuzz_query.c: libFuzzer target for query-string and path decoding (util/text.c: the percent-decoding the server
 * applies to every path and query value, and the UTF-8 repair of values quoted in error bodies) and for the strict
 * integer parsing of query values (http/params.c). Properties: no crash; decoding never grows the string and never
 * puts a NUL inside it; repaired text is valid UTF-8 and valid text is left unchanged. */
#include "fuzz.h"

#include <stdint.h>
#include <string.h>

#include "http/params.h"
#include "util/buf.h"
#include "util/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 8192) return 0;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    size_t len = strlen(s); /* a query string cannot hold a raw NUL: libmicrohttpd stops there */

    char *d = xstrdup(s);
    size_t n = text_percent_decode(d);
    FUZZ_CHECK(n <= len && strlen(d) == n);

    char *r = text_utf8_repair(d);
    FUZZ_CHECK(text_utf8_valid(r, strlen(r)));
    if (text_utf8_valid(d, n)) FUZZ_CHECK(strcmp(r, d) == 0);

    long v;
    if (parse_long_strict(d, &v) == 0) FUZZ_CHECK(n > 0);

    free(r);
    free(d);
    free(s);
    return 0;
}
