/* tests/http/test_paging.c -- unit tests for http/paging.h: DRF's lenient limit/offset parsing (Python int()
** semantics) and the next/previous URLs exactly as LimitOffsetPagination and replace_query_param write them.
** Every expected string is worked out by hand from the Python rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "http/paging.h"

static void page_int_accepts_what_python_int_accepts(void **state) {
    (void)state;
    long v = -1;
    assert_int_equal(http_page_parse_int("12", &v), 0), assert_int_equal(v, 12);
    assert_int_equal(http_page_parse_int(" 12\t", &v), 0), assert_int_equal(v, 12);
    assert_int_equal(http_page_parse_int("+3", &v), 0), assert_int_equal(v, 3);
    assert_int_equal(http_page_parse_int("-4", &v), 0), assert_int_equal(v, -4);
    assert_int_equal(http_page_parse_int("1_000", &v), 0), assert_int_equal(v, 1000);
    assert_int_equal(http_page_parse_int("007", &v), 0), assert_int_equal(v, 7);
    assert_int_equal(http_page_parse_int("99999999999999999999999", &v), 0), assert_int_equal(v, HTTP_PAGE_INT_MAX);
}

static void page_int_rejects_what_python_int_rejects(void **state) {
    (void)state;
    long v;
    const char *bad[] = {"", " ", "5.0", "1e3", "0x10", "1__0", "_1", "1_", "+", "--1", "1 2", "abc", "12a"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) assert_int_equal(http_page_parse_int(bad[i], &v), -1);
    assert_int_equal(http_page_parse_int(NULL, &v), -1);
}

static void page_limit_falls_back_to_the_default_unless_positive_and_is_capped(void **state) {
    (void)state;
    assert_int_equal(http_page_limit_of(NULL, 100, 1000), 100);
    assert_int_equal(http_page_limit_of("0", 100, 1000), 100);
    assert_int_equal(http_page_limit_of("-5", 100, 1000), 100);
    assert_int_equal(http_page_limit_of("ten", 100, 1000), 100);
    assert_int_equal(http_page_limit_of("7", 100, 1000), 7);
    assert_int_equal(http_page_limit_of("1000", 100, 1000), 1000);
    assert_int_equal(http_page_limit_of("5000", 100, 1000), 1000);
}

static void page_offset_falls_back_to_zero_unless_non_negative(void **state) {
    (void)state;
    assert_int_equal(http_page_offset_of(NULL), 0);
    assert_int_equal(http_page_offset_of("-1"), 0);
    assert_int_equal(http_page_offset_of("x"), 0);
    assert_int_equal(http_page_offset_of("0"), 0);
    assert_int_equal(http_page_offset_of("30"), 30);
}

static void page_url_sets_limit_and_offset_in_key_order(void **state) {
    (void)state;
    char *u = http_page_url("http://testserver", "/api/organizations/", NULL, 0, 100, 200);
    assert_string_equal(u, "http://testserver/api/organizations/?limit=100&offset=200");
    free(u);
}

static void page_url_replaces_limit_and_offset_and_sorts_the_other_parameters(void **state) {
    (void)state;
    http_query_pair q[] = {{"search", "a b&c"}, {"offset", "3"}, {"limit", "5"}, {"Zeta", "\xc3\xbc"}, {"flag", ""}};
    char *u = http_page_url("https://x.example", "/api/organizations", q, 5, 5, 8);
    assert_string_equal(u, "https://x.example/api/organizations?Zeta=%C3%BC&flag=&limit=5&offset=8&search=a+b%26c");
    free(u);
}

static void page_url_keeps_the_values_of_a_repeated_parameter_in_order(void **state) {
    (void)state;
    http_query_pair q[] = {{"tag", "b"}, {"a", "1"}, {"tag", "a"}, {"limit", "1"}, {"limit", "2"}};
    char *u = http_page_url("http://h", "/p/", q, 5, 2, -1);
    assert_string_equal(u, "http://h/p/?a=1&limit=2&tag=b&tag=a");
    free(u);
}

static void page_url_escapes_the_path_as_django_and_values_as_quote_plus(void **state) {
    (void)state;
    http_query_pair q[] = {{"p", "op_k/+=~"}, {"q", "x:y@z"}};
    char *u = http_page_url("http://h:8080", "/api/organizations/@current/x y", q, 2, 10, 10);
    assert_string_equal(u, "http://h:8080/api/organizations/@current/x%20y?limit=10&offset=10&"
                           "p=op_k%2F%2B%3D~&q=x%3Ay%40z");
    free(u);
}

static void page_url_leaves_out_the_personal_api_key(void **state) {
    (void)state;
    http_query_pair q[] = {{"personal_api_key", "op_secret"}, {"a", "1"}};
    char *u = http_page_url("http://h", "/o/", q, 2, 10, 20);
    assert_string_equal(u, "http://h/o/?a=1&limit=10&offset=20");
    free(u);
}

static void page_links_next_until_the_last_page_and_previous_after_the_first(void **state) {
    (void)state;
    char *next, *prev;
    http_page pg = {100, 0};
    http_page_links("http://h", "/o/", NULL, 0, &pg, 250, &next, &prev);
    assert_string_equal(next, "http://h/o/?limit=100&offset=100");
    assert_null(prev);
    free(next);
    pg.offset = 200;
    http_page_links("http://h", "/o/", NULL, 0, &pg, 250, &next, &prev);
    assert_null(next);
    assert_string_equal(prev, "http://h/o/?limit=100&offset=100");
    free(prev);
    pg.offset = 150; /* 150 + 100 >= 250: the last page */
    http_page_links("http://h", "/o/", NULL, 0, &pg, 250, &next, &prev);
    assert_null(next);
    assert_string_equal(prev, "http://h/o/?limit=100&offset=50");
    free(prev);
}

