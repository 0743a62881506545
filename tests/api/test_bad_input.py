"""The bad-input matrix: hundreds of malformed requests across every family (bad JSON, wrong types, huge numbers,
invalid UTF-8, NUL bytes, overlong ids and bodies, `..` in paths, negative pages, dates out of range, duplicate query
keys). Each must get a 4xx (never a 5xx, never a dropped connection), with a body in its family's error shape, and
none may change what the server holds."""
import json
import socket

import pytest
import requests

from conftest import Server, ndjson, run_cli

ORG, ORG2 = "4f18c3a2-0000-4000-8000-000000000001", "4f18c3a2-0000-4000-8000-000000000002"
USER = "813bef10-0000-4000-8000-000000000001"
TEAM = "7e000000-0000-4000-8000-000000000001"
MAX_BODY = 65536

SEED = [
    {"type": "org.created", "org_id": ORG, "name": "Acme", "timestamp": "2026-01-02T09:00:00Z"},
    {"type": "org.created", "org_id": ORG2, "name": "Beta", "timestamp": "2026-01-02T09:00:00Z"},
    {"type": "user.created", "user_id": USER, "email": "john@acme.com", "timestamp": "2026-01-02T09:01:00Z"},
    {"type": "member.added", "org_id": ORG, "user_id": USER, "role": "Admin", "timestamp": "2026-01-02T09:01:00Z"},
    {"type": "team.created", "team_id": TEAM, "org_id": ORG, "name": "Core", "timestamp": "2026-01-02T09:02:00Z"},
    {"type": "team.member_added", "team_id": TEAM, "user_id": USER, "timestamp": "2026-01-02T09:03:00Z"},
    {"type": "invite.sent", "org_id": ORG, "email": "jane@acme.com", "inviter_user_id": USER,
     "timestamp": "2026-01-03T10:00:00Z"},
    {"type": "activity", "user_id": USER, "org_id": ORG, "timestamp": "2026-01-05T14:48:00Z", "id": "a1"},
    {"type": "usage", "user_id": USER, "feature": "codeCompletions", "metrics": {"completions": 3, "keystrokes": 30},
     "timestamp": "2026-01-05T14:50:00Z"},
]


def family_of(path):
    if path.startswith("/api/backend/"):
        return "insights"
    if path.startswith("/api/v1/engagement-dashboard/"):
        return "engagement"
    if path.startswith("/api/v1/"):
        return "usage"
    if path.startswith("/api/v2/"):
        return "users_v2"
    if path.startswith("/api/organizations"):
        return "orgs"
    return "orgpulse"


def check_shape(family, status, body_bytes):
    """The error body of `status` is in the family's shape (auth.md)."""
    if family == "insights" and status == 429:
        return
    body = json.loads(body_bytes)
    if family == "orgpulse":
        assert isinstance(body["error"], str), body
        if body["error"] == "invalid_events":  # events.md: every problem, with its index and field
            assert body["errors"] and all({"index", "field", "message"} <= set(e) for e in body["errors"]), body
        else:
            assert isinstance(body["message"], str), body
    elif family == "insights":
        if status == 400:
            assert body and all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in body.values()), body
        else:
            assert isinstance(body["error"], str), body
    elif family == "usage":
        assert body["error"]["status"] == status and isinstance(body["error"]["message"], str), body
        if status == 400:
            assert body["error"]["message"] == "Validation Error" and body["error"]["errors"], body
    elif family == "engagement":
        assert body["success"] is False and isinstance(body["error"], str), body
    elif family == "users_v2":
        assert body["status"] == "error" and isinstance(body["message"], str), body
    elif family == "orgs":
        assert set(body) >= {"type", "code", "detail", "attr"}, body


class Env:
    def __init__(self, data_dir):
        self.server = Server(data_dir, extra_args=["--max-body", str(MAX_BODY), "--clock", "2026-01-20T00:00:00Z"])

    def start(self):
        self.server.start()
        self.key = self.server.key("*")
        r = self.server.post_events(self.key, SEED)
        assert r.json() == {"accepted": len(SEED), "duplicates": 0}, r.text
        return self


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    from conftest import started_env
    yield from started_env(Env, tmp_path_factory, "badinput")


def fingerprint(env):
    s, k = env.server, env.key
    out = [s.request("GET", "/v1/stats?day=2026-01-05", k).json(),
           s.request("GET", f"/v1/orgs/{ORG}", k).json(), s.request("GET", f"/v1/users/{USER}", k).json(),
           len(s.request("GET", "/v1/api_keys", k).json()["data"]),
           s.request("GET", f"/api/v1/organization/usage?organizationId={ORG}&from=2026-01-01T00:00:00Z"
                            f"&to=2026-01-10T00:00:00Z&granularity=all", k).json()]
    return json.dumps(out, sort_keys=True)


