"""API keys through the CLI and /v1/api_keys: secrets shown once and stored hashed, listing without secrets,
last_used_at, revocation, project isolation."""
import sqlite3

import pytest

from conftest import ON_POSTGRES, run_cli, sqlite_only, store_query


def test_keys_create_prints_the_secret_alone_on_the_last_line(data_dir):
    out = run_cli("keys", "create", "--data", data_dir, "--scopes", "users:read", "--name", "ci").stdout
    last = out.strip().splitlines()[-1]
    assert last.startswith("op_") and " " not in last


@sqlite_only
def test_the_secret_is_never_stored(data_dir):
    secret = run_cli("keys", "create", "--data", data_dir, "--scopes", "*").stdout.strip().splitlines()[-1]
    raw = open(f"{data_dir}/orgpulse.db", "rb").read()
    assert secret.encode() not in raw
    assert secret.split("_")[2].encode() not in raw
    db = sqlite3.connect(f"{data_dir}/orgpulse.db")
    (h,) = db.execute("select secret_hash from api_keys").fetchone()
    assert len(h) == 32


@pytest.mark.skipif(not ON_POSTGRES, reason="the PostgreSQL pass's twin of the SQLite-file test above")
def test_the_secret_is_never_stored_in_postgresql(data_dir):
    secret = run_cli("keys", "create", "--data", data_dir, "--scopes", "*").stdout.strip().splitlines()[-1]
    rows = store_query(data_dir, "select id, name, scopes, coalesce(org_id, ''), encode(secret_hash, 'hex') "
                                 "from api_keys")
    assert len(rows) == 1
    text = "\t".join(rows[0])
    assert secret not in text and secret.split("_")[2] not in text
    assert len(rows[0][4]) == 64  # 32 bytes of hash


def test_keys_create_rejects_unknown_scopes(data_dir):
    p = run_cli("keys", "create", "--data", data_dir, "--scopes", "users:read,root", check=False)
    assert p.returncode == 2
    assert "root" in p.stderr


def test_keys_list_shows_keys_without_secrets_and_revoke_marks_them(data_dir):
    secret = run_cli("keys", "create", "--data", data_dir, "--scopes", "users:read", "--name", "k1").stdout \
        .strip().splitlines()[-1]
    key_id = secret.split("_")[1]
    listing = run_cli("keys", "list", "--data", data_dir).stdout
    assert key_id in listing and secret not in listing and "active" in listing
    run_cli("keys", "revoke", "--data", data_dir, key_id)
    assert "revoked" in run_cli("keys", "list", "--data", data_dir).stdout
    assert run_cli("keys", "revoke", "--data", data_dir, "ffffffffffffffff", check=False).returncode == 1


def test_every_subcommand_has_help():
    for cmd in [["serve"], ["keys"], ["import"], ["demo"]]:
        p = run_cli(*cmd, "--help")
        assert p.stdout.startswith("usage:") or "usage" in p.stdout.lower()


def test_api_creates_lists_and_revokes_keys(server, admin):
    r = server.request("POST", "/v1/api_keys", admin, json={"scopes": ["users:read"], "name": "reader"})
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["secret"].startswith("op_") and created["scopes"] == ["users:read"]
    assert server.request("GET", "/v1/stats", created["secret"]).status_code == 200
    listed = server.request("GET", "/v1/api_keys", admin).json()["data"]
    mine = [k for k in listed if k["id"] == created["id"]][0]
    assert "secret" not in mine and mine["name"] == "reader" and mine["last_used_at"] is not None
    assert all("secret" not in k and "hash" not in k for k in listed)
    assert server.request("DELETE", f"/v1/api_keys/{created['id']}", admin).status_code == 200
    assert server.request("GET", "/v1/stats", created["secret"]).status_code == 401
    assert server.request("DELETE", "/v1/api_keys/ffffffffffffffff", admin).status_code == 404


def test_api_key_creation_validates_its_input(server, admin):
    for body, field in [({}, "scopes"), ({"scopes": ["nope"]}, "scopes"), ({"scopes": "users:read", "name": 5}, "name"),
                        ({"scopes": [1]}, "scopes")]:
        r = server.request("POST", "/v1/api_keys", admin, json=body)
        assert r.status_code == 400, body
        assert r.json()["field"] == field
    r = server.request("POST", "/v1/api_keys", admin, data="[", headers={"Content-Type": "application/json"})
    assert r.status_code == 400


def test_projects_are_isolated(server):
    default_key = server.key("*")
    other_key = server.key("*", project="staging")
    assert server.post_events(other_key, [{"type": "activity", "user_id": "only-staging"}]).status_code == 200
    assert server.request("GET", "/v1/users/only-staging", other_key).status_code == 200
    assert server.request("GET", "/v1/users/only-staging", default_key).status_code == 404
    assert server.request("GET", "/v1/stats", default_key).json()["events"] == 0
    # an admin key of one project cannot revoke another project's key
    other_id = other_key.split("_")[1]
    assert server.request("DELETE", f"/v1/api_keys/{other_id}", default_key).status_code == 404
