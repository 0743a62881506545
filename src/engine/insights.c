/* insights.c: reports, their snapshot cache, and charts (definitions in insights.h). Every function here runs under
 * the project's read lock; the caches it fills are guarded by project_index.cache_lock. */
#include "engine/insights.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/event.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/time.h"

#define DAY_MS TIME_MS_PER_DAY

/* Buffers a report computation reuses from one snapshot to the next (cache_lock held): a million-row report would
 * otherwise map and zero tens of megabytes of fresh pages each time. */
struct insights_scratch {
    void *rows;     /* report_row candidates */
    size_t rows_cap;
    void *keys, *tmp; /* sort keys */
    size_t keys_cap, tmp_cap;
    void *counts;   /* per-user counters */
    size_t counts_cap;
    size_t *digits; /* 12 x 256 radix histograms */
};

static void *scratch_grow(void **buf, size_t *cap, size_t need) {
    if (need > *cap) {
        free(*buf);
        *cap = need + need / 4;
        *buf = xmalloc(*cap);
    }
    return *buf;
}

static struct insights_scratch *scratch_of(project_index *p) {
    if (!p->scratch) p->scratch = xcalloc(1, sizeof *p->scratch);
    return p->scratch;
}


/* Buckets of active_users and active_orgs already computed, each with the change stamps it was computed under:
 * the sum of its days' versions and the deleted-status version (both only grow, so equal stamps mean nothing
 * changed). A past week or month is then one look-up. */
typedef struct chart_cache_entry {
    uint64_t key; /* 0 = empty */
    uint64_t days_sum, deleted_version;
    int64_t value;
} chart_cache_entry;

struct chart_cache {
    chart_cache_entry *slots;
    size_t cap, count;
};


static const char *const kind_names[REPORT__COUNT] = {
    [REPORT_USER_TOP_INVITER] = "top_inviter", [REPORT_USER_CHAMPION] = "champion",
    [REPORT_USER_REENGAGEMENT] = "reengagement", [REPORT_USER_CHURN] = "churn",
    [REPORT_ORG_REENGAGEMENT] = "reengagement", [REPORT_ORG_CHURN] = "churn",
    [REPORT_ORG_GROWTH] = "growth", [REPORT_ORG_ATTRITION] = "attrition",
};

const char *report_kind_name(report_kind k) { return k < REPORT__COUNT ? kind_names[k] : "unknown"; }

int report_kind_from_path(int org, const char *name, report_kind *out) {
    for (int k = org ? REPORT_ORG_REENGAGEMENT : 0; k < (org ? REPORT__COUNT : REPORT_ORG_REENGAGEMENT); k++) {
        if (strcmp(kind_names[k], name) == 0) {
            *out = (report_kind)k;
            return 0;
        }
    }
    return -1;
}

/* ---- activity of users and orgs ---- */

/* The window [from, to) clipped to a membership interval [s, e). */
static int clip(int64_t from, int64_t to, int64_t s, int64_t e, int64_t *a, int64_t *b) {
    *a = from > s ? from : s;
    *b = to < e ? to : e;
    return *a < *b;
}

/* ---- ordering ---- */

/* Bring an id_ranks up to date with `count` entities whose ids are ids[i] (cache_lock held). New entities are
 * sorted and merged into the existing order, so a refresh costs O(n) plus the sort of the newcomers. */
typedef const char *(*id_of_fn)(const project_index *p, uint32_t i);

static const char *user_id_of(const project_index *p, uint32_t i) { return p->users[i].id; }
static const char *org_id_of(const project_index *p, uint32_t i) { return p->orgs[i].id; }

typedef struct id_cmp_ctx {
    const project_index *p;
    id_of_fn id_of;
} id_cmp_ctx;

static int cmp_ids(const void *a, const void *b, void *vctx) {
    const id_cmp_ctx *c = vctx;
    return strcmp(c->id_of(c->p, *(const uint32_t *)a), c->id_of(c->p, *(const uint32_t *)b));
}

static void ranks_refresh(const project_index *p, id_ranks *r, uint32_t count, id_of_fn id_of) {
    if (r->count == count) return;
    uint32_t fresh = count - r->count;
    uint32_t *added = xmalloc((size_t)fresh * sizeof *added);
    for (uint32_t i = 0; i < fresh; i++) added[i] = r->count + i;
    id_cmp_ctx ctx = {p, id_of};
    qsort_r(added, fresh, sizeof *added, cmp_ids, &ctx);
    /* Merge by block copies: each added id's place among the old ones by binary search (a few strcmp each, where a
     * merge walk would compare every old id), the old ids between two places moved with one memcpy. */
    uint32_t *order = xmalloc((size_t)count * sizeof *order);
    uint32_t from = 0, k = 0, first_changed = UINT32_MAX;
    for (uint32_t j = 0; j < fresh; j++) {
        const char *id = id_of(p, added[j]);
        uint32_t lo = from, hi = r->count; /* the first old id greater than this one */
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (strcmp(id_of(p, r->order[mid]), id) <= 0) lo = mid + 1;
            else hi = mid;
        }
        if (lo > from) memcpy(order + k, r->order + from, (size_t)(lo - from) * sizeof *order);
        k += lo - from;
        from = lo;
        if (first_changed == UINT32_MAX) first_changed = k;
        order[k++] = added[j];
    }
    if (r->count > from) memcpy(order + k, r->order + from, (size_t)(r->count - from) * sizeof *order);
    free(added);
    free(r->order);
    r->order = order;
    r->rank = xrealloc(r->rank, (size_t)count * sizeof *r->rank);
    for (uint32_t n = first_changed; n < count; n++) r->rank[order[n]] = n; /* ranks before it are unchanged */
    r->count = count;
}

/* Sort key: ascending (hi, lo) is the report's order; lo is the id rank (the last tie-break). */
typedef struct sort_key {
    uint64_t hi;
    uint32_t lo;
    uint32_t row;
} sort_key;

#define TIME_BITS 0xFFFFFFFFFFFFULL /* 48 bits of ms: until the year 10889 */

static uint64_t desc_time(int64_t ms) {
    uint64_t t = ms < 0 ? 0 : (uint64_t)ms > TIME_BITS ? TIME_BITS : (uint64_t)ms;
    return TIME_BITS - t;
}

static uint64_t desc_u32(int64_t v) { return 0xFFFFFFFFULL - (uint64_t)(v < 0 ? 0 : v > 0xFFFFFFFFLL ? 0xFFFFFFFFLL : v); }
static uint64_t asc_i32(int64_t v) {
    v = v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : v;
    return (uint64_t)(v - INT32_MIN);
}

