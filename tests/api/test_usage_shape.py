"""Usage metrics, wire shape: the example responses of ../shared/specs/tabnine-reference.md and orgpulse's answers for
equivalent data have the same keys with the same JSON types, field for field, recursively (every element of an
answer's list against the example's element).

Examples. Transcribed from tabnine-reference.md: organization (2.1), teams (2.2), account-utilizations (2.3), usage
(2.4, the S9 example with instruct and agent), license (2.6), permissions (2.7), team account-utilizations (2.9),
team (2.10). The users list (2.5) and user info (2.12) have field tables but no example there; their examples below
are built from those tables (v1's TeamUser plus v6.2's `active` and `team`, as tabnine.md lists them).

Where tabnine.md decides otherwise than an example, the decision stands, and DIFFERENCES lists each such field with
the sentence that decides it; nothing else may differ."""
import pathlib

import pytest

from usage_support import O, T, U, Env, activity, chat, cc, invite, joined, member, org, status, team, usage, user

EXAMPLES = {
    "organization": {"publicKey": "-----BEGIN PUBLIC KEY-----\nMIICIXXXXXXAAQ==\n-----END PUBLIC KEY-----\n",
                     "samlEnabled": False, "smtpConfigured": True, "usernamePasswordEnabled": True, "name": "Yagel",
                     "domains": ["tabnine.com"], "planType": "Enterprise",
                     "id": "9a3895ca-1c27-4231-8978-85ae00267d02"},
    "teams": {"data": [{"id": "XXXXXXXXXXXXX", "name": "FE team", "usersCount": 6, "isDefaultTeam": False},
                       {"id": "YYYYYYYYYYYY", "name": "Default Team", "usersCount": 0, "isDefaultTeam": True},
                       {"id": "ZZZZZZZZZZZZZZ", "name": "QA Team", "usersCount": 2, "isDefaultTeam": False},
                       {"id": "MMMMMMMMMMMMMMMMM", "name": "Backend team", "usersCount": 5, "isDefaultTeam": False}],
              "meta": {"count": 4, "total": 4}},
    "utilization": [{"year": 2025, "month": 0, "registered": 0, "deactivated": 0, "active": 0, "pending": 0}],
    "usage": {"organizationId": "c19520dc-be63-4b43-a307-c96fccb68962", "from": "2025-03-23T00:00:00Z",
              "to": "2026-02-23T00:00:00Z",
              "usage": {"granularity": "all", "data": [{
                  "from": "2026-02-23T00:00:00Z", "to": "2026-02-23T00:00:00Z", "activeUsers": 131,
                  "instruct": {"acceptedCount": 16764}, "productivityFactor": 0.433,
                  "codeCompletions": {"activeUsers": 75, "completions": 7104, "charsCompleted": 617672,
                                      "keystrokes": 831400, "lines": 21848, "automationFactor": 0.426},
                  "chat": {"activeUsers": 128, "interactions": 31336, "usefulChatInteractions": 17411,
                           "lines": 38495, "charsCompleted": 16577, "chatConsumptionRate": 0.556},
                  "agent": {"activeUsers": 103, "interactions": 11190, "linesAdded": 1092933,
                            "linesAddedAccepted": 1080333, "linesRemoved": 76816, "linesRemovedAccepted": 75956}}]}},
    "users": {"data": [{"id": "4e69f465-6f02-4e33-bfe3-9d10a1d20db9", "username": "dana", "email": "dana@acme.com",
                        "role": "Member", "verified": True, "active": True, "deactivatedAt": None,
                        "updatedAt": "2025-02-24T10:15:30.56Z", "team": {"id": "XXXXXXXXXXXXX", "name": "FE team"}}],
              "meta": {"count": 1, "total": 1, "next": None}},
    "license": {"license": {"exp": 1895529600, "seats": 2000, "seatsCap": 22000, "audience": "idp-new",
                            "features": ["chat", "chat_models", "local_retrieval", "remote_indexing",
                                         "jira_integration"],
                            "settings": {"chatModel": {"type": "Private"}}, "iat": 1735806729}},
    "permissions": [{"username": "admin@tabnine.com", "organizationId": "9a3895ca-1c27-4231-8978-85ae00267d02"}],
    "team_utilization": {"registered": 5, "deactivated": 1, "invited": 1},
    "team": {"id": "4e69f465-6f02-4e33-bfe3-9d10a1d20db9", "name": "Backend team"},
    "user": {"user": {"organization_id": "9a3895ca-1c27-4231-8978-85ae00267d02",
                      "user_id": "4e69f465-6f02-4e33-bfe3-9d10a1d20db9", "email": "dana@acme.com", "role": "Admin",
                      "createdAt": "2025-01-02T09:00:00Z", "updatedAt": "2025-02-24T10:15:30.56Z"},
             "teams": {"team_id": "XXXXXXXXXXXXX", "team_name": "FE team"}},
}

# (example, path of the field) -> (orgpulse's side: "absent" or "added", the tabnine.md sentence that decides it)
DIFFERENCES = {
    ("organization", "publicKey"): ("absent", "organization = an orgpulse org: `id`, `name`, `domains`, `planType` ... "
                                              "`samlEnabled` false, `smtpConfigured` false, "
                                              "`usernamePasswordEnabled` true"),
    ("teams", "data[].organizationId"): ("added", "teams = the org's teams: "
                                                  "`{id,name,usersCount,isDefaultTeam,organizationId}`"),
    ("teams", "meta.next"): ("added", "`{data, meta:{count,total,next:{limit,offset}|null}}`"),
    ("usage", "usage.data[].instruct.activeUsers"): ("added", "per feature present in the data (`codeCompletions`, "
                                                              "`chat`, `agent`, `instruct`): the summed metrics plus "
                                                              "that feature's distinct `activeUsers`"),
}


