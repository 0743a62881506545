/* tests/engine/test_event.c -- unit tests for engine/event.h, the ingestion contract of specs/events.md in code:
** every event type accepted with its required fields and rejected, naming the field, without each of them; unknown
** and malformed types; the timestamp (RFC 3339 or integer Unix seconds, default now, bounds, wrong JSON kinds); the
** idempotency id and identifier rules; user roles; usage metrics; signup_query_parameters; event_batch_parse for
** NDJSON (blank lines, CRLF, per-line errors, index_base), JSON arrays, single objects and invalid JSON; the split of
** an event into columns and `rest`; event_content_hash; and the type-name table.
** Single events go through event_batch_parse with a one-object JSON body, the way POST /v1/events sends them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine/event.h"

/* The receive time used by every test: 2026-01-10T00:00:00Z. */
#define NOW_MS 1768003200000LL
#define DAY_MS 86400000LL

/* ---- helpers ---- */

/* Parse `text` as a JSON body (one object, or an array). The caller frees the batch. */
static int parse_json(event_batch *b, const char *text) {
    event_batch_init(b);
    return event_batch_parse(b, text, strlen(text), 0, NOW_MS, 0);
}

/* Assert that `text` is one valid event; the caller reads b->events[0] and frees the batch. */
static void accept_into(event_batch *b, const char *text) {
    if (parse_json(b, text) != 0) {
        char msg[400];
        snprintf(msg, sizeof msg, "rejected %s: field %s: %s", text,
                 b->nerrors && b->errors[0].field ? b->errors[0].field : "(none)",
                 b->nerrors ? b->errors[0].message : "(none)");
        event_batch_free(b);
        fail_msg("%s", msg);
    }
    assert_int_equal(b->count, 1);
    assert_int_equal(b->nerrors, 0);
}

static void assert_accepted(const char *text) {
    event_batch b;
    accept_into(&b, text);
    event_batch_free(&b);
}

/* Assert that `text` is rejected with exactly one error naming `want_field` (NULL: no field). */
static void assert_rejected_on(const char *text, const char *want_field) {
    event_batch b;
    int rc = parse_json(&b, text);
    size_t nerrors = b.nerrors, count = b.count;
    const char *field = nerrors ? b.errors[0].field : "(no error)"; /* static strings: valid after the free */
    int has_message = nerrors && b.errors[0].message[0] != 0;
    event_batch_free(&b);
    if (rc == 0) fail_msg("accepted %s, expected a rejection on %s", text, want_field ? want_field : "(no field)");
    assert_int_equal(rc, -1);
    assert_int_equal(nerrors, 1);
    assert_int_equal(count, 0);
    assert_true(has_message);
    if (want_field == NULL) {
        if (field != NULL) fail_msg("%s: expected no field, got %s", text, field);
    } else {
        if (field == NULL) fail_msg("%s: expected field %s, got none", text, want_field);
        assert_string_equal(field, want_field);
    }
}

/* For a valid event `text` whose required fields are `required` (NULL-terminated), check that it is accepted and
 * that removing each required field in turn is rejected on exactly that field. */
static void check_required_fields(const char *text, const char *const *required) {
    assert_accepted(text);
    for (const char *const *r = required; *r; r++) {
        json_t *obj = json_loads(text, 0, NULL);
        assert_non_null(obj);
        assert_int_equal(json_object_del(obj, *r), 0);
        char *without = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(obj);
        assert_non_null(without);
        event_batch b;
        int rc = parse_json(&b, without);
        const char *field = b.nerrors ? b.errors[0].field : NULL;
        event_batch_free(&b);
        if (rc == 0) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s accepted without %s", without, *r);
            free(without);
            fail_msg("%s", msg);
        }
        free(without);
        assert_non_null(field);
        assert_string_equal(field, *r);
    }
}

static int64_t ts_of(const char *text) {
    event_batch b;
    accept_into(&b, text);
    int64_t ts = b.events[0].ts_ms;
    event_batch_free(&b);
    return ts;
}

static void parse_body(event_batch *b, const char *body, int ndjson, size_t index_base, int want_rc) {
    event_batch_init(b);
    int rc = event_batch_parse(b, body, strlen(body), ndjson, NOW_MS, index_base);
    if (rc != want_rc) {
        event_batch_free(b);
        fail_msg("event_batch_parse returned %d, expected %d, for %s", rc, want_rc, body);
    }
}

static char *repeat_char(char c, size_t n) {
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* event_content_hash of the single event in `text`. */
static uint64_t content_hash_of(const char *text) {
    event_batch b;
    accept_into(&b, text);
    const event *ev = &b.events[0];
    uint64_t h = event_content_hash((int)ev->type, ev->user_id, ev->org_id, ev->team_id, ev->rest);
    event_batch_free(&b);
    return h;
}

/* ---- types and their required fields ---- */

#define REQUIRED(...) ((const char *const[]){__VA_ARGS__, NULL})

static void user_created_requires_user_id(void **state) {
    (void)state;
    check_required_fields("{\"type\":\"user.created\",\"user_id\":\"u1\"}", REQUIRED("user_id"));
}

static void user_created_accepts_every_optional_field(void **state) {
    (void)state;
    assert_accepted("{\"type\":\"user.created\",\"user_id\":\"u1\",\"email\":\"John@Acme.com\",\"username\":\"john\","
                    "\"first_name\":\"John\",\"last_name\":\"Doe\",\"role\":\"Manager\",\"verified\":true,"
                    "\"properties\":{\"plan\":\"pro\",\"n\":3},\"signup_query_parameters\":{\"utm_source\":\"news\"}}");
}

static void user_updated_requires_user_id(void **state) {
    (void)state;
    check_required_fields("{\"type\":\"user.updated\",\"user_id\":\"u1\",\"email\":\"a@b.c\"}", REQUIRED("user_id"));
}

static void user_deactivated_requires_user_id(void **state) {
    (void)state;
    check_required_fields("{\"type\":\"user.deactivated\",\"user_id\":\"u1\"}", REQUIRED("user_id"));
}

static void user_reactivated_requires_user_id(void **state) {
    (void)state;
    check_required_fields("{\"type\":\"user.reactivated\",\"user_id\":\"u1\"}", REQUIRED("user_id"));
}

static void user_deleted_requires_user_id(void **state) {
    (void)state;
    check_required_fields("{\"type\":\"user.deleted\",\"user_id\":\"u1\"}", REQUIRED("user_id"));
}

static void org_created_requires_org_id_and_name(void **state) {
    (void)state;
    check_required_fields("{\"type\":\"org.created\",\"org_id\":\"o1\",\"name\":\"Acme\"}", REQUIRED("org_id", "name"));
}

static void org_created_accepts_every_optional_field(void **state) {
    (void)state;
    assert_accepted("{\"type\":\"org.created\",\"org_id\":\"o1\",\"name\":\"Acme\",\"slug\":\"acme\","
                    "\"domains\":[\"acme.com\",\"acme.io\"],\"metadata\":{\"k\":1},"
                    "\"settings\":{\"enforce_2fa\":true,\"plan_type\":\"enterprise\",\"license\":{\"seats\":10}}}");
}

static void org_created_rejects_a_non_string_domain(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"org.created\",\"org_id\":\"o1\",\"name\":\"Acme\",\"domains\":[\"a.com\",1]}",
                       "domains");
}

