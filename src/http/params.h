/* params.h: query-string parameters, parsed the same way for all five families. Each function returns 0 and sets
 * *out (to `def` when the parameter is absent), or -1 and sets *reason to a static message naming what is wrong;
 * the handler renders that in its family's error shape with http_error(req, 400, name, reason). */
#ifndef ORGPULSE_HTTP_PARAMS_H
#define ORGPULSE_HTTP_PARAMS_H

#include <stdint.h>

#include "http/server.h"

/* A decimal integer in [min, max] (no sign but '-', no spaces, no fraction). */
int param_long(http_request *req, const char *name, long min, long max, long def, long *out, const char **reason);
/* A calendar date YYYY-MM-DD, as a day number. */
int param_date(http_request *req, const char *name, int32_t def, int32_t *out, const char **reason);
/* One of `values` (NULL-terminated, exact case): its index. */
int param_choice(http_request *req, const char *name, const char *const *values, int def, int *out, const char **reason);

/* What is wrong with a parameter's value, for families that word their own messages (the usage-metrics family's
 * Zod-style "name: reason" list). The checks take the raw value (http_query), never NULL. */
typedef enum param_problem {
    PARAM_OK = 0,
    PARAM_NOT_NUMBER,   /* not a number at all */
    PARAM_NOT_INTEGER,  /* a number with a fraction */
    PARAM_TOO_SMALL,
    PARAM_TOO_LARGE,
    PARAM_NOT_BOOLEAN,
    PARAM_NOT_DATETIME, /* not RFC 3339 (nor YYYY-MM-DD where a date is allowed) */
    PARAM_NOT_MONTH,    /* not YYYY-MM */
    PARAM_NOT_CHOICE,
} param_problem;

/* A number as JavaScript's Number() writes it ("12", "-3", "1e3", "2.0"), that must be whole and in [min, max]. */
param_problem param_check_integer(const char *v, long min, long max, long *out);
/* "true" or "false". */
param_problem param_check_boolean(const char *v, int *out);
/* An RFC 3339 date-time; with allow_date also YYYY-MM-DD, meaning 00:00:00Z of that day. */
param_problem param_check_time(const char *v, int allow_date, int64_t *out_ms);
/* YYYY-MM, as the first day of that month. */
param_problem param_check_month(const char *v, int32_t *out_day);
/* One of `values` (NULL-terminated, exact case): its index. */
param_problem param_check_choice(const char *v, const char *const *values, int *out);

/* Strict parsing of a decimal integer string; returns 0 or -1. */
int parse_long_strict(const char *s, long *out);

#endif
