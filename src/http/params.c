/* params.c: query-string parameter parsing shared by every family (see params.h). */
#include "http/params.h"

#include <errno.h>
#include <math.h>
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
    if (param_check_choice(v, values, out) == PARAM_OK) return 0;
    *reason = "is not a valid choice.";
    return -1;
}

param_problem param_check_choice(const char *v, const char *const *values, int *out) {
    for (int i = 0; values[i]; i++) {
        if (strcmp(values[i], v) == 0) {
            *out = i;
            return PARAM_OK;
        }
    }
    return PARAM_NOT_CHOICE;
}

param_problem param_check_integer(const char *v, long min, long max, long *out) {
    if (!*v) return PARAM_NOT_NUMBER;
    for (const char *c = v; *c; c++)
        if (!strchr("0123456789+-.eE", *c)) return PARAM_NOT_NUMBER;
    char *end;
    double x = strtod(v, &end);
    if (*end || end == v || !isfinite(x)) return PARAM_NOT_NUMBER;
    if (floor(x) != x) return PARAM_NOT_INTEGER;
    if (x < (double)min) return PARAM_TOO_SMALL;
    if (x > (double)max) return PARAM_TOO_LARGE;
    *out = (long)x;
    return PARAM_OK;
}

param_problem param_check_boolean(const char *v, int *out) {
    if (strcmp(v, "true") == 0) return *out = 1, PARAM_OK;
    if (strcmp(v, "false") == 0) return *out = 0, PARAM_OK;
    return PARAM_NOT_BOOLEAN;
}

param_problem param_check_time(const char *v, int allow_date, int64_t *out_ms) {
    size_t n = strlen(v);
    if (time_parse_rfc3339(v, n, out_ms) == 0) return PARAM_OK;
    int32_t day;
    if (allow_date && time_parse_date(v, n, &day) == 0) return *out_ms = (int64_t)day * TIME_MS_PER_DAY, PARAM_OK;
    return PARAM_NOT_DATETIME;
}

param_problem param_check_month(const char *v, int32_t *out_day) {
    return time_parse_month(v, strlen(v), out_day) == 0 ? PARAM_OK : PARAM_NOT_MONTH;
}
