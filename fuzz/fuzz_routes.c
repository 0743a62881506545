/* fuzz_routes.c: libFuzzer target for route matching (http/routes.c): input "METHOD PATH". Properties: no crash or
 * leak; a found route has the asked method (GET for HEAD) and as many parameters as its pattern has `{name}` segments, none empty and
 * none containing '/'; a 405 lists allowed methods that do not include the asked one. */
#include "fuzz.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/routes.h"

static int pattern_params(const char *p) {
    int n = 0;
    for (; *p; p++) n += *p == '{';
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) return 0;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    char *sp = strchr(s, ' ');
    const char *method = "GET", *path = s;
    if (sp) *sp = 0, method = s, path = sp + 1;

    const route *r = NULL;
    char *params[HTTP_MAX_PARAMS];
    int n = 0;
    char allow[256] = "";
    route_match_result m = route_match(method, path, &r, params, &n, allow, sizeof allow);
    if (m == ROUTE_FOUND) {
        FUZZ_CHECK(strcmp(r->method, method) == 0 || (strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0));
        FUZZ_CHECK(n == pattern_params(r->pattern));
        for (int i = 0; i < n; i++) {
            FUZZ_CHECK(params[i][0] != 0 && strchr(params[i], '/') == NULL);
            free(params[i]);
        }
    } else if (m == ROUTE_METHOD_NOT_ALLOWED) {
        FUZZ_CHECK(r != NULL && allow[0] != 0 && n == 0);
        /* the asked method is not among the allowed ones (compare whole names) */
        char *copy = strdup(allow), *save = NULL;
        for (char *tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) FUZZ_CHECK(strcmp(tok, method) != 0);
        free(copy);
    } else {
        FUZZ_CHECK(n == 0);
    }
    free(s);
    return 0;
}
