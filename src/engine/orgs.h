/* orgs.h: organizations as the PostHog-compatible family (api/api_orgs.c) lists, creates, changes and deletes them.
 * Owns slug generation (Django's slugify, cut to 48, unique among the project's live organizations, never changed
 * by a rename: posthog-reference.md §2.3), the listing order, and the writes: each change becomes one
 * org.created / org.updated / org.deleted event that goes through engine_ingest_batch like any POSTed event, so it
 * is durable before the answer and shows in reports, usage and exports.
 *
 * Where the PostHog fields live: `name`, `slug` and `domains` are the event's own members; every other writable
 * field (enforce_2fa, members_can_invite, plan_type, license...) is a key of the org's `settings` object
 * (events.md). `settings` is one last-writer-wins register, so an update writes the whole merged object. */
#ifndef ORGPULSE_ENGINE_ORGS_H
#define ORGPULSE_ENGINE_ORGS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/index.h"
#include "store/store.h"

#define ENGINE_ORG_SLUG_MAX 48
#define ENGINE_ORG_ID_LEN 36 /* a generated id: a UUID (version 7: time-ordered, as PostHog's UUIDT) */

/* Django's slugify(name)[:48] (NFKD, ASCII only, lower case, [\w\s-] kept, runs of '-' and spaces as one '-',
 * '-' and '_' stripped at both ends) into out (ENGINE_ORG_SLUG_MAX + 1 bytes). */
void engine_org_slugify(const char *name, char *out);

/* The project's live (not deleted) organizations in listing order: creation time, then id. *out is a new array of
 * org indexes (caller frees; NULL when there are none); returns the count. The caller holds the read lock. */
uint32_t engine_orgs_live(const project_index *p, uint32_t **out /* OUT */);

/* What a write changes; NULL members are left as they are. */
typedef struct engine_org_change {
    const char *name;     /* required on create */
    const char *domains;  /* a JSON array text of strings */
    const char *settings; /* a JSON object text: these keys are set in the org's settings, the others kept */
} engine_org_change;

#define ENGINE_ORG_ENOTFOUND 1 /* no live organization with that id (positive: not a store error) */

/* Create an organization: a new id (into id_out, ENGINE_ORG_ID_LEN + 1 bytes) and a unique slug, as one
 * org.created event at now_ms. Returns 0, or a negative STORE_E* code with nothing stored. */
int engine_org_create(engine *e, store *s, int64_t project_id, int64_t now_ms, const engine_org_change *c,
                      char *id_out /* OUT */);
/* Change a live organization with one org.updated event (an empty change still records the update).
 * Returns 0, ENGINE_ORG_ENOTFOUND, or a negative STORE_E* code. */
int engine_org_update(engine *e, store *s, int64_t project_id, const char *org_id, int64_t now_ms,
                      const engine_org_change *c);
/* Delete a live organization with one org.deleted event. Returns 0, ENGINE_ORG_ENOTFOUND or a STORE_E* code. */
int engine_org_delete(engine *e, store *s, int64_t project_id, const char *org_id, int64_t now_ms);

#endif
