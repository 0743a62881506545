"""Organizations, PostHog-compatible (specs/posthog.md; the wire in posthog-reference.md §0-§2 and §4): create with
slug rules, retrieve, PUT, PATCH, DELETE, environments_rollback; DRF validation errors in {type,code,detail,attr};
DRF limit/offset pages with next/previous URLs exactly as LimitOffsetPagination builds them; keys (org-scoped,
scopes, personal_api_key in the query); and that every write is an org.* event: durable, and a deleted org leaves
the Insights reports, the usage family and /v1/orgs.

Every test works in its own project on one shared server (a key made with --project), so lists hold only its orgs."""
import json
import re
import socket
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests

from conftest import Server, started_env

ORG_KEYS = {
    "id", "name", "slug", "logo_media_id", "created_at", "updated_at", "membership_level", "plugins_access_level",
    "teams", "projects", "available_product_features", "is_member_join_email_enabled", "metadata", "customer_id",
    "enforce_2fa", "members_can_invite", "members_can_use_personal_api_keys", "allow_publicly_shared_resources",
    "member_count", "is_ai_data_processing_approved", "default_experiment_stats_method", "default_role_id",
    # orgpulse's own writable fields (posthog.md)
    "domains", "plan_type", "license",
}
DRF_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$")


class Env:
    def __init__(self, data_dir):
        self.server = Server(data_dir, ["--quiet"])

    def start(self):
        self.server.start()
        return self

    def project(self):
        name = "p" + uuid.uuid4().hex[:12]
        return Project(self.server, name)


class Project:
    def __init__(self, server, name):
        self.server, self.name = server, name
        self.key = server.key("*", project=name)

    def key_for(self, scopes, org=None):
        return self.server.key(scopes, org=org, project=self.name)

    def call(self, method, path, body=None, key=None, raw=None, headers=None, **params):
        h = {"Content-Type": "application/json"} if body is not None or raw is not None else {}
        h.update(headers or {})
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        return self.server.request(method, path, key if key is not None else self.key, headers=h, data=data,
                                   params=params)

    def create(self, body, key=None):
        r = self.call("POST", "/api/organizations/", body, key=key)
        assert r.status_code == 201, r.text
        return r.json()

    def get(self, org_id, key=None):
        return self.call("GET", f"/api/organizations/{org_id}/", key=key)

    def post_events(self, events):
        r = self.server.post_events(self.key, events)
        assert r.status_code == 200, r.text


def error(r, status, type_, code, detail=None, attr=None):
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert set(body) == {"type", "code", "detail", "attr"}, body
    assert body["type"] == type_ and body["code"] == code, body
    if detail is not None:
        assert body["detail"] == detail, body
    assert body["attr"] == attr, body
    return body


def now_iso(delta_hours=0):
    t = datetime.now(timezone.utc) + timedelta(hours=delta_hours)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    yield from started_env(Env, tmp_path_factory, "orgs")


@pytest.fixture
def proj(env):
    return env.project()


# ---- create, slug, shape ----

def test_create_answers_201_with_the_organization_and_its_slug(proj):
    org = proj.create({"name": "Acme Inc"})
    assert org["name"] == "Acme Inc"
    assert org["slug"] == "acme-inc"
    assert uuid.UUID(org["id"]).version == 7
    assert proj.get(org["id"]).json() == org


def test_organization_object_has_the_reference_keys_and_json_types(proj):
    org = proj.create({"name": "Shape"})
    assert set(org) == ORG_KEYS
    assert isinstance(org["id"], str) and isinstance(org["name"], str) and isinstance(org["slug"], str)
    assert re.fullmatch(r"[-a-zA-Z0-9_]+", org["slug"]) and len(org["slug"]) <= 48
    assert DRF_TIME.match(org["created_at"]) and DRF_TIME.match(org["updated_at"])
    # posthog.md's decisions and PostHog's defaults (reference §2.2)
    assert org["logo_media_id"] is None
    assert org["membership_level"] is None
    assert org["plugins_access_level"] == 9
    assert org["teams"] == [] and org["projects"] == [] and org["available_product_features"] == []
    assert org["metadata"] == {}
    assert org["customer_id"] is None
    assert org["member_count"] == 0 and type(org["member_count"]) is int
    assert org["is_member_join_email_enabled"] is True
    assert org["enforce_2fa"] is None
    assert org["members_can_invite"] is True
    assert org["members_can_use_personal_api_keys"] is True
    assert org["allow_publicly_shared_resources"] is True
    assert org["is_ai_data_processing_approved"] is None
    assert org["default_experiment_stats_method"] == "bayesian"
    assert org["default_role_id"] is None
    assert org["domains"] == [] and org["plan_type"] is None and org["license"] is None


def test_create_takes_every_writable_field(proj):
    media, role = str(uuid.uuid4()), str(uuid.uuid4())
    license_ = {"exp": 1895529600, "seats": 20, "features": ["chat"]}
    org = proj.create({
        "name": "All", "logo_media_id": media, "is_member_join_email_enabled": False, "enforce_2fa": True,
        "members_can_invite": None, "members_can_use_personal_api_keys": False,
        "allow_publicly_shared_resources": False, "is_ai_data_processing_approved": True,
        "default_experiment_stats_method": "frequentist", "default_role_id": role.upper(),
        "domains": ["all.com", "all.io"], "plan_type": "Enterprise", "license": license_})
    assert org["logo_media_id"] == media
    assert org["is_member_join_email_enabled"] is False
    assert org["enforce_2fa"] is True
    assert org["members_can_invite"] is None
    assert org["members_can_use_personal_api_keys"] is False
    assert org["allow_publicly_shared_resources"] is False
    assert org["is_ai_data_processing_approved"] is True
    assert org["default_experiment_stats_method"] == "frequentist"
    assert org["default_role_id"] == role
    assert org["domains"] == ["all.com", "all.io"]
    assert org["plan_type"] == "Enterprise"
    assert org["license"] == license_