static void org_created_rejects_a_license_that_is_not_an_object(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"org.created\",\"org_id\":\"o1\",\"name\":\"Acme\",\"settings\":{\"license\":\"x\"}}",
                       "settings");
}

static void org_updated_requires_only_org_id(void **state) {
    (void)state;
    check_required_fields("{\"type\":\"org.updated\",\"org_id\":\"o1\"}", REQUIRED("org_id"));
}

static void org_deleted_requires_org_id(void **state) {
    (void)state;
    check_required_fields("{\"type\":\"org.deleted\",\"org_id\":\"o1\"}", REQUIRED("org_id"));
}

static void member_added_requires_org_id_and_user_id(void **state) {
    (void)state;
    check_required_fields("{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u1\"}",
                          REQUIRED("org_id", "user_id"));
}

static void member_added_accepts_a_free_membership_role(void **state) {
    (void)state;
    assert_accepted("{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u1\",\"role\":\"Owner\"}");
}

static void member_removed_requires_org_id_and_user_id(void **state) {
    (void)state;
    check_required_fields("{\"type\":\"member.removed\",\"org_id\":\"o1\",\"user_id\":\"u1\"}",
                          REQUIRED("org_id", "user_id"));
}

static void member_role_changed_requires_org_id_user_id_and_role(void **state) {
    (void)state;
    check_required_fields("{\"type\":\"member.role_changed\",\"org_id\":\"o1\",\"user_id\":\"u1\",\"role\":\"Admin\"}",
                          REQUIRED("org_id", "user_id", "role"));
}

static void team_created_requires_team_id_org_id_and_name(void **state) {
    (void)state;
    check_required_fields(
        "{\"type\":\"team.created\",\"team_id\":\"t1\",\"org_id\":\"o1\",\"name\":\"Core\",\"is_default\":true}",
        REQUIRED("team_id", "org_id", "name"));
}

static void team_created_rejects_a_non_boolean_is_default(void **state) {
    (void)state;
    assert_rejected_on(
        "{\"type\":\"team.created\",\"team_id\":\"t1\",\"org_id\":\"o1\",\"name\":\"Core\",\"is_default\":1}",
        "is_default");
}

static void team_deleted_requires_team_id(void **state) {
    (void)state;
    check_required_fields("{\"type\":\"team.deleted\",\"team_id\":\"t1\"}", REQUIRED("team_id"));
}

static void team_member_added_requires_team_id_and_user_id(void **state) {
    (void)state;
    check_required_fields("{\"type\":\"team.member_added\",\"team_id\":\"t1\",\"user_id\":\"u1\"}",
                          REQUIRED("team_id", "user_id"));
}

static void team_member_removed_requires_team_id_and_user_id(void **state) {
    (void)state;
    check_required_fields("{\"type\":\"team.member_removed\",\"team_id\":\"t1\",\"user_id\":\"u1\"}",
                          REQUIRED("team_id", "user_id"));
}

static void invite_sent_requires_org_id_and_email(void **state) {
    (void)state;
    check_required_fields("{\"type\":\"invite.sent\",\"org_id\":\"o1\",\"email\":\"jane@acme.com\","
                          "\"inviter_user_id\":\"u1\",\"role\":\"Member\",\"invite_id\":\"i1\",\"team_id\":\"t1\"}",
                          REQUIRED("org_id", "email"));
}

static void invite_accepted_requires_org_id_and_email(void **state) {
    (void)state;
    check_required_fields("{\"type\":\"invite.accepted\",\"org_id\":\"o1\",\"email\":\"jane@acme.com\","
                          "\"invite_id\":\"i1\",\"user_id\":\"u2\"}",
                          REQUIRED("org_id", "email"));
}

static void invite_revoked_requires_org_id_and_email(void **state) {
    (void)state;
    check_required_fields("{\"type\":\"invite.revoked\",\"org_id\":\"o1\",\"email\":\"jane@acme.com\"}",
                          REQUIRED("org_id", "email"));
}

static void activity_requires_user_id(void **state) {
    (void)state;
    check_required_fields("{\"type\":\"activity\",\"user_id\":\"u1\",\"org_id\":\"o1\"}", REQUIRED("user_id"));
}

static void usage_requires_user_id_and_metrics(void **state) {
    (void)state;
    check_required_fields("{\"type\":\"usage\",\"user_id\":\"u1\",\"feature\":\"chat\",\"org_id\":\"o1\","
                          "\"team_id\":\"t1\",\"metrics\":{\"interactions\":2}}",
                          REQUIRED("user_id", "metrics"));
}

static void accepted_event_exposes_type_and_identifiers(void **state) {
    (void)state;
    event_batch b;
    accept_into(&b, "{\"type\":\"usage\",\"user_id\":\"u1\",\"org_id\":\"o1\",\"team_id\":\"t1\",\"id\":\"e1\","
                    "\"metrics\":{\"lines\":4}}");
    const event *ev = &b.events[0];
    assert_int_equal(ev->type, EV_USAGE);
    assert_string_equal(ev->user_id, "u1");
    assert_string_equal(ev->org_id, "o1");
    assert_string_equal(ev->team_id, "t1");
    assert_string_equal(ev->id, "e1");
    event_batch_free(&b);
}

static void accepted_event_leaves_absent_identifiers_null(void **state) {
    (void)state;
    event_batch b;
    accept_into(&b, "{\"type\":\"activity\",\"user_id\":\"u1\"}");
    const event *ev = &b.events[0];
    assert_int_equal(ev->type, EV_ACTIVITY);
    assert_null(ev->org_id);
    assert_null(ev->team_id);
    assert_null(ev->id);
    event_batch_free(&b);
}

static void unknown_type_is_rejected_on_type(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"user.exploded\",\"user_id\":\"u1\"}", "type");
    assert_rejected_on("{\"type\":\"User.Created\",\"user_id\":\"u1\"}", "type");
    assert_rejected_on("{\"type\":\"\",\"user_id\":\"u1\"}", "type");
}

static void missing_type_is_rejected_on_type(void **state) {
    (void)state;
    assert_rejected_on("{\"user_id\":\"u1\"}", "type");
}

static void non_string_type_is_rejected_on_type(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":3,\"user_id\":\"u1\"}", "type");
    assert_rejected_on("{\"type\":null,\"user_id\":\"u1\"}", "type");
}

static void type_with_an_escaped_nul_is_rejected(void **state) {
    (void)state;
    /* "activity\u0000x" is not the name of any type, even to code that stops at the NUL */
    event_batch b;
    int rc = parse_json(&b, "{\"type\":\"activity\\u0000x\",\"user_id\":\"u1\"}");
    size_t count = b.count;
    event_batch_free(&b);
    assert_int_equal(rc, -1);
    assert_int_equal(count, 0);
}

