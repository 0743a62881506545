/* store_entities.c: the backends' in-memory entity numbers (see store_entities.h). */
#include "store/store_entities.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

static void map_free(store_entity_map *m) {
    for (size_t n = 0; n < m->count; n++) free(m->names[n]);
    free(m->names);
    strmap_free(&m->numbers);
    memset(m, 0, sizeof *m);
}

void store_entities_free(store_entities *se) {
    for (size_t i = 0; i < se->n; i++)
        for (int k = 0; k < 3; k++) map_free(&se->projects[i].kinds[k]);
    free(se->projects);
    memset(se, 0, sizeof *se);
}

store_entity_map *store_entities_map(store_entities *se, int64_t project_id, int kind) {
    for (size_t i = 0; i < se->n; i++)
        if (se->projects[i].project_id == project_id) return &se->projects[i].kinds[kind];
    se->projects = xrealloc(se->projects, (se->n + 1) * sizeof *se->projects);
    store_project_entities *pe = &se->projects[se->n++];
    memset(pe, 0, sizeof *pe);
    pe->project_id = project_id;
    return &pe->kinds[kind];
}

void store_entity_map_put(store_entity_map *m, const char *ext_id) {
    if (m->count == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->names = xrealloc(m->names, m->cap * sizeof *m->names);
    }
    char *name = xstrdup(ext_id);
    m->names[m->count] = name;
    strmap_put(&m->numbers, name, strlen(name), (uint32_t)m->count);
    m->count++;
}

void store_entity_map_truncate(store_entity_map *m, size_t count) {
    if (count >= m->count) return;
    for (size_t n = count; n < m->count; n++) free(m->names[n]);
    m->count = count;
    strmap_free(&m->numbers); /* the map has no delete: put the survivors back */
    strmap_init(&m->numbers);
    for (size_t n = 0; n < count; n++) strmap_put(&m->numbers, m->names[n], strlen(m->names[n]), (uint32_t)n);
}

const char *store_entities_name(store_entities *se, int64_t project_id, int kind, int64_t num) {
    if (num < 0) return NULL;
    store_entity_map *m = store_entities_map(se, project_id, kind);
    return (size_t)num < m->count ? m->names[num] : NULL;
}
