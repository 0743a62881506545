/* log.c: timestamped lines on stderr (see log.h). One fprintf per line, so lines from threads do not interleave. */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>

#include "util/time.h"

static int log_quiet;

void log_set_quiet(int quiet) { log_quiet = quiet; }

static void log_line(const char *level, const char *fmt, va_list ap) {
    char ts[TIME_FORMAT_MAX], msg[2048];
    time_format_rfc3339_ms(time_now_ms(), ts);
    vsnprintf(msg, sizeof msg, fmt, ap);
    fprintf(stderr, "%s %s %s\n", ts, level, msg);
}

void log_info(const char *fmt, ...) {
    if (log_quiet) return;
    va_list ap;
    va_start(ap, fmt);
    log_line("INFO", fmt, ap);
    va_end(ap);
}

void log_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    log_line("ERROR", fmt, ap);
    va_end(ap);
}
