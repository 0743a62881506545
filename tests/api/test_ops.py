"""Operations: GET /metrics (Prometheus text), GET /openapi.json (from the route table), per-key rate limits (429 with
Retry-After in each family's shape), connection limits per address and the idle timeout against slow clients."""
import json
import re
import socket
import time

import pytest
import requests

from conftest import SLOW, Server, run_cli

ORG = "4f18c3a2-0000-4000-8000-000000000001"
USER = "813bef10-0000-4000-8000-000000000001"


def metric_lines(text):
    out = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, value = line.rsplit(" ", 1)
        out[name] = float(value)
    return out


# ---- /metrics ----

def test_metrics_needs_an_admin_key(server, admin):
    assert server.request("GET", "/metrics").status_code == 401
    reader = server.key("insights:read")
    r = server.request("GET", "/metrics", reader)
    assert r.status_code == 403 and "admin" in r.json()["message"]
    assert server.request("GET", "/metrics", admin).status_code == 200


def test_metrics_count_requests_by_route_and_status_with_a_latency_histogram(server, admin):
    for _ in range(3):
        assert server.request("GET", "/v1/stats", admin).status_code == 200
    assert server.request("GET", "/v1/stats?day=nope", admin).status_code == 400
    assert server.request("GET", "/no/such/path", admin).status_code == 404
    # a request is counted when libmicrohttpd reports it complete, just after its answer was sent: wait for the last
    deadline = time.time() + 5
    while True:
        r = server.request("GET", "/metrics", admin)
        m = metric_lines(r.text)
        if m.get('orgpulse_http_request_duration_seconds_count{method="GET",route="/v1/stats"}') == 4 or \
                time.time() > deadline:
            break
        time.sleep(0.05)
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert m['orgpulse_http_requests_total{method="GET",route="/v1/stats",status="200"}'] == 3
    assert m['orgpulse_http_requests_total{method="GET",route="/v1/stats",status="400"}'] == 1
    assert m['orgpulse_http_requests_total{method="",route="(none)",status="404"}'] == 1
    assert "# TYPE orgpulse_http_request_duration_seconds histogram" in r.text
    # cumulative buckets, ending with +Inf equal to the count
    buckets = [(k, v) for k, v in m.items()
               if k.startswith('orgpulse_http_request_duration_seconds_bucket{method="GET",route="/v1/stats"')]
    values = [v for _, v in buckets]
    assert values == sorted(values) and values[-1] == 4
    assert buckets[-1][0].endswith('le="+Inf"}')
    assert m['orgpulse_http_request_duration_seconds_count{method="GET",route="/v1/stats"}'] == 4
    assert m['orgpulse_http_request_duration_seconds_sum{method="GET",route="/v1/stats"}'] > 0


def test_metrics_count_ingested_events_and_index_sizes(server, admin):
    events = [
        {"type": "org.created", "org_id": ORG, "name": "Acme", "timestamp": "2026-01-02T09:00:00Z"},
        {"type": "user.created", "user_id": USER, "email": "a@b.c", "timestamp": "2026-01-02T09:01:00Z"},
        {"type": "member.added", "org_id": ORG, "user_id": USER, "timestamp": "2026-01-02T09:01:00Z"},
        {"type": "activity", "user_id": USER, "timestamp": "2026-01-05T14:48:00Z", "id": "e1"},
    ]
    assert server.post_events(admin, events).json() == {"accepted": 4, "duplicates": 0}
    assert server.post_events(admin, events[3:]).json() == {"accepted": 0, "duplicates": 1}
    m = metric_lines(server.request("GET", "/metrics", admin).text)
    assert m["orgpulse_events_ingested_total"] == 4
    stats = server.request("GET", "/v1/stats", admin).json()
    project = [k for k in m if k.startswith('orgpulse_index_entities{project="') and 'kind="users"' in k]
    assert len(project) == 1 and m[project[0]] == stats["users"] == 1
    pid = re.search(r'project="(\d+)"', project[0]).group(1)
    assert m[f'orgpulse_index_entities{{project="{pid}",kind="orgs"}}'] == 1
    assert m[f'orgpulse_index_entities{{project="{pid}",kind="memberships"}}'] == 1
    assert m[f'orgpulse_index_entities{{project="{pid}",kind="events"}}'] == 4
    assert m['orgpulse_export_runs_total{status="Completed"}'] == 0
    assert m["process_resident_memory_bytes"] > 1e6


# ---- /openapi.json ----

def test_openapi_document_lists_every_route_of_the_table_and_nothing_else(server):
    r = server.request("GET", "/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"] == "3.1.0" and doc["info"]["title"] == "orgpulse"
    routes = [json.loads(line) for line in run_cli("routes").stdout.splitlines()]
    documented = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
    assert documented == {(r["method"], r["path"]) for r in routes}
    ids = set()
    for rt in routes:
        op = doc["paths"][rt["path"]][rt["method"].lower()]
        names = re.findall(r"\{([^}]+)\}", rt["path"])
        assert [p["name"] for p in op["parameters"] if p["in"] == "path"] == names
        assert all(p["required"] for p in op["parameters"] if p["in"] == "path")
        assert op["operationId"] not in ids
        ids.add(op["operationId"])
        if rt["scope"]:
            assert op["x-orgpulse-scope"] == rt["scope"] and {"bearer": []} in op["security"]
            assert {"401", "403", "429"} <= set(op["responses"])
        else:
            assert op["security"] == []
        assert ("requestBody" in op) == rt["takes_body"]
        for code, resp in op["responses"].items():
            ref = resp.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
            if ref:
                assert ref.split("/")[-1] in doc["components"]["schemas"]