def test_booleans_take_drf_spellings(proj):
    org = proj.create({"name": "Bools", "enforce_2fa": "yes", "members_can_invite": 0,
                       "is_member_join_email_enabled": "off", "is_ai_data_processing_approved": "null"})
    assert org["enforce_2fa"] is True
    assert org["members_can_invite"] is False
    assert org["is_member_join_email_enabled"] is False
    assert org["is_ai_data_processing_approved"] is None


def test_name_is_trimmed_and_a_number_becomes_text(proj):
    assert proj.create({"name": "  Spaced Out \t"})["name"] == "Spaced Out"
    assert proj.create({"name": 42})["name"] == "42"


def test_create_with_a_taken_slug_appends_a_dash_and_four_letters(proj):
    first = proj.create({"name": "Acme Inc"})
    second = proj.create({"name": "ACME inc."})
    assert first["slug"] == "acme-inc"
    assert re.fullmatch(r"acme-inc-[a-zA-Z]{4}", second["slug"]), second["slug"]
    third = proj.create({"name": "Acme Inc"})
    assert len({first["slug"], second["slug"], third["slug"]}) == 3


def test_slug_is_django_slugify_cut_to_48(proj):
    assert proj.create({"name": "Caf\u00e9 M\u00fcller & Co. \u2014 Z\u00fcrich!"})["slug"] == "cafe-muller-co-zurich"
    assert proj.create({"name": "--Hello__ World--"})["slug"] == "hello__-world"
    long_name = "x" * 64
    assert proj.create({"name": long_name})["slug"] == "x" * 48
    clash = proj.create({"name": long_name})["slug"]
    assert re.fullmatch("x" * 43 + r"-[a-zA-Z]{4}", clash), clash


def test_concurrent_creates_with_one_name_get_distinct_slugs(proj):
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(8) as pool:
        orgs = list(pool.map(lambda _: proj.create({"name": "Race"}), range(8)))
    slugs = {o["slug"] for o in orgs}
    assert len(slugs) == 8 and "race" in slugs
    listed = proj.call("GET", "/api/organizations/").json()
    assert listed["count"] == 8 and {o["slug"] for o in listed["results"]} == slugs


def test_slugs_are_unique_within_a_project_only(env):
    a, b = env.project(), env.project()
    assert a.create({"name": "Shared"})["slug"] == "shared"
    assert b.create({"name": "Shared"})["slug"] == "shared"


def test_rename_keeps_the_slug(proj):
    org = proj.create({"name": "Old Name"})
    r = proj.call("PATCH", f"/api/organizations/{org['id']}/", {"name": "New Name"})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "New Name" and r.json()["slug"] == "old-name"
    r = proj.call("PUT", f"/api/organizations/{org['id']}/", {"name": "Newer"})
    assert r.json()["slug"] == "old-name"
    # the freed base is not reclaimed by a rename, and a new org named like the old one still clashes
    assert re.fullmatch(r"old-name-[a-zA-Z]{4}", proj.create({"name": "Old Name"})["slug"])


def test_read_only_fields_in_input_are_ignored(proj):
    org = proj.create({"name": "RO", "id": "my-id", "slug": "my-slug", "created_at": "2020-01-01T00:00:00Z",
                       "member_count": 99, "membership_level": 15, "customer_id": "cus_1", "teams": [{"id": 1}],
                       "metadata": {"a": 1}, "plugins_access_level": 0, "unknown_field": True})
    assert org["id"] != "my-id" and org["slug"] == "ro"
    assert org["member_count"] == 0 and org["membership_level"] is None and org["customer_id"] is None
    assert org["teams"] == [] and org["metadata"] == {} and org["plugins_access_level"] == 9
    assert not org["created_at"].startswith("2020")
    r = proj.call("PATCH", f"/api/organizations/{org['id']}/", {"slug": "other", "id": "x", "created_at": "2020"})
    assert r.status_code == 200
    assert r.json()["slug"] == "ro" and r.json()["id"] == org["id"] and r.json()["created_at"] == org["created_at"]


# ---- update and delete ----

def test_patch_changes_only_the_fields_sent(proj):
    org = proj.create({"name": "Patchy", "enforce_2fa": True, "plan_type": "Team", "domains": ["p.com"]})
    r = proj.call("PATCH", f"/api/organizations/{org['id']}/", {"members_can_invite": False})
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["members_can_invite"] is False
    for k in ("name", "slug", "enforce_2fa", "plan_type", "domains", "created_at"):
        assert after[k] == org[k], k
    assert proj.get(org["id"]).json() == after


def test_patch_with_an_empty_body_changes_nothing_but_updated_at(proj):
    org = proj.create({"name": "Still"})
    time.sleep(0.01)
    r = proj.call("PATCH", f"/api/organizations/{org['id']}/", {})
    assert r.status_code == 200
    after = r.json()
    assert {k: v for k, v in after.items() if k != "updated_at"} == {k: v for k, v in org.items() if k != "updated_at"}
    # as times, not strings: DRF writes no fraction when it is zero ("...:50Z" is before "...:50.013000Z")
    def at(text):
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert at(after["updated_at"]) > at(org["updated_at"])


