"""Engagement dashboard, Rocket.Chat-compatible (specs/rocketchat.md; the wire in rocketchat-and-users-v2-reference.md
part A): active users per day (the seed's example, newest first, empty days omitted, ids ascending, streamed), new
users with period and yesterday, users per hour, the chat-busier hourly 2-hour buckets and weekly days; the strict
start/end rule with Rocket.Chat's Match errors; X-Auth-Token and Bearer; the exact 401 and 403 bodies.

Clock: the server runs with --clock 2026-03-15T12:00:00Z; each test works in its own project."""
import json

import pytest

from conftest import run_cli, started_env
from usage_support import Env, U, activity, status, user

BASE = "/api/v1/engagement-dashboard/users/"
ENDPOINTS = ["active-users", "new-users", "users-by-time-of-the-day-in-a-week", "chat-busier/hourly-data",
             "chat-busier/weekly-data"]
WINDOW = {"start": "2026-03-01T00:00:00.000Z", "end": "2026-03-14T23:59:59.999Z"}
UNAUTHORIZED = {"success": False, "error": "You must be logged in to do this.", "status": "error",
                "message": "You must be logged in to do this."}
FORBIDDEN = {"success": False,
             "error": "User does not have the permissions required for this action [error-unauthorized]"}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    yield from started_env(Env, tmp_path_factory, "engagement")


@pytest.fixture
def proj(env):
    return env.project()


def ok(proj, endpoint, **params):
    r = proj.get(BASE + endpoint, **params)
    assert r.status_code == 200, (endpoint, params, r.text)
    assert r.text.endswith('"success":true}'), r.text[-80:]
    body = r.json()
    assert body.pop("success") is True
    return body


def act(uid, when):
    return {"type": "activity", "user_id": uid, "timestamp": when}


# ---- active-users ----

SEED = [  # the seed's example response (002_*.txt), days newest first
    (["rYhzFRd2QZjNwAAXX"], 5, 5), (["rYhzFRd2QZjNwAAXX"], 4, 5), (["rYhzFRd2QZjNwAAXX"], 3, 5),
    (["rYhzFRd2QZjNwAAXX"], 2, 5), (["rbAXPnMktTFbNpwtJ"], 1, 5), (["rYhzFRd2QZjNwAAXX"], 29, 4),
    (["rYhzFRd2QZjNwAAXX"], 28, 4), (["rYhzFRd2QZjNwAAXX", "hFDuCPam7sWziWFYa"], 27, 4),
    (["rbAXPnMktTFbNpwtJ"], 26, 4), (["rbAXPnMktTFbNpwtJ"], 24, 4),
    (["rbAXPnMktTFbNpwtJ", "rYhzFRd2QZjNwAAXX"], 21, 4), (["rYhzFRd2QZjNwAAXX"], 19, 4),
    (["rbAXPnMktTFbNpwtJ", "rYhzFRd2QZjNwAAXX"], 18, 4), (["rbAXPnMktTFbNpwtJ", "9iN96PXnDK7XAYESA"], 17, 4),
]


def test_active_users_reproduces_the_seed_example_from_equivalent_events(proj):
    events = [act(uid, f"2023-{m:02d}-{d:02d}T{9 + i:02d}:30:00Z") for ids, d, m in SEED for i, uid in enumerate(ids)]
    events += [act("rYhzFRd2QZjNwAAXX", "2023-05-05T18:00:00Z")]  # twice a day counts once
    proj.post(events)
    body = ok(proj, "active-users", start="2011-10-05T14:48:00.000Z", end="2023-10-05T14:48:00.000Z")
    # the seed's usersList order is Mongo's $addToSet order; orgpulse sorts ids ascending (bytewise)
    assert body == {"month": [{"usersList": sorted(ids), "users": len(ids), "day": d, "month": m, "year": 2023}
                              for ids, d, m in SEED]}


