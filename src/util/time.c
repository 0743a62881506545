/* time.c: RFC 3339 parsing and formatting and calendar arithmetic (see time.h).
 * The civil-from-days algorithms are Howard Hinnant's public-domain formulas. */
#include "util/time.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int32_t time_days_from_civil(int y, int m, int d) {
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153u * (unsigned)(m + (m > 2 ? -3 : 9)) + 2u) / 5u + (unsigned)d - 1u;
    const unsigned doe = yoe * 365u + yoe / 4u - yoe / 100u + doy;
    return (int32_t)(era * 146097 + (int)doe - 719468);
}

void time_civil_from_days(int32_t z32, int *year, int *month, int *mday) {
    int64_t z = (int64_t)z32 + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t y = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    *year = (int)(y + (m <= 2));
    *month = (int)m;
    *mday = (int)d;
}

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int y, int m) {
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Read exactly n digits at s[*pos]; returns -1 when they are not all digits. */
static int read_digits(const char *s, size_t len, size_t *pos, int n) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (*pos >= len || s[*pos] < '0' || s[*pos] > '9') return -1;
        v = v * 10 + (s[*pos] - '0');
        (*pos)++;
    }
    return v;
}

static int parse_ymd(const char *s, size_t len, size_t *pos, int *y, int *m, int *d) {
    if ((*y = read_digits(s, len, pos, 4)) < 0) return -1;
    if (*pos >= len || s[(*pos)++] != '-') return -1;
    if ((*m = read_digits(s, len, pos, 2)) < 1 || *m > 12) return -1;
    if (*pos >= len || s[(*pos)++] != '-') return -1;
    if ((*d = read_digits(s, len, pos, 2)) < 1 || *d > days_in_month(*y, *m)) return -1;
    return 0;
}

int time_parse_date(const char *s, size_t len, int32_t *out_day) {
    size_t pos = 0;
    int y, m, d;
    if (parse_ymd(s, len, &pos, &y, &m, &d) != 0 || pos != len) return -1;
    *out_day = time_days_from_civil(y, m, d);
    return 0;
}

int time_parse_month(const char *s, size_t len, int32_t *out_day) {
    size_t pos = 0;
    int y, m;
    if ((y = read_digits(s, len, &pos, 4)) < 0) return -1;
    if (pos >= len || s[pos++] != '-') return -1;
    if ((m = read_digits(s, len, &pos, 2)) < 1 || m > 12 || pos != len) return -1;
    *out_day = time_days_from_civil(y, m, 1);
    return 0;
}