def test_put_replaces_what_it_sends_and_keeps_the_rest(proj):
    org = proj.create({"name": "Put", "enforce_2fa": True})
    r = proj.call("PUT", f"/api/organizations/{org['id']}/", {"name": "Put 2", "plan_type": "Pro"})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Put 2" and r.json()["plan_type"] == "Pro" and r.json()["enforce_2fa"] is True


def test_put_without_name_is_400_required(proj):
    org = proj.create({"name": "Needs Name"})
    r = proj.call("PUT", f"/api/organizations/{org['id']}/", {"enforce_2fa": True})
    error(r, 400, "validation_error", "required", "This field is required.", "name")
    assert proj.get(org["id"]).json()["enforce_2fa"] is None  # nothing changed


def test_successive_writes_in_one_millisecond_keep_the_last(proj):
    org = proj.create({"name": "Fast"})
    for i in range(20):
        r = proj.call("PATCH", f"/api/organizations/{org['id']}/", {"name": f"Fast {i}", "plan_type": f"p{i}"})
        assert r.status_code == 200
    got = proj.get(org["id"]).json()
    assert got["name"] == "Fast 19" and got["plan_type"] == "p19"


def test_delete_answers_204_then_404_and_the_org_is_gone_from_lists(proj):
    keep = proj.create({"name": "Keep"})
    gone = proj.create({"name": "Gone"})
    r = proj.call("DELETE", f"/api/organizations/{gone['id']}/")
    assert r.status_code == 204 and r.content == b""
    error(proj.get(gone["id"]), 404, "invalid_request", "not_found", "Not found.")
    error(proj.call("DELETE", f"/api/organizations/{gone['id']}/"), 404, "invalid_request", "not_found")
    error(proj.call("PATCH", f"/api/organizations/{gone['id']}/", {"name": "x"}), 404, "invalid_request", "not_found")
    body = proj.call("GET", "/api/organizations/").json()
    assert body["count"] == 1 and [o["id"] for o in body["results"]] == [keep["id"]]
    # its slug is free again
    assert proj.create({"name": "Gone"})["slug"] == "gone"


def test_deleted_org_disappears_from_reports_usage_and_v1_orgs(proj):
    # An Insights report is a snapshot reused until it expires, so that paging is stable (propelauth.md): a snapshot
    # made before the delete keeps its rows; every report computed after it leaves the org out. The check after the
    # delete uses another interval, a snapshot of its own made then.
    org = proj.create({"name": "Doomed"})
    oid = org["id"]
    when = now_iso(-2)
    proj.post_events([
        {"type": "user.created", "user_id": "u1", "email": "u1@d.com", "timestamp": when},
        {"type": "member.added", "org_id": oid, "user_id": "u1", "timestamp": when},
        {"type": "activity", "user_id": "u1", "org_id": oid, "timestamp": when},
    ])
    assert proj.get(oid).json()["member_count"] == 1

    def growth_ids(interval):
        r = proj.call("GET", "/api/backend/v1/org_report/growth", report_interval=interval)
        assert r.status_code == 200, r.text
        return [row["org_id"] for row in r.json()["org_reports"]]

    assert oid in growth_ids("30")
    assert proj.call("GET", "/api/v1/organization", organizationId=oid).status_code == 200
    assert proj.call("GET", f"/v1/orgs/{oid}").status_code == 200
    assert proj.call("DELETE", f"/api/organizations/{oid}/").status_code == 204
    assert growth_ids("60") == []
    assert proj.call("GET", "/api/v1/organization", organizationId=oid).status_code == 404
    assert proj.call("GET", f"/v1/orgs/{oid}").status_code == 404
    user = proj.call("GET", "/v1/users/u1").json()
    assert user["memberships"] == []


def test_writes_are_events_seen_by_v1_orgs(proj):
    org = proj.create({"name": "Evented", "domains": ["e.com"], "enforce_2fa": True, "plan_type": "Team"})
    v1 = proj.call("GET", f"/v1/orgs/{org['id']}").json()
    assert v1["name"] == "Evented" and v1["slug"] == "evented" and v1["domains"] == ["e.com"]
    assert v1["settings"] == {"enforce_2fa": True, "plan_type": "Team"}
    proj.call("PATCH", f"/api/organizations/{org['id']}/", {"name": "Evented 2", "enforce_2fa": False})
    v1 = proj.call("GET", f"/v1/orgs/{org['id']}").json()
    assert v1["name"] == "Evented 2" and v1["settings"] == {"enforce_2fa": False, "plan_type": "Team"}
    stats = proj.call("GET", "/v1/stats").json()
    assert stats["orgs"] == 1 and stats["events"] == 2