def test_active_users_covers_the_utc_days_of_start_through_end_newest_first(proj):
    proj.post([activity(1, "2026-03-01T00:00"), activity(2, "2026-03-03T23:59"), activity(1, "2026-03-04T10:00"),
               activity(3, "2026-02-28T23:59"), activity(3, "2026-03-05T00:00")])
    body = ok(proj, "active-users", start="2026-03-01T13:00:00.000Z", end="2026-03-04T01:00:00.000Z")
    assert [(x["day"], x["month"], x["year"]) for x in body["month"]] == [(4, 3, 2026), (3, 3, 2026), (1, 3, 2026)]
    assert [x["usersList"] for x in body["month"]] == [[U(1)], [U(2)], [U(1)]]


def test_active_users_omits_days_without_activity_and_answers_empty_without_any(proj):
    proj.post([activity(1, "2026-03-02T10:00"), activity(1, "2026-03-09T10:00")])
    body = ok(proj, "active-users", **WINDOW)
    assert [x["day"] for x in body["month"]] == [9, 2]
    assert ok(proj, "active-users", start="2026-01-01T00:00:00.000Z", end="2026-01-31T00:00:00.000Z") == {"month": []}


def test_active_users_lists_ids_ascending_bytewise_with_their_count(proj):
    ids = ["b-user", "B-user", "a", "a-longer", "Z", "0"]
    proj.post([act(uid, "2026-03-10T10:00:00Z") for uid in ids])
    (day,) = ok(proj, "active-users", **WINDOW)["month"]
    assert day == {"usersList": sorted(ids), "users": 6, "day": 10, "month": 3, "year": 2026}


def test_active_users_leaves_out_deleted_users_but_keeps_deactivated_ones(proj):
    proj.post([user(1), user(2), user(3), activity(1, "2026-03-10T10:00"), activity(2, "2026-03-10T10:00"),
               activity(3, "2026-03-10T10:00"), status("deleted", 2, "2026-03-11T00:00"),
               status("deactivated", 3, "2026-03-11T00:00")])
    (day,) = ok(proj, "active-users", **WINDOW)["month"]
    assert day["usersList"] == [U(1), U(3)] and day["users"] == 2


def test_active_users_streams_a_large_answer_in_chunks_and_it_is_complete(proj):
    ids = [f"user-{n:06d}" for n in range(12000)]  # ~170 KB a day: several pieces per day, several days
    events = [act(uid, f"2026-03-{d:02d}T10:00:00Z") for d in (2, 3, 5) for uid in ids[:12000 - 1000 * d]]
    for k in range(0, len(events), 10000):
        proj.post(events[k:k + 10000])
    r = proj.get(BASE + "active-users", **WINDOW)
    assert r.status_code == 200 and r.headers.get("Transfer-Encoding") == "chunked"
    assert "Content-Length" not in r.headers
    body = r.json()
    assert [(x["day"], x["users"]) for x in body["month"]] == [(5, 7000), (3, 9000), (2, 10000)]
    assert body["month"][0]["usersList"] == ids[:7000] and body["month"][2]["usersList"] == ids[:10000]


def test_a_client_leaving_in_the_middle_of_a_streamed_answer_leaves_the_server_well(proj):
    ids = [f"gone-{n:06d}" for n in range(20000)]
    events = [act(uid, f"2026-03-{d:02d}T10:00:00Z") for d in range(1, 8) for uid in ids]
    for k in range(0, len(events), 20000):
        proj.post(events[k:k + 20000])
    for _ in range(3):
        r = proj.env.server.request("GET", BASE + "active-users", proj.key, params=WINDOW, stream=True)
        assert r.status_code == 200
        next(r.iter_content(4096))
        r.close()
    proj.post([act("after", "2026-03-10T10:00:00Z")])
    body = ok(proj, "active-users", start="2026-03-10T00:00:00.000Z", end="2026-03-10T00:00:00.000Z")
    assert body == {"month": [{"usersList": ["after"], "users": 1, "day": 10, "month": 3, "year": 2026}]}


# ---- new-users ----