static uint64_t key_hi(report_kind kind, const report_row *r) {
    switch (kind) {
    case REPORT_USER_TOP_INVITER: return desc_u32(r->a);
    case REPORT_USER_CHAMPION: return (desc_u32(r->a) & 0xFFFF) << 48 | desc_time(r->last_ms);
    case REPORT_ORG_GROWTH: return (0xFFFFFFFFULL - asc_i32(r->a - r->b)) << 32 | desc_u32(r->a);
    case REPORT_ORG_ATTRITION: return desc_u32(r->b) << 32 | asc_i32(r->a - r->b);
    default: return desc_time(r->last_ms);
    }
}

static int sort_key_lo_cmp(const void *a, const void *b) {
    uint32_t x = ((const sort_key *)a)->lo, y = ((const sort_key *)b)->lo;
    return x < y ? -1 : x > y;
}

/* Keys sorted by hi alone: sort each run of equal hi by lo (insertion sort for short runs, qsort for long ones). */
static void sort_ties_by_lo(sort_key *keys, size_t n) {
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && keys[j].hi == keys[i].hi) j++;
        if (j - i > 24) {
            qsort(keys + i, j - i, sizeof *keys, sort_key_lo_cmp);
        } else {
            for (size_t k = i + 1; k < j; k++) {
                sort_key x = keys[k];
                size_t m = k;
                for (; m > i && keys[m - 1].lo > x.lo; m--) keys[m] = keys[m - 1];
                keys[m] = x;
            }
        }
        i = j;
    }
}

/* LSD radix sort on bytes: lo's 4 bytes, then hi's 8. All twelve histograms come from one read pass, and a pass
 * whose byte is the same for every key is skipped (report keys vary in a few bytes only). 256 buckets keep the
 * scatter within cache and TLB reach, which 65536 did not. When hi holds a time in ms (`few_ties`), equal hi are
 * rare: lo's passes are left out and the few runs of equal hi sorted after (a third fewer passes). */
static void radix_sort_keys(sort_key *keys, sort_key *tmp, size_t *hist, size_t n, int few_ties) {
    memset(hist, 0, 12 * 256 * sizeof *hist);
    for (size_t i = 0; i < n; i++) {
        if (!few_ties)
            for (int b = 0; b < 4; b++) hist[b * 256 + ((keys[i].lo >> (8 * b)) & 255)]++;
        for (int b = 0; b < 8; b++) hist[(4 + b) * 256 + ((keys[i].hi >> (8 * b)) & 255)]++;
    }
    sort_key *src = keys, *dst = tmp;
    for (int pass = few_ties ? 4 : 0; pass < 12; pass++) {
        size_t *h = hist + pass * 256;
        int skip = 0;
        for (int d = 0; d < 256 && !skip; d++) skip = h[d] == n;
        if (skip) continue;
        size_t sum = 0;
        for (int d = 0; d < 256; d++) {
            size_t c = h[d];
            h[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            unsigned d = pass < 4 ? (src[i].lo >> (8 * pass)) & 255 : (unsigned)(src[i].hi >> (8 * (pass - 4))) & 255;
            dst[h[d]++] = src[i];
        }
        sort_key *t = src;
        src = dst, dst = t;
    }
    if (src != keys) memcpy(keys, src, n * sizeof *keys);
    if (few_ties) sort_ties_by_lo(keys, n);
}

/* The report's order of n rows: a new array of row indexes (the report keeps it). */
static uint32_t *report_order(project_index *p, report_kind kind, const report_row *rows, size_t n) {
    uint32_t *order = xmalloc((n ? n : 1) * sizeof *order);
    if (n < 2) {
        if (n) order[0] = 0;
        return order;
    }
    id_ranks *ranks = REPORT_IS_ORG(kind) ? &p->org_ranks : &p->user_ranks;
    if (REPORT_IS_ORG(kind))
        ranks_refresh(p, ranks, p->norgs, org_id_of);
    else
        ranks_refresh(p, ranks, p->nusers, user_id_of);
    struct insights_scratch *sc = scratch_of(p);
    sort_key *keys = scratch_grow(&sc->keys, &sc->keys_cap, n * sizeof *keys);
    sort_key *tmp = scratch_grow(&sc->tmp, &sc->tmp_cap, n * sizeof *tmp);
    if (!sc->digits) sc->digits = xmalloc(12 * 256 * sizeof *sc->digits);
    for (size_t i = 0; i < n; i++) keys[i] = (sort_key){key_hi(kind, &rows[i]), ranks->rank[rows[i].entity], (uint32_t)i};
    int few_ties = kind != REPORT_USER_TOP_INVITER && kind != REPORT_ORG_GROWTH && kind != REPORT_ORG_ATTRITION;
    radix_sort_keys(keys, tmp, sc->digits, n, few_ties);
    for (size_t i = 0; i < n; i++) order[i] = keys[i].row;
    return order;
}

typedef struct row_list {
    report_row *rows;
    size_t count, cap;
    struct insights_scratch *scratch; /* owns rows */
} row_list;

static void push_row(row_list *l, report_row r) {
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4096;
        l->rows = xrealloc(l->rows, cap * sizeof *l->rows);
        l->cap = cap;
        l->scratch->rows = l->rows;
        l->scratch->rows_cap = cap * sizeof *l->rows;
    }
    l->rows[l->count++] = r;
}

#define HOUR_MS 3600000LL

/* The user's active-day entry for `day`, or NULL. */
static const active_day *day_entry(const day_list *d, int32_t day) {
    uint32_t lo = 0, hi = d->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (d->items[mid].day < day) lo = mid + 1;
        else hi = mid;
    }
    return lo < d->count && d->items[lo].day == day ? &d->items[lo] : NULL;
}

/* Users with an activity time in [a, b), a part of UTC day `day`: the hours wholly inside come from the hour
 * bitmaps; only the users of a cut hour are looked up in their day lists (last time >= a for the hour holding a,
 * first time < b for the hour holding b). */
static roaring_bitmap_t *users_active_in_day_part(const project_index *p, int32_t day, int64_t a, int64_t b) {
    roaring_bitmap_t *out = roaring_bitmap_create();
    int64_t h0 = a / HOUR_MS, h1 = (b - 1) / HOUR_MS;
    for (int64_t h = h0; h <= h1; h++) {
        const roaring_bitmap_t *hb = h >= 0 && h < p->hour_users.count ? p->hour_users.items[h] : NULL;
        if (!hb) continue;
        int64_t hs = h * HOUR_MS, he = hs + HOUR_MS;
        if (hs >= a && he <= b) {
            roaring_bitmap_or_inplace(out, hb);
            continue;
        }
        int64_t lo = a > hs ? a : hs, hi = b < he ? b : he;
        roaring_uint32_iterator_t *it = roaring_create_iterator(hb);
        for (; it->has_value; roaring_advance_uint32_iterator(it)) {
            const active_day *x = day_entry(&p->hot[it->current_value].days, day);
            if (x && active_day_has_time_in(x, lo, hi)) roaring_bitmap_add(out, it->current_value);
        }
        roaring_free_uint32_iterator(it);
    }
    return out;
}

