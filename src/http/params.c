/* params.c: query-string parameter parsing shared by every family (see params.h). */
#include "http/params.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/time.h"

int parse_long_strict(const char *s, long *out) {
    if (!s || !*s) return -1;
    const char *p = s;
    if (*p == '-') p++;
    if (!*p) return -1;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9') return -1;
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

int param_long(http_request *req, const char *name, long min, long max, long def, long *out, const char **reason) {
    const char *v = http_query(req, name);
    if (!v) {
        *out = def;
        return 0;
    }
    long x;
    if (parse_long_strict(v, &x) != 0) {
        *reason = "A valid integer is required.";
        return -1;
    }
    if (x < min) {
        *reason = min == 0 ? "Ensure this value is greater than or equal to 0."
                           : "Ensure this value is greater than or equal to 1.";
        return -1;
    }
    if (x > max) {
        *reason = max == 1000 ? "Ensure this value is less than or equal to 1000." : "Ensure this value is smaller.";
        return -1;
    }
    *out = x;
    return 0;
}

int param_date(http_request *req, const char *name, int32_t def, int32_t *out, const char **reason) {
    const char *v = http_query(req, name);
    if (!v) {
        *out = def;
        return 0;
    }
    if (time_parse_date(v, strlen(v), out) != 0) {
        *reason = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.";
        return -1;
    }
    return 0;
}

int param_choice(http_request *req, const char *name, const char *const *values, int def, int *out, const char **reason) {
    const char *v = http_query(req, name);
    if (!v) {
        *out = def;
        return 0;
    }
    for (int i = 0; values[i]; i++) {
        if (strcmp(values[i], v) == 0) {
            *out = i;
            return 0;
        }
    }
    *reason = "is not a valid choice.";
    return -1;
}