def test_org_made_by_events_shows_its_teams_members_and_settings(proj):
    when = now_iso(-5)
    proj.post_events([
        {"type": "org.created", "org_id": "o-ev", "name": "From Events", "slug": "from-ev", "timestamp": when,
         "domains": ["ev.com"], "settings": {"customer_id": "cus_9", "members_can_invite": False}},
        {"type": "team.created", "team_id": "t-2", "org_id": "o-ev", "name": "Two", "timestamp": when},
        {"type": "team.created", "team_id": "t-1", "org_id": "o-ev", "name": "One", "timestamp": when},
        {"type": "user.created", "user_id": "m1", "timestamp": when},
        {"type": "user.created", "user_id": "m2", "timestamp": when},
        {"type": "member.added", "org_id": "o-ev", "user_id": "m1", "timestamp": when},
        {"type": "member.added", "org_id": "o-ev", "user_id": "m2", "timestamp": when},
        {"type": "member.removed", "org_id": "o-ev", "user_id": "m2", "timestamp": now_iso(-1)},
    ])
    org = proj.get("o-ev").json()
    assert org["slug"] == "from-ev" and org["domains"] == ["ev.com"]
    assert org["teams"] == [{"id": "t-1", "name": "One"}, {"id": "t-2", "name": "Two"}]
    assert org["member_count"] == 1
    assert org["customer_id"] == "cus_9" and org["members_can_invite"] is False
    assert org["created_at"] == when


def test_writes_are_durable_before_the_answer(tmp_path):
    s = Server(tmp_path / "data", ["--quiet"]).start()
    try:
        key = s.key("*")
        h = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        r = requests.post(s.url + "/api/organizations/", headers=h, data=json.dumps({"name": "Durable",
                                                                                     "plan_type": "Pro"}))
        assert r.status_code == 201
        org = r.json()
        r = requests.patch(s.url + f"/api/organizations/{org['id']}/", headers=h, data=json.dumps({"name": "D2"}))
        assert r.status_code == 200
        s.kill()
        s.start()
        got = requests.get(s.url + f"/api/organizations/{org['id']}/", headers=h).json()
        assert got["name"] == "D2" and got["slug"] == "durable" and got["plan_type"] == "Pro"
        assert got["created_at"] == org["created_at"]
    finally:
        if s.proc is not None:
            assert s.stop() == 0


# ---- validation errors (reference §4) ----

def test_post_without_name_is_400_required(proj):
    error(proj.call("POST", "/api/organizations/", {"enforce_2fa": True}), 400, "validation_error", "required",
          "This field is required.", "name")
    error(proj.call("POST", "/api/organizations/", raw=b""), 400, "validation_error", "required",
          "This field is required.", "name")
    assert proj.call("GET", "/api/organizations/").json()["count"] == 0


def test_name_longer_than_64_characters_is_400_max_length(proj):
    error(proj.call("POST", "/api/organizations/", {"name": "n" * 65}), 400, "validation_error", "max_length",
          "Ensure this field has no more than 64 characters.", "name")
    assert proj.create({"name": "\u00e9" * 64})["name"] == "\u00e9" * 64  # characters, not bytes
    org = proj.create({"name": "Short"})
    error(proj.call("PATCH", f"/api/organizations/{org['id']}/", {"name": "n" * 65}), 400, "validation_error",
          "max_length", attr="name")


def test_blank_or_null_name_is_400(proj):
    error(proj.call("POST", "/api/organizations/", {"name": ""}), 400, "validation_error", "blank",
          "This field may not be blank.", "name")
    error(proj.call("POST", "/api/organizations/", {"name": "   "}), 400, "validation_error", "blank",
          "This field may not be blank.", "name")
    error(proj.call("POST", "/api/organizations/", {"name": None}), 400, "validation_error", "null",
          "This field may not be null.", "name")


def test_unknown_stats_method_is_400_invalid_choice(proj):
    error(proj.call("POST", "/api/organizations/", {"name": "X", "default_experiment_stats_method": "magic"}),
          400, "validation_error", "invalid_choice", '"magic" is not a valid choice.',
          "default_experiment_stats_method")
    org = proj.create({"name": "Y", "default_experiment_stats_method": None})
    assert org["default_experiment_stats_method"] is None
    assert proj.create({"name": "Z", "default_experiment_stats_method": ""})["default_experiment_stats_method"] == ""


def test_wrong_json_types_are_400_naming_the_field(proj):
    cases = [
        ({"name": ["a"]}, "invalid_input", "Not a valid string.", "name"),
        ({"name": True}, "invalid_input", "Not a valid string.", "name"),
        ({"name": "X", "enforce_2fa": "maybe"}, "invalid_input", "Must be a valid boolean.", "enforce_2fa"),
        ({"name": "X", "members_can_use_personal_api_keys": None}, "null", "This field may not be null.",
         "members_can_use_personal_api_keys"),
        ({"name": "X", "allow_publicly_shared_resources": [True]}, "invalid_input", "Must be a valid boolean.",
         "allow_publicly_shared_resources"),
        ({"name": "X", "domains": "a.com"}, "not_a_list", 'Expected a list of items but got type "str".', "domains"),
        ({"name": "X", "domains": ["a.com", 5, {}]}, "invalid_input", "Not a valid string.", "domains__2"),
        ({"name": "X", "license": "key"}, "not_a_dict", 'Expected a dictionary of items but got type "str".',
         "license"),
        ({"name": "X", "logo_media_id": 12}, "incorrect_type", "Incorrect type. Expected pk value, received int.",
         "logo_media_id"),
        ({"name": "X", "default_role_id": "not-a-uuid"}, "invalid_input", "Must be a valid UUID.", "default_role_id"),
        ({"name": "X", "plan_type": {}}, "invalid_input", "Not a valid string.", "plan_type"),
    ]
    for body, code, detail, attr in cases:
        error(proj.call("POST", "/api/organizations/", body), 400, "validation_error", code, detail, attr)
    assert proj.call("GET", "/api/organizations/").json()["count"] == 0


