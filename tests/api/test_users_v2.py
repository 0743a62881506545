"""Users & usage statistics v2 (specs/users-v2.md; the wire in rocketchat-and-users-v2-reference.md part B): the user
list in id order walked with `next` and back with `previous` (each user exactly once, also while users are added
between pages; from an empty page past either end back to the page at that end), the user object, one user as an
array of one and 404, the count of active users (events dated after now counting once now reaches them),
environment-id, and the {"status":"error"} shape.

Clock: the server runs with --clock 2026-03-15T12:00:00Z; each test works in its own project."""
import json
import random
from urllib.parse import parse_qs

import pytest

from conftest import run_cli, started_env
from usage_support import Env, U, status, user


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    yield from started_env(Env, tmp_path_factory, "users-v2")


@pytest.fixture
def proj(env):
    return env.project()


def ok(proj, path, **params):
    r = proj.get(path, **params)
    assert r.status_code == 200, (path, params, r.text)
    body = r.json()
    assert body["status"] == "ok"
    return body


def named(uid, when="2026-01-10"):
    return {"type": "user.created", "user_id": uid, "email": f"{uid}@example.com", "timestamp": f"{when}T00:00:00Z"}


def page(proj, query):
    """GET /api/v2/users?<query> (a `next`/`previous` string as given) -> (ids, pagination)."""
    params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
    body = ok(proj, "/api/v2/users", **params)
    return [u["_id"] for u in body["data"]], body["pagination"]


def walk(proj, query, direction="next", between=None):
    seen, pages = [], 0
    while query is not None:
        ids, pg = page(proj, query)
        seen += ids if direction == "next" else list(reversed(ids))
        query = pg[direction]
        assert (query is not None) == pg["hasNext" if direction == "next" else "hasPrevious"]
        pages += 1
        if between:
            between(pages)
    return seen


# ---- the list ----

def test_walking_every_page_with_next_visits_each_user_once_in_id_order(proj):
    ids = [f"u-{random.Random(7).random():.6f}-{n}" for n in range(53)] + ["Zed", "a&b=c", "ü-user"]
    proj.post([named(i) for i in ids])
    assert walk(proj, "limit=5") == sorted(ids, key=lambda s: s.encode())


def test_walking_back_with_previous_visits_each_user_once(proj):
    ids = [U(n) for n in range(1, 24)]
    proj.post([named(i) for i in ids])
    last_query = "limit=4"
    while True:
        _, pg = page(proj, last_query)
        if not pg["hasNext"]:
            break
        last_query = pg["next"]
    assert walk(proj, last_query, "previous") == list(reversed(ids))


def test_walking_while_users_are_added_between_pages_still_visits_each_user_once(proj):
    ids = [f"user-{n:03d}" for n in range(0, 100, 2)]
    proj.post([named(i) for i in ids])
    added = []

    def add(pages):  # after each page, one user before the cursor and one after it
        new = [f"user-{4 * pages - 3:03d}", f"user-{60 + 4 * pages + 1:03d}"]
        added.extend(new)
        proj.post([named(i) for i in new])

    seen = walk(proj, "limit=7", between=add)
    assert len(seen) == len(set(seen))
    assert set(ids) <= set(seen)
    # everyone added behind the cursor was not seen, everyone added ahead of it was
    assert set(seen) - set(ids) <= set(added)
    assert seen == sorted(seen)


def test_walking_back_while_users_are_added_and_deleted_still_visits_each_user_once(proj):
    ids = [f"user-{n:03d}" for n in range(0, 100, 2)]
    proj.post([named(i) for i in ids])
    start = "limit=6&before=user-099"
    gone = []

    def churn(pages):  # after each page, a user added ahead of the cursor and one behind it, one deleted behind it
        victim = f"user-{70 - 10 * pages:03d}"
        gone.append(victim)
        proj.post([named(f"user-{90 - 8 * pages + 1:03d}"), named(f"user-{99 - pages}b"),
                   {"type": "user.deleted", "user_id": victim, "timestamp": "2026-02-01T00:00:00Z"}])

    seen = walk(proj, start, "previous", between=churn)
    assert len(seen) == len(set(seen)) and seen == sorted(seen, reverse=True)
    assert set(ids) - set(gone) <= set(seen)


