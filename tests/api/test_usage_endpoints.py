"""Usage metrics, every endpoint but the usage series (specs/tabnine.md; the wire in tabnine-reference.md): the
organization, its teams and users (the teamMember and active filters, meta.next), the license, role permissions, a
team, a team's users, a user, monthly account utilization (0-based months, an invitation pending across a month end,
deactivations across months) and a team's utilization; which organization a request is about (org-scoped keys,
organizationId), 404s, and every validation error listed in `errors`, in Tabnine's error shape.

Clock: the server runs with --clock 2026-03-15T12:00:00Z, so the current month is March 2026."""
import pytest

from conftest import run_cli, started_env
from usage_support import (O, T, U, Env, cc, invite, joined, member, org, removed, status, team, user)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    yield from started_env(Env, tmp_path_factory, "usage-endpoints")


@pytest.fixture
def proj(env):
    return env.project()


LICENSE = {"exp": 1895529600, "seats": 2000, "seatsCap": 22000, "audience": "idp-new",
           "features": ["chat", "chat_models"], "settings": {"chatModel": {"type": "Private"}}, "iat": 1735806729}


def acme():
    """Org 1 "Acme" with members whose history is worked through in the tests below:
    u1 Admin since Dec 1, team 1;           u2 since Dec 1, team 1, deactivated Jan 15, reactivated Feb 10;
    u3 joined Feb 10, no team;               u4 since Dec 1, removed Jan 20;
    u5 since Dec 1, team 1, deactivated Dec 20 (for good);  u6 since Dec 1, deleted Feb 1.
    Teams: 1 "FE", 2 "Default Team" (default, nobody), 3 deleted. Org 2 has team 9."""
    return [
        org(1, name="Acme", domains=["acme.com", "acme.io"], settings={"plan_type": "Team", "license": LICENSE}),
        org(2, name="Other"),
        *[user(u) for u in range(1, 7)],
        {"type": "user.updated", "user_id": U(2), "username": "bee", "verified": True, "timestamp": "2025-12-02T00:00:00Z"},
        member(1, 1, role="Admin"), member(1, 2), member(1, 3, "2026-02-10T09:00"), member(1, 4), member(1, 5),
        member(1, 6), removed(1, 4, "2026-01-20T00:00"),
        status("deactivated", 2, "2026-01-15T10:15:30.567Z"), status("reactivated", 2, "2026-02-10T00:00"),
        status("deactivated", 5, "2025-12-20T00:00"), status("deleted", 6, "2026-02-01T00:00"),
        team(1, 1, name="FE"), team(2, 1, name="Default Team", default=True), team(3, 1, name="Gone"),
        {"type": "team.deleted", "team_id": T(3), "timestamp": "2025-12-05T00:00:00Z"},
        team(9, 2, name="Elsewhere"),
        joined(1, 1), joined(1, 2), joined(1, 5), joined(1, 6),
    ]


def error_of(r, status):
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and body["error"]["status"] == status
    return body["error"]


def validation_errors(r):
    e = error_of(r, 400)
    assert e["message"] == "Validation Error"
    return e["errors"]


# ---- organization, license ----

def test_organization_describes_the_org_with_its_plan_and_domains(proj):
    proj.post(acme())
    assert proj.ok("/api/v1/organization", organizationId=O(1)) == {
        "id": O(1), "name": "Acme", "domains": ["acme.com", "acme.io"], "planType": "Team", "samlEnabled": False,
        "smtpConfigured": False, "usernamePasswordEnabled": True}
    other = proj.ok("/api/v1/organization", organizationId=O(2))
    assert other["planType"] == "Enterprise" and other["domains"] == []


