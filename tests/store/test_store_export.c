/* tests/store/test_store_export.c -- unit tests for the batch-export part of the store (store.h, store_sqlite.c):
** export records put/replace/list in creation order per kind and survive a reopen; events read by received-time
** window (found by binary search over seq) land in exactly one of consecutive windows, also across a small backward
** step of the clock and across projects; windows larger than one read page; events read by event time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/event.h"
#include "store/store.h"

typedef struct fixture {
    char dir[64];
    store *s;
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/orgpulse-store-test-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    char err[256];
    if (store_open(f->dir, &f->s, err, sizeof err) != STORE_OK) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    store_close(f->s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0) return -1;
    free(f);
    return 0;
}

/* Append activity events of `project`, one transaction: received_ms[i] and ts_ms[i] (ts NULL: all at ts0). */
static void append_many(store *s, int64_t project, const int64_t *received_ms, const int64_t *ts_ms, int64_t ts0,
                        int n) {
    store_event *evs = calloc((size_t)n, sizeof *evs);
    unsigned char *dup = calloc((size_t)n, 1);
    for (int i = 0; i < n; i++)
        evs[i] = (store_event){.project_id = project, .ts_ms = ts_ms ? ts_ms[i] : ts0, .received_ms = received_ms[i],
                               .type = EV_ACTIVITY, .user_id = "u1", .user_num = -1, .org_num = -1, .team_num = -1};
    assert_int_equal(store_events_append(s, evs, (size_t)n, dup), STORE_OK);
    free(evs);
    free(dup);
}

typedef struct seen {
    int64_t seqs[8192];
    int n;
} seen;

static int collect(void *ctx, const store_event *ev) {
    seen *x = ctx;
    if (x->n < 8192) x->seqs[x->n++] = ev->seq;
    return 0;
}

static int count_window(store *s, int64_t project, int by, int64_t from, int64_t to, seen *x) {
    int before = x->n;
    assert_int_equal(store_export_events(s, project, by, from, to, collect, x), STORE_OK);
    return x->n - before;
}

static int collect_rec(void *ctx, const store_export_rec *r) {
    char *out = ctx;
    strcat(out, r->id);
    strcat(out, "=");
    strcat(out, r->doc);
    strcat(out, ";");
    return 0;
}

static void records_are_replaced_by_id_and_listed_by_creation_per_kind(void **state) {
    fixture *f = *state;
    store_export_rec a = {.kind = STORE_EXPORT_DEF, .id = "b", .project_id = 1, .parent_id = "org", .created_ms = 20,
                          .doc = "{\"v\":1}"};
    assert_int_equal(store_export_put(f->s, &a), STORE_OK);
    store_export_rec b = {.kind = STORE_EXPORT_DEF, .id = "a", .project_id = 1, .parent_id = "org", .created_ms = 10,
                          .doc = "{\"v\":2}"};
    assert_int_equal(store_export_put(f->s, &b), STORE_OK);
    a.doc = "{\"v\":3}";
    assert_int_equal(store_export_put(f->s, &a), STORE_OK);
    store_export_rec run = {.kind = STORE_EXPORT_RUN, .id = "a", .project_id = 1, .parent_id = "b", .created_ms = 5,
                            .doc = "{}"};
    assert_int_equal(store_export_put(f->s, &run), STORE_OK);
    char out[256] = "";
    assert_int_equal(store_export_list(f->s, STORE_EXPORT_DEF, collect_rec, out), STORE_OK);
    assert_string_equal(out, "a={\"v\":2};b={\"v\":3};");
    store_close(f->s);
    char err[256];
    assert_int_equal(store_open(f->dir, &f->s, err, sizeof err), STORE_OK);
    out[0] = 0;
    assert_int_equal(store_export_list(f->s, STORE_EXPORT_RUN, collect_rec, out), STORE_OK);
    assert_string_equal(out, "a={};");
}

static void consecutive_received_windows_hold_each_event_once_even_across_a_clock_step(void **state) {
    fixture *f = *state;
    /* received times rise 1 s apart from t0, except one step back by 3 s (a clock step) in the middle; a second
     * project interleaves */
    const int64_t t0 = 1772445600000; /* 2026-03-02T10:00:00Z */
    int64_t received[300];
    for (int i = 0; i < 300; i++) received[i] = t0 + i * 1000 - (i >= 150 ? 3000 : 0);
    for (int i = 0; i < 300; i += 50) { /* the two projects' seqs interleave */
        append_many(f->s, 1, received + i, NULL, t0 - 86400000, 50);
        append_many(f->s, 2, received + i, NULL, t0 - 86400000, 50);
    }
    seen x = {.n = 0};
    int total = 0;
    for (int64_t from = t0 - 60000; from < t0 + 400000; from += 7000) {
        int got = count_window(f->s, 1, STORE_BY_RECEIVED, from, from + 7000, &x);
        int want = 0;
        for (int i = 0; i < 300; i++) want += received[i] >= from && received[i] < from + 7000;
        assert_int_equal(got, want);
        total += got;
    }
    assert_int_equal(total, 300);
    for (int i = 1; i < x.n; i++)
        for (int k = 0; k < i; k++) assert_true(x.seqs[i] != x.seqs[k]);
}

static void a_window_larger_than_a_read_page_is_read_whole_in_seq_order(void **state) {
    fixture *f = *state;
    const int64_t t0 = 1772445600000;
    static int64_t received[4500];
    for (int i = 0; i < 4500; i++) received[i] = t0 + i;
    append_many(f->s, 1, received, NULL, t0, 4500);
    seen x = {.n = 0};
    assert_int_equal(count_window(f->s, 1, STORE_BY_RECEIVED, t0, t0 + 4500, &x), 4500);
    for (int i = 1; i < x.n; i++) assert_true(x.seqs[i] > x.seqs[i - 1]);
    assert_int_equal(count_window(f->s, 1, STORE_BY_RECEIVED, t0 + 4500, t0 + 9000, &x), 0);
    assert_int_equal(count_window(f->s, 1, STORE_BY_RECEIVED, t0 - 9000, t0, &x), 0);
}

static void event_time_windows_select_by_timestamp_whatever_the_received_time(void **state) {
    fixture *f = *state;
    const int64_t t0 = 1772445600000;
    /* the first happened an hour before it was received */
    const int64_t received[3] = {t0, t0 + 10, t0 + 20}, ts[3] = {t0 - 3600000, t0, t0 + 3600000};
    append_many(f->s, 1, received, ts, 0, 3);
    seen x = {.n = 0};
    assert_int_equal(count_window(f->s, 1, STORE_BY_TIMESTAMP, t0 - 3600000, t0, &x), 1);
    assert_int_equal(count_window(f->s, 1, STORE_BY_TIMESTAMP, t0, t0 + 3600001, &x), 2);
    assert_int_equal(count_window(f->s, 1, STORE_BY_RECEIVED, t0, t0 + 11, &x), 2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(records_are_replaced_by_id_and_listed_by_creation_per_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(consecutive_received_windows_hold_each_event_once_even_across_a_clock_step,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_window_larger_than_a_read_page_is_read_whole_in_seq_order, setup, teardown),
        cmocka_unit_test_setup_teardown(event_time_windows_select_by_timestamp_whatever_the_received_time, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