def test_deleted_users_are_not_listed_and_pages_skip_over_them(proj):
    proj.post([named(U(n)) for n in range(1, 7)] + [status("deleted", n, "2026-02-01") for n in (2, 3, 4)])
    ids, pg = page(proj, "limit=2")
    assert ids == [U(1), U(5)] and pg["hasNext"] is True
    ids, pg = page(proj, pg["next"])
    assert ids == [U(6)] and pg == {"hasPrevious": True, "hasNext": False,
                                    "next": None, "previous": f"limit=2&before={U(6)}"}


def test_first_page_has_no_previous_and_next_is_a_ready_made_query_string(proj):
    proj.post([named("b"), named("a"), named("c")])
    body = ok(proj, "/api/v2/users", limit="2")
    assert body["pagination"] == {"hasPrevious": False, "hasNext": True, "next": "limit=2&after=b", "previous": None}


def test_cursor_ids_are_percent_encoded_in_next(proj):
    proj.post([named("a b&c"), named("z")])
    _, pg = page(proj, "limit=1")
    assert pg["next"] == "limit=1&after=a%20b%26c"
    assert page(proj, pg["next"])[0] == ["z"]


def test_limit_defaults_to_50_and_is_bounded(proj):
    proj.post([named(f"n{k:03d}") for k in range(60)])
    assert len(ok(proj, "/api/v2/users")["data"]) == 50
    assert len(ok(proj, "/api/v2/users", limit="1000")["data"]) == 60
    for bad in ["0", "1001", "x", "-1", "2.5"]:
        r = proj.get("/api/v2/users", limit=bad)
        assert r.status_code == 400, bad
        body = r.json()
        assert body["status"] == "error" and "limit" in body["message"] and set(body) == {"status", "message"}


def test_after_and_before_together_are_refused(proj):
    r = proj.get("/api/v2/users", after="a", before="b")
    assert r.status_code == 400 and r.json()["status"] == "error"


def test_an_empty_page_past_either_end_leads_back_to_the_page_at_that_end_with_the_cursors_user(proj):
    proj.post([named(i) for i in "abcde"])
    # after the last user: the way back is the last page, e included (not `before=e`, which would leave e out)
    ids, pg = page(proj, "limit=2&after=e")
    assert ids == [] and pg == {"hasPrevious": True, "hasNext": False, "next": None, "previous": "limit=2&after=c"}
    assert page(proj, pg["previous"])[0] == ["d", "e"]
    assert page(proj, "limit=2&after=zzz")[1]["previous"] == "limit=2&after=c"  # a cursor that is no user's id
    # before the first user: the way forward is the first page, a included
    ids, pg = page(proj, "limit=2&before=a")
    assert ids == [] and pg == {"hasPrevious": False, "hasNext": True, "next": "limit=2", "previous": None}
    assert page(proj, pg["next"])[0] == ["a", "b"]
    # fewer users than a page: the way back is the first page
    ids, pg = page(proj, "limit=5&after=e")
    assert ids == [] and pg["previous"] == "limit=5" and page(proj, pg["previous"])[0] == list("abcde")
    # deleted users are stepped over on the way back too
    proj.post([{"type": "user.deleted", "user_id": "d", "timestamp": "2026-02-01T00:00:00Z"}])
    ids, pg = page(proj, "limit=2&after=e")
    assert pg["previous"] == "limit=2&after=b" and page(proj, pg["previous"])[0] == ["c", "e"]


def test_an_empty_project_lists_nobody(proj):
    assert ok(proj, "/api/v2/users") == {"status": "ok", "data": [], "pagination": {
        "hasPrevious": False, "hasNext": False, "next": None, "previous": None}}


# ---- one user ----

def test_the_user_object_has_the_v2_fields(proj):
    proj.post([{"type": "user.created", "user_id": U(1), "email": "john@acme.com", "first_name": "John",
                "last_name": "Doe", "properties": {"plan": "pro"}, "timestamp": "2026-01-02T09:01:00.123Z"},
               {"type": "user.updated", "user_id": U(1), "last_name": "Smith", "timestamp": "2026-02-03T10:00:00Z"}])
    body = ok(proj, f"/api/v2/users/{U(1)}")
    assert body == {"status": "ok", "data": [{
        "_id": U(1), "username": "john@acme.com",
        "profile": {"email": "john@acme.com", "firstName": "John", "lastName": "Smith", "properties": {"plan": "pro"}},
        "status": "active", "_createdOn": "2026-01-02T09:01:00.123Z", "_lastModifiedOn": "2026-02-03T10:00:00.000Z"}]}