def test_license_is_the_orgs_license_setting_and_follows_updates(proj):
    proj.post(acme())
    assert proj.ok("/api/v1/license", organizationId=O(1)) == {"license": LICENSE}
    assert proj.ok("/api/v1/license", organizationId=O(2)) == {"license": {}}
    proj.post([{"type": "org.updated", "org_id": O(2), "settings": {"license": {"seats": 5}},
                "timestamp": "2026-01-01T00:00:00Z"}])
    assert proj.ok("/api/v1/license", organizationId=O(2)) == {"license": {"seats": 5}}


# ---- which organization ----

def test_an_org_scoped_key_implies_its_org_and_refuses_another_organization_id(proj):
    proj.post(acme())
    key = proj.key_for("usage:read", org_id=O(1))
    assert proj.ok("/api/v1/organization", key)["id"] == O(1)
    assert proj.ok("/api/v1/organization", key, organizationId=O(1))["id"] == O(1)
    r = proj.get("/api/v1/organization", key, organizationId=O(2))
    assert r.status_code == 401
    assert r.json() == {"error": {"message": "Unauthorized: Invalid organization.", "status": 401}}
    assert [u["id"] for u in proj.ok("/api/v1/organization/users", key)["data"]] == [U(1), U(2), U(3), U(5)]


def test_an_org_scoped_key_for_an_org_without_events_gets_404(proj):
    key = proj.key_for("usage:read", org_id="no-such-org")
    assert error_of(proj.get("/api/v1/organization/teams", key), 404) == {"message": "Not Found", "status": 404}


def test_a_project_key_must_name_the_organization_on_every_endpoint(proj):
    proj.post(acme())
    for path in ("/api/v1/organization", "/api/v1/organization/teams", "/api/v1/organization/users",
                 "/api/v1/organization/account-utilizations", "/api/v1/license", "/api/v1/team/" + T(1),
                 "/api/v1/team/" + T(1) + "/users", "/api/v1/user/" + U(1)):
        assert validation_errors(proj.get(path)) == ["organizationId: Required"], path


def test_an_unknown_or_deleted_org_is_404(proj):
    proj.post(acme() + [org(7), {"type": "org.deleted", "org_id": O(7), "timestamp": "2026-01-01T00:00:00Z"}])
    for o in ("nope", O(7)):
        assert error_of(proj.get("/api/v1/organization", organizationId=o), 404) == {"message": "Not Found",
                                                                                      "status": 404}


def test_auth_errors_are_in_tabnines_shape(proj):
    assert error_of(proj.env.server.request("GET", "/api/v1/organization"), 401) == {"message": "Unauthorized",
                                                                                     "status": 401}
    key = proj.key_for("insights:read")
    assert error_of(proj.get("/api/v1/organization", key), 403) == {"message": "Forbidden", "status": 403}
    r = proj.env.server.request("POST", "/api/v1/organization/usage", proj.key)
    assert error_of(r, 405)["message"] == "Method Not Allowed" and r.headers["Allow"] == "GET"


def test_an_org_scoped_key_is_refused_by_v1_usage(proj):
    key = proj.key_for("usage:read", org_id=O(1))
    r = proj.get("/v1/usage", key)
    assert r.status_code == 403 and r.json()["error"] == "forbidden"


# ---- teams ----

def test_teams_lists_the_orgs_teams_by_id_with_their_users_count(proj):
    proj.post(acme())
    body = proj.ok("/api/v1/organization/teams", organizationId=O(1))
    assert body == {"data": [
        {"id": T(1), "name": "FE", "usersCount": 3, "isDefaultTeam": False, "organizationId": O(1)},  # u1 u2 u5
        {"id": T(2), "name": "Default Team", "usersCount": 0, "isDefaultTeam": True, "organizationId": O(1)}],
        "meta": {"count": 2, "total": 2, "next": None}}