static void non_object_event_is_rejected_without_a_field(void **state) {
    (void)state;
    assert_rejected_on("\"activity\"", NULL);
    assert_rejected_on("3", NULL);
    assert_rejected_on("null", NULL);
}

static void unknown_extra_fields_are_kept_in_rest(void **state) {
    (void)state;
    event_batch b;
    accept_into(&b, "{\"type\":\"activity\",\"user_id\":\"u1\",\"source\":\"web\"}");
    assert_string_equal(b.events[0].rest, "{\"source\":\"web\"}");
    event_batch_free(&b);
}

/* ---- timestamps ---- */

static void timestamp_as_rfc3339_string_is_parsed_to_ms(void **state) {
    (void)state;
    assert_int_equal(ts_of("{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":\"2026-01-05T14:48:00Z\"}"),
                     1767624480000LL);
}

static void timestamp_with_fraction_and_offset_is_parsed_to_ms(void **state) {
    (void)state;
    assert_int_equal(
        ts_of("{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":\"2026-01-05T14:48:00.123+02:00\"}"),
        1767624480000LL - 2 * 3600000LL + 123);
}

static void timestamp_as_integer_unix_seconds_is_parsed_to_ms(void **state) {
    (void)state;
    assert_int_equal(ts_of("{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":1767624480}"), 1767624480000LL);
}

static void timestamp_zero_is_the_epoch(void **state) {
    (void)state;
    assert_int_equal(ts_of("{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":0}"), 0);
    assert_int_equal(ts_of("{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":\"1970-01-01T00:00:00Z\"}"), 0);
}

static void timestamp_absent_defaults_to_now(void **state) {
    (void)state;
    assert_int_equal(ts_of("{\"type\":\"activity\",\"user_id\":\"u1\"}"), NOW_MS);
}

static void timestamp_before_1970_is_rejected(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":\"1969-12-31T23:59:59Z\"}",
                       "timestamp");
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":\"1970-01-01T00:30:00+01:00\"}",
                       "timestamp");
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":-1}", "timestamp");
}

static void timestamp_up_to_one_day_after_now_is_accepted(void **state) {
    (void)state;
    char text[128];
    snprintf(text, sizeof text, "{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":%lld}",
             (long long)((NOW_MS + DAY_MS) / 1000));
    assert_int_equal(ts_of(text), NOW_MS + DAY_MS);
}

static void timestamp_more_than_one_day_after_now_is_rejected(void **state) {
    (void)state;
    char text[128];
    snprintf(text, sizeof text, "{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":%lld}",
             (long long)((NOW_MS + DAY_MS) / 1000 + 1));
    assert_rejected_on(text, "timestamp");
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":\"2026-01-11T00:00:00.001Z\"}",
                       "timestamp");
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":\"9999-12-31T23:59:59Z\"}",
                       "timestamp");
}

static void timestamp_huge_integer_is_rejected(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":9223372036854775807}", "timestamp");
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":1767624480000}", "timestamp");
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":99999999999999999999999}", "timestamp");
}

static void timestamp_as_a_float_is_rejected(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":1767624480.5}", "timestamp");
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":1767624480.0}", "timestamp");
}

static void timestamp_as_a_bool_is_rejected(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":true}", "timestamp");
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":false}", "timestamp");
}

static void timestamp_as_a_malformed_string_is_rejected(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":\"2026-01-05\"}", "timestamp");
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":\"1767624480\"}", "timestamp");
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":\"\"}", "timestamp");
}

/* ---- the idempotency id ---- */

static void id_of_128_characters_is_accepted(void **state) {
    (void)state;
    char *id = repeat_char('a', 128);
    char text[256];
    snprintf(text, sizeof text, "{\"type\":\"activity\",\"user_id\":\"u1\",\"id\":\"%s\"}", id);
    free(id);
    assert_accepted(text);
}

static void id_longer_than_128_characters_is_rejected(void **state) {
    (void)state;
    char *id = repeat_char('a', 129);
    char text[256];
    snprintf(text, sizeof text, "{\"type\":\"activity\",\"user_id\":\"u1\",\"id\":\"%s\"}", id);
    free(id);
    assert_rejected_on(text, "id");
}

static void id_counts_characters_not_bytes(void **state) {
    (void)state;
    /* 128 two-byte characters (256 bytes) are 128 characters */
    char text[512] = "{\"type\":\"activity\",\"user_id\":\"u1\",\"id\":\"";
    for (int i = 0; i < 128; i++) strcat(text, "\xc3\xa9");
    strcat(text, "\"}");
    assert_accepted(text);
}

static void empty_id_is_rejected(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u1\",\"id\":\"\"}", "id");
}

static void non_string_id_is_rejected(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u1\",\"id\":17}", "id");
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u1\",\"id\":null}", "id");
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u1\",\"id\":[\"a\"]}", "id");
}

static void id_with_a_control_character_is_rejected(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u1\",\"id\":\"a\\nb\"}", "id");
}

/* ---- identifiers ---- */

static void user_id_with_a_control_character_is_rejected(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u\\u0001x\"}", "user_id");
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u\\tx\"}", "user_id");
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u\\u007f\"}", "user_id");
}

static void org_id_with_a_newline_is_rejected(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"org.deleted\",\"org_id\":\"o\\n1\"}", "org_id");
}

static void team_id_with_an_escape_character_is_rejected(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"team.deleted\",\"team_id\":\"\\u001b[31m\"}", "team_id");
}

static void identifier_with_an_escaped_nul_is_rejected(void **state) {
    (void)state;
    event_batch b;
    int rc = parse_json(&b, "{\"type\":\"activity\",\"user_id\":\"u\\u0000x\"}");
    size_t count = b.count;
    event_batch_free(&b);
    assert_int_equal(rc, -1);
    assert_int_equal(count, 0);
}

static void empty_identifier_is_rejected(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"\"}", "user_id");
}

static void identifier_longer_than_128_characters_is_rejected(void **state) {
    (void)state;
    char *id = repeat_char('u', 129);
    char text[256];
    snprintf(text, sizeof text, "{\"type\":\"activity\",\"user_id\":\"%s\"}", id);
    free(id);
    assert_rejected_on(text, "user_id");
}

static void non_string_identifier_is_rejected(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":42}", "user_id");
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u1\",\"org_id\":null}", "org_id");
}

static void uuid_identifiers_are_accepted(void **state) {
    (void)state;
    assert_accepted("{\"type\":\"member.added\",\"org_id\":\"4f18c3a2-0000-4000-8000-000000000001\","
                    "\"user_id\":\"813bef10-0000-4000-8000-000000000001\",\"role\":\"Owner\"}");
}

/* ---- user roles ---- */

static void user_role_accepts_the_four_instance_roles(void **state) {
    (void)state;
    const char *roles[] = {"Member", "TeamLead", "Manager", "Admin"};
    for (size_t i = 0; i < 4; i++) {
        char text[128];
        snprintf(text, sizeof text, "{\"type\":\"user.created\",\"user_id\":\"u1\",\"role\":\"%s\"}", roles[i]);
        assert_accepted(text);
        snprintf(text, sizeof text, "{\"type\":\"user.updated\",\"user_id\":\"u1\",\"role\":\"%s\"}", roles[i]);
        assert_accepted(text);
    }
}

