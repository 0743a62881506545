/* store_entities.h: the numbers a backend gives the users, orgs and teams that events name (see store.h), held in
 * memory: per project and kind, id -> number (a strmap) and number -> id (names). Numbers are dense from 0 in order
 * of first appearance. Shared by the backends (store_sqlite.c, store_pg.c); not thread-safe: the backend locks. */
#ifndef ORGPULSE_STORE_STORE_ENTITIES_H
#define ORGPULSE_STORE_STORE_ENTITIES_H

#include <stddef.h>
#include <stdint.h>

#include "util/strmap.h"

typedef struct store_entity_map {
    strmap numbers; /* keys point at names[] */
    char **names;   /* owned */
    size_t count, cap;
} store_entity_map;

typedef struct store_project_entities {
    int64_t project_id;
    store_entity_map kinds[3]; /* STORE_KIND_USER, _ORG, _TEAM */
} store_project_entities;

typedef struct store_entities {
    store_project_entities *projects;
    size_t n;
    int loaded; /* the backend has read every stored number */
} store_entities;

void store_entities_free(store_entities *se);
/* The map of one project and kind, created empty when new. */
store_entity_map *store_entities_map(store_entities *se, int64_t project_id, int kind);
/* Remember the next number (m->count) for ext_id (copied). */
void store_entity_map_put(store_entity_map *m, const char *ext_id);
/* Forget the numbers from `count` on (the rows that held them were rolled back). */
void store_entity_map_truncate(store_entity_map *m, size_t count);
/* The id of a number, or NULL (num < 0 or unknown). The string lives as long as the map. */
const char *store_entities_name(store_entities *se, int64_t project_id, int kind, int64_t num);

#endif