/* Users with an activity time in [a, b): the union of the days' bitmaps, a day the window cuts taken from its
 * hours (users_active_in_day_part). */
static roaring_bitmap_t *users_active_in(const project_index *p, int64_t a, int64_t b) {
    roaring_bitmap_t *out = roaring_bitmap_create();
    if (a >= b) return out;
    int32_t d0 = time_day_of(a), d1 = time_day_of(b - 1);
    for (int32_t d = d0; d <= d1; d++) {
        const roaring_bitmap_t *day = d >= 0 && d < p->day_users.count ? p->day_users.items[d] : NULL;
        if (!day) continue;
        int64_t ds = (int64_t)d * DAY_MS, de = ds + DAY_MS;
        if (ds >= a && de <= b) {
            roaring_bitmap_or_inplace(out, day);
            continue;
        }
        roaring_bitmap_t *part = users_active_in_day_part(p, d, a > ds ? a : ds, b < de ? b : de);
        roaring_bitmap_or_inplace(out, part);
        roaring_bitmap_free(part);
    }
    return out;
}

roaring_bitmap_t *insights_users_active_between(const project_index *p, int64_t a_ms, int64_t b_ms) {
    return users_active_in(p, a_ms, b_ms);
}

/* ---- champion: active days per user, as bit-sliced counters ----
 * The window's day bitmaps are added up 64 users at a time. For each block of 65,536 user indexes (one roaring
 * container per day), COUNT_PLANES words per 64 users hold their counts bit by bit (word j: bit j of each count),
 * and adding a day is a carry-save addition of its container's words: a few operations per 64 users instead of one
 * increment per active user (4x faster at a million users). A 90-day window touches at most 91 UTC days, so seven
 * planes would do; eight keep each group of words on one cache line. This reads CRoaring's containers directly
 * (roaring_array.h and containers/, installed with the library). */
#define COUNT_PLANES 8
#define BLOCK_WORDS 1024 /* 65,536 bits */

static void planes_add_word(uint64_t *pl, uint64_t w) {
    for (int j = 0; w && j < COUNT_PLANES; j++) {
        uint64_t carry = pl[j] & w;
        pl[j] ^= w;
        w = carry;
    }
}

static void planes_add_bit(uint64_t *planes, uint32_t low) {
    planes_add_word(planes + (size_t)(low >> 6) * COUNT_PLANES, 1ULL << (low & 63));
}

/* Add the users of `b` whose index is in block `key` (index >> 16). */
static void planes_add_block(uint64_t *planes, const roaring_bitmap_t *b, uint16_t key) {
    const roaring_array_t *ra = &b->high_low_container;
    int32_t lo = 0, hi = ra->size;
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (ra->keys[mid] < key) lo = mid + 1;
        else hi = mid;
    }
    if (lo == ra->size || ra->keys[lo] != key) return;
    uint8_t type = ra->typecodes[lo];
    const void *c = container_unwrap_shared(ra->containers[lo], &type);
    if (type == BITSET_CONTAINER_TYPE_CODE) {
        const uint64_t *words = ((const bitset_container_t *)c)->array;
        for (size_t i = 0; i < BLOCK_WORDS; i++)
            if (words[i]) planes_add_word(planes + i * COUNT_PLANES, words[i]);
    } else if (type == ARRAY_CONTAINER_TYPE_CODE) {
        const array_container_t *a = c;
        for (int32_t i = 0; i < a->cardinality; i++) planes_add_bit(planes, a->array[i]);
    } else if (type == RUN_CONTAINER_TYPE_CODE) {
        const run_container_t *r = c;
        for (int32_t i = 0; i < r->n_runs; i++)
            for (uint32_t v = r->runs[i].value; v <= (uint32_t)r->runs[i].value + r->runs[i].length; v++)
                planes_add_bit(planes, v);
    }
}

/* Rows for the users of `days` (bitmaps, one per UTC day of the window) with their number of days: listed, active
 * users only, in index order. */
static void champion_rows(const project_index *p, const roaring_bitmap_t *const *days, size_t ndays, uint64_t *planes,
                          row_list *out) {
    const uint32_t listed_active = HOT_LISTED | HOT_ACTIVE;
    for (uint32_t key = 0; (uint64_t)key << 16 < p->nusers; key++) {
        memset(planes, 0, BLOCK_WORDS * COUNT_PLANES * sizeof *planes);
        for (size_t d = 0; d < ndays; d++) planes_add_block(planes, days[d], (uint16_t)key);
        for (size_t i = 0; i < BLOCK_WORDS; i++) {
            const uint64_t *pl = planes + i * COUNT_PLANES;
            uint64_t any = 0;
            for (int j = 0; j < COUNT_PLANES; j++) any |= pl[j];
            while (any) {
                int bit = __builtin_ctzll(any);
                any &= any - 1;
                uint32_t u = key << 16 | (uint32_t)(i << 6) | (uint32_t)bit;
                if (u >= p->nusers || (p->hot[u].flags & listed_active) != listed_active) continue;
                int64_t count = 0;
                for (int j = 0; j < COUNT_PLANES; j++) count |= (int64_t)((pl[j] >> bit) & 1) << j;
                push_row(out, (report_row){u, p->hot[u].last_active_ms, count, 0});
            }
        }
    }
}

