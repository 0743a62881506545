/* follow.h: keeping this node's index in step with a store that other nodes append to as well (PostgreSQL, see
 * store_is_shared): a follower thread applies what the others stored, woken by the store's change notifications
 * (or every FOLLOW_POLL_MS when none come), and an append applies the others' earlier events before its own.
 * The store commits appends in seq order, so "every event after the index's last seq" is exactly what is missing. */
#ifndef ORGPULSE_ENGINE_FOLLOW_H
#define ORGPULSE_ENGINE_FOLLOW_H

#include <stdint.h>

#include "engine/index.h"
#include "store/store.h"

#define FOLLOW_POLL_MS 500

/* Apply the stored events with seq after the index's last one and below before_seq (INT64_MAX: all of them).
 * The caller holds e->ingest_lock and no project lock. Returns 0 or a STORE_E* code (what was read is applied). */
int engine_catch_up(engine *e, store *s, int64_t before_seq, uint64_t *out_applied);

typedef struct engine_follower engine_follower;

/* Start the follower thread (for a shared store only); stop it, waiting for a catch-up in progress. */
int engine_follow_start(engine *e, store *s, engine_follower **out);
void engine_follow_stop(engine_follower *f);

#endif