static void user_role_rejects_any_other_value(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"user.created\",\"user_id\":\"u1\",\"role\":\"Owner\"}", "role");
    assert_rejected_on("{\"type\":\"user.created\",\"user_id\":\"u1\",\"role\":\"admin\"}", "role");
    assert_rejected_on("{\"type\":\"user.created\",\"user_id\":\"u1\",\"role\":\"Admin \"}", "role");
    assert_rejected_on("{\"type\":\"user.created\",\"user_id\":\"u1\",\"role\":\"\"}", "role");
    assert_rejected_on("{\"type\":\"user.updated\",\"user_id\":\"u1\",\"role\":1}", "role");
}

static void user_role_with_an_escaped_nul_is_rejected(void **state) {
    (void)state;
    /* "Admin\u0000x" is not one of the four roles, even to code that stops at the NUL */
    event_batch b;
    int rc = parse_json(&b, "{\"type\":\"user.created\",\"user_id\":\"u1\",\"role\":\"Admin\\u0000x\"}");
    size_t count = b.count;
    event_batch_free(&b);
    assert_int_equal(rc, -1);
    assert_int_equal(count, 0);
}

static void user_verified_must_be_a_boolean(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"user.created\",\"user_id\":\"u1\",\"verified\":\"yes\"}", "verified");
}

static void user_properties_must_be_an_object(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"user.updated\",\"user_id\":\"u1\",\"properties\":[1]}", "properties");
}

static void user_email_must_be_a_non_empty_string(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"user.created\",\"user_id\":\"u1\",\"email\":\"\"}", "email");
    assert_rejected_on("{\"type\":\"user.created\",\"user_id\":\"u1\",\"email\":7}", "email");
}

/* ---- signup_query_parameters ---- */

static void signup_query_parameters_accepts_string_values(void **state) {
    (void)state;
    assert_accepted("{\"type\":\"user.created\",\"user_id\":\"u1\","
                    "\"signup_query_parameters\":{\"utm_source\":\"newsletter\",\"utm_medium\":\"\"}}");
}

static void signup_query_parameters_rejects_non_string_values(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"user.created\",\"user_id\":\"u1\",\"signup_query_parameters\":{\"utm_source\":1}}",
                       "signup_query_parameters");
    assert_rejected_on(
        "{\"type\":\"user.created\",\"user_id\":\"u1\",\"signup_query_parameters\":{\"a\":\"x\",\"b\":null}}",
        "signup_query_parameters");
    assert_rejected_on(
        "{\"type\":\"user.updated\",\"user_id\":\"u1\",\"signup_query_parameters\":{\"a\":{\"b\":\"c\"}}}",
        "signup_query_parameters");
}

static void signup_query_parameters_must_be_an_object(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"user.created\",\"user_id\":\"u1\",\"signup_query_parameters\":\"utm_source=x\"}",
                       "signup_query_parameters");
}

/* ---- usage metrics ---- */

static void metrics_names_may_use_letters_digits_and_punctuation(void **state) {
    (void)state;
    assert_accepted("{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"Az09_.:-\":1,\"completions\":3,"
                    "\"charsCompleted\":120}}");
}

static void metrics_name_of_64_characters_is_accepted(void **state) {
    (void)state;
    char *name = repeat_char('m', 64);
    char text[256];
    snprintf(text, sizeof text, "{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"%s\":1}}", name);
    free(name);
    assert_accepted(text);
}

static void metrics_name_longer_than_64_characters_is_rejected(void **state) {
    (void)state;
    char *name = repeat_char('m', 65);
    char text[256];
    snprintf(text, sizeof text, "{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"%s\":1}}", name);
    free(name);
    assert_rejected_on(text, "metrics");
}

static void metrics_name_outside_the_character_set_is_rejected(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"lines added\":1}}", "metrics");
    assert_rejected_on("{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"lines/added\":1}}", "metrics");
    assert_rejected_on("{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"\\u00e9\":1}}", "metrics");
    assert_rejected_on("{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"\":1}}", "metrics");
}

static void metrics_values_may_be_zero_integers_or_fractions(void **state) {
    (void)state;
    assert_accepted("{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"a\":0,\"b\":12,\"c\":0.25,\"d\":1e300}}");
}

static void metrics_negative_values_are_rejected(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"a\":-1}}", "metrics");
    assert_rejected_on("{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"a\":1,\"b\":-0.5}}", "metrics");
}

static void metrics_non_number_values_are_rejected(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"a\":\"3\"}}", "metrics");
    assert_rejected_on("{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"a\":true}}", "metrics");
    assert_rejected_on("{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"a\":null}}", "metrics");
    assert_rejected_on("{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"a\":[1]}}", "metrics");
}

static void metrics_must_be_an_object(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":[1,2]}", "metrics");
    assert_rejected_on("{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":5}", "metrics");
}

static void metrics_value_that_overflows_to_infinity_is_rejected(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"a\":1e400}}", "metrics");
}

static void metrics_negative_zero_is_accepted(void **state) {
    (void)state;
    assert_accepted("{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"a\":-0}}");
}

/* ---- strict JSON ---- */

static void numbers_outside_the_json_grammar_are_invalid_json(void **state) {
    (void)state;
    const char *bad[] = {"NaN", "Infinity", "-Infinity", "01", "+1", ".5", "1.", "1e", "0x10", "- 1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[128];
        snprintf(text, sizeof text, "{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"a\":%s}}", bad[i]);
        assert_rejected_on(text, NULL);
    }
}

static void invalid_utf8_is_invalid_json(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"user.created\",\"user_id\":\"u1\",\"first_name\":\"\xff\"}", NULL);
    assert_rejected_on("{\"type\":\"user.created\",\"user_id\":\"u1\",\"first_name\":\"\xc3\"}", NULL);
    assert_rejected_on("{\"type\":\"user.created\",\"user_id\":\"u1\",\"first_name\":\"\xed\xa0\x80\"}", NULL);
}

static void lone_surrogate_escape_is_invalid_json(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"user.created\",\"user_id\":\"u1\",\"first_name\":\"\\ud800\"}", NULL);
    assert_rejected_on("{\"type\":\"user.created\",\"user_id\":\"u1\",\"first_name\":\"\\udc00x\"}", NULL);
}

static void raw_control_character_in_a_string_is_invalid_json(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"user.created\",\"user_id\":\"u1\",\"first_name\":\"a\tb\"}", NULL);
}

static void surrogate_pair_counts_as_one_identifier_character(void **state) {
    (void)state;
    char text[2048];
    for (int n = 128; n <= 129; n++) {
        strcpy(text, "{\"type\":\"activity\",\"user_id\":\"");
        for (int i = 0; i < n; i++) strcat(text, "\\ud83d\\ude00");
        strcat(text, "\"}");
        if (n == 128)
            assert_accepted(text);
        else
            assert_rejected_on(text, "user_id");
    }
}

