/* engagement.c: the engagement dashboard's computations (see engagement.h): day and hour bitmaps of index.h read
 * without the deleted users, day members put in id order through the id ranks insights.c keeps, and signups per day
 * from the Insights signups chart. Reads index.h only: never the store, HTTP or JSON. */
#include "engine/engagement.h"

#include <stdlib.h>

#include "engine/insights.h"
#include "util/buf.h"
#include "util/time.h"

static const roaring_bitmap_t *slot_of(const bitmap_series *s, int32_t i) {
    return i >= 0 && i < s->count ? s->items[i] : NULL;
}

void engine_engagement_extent(const project_index *p, int32_t *days, int32_t *hours) {
    *days = p->day_users.count;
    *hours = p->hour_users.count;
}

static uint64_t count_listed(const project_index *p, const roaring_bitmap_t *b) {
    if (!b) return 0;
    return p->deleted_users ? roaring_bitmap_andnot_cardinality(b, p->deleted_users) : roaring_bitmap_get_cardinality(b);
}

uint64_t engine_engagement_day_count(const project_index *p, int32_t day) {
    return count_listed(p, slot_of(&p->day_users, day));
}

uint64_t engine_engagement_hour_count(const project_index *p, int32_t hour) {
    return count_listed(p, slot_of(&p->hour_users, hour));
}

int engine_engagement_day_users(project_index *p, int32_t day, uint32_t **out, uint32_t *n) {
    *out = NULL, *n = 0;
    const roaring_bitmap_t *b = slot_of(&p->day_users, day);
    if (!b || count_listed(p, b) == 0) return 0;
    const id_ranks *ranks = insights_user_ranks(p);
    /* the members' id ranks, gathered in a bitmap, come out sorted: rank order is id order */
    roaring_bitmap_t *by_rank = roaring_bitmap_create();
    roaring_uint32_iterator_t *it = roaring_create_iterator(b);
    uint32_t chunk[4096];
    for (;;) {
        uint32_t got = roaring_read_uint32_iterator(it, chunk, 4096), k = 0;
        for (uint32_t i = 0; i < got; i++)
            if (!p->deleted_users || !roaring_bitmap_contains(p->deleted_users, chunk[i])) chunk[k++] = ranks->rank[chunk[i]];
        roaring_bitmap_add_many(by_rank, k, chunk);
        if (got < 4096) break;
    }
    roaring_free_uint32_iterator(it);
    uint64_t count = roaring_bitmap_get_cardinality(by_rank);
    uint32_t *users = xmalloc((size_t)(count ? count : 1) * sizeof *users);
    roaring_bitmap_to_uint32_array(by_rank, users);
    roaring_bitmap_free(by_rank);
    for (uint64_t i = 0; i < count; i++) users[i] = ranks->order[users[i]];
    *out = users;
    *n = (uint32_t)count;
    return 0;
}

void engine_engagement_hour_buckets(const project_index *p, int64_t a_ms, int64_t b_ms, uint64_t out[12]) {
    const int64_t H = TIME_MS_PER_HOUR;
    roaring_bitmap_t *bucket[12];
    for (int k = 0; k < 12; k++) bucket[k] = roaring_bitmap_create();
    if (a_ms < 0) a_ms = 0; /* no activity before 1970 */
    for (int64_t h = a_ms / H; a_ms < b_ms && h <= (b_ms - 1) / H; h++) {
        int64_t lo = h * H > a_ms ? h * H : a_ms, hi = (h + 1) * H < b_ms ? (h + 1) * H : b_ms;
        roaring_bitmap_t *u = insights_users_active_between(p, lo, hi);
        roaring_bitmap_or_inplace(bucket[(h % 24) / 2], u);
        roaring_bitmap_free(u);
    }
    for (int k = 0; k < 12; k++) {
        out[k] = count_listed(p, bucket[k]);
        roaring_bitmap_free(bucket[k]);
    }
}

int engine_engagement_signups(project_index *p, int32_t from_day, int32_t to_day, int64_t **out) {
    *out = NULL;
    chart_point *pts;
    size_t n;
    if (from_day > to_day || insights_chart(p, CHART_SIGNUPS, CADENCE_DAILY, from_day, to_day, 0, &pts, &n) != 0)
        return -1;
    int64_t *per_day = xcalloc(n ? n : 1, sizeof *per_day);
    for (size_t i = 0; i < n; i++) per_day[pts[i].day - from_day] = pts[i].result;
    free(pts);
    *out = per_day;
    return 0;
}
