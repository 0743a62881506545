/* api_engagement.c: the engagement dashboard family, wire-compatible with Rocket.Chat's
 * /api/v1/engagement-dashboard/users/... (specs/rocketchat.md): active users per day (streamed: at a million users a
 * quarter is hundreds of MB), new users with period and yesterday, users per hour, and the chat-busier hourly and
 * weekly views. Parses start/end with Rocket.Chat's strict rule, calls engine/engagement.c, writes the JSON text.
 * Every 200 body ends with "success":true; errors come from http_error in the family's shape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/render.h"
#include "engine/engagement.h"
#include "util/buf.h"
#include "util/time.h"

#define HOUR_MS 3600000LL

static int32_t hour_of(int64_t ms) { return (int32_t)((ms - ((ms % HOUR_MS) + HOUR_MS) % HOUR_MS) / HOUR_MS); }

/* ---- start / end ---- */

typedef struct window_parse {
    int want_end;
    const char *bad; /* the first key, in the client's order, whose value fails the strict rule */
} window_parse;

static int check_window_key(void *ctx, const char *name, const char *value) {
    window_parse *w = ctx;
    int64_t ms;
    int ours = strcmp(name, "start") == 0 || (w->want_end && strcmp(name, "end") == 0);
    if (ours && time_parse_iso_strict(value, strlen(value), &ms) != 0) {
        w->bad = strcmp(name, "start") == 0 ? "start" : "end";
        return 1;
    }
    return 0;
}

/* Rocket.Chat's check(queryParams, Match.ObjectIncluding({start, end})): the parameters are looked at in the order
 * sent (a malformed one is reported first), then a missing key (start before end); others are ignored. Returns 0 with
 * the instants, or -1 after answering 400. */
static int parse_window(http_request *req, int want_end, int64_t *start, int64_t *end) {
    window_parse w = {want_end, NULL};
    char msg[96];
    if (http_query_each(req, check_window_key, &w)) {
        snprintf(msg, sizeof msg, "Match error: Failed Match.Where validation in field %s", w.bad);
        return http_error(req, 400, w.bad, msg), -1;
    }
    const char *names[2] = {"start", "end"};
    for (int i = 0; i < 1 + want_end; i++) {
        if (!http_query(req, names[i])) {
            snprintf(msg, sizeof msg, "Match error: Missing key '%s'", names[i]);
            return http_error(req, 400, names[i], msg), -1;
        }
    }
    const char *s = http_query(req, "start");
    time_parse_iso_strict(s, strlen(s), start);
    if (want_end) {
        const char *e = http_query(req, "end");
        time_parse_iso_strict(e, strlen(e), end);
    }
    return 0;
}

/* ---- rendering ---- */

static project_index *project_of(http_request *req) { return engine_project(req->app->engine, req->caller.project_id, 0); }

/* `"day":d,"month":m,"year":y` of a day number. */
static void text_civil(buf *b, int32_t day) {
    int y, m, d;
    time_civil_from_days(day, &y, &m, &d);
    render_text_key(b, "day"), render_text_int(b, d), buf_append_char(b, ',');
    render_text_key(b, "month"), render_text_int(b, m), buf_append_char(b, ',');
    render_text_key(b, "year"), render_text_int(b, y);
}

/* Finish a body opened with `{"key":[`, and send it. */
static int respond_list(http_request *req, buf *b) {
    buf_append_str(b, "],\"success\":true}");
    size_t len;
    char *text = buf_detach(b, &len);
    return http_respond(req, 200, "application/json", text, len);
}

static void open_list(buf *b, const char *key) {
    buf_append_char(b, '{');
    render_text_key(b, key);
    buf_append_char(b, '[');
}

/* ---- active-users: streamed, one read lock per piece ---- */

#define ACTIVE_PIECE_BYTES (256 * 1024)

typedef struct active_stream {
    project_index *p; /* NULL: the project has no index yet (an empty answer) */
    int32_t day, first_day; /* the next day to look at, going down to first_day */
    int32_t cur_day;        /* the day being written, when users */
    uint32_t *users, n, pos;
    int opened, items;
} active_stream;

static void active_done(void *ctx) {
    active_stream *st = ctx;
    free(st->users);
    free(st);
}

