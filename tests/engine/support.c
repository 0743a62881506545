/* tests/engine/support.c -- see support.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "engine/event.h"
#include "support.h"

void test_event_from_json(test_event *t, const char *json, int64_t project, int64_t ts_ms) {
    json_error_t jerr;
    t->obj = json_loads(json, 0, &jerr);
    if (!t->obj) fail_msg("test event does not parse: %s: %s", json, jerr.text);
    event_type type;
    assert_int_equal(event_type_from_name(json_string_value(json_object_get(t->obj, "type")), &type), 0);
    json_t *rest = json_object();
    const char *key;
    json_t *value;
    json_object_foreach(t->obj, key, value) {
        if (strcmp(key, "type") && strcmp(key, "id") && strcmp(key, "user_id") && strcmp(key, "org_id") &&
            strcmp(key, "team_id"))
            json_object_set(rest, key, value);
    }
    t->body = json_object_size(rest) ? json_dumps(rest, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(rest);
    t->ev = (store_event){.seq = 1, .project_id = project, .ts_ms = ts_ms, .received_ms = ts_ms, .type = (int)type,
                          .id = json_string_value(json_object_get(t->obj, "id")),
                          .user_id = json_string_value(json_object_get(t->obj, "user_id")),
                          .org_id = json_string_value(json_object_get(t->obj, "org_id")),
                          .team_id = json_string_value(json_object_get(t->obj, "team_id")),
                          .body = t->body, .user_num = -1, .org_num = -1, .team_num = -1};
}

void test_event_free(test_event *t) {
    free(t->body);
    json_decref(t->obj);
}