def test_teams_pages_with_offset_and_limit(proj):
    proj.post(acme())
    first = proj.ok("/api/v1/organization/teams", organizationId=O(1), limit=1)
    assert [t["id"] for t in first["data"]] == [T(1)]
    assert first["meta"] == {"count": 1, "total": 2, "next": {"limit": 1, "offset": 1}}
    second = proj.ok("/api/v1/organization/teams", organizationId=O(1), limit=1, offset=1)
    assert [t["id"] for t in second["data"]] == [T(2)] and second["meta"]["next"] is None
    past = proj.ok("/api/v1/organization/teams", organizationId=O(1), offset=5)
    assert past == {"data": [], "meta": {"count": 0, "total": 2, "next": None}}
    assert proj.ok("/api/v1/organization/teams", organizationId=O(1), limit=0)["meta"]["count"] == 2


def test_a_team_and_its_users(proj):
    proj.post(acme())
    assert proj.ok(f"/api/v1/team/{T(1)}", organizationId=O(1)) == {"id": T(1), "name": "FE"}
    users = proj.ok(f"/api/v1/team/{T(1)}/users", organizationId=O(1))
    assert [u["id"] for u in users["data"]] == [U(1), U(2), U(5)]
    assert users["meta"] == {"count": 3, "total": 3, "next": None}
    two = proj.ok(f"/api/v1/team/{T(1)}/users", organizationId=O(1), limit=2)
    assert two["meta"]["next"] == {"limit": 2, "offset": 2}


def test_a_team_of_another_org_a_deleted_team_and_an_unknown_team_are_404(proj):
    proj.post(acme())
    for t in (T(9), T(3), "nope"):
        for path in (f"/api/v1/team/{t}", f"/api/v1/team/{t}/users"):
            assert error_of(proj.get(path, organizationId=O(1)), 404)["message"] == "Not Found"
        assert proj.get("/api/v1/team/account-utilizations", organizationId=O(1), teamId=t).status_code == 404
        assert proj.get("/api/v1/team/usage", organizationId=O(1), teamId=t, granularity="all",
                        **{"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"}).status_code == 404


# ---- users ----

def test_users_lists_the_current_members_with_tabnines_fields(proj):
    proj.post(acme())
    body = proj.ok("/api/v1/organization/users", organizationId=O(1))
    assert body["meta"] == {"count": 4, "total": 4, "next": None}  # u4 was removed, u6 deleted
    u1, u2, u3, u5 = body["data"]
    assert u1 == {"id": U(1), "username": "user1@example.com", "email": "user1@example.com", "role": "Admin",
                  "verified": False, "active": True, "deactivatedAt": None, "updatedAt": "2025-12-01T00:00:00Z",
                  "team": {"id": T(1), "name": "FE"}}
    assert u2["username"] == "bee" and u2["verified"] is True and u2["active"] is True and u2["role"] == "Member"
    assert u2["updatedAt"] == "2026-02-10T00:00:00Z"
    assert u3["team"] is None
    assert u5["active"] is False and u5["deactivatedAt"] == "2025-12-20T00:00:00Z"


def test_user_times_have_at_most_centiseconds(proj):
    proj.post(acme() + [status("deactivated", 1, "2026-03-01T10:15:30.567Z")])
    [u1] = [u for u in proj.ok("/api/v1/organization/users", organizationId=O(1))["data"] if u["id"] == U(1)]
    assert u1["deactivatedAt"] == "2026-03-01T10:15:30.56Z" and u1["updatedAt"] == "2026-03-01T10:15:30.56Z"


@pytest.mark.parametrize("filters,expected", [
    ({}, [1, 2, 3, 5]),
    ({"teamMember": "true"}, [1, 2, 5]),
    ({"teamMember": "false"}, [3]),
    ({"active": "true"}, [1, 2, 3]),
    ({"active": "false"}, [5]),
    ({"teamMember": "true", "active": "false"}, [5]),
    ({"teamMember": "false", "active": "false"}, []),
])
def test_users_filters_on_team_membership_and_active(proj, filters, expected):
    proj.post(acme())
    body = proj.ok("/api/v1/organization/users", organizationId=O(1), **filters)
    assert [u["id"] for u in body["data"]] == [U(n) for n in expected]
    assert body["meta"]["total"] == len(expected)


