/* tests/engine/test_orgs.c -- unit tests for engine/orgs.h: Django's slugify (expected values worked out with
** Python's unicodedata NFKD + the two re.sub of django.utils.text.slugify), slug clashes, and org writes going
** through a real store into the index (create, update merging settings, rename keeping the slug, delete). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine/index.h"
#include "engine/orgs.h"
#include "store/store.h"

static void slug(const char *name, const char *expected) {
    char out[ENGINE_ORG_SLUG_MAX + 1];
    engine_org_slugify(name, out);
    assert_string_equal(out, expected);
}

static void slugify_lowercases_and_joins_words_with_hyphens(void **state) {
    (void)state;
    slug("Acme Inc", "acme-inc");
    slug("  Hello,  World!  ", "hello-world");
    slug("a - b", "a-b");
    slug("tab\there", "tab-here");
    slug("a\x1c" "b", "a-b");
    slug("snake_case Name", "snake_case-name");
}

static void slugify_strips_hyphens_and_underscores_at_the_ends(void **state) {
    (void)state;
    slug("---foo__", "foo");
    slug("!!!", "");
}

static void slugify_folds_compatibility_characters_to_ascii_and_drops_the_rest(void **state) {
    (void)state;
    slug("Caf\xc3\xa9 M\xc3\xbcller", "cafe-muller");
    slug("\xef\xac\x81le \xef\xbc\xaeo", "file-no");                                         /* "ﬁle Ｎo" */
    slug("\xc3\x98rsted \xc3\x86\xc3\x98\xc3\x85 stra\xc3\x9f" "e", "rsted-a-strae");        /* "Ørsted ÆØÅ straße" */
    slug("\xe6\x97\xa5\xe6\x9c\xac", "");                                                    /* "日本" */
}

static void slugify_cuts_to_48_characters_after_stripping(void **state) {
    (void)state;
    char name[80], expected[60];
    memset(name, 'x', 47), strcpy(name + 47, " y");
    memset(expected, 'x', 47), strcpy(expected + 47, "-");
    slug(name, expected); /* cut after the strip, so it may end with '-' as Django's [:48] does */
    memset(name, 'a', 60), name[60] = 0;
    memset(expected, 'a', 48), expected[48] = 0;
    slug(name, expected);
}

typedef struct fixture {
    char dir[64];
    store *st;
    engine *e;
    int64_t project;
} fixture;

