/* user_list.h: the users of a project as a list: pages in id order (bytewise) with keyset cursors, which stay exact
 * while users are added or deleted between pages, and the count of enabled users. Used by api/api_users_v2.c.
 * Every function needs the project's read lock, held by the caller. */
#ifndef ORGPULSE_ENGINE_USER_LIST_H
#define ORGPULSE_ENGINE_USER_LIST_H

#include <stdint.h>

#include "engine/index.h"

typedef struct engine_user_page {
    uint32_t *users; /* user indexes, ascending by id; owned (engine_user_page_free) */
    uint32_t n;
    int has_previous, has_next; /* a listed user sorts before the page's first / after its last (or the cursor) */
    /* An empty page past one end of the list (every listed user sorts before `after`, or after `before`) with users
     * on the other side: the page next to it is the last `limit` users (for `after`) or the first `limit` (for
     * `before`), which includes the cursor's own user when it is listed. `edge_after` is the user after whom that
     * page starts (a query `after=<its id>`), or INDEX_NONE when it is the first page of the list (no cursor). */
    uint32_t edge_after;
} engine_user_page;

/* The users not deleted, in id order: with `after` the first `limit` whose id sorts after it; with `before` the last
 * `limit` whose id sorts before it; with neither the first `limit`. The cursors need not be ids of existing users.
 * Returns 0 with *out filled (free it with engine_user_page_free even when empty). */
int engine_user_list_page(project_index *p, const char *after, const char *before, uint32_t limit,
                          engine_user_page *out /* OUT */);
void engine_user_page_free(engine_user_page *pg);

/* Users that exist at now_ms and are neither deleted nor deactivated then: a user exists from the first event that
 * names them (events.md), and deletions, deactivations and reactivations count from their own times, so events dated
 * after now (up to a day ahead is accepted) count only once now reaches them. */
uint64_t engine_user_count_enabled(const project_index *p, int64_t now_ms);

#endif
