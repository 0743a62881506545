/* log.h: one place that writes diagnostic and access-log lines to stderr, each with a UTC timestamp. */
#ifndef ORGPULSE_UTIL_LOG_H
#define ORGPULSE_UTIL_LOG_H

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Silence info lines (errors still print); used by CLI commands and tests. */
void log_set_quiet(int quiet);

#endif
