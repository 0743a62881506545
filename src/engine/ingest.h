/* ingest.h: accepting a validated batch of events: store it durably, then apply it to the index.
 * Used by POST /v1/events (one request = one atomic batch) and by `orgpulse import --data` (no index). */
#ifndef ORGPULSE_ENGINE_INGEST_H
#define ORGPULSE_ENGINE_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "engine/event.h"
#include "engine/index.h"
#include "store/store.h"

/* Store every event of `b` in one transaction for `project_id`, then (when `e` is not NULL) apply the newly stored
 * ones to the index. Duplicates (an id already stored or repeated in the batch) are skipped and counted.
 * Returns 0, or a STORE_E* code with nothing stored. */
int engine_ingest_batch(engine *e, store *s, int64_t project_id, const event_batch *b, int64_t received_ms,
                        size_t *out_accepted, size_t *out_duplicates);

#endif
