/* tests/http/test_body.c -- unit tests for http/body.h: the media types it tells apart, form-encoded bodies read as
** Python's parse_qsl(keep_blank_values=True) reads them, and multipart/form-data text fields (file parts ignored).
** Every expected value is worked out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/body.h"

/* The object as compact JSON with sorted keys, for one comparison per case. */
static void assert_json(json_t *v, const char *want) {
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    assert_string_equal(s, want);
    free(s);
}

static void kind_is_the_media_type_in_any_case_without_parameters(void **state) {
    (void)state;
    assert_int_equal(http_body_kind_of(NULL), HTTP_BODY_NONE);
    assert_int_equal(http_body_kind_of("application/json; charset=utf-8"), HTTP_BODY_JSON);
    assert_int_equal(http_body_kind_of("Application/X-WWW-Form-Urlencoded"), HTTP_BODY_FORM);
    assert_int_equal(http_body_kind_of(" multipart/form-data; boundary=x"), HTTP_BODY_MULTIPART);
    assert_int_equal(http_body_kind_of("multipart/mixed; boundary=x"), HTTP_BODY_OTHER);
    assert_int_equal(http_body_kind_of("text/plain"), HTTP_BODY_OTHER);
    assert_int_equal(http_body_kind_of("application/jsonx"), HTTP_BODY_OTHER);
}

static void form_fields_are_decoded_with_plus_as_space_and_percent_bytes(void **state) {
    (void)state;
    json_t *o;
    const char *body = "name=Acme+Co%21&plan_type=&flag&%C3%A9t%C3%A9=%E2%82%AC";
    http_body_parse_form(body, strlen(body), &o);
    assert_json(o, "{\"flag\":\"\",\"name\":\"Acme Co!\",\"plan_type\":\"\",\"\xc3\xa9t\xc3\xa9\":\"\xe2\x82\xac\"}");
    json_decref(o);
}

static void form_name_sent_twice_becomes_an_array_in_order(void **state) {
    (void)state;
    json_t *o;
    const char *body = "domains=a.com&&domains=b.com&name=x&domains=c.com";
    http_body_parse_form(body, strlen(body), &o);
    assert_json(o, "{\"domains\":[\"a.com\",\"b.com\",\"c.com\"],\"name\":\"x\"}");
    json_decref(o);
}

static void form_bad_escapes_stay_and_invalid_utf8_becomes_replacement(void **state) {
    (void)state;
    json_t *o;
    const char *body = "a=100%&b=%zz%4&c=%FF%41&d=x%00y";
    http_body_parse_form(body, strlen(body), &o);
    json_t *d = json_object_get(o, "d");
    assert_int_equal(json_string_length(d), 3); /* the NUL is kept: validation refuses it */
    json_object_del(o, "d");
    assert_json(o, "{\"a\":\"100%\",\"b\":\"%zz%4\",\"c\":\"\xef\xbf\xbd" "A\"}");
    json_decref(o);
}

static void empty_form_is_an_empty_object(void **state) {
    (void)state;
    json_t *o;
    http_body_parse_form("", 0, &o);
    assert_json(o, "{}");
    json_decref(o);
}

static void multipart_text_parts_become_fields_and_file_parts_are_ignored(void **state) {
    (void)state;
    const char *ct = "multipart/form-data; boundary=\"XyZ\"";
    const char *body = "preamble\r\n"
                       "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"name\"\r\n"
                       "\r\n"
                       "Multi Org\r\n"
                       "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"logo\"; filename=\"a.png\"\r\n"
                       "Content-Type: image/png\r\n"
                       "\r\n"
                       "\x89PNG\r\n--Xy\r\n"
                       "--XyZ\r\n"
                       "content-disposition: form-data; name=domains\r\n"
                       "\r\n"
                       "a.com\r\n"
                       "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"domains\"\r\n"
                       "\r\n"
                       "line1\r\nline2\r\n"
                       "--XyZ--\r\n";
    json_t *o;
    char err[128];
    assert_int_equal(http_body_parse_multipart(ct, body, strlen(body), &o, err, sizeof err), 0);
    assert_json(o, "{\"domains\":[\"a.com\",\"line1\\r\\nline2\"],\"name\":\"Multi Org\"}");
    json_decref(o);
}

static void multipart_without_a_boundary_is_a_parse_error(void **state) {
    (void)state;
    json_t *o = NULL;
    char err[128];
    assert_int_equal(http_body_parse_multipart("multipart/form-data", "x", 1, &o, err, sizeof err), -1);
    assert_null(o);
    assert_string_equal(err, "Invalid boundary in multipart: None");
    const char *body = "no delimiter here";
    assert_int_equal(http_body_parse_multipart("multipart/form-data; boundary=B", body, strlen(body), &o, err, sizeof err), -1);
    assert_string_equal(err, "Invalid boundary in multipart: B");
}

static void multipart_part_without_a_name_is_a_parse_error(void **state) {
    (void)state;
    const char *body = "--B\r\nContent-Disposition: form-data\r\n\r\nv\r\n--B--\r\n";
    json_t *o = NULL;
    char err[128];
    assert_int_equal(http_body_parse_multipart("multipart/form-data; boundary=B", body, strlen(body), &o, err, sizeof err), -1);
    assert_null(o);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kind_is_the_media_type_in_any_case_without_parameters),
        cmocka_unit_test(form_fields_are_decoded_with_plus_as_space_and_percent_bytes),
        cmocka_unit_test(form_name_sent_twice_becomes_an_array_in_order),
        cmocka_unit_test(form_bad_escapes_stay_and_invalid_utf8_becomes_replacement),
        cmocka_unit_test(empty_form_is_an_empty_object),
        cmocka_unit_test(multipart_text_parts_become_fields_and_file_parts_are_ignored),
        cmocka_unit_test(multipart_without_a_boundary_is_a_parse_error),
        cmocka_unit_test(multipart_part_without_a_name_is_a_parse_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
