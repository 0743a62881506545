/* tests/engine/support.h -- shared by the engine unit tests: the store_event the store would hand the index for an
** event written as JSON (its columns; every other member, in a JSON object text, as the body). */
#ifndef ORGPULSE_TESTS_ENGINE_SUPPORT_H
#define ORGPULSE_TESTS_ENGINE_SUPPORT_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

typedef struct test_event {
    store_event ev; /* seq 1, received at ts; *_num -1 (the caller may number them); strings owned below */
    json_t *obj;
    char *body;
} test_event;

/* Build t from `json` (written without a timestamp: the event happens at ts_ms) in `project`; fails the test when
 * the JSON or its type does not parse. Free with test_event_free. */
void test_event_from_json(test_event *t, const char *json, int64_t project, int64_t ts_ms);
void test_event_free(test_event *t);

#endif
