/* time.h: dates and times for every API family, written once.
 *
 * orgpulse keeps instants as int64 milliseconds since the Unix epoch (UTC) and days as int32 day numbers
 * (days since 1970-01-01). This module parses and formats RFC 3339 and YYYY-MM-DD, and does the calendar
 * arithmetic that reports, charts and usage buckets need: ISO weeks (Monday first) and calendar months. */
#ifndef ORGPULSE_UTIL_TIME_H
#define ORGPULSE_UTIL_TIME_H

#include <stddef.h>
#include <stdint.h>

#define TIME_MS_PER_DAY 86400000LL
#define TIME_MS_PER_HOUR 3600000LL
#define TIME_FORMAT_MAX 64

/* Parse an RFC 3339 date-time (`2026-01-05T14:48:00Z`, `2026-01-05T14:48:00.123+02:00`; 't'/'z' and a space
 * separator accepted). Fractions finer than milliseconds are truncated. Returns 0, or -1 if malformed. */
int time_parse_rfc3339(const char *s, size_t len, int64_t *out_ms);

/* Parse the exact form JavaScript's Date.prototype.toISOString writes, `YYYY-MM-DDTHH:mm:ss.sssZ` (Rocket.Chat's
 * isDateISOString: the text must survive a round trip unchanged, so no offset, no leap second, three fraction
 * digits, a real calendar date). Returns 0, or -1. */
int time_parse_iso_strict(const char *s, size_t len, int64_t *out_ms);

/* Parse `YYYY-MM-DD` strictly (a real calendar date). Returns 0, or -1. */
int time_parse_date(const char *s, size_t len, int32_t *out_day);

/* Parse `YYYY-MM` strictly into the first day of that month. Returns 0, or -1. */
int time_parse_month(const char *s, size_t len, int32_t *out_day);

/* `2026-01-05T14:48:00.123Z` (always milliseconds). `out` holds TIME_FORMAT_MAX bytes. */
void time_format_rfc3339_ms(int64_t ms, char *out);
/* `2026-01-05T14:48:00Z` (whole seconds). */
void time_format_rfc3339(int64_t ms, char *out);
/* `2026-01-05T14:48:00Z`, with at most `digits` (0..3) fraction digits, truncated, trailing zeros dropped
 * (`...:00.5Z`, `...:00.56Z`). */
void time_format_rfc3339_trim(int64_t ms, int digits, char *out);
/* `2026-01-05`. */
void time_format_date(int32_t day, char *out);

/* Calendar conversions (proleptic Gregorian). */
int32_t time_days_from_civil(int year, int month, int mday);
void time_civil_from_days(int32_t day, int *year, int *month, int *mday);

/* The UTC day of an instant (floors towards minus infinity). */
int32_t time_day_of(int64_t ms);
/* ISO weekday: 1 = Monday ... 7 = Sunday. */
int time_iso_weekday(int32_t day);
/* The Monday that starts day's ISO week. */
int32_t time_week_start(int32_t day);
/* ISO 8601 week-numbering year and week (1..53) of day. */
void time_iso_week(int32_t day, int *iso_year, int *iso_week);
/* The first day of day's calendar month. */
int32_t time_month_start(int32_t day);
/* The first day of the month `months` after the month of day (negative goes back). */
int32_t time_month_add(int32_t day, int months);

/* Now, in milliseconds since the epoch: CLOCK_REALTIME, moved by the offset set with time_set_clock. */
int64_t time_now_ms(void);
/* Make the clock read `start_ms` now and advance in real time from there (tests and demos: `serve --clock`). */
void time_set_clock(int64_t start_ms);
/* A monotonic clock in microseconds, for durations. */
int64_t time_monotonic_us(void);

#endif