/* Write ids of the current day into out until the piece is full; closes the day's object when its ids are done. */
static void active_write_ids(active_stream *st, buf *out) {
    const project_index *p = st->p;
    enum { GROUP = 32 };
    while (st->pos < st->n && out->len < ACTIVE_PIECE_BYTES) {
        /* the ids are scattered over a million user records and their strings: ask for a group of them at once
         * (each a cache and TLB miss), then write them (the profile was 80% waiting on these loads one by one) */
        uint32_t k = st->n - st->pos < GROUP ? st->n - st->pos : GROUP;
        const char *ids[GROUP];
        for (uint32_t i = 0; i < k; i++) __builtin_prefetch(&p->users[st->users[st->pos + i]].id);
        for (uint32_t i = 0; i < k; i++) __builtin_prefetch(ids[i] = p->users[st->users[st->pos + i]].id);
        for (uint32_t i = 0; i < k; i++) {
            if (st->pos) buf_append_char(out, ',');
            render_text_string(out, ids[i]);
            st->pos++;
        }
    }
    if (st->pos < st->n) return;
    buf_append_str(out, "],");
    render_text_key(out, "users"), render_text_int(out, st->n), buf_append_char(out, ',');
    text_civil(out, st->cur_day);
    buf_append_char(out, '}');
    free(st->users);
    st->users = NULL, st->n = 0, st->pos = 0;
}

static int active_next(void *ctx, buf *out) {
    active_stream *st = ctx;
    if (!st->opened) open_list(out, "month"), st->opened = 1;
    int more = 1;
    if (st->p) pthread_rwlock_rdlock(&st->p->lock);
    while (out->len < ACTIVE_PIECE_BYTES) {
        if (!st->users) {
            while (st->p && st->day >= st->first_day && !st->users) {
                st->cur_day = st->day--;
                engine_engagement_day_users(st->p, st->cur_day, &st->users, &st->n);
            }
            if (!st->users) {
                buf_append_str(out, "],\"success\":true}");
                more = 0;
                break;
            }
            if (st->items++) buf_append_char(out, ',');
            buf_append_char(out, '{');
            render_text_key(out, "usersList");
            buf_append_char(out, '[');
        }
        active_write_ids(st, out);
    }
    if (st->p) pthread_rwlock_unlock(&st->p->lock);
    return more;
}

int api_engagement_active_users(http_request *req) {
    int64_t start, end;
    if (parse_window(req, 1, &start, &end) != 0) return 0;
    active_stream *st = xcalloc(1, sizeof *st);
    st->p = project_of(req);
    st->first_day = time_day_of(start), st->day = time_day_of(end);
    if (st->p) {
        int32_t days, hours;
        pthread_rwlock_rdlock(&st->p->lock);
        engine_engagement_extent(st->p, &days, &hours);
        pthread_rwlock_unlock(&st->p->lock);
        if (st->first_day < 0) st->first_day = 0;
        if (st->day > days - 1) st->day = days - 1;
    }
    return http_respond_stream(req, 200, "application/json", active_next, active_done, st);
}

/* ---- new-users ---- */

typedef struct signups {
    int32_t from, to; /* the days counted; outside, 0 */
    int64_t *per_day;
} signups;

static int64_t signups_on(const signups *s, int32_t day) {
    return s->per_day && day >= s->from && day <= s->to ? s->per_day[day - s->from] : 0;
}

static int64_t signups_between(const signups *s, int32_t from, int32_t to) {
    int64_t sum = 0;
    if (from < s->from) from = s->from;
    if (to > s->to) to = s->to;
    for (int32_t d = from; d <= to; d++) sum += signups_on(s, d);
    return sum;
}

static void text_count_variation(buf *b, const char *key, int64_t count, int64_t variation) {
    render_text_key(b, key);
    buf_append_char(b, '{');
    render_text_key(b, "count"), render_text_int(b, count), buf_append_char(b, ',');
    render_text_key(b, "variation"), render_text_int(b, variation);
    buf_append_char(b, '}');
}

