/* text.h: byte-string helpers for text that comes from outside: UTF-8 checking and repair (for error messages that
 * quote a client's value: JSON bodies must be valid UTF-8), and percent-decoding of URL paths and query values as the
 * HTTP server does it. */
#ifndef ORGPULSE_UTIL_TEXT_H
#define ORGPULSE_UTIL_TEXT_H

#include <stddef.h>

/* 1 when s[0..len) is well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF). */
int text_utf8_valid(const char *s, size_t len);

/* A new NUL-terminated copy of s with every ill-formed byte replaced by U+FFFD (caller frees). */
char *text_utf8_repair(const char *s);

/* Decode %HH escapes in place and return the new length. `%00` is left as the three characters "%00": a NUL would
 * cut the C string short and make "/v1/stats%00" read as "/v1/stats". Malformed escapes are left as they are. */
size_t text_percent_decode(char *s);

#endif