def test_the_first_invalid_field_in_serializer_order_answers(proj):
    body = {"default_experiment_stats_method": "x", "enforce_2fa": "x", "name": "n" * 70}
    error(proj.call("POST", "/api/organizations/", body), 400, "validation_error", "max_length", attr="name")
    body = {"name": "ok", "default_experiment_stats_method": "x", "enforce_2fa": "x"}
    error(proj.call("POST", "/api/organizations/", body), 400, "validation_error", "invalid_input", attr="enforce_2fa")


def test_malformed_json_is_400_parse_error(proj):
    body = error(proj.call("POST", "/api/organizations/", raw=b'{"name": '), 400, "invalid_request", "parse_error")
    assert body["detail"].startswith("JSON parse error - ")
    org = proj.create({"name": "P"})
    error(proj.call("PATCH", f"/api/organizations/{org['id']}/", raw=b"{nope}"), 400, "invalid_request", "parse_error")


def test_body_that_is_not_an_object_is_400(proj):
    error(proj.call("POST", "/api/organizations/", raw=b"[1, 2]"), 400, "validation_error", "invalid_input",
          "Invalid data. Expected a dictionary, but got list.", None)
    error(proj.call("POST", "/api/organizations/", raw=b"null"), 400, "validation_error", "null",
          "No data provided", None)


def test_body_that_is_not_json_is_415(proj):
    r = proj.call("POST", "/api/organizations/", raw=b"name=x", headers={"Content-Type": "text/plain"})
    error(r, 415, "invalid_request", "unsupported_media_type", 'Unsupported media type "text/plain" in request.')


# ---- keys, scopes, statuses ----

def test_missing_credentials_is_401_not_authenticated(env):
    r = requests.get(env.server.url + "/api/organizations/")
    error(r, 401, "authentication_error", "not_authenticated", "Authentication credentials were not provided.")


def test_bad_key_is_401_authentication_failed_naming_where_it_was_found(env):
    r = requests.get(env.server.url + "/api/organizations/", headers={"Authorization": "Bearer op_bad"})
    error(r, 401, "authentication_error", "authentication_failed",
          "Personal API key found in request Authorization header is invalid.")
    r = requests.get(env.server.url + "/api/organizations/", params={"personal_api_key": "op_bad"})
    error(r, 401, "authentication_error", "authentication_failed",
          "Personal API key found in request query string is invalid.")


def test_personal_api_key_in_the_query_authenticates(proj):
    proj.create({"name": "Q"})
    r = requests.get(proj.server.url + "/api/organizations/", params={"personal_api_key": proj.key})
    assert r.status_code == 200 and r.json()["count"] == 1
    r = requests.post(proj.server.url + "/api/organizations", params={"personal_api_key": proj.key},
                      json={"name": "Q2"})
    assert r.status_code == 201 and r.json()["slug"] == "q2"


def test_missing_scope_is_403_naming_it(proj):
    read = proj.key_for("organization:read")
    org = proj.create({"name": "S"})
    assert proj.get(org["id"], key=read).status_code == 200
    for method, path in [("POST", "/api/organizations/"), ("PATCH", f"/api/organizations/{org['id']}/"),
                         ("PUT", f"/api/organizations/{org['id']}/"), ("DELETE", f"/api/organizations/{org['id']}/")]:
        error(proj.call(method, path, {"name": "x"}, key=read), 403, "authentication_error", "permission_denied",
              "API key missing required scope 'organization:write'")
    other = proj.key_for("usage:read")
    error(proj.call("GET", "/api/organizations/", key=other), 403, "authentication_error", "permission_denied",
          "API key missing required scope 'organization:read'")
    write = proj.key_for("organization:write")  # write implies read
    assert proj.call("GET", "/api/organizations/", key=write).status_code == 200
    assert proj.call("POST", "/api/organizations/", {"name": "W"}, key=write).status_code == 201


def test_unknown_org_is_404_not_found(proj):
    error(proj.get(str(uuid.uuid4())), 404, "invalid_request", "not_found", "Not found.")
    error(proj.get("not-a-uuid"), 404, "invalid_request", "not_found", "Not found.")


def test_current_without_an_org_scoped_key_is_404(proj):
    error(proj.get("@current"), 404, "invalid_request", "not_found", "Current organization not found.")


def test_wrong_method_is_405_with_allow(proj):
    r = proj.call("DELETE", "/api/organizations/")
    error(r, 405, "invalid_request", "method_not_allowed", 'Method "DELETE" not allowed.')
    assert r.headers["Allow"] == "GET, POST, HEAD, OPTIONS"
    org = proj.create({"name": "M"})
    r = proj.call("POST", f"/api/organizations/{org['id']}/", {"name": "x"})
    error(r, 405, "invalid_request", "method_not_allowed", 'Method "POST" not allowed.')
    assert r.headers["Allow"] == "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"


def test_paths_work_with_and_without_the_trailing_slash(proj):
    r = proj.call("POST", "/api/organizations", {"name": "Slash"})
    assert r.status_code == 201
    oid = r.json()["id"]
    assert proj.call("GET", "/api/organizations").status_code == 200
    assert proj.call("GET", f"/api/organizations/{oid}").status_code == 200
    assert proj.call("PATCH", f"/api/organizations/{oid}", {"name": "S2"}).status_code == 200
    assert proj.call("POST", f"/api/organizations/{oid}/environments_rollback", {"1": 2}).status_code == 400
    assert proj.call("DELETE", f"/api/organizations/{oid}").status_code == 204


