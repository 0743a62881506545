"""Authentication and scopes, walking the server's own route table (`orgpulse routes`): every endpoint that needs a
key answers 401 without one or with a revoked, unknown or malformed one, and 403 naming the scope it misses."""
import json

import pytest

from conftest import run_cli

SCOPES = ["events:write", "insights:read", "usage:read", "engagement:read", "users:read", "organization:read",
          "organization:write", "batch_export:read", "batch_export:write"]


def routes():
    return [json.loads(line) for line in run_cli("routes").stdout.splitlines()]


def call(server, route, headers):
    path = route["path"].replace("{id}", "x").replace("{", "").replace("}", "")
    data = None
    if route["takes_body"]:
        data = b"{}"
        headers = dict(headers, **{"Content-Type": "application/json"})
    return server.request(route["method"], path, headers=headers, data=data)


def scopes_not_granting(required):
    """Every scope that does not imply `required` (admin and * imply everything; X:write implies X:read)."""
    base = required.split(":")[0]
    return [s for s in SCOPES if s != required and not (required.endswith(":read") and s == base + ":write")]


def test_the_route_table_lists_the_foundation_endpoints():
    listed = {(r["method"], r["path"]) for r in routes()}
    for ep in [("GET", "/healthz"), ("POST", "/v1/events"), ("GET", "/v1/users/{id}"), ("GET", "/v1/orgs/{id}"),
               ("GET", "/v1/stats"), ("POST", "/v1/api_keys"), ("GET", "/v1/api_keys"),
               ("DELETE", "/v1/api_keys/{id}")]:
        assert ep in listed


def test_every_scoped_route_answers_401_without_a_key(server):
    for r in routes():
        if r["scope"] is None:
            continue
        resp = call(server, r, {})
        assert resp.status_code == 401, (r, resp.text)
        if r["family"] == "orgpulse":
            assert resp.json()["error"] == "unauthorized"


def test_every_scoped_route_answers_401_for_unknown_malformed_and_wrong_secrets(server):
    real = server.key("*")
    forged = real[:-4] + ("0000" if not real.endswith("0000") else "1111")
    for r in routes():
        if r["scope"] is None:
            continue
        for secret in ["op_0123456789abcdef_" + "0" * 48, "garbage", forged, real + "x"]:
            resp = call(server, r, {"Authorization": f"Bearer {secret}"})
            assert resp.status_code == 401, (r, secret, resp.text)


def test_every_scoped_route_answers_401_for_a_revoked_key(server):
    key = server.key("*")
    key_id = key.split("_")[1]
    run_cli("keys", "revoke", "--data", server.data_dir, key_id)
    for r in routes():
        if r["scope"] is None:
            continue
        resp = call(server, r, {"Authorization": f"Bearer {key}"})
        assert resp.status_code == 401, (r, resp.text)


def test_every_scoped_route_answers_403_naming_the_missing_scope(server):
    for r in routes():
        if r["scope"] is None:
            continue
        key = server.key(",".join(scopes_not_granting(r["scope"])))
        resp = call(server, r, {"Authorization": f"Bearer {key}"})
        assert resp.status_code == 403, (r, resp.text)
        if r["family"] in ("orgpulse", "orgs"):
            assert f"API key missing required scope '{r['scope']}'" in resp.text


def test_org_scoped_keys_are_refused_where_the_route_does_not_allow_them(server):
    key = server.key("*", org="some-org")
    for r in routes():
        if r["scope"] is None or r["org_key_ok"]:
            continue
        resp = call(server, r, {"Authorization": f"Bearer {key}"})
        assert resp.status_code == 403, (r, resp.text)


def test_the_right_scope_gets_past_auth_on_every_route(server):
    for r in routes():
        if r["scope"] is None:
            continue
        key = server.key(r["scope"])
        resp = call(server, r, {"Authorization": f"Bearer {key}"})
        assert resp.status_code not in (401, 403), (r, resp.text)


def test_a_write_scope_implies_its_read_scope(server):
    key = server.key("organization:write")
    assert server.request("GET", "/v1/orgs/nope", key).status_code == 404


def test_a_key_created_while_the_server_runs_works_at_once(server):
    key = server.key("users:read")
    assert server.request("GET", "/v1/stats", key).status_code == 200


def test_keys_revoked_through_the_api_stop_working_at_once(server, admin):
    key = server.key("users:read")
    assert server.request("GET", "/v1/stats", key).status_code == 200
    key_id = key.split("_")[1]
    r = server.request("DELETE", f"/v1/api_keys/{key_id}", admin)
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert server.request("GET", "/v1/stats", key).status_code == 401


def test_unknown_paths_get_404_in_the_orgpulse_shape(server, admin):
    r = server.request("GET", "/no/such/thing", admin)
    assert r.status_code == 404
    assert r.json()["error"] == "not_found"


def test_a_wrong_method_gets_405_with_allow(server, admin):
    r = server.request("PUT", "/v1/stats", admin)
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET"
    r = server.request("PATCH", "/v1/api_keys", admin)
    assert r.status_code == 405
    assert r.headers["Allow"] == "POST, GET"