def test_openapi_names_each_family_s_extra_credentials(server):
    doc = server.request("GET", "/openapi.json").json()
    engagement = doc["paths"]["/api/v1/engagement-dashboard/users/active-users"]["get"]
    assert {"xAuthToken": []} in engagement["security"]
    assert doc["components"]["securitySchemes"]["xAuthToken"] == {"type": "apiKey", "in": "header",
                                                                  "name": "X-Auth-Token"}


# ---- rate limits ----

@pytest.fixture
def limited(tmp_path):
    s = Server(tmp_path / "data", extra_args=["--rate-limit", "0.5/3"]).start()
    yield s
    assert s.stop() == 0, s.log_text()


FAMILY_PATHS = [
    ("/v1/stats", lambda r: r.json()["error"] == "rate_limited" and "throttled" in r.json()["message"]),
    ("/api/backend/v1/user_report/churn?report_interval=7", lambda r: r.text == "Too Many Requests"),
    ("/api/v1/organization?organizationId=x", lambda r: r.json() == {"error": {"message": "Too Many Requests", "status": 429}}),
    ("/api/v1/engagement-dashboard/users/new-users?start=2026-01-01T00:00:00Z&end=2026-01-02T00:00:00Z",
     lambda r: r.json()["success"] is False and "throttled" in r.json()["error"]),
    ("/api/v2/users", lambda r: r.json()["status"] == "error" and "throttled" in r.json()["message"]),
    ("/api/organizations/", lambda r: r.json() == {"type": "throttled_error", "code": "throttled", "attr": None,
                                                   "detail": "Request was throttled. Expected available in "
                                                             f"{r.headers['Retry-After']} second"
                                                             f"{'' if r.headers['Retry-After'] == '1' else 's'}."}),
]


def test_a_key_over_its_rate_gets_429_with_retry_after_and_another_key_is_not_affected(limited):
    k1, k2 = limited.key("*"), limited.key("*")
    codes = [limited.request("GET", "/v1/stats", k1).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    r = limited.request("GET", "/v1/stats", k1)
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) in (1, 2)
    assert limited.request("GET", "/v1/stats", k2).status_code == 200


def test_tokens_come_back_after_retry_after(limited):
    k = limited.key("*")
    for _ in range(3):
        assert limited.request("GET", "/v1/stats", k).status_code == 200
    r = limited.request("GET", "/v1/stats", k)
    assert r.status_code == 429
    time.sleep(int(r.headers["Retry-After"]) + 0.1)
    assert limited.request("GET", "/v1/stats", k).status_code == 200


def test_a_refused_write_changes_nothing(limited):
    k = limited.key("*")
    for _ in range(3):
        limited.request("GET", "/v1/stats", k)
    ev = [{"type": "user.created", "user_id": USER, "timestamp": "2026-01-02T09:01:00Z"}]
    assert limited.post_events(k, ev).status_code == 429
    time.sleep(2.2)
    assert limited.request("GET", "/v1/stats", k).json()["users"] == 0


@pytest.mark.parametrize("path,check", FAMILY_PATHS, ids=[p.split("?")[0] for p, _ in FAMILY_PATHS])
def test_429_is_in_each_family_s_shape(limited, path, check):
    k = limited.key("*")
    for _ in range(3):
        limited.request("GET", path, k)
    r = limited.request("GET", path, k)
    assert r.status_code == 429 and "Retry-After" in r.headers
    assert check(r), r.text


def test_without_a_rate_limit_nothing_is_throttled(server, admin):
    assert all(server.request("GET", "/v1/stats", admin).status_code == 200 for _ in range(50))


def test_a_bad_rate_limit_is_refused_at_start(tmp_path):
    p = run_cli("serve", "--data", tmp_path / "d", "--rate-limit", "ten", check=False)
    assert p.returncode == 2 and "--rate-limit" in p.stderr


# ---- connections ----

def raw_connect(server):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    return s


def test_connections_over_the_per_address_limit_are_closed(tmp_path):
    s = Server(tmp_path / "data", extra_args=["--max-connections-per-ip", "2"]).start()
    try:
        def held_connection():
            # a request answered: the connection is accepted and counted, and stays open (keep-alive). The start-up
            # health check's connection may still be counted for a moment after it closed: then try again.
            for _ in range(50):
                h = raw_connect(s)
                h.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                try:
                    if h.recv(100).startswith(b"HTTP/1.1 200"):
                        return h
                except ConnectionResetError:
                    pass
                h.close()
                time.sleep(0.1)
            raise AssertionError("no connection accepted")

        held = [held_connection(), held_connection()]
        third = raw_connect(s)
        third.settimeout(5)
        try:
            third.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            data = third.recv(100)
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        assert data == b""
        for h in held:
            h.close()
        time.sleep(0.3)
        assert requests.get(s.url + "/healthz", timeout=5).status_code == 200
    finally:
        assert s.stop() == 0, s.log_text()


def test_a_slow_client_is_disconnected_after_the_idle_timeout_while_others_are_served(tmp_path):
    s = Server(tmp_path / "data", extra_args=["--idle-timeout", "1"]).start()
    try:
        slow = [raw_connect(s) for _ in range(20)]
        for c in slow:
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # headers never finish
        assert requests.get(s.url + "/healthz", timeout=5).status_code == 200
        time.sleep(2.5 + (SLOW > 1) * 5)
        for c in slow:
            c.settimeout(5)
            try:
                assert c.recv(100) == b""  # closed by the server
            except ConnectionResetError:
                pass
            c.close()
    finally:
        assert s.stop() == 0, s.log_text()
