"""POST /v1/events (events.md): formats, atomic batches, per-line errors, idempotency ids, limits, content types."""
import json

from conftest import Server, ndjson

ORG = "4f18c3a2-0000-4000-8000-000000000001"
JOHN = "813bef10-0000-4000-8000-000000000001"
JANE = "813bef10-0000-4000-8000-000000000002"


def stats(server, key, day=None):
    r = server.request("GET", "/v1/stats" + (f"?day={day}" if day else ""), key)
    assert r.status_code == 200, r.text
    return r.json()


def example_events():
    return [
        {"type": "org.created", "org_id": ORG, "name": "Acme Inc", "timestamp": "2026-01-02T09:00:00Z"},
        {"type": "user.created", "user_id": JOHN, "email": "john@acmeinc.com", "first_name": "John",
         "last_name": "Doe", "signup_query_parameters": {"utm_source": "newsletter"},
         "timestamp": "2026-01-02T09:01:00Z"},
        {"type": "member.added", "org_id": ORG, "user_id": JOHN, "role": "Owner", "timestamp": "2026-01-02T09:01:00Z"},
        {"type": "invite.sent", "org_id": ORG, "inviter_user_id": JOHN, "email": "jane@acmeinc.com",
         "timestamp": "2026-01-03T10:00:00Z"},
        {"type": "activity", "user_id": JOHN, "org_id": ORG, "timestamp": "2026-01-05T14:48:00Z", "id": "evt-000017"},
        {"type": "usage", "user_id": JOHN, "feature": "codeCompletions",
         "metrics": {"completions": 3, "charsCompleted": 120, "keystrokes": 300, "lines": 4},
         "timestamp": "2026-01-05T14:50:00Z"},
    ]


def test_the_spec_example_is_accepted_and_readable(server, admin):
    r = server.post_events(admin, example_events())
    assert r.status_code == 200, r.text
    assert r.json() == {"accepted": 6, "duplicates": 0}
    user = server.request("GET", f"/v1/users/{JOHN}", admin).json()
    assert user["email"] == "john@acmeinc.com"
    assert user["signup_query_parameters"] == {"utm_source": "newsletter"}
    assert user["created_at"] == "2026-01-02T09:01:00.000Z"
    assert user["last_active_at"] == "2026-01-05T14:50:00.000Z"
    assert user["memberships"] == [{"org_id": ORG, "org_name": "Acme Inc", "role": "Owner",
                                    "added_at": "2026-01-02T09:01:00.000Z"}]
    org = server.request("GET", f"/v1/orgs/{ORG}", admin).json()
    assert org["name"] == "Acme Inc"
    assert org["members"] == [{"user_id": JOHN, "role": "Owner", "added_at": "2026-01-02T09:01:00.000Z"}]
    s = stats(server, admin, "2026-01-05")
    assert (s["users"], s["orgs"], s["memberships"], s["events"], s["active_users"]) == (1, 1, 1, 6, 1)
    assert stats(server, admin, "2026-01-04")["active_users"] == 0


def test_ndjson_json_array_and_single_object_are_all_accepted(server, admin):
    evs = [{"type": "activity", "user_id": f"u{i}", "timestamp": "2026-02-01T10:00:00Z"} for i in range(3)]
    assert server.post_events(admin, evs[:1], fmt="ndjson").json() == {"accepted": 1, "duplicates": 0}
    assert server.post_events(admin, evs[1:2], fmt="object").json() == {"accepted": 1, "duplicates": 0}
    assert server.post_events(admin, evs[2:], fmt="array").json() == {"accepted": 1, "duplicates": 0}
    assert stats(server, admin, "2026-02-01")["active_users"] == 3


def test_ndjson_blank_lines_are_ignored_and_crlf_accepted(server, admin):
    body = '\n{"type":"activity","user_id":"a","timestamp":"2026-02-01T10:00:00Z"}\r\n\n   \n' \
           '{"type":"activity","user_id":"b","timestamp":"2026-02-01T10:00:00Z"}'
    r = server.request("POST", "/v1/events", admin, data=body, headers={"Content-Type": "application/x-ndjson"})
    assert r.json() == {"accepted": 2, "duplicates": 0}


