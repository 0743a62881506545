/* tests/http/test_static.c -- unit tests for http/static.h's file-name rule (the only thing that keeps a request
** inside the web directory) and its content types. tests/api/test_static.py checks the same over HTTP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/static.h"

static void plain_file_names_are_accepted(void **state) {
    (void)state;
    const char *ok[] = {"index.html", "app.js", "chart.umd.min.js", "chart.js-LICENSE.txt", "a", "A_b-9.css"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) assert_true(http_static_name_ok(ok[i]));
}

static void names_that_could_leave_the_directory_or_hide_are_refused(void **state) {
    (void)state;
    const char *bad[] = {"", ".", "..", "../x", "a/b", "/etc", ".hidden", "a..b", "x..", "%2e%2e", "a%00b", "a b",
                         "a\\b", "a:b", "é.js", "a\nb"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) assert_false(http_static_name_ok(bad[i]));
}

static void names_longer_than_128_bytes_are_refused(void **state) {
    (void)state;
    char name[130];
    memset(name, 'a', 128);
    name[128] = 0;
    assert_true(http_static_name_ok(name));
    name[128] = 'a', name[129] = 0;
    assert_false(http_static_name_ok(name));
}

static void content_types_follow_the_extension(void **state) {
    (void)state;
    assert_string_equal(http_static_content_type("index.html"), "text/html; charset=utf-8");
    assert_string_equal(http_static_content_type("app.js"), "text/javascript; charset=utf-8");
    assert_string_equal(http_static_content_type("style.css"), "text/css; charset=utf-8");
    assert_string_equal(http_static_content_type("x.svg"), "image/svg+xml");
    assert_string_equal(http_static_content_type("LICENSE"), "application/octet-stream");
    assert_string_equal(http_static_content_type("a.js.bak"), "application/octet-stream");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_file_names_are_accepted),
        cmocka_unit_test(names_that_could_leave_the_directory_or_hide_are_refused),
        cmocka_unit_test(names_longer_than_128_bytes_are_refused),
        cmocka_unit_test(content_types_follow_the_extension),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