static void user_rows(const project_index *p, report_kind kind, int64_t n_ms, int64_t now, row_list *out) {
    const user_hot *hot = p->hot;
    const uint32_t listed_active = HOT_LISTED | HOT_ACTIVE;
    switch (kind) {
    case REPORT_USER_TOP_INVITER: {
        int64_t *counts = scratch_grow(&p->scratch->counts, &p->scratch->counts_cap, (p->nusers + 1) * sizeof *counts);
        memset(counts, 0, (p->nusers + 1) * sizeof *counts);
        for (uint32_t i = 0; i < p->ninvites; i++) {
            const invite_rec *r = &p->invites[i];
            if (r->kind == EV_INVITE_SENT && r->inviter != INDEX_NONE && r->v.ts_ms >= now - n_ms && r->v.ts_ms < now)
                counts[r->inviter]++;
        }
        for (uint32_t u = 0; u < p->nusers; u++)
            if (counts[u] && (hot[u].flags & HOT_LISTED))
                push_row(out, (report_row){u, hot[u].flags & HOT_ACTIVE ? hot[u].last_active_ms : INT64_MIN, counts[u], 0});
        return;
    }
    case REPORT_USER_CHAMPION: {
        /* active days per user: whole days from their bitmaps, a day the window cuts from its hours and day lists */
        int64_t a = now - n_ms, b = now;
        int32_t d0 = time_day_of(a), d1 = time_day_of(b - 1);
        const roaring_bitmap_t **days = xcalloc((size_t)(d1 - d0 + 1), sizeof *days);
        roaring_bitmap_t *parts[2] = {NULL, NULL};
        size_t ndays = 0, nparts = 0;
        for (int32_t d = d0; d <= d1; d++) {
            const roaring_bitmap_t *day = d >= 0 && d < p->day_users.count ? p->day_users.items[d] : NULL;
            if (!day) continue;
            int64_t ds = (int64_t)d * DAY_MS, de = ds + DAY_MS;
            if (ds >= a && de <= b) {
                days[ndays++] = day;
            } else if (nparts < 2) { /* only the first and the last day can be cut */
                parts[nparts] = users_active_in_day_part(p, d, a > ds ? a : ds, b < de ? b : de);
                days[ndays++] = parts[nparts++];
            }
        }
        uint64_t *planes = scratch_grow(&p->scratch->counts, &p->scratch->counts_cap,
                                        BLOCK_WORDS * COUNT_PLANES * sizeof *planes);
        champion_rows(p, days, ndays, planes, out);
        for (size_t i = 0; i < nparts; i++) roaring_bitmap_free(parts[i]);
        free(days);
        return;
    }
    case REPORT_USER_CHURN:
        for (uint32_t u = 0; u < p->nusers; u++) {
            if ((hot[u].flags & listed_active) != listed_active) continue;
            int64_t last = hot[u].last_active_ms;
            int recent = last >= now - n_ms && (last < now || day_list_any_in(&p->hot[u].days, now - n_ms, now));
            if (!recent) push_row(out, (report_row){u, last, 0, 0});
        }
        return;
    case REPORT_USER_REENGAGEMENT: {
        roaring_bitmap_t *middle = NULL; /* built on first use */
        for (uint32_t u = 0; u < p->nusers; u++) {
            if ((hot[u].flags & listed_active) != listed_active) continue;
            int64_t last = hot[u].last_active_ms;
            if (hot[u].first_active_ms >= now - 2 * n_ms || last < now - n_ms) continue;
            if (last >= now && !day_list_any_in(&p->hot[u].days, now - n_ms, now)) continue;
            if (!middle) middle = users_active_in(p, now - 2 * n_ms, now - n_ms);
            if (!roaring_bitmap_contains(middle, u)) push_row(out, (report_row){u, last, 0, 0});
        }
        if (middle) roaring_bitmap_free(middle);
        return;
    }
    default: return;
    }
}

/* Per-org accumulators of one pass over the memberships. */
typedef struct org_acc {
    int64_t latest;         /* latest activity time, INT64_MIN none */
    int64_t added, removed; /* membership starts and ends in the window */
    int64_t members;        /* current members */
    uint8_t recent, middle, before;
} org_acc;

typedef struct windows {
    int64_t recent_a, recent_b; /* [now-N, now) */
    int64_t middle_a, middle_b; /* [now-2N, now-N) */
    roaring_bitmap_t *middle_users; /* users active in the middle window, built on first need */
} windows;

/* Activity of user u within [s, e) and the windows, folded into acc. */
static void member_activity(const project_index *p, uint32_t u, int64_t s, int64_t e, windows *w, org_acc *acc) {
    const user_hot *h = &p->hot[u];
    const day_list *days = &h->days;
    int whole = s <= h->first_active_ms && e > h->last_active_ms; /* the interval holds all the user's activity */
    int64_t latest = whole ? h->last_active_ms : day_list_latest_in(days, s, e);
    if (latest == INT64_MIN) return;
    if (latest > acc->latest) acc->latest = latest;
    int64_t a, b;
    if (!acc->recent && clip(w->recent_a, w->recent_b, s, e, &a, &b)) {
        if (whole)
            acc->recent = h->last_active_ms >= a && (h->last_active_ms < b || day_list_any_in(days, a, b));
        else
            acc->recent = (uint8_t)day_list_any_in(days, a, b);
    }
    if (!acc->middle && clip(w->middle_a, w->middle_b, s, e, &a, &b)) {
        if (whole && (h->last_active_ms < a || h->first_active_ms >= b)) {
            /* nothing in the window */
        } else if (whole && ((h->first_active_ms >= a && h->first_active_ms < b) ||
                             (h->last_active_ms >= a && h->last_active_ms < b))) {
            acc->middle = 1;
        } else if (a == w->middle_a && b == w->middle_b) {
            if (!w->middle_users) w->middle_users = users_active_in(p, a, b);
            acc->middle = roaring_bitmap_contains(w->middle_users, u);
        } else {
            acc->middle = (uint8_t)day_list_any_in(days, a, b);
        }
    }
    if (!acc->before && clip(INT64_MIN, w->middle_a, s, e, &a, &b))
        acc->before = whole ? h->first_active_ms < b : (uint8_t)day_list_any_in(days, a, b);
}

/* ---- org reports ----
 * Growth and attrition count membership changes in one sequential pass over the memberships. Churn and reengagement
 * need each org's member activity: first, in one sequential pass, whether any member was active in the recent (and
 * middle) window, read from flat bitsets of the users active in those windows (a bit test in 128 KB per membership,
 * instead of a random read of the member's records); only a membership that covers part of a window looks at the
 * member's day list. That decides most orgs (active recently, or in both windows). The few candidates left are then
 * computed exactly, member by member, as before: their latest activity (the order), and the windows again. */

/* A flat bitset of n bits with the users of `b` (NULL: empty), in words the caller owns. */
static void flat_from_bitmap(const roaring_bitmap_t *b, uint64_t *words, size_t nwords) {
    memset(words, 0, nwords * sizeof *words);
    if (!b) return;
    uint32_t block[4096];
    roaring_uint32_iterator_t it;
    roaring_init_iterator(b, &it);
    uint32_t n;
    while ((n = roaring_read_uint32_iterator(&it, block, 4096)) > 0)
        for (uint32_t i = 0; i < n; i++)
            if (block[i] >> 6 < nwords) words[block[i] >> 6] |= 1ULL << (block[i] & 63);
}

