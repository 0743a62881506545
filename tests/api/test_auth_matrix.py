"""The auth matrix over the route table: every endpoint x {no key, bad key, revoked key, missing scope, org-scoped key
where not allowed} gets the right status and exactly the body its family's clients expect (auth.md's table;
posthog-reference.md §1.1 for the organizations family's wording)."""
import pytest

from conftest import run_cli
from test_auth import call, routes, scopes_not_granting

FAMILY_BY_NAME = {"orgpulse", "insights", "usage", "engagement", "users_v2", "orgs"}
ENGAGEMENT_401 = {"success": False, "error": "You must be logged in to do this.", "status": "error",
                  "message": "You must be logged in to do this."}
ENGAGEMENT_403 = {"success": False,
                  "error": "User does not have the permissions required for this action [error-unauthorized]"}


def expected_401(family, case):
    """The exact body (or a predicate) for a 401 of `case` in `family`."""
    if family == "orgpulse":
        return lambda b: b["error"] == "unauthorized" and isinstance(b["message"], str) and set(b) == {"error", "message"}
    if family == "insights":
        return {"error": "unauthorized"}
    if family == "usage":
        return {"error": {"message": "Unauthorized", "status": 401}}
    if family == "engagement":
        return ENGAGEMENT_401
    if family == "users_v2":
        return lambda b: b["status"] == "error" and isinstance(b["message"], str) and set(b) == {"status", "message"}
    if family == "orgs":
        if case == "none":
            return {"type": "authentication_error", "code": "not_authenticated",
                    "detail": "Authentication credentials were not provided.", "attr": None}
        return {"type": "authentication_error", "code": "authentication_failed",
                "detail": "Personal API key found in request Authorization header is invalid.", "attr": None}
    raise AssertionError(family)


def expected_403_scope(family, scope):
    if family == "orgpulse":
        return {"error": "forbidden", "message": f"API key missing required scope '{scope}'"}
    if family == "insights":
        return {"error": "forbidden"}
    if family == "usage":
        return {"error": {"message": "Forbidden", "status": 403}}
    if family == "engagement":
        return ENGAGEMENT_403
    if family == "users_v2":
        return lambda b: b["status"] == "error" and isinstance(b["message"], str) and set(b) == {"status", "message"}
    if family == "orgs":
        return {"type": "authentication_error", "code": "permission_denied",
                "detail": f"API key missing required scope '{scope}'", "attr": None}
    raise AssertionError(family)


def expected_403_org_key(family):
    if family == "orgpulse":
        return lambda b: b["error"] == "forbidden" and isinstance(b["message"], str)
    return expected_403_scope(family, "")  if family in ("insights", "usage", "engagement") else (
        lambda b: b["status"] == "error" if family == "users_v2" else b["code"] == "permission_denied")


def matches(expected, body):
    return expected(body) if callable(expected) else body == expected


SCOPED = [r for r in routes() if r["scope"]]
IDS = [f'{r["method"]} {r["path"]}' for r in SCOPED]


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    from conftest import Server
    s = Server(tmp_path_factory.mktemp("authmatrix") / "data").start()
    revoked = s.key("*")
    run_cli("keys", "revoke", "--data", s.data_dir, revoked.split("_")[1])
    org_key = s.key("*", org="4f18c3a2-0000-4000-8000-000000000001")
    yield s, revoked, org_key
    assert s.stop() == 0, s.log_text()


def test_the_matrix_covers_every_family():
    assert {r["family"] for r in SCOPED} >= {"orgpulse", "insights", "usage", "engagement", "users_v2"}
    assert {r["family"] for r in SCOPED} <= FAMILY_BY_NAME


@pytest.mark.parametrize("route", SCOPED, ids=IDS)
def test_no_key_gets_401_in_the_family_shape(keys, route):
    s, _, _ = keys
    r = call(s, route, {})
    assert r.status_code == 401 and matches(expected_401(route["family"], "none"), r.json()), r.text


@pytest.mark.parametrize("route", SCOPED, ids=IDS)
def test_a_bad_key_gets_401_in_the_family_shape(keys, route):
    s, _, _ = keys
    r = call(s, route, {"Authorization": "Bearer op_0000000000000000_" + "0" * 64})
    assert r.status_code == 401 and matches(expected_401(route["family"], "bad"), r.json()), r.text


@pytest.mark.parametrize("route", SCOPED, ids=IDS)
def test_a_revoked_key_gets_401_in_the_family_shape(keys, route):
    s, revoked, _ = keys
    r = call(s, route, {"Authorization": f"Bearer {revoked}"})
    assert r.status_code == 401 and matches(expected_401(route["family"], "bad"), r.json()), r.text


@pytest.mark.parametrize("route", SCOPED, ids=IDS)
def test_a_key_without_the_scope_gets_403_naming_it_in_the_family_shape(keys, route):
    s, _, _ = keys
    key = s.key(",".join(scopes_not_granting(route["scope"])))
    r = call(s, route, {"Authorization": f"Bearer {key}"})
    assert r.status_code == 403 and matches(expected_403_scope(route["family"], route["scope"]), r.json()), r.text


@pytest.mark.parametrize("route", SCOPED, ids=IDS)
def test_an_org_scoped_key_gets_403_where_not_allowed_and_passes_auth_where_allowed(keys, route):
    s, _, org_key = keys
    r = call(s, route, {"Authorization": f"Bearer {org_key}"})
    if route["org_key_ok"]:
        assert r.status_code != 403 or route["family"] == "orgs", r.text
    else:
        assert r.status_code == 403 and matches(expected_403_org_key(route["family"]), r.json()), r.text