int time_parse_rfc3339(const char *s, size_t len, int64_t *out_ms) {
    size_t pos = 0;
    int y, mo, d, h, mi, sec;
    if (parse_ymd(s, len, &pos, &y, &mo, &d) != 0) return -1;
    if (pos >= len || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')) return -1;
    pos++;
    if ((h = read_digits(s, len, &pos, 2)) < 0 || h > 23) return -1;
    if (pos >= len || s[pos++] != ':') return -1;
    if ((mi = read_digits(s, len, &pos, 2)) < 0 || mi > 59) return -1;
    if (pos >= len || s[pos++] != ':') return -1;
    if ((sec = read_digits(s, len, &pos, 2)) < 0 || sec > 60) return -1;
    if (sec == 60) sec = 59; /* a leap second is folded into the second before it */
    int ms = 0;
    if (pos < len && s[pos] == '.') {
        pos++;
        int digits = 0;
        while (pos < len && s[pos] >= '0' && s[pos] <= '9') {
            if (digits < 3) ms = ms * 10 + (s[pos] - '0');
            digits++;
            pos++;
        }
        if (digits == 0) return -1;
        for (int i = digits; i < 3; i++) ms *= 10;
    }
    if (pos >= len) return -1;
    int offset_min = 0;
    if (s[pos] == 'Z' || s[pos] == 'z') {
        pos++;
    } else if (s[pos] == '+' || s[pos] == '-') {
        int sign = s[pos] == '-' ? -1 : 1;
        pos++;
        int oh, om;
        if ((oh = read_digits(s, len, &pos, 2)) < 0 || oh > 23) return -1;
        if (pos >= len || s[pos++] != ':') return -1;
        if ((om = read_digits(s, len, &pos, 2)) < 0 || om > 59) return -1;
        offset_min = sign * (oh * 60 + om);
    } else {
        return -1;
    }
    if (pos != len) return -1;
    int64_t days = time_days_from_civil(y, mo, d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - (int64_t)offset_min * 60;
    *out_ms = secs * 1000 + ms;
    return 0;
}

int time_parse_iso_strict(const char *s, size_t len, int64_t *out_ms) {
    int64_t ms;
    char again[TIME_FORMAT_MAX];
    if (len != 24 || time_parse_rfc3339(s, len, &ms) != 0) return -1;
    time_format_rfc3339_ms(ms, again);
    if (memcmp(again, s, len) != 0) return -1;
    *out_ms = ms;
    return 0;
}

int32_t time_day_of(int64_t ms) {
    int64_t d = ms / TIME_MS_PER_DAY;
    if (ms % TIME_MS_PER_DAY < 0) d--;
    return (int32_t)d;
}

static void split_ms(int64_t ms, int32_t *day, int *h, int *mi, int *s, int *frac) {
    *day = time_day_of(ms);
    int64_t rem = ms - (int64_t)*day * TIME_MS_PER_DAY;
    *frac = (int)(rem % 1000);
    rem /= 1000;
    *s = (int)(rem % 60);
    rem /= 60;
    *mi = (int)(rem % 60);
    *h = (int)(rem / 60);
}

void time_format_rfc3339_ms(int64_t ms, char *out) {
    int32_t day;
    int y, mo, d, h, mi, s, frac;
    split_ms(ms, &day, &h, &mi, &s, &frac);
    time_civil_from_days(day, &y, &mo, &d);
    snprintf(out, TIME_FORMAT_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, mo, d, h, mi, s, frac);
}

void time_format_rfc3339(int64_t ms, char *out) {
    int32_t day;
    int y, mo, d, h, mi, s, frac;
    split_ms(ms, &day, &h, &mi, &s, &frac);
    time_civil_from_days(day, &y, &mo, &d);
    snprintf(out, TIME_FORMAT_MAX, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, s);
}

void time_format_rfc3339_trim(int64_t ms, int digits, char *out) {
    int32_t day;
    int y, mo, d, h, mi, s, frac;
    split_ms(ms, &day, &h, &mi, &s, &frac);
    time_civil_from_days(day, &y, &mo, &d);
    char f[8] = "";
    if (digits > 0) {
        snprintf(f, sizeof f, ".%03d", frac);
        f[1 + (digits < 3 ? digits : 3)] = 0;
        size_t n = strlen(f);
        while (n > 1 && f[n - 1] == '0') f[--n] = 0;
        if (n == 1) f[0] = 0;
    }
    snprintf(out, TIME_FORMAT_MAX, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", y, mo, d, h, mi, s, f);
}

void time_format_date(int32_t day, char *out) {
    int y, m, d;
    time_civil_from_days(day, &y, &m, &d);
    snprintf(out, TIME_FORMAT_MAX, "%04d-%02d-%02d", y, m, d);
}

int time_iso_weekday(int32_t day) {
    /* 1970-01-01 was a Thursday (ISO 4). */
    int w = (int)((((int64_t)day % 7) + 7 + 3) % 7); /* 0 = Monday */
    return w + 1;
}

int32_t time_week_start(int32_t day) { return day - (time_iso_weekday(day) - 1); }

void time_iso_week(int32_t day, int *iso_year, int *iso_week) {
    int32_t thursday = time_week_start(day) + 3;
    int y, m, d;
    time_civil_from_days(thursday, &y, &m, &d);
    *iso_year = y;
    *iso_week = (thursday - time_days_from_civil(y, 1, 1)) / 7 + 1;
}

int32_t time_month_start(int32_t day) {
    int y, m, d;
    time_civil_from_days(day, &y, &m, &d);
    return time_days_from_civil(y, m, 1);
}

int32_t time_month_add(int32_t day, int months) {
    int y, m, d;
    time_civil_from_days(day, &y, &m, &d);
    int total = y * 12 + (m - 1) + months;
    int ny = total >= 0 ? total / 12 : -((-total + 11) / 12);
    int nm = total - ny * 12 + 1;
    return time_days_from_civil(ny, nm, 1);
}

static int64_t clock_offset_ms;

static int64_t realtime_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_now_ms(void) { return realtime_ms() + __atomic_load_n(&clock_offset_ms, __ATOMIC_RELAXED); }

void time_set_clock(int64_t start_ms) { __atomic_store_n(&clock_offset_ms, start_ms - realtime_ms(), __ATOMIC_RELAXED); }

int64_t time_monotonic_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