static int flat_has(const uint64_t *words, uint32_t u) { return (int)((words[u >> 6] >> (u & 63)) & 1); }

/* Was user u active in [a, b) while a member ([s, e))? `users` holds who was active in all of [a, b). */
static int member_active_in(const project_index *p, const uint64_t *users, uint32_t u, int64_t a, int64_t b,
                            int64_t s, int64_t e) {
    if (e <= a || s >= b) return 0;
    if (s <= a && e >= b) return flat_has(users, u);
    return day_list_any_in(&p->hot[u].days, a > s ? a : s, b < e ? b : e);
}

/* One org's accumulators, exactly, from its own memberships (the events naming it are added by the caller). */
static void org_activity_exact(const project_index *p, const org_rec *org, windows *w, org_acc *o) {
    for (uint32_t k = 0; k < org->nmemberships; k++) {
        const membership_rec *m = &p->memberships[org->memberships[k]];
        const user_hot *h = &p->hot[m->user];
        if (h->flags & HOT_DELETED) continue;
        o->members += m->active;
        if (!(h->flags & HOT_ACTIVE)) continue;
        uint32_t cursor = 0;
        int64_t s, e;
        while (engine_membership_next_interval(m, &cursor, &s, &e)) member_activity(p, m->user, s, e, w, o);
    }
}

/* Fold in the events that name the org itself. */
static void org_own_activity(const org_rec *org, const windows *w, org_acc *o) {
    const day_list *d = &org->days;
    if (!d->count) return;
    int64_t latest = day_list_latest_in(d, INT64_MIN, INT64_MAX);
    if (latest > o->latest) o->latest = latest;
    o->recent |= (uint8_t)day_list_any_in(d, w->recent_a, w->recent_b);
    o->middle |= (uint8_t)day_list_any_in(d, w->middle_a, w->middle_b);
    o->before |= (uint8_t)day_list_any_in(d, INT64_MIN, w->middle_a);
}

static void org_rows_by_changes(const project_index *p, report_kind kind, const windows *w, const uint64_t *deleted,
                                org_acc *acc, row_list *out) {
    for (uint32_t i = 0; i < p->nmemberships; i++) {
        const membership_rec *m = &p->memberships[i];
        if (flat_has(deleted, m->user)) continue;
        org_acc *o = &acc[m->org];
        if (m->intervals == 1) {
            o->added += m->start_ms >= w->recent_a && m->start_ms < w->recent_b;
            o->removed += m->end_ms >= w->recent_a && m->end_ms < w->recent_b;
        } else if (m->intervals == 2) {
            int active = 0;
            for (uint32_t k = 0; k < m->log.count; k++) {
                const history_entry *x = &m->log.items[k];
                int in = x->v.ts_ms >= w->recent_a && x->v.ts_ms < w->recent_b;
                if (x->kind == MEMBER_ADDED && !active) active = 1, o->added += in;
                else if (x->kind == MEMBER_REMOVED && active) active = 0, o->removed += in;
            }
        }
    }
    for (uint32_t i = 0; i < p->norgs; i++) {
        const org_acc *o = &acc[i];
        if (!p->orgs[i].deleted && (kind == REPORT_ORG_GROWTH ? o->added - o->removed > 0 : o->removed >= 1))
            push_row(out, (report_row){i, INT64_MIN, o->added, o->removed});
    }
}

static void org_rows_by_activity(const project_index *p, report_kind kind, windows *w, const uint64_t *deleted,
                                 uint64_t *recent_users, uint64_t *middle_users, size_t nwords, org_acc *acc,
                                 row_list *out) {
    int reengagement = kind == REPORT_ORG_REENGAGEMENT;
    roaring_bitmap_t *b = users_active_in(p, w->recent_a, w->recent_b);
    flat_from_bitmap(b, recent_users, nwords);
    roaring_bitmap_free(b);
    if (reengagement) {
        b = users_active_in(p, w->middle_a, w->middle_b);
        flat_from_bitmap(b, middle_users, nwords);
        roaring_bitmap_free(b);
    }
    /* phase 1: members, and activity in the recent (and middle) window */
    for (uint32_t i = 0; i < p->nmemberships; i++) {
        const membership_rec *m = &p->memberships[i];
        if (flat_has(deleted, m->user)) continue;
        org_acc *o = &acc[m->org];
        o->members += m->active;
        if (o->recent && (!reengagement || o->middle)) continue; /* nothing more to learn about this org */
        uint32_t cursor = 0;
        int64_t s, e;
        while (engine_membership_next_interval(m, &cursor, &s, &e)) {
            if (!o->recent) o->recent = (uint8_t)member_active_in(p, recent_users, m->user, w->recent_a, w->recent_b, s, e);
            if (reengagement && !o->middle)
                o->middle = (uint8_t)member_active_in(p, middle_users, m->user, w->middle_a, w->middle_b, s, e);
        }
    }
    /* phase 2: the candidates, exactly */
    for (uint32_t i = 0; i < p->norgs; i++) {
        const org_rec *org = &p->orgs[i];
        org_acc *o = &acc[i];
        if (org->deleted) continue;
        org_own_activity(org, w, o);
        int candidate = reengagement ? o->recent && !o->middle : o->members >= 1 && !o->recent;
        if (!candidate) continue;
        org_acc exact = {.latest = INT64_MIN};
        org_activity_exact(p, org, w, &exact);
        org_own_activity(org, w, &exact);
        if (exact.latest == INT64_MIN) continue;
        if (kind == REPORT_ORG_CHURN && exact.members >= 1 && !exact.recent)
            push_row(out, (report_row){i, exact.latest, 0, 0});
        if (kind == REPORT_ORG_REENGAGEMENT && exact.recent && !exact.middle && exact.before)
            push_row(out, (report_row){i, exact.latest, 0, 0});
    }
}

static void org_rows(const project_index *p, report_kind kind, int64_t n_ms, int64_t now, row_list *out) {
    org_acc *acc = xcalloc(p->norgs ? p->norgs : 1, sizeof *acc);
    windows w = {now - n_ms, now, now - 2 * n_ms, now - n_ms, NULL};
    size_t nwords = ((size_t)p->nusers + 63) / 64 + 1;
    uint64_t *flat = xmalloc(3 * nwords * sizeof *flat); /* deleted users, then the recent and middle windows' */
    flat_from_bitmap(p->deleted_users, flat, nwords);
    if (kind == REPORT_ORG_GROWTH || kind == REPORT_ORG_ATTRITION)
        org_rows_by_changes(p, kind, &w, flat, acc, out);
    else
        org_rows_by_activity(p, kind, &w, flat, flat + nwords, flat + 2 * nwords, nwords, acc, out);
    if (w.middle_users) roaring_bitmap_free(w.middle_users);
    free(flat);
    free(acc);
}