def test_one_bad_line_rejects_the_whole_batch_and_lists_it(server, admin):
    evs = example_events()
    evs[3] = dict(evs[3], timestamp="yesterday")
    r = server.post_events(admin, evs)
    assert r.status_code == 400
    assert r.json() == {"error": "invalid_events", "errors": [
        {"index": 3, "field": "timestamp", "message": "not an RFC 3339 date-time or Unix seconds"}]}
    s = stats(server, admin)
    assert (s["users"], s["orgs"], s["events"]) == (0, 0, 0)
    assert server.request("GET", f"/v1/users/{JOHN}", admin).status_code == 404


def test_every_bad_line_is_reported_with_its_line_number(server, admin):
    lines = [
        '{"type":"activity","user_id":"ok","timestamp":"2026-02-01T10:00:00Z"}',
        '',
        '{"type":"activity"}',
        'not json',
        '{"type":"user.created","user_id":"x","role":"Boss"}',
        '[1,2]',
        '{"type":"usage","user_id":"x","metrics":{"a":-1}}',
    ]
    r = server.request("POST", "/v1/events", admin, data="\n".join(lines),
                       headers={"Content-Type": "application/x-ndjson"})
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [
        (2, "user_id"), (3, None), (4, "role"), (5, None), (6, "metrics")]
    assert all(isinstance(e["message"], str) and e["message"] for e in errors)
    assert stats(server, admin)["events"] == 0


def test_json_array_errors_are_indexed_by_position(server, admin):
    evs = [{"type": "activity", "user_id": "a"}, {"type": "nope", "user_id": "b"}, {"user_id": "c"}]
    r = server.post_events(admin, evs, fmt="array")
    assert r.status_code == 400
    assert [(e["index"], e["field"]) for e in r.json()["errors"]] == [(1, "type"), (2, "type")]


def test_unknown_type_is_a_400_not_a_skip(server, admin):
    r = server.post_events(admin, [{"type": "user.exploded", "user_id": "a"}])
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "type"
    assert stats(server, admin)["events"] == 0