def test_new_users_lists_signup_days_newest_first_as_midnight_iso_strings(proj):
    proj.post([user(1, "2026-03-02T08:00"), user(2, "2026-03-02T23:00"), user(3, "2026-03-09T10:00"),
               user(4, "2026-03-16T01:00")])
    body = ok(proj, "new-users", **WINDOW)
    assert body["days"] == [{"day": "2026-03-09T00:00:00.000Z", "users": 1},
                            {"day": "2026-03-02T00:00:00.000Z", "users": 2}]


def test_new_users_period_compares_with_the_n_days_before_start(proj):
    # window Mar 1..14 (N = 14); previous window Feb 15..28
    proj.post([user(1, "2026-03-01T00:00"), user(2, "2026-03-14T23:00"), user(3, "2026-03-05T10:00"),
               user(4, "2026-02-15T00:00"), user(5, "2026-02-14T23:59"), user(6, "2026-03-15T01:00")])
    body = ok(proj, "new-users", **WINDOW)
    assert body["period"] == {"count": 3, "variation": 3 - 1}


def test_new_users_yesterday_is_relative_to_the_day_of_end(proj):
    proj.post([user(1, "2026-03-13T10:00"), user(2, "2026-03-13T11:00"), user(3, "2026-03-14T10:00"),
               user(4, "2026-03-15T01:00")])
    body = ok(proj, "new-users", **WINDOW)
    assert body["yesterday"] == {"count": 2, "variation": 1 - 2}
    body = ok(proj, "new-users", start="2026-03-01T00:00:00.000Z", end="2026-03-15T00:00:00.000Z")
    assert body["yesterday"] == {"count": 1, "variation": 0}


def test_new_users_does_not_count_deleted_users(proj):
    proj.post([user(1, "2026-03-03T10:00"), user(2, "2026-03-03T10:00"), status("deleted", 2, "2026-03-04T00:00")])
    body = ok(proj, "new-users", **WINDOW)
    assert body["days"] == [{"day": "2026-03-03T00:00:00.000Z", "users": 1}]
    assert body["period"] == {"count": 1, "variation": 1}


# ---- users-by-time-of-the-day-in-a-week ----

def test_users_by_hour_counts_distinct_users_per_utc_hour_newest_first(proj):
    proj.post([activity(1, "2026-03-10T09:05"), activity(1, "2026-03-10T09:55"), activity(2, "2026-03-10T09:30"),
               activity(1, "2026-03-10T22:00"), activity(3, "2026-03-11T00:10"), activity(3, "2026-03-16T00:10")])
    body = ok(proj, "users-by-time-of-the-day-in-a-week", **WINDOW)
    assert body == {"week": [{"users": 1, "hour": 0, "day": 11, "month": 3, "year": 2026},
                             {"users": 1, "hour": 22, "day": 10, "month": 3, "year": 2026},
                             {"users": 2, "hour": 9, "day": 10, "month": 3, "year": 2026}]}


def test_users_by_hour_covers_the_hours_of_start_through_end(proj):
    proj.post([activity(1, "2026-03-10T08:59"), activity(2, "2026-03-10T09:10"), activity(3, "2026-03-10T11:59"),
               activity(4, "2026-03-10T12:00")])
    body = ok(proj, "users-by-time-of-the-day-in-a-week", start="2026-03-10T09:30:00.000Z",
              end="2026-03-10T11:00:00.000Z")
    assert [x["hour"] for x in body["week"]] == [11, 9]


# ---- chat-busier ----

def test_hourly_data_gives_twelve_two_hour_buckets_over_the_24_hours_before_start(proj):
    proj.post([activity(1, "2026-03-10T13:00"), activity(2, "2026-03-10T12:30"), activity(1, "2026-03-10T12:10"),
               activity(3, "2026-03-10T23:59"), activity(4, "2026-03-11T05:00"), activity(5, "2026-03-11T14:00"),
               activity(6, "2026-03-09T11:00")])
    body = ok(proj, "chat-busier/hourly-data", start="2026-03-11T12:00:00.000Z")
    assert [x["hour"] for x in body["hours"]] == list(range(22, -1, -2))
    counts = {x["hour"]: x["users"] for x in body["hours"]}
    assert counts == {22: 1, 20: 0, 18: 0, 16: 0, 14: 0, 12: 2, 10: 0, 8: 0, 6: 0, 4: 1, 2: 0, 0: 0}
    assert set(body["hours"][0]) == {"users", "hour"}