static void random_uuid(char out[37]) {
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
             b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

report *insights_report_compute(project_index *p, report_kind kind, int interval_days, int64_t now_ms) {
    struct insights_scratch *sc = scratch_of(p);
    row_list rows = {sc->rows, 0, sc->rows_cap / sizeof(report_row), sc};
    int64_t n_ms = (int64_t)interval_days * DAY_MS;
    if (REPORT_IS_ORG(kind))
        org_rows(p, kind, n_ms, now_ms, &rows);
    else
        user_rows(p, kind, n_ms, now_ms, &rows);
    report *r = xcalloc(1, sizeof *r);
    pthread_mutex_init(&r->pages_lock, NULL);
    r->kind = kind;
    r->interval = interval_days;
    r->project_id = p->project_id;
    random_uuid(r->report_id);
    r->report_time_ms = now_ms;
    r->order = report_order(p, kind, rows.rows, rows.count);
    /* the report takes the candidate rows as they are; the scratch gets a buffer back when a report is dropped */
    r->rows = rows.rows ? rows.rows : xmalloc(sizeof *r->rows);
    r->rows_bytes = rows.rows ? sc->rows_cap : sizeof *r->rows;
    sc->rows = NULL, sc->rows_cap = 0;
    r->count = rows.count;
    r->refs = 1;
    return r;
}

typedef struct report_page {
    long number, size;
    char *body;
    size_t len;
} report_page;

void report_release(report *r) {
    if (!r || __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) > 0) return;
    for (size_t i = 0; i < r->npages; i++) free(r->pages[i].body);
    free(r->pages);
    pthread_mutex_destroy(&r->pages_lock);
    free(r->rows);
    free(r->order);
    free(r);
}

int report_page_cached(report *r, long number, long size, char **out, size_t *len) {
    int rc = -1;
    pthread_mutex_lock(&r->pages_lock);
    for (size_t i = 0; i < r->npages; i++)
        if (r->pages[i].number == number && r->pages[i].size == size) {
            *out = xmalloc(r->pages[i].len + 1);
            memcpy(*out, r->pages[i].body, r->pages[i].len + 1);
            *len = r->pages[i].len;
            rc = 0;
            break;
        }
    pthread_mutex_unlock(&r->pages_lock);
    return rc;
}

void report_page_keep(report *r, long number, long size, const char *body, size_t len) {
    pthread_mutex_lock(&r->pages_lock);
    int known = 0;
    for (size_t i = 0; i < r->npages && !known; i++) known = r->pages[i].number == number && r->pages[i].size == size;
    if (!known && r->pages_bytes + len <= REPORT_PAGES_MAX_BYTES) {
        if (r->npages == r->cap_pages) {
            r->cap_pages = r->cap_pages ? r->cap_pages * 2 : 8;
            r->pages = xrealloc(r->pages, r->cap_pages * sizeof *r->pages);
        }
        report_page *pg = &r->pages[r->npages++];
        pg->number = number, pg->size = size, pg->len = len;
        pg->body = xmalloc(len + 1);
        memcpy(pg->body, body, len);
        pg->body[len] = 0;
        r->pages_bytes += len;
    }
    pthread_mutex_unlock(&r->pages_lock);
}

/* Drop the cache's reference to a report; when it was the last, its rows buffer goes back to the scratch (a buffer of
 * hundreds of megabytes at a million users: reusing it spares the page faults of a fresh one). Under cache_lock. */
static void report_drop_cached(project_index *p, report *r) {
    if (__atomic_load_n(&r->refs, __ATOMIC_ACQUIRE) == 1) {
        struct insights_scratch *sc = scratch_of(p);
        if (r->rows_bytes > sc->rows_cap) {
            free(sc->rows);
            sc->rows = r->rows, sc->rows_cap = r->rows_bytes;
            r->rows = NULL;
        }
    }
    report_release(r);
}

report *insights_report_get(project_index *p, report_kind kind, int interval_days, int64_t now_ms, int64_t max_age_ms) {
    pthread_mutex_lock(&p->cache_lock);
    size_t slot = p->nreports;
    for (size_t i = 0; i < p->nreports; i++)
        if (p->reports[i]->kind == kind && p->reports[i]->interval == interval_days) slot = i;
    report *r = slot < p->nreports ? p->reports[slot] : NULL;
    if (r && (now_ms - r->report_time_ms > max_age_ms || now_ms < r->report_time_ms)) {
        report_drop_cached(p, r); /* expired: computed anew below */
        p->reports[slot] = r = NULL;
    }
    if (!r) {
        r = insights_report_compute(p, kind, interval_days, now_ms);
        if (slot < p->nreports) {
            p->reports[slot] = r;
        } else if (p->nreports < sizeof p->reports / sizeof p->reports[0]) {
            p->reports[p->nreports++] = r;
        } else {
            r->refs--; /* no room to cache (cannot happen: 8 kinds x 3 intervals) */
        }
    }
    __atomic_add_fetch(&r->refs, 1, __ATOMIC_ACQ_REL);
    pthread_mutex_unlock(&p->cache_lock);
    return r;
}

void insights_warm(project_index *p) {
    pthread_mutex_lock(&p->cache_lock);
    ranks_refresh(p, &p->user_ranks, p->nusers, user_id_of);
    ranks_refresh(p, &p->org_ranks, p->norgs, org_id_of);
    pthread_mutex_unlock(&p->cache_lock);
}

const id_ranks *insights_user_ranks(project_index *p) {
    pthread_mutex_lock(&p->cache_lock);
    ranks_refresh(p, &p->user_ranks, p->nusers, user_id_of);
    pthread_mutex_unlock(&p->cache_lock);
    return &p->user_ranks;
}

static void created_days_free(struct created_days *cd);

void insights_cache_clear(project_index *p) {
    for (size_t i = 0; i < p->nreports; i++) report_release(p->reports[i]);
    p->nreports = 0;
    created_days_free(p->created_days);
    p->created_days = NULL;
    if (p->scratch) {
        free(p->scratch->rows);
        free(p->scratch->keys);
        free(p->scratch->tmp);
        free(p->scratch->counts);
        free(p->scratch->digits);
        free(p->scratch);
        p->scratch = NULL;
    }
    if (p->charts) {
        free(p->charts->slots);
        free(p->charts);
        p->charts = NULL;
    }
}

/* ---- charts ---- */

