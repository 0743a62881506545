/* cli_routes.c: `orgpulse routes`: prints the route table as JSON lines (method, path, scope, family, flags), so
 * tests and documentation walk the very table the server dispatches with. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "http/routes.h"

static const char *const family_names[] = {"orgpulse", "insights", "usage", "engagement", "users_v2", "orgs"};

int cli_routes(int argc, char **argv) {
    (void)argc, (void)argv;
    for (int i = 0; i < route_count; i++) {
        const route *r = &route_table[i];
        json_t *o = json_pack("{s:s, s:s, s:o, s:s, s:b, s:b}", "method", r->method, "path", r->pattern, "scope",
                              r->scope ? json_string(r->scope) : json_null(), "family", family_names[r->family],
                              "org_key_ok", (r->flags & ROUTE_ORG_KEY_OK) != 0, "takes_body",
                              (r->flags & (ROUTE_BODY_JSON | ROUTE_BODY_EVENTS)) != 0);
        char *line = json_dumps(o, JSON_COMPACT);
        puts(line);
        free(line);
        json_decref(o);
    }
    return 0;
}