def test_hourly_data_counts_only_activity_inside_start_minus_24_hours_to_start_within_cut_hours(proj):
    # start at 22:30: the window is [Mar 10 22:30, Mar 11 22:30]; the hours 22 of both days are cut
    proj.post([activity(1, "2026-03-10T22:00"),   # 30 min before the window: not counted
               activity(2, "2026-03-10T22:45"),   # inside
               activity(3, "2026-03-11T22:30"),   # exactly at start: inside (the window is closed at start)
               activity(4, "2026-03-11T22:40"),   # after start: not counted
               activity(5, "2026-03-11T00:30")])
    body = ok(proj, "chat-busier/hourly-data", start="2026-03-11T22:30:00.000Z")
    counts = {x["hour"]: x["users"] for x in body["hours"]}
    assert counts[22] == 2 and counts[0] == 1
    assert sum(counts.values()) == 3


def test_hourly_data_is_empty_when_nobody_was_active(proj):
    proj.post([activity(1, "2026-03-01T10:00")])
    assert ok(proj, "chat-busier/hourly-data", start="2026-03-11T12:00:00.000Z") == {"hours": []}


def test_weekly_data_covers_start_and_the_seven_days_before_newest_first(proj):
    proj.post([activity(1, "2026-03-11T10:00"), activity(2, "2026-03-11T11:00"), activity(1, "2026-03-04T00:00"),
               activity(3, "2026-03-03T23:59"), activity(3, "2026-03-12T00:00"), activity(2, "2026-03-07T00:00")])
    body = ok(proj, "chat-busier/weekly-data", start="2026-03-11T06:00:00.000Z")
    assert body == {"month": [{"users": 2, "day": 11, "month": 3, "year": 2026},
                              {"users": 1, "day": 7, "month": 3, "year": 2026},
                              {"users": 1, "day": 4, "month": 3, "year": 2026}]}


# ---- start / end ----

@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_missing_start_is_a_match_error(proj, endpoint):
    r = proj.get(BASE + endpoint, end=WINDOW["end"])
    assert r.status_code == 400
    assert r.json() == {"success": False, "error": "Match error: Missing key 'start'"}


@pytest.mark.parametrize("endpoint", ["active-users", "new-users", "users-by-time-of-the-day-in-a-week"])
def test_a_missing_end_is_a_match_error_where_end_is_required(proj, endpoint):
    r = proj.get(BASE + endpoint, start=WINDOW["start"])
    assert r.status_code == 400
    assert r.json() == {"success": False, "error": "Match error: Missing key 'end'"}


def test_start_is_reported_missing_before_end(proj):
    r = proj.get(BASE + "active-users")
    assert r.json() == {"success": False, "error": "Match error: Missing key 'start'"}


@pytest.mark.parametrize("bad", ["2026-03-01T00:00:00Z", "2026-03-01", "2026-03-01T00:00:00.000+00:00",
                                 "2026-03-01T00:00:00.00Z", "2026-03-01T00:00:00.0000Z", "2026-02-30T00:00:00.000Z",
                                 "2026-03-01t00:00:00.000z", "2026-03-01 00:00:00.000Z", "1772323200000", ""])
def test_start_must_be_exactly_the_iso_string_form(proj, bad):
    r = proj.get(BASE + "active-users", start=bad, end=WINDOW["end"])
    assert r.status_code == 400, bad
    assert r.json() == {"success": False, "error": "Match error: Failed Match.Where validation in field start"}


def test_a_malformed_end_is_reported_in_field_end(proj):
    r = proj.get(BASE + "new-users", start=WINDOW["start"], end="2026-03-14")
    assert r.json() == {"success": False, "error": "Match error: Failed Match.Where validation in field end"}