def raw(env, method, target, headers=(), body=b""):
    """Send a request byte for byte (requests would re-encode the path); returns (status, body)."""
    s = socket.create_connection(("127.0.0.1", env.server.port), timeout=30)
    head = f"{method} ".encode() + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    head += f"Authorization: Bearer {env.key}\r\n".encode()
    for h in headers:
        head += h + b"\r\n"
    if body:
        head += f"Content-Length: {len(body)}\r\n".encode()
    s.sendall(head + b"\r\n" + body)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    assert data, f"connection dropped for {method} {target[:200]!r}"
    head, _, rest = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    if b"transfer-encoding: chunked" in head.lower():
        out, buf = b"", rest
        while buf:
            line, _, buf = buf.partition(b"\r\n")
            n = int(line, 16)
            if n == 0:
                break
            out, buf = out + buf[:n], buf[n + 2:]
        rest = out
    return status, rest


# ---- the matrix ----

LONG = "x" * 5000
BAD_UTF8 = "%FF%FE%C3%28"
NUL = "%00"
HUGE = "99999999999999999999999999999"

Q = []  # (method, target, body, content_type): the query/path cases


def q(target, method="GET", body=b"", ctype=None, family=None):
    Q.append((method, target, body, ctype, family or family_of(target)))


# Insights
for kind in ["top_inviter", "champion", "reengagement", "churn"]:
    for bad in ["report_interval=abc", "report_interval=" + HUGE, "report_interval=-7", "report_interval=" + NUL,
                "page_size=0", "page_size=1001", "page_size=-5", "page_size=" + HUGE, "page_size=1e3",
                "page_number=-1", "page_number=x", "page_number=" + HUGE, "report_interval=" + BAD_UTF8]:
        q(f"/api/backend/v1/user_report/{kind}?{bad}")
for kind in ["reengagement", "churn", "growth", "attrition"]:
    for bad in ["report_interval=Daily", "report_interval=", "page_size=abc", "page_number=-3",
                "report_interval=" + BAD_UTF8, "page_size=" + NUL]:
        q(f"/api/backend/v1/org_report/{kind}?{bad}")
for metric in ["signups", "orgs_created", "active_users", "active_orgs"]:
    for bad in ["cadence=Hourly", "cadence=" + BAD_UTF8, "start_date=2026-13-01", "start_date=0000-00-00",
                "start_date=99999-01-01", "start_date=2026-02-30", "start_date=2026-01-10&end_date=2026-01-01",
                "end_date=" + NUL, "end_date=2026-1-1", "start_date=" + LONG]:
        q(f"/api/backend/v1/chart_metrics/{metric}?{bad}")
q("/api/backend/v1/user_report/nope")
q("/api/backend/v1/chart_metrics/nope")
q(f"/api/backend/v1/user/{LONG}/signup_query_parameters")
q(f"/api/backend/v1/user/{BAD_UTF8}/signup_query_parameters")

# Usage metrics
U = f"organizationId={ORG}"
W = "from=2026-01-01T00:00:00Z&to=2026-01-10T00:00:00Z"
for ep in ["organization/usage", "team/usage?teamId=" + TEAM, "user/usage?userId=" + USER]:
    sep = "&" if "?" in ep else "?"
    for bad in ["", W.split("&")[0], "from=2026-01-10T00:00:00Z&to=2026-01-01T00:00:00Z",
                "from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from=nope&to=2026-01-01T00:00:00Z",
                f"{W}&granularity=hour", f"{W}&granularity=" + BAD_UTF8, "from=" + NUL + "&to=x",
                "from=99999-01-01T00:00:00Z&to=99999-02-01T00:00:00Z", f"from={LONG}&to={LONG}"]:
        q(f"/api/v1/{ep}{sep}{U}&{bad}")
    q(f"/api/v1/{ep}{sep}{W}")  # organizationId missing
for ep in ["organization/teams", "organization/users", f"team/{TEAM}/users"]:
    for bad in ["offset=-1", "offset=nan", "limit=1001", "limit=-1", "limit=" + HUGE, "offset=" + HUGE,
                "limit=" + NUL, "offset=" + BAD_UTF8]:
        q(f"/api/v1/{ep}?{U}&{bad}")
for bad in ["teamMember=maybe", "active=x", "teamMember=" + BAD_UTF8]:
    q(f"/api/v1/organization/users?{U}&{bad}")
for bad in ["startDate=2026-13", "startDate=" + BAD_UTF8, "startDate=x"]:
    q(f"/api/v1/organization/account-utilizations?{U}&{bad}")