def test_username_wins_over_email_and_deactivated_users_say_so(proj):
    proj.post([user(1, username="johnny"), status("deactivated", 1, "2026-02-01")])
    (u,) = ok(proj, f"/api/v2/users/{U(1)}")["data"]
    assert u["username"] == "johnny" and u["status"] == "deactivated"


def test_a_user_in_the_list_is_the_same_object_as_by_id(proj):
    proj.post([user(1, first_name="Ann"), user(2)])
    listed = ok(proj, "/api/v2/users")["data"]
    assert listed == [ok(proj, f"/api/v2/users/{U(n)}")["data"][0] for n in (1, 2)]


def test_an_unknown_or_deleted_user_is_404_in_the_v2_shape(proj):
    proj.post([user(1), status("deleted", 1, "2026-02-01")])
    for uid in [U(1), U(9)]:
        r = proj.get(f"/api/v2/users/{uid}")
        assert r.status_code == 404
        assert r.json() == {"status": "error", "message": "User not found"}


# ---- active users ----

def test_active_users_counts_users_neither_deactivated_nor_deleted(proj):
    proj.post([user(n) for n in range(1, 7)] + [
        status("deactivated", 2, "2026-02-01"), status("deleted", 3, "2026-02-01"),
        status("deactivated", 4, "2026-02-01"), status("reactivated", 4, "2026-02-10")])
    assert ok(proj, "/api/v2/usage-statistics/active-users") == {"status": "ok", "data": {"activeUsers": 4}}


def test_active_users_count_events_dated_after_now_only_once_now_reaches_them(proj):
    # the server's clock starts at 2026-03-15T12:00:00Z; events may be dated up to a day ahead (events.md)
    proj.post([user(1, "2026-03-15T18:00"),                                         # created this evening
               user(2), status("deactivated", 2, "2026-03-15T20:00"),               # active until tonight
               user(3), status("deleted", 3, "2026-03-16T06:00"),                   # exists until tomorrow
               user(4), status("deactivated", 4, "2026-03-01T00:00"),
               status("reactivated", 4, "2026-03-15T19:00"),                        # deactivated until tonight
               {"type": "activity", "user_id": U(5), "timestamp": "2026-03-15T21:00:00Z"},  # first seen tonight
               user(6)])
    assert ok(proj, "/api/v2/usage-statistics/active-users")["data"] == {"activeUsers": 3}  # users 2, 3 and 6


def test_active_users_is_zero_for_an_empty_project(proj):
    assert ok(proj, "/api/v2/usage-statistics/active-users")["data"] == {"activeUsers": 0}


# ---- auth and environment-id ----

@pytest.mark.parametrize("path", ["/api/v2/users", f"/api/v2/users/{U(1)}", "/api/v2/usage-statistics/active-users"])
def test_environment_id_naming_another_project_is_403(proj, env, path):
    proj.post([user(1)])
    other = env.project()
    for value in [other.name, "no-such-env", "999999", ""]:
        r = env.server.request("GET", path, proj.key, headers={"environment-id": value})
        assert r.status_code == 403, value
        assert r.json()["status"] == "error" and set(r.json()) == {"status", "message"}


def test_environment_id_may_name_the_keys_project(proj, env):
    proj.post([user(1)])
    r = env.server.request("GET", "/api/v2/usage-statistics/active-users", proj.key,
                           headers={"environment-id": proj.name})
    assert r.status_code == 200 and r.json()["data"]["activeUsers"] == 1


def test_missing_key_and_missing_scope_answer_in_the_v2_shape(proj, env):
    r = env.server.request("GET", "/api/v2/users")
    assert r.status_code == 401 and r.json()["status"] == "error"
    r = env.server.request("GET", "/api/v2/users", proj.key_for("engagement:read"))
    assert r.status_code == 403 and r.json() == {"status": "error",
                                                  "message": "API key missing required scope 'users:read'"}


def test_the_users_v2_routes_are_in_the_route_table_with_their_scope_and_family():
    routes = [json.loads(line) for line in run_cli("routes").stdout.splitlines()]
    ours = {r["path"] for r in routes if r["family"] == "users_v2" and r["scope"] == "users:read"}
    assert ours == {"/api/v2/users", "/api/v2/users/{id}", "/api/v2/usage-statistics/active-users"}
