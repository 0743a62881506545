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

/* Strict parsing of a decimal integer string; returns 0 or -1. */
int parse_long_strict(const char *s, long *out);

#endif