q(f"/api/v1/instance/permissions?{U}")
q(f"/api/v1/team/account-utilizations?{U}")
q(f"/api/v1/team/{LONG}?{U}")
q(f"/api/v1/user/{BAD_UTF8}?{U}")
q(f"/api/v1/organization?organizationId={LONG}")
q(f"/api/v1/organization?organizationId={BAD_UTF8}")
q("/api/v1/license")

# Engagement
for ep in ["users/active-users", "users/new-users", "users/users-by-time-of-the-day-in-a-week"]:
    for bad in ["", "start=2026-01-01", "start=2026-01-01T00:00:00.000Z", "start=2026-01-01T00:00:00Z&end=x",
                "start=" + BAD_UTF8 + "&end=" + NUL,
                "start=" + LONG + "&end=" + LONG]:
        q(f"/api/v1/engagement-dashboard/{ep}?{bad}")
for ep in ["users/chat-busier/hourly-data", "users/chat-busier/weekly-data"]:
    for bad in ["", "start=x", "start=" + BAD_UTF8, "start=2026-02-30T00:00:00.000Z"]:
        q(f"/api/v1/engagement-dashboard/{ep}?{bad}")

# Users v2
for bad in ["limit=0", "limit=1001", "limit=-1", "limit=abc", "limit=" + HUGE, "limit=" + NUL]:
    q(f"/api/v2/users?{bad}")
q(f"/api/v2/users/{LONG}")
q(f"/api/v2/users/{BAD_UTF8}")

# orgpulse /v1
for bad in ["day=x", "day=2026-13-01", "day=" + BAD_UTF8, "day=" + NUL, "day=" + LONG]:
    q(f"/v1/stats?{bad}")
for bad in ["from=x&to=y", "from=2026-01-10T00:00:00Z&to=2026-01-01T00:00:00Z", "from=" + BAD_UTF8,
            f"{W}&granularity=hour", f"{W}&group_by=planet", f"{W}&granularity=" + BAD_UTF8, "to=" + NUL]:
    q(f"/v1/usage?{bad}")
q(f"/v1/users/{LONG}")
q(f"/v1/orgs/{BAD_UTF8}")
q(f"/v1/users/{NUL}")
q("/v1/api_keys/" + LONG, method="DELETE")

# paths
for p in ["/v1/../v1/stats", "/v1/%2e%2e/v1/stats", "/../../etc/passwd", "/v1/users/..", "/v1/users/%2F..%2F",
          "/api/v2/users/../../v1/stats", "/v1/stats%00", "/" + "a" * 3000, "/v1/users/" + "%C0%AE" * 10,
          "/api/v1/team/..%2F..%2Fv1/users"]:
    q(p, family="orgpulse")  # unknown paths answer in the orgpulse shape (auth.md); the others are /v1 paths
q("/api/backend/v1/user_report/%2e%2e")

# event bodies (POST /v1/events) and key bodies (POST /v1/api_keys)
EV = "application/x-ndjson"
JS = "application/json"
bodies = [
    (b"{", JS), (b"[", JS), (b"not json", JS), (b'{"type":"user.created","user_id":1}', JS),
    (b'{"type":"user.created","user_id":"u","email":5}', JS), (b'{"type":"user.created"}', JS),
    (b'{"type":"nope","user_id":"u"}', JS), (b'{"type":"user.created","user_id":"u","timestamp":"2026-13-01T00:00:00Z"}', JS),
    (b'{"type":"user.created","user_id":"u","timestamp":99999999999999999999}', JS),
    (b'{"type":"user.created","user_id":"u","timestamp":-1}', JS),
    (b'{"type":"user.created","user_id":"u","timestamp":"3026-01-01T00:00:00Z"}', JS),
    (b'{"type":"user.created","user_id":"' + b"u" * 129 + b'"}', JS),
    (b'{"type":"user.created","user_id":"u","id":"' + b"i" * 129 + b'"}', JS),
    (b'{"type":"user.created","user_id":"\xff\xfe"}', JS), (b'{"type":"user.created","user_id":"a\x00b"}', JS),
    (b'{"type":"user.created","user_id":"a\\u0000b"}', JS),
    (b'{"type":"usage","user_id":"u","metrics":{"m":-1}}', JS), (b'{"type":"usage","user_id":"u","metrics":{"m":"1"}}', JS),
    (b'{"type":"usage","user_id":"u","metrics":{"m":1e999}}', JS), (b'{"type":"usage","user_id":"u","metrics":[]}', JS),
    (b'{"type":"usage","user_id":"u","metrics":{"bad name!":1}}', JS),
    (b'{"type":"org.created","org_id":"o"}', JS), (b'{"type":"org.created","org_id":"o","name":["x"]}', JS),
    (b'{"type":"member.added","org_id":"o"}', JS), (b'{"type":"user.created","user_id":"u","verified":"yes"}', JS),
    (b'{"type":"user.created","user_id":"u","signup_query_parameters":{"a":1}}', JS),
    (b'{"type":"user.created","user_id":"u","role":"King"}', JS),
    (b"[1,2,3]", JS), (b'[{"type":"user.created","user_id":"ok1"},{"type":"bad"}]', JS), (b"null", JS), (b'"s"', JS),
    (b'{"type":"user.created","user_id":"ok2"}\n{"type":', EV), (b'{"type":"user.created","user_id":"ok3"}\n[]\n', EV),
    (b'{"type":"user.created","user_id":"ok4"}\n\xff\n', EV),
    (b'{"type":"user.created","user_id":"ok5","user_id":"dup"}\n{}', EV),
    (b'{"a":' * 2000 + b'1' + b'}' * 2000, JS),
]
for body, ct in bodies:
    q("/v1/events", "POST", body, ct)
