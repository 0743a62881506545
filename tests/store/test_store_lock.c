/* tests/store/test_store_lock.c -- unit tests for store_lock_try/store_unlock (store.h): on PostgreSQL the named
** lock is held by one connection (one node) at a time, is re-entrant, is released by unlock or by the holder's
** connection ending, and names are independent; on SQLite it is always granted. The PostgreSQL cases need a
** database: ORGPULSE_TEST_PG_URL (tests/api/test_multinode.py runs this binary with one); without it they skip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "store/store.h"

static store *open_pg(void) {
    const char *url = getenv("ORGPULSE_TEST_PG_URL");
    if (!url || !*url) return NULL;
    store *s = NULL;
    char err[512];
    assert_int_equal(store_open(url, &s, err, sizeof err), STORE_OK);
    return s;
}

static int try_lock(store *s, const char *name) {
    int got = -1;
    assert_int_equal(store_lock_try(s, name, &got), STORE_OK);
    return got;
}

static void a_pg_lock_is_held_by_one_node_at_a_time(void **state) {
    (void)state;
    store *a = open_pg(), *b = open_pg();
    if (!a) skip();
    assert_true(try_lock(a, "exports"));
    assert_false(try_lock(b, "exports"));
    assert_false(try_lock(b, "exports"));
    assert_int_equal(store_unlock(a, "exports"), STORE_OK);
    assert_true(try_lock(b, "exports"));
    assert_false(try_lock(a, "exports"));
    assert_int_equal(store_unlock(b, "exports"), STORE_OK);
    store_close(a);
    store_close(b);
}

static void a_pg_lock_is_reentrant_and_needs_one_unlock_per_success(void **state) {
    (void)state;
    store *a = open_pg(), *b = open_pg();
    if (!a) skip();
    assert_true(try_lock(a, "exports"));
    assert_true(try_lock(a, "exports"));
    assert_int_equal(store_unlock(a, "exports"), STORE_OK);
    assert_false(try_lock(b, "exports"));
    assert_int_equal(store_unlock(a, "exports"), STORE_OK);
    assert_true(try_lock(b, "exports"));
    assert_int_equal(store_unlock(b, "exports"), STORE_OK);
    assert_int_equal(store_unlock(b, "exports"), STORE_ENOTFOUND); /* not held any more */
    store_close(a);
    store_close(b);
}

static void a_pg_lock_is_released_when_its_holder_goes_away(void **state) {
    (void)state;
    store *a = open_pg(), *b = open_pg();
    if (!a) skip();
    assert_true(try_lock(a, "exports"));
    assert_false(try_lock(b, "exports"));
    store_close(a); /* the connection ends, as when the node dies */
    int got = 0;
    for (int i = 0; i < 100 && !got; i++) /* the server notices the closed connection within moments */
        if (!(got = try_lock(b, "exports"))) usleep(20000);
    assert_true(got);
    a = open_pg();
    assert_false(try_lock(a, "exports"));
    store_close(a);
    store_close(b);
}

static void pg_locks_of_different_names_are_independent(void **state) {
    (void)state;
    store *a = open_pg(), *b = open_pg();
    if (!a) skip();
    assert_true(try_lock(a, "exports"));
    assert_true(try_lock(b, "reports"));
    assert_false(try_lock(a, "reports"));
    assert_false(try_lock(b, "exports"));
    store_close(a);
    store_close(b);
}

static void a_sqlite_store_always_grants_the_lock(void **state) {
    (void)state;
    char dir[] = "/tmp/orgpulse-lock-XXXXXX";
    assert_non_null(mkdtemp(dir));
    store *s;
    char err[512];
    assert_int_equal(store_open(dir, &s, err, sizeof err), STORE_OK);
    assert_true(try_lock(s, "exports"));
    assert_true(try_lock(s, "exports"));
    assert_int_equal(store_unlock(s, "exports"), STORE_OK);
    assert_false(store_is_shared(s));
    store_close(s);
    char path[128];
    snprintf(path, sizeof path, "%s/orgpulse.db", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/orgpulse.db-wal", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/orgpulse.db-shm", dir);
    unlink(path);
    rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_pg_lock_is_held_by_one_node_at_a_time),
        cmocka_unit_test(a_pg_lock_is_reentrant_and_needs_one_unlock_per_success),
        cmocka_unit_test(a_pg_lock_is_released_when_its_holder_goes_away),
        cmocka_unit_test(pg_locks_of_different_names_are_independent),
        cmocka_unit_test(a_sqlite_store_always_grants_the_lock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