def test_a_team_of_another_org_does_not_make_a_team_member_here(proj):
    proj.post(acme() + [user(8), member(1, 8), member(2, 8), joined(9, 8)])
    in_none = proj.ok("/api/v1/organization/users", organizationId=O(1), teamMember="false")["data"]
    assert [u["id"] for u in in_none] == [U(3), U(8)]
    assert in_none[1]["team"] is None


def test_users_pages_with_meta_next_and_a_default_limit_of_200(proj):
    proj.post(acme())
    page = proj.ok("/api/v1/organization/users", organizationId=O(1), limit=3)
    assert [u["id"] for u in page["data"]] == [U(1), U(2), U(3)]
    assert page["meta"] == {"count": 3, "total": 4, "next": {"limit": 3, "offset": 3}}
    last = proj.ok("/api/v1/organization/users", organizationId=O(1), limit=3, offset=3)
    assert [u["id"] for u in last["data"]] == [U(5)] and last["meta"]["next"] is None
    many = [user(u) for u in range(100, 305)] + [member(1, u) for u in range(100, 305)]
    proj.post(many)
    default = proj.ok("/api/v1/organization/users", organizationId=O(1))
    assert default["meta"] == {"count": 200, "total": 209, "next": {"limit": 200, "offset": 200}}
    zero = proj.ok("/api/v1/organization/users", organizationId=O(1), limit=0)
    assert zero["meta"] == default["meta"]


def test_permissions_lists_the_members_holding_a_role_case_insensitively(proj):
    proj.post(acme() + [{"type": "member.role_changed", "org_id": O(1), "user_id": U(3), "role": "ADMIN",
                         "timestamp": "2026-03-01T00:00:00Z"}])
    expected = [{"username": "user1@example.com", "organizationId": O(1)},
                {"username": "user3@example.com", "organizationId": O(1)}]
    assert proj.ok("/api/v1/instance/permissions", organizationId=O(1), role="Admin") == expected
    assert proj.ok("/api/v1/instance/permissions", organizationId=O(1), role="admin") == expected
    assert proj.ok("/api/v1/instance/permissions", organizationId=O(1), role="Manager") == []
    assert validation_errors(proj.get("/api/v1/instance/permissions", organizationId=O(1))) == ["role: Required"]


def test_a_user_with_their_role_and_team(proj):
    proj.post(acme())
    assert proj.ok(f"/api/v1/user/{U(1)}", organizationId=O(1)) == {
        "user": {"organization_id": O(1), "user_id": U(1), "email": "user1@example.com", "role": "Admin",
                 "createdAt": "2025-12-01T00:00:00Z", "updatedAt": "2025-12-01T00:00:00Z"},
        "teams": {"team_id": T(1), "team_name": "FE"}}
    assert proj.ok(f"/api/v1/user/{U(3)}", organizationId=O(1))["teams"] == {"team_id": None, "team_name": None}


def test_a_user_who_is_not_a_current_member_is_404(proj):
    proj.post(acme() + [user(9)])
    for u in (U(4), U(6), U(9), "nope"):  # removed, deleted, never a member, unknown
        assert error_of(proj.get(f"/api/v1/user/{u}", organizationId=O(1)), 404)["message"] == "Not Found"
    assert proj.get("/api/v1/user/usage", organizationId=O(1), userId=U(9), granularity="all",
                    **{"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"}).status_code == 404


def test_user_usage_of_a_user_whose_usage_named_the_org_without_being_a_member_is_404(proj):
    proj.post(acme() + [user(9), cc(9, "2026-01-01T10:00:00Z", chars=11, org_id=1)])
    window = {"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"}
    assert proj.get("/api/v1/user/usage", organizationId=O(1), userId=U(9), granularity="all",
                    **window).status_code == 404
    assert proj.get("/api/v1/user/usage", organizationId=O(1), userId=U(4), granularity="all",
                    **window).status_code == 200  # removed: was a member, its usage stays readable


