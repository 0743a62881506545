/* test_ratelimit.c: token buckets per key (http/ratelimit.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "http/ratelimit.h"

#define S 1000000LL

static void a_burst_is_allowed_then_refused_with_the_seconds_until_a_token(void **state) {
    (void)state;
    ratelimit *rl;
    assert_int_equal(ratelimit_create(2, 5, &rl), 0);
    int retry = 0;
    for (int i = 0; i < 5; i++) assert_int_equal(ratelimit_take(rl, "k1", 10 * S, &retry), 0);
    assert_int_equal(ratelimit_take(rl, "k1", 10 * S, &retry), -1);
    assert_int_equal(retry, 1); /* 0.5 s at 2 per second, rounded up to whole seconds */
    ratelimit_free(rl);
}

static void tokens_come_back_at_the_rate(void **state) {
    (void)state;
    ratelimit *rl;
    assert_int_equal(ratelimit_create(0.25, 1, &rl), 0); /* one request per 4 s */
    int retry = 0;
    assert_int_equal(ratelimit_take(rl, "k", 0, &retry), 0);
    assert_int_equal(ratelimit_take(rl, "k", 1 * S, &retry), -1);
    assert_int_equal(retry, 3);
    assert_int_equal(ratelimit_take(rl, "k", 3 * S + S / 2, &retry), -1);
    assert_int_equal(retry, 1);
    assert_int_equal(ratelimit_take(rl, "k", 4 * S, &retry), 0);
    ratelimit_free(rl);
}

static void each_key_has_its_own_bucket(void **state) {
    (void)state;
    ratelimit *rl;
    assert_int_equal(ratelimit_create(1, 1, &rl), 0);
    int retry = 0;
    assert_int_equal(ratelimit_take(rl, "a", 0, &retry), 0);
    assert_int_equal(ratelimit_take(rl, "a", 0, &retry), -1);
    assert_int_equal(ratelimit_take(rl, "b", 0, &retry), 0);
    ratelimit_free(rl);
}

static void many_keys_are_forgotten_once_their_buckets_refill(void **state) {
    (void)state;
    ratelimit *rl;
    assert_int_equal(ratelimit_create(10, 10, &rl), 0);
    int retry = 0;
    char key[32];
    for (int round = 0; round < 20; round++)
        for (int i = 0; i < 5000; i++) {
            snprintf(key, sizeof key, "key-%d-%d", round, i);
            assert_int_equal(ratelimit_take(rl, key, (int64_t)round * 10 * S, &retry), 0);
        }
    /* a key still draining keeps its state across the sweeps */
    for (int i = 0; i < 10; i++) assert_int_equal(ratelimit_take(rl, "busy", 200 * S, &retry), 0);
    for (int i = 0; i < 3000; i++) {
        snprintf(key, sizeof key, "late-%d", i);
        ratelimit_take(rl, key, 200 * S, &retry);
    }
    assert_int_equal(ratelimit_take(rl, "busy", 200 * S, &retry), -1);
    ratelimit_free(rl);
}

static void limits_parse_as_rate_or_rate_and_burst(void **state) {
    (void)state;
    double r, b;
    assert_int_equal(ratelimit_parse("100", &r, &b), 0);
    assert_true(r == 100 && b == 200);
    assert_int_equal(ratelimit_parse("0.5/3", &r, &b), 0);
    assert_true(r == 0.5 && b == 3);
    assert_int_equal(ratelimit_parse("0.2", &r, &b), 0);
    assert_true(b == 1);
    assert_int_equal(ratelimit_parse("off", &r, &b), 0);
    assert_true(r == 0);
    assert_int_equal(ratelimit_parse("0", &r, &b), 0);
    assert_true(r == 0);
    assert_int_equal(ratelimit_parse("", &r, &b), -1);
    assert_int_equal(ratelimit_parse("-1", &r, &b), -1);
    assert_int_equal(ratelimit_parse("10/0", &r, &b), -1);
    assert_int_equal(ratelimit_parse("10x", &r, &b), -1);
    assert_int_equal(ratelimit_parse("nan", &r, &b), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_burst_is_allowed_then_refused_with_the_seconds_until_a_token),
        cmocka_unit_test(tokens_come_back_at_the_rate),
        cmocka_unit_test(each_key_has_its_own_bucket),
        cmocka_unit_test(many_keys_are_forgotten_once_their_buckets_refill),
        cmocka_unit_test(limits_parse_as_rate_or_rate_and_burst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