static void deeply_nested_properties_are_rejected(void **state) {
    (void)state;
    char text[1024] = "{\"type\":\"user.created\",\"user_id\":\"u1\",\"properties\":";
    for (int i = 0; i < 100; i++) strcat(text, "[");
    for (int i = 0; i < 100; i++) strcat(text, "]");
    strcat(text, "}");
    assert_rejected_on(text, NULL);
}

static void moderately_nested_properties_are_accepted(void **state) {
    (void)state;
    assert_accepted("{\"type\":\"user.created\",\"user_id\":\"u1\",\"properties\":{\"a\":{\"b\":[1,[2,{\"c\":null}]]}}}");
}

static void duplicate_keys_are_invalid_json(void **state) {
    (void)state;
    assert_rejected_on("{\"type\":\"activity\",\"user_id\":\"u1\",\"user_id\":\"u2\"}", NULL);
}

static void usage_feature_must_be_a_short_printable_string(void **state) {
    (void)state;
    char *feature = repeat_char('f', 65);
    char text[256];
    snprintf(text, sizeof text, "{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"a\":1},\"feature\":\"%s\"}",
             feature);
    free(feature);
    assert_rejected_on(text, "feature");
    assert_rejected_on("{\"type\":\"usage\",\"user_id\":\"u1\",\"metrics\":{\"a\":1},\"feature\":\"\"}", "feature");
}

/* ---- event_batch_parse: NDJSON ---- */

static void ndjson_parses_every_line(void **state) {
    (void)state;
    event_batch b;
    parse_body(&b,
               "{\"type\":\"activity\",\"user_id\":\"u1\"}\n"
               "{\"type\":\"activity\",\"user_id\":\"u2\"}\n"
               "{\"type\":\"org.deleted\",\"org_id\":\"o1\"}\n",
               1, 0, 0);
    assert_int_equal(b.count, 3);
    assert_int_equal(b.nerrors, 0);
    assert_string_equal(b.events[0].user_id, "u1");
    assert_string_equal(b.events[1].user_id, "u2");
    assert_int_equal(b.events[2].type, EV_ORG_DELETED);
    event_batch_free(&b);
}

static void ndjson_last_line_needs_no_newline(void **state) {
    (void)state;
    event_batch b;
    parse_body(&b, "{\"type\":\"activity\",\"user_id\":\"u1\"}\n{\"type\":\"activity\",\"user_id\":\"u2\"}", 1, 0, 0);
    assert_int_equal(b.count, 2);
    event_batch_free(&b);
}

static void ndjson_empty_body_is_an_empty_valid_batch(void **state) {
    (void)state;
    event_batch b;
    parse_body(&b, "", 1, 0, 0);
    assert_int_equal(b.count, 0);
    assert_int_equal(b.nerrors, 0);
    event_batch_free(&b);
}

static void ndjson_skips_blank_lines(void **state) {
    (void)state;
    event_batch b;
    parse_body(&b, "\n{\"type\":\"activity\",\"user_id\":\"u1\"}\n\n   \n\t\n{\"type\":\"activity\",\"user_id\":\"u2\"}\n\n",
               1, 0, 0);
    assert_int_equal(b.count, 2);
    assert_int_equal(b.nerrors, 0);
    event_batch_free(&b);
}

static void ndjson_counts_blank_lines_in_error_indexes(void **state) {
    (void)state;
    event_batch b;
    parse_body(&b, "{\"type\":\"activity\",\"user_id\":\"u1\"}\n\n\n{\"type\":\"activity\"}\n", 1, 0, -1);
    assert_int_equal(b.nerrors, 1);
    assert_int_equal(b.errors[0].index, 3);
    assert_string_equal(b.errors[0].field, "user_id");
    event_batch_free(&b);
}

static void ndjson_accepts_crlf_line_endings(void **state) {
    (void)state;
    event_batch b;
    parse_body(&b, "{\"type\":\"activity\",\"user_id\":\"u1\"}\r\n\r\n{\"type\":\"activity\",\"user_id\":\"u2\"}\r\n", 1, 0,
               0);
    assert_int_equal(b.count, 2);
    assert_string_equal(b.events[1].user_id, "u2");
    event_batch_free(&b);
}

static void ndjson_reports_every_bad_line_with_its_line_number(void **state) {
    (void)state;
    event_batch b;
    parse_body(&b,
               "{\"type\":\"activity\",\"user_id\":\"u1\"}\n"         /* 0 ok */
               "{\"type\":\"nope\",\"user_id\":\"u1\"}\n"              /* 1 type */
               "{\"type\":\"activity\",\"user_id\":\"u2\"}\n"         /* 2 ok */
               "{not json\n"                                          /* 3 invalid JSON */
               "\n"                                                   /* 4 blank */
               "{\"type\":\"activity\",\"user_id\":\"u3\",\"timestamp\":true}\n" /* 5 timestamp */
               "[1]\n",                                               /* 6 not an object */
               1, 0, -1);
    assert_int_equal(b.nerrors, 4);
    assert_int_equal(b.errors[0].index, 1);
    assert_string_equal(b.errors[0].field, "type");
    assert_int_equal(b.errors[1].index, 3);
    assert_null(b.errors[1].field);
    assert_non_null(strstr(b.errors[1].message, "invalid JSON"));
    assert_int_equal(b.errors[2].index, 5);
    assert_string_equal(b.errors[2].field, "timestamp");
    assert_int_equal(b.errors[3].index, 6);
    assert_null(b.errors[3].field);
    event_batch_free(&b);
}

static void ndjson_error_messages_are_not_empty(void **state) {
    (void)state;
    event_batch b;
    parse_body(&b, "{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":\"yesterday\"}\n", 1, 0, -1);
    assert_int_equal(b.nerrors, 1);
    assert_true(strlen(b.errors[0].message) > 0);
    event_batch_free(&b);
}

static void ndjson_adds_index_base_to_line_numbers(void **state) {
    (void)state;
    event_batch b;
    parse_body(&b, "{\"type\":\"activity\",\"user_id\":\"u1\"}\n\n{\"type\":\"activity\"}\nnope\n", 1, 1000, -1);
    assert_int_equal(b.nerrors, 2);
    assert_int_equal(b.errors[0].index, 1002);
    assert_int_equal(b.errors[1].index, 1003);
    event_batch_free(&b);
}

static void ndjson_rejects_two_objects_on_one_line(void **state) {
    (void)state;
    event_batch b;
    parse_body(&b, "{\"type\":\"activity\",\"user_id\":\"u1\"} {\"type\":\"activity\",\"user_id\":\"u2\"}\n", 1, 0, -1);
    assert_int_equal(b.nerrors, 1);
    assert_int_equal(b.errors[0].index, 0);
    event_batch_free(&b);
}

static void ndjson_rejects_duplicate_keys(void **state) {
    (void)state;
    event_batch b;
    parse_body(&b, "{\"type\":\"activity\",\"user_id\":\"u1\",\"user_id\":\"u2\"}\n", 1, 0, -1);
    assert_int_equal(b.nerrors, 1);
    event_batch_free(&b);
}