# ---- utilization ----

def month(year, m0, registered, deactivated, active, pending):
    return {"year": year, "month": m0, "registered": registered, "deactivated": deactivated, "active": active,
            "pending": pending}


INVITES = [
    invite(1, "a@x.com", "2026-01-20T10:00"), invite(1, "a@x.com", "2026-02-10T09:00", kind="accepted"),  # Jan end
    invite(1, "b@x.com", "2026-02-27T10:00"),                                                            # Feb end, now
    invite(1, "c@x.com", "2025-12-05T10:00"), invite(1, "c@x.com", "2025-12-06T10:00", kind="revoked"),
    invite(1, "D@X.com", "2026-03-01T10:00"), invite(1, "d@x.com", "2026-03-02T10:00", kind="revoked"),
    invite(2, "e@x.com", "2026-01-05T10:00"),                                                            # org 2
]


def test_account_utilizations_counts_each_month_with_zero_based_months(proj):
    proj.post(acme() + INVITES)
    assert proj.ok("/api/v1/organization/account-utilizations", organizationId=O(1), startDate="2025-12") == [
        # Dec: u1 u2 u4 u5 registered (u5 until the 20th); at the end u5 deactivated; c@ was revoked
        month(2025, 11, registered=4, deactivated=1, active=3, pending=0),
        # Jan: u1, u2 (until the 15th), u4 (until the 20th); at the end u2 and u5 deactivated; a@ pending across
        # the month end
        month(2026, 0, registered=3, deactivated=2, active=1, pending=1),
        # Feb: u1, u2 (again from the 10th), u3 (joined the 10th); a@ accepted, b@ pending
        month(2026, 1, registered=3, deactivated=1, active=3, pending=1),
        # Mar, the current month, judged now: b@ still pending, D@/d@ revoked (e-mails compare case-insensitively)
        month(2026, 2, registered=3, deactivated=1, active=3, pending=1),
    ]


def test_account_utilizations_defaults_to_the_last_12_months_including_the_current_one(proj):
    proj.post(acme())
    months = proj.ok("/api/v1/organization/account-utilizations", organizationId=O(1))
    assert [(m["year"], m["month"]) for m in months] == [(2025, m) for m in range(3, 12)] + [(2026, m) for m in (0, 1,
                                                                                                                2)]
    assert months[0] == month(2025, 3, 0, 0, 0, 0)


def test_account_utilizations_from_a_future_month_is_empty(proj):
    proj.post(acme())
    assert proj.ok("/api/v1/organization/account-utilizations", organizationId=O(1), startDate="2026-04") == []


def test_team_account_utilizations_counts_the_teams_users_and_its_pending_invitations(proj):
    proj.post(acme() + [invite(1, "t1@x.com", "2026-03-01T10:00", team_id=1),
                        invite(1, "t2@x.com", "2026-03-01T10:00", team_id=1),
                        invite(1, "t2@x.com", "2026-03-02T10:00", kind="accepted"),
                        invite(1, "t3@x.com", "2026-03-01T10:00", team_id=2)])
    assert proj.ok("/api/v1/team/account-utilizations", organizationId=O(1), teamId=T(1)) == {
        "registered": 2, "deactivated": 1, "invited": 1}  # u1 u2 / u5 / t1@
    assert proj.ok("/api/v1/team/account-utilizations", organizationId=O(1), teamId=T(2)) == {
        "registered": 0, "deactivated": 0, "invited": 1}


# ---- validation: every problem listed ----

WINDOW_MISSING = ["from: Required", "to: Required", "granularity: Required"]