def test_invalid_json_body_is_a_400(server, admin):
    r = server.request("POST", "/v1/events", admin, data="{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_events"


def test_both_timestamp_forms_give_the_same_instant(server, admin):
    # 2026-01-05T14:48:00Z == 1767624480
    r = server.post_events(admin, [
        {"type": "activity", "user_id": "a", "timestamp": 1767624480},
        {"type": "activity", "user_id": "b", "timestamp": "2026-01-05T16:48:00.250+02:00"},
    ])
    assert r.status_code == 200, r.text
    a = server.request("GET", "/v1/users/a", admin).json()
    b = server.request("GET", "/v1/users/b", admin).json()
    assert a["last_active_at"] == "2026-01-05T14:48:00.000Z"
    assert b["last_active_at"] == "2026-01-05T14:48:00.250Z"


def test_missing_timestamp_means_receive_time(server, admin):
    server.post_events(admin, [{"type": "activity", "user_id": "now"}])
    u = server.request("GET", "/v1/users/now", admin).json()
    import datetime
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    assert u["last_active_at"].startswith(today)


def test_timestamps_outside_1970_to_tomorrow_are_rejected(server, admin):
    for ts in ["1969-12-31T23:59:59Z", -1, "2999-01-01T00:00:00Z", 1.5, True]:
        r = server.post_events(admin, [{"type": "activity", "user_id": "a", "timestamp": ts}])
        assert r.status_code == 400, ts
        assert r.json()["errors"][0]["field"] == "timestamp"


def test_a_repeated_id_is_counted_as_duplicate_and_applied_once(server, admin):
    ev = {"type": "usage", "user_id": "u", "metrics": {"lines": 5}, "timestamp": "2026-03-01T10:00:00Z",
          "id": "evt-1"}
    assert server.post_events(admin, [ev]).json() == {"accepted": 1, "duplicates": 0}
    assert server.post_events(admin, [ev, dict(ev, id="evt-2")]).json() == {"accepted": 1, "duplicates": 1}
    # a repeat inside one batch too
    assert server.post_events(admin, [dict(ev, id="evt-3"), dict(ev, id="evt-3")]).json() == \
        {"accepted": 1, "duplicates": 1}
    assert stats(server, admin)["events"] == 3


def test_duplicates_are_detected_across_restarts(data_dir):
    s = Server(data_dir).start()
    key = s.key("events:write,users:read")
    ev = {"type": "activity", "user_id": "u", "id": "same"}
    assert s.post_events(key, [ev]).json()["accepted"] == 1
    assert s.stop() == 0
    s.start()
    assert s.post_events(key, [ev]).json() == {"accepted": 0, "duplicates": 1}
    assert s.stop() == 0


def test_a_body_over_the_limit_gets_413_and_nothing_is_stored(data_dir):
    s = Server(data_dir, ["--max-body", "2048"]).start()
    key = s.key("*")
    evs = [{"type": "activity", "user_id": f"user-{i}", "timestamp": "2026-02-01T10:00:00Z"} for i in range(100)]
    r = s.post_events(key, evs)
    assert r.status_code == 413
    assert r.json()["error"] == "payload_too_large"
    # chunked upload without Content-Length is limited too
    r = s.request("POST", "/v1/events", key, data=iter([ndjson(evs).encode()]),
                  headers={"Content-Type": "application/x-ndjson"})
    assert r.status_code == 413
    assert s.request("GET", "/v1/stats", key).json()["events"] == 0
    assert s.post_events(key, evs[:5]).status_code == 200
    assert s.stop() == 0


def test_other_content_types_get_415(server, admin):
    for ct in ["text/plain", "application/xml", None]:
        headers = {"Content-Type": ct} if ct else {}
        r = server.request("POST", "/v1/events", admin, data=b'{"type":"activity","user_id":"a"}', headers=headers)
        assert r.status_code == 415, ct
        assert r.json()["error"] == "unsupported_media_type"
    r = server.request("POST", "/v1/events", admin, data=b'{"type":"activity","user_id":"a"}',
                       headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 200


def test_events_write_scope_is_required(server):
    key = server.key("users:read")
    r = server.post_events(key, [{"type": "activity", "user_id": "a"}])
    assert r.status_code == 403
    assert r.json() == {"error": "forbidden", "message": "API key missing required scope 'events:write'"}


def test_every_event_type_is_accepted(server, admin):
    t = "2026-01-10T10:00:00Z"
    evs = [
        {"type": "org.created", "org_id": "o1", "name": "One", "slug": "one", "domains": ["one.com"],
         "metadata": {"tier": 1}, "settings": {"plan_type": "Pro", "license": {"seats": 5}}, "timestamp": t},
        {"type": "org.updated", "org_id": "o1", "name": "One Inc", "timestamp": "2026-01-11T10:00:00Z"},
        {"type": "user.created", "user_id": "u1", "email": "U1@One.com", "role": "Admin", "verified": True,
         "properties": {"k": "v"}, "timestamp": t},
        {"type": "user.updated", "user_id": "u1", "first_name": "Ann", "timestamp": t},
        {"type": "user.deactivated", "user_id": "u1", "timestamp": "2026-01-12T00:00:00Z"},
        {"type": "user.reactivated", "user_id": "u1", "timestamp": "2026-01-13T00:00:00Z"},
        {"type": "user.created", "user_id": "u2", "timestamp": t},
        {"type": "user.deleted", "user_id": "u2", "timestamp": "2026-01-14T00:00:00Z"},
        {"type": "member.added", "org_id": "o1", "user_id": "u1", "timestamp": t},
        {"type": "member.role_changed", "org_id": "o1", "user_id": "u1", "role": "Admin", "timestamp": t},
        {"type": "member.added", "org_id": "o1", "user_id": "u3", "timestamp": t},
        {"type": "member.removed", "org_id": "o1", "user_id": "u3", "timestamp": "2026-01-15T00:00:00Z"},
        {"type": "team.created", "team_id": "t1", "org_id": "o1", "name": "Core", "is_default": True, "timestamp": t},
        {"type": "team.created", "team_id": "t2", "org_id": "o1", "name": "Old", "timestamp": t},
        {"type": "team.deleted", "team_id": "t2", "timestamp": "2026-01-16T00:00:00Z"},
        {"type": "team.member_added", "team_id": "t1", "user_id": "u1", "timestamp": t},
        {"type": "team.member_removed", "team_id": "t1", "user_id": "u3", "timestamp": t},
        {"type": "invite.sent", "org_id": "o1", "email": "x@one.com", "inviter_user_id": "u1", "role": "Member",
         "invite_id": "i1", "team_id": "t1", "timestamp": t},
        {"type": "invite.accepted", "org_id": "o1", "email": "x@one.com", "invite_id": "i1", "user_id": "u4",
         "timestamp": t},
        {"type": "invite.revoked", "org_id": "o1", "email": "y@one.com", "timestamp": t},
        {"type": "activity", "user_id": "u1", "org_id": "o1", "timestamp": t},
        {"type": "usage", "user_id": "u1", "org_id": "o1", "team_id": "t1", "feature": "chat",
         "metrics": {"interactions": 2, "usefulChatInteractions": 1.5}, "timestamp": t},
    ]
    r = server.post_events(admin, evs)
    assert r.json() == {"accepted": len(evs), "duplicates": 0}, r.text
    u1 = server.request("GET", "/v1/users/u1", admin).json()
    assert (u1["first_name"], u1["role"], u1["verified"], u1["deactivated"], u1["team_id"]) == \
        ("Ann", "Admin", True, False, "t1")
    assert u1["email"] == "U1@One.com"  # stored as given
    assert server.request("GET", "/v1/users/u2", admin).status_code == 404
    org = server.request("GET", "/v1/orgs/o1", admin).json()
    assert org["name"] == "One Inc"
    assert org["settings"] == {"plan_type": "Pro", "license": {"seats": 5}}
    assert [m["user_id"] for m in org["members"]] == ["u1"]
    assert [t["team_id"] for t in org["teams"]] == ["t1"]
    s = stats(server, admin, "2026-01-10")
    assert (s["users"], s["orgs"], s["memberships"], s["teams"], s["invitations_sent"]) == (3, 1, 1, 1, 1)
    assert s["active_users"] == 1 and s["active_orgs"] == 1


def test_stats_stay_exact_through_each_kind_of_change_after_being_read(server, admin):
    """/v1/stats counts are cached between the events that can change them: each change below must show at once."""
    def stats():
        return server.request("GET", "/v1/stats", admin).json()

    def post(*events):
        assert server.post_events(admin, list(events)).status_code == 200

    post({"type": "user.created", "user_id": "s1", "timestamp": "2026-01-02T00:00:00Z"},
         {"type": "user.created", "user_id": "s2", "timestamp": "2026-01-02T00:00:00Z"},
         {"type": "org.created", "org_id": "o1", "name": "O", "timestamp": "2026-01-02T00:00:00Z"},
         {"type": "member.added", "org_id": "o1", "user_id": "s1", "timestamp": "2026-01-02T00:00:00Z"})
    s = stats()
    assert (s["users"], s["orgs"], s["memberships"], s["users_deactivated"]) == (2, 1, 1, 0)
    post({"type": "activity", "user_id": "s1", "timestamp": "2026-01-03T00:00:00Z"})
    assert stats()["events"] == s["events"] + 1
    post({"type": "activity", "user_id": "s3", "timestamp": "2026-01-03T00:00:00Z"})  # names a new user
    assert stats()["users"] == 3
    post({"type": "user.deactivated", "user_id": "s2", "timestamp": "2026-01-04T00:00:00Z"})
    assert stats()["users_deactivated"] == 1
    post({"type": "member.removed", "org_id": "o1", "user_id": "s1", "timestamp": "2026-01-04T00:00:00Z"})
    assert stats()["memberships"] == 0
    post({"type": "invite.sent", "org_id": "o1", "email": "x@y.z", "timestamp": "2026-01-04T00:00:00Z"})
    assert stats()["invitations_sent"] == 1
    post({"type": "user.deleted", "user_id": "s3", "timestamp": "2026-01-05T00:00:00Z"},
         {"type": "org.deleted", "org_id": "o1", "timestamp": "2026-01-05T00:00:00Z"})
    s = stats()
    assert (s["users"], s["orgs"]) == (2, 0)