static void page_links_previous_drops_offset_when_it_would_not_be_positive(void **state) {
    (void)state;
    char *next, *prev;
    http_page pg = {100, 100};
    http_page_links("http://h", "/o/", NULL, 0, &pg, 150, &next, &prev);
    assert_null(next);
    assert_string_equal(prev, "http://h/o/?limit=100");
    free(prev);
    pg.offset = 30;
    http_page_links("http://h", "/o/", NULL, 0, &pg, 1000, &next, &prev);
    assert_string_equal(next, "http://h/o/?limit=100&offset=130");
    assert_string_equal(prev, "http://h/o/?limit=100");
    free(next), free(prev);
}

static void page_links_past_the_end_have_no_next_but_a_previous(void **state) {
    (void)state;
    char *next, *prev;
    http_page pg = {10, 400};
    http_page_links("http://h", "/o/", NULL, 0, &pg, 25, &next, &prev);
    assert_null(next);
    assert_string_equal(prev, "http://h/o/?limit=10&offset=390");
    free(prev);
    pg.offset = 0;
    http_page_links("http://h", "/o/", NULL, 0, &pg, 0, &next, &prev);
    assert_null(next);
    assert_null(prev);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(page_int_accepts_what_python_int_accepts),
        cmocka_unit_test(page_int_rejects_what_python_int_rejects),
        cmocka_unit_test(page_limit_falls_back_to_the_default_unless_positive_and_is_capped),
        cmocka_unit_test(page_offset_falls_back_to_zero_unless_non_negative),
        cmocka_unit_test(page_url_sets_limit_and_offset_in_key_order),
        cmocka_unit_test(page_url_replaces_limit_and_offset_and_sorts_the_other_parameters),
        cmocka_unit_test(page_url_keeps_the_values_of_a_repeated_parameter_in_order),
        cmocka_unit_test(page_url_escapes_the_path_as_django_and_values_as_quote_plus),
        cmocka_unit_test(page_url_leaves_out_the_personal_api_key),
        cmocka_unit_test(page_links_next_until_the_last_page_and_previous_after_the_first),
        cmocka_unit_test(page_links_previous_drops_offset_when_it_would_not_be_positive),
        cmocka_unit_test(page_links_past_the_end_have_no_next_but_a_previous),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