@pytest.mark.parametrize("path,params,errors", [
    ("/api/v1/organization/teams", {"offset": "abc", "limit": "2000"},
     ["organizationId: Required", "offset: Expected number, received nan",
      "limit: Number must be less than or equal to 1000"]),
    ("/api/v1/organization/users", {"offset": "1.5", "limit": "-3", "teamMember": "yes", "active": "1"},
     ["organizationId: Required", "offset: Expected integer, received float",
      "limit: Number must be greater than or equal to 0", "teamMember: Expected boolean, received string",
      "active: Expected boolean, received string"]),
    ("/api/v1/organization/account-utilizations", {"startDate": "2025-1"},
     ["organizationId: Required", "startDate: Invalid month, expected YYYY-MM (1970-01 or later)"]),
    ("/api/v1/organization/account-utilizations", {"startDate": "2025-13"},
     ["organizationId: Required", "startDate: Invalid month, expected YYYY-MM (1970-01 or later)"]),
    ("/api/v1/organization/account-utilizations", {"startDate": "1969-12"},
     ["organizationId: Required", "startDate: Invalid month, expected YYYY-MM (1970-01 or later)"]),
    ("/api/v1/organization/usage", {}, ["organizationId: Required"] + WINDOW_MISSING),
    ("/api/v1/team/usage", {}, ["organizationId: Required", "teamId: Required"] + WINDOW_MISSING),
    ("/api/v1/user/usage", {}, ["organizationId: Required", "userId: Required"] + WINDOW_MISSING),
    ("/api/v1/organization/usage", {"from": "2026-01-01", "to": "soon", "granularity": "hourly"},
     ["organizationId: Required", "from: Invalid datetime", "to: Invalid datetime",
      "granularity: Invalid enum value. Expected 'all' | 'daily' | 'weekly' | 'monthly' | 'day' | 'week' | 'month', "
      "received 'hourly'"]),
    ("/api/v1/organization/usage", {"from": "2026-01-02T00:00:00Z", "to": "2026-01-02T00:00:00Z",
                                    "granularity": "all"},
     ["organizationId: Required", "to: Must be after from"]),
    ("/api/v1/organization/usage", {"from": "2025-01-01T00:00:00Z", "to": "2026-02-05T00:00:00.001Z",
                                    "granularity": "all"},
     ["organizationId: Required", "to: Must be at most 400 days after from"]),
    ("/api/v1/instance/permissions", {}, ["organizationId: Required", "role: Required"]),
    ("/api/v1/team/account-utilizations", {}, ["organizationId: Required", "teamId: Required"]),
    ("/api/v1/team/x/users", {"limit": "x"}, ["organizationId: Required", "limit: Expected number, received nan"]),
])
def test_every_invalid_parameter_is_listed_in_errors(proj, path, params, errors):
    assert validation_errors(proj.get(path, **params)) == errors


def test_a_window_of_exactly_400_days_is_accepted(proj):
    proj.post(acme())
    data = proj.usage("organization", 1, "all", "2025-01-01T00:00:00Z", "2026-02-05T00:00:00Z")
    assert len(data) == 1


def test_the_usage_routes_are_in_the_route_table_with_their_scope_and_family():
    routes = {(r["method"], r["path"]): r for r in map(__import__("json").loads, run_cli("routes").stdout.splitlines())}
    paths = ["/api/v1/organization", "/api/v1/organization/teams", "/api/v1/organization/account-utilizations",
             "/api/v1/organization/usage", "/api/v1/organization/users", "/api/v1/license",
             "/api/v1/instance/permissions", "/api/v1/team/account-utilizations", "/api/v1/team/usage",
             "/api/v1/team/{teamId}/users", "/api/v1/team/{teamId}", "/api/v1/user/usage", "/api/v1/user/{user_id}"]
    for p in paths:
        r = routes[("GET", p)]
        assert (r["scope"], r["family"], r["org_key_ok"]) == ("usage:read", "usage", True), p
    assert (routes[("GET", "/v1/usage")]["family"], routes[("GET", "/v1/usage")]["org_key_ok"]) == ("orgpulse", False)