int32_t chart_bucket_start(chart_cadence c, int32_t day) {
    switch (c) {
    case CADENCE_WEEKLY: return time_week_start(day);
    case CADENCE_MONTHLY: return time_month_start(day);
    default: return day;
    }
}

int32_t chart_bucket_next(chart_cadence c, int32_t start) {
    switch (c) {
    case CADENCE_WEEKLY: return start + 7;
    case CADENCE_MONTHLY: return time_month_add(start, 1);
    default: return start + 1;
    }
}

static const roaring_bitmap_t *series_at(const bitmap_series *s, int32_t day) {
    return day >= 0 && day < s->count ? s->items[day] : NULL;
}

/* Make the per-day caches hold index `day`. */
static void member_orgs_reserve(project_index *p, int32_t day) {
    p->member_orgs_valid = xgrow_indexed(p->member_orgs_valid, &p->nmember_orgs_valid, day, 1);
    p->member_orgs.items = xgrow_indexed(p->member_orgs.items, &p->member_orgs.count, day, sizeof(void *));
}

/* Recompute the member orgs of every day at once: one sequential pass over the memberships, walking each member's
 * active days inside the membership. Costs about one bitmap insert per (member, active day), far less than asking
 * each day for its users when many days are stale (after a start, or a burst of membership events). */
static void member_orgs_fill_all(project_index *p) {
    int32_t ndays = p->day_users.count;
    if (ndays <= 0) return;
    member_orgs_reserve(p, ndays - 1);
    for (int32_t d = 0; d < ndays; d++)
        if (p->member_orgs.items[d]) roaring_bitmap_clear(p->member_orgs.items[d]);
    for (uint32_t i = 0; i < p->nmemberships; i++) {
        const membership_rec *m = &p->memberships[i];
        const user_hot *h = &p->hot[m->user];
        if ((h->flags & HOT_DELETED) || !(h->flags & HOT_ACTIVE)) continue;
        uint32_t cursor = 0;
        int64_t s, e;
        while (engine_membership_next_interval(m, &cursor, &s, &e)) {
            for (uint32_t k = 0; k < h->days.count; k++) {
                const active_day *x = &h->days.items[k];
                int64_t a, b, day_start = (int64_t)x->day * DAY_MS;
                if (x->day < 0 || x->day >= ndays || !clip(day_start, day_start + DAY_MS, s, e, &a, &b)) continue;
                if (!active_day_has_time_in(x, a, b)) continue;
                if (!p->member_orgs.items[x->day]) p->member_orgs.items[x->day] = roaring_bitmap_create();
                roaring_bitmap_add(p->member_orgs.items[x->day], m->org);
            }
        }
    }
    for (int32_t d = 0; d < ndays; d++) {
        if (p->member_orgs.items[d]) roaring_bitmap_run_optimize(p->member_orgs.items[d]);
        p->member_orgs_valid[d] = 1;
    }
}

/* Orgs active on `day` through their members (cached per day; cache_lock held). */
static const roaring_bitmap_t *member_orgs_on(project_index *p, int32_t day) {
    const roaring_bitmap_t *users = series_at(&p->day_users, day);
    if (!users) return NULL;
    member_orgs_reserve(p, day);
    if (p->member_orgs_valid[day]) return p->member_orgs.items[day];
    roaring_bitmap_t *orgs = p->member_orgs.items[day];
    if (orgs)
        roaring_bitmap_clear(orgs);
    else
        orgs = p->member_orgs.items[day] = roaring_bitmap_create();
    int64_t day_start = (int64_t)day * DAY_MS, day_end = day_start + DAY_MS;
    roaring_uint32_iterator_t *it = roaring_create_iterator(users);
    for (; it->has_value; roaring_advance_uint32_iterator(it)) {
        const user_rec *u = &p->users[it->current_value];
        const day_list *days = &p->hot[it->current_value].days;
        if (u->deleted) continue;
        for (uint32_t i = 0; i < u->nmemberships; i++) {
            const membership_rec *m = &p->memberships[u->memberships[i]];
            int64_t s, e, a, b;
            uint32_t cursor = 0;
            while (engine_membership_next_interval(m, &cursor, &s, &e)) {
                if (clip(day_start, day_end, s, e, &a, &b) && day_list_any_in(days, a, b)) {
                    roaring_bitmap_add(orgs, m->org);
                    break;
                }
            }
        }
    }
    roaring_free_uint32_iterator(it);
    roaring_bitmap_run_optimize(orgs);
    p->member_orgs_valid[day] = 1;
    return orgs;
}

/* Distinct members of the union of `series` over [from, to) minus `deleted`. */
static int64_t distinct_over(const bitmap_series *series, int32_t from, int32_t to, const roaring_bitmap_t *deleted) {
    if (to - from == 1) {
        const roaring_bitmap_t *b = series_at(series, from);
        if (!b) return 0;
        return (int64_t)(roaring_bitmap_get_cardinality(b) - (deleted ? roaring_bitmap_and_cardinality(b, deleted) : 0));
    }
    const roaring_bitmap_t *parts[400];
    size_t n = 0;
    for (int32_t d = from; d < to && n < 400; d++)
        if (series_at(series, d)) parts[n++] = series_at(series, d);
    if (!n) return 0;
    roaring_bitmap_t *u = roaring_bitmap_or_many(n, parts);
    int64_t c = (int64_t)(roaring_bitmap_get_cardinality(u) - (deleted ? roaring_bitmap_and_cardinality(u, deleted) : 0));
    roaring_bitmap_free(u);
    return c;
}

static int64_t active_orgs_over(project_index *p, int32_t from, int32_t to) {
    roaring_bitmap_t *all = roaring_bitmap_create();
    for (int32_t d = from; d < to; d++) {
        const roaring_bitmap_t *named = series_at(&p->day_orgs, d), *members = member_orgs_on(p, d);
        if (named) roaring_bitmap_or_inplace(all, named);
        if (members) roaring_bitmap_or_inplace(all, members);
    }
    int64_t c = (int64_t)(roaring_bitmap_get_cardinality(all) -
                          (p->deleted_orgs ? roaring_bitmap_and_cardinality(all, p->deleted_orgs) : 0));
    roaring_bitmap_free(all);
    return c;
}

static uint64_t chart_key(chart_metric m, chart_cadence c, int32_t bucket) {
    return ((uint64_t)(m + 1) << 56) | ((uint64_t)(c + 1) << 48) | (uint32_t)bucket;
}