static void fixture_open(fixture *f) {
    strcpy(f->dir, "/tmp/orgpulse-test-orgs-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    char err[256];
    assert_int_equal(store_open(f->dir, &f->st, err, sizeof err), STORE_OK);
    assert_int_equal(store_project_ensure(f->st, "default", &f->project), STORE_OK);
    assert_int_equal(engine_create(&f->e), 0);
}

static void fixture_close(fixture *f) {
    engine_free(f->e);
    store_close(f->st);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
}

static const org_rec *org_of(fixture *f, const char *id) {
    project_index *p = engine_project(f->e, f->project, 0);
    assert_non_null(p);
    uint32_t idx;
    assert_int_equal(engine_org_find(p, id, &idx), 0);
    return &p->orgs[idx];
}

#define NOW 1767225600000LL /* 2026-01-01T00:00:00Z */

static void org_create_takes_the_name_slug_and_a_uuid(void **state) {
    (void)state;
    fixture f;
    fixture_open(&f);
    char id[ENGINE_ORG_ID_LEN + 1];
    engine_org_change c = {.name = "Acme Inc", .domains = "[\"acme.com\"]", .settings = "{\"enforce_2fa\":true}"};
    assert_int_equal(engine_org_create(f.e, f.st, f.project, NOW, &c, id), 0);
    assert_int_equal(strlen(id), 36);
    assert_int_equal(id[14], '7'); /* version 7 */
    const org_rec *o = org_of(&f, id);
    assert_string_equal(o->name.value, "Acme Inc");
    assert_string_equal(o->slug.value, "acme-inc");
    assert_string_equal(o->domains.value, "[\"acme.com\"]");
    assert_string_equal(o->settings.value, "{\"enforce_2fa\":true}");
    assert_true(o->has_created);
    assert_int_equal(o->created_ms, NOW);
    fixture_close(&f);
}

static void org_create_with_a_taken_slug_adds_four_random_letters(void **state) {
    (void)state;
    fixture f;
    fixture_open(&f);
    char a[ENGINE_ORG_ID_LEN + 1], b[ENGINE_ORG_ID_LEN + 1];
    engine_org_change c = {.name = "Acme Inc"};
    assert_int_equal(engine_org_create(f.e, f.st, f.project, NOW, &c, a), 0);
    assert_int_equal(engine_org_create(f.e, f.st, f.project, NOW, &c, b), 0);
    const char *s = org_of(&f, b)->slug.value;
    assert_int_equal(strlen(s), 13);
    assert_memory_equal(s, "acme-inc-", 9);
    for (int i = 9; i < 13; i++) assert_true(s[i] >= 'a' && s[i] <= 'z');
    fixture_close(&f);
}

static void org_update_merges_settings_and_a_rename_keeps_the_slug(void **state) {
    (void)state;
    fixture f;
    fixture_open(&f);
    char id[ENGINE_ORG_ID_LEN + 1];
    engine_org_change c = {.name = "Acme", .settings = "{\"enforce_2fa\":true,\"plan_type\":\"Team\"}"};
    assert_int_equal(engine_org_create(f.e, f.st, f.project, NOW, &c, id), 0);
    engine_org_change u = {.name = "Renamed", .settings = "{\"plan_type\":null,\"members_can_invite\":false}"};
    assert_int_equal(engine_org_update(f.e, f.st, f.project, id, NOW, &u), 0); /* same ms: still the newest */
    const org_rec *o = org_of(&f, id);
    assert_string_equal(o->name.value, "Renamed");
    assert_string_equal(o->slug.value, "acme");
    json_t *s = json_loads(o->settings.value, 0, NULL);
    assert_true(json_is_true(json_object_get(s, "enforce_2fa")));
    assert_true(json_is_null(json_object_get(s, "plan_type")));
    assert_true(json_is_false(json_object_get(s, "members_can_invite")));
    json_decref(s);
    assert_int_equal(engine_org_update(f.e, f.st, f.project, "no-such-org", NOW, &u), ENGINE_ORG_ENOTFOUND);
    fixture_close(&f);
}

static void org_delete_hides_the_org_and_frees_its_slug(void **state) {
    (void)state;
    fixture f;
    fixture_open(&f);
    char a[ENGINE_ORG_ID_LEN + 1], b[ENGINE_ORG_ID_LEN + 1];
    engine_org_change c = {.name = "Acme"};
    assert_int_equal(engine_org_create(f.e, f.st, f.project, NOW, &c, a), 0);
    assert_int_equal(engine_org_delete(f.e, f.st, f.project, a, NOW), 0);
    assert_true(org_of(&f, a)->deleted);
    assert_int_equal(engine_org_delete(f.e, f.st, f.project, a, NOW), ENGINE_ORG_ENOTFOUND);
    engine_org_change u = {.name = "Back"};
    assert_int_equal(engine_org_update(f.e, f.st, f.project, a, NOW, &u), ENGINE_ORG_ENOTFOUND);
    assert_int_equal(engine_org_create(f.e, f.st, f.project, NOW, &c, b), 0);
    assert_string_equal(org_of(&f, b)->slug.value, "acme");
    uint32_t *live, n = engine_orgs_live(engine_project(f.e, f.project, 0), &live);
    assert_int_equal(n, 1);
    assert_string_equal(engine_project(f.e, f.project, 0)->orgs[live[0]].id, b);
    free(live);
    fixture_close(&f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(slugify_lowercases_and_joins_words_with_hyphens),
        cmocka_unit_test(slugify_strips_hyphens_and_underscores_at_the_ends),
        cmocka_unit_test(slugify_folds_compatibility_characters_to_ascii_and_drops_the_rest),
        cmocka_unit_test(slugify_cuts_to_48_characters_after_stripping),
        cmocka_unit_test(org_create_takes_the_name_slug_and_a_uuid),
        cmocka_unit_test(org_create_with_a_taken_slug_adds_four_random_letters),
        cmocka_unit_test(org_update_merges_settings_and_a_rename_keeps_the_slug),
        cmocka_unit_test(org_delete_hides_the_org_and_frees_its_slug),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
