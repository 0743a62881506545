/* fuzz_time.c: libFuzzer target for date and number parsing as query parameters and event timestamps use it
 * (util/time.c, http/params.c's parse_long_strict). Properties: no crash; whatever parses formats back to a string
 * that parses to the same value (RFC 3339 and dates); a parsed date lies within the calendar functions' range. */
#include "fuzz.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/params.h"
#include "util/time.h"

/* RFC 3339 has four-digit years: an offset can carry a parsed time just outside them (9999-12-31T23:59-23:59) */
#define YEAR_0000_MS (-62167219200000LL)
#define YEAR_10000_MS (253402300800000LL)

static void check_round_trip(int64_t ms) {
    if (ms < YEAR_0000_MS || ms >= YEAR_10000_MS) return;
    char out[64];
    time_format_rfc3339_ms(ms, out);
    int64_t again;
    FUZZ_CHECK(time_parse_rfc3339(out, strlen(out), &again) == 0 && again == ms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 256) return 0;
    char s[257];
    memcpy(s, data, size);
    s[size] = 0;

    int64_t ms;
    if (time_parse_rfc3339(s, size, &ms) == 0) check_round_trip(ms);
    if (time_parse_iso_strict(s, size, &ms) == 0) check_round_trip(ms);
    int32_t day;
    if (time_parse_date(s, size, &day) == 0) {
        char out[32];
        time_format_date(day, out);
        int32_t again;
        FUZZ_CHECK(time_parse_date(out, strlen(out), &again) == 0 && again == day);
        int y, m, d;
        time_civil_from_days(day, &y, &m, &d);
        FUZZ_CHECK(time_days_from_civil(y, m, d) == day);
        FUZZ_CHECK(time_week_start(day) <= day && day - time_week_start(day) < 7);
        FUZZ_CHECK(time_month_start(day) <= day && day - time_month_start(day) < 31);
    }
    if (time_parse_month(s, size, &day) == 0) FUZZ_CHECK(time_month_start(day) == day);
    long v;
    if (parse_long_strict(s, &v) == 0) {
        char out[32];
        snprintf(out, sizeof out, "%ld", v);
        long again;
        FUZZ_CHECK(parse_long_strict(out, &again) == 0 && again == v);
    }
    return 0;
}
