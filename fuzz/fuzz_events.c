/* fuzz_events.c: libFuzzer target for event parsing and validation (engine/event.c, util/json_scan.c): any body, as
 * NDJSON or as JSON (the first byte chooses), must parse without a crash, leak or undefined behaviour; an accepted
 * batch has no errors and every event a known type; a refused one reports at least one error with an in-range index. */
#include "fuzz.h"
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "engine/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    int ndjson = data[0] & 1;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    event_batch b;
    event_batch_init(&b);
    /* 2026-11-22T00:00:00Z: a fixed "now", so the 1-day-in-the-future rule is deterministic */
    int rc = event_batch_parse(&b, body, len, ndjson, 1795305600000LL, 0);
    if (rc == 0) {
        FUZZ_CHECK(b.nerrors == 0);
        for (size_t i = 0; i < b.count; i++) FUZZ_CHECK(event_type_name(b.events[i].type) != NULL);
    } else {
        FUZZ_CHECK(b.nerrors > 0 && b.nerrors <= EVENT_BATCH_MAX_ERRORS);
    }
    /* a second parse into the same (reset) batch must behave the same: the reuse path of import */
    event_batch_reset(&b);
    int rc2 = event_batch_parse(&b, body, len, ndjson, 1795305600000LL, 0);
    FUZZ_CHECK((rc == 0) == (rc2 == 0));
    event_batch_free(&b);
    return 0;
}