static void ndjson_caps_the_number_of_errors(void **state) {
    (void)state;
    size_t lines = EVENT_BATCH_MAX_ERRORS + 500;
    char *body = malloc(lines * 3 + 1);
    assert_non_null(body);
    for (size_t i = 0; i < lines; i++) memcpy(body + i * 3, "{}\n", 3);
    body[lines * 3] = '\0';
    event_batch b;
    parse_body(&b, body, 1, 0, -1);
    free(body);
    assert_int_equal(b.nerrors, EVENT_BATCH_MAX_ERRORS);
    assert_int_equal(b.errors[EVENT_BATCH_MAX_ERRORS - 1].index, EVENT_BATCH_MAX_ERRORS - 1);
    event_batch_free(&b);
}

static void ndjson_events_keep_their_own_timestamps(void **state) {
    (void)state;
    event_batch b;
    parse_body(&b,
               "{\"type\":\"activity\",\"user_id\":\"u1\",\"timestamp\":1767624480}\n"
               "{\"type\":\"activity\",\"user_id\":\"u1\"}\n",
               1, 0, 0);
    assert_int_equal(b.count, 2);
    assert_int_equal(b.events[0].ts_ms, 1767624480000LL);
    assert_int_equal(b.events[1].ts_ms, NOW_MS);
    event_batch_free(&b);
}

/* ---- event_batch_parse: JSON ---- */

static void json_array_gives_one_event_per_element(void **state) {
    (void)state;
    event_batch b;
    parse_body(&b, "[{\"type\":\"activity\",\"user_id\":\"u1\"},{\"type\":\"user.deleted\",\"user_id\":\"u2\"}]", 0,
               0, 0);
    assert_int_equal(b.count, 2);
    assert_int_equal(b.events[0].type, EV_ACTIVITY);
    assert_int_equal(b.events[1].type, EV_USER_DELETED);
    assert_string_equal(b.events[1].user_id, "u2");
    event_batch_free(&b);
}

static void json_array_error_indexes_are_positions(void **state) {
    (void)state;
    event_batch b;
    parse_body(&b,
               "[{\"type\":\"activity\",\"user_id\":\"u1\"},"
               "{\"type\":\"activity\"},"
               "{\"type\":\"activity\",\"user_id\":\"u2\"},"
               "3,"
               "{\"type\":\"org.created\",\"org_id\":\"o1\"}]",
               0, 0, -1);
    assert_int_equal(b.nerrors, 3);
    assert_int_equal(b.errors[0].index, 1);
    assert_string_equal(b.errors[0].field, "user_id");
    assert_int_equal(b.errors[1].index, 3);
    assert_null(b.errors[1].field);
    assert_int_equal(b.errors[2].index, 4);
    assert_string_equal(b.errors[2].field, "name");
    event_batch_free(&b);
}

static void json_array_adds_index_base_to_positions(void **state) {
    (void)state;
    event_batch b;
    parse_body(&b, "[{\"type\":\"activity\",\"user_id\":\"u1\"},{\"type\":\"activity\"}]", 0, 50, -1);
    assert_int_equal(b.nerrors, 1);
    assert_int_equal(b.errors[0].index, 51);
    event_batch_free(&b);
}

static void json_empty_array_is_an_empty_valid_batch(void **state) {
    (void)state;
    event_batch b;
    parse_body(&b, "[]", 0, 0, 0);
    assert_int_equal(b.count, 0);
    assert_int_equal(b.nerrors, 0);
    event_batch_free(&b);
}

static void json_single_object_is_one_event(void **state) {
    (void)state;
    event_batch b;
    parse_body(&b, "{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u1\",\"role\":\"Owner\"}", 0, 0, 0);
    assert_int_equal(b.count, 1);
    assert_int_equal(b.events[0].type, EV_MEMBER_ADDED);
    assert_string_equal(b.events[0].org_id, "o1");
    event_batch_free(&b);
}

static void json_single_invalid_object_is_error_zero(void **state) {
    (void)state;
    event_batch b;
    parse_body(&b, "{\"type\":\"member.added\",\"org_id\":\"o1\"}", 0, 0, -1);
    assert_int_equal(b.nerrors, 1);
    assert_int_equal(b.errors[0].index, 0);
    assert_string_equal(b.errors[0].field, "user_id");
    event_batch_free(&b);
}

static void json_invalid_text_is_one_error_without_a_field(void **state) {
    (void)state;
    event_batch b;
    parse_body(&b, "[{\"type\":\"activity\",\"user_id\":\"u1\"},", 0, 7, -1);
    assert_int_equal(b.count, 0);
    assert_int_equal(b.nerrors, 1);
    assert_int_equal(b.errors[0].index, 7);
    assert_null(b.errors[0].field);
    assert_non_null(strstr(b.errors[0].message, "invalid JSON"));
    event_batch_free(&b);
}

static void json_body_that_is_not_an_object_or_array_is_rejected(void **state) {
    (void)state;
    event_batch b;
    parse_body(&b, "\"activity\"", 0, 0, -1);
    assert_int_equal(b.nerrors, 1);
    assert_null(b.errors[0].field);
    event_batch_free(&b);
}

static void json_array_with_a_nul_in_the_type_is_rejected(void **state) {
    (void)state;
    event_batch b;
    parse_body(&b, "[{\"type\":\"activity\",\"user_id\":\"u1\"},{\"type\":\"activity\\u0000x\",\"user_id\":\"u1\"}]", 0,
               0, -1);
    assert_true(b.nerrors >= 1);
    event_batch_free(&b);
}

static void batch_reset_allows_parsing_the_next_body(void **state) {
    (void)state;
    event_batch b;
    parse_body(&b, "{\"type\":\"activity\",\"user_id\":\"u1\"}\n{\"type\":\"activity\"}\n", 1, 0, -1);
    event_batch_reset(&b);
    assert_int_equal(b.count, 0);
    assert_int_equal(b.nerrors, 0);
    const char *next = "{\"type\":\"activity\",\"user_id\":\"u2\"}\n";
    assert_int_equal(event_batch_parse(&b, next, strlen(next), 1, NOW_MS, 0), 0);
    assert_int_equal(b.count, 1);
    assert_string_equal(b.events[0].user_id, "u2");
    event_batch_free(&b);
}

/* ---- helpers of the module ---- */

static void rest_holds_every_member_that_is_not_a_column(void **state) {
    (void)state;
    event_batch b;
    accept_into(&b, "{\"type\":\"user.created\",\"id\":\"e1\",\"user_id\":\"u1\",\"email\":\"a@b.c\","
                    "\"timestamp\":\"2026-01-05T14:48:00Z\",\"role\":\"Admin\"}");
    const event *ev = &b.events[0];
    assert_string_equal(ev->user_id, "u1");
    assert_string_equal(ev->id, "e1");
    assert_string_equal(ev->rest, "{\"email\":\"a@b.c\",\"role\":\"Admin\"}");
    event_batch_free(&b);
}