q("/v1/events", "POST", b'{"type":"user.created","user_id":"ok6"}', "text/plain")
q("/v1/events", "POST", b'{"type":"user.created","user_id":"ok7"}\n' * 2000, EV)  # over the 64 KiB limit: 413
for body in [b"{", b'{"scopes":5}', b'{"scopes":["nope"]}', b'{"scopes":[1]}', b'{"scopes":["*"],"name":5}',
             b'{"scopes":["*"],"org_id":["x"]}', b'{"scopes":["*"],"org_id":"' + b"o" * 129 + b'"}', b'{"scopes":[]}', b'{"scopes":["*"],"name":"' + b"n" * 5000 + b'"}', b"[]"]:
    q("/v1/api_keys", "POST", body, JS)


def test_the_matrix_has_at_least_200_requests():
    assert len(Q) + len(DUPLICATE_KEYS) >= 200, len(Q)


@pytest.mark.parametrize("case", range(len(Q)))
def test_malformed_requests_get_a_4xx_in_their_family_shape(env, case):
    method, target, body, ctype, family = Q[case]
    headers = [f"Content-Type: {ctype}".encode()] if ctype else []
    status, resp = raw(env, method, target.encode(), headers, body)
    assert 400 <= status < 500, (method, target[:200], status, resp[:300])
    check_shape(family, status, resp)


# Duplicate query keys: answered (first value or an error), never a 5xx; an error in the family's shape.
DUPLICATE_KEYS = [
    "/api/backend/v1/user_report/churn?report_interval=7&report_interval=14",
    "/api/backend/v1/chart_metrics/signups?cadence=Daily&cadence=Weekly",
    f"/api/v1/organization/teams?{U}&{U}",
    f"/api/v1/organization/users?{U}&limit=1&limit=2",
    f"/api/v1/organization/usage?{U}&{W}&{W}&granularity=all",
    "/api/v1/engagement-dashboard/users/new-users?start=2026-01-01T00:00:00.000Z&start=x&end=2026-01-05T00:00:00.000Z",
    "/api/v2/users?limit=1&limit=2",
    "/v1/stats?day=2026-01-05&day=x",
]


@pytest.mark.parametrize("target", DUPLICATE_KEYS)
def test_duplicate_query_keys_never_cause_a_server_error(env, target):
    status, resp = raw(env, "GET", target.encode())
    assert status < 500, (target, status, resp[:300])
    if status >= 400:
        check_shape(family_of(target), status, resp)


def test_a_chunked_upload_over_the_limit_gets_413_and_stores_nothing(env):
    before = fingerprint(env)
    s = socket.create_connection(("127.0.0.1", env.server.port), timeout=30)
    s.sendall(b"POST /v1/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n"
              b"Content-Type: application/x-ndjson\r\n" + f"Authorization: Bearer {env.key}\r\n\r\n".encode())
    line = b'{"type":"user.created","user_id":"chunky"}\n' * 100
    try:
        for _ in range(40):  # 40 x 4.3 KB = 172 KB > 64 KiB
            s.sendall(f"{len(line):x}\r\n".encode() + line + b"\r\n")
        s.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    data = b""
    try:
        while True:
            c = s.recv(65536)
            if not c:
                break
            data += c
    except ConnectionResetError:
        pass
    s.close()
    assert data.startswith(b"HTTP/1.1 413"), data[:200]
    assert fingerprint(env) == before


def test_no_malformed_request_changed_anything(env):
    """Runs the whole matrix again against a fingerprint of the server's state (stats, entities, keys, usage)."""
    before = fingerprint(env)
    for method, target, body, ctype, _ in Q:
        headers = [f"Content-Type: {ctype}".encode()] if ctype else []
        raw(env, method, target.encode(), headers, body)
    assert fingerprint(env) == before
    # and the server still answers normally
    assert env.server.request("GET", "/v1/stats", env.key).status_code == 200