def kind(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def flatten(v, path="", out=None):
    """{path: JSON type} of every field; list elements share the path `name[]` (each must have the same shape)."""
    out = {} if out is None else out
    k = kind(v)
    if path:
        assert out.get(path, k) == k, f"{path}: elements of one list differ in type"
        out[path] = k
    if k == "object":
        for key, x in v.items():
            flatten(x, f"{path}.{key}" if path else key, out)
    elif k == "array":
        for x in v:
            flatten(x, f"{path}[]", out)
    return out


def compare(name, ours):
    expected, got = flatten(EXAMPLES[name]), flatten(ours)
    if isinstance(EXAMPLES[name], list):
        expected[""] = got[""] = "array"
    for (example, path), (side, _) in DIFFERENCES.items():
        if example != name:
            continue
        if side == "absent":
            assert path not in got
            expected = {p: t for p, t in expected.items() if p != path and not p.startswith(path + ".")}
        else:
            assert path in got, f"{name}: orgpulse should add {path}"
            got = {p: t for p, t in got.items() if p != path and not p.startswith(path + ".")}
    assert got == expected


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    """orgpulse's answers over data equivalent to the examples': an org with a domain, a license and teams (one
    default), members with usernames, an admin, a pending invitation naming a team, and usage of the four features."""
    env = Env(tmp_path_factory.mktemp("usage-shape") / "data").start()
    p = env.project()
    p.post([
        org(1, name="Yagel", domains=["tabnine.com"], settings={"license": EXAMPLES["license"]["license"]}),
        user(1, email="admin@tabnine.com"), user(2, username="dana", email="dana@acme.com", verified=True),
        user(3), member(1, 1, role="Admin"), member(1, 2), member(1, 3),
        team(1, 1, name="FE team"), team(2, 1, name="Default Team", default=True), joined(1, 1), joined(1, 2),
        joined(1, 3), status("deactivated", 3, "2026-01-10"),
        invite(1, "new@acme.com", "2026-02-01T10:00", team_id=1),
        cc(1, "2026-02-02T10:00", completions=3, chars=90, keys=200, lines=3, org_id=1),
        chat(2, "2026-02-02T11:00", interactions=4, useful=2, chars=300, lines=12, org_id=1),
        usage(1, "2026-02-03T10:00", "agent", {"interactions": 2, "linesAdded": 40, "linesAddedAccepted": 35,
                                               "linesRemoved": 4, "linesRemovedAccepted": 4}, org_id=1),
        usage(2, "2026-02-03T10:00", "instruct", {"acceptedCount": 7}, org_id=1),
        usage(1, "2026-02-04T09:00", "instruct", {"acceptedCount": 1}, org_id=1),
        activity(1, "2026-02-04T10:00", org_id=1),
    ])
    got = {
        "organization": p.ok("/api/v1/organization", organizationId=O(1)),
        "teams": p.ok("/api/v1/organization/teams", organizationId=O(1)),
        "utilization": p.ok("/api/v1/organization/account-utilizations", organizationId=O(1), startDate="2025-12"),
        "usage": p.ok("/api/v1/organization/usage", organizationId=O(1), granularity="all",
                      **{"from": "2026-01-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"}),
        "users": p.ok("/api/v1/organization/users", organizationId=O(1), active="true"),
        "license": p.ok("/api/v1/license", organizationId=O(1)),
        "permissions": p.ok("/api/v1/instance/permissions", organizationId=O(1), role="Admin"),
        "team_utilization": p.ok("/api/v1/team/account-utilizations", organizationId=O(1), teamId=T(1)),
        "team": p.ok(f"/api/v1/team/{T(1)}", organizationId=O(1)),
        "user": p.ok(f"/api/v1/user/{U(2)}", organizationId=O(1)),
    }
    # the same buckets at the other levels and granularities must have the org bucket's shape
    got["team_usage"] = p.ok("/api/v1/team/usage", organizationId=O(1), teamId=T(1), granularity="weekly",
                             **{"from": "2026-01-26T00:00:00Z", "to": "2026-02-09T00:00:00Z"})
    got["user_usage"] = p.ok("/api/v1/user/usage", organizationId=O(1), userId=U(1), granularity="daily",
                             **{"from": "2026-02-01T00:00:00Z", "to": "2026-02-05T00:00:00Z"})
    yield got
    assert env.server.stop() == 0


@pytest.mark.parametrize("name", ["organization", "teams", "utilization", "usage", "users", "license", "permissions",
                                  "team_utilization", "team", "user"])
def test_the_answer_has_the_examples_keys_and_json_types(answers, name):
    compare(name, answers[name])


def test_team_and_user_usage_buckets_have_the_org_usage_buckets_shape(answers):
    org_bucket = flatten(answers["usage"]["usage"]["data"][0])
    for name, id_key in (("team_usage", "teamId"), ("user_usage", "userId")):
        body = answers[name]
        assert set(body) == {"organizationId", id_key, "from", "to", "usage"}
        assert len(body["usage"]["data"]) > 1
        for b in body["usage"]["data"]:
            assert flatten(b) == org_bucket, name


def test_every_difference_from_the_examples_is_a_decision_of_tabnine_md():
    path = pathlib.Path(__file__).resolve().parents[2] / ".." / "shared" / "specs" / "tabnine.md"
    if not path.exists():
        pytest.skip(f"{path} is not beside this checkout")
    spec = " ".join(path.read_text().split())
    for (example, path), (side, sentence) in DIFFERENCES.items():
        assert example in EXAMPLES
        for words in sentence.split(" ... "):
            assert words in spec, (example, path, words)