static void rest_is_null_when_the_columns_say_everything(void **state) {
    (void)state;
    event_batch b;
    accept_into(&b, "{\"type\":\"activity\",\"user_id\":\"u1\",\"org_id\":\"o1\",\"id\":\"e1\","
                    "\"timestamp\":\"2026-01-05T14:48:00Z\"}");
    assert_null(b.events[0].rest);
    event_batch_free(&b);
    accept_into(&b, "{\"type\":\"team.member_added\",\"team_id\":\"t1\",\"user_id\":\"u1\"}");
    assert_null(b.events[0].rest);
    event_batch_free(&b);
}

static void rest_keeps_nested_values_as_json(void **state) {
    (void)state;
    event_batch b;
    accept_into(&b, "{\"type\":\"usage\",\"user_id\":\"u1\",\"feature\":\"chat\","
                    "\"metrics\":{\"interactions\":2,\"lines\":0.5}}");
    const char *rest = b.events[0].rest;
    assert_non_null(rest);
    json_error_t jerr;
    json_t *obj = json_loads(rest, 0, &jerr);
    event_batch_free(&b);
    assert_non_null(obj);
    assert_string_equal(json_string_value(json_object_get(obj, "feature")), "chat");
    json_t *metrics = json_object_get(obj, "metrics");
    assert_true(json_is_object(metrics));
    assert_int_equal(json_integer_value(json_object_get(metrics, "interactions")), 2);
    assert_true(json_real_value(json_object_get(metrics, "lines")) == 0.5);
    assert_null(json_object_get(obj, "user_id"));
    assert_null(json_object_get(obj, "type"));
    json_decref(obj);
}

static void ids_that_are_not_columns_stay_in_rest(void **state) {
    (void)state;
    event_batch b;
    accept_into(&b, "{\"type\":\"invite.sent\",\"org_id\":\"o1\",\"email\":\"j@x.com\",\"inviter_user_id\":\"u1\","
                    "\"team_id\":\"t1\"}");
    const event *ev = &b.events[0];
    assert_null(ev->user_id); /* the inviter is not the event's user */
    assert_string_equal(ev->org_id, "o1");
    assert_string_equal(ev->team_id, "t1");
    assert_string_equal(ev->rest, "{\"email\":\"j@x.com\",\"inviter_user_id\":\"u1\"}");
    event_batch_free(&b);
}

static void content_hash_is_the_same_for_the_same_event(void **state) {
    (void)state;
    const char *text = "{\"type\":\"user.updated\",\"user_id\":\"u1\",\"email\":\"a@b.c\"}";
    assert_true(content_hash_of(text) == content_hash_of(text));
}

static void content_hash_ignores_timestamp_and_id(void **state) {
    (void)state;
    assert_true(content_hash_of("{\"type\":\"user.updated\",\"user_id\":\"u1\",\"email\":\"a@b.c\",\"id\":\"e1\","
                                "\"timestamp\":1767624480}") ==
                content_hash_of("{\"type\":\"user.updated\",\"user_id\":\"u1\",\"email\":\"a@b.c\"}"));
}

static void content_hash_differs_by_type_user_and_fields(void **state) {
    (void)state;
    uint64_t base = content_hash_of("{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u1\"}");
    assert_true(base != content_hash_of("{\"type\":\"member.removed\",\"org_id\":\"o1\",\"user_id\":\"u1\"}"));
    assert_true(base != content_hash_of("{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u2\"}"));
    assert_true(base != content_hash_of("{\"type\":\"member.added\",\"org_id\":\"o2\",\"user_id\":\"u1\"}"));
    assert_true(base != content_hash_of("{\"type\":\"member.added\",\"org_id\":\"o1\",\"user_id\":\"u1\","
                                        "\"role\":\"Owner\"}"));
}

static void content_hash_does_not_depend_on_member_order(void **state) {
    (void)state;
    /* event.h: "a hash of its content, the same wherever and whenever it arrives"; index.h note (1): the tiebreak
     * is "a hash of the event's canonical JSON, so equal timestamps resolve the same way everywhere". The same
     * event with its members written in another order has the same content. */
    assert_true(content_hash_of("{\"type\":\"user.updated\",\"user_id\":\"u1\",\"email\":\"a@b.c\",\"first_name\":\"A\"}") ==
                content_hash_of("{\"first_name\":\"A\",\"email\":\"a@b.c\",\"user_id\":\"u1\",\"type\":\"user.updated\"}"));
}

static void type_names_round_trip(void **state) {
    (void)state;
    for (int t = 0; t < EV__COUNT; t++) {
        event_type back;
        const char *name = event_type_name((event_type)t);
        assert_non_null(name);
        assert_int_equal(event_type_from_name(name, &back), 0);
        assert_int_equal(back, t);
    }
    assert_string_equal(event_type_name(EV_MEMBER_ROLE_CHANGED), "member.role_changed");
    assert_string_equal(event_type_name(EV_TEAM_MEMBER_ADDED), "team.member_added");
}

