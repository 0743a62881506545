/* user_list.c: pages of users in id order and the enabled-user count (see user_list.h). The id order is the one
 * insights.c keeps (insights_user_ranks); a cursor is found in it by binary search, so a page costs O(log n + limit)
 * plus the deleted users it steps over. */
#include "engine/user_list.h"

#include <stdlib.h>
#include <string.h>

#include "engine/insights.h"
#include "util/buf.h"

/* The first position in id order whose id compares > key (strictly) when `strict`, else >= key. */
static uint32_t position_of(const project_index *p, const id_ranks *r, const char *key, int strict) {
    uint32_t lo = 0, hi = r->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(p->users[r->order[mid]].id, key);
        if (c < 0 || (strict && c == 0)) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Is a listed (not deleted) user at a position in [from, to)? */
static int any_listed(const project_index *p, const id_ranks *r, uint32_t from, uint32_t to) {
    for (uint32_t k = from; k < to; k++)
        if (!p->users[r->order[k]].deleted) return 1;
    return 0;
}

int engine_user_list_page(project_index *p, const char *after, const char *before, uint32_t limit,
                          engine_user_page *out) {
    memset(out, 0, sizeof *out);
    const id_ranks *r = insights_user_ranks(p);
    out->users = xmalloc((size_t)(limit ? limit : 1) * sizeof *out->users);
    uint32_t first, last; /* the page spans positions [first, last) */
    if (before) {
        last = position_of(p, r, before, 0);
        first = last;
        uint32_t got = 0;
        while (first > 0 && got < limit)
            if (!p->users[r->order[--first]].deleted) got++;
        for (uint32_t k = first; k < last; k++)
            if (!p->users[r->order[k]].deleted) out->users[out->n++] = r->order[k];
    } else {
        first = after ? position_of(p, r, after, 1) : 0;
        last = first;
        while (last < r->count && out->n < limit) {
            uint32_t u = r->order[last++];
            if (!p->users[u].deleted) out->users[out->n++] = u;
        }
    }
    out->has_previous = any_listed(p, r, 0, first);
    out->has_next = any_listed(p, r, last, r->count);
    out->edge_after = INDEX_NONE;
    if (!out->n && after && out->has_previous) {
        /* the last `limit` listed users end before `first`: the listed user before them, if any, starts the way back */
        uint32_t k = first, got = 0;
        while (k > 0 && got < limit)
            if (!p->users[r->order[--k]].deleted) got++;
        while (k > 0)
            if (!p->users[r->order[--k]].deleted) {
                out->edge_after = r->order[k];
                break;
            }
    }
    /* with `before` and nothing before it, the way forward is the first page: edge_after stays INDEX_NONE */
    return 0;
}

void engine_user_page_free(engine_user_page *pg) {
    free(pg->users);
    memset(pg, 0, sizeof *pg);
}

/* Is the user deleted or deactivated at t? (index.c's user_derive_status over the changes at or before t.) */
static int disabled_at(const user_rec *u, int64_t t) {
    const history *h = &u->status;
    if (!h->count || h->items[h->count - 1].v.ts_ms <= t) return u->deleted || u->deactivated; /* nothing after t */
    int deleted = 0, deactivated = 0;
    for (uint32_t i = 0; i < h->count && h->items[i].v.ts_ms <= t; i++) {
        switch (h->items[i].kind) {
        case STATUS_CREATED: deleted = 0; break;
        case STATUS_DELETED: deleted = 1; break;
        case STATUS_DEACTIVATED: deactivated = 1; break;
        case STATUS_REACTIVATED: deactivated = 0; break;
        }
    }
    return deleted || deactivated;
}

uint64_t engine_user_count_enabled(const project_index *p, int64_t now_ms) {
    uint64_t n = 0;
    for (uint32_t i = 0; i < p->nusers; i++)
        n += p->hot[i].first_seen_ms <= now_ms && !disabled_at(&p->users[i], now_ms);
    return n;
}
