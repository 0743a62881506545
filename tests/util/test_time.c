/* tests/util/test_time.c -- unit tests for util/time.h: RFC 3339 parsing (zones, offsets, fractions, case, leap
** seconds, calendar validity, strictness), the three formatters, civil <-> day-number conversions checked against an
** independent day walk and libc's timegm/gmtime for every day from 1970 to 2100, negative instants, ISO weekdays and
** weeks (year boundaries included), month_start and month_add, and the strict YYYY-MM-DD / YYYY-MM parsers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/time.h"

/* ---- helpers ---- */

/* The instant of a UTC civil time, computed by libc (an oracle independent of time.c). */
static int64_t utc_ms(int y, int mo, int d, int h, int mi, int s, int ms) {
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return (int64_t)timegm(&tm) * 1000 + ms;
}

static int parse(const char *s, int64_t *out) { return time_parse_rfc3339(s, strlen(s), out); }

static int rejects(const char *s) {
    int64_t ms = 12345;
    return parse(s, &ms) == -1;
}

static int32_t day_of(int y, int m, int d) { return time_days_from_civil(y, m, d); }

static int is_leap_year(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int month_length(int y, int m) {
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap_year(y) ? 29 : len[m - 1];
}

static void assert_civil(int32_t day, int y, int m, int d) {
    int yy = 0, mm = 0, dd = 0;
    time_civil_from_days(day, &yy, &mm, &dd);
    assert_int_equal(yy, y);
    assert_int_equal(mm, m);
    assert_int_equal(dd, d);
}

static void assert_iso_week(int y, int m, int d, int want_year, int want_week) {
    int iy = 0, iw = 0;
    time_iso_week(day_of(y, m, d), &iy, &iw);
    assert_int_equal(iy, want_year);
    assert_int_equal(iw, want_week);
}

/* ---- RFC 3339 parsing: accepted forms ---- */

static void parse_accepts_utc_with_z(void **state) {
    (void)state;
    int64_t ms = 0;
    assert_int_equal(parse("2026-01-05T14:48:00Z", &ms), 0);
    assert_int_equal(ms, 1767624480000LL);
    assert_int_equal(ms, utc_ms(2026, 1, 5, 14, 48, 0, 0));
}

static void parse_accepts_the_epoch(void **state) {
    (void)state;
    int64_t ms = -1;
    assert_int_equal(parse("1970-01-01T00:00:00Z", &ms), 0);
    assert_int_equal(ms, 0);
}

static void parse_subtracts_a_positive_offset(void **state) {
    (void)state;
    int64_t ms = 0;
    assert_int_equal(parse("2026-01-05T14:48:00+02:00", &ms), 0);
    assert_int_equal(ms, utc_ms(2026, 1, 5, 12, 48, 0, 0));
}

static void parse_adds_a_negative_offset_with_minutes(void **state) {
    (void)state;
    int64_t ms = 0;
    assert_int_equal(parse("2026-01-05T10:00:00-05:30", &ms), 0);
    assert_int_equal(ms, utc_ms(2026, 1, 5, 15, 30, 0, 0));
}

static void parse_offset_can_cross_midnight_into_the_previous_year(void **state) {
    (void)state;
    int64_t ms = 0;
    assert_int_equal(parse("2026-01-01T01:00:00+02:00", &ms), 0);
    assert_int_equal(ms, utc_ms(2025, 12, 31, 23, 0, 0, 0));
}

static void parse_treats_zero_offset_like_z(void **state) {
    (void)state;
    int64_t a = 0, b = 1, c = 2;
    assert_int_equal(parse("2026-01-05T14:48:00Z", &a), 0);
    assert_int_equal(parse("2026-01-05T14:48:00+00:00", &b), 0);
    assert_int_equal(parse("2026-01-05T14:48:00-00:00", &c), 0);
    assert_int_equal(a, b);
    assert_int_equal(a, c);
}

static void parse_reads_one_fraction_digit_as_tenths(void **state) {
    (void)state;
    int64_t ms = 0;
    assert_int_equal(parse("2026-01-05T14:48:00.1Z", &ms), 0);
    assert_int_equal(ms, utc_ms(2026, 1, 5, 14, 48, 0, 100));
}

static void parse_reads_two_fraction_digits_as_hundredths(void **state) {
    (void)state;
    int64_t ms = 0;
    assert_int_equal(parse("2026-01-05T14:48:00.12Z", &ms), 0);
    assert_int_equal(ms, utc_ms(2026, 1, 5, 14, 48, 0, 120));
}

static void parse_reads_three_fraction_digits_as_milliseconds(void **state) {
    (void)state;
    int64_t ms = 0;
    assert_int_equal(parse("2026-01-05T14:48:00.123Z", &ms), 0);
    assert_int_equal(ms, utc_ms(2026, 1, 5, 14, 48, 0, 123));
}

static void parse_truncates_microseconds_to_milliseconds(void **state) {
    (void)state;
    int64_t ms = 0;
    assert_int_equal(parse("2026-01-05T14:48:00.123456Z", &ms), 0);
    assert_int_equal(ms, utc_ms(2026, 1, 5, 14, 48, 0, 123));
}

static void parse_truncates_rather_than_rounds_nanoseconds(void **state) {
    (void)state;
    int64_t ms = 0;
    assert_int_equal(parse("2026-01-05T14:48:00.999999999Z", &ms), 0);
    assert_int_equal(ms, utc_ms(2026, 1, 5, 14, 48, 0, 999));
}

static void parse_combines_fraction_and_offset(void **state) {
    (void)state;
    int64_t ms = 0;
    assert_int_equal(parse("2026-01-05T14:48:00.123+02:00", &ms), 0);
    assert_int_equal(ms, utc_ms(2026, 1, 5, 12, 48, 0, 123));
}

static void parse_accepts_lowercase_t_and_z(void **state) {
    (void)state;
    int64_t lower = 0, upper = 1;
    assert_int_equal(parse("2026-01-05t14:48:00z", &lower), 0);
    assert_int_equal(parse("2026-01-05T14:48:00Z", &upper), 0);
    assert_int_equal(lower, upper);
}

static void parse_accepts_a_space_separator(void **state) {
    (void)state;
    int64_t ms = 0;
    assert_int_equal(parse("2026-01-05 14:48:00Z", &ms), 0);
    assert_int_equal(ms, utc_ms(2026, 1, 5, 14, 48, 0, 0));
}

static void parse_accepts_a_leap_second(void **state) {
    (void)state;
    int64_t ms = 0;
    assert_int_equal(parse("2016-12-31T23:59:60Z", &ms), 0);
    /* folded into the last second of the day: it stays on 2016-12-31 */
    assert_int_equal(time_day_of(ms), day_of(2016, 12, 31));
    assert_true(ms >= utc_ms(2016, 12, 31, 23, 59, 59, 0));
    assert_true(ms < utc_ms(2017, 1, 1, 0, 0, 0, 0));
}

static void parse_accepts_february_29_in_a_leap_year(void **state) {
    (void)state;
    int64_t ms = 0;
    assert_int_equal(parse("2024-02-29T00:00:00Z", &ms), 0);
    assert_int_equal(ms, utc_ms(2024, 2, 29, 0, 0, 0, 0));
}

static void parse_accepts_february_29_2000_a_400_year_leap_year(void **state) {
    (void)state;
    int64_t ms = 0;
    assert_int_equal(parse("2000-02-29T00:00:00Z", &ms), 0);
    assert_int_equal(ms, 951782400000LL);
}

static void parse_accepts_the_last_second_of_a_day(void **state) {
    (void)state;
    int64_t ms = 0;
    assert_int_equal(parse("2026-12-31T23:59:59.999Z", &ms), 0);
    assert_int_equal(ms, utc_ms(2026, 12, 31, 23, 59, 59, 999));
}

static void parse_ignores_bytes_beyond_len(void **state) {
    (void)state;
    const char *s = "2026-01-05T14:48:00Zgarbage";
    int64_t ms = 0;
    assert_int_equal(time_parse_rfc3339(s, 20, &ms), 0);
    assert_int_equal(ms, utc_ms(2026, 1, 5, 14, 48, 0, 0));
}

/* ---- RFC 3339 parsing: rejected forms ---- */

static void parse_rejects_a_missing_zone(void **state) {
    (void)state;
    assert_true(rejects("2026-01-05T14:48:00"));
    assert_true(rejects("2026-01-05T14:48:00.123"));
}

static void parse_rejects_month_13(void **state) {
    (void)state;
    assert_true(rejects("2026-13-01T00:00:00Z"));
}

static void parse_rejects_month_00_and_day_00(void **state) {
    (void)state;
    assert_true(rejects("2026-00-10T00:00:00Z"));
    assert_true(rejects("2026-01-00T00:00:00Z"));
}

static void parse_rejects_february_30(void **state) {
    (void)state;
    assert_true(rejects("2024-02-30T00:00:00Z"));
}

static void parse_rejects_april_31(void **state) {
    (void)state;
    assert_true(rejects("2026-04-31T00:00:00Z"));
}

static void parse_rejects_february_29_in_a_common_year(void **state) {
    (void)state;
    assert_true(rejects("2023-02-29T00:00:00Z"));
    assert_true(rejects("2026-02-29T00:00:00Z"));
}

static void parse_rejects_february_29_1900_a_century_common_year(void **state) {
    (void)state;
    assert_true(rejects("1900-02-29T00:00:00Z"));
    assert_true(rejects("2100-02-29T00:00:00Z"));
}

static void parse_rejects_out_of_range_clock_fields(void **state) {
    (void)state;
    assert_true(rejects("2026-01-05T24:00:00Z"));
    assert_true(rejects("2026-01-05T14:60:00Z"));
    assert_true(rejects("2026-01-05T14:48:61Z"));
}

static void parse_rejects_trailing_garbage(void **state) {
    (void)state;
    assert_true(rejects("2026-01-05T14:48:00Zx"));
    assert_true(rejects("2026-01-05T14:48:00Z "));
    assert_true(rejects("2026-01-05T14:48:00+02:00:00"));
    assert_true(rejects("2026-01-05T14:48:00+02:001"));
}

static void parse_rejects_leading_whitespace(void **state) {
    (void)state;
    assert_true(rejects(" 2026-01-05T14:48:00Z"));
}

static void parse_rejects_the_empty_string(void **state) {
    (void)state;
    int64_t ms = 77;
    assert_int_equal(time_parse_rfc3339("", 0, &ms), -1);
    assert_int_equal(ms, 77);
}

static void parse_rejects_a_date_without_time(void **state) {
    (void)state;
    assert_true(rejects("2026-01-05"));
    assert_true(rejects("2026-01-05T"));
    assert_true(rejects("2026-01-05T14:48Z"));
}

static void parse_rejects_a_dot_without_fraction_digits(void **state) {
    (void)state;
    assert_true(rejects("2026-01-05T14:48:00.Z"));
}

static void parse_rejects_malformed_offsets(void **state) {
    (void)state;
    assert_true(rejects("2026-01-05T14:48:00+0200"));
    assert_true(rejects("2026-01-05T14:48:00+2:00"));
    assert_true(rejects("2026-01-05T14:48:00+02"));
    assert_true(rejects("2026-01-05T14:48:00+24:00"));
    assert_true(rejects("2026-01-05T14:48:00+02:60"));
}

static void parse_rejects_short_or_signed_fields(void **state) {
    (void)state;
    assert_true(rejects("26-01-05T14:48:00Z"));
    assert_true(rejects("2026-1-05T14:48:00Z"));
    assert_true(rejects("2026-01-5T14:48:00Z"));
    assert_true(rejects("2026-01-05T4:48:00Z"));
    assert_true(rejects("+2026-01-05T14:48:00Z"));
    assert_true(rejects("2026/01/05T14:48:00Z"));
}

static void parse_rejects_a_string_cut_short_by_len(void **state) {
    (void)state;
    const char *s = "2026-01-05T14:48:00Z";
    int64_t ms = 0;
    for (size_t len = 0; len < strlen(s); len++) assert_int_equal(time_parse_rfc3339(s, len, &ms), -1);
}

/* ---- formatting ---- */

static void format_rfc3339_ms_always_writes_three_fraction_digits(void **state) {
    (void)state;
    char out[TIME_FORMAT_MAX];
    time_format_rfc3339_ms(utc_ms(2026, 1, 5, 14, 48, 0, 0), out);
    assert_string_equal(out, "2026-01-05T14:48:00.000Z");
    time_format_rfc3339_ms(utc_ms(2026, 1, 5, 14, 48, 0, 7), out);
    assert_string_equal(out, "2026-01-05T14:48:00.007Z");
    time_format_rfc3339_ms(utc_ms(2026, 1, 5, 14, 48, 0, 123), out);
    assert_string_equal(out, "2026-01-05T14:48:00.123Z");
}

static void format_rfc3339_drops_milliseconds(void **state) {
    (void)state;
    char out[TIME_FORMAT_MAX];
    time_format_rfc3339(utc_ms(2026, 1, 5, 14, 48, 0, 999), out);
    assert_string_equal(out, "2026-01-05T14:48:00Z");
}

static void format_rfc3339_trim_keeps_at_most_the_digits_asked_without_trailing_zeros(void **state) {
    (void)state;
    char out[TIME_FORMAT_MAX];
    time_format_rfc3339_trim(utc_ms(2026, 2, 23, 0, 0, 0, 0), 3, out);
    assert_string_equal(out, "2026-02-23T00:00:00Z");
    time_format_rfc3339_trim(utc_ms(2026, 2, 23, 0, 0, 0, 500), 3, out);
    assert_string_equal(out, "2026-02-23T00:00:00.5Z");
    time_format_rfc3339_trim(utc_ms(2025, 2, 24, 10, 15, 30, 567), 2, out);
    assert_string_equal(out, "2025-02-24T10:15:30.56Z");
    time_format_rfc3339_trim(utc_ms(2025, 2, 24, 10, 15, 30, 567), 3, out);
    assert_string_equal(out, "2025-02-24T10:15:30.567Z");
    time_format_rfc3339_trim(utc_ms(2025, 2, 24, 10, 15, 30, 7), 2, out);
    assert_string_equal(out, "2025-02-24T10:15:30Z");
    time_format_rfc3339_trim(utc_ms(2025, 2, 24, 10, 15, 30, 999), 0, out);
    assert_string_equal(out, "2025-02-24T10:15:30Z");
}

static void format_rfc3339_of_the_epoch(void **state) {
    (void)state;
    char out[TIME_FORMAT_MAX];
    time_format_rfc3339(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
}

static void format_date_pads_month_and_day(void **state) {
    (void)state;
    char out[TIME_FORMAT_MAX];
    time_format_date(day_of(2026, 1, 5), out);
    assert_string_equal(out, "2026-01-05");
    time_format_date(0, out);
    assert_string_equal(out, "1970-01-01");
    time_format_date(day_of(2100, 12, 31), out);
    assert_string_equal(out, "2100-12-31");
}

static void format_rfc3339_ms_of_a_negative_instant_is_before_the_epoch(void **state) {
    (void)state;
    char out[TIME_FORMAT_MAX];
    time_format_rfc3339_ms(-1, out);
    assert_string_equal(out, "1969-12-31T23:59:59.999Z");
    time_format_rfc3339(-1000, out);
    assert_string_equal(out, "1969-12-31T23:59:59Z");
}

static void format_then_parse_round_trips_many_instants(void **state) {
    (void)state;
    /* a stride that is prime relative to every calendar unit, from 1970 to about 2100 */
    const int64_t end = utc_ms(2100, 12, 31, 23, 59, 59, 999);
    for (int64_t ms = 0; ms <= end; ms += 9876543211LL) {
        char out[TIME_FORMAT_MAX];
        int64_t back = -1;
        time_format_rfc3339_ms(ms, out);
        assert_int_equal(strlen(out), 24);
        assert_int_equal(parse(out, &back), 0);
        assert_int_equal(back, ms);
        time_format_rfc3339(ms, out);
        assert_int_equal(parse(out, &back), 0);
        assert_int_equal(back, ms - ms % 1000);
    }
}

static void format_agrees_with_libc_gmtime(void **state) {
    (void)state;
    for (int64_t s = 0; s < 4102444800LL; s += 7777777) { /* up to 2100-01-01 */
        time_t t = (time_t)s;
        struct tm tm;
        char want[TIME_FORMAT_MAX], got[TIME_FORMAT_MAX];
        gmtime_r(&t, &tm);
        strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
        time_format_rfc3339(s * 1000, got);
        assert_string_equal(got, want);
    }
}

/* ---- civil <-> day numbers ---- */

static void days_from_civil_of_the_epoch_is_zero(void **state) {
    (void)state;
    assert_int_equal(day_of(1970, 1, 1), 0);
    assert_int_equal(day_of(1970, 1, 2), 1);
    assert_int_equal(day_of(1969, 12, 31), -1);
    assert_int_equal(day_of(2026, 1, 5), 20458);
}

static void civil_round_trips_every_day_from_1970_to_2100(void **state) {
    (void)state;
    int32_t expected = 0;
    for (int y = 1970; y <= 2100; y++) {
        for (int m = 1; m <= 12; m++) {
            for (int d = 1; d <= month_length(y, m); d++) {
                assert_int_equal(time_days_from_civil(y, m, d), expected);
                assert_civil(expected, y, m, d);
                expected++;
            }
        }
    }
    assert_int_equal(expected - 1, 47846); /* 2100-12-31 */
}

static void civil_round_trips_days_before_1970(void **state) {
    (void)state;
    int32_t expected = -1;
    for (int y = 1969; y >= 1600; y--) {
        for (int m = 12; m >= 1; m--) {
            for (int d = month_length(y, m); d >= 1; d--) {
                assert_int_equal(time_days_from_civil(y, m, d), expected);
                assert_civil(expected, y, m, d);
                expected--;
            }
        }
    }
}

static void day_of_agrees_with_libc_timegm_every_day(void **state) {
    (void)state;
    for (int32_t day = 0; day <= 47846; day++) {
        int y, m, d;
        time_civil_from_days(day, &y, &m, &d);
        assert_int_equal(utc_ms(y, m, d, 0, 0, 0, 0), (int64_t)day * TIME_MS_PER_DAY);
    }
}

/* ---- negative instants ---- */

static void day_of_floors_negative_instants(void **state) {
    (void)state;
    assert_int_equal(time_day_of(-1), -1);
    assert_int_equal(time_day_of(-TIME_MS_PER_DAY), -1);
    assert_int_equal(time_day_of(-TIME_MS_PER_DAY - 1), -2);
    assert_int_equal(time_day_of(0), 0);
    assert_int_equal(time_day_of(TIME_MS_PER_DAY - 1), 0);
    assert_int_equal(time_day_of(TIME_MS_PER_DAY), 1);
}

static void parse_gives_negative_instants_before_1970(void **state) {
    (void)state;
    int64_t ms = 0;
    assert_int_equal(parse("1969-12-31T23:59:59Z", &ms), 0);
    assert_int_equal(ms, -1000);
    assert_int_equal(time_day_of(ms), -1);
    assert_int_equal(parse("1970-01-01T00:30:00+01:00", &ms), 0);
    assert_int_equal(ms, -30 * 60 * 1000);
}

/* ---- ISO weekdays and weeks ---- */

static void iso_weekday_of_1970_01_01_is_thursday(void **state) {
    (void)state;
    assert_int_equal(time_iso_weekday(0), 4);
}

static void iso_weekday_of_known_dates(void **state) {
    (void)state;
    assert_int_equal(time_iso_weekday(day_of(2026, 1, 5)), 1); /* Monday */
    assert_int_equal(time_iso_weekday(day_of(2026, 1, 4)), 7); /* Sunday */
    assert_int_equal(time_iso_weekday(day_of(2000, 2, 29)), 2);
    assert_int_equal(time_iso_weekday(-1), 3);               /* 1969-12-31: Wednesday */
    assert_int_equal(time_iso_weekday(day_of(1969, 12, 29)), 1);
}

static void iso_weekday_agrees_with_libc_every_day(void **state) {
    (void)state;
    for (int32_t day = -3650; day <= 47846; day++) {
        time_t t = (time_t)day * 86400;
        struct tm tm;
        gmtime_r(&t, &tm);
        int want = tm.tm_wday == 0 ? 7 : tm.tm_wday;
        assert_int_equal(time_iso_weekday(day), want);
    }
}

static void week_start_is_the_monday_on_or_before(void **state) {
    (void)state;
    assert_int_equal(time_week_start(day_of(2026, 1, 5)), day_of(2026, 1, 5));
    assert_int_equal(time_week_start(day_of(2026, 1, 11)), day_of(2026, 1, 5));
    assert_int_equal(time_week_start(day_of(2026, 1, 1)), day_of(2025, 12, 29));
    assert_int_equal(time_week_start(0), day_of(1969, 12, 29));
    assert_int_equal(time_week_start(-1), day_of(1969, 12, 29));
}

static void week_start_is_always_a_monday_within_six_days(void **state) {
    (void)state;
    for (int32_t day = -800; day <= 47846; day++) {
        int32_t ws = time_week_start(day);
        assert_int_equal(time_iso_weekday(ws), 1);
        assert_true(ws <= day && day - ws <= 6);
    }
}

static void iso_week_of_2020_12_31_is_2020_w53(void **state) {
    (void)state;
    assert_iso_week(2020, 12, 31, 2020, 53);
}

static void iso_week_of_2021_01_03_is_still_2020_w53(void **state) {
    (void)state;
    assert_iso_week(2021, 1, 3, 2020, 53);
}

static void iso_week_of_2021_01_04_is_2021_w01(void **state) {
    (void)state;
    assert_iso_week(2021, 1, 4, 2021, 1);
}

static void iso_week_of_2026_12_31_is_2026_w53(void **state) {
    (void)state;
    assert_iso_week(2026, 12, 31, 2026, 53);
}

static void iso_week_of_2027_01_01_is_2026_w53(void **state) {
    (void)state;
    assert_iso_week(2027, 1, 1, 2026, 53);
}

static void iso_week_of_2024_12_30_belongs_to_the_next_year(void **state) {
    (void)state;
    assert_iso_week(2024, 12, 30, 2025, 1);
}

static void iso_week_of_2026_01_01_is_2026_w01(void **state) {
    (void)state;
    assert_iso_week(2026, 1, 1, 2026, 1);
}

static void iso_week_agrees_with_libc_strftime_every_day(void **state) {
    (void)state;
    for (int32_t day = 0; day <= 47846; day++) {
        time_t t = (time_t)day * 86400;
        struct tm tm;
        char want[16], got[16];
        gmtime_r(&t, &tm);
        strftime(want, sizeof want, "%G-W%V", &tm);
        int iy = 0, iw = 0;
        time_iso_week(day, &iy, &iw);
        snprintf(got, sizeof got, "%04d-W%02d", iy, iw);
        assert_string_equal(got, want);
    }
}

/* ---- months ---- */

static void month_start_is_the_first_of_the_month(void **state) {
    (void)state;
    assert_int_equal(time_month_start(day_of(2026, 1, 5)), day_of(2026, 1, 1));
    assert_int_equal(time_month_start(day_of(2026, 1, 1)), day_of(2026, 1, 1));
    assert_int_equal(time_month_start(day_of(2024, 2, 29)), day_of(2024, 2, 1));
    assert_int_equal(time_month_start(day_of(2026, 12, 31)), day_of(2026, 12, 1));
    assert_int_equal(time_month_start(-1), day_of(1969, 12, 1));
}

static void month_add_zero_gives_the_month_start(void **state) {
    (void)state;
    assert_int_equal(time_month_add(day_of(2026, 3, 17), 0), day_of(2026, 3, 1));
}

static void month_add_one_from_the_31st_gives_the_next_first(void **state) {
    (void)state;
    assert_int_equal(time_month_add(day_of(2026, 1, 31), 1), day_of(2026, 2, 1));
}

static void month_add_crosses_into_the_next_year(void **state) {
    (void)state;
    assert_int_equal(time_month_add(day_of(2026, 12, 15), 1), day_of(2027, 1, 1));
}

static void month_add_minus_one_from_january_gives_the_previous_december(void **state) {
    (void)state;
    assert_int_equal(time_month_add(day_of(2026, 1, 20), -1), day_of(2025, 12, 1));
}

static void month_add_thirteen_skips_a_year_and_a_month(void **state) {
    (void)state;
    assert_int_equal(time_month_add(day_of(2026, 1, 5), 13), day_of(2027, 2, 1));
    assert_int_equal(time_month_add(day_of(2026, 12, 5), 13), day_of(2028, 1, 1));
}

static void month_add_large_negative_counts_go_back_whole_years(void **state) {
    (void)state;
    assert_int_equal(time_month_add(day_of(2026, 3, 5), -12), day_of(2025, 3, 1));
    assert_int_equal(time_month_add(day_of(2026, 3, 5), -15), day_of(2024, 12, 1));
    assert_int_equal(time_month_add(day_of(2026, 3, 5), -26), day_of(2024, 1, 1));
}

static void month_add_goes_before_1970(void **state) {
    (void)state;
    assert_int_equal(time_month_add(0, -1), day_of(1969, 12, 1));
    assert_int_equal(time_month_add(0, -13), day_of(1968, 12, 1));
}

static void month_add_matches_a_month_by_month_walk(void **state) {
    (void)state;
    int32_t start = day_of(1975, 7, 19);
    for (int n = -60; n <= 600; n++) {
        int y = 1975, m = 7;
        int steps = n < 0 ? -n : n;
        for (int i = 0; i < steps; i++) {
            if (n > 0) {
                if (++m == 13) m = 1, y++;
            } else {
                if (--m == 0) m = 12, y--;
            }
        }
        assert_int_equal(time_month_add(start, n), day_of(y, m, 1));
    }
}

/* ---- parse_date and parse_month ---- */

static void parse_date_accepts_a_calendar_date(void **state) {
    (void)state;
    int32_t d = 0;
    assert_int_equal(time_parse_date("2026-01-05", 10, &d), 0);
    assert_int_equal(d, 20458);
    assert_int_equal(time_parse_date("2024-02-29", 10, &d), 0);
    assert_int_equal(d, day_of(2024, 2, 29));
    assert_int_equal(time_parse_date("2000-02-29", 10, &d), 0);
    assert_int_equal(d, day_of(2000, 2, 29));
}

static void parse_date_rejects_impossible_dates(void **state) {
    (void)state;
    int32_t d = 0;
    assert_int_equal(time_parse_date("2026-02-30", 10, &d), -1);
    assert_int_equal(time_parse_date("2026-02-29", 10, &d), -1);
    assert_int_equal(time_parse_date("1900-02-29", 10, &d), -1);
    assert_int_equal(time_parse_date("2026-13-01", 10, &d), -1);
    assert_int_equal(time_parse_date("2026-00-01", 10, &d), -1);
    assert_int_equal(time_parse_date("2026-06-31", 10, &d), -1);
    assert_int_equal(time_parse_date("2026-01-00", 10, &d), -1);
    assert_int_equal(time_parse_date("2026-01-32", 10, &d), -1);
}

static void parse_date_rejects_other_shapes(void **state) {
    (void)state;
    const char *bad[] = {"", "2026", "2026-01", "2026-1-05", "2026-01-5", "2026/01/05", "20260105",
                         "2026-01-05T00:00:00Z", "2026-01-05 ", " 2026-01-05", "2026-01-05x", "+026-01-05"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int32_t d = 0;
        assert_int_equal(time_parse_date(bad[i], strlen(bad[i]), &d), -1);
    }
}

static void parse_month_gives_the_first_day_of_the_month(void **state) {
    (void)state;
    int32_t d = 0;
    assert_int_equal(time_parse_month("2026-01", 7, &d), 0);
    assert_int_equal(d, day_of(2026, 1, 1));
    assert_int_equal(time_parse_month("2024-12", 7, &d), 0);
    assert_int_equal(d, day_of(2024, 12, 1));
}

static void parse_month_rejects_other_shapes(void **state) {
    (void)state;
    const char *bad[] = {"",        "2026",       "2026-00", "2026-13", "2026-1",  "2026-1x",
                         "2026-01-", "2026-01-05", "2026/01", "202601",  "2026-01 ", " 2026-01"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int32_t d = 0;
        assert_int_equal(time_parse_month(bad[i], strlen(bad[i]), &d), -1);
    }
}

/* ---- clocks ---- */

static void now_ms_is_close_to_libc_time(void **state) {
    (void)state;
    int64_t now = time_now_ms();
    int64_t libc = (int64_t)time(NULL) * 1000;
    assert_true(now >= libc - 2000 && now <= libc + 2000);
}

/* ---- the strict ISO string form (Rocket.Chat's isDateISOString) ---- */

static int iso_strict(const char *s, int64_t *out) { return time_parse_iso_strict(s, strlen(s), out); }

static void iso_strict_accepts_what_to_iso_string_writes(void **state) {
    (void)state;
    int64_t ms = 0;
    assert_int_equal(iso_strict("2023-10-05T14:48:00.000Z", &ms), 0);
    assert_int_equal(ms, utc_ms(2023, 10, 5, 14, 48, 0, 0));
    assert_int_equal(iso_strict("1970-01-01T00:00:00.001Z", &ms), 0);
    assert_int_equal(ms, 1);
    assert_int_equal(iso_strict("2024-02-29T23:59:59.999Z", &ms), 0);
    assert_int_equal(ms, utc_ms(2024, 2, 29, 23, 59, 59, 999));
}

static void iso_strict_rejects_every_other_form(void **state) {
    (void)state;
    const char *bad[] = {"2023-10-05T14:48:00Z", "2023-10-05", "2023-10-05T14:48:00.000+00:00", "2023-10-05T14:48:00.00Z",
                         "2023-10-05T14:48:00.0000Z", "2023-10-05t14:48:00.000z", "2023-10-05 14:48:00.000Z",
                         "2023-02-29T00:00:00.000Z", "2023-10-05T24:00:00.000Z", "2023-10-05T14:48:60.000Z",
                         "2023-10-05T14:48:00.000Z ", "", "1696517280000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = 42;
        assert_int_equal(iso_strict(bad[i], &ms), -1);
        assert_int_equal(ms, 42);
    }
}

static void monotonic_clock_never_goes_back(void **state) {
    (void)state;
    int64_t a = time_monotonic_us();
    int64_t b = time_monotonic_us();
    assert_true(b >= a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_accepts_utc_with_z),
        cmocka_unit_test(parse_accepts_the_epoch),
        cmocka_unit_test(parse_subtracts_a_positive_offset),
        cmocka_unit_test(parse_adds_a_negative_offset_with_minutes),
        cmocka_unit_test(parse_offset_can_cross_midnight_into_the_previous_year),
        cmocka_unit_test(parse_treats_zero_offset_like_z),
        cmocka_unit_test(parse_reads_one_fraction_digit_as_tenths),
        cmocka_unit_test(parse_reads_two_fraction_digits_as_hundredths),
        cmocka_unit_test(parse_reads_three_fraction_digits_as_milliseconds),
        cmocka_unit_test(parse_truncates_microseconds_to_milliseconds),
        cmocka_unit_test(parse_truncates_rather_than_rounds_nanoseconds),
        cmocka_unit_test(parse_combines_fraction_and_offset),
        cmocka_unit_test(parse_accepts_lowercase_t_and_z),
        cmocka_unit_test(parse_accepts_a_space_separator),
        cmocka_unit_test(parse_accepts_a_leap_second),
        cmocka_unit_test(parse_accepts_february_29_in_a_leap_year),
        cmocka_unit_test(parse_accepts_february_29_2000_a_400_year_leap_year),
        cmocka_unit_test(parse_accepts_the_last_second_of_a_day),
        cmocka_unit_test(parse_ignores_bytes_beyond_len),
        cmocka_unit_test(parse_rejects_a_missing_zone),
        cmocka_unit_test(parse_rejects_month_13),
        cmocka_unit_test(parse_rejects_month_00_and_day_00),
        cmocka_unit_test(parse_rejects_february_30),
        cmocka_unit_test(parse_rejects_april_31),
        cmocka_unit_test(parse_rejects_february_29_in_a_common_year),
        cmocka_unit_test(parse_rejects_february_29_1900_a_century_common_year),
        cmocka_unit_test(parse_rejects_out_of_range_clock_fields),
        cmocka_unit_test(parse_rejects_trailing_garbage),
        cmocka_unit_test(parse_rejects_leading_whitespace),
        cmocka_unit_test(parse_rejects_the_empty_string),
        cmocka_unit_test(parse_rejects_a_date_without_time),
        cmocka_unit_test(parse_rejects_a_dot_without_fraction_digits),
        cmocka_unit_test(parse_rejects_malformed_offsets),
        cmocka_unit_test(parse_rejects_short_or_signed_fields),
        cmocka_unit_test(parse_rejects_a_string_cut_short_by_len),
        cmocka_unit_test(format_rfc3339_ms_always_writes_three_fraction_digits),
        cmocka_unit_test(format_rfc3339_drops_milliseconds),
        cmocka_unit_test(format_rfc3339_trim_keeps_at_most_the_digits_asked_without_trailing_zeros),
        cmocka_unit_test(format_rfc3339_of_the_epoch),
        cmocka_unit_test(format_date_pads_month_and_day),
        cmocka_unit_test(format_rfc3339_ms_of_a_negative_instant_is_before_the_epoch),
        cmocka_unit_test(format_then_parse_round_trips_many_instants),
        cmocka_unit_test(format_agrees_with_libc_gmtime),
        cmocka_unit_test(days_from_civil_of_the_epoch_is_zero),
        cmocka_unit_test(civil_round_trips_every_day_from_1970_to_2100),
        cmocka_unit_test(civil_round_trips_days_before_1970),
        cmocka_unit_test(day_of_agrees_with_libc_timegm_every_day),
        cmocka_unit_test(day_of_floors_negative_instants),
        cmocka_unit_test(parse_gives_negative_instants_before_1970),
        cmocka_unit_test(iso_weekday_of_1970_01_01_is_thursday),
        cmocka_unit_test(iso_weekday_of_known_dates),
        cmocka_unit_test(iso_weekday_agrees_with_libc_every_day),
        cmocka_unit_test(week_start_is_the_monday_on_or_before),
        cmocka_unit_test(week_start_is_always_a_monday_within_six_days),
        cmocka_unit_test(iso_week_of_2020_12_31_is_2020_w53),
        cmocka_unit_test(iso_week_of_2021_01_03_is_still_2020_w53),
        cmocka_unit_test(iso_week_of_2021_01_04_is_2021_w01),
        cmocka_unit_test(iso_week_of_2026_12_31_is_2026_w53),
        cmocka_unit_test(iso_week_of_2027_01_01_is_2026_w53),
        cmocka_unit_test(iso_week_of_2024_12_30_belongs_to_the_next_year),
        cmocka_unit_test(iso_week_of_2026_01_01_is_2026_w01),
        cmocka_unit_test(iso_week_agrees_with_libc_strftime_every_day),
        cmocka_unit_test(month_start_is_the_first_of_the_month),
        cmocka_unit_test(month_add_zero_gives_the_month_start),
        cmocka_unit_test(month_add_one_from_the_31st_gives_the_next_first),
        cmocka_unit_test(month_add_crosses_into_the_next_year),
        cmocka_unit_test(month_add_minus_one_from_january_gives_the_previous_december),
        cmocka_unit_test(month_add_thirteen_skips_a_year_and_a_month),
        cmocka_unit_test(month_add_large_negative_counts_go_back_whole_years),
        cmocka_unit_test(month_add_goes_before_1970),
        cmocka_unit_test(month_add_matches_a_month_by_month_walk),
        cmocka_unit_test(parse_date_accepts_a_calendar_date),
        cmocka_unit_test(parse_date_rejects_impossible_dates),
        cmocka_unit_test(parse_date_rejects_other_shapes),
        cmocka_unit_test(parse_month_gives_the_first_day_of_the_month),
        cmocka_unit_test(parse_month_rejects_other_shapes),
        cmocka_unit_test(now_ms_is_close_to_libc_time),
        cmocka_unit_test(monotonic_clock_never_goes_back),
        cmocka_unit_test(iso_strict_accepts_what_to_iso_string_writes),
        cmocka_unit_test(iso_strict_rejects_every_other_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