static chart_cache_entry *chart_cache_slot(project_index *p, uint64_t key) {
    struct chart_cache *cc = p->charts;
    if (!cc) cc = p->charts = xcalloc(1, sizeof *cc);
    if ((cc->count + 1) * 10 > cc->cap * 7) {
        if (cc->count > 200000) { /* bounded: start over rather than grow without end */
            memset(cc->slots, 0, cc->cap * sizeof *cc->slots);
            cc->count = 0;
        } else {
            size_t ncap = cc->cap ? cc->cap * 2 : 1024;
            chart_cache_entry *ns = xcalloc(ncap, sizeof *ns);
            for (size_t i = 0; i < cc->cap; i++) {
                if (!cc->slots[i].key) continue;
                size_t k = hash_mix64(cc->slots[i].key) & (ncap - 1);
                while (ns[k].key) k = (k + 1) & (ncap - 1);
                ns[k] = cc->slots[i];
            }
            free(cc->slots);
            cc->slots = ns, cc->cap = ncap;
        }
    }
    size_t k = hash_mix64(key) & (cc->cap - 1);
    while (cc->slots[k].key && cc->slots[k].key != key) k = (k + 1) & (cc->cap - 1);
    if (!cc->slots[k].key) {
        cc->slots[k].key = key;
        cc->slots[k].days_sum = UINT64_MAX; /* never matches */
        cc->count++;
    }
    return &cc->slots[k];
}

static uint64_t days_sum(const project_index *p, int32_t from, int32_t to) {
    uint64_t sum = 0;
    for (int32_t d = from; d < to; d++)
        if (d >= 0 && d < p->nday_version) sum += p->day_version[d];
    return sum;
}

/* Users and orgs (not deleted) by creation day, counted in one pass over the entities and kept until an event
 * changes a creation time or a deleted status (entities_version). Under cache_lock. */
typedef struct created_days {
    uint64_t version;
    int32_t first; /* day of index 0 */
    uint32_t ndays;
    uint32_t *users, *orgs;
} created_days;

static void created_days_free(struct created_days *cd) {
    if (!cd) return;
    free(cd->users), free(cd->orgs), free(cd);
}

static const created_days *created_days_of(project_index *p) {
    created_days *cd = p->created_days;
    if (cd && cd->version == p->entities_version) return cd;
    created_days_free(cd);
    cd = p->created_days = xcalloc(1, sizeof *cd);
    cd->version = p->entities_version;
    int32_t lo = INT32_MAX, hi = INT32_MIN;
    for (uint32_t i = 0; i < p->nusers; i++) {
        if (p->users[i].deleted) continue;
        int32_t d = time_day_of(engine_user_created_ms(p, &p->users[i]));
        lo = d < lo ? d : lo, hi = d > hi ? d : hi;
    }
    for (uint32_t i = 0; i < p->norgs; i++) {
        const org_rec *o = &p->orgs[i];
        if (o->deleted) continue;
        int32_t d = time_day_of(o->has_created ? o->created_ms : o->first_seen_ms);
        lo = d < lo ? d : lo, hi = d > hi ? d : hi;
    }
    if (lo > hi) return cd; /* nothing */
    cd->first = lo, cd->ndays = (uint32_t)(hi - lo + 1);
    cd->users = xcalloc(cd->ndays, sizeof *cd->users);
    cd->orgs = xcalloc(cd->ndays, sizeof *cd->orgs);
    for (uint32_t i = 0; i < p->nusers; i++)
        if (!p->users[i].deleted) cd->users[time_day_of(engine_user_created_ms(p, &p->users[i])) - lo]++;
    for (uint32_t i = 0; i < p->norgs; i++) {
        const org_rec *o = &p->orgs[i];
        if (!o->deleted) cd->orgs[time_day_of(o->has_created ? o->created_ms : o->first_seen_ms) - lo]++;
    }
    return cd;
}

int insights_chart(project_index *p, chart_metric m, chart_cadence c, int32_t start_day, int32_t end_day, int64_t now_ms,
                   chart_point **out, size_t *n) {
    *out = NULL, *n = 0;
    if (start_day > end_day) return -1;
    int32_t first = chart_bucket_start(c, start_day), last = chart_bucket_start(c, end_day);
    size_t count = 0;
    for (int32_t b = first; b <= last; b = chart_bucket_next(c, b)) count++;
    chart_point *pts = xcalloc(count ? count : 1, sizeof *pts);
    int32_t range_end = chart_bucket_next(c, last);
    int64_t *per_day = NULL;
    if (m == CHART_SIGNUPS || m == CHART_ORGS_CREATED) { /* from the per-day counts by creation day */
        per_day = xcalloc((size_t)(range_end - first), sizeof *per_day);
        pthread_mutex_lock(&p->cache_lock);
        const created_days *cd = created_days_of(p);
        const uint32_t *counts = m == CHART_SIGNUPS ? cd->users : cd->orgs;
        for (int32_t d = first; d < range_end; d++) {
            int64_t k = (int64_t)d - cd->first;
            if (k >= 0 && k < (int64_t)cd->ndays) per_day[d - first] = counts[k];
        }
        pthread_mutex_unlock(&p->cache_lock);
    }
    int cached = m == CHART_ACTIVE_USERS || m == CHART_ACTIVE_ORGS;
    if (cached) pthread_mutex_lock(&p->cache_lock);
    if (m == CHART_ACTIVE_ORGS) {
        int32_t stale = 0;
        for (int32_t d = first; d < range_end && stale <= 8; d++)
            stale += series_at(&p->day_users, d) && (d >= p->nmember_orgs_valid || !p->member_orgs_valid[d]);
        if (stale > 8) member_orgs_fill_all(p);
    }
    size_t i = 0;
    for (int32_t b = first; b <= last; b = chart_bucket_next(c, b), i++) {
        int32_t next = chart_bucket_next(c, b);
        chart_point *pt = &pts[i];
        pt->day = b;
        pt->completed = (int64_t)next * DAY_MS <= now_ms;
        if (!cached) {
            for (int32_t d = b; d < next; d++) pt->result += per_day[d - first];
            continue;
        }
        chart_cache_entry *e = chart_cache_slot(p, chart_key(m, c, b));
        uint64_t sum = days_sum(p, b, next);
        if (e->days_sum == sum && e->deleted_version == p->deleted_version) {
            pt->result = e->value;
            continue;
        }
        pt->result = m == CHART_ACTIVE_USERS ? distinct_over(&p->day_users, b, next, p->deleted_users)
                                             : active_orgs_over(p, b, next);
        e->days_sum = sum, e->deleted_version = p->deleted_version, e->value = pt->result;
    }
    if (cached) pthread_mutex_unlock(&p->cache_lock);
    free(per_day);
    *out = pts;
    *n = count;
    return 0;
}
