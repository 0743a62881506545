/* snapshot.h: the index snapshot, so that a restart need not re-apply the whole event log.
 *
 * A clean stop writes every project's index (users, orgs, memberships, teams, invitations, histories, usage
 * counters, active-day lists, day and hour bitmaps, who had usage in each org and team) and the store's derived
 * state (its idempotency-id set) to one file in the data directory, with the seq of the last event it covers. A
 * start loads it, checks that the store still holds that same event, and applies only the events after it. The file
 * is kept: after a crash the next start loads it again and applies a longer tail. A snapshot from a binary with
 * another index layout, a truncated or inconsistent file, or a store that no longer holds its last event is ignored
 * (the start then rebuilds from the whole log).
 * Caches (reports, charts, usage rollups, id orders) are not saved: they are rebuilt on demand. */
#ifndef ORGPULSE_ENGINE_SNAPSHOT_H
#define ORGPULSE_ENGINE_SNAPSHOT_H

#include <stdint.h>

#include "engine/index.h"
#include "store/store.h"

#define SNAPSHOT_FILE "index.snapshot"

/* Write the engine's index and the store's state to `path` (a temporary file, fsynced, then renamed over it).
 * No event may be applied meanwhile. *out_bytes (when not NULL) gets the file's size. Returns 0 or -1 (logged). */
int engine_snapshot_save(const engine *e, store *s, const char *path, uint64_t *out_bytes);

/* Load a snapshot into `e`, which must hold no project yet, and the store's state; then check that the store still
 * holds the snapshot's last event. Returns 0 and the seq it covers in *out_seq (apply the events after it with
 * engine_rebuild), 1 when there is no snapshot, or -1 when it cannot be used (logged; `e` is then empty again and
 * the store's state unchanged or dropped). */
int engine_snapshot_load(engine *e, store *s, const char *path, int64_t *out_seq);

#endif