static void unknown_type_name_is_not_found(void **state) {
    (void)state;
    event_type t;
    assert_int_equal(event_type_from_name("user", &t), -1);
    assert_int_equal(event_type_from_name("", &t), -1);
    assert_string_equal(event_type_name(EV__COUNT), "unknown");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(user_created_requires_user_id),
        cmocka_unit_test(user_created_accepts_every_optional_field),
        cmocka_unit_test(user_updated_requires_user_id),
        cmocka_unit_test(user_deactivated_requires_user_id),
        cmocka_unit_test(user_reactivated_requires_user_id),
        cmocka_unit_test(user_deleted_requires_user_id),
        cmocka_unit_test(org_created_requires_org_id_and_name),
        cmocka_unit_test(org_created_accepts_every_optional_field),
        cmocka_unit_test(org_created_rejects_a_non_string_domain),
        cmocka_unit_test(org_created_rejects_a_license_that_is_not_an_object),
        cmocka_unit_test(org_updated_requires_only_org_id),
        cmocka_unit_test(org_deleted_requires_org_id),
        cmocka_unit_test(member_added_requires_org_id_and_user_id),
        cmocka_unit_test(member_added_accepts_a_free_membership_role),
        cmocka_unit_test(member_removed_requires_org_id_and_user_id),
        cmocka_unit_test(member_role_changed_requires_org_id_user_id_and_role),
        cmocka_unit_test(team_created_requires_team_id_org_id_and_name),
        cmocka_unit_test(team_created_rejects_a_non_boolean_is_default),
        cmocka_unit_test(team_deleted_requires_team_id),
        cmocka_unit_test(team_member_added_requires_team_id_and_user_id),
        cmocka_unit_test(team_member_removed_requires_team_id_and_user_id),
        cmocka_unit_test(invite_sent_requires_org_id_and_email),
        cmocka_unit_test(invite_accepted_requires_org_id_and_email),
        cmocka_unit_test(invite_revoked_requires_org_id_and_email),
        cmocka_unit_test(activity_requires_user_id),
        cmocka_unit_test(usage_requires_user_id_and_metrics),
        cmocka_unit_test(accepted_event_exposes_type_and_identifiers),
        cmocka_unit_test(accepted_event_leaves_absent_identifiers_null),
        cmocka_unit_test(unknown_type_is_rejected_on_type),
        cmocka_unit_test(missing_type_is_rejected_on_type),
        cmocka_unit_test(non_string_type_is_rejected_on_type),
        cmocka_unit_test(type_with_an_escaped_nul_is_rejected),
        cmocka_unit_test(non_object_event_is_rejected_without_a_field),
        cmocka_unit_test(unknown_extra_fields_are_kept_in_rest),
        cmocka_unit_test(timestamp_as_rfc3339_string_is_parsed_to_ms),
        cmocka_unit_test(timestamp_with_fraction_and_offset_is_parsed_to_ms),
        cmocka_unit_test(timestamp_as_integer_unix_seconds_is_parsed_to_ms),
        cmocka_unit_test(timestamp_zero_is_the_epoch),
        cmocka_unit_test(timestamp_absent_defaults_to_now),
        cmocka_unit_test(timestamp_before_1970_is_rejected),
        cmocka_unit_test(timestamp_up_to_one_day_after_now_is_accepted),
        cmocka_unit_test(timestamp_more_than_one_day_after_now_is_rejected),
        cmocka_unit_test(timestamp_huge_integer_is_rejected),
        cmocka_unit_test(timestamp_as_a_float_is_rejected),
        cmocka_unit_test(timestamp_as_a_bool_is_rejected),
        cmocka_unit_test(timestamp_as_a_malformed_string_is_rejected),
        cmocka_unit_test(id_of_128_characters_is_accepted),
        cmocka_unit_test(id_longer_than_128_characters_is_rejected),
        cmocka_unit_test(id_counts_characters_not_bytes),
        cmocka_unit_test(empty_id_is_rejected),
        cmocka_unit_test(non_string_id_is_rejected),
        cmocka_unit_test(id_with_a_control_character_is_rejected),
        cmocka_unit_test(user_id_with_a_control_character_is_rejected),
        cmocka_unit_test(org_id_with_a_newline_is_rejected),
        cmocka_unit_test(team_id_with_an_escape_character_is_rejected),
        cmocka_unit_test(identifier_with_an_escaped_nul_is_rejected),
        cmocka_unit_test(empty_identifier_is_rejected),
        cmocka_unit_test(identifier_longer_than_128_characters_is_rejected),
        cmocka_unit_test(non_string_identifier_is_rejected),
        cmocka_unit_test(uuid_identifiers_are_accepted),
        cmocka_unit_test(user_role_accepts_the_four_instance_roles),
        cmocka_unit_test(user_role_rejects_any_other_value),
        cmocka_unit_test(user_role_with_an_escaped_nul_is_rejected),
        cmocka_unit_test(user_verified_must_be_a_boolean),
        cmocka_unit_test(user_properties_must_be_an_object),
        cmocka_unit_test(user_email_must_be_a_non_empty_string),
        cmocka_unit_test(signup_query_parameters_accepts_string_values),
        cmocka_unit_test(signup_query_parameters_rejects_non_string_values),
        cmocka_unit_test(signup_query_parameters_must_be_an_object),
        cmocka_unit_test(metrics_names_may_use_letters_digits_and_punctuation),
        cmocka_unit_test(metrics_name_of_64_characters_is_accepted),
        cmocka_unit_test(metrics_name_longer_than_64_characters_is_rejected),
        cmocka_unit_test(metrics_name_outside_the_character_set_is_rejected),
        cmocka_unit_test(metrics_values_may_be_zero_integers_or_fractions),
        cmocka_unit_test(metrics_negative_values_are_rejected),
        cmocka_unit_test(metrics_non_number_values_are_rejected),
        cmocka_unit_test(metrics_must_be_an_object),
        cmocka_unit_test(metrics_value_that_overflows_to_infinity_is_rejected),
        cmocka_unit_test(metrics_negative_zero_is_accepted),
        cmocka_unit_test(numbers_outside_the_json_grammar_are_invalid_json),
        cmocka_unit_test(invalid_utf8_is_invalid_json),
        cmocka_unit_test(lone_surrogate_escape_is_invalid_json),
        cmocka_unit_test(raw_control_character_in_a_string_is_invalid_json),
        cmocka_unit_test(surrogate_pair_counts_as_one_identifier_character),
        cmocka_unit_test(deeply_nested_properties_are_rejected),
        cmocka_unit_test(moderately_nested_properties_are_accepted),
        cmocka_unit_test(duplicate_keys_are_invalid_json),
        cmocka_unit_test(usage_feature_must_be_a_short_printable_string),
        cmocka_unit_test(ndjson_parses_every_line),
        cmocka_unit_test(ndjson_last_line_needs_no_newline),
        cmocka_unit_test(ndjson_empty_body_is_an_empty_valid_batch),
        cmocka_unit_test(ndjson_skips_blank_lines),
        cmocka_unit_test(ndjson_counts_blank_lines_in_error_indexes),
        cmocka_unit_test(ndjson_accepts_crlf_line_endings),
        cmocka_unit_test(ndjson_reports_every_bad_line_with_its_line_number),
        cmocka_unit_test(ndjson_error_messages_are_not_empty),
        cmocka_unit_test(ndjson_adds_index_base_to_line_numbers),
        cmocka_unit_test(ndjson_rejects_two_objects_on_one_line),
        cmocka_unit_test(ndjson_rejects_duplicate_keys),
        cmocka_unit_test(ndjson_caps_the_number_of_errors),
        cmocka_unit_test(ndjson_events_keep_their_own_timestamps),
        cmocka_unit_test(json_array_gives_one_event_per_element),
        cmocka_unit_test(json_array_error_indexes_are_positions),
        cmocka_unit_test(json_array_adds_index_base_to_positions),
        cmocka_unit_test(json_empty_array_is_an_empty_valid_batch),
        cmocka_unit_test(json_single_object_is_one_event),
        cmocka_unit_test(json_single_invalid_object_is_error_zero),
        cmocka_unit_test(json_invalid_text_is_one_error_without_a_field),
        cmocka_unit_test(json_body_that_is_not_an_object_or_array_is_rejected),
        cmocka_unit_test(json_array_with_a_nul_in_the_type_is_rejected),
        cmocka_unit_test(batch_reset_allows_parsing_the_next_body),
        cmocka_unit_test(rest_holds_every_member_that_is_not_a_column),
        cmocka_unit_test(rest_is_null_when_the_columns_say_everything),
        cmocka_unit_test(rest_keeps_nested_values_as_json),
        cmocka_unit_test(ids_that_are_not_columns_stay_in_rest),
        cmocka_unit_test(content_hash_is_the_same_for_the_same_event),
        cmocka_unit_test(content_hash_ignores_timestamp_and_id),
        cmocka_unit_test(content_hash_differs_by_type_user_and_fields),
        cmocka_unit_test(content_hash_does_not_depend_on_member_order),
        cmocka_unit_test(type_names_round_trip),
        cmocka_unit_test(unknown_type_name_is_not_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