def test_a_malformed_key_is_reported_before_a_missing_one_and_in_the_order_sent(proj):
    assert proj.get(BASE + "active-users", end="x").json()["error"] == \
        "Match error: Failed Match.Where validation in field end"
    r = proj.env.server.request("GET", BASE + "active-users?end=x&start=y", proj.key)
    assert r.json()["error"] == "Match error: Failed Match.Where validation in field end"
    r = proj.env.server.request("GET", BASE + "active-users?start=y&end=x", proj.key)
    assert r.json()["error"] == "Match error: Failed Match.Where validation in field start"


def test_extra_query_parameters_are_ignored_and_end_is_not_checked_where_unused(proj):
    proj.post([activity(1, "2026-03-10T10:00")])
    body = ok(proj, "active-users", **WINDOW, offset="x", hideRoomsWithNoActivity="true")
    assert len(body["month"]) == 1
    ok(proj, "chat-busier/weekly-data", start=WINDOW["start"], end="not a date")
    ok(proj, "chat-busier/hourly-data", start=WINDOW["start"], end="not a date")


# ---- auth ----

def test_x_auth_token_with_any_x_user_id_authenticates(proj):
    proj.post([activity(1, "2026-03-10T10:00")])
    r = proj.env.server.request("GET", BASE + "active-users", params=WINDOW,
                                headers={"X-Auth-Token": proj.key, "X-User-Id": "2tTEqR7ZNMJ4HGGNa"})
    assert r.status_code == 200 and len(r.json()["month"]) == 1
    r = proj.env.server.request("GET", BASE + "active-users", params=WINDOW,
                                headers={"x-auth-token": proj.key, "x-user-id": "any"})  # header names: any case
    assert r.status_code == 200


def test_bearer_authenticates_too(proj):
    key = proj.key_for("engagement:read")
    r = proj.env.server.request("GET", BASE + "new-users", key, params=WINDOW)
    assert r.status_code == 200 and r.json()["success"] is True


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_no_key_or_a_wrong_one_gets_rocket_chats_401_body(proj, endpoint):
    server = proj.env.server
    for headers in [{}, {"X-Auth-Token": "op_0123456789abcdef_" + "0" * 48, "X-User-Id": "u"},
                    {"X-User-Id": "u"}, {"Authorization": "Bearer garbage"},
                    {"X-Auth-Token": proj.key}]:  # a valid token without X-User-Id: Rocket.Chat wants the pair
        r = server.request("GET", BASE + endpoint, params=WINDOW, headers=headers)
        assert r.status_code == 401, headers
        assert r.json() == UNAUTHORIZED


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_key_without_engagement_read_gets_rocket_chats_403_body(proj, endpoint):
    key = proj.key_for("usage:read,users:read,insights:read")
    for headers in [{"X-Auth-Token": key, "X-User-Id": "u"}, {"Authorization": f"Bearer {key}"}]:
        r = proj.env.server.request("GET", BASE + endpoint, params=WINDOW, headers=headers)
        assert r.status_code == 403
        assert r.json() == FORBIDDEN


def test_auth_is_checked_before_the_parameters(proj):
    r = proj.env.server.request("GET", BASE + "active-users")
    assert r.status_code == 401 and r.json() == UNAUTHORIZED


# ---- the family ----

def test_every_endpoint_answers_success_true_even_for_an_empty_project(proj):
    for endpoint in ENDPOINTS:
        ok(proj, endpoint, **WINDOW)


def test_messages_and_channels_are_not_served(proj):
    for path in ["messages/messages-sent", "messages/origin", "messages/top-five-popular-channels", "channels/list"]:
        r = proj.get("/api/v1/engagement-dashboard/" + path, **WINDOW)
        assert r.status_code == 404


def test_the_engagement_routes_are_in_the_route_table_with_their_scope_and_family():
    routes = [json.loads(line) for line in run_cli("routes").stdout.splitlines()]
    ours = {r["path"]: r for r in routes if r["family"] == "engagement"}
    assert set(ours) == {BASE + e for e in ENDPOINTS}
    assert all(r["method"] == "GET" and r["scope"] == "engagement:read" and not r["org_key_ok"] for r in ours.values())