def test_org_scoped_key_lists_and_reaches_only_its_org(proj):
    mine = proj.create({"name": "Mine"})
    other = proj.create({"name": "Other"})
    key = proj.key_for("organization:write", org=mine["id"])
    body = proj.call("GET", "/api/organizations/", key=key).json()
    assert body["count"] == 1 and [o["id"] for o in body["results"]] == [mine["id"]]
    assert proj.get("@current", key=key).json()["id"] == mine["id"]
    assert proj.get(mine["id"], key=key).status_code == 200
    r = proj.call("PATCH", "/api/organizations/@current/", {"plan_type": "Pro"}, key=key)
    assert r.status_code == 200 and r.json()["plan_type"] == "Pro"
    error(proj.get(other["id"], key=key), 403, "authentication_error", "permission_denied",
          f"API key does not have access to the requested organization: ID {other['id']}.")
    error(proj.call("DELETE", f"/api/organizations/{other['id']}/", key=key), 403, "authentication_error",
          "permission_denied")
    error(proj.get(str(uuid.uuid4()), key=key), 404, "invalid_request", "not_found")
    assert proj.get(other["id"]).json()["name"] == "Other"


def test_org_scoped_key_cannot_create(proj):
    mine = proj.create({"name": "Mine"})
    key = proj.key_for("organization:write", org=mine["id"])
    error(proj.call("POST", "/api/organizations/", {"name": "New"}, key=key), 403, "authentication_error",
          "permission_denied")
    assert proj.call("GET", "/api/organizations/").json()["count"] == 1


def test_environments_rollback_answers_400_for_any_mapping(proj):
    org = proj.create({"name": "Envs"})
    path = f"/api/organizations/{org['id']}/environments_rollback/"
    error(proj.call("POST", path, {"2": 2, "116911": 2}), 400, "validation_error", "invalid_input",
          "Environments not found: {2, 116911}", None)
    error(proj.call("POST", path, {}), 400, "validation_error", "invalid_input",
          "Environment mappings are required", None)
    error(proj.call("POST", path, raw=b""), 400, "validation_error", "invalid_input",
          "Environment mappings are required", None)
    error(proj.call("POST", f"/api/organizations/{uuid.uuid4()}/environments_rollback/", {"1": 1}), 404,
          "invalid_request", "not_found")


# ---- pages ----

def make_orgs(proj, n):
    return [proj.create({"name": f"Org {i}"})["id"] for i in range(n)]


