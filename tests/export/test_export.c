/* tests/export/test_export.c -- unit tests for the interval arithmetic of export/export.h: lengths of the four
** intervals, UTC-aligned boundaries (hours, days, Monday weeks, 5 minutes), a time on a boundary is its own boundary,
** and times before 1970. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "export/export.h"
#include "util/time.h"

static int64_t at(const char *rfc3339) {
    int64_t ms = 0;
    assert_int_equal(time_parse_rfc3339(rfc3339, strlen(rfc3339), &ms), 0);
    return ms;
}

static void interval_lengths_are_the_four_posthog_intervals(void **state) {
    (void)state;
    assert_int_equal(export_interval_ms("hour"), 3600000);
    assert_int_equal(export_interval_ms("day"), 86400000);
    assert_int_equal(export_interval_ms("week"), 7 * 86400000LL);
    assert_int_equal(export_interval_ms("every 5 minutes"), 300000);
    assert_int_equal(export_interval_ms("every 15 minutes"), 0);
    assert_int_equal(export_interval_ms(NULL), 0);
}

static void hours_and_days_align_up_to_utc_boundaries(void **state) {
    (void)state;
    assert_int_equal(export_interval_align_up("hour", at("2026-03-02T10:20:00.001Z")), at("2026-03-02T11:00:00Z"));
    assert_int_equal(export_interval_align_up("day", at("2026-03-02T10:20:00Z")), at("2026-03-03T00:00:00Z"));
    assert_int_equal(export_interval_align_up("every 5 minutes", at("2026-03-02T10:20:00.001Z")),
                     at("2026-03-02T10:25:00Z"));
}

static void a_time_on_a_boundary_is_its_own_boundary(void **state) {
    (void)state;
    assert_int_equal(export_interval_align_up("hour", at("2026-03-02T10:00:00Z")), at("2026-03-02T10:00:00Z"));
    assert_int_equal(export_interval_align_up("week", at("2026-03-02T00:00:00Z")), at("2026-03-02T00:00:00Z"));
}

static void weeks_start_on_monday_utc(void **state) {
    (void)state;
    /* 2026-03-04 is a Wednesday; the next Monday is 2026-03-09 */
    int64_t b = export_interval_align_up("week", at("2026-03-04T12:00:00Z"));
    assert_int_equal(b, at("2026-03-09T00:00:00Z"));
    assert_int_equal(time_iso_weekday(time_day_of(b)), 1);
}

static void boundaries_before_1970_round_up_too(void **state) {
    (void)state;
    assert_int_equal(export_interval_align_up("hour", at("1969-12-31T22:30:00Z")), at("1969-12-31T23:00:00Z"));
    assert_int_equal(export_interval_align_up("week", at("1969-12-30T00:00:00Z")), at("1970-01-05T00:00:00Z"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(interval_lengths_are_the_four_posthog_intervals),
        cmocka_unit_test(hours_and_days_align_up_to_utc_boundaries),
        cmocka_unit_test(a_time_on_a_boundary_is_its_own_boundary),
        cmocka_unit_test(weeks_start_on_monday_utc),
        cmocka_unit_test(boundaries_before_1970_round_up_too),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
