/* test_text.c: UTF-8 checking and repair, percent-decoding (util/text.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/text.h"

static void well_formed_utf8_is_accepted_and_ill_formed_refused(void **state) {
    (void)state;
    const char *good[] = {"", "plain", "caf\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) assert_true(text_utf8_valid(good[i], strlen(good[i])));
    const char *bad[] = {"\xFF", "\xC3", "\xC0\xAE" /* overlong '.' */, "\xED\xA0\x80" /* surrogate */,
                         "\xF4\x90\x80\x80" /* > U+10FFFF */, "\xE2\x82", "a\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) assert_false(text_utf8_valid(bad[i], strlen(bad[i])));
}

static void repair_replaces_each_ill_formed_byte_with_the_replacement_character(void **state) {
    (void)state;
    char *r = text_utf8_repair("a\xFF" "b\xC3\xA9\xC0\xAE");
    assert_string_equal(r, "a\xEF\xBF\xBD" "b\xC3\xA9\xEF\xBF\xBD\xEF\xBF\xBD");
    assert_true(text_utf8_valid(r, strlen(r)));
    free(r);
}

static void percent_decoding_keeps_nul_escapes_and_malformed_ones_as_written(void **state) {
    (void)state;
    char a[] = "/v1/users/a%20b%2Fc";
    assert_int_equal(text_percent_decode(a), strlen("/v1/users/a b/c"));
    assert_string_equal(a, "/v1/users/a b/c");
    char b[] = "/v1/stats%00";
    text_percent_decode(b);
    assert_string_equal(b, "/v1/stats%00");
    char c[] = "%zz%4%%41";
    text_percent_decode(c);
    assert_string_equal(c, "%zz%4%A");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(well_formed_utf8_is_accepted_and_ill_formed_refused),
        cmocka_unit_test(repair_replaces_each_ill_formed_byte_with_the_replacement_character),
        cmocka_unit_test(percent_decoding_keeps_nul_escapes_and_malformed_ones_as_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