int api_engagement_new_users(http_request *req) {
    int64_t start, end;
    if (parse_window(req, 1, &start, &end) != 0) return 0;
    int32_t first = time_day_of(start), last = time_day_of(end);
    int32_t n = last - first + 1; /* N: the window's days; the previous window is the N days before it */
    signups s = {n > 0 ? first - n : last - 1, last, NULL};
    if (s.from > last - 1) s.from = last - 1;
    int32_t today = time_day_of(time_now_ms());
    if (s.from < 0) s.from = 0;
    if (s.to > today + 1) s.to = today + 1; /* no event is later than a day after now */
    project_index *p = project_of(req);
    if (p && s.from <= s.to) {
        pthread_rwlock_rdlock(&p->lock);
        engine_engagement_signups(p, s.from, s.to, &s.per_day);
        pthread_rwlock_unlock(&p->lock);
    }
    buf b;
    buf_init(&b);
    open_list(&b, "days");
    int items = 0;
    for (int32_t d = last < s.to ? last : s.to; n > 0 && d >= first && d >= s.from; d--) {
        int64_t c = signups_on(&s, d);
        if (!c) continue;
        if (items++) buf_append_char(&b, ',');
        buf_append_char(&b, '{');
        char midnight[TIME_FORMAT_MAX];
        time_format_rfc3339_ms((int64_t)d * TIME_MS_PER_DAY, midnight);
        render_text_key(&b, "day"), render_text_string(&b, midnight), buf_append_char(&b, ',');
        render_text_key(&b, "users"), render_text_int(&b, c);
        buf_append_char(&b, '}');
    }
    int64_t count = n > 0 ? signups_between(&s, first, last) : 0;
    int64_t before = n > 0 ? signups_between(&s, first - n, first - 1) : 0;
    int64_t yesterday = signups_on(&s, last - 1);
    buf_append_str(&b, "],");
    text_count_variation(&b, "period", count, count - before);
    buf_append_char(&b, ',');
    text_count_variation(&b, "yesterday", yesterday, signups_on(&s, last) - yesterday);
    buf_append_str(&b, ",\"success\":true}");
    free(s.per_day);
    size_t len;
    char *text = buf_detach(&b, &len);
    return http_respond(req, 200, "application/json", text, len);
}

/* ---- users by hour, chat-busier ---- */

int api_engagement_users_by_hour(http_request *req) {
    int64_t start, end;
    if (parse_window(req, 1, &start, &end) != 0) return 0;
    buf b;
    buf_init(&b);
    open_list(&b, "week");
    project_index *p = project_of(req);
    if (p) {
        pthread_rwlock_rdlock(&p->lock);
        int32_t days, hours;
        engine_engagement_extent(p, &days, &hours);
        int32_t first = hour_of(start), h = hour_of(end);
        if (first < 0) first = 0;
        if (h > hours - 1) h = hours - 1;
        for (int items = 0; h >= first; h--) {
            uint64_t c = engine_engagement_hour_count(p, h);
            if (!c) continue;
            if (items++) buf_append_char(&b, ',');
            buf_append_char(&b, '{');
            render_text_key(&b, "users"), render_text_int(&b, (int64_t)c), buf_append_char(&b, ',');
            render_text_key(&b, "hour"), render_text_int(&b, h % 24), buf_append_char(&b, ',');
            text_civil(&b, h / 24);
            buf_append_char(&b, '}');
        }
        pthread_rwlock_unlock(&p->lock);
    }
    return respond_list(req, &b);
}

int api_engagement_busier_hourly(http_request *req) {
    int64_t start;
    if (parse_window(req, 0, &start, NULL) != 0) return 0;
    uint64_t buckets[12] = {0}, any = 0;
    project_index *p = project_of(req);
    if (p) {
        pthread_rwlock_rdlock(&p->lock);
        engine_engagement_hour_buckets(p, start - 24 * HOUR_MS, start + 1, buckets); /* [start - 24 h, start] */
        pthread_rwlock_unlock(&p->lock);
    }
    for (int k = 0; k < 12; k++) any |= buckets[k];
    buf b;
    buf_init(&b);
    open_list(&b, "hours");
    for (int k = 11; any && k >= 0; k--) {
        if (k < 11) buf_append_char(&b, ',');
        buf_append_char(&b, '{');
        render_text_key(&b, "users"), render_text_int(&b, (int64_t)buckets[k]), buf_append_char(&b, ',');
        render_text_key(&b, "hour"), render_text_int(&b, 2 * k);
        buf_append_char(&b, '}');
    }
    return respond_list(req, &b);
}

int api_engagement_busier_weekly(http_request *req) {
    int64_t start;
    if (parse_window(req, 0, &start, NULL) != 0) return 0;
    buf b;
    buf_init(&b);
    open_list(&b, "month");
    project_index *p = project_of(req);
    if (p) {
        int32_t last = time_day_of(start);
        pthread_rwlock_rdlock(&p->lock);
        for (int32_t d = last, items = 0; d >= last - 7; d--) {
            uint64_t c = engine_engagement_day_count(p, d);
            if (!c) continue;
            if (items++) buf_append_char(&b, ',');
            buf_append_char(&b, '{');
            render_text_key(&b, "users"), render_text_int(&b, (int64_t)c), buf_append_char(&b, ',');
            text_civil(&b, d);
            buf_append_char(&b, '}');
        }
        pthread_rwlock_unlock(&p->lock);
    }
    return respond_list(req, &b);
}
