/* tests/http/test_params.c -- unit tests for the value checks of http/params.h that the usage-metrics family words
** in Zod's terms: integers written as JavaScript numbers, booleans, date-times (and dates where allowed), YYYY-MM
** months and choices. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/params.h"
#include "util/time.h"

static void integers_accept_javascript_number_notation_when_whole(void **state) {
    (void)state;
    long x = -1;
    assert_int_equal(param_check_integer("12", 0, 1000, &x), PARAM_OK);
    assert_int_equal(x, 12);
    assert_int_equal(param_check_integer("1e3", 0, 1000, &x), PARAM_OK);
    assert_int_equal(x, 1000);
    assert_int_equal(param_check_integer("2.0", 0, 1000, &x), PARAM_OK);
    assert_int_equal(x, 2);
    assert_int_equal(param_check_integer("1.5", 0, 1000, &x), PARAM_NOT_INTEGER);
    assert_int_equal(param_check_integer("-1", 0, 1000, &x), PARAM_TOO_SMALL);
    assert_int_equal(param_check_integer("1001", 0, 1000, &x), PARAM_TOO_LARGE);
    assert_int_equal(param_check_integer("1e400", 0, 1000, &x), PARAM_NOT_NUMBER);
}

static void integers_reject_what_is_not_a_number(void **state) {
    (void)state;
    long x;
    const char *bad[] = {"", "abc", "nan", "inf", "0x10", " 5", "5 ", "1,000", "--1", "."};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(param_check_integer(bad[i], 0, 1000, &x), PARAM_NOT_NUMBER);
}

static void booleans_are_true_or_false_exactly(void **state) {
    (void)state;
    int b = -1;
    assert_int_equal(param_check_boolean("true", &b), PARAM_OK);
    assert_int_equal(b, 1);
    assert_int_equal(param_check_boolean("false", &b), PARAM_OK);
    assert_int_equal(b, 0);
    assert_int_equal(param_check_boolean("True", &b), PARAM_NOT_BOOLEAN);
    assert_int_equal(param_check_boolean("1", &b), PARAM_NOT_BOOLEAN);
}

static void times_are_rfc3339_and_dates_only_where_allowed(void **state) {
    (void)state;
    int64_t t;
    assert_int_equal(param_check_time("2026-01-05T00:00:00+02:00", 0, &t), PARAM_OK);
    assert_true(t == (int64_t)time_days_from_civil(2026, 1, 4) * TIME_MS_PER_DAY + 22 * 3600000LL);
    assert_int_equal(param_check_time("2026-01-05", 0, &t), PARAM_NOT_DATETIME);
    assert_int_equal(param_check_time("2026-01-05", 1, &t), PARAM_OK);
    assert_true(t == (int64_t)time_days_from_civil(2026, 1, 5) * TIME_MS_PER_DAY);
    assert_int_equal(param_check_time("2026-02-30", 1, &t), PARAM_NOT_DATETIME);
}

static void months_are_yyyy_mm(void **state) {
    (void)state;
    int32_t d;
    assert_int_equal(param_check_month("2025-01", &d), PARAM_OK);
    assert_int_equal(d, time_days_from_civil(2025, 1, 1));
    assert_int_equal(param_check_month("2025-1", &d), PARAM_NOT_MONTH);
    assert_int_equal(param_check_month("2025-13", &d), PARAM_NOT_MONTH);
    assert_int_equal(param_check_month("2025-01-01", &d), PARAM_NOT_MONTH);
}

static void choices_match_exactly(void **state) {
    (void)state;
    static const char *const values[] = {"all", "daily", NULL};
    int i = -1;
    assert_int_equal(param_check_choice("daily", values, &i), PARAM_OK);
    assert_int_equal(i, 1);
    assert_int_equal(param_check_choice("Daily", values, &i), PARAM_NOT_CHOICE);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(integers_accept_javascript_number_notation_when_whole),
        cmocka_unit_test(integers_reject_what_is_not_a_number),
        cmocka_unit_test(booleans_are_true_or_false_exactly),
        cmocka_unit_test(times_are_rfc3339_and_dates_only_where_allowed),
        cmocka_unit_test(months_are_yyyy_mm),
        cmocka_unit_test(choices_match_exactly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