def test_list_is_in_creation_order_with_count(proj):
    ids = make_orgs(proj, 3)
    body = proj.call("GET", "/api/organizations/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3 and body["next"] is None and body["previous"] is None
    assert [o["id"] for o in body["results"]] == ids


def test_pages_have_next_and_previous_urls_as_drf_builds_them(proj):
    ids = make_orgs(proj, 5)
    base = f"http://127.0.0.1:{proj.server.port}/api/organizations/"
    page = proj.call("GET", "/api/organizations/", limit=2).json()
    assert page["count"] == 5 and [o["id"] for o in page["results"]] == ids[0:2]
    assert page["next"] == base + "?limit=2&offset=2" and page["previous"] is None
    page = requests.get(page["next"], headers={"Authorization": f"Bearer {proj.key}"}).json()
    assert [o["id"] for o in page["results"]] == ids[2:4]
    assert page["next"] == base + "?limit=2&offset=4"
    assert page["previous"] == base + "?limit=2"  # offset - limit <= 0: offset dropped
    page = requests.get(page["next"], headers={"Authorization": f"Bearer {proj.key}"}).json()
    assert [o["id"] for o in page["results"]] == ids[4:]
    assert page["next"] is None and page["previous"] == base + "?limit=2&offset=2"
    page = proj.call("GET", "/api/organizations/", limit=2, offset=3).json()
    assert [o["id"] for o in page["results"]] == ids[3:5]
    assert page["next"] is None and page["previous"] == base + "?limit=2&offset=1"
    page = proj.call("GET", "/api/organizations/", limit=2, offset=9).json()
    assert page["count"] == 5 and page["results"] == [] and page["next"] is None
    assert page["previous"] == base + "?limit=2&offset=7"


def test_next_url_keeps_the_other_query_parameters_sorted_and_encoded(proj):
    make_orgs(proj, 3)
    r = proj.call("GET", "/api/organizations?zeta=1&offset=0&b=x%20y%26z&limit=1&a=&limit=2")
    base = f"http://127.0.0.1:{proj.server.port}/api/organizations"
    # the last limit counts (Django's QueryDict); keys sorted; values quote_plus-encoded
    assert r.json()["next"] == base + "?a=&b=x+y%26z&limit=2&offset=2&zeta=1"


def test_next_url_never_carries_the_personal_api_key(proj):
    make_orgs(proj, 2)
    r = requests.get(proj.server.url + "/api/organizations/", params={"personal_api_key": proj.key, "limit": 1})
    assert r.status_code == 200
    assert r.json()["next"] == f"http://127.0.0.1:{proj.server.port}/api/organizations/?limit=1&offset=1"
    assert proj.key not in r.text


def test_limit_and_offset_are_parsed_leniently(proj):
    make_orgs(proj, 3)
    base = f"http://127.0.0.1:{proj.server.port}/api/organizations/"
    for bad in ("abc", "0", "-1", "2.5", ""):
        body = proj.call("GET", "/api/organizations/", limit=bad).json()
        assert len(body["results"]) == 3 and body["next"] is None, bad  # the default, 100
    body = proj.call("GET", "/api/organizations/", limit=" 1 ", offset="x").json()
    assert len(body["results"]) == 1 and body["next"] == base + "?limit=1&offset=1"
    body = proj.call("GET", "/api/organizations/", limit="1_0", offset="-5").json()
    assert len(body["results"]) == 3 and body["previous"] is None
    body = proj.call("GET", "/api/organizations/", limit=5000, offset=1).json()
    assert body["previous"] == base + "?limit=1000"  # capped at 1000 (posthog.md)


def test_next_urls_use_the_configured_public_url(tmp_path):
    s = Server(tmp_path / "data", ["--quiet"], env={"ORGPULSE_PUBLIC_URL": "https://orgs.example.com/"}).start()
    try:
        key = s.key("*")
        h = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        for i in range(2):
            assert requests.post(s.url + "/api/organizations/", headers=h, json={"name": f"P{i}"}).status_code == 201
        body = requests.get(s.url + "/api/organizations/", headers=h, params={"limit": 1}).json()
        assert body["next"] == "https://orgs.example.com/api/organizations/?limit=1&offset=1"
    finally:
        assert s.stop() == 0


# ---- review fixes: bodies, output types, auth headers, methods, UUID lookups ----

def test_form_encoded_body_creates_as_drf_reads_html_input(proj):
    r = proj.call("POST", "/api/organizations/", raw=b"name=Form+Org%21&enforce_2fa=yes&domains=a.com&domains=b.com"
                  b"&plan_type=&logo_media_id=&is_ai_data_processing_approved=on",
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 201, r.text
    org = r.json()
    assert org["name"] == "Form Org!" and org["slug"] == "form-org"
    assert org["enforce_2fa"] is True and org["is_ai_data_processing_approved"] is True
    assert org["domains"] == ["a.com", "b.com"] and org["plan_type"] == "" and org["logo_media_id"] is None
    # DRF's BooleanField reads a missing HTML field as False (None when it allows null) on POST and PUT
    assert org["is_member_join_email_enabled"] is False and org["members_can_invite"] is None
    assert org["members_can_use_personal_api_keys"] is False and org["allow_publicly_shared_resources"] is False


def test_form_patch_changes_only_the_fields_sent_and_a_repeated_name_keeps_its_last_value(proj):
    org = proj.create({"name": "Patched", "members_can_invite": True})
    r = proj.call("PATCH", f"/api/organizations/{org['id']}/", raw=b"enforce_2fa=true&name=One&name=Two",
                  headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["name"] == "Two" and got["enforce_2fa"] is True and got["members_can_invite"] is True
    assert got["is_member_join_email_enabled"] is True


def test_form_fields_are_validated_like_json(proj):
    r = proj.call("POST", "/api/organizations/", raw=b"name=x&enforce_2fa=maybe",
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    error(r, 400, "validation_error", "invalid_input", "Must be a valid boolean.", "enforce_2fa")
    r = proj.call("POST", "/api/organizations/", raw=b"enforce_2fa=1",
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    error(r, 400, "validation_error", "required", "This field is required.", "name")


def test_multipart_body_creates_and_ignores_file_parts(proj):
    r = requests.post(proj.server.url + "/api/organizations/", headers={"Authorization": f"Bearer {proj.key}"},
                      data={"name": "Multi Org", "members_can_invite": "0", "domains": ["m.com"]},
                      files={"logo": ("logo.png", b"\x89PNG\r\n\x00binary", "image/png")}, timeout=30)
    assert r.status_code == 201, r.text
    org = r.json()
    assert org["name"] == "Multi Org" and org["members_can_invite"] is False and org["domains"] == ["m.com"]
    assert org["logo_media_id"] is None


def test_multipart_without_a_boundary_is_400_parse_error(proj):
    r = proj.call("POST", "/api/organizations/", raw=b"name=x", headers={"Content-Type": "multipart/form-data"})
    error(r, 400, "invalid_request", "parse_error", "Multipart form parse error - Invalid boundary in multipart: None")


def test_booleans_take_every_drf_true_and_false_value(proj):
    org = proj.create({"name": "AllBools"})
    path = f"/api/organizations/{org['id']}/"
    for v in ["t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1", 1, 1.0, True]:
        r = proj.call("PATCH", path, {"members_can_use_personal_api_keys": False})
        r = proj.call("PATCH", path, {"members_can_use_personal_api_keys": v})
        assert r.json()["members_can_use_personal_api_keys"] is True, v
    for v in ["f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0", 0, 0.0, False]:
        r = proj.call("PATCH", path, {"members_can_use_personal_api_keys": True})
        r = proj.call("PATCH", path, {"members_can_use_personal_api_keys": v})
        assert r.json()["members_can_use_personal_api_keys"] is False, v
    for v in ["2", 2, "tru", "", "null", []]:
        r = proj.call("PATCH", path, {"members_can_use_personal_api_keys": v})
        error(r, 400, "validation_error", "invalid_input", "Must be a valid boolean.", "members_can_use_personal_api_keys")


def test_fields_from_events_render_with_their_declared_json_types(proj):
    when = now_iso(-2)
    proj.post_events([
        {"type": "org.created", "org_id": "o-typed", "name": "Typed", "timestamp": when,
         "settings": {"enforce_2fa": "yes", "plan_type": 7, "members_can_invite": "x", "customer_id": 9,
                      "is_member_join_email_enabled": None, "allow_publicly_shared_resources": 0,
                      "default_experiment_stats_method": "fast", "default_role_id": 5,
                      "logo_media_id": [1], "is_ai_data_processing_approved": "true",
                      "members_can_use_personal_api_keys": False}},
        {"type": "user.created", "user_id": "u-typed", "timestamp": when},
        {"type": "member.added", "org_id": "o-member-only", "user_id": "u-typed", "timestamp": when},
    ])
    org = proj.get("o-typed").json()
    assert org["enforce_2fa"] is None and org["plan_type"] is None and org["members_can_invite"] is True
    assert org["customer_id"] is None and org["is_member_join_email_enabled"] is True
    assert org["allow_publicly_shared_resources"] is True and org["default_experiment_stats_method"] == "bayesian"
    assert org["default_role_id"] is None and org["logo_media_id"] is None
    assert org["is_ai_data_processing_approved"] is None and org["members_can_use_personal_api_keys"] is False
    r = proj.get("o-member-only")
    assert r.status_code == 200, r.text
    only = r.json()
    assert only["name"] == "" and only["slug"] == "o-member-only" and only["member_count"] == 1


def raw_request(server, lines):
    """One HTTP/1.1 request written byte for byte (requests strips header whitespace); the status and the raw answer."""
    host, port = server.url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return int(data.split(b" ", 2)[1]), data


def test_bearer_key_with_surrounding_whitespace_authenticates(proj):
    proj.create({"name": "Spaces"})
    for authz in [f"Bearer {proj.key}   ", f"Bearer\t{proj.key}", f"Bearer \t {proj.key}\t "]:
        status, data = raw_request(proj.server, ["GET /api/organizations/ HTTP/1.1", "Host: x", "Connection: close",
                                                 f"Authorization: {authz}"])
        assert status == 200, (authz, data)
        assert b'"Spaces"' in data


def test_wrong_method_without_a_valid_key_is_401_before_405(env, proj):
    url = env.server.url + "/api/organizations/"
    r = requests.put(url)
    error(r, 401, "authentication_error", "not_authenticated", "Authentication credentials were not provided.")
    r = requests.put(url, headers={"Authorization": "Bearer op_bad"})
    error(r, 401, "authentication_error", "authentication_failed",
          "Personal API key found in request Authorization header is invalid.")
    r = requests.put(url, headers={"Authorization": f"Bearer {proj.key}"})
    error(r, 405, "invalid_request", "method_not_allowed", 'Method "PUT" not allowed.')


def test_head_is_served_like_get_without_a_body(proj):
    proj.create({"name": "Headed"})
    r = proj.call("HEAD", "/api/organizations/")
    assert r.status_code == 200 and r.content == b"" and r.headers["Content-Type"] == "application/json"
    assert int(r.headers["Content-Length"]) == len(proj.call("GET", "/api/organizations/").content)
    r = proj.server.request("HEAD", "/v1/stats", proj.key)  # every family
    assert r.status_code == 200 and r.content == b""


def test_options_answers_200_with_allow_and_drf_metadata(env, proj):
    org = proj.create({"name": "Opt"})
    parses = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"]
    for path, allow, name in [
        ("/api/organizations/", "GET, POST, HEAD, OPTIONS", "Organization List"),
        (f"/api/organizations/{org['id']}/", "GET, PUT, PATCH, DELETE, HEAD, OPTIONS", "Organization Instance"),
        (f"/api/organizations/{org['id']}/environments_rollback/", "POST, OPTIONS", "Environments rollback"),
    ]:
        r = proj.call("OPTIONS", path)
        assert r.status_code == 200, r.text
        assert r.headers["Allow"] == allow
        assert r.json() == {"name": name, "description": "", "renders": ["application/json"], "parses": parses}
    r = requests.options(env.server.url + "/api/organizations/")
    error(r, 401, "authentication_error", "not_authenticated")


def test_401_answers_carry_www_authenticate(env):
    url = env.server.url + "/api/organizations/"
    for r in [requests.get(url), requests.get(url, headers={"Authorization": "Bearer op_bad"}),
              requests.delete(url + "x/", params={"personal_api_key": "op_bad"}), requests.put(url)]:
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"] == 'Bearer realm="api"'


def test_org_ids_in_other_uuid_spellings_find_the_org(proj):
    org = proj.create({"name": "Spelled"})
    oid = org["id"]
    for spelled in [oid.upper(), oid.replace("-", ""), "{" + oid + "}", "urn:uuid:" + oid,
                    "URN:UUID:" + oid.upper().replace("-", "")]:
        r = proj.get(spelled)
        assert r.status_code == 200, (spelled, r.text)
        assert r.json()["id"] == oid
    r = proj.call("PATCH", f"/api/organizations/{oid.upper()}/", {"plan_type": "pro"})
    assert r.status_code == 200 and r.json()["plan_type"] == "pro" and r.json()["id"] == oid
    proj.post_events([{"type": "org.created", "org_id": "o-exact", "name": "Exact", "timestamp": now_iso(-1)}])
    assert proj.get("o-exact").status_code == 200
    error(proj.get("O-EXACT"), 404, "invalid_request", "not_found", "Not found.")


def test_204_answer_has_no_content_type_and_no_body(proj):
    org = proj.create({"name": "Gone"})
    r = proj.call("DELETE", f"/api/organizations/{org['id']}/")
    assert r.status_code == 204 and r.content == b""
    assert "Content-Type" not in r.headers
